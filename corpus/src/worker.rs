//! Generation runs in a worker process (this binary with `--worker-from N`), so that a
//! spec that aborts the process (a stack overflow cannot be caught) or hangs costs only
//! that spec: the supervisor records it and starts a new worker at the next spec.
//!
//! The supervisor passes the resolved list of ids on the worker's stdin (so id files
//! are read once). Inside the worker everything is in-process: each spec goes through the library on a
//! thread, under `catch_unwind`. The worker reports one line per spec on stdout:
//! `corpus-runner-result`, then tab-separated fields (text escaped, see [`escape`]).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use corpus_runner::protocol::{escape, unescape};

use crate::Plan;
use crate::corpus::{Corpus, Spec};
use crate::generate::{self, Generation, Outcome};

/// The first field of a result line; other stdout lines are passed through to stderr.
const TAG: &str = "corpus-runner-result";
/// The worker's exit code after a timeout: its stuck thread dies with it; go on.
const RESTART: u8 = 3;

/// One spec's result as reported by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// What happened.
    pub outcome: Outcome,
    /// Wall time of generation, in seconds.
    pub seconds: f64,
    /// Operations generated.
    pub operations: usize,
    /// Models generated.
    pub models: usize,
    /// Warnings.
    pub warnings: usize,
    /// Paged operations by style (see `Generation::paged`).
    pub paged: String,
    /// The panic location, empty unless panicked.
    pub panic_location: String,
    /// The first error, the panic, or empty.
    pub first_error: String,
}

/// Worker side: generates `plan.specs[start..]`, writing the sample crates into the
/// scratch workspace the supervisor prepared, one result line per spec.
pub fn work(plan: &Plan, start: usize) -> Result<ExitCode, String> {
    generate::install_panic_hook();
    let mut stdout = std::io::stdout().lock();
    for index in start..plan.specs.len() {
        let (spec, package) = (&plan.specs[index], &plan.packages[index]);
        let generation =
            generate::generate(&spec.id, plan.config(index), plan.timeout, plan.stack_size);
        if let (Some(files), true) = (&generation.files, plan.sample.contains(&spec.id)) {
            plan.workspace().write_crate(package, files)?;
        }
        writeln!(stdout, "{}", encode(index, &generation))
            .map_err(|err| format!("cannot report: {err}"))?;
        stdout
            .flush()
            .map_err(|err| format!("cannot report: {err}"))?;
        if generation.outcome == Outcome::Timeout {
            return Ok(ExitCode::from(RESTART));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Supervisor side: runs workers until every spec has a result, recording a spec whose
/// worker died as `crashed`. Prints progress to stderr.
pub fn supervise(plan: &Plan) -> Result<Vec<Reported>, String> {
    let exe = std::env::current_exe().map_err(|err| format!("cannot find this program: {err}"))?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let total = plan.specs.len();
    let mut results: Vec<Reported> = Vec::with_capacity(total);
    while results.len() < total {
        let mut child = Command::new(&exe)
            .args(&args)
            .arg("--worker-from")
            .arg(results.len().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start a worker ({}): {err}", exe.display()))?;
        // The worker reads the whole list before it reports anything, so this cannot block.
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(plan_text(plan).as_bytes())
                .map_err(|err| format!("cannot pass the spec list to the worker: {err}"))?;
        }
        let collector = child.stderr.take().map(|mut stderr| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            })
        });
        let mut last = Instant::now();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                let line = line.map_err(|err| format!("cannot read the worker's output: {err}"))?;
                match decode(&line) {
                    Some((index, reported)) if index == results.len() => {
                        progress(plan, index, &reported);
                        results.push(reported);
                        last = Instant::now();
                    }
                    Some((index, _)) => {
                        return Err(format!(
                            "worker reported spec {index}, expected {}",
                            results.len()
                        ));
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
        let status = child
            .wait()
            .map_err(|err| format!("cannot wait for the worker: {err}"))?;
        let stderr = collector.and_then(|c| c.join().ok()).unwrap_or_default();
        if results.len() >= total || status.code() == Some(i32::from(RESTART)) {
            continue;
        }
        // The worker died on the spec it had not reported.
        let index = results.len();
        let mut messages: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if messages.is_empty() {
            messages.push("ended without reporting this spec");
        }
        let crashed = Reported {
            outcome: Outcome::Crashed,
            seconds: last.elapsed().as_secs_f64(),
            operations: 0,
            models: 0,
            warnings: 0,
            paged: String::new(),
            panic_location: String::new(),
            first_error: format!("worker {status}: {}", messages.join("; ")),
        };
        progress(plan, index, &crashed);
        results.push(crashed);
    }
    Ok(results)
}

/// The run as the supervisor passes it to a worker: one line per spec, `1` or `0` (in
/// the compile sample or not), a tab, the id.
fn plan_text(plan: &Plan) -> String {
    let mut text = String::new();
    for spec in &plan.specs {
        let flag = if plan.sample.contains(&spec.id) {
            '1'
        } else {
            '0'
        };
        text.push(flag);
        text.push('\t');
        text.push_str(&spec.id);
        text.push('\n');
    }
    text
}

/// Worker side: the run's ids and compile sample, from the supervisor on stdin.
pub fn read_plan(corpus: &Corpus) -> Result<(Vec<Spec>, BTreeSet<String>), String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|err| format!("cannot read the spec list: {err}"))?;
    let mut specs = Vec::new();
    let mut sample = BTreeSet::new();
    for line in text.lines() {
        let (flag, id) = line
            .split_once('\t')
            .ok_or_else(|| format!("not a spec list line: {line:?}"))?;
        specs.push(corpus.resolve(id)?);
        if flag == "1" {
            sample.insert(id.to_owned());
        }
    }
    Ok((specs, sample))
}

