//! Every fixture's generated crate compiles, with clippy's default lints as errors:
//! the snapshots are compared as text elsewhere; here they must also be valid Rust.

use std::path::Path;
use std::process::Command;

use specwright::Config;
use test_support::workspace_root;

#[test]
fn fixture_crates_pass_clippy() {
    let root = workspace_root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-crates");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let runtime = root.join("runtime");

    let mut members = Vec::new();
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 6, "fixtures missing: {fixtures:?}");
    // A usage tour for the crate of tags.yaml, whose example needs the pets feature.
    let tour = scratch.join("tags-tour.md");
    std::fs::write(
        &tour,
        "## Tour\n\n```rust,no_run\n# async fn run(client: fixture_tags::Client) {\nlet _ = client.get_pet(\"42\").await;\n# }\n```\n",
    )
    .expect("tour");
    for spec in &fixtures {
        let stem = spec.file_stem().unwrap_or_default().to_string_lossy().replace('_', "-");
        let out = scratch.join(&stem);
        let mut config = Config::new(spec);
        config
            .crate_name(format!("fixture-{stem}"))
            .out_dir(&out)
            .runtime_path(runtime.display().to_string());
        if stem == "tags" {
            config.crate_docs(&tour);
        }
        if let Err(err) = config.write() {
            panic!("{}: {err}", spec.display());
        }
        members.push(format!("{stem:?}"));
    }
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .expect("workspace manifest");
    // The workspace's lock file pins the same dependency versions, so this builds offline.
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).expect("lock file");

    let output = cargo(&scratch)
        .args(["clippy", "--workspace", "--all-targets", "--offline", "--quiet", "--", "-D", "warnings"])
        .output()
        .expect("run cargo clippy");
    assert!(
        output.status.success(),
        "generated fixture crates do not pass clippy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The generated files are marked for rustfmt to skip: a workspace holding a
    // generated crate keeps passing `cargo fmt --check`.
    let output = cargo(&scratch)
        .args(["fmt", "--check"])
        .args(fixtures.iter().flat_map(|spec| {
            let stem = spec.file_stem().unwrap_or_default().to_string_lossy().replace('_', "-");
            ["-p".to_owned(), format!("fixture-{stem}")]
        }))
        .output()
        .expect("run cargo fmt (rustup component add rustfmt)");
    assert!(
        output.status.success(),
        "cargo fmt --check would reformat generated crates:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    features_build_alone(&scratch);
    generic_aliases_follow_their_features(&scratch);
    tour_doctests_need_full(&scratch);

    // Behaviour, not only compilation: decoding tests run inside fixture crates.
    for (stem, test, dev_dependencies) in [
        ("unions", "unions.rs", "serde_json = \"1\"\n"),
        ("generics", "generics.rs", "serde_json = \"1\"\n"),
        ("paging", "paging.rs", "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n"),
        ("statuses", "statuses.rs", "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n"),
        (
            "fields",
            "fields.rs",
            "serde = \"1\"\nserde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
        ),
    ] {
        let dir = scratch.join(stem);
        let manifest = dir.join("Cargo.toml");
        let mut toml = std::fs::read_to_string(&manifest).expect("manifest");
        toml.push_str(&format!("\n[dev-dependencies]\n{dev_dependencies}"));
        std::fs::write(&manifest, toml).expect("manifest");
        std::fs::create_dir_all(dir.join("tests")).expect("tests dir");
        std::fs::copy(root.join("tests/fixture_tests").join(test), dir.join("tests").join(test)).expect("copy test");
        let output = cargo(&scratch)
            .args(["test", "--offline", "--quiet", "-p", &format!("fixture-{stem}")])
            .output()
            .expect("run cargo test");
        assert!(
            output.status.success(),
            "the tests inside fixture-{stem} fail:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// `cargo` in the fixture workspace, with its own target directory.
fn cargo(scratch: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"));
    command
}

/// `cargo check` of a fixture crate without its default features; the status and stderr.
fn check(scratch: &Path, package: &str, args: &[&str]) -> (bool, String) {
    let output = cargo(scratch)
        .args(["check", "--offline", "--quiet", "-p", package, "--no-default-features"])
        .args(args)
        .output()
        .expect("run cargo check");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The crate of `generics.yaml` builds with each tag's feature alone: a generic
/// compiles with any feature of its aliases, and an alias with the features that
/// reached its schema, also one its generics no longer name (a filter's group, which
/// the filter names through the generic; a shape's point, now a `Point`).
fn generic_aliases_follow_their_features(scratch: &Path) {
    let dir = scratch.join("generics");
    std::fs::create_dir_all(dir.join("examples")).expect("examples dir");
    std::fs::write(
        dir.join("examples/group.rs"),
        "fn main() {\n    let _: Option<fixture_generics::models::UserGroup> = None;\n    let _ = fixture_generics::models::UserPage::default();\n}\n",
    )
    .expect("example");
    for features in ["", "pets", "users", "orders", "tags", "reports", "shapes", "full"] {
        let (ok, stderr) = check(scratch, "fixture-generics", &["--features", features]);
        assert!(ok && !stderr.contains("warning"), "fixture-generics with features [{features}]:\n{stderr}");
    }
    let (ok, stderr) = check(scratch, "fixture-generics", &["--features", "users", "--example", "group"]);
    assert!(ok, "UserGroup and UserPage with the users feature:\n{stderr}");
    // V1Shape's points are `Point`s, which V1Point names: on with V1Shape's feature.
    std::fs::write(dir.join("examples/point.rs"), "fn main() {\n    let _: Option<fixture_generics::models::V1Point> = None;\n}\n")
        .expect("example");
    let (ok, stderr) = check(scratch, "fixture-generics", &["--features", "shapes", "--example", "point"]);
    assert!(ok, "V1Point with the shapes feature:\n{stderr}");
    let (ok, stderr) = check(scratch, "fixture-generics", &["--features", "pets", "--example", "group"]);
    assert!(!ok && stderr.contains("UserGroup"), "UserGroup is compiled without a feature that reaches it:\n{stderr}");
    std::fs::remove_dir_all(dir.join("examples")).expect("remove example");
}

/// The tour's doctest runs with `full` and is left out with one tag's feature (where
/// it could not compile), so `cargo test` passes on any feature set.
fn tour_doctests_need_full(scratch: &Path) {
    for (features, tests) in [("full", 1), ("owners", 0)] {
        let output = cargo(scratch)
            .args(["test", "--offline", "--doc", "-p", "fixture-tags", "--no-default-features", "--features", features])
            .output()
            .expect("run cargo test --doc");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(&format!("test result: ok. {tests} passed")),
            "fixture-tags doctests with features [{features}]:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The crate of `tags.yaml` builds with no feature, with each alone and with `full`,
/// without a warning; and a feature leaves out the models only other tags reach.
fn features_build_alone(scratch: &Path) {
    for features in ["", "pets", "legacy", "owners", "store-orders", "full-tag", "full"] {
        let (ok, stderr) = check(scratch, "fixture-tags", &["--features", features]);
        assert!(ok && !stderr.contains("warning"), "fixture-tags with features [{features}]:\n{stderr}");
    }
    let dir = scratch.join("tags");
    std::fs::create_dir_all(dir.join("examples")).expect("examples dir");
    std::fs::write(
        dir.join("examples/owner.rs"),
        "fn main() {\n    let _ = fixture_tags::models::Owner::default();\n}\n",
    )
    .expect("example");
    let (ok, stderr) = check(scratch, "fixture-tags", &["--features", "owners", "--example", "owner"]);
    assert!(ok, "Owner with the owners feature:\n{stderr}");
    let (ok, stderr) = check(scratch, "fixture-tags", &["--features", "store-orders", "--example", "owner"]);
    assert!(!ok && stderr.contains("Owner"), "Owner is compiled without a feature that reaches it:\n{stderr}");
    std::fs::remove_dir_all(dir.join("examples")).expect("remove example");
}
