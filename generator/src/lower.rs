//! Stage 3: turn the parsed spec into the IR.
//!
//! Names are made here, through [`crate::naming`] only. Inline schemas become named
//! models after their context (`Parent` + `Property`), in the order they are met, so the
//! output is the same for the same spec. What cannot be represented gets a warning with
//! its pointer and a documented fallback (`serde_json::Value`).

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

/// Type names the generated crate uses itself; spec types must not take them.
const RESERVED_TYPES: &[&str] = &["Client", "Error", "Config", "Result", "Option", "String", "Vec", "Box"];

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

fn lenient_extension(schema: &Schema) -> Option<bool> {
    schema.schema_data.extensions.get(LENIENT_EXTENSION).and_then(serde_json::Value::as_bool)
}

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

/// The object parts of an `allOf`, merged.
#[derive(Default)]
struct Merged {
    properties: Properties,
    required: Vec<String>,
    additional: Option<AdditionalProperties>,
}

/// The reference in an `allOf` whose other parts only annotate (no type, properties or
/// constraints that change the shape).
fn annotated_reference(schema: &Schema) -> Option<&str> {
    let parts = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(any)
            if any.properties.is_empty() && any.typ.is_none() && any.one_of.is_empty() && any.any_of.is_empty() =>
        {
            &any.all_of
        }
        _ => return None,
    };
    let mut reference = None;
    for part in parts {
        match part {
            ReferenceOr::Reference { reference: r } if reference.is_none() => reference = Some(r.as_str()),
            ReferenceOr::Item(item) if is_annotation(item) => {}
            _ => return None,
        }
    }
    reference
}

/// The description an `allOf` annotation part gives a reference.
fn annotation_doc(schema: &Schema) -> Option<String> {
    annotated_reference(schema)?;
    let SchemaKind::AllOf { all_of: parts } = &schema.schema_kind else { return None };
    parts.iter().find_map(|part| match part {
        ReferenceOr::Item(item) => doc_of(item),
        ReferenceOr::Reference { .. } => None,
    })
}

/// A schema with nothing but annotations (`description`, `title`, `example`...).
fn is_annotation(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
}

