//! The generated Boomi client over real HTTP on loopback: every operation, the request
//! it sends (method, path, headers, body) and the response it decodes; declared and
//! undeclared error statuses and the three error body shapes; retries; enum values the
//! spec does not list; lenient decoding of real ExecutionRecord shapes; the typed filter
//! builders; paging through queryMore; polling the async execution record.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use boomi_platform::filters::{
    AtomFilter, AtomProperty, ComponentMetadataFilter, ComponentMetadataProperty, DeployedPackageFilter,
    DeployedPackageProperty, EnvironmentAtomAttachmentFilter, EnvironmentAtomAttachmentProperty,
    EnvironmentExtensionsFilter, EnvironmentExtensionsProperty, EnvironmentProperty, ExecutionRecordFilter,
    ExecutionRecordProperty, PackagedComponentFilter, PackagedComponentProperty, ProcessFilter, ProcessProperty,
    ProcessScheduleStatusFilter, ProcessScheduleStatusProperty, ProcessSchedulesFilter, ProcessSchedulesProperty,
};
use boomi_platform::models::{self, AtomStatus};
use boomi_platform::{Client, Error};
use boomi_platform::runtime::futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use test_support::{MockServer, Recorded, Reply};

const ACCOUNT: &str = "acct-1";
const USER: &str = "BOOMI_TOKEN.ci-bot@example.com";
const TOKEN: &str = "s3cret-token-value";
/// An id with every character that must stay inside its path segment.
const NASTY_ID: &str = "a/b?c#d%e f";
const NASTY_SEGMENT: &str = "a%2Fb%3Fc%23d%25e%20f";
/// A queryToken as Boomi makes them: base64 with `/`, `+` and `=`, sent back verbatim.
const QUERY_TOKEN: &str = "EXAMPLE/query+token==";

// ------------------------------------------------------------------ fixtures

fn process() -> Value {
    json!({"@type": "Process", "id": "p1", "name": "Orders", "Description": "Order sync",
           "IntegrationPack": [{"@type": "IntegrationPackInfo", "integrationPackId": "ip1", "integrationPackInstanceId": "ipi1"}]})
}
fn environment() -> Value {
    json!({"@type": "Environment", "id": "e1", "name": "TEST", "classification": "TEST",
           "parentAccount": "parent-acct", "parentEnvironment": "pe1"})
}
fn environment_atom_attachment() -> Value {
    json!({"@type": "EnvironmentAtomAttachment", "id": "eaa1", "atomId": "a1", "environmentId": "e1"})
}
/// Every section of the object, each with the fields Boomi's spec gives it: a full
/// update resets whatever it does not carry, so a get-then-update must send all of it.
fn environment_extensions() -> Value {
    json!({
        "@type": "EnvironmentExtensions", "id": "e1", "environmentId": "e1", "extensionGroupId": "grp1", "partial": false,
        "connections": {"@type": "Connections", "connection": [{"@type": "Connection", "id": "conn1", "name": "DB", "field": [
            {"@type": "Field", "id": "url", "value": "jdbc:x", "useDefault": false, "usesEncryption": false,
             "encryptedValueSet": false, "componentOverride": false},
            {"@type": "Field", "id": "password", "useDefault": false, "usesEncryption": true, "encryptedValueSet": true,
             "componentOverride": true,
             "customProperties": {"properties": [{"key": "region", "value": "eu", "encrypted": false}]},
             "CloudManagedSecretConfig": {"usesRemoteSecretsManager": true, "secretsManagerType": "AWS", "secretReference": "arn:secret"}}
        ]}]},
        "operations": {"operation": [{"id": "op1", "name": "Get orders", "field": [{"id": "path", "value": "/orders", "useDefault": true}]}]},
        "tradingPartners": {"tradingPartner": [{"id": "tp1", "name": "ACME", "category": [
            {"id": "as2", "name": "AS2", "field": [{"id": "url", "value": "https://acme.example"}]}]}]},
        "sharedCommunications": {"sharedCommunication": [{"id": "sc1", "name": "AS2 channel", "type": "as2",
            "field": [{"id": "host", "value": "as2.example"}]}]},
        "crossReferences": {"crossReference": [{"id": "xr1", "name": "Codes", "overrideValues": true,
            "CrossReferenceRows": {"row": [{"ref1": "A", "ref2": "1"}, {"ref1": "B", "ref2": "2", "ref20": "z"}]}}]},
        "processProperties": {"ProcessProperty": [{"id": "pp1", "name": "Settings", "ProcessPropertyValue": [
            {"key": "k1", "label": "Key one", "value": "v1", "useDefault": false, "encryptedValueSet": false,
             "usesEncryption": false, "componentOverride": true, "validate": true}]}]},
        "properties": {"property": [{"name": "batch", "value": "50"}]},
        "PGPCertificates": {"PGPCertificate": [{"id": "pgp1", "value": "cert-id", "useDefault": false}]}
    })
}
fn deployed_package() -> Value {
    json!({"@type": "DeployedPackage", "deploymentId": "d1", "environmentId": "e1", "packageId": "pk1", "componentId": "c1",
           "componentType": "process", "deployedDate": "2024-01-02T03:04:05Z", "active": true, "version": 3,
           "packageVersion": "1.2", "componentVersion": "2.0", "deployedBy": "ci-bot@example.com", "notes": "CI build 42",
           "branchName": "main", "listenerStatus": "RUNNING", "message": "connection licenses exceeded"})
}
fn atom(status: &str) -> Value {
    json!({"@type": "Atom", "id": "a1", "name": "Cloud atom", "status": status, "type": "CLOUD", "hostName": "host-1",
           "currentVersion": "24.10.0", "dateInstalled": "2023-05-06T07:08:09Z", "capabilities": ["GATEWAY", "BROKER"],
           "cloudId": "cloud1", "cloudName": "US cloud", "cloudMoleculeId": "cm1", "cloudMoleculeName": "US molecule",
           "cloudOwnerName": "Boomi", "createdBy": "ci-bot@example.com", "forceRestartTime": "60000",
           "instanceId": "inst1", "isCloudAttachment": "true", "purgeHistoryDays": 30, "purgeImmediate": false,
           "statusDetail": "ONLINE_RUNNING"})
}
fn packaged_component() -> Value {
    json!({"@type": "PackagedComponent", "packageId": "pk1", "componentId": "c1", "componentVersion": "2.0",
           "componentType": "process", "packageVersion": "1.2", "createdDate": "2024-01-02T03:04:05Z",
           "createdBy": "ci-bot@example.com", "notes": "release", "deleted": "false", "shareable": true,
           "fullyPubliclyConsumable": false, "branchName": "main"})
}
fn component_metadata() -> Value {
    json!({"@type": "ComponentMetadata", "componentId": "c1", "version": "7", "name": "Orders", "type": "process",
           "subType": "", "createdDate": "2024-01-02T03:04:05Z", "createdBy": "a@example.com",
           "modifiedDate": "2024-02-03T04:05:06Z", "modifiedBy": "b@example.com", "deleted": "false",
           "currentVersion": "true", "folderId": "f1", "folderName": "Home", "copiedFromComponentId": "c0",
           "copiedFromComponentVersion": 4, "branchId": "b1", "branchName": "main"})
}
fn process_schedules() -> Value {
    json!({"@type": "ProcessSchedules", "id": "s1", "atomId": "a1", "processId": "p1",
           "Schedule": [{"@type": "Schedule", "minutes": "0-59/15", "hours": "8-18", "daysOfWeek": "2,3,4,5,6",
                         "daysOfMonth": "*", "months": "*", "years": "*"}],
           "Retry": {"@type": "ScheduleRetry", "Schedule": [{"minutes": "30", "hours": "*"}], "maxRetry": 5}})
}
fn process_schedule_status() -> Value {
    json!({"@type": "ProcessScheduleStatus", "id": "s1", "atomId": "a1", "processId": "p1", "enabled": "true"})
}
/// Shapes Boomi really sends: `["Long", n]` pairs, numbers as strings, `@type`.
fn execution_record() -> Value {
    json!({"@type": "ExecutionRecord", "executionId": "execution-1", "account": ACCOUNT,
           "executionTime": "2024-01-02T03:04:05Z", "status": "COMPLETE_WARN", "executionType": "exec_sched",
           "processName": "Orders", "processId": "p1", "atomName": "Cloud atom", "atomId": "a1",
           "inboundDocumentCount": "3", "inboundErrorDocumentCount": 0, "outboundDocumentCount": ["Integer", 2],
           "executionDuration": ["Long", 3832], "inboundDocumentSize": ["Long", "1024"], "outboundDocumentSize": "2048",
           "recordedDate": "2024-01-02T03:04:09Z", "launcherID": "", "nodeId": "node-1", "reportKey": "ci-bot@example.com",
           "originalExecutionId": "execution-0", "parentExecutionId": "execution-p", "topLevelExecutionId": "execution-t",
           "message": "2 documents with warnings"})
}
fn execution_request_result(request: &Value) -> Value {
    let mut echo = request.clone();
    echo["@type"] = json!("ExecutionRequest");
    echo["requestId"] = json!("executionrecord-1234");
    echo["recordUrl"] = json!(format!("https://api.boomi.com/api/rest/v1/{ACCOUNT}/ExecutionRecord/async/executionrecord-1234"));
    echo
}
fn item_for(object: &str) -> Option<Value> {
    Some(match object {
        "Process" => process(),
        "Environment" => environment(),
        "EnvironmentAtomAttachment" => environment_atom_attachment(),
        "EnvironmentExtensions" => environment_extensions(),
        "DeployedPackage" => deployed_package(),
        "Atom" => atom("ONLINE"),
        "PackagedComponent" => packaged_component(),
        "ComponentMetadata" => component_metadata(),
        "ProcessSchedules" => process_schedules(),
        "ProcessScheduleStatus" => process_schedule_status(),
        "ExecutionRecord" => execution_record(),
        _ => return None,
    })
}
fn page(items: Vec<Value>, token: Option<&str>) -> Value {
    let mut page = json!({"@type": "QueryResult", "numberOfResults": items.len(), "result": items});
    if let Some(token) = token {
        page["queryToken"] = json!(token);
    }
    page
}
/// The same JSON without Boomi's `@type` fields, which the models do not keep.
fn without_types(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(k, _)| k.as_str() != "@type").map(|(k, v)| (k.clone(), without_types(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_types).collect()),
        other => other.clone(),
    }
}

