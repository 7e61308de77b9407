//! What a failing, retried call writes to `tracing`: the span and event fields that
//! say which operation and attempt they are about, and none of the secrets.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use specwright_runtime::reqwest::Method;
use specwright_runtime::{Config, Error, RetryPolicy, Token, Transport};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const USER: &str = "deployer@example.com";
const PASSWORD: &str = "p4ss-W0rd-xyzzy";
const TOKEN: &str = "tok-3f9a-bearer-secret";
const API_KEY: &str = "key-77-in-the-query";

/// Fields by name, each as its `Debug` text (strings without quotes).
type Fields = BTreeMap<String, String>;
/// An event's fields, and those of the span it happened in.
type Recording = (Fields, Option<Fields>);

#[derive(Default)]
struct Visitor(Fields);

impl Visit for Visitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// What was recorded: events with their fields and the fields of the span they were
/// in, and each span's fields when it closed.
#[derive(Clone, Default)]
struct Recorded {
    events: Arc<Mutex<Vec<Recording>>>,
    closed: Arc<Mutex<Vec<(String, Fields)>>>,
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorded {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut visitor = Visitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(visitor.0);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(fields) = extensions.get_mut::<Fields>() {
                let mut visitor = Visitor(std::mem::take(fields));
                values.record(&mut visitor);
                *fields = visitor.0;
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut visitor = Visitor::default();
        event.record(&mut visitor);
        let span = ctx.event_span(event).and_then(|s| s.extensions().get::<Fields>().cloned());
        self.events.lock().expect("events").push((visitor.0, span));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span.extensions().get::<Fields>().cloned().unwrap_or_default();
            self.closed.lock().expect("spans").push((span.name().to_owned(), fields));
        }
    }
}

/// The formatted log, as a subscriber that writes text would write it.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
    }
}

/// `/Atom/{id}` answers 503, 503, then 500 (each a JSON message); the path
/// `/Atom/ok` answers 200.
async fn server() -> String {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/Atom/{id}",
        get(move |axum::extract::Path(id): axum::extract::Path<String>| {
            let n = hits.fetch_add(1, Ordering::SeqCst);
            async move {
                let status = match (id.as_str(), n % 3) {
                    ("ok", _) => StatusCode::OK,
                    (_, 0 | 1) => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, r#"{"message":"try later"}"#)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn retries() -> RetryPolicy {
    RetryPolicy::default().initial_delay(Duration::from_millis(5)).jitter(false)
}

/// Calls `getAtom` as generated code does: GET, so the 500 after two 503s is retried
/// too until attempts run out; here three attempts.
async fn get_atom(transport: &Transport, id: &str) -> Result<u16, Error<()>> {
    let request = transport
        .request(Method::GET, format!("/Atom/{}", specwright_runtime::encode_path_segment(id)))
        .operation("getAtom", "/Atom/{id}");
    let response = transport.send::<()>(request).await?;
    match response.status() {
        200 => Ok(200),
        _ => Err(response.unexpected()),
    }
}

fn base64(text: &str) -> String {
    // The header's own encoding, recomputed here so the test does not trust the runtime's.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn a_retried_failing_call_is_traced_without_its_secrets() {
    let recorded = Recorded::default();
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::registry().with(recorded.clone()).with(
        tracing_subscriber::fmt::layer()
            .with_writer(buffer.clone())
            .with_ansi(false)
            .with_span_events(FmtSpan::FULL)
            .with_filter(tracing_subscriber::filter::LevelFilter::TRACE),
    );
    let _guard = tracing::subscriber::set_default(subscriber);

    let base = server().await;
    let basic = Config::new(&base).basic_auth(USER, PASSWORD).retry(retries().max_attempts(3)).build().expect("config");
    let err = get_atom(&basic, "a/1").await.expect_err("500 in the end");
    assert_eq!(err.status(), Some(500));

    // A bearer token from a token source, and an API key in the query.
    let bearer = Config::new(&base)
        .token_source(|| async { Ok(Token::new(TOKEN).expires_in(Duration::from_secs(300))) })
        .api_key_query("api_key", API_KEY)
        .retry(retries().max_attempts(3))
        .build()
        .expect("config");
    let err = get_atom(&bearer, "b").await.expect_err("500 in the end");
    assert_eq!(err.status(), Some(500));
    drop(_guard);

    // The span: one per call, with the operation, the template (not the path with its
    // identifier), the last attempt and status, and the time.
    let closed = recorded.closed.lock().expect("spans").clone();
    let requests: Vec<&Fields> = closed.iter().filter(|(name, _)| name == "request").map(|(_, f)| f).collect();
    assert_eq!(requests.len(), 2, "{closed:?}");
    for span in &requests {
        assert_eq!(span["operation"], "getAtom");
        assert_eq!(span["method"], "GET");
        assert_eq!(span["path"], "/Atom/{id}");
        assert_eq!(span["attempt"], "3");
        assert_eq!(span["status"], "500");
        assert!(span.contains_key("elapsed_ms"), "{span:?}");
    }

    // The events of the first call: three attempts, and two retries of the 503s with
    // their delays.
    let events = recorded.events.lock().expect("events").clone();
    let by = |message: &str| -> Vec<Fields> {
        events.iter().filter(|(e, _)| e.get("message").map(String::as_str) == Some(message)).map(|(e, _)| e.clone()).collect()
    };
    let attempts = by("attempt finished");
    let statuses: Vec<(&str, &str)> = attempts.iter().map(|e| (e["attempt"].as_str(), e["status"].as_str())).collect();
    assert_eq!(statuses[..3], [("1", "503"), ("2", "503"), ("3", "500")]);
    let retries = by("retrying request");
    assert_eq!(retries.len(), 4, "two per call: {retries:?}");
    assert_eq!(retries[0]["attempt"], "1");
    assert_eq!(retries[0]["status"], "503");
    assert_eq!(retries[0]["reason"], "rate limited");
    assert_eq!(retries[0]["retry_after"], "false");
    assert_eq!(retries[0]["delay_ms"], "5");
    assert_eq!(retries[1]["attempt"], "2");
    assert_eq!(retries[1]["delay_ms"], "10");
    // Every event of a call is inside its span.
    for (event, span) in events.iter().filter(|(e, _)| e.get("message").is_some_and(|m| m.contains("retrying"))) {
        let span = span.as_ref().unwrap_or_else(|| panic!("outside the span: {event:?}"));
        assert_eq!(span["operation"], "getAtom");
    }
    // The transport answered the 500: it is the operation that makes it an error.
    assert!(by("request failed").is_empty());
    // The token fetch is a wait of its own.
    assert_eq!(by("fetching an access token").len(), 1);
    assert_eq!(by("access token fetched")[0]["expires_in_s"], "300");

    // And what a text subscriber wrote: the same facts, none of the secrets.
    let text = buffer.text();
    assert!(text.contains("request{operation=\"getAtom\" method=GET path=\"/Atom/{id}\""), "{text}");
    assert!(text.contains("retrying request attempt=1 status=503"), "{text}");
    let encoded = base64(&format!("{USER}:{PASSWORD}"));
    assert_eq!(encoded.len(), 48);
    for secret in [PASSWORD, TOKEN, API_KEY, encoded.as_str(), "Basic ", "Bearer ", "authorization", "a%2F1"] {
        assert!(!text.contains(secret), "`{secret}` in the log:\n{text}");
        for (event, span) in &events {
            assert!(!format!("{event:?} {span:?}").contains(secret), "`{secret}` in {event:?}");
        }
    }
}
