//! Stage 1: read a spec (YAML or JSON), bring OpenAPI 3.1 constructs down to what the
//! `openapiv3` crate (3.0) reads, and parse it.
//!
//! The document is first read into a `serde_json::Value` so that every later problem can
//! be reported with a JSON pointer, and so that 3.1 can be normalised structurally instead
//! of being rejected.

use std::path::Path;

use openapiv3::OpenAPI;
use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostics, join};

/// A parsed spec and the raw document it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed document (after normalisation).
    pub api: OpenAPI,
    /// The normalised raw document, for resolving references by pointer.
    pub raw: Value,
    /// The `openapi` version the file declared.
    pub declared_version: String,
}

/// Reads `path` into a JSON value. YAML is a superset of JSON, but JSON files are read
/// with serde_json for its better error positions.
pub fn read_document(path: &Path, diags: &mut Diagnostics) -> Option<Value> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            diags.error("", format!("cannot read the file: {err}"));
            return None;
        }
    };
    parse_document(&text, path, diags)
}

/// Parses document text; the file name only decides which parser speaks first.
pub fn parse_document(text: &str, path: &Path, diags: &mut Diagnostics) -> Option<Value> {
    let looks_json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    if looks_json {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => return Some(value),
            Err(err) if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) => {
                diags.error(
                    "",
                    format!(
                        "not valid JSON at line {}, column {}: {err}",
                        err.line(),
                        err.column()
                    ),
                );
                return None;
            }
            Err(_) => {}
        }
    }
    if flow_nesting_exceeds(text, MAX_FLOW_NESTING) {
        diags.error(
            "",
            format!(
                "brackets nest more than {MAX_FLOW_NESTING} levels deep; reading YAML takes time \
                 that grows with the square of such nesting, and no OpenAPI document needs it \
                 (the reader stops at 128 levels)"
            ),
        );
        return None;
    }
    if yaml_expands_too_far(text) {
        diags.error(
            "",
            "the YAML expands to far more nodes than its text holds: aliases (`*name`) repeat \
             anchors that repeat aliases, as in a \"billion laughs\" document; reading it would \
             take minutes and gigabytes, so it is refused. Write the repeated parts out, or use \
             `$ref` instead of aliases",
        );
        return None;
    }
    match serde_yaml::from_str::<serde_yaml::Value>(text) {
        Ok(yaml) => match yaml_to_json(yaml, "") {
            Ok(value) => Some(value),
            Err((pointer, message)) => {
                diags.error(pointer, message);
                None
            }
        },
        Err(err) => {
            let at = err
                .location()
                .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            diags.error("", format!("not valid YAML or JSON{at}: {err}"));
            None
        }
    }
}

/// The deepest schema nesting under which a whole document is read at once: a bad
/// schema at this depth costs at most 2^8 reads of its surroundings. 98% of the dev
/// corpus nests 8 levels or less.
const FAST_PATH_DEPTH: usize = 8;

/// How deeply schemas nest in a document (`level` is `None` outside schemas, the
/// nesting level inside one), counted as [`prune_invalid_subschemas`] counts.
fn schema_depth(value: &Value, level: Option<usize>) -> usize {
    let mut deepest = level.unwrap_or(0);
    match (value, level) {
        (Value::Array(items), None) => {
            for item in items {
                deepest = deepest.max(schema_depth(item, None));
            }
        }
        (Value::Object(map), None) => {
            for (key, child) in map {
                deepest = deepest.max(match (key.as_str(), child) {
                    ("schemas", Value::Object(named)) => named.values().map(|s| schema_depth(s, Some(0))).max().unwrap_or(0),
                    ("schema", Value::Object(_)) => schema_depth(child, Some(0)),
                    _ => schema_depth(child, None),
                });
            }
        }
        (Value::Object(map), Some(level)) => {
            let inner = Some(level + 1);
            for (key, child) in map {
                deepest = deepest.max(match (key.as_str(), child) {
                    ("items" | "not" | "additionalProperties", Value::Object(_)) => schema_depth(child, inner),
                    ("properties", Value::Object(props)) => props.values().map(|s| schema_depth(s, inner)).max().unwrap_or(0),
                    ("allOf" | "oneOf" | "anyOf", Value::Array(items)) => items.iter().map(|s| schema_depth(s, inner)).max().unwrap_or(0),
                    _ => 0,
                });
            }
        }
        _ => {}
    }
    deepest
}

