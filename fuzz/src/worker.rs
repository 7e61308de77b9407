//! Each input runs in a worker process (this binary with `--worker`), so an input that
//! aborts the process (a stack overflow cannot be caught) or hangs costs only that
//! input: the supervisor records it, saves it, and starts a new worker.
//!
//! The supervisor writes one job at a time on the worker's stdin: a header line
//! `target \t file-name \t input-length \t base-length`, then the input's bytes and the
//! base spec's bytes (JSON; overlay target only). Inside the worker the job runs on a
//! thread with the 8 MiB stack of a Linux main thread (what the generator's CLI gets),
//! under `catch_unwind`, and the worker answers with one line on stdout:
//! `specwright-fuzz-result \t verdict \t kind \t detail` (detail escaped, see [`escape`]).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use corpus_runner::protocol::{escape, payload_text, unescape};

use serde_json::Value;
use specwright::diagnostics::Diagnostics;
use specwright::{Config, Diagnostic, GenerateError, Output, Severity};

use crate::invariants;

/// The first field of a result line; the worker prints nothing else on stdout.
const TAG: &str = "specwright-fuzz-result";
/// The stack of the thread that runs an input: a Linux main thread's.
pub const STACK: usize = 8 << 20;
/// The name of that thread; the panic hook records (and does not print) its panics.
const THREAD: &str = "fuzz-input";

/// Which document the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// An OpenAPI document, through the whole pipeline.
    Spec,
    /// An overlay document, applied to a base spec, then the whole pipeline.
    Overlay,
}

impl Target {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Target::Spec => "spec",
            Target::Overlay => "overlay",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Target::Spec, Target::Overlay]
            .into_iter()
            .find(|t| t.name() == text)
    }
}

/// One input to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// Spec or overlay.
    pub target: Target,
    /// The file name the generator is told (its extension picks the parser first).
    pub name: String,
    /// The input.
    pub bytes: Vec<u8>,
    /// The spec the overlay applies to, as JSON (overlay target only).
    pub base: Arc<Vec<u8>>,
}

/// What running an input showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A crate was generated and every invariant held.
    Generated,
    /// The generator refused with located errors, as it should for bad input.
    Refused,
    /// An invariant failed.
    Failed {
        /// `panic`, `stack-overflow`, `abort`, `hang`, or an invariant of
        /// [`invariants::check`].
        kind: String,
        /// The message, the panic location, or the worker's last words.
        detail: String,
    },
}

// ---- worker side -------------------------------------------------------------------

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Records panics of the input thread as `location: message` instead of printing them.
fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(THREAD) {
            previous(info);
            return;
        }
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let text = format!("{location}: {}", payload_text(info.payload()));
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(text);
        }
    }));
}

/// Worker side: runs jobs from stdin until it closes.
pub fn work() -> Result<ExitCode, String> {
    install_panic_hook();
    let scratch = std::env::temp_dir().join(format!("specwright-fuzz-{}", std::process::id()));
    let mut bases: BTreeMap<Vec<u8>, Arc<Value>> = BTreeMap::new();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut stdout = std::io::stdout().lock();
    loop {
        let mut header = String::new();
        let read = input
            .read_line(&mut header)
            .map_err(|err| format!("cannot read a job: {err}"))?;
        if read == 0 {
            let _ = std::fs::remove_dir_all(&scratch);
            return Ok(ExitCode::SUCCESS);
        }
        let fields: Vec<&str> = header.trim_end_matches('\n').split('\t').collect();
        let [target, name, len, base_len] = fields[..] else {
            return Err(format!("not a job header: {header:?}"));
        };
        let target = Target::parse(target).ok_or_else(|| format!("no such target: {target}"))?;
        let number = |text: &str| {
            text.parse::<usize>()
                .map_err(|err| format!("not a length: {text}: {err}"))
        };
        let mut bytes = vec![0; number(len)?];
        input
            .read_exact(&mut bytes)
            .map_err(|err| format!("cannot read a job: {err}"))?;
        let mut base_bytes = vec![0; number(base_len)?];
        input
            .read_exact(&mut base_bytes)
            .map_err(|err| format!("cannot read a job: {err}"))?;
        let base = match target {
            Target::Spec => None,
            Target::Overlay => Some(match bases.get(&base_bytes) {
                Some(base) => Arc::clone(base),
                None => {
                    let value: Value = serde_json::from_slice(&base_bytes)
                        .map_err(|err| format!("the base spec is not JSON: {err}"))?;
                    // A handful of bases per run; keep them parsed.
                    let value = Arc::new(value);
                    bases.insert(base_bytes, Arc::clone(&value));
                    value
                }
            }),
        };
        let verdict = run_guarded(target, name.to_owned(), bytes, base, scratch.clone());
        writeln!(stdout, "{}", encode(&verdict)).map_err(|err| format!("cannot report: {err}"))?;
        stdout
            .flush()
            .map_err(|err| format!("cannot report: {err}"))?;
    }
}

