//! The crate around the modules: `Cargo.toml`, `lib.rs` and the crate README.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, SecurityScheme};

/// Settings of the generated crate that do not come from the spec.
#[derive(Debug, Clone)]
pub struct CrateSettings<'a> {
    /// Package name.
    pub name: &'a str,
    /// Path of the runtime crate, as written into `Cargo.toml`.
    pub runtime_path: &'a str,
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
    format!(
        "[package]\nname = {name}\n{note}version = {version}\nedition = \"2024\"\ndescription = {description}\npublish = false\n\n[lib]\ndoctest = true\n\n[dependencies]\nclient-runtime = {{ path = {runtime} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n{workspace}",
        name = toml_string(settings.name),
        version = toml_string(&version),
        description = toml_string(&format!("Client for {description}")),
        runtime = toml_string(settings.runtime_path),
    )
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
    if let Some(extra) = settings.extra_docs {
        out.push('\n');
        out.push_str(extra.trim());
        out.push('\n');
    }
    out
}

/// `lib.rs`.
pub fn lib_rs(api: &Api) -> TokenStream {
    let filters = (!api.filters.is_empty()).then(|| quote!(pub mod filters;));
    quote! {
        #![doc = include_str!("../README.md")]
        // Spec text becomes doc comments; it is not written for rustdoc's or clippy's
        // Markdown lints.
        #![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]
        #![allow(
            clippy::doc_lazy_continuation,
            clippy::doc_overindented_list_items,
            clippy::tabs_in_doc_comments,
            clippy::empty_docs,
            clippy::doc_nested_refdefs
        )]

        mod client;
        #filters
        pub mod models;

        pub use client::Client;
        pub use client_runtime::{ApiError, Config, ConfigError, Error};
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
