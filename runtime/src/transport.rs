//! Building and sending requests.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, PROXY_AUTHORIZATION, USER_AGENT,
};
use reqwest::{Method, Url};
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use super::auth::{ApiKey, ApiKeyLocation, Auth};
use super::error::Error;
use super::hooks::{OutgoingRequest, RequestHook, ResponseHook, ResponseInfo};
use super::response::{ReadError, Response, StreamingResponse, hide_credentials, read_body};
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
    /// Overrides of this clone (see [`Transport::with_options`]).
    options: CallOptions,
}

/// Settings of one call, or of the calls of one clone of a client, that take the place
/// of the [`Config`](super::Config)'s: see [`Transport::with_options`] and
/// [`Request::options`]. What is left unset keeps the configured value.
///
/// ```
/// use std::time::Duration;
/// use specwright_runtime::{CallOptions, RetryPolicy};
///
/// // A slow export: more time, and no retries (the caller retries it as a whole).
/// let options = CallOptions::new().timeout(Duration::from_secs(600)).retry(RetryPolicy::none());
/// assert_eq!(options.get_timeout(), Some(Duration::from_secs(600)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    idempotent: Option<bool>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Total time for each attempt, from connecting to the end of the body (see
    /// [`Config::timeout`](super::Config::timeout)).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How failures are retried (see [`Config::retry`](super::Config::retry)).
    /// Setting a policy does not make a request idempotent: a POST is still only
    /// retried after answers that say the server did not act (429, 503), unless it is
    /// marked [idempotent](Request::idempotent).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body read into memory (see
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes)).
    #[must_use]
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Whether sending the request twice has the same effect as once, which lets a
    /// request whose answer was lost (dropped connection, timeout, 5xx) be retried. For
    /// a POST that replaces a whole object, say, which the spec cannot mark; see
    /// [`Request::idempotent`].
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The idempotency override, if set.
    pub fn get_idempotent(&self) -> Option<bool> {
        self.idempotent
    }

    /// The timeout override, if set.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The retry policy override, if set.
    pub fn get_retry(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The response size limit override, if set.
    pub fn get_max_response_bytes(&self) -> Option<u64> {
        self.max_response_bytes
    }

    /// `self`'s settings, and `other`'s where `self` has none.
    fn or(&self, other: &CallOptions) -> CallOptions {
        CallOptions {
            timeout: self.timeout.or(other.timeout),
            retry: self.retry.clone().or_else(|| other.retry.clone()),
            max_response_bytes: self.max_response_bytes.or(other.max_response_bytes),
            idempotent: self.idempotent.or(other.idempotent),
        }
    }
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
    pub(crate) max_response_bytes: u64,
    pub(crate) on_request: Option<RequestHook>,
    pub(crate) on_response: Option<ResponseHook>,
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
    max_response_bytes: u64,
    on_request: Option<RequestHook>,
    on_response: Option<ResponseHook>,
}

