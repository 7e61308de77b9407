//! Client configuration: base URL templating, credentials, timeouts.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::auth::{ApiKey, ApiKeyLocation, Auth, REDACTED, Secret};
use super::encode_path_segment;
use super::hooks::{OutgoingRequest, RequestHook, ResponseHook, ResponseInfo};
use super::retry::RetryPolicy;
use super::token::{DEFAULT_REFRESH_MARGIN, TokenCache, TokenSource};
use super::transport::{Transport, TransportParts};

/// Total time a request may take when the caller configured nothing else.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response body read into memory when the caller configured nothing
/// else: 32 MiB, far above any Boomi answer (a query page holds 100 objects), far
/// below what would hurt a small machine.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Why a [`Config`] could not produce a base URL or a [`Transport`].
///
/// No variant ever contains a password or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL template uses `{name}` but no value was given.
    #[error("server variable `{name}` has no value: set it with Config::variable(\"{name}\", ...)")]
    MissingVariable {
        /// The variable name between the braces.
        name: String,
    },
    /// A `{` in the URL template is never closed, or a variable name is
    /// malformed.
    #[error("malformed base URL template `{template}`: {reason}")]
    MalformedTemplate {
        /// The template as given.
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// After substitution the base URL is not an absolute `http(s)` URL
    /// usable as a prefix for request paths.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL after variable substitution (any user-info redacted).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The base URL contains `user:password@`. Credentials in URLs end up in
    /// logs and error messages, so they are refused; use
    /// [`Config::basic_auth`] instead.
    #[error(
        "base URL must not contain credentials (user:password@...); use Config::basic_auth instead"
    )]
    CredentialsInUrl,
    /// The credentials contain characters that cannot be sent in an HTTP
    /// header (for example a newline in a token).
    #[error("credentials contain characters that are not allowed in an HTTP header")]
    InvalidCredentials,
    /// The user agent contains characters that cannot be sent in an HTTP
    /// header.
    #[error("user agent `{0}` is not a valid HTTP header value")]
    InvalidUserAgent(String),
    /// `reqwest` could not build its HTTP client (e.g. TLS initialisation).
    #[error("failed to build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// Everything needed to talk to one API server; turned into a
/// [`Transport`] by [`Config::build`].
///
/// A builder taken by value:
///
/// ```
/// use std::time::Duration;
/// use specwright_runtime::Config;
///
/// let config = Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
///     .variable("accountId", "acme-123")
///     .bearer_auth("token")
///     .timeout(Duration::from_secs(30));
/// assert_eq!(
///     config.resolved_base_url().unwrap(),
///     "https://api.boomi.com/api/rest/v1/acme-123"
/// );
/// assert!(!format!("{config:?}").contains("token\""));
/// ```
///
/// `Debug` never prints credentials.
#[derive(Clone)]
pub struct Config {
    url_template: String,
    variables: BTreeMap<String, String>,
    base_url: Option<String>,
    auth: Option<Auth>,
    timeout: Option<Duration>,
    user_agent: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    rate_limit: Option<f64>,
    api_keys: Vec<ApiKey>,
    token_source: Option<Arc<dyn TokenSource>>,
    token_refresh_margin: Duration,
    max_response_bytes: u64,
    on_request: Option<RequestHook>,
    on_response: Option<ResponseHook>,
}

impl Config {
    /// Starts a configuration from the server URL template of the API
    /// description, e.g. `"https://api.boomi.com/api/rest/v1/{accountId}"`.
    pub fn new(url_template: impl Into<String>) -> Self {
        Self {
            url_template: url_template.into(),
            variables: BTreeMap::new(),
            base_url: None,
            auth: None,
            timeout: None,
            user_agent: concat!("specwright-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            rate_limit: None,
            api_keys: Vec::new(),
            token_source: None,
            token_refresh_margin: DEFAULT_REFRESH_MARGIN,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            on_request: None,
            on_response: None,
        }
    }

    /// Sets the server variable `name`, substituted for `{name}` in the URL
    /// template (or the [`base_url`](Self::base_url) override).
    ///
    /// The value is percent-encoded as one path segment, so `"a/b"` becomes
    /// `a%2Fb` and cannot change the URL's structure.
    #[must_use]
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Replaces the URL template, e.g. to go through a proxy, use another
    /// regional host, or point at a test server. It may contain `{variables}`
    /// too; they are substituted exactly like the template's.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Authenticates with HTTP Basic. For Boomi, `token` is the API token
    /// (or password).
    #[must_use]
    pub fn basic_auth(self, username: impl Into<String>, token: impl Into<String>) -> Self {
        self.auth(Auth::Basic {
            username: username.into(),
            password: Secret::new(token),
        })
    }

    /// Authenticates with `Authorization: Bearer <token>`.
    #[must_use]
    pub fn bearer_auth(self, token: impl Into<String>) -> Self {
        self.auth(Auth::Bearer(Secret::new(token)))
    }

    /// Sets the authentication directly (replaces any previous one, a
    /// [token source](Self::token_source) included).
    #[must_use]
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self.token_source = None;
        self
    }