/// Every schema nested inside another schema, innermost first, checked on its own; one
/// that does not fit becomes an empty schema (any JSON) with a warning at its pointer.
///
/// `openapiv3` reads a schema through untagged enums: when a schema deep inside does
/// not fit, every level above it tries its other variants, each reading the whole
/// subtree again, so the time doubles with every level (the fuzzer's arrays of arrays,
/// 64 deep around one bad `type`, never finished). Checked innermost first, a bad
/// schema is replaced before any level above it is read, so each check succeeds or
/// fails where it stands.
fn prune_invalid_subschemas(
    raw: &mut Value,
    diags: &mut Diagnostics,
    fits: &dyn Fn(&Value) -> Result<(), String>,
    clean: &std::collections::BTreeSet<String>,
) {
    // Schemas nested in schemas, parents before children. A schema that is not nested
    // (a component, a parameter's or a media type's) is checked with what holds it, as
    // before; only its subschemas are checked here.
    let mut nested: Vec<String> = Vec::new();
    // (pointer, schema nesting level: None outside schemas, Some(0) for a top schema)
    let mut stack: Vec<(String, Option<usize>)> = vec![(String::new(), None)];
    while let Some((pointer, level)) = stack.pop() {
        if clean.contains(&pointer) {
            continue;
        }
        let Some(value) = raw.pointer(&pointer) else { continue };
        if level.is_some_and(|l| l > 0) {
            nested.push(pointer.clone());
        }
        match (value, level) {
            (Value::Array(items), None) => {
                stack.extend((0..items.len()).map(|i| (join(&pointer, &i.to_string()), None)));
            }
            (Value::Object(map), None) => {
                for (key, child) in map {
                    let at = join(&pointer, key);
                    match (key.as_str(), child) {
                        ("schemas", Value::Object(named)) if pointer == "/components" => {
                            stack.extend(named.keys().map(|k| (join(&at, k), Some(0))));
                        }
                        ("schema", Value::Object(_)) => stack.push((at, Some(0))),
                        _ => stack.push((at, None)),
                    }
                }
            }
            (Value::Object(map), Some(level)) => {
                let inner = Some(level + 1);
                for (key, child) in map {
                    let at = join(&pointer, key);
                    match (key.as_str(), child) {
                        ("items" | "not" | "additionalProperties", Value::Object(_)) => stack.push((at, inner)),
                        ("properties", Value::Object(props)) => {
                            stack.extend(props.keys().map(|k| (join(&at, k), inner)));
                        }
                        ("allOf" | "oneOf" | "anyOf", Value::Array(items)) => {
                            stack.extend((0..items.len()).map(|i| (join(&at, &i.to_string()), inner)));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    for pointer in nested.iter().rev() {
        let Some(value) = raw.pointer(pointer) else { continue };
        let Err(mut why) = fits(value) else { continue };
        if let Some((cut, _)) = why.char_indices().nth(160) {
            why.truncate(cut);
            why.push('…');
        }
        diags.warning(pointer, format!("not a valid schema ({why}); typed as serde_json::Value"));
        if let Some(slot) = raw.pointer_mut(pointer) {
            *slot = Value::Object(Map::new());
        }
    }
}

/// Flow collections (`[...]`, `{...}`, JSON) nested deeper than this are refused before
/// the YAML reader sees them. serde_yaml fails past 128 levels anyway; the margin is for
/// stray brackets that [`flow_nesting_exceeds`] miscounts.
const MAX_FLOW_NESTING: usize = 256;

/// Whether YAML flow collections in `text` nest deeper than `limit`, counted in one
/// linear pass: brackets inside quoted scalars do not count, and at the top (block)
/// level only a bracket that starts a value does, so `pattern: ^[a-z]` is no nesting.
///
/// libyaml's scanner checks every open flow level for a stale simple key at every
/// token, so a document nested thousands of levels deep (240 KB of JSON read as YAML,
/// found by the fuzzer) kept the reader busy for ten seconds before it reached
/// serde_yaml's depth limit. This check makes that cost linear.
fn flow_nesting_exceeds(text: &str, limit: usize) -> bool {
    let starts_value = |prev: char| matches!(prev, ':' | '-' | ',' | '[' | '{' | '?' | '\n');
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut prev = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if let Some(open) = quote {
            if c == '\\' && open == '"' {
                chars.next();
            } else if c == open {
                quote = None;
                prev = c;
            }
            continue;
        }
        match c {
            '"' | '\'' if starts_value(prev) => quote = Some(c),
            '[' | '{' if depth > 0 || starts_value(prev) => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            ']' | '}' if depth > 0 => depth -= 1,
            _ => {}
        }
        if c == '\n' || !c.is_whitespace() {
            prev = c;
        }
    }
    false
}

/// Whether reading `text` as YAML, aliases expanded, makes more nodes than any document
/// of that length could hold without aliases (each node takes at least a byte of text).
///
/// serde_yaml stops an alias bomb only after `100 ×` the document's events worth of
/// alias jumps, which for a spec of a few dozen kilobytes with nine lines of nested
/// anchors appended means ten seconds and gigabytes spent building a tree it then
/// throws away. Counting the nodes first, and stopping the count at the budget, bounds
/// that by the length of the text. A text that is not YAML passes here; the parse that
/// follows reports it.
fn yaml_expands_too_far(text: &str) -> bool {
    use std::cell::Cell;

    use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

    /// Counts nodes down from the budget; fails when it runs out.
    #[derive(Clone, Copy)]
    struct Budget<'a>(&'a Cell<usize>);

    impl Budget<'_> {
        fn take<E: de::Error>(self) -> Result<(), E> {
            match self.0.get().checked_sub(1) {
                Some(left) => {
                    self.0.set(left);
                    Ok(())
                }
                None => Err(E::custom("node budget exhausted")),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Budget<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Budget<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any YAML node")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.take()
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.take()
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.take()
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.take()
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.take()
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.take()
        }
        fn visit_none<E: de::Error>(self) -> Result<(), E> {
            self.take()
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            self.take()?;
            self.deserialize(deserializer)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            self.take()?;
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.take()?;
            while map.next_key_seed(self)?.is_some() {
                map.next_value_seed(self)?;
            }
            Ok(())
        }
        // A tagged node (`!tag value`).
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
            self.take()?;
            let ((), variant) = data.variant_seed(self)?;
            variant.newtype_variant_seed(self)
        }
    }

    // An alias needs an anchor (`&name`) and a use (`*name`); without both characters
    // there is nothing to expand, and the counting parse would only double the time.
    if !(text.contains('&') && text.contains('*')) {
        return false;
    }
    let left = Cell::new(text.len().saturating_mul(2).saturating_add(100_000));
    let counted = Budget(&left).deserialize(serde_yaml::Deserializer::from_str(text));
    counted.is_err() && left.get() == 0
}

/// Converts YAML to JSON, turning scalar map keys (such as unquoted status codes `200:`)
/// into strings, which is what OpenAPI means by them.
fn yaml_to_json(yaml: serde_yaml::Value, pointer: &str) -> Result<Value, (String, String)> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                // NaN and infinities have no JSON form; keep them as text rather than fail.
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| yaml_to_json(v, &join(pointer, &i.to_string())))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    other => {
                        return Err((
                            pointer.to_owned(),
                            format!("a mapping key must be a scalar, found {other:?}"),
                        ));
                    }
                };
                let child = join(pointer, &key);
                out.insert(key, yaml_to_json(v, &child)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, pointer)?,
    })
}

