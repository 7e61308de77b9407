//! The mutators: structural edits of a parsed document (a `serde_json::Value`), then
//! an optional byte-level edit of its text.
//!
//! Every choice comes from the one seeded generator passed in, and documents keep their
//! key order (`serde_json` with `preserve_order`), so a seed names the same inputs on
//! every run.
//!
//! Trees can become thousands of levels deep here, and serialising or dropping such a
//! tree recurses: the caller runs this on a thread with a large stack (see `main`).

use rand::RngExt;
use rand_pcg::Pcg64;
use serde_json::{Map, Value, json};

/// One step from a node to a child.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// A member of an object.
    Key(String),
    /// An element of an array.
    Index(usize),
}

/// A node's location from the root.
pub type Path = Vec<Step>;

/// Nodes deeper than this are not picked as mutation sites: walking (and copying the
/// paths of) a tree that an earlier mutation made thousands of levels deep would cost
/// the square of its depth.
const MAX_SITE_DEPTH: usize = 48;

/// The structural mutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutation {
    /// Remove a member or element.
    Drop,
    /// Copy a node into another object or array.
    Duplicate,
    /// Exchange two nodes that do not contain each other.
    Swap,
    /// Replace a node with a value of another JSON type.
    Retype,
    /// Put a `$ref` that resolves to nothing (or is malformed) somewhere.
    DanglingRef,
    /// Put a `$ref` to some node of the document that is not what the context expects
    /// (a path item, `info`, a string...).
    RefToNonSchema,
    /// A component that refers to itself, directly or through others, and a use of it.
    CyclicRef,
    /// A long chain of components, each only a `$ref` to the next.
    RefChain,
    /// Wrap a node in hundreds or thousands of levels of schemas or containers.
    DeepNesting,
    /// Rename a member, or set a name-like string, to an odd name.
    OddName,
    /// A name thousands to hundreds of thousands of characters long.
    HugeName,
    /// Copies of a member under names that are equal after case conversion.
    CollidingNames,
}

impl Mutation {
    /// Every structural mutation.
    pub const ALL: [Mutation; 12] = [
        Mutation::Drop,
        Mutation::Duplicate,
        Mutation::Swap,
        Mutation::Retype,
        Mutation::DanglingRef,
        Mutation::RefToNonSchema,
        Mutation::CyclicRef,
        Mutation::RefChain,
        Mutation::DeepNesting,
        Mutation::OddName,
        Mutation::HugeName,
        Mutation::CollidingNames,
    ];

    /// The name printed in crash reports.
    pub fn name(self) -> &'static str {
        match self {
            Mutation::Drop => "drop",
            Mutation::Duplicate => "duplicate",
            Mutation::Swap => "swap",
            Mutation::Retype => "retype",
            Mutation::DanglingRef => "dangling-ref",
            Mutation::RefToNonSchema => "ref-to-non-schema",
            Mutation::CyclicRef => "cyclic-ref",
            Mutation::RefChain => "ref-chain",
            Mutation::DeepNesting => "deep-nesting",
            Mutation::OddName => "odd-name",
            Mutation::HugeName => "huge-name",
            Mutation::CollidingNames => "colliding-names",
        }
    }
}

/// The byte-level mutations, applied to the text of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ByteMutation {
    /// Cut the text at a random byte (possibly inside a UTF-8 sequence).
    Truncate,
    /// Insert bytes that are not UTF-8.
    InvalidUtf8,
    /// Insert a line that is not valid YAML (or YAML that the parser limits).
    InvalidYaml,
    /// Break the JSON syntax: a bracket removed, a comma or a bare word inserted.
    InvalidJson,
    /// Overwrite a few random bytes.
    FlipBytes,
    /// Append YAML anchors that expand to a huge tree (billion laughs).
    AliasBomb,
}

impl ByteMutation {
    /// Every byte-level mutation.
    pub const ALL: [ByteMutation; 6] = [
        ByteMutation::Truncate,
        ByteMutation::InvalidUtf8,
        ByteMutation::InvalidYaml,
        ByteMutation::InvalidJson,
        ByteMutation::FlipBytes,
        ByteMutation::AliasBomb,
    ];

    /// The name printed in crash reports.
    pub fn name(self) -> &'static str {
        match self {
            ByteMutation::Truncate => "truncate",
            ByteMutation::InvalidUtf8 => "invalid-utf8",
            ByteMutation::InvalidYaml => "invalid-yaml",
            ByteMutation::InvalidJson => "invalid-json",
            ByteMutation::FlipBytes => "flip-bytes",
            ByteMutation::AliasBomb => "alias-bomb",
        }
    }
}

/// Names that have broken code generators: empty, blank, control characters,
/// bidirectional overrides, emoji and combining marks, Rust keywords and the names that
/// cannot be raw identifiers, names of prelude and runtime items, comment and attribute
/// syntax, JSON-pointer and path-template syntax, and letters whose case mapping changes
/// their length.
pub const ODD_NAMES: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "\u{7}\u{1b}[31m",
    "\t\n",
    "\r",
    "\u{202e}gnp.exe\u{202c}",
    "\u{200f}\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
    "\u{645}\u{631}\u{62d}\u{628}\u{627}",
    "\u{1f600}",
    "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    "e\u{301}",
    "\u{feff}",
    "\u{3a9}",
    "\u{1c5}",
    "\u{df}",
    "\u{130}",
    "\u{fb03}",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "_",
    "__",
    "r#type",
    "async",
    "await",
    "gen",
    "fn",
    "mod",
    "move",
    "try",
    "union",
    "1abc",
    "123",
    "0",
    "-",
    "--",
    "a-b",
    "a b",
    "A",
    "a",
    "*/",
    "/*",
    "//",
    "///",
    "\"",
    "'",
    "\\",
    "`",
    "#[cfg(any())]",
    "}",
    "{",
    "{id}",
    "{}",
    "~1",
    "~",
    "/",
    "#",
    "%2F",
    "..",
    "None",
    "Some",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Ok",
    "Err",
    "serde",
    "std",
    "core",
    "Client",
    "Error",
    "models",
    "Default",
    "Debug",
];