/// Runs one input on the input thread, catching a panic.
fn run_guarded(
    target: Target,
    name: String,
    bytes: Vec<u8>,
    base: Option<Arc<Value>>,
    scratch: PathBuf,
) -> Verdict {
    let spawned = std::thread::Builder::new()
        .name(THREAD.into())
        .stack_size(STACK)
        .spawn(move || {
            panic::catch_unwind(AssertUnwindSafe(|| {
                run(target, &name, &bytes, base.as_deref(), &scratch)
            }))
        });
    let joined = match spawned {
        Ok(handle) => handle.join(),
        Err(err) => {
            return Verdict::Failed {
                kind: "worker".into(),
                detail: format!("cannot start the input thread: {err}"),
            };
        }
    };
    match joined {
        Ok(Ok(verdict)) => verdict,
        Ok(Err(payload)) | Err(payload) => {
            let recorded = LAST_PANIC.lock().ok().and_then(|mut last| last.take());
            Verdict::Failed {
                kind: "panic".into(),
                detail: recorded.unwrap_or_else(|| payload_text(payload.as_ref())),
            }
        }
    }
}

/// The generator configuration of every input (spec file, display name): its
/// defaults (a vendored runtime, the crate named from `info.title`), so odd titles
/// reach the crate-name code too.
pub fn config(spec: &Path, name: &str) -> Config {
    let mut config = Config::new(spec);
    config
        .spec_display_name(name)
        .regenerate_command("specwright-fuzz");
    config
}

/// Makes the [`Config`] of an input from its spec file and display name.
pub type MakeConfig<'a> = &'a dyn Fn(&Path, &str) -> Config;

/// Runs one input through the pipeline and checks the invariants.
pub fn run(
    target: Target,
    name: &str,
    bytes: &[u8],
    base: Option<&Value>,
    scratch: &Path,
) -> Verdict {
    let (result, documents) = pipeline(target, name, bytes, base, scratch, &config);
    let located: Vec<(&str, Option<&Value>)> = documents
        .iter()
        .map(|(file, doc)| (file.as_str(), doc.as_ref()))
        .collect();
    let diagnostics = match &result {
        Ok(output) => &output.warnings,
        Err(err) => &err.diagnostics,
    };
    if let Some((kind, detail)) = invariants::check(result.is_err(), diagnostics, &located) {
        return Verdict::Failed {
            kind: kind.into(),
            detail,
        };
    }
    match result {
        Ok(_) => Verdict::Generated,
        Err(_) => Verdict::Refused,
    }
}

/// The parsed documents of an input by the file name their diagnostics carry.
pub type Documents = Vec<(String, Option<Value>)>;

/// Runs one input through the pipeline as the CLI would, with `make` configuring it.
pub fn pipeline(
    target: Target,
    name: &str,
    bytes: &[u8],
    base: Option<&Value>,
    scratch: &Path,
    make: MakeConfig,
) -> (Result<Output, GenerateError>, Documents) {
    match target {
        Target::Spec => run_spec(name, bytes, scratch, make),
        Target::Overlay => run_overlay(name, bytes, base.unwrap_or(&Value::Null), scratch, make),
    }
}

