//! Stage 3: turn the parsed spec into the IR.
//!
//! Names are made here, through [`crate::naming`] only. Inline schemas become named
//! models after their context (`Parent` + `Property`), in the order they are met, so the
//! output is the same for the same spec. What cannot be represented gets a warning with
//! its pointer and a documented fallback (`serde_json::Value`).
//!
//! One `Lowerer` walks the document; its methods are split by concern: `schemas`
//! (components, inline objects, enums, aliases, the type of any schema), `all_of`,
//! `unions` (`oneOf`/`anyOf`, discriminators), `parameters`, `responses` (request
//! bodies, success types by status, errors) and `operations`. This module holds the
//! walk itself, servers and security schemes, and `$ref` resolution shared by the rest;
//! the submodules see its items through `use super::*`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, Parameter,
    ParameterSchemaOrContent, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    StatusCode, StringFormat, VariantOrUnknownOrEmpty,
};

use crate::diagnostics::{Diagnostics, join};
use crate::ir::{
    Alias, Api, Body, BodyKind, Enum, EnumKind, Field, FloatWidth, IntWidth, Method, Model, Operation,
    Param, ParamLocation, PathPart, QueryStyle, SecurityScheme, Server, ServerVariable, Struct, Success,
    Type, Discriminator, Union, UnionVariant, Variant,
};
use crate::naming::{self, Scope};

mod all_of;
mod dedupe;
mod operations;
mod parameters;
mod responses;
mod schemas;
mod unions;

use all_of::*;
use schemas::*;

/// Type names the generated crate uses itself; spec types must not take them.
pub(crate) const RESERVED_TYPES: &[&str] = &["Client", "Error", "Config", "Result", "Option", "String", "Vec", "Box"];

/// Names of client methods that are not operations.
pub const RESERVED_METHODS: &[&str] = &["new", "config", "transport", "with", "with_timeout", "with_retry"];

/// The catch-all enum variant that keeps values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "UnknownValue";

/// Lowers a parsed document to the IR; `lenient` decodes every field leniently, as
/// [`LENIENT_EXTENSION`] on the root does.
pub fn lower(api: &OpenAPI, raw: &serde_json::Value, lenient: bool, diags: &mut Diagnostics) -> Api {
    let mut lowerer = Lowerer {
        api,
        raw,
        diags,
        models: Vec::new(),
        types: Scope::with_reserved(RESERVED_TYPES),
        components: IndexMap::new(),
        depth: 0,
        lenient: lenient || raw.get(LENIENT_EXTENSION).and_then(serde_json::Value::as_bool).unwrap_or(false),
    };
    lowerer.run()
}

struct Lowerer<'a, 'd> {
    api: &'a OpenAPI,
    /// The document the spec was parsed from, for references that point outside
    /// `components` (`#/paths/~1a/get/responses/401`).
    raw: &'a serde_json::Value,
    diags: &'d mut Diagnostics,
    models: Vec<Model>,
    types: Scope,
    /// Component schema name → Rust type name, claimed before anything is lowered so
    /// that references resolve whatever the order.
    components: IndexMap<String, String>,
    /// How deep inline schemas nest right now; a guard against specs whose inline
    /// schemas expand without end.
    depth: usize,
    /// Whether fields lowered now decode leniently (`x-specwright-lenient`).
    lenient: bool,
}

/// The extension that asks for lenient decoding: `true` on the document root, an
/// object schema or a property; `false` below a `true` turns it off again.
pub const LENIENT_EXTENSION: &str = "x-specwright-lenient";

/// A schema or a reference to one, whichever box it came in.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

