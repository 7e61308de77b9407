//! `generator [SPEC] [--out DIR] [--name CRATE] [--check]`
//!
//! With no SPEC, regenerates the checked-in Boomi client (`generated-client/` from
//! `spec/boomi-platform.yaml`). A thin front end: everything happens in the library.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use generator::{Config, Error, Staleness};

/// Generate a typed async Rust client crate from an OpenAPI 3.0/3.1 document.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The OpenAPI document (YAML or JSON). Without it: the Boomi client of this
    /// workspace is regenerated from spec/boomi-platform.yaml.
    spec: Option<PathBuf>,
    /// Output directory for the crate (default: generated-client/ for the Boomi client,
    /// else a folder named after the crate).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Package name of the generated crate (default: from info.title).
    #[arg(long)]
    name: Option<String>,
    /// Write nothing; exit 1 and list the files that differ if the output on disk is stale.
    #[arg(long)]
    check: bool,
    /// Path of the client-runtime crate as written into the generated Cargo.toml
    /// (default: the relative path from the output directory to this workspace's runtime/).
    #[arg(long)]
    runtime_path: Option<String>,
    /// Add an empty [workspace] table, so the crate builds on its own wherever it is.
    #[arg(long)]
    standalone: bool,
    /// Apply an OpenAPI Overlay 1.0 file to the spec first (repeatable; applied in order).
    #[arg(long = "overlay", value_name = "FILE")]
    overlays: Vec<PathBuf>,
    /// Do not apply spec/overlays/*.yaml (the Boomi client only; generates the seed spec as it is).
    #[arg(long)]
    no_overlays: bool,
}

/// The workspace this binary belongs to: the nearest folder holding the default spec,
/// else the one it was built in.
fn workspace_root() -> PathBuf {
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join(generator::DEFAULT_SPEC).is_file() && dir.join("runtime").is_dir() {
                return dir.to_owned();
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// `to` relative to `from`, both made absolute first.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_owned())
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let (from, to) = (abs(from), abs(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = workspace_root();
    let (mut config, command) = match &args.spec {
        None if args.no_overlays => (
            Config::boomi_seed_only(&root),
            format!("{} -- --no-overlays", generator::DEFAULT_COMMAND),
        ),
        None => (Config::boomi(&root), generator::DEFAULT_COMMAND.to_owned()),
        Some(spec) => {
            let mut config = Config::new(spec);
            let mut command = format!("generator {}", spec.display());
            if let Some(out) = &args.out {
                command.push_str(&format!(" --out {}", out.display()));
            }
            if let Some(name) = &args.name {
                command.push_str(&format!(" --name {name}"));
            }
            for overlay in &args.overlays {
                command.push_str(&format!(" --overlay {}", overlay.display()));
            }
            config.spec_display_name(spec.display().to_string());
            (config, command)
        }
    };
    if args.spec.is_none() && !args.overlays.is_empty() {
        eprintln!("--overlay goes with a SPEC; the Boomi client takes its overlays from spec/overlays/");
        return ExitCode::from(2);
    }
    for overlay in &args.overlays {
        config.overlay(overlay);
    }
    config.regenerate_command(&command);
    if let Some(name) = &args.name {
        config.crate_name(name);
    }
    let out = match (&args.out, &args.spec) {
        (Some(out), _) => out.clone(),
        (None, None) => root.join(generator::DEFAULT_OUT),
        (None, Some(_)) => {
            // The crate name decides the folder; generate once in memory to learn it.
            match config.generate() {
                Ok(output) => PathBuf::from(crate_name_of(&output.files).unwrap_or_else(|| "api-client".into())),
                Err(err) => {
                    eprint!("{err}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    config.out_dir(&out);
    match &args.runtime_path {
        Some(path) => {
            config.runtime_path(path);
        }
        None if args.spec.is_some() => {
            config.runtime_path(relative(&out, &root.join("runtime")));
        }
        None => {}
    }
    config.standalone(args.standalone);

    if args.check {
        match config.check() {
            Ok((output, stale)) => {
                print_warnings(&output.warnings);
                if stale.is_empty() {
                    println!("{} is up to date ({} files)", out.display(), output.files.len());
                    ExitCode::SUCCESS
                } else {
                    eprintln!("{} is stale:", out.display());
                    for file in &stale {
                        let why = match file.why {
                            Staleness::Missing => "missing",
                            Staleness::Differs => "differs",
                            Staleness::Extra => "no longer generated",
                        };
                        eprintln!("  {} ({why})", file.path.display());
                    }
                    eprintln!("run `{command}` to regenerate it");
                    ExitCode::from(1)
                }
            }
            Err(err) => report(err),
        }
    } else {
        match config.write() {
            Ok((output, report)) => {
                print_warnings(&output.warnings);
                println!(
                    "{}: {} files ({} written, {} unchanged, {} removed); {} models, {} operations, {} filter builders; {} warnings",
                    out.display(),
                    output.files.len(),
                    report.written.len(),
                    report.unchanged.len(),
                    report.removed.len(),
                    output.api.models.len(),
                    output.api.operations.len(),
                    output.api.filters.len(),
                    output.warnings.len(),
                );
                ExitCode::SUCCESS
            }
            Err(err) => report(err),
        }
    }
}

fn crate_name_of(files: &std::collections::BTreeMap<PathBuf, String>) -> Option<String> {
    let toml = files.get(Path::new("Cargo.toml"))?;
    let line = toml.lines().find(|l| l.starts_with("name = "))?;
    Some(line.trim_start_matches("name = ").trim_matches('"').to_owned())
}

fn print_warnings(warnings: &[generator::Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

fn report(err: Error) -> ExitCode {
    eprint!("{err}");
    if !matches!(err, Error::Generate(_)) {
        eprintln!();
    }
    ExitCode::from(2)
}
