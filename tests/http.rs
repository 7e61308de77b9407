//! The generated Boomi client over real HTTP on loopback: every operation, the request
//! it sends and the response it decodes; declared and undeclared error statuses; enum
//! values the spec does not list.

use boomi_platform::filters::{DeployedPackageFilter, DeployedPackageProperty, ProcessFilter, ProcessProperty};
use boomi_platform::models::{self, AtomStatus, EnvironmentInputClassification};
use boomi_platform::{Client, Error};
use serde_json::{Value, json};
use test_support::{MockServer, Recorded, Reply};

const ACCOUNT: &str = "acct-1";
const USER: &str = "BOOMI_TOKEN.ci-bot@example.com";
const TOKEN: &str = "s3cret-token-value";
/// An id with every character that must stay inside its path segment.
const NASTY_ID: &str = "a/b?c#d%e f";
const NASTY_SEGMENT: &str = "a%2Fb%3Fc%23d%25e%20f";

fn process() -> Value {
    json!({"id": "p1", "name": "Orders", "type": "process", "folderId": "f1", "deleted": false,
           "currentVersion": "3", "createdDate": "2024-01-02T03:04:05Z", "modifiedDate": "2024-02-03T04:05:06.789Z"})
}
fn environment() -> Value {
    json!({"id": "e1", "name": "TEST", "classification": "TEST", "createdDate": "2024-01-02T03:04:05Z"})
}
fn deployed_package() -> Value {
    json!({"deploymentId": "d1", "environmentId": "e1", "packageId": "pk1", "componentId": "c1",
           "componentType": "process", "deployedDate": "2024-01-02T03:04:05Z", "active": true})
}
fn atom(status: &str) -> Value {
    json!({"id": "a1", "name": "Cloud atom", "status": status, "type": "CLOUD", "hostName": "host-1",
           "currentVersion": "24.10.0", "dateInstalled": "2023-05-06T07:08:09Z"})
}
fn packaged_component() -> Value {
    json!({"packageId": "pk1", "componentId": "c1", "componentVersion": "2", "componentType": "process",
           "packageVersion": "1.2", "createdDate": "2024-01-02T03:04:05Z"})
}
fn schedules() -> Value {
    json!({"id": "s1", "atomId": "a1", "processId": "p1",
           "schedule": {"minutes": "0-59/15", "hours": "8-18", "daysOfWeek": "2,3,4,5,6"}})
}
fn execution_record() -> Value {
    json!({"executionId": "x1", "processId": "p1", "atomId": "a1", "status": "COMPLETE",
           "executionTime": "2024-01-02T03:04:05Z", "duration": 1200, "message": "ok"})
}
fn page(item: Value) -> Value {
    json!({"numberOfResults": 1, "result": [item]})
}

/// Answers like the Boomi API would, by object type and path shape; ids starting with
/// `status-` answer that status instead.
fn boomi(request: &Recorded) -> Reply {
    let prefix = format!("/api/rest/v1/{ACCOUNT}/");
    let Some(rest) = request.path.strip_prefix(&prefix) else {
        return Reply::raw(599, "wrong prefix");
    };
    let mut parts = rest.splitn(2, '/');
    let object = parts.next().unwrap_or_default();
    let tail = parts.next();
    if let Some(status) = tail.and_then(|t| t.strip_prefix("status-")) {
        let status: u16 = status.parse().unwrap_or(599);
        return match status {
            500 => Reply::raw(500, "<html>internal error</html>"),
            _ => Reply::json(status, json!({"message": format!("failed with {status}"), "code": status})),
        };
    }
    if request.method == "DELETE" {
        return Reply::raw(200, "");
    }
    let item = match object {
        "Process" => process(),
        "Environment" => environment(),
        "DeployedPackage" => deployed_package(),
        "Atom" => atom(if tail == Some("unknown-status") { "MAINTENANCE" } else { "ONLINE" }),
        "PackagedComponent" => packaged_component(),
        "ProcessSchedules" => schedules(),
        "ExecutionRecord" => execution_record(),
        "ExecutionRequest" => json!({"requestId": "r1", "status": "PENDING"}),
        _ => return Reply::raw(598, "unknown object"),
    };
    if tail == Some("query") {
        Reply::json(200, page(item))
    } else {
        Reply::json(200, item)
    }
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start(boomi).await;
    let config = Client::config(ACCOUNT)
        .base_url(format!("{}/api/rest/v1/{{accountId}}", server.url()))
        .basic_auth(USER, TOKEN)
        .user_agent("boomi-tests/1.0")
        .retry(client_runtime::RetryPolicy::default().initial_delay(std::time::Duration::from_millis(5)));
    let client = Client::new(config).expect("valid config");
    (server, client)
}

