//! The command line: global options, commands, and their help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Credentials come from BOOMI_ACCOUNT_ID, BOOMI_USERNAME and BOOMI_API_TOKEN (or the flags).
The user name gets the BOOMI_TOKEN. prefix when it lacks it; the token is never printed.

Exit codes:
  0  done, or nothing to do
  1  error (API, network, file)
  2  usage: a wrong command line or input file; nothing was sent
  3  refused by a sequencing rule (promotion, rollback without --yes); nothing was sent

Examples:
  boomi-deploy package --component 3f6c... --version 1.4.0
  boomi-deploy deploy --package 9a1e... --env TEST
  boomi-deploy promote --package 9a1e... --from TEST --to PROD
  boomi-deploy status --env PROD --json
  boomi-deploy release apply --file release.yaml --audit-log audit.jsonl";

/// Package, deploy, promote and configure Boomi components from CI/CD.
///
/// Every command checks the current state first and changes only what differs, so
/// running it again is safe and does nothing. Progress goes to stderr, results to
/// stdout.
#[derive(Debug, Parser)]
#[command(name = "boomi-deploy", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The API base URL; `{accountId}` in it is replaced by the account ID.
    #[arg(long, global = true, env = "BOOMI_BASE_URL", value_name = "URL",
          default_value = boomi_platform::Client::SERVER_URL)]
    pub base_url: String,
    /// The Boomi account ID.
    #[arg(long, global = true, env = "BOOMI_ACCOUNT_ID", value_name = "ID")]
    pub account_id: Option<String>,
    /// The API user; `BOOMI_TOKEN.` is put in front when missing.
    #[arg(long, global = true, env = "BOOMI_USERNAME", value_name = "USER")]
    pub username: Option<String>,
    /// The API token (prefer the environment variable: flags show up in process lists).
    #[arg(
        long,
        global = true,
        env = "BOOMI_API_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Print the result as JSON on stdout (progress lines are left out).
    #[arg(long, global = true)]
    pub json: bool,
    /// Send no change: print each request that would be sent (Authorization
    /// redacted, encrypted values masked). Queries are still sent to work out
    /// what would change.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Append one JSON line per change made (or attempted) to FILE: time, user,
    /// action, object, ids, outcome. Encrypted values are never written.
    #[arg(long, global = true, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Most requests to start per second (Boomi allows 10 per account); 0 for no limit.
    #[arg(long, global = true, default_value_t = 8.0, value_name = "N")]
    pub max_rps: f64,
    /// Attempts per request when the server is busy (HTTP 503) or a query fails.
    #[arg(long, global = true, default_value_t = 6, value_name = "N")]
    pub attempts: u32,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reuse the package of a component and version, or create it; prints the packageId.
    #[command(after_help = "\
Queries PackagedComponent by componentId and packageVersion first: an existing package
is reused (a deleted one is restored), so running it again creates nothing.

Examples:
  boomi-deploy package --component 3f6c0d2e-... --version 1.4.0 --notes \"build 812\"
  PKG=$(boomi-deploy package --component 3f6c0d2e-... --version 1.4.0)")]
    Package(PackageArgs),
    /// Deploy a package to an environment, unless it is already actively deployed there.
    #[command(after_help = "\
Deploys by packageId, never by componentId. Does nothing when the package is the active
deployment in the environment already.

Examples:
  boomi-deploy deploy --package 9a1e... --env TEST
  boomi-deploy deploy --package 9a1e... --env 0b2c... --listener paused --notes \"CR-42\"")]
    Deploy(DeployArgs),
    /// Deploy to --to a package that is actively deployed in --from.
    #[command(after_help = "\
Refuses with exit code 3, sending nothing, unless the package is actively deployed in
--from. Then deploys the same package (same packageId) to --to, unless it is there already.

Example:
  boomi-deploy promote --package 9a1e... --from TEST --to PROD --notes \"CR-42\"")]
    Promote(PromoteArgs),
    /// Redeploy the package of a component that was active before the current one.
    #[command(after_help = "\
Looks at every deployment of the component in the environment (active and earlier ones),
takes the active one and the most recent earlier deployment of a different package, and
deploys that package again by packageId.

Without --yes it asks on a terminal; elsewhere (CI) it prints what it would do and exits
with code 3, sending nothing.

Examples:
  boomi-deploy rollback --env PROD --component 3f6c... 
  boomi-deploy rollback --env PROD --component 3f6c... --yes")]
    Rollback(RollbackArgs),
    /// Table of the active deployments of an environment (every page).
    #[command(after_help = "\
Columns: component name and ID, package version, deployed date, deployed by, listener
status; sorted by component.