/// Text that is not UTF-8 cannot be handed over in memory; it goes through a file, as a
/// user's would.
fn scratch_file(scratch: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, GenerateError> {
    let file = scratch.join(name);
    std::fs::create_dir_all(scratch)
        .and_then(|()| std::fs::write(&file, bytes))
        .map_err(|err| GenerateError {
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                file: file.clone(),
                pointer: String::new(),
                message: format!("fuzz: cannot write the scratch file: {err}"),
            }],
        })?;
    Ok(file)
}

fn run_spec(
    name: &str,
    bytes: &[u8],
    scratch: &Path,
    make: MakeConfig,
) -> (Result<Output, GenerateError>, Documents) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let result =
            scratch_file(scratch, name, bytes).and_then(|file| make(&file, name).generate());
        return (result, vec![(name.to_owned(), None)]);
    };
    let mut diags = Diagnostics::new(name);
    let Some(raw) = specwright::load::parse_document(text, Path::new(name), &mut diags) else {
        return (
            Err(GenerateError {
                diagnostics: diags.into_vec(),
            }),
            vec![(name.to_owned(), None)],
        );
    };
    let result = make(Path::new(name), name).generate_value(raw.clone(), diags);
    (result, vec![(name.to_owned(), Some(raw))])
}

fn run_overlay(
    name: &str,
    bytes: &[u8],
    base: &Value,
    scratch: &Path,
    make: MakeConfig,
) -> (Result<Output, GenerateError>, Documents) {
    const SPEC: &str = "base.json";
    let mut od = Diagnostics::new(name);
    let (overlay, overlay_doc) = match std::str::from_utf8(bytes) {
        Ok(text) => {
            let overlay = specwright::overlay::from_text(text, Path::new(name), &mut od);
            // Parsed once more, only to check the pointers of its diagnostics.
            let doc = specwright::load::parse_document(
                text,
                Path::new(name),
                &mut Diagnostics::new(name),
            );
            (overlay, doc)
        }
        Err(_) => match scratch_file(scratch, name, bytes) {
            Ok(file) => {
                let mut at_file = Diagnostics::new(name);
                let overlay = specwright::overlay::load(&file, &mut at_file);
                od = at_file;
                (overlay, None)
            }
            Err(err) => return (Err(err), Vec::new()),
        },
    };
    let mut raw = base.clone();
    if let Some(overlay) = &overlay {
        specwright::overlay::apply(&mut raw, overlay, &mut od);
    }
    let mut documents = vec![(name.to_owned(), overlay_doc)];
    if od.has_errors() || overlay.is_none() {
        // If `load` returned nothing without an error, the invariant check says so.
        return (
            Err(GenerateError {
                diagnostics: od.into_vec(),
            }),
            documents,
        );
    }
    documents.push((SPEC.to_owned(), Some(raw.clone())));
    let earlier = od.into_vec();
    let result = make(Path::new(SPEC), SPEC).generate_value(raw, Diagnostics::new(SPEC));
    let result = match result {
        Ok(mut output) => {
            let mut all = earlier;
            all.append(&mut output.warnings);
            output.warnings = all;
            Ok(output)
        }
        Err(mut err) => {
            let mut all = earlier;
            all.append(&mut err.diagnostics);
            err.diagnostics = all;
            Err(err)
        }
    };
    (result, documents)
}

fn encode(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Generated => format!("{TAG}\tgenerated\t\t"),
        Verdict::Refused => format!("{TAG}\trefused\t\t"),
        Verdict::Failed { kind, detail } => {
            format!("{TAG}\tfailed\t{}\t{}", escape(kind), escape(detail))
        }
    }
}

fn decode(line: &str) -> Option<Verdict> {
    let mut fields = line.splitn(4, '\t');
    if fields.next()? != TAG {
        return None;
    }
    let verdict = fields.next()?;
    let kind = unescape(fields.next()?);
    let detail = unescape(fields.next()?);
    match verdict {
        "generated" => Some(Verdict::Generated),
        "refused" => Some(Verdict::Refused),
        "failed" => Some(Verdict::Failed { kind, detail }),
        _ => None,
    }
}

