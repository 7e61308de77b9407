//! Building and sending requests.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use reqwest::{Method, Url};

use super::auth::{ApiKey, ApiKeyLocation, Auth};
use super::error::Error;
use super::response::{Response, StreamingResponse};
use super::retry::{Pacer, RetryPolicy, retryable_status};
use super::token::{Lease, TokenCache};

/// The configured connection to one API server, produced by
/// [`Config::build`](super::Config::build).
///
/// Cheap to clone (shared internals, one connection pool); clone it rather
/// than building several. `Debug` never prints credentials.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

/// What [`Config::build`](super::Config::build) hands over.
pub(crate) struct TransportParts {
    pub(crate) base_url: String,
    pub(crate) http: reqwest::Client,
    pub(crate) auth: Option<Auth>,
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) api_keys: Vec<ApiKey>,
    pub(crate) tokens: Option<TokenCache>,
}

struct Inner {
    base_url: String,
    http: reqwest::Client,
    /// Kept for `Debug` only; the header below is what is sent.
    auth: Option<Auth>,
    /// Pre-built and marked sensitive, so it is validated once and never
    /// printed by `http`/`reqwest`.
    authorization: Option<HeaderValue>,
    user_agent: HeaderValue,
    /// Applied to each request; `None` leaves a caller-supplied client's own
    /// timeout in charge.
    timeout: Option<Duration>,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
    /// API keys; `Secret`'s Debug redacts them.
    api_keys: Vec<ApiKey>,
    /// The bearer token from a token source, shared by clones.
    tokens: Option<TokenCache>,
}