/// Broken `$ref` values: missing targets, malformed pointers, bad escapes and
/// percent-encoding, other files and URLs.
pub const DANGLING_REFS: &[&str] = &[
    "#/components/schemas/DoesNotExist",
    "#/components/schemas/",
    "#/components/schemas",
    "#/components",
    "#",
    "",
    "#/",
    "#/nope/nope",
    "other.yaml#/components/schemas/X",
    "https://example.com/spec.json#/components/schemas/X",
    "#/components/schemas/%ZZ",
    "#/components/schemas/%",
    "#/components/schemas/a~2b",
    "#/components/schemas/a~",
    "#components/schemas/X",
    "#/components/schemas/X/../..",
    "#/components/schemas/0",
    "#/components/parameters/DoesNotExist",
    "#/components/responses/DoesNotExist",
    "#/components/requestBodies/DoesNotExist",
    "#/paths/~1nope/get",
    "#/\u{0}",
    "#/components/schemas/\u{1f600}",
];

/// JSONPath targets for overlay actions: everything, deep scans, filters, unions that
/// select one node twice, the root itself, and text that does not parse.
pub const OVERLAY_TARGETS: &[&str] = &[
    "$",
    "$.*",
    "$..*",
    "$..[*]",
    "$.paths.*.*",
    "$.paths.*",
    "$.components.schemas.*",
    "$.components.schemas.*.properties.*",
    "$..[?@.type == 'object']",
    "$..[?@['$ref']]",
    "$..['$ref']",
    "$['paths','paths']",
    "$.info",
    "$.info.title",
    "$.openapi",
    "$[0]",
    "$..*[0]",
    "$..*[-1]",
    "$.paths[*][*].parameters[*]",
    "$[",
    "",
    "paths",
    "$.a.b.c.d",
    "$..[?length(@) > 2]",
    "$..[?match(@.name, '.*')]",
];

/// All paths of `value` up to [`MAX_SITE_DEPTH`] levels, root first, in document order.
pub fn paths(value: &Value) -> Vec<Path> {
    let mut out = Vec::new();
    let mut stack: Vec<(Path, &Value)> = vec![(Vec::new(), value)];
    while let Some((path, node)) = stack.pop() {
        if path.len() < MAX_SITE_DEPTH {
            match node {
                Value::Object(map) => {
                    for (key, child) in map.iter().rev() {
                        let mut p = path.clone();
                        p.push(Step::Key(key.clone()));
                        stack.push((p, child));
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate().rev() {
                        let mut p = path.clone();
                        p.push(Step::Index(i));
                        stack.push((p, child));
                    }
                }
                _ => {}
            }
        }
        out.push(path);
    }
    out
}

/// The node at `path`.
pub fn node<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |node, step| match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get(key),
            (Value::Array(items), Step::Index(i)) => items.get(*i),
            _ => None,
        })
}

/// The node at `path`, mutably.
pub fn node_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter()
        .try_fold(value, |node, step| match (node, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key),
            (Value::Array(items), Step::Index(i)) => items.get_mut(*i),
            _ => None,
        })
}