/// The error body Boomi sends for a status; each of its three shapes is used.
fn error_body(status: u16) -> Value {
    let message = format!("failed with {status}");
    match status {
        400 => json!({"error": {"message": message}}),
        401 | 404 => json!({"@type": "Error", "message": message, "statusCode": status.to_string()}),
        _ => json!({"message": message}),
    }
}

/// Answers like the Boomi API would, by object type and path shape: `/X/query` a page
/// with a queryToken, `/X/queryMore` with that token the last page; ids starting with
/// `status-` answer that status instead.
fn boomi(request: &Recorded) -> Reply {
    let prefix = format!("/api/rest/v1/{ACCOUNT}/");
    let Some(rest) = request.path.strip_prefix(&prefix) else {
        return Reply::raw(599, "wrong prefix");
    };
    let mut parts = rest.splitn(2, '/');
    let object = parts.next().unwrap_or_default();
    let tail = parts.next();
    let status = tail.map(|t| t.trim_start_matches("async/")).and_then(|t| t.strip_prefix("status-"));
    if let Some(status) = status {
        return match status.parse::<u16>().unwrap_or(599) {
            500 => Reply::raw(500, "<html>internal error</html>"),
            status => Reply::json(status, error_body(status)),
        };
    }
    if request.method == "DELETE" {
        return Reply::raw(200, "");
    }
    if object == "ExecutionRequest" {
        return Reply::json(200, execution_request_result(&request.json()));
    }
    let Some(item) = item_for(object) else {
        return Reply::raw(598, "unknown object");
    };
    match tail {
        Some("query") => Reply::json(200, page(vec![item], Some(QUERY_TOKEN))),
        Some("queryMore") if request.body == QUERY_TOKEN.as_bytes() => Reply::json(200, page(vec![item], None)),
        Some("queryMore") => Reply::json(400, json!({"error": {"message": "invalid queryToken"}})),
        _ => Reply::json(200, item),
    }
}

fn client_for(server: &MockServer) -> Client {
    let config = Client::config(ACCOUNT)
        .base_url(format!("{}/api/rest/v1/{{accountId}}", server.url()))
        .basic_auth(USER, TOKEN)
        .user_agent("boomi-tests/1.0")
        .retry(boomi_platform::runtime::RetryPolicy::default().initial_delay(Duration::from_millis(5)));
    Client::new(config).expect("valid config")
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start(boomi).await;
    let client = client_for(&server);
    (server, client)
}

// ------------------------------------------------------------------ request checks

/// Checks method, path, auth, accept and user-agent headers, and the JSON body if one
/// is expected (none otherwise).
#[track_caller]
fn assert_request(r: &Recorded, method: &str, path: &str, body: Option<Value>) {
    assert_eq!(r.method, method, "method of {path}");
    assert_eq!(r.path, format!("/api/rest/v1/{ACCOUNT}{path}"));
    assert_eq!(r.query, None, "{method} {path} sent a query string");
    assert_headers(r);
    match body {
        Some(body) => {
            assert_eq!(r.header("content-type"), "application/json", "content type of {method} {path}");
            assert_eq!(r.json(), body, "request body of {method} {path}");
        }
        None => assert!(r.body.is_empty(), "{method} {path} sent a body"),
    }
}

/// A queryMore: POST, the token verbatim as text/plain (not quoted, not URL-encoded).
#[track_caller]
fn assert_query_more(r: &Recorded, object: &str, token: &str) {
    assert_eq!(r.method, "POST", "method of {object}/queryMore");
    assert_eq!(r.path, format!("/api/rest/v1/{ACCOUNT}/{object}/queryMore"));
    assert_headers(r);
    assert_eq!(r.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(String::from_utf8_lossy(&r.body), token, "queryMore body of {object}");
}

#[track_caller]
fn assert_headers(r: &Recorded) {
    let expected_auth = format!("Basic {}", base64(&format!("{USER}:{TOKEN}")));
    assert_eq!(r.header("authorization"), expected_auth);
    assert_eq!(r.header("accept"), "application/json");
    assert_eq!(r.header("user-agent"), "boomi-tests/1.0");
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

#[test]
fn the_test_base64_is_standard() {
    assert_eq!(base64(""), "");
    assert_eq!(base64("f"), "Zg==");
    assert_eq!(base64("fo"), "Zm8=");
    assert_eq!(base64("foo"), "Zm9v");
    assert_eq!(base64("user:pass"), "dXNlcjpwYXNz");
}

fn date(s: &str) -> boomi_platform::runtime::chrono::DateTime<boomi_platform::runtime::chrono::Utc> {
    s.parse().expect("test date")
}

// ------------------------------------------------------------------ coverage

/// Every operation (and every paging stream) of the generated client is called in this
/// file: a new operation fails here until it is tested.
#[test]
fn every_operation_of_the_client_is_called_here() {
    let client_source = include_str!("../generated-client/src/client.rs");
    let this_file = include_str!("http.rs");
    let (operations, streams) = test_support::client_methods(client_source);
    assert_eq!(operations.len(), 43, "operations of the generated client: {operations:?}");
    assert_eq!(streams.len(), 22, "paging streams: {streams:?}");
    let missing: Vec<&String> = operations
        .iter()
        .chain(streams.iter().filter(|n| n.ends_with("_all")))
        .filter(|name| !this_file.contains(&format!(".{name}(")))
        .collect();
    assert!(missing.is_empty(), "not called in tests/http.rs: {missing:?}");
}

// ------------------------------------------------------------------ operations

#[tokio::test]
async fn process_operations() {
    let (server, client) = setup().await;

    let got = client.get_process(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/Process/{NASTY_SEGMENT}"), None);
    assert_eq!(got.id.as_deref(), Some("p1"));
    assert_eq!(got.name.as_deref(), Some("Orders"));
    assert_eq!(got.description.as_deref(), Some("Order sync"));
    let pack = &got.integration_pack.as_deref().expect("IntegrationPack")[0];
    assert_eq!(pack.integration_pack_id.as_deref(), Some("ip1"));
    assert_eq!(pack.integration_pack_instance_id.as_deref(), Some("ipi1"));

    let filter = ProcessFilter::or([ProcessProperty::Name.like("Ord%"), ProcessProperty::IntegrationPackId.is_not_null()]);
    let first = client.query_processes(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Process/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"argument": ["Ord%"], "operator": "LIKE", "property": "name"},
            {"argument": [], "operator": "IS_NOT_NULL", "property": "integrationPackId"}
        ]}}})),
    );
    assert_eq!(first.number_of_results, Some(1));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&got)));

    let next = client.query_more_processes(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "Process", QUERY_TOKEN);
    assert_eq!(next.query_token, None);
    assert_eq!(next.result.unwrap_or_default()[0].name.as_deref(), Some("Orders"));
}

