//! `package`, `deploy`, `promote`, `rollback` and `status`.

use std::io::IsTerminal;

use boomi_platform::models::{
    DeployedPackage, DeployedPackageInput, DeployedPackageListenerStatus, PackagedComponentInput,
};
use serde_json::{Value, json};

use crate::Report;
use crate::cli::{DeployArgs, Listener, PackageArgs, PromoteArgs, RollbackArgs};
use crate::context::{Change, Ctx, ids};
use crate::error::{Failure, Outcome};
use crate::lookup::{self, Env};

/// What [`ensure_package`] found or did.
#[derive(Debug, Clone)]
pub struct PackageOutcome {
    /// The packageId; `None` only with `--dry-run` when it would be created.
    pub id: Option<String>,
    /// `reused`, `created`, `restored`, or `would create` / `would restore`.
    pub action: &'static str,
}

/// Reuses the package of `component` at `version`, restores it when deleted, or
/// creates it.
pub async fn ensure_package(
    ctx: &Ctx,
    component: &str,
    version: &str,
    notes: Option<&str>,
) -> Outcome<PackageOutcome> {
    ctx.progress(&format!(
        "Looking for package {version} of component {component}"
    ));
    let found = lookup::packages(ctx, component, version).await?;
    if let Some(live) = found
        .iter()
        .find(|p| p.deleted != Some(true) && p.package_id.is_some())
    {
        return Ok(PackageOutcome {
            id: live.package_id.clone(),
            action: "reused",
        });
    }
    // A deleted package keeps its version: creating it again is a restore (same id).
    let deleted = found.iter().find_map(|p| p.package_id.clone());
    let body = PackagedComponentInput {
        component_id: component.to_owned(),
        package_version: Some(version.to_owned()),
        notes: notes.map(str::to_owned),
        package_id: deleted.clone(),
        ..Default::default()
    };
    let restoring = deleted.is_some();
    ctx.progress(&format!(
        "{} package {version} of component {component}",
        if restoring { "Restoring" } else { "Creating" }
    ));
    let change = Change {
        action: if restoring {
            "restore-package"
        } else {
            "create-package"
        },
        object: "PackagedComponent",
        method: "POST",
        path: "/PackagedComponent".into(),
        shown_body: serde_json::to_value(&body).unwrap_or(Value::Null),
        ids: ids([("componentId", component), ("packageVersion", version)]),
        details: None,
    };
    let created = ctx
        .change(change, ctx.client.create_packaged_component(&body), |p| {
            vec![("packageId", p.package_id.clone())]
        })
        .await?;
    match created {
        None => Ok(PackageOutcome {
            id: deleted,
            action: if restoring {
                "would restore"
            } else {
                "would create"
            },
        }),
        Some(package) => {
            let id = package.package_id.ok_or_else(|| {
                Failure::Failed("the server created a package but sent no packageId".into())
            })?;
            Ok(PackageOutcome {
                id: Some(id),
                action: if restoring { "restored" } else { "created" },
            })
        }
    }
}

/// `package`.
pub async fn package(ctx: &Ctx, args: &PackageArgs) -> Outcome<Report> {
    let outcome =
        ensure_package(ctx, &args.component, &args.version, args.notes.as_deref()).await?;
    let id = outcome.id.clone().unwrap_or_default();
    let text = if outcome.id.is_some() {
        id.clone()
    } else {
        String::new()
    };
    ctx.progress(&format!(
        "Package {} of {}: {}",
        args.version, args.component, outcome.action
    ));
    Ok(Report::new(
        text,
        json!({"packageId": outcome.id, "componentId": args.component, "packageVersion": args.version, "action": outcome.action}),
    ))
}

/// What [`ensure_deployed`] found or did.
#[derive(Debug, Clone)]
pub struct DeployOutcome {
    /// The deploymentId of the active deployment (`None` with `--dry-run`).
    pub deployment_id: Option<String>,
    /// `already deployed`, `deployed` or `would deploy`.
    pub action: &'static str,
}

/// Deploys `package` to `env` unless it is actively deployed there.
pub async fn ensure_deployed(
    ctx: &Ctx,
    env: &Env,
    package: &str,
    notes: Option<&str>,
    listener: Option<Listener>,
) -> Outcome<DeployOutcome> {
    ctx.progress(&format!(
        "Checking whether package {package} is deployed in {env}"
    ));
    if let Some(active) = lookup::active_deployments(ctx, env, package)
        .await?
        .into_iter()
        .next()
    {
        return Ok(DeployOutcome {
            deployment_id: active.deployment_id,
            action: "already deployed",
        });
    }
    ctx.progress(&format!("Deploying package {package} to {env}"));
    let body = DeployedPackageInput {
        environment_id: env.id.clone(),
        package_id: Some(package.to_owned()),
        notes: notes.map(str::to_owned),
        listener_status: listener.map(|l| match l {
            Listener::Running => DeployedPackageListenerStatus::Running,
            Listener::Paused => DeployedPackageListenerStatus::Paused,
        }),
        ..Default::default()
    };
    let change = Change {
        action: "deploy",
        object: "DeployedPackage",
        method: "POST",
        path: "/DeployedPackage".into(),
        shown_body: serde_json::to_value(&body).unwrap_or(Value::Null),
        ids: ids([("environmentId", env.id.as_str()), ("packageId", package)]),
        details: None,
    };
    let deployed = ctx
        .change(change, ctx.client.create_deployed_package(&body), |d| {
            vec![
                ("deploymentId", d.deployment_id.clone()),
                ("componentId", d.component_id.clone()),
            ]
        })
        .await?;
    Ok(match deployed {
        None => DeployOutcome {
            deployment_id: None,
            action: "would deploy",
        },
        Some(d) => {
            if let Some(warning) = d.message.as_deref().filter(|m| !m.is_empty()) {
                ctx.warn(&format!("the server says: {warning}"));
            }
            DeployOutcome {
                deployment_id: d.deployment_id,
                action: "deployed",
            }
        }
    })
}

