//! insta snapshots of the generated code: one small fixture spec per concern, and the
//! whole Boomi client. Snapshot changes are reviewed with `cargo insta review`.

use std::path::Path;

use specwright::Config;
use test_support::workspace_root;

/// Generates a fixture in memory with settings that do not depend on the machine.
fn generate(path: &Path) -> specwright::Output {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut config = Config::new(path);
    config
        .spec_display_name(format!("tests/fixtures/{name}"))
        .regenerate_command(format!("specwright tests/fixtures/{name}"))
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
    let output = specwright::preset::boomi(&workspace_root()).generate().expect("the seed spec and overlays generate");
    assert!(output.warnings.is_empty(), "{:#?}", output.warnings);
    for (file, text) in &output.files {
        let name = format!("boomi_{}", file.to_string_lossy().replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, text);
    }
}

/// The second checked-in client: the Boomi API Control Plane, from spec/controlplane.yaml.
#[test]
fn controlplane_client() {
    let output = specwright::preset::controlplane(&workspace_root()).generate().expect("spec/controlplane.yaml generates");
    assert!(output.warnings.is_empty(), "{:#?}", output.warnings);
    assert_eq!(output.api.paged.len(), 3, "the three SimplePage lists page");
    for (file, text) in &output.files {
        let name = format!("controlplane_{}", file.to_string_lossy().replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, text);
    }
}

/// `generator --no-overlays`: the seed spec as it is.
#[test]
fn boomi_seed_only_client() {
    let mut config = specwright::preset::boomi_seed_only(&workspace_root());
    config.regenerate_command("cargo run -p specwright -- --no-overlays");
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
    let first = specwright::preset::boomi(&root).generate().expect("generates").files;
    for _ in 0..3 {
        assert_eq!(specwright::preset::boomi(&root).generate().expect("generates").files, first);
    }
}

/// The runtime modes change only the manifest, `lib.rs` and (vendored) `src/runtime/`;
/// the models, client and filters are the same bytes in every mode.
#[test]
fn runtime_modes() {
    let spec = workspace_root().join("tests/fixtures/filters.yaml");
    let with = |runtime: specwright::Runtime| {
        let mut config = Config::new(&spec);
        config
            .spec_display_name("tests/fixtures/filters.yaml")
            .regenerate_command("specwright tests/fixtures/filters.yaml")
            .crate_name("filters-client")
            .runtime(runtime);
        config.generate().expect("filters.yaml generates").files
    };
    let path = with(specwright::Runtime::Path("../runtime".into()));
    let vendored = with(specwright::Runtime::Vendored);
    let registry = with(specwright::Runtime::registry());
    for file in ["src/models.rs", "src/client.rs", "src/filters.rs"] {
        assert_eq!(path[Path::new(file)], vendored[Path::new(file)], "{file}");
        assert_eq!(path[Path::new(file)], registry[Path::new(file)], "{file}");
    }
    let runtime_files: Vec<_> = vendored.keys().filter(|p| p.starts_with("src/runtime")).collect();
    assert_eq!(runtime_files.len(), specwright::vendor::RUNTIME_FILES.len(), "{runtime_files:?}");
    assert!(!path.keys().any(|p| p.starts_with("src/runtime")));
    insta::assert_snapshot!("vendored_Cargo_toml", vendored[Path::new("Cargo.toml")]);
    insta::assert_snapshot!("vendored_lib_rs", vendored[Path::new("src/lib.rs")]);
    insta::assert_snapshot!("registry_Cargo_toml", registry[Path::new("Cargo.toml")]);
}

/// `Config::generate_module`: the client as one module for a build script.
#[test]
fn build_script_module() {
    let mut config = Config::new(workspace_root().join("tests/fixtures/parameters.yaml"));
    config
        .spec_display_name("tests/fixtures/parameters.yaml")
        .regenerate_command("build.rs");
    let module = config.generate_module().expect("parameters.yaml generates");
    assert!(!module.text.contains("crate::"), "an included module cannot name the crate root");
    assert!(!module.text.contains("#!["), "an included file cannot have inner attributes");
    insta::assert_snapshot!("module_parameters", module.text);
}