Examples:
  boomi-deploy status --env PROD
  boomi-deploy status --env PROD --json | jq '.deployments | length'")]
    Status(EnvArg),
    /// Read or set environment extensions.
    #[command(
        subcommand,
        after_help = "\
Examples:
  boomi-deploy extensions get --env TEST
  boomi-deploy extensions set --env TEST --file test-values.yaml
  boomi-deploy extensions set --env PROD --file prod-values.yaml --partial --dry-run"
    )]
    Extensions(ExtensionsCommand),
    /// Set the schedules of a process on every runtime of an environment.
    #[command(
        subcommand,
        after_help = "\
Examples:
  boomi-deploy schedules set --env TEST --process 5d1a... --cron \"0 2 * * *\"
  boomi-deploy schedules set --env PROD --process 5d1a... --clear"
    )]
    Schedules(SchedulesCommand),
    /// Plan or apply a release file: packages, deployments along an environment chain,
    /// extensions and schedules.
    #[command(
        subcommand,
        after_help = "\
Examples:
  boomi-deploy release plan --file release.yaml
  boomi-deploy release apply --file release.yaml --audit-log audit.jsonl"
    )]
    Release(ReleaseCommand),
}

/// `package`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The component ID (process or other deployable component).
    #[arg(long, value_name = "ID")]
    pub component: String,
    /// The package version, e.g. 1.4.0.
    #[arg(long, value_name = "V")]
    pub version: String,
    /// Notes for a new package (packages cannot get notes later).
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
}

/// `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The packageId to deploy.
    #[arg(long, value_name = "ID")]
    pub package: String,
    /// The environment, by name (exact) or ID.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub env: String,
    /// Deployment notes.
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// The listener status for listener processes (default: running).
    #[arg(long, value_enum)]
    pub listener: Option<Listener>,
}

/// `--listener`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Listener {
    /// Listeners start.
    Running,
    /// Listeners are deployed paused.
    Paused,
}

/// `promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The packageId to promote.
    #[arg(long, value_name = "ID")]
    pub package: String,
    /// The environment it must be actively deployed in.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub from: String,
    /// The environment to deploy it to.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub to: String,
    /// Deployment notes.
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
}

/// `rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment, by name (exact) or ID.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub env: String,
    /// The component whose previous package to redeploy.
    #[arg(long, value_name = "ID")]
    pub component: String,
    /// Do it without asking.
    #[arg(long)]
    pub yes: bool,
}

/// `--env`.
#[derive(Debug, Args)]
pub struct EnvArg {
    /// The environment, by name (exact) or ID.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub env: String,
}

/// `extensions`.
#[derive(Debug, Subcommand)]
pub enum ExtensionsCommand {
    /// Print the extensions of an environment (encrypted values masked) in the
    /// values-file format.
    #[command(after_help = "\
Example:
  boomi-deploy extensions get --env TEST > test-values.yaml")]
    Get(EnvArg),
    /// Overlay the values of a file on the current extensions and send them.
    #[command(after_help = crate::extensions::VALUES_HELP)]
    Set(ExtensionsSetArgs),
}

/// `extensions set`.
#[derive(Debug, Args)]
pub struct ExtensionsSetArgs {
    /// The environment, by name (exact) or ID.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub env: String,
    /// The values file (YAML or JSON).
    #[arg(long, value_name = "VALUES")]
    pub file: PathBuf,
    /// Send only the changed values (partial update) instead of the complete set.
    #[arg(long)]
    pub partial: bool,
    /// Send encrypted values from the file even when the server says one is set
    /// already (GET never returns encrypted values, so they cannot be compared).
    #[arg(long)]
    pub update_secrets: bool,
}

/// `schedules`.
#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    /// Replace the schedules of a process on every runtime attached to an environment.
    #[command(after_help = crate::schedules::CRON_HELP)]
    Set(SchedulesSetArgs),
}

/// `schedules set`.
#[derive(Debug, Args)]
pub struct SchedulesSetArgs {
    /// The environment, by name (exact) or ID.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub env: String,
    /// The process ID.
    #[arg(long, value_name = "ID")]
    pub process: String,
    /// A cron expression: "minute hour day-of-month month day-of-week".
    #[arg(
        long,
        value_name = "\"m h dom mon dow\"",
        required_unless_present = "clear",
        conflicts_with = "clear"
    )]
    pub cron: Option<String>,
    /// Remove every schedule of the process instead.
    #[arg(long)]
    pub clear: bool,
}

/// `release`.
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Print what `apply` would change; changes nothing.
    #[command(after_help = crate::release::RELEASE_HELP)]
    Plan(ReleaseArgs),
    /// Make the release so: packages, deployments in chain order, extensions, schedules.
    #[command(after_help = crate::release::RELEASE_HELP)]
    Apply(ReleaseArgs),
}

/// `release plan|apply`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The release file (YAML or JSON).
    #[arg(long, value_name = "RELEASE")]
    pub file: PathBuf,
    /// Send encrypted extension values even when one is set already.
    #[arg(long)]
    pub update_secrets: bool,
}
