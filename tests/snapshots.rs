//! insta snapshots of the generated code: one small fixture spec per concern, and the
//! whole Boomi client. Snapshot changes are reviewed with `cargo insta review`.

use std::path::Path;

use generator::Config;
use test_support::workspace_root;

/// Generates a fixture in memory with settings that do not depend on the machine.
fn generate(path: &Path) -> generator::Output {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut config = Config::new(path);
    config
        .spec_display_name(format!("tests/fixtures/{name}"))
        .regenerate_command(format!("generator tests/fixtures/{name}"))
        .runtime_path("../runtime");
    match config.generate() {
        Ok(output) => output,
        Err(err) => panic!("{name} does not generate:\n{err}"),
    }
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yaml", |path| {
        let output = generate(path);
        for (file, text) in &output.files {
            let name = file.to_string_lossy().replace(['/', '.'], "_");
            insta::assert_snapshot!(name, text);
        }
        // Warnings are part of the contract: what was skipped, and where.
        let warnings: Vec<String> = output
            .warnings
            .iter()
            .map(|d| format!("{}: {}", if d.pointer.is_empty() { "/" } else { &d.pointer }, d.message))
            .collect();
        insta::assert_snapshot!("warnings", warnings.join("\n"));
    });
}

/// The checked-in client: the seed spec corrected by spec/overlays/.
#[test]
fn boomi_client() {
    let output = Config::boomi(&workspace_root()).generate().expect("the seed spec and overlays generate");
    assert!(output.warnings.is_empty(), "{:#?}", output.warnings);
    for (file, text) in &output.files {
        let name = format!("boomi_{}", file.to_string_lossy().replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, text);
    }
}

/// `generator --no-overlays`: the seed spec as it is.
#[test]
fn boomi_seed_only_client() {
    let mut config = Config::boomi_seed_only(&workspace_root());
    config.regenerate_command("cargo run -p generator -- --no-overlays");
    let output = config.generate().expect("the seed spec generates");
    assert!(output.warnings.is_empty(), "{:#?}", output.warnings);
    for (file, text) in &output.files {
        let name = format!("boomi_seed_only_{}", file.to_string_lossy().replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    let first = Config::boomi(&root).generate().expect("generates").files;
    for _ in 0..3 {
        assert_eq!(Config::boomi(&root).generate().expect("generates").files, first);
    }
}
