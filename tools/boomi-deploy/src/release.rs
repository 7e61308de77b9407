//! `release plan` and `release apply`: a declarative release file made so, step by
//! step, each step checking the state first so that a re-run after an interruption
//! finishes the job without doing anything twice.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::Report;
use crate::cli::{Listener, ReleaseArgs};
use crate::context::Ctx;
use crate::deploy;
use crate::error::{Failure, Outcome};
use crate::extensions::{self, Values};
use crate::lookup::{self, Env};
use crate::schedules;

/// The help of `release plan|apply`: the release file format.
pub const RELEASE_HELP: &str = "\
Release file (YAML or JSON):

  components:                        # packaged (or reused) first, in this order
    - id: 3f6c0d2e-...               # component ID
      version: \"1.4.0\"               # package version
      notes: \"build 812\"             # optional, for a new package
  environments:                      # the chain, in promotion order
    - name: TEST                     # name (exact) or ID
      listener: running              # optional: running | paused
      extensions:                    # optional, the values-file format of `extensions set`
        connections:
          Orders DB: { url: \"jdbc:postgresql://test-db/orders\" }
      partial: false                 # optional: send extensions as a partial update
      schedules:                     # optional, per process, on every attached runtime
        - { process: 5d1a..., cron: \"0 2 * * *\" }
        - { process: 7b2e..., clear: true }
    - name: PROD

apply: the packages, then for each environment in order: deploy every package (an
environment after the first only gets a package the one before it actively runs, else
exit 3), the extensions, the schedules. Each step checks the state first, so running
apply again does nothing, and a run that was interrupted anywhere finishes the job when
started again, with no duplicate package or deployment.

plan: prints what apply would do and changes nothing (queries only).

Examples:
  boomi-deploy release plan --file release.yaml
  boomi-deploy release apply --file release.yaml --audit-log audit.jsonl";

/// A release file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The components and their package versions.
    pub components: Vec<ComponentSpec>,
    /// The environments, in promotion order.
    pub environments: Vec<EnvSpec>,
}

/// One component of a release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    /// The component ID.
    pub id: String,
    /// The package version.
    pub version: String,
    /// Notes for a new package.
    #[serde(default)]
    pub notes: Option<String>,
}

/// One environment of a release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    /// Name or ID.
    pub name: String,
    /// Listener status for new deployments.
    #[serde(default)]
    pub listener: Option<ListenerSpec>,
    /// Extension values.
    #[serde(default)]
    pub extensions: Option<Values>,
    /// Send the extensions as a partial update.
    #[serde(default)]
    pub partial: bool,
    /// Process schedules.
    #[serde(default)]
    pub schedules: Vec<ScheduleSpec>,
}

/// `listener:` in a release file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListenerSpec {
    /// Running.
    Running,
    /// Paused.
    Paused,
}

/// The schedules of one process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// The process ID.
    pub process: String,
    /// A cron expression.
    #[serde(default)]
    pub cron: Option<String>,
    /// Remove every schedule.
    #[serde(default)]
    pub clear: bool,
}

