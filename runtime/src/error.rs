//! Errors returned by generated operations.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Longest error message [`ApiError::message`] returns, in characters.
const MESSAGE_LIMIT: usize = 500;
/// Longest body excerpt shown by `Display` of [`Error::Decode`].
const BODY_PREVIEW_LIMIT: usize = 200;

/// Everything that can go wrong calling an operation.
///
/// `E` is the operation's declared error body type (use
/// `serde_json::Value` or `()` when there is none). `Display` never needs
/// `E: Display`, and never contains credentials.
///
/// Non-exhaustive: match the variants you handle and keep a `_` arm (or use
/// [`status`](Self::status), [`is_timeout`](Self::is_timeout) and
/// [`is_connect`](Self::is_connect)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with a status the API description declares as an
    /// error for this operation.
    ///
    /// Boxed so that `Result<T, Error<E>>` stays small whatever the size of
    /// `E` (clippy's `result_large_err` would otherwise fire in every
    /// generated operation).
    #[error("HTTP {}: {}", .0.status, .0.display_message())]
    Api(Box<ApiError<E>>),
    /// The server answered with a status the API description does not
    /// mention for this operation. Boxed like [`Error::Api`].
    #[error("unexpected HTTP {}: {}", .0.status, .0.display_message())]
    UnexpectedStatus(Box<ApiError<E>>),
    /// A successful response whose body does not match the declared schema.
    #[error(
        "failed to decode HTTP {status} response body at `{path}`: {message} (body: {})",
        preview(.body)
    )]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// Where in the document decoding failed, e.g. `result[3].status`
        /// (`.` for the document root).
        path: String,
        /// The decoder's message.
        message: String,
        /// The raw response body.
        body: Bytes,
    },
    /// The request never produced a response: connection failure, timeout,
    /// TLS error, or the body could not be read. `Display` gives the whole chain of
    /// causes (`… : tcp connect error: Connection refused`), since reqwest's own
    /// message stops at "error sending request".
    #[error("request failed: {}", cause_chain(.0))]
    Request(#[source] reqwest::Error),
    /// No complete response (head and body) arrived within the timeout, on the last
    /// of the attempts made. Only idempotent requests are retried after a timeout, so
    /// for the others `attempts` is 1.
    #[error("{}", timeout_message(*.timeout, *.attempts, *.elapsed))]
    Timeout {
        /// The timeout of each attempt: the call's, the client's or the
        /// configuration's (`None`: a supplied HTTP client's own).
        timeout: Option<Duration>,
        /// Attempts made, the last one included.
        attempts: u32,
        /// From the start of the first attempt to the end of the last, waits between
        /// them included.
        elapsed: Duration,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The response body is larger than
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes); reading
    /// stopped at the limit, and the request is not retried.
    #[error(
        "the HTTP {status} response body is larger than the limit of {limit} bytes ({}); raise Config::max_response_bytes, or the call's with CallOptions::max_response_bytes",
        match .length { Some(n) => format!("Content-Length: {n}"), None => format!("more than {limit} bytes arrived") }
    )]
    TooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit in force.
        limit: u64,
        /// The size the response declared (`Content-Length`), if it did.
        length: Option<u64>,
    },
    /// The request could not be built (e.g. a body that failed to
    /// serialise, or an invalid header value), or the token source could not
    /// give it a token (`could not get an access token: …`); nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl<E> Error<E> {
    /// The HTTP status of the response this error came from, if there was
    /// one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) | Error::UnexpectedStatus(api) => Some(api.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Request(err) => err.status().map(|s| s.as_u16()),
            Error::TooLarge { status, .. } => Some(*status),
            Error::Timeout { .. } | Error::InvalidRequest(_) => None,
        }
    }

    /// Whether the server could not be reached at all (refused, unreachable, DNS,
    /// TLS handshake): nothing was received, and nothing was processed.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Request(err) if err.is_connect())
    }

    /// Whether the request timed out (the configured or per-request timeout):
    /// [`Error::Timeout`], or a body stream that timed out ([`Error::Request`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. }) || matches!(self, Error::Request(err) if err.is_timeout())
    }

    /// The error response, for both declared ([`Error::Api`]) and undeclared
    /// ([`Error::UnexpectedStatus`]) statuses.
    pub fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(api) | Error::UnexpectedStatus(api) => Some(&**api),
            _ => None,
        }
    }
}

