//! `cargo check` of the compile sample: the generated crates become members of one
//! scratch workspace (with this workspace's `Cargo.lock`, so it resolves offline) and
//! are checked one package at a time into one shared target directory, so dependencies
//! are built once and every error is attributed to its crate.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The result of checking one crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Whether `cargo check` succeeded.
    pub pass: bool,
    /// The first error line (empty on success).
    pub first_error: String,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// The scratch workspace.
#[derive(Debug)]
pub struct Workspace {
    /// Holds `Cargo.toml`, `Cargo.lock` and one folder per member.
    root: PathBuf,
    /// The shared `CARGO_TARGET_DIR` (kept between runs, so dependencies stay built).
    target: PathBuf,
    /// Full `cargo check` output per crate.
    logs: PathBuf,
    /// Package names, in the order added.
    members: Vec<String>,
}

impl Workspace {
    /// The scratch workspace under `work_dir`, as it is on disk (no members yet).
    pub fn at(work_dir: &Path) -> Self {
        Self {
            root: work_dir.join("workspace"),
            target: work_dir.join("target"),
            logs: work_dir.join("logs"),
            members: Vec::new(),
        }
    }

    /// A fresh, empty scratch workspace under `work_dir` (the old one and its logs are
    /// removed; the target directory is kept).
    pub fn create(work_dir: &Path) -> Result<Self, String> {
        let workspace = Self::at(work_dir);
        for dir in [&workspace.root, &workspace.logs] {
            if dir.exists() {
                std::fs::remove_dir_all(dir)
                    .map_err(|err| format!("cannot remove {}: {err}", dir.display()))?;
            }
            std::fs::create_dir_all(dir)
                .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        }
        Ok(workspace)
    }

