//! The seed-004 story through the binary against the simulator: package, deploy TEST,
//! promote PROD, extensions, schedules, status, rollback, release; every re-run a no-op.

mod support;

use boomi_sim::{Fault, demo};
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn package_deploy_promote_and_every_rerun_is_a_no_op() {
    let sim = sim().await;
    let dir = temp();
    let audit = dir.path().join("audit.jsonl");
    let audit_arg = audit.to_str().unwrap();

    let created = run(
        &sim,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            "2.0.0",
            "--notes",
            "build 1",
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    created.expect(0);
    let package = created.stdout.trim().to_owned();
    assert!(created.stderr.contains("created"), "{}", created.all());
    let again = run(
        &sim,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            "2.0.0",
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    again.expect(0);
    assert_eq!(
        again.stdout.trim(),
        package,
        "the existing package is reused"
    );
    assert!(again.stderr.contains("reused"), "{}", again.all());

    let deployed = run(
        &sim,
        &[
            "deploy",
            "--package",
            &package,
            "--env",
            demo::TEST_ENV_NAME,
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    deployed.expect(0);
    assert!(
        deployed.stdout.contains("deployed in TEST"),
        "{}",
        deployed.all()
    );
    let redeploy = run(
        &sim,
        &[
            "deploy",
            "--package",
            &package,
            "--env",
            demo::TEST_ENV_ID,
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    redeploy.expect(0);
    assert!(
        redeploy.stdout.contains("already deployed"),
        "{}",
        redeploy.all()
    );

    let promoted = run(
        &sim,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    promoted.expect(0);
    assert!(
        promoted.stdout.contains("deployed in PROD"),
        "{}",
        promoted.all()
    );
    let repromote = run(
        &sim,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
            "--json",
        ],
    )
    .await;
    repromote.expect(0);
    assert_eq!(repromote.json()["action"], "already deployed");

    assert_eq!(
        changes_of(&sim, "PackagedComponent").len(),
        1,
        "{:?}",
        sim.changes()
    );
    let deployments: Vec<_> = changes_of(&sim, "DeployedPackage");
    assert_eq!(
        deployments.len(),
        2,
        "one deployment per environment: {:?}",
        sim.changes()
    );
    let state = sim.state();
    for env in [demo::TEST_ENV_ID, demo::PROD_ENV_ID] {
        let active = state.active_deployments(env);
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].package_id, package, "deployed by packageId");
    }

    // One audit line per change made: package, deploy, promote.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(lines[0]["action"], "create-package");
    assert_eq!(lines[0]["ids"]["packageId"], package.as_str());
    assert_eq!(lines[1]["action"], "deploy");
    assert_eq!(lines[2]["ids"]["environmentId"], demo::PROD_ENV_ID);
    for line in &lines {
        assert_eq!(line["user"], "BOOMI_TOKEN.ci@example.com");
        assert_eq!(line["outcome"], "ok");
        assert!(line["time"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn promotion_is_refused_when_the_package_is_not_active_in_test() {
    let sim = sim().await;
    let package = package(&sim, "3.0.0").await;
    let before = sim.changes().len();
    let refused = run(
        &sim,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
        ],
    )
    .await;
    refused.expect(3);
    assert!(
        refused.stderr.contains("TEST") && refused.stderr.contains("PROD"),
        "{}",
        refused.all()
    );
    assert!(
        refused.stderr.contains("not actively deployed"),
        "{}",
        refused.all()
    );
    assert_eq!(sim.changes().len(), before, "nothing sent");
    let json = run(
        &sim,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
            "--json",
        ],
    )
    .await;
    json.expect(3);
    assert_eq!(json.json()["kind"], "refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn extensions_set_keeps_what_it_is_not_told_and_never_prints_a_secret() {
    let sim = sim().await;
    let dir = temp();
    let audit = dir.path().join("audit.jsonl");
    let audit_arg = audit.to_str().unwrap();

    let got = run(&sim, &["extensions", "get", "--env", "TEST"]).await;
    got.expect(0);
    assert!(got.stdout.contains(demo::TEST_URL), "{}", got.all());
    assert!(got.stdout.contains("********"), "{}", got.all());

    let values = write(
        dir.path(),
        "values.yaml",
        &format!(
            "connections:\n  {}:\n    {}: jdbc:postgresql://new-host:5432/orders\nprocessProperties:\n  {}:\n    {}: 250\n",
            demo::CONNECTION_NAME,
            demo::URL_FIELD,
            demo::PROCESS_PROPERTY_NAME,
            demo::PROCESS_PROPERTY_KEY
        ),
    );
    let values_arg = values.to_str().unwrap();
    let dry = run(
        &sim,
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            values_arg,
            "--dry-run",
        ],
    )
    .await;
    dry.expect(0);
    assert!(
        dry.stdout.contains("[dry-run] would send POST"),
        "{}",
        dry.all()
    );
    assert!(
        dry.stdout.contains("Authorization: Basic <redacted>"),
        "{}",
        dry.all()
    );
    assert!(!dry.all().contains("demo-token"), "{}", dry.all());
    assert!(sim.changes().is_empty(), "dry run sent nothing");

    let set = run(
        &sim,
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            values_arg,
            "--audit-log",
            audit_arg,
        ],
    )
    .await;
    set.expect(0);
    assert!(set.stdout.contains("new-host"), "{}", set.all());
    assert!(
        set.stdout.contains(demo::TEST_URL),
        "the diff shows the old value: {}",
        set.all()
    );
    let state = sim.state();
    let ext = state.extensions_of(demo::TEST_ENV_ID).unwrap();
    assert_eq!(
        ext.connection_field(demo::CONNECTION_ID, demo::URL_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some("jdbc:postgresql://new-host:5432/orders")
    );
    assert_eq!(
        ext.connection_field(demo::CONNECTION_ID, demo::USER_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some(demo::DB_USER),
        "untouched field kept"
    );
    assert_eq!(
        ext.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some(demo::ENCRYPTED_SECRET),
        "secret kept"
    );
    assert_eq!(
        ext.process_property(demo::PROCESS_PROPERTY_ID, demo::PROCESS_PROPERTY_KEY)
            .unwrap()
            .value
            .as_deref(),
        Some("250")
    );
    assert_eq!(
        ext.property(demo::PROPERTY_NAME).as_deref(),
        Some("TEST"),
        "untouched property kept"
    );
    let prod = state.extensions_of(demo::PROD_ENV_ID).unwrap();
    assert_eq!(
        prod.connection_field(demo::CONNECTION_ID, demo::URL_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some(demo::PROD_URL)
    );
    assert_eq!(changes_of(&sim, "EnvironmentExtensions").len(), 1);

    let rerun = run(
        &sim,
        &["extensions", "set", "--env", "TEST", "--file", values_arg],
    )
    .await;
    rerun.expect(0);
    assert!(
        rerun.stdout.contains("nothing to change"),
        "{}",
        rerun.all()
    );
    assert_eq!(
        changes_of(&sim, "EnvironmentExtensions").len(),
        1,
        "a re-run sends nothing"
    );

    // A new password: kept while one is set, replaced with --update-secrets, never shown.
    let new_secret = "n3w-Secr3t-Value";
    let secret_file = write(
        dir.path(),
        "secret.yaml",
        &format!(
            "connections:\n  {}:\n    {}: {{ env: NEW_DB_PASSWORD }}\n",
            demo::CONNECTION_ID,
            demo::PASSWORD_FIELD
        ),
    );
    let secret_arg = secret_file.to_str().unwrap();
    let env = [("NEW_DB_PASSWORD", new_secret)];
    let kept = run_at(
        &sim.url(),
        &["extensions", "set", "--env", "TEST", "--file", secret_arg],
        &env,
    )
    .await;
    kept.expect(0);
    assert!(kept.stdout.contains("already set"), "{}", kept.all());
    let dry = run_at(
        &sim.url(),
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            secret_arg,
            "--update-secrets",
            "--dry-run",
            "--partial",
        ],
        &env,
    )
    .await;
    dry.expect(0);
    let replaced = run_at(
        &sim.url(),
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            secret_arg,
            "--update-secrets",
            "--partial",
            "--audit-log",
            audit_arg,
        ],
        &env,
    )
    .await;
    replaced.expect(0);
    assert!(
        replaced.stdout.contains("(encrypted, changed)"),
        "{}",
        replaced.all()
    );
    let json = run_at(
        &sim.url(),
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            secret_arg,
            "--update-secrets",
            "--json",
            "--dry-run",
        ],
        &env,
    )
    .await;
    json.expect(0);
    let state = sim.state();
    let ext = state.extensions_of(demo::TEST_ENV_ID).unwrap();
    assert_eq!(
        ext.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some(new_secret)
    );
    assert_eq!(
        ext.connection_field(demo::CONNECTION_ID, demo::URL_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some("jdbc:postgresql://new-host:5432/orders"),
        "a partial update keeps the rest"
    );
    let audit_text = std::fs::read_to_string(&audit).unwrap();
    assert_eq!(audit_text.lines().count(), 2, "{audit_text}");
    for text in [
        got.all(),
        dry.all(),
        set.all(),
        rerun.all(),
        kept.all(),
        replaced.all(),
        json.all(),
        audit_text.clone(),
    ] {
        assert_no_secret(&[&text]);
        assert!(!text.contains(new_secret), "the new secret leaked:\n{text}");
    }

    // A connection or field the environment lacks: a clear error, nothing sent.
    let before = sim.changes().len();
    let wrong = write(
        dir.path(),
        "wrong.yaml",
        "connections:\n  Nope:\n    url: x\n  Orders Database:\n    port: 1\n",
    );
    let failed = run(
        &sim,
        &[
            "extensions",
            "set",
            "--env",
            "TEST",
            "--file",
            wrong.to_str().unwrap(),
        ],
    )
    .await;
    failed.expect(2);
    assert!(
        failed.stderr.contains("`Nope`") && failed.stderr.contains("`port`"),
        "{}",
        failed.all()
    );
    assert_eq!(sim.changes().len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn schedules_reach_every_attached_runtime() {
    let sim = sim().await;
    let package = package(&sim, "4.0.0").await;
    run(&sim, &["deploy", "--package", &package, "--env", "TEST"])
        .await
        .expect(0);

    let set = run(
        &sim,
        &[
            "schedules",
            "set",
            "--env",
            "TEST",
            "--process",
            demo::COMPONENT_ID,
            "--cron",
            "30 2 * * 1-5",
        ],
    )
    .await;
    set.expect(0);
    let state = sim.state();
    for atom in demo::TEST_ATOMS {
        let s = state
            .schedules
            .iter()
            .find(|s| s.atom_id == atom && s.process_id == demo::COMPONENT_ID)
            .expect("schedules on every TEST runtime");
        assert_eq!(s.schedule.len(), 1, "{s:?}");
        assert_eq!(
            (s.schedule[0].minutes.as_str(), s.schedule[0].hours.as_str()),
            ("30", "2")
        );
        assert_eq!(
            s.schedule[0].days_of_week, "2-6",
            "Monday-Friday in Boomi's numbering"
        );
        assert_eq!(s.schedule[0].years, "*");
    }
    assert_eq!(
        changes_of(&sim, "ProcessSchedules").len(),
        2,
        "{:?}",
        sim.changes()
    );
    let rerun = run(
        &sim,
        &[
            "schedules",
            "set",
            "--env",
            "TEST",
            "--process",
            demo::COMPONENT_ID,
            "--cron",
            "30 2 * * MON-FRI",
        ],
    )
    .await;
    rerun.expect(0);
    assert!(rerun.stdout.contains("unchanged"), "{}", rerun.all());
    assert_eq!(
        changes_of(&sim, "ProcessSchedules").len(),
        2,
        "a re-run sends nothing"
    );

    run(
        &sim,
        &[
            "schedules",
            "set",
            "--env",
            "TEST",
            "--process",
            demo::COMPONENT_ID,
            "--clear",
        ],
    )
    .await
    .expect(0);
    assert!(
        sim.state()
            .schedules
            .iter()
            .filter(|s| s.process_id == demo::COMPONENT_ID)
            .all(|s| s.schedule.is_empty())
    );

    let bad = run(
        &sim,
        &[
            "schedules",
            "set",
            "--env",
            "TEST",
            "--process",
            demo::COMPONENT_ID,
            "--cron",
            "61 2 * * *",
        ],
    )
    .await;
    bad.expect(2);
    assert!(bad.stderr.contains("minute 61"), "{}", bad.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn status_lists_every_page_of_250_deployments() {
    let sim = sim().await;
    sim.add_deployments(demo::PROD_ENV_ID, 250);
    let before = sim.requests_to("POST /DeployedPackage/queryMore");
    let status = run(&sim, &["status", "--env", "PROD", "--json"]).await;
    status.expect(0);
    let json = status.json();
    assert_eq!(json["deployments"].as_array().unwrap().len(), 250);
    assert_eq!(
        sim.requests_to("POST /DeployedPackage/queryMore") - before,
        2,
        "three pages of 100"
    );
    let table = run(&sim, &["status", "--env", "PROD"]).await;
    table.expect(0);
    assert!(table.stdout.starts_with("COMPONENT"), "{}", table.all());
    assert!(table.stdout.contains("Bulk Process"), "component names: {}", table.all());
    assert!(
        table.stdout.contains("250 active deployment(s) in PROD"),
        "{}",
        table.all()
    );
    assert_eq!(table.stdout.lines().count(), 252, "header, 250 rows, total");
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_redeploys_the_previous_package() {
    let sim = sim().await;
    let first = package(&sim, "5.0.0").await;
    run(&sim, &["deploy", "--package", &first, "--env", "TEST"])
        .await
        .expect(0);
    sim.add_component(demo::COMPONENT_ID, demo::COMPONENT_NAME, 3);
    let second = package(&sim, "5.1.0").await;
    assert_ne!(first, second);
    run(&sim, &["deploy", "--package", &second, "--env", "TEST"])
        .await
        .expect(0);

    let before = sim.changes().len();
    let asked = run(
        &sim,
        &[
            "rollback",
            "--env",
            "TEST",
            "--component",
            demo::COMPONENT_ID,
        ],
    )
    .await;
    asked.expect(3);
    assert!(
        asked.stderr.contains(&first) && asked.stderr.contains("--yes"),
        "{}",
        asked.all()
    );
    assert_eq!(sim.changes().len(), before, "nothing sent without --yes");

    let done = run(
        &sim,
        &[
            "rollback",
            "--env",
            "TEST",
            "--component",
            demo::COMPONENT_ID,
            "--yes",
        ],
    )
    .await;
    done.expect(0);
    let state = sim.state();
    let active = state.active_deployments(demo::TEST_ENV_ID);
    assert_eq!(active.len(), 1);
    assert_eq!(
        active[0].package_id, first,
        "the previous package is active again"
    );
    assert_eq!(changes_of(&sim, "DeployedPackage").len(), 3);

    // Rolling back again goes to the package before the now-current one.
    let again = run(
        &sim,
        &[
            "rollback",
            "--env",
            "TEST",
            "--component",
            demo::COMPONENT_ID,
            "--yes",
            "--json",
        ],
    )
    .await;
    again.expect(0);
    assert_eq!(again.json()["packageId"], second.as_str());
}

fn release_file(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "release.yaml",
        &format!(
            "components:\n  - id: {component}\n    version: \"6.0.0\"\n    notes: release 6\nenvironments:\n  - name: TEST\n    extensions:\n      connections:\n        {conn}:\n          url: jdbc:postgresql://release-test/orders\n    schedules:\n      - {{ process: {component}, cron: \"0 3 * * *\" }}\n  - name: PROD\n    extensions:\n      properties:\n        {prop}: production\n    schedules:\n      - {{ process: {component}, cron: \"15 4 * * 0\" }}\n",
            component = demo::COMPONENT_ID,
            conn = demo::CONNECTION_NAME,
            prop = demo::PROPERTY_NAME,
        ),
    )
}

/// What a finished release leaves, checked on the simulator.
fn assert_release_done(sim: &boomi_sim::Sim) {
    assert_release_done_with(sim, None);
}

/// [`assert_release_done`] where one update of `twice` was applied twice: sent again
/// after its answer was lost, which leaves the same state.
fn assert_release_done_with(sim: &boomi_sim::Sim, twice: Option<&str>) {
    let state = sim.state();
    let package: Vec<_> = state
        .packages
        .iter()
        .filter(|p| p.package_version == "6.0.0")
        .collect();
    assert_eq!(package.len(), 1, "one package");
    for env in [demo::TEST_ENV_ID, demo::PROD_ENV_ID] {
        let active = state.active_deployments(env);
        assert_eq!(active.len(), 1, "{env}");
        assert_eq!(active[0].package_id, package[0].package_id);
    }
    let test = state.extensions_of(demo::TEST_ENV_ID).unwrap();
    assert_eq!(
        test.connection_field(demo::CONNECTION_ID, demo::URL_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some("jdbc:postgresql://release-test/orders")
    );
    assert_eq!(
        test.connection_field(demo::CONNECTION_ID, demo::PASSWORD_FIELD)
            .unwrap()
            .value
            .as_deref(),
        Some(demo::ENCRYPTED_SECRET)
    );
    assert_eq!(
        state
            .extensions_of(demo::PROD_ENV_ID)
            .unwrap()
            .property(demo::PROPERTY_NAME)
            .as_deref(),
        Some("production")
    );
    for (atoms, hours, dow) in [(demo::TEST_ATOMS, "3", "*"), (demo::PROD_ATOMS, "4", "1")] {
        for atom in atoms {
            let s = state
                .schedules
                .iter()
                .find(|s| s.atom_id == atom && s.process_id == demo::COMPONENT_ID)
                .expect("schedules");
            assert_eq!(s.schedule.len(), 1);
            assert_eq!(
                (
                    s.schedule[0].hours.as_str(),
                    s.schedule[0].days_of_week.as_str()
                ),
                (hours, dow)
            );
        }
    }
    // Exactly once each: 1 package, 2 deployments, 2 extension updates, 4 schedules.
    let count = |object: &str| changes_of(sim, object).len() - usize::from(twice == Some(object));
    assert_eq!(
        (
            count("PackagedComponent"),
            count("DeployedPackage"),
            count("EnvironmentExtensions"),
            count("ProcessSchedules")
        ),
        (1, 2, 2, 4),
        "{:#?}",
        sim.changes()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn release_plan_changes_nothing_and_apply_is_idempotent() {
    let sim = sim().await;
    let dir = temp();
    let file = release_file(dir.path());
    let file_arg = file.to_str().unwrap();
    let plan = run(&sim, &["release", "plan", "--file", file_arg]).await;
    plan.expect(0);
    assert!(plan.stdout.contains("would create"), "{}", plan.all());
    assert!(plan.stdout.contains("would deploy"), "{}", plan.all());
    assert!(
        sim.changes().is_empty(),
        "plan sends nothing: {:?}",
        sim.changes()
    );

    let apply = run(&sim, &["release", "apply", "--file", file_arg]).await;
    apply.expect(0);
    assert_release_done(&sim);
    let again = run(&sim, &["release", "apply", "--file", file_arg, "--json"]).await;
    again.expect(0);
    assert_eq!(again.json()["changes"], 0, "{}", again.stdout);
    let plan = run(&sim, &["release", "plan", "--file", file_arg]).await;
    plan.expect(0);
    assert!(plan.stdout.contains("nothing to change"), "{}", plan.all());
    assert_release_done(&sim);
    assert_no_secret(&[&apply.all(), &again.all(), &plan.all()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn release_apply_interrupted_anywhere_finishes_when_run_again() {
    // 9 changes in all (package, 2 deploys, 2 extension updates, 4 schedules); drop the
    // connection at each of them, before and after the change is applied. A create
    // cannot be sent again blind (it might deploy twice): the run stops and the next
    // one finishes it. An update that sets values is sent again at once.
    let mut stopped = 0;
    let mut retried = 0;
    for nth in 1..=9 {
        for fault in [Fault::DropBeforeApply, Fault::DropAfterApply] {
            let sim = sim().await;
            let dir = temp();
            let file = release_file(dir.path());
            let file_arg = file.to_str().unwrap();
            let audit = dir.path().join("audit.jsonl");
            let audit_arg = audit.to_str().unwrap();
            sim.fail_request(nth, fault);
            let interrupted = run(
                &sim,
                &[
                    "release",
                    "apply",
                    "--file",
                    file_arg,
                    "--max-rps",
                    "0",
                    "--audit-log",
                    audit_arg,
                ],
            )
            .await;
            let audited: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let dropped = &audited[nth as usize - 1];
            let update = matches!(
                dropped["object"].as_str(),
                Some("EnvironmentExtensions" | "ProcessSchedules")
            );
            if update {
                // Retried: the run carries on and every change is audited as done.
                assert_eq!(
                    interrupted.code,
                    0,
                    "change {nth}, {fault:?}:\n{}",
                    interrupted.all()
                );
                assert_eq!(audited.len(), 9, "{audited:#?}");
                assert!(audited.iter().all(|l| l["outcome"] == "ok"));
                let twice = (fault == Fault::DropAfterApply).then(|| dropped["object"].as_str()).flatten();
                assert_release_done_with(&sim, twice);
                retried += 1;
                continue;
            }
            interrupted.expect(1);
            assert!(
                interrupted.stderr.contains("127.0.0.1"),
                "names the base URL: {}",
                interrupted.all()
            );
            // Every change before the failed one is audited as done, the failed one as an error.
            assert_eq!(audited.len() as u64, nth, "{audited:#?}");
            assert!(
                audited[..audited.len() - 1]
                    .iter()
                    .all(|l| l["outcome"] == "ok")
            );
            assert_eq!(audited[audited.len() - 1]["outcome"], "error");
            let finished = run(
                &sim,
                &["release", "apply", "--file", file_arg, "--max-rps", "0"],
            )
            .await;
            assert_eq!(
                finished.code,
                0,
                "change {nth}, {fault:?}:\n{}",
                finished.all()
            );
            assert_release_done(&sim);
            stopped += 1;
        }
    }
    assert_eq!((stopped, retried), (6, 12), "3 creates stop the run, 6 updates are retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_no_change_and_redacts_credentials() {
    let sim = sim().await;
    let dry = run(
        &sim,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            "7.0.0",
            "--dry-run",
        ],
    )
    .await;
    dry.expect(0);
    assert!(
        dry.stdout.contains("[dry-run] would send POST"),
        "{}",
        dry.all()
    );
    assert!(dry.stdout.contains("/PackagedComponent"), "{}", dry.all());
    assert!(
        dry.stdout.contains("Authorization: Basic <redacted>"),
        "{}",
        dry.all()
    );
    assert!(!dry.all().contains("demo-token"));
    let json = run(
        &sim,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            "7.0.0",
            "--dry-run",
            "--json",
        ],
    )
    .await;
    json.expect(0);
    let value = json.json();
    assert_eq!(value["notSent"][0]["method"], "POST");
    assert_eq!(value["notSent"][0]["body"]["packageVersion"], "7.0.0");
    assert!(sim.changes().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_and_unknown_environments() {
    let sim = sim().await;
    let missing = run_at(
        &sim.url(),
        &["status", "--env", "TEST"],
        &[("BOOMI_API_TOKEN", "")],
    )
    .await;
    missing.expect(2);
    assert!(
        missing.stderr.contains("BOOMI_API_TOKEN"),
        "{}",
        missing.all()
    );
    let bad_flag = run(&sim, &["deploy", "--package"]).await;
    bad_flag.expect(2);
    let unknown = run(&sim, &["status", "--env", "STAGE"]).await;
    unknown.expect(1);
    assert!(unknown.stderr.contains("`STAGE`"), "{}", unknown.all());
    let twin = sim.add_environment("TEST", "TEST");
    let ambiguous = run(&sim, &["status", "--env", "TEST"]).await;
    ambiguous.expect(1);
    assert!(
        ambiguous.stderr.contains("2 environments are named `TEST`")
            && ambiguous.stderr.contains(&twin),
        "{}",
        ambiguous.all()
    );
    run(&sim, &["status", "--env", demo::TEST_ENV_ID])
        .await
        .expect(0);
    let wrong_token = run_at(
        &sim.url(),
        &["status", "--env", "TEST"],
        &[("BOOMI_API_TOKEN", "wrong-token")],
    )
    .await;
    wrong_token.expect(1);
    assert!(wrong_token.stderr.contains("401"), "{}", wrong_token.all());
    assert!(
        !wrong_token.all().contains("wrong-token"),
        "the token is never echoed"
    );
    let down = run_at(
        "http://127.0.0.1:9/api/rest/v1/demo-account",
        &["status", "--env", "TEST", "--attempts", "1"],
        &[],
    )
    .await;
    down.expect(1);
    assert!(
        down.stderr
            .contains("http://127.0.0.1:9/api/rest/v1/demo-account"),
        "{}",
        down.all()
    );
    for command in [
        "package",
        "deploy",
        "promote",
        "rollback",
        "status",
        "extensions",
        "schedules",
        "release",
    ] {
        let help = run(&sim, &[command, "--help"]).await;
        help.expect(0);
        assert!(
            help.stdout.contains("Example"),
            "{command} --help has examples:\n{}",
            help.stdout
        );
    }
}
