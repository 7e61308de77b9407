//! Runs the generator in-process on one spec and classifies what happened.
//!
//! The generator must never panic, so a panic is a failure even though it is caught
//! here (with its message and location). Each spec runs on a thread named after it,
//! with the stack of a main thread, so a stack overflow (which aborts the process)
//! names the spec; a spec that hangs is given up after the timeout (the worker process
//! then exits, see [`crate::worker`]).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use corpus_runner::protocol::payload_text;
use specwright::{Config, Output, Severity};

/// The default stack of a worker thread, in MiB: what the generator CLI gets on a
/// Linux main thread.
pub const STACK_MIB: usize = 8;
/// Worker threads are named with this prefix; the panic hook only records their panics.
const THREAD_PREFIX: &str = "generate ";

/// What generation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// A crate was generated.
    Generated,
    /// The generator declined with at least one error diagnostic.
    Refused,
    /// The generator panicked (caught).
    Panicked,
    /// It did not finish within the timeout (the worker process was ended).
    Timeout,
    /// The worker process died (e.g. a stack overflow, which aborts).
    Crashed,
}

impl Outcome {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Generated => "generated",
            Outcome::Refused => "refused",
            Outcome::Panicked => "panicked",
            Outcome::Timeout => "timeout",
            Outcome::Crashed => "crashed",
        }
    }

    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Generated,
        Outcome::Refused,
        Outcome::Panicked,
        Outcome::Timeout,
        Outcome::Crashed,
    ];

    /// The outcome spelled `text` (as by [`Outcome::as_str`]).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// The result of one generation.
#[derive(Debug)]
pub struct Generation {
    /// What happened.
    pub outcome: Outcome,
    /// Wall time of `Config::generate`, in seconds.
    pub seconds: f64,
    /// Operations in the IR (0 unless generated).
    pub operations: usize,
    /// Models in the IR (0 unless generated).
    pub models: usize,
    /// Warning diagnostics.
    pub warnings: usize,
    /// Paged operations by style, `style=count` joined by `;` in style order (empty
    /// when none): `query-more` for Boomi's queryToken streams, else the styles of
    /// `specwright::ir::PageStyle`.
    pub paged: String,
    /// The first error (`pointer: message`), the panic (`location: message`), or empty.
    pub first_error: String,
    /// The panic location, for grouping (empty unless panicked).
    pub panic_location: String,
    /// The generated files, when generated.
    pub files: Option<BTreeMap<PathBuf, String>>,
}

thread_local! {
    /// The last panic on this thread, as recorded by the hook: (location, message).
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Installs a panic hook that records (and does not print) panics on worker threads;
/// panics elsewhere go to the previous hook as usual.
pub fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let worker = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with(THREAD_PREFIX));
        if !worker {
            previous(info);
            return;
        }
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = payload_text(info.payload());
        LAST_PANIC.with(|last| *last.borrow_mut() = Some((location, message)));
    }));
}

/// What the worker sends back.
enum Finished {
    Done(Box<Result<Output, specwright::GenerateError>>),
    Panicked { location: String, message: String },
}

/// Runs `config` in memory on a thread for spec `id` with `stack_size` bytes of stack,
/// within `timeout`.
pub fn generate(id: &str, config: Config, timeout: Duration, stack_size: usize) -> Generation {
    guarded(id, move || config.generate(), timeout, stack_size)
}

