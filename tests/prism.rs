//! Conformance against an independent validator: Prism (npm `@stoplight/prism-cli`),
//! started on loopback with the corrected spec (the seed spec with every overlay of
//! `spec/overlays/` applied, exactly what the client is generated from), checks every
//! request the generated client sends for every operation, and the client decodes
//! Prism's schema-generated responses.
//!
//! Prism comes from `tests/package.json`; the README's test command installs it. The
//! test fails, never skips, when it is missing.

use std::path::PathBuf;

use boomi_platform::filters::{
    AtomFilter, AtomProperty, ComponentMetadataFilter, ComponentMetadataProperty, DeployedPackageFilter,
    DeployedPackageProperty, EnvironmentAtomAttachmentFilter, EnvironmentAtomAttachmentProperty,
    EnvironmentExtensionsFilter, EnvironmentExtensionsProperty, EnvironmentProperty, ExecutionRecordFilter,
    ExecutionRecordProperty, PackagedComponentFilter, PackagedComponentProperty, ProcessFilter, ProcessProperty,
    ProcessSchedulesFilter, ProcessSchedulesProperty,
};
use boomi_platform::models;
use boomi_platform::{Client, Error};
use boomi_platform::runtime::futures::{StreamExt, TryStreamExt};
use test_support::prism::Prism;
use test_support::workspace_root;

/// The operations of the corrected spec, all of which the client has.
const OPERATIONS: usize = 43;

/// Writes the corrected spec (seed + overlays, as the generator sees it) as JSON for
/// Prism, one file per Prism instance so parallel tests do not share a file.
fn corrected_spec(name: &str) -> PathBuf {
    let (document, warnings) = specwright::preset::boomi(&workspace_root())
        .document()
        .unwrap_or_else(|err| panic!("the seed spec and its overlays load:\n{err}"));
    for warning in &warnings {
        eprintln!("{warning}");
    }
    let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    let operations: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| methods.iter().filter(|m| item.get(**m).is_some()).count())
        .sum();
    assert_eq!(operations, OPERATIONS, "operations in the corrected spec");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("boomi-platform-corrected-{name}.json"));
    let text = serde_json::to_vec_pretty(&document).expect("serialise the corrected spec");
    std::fs::write(&path, text).expect("write the corrected spec");
    path
}

