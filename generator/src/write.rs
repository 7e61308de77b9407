//! Stage 6: put the files on disk, or compare them with what is there.
//!
//! Files are written only when their bytes change, so cargo does not rebuild for
//! nothing, and generated files the new output no longer has are removed. Files that
//! are not ours (no `@generated` line) are never touched.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::is_generated;

/// What `write` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed.
    pub written: Vec<PathBuf>,
    /// Files left as they were.
    pub unchanged: Vec<PathBuf>,
    /// Stale generated files removed.
    pub removed: Vec<PathBuf>,
}

/// Why a file on disk is not what the generator would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The file does not exist.
    Missing,
    /// The file's contents differ.
    Differs,
    /// A generated file that the generator would no longer write.
    Extra,
}

/// A file that `--check` found out of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFile {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// How it is stale.
    pub why: Staleness,
}

/// An I/O failure with the path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct IoError {
    /// The file or directory.
    pub path: PathBuf,
    /// What failed.
    #[source]
    pub source: io::Error,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> IoError + '_ {
    move |source| IoError {
        path: path.to_owned(),
        source,
    }
}

/// Generated files under `dir` (relative paths), skipping `target/` and hidden folders.
fn generated_on_disk(dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        let entries = match std::fs::read_dir(&abs) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(io_err(&abs)(err)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err(&abs))?;
            let name = entry.file_name();
            let rel_child = rel.join(&name);
            let file_type = entry.file_type().map_err(io_err(&abs))?;
            if file_type.is_dir() {
                let skip = name == "target" || name.to_string_lossy().starts_with('.');
                if !skip {
                    stack.push(rel_child);
                }
            } else if file_type.is_file() {
                // Unreadable or non-UTF-8 files are not ours.
                if let Ok(text) = std::fs::read_to_string(entry.path())
                    && is_generated(&text)
                {
                    out.push(rel_child);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes one file unless it already holds exactly `contents` (so that Cargo and
/// editors see no change), creating its folder. Returns whether it wrote.
pub fn write_file(path: &Path, contents: &str) -> Result<bool, IoError> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    std::fs::write(path, contents).map_err(io_err(path))?;
    Ok(true)
}

/// Writes `files` under `dir`.
pub fn write(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<WriteReport, IoError> {
    let mut report = WriteReport::default();
    for (rel, contents) in files {
        if write_file(&dir.join(rel), contents)? {
            report.written.push(rel.clone());
        } else {
            report.unchanged.push(rel.clone());
        }
    }
    for rel in generated_on_disk(dir)? {
        if !files.contains_key(&rel) {
            let path = dir.join(&rel);
            std::fs::remove_file(&path).map_err(io_err(&path))?;
            report.removed.push(rel);
        }
    }
    Ok(report)
}

/// Compares `files` with `dir` without writing anything.
pub fn check(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Vec<StaleFile>, IoError> {
    let mut stale = Vec::new();
    for (rel, contents) in files {
        let path = dir.join(rel);
        match std::fs::read(&path) {
            Ok(old) if old == contents.as_bytes() => {}
            Ok(_) => stale.push(StaleFile {
                path: rel.clone(),
                why: Staleness::Differs,
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => stale.push(StaleFile {
                path: rel.clone(),
                why: Staleness::Missing,
            }),
            Err(err) => return Err(io_err(&path)(err)),
        }
    }
    for rel in generated_on_disk(dir)? {
        if !files.contains_key(&rel) {
            stale.push(StaleFile {
                path: rel,
                why: Staleness::Extra,
            });
        }
    }
    Ok(stale)
}
