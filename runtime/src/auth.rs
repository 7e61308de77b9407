//! Credentials: what a request authenticates with, and the [`Secret`] wrapper that
//! keeps them out of every `Debug` and `Display`. A leaf module: it knows nothing of
//! configuration or sending.

use std::fmt;

use reqwest::header::HeaderValue;

/// Text printed in place of any credential.
pub(crate) const REDACTED: &str = "<redacted>";

/// A credential (password or token) that must never end up in logs.
///
/// `Debug` and `Display` both print `<redacted>`, so a `Secret` can sit in
/// structs that derive `Debug` without leaking. Use [`Secret::expose`] at the
/// single place the value is really needed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself. Call it only where the value is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// How requests authenticate. Sent as an `Authorization` header on every
/// request; credentials are never put into the URL.
#[derive(Clone, Debug)]
pub enum Auth {
    /// HTTP Basic: `Authorization: Basic base64(username:password)`.
    /// For Boomi the password is an API token.
    Basic {
        /// User name; not secret, so it is shown by `Debug`.
        username: String,
        /// Password or API token.
        password: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
}

impl Auth {
    /// The `Authorization` header value, marked sensitive so that `http`
    /// and `reqwest` never print it.
    /// `None` when the credentials hold characters a header cannot carry.
    pub(crate) fn header_value(&self) -> Option<HeaderValue> {
        let text = match self {
            Auth::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                format!("Basic {}", base64_encode(raw.as_bytes()))
            }
            Auth::Bearer(token) => format!("Bearer {}", token.expose()),
        };
        let mut value = HeaderValue::from_str(&text).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// An API key sent with every request, in a header or a query parameter.
#[derive(Clone, Debug)]
pub struct ApiKey {
    /// Where it goes.
    pub location: ApiKeyLocation,
    /// The header or query parameter name; not secret.
    pub name: String,
    /// The key.
    pub value: Secret,
}

/// Where an [`ApiKey`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header (marked sensitive, never printed).
    Header,
    /// A query parameter. Errors then leave out the request URL, which would show it.
    Query,
}

/// Standard base64 (RFC 4648, with padding), for the Basic auth header.
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected, "{input}");
        }
    }

    #[test]
    fn secret_is_redacted() {
        let secret = Secret::from("hunter2");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(secret.expose(), "hunter2");
    }
}