/// An error response from the server, kept whole so callers can inspect
/// anything the generated types do not model.
#[derive(Clone, Debug)]
pub struct ApiError<E> {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (e.g. `Retry-After`, request ids).
    pub headers: HeaderMap,
    /// The raw response body.
    pub body: Bytes,
    /// The body decoded as the declared error type, if it decoded.
    pub parsed: Option<E>,
}

impl<E> ApiError<E> {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// A human-readable message extracted from the body, trying in order:
    /// a JSON top-level `"message"` string, a JSON `"error"."message"`
    /// string, an XML `<error><message>…</message></error>` (namespace
    /// prefixes allowed, entities unescaped), and finally the trimmed body
    /// text (at most 500 characters). `None` for an empty body.
    pub fn message(&self) -> Option<String> {
        extract_message(&self.body)
    }

    /// The message for `Display`: [`message`](Self::message), else the
    /// status's reason phrase.
    fn display_message(&self) -> String {
        self.message().unwrap_or_else(|| {
            StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no error message")
                .to_owned()
        })
    }
}

/// `Display` of [`Error::Timeout`]: how long, how many attempts, and what to change.
fn timeout_message(timeout: Option<Duration>, attempts: u32, elapsed: Duration) -> String {
    let limit = match timeout {
        Some(t) => format!("after {}", human(t)),
        None => "(the HTTP client's own timeout)".to_owned(),
    };
    let tries = if attempts == 1 { "1 attempt".to_owned() } else { format!("{attempts} attempts") };
    format!(
        "request timed out {limit} without a complete response; {tries}, {} in all; a longer timeout is set with Config::timeout, or per call with CallOptions::timeout",
        human(elapsed)
    )
}

