//! Test support: a recording HTTP server on loopback and workspace paths.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: Method,
    /// The path exactly as sent (still percent-encoded).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// All headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header as text, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The body parsed as JSON (Null when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the server answers: status, headers and body.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }

    /// A reply with a raw body and no content type.
    pub fn raw(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A loopback HTTP server that records every request and answers through a closure.
/// It stops when dropped (the task is aborted).
pub struct MockServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// Starts a server on 127.0.0.1 with an ephemeral port.
    pub async fn start(responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let responder: Arc<Responder> = Arc::new(responder);
        let log = requests.clone();
        let app = axum::Router::new().fallback(move |request: Request| {
            let log = log.clone();
            let responder = responder.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default().to_vec();
                let recorded = Recorded {
                    method: parts.method,
                    path: parts.uri.path().to_owned(),
                    query: parts.uri.query().map(str::to_owned),
                    headers: parts.headers,
                    body,
                };
                let reply = responder(&recorded);
                if let Ok(mut log) = log.lock() {
                    log.push(recorded);
                }
                let mut response = Response::new(Body::from(reply.body));
                *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                for (name, value) in reply.headers {
                    if let Ok(value) = value.parse() {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, requests, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Takes the requests recorded so far.
    pub fn take(&self) -> Vec<Recorded> {
        self.requests.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }

    /// Takes the one request recorded since the last call; fails the test otherwise.
    pub fn single(&self) -> Recorded {
        let mut requests = self.take();
        assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
        requests.remove(0)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
