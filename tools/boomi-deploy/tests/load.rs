//! The whole workflow (package → deploy TEST → promote PROD → extensions → schedules, in
//! both environments) with and without Boomi's rate limit of 10 requests per second:
//! a 503 storm is survived with every change made exactly once. Prints the request
//! counts and wall times (see them with `--nocapture`).

mod support;

use std::time::{Duration, Instant};

use boomi_sim::{Sim, demo};
use support::*;

struct Figures {
    requests: u64,
    took: Duration,
    commands: usize,
}

/// Runs the workflow; `extra` goes on every command line.
async fn workflow(sim: &Sim, extra: &[&str]) -> Figures {
    let dir = temp();
    let values = write(
        dir.path(),
        "values.yaml",
        &format!(
            "connections:\n  {}:\n    {}: jdbc:postgresql://load/orders\n",
            demo::CONNECTION_NAME,
            demo::URL_FIELD
        ),
    );
    let values = values.to_str().unwrap().to_owned();
    let before = sim.requests();
    let started = Instant::now();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    let go = |args: Vec<String>| async move {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run(sim, &refs).await;
        run.expect(0);
        run
    };
    let package = go(with(&[
        "package",
        "--component",
        demo::COMPONENT_ID,
        "--version",
        "9.0.0",
    ]))
    .await
    .stdout
    .trim()
    .to_owned();
    go(with(&["deploy", "--package", &package, "--env", "TEST"])).await;
    go(with(&[
        "promote",
        "--package",
        &package,
        "--from",
        "TEST",
        "--to",
        "PROD",
    ]))
    .await;
    for env in ["TEST", "PROD"] {
        go(with(&[
            "extensions",
            "set",
            "--env",
            env,
            "--file",
            &values,
        ]))
        .await;
        go(with(&[
            "schedules",
            "set",
            "--env",
            env,
            "--process",
            demo::COMPONENT_ID,
            "--cron",
            "0 2 * * *",
        ]))
        .await;
    }
    Figures {
        requests: sim.requests() - before,
        took: started.elapsed(),
        commands: 7,
    }
}

fn assert_each_change_once(sim: &Sim) {
    let count = |object: &str| changes_of(sim, object).len();
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
async fn workflow_survives_a_503_storm_with_every_change_made_once() {
    let mut lines = Vec::new();
    for (label, limit, extra) in [
        (
            "no server limit, client paced at 8/s (default)",
            None,
            &[][..],
        ),
        (
            "no server limit, client unpaced (--max-rps 0)",
            None,
            &["--max-rps", "0"][..],
        ),
        (
            "server limit 10/s, client paced at 8/s (default)",
            Some(10),
            &[][..],
        ),
        (
            "server limit 10/s, client unpaced: 503 storm",
            Some(10),
            &["--max-rps", "0"][..],
        ),
    ] {
        let sim = sim().await;
        sim.set_rate_limit(limit);
        let figures = workflow(&sim, extra).await;
        assert_each_change_once(&sim);
        // Re-running changes nothing, even under the limit.
        let again = workflow(&sim, extra).await;
        assert_each_change_once(&sim);
        lines.push(format!(
            "{label}: {} requests in {:.2} s over {} commands; re-run {} requests in {:.2} s",
            figures.requests,
            figures.took.as_secs_f64(),
            figures.commands,
            again.requests,
            again.took.as_secs_f64()
        ));
    }
    for line in &lines {
        eprintln!("workflow figures: {line}");
    }
}
