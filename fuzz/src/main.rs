//! `specwright-fuzz`: a structure-aware mutation fuzzer for the generator, on stable Rust.
//!
//! Two targets: `spec` (OpenAPI documents through the whole pipeline, in memory) and
//! `overlay` (overlay documents applied to a spec, then the pipeline). Inputs are seeds
//! (the fixtures, `spec/`, `spec/overlays/`, a slice of the dev corpus) mutated on
//! their parsed tree and sometimes on their bytes (see [`mutate`]), from one seeded
//! generator, so a seed names the same inputs on every run. Each input runs in a worker
//! process (see [`worker`]), so panics, aborts, stack overflows and hangs are caught;
//! the invariants are in [`invariants`]. A few of the generated crates are then
//! `cargo check`ed. Failing inputs are saved under the target folder with a command to
//! replay them. Exit code: 0 when every invariant held, 1 otherwise, 2 if it could not
//! run.

mod compile;
mod invariants;
mod mutate;
mod seeds;
mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corpus_runner::protocol::parse_seed;

use clap::{Parser, ValueEnum};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use worker::{Job, Target, Verdict, Worker};

/// The default seed.
const SEED: u64 = 0x5eed_f022;
/// Inputs larger than this are not compile-sample candidates: a small crate checks in
/// seconds, the whole Boomi client in a minute.
const SAMPLE_MAX_BYTES: usize = 64 * 1024;
/// The stack of the supervisor's thread: mutated trees can be thousands of levels
/// deep, and serialising or dropping one recurses.
const SUPERVISOR_STACK: usize = 1 << 30;

/// Fuzz the generator with mutated specs and overlays.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Which target to run.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    target: Which,
    /// Total time budget in seconds, split evenly between the targets (the compile
    /// sample comes after it).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    seconds: u64,
    /// Stop each target after N inputs instead (the budget still applies).
    #[arg(long, value_name = "N")]
    execs: Option<u64>,
    /// The seed (decimal or 0x hex); the same seed gives the same inputs.
    #[arg(long, default_value_t = SEED, value_parser = parse_seed)]
    seed: u64,
    /// Seconds an input may take before it counts as a hang.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    timeout: u64,
    /// The corpus folder (default: $OPENAPI_CORPUS, else $HOME/.cache/openapi-corpus).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// How many corpus documents to take as seeds.
    #[arg(long, value_name = "N", default_value_t = 24)]
    corpus_seeds: usize,
    /// Fail (exit 2) when the corpus is absent, instead of going on without it.
    #[arg(long)]
    require_corpus: bool,
    /// How many generated crates to `cargo check`.
    #[arg(long, value_name = "N", default_value_t = 2)]
    compile_sample: usize,
    /// Skip the compile sample.
    #[arg(long)]
    no_compile: bool,
    /// CARGO_TARGET_DIR of the compile sample (default: the corpus runner's,
    /// target/corpus-runner/target, where the runtime's dependencies are already built).
    #[arg(long, value_name = "DIR")]
    check_target_dir: Option<PathBuf>,
    /// Where failing inputs are saved (default: fuzz/crashes in this program's target
    /// folder).
    #[arg(long, value_name = "DIR")]
    crash_dir: Option<PathBuf>,
    /// The share of inputs that also get a byte-level mutation.
    #[arg(long, value_name = "P", default_value_t = 0.2)]
    byte_rate: f64,
    /// Run one saved input (with --target spec or overlay) and report what happens.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// The base spec (JSON) of a replayed overlay input.
    #[arg(long, value_name = "FILE")]
    base: Option<PathBuf>,
    /// Internal: be a worker process.
    #[arg(long, hide = true)]
    worker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Spec,
    Overlay,
    Both,
}

