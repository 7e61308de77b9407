//! Retries, backoff and pacing against a hostile server on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, Method as AxumMethod, StatusCode};
use axum::response::IntoResponse;
use specwright_runtime::reqwest::Method;
use specwright_runtime::{Config, Error, RetryPolicy, Transport};

/// A server whose `/flaky/{status}/{n}` answers `status` to the first `n` requests
/// and 200 after; `/slow` never answers in time; `Retry-After: 1` is sent on 503s
/// when the path says `/after`.
async fn server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move |method: AxumMethod, uri: axum::http::Uri| {
        let counter = counter.clone();
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let parts: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
            let mut headers = HeaderMap::new();
            match parts.as_slice() {
                ["slow"] => {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    (StatusCode::OK, headers, String::new())
                }
                ["flaky", status, failures, rest @ ..] => {
                    let status: u16 = status.parse().unwrap_or(500);
                    let failures: usize = failures.parse().unwrap_or(0);
                    if n < failures {
                        if rest.first() == Some(&"after") {
                            headers.insert("retry-after", "1".parse().expect("header"));
                        }
                        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                        (code, headers, r#"{"message":"busy"}"#.to_owned())
                    } else {
                        (StatusCode::OK, headers, format!(r#"{{"attempt":{},"method":"{method}"}}"#, n + 1))
                    }
                }
                _ => (StatusCode::NOT_FOUND, headers, String::new()),
            }
            .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(100))
}

async fn connect(policy: RetryPolicy) -> (Transport, Arc<AtomicUsize>) {
    let (base, hits) = server().await;
    let transport = Config::new(base)
        .retry(policy)
        .timeout(Duration::from_millis(300))
        .build()
        .expect("config");
    (transport, hits)
}

async fn status(transport: &Transport, request: specwright_runtime::Request) -> Result<u16, Error<()>> {
    transport.send::<()>(request).await.map(|r| r.status())
}

#[tokio::test]
async fn a_503_three_times_then_200_succeeds_on_the_fourth_attempt_even_for_a_create() {
    let (transport, hits) = connect(fast_retries()).await;
    let response = transport
        .send::<()>(transport.request(Method::POST, "/flaky/503/3"))
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    let body: serde_json::Value = response.json::<_, ()>().expect("json");
    assert_eq!(body["attempt"], 4);
}

#[tokio::test]
async fn a_429_is_retried_and_attempts_are_bounded() {
    let (transport, hits) = connect(fast_retries().max_attempts(3)).await;
    let got = status(&transport, transport.request(Method::POST, "/flaky/429/10")).await;
    assert_eq!(got.expect("a response"), 429, "the last answer is returned once attempts run out");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (transport, hits) = connect(fast_retries()).await;
    let started = Instant::now();
    let got = status(&transport, transport.request(Method::GET, "/flaky/503/1/after")).await;
    assert_eq!(got.expect("response"), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // The computed backoff would be ~20 ms; Retry-After says one second.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn other_5xx_are_retried_only_when_idempotent() {
    let (transport, hits) = connect(fast_retries()).await;
    // A create must not be repeated after a 500: it may have happened.
    let got = status(&transport, transport.request(Method::POST, "/flaky/500/1")).await;
    assert_eq!(got.expect("response"), 500);
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let (transport, hits) = transport_pair().await;
    let got = status(&transport, transport.request(Method::GET, "/flaky/502/2")).await;
    assert_eq!(got.expect("response"), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // A query is a POST that only reads: generated code marks it idempotent.
    let (transport, hits) = transport_pair().await;
    let request = transport.request(Method::POST, "/flaky/504/1").idempotent(true);
    assert_eq!(status(&transport, request).await.expect("response"), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

async fn transport_pair() -> (Transport, Arc<AtomicUsize>) {
    connect(fast_retries()).await
}

#[tokio::test]
async fn timeouts_are_retried_only_when_idempotent() {
    let (transport, hits) = connect(fast_retries().max_attempts(2)).await;
    let err = status(&transport, transport.request(Method::POST, "/slow")).await.expect_err("times out");
    assert!(matches!(&err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let (transport, hits) = connect(fast_retries().max_attempts(2)).await;
    let err = status(&transport, transport.request(Method::GET, "/slow")).await.expect_err("times out");
    assert!(matches!(&err, Error::Timeout { attempts: 2, .. }), "{err:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connection_failures_are_retried_for_idempotent_requests() {
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let transport = Config::new(format!("http://127.0.0.1:{port}"))
        .retry(fast_retries().max_attempts(3).jitter(false))
        .build()
        .expect("config");
    let started = Instant::now();
    let err = status(&transport, transport.request(Method::GET, "/x")).await.expect_err("refused");
    assert!(matches!(err, Error::Request(_)));
    // Two waits of 20 and 40 ms between three attempts.
    assert!(started.elapsed() >= Duration::from_millis(60), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_pacer_keeps_under_the_rate() {
    let (base, hits) = server().await;
    let transport = Config::new(base).max_requests_per_second(20.0).build().expect("config");
    let started = Instant::now();
    for _ in 0..6 {
        let clone = transport.clone();
        status(&clone, clone.request(Method::GET, "/flaky/200/0")).await.expect("ok");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 6);
    // Six starts at 20 per second take at least 5 × 50 ms.
    assert!(started.elapsed() >= Duration::from_millis(245), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_streamed_download_is_retried_like_any_request() {
    let (transport, hits) = connect(fast_retries()).await;
    let response = transport
        .send_streaming::<()>(transport.request(Method::GET, "/flaky/503/2"))
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let body = response.read::<()>().await.expect("body");
    let body: serde_json::Value = body.json::<_, ()>().expect("json");
    assert_eq!(body["attempt"], 3);
}