/// Properties as `openapiv3` holds them.
type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl<'a> Lowerer<'a, '_> {
    fn run(&mut self) -> Api {
        let api = self.api;
        if let Some(components) = &api.components {
            for name in components.schemas.keys() {
                let rust = self.types.claim(naming::type_name(name));
                self.components.insert(name.clone(), rust);
            }
            for (name, schema) in &components.schemas {
                let pointer = join("/components/schemas", name);
                let rust = self.components[name].clone();
                self.lower_component(&rust, schema.into(), &pointer);
            }
            self.break_alias_cycles();
        }
        let mut operations = self.lower_operations();
        self.order_unions();
        let components: BTreeSet<String> = self.components.values().cloned().collect();
        dedupe::dedupe_inline(&mut self.models, &mut operations, &components);
        let security = self.lower_security();
        let server = self.lower_server();
        let mut api = Api {
            title: api.info.title.clone(),
            description: api.info.description.clone(),
            version: api.info.version.clone(),
            server,
            models: std::mem::take(&mut self.models),
            operations,
            filters: Vec::new(),
            paging: Vec::new(),
            paged: Vec::new(),
            security,
            features: Default::default(),
            model_index: Default::default(),
            alias_references: Default::default(),
        };
        api.reindex();
        api
    }

    fn lower_server(&mut self) -> Server {
        let Some(server) = self.api.servers.first() else {
            self.diags.warning(
                "/servers",
                "no server is declared; the client needs a base URL at run time (`Config::base_url`)",
            );
            return Server {
                url: String::new(),
                variables: Vec::new(),
            };
        };
        if self.api.servers.len() > 1 {
            self.diags.warning(
                "/servers/1",
                "only the first server is the default; pass others with `Config::base_url`",
            );
        }
        let mut scope = Scope::new();
        let mut variables = Vec::new();
        for wire in template_names(&server.url) {
            let var = server.variables.as_ref().and_then(|v| v.get(&wire));
            if variables.iter().any(|v: &ServerVariable| v.wire == wire) {
                continue;
            }
            variables.push(ServerVariable {
                rust: scope.claim(naming::snake(&wire, "variable")),
                default: var.map(|v| v.default.clone()),
                doc: var.and_then(|v| v.description.clone()),
                wire,
            });
        }
        Server {
            url: server.url.clone(),
            variables,
        }
    }

    fn lower_security(&mut self) -> Vec<SecurityScheme> {
        let mut out = Vec::new();
        let Some(components) = &self.api.components else {
            return out;
        };
        for (name, scheme) in &components.security_schemes {
            let pointer = join("/components/securitySchemes", name);
            let ReferenceOr::Item(scheme) = scheme else {
                self.diags
                    .warning(pointer, "a referenced security scheme is not supported; ignored");
                continue;
            };
            let lowered = match scheme {
                openapiv3::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                    SecurityScheme::Basic
                }
                openapiv3::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                    SecurityScheme::Bearer
                }
                openapiv3::SecurityScheme::APIKey { location, name, .. } => SecurityScheme::ApiKey {
                    location: match location {
                        openapiv3::APIKeyLocation::Query => ParamLocation::Query,
                        openapiv3::APIKeyLocation::Header => ParamLocation::Header,
                        openapiv3::APIKeyLocation::Cookie => ParamLocation::Cookie,
                    },
                    name: name.clone(),
                },
                _ => {
                    self.diags.warning(
                        pointer,
                        "OAuth2, OpenID Connect and other HTTP schemes are sent as a bearer token obtained by the caller",
                    );
                    SecurityScheme::Bearer
                }
            };
            if !out.contains(&lowered) {
                out.push(lowered);
            }
        }
        out
    }

    // ----- schemas -----

    // ----- operations -----

    /// A parameter, response or request body, following `$ref`s: to `components`
    /// directly, and to any other place in the document (`#/paths/...`) by pointer.
    fn resolve<T: Clone + serde::de::DeserializeOwned>(
        &mut self,
        item: &'a ReferenceOr<T>,
        components: fn(&'a openapiv3::Components) -> &'a IndexMap<String, ReferenceOr<T>>,
        what: &str,
        pointer: &str,
    ) -> Option<(Cow<'a, T>, String)> {
        let mut reference = match item {
            ReferenceOr::Item(t) => return Some((Cow::Borrowed(t), pointer.to_owned())),
            ReferenceOr::Reference { reference } => reference.clone(),
        };
        for _ in 0..8 {
            let Some(fragment) = reference.strip_prefix('#') else { break };
            let target = crate::check::percent_decode(fragment);
            let api = self.api;
            let component = target
                .rsplit_once('/')
                .filter(|(parent, _)| parent.starts_with("/components/") && !parent["/components/".len()..].contains('/'))
                .and_then(|(_, name)| components(api.components.as_ref()?).get(&name.replace("~1", "/").replace("~0", "~")));
            if let Some(ReferenceOr::Item(t)) = component {
                return Some((Cow::Borrowed(t), target));
            }
            let parsed = self
                .raw
                .pointer(&target)
                .and_then(|value| serde_json::from_value::<ReferenceOr<T>>(value.clone()).ok());
            match parsed {
                Some(ReferenceOr::Item(t)) => return Some((Cow::Owned(t), target)),
                Some(ReferenceOr::Reference { reference: next }) => reference = next,
                None => break,
            }
        }
        self.diags.error(
            pointer,
            format!("`$ref: {reference}` does not point to a valid {what} in this document; fix the reference"),
        );
        None
    }

}

