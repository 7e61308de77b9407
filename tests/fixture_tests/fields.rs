//! Copied into the crate generated from tests/fixtures/fields.yaml and run there: field
//! types that keep every value — absent versus null, integer enums, dates, integers in
//! strings, typed maps — and lenient decoding only where the spec asks for it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use fixture_fields::runtime::futures::TryStreamExt;
use fixture_fields::runtime::{Nullable, Stringified, chrono::NaiveDate};
use fixture_fields::{Client, models};
use serde_json::{Value, json};

/// Decodes `value` as `T`, encodes it again and checks nothing changed.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: Value) -> T {
    let decoded: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value} does not decode: {e}"));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), value, "the value changed on the way through");
    decoded
}

#[test]
fn absent_null_and_a_value_stay_apart() {
    let absent: models::Thing = round_trip(json!({"id": "1", "size": 0, "label": null}));
    assert_eq!(absent.note, Nullable::Absent);
    let null: models::Thing = round_trip(json!({"id": "1", "size": 0, "label": null, "note": null, "count": null}));
    assert_eq!(null.note, Nullable::Null);
    assert_eq!(null.count, Nullable::Null);
    let value: models::Thing = round_trip(json!({"id": "1", "size": 0, "label": "x", "note": "hi", "count": 0}));
    assert_eq!(value.note, Nullable::Present("hi".to_owned()));
    assert_eq!(value.count, Nullable::Present(0));
    assert_eq!(value.label.as_deref(), Some("x"));
}

#[test]
fn nullable_schemas_take_null_in_arrays_maps_and_required_fields() {
    let staff: models::Staff = round_trip(json!({
        "name": "Ann",
        "language": null,
        "languages": ["en", null],
        "ratings": [null, 4],
        "nicknames": {"work": null, "home": "Annie"},
    }));
    assert_eq!(staff.language, None);
    assert_eq!(staff.languages, Some(vec![Some("en".to_owned()), None]));
    assert_eq!(staff.ratings, Some(vec![None, Some(4)]));
    let nicknames = staff.nicknames.expect("nicknames");
    assert_eq!((nicknames["work"].as_deref(), nicknames["home"].as_deref()), (None, Some("Annie")));
}

#[test]
fn a_patch_sends_only_what_is_set_and_null_to_clear() {
    assert_eq!(serde_json::to_value(models::ThingPatch::default()).expect("encodes"), json!({}));
    let clear = models::ThingPatch { note: Nullable::Null, priority: Nullable::Present(models::Priority::High), ..Default::default() };
    assert_eq!(serde_json::to_value(&clear).expect("encodes"), json!({"note": null, "priority": 3}));
}

#[test]
fn integer_enums_are_enums_and_keep_unknown_values() {
    let thing: models::Thing = round_trip(json!({"id": "1", "size": 0, "label": null, "priority": 2, "level": -1}));
    assert_eq!(thing.priority, Some(models::Priority::Normal));
    assert_eq!(thing.level, Some(models::Level::Minus1));
    let newer: models::Thing = round_trip(json!({"id": "1", "size": 0, "label": null, "priority": 7}));
    assert_eq!(newer.priority, Some(models::Priority::UnknownValue(7)));
    assert_eq!(models::Priority::known(7), None);
    assert_eq!(i64::from(models::Priority::High), 3);
    assert_eq!(models::Level::ALL.map(models::Level::value), [-1, 0, 10]);
    // A string is not an integer enum value.
    assert!(serde_json::from_value::<models::Thing>(json!({"id": "1", "size": 0, "label": null, "priority": "2"})).is_err());
}

#[test]
fn dates_and_integers_in_strings_keep_their_type() {
    let thing: models::Thing = round_trip(json!({
        "id": "9007199254740993", "size": 0, "label": null,
        "due": "2026-12-01", "updated": "2026-12-01T10:20:30Z", "small": "-7"
    }));
    assert_eq!(thing.id, Stringified(9_007_199_254_740_993));
    assert_eq!(thing.due, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(thing.small, Some(Stringified(-7)));
    for bad in [json!({"id": "x1", "size": 0, "label": null}), json!({"id": "1", "size": 0, "label": null, "due": "2026-13-01"})] {
        assert!(serde_json::from_value::<models::Thing>(bad.clone()).is_err(), "{bad} decoded");
    }
}

#[test]
fn additional_properties_with_a_schema_are_a_typed_map() {
    let thing: models::Thing = round_trip(json!({
        "id": "1", "size": 0, "label": null,
        "scores": {"a": 1, "b": -2},
        "attributes": {"color": "red", "width": 2.5, "height": 1.0}
    }));
    assert_eq!(thing.scores.as_ref().and_then(|s| s.get("b")), Some(&-2));
    let attributes = thing.attributes.expect("attributes");
    assert_eq!(attributes.color.as_deref(), Some("red"));
    assert_eq!(attributes.additional_properties.get("width"), Some(&2.5));
    // An extra property of the wrong type is an error, not a silent drop.
    assert!(serde_json::from_value::<models::Attributes>(json!({"width": "wide"})).is_err());
}

#[test]
fn strict_where_the_spec_does_not_ask_for_lenience() {
    for bad in [json!({"id": "1", "size": "5", "label": null}), json!({"id": "1", "size": 0, "label": null, "tags": "one"})] {
        assert!(serde_json::from_value::<models::Thing>(bad.clone()).is_err(), "{bad} decoded");
    }
}

#[test]
fn lenient_where_the_spec_asks() {
    let legacy: models::Legacy = serde_json::from_value(json!({"total": "5", "enabled": "true", "items": "one"})).expect("decodes");
    assert_eq!(legacy.total, Some(5));
    assert_eq!(legacy.enabled, Some(true));
    assert_eq!(legacy.items, Some(vec!["one".to_owned()]));
    // `x-specwright-lenient: false` on the property turns it off again.
    assert!(serde_json::from_value::<models::Legacy>(json!({"exact": "5"})).is_err());
    assert!(serde_json::from_value::<models::Legacy>(json!({"exact": 5})).is_ok());
}

/// Serves the pages `pages(base_url)` in turn and records the request targets.
fn serve(pages: impl FnOnce(&str) -> Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let pages = pages(&base);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (stream, body) in listener.incoming().zip(pages) {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                    break;
                }
            }
            log.lock().expect("log").push(first.split_whitespace().nth(1).unwrap_or_default().to_owned());
            let text = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = reader.get_mut().write_all(text.as_bytes());
        }
    });
    (base, seen)
}