/// An operation method builds its request when called and sends it when first polled:
/// its future borrows the client only, so the arguments can go before it is awaited, a
/// future dropped unpolled sends nothing, and it can be spawned.
#[tokio::test]
async fn an_operation_future_sends_when_polled_and_outlives_its_arguments() {
    let (server, client) = setup().await;

    let id = String::from(NASTY_ID);
    let unpolled = client.get_process(&id);
    drop(unpolled);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(server.take().is_empty(), "a future dropped unpolled sent its request");

    let call = client.get_process(&id);
    drop(id);
    assert!(server.take().is_empty(), "the request went out before the future was polled");
    let got = call.await.expect("get");
    assert_request(&server.single(), "GET", &format!("/Process/{NASTY_SEGMENT}"), None);
    assert_eq!(got.id.as_deref(), Some("p1"));

    let spawned = tokio::spawn({
        let client = client.clone();
        async move { client.get_process("p1").await.map(|p| p.id) }
    });
    assert_eq!(spawned.await.expect("task").expect("get").as_deref(), Some("p1"));
    assert_request(&server.single(), "GET", "/Process/p1", None);
}

#[tokio::test]
async fn execution_operations() {
    let (server, client) = setup().await;
    let request = models::ExecutionRequest {
        atom_id: "a1".into(),
        process_id: Some("p1".into()),
        process_name: None,
        dynamic_process_properties: Some(models::ExecutionRequestDynamicProcessProperties {
            dynamic_process_property: Some(vec![models::DynamicProcessProperty { name: Some("env".into()), value: Some("test".into()) }]),
        }),
        process_properties: Some(models::ExecutionRequestProcessProperties {
            process_property: Some(vec![models::ExecutionRequestProcessProperty {
                component_id: Some("pp1".into()),
                process_property_value: Some(vec![models::ExecutionRequestProcessPropertyValue {
                    key: Some("k1".into()),
                    value: Some("v1".into()),
                }]),
            }]),
        }),
    };
    let result = client.execute_process(&request).await.expect("execute");
    assert_request(
        &server.single(),
        "POST",
        "/ExecutionRequest",
        Some(json!({"atomId": "a1", "processId": "p1",
            "DynamicProcessProperties": {"DynamicProcessProperty": [{"name": "env", "value": "test"}]},
            "ProcessProperties": {"ProcessProperty": [{"componentId": "pp1", "ProcessPropertyValue": [{"key": "k1", "value": "v1"}]}]}})),
    );
    assert_eq!(result.request_id.as_deref(), Some("executionrecord-1234"));
    assert!(result.record_url.as_deref().is_some_and(|u| u.ends_with("/ExecutionRecord/async/executionrecord-1234")));
    assert_eq!(result.atom_id.as_deref(), Some("a1"));
    assert_eq!(result.dynamic_process_properties, request.dynamic_process_properties);
    assert_eq!(result.process_properties, request.process_properties);

    // By name instead of id: processId is left out, not sent as null.
    let by_name = models::ExecutionRequest {
        atom_id: "a1".into(),
        process_id: None,
        process_name: Some("Orders".into()),
        dynamic_process_properties: None,
        process_properties: None,
    };
    let result = client.execute_process(&by_name).await.expect("execute by name");
    assert_request(&server.single(), "POST", "/ExecutionRequest", Some(json!({"atomId": "a1", "processName": "Orders"})));
    assert_eq!(result.process_name.as_deref(), Some("Orders"));
    assert_eq!(result.process_id, None);

    let filter = ExecutionRecordFilter::and([
        ExecutionRecordProperty::ExecutionTime.between("2024-01-01T00:00:00Z", "2024-01-31T23:59:59Z"),
        ExecutionRecordProperty::Status.not_equals("COMPLETE"),
    ]);
    let sorted = filter.into_sorted_request([(ExecutionRecordProperty::ExecutionTime, "DESC"), (ExecutionRecordProperty::ProcessName, "ASC")]);
    let first = client.query_execution_records(&sorted).await.expect("query records");
    assert_request(
        &server.single(),
        "POST",
        "/ExecutionRecord/query",
        Some(json!({
            "QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
                {"argument": ["2024-01-01T00:00:00Z", "2024-01-31T23:59:59Z"], "operator": "BETWEEN", "property": "executionTime"},
                {"argument": ["COMPLETE"], "operator": "NOT_EQUALS", "property": "status"}]}},
            "QuerySort": {"sortField": [{"fieldName": "executionTime", "sortOrder": "DESC"}, {"fieldName": "processName", "sortOrder": "ASC"}]}
        })),
    );
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));
    let record = &first.result.as_deref().expect("result")[0];
    assert_eq!(record.status, Some(models::ExecutionRecordStatus::CompleteWarn));
    assert_eq!(record.execution_duration, Some(3832));

    let next = client.query_more_execution_records(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "ExecutionRecord", QUERY_TOKEN);
    assert_eq!(next.query_token, None);
    assert_eq!(next.result.unwrap_or_default()[0].execution_id.as_deref(), Some("execution-1"));

    // The plain form of the async record (Boomi's spec): the record's own fields.
    let polled = client.get_async_execution_record(NASTY_ID).await.expect("poll").expect("the record is there");
    assert_request(&server.single(), "GET", &format!("/ExecutionRecord/async/{NASTY_SEGMENT}"), None);
    assert_eq!(polled.execution_id.as_deref(), Some("execution-1"));
    assert_eq!(polled.status, Some(models::ExecutionRecordStatus::CompleteWarn));
    assert_eq!(polled.execution_duration, Some(3832));
    assert_eq!(polled.result, None);
}

