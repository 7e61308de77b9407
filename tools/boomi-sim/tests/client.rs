//! The simulator driven with the generated client (`boomi-platform`): every operation
//! the simulator serves decodes, every queryMore is followed, errors come back with
//! statuses the spec declares, and faults surface as request errors.
//!
//! The client sorts statuses into declared ([`Error::Api`]) and undeclared
//! ([`Error::UnexpectedStatus`]) and decodes every success body, so these tests also
//! check that the simulator answers only in the spec's statuses and shapes.

mod common;

use boomi_platform::filters::{
    AtomProperty, ComponentMetadataFilter, ComponentMetadataProperty, DeployedPackageFilter, DeployedPackageProperty,
    EnvironmentAtomAttachmentProperty, EnvironmentExtensionsProperty, EnvironmentProperty, PackagedComponentFilter,
    PackagedComponentProperty, ProcessScheduleStatusProperty, ProcessSchedulesFilter, ProcessSchedulesProperty,
};
use boomi_platform::models;
use boomi_platform::{Client, Error};
use boomi_sim::{Fault, Options, Sim, demo};
use common::{TOKEN, USER};
use futures::TryStreamExt;

fn client(sim: &Sim) -> Client {
    Client::new(Client::config("demo-account").basic_auth(USER, TOKEN).base_url(sim.url())).expect("a client")
}