#[tokio::test]
async fn a_null_next_link_ends_the_pages() {
    let (base, seen) = serve(|base| {
        vec![
            format!(r#"{{"items":[{{"id":"1","size":1,"label":null}}],"next":"{base}/things?cursor=p2"}}"#),
            r#"{"items":[{"id":"2","size":2,"label":"b"}],"next":null}"#.to_owned(),
        ]
    });
    let client = Client::new(Client::config().base_url(base)).expect("client");
    let things: Vec<models::Thing> = client.list_things_all(None).try_collect().await.expect("every page");
    assert_eq!(things.iter().map(|t| t.id.0).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(*seen.lock().expect("log"), ["/things", "/things?cursor=p2"]);
}

/// Structs decode through a written-out `Deserialize`: what the derive did for a map.
#[test]
fn decoding_a_struct_keeps_the_derive_s_rules() {
    let when = "2026-12-01T10:20:30Z";
    // Unknown keys are skipped whatever their value; fields named like the visitor's
    // locals and a model named like its type parameter decode as any other.
    let d: models::D = round_trip(json!({
        "visitor": {"map": "m", "key": 7, "de": true, "fields": ["a"], "state": "s", "serializer": "x", "when": when}
    }));
    let visitor = d.visitor.expect("visitor");
    // A struct with no fields reads any object and writes `{}`.
    let nothing: models::D = serde_json::from_value(json!({"nothing": {"x": [1], "y": null}})).expect("decodes");
    assert_eq!(serde_json::to_value(&nothing).expect("encodes"), json!({"nothing": {}}));
    assert!(serde_json::from_value::<models::Nothing>(json!("x")).is_err());
    assert_eq!((visitor.map.as_str(), visitor.key, visitor.de), ("m", Some(7), Some(true)));
    let with_extra: models::Visitor =
        serde_json::from_value(json!({"when": when, "@type": "Visitor", "other": [1, {"x": null}]})).expect("decodes");
    // A missing required field with an empty value is empty; optional ones are None.
    assert_eq!((with_extra.map.as_str(), with_extra.fields), ("", None));
    let error = |value: Value| serde_json::from_value::<models::Visitor>(value).expect_err("fails").to_string();
    // A missing required field without one is an error, as is a repeated key.
    assert_eq!(error(json!({"map": "m"})), "missing field `when`");
    let repeated = serde_json::from_str::<models::Visitor>(&format!(r#"{{"when": "{when}", "key": 1, "key": 2}}"#));
    assert!(repeated.expect_err("fails").to_string().starts_with("duplicate field `key`"));
    // Wrong types, and a struct sent as an array or null, are errors.
    assert!(error(json!({"when": when, "key": "7"})).starts_with("invalid type: string \"7\", expected i64"));
    assert!(error(json!([when])).starts_with("invalid type: sequence, expected struct Visitor"));
    assert!(error(json!(null)).starts_with("invalid type: null, expected struct Visitor"));
    // `null` for an optional field is None, and None is not sent.
    let nulls: models::Visitor = serde_json::from_value(json!({"when": when, "key": null})).expect("decodes");
    assert_eq!(nulls.key, None);
    assert_eq!(serde_json::to_value(&nulls).expect("encodes"), json!({"map": "", "when": when}));
}

/// A struct wider than 12 fields without a `Default` decodes into nested slots: every
/// field lands in its own, the last ones too.
#[test]
fn a_wide_struct_reads_every_field() {
    let mut all = json!({"level": 10, "f13": 13});
    for i in 1..=12 {
        all[format!("f{i}")] = json!(format!("v{i}"));
    }
    let wide: models::Wide = round_trip(all);
    assert_eq!((wide.f1.as_deref(), wide.f12.as_deref(), wide.f13), (Some("v1"), Some("v12"), Some(13)));
    assert_eq!(wide.level, models::Level::V10);
    let error = |text: &str| serde_json::from_str::<models::Wide>(text).expect_err("fails").to_string();
    assert_eq!(error(r#"{"f13": 1}"#), "missing field `level` at line 1 column 10");
    assert!(error(r#"{"level": 0, "f13": 1, "f13": 2}"#).starts_with("duplicate field `f13`"));
    assert!(error(r#"{"level": 0, "f12": 1}"#).starts_with("invalid type: integer `1`, expected a string"));
}