#[tokio::test]
async fn environment_operations() {
    let (server, client) = setup().await;
    let input = models::EnvironmentInput { name: "Production".into(), classification: models::EnvironmentClassification::Prod };
    let created = client.create_environment(&input).await.expect("create");
    assert_request(&server.single(), "POST", "/Environment", Some(json!({"name": "Production", "classification": "PROD"})));
    assert_eq!(created.id.as_deref(), Some("e1"));
    assert_eq!(created.classification, Some(models::EnvironmentClassification::Test));
    assert_eq!(created.parent_account.as_deref(), Some("parent-acct"));
    assert_eq!(created.parent_environment.as_deref(), Some("pe1"));

    let got = client.get_environment(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/Environment/{NASTY_SEGMENT}"), None);
    assert_eq!(got, created);

    client.delete_environment(NASTY_ID).await.expect("delete with an empty 200");
    assert_request(&server.single(), "DELETE", &format!("/Environment/{NASTY_SEGMENT}"), None);

    // A bare condition is the whole filter: no grouping around it.
    let first = client.query_environments(&EnvironmentProperty::Classification.equals("PROD").into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Environment/query",
        Some(json!({"QueryFilter": {"expression": {"argument": ["PROD"], "operator": "EQUALS", "property": "classification"}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&got)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_environments(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "Environment", QUERY_TOKEN);
    assert_eq!(next.result.map(|r| r.len()), Some(1));
    assert_eq!(next.query_token, None);

    let filter = EnvironmentAtomAttachmentFilter::and([
        EnvironmentAtomAttachmentProperty::EnvironmentId.equals("e1"),
        EnvironmentAtomAttachmentProperty::AtomId.not_equals("a9"),
    ]);
    let attachments = client.query_environment_atom_attachments(&filter.into()).await.expect("query attachments");
    assert_request(
        &server.single(),
        "POST",
        "/EnvironmentAtomAttachment/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
            {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"},
            {"argument": ["a9"], "operator": "NOT_EQUALS", "property": "atomId"}]}}})),
    );
    let attachment = &attachments.result.as_deref().expect("result")[0];
    assert_eq!((attachment.id.as_deref(), attachment.atom_id.as_deref(), attachment.environment_id.as_deref()), (Some("eaa1"), Some("a1"), Some("e1")));
    assert_eq!(attachments.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_environment_atom_attachments(QUERY_TOKEN).await.expect("queryMore attachments");
    assert_query_more(&server.single(), "EnvironmentAtomAttachment", QUERY_TOKEN);
    assert_eq!(next.result.unwrap_or_default()[0].atom_id.as_deref(), Some("a1"));
}

#[tokio::test]
async fn environment_extensions_operations() {
    let (server, client) = setup().await;
    let got = client.get_environment_extensions(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/EnvironmentExtensions/{NASTY_SEGMENT}"), None);
    assert_eq!(got.environment_id.as_deref(), Some("e1"));
    assert_eq!(got.extension_group_id.as_deref(), Some("grp1"));
    let connection = &got.connections.as_ref().and_then(|c| c.connection.as_deref()).expect("connections")[0];
    let password = &connection.field.as_deref().expect("fields")[1];
    assert_eq!(password.encrypted_value_set, Some(true));
    assert_eq!(password.value, None);
    let secret = password.cloud_managed_secret_config.as_ref().expect("secret config");
    assert_eq!(secret.secrets_manager_type, Some(models::CloudManagedSecretConfigSecretsManagerType::Aws));
    let rows = got.cross_references.as_ref().and_then(|x| x.cross_reference.as_deref()).expect("cross references")[0]
        .cross_reference_rows
        .as_ref()
        .and_then(|r| r.row.clone())
        .expect("rows");
    assert_eq!(rows[1].ref20.as_deref(), Some("z"));
    let property = &got.process_properties.as_ref().and_then(|p| p.process_property.as_deref()).expect("process properties")[0];
    assert_eq!(property.process_property_value.as_deref().expect("values")[0].validate, Some(true));

    // A full update resets what it does not carry: what was read goes back whole.
    let updated = client.update_environment_extensions(NASTY_ID, &got).await.expect("update");
    assert_request(&server.single(), "POST", &format!("/EnvironmentExtensions/{NASTY_SEGMENT}"), Some(without_types(&environment_extensions())));
    assert_eq!(updated, got);

    // A partial update sends only what changes.
    let partial = models::EnvironmentExtensions {
        id: Some("e1".into()),
        environment_id: Some("e1".into()),
        partial: Some(true),
        properties: Some(models::Properties { property: Some(vec![models::Property { name: "batch".into(), value: "100".into() }]) }),
        ..Default::default()
    };
    client.update_environment_extensions("e1", &partial).await.expect("partial update");
    assert_request(
        &server.single(),
        "POST",
        "/EnvironmentExtensions/e1",
        Some(json!({"id": "e1", "environmentId": "e1", "partial": true, "properties": {"property": [{"name": "batch", "value": "100"}]}})),
    );

    let filter = EnvironmentExtensionsFilter::or([
        EnvironmentExtensionsProperty::EnvironmentId.equals("e1"),
        EnvironmentExtensionsProperty::ExtensionGroupId.is_null(),
    ]);
    let first = client.query_environment_extensions(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/EnvironmentExtensions/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"},
            {"argument": [], "operator": "IS_NULL", "property": "extensionGroupId"}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&got)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_environment_extensions(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "EnvironmentExtensions", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&got)));
    assert_eq!(next.query_token, None);
}

#[tokio::test]
async fn deployment_operations() {
    let (server, client) = setup().await;
    let input = models::DeployedPackageInput {
        environment_id: "e1".into(),
        package_id: Some("pk1".into()),
        notes: Some("CI build 42".into()),
        component_id: None,
        listener_status: Some(models::DeployedPackageListenerStatus::Paused),
    };
    let deployed = client.create_deployed_package(&input).await.expect("deploy");
    assert_request(
        &server.single(),
        "POST",
        "/DeployedPackage",
        Some(json!({"environmentId": "e1", "packageId": "pk1", "notes": "CI build 42", "listenerStatus": "PAUSED"})),
    );
    assert_eq!(deployed.deployment_id.as_deref(), Some("d1"));
    assert_eq!(deployed.active, Some(true));
    assert_eq!(deployed.version, Some(3));
    assert_eq!(deployed.component_version, Some(2), "\"2.0\" decodes as revision 2");
    assert_eq!(deployed.deployed_date, Some(date("2024-01-02T03:04:05Z")));
    assert_eq!(deployed.listener_status, Some(models::DeployedPackageListenerStatus::Running));
    assert_eq!(deployed.message.as_deref(), Some("connection licenses exceeded"));
    assert_eq!(deployed.branch_name.as_deref(), Some("main"));

    // Deploying a component directly: componentId instead of packageId.
    let direct = models::DeployedPackageInput {
        environment_id: "e1".into(),
        package_id: None,
        notes: None,
        component_id: Some("c1".into()),
        listener_status: None,
    };
    client.create_deployed_package(&direct).await.expect("deploy a component");
    assert_request(&server.single(), "POST", "/DeployedPackage", Some(json!({"environmentId": "e1", "componentId": "c1"})));

    let got = client.get_deployed_package(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/DeployedPackage/{NASTY_SEGMENT}"), None);
    assert_eq!(got, deployed);
    client.delete_deployed_package(NASTY_ID).await.expect("undeploy");
    assert_request(&server.single(), "DELETE", &format!("/DeployedPackage/{NASTY_SEGMENT}"), None);

    // Groups nest three levels deep; the grouping operators are lowercase.
    let filter = DeployedPackageFilter::and([
        DeployedPackageFilter::from(DeployedPackageProperty::EnvironmentId.equals("e1")),
        DeployedPackageFilter::or([
            DeployedPackageFilter::from(DeployedPackageProperty::Active.equals("true")),
            DeployedPackageFilter::and([DeployedPackageProperty::Notes.is_null(), DeployedPackageProperty::ComponentType.equals("process")]),
        ]),
        DeployedPackageProperty::DeployedDate.between("2024-01-01T00:00:00Z", "2024-12-31T23:59:59Z").into(),
    ]);
    let first = client.query_deployed_packages(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/DeployedPackage/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
            {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"},
            {"operator": "or", "nestedExpression": [
                {"argument": ["true"], "operator": "EQUALS", "property": "active"},
                {"operator": "and", "nestedExpression": [
                    {"argument": [], "operator": "IS_NULL", "property": "notes"},
                    {"argument": ["process"], "operator": "EQUALS", "property": "componentType"}]}]},
            {"argument": ["2024-01-01T00:00:00Z", "2024-12-31T23:59:59Z"], "operator": "BETWEEN", "property": "deployedDate"}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&deployed)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_deployed_packages(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "DeployedPackage", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&deployed)));
    assert_eq!(next.query_token, None);
}

#[tokio::test]
async fn component_operations() {
    let (server, client) = setup().await;
    let input = models::PackagedComponentInput {
        component_id: "c1".into(),
        component_version: Some(2),
        package_version: Some("1.2".into()),
        notes: Some("release".into()),
        branch_name: Some("main".into()),
        package_id: None,
    };
    let package = client.create_packaged_component(&input).await.expect("package");
    assert_request(
        &server.single(),
        "POST",
        "/PackagedComponent",
        Some(json!({"componentId": "c1", "componentVersion": 2, "packageVersion": "1.2", "notes": "release", "branchName": "main"})),
    );
    assert_eq!(package.package_id.as_deref(), Some("pk1"));
    assert_eq!(package.component_version, Some(2));
    assert_eq!(package.package_version.as_deref(), Some("1.2"));
    assert_eq!(package.created_date, Some(date("2024-01-02T03:04:05Z")));
    assert_eq!(package.deleted, Some(false), "\"false\" decodes as a boolean");
    assert_eq!(package.shareable, Some(true));

    // Only componentId is required.
    let minimal = models::PackagedComponentInput {
        component_id: "c1".into(),
        component_version: None,
        package_version: None,
        notes: None,
        branch_name: None,
        package_id: None,
    };
    client.create_packaged_component(&minimal).await.expect("package the latest revision");
    assert_request(&server.single(), "POST", "/PackagedComponent", Some(json!({"componentId": "c1"})));

    let got = client.get_packaged_component(NASTY_ID).await.expect("get package");
    assert_request(&server.single(), "GET", &format!("/PackagedComponent/{NASTY_SEGMENT}"), None);
    assert_eq!(got, package);

    // `property` is a free string for PackagedComponent: any name can be sent.
    let filter = PackagedComponentFilter::and([
        PackagedComponentProperty::ComponentId.equals("c1"),
        PackagedComponentProperty::Other("shareable".into()).equals("true"),
        PackagedComponentProperty::Other("integrationPackId".into()).is_not_null(),
    ]);
    let first = client.query_packaged_components(&filter.into()).await.expect("query packages");
    assert_request(
        &server.single(),
        "POST",
        "/PackagedComponent/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
            {"argument": ["c1"], "operator": "EQUALS", "property": "componentId"},
            {"argument": ["true"], "operator": "EQUALS", "property": "shareable"},
            {"argument": [], "operator": "IS_NOT_NULL", "property": "integrationPackId"}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&package)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_packaged_components(QUERY_TOKEN).await.expect("queryMore packages");
    assert_query_more(&server.single(), "PackagedComponent", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&package)));
    assert_eq!(next.query_token, None);

    let metadata = client.get_component_metadata(NASTY_ID).await.expect("get metadata");
    assert_request(&server.single(), "GET", &format!("/ComponentMetadata/{NASTY_SEGMENT}"), None);
    assert_eq!(metadata.component_id.as_deref(), Some("c1"));
    assert_eq!(metadata.version, Some(7));
    assert_eq!(metadata.r#type, Some(models::ComponentMetadataType::Process));
    assert_eq!(metadata.current_version, Some(true));
    assert_eq!(metadata.deleted, Some(false));
    assert_eq!(metadata.copied_from_component_version, Some(4));
    assert_eq!(metadata.modified_date, Some(date("2024-02-03T04:05:06Z")));
    assert_eq!(metadata.folder_name.as_deref(), Some("Home"));

    let filter = ComponentMetadataFilter::and([
        ComponentMetadataProperty::Name.equals("Orders"),
        ComponentMetadataProperty::Type.equals("process"),
        ComponentMetadataProperty::CurrentVersion.equals("true"),
        ComponentMetadataProperty::Deleted.equals("false"),
    ]);
    let first = client.query_component_metadata(&filter.into()).await.expect("query metadata");
    assert_request(
        &server.single(),
        "POST",
        "/ComponentMetadata/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
            {"argument": ["Orders"], "operator": "EQUALS", "property": "name"},
            {"argument": ["process"], "operator": "EQUALS", "property": "type"},
            {"argument": ["true"], "operator": "EQUALS", "property": "currentVersion"},
            {"argument": ["false"], "operator": "EQUALS", "property": "deleted"}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&metadata)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_component_metadata(QUERY_TOKEN).await.expect("queryMore metadata");
    assert_query_more(&server.single(), "ComponentMetadata", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&metadata)));
    assert_eq!(next.query_token, None);
}