/// `250 ms`, `1.5 s`.
fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `err` and each of its sources, joined by `: `, leaving out a source whose text the
/// previous one already ends with (hyper and reqwest repeat each other).
fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// See [`ApiError::message`].
fn extract_message(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let candidates = [
            value.get("message"),
            value.get("error").and_then(|e| e.get("message")),
        ];
        for candidate in candidates.into_iter().flatten() {
            if let Some(text) = candidate.as_str().map(str::trim).filter(|t| !t.is_empty()) {
                return Some(truncate(text, MESSAGE_LIMIT));
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    if let Some(message) = xml_error_message(&text) {
        return Some(truncate(&message, MESSAGE_LIMIT));
    }
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| truncate(trimmed, MESSAGE_LIMIT))
}

/// Finds the text of the first `<message>` element inside the first
/// `<error>` element, ignoring namespace prefixes (`<bns:error>`).
fn xml_error_message(text: &str) -> Option<String> {
    let error_start = find_element(text, "error")?;
    let inner = &text[error_start..];
    let message_start = find_element(inner, "message")?;
    let content = &inner[message_start..];
    let end = content.find("</")?;
    let raw = content[..end].trim();
    let raw = raw
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
        .map(Cow::Borrowed)
        .unwrap_or_else(|| Cow::Owned(unescape_xml(raw)));
    let message = raw.trim();
    (!message.is_empty()).then(|| message.to_owned())
}

/// Byte offset just past the start tag of the first element whose local
/// name is `local` (`<local ...>` or `<prefix:local ...>`); `None` for a
/// self-closing element or when there is none.
fn find_element(text: &str, local: &str) -> Option<usize> {
    let mut offset = 0;
    while let Some(pos) = text[offset..].find('<') {
        let tag_start = offset + pos + 1;
        let tag = &text[tag_start..];
        let name_len = tag
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(tag.len());
        let name = &tag[..name_len];
        let local_name = name.rsplit(':').next().unwrap_or(name);
        if local_name == local {
            let close = tag.find('>')?;
            if tag[..close].ends_with('/') {
                return None;
            }
            return Some(tag_start + close + 1);
        }
        offset = tag_start;
    }
    None
}

/// Replaces the predefined XML entities and numeric character references;
/// anything unrecognised is kept as is.
fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let decoded = after.find(';').and_then(|semi| {
            let entity = &after[1..semi];
            let ch = match entity {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// At most `limit` characters of `text`, with `…` appended when cut.
fn truncate(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A short, single-line excerpt of a body for `Display`.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "<empty>".to_owned()
    } else {
        truncate(text, BODY_PREVIEW_LIMIT).replace(['\r', '\n'], " ")
    }
}

/// A filter condition built with a number of arguments its operator does not take
/// (`IS_NULL` takes none, `BETWEEN` two, the others one). Caught before anything is
/// sent, where the typed builder methods could not rule it out at compile time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operator {operator} takes {expected} argument(s), {found} given")]
pub struct FilterError {
    /// The operator as sent on the wire.
    pub operator: String,
    /// The arguments it takes.
    pub expected: usize,
    /// The arguments given.
    pub found: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> ApiError<()> {
        ApiError {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
            parsed: None,
        }
    }

    #[test]
    fn message_shapes() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"message":"top"}"#, Some("top")),
            (r#"{"error":{"message":"nested","code":1}}"#, Some("nested")),
            (
                r#"{"@type":"Error","message":"boomi","statusCode":"400"}"#,
                Some("boomi"),
            ),
            ("<error><message>a &amp; b</message></error>", Some("a & b")),
            (
                r#"<?xml version="1.0"?><bns:error xmlns:bns="http://api.platform.boomi.com/"><bns:message>&lt;x&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;</bns:message></bns:error>"#,
                Some("<x> \"q\" 's' AB"),
            ),
            (
                "<error><message><![CDATA[raw & <text>]]></message></error>",
                Some("raw & <text>"),
            ),
            ("  plain failure\n", Some("plain failure")),
            ("", None),
            ("   \n", None),
            (r#"{"message":""}"#, Some(r#"{"message":""}"#)),
            (r#"{"message":5}"#, Some(r#"{"message":5}"#)),
            (
                "<error><message/></error>",
                Some("<error><message/></error>"),
            ),
            ("a &bogus; & b", Some("a &bogus; & b")),
        ];
        for (body, expected) in cases {
            assert_eq!(api(400, body).message().as_deref(), *expected, "{body}");
        }
    }

    #[test]
    fn message_is_truncated() {
        let long = "é".repeat(600);
        let message = api(500, &long).message().unwrap();
        assert_eq!(message.chars().count(), MESSAGE_LIMIT + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn unescape_handles_odd_input() {
        assert_eq!(unescape_xml("&"), "&");
        assert_eq!(unescape_xml("&amp"), "&amp");
        assert_eq!(unescape_xml("&#xD800;"), "&#xD800;");
        assert_eq!(unescape_xml("&#99999999999;"), "&#99999999999;");
        assert_eq!(unescape_xml("x&lt;&lt;y"), "x<<y");
    }

    #[test]
    fn error_stays_small() {
        // Independent of E: the API variants are boxed.
        assert!(std::mem::size_of::<Error<[u8; 4096]>>() <= 128);
    }

    #[test]
    fn display_formats() {
        let err: Error<()> = Error::Api(Box::new(api(404, r#"{"message":"no such atom"}"#)));
        assert_eq!(err.to_string(), "HTTP 404: no such atom");
        let err: Error<()> = Error::UnexpectedStatus(Box::new(api(503, "")));
        assert_eq!(err.to_string(), "unexpected HTTP 503: Service Unavailable");
        let err: Error<()> = Error::UnexpectedStatus(Box::new(api(599, "")));
        assert_eq!(err.to_string(), "unexpected HTTP 599: no error message");
        let err: Error<()> = Error::Decode {
            status: 200,
            path: "result[1].count".into(),
            message: "invalid type".into(),
            body: Bytes::from("x".repeat(10_000)),
        };
        let text = err.to_string();
        assert!(text.contains("`result[1].count`"), "{text}");
        assert!(text.len() < 400, "{text}");
        assert_eq!(err.status(), Some(200));
        assert!(err.api().is_none());
        let err: Error<()> = Error::InvalidRequest("bad".into());
        assert_eq!(err.to_string(), "invalid request: bad");
        assert_eq!(err.status(), None);
    }

    /// `Display` must not require `E: Display`.
    #[test]
    fn display_without_display_bound() {
        #[derive(Debug)]
        struct NotDisplay;
        let err = Error::Api(Box::new(ApiError {
            status: 400,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            parsed: Some(NotDisplay),
        }));
        assert_eq!(err.to_string(), "HTTP 400: Bad Request");
        let _: &dyn std::error::Error = &err;
    }
}
