//! The simulator driven with raw HTTP: auth, every filter operator, paging, packaging,
//! deploying, extensions, schedules, rate limit and fault injection.

mod common;

use std::time::Duration;

use boomi_sim::{Fault, Options, Seed, Sim, demo};
use common::{Raw, USER, demo as start_demo, message, simple};
use serde_json::{Value, json};

#[tokio::test]
async fn auth_is_checked_on_every_request() {
    let sim = start_demo().await;
    let http = reqwest::Client::new();
    let url = format!("{}/Environment/{}", sim.url(), demo::TEST_ENV_ID);

    let missing = http.get(&url).send().await.expect("a response");
    assert_eq!(missing.status().as_u16(), 401);
    assert_eq!(missing.headers()["content-type"], "application/json");
    let body: Value = missing.json().await.expect("JSON");
    assert_eq!(body["@type"], "Error");
    assert!(!message(&body).is_empty());

    let wrong = http.get(&url).basic_auth(USER, Some("wrong-token")).send().await.expect("a response");
    assert_eq!(wrong.status().as_u16(), 401);
    let no_prefix = http.get(&url).basic_auth("ci@example.com", Some("demo-token")).send().await.expect("a response");
    assert_eq!(no_prefix.status().as_u16(), 401);
    let bearer = http.get(&url).bearer_auth("demo-token").send().await.expect("a response");
    assert_eq!(bearer.status().as_u16(), 401);

    let other_account = url.replace("/demo-account/", "/other-account/");
    let forbidden = http.get(&other_account).basic_auth(USER, Some("demo-token")).send().await.expect("a response");
    assert_eq!(forbidden.status().as_u16(), 403);
    let body: Value = forbidden.json().await.expect("JSON");
    assert_eq!(body, json!({"message": "Access denied due to insufficient permissions."}));

    let ok = http.get(&url).basic_auth(USER, Some("demo-token")).send().await.expect("a response");
    assert_eq!(ok.status().as_u16(), 200);
    let body: Value = ok.json().await.expect("JSON");
    assert_eq!(body, json!({"@type": "Environment", "id": demo::TEST_ENV_ID, "name": "TEST", "classification": "TEST"}));
    assert_eq!(sim.requests(), 6);
    assert!(sim.changes().is_empty());
}

/// The number of ComponentMetadata results for a filter, or the 400 message.
async fn count(raw: &Raw, config: Value) -> Result<usize, String> {
    let (status, body) = raw.post("/ComponentMetadata/query", config).await;
    match status {
        200 => Ok(body["result"].as_array().map_or(0, Vec::len)),
        400 => Err(message(&body)),
        other => panic!("unexpected status {other}: {body}"),
    }
}

