//! Token sources against a loopback login server: lazy fetch, sharing, renewal before
//! expiry and after a 401, single flight, and no token in any `Debug`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use specwright_runtime::futures::future::join_all;
use specwright_runtime::reqwest::Method;
use specwright_runtime::{Config, Error, RetryPolicy, Token, TokenError, Transport};

/// What the server has seen, and which token it accepts.
#[derive(Default)]
struct Seen {
    logins: AtomicUsize,
    data: AtomicUsize,
    /// The number of the token `/data` accepts (`tok-s3cret-N`); 0 accepts none.
    valid: AtomicUsize,
}

/// `/login` issues `tok-s3cret-N` in `x-auth-token` after 50 ms; `/data` answers 200 to
/// the latest token and 401 to anything else; `/revoke` makes the server accept no
/// token until the next login.
async fn server() -> (String, Arc<Seen>) {
    async fn login(State(seen): State<Arc<Seen>>) -> impl IntoResponse {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = seen.logins.fetch_add(1, Ordering::SeqCst) + 1;
        seen.valid.store(n, Ordering::SeqCst);
        let mut headers = HeaderMap::new();
        headers.insert("x-auth-token", format!("tok-s3cret-{n}").parse().expect("header"));
        (StatusCode::NO_CONTENT, headers)
    }
    async fn data(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> impl IntoResponse {
        seen.data.fetch_add(1, Ordering::SeqCst);
        let expected = format!("Bearer tok-s3cret-{}", seen.valid.load(Ordering::SeqCst));
        match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some(sent) if sent == expected => (StatusCode::OK, r#"{"ok":true}"#),
            _ => (StatusCode::UNAUTHORIZED, r#"{"message":"token expired"}"#),
        }
    }
    async fn revoke(State(seen): State<Arc<Seen>>) -> StatusCode {
        seen.valid.store(0, Ordering::SeqCst);
        StatusCode::NO_CONTENT
    }
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/login", post(login))
        .route("/data", any(data))
        .route("/revoke", post(revoke))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

/// A login through a second transport, reading the token from a header, as a
/// Control Plane client would.
fn login_source(base: &str, lifetime: Option<Duration>) -> impl specwright_runtime::TokenSource {
    let login = Config::new(base).retry(RetryPolicy::none()).build().expect("login transport");
    move || {
        let login = login.clone();
        async move {
            let response = login.send::<()>(login.request(Method::POST, "/login")).await?;
            if response.status() != 204 {
                return Err(response.unexpected::<()>().into());
            }
            let token = Token::from_header(response.headers(), "x-auth-token")
                .ok_or_else(|| TokenError::new("no x-auth-token header"))?;
            Ok(match lifetime {
                Some(lifetime) => token.expires_in(lifetime),
                None => token,
            })
        }
    }
}

async fn connect(lifetime: Option<Duration>) -> (Transport, Arc<Seen>) {
    let (base, seen) = server().await;
    let transport = Config::new(&base)
        .token_source(login_source(&base, lifetime))
        .retry(RetryPolicy::none())
        .build()
        .expect("config");
    (transport, seen)
}

async fn status(transport: &Transport, method: Method, path: &str) -> u16 {
    transport.send::<()>(transport.request(method, path)).await.expect("answer").status()
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

#[tokio::test]
async fn token_is_fetched_on_first_use_and_shared_by_clones() {
    let (transport, seen) = connect(None).await;
    assert_eq!(count(&seen.logins), 0, "building the transport logs in");
    let clone = transport.clone();
    for _ in 0..5 {
        assert_eq!(status(&transport, Method::GET, "/data").await, 200);
        assert_eq!(status(&clone, Method::GET, "/data").await, 200);
    }
    assert_eq!((count(&seen.logins), count(&seen.data)), (1, 10));
}

#[tokio::test]
async fn a_token_near_its_expiry_is_renewed_before_the_request() {
    // 400 ms: renewed halfway, at 200 ms (the 60 s margin is more than half of it).
    let (transport, seen) = connect(Some(Duration::from_millis(400))).await;
    assert_eq!(status(&transport, Method::GET, "/data").await, 200);
    assert_eq!(status(&transport, Method::GET, "/data").await, 200);
    assert_eq!(count(&seen.logins), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(status(&transport, Method::GET, "/data").await, 200);
    // Renewed up front: no request went out with the old token.
    assert_eq!((count(&seen.logins), count(&seen.data)), (2, 3));
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_resends_even_a_post() {
    let (transport, seen) = connect(None).await;
    assert_eq!(status(&transport, Method::POST, "/data").await, 200);
    status(&transport, Method::POST, "/revoke").await;
    assert_eq!(status(&transport, Method::POST, "/data").await, 200);
    assert_eq!((count(&seen.logins), count(&seen.data)), (2, 3));
    // The renewed token serves the next requests.
    assert_eq!(status(&transport, Method::GET, "/data").await, 200);
    assert_eq!(count(&seen.logins), 2);
}

#[tokio::test]
async fn a_persistent_401_is_answered_after_exactly_one_renewal() {
    let (base, seen) = server().await;
    // Every token this source hands out is refused.
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let transport = Config::new(&base)
        .token_source(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok(Token::new("tok-s3cret-forged")) }
        })
        .retry(RetryPolicy::none())
        .build()
        .expect("config");
    let response = transport.send::<()>(transport.request(Method::GET, "/data")).await.expect("answer");
    assert_eq!(response.status(), 401);
    let err = response.unexpected::<()>();
    assert_eq!(err.status(), Some(401));
    assert_eq!((count(&fetches), count(&seen.data)), (2, 2));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[tokio::test]
async fn concurrent_requests_share_one_fetch() {
    let (transport, seen) = connect(None).await;
    // Half of them through a clone, which shares the token.
    let clone = transport.clone();
    let requests = (0..10).map(|i| status(if i % 2 == 0 { &transport } else { &clone }, Method::GET, "/data"));
    let statuses = join_all(requests).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(count(&seen.logins), 1);

    // After a revocation, concurrent 401s lead to one renewal, not one each.
    status(&transport, Method::POST, "/revoke").await;
    let statuses = join_all((0..6).map(|_| status(&transport, Method::GET, "/data"))).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(count(&seen.logins), 2);
}

#[tokio::test]
async fn a_failing_source_fails_the_request_before_anything_is_sent() {
    let (base, seen) = server().await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let transport = Config::new(&base)
        .token_source(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Err(TokenError::new("login refused: bad password")) }
        })
        .build()
        .expect("config");
    for expected in 1..=2 {
        let err = transport.send::<()>(transport.request(Method::GET, "/data")).await.expect_err("no token");
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m == "could not get an access token: login refused: bad password"),
            "{err:?}"
        );
        // The next request asks the source again.
        assert_eq!(count(&attempts), expected);
    }
    assert_eq!(count(&seen.data), 0);

    // A login that answers an error status: its message, not the body's token.
    let login = Config::new(&base).retry(RetryPolicy::none()).build().expect("login");
    let transport = Config::new(&base)
        .token_source(move || {
            let login = login.clone();
            async move {
                let response = login.send::<()>(login.request(Method::GET, "/data")).await?;
                Err::<Token, _>(response.unexpected::<()>().into())
            }
        })
        .build()
        .expect("config");
    let err = transport.send::<()>(transport.request(Method::GET, "/data")).await.expect_err("no token");
    assert_eq!(
        err.to_string(),
        "invalid request: could not get an access token: unexpected HTTP 401: token expired"
    );
}

#[tokio::test]
async fn a_request_with_its_own_authorization_keeps_it() {
    let (transport, seen) = connect(None).await;
    let request = transport.request(Method::GET, "/data").header("authorization", "Bearer mine");
    let response = transport.send::<()>(request).await.expect("answer");
    assert_eq!(response.status(), 401);
    assert_eq!(count(&seen.logins), 0);
}

#[tokio::test]
async fn tokens_never_show_in_debug() {
    let (base, _) = server().await;
    let config = Config::new(&base)
        .basic_auth("user", "basic-s3cret")
        .token_source(login_source(&base, Some(Duration::from_secs(300))))
        .token_refresh_margin(Duration::from_secs(30));
    let transport = config.clone().build().expect("config");
    assert_eq!(status(&transport, Method::GET, "/data").await, 200);
    let shown = format!("{config:?} {transport:?} {:?}", transport.clone());
    // The token source replaced the basic credentials.
    assert!(!shown.contains("s3cret") && !shown.contains("\"user\""), "{shown}");
    assert!(shown.contains("token_source"), "{shown}");
    // Nor does the login's answer, whose header carries it.
    let login = Config::new(&base).build().expect("login");
    let response = login.send::<()>(login.request(Method::POST, "/login")).await.expect("login");
    let shown = format!("{response:?}");
    assert!(shown.contains("x-auth-token") && !shown.contains("s3cret"), "{shown}");
    assert!(Token::from_header(response.headers(), "x-auth-token").is_some());
    let token = Token::new("tok-s3cret-9").expires_in(Duration::from_secs(1));
    let shown = format!("{token:?} {}", token.value());
    assert!(!shown.contains("s3cret"), "{shown}");
    // And the other way round: basic credentials replace a token source.
    let shown = format!("{:?}", config.basic_auth("user", "x"));
    assert!(shown.contains("token_source: None"), "{shown}");
}
