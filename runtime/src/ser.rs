//! The one function generated `Serialize` impls of structs call.
//!
//! `#[derive(serde::Serialize)]`, and the impl the generator wrote out before, spend
//! per field a `serialize_field(..)?` on the serializer's associated `SerializeStruct`
//! type and a term of the field count; type-checking and borrow-checking those bodies
//! was a tenth of the `cargo check` time and memory of a large generated crate.
//! Generated structs instead list their fields as data, `(name, value)`, and
//! [`fields`] writes them through [`erased_serde`]: the field values are trait
//! objects, so the checker sees an array of references in each impl and the loop once,
//! here. The output is the derive's, for every format: the same struct name and
//! length, `serialize_field` for each field sent, `skip_field` for each one skipped
//! (`skip_serializing_if`). Whether a field is skipped is its value's to say
//! ([`Value`]): an `Option` when `None`, a [`Nullable`] when absent, and never a value
//! wrapped in [`Always`], so the impl holds no call per field either. A body is
//! serialized a few times per call at most, so the dynamic calls cost nothing a
//! request would show.
//!
//! Not part of the API a user calls: generated code depends on it, and it changes
//! with the generator.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::nullable::Nullable;

/// A struct field as [`fields`] writes it: the name it is sent under and its value.
pub type Field<'a> = (&'static str, &'a dyn Value);

/// A field's value: serializable, and left out of the struct where its
/// `skip_serializing_if` would hold.
pub trait Value: erased_serde::Serialize {
    /// Whether the field is left out.
    fn skipped(&self) -> bool;
}

erased_serde::serialize_trait_object!(Value);

/// Left out when `None` (`skip_serializing_if = "Option::is_none"`).
impl<T: Serialize> Value for Option<T> {
    fn skipped(&self) -> bool {
        self.is_none()
    }
}

/// Left out when absent (`skip_serializing_if = "Nullable::is_absent"`); `null` is sent.
impl<T: Serialize> Value for Nullable<T> {
    fn skipped(&self) -> bool {
        self.is_absent()
    }
}

/// A field that is always sent, whatever its type: a required one, or an `Option`
/// that is `null` when `None`.
pub struct Always<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Always<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T: Serialize + ?Sized> Value for Always<'_, T> {
    fn skipped(&self) -> bool {
        false
    }
}

/// Serializes the struct `name` as the fields of `fields` that are not skipped, in
/// order: what `#[derive(serde::Serialize)]` does for a struct with named fields.
pub fn fields<S: Serializer>(serializer: S, name: &'static str, fields: &[Field<'_>]) -> Result<S::Ok, S::Error> {
    let sent = fields.iter().filter(|(_, value)| !value.skipped()).count();
    let mut state = serializer.serialize_struct(name, sent)?;
    for &(wire, value) in fields {
        if value.skipped() {
            state.skip_field(wire)?;
        } else {
            state.serialize_field(wire, value)?;
        }
    }
    state.end()
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    /// What `#[derive(Serialize)]` makes of the struct the generator writes below.
    #[derive(Serialize)]
    struct Derived {
        id: String,
        #[serde(rename = "Count", skip_serializing_if = "Option::is_none")]
        count: Option<i64>,
        tags: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        inner: Option<Box<Derived>>,
    }

    struct Written {
        id: String,
        count: Option<i64>,
        tags: Vec<String>,
        inner: Option<Box<Written>>,
    }

    impl Serialize for Written {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::fields(
                serializer,
                "Written",
                &[
                    ("id", &super::Always(&self.id)),
                    ("Count", &self.count),
                    ("tags", &super::Always(&self.tags)),
                    ("inner", &self.inner),
                ],
            )
        }
    }

    #[test]
    fn writes_what_the_derive_writes() {
        let written = Written {
            id: "a\"b".into(),
            count: None,
            tags: vec!["x".into()],
            inner: Some(Box::new(Written { id: "c".into(), count: Some(-3), tags: vec![], inner: None })),
        };
        let derived = Derived {
            id: "a\"b".into(),
            count: None,
            tags: vec!["x".into()],
            inner: Some(Box::new(Derived { id: "c".into(), count: Some(-3), tags: vec![], inner: None })),
        };
        let json = serde_json::to_string(&written).expect("serializes");
        assert_eq!(json, serde_json::to_string(&derived).expect("serializes"));
        assert_eq!(json, r#"{"id":"a\"b","tags":["x"],"inner":{"id":"c","Count":-3,"tags":[]}}"#);
        assert_eq!(
            serde_json::to_value(&written).expect("serializes"),
            serde_json::to_value(&derived).expect("serializes")
        );
    }

    /// The calls a format sees, which JSON does not show: the struct's name, the length
    /// counting only the fields sent, and the fields in order.
    #[test]
    fn makes_the_derive_s_serializer_calls() {
        use serde_test::{Token, assert_ser_tokens};
        let written = Written { id: "a".into(), count: None, tags: vec![], inner: None };
        let derived = Derived { id: "a".into(), count: None, tags: vec![], inner: None };
        let tokens = [
            Token::Struct { name: "Written", len: 2 },
            Token::Str("id"),
            Token::Str("a"),
            Token::Str("tags"),
            Token::Seq { len: Some(0) },
            Token::SeqEnd,
            Token::StructEnd,
        ];
        assert_ser_tokens(&written, &tokens);
        let mut named = tokens;
        named[0] = Token::Struct { name: "Derived", len: 2 };
        assert_ser_tokens(&derived, &named);
    }

    /// Each kind of field is skipped as its `skip_serializing_if` would be: an optional
    /// one when `None`, a nullable one when absent (`null` is sent), an always-sent
    /// `Option` as `null`.
    #[test]
    fn fields_skip_by_their_kind() {
        use super::Nullable;
        struct Kinds {
            optional: Option<i32>,
            nullable: Nullable<i32>,
            required_nullable: Option<i32>,
        }
        impl Serialize for Kinds {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                super::fields(
                    serializer,
                    "Kinds",
                    &[
                        ("optional", &self.optional),
                        ("nullable", &self.nullable),
                        ("requiredNullable", &super::Always(&self.required_nullable)),
                    ],
                )
            }
        }
        let json = |kinds: Kinds| serde_json::to_string(&kinds).expect("serializes");
        let none = Kinds { optional: None, nullable: Nullable::Absent, required_nullable: None };
        assert_eq!(json(none), r#"{"requiredNullable":null}"#);
        let null = Kinds { optional: None, nullable: Nullable::Null, required_nullable: Some(3) };
        assert_eq!(json(null), r#"{"nullable":null,"requiredNullable":3}"#);
        let all = Kinds { optional: Some(1), nullable: Nullable::Present(2), required_nullable: Some(3) };
        assert_eq!(json(all), r#"{"optional":1,"nullable":2,"requiredNullable":3}"#);
    }

    /// An error from inside a field keeps its message through the erased serializer.
    #[test]
    fn errors_keep_their_message() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        struct Bad(std::collections::BTreeMap<Vec<u8>, i32>);
        impl Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                super::fields(serializer, "Bad", &[("map", &super::Always(&self.0))])
            }
        }
        let err = serde_json::to_string(&Bad(map)).expect_err("a map key must be a string");
        assert_eq!(err.to_string(), "key must be a string");
    }
}