#[tokio::test]
async fn atom_operations() {
    let (server, client) = setup().await;
    let atom = client.get_atom(NASTY_ID).await.expect("get");
    assert_request(&server.single(), "GET", &format!("/Atom/{NASTY_SEGMENT}"), None);
    assert_eq!(atom.status, Some(AtomStatus::Online));
    assert_eq!(atom.r#type, Some(models::AtomType::Cloud));
    assert_eq!(atom.capabilities, Some(vec![models::AtomCapabilitiesItem::Gateway, models::AtomCapabilitiesItem::Broker]));
    assert_eq!(atom.force_restart_time, Some(60000), "a number sent as a string");
    assert_eq!(atom.is_cloud_attachment, Some(true), "a boolean sent as a string");
    assert_eq!(atom.purge_history_days, Some(30));
    assert_eq!(atom.purge_immediate, Some(false));
    assert_eq!(atom.status_detail.as_deref(), Some("ONLINE_RUNNING"));
    assert_eq!(atom.date_installed, Some(date("2023-05-06T07:08:09Z")));
    assert_eq!(atom.cloud_molecule_name.as_deref(), Some("US molecule"));

    let input = models::AtomInput {
        name: Some("renamed".into()),
        purge_history_days: Some(30),
        purge_immediate: Some(true),
        force_restart_time: Some(120_000),
    };
    let updated = client.update_atom(NASTY_ID, &input).await.expect("update");
    assert_request(
        &server.single(),
        "POST",
        &format!("/Atom/{NASTY_SEGMENT}"),
        Some(json!({"name": "renamed", "purgeHistoryDays": 30, "purgeImmediate": true, "forceRestartTime": 120000})),
    );
    assert_eq!(updated, atom);
    client.update_atom("a1", &models::AtomInput { name: Some("only the name".into()), ..Default::default() }).await.expect("update the name");
    assert_request(&server.single(), "POST", "/Atom/a1", Some(json!({"name": "only the name"})));

    client.delete_atom(NASTY_ID).await.expect("delete");
    assert_request(&server.single(), "DELETE", &format!("/Atom/{NASTY_SEGMENT}"), None);

    let filter = AtomFilter::or([
        AtomFilter::from(AtomProperty::Status.equals("ONLINE")),
        AtomFilter::and([AtomProperty::Type.not_equals("CLOUD"), AtomProperty::Name.contains("prod")]),
    ]);
    let first = client.query_atoms(&filter.into()).await.expect("query");
    assert_request(
        &server.single(),
        "POST",
        "/Atom/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"argument": ["ONLINE"], "operator": "EQUALS", "property": "status"},
            {"operator": "and", "nestedExpression": [
                {"argument": ["CLOUD"], "operator": "NOT_EQUALS", "property": "type"},
                {"argument": ["prod"], "operator": "CONTAINS", "property": "name"}]}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&atom)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));

    let next = client.query_more_atoms(QUERY_TOKEN).await.expect("queryMore");
    assert_query_more(&server.single(), "Atom", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&atom)));
    assert_eq!(next.query_token, None);
}

#[tokio::test]
async fn schedule_operations() {
    let (server, client) = setup().await;
    let got = client.get_process_schedules(NASTY_ID).await.expect("get schedules");
    assert_request(&server.single(), "GET", &format!("/ProcessSchedules/{NASTY_SEGMENT}"), None);
    assert_eq!((got.id.as_str(), got.atom_id.as_str(), got.process_id.as_str()), ("s1", "a1", "p1"));
    let schedule = &got.schedule.as_deref().expect("Schedule")[0];
    assert_eq!(schedule.minutes.as_deref(), Some("0-59/15"));
    assert_eq!(schedule.days_of_week.as_deref(), Some("2,3,4,5,6"));
    let retry = got.retry.as_ref().expect("Retry");
    assert_eq!(retry.max_retry, Some(5));
    assert_eq!(retry.schedule.as_deref().map(<[_]>::len), Some(1));

    // An update replaces every schedule: what was read goes back whole.
    let updated = client.update_process_schedules(NASTY_ID, &got).await.expect("update schedules");
    assert_request(&server.single(), "POST", &format!("/ProcessSchedules/{NASTY_SEGMENT}"), Some(without_types(&process_schedules())));
    assert_eq!(updated, got);
    // Clearing: id, atomId and processId are always sent.
    let cleared = models::ProcessSchedules {
        id: "s1".into(),
        atom_id: "a1".into(),
        process_id: "p1".into(),
        schedule: Some(Vec::new()),
        retry: None,
    };
    client.update_process_schedules("s1", &cleared).await.expect("clear schedules");
    assert_request(&server.single(), "POST", "/ProcessSchedules/s1", Some(json!({"id": "s1", "atomId": "a1", "processId": "p1", "Schedule": []})));

    let filter = ProcessSchedulesFilter::and([ProcessSchedulesProperty::AtomId.equals("a1"), ProcessSchedulesProperty::ProcessId.equals("p1")]);
    let first = client.query_process_schedules(&filter.into()).await.expect("query schedules");
    assert_request(
        &server.single(),
        "POST",
        "/ProcessSchedules/query",
        Some(json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
            {"argument": ["a1"], "operator": "EQUALS", "property": "atomId"},
            {"argument": ["p1"], "operator": "EQUALS", "property": "processId"}]}}})),
    );
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&got)));
    assert_eq!(first.query_token.as_deref(), Some(QUERY_TOKEN));
    let next = client.query_more_process_schedules(QUERY_TOKEN).await.expect("queryMore schedules");
    assert_query_more(&server.single(), "ProcessSchedules", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&got)));
    assert_eq!(next.query_token, None);

    let status = client.get_process_schedule_status(NASTY_ID).await.expect("get status");
    assert_request(&server.single(), "GET", &format!("/ProcessScheduleStatus/{NASTY_SEGMENT}"), None);
    assert_eq!((status.id.as_str(), status.atom_id.as_str(), status.process_id.as_str()), ("s1", "a1", "p1"));
    assert_eq!(status.enabled, Some(true), "\"true\" decodes as a boolean");

    let stop = models::ProcessScheduleStatus { enabled: Some(false), ..status.clone() };
    let answered = client.update_process_schedule_status(NASTY_ID, &stop).await.expect("update status");
    assert_request(
        &server.single(),
        "POST",
        &format!("/ProcessScheduleStatus/{NASTY_SEGMENT}"),
        Some(json!({"id": "s1", "atomId": "a1", "processId": "p1", "enabled": false})),
    );
    assert_eq!(answered, status);

    // An empty config lists everything: the body is `{}`.
    let first = client.query_process_schedule_statuses(&models::ProcessScheduleStatusQueryConfig::default()).await.expect("query statuses");
    assert_request(&server.single(), "POST", "/ProcessScheduleStatus/query", Some(json!({})));
    assert_eq!(first.result.as_deref(), Some(std::slice::from_ref(&status)));
    let filter = ProcessScheduleStatusFilter::from(ProcessScheduleStatusProperty::ProcessId.equals("p1"));
    client.query_process_schedule_statuses(&filter.into()).await.expect("query statuses by process");
    assert_request(
        &server.single(),
        "POST",
        "/ProcessScheduleStatus/query",
        Some(json!({"QueryFilter": {"expression": {"argument": ["p1"], "operator": "EQUALS", "property": "processId"}}})),
    );
    let next = client.query_more_process_schedule_statuses(QUERY_TOKEN).await.expect("queryMore statuses");
    assert_query_more(&server.single(), "ProcessScheduleStatus", QUERY_TOKEN);
    assert_eq!(next.result.as_deref(), Some(std::slice::from_ref(&status)));
    assert_eq!(next.query_token, None);
}

