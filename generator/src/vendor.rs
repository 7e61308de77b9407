//! The runtime's own source, carried inside the generator so that a generated crate can
//! take a copy of it (`Runtime::Vendored`) and depend on nothing but crates.io packages.
//!
//! `runtime-src` is a link to `../runtime/src`, so the copy is always the runtime this
//! generator was built with; `cargo package` follows the link and ships the files.

use std::path::PathBuf;

/// The runtime's version, which is the generator's: they are released together.
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The runtime's package name, as a registry or path dependency names it.
pub const RUNTIME_PACKAGE: &str = "specwright-runtime";

/// The runtime's library name, as its own source and doc examples name it.
const RUNTIME_LIB: &str = "specwright_runtime";

/// Every file of `runtime/src`, by name. A test checks that none is missing.
pub const RUNTIME_FILES: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../runtime-src/auth.rs")),
    ("config.rs", include_str!("../runtime-src/config.rs")),
    ("de.rs", include_str!("../runtime-src/de.rs")),
    ("error.rs", include_str!("../runtime-src/error.rs")),
    ("filter.rs", include_str!("../runtime-src/filter.rs")),
    ("hooks.rs", include_str!("../runtime-src/hooks.rs")),
    ("lenient.rs", include_str!("../runtime-src/lenient.rs")),
    ("lib.rs", include_str!("../runtime-src/lib.rs")),
    ("multipart.rs", include_str!("../runtime-src/multipart.rs")),
    ("nullable.rs", include_str!("../runtime-src/nullable.rs")),
    ("paging.rs", include_str!("../runtime-src/paging.rs")),
    ("param.rs", include_str!("../runtime-src/param.rs")),
    ("poll.rs", include_str!("../runtime-src/poll.rs")),
    ("response.rs", include_str!("../runtime-src/response.rs")),
    ("retry.rs", include_str!("../runtime-src/retry.rs")),
    ("ser.rs", include_str!("../runtime-src/ser.rs")),
    ("stringified.rs", include_str!("../runtime-src/stringified.rs")),
    ("token.rs", include_str!("../runtime-src/token.rs")),
    ("transport.rs", include_str!("../runtime-src/transport.rs")),
];

/// The runtime's `[dependencies]`, as a vendored crate must list them. A test checks
/// them against `cargo metadata` for the runtime package, so the two cannot drift.
pub const RUNTIME_DEPENDENCIES: &[(&str, &str)] = &[
    ("bytes", "\"1\""),
    ("chrono", "{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\", \"clock\"] }"),
    ("erased-serde", "\"0.4\""),
    ("futures", "\"0.3\""),
    ("percent-encoding", "\"2\""),
    (
        "reqwest",
        "{ version = \"0.13\", default-features = false, features = [\"rustls\", \"json\", \"query\"] }",
    ),
    ("serde", "{ version = \"1\", features = [\"derive\"] }"),
    ("serde_json", "{ version = \"1\", features = [\"preserve_order\"] }"),
    ("serde_path_to_error", "\"0.1\""),
    ("serde_urlencoded", "\"0.7\""),
    ("thiserror", "\"2\""),
    ("tokio", "{ version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"time\", \"net\"] }"),
    ("tracing", "{ version = \"0.1\", default-features = false, features = [\"std\"] }"),
];

/// The runtime's files as they go into a generated crate: `src/runtime/mod.rs` and its
/// siblings, with the unit tests left out (they need the runtime's dev-dependencies),
/// doc examples naming `crate_ident::runtime`, and the version written in.
pub fn vendored_files(crate_ident: &str) -> Vec<(PathBuf, String)> {
    let header = "// Copied from specwright-runtime by the generator, with the crate's other files.\n\
                  // Do not edit: regenerate instead.\n\n";
    RUNTIME_FILES
        .iter()
        .map(|(name, text)| {
            let file = if *name == "lib.rs" { "mod.rs" } else { name };
            let text = strip_unit_tests(text)
                .replace(&format!("{RUNTIME_LIB}::"), &format!("{crate_ident}::runtime::"))
                .replace("env!(\"CARGO_PKG_VERSION\")", &format!("{RUNTIME_VERSION:?}"));
            (PathBuf::from("src/runtime").join(file), format!("{header}{text}"))
        })
        .collect()
}

/// The file without its `#[cfg(test)] mod tests { … }`: from that line to the first
/// `}` at the start of a line, which closes the module in rustfmt's layout.
fn strip_unit_tests(text: &str) -> String {
    const START: &str = "\n#[cfg(test)]\nmod tests {";
    let Some(at) = text.find(START) else {
        return text.to_owned();
    };
    let end = text[at + START.len()..]
        .find("\n}\n")
        .map_or(text.len(), |close| at + START.len() + close + 3);
    format!("{}{}", &text[..=at], text[end..].trim_start_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_file_is_carried() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime-src");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("runtime-src links to ../runtime/src")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let carried: Vec<&str> = RUNTIME_FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, carried, "add the new runtime file to RUNTIME_FILES");
    }

    #[test]
    fn vendored_copy_has_no_unit_tests_and_names_the_crate() {
        let files = vendored_files("petstore_client");
        assert_eq!(files.len(), RUNTIME_FILES.len());
        assert!(files.iter().any(|(path, _)| path.ends_with("src/runtime/mod.rs")));
        for (path, text) in &files {
            assert!(!text.contains("#[cfg(test)]"), "{} keeps its tests", path.display());
            assert!(!text.contains(RUNTIME_LIB), "{} names the runtime crate", path.display());
            assert!(!text.contains("CARGO_PKG_VERSION"), "{} reads the client's version", path.display());
        }
        let (_, lib) = files.iter().find(|(p, _)| p.ends_with("mod.rs")).expect("mod.rs");
        assert!(lib.contains("petstore_client::runtime::encode_path_segment"));
    }

    #[test]
    fn strips_only_the_trailing_test_module() {
        assert_eq!(strip_unit_tests("fn a() {}\n#[cfg(test)]\nmod tests {\n}\n"), "fn a() {}\n");
        assert_eq!(strip_unit_tests("fn a() {}\n"), "fn a() {}\n");
        assert_eq!(
            strip_unit_tests("fn a() {}\n#[cfg(test)]\nmod tests {\n    fn t() {\n    }\n}\n\nfn b() {}\n"),
            "fn a() {}\nfn b() {}\n"
        );
    }
}