fn deploy_report(env: &Env, package: &str, outcome: &DeployOutcome) -> Report {
    Report::new(
        format!(
            "{package} {} in {env}{}",
            outcome.action,
            match &outcome.deployment_id {
                Some(id) => format!(" (deployment {id})"),
                None => String::new(),
            }
        ),
        json!({
            "packageId": package,
            "environmentId": env.id,
            "environment": env.name,
            "deploymentId": outcome.deployment_id,
            "action": outcome.action,
        }),
    )
}

/// `deploy`.
pub async fn deploy(ctx: &Ctx, args: &DeployArgs) -> Outcome<Report> {
    let env = lookup::environment(ctx, &args.env).await?;
    let outcome = ensure_deployed(
        ctx,
        &env,
        &args.package,
        args.notes.as_deref(),
        args.listener,
    )
    .await?;
    Ok(deploy_report(&env, &args.package, &outcome))
}

/// The promotion rule: `package` must be actively deployed in `from`.
pub async fn check_promotable(ctx: &Ctx, package: &str, from: &Env, to: &Env) -> Outcome<()> {
    ctx.progress(&format!(
        "Checking that package {package} is active in {from}"
    ));
    if lookup::active_deployments(ctx, from, package)
        .await?
        .is_empty()
    {
        return Err(Failure::Refused(format!(
            "refusing to promote package {package} to {to}: it is not actively deployed in {from}; deploy it there first"
        )));
    }
    Ok(())
}

/// `promote`.
pub async fn promote(ctx: &Ctx, args: &PromoteArgs) -> Outcome<Report> {
    let from = lookup::environment(ctx, &args.from).await?;
    let to = lookup::environment(ctx, &args.to).await?;
    if from.id == to.id {
        return Err(Failure::Usage(format!(
            "--from and --to are the same environment, {from}"
        )));
    }
    check_promotable(ctx, &args.package, &from, &to).await?;
    let outcome = ensure_deployed(ctx, &to, &args.package, args.notes.as_deref(), None).await?;
    let mut report = deploy_report(&to, &args.package, &outcome);
    report.json["from"] = json!({"environmentId": from.id, "environment": from.name});
    Ok(report)
}

/// Newest first: by deployment date, then by deployment version.
fn newest_first(a: &DeployedPackage, b: &DeployedPackage) -> std::cmp::Ordering {
    (b.deployed_date, b.version, &b.deployment_id).cmp(&(
        a.deployed_date,
        a.version,
        &a.deployment_id,
    ))
}

/// The active deployment and the one to go back to: the most recent deployment before
/// it of a different package.
pub fn rollback_target(
    mut history: Vec<DeployedPackage>,
) -> Result<(DeployedPackage, DeployedPackage), String> {
    history.sort_by(newest_first);
    let current_index = history
        .iter()
        .position(|d| d.active == Some(true))
        .ok_or("the component has no active deployment in this environment")?;
    let current = history[current_index].clone();
    let previous = history[current_index + 1..]
        .iter()
        .find(|d| d.package_id.is_some() && d.package_id != current.package_id)
        .cloned()
        .ok_or("no earlier deployment of a different package to go back to")?;
    Ok((current, previous))
}

fn describe(d: &DeployedPackage) -> String {
    format!(
        "package {} (version {}, deployed {} by {})",
        d.package_id.as_deref().unwrap_or("?"),
        d.package_version.as_deref().unwrap_or("?"),
        d.deployed_date
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "?".into()),
        d.deployed_by.as_deref().unwrap_or("?"),
    )
}

