//! EnvironmentExtensions: what GET hides and how an update merges (facts §5.1).
//!
//! The set of extensible items (connections and their fields, process-property
//! components and their keys, ...) is fixed by what is deployed, so an update may only
//! name items and fields the environment has; anything else is a 400. Within that set:
//!
//! - `partial: true`: only what the request carries changes.
//! - `partial` false or omitted: a full update. Every field the request leaves out is
//!   reset to its default (`useDefault: true`, no value), **except encrypted fields,
//!   which keep their stored value** (seed 004: "The only exception is encrypted
//!   password fields"). `properties` entries left out are removed, cross-reference
//!   tables left out lose their overrides.
//! - A sent field: `useDefault: true` resets it; a `value` sets it; neither keeps an
//!   encrypted field as it is (so a GET-then-update round trip, which cannot carry the
//!   secret, preserves it) and resets a plain one, except that `useDefault: false`
//!   without a value is a 400 ("With useDefault:false a value must be given").

use serde_json::{Map, Value, json};

use crate::query::scalar_text;

/// The sections whose items carry a `field` list, with the list key of each.
const FIELD_SECTIONS: &[(&str, &str)] =
    &[("connections", "connection"), ("operations", "operation"), ("sharedCommunications", "sharedCommunication")];

/// Every section with its list key, in the order the document renders them.
pub(crate) const SECTIONS: &[(&str, &str)] = &[
    ("connections", "connection"),
    ("operations", "operation"),
    ("tradingPartners", "tradingPartner"),
    ("sharedCommunications", "sharedCommunication"),
    ("crossReferences", "crossReference"),
    ("processProperties", "ProcessProperty"),
    ("properties", "property"),
    ("PGPCertificates", "PGPCertificate"),
];

/// An empty extensions document for an environment.
pub(crate) fn empty_document(environment_id: &str) -> Value {
    let mut map = Map::new();
    map.insert("@type".to_owned(), json!("EnvironmentExtensions"));
    map.insert("id".to_owned(), json!(environment_id));
    map.insert("environmentId".to_owned(), json!(environment_id));
    map.insert("extensionGroupId".to_owned(), json!(""));
    for (section, list) in SECTIONS {
        map.insert((*section).to_owned(), json!({ *list: [] }));
    }
    Value::Object(map)
}

/// One item or many: Boomi's own examples send a lone object where a list belongs.
fn list(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

/// A boolean that may arrive as `"true"`/`"false"`.
pub(crate) fn lenient_bool(value: Option<&Value>) -> Result<Option<bool>, ()> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(()),
    }
}

fn is_encrypted(field: &Value) -> bool {
    field.get("usesEncryption").and_then(Value::as_bool).unwrap_or(false)
}

