//! `boomi-deploy`: a CI/CD deployment tool for Boomi, built on the generated
//! `boomi-platform` client.
//!
//! Each command checks the current state before it changes anything, so that running it
//! again is a no-op and an interrupted run can simply be started again. See the crate's
//! README for the commands, file formats and exit codes.

pub mod cli;
pub mod context;
pub mod deploy;
pub mod error;
pub mod extensions;
pub mod lookup;
pub mod release;
pub mod schedules;

use clap::Parser;
use serde_json::Value;

use crate::cli::{Cli, Command, ExtensionsCommand, ReleaseCommand, SchedulesCommand};
use crate::context::Ctx;
use crate::error::{EXIT_OK, Failure, Outcome};

/// What a command prints: text for people, JSON for `--json`.
#[derive(Debug, Clone)]
pub struct Report {
    /// Printed on stdout without `--json`.
    pub text: String,
    /// Printed on stdout with `--json`.
    pub json: Value,
}

impl Report {
    /// A report.
    pub fn new(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
        }
    }
}

/// Runs the command line of this process; returns the exit code.
pub fn main() -> u8 {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("boomi-deploy: cannot start the async runtime: {e}");
            return error::EXIT_ERROR;
        }
    };
    let json = cli.global.json;
    match runtime.block_on(run(cli)) {
        Ok(()) => EXIT_OK,
        Err(failure) => {
            if json {
                let kind = match failure {
                    Failure::Usage(_) => "usage",
                    Failure::Refused(_) => "refused",
                    Failure::Failed(_) => "error",
                };
                println!(
                    "{}",
                    serde_json::json!({"error": failure.to_string(), "kind": kind, "exitCode": failure.exit_code()})
                );
            }
            eprintln!("boomi-deploy: {failure}");
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Outcome<()> {
    // Problems with the input files are usage errors found before any request.
    let ctx = Ctx::new(&cli.global)?;
    let result = dispatch(&ctx, &cli.command).await;
    ctx.finish();
    let report = result?;
    if ctx.json {
        let mut json = report.json;
        if ctx.dry_run
            && let Value::Object(map) = &mut json
        {
            map.insert("dryRun".into(), Value::Bool(true));
            map.insert("notSent".into(), Value::Array(ctx.not_sent()));
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else if !report.text.is_empty() {
        println!("{}", report.text);
    }
    Ok(())
}

async fn dispatch(ctx: &Ctx, command: &Command) -> Outcome<Report> {
    match command {
        Command::Package(args) => deploy::package(ctx, args).await,
        Command::Deploy(args) => deploy::deploy(ctx, args).await,
        Command::Promote(args) => deploy::promote(ctx, args).await,
        Command::Rollback(args) => deploy::rollback(ctx, args).await,
        Command::Status(args) => deploy::status(ctx, &args.env).await,
        Command::Extensions(ExtensionsCommand::Get(args)) => extensions::get(ctx, &args.env).await,
        Command::Extensions(ExtensionsCommand::Set(args)) => extensions::set(ctx, args).await,
        Command::Schedules(SchedulesCommand::Set(args)) => schedules::set(ctx, args).await,
        Command::Release(ReleaseCommand::Plan(args)) => release::run(ctx, args, false).await,
        Command::Release(ReleaseCommand::Apply(args)) => release::run(ctx, args, true).await,
    }
}