/// The parse floor for benchmarks: how long reading the file at `path` and parsing it
/// straight into `openapiv3` takes, with none of the checks, normalisation or
/// repairs of [`read_document`] and [`load_value`]. A document `openapiv3` refuses
/// stops that parse where it fails, so it is then timed as a parse into untyped JSON
/// values instead, and the second value says so.
pub fn parse_floor(path: &std::path::Path) -> std::io::Result<(std::time::Duration, bool)> {
    let start = std::time::Instant::now();
    let bytes = std::fs::read(path)?;
    let json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let typed = if json {
        serde_json::from_slice::<OpenAPI>(&bytes).is_ok()
    } else {
        serde_yaml::from_slice::<OpenAPI>(&bytes).is_ok()
    };
    let took = start.elapsed();
    if typed {
        return Ok((took, true));
    }
    let start = std::time::Instant::now();
    let bytes = std::fs::read(path)?;
    let parsed = if json {
        serde_json::from_slice::<Value>(&bytes).is_ok()
    } else {
        serde_yaml::from_slice::<serde_yaml::Value>(&bytes).is_ok()
    };
    std::hint::black_box(parsed);
    Ok((start.elapsed().max(took), false))
}

/// Loads a document that is already in memory (after overlays, say).
pub fn load_value(mut raw: Value, diags: &mut Diagnostics) -> Option<Loaded> {
    let Some(root) = raw.as_object_mut() else {
        diags.error("", "the document is not an object; an OpenAPI document starts with `openapi:`");
        return None;
    };
    let declared_version = match root.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(_) => {
            diags.error("/openapi", "`openapi` must be a version string such as \"3.0.3\"");
            return None;
        }
        None => {
            let hint = if root.contains_key("swagger") {
                "this is a Swagger 2.0 document; convert it to OpenAPI 3 first (e.g. with swagger2openapi)"
            } else {
                "add `openapi: 3.0.3` (or 3.1.0) at the top"
            };
            diags.error("/openapi", format!("no `openapi` version field: {hint}"));
            return None;
        }
    };
    if !(declared_version.starts_with("3.0") || declared_version.starts_with("3.1")) {
        diags.error(
            "/openapi",
            format!("OpenAPI {declared_version} is not supported; versions 3.0.x and 3.1.x are"),
        );
        return None;
    }
    if declared_version.starts_with("3.1") {
        normalise_31_root(root, diags);
    }
    normalise_schemas(&mut raw);

    // A valid document is read once. Where schemas nest deeply, a bad one far down
    // could cost 2^depth here (see `prune_invalid_subschemas`), so such documents, and
    // any this read refuses, are checked part by part.
    if schema_depth(&raw, None) <= FAST_PATH_DEPTH
        && let Ok(api) = <OpenAPI as serde::Deserialize>::deserialize(&raw)
    {
        return Some(Loaded { api, raw, declared_version });
    }
    prune_invalid(&mut raw, diags);
    // What is left is read without tracking the path, which costs half as much again;
    // only a document that still does not fit is read once more for where.
    if let Ok(api) = <OpenAPI as serde::Deserialize>::deserialize(&raw) {
        return Some(Loaded { api, raw, declared_version });
    }
    match serde_path_to_error::deserialize::<_, OpenAPI>(&raw) {
        Ok(api) => Some(Loaded {
            api,
            raw,
            declared_version,
        }),
        Err(err) => {
            diags.error(
                path_to_pointer(err.path()),
                format!("not a valid OpenAPI document here: {}", err.inner()),
            );
            None
        }
    }
}

