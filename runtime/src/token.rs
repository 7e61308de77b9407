//! Credentials that renew themselves: a [`TokenSource`] fetches a bearer token, and the
//! transport keeps it, shares it between clones, renews it shortly before it expires
//! and once more when a request is answered 401.
//!
//! Below config and transport: it imports only `auth` and `error`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::lock::Mutex;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::time::Instant;

use super::auth::{Auth, Secret};
use super::error::Error;

/// How long before a token's expiry it is renewed when nothing else was configured.
pub(crate) const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A bearer token from a [`TokenSource`], sent as `Authorization: Bearer <token>`.
///
/// `Debug` prints `<redacted>` for the value.
#[derive(Clone, Debug)]
pub struct Token {
    value: Secret,
    lifetime: Option<Duration>,
    idle: bool,
}

impl Token {
    /// A token that does not expire by itself: it is renewed only after a 401.
    pub fn new(value: impl Into<Secret>) -> Self {
        Self {
            value: value.into(),
            lifetime: None,
            idle: false,
        }
    }

    /// The value of header `name` (`Bearer ` in front of it, if any, left out), or
    /// `None` when the header is missing, empty or not text.
    pub fn from_header(headers: &HeaderMap, name: &str) -> Option<Self> {
        let text = headers.get(name)?.to_str().ok()?.trim();
        let text = match text.split_once(char::is_whitespace) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_start(),
            None if text.eq_ignore_ascii_case("bearer") => "",
            _ => text,
        };
        (!text.is_empty()).then(|| Self::new(text))
    }

    /// The token expires `lifetime` after it was fetched (an OAuth `expires_in`, a
    /// JWT's `exp` minus its `iat`).
    #[must_use]
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self.idle = false;
        self
    }

    /// The token expires `idle` after the last request that used it: each answer
    /// other than 401 extends it by `idle` from the moment that request was sent.
    #[must_use]
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.lifetime = Some(idle);
        self.idle = true;
        self
    }

    /// The token itself (redacted by `Debug` and `Display`).
    pub fn value(&self) -> &Secret {
        &self.value
    }
}

/// Why a [`TokenSource`] could not produce a token. Requests that needed it fail with
/// [`Error::InvalidRequest`](super::Error::InvalidRequest) carrying this message;
/// nothing is sent.
///
/// Build messages that do not contain the credentials: they end up in error
/// messages and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    message: String,
}

impl TokenError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// A failed login request. A body that did not decode is left out of the message:
/// it may be the very answer that holds the token.
impl<E> From<Error<E>> for TokenError {
    fn from(error: Error<E>) -> Self {
        let message = match &error {
            Error::Decode {
                status,
                path,
                message,
                ..
            } => format!("failed to decode HTTP {status} login answer at `{path}`: {message}"),
            other => other.to_string(),
        };
        Self { message }
    }
}

/// Where a transport gets its bearer token ([`Config::token_source`](super::Config::token_source)):
/// called on first use, before the token expires, and after a 401. The transport makes
/// sure that one call is in flight at a time, however many requests (and clones of the
/// transport) are waiting for it.
///
/// Any `Fn() -> impl Future<Output = Result<Token, TokenError>>` closure that is
/// `Send + Sync + 'static`, with a `Send` future, is a token source.
///
/// Two shapes of token are covered: one that expires a fixed time after it was issued
/// (Boomi's five-minute platform JWT, [`Token::expires_in`]) and one that expires a
/// fixed time after it was last used (a login session that stays alive while it is
/// used, [`Token::idle_timeout`]).
///
/// A token source is usually a login call made through a second transport that has no
/// token source of its own. The login operation of a generated client returns its
/// answer's body only, so a token that comes back in a response header (the Control
/// Plane's `POST /login` answers `Authorization: Bearer <token>`) is read with the
/// transport directly:
///
/// ```no_run
/// use std::time::Duration;
/// use specwright_runtime::reqwest::Method;
/// use specwright_runtime::serde_json::json;
/// use specwright_runtime::{Config, Token, TokenError, Transport};
///
/// fn connect() -> Result<Transport, Box<dyn std::error::Error>> {
///     let login = Config::new("https://cp.example.com/api").build()?;
///     let transport = Config::new("https://cp.example.com/api")
///         .token_source(move || {
///             let login = login.clone();
///             async move {
///                 let request = login
///                     .request(Method::POST, "/login")
///                     .json(&json!({"username": "me", "password": "…"}));
///                 let response = login.send::<()>(request).await?;
///                 if response.status() != 200 {
///                     return Err(response.unexpected::<()>().into());
///                 }
///                 let token = Token::from_header(response.headers(), "authorization")
///                     .ok_or_else(|| TokenError::new("the login answer has no Authorization header"))?;
///                 // The session ends an hour after its last request.
///                 Ok::<_, TokenError>(token.idle_timeout(Duration::from_secs(3600)))
///             }
///         })
///         .build()?;
///     Ok(transport)
/// }
/// ```
///
/// When the token comes back in the body, the source can call the generated client's
/// login operation instead (`client.login(&body).await?`, whose error converts into a
/// [`TokenError`]) and build the token with [`Token::new`].
pub trait TokenSource: Send + Sync + 'static {
    /// Fetches a fresh token.
    fn fetch(&self) -> BoxFuture<'_, Result<Token, TokenError>>;
}