#[tokio::test]
async fn every_filter_operator() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    // The demo components: Orders Sync r1 and r2 (process), Orders Database
    // (connector-settings), Orders Settings (processproperty).
    let cases: &[(&str, &str, &[&str], usize)] = &[
        ("EQUALS", "name", &["Orders Sync"], 2),
        ("EQUALS", "currentVersion", &["true"], 3),
        ("NOT_EQUALS", "type", &["process"], 2),
        ("LIKE", "name", &["Orders%"], 4),
        ("LIKE", "name", &["%Sync"], 2),
        ("LIKE", "name", &["%Data%"], 1),
        ("LIKE", "name", &["orders%"], 0),
        ("IS_NULL", "copiedFromComponentId", &[], 4),
        ("IS_NULL", "name", &[], 0),
        ("IS_NOT_NULL", "componentId", &[], 4),
        ("BETWEEN", "version", &["2", "5"], 1),
        ("BETWEEN", "createdDate", &["2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z"], 4),
        ("BETWEEN", "createdDate", &["2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"], 0),
        ("GREATER_THAN", "version", &["1"], 1),
        ("GREATER_THAN_OR_EQUAL", "version", &["1"], 4),
        ("LESS_THAN", "version", &["2"], 3),
        ("LESS_THAN_OR_EQUAL", "version", &["2"], 4),
        ("CONTAINS", "name", &["Data"], 1),
        ("NOT_CONTAINS", "name", &["Sync"], 2),
        ("NOT_CONTAINS", "name", &["Orders"], 0),
    ];
    for (operator, property, arguments, expected) in cases {
        let got = count(&raw, simple(operator, property, arguments)).await;
        assert_eq!(got, Ok(*expected), "{operator} {property} {arguments:?}");
    }

    assert_eq!(count(&raw, json!({})).await, Ok(4), "an empty QueryConfig returns everything");
    assert_eq!(count(&raw, json!({"QueryFilter": {}})).await, Ok(4));

    // (process AND current) OR the connection, then a group inside a group inside a group.
    let nested = json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
        {"operator": "and", "nestedExpression": [
            {"operator": "EQUALS", "property": "type", "argument": ["process"]},
            {"operator": "EQUALS", "property": "currentVersion", "argument": ["true"]}]},
        {"operator": "EQUALS", "property": "componentId", "argument": [demo::CONNECTION_ID]}]}}});
    assert_eq!(count(&raw, nested).await, Ok(2));
    let deep = json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
        {"operator": "LIKE", "property": "name", "argument": ["Orders%"]},
        {"operator": "or", "nestedExpression": [
            {"operator": "and", "nestedExpression": [
                {"operator": "EQUALS", "property": "version", "argument": ["1"]},
                {"operator": "EQUALS", "property": "type", "argument": ["process"]}]},
            {"operator": "EQUALS", "property": "type", "argument": ["processproperty"]}]}]}}});
    assert_eq!(count(&raw, deep).await, Ok(2));

    // Wrong argument counts, per arity.
    for (operator, arguments) in [
        ("EQUALS", &[][..]),
        ("EQUALS", &["a", "b"][..]),
        ("BETWEEN", &["1"][..]),
        ("BETWEEN", &["1", "2", "3"][..]),
        ("IS_NULL", &["x"][..]),
        ("IS_NOT_NULL", &["x"][..]),
        ("LIKE", &[][..]),
        ("GREATER_THAN", &["1", "2"][..]),
    ] {
        let err = count(&raw, simple(operator, "version", arguments)).await.expect_err("a 400");
        assert!(err.contains("argument"), "{operator}: {err}");
    }
    let err = count(&raw, simple("EQUALS", "colour", &["red"])).await.expect_err("unknown property");
    assert!(err.contains("colour"), "{err}");
    let err = count(&raw, simple("STARTS_WITH", "name", &["Orders"])).await.expect_err("not in the spec's enum");
    assert!(err.contains("STARTS_WITH"), "{err}");
    let upper = json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": []}}});
    assert!(count(&raw, upper).await.expect_err("uppercase group").contains("lowercase"));
    let no_operator = json!({"QueryFilter": {"expression": {"nestedExpression": [
        {"operator": "IS_NULL", "property": "componentId"}]}}});
    assert!(count(&raw, no_operator).await.is_err());
    let nested_bad = json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
        {"operator": "EQUALS", "property": "name", "argument": ["x"]},
        {"operator": "or", "nestedExpression": [{"operator": "BETWEEN", "property": "version", "argument": ["1"]}]}]}}});
    let err = count(&raw, nested_bad).await.expect_err("a bad arity deep inside");
    assert!(err.contains("nestedExpression[1].nestedExpression[0]"), "{err}");

    // Atom takes only four operators.
    let (status, body) = raw.post("/Atom/query", simple("LIKE", "name", &["TEST%"])).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = raw.post("/Atom/query", simple("CONTAINS", "name", &["TEST"])).await;
    assert_eq!(status, 200);
    assert_eq!(body["numberOfResults"], 2);

    // Malformed JSON: a 400 in the nested error shape.
    let request = raw.http.post(format!("{}/Environment/query", raw.base)).header("Content-Type", "application/json").body("{not json");
    let (status, body) = raw.send(request).await.expect("a response");
    assert_eq!(status, 400);
    assert!(body.pointer("/error/message").and_then(Value::as_str).is_some(), "{body}");
}

