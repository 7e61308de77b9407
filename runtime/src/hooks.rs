//! Hooks that see every attempt: [`Config::on_request`](super::Config::on_request)
//! changes a request before it goes out, [`Config::on_response`](super::Config::on_response)
//! sees what came back. A leaf module: it knows nothing of configuration or sending.
//!
//! Neither hook is shown a credential. The request hook runs before the
//! `Authorization` header and the API keys are added, and its URL leaves out query API
//! keys; neither hook is shown a body (a login's body holds a password).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;

/// What [`Config::on_request`](super::Config::on_request) keeps.
pub(crate) type RequestHook = Arc<dyn Fn(&mut OutgoingRequest<'_>) + Send + Sync>;
/// What [`Config::on_response`](super::Config::on_response) keeps.
pub(crate) type ResponseHook = Arc<dyn Fn(&ResponseInfo<'_>) + Send + Sync>;

/// One attempt of a request, about to be sent, as the
/// [request hook](super::Config::on_request) sees it.
///
/// The headers are those the request will carry less its credentials
/// (`Authorization`, `Proxy-Authorization` and the configured API-key headers), which
/// are added after the hook has run and replace any value it set for them.
pub struct OutgoingRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) url: &'a str,
    pub(crate) path: &'a str,
    pub(crate) operation: Option<&'a str>,
    pub(crate) attempt: u32,
    pub(crate) headers: &'a mut HeaderMap,
}

impl OutgoingRequest<'_> {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The absolute URL, query included, but without API keys sent in the query.
    pub fn url(&self) -> &str {
        self.url
    }

    /// The path template of the operation (`/Atom/{id}`), or the path itself for a
    /// request that did not name its [operation](super::Request::operation).
    pub fn path(&self) -> &str {
        self.path
    }

    /// The `operationId`, for requests that name their [operation](super::Request::operation).
    pub fn operation(&self) -> Option<&str> {
        self.operation
    }

    /// Which attempt this is, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The headers to send (credentials not yet among them).
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The headers to send, to add or replace some (a correlation id, a tenant).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers
    }
}

impl fmt::Debug for OutgoingRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingRequest")
            .field("method", self.method)
            .field("url", &self.url)
            .field("operation", &self.operation)
            .field("attempt", &self.attempt)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt, as the [response hook](super::Config::on_response) sees
/// it: a response (any status), or the failure that left the attempt without one.
pub struct ResponseInfo<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) operation: Option<&'a str>,
    pub(crate) attempt: u32,
    pub(crate) status: Option<u16>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) elapsed: Duration,
    pub(crate) failure: Option<&'static str>,
}

impl ResponseInfo<'_> {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The path template of the operation, or the request's path (see
    /// [`OutgoingRequest::path`]).
    pub fn path(&self) -> &str {
        self.path
    }

    /// The `operationId`, for requests that name their operation.
    pub fn operation(&self) -> Option<&str> {
        self.operation
    }

    /// Which attempt this was, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The status, or `None` when no response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The response headers (empty when no response arrived). Headers that can carry
    /// credentials (`Set-Cookie`, `Authorization`, `…token…`) are marked sensitive, so
    /// their `Debug` prints `Sensitive`.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// From sending this attempt to having its whole body (for
    /// [`send_streaming`](super::Transport::send_streaming): its headers), or to its
    /// failure.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// What went wrong when the attempt failed: `"timeout"`, `"connect"`, `"body"` (the
    /// body could not be read), `"too large"` (past
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes)) or
    /// `"transport"`; `None` for an attempt that produced a response.
    pub fn failure(&self) -> Option<&'static str> {
        self.failure
    }
}

impl fmt::Debug for ResponseInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseInfo")
            .field("method", self.method)
            .field("path", &self.path)
            .field("operation", &self.operation)
            .field("attempt", &self.attempt)
            .field("status", &self.status)
            .field("headers", self.headers)
            .field("elapsed", &self.elapsed)
            .field("failure", &self.failure)
            .finish()
    }
}