/// Runs `job` on a thread named after `id`, catching panics, within `timeout`.
fn guarded<F>(id: &str, job: F, timeout: Duration, stack_size: usize) -> Generation
where
    F: FnOnce() -> Result<Output, specwright::GenerateError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("{THREAD_PREFIX}{id}"))
        .stack_size(stack_size)
        .spawn(move || {
            let start = Instant::now();
            let result = panic::catch_unwind(AssertUnwindSafe(job));
            let seconds = start.elapsed().as_secs_f64();
            let finished = match result {
                Ok(result) => Finished::Done(Box::new(result)),
                Err(payload) => {
                    let (location, message) = LAST_PANIC
                        .with(|last| last.borrow_mut().take())
                        .unwrap_or_else(|| (String::new(), payload_text(payload.as_ref())));
                    Finished::Panicked { location, message }
                }
            };
            // The receiver is gone only if the runner gave up on this spec.
            let _ = tx.send((finished, seconds));
        });
    let handle = match spawned {
        Ok(handle) => handle,
        Err(err) => {
            return failed(
                Outcome::Panicked,
                0.0,
                format!("cannot start a worker thread: {err}"),
            );
        }
    };
    match rx.recv_timeout(timeout) {
        Ok((finished, seconds)) => {
            // The worker has sent its last message; joining only reaps it.
            let _ = handle.join();
            classify(finished, seconds)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => failed(
            Outcome::Timeout,
            timeout.as_secs_f64(),
            format!("no result after {} s", timeout.as_secs()),
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => failed(
            Outcome::Panicked,
            0.0,
            "the worker thread died without a result".into(),
        ),
    }
}

fn failed(outcome: Outcome, seconds: f64, first_error: String) -> Generation {
    Generation {
        outcome,
        seconds,
        operations: 0,
        models: 0,
        warnings: 0,
        paged: String::new(),
        first_error,
        panic_location: String::new(),
        files: None,
    }
}

fn classify(finished: Finished, seconds: f64) -> Generation {
    let result = match finished {
        Finished::Done(result) => *result,
        Finished::Panicked { location, message } => {
            return Generation {
                first_error: format!("panicked at {location}: {message}"),
                panic_location: location,
                ..failed(Outcome::Panicked, seconds, String::new())
            };
        }
    };
    match result {
        Ok(output) => Generation {
            outcome: Outcome::Generated,
            seconds,
            operations: output.api.operations.len(),
            models: output.api.models.len(),
            warnings: count_warnings(&output.warnings),
            paged: paged_by_style(&output.api),
            first_error: String::new(),
            panic_location: String::new(),
            files: Some(output.files),
        },
        Err(err) => {
            let first = err
                .diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error)
                .map(|d| {
                    let pointer = if d.pointer.is_empty() {
                        "/"
                    } else {
                        &d.pointer
                    };
                    format!("{pointer}: {}", d.message)
                })
                .unwrap_or_else(|| "refused without an error diagnostic".to_owned());
            Generation {
                warnings: count_warnings(&err.diagnostics),
                ..failed(Outcome::Refused, seconds, first)
            }
        }
    }
}

/// See [`Generation::paged`].
pub fn paged_by_style(api: &specwright::ir::Api) -> String {
    let mut counts = std::collections::BTreeMap::new();
    if !api.paging.is_empty() {
        counts.insert("query-more", api.paging.len());
    }
    for p in &api.paged {
        *counts.entry(p.style.name()).or_insert(0) += 1;
    }
    counts.iter().map(|(style, n)| format!("{style}={n}")).collect::<Vec<_>>().join(";")
}

fn count_warnings(diagnostics: &[specwright::Diagnostic]) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: usize = STACK_MIB << 20;

    #[test]
    fn panics_are_caught_with_message_and_location() {
        install_panic_hook();
        let generation = guarded(
            "panics",
            || panic!("boom {}", 42),
            Duration::from_secs(10),
            STACK,
        );
        assert_eq!(generation.outcome, Outcome::Panicked);
        assert!(
            generation.panic_location.contains("generate.rs:"),
            "{generation:?}"
        );
        assert!(
            generation.first_error.ends_with(": boom 42"),
            "{generation:?}"
        );
    }

    #[test]
    fn refusals_report_the_first_error() {
        let generation = guarded(
            "refused",
            || specwright::Config::new("/nonexistent/spec.yaml").generate(),
            Duration::from_secs(10),
            STACK,
        );
        assert_eq!(generation.outcome, Outcome::Refused);
        assert!(generation.first_error.starts_with("/: "), "{generation:?}");
    }

    #[test]
    fn hangs_time_out() {
        let generation = guarded(
            "hangs",
            || {
                std::thread::sleep(Duration::from_secs(5));
                specwright::Config::new("/nonexistent/spec.yaml").generate()
            },
            Duration::from_millis(50),
            STACK,
        );
        assert_eq!(generation.outcome, Outcome::Timeout);
    }
}