/// Whether a schema is (or has) an `allOf`, possibly beside `type: object`.
fn has_all_of(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of.len() > 1,
        SchemaKind::Any(any) => !any.all_of.is_empty(),
        _ => false,
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
        let operations = self.lower_operations();
        self.order_unions();
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

    /// A component that is nothing but a reference back to itself (directly, through
    /// other such components, or through arrays and maps of them) with no object, enum
    /// or union on the way is no Rust type alias: `type A = A;` and `type A = Vec<A>;`
    /// do not compile. Each alias on such a cycle becomes any
    /// JSON (`serde_json::Value`), with a warning at its component.
    fn break_alias_cycles(&mut self) {
        // An alias's type names at most one model (`Type` nests one level at a time), so
        // the aliases form a graph of out-degree one: following each alias once finds
        // every cycle in linear time, whatever the length of the chains.
        let target = |ty: &Type| -> Option<String> {
            let mut ty = ty;
            loop {
                match ty {
                    Type::Named(name) => return Some(name.clone()),
                    Type::Array(inner) | Type::Map(inner) => ty = inner,
                    _ => return None,
                }
            }
        };
        let next: BTreeMap<String, Option<String>> = self
            .models
            .iter()
            .filter_map(|m| match m {
                Model::Alias(a) => Some((a.name.clone(), target(&a.ty))),
                _ => None,
            })
            .collect();
        let mut walked: BTreeMap<&str, usize> = BTreeMap::new();
        let mut cyclic: BTreeSet<String> = BTreeSet::new();
        for (walk, start) in next.keys().enumerate() {
            let mut path: Vec<&str> = Vec::new();
            let mut at = Some(start.as_str());
            while let Some(name) = at.filter(|name| next.contains_key(*name)) {
                if let Some(&seen) = walked.get(name) {
                    // Back on this walk: from there on, the walk is a cycle.
                    if seen == walk
                        && let Some(from) = path.iter().position(|p| *p == name)
                    {
                        cyclic.extend(path[from..].iter().map(|p| (*p).to_owned()));
                    }
                    break;
                }
                walked.insert(name, walk);
                path.push(name);
                at = next.get(name).and_then(Option::as_deref);
            }
        }
        if cyclic.is_empty() {
            return;
        }
        let wire_of: BTreeMap<&str, &str> =
            self.components.iter().map(|(wire, rust)| (rust.as_str(), wire.as_str())).collect();
        for model in &mut self.models {
            let Model::Alias(alias) = model else { continue };
            if !cyclic.contains(&alias.name) {
                continue;
            }
            alias.ty = Type::Json;
            self.diags.warning(
                wire_of.get(alias.name.as_str()).map(|wire| join("/components/schemas", wire)).unwrap_or_default(),
                "this schema refers back to itself only through references, arrays or maps, with no object on the way, which no Rust type alias can express; it is read as any JSON (serde_json::Value)",
            );
        }
    }

    fn lower_component(&mut self, rust: &str, schema: SchemaRef<'_>, pointer: &str) {
        match schema {
            SchemaRef::Ref(reference) => {
                let ty = self.reference_type(reference, pointer);
                self.models.push(Model::Alias(Alias {
                    name: rust.to_owned(),
                    doc: None,
                    ty,
                }));
            }
            SchemaRef::Item(schema) => {
                if !self.define(rust, schema, pointer) {
                    let ty = self.type_of(SchemaRef::Item(schema), rust, pointer);
                    self.models.push(Model::Alias(Alias {
                        name: rust.to_owned(),
                        doc: doc_of(schema),
                        ty,
                    }));
                }
            }
        }
    }

    /// Defines `schema` as a named struct or enum called `name` if it is one;
    /// returns false for schemas that are better an alias or a plain type.
    fn define(&mut self, name: &str, schema: &Schema, pointer: &str) -> bool {
        match &schema.schema_kind {
            SchemaKind::Type(openapiv3::Type::String(s)) if !s.enumeration.is_empty() => {
                let values = s.enumeration.iter().flatten().cloned().collect::<Vec<_>>();
                self.define_enum(name, doc_of(schema), &values);
                true
            }
            SchemaKind::Type(openapiv3::Type::Integer(i)) if !i.enumeration.is_empty() => {
                let values = i.enumeration.iter().flatten().copied().collect::<Vec<_>>();
                self.define_integer_enum(name, schema, &values);
                true
            }
            SchemaKind::Type(openapiv3::Type::Object(object)) if !object.properties.is_empty() => {
                self.define_struct(name, schema, &object.properties, &object.required, object.additional_properties.as_ref(), pointer);
                true
            }
            // `oneOf` beside `properties` (seen in Boomi's spec): the alternatives are
            // the real shapes; the sibling properties are dropped with a warning.
            SchemaKind::Any(any) if any.one_of.len() > 1 || any.any_of.len() > 1 => {
                let (alternatives, keyword) = if any.one_of.len() > 1 { (&any.one_of, "oneOf") } else { (&any.any_of, "anyOf") };
                if !any.properties.is_empty() {
                    self.diags.warning(
                        pointer,
                        format!("`properties` beside `{keyword}` are ignored; the type is one of the `{keyword}` alternatives"),
                    );
                }
                self.define_union(name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                true
            }
            SchemaKind::AllOf { .. } | SchemaKind::Any(_) if has_all_of(schema) => {
                let mut merged = Merged::default();
                if self.merge_all_of(SchemaRef::Item(schema), &mut merged, 0) {
                    self.define_struct(name, schema, &merged.properties, &merged.required, merged.additional.as_ref(), pointer);
                    true
                } else {
                    false
                }
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                self.define_struct(name, schema, &any.properties, &any.required, any.additional_properties.as_ref(), pointer);
                true
            }
            SchemaKind::OneOf { one_of: alternatives } | SchemaKind::AnyOf { any_of: alternatives } if alternatives.len() > 1 => {
                let keyword = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                self.define_union(name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                true
            }
            _ => false,
        }
    }

    /// Merges the object parts of an `allOf` (following references) into one set of
    /// properties; false when some part is not an object.
    fn merge_all_of(&self, schema: SchemaRef<'_>, merged: &mut Merged, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        let schema = match schema {
            SchemaRef::Ref(reference) => {
                let target = reference
                    .strip_prefix(SCHEMA_PREFIX)
                    .and_then(|name| self.api.components.as_ref()?.schemas.get(name));
                match target {
                    Some(target) => return self.merge_all_of(target.into(), merged, depth + 1),
                    None => return false,
                }
            }
            SchemaRef::Item(schema) => schema,
        };
        let (properties, required, additional, parts): (Option<&Properties>, &[String], _, &[ReferenceOr<Schema>]) = match &schema.schema_kind {
            SchemaKind::Type(openapiv3::Type::Object(o)) => (Some(&o.properties), &o.required, o.additional_properties.as_ref(), &[]),
            SchemaKind::AllOf { all_of } => (None, &[], None, all_of),
            SchemaKind::Any(any) if any.typ.as_deref().is_none_or(|t| t == "object") => {
                (Some(&any.properties), &any.required, any.additional_properties.as_ref(), &any.all_of)
            }
            _ => return false,
        };
        for part in parts {
            if !self.merge_all_of(part.into(), merged, depth + 1) {
                return false;
            }
        }
        if let Some(properties) = properties {
            for (name, property) in properties {
                merged.properties.insert(name.clone(), property.clone());
            }
        }
        for name in required {
            if !merged.required.contains(name) {
                merged.required.push(name.clone());
            }
        }
        if let Some(additional) = additional {
            merged.additional = Some(additional.clone());
        }
        true
    }

    /// An untagged enum over the alternatives (ordered most specific first once every
    /// model is known, see `order_unions`).
    fn define_union(
        &mut self,
        name: &str,
        doc: Option<String>,
        alternatives: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        pointer: &str,
    ) {
        let index = self.models.len();
        self.models.push(Model::Alias(Alias { name: name.to_owned(), doc: None, ty: Type::Json }));
        let mut scope = Scope::new();
        let mut variants: Vec<UnionVariant> = Vec::new();
        for (i, alternative) in alternatives.iter().enumerate() {
            let ty = self.type_of(alternative.into(), &format!("{name}{}", i + 1), &join(pointer, &i.to_string()));
            if variants.iter().any(|v| v.ty == ty) {
                continue;
            }
            let label = match &ty {
                Type::Named(n) => strip_common_prefix(name, n),
                other => type_label(other).to_owned(),
            };
            variants.push(UnionVariant { rust: scope.claim(naming::variant_name(&label)), ty });
        }
        let discriminator = discriminator.and_then(|d| self.discriminator(d, alternatives, &variants, pointer));
        self.models[index] = Model::Union(Union {
            name: name.to_owned(),
            doc,
            variants,
            discriminator,
        });
    }

    /// Sorts every union's variants most specific first, now that every model they name
    /// is known (a union may come before its variants in the spec). Stable: equally
    /// specific variants keep the spec's order.
    fn order_unions(&mut self) {
        for index in 0..self.models.len() {
            let Model::Union(union) = &self.models[index] else { continue };
            let mut ranked: Vec<(usize, usize)> = union
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| (self.specificity(&v.ty), i))
                .collect();
            ranked.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
            let Model::Union(union) = &mut self.models[index] else { continue };
            let old = std::mem::take(&mut union.variants);
            let new_position = |i: usize| ranked.iter().position(|(_, j)| *j == i).unwrap_or(i);
            if let Some(d) = &mut union.discriminator {
                for (_, i) in &mut d.values {
                    *i = new_position(*i);
                }
            }
            union.variants = ranked.iter().filter_map(|(_, i)| old.get(*i).cloned()).collect();
        }
    }

    /// The tag values of a discriminated union: the explicit `mapping`, and for
    /// referenced alternatives not in it, the schema name (OpenAPI's default).
    fn discriminator(
        &mut self,
        d: &openapiv3::Discriminator,
        alternatives: &[ReferenceOr<Schema>],
        variants: &[UnionVariant],
        pointer: &str,
    ) -> Option<Discriminator> {
        let variant_of = |reference: &str| {
            let name = reference.strip_prefix(SCHEMA_PREFIX)?;
            let rust = self.components.get(name)?;
            variants.iter().position(|v| v.ty == Type::Named(rust.clone()))
        };
        let mut values: Vec<(String, usize)> = Vec::new();
        for (value, reference) in &d.mapping {
            let reference = if reference.starts_with('#') { reference.clone() } else { format!("{SCHEMA_PREFIX}{reference}") };
            if let Some(i) = variant_of(&reference) {
                values.push((value.clone(), i));
            }
        }
        for alternative in alternatives {
            if let ReferenceOr::Reference { reference } = alternative
                && let Some(i) = variant_of(reference)
                && !values.iter().any(|(_, j)| *j == i)
                && let Some(name) = reference.strip_prefix(SCHEMA_PREFIX)
            {
                values.push((name.to_owned(), i));
            }
        }
        if values.is_empty() {
            self.diags.warning(pointer, "the discriminator names no alternative; decoding tries each in turn");
            return None;
        }
        Some(Discriminator { property: d.property_name.clone(), values })
    }

    /// How much of the input a type pins down: required fields, then fields, for
    /// structs; free-form JSON least of all.
    fn specificity(&self, ty: &Type) -> usize {
        match ty {
            Type::Named(n) => match self.models.iter().find(|m| m.name() == n) {
                Some(Model::Struct(s)) => 1000 + 100 * s.fields.iter().filter(|f| f.required).count() + s.fields.len(),
                Some(Model::Enum(_)) => 50,
                Some(Model::Alias(a)) => self.specificity(&a.ty),
                Some(Model::Union(_) | Model::Statuses(_)) => 10,
                None => 0,
            },
            Type::Json => 0,
            Type::Map(_) => 5,
            _ => 20,
        }
    }

    fn define_enum(&mut self, name: &str, doc: Option<String>, values: &[String]) {
        let mut scope = Scope::with_reserved(&[UNKNOWN_VARIANT]);
        let mut variants = Vec::new();
        for value in values {
            if variants.iter().any(|v: &Variant| &v.wire == value) {
                continue;
            }
            variants.push(Variant {
                rust: scope.claim(naming::variant_name(value)),
                wire: value.clone(),
            });
        }
        self.models.push(Model::Enum(Enum {
            name: name.to_owned(),
            doc,
            variants,
            unknown: UNKNOWN_VARIANT.to_owned(),
            kind: EnumKind::String,
        }));
    }

    /// An integer enum. Variants take their names from `x-enum-varnames` (or
    /// `x-enumNames`) when the spec gives one per value, else from the value: `V200`,
    /// `Minus1`.
    fn define_integer_enum(&mut self, name: &str, schema: &Schema, values: &[i64]) {
        let names = ["x-enum-varnames", "x-enumNames"].iter().find_map(|key| {
            let names = schema.schema_data.extensions.get(*key)?.as_array()?;
            let names: Option<Vec<&str>> = names.iter().map(serde_json::Value::as_str).collect();
            names.filter(|names| names.len() == values.len())
        });
        let mut scope = Scope::with_reserved(&[UNKNOWN_VARIANT]);
        let mut variants = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let wire = value.to_string();
            if variants.iter().any(|v: &Variant| v.wire == wire) {
                continue;
            }
            let raw = match &names {
                Some(names) => names[i].to_owned(),
                None if *value < 0 => format!("Minus{}", value.unsigned_abs()),
                None => format!("V{value}"),
            };
            variants.push(Variant {
                rust: scope.claim(naming::variant_name(&raw)),
                wire,
            });
        }
        self.models.push(Model::Enum(Enum {
            name: name.to_owned(),
            doc: doc_of(schema),
            variants,
            unknown: UNKNOWN_VARIANT.to_owned(),
            kind: EnumKind::Integer,
        }));
    }

    fn define_struct(
        &mut self,
        name: &str,
        schema: &Schema,
        properties: &Properties,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        pointer: &str,
    ) {
        // Reserve the slot first so that the struct precedes the inline types it names.
        let index = self.models.len();
        self.models.push(Model::Alias(Alias {
            name: name.to_owned(),
            doc: None,
            ty: Type::Json,
        }));
        // `x-specwright-lenient` on an object covers its fields and the inline types
        // within; `false` turns a document-wide `true` off.
        let outer = self.lenient;
        self.lenient = lenient_extension(schema).unwrap_or(outer);
        let fields = self.lower_fields(name, properties, required, pointer);
        let additional = self.additional(name, additional, pointer);
        self.lenient = outer;
        self.models[index] = Model::Struct(Struct {
            name: name.to_owned(),
            doc: doc_of(schema),
            fields,
            additional,
        });
    }

    fn lower_fields(&mut self, owner: &str, properties: &Properties, required: &[String], pointer: &str) -> Vec<Field> {
        let mut scope = Scope::with_reserved(&["additional_properties"]);
        let mut fields = Vec::new();
        for (wire, schema) in properties {
            let field_pointer = join(&join(pointer, "properties"), wire);
            let rust = scope.claim(naming::snake(wire, "field"));
            let context = format!("{owner}{}", naming::type_name(wire));
            let ty = self.type_of(schema.into(), &context, &field_pointer);
            let (doc, nullable, secret, lenient) = match schema {
                ReferenceOr::Item(s) => (
                    doc_of(s).or_else(|| annotation_doc(s)),
                    s.schema_data.nullable,
                    matches!(
                        &s.schema_kind,
                        openapiv3::SchemaKind::Type(openapiv3::Type::String(string))
                            if matches!(string.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password))
                    ),
                    lenient_extension(s).unwrap_or(self.lenient),
                ),
                ReferenceOr::Reference { .. } => (None, false, false, self.lenient),
            };
            fields.push(Field {
                rust,
                wire: wire.clone(),
                ty,
                required: required.iter().any(|r| r == wire),
                nullable,
                doc,
                secret,
                lenient,
            });
        }
        fields
    }

    fn additional(&mut self, owner: &str, additional: Option<&AdditionalProperties>, pointer: &str) -> Option<Type> {
        match additional? {
            AdditionalProperties::Any(true) => Some(Type::Json),
            AdditionalProperties::Any(false) => None,
            AdditionalProperties::Schema(schema) => {
                let schema: &ReferenceOr<Schema> = schema;
                Some(self.type_of(
                    schema.into(),
                    &format!("{owner}Value"),
                    &join(pointer, "additionalProperties"),
                ))
            }
        }
    }

    fn reference_type(&mut self, reference: &str, pointer: &str) -> Type {
        if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX)
            && !name.contains('/')
        {
            let name = name.replace("~1", "/").replace("~0", "~");
            if let Some(rust) = self.components.get(&name) {
                return Type::Named(rust.clone());
            }
            self.diags.error(
                pointer,
                format!("`$ref: {reference}` points to no schema in components.schemas; fix the reference"),
            );
            return Type::Json;
        }
        // A reference into another schema (`#/components/schemas/A/properties/b`):
        // the schema found there, inline.
        if let Some(fragment) = reference.strip_prefix('#') {
            let target = crate::check::percent_decode(fragment);
            let schema = self
                .raw
                .pointer(&target)
                .and_then(|value| serde_json::from_value::<ReferenceOr<Schema>>(value.clone()).ok());
            if let Some(schema) = schema {
                let context = target.rsplit('/').next().map(naming::type_name).unwrap_or_default();
                return self.type_of((&schema).into(), &context, pointer);
            }
        }
        self.diags.warning(
            pointer,
            format!("`$ref: {reference}` is not a schema in this document; typed as serde_json::Value"),
        );
        Type::Json
    }

    /// The Rust type of a schema met at `pointer`; inline structs and enums become
    /// models named `context`.
    fn type_of(&mut self, schema: SchemaRef<'_>, context: &str, pointer: &str) -> Type {
        const MAX_DEPTH: usize = 48;
        if self.depth >= MAX_DEPTH {
            self.diags.warning(pointer, "inline schemas nest too deep here; typed as serde_json::Value");
            return Type::Json;
        }
        self.depth += 1;
        let ty = self.type_of_inner(schema, context, pointer);
        self.depth -= 1;
        ty
    }

    fn type_of_inner(&mut self, schema: SchemaRef<'_>, context: &str, pointer: &str) -> Type {
        let schema = match schema {
            SchemaRef::Ref(reference) => return self.reference_type(reference, pointer),
            SchemaRef::Item(schema) => schema,
        };
        // `allOf: [{$ref: X}, {description: ...}]` is X with a comment (a common way to
        // annotate a reference in 3.0): the reference, not a copy of X.
        if let Some(reference) = annotated_reference(schema) {
            return self.reference_type(reference, pointer);
        }
        use openapiv3::Type as T;
        match &schema.schema_kind {
            SchemaKind::Type(T::String(s)) => {
                if !s.enumeration.is_empty() {
                    let name = self.types.claim(naming::type_name(context));
                    self.define(&name, schema, pointer);
                    return Type::Named(name);
                }
                match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Type::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Type::Date,
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "int64" => Type::IntString(IntWidth::I64),
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "int32" => Type::IntString(IntWidth::I32),
                    _ => Type::String,
                }
            }
            SchemaKind::Type(T::Integer(i)) if !i.enumeration.is_empty() => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::Type(T::Integer(i)) => match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Type::Integer(IntWidth::I32),
                _ => Type::Integer(IntWidth::I64),
            },
            SchemaKind::Type(T::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Type::Number(FloatWidth::F32),
                _ => Type::Number(FloatWidth::F64),
            },
            SchemaKind::Type(T::Boolean(_)) => Type::Boolean,
            SchemaKind::Type(T::Array(array)) => match &array.items {
                Some(items) => Type::Array(Box::new(self.type_of(
                    items.into(),
                    &format!("{context}Item"),
                    &join(pointer, "items"),
                ))),
                None => Type::Array(Box::new(Type::Json)),
            },
            SchemaKind::Type(T::Object(object)) => {
                if object.properties.is_empty() {
                    let value = match &object.additional_properties {
                        Some(AdditionalProperties::Schema(s)) => {
                            let s: &ReferenceOr<Schema> = s;
                            self.type_of(s.into(), &format!("{context}Value"), &join(pointer, "additionalProperties"))
                        }
                        _ => Type::Json,
                    };
                    return Type::Map(Box::new(value));
                }
                let name = self.types.claim(naming::type_name(context));
                self.define_struct(&name, schema, &object.properties, &object.required, object.additional_properties.as_ref(), pointer);
                Type::Named(name)
            }
            // One alternative (often what is left of `oneOf: [X, null]`) is just X.
            SchemaKind::AllOf { all_of: only } | SchemaKind::OneOf { one_of: only } | SchemaKind::AnyOf { any_of: only }
                if only.len() == 1 =>
            {
                let keyword = match &schema.schema_kind {
                    SchemaKind::AllOf { .. } => "allOf/0",
                    SchemaKind::OneOf { .. } => "oneOf/0",
                    _ => "anyOf/0",
                };
                self.type_of((&only[0]).into(), context, &join(pointer, keyword))
            }
            SchemaKind::Any(any) if any.one_of.len() > 1 || any.any_of.len() > 1 => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::AllOf { .. } | SchemaKind::Any(_) if has_all_of(schema) => {
                let name = self.types.claim(naming::type_name(context));
                if self.define(&name, schema, pointer) {
                    return Type::Named(name);
                }
                self.diags.warning(pointer, "allOf of parts that are not all objects is not modelled; typed as serde_json::Value");
                Type::Json
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::Any(any) if any.typ.is_none() && any.one_of.is_empty() && any.all_of.is_empty() && any.any_of.is_empty() && any.not.is_none() => {
                Type::Json
            }
            SchemaKind::OneOf { one_of: alternatives } | SchemaKind::AnyOf { any_of: alternatives } => {
                let keyword = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                let name = self.types.claim(naming::type_name(context));
                self.define_union(&name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                Type::Named(name)
            }
            SchemaKind::AllOf { .. } | SchemaKind::Not { .. } | SchemaKind::Any(_) => {
                self.diags.warning(
                    pointer,
                    "this schema combination (oneOf/anyOf/allOf/not) is not modelled yet; typed as serde_json::Value",
                );
                Type::Json
            }
        }
    }

    // ----- operations -----

    fn lower_operations(&mut self) -> Vec<Operation> {
        let mut methods = Scope::with_reserved(RESERVED_METHODS);
        let mut out = Vec::new();
        let api = self.api;
        for (path, item) in &api.paths.paths {
            let path_pointer = join("/paths", path);
            let ReferenceOr::Item(item) = item else {
                self.diags
                    .warning(path_pointer, "a `$ref` path item is not supported; its operations are skipped");
                continue;
            };
            for (method_name, op) in item.iter() {
                let pointer = join(&path_pointer, method_name);
                let method = match method_name {
                    "get" => Method::Get,
                    "put" => Method::Put,
                    "post" => Method::Post,
                    "delete" => Method::Delete,
                    "options" => Method::Options,
                    "head" => Method::Head,
                    "patch" => Method::Patch,
                    _ => Method::Trace,
                };
                let wire = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method_name} {path}"));
                let rust = methods.claim(naming::snake(&wire, "operation"));
                if let Some(lowered) = self.lower_operation(rust, wire, method, path, &item.parameters, op, &pointer) {
                    out.push(lowered);
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_operation(
        &mut self,
        rust: String,
        wire: String,
        method: Method,
        path: &str,
        shared: &'a [ReferenceOr<Parameter>],
        op: &'a openapiv3::Operation,
        pointer: &str,
    ) -> Option<Operation> {
        let context = naming::type_name(&wire);
        let doc = join_doc(op.summary.as_deref(), op.description.as_deref());

        // Parameters: operation-level ones override path-level ones with the same name
        // and location.
        let mut declared: Vec<(Cow<'a, Parameter>, String)> = Vec::new();
        for (i, p) in shared.iter().enumerate() {
            if let Some(p) = self.resolve_parameter(p, &join(&join(&pointer[..pointer.rfind('/').unwrap_or(0)], "parameters"), &i.to_string())) {
                declared.push(p);
            }
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let p_pointer = join(&join(pointer, "parameters"), &i.to_string());
            if let Some((param, at)) = self.resolve_parameter(p, &p_pointer) {
                let data = param.parameter_data_ref();
                declared.retain(|(q, _)| {
                    let d = q.parameter_data_ref();
                    !(d.name == data.name && std::mem::discriminant(q.as_ref()) == std::mem::discriminant(param.as_ref()))
                });
                declared.push((param, at));
            }
        }

        let mut scope = Scope::with_reserved(&["body"]);
        let mut params = Vec::new();
        let mut path_parts = Vec::new();
        // Path parameters in template order.
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            if start > 0 {
                path_parts.push(PathPart::Literal(rest[..start].to_owned()));
            }
            let name = &rest[start + 1..start + len];
            let found = declared
                .iter()
                .find(|(p, _)| matches!(p.as_ref(), Parameter::Path { .. }) && p.parameter_data_ref().name == name);
            let (ty, doc) = match found {
                Some((p, at)) => (self.param_type(p, &context, at), p.parameter_data_ref().description.clone()),
                None => {
                    self.diags.warning(
                        pointer,
                        format!("path parameter `{name}` is not declared; taken as a string"),
                    );
                    (Type::String, None)
                }
            };
            if let Some(i) = params.iter().position(|p: &Param| p.wire == name && p.location == ParamLocation::Path) {
                path_parts.push(PathPart::Param(i));
            } else {
                path_parts.push(PathPart::Param(params.len()));
                let explode = found.and_then(|(p, _)| p.parameter_data_ref().explode).unwrap_or(false);
                params.push(Param {
                    rust: scope.claim(naming::snake(name, "param")),
                    wire: name.to_owned(),
                    location: ParamLocation::Path,
                    ty,
                    required: true,
                    doc,
                    style: QueryStyle::Form,
                    explode,
                });
            }
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            path_parts.push(PathPart::Literal(rest.to_owned()));
        }
        for (p, at) in &declared {
            let location = match p.as_ref() {
                Parameter::Path { .. } => continue,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => ParamLocation::Cookie,
            };
            let data = p.parameter_data_ref();
            if location == ParamLocation::Header
                && ["accept", "content-type", "authorization"].contains(&data.name.to_ascii_lowercase().as_str())
            {
                // OpenAPI says these are ignored as parameters; the client sets them.
                continue;
            }
            let ty = self.param_type(p, &context, at);
            let style = match p.as_ref() {
                Parameter::Query { style, .. } => match style {
                    openapiv3::QueryStyle::Form => QueryStyle::Form,
                    openapiv3::QueryStyle::SpaceDelimited => QueryStyle::SpaceDelimited,
                    openapiv3::QueryStyle::PipeDelimited => QueryStyle::PipeDelimited,
                    openapiv3::QueryStyle::DeepObject => QueryStyle::DeepObject,
                },
                _ => QueryStyle::Form,
            };
            // OpenAPI: `explode` defaults to true for the form style (query, cookie).
            let default_explode = matches!(location, ParamLocation::Query | ParamLocation::Cookie) && style == QueryStyle::Form;
            params.push(Param {
                rust: scope.claim(naming::snake(&data.name, "param")),
                wire: data.name.clone(),
                location,
                ty,
                required: data.required,
                doc: data.description.clone(),
                style,
                explode: data.explode.unwrap_or(default_explode),
            });
        }

        let body = match &op.request_body {
            Some(body) => self.lower_body(body, &context, &join(pointer, "requestBody")),
            None => None,
        };
        let (success, error_statuses, error_default, error_type) =
            self.lower_responses(&op.responses, &context, &join(pointer, "responses"));
        let pagination_hint = ["x-pagination", "x-speakeasy-pagination"]
            .iter()
            .find_map(|key| op.extensions.get(*key).map(|v| ((*key).to_owned(), v.clone())))
            .or_else(|| self.link_header(op).then(|| ("link-header".to_owned(), serde_json::Value::Null)));

        Some(Operation {
            rust,
            wire,
            method,
            path: path.to_owned(),
            path_parts,
            doc,
            params,
            body,
            success,
            error_statuses,
            error_default,
            error_type,
            read_only: false,
            anonymous: op.security.as_ref().is_some_and(Vec::is_empty),
            headers_method: None,
            declares_headers: self.success_headers(op, |_| true),
            stream_method: None,
            pagination_hint,
            tags: op.tags.clone(),
        })
    }

    /// Whether a success response declares a `Link` header (RFC 8288 paging).
    fn link_header(&self, op: &openapiv3::Operation) -> bool {
        self.success_headers(op, |h| h.eq_ignore_ascii_case("link"))
    }

    /// Whether a success response declares a header that `wanted` accepts.
    fn success_headers(&self, op: &openapiv3::Operation, wanted: fn(&str) -> bool) -> bool {
        op.responses.responses.iter().any(|(status, response)| {
            let success = matches!(status, openapiv3::StatusCode::Code(200..=299) | openapiv3::StatusCode::Range(2));
            let response = match response {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| self.api.components.as_ref()?.responses.get(name))
                    .and_then(|r| r.as_item()),
            };
            success && response.is_some_and(|r| r.headers.keys().any(|h| wanted(h)))
        })
    }

    fn resolve_parameter(&mut self, p: &'a ReferenceOr<Parameter>, pointer: &str) -> Option<(Cow<'a, Parameter>, String)> {
        self.resolve(p, |c| &c.parameters, "parameter", pointer)
    }

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

    fn param_type(&mut self, p: &Parameter, context: &str, pointer: &str) -> Type {
        let data = p.parameter_data_ref();
        let context = format!("{context}{}", naming::type_name(&data.name));
        match &data.format {
            // In a path or query an integer and the string of it are the same text, so
            // the caller passes a plain integer.
            ParameterSchemaOrContent::Schema(schema) => match self.type_of(schema.into(), &context, &join(pointer, "schema")) {
                Type::IntString(width) => Type::Integer(width),
                ty => ty,
            },
            ParameterSchemaOrContent::Content(_) => {
                self.diags.warning(pointer, "a parameter with `content` is sent as a string");
                Type::String
            }
        }
    }

    fn lower_body(&mut self, body: &'a ReferenceOr<RequestBody>, context: &str, pointer: &str) -> Option<Body> {
        let (body, pointer) = self.resolve(body, |c| &c.request_bodies, "request body", pointer)?;
        let (media, content) = pick_media(&body.content)?;
        let content_pointer = join(&join(&pointer, "content"), media);
        let kind = media_kind(media);
        let ty = match kind {
            BodyKind::Json | BodyKind::Form => match &content.schema {
                Some(schema) => self.type_of(schema.into(), &format!("{context}Body"), &join(&content_pointer, "schema")),
                None => Type::Json,
            },
            BodyKind::Text => Type::String,
            BodyKind::Multipart | BodyKind::Bytes(_) => Type::Bytes,
        };
        Some(Body {
            kind,
            ty,
            required: body.required,
        })
    }

    fn lower_responses(&mut self, responses: &'a openapiv3::Responses, context: &str, pointer: &str) -> (Success, Vec<u16>, bool, Type) {
        let mut json_bodies: Vec<(u16, Type)> = Vec::new();
        let mut with_body = Vec::new();
        let mut without_body = Vec::new();
        let mut success_ty: Option<(Type, BodyKind)> = None;
        let mut error_statuses = Vec::new();
        let mut error_types: Vec<Option<Type>> = Vec::new();
        for (status, response) in &responses.responses {
            let at = join(pointer, &status.to_string());
            let code = match status {
                StatusCode::Code(code) => *code,
                StatusCode::Range(_) => {
                    self.diags.warning(at, "status ranges (2XX) are not matched yet; use an exact status");
                    continue;
                }
            };
            let Some((response, at)) = self.resolve_response(response, &at) else { continue };
            let picked = pick_media(&response.content);
            if (200..300).contains(&code) {
                match self.content_type(picked, &format!("{context}Response"), &at) {
                    Some((ty, kind)) => {
                        if kind == BodyKind::Json {
                            json_bodies.push((code, ty.clone()));
                        }
                        if success_ty.is_none() {
                            success_ty = Some((ty, kind));
                            with_body.push(code);
                        } else if success_ty.as_ref().is_some_and(|(t, _)| *t == ty) {
                            with_body.push(code);
                        } else if success_ty.as_ref().is_some_and(|(_, k)| *k == BodyKind::Json) && kind == BodyKind::Json {
                            // Typed per status below.
                            with_body.push(code);
                        } else {
                            self.diags.warning(at, "a second success status with a body of another media kind; its body is ignored");
                            without_body.push(code);
                        }
                    }
                    None => without_body.push(code),
                }
            } else if code >= 400 {
                error_statuses.push(code);
                let ty = self.json_type(picked, &format!("{context}Error"), &at);
                error_types.push(ty);
            }
        }
        let mut error_default = false;
        if let Some(default) = &responses.default
            && let Some((response, at)) = self.resolve_response(default, &join(pointer, "default"))
        {
            error_default = true;
            let ty = self.json_type(pick_media(&response.content), &format!("{context}Error"), &at);
            error_types.push(ty);
        }
        with_body.sort_unstable();
        without_body.sort_unstable();
        error_statuses.sort_unstable();
        error_statuses.dedup();
        let distinct: Vec<&Type> = {
            let mut seen: Vec<&Type> = Vec::new();
            for t in error_types.iter().flatten() {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            seen
        };
        let error_type = match distinct.as_slice() {
            [one] => (*one).clone(),
            _ => Type::Json,
        };
        let (mut ty, kind) = match success_ty {
            Some((ty, kind)) => (Some(ty), kind),
            None => (None, BodyKind::Json),
        };
        // JSON bodies that differ by status (200 one type, 201 another): a type with a
        // variant per status, so no answer's body is dropped.
        json_bodies.sort_by_key(|(code, _)| *code);
        let mut by_status = Vec::new();
        if json_bodies.iter().any(|(_, t)| Some(t) != json_bodies.first().map(|(_, t)| t)) {
            let name = self.types.claim(naming::type_name(&format!("{context}Success")));
            let variants: Vec<(String, u16, Type)> = json_bodies
                .iter()
                .map(|(code, t)| (status_variant(*code), *code, t.clone()))
                .collect();
            by_status = variants.iter().map(|(variant, code, _)| (*code, variant.clone())).collect();
            self.models.push(Model::Statuses(crate::ir::Statuses {
                name: name.clone(),
                doc: Some(format!("The success answers of `{context}`, whose bodies differ by status.")),
                variants,
            }));
            ty = Some(Type::Named(name));
        }
        let optional = ty.is_some() && !without_body.is_empty();
        (
            Success {
                ty,
                optional,
                kind,
                with_body,
                without_body,
                by_status,
            },
            error_statuses,
            error_default,
            error_type,
        )
    }

    /// The type and encoding of a response body, `None` when it has no content.
    fn content_type(&mut self, picked: Option<(&str, &openapiv3::MediaType)>, context: &str, at: &str) -> Option<(Type, BodyKind)> {
        let (media, content) = picked?;
        let kind = media_kind(media);
        let ty = match kind {
            BodyKind::Json => match &content.schema {
                Some(schema) => self.type_of(schema.into(), context, &join(&join(&join(at, "content"), media), "schema")),
                None => Type::Json,
            },
            BodyKind::Text => Type::String,
            BodyKind::Form | BodyKind::Multipart | BodyKind::Bytes(_) => Type::Bytes,
        };
        let kind = match kind {
            // A response is never decoded as a form: such bodies come back as bytes.
            BodyKind::Form | BodyKind::Multipart => BodyKind::Bytes(media_kind_name(media)),
            other => other,
        };
        Some((ty, kind))
    }

    /// The type of a JSON error body with a schema, `None` otherwise.
    fn json_type(&mut self, picked: Option<(&str, &openapiv3::MediaType)>, context: &str, at: &str) -> Option<Type> {
        match picked {
            Some((media, content)) if media_kind(media) == BodyKind::Json && content.schema.is_some() => {
                self.content_type(picked, context, at).map(|(ty, _)| ty)
            }
            _ => None,
        }
    }

    fn resolve_response(&mut self, response: &'a ReferenceOr<Response>, pointer: &str) -> Option<(Cow<'a, Response>, String)> {
        self.resolve(response, |c| &c.responses, "response", pointer)
    }
}

/// The media type to use from a content map: JSON first (the client asks for JSON),
/// then text, then anything else as bytes.
/// The variant for a success status: its reason phrase (`Created` for 201), or
/// `Status<code>`.
fn status_variant(code: u16) -> String {
    let reason = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        206 => "PartialContent",
        207 => "MultiStatus",
        _ => return format!("Status{code}"),
    };
    reason.to_owned()
}

fn pick_media(content: &IndexMap<String, openapiv3::MediaType>) -> Option<(&str, &openapiv3::MediaType)> {
    let find = |pred: &dyn Fn(BodyKind) -> bool| {
        content
            .iter()
            .find(|(media, _)| pred(media_kind(media)))
            .map(|(m, c)| (m.as_str(), c))
    };
    find(&|k| k == BodyKind::Json)
        .or_else(|| find(&|k| k == BodyKind::Text))
        .or_else(|| content.iter().next().map(|(m, c)| (m.as_str(), c)))
}

fn media_kind(media: &str) -> BodyKind {
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "text/plain" {
        BodyKind::Text
    } else if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if essence == "multipart/form-data" {
        BodyKind::Multipart
    } else {
        BodyKind::Bytes(essence)
    }
}

/// `DeployedPackageSimpleExpression` within `DeployedPackageExpression` is
/// `SimpleExpression`: the shared leading words go.
fn strip_common_prefix(union: &str, variant: &str) -> String {
    let boundary = |s: &str, i: usize| s[i..].starts_with(|c: char| c.is_ascii_uppercase());
    let common = union
        .char_indices()
        .zip(variant.chars())
        .take_while(|((_, a), b)| a == b)
        .map(|((i, a), _)| i + a.len_utf8())
        .last()
        .unwrap_or(0);
    let mut cut = common;
    while cut > 0 && !(variant.is_char_boundary(cut) && boundary(variant, cut)) {
        cut -= 1;
    }
    let rest = &variant[cut..];
    if rest.is_empty() { variant.to_owned() } else { rest.to_owned() }
}

fn type_label(ty: &Type) -> &'static str {
    match ty {
        Type::String => "String",
        Type::Integer(_) => "Integer",
        Type::Number(_) => "Number",
        Type::Boolean => "Boolean",
        Type::DateTime => "DateTime",
        Type::Date => "Date",
        Type::IntString(_) => "Integer",
        Type::Json => "Json",
        Type::Named(_) => "Named",
        Type::Array(_) => "Array",
        Type::Map(_) => "Map",
        Type::Bytes => "Bytes",
    }
}

/// The media type without parameters, lowercased.
fn media_kind_name(media: &str) -> String {
    media.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
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
mod tests {
    use super::*;

    fn lower_text(text: &str) -> (Api, Diagnostics) {
        let mut diags = Diagnostics::new("t.json");
        let raw = crate::load::parse_document(text, std::path::Path::new("t.json"), &mut diags).expect("parses");
        let loaded = crate::load::load_value(raw, &mut diags).expect("loads");
        let api = lower(&loaded.api, &loaded.raw, false, &mut diags);
        (api, diags)
    }

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