/// `rollback`.
pub async fn rollback(ctx: &Ctx, args: &RollbackArgs) -> Outcome<Report> {
    let env = lookup::environment(ctx, &args.env).await?;
    ctx.progress(&format!(
        "Reading the deployment history of component {} in {env}",
        args.component
    ));
    let history = lookup::deployments(ctx, &env, Some(&args.component), false).await?;
    let (current, previous) = rollback_target(history).map_err(|why| {
        Failure::Failed(format!(
            "cannot roll back component {} in {env}: {why}",
            args.component
        ))
    })?;
    let plan = format!(
        "roll back component {} in {env} from {} to {}",
        args.component,
        describe(&current),
        describe(&previous)
    );
    let package = previous.package_id.clone().unwrap_or_default();
    if !args.yes && !ctx.dry_run {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return Err(Failure::Refused(format!(
                "would {plan}; pass --yes to do it"
            )));
        }
        eprint!("About to {plan}. Proceed? [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Failure::Failed(format!("cannot read the answer: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::Refused(
                "rollback not confirmed; nothing changed".into(),
            ));
        }
    }
    let notes = format!(
        "rollback from package {}",
        current.package_id.as_deref().unwrap_or("?")
    );
    let outcome = ensure_deployed(ctx, &env, &package, Some(&notes), None).await?;
    let mut report = deploy_report(&env, &package, &outcome);
    report.text = format!("{}: {}", plan, outcome.action);
    report.json["previousPackageId"] = json!(current.package_id);
    report.json["componentId"] = json!(args.component);
    Ok(report)
}

/// `status`.
pub async fn status(ctx: &Ctx, env_name: &str) -> Outcome<Report> {
    let env = lookup::environment(ctx, env_name).await?;
    ctx.progress(&format!("Listing the active deployments in {env}"));
    let mut active = lookup::deployments(ctx, &env, None, true).await?;
    let ids = active
        .iter()
        .filter_map(|d| d.component_id.clone())
        .collect();
    // Names make the table readable, but they are not worth failing the status for.
    let names = match lookup::component_names(ctx, &ids).await {
        Ok(names) => names,
        Err(e) => {
            ctx.warn(&format!("component names left out: {e}"));
            Default::default()
        }
    };
    let name_of = |d: &DeployedPackage| {
        d.component_id
            .as_ref()
            .and_then(|id| names.get(id))
            .cloned()
            .unwrap_or_default()
    };
    active.sort_by(|a, b| {
        (
            name_of(a),
            &a.component_id,
            &a.package_version,
            a.deployed_date,
            &a.deployment_id,
        )
            .cmp(&(
                name_of(b),
                &b.component_id,
                &b.package_version,
                b.deployed_date,
                &b.deployment_id,
            ))
    });
    let rows: Vec<[String; 6]> = active
        .iter()
        .map(|d| {
            [
                name_of(d),
                d.component_id.clone().unwrap_or_default(),
                d.package_version.clone().unwrap_or_default(),
                d.deployed_date
                    .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                    .unwrap_or_default(),
                d.deployed_by.clone().unwrap_or_default(),
                d.listener_status
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let text = format!(
        "{}\n{} active deployment(s) in {env}",
        table(
            [
                "COMPONENT",
                "COMPONENT ID",
                "PACKAGE VERSION",
                "DEPLOYED",
                "DEPLOYED BY",
                "LISTENER"
            ],
            &rows
        ),
        rows.len()
    );
    let json = json!({
        "environmentId": env.id,
        "environment": env.name,
        "deployments": active.iter().map(|d| json!({
            "componentId": d.component_id,
            "componentName": d.component_id.as_ref().and_then(|id| names.get(id)),
            "packageId": d.package_id,
            "packageVersion": d.package_version,
            "deploymentId": d.deployment_id,
            "deployedDate": d.deployed_date,
            "deployedBy": d.deployed_by,
            "listenerStatus": d.listener_status,
        })).collect::<Vec<_>>(),
    });
    Ok(Report::new(text, json))
}

/// A plain text table with aligned columns.
pub fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(id: &str, package: &str, day: u32, active: bool) -> DeployedPackage {
        DeployedPackage {
            deployment_id: Some(id.into()),
            package_id: Some(package.into()),
            deployed_date: format!("2026-01-{day:02}T00:00:00Z").parse().ok(),
            active: Some(active),
            ..Default::default()
        }
    }

    #[test]
    fn rollback_goes_to_the_latest_earlier_different_package() {
        let history = vec![
            deployment("d1", "p1", 1, false),
            deployment("d2", "p2", 2, false),
            deployment("d3", "p3", 3, false),
            deployment("d4", "p3", 4, true),
        ];
        let (current, previous) = rollback_target(history).unwrap();
        assert_eq!(current.deployment_id.as_deref(), Some("d4"));
        assert_eq!(
            previous.package_id.as_deref(),
            Some("p2"),
            "the same package redeployed does not count"
        );
    }

    #[test]
    fn rollback_needs_an_active_and_an_earlier_deployment() {
        assert!(
            rollback_target(vec![deployment("d1", "p1", 1, false)])
                .unwrap_err()
                .contains("no active")
        );
        assert!(
            rollback_target(vec![deployment("d1", "p1", 1, true)])
                .unwrap_err()
                .contains("no earlier")
        );
    }

    #[test]
    fn table_aligns_columns() {
        let rows = [
            ["a".to_owned(), "long value".to_owned()],
            ["bbb".to_owned(), String::new()],
        ];
        assert_eq!(table(["X", "Y"], &rows), "X    Y\na    long value\nbbb");
    }
}