/// Checks the parts of the document one by one, innermost first, and drops a part that
/// does not fit OpenAPI (a media type entry that is not a media type object, a broken
/// parameter or response, an operation) with a warning naming it: one bad entry must
/// not cost the user the rest of the API. A broken component schema is replaced by an
/// empty schema (any JSON), so references to it still resolve.
fn prune_invalid(raw: &mut Value, diags: &mut Diagnostics) {
    use openapiv3::{MediaType, Operation, Parameter, ReferenceOr, RequestBody, Response, Schema};

    let mut pointers = Vec::new();
    let object_keys = |value: &Value, pointer: &str| -> Vec<String> {
        match value.pointer(pointer) {
            Some(Value::Object(map)) => map.keys().map(|k| join(pointer, k)).collect(),
            Some(Value::Array(items)) => (0..items.len()).map(|i| join(pointer, &i.to_string())).collect(),
            _ => Vec::new(),
        }
    };
    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    // Operations, path parameters and component schemas that read whole, and nest
    // shallowly enough to be read whole at little risk, need no check of their parts:
    // only the others are checked part by part, innermost first, as before.
    let mut clean = std::collections::BTreeSet::new();
    let mut whole = |pointer: &str, fits: fn(&Value) -> Result<(), String>, level: Option<usize>| {
        if let Some(value) = raw.pointer(pointer)
            && schema_depth(value, level) <= FAST_PATH_DEPTH
            && fits(value).is_ok()
        {
            clean.insert(pointer.to_owned());
        }
    };
    for path in object_keys(raw, "/paths") {
        for op in object_keys(raw, &path) {
            if METHODS.contains(&op.rsplit('/').next().unwrap_or_default()) {
                whole(&op, fits::<Operation>, None);
            }
        }
        for param in object_keys(raw, &join(&path, "parameters")) {
            whole(&param, fits::<ReferenceOr<Parameter>>, None);
        }
    }
    for schema in object_keys(raw, "/components/schemas") {
        whole(&schema, fits::<ReferenceOr<Schema>>, Some(0));
    }
    for path in object_keys(raw, "/paths") {
        for op in object_keys(raw, &path) {
            let method = op.rsplit('/').next().unwrap_or_default();
            if !METHODS.contains(&method) || clean.contains(&op) {
                continue;
            }
            for response in object_keys(raw, &join(&op, "responses")) {
                for media in object_keys(raw, &join(&response, "content")) {
                    pointers.push((media, Kind::Media));
                }
                pointers.push((response, Kind::Response));
            }
            for media in object_keys(raw, &join(&join(&op, "requestBody"), "content")) {
                pointers.push((media, Kind::Media));
            }
            pointers.push((join(&op, "requestBody"), Kind::Body));
            // From the back, so that removing one does not shift the others.
            for param in object_keys(raw, &join(&op, "parameters")).into_iter().rev() {
                pointers.push((param, Kind::Parameter));
            }
            pointers.push((op, Kind::Operation));
        }
        for param in object_keys(raw, &join(&path, "parameters")).into_iter().rev() {
            if !clean.contains(&param) {
                pointers.push((param, Kind::Parameter));
            }
        }
    }
    for schema in object_keys(raw, "/components/schemas") {
        if !clean.contains(&schema) {
            pointers.push((schema, Kind::Schema));
        }
    }
    for scheme in object_keys(raw, "/components/securitySchemes") {
        pointers.push((scheme, Kind::Security));
    }

    #[derive(Clone, Copy)]
    enum Kind {
        Media,
        Response,
        Body,
        Parameter,
        Operation,
        Schema,
        Security,
    }
    fn fits<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), String> {
        // From a reference: cloning each part first cost as much as checking it.
        serde_path_to_error::deserialize::<_, T>(value)
            .map(|_| ())
            .map_err(|err| {
                let at = path_to_pointer(err.path());
                if at.is_empty() {
                    err.inner().to_string()
                } else {
                    format!("{} at {at}", err.inner())
                }
            })
    }
    prune_invalid_subschemas(raw, diags, &fits::<ReferenceOr<Schema>>, &clean);
    for (pointer, kind) in pointers {
        let Some(value) = raw.pointer(&pointer) else { continue };
        let verdict = match kind {
            Kind::Media => fits::<MediaType>(value),
            Kind::Response => fits::<ReferenceOr<Response>>(value),
            Kind::Body => fits::<ReferenceOr<RequestBody>>(value),
            Kind::Parameter => fits::<ReferenceOr<Parameter>>(value),
            Kind::Operation => fits::<Operation>(value),
            Kind::Schema => fits::<ReferenceOr<Schema>>(value),
            Kind::Security => fits::<ReferenceOr<openapiv3::SecurityScheme>>(value),
        };
        let Err(mut why) = verdict else { continue };
        if let Some((cut, _)) = why.char_indices().nth(160) {
            why.truncate(cut);
            why.push('…');
        }
        match kind {
            Kind::Schema => {
                diags.warning(&pointer, format!("not a valid schema ({why}); typed as serde_json::Value"));
                if let Some(slot) = raw.pointer_mut(&pointer) {
                    *slot = Value::Object(Map::new());
                }
            }
            _ => {
                diags.warning(&pointer, format!("skipped: not valid OpenAPI ({why})"));
                remove_pointer(raw, &pointer, diags);
            }
        }
    }
}