/// `{name}` placeholders of a template, in order.
fn template_names(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}

fn doc_of(schema: &Schema) -> Option<String> {
    join_doc(schema.schema_data.title.as_deref(), schema.schema_data.description.as_deref())
}

/// Summary and description, the summary first unless the description repeats it.
fn join_doc(summary: Option<&str>, description: Option<&str>) -> Option<String> {
    let summary = summary.map(str::trim).filter(|s| !s.is_empty());
    let description = description.map(str::trim).filter(|s| !s.is_empty());
    match (summary, description) {
        (Some(s), Some(d)) if d.starts_with(s) => Some(d.to_owned()),
        (Some(s), Some(d)) => Some(format!("{s}\n\n{d}")),
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use super::*;

    /// Lowers a document given as text.
    pub(crate) fn lower_text(text: &str) -> (Api, Diagnostics) {
        let mut diags = Diagnostics::new("t.json");
        let raw = crate::load::parse_document(text, std::path::Path::new("t.json"), &mut diags).expect("parses");
        let loaded = crate::load::load_value(raw, &mut diags).expect("loads");
        let api = lower(&loaded.api, &loaded.raw, false, &mut diags);
        (api, diags)
    }

    /// Lowers a document with these paths and component schemas.
    pub(crate) fn lower_parts(paths: serde_json::Value, schemas: serde_json::Value) -> (Api, Diagnostics) {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": paths,
            "components": { "schemas": schemas },
        });
        lower_text(&doc.to_string())
    }

    /// The model named `name`.
    pub(crate) fn model<'a>(api: &'a Api, name: &str) -> &'a Model {
        api.models.iter().find(|m| m.name() == name).unwrap_or_else(|| {
            panic!("no model {name}; there are {:?}", api.models.iter().map(Model::name).collect::<Vec<_>>())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::lower_text;
    use super::*;

    /// The fuzzer's chain of 5,000 components, each only a `$ref` to the next and the
    /// last back to the first: the first version of the cycle check followed every
    /// chain from every alias and took half a minute on it.
    #[test]
    fn a_long_reference_cycle_is_found_in_linear_time() {
        let length = 5_000;
        let mut schemas = serde_json::Map::new();
        for i in 0..length {
            let next = (i + 1) % length;
            schemas.insert(format!("Chain{i}"), serde_json::json!({ "$ref": format!("#/components/schemas/Chain{next}") }));
        }
        schemas.insert("Outside".into(), serde_json::json!({ "$ref": "#/components/schemas/Chain0" }));
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "schemas": schemas },
        });
        let start = std::time::Instant::now();
        let (api, diags) = lower_text(&doc.to_string());
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "took {:?}", start.elapsed());
        let json_aliases = api.models.iter().filter(|m| matches!(m, Model::Alias(a) if a.ty == Type::Json)).count();
        assert_eq!(json_aliases, length, "every link of the cycle, and only those");
        let warned = diags.as_slice().iter().filter(|d| d.message.contains("refers back to itself")).count();
        assert_eq!(warned, length);
        assert!(api.models.iter().any(|m| matches!(m, Model::Alias(a) if a.name == "Outside" && a.ty == Type::Named("Chain0".into()))));
    }
}