/// This workspace's root (the fuzzer is built from it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.worker {
        return match worker::work() {
            Ok(code) => code,
            Err(message) => {
                eprintln!("specwright-fuzz worker: {message}");
                ExitCode::from(2)
            }
        };
    }
    let supervisor = std::thread::Builder::new()
        .name("supervisor".into())
        .stack_size(SUPERVISOR_STACK)
        .spawn(move || run(&args));
    match supervisor.map(|handle| handle.join()) {
        Ok(Ok(Ok(code))) => code,
        Ok(Ok(Err(message))) => {
            eprintln!("specwright-fuzz: {message}");
            ExitCode::from(2)
        }
        Ok(Err(_)) => ExitCode::from(2),
        Err(err) => {
            eprintln!("specwright-fuzz: cannot start: {err}");
            ExitCode::from(2)
        }
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every build, for naming inputs.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The figures of one target.
#[derive(Debug, Default)]
struct Stats {
    executions: u64,
    distinct: BTreeSet<u64>,
    generated: u64,
    refused: u64,
    failed: u64,
    seconds: f64,
}

/// One failing input.
#[derive(Debug)]
struct Failure {
    target: Target,
    kind: String,
    detail: String,
    seed: String,
    mutations: Vec<&'static str>,
    saved: Option<PathBuf>,
    /// Further inputs that failed the same way.
    repeats: u64,
}

/// A generated input kept for the compile sample.
struct Candidate {
    job: Job,
    base: Option<Arc<serde_json::Value>>,
}

/// Groups failures: a panic by its location, others by kind and the start of the
/// message.
fn signature(target: Target, kind: &str, detail: &str) -> String {
    let head = match kind {
        "panic" => detail.split(": ").next().unwrap_or(detail).to_owned(),
        "stack-overflow" | "hang" => String::new(),
        _ => detail.chars().take(60).collect(),
    };
    format!("{} {kind} {head}", target.name())
}

fn run(args: &Args) -> Result<ExitCode, String> {
    let root = workspace_root();
    let exe = std::env::current_exe().map_err(|err| format!("cannot find this program: {err}"))?;
    // target/<profile>/specwright-fuzz: the target folder is two levels up.
    let target_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_owned)
        .unwrap_or_else(|| root.join("target"));
    let crash_dir = args
        .crash_dir
        .clone()
        .unwrap_or_else(|| target_dir.join("fuzz/crashes"));
    let timeout = Duration::from_secs(args.timeout.max(1));

    if let Some(file) = &args.replay {
        return replay(args, &exe, file, timeout);
    }

    let corpus_dir = match &args.corpus {
        Some(dir) => Some(dir.clone()),
        None => std::env::var_os("OPENAPI_CORPUS")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|home| PathBuf::from(home).join(".cache/openapi-corpus"))
            }),
    };
    let corpus = corpus_dir
        .as_ref()
        .filter(|dir| dir.join("dev-ids.txt").is_file());
    if corpus.is_none() {
        let at = corpus_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(no HOME)".into());
        eprintln!(
            "specwright-fuzz: the dev corpus is absent ({at}/dev-ids.txt not found): seeds are this workspace's fixtures, specs and overlays only. Fetch it with ../shared/corpus/fetch-corpus.sh"
        );
        if args.require_corpus {
            return Err("--require-corpus: no corpus, no run".into());
        }
    }
    let mut seed_rng = Pcg64::seed_from_u64(args.seed);
    let seeds = seeds::load(
        &root,
        corpus.map(PathBuf::as_path),
        args.corpus_seeds,
        &mut seed_rng,
    )?;
    let targets: Vec<Target> = match args.target {
        Which::Spec => vec![Target::Spec],
        Which::Overlay => vec![Target::Overlay],
        Which::Both => vec![Target::Spec, Target::Overlay],
    };
    let budget = Duration::from_secs_f64(args.seconds as f64 / targets.len() as f64);
    let corpus_text = match corpus {
        Some(dir) => format!("corpus {}: {} seeds", dir.display(), seeds.from_corpus),
        None => "corpus absent".to_owned(),
    };
    eprintln!(
        "specwright-fuzz: seed {:#x}, {} s per target, {} spec seeds, {} overlay seeds, {corpus_text}",
        args.seed,
        budget.as_secs_f64(),
        seeds.specs.len(),
        seeds.overlays.len()
    );

    let mut stats: BTreeMap<Target, Stats> = BTreeMap::new();
    let mut failures: BTreeMap<String, Failure> = BTreeMap::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    for &target in &targets {
        let mut rng = Pcg64::seed_from_u64(args.seed ^ fnv(&[target.name().as_bytes()]));
        let figures = stats.entry(target).or_default();
        let start = Instant::now();
        let mut worker = Worker::start(&exe)?;
        let seed_count = match target {
            Target::Spec => seeds.specs.len(),
            Target::Overlay => seeds.overlays.len(),
        };
        let mut index = 0usize;
        while start.elapsed() < budget && args.execs.is_none_or(|n| figures.executions < n) {
            // Every seed as it is first, then mutants of seeds picked at random.
            let pick = if index < seed_count {
                index
            } else {
                rng.random_range(0..seed_count)
            };
            let mutate = index >= seed_count;
            index += 1;
            let (seed_id, doc, base) = match target {
                Target::Spec => (&seeds.specs[pick].id, &seeds.specs[pick].doc, None),
                Target::Overlay => {
                    let seed = &seeds.overlays[pick];
                    (&seed.id, &seed.doc, Some(&seeds.bases[seed.base]))
                }
            };
            let made = Instant::now();
            let input = if mutate {
                mutate::make_input(doc, base.map(|b| &*b.1), &mut rng, args.byte_rate)
            } else {
                let (bytes, _) = mutate::encode(doc, mutate::Encoding::Yaml);
                mutate::Input {
                    bytes,
                    name: "fuzz.yaml",
                    mutations: Vec::new(),
                }
            };
            if made.elapsed() > Duration::from_secs(1) {
                eprintln!(
                    "  slow to make: {:.1} s ({})",
                    made.elapsed().as_secs_f64(),
                    input.mutations.join("+")
                );
            }
            let base_text = base.map(|b| Arc::clone(&b.2)).unwrap_or_default();
            let job = Job {
                target,
                name: input.name.to_owned(),
                bytes: input.bytes,
                base: base_text,
            };
            let hash = fnv(&[job.name.as_bytes(), &job.bytes, &job.base]);
            figures.executions += 1;
            figures.distinct.insert(hash);
            let ran = Instant::now();
            let verdict = worker.run(&job, timeout);
            if ran.elapsed() > timeout / 4 {
                eprintln!(
                    "  slow: {} input took {:.1} s ({} bytes; seed {seed_id}; {})",
                    target.name(),
                    ran.elapsed().as_secs_f64(),
                    job.bytes.len(),
                    input.mutations.join("+")
                );
            }
            match verdict {
                Verdict::Generated => {
                    figures.generated += 1;
                    if mutate
                        && job.bytes.len() <= SAMPLE_MAX_BYTES
                        && job.base.len() <= SAMPLE_MAX_BYTES
                        && candidates.len() < 500
                    {
                        candidates.push(Candidate {
                            job,
                            base: base.map(|b| Arc::clone(&b.1)),
                        });
                    }
                }
                Verdict::Refused => figures.refused += 1,
                Verdict::Failed { kind, detail } => {
                    figures.failed += 1;
                    let key = signature(target, &kind, &detail);
                    if let Some(known) = failures.get_mut(&key) {
                        known.repeats += 1;
                    } else {
                        let mut failure = Failure {
                            target,
                            kind,
                            detail,
                            seed: seed_id.clone(),
                            mutations: input.mutations,
                            saved: None,
                            repeats: 0,
                        };
                        failure.saved = save(&crash_dir, &failure, &job, hash);
                        eprintln!(
                            "  FAILED {} {}: {} (seed {}, {})",
                            target.name(),
                            failure.kind,
                            one_line(&failure.detail),
                            failure.seed,
                            failure.mutations.join("+")
                        );
                        if let Some(saved) = &failure.saved {
                            eprintln!("    saved {}", saved.display());
                        }
                        failures.insert(key, failure);
                    }
                    if !worker.alive() {
                        worker = Worker::start(&exe)?;
                    }
                }
            }
        }
        drop(worker);
        figures.seconds = start.elapsed().as_secs_f64();
    }

    let compile = if args.no_compile || args.compile_sample == 0 {
        None
    } else {
        Some(compile_sample(
            args,
            &root,
            &target_dir,
            &candidates,
            &mut failures,
            &crash_dir,
        )?)
    };

    print_summary(args, &corpus_text, &stats, compile.as_ref(), &failures);
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn one_line(text: &str) -> String {
    let line: String = text.replace('\n', " ").chars().take(300).collect();
    line
}

