//! The generated Control Plane client (`boomi-controlplane`) over real HTTP on loopback:
//! every operation and the request it sends (method, path, query, headers, body) and
//! the answer it decodes; the Control Plane's error body on declared statuses, raw
//! bodies on undeclared ones; SimplePage paging; a login session as a token source,
//! renewed after a 401; waiting for a deployment job. Then every operation against
//! Prism, which validates each request against `spec/controlplane.yaml`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boomi_controlplane::models::{self, AccessTokenInput, ApiInput, ErrorResponse, LoginRequest};
use boomi_controlplane::runtime::futures::{StreamExt, TryStreamExt};
use boomi_controlplane::runtime::poll::{Wait, WaitError, wait_until};
use boomi_controlplane::runtime::reqwest::Method;
use boomi_controlplane::runtime::{Multipart, RetryPolicy, Token, TokenError, TokenSource};
use boomi_controlplane::{Client, Config, Error};
use serde_json::{Value, json};
use test_support::prism::Prism;
use test_support::{MockServer, Recorded, Reply, workspace_root};

const TOKEN: &str = "cp-s3cret-bearer-token";
const USER_AGENT: &str = "controlplane-tests/1.0";
const USERNAME: &str = "ci@example.com";
const PASSWORD: &str = "pa55-w0rd-s3cret";
/// An id with every character that must stay inside its path segment.
const NASTY_ID: &str = "a/b?c#d%e f";
const NASTY_SEGMENT: &str = "a%2Fb%3Fc%23d%25e%20f";
/// Ids as the Control Plane has them (UUIDs, which Prism checks).
const API_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const ENV_ID: &str = "e1e2e3e4-0000-4000-8000-000000000001";
const OWNER: &str = "0a0b0c0d-1111-4222-8333-444444444444";
const JOB_ID: &str = "j0b00000-0000-4000-8000-000000000001";
const OTHER_JOB_ID: &str = "j0b00000-0000-4000-8000-000000000002";
/// An image that is not UTF-8 (NUL, 0xFF, a lone continuation byte): it must come back
/// byte for byte.
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x00, 0x01];
const TIMESTAMP: &str = "2026-02-23T10:30:00.000+00:00";

// ------------------------------------------------------------------ fixtures

fn api(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "displayName": "Orders API", "description": "Order sync", "status": "ACTIVE",
           "tags": ["production", "v2"], "owner": OWNER, "platformType": "BOOMI", "createdBy": "ci@example.com"})
}

/// `api(API_ID, "orders")` as the client decodes it.
fn api_model(id: &str, name: &str) -> models::Api {
    models::Api {
        id: id.into(),
        name: name.into(),
        display_name: Some("Orders API".into()),
        description: Some("Order sync".into()),
        status: Some("ACTIVE".into()),
        tags: Some(vec!["production".into(), "v2".into()]),
        owner: Some(OWNER.into()),
        platform_type: Some("BOOMI".into()),
        additional_properties: [("createdBy".to_owned(), json!("ci@example.com"))].into_iter().collect(),
    }
}

fn job(id: &str, status: &str) -> Value {
    json!({"id": id, "type": "DEPLOYMENT", "status": status, "environmentId": ENV_ID, "apiId": API_ID})
}

/// A SimplePage envelope (S003): `number` counts from 1.
fn simple_page(content: Vec<Value>, size: usize, number: u32, total_pages: u32, total_elements: u64, last: bool) -> Value {
    json!({"content": content, "size": size, "number": number, "totalPages": total_pages,
           "totalElements": total_elements, "last": last})
}

/// The Control Plane's error body (S003 "Error responses").
fn error_body(status: u16, path: &str) -> Value {
    let (error, message) = match status {
        400 => ("Bad Request", "invalid input".to_owned()),
        401 => ("Unauthorized", "missing or invalid token".to_owned()),
        403 => ("Forbidden", "insufficient permissions".to_owned()),
        404 => ("Not Found", format!("API with id {} not found", path.rsplit('/').next().unwrap_or_default())),
        409 => ("Conflict", "API with name orders already exists".to_owned()),
        500 => ("Internal Server Error", "internal server error".to_owned()),
        _ => ("I'm a teapot", "short and stout".to_owned()),
    };
    json!({"timestamp": TIMESTAMP, "status": status, "error": error, "message": message, "path": path})
}

fn expected_error(status: u16, path: &str) -> ErrorResponse {
    serde_json::from_value(error_body(status, path)).expect("the fixture is an ErrorResponse")
}

/// The value of query parameter `name` (first occurrence, not decoded).
fn query_value<'r>(r: &'r Recorded, name: &str) -> Option<&'r str> {
    r.query.as_deref()?.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Answers like the Control Plane would, by method and path; an id segment
/// `status-NNN` answers that status with the error body instead.
fn controlplane(r: &Recorded) -> Reply {
    let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    if let Some(status) = segments.iter().find_map(|s| s.strip_prefix("status-")) {
        let status = status.parse().unwrap_or(599);
        return Reply::json(status, error_body(status, &r.path));
    }
    match (r.method.as_str(), segments.as_slice()) {
        ("GET", ["apis"]) => Reply::json(200, simple_page(vec![api(API_ID, "orders")], 10, 1, 1, 1, true)),
        ("POST", ["apis"]) => {
            let mut created = api(API_ID, "orders");
            for (key, value) in r.json().as_object().into_iter().flatten() {
                created[key] = value.clone();
            }
            Reply::json(201, created)
        }
        ("GET", ["apis", _]) => Reply::json(200, api(API_ID, "orders")),
        ("PUT", ["apis", _]) => {
            let mut updated = api(API_ID, "orders");
            for (key, value) in r.json().as_object().into_iter().flatten() {
                updated[key] = value.clone();
            }
            Reply::json(200, updated)
        }
        ("DELETE", ["apis", _] | ["apis", _, "image"]) => Reply::raw(204, ""),
        ("PUT", ["apis", _, "image"]) => Reply::raw(200, ""),
        ("GET", ["apis", _, "image"]) => Reply::bytes(200, "image/png", PNG),
        ("PUT", ["environments", _, "apis", _]) => Reply::json(200, job(JOB_ID, "RUNNING")),
        ("GET", ["runningJobs"]) => Reply::json(200, simple_page(vec![job(JOB_ID, "RUNNING")], 10, 1, 1, 1, true)),
        ("GET", ["jobs"]) => Reply::json(200, simple_page(vec![job(OTHER_JOB_ID, "COMPLETED")], 10, 1, 1, 1, true)),
        ("POST", ["login"]) => Reply::raw(200, "").with_header("authorization", format!("Bearer {TOKEN}")),
        ("POST", ["logout"]) => Reply::raw(200, ""),
        ("POST", ["accessTokens"]) => {
            let mut token = r.json();
            token["id"] = json!("pat-1");
            token["token"] = json!("pat-value");
            Reply::json(201, token)
        }
        _ => Reply::raw(599, "no such route in the test server"),
    }
}

