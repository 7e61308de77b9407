//! Long-running operations against a loopback server: waiting for a job to finish,
//! and downloading a body as a stream of chunks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use specwright_runtime::futures::{StreamExt, TryStreamExt, stream};
use specwright_runtime::poll::{Wait, WaitError, wait_until};
use specwright_runtime::reqwest::Method;
use specwright_runtime::serde_json::Value;
use specwright_runtime::{Config, Error, RetryPolicy, Transport, encode_path_segment};

/// Size of `/image`, sent in chunks of 64 KiB.
const IMAGE_LEN: usize = 1 << 20;

/// `/jobs/{id}` answers `RUNNING` to the first `id` polls (`PENDING` to the first),
/// then `COMPLETE`; `/jobs/forever` never finishes; `/jobs/missing` is a 404.
/// `/image` streams [`IMAGE_LEN`] bytes; `/image/missing` is a 404 with a message.
async fn server() -> (Transport, Arc<AtomicUsize>) {
    async fn job(State(polls): State<Arc<AtomicUsize>>, Path(id): Path<String>) -> impl IntoResponse {
        let n = polls.fetch_add(1, Ordering::SeqCst);
        let status = match id.parse::<usize>() {
            Ok(running) if n >= running => "COMPLETE",
            Ok(_) if n == 0 => "PENDING",
            Ok(_) => "RUNNING",
            Err(_) if id == "forever" => "RUNNING",
            Err(_) => return (StatusCode::NOT_FOUND, r#"{"message":"no such job"}"#.to_owned()),
        };
        (StatusCode::OK, format!(r#"{{"id":"{id}","status":"{status}"}}"#))
    }
    async fn image() -> Body {
        let chunks = (0..IMAGE_LEN / 65536).map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 65536])));
        Body::from_stream(stream::iter(chunks))
    }
    async fn missing_image() -> impl IntoResponse {
        (StatusCode::NOT_FOUND, r#"{"message":"no such image"}"#)
    }
    let polls = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/jobs/{id}", get(job))
        .route("/image", get(image))
        .route("/image/missing", get(missing_image))
        .with_state(polls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let transport = Config::new(format!("http://{addr}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("config");
    (transport, polls)
}

/// What a generated `get_job` does.
async fn get_job(transport: &Transport, id: &str) -> Result<Value, Error<Value>> {
    let path = format!("/jobs/{}", encode_path_segment(id));
    let response = transport.send(transport.request(Method::GET, path)).await?;
    match response.status() {
        200 => response.json(),
        404 => Err(response.error()),
        _ => Err(response.unexpected()),
    }
}

fn finished(job: &Value) -> bool {
    !matches!(job["status"].as_str(), Some("PENDING" | "RUNNING"))
}

async fn wait_for_job(transport: &Transport, id: &str, wait: Wait) -> Result<Value, WaitError<Value, Error<Value>>> {
    wait_until(wait, || get_job(transport, id), finished).await
}

#[tokio::test]
async fn a_job_is_polled_until_it_leaves_the_running_states() {
    let (transport, polls) = server().await;
    let started = Instant::now();
    let wait = Wait::new(Duration::from_millis(20), Duration::from_secs(5));
    let job = wait_for_job(&transport, "3", wait).await.expect("finished");
    assert_eq!(job["status"], "COMPLETE");
    assert_eq!(polls.load(Ordering::SeqCst), 4);
    // Three intervals between four polls.
    assert!(started.elapsed() >= Duration::from_millis(60), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_job_that_never_finishes_times_out_with_its_last_state() {
    let (transport, polls) = server().await;
    let wait = Wait::new(Duration::from_millis(30), Duration::from_millis(150));
    let err = wait_for_job(&transport, "forever", wait).await.expect_err("times out");
    let WaitError::TimedOut { elapsed, attempts, last } = &err else {
        panic!("expected a timeout, got {err:?}");
    };
    assert!(*elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert_eq!(*attempts as usize, polls.load(Ordering::SeqCst));
    // About 150 / 30 + 1 polls; fewer when the machine is slow, never more.
    assert!((2..=7).contains(attempts), "{attempts}");
    assert_eq!(last["status"], "RUNNING");
    assert!(err.to_string().starts_with("still not finished after 0."), "{err}");
}

#[tokio::test]
async fn a_failed_poll_ends_the_wait_with_its_error() {
    let (transport, polls) = server().await;
    let err = wait_for_job(&transport, "missing", Wait::default()).await.expect_err("fails");
    let api = err.poll_error().and_then(Error::api).expect("an API error");
    assert_eq!((api.status, api.message().as_deref()), (404, Some("no such job")));
    assert_eq!(err.to_string(), "HTTP 404: no such job");
    assert_eq!(polls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_download_streams_the_whole_body_in_chunks() {
    let (transport, _) = server().await;
    let response = transport
        .send_streaming::<Value>(transport.request(Method::GET, "/image").accept("application/octet-stream"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let mut chunks = 0;
    let mut received = Vec::new();
    let mut body = response.bytes_stream::<Value>();
    while let Some(chunk) = body.try_next().await.expect("chunk") {
        chunks += 1;
        received.extend_from_slice(&chunk);
    }
    assert!(chunks > 1, "{chunks} chunk(s)");
    assert_eq!(received.len(), IMAGE_LEN);
    for (i, block) in received.chunks(65536).enumerate() {
        assert!(block.iter().all(|b| *b == i as u8), "block {i}");
    }

    // The same as one buffer.
    let whole = transport.send::<Value>(transport.request(Method::GET, "/image")).await.expect("answer");
    assert_eq!(whole.bytes::<Value>().expect("bytes"), Bytes::from(received));
}

#[tokio::test]
async fn a_streamed_error_status_is_read_whole_for_the_error() {
    let (transport, _) = server().await;
    let response = transport
        .send_streaming::<Value>(transport.request(Method::GET, "/image/missing"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 404);
    let err = response.read::<Value>().await.expect("body").error::<Value>();
    assert_eq!(err.to_string(), "HTTP 404: no such image");
    assert_eq!(err.api().and_then(|a| a.parsed.as_ref()).map(|p| p["message"].clone()), Some("no such image".into()));
}

#[tokio::test]
async fn a_dropped_connection_ends_the_stream_with_an_error() {
    // A server that promises more bytes than it sends, then hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        if let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nonly this")
                .await;
        }
    });
    let transport = Config::new(format!("http://{addr}")).retry(RetryPolicy::none()).build().expect("config");
    let response = transport.send_streaming::<()>(transport.request(Method::GET, "/x")).await.expect("head");
    let items: Vec<_> = response.bytes_stream::<()>().collect().await;
    let last = items.last().expect("an item");
    assert!(matches!(last, Err(Error::Request(_))), "{items:?}");
    let received: usize = items.iter().filter_map(|i| i.as_ref().ok()).map(Bytes::len).sum();
    assert_eq!(received, "only this".len());
}