/// Saves a failing input (and the base spec of an overlay) with a note on how to
/// replay it; returns the input's path.
fn save(dir: &Path, failure: &Failure, job: &Job, hash: u64) -> Option<PathBuf> {
    let dir = dir.join(failure.target.name());
    std::fs::create_dir_all(&dir).ok()?;
    let ext = if job.name.ends_with(".json") {
        "json"
    } else {
        "yaml"
    };
    let stem = format!("{}-{hash:016x}", failure.kind);
    let input = dir.join(format!("{stem}.{ext}"));
    std::fs::write(&input, &job.bytes).ok()?;
    let mut replay = format!(
        "cargo run -p specwright-fuzz -- --target {} --replay {}",
        failure.target.name(),
        input.display()
    );
    if failure.target == Target::Overlay {
        let base = dir.join(format!("{stem}.base.json"));
        std::fs::write(&base, &*job.base).ok()?;
        replay.push_str(&format!(" --base {}", base.display()));
    }
    let note = format!(
        "{}: {}\nseed: {}\nmutations: {}\nreplay: {replay}\n",
        failure.kind,
        failure.detail,
        failure.seed,
        failure.mutations.join(" + ")
    );
    std::fs::write(dir.join(format!("{stem}.txt")), note).ok()?;
    Some(input)
}

