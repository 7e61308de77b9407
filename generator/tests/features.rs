//! Cargo features per tag, on `tests/fixtures/tags.yaml`: which feature each operation
//! and model compiles with. That every feature builds on its own is checked by
//! `tests/fixtures_compile.rs`, which compiles the fixture's crate once per feature.

use std::path::{Path, PathBuf};

use specwright::Config;
use specwright::ir::{Api, Gate};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tags.yaml")
}

fn api(features: bool) -> (Api, std::collections::BTreeMap<PathBuf, String>) {
    let output = Config::new(fixture()).tag_features(features).generate().expect("generates");
    (output.api, output.files)
}

/// The gate as feature names: `None` for always, `Some([])` for `full` only.
fn names(api: &Api, gate: &Gate) -> Option<Vec<String>> {
    match gate {
        Gate::Always => None,
        Gate::Full => Some(Vec::new()),
        Gate::Any(set) => Some(set.iter().map(|&i| api.features.list[i].name.clone()).collect()),
    }
}

fn of(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|n| (*n).to_owned()).collect())
}

#[test]
fn features_follow_tags() {
    let (api, _) = api(true);
    let list: Vec<(&str, Vec<&str>, usize)> = api
        .features
        .list
        .iter()
        .map(|f| (f.name.as_str(), f.tags.iter().map(String::as_str).collect(), f.operations))
        .collect();
    assert_eq!(
        list,
        [
            ("pets", vec!["Pets"], 3),
            ("legacy", vec!["Legacy"], 1),
            ("owners", vec!["Owners"], 2),
            ("store-orders", vec!["Store Orders", "store-orders"], 2),
            ("full-tag", vec!["full"], 1),
        ]
    );
}

#[test]
fn operations_follow_their_tags() {
    let (api, _) = api(true);
    let op = |name: &str| names(&api, api.features.operation(name));
    assert_eq!(op("get_pet"), of(&["pets"]));
    assert_eq!(op("adopt"), of(&["pets", "owners"]));
    // The continuation of a paging pair is on with its query, whose stream calls it.
    assert_eq!(op("query_more_pets"), of(&["pets", "legacy"]));
    assert_eq!(op("cancel_order"), of(&["store-orders"]));
    assert_eq!(op("health"), None);
}

#[test]
fn models_follow_the_operations_that_reach_them() {
    let (api, _) = api(true);
    let model = |name: &str| names(&api, api.features.model(name));
    assert_eq!(model("PetQuery"), of(&["pets"]));
    assert_eq!(model("PetPage"), of(&["pets", "legacy"]));
    // Reached through other models: Pet from PetPage and Adoption, Kind from Pet.
    assert_eq!(model("Pet"), of(&["pets", "legacy", "owners"]));
    assert_eq!(model("Kind"), of(&["pets", "legacy", "owners"]));
    assert_eq!(model("Address"), of(&["pets", "owners"]));
    assert_eq!(model("Order"), of(&["store-orders"]));
    assert_eq!(model("Health"), None);
    assert_eq!(model("Orphan"), Some(Vec::new()));
}

#[test]
fn the_crate_declares_them() {
    let (_, files) = api(true);
    let toml = &files[Path::new("Cargo.toml")];
    assert!(toml.contains("[features]\ndefault = [\"full\"]\nfull = [\"pets\", \"legacy\", \"owners\", \"store-orders\", \"full-tag\"]\n"), "{toml}");
    let readme = &files[Path::new("README.md")];
    assert!(readme.contains("| `store-orders` | Store Orders, store-orders | 2 |"), "{readme}");
    let models = &files[Path::new("src/models.rs")];
    assert!(models.contains("/// Reached by no operation, so on with `full` only.\n#[cfg(feature = \"full\")]\n"), "{models}");
    let client = &files[Path::new("src/client.rs")];
    assert!(client.contains("#[cfg(any(feature = \"pets\", feature = \"owners\"))]\nimpl Client {"), "{client}");
}

#[test]
fn without_features_everything_is_always_on() {
    let (api, files) = api(false);
    assert!(api.features.list.is_empty());
    assert!(!files[Path::new("Cargo.toml")].contains("[features]"));
    assert!(files.values().all(|text| !text.contains("#[cfg(feature")));
}

#[test]
fn one_tag_is_no_feature() {
    let spec = std::env::temp_dir().join(format!("specwright-one-tag-{}.yaml", std::process::id()));
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    // Every operation under the one tag `Pets`.
    let one: String = text
        .lines()
        .map(|line| match line.trim_start().strip_prefix("tags: [") {
            Some(_) => format!("{}tags: [Pets]", &line[..line.len() - line.trim_start().len()]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&spec, one).expect("write spec");
    let output = Config::new(&spec).generate();
    let _ = std::fs::remove_file(&spec);
    let output = output.expect("generates");
    assert!(output.api.features.list.is_empty());
    assert!(!output.files[Path::new("Cargo.toml")].contains("[features]"));
}