/// A client with a fixed bearer token; retries after 5 ms so retried statuses stay fast.
fn client_for(server: &MockServer) -> Client {
    Client::new(config_for(server).bearer_auth(TOKEN)).expect("valid config")
}

fn config_for(server: &MockServer) -> Config {
    Client::config("acme", "us-east-1")
        .base_url(server.url())
        .user_agent(USER_AGENT)
        .retry(RetryPolicy::default().initial_delay(Duration::from_millis(5)))
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start(controlplane).await;
    let client = client_for(&server);
    (server, client)
}

// ------------------------------------------------------------------ request checks

/// Method, path (as sent, still percent-encoded), the raw query string, the bearer
/// token, `Accept` preferring `application/json`, the user agent, and the JSON body if one is
/// expected (no body at all otherwise).
#[track_caller]
fn assert_request(r: &Recorded, method: &str, path: &str, query: Option<&str>, body: Option<Value>) {
    assert_request_accepting(r, method, path, query, body, "application/json");
}

#[track_caller]
fn assert_request_accepting(r: &Recorded, method: &str, path: &str, query: Option<&str>, body: Option<Value>, accept: &str) {
    assert_eq!(r.method, method, "method of {path}");
    assert_eq!(r.path, path, "path of {method} {path}");
    assert_eq!(r.query.as_deref(), query, "query of {method} {path}");
    assert_eq!(r.header("authorization"), format!("Bearer {TOKEN}"), "authorization of {method} {path}");
    // The first (preferred) type; others may follow.
    assert_eq!(r.header("accept").split(',').next().map(str::trim), Some(accept), "accept of {method} {path}");
    assert_eq!(r.header("user-agent"), USER_AGENT);
    match body {
        Some(body) => {
            assert_eq!(r.header("content-type"), "application/json", "content type of {method} {path}");
            assert_eq!(r.json(), body, "request body of {method} {path}");
        }
        None => {
            assert!(r.body.is_empty(), "{method} {path} sent a body: {:?}", String::from_utf8_lossy(&r.body));
            assert_eq!(r.header("content-type"), "", "{method} {path} sent a content type without a body");
        }
    }
}

fn date(s: &str) -> boomi_controlplane::runtime::chrono::DateTime<boomi_controlplane::runtime::chrono::Utc> {
    s.parse().expect("test date")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ------------------------------------------------------------------ coverage

/// Every operation and every paging stream of the generated client is called in this
/// file: a new one fails here until it is tested.
#[test]
fn every_operation_and_paging_stream_of_the_client_is_called_here() {
    let client_source = include_str!("../generated-controlplane/src/client.rs");
    let spec = include_str!("../spec/controlplane.yaml");
    let this_file = include_str!("controlplane.rs");
    let (methods, streams) = test_support::client_methods(client_source);
    // The twins of an operation (streamed body, answer with headers) are methods, not operations.
    let operations: Vec<&String> = methods.iter().filter(|n| !n.ends_with("_stream") && !n.ends_with("_with_headers")).collect();
    let spec_operations = spec.lines().filter(|l| l.trim_start().starts_with("operationId:")).count();
    assert_eq!(spec_operations, 14, "operations in spec/controlplane.yaml");
    assert_eq!(operations.len(), spec_operations, "one method per operation: {operations:?}");
    assert_eq!(streams.len(), 6, "paging streams: {streams:?}");
    let missing: Vec<&String> = methods.iter().chain(&streams).filter(|name| !this_file.contains(&format!(".{name}("))).collect();
    assert!(missing.is_empty(), "not called in tests/controlplane.rs: {missing:?}");
}

// ------------------------------------------------------------------ operations

#[tokio::test]
async fn api_operations() {
    let (server, client) = setup().await;

    // No parameters: no query string at all.
    let page = client.list_apis(None, None, None, None, None, None, None, None, None).await.expect("list");
    assert_request(&server.single(), "GET", "/apis", None, None);
    assert_eq!(
        page,
        models::ApiPage { content: vec![api_model(API_ID, "orders")], size: 10, number: 1, total_pages: 1, total_elements: 1, last: true }
    );

    // Every filter; `sort` and `tags` repeat the parameter, each value keeps its comma.
    let sort = strings(&["name,asc", "updatedAt,desc"]);
    let tags = strings(&["production", "v2"]);
    client
        .list_apis(Some(2), Some(25), Some(&sort), Some("orders & more"), Some("my-api"), Some("ACTIVE"), Some(&tags), Some(OWNER), Some("BOOMI"))
        .await
        .expect("list with filters");
    assert_request(
        &server.single(),
        "GET",
        "/apis",
        Some(&format!(
            "page=2&size=25&sort=name%2Casc&sort=updatedAt%2Cdesc&text=orders+%26+more&name=my-api&status=ACTIVE\
             &tags=production&tags=v2&owner={OWNER}&platformType=BOOMI"
        )),
        None,
    );

    // Create answers 201 with the API.
    let input = ApiInput {
        name: "orders".into(),
        display_name: Some("Orders API".into()),
        status: Some("ACTIVE".into()),
        tags: Some(strings(&["production", "v2"])),
        ..Default::default()
    };
    let created = client.create_api(&input).await.expect("create answers 201");
    assert_request(
        &server.single(),
        "POST",
        "/apis",
        None,
        Some(json!({"name": "orders", "displayName": "Orders API", "status": "ACTIVE", "tags": ["production", "v2"]})),
    );
    assert_eq!(created, api_model(API_ID, "orders"));

    let got = client.get_api(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/apis/{NASTY_SEGMENT}"), None, None);
    assert_eq!(got, created);

    let rename = ApiInput { name: "orders-v2".into(), description: Some("Order sync, v2".into()), ..Default::default() };
    let updated = client.update_api(NASTY_ID, &rename).await.expect("update");
    assert_request(
        &server.single(),
        "PUT",
        &format!("/apis/{NASTY_SEGMENT}"),
        None,
        Some(json!({"name": "orders-v2", "description": "Order sync, v2"})),
    );
    assert_eq!((updated.name.as_str(), updated.description.as_deref()), ("orders-v2", Some("Order sync, v2")));

    // Delete answers 204 with no body: `()`.
    let () = client.delete_api(NASTY_ID).await.expect("delete answers 204");
    assert_request(&server.single(), "DELETE", &format!("/apis/{NASTY_SEGMENT}"), None, None);
}

#[tokio::test]
async fn image_operations() {
    let (server, client) = setup().await;
    let path = format!("/apis/{NASTY_SEGMENT}/image");

    // The upload is multipart/form-data with one `file` part (S003: -F "file=@logo.png").
    let form = Multipart::new().file("file", "logo.png", "image/png", PNG.to_vec());
    let () = client.upload_api_image(NASTY_ID, form).await.expect("upload");
    let r = server.single();
    assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_deref()), ("PUT", path.as_str(), None));
    assert_eq!(r.header("authorization"), format!("Bearer {TOKEN}"));
    let boundary = r
        .header("content-type")
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("a multipart content type with its boundary: {:?}", r.header("content-type")))
        .to_owned();
    assert!(!boundary.is_empty() && boundary.len() <= 70, "RFC 2046 boundary: {boundary:?}");
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(PNG);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body, expected, "the multipart body:\n{}", String::from_utf8_lossy(&r.body));

    // The download asks for an image and gives back exactly the bytes that came.
    let image = client.download_api_image(NASTY_ID).await.expect("download");
    assert_request_accepting(&server.single(), "GET", &path, None, None, "image/*");
    assert_eq!(image, PNG);

    // The same, chunk by chunk.
    let chunks: Vec<_> = client.download_api_image_stream(NASTY_ID).await.expect("download stream").try_collect().await.expect("chunks");
    assert_request_accepting(&server.single(), "GET", &path, None, None, "image/*");
    assert_eq!(chunks.concat(), PNG);
    let err = client.download_api_image_stream("status-404").await.err().expect("a 404 is an error before any chunk");
    let Error::Api(api) = &err else { panic!("expected the declared 404, got {err:?}") };
    assert_eq!(api.parsed, Some(expected_error(404, "/apis/status-404/image")));
    server.take();

    let () = client.delete_api_image(NASTY_ID).await.expect("delete answers 204");
    assert_request(&server.single(), "DELETE", &path, None, None);
}

