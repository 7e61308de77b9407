//! Queries the commands share: environments by name or id, packages, deployments,
//! runtimes of an environment.

use std::collections::{BTreeMap, BTreeSet};

use boomi_platform::filters::{
    ComponentMetadataFilter, ComponentMetadataProperty, DeployedPackageFilter,
    DeployedPackageProperty, EnvironmentAtomAttachmentProperty, EnvironmentProperty,
    PackagedComponentProperty,
};
use boomi_platform::models::{DeployedPackage, Environment, PackagedComponent};
use boomi_platform::runtime::futures::TryStreamExt;

use crate::context::Ctx;
use crate::error::{Failure, Outcome};

/// An environment, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl std::fmt::Display for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.id)
    }
}

/// Finds the environment whose ID, or else whose exact name, is `name_or_id`.
pub async fn environment(ctx: &Ctx, name_or_id: &str) -> Outcome<Env> {
    ctx.progress(&format!("Looking up environment {name_or_id}"));
    let query = EnvironmentProperty::Id.equals(name_or_id) | EnvironmentProperty::Name.equals(name_or_id);
    let found: Vec<Environment> = ctx
        .read(
            &format!("looking up environment {name_or_id}"),
            ctx.client.query_environments_all(query).try_collect(),
        )
        .await?;
    let to_env = |e: &Environment| Env {
        id: e.id.clone().unwrap_or_default(),
        name: e.name.clone().unwrap_or_default(),
    };
    if let Some(by_id) = found.iter().find(|e| e.id.as_deref() == Some(name_or_id)) {
        return Ok(to_env(by_id));
    }
    let mut by_name: Vec<Env> = found
        .iter()
        .filter(|e| e.name.as_deref() == Some(name_or_id))
        .map(to_env)
        .collect();
    by_name.sort_by(|a, b| a.id.cmp(&b.id));
    match by_name.len() {
        1 => Ok(by_name.remove(0)),
        0 => Err(Failure::Failed(format!(
            "no environment has the ID or the name `{name_or_id}`"
        ))),
        _ => Err(Failure::Failed(format!(
            "{} environments are named `{name_or_id}` ({}); pass the ID instead",
            by_name.len(),
            by_name
                .iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The packages of a component with exactly this package version, deleted ones included.
pub async fn packages(
    ctx: &Ctx,
    component: &str,
    version: &str,
) -> Outcome<Vec<PackagedComponent>> {
    let query = PackagedComponentProperty::ComponentId.equals(component)
        & PackagedComponentProperty::PackageVersion.equals(version);
    let found: Vec<PackagedComponent> = ctx
        .read(
            &format!("looking up package {version} of component {component}"),
            ctx.client
                .query_packaged_components_all(query)
                .try_collect(),
        )
        .await?;
    // The server's EQUALS is exact, but a proxy or a LIKE-happy server must not make us
    // reuse the wrong package.
    Ok(found
        .into_iter()
        .filter(|p| {
            p.component_id.as_deref() == Some(component)
                && p.package_version.as_deref() == Some(version)
        })
        .collect())
}

/// The active deployments of `package` in `env`.
pub async fn active_deployments(
    ctx: &Ctx,
    env: &Env,
    package: &str,
) -> Outcome<Vec<DeployedPackage>> {
    let query = DeployedPackageProperty::EnvironmentId.equals(&env.id)
        & DeployedPackageProperty::PackageId.equals(package)
        & DeployedPackageProperty::Active.equals(true);
    let found: Vec<DeployedPackage> = ctx
        .read(
            &format!("checking the deployments of package {package} in {env}"),
            ctx.client.query_deployed_packages_all(query).try_collect(),
        )
        .await?;
    Ok(found
        .into_iter()
        .filter(|d| d.active == Some(true) && d.package_id.as_deref() == Some(package))
        .collect())
}

/// Every deployment in `env`, active only or all, optionally of one component.
pub async fn deployments(
    ctx: &Ctx,
    env: &Env,
    component: Option<&str>,
    active_only: bool,
) -> Outcome<Vec<DeployedPackage>> {
    let mut conditions = vec![DeployedPackageProperty::EnvironmentId.equals(&env.id)];
    if let Some(component) = component {
        conditions.push(DeployedPackageProperty::ComponentId.equals(component));
    }
    if active_only {
        conditions.push(DeployedPackageProperty::Active.equals(true));
    }
    let query = DeployedPackageFilter::and(conditions);
    let found: Vec<DeployedPackage> = ctx
        .read(
            &format!("listing the deployments in {env}"),
            ctx.client.query_deployed_packages_all(query).try_collect(),
        )
        .await?;
    Ok(found
        .into_iter()
        .filter(|d| !active_only || d.active == Some(true))
        .filter(|d| component.is_none() || d.component_id.as_deref() == component)
        .collect())
}

/// The IDs of the runtimes attached to `env`, sorted.
pub async fn runtimes(ctx: &Ctx, env: &Env) -> Outcome<Vec<String>> {
    let query = EnvironmentAtomAttachmentProperty::EnvironmentId.equals(&env.id);
    let found: Vec<boomi_platform::models::EnvironmentAtomAttachment> = ctx
        .read(
            &format!("listing the runtimes attached to {env}"),
            ctx.client
                .query_environment_atom_attachments_all(query)
                .try_collect(),
        )
        .await?;
    let mut atoms: Vec<String> = found
        .into_iter()
        .filter(|a| a.environment_id.as_deref().is_none_or(|e| e == env.id))
        .filter_map(|a| a.atom_id)
        .collect();
    atoms.sort();
    atoms.dedup();
    Ok(atoms)
}

/// The names of components (their current revision), by component ID. Asks about at
/// most 50 IDs per query.
pub async fn component_names(
    ctx: &Ctx,
    ids: &BTreeSet<String>,
) -> Outcome<BTreeMap<String, String>> {
    let ids: Vec<&String> = ids.iter().collect();
    let mut names = BTreeMap::new();
    for chunk in ids.chunks(50) {
        let query = ComponentMetadataProperty::CurrentVersion.equals(true)
            & ComponentMetadataFilter::or(
                chunk.iter().map(|id| ComponentMetadataProperty::ComponentId.equals(id.as_str())),
            );
        let found: Vec<boomi_platform::models::ComponentMetadata> = ctx
            .read(
                "reading component names",
                ctx.client
                    .query_component_metadata_all(query)
                    .try_collect(),
            )
            .await?;
        for c in found {
            if let (Some(id), Some(name)) = (c.component_id, c.name) {
                names.insert(id, name);
            }
        }
    }
    Ok(names)
}