fn status<T: std::fmt::Debug, E: std::fmt::Debug>(result: Result<T, Error<E>>) -> u16 {
    match result {
        Err(Error::Api(err)) => err.status,
        other => panic!("expected a declared API error, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_credentials_are_a_declared_401() {
    let sim = Sim::start(Options::default()).await.expect("starts");
    let wrong =
        Client::new(Client::config("demo-account").basic_auth(USER, "not-the-token").base_url(sim.url())).expect("a client");
    assert_eq!(status(wrong.get_environment(demo::TEST_ENV_ID).await), 401);
    let query: models::EnvironmentQueryConfig = Default::default();
    assert_eq!(status(wrong.query_environments(&query).await), 401);
    let other_account = Client::new(
        Client::config("demo-account").basic_auth(USER, TOKEN).base_url(sim.url().replace("demo-account", "someone-else")),
    )
    .expect("a client");
    assert_eq!(status(other_account.get_environment(demo::TEST_ENV_ID).await), 403);
}

#[tokio::test]
async fn the_deployment_workflow_end_to_end() {
    let sim = Sim::start(Options::default()).await.expect("starts");
    let client = client(&sim);

    // Resolve the process by name, current revision only.
    let by_name: models::ComponentMetadataQueryConfig = ComponentMetadataFilter::and([
        ComponentMetadataProperty::Name.equals(demo::COMPONENT_NAME),
        ComponentMetadataProperty::CurrentVersion.equals("true"),
        ComponentMetadataProperty::Deleted.equals("false"),
    ])
    .into();
    let found = client.query_component_metadata(&by_name).await.expect("query");
    let found = found.result.unwrap_or_default();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].component_id.as_deref(), Some(demo::COMPONENT_ID));
    let latest = client.get_component_metadata(demo::COMPONENT_ID).await.expect("latest");
    assert_eq!(latest.version, Some(demo::COMPONENT_VERSION));
    let first = client.get_component_metadata(&format!("{}~1", demo::COMPONENT_ID)).await.expect("revision 1");
    assert_eq!(first.version, Some(1));
    assert_eq!(status(client.get_component_metadata(&format!("{}~x", demo::COMPONENT_ID)).await), 400);
    assert_eq!(status(client.get_component_metadata("nope").await), 404);
    let process = client.get_process(demo::COMPONENT_ID).await.expect("the process");
    assert_eq!(process.name.as_deref(), Some(demo::COMPONENT_NAME));

    // Step 1: package, unless that version exists.
    let exists: models::PackagedComponentQueryConfig = PackagedComponentFilter::and([
        PackagedComponentProperty::ComponentId.equals(demo::COMPONENT_ID),
        PackagedComponentProperty::PackageVersion.equals("2.1"),
    ])
    .into();
    assert_eq!(client.query_packaged_components(&exists).await.expect("query").number_of_results, Some(0));
    let input = models::PackagedComponentInput {
        component_id: demo::COMPONENT_ID.to_owned(),
        package_version: Some("2.1".to_owned()),
        notes: Some("release 2.1".to_owned()),
        ..Default::default()
    };
    let package = client.create_packaged_component(&input).await.expect("packaged");
    let package_id = package.package_id.clone().expect("packageId");
    assert_eq!(package.component_version, Some(demo::COMPONENT_VERSION));
    assert_eq!(package.created_by.as_deref(), Some(USER));
    let duplicate = client.create_packaged_component(&input).await;
    match duplicate {
        Err(Error::Api(err)) => {
            assert_eq!(err.status, 400);
            assert!(err.message().unwrap_or_default().contains("already exists"), "{err:?}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    assert_eq!(client.get_packaged_component(&package_id).await.expect("get").package_version.as_deref(), Some("2.1"));

    // Steps 2 and 3: deploy to TEST, then the same package to PROD.
    let environments = client
        .query_environments(&EnvironmentProperty::Classification.equals("PROD").into())
        .await
        .expect("query");
    let prod = environments.result.unwrap_or_default();
    assert_eq!(prod.len(), 1);
    assert_eq!(prod[0].id.as_deref(), Some(demo::PROD_ENV_ID));
    let mut deployments = Vec::new();
    for env in [demo::TEST_ENV_ID, demo::PROD_ENV_ID] {
        let deployed = client
            .create_deployed_package(&models::DeployedPackageInput {
                environment_id: env.to_owned(),
                package_id: Some(package_id.clone()),
                notes: Some("ci".to_owned()),
                ..Default::default()
            })
            .await
            .expect("deployed");
        assert_eq!(deployed.active, Some(true));
        assert_eq!(deployed.version, Some(1));
        assert!(deployed.deployed_date.is_some(), "deployedDate decodes as a date-time");
        deployments.push(deployed.deployment_id.expect("deploymentId"));
    }
    let in_prod: models::DeployedPackageQueryConfig = DeployedPackageFilter::and([
        DeployedPackageProperty::EnvironmentId.equals(demo::PROD_ENV_ID),
        DeployedPackageProperty::Active.equals("true"),
    ])
    .into();
    let active: Vec<_> = client.query_deployed_packages_all(in_prod).try_collect().await.expect("all");
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].package_id.as_deref(), Some(package_id.as_str()));

    // Step 4: extensions of PROD, overlaid and sent back (a full update).
    let mut extensions = client.get_environment_extensions(demo::PROD_ENV_ID).await.expect("extensions");
    let connections = extensions.connections.as_mut().and_then(|c| c.connection.as_mut()).expect("connections");
    let fields = connections[0].field.as_mut().expect("fields");
    let url = fields.iter_mut().find(|f| f.id.as_deref() == Some(demo::URL_FIELD)).expect("url");
    url.value = Some("jdbc:postgresql://new-prod-db:5432/orders".to_owned());
    let password = fields.iter().find(|f| f.id.as_deref() == Some(demo::PASSWORD_FIELD)).expect("password");
    assert_eq!(password.value, None, "the secret is never returned");
    let updated = client.update_environment_extensions(demo::PROD_ENV_ID, &extensions).await.expect("updated");
    assert!(updated.connections.is_some());
    let stored = sim.state().extensions_of(demo::PROD_ENV_ID).cloned().expect("stored");
    let url = stored.connection_field(demo::CONNECTION_ID, demo::URL_FIELD).and_then(|f| f.value);
    assert_eq!(url.as_deref(), Some("jdbc:postgresql://new-prod-db:5432/orders"));
    let secret = stored.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD).and_then(|f| f.value);
    assert_eq!(secret.as_deref(), Some(demo::ENCRYPTED_SECRET), "a GET-then-update round trip keeps the secret");
    let user = stored.connection_field(demo::CONNECTION_ID, demo::USER_FIELD).and_then(|f| f.value);
    assert_eq!(user.as_deref(), Some(demo::DB_USER), "values sent back unchanged stay");
    let query = EnvironmentExtensionsProperty::EnvironmentId.equals(demo::PROD_ENV_ID).into();
    assert_eq!(client.query_environment_extensions(&query).await.expect("query").number_of_results, Some(1));

    // Step 5: for each runtime of PROD, query then update its schedules.
    let attached = client
        .query_environment_atom_attachments(&EnvironmentAtomAttachmentProperty::EnvironmentId.equals(demo::PROD_ENV_ID).into())
        .await
        .expect("attachments");
    let atoms: Vec<String> = attached.result.unwrap_or_default().into_iter().filter_map(|a| a.atom_id).collect();
    assert_eq!(atoms, demo::PROD_ATOMS.to_vec());
    for atom in &atoms {
        let query: models::ProcessSchedulesQueryConfig = ProcessSchedulesFilter::and([
            ProcessSchedulesProperty::AtomId.equals(atom.as_str()),
            ProcessSchedulesProperty::ProcessId.equals(demo::COMPONENT_ID),
        ])
        .into();
        let page = client.query_process_schedules(&query).await.expect("schedules");
        let mut schedules = page.result.unwrap_or_default().pop().expect("one per runtime");
        assert_eq!(schedules.schedule.as_deref().map(<[_]>::len), Some(0), "empty after deploying");
        schedules.schedule = Some(vec![models::Schedule {
            minutes: Some("0-59/15".to_owned()),
            hours: Some("8-18".to_owned()),
            days_of_week: Some("2,3,4,5,6".to_owned()),
            days_of_month: Some("*".to_owned()),
            months: Some("*".to_owned()),
            years: Some("*".to_owned()),
        }]);
        let id = schedules.id.clone();
        client.update_process_schedules(&id, &schedules).await.expect("updated");
        let got = client.get_process_schedules(&id).await.expect("get");
        assert_eq!(got.schedule.map(|s| s.len()), Some(1));
        let status_query = ProcessScheduleStatusProperty::AtomId.equals(atom.as_str()).into();
        let statuses = client.query_process_schedule_statuses(&status_query).await.expect("statuses");
        let mut status_object = statuses.result.unwrap_or_default().pop().expect("a status");
        assert_eq!(status_object.id, id);
        status_object.enabled = Some(false);
        client.update_process_schedule_status(&id, &status_object).await.expect("disabled");
        assert_eq!(client.get_process_schedule_status(&id).await.expect("get").enabled, Some(false));
    }

    // Undeploy from TEST.
    client.delete_deployed_package(&deployments[0]).await.expect("undeployed");
    assert_eq!(client.get_deployed_package(&deployments[0]).await.expect("kept").active, Some(false));
    assert_eq!(status(client.delete_deployed_package("nope").await), 404);

    let creates = sim.changes().into_iter().filter(|c| c.action == "create" && c.object == "DeployedPackage").count();
    assert_eq!(creates, 2, "each deployment made exactly once");
}

