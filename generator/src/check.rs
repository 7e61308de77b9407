//! Stage 2: find what is wrong with the document as a whole, all of it at once, each
//! problem with its JSON pointer. Problems local to one schema or operation are found
//! while lowering, where their context is known.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::{Diagnostics, join};

/// Checks references and operation ids.
pub fn check(raw: &Value, diags: &mut Diagnostics) {
    check_refs(raw, raw, "", diags);
    check_operation_ids(raw, diags);
}

/// Decodes the `%XX` escapes a URI fragment may carry.
pub(crate) fn percent_decode(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_refs(root: &Value, value: &Value, pointer: &str, diags: &mut Diagnostics) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let at = join(pointer, "$ref");
                match reference.strip_prefix('#') {
                    Some(fragment) => {
                        if root.pointer(&percent_decode(fragment)).is_none() {
                            diags.error(
                                at,
                                format!("`$ref: {reference}` points to nothing in this document; fix the reference or add the target"),
                            );
                        }
                    }
                    None => diags.error(
                        at,
                        format!("`$ref: {reference}` refers to another file; bundle the spec into one document first (e.g. `redocly bundle`)"),
                    ),
                }
            }
            for (key, child) in map {
                if key == "example" || key == "examples" && !child.is_object() || key.starts_with("x-") {
                    continue;
                }
                check_refs(root, child, &join(pointer, key), diags);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_refs(root, item, &join(pointer, &i.to_string()), diags);
            }
        }
        _ => {}
    }
}

fn check_operation_ids(raw: &Value, diags: &mut Diagnostics) {
    let Some(Value::Object(paths)) = raw.get("paths") else { return };
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (path, item) in paths {
        let Value::Object(item) = item else { continue };
        for (method, op) in item {
            let Some(Value::String(id)) = op.get("operationId") else { continue };
            let at = join(&join(&join("/paths", path), method), "operationId");
            if let Some(first) = seen.get(id.as_str()) {
                diags.warning(
                    at,
                    format!("operationId `{id}` is used already at {first}; this method gets a numbered name"),
                );
            } else {
                seen.insert(id, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dangling_and_external_refs_are_errors_with_pointers() {
        let doc = json!({
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/Missing"},
                "B": {"$ref": "other.yaml#/B"},
                "C": {"$ref": "#/components/schemas/A"}
            }}
        });
        let mut diags = Diagnostics::new("spec.yaml");
        check(&doc, &mut diags);
        let pointers: Vec<_> = diags.as_slice().iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/components/schemas/A/$ref", "/components/schemas/B/$ref"]);
        assert!(diags.has_errors());
    }

    #[test]
    fn percent_escapes_in_fragments_resolve() {
        assert_eq!(percent_decode("/paths/~1a%7Bid%7D"), "/paths/~1a{id}");
        assert_eq!(percent_decode("/x%"), "/x%");
    }
}