#[tokio::test]
async fn deployment_and_job_operations() {
    let (server, client) = setup().await;

    // A deploy sends no body and answers the job at once.
    let job = client.deploy_api(NASTY_ID, "api/1").await.expect("deploy");
    assert_request(&server.single(), "PUT", &format!("/environments/{NASTY_SEGMENT}/apis/api%2F1"), None, None);
    assert_eq!(job.id, JOB_ID);
    assert_eq!(job.additional_properties.get("status"), Some(&json!("RUNNING")));
    assert_eq!(job.additional_properties.get("environmentId"), Some(&json!(ENV_ID)));

    let sort = strings(&["startTime,desc", "id,asc"]);
    let running = client.list_running_jobs(Some(1), Some(50), Some(&sort)).await.expect("running jobs");
    assert_request(&server.single(), "GET", "/runningJobs", Some("page=1&size=50&sort=startTime%2Cdesc&sort=id%2Casc"), None);
    assert_eq!(running.content, std::slice::from_ref(&job));
    assert_eq!((running.number, running.total_pages, running.total_elements, running.last), (1, 1, 1, true));

    let history = client.list_job_history(None, None, None).await.expect("job history");
    assert_request(&server.single(), "GET", "/jobs", None, None);
    assert_eq!(history.content.len(), 1);
    assert_eq!(history.content[0].id, OTHER_JOB_ID);
    assert_eq!(history.content[0].additional_properties.get("status"), Some(&json!("COMPLETED")));
    let history = client.list_job_history(Some(3), Some(5), None).await.expect("job history page 3");
    assert_request(&server.single(), "GET", "/jobs", Some("page=3&size=5"), None);
    assert_eq!(history.content.len(), 1);
}

#[tokio::test]
async fn authentication_operations() {
    let (server, client) = setup().await;

    // Login is the one operation without a token (`security: []`), so it is called the
    // way the crate docs call it: through a client that has none.
    let unauthenticated = Client::new(config_for(&server)).expect("config");
    let () = unauthenticated.login(&LoginRequest { username: USERNAME.into(), password: PASSWORD.into() }).await.expect("login");
    let r = server.single();
    assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_deref()), ("POST", "/login", None));
    assert_eq!(r.header("authorization"), "", "login sends no credentials but the body's");
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.json(), json!({"username": USERNAME, "password": PASSWORD}));

    let () = client.logout().await.expect("logout");
    assert_request(&server.single(), "POST", "/logout", None, None);

    let input = AccessTokenInput { name: "ci-token".into(), validity_days: 30, scopes: strings(&["API_READ"]) };
    let created = client.create_access_token(&input).await.expect("create answers 201");
    assert_request(
        &server.single(),
        "POST",
        "/accessTokens",
        None,
        Some(json!({"name": "ci-token", "validityDays": 30, "scopes": ["API_READ"]})),
    );
    assert_eq!(created.get("token"), Some(&json!("pat-value")));
    assert_eq!(created.get("validityDays"), Some(&json!(30)));
}

/// `POST /login` is `security: []`: even from a client with credentials it sends none,
/// and a client with a token source does not log in through it first to get a token to
/// log in with. (Found here: the generated `login` used to send them.)
#[tokio::test]
async fn login_sends_no_credentials_from_an_authenticated_client() {
    let (server, client) = setup().await;
    client.login(&LoginRequest { username: USERNAME.into(), password: PASSWORD.into() }).await.expect("login");
    assert_eq!(server.single().header("authorization"), "", "a bearer client's login");

    let login = Client::new(config_for(&server)).expect("config");
    let client = Client::new(config_for(&server).token_source(session(login, Duration::from_secs(3600)))).expect("config");
    client.login(&LoginRequest { username: USERNAME.into(), password: PASSWORD.into() }).await.expect("login");
    let r = server.single();
    assert_eq!(r.header("authorization"), "", "a token-source client's login fetches no token first");
}

/// `LoginRequest.password` is `format: password, writeOnly: true`: `Debug` of a login
/// body does not print it. (Found here: the model used to derive `Debug`.)
#[test]
fn a_login_body_does_not_print_the_password() {
    let body = LoginRequest { username: USERNAME.into(), password: PASSWORD.into() };
    let text = format!("{body:?}");
    assert!(!text.contains(PASSWORD), "{text}");
}

/// The download's errors are JSON (`ErrorResponse`), its success an image: a request
/// that accepts only `image/*` lets a content-negotiating server (Spring, which the
/// error body's shape comes from) drop the error body, or answer 406. Both kinds must
/// be acceptable, the image first.
#[tokio::test]
async fn the_image_download_also_accepts_the_json_error_body() {
    let (server, client) = setup().await;
    client.download_api_image(API_ID).await.expect("download");
    let accept = server.single().header("accept").to_owned();
    let types: Vec<&str> = accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim()).collect();
    assert_eq!(types.first(), Some(&"image/*"), "{accept}");
    assert!(types.contains(&"application/json"), "{accept}");
}

// ------------------------------------------------------------------ errors

