//! The request and response hooks, and per-call retry policies, against a server on
//! loopback that echoes what it received.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use specwright_runtime::reqwest::Method;
use specwright_runtime::reqwest::header::HeaderValue;
use specwright_runtime::{CallOptions, Config, RetryPolicy};

/// Every request is answered with the headers it carried, as JSON; the first
/// `/flaky` request of each pair with 503.
async fn server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let seen: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or_default())))
                .collect();
            let status = if uri.path() == "/flaky" && n % 2 == 0 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
            let mut reply = axum::Json(Value::Object(seen)).into_response();
            *reply.status_mut() = status;
            reply.headers_mut().insert("set-cookie", "session=s3ss10n".parse().expect("header"));
            reply
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), hits)
}

fn quick() -> RetryPolicy {
    RetryPolicy::default().initial_delay(Duration::from_millis(5)).jitter(false)
}

#[tokio::test]
async fn the_request_hook_adds_headers_per_attempt_and_never_sees_credentials() {
    let (base, _) = server().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let transport = Config::new(base)
        .basic_auth("me", "hunter2-secret")
        .api_key_header("x-api-key", "hdr-key-secret")
        .api_key_query("api_key", "query-key-secret")
        .retry(quick())
        .on_request(move |request| {
            // What a logging hook would write.
            log.lock().expect("log").push(format!("{request:?} {:?} {}", request.headers(), request.url()));
            let id = format!("run-7/{}/{}", request.operation().unwrap_or("-"), request.attempt());
            request.headers_mut().insert("x-correlation-id", HeaderValue::from_str(&id).expect("header"));
            // A hook cannot replace the credentials.
            request.headers_mut().insert("authorization", HeaderValue::from_static("Basic forged"));
            request.headers_mut().insert("x-api-key", HeaderValue::from_static("forged"));
        })
        .build()
        .expect("config");
    let request = transport
        .request(Method::GET, "/flaky")
        .operation("getFlaky", "/flaky")
        .query("q", "1")
        .header("x-trace", "t-1");
    let response = transport.send::<()>(request).await.expect("sent");
    assert_eq!(response.status(), 200);
    let echoed: Value = response.json::<Value, ()>().expect("json");
    // The second attempt carried the hook's header with its attempt number, and the
    // configured credentials, not the hook's.
    assert_eq!(echoed["x-correlation-id"], "run-7/getFlaky/2");
    assert_eq!(echoed["x-trace"], "t-1");
    assert_eq!(echoed["authorization"], "Basic bWU6aHVudGVyMi1zZWNyZXQ=");
    assert_eq!(echoed["x-api-key"], "hdr-key-secret");

    let seen = seen.lock().expect("log").join("\n");
    assert_eq!(seen.lines().count(), 2, "once per attempt: {seen}");
    assert!(seen.contains("/flaky?q=1") && seen.contains("\"x-trace\""), "{seen}");
    for secret in ["hunter2", "bWU6aHVudGVyMi1zZWNyZXQ", "hdr-key-secret", "query-key-secret", "authorization", "x-api-key"] {
        assert!(!seen.contains(secret), "the hook saw `{secret}`: {seen}");
    }
}

#[tokio::test]
async fn a_request_without_credentials_keeps_a_hook_header_of_any_name() {
    let (base, _) = server().await;
    let transport = Config::new(base)
        .on_request(|request| {
            request.headers_mut().insert("authorization", HeaderValue::from_static("Signed abc"));
        })
        .build()
        .expect("config");
    let response = transport.send::<()>(transport.request(Method::GET, "/x")).await.expect("sent");
    let echoed: Value = response.json::<Value, ()>().expect("json");
    assert_eq!(echoed["authorization"], "Signed abc", "no configured credentials to replace it");
}

#[tokio::test]
async fn the_response_hook_sees_every_attempt() {
    let (base, _) = server().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let transport = Config::new(base)
        .retry(quick())
        .on_response(move |info| {
            assert!(format!("{info:?}").contains("Sensitive"), "set-cookie is hidden: {info:?}");
            log.lock().expect("log").push((
                info.operation().map(str::to_owned),
                info.path().to_owned(),
                info.method().clone(),
                info.attempt(),
                info.status(),
                info.headers().contains_key("set-cookie"),
                info.failure(),
                info.elapsed() < Duration::from_secs(5),
            ));
        })
        .build()
        .expect("config");
    let request = transport.request(Method::GET, "/flaky").operation("getFlaky", "/flaky");
    transport.send::<()>(request).await.expect("sent");
    let seen = seen.lock().expect("log").clone();
    let op = Some("getFlaky".to_owned());
    assert_eq!(
        seen,
        [
            (op.clone(), "/flaky".to_owned(), Method::GET, 1, Some(503), true, None, true),
            (op, "/flaky".to_owned(), Method::GET, 2, Some(200), true, None, true),
        ]
    );
}

#[tokio::test]
async fn the_response_hook_hears_of_failures_too() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let transport = Config::new(format!("http://127.0.0.1:{port}"))
        .retry(quick().max_attempts(2))
        .on_response(move |info| log.lock().expect("log").push((info.attempt(), info.status(), info.failure())))
        .build()
        .expect("config");
    let err = transport.send::<()>(transport.request(Method::GET, "/x")).await.expect_err("refused");
    assert!(err.is_connect());
    assert_eq!(*seen.lock().expect("log"), [(1, None, Some("connect")), (2, None, Some("connect"))]);
}

#[tokio::test]
async fn a_call_can_have_its_own_retry_policy() {
    let (base, hits) = server().await;
    let transport = Config::new(base).retry(quick()).build().expect("config");

    // No retries for this one request: the 503 is the answer.
    let request = transport.request(Method::GET, "/flaky").retry(RetryPolicy::none());
    assert_eq!(transport.send::<()>(request).await.expect("sent").status(), 503);
    assert_eq!(hits.swap(0, Ordering::SeqCst), 1);

    // A clone without retries; the original still retries.
    let once = transport.with_retry(RetryPolicy::none());
    assert_eq!(once.send::<()>(once.request(Method::GET, "/flaky")).await.expect("sent").status(), 503);
    assert_eq!(hits.swap(0, Ordering::SeqCst), 1);
    assert_eq!(transport.send::<()>(transport.request(Method::GET, "/flaky")).await.expect("sent").status(), 200);
    assert_eq!(hits.swap(0, Ordering::SeqCst), 2);

    // A request's own options come before its clone's, field by field.
    let patient = once.with_options(CallOptions::new().timeout(Duration::from_secs(9)));
    assert_eq!(patient.options().get_retry(), Some(&RetryPolicy::none()));
    assert_eq!(patient.options().get_timeout(), Some(Duration::from_secs(9)));
    let request = patient.request(Method::GET, "/flaky").retry(quick().max_attempts(2));
    assert_eq!(patient.send::<()>(request).await.expect("sent").status(), 200);
    assert_eq!(hits.swap(0, Ordering::SeqCst), 2);
}

#[test]
fn debug_shows_hooks_and_options_without_secrets() {
    let transport = Config::new("https://h")
        .bearer_auth("tok-debug-secret")
        .on_request(|_| {})
        .on_response(|_| {})
        .max_response_bytes(1000)
        .build()
        .expect("config")
        .with_timeout(Duration::from_secs(3));
    let text = format!("{transport:?}");
    assert!(text.contains("on_request: Some(\"<hook>\")") && text.contains("on_response: Some(\"<hook>\")"), "{text}");
    assert!(text.contains("max_response_bytes: 1000") && text.contains("timeout: Some(3s)"), "{text}");
    assert!(!text.contains("tok-debug-secret"), "{text}");
}