#[tokio::test]
async fn paging_250_results_in_pages_of_100() {
    let sim = start_demo().await;
    sim.add_deployments(demo::TEST_ENV_ID, 250);
    sim.add_deployments(demo::PROD_ENV_ID, 3);
    let raw = Raw::new(&sim);
    let (results, sizes) = raw.query_all("DeployedPackage", simple("EQUALS", "environmentId", &[demo::TEST_ENV_ID])).await;
    assert_eq!(sizes, vec![100, 100, 50]);
    let mut ids: Vec<&str> = results.iter().filter_map(|d| d["deploymentId"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 250, "every deployment exactly once");
    assert!(results.iter().all(|d| d["environmentId"] == demo::TEST_ENV_ID && d["active"] == true));
    assert_eq!(sim.requests_to("POST /DeployedPackage/queryMore"), 2);

    // The token is opaque and sent verbatim; another object's queryMore, a garbage
    // token and an expired one are 400s.
    let (_, first) = raw.post("/DeployedPackage/query", json!({})).await;
    let token = first["queryToken"].as_str().expect("a token").to_owned();
    assert!(token.contains('/') && token.contains('+') && token.ends_with('='), "{token}");
    let (status, body) = raw.query_more("Environment", &token).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = raw.query_more("DeployedPackage", "no-such-token").await;
    assert_eq!(status, 400);
    let (status, again) = raw.query_more("DeployedPackage", &token).await;
    assert_eq!((status, again["numberOfResults"].as_u64()), (200, Some(100)), "a token can be retried");
    sim.expire_query_tokens();
    let (status, body) = raw.query_more("DeployedPackage", &token).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("expired"), "{body}");
}

#[tokio::test]
async fn page_size_is_configurable() {
    let sim = Sim::start(Options { page_size: 2, seed: Seed::Demo, ..Options::default() }).await.expect("starts");
    let raw = Raw::new(&sim);
    let (results, sizes) = raw.query_all("Atom", json!({})).await;
    assert_eq!(sizes, vec![2, 2]);
    assert_eq!(results.len(), 4);
    // Exactly one page: no token at all.
    let (_, page) = raw.post("/Environment/query", json!({})).await;
    assert!(page.get("queryToken").is_none(), "{page}");
}

#[tokio::test]
async fn packaging_needs_a_component_and_a_new_version() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    let request = json!({"componentId": demo::COMPONENT_ID, "packageVersion": "1.0", "notes": "first"});
    let (status, package) = raw.post("/PackagedComponent", request.clone()).await;
    assert_eq!(status, 200, "{package}");
    assert_eq!(package["@type"], "PackagedComponent");
    assert_eq!(package["componentVersion"], demo::COMPONENT_VERSION);
    assert_eq!(package["componentType"], "process");
    assert_eq!(package["createdBy"], USER);
    assert_eq!(package["packageVersion"], "1.0");
    let package_id = package["packageId"].as_str().expect("a packageId");
    assert_eq!(package_id.len(), 36, "UUID-shaped: {package_id}");

    let (status, body) = raw.post("/PackagedComponent", request).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("already exists"), "{body}");
    let (status, _) = raw.post("/PackagedComponent", json!({"componentId": "nope", "packageVersion": "1.0"})).await;
    assert_eq!(status, 400);
    let (status, _) = raw.post("/PackagedComponent", json!({"packageVersion": "1.0"})).await;
    assert_eq!(status, 400);
    // Without packageVersion it is generated from the revision: "1.0" for revision 1,
    // which the first package already took.
    let (status, body) =
        raw.post("/PackagedComponent", json!({"componentId": demo::COMPONENT_ID, "componentVersion": 1})).await;
    assert_eq!(status, 400, "{body}");
    let (status, old) = raw
        .post("/PackagedComponent", json!({"componentId": demo::COMPONENT_ID, "componentVersion": 1, "packageVersion": "0.1"}))
        .await;
    assert_eq!(status, 200, "{old}");
    assert_eq!((old["componentVersion"].as_i64(), old["packageVersion"].as_str()), (Some(1), Some("0.1")));
    let (status, auto) = raw.post("/PackagedComponent", json!({"componentId": demo::COMPONENT_ID})).await;
    assert_eq!((status, auto["packageVersion"].as_str()), (200, Some("2.0")), "{auto}");

    let (status, got) = raw.get(&format!("/PackagedComponent/{package_id}")).await;
    assert_eq!((status, &got["notes"]), (200, &json!("first")));
    let (status, _) = raw.get("/PackagedComponent/unknown").await;
    assert_eq!(status, 404);
    let (_, page) = raw.post("/PackagedComponent/query", simple("EQUALS", "packageVersion", &["1.0"])).await;
    assert_eq!(page["numberOfResults"], 1);
    let creates: Vec<_> = sim.changes().into_iter().filter(|c| c.object == "PackagedComponent").collect();
    assert_eq!(creates.len(), 3);
}