#[tokio::test]
async fn every_query_stream_follows_query_more() {
    let sim = Sim::start(Options { page_size: 1, ..Options::default() }).await.expect("starts");
    sim.add_deployments(demo::TEST_ENV_ID, 3);
    let client = client(&sim);
    let state = sim.state();

    let all = models::ComponentMetadataQueryConfig::default();
    let n = client.query_component_metadata_all(all).try_collect::<Vec<_>>().await.expect("components").len();
    assert_eq!(n, state.components.len());
    let n = client.query_processes_all(models::ProcessQueryConfig::default()).try_collect::<Vec<_>>().await.expect("processes").len();
    assert_eq!(n, 4, "the demo process and the three bulk ones");
    let n = client.query_packaged_components_all(models::PackagedComponentQueryConfig::default()).try_collect::<Vec<_>>().await.expect("packages").len();
    assert_eq!(n, state.packages.len());
    let n = client.query_deployed_packages_all(models::DeployedPackageQueryConfig::default()).try_collect::<Vec<_>>().await.expect("deployments").len();
    assert_eq!(n, 3);
    let n = client.query_environments_all(models::EnvironmentQueryConfig::default()).try_collect::<Vec<_>>().await.expect("environments").len();
    assert_eq!(n, 2);
    let online = AtomProperty::Status.equals("ONLINE");
    let n = client.query_atoms_all(online).try_collect::<Vec<_>>().await.expect("atoms").len();
    assert_eq!(n, 4);
    let n = client
        .query_environment_atom_attachments_all(models::EnvironmentAtomAttachmentQueryConfig::default())
        .try_collect::<Vec<_>>()
        .await
        .expect("attachments")
        .len();
    assert_eq!(n, 4);
    let n = client.query_environment_extensions_all(models::EnvironmentExtensionsQueryConfig::default()).try_collect::<Vec<_>>().await.expect("extensions").len();
    assert_eq!(n, 2);
    let n = client.query_process_schedules_all(models::ProcessSchedulesQueryConfig::default()).try_collect::<Vec<_>>().await.expect("schedules").len();
    assert_eq!(n, 6, "three processes on two runtimes");
    let n = client
        .query_process_schedule_statuses_all(models::ProcessScheduleStatusQueryConfig::default())
        .try_collect::<Vec<_>>()
        .await
        .expect("statuses")
        .len();
    assert_eq!(n, 6);
    assert!(sim.requests_to("POST /ProcessScheduleStatus/queryMore") >= 5);
}

