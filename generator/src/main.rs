//! `specwright [SPEC] [--out DIR] [--name CRATE] [--runtime MODE] [--check]`
//!
//! With no SPEC, regenerates the clients checked into this workspace (see
//! [`specwright::preset`]). A thin front end: everything else happens in the library.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use specwright::{Config, Error, Runtime, Staleness, preset};

/// Rendering allocates and frees millions of small token and syntax-tree nodes on
/// every core; glibc's allocator spent a third of a big run on that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const AFTER_HELP: &str = "\
Examples:
  # Regenerate the clients checked into this workspace (run anywhere inside it)
  specwright
  # A crate that builds anywhere: the runtime is vendored into it
  specwright petstore.yaml --out ../myapp/petstore-client --name petstore-client --standalone
  # Correct a vendor spec first, then check that the checked-in crate is fresh (CI)
  specwright api.yaml --overlay fixes.yaml --out clients/api --check
  # Depend on the published runtime instead of a copy
  specwright api.yaml --out api-client --runtime registry

Runtime modes (how the crate reaches specwright-runtime; its API is `<crate>::runtime`
in every mode):
  vendored  the runtime's source is copied into src/runtime/; the crate needs only
            crates.io packages. The default when --out is outside this workspace.
  path      a path dependency on this workspace's runtime/, computed from --out.
            The default when --out is inside this workspace.
  registry  specwright-runtime = \"<this version>\" from crates.io.

From a build script use the library instead: specwright::Config::build_script().