#[tokio::test]
async fn deploying_deactivates_the_previous_deployment() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    let (_, first_package) = raw.post("/PackagedComponent", json!({"componentId": demo::COMPONENT_ID, "packageVersion": "1.0"})).await;
    let first_package = first_package["packageId"].as_str().expect("packageId").to_owned();
    let (status, first) = raw
        .post("/DeployedPackage", json!({"environmentId": demo::TEST_ENV_ID, "packageId": first_package, "notes": "one"}))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!((first["active"].as_bool(), first["version"].as_i64()), (Some(true), Some(1)));
    assert_eq!(first["listenerStatus"], "RUNNING");
    assert_eq!(first["deployedBy"], USER);
    let first_id = first["deploymentId"].as_str().expect("deploymentId").to_owned();

    // The same package again while it is active: refused.
    let (status, _) = raw.post("/DeployedPackage", json!({"environmentId": demo::TEST_ENV_ID, "packageId": first_package})).await;
    assert_eq!(status, 400);

    sim.add_component(demo::COMPONENT_ID, demo::COMPONENT_NAME, 3);
    let (status, second) = raw
        .post(
            "/DeployedPackage",
            json!({"environmentId": demo::TEST_ENV_ID, "componentId": demo::COMPONENT_ID, "listenerStatus": "PAUSED"}),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!((second["version"].as_i64(), second["componentVersion"].as_i64()), (Some(2), Some(3)));
    assert_eq!(second["packageVersion"], "3.0");
    assert_eq!(second["listenerStatus"], "PAUSED");
    let (_, old) = raw.get(&format!("/DeployedPackage/{first_id}")).await;
    assert_eq!(old["active"], false, "history kept, no longer active");

    let active = json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
        {"operator": "EQUALS", "property": "environmentId", "argument": [demo::TEST_ENV_ID]},
        {"operator": "EQUALS", "property": "componentId", "argument": [demo::COMPONENT_ID]},
        {"operator": "EQUALS", "property": "active", "argument": [true]}]}}});
    let (_, page) = raw.post("/DeployedPackage/query", active).await;
    assert_eq!(page["numberOfResults"], 1);
    assert_eq!(page["result"][0]["deploymentId"], second["deploymentId"]);

    // Schedules and their status exist once per runtime of TEST.
    let state = sim.state();
    assert_eq!(state.schedules.len(), 2);
    assert_eq!(state.schedule_statuses.len(), 2);
    let mut atoms: Vec<&str> = state.schedules.iter().map(|s| s.atom_id.as_str()).collect();
    atoms.sort_unstable();
    assert_eq!(atoms, demo::TEST_ATOMS.to_vec());
    assert!(state.schedules.iter().all(|s| s.schedule.is_empty() && s.process_id == demo::COMPONENT_ID));

    let log: Vec<(String, String)> = sim.changes().into_iter().map(|c| (c.object, c.action)).collect();
    let expected: Vec<(String, String)> = [
        ("PackagedComponent", "create"),
        ("DeployedPackage", "create"),
        ("ProcessSchedules", "create"),
        ("ProcessScheduleStatus", "create"),
        ("ProcessSchedules", "create"),
        ("ProcessScheduleStatus", "create"),
        ("PackagedComponent", "create"),
        ("DeployedPackage", "update"),
        ("DeployedPackage", "create"),
    ]
    .iter()
    .map(|(o, a)| ((*o).to_owned(), (*a).to_owned()))
    .collect();
    assert_eq!(log, expected);

    // Undeploy: 200 with no body, the record stays, inactive.
    let second_id = second["deploymentId"].as_str().expect("deploymentId");
    let (status, body) = raw.delete(&format!("/DeployedPackage/{second_id}")).await;
    assert_eq!((status, body), (200, Value::Null));
    assert!(sim.state().active_deployments(demo::TEST_ENV_ID).is_empty());
    let (status, _) = raw.delete("/DeployedPackage/unknown").await;
    assert_eq!(status, 404);
}

