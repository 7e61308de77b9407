//! No input makes the simulator panic or answer outside Boomi's error shapes: every
//! route gets a series of malformed bodies and must answer 200, 400 or 404 in JSON,
//! and keep serving afterwards.

mod common;

use boomi_sim::demo;
use common::{Raw, demo as start_demo};
use serde_json::Value;

#[tokio::test]
async fn malformed_requests_get_error_answers() {
    let sim = start_demo().await;
    sim.add_deployments(demo::TEST_ENV_ID, 1);
    let before = sim.state();
    let raw = Raw::new(&sim);
    let id = demo::TEST_ENV_ID;
    let schedules = before.schedules.first().map(|s| s.id.clone()).expect("a deployed process has schedules");
    let routes: Vec<(&str, String)> = vec![
        ("POST", "/PackagedComponent".to_owned()),
        ("POST", "/DeployedPackage".to_owned()),
        ("POST", "/Environment".to_owned()),
        ("POST", format!("/Atom/{}", demo::TEST_ATOMS[0])),
        ("POST", format!("/EnvironmentExtensions/{id}")),
        ("POST", format!("/ProcessSchedules/{schedules}")),
        ("POST", format!("/ProcessScheduleStatus/{schedules}")),
        ("POST", "/Environment/query".to_owned()),
        ("POST", "/Atom/query".to_owned()),
        ("POST", "/DeployedPackage/query".to_owned()),
        ("POST", "/PackagedComponent/query".to_owned()),
        ("POST", "/ComponentMetadata/query".to_owned()),
        ("POST", "/EnvironmentExtensions/query".to_owned()),
        ("POST", "/Environment/queryMore".to_owned()),
        ("GET", "/ComponentMetadata/%FF~~~".to_owned()),
        ("GET", format!("/ComponentMetadata/{}~99999999999", demo::COMPONENT_ID)),
        ("DELETE", "/DeployedPackage/%2e%2e".to_owned()),
    ];
    let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
    let bodies = [
        "",
        "null",
        "[]",
        "{",
        "\"text\"",
        "123",
        "{\"QueryFilter\": {\"expression\": []}}",
        "{\"QueryFilter\": {\"expression\": {\"operator\": 1}}}",
        "{\"QueryFilter\": {\"expression\": {\"operator\": \"and\", \"nestedExpression\": [1, null]}}}",
        "{\"QueryFilter\": {\"expression\": {\"operator\": \"EQUALS\", \"property\": \"name\", \"argument\": [{}]}}}",
        "{\"componentId\": 5, \"packageVersion\": [], \"environmentId\": {}}",
        "{\"componentId\": \"x\", \"componentVersion\": \"not a number\"}",
        "{\"componentVersion\": 1e300, \"componentId\": \"c\"}",
        "{\"environmentId\": \"e\", \"packageId\": \"p\", \"componentId\": \"c\"}",
        "{\"name\": \"\", \"classification\": null}",
        "{\"connections\": \"x\", \"properties\": {\"property\": [1, {\"name\": 2}]}}",
        "{\"connections\": {\"connection\": [1, {\"id\": 2}]}, \"partial\": \"maybe\"}",
        "{\"crossReferences\": {\"crossReference\": {\"id\": 1}}, \"tradingPartners\": {\"tradingPartner\": [[]]}}",
        "{\"id\": 1, \"atomId\": [], \"processId\": {}, \"Schedule\": [1], \"Retry\": 3}",
        "{\"purgeHistoryDays\": \"many\", \"forceRestartTime\": 1.5}",
        "{\"enabled\": \"perhaps\"}",
        deep.as_str(),
    ];
    for (method, path) in &routes {
        for body in bodies {
            let url = format!("{}{path}", raw.base);
            let request = match *method {
                "GET" => raw.http.get(&url),
                "DELETE" => raw.http.delete(&url),
                _ => raw.http.post(&url).header("Content-Type", "application/json").body(body.to_owned()),
            };
            let (status, answer) = raw.send(request).await.expect("an answer, never a dropped connection");
            assert!([200, 400, 404].contains(&status), "{method} {path} {body:.60}: {status} {answer}");
            if status != 200 {
                let message = answer
                    .get("message")
                    .or_else(|| answer.pointer("/error/message"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                assert!(!message.is_empty(), "{method} {path} {body:.60}: {answer}");
            }
        }
    }
    // Still serving, and no package, deployment or schedule came out of the garbage.
    assert_eq!(raw.get(&format!("/Environment/{id}")).await.0, 200);
    let after = sim.state();
    assert_eq!(after.deployments, before.deployments);
    assert_eq!(after.packages, before.packages);
    assert_eq!(after.schedules, before.schedules);
    // (Extensions may have changed: a JSON object without `partial` is a valid full
    // update, which resets every plain value.)
}