fn progress(plan: &Plan, index: usize, reported: &Reported) {
    if reported.outcome != Outcome::Generated {
        eprintln!(
            "  {:<9} {}: {}",
            reported.outcome.as_str(),
            plan.specs[index].id,
            reported.first_error
        );
    }
    if (index + 1).is_multiple_of(100) {
        eprintln!("[{}/{}]", index + 1, plan.specs.len());
    }
}

/// The result line of one generation.
fn encode(index: usize, g: &Generation) -> String {
    format!(
        "{TAG}\t{index}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        g.outcome.as_str(),
        g.seconds,
        g.operations,
        g.models,
        g.warnings,
        escape(&g.paged),
        escape(&g.panic_location),
        escape(&g.first_error)
    )
}

/// A result line back (`None` if it is not one).
fn decode(line: &str) -> Option<(usize, Reported)> {
    let mut fields = line.split('\t');
    if fields.next()? != TAG {
        return None;
    }
    let index = fields.next()?.parse().ok()?;
    let reported = Reported {
        outcome: Outcome::parse(fields.next()?)?,
        seconds: fields.next()?.parse().ok()?,
        operations: fields.next()?.parse().ok()?,
        models: fields.next()?.parse().ok()?,
        warnings: fields.next()?.parse().ok()?,
        paged: unescape(fields.next()?),
        panic_location: unescape(fields.next()?),
        first_error: unescape(fields.next()?),
    };
    fields.next().is_none().then_some((index, reported))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_round_trip() {
        let generation = Generation {
            outcome: Outcome::Panicked,
            seconds: 0.125,
            operations: 1,
            models: 2,
            warnings: 3,
            paged: "cursor=2;page=1".into(),
            first_error: "panicked at a.rs:1: tab\there\nline \\ end".into(),
            panic_location: "a.rs:1".into(),
            files: None,
        };
        let line = encode(7, &generation);
        assert!(!line.contains('\n'));
        let (index, reported) = decode(&line).expect("a result line");
        assert_eq!(index, 7);
        assert_eq!(reported.outcome, Outcome::Panicked);
        assert_eq!(reported.seconds, 0.125);
        assert_eq!(
            (reported.operations, reported.models, reported.warnings),
            (1, 2, 3)
        );
        assert_eq!(reported.first_error, generation.first_error);
        assert_eq!(reported.panic_location, "a.rs:1");
        assert_eq!(reported.paged, "cursor=2;page=1");
        assert_eq!(decode("some other output"), None);
        assert_eq!(decode(&format!("{line}\textra")), None);
    }
}