/// RFC 6901 pointer of `path`, with the leading `#` of a same-document `$ref`.
pub fn ref_of(path: &[Step]) -> String {
    let mut out = String::from("#");
    for step in path {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// RFC 9535 normalized path of `path`, for overlay targets.
pub fn json_path_of(path: &[Step]) -> String {
    let mut out = String::from("$");
    for step in path {
        match step {
            Step::Key(key) => {
                out.push_str("['");
                for c in key.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Depth of the deepest node (the root alone is depth 0), without recursion.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(0usize, value)];
    while let Some((d, node)) = stack.pop() {
        deepest = deepest.max(d);
        match node {
            Value::Object(map) => stack.extend(map.values().map(|v| (d + 1, v))),
            Value::Array(items) => stack.extend(items.iter().map(|v| (d + 1, v))),
            _ => {}
        }
    }
    deepest
}

/// Number of nodes, without recursion.
#[cfg(test)]
pub fn count(value: &Value) -> usize {
    let mut total = 0;
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        total += 1;
        match node {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    total
}

fn pick<'a, T>(rng: &mut Pcg64, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        Some(&items[rng.random_range(0..items.len())])
    }
}

/// The JSON type of `value`, as a small number.
fn kind(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn last_key(path: &[Step]) -> Option<&str> {
    match path.last() {
        Some(Step::Key(key)) => Some(key),
        _ => None,
    }
}

fn key_at(path: &[Step], from_end: usize) -> Option<&str> {
    match path.len().checked_sub(from_end + 1).map(|i| &path[i]) {
        Some(Step::Key(key)) => Some(key),
        _ => None,
    }
}

/// Whether `path` is where OpenAPI expects a schema (so a `$ref` there means a schema).
fn schema_site(path: &[Step]) -> bool {
    matches!(
        last_key(path),
        Some("schema" | "items" | "additionalProperties" | "not")
    ) || matches!(key_at(path, 1), Some("properties" | "schemas"))
        || (matches!(path.last(), Some(Step::Index(_)))
            && matches!(key_at(path, 1), Some("allOf" | "oneOf" | "anyOf")))
}

/// The places a reference of `kind` (`schemas`, `parameters`, `responses`,
/// `requestBodies`) can stand in `doc`.
fn ref_sites(doc: &Value, kind: &str) -> Vec<Path> {
    paths(doc)
        .into_iter()
        .filter(|p| match kind {
            "schemas" => schema_site(p),
            "parameters" => {
                matches!(p.last(), Some(Step::Index(_))) && key_at(p, 1) == Some("parameters")
            }
            "responses" => {
                key_at(p, 1) == Some("responses")
                    && !p.starts_with(&[Step::Key("components".into())])
            }
            _ => last_key(p) == Some("requestBody"),
        })
        .collect()
}

/// `components.<kind>`, created (as an object) if missing or not an object.
fn components<'a>(doc: &'a mut Value, kind: &str) -> &'a mut Map<String, Value> {
    if !doc.is_object() {
        *doc = json!({});
    }
    let root = doc.as_object_mut().expect("made an object above");
    let comps = root.entry("components").or_insert_with(|| json!({}));
    if !comps.is_object() {
        *comps = json!({});
    }
    let section = comps
        .as_object_mut()
        .expect("made an object above")
        .entry(kind)
        .or_insert_with(|| json!({}));
    if !section.is_object() {
        *section = json!({});
    }
    section.as_object_mut().expect("made an object above")
}

/// Puts `{"$ref": target}` at a site where a `kind` is expected (or, if there is none,
/// at any non-root node), so the component is used and not only declared.
fn use_ref(doc: &mut Value, rng: &mut Pcg64, kind: &str, target: &str) {
    let mut sites = ref_sites(doc, kind);
    if sites.is_empty() {
        sites = paths(doc).into_iter().filter(|p| !p.is_empty()).collect();
    }
    if let Some(site) = pick(rng, &sites).cloned()
        && let Some(slot) = node_mut(doc, &site)
    {
        *slot = json!({ "$ref": target });
    }
}

/// Applies `mutation` to `doc`. Returns whether it changed anything it could reach (a
/// drop on an empty document cannot).
pub fn apply(doc: &mut Value, mutation: Mutation, rng: &mut Pcg64) -> bool {
    let all = paths(doc);
    let non_root: Vec<Path> = all.iter().filter(|p| !p.is_empty()).cloned().collect();
    match mutation {
        Mutation::Drop => {
            let Some(path) = pick(rng, &non_root).cloned() else {
                return false;
            };
            let (last, parent) = path.split_last().expect("not the root");
            match (node_mut(doc, parent), last) {
                (Some(Value::Object(map)), Step::Key(key)) => map.shift_remove(key).is_some(),
                (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
                    items.remove(*i);
                    true
                }
                _ => false,
            }
        }
        Mutation::Duplicate => {
            let Some(source) = pick(rng, &non_root).cloned() else {
                return false;
            };
            let copy = node(doc, &source).cloned().unwrap_or(Value::Null);
            let containers: Vec<&Path> = all
                .iter()
                .filter(|p| matches!(node(doc, p), Some(Value::Object(_) | Value::Array(_))))
                .collect();
            let Some(target) = pick(rng, &containers).map(|p| (*p).clone()) else {
                return false;
            };
            let key = match last_key(&source) {
                Some(key) => key.to_owned(),
                None => "copy".to_owned(),
            };
            match node_mut(doc, &target) {
                Some(Value::Array(items)) => items.push(copy),
                Some(Value::Object(map)) => {
                    let key = if map.contains_key(&key) {
                        format!("{key}2")
                    } else {
                        key
                    };
                    map.insert(key, copy);
                }
                _ => return false,
            }
            true
        }
        Mutation::Swap => {
            for _ in 0..8 {
                let (Some(a), Some(b)) =
                    (pick(rng, &non_root).cloned(), pick(rng, &non_root).cloned())
                else {
                    return false;
                };
                if a.starts_with(&b) || b.starts_with(&a) {
                    continue;
                }
                let (Some(va), Some(vb)) = (node(doc, &a).cloned(), node(doc, &b).cloned()) else {
                    continue;
                };
                if va == vb {
                    continue;
                }
                if let Some(slot) = node_mut(doc, &a) {
                    *slot = vb;
                }
                if let Some(slot) = node_mut(doc, &b) {
                    *slot = va;
                }
                return true;
            }
            false
        }
        Mutation::Retype => {
            let Some(path) = pick(rng, &all).cloned() else {
                return false;
            };
            let old = node(doc, &path).cloned().unwrap_or(Value::Null);
            let candidates = [
                Value::Null,
                json!(true),
                json!(false),
                json!(0),
                json!(-1),
                json!(i64::MIN),
                json!(u64::MAX),
                json!(1e308),
                json!(0.5),
                json!(""),
                json!("x"),
                json!([]),
                json!({}),
                Value::Array(vec![old.clone()]),
                Value::Object(Map::from_iter([("x".to_owned(), old.clone())])),
                Value::String(serde_json::to_string(&old).unwrap_or_default()),
            ];
            let wrapped = [candidates[13].clone(), candidates[14].clone()];
            let differing: Vec<&Value> = candidates
                .iter()
                .filter(|v| kind(v) != kind(&old) || wrapped.contains(v))
                .collect();
            let Some(new) = pick(rng, &differing).map(|v| (*v).clone()) else {
                return false;
            };
            if let Some(slot) = node_mut(doc, &path) {
                *slot = new;
            }
            true
        }
        Mutation::DanglingRef => {
            let target = *pick(rng, DANGLING_REFS).expect("not empty");
            // Either break an existing reference or add one where a schema goes.
            let refs: Vec<Path> = all
                .iter()
                .filter(|p| last_key(p) == Some("$ref"))
                .cloned()
                .collect();
            if !refs.is_empty() && rng.random_bool(0.5) {
                let path = pick(rng, &refs).cloned().expect("not empty");
                if let Some(slot) = node_mut(doc, &path) {
                    *slot = json!(target);
                }
            } else {
                let kind = *pick(
                    rng,
                    &["schemas", "parameters", "responses", "requestBodies"],
                )
                .expect("not empty");
                use_ref(doc, rng, kind, target);
            }
            true
        }
        Mutation::RefToNonSchema => {
            let Some(target) = pick(rng, &all).cloned() else {
                return false;
            };
            let kind = *pick(
                rng,
                &["schemas", "parameters", "responses", "requestBodies"],
            )
            .expect("not empty");
            use_ref(doc, rng, kind, &ref_of(&target));
            true
        }
        Mutation::CyclicRef => {
            let kind = *pick(
                rng,
                &[
                    "schemas",
                    "schemas",
                    "schemas",
                    "parameters",
                    "responses",
                    "requestBodies",
                ],
            )
            .expect("not empty");
            let name = format!("Cycle{}", rng.random_range(0..1000u32));
            let other = format!("{name}B");
            let me = format!("#/components/{kind}/{name}");
            let them = format!("#/components/{kind}/{other}");
            let section = components(doc, kind);
            let shape = if kind == "schemas" {
                rng.random_range(0..6)
            } else {
                rng.random_range(0..2) * 5
            };
            match shape {
                // Only a reference to itself: no type at all.
                0 => {
                    section.insert(name.clone(), json!({ "$ref": me }));
                }
                // A legitimate recursive type.
                1 => {
                    section.insert(
                        name.clone(),
                        json!({ "type": "object", "properties": { "next": { "$ref": me } } }),
                    );
                }
                2 => {
                    section.insert(
                        name.clone(),
                        json!({ "allOf": [{ "$ref": me }, { "type": "object" }] }),
                    );
                }
                3 => {
                    section.insert(
                        name.clone(),
                        json!({ "type": "array", "items": { "$ref": me } }),
                    );
                }
                4 => {
                    section.insert(
                        name.clone(),
                        json!({ "oneOf": [{ "$ref": them }, { "type": "string" }] }),
                    );
                    section.insert(other, json!({ "anyOf": [{ "$ref": me }] }));
                }
                // Two components that are nothing but references to each other.
                _ => {
                    section.insert(name.clone(), json!({ "$ref": them }));
                    section.insert(other, json!({ "$ref": me }));
                }
            }
            use_ref(doc, rng, kind, &me);
            true
        }
        Mutation::RefChain => {
            let kind = *pick(
                rng,
                &[
                    "schemas",
                    "schemas",
                    "parameters",
                    "responses",
                    "requestBodies",
                ],
            )
            .expect("not empty");
            let length = *pick(rng, &[2usize, 10, 100, 1000, 5000]).expect("not empty");
            let end = rng.random_range(0..3);
            let section = components(doc, kind);
            for i in 0..length {
                section.insert(
                    format!("Chain{i}"),
                    json!({ "$ref": format!("#/components/{kind}/Chain{}", i + 1) }),
                );
            }
            let last = format!("Chain{length}");
            match end {
                // Ends in something real of the kind.
                0 => {
                    let real = match kind {
                        "schemas" => json!({ "type": "string" }),
                        "parameters" => {
                            json!({ "name": "q", "in": "query", "schema": { "type": "string" } })
                        }
                        "responses" => json!({ "description": "ok" }),
                        _ => {
                            json!({ "content": { "application/json": { "schema": { "type": "string" } } } })
                        }
                    };
                    section.insert(last, real);
                }
                // Back to the start: a cycle as long as the chain.
                1 => {
                    section.insert(
                        last,
                        json!({ "$ref": format!("#/components/{kind}/Chain0") }),
                    );
                }
                // Nowhere: the last link dangles.
                _ => {}
            }
            use_ref(doc, rng, kind, &format!("#/components/{kind}/Chain0"));
            true
        }
        Mutation::DeepNesting => {
            let levels = *pick(rng, &[64usize, 127, 129, 200, 1000, 5000]).expect("not empty");
            let form = rng.random_range(0..5);
            let sites: Vec<Path> = all.iter().filter(|p| schema_site(p)).cloned().collect();
            let site = match pick(rng, &sites) {
                Some(site) => site.clone(),
                None => match pick(rng, &non_root) {
                    Some(site) => site.clone(),
                    None => return false,
                },
            };
            let Some(slot) = node_mut(doc, &site) else {
                return false;
            };
            // Built by hand: `json!` serialises an interpolated value again, which would
            // copy the whole tree at every level.
            let object = |pairs: Vec<(&str, Value)>| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            };
            let mut inner = std::mem::take(slot);
            for _ in 0..levels {
                inner = match form {
                    0 => object(vec![
                        ("type", json!("object")),
                        ("properties", object(vec![("n", inner)])),
                    ]),
                    1 => object(vec![("type", json!("array")), ("items", inner)]),
                    2 => object(vec![("allOf", Value::Array(vec![inner]))]),
                    3 => Value::Array(vec![inner]),
                    _ => object(vec![("a", inner)]),
                };
            }
            *slot = inner;
            true
        }
        Mutation::OddName | Mutation::HugeName => {
            let name = if mutation == Mutation::OddName {
                (*pick(rng, ODD_NAMES).expect("not empty")).to_owned()
            } else {
                let length = *pick(rng, &[1_000usize, 65_536, 300_000]).expect("not empty");
                let unit =
                    *pick(rng, &["a", "A_", "\u{1f600}", "\u{5d0}", "a-"]).expect("not empty");
                unit.repeat(length / unit.len().max(1) + 1)
            };
            rename_or_set(doc, rng, &all, name)
        }
        Mutation::CollidingNames => {
            let keyed: Vec<&Path> = all
                .iter()
                .filter(|p| {
                    last_key(p).is_some()
                        && matches!(
                            key_at(p, 1),
                            Some("properties" | "schemas" | "parameters" | "responses" | "paths")
                        )
                })
                .collect();
            let keyed: Vec<&Path> = if keyed.is_empty() {
                all.iter().filter(|p| last_key(p).is_some()).collect()
            } else {
                keyed
            };
            let Some(path) = pick(rng, &keyed).map(|p| (*p).clone()) else {
                return false;
            };
            let (Some(key), Some(value)) = (
                last_key(&path).map(str::to_owned),
                node(doc, &path).cloned(),
            ) else {
                return false;
            };
            let variants = colliding(&key);
            let Some(Value::Object(map)) = node_mut(doc, &path[..path.len() - 1]) else {
                return false;
            };
            let mut changed = false;
            for variant in variants.into_iter().take(rng.random_range(1..5)) {
                if !map.contains_key(&variant) {
                    map.insert(variant, value.clone());
                    changed = true;
                }
            }
            changed
        }
    }
}

/// Renames a member (preferring component, property and path names) or sets a
/// name-like string value (`name`, `operationId`, `title`, an `enum` entry) to `name`.
fn rename_or_set(doc: &mut Value, rng: &mut Pcg64, all: &[Path], name: String) -> bool {
    const NAMED: &[&str] = &[
        "properties",
        "schemas",
        "parameters",
        "responses",
        "paths",
        "requestBodies",
        "securitySchemes",
        "content",
    ];
    const NAME_VALUES: &[&str] = &[
        "name",
        "operationId",
        "title",
        "in",
        "type",
        "format",
        "$ref",
        "tags",
    ];
    if rng.random_bool(0.5) {
        let mut keys: Vec<&Path> = all
            .iter()
            .filter(|p| {
                last_key(p).is_some() && matches!(key_at(p, 1), Some(k) if NAMED.contains(&k))
            })
            .collect();
        if keys.is_empty() {
            keys = all.iter().filter(|p| last_key(p).is_some()).collect();
        }
        let Some(path) = pick(rng, &keys).map(|p| (*p).clone()) else {
            return false;
        };
        let (last, parent) = path.split_last().expect("has a key");
        let Step::Key(old) = last else { return false };
        let Some(Value::Object(map)) = node_mut(doc, parent) else {
            return false;
        };
        if map.contains_key(&name) {
            return false;
        }
        // Keep the member's place, so the rename is the only difference.
        let old = old.clone();
        let renamed: Map<String, Value> = std::mem::take(map)
            .into_iter()
            .map(|(k, v)| if k == old { (name.clone(), v) } else { (k, v) })
            .collect();
        *map = renamed;
        true
    } else {
        let mut strings: Vec<&Path> = all
            .iter()
            .filter(|p| {
                matches!(node(doc, p), Some(Value::String(_)))
                    && (matches!(last_key(p), Some(k) if NAME_VALUES.contains(&k))
                        || key_at(p, 1) == Some("enum"))
            })
            .collect();
        if strings.is_empty() {
            strings = all
                .iter()
                .filter(|p| matches!(node(doc, p), Some(Value::String(_))))
                .collect();
        }
        let Some(path) = pick(rng, &strings).map(|p| (*p).clone()) else {
            return false;
        };
        match node_mut(doc, &path) {
            Some(slot) if *slot != Value::String(name.clone()) => {
                *slot = Value::String(name);
                true
            }
            _ => false,
        }
    }
}

/// Names that differ from `key` but are likely to become the same Rust identifier.
pub fn colliding(key: &str) -> Vec<String> {
    let mut snake = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.extend(c.to_lowercase());
    }
    let mut variants = vec![
        snake.clone(),
        snake.replace('_', "-"),
        snake.replace('_', " "),
        snake.to_uppercase(),
        key.to_lowercase(),
        key.to_uppercase(),
        format!("{key}_"),
        format!("_{key}"),
        format!("{key} "),
        format!("r#{key}"),
        key.chars()
            .rev()
            .collect::<String>()
            .chars()
            .rev()
            .flat_map(|c| c.to_uppercase())
            .collect(),
    ];
    variants.retain(|v| v != key);
    variants.sort();
    variants.dedup();
    variants
}