fn connection_fields(extensions: &Value) -> Vec<Value> {
    extensions["connections"]["connection"][0]["field"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn extensions_full_and_partial_updates_keep_the_secret() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    let (status, got) = raw.get(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID)).await;
    assert_eq!(status, 200);
    assert_eq!(got["@type"], "EnvironmentExtensions");
    assert!(!got.to_string().contains(demo::ENCRYPTED_SECRET), "the secret never leaves");
    let password = connection_fields(&got).into_iter().find(|f| f["id"] == demo::PASSWORD_FIELD).expect("password");
    assert_eq!((password.get("value"), &password["encryptedValueSet"]), (None, &json!(true)));

    // Partial: only the url changes.
    let partial = json!({"id": demo::TEST_ENV_ID, "environmentId": demo::TEST_ENV_ID, "partial": true,
        "connections": {"connection": [{"id": demo::CONNECTION_ID, "field": [{"id": demo::URL_FIELD, "value": "jdbc:new", "useDefault": false}]}]}});
    let (status, after) = raw.post(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID), partial).await;
    assert_eq!(status, 200, "{after}");
    assert!(!after.to_string().contains(demo::ENCRYPTED_SECRET));
    let ext = sim.state().extensions_of(demo::TEST_ENV_ID).cloned().expect("extensions");
    assert_eq!(ext.connection_field(demo::CONNECTION_ID, demo::URL_FIELD).and_then(|f| f.value).as_deref(), Some("jdbc:new"));
    assert_eq!(ext.connection_field(demo::CONNECTION_ID, demo::USER_FIELD).and_then(|f| f.value).as_deref(), Some(demo::DB_USER));
    assert_eq!(ext.property(demo::PROPERTY_NAME).as_deref(), Some("TEST"));
    assert_eq!(ext.process_property(demo::PROCESS_PROPERTY_ID, demo::PROCESS_PROPERTY_KEY).and_then(|f| f.value).as_deref(), Some("100"));

    // Full (partial omitted): what is left out is reset or removed, the secret stays.
    let full = json!({"id": demo::TEST_ENV_ID,
        "connections": {"connection": [{"id": demo::CONNECTION_ID, "field": [{"id": demo::URL_FIELD, "value": "jdbc:full"}]}]}});
    let (status, after) = raw.post(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID), full).await;
    assert_eq!(status, 200, "{after}");
    let ext = sim.state().extensions_of(demo::TEST_ENV_ID).cloned().expect("extensions");
    let user = ext.connection_field(demo::CONNECTION_ID, demo::USER_FIELD).expect("user field");
    assert_eq!((user.value, user.use_default), (None, true));
    let secret = ext.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD).expect("password field");
    assert_eq!(secret.value.as_deref(), Some(demo::ENCRYPTED_SECRET));
    assert_eq!(ext.property(demo::PROPERTY_NAME), None);
    assert_eq!(ext.process_property(demo::PROCESS_PROPERTY_ID, demo::PROCESS_PROPERTY_KEY).and_then(|f| f.value), None);
    let shown_password = connection_fields(&after).into_iter().find(|f| f["id"] == demo::PASSWORD_FIELD).expect("password");
    assert_eq!(shown_password["encryptedValueSet"], true);

    // Setting the secret: stored, still never shown; PROD untouched.
    let set = json!({"partial": true, "connections": {"connection": {"id": demo::CONNECTION_ID, "field": {"id": demo::PASSWORD_FIELD, "value": "new-secret"}}}});
    let (status, after) = raw.post(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID), set).await;
    assert_eq!(status, 200);
    assert!(!after.to_string().contains("new-secret"));
    let state = sim.state();
    let value = |env: &str| state.extensions_of(env).and_then(|e| e.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD)).and_then(|f| f.value);
    assert_eq!(value(demo::TEST_ENV_ID).as_deref(), Some("new-secret"));
    assert_eq!(value(demo::PROD_ENV_ID).as_deref(), Some(demo::ENCRYPTED_SECRET));

    // Errors: unknown connection, mismatched id, unknown environment.
    let unknown = json!({"partial": true, "connections": {"connection": [{"id": "nope", "field": []}]}});
    assert_eq!(raw.post(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID), unknown).await.0, 400);
    let mismatch = json!({"id": demo::PROD_ENV_ID});
    assert_eq!(raw.post(&format!("/EnvironmentExtensions/{}", demo::TEST_ENV_ID), mismatch).await.0, 400);
    assert_eq!(raw.post("/EnvironmentExtensions/nope", json!({})).await.0, 404);
    let updates = sim.changes().iter().filter(|c| c.object == "EnvironmentExtensions").count();
    assert_eq!(updates, 3, "rejected updates are not changes");

    let (_, page) = raw.post("/EnvironmentExtensions/query", simple("EQUALS", "environmentId", &[demo::PROD_ENV_ID])).await;
    assert_eq!(page["numberOfResults"], 1);
    assert!(!page.to_string().contains(demo::ENCRYPTED_SECRET));
}

