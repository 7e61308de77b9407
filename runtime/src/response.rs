//! HTTP responses and their conversions into results: read whole ([`Response`]) or
//! as a stream of body chunks ([`StreamingResponse`]).

use std::fmt;

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::error::{ApiError, Error};

/// What [`Transport::answer`](super::Transport::answer) makes of a status that is
/// neither a success nor a declared error of the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Others {
    /// [`Error::UnexpectedStatus`]: the spec names no answer for it.
    Unexpected,
    /// [`Error::Api`] with the body decoded as the error type where it matches: the
    /// spec's `default` response is the error type.
    Error,
}

/// A response whose body has been read completely into memory.
///
/// Most generated operations hand the statuses to
/// [`Transport::answer`](super::Transport::answer), which does this for them; the
/// others match on [`status`](Self::status) and then consume the
/// response with exactly one of [`json`](Self::json), [`empty`](Self::empty),
/// [`text`](Self::text), [`bytes`](Self::bytes) (success statuses),
/// [`error`](Self::error) (declared error statuses) or
/// [`unexpected`](Self::unexpected) (anything else).
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Response {
    pub(crate) fn new(status: StatusCode, mut headers: HeaderMap, body: Bytes) -> Self {
        hide_credentials(&mut headers);
        Self {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body, without consuming the response.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `Content-Type` header, when it is text.
    fn content_type(&self) -> Option<&str> {
        self.headers.get(reqwest::header::CONTENT_TYPE)?.to_str().ok()
    }

    /// Decodes the body as JSON into `T`.
    ///
    /// On failure returns [`Error::Decode`] with the path of the offending
    /// field (e.g. `result[3].status`), so schema mismatches can be located
    /// in large documents without re-running the request.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<T, Error<E>> {
        // Tracking the path costs a third of the decoding time of a big page: only a
        // body that fails is decoded again to say where.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let decoded: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
        let failure = match decoded {
            Ok(value) => match deserializer.end() {
                Ok(()) => return Ok(value),
                Err(err) => (".".to_owned(), err.to_string()),
            },
            Err(err) => (err.path().to_string(), err.into_inner().to_string()),
        };
        let (path, mut message) = failure;
        // The two usual reasons a JSON body does not decode at its root, said plainly.
        if self.body.iter().all(u8::is_ascii_whitespace) {
            message = format!("the body is empty where JSON was expected ({message})");
        } else if let Some(kind) = self.content_type().filter(|kind| !kind.contains("json")) {
            message = format!("{message} (the response's Content-Type is `{kind}`, not JSON)");
        }
        Err(Error::Decode {
            status: self.status(),
            path,
            message,
            body: self.body,
        })
    }

    /// Succeeds without looking at the body: operations that declare no
    /// response content must not fail because a server sent some anyway
    /// (or sent none at all with a `200`).
    pub fn empty<E>(self) -> Result<(), Error<E>> {
        Ok(())
    }

    /// The body as text; invalid UTF-8 is replaced rather than rejected.
    pub fn text<E>(self) -> Result<String, Error<E>> {
        Ok(match String::from_utf8(self.body.into()) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        })
    }

    /// The raw body.
    pub fn bytes<E>(self) -> Result<Bytes, Error<E>> {
        Ok(self.body)
    }

    /// Turns a status the operation declares as an error into
    /// [`Error::Api`], decoding the body as `E` when it matches (a body that
    /// does not match is kept raw, never an extra error).
    #[must_use]
    pub fn error<E: DeserializeOwned>(self) -> Error<E> {
        let parsed = serde_json::from_slice(&self.body).ok();
        Error::Api(Box::new(self.into_api_error(parsed)))
    }

    /// What [`Transport::answer`](super::Transport::answer) makes of this response:
    /// `decode` for a status in `ok` (any 2xx when `ok` is empty), [`error`](Self::error)
    /// for one in `errors`, and for any other what `others` says.
    pub(crate) fn answer<T, E: DeserializeOwned>(
        self,
        ok: &[u16],
        errors: &[u16],
        others: Others,
        decode: fn(Response) -> Result<T, Error<E>>,
    ) -> Result<T, Error<E>> {
        let status = self.status();
        if ok.contains(&status) || (ok.is_empty() && (200..300).contains(&status)) {
            decode(self)
        } else if others == Others::Error || errors.contains(&status) {
            Err(self.error())
        } else {
            Err(self.unexpected())
        }
    }

    /// Turns a status the operation does not declare into
    /// [`Error::UnexpectedStatus`], keeping status, headers and raw body.
    #[must_use]
    pub fn unexpected<E>(self) -> Error<E> {
        Error::UnexpectedStatus(Box::new(self.into_api_error(None)))
    }

    fn into_api_error<E>(self, parsed: Option<E>) -> ApiError<E> {
        ApiError {
            status: self.status.as_u16(),
            headers: self.headers,
            body: self.body,
            parsed,
        }
    }
}