// ------------------------------------------------------------------ paging

/// 250 deployed packages in pages of 100, 100 and 50: the tokens (with `/`, `+`, `=`)
/// go back verbatim as text/plain, and the stream ends at the page without a token.
#[tokio::test]
async fn paging_follows_query_tokens_to_the_last_page() {
    const FIRST: &str = "a/b+c==";
    const SECOND: &str = "d+e/f=";
    fn packages(range: std::ops::Range<usize>) -> Vec<Value> {
        range.map(|i| json!({"deploymentId": format!("d{i}"), "environmentId": "e1", "active": true})).collect()
    }
    let server = MockServer::start(|r: &Recorded| {
        let path = r.path.rsplit('/').next().unwrap_or_default();
        match (path, r.body.as_slice()) {
            ("query", _) => Reply::json(200, page(packages(0..100), Some(FIRST))),
            ("queryMore", body) if body == FIRST.as_bytes() => Reply::json(200, page(packages(100..200), Some(SECOND))),
            ("queryMore", body) if body == SECOND.as_bytes() => Reply::json(200, page(packages(200..250), None)),
            _ => Reply::json(400, json!({"error": {"message": "unexpected request"}})),
        }
    })
    .await;
    let client = client_for(&server);
    let query: models::DeployedPackageQueryConfig = DeployedPackageProperty::EnvironmentId.equals("e1").into();

    let all: Vec<models::DeployedPackage> = client.query_deployed_packages_all(query.clone()).try_collect().await.expect("every page");
    let ids: Vec<String> = all.iter().map(|p| p.deployment_id.clone().unwrap_or_default()).collect();
    let expected: Vec<String> = (0..250).map(|i| format!("d{i}")).collect();
    assert_eq!(ids, expected);
    let requests = server.take();
    assert_eq!(requests.len(), 3, "one query and two queryMore: {requests:#?}");
    assert_request(
        &requests[0],
        "POST",
        "/DeployedPackage/query",
        Some(json!({"QueryFilter": {"expression": {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"}}})),
    );
    assert_query_more(&requests[1], "DeployedPackage", FIRST);
    assert_query_more(&requests[2], "DeployedPackage", SECOND);

    let pages: Vec<models::DeployedPackageQueryResult> = client.query_deployed_packages_pages(query).try_collect().await.expect("pages");
    assert_eq!(pages.len(), 3);
    let sizes: Vec<(Option<i32>, usize, Option<&str>)> = pages
        .iter()
        .map(|p| (p.number_of_results, p.result.as_ref().map_or(0, Vec::len), p.query_token.as_deref()))
        .collect();
    assert_eq!(sizes, [(Some(100), 100, Some(FIRST)), (Some(100), 100, Some(SECOND)), (Some(50), 50, None)]);
    assert_eq!(server.take().len(), 3);
}

/// A failing queryMore ends the stream with that error; nothing is requested after it.
#[tokio::test]
async fn paging_stops_at_the_first_error() {
    let server = MockServer::start(|r: &Recorded| {
        if r.path.ends_with("/query") {
            Reply::json(200, page(vec![process()], Some("expired")))
        } else {
            Reply::json(400, error_body(400))
        }
    })
    .await;
    let client = client_for(&server);
    let query = models::ProcessQueryConfig::default();
    let results: Vec<Result<models::Process, Error<models::ErrorResponse>>> = client.query_processes_all(query).collect().await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().ok().and_then(|p| p.id.as_deref()), Some("p1"));
    let err = results[1].as_ref().expect_err("the queryMore failed");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.api().and_then(|a| a.message()).as_deref(), Some("failed with 400"));
    let requests = server.take();
    assert_eq!(requests.len(), 2);
    assert_query_more(&requests[1], "Process", "expired");
}

/// Every query's `_all` stream goes from the query through its own queryMore.
#[tokio::test]
async fn every_query_streams_through_its_query_more() {
    let (server, client) = setup().await;
    macro_rules! stream_all {
        ($call:expr, $object:literal) => {{
            let items: Vec<_> = $call.try_collect().await.expect($object);
            assert_eq!(items.len(), 2, "{}: one item on each of two pages", $object);
            let requests = server.take();
            assert_eq!(requests.len(), 2, "{}: {requests:#?}", $object);
            assert_request(&requests[0], "POST", concat!("/", $object, "/query"), Some(json!({})));
            assert_query_more(&requests[1], $object, QUERY_TOKEN);
            items
        }};
    }
    let processes = stream_all!(client.query_processes_all(models::ProcessQueryConfig::default()), "Process");
    assert_eq!(processes[1].name.as_deref(), Some("Orders"));
    let records = stream_all!(client.query_execution_records_all(models::ExecutionRecordQueryConfig::default()), "ExecutionRecord");
    assert_eq!(records[0].execution_duration, Some(3832));
    let environments = stream_all!(client.query_environments_all(models::EnvironmentQueryConfig::default()), "Environment");
    assert_eq!(environments[0].id.as_deref(), Some("e1"));
    let deployed = stream_all!(client.query_deployed_packages_all(models::DeployedPackageQueryConfig::default()), "DeployedPackage");
    assert_eq!(deployed[0].deployment_id.as_deref(), Some("d1"));
    let atoms = stream_all!(client.query_atoms_all(models::AtomQueryConfig::default()), "Atom");
    assert_eq!(atoms[0].status, Some(AtomStatus::Online));
    let attachments =
        stream_all!(client.query_environment_atom_attachments_all(models::EnvironmentAtomAttachmentQueryConfig::default()), "EnvironmentAtomAttachment");
    assert_eq!(attachments[0].environment_id.as_deref(), Some("e1"));
    let extensions = stream_all!(client.query_environment_extensions_all(models::EnvironmentExtensionsQueryConfig::default()), "EnvironmentExtensions");
    assert_eq!(extensions[0].extension_group_id.as_deref(), Some("grp1"));
    let schedules = stream_all!(client.query_process_schedules_all(models::ProcessSchedulesQueryConfig::default()), "ProcessSchedules");
    assert_eq!(schedules[0].id, "s1");
    let statuses = stream_all!(client.query_process_schedule_statuses_all(models::ProcessScheduleStatusQueryConfig::default()), "ProcessScheduleStatus");
    assert_eq!(statuses[0].enabled, Some(true));
    let packages = stream_all!(client.query_packaged_components_all(models::PackagedComponentQueryConfig::default()), "PackagedComponent");
    assert_eq!(packages[0].package_id.as_deref(), Some("pk1"));
    let metadata = stream_all!(client.query_component_metadata_all(models::ComponentMetadataQueryConfig::default()), "ComponentMetadata");
    assert_eq!(metadata[0].version, Some(7));
}

// ------------------------------------------------------------------ execution records

/// Polling: 202 with no body while the record is not there (`None`), then the record,
/// here in the wrapped AsyncOperationResult form Boomi's SDK reads.
#[tokio::test]
async fn the_async_execution_record_is_polled_until_it_is_there() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let server = MockServer::start(move |_: &Recorded| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::raw(202, "")
        } else {
            Reply::json(200, json!({"@type": "AsyncOperationResult", "responseStatusCode": "200", "numberOfResults": 1,
                                    "result": [execution_record()]}))
        }
    })
    .await;
    let client = client_for(&server);
    let id = "executionrecord-1234";

    let pending = client.get_async_execution_record(id).await.expect("202 is not an error");
    assert_eq!(pending, None);
    assert_request(&server.single(), "GET", "/ExecutionRecord/async/executionrecord-1234", None);

    let done = client.get_async_execution_record(id).await.expect("200").expect("the record");
    assert_request(&server.single(), "GET", "/ExecutionRecord/async/executionrecord-1234", None);
    assert_eq!(done.response_status_code, Some(200), "a status code sent as a string");
    assert_eq!(done.number_of_results, Some(1));
    assert_eq!(done.execution_id, None, "the wrapped form has the record in `result`");
    let record = &done.result.as_deref().expect("result")[0];
    assert_eq!(record.execution_id.as_deref(), Some("execution-1"));
    assert_eq!(record.status, Some(models::ExecutionRecordStatus::CompleteWarn));
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

/// Real ExecutionRecord shapes: `["Long", n]` pairs, numbers as strings, `@type`
/// fields, and a single object where the spec says array.
#[tokio::test]
async fn execution_records_decode_the_shapes_boomi_sends() {
    let server = MockServer::start(|_: &Recorded| {
        Reply::json(200, json!({"@type": "QueryResult", "numberOfResults": "1", "result": execution_record()}))
    })
    .await;
    let client = client_for(&server);
    let page = client.query_execution_records(&models::ExecutionRecordQueryConfig::default()).await.expect("decodes");
    assert_request(&server.single(), "POST", "/ExecutionRecord/query", Some(json!({})));
    assert_eq!(page.number_of_results, Some(1));
    assert_eq!(page.query_token, None);
    let records = page.result.expect("a single object is a list of one");
    assert_eq!(records.len(), 1);
    let expected = models::ExecutionRecord {
        execution_id: Some("execution-1".into()),
        process_id: Some("p1".into()),
        atom_id: Some("a1".into()),
        execution_time: Some(date("2024-01-02T03:04:05Z")),
        message: Some("2 documents with warnings".into()),
        execution_duration: Some(3832),
        status: Some(models::ExecutionRecordStatus::CompleteWarn),
        execution_type: Some(models::ExecutionRecordExecutionType::ExecSched),
        account: Some(ACCOUNT.into()),
        atom_name: Some("Cloud atom".into()),
        process_name: Some("Orders".into()),
        original_execution_id: Some("execution-0".into()),
        parent_execution_id: Some("execution-p".into()),
        top_level_execution_id: Some("execution-t".into()),
        inbound_document_count: Some(3),
        inbound_document_size: Some(1024),
        inbound_error_document_count: Some(0),
        outbound_document_count: Some(2),
        outbound_document_size: Some(2048),
        launcher_id: Some(String::new()),
        node_id: Some("node-1".into()),
        recorded_date: Some(date("2024-01-02T03:04:09Z")),
        report_key: Some("ci-bot@example.com".into()),
    };
    assert_eq!(records[0], expected);
}

// ------------------------------------------------------------------ errors and retries

#[tokio::test]
async fn declared_error_statuses_decode_the_error_body() {
    let (server, client) = setup().await;
    // 400 only on operations that declare it (update_atom); the others on a GET.
    for status in [400u16, 401, 403, 404, 410] {
        let id = format!("status-{status}");
        let err = match status {
            400 => client.update_atom(&id, &models::AtomInput::default()).await.map(drop),
            _ => client.get_atom(&id).await.map(drop),
        }
        .expect_err("an error status");
        let Error::Api(api) = &err else { panic!("declared {status} should be Error::Api, got {err:?}") };
        assert_eq!(api.status, status);
        let expected_message = format!("failed with {status}");
        let parsed = api.parsed.as_ref().expect("ErrorResponse decoded");
        match status {
            400 => {
                assert_eq!(parsed.message, None);
                assert_eq!(parsed.error.as_ref().and_then(|e| e.message.as_deref()), Some(expected_message.as_str()));
            }
            401 | 404 => {
                assert_eq!(parsed.message.as_deref(), Some(expected_message.as_str()));
                assert_eq!(parsed.r#type.as_deref(), Some("Error"));
            }
            _ => {
                assert_eq!(parsed.message.as_deref(), Some(expected_message.as_str()));
                assert_eq!((parsed.r#type.as_deref(), parsed.error.as_ref()), (None, None));
            }
        }
        // Whatever the shape, `message()` finds the text.
        assert_eq!(api.message().as_deref(), Some(expected_message.as_str()));
        assert_eq!(serde_json::from_slice::<Value>(&api.body).expect("raw body kept"), error_body(status));
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.to_string(), format!("HTTP {status}: failed with {status}"));
        assert_eq!(server.take().len(), 1, "{status} is not retried");
    }

    // 503 (Boomi's rate limit) is declared too, and retried first: 4 attempts.
    let err = client.get_atom("status-503").await.expect_err("503");
    let Error::Api(api) = &err else { panic!("declared 503 should be Error::Api, got {err:?}") };
    assert_eq!(api.status, 503);
    assert_eq!(api.parsed.as_ref().and_then(|p| p.message.as_deref()), Some("failed with 503"));
    let requests = server.take();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_request(r, "GET", "/Atom/status-503", None);
    }

    // A queryMore declares the same errors as its query.
    let err = client.query_more_atoms("not-a-token").await.expect_err("bad token");
    let Error::Api(api) = &err else { panic!("declared 400 should be Error::Api, got {err:?}") };
    assert_eq!(api.parsed.as_ref().and_then(|p| p.error.as_ref()).and_then(|e| e.message.as_deref()), Some("invalid queryToken"));
    assert_query_more(&server.single(), "Atom", "not-a-token");
}

#[tokio::test]
async fn undeclared_statuses_keep_status_and_raw_body() {
    let (server, client) = setup().await;
    // 500 is not declared for getProcess.
    let err = client.get_process("status-500").await.expect_err("500");
    let Error::UnexpectedStatus(api) = &err else { panic!("expected UnexpectedStatus, got {err:?}") };
    assert_eq!(api.status, 500);
    assert_eq!(api.text(), "<html>internal error</html>");
    assert!(api.parsed.is_none());
    assert_eq!(err.to_string(), "unexpected HTTP 500: <html>internal error</html>");
    // A GET is idempotent: the 500 was retried, 4 attempts in all.
    let requests = server.take();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_request(r, "GET", "/Process/status-500", None);
    }

    // A 4xx the operation does not declare: kept raw, not decoded, not retried.
    let err = client.get_process_schedules("status-418").await.expect_err("418");
    let Error::UnexpectedStatus(api) = &err else { panic!("expected UnexpectedStatus, got {err:?}") };
    assert_eq!(api.status, 418);
    assert!(api.parsed.is_none(), "undeclared statuses are not decoded");
    assert_eq!(api.message().as_deref(), Some("failed with 418"));
    assert_eq!(server.take().len(), 1, "a 4xx is never retried");
}

/// A create is retried after a 503 (the server did not act on it) but never after a
/// 500 (it may have).
#[tokio::test]
async fn a_create_is_retried_after_503_but_not_after_500() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let server = MockServer::start(move |_: &Recorded| {
        if counter.fetch_add(1, Ordering::SeqCst) < 3 {
            Reply::json(503, json!({"message": "The Boomi server is currently unavailable or your account's rate limits have been exceeded."}))
        } else {
            Reply::json(200, deployed_package())
        }
    })
    .await;
    let client = client_for(&server);
    let input = models::DeployedPackageInput {
        environment_id: "e1".into(),
        package_id: Some("pk1".into()),
        notes: None,
        component_id: None,
        listener_status: None,
    };
    let deployed = client.create_deployed_package(&input).await.expect("the 4th attempt succeeds");
    assert_eq!(deployed.deployment_id.as_deref(), Some("d1"));
    let requests = server.take();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_request(r, "POST", "/DeployedPackage", Some(json!({"environmentId": "e1", "packageId": "pk1"})));
    }

    let server = MockServer::start(|_: &Recorded| Reply::json(500, json!({"error": {"message": "boom"}}))).await;
    let client = client_for(&server);
    let err = client.create_deployed_package(&input).await.expect_err("500");
    let Error::UnexpectedStatus(api) = &err else { panic!("500 is not declared for the create: {err:?}") };
    assert_eq!(api.status, 500);
    assert_eq!(api.message().as_deref(), Some("boom"));
    assert_eq!(server.take().len(), 1, "a create is not retried after a 500");
}