/// Calls every operation once (with UUIDs, so Prism accepts them too) and keeps each
/// result without its value.
async fn call_every_operation(client: &Client) -> Vec<(&'static str, Result<(), Error<ErrorResponse>>)> {
    let mut results = Vec::new();
    macro_rules! call {
        ($name:literal, $future:expr) => {
            results.push(($name, $future.await.map(drop)))
        };
    }
    let sort = strings(&["name,asc"]);
    let tags = strings(&["production", "v2"]);
    let input = ApiInput { name: "my-api".into(), display_name: Some("My API".into()), status: Some("ACTIVE".into()), tags: Some(Vec::new()), description: None };
    call!(
        "listApis",
        client.list_apis(Some(1), Some(10), Some(&sort), Some("petstore"), Some("my-api"), Some("ACTIVE"), Some(&tags), Some(OWNER), Some("BOOMI"))
    );
    call!("createApi", client.create_api(&input));
    call!("getApi", client.get_api(API_ID));
    call!("updateApi", client.update_api(API_ID, &input));
    call!("deleteApi", client.delete_api(API_ID));
    call!("uploadApiImage", client.upload_api_image(API_ID, Multipart::new().file("file", "logo.png", "image/png", PNG.to_vec())));
    call!("downloadApiImage", client.download_api_image(API_ID));
    call!("deleteApiImage", client.delete_api_image(API_ID));
    call!("deployApi", client.deploy_api(ENV_ID, API_ID));
    call!("listRunningJobs", client.list_running_jobs(Some(1), Some(10), Some(&sort)));
    call!("listJobHistory", client.list_job_history(Some(1), Some(10), Some(&sort)));
    call!("login", client.login(&LoginRequest { username: USERNAME.into(), password: PASSWORD.into() }));
    call!("logout", client.logout());
    call!(
        "createAccessToken",
        client.create_access_token(&AccessTokenInput { name: "ci-token".into(), validity_days: 30, scopes: strings(&["API_READ"]) })
    );
    results
}

/// The error statuses each operation declares (spec/controlplane.yaml).
fn declared_errors(operation: &str) -> &'static [u16] {
    match operation {
        "listApis" | "listRunningJobs" | "listJobHistory" | "createAccessToken" => &[400, 401, 403, 500],
        "createApi" => &[400, 401, 403, 409, 500],
        "getApi" | "deleteApi" | "downloadApiImage" | "deleteApiImage" | "deployApi" => &[401, 403, 404, 500],
        "updateApi" => &[400, 401, 403, 404, 409, 500],
        "uploadApiImage" => &[400, 401, 403, 404, 500],
        "login" => &[400, 401, 500],
        "logout" => &[401, 500],
        other => panic!("unknown operation {other}"),
    }
}

#[tokio::test]
async fn a_conflict_on_create_and_update_is_the_declared_409_with_its_body() {
    let server = MockServer::start(|r: &Recorded| Reply::json(409, error_body(409, &r.path))).await;
    let client = client_for(&server);
    let input = ApiInput { name: "orders".into(), ..Default::default() };

    let created = client.create_api(&input).await;
    let updated = client.update_api(API_ID, &input).await;
    for (operation, result, path) in [("create", created, "/apis".to_owned()), ("update", updated, format!("/apis/{API_ID}"))] {
        let err = result.expect_err("409");
        assert_eq!(err.status(), Some(409));
        assert_eq!(err.to_string(), "HTTP 409: API with name orders already exists", "{operation}");
        let Error::Api(api) = &err else { panic!("{operation}: expected the declared 409 as Error::Api, got {err:?}") };
        assert_eq!(
            api.parsed,
            Some(ErrorResponse {
                timestamp: Some(date(TIMESTAMP)),
                status: Some(409),
                error: Some("Conflict".into()),
                message: Some("API with name orders already exists".into()),
                path: Some(path),
            }),
            "{operation}"
        );
        assert_eq!(api.message().as_deref(), Some("API with name orders already exists"));
        assert_eq!(api.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    }
    // A 409 is an answer, not a failure: neither is retried.
    assert_eq!(server.take().len(), 2);
}

/// Each status against every operation: where the operation declares it, `Error::Api`
/// with the parsed body; where not, `Error::UnexpectedStatus` with the raw body kept.
#[tokio::test]
async fn every_status_is_declared_or_unexpected_exactly_as_the_spec_says() {
    for status in [400u16, 401, 403, 404, 409, 418, 500] {
        let server = MockServer::start(move |r: &Recorded| Reply::json(status, error_body(status, &r.path))).await;
        // No retries, so that every call is one request (a GET answered 500 would be).
        let client = Client::new(config_for(&server).bearer_auth(TOKEN).retry(RetryPolicy::none())).expect("config");
        let results = call_every_operation(&client).await;
        let requests = server.take();
        assert_eq!(requests.len(), results.len(), "one request per call for {status}");
        for ((operation, result), request) in results.into_iter().zip(&requests) {
            let err = result.expect_err("an error status");
            let declared = declared_errors(operation).contains(&status);
            let expected = expected_error(status, &request.path);
            match (&err, declared) {
                (Error::Api(api), true) => {
                    assert_eq!(api.status, status, "{operation}");
                    assert_eq!(api.parsed.as_ref(), Some(&expected), "{operation} {status}");
                }
                (Error::UnexpectedStatus(api), false) => {
                    assert_eq!(api.status, status, "{operation}");
                    assert!(api.parsed.is_none(), "{operation} {status}: an undeclared body is not parsed");
                    assert_eq!(serde_json::from_slice::<Value>(&api.body).ok(), Some(error_body(status, &request.path)));
                    assert!(err.to_string().starts_with(&format!("unexpected HTTP {status}: ")), "{err}");
                }
                (other, _) => panic!("{operation} {status} (declared: {declared}): got {other:?}"),
            }
            assert_eq!(err.api().and_then(|a| a.message()), expected.message, "{operation} {status}");
        }
    }
}

#[tokio::test]
async fn declared_errors_on_an_id_decode_the_same_body() {
    let (server, client) = setup().await;
    let err = client.get_api("status-404").await.expect_err("404");
    let Error::Api(api) = &err else { panic!("expected the declared 404, got {err:?}") };
    assert_eq!(
        api.parsed,
        Some(ErrorResponse {
            timestamp: Some(date(TIMESTAMP)),
            status: Some(404),
            error: Some("Not Found".into()),
            message: Some("API with id status-404 not found".into()),
            path: Some("/apis/status-404".into()),
        })
    );
    assert_eq!(err.to_string(), "HTTP 404: API with id status-404 not found");
    let err = client.delete_api_image("status-401").await.expect_err("401");
    assert_eq!(err.api().and_then(|a| a.parsed.clone()), Some(expected_error(401, "/apis/status-401/image")));
    assert!(matches!(err, Error::Api(_)));
    // An error body without the fields still is the declared error, with what is there.
    let server2 = MockServer::start(|_: &Recorded| Reply::json(404, json!({"message": "gone"}))).await;
    let err = client_for(&server2).get_api(API_ID).await.expect_err("404");
    let Error::Api(api) = &err else { panic!("expected the declared 404, got {err:?}") };
    assert_eq!(api.parsed, Some(ErrorResponse { message: Some("gone".into()), ..Default::default() }));
    // Not JSON at all: still the declared error, unparsed, the text kept.
    let server3 = MockServer::start(|_: &Recorded| Reply::raw(500, "<html>proxy error</html>")).await;
    let client3 = Client::new(config_for(&server3).bearer_auth(TOKEN).retry(RetryPolicy::none())).expect("config");
    let err = client3.create_api(&ApiInput { name: "x".into(), ..Default::default() }).await.expect_err("500");
    let Error::Api(api) = &err else { panic!("expected the declared 500, got {err:?}") };
    assert_eq!((api.parsed.as_ref(), api.text().as_ref()), (None, "<html>proxy error</html>"));
    assert_eq!(server.take().len(), 2);
}

// ------------------------------------------------------------------ paging

/// Five pages of two APIs each; any page after the fifth is an error.
fn five_pages(r: &Recorded) -> Reply {
    let page: u32 = query_value(r, "page").and_then(|p| p.parse().ok()).unwrap_or(0);
    if !(1..=5).contains(&page) {
        return Reply::json(400, error_body(400, &r.path));
    }
    let items = vec![api(&format!("api-{}", 2 * page - 1), "orders"), api(&format!("api-{}", 2 * page), "orders")];
    Reply::json(200, simple_page(items, 2, page, 5, 10, page == 5))
}

#[tokio::test]
async fn list_apis_all_reads_five_pages_in_order() {
    let server = MockServer::start(five_pages).await;
    let client = client_for(&server);
    let sort = strings(&["name,asc", "id,desc"]);
    let tags = strings(&["production", "v2"]);
    let apis: Vec<models::Api> = client
        .list_apis_all(Some(2), Some(&sort), Some("orders"), None, Some("ACTIVE"), Some(&tags), None, Some("BOOMI"))
        .try_collect()
        .await
        .expect("every page");
    let ids: Vec<&str> = apis.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["api-1", "api-2", "api-3", "api-4", "api-5", "api-6", "api-7", "api-8", "api-9", "api-10"]);
    let requests = server.take();
    assert_eq!(requests.len(), 5, "one request per page, none after `last`");
    for (n, r) in (1..).zip(&requests) {
        assert_request(
            r,
            "GET",
            "/apis",
            Some(&format!("page={n}&size=2&sort=name%2Casc&sort=id%2Cdesc&text=orders&status=ACTIVE&tags=production&tags=v2&platformType=BOOMI")),
            None,
        );
    }
}