#[tokio::test]
async fn runtimes_and_environments() {
    let sim = Sim::start(Options::default()).await.expect("starts");
    let client = client(&sim);
    let atom = client.get_atom(demo::TEST_ATOMS[0]).await.expect("atom");
    assert_eq!(atom.name.as_deref(), Some("TEST-atom-1"));
    let input = models::AtomInput { name: Some("renamed".to_owned()), purge_history_days: Some(7), ..Default::default() };
    let updated = client.update_atom(demo::TEST_ATOMS[0], &input).await.expect("updated");
    assert_eq!((updated.name.as_deref(), updated.purge_history_days), (Some("renamed"), Some(7)));
    assert_eq!(status(client.update_atom("nope", &input).await), 404);
    client.delete_atom(demo::TEST_ATOMS[1]).await.expect("deleted");
    assert_eq!(status(client.get_atom(demo::TEST_ATOMS[1]).await), 404);
    assert_eq!(sim.state().attachments.len(), 3);

    let created = client
        .create_environment(&models::EnvironmentInput {
            name: "STAGE".to_owned(),
            classification: models::EnvironmentClassification::Test,
        })
        .await
        .expect("created");
    let id = created.id.expect("id");
    assert_eq!(client.get_environment(&id).await.expect("get").name.as_deref(), Some("STAGE"));
    client.delete_environment(&id).await.expect("deleted");
    assert_eq!(status(client.get_environment(&id).await), 404);
}

#[tokio::test]
async fn dropped_connections_surface_as_request_errors() {
    let sim = Sim::start(Options::default()).await.expect("starts");
    let client = client(&sim);
    let input = |env: &str| models::DeployedPackageInput {
        environment_id: env.to_owned(),
        component_id: Some(demo::COMPONENT_ID.to_owned()),
        ..Default::default()
    };

    sim.fail_request(1, Fault::DropBeforeApply);
    let result = client.create_deployed_package(&input(demo::TEST_ENV_ID)).await;
    assert!(matches!(result, Err(Error::Request(_))), "{result:?}");
    assert!(sim.state().deployments.is_empty());

    sim.fail_request(1, Fault::DropAfterApply);
    let result = client.create_deployed_package(&input(demo::TEST_ENV_ID)).await;
    assert!(matches!(result, Err(Error::Request(_))), "{result:?}");
    let state = sim.state();
    assert_eq!(state.deployments.len(), 1, "deployed although the client saw an error");
    assert!(state.deployments[0].active);
    let creates = sim.changes().into_iter().filter(|c| c.object == "DeployedPackage" && c.action == "create").count();
    assert_eq!(creates, 1, "the create is never retried by the client");

    // A client that checks before retrying finds the deployment.
    let query = DeployedPackageProperty::EnvironmentId.equals(demo::TEST_ENV_ID).into();
    let found = client.query_deployed_packages(&query).await.expect("query");
    assert_eq!(found.number_of_results, Some(1));
}

#[tokio::test]
async fn the_client_rides_out_the_rate_limit() {
    let sim = Sim::start(Options { rate_limit: Some(1), ..Options::default() }).await.expect("starts");
    let client = client(&sim);
    client.get_environment(demo::TEST_ENV_ID).await.expect("first in the window");
    let prod = client.get_environment(demo::PROD_ENV_ID).await.expect("after retrying the 503");
    assert_eq!(prod.name.as_deref(), Some("PROD"));
    assert!(sim.requests() >= 3, "at least one 503 was answered: {}", sim.requests());
    assert_eq!(sim.requests_to("GET /Environment/{id}"), sim.requests());
}