/// Overlay mutations that only make sense for an overlay: a new action that targets a
/// real node of `base` (the spec it applies to) with `remove` or an update made from
/// another (possibly mutated) node of it, or an odd JSONPath target.
pub fn overlay_action(overlay: &mut Value, base: &Value, rng: &mut Pcg64) -> bool {
    if !overlay.is_object() {
        return false;
    }
    let root = overlay.as_object_mut().expect("checked above");
    let actions = root.entry("actions").or_insert_with(|| json!([]));
    if !actions.is_array() {
        return false;
    }
    let base_paths = paths(base);
    let action = match rng.random_range(0..4) {
        0 => {
            let Some(path) = pick(rng, &base_paths) else {
                return false;
            };
            json!({ "target": json_path_of(path), "remove": true })
        }
        1 => {
            let (Some(path), Some(from)) = (pick(rng, &base_paths), pick(rng, &base_paths)) else {
                return false;
            };
            let mut update = node(base, from).cloned().unwrap_or(Value::Null);
            let mutation = *pick(rng, &Mutation::ALL).expect("not empty");
            apply(&mut update, mutation, rng);
            json!({ "target": json_path_of(path), "update": update })
        }
        2 => {
            let target = *pick(rng, OVERLAY_TARGETS).expect("not empty");
            if rng.random_bool(0.5) {
                json!({ "target": target, "remove": true })
            } else {
                json!({ "target": target, "update": { "x-fuzz": true, "description": "" } })
            }
        }
        _ => {
            // Where a real action points, point it elsewhere.
            let items = actions.as_array_mut().expect("checked above");
            let Some(i) = (!items.is_empty()).then(|| rng.random_range(0..items.len())) else {
                return false;
            };
            let target = *pick(rng, OVERLAY_TARGETS).expect("not empty");
            match items[i].as_object_mut() {
                Some(action) => {
                    action.insert("target".into(), json!(target));
                    return true;
                }
                None => return false,
            }
        }
    };
    actions.as_array_mut().expect("checked above").push(action);
    true
}