fn normalise_31_root(root: &mut Map<String, Value>, diags: &mut Diagnostics) {
    // `openapiv3` reads 3.0; what differs at the top level is dropped or defaulted here.
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    if root.remove("webhooks").is_some() {
        diags.warning(
            "/webhooks",
            "webhooks are not generated (a client sends requests; webhooks are received)",
        );
    }
    root.remove("jsonSchemaDialect");
    if let Some(Value::Object(info)) = root.get_mut("info")
        && let Some(Value::Object(license)) = info.get_mut("license")
    {
        license.remove("identifier");
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        components.remove("pathItems");
    }
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
}

/// Keys whose values are data, not spec structure: never rewritten.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const", "value"];

/// Rewrites 3.1 (JSON Schema 2020-12) schema keywords into their 3.0 forms, anywhere in the
/// document. Each rewrite is keyed on a keyword only schemas use, so nothing else is touched.
fn normalise_schemas(value: &mut Value) {
    match value {
        Value::Object(map) => {
            normalise_schema_object(map);
            for (key, child) in map.iter_mut() {
                if key.starts_with("x-") {
                    continue;
                }
                if DATA_KEYS.contains(&key.as_str()) && !is_examples_map(key, child) {
                    continue;
                }
                normalise_schemas(child);
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                normalise_schemas(item);
            }
        }
        _ => {}
    }
}