/// The settings one request goes out with: its own, else its transport clone's, else
/// the configuration's.
struct Effective<'a> {
    timeout: Option<Duration>,
    retry: &'a RetryPolicy,
    limit: u64,
    idempotent: bool,
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
                max_response_bytes: parts.max_response_bytes,
                on_request: parts.on_request,
                on_response: parts.on_response,
            }),
            options: CallOptions::default(),
        }
    }

    /// The resolved base URL (no trailing `/`) that request paths are
    /// appended to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A clone whose requests use `options` where they set something (a request's
    /// own [options](Request::options) still come first). It shares everything else
    /// with `self`: the connection pool, the token, the rate limit.
    #[must_use]
    pub fn with_options(&self, options: CallOptions) -> Transport {
        Transport {
            inner: self.inner.clone(),
            options: options.or(&self.options),
        }
    }

    /// A clone whose requests time out after `timeout` (see [`with_options`](Self::with_options)).
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Transport {
        self.with_options(CallOptions::new().timeout(timeout))
    }

    /// A clone whose requests are retried by `policy` (see [`with_options`](Self::with_options)).
    #[must_use]
    pub fn with_retry(&self, policy: RetryPolicy) -> Transport {
        self.with_options(CallOptions::new().retry(policy))
    }

    /// The overrides of this clone.
    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    /// Starts a request. `path` begins with `/` and is already
    /// percent-encoded (see [`encode_path_segment`](super::encode_path_segment));
    /// it is appended to [`base_url`](Self::base_url) verbatim.
    pub fn request(&self, method: Method, path: impl Into<String>) -> Request {
        Request::new(method, path.into())
    }

    /// Sends `request` and reads the whole response body into memory, up to
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes).
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
    /// Each call is a `tracing` span named `request` (fields `operation`, `method`,
    /// `path`, `attempt`, `status`, `elapsed_ms`); see the crate docs.
    ///
    /// Errors: [`Error::InvalidRequest`] (nothing sent) if the request could
    /// not be built or no token could be fetched, [`Error::Timeout`] if the last
    /// attempt timed out, [`Error::TooLarge`] past the size limit, [`Error::Request`]
    /// if no complete response arrived otherwise (connection failure, body read
    /// failure).
    pub async fn send<E>(&self, request: Request) -> Result<Response, Error<E>> {
        self.exchange(request).await
    }

    /// [`send`](Self::send) `request` when the future is first polled, then `decode`
    /// the response: what every generated operation method returns. The request is
    /// already built, so the future borrows only the transport, not the method's
    /// arguments; and because the future is a plain [`BoxFuture`] rather than each
    /// method's own `async` state machine, a crate of thousands of operations
    /// type-checks one future here instead of one per operation.
    pub fn call<'a, T, E>(
        &'a self,
        request: Request,
        decode: fn(Response) -> Result<T, Error<E>>,
    ) -> BoxFuture<'a, Result<T, Error<E>>>
    where
        T: Send + 'a,
        E: Send + 'a,
    {
        Box::pin(async move { decode(self.exchange(request).await?) })
    }

    /// [`call`](Self::call) for the answer nearly every operation gives, told by its
    /// statuses rather than by a decoder of its own: a status in `ok` (any 2xx when
    /// `ok` is empty) is the answer, read by `decode` ([`Response::json`],
    /// [`Response::empty`], [`Response::text`]); a status in `errors` is
    /// [`Error::Api`] with the body decoded as `E` where it matches
    /// ([`Response::error`]); any other is what `others` says:
    /// [`Others::Unexpected`](super::Others::Unexpected) ([`Error::UnexpectedStatus`])
    /// or, for the spec's `default` response, [`Others::Error`](super::Others::Error). The same
    /// answers a `match` on the status in a closure gives, without one closure per
    /// operation: in a crate of thousands of operations those closures were about a
    /// twentieth of the memory `cargo check` needs.
    pub fn answer<'a, T, E, const OK: usize, const ERRORS: usize>(
        &'a self,
        request: Request,
        ok: [u16; OK],
        errors: [u16; ERRORS],
        others: super::Others,
        decode: fn(Response) -> Result<T, Error<E>>,
    ) -> BoxFuture<'a, Result<T, Error<E>>>
    where
        T: Send + 'a,
        E: serde::de::DeserializeOwned + Send + 'a,
    {
        Box::pin(async move {
            let response: Response = self.exchange(request).await?;
            response.answer(&ok, &errors, others, decode)
        })
    }

    /// [`answer`](Self::answer), with the response headers beside the answer: for
    /// paging by headers and operations that declare response headers.
    pub fn answer_with_headers<'a, T, E, const OK: usize, const ERRORS: usize>(
        &'a self,
        request: Request,
        ok: [u16; OK],
        errors: [u16; ERRORS],
        others: super::Others,
        decode: fn(Response) -> Result<T, Error<E>>,
    ) -> BoxFuture<'a, Result<(T, HeaderMap), Error<E>>>
    where
        T: Send + 'a,
        E: serde::de::DeserializeOwned + Send + 'a,
    {
        Box::pin(async move {
            let response: Response = self.exchange(request).await?;
            let headers = response.headers().clone();
            response.answer(&ok, &errors, others, decode).map(|value| (value, headers))
        })
    }

    /// Sends `request` like [`send`](Self::send), but returns as soon as the response
    /// headers have arrived, leaving the body to be read as a stream of chunks
    /// ([`StreamingResponse::bytes_stream`]): for downloads too large to hold in
    /// memory. The size limit does not apply to the stream (see
    /// [`StreamingResponse::bytes_stream`]).
    pub async fn send_streaming<E>(&self, request: Request) -> Result<StreamingResponse, Error<E>> {
        self.exchange(request).await
    }

    /// The settings `request` goes out with.
    fn effective<'a>(&'a self, request: &'a Request) -> Effective<'a> {
        let (own, clone) = (&request.options, &self.options);
        Effective {
            timeout: own.timeout.or(clone.timeout).or(self.inner.timeout),
            retry: own.retry.as_ref().or(clone.retry.as_ref()).unwrap_or(&self.inner.retry),
            limit: own.max_response_bytes.or(clone.max_response_bytes).unwrap_or(self.inner.max_response_bytes),
            idempotent: own.idempotent.or(clone.idempotent).unwrap_or(request.idempotent),
        }
    }

    /// [`send`](Self::send) and [`send_streaming`](Self::send_streaming): the attempts
    /// inside one `request` span. Only the path template, method and operation id go
    /// into the span; never the URL (it may carry an API key), headers or bodies.
    async fn exchange<E, R: Reply>(&self, request: Request) -> Result<R, Error<E>> {
        let span = tracing::info_span!(
            "request",
            operation = request.operation.map(|(id, _)| id),
            method = %request.method,
            path = request.label(),
            attempt = Empty,
            status = Empty,
            elapsed_ms = Empty,
        );
        let started = Instant::now();
        let outcome = self.attempts(&request, &span, started).instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        if let Err(err) = &outcome {
            // The error's kind and status only: its text may hold the server's words.
            span.in_scope(|| tracing::debug!(error = error_kind(err), status = err.status(), "request failed"));
        }
        outcome
    }

    /// The request–response loop: token, pacing, request hook, one attempt, response
    /// hook, then retry or renew as the answer requires.
    async fn attempts<E, R: Reply>(
        &self,
        request: &Request,
        span: &tracing::Span,
        started: Instant,
    ) -> Result<R, Error<E>> {
        if let Some(message) = &request.error {
            return Err(Error::InvalidRequest(message.clone()));
        }
        let url = self.url_for(request, true).map_err(Error::InvalidRequest)?;
        // The hook's URL leaves out query API keys.
        let hook_url = match &self.inner.on_request {
            Some(_) => self.url_for(request, false).map_err(Error::InvalidRequest)?.to_string(),
            None => String::new(),
        };
        let settings = self.effective(request);
        let policy = settings.retry;
        let hide_url = self.hides_url();
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            span.record("attempt", attempt);
            let lease = self.lease(request).await?;
            if let Some(pacer) = &self.inner.pacer {
                let waited = pacer.wait().await;
                if !waited.is_zero() {
                    tracing::debug!(attempt, wait_ms = waited.as_millis() as u64, "waited for the rate limit");
                }
            }
            // Built anew for each attempt rather than cloned from the first: the same
            // work without the copy.
            let mut attempt_headers = self.headers_for(request);
            if let Some(hook) = &self.inner.on_request {
                hook(&mut OutgoingRequest {
                    method: &request.method,
                    url: &hook_url,
                    path: request.label(),
                    operation: request.operation.map(|(id, _)| id),
                    attempt,
                    headers: &mut attempt_headers,
                });
            }
            self.add_credentials(&mut attempt_headers, request, lease.as_ref());
            let sent = Instant::now();
            let (outcome, head) = match self.execute(request, url.clone(), attempt_headers, settings.timeout).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = self.inner.on_response.as_ref().map(|_| {
                        let mut headers = response.headers().clone();
                        hide_credentials(&mut headers);
                        headers
                    });
                    (R::finish(response, hide_url, settings.limit).await, Some((status, headers)))
                }
                Err(err) => (Err(ReadError::Http(err)), None),
            };
            let elapsed = sent.elapsed();
            let status = head.as_ref().map(|(status, _)| *status);
            let failure = outcome.as_ref().err().map(|f| failure_kind(f, head.is_some()));
            if let Some(status) = status {
                span.record("status", status);
            }
            tracing::debug!(attempt, status, failure, elapsed_ms = elapsed.as_millis() as u64, "attempt finished");
            if let Some(hook) = &self.inner.on_response {
                let empty = HeaderMap::new();
                hook(&ResponseInfo {
                    method: &request.method,
                    path: request.label(),
                    operation: request.operation.map(|(id, _)| id),
                    attempt,
                    status,
                    headers: head.as_ref().and_then(|(_, h)| h.as_ref()).unwrap_or(&empty),
                    elapsed,
                    failure,
                });
            }
            if let (Some(tokens), Some(lease), Ok(reply)) = (&self.inner.tokens, &lease, &outcome) {
                if reply.status() == 401 {
                    tokens.reject(lease).await;
                    if !renewed {
                        renewed = true;
                        tracing::debug!(attempt, "token refused; renewing it");
                        continue;
                    }
                } else if lease.idle {
                    tokens.used(lease, sent).await;
                }
            }
            let failure = match outcome {
                Ok(reply) => {
                    if attempt >= policy.attempts() || !retryable_status(reply.status(), settings.idempotent) {
                        return Ok(reply);
                    }
                    let (wait, retry_after) = match policy.retry_after(reply.headers()) {
                        Some(wait) => (wait, true),
                        None => (policy.backoff(attempt), false),
                    };
                    let reason = if matches!(reply.status(), 429 | 503) { "rate limited" } else { "server error" };
                    tracing::warn!(
                        attempt,
                        status = reply.status(),
                        reason,
                        retry_after,
                        delay_ms = wait.as_millis() as u64,
                        "retrying request"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                Err(failure) => failure,
            };
            // Timeouts and connection failures: the server may have acted, so only an
            // idempotent request goes again. A body past the limit would be again.
            let retry = matches!(failure, ReadError::Http(_)) && settings.idempotent && attempt < policy.attempts();
            if !retry {
                return Err(self.failure_error(failure, attempt, settings.timeout, started));
            }
            let wait = policy.backoff(attempt);
            tracing::warn!(
                attempt,
                status,
                // The kind only: a transport error's text holds the URL, which may
                // carry an API key.
                reason = failure_kind(&failure, head.is_some()),
                retry_after = false,
                delay_ms = wait.as_millis() as u64,
                "retrying request"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// The error for the last attempt's failure.
    fn failure_error<E>(&self, failure: ReadError, attempts: u32, timeout: Option<Duration>, started: Instant) -> Error<E> {
        match failure {
            ReadError::Http(err) if err.is_timeout() => Error::Timeout {
                timeout,
                attempts,
                elapsed: started.elapsed(),
                source: if self.hides_url() { err.without_url() } else { err },
            },
            other => other.into_error(self.hides_url()),
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

    /// A URL that a response pointed to (a next-page link): absolute, or relative to
    /// the base URL's origin when it starts with `/`. Refused when it leaves the base
    /// URL's scheme, host and port, where the credentials must not go.
    fn page_url(&self, next: &str, request: &Request, keys: bool) -> Result<Url, String> {
        let base = Url::parse(&self.inner.base_url).map_err(|e| format!("invalid base URL: {e}"))?;
        let url = base.join(next).map_err(|e| format!("invalid next-page URL: {e}"))?;
        if url.origin() != base.origin() {
            return Err(format!(
                "the server pointed the next page at another origin ({}); not following it with this client's credentials",
                url.origin().ascii_serialization()
            ));
        }
        let mut url = url;
        let keys = if keys { self.query_keys(request) } else { Vec::new() };
        if !keys.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for key in keys {
                pairs.append_pair(&key.name, key.value.expose());
            }
        }
        Ok(url)
    }

    /// The absolute URL: base URL + path + encoded query (with the query API keys
    /// when `keys`), or the URL a page pointed to (see [`Request::at_url`]).
    fn url_for(&self, request: &Request, keys: bool) -> Result<Url, String> {
        if let Some(next) = &request.at_url {
            return self.page_url(next, request, keys);
        }
        let separator = if request.path.is_empty() || request.path.starts_with('/') {
            ""
        } else {
            "/"
        };
        let text = format!("{}{separator}{}", self.inner.base_url, request.path);
        let mut url = Url::parse(&text)
            .map_err(|e| format!("invalid request URL for path `{}`: {e}", request.path))?;
        let keys = if keys { self.query_keys(request) } else { Vec::new() };
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

    /// Whether a header carries credentials: those are left out of what the request
    /// hook sees, and added after it.
    fn is_credential(&self, name: &HeaderName) -> bool {
        name == AUTHORIZATION
            || name == PROXY_AUTHORIZATION
            || self
                .inner
                .api_keys
                .iter()
                .any(|k| k.location == ApiKeyLocation::Header && k.name.eq_ignore_ascii_case(name.as_str()))
    }

    /// Default headers, then the request's own (which win), credentials left out.
    fn headers_for(&self, request: &Request) -> HeaderMap {
        // Room for the defaults, the request's own and the credentials, so that none
        // of the inserts grows the map.
        let mut headers = HeaderMap::with_capacity(request.headers.len() + 4 + self.inner.api_keys.len());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if let Some(body) = &request.body {
            headers.insert(CONTENT_TYPE, body.content_type.clone());
        }
        for (name, value) in &request.headers {
            if !self.is_credential(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        headers
    }

    /// The credentials, over whatever the request hook set under their names: the
    /// configured `Authorization` and API-key headers, then the request's own values
    /// of those headers (which win), then the token source's token.
    fn add_credentials(&self, headers: &mut HeaderMap, request: &Request, lease: Option<&Lease>) {
        if !request.anonymous {
            if let Some(authorization) = &self.inner.authorization {
                headers.insert(AUTHORIZATION, authorization.clone());
            }
            for key in self.inner.api_keys.iter().filter(|k| k.location == ApiKeyLocation::Header) {
                if let (Ok(name), Ok(mut value)) =
                    (HeaderName::from_bytes(key.name.as_bytes()), HeaderValue::from_str(key.value.expose()))
                {
                    value.set_sensitive(true);
                    headers.insert(name, value);
                }
            }
        }
        for (name, value) in &request.headers {
            if self.is_credential(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(lease) = lease {
            headers.insert(AUTHORIZATION, lease.header.clone());
        }
    }

    /// The single place where bytes go over the wire; `attempts` calls it once per
    /// attempt. Everything it needs is borrowed or cheaply cloned (`Bytes`). Returns
    /// once the response head has arrived.
    async fn execute(
        &self,
        request: &Request,
        url: Url,
        headers: HeaderMap,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        // Made whole rather than through `RequestBuilder`, whose `headers` copies the
        // map entry by entry into the one it starts with.
        let mut outgoing = reqwest::Request::new(request.method.clone(), url);
        *outgoing.headers_mut() = headers;
        *outgoing.timeout_mut() = timeout;
        if let Some(body) = &request.body {
            *outgoing.body_mut() = Some(body.bytes.clone().into());
        }
        self.inner.http.execute(outgoing).await
    }
}

/// A short name for what went wrong in an attempt, for events and the response hook.
fn failure_kind(failure: &ReadError, had_head: bool) -> &'static str {
    match failure {
        ReadError::TooLarge { .. } => "too large",
        ReadError::Http(err) if err.is_timeout() => "timeout",
        ReadError::Http(err) if err.is_connect() => "connect",
        ReadError::Http(_) if had_head => "body",
        ReadError::Http(_) => "transport",
    }
}

/// A short name for an error, for the span's closing event.
fn error_kind<E>(error: &Error<E>) -> &'static str {
    match error {
        Error::Api(_) => "api",
        Error::UnexpectedStatus(_) => "unexpected status",
        Error::Decode { .. } => "decode",
        Error::Timeout { .. } => "timeout",
        Error::TooLarge { .. } => "too large",
        Error::Request(err) if err.is_connect() => "connect",
        Error::Request(_) => "transport",
        Error::InvalidRequest(_) => "invalid request",
    }
}

/// What one attempt produced, as far as retrying is concerned, and how it is made from
/// the answer's head: by reading the body or not. A failure there is retried like a
/// failed attempt.
trait Reply: Send + Sized + 'static {
    fn finish(
        response: reqwest::Response,
        hide_url: bool,
        limit: u64,
    ) -> impl Future<Output = Result<Self, ReadError>> + Send;
    fn status(&self) -> u16;
    fn headers(&self) -> &HeaderMap;
}

impl Reply for Response {
    async fn finish(mut response: reqwest::Response, _hide_url: bool, limit: u64) -> Result<Self, ReadError> {
        let status = response.status();
        // Moved out, not copied: the body reader needs no headers.
        let headers = std::mem::take(response.headers_mut());
        let body = read_body(response, limit).await?;
        Ok(Response::new(status, headers, body))
    }

    fn status(&self) -> u16 {
        Response::status(self)
    }

    fn headers(&self) -> &HeaderMap {
        Response::headers(self)
    }
}

impl Reply for StreamingResponse {
    async fn finish(response: reqwest::Response, hide_url: bool, limit: u64) -> Result<Self, ReadError> {
        Ok(StreamingResponse::new(response, hide_url, limit))
    }

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
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("on_request", &self.inner.on_request.as_ref().map(|_| "<hook>"))
            .field("on_response", &self.inner.on_response.as_ref().map(|_| "<hook>"))
            .field("options", &self.options)
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
    /// The `operationId` and path template (see [`Request::operation`]).
    operation: Option<(&'static str, &'static str)>,
    /// This request's own overrides (see [`Request::options`]).
    options: CallOptions,
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
            operation: None,
            options: CallOptions::default(),
            method,
        }
    }

    /// Names the operation the request belongs to: its `operationId` and its path
    /// template as the API description writes it (`"/Atom/{id}"`). They go into the
    /// `tracing` span and to the hooks in place of the path, which holds identifiers.
    /// Generated code sets it for every operation.
    pub fn operation(mut self, id: &'static str, path_template: &'static str) -> Self {
        self.operation = Some((id, path_template));
        self
    }

    /// Overrides the configured timeout, retry policy or size limit for this request
    /// alone; what `options` leaves unset keeps the transport's value.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options.or(&self.options);
        self
    }

    /// This request's timeout (see [`options`](Self::options)).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.options(CallOptions::new().timeout(timeout))
    }

    /// This request's retry policy (see [`options`](Self::options)).
    pub fn retry(self, policy: RetryPolicy) -> Self {
        self.options(CallOptions::new().retry(policy))
    }

    /// The path template when the request names its operation, else the path.
    fn label(&self) -> &str {
        match self.operation {
            Some((_, template)) => template,
            None => &self.path,
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

    /// Sends `body` form-encoded (`application/x-www-form-urlencoded`) as OpenAPI
    /// encodes forms without an `encoding` object: one pair per property, one per
    /// item of an array, objects as their JSON text, `null`s left out. A body that is
    /// a string (a spec's `schema: {type: string}`) is taken as the encoded form
    /// itself. Any other body is reported by `send`.
    pub fn form<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        let encoded = serde_json::to_value(body).map_err(|err| err.to_string()).and_then(|body| match body {
            serde_json::Value::String(encoded) => Ok(encoded),
            body => form_pairs(body).and_then(|pairs| serde_urlencoded::to_string(pairs).map_err(|err| err.to_string())),
        });
        match encoded {
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
            .field("operation", &self.operation)
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
            .field("options", &self.options)
            .finish()
    }
}

/// The name-value pairs of a form body, as OpenAPI encodes a form's properties when its
/// `encoding` says nothing (style `form`, exploded): a scalar is one pair, an array a
/// pair per item (`Types=a&Types=b`), an object, or an object or array inside an array,
/// its JSON text (the default content type of an object part is `application/json`);
/// `null`s are left out.
fn form_pairs(body: serde_json::Value) -> Result<Vec<(String, String)>, String> {
    use serde_json::Value;
    fn text(value: Value) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(text) => Some(text),
            Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => Some(value.to_string()),
        }
    }
    // The kind, not the value: the body may hold what the logs must not.
    let kind = match &body {
        Value::Object(_) => "",
        Value::Array(_) => "an array",
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
    };
    let Value::Object(properties) = body else {
        return Err(format!("a form body is an object of properties, not {kind}"));
    };
    let mut pairs = Vec::with_capacity(properties.len());
    for (name, value) in properties {
        match value {
            Value::Array(items) => pairs.extend(items.into_iter().filter_map(text).map(|item| (name.clone(), item))),
            value => pairs.extend(text(value).map(|value| (name, value))),
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::form_pairs;
    use serde_json::json;

    fn encoded(body: serde_json::Value) -> Result<String, String> {
        form_pairs(body).map(|pairs| serde_urlencoded::to_string(pairs).expect("pairs encode"))
    }

    #[test]
    fn forms_encode_as_openapi_does_by_default() {
        // As Twilio's CreateSubscription and CreateSink take them.
        let body = json!({
            "Description": "new & shiny",
            "Types": [{"type": "com.twilio.call"}, "plain", 3, null],
            "SinkConfiguration": {"arn": "x", "n": [1, 2]},
            "Enabled": true,
            "Count": 2.5,
            "Missing": null,
        });
        assert_eq!(
            encoded(body).as_deref(),
            Ok("Description=new+%26+shiny\
                &Types=%7B%22type%22%3A%22com.twilio.call%22%7D&Types=plain&Types=3\
                &SinkConfiguration=%7B%22arn%22%3A%22x%22%2C%22n%22%3A%5B1%2C2%5D%7D\
                &Enabled=true&Count=2.5")
        );
        assert_eq!(encoded(json!({})).as_deref(), Ok(""));
    }

    #[test]
    fn a_form_body_that_is_not_an_object_is_an_error() {
        let err = encoded(json!(["a"])).unwrap_err();
        assert!(err.contains("a form body is an object"), "{err}");
    }
}
