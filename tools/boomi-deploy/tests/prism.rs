//! The workflow through Prism in proxy mode (`prism proxy --errors`) between the tool
//! and the simulator: Prism checks every request the tool sends and every answer the
//! simulator gives against the corrected spec, and answers a violation with an error,
//! which would fail the commands.
//!
//! Prism comes from `tests/package.json` (`npm ci --prefix tests`); this test fails,
//! never skips, when it is missing.

mod support;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use boomi_sim::demo;
use support::*;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

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
    assert!(
        path.exists(),
        "Prism is not installed at {}; run `npm ci --prefix tests` (scripts/test.sh does this)",
        path.display()
    );
    path
}

/// The corrected spec (seed + overlays) as JSON, as the client is generated from it.
fn corrected_spec() -> PathBuf {
    let (document, _warnings) = specwright::preset::boomi(&workspace_root())
        .document()
        .unwrap_or_else(|err| panic!("the seed spec and its overlays load:\n{err}"));
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("boomi-deploy-corrected-spec.json");
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&document).expect("serialise"),
    )
    .expect("write the spec");
    path
}

fn start_proxy(upstream: &str) -> (Prism, u16) {
    let spec = corrected_spec();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("boomi-deploy-prism.log");
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
            panic!(
                "prism exited with {status}:\n{}",
                std::fs::read_to_string(&prism.log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "prism did not listen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn package_deploy_promote_and_status_through_prism_proxy() {
    let sim = sim().await;
    let (prism, port) = start_proxy(&sim.url());
    // Prism serves the spec's paths without the server's base path and forwards them
    // under the upstream URL.
    let base = format!("http://127.0.0.1:{port}");
    let log = || std::fs::read_to_string(&prism.log).unwrap_or_default();
    let go = |args: Vec<&'static str>| {
        let base = base.clone();
        async move { run_at(&base, &args, &[]).await }
    };
    let packaged = run_at(
        &base,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            "8.0.0",
        ],
        &[],
    )
    .await;
    assert_eq!(packaged.code, 0, "{}\n--- prism\n{}", packaged.all(), log());
    let package = packaged.stdout.trim().to_owned();
    let deployed = run_at(
        &base,
        &["deploy", "--package", &package, "--env", "TEST"],
        &[],
    )
    .await;
    assert_eq!(deployed.code, 0, "{}\n--- prism\n{}", deployed.all(), log());
    let promoted = run_at(
        &base,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
        ],
        &[],
    )
    .await;
    assert_eq!(promoted.code, 0, "{}\n--- prism\n{}", promoted.all(), log());
    let status = go(vec!["status", "--env", "PROD", "--json"]).await;
    assert_eq!(status.code, 0, "{}\n--- prism\n{}", status.all(), log());
    assert_eq!(
        status.json()["deployments"].as_array().map(Vec::len),
        Some(1)
    );
    let again = run_at(
        &base,
        &[
            "promote",
            "--package",
            &package,
            "--from",
            "TEST",
            "--to",
            "PROD",
        ],
        &[],
    )
    .await;
    assert_eq!(again.code, 0, "{}\n--- prism\n{}", again.all(), log());
    assert!(again.stdout.contains("already deployed"), "{}", again.all());
    assert_eq!(changes_of(&sim, "DeployedPackage").len(), 2);
    assert!(
        sim.requests() >= 10,
        "the requests went through Prism to the simulator"
    );

    // Extensions and schedules too, and a status of several pages (queryMore's text
    // body) through the proxy.
    let dir = temp();
    let values = write(
        dir.path(),
        "values.yaml",
        &format!(
            "connections:\n  {}:\n    {}: jdbc:postgresql://prism/orders\n",
            demo::CONNECTION_NAME,
            demo::URL_FIELD
        ),
    );
    let set = run_at(
        &base,
        &[
            "extensions",
            "set",
            "--env",
            "PROD",
            "--file",
            values.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(set.code, 0, "{}\n--- prism\n{}", set.all(), log());
    assert_no_secret(&[&set.all()]);
    let scheduled = run_at(
        &base,
        &[
            "schedules",
            "set",
            "--env",
            "PROD",
            "--process",
            demo::COMPONENT_ID,
            "--cron",
            "0 1 * * 6",
        ],
        &[],
    )
    .await;
    assert_eq!(
        scheduled.code,
        0,
        "{}\n--- prism\n{}",
        scheduled.all(),
        log()
    );
    sim.add_deployments(demo::PROD_ENV_ID, 150);
    let status = go(vec!["status", "--env", "PROD", "--json"]).await;
    assert_eq!(status.code, 0, "{}\n--- prism\n{}", status.all(), log());
    assert_eq!(
        status.json()["deployments"].as_array().map(Vec::len),
        Some(151)
    );
    assert!(sim.requests_to("POST /DeployedPackage/queryMore") >= 1);

    let text = log();
    let violations: Vec<&str> = text
        .lines()
        .filter(|l| l.to_ascii_lowercase().contains("violation"))
        .collect();
    assert!(
        violations.is_empty(),
        "prism reported violations:\n{}",
        violations.join("\n")
    );
}