// ---- supervisor side ---------------------------------------------------------------

/// A running worker process.
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
    stderr_reader: Option<JoinHandle<()>>,
}

/// Lines of the worker's stderr kept for a crash report.
const STDERR_LINES: usize = 40;

impl Worker {
    /// Starts `exe --worker`.
    pub fn start(exe: &Path) -> Result<Self, String> {
        let mut child = Command::new(exe)
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start a worker ({}): {err}", exe.display()))?;
        let stdout = child.stdout.take().ok_or("the worker has no stdout")?;
        let stderr = child.stderr.take().ok_or("the worker has no stderr")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&kept);
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut kept) = sink.lock() {
                    if kept.len() == STDERR_LINES {
                        kept.remove(0);
                    }
                    kept.push(line);
                }
            }
        });
        Ok(Self {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: kept,
            stderr_reader: Some(stderr_reader),
        })
    }

    /// Runs `job`; after a `hang`, `stack-overflow` or `abort` verdict this worker is
    /// gone and a new one must be started (`alive` says so).
    pub fn run(&mut self, job: &Job, timeout: Duration) -> Verdict {
        if let Ok(mut kept) = self.stderr.lock() {
            kept.clear();
        }
        let header = format!(
            "{}\t{}\t{}\t{}\n",
            job.target.name(),
            job.name,
            job.bytes.len(),
            job.base.len()
        );
        // A write error means the worker is gone; the read below says how.
        if let Some(stdin) = &mut self.stdin {
            let _ = stdin
                .write_all(header.as_bytes())
                .and_then(|()| stdin.write_all(&job.bytes))
                .and_then(|()| stdin.write_all(&job.base))
                .and_then(|()| stdin.flush());
        }
        loop {
            match self.lines.recv_timeout(timeout) {
                Ok(line) => match decode(&line) {
                    Some(verdict) => return verdict,
                    None => continue,
                },
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Verdict::Failed {
                        kind: "hang".into(),
                        detail: format!(
                            "no result after {} s (worker killed)",
                            timeout.as_secs_f64()
                        ),
                    };
                }
                Err(RecvTimeoutError::Disconnected) => return self.died(),
            }
        }
    }

    /// The verdict on the input a worker died on, from its exit status and stderr.
    fn died(&mut self) -> Verdict {
        let status = self
            .child
            .wait()
            .map(|s| s.to_string())
            .unwrap_or_else(|err| format!("unknown status ({err})"));
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let said: Vec<String> = self
            .stderr
            .lock()
            .map(|kept| kept.clone())
            .unwrap_or_default();
        let kind = if said.iter().any(|l| l.contains("has overflowed its stack")) {
            "stack-overflow"
        } else {
            "abort"
        };
        let words: Vec<&str> = said
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        Verdict::Failed {
            kind: kind.into(),
            detail: format!("worker {status}: {}", words.join("; ")),
        }
    }

    /// Whether the process still runs (it does not after a hang or a crash).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin ends the worker's loop.
        self.stdin.take();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_round_trip() {
        let failed = Verdict::Failed {
            kind: "panic".into(),
            detail: "a.rs:1: tab\there\nline \\ end".into(),
        };
        for verdict in [Verdict::Generated, Verdict::Refused, failed] {
            let line = encode(&verdict);
            assert!(!line.contains('\n'));
            assert_eq!(decode(&line), Some(verdict));
        }
        assert_eq!(decode("other output"), None);
    }

    #[test]
    fn a_good_spec_generates_and_a_bad_one_is_refused() {
        let scratch = std::env::temp_dir();
        let good = b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";
        assert_eq!(
            run(Target::Spec, "a.yaml", good, None, &scratch),
            Verdict::Generated
        );
        let bad = b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': {$ref: '#/nope'}}}}}\n";
        assert_eq!(
            run(Target::Spec, "a.yaml", bad, None, &scratch),
            Verdict::Refused
        );
        assert_eq!(
            run(Target::Spec, "a.yaml", b"\xff\xfe", None, &scratch),
            Verdict::Refused
        );
    }
}
