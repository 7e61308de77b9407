//! The failure matrix: what a caller gets for each way a server or the network can
//! fail, against a raw TCP server on loopback that misbehaves on purpose. Each case is
//! a typed error whose message says what happened; none panics or hangs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use specwright_runtime::reqwest::Method;
use specwright_runtime::{CallOptions, Config, Error, RetryPolicy, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Connections per path.
type Hits = Arc<Mutex<BTreeMap<String, usize>>>;

/// A server that reads each request's head and then, by path:
/// - `/reset`: a 200 head declaring 1000 bytes, 11 of them, then a TCP reset;
/// - `/declared-huge`: a 200 head declaring 100 MB, and a little of it;
/// - `/endless`: a chunked 200 body that never ends;
/// - `/html`: a 200 maintenance page in `text/html`;
/// - `/empty`: a 200 `application/json` with no body;
/// - `/silent`: nothing at all, the connection held open.
async fn server() -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits: Hits = Arc::default();
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream, counter.clone()));
        }
    });
    (base, hits)
}

async fn handle(mut stream: TcpStream, hits: Hits) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    *hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
    let json = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    match path.as_str() {
        "/reset" => {
            let _ = stream.write_all(format!("{json}Content-Length: 1000\r\n\r\n{{\"partial\":").as_bytes()).await;
            let _ = stream.flush().await;
            // SO_LINGER 0 makes the close a reset (RST) instead of an orderly FIN; the
            // close does not block, which is the concern behind the deprecation.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        "/declared-huge" => {
            let _ = stream.write_all(format!("{json}Content-Length: 100000000\r\n\r\n[1,2,3").as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        "/endless" => {
            let _ = stream.write_all(format!("{json}Transfer-Encoding: chunked\r\n\r\n").as_bytes()).await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "7".repeat(64 * 1024));
            // Until the client hangs up.
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        "/html" => {
            let body = "<html><body>Down for maintenance</body></html>";
            let _ = stream
                .write_all(
                    format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}", body.len())
                        .as_bytes(),
                )
                .await;
        }
        "/empty" => {
            let _ = stream.write_all(format!("{json}Content-Length: 0\r\n\r\n").as_bytes()).await;
        }
        _ => {
            // `/silent`: hold the connection, answer nothing.
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
}

fn count(hits: &Hits, path: &str) -> usize {
    hits.lock().expect("hits").get(path).copied().unwrap_or(0)
}

fn retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_delay(Duration::from_millis(10))
        .jitter(false)
}

async fn connect(config: impl FnOnce(Config) -> Config) -> (Transport, Hits) {
    let (base, hits) = server().await;
    let transport = config(Config::new(base).timeout(Duration::from_secs(5)).retry(retries(2)))
        .build()
        .expect("config");
    (transport, hits)
}

/// Sends and decodes as JSON, as a generated operation does, but never for longer than
/// ten seconds: a case that hangs fails instead of stalling the suite.
async fn call(transport: &Transport, method: Method, path: &str) -> Result<Value, Error<()>> {
    let request = transport.request(method, path.to_owned());
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        let response = transport.send::<()>(request).await?;
        response.json::<Value, ()>()
    });
    outcome.await.expect("the call finished")
}

#[tokio::test]
async fn a_reset_mid_body_is_a_request_error_retried_only_when_idempotent() {
    let (transport, hits) = connect(|c| c).await;
    let err = call(&transport, Method::GET, "/reset").await.expect_err("reset");
    assert!(matches!(&err, Error::Request(_)), "{err:?}");
    assert!(!err.is_timeout() && !err.is_connect(), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("request failed: "), "{text}");
    assert!(text.contains("body"), "the message says the body failed: {text}");
    assert_eq!(count(&hits, "/reset"), 2, "a GET is sent again");

    let err = call(&transport, Method::POST, "/reset").await.expect_err("reset");
    assert!(matches!(&err, Error::Request(_)), "{err:?}");
    assert_eq!(count(&hits, "/reset"), 3, "a POST is not: the server may have acted on it");
}

#[tokio::test]
async fn a_post_marked_idempotent_by_the_caller_is_sent_again() {
    let (transport, hits) = connect(|c| c).await;
    let marked = transport.with_options(CallOptions::new().idempotent(true));
    call(&marked, Method::POST, "/reset").await.expect_err("reset");
    assert_eq!(count(&hits, "/reset"), 2, "an idempotent POST goes again");
    // On one request, and turned off again for a GET.
    let request = transport.request(Method::POST, "/reset").options(CallOptions::new().idempotent(true));
    let _ = transport.send::<()>(request).await;
    assert_eq!(count(&hits, "/reset"), 4);
    let unmarked = transport.with_options(CallOptions::new().idempotent(false));
    call(&unmarked, Method::GET, "/reset").await.expect_err("reset");
    assert_eq!(count(&hits, "/reset"), 5, "a GET marked not idempotent goes once");
}

#[tokio::test]
async fn a_declared_length_past_the_limit_fails_before_the_body_is_read() {
    let (transport, hits) = connect(|c| c.max_response_bytes(1024 * 1024)).await;
    let err = call(&transport, Method::GET, "/declared-huge").await.expect_err("too large");
    assert!(
        matches!(&err, Error::TooLarge { status: 200, limit: 1_048_576, length: Some(100_000_000) }),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(200));
    assert_eq!(
        err.to_string(),
        "the HTTP 200 response body is larger than the limit of 1048576 bytes (Content-Length: 100000000); \
         raise Config::max_response_bytes, or the call's with CallOptions::max_response_bytes"
    );
    assert_eq!(count(&hits, "/declared-huge"), 1, "not retried: it would be as large again");
}

