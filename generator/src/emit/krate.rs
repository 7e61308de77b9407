//! The crate around the modules: `Cargo.toml`, `lib.rs` and the crate README.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, SecurityScheme};

/// How a generated crate reaches the runtime (config, auth, retries, paging). Every
/// mode gives the crate the same public API: the runtime is `<crate>::runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// The runtime's source copied into the crate as its `runtime` module, so the crate
    /// depends only on crates.io packages and builds wherever it is moved.
    Vendored,
    /// A registry dependency, `specwright-runtime = "<version>"`.
    Registry {
        /// The version requirement.
        version: String,
    },
    /// A path dependency on the runtime crate (this workspace's own clients); the path
    /// is written as given, relative to the generated crate.
    Path(String),
}

impl Default for Runtime {
    /// [`Runtime::Vendored`]: a crate that builds anywhere.
    fn default() -> Self {
        Runtime::Vendored
    }
}

impl Runtime {
    /// A registry dependency on the runtime of this generator's own version.
    pub fn registry() -> Self {
        Runtime::Registry { version: crate::vendor::RUNTIME_VERSION.to_owned() }
    }
}

/// Settings of the generated crate that do not come from the spec.
#[derive(Debug, Clone)]
pub struct CrateSettings<'a> {
    /// Package name.
    pub name: &'a str,
    /// How the crate reaches the runtime.
    pub runtime: &'a Runtime,
    /// Extra Markdown for the crate docs (a usage tour with examples).
    pub extra_docs: Option<&'a str>,
    /// Whether to add an empty `[workspace]` so the crate builds on its own.
    pub standalone: bool,
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `info.version` if it is a semantic version cargo accepts, else `None`.
fn semver(version: &str) -> Option<String> {
    let v = version.trim().trim_start_matches(['v', 'V']);
    let (core, pre) = match v.split_once(['-', '+']) {
        Some((core, _)) => (core, true),
        None => (v, false),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.len() <= 9 && p.chars().all(|c| c.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0'));
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(numeric) {
        return None;
    }
    if pre {
        // Pre-release and build tags have their own grammar; only plain versions are copied.
        return None;
    }
    let mut parts: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
    while parts.len() < 3 {
        parts.push("0".into());
    }
    Some(parts.join("."))
}

/// `Cargo.toml` (the header line is added by the caller).
pub fn cargo_toml(api: &Api, settings: &CrateSettings<'_>) -> String {
    let (version, note) = match semver(&api.version) {
        Some(v) => (v, String::new()),
        None => (
            "0.1.0".to_owned(),
            format!(
                "# info.version {} is not a semantic version; the crate version is 0.1.0.\n",
                toml_string(&api.version)
            ),
        ),
    };
    let mut description = api.title.trim().to_owned();
    if description.is_empty() {
        description = "Generated API client".into();
    }
    let workspace = if settings.standalone { "\n[workspace]\n" } else { "" };
    let serde = "serde = { version = \"1\", features = [\"derive\"] }\n";
    let dependencies = match settings.runtime {
        Runtime::Vendored => {
            let mut lines = String::from("# The runtime's own dependencies: its source is in src/runtime/.\n");
            for (name, spec) in crate::vendor::RUNTIME_DEPENDENCIES {
                lines.push_str(&format!("{name} = {spec}\n"));
            }
            lines
        }
        Runtime::Registry { version } => format!(
            "{} = {}\n{serde}",
            crate::vendor::RUNTIME_PACKAGE,
            toml_string(version)
        ),
        Runtime::Path(path) => format!(
            "{} = {{ path = {} }}\n{serde}",
            crate::vendor::RUNTIME_PACKAGE,
            toml_string(path)
        ),
    };
    format!(
        "[package]\nname = {name}\n{note}version = {version}\nedition = \"2024\"\ndescription = {description}\npublish = false\n\n[lib]\ndoctest = true\n\n{features}[dependencies]\n{dependencies}{workspace}",
        features = features_table(api),
        name = toml_string(settings.name),
        version = toml_string(&version),
        description = toml_string(&format!("Client for {description}")),
    )
}

/// The `[features]` table: `full` (the default) and one feature per tag.
fn features_table(api: &Api) -> String {
    let list = &api.features.list;
    if list.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "# A feature per tag of the spec. With `default-features = false`, enable the tags you\n\
         # call: their operations and the models they reach compile, and nothing else.\n\
         [features]\ndefault = [\"full\"]\nfull = [",
    );
    out.push_str(&list.iter().map(|f| toml_string(&f.name)).collect::<Vec<_>>().join(", "));
    out.push_str("]\n");
    for feature in list {
        out.push_str(&format!("{} = []\n", feature.name));
    }
    if list.len() > crate::features::CRATES_IO_LIMIT {
        out.push_str(&format!(
            "# {} features: crates.io accepts at most {}, so publishing needs `--no-features`.\n",
            list.len(),
            crate::features::CRATES_IO_LIMIT
        ));
    }
    out.push('\n');
    out
}

/// The README's section on Cargo features, naming each with its tags.
fn features_section(api: &Api, name: &str) -> String {
    let list = &api.features.list;
    if list.is_empty() {
        return String::new();
    }
    let example = &list[0].name;
    let mut out = format!(
        "\n## Cargo features\n\n\
         Each tag of the spec is a Cargo feature; `full`, the default, enables them all. A \
         program that calls a few tags builds faster with only those: their operations \
         compile, with the models they reach, and nothing else.\n\n\
         ```toml\n[dependencies]\n{name} = {{ path = \"…\", default-features = false, features = [\"{example}\"] }}\n```\n\n\
         | feature | tags | operations |\n|---|---|---|\n"
    );
    for feature in list {
        let tags: Vec<String> = feature.tags.iter().map(|t| t.replace('|', "\\|").replace('\n', " ")).collect();
        out.push_str(&format!("| `{}` | {} | {} |\n", feature.name, tags.join(", "), feature.operations));
    }
    out
}

/// The crate README, which is also the crate-level documentation.
pub fn readme(api: &Api, settings: &CrateSettings<'_>) -> String {
    let mut out = format!("# {}\n\n", api.title.trim());
    if let Some(description) = &api.description {
        out.push_str(super::markdown_lines(description.trim()).join("\n").trim());
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "A typed async client for version `{}` of this API, generated from its OpenAPI document.\n",
        api.version.replace('`', "'")
    ));
    let auth: Vec<String> = api
        .security
        .iter()
        .map(|s| match s {
            SecurityScheme::Basic => "HTTP basic (`Config::basic_auth`)".to_owned(),
            SecurityScheme::Bearer => "bearer token (`Config::bearer_auth`)".to_owned(),
            SecurityScheme::ApiKey { location, name } => {
                let name = name.replace('`', "'");
                match location {
                    crate::ir::ParamLocation::Query => format!("API key in query parameter `{name}` (`Config::api_key_query(\"{name}\", key)`)"),
                    _ => format!("API key in header `{name}` (`Config::api_key_header(\"{name}\", key)`)"),
                }
            }
        })
        .collect();
    if !auth.is_empty() {
        out.push_str(&format!("\nAuthentication: {}.\n", auth.join(", ")));
    }
    out.push_str(&features_section(api, settings.name));
    if settings.extra_docs.is_some() {
        out.push_str("\nA tour of the client, with examples: [TOUR.md](TOUR.md), also part of the crate docs.\n");
    }
    out
}