impl Transport {
    pub(crate) fn new(parts: TransportParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                base_url: parts.base_url,
                http: parts.http,
                auth: parts.auth,
                authorization: parts.authorization,
                user_agent: parts.user_agent,
                timeout: parts.timeout,
                retry: parts.retry,
                pacer: parts.rate_limit.map(Pacer::new),
                api_keys: parts.api_keys,
                tokens: parts.tokens,
            }),
        }
    }

    /// The resolved base URL (no trailing `/`) that request paths are
    /// appended to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Starts a request. `path` begins with `/` and is already
    /// percent-encoded (see [`encode_path_segment`](super::encode_path_segment));
    /// it is appended to [`base_url`](Self::base_url) verbatim.
    pub fn request(&self, method: Method, path: impl Into<String>) -> Request {
        Request::new(method, path.into())
    }

    /// Sends `request` and reads the whole response body into memory.
    ///
    /// Adds the `Authorization` header, `Accept: application/json` (unless
    /// the request chose its own `Accept`), `User-Agent`, and the body's
    /// `Content-Type`; headers set on the request itself take precedence.
    /// Any status, including 4xx/5xx, is a successful `Response`: deciding
    /// what a status means is up to the generated code.
    ///
    /// With a [token source](super::Config::token_source), a 401 answer makes the
    /// transport fetch a new token and send the request once more (whatever its
    /// method: the server did not act on it); a second 401 is returned.
    ///
    /// Errors: [`Error::InvalidRequest`] (nothing sent) if the request could
    /// not be built or no token could be fetched, [`Error::Request`] if no complete
    /// response arrived (connection failure, timeout, body read failure).
    pub async fn send<E>(&self, request: Request) -> Result<Response, Error<E>> {
        self.exchange(request, |response, _| {
            Box::pin(async move {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                Ok(Response::new(status, headers, body))
            })
        })
        .await
    }

    /// Sends `request` like [`send`](Self::send), but returns as soon as the response
    /// headers have arrived, leaving the body to be read as a stream of chunks
    /// ([`StreamingResponse::bytes_stream`]): for downloads too large to hold in
    /// memory.
    pub async fn send_streaming<E>(&self, request: Request) -> Result<StreamingResponse, Error<E>> {
        self.exchange(request, |response, hide_url| {
            Box::pin(std::future::ready(Ok(StreamingResponse::new(response, hide_url))))
        })
        .await
    }

    /// The request–response loop of [`send`](Self::send): token, pacing, one attempt,
    /// then retry or renew as the answer requires. `finish` turns the answer's head
    /// into the reply (reading the body or not); a failure there is retried like a
    /// failed attempt.
    async fn exchange<E, R: Reply>(
        &self,
        request: Request,
        finish: fn(reqwest::Response, bool) -> BoxFuture<'static, Result<R, reqwest::Error>>,
    ) -> Result<R, Error<E>> {
        if let Some(message) = request.error {
            return Err(Error::InvalidRequest(message));
        }
        let url = self.url_for(&request).map_err(Error::InvalidRequest)?;
        let headers = self.headers_for(&request);
        let policy = &self.inner.retry;
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            let lease = self.lease(&request).await?;
            if let Some(pacer) = &self.inner.pacer {
                pacer.wait().await;
            }
            let mut attempt_headers = headers.clone();
            if let Some(lease) = &lease {
                attempt_headers.insert(AUTHORIZATION, lease.header.clone());
            }
            let sent = tokio::time::Instant::now();
            let outcome = match self.execute(&request, url.clone(), attempt_headers).await {
                Ok(response) => finish(response, self.hides_url()).await,
                Err(err) => Err(err),
            };
            if let (Some(tokens), Some(lease), Ok(reply)) = (&self.inner.tokens, &lease, &outcome) {
                if reply.status() == 401 {
                    tokens.reject(lease).await;
                    if !renewed {
                        renewed = true;
                        tracing::debug!(method = %request.method, path = %request.path, "token refused; renewing it");
                        continue;
                    }
                } else if lease.idle {
                    tokens.used(lease, sent).await;
                }
            }
            if attempt >= policy.attempts() {
                return outcome.map_err(|e| self.request_error(e));
            }
            let wait = match &outcome {
                Ok(reply) if retryable_status(reply.status(), request.idempotent) => policy
                    .retry_after(reply.headers())
                    .unwrap_or_else(|| policy.backoff(attempt)),
                Ok(_) => return outcome.map_err(|e| self.request_error(e)),
                // Timeouts and connection failures: the server may have acted.
                Err(_) if request.idempotent => policy.backoff(attempt),
                Err(_) => return outcome.map_err(|e| self.request_error(e)),
            };
            tracing::warn!(
                method = %request.method,
                path = %request.path,
                attempt,
                status = outcome.as_ref().ok().map(Reply::status),
                // The kind only: a transport error's text holds the URL, which may
                // carry an API key.
                error = outcome.as_ref().err().map(|e| if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "transport"
                }),
                wait_ms = wait.as_millis() as u64,
                "retrying request"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The token to send, from the token source, unless there is none or the request
    /// brings its own `Authorization`.
    async fn lease<E>(&self, request: &Request) -> Result<Option<Lease>, Error<E>> {
        let Some(tokens) = &self.inner.tokens else {
            return Ok(None);
        };
        if request.headers.contains_key(AUTHORIZATION) || request.anonymous {
            return Ok(None);
        }
        match tokens.get().await {
            Ok(lease) => Ok(Some(lease)),
            Err(err) => Err(Error::InvalidRequest(format!("could not get an access token: {err}"))),
        }
    }

    /// Whether errors must leave out the request URL (it carries an API key).
    fn hides_url(&self) -> bool {
        self.inner.api_keys.iter().any(|k| k.location == ApiKeyLocation::Query)
    }

    /// A transport error, without the URL when the URL carries an API key.
    fn request_error<E>(&self, error: reqwest::Error) -> Error<E> {
        if self.hides_url() {
            Error::Request(error.without_url())
        } else {
            Error::Request(error)
        }
    }

    /// A URL that a response pointed to (a next-page link): absolute, or relative to
    /// the base URL's origin when it starts with `/`. Refused when it leaves the base
    /// URL's scheme, host and port, where the credentials must not go.
    fn page_url(&self, next: &str, request: &Request) -> Result<Url, String> {
        let base = Url::parse(&self.inner.base_url).map_err(|e| format!("invalid base URL: {e}"))?;
        let url = base.join(next).map_err(|e| format!("invalid next-page URL: {e}"))?;
        if url.origin() != base.origin() {
            return Err(format!(
                "the server pointed the next page at another origin ({}); not following it with this client's credentials",
                url.origin().ascii_serialization()
            ));
        }
        let mut url = url;
        let keys = self.query_keys(request);
        if !keys.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for key in keys {
                pairs.append_pair(&key.name, key.value.expose());
            }
        }
        Ok(url)
    }

    /// The absolute URL: base URL + path + encoded query, or the URL a page pointed to
    /// (see [`Request::at_url`]).
    fn url_for(&self, request: &Request) -> Result<Url, String> {
        if let Some(next) = &request.at_url {
            return self.page_url(next, request);
        }
        let separator = if request.path.is_empty() || request.path.starts_with('/') {
            ""
        } else {
            "/"
        };
        let text = format!("{}{separator}{}", self.inner.base_url, request.path);
        let mut url = Url::parse(&text)
            .map_err(|e| format!("invalid request URL for path `{}`: {e}", request.path))?;
        let keys = self.query_keys(request);
        if !request.query.is_empty() || !keys.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
            for key in keys {
                pairs.append_pair(&key.name, key.value.expose());
            }
        }
        Ok(url)
    }

    /// The API keys that go into the query string (none for a request without
    /// credentials).
    fn query_keys(&self, request: &Request) -> Vec<&ApiKey> {
        if request.anonymous {
            return Vec::new();
        }
        self.inner.api_keys.iter().filter(|k| k.location == ApiKeyLocation::Query).collect()
    }

    /// Default headers, then the request's own (which win).
    fn headers_for(&self, request: &Request) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if let Some(authorization) = self.inner.authorization.as_ref().filter(|_| !request.anonymous) {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(body) = &request.body {
            headers.insert(CONTENT_TYPE, body.content_type.clone());
        }
        for key in self.inner.api_keys.iter().filter(|k| k.location == ApiKeyLocation::Header && !request.anonymous) {
            if let (Ok(name), Ok(mut value)) =
                (HeaderName::from_bytes(key.name.as_bytes()), HeaderValue::from_str(key.value.expose()))
            {
                value.set_sensitive(true);
                headers.insert(name, value);
            }
        }
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        headers
    }

    /// The single place where bytes go over the wire; `exchange` calls it once per
    /// attempt. Everything it needs is borrowed or cheaply cloned (`Bytes`). Returns
    /// once the response head has arrived.
    async fn execute(
        &self,
        request: &Request,
        url: Url,
        headers: HeaderMap,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .headers(headers);
        if let Some(timeout) = self.inner.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.bytes.clone());
        }
        builder.send().await
    }
}