/// Applies `mutation` to the text `bytes` (which `json` says is JSON, else YAML).
pub fn apply_bytes(bytes: &mut Vec<u8>, mutation: ByteMutation, json: bool, rng: &mut Pcg64) {
    let at = |rng: &mut Pcg64, len: usize| {
        if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        }
    };
    match mutation {
        ByteMutation::Truncate => {
            let cut = at(rng, bytes.len());
            bytes.truncate(cut);
        }
        ByteMutation::InvalidUtf8 => {
            let junk: &[u8] = pick(
                rng,
                &[
                    &[0xff][..],
                    &[0xc3, 0x28],
                    &[0xed, 0xa0, 0x80],
                    &[0xf8, 0x88, 0x80, 0x80, 0x80],
                    &[0x80],
                    &[0xe2, 0x82],
                ],
            )
            .expect("not empty");
            let i = at(rng, bytes.len());
            bytes.splice(i..i, junk.iter().copied());
        }
        ByteMutation::InvalidYaml => {
            let snippet = *pick(
                rng,
                &[
                    "\t- x\n",
                    ": :\n",
                    "key: [unclosed\n",
                    "x: &a\n",
                    "y: *undefined\n",
                    "z: !!binary zz~\n",
                    "? [complex, key]\n: value\n",
                    "---\nsecond: document\n",
                    "%YAML 9.9\n",
                    "'unterminated\n",
                    "dup: 1\ndup: 2\n",
                    "x: !<tag:yaml.org,2002:str> [1]\n",
                    "self: &s [*s]\n",
                    "  badly: indented\n wrongly: here\n",
                    "\u{feff}",
                    "{a: 1, a: 2}\n",
                ],
            )
            .expect("not empty");
            // At the start of a line, where YAML structure is decided.
            let starts: Vec<usize> = std::iter::once(0)
                .chain(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect();
            let i = *pick(rng, &starts).expect("not empty");
            bytes.splice(i..i, snippet.bytes());
        }
        ByteMutation::InvalidJson => {
            let brackets: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(b, b'}' | b']' | b'"' | b':'))
                .map(|(i, _)| i)
                .collect();
            match (rng.random_range(0..3), pick(rng, &brackets).copied()) {
                (0, Some(i)) => {
                    bytes.remove(i);
                }
                (1, Some(i)) => bytes.splice(i..i, b",".iter().copied()).for_each(drop),
                _ => {
                    let word: &[u8] = pick(
                        rng,
                        &[
                            &b"NaN"[..],
                            b"undefined",
                            b"'single'",
                            b"0x10",
                            b"1e999999",
                            b"-",
                        ],
                    )
                    .expect("not empty");
                    let i = at(rng, bytes.len());
                    bytes.splice(i..i, word.iter().copied());
                }
            }
            let _ = json;
        }
        ByteMutation::FlipBytes => {
            for _ in 0..rng.random_range(1..8) {
                if bytes.is_empty() {
                    break;
                }
                let i = at(rng, bytes.len());
                bytes[i] = rng.random_range(0..=255u8);
            }
        }
        ByteMutation::AliasBomb => {
            // Nine levels of ten: a billion nodes if expanded, a few hundred bytes of text.
            let mut bomb = String::from("\nx-bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n");
            for level in 1..9 {
                let prev = format!("*b{}", level - 1);
                bomb.push_str(&format!(
                    "x-bomb{level}: &b{level} [{}]\n",
                    vec![prev; 10].join(", ")
                ));
            }
            if json {
                // JSON has no anchors: make the document YAML that contains it.
                let mut text =
                    b"openapi: 3.0.3\ninfo: {title: bomb, version: '1'}\npaths: {}\n".to_vec();
                text.extend_from_slice(bomb.as_bytes());
                *bytes = text;
            } else {
                bytes.extend_from_slice(bomb.as_bytes());
            }
        }
    }
}

