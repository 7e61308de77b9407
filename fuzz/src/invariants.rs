//! What must hold for every input, beyond "no panic, no hang, no crash" (which the
//! worker and the supervisor see for themselves).
//!
//! - A refusal names at least one error: `generation failed with 0 error(s)` tells a
//!   user nothing.
//! - Every diagnostic's pointer is an RFC 6901 JSON pointer (`""` or `/`-separated
//!   tokens whose `~` escapes are `~0` or `~1`).
//! - Every error is located in the document it names: all of its pointer but the last
//!   token resolves there (the last may be what is missing, such as `/openapi`).
//! - No error is a rendering failure: the emitted tokens of a file not parsing as Rust
//!   is the generator's bug, never the spec's.

use serde_json::Value;
use specwright::{Diagnostic, Severity};

/// Whether `pointer` is an RFC 6901 JSON pointer.
pub fn is_pointer(pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    if !pointer.starts_with('/') {
        return false;
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

/// The pointer without its last token (`""` stays `""`).
fn parent(pointer: &str) -> &str {
    match pointer.rfind('/') {
        Some(i) => &pointer[..i],
        None => "",
    }
}

/// The first invariant that `diagnostics` break, as `(kind, detail)`. `documents` are
/// the parsed documents by the file name their diagnostics carry (`None` when the text
/// did not parse: then only the pointer syntax is checked).
pub fn check(
    refused: bool,
    diagnostics: &[Diagnostic],
    documents: &[(&str, Option<&Value>)],
) -> Option<(&'static str, String)> {
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if refused && errors.is_empty() {
        return Some((
            "refused-without-error",
            format!("{} diagnostic(s), none an error", diagnostics.len()),
        ));
    }
    if let Some(d) = diagnostics.iter().find(|d| !is_pointer(&d.pointer)) {
        return Some((
            "bad-pointer",
            format!("{:?} is not a JSON pointer: {}", d.pointer, d.message),
        ));
    }
    for d in &errors {
        if d.pointer.is_empty() && d.message.starts_with("src/") && d.message.contains(".rs: ") {
            return Some(("render-failure", d.message.clone()));
        }
        let file = d.file.to_string_lossy();
        let Some((_, Some(doc))) = documents.iter().find(|(name, _)| *name == file) else {
            continue;
        };
        let parent = parent(&d.pointer);
        if doc.pointer(parent).is_none() {
            return Some((
                "unlocated-error",
                format!(
                    "{:?} is not in {file} (nor is {parent:?}): {}",
                    d.pointer, d.message
                ),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn error(pointer: &str, message: &str) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: PathBuf::from("a.yaml"),
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    #[test]
    fn pointers() {
        for good in ["", "/", "/paths/~1pets/get", "/a~0b", "/0"] {
            assert!(is_pointer(good), "{good}");
        }
        for bad in ["paths", "#/paths", "/a~2", "/a~"] {
            assert!(!is_pointer(bad), "{bad}");
        }
    }

    #[test]
    fn each_invariant_can_fail() {
        let doc = json!({ "paths": { "/pets": {} } });
        let docs = [("a.yaml", Some(&doc))];
        assert_eq!(
            check(true, &[], &docs).map(|f| f.0),
            Some("refused-without-error")
        );
        assert_eq!(
            check(true, &[error("#/x", "m")], &docs).map(|f| f.0),
            Some("bad-pointer")
        );
        assert_eq!(
            check(true, &[error("/nope/deeper", "m")], &docs).map(|f| f.0),
            Some("unlocated-error")
        );
        assert_eq!(
            check(
                true,
                &[error("", "src/models.rs: expected identifier")],
                &docs
            )
            .map(|f| f.0),
            Some("render-failure")
        );
        // The missing member itself may be what the error is about.
        assert_eq!(check(true, &[error("/paths/~1pets/get", "m")], &docs), None);
        assert_eq!(check(true, &[error("/openapi", "no version")], &docs), None);
        assert_eq!(check(false, &[], &docs), None);
    }
}