#[tokio::test]
async fn schedules_update_clears_and_replaces() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    let (status, _) = raw.post("/DeployedPackage", json!({"environmentId": demo::TEST_ENV_ID, "componentId": demo::COMPONENT_ID})).await;
    assert_eq!(status, 200);
    let atom = demo::TEST_ATOMS[0];
    let filter = json!({"QueryFilter": {"expression": {"operator": "and", "nestedExpression": [
        {"operator": "EQUALS", "property": "atomId", "argument": [atom]},
        {"operator": "EQUALS", "property": "processId", "argument": [demo::COMPONENT_ID]}]}}});
    let (_, page) = raw.post("/ProcessSchedules/query", filter.clone()).await;
    assert_eq!(page["numberOfResults"], 1, "{page}");
    let id = page["result"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(page["result"][0]["Schedule"], json!([]));
    let (_, statuses) = raw.post("/ProcessScheduleStatus/query", filter).await;
    assert_eq!(statuses["result"][0]["id"], id.as_str(), "the same conceptual id");

    let two = json!({"id": id, "atomId": atom, "processId": demo::COMPONENT_ID, "Schedule": [
        {"minutes": "0-59/15", "hours": "8-18", "daysOfWeek": "2,3,4,5,6", "daysOfMonth": "*", "months": "*", "years": "*"},
        {"minutes": "30", "hours": "2", "daysOfWeek": "*", "daysOfMonth": "*", "months": "*", "years": "*"}],
        "Retry": {"Schedule": [], "maxRetry": 3}});
    let (status, body) = raw.post(&format!("/ProcessSchedules/{id}"), two).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Schedule"].as_array().map(Vec::len), Some(2));
    let one = json!({"id": id, "atomId": atom, "processId": demo::COMPONENT_ID, "Schedule": [
        {"minutes": "0", "hours": "6", "daysOfWeek": "*", "daysOfMonth": "*", "months": "*", "years": "*"}]});
    let (status, _) = raw.post(&format!("/ProcessSchedules/{id}"), one).await;
    assert_eq!(status, 200);
    let (_, got) = raw.get(&format!("/ProcessSchedules/{id}")).await;
    assert_eq!(got["Schedule"].as_array().map(Vec::len), Some(1), "replaced, not appended: {got}");
    assert_eq!(got["Schedule"][0]["hours"], "6");
    assert_eq!(got["Retry"]["maxRetry"], 5, "Retry left out is reset");
    let stored = sim.state().schedules.into_iter().find(|s| s.id == id).expect("stored");
    assert_eq!(stored.schedule.len(), 1);

    for bad in [
        json!({"id": id, "atomId": atom, "Schedule": []}),
        json!({"atomId": atom, "processId": demo::COMPONENT_ID, "Schedule": []}),
        json!({"id": id, "atomId": demo::TEST_ATOMS[1], "processId": demo::COMPONENT_ID}),
        json!({"id": id, "atomId": atom, "processId": demo::COMPONENT_ID, "Retry": {"maxRetry": 9}}),
    ] {
        let (status, body) = raw.post(&format!("/ProcessSchedules/{id}"), bad.clone()).await;
        assert_eq!(status, 400, "{bad} -> {body}");
    }
    assert_eq!(raw.post("/ProcessSchedules/unknown", json!({})).await.0, 404);

    let (status, body) = raw.post(&format!("/ProcessScheduleStatus/{id}"), json!({"id": id, "atomId": atom, "processId": demo::COMPONENT_ID, "enabled": false})).await;
    assert_eq!((status, &body["enabled"]), (200, &json!(false)));
    assert!(!sim.state().schedule_statuses.iter().find(|s| s.id == id).expect("status").enabled);
}