#[tokio::test]
async fn list_apis_pages_keeps_the_envelope() {
    let server = MockServer::start(five_pages).await;
    let client = client_for(&server);
    let pages: Vec<models::ApiPage> =
        client.list_apis_pages(Some(2), None, None, None, None, None, None, None).try_collect().await.expect("every page");
    let envelopes: Vec<(i32, i32, i64, i32, bool, usize)> =
        pages.iter().map(|p| (p.number, p.total_pages, p.total_elements, p.size, p.last, p.content.len())).collect();
    assert_eq!(envelopes, [(1, 5, 10, 2, false, 2), (2, 5, 10, 2, false, 2), (3, 5, 10, 2, false, 2), (4, 5, 10, 2, false, 2), (5, 5, 10, 2, true, 2)]);
    let queries: Vec<Option<String>> = server.take().into_iter().map(|r| r.query).collect();
    assert_eq!(queries, (1..=5).map(|n| Some(format!("page={n}&size=2"))).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_empty_first_page_ends_the_stream() {
    // As the Control Plane answers an empty list, and a server that still claims more
    // pages: either way one request.
    for (total_pages, last) in [(0, true), (0, false), (5, false)] {
        let server = MockServer::start(move |_: &Recorded| Reply::json(200, simple_page(Vec::new(), 10, 1, total_pages, 0, last))).await;
        let client = client_for(&server);
        let apis: Vec<models::Api> =
            client.list_apis_all(None, None, Some("nothing"), None, None, None, None, None).try_collect().await.expect("empty");
        assert!(apis.is_empty());
        assert_eq!(server.single().query.as_deref(), Some("page=1&text=nothing"), "totalPages {total_pages}, last {last}");
        let pages: Vec<models::ApiPage> =
            client.list_apis_pages(None, None, None, None, None, None, None, None).try_collect().await.expect("empty");
        assert_eq!(pages.len(), 1);
        assert_eq!((pages[0].total_elements, pages[0].content.len()), (0, 0));
        assert_eq!(server.take().len(), 1);
    }
}

#[tokio::test]
async fn paging_stops_at_total_pages_when_last_never_comes() {
    let server = MockServer::start(|r: &Recorded| {
        let page: u32 = query_value(r, "page").and_then(|p| p.parse().ok()).unwrap_or(0);
        Reply::json(200, simple_page(vec![api(&format!("api-{page}"), "orders")], 1, page, 3, 3, false))
    })
    .await;
    let client = client_for(&server);
    let apis: Vec<models::Api> = client.list_apis_all(Some(1), None, None, None, None, None, None, None).try_collect().await.expect("pages");
    assert_eq!(apis.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["api-1", "api-2", "api-3"]);
    let pages: Vec<Option<String>> = server.take().into_iter().map(|r| r.query).collect();
    assert_eq!(pages, [Some("page=1&size=1".to_owned()), Some("page=2&size=1".to_owned()), Some("page=3&size=1".to_owned())]);
}

/// The envelope's fields decode with defaults, so a page without `totalPages` reads as
/// `totalPages: 0`; that is no total, not the last page: the stream follows `last`.
/// (Found here: it used to end after page 1 without an error, losing pages.)
#[tokio::test]
async fn a_page_without_total_pages_is_not_the_last() {
    let server = MockServer::start(|r: &Recorded| {
        let page: u32 = query_value(r, "page").and_then(|p| p.parse().ok()).unwrap_or(0);
        Reply::json(200, json!({"content": [api(&format!("api-{page}"), "orders")], "size": 1, "number": page, "totalElements": 3, "last": page == 3}))
    })
    .await;
    let client = client_for(&server);
    let apis: Vec<models::Api> = client.list_apis_all(Some(1), None, None, None, None, None, None, None).try_collect().await.expect("pages");
    assert_eq!(apis.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["api-1", "api-2", "api-3"]);
    assert_eq!(server.take().len(), 3, "followed `last` to page 3");
}

#[tokio::test]
async fn paging_stops_at_the_first_error() {
    let server = MockServer::start(|r: &Recorded| match query_value(r, "page") {
        Some("1") => Reply::json(200, simple_page(vec![api("api-1", "orders")], 1, 1, 3, 3, false)),
        _ => Reply::json(403, error_body(403, &r.path)),
    })
    .await;
    let client = client_for(&server);
    let results: Vec<Result<models::Api, Error<ErrorResponse>>> =
        client.list_apis_all(Some(1), None, None, None, None, None, None, None).collect().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().map(|a| a.id.as_str()).ok(), Some("api-1"));
    let err = results[1].as_ref().expect_err("page 2 is refused");
    assert_eq!(err.api().and_then(|a| a.parsed.clone()), Some(expected_error(403, "/apis")));
    assert_eq!(server.take().len(), 2, "nothing after the error");
}

#[tokio::test]
async fn job_streams_walk_their_pages() {
    let server = MockServer::start(|r: &Recorded| {
        let page: u32 = query_value(r, "page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let status = if r.path == "/runningJobs" { "RUNNING" } else { "COMPLETED" };
        Reply::json(200, simple_page(vec![job(&format!("{}-{page}", &r.path[1..]), status)], 1, page, 2, 2, page == 2))
    })
    .await;
    let client = client_for(&server);
    let sort = strings(&["startTime,desc"]);

    let running: Vec<models::Job> = client.list_running_jobs_all(Some(1), Some(&sort)).try_collect().await.expect("running");
    assert_eq!(running.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), ["runningJobs-1", "runningJobs-2"]);
    let pages: Vec<models::JobPage> = client.list_running_jobs_pages(None, None).try_collect().await.expect("running pages");
    assert_eq!(pages.iter().map(|p| (p.number, p.last)).collect::<Vec<_>>(), [(1, false), (2, true)]);
    let history: Vec<models::Job> = client.list_job_history_all(Some(1), Some(&sort)).try_collect().await.expect("history");
    assert_eq!(history.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), ["jobs-1", "jobs-2"]);
    let pages: Vec<models::JobPage> = client.list_job_history_pages(Some(1), None).try_collect().await.expect("history pages");
    assert_eq!(pages.iter().map(|p| p.content[0].additional_properties["status"].clone()).collect::<Vec<_>>(), [json!("COMPLETED"), json!("COMPLETED")]);

    let requests: Vec<(String, Option<String>)> = server.take().into_iter().map(|r| (r.path, r.query)).collect();
    let expected: Vec<(String, Option<String>)> = [
        ("/runningJobs", "page=1&size=1&sort=startTime%2Cdesc"),
        ("/runningJobs", "page=2&size=1&sort=startTime%2Cdesc"),
        ("/runningJobs", "page=1"),
        ("/runningJobs", "page=2"),
        ("/jobs", "page=1&size=1&sort=startTime%2Cdesc"),
        ("/jobs", "page=2&size=1&sort=startTime%2Cdesc"),
        ("/jobs", "page=1&size=1"),
        ("/jobs", "page=2&size=1"),
    ]
    .into_iter()
    .map(|(p, q)| (p.to_owned(), Some(q.to_owned())))
    .collect();
    assert_eq!(requests, expected);
}