impl fmt::Debug for Response {
    /// Shows the body's length only: bodies can be megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response whose body has not been read yet, from
/// [`Transport::send_streaming`](super::Transport::send_streaming): for downloads too
/// large to hold in memory.
///
/// Generated code matches on [`status`](Self::status) and then takes the body as
/// [`bytes_stream`](Self::bytes_stream) (success statuses), or [`read`](Self::read)s
/// it whole to build an error with [`Response::error`] or [`Response::unexpected`].
pub struct StreamingResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: reqwest::Response,
    /// Whether body read errors must leave out the URL (it carries an API key).
    hide_url: bool,
    /// The most [`read`](Self::read) takes in.
    limit: u64,
}

impl StreamingResponse {
    pub(crate) fn new(body: reqwest::Response, hide_url: bool, limit: u64) -> Self {
        let mut headers = body.headers().clone();
        hide_credentials(&mut headers);
        Self {
            status: body.status(),
            headers,
            body,
            hide_url,
            limit,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The response headers (`Content-Length`, `Content-Type`, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, chunk by chunk as it arrives. A failure while reading (a dropped
    /// connection, the request's timeout) is the last item, as [`Error::Request`].
    ///
    /// The configured timeout covers the whole exchange, body included, so give a
    /// large download a longer [`Config::timeout`](super::Config::timeout) (or the
    /// call's, with `CallOptions::timeout`).
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes) does not apply
    /// here: the stream holds one chunk at a time, and the caller decides how much to
    /// keep.
    pub fn bytes_stream<E: Send + 'static>(self) -> BoxStream<'static, Result<Bytes, Error<E>>> {
        let hide_url = self.hide_url;
        stream::unfold(Some(self.body), move |body| async move {
            let mut body = body?;
            match body.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(body))),
                Ok(None) => None,
                Err(err) => Some((Err(read_error(err, hide_url)), None)),
            }
        })
        .boxed()
    }

    /// Reads the rest of the body into a [`Response`], up to
    /// [`Config::max_response_bytes`](super::Config::max_response_bytes) (past it:
    /// [`Error::TooLarge`]).
    pub async fn read<E>(self) -> Result<Response, Error<E>> {
        let body = read_body(self.body, self.limit).await.map_err(|e| e.into_error(self.hide_url))?;
        Ok(Response::new(self.status, self.headers, body))
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

fn read_error<E>(error: reqwest::Error, hide_url: bool) -> Error<E> {
    Error::Request(if hide_url { error.without_url() } else { error })
}

/// Why a body could not be read whole.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed or the timeout struck.
    Http(reqwest::Error),
    /// The body is past the limit.
    TooLarge { status: u16, limit: u64, length: Option<u64> },
}

impl ReadError {
    pub(crate) fn into_error<E>(self, hide_url: bool) -> Error<E> {
        match self {
            ReadError::Http(err) => read_error(err, hide_url),
            ReadError::TooLarge { status, limit, length } => Error::TooLarge { status, limit, length },
        }
    }
}

/// The whole body, read chunk by chunk so that no more than `limit` bytes are ever
/// held: a declared length past it fails before anything is read, an undeclared one
/// as soon as the chunks pass it.
pub(crate) async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Bytes, ReadError> {
    let status = response.status().as_u16();
    // The body's own size (0 for a HEAD answer, whatever its header says).
    let declared = response.content_length();
    if let Some(length) = declared.filter(|&n| n > limit) {
        return Err(ReadError::TooLarge { status, limit, length: Some(length) });
    }
    // Past the limit whatever was declared; the message says so without it.
    let too_large = || ReadError::TooLarge { status, limit, length: None };
    // A body that comes in one chunk is kept as it came, without a copy.
    let Some(first) = response.chunk().await.map_err(ReadError::Http)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(too_large());
    }
    let Some(second) = response.chunk().await.map_err(ReadError::Http)? else {
        return Ok(first);
    };
    // Reserve what was declared, but not more than a megabyte on a server's word.
    let reserve = (declared.unwrap_or(0).min(1 << 20) as usize).max(first.len() + second.len());
    let mut body = BytesMut::with_capacity(reserve);
    for chunk in [first, second] {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Http)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Marks the answer's headers that can carry credentials (a login's `Authorization`
/// token, `Set-Cookie` sessions, `…-token` headers) sensitive, so that `Debug` of a
/// response or an [`ApiError`] prints `Sensitive` in their place.
pub(crate) fn hide_credentials(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        let name = name.as_str();
        if name == "authorization" || name == "proxy-authorization" || name == "set-cookie" || name.contains("token") {
            value.set_sensitive(true);
        }
    }
}