/// What one attempt produced, as far as retrying is concerned.
trait Reply: Send + 'static {
    fn status(&self) -> u16;
    fn headers(&self) -> &HeaderMap;
}

impl Reply for Response {
    fn status(&self) -> u16 {
        Response::status(self)
    }

    fn headers(&self) -> &HeaderMap {
        Response::headers(self)
    }
}

impl Reply for StreamingResponse {
    fn status(&self) -> u16 {
        StreamingResponse::status(self)
    }

    fn headers(&self) -> &HeaderMap {
        StreamingResponse::headers(self)
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url)
            // `Auth`'s Debug redacts the secret.
            .field("auth", &self.inner.auth)
            .field("user_agent", &self.inner.user_agent)
            .field("timeout", &self.inner.timeout)
            .field("api_keys", &self.inner.api_keys)
            .field("token_source", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

/// A request body, already serialised.
struct Body {
    bytes: Bytes,
    content_type: HeaderValue,
}

/// One HTTP request under construction, created by [`Transport::request`].
///
/// Builder methods never fail: a problem (a body that does not serialise,
/// an invalid header value) is remembered and reported by
/// [`Transport::send`] as [`Error::InvalidRequest`], so generated code can
/// chain calls without `?` at every step.
#[must_use = "a Request does nothing until it is passed to Transport::send"]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Body>,
    /// The first builder error, if any.
    error: Option<String>,
    /// Whether sending it twice has the same effect as once (see [`Request::idempotent`]).
    idempotent: bool,
    /// A next-page URL that replaces the path and query (see [`Request::at_url`]).
    at_url: Option<String>,
    /// Sent without the client's credentials (see [`Request::without_credentials`]).
    anonymous: bool,
}

impl Request {
    fn new(method: Method, path: String) -> Self {
        Self {
            path,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error: None,
            // HTTP's idempotent methods; POST and PATCH are not unless the caller says so.
            idempotent: !matches!(method, Method::POST | Method::PATCH),
            at_url: None,
            anonymous: false,
            method,
        }
    }

