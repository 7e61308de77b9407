//! Conformance against an independent validator: Prism (npm `@stoplight/prism-cli`),
//! started on loopback with the spec, checks every request the generated client sends
//! for every operation, and the client decodes Prism's schema-generated responses.
//!
//! Prism comes from `tests/package.json`; the README's test command installs it. The
//! test fails, never skips, when it is missing.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use boomi_platform::filters::{
    AtomFilter, AtomProperty, DeployedPackageFilter, DeployedPackageProperty, EnvironmentFilter, EnvironmentProperty,
    ExecutionRecordFilter, ExecutionRecordProperty, ProcessFilter, ProcessProperty,
};
use boomi_platform::models;
use boomi_platform::{Client, Error};
use test_support::workspace_root;

/// Kills Prism when the test ends, however it ends.
struct Prism {
    child: Child,
    port: u16,
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
    assert!(
        path.exists(),
        "Prism is not installed at {}; run `npm ci --prefix tests` (the README's test command, scripts/test.sh, does this)",
        path.display()
    );
    path
}

fn start(extra: &[&str], name: &str) -> Prism {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port");
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{name}.log"));
    let log_file = std::fs::File::create(&log).expect("prism log file");
    let spec = workspace_root().join("spec/boomi-platform.yaml");
    let child = Command::new(prism_binary())
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "--errors"])
        .args(extra)
        .arg(&spec)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log handle"))
        .stderr(log_file)
        .spawn()
        .expect("start prism (is Node.js on PATH?)");
    let mut prism = Prism { child, port, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return prism;
        }
        if let Ok(Some(status)) = prism.child.try_wait() {
            panic!("prism exited with {status} before listening:\n{}", std::fs::read_to_string(&prism.log).unwrap_or_default());
        }
        assert!(Instant::now() < deadline, "prism did not listen within 60 s:\n{}", std::fs::read_to_string(&prism.log).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What went wrong with one call, with Prism's own verdict (`sl-violations`).
fn describe<E: std::fmt::Debug>(op: &str, err: &Error<E>) -> String {
    let violations = err
        .api()
        .and_then(|api| api.headers.get("sl-violations"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    format!("{op}: {err}\n    violations: {violations}\n    detail: {err:?}")
}

/// Calls every operation once; returns the failures.
async fn exercise(client: &Client) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut calls = 0;
    macro_rules! call {
        ($name:literal, $future:expr) => {{
            calls += 1;
            match $future.await {
                Ok(value) => Some(value),
                Err(err) => {
                    failures.push(describe($name, &err));
                    None
                }
            }
        }};
    }
    let id = "a/b c?#%";

    let process_input = models::ProcessInput { name: Some("Orders".into()), folder_id: Some("f1".into()) };
    call!("createProcess", client.create_process(&process_input));
    call!("getProcess", client.get_process(id));
    call!("updateProcess", client.update_process(id, &process_input));
    call!("deleteProcess", client.delete_process(id));
    let filter = ProcessFilter::and([ProcessProperty::Name.like("Ord%"), ProcessProperty::FolderId.equals("f1")]);
    call!("queryProcesses", client.query_processes(&filter.into()));

    let execution = models::ExecutionRequest {
        atom_id: "a1".into(),
        process_id: "p1".into(),
        process_properties: Some(vec![models::ExecutionRequestProcessPropertiesItem { name: Some("k".into()), value: Some("v".into()) }]),
    };
    call!("executeProcess", client.execute_process(&execution));
    let filter = ExecutionRecordFilter::or([ExecutionRecordProperty::Status.equals("ERROR"), ExecutionRecordProperty::ProcessId.equals("p1")]);
    call!("queryExecutionRecords", client.query_execution_records(&filter.into()));

    let env_input = models::EnvironmentInput { name: "TEST".into(), classification: models::EnvironmentInputClassification::Test };
    call!("createEnvironment", client.create_environment(&env_input));
    call!("getEnvironment", client.get_environment(id));
    call!("deleteEnvironment", client.delete_environment(id));
    let filter = EnvironmentFilter::and([EnvironmentProperty::Classification.equals("TEST")]);
    call!("queryEnvironments", client.query_environments(&filter.into()));

    let deploy = models::DeployedPackageInput { environment_id: "e1".into(), package_id: "pk1".into(), notes: Some("ci".into()) };
    call!("createDeployedPackage", client.create_deployed_package(&deploy));
    call!("getDeployedPackage", client.get_deployed_package(id));
    call!("deleteDeployedPackage", client.delete_deployed_package(id));
    let filter = DeployedPackageFilter::and([DeployedPackageProperty::EnvironmentId.equals("e1"), DeployedPackageProperty::Active.equals("true")]);
    call!("queryDeployedPackages", client.query_deployed_packages(&filter.into()));

    call!("getAtom", client.get_atom(id));
    let atom_input = models::AtomInput { name: Some("atom".into()), purge_history_days: Some(30) };
    call!("updateAtom", client.update_atom(id, &atom_input));
    call!("deleteAtom", client.delete_atom(id));
    let filter = AtomFilter::or([AtomProperty::Status.equals("ONLINE"), AtomProperty::Type.not_equals("CLOUD")]);
    call!("queryAtoms", client.query_atoms(&filter.into()));

    let package = models::PackagedComponentInput {
        component_id: "c1".into(),
        component_version: "2".into(),
        package_version: Some("1.0".into()),
        notes: None,
    };
    call!("createPackagedComponent", client.create_packaged_component(&package));
    call!("getPackagedComponent", client.get_packaged_component(id));

    let schedules = call!("getProcessSchedules", client.get_process_schedules(id));
    let schedules = schedules.unwrap_or_else(|| models::ProcessSchedules {
        id: Some("s1".into()),
        atom_id: Some("a1".into()),
        process_id: Some("p1".into()),
        schedule: None,
    });
    call!("updateProcessSchedules", client.update_process_schedules(id, &schedules));
    (calls, failures)
}

async fn run(extra: &[&str], name: &str) {
    let prism = start(extra, name);
    let client = Client::new(
        Client::config("acct-1")
            // Prism serves the spec's paths without the server's base path.
            .base_url(format!("http://127.0.0.1:{}", prism.port))
            .basic_auth("BOOMI_TOKEN.ci@example.com", "token-value"),
    )
    .expect("client");
    let (calls, failures) = exercise(&client).await;
    assert_eq!(calls, 23, "every operation of the spec is called");
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed against Prism ({name}; log at {}):\n{}",
        failures.len(),
        prism.log.display(),
        failures.join("\n")
    );
    // Prism logs a validation verdict per request; none may be an error.
    let log = std::fs::read_to_string(&prism.log).unwrap_or_default();
    let passed = log.matches("The request passed the validation rules").count();
    assert_eq!(passed, calls, "Prism's log shows {passed} validated requests of {calls}:\n{log}");
    assert!(!log.contains("Request did not pass the validation rules"), "{log}");
}

/// Static responses: every property filled from the schema.
#[tokio::test]
async fn every_request_validates_and_static_responses_decode() {
    run(&[], "static").await;
}

/// Dynamic responses (seeded, so a failure reproduces): random values, empty arrays.
#[tokio::test]
async fn every_request_validates_and_dynamic_responses_decode() {
    run(&["-d", "--seed", "20261123"], "dynamic").await;
}

/// The control: Prism does reject what the spec forbids, so the tests above mean
/// something. An enum value the spec does not list goes out unchanged and is refused.
#[tokio::test]
async fn prism_rejects_an_invalid_request() {
    let prism = start(&[], "control");
    let client = Client::new(
        Client::config("acct-1")
            .base_url(format!("http://127.0.0.1:{}", prism.port))
            .basic_auth("BOOMI_TOKEN.ci@example.com", "token-value"),
    )
    .expect("client");
    let input = models::EnvironmentInput {
        name: "TEST".into(),
        classification: models::EnvironmentInputClassification::UnknownValue("BOGUS".into()),
    };
    let err = client.create_environment(&input).await.expect_err("BOGUS is not a classification");
    let Error::Api(api) = &err else { panic!("expected the declared 400, got {err:?}") };
    assert_eq!(api.status, 400);
    let violations = api.headers.get("sl-violations").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(violations.contains("classification"), "{violations}");

    let unauthenticated = Client::new(Client::config("acct-1").base_url(format!("http://127.0.0.1:{}", prism.port))).expect("client");
    let err = unauthenticated.get_process("p1").await.expect_err("no credentials");
    assert_eq!(err.status(), Some(401));
}