/// `TOUR.md`: the extra docs (a usage tour), if any. A file of its own rather than part
/// of the README because its examples are doctests that need every operation: the
/// crate docs include it only with the `full` feature, so a build with one tag's
/// feature still passes its doctests.
pub fn tour(settings: &CrateSettings<'_>) -> Option<String> {
    settings.extra_docs.map(|extra| format!("{}\n", extra.trim()))
}

/// The lints that spec text, which becomes doc comments, was not written for.
fn doc_lint_allows() -> TokenStream {
    quote! {
        rustdoc::bare_urls,
        rustdoc::invalid_html_tags,
        rustdoc::broken_intra_doc_links,
        clippy::doc_lazy_continuation,
        clippy::doc_overindented_list_items,
        clippy::tabs_in_doc_comments,
        clippy::empty_docs,
        clippy::doc_nested_refdefs
    }
}

/// The runtime as the crate's `runtime` item, and the names re-exported from it.
fn runtime_items(runtime: &Runtime) -> TokenStream {
    let runtime_item = match runtime {
        Runtime::Vendored => quote! {
            /// The runtime this client is built on (vendored: its source is in
            /// `src/runtime/`): retry policy, error types, and the `futures`,
            /// `serde_json`, `chrono` and `reqwest` versions it uses.
            #[rustfmt::skip]
            pub mod runtime;
        },
        Runtime::Registry { .. } | Runtime::Path(_) => quote! {
            /// The runtime this client is built on: retry policy, error types, and the
            /// `futures`, `serde_json`, `chrono` and `reqwest` versions it uses.
            pub use ::specwright_runtime as runtime;
        },
    };
    quote! {
        #runtime_item
        pub use runtime::{ApiError, Config, ConfigError, Error};
    }
}