/// The document as GET returns it: encrypted values removed, `encryptedValueSet` telling
/// whether one is stored.
pub(crate) fn redacted(document: &Value) -> Value {
    let mut out = document.clone();
    redact(&mut out);
    out
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("usesEncryption").and_then(Value::as_bool) == Some(true) {
                let set = map.remove("value").is_some();
                map.insert("encryptedValueSet".to_owned(), Value::Bool(set));
            }
            if map.get("encrypted").and_then(Value::as_bool) == Some(true) {
                map.remove("value");
            }
            for child in map.values_mut() {
                redact(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Applies an update request to the stored document.
pub(crate) fn apply_update(stored: &mut Value, request: &Value, partial: bool) -> Result<(), String> {
    let mut next = stored.clone();
    for (section, list_key) in FIELD_SECTIONS {
        update_items(&mut next, request, section, list_key, partial, |stored_item, sent_item, name| {
            update_fields(stored_item, sent_item, "field", "id", partial, name)
        })?;
    }
    update_items(&mut next, request, "tradingPartners", "tradingPartner", partial, |stored_tp, sent_tp, name| {
        let tp_name = name.to_owned();
        let stored_categories = stored_tp.get_mut("category").and_then(Value::as_array_mut);
        let Some(stored_categories) = stored_categories else {
            return match sent_tp.map(|s| list(s.get("category")).is_empty()) {
                Some(false) => Err(format!("Trading partner {tp_name} has no extensible categories.")),
                _ => Ok(()),
            };
        };
        let sent_categories = sent_tp.map(|s| list(s.get("category"))).unwrap_or_default();
        for sent in &sent_categories {
            let id = sent.get("id").and_then(Value::as_str).unwrap_or("");
            if !stored_categories.iter().any(|c| c.get("id").and_then(Value::as_str) == Some(id)) {
                return Err(format!("Category {id} of trading partner {tp_name} is not extensible in this environment."));
            }
        }
        for category in stored_categories.iter_mut() {
            let id = category.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
            let sent = sent_categories.iter().find(|c| c.get("id").and_then(Value::as_str) == Some(id.as_str()));
            if sent.is_none() && partial {
                continue;
            }
            update_fields(category, sent.copied(), "field", "id", partial, &format!("{tp_name}/{id}"))?;
        }
        Ok(())
    })?;
    update_items(&mut next, request, "processProperties", "ProcessProperty", partial, |stored_item, sent_item, name| {
        update_fields(stored_item, sent_item, "ProcessPropertyValue", "key", partial, name)
    })?;
    update_items(&mut next, request, "PGPCertificates", "PGPCertificate", partial, |stored_item, sent_item, name| {
        apply_field(stored_item, sent_item, name)
    })?;
    update_items(&mut next, request, "crossReferences", "crossReference", partial, |stored_item, sent_item, _| {
        if let Some(map) = stored_item.as_object_mut() {
            match sent_item {
                Some(sent) => {
                    let override_values = lenient_bool(sent.get("overrideValues"))
                        .map_err(|()| "overrideValues must be a boolean.".to_owned())?
                        .unwrap_or(true);
                    map.insert("overrideValues".to_owned(), Value::Bool(override_values));
                    let rows: Vec<Value> = list(sent.get("CrossReferenceRows").and_then(|r| r.get("row")))
                        .into_iter()
                        .cloned()
                        .collect();
                    map.insert("CrossReferenceRows".to_owned(), json!({ "row": rows }));
                }
                None if !partial => {
                    map.insert("overrideValues".to_owned(), Value::Bool(false));
                    map.insert("CrossReferenceRows".to_owned(), json!({ "row": [] }));
                }
                None => {}
            }
        }
        Ok(())
    })?;
    update_properties(&mut next, request, partial)?;
    *stored = next;
    Ok(())
}

/// Walks the items of one section: each stored item gets the matching sent item (by
/// `id`), or `None`; a sent item the environment does not have is an error.
fn update_items(
    document: &mut Value,
    request: &Value,
    section: &str,
    list_key: &str,
    partial: bool,
    mut update: impl FnMut(&mut Value, Option<&Value>, &str) -> Result<(), String>,
) -> Result<(), String> {
    let sent_items = list(request.get(section).and_then(|s| s.get(list_key)));
    let Some(stored_items) = document.get_mut(section).and_then(|s| s.get_mut(list_key)).and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for sent in &sent_items {
        let Some(id) = sent.get("id").and_then(Value::as_str) else {
            return Err(format!("Every {list_key} in {section} needs an id."));
        };
        if !stored_items.iter().any(|s| s.get("id").and_then(Value::as_str) == Some(id)) {
            return Err(format!("The {list_key} {id} is not extensible in this environment."));
        }
    }
    for item in stored_items.iter_mut() {
        let id = item.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        let sent = sent_items.iter().find(|s| s.get("id").and_then(Value::as_str) == Some(id.as_str())).copied();
        if sent.is_none() && partial {
            continue;
        }
        update(item, sent, &id)?;
    }
    Ok(())
}

/// Updates the field list of one item (`fields` = `field` or `ProcessPropertyValue`).
fn update_fields(
    item: &mut Value,
    sent_item: Option<&Value>,
    fields: &str,
    key: &str,
    partial: bool,
    item_name: &str,
) -> Result<(), String> {
    let sent_fields = sent_item.map(|s| list(s.get(fields))).unwrap_or_default();
    let Some(stored_fields) = item.get_mut(fields).and_then(Value::as_array_mut) else {
        return match sent_fields.is_empty() {
            true => Ok(()),
            false => Err(format!("{item_name} has no extensible fields.")),
        };
    };
    for sent in &sent_fields {
        let Some(name) = sent.get(key).and_then(Value::as_str) else {
            return Err(format!("Every field of {item_name} needs its {key}."));
        };
        if !stored_fields.iter().any(|f| f.get(key).and_then(Value::as_str) == Some(name)) {
            return Err(format!("The field {name} of {item_name} is not extensible in this environment."));
        }
    }
    for field in stored_fields.iter_mut() {
        let name = field.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        let sent = sent_fields.iter().find(|f| f.get(key).and_then(Value::as_str) == Some(name.as_str())).copied();
        if sent.is_none() && partial {
            continue;
        }
        apply_field(field, sent, &format!("{item_name}/{name}"))?;
    }
    Ok(())
}

/// Sets one field from the request (`None`: left out of a full update).
fn apply_field(field: &mut Value, sent: Option<&Value>, name: &str) -> Result<(), String> {
    let encrypted = is_encrypted(field);
    let Some(map) = field.as_object_mut() else {
        return Ok(());
    };
    let Some(sent) = sent else {
        if !encrypted {
            reset(map);
        }
        return Ok(());
    };
    let use_default = lenient_bool(sent.get("useDefault")).map_err(|()| format!("{name}: useDefault must be a boolean."))?;
    let value = match sent.get("value") {
        None | Some(Value::Null) => None,
        Some(v) => Some(scalar_text(v).ok_or_else(|| format!("{name}: value must be a string."))?),
    };
    if let Some(over) = lenient_bool(sent.get("componentOverride")).map_err(|()| format!("{name}: componentOverride must be a boolean."))? {
        map.insert("componentOverride".to_owned(), Value::Bool(over));
    }
    match (use_default, value) {
        (Some(true), _) => {
            reset(map);
            if encrypted {
                map.remove("value");
            }
        }
        (_, Some(value)) => {
            map.insert("value".to_owned(), Value::String(value));
            map.insert("useDefault".to_owned(), Value::Bool(false));
        }
        (_, None) if encrypted => {}
        (Some(false), None) => return Err(format!("{name}: a value is required when useDefault is false.")),
        (None, None) => reset(map),
    }
    if encrypted {
        let set = map.contains_key("value");
        map.insert("encryptedValueSet".to_owned(), Value::Bool(set));
    }
    Ok(())
}

fn reset(map: &mut Map<String, Value>) {
    map.remove("value");
    map.insert("useDefault".to_owned(), Value::Bool(true));
}

/// `properties.property`: name/value pairs, replaced whole by a full update.
fn update_properties(document: &mut Value, request: &Value, partial: bool) -> Result<(), String> {
    let sent = list(request.get("properties").and_then(|s| s.get("property")));
    let mut pairs = Vec::new();
    for item in sent {
        let name = item.get("name").and_then(Value::as_str).ok_or("Every property needs a name.")?;
        let value = item.get("value").and_then(scalar_text).ok_or_else(|| format!("Property {name} needs a value."))?;
        pairs.push((name.to_owned(), value));
    }
    let Some(stored) = document.get_mut("properties").and_then(|s| s.get_mut("property")).and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    if !partial {
        stored.clear();
    }
    for (name, value) in pairs {
        match stored.iter_mut().find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str())) {
            Some(existing) => existing["value"] = Value::String(value),
            None => stored.push(json!({"name": name, "value": value})),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        let mut doc = empty_document("env");
        doc["connections"]["connection"] = json!([{
            "id": "conn", "name": "DB", "field": [
                {"id": "url", "value": "jdbc:one", "useDefault": false, "usesEncryption": false, "componentOverride": false},
                {"id": "password", "value": "secret", "useDefault": false, "usesEncryption": true, "encryptedValueSet": true, "componentOverride": false}
            ]}]);
        doc["properties"]["property"] = json!([{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]);
        doc
    }

    #[test]
    fn get_hides_encrypted_values() {
        let shown = redacted(&document());
        let fields = &shown["connections"]["connection"][0]["field"];
        assert_eq!(fields[0]["value"], "jdbc:one");
        assert!(fields[1].get("value").is_none());
        assert_eq!(fields[1]["encryptedValueSet"], true);
        assert!(!shown.to_string().contains("secret"));
    }

    #[test]
    fn full_update_resets_what_is_left_out_but_keeps_secrets() {
        let mut doc = document();
        apply_update(&mut doc, &json!({"properties": {"property": [{"name": "b", "value": "3"}]}}), false).expect("valid");
        let fields = &doc["connections"]["connection"][0]["field"];
        assert!(fields[0].get("value").is_none());
        assert_eq!(fields[0]["useDefault"], true);
        assert_eq!(fields[1]["value"], "secret");
        assert_eq!(doc["properties"]["property"], json!([{"name": "b", "value": "3"}]));
    }

    #[test]
    fn partial_update_changes_only_what_is_sent() {
        let mut doc = document();
        let request = json!({"connections": {"connection": {"id": "conn", "field": {"id": "url", "value": "jdbc:two"}}}});
        apply_update(&mut doc, &request, true).expect("valid");
        let fields = &doc["connections"]["connection"][0]["field"];
        assert_eq!(fields[0]["value"], "jdbc:two");
        assert_eq!(fields[1]["value"], "secret");
        assert_eq!(doc["properties"]["property"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn rejects_unknown_items_and_missing_values() {
        let mut doc = document();
        let unknown = json!({"connections": {"connection": [{"id": "other", "field": []}]}});
        assert!(apply_update(&mut doc, &unknown, true).is_err());
        let no_value = json!({"connections": {"connection": [{"id": "conn", "field": [{"id": "url", "useDefault": false}]}]}});
        assert!(apply_update(&mut doc, &no_value, true).is_err());
        assert_eq!(doc, document(), "a rejected update changes nothing");
    }
}