/// How a document is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `serde_yaml`, block style.
    Yaml,
    /// Compact JSON.
    Json,
    /// Indented JSON.
    PrettyJson,
}

/// The text of `doc`. Deep documents are written as compact JSON whatever is asked:
/// block YAML indents every level, so its size grows with the square of the depth.
pub fn encode(doc: &Value, encoding: Encoding) -> (Vec<u8>, Encoding) {
    let encoding = if encoding != Encoding::Json && depth(doc) > 200 {
        Encoding::Json
    } else {
        encoding
    };
    let bytes = match encoding {
        Encoding::Yaml => serde_yaml::to_string(doc)
            .map(String::into_bytes)
            .unwrap_or_default(),
        Encoding::Json => serde_json::to_vec(doc).unwrap_or_default(),
        Encoding::PrettyJson => serde_json::to_vec_pretty(doc).unwrap_or_default(),
    };
    (bytes, encoding)
}

/// One generated input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The text (or not-quite-text) handed to the generator.
    pub bytes: Vec<u8>,
    /// The file name the generator is told (its extension picks the parser).
    pub name: &'static str,
    /// What was done to the seed, in order (empty for the seed as it is).
    pub mutations: Vec<&'static str>,
}

/// Mutates a copy of `seed` with one to four structural mutations, encodes it, and
/// with probability `byte_rate` applies a byte-level mutation. For the overlay target,
/// `base` is the spec the overlay applies to; overlay-specific actions are then among
/// the choices.
pub fn make_input(seed: &Value, base: Option<&Value>, rng: &mut Pcg64, byte_rate: f64) -> Input {
    let mut doc = seed.clone();
    let mut mutations = Vec::new();
    for _ in 0..rng.random_range(1..=4) {
        match base {
            Some(base) if rng.random_bool(0.4) => {
                if overlay_action(&mut doc, base, rng) {
                    mutations.push("overlay-action");
                }
            }
            _ => {
                let mutation = *pick(rng, &Mutation::ALL).expect("not empty");
                if apply(&mut doc, mutation, rng) {
                    mutations.push(mutation.name());
                }
            }
        }
    }
    let wanted =
        *pick(rng, &[Encoding::Yaml, Encoding::Json, Encoding::PrettyJson]).expect("not empty");
    let (mut bytes, encoding) = encode(&doc, wanted);
    let json = encoding != Encoding::Yaml;
    if rng.random_bool(byte_rate) {
        let mutation = *pick(rng, &ByteMutation::ALL).expect("not empty");
        apply_bytes(&mut bytes, mutation, json, rng);
        mutations.push(mutation.name());
    }
    // Mostly the name matches the text; sometimes JSON is named .yaml (YAML reads JSON)
    // or YAML .json (the generator must then refuse, not fall over).
    let name = match (json, rng.random_bool(0.1)) {
        (true, false) | (false, true) => "fuzz.json",
        _ => "fuzz.yaml",
    };
    drop(doc);
    Input {
        bytes,
        name,
        mutations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Deep trees recurse when dropped or serialised; the test threads' 2 MiB are not
    /// enough, so the bodies run where `main` runs them, on a large stack.
    fn big_stack(body: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(body)
            .expect("spawns")
            .join()
            .expect("passes");
    }

    fn petstore() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "Pets", "version": "1" },
            "paths": {
                "/pets/{petId}": {
                    "get": {
                        "operationId": "getPet",
                        "parameters": [{ "name": "petId", "in": "path", "required": true, "schema": { "type": "string" } }],
                        "responses": {
                            "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Pet" } } } }
                        }
                    }
                }
            },
            "components": { "schemas": {
                "Pet": { "type": "object", "properties": { "petName": { "type": "string" }, "tag": { "$ref": "#/components/schemas/Tag" } } },
                "Tag": { "type": "string", "enum": ["a", "b"] }
            } }
        })
    }

    /// Follows `$ref`s from `start` (a `#/...` pointer) until a non-reference, a
    /// dangling one, or a repeat; returns how many hops and whether it came back.
    fn follow(doc: &Value, start: &str) -> (usize, bool) {
        let mut seen = std::collections::BTreeSet::new();
        let mut at = start.to_owned();
        let mut hops = 0;
        loop {
            if !seen.insert(at.clone()) {
                return (hops, true);
            }
            let Some(next) = doc
                .pointer(at.trim_start_matches('#'))
                .and_then(|n| n.get("$ref"))
                .and_then(Value::as_str)
            else {
                return (hops, false);
            };
            at = next.to_owned();
            hops += 1;
        }
    }

    #[test]
    fn every_mutation_changes_the_tree() {
        big_stack(|| {
            for mutation in Mutation::ALL {
                let mut changed = 0;
                for seed in 0..20 {
                    let mut rng = Pcg64::seed_from_u64(seed);
                    let mut doc = petstore();
                    if apply(&mut doc, mutation, &mut rng) {
                        assert_ne!(
                            doc,
                            petstore(),
                            "{} said it changed the tree (seed {seed})",
                            mutation.name()
                        );
                        changed += 1;
                    }
                }
                assert!(
                    changed >= 15,
                    "{} changed the tree only {changed} times in 20",
                    mutation.name()
                );
            }
        });
    }

    #[test]
    fn drop_removes_and_duplicate_adds_nodes() {
        big_stack(|| {
            let before = count(&petstore());
            for seed in 0..20 {
                let mut doc = petstore();
                assert!(apply(
                    &mut doc,
                    Mutation::Drop,
                    &mut Pcg64::seed_from_u64(seed)
                ));
                assert!(count(&doc) < before);
                let mut doc = petstore();
                assert!(apply(
                    &mut doc,
                    Mutation::Duplicate,
                    &mut Pcg64::seed_from_u64(seed)
                ));
                assert!(count(&doc) > before);
            }
        });
    }

    #[test]
    fn ref_chains_are_as_long_as_chosen_and_used() {
        big_stack(|| {
            let mut lengths = std::collections::BTreeSet::new();
            for seed in 0..40 {
                let mut doc = petstore();
                apply(
                    &mut doc,
                    Mutation::RefChain,
                    &mut Pcg64::seed_from_u64(seed),
                );
                let text = serde_json::to_string(&doc).expect("serialises");
                let kind = ["schemas", "parameters", "responses", "requestBodies"]
                    .into_iter()
                    .find(|k| doc.pointer(&format!("/components/{k}/Chain0")).is_some())
                    .expect("a chain was added");
                assert!(
                    text.contains(&format!("\"#/components/{kind}/Chain0\"")),
                    "the chain is used"
                );
                let (hops, _) = follow(&doc, &format!("#/components/{kind}/Chain0"));
                lengths.insert(hops);
            }
            assert!(
                lengths.iter().any(|&h| h >= 1000),
                "long chains occur: {lengths:?}"
            );
        });
    }

    #[test]
    fn cyclic_refs_come_back_to_their_start() {
        big_stack(|| {
            let mut cycles = 0;
            for seed in 0..30 {
                let mut doc = petstore();
                apply(
                    &mut doc,
                    Mutation::CyclicRef,
                    &mut Pcg64::seed_from_u64(seed),
                );
                for kind in ["schemas", "parameters", "responses", "requestBodies"] {
                    let Some(Value::Object(section)) = doc.pointer(&format!("/components/{kind}"))
                    else {
                        continue;
                    };
                    for name in section.keys().filter(|n| n.starts_with("Cycle")) {
                        let text = serde_json::to_string(&section[name]).expect("serialises");
                        assert!(
                            text.contains("#/components/"),
                            "{name} refers to a component"
                        );
                        if follow(&doc, &format!("#/components/{kind}/{name}")).1 {
                            cycles += 1;
                        }
                    }
                }
            }
            assert!(cycles > 0, "some are pure reference cycles");
        });
    }

    #[test]
    fn deep_nesting_is_deep_and_encodes_as_json() {
        big_stack(|| {
            let mut deepest = 0;
            for seed in 0..20 {
                let mut doc = petstore();
                apply(
                    &mut doc,
                    Mutation::DeepNesting,
                    &mut Pcg64::seed_from_u64(seed),
                );
                let d = depth(&doc);
                assert!(d >= 64, "at least 64 levels, got {d}");
                deepest = deepest.max(d);
                let (bytes, encoding) = encode(&doc, Encoding::Yaml);
                if d > 200 {
                    assert_eq!(encoding, Encoding::Json);
                }
                assert!(!bytes.is_empty());
            }
            assert!(deepest >= 1000, "thousands of levels occur: {deepest}");
        });
    }

    #[test]
    fn odd_names_land_in_the_document() {
        big_stack(|| {
            for seed in 0..30 {
                let mut doc = petstore();
                if apply(&mut doc, Mutation::OddName, &mut Pcg64::seed_from_u64(seed)) {
                    let found = paths(&doc).iter().any(|p| {
                        matches!(p.last(), Some(Step::Key(k)) if ODD_NAMES.contains(&k.as_str()))
                            || matches!(node(&doc, p), Some(Value::String(s)) if ODD_NAMES.contains(&s.as_str()))
                    });
                    assert!(found, "seed {seed}: no odd name in {doc}");
                }
            }
        });
    }

    #[test]
    fn colliding_names_collide_after_case_conversion() {
        big_stack(|| {
            let variants = colliding("petName");
            assert!(variants.contains(&"pet_name".to_owned()));
            assert!(variants.contains(&"PET_NAME".to_owned()));
            assert!(variants.contains(&"pet-name".to_owned()));
            assert!(!variants.contains(&"petName".to_owned()));
        });
    }

    #[test]
    fn overlay_targets_are_valid_paths_of_the_base() {
        big_stack(|| {
            // A normalized path built from a base path selects exactly that node.
            let base = petstore();
            for path in paths(&base).iter().filter(|p| !p.is_empty()) {
                let target = json_path_of(path);
                assert!(
                    target.starts_with("$['") || target.starts_with("$["),
                    "{target}"
                );
            }
            let mut overlay = json!({ "overlay": "1.0.0", "info": { "title": "t", "version": "1" }, "actions": [] });
            let mut rng = Pcg64::seed_from_u64(1);
            let added = (0..10)
                .filter(|_| overlay_action(&mut overlay, &base, &mut rng))
                .count();
            assert!(added > 0);
            assert!(!overlay["actions"].as_array().expect("an array").is_empty());
        });
    }

    #[test]
    fn byte_mutations_change_the_text() {
        big_stack(|| {
            let (text, _) = encode(&petstore(), Encoding::Yaml);
            for mutation in ByteMutation::ALL {
                for seed in 0..10 {
                    let mut bytes = text.clone();
                    apply_bytes(&mut bytes, mutation, false, &mut Pcg64::seed_from_u64(seed));
                    assert_ne!(
                        bytes,
                        text,
                        "{} left the text as it was (seed {seed})",
                        mutation.name()
                    );
                }
            }
            let mut bytes = text.clone();
            apply_bytes(
                &mut bytes,
                ByteMutation::InvalidUtf8,
                false,
                &mut Pcg64::seed_from_u64(3),
            );
            assert!(std::str::from_utf8(&bytes).is_err());
        });
    }

    #[test]
    fn the_same_seed_makes_the_same_inputs() {
        big_stack(|| {
            let run = |seed| {
                let mut rng = Pcg64::seed_from_u64(seed);
                (0..50)
                    .map(|_| make_input(&petstore(), None, &mut rng, 0.3))
                    .collect::<Vec<_>>()
            };
            let first = run(7);
            assert_eq!(first, run(7));
            assert_ne!(first, run(8));
            let distinct: std::collections::BTreeSet<&Vec<u8>> =
                first.iter().map(|i| &i.bytes).collect();
            assert!(
                distinct.len() > 40,
                "50 inputs, only {} distinct",
                distinct.len()
            );
        });
    }
}