/// Runs one saved input in a worker and prints the verdict.
fn replay(args: &Args, exe: &Path, file: &Path, timeout: Duration) -> Result<ExitCode, String> {
    let target = match args.target {
        Which::Spec => Target::Spec,
        Which::Overlay => Target::Overlay,
        Which::Both => return Err("--replay needs --target spec or --target overlay".into()),
    };
    let bytes =
        std::fs::read(file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
    let base = match (&args.base, target) {
        (Some(path), _) => {
            std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?
        }
        (None, Target::Overlay) => return Err("--replay of an overlay needs --base".into()),
        (None, Target::Spec) => Vec::new(),
    };
    let name = if file.extension().is_some_and(|e| e == "json") {
        "fuzz.json"
    } else {
        "fuzz.yaml"
    };
    let job = Job {
        target,
        name: name.into(),
        bytes,
        base: Arc::new(base),
    };
    let verdict = Worker::start(exe)?.run(&job, timeout);
    println!("{verdict:?}");
    Ok(if matches!(verdict, Verdict::Failed { .. }) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The outcome of the compile sample.
struct CompileFigures {
    checked: Vec<compile::Checked>,
    seconds: f64,
}

/// Regenerates `args.compile_sample` seeded picks of the generated inputs as crates
/// named `fuzz-sample-N` and `cargo check`s them; a crate that does not compile is a
/// failure.
fn compile_sample(
    args: &Args,
    root: &Path,
    target_dir: &Path,
    candidates: &[Candidate],
    failures: &mut BTreeMap<String, Failure>,
    crash_dir: &Path,
) -> Result<CompileFigures, String> {
    let start = Instant::now();
    let mut rng = Pcg64::seed_from_u64(args.seed ^ fnv(&[b"compile"]));
    let mut pool: Vec<&Candidate> = candidates.iter().collect();
    let mut crates = Vec::new();
    let mut jobs = Vec::new();
    let runtime = std::path::absolute(root.join("runtime"))
        .map_err(|err| format!("cannot locate the runtime crate: {err}"))?;
    let scratch = target_dir.join("fuzz/scratch");
    while crates.len() < args.compile_sample && !pool.is_empty() {
        let candidate = pool.swap_remove(rng.random_range(0..pool.len()));
        let package = format!("fuzz-sample-{}", crates.len() + 1);
        let make = |spec: &Path, name: &str| {
            let mut config = specwright::Config::new(spec);
            config
                .spec_display_name(name)
                .regenerate_command("specwright-fuzz")
                .crate_name(package.as_str())
                .runtime_path(runtime.display().to_string());
            config
        };
        let job = &candidate.job;
        let generated = panic::catch_unwind(AssertUnwindSafe(|| {
            worker::pipeline(
                job.target,
                &job.name,
                &job.bytes,
                candidate.base.as_deref(),
                &scratch,
                &make,
            )
            .0
        }));
        if let Ok(Ok(output)) = generated {
            crates.push((package, output.files));
            jobs.push(job);
        }
    }
    if crates.is_empty() {
        eprintln!("specwright-fuzz: no generated input to compile");
        return Ok(CompileFigures {
            checked: Vec::new(),
            seconds: 0.0,
        });
    }
    let check_target = args
        .check_target_dir
        .clone()
        .unwrap_or_else(|| root.join("target/corpus-runner/target"));
    eprintln!(
        "specwright-fuzz: cargo check of {} generated crate(s) into {}",
        crates.len(),
        check_target.display()
    );
    let checked = compile::check_all(
        &target_dir.join("fuzz/check"),
        &check_target,
        &root.join("Cargo.lock"),
        &crates,
        Duration::from_secs(900),
    )?;
    for (result, job) in checked.iter().zip(jobs) {
        if let Some(error) = &result.error {
            let hash = fnv(&[job.name.as_bytes(), &job.bytes, &job.base]);
            let mut failure = Failure {
                target: job.target,
                kind: "compile".into(),
                detail: format!("{}: {error}", result.package),
                seed: "compile sample".into(),
                mutations: Vec::new(),
                saved: None,
                repeats: 0,
            };
            failure.saved = save(crash_dir, &failure, job, hash);
            failures.insert(signature(job.target, "compile", &failure.detail), failure);
        }
    }
    Ok(CompileFigures {
        checked,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn print_summary(
    args: &Args,
    corpus: &str,
    stats: &BTreeMap<Target, Stats>,
    compile: Option<&CompileFigures>,
    failures: &BTreeMap<String, Failure>,
) {
    println!(
        "specwright-fuzz: seed {:#x}, budget {} s, timeout {} s, {corpus}",
        args.seed, args.seconds, args.timeout
    );
    println!(
        "{:<8} {:>10} {:>9} {:>9} {:>8} {:>7} {:>8}",
        "target", "executions", "distinct", "generated", "refused", "failed", "seconds"
    );
    for (target, s) in stats {
        println!(
            "{:<8} {:>10} {:>9} {:>9} {:>8} {:>7} {:>8.1}",
            target.name(),
            s.executions,
            s.distinct.len(),
            s.generated,
            s.refused,
            s.failed,
            s.seconds
        );
    }
    match compile {
        None => println!("compile sample: skipped"),
        Some(c) => {
            let passed = c.checked.iter().filter(|r| r.error.is_none()).count();
            let per: Vec<String> = c
                .checked
                .iter()
                .map(|r| format!("{} {:.1} s", r.package, r.seconds))
                .collect();
            println!(
                "compile sample: {} checked, {passed} passed, {} failed, {:.1} s ({})",
                c.checked.len(),
                c.checked.len() - passed,
                c.seconds,
                per.join(", ")
            );
        }
    }
    let total: u64 = failures.values().map(|f| 1 + f.repeats).sum();
    println!("failures: {total} ({} distinct)", failures.len());
    for failure in failures.values() {
        println!(
            "  {} {} (x{}): {} [seed {}; {}]",
            failure.target.name(),
            failure.kind,
            1 + failure.repeats,
            one_line(&failure.detail),
            failure.seed,
            if failure.mutations.is_empty() {
                "-".to_owned()
            } else {
                failure.mutations.join("+")
            }
        );
        if let Some(saved) = &failure.saved {
            println!("    input: {}", saved.display());
        }
    }
}
