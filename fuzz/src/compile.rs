//! `cargo check` of a few crates generated from mutated inputs: the members of one
//! scratch workspace (with this workspace's `Cargo.lock`, so it resolves offline),
//! checked one at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The result of checking one crate.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The package name.
    pub package: String,
    /// The first error line, or `None` when it passed.
    pub error: Option<String>,
    /// Wall time of `cargo check`, in seconds.
    pub seconds: f64,
}

/// Writes `crates` (package name → files) into `dir` as a workspace and checks each
/// with `cargo check --offline -p`, into `target` (shared between runs, so dependencies
/// are built once), each killed after `timeout`.
pub fn check_all(
    dir: &Path,
    target: &Path,
    lock: &Path,
    crates: &[(String, BTreeMap<PathBuf, String>)],
    timeout: Duration,
) -> Result<Vec<Checked>, String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|err| format!("cannot remove {}: {err}", dir.display()))?;
    }
    let write = |path: &Path, text: &str| -> Result<(), String> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))
    };
    let members: String = crates
        .iter()
        .map(|(name, _)| format!("    {name:?},\n"))
        .collect();
    write(
        &dir.join("Cargo.toml"),
        &format!("[workspace]\nresolver = \"3\"\nmembers = [\n{members}]\n"),
    )?;
    std::fs::copy(lock, dir.join("Cargo.lock"))
        .map_err(|err| format!("cannot copy {}: {err}", lock.display()))?;
    for (name, files) in crates {
        for (path, text) in files {
            write(&dir.join(name).join(path), text)?;
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut results = Vec::new();
    for (name, _) in crates {
        let start = Instant::now();
        let log = dir.join(format!("{name}.log"));
        let log_file = std::fs::File::create(&log)
            .map_err(|err| format!("cannot create {}: {err}", log.display()))?;
        let err_file = log_file
            .try_clone()
            .map_err(|err| format!("cannot open {}: {err}", log.display()))?;
        let mut child = Command::new(&cargo)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_TERM_COLOR", "never")
            .args(["check", "--offline", "--quiet", "-p", name])
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|err| format!("cannot run {cargo}: {err}"))?;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(err) => return Err(format!("cannot wait for cargo: {err}")),
            }
        };
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        let error = match status {
            Some(status) if status.success() => None,
            Some(status) => Some(
                output
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("cargo check {status} without an error line")),
            ),
            None => Some(format!(
                "cargo check did not finish in {} s (killed)",
                timeout.as_secs()
            )),
        };
        results.push(Checked {
            package: name.clone(),
            error,
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    Ok(results)
}