/// `lib.rs`. With a tour (`TOUR.md`), the crate docs include it after the README,
/// only with the `full` feature where the crate has features.
pub fn lib_rs(api: &Api, runtime: &Runtime, tour: bool) -> TokenStream {
    let filters = (!api.filters.is_empty()).then(|| quote!(#[rustfmt::skip] pub mod filters;));
    let allows = doc_lint_allows();
    let runtime = runtime_items(runtime);
    let tour = tour.then(|| {
        if api.features.list.is_empty() {
            quote!(#![doc = include_str!("../TOUR.md")])
        } else {
            quote!(#![cfg_attr(feature = "full", doc = include_str!("../TOUR.md"))])
        }
    });
    quote! {
        #![doc = include_str!("../README.md")]
        #tour
        #![allow(#allows)]
        // Printed by the generator, not rustfmt: `cargo fmt` in a workspace that holds
        // the crate leaves its files as they are, so `cargo fmt --check` passes and a
        // regenerated crate diffs only where the spec changed.
        #![cfg_attr(rustfmt, rustfmt::skip)]

        #[rustfmt::skip]
        mod client;
        #filters
        #[rustfmt::skip]
        pub mod models;

        pub use client::Client;
        #runtime
    }
}

/// The whole client as one module's items, for a build script to write into `OUT_DIR`
/// and a crate to `include!`: no inner attributes (an included file cannot have them)
/// and no `crate::` paths (the items may sit at any depth of the including crate).
pub fn module_rs(models: TokenStream, client: TokenStream, filters: Option<TokenStream>) -> TokenStream {
    let allows = doc_lint_allows();
    let runtime = runtime_items(&Runtime::Path(String::new()));
    let filters = filters.map(|tokens| {
        quote! {
            #[allow(#allows)]
            pub mod filters { #tokens }
        }
    });
    quote! {
        #[allow(#allows)]
        mod client { #client }
        #filters
        #[allow(#allows)]
        pub mod models { #models }

        pub use client::Client;
        #runtime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(semver("1.0.0").as_deref(), Some("1.0.0"));
        assert_eq!(semver("1.0").as_deref(), Some("1.0.0"));
        assert_eq!(semver("v2").as_deref(), Some("2.0.0"));
        assert_eq!(semver("2021-03-01"), None);
        assert_eq!(semver("1.0.0-beta"), None);
        assert_eq!(semver("01.2.3"), None);
        assert_eq!(semver(""), None);
    }

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }
}
