//! Copied into the client generated from Boomi's full spec by tests/full_spec.rs and run
//! there: the real generated client against a hostile loopback server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use boomi_full::filters::{DeployedPackageFilter, DeployedPackageProperty, ExecutionRecordFilter, ExecutionRecordProperty};
use boomi_full::{Client, Error, models};
use boomi_full::runtime::RetryPolicy;
use futures::TryStreamExt;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    content_type: String,
    body: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Starts a server answering with `reply(seen, attempt)`.
async fn serve(reply: impl Fn(&Seen, usize) -> (u16, &'static str, String) + Send + Sync + 'static) -> (Client, Log) {
    let log: Log = Arc::default();
    let reply = Arc::new(reply);
    let state = log.clone();
    let app = axum::Router::new().fallback(move |request: Request| {
        let log = state.clone();
        let reply = reply.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
            let seen = Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                content_type: parts.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned(),
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let attempt = {
                let mut log = log.lock().expect("log");
                log.push(seen.clone());
                log.len()
            };
            let (status, content_type, text) = reply(&seen, attempt);
            let mut response = Response::new(Body::from(text));
            *response.status_mut() = StatusCode::from_u16(status).expect("status");
            if !content_type.is_empty() {
                response.headers_mut().insert("content-type", content_type.parse().expect("header"));
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = Client::new(
        Client::config("acct-1")
            .base_url(format!("http://{addr}/api/rest/v1/{{accountId}}"))
            .basic_auth("BOOMI_TOKEN.ci@example.com", "secret")
            .retry(RetryPolicy::default().initial_delay(Duration::from_millis(5))),
    )
    .expect("client");
    (client, log)
}

fn deployed(i: usize) -> Value {
    json!({"@type": "DeployedPackage", "deploymentId": format!("d{i}"), "packageId": "pk1", "environmentId": "e1", "active": true, "version": i})
}

#[tokio::test]
async fn paging_follows_tokens_across_three_pages() {
    // 250 results as 100 + 100 + 50; tokens hold characters that must not be encoded.
    let (client, log) = serve(|seen, _| {
        let (from, to, token) = match (seen.path.as_str(), seen.body.as_str()) {
            ("/api/rest/v1/acct-1/DeployedPackage/query", _) => (0, 100, Some("tok/1+a==")),
            ("/api/rest/v1/acct-1/DeployedPackage/queryMore", "tok/1+a==") => (100, 200, Some("tok/2+b==")),
            ("/api/rest/v1/acct-1/DeployedPackage/queryMore", "tok/2+b==") => (200, 250, None),
            _ => return (400, "application/json", json!({"message": "bad token"}).to_string()),
        };
        let mut page = json!({"@type": "QueryResult", "numberOfResults": to - from, "result": (from..to).map(deployed).collect::<Vec<_>>()});
        if let Some(token) = token {
            page["queryToken"] = json!(token);
        }
        (200, "application/json", page.to_string())
    })
    .await;
    let filter = DeployedPackageFilter::and([DeployedPackageProperty::EnvironmentId.equals("e1"), DeployedPackageProperty::Active.equals("true")]);
    let config: models::DeployedPackageQueryConfig = filter.into();
    let all: Vec<models::DeployedPackage> = client.query_deployed_package_all(config.clone()).try_collect().await.expect("all pages");
    assert_eq!(all.len(), 250);
    assert_eq!(all[249].deployment_id.as_deref(), Some("d249"));
    let seen = log.lock().expect("log").clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == "POST"), "{seen:?}");
    assert!(seen[0].content_type.starts_with("application/json"));
    assert_eq!(serde_json::from_str::<Value>(&seen[0].body).expect("json")["QueryFilter"]["expression"]["operator"], "and");
    for more in &seen[1..] {
        assert!(more.content_type.starts_with("text/plain"), "{more:?}");
    }
    assert_eq!(seen[1].body, "tok/1+a==");
    assert_eq!(seen[2].body, "tok/2+b==");

    // Page by page, too.
    let pages: Vec<models::DeployedPackageQueryResponse> = client.query_deployed_package_pages(config).try_collect().await.expect("pages");
    assert_eq!(pages.iter().map(|p| p.result.as_ref().map_or(0, Vec::len)).collect::<Vec<_>>(), [100, 100, 50]);
}

#[tokio::test]
async fn nested_filters_serialise_to_the_real_grammar() {
    let (client, log) = serve(|_, _| (200, "application/json", json!({"numberOfResults": 0}).to_string())).await;
    let filter = ExecutionRecordFilter::and([
        ExecutionRecordFilter::from(ExecutionRecordProperty::ExecutionTime.between("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")),
        ExecutionRecordFilter::or([
            ExecutionRecordProperty::Status.equals("ERROR"),
            ExecutionRecordProperty::Status.equals("ABORTED"),
        ]),
        ExecutionRecordProperty::OriginalExecutionId.is_null().into(),
    ]);
    let request = filter.into_sorted_request([(ExecutionRecordProperty::ExecutionTime, "DESC")]);
    client.query_execution_record(Some(&request)).await.expect("query");
    let sent: Value = serde_json::from_str(&log.lock().expect("log")[0].body).expect("json");
    assert_eq!(
        sent,
        json!({
            "QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
                {"argument": ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"], "operator": "BETWEEN", "property": "executionTime"},
                {"operator": "or", "nestedExpression": [
                    {"argument": ["ERROR"], "operator": "EQUALS", "property": "status"},
                    {"argument": ["ABORTED"], "operator": "EQUALS", "property": "status"}]},
                {"argument": [], "operator": "IS_NULL", "property": "originalExecutionId"}]}},
            "QuerySort": {"sortField": [{"fieldName": "executionTime", "sortOrder": "DESC"}]}
        })
    );
    // A bare condition is a whole filter.
    let bare: models::DeployedPackageQueryConfig = DeployedPackageProperty::PackageId.equals("pk1").into();
    assert_eq!(
        serde_json::to_value(&bare).expect("json"),
        json!({"QueryFilter": {"expression": {"argument": ["pk1"], "operator": "EQUALS", "property": "packageId"}}})
    );
}