#[tokio::test]
async fn enum_values_the_spec_does_not_list_are_kept() {
    let server = MockServer::start(|_: &Recorded| Reply::json(200, atom("RESTARTING"))).await;
    let client = client_for(&server);
    let atom = client.get_atom("a1").await.expect("decodes despite the unknown status");
    assert_request(&server.single(), "GET", "/Atom/a1", None);
    assert_eq!(atom.status, Some(AtomStatus::UnknownValue("RESTARTING".into())));
    assert_eq!(atom.status.as_ref().map(AtomStatus::as_str), Some("RESTARTING"));
    // And it goes back out unchanged.
    let back = serde_json::to_value(&atom).expect("serialise");
    assert_eq!(back["status"], "RESTARTING");
    assert_eq!(back["type"], "CLOUD");
}

#[tokio::test]
async fn a_decoding_failure_names_the_field() {
    let server = MockServer::start(|_: &Recorded| Reply::json(200, json!({"result": [{"id": "p1"}, {"id": 5}]}))).await;
    let client = Client::new(Client::config(ACCOUNT).base_url(server.url())).expect("config");
    let err = client.query_processes(&models::ProcessQueryConfig::default()).await.expect_err("id 5 is not a string");
    let Error::Decode { path, status, body, .. } = &err else { panic!("expected Decode, got {err:?}") };
    assert_eq!(path, "result[1].id");
    assert_eq!(*status, 200);
    assert_eq!(serde_json::from_slice::<Value>(body).expect("raw body kept"), json!({"result": [{"id": "p1"}, {"id": 5}]}));
    assert!(err.to_string().contains("`result[1].id`"), "{err}");
    assert_eq!(server.take().len(), 1, "a decode failure is not retried");

    // Leniency has limits: a number that is not one still fails, with its path.
    let server = MockServer::start(|_: &Recorded| {
        Reply::json(200, json!({"result": [{"executionId": "x", "executionDuration": "soon"}]}))
    })
    .await;
    let client = Client::new(Client::config(ACCOUNT).base_url(server.url())).expect("config");
    let err = client.query_execution_records(&models::ExecutionRecordQueryConfig::default()).await.expect_err("not a number");
    let Error::Decode { path, .. } = &err else { panic!("expected Decode, got {err:?}") };
    assert_eq!(path, "result[0].executionDuration");
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

// ------------------------------------------------------------------ filter builders

#[test]
fn filter_builders_produce_exactly_the_query_config_json() {
    // A bare condition is a whole filter; IS_NULL sends an empty argument list.
    let request: models::ProcessQueryConfig = ProcessProperty::IntegrationPackId.is_null().into();
    assert_eq!(
        serde_json::to_value(&request).expect("serialise"),
        json!({"QueryFilter": {"expression": {"argument": [], "operator": "IS_NULL", "property": "integrationPackId"}}})
    );

    // `compare` with the right count equals the typed method; nested groups three deep.
    use models::SimpleExpressionOperator as Op;
    let filter = ExecutionRecordFilter::or([
        ExecutionRecordFilter::from(ExecutionRecordProperty::Status.equals("ERROR")),
        ExecutionRecordFilter::and([
            ExecutionRecordFilter::from(
                ExecutionRecordProperty::ExecutionDuration.compare(Op::GreaterThanOrEqual, ["60000"]).expect("one argument"),
            ),
            ExecutionRecordFilter::or([
                ExecutionRecordProperty::AtomName.not_contains("test"),
                ExecutionRecordProperty::ProcessName.like("Ord%"),
            ]),
        ]),
    ]);
    assert_eq!(
        serde_json::to_value(filter.into_request()).expect("serialise"),
        json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"argument": ["ERROR"], "operator": "EQUALS", "property": "status"},
            {"operator": "and", "nestedExpression": [
                {"argument": ["60000"], "operator": "GREATER_THAN_OR_EQUAL", "property": "executionDuration"},
                {"operator": "or", "nestedExpression": [
                    {"argument": ["test"], "operator": "NOT_CONTAINS", "property": "atomName"},
                    {"argument": ["Ord%"], "operator": "LIKE", "property": "processName"}]}]}]}}})
    );
    assert_eq!(
        ExecutionRecordProperty::Status.compare(Op::Equals, ["ERROR"]).expect("one argument"),
        ExecutionRecordProperty::Status.equals("ERROR")
    );

    // PackagedComponent's property is a free string.
    let request: models::PackagedComponentQueryConfig = PackagedComponentProperty::Other("shareable".into()).equals("true").into();
    assert_eq!(
        serde_json::to_value(&request).expect("serialise"),
        json!({"QueryFilter": {"expression": {"argument": ["true"], "operator": "EQUALS", "property": "shareable"}}})
    );
}

