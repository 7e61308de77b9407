//! OpenAPI Overlays: repeatable edits to a spec that the user does not own, kept in a
//! file of their own, applied to the raw document before it is loaded.
//!
//! Semantics follow the Overlay Specification 1.0.0
//! (<https://spec.openapis.org/overlay/v1.0.0.html>, source
//! `OAI/Overlay-Specification/versions/1.0.0.md`):
//!
//! - `actions` are applied in order, each "to the result of the previous action"
//!   (§ Overlay Object), so an action sees what earlier ones added or removed.
//! - `target` is an RFC 9535 JSONPath (§ Definitions), parsed and evaluated with
//!   `serde_json_path`.
//! - `update` on an object is merged into it, on an array it is appended (§ Action Object).
//!   1.0.0 says "recursively merged" without saying what happens to arrays inside the
//!   update; Overlay 1.1.0 (<https://spec.openapis.org/overlay/v1.1.0.html>, § Action
//!   Object) spells the merge out and we follow it: a property only in the update is
//!   added, primitives replace primitives, arrays are **concatenated**, objects merge
//!   recursively; an array `update` on an array target is concatenated too, anything
//!   else is appended as one entry. speakeasy-api/openapi-overlay (`pkg/overlay/apply.go`,
//!   `mergeSequenceNode`) and lornajane/openapi-overlays-js, which bump.sh uses
//!   (`mergician({ appendArrays: true })`), do the same, so overlays written for those
//!   tools give the same result here.
//! - `remove: true` removes each selected node from the map or array that holds it.
//!
//! Where the specs leave room we chose, and say so with a warning at `/actions/N`:
//! - A target that selects nothing is a warning (1.1.0: "the action succeeds without
//!   changing the target document"); it usually means the upstream spec moved on.
//! - An update that does not fit its target node (an object update on a string, a
//!   primitive on an object) skips that node. A primitive update on a primitive target
//!   replaces it, as 1.1.0 and speakeasy do.
//! - Inside a merge, a property whose kind changes (a string example fixed to an array,
//!   OAI/Overlay-Specification#299) is replaced by the update's value, as speakeasy does,
//!   where 1.1.0 would fail the whole overlay. A `null` in the update never wipes an
//!   object or array (the spec's own "Structured Overlay" example writes `components:`
//!   with no value); use `remove` for that.
//! - The same node selected twice (`$['a','a']`, overlapping `..`) is changed once, so
//!   an append cannot happen twice by accident.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_json_path::{JsonPath, PathElement};

use crate::diagnostics::{Diagnostics, join};
use crate::load::parse_document;

/// A validated overlay file.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// Where it was read from; diagnostics point into this file.
    pub file: PathBuf,
    /// `info.title`: what the overlay is for.
    pub title: String,
    /// `info.version`: the overlay's own version, not the spec's.
    pub version: String,
    /// The actions, in the order they must be applied.
    pub actions: Vec<Action>,
}

/// One entry of `actions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Position in `actions`, so diagnostics can point at `/actions/N`.
    pub index: usize,
    /// RFC 9535 JSONPath selecting the nodes to change (checked by [`load`]).
    pub target: String,
    /// The action's `description`, quoted in its warnings.
    pub description: Option<String>,
    /// What to do to each selected node.
    pub kind: ActionKind,
}

/// What an action does to the nodes its target selects.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Merge into each selected object, append to each selected array.
    Update(Value),
    /// Remove each selected node from its parent (`remove: true`).
    Remove,
}

/// Reads and validates an overlay file (YAML or JSON).
///
/// Every problem is collected into `diags` (created by the caller as
/// `Diagnostics::new(path)`) with its JSON pointer inside the overlay file, so a user sees
/// all of them at once: not an object, `overlay` missing or not 1.0.x, `info` missing,
/// `actions` missing or not an array, an action without a string `target`, a target that
/// is not valid JSONPath (at `/actions/N/target`, with the parser's message), both or
/// neither of `update` and `remove: true`, `remove` not a boolean. Returns `None` if
/// there was any error. Lesser slips (no `info.version`, unknown fields) are warnings.
pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<Overlay> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            diags.error("", format!("cannot read the overlay file: {err}"));
            return None;
        }
    };
    from_text(&text, path, diags)
}

