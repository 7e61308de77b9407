//! Problems found in a spec, each with the file and the JSON pointer it concerns.
//!
//! Every stage collects its problems instead of stopping at the first, so a user
//! fixing a spec sees the whole list at once.

use std::fmt;
use std::path::PathBuf;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation goes on; the construct got a documented fallback or was skipped.
    Warning,
    /// Generation stops after the current stage.
    Error,
}

/// One problem, located by file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// The file the pointer points into (the spec, or an overlay).
    pub file: PathBuf,
    /// RFC 6901 JSON pointer into that file, `""` for the whole document.
    pub pointer: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(
            f,
            "{level}: {}#{pointer}: {}",
            self.file.display(),
            self.message
        )
    }
}

/// Collects diagnostics for one file.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file: PathBuf,
    items: Vec<Diagnostic>,
    /// Array elements taken out of the document, in order, each as the array's pointer
    /// and the index in the document as it was then: later pointers are mapped back
    /// through them, so they name the element in the file the user has.
    removed: Vec<(String, usize)>,
}

impl Diagnostics {
    /// An empty collection for `file`.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            items: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// Notes that element `index` of the array at `array` was taken out of the
    /// document, shifting the ones after it.
    pub fn removed_element(&mut self, array: &str, index: usize) {
        self.removed.push((array.to_owned(), index));
    }

    /// `pointer` into the document as it is now, as a pointer into the document as it
    /// was read: indices past each removed element move back up, latest removal first.
    fn original(&self, mut pointer: String) -> String {
        for (array, index) in self.removed.iter().rev() {
            let Some(rest) = pointer.strip_prefix(array.as_str()).and_then(|r| r.strip_prefix('/')) else {
                continue;
            };
            let (first, tail) = rest.split_once('/').map_or((rest, None), |(a, b)| (a, Some(b)));
            if let Ok(i) = first.parse::<usize>()
                && i >= *index
            {
                pointer = match tail {
                    Some(tail) => format!("{array}/{}/{tail}", i + 1),
                    None => format!("{array}/{}", i + 1),
                };
            }
        }
        pointer
    }

    /// Records an error at `pointer`.
    pub fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, pointer.into(), message.into());
    }

    /// Records a warning at `pointer`.
    pub fn warning(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, pointer.into(), message.into());
    }

    fn push(&mut self, severity: Severity, pointer: String, message: String) {
        let pointer = self.original(pointer);
        self.items.push(Diagnostic {
            severity,
            file: self.file.clone(),
            pointer,
            message,
        });
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// All diagnostics, in the order they were found.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// All diagnostics so far.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends `token` to `pointer`, escaping it.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// Why generation failed: the problems found, all of them.
#[derive(Debug)]
pub struct GenerateError {
    /// Every diagnostic, warnings included, errors last-found last.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        writeln!(f, "generation failed with {errors} error(s):")?;
        for d in &self.diagnostics {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GenerateError {}