/// Checks method, path, auth and accept headers, and the JSON body if one is expected.
#[track_caller]
fn assert_request(r: &Recorded, method: &str, path: &str, body: Option<Value>) {
    assert_eq!(r.method, method, "method of {path}");
    assert_eq!(r.path, format!("/api/rest/v1/{ACCOUNT}{path}"));
    let expected_auth = format!("Basic {}", base64(&format!("{USER}:{TOKEN}")));
    assert_eq!(r.header("authorization"), expected_auth);
    assert_eq!(r.header("accept"), "application/json");
    assert_eq!(r.header("user-agent"), "boomi-tests/1.0");
    match body {
        Some(body) => {
            assert!(r.header("content-type").starts_with("application/json"), "content type {:?}", r.header("content-type"));
            assert_eq!(r.json(), body, "request body of {method} {path}");
        }
        None => assert!(r.body.is_empty(), "{method} {path} sent a body"),
    }
}

/// Standard base64, written here so the test does not share code with the runtime.
fn base64(input: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn date(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("test date")
}

#[tokio::test]
async fn process_operations() {
    let (server, client) = setup().await;
    let input = models::ProcessInput { name: Some("Orders".into()), folder_id: Some("f1".into()) };

    let created = client.create_process(&input).await.expect("create");
    assert_request(&server.single(), "POST", "/Process", Some(json!({"name": "Orders", "folderId": "f1"})));
    assert_eq!(created.id.as_deref(), Some("p1"));
    assert_eq!(created.r#type.as_deref(), Some("process"));
    assert_eq!(created.created_date, Some(date("2024-01-02T03:04:05Z")));
    assert_eq!(created.modified_date, Some(date("2024-02-03T04:05:06.789Z")));

    let got = client.get_process(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/Process/{NASTY_SEGMENT}"), None);
    assert_eq!(got, created);

    let updated = client.update_process("p1", &models::ProcessInput { name: Some("Renamed".into()), ..Default::default() }).await.expect("update");
    assert_request(&server.single(), "POST", "/Process/p1", Some(json!({"name": "Renamed"})));
    assert_eq!(updated.folder_id.as_deref(), Some("f1"));

    client.delete_process(NASTY_ID).await.expect("delete with an empty 200");
    assert_request(&server.single(), "DELETE", &format!("/Process/{NASTY_SEGMENT}"), None);

    let filter = ProcessFilter::and([ProcessProperty::Name.like("Ord%"), ProcessProperty::FolderId.equals("f1")]);
    let page = client.query_processes(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Process/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": [
            {"argument": ["Ord%"], "operator": "LIKE", "property": "name"},
            {"argument": ["f1"], "operator": "EQUALS", "property": "folderId"}
        ]}}})),
    );
    assert_eq!(page.number_of_results, Some(1));
    assert_eq!(page.result.unwrap_or_default()[0].name.as_deref(), Some("Orders"));
}

#[tokio::test]
async fn execution_operations() {
    let (server, client) = setup().await;
    let request = models::ExecutionRequest {
        atom_id: "a1".into(),
        process_id: "p1".into(),
        process_properties: Some(vec![models::ExecutionRequestProcessPropertiesItem { name: Some("env".into()), value: Some("test".into()) }]),
    };
    let result = client.execute_process(&request).await.expect("execute");
    assert_request(
        &server.single(),
        "POST",
        "/ExecutionRequest",
        Some(json!({"atomId": "a1", "processId": "p1", "processProperties": [{"name": "env", "value": "test"}]})),
    );
    assert_eq!(result.request_id.as_deref(), Some("r1"));

    let filter = boomi_platform::filters::ExecutionRecordFilter::or([
        boomi_platform::filters::ExecutionRecordProperty::Status.equals("ERROR"),
        boomi_platform::filters::ExecutionRecordProperty::Status.equals("ABORTED"),
    ]);
    let page = client.query_execution_records(&filter.into()).await.expect("query records");
    let sent = server.single();
    assert_request(&sent, "POST", "/ExecutionRecord/query", Some(sent.json()));
    assert_eq!(sent.json()["QueryFilter"]["expression"]["operator"], "OR");
    let record = &page.result.unwrap_or_default()[0];
    assert_eq!(record.status, Some(models::ExecutionRecordStatus::Complete));
    assert_eq!(record.duration, Some(1200));
}

