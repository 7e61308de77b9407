//! `corpus-runner`: the generator over real-world OpenAPI documents.
//!
//! For every spec (the dev ids of the APIs.guru directory, optionally the
//! `@readme/oas-examples` 3.0/3.1 documents) it records whether the generator produced
//! a crate, refused with a diagnostic, or panicked, and how long it took; the crates of
//! a fixed sample are then `cargo check`ed. It writes a CSV, prints a summary ending
//! with `N passed, N failed`, and exits 1 if anything failed (2 if it could not run).
//! Generation happens in worker processes of this binary (see [`worker`]), so a spec
//! that aborts the generator (stack overflow) or hangs is recorded instead of ending
//! the run.

mod compile;
mod corpus;
mod generate;
mod report;
mod sample;
mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use corpus_runner::protocol::parse_seed;

use clap::Parser;

use corpus::{Corpus, Spec};
use generate::Outcome;
use report::{Compile, Record};

/// Run the generator over the OpenAPI corpus and cargo-check a sample of the crates.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// The corpus folder written by fetch-corpus.sh (default: $HOME/.cache/openapi-corpus).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Run only the ids listed in FILE (one per line, `#` comments); directory ids must
    /// be dev ids. Default: every id of dev-ids.txt.
    #[arg(long, value_name = "FILE")]
    ids: Option<PathBuf>,
    /// Also run every oas-examples 3.0 and 3.1 document.
    #[arg(long)]
    examples: bool,
    /// `cargo check` the crates of the ids listed in FILE that are part of this run
    /// (e.g. corpus/compile-sample.txt).
    #[arg(long, value_name = "FILE")]
    compile_sample: Option<PathBuf>,
    /// Check only the first N crates of the compile sample.
    #[arg(long, value_name = "N")]
    compile_limit: Option<usize>,
    /// Where to write the CSV (default: target/corpus-runner/results.csv).
    #[arg(long, value_name = "OUT")]
    csv: Option<PathBuf>,
    /// Run only the first N ids.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Give up on a spec whose generation takes longer (counts as a failure).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// Give up on a crate whose `cargo check` takes longer (counts as a failure).
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    compile_timeout: u64,
    /// Scratch folder for the sample workspace, its target dir and logs
    /// (default: target/corpus-runner).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Stack of the thread that runs the generator, in MiB (a stack overflow aborts the
    /// worker process and counts as `crashed`).
    #[arg(long, value_name = "MIB", default_value_t = generate::STACK_MIB)]
    stack_mib: usize,
    /// Internal: be a worker process, generating from the N-th spec of the run on.
    #[arg(long, value_name = "N", hide = true)]
    worker_from: Option<usize>,
    /// Print the first N dev ids of the seeded shuffle (a new compile sample) and exit.
    #[arg(long, value_name = "N")]
    make_sample: Option<usize>,
    /// The seed of --make-sample (decimal or 0x hex).
    #[arg(long, default_value_t = sample::SEED, value_parser = parse_seed)]
    seed: u64,
}

/// This workspace's root (the runner is built from it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("corpus-runner: {message}");
            ExitCode::from(2)
        }
    }
}

/// Everything a run (and each of its workers) derives from the arguments.
#[derive(Debug)]
pub struct Plan {
    /// The specs, in run order.
    pub specs: Vec<Spec>,
    /// The package name of each spec's crate.
    pub packages: Vec<String>,
    /// The ids to `cargo check`.
    pub sample: BTreeSet<String>,
    /// The scratch folder.
    pub work_dir: PathBuf,
    /// Absolute path of the runtime crate, for the generated `Cargo.toml`s.
    pub runtime: PathBuf,
    /// Per-spec generation timeout.
    pub timeout: Duration,
    /// Stack of the generation thread, in bytes.
    pub stack_size: usize,
}

