//! Conformance through an independent validator: Prism in proxy mode
//! (`prism proxy --errors`, npm `@stoplight/prism-cli` from `tests/package.json`)
//! between a raw HTTP client and the simulator checks every answer against the
//! corrected spec, the one the client is generated from. Successes and every error the
//! simulator gives (400, 401, 404, 503, empty DELETE answers, paging) go through it.
//!
//! Prism must be installed (`npm ci --prefix tests`); the test fails, never skips,
//! when it is missing.

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use boomi_sim::{Options, Sim, demo};
use common::{TOKEN, USER};
use serde_json::{Value, json};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Kills Prism when the test ends, however it ends.
struct Prism {
    child: Child,
    log: PathBuf,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn prism_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PRISM") {
        return PathBuf::from(path);
    }
    let path = workspace_root().join("tests/node_modules/.bin/prism");
    assert!(path.exists(), "Prism is not installed at {}; run `npm ci --prefix tests`", path.display());
    path
}

fn corrected_spec() -> PathBuf {
    let (document, _warnings) = specwright::preset::boomi(&workspace_root())
        .document()
        .unwrap_or_else(|err| panic!("the seed spec and its overlays load:\n{err}"));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("boomi-sim-corrected-spec.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&document).expect("serialise")).expect("write the spec");
    path
}

fn start_proxy(upstream: &str) -> (Prism, u16) {
    let spec = corrected_spec();
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("boomi-sim-prism.log");
    let log_file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(prism_binary())
        .arg("proxy")
        .arg(&spec)
        .arg(upstream)
        .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log handle"))
        .stderr(log_file)
        .spawn()
        .expect("start prism (is Node.js on PATH?)");
    let mut prism = Prism { child, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (prism, port);
        }
        if let Ok(Some(status)) = prism.child.try_wait() {
            panic!("prism exited with {status}:\n{}", std::fs::read_to_string(&prism.log).unwrap_or_default());
        }
        assert!(Instant::now() < deadline, "prism did not listen within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends through Prism; fails on any violation Prism reports; returns status and body.
struct Checked {
    http: reqwest::Client,
    base: String,
    calls: Vec<String>,
    failures: Vec<String>,
}

impl Checked {
    async fn call(&mut self, method: &str, path: &str, body: Option<Value>, token: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url),
        };
        let request = match (method, body) {
            (_, Some(Value::String(token_text))) => request.header("Content-Type", "text/plain").body(token_text),
            (_, Some(json)) => request.json(&json),
            ("POST", None) => request.json(&json!({})),
            _ => request,
        };
        let response = request
            .basic_auth(USER, Some(token))
            .header("Accept", "application/json")
            .send()
            .await
            .expect("Prism answers");
        let status = response.status().as_u16();
        let violations = response.headers().get("sl-violations").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let label = format!("{method} {path} -> {status}");
        if let Some(violations) = violations {
            self.failures.push(format!("{label}: {violations}"));
        } else if status == 422 || (status >= 500 && status != 503) {
            self.failures.push(format!("{label}: {text}"));
        }
        self.calls.push(label);
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn ok(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method, path, body, TOKEN).await;
        if status != 200 {
            self.failures.push(format!("{method} {path}: expected 200, got {status} {body}"));
        }
        body
    }

    async fn expect(&mut self, expected: u16, method: &str, path: &str, body: Option<Value>) {
        let (status, answer) = self.call(method, path, body, TOKEN).await;
        if status != expected {
            self.failures.push(format!("{method} {path}: expected {expected}, got {status} {answer}"));
        }
    }
}

fn simple(operator: &str, property: &str, arguments: &[&str]) -> Option<Value> {
    Some(json!({"QueryFilter": {"expression": {"operator": operator, "property": property, "argument": arguments}}}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_conforms_to_the_corrected_spec() {
    let sim = Sim::start(Options { page_size: 2, ..Options::default() }).await.expect("starts");
    let (_prism, port) = start_proxy(&sim.url());
    let mut c = Checked { http: reqwest::Client::new(), base: format!("http://127.0.0.1:{port}"), calls: Vec::new(), failures: Vec::new() };
    let component = demo::COMPONENT_ID;
    let (test, prod) = (demo::TEST_ENV_ID, demo::PROD_ENV_ID);
    let atom = demo::TEST_ATOMS[0];

    // Components and processes.
    c.ok("GET", &format!("/ComponentMetadata/{component}"), None).await;
    c.ok("GET", &format!("/ComponentMetadata/{component}~1"), None).await;
    c.expect(400, "GET", &format!("/ComponentMetadata/{component}~x"), None).await;
    c.expect(404, "GET", "/ComponentMetadata/nope", None).await;
    let page = c.ok("POST", "/ComponentMetadata/query", Some(json!({}))).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/ComponentMetadata/queryMore", Some(Value::String(token.to_owned()))).await;
    } else {
        c.failures.push("ComponentMetadata: no queryToken at page size 2".to_owned());
    }
    c.expect(400, "POST", "/ComponentMetadata/queryMore", Some(Value::String("bogus".to_owned()))).await;
    c.ok("GET", &format!("/Process/{component}"), None).await;
    c.expect(404, "GET", "/Process/nope", None).await;
    c.ok("POST", "/Process/query", simple("EQUALS", "name", &[demo::COMPONENT_NAME])).await;

    // Packaging and deploying.
    let package = c.ok("POST", "/PackagedComponent", Some(json!({"componentId": component, "packageVersion": "1.0", "notes": "n"}))).await;
    let package_id = package["packageId"].as_str().unwrap_or("none").to_owned();
    c.expect(400, "POST", "/PackagedComponent", Some(json!({"componentId": component, "packageVersion": "1.0"}))).await;
    c.expect(400, "POST", "/PackagedComponent", Some(json!({"componentId": "nope"}))).await;
    c.ok("GET", &format!("/PackagedComponent/{package_id}"), None).await;
    c.expect(404, "GET", "/PackagedComponent/nope", None).await;
    c.ok("POST", "/PackagedComponent/query", simple("EQUALS", "componentId", &[component])).await;
    c.expect(400, "POST", "/PackagedComponent/query", simple("EQUALS", "colour", &["red"])).await;
    let deployed = c.ok("POST", "/DeployedPackage", Some(json!({"environmentId": test, "packageId": package_id, "notes": "x"}))).await;
    let deployment_id = deployed["deploymentId"].as_str().unwrap_or("none").to_owned();
    c.ok("POST", "/DeployedPackage", Some(json!({"environmentId": prod, "componentId": component, "listenerStatus": "PAUSED"}))).await;
    c.expect(400, "POST", "/DeployedPackage", Some(json!({"environmentId": test, "packageId": package_id}))).await;
    c.expect(400, "POST", "/DeployedPackage", Some(json!({"environmentId": "nope", "packageId": package_id}))).await;
    c.ok("GET", &format!("/DeployedPackage/{deployment_id}"), None).await;
    c.expect(404, "GET", "/DeployedPackage/nope", None).await;
    let page = c.ok("POST", "/DeployedPackage/query", Some(json!({}))).await;
    if page.get("queryToken").is_some() {
        c.failures.push("DeployedPackage: two results at page size 2 need no token".to_owned());
    }
    c.expect(400, "POST", "/DeployedPackage/query", simple("BETWEEN", "version", &["1"])).await;
    c.expect(400, "POST", "/DeployedPackage/queryMore", Some(Value::String("bogus".to_owned()))).await;

    // Environments and runtimes.
    let created = c.ok("POST", "/Environment", Some(json!({"name": "QA", "classification": "TEST"}))).await;
    let qa = created["id"].as_str().unwrap_or("none").to_owned();
    c.ok("GET", &format!("/Environment/{test}"), None).await;
    c.expect(404, "GET", "/Environment/nope", None).await;
    let page = c.ok("POST", "/Environment/query", Some(json!({}))).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/Environment/queryMore", Some(Value::String(token.to_owned()))).await;
    }
    c.ok("DELETE", &format!("/Environment/{qa}"), None).await;
    c.expect(404, "DELETE", &format!("/Environment/{qa}"), None).await;
    c.ok("GET", &format!("/Atom/{atom}"), None).await;
    c.expect(404, "GET", "/Atom/nope", None).await;
    c.ok("POST", &format!("/Atom/{atom}"), Some(json!({"name": "renamed", "purgeHistoryDays": 3}))).await;
    c.expect(404, "POST", "/Atom/nope", Some(json!({"name": "x"}))).await;
    let page = c.ok("POST", "/Atom/query", simple("EQUALS", "status", &["ONLINE"])).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/Atom/queryMore", Some(Value::String(token.to_owned()))).await;
    }
    c.ok("DELETE", &format!("/Atom/{}", demo::PROD_ATOMS[1]), None).await;
    c.expect(404, "DELETE", "/Atom/nope", None).await;
    let page = c.ok("POST", "/EnvironmentAtomAttachment/query", Some(json!({}))).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/EnvironmentAtomAttachment/queryMore", Some(Value::String(token.to_owned()))).await;
    }

    // Extensions.
    c.ok("GET", &format!("/EnvironmentExtensions/{test}"), None).await;
    c.expect(404, "GET", "/EnvironmentExtensions/nope", None).await;
    let partial = json!({"id": test, "partial": true, "connections": {"connection": [
        {"id": demo::CONNECTION_ID, "field": [{"id": demo::URL_FIELD, "value": "jdbc:x"}]}]}});
    c.ok("POST", &format!("/EnvironmentExtensions/{test}"), Some(partial)).await;
    let unknown = json!({"partial": true, "connections": {"connection": [{"id": "nope", "field": []}]}});
    c.expect(400, "POST", &format!("/EnvironmentExtensions/{test}"), Some(unknown)).await;
    c.expect(404, "POST", "/EnvironmentExtensions/nope", Some(json!({}))).await;
    let page = c.ok("POST", "/EnvironmentExtensions/query", Some(json!({}))).await;
    if page.get("queryToken").is_some() {
        c.failures.push("EnvironmentExtensions: two results at page size 2 need no token".to_owned());
    }
    c.expect(400, "POST", "/EnvironmentExtensions/queryMore", Some(Value::String("bogus".to_owned()))).await;

    // Schedules.
    let page = c.ok("POST", "/ProcessSchedules/query", simple("EQUALS", "atomId", &[atom])).await;
    let schedules = page["result"][0]["id"].as_str().unwrap_or("none").to_owned();
    c.ok("GET", &format!("/ProcessSchedules/{schedules}"), None).await;
    c.expect(404, "GET", "/ProcessSchedules/nope", None).await;
    let update = json!({"id": schedules, "atomId": atom, "processId": component, "Schedule": [
        {"minutes": "0", "hours": "1", "daysOfWeek": "*", "daysOfMonth": "*", "months": "*", "years": "*"}],
        "Retry": {"Schedule": [], "maxRetry": 2}});
    c.ok("POST", &format!("/ProcessSchedules/{schedules}"), Some(update)).await;
    let mismatched = json!({"id": schedules, "atomId": demo::TEST_ATOMS[1], "processId": component});
    c.expect(400, "POST", &format!("/ProcessSchedules/{schedules}"), Some(mismatched)).await;
    let page = c.ok("POST", "/ProcessSchedules/query", Some(json!({}))).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/ProcessSchedules/queryMore", Some(Value::String(token.to_owned()))).await;
    }
    c.ok("GET", &format!("/ProcessScheduleStatus/{schedules}"), None).await;
    c.expect(404, "GET", "/ProcessScheduleStatus/nope", None).await;
    let status = json!({"id": schedules, "atomId": atom, "processId": component, "enabled": false});
    c.ok("POST", &format!("/ProcessScheduleStatus/{schedules}"), Some(status)).await;
    let page = c.ok("POST", "/ProcessScheduleStatus/query", Some(json!({}))).await;
    if let Some(token) = page["queryToken"].as_str() {
        c.ok("POST", "/ProcessScheduleStatus/queryMore", Some(Value::String(token.to_owned()))).await;
    }

    // Undeploy, auth and the rate limit.
    c.ok("DELETE", &format!("/DeployedPackage/{deployment_id}"), None).await;
    c.expect(404, "DELETE", "/DeployedPackage/nope", None).await;
    let (status, _) = c.call("GET", &format!("/Environment/{test}"), None, "wrong-token").await;
    if status != 401 {
        c.failures.push(format!("wrong token: expected 401, got {status}"));
    }
    let (status, _) = c.call("POST", "/Environment/query", Some(json!({})), "wrong-token").await;
    if status != 401 {
        c.failures.push(format!("wrong token on a query: expected 401, got {status}"));
    }
    sim.set_rate_limit(Some(0));
    c.expect(503, "GET", &format!("/Environment/{test}"), None).await;
    c.expect(503, "POST", "/DeployedPackage", Some(json!({"environmentId": test, "packageId": package_id}))).await;
    sim.set_rate_limit(None);

    assert!(c.failures.is_empty(), "{} of {} calls failed:\n{}", c.failures.len(), c.calls.len(), c.failures.join("\n"));
    assert!(c.calls.len() >= 60, "{} calls", c.calls.len());
    assert_eq!(sim.requests(), c.calls.len() as u64, "every call reached the simulator through Prism");
}
