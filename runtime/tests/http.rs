//! End-to-end tests against a real HTTP server (axum on 127.0.0.1:0).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, Request as AxumRequest};
use axum::http::{HeaderMap as AxumHeaders, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use axum::routing::get;
use specwright_runtime::reqwest::Method;
use specwright_runtime::serde_json::{self, Value, json};
use specwright_runtime::{Config, Error, Transport, encode_path_segment};
use serde::{Deserialize, Serialize};

/// Echoes what the server received as JSON.
async fn echo(request: AxumRequest) -> axum::Json<Value> {
    let method = request.method().to_string();
    let uri = request.uri().to_string();
    let mut headers = BTreeMap::new();
    for (name, value) in request.headers() {
        headers.insert(
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        );
    }
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    axum::Json(json!({
        "method": method,
        "uri": uri,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
}

/// Replies with `?status=`, `?body=` and `?type=` (content type).
async fn reply(Query(params): Query<BTreeMap<String, String>>) -> impl IntoResponse {
    let status = params
        .get("status")
        .and_then(|s| s.parse().ok())
        .and_then(|s| AxumStatus::from_u16(s).ok())
        .unwrap_or(AxumStatus::OK);
    let mut headers = AxumHeaders::new();
    if let Some(content_type) = params.get("type") {
        headers.insert("content-type", content_type.parse().unwrap());
    }
    headers.insert("x-request-id", "req-42".parse().unwrap());
    (
        status,
        headers,
        params.get("body").cloned().unwrap_or_default(),
    )
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "too late"
}

/// Starts the test server; it lives as long as the test's runtime.
async fn server() -> String {
    let app = Router::new()
        .route("/reply", get(reply))
        .route("/slow", get(slow))
        .route("/api/{account}/reply", get(reply))
        .route("/api/{account}/slow", get(slow))
        .fallback(echo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

async fn transport(config: Config) -> (Transport, String) {
    let base = server().await;
    let transport = config
        .base_url(format!("{base}/api/{{accountId}}"))
        .build()
        .unwrap();
    (transport, base)
}

/// One attempt per request: these tests look at single exchanges; retries have
/// their own tests (tests/retry.rs).
fn boomi() -> Config {
    Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
        .variable("accountId", "acme-1")
        .basic_auth("user@example.com", "tok3n-s3cret")
        .retry(specwright_runtime::RetryPolicy::none())
}

async fn echoed(transport: &Transport, request: specwright_runtime::Request) -> Value {
    let response = transport.send::<()>(request).await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value, ()>().unwrap()
}

#[tokio::test]
async fn sends_auth_accept_user_agent_and_encoded_query() {
    let (transport, _) = transport(boomi().user_agent("boomi-client/1.0")).await;
    let path = format!("/Atom/{}", encode_path_segment("a/b c"));
    let request = transport
        .request(Method::GET, path)
        .query("q", "a b&c=d/é")
        .query("limit", 10)
        .query("tag", "x")
        .query("tag", "y");
    let seen = echoed(&transport, request).await;

    assert_eq!(seen["method"], "GET");
    assert_eq!(
        seen["uri"],
        "/api/acme-1/Atom/a%2Fb%20c?q=a+b%26c%3Dd%2F%C3%A9&limit=10&tag=x&tag=y"
    );
    let headers = &seen["headers"];
    // base64("user@example.com:tok3n-s3cret")
    assert_eq!(
        headers["authorization"],
        "Basic dXNlckBleGFtcGxlLmNvbTp0b2szbi1zM2NyZXQ="
    );
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["user-agent"], "boomi-client/1.0");
    assert!(headers.get("content-type").is_none());
}

#[tokio::test]
async fn default_user_agent_bearer_and_accept_override() {
    let (transport, _) = transport(boomi().bearer_auth("bear-tok")).await;
    let request = transport
        .request(Method::GET, "/x")
        .accept("application/xml")
        .header("X-Custom", 7);
    let seen = echoed(&transport, request).await;
    let headers = &seen["headers"];
    assert_eq!(headers["authorization"], "Bearer bear-tok");
    assert_eq!(headers["accept"], "application/xml");
    assert_eq!(headers["x-custom"], "7");
    assert_eq!(
        headers["user-agent"],
        concat!("specwright-runtime/", env!("CARGO_PKG_VERSION"))
    );
}

#[derive(Serialize)]
struct NewAtom<'a> {
    name: &'a str,
    tags: Vec<&'a str>,
}

#[tokio::test]
async fn json_and_text_bodies() {
    let (transport, _) = transport(boomi()).await;

    let request = transport.request(Method::POST, "/Atom").json(&NewAtom {
        name: "a \"quoted\" é",
        tags: vec!["x"],
    });
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(seen["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"name": "a \"quoted\" é", "tags": ["x"]}));

    let request = transport.request(Method::PUT, "/note").text("hello\nworld");
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["headers"]["content-type"], "text/plain; charset=utf-8");
    assert_eq!(seen["body"], "hello\nworld");

    let request = transport
        .request(Method::POST, "/raw")
        .bytes(vec![1u8, 2, 3], "application/octet-stream");
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["headers"]["content-type"], "application/octet-stream");
    assert_eq!(seen["headers"]["content-length"], "3");
}

#[tokio::test]
async fn form_bodies_encode_arrays_objects_and_ready_made_text() {
    let (transport, _) = transport(boomi()).await;
    // As Twilio's CreateSubscription: an array, an object, a null left out.
    let request = transport.request(Method::POST, "/Subscriptions").form(&json!({
        "Description": "a & b",
        "Types": [{"type": "call"}, "sms"],
        "Filter": {"n": 1},
        "Sink": null,
    }));
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["headers"]["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(
        seen["body"],
        "Description=a+%26+b&Types=%7B%22type%22%3A%22call%22%7D&Types=sms&Filter=%7B%22n%22%3A1%7D"
    );
    // As spoonacular's `schema: {type: string}` form: the text is the form.
    let request = transport.request(Method::POST, "/detect").form("text=tacos+and+pizza");
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["body"], "text=tacos+and+pizza");
    // Anything else is refused before it is sent.
    let err = transport.send::<()>(transport.request(Method::POST, "/x").form(&[1, 2])).await.unwrap_err();
    assert!(err.to_string().contains("a form body is an object"), "{err}");
}