// ------------------------------------------------------------------ token source

/// The crate docs' token source: `login_with_headers` through a client without
/// credentials, the token read from the answer's Authorization header.
fn session(login: Client, idle: Duration) -> impl TokenSource {
    let password = PASSWORD.to_owned();
    move || {
        let (login, password) = (login.clone(), password.clone());
        async move {
            let body = LoginRequest { username: USERNAME.into(), password };
            let ((), headers) = login.login_with_headers(&body).await?;
            let token = Token::from_header(&headers, "authorization")
                .ok_or_else(|| TokenError::new("the login answer has no Authorization header"))?;
            Ok::<_, TokenError>(token.idle_timeout(idle))
        }
    }
}

/// A Control Plane with sessions: each login issues `session-N`; requests with the
/// current session succeed, any other token is answered 401.
#[derive(Default)]
struct Sessions {
    issued: usize,
    current: Option<String>,
    /// Refuse every token, even a fresh one.
    refuse_all: bool,
}

async fn session_server() -> (MockServer, Arc<Mutex<Sessions>>) {
    let sessions = Arc::new(Mutex::new(Sessions::default()));
    let state = sessions.clone();
    let server = MockServer::start(move |r: &Recorded| {
        let mut state = state.lock().expect("state");
        if r.path == "/login" {
            if r.json() != json!({"username": USERNAME, "password": PASSWORD}) {
                return Reply::json(401, error_body(401, "/login"));
            }
            state.issued += 1;
            let token = format!("session-{}-{TOKEN}", state.issued);
            state.current = Some(token.clone());
            return Reply::raw(200, "").with_header("authorization", format!("Bearer {token}"));
        }
        let valid = state.current.as_ref().is_some_and(|t| r.header("authorization") == format!("Bearer {t}"));
        if state.refuse_all || !valid {
            return Reply::json(401, error_body(401, &r.path));
        }
        controlplane(r)
    })
    .await;
    (server, sessions)
}

/// The path and bearer token (`-` for none) of each request, for exact comparisons.
fn trace(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let token = r.header("authorization").strip_prefix("Bearer ").map(|t| t.split('-').take(2).collect::<Vec<_>>().join("-"));
            format!("{} {} {}", r.method, r.path, token.as_deref().unwrap_or("-"))
        })
        .collect()
}

#[tokio::test]
async fn a_login_session_is_fetched_once_shared_by_clones_and_renewed_once_after_a_401() {
    let (server, sessions) = session_server().await;
    let login = Client::new(config_for(&server)).expect("login client");
    let config = config_for(&server).token_source(session(login, Duration::from_secs(3600)));
    let client = Client::new(config.clone()).expect("client");

    // Three requests at once and more after them, on the client and on a clone: one login.
    let (a, b, c) = boomi_controlplane::runtime::futures::join!(client.get_api(API_ID), client.list_job_history(None, None, None), client.logout());
    a.expect("get");
    b.expect("history");
    c.expect("logout");
    let clone = client.clone();
    clone.get_api(API_ID).await.expect("get through the clone");
    client.delete_api(API_ID).await.expect("delete");
    let requests = server.take();
    assert_eq!(requests.iter().filter(|r| r.path == "/login").count(), 1, "{:?}", trace(&requests));
    assert_eq!(trace(&requests[..1]), ["POST /login -"], "the login comes first and carries no token");
    assert_eq!(requests.len(), 6);
    assert!(trace(&requests[1..]).iter().all(|t| t.ends_with(" session-1")), "{:?}", trace(&requests));

    // The session ends on the server: the next request is answered 401, the client
    // logs in once more and sends that same request again, which succeeds; the clone
    // then uses the new session without a login of its own.
    sessions.lock().expect("state").current = None;
    let updated = clone.update_api(API_ID, &ApiInput { name: "orders-v2".into(), ..Default::default() }).await.expect("renewed and retried");
    assert_eq!(updated.name, "orders-v2");
    client.get_api(API_ID).await.expect("the new session");
    let requests = server.take();
    assert_eq!(
        trace(&requests),
        [format!("PUT /apis/{API_ID} session-1"), "POST /login -".into(), format!("PUT /apis/{API_ID} session-2"), format!("GET /apis/{API_ID} session-2")]
    );
    assert_eq!(requests[0].body, requests[2].body, "the retried request is the same request");
    assert_eq!(sessions.lock().expect("state").issued, 2);

    // Refused again right after a fresh login: that 401 is the answer, no loop.
    sessions.lock().expect("state").refuse_all = true;
    let err = client.get_api(API_ID).await.expect_err("a second 401 in a row");
    assert_eq!(trace(&server.take()), [format!("GET /apis/{API_ID} session-2"), "POST /login -".into(), format!("GET /apis/{API_ID} session-3")]);
    let Error::Api(api) = &err else { panic!("expected the declared 401, got {err:?}") };
    assert_eq!(api.parsed, Some(expected_error(401, &format!("/apis/{API_ID}"))));

    // Another client built from the same configuration has a session of its own.
    sessions.lock().expect("state").refuse_all = false;
    let other = Client::new(config.clone()).expect("client");
    other.get_api(API_ID).await.expect("own session");
    assert_eq!(trace(&server.take()), ["POST /login -".to_owned(), format!("GET /apis/{API_ID} session-4")]);

    // No token and no password in any Debug or error text.
    let texts = [format!("{client:?}"), format!("{clone:?}"), format!("{config:?}"), format!("{err}"), format!("{err:?}")];
    for text in &texts {
        assert!(!text.contains(TOKEN) && !text.contains("session-") && !text.contains(PASSWORD), "a secret leaked: {text}");
    }
}