/// Reads and checks a release file; every problem reported together.
pub fn load(path: &std::path::Path) -> Outcome<Release> {
    let release: Release = extensions::read_file(path, "release file")?;
    let mut errors = Vec::new();
    if release.components.is_empty() {
        errors.push("`components` is empty".to_owned());
    }
    if release.environments.is_empty() {
        errors.push("`environments` is empty".to_owned());
    }
    for (i, env) in release.environments.iter().enumerate() {
        for (j, s) in env.schedules.iter().enumerate() {
            match (&s.cron, s.clear) {
                (Some(_), true) => errors.push(format!(
                    "environments[{i}].schedules[{j}]: give cron or clear, not both"
                )),
                (None, false) => errors.push(format!(
                    "environments[{i}].schedules[{j}]: give cron or clear: true"
                )),
                (Some(cron), false) => {
                    if let Err(e) = schedules::parse_cron(cron) {
                        errors.push(format!("environments[{i}].schedules[{j}].cron: {e}"));
                    }
                }
                (None, true) => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(release)
    } else {
        Err(Failure::Usage(format!(
            "{}: {}",
            path.display(),
            errors.join("; ")
        )))
    }
}

/// One step of a release and what happened (or would happen).
#[derive(Debug, Clone)]
struct Step {
    kind: &'static str,
    target: String,
    action: String,
    details: Vec<String>,
    json: Value,
}

/// `release plan` (`apply == false`) and `release apply`.
pub async fn run(ctx: &Ctx, args: &ReleaseArgs, apply: bool) -> Outcome<Report> {
    let release = load(&args.file)?;
    if !apply {
        ctx.set_plan_only();
    }
    let mut envs: Vec<Env> = Vec::new();
    for spec in &release.environments {
        let env = lookup::environment(ctx, &spec.name).await?;
        if envs.iter().any(|e| e.id == env.id) {
            return Err(Failure::Usage(format!(
                "{}: {env} appears twice in the chain",
                args.file.display()
            )));
        }
        envs.push(env);
    }
    let mut steps = Vec::new();
    // packageId, or a placeholder for a package the plan would create.
    let mut packages: Vec<String> = Vec::new();
    for c in &release.components {
        let outcome = deploy::ensure_package(ctx, &c.id, &c.version, c.notes.as_deref()).await?;
        let id = outcome
            .id
            .clone()
            .unwrap_or_else(|| format!("(new package {} of {})", c.version, c.id));
        steps.push(Step {
            kind: "package",
            target: format!("component {} version {}", c.id, c.version),
            action: outcome.action.to_owned(),
            details: Vec::new(),
            json: json!({"componentId": c.id, "packageVersion": c.version, "packageId": outcome.id}),
        });
        packages.push(id);
    }
    // (environment id, package) pairs active there, found so or deployed (or, for a
    // plan, to be deployed) by this run: the promotion rule needs no second query.
    let mut running: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, (spec, env)) in release.environments.iter().zip(&envs).enumerate() {
        let mut pending_deploy = false;
        for (c, package) in release.components.iter().zip(&packages) {
            let known = !package.starts_with('(');
            let active = known
                && !lookup::active_deployments(ctx, env, package)
                    .await?
                    .is_empty();
            let action = if active {
                "already deployed".to_owned()
            } else {
                if i > 0 {
                    let previous = &envs[i - 1];
                    if !running.contains(&(previous.id.clone(), package.clone())) {
                        return Err(Failure::Refused(format!(
                            "refusing to promote {package} to {env}: it is not actively deployed in {previous}"
                        )));
                    }
                }
                pending_deploy = true;
                if known {
                    let listener = spec.listener.map(|l| match l {
                        ListenerSpec::Running => Listener::Running,
                        ListenerSpec::Paused => Listener::Paused,
                    });
                    let notes = c.notes.as_deref();
                    deploy::ensure_deployed(ctx, env, package, notes, listener)
                        .await?
                        .action
                        .to_owned()
                } else {
                    "would deploy".to_owned()
                }
            };
            running.insert((env.id.clone(), package.clone()));
            steps.push(Step {
                kind: "deploy",
                target: format!("{package} ({} {}) in {env}", c.id, c.version),
                action,
                details: Vec::new(),
                json: json!({"environmentId": env.id, "environment": env.name, "packageId": known.then_some(package), "componentId": c.id}),
            });
        }
        // A deployment still to be made can add extensions and schedules objects the
        // environment does not have yet: a plan says so instead of failing.
        let deferred = !apply && pending_deploy;
        if let Some(values) = spec.extensions.as_ref().filter(|v| !v.is_empty()) {
            match extensions::apply(ctx, env, values, spec.partial, args.update_secrets).await {
                Ok(outcome) => steps.push(Step {
                    kind: "extensions",
                    target: env.to_string(),
                    action: outcome.action.to_owned(),
                    details: extensions::diff_text(env, &outcome)
                        .lines()
                        .map(str::to_owned)
                        .collect(),
                    json: {
                        let mut j = extensions::diff_json(&outcome);
                        j["environmentId"] = json!(env.id);
                        j
                    },
                }),
                Err(Failure::Usage(why)) if deferred => steps.push(Step {
                    kind: "extensions",
                    target: env.to_string(),
                    action: "checked after the deployment".into(),
                    details: why.lines().map(str::to_owned).collect(),
                    json: json!({"environmentId": env.id}),
                }),
                Err(e) => return Err(e),
            }
        }
        for s in &spec.schedules {
            let wanted = schedules::wanted(s.cron.as_deref(), s.clear)?;
            match schedules::apply(ctx, env, &s.process, &wanted).await {
                Ok(outcomes) => {
                    for o in outcomes {
                        steps.push(Step {
                            kind: "schedules",
                            target: format!("process {} on runtime {} in {env}", s.process, o.atom_id),
                            action: o.action.to_owned(),
                            details: Vec::new(),
                            json: json!({"environmentId": env.id, "processId": s.process, "atomId": o.atom_id, "schedules": wanted}),
                        });
                    }
                }
                Err(Failure::Failed(why)) if deferred => steps.push(Step {
                    kind: "schedules",
                    target: format!("process {} in {env}", s.process),
                    action: "set after the deployment".into(),
                    details: vec![why],
                    json: json!({"environmentId": env.id, "processId": s.process}),
                }),
                Err(e) => return Err(e),
            }
        }
    }
    let changes = steps
        .iter()
        .filter(|s| {
            !matches!(
                s.action.as_str(),
                "reused" | "already deployed" | "unchanged"
            )
        })
        .count();
    let mut lines: Vec<String> = Vec::new();
    for s in &steps {
        lines.push(format!("{:<10} {}: {}", s.kind, s.target, s.action));
        for d in s.details.iter().filter(|d| d.starts_with(['~', '='])) {
            lines.push(format!("           {d}"));
        }
    }
    lines.push(match (apply, changes) {
        (_, 0) => "nothing to change".to_owned(),
        (false, n) => {
            format!("{n} step(s) would change something; run `release apply` to make them")
        }
        (true, n) if ctx.dry_run => format!("{n} step(s) would change something (dry run)"),
        (true, n) => format!("{n} step(s) changed something"),
    });
    let json = json!({
        "mode": if apply { "apply" } else { "plan" },
        "changes": changes,
        "steps": steps.iter().map(|s| {
            let mut j = s.json.clone();
            j["step"] = json!(s.kind);
            j["action"] = json!(s.action);
            j
        }).collect::<Vec<_>>(),
    });
    Ok(Report::new(lines.join("\n"), json))
}
