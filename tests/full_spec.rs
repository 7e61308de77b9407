//! Boomi's own full spec (382 operations; kept in ../shared, never copied here)
//! generates a crate that passes clippy and, over HTTP on loopback, pages, filters,
//! decodes and retries the way the real API needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use specwright::Config;
use test_support::workspace_root;

fn official_spec() -> PathBuf {
    let path = workspace_root().join("../shared/specs/boomi-official/platformOpenAPISv3.0.3.json");
    assert!(
        path.is_file(),
        "Boomi's full spec is expected at {} (the shared folder beside the checkout)",
        path.display()
    );
    path
}

fn config() -> Config {
    let mut config = Config::new(official_spec());
    config
        .spec_display_name("platformOpenAPISv3.0.3.json")
        .regenerate_command("generator platformOpenAPISv3.0.3.json")
        .crate_name("boomi-full")
        .lenient(true);
    config
}

/// The type an IR type stands for, through aliases of generics.
fn resolve(api: &specwright::ir::Api, ty: &specwright::ir::Type) -> specwright::ir::Type {
    use specwright::ir::{Model, Type};
    match ty {
        Type::Named(name) => match api.model(name) {
            Some(Model::Alias(alias)) => resolve(api, &alias.ty),
            _ => ty.clone(),
        },
        Type::Generic(name, args) => Type::Generic(name.clone(), args.iter().map(|arg| resolve(api, arg)).collect()),
        Type::Array(item) => Type::Array(Box::new(resolve(api, item))),
        Type::Map(value) => Type::Map(Box::new(resolve(api, value))),
        other => other.clone(),
    }
}

/// Generic families make schemas of one shape one type; no two query operations
/// take one type of body, though, or a filter would convert into another object's
/// query. The seed's process schedules and their statuses, and eight of the full
/// spec's objects, have bodies of one shape.
#[test]
fn full_spec_filter_bodies_stay_apart() {
    let seed = specwright::preset::boomi(&workspace_root()).generate().expect("the seed generates");
    let full = config().generate().expect("the full spec generates");
    for output in [seed, full] {
        let api = &output.api;
        let generics = api.models.iter().filter(|m| m.param_count() > 0).count();
        assert!(generics >= 5, "query families are generic ({generics} generics)");
        let mut seen = std::collections::BTreeMap::new();
        for f in &api.filters {
            let ty = resolve(api, &specwright::ir::Type::Named(f.shape.request.clone()));
            if let Some(other) = seen.insert(ty, &f.shape.request) {
                panic!("{} and {} are one type", other, f.shape.request);
            }
        }
    }
}

#[test]
fn full_spec_counts_and_warnings() {
    let output = config().generate().expect("the full spec generates");
    assert_eq!(output.api.operations.len(), 382);
    assert_eq!(output.api.filters.len(), 70, "every /query operation with result objects has a builder");
    assert_eq!(output.api.paging.len(), 70, "every query with a queryMore pages");
    let warnings: Vec<String> = output.warnings.iter().map(|d| format!("{}: {}", d.pointer, d.message)).collect();
    insta::assert_snapshot!("full_spec_warnings", warnings.join("\n"));
}

/// One object's models, its filter builder and its paging methods.
#[test]
fn full_spec_deployed_package_parts() {
    let output = config().generate().expect("generates");
    let file = |name: &str| {
        let text = output.files.get(Path::new(name)).unwrap_or_else(|| panic!("{name} generated"));
        syn::parse_file(text).unwrap_or_else(|e| panic!("{name} parses: {e}"))
    };
    let keep = |ident: &syn::Ident| ident.to_string().starts_with("DeployedPackage");
    let pick = |parsed: syn::File| syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: parsed
            .items
            .into_iter()
            .filter(|item| match item {
                syn::Item::Struct(s) => keep(&s.ident),
                syn::Item::Enum(e) => keep(&e.ident),
                syn::Item::Type(t) => keep(&t.ident),
                syn::Item::Impl(i) => match &*i.self_ty {
                    syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| keep(&s.ident)),
                    _ => false,
                },
                _ => false,
            })
            .collect(),
    };
    insta::assert_snapshot!("full_spec_deployed_package_models", prettyplease::unparse(&pick(file("src/models.rs"))));
    insta::assert_snapshot!("full_spec_deployed_package_filters", prettyplease::unparse(&pick(file("src/filters.rs"))));
    let client = file("src/client.rs");
    let methods: Vec<syn::ImplItem> = client
        .items
        .into_iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i.items),
            _ => None,
        })
        .flatten()
        .filter(|item| matches!(item, syn::ImplItem::Fn(f) if f.sig.ident.to_string().contains("deployed_package")))
        .collect();
    let wrapper: syn::File = syn::parse_quote! { impl Client { #(#methods)* } };
    insta::assert_snapshot!("full_spec_deployed_package_client", prettyplease::unparse(&wrapper));
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .args(args)
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {} failed in the full-spec crate:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn full_spec_crate_passes_clippy_and_its_loopback_tests() {
    let root = workspace_root();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = tmp.join("boomi-full");
    let mut config = config();
    config.out_dir(&out).runtime_path(root.join("runtime").display().to_string()).standalone(true);
    config.write().expect("writes");
    // The loopback tests need a server and a runtime: dev-dependencies, pinned by our lock file.
    let manifest = out.join("Cargo.toml");
    let mut toml = std::fs::read_to_string(&manifest).expect("manifest");
    toml.push_str(
        "\n[dev-dependencies]\naxum = \"0.8\"\nfutures = \"0.3\"\nserde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\"] }\n",
    );
    std::fs::write(&manifest, toml).expect("manifest");
    std::fs::create_dir_all(out.join("tests")).expect("tests dir");
    std::fs::copy(root.join("tests/full_spec/loopback.rs"), out.join("tests/loopback.rs")).expect("loopback tests");
    std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock")).expect("lock");
    let target = tmp.join("boomi-full-target");
    cargo(&out, &target, &["clippy", "--offline", "--all-targets", "--quiet", "--", "-D", "warnings"]);
    cargo(&out, &target, &["test", "--offline", "--quiet"]);
}