/// Like [`load`], for overlay text already in memory; `path` names it in diagnostics
/// and its extension picks the parser that speaks first, as for a file.
pub fn from_text(text: &str, path: &Path, diags: &mut Diagnostics) -> Option<Overlay> {
    let value = parse_document(text, path, diags)?;
    from_value(&value, path, diags)
}

const ROOT_FIELDS: &[&str] = &["overlay", "info", "extends", "actions"];
const ACTION_FIELDS: &[&str] = &["target", "description", "update", "remove"];

fn from_value(value: &Value, path: &Path, diags: &mut Diagnostics) -> Option<Overlay> {
    let Some(root) = value.as_object() else {
        diags.error(
            "",
            format!(
                "an overlay is an object with `overlay: 1.0.0`, `info` and `actions`; found {}",
                kind(value)
            ),
        );
        return None;
    };
    let mut ok = true;

    match root.get("overlay") {
        Some(Value::String(version)) if version == "1.0" || version.starts_with("1.0.") => {}
        Some(Value::String(version)) => {
            ok = false;
            diags.error(
                "/overlay",
                format!("Overlay {version} is not supported; version 1.0.x is"),
            );
        }
        Some(other) => {
            ok = false;
            diags.error(
                "/overlay",
                format!("`overlay` must be a version string such as \"1.0.0\"; found {}", kind(other)),
            );
        }
        None => {
            ok = false;
            let hint = if root.contains_key("openapi") {
                "this looks like an OpenAPI document, not an overlay"
            } else {
                "add `overlay: 1.0.0` at the top"
            };
            diags.error("/overlay", format!("no `overlay` version field: {hint}"));
        }
    }

    let (title, version) = match root.get("info") {
        Some(Value::Object(info)) => (
            info_text(info, "title", diags),
            info_text(info, "version", diags),
        ),
        Some(other) => {
            ok = false;
            diags.error(
                "/info",
                format!("`info` must be an object with `title` and `version`; found {}", kind(other)),
            );
            (String::new(), String::new())
        }
        None => {
            ok = false;
            diags.error("/info", "no `info`: add `info: {title: ..., version: ...}`");
            (String::new(), String::new())
        }
    };

    if let Some(extends) = root.get("extends")
        && !extends.is_string()
    {
        diags.warning("/extends", format!("`extends` should be a URI string; found {}, ignored", kind(extends)));
    }
    warn_unknown(root, ROOT_FIELDS, "", diags);

    let mut actions = Vec::new();
    match root.get("actions") {
        Some(Value::Array(items)) => {
            if items.is_empty() {
                diags.warning("/actions", "`actions` is empty, so the overlay changes nothing");
            }
            for (index, item) in items.iter().enumerate() {
                match read_action(index, item, diags) {
                    Some(action) => actions.push(action),
                    None => ok = false,
                }
            }
        }
        Some(other) => {
            ok = false;
            diags.error(
                "/actions",
                format!("`actions` must be an array of actions; found {}", kind(other)),
            );
        }
        None => {
            ok = false;
            diags.error("/actions", "no `actions`: an overlay lists the changes it makes under `actions`");
        }
    }

    ok.then(|| Overlay {
        file: path.to_path_buf(),
        title,
        version,
        actions,
    })
}

/// `info.title` and `info.version` are required by the spec but carry nothing the
/// generator needs, so their absence only warns.
fn info_text(info: &Map<String, Value>, key: &str, diags: &mut Diagnostics) -> String {
    let pointer = join("/info", key);
    match info.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(other @ (Value::Number(_) | Value::Bool(_))) => {
            diags.warning(&pointer, format!("`{key}` should be a string; read as \"{other}\""));
            other.to_string()
        }
        Some(other) => {
            diags.warning(&pointer, format!("`{key}` should be a string; found {}", kind(other)));
            String::new()
        }
        None => {
            diags.warning(&pointer, format!("`info.{key}` is required by the Overlay spec"));
            String::new()
        }
    }
}