    /// Sends the request without the client's credentials: no `Authorization` header,
    /// no API key, no token fetched. For operations the spec marks `security: []`,
    /// such as a login, which must not receive the session's token.
    pub fn without_credentials(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Sends the request to `url` instead of the base URL + path + query: a next-page
    /// link from a response body or a `Link` header. Relative URLs resolve against the
    /// base URL; one on another origin fails the request (nothing is sent), so
    /// credentials never follow a link off the API's host.
    pub fn at_url(mut self, url: impl Into<String>) -> Self {
        self.at_url = Some(url.into());
        self
    }

    fn fail(mut self, message: String) -> Self {
        self.error.get_or_insert(message);
        self
    }

    /// Appends a query parameter; name and value are encoded when the URL is
    /// built. Call repeatedly for repeated (`explode`d array) parameters.
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sets a header, replacing an earlier value of the same header
    /// (including the defaults `send` adds, such as `Accept`). Names are
    /// case-insensitive.
    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        let Ok(header_name) = HeaderName::from_bytes(name.as_bytes()) else {
            return self.fail(format!("`{name}` is not a valid HTTP header name"));
        };
        // The value is deliberately not echoed: it may be an API key.
        match HeaderValue::from_str(&value.to_string()) {
            Ok(header_value) => {
                self.headers.insert(header_name, header_value);
                self
            }
            Err(_) => self.fail(format!(
                "the value of header `{name}` contains characters not allowed in HTTP headers"
            )),
        }
    }

    /// Sends `body` form-encoded (`application/x-www-form-urlencoded`). A value that
    /// does not encode (a nested object) is reported by `send`.
    pub fn form<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => self.bytes(text.into_bytes(), "application/x-www-form-urlencoded"),
            Err(err) => self.fail(format!("the form body does not encode: {err}")),
        }
    }

    /// Sends a `multipart/form-data` body (file uploads).
    pub fn multipart(mut self, form: super::Multipart) -> Self {
        let (bytes, content_type) = form.encode();
        match HeaderValue::from_str(&content_type) {
            Ok(content_type) => {
                self.body = Some(Body { bytes: Bytes::from(bytes), content_type });
                self
            }
            Err(_) => self.fail("invalid multipart content type".to_owned()),
        }
    }

    /// Adds a query parameter whose value is not a plain scalar (an array, an object,
    /// an enum, a date), laid out by its OpenAPI `style` and `explode`.
    pub fn query_param<T: serde::Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: super::param::Style,
        explode: bool,
    ) -> Self {
        self.query.extend(super::param::query_pairs(name, value, style, explode));
        self
    }

    /// Adds `name=value` to the `Cookie` header (the value percent-encoded, so it cannot
    /// end the pair or the header).
    pub fn cookie(mut self, name: &str, value: impl ToString) -> Self {
        let pair = format!("{name}={}", super::encode_path_segment(&value.to_string()));
        let cookie = match self.headers.get(reqwest::header::COOKIE).and_then(|v| v.to_str().ok()) {
            Some(existing) => format!("{existing}; {pair}"),
            None => pair,
        };
        match HeaderValue::from_str(&cookie) {
            Ok(value) => {
                self.headers.insert(reqwest::header::COOKIE, value);
                self
            }
            Err(_) => self.fail(format!("cookie `{name}` has a name not allowed in a Cookie header")),
        }
    }

    /// Marks the request as safe to send twice, so that it is also retried after a
    /// 5xx, a timeout or a connection failure. Generated code sets this for POST
    /// operations that only read (queries, query paging).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Whether the request is retried after failures that may have reached the server.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Sets the `Accept` header (the default is `application/json`), for
    /// operations that return another media type.
    pub fn accept(self, media_type: &'static str) -> Self {
        self.header("accept", media_type)
    }

    /// Serialises `body` as JSON now (`Content-Type: application/json`). A
    /// serialisation failure is reported by `send`.
    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.bytes(bytes, "application/json"),
            Err(err) => self.fail(format!("failed to serialize the JSON request body: {err}")),
        }
    }

    /// A text body, sent as `Content-Type: text/plain; charset=utf-8`.
    pub fn text(self, body: impl Into<String>) -> Self {
        self.bytes(body.into(), "text/plain; charset=utf-8")
    }

    /// A raw body with the given `Content-Type`.
    pub fn bytes(mut self, body: impl Into<Vec<u8>>, content_type: &'static str) -> Self {
        let Ok(content_type) = HeaderValue::from_str(content_type) else {
            return self.fail(format!(
                "`{content_type}` is not a valid Content-Type value"
            ));
        };
        self.body = Some(Body {
            bytes: Bytes::from(body.into()),
            content_type,
        });
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path (relative to the base URL) as given.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Debug for Request {
    /// Header values are not shown: they may carry API keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|b| format!("{} bytes of {:?}", b.bytes.len(), b.content_type)),
            )
            .field("error", &self.error)
            .finish()
    }
}