/// Several requests in flight when the session ends: all are answered 401, and one
/// login serves them all; a download streamed through the session is renewed the same way.
#[tokio::test]
async fn concurrent_401s_share_one_renewal() {
    let (server, sessions) = session_server().await;
    let login = Client::new(config_for(&server)).expect("login client");
    let client = Client::new(config_for(&server).token_source(session(login, Duration::from_secs(3600)))).expect("client");
    client.get_api(API_ID).await.expect("first session");
    server.take();

    sessions.lock().expect("state").current = None;
    let clone = client.clone();
    let (a, b, c, d) = boomi_controlplane::runtime::futures::join!(
        client.get_api(API_ID),
        clone.list_apis(None, None, None, None, None, None, None, None, None),
        client.delete_api_image(API_ID),
        clone.deploy_api(ENV_ID, API_ID),
    );
    a.expect("get");
    b.expect("list");
    c.expect("delete image");
    d.expect("deploy");
    let requests = server.take();
    let logins = requests.iter().filter(|r| r.path == "/login").count();
    assert_eq!(logins, 1, "{:?}", trace(&requests));
    assert_eq!(requests.len(), 9, "4 refused, 1 login, 4 sent again: {:?}", trace(&requests));
    assert_eq!(sessions.lock().expect("state").issued, 2);

    sessions.lock().expect("state").current = None;
    let chunks: Vec<_> = client.download_api_image_stream(API_ID).await.expect("renewed").try_collect().await.expect("chunks");
    assert_eq!(chunks.concat(), PNG);
    let image_path = format!("/apis/{API_ID}/image");
    assert_eq!(trace(&server.take()), [format!("GET {image_path} session-2"), "POST /login -".into(), format!("GET {image_path} session-3")]);
}

#[tokio::test]
async fn a_refused_login_fails_the_request_without_sending_it_or_leaking_the_password() {
    let server = MockServer::start(|r: &Recorded| Reply::json(401, error_body(401, &r.path))).await;
    let login = Client::new(config_for(&server)).expect("login client");
    let client = Client::new(config_for(&server).token_source(session(login, Duration::from_secs(3600)))).expect("client");
    let err = client.get_api(API_ID).await.expect_err("no session");
    let Error::InvalidRequest(message) = &err else { panic!("expected InvalidRequest, got {err:?}") };
    // The Control Plane's own reason, through login_with_headers' declared 401.
    assert_eq!(message, "could not get an access token: HTTP 401: missing or invalid token");
    assert_eq!(trace(&server.take()), ["POST /login -"], "only the login was sent");
    assert!(!format!("{err} {err:?} {client:?}").contains(PASSWORD));
    // The next request asks the source again.
    client.get_api(API_ID).await.expect_err("still no session");
    assert_eq!(trace(&server.take()), ["POST /login -"]);
}