    /// Authenticates with `Authorization: Bearer <token>`, the token coming from
    /// `source` (replaces any previous authentication).
    ///
    /// The token is fetched when the first request needs it, and shared by the
    /// transport's clones (not by other transports built from this configuration);
    /// concurrent requests wait for one fetch. It is fetched again when it is within
    /// the [refresh margin](Self::token_refresh_margin) of its expiry, and when a
    /// request is answered 401, after which that request is sent once more. If the
    /// source fails, the request fails with
    /// [`Error::InvalidRequest`](super::Error::InvalidRequest) and nothing is sent;
    /// the next request asks the source again, and so it does when a fetch takes
    /// longer than the [timeout](Self::timeout) (60 s by default). The token is never
    /// logged or shown by `Debug`.
    ///
    /// See [`TokenSource`] for a login that answers the token in a header.
    #[must_use]
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.token_source = Some(Arc::new(source));
        self.auth = None;
        self
    }

    /// How long before its expiry a token from the
    /// [token source](Self::token_source) is renewed, so that no request goes out
    /// with a token about to lapse. Defaults to 60 seconds; a token that lives less
    /// than twice as long is renewed halfway through its life instead.
    #[must_use]
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// Total time allowed for one request, from connecting until the whole
    /// response body has been read. Defaults to 60 seconds.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header sent with every request. Defaults to
    /// `specwright-runtime/<version>`.
    #[must_use]
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Uses a caller-built `reqwest` client (proxies, custom TLS roots,
    /// connection pool settings, sharing one pool between clients).
    ///
    /// The configured [`timeout`](Self::timeout) is then applied to each
    /// request. If no timeout was configured, the supplied client's own
    /// settings are left in charge (no 60 s default is imposed on it).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sends `key` in the header `name` with every request (an `apiKey` security
    /// scheme `in: header`).
    #[must_use]
    pub fn api_key_header(mut self, name: impl Into<String>, key: impl Into<String>) -> Self {
        self.api_keys.push(ApiKey { location: ApiKeyLocation::Header, name: name.into(), value: Secret::new(key) });
        self
    }

    /// Sends `key` as the query parameter `name` with every request (an `apiKey`
    /// security scheme `in: query`).
    #[must_use]
    pub fn api_key_query(mut self, name: impl Into<String>, key: impl Into<String>) -> Self {
        self.api_keys.push(ApiKey { location: ApiKeyLocation::Query, name: name.into(), value: Secret::new(key) });
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`] for the defaults:
    /// 4 attempts, exponential backoff with jitter, `Retry-After` honoured).
    /// `RetryPolicy::none()` turns retries off.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keeps this client (and its clones) under `per_second` request starts per
    /// second, so that it stays under the server's rate limit instead of running
    /// into it (Boomi allows 10 per second per account). Off by default.
    #[must_use]
    pub fn max_requests_per_second(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// The largest response body [`Transport::send`] reads into memory, in bytes
    /// (32 MiB by default, [`DEFAULT_MAX_RESPONSE_BYTES`]). The body is read chunk by
    /// chunk and reading stops at the limit, so no more than that is ever held; a
    /// response that declares a larger `Content-Length` fails before its body is read.
    /// Either way the call fails with [`Error::TooLarge`](super::Error::TooLarge),
    /// which is not retried.
    ///
    /// Streamed downloads ([`Transport::send_streaming`], the generated `*_stream`
    /// methods) are not limited: they hold one chunk at a time. Their error bodies,
    /// read whole, are. A single call can have its own limit with
    /// [`CallOptions::max_response_bytes`](super::CallOptions::max_response_bytes).
    #[must_use]
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Calls `hook` for every attempt of every request just before it is sent, to
    /// add or change headers (a correlation id, a tenant header). Retries and the
    /// resend after a token renewal call it again, with the attempt number.
    ///
    /// It runs **before the credentials are added**: it never sees the
    /// `Authorization` header, the API keys or the token, so a hook that logs what it
    /// sees cannot leak them, and a value it sets for `Authorization`,
    /// `Proxy-Authorization` or an API-key header is replaced by the configured
    /// credentials. Its URL leaves out API keys sent in the query. It does not see
    /// the body. Setting a hook replaces any earlier one.
    ///
    /// ```
    /// use specwright_runtime::Config;
    /// use specwright_runtime::reqwest::header::HeaderValue;
    ///
    /// let config = Config::new("https://api.example.com").on_request(|request| {
    ///     request.headers_mut().insert("x-correlation-id", HeaderValue::from_static("run-42"));
    /// });
    /// assert!(format!("{config:?}").contains("on_request: Some(\"<hook>\")"));
    /// ```
    #[must_use]
    pub fn on_request(mut self, hook: impl Fn(&mut OutgoingRequest<'_>) + Send + Sync + 'static) -> Self {
        self.on_request = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` after every attempt of every request, with its status, headers,
    /// time and attempt number, or the failure that left it without a response: for
    /// metrics and logs. For [`Transport::send`] it runs once the whole body has been
    /// read; for [`Transport::send_streaming`] once the headers have arrived. It does
    /// not see the body. Setting a hook replaces any earlier one.
    #[must_use]
    pub fn on_response(mut self, hook: impl Fn(&ResponseInfo<'_>) + Send + Sync + 'static) -> Self {
        self.on_response = Some(Arc::new(hook));
        self
    }

    /// The base URL every request path is appended to: the
    /// [`base_url`](Self::base_url) override if set, else the template, with
    /// each `{name}` replaced by its percent-encoded
    /// [`variable`](Self::variable) and trailing `/` removed.
    ///
    /// Fails if a variable has no value, or the result is not an absolute
    /// `http`/`https` URL without credentials, query or fragment.
    pub fn resolved_base_url(&self) -> Result<String, ConfigError> {
        let template = self.base_url.as_deref().unwrap_or(&self.url_template);
        let substituted = substitute(template.trim(), &self.variables)?;
        let trimmed = substituted.trim_end_matches('/');
        validate_base_url(trimmed)?;
        Ok(trimmed.to_owned())
    }

    /// Validates the configuration and produces the [`Transport`] generated
    /// clients send requests through.
    pub fn build(self) -> Result<Transport, ConfigError> {
        let base_url = self.resolved_base_url()?;
        let authorization = match &self.auth {
            Some(auth) => Some(auth.header_value().ok_or(ConfigError::InvalidCredentials)?),
            None => None,
        };
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| ConfigError::InvalidUserAgent(self.user_agent.clone()))?;
        let (http, timeout) = match self.http {
            Some(client) => (client, self.timeout),
            None => {
                // Timeouts are applied per request (see `Transport`), so the
                // same code path serves both our own and a supplied client.
                let client = reqwest::Client::builder()
                    .build()
                    .map_err(ConfigError::HttpClient)?;
                (client, Some(self.timeout.unwrap_or(DEFAULT_TIMEOUT)))
            }
        };
        Ok(Transport::new(TransportParts {
            base_url,
            http,
            auth: self.auth,
            authorization,
            user_agent,
            timeout,
            retry: self.retry,
            rate_limit: self.rate_limit,
            api_keys: self.api_keys,
            tokens: self
                .token_source
                .map(|source| TokenCache::new(source, self.token_refresh_margin, timeout)),
            max_response_bytes: self.max_response_bytes,
            on_request: self.on_request,
            on_response: self.on_response,
        }))
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("url_template", &self.url_template)
            .field("variables", &self.variables)
            .field("base_url", &self.base_url)
            // `Auth`'s Debug goes through `Secret`, which redacts.
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("http_client", &self.http.as_ref().map(|_| "<custom>"))
            .field("api_keys", &self.api_keys)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("token_source", &self.token_source.as_ref().map(|_| "<configured>"))
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("on_request", &self.on_request.as_ref().map(|_| "<hook>"))
            .field("on_response", &self.on_response.as_ref().map(|_| "<hook>"))
            .finish()
    }
}

/// Replaces each `{name}` in `template` with the percent-encoded value.
fn substitute(template: &str, variables: &BTreeMap<String, String>) -> Result<String, ConfigError> {
    let malformed = |reason: &str| ConfigError::MalformedTemplate {
        template: redact_userinfo(template),
        reason: reason.to_owned(),
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(malformed("`}` without a matching `{`"));
        }
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| malformed("`{` is never closed"))?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(malformed(
                "a variable name must be non-empty and must not contain `{`",
            ));
        }
        let value = variables
            .get(name)
            .ok_or_else(|| ConfigError::MissingVariable {
                name: name.to_owned(),
            })?;
        out.push_str(&encode_path_segment(value));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks that `url` is an absolute http(s) URL that request paths can be
/// appended to.
fn validate_base_url(url: &str) -> Result<(), ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: redact_userinfo(url),
        reason: reason.to_owned(),
    };
    let Some((scheme, _)) = url.split_once("://") else {
        return Err(invalid(
            "not an absolute URL (expected http://... or https://...)",
        ));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(invalid("only http and https URLs are supported"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError::CredentialsInUrl);
    }
    if parsed.host().is_none() {
        return Err(invalid("the URL has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(
            "a base URL must not have a query (`?`) or fragment (`#`): request paths are appended to it",
        ));
    }
    Ok(())
}

/// Hides `user:password@` in an absolute URL so it can go into an error
/// message.
fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let authority_len = url[authority_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - authority_start);
    let authority = &url[authority_start..authority_start + authority_len];
    match authority.rfind('@') {
        Some(at) => format!(
            "{}{REDACTED}{}",
            &url[..authority_start],
            &url[authority_start + at..]
        ),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_encodes_variables() {
        let config = Config::new("https://api.boomi.com/api/rest/v1/{accountId}/")
            .variable("accountId", "acme/1 2");
        assert_eq!(
            config.resolved_base_url().unwrap(),
            "https://api.boomi.com/api/rest/v1/acme%2F1%202"
        );
    }

    #[test]
    fn missing_variable_is_named() {
        let err = Config::new("https://h/{accountId}/x/{other}")
            .variable("accountId", "a")
            .resolved_base_url()
            .unwrap_err();
        assert!(matches!(&err, ConfigError::MissingVariable { name } if name == "other"));
        assert!(err.to_string().contains("`other`"), "{err}");
    }

    #[test]
    fn base_url_override_is_substituted_too() {
        let config = Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
            .variable("accountId", "acc")
            .base_url("http://127.0.0.1:8080/proxy/{accountId}//");
        assert_eq!(
            config.resolved_base_url().unwrap(),
            "http://127.0.0.1:8080/proxy/acc"
        );
    }

    #[test]
    fn malformed_templates_are_rejected() {
        for template in [
            "https://h/{a",
            "https://h/}a",
            "https://h/{}",
            "https://h/{a{b}",
        ] {
            let err = Config::new(template).variable("a", "x").resolved_base_url();
            assert!(
                matches!(err, Err(ConfigError::MalformedTemplate { .. })),
                "{template}: {err:?}"
            );
        }
    }

    #[test]
    fn base_url_must_be_absolute_http() {
        for url in [
            "api.boomi.com/v1",
            "/relative",
            "ftp://h/x",
            "http://",
            "https://h/x?a=b",
            "https://h/x#frag",
            "",
        ] {
            let err = Config::new(url).resolved_base_url();
            assert!(
                matches!(err, Err(ConfigError::InvalidBaseUrl { .. })),
                "{url}: {err:?}"
            );
        }
        assert_eq!(
            Config::new("HTTPS://Example.com")
                .resolved_base_url()
                .unwrap(),
            "HTTPS://Example.com"
        );
    }

    #[test]
    fn credentials_in_url_are_refused_without_echoing_them() {
        let err = Config::new("https://user:s3cret@h/x")
            .resolved_base_url()
            .unwrap_err();
        assert!(matches!(err, ConfigError::CredentialsInUrl));
        assert!(!format!("{err} {err:?}").contains("s3cret"));
        assert_eq!(
            redact_userinfo("https://u:p@h/x@y"),
            "https://<redacted>@h/x@y"
        );
        assert_eq!(redact_userinfo("https://h/x@y"), "https://h/x@y");
    }

    #[test]
    fn invalid_credentials_do_not_leak() {
        let err = Config::new("https://h")
            .bearer_auth("bad\ntoken-xyz")
            .build()
            .unwrap_err();
        assert!(matches!(err, ConfigError::InvalidCredentials));
        assert!(!format!("{err} {err:?}").contains("token-xyz"));
    }
}