#[tokio::test]
async fn environment_operations() {
    let (server, client) = setup().await;
    let created = client
        .create_environment(&models::EnvironmentInput { name: "TEST".into(), classification: EnvironmentInputClassification::Test })
        .await
        .expect("create");
    assert_request(&server.single(), "POST", "/Environment", Some(json!({"name": "TEST", "classification": "TEST"})));
    assert_eq!(created.classification, Some(models::EnvironmentClassification::Test));

    client.get_environment("e1").await.expect("get");
    assert_request(&server.single(), "GET", "/Environment/e1", None);
    client.delete_environment("e1").await.expect("delete");
    assert_request(&server.single(), "DELETE", "/Environment/e1", None);

    let filter = boomi_platform::filters::EnvironmentFilter::and([boomi_platform::filters::EnvironmentProperty::Classification.not_equals("PRODUCTION")]);
    let page = client.query_environments(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Environment/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": [
            {"argument": ["PRODUCTION"], "operator": "NOT_EQUALS", "property": "classification"}]}}})),
    );
    assert_eq!(page.result.map(|r| r.len()), Some(1));
}

#[tokio::test]
async fn deployment_operations() {
    let (server, client) = setup().await;
    let deployed = client
        .create_deployed_package(&models::DeployedPackageInput { environment_id: "e1".into(), package_id: "pk1".into(), notes: None })
        .await
        .expect("deploy");
    assert_request(&server.single(), "POST", "/DeployedPackage", Some(json!({"environmentId": "e1", "packageId": "pk1"})));
    assert_eq!(deployed.active, Some(true));

    client.get_deployed_package("d1").await.expect("get");
    assert_request(&server.single(), "GET", "/DeployedPackage/d1", None);
    client.delete_deployed_package("d1").await.expect("undeploy");
    assert_request(&server.single(), "DELETE", "/DeployedPackage/d1", None);

    let filter = DeployedPackageFilter::and([
        DeployedPackageProperty::EnvironmentId.equals("e1"),
        DeployedPackageProperty::ComponentType.equals("process"),
        DeployedPackageProperty::Active.equals("true"),
    ]);
    let page = client.query_deployed_packages(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/DeployedPackage/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": [
            {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"},
            {"argument": ["process"], "operator": "EQUALS", "property": "componentType"},
            {"argument": ["true"], "operator": "EQUALS", "property": "active"}]}}})),
    );
    assert_eq!(page.result.unwrap_or_default()[0].package_id.as_deref(), Some("pk1"));

    let package = client
        .create_packaged_component(&models::PackagedComponentInput {
            component_id: "c1".into(),
            component_version: "2".into(),
            package_version: Some("1.2".into()),
            notes: Some("release".into()),
        })
        .await
        .expect("package");
    assert_request(
        &server.single(),
        "POST",
        "/PackagedComponent",
        Some(json!({"componentId": "c1", "componentVersion": "2", "packageVersion": "1.2", "notes": "release"})),
    );
    assert_eq!(package.package_version.as_deref(), Some("1.2"));
    client.get_packaged_component("pk1").await.expect("get package");
    assert_request(&server.single(), "GET", "/PackagedComponent/pk1", None);
}

#[tokio::test]
async fn atom_and_schedule_operations() {
    let (server, client) = setup().await;
    let atom = client.get_atom("a1").await.expect("get");
    assert_request(&server.single(), "GET", "/Atom/a1", None);
    assert_eq!(atom.status, Some(AtomStatus::Online));
    assert_eq!(atom.r#type, Some(models::AtomType::Cloud));

    client.update_atom("a1", &models::AtomInput { name: Some("renamed".into()), purge_history_days: Some(30) }).await.expect("update");
    assert_request(&server.single(), "POST", "/Atom/a1", Some(json!({"name": "renamed", "purgeHistoryDays": 30})));
    client.delete_atom("a1").await.expect("delete");
    assert_request(&server.single(), "DELETE", "/Atom/a1", None);

    let filter = boomi_platform::filters::AtomFilter::and([boomi_platform::filters::AtomProperty::Status.equals("ONLINE")]);
    client.query_atoms(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Atom/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": [
            {"argument": ["ONLINE"], "operator": "EQUALS", "property": "status"}]}}})),
    );

    let got = client.get_process_schedules("s1").await.expect("get schedules");
    assert_request(&server.single(), "GET", "/ProcessSchedules/s1", None);
    // `schedule` is `additionalProperties: true`: every key is kept, and sent back.
    let schedule = got.schedule.clone().expect("schedule");
    assert_eq!(schedule.get("daysOfWeek"), Some(&json!("2,3,4,5,6")));
    client.update_process_schedules("s1", &got).await.expect("update schedules");
    assert_request(&server.single(), "POST", "/ProcessSchedules/s1", Some(schedules()));
}