/// The session lives on while it is used (`idle_timeout`): each answer extends it, and
/// after idling past its renewal point it is renewed before the next request. The idle
/// time is 3 s, so it is renewed 1.5 s after the last use (half the lifetime, as it is
/// shorter than twice the 60 s margin).
#[tokio::test]
async fn an_idle_session_is_kept_while_used_and_renewed_after_idling() {
    let (server, _sessions) = session_server().await;
    let login = Client::new(config_for(&server)).expect("login client");
    let client = Client::new(config_for(&server).token_source(session(login, Duration::from_secs(3)))).expect("client");
    for _ in 0..3 {
        client.get_api(API_ID).await.expect("in session");
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    // 3 s after the first use (its whole idle time), 1 s after the last: still the
    // first session, kept alive by the uses in between.
    client.get_api(API_ID).await.expect("in session");
    assert_eq!(server.take().iter().filter(|r| r.path == "/login").count(), 1);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    client.get_api(API_ID).await.expect("renewed session");
    assert_eq!(trace(&server.take()), ["POST /login -".to_owned(), format!("GET /apis/{API_ID} session-2")]);
}

// ------------------------------------------------------------------ waiting for a job

/// `listRunningJobs` lists the deployment for its first `running_polls` answers.
async fn jobs_server(running_polls: usize) -> (MockServer, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let count = polls.clone();
    let server = MockServer::start(move |r: &Recorded| {
        if r.path == "/runningJobs" {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let mut running = vec![job(OTHER_JOB_ID, "RUNNING")];
            if n <= running_polls {
                running.push(job(JOB_ID, "RUNNING"));
            }
            let total = running.len() as u64;
            return Reply::json(200, simple_page(running, 10, 1, 1, total, true));
        }
        controlplane(r)
    })
    .await;
    (server, polls)
}

/// The crate docs' wait: poll the running jobs until the job is no longer among them.
fn wait_for_job<'a>(client: &'a Client, job: &'a models::Job, wait: Wait) -> impl Future<Output = Result<bool, WaitError<bool, Error<ErrorResponse>>>> + 'a {
    wait_until(
        wait,
        move || async move {
            let running: Vec<_> = client.list_running_jobs_all(None, None).try_collect().await?;
            Ok::<_, Error<_>>(running.iter().any(|j| j.id == job.id))
        },
        |still_running: &bool| !still_running,
    )
}

#[tokio::test]
async fn a_deployment_is_waited_for_until_it_leaves_the_running_jobs() {
    let (server, polls) = jobs_server(2).await;
    let client = client_for(&server);
    let job = client.deploy_api(ENV_ID, API_ID).await.expect("deploy");
    assert_eq!(job.id, JOB_ID);
    let started = std::time::Instant::now();
    let still_running = wait_for_job(&client, &job, Wait::new(Duration::from_millis(10), Duration::from_secs(10))).await.expect("finished");
    assert!(!still_running);
    assert_eq!(polls.load(Ordering::SeqCst), 3, "listed on polls 1 and 2, gone on 3");
    assert!(started.elapsed() >= Duration::from_millis(20), "two intervals between three polls");
    let requests = server.take();
    assert_eq!(requests.len(), 4);
    assert_request(&requests[0], "PUT", &format!("/environments/{ENV_ID}/apis/{API_ID}"), None, None);
    for r in &requests[1..] {
        assert_request(r, "GET", "/runningJobs", Some("page=1"), None);
    }
}

#[tokio::test]
async fn a_deployment_that_never_finishes_times_out_with_the_attempts() {
    let (server, polls) = jobs_server(usize::MAX).await;
    let client = client_for(&server);
    let job = client.deploy_api(ENV_ID, API_ID).await.expect("deploy");
    let err = wait_for_job(&client, &job, Wait::new(Duration::from_millis(10), Duration::from_millis(150))).await.expect_err("never finishes");
    let WaitError::TimedOut { elapsed, attempts, last } = &err else { panic!("expected a timeout, got {err:?}") };
    assert!(*last, "the last poll still listed the job");
    assert!(*elapsed >= Duration::from_millis(150), "{elapsed:?}");
    assert_eq!(*attempts as usize, polls.load(Ordering::SeqCst), "one request per attempt");
    assert!(*attempts >= 3, "10 ms apart for 150 ms: {attempts}");
    assert_eq!(err.to_string(), format!("still not finished after {:.1} s and {attempts} poll(s)", elapsed.as_secs_f64()));
    assert_eq!(server.take().len(), 1 + *attempts as usize);

    // A failing poll ends the wait with its error.
    let failing = MockServer::start(|r: &Recorded| Reply::json(403, error_body(403, &r.path))).await;
    let err = wait_for_job(&client_for(&failing), &job, Wait::new(Duration::from_millis(10), Duration::from_secs(10))).await.expect_err("refused");
    let Some(Error::Api(api)) = err.poll_error() else { panic!("expected the poll's 403, got {err:?}") };
    assert_eq!(api.parsed, Some(expected_error(403, "/runningJobs")));
    assert_eq!(failing.take().len(), 1);
}

// ------------------------------------------------------------------ Prism

/// What went wrong with one call, with Prism's own verdict (`sl-violations`).
fn describe<E: std::fmt::Debug>(operation: &str, err: &Error<E>) -> String {
    let violations = err
        .api()
        .and_then(|api| api.headers.get("sl-violations"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    format!("{operation}: {err}\n    violations: {violations}\n    detail: {err:?}")
}

fn start_prism(extra: &[&str], name: &str) -> Prism {
    let spec = workspace_root().join("spec/controlplane.yaml");
    Prism::start(&spec, extra, std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-controlplane-{name}.log")))
}

/// A client that logs in to Prism with the crate docs' token source (Prism answers the
/// spec's example `Authorization` header) and sends that token.
fn prism_client(prism: &Prism) -> Client {
    let login = Client::new(Client::config("acme", "us-east-1").base_url(prism.url())).expect("login client");
    Client::new(Client::config("acme", "us-east-1").base_url(prism.url()).token_source(session(login, Duration::from_secs(3600))))
        .expect("client")
}

async fn run_against_prism(extra: &[&str], name: &str, paging: bool) {
    let prism = start_prism(extra, name);
    let client = prism_client(&prism);
    let results = call_every_operation(&client).await;
    assert_eq!(results.len(), 14, "every operation of the spec is called");
    let mut failures: Vec<String> = results.iter().filter_map(|(op, result)| result.as_ref().err().map(|err| describe(op, err))).collect();
    // The token source's login, then one request per call.
    let mut requests = 1 + results.len();
    if paging {
        // Prism's static SimplePage says `last: false` and `totalPages: 5`: five pages each.
        let apis: Result<Vec<_>, _> = client.list_apis_all(Some(10), None, Some("petstore"), None, None, None, None, None).try_collect().await;
        let running: Result<Vec<_>, _> = client.list_running_jobs_pages(Some(10), None).try_collect().await;
        let history: Result<Vec<_>, _> = client.list_job_history_all(None, None).try_collect().await;
        for (stream, count) in [("listApis pages", apis.map(|a| a.len())), ("listRunningJobs pages", running.map(|p| p.len())), ("listJobHistory pages", history.map(|h| h.len()))] {
            match count {
                Ok(5) => requests += 5,
                Ok(other) => failures.push(format!("{stream}: {other} items or pages, expected 5")),
                Err(err) => failures.push(describe(stream, &err)),
            }
        }
    }
    assert!(failures.is_empty(), "{} calls failed against Prism ({name}; log at {}):\n{}", failures.len(), prism.log.display(), failures.join("\n"));
    let (passed, refused) = prism.verdicts();
    assert_eq!(passed, requests, "Prism validated {passed} of {requests} requests:\n{}", prism.log_text());
    assert!(!refused, "{}", prism.log_text());
}

/// Every operation (and the paging streams) against Prism with static examples: every
/// request matches the spec, every answer decodes.
#[tokio::test]
async fn prism_validates_every_request_and_static_answers_decode() {
    run_against_prism(&[], "static", true).await;
}

/// Schema-generated answers (seeded, so a failure reproduces) decode too.
#[tokio::test]
async fn prism_dynamic_answers_decode() {
    run_against_prism(&["-d", "--seed", "20261201"], "dynamic", false).await;
}

/// The control: Prism does reject requests the spec forbids, so the tests above can fail.
#[tokio::test]
async fn prism_rejects_invalid_requests() {
    let prism = start_prism(&[], "control");
    let client = prism_client(&prism);

    // createApi without `name`, built by hand.
    let transport = client.transport();
    let response = transport
        .send::<()>(transport.request(Method::POST, "/apis").json(&json!({"displayName": "No name"})))
        .await
        .expect("an answer");
    assert_eq!(response.status(), 400);
    let violations = response.headers().get("sl-violations").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(violations.contains("required property 'name'"), "{violations}");

    // An id that is not a UUID, through the generated client.
    let err = client.get_api(NASTY_ID).await.expect_err("not a UUID");
    assert_eq!(err.status(), Some(422), "{err:?}");

    // An upload without the `file` part.
    let err = client.upload_api_image(API_ID, Multipart::new().file("logo", "logo.png", "image/png", PNG.to_vec())).await.expect_err("no file part");
    let Error::Api(api) = &err else { panic!("expected the declared 400, got {err:?}") };
    let violations = api.headers.get("sl-violations").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(violations.contains("'file'"), "{violations}");

    // No token.
    let unauthenticated = Client::new(Client::config("acme", "us-east-1").base_url(prism.url())).expect("client");
    let err = unauthenticated.get_api(API_ID).await.expect_err("no credentials");
    assert!(matches!(&err, Error::Api(api) if api.status == 401), "{err:?}");
    let (_, refused) = prism.verdicts();
    assert!(refused, "Prism's log shows the refusals:\n{}", prism.log_text());
}


#[test]
fn the_spec_server_url_is_filled_with_tenant_and_region() {
    let client = Client::new(Client::config("acme", "us-east-1")).expect("config");
    assert_eq!(client.transport().base_url(), "https://acme.backend.us-east-1.controlplane.boomi.com");
    assert_eq!(Client::SERVER_URL, "https://{tenant}.backend.{region}.controlplane.boomi.com");
}
