//! Parameter values that are not plain scalars: arrays, objects, enums, dates, laid out
//! by the OpenAPI `style` and `explode` rules.
//!
//! Values go through `serde_json`, so every generated type (and anything else that
//! serialises) can be a parameter; nested arrays or objects inside an element are sent
//! as their JSON text, which is what servers that accept them expect.

use serde::Serialize;
use serde_json::Value;

/// How a query parameter is laid out (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `name=a,b` or, exploded, `name=a&name=b`; objects `k=v&k2=v2` when exploded.
    Form,
    /// `name=a%20b`.
    SpaceDelimited,
    /// `name=a|b`.
    PipeDelimited,
    /// `name[k]=v`.
    DeepObject,
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        nested => nested.to_string(),
    }
}

fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    // Generated types always serialise; a failure (a map with non-string keys in a
    // hand-made type) sends an empty value rather than panicking.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The `simple` style used for path segments and headers: arrays `a,b`, objects
/// `k,v,k2,v2` (or `k=v,k2=v2` exploded). Not yet percent-encoded.
pub fn simple<T: Serialize + ?Sized>(value: &T, explode: bool) -> String {
    match to_value(value) {
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| if explode { format!("{k}={}", scalar(v)) } else { format!("{k},{}", scalar(v)) })
            .collect::<Vec<_>>()
            .join(","),
        other => scalar(&other),
    }
}

/// The query pairs for one parameter.
pub fn query_pairs<T: Serialize + ?Sized>(name: &str, value: &T, style: Style, explode: bool) -> Vec<(String, String)> {
    let value = to_value(value);
    let joined = |items: &[Value], separator: &str| items.iter().map(scalar).collect::<Vec<_>>().join(separator);
    match (value, style) {
        (Value::Null, _) => Vec::new(),
        (Value::Array(items), Style::Form) if explode => items.iter().map(|v| (name.to_owned(), scalar(v))).collect(),
        (Value::Array(items), Style::SpaceDelimited) => vec![(name.to_owned(), joined(&items, " "))],
        (Value::Array(items), Style::PipeDelimited) => vec![(name.to_owned(), joined(&items, "|"))],
        (Value::Array(items), _) => vec![(name.to_owned(), joined(&items, ","))],
        (Value::Object(map), Style::DeepObject) => map.iter().map(|(k, v)| (format!("{name}[{k}]"), scalar(v))).collect(),
        (Value::Object(map), Style::Form) if explode => map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect(),
        (Value::Object(map), _) => {
            let flat: Vec<String> = map.iter().flat_map(|(k, v)| [k.clone(), scalar(v)]).collect();
            vec![(name.to_owned(), flat.join(","))]
        }
        (other, _) => vec![(name.to_owned(), scalar(&other))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn styles_and_explode() {
        let list = json!(["a", 1, true]);
        assert_eq!(query_pairs("x", &list, Style::Form, true), [("x".into(), "a".into()), ("x".into(), "1".into()), ("x".into(), "true".into())]);
        assert_eq!(query_pairs("x", &list, Style::Form, false), [("x".to_owned(), "a,1,true".to_owned())]);
        assert_eq!(query_pairs("x", &list, Style::PipeDelimited, false), [("x".to_owned(), "a|1|true".to_owned())]);
        assert_eq!(query_pairs("x", &list, Style::SpaceDelimited, false), [("x".to_owned(), "a 1 true".to_owned())]);
        let object = json!({"role": "admin", "n": 2});
        assert_eq!(
            query_pairs("filter", &object, Style::DeepObject, true),
            [("filter[role]".to_owned(), "admin".to_owned()), ("filter[n]".to_owned(), "2".to_owned())]
        );
        assert_eq!(query_pairs("f", &object, Style::Form, true), [("role".to_owned(), "admin".to_owned()), ("n".to_owned(), "2".to_owned())]);
        assert_eq!(query_pairs("f", &object, Style::Form, false), [("f".to_owned(), "role,admin,n,2".to_owned())]);
        assert_eq!(query_pairs("f", &Value::Null, Style::Form, true), []);
        // Nested arrays go as JSON text.
        assert_eq!(query_pairs("m", &json!([[1, 2], [3]]), Style::Form, false), [("m".to_owned(), "[1,2],[3]".to_owned())]);
    }

    #[test]
    fn simple_style() {
        assert_eq!(simple(&json!(["a", "b"]), false), "a,b");
        assert_eq!(simple(&json!({"k": "v", "n": 1}), false), "k,v,n,1");
        assert_eq!(simple(&json!({"k": "v", "n": 1}), true), "k=v,n=1");
        assert_eq!(simple(&json!(5), false), "5");
        let date: chrono::DateTime<chrono::Utc> = "2026-01-02T03:04:05Z".parse().expect("date");
        assert_eq!(simple(&date, false), "2026-01-02T03:04:05Z");
    }
}