impl<F, Fut> TokenSource for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token, TokenError>> + Send + 'static,
{
    fn fetch(&self) -> BoxFuture<'_, Result<Token, TokenError>> {
        Box::pin(self())
    }
}

/// The token a transport and its clones share, and the source that renews it.
#[derive(Clone)]
pub(crate) struct TokenCache {
    source: Arc<dyn TokenSource>,
    margin: Duration,
    /// The longest a fetch may take: every request waits for it.
    fetch_timeout: Option<Duration>,
    /// An async lock, held while fetching: requests that find no usable token wait
    /// for the one fetch in flight instead of starting their own.
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    /// Counts fetched tokens, so that a 401 answered to an older token does not
    /// throw away a newer one.
    generation: u64,
}

struct Current {
    header: HeaderValue,
    /// Renew at or after this instant.
    renew_at: Option<Instant>,
    /// For idle tokens: how long a use keeps it alive, and the margin within that.
    idle: Option<(Duration, Duration)>,
}

/// A token ready to be sent, and which fetch it came from.
pub(crate) struct Lease {
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
    /// Whether each use extends the token's life (see [`TokenCache::used`]).
    pub(crate) idle: bool,
}

impl TokenCache {
    pub(crate) fn new(source: Arc<dyn TokenSource>, margin: Duration, fetch_timeout: Option<Duration>) -> Self {
        Self {
            source,
            margin,
            fetch_timeout,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// The current token, fetched first if there is none or it is due for renewal.
    pub(crate) async fn get(&self) -> Result<Lease, TokenError> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        let fresh = state.current.as_ref().filter(|c| c.renew_at.is_none_or(|at| now < at));
        if let Some(current) = fresh {
            return Ok(Lease {
                header: current.header.clone(),
                generation: state.generation,
                idle: current.idle.is_some(),
            });
        }
        state.current = None;
        // Every request waits for this: say so, with how long it took. Never the token.
        tracing::debug!(renewal = state.generation > 0, "fetching an access token");
        let fetch = self.source.fetch();
        let fetched = match self.fetch_timeout {
            Some(limit) => tokio::time::timeout(limit, fetch).await.unwrap_or_else(|_| {
                Err(TokenError::new(format!("the token source gave no token within {:.1} s", limit.as_secs_f64())))
            }),
            None => fetch.await,
        };
        let wait_ms = now.elapsed().as_millis() as u64;
        let token = match fetched {
            Ok(token) => {
                tracing::debug!(wait_ms, expires_in_s = token.lifetime.map(|l| l.as_secs()), "access token fetched");
                token
            }
            Err(err) => {
                tracing::warn!(wait_ms, "the token source failed");
                return Err(err);
            }
        };
        let header = Auth::Bearer(token.value)
            .header_value()
            .ok_or_else(|| TokenError::new("the token contains characters that are not allowed in an HTTP header"))?;
        let timing = token.lifetime.map(|lifetime| (lifetime, renewal_margin(lifetime, self.margin)));
        let idle = timing.filter(|_| token.idle);
        state.generation += 1;
        state.current = Some(Current {
            header: header.clone(),
            renew_at: timing.map(|(lifetime, margin)| now + (lifetime - margin)),
            idle,
        });
        Ok(Lease {
            header,
            generation: state.generation,
            idle: idle.is_some(),
        })
    }

    /// The server answered 401 to a request sent with `lease`: forget that token
    /// unless it has been replaced already.
    pub(crate) async fn reject(&self, lease: &Lease) {
        let mut state = self.state.lock().await;
        if state.generation == lease.generation {
            state.current = None;
        }
    }

    /// The server accepted a request sent with `lease` at `sent`: an idle token lives
    /// on from then.
    pub(crate) async fn used(&self, lease: &Lease, sent: Instant) {
        let mut state = self.state.lock().await;
        if state.generation != lease.generation {
            return;
        }
        let Some(current) = &mut state.current else {
            return;
        };
        let Some((idle, margin)) = current.idle else {
            return;
        };
        let renew_at = sent + (idle - margin);
        current.renew_at = Some(current.renew_at.map_or(renew_at, |at| at.max(renew_at)));
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("refresh_margin", &self.margin)
            .field("fetch_timeout", &self.fetch_timeout)
            .finish_non_exhaustive()
    }
}

/// How long before expiry a token of `lifetime` is renewed: the configured margin,
/// but at most half the lifetime, so that a short-lived token is still used for a
/// while instead of being fetched again for every request.
fn renewal_margin(lifetime: Duration, margin: Duration) -> Duration {
    margin.min(lifetime / 2)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(lifetime: Option<Duration>, idle: bool) -> (TokenCache, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let source = move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let token = Token::new(format!("tok-{n}"));
                Ok(match (lifetime, idle) {
                    (Some(l), true) => token.idle_timeout(l),
                    (Some(l), false) => token.expires_in(l),
                    (None, _) => token,
                })
            }
        };
        (
            TokenCache::new(Arc::new(source), Duration::from_secs(60), None),
            fetches,
        )
    }

    fn text(lease: &Lease) -> &str {
        lease.header.to_str().expect("ascii")
    }

    #[tokio::test(start_paused = true)]
    async fn fetched_once_then_renewed_within_the_margin() {
        let (cache, fetches) = counting(Some(Duration::from_secs(300)), false);
        let first = cache.get().await.expect("token");
        assert_eq!(text(&first), "Bearer tok-1");
        assert!(first.header.is_sensitive());
        tokio::time::advance(Duration::from_secs(239)).await;
        assert_eq!(text(&cache.get().await.expect("token")), "Bearer tok-1");
        // 60 s before the five minutes are up.
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(text(&cache.get().await.expect("token")), "Bearer tok-2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn short_lifetimes_use_half_of_it() {
        assert_eq!(renewal_margin(Duration::from_secs(10), Duration::from_secs(60)), Duration::from_secs(5));
        let (cache, fetches) = counting(Some(Duration::from_secs(10)), false);
        cache.get().await.expect("token");
        tokio::time::advance(Duration::from_secs(4)).await;
        cache.get().await.expect("token");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        cache.get().await.expect("token");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_tokens_live_on_while_used() {
        let (cache, fetches) = counting(Some(Duration::from_secs(3600)), true);
        let lease = cache.get().await.expect("token");
        assert!(lease.idle);
        for _ in 0..5 {
            tokio::time::advance(Duration::from_secs(3000)).await;
            cache.used(&lease, Instant::now()).await;
        }
        assert_eq!(text(&cache.get().await.expect("token")), "Bearer tok-1");
        // Unused for longer than an hour less the margin: renewed.
        tokio::time::advance(Duration::from_secs(3540)).await;
        assert_eq!(text(&cache.get().await.expect("token")), "Bearer tok-2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rejected_token_is_forgotten_unless_already_replaced() {
        let (cache, fetches) = counting(None, false);
        let old = cache.get().await.expect("token");
        assert!(!old.idle);
        cache.reject(&old).await;
        let new = cache.get().await.expect("token");
        assert_eq!(text(&new), "Bearer tok-2");
        // A late 401 to the first token leaves the second in place.
        cache.reject(&old).await;
        assert_eq!(text(&cache.get().await.expect("token")), "Bearer tok-2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failures_and_bad_tokens_are_errors_without_the_token() {
        let failing = TokenCache::new(
            Arc::new(|| async { Err(TokenError::new("login refused")) }),
            DEFAULT_REFRESH_MARGIN,
            None,
        );
        assert_eq!(failing.get().await.err(), Some(TokenError::new("login refused")));
        let bad = TokenCache::new(
            Arc::new(|| async { Ok(Token::new("line\nbreak-s3cret")) }),
            DEFAULT_REFRESH_MARGIN,
            None,
        );
        let err = bad.get().await.err().expect("refused");
        assert!(!format!("{err} {err:?} {bad:?}").contains("s3cret"), "{err:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fetch_that_hangs_gives_up_after_the_timeout() {
        let hanging = TokenCache::new(
            Arc::new(std::future::pending::<Result<Token, TokenError>>),
            DEFAULT_REFRESH_MARGIN,
            Some(Duration::from_secs(30)),
        );
        let started = Instant::now();
        let err = hanging.get().await.err().expect("gives up");
        assert_eq!(err.to_string(), "the token source gave no token within 30.0 s");
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[test]
    fn tokens_from_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-auth-token", HeaderValue::from_static("Bearer abc.def"));
        headers.insert("x-plain", HeaderValue::from_static(" xyz "));
        headers.insert("x-empty", HeaderValue::from_static("Bearer "));
        let token = Token::from_header(&headers, "X-Auth-Token").expect("present");
        assert_eq!(token.value().expose(), "abc.def");
        assert_eq!(format!("{token:?}").matches("abc").count(), 0);
        assert_eq!(Token::from_header(&headers, "x-plain").expect("present").value().expose(), "xyz");
        assert!(Token::from_header(&headers, "x-empty").is_none());
        assert!(Token::from_header(&headers, "x-missing").is_none());
    }

    #[test]
    fn login_errors_leave_out_undecoded_bodies() {
        let err: Error<()> = Error::Decode {
            status: 200,
            path: "token".into(),
            message: "invalid type".into(),
            body: bytes::Bytes::from_static(br#"{"token":5,"other":"s3cret"}"#),
        };
        let message = TokenError::from(err).to_string();
        assert!(message.contains("`token`") && !message.contains("s3cret"), "{message}");
    }
}
