//! Shared by the end-to-end tests: start the simulator, run the built binary as a user
//! would, read what it printed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use boomi_sim::{Options, Sim, demo};

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Run {
    /// Everything printed.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Fails the test, showing the output, unless the exit code is `code`.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Starts a demo simulator.
pub async fn sim() -> Sim {
    Sim::start(Options::default())
        .await
        .expect("start the simulator")
}

/// Runs `boomi-deploy ARGS` against `base_url` with the demo credentials in the
/// environment, as a CI job would.
pub async fn run_at(base_url: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_boomi-deploy"));
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("BOOMI_") {
            command.env_remove(name);
        }
    }
    command
        .env("BOOMI_BASE_URL", base_url)
        .env("BOOMI_ACCOUNT_ID", "demo-account")
        // Without the prefix: the tool adds it.
        .env("BOOMI_USERNAME", "ci@example.com")
        .env("BOOMI_API_TOKEN", "demo-token");
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run boomi-deploy");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// Runs `boomi-deploy ARGS` against the simulator.
pub async fn run(sim: &Sim, args: &[&str]) -> Run {
    run_at(&sim.url(), args, &[]).await
}

/// A temporary directory for files of one test.
pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path
}

/// The changes the simulator logged for `object` that the tool asked for: creates of
/// packages and deployments, updates of extensions and schedules (a deployment's side
/// effects, e.g. the schedules objects it makes, are left out).
pub fn changes_of(sim: &Sim, object: &str) -> Vec<boomi_sim::Change> {
    let action = match object {
        "PackagedComponent" | "DeployedPackage" => "create",
        _ => "update",
    };
    sim.changes()
        .into_iter()
        .filter(|c| c.object == object && c.action == action)
        .collect()
}

/// Fails if the secret shows up in any of `texts`.
#[track_caller]
pub fn assert_no_secret(texts: &[&str]) {
    for text in texts {
        assert!(
            !text.contains(demo::ENCRYPTED_SECRET),
            "the encrypted secret leaked:\n{text}"
        );
    }
}

/// The packageId `package` prints.
pub async fn package(sim: &Sim, version: &str) -> String {
    let run = run(
        sim,
        &[
            "package",
            "--component",
            demo::COMPONENT_ID,
            "--version",
            version,
        ],
    )
    .await;
    run.expect(0);
    let id = run.stdout.trim().to_owned();
    assert!(!id.is_empty(), "no packageId printed:\n{}", run.all());
    id
}