Exit status:
  0  generated (or, with --check, already up to date)
  1  --check only: the output on disk is stale; the stale files are listed
  2  the spec or an overlay has errors (each printed as file#/json/pointer: message),
     a file could not be read or written, or the command line is wrong";

/// Generate a typed async Rust client crate from an OpenAPI 3.0/3.1 document.
#[derive(Parser, Debug)]
#[command(name = "specwright", version, about, after_long_help = AFTER_HELP)]
struct Args {
    /// The OpenAPI 3.0 or 3.1 document, YAML or JSON, e.g. `petstore.yaml`.
    ///
    /// Without it, the clients checked into this workspace are regenerated: the Boomi
    /// client in generated-client/ from spec/boomi-platform.yaml and spec/overlays/.
    spec: Option<PathBuf>,
    /// Where the crate goes, e.g. `--out ../myapp/petstore-client`.
    ///
    /// Default: generated-client/ for the workspace's client, else a folder named after
    /// the crate in the current directory. Only files whose bytes change are written;
    /// generated files that are no longer produced are removed.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Package name of the generated crate, e.g. `--name petstore-client`.
    ///
    /// Default: from the spec's info.title ("Swagger Petstore" gives swagger-petstore).
    #[arg(long, value_name = "CRATE")]
    name: Option<String>,
    /// Write nothing; exit 1 and list the files that differ if the output is stale,
    /// e.g. `specwright api.yaml --out api-client --check` in CI.
    #[arg(long)]
    check: bool,
    /// How the crate reaches the runtime, e.g. `--runtime vendored` (see below).
    ///
    /// Default: `path` when --out is inside this workspace, `vendored` elsewhere.
    #[arg(long, value_enum, value_name = "MODE")]
    runtime: Option<RuntimeMode>,
    /// With `--runtime path`: the runtime crate's folder as written into Cargo.toml,
    /// relative to the generated crate, e.g. `--runtime-path ../../runtime`.
    ///
    /// Default: computed from --out and this workspace's runtime/.
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<String>,
    /// With `--runtime registry`: the version requirement, e.g. `--runtime-version 0.1`.
    ///
    /// Default: this generator's own version.
    #[arg(long, value_name = "VERSION")]
    runtime_version: Option<String>,
    /// Add an empty [workspace] table, so the crate builds on its own even inside
    /// another workspace's folder, e.g. `--out ../scratch/client --standalone`.
    #[arg(long)]
    standalone: bool,
    /// Decode numbers and booleans also from strings, and one element where an array
    /// is expected, in every model: for servers that send other types than their spec
    /// says. Per schema, `x-specwright-lenient: true` does the same.
    ///
    /// Default: strict decoding, where a wrong type is an error.
    #[arg(long)]
    lenient: bool,
    /// Compile every operation and model always, without a Cargo feature per tag.
    ///
    /// Default: a spec with two tags or more gets a feature per tag (`full`, the
    /// default feature, enables all), so a crate can build only the tags it uses.
    #[arg(long)]
    no_features: bool,
    /// Give every schema a type of its own, without generic families.
    ///
    /// Default: four or more schemas of one shape, differing only in the models they
    /// name and named alike (`AccountQueryResponse`, `AtomQueryResponse`), become one
    /// generic (`QueryResponse<T0>`) and each an alias of it, which compiles once.
    #[arg(long)]
    no_generics: bool,
    /// Do not name the stages on stderr. Without it, a run that takes more than half
    /// a second (a big spec) names each stage as it begins; `--check` is always quiet.
    #[arg(long, short)]
    quiet: bool,
    /// Print how long each stage took and the peak memory, on stderr, as
    /// `specwright: timings: read 0.01 s, load 0.10 s, … total 1.20 s; peak RSS 140 MB`
    /// (the format `scripts/bench-generate.sh` reads).
    #[arg(long)]
    timings: bool,
    /// For benchmarks: only time parsing SPEC into `openapiv3` (into untyped JSON
    /// where openapiv3 refuses it), print `specwright: parse floor 0.123 s` and exit.
    #[arg(long, hide = true)]
    parse_floor: bool,
    /// Apply an OpenAPI Overlay 1.0 file to the spec first, e.g. `--overlay fix.yaml`.
    ///
    /// Repeatable; overlays apply in the order given. A target that matches nothing is
    /// a warning naming the file and action.
    #[arg(long = "overlay", value_name = "FILE")]
    overlays: Vec<PathBuf>,
    /// Without SPEC only: generate the Boomi seed spec as it is, without
    /// spec/overlays/, e.g. `specwright --no-overlays --out /tmp/seed-client`.
    #[arg(long)]
    no_overlays: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RuntimeMode {
    /// Copy the runtime's source into the crate.
    Vendored,
    /// A path dependency on this workspace's runtime.
    Path,
    /// A registry dependency on specwright-runtime.
    Registry,
}

/// The specwright workspace the current directory is in: the nearest folder above it
/// that holds the runtime crate. Only there does a bare `specwright` regenerate the
/// checked-in clients, and only into it does `--runtime path` point by default.
fn workspace_root() -> Option<PathBuf> {
    let holds_runtime = |dir: &Path| {
        std::fs::read_to_string(dir.join("runtime/Cargo.toml"))
            .is_ok_and(|toml| toml.contains("name = \"specwright-runtime\""))
    };
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().find(|dir| holds_runtime(dir)).map(Path::to_owned)
}

/// `path` made absolute, `.` and `..` resolved, and symbolic links resolved in the
/// part of it that exists, so that two spellings of one folder compare equal.
fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_owned());
    out.extend(rest.iter().rev());
    out
}

