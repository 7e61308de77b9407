//! The `boomi-sim` binary: prints what to export, serves, documents its flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the simulator when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_the_environment_and_serves() {
    let child = Command::new(env!("CARGO_BIN_EXE_boomi-sim"))
        .args(["--port", "0", "--seed", "demo", "--account", "acct-1", "--token", "t0k3n"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout");
    let mut vars = std::collections::BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some((name, value)) = line.split_once('=') {
            vars.insert(name.to_owned(), value.to_owned());
        }
        if line.starts_with("BOOMI_PROD_ENV_ID=") {
            break;
        }
    }
    assert_eq!(vars["BOOMI_ACCOUNT_ID"], "acct-1");
    assert_eq!(vars["BOOMI_USERNAME"], "BOOMI_TOKEN.ci@example.com");
    assert_eq!(vars["BOOMI_API_TOKEN"], "t0k3n");
    assert_eq!(vars["BOOMI_COMPONENT_ID"], boomi_sim::demo::COMPONENT_ID);
    let base = &vars["BOOMI_BASE_URL"];
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/api/rest/v1/acct-1"), "{base}");

    let response = reqwest::Client::new()
        .get(format!("{base}/Environment/{}", vars["BOOMI_TEST_ENV_ID"]))
        .basic_auth(&vars["BOOMI_USERNAME"], Some(&vars["BOOMI_API_TOKEN"]))
        .send()
        .await
        .expect("a response");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["name"], "TEST");
}

#[test]
fn help_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_boomi-sim")).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--port", "--seed", "--rate-limit", "--page-size", "--account", "--username", "--token", "--host"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}
