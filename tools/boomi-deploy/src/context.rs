//! What every command shares: the client, progress output, `--dry-run`, the audit log.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use boomi_platform::runtime::RetryPolicy;
use boomi_platform::{Client, Config};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::Global;
use crate::error::{ApiResult, Failure, Outcome, api_failure};

/// The user name prefix of Boomi API tokens.
const TOKEN_PREFIX: &str = "BOOMI_TOKEN.";

/// Shared by all commands of one run.
pub struct Ctx {
    /// The generated client.
    pub client: Client,
    /// The resolved base URL, for messages and `--dry-run` output.
    pub base_url: String,
    /// The API user (with the token prefix), for the audit log.
    pub user: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--json`.
    pub json: bool,
    progress: Progress,
    audit_log: Option<PathBuf>,
    /// The requests `--dry-run` did not send, for the JSON output.
    not_sent: Mutex<Vec<Value>>,
    /// `release plan`: no change is sent (nor printed, unless `--dry-run`).
    plan_only: AtomicBool,
}

/// A change to make: what `--dry-run` prints and the audit log records.
pub struct Change {
    /// What is done, e.g. `deploy`, `create-package`.
    pub action: &'static str,
    /// The object type, e.g. `DeployedPackage`.
    pub object: &'static str,
    /// The HTTP method and path (under the base URL) the client sends.
    pub method: &'static str,
    /// The path under the base URL.
    pub path: String,
    /// The request body with every encrypted value masked.
    pub shown_body: Value,
    /// Ids naming what is changed (environmentId, packageId, ...).
    pub ids: BTreeMap<&'static str, String>,
    /// Extra details for the audit log (never a secret), e.g. the changed field names.
    pub details: Option<Value>,
}

impl Ctx {
    /// Builds the client from the global options.
    pub fn new(global: &Global) -> Outcome<Self> {
        let account = global
            .account_id
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                Failure::Usage("no account ID: set BOOMI_ACCOUNT_ID or pass --account-id".into())
            })?;
        let username = global
            .username
            .as_deref()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Failure::Usage("no API user: set BOOMI_USERNAME or pass --username".into())
            })?;
        let token = global
            .token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Failure::Usage("no API token: set BOOMI_API_TOKEN or pass --token".into())
            })?;
        let user = if username.starts_with(TOKEN_PREFIX) {
            username.to_owned()
        } else {
            format!("{TOKEN_PREFIX}{username}")
        };
        let attempts = global.attempts.max(1);
        let mut config: Config = Client::config(account)
            .base_url(global.base_url.clone())
            .basic_auth(user.clone(), token)
            .user_agent(concat!("boomi-deploy/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .retry(RetryPolicy::default().max_attempts(attempts));
        if global.max_rps > 0.0 {
            config = config.max_requests_per_second(global.max_rps);
        }
        let base_url = config
            .resolved_base_url()
            .map_err(|e| Failure::Usage(format!("--base-url: {e}")))?;
        let client = Client::new(config).map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(Self {
            client,
            base_url,
            user,
            dry_run: global.dry_run,
            json: global.json,
            progress: Progress::new(global.json),
            audit_log: global.audit_log.clone(),
            not_sent: Mutex::new(Vec::new()),
            plan_only: AtomicBool::new(false),
        })
    }

    /// A warning on stderr that stays visible (not a spinner message), even with `--json`.
    pub fn warn(&self, message: &str) {
        self.progress.suspend(|| eprintln!("warning: {message}"));
    }

    /// From now on no change is sent: `release plan`.
    pub fn set_plan_only(&self) {
        self.plan_only.store(true, Ordering::Relaxed);
    }

    /// Reports progress on stderr.
    pub fn progress(&self, message: &str) {
        self.progress.step(message);
    }

    /// Turns a client error into a failure naming what was being done.
    pub fn failed(
        &self,
        context: &str,
        error: boomi_platform::Error<boomi_platform::models::ErrorResponse>,
    ) -> Failure {
        api_failure(context, &self.base_url, error)
    }

    /// Runs a query (or any read), mapping its error.
    pub async fn read<T>(
        &self,
        context: &str,
        call: impl Future<Output = ApiResult<T>>,
    ) -> Outcome<T> {
        call.await.map_err(|e| self.failed(context, e))
    }

    /// Makes a change: with `--dry-run` prints it and returns `None` without sending;
    /// else sends it, appends the outcome to the audit log and returns the answer.
    /// `result_ids` names ids the answer holds (e.g. a new deploymentId).
    pub async fn change<T>(
        &self,
        mut change: Change,
        call: impl Future<Output = ApiResult<T>>,
        result_ids: impl FnOnce(&T) -> Vec<(&'static str, Option<String>)>,
    ) -> Outcome<Option<T>> {
        if self.dry_run {
            self.show_not_sent(&change);
            return Ok(None);
        }
        if self.plan_only.load(Ordering::Relaxed) {
            return Ok(None);
        }
        match call.await {
            Ok(answer) => {
                for (name, id) in result_ids(&answer) {
                    if let Some(id) = id {
                        change.ids.insert(name, id);
                    }
                }
                self.audit(&change, "ok", None)?;
                Ok(Some(answer))
            }
            Err(error) => {
                let failure = self.failed(&format!("{} {}", change.action, change.object), error);
                // The failure is what the user must see; an audit write error would hide it.
                let _ = self.audit(&change, "error", Some(&failure.to_string()));
                Err(failure)
            }
        }
    }

    fn show_not_sent(&self, change: &Change) {
        let url = format!("{}{}", self.base_url, change.path);
        if self.json {
            if let Ok(mut list) = self.not_sent.lock() {
                list.push(json!({
                    "method": change.method,
                    "url": url,
                    "headers": {"Authorization": "Basic <redacted>", "Content-Type": "application/json"},
                    "body": change.shown_body,
                }));
            }
        } else {
            self.progress.suspend(|| {
                let body = serde_json::to_string_pretty(&change.shown_body).unwrap_or_default();
                println!("[dry-run] would send {} {url}", change.method);
                println!("  Authorization: Basic <redacted>");
                println!("  Content-Type: application/json");
                for line in body.lines() {
                    println!("  {line}");
                }
            });
        }
    }

    /// The requests `--dry-run` left unsent, for the JSON output.
    pub fn not_sent(&self) -> Vec<Value> {
        self.not_sent.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn audit(&self, change: &Change, outcome: &str, error: Option<&str>) -> Outcome<()> {
        let Some(path) = &self.audit_log else {
            return Ok(());
        };
        let mut record = json!({
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "user": self.user,
            "action": change.action,
            "object": change.object,
            "ids": change.ids,
            "outcome": outcome,
        });
        if let Some(details) = &change.details {
            record["details"] = details.clone();
        }
        if let Some(error) = error {
            record["error"] = Value::String(error.to_owned());
        }
        let line = format!("{record}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        written.map_err(|e| {
            Failure::Failed(format!(
                "cannot append to the audit log {}: {e}",
                path.display()
            ))
        })
    }

    /// Ends progress output.
    pub fn finish(&self) {
        self.progress.finish();
    }
}

/// Progress on stderr: a spinner on a terminal, plain lines otherwise, nothing with
/// `--json`.
enum Progress {
    Spinner(ProgressBar),
    Lines,
    Quiet,
}

impl Progress {
    fn new(json: bool) -> Self {
        if json {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            Progress::Spinner(bar)
        } else {
            Progress::Lines
        }
    }

    fn step(&self, message: &str) {
        match self {
            Progress::Spinner(bar) => bar.set_message(message.to_owned()),
            Progress::Lines => eprintln!("{message}"),
            Progress::Quiet => {}
        }
    }

    fn suspend(&self, f: impl FnOnce()) {
        match self {
            Progress::Spinner(bar) => bar.suspend(f),
            _ => f(),
        }
    }

    fn finish(&self) {
        if let Progress::Spinner(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Ids for a [`Change`].
pub fn ids<const N: usize>(pairs: [(&'static str, &str); N]) -> BTreeMap<&'static str, String> {
    pairs.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
}