fn start(extra: &[&str], name: &str) -> Prism {
    let spec = corrected_spec(name);
    Prism::start(&spec, extra, PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{name}.log")))
}

fn client(prism: &Prism) -> Client {
    Client::new(
        Client::config("acct-1")
            // Prism serves the spec's paths without the server's base path.
            .base_url(format!("http://127.0.0.1:{}", prism.port))
            .basic_auth("BOOMI_TOKEN.ci@example.com", "token-value"),
    )
    .expect("client")
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

/// What one run did: operations called, HTTP requests sent, failures.
struct Exercised {
    calls: usize,
    requests: usize,
    failures: Vec<String>,
}

/// Calls every operation once with valid inputs, then follows one query for two pages.
async fn exercise(client: &Client) -> Exercised {
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
    let token = "EXAMPLE/query+token==";

    // Processes.
    call!("getProcess", client.get_process(id));
    let filter = ProcessFilter::or([
        ProcessFilter::from(ProcessProperty::Name.like("Ord%")),
        ProcessFilter::and([ProcessProperty::IntegrationPackId.is_not_null(), ProcessProperty::Id.not_equals("p9")]),
    ]);
    call!("queryProcesses", client.query_processes(&filter.into()));
    call!("queryMoreProcesses", client.query_more_processes(token));

    // Execution.
    let execution = models::ExecutionRequest {
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
    call!("executeProcess", client.execute_process(&execution));
    let records = ExecutionRecordFilter::and([
        ExecutionRecordProperty::ExecutionTime.between("2026-01-01T00:00:00Z", "2026-01-31T23:59:59Z"),
        ExecutionRecordProperty::Status.equals("ERROR"),
    ])
    .into_sorted_request([(ExecutionRecordProperty::ExecutionTime, "DESC")]);
    call!("queryExecutionRecords", client.query_execution_records(&records));
    call!("queryMoreExecutionRecords", client.query_more_execution_records(token));
    // `None` (202, still running) and `Some` (200) are both a success.
    call!("getAsyncExecutionRecord", client.get_async_execution_record("executionrecord-1234"));

    // Environments, their runtimes and their extensions.
    let env_input = models::EnvironmentInput { name: "PROD".into(), classification: models::EnvironmentClassification::Prod };
    call!("createEnvironment", client.create_environment(&env_input));
    call!("getEnvironment", client.get_environment(id));
    call!("deleteEnvironment", client.delete_environment(id));
    call!("queryEnvironments", client.query_environments(&EnvironmentProperty::Classification.equals("TEST").into()));
    call!("queryMoreEnvironments", client.query_more_environments(token));
    let filter = EnvironmentAtomAttachmentFilter::and([
        EnvironmentAtomAttachmentProperty::EnvironmentId.equals("e1"),
        EnvironmentAtomAttachmentProperty::AtomId.is_not_null(),
    ]);
    call!("queryEnvironmentAtomAttachments", client.query_environment_atom_attachments(&filter.into()));
    call!("queryMoreEnvironmentAtomAttachments", client.query_more_environment_atom_attachments(token));
    // What is read is sent back whole (a full update).
    let extensions = call!("getEnvironmentExtensions", client.get_environment_extensions(id)).unwrap_or_else(full_extensions);
    call!("updateEnvironmentExtensions", client.update_environment_extensions(id, &extensions));
    let filter = EnvironmentExtensionsFilter::or([
        EnvironmentExtensionsProperty::EnvironmentId.equals("e1"),
        EnvironmentExtensionsProperty::ExtensionGroupId.is_null(),
    ]);
    call!("queryEnvironmentExtensions", client.query_environment_extensions(&filter.into()));
    call!("queryMoreEnvironmentExtensions", client.query_more_environment_extensions(token));

    // Deployment.
    let deploy = models::DeployedPackageInput {
        environment_id: "e1".into(),
        package_id: Some("pk1".into()),
        notes: Some("ci".into()),
        component_id: None,
        listener_status: Some(models::DeployedPackageListenerStatus::Running),
    };
    call!("createDeployedPackage", client.create_deployed_package(&deploy));
    call!("getDeployedPackage", client.get_deployed_package(id));
    call!("deleteDeployedPackage", client.delete_deployed_package(id));
    let filter = DeployedPackageFilter::and([
        DeployedPackageFilter::from(DeployedPackageProperty::EnvironmentId.equals("e1")),
        DeployedPackageFilter::or([
            DeployedPackageFilter::from(DeployedPackageProperty::Active.equals("true")),
            DeployedPackageFilter::and([
                DeployedPackageProperty::Notes.is_null(),
                DeployedPackageProperty::DeployedDate.between("2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z"),
            ]),
        ]),
    ]);
    call!("queryDeployedPackages", client.query_deployed_packages(&filter.into()));
    call!("queryMoreDeployedPackages", client.query_more_deployed_packages(token));

    // Runtimes.
    call!("getAtom", client.get_atom(id));
    let atom_input = models::AtomInput {
        name: Some("atom".into()),
        purge_history_days: Some(30),
        purge_immediate: Some(true),
        force_restart_time: Some(60_000),
    };
    call!("updateAtom", client.update_atom(id, &atom_input));
    call!("deleteAtom", client.delete_atom(id));
    let filter = AtomFilter::or([AtomProperty::Status.equals("ONLINE"), AtomProperty::Type.not_equals("CLOUD"), AtomProperty::Name.contains("prod")]);
    call!("queryAtoms", client.query_atoms(&filter.into()));
    call!("queryMoreAtoms", client.query_more_atoms(token));

    // Components.
    let package = models::PackagedComponentInput {
        component_id: "c1".into(),
        component_version: Some(2),
        package_version: Some("1.0".into()),
        notes: Some("release".into()),
        branch_name: Some("main".into()),
        package_id: None,
    };
    call!("createPackagedComponent", client.create_packaged_component(&package));
    call!("getPackagedComponent", client.get_packaged_component(id));
    let filter = PackagedComponentFilter::and([
        PackagedComponentProperty::ComponentId.equals("c1"),
        PackagedComponentProperty::Other("shareable".into()).equals("true"),
    ]);
    call!("queryPackagedComponents", client.query_packaged_components(&filter.into()));
    call!("queryMorePackagedComponents", client.query_more_packaged_components(token));
    call!("getComponentMetadata", client.get_component_metadata("c1~7"));
    let filter = ComponentMetadataFilter::and([
        ComponentMetadataProperty::Name.equals("Orders"),
        ComponentMetadataProperty::Type.equals("process"),
        ComponentMetadataProperty::CurrentVersion.equals("true"),
    ]);
    call!("queryComponentMetadata", client.query_component_metadata(&filter.into()));
    call!("queryMoreComponentMetadata", client.query_more_component_metadata(token));

    // Schedules: what is read is sent back.
    let schedules = call!("getProcessSchedules", client.get_process_schedules(id)).unwrap_or_else(full_schedules);
    call!("updateProcessSchedules", client.update_process_schedules(id, &schedules));
    let filter = ProcessSchedulesFilter::and([ProcessSchedulesProperty::AtomId.equals("a1"), ProcessSchedulesProperty::ProcessId.equals("p1")]);
    call!("queryProcessSchedules", client.query_process_schedules(&filter.into()));
    call!("queryMoreProcessSchedules", client.query_more_process_schedules(token));
    let status = call!("getProcessScheduleStatus", client.get_process_schedule_status(id)).unwrap_or_else(|| models::ProcessScheduleStatus {
        id: "s1".into(),
        atom_id: "a1".into(),
        process_id: "p1".into(),
        enabled: None,
    });
    let stop = models::ProcessScheduleStatus { enabled: Some(false), ..status };
    call!("updateProcessScheduleStatus", client.update_process_schedule_status(id, &stop));
    // An empty config (`{}`) lists everything.
    call!("queryProcessScheduleStatuses", client.query_process_schedule_statuses(&models::ProcessScheduleStatusQueryConfig::default()));
    call!("queryMoreProcessScheduleStatuses", client.query_more_process_schedule_statuses(token));

    // Paging: the query, then queryMore with the token Prism made up. Not drained:
    // Prism answers every queryMore with a token again.
    let query = models::EnvironmentQueryConfig::default();
    let pages: Vec<_> = client.query_environments_pages(query).take(2).collect().await;
    let expected_pages = match pages.first() {
        Some(Ok(page)) if page.query_token.as_deref().is_some_and(|t| !t.is_empty()) => 2,
        _ => 1,
    };
    if pages.len() != expected_pages {
        failures.push(format!("queryEnvironments pages: {} pages, expected {expected_pages}", pages.len()));
    }
    for page in &pages {
        if let Err(err) = page {
            failures.push(describe("queryEnvironments pages", err));
        }
    }
    Exercised { calls, requests: calls + pages.len(), failures }
}

/// Every section filled, for when the get failed (the failure is reported anyway).
fn full_extensions() -> models::EnvironmentExtensions {
    let field = models::Field { id: Some("url".into()), value: Some("jdbc:x".into()), use_default: Some(false), ..Default::default() };
    models::EnvironmentExtensions {
        id: Some("e1".into()),
        environment_id: Some("e1".into()),
        partial: Some(false),
        connections: Some(models::Connections {
            connection: Some(vec![models::Connection { id: Some("conn1".into()), name: Some("DB".into()), field: Some(vec![field]) }]),
        }),
        properties: Some(models::Properties { property: Some(vec![models::Property { name: "batch".into(), value: "50".into() }]) }),
        ..Default::default()
    }
}

fn full_schedules() -> models::ProcessSchedules {
    let schedule = models::Schedule {
        minutes: Some("0-59/15".into()),
        hours: Some("8-18".into()),
        days_of_week: Some("2,3,4,5,6".into()),
        days_of_month: Some("*".into()),
        months: Some("*".into()),
        years: Some("*".into()),
    };
    models::ProcessSchedules {
        id: "s1".into(),
        atom_id: "a1".into(),
        process_id: "p1".into(),
        schedule: Some(vec![schedule.clone()]),
        retry: Some(models::ScheduleRetry { schedule: Some(vec![schedule]), max_retry: Some(3) }),
    }
}

async fn run(extra: &[&str], name: &str) {
    let prism = start(extra, name);
    let client = client(&prism);
    let Exercised { calls, requests, failures } = exercise(&client).await;
    assert_eq!(calls, OPERATIONS, "every operation of the spec is called");
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
    assert_eq!(passed, requests, "Prism's log shows {passed} validated requests of {requests}:\n{log}");
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

/// The control: Prism does reject what the corrected spec forbids, so the tests above
/// mean something.
#[tokio::test]
async fn prism_rejects_an_invalid_request() {
    let prism = start(&[], "control");
    let client = client(&prism);

    // An enum value the spec does not list goes out unchanged and is refused.
    let input = models::EnvironmentInput {
        name: "TEST".into(),
        classification: models::EnvironmentClassification::UnknownValue("PRODUCTION".into()),
    };
    let err = client.create_environment(&input).await.expect_err("PRODUCTION is not a classification of the real API");
    let Error::Api(api) = &err else { panic!("expected the declared 400, got {err:?}") };
    assert_eq!(api.status, 400);
    let violations = api.headers.get("sl-violations").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(violations.contains("classification"), "{violations}");

    // The seed spec's uppercase grouping operator is not the real grammar.
    let filter = ProcessFilter::grouped(
        models::GroupingExpressionOperator::UnknownValue("AND".into()),
        [ProcessProperty::Name.equals("Orders")],
    );
    let err = client.query_processes(&filter.into()).await.expect_err("AND is not a grouping operator");
    let Error::Api(api) = &err else { panic!("expected the declared 400, got {err:?}") };
    assert_eq!(api.status, 400);
    let violations = api.headers.get("sl-violations").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(violations.contains("expression"), "{violations}");

    let unauthenticated = Client::new(Client::config("acct-1").base_url(format!("http://127.0.0.1:{}", prism.port))).expect("client");
    let err = unauthenticated.get_process("p1").await.expect_err("no credentials");
    assert_eq!(err.status(), Some(401));
}

/// Paging against Prism follows Prism's token: the second request is a queryMore
/// carrying it, and it validates.
#[tokio::test]
async fn paging_sends_the_token_prism_made_up() {
    let prism = start(&[], "paging");
    let client = client(&prism);
    let query = models::ProcessQueryConfig::default();
    let pages: Vec<models::ProcessQueryResult> =
        client.query_processes_pages(query).take(2).try_collect().await.unwrap_or_else(|err| panic!("{}", describe("pages", &err)));
    assert_eq!(pages.len(), 2, "static responses always carry a queryToken");
    assert!(pages[0].query_token.as_deref().is_some_and(|t| !t.is_empty()), "{:?}", pages[0]);
    let log = std::fs::read_to_string(&prism.log).unwrap_or_default();
    assert_eq!(log.matches("The request passed the validation rules").count(), 2, "{log}");
    assert!(log.contains("/Process/queryMore"), "{log}");
}