/// `to` relative to `from`, both normalized first, with `/` separators (Cargo.toml).
fn relative(from: &Path, to: &Path) -> String {
    let parts = |p: &Path| {
        normalize(p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let (from, to) = (parts(from), parts(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".into(); from.len() - common];
    out.extend(to[common..].iter().cloned());
    if out.is_empty() { ".".into() } else { out.join("/") }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.parse_floor {
        let Some(spec) = &args.spec else {
            eprintln!("specwright: --parse-floor needs a SPEC");
            return ExitCode::from(2);
        };
        return match specwright::load::parse_floor(spec) {
            Ok((took, typed)) => {
                let how = if typed { "" } else { " (untyped: openapiv3 refuses the document)" };
                eprintln!("specwright: parse floor {:.3} s{how}", took.as_secs_f64());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("specwright: cannot read {}: {err}", spec.display());
                ExitCode::from(2)
            }
        };
    }
    let root = workspace_root();
    let (mut config, mut command) = match (&args.spec, &root) {
        (None, None) => {
            eprintln!(
                "specwright: no SPEC given, and this is not inside the specwright workspace \
                 (whose clients a bare `specwright` regenerates); pass an OpenAPI document, \
                 e.g. `specwright petstore.yaml --out petstore-client`"
            );
            return ExitCode::from(2);
        }
        (None, Some(root)) if args.no_overlays => (
            preset::boomi_seed_only(root),
            format!("{} -- --no-overlays", preset::COMMAND),
        ),
        (None, Some(root)) => (preset::boomi(root), preset::COMMAND.to_owned()),
        (Some(spec), _) => {
            let mut config = Config::new(spec);
            config.spec_display_name(spec.display().to_string());
            (config, format!("specwright {}", spec.display()))
        }
    };
    if args.spec.is_none() && !args.overlays.is_empty() {
        eprintln!("specwright: --overlay goes with a SPEC; the workspace's clients take their overlays from spec/overlays/");
        return ExitCode::from(2);
    }
    if args.spec.is_some() && args.no_overlays {
        eprintln!("specwright: --no-overlays is for the workspace's Boomi client; with a SPEC, only the --overlay files given apply");
        return ExitCode::from(2);
    }
    if let (None, Some(root), false, None) = (&args.spec, &root, args.no_overlays, &args.out) {
        // Every client the workspace checks in, each with the preset's own settings.
        let status = preset::all(root)
            .iter()
            .map(|config| {
                let out = config.output_dir().map(Path::to_owned).unwrap_or_default();
                let mut config = config.clone();
                config.progress(!args.quiet && !args.check);
                run(&config, &out, preset::COMMAND, &args)
            })
            .max()
            .unwrap_or(0);
        return ExitCode::from(status);
    }
    if args.spec.is_some() {
        if let Some(out) = &args.out {
            command.push_str(&format!(" --out {}", out.display()));
        }
        if let Some(name) = &args.name {
            command.push_str(&format!(" --name {name}"));
        }
        for overlay in &args.overlays {
            command.push_str(&format!(" --overlay {}", overlay.display()));
        }
        if let Some(mode) = args.runtime {
            let mode = mode.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
            command.push_str(&format!(" --runtime {mode}"));
        }
        if args.standalone {
            command.push_str(" --standalone");
        }
        if args.lenient {
            command.push_str(" --lenient");
        }
        if args.no_features {
            command.push_str(" --no-features");
        }
        if args.no_generics {
            command.push_str(" --no-generics");
        }
    }
    for overlay in &args.overlays {
        config.overlay(overlay);
    }
    config.regenerate_command(&command);
    if let Some(name) = &args.name {
        config.crate_name(name);
    }
    let out = match (&args.out, &args.spec, &root) {
        (Some(out), _, _) => out.clone(),
        (None, None, Some(root)) => root.join(preset::BOOMI_OUT),
        _ => {
            // The crate name decides the folder; generate once in memory to learn it.
            match config.generate() {
                Ok(output) => PathBuf::from(crate_name_of(&output.files).unwrap_or_else(|| "api-client".into())),
                Err(err) => return ExitCode::from(report(Error::Generate(err))),
            }
        }
    };
    config.out_dir(&out);

    let inside_workspace = root.as_ref().is_some_and(|root| normalize(&out).starts_with(normalize(root)));
    let mode = match (args.runtime, &args.runtime_path, &args.runtime_version) {
        (Some(mode), _, _) => Some(mode),
        (None, Some(_), _) => Some(RuntimeMode::Path),
        (None, None, Some(_)) => Some(RuntimeMode::Registry),
        (None, None, None) if args.spec.is_none() && args.out.is_none() => None, // the preset's own choice
        (None, None, None) if inside_workspace => Some(RuntimeMode::Path),
        (None, None, None) => Some(RuntimeMode::Vendored),
    };
    match mode {
        None => {}
        Some(RuntimeMode::Vendored) => {
            config.runtime(Runtime::Vendored);
        }
        Some(RuntimeMode::Registry) => {
            config.runtime(match &args.runtime_version {
                Some(version) => Runtime::Registry { version: version.clone() },
                None => Runtime::registry(),
            });
        }
        Some(RuntimeMode::Path) => {
            let path = match (&args.runtime_path, &root) {
                (Some(path), _) => path.clone(),
                (None, Some(root)) => relative(&out, &root.join("runtime")),
                (None, None) => {
                    eprintln!(
                        "specwright: --runtime path needs --runtime-path outside the specwright workspace \
                         (or use --runtime vendored, which needs no path)"
                    );
                    return ExitCode::from(2);
                }
            };
            config.runtime(Runtime::Path(path));
        }
    }
    config.standalone(args.standalone);
    if args.lenient {
        config.lenient(true);
    }
    if args.no_features {
        config.tag_features(false);
    }
    if args.no_generics {
        config.generic_families(false);
    }
    config.progress(!args.quiet && !args.check);

    ExitCode::from(run(&config, &out, &command, &args))
}

/// Checks or writes one crate; the exit status (0, 1 stale, 2 error).
fn run(config: &Config, out: &Path, command: &str, args: &Args) -> u8 {
    let start = std::time::Instant::now();
    if args.check {
        match config.check() {
            Ok((output, stale)) => {
                print_warnings(&output.warnings);
                if stale.is_empty() {
                    println!("{} is up to date ({} files)", out.display(), output.files.len());
                    0
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
                    1
                }
            }
            Err(err) => report(err),
        }
    } else {
        match config.write() {
            Ok((output, report)) => {
                print_warnings(&output.warnings);
                println!(
                    "{}: {} files ({} written, {} unchanged, {} removed); {} models, {} operations, {} filter builders, {} paged operations; {} warnings",
                    out.display(),
                    output.files.len(),
                    report.written.len(),
                    report.unchanged.len(),
                    report.removed.len(),
                    output.api.models.len(),
                    output.api.operations.len(),
                    output.api.filters.len(),
                    output.api.paging.len() + output.api.paged.len(),
                    output.warnings.len(),
                );
                if args.timings {
                    print_timings(&output.timings, start.elapsed());
                }
                0
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

/// The `--timings` line: each stage, then writing (what the whole run took beyond
/// the stages), the total and the peak resident memory where the OS tells it.
fn print_timings(stages: &[(&'static str, std::time::Duration)], total: std::time::Duration) {
    let staged: std::time::Duration = stages.iter().map(|(_, d)| *d).sum();
    let mut parts: Vec<String> = stages.iter().map(|(name, d)| format!("{name} {:.3} s", d.as_secs_f64())).collect();
    parts.push(format!("write {:.3} s", total.saturating_sub(staged).as_secs_f64()));
    let peak = peak_rss_mb().map(|mb| format!("; peak RSS {mb} MB")).unwrap_or_default();
    eprintln!("specwright: timings: {}, total {:.3} s{peak}", parts.join(", "), total.as_secs_f64());
}

/// `VmHWM` of `/proc/self/status`, in MB (Linux only).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024)
}

fn print_warnings(warnings: &[specwright::Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

fn report(err: Error) -> u8 {
    eprint!("{err}");
    if !matches!(err, Error::Generate(_)) {
        eprintln!();
    }
    2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_dot_dot() {
        let base = std::env::temp_dir().join("specwright-relative-test");
        let ws = base.join("ws");
        assert_eq!(relative(&ws.join("generated-client"), &ws.join("runtime")), "../runtime");
        assert_eq!(relative(&ws.join("a/../b/client"), &ws.join("runtime")), "../../runtime");
        assert_eq!(relative(&ws.join("x/./y/z"), &ws.join("runtime")), "../../../runtime");
        assert_eq!(relative(&ws.join("runtime"), &ws.join("runtime")), ".");
    }

    #[test]
    fn normalize_drops_dot_dot_and_dot() {
        let base = std::env::temp_dir();
        let canonical = base.canonicalize().expect("temp dir");
        assert_eq!(normalize(&base.join("a/../b/./c")), canonical.join("b/c"));
    }
}