impl Plan {
    /// The generator configuration of spec `index`.
    pub fn config(&self, index: usize) -> specwright::Config {
        let mut config = specwright::Config::new(&self.specs[index].path);
        config
            .crate_name(self.packages[index].as_str())
            .spec_display_name(self.specs[index].id.as_str())
            .regenerate_command("cargo run -p corpus-runner")
            .runtime_path(self.runtime.display().to_string())
            .standalone(false);
        config
    }

    /// The scratch workspace of the compile sample.
    pub fn workspace(&self) -> compile::Workspace {
        compile::Workspace::at(&self.work_dir)
    }
}

/// Runs everything (or one worker's share); exit code 0 when every spec passed.
fn run(args: &Args) -> Result<ExitCode, String> {
    let corpus_dir = match &args.corpus {
        Some(dir) => dir.clone(),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache/openapi-corpus"))
            .ok_or("HOME is not set; pass --corpus DIR")?,
    };
    let corpus = Corpus::open(&corpus_dir)?;

    if let Some(count) = args.make_sample {
        print!("{}", sample_file(&corpus, count, args.seed));
        return Ok(ExitCode::SUCCESS);
    }

    let (specs, sample) = if args.worker_from.is_some() {
        worker::read_plan(&corpus)?
    } else {
        let specs = select_specs(&corpus, args)?;
        let sample = select_sample(&corpus, args, &specs)?;
        (specs, sample)
    };
    let root = workspace_root();
    let plan = Plan {
        sample,
        packages: package_names(&specs),
        specs,
        work_dir: args
            .work_dir
            .clone()
            .unwrap_or_else(|| root.join("target/corpus-runner")),
        runtime: std::path::absolute(root.join("runtime"))
            .map_err(|err| format!("cannot locate the runtime crate: {err}"))?,
        timeout: Duration::from_secs(args.timeout.max(1)),
        stack_size: args.stack_mib.clamp(1, 4096) << 20,
    };
    if let Some(start) = args.worker_from {
        return worker::work(&plan, start);
    }

    let mut workspace = if plan.sample.is_empty() {
        None
    } else {
        Some(compile::Workspace::create(&plan.work_dir)?)
    };
    eprintln!(
        "generating {} specs from {} ({} in the compile sample)",
        plan.specs.len(),
        corpus_dir.display(),
        plan.sample.len()
    );
    let reported = worker::supervise(&plan)?;
    let mut records = Vec::with_capacity(plan.specs.len());
    for ((spec, package), reported) in plan.specs.iter().zip(&plan.packages).zip(reported) {
        let in_sample = plan.sample.contains(&spec.id);
        if let (Some(workspace), Outcome::Generated, true) =
            (&mut workspace, reported.outcome, in_sample)
        {
            workspace.add_member(package);
        }
        records.push(Record {
            id: spec.id.clone(),
            source: spec.source,
            outcome: reported.outcome,
            seconds: reported.seconds,
            operations: reported.operations,
            models: reported.models,
            warnings: reported.warnings,
            paged: reported.paged,
            first_error: reported.first_error,
            panic_location: reported.panic_location,
            in_sample,
            compile: Compile::NotRun,
        });
    }

    let mut compile_seconds = None;
    if let Some(workspace) = &mut workspace {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let start = Instant::now();
        let checked = check_all(
            workspace,
            &cargo,
            &root,
            Duration::from_secs(args.compile_timeout.max(1)),
        )?;
        compile_seconds = Some(start.elapsed().as_secs_f64());
        for (record, package) in records.iter_mut().zip(&plan.packages) {
            if let Some(result) = checked.get(package) {
                record.compile = if result.pass {
                    Compile::Pass
                } else {
                    Compile::Fail(result.first_error.clone())
                };
            }
        }
        eprintln!("cargo check logs: {}", workspace.logs().display());
    }

    let csv_path = args
        .csv
        .clone()
        .unwrap_or_else(|| plan.work_dir.join("results.csv"));
    if let Some(parent) = csv_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
    }
    std::fs::write(&csv_path, report::csv(&records))
        .map_err(|err| format!("cannot write {}: {err}", csv_path.display()))?;
    eprintln!("CSV: {}", csv_path.display());
    print!("{}", report::summary(&records, compile_seconds));
    Ok(if records.iter().all(Record::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The specs of this run: the id list (or all dev ids), then the examples, then the limit.
fn select_specs(corpus: &Corpus, args: &Args) -> Result<Vec<Spec>, String> {
    let mut ids = match &args.ids {
        Some(file) => corpus::read_id_list(file)?,
        None => corpus.dev_ids().to_vec(),
    };
    if args.examples {
        ids.extend(corpus.example_ids()?);
    }
    let mut seen = BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if let Some(limit) = args.limit {
        ids.truncate(limit);
    }
    resolve_all(corpus, &ids)
}

/// The ids of the compile sample that are in this run, in the sample file's order, at
/// most `--compile-limit` of them. Every listed id must be usable, in the run or not.
fn select_sample(corpus: &Corpus, args: &Args, specs: &[Spec]) -> Result<BTreeSet<String>, String> {
    let Some(file) = &args.compile_sample else {
        return Ok(BTreeSet::new());
    };
    let listed = corpus::read_id_list(file)?;
    resolve_all(corpus, &listed).map_err(|err| format!("{}: {err}", file.display()))?;
    let running: BTreeSet<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    Ok(listed
        .into_iter()
        .filter(|id| running.contains(id.as_str()))
        .take(args.compile_limit.unwrap_or(usize::MAX))
        .collect())
}

/// Resolves every id, reporting all bad ones at once.
fn resolve_all(corpus: &Corpus, ids: &[String]) -> Result<Vec<Spec>, String> {
    let mut specs = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for id in ids {
        match corpus.resolve(id) {
            Ok(spec) => specs.push(spec),
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors.join("\n"))
    }
}

/// A distinct package name per spec (a numeric suffix if two ids map to one name).
fn package_names(specs: &[Spec]) -> Vec<String> {
    let mut used = BTreeSet::new();
    specs
        .iter()
        .map(|spec| {
            let base = corpus::package_name(&spec.id);
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// `cargo check`s every crate of the scratch workspace; results by package name.
fn check_all(
    workspace: &mut compile::Workspace,
    cargo: &str,
    root: &Path,
    timeout: Duration,
) -> Result<BTreeMap<String, compile::Checked>, String> {
    let mut results = workspace.finish(cargo, &root.join("Cargo.lock"))?;
    for (package, checked) in &results {
        eprintln!(
            "  check {package}: fail (manifest): {}",
            checked.first_error
        );
    }
    let members = workspace.members().to_vec();
    for (index, package) in members.iter().enumerate() {
        let checked = workspace.check(cargo, package, timeout);
        eprintln!(
            "  check {}/{} {package}: {} ({:.1} s){}",
            index + 1,
            members.len(),
            if checked.pass { "pass" } else { "fail" },
            checked.seconds,
            if checked.pass {
                String::new()
            } else {
                format!(": {}", checked.first_error)
            }
        );
        results.insert(package.clone(), checked);
    }
    Ok(results)
}

/// The text of a compile sample file: a header naming the seed, then the ids.
fn sample_file(corpus: &Corpus, count: usize, seed: u64) -> String {
    let ids = sample::choose(corpus.dev_ids(), count, seed);
    let mut out = format!(
        "# The compile sample: the first {} dev ids of a splitmix64 Fisher-Yates shuffle of the\n\
         # sorted dev-ids.txt with seed {seed:#018x}.\n\
         # Regenerate: cargo run -p corpus-runner --release -- --make-sample {count} --seed {seed:#018x}\n",
        ids.len()
    );
    for id in ids {
        out.push_str(&id);
        out.push('\n');
    }
    out
}