#[tokio::test]
async fn tolerant_decoding_of_what_the_server_really_sends() {
    let (client, _) = serve(|_, _| {
        let record = json!({
            "@type": "ExecutionRecord",
            "executionId": "execution-1", "account": "acct-1", "processId": "p1", "atomId": "a1",
            "executionTime": "2026-01-01T00:00:00Z", "recordedDate": "2026-01-01T00:00:05Z",
            "executionDuration": ["Long", 3832],
            "inboundDocumentCount": "12",
            "inboundDocumentSize": ["java.lang.Long", "0"],
            "status": "COMPLETE_WARN",
            "executionType": "SOMETHING_NEW"
        });
        // One record sent as an object where the spec says array, and a count as text.
        (200, "application/json", json!({"@type": "QueryResult", "numberOfResults": "1", "result": record}).to_string())
    })
    .await;
    let page = client.query_execution_record(None).await.expect("decodes");
    assert_eq!(page.number_of_results, Some(1));
    let records = page.result.expect("result");
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.execution_duration, Some(3832));
    assert_eq!(r.inbound_document_count, Some(12));
    assert_eq!(r.inbound_document_size, Some(0));
    assert_eq!(r.status, "COMPLETE_WARN");
    assert_eq!(r.execution_type, models::ExecutionRecordExecutionType::UnknownValue("SOMETHING_NEW".into()));
    // Fields the server left out decode as empty rather than failing the page.
    assert_eq!(r.launcher_id, "");
}

#[tokio::test]
async fn a_decoding_failure_names_the_field() {
    let (client, _) = serve(|_, _| {
        (200, "application/json", json!({"result": [{"executionDuration": "long time"}]}).to_string())
    })
    .await;
    let err = client.query_execution_record(None).await.expect_err("not a number");
    let Error::Decode { path, .. } = &err else { panic!("{err:?}") };
    assert!(path.starts_with("result[0]"), "{path}");
}

#[tokio::test]
async fn every_error_shape_gives_its_message() {
    let shapes: [(&'static str, &'static str, &'static str); 5] = [
        ("application/json", r#"{"message":"Access denied."}"#, "Access denied."),
        ("application/json", r#"{"error":{"message":"Nested message"}}"#, "Nested message"),
        ("application/json", r#"{"@type":"Error","message":"Typed message"}"#, "Typed message"),
        ("application/xml", "<error><message>Xml &amp; message</message></error>", "Xml & message"),
        ("text/plain", "plain words", "plain words"),
    ];
    for (content_type, body, message) in shapes {
        let (client, _) = serve(move |_, _| (403, content_type, body.to_owned())).await;
        let err = client.get_deployed_package("d1").await.expect_err("403");
        let api = err.api().expect("an HTTP error");
        assert_eq!(api.status, 403);
        assert_eq!(api.message().as_deref(), Some(message), "{body}");
        assert_eq!(api.text(), body);
    }
}

#[tokio::test]
async fn rate_limited_creates_are_retried_but_failed_creates_are_not() {
    // 503 is Boomi's rate-limit answer: the server did nothing, so even a create is retried.
    let (client, log) = serve(|_, attempt| {
        if attempt <= 3 {
            (503, "application/json", json!({"message": "rate limit"}).to_string())
        } else {
            (200, "application/json", deployed(1).to_string())
        }
    })
    .await;
    let body = models::DeployedPackage { environment_id: Some("e1".into()), package_id: Some("pk1".into()), ..Default::default() };
    let deployed = client.create_deployed_package(Some(&body)).await.expect("fourth attempt");
    assert_eq!(deployed.deployment_id.as_deref(), Some("d1"));
    assert_eq!(log.lock().expect("log").len(), 4);

    // A 500 may mean it was deployed: never sent twice.
    let (client, log) = serve(|_, _| (500, "text/plain", "boom".to_owned())).await;
    let err = client.create_deployed_package(Some(&body)).await.expect_err("500");
    assert_eq!(err.status(), Some(500));
    assert_eq!(log.lock().expect("log").len(), 1);

    // A query only reads: retried after a 500.
    let (client, log) = serve(|_, attempt| {
        if attempt == 1 { (500, "text/plain", "boom".to_owned()) } else { (200, "application/json", "{}".to_owned()) }
    })
    .await;
    client.query_deployed_package(None).await.expect("second attempt");
    assert_eq!(log.lock().expect("log").len(), 2);
}