#[test]
fn operators_join_conditions_and_arguments_take_rust_values() {
    // `&` chains stay one flat group; `|` of an `&` group nests it.
    let filter = (DeployedPackageProperty::EnvironmentId.equals("e1")
        & DeployedPackageProperty::Active.equals(true)
        & DeployedPackageProperty::Version.greater_than(3))
        | DeployedPackageProperty::DeployedDate.between(date("2026-01-01T00:00:00.5+02:00"), date("2026-12-31T23:59:59Z"));
    assert_eq!(
        serde_json::to_value(filter.into_request()).expect("serialise"),
        json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"operator": "and", "nestedExpression": [
                {"argument": ["e1"], "operator": "EQUALS", "property": "environmentId"},
                {"argument": ["true"], "operator": "EQUALS", "property": "active"},
                {"argument": ["3"], "operator": "GREATER_THAN", "property": "version"}]},
            {"argument": ["2025-12-31T22:00:00Z", "2026-12-31T23:59:59Z"], "operator": "BETWEEN", "property": "deployedDate"}]}}})
    );
    // The same as the explicit builders.
    assert_eq!(
        DeployedPackageProperty::Active.equals(true) & DeployedPackageProperty::PackageId.equals("p"),
        DeployedPackageFilter::and([DeployedPackageProperty::Active.equals("true"), DeployedPackageProperty::PackageId.equals("p")])
    );
}

#[test]
fn known_enum_values_can_be_checked() {
    assert_eq!(models::EnvironmentClassification::known("PROD"), Some(models::EnvironmentClassification::Prod));
    assert_eq!(models::EnvironmentClassification::known("PRODUCTION"), None);
    assert_eq!(
        models::EnvironmentClassification::from("PRODUCTION"),
        models::EnvironmentClassification::UnknownValue("PRODUCTION".into())
    );
}

#[test]
fn the_argument_count_is_checked_before_sending() {
    use models::SimpleExpressionOperator as Op;
    let err = ProcessProperty::Name.compare(Op::Equals, ["a", "b"]).expect_err("EQUALS takes one");
    assert_eq!((err.operator.as_str(), err.expected, err.found), ("EQUALS", 1, 2));
    assert_eq!(err.to_string(), "operator EQUALS takes 1 argument(s), 2 given");
    let err = ProcessProperty::Name.compare(Op::Between, ["2024-01-01"]).expect_err("BETWEEN takes two");
    assert_eq!((err.operator.as_str(), err.expected, err.found), ("BETWEEN", 2, 1));
    let err = ProcessProperty::Id.compare(Op::IsNull, ["x"]).expect_err("IS_NULL takes none");
    assert_eq!((err.operator.as_str(), err.expected, err.found), ("IS_NULL", 0, 1));
    let none: [&str; 0] = [];
    assert_eq!(ProcessProperty::Id.compare(Op::IsNull, none).expect("IS_NULL with none"), ProcessProperty::Id.is_null());
    assert_eq!(
        ProcessProperty::Id.compare(Op::Between, ["a", "z"]).expect("BETWEEN with two"),
        ProcessProperty::Id.between("a", "z")
    );
    // Atom's grammar has its own, narrower operator set; the count is checked the same.
    let err = AtomProperty::Status.compare(models::AtomSimpleExpressionOperator::NotEquals, none).expect_err("NOT_EQUALS takes one");
    assert_eq!((err.operator.as_str(), err.expected, err.found), ("NOT_EQUALS", 1, 0));
    // Operators the spec does not list are passed through unchecked.
    assert!(ProcessProperty::Name.compare(Op::UnknownValue("SOUNDS_LIKE".into()), ["x", "y"]).is_ok());
}

#[test]
fn the_spec_server_url_and_account_are_used_by_default() {
    let client = Client::new(Client::config("acct 7/x")).expect("config");
    assert_eq!(client.transport().base_url(), "https://api.boomi.com/api/rest/v1/acct%207%2Fx");
}