/// A type whose serialisation always fails.
struct Unserializable;

impl Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("nope"))
    }
}

#[tokio::test]
async fn invalid_requests_are_not_sent() {
    // Nothing listens on this address: if anything were sent we would get
    // Error::Request instead.
    let transport = Config::new("http://127.0.0.1:9/")
        .retry(specwright_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let err = transport
        .send::<()>(transport.request(Method::POST, "/x").json(&Unserializable))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("nope")),
        "{err:?}"
    );

    let err = transport
        .send::<()>(
            transport
                .request(Method::GET, "/x")
                .header("x-key", "line\nbreak"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if !m.contains("break")),
        "{err:?}"
    );

    let err = transport
        .send::<()>(
            transport
                .request(Method::GET, "/x")
                .header("bad header", "v"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");

    let err = transport
        .send::<()>(
            transport
                .request(Method::POST, "/x")
                .bytes(vec![], "bad\ntype"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Item {
    count: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Page {
    result: Vec<Item>,
}

#[tokio::test]
async fn decode_failure_reports_path() {
    let (transport, _) = transport(boomi()).await;
    let body = r#"{"result":[{"count":1},{"count":"two"}]}"#;
    let response = transport
        .send::<()>(
            transport
                .request(Method::GET, "/reply")
                .query("body", body)
                .query("status", 200),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-42");
    let err = response.json::<Page, ()>().unwrap_err();
    match &err {
        Error::Decode {
            status,
            path,
            message,
            body: raw,
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, "result[1].count");
            assert!(message.contains("invalid type"), "{message}");
            assert_eq!(&raw[..], body.as_bytes());
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(err.to_string().contains("result[1].count"), "{err}");

    // Trailing garbage after a valid document is a decode error too.
    let response = transport
        .send::<()>(
            transport
                .request(Method::GET, "/reply")
                .query("body", "{} x"),
        )
        .await
        .unwrap();
    assert!(matches!(
        response.json::<Value, ()>(),
        Err(Error::Decode { .. })
    ));
}

#[tokio::test]
async fn empty_text_and_bytes_responses() {
    let (transport, _) = transport(boomi()).await;
    let get = |body: &str| transport.request(Method::GET, "/reply").query("body", body);

    let response = transport.send::<()>(get("")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    response.empty::<()>().unwrap();

    // A body where none was declared is ignored.
    let response = transport
        .send::<()>(get("{\"unexpected\":1}"))
        .await
        .unwrap();
    response.empty::<()>().unwrap();

    let response = transport.send::<()>(get("héllo")).await.unwrap();
    assert_eq!(response.text::<()>().unwrap(), "héllo");

    let response = transport.send::<()>(get("raw")).await.unwrap();
    assert_eq!(&response.bytes::<()>().unwrap()[..], b"raw");
}

#[derive(Debug, Deserialize, PartialEq)]
struct BoomiError {
    #[serde(rename = "@type")]
    kind: String,
    message: String,
}

async fn error_reply(transport: &Transport, status: u16, body: &str) -> specwright_runtime::Response {
    transport
        .send::<()>(
            transport
                .request(Method::GET, "/reply")
                .query("status", status)
                .query("body", body),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn declared_errors_parse_body_and_message() {
    let (transport, _) = transport(boomi()).await;

    let body = r#"{"@type":"Error","message":"Atom not found","statusCode":"404"}"#;
    let err = error_reply(&transport, 404, body)
        .await
        .error::<BoomiError>();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.to_string(), "HTTP 404: Atom not found");
    let api = match &err {
        Error::Api(api) => api,
        other => panic!("expected Api, got {other:?}"),
    };
    assert_eq!(
        api.parsed,
        Some(BoomiError {
            kind: "Error".into(),
            message: "Atom not found".into()
        })
    );
    assert_eq!(api.headers["x-request-id"], "req-42");
    assert_eq!(api.text(), body);

    let cases: &[(&str, Option<&str>)] = &[
        (r#"{"message":"top level"}"#, Some("top level")),
        (r#"{"error":{"message":"nested"}}"#, Some("nested")),
        (r#"{"@type":"Error","message":"boomi"}"#, Some("boomi")),
        ("<error><message>a &amp; b</message></error>", Some("a & b")),
        (
            "Service down for maintenance\n",
            Some("Service down for maintenance"),
        ),
        ("", None),
    ];
    for (body, expected) in cases {
        let err = error_reply(&transport, 400, body)
            .await
            .error::<BoomiError>();
        let api = err.api().unwrap();
        assert_eq!(api.message().as_deref(), *expected, "{body}");
        // Only the Boomi-shaped body decodes as BoomiError.
        assert_eq!(api.parsed.is_some(), body.contains("@type"), "{body}");
    }
}

#[tokio::test]
async fn unexpected_status_keeps_status_and_raw_body() {
    let (transport, _) = transport(boomi()).await;
    let err = error_reply(&transport, 418, r#"{"message":"teapot"}"#)
        .await
        .unexpected::<BoomiError>();
    assert!(matches!(err, Error::UnexpectedStatus(_)));
    assert_eq!(err.status(), Some(418));
    assert_eq!(err.to_string(), "unexpected HTTP 418: teapot");
    let api = err.api().unwrap();
    assert!(api.parsed.is_none());
    assert_eq!(&api.body[..], br#"{"message":"teapot"}"#);

    let err = error_reply(&transport, 502, "").await.unexpected::<()>();
    assert_eq!(err.to_string(), "unexpected HTTP 502: Bad Gateway");
}

/// `Transport::answer` tells the answer by status as the generated `match` did.
#[tokio::test]
async fn answer_tells_success_declared_errors_and_the_unexpected_apart() {
    use specwright_runtime::Others;
    let (transport, _) = transport(boomi()).await;
    let ask = |status: u16, body: &str| {
        transport
            .request(Method::GET, "/reply")
            .query("status", status)
            .query("body", body)
    };
    let boomi = r#"{"@type":"Error","message":"Atom not found"}"#;

    // A status in `ok` decodes; one in `errors` is Api with the body as E; others are unexpected.
    let ok: Result<Value, Error<BoomiError>> =
        transport.answer(ask(201, r#"{"id":7}"#), [200, 201], [404], Others::Unexpected, specwright_runtime::Response::json).await;
    assert_eq!(ok.unwrap(), json!({"id": 7}));
    let declared: Result<Value, Error<BoomiError>> =
        transport.answer(ask(404, boomi), [200], [400, 404], Others::Unexpected, specwright_runtime::Response::json).await;
    match declared {
        Err(Error::Api(api)) => assert_eq!(api.parsed.as_ref().map(|e| e.message.as_str()), Some("Atom not found")),
        other => panic!("expected Api, got {other:?}"),
    }
    let unexpected: Result<Value, Error<BoomiError>> =
        transport.answer(ask(404, boomi), [200], [400], Others::Unexpected, specwright_runtime::Response::json).await;
    assert!(matches!(unexpected, Err(Error::UnexpectedStatus(_))), "{unexpected:?}");
    // A 2xx not listed in `ok` is unexpected too, as it was in the match.
    let other_2xx: Result<Value, Error<BoomiError>> =
        transport.answer(ask(202, "{}"), [200], [], Others::Unexpected, specwright_runtime::Response::json).await;
    assert!(matches!(other_2xx, Err(Error::UnexpectedStatus(_))), "{other_2xx:?}");

    // `Others::Error` (a `default` response): any status not in `ok` is Api.
    let default: Result<Value, Error<BoomiError>> =
        transport.answer(ask(418, boomi), [200], [], Others::Error, specwright_runtime::Response::json).await;
    assert!(matches!(&default, Err(Error::Api(api)) if api.status == 418 && api.parsed.is_some()), "{default:?}");

    // An empty `ok` is any 2xx, with no body read.
    for status in [200, 204, 299] {
        let done: Result<(), Error<BoomiError>> =
            transport.answer(ask(status, "not json"), [], [400], Others::Unexpected, specwright_runtime::Response::empty).await;
        assert!(done.is_ok(), "{status}: {done:?}");
    }
    let failed: Result<(), Error<BoomiError>> =
        transport.answer(ask(400, boomi), [], [400], Others::Unexpected, specwright_runtime::Response::empty).await;
    assert_eq!(failed.unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn connection_refused_is_a_request_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let transport = boomi()
        .base_url(format!("http://{addr}/api/{{accountId}}"))
        .build()
        .unwrap();
    let err = transport
        .send::<()>(transport.request(Method::GET, "/x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Request(e) if e.is_connect()),
        "{err:?}"
    );
    assert!(err.is_connect() && !err.is_timeout());
    // The cause is in the message, not only in source().
    assert!(err.to_string().to_lowercase().contains("refused"), "{err}");
    assert_eq!(err.status(), None);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("tok3n-s3cret"), "{shown}");
    assert!(
        !shown.contains("dXNlckBleGFtcGxlLmNvbTp0b2szbi1zM2NyZXQ"),
        "{shown}"
    );
}

#[tokio::test]
async fn timeout_is_honoured() {
    // One attempt: retries of idempotent requests after a timeout are tested elsewhere.
    let (transport, _) = transport(
        boomi()
            .timeout(Duration::from_millis(200))
            .retry(specwright_runtime::RetryPolicy::none()),
    )
    .await;
    let started = Instant::now();
    let err = transport
        .send::<()>(transport.request(Method::GET, "/slow"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, Error::Timeout { timeout: Some(t), attempts: 1, .. } if *t == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn timeout_applies_to_a_supplied_client() {
    let base = server().await;
    let transport = Config::new(format!("{base}/"))
        .http_client(specwright_runtime::reqwest::Client::new())
        .timeout(Duration::from_millis(200))
        .retry(specwright_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let seen = echoed(&transport, transport.request(Method::GET, "/ok")).await;
    assert_eq!(seen["uri"], "/ok");
    let err = transport
        .send::<()>(transport.request(Method::GET, "/slow"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Timeout { timeout: Some(t), .. } if *t == Duration::from_millis(200)),
        "{err:?}"
    );
}

#[test]
fn resolved_base_url_substitution() {
    let config = Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
        .variable("accountId", "acme/../x?y#z");
    assert_eq!(
        config.resolved_base_url().unwrap(),
        "https://api.boomi.com/api/rest/v1/acme%2F..%2Fx%3Fy%23z"
    );

    let err = Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
        .resolved_base_url()
        .unwrap_err();
    assert!(err.to_string().contains("accountId"), "{err}");

    let config = Config::new("https://api.boomi.com/api/rest/v1/{accountId}")
        .variable("accountId", "eu acct")
        .base_url("https://api.eu.boomi.com/api/rest/v1/{accountId}/");
    assert_eq!(
        config.resolved_base_url().unwrap(),
        "https://api.eu.boomi.com/api/rest/v1/eu%20acct"
    );
    let transport = config.build().unwrap();
    assert_eq!(
        transport.base_url(),
        "https://api.eu.boomi.com/api/rest/v1/eu%20acct"
    );
}

#[test]
fn debug_never_shows_credentials() {
    for config in [boomi(), boomi().bearer_auth("tok3n-s3cret")] {
        let shown = format!("{config:?}");
        assert!(!shown.contains("tok3n-s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let transport = config.build().unwrap();
        let shown = format!("{transport:?} {:?}", transport.clone());
        assert!(!shown.contains("tok3n-s3cret"), "{shown}");
        assert!(!shown.contains("dG9rM24tczNjcmV0"), "{shown}");
        assert!(
            !shown.contains("dXNlckBleGFtcGxlLmNvbTp0b2szbi1zM2NyZXQ"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}

#[test]
fn send_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let transport = boomi().build().unwrap();
    let future = transport.send::<Value>(transport.request(Method::GET, "/x"));
    assert_send(&future);
}

#[tokio::test]
async fn cookies_are_joined_and_encoded() {
    let (transport, _) = transport(boomi()).await;
    let request = transport
        .request(Method::GET, "/echo")
        .cookie("session", "a b;c")
        .cookie("theme", "dark");
    let seen = echoed(&transport, request).await;
    assert_eq!(seen["headers"]["cookie"], "session=a%20b%3Bc; theme=dark");
}

#[tokio::test]
async fn a_request_without_credentials_carries_none() {
    let base = server().await;
    let transport = Config::new(format!("{base}/"))
        .basic_auth("user", "pw-s3cret")
        .api_key_header("X-Api-Key", "hdr-s3cret")
        .api_key_query("api_key", "qry-s3cret")
        .retry(specwright_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let seen = echoed(&transport, transport.request(Method::POST, "/echo").query("q", "1").without_credentials()).await;
    assert!(seen["headers"].get("authorization").is_none(), "{seen}");
    assert!(seen["headers"].get("x-api-key").is_none(), "{seen}");
    assert_eq!(seen["uri"], "/echo?q=1");
    // The same transport still authenticates everything else.
    let seen = echoed(&transport, transport.request(Method::GET, "/echo")).await;
    assert!(seen["headers"]["authorization"].as_str().is_some_and(|a| a.starts_with("Basic ")), "{seen}");
}

#[tokio::test]
async fn api_keys_go_in_header_and_query_and_stay_secret() {
    let base = server().await;
    let transport = Config::new(format!("{base}/"))
        .api_key_header("X-Api-Key", "hdr-s3cret")
        .api_key_query("api_key", "qry-s3cret")
        .retry(specwright_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let seen = echoed(&transport, transport.request(Method::GET, "/echo").query("q", "1")).await;
    assert_eq!(seen["headers"]["x-api-key"], "hdr-s3cret");
    assert_eq!(seen["uri"], "/echo?q=1&api_key=qry-s3cret");
    let shown = format!("{transport:?}");
    assert!(!shown.contains("s3cret"), "{shown}");

    // A transport error would print the URL, and with it the key: it is left out.
    let refused = Config::new("http://127.0.0.1:9/")
        .api_key_query("api_key", "qry-s3cret")
        .retry(specwright_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let err = refused.send::<()>(refused.request(Method::GET, "/x")).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
}