fn read_action(index: usize, item: &Value, diags: &mut Diagnostics) -> Option<Action> {
    let at = format!("/actions/{index}");
    let Some(action) = item.as_object() else {
        diags.error(
            &at,
            format!("an action must be an object with `target` and `update` or `remove`; found {}", kind(item)),
        );
        return None;
    };
    let mut ok = true;
    warn_unknown(action, ACTION_FIELDS, &at, diags);

    let target_at = join(&at, "target");
    let target = match action.get("target") {
        Some(Value::String(target)) => {
            if let Err(err) = JsonPath::parse(target) {
                ok = false;
                diags.error(
                    &target_at,
                    format!("`{target}` is not an RFC 9535 JSONPath: {err}"),
                );
            }
            target.clone()
        }
        Some(other) => {
            ok = false;
            diags.error(&target_at, format!("`target` must be a JSONPath string; found {}", kind(other)));
            String::new()
        }
        None => {
            ok = false;
            diags.error(&target_at, "the action has no `target` (a JSONPath such as `$.paths.*.get`)");
            String::new()
        }
    };

    let description = match action.get("description") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            diags.warning(
                join(&at, "description"),
                format!("`description` should be a string; found {}, ignored", kind(other)),
            );
            None
        }
        None => None,
    };

    // `None` when `remove` is not a boolean: already reported, so no "neither" on top.
    let remove = match action.get("remove") {
        Some(Value::Bool(remove)) => Some(*remove),
        Some(other) => {
            ok = false;
            diags.error(
                join(&at, "remove"),
                format!("`remove` must be true or false; found {}", kind(other)),
            );
            None
        }
        None => Some(false),
    };
    let kind = match (action.get("update"), remove) {
        (_, None) => None,
        (Some(_), Some(true)) => {
            ok = false;
            diags.error(
                &at,
                "the action has both `update` and `remove: true`; keep one (remove and re-create with two actions)",
            );
            None
        }
        (Some(Value::Null), Some(false)) => {
            ok = false;
            diags.error(
                join(&at, "update"),
                "`update` is empty; give the properties to merge, or use `remove: true`",
            );
            None
        }
        (Some(update), Some(false)) => Some(ActionKind::Update(update.clone())),
        (None, Some(true)) => Some(ActionKind::Remove),
        (None, Some(false)) => {
            ok = false;
            diags.error(&at, "the action has neither `update` nor `remove: true`, so it does nothing");
            None
        }
    };

    match kind {
        Some(kind) if ok => Some(Action {
            index,
            target,
            description,
            kind,
        }),
        _ => None,
    }
}

fn warn_unknown(map: &Map<String, Value>, known: &[&str], at: &str, diags: &mut Diagnostics) {
    for key in map.keys() {
        if known.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        let hint = if key == "copy" { " (`copy` is Overlay 1.1; this file declares 1.0)" } else { "" };
        diags.warning(join(at, key), format!("unknown field `{key}` ignored{hint}"));
    }
}

/// Applies the actions in order, each to the document as the previous ones left it.
///
/// Nothing here is an error the document cannot survive: a target that selects nothing,
/// or an update that does not fit the node it selects (an object update on a string,
/// say; that node is skipped), is a warning in `diags` (the overlay file's
/// [`Diagnostics`]) at `/actions/N`. The only error is a target that does not parse,
/// which [`load`] already rejects; it can reach here only from a hand-built [`Overlay`].
pub fn apply(document: &mut Value, overlay: &Overlay, diags: &mut Diagnostics) {
    for action in &overlay.actions {
        apply_action(document, action, diags);
    }
}

/// One step of a normalized path, owned so the document can be mutated after the query.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// The most an action may copy into a document, in [`weight`] units (about bytes).
const MAX_COPIED: usize = 256 * 1024 * 1024;

/// About how many bytes `value` takes as JSON text: its strings and keys, and a little
/// for every node.
fn weight(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len() + 2,
        Value::Array(items) => items.iter().map(weight).sum::<usize>() + 2,
        Value::Object(map) => map.iter().map(|(key, v)| key.len() + 3 + weight(v)).sum::<usize>() + 2,
        _ => 8,
    }
}