    /// Writes a generated crate into the folder of member `package`.
    pub fn write_crate(
        &self,
        package: &str,
        files: &BTreeMap<PathBuf, String>,
    ) -> Result<(), String> {
        let dir = self.root.join(package);
        for (path, text) in files {
            let file = dir.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
            }
            std::fs::write(&file, text)
                .map_err(|err| format!("cannot write {}: {err}", file.display()))?;
        }
        Ok(())
    }

    /// Makes the crate written for `package` a member.
    pub fn add_member(&mut self, package: &str) {
        self.members.push(package.to_owned());
    }

    /// Writes the workspace manifest for the members still in the workspace and copies
    /// the lock file.
    fn write_manifest(&self, lock: &Path) -> Result<(), String> {
        let members: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("    {m:?},\n"))
            .collect();
        let manifest = format!(
            "[workspace]\nresolver = \"3\"\nmembers = [\n{}]\n",
            members.concat()
        );
        let path = self.root.join("Cargo.toml");
        std::fs::write(&path, manifest)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        let copy = self.root.join("Cargo.lock");
        std::fs::copy(lock, &copy).map_err(|err| {
            format!(
                "cannot copy {} to {}: {err}",
                lock.display(),
                copy.display()
            )
        })?;
        Ok(())
    }

    /// Makes the workspace loadable: a member whose manifest cargo rejects would make
    /// every `-p` command fail, so such members are taken out (and reported as failed)
    /// until `cargo metadata` accepts the rest. Returns the rejected members.
    pub fn finish(
        &mut self,
        cargo: &str,
        lock: &Path,
    ) -> Result<BTreeMap<String, Checked>, String> {
        let mut rejected = BTreeMap::new();
        loop {
            self.write_manifest(lock)?;
            let start = Instant::now();
            let output = Command::new(cargo)
                .current_dir(&self.root)
                .args([
                    "metadata",
                    "--offline",
                    "--no-deps",
                    "--format-version",
                    "1",
                ])
                .stdin(Stdio::null())
                .output()
                .map_err(|err| format!("cannot run {cargo}: {err}"))?;
            if output.status.success() || self.members.is_empty() {
                return Ok(rejected);
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            let failed = Checked {
                pass: false,
                first_error: first_error_line(&stderr, &self.root),
                seconds: start.elapsed().as_secs_f64(),
            };
            let culprit = self.members.iter().position(|m| {
                stderr.contains(&format!("/{m}/")) || stderr.contains(&format!("/{m}`"))
            });
            match culprit {
                Some(index) => {
                    let member = self.members.remove(index);
                    rejected.insert(member, failed);
                }
                None => {
                    // Not one member's fault: every crate fails with the same message.
                    for member in self.members.drain(..) {
                        rejected.insert(member, failed.clone());
                    }
                    return Ok(rejected);
                }
            }
        }
    }

    /// The members that are still in the workspace, in the order added.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// `cargo check --offline -p package`, killed after `timeout`.
    pub fn check(&self, cargo: &str, package: &str, timeout: Duration) -> Checked {
        let start = Instant::now();
        let log_path = self.logs.join(format!("{package}.log"));
        let failed = |message: String| Checked {
            pass: false,
            first_error: message,
            seconds: start.elapsed().as_secs_f64(),
        };
        let log = match File::create(&log_path) {
            Ok(log) => log,
            Err(err) => return failed(format!("cannot create {}: {err}", log_path.display())),
        };
        let spawned = Command::new(cargo)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_TERM_COLOR", "never")
            .args([
                "check",
                "--offline",
                "--message-format",
                "short",
                "-p",
                package,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) => return failed(format!("cannot run {cargo}: {err}")),
        };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return failed(format!(
                        "cargo check did not finish in {} s (killed)",
                        timeout.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(err) => return failed(format!("cannot wait for cargo: {err}")),
            }
        };
        if status.success() {
            return Checked {
                pass: true,
                first_error: String::new(),
                seconds: start.elapsed().as_secs_f64(),
            };
        }
        let stderr = std::fs::read(&log_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        failed(first_error_line(&stderr, &self.root))
    }

    /// Where the logs of `cargo check` are.
    pub fn logs(&self) -> &Path {
        &self.logs
    }
}

/// The first line of cargo's output that reports an error (`file:line:col: error...`
/// or `error: ...`), preferring a specific one over the closing "could not compile";
/// the workspace path is removed so lines are short. Falls back to the last line.
pub fn first_error_line(stderr: &str, root: &Path) -> String {
    let is_error = |line: &&str| {
        let line = line.trim_start();
        line.starts_with("error") || line.contains(": error")
    };
    let generic = |line: &&str| {
        let line = line.trim_start();
        line.starts_with("error: could not compile") || line.starts_with("error: aborting")
    };
    let line = stderr
        .lines()
        .filter(is_error)
        .find(|l| !generic(l))
        .or_else(|| stderr.lines().find(is_error))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("cargo failed without output");
    let prefix = format!("{}/", root.display());
    line.trim().replace(&prefix, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_with_a_broken_manifest_is_taken_out() {
        let work = std::env::temp_dir().join(format!("corpus-runner-test-{}", std::process::id()));
        let mut workspace = Workspace::create(&work).expect("scratch workspace");
        let lib = (PathBuf::from("src/lib.rs"), String::new());
        let good = BTreeMap::from([
            (
                PathBuf::from("Cargo.toml"),
                "[package]\nname = \"corpus-good\"\nedition = \"2024\"\n".to_owned(),
            ),
            lib.clone(),
        ]);
        let bad = BTreeMap::from([
            (PathBuf::from("Cargo.toml"), "[package\nname = ".to_owned()),
            lib,
        ]);
        for (package, files) in [("corpus-good", &good), ("corpus-bad", &bad)] {
            workspace.write_crate(package, files).expect("write");
            workspace.add_member(package);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        let rejected = workspace
            .finish(&cargo, &lock)
            .expect("cargo metadata runs");
        let _ = std::fs::remove_dir_all(&work);
        assert_eq!(workspace.members(), ["corpus-good"]);
        assert_eq!(rejected.keys().collect::<Vec<_>>(), ["corpus-bad"]);
        assert!(
            rejected["corpus-bad"].first_error.starts_with("error"),
            "{rejected:?}"
        );
    }

    #[test]
    fn first_error_prefers_the_specific_line() {
        let stderr = "    Checking corpus-x v0.1.0 (/w/corpus-x)\n\
            corpus-x/src/client.rs:10:5: warning: unused\n\
            corpus-x/src/models.rs:3:9: error[E0412]: cannot find type `Foo` in this scope\n\
            error: could not compile `corpus-x` (lib) due to 1 previous error\n";
        assert_eq!(
            first_error_line(stderr, Path::new("/w")),
            "corpus-x/src/models.rs:3:9: error[E0412]: cannot find type `Foo` in this scope"
        );
        assert_eq!(
            first_error_line(
                "error: failed to parse manifest at `/w/corpus-y/Cargo.toml`\n",
                Path::new("/w")
            ),
            "error: failed to parse manifest at `corpus-y/Cargo.toml`"
        );
        assert_eq!(
            first_error_line("", Path::new("/w")),
            "cargo failed without output"
        );
    }
}