/// `examples` in a media type or parameter is a map of Example objects, which hold
/// `$ref`s worth keeping intact; only schema `examples` (an array) is data.
fn is_examples_map(key: &str, value: &Value) -> bool {
    key == "examples" && value.is_object()
}

fn normalise_schema_object(map: &mut Map<String, Value>) {
    // type: [T, "null"]  →  type: T, nullable: true ; several types → anyOf.
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let mut names: Vec<String> = types
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        let nullable = names.iter().any(|t| t == "null");
        names.retain(|t| t != "null");
        map.remove("type");
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match names.len() {
            0 => {}
            1 => {
                map.insert("type".into(), Value::String(names.remove(0)));
            }
            _ => {
                let variants = names
                    .into_iter()
                    .map(|t| {
                        let mut v = Map::new();
                        v.insert("type".into(), Value::String(t));
                        Value::Object(v)
                    })
                    .collect();
                map.insert("anyOf".into(), Value::Array(variants));
            }
        }
    } else if map.get("type").and_then(Value::as_str) == Some("null") {
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
    }
    // oneOf/anyOf: [X, {type: null}]  →  X's alternatives, nullable: true.
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            let before = items.len();
            items.retain(|item| !is_null_schema(item));
            if items.len() != before {
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![c]));
    }
    // An untyped enum of strings (common after `const`) is a string enum.
    if !map.contains_key("type")
        && let Some(Value::Array(values)) = map.get("enum")
        && !values.is_empty()
        && values.iter().all(Value::is_string)
    {
        map.insert("type".into(), Value::String("string".into()));
    }
    if let Some(Value::Array(examples)) = map.get("examples") {
        let first = examples.first().cloned();
        map.remove("examples");
        if let Some(first) = first {
            map.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n @ Value::Number(_)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    // 2020-12 keywords with no 3.0 counterpart that would otherwise fail to parse.
    for key in ["$schema", "$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$defs"] {
        map.remove(key);
    }
}

fn is_null_schema(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("null")
        || matches!(value.get("type"), Some(Value::Array(t)) if t.len() == 1 && t[0] == "null")
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer = join(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = join(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

fn remove_pointer(raw: &mut Value, pointer: &str, diags: &mut Diagnostics) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match raw.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
                diags.removed_element(parent, i);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Option<Loaded>, Diagnostics) {
        let mut diags = Diagnostics::new("t.yaml");
        let loaded = parse_document(text, Path::new("t.yaml"), &mut diags)
            .and_then(|v| load_value(v, &mut diags));
        (loaded, diags)
    }

    #[test]
    fn pointers_after_a_skipped_array_element_name_the_element_in_the_file() {
        // Parameter 0 is not a parameter and is skipped; the dangling reference is in
        // parameter 1 of the file, though it is parameter 0 of what is left.
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - just text\n        - name: q\n          in: query\n          schema: {$ref: '#/nope'}\n      responses: {'200': {description: ok}}\n";
        let (loaded, mut diags) = load(text);
        let loaded = loaded.unwrap_or_else(|| panic!("{:?}", diags.as_slice()));
        assert_eq!(diags.as_slice()[0].pointer, "/paths/~1a/get/parameters/0");
        crate::check::check(&loaded.raw, &mut diags);
        let dangling = diags.as_slice().iter().find(|d| d.message.contains("#/nope")).expect("the dangling reference");
        assert!(
            dangling.pointer.starts_with("/paths/~1a/get/parameters/1/schema"),
            "{}",
            dangling.pointer
        );
    }

    #[test]
    fn reads_31_type_arrays_as_nullable() {
        let (loaded, diags) = load(
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: [string, 'null']\n      const: x\n",
        );
        let loaded = loaded.unwrap_or_else(|| panic!("{:?}", diags.as_slice()));
        let a = &loaded.raw["components"]["schemas"]["A"];
        assert_eq!(a["type"], "string");
        assert_eq!(a["nullable"], true);
        assert_eq!(a["enum"], serde_json::json!(["x"]));
        assert_eq!(loaded.declared_version, "3.1.0");
    }

    #[test]
    fn swagger_two_is_refused_with_a_hint() {
        let (loaded, diags) = load("swagger: '2.0'\ninfo: {title: t, version: '1'}\n");
        assert!(loaded.is_none());
        let d = &diags.as_slice()[0];
        assert_eq!(d.pointer, "/openapi");
        assert!(d.message.contains("Swagger 2.0"), "{}", d.message);
    }

    #[test]
    fn a_bad_media_type_entry_is_skipped_with_its_pointer() {
        let (loaded, diags) = load(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            example: 42\n",
        );
        assert!(loaded.is_some());
        let d = &diags.as_slice()[0];
        assert_eq!(d.pointer, "/paths/~1a/get/responses/200/content/example");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let (loaded, diags) = load(": : :\n- [");
        assert!(loaded.is_none());
        assert!(diags.has_errors());
        let (loaded, diags) = load("[1, 2]");
        assert!(loaded.is_none());
        assert!(diags.has_errors());
    }

    /// Nine lines of anchors that would expand to a billion nodes.
    fn alias_bomb() -> String {
        let mut bomb = String::from("x-bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let aliases = vec![format!("*b{}", level - 1); 10].join(", ");
            bomb.push_str(&format!("x-bomb{level}: &b{level} [{aliases}]\n"));
        }
        bomb
    }

    #[test]
    fn an_alias_bomb_is_refused_before_it_is_expanded() {
        // Found by the fuzzer: appended to a spec of 30 KB, serde_yaml took ten seconds
        // (debug build) to give up on its own.
        let padding: String = (0..600).map(|i| format!("x-pad{i}: [a, b, c, d, e, f, g, h]\n")).collect();
        let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n{padding}{}", alias_bomb());
        let start = std::time::Instant::now();
        let (loaded, diags) = load(&text);
        assert!(loaded.is_none());
        let d = &diags.as_slice()[0];
        assert_eq!(d.pointer, "");
        assert!(d.message.contains("aliases"), "{}", d.message);
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
    }

    #[test]
    fn ordinary_aliases_still_load() {
        let (loaded, diags) = load(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: &r\n        '200': {description: ok}\n  /b:\n    get:\n      responses: *r\n",
        );
        assert!(loaded.is_some(), "{:?}", diags.as_slice());
        assert!(!diags.has_errors());
    }

    #[test]
    fn flow_nesting_is_counted_outside_quotes_and_plain_text() {
        assert!(flow_nesting_exceeds(&format!("a: {}{}", "[".repeat(300), "]".repeat(300)), 256));
        assert!(flow_nesting_exceeds(&"{\"a\":".repeat(300), 256));
        assert!(!flow_nesting_exceeds(&format!("a: {}{}", "[".repeat(200), "]".repeat(200)), 256));
        // Brackets in quoted scalars, and in plain scalars where no value starts, are text.
        assert!(!flow_nesting_exceeds(&format!("a: '{}'\nb: \"{}\"\n", "[".repeat(300), "{".repeat(300)), 256));
        assert!(!flow_nesting_exceeds(&format!("pattern: ^{}\n", "[a-z".repeat(300)), 256));
        assert!(!flow_nesting_exceeds(&format!("a: [\"{}\", 'it''s']\n", "\\\"[".repeat(300)), 256));
    }

    #[test]
    fn deep_json_read_as_yaml_is_refused_quickly() {
        // Found by the fuzzer: 5,000 levels of JSON around a few thousand components, in
        // a file named .yaml, fall through serde_json's depth limit to the YAML reader,
        // which then spent ten seconds (debug) on every token at that depth.
        let levels = 5_000;
        let inner: Vec<String> = (0..5_000).map(|i| format!("{{\"$ref\": \"#/c/{i}\"}}")).collect();
        let text = format!("{}[{}]{}", "{\"a\":".repeat(levels), inner.join(","), "}".repeat(levels));
        let start = std::time::Instant::now();
        let mut diags = Diagnostics::new("t.yaml");
        assert!(parse_document(&text, Path::new("t.yaml"), &mut diags).is_none());
        assert!(diags.as_slice()[0].message.contains("levels deep"), "{:?}", diags.as_slice());
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
    }

    #[test]
    fn thousands_of_levels_are_an_error_not_a_stack_overflow() {
        // serde_json and serde_yaml stop at 128 levels, so nothing after them recurses
        // deeper; this holds that in place should either parser change.
        let levels = 5_000;
        let json = format!("{}{}{}", "{\"a\":".repeat(levels), "1", "}".repeat(levels));
        let yaml = format!("openapi: 3.0.3\nx: {}1{}\n", "[".repeat(levels), "]".repeat(levels));
        for (name, text) in [("t.json", &json), ("t.yaml", &json), ("t.yaml", &yaml)] {
            let mut diags = Diagnostics::new(name);
            assert!(parse_document(text, Path::new(name), &mut diags).is_none(), "{name}");
            assert!(diags.has_errors(), "{name}");
        }
    }

    #[test]
    fn a_bad_schema_deep_inside_costs_linear_time() {
        // Found by the fuzzer: arrays of arrays around one bad `type`; every level
        // doubled the time `openapiv3` took to reject it (14 levels: 1.6 s, debug).
        let mut inner = serde_json::json!({ "type": "array", "items": { "type": 5 } });
        for _ in 0..22 {
            inner = serde_json::json!({ "type": "array", "items": inner });
        }
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "schemas": { "Deep": inner } },
        });
        let start = std::time::Instant::now();
        let (loaded, diags) = load(&doc.to_string());
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
        assert!(loaded.is_some(), "{:?}", diags.as_slice());
        let warning = &diags.as_slice()[0];
        assert_eq!(warning.pointer, format!("/components/schemas/Deep{}/items", "/items".repeat(22)));
        assert!(warning.message.contains("not a valid schema"), "{}", warning.message);
    }
}