#[tokio::test]
async fn an_endless_body_stops_at_the_limit() {
    // A client that buffered the whole body would never finish (`call` would fail).
    let (transport, hits) = connect(|c| c.max_response_bytes(1024 * 1024)).await;
    let err = call(&transport, Method::GET, "/endless").await.expect_err("too large");
    assert!(matches!(&err, Error::TooLarge { status: 200, limit: 1_048_576, length: None }), "{err:?}");
    assert!(err.to_string().contains("(more than 1048576 bytes arrived)"), "{err}");
    assert_eq!(count(&hits, "/endless"), 1);

    // The same call with a larger limit of its own still stops, at that limit.
    let request = transport
        .request(Method::GET, "/endless")
        .options(specwright_runtime::CallOptions::new().max_response_bytes(4 * 1024 * 1024));
    let err = tokio::time::timeout(Duration::from_secs(10), transport.send::<()>(request))
        .await
        .expect("finished")
        .expect_err("too large");
    assert!(matches!(&err, Error::TooLarge { limit: 4_194_304, .. }), "{err:?}");
}

#[tokio::test]
async fn a_body_within_the_limit_is_read_whole() {
    let (transport, _) = connect(|c| c.max_response_bytes(46)).await;
    // The maintenance page is 46 bytes: exactly at the limit is allowed.
    let response = transport.send::<()>(transport.request(Method::GET, "/html")).await.expect("read");
    assert_eq!(response.body().len(), 46);
}

#[tokio::test]
async fn a_wrong_content_type_is_a_decode_error_that_names_it() {
    let (transport, _) = connect(|c| c).await;
    let err = call(&transport, Method::GET, "/html").await.expect_err("not JSON");
    let Error::Decode { status, path, message, body } = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!((*status, path.as_str()), (200, "."));
    assert!(message.contains("the response's Content-Type is `text/html`, not JSON"), "{message}");
    assert!(body.starts_with(b"<html>"));
    assert!(err.to_string().contains("(body: <html><body>Down for maintenance"), "{err}");
}

#[tokio::test]
async fn an_empty_200_where_json_is_expected_is_a_decode_error() {
    let (transport, _) = connect(|c| c).await;
    let err = call(&transport, Method::GET, "/empty").await.expect_err("empty");
    assert!(matches!(&err, Error::Decode { status: 200, body, .. } if body.is_empty()), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("the body is empty where JSON was expected"), "{text}");
    assert!(text.ends_with("(body: <empty>)"), "{text}");
}

#[tokio::test]
async fn slow_headers_time_out_with_how_long_and_how_many_attempts() {
    let (transport, hits) = connect(|c| c.timeout(Duration::from_millis(200)).retry(retries(3))).await;
    let err = call(&transport, Method::GET, "/silent").await.expect_err("times out");
    let Error::Timeout { timeout, attempts, elapsed, .. } = &err else {
        panic!("expected Error::Timeout, got {err:?}");
    };
    assert_eq!((*timeout, *attempts), (Some(Duration::from_millis(200)), 3));
    // Three attempts of 200 ms and two waits of 10 and 20 ms.
    assert!(*elapsed >= Duration::from_millis(630), "{elapsed:?}");
    assert!(err.is_timeout() && err.status().is_none());
    let text = err.to_string();
    assert!(
        text.starts_with("request timed out after 200 ms without a complete response; 3 attempts, "),
        "{text}"
    );
    assert!(text.contains("Config::timeout") && text.contains("CallOptions::timeout"), "{text}");
    assert_eq!(count(&hits, "/silent"), 3);

    // Not retried for a POST: one attempt, and the message says so.
    let err = call(&transport, Method::POST, "/silent").await.expect_err("times out");
    assert!(matches!(&err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("; 1 attempt, "), "{err}");
}

#[tokio::test]
async fn a_call_of_its_own_can_wait_longer_or_shorter() {
    let (transport, _) = connect(|c| c.timeout(Duration::from_secs(5)).retry(RetryPolicy::none())).await;
    let quick = transport.with_timeout(Duration::from_millis(100));
    let err = call(&quick, Method::GET, "/silent").await.expect_err("times out");
    assert!(matches!(&err, Error::Timeout { timeout: Some(t), .. } if *t == Duration::from_millis(100)), "{err:?}");
    // The request's own setting comes before the clone's.
    let request = quick.request(Method::GET, "/silent").timeout(Duration::from_millis(150));
    let err = quick.send::<()>(request).await.expect_err("times out");
    assert!(matches!(&err, Error::Timeout { timeout: Some(t), .. } if *t == Duration::from_millis(150)), "{err:?}");
    assert_eq!(transport.options().get_timeout(), None, "the original is unchanged");
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let transport = Config::new(format!("http://127.0.0.1:{port}"))
        .retry(retries(2))
        .build()
        .expect("config");
    let err = call(&transport, Method::GET, "/anything").await.expect_err("refused");
    assert!(matches!(&err, Error::Request(_)), "{err:?}");
    assert!(err.is_connect() && !err.is_timeout(), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("request failed: "), "{text}");
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
}
