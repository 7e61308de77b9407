//! Runtime support for generated OpenAPI client crates.
//!
//! Generated clients are thin: each operation builds a [`Request`] (path,
//! query, headers, body), hands it to [`Transport::send`], and maps the
//! returned [`Response`] onto the operation's declared success and error
//! types with [`Response::json`], [`Response::error`] and friends. Everything
//! that is the same for every operation — base URL templating,
//! authentication, timeouts, error reporting and body decoding — lives here
//! so that it is written (and tested) once.
//!
//! ```no_run
//! use specwright_runtime::{Config, ConfigError, Error, Transport, encode_path_segment};
//! use specwright_runtime::reqwest::Method;
//! use specwright_runtime::serde_json::Value;
//!
//! fn connect() -> Result<Transport, ConfigError> {
//!     Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
//!         .variable("accountId", "acme-123")
//!         .basic_auth("user@example.com", "api-token")
//!         .build()
//! }
//!
//! // Roughly what a generated operation looks like.
//! async fn get_atom(transport: &Transport, id: &str) -> Result<Value, Error<Value>> {
//!     let path = format!("/Atom/{}", encode_path_segment(id));
//!     let request = transport.request(Method::GET, path).operation("getAtom", "/Atom/{id}");
//!     let response = transport.send(request).await?;
//!     match response.status() {
//!         200 => response.json(),
//!         400 | 403 | 404 => Err(response.error()),
//!         _ => Err(response.unexpected()),
//!     }
//! }
//! ```
//!
//! Beyond single requests: [`Config::token_source`] for bearer tokens that renew
//! themselves (a login, a short-lived JWT), [`poll::wait_until`] for operations that
//! answer a job to be polled until it is final, and [`Transport::send_streaming`] for
//! downloads read as a stream of chunks.
//!
//! # Observing and adjusting calls
//!
//! - **Tracing.** [`Transport::send`] runs inside a `tracing` span named `request`
//!   with the fields `operation` (the `operationId`, from [`Request::operation`]),
//!   `method`, `path` (the path template, or the path of a request that names no
//!   operation), `attempt`, `status` and `elapsed_ms`. Inside it: a `debug` event
//!   `attempt finished` per attempt (`attempt`, `status`, `failure`, `elapsed_ms`), a
//!   `warn` event `retrying request` per retry (`attempt`, `status`, `reason`,
//!   `retry_after`, `delay_ms`), `debug` events for rate pacing (`wait_ms`) and token
//!   fetches (`wait_ms`, `expires_in_s`). URLs, headers and bodies are never recorded:
//!   they hold credentials (an API key in the query, `Authorization`, a login body).
//! - **Hooks.** [`Config::on_request`] changes each attempt's headers before it is
//!   sent, before the credentials are added (so it never sees them);
//!   [`Config::on_response`] sees each attempt's outcome ([`ResponseInfo`]).
//! - **Per-call settings.** [`CallOptions`] (timeout, retry policy, size limit) for a
//!   clone of the transport ([`Transport::with_options`]; generated clients have
//!   `with`, `with_timeout` and `with_retry`) or one request ([`Request::options`]).
//! - **Size limit.** [`Config::max_response_bytes`] (32 MiB by default) bounds what
//!   is read into memory, enforced while reading: [`Error::TooLarge`]. Streamed
//!   downloads are not limited.
//!
//! The crate never panics on anything a server sends: every malformed reply
//! becomes an [`Error`] value.

mod auth;
mod config;
#[doc(hidden)]
pub mod de;
mod error;
mod filter;
mod hooks;
mod multipart;
mod nullable;
pub mod lenient;
pub mod paging;
pub mod param;
pub mod poll;
mod response;
mod retry;
#[doc(hidden)]
pub mod ser;
mod stringified;
mod token;
mod transport;

pub use auth::{ApiKey, ApiKeyLocation, Auth, Secret};
pub use config::{Config, ConfigError, DEFAULT_MAX_RESPONSE_BYTES};
pub use hooks::{OutgoingRequest, ResponseInfo};
pub use retry::RetryPolicy;
pub use token::{Token, TokenError, TokenSource};
pub use error::{ApiError, Error, FilterError};
pub use filter::FilterValue;
pub use multipart::Multipart;
pub use nullable::Nullable;
pub use stringified::Stringified;
pub use response::{Others, Response, StreamingResponse};
pub use transport::{CallOptions, Request, Transport};

/// What a generated operation method returns: the call as a boxed, `Send` future
/// (see [`Transport::call`]).
pub use futures::future::BoxFuture;

/// Re-exported so generated crates can name `chrono` types (dates and
/// date-times in schemas) without depending on `chrono` themselves, which
/// keeps the version in lock-step with the runtime.
pub use chrono;
/// Re-exported so generated crates (and their users) use exactly the
/// `reqwest` version the runtime was built against, e.g. for
/// [`Config::http_client`] or [`reqwest::Method`].
pub use reqwest;
/// Re-exported for the chunks of streamed downloads (`Bytes`).
pub use bytes;
/// Re-exported for the streams of paging methods (`TryStreamExt::try_next` and
/// friends), so callers need not pick a matching `futures` version.
pub use futures;
/// Re-exported so generated models can use the same `serde` as the runtime.
pub use serde;
/// Re-exported for free-form JSON values (`serde_json::Value`) in generated
/// models.
pub use serde_json;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything except the RFC 3986 "unreserved" characters
/// (`ALPHA / DIGIT / "-" / "." / "_" / "~"`).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `value` so that it stays inside exactly one URL path
/// segment.
///
/// Every byte except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// is encoded, including `/`, `?`, `#`, `%` and space, so an identifier such
/// as `"a/b"` can never change which resource a request addresses. Non-ASCII
/// text is encoded as its UTF-8 bytes.
///
/// ```
/// assert_eq!(specwright_runtime::encode_path_segment("a/b c"), "a%2Fb%20c");
/// ```
pub fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_path_segment;

    #[test]
    fn encodes_reserved_characters_into_one_segment() {
        assert_eq!(encode_path_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
    }

    #[test]
    fn keeps_unreserved_characters() {
        assert_eq!(encode_path_segment("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_path_segment(""), "");
    }

    #[test]
    fn encodes_unicode_as_utf8() {
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment("日本"), "%E6%97%A5%E6%9C%AC");
        assert_eq!(encode_path_segment("a+b&c=d"), "a%2Bb%26c%3Dd");
    }
}