fn apply_action(document: &mut Value, action: &Action, diags: &mut Diagnostics) {
    let at = format!("/actions/{}", action.index);
    let label = match &action.description {
        Some(text) => format!("action \"{}\"", one_line(text)),
        None => "action".to_owned(),
    };
    let path = match JsonPath::parse(&action.target) {
        Ok(path) => path,
        Err(err) => {
            diags.error(
                join(&at, "target"),
                format!("`{}` is not an RFC 9535 JSONPath: {err}", action.target),
            );
            return;
        }
    };
    // Locations are taken before anything changes; every node is then reached again by
    // its location, because the query borrows the document it reads.
    let mut seen = BTreeSet::new();
    let mut locations: Vec<Vec<Step>> = Vec::new();
    for node in path.query_located(document).iter() {
        let steps: Vec<Step> = node
            .location()
            .iter()
            .map(|element| match element {
                PathElement::Name(name) => Step::Key((*name).to_owned()),
                PathElement::Index(i) => Step::Index(*i),
            })
            .collect();
        if seen.insert(steps.clone()) {
            locations.push(steps);
        }
    }
    if locations.is_empty() {
        diags.warning(
            &at,
            format!("{label}: target `{}` matched nothing; the action changed nothing", action.target),
        );
        return;
    }
    if let ActionKind::Update(update) = &action.kind {
        // `$..*` with a big update copies it into every node of the document: an
        // amplification as an alias bomb is, refused before it takes the memory.
        let copied = weight(update).saturating_mul(locations.len());
        if copied > MAX_COPIED {
            diags.error(
                join(&at, "update"),
                format!(
                    "{label}: the update (about {} KB) would be copied to {} places, about {} MB in all; \
                     narrow `target` to the nodes it is meant for",
                    weight(update) / 1024,
                    locations.len(),
                    copied / (1024 * 1024)
                ),
            );
            return;
        }
    }
    let mut sink = Sink { diags, at: &at, label: &label };
    match &action.kind {
        ActionKind::Update(update) => {
            for steps in &locations {
                let pointer = pointer_of(steps);
                if let Some(node) = node_mut(document, steps) {
                    update_node(node, update, &pointer, &mut sink);
                }
            }
        }
        ActionKind::Remove => {
            // Lexicographically last first: a node's descendants and its later siblings
            // go before it, so no removal shifts an array index still to be used.
            locations.sort_unstable_by(|a, b| b.cmp(a));
            for steps in &locations {
                remove_node(document, steps, &mut sink);
            }
        }
    }
}

/// Where warnings about one action go.
struct Sink<'a> {
    diags: &'a mut Diagnostics,
    at: &'a str,
    label: &'a str,
}

impl Sink<'_> {
    fn warn(&mut self, message: String) {
        self.diags.warning(self.at, format!("{}: {message}", self.label));
    }
}

fn update_node(node: &mut Value, update: &Value, pointer: &str, sink: &mut Sink<'_>) {
    match (node, update) {
        (Value::Object(target), Value::Object(update)) => merge_object(target, update, pointer, sink),
        (Value::Array(items), Value::Array(more)) => items.extend(more.iter().cloned()),
        (Value::Array(items), entry) => items.push(entry.clone()),
        (Value::Object(_), update) => sink.warn(format!(
            "`{}` is an object, so the update must be an object of properties to merge, not {}; skipped",
            shown(pointer),
            kind(update)
        )),
        (node, update @ (Value::Object(_) | Value::Array(_))) => sink.warn(format!(
            "`{}` is {}, which {} cannot be merged into; target the containing object instead; skipped",
            shown(pointer),
            kind(node),
            kind(update)
        )),
        (node, update) => *node = update.clone(),
    }
}

/// The recursive merge of Overlay 1.1.0 § Action Object (see the module docs).
fn merge_object(target: &mut Map<String, Value>, update: &Map<String, Value>, pointer: &str, sink: &mut Sink<'_>) {
    for (key, new) in update {
        let here = join(pointer, key);
        let Some(old) = target.get_mut(key) else {
            target.insert(key.clone(), new.clone());
            continue;
        };
        match (old, new) {
            (Value::Object(old), Value::Object(new)) => merge_object(old, new, &here, sink),
            (Value::Array(old), Value::Array(new)) => old.extend(new.iter().cloned()),
            (old @ (Value::Object(_) | Value::Array(_)), Value::Null) => sink.warn(format!(
                "`{}` is {} and null does not replace it (use `remove: true` to delete it); kept",
                shown(&here),
                kind(old)
            )),
            (old @ Value::Null, new) => *old = new.clone(),
            (old, new) if same_kind(old, new) || !(is_container(old) || is_container(new)) => {
                *old = new.clone();
            }
            (old, new) => {
                sink.warn(format!(
                    "`{}` was {} and is replaced by {} from the update",
                    shown(&here),
                    kind(old),
                    kind(new)
                ));
                *old = new.clone();
            }
        }
    }
}

