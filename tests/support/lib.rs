//! Test support: a recording HTTP server on loopback, Prism (the independent request
//! validator) on a free port, and workspace paths.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

/// The methods of a generated `client.rs`, by name: the operations' own (and their
/// twins), which return the runtime's `BoxFuture` or, for a streamed download, are an
/// `async fn`; and the paging streams (`_pages`, `_all`). Each signature is read from
/// `pub fn` to its body's `{`.
pub fn client_methods(client_source: &str) -> (Vec<String>, Vec<String>) {
    let signatures = |marker: &str| -> Vec<(String, String)> {
        client_source
            .split(marker)
            .skip(1)
            .filter_map(|rest| {
                let name = rest.split(['(', '<']).next()?.to_owned();
                let signature = rest.split(" {\n").next()?.to_owned();
                Some((name, signature))
            })
            .collect()
    };
    let plain = signatures("pub fn ");
    let methods = plain
        .iter()
        .filter(|(_, signature)| signature.contains("super::runtime::BoxFuture<"))
        .cloned()
        .chain(signatures("pub async fn "))
        .map(|(name, _)| name)
        .collect();
    let streams = plain
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.ends_with("_all") || name.ends_with("_pages"))
        .collect();
    (methods, streams)
}

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
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A reply with a raw body and no content type.
    pub fn raw(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// A reply with a binary body of the given content type.
    pub fn bytes(status: u16, content_type: &str, body: &[u8]) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.to_vec(),
        }
    }

    /// The same reply with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
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

/// Prism (npm `@stoplight/prism-cli`, from `tests/package.json`) validating requests
/// against a spec: started on a free loopback port, killed when dropped.
pub mod prism {
    use std::net::TcpStream;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::workspace_root;

    /// How long Prism may take to load a spec and listen.
    const STARTUP: Duration = Duration::from_secs(60);

    /// A running `prism mock`. Killed when the test ends, however it ends.
    pub struct Prism {
        child: Child,
        /// The port it listens on (127.0.0.1).
        pub port: u16,
        /// Where its output goes: one line per request, with the validator's verdict.
        pub log: PathBuf,
    }

    impl Drop for Prism {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// `$PRISM`, else `tests/node_modules/.bin/prism`. Fails (never skips) when it is
    /// not installed.
    pub fn binary() -> PathBuf {
        if let Some(path) = std::env::var_os("PRISM") {
            return PathBuf::from(path);
        }
        let path = workspace_root().join("tests/node_modules/.bin/prism");
        assert!(
            path.exists(),
            "Prism is not installed at {}; run `npm ci --prefix tests` (the README's test command, scripts/test.sh, does this)",
            path.display()
        );
        path
    }

    /// A loopback port nobody listens on right now.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port")
    }

    impl Prism {
        /// `prism mock --errors` (requests that do not match the spec are answered
        /// 4xx/422 instead of mocked) for `spec`, with `extra` arguments, its output in
        /// `log`; returns once it accepts connections.
        pub fn start(spec: &Path, extra: &[&str], log: PathBuf) -> Self {
            let port = free_port();
            let log_file = std::fs::File::create(&log).expect("prism log file");
            let child = Command::new(binary())
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "--errors"])
                .args(extra)
                .arg(spec)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log handle"))
                .stderr(log_file)
                .spawn()
                .expect("start prism (is Node.js on PATH?)");
            let mut prism = Prism { child, port, log };
            let deadline = Instant::now() + STARTUP;
            loop {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return prism;
                }
                if let Ok(Some(status)) = prism.child.try_wait() {
                    panic!("prism exited with {status} before listening:\n{}", prism.log_text());
                }
                assert!(Instant::now() < deadline, "prism did not listen within {STARTUP:?}:\n{}", prism.log_text());
                std::thread::sleep(Duration::from_millis(100));
            }
        }

        /// `http://127.0.0.1:PORT`.
        pub fn url(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        /// Everything Prism has written so far.
        pub fn log_text(&self) -> String {
            std::fs::read_to_string(&self.log).unwrap_or_default()
        }

        /// Requests Prism's validator passed, and whether it refused any.
        pub fn verdicts(&self) -> (usize, bool) {
            let log = self.log_text();
            (
                log.matches("The request passed the validation rules").count(),
                log.contains("Request did not pass the validation rules"),
            )
        }
    }
}