#[tokio::test]
async fn rate_limit_answers_503_then_recovers() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    sim.set_rate_limit(Some(2));
    assert_eq!(raw.get(&format!("/Environment/{}", demo::TEST_ENV_ID)).await.0, 200);
    assert_eq!(raw.get(&format!("/Environment/{}", demo::PROD_ENV_ID)).await.0, 200);
    let (status, body) = raw.post("/Environment", json!({"name": "QA", "classification": "TEST"})).await;
    assert_eq!(status, 503);
    assert_eq!(message(&body), "The Boomi server is currently unavailable or your account's rate limits have been exceeded. Retry later.");
    assert_eq!(sim.state().environments.len(), 2, "a 503 changes nothing");
    assert!(sim.changes().is_empty());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = raw.post("/Environment", json!({"name": "QA", "classification": "TEST"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sim.state().environments.len(), 3);
    assert_eq!(sim.requests(), 4, "503s are counted");
    sim.set_rate_limit(None);
    for _ in 0..5 {
        assert_eq!(raw.get(&format!("/Environment/{}", demo::TEST_ENV_ID)).await.0, 200);
    }
}

#[tokio::test]
async fn fault_injection_drops_the_connection_before_or_after_the_change() {
    let sim = start_demo().await;
    let raw = Raw::new(&sim);
    let create = json!({"componentId": demo::COMPONENT_ID, "packageVersion": "9.9"});

    sim.fail_request(1, Fault::DropBeforeApply);
    let err = raw.try_post("/PackagedComponent", create.clone()).await.expect_err("no response");
    assert!(!err.is_status(), "{err}");
    assert!(sim.state().packages.is_empty(), "dropped before the change");
    assert!(sim.changes().is_empty());

    // Queries and GETs are not counted: the fault waits for the second mutating request.
    sim.fail_request(2, Fault::DropAfterApply);
    assert_eq!(raw.post("/PackagedComponent/query", json!({})).await.0, 200);
    assert_eq!(raw.get(&format!("/Environment/{}", demo::TEST_ENV_ID)).await.0, 200);
    let (status, _) = raw.post("/Environment", json!({"name": "QA", "classification": "TEST"})).await;
    assert_eq!(status, 200, "the first mutating request is answered");
    let err = raw.try_post("/PackagedComponent", create.clone()).await.expect_err("no response");
    assert!(!err.is_status(), "{err}");
    let state = sim.state();
    assert_eq!(state.packages.len(), 1, "the change happened although the client never heard");
    assert_eq!(state.packages[0].package_version, "9.9");
    let creates = sim.changes().into_iter().filter(|c| c.object == "PackagedComponent").count();
    assert_eq!(creates, 1);

    // A retry now sees the duplicate; the server is still up.
    let (status, _) = raw.post("/PackagedComponent", create).await;
    assert_eq!(status, 400);
    assert_eq!(sim.requests(), 6);
}

#[tokio::test]
async fn empty_seed_and_environment_lifecycle() {
    let sim = Sim::start(Options { seed: Seed::Empty, ..Options::default() }).await.expect("starts");
    let raw = Raw::new(&sim);
    let (_, page) = raw.post("/Environment/query", json!({})).await;
    assert_eq!(page, json!({"@type": "QueryResult", "numberOfResults": 0, "result": []}));
    let (status, env) = raw.post("/Environment", json!({"name": "QA", "classification": "PROD"})).await;
    assert_eq!(status, 200);
    let id = env["id"].as_str().expect("id").to_owned();
    assert_eq!(raw.post("/Environment", json!({"name": "QA", "classification": "PRODUCTION"})).await.0, 400);
    assert_eq!(raw.get(&format!("/EnvironmentExtensions/{id}")).await.0, 200);
    assert_eq!(raw.delete(&format!("/Environment/{id}")).await, (200, Value::Null));
    assert_eq!(raw.get(&format!("/Environment/{id}")).await.0, 404);
    assert_eq!(raw.get("/NoSuchObject/1").await.0, 404);
    let objects: Vec<String> = sim.changes().into_iter().map(|c| format!("{} {}", c.object, c.action)).collect();
    assert_eq!(objects, ["Environment create", "Environment delete"]);
}