fn remove_node(document: &mut Value, steps: &[Step], sink: &mut Sink<'_>) {
    let Some((last, parent_steps)) = steps.split_last() else {
        sink.warn("the target is the whole document, which cannot be removed; skipped".to_owned());
        return;
    };
    match (node_mut(document, parent_steps), last) {
        (Some(Value::Object(map)), Step::Key(key)) => {
            map.shift_remove(key);
        }
        (Some(Value::Array(items)), Step::Index(i)) if *i < items.len() => {
            items.remove(*i);
        }
        // Gone already: nothing else can have moved it, as removals run back to front.
        _ => {}
    }
}

fn node_mut<'v>(mut value: &'v mut Value, steps: &[Step]) -> Option<&'v mut Value> {
    for step in steps {
        value = match (value, step) {
            (Value::Object(map), Step::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Step::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

fn pointer_of(steps: &[Step]) -> String {
    steps.iter().fold(String::new(), |pointer, step| match step {
        Step::Key(key) => join(&pointer, key),
        Step::Index(i) => join(&pointer, &i.to_string()),
    })
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_))
}

fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A description squeezed onto one line of a diagnostic.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;
    use serde_json::json;

    const FILE: &str = "fix.overlay.yaml";

    fn parse(text: &str) -> (Option<Overlay>, Diagnostics) {
        let mut diags = Diagnostics::new(FILE);
        let overlay = from_text(text, Path::new(FILE), &mut diags);
        (overlay, diags)
    }

    /// Applies an overlay given as YAML (its `actions` only) and returns the document and
    /// the diagnostics of loading and applying.
    fn run(document: Value, actions: &str) -> (Value, Diagnostics) {
        let text = format!("overlay: 1.0.0\ninfo: {{title: t, version: '1'}}\nactions:\n{actions}");
        let (overlay, mut diags) = parse(&text);
        let overlay = overlay.unwrap_or_else(|| panic!("overlay did not load: {:?}", diags.as_slice()));
        let mut document = document;
        apply(&mut document, &overlay, &mut diags);
        (document, diags)
    }

    fn warnings(diags: &Diagnostics) -> Vec<&crate::diagnostics::Diagnostic> {
        diags.as_slice().iter().filter(|d| d.severity == Severity::Warning).collect()
    }

    #[test]
    fn update_merges_into_an_object_recursively() {
        let document = json!({
            "info": {
                "title": "Old",
                "contact": {"name": "a", "email": "a@example.com"},
                "x-tags": ["one"],
                "version": "1"
            }
        });
        let (document, diags) = run(
            document,
            "  - target: $.info\n    update:\n      title: New\n      contact: {name: b}\n      x-tags: [two]\n      x-new: 1\n",
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            document,
            json!({
                "info": {
                    "title": "New",
                    "contact": {"name": "b", "email": "a@example.com"},
                    "x-tags": ["one", "two"],
                    "version": "1",
                    "x-new": 1
                }
            })
        );
        // Existing keys keep their place and new ones come last.
        let keys: Vec<&str> = document["info"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["title", "contact", "x-tags", "version", "x-new"]);
    }

    #[test]
    fn update_on_an_array_appends_an_entry_or_concatenates_an_array() {
        let document = json!({"tags": [{"name": "a"}]});
        let (document, diags) = run(
            document,
            "  - target: $.tags\n    update: {name: b}\n  - target: $.tags\n    update:\n      - name: c\n      - name: d\n",
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            document["tags"],
            json!([{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}])
        );
    }

    #[test]
    fn remove_deletes_object_members_and_several_array_elements() {
        let document = json!({
            "paths": {
                "/a": {"get": {}},
                "/b": {"get": {"parameters": [
                    {"name": "p", "in": "query"},
                    {"name": "h", "in": "header"},
                    {"name": "q", "in": "query"},
                    {"name": "r", "in": "query"}
                ]}},
                "/c": {"get": {}}
            }
        });
        let (document, diags) = run(
            document,
            "  - target: $.paths['/a']\n    remove: true\n  - target: $.paths['/b'].get.parameters[?@.in == 'query']\n    remove: true\n",
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            document,
            json!({
                "paths": {
                    "/b": {"get": {"parameters": [{"name": "h", "in": "header"}]}},
                    "/c": {"get": {}}
                }
            })
        );
    }

    #[test]
    fn remove_handles_nested_and_repeated_matches() {
        // `$..description` selects a node and one inside it; `[0, 0, 2]` selects one twice.
        let document = json!({
            "description": "top",
            "list": ["x", "y", "z", "w"],
            "a": {"description": {"description": "inner"}, "keep": 1}
        });
        let (document, diags) = run(
            document,
            "  - target: $..description\n    remove: true\n  - target: $.list[0, 0, 2]\n    remove: true\n",
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(document, json!({"list": ["y", "w"], "a": {"keep": 1}}));
    }

    #[test]
    fn wildcard_and_filter_targets_update_every_match() {
        let document = json!({
            "paths": {
                "/a": {"get": {"operationId": "x"}, "post": {"operationId": "y"}},
                "/b": {"get": {"operationId": "z"}}
            }
        });
        let (document, diags) = run(
            document,
            "  - target: $.paths.*.get\n    update: {x-safe: true}\n  - target: $..[?@.operationId == 'y']\n    update: {summary: Why}\n",
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            document,
            json!({
                "paths": {
                    "/a": {
                        "get": {"operationId": "x", "x-safe": true},
                        "post": {"operationId": "y", "summary": "Why"}
                    },
                    "/b": {"get": {"operationId": "z", "x-safe": true}}
                }
            })
        );
    }

    #[test]
    fn a_target_matching_nothing_warns_at_its_action() {
        let (document, diags) = run(
            json!({"info": {"title": "t"}}),
            "  - target: $.info\n    update: {title: u}\n  - target: $.paths['/gone']\n    description: Drop the old endpoint\n    remove: true\n",
        );
        assert_eq!(document, json!({"info": {"title": "u"}}));
        let found = warnings(&diags);
        assert_eq!(found.len(), 1, "{found:?}");
        let warning = found[0];
        assert_eq!(warning.pointer, "/actions/1");
        assert_eq!(warning.file, Path::new(FILE));
        assert!(warning.message.contains("$.paths['/gone']"), "{}", warning.message);
        assert!(warning.message.contains("Drop the old endpoint"), "{}", warning.message);
        let shown = warning.to_string();
        assert!(shown.starts_with("warning: fix.overlay.yaml#/actions/1: "), "{shown}");
        assert!(!diags.has_errors());
    }

    #[test]
    fn an_invalid_jsonpath_is_an_error_at_its_target() {
        let (overlay, diags) = parse(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.ok\n    remove: true\n  - target: $.paths[?(@.x\n    remove: true\n",
        );
        assert!(overlay.is_none());
        let errors: Vec<_> = diags.as_slice().iter().filter(|d| d.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].pointer, "/actions/1/target");
        assert!(errors[0].message.contains("not an RFC 9535 JSONPath"), "{}", errors[0].message);
        assert!(errors[0].message.contains("at position"), "{}", errors[0].message);
    }

    #[test]
    fn invalid_overlays_are_errors_at_their_pointers() {
        let errors = |text: &str| {
            let (overlay, diags) = parse(text);
            assert!(overlay.is_none(), "{text}");
            diags
                .into_vec()
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.pointer)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            errors("info: {title: t, version: '1'}\nactions:\n  - target: $.a\n    remove: true\n"),
            ["/overlay"]
        );
        assert_eq!(
            errors("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n    remove: 'yes'\n"),
            ["/actions/0/remove"]
        );
        assert_eq!(
            errors("overlay: 2.0.0\nactions:\n  - target: $.a\n    remove: true\n    update: {}\n  - target: 5\n    update: {}\n  - update: {}\n  - target: $.b\n  - 7\n"),
            ["/overlay", "/info", "/actions/0", "/actions/1/target", "/actions/2/target", "/actions/3", "/actions/4"]
        );
        assert_eq!(errors("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: {}\n"), ["/actions"]);
        assert_eq!(errors("overlay: 1.0.0\ninfo: {title: t, version: '1'}\n"), ["/actions"]);
        assert_eq!(errors("[1, 2]"), [""]);
        assert_eq!(errors(": : :\n- ["), [""]);
    }

    #[test]
    fn a_valid_overlay_loads_from_a_file() {
        let path = std::env::temp_dir().join(format!("generator-overlay-{}.json", std::process::id()));
        let text = r#"{"overlay": "1.0.0", "info": {"title": "Fix", "version": "2"}, "extends": "./spec.yaml",
            "actions": [{"target": "$.info", "description": "d", "update": {"x": 1}}, {"target": "$.x", "remove": true}]}"#;
        let written = std::fs::write(&path, text);
        let mut diags = Diagnostics::new(&path);
        let overlay = written.ok().and_then(|()| load(&path, &mut diags));
        let _ = std::fs::remove_file(&path);
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            overlay,
            Some(Overlay {
                file: path.clone(),
                title: "Fix".into(),
                version: "2".into(),
                actions: vec![
                    Action {
                        index: 0,
                        target: "$.info".into(),
                        description: Some("d".into()),
                        kind: ActionKind::Update(json!({"x": 1})),
                    },
                    Action {
                        index: 1,
                        target: "$.x".into(),
                        description: None,
                        kind: ActionKind::Remove,
                    },
                ],
            })
        );

        let mut diags = Diagnostics::new(&path);
        assert!(load(&path, &mut diags).is_none());
        assert_eq!(diags.as_slice()[0].pointer, "");
    }

    #[test]
    fn actions_apply_in_order() {
        // Remove, re-create, then update what was re-created: each action sees the last.
        let document = json!({"paths": {"/old": {"get": {"summary": "old"}}}});
        let (document, diags) = run(
            document,
            concat!(
                "  - target: $.paths['/old']\n    remove: true\n",
                "  - target: $.paths\n    update: {/old: {post: {summary: created}}}\n",
                "  - target: $.paths['/old'].post\n    update: {x-later: true}\n",
            ),
        );
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(
            document,
            json!({"paths": {"/old": {"post": {"summary": "created", "x-later": true}}}})
        );
    }

    #[test]
    fn an_update_that_does_not_fit_its_node_is_skipped_with_a_warning() {
        let document = json!({"info": {"title": "t", "description": "d"}, "n": 1});
        let (document, diags) = run(
            document,
            concat!(
                "  - target: $.info.title\n    update: {text: x}\n",
                "  - target: $.info\n    update: just text\n",
                "  - target: $.n\n    update: 2\n",
            ),
        );
        assert_eq!(document, json!({"info": {"title": "t", "description": "d"}, "n": 2}));
        let pointers: Vec<&str> = warnings(&diags).iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/actions/0", "/actions/1"]);
        assert!(diags.as_slice()[0].message.contains("/info/title"), "{}", diags.as_slice()[0].message);
    }

    #[test]
    fn a_kind_change_inside_a_merge_replaces_and_null_keeps() {
        let document = json!({"schema": {"type": "string", "example": "indoor", "properties": {"a": {}}}});
        let (document, diags) = run(
            document,
            "  - target: $.schema\n    update:\n      type: array\n      example: [indoor]\n      properties:\n",
        );
        assert_eq!(
            document,
            json!({"schema": {"type": "array", "example": ["indoor"], "properties": {"a": {}}}})
        );
        let messages: Vec<&str> = warnings(&diags).iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("/schema/example"), "{}", messages[0]);
        assert!(messages[1].contains("/schema/properties"), "{}", messages[1]);
    }

    #[test]
    fn an_update_copied_everywhere_past_the_limit_is_refused() {
        // 3,000 nodes, each to get a 100 KB name: 300 MB of copies. (An explicit `?` key:
        // YAML's implicit keys stop at 1,024 characters.)
        let items: Vec<serde_json::Value> = (0..3000).map(|i| json!({"n": i})).collect();
        let document = json!({"items": items});
        let name = "a".repeat(100_000);
        let (after, diags) = run(document.clone(), &format!("  - target: $..*\n    update:\n      ? {name}\n      : 1\n"));
        assert_eq!(after, document, "nothing is copied");
        let errors: Vec<_> = diags.as_slice().iter().filter(|d| d.severity == crate::Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{:?}", diags.as_slice());
        assert_eq!(errors[0].pointer, "/actions/0/update");
        assert!(errors[0].message.contains("narrow `target`"), "{}", errors[0].message);
        // The same update on one node is fine.
        let (after, diags) = run(json!({"items": []}), &format!("  - target: $\n    update:\n      ? {name}\n      : 1\n"));
        assert!(diags.as_slice().is_empty(), "{:?}", diags.as_slice());
        assert_eq!(after[name.as_str()], 1);
    }

    #[test]
    fn removing_the_root_is_refused() {
        let (document, diags) = run(json!({"a": 1}), "  - target: $\n    remove: true\n");
        assert_eq!(document, json!({"a": 1}));
        assert_eq!(warnings(&diags).len(), 1);
    }
}