#[tokio::test]
async fn declared_error_statuses_decode_the_error_body() {
    let (server, client) = setup().await;
    for status in [400u16, 401, 404] {
        let err = match status {
            400 => client.update_process(&format!("status-{status}"), &models::ProcessInput::default()).await.map(drop),
            _ => client.get_process(&format!("status-{status}")).await.map(drop),
        }
        .expect_err("an error status");
        let Error::Api(api) = &err else { panic!("declared {status} should be Error::Api, got {err:?}") };
        assert_eq!(api.status, status);
        let parsed = api.parsed.as_ref().expect("ErrorResponse decoded");
        assert_eq!(parsed.message.as_deref(), Some(format!("failed with {status}").as_str()));
        assert_eq!(parsed.code, Some(i64::from(status)));
        assert_eq!(err.status(), Some(status));
        assert!(err.to_string().contains(&format!("failed with {status}")), "{err}");
    }
    server.take();
}

#[tokio::test]
async fn undeclared_statuses_keep_status_and_raw_body() {
    let (server, client) = setup().await;
    // 500 is not declared for getProcess; 404 is not declared for createProcess.
    let err = client.get_process("status-500").await.expect_err("500");
    let Error::UnexpectedStatus(api) = &err else { panic!("expected UnexpectedStatus, got {err:?}") };
    assert_eq!(api.status, 500);
    assert_eq!(api.text(), "<html>internal error</html>");
    assert!(api.parsed.is_none());
    // A GET is idempotent: the 500 was retried up to the default 4 attempts.
    assert_eq!(server.take().len(), 4);
}

#[tokio::test]
async fn enum_values_the_spec_does_not_list_are_kept() {
    let (server, client) = setup().await;
    let atom = client.get_atom("unknown-status").await.expect("decodes despite the unknown status");
    server.take();
    assert_eq!(atom.status, Some(AtomStatus::UnknownValue("MAINTENANCE".into())));
    assert_eq!(atom.status.as_ref().map(AtomStatus::as_str), Some("MAINTENANCE"));
    // And it goes back out unchanged.
    let back = serde_json::to_value(&atom).expect("serialise");
    assert_eq!(back["status"], "MAINTENANCE");
}

#[tokio::test]
async fn a_decoding_failure_names_the_field() {
    let server = MockServer::start(|_| Reply::json(200, json!({"result": [{"id": "p1"}, {"id": 5}]}))).await;
    let client = Client::new(Client::config(ACCOUNT).base_url(server.url())).expect("config");
    let err = client.query_processes(&models::QueryRequest::default()).await.expect_err("id 5 is not a string");
    let Error::Decode { path, status, .. } = &err else { panic!("expected Decode, got {err:?}") };
    assert_eq!(path, "result[1].id");
    assert_eq!(*status, 200);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let (_server, client) = setup().await;
    let config = Client::config(ACCOUNT).basic_auth(USER, TOKEN);
    for text in [format!("{client:?}"), format!("{config:?}")] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(&base64(&format!("{USER}:{TOKEN}"))), "encoded token leaked: {text}");
    }
}

#[test]
fn filter_builders_produce_exactly_the_query_request_json() {
    let filter = ProcessFilter::or([
        ProcessProperty::Name.starts_with("Ord"),
        ProcessProperty::Id
            .compare(models::QueryRequestQueryFilterExpressionNestedExpressionItemOperator::NotEquals, ["p9"])
            .expect("NOT_EQUALS takes one argument"),
        // `property` is a free string in this spec: names it does not list are accepted.
        ProcessProperty::Other("integrationPackId".into()).equals("ip1"),
    ]);
    let request: models::QueryRequest = filter.into();
    assert_eq!(
        serde_json::to_value(&request).expect("serialise"),
        json!({"QueryFilter": {"expression": {"operator": "OR", "nestedExpression": [
            {"argument": ["Ord"], "operator": "STARTS_WITH", "property": "name"},
            {"argument": ["p9"], "operator": "NOT_EQUALS", "property": "id"},
            {"argument": ["ip1"], "operator": "EQUALS", "property": "integrationPackId"}]}}})
    );
}

#[test]
fn the_argument_count_is_checked_before_sending() {
    use models::QueryRequestQueryFilterExpressionNestedExpressionItemOperator as Op;
    let err = ProcessProperty::Name.compare(Op::Equals, ["a", "b"]).expect_err("EQUALS takes one");
    assert_eq!((err.operator.as_str(), err.expected, err.found), ("EQUALS", 1, 2));
    assert_eq!(err.to_string(), "operator EQUALS takes 1 argument(s), 2 given");
    // Operators the spec does not list are passed through unchecked.
    assert!(ProcessProperty::Name.compare(Op::UnknownValue("SOUNDS_LIKE".into()), ["x", "y"]).is_ok());
}

#[test]
fn the_spec_server_url_and_account_are_used_by_default() {
    let client = Client::new(Client::config("acct 7/x")).expect("config");
    assert_eq!(client.transport().base_url(), "https://api.boomi.com/api/rest/v1/acct%207%2Fx");
}
