//! The pieces generated `Deserialize` impls of structs are made of.
//!
//! `#[derive(serde::Deserialize)]` expands to about 200 lines for a struct (a field
//! enum, two visitors with a `visit_seq` JSON never uses, and a wrapper type for every
//! `deserialize_with`), and type-checking that expansion was three quarters of the
//! `cargo check` time of a large generated crate. Generated structs instead implement
//! [`InPlace`] or [`Slots`]: the one `visit_map` here loops over the keys, and the
//! struct's `field` reads each value with these functions. Together they do what the
//! derive does for a map: unknown keys are skipped, a repeated key is an error
//! (`duplicate field`), and a missing field takes its default or is an error
//! (`missing field`). Messages are serde's own, so errors read the same either way.
//!
//! Not part of the API a user calls: generated code depends on it, and it changes
//! with the generator.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

/// A struct's field names, in field order, as a map key seed (`&mut Key`): a key reads
/// as the field's position, or as `usize::MAX` for a key the struct does not have.
///
/// A table rather than a `match` in each generated struct: a string `match` is one
/// comparison call per field in the body the compiler checks. At run time the field
/// after the last one found is tried first, since servers mostly send fields in the
/// order of their schema, which is the struct's; only a key out of that order scans
/// the table.
///
/// For a struct read [`InPlace`], the key also remembers which fields it has read, as
/// there is no slot per field to tell: a repeated key is then its error, and a missing
/// required field is told at the end.
pub struct Key {
    names: &'static [&'static str],
    next: usize,
    /// Bit `i`: field `i` was read (only for `in_place` keys).
    seen: u64,
    in_place: bool,
}

impl Key {
    /// The seed for a struct with fields `names`, in field order.
    pub const fn new(names: &'static [&'static str]) -> Self {
        Key { names, next: 0, seen: 0, in_place: false }
    }

    /// The seed for a struct read [`InPlace`], which tracks the fields read: the first
    /// 64 (the generator reads wider structs into slots).
    const fn in_place(names: &'static [&'static str]) -> Self {
        Key { names, next: 0, seen: 0, in_place: true }
    }

    /// The error for the first field of `required` (positions) that was not read.
    fn require<E: de::Error>(&self, required: &[usize]) -> Result<(), E> {
        match required.iter().find(|&&at| at < 64 && self.seen & (1 << at) == 0) {
            Some(&at) => Err(E::missing_field(self.names[at])),
            None => Ok(()),
        }
    }

    /// `at`, marked as read; an error if it was read before.
    fn mark<E: de::Error>(&mut self, at: usize) -> Result<usize, E> {
        if self.in_place && at < self.names.len().min(64) {
            let bit = 1 << at;
            if self.seen & bit != 0 {
                return Err(E::duplicate_field(self.names[at]));
            }
            self.seen |= bit;
        }
        Ok(at)
    }

    fn position(&mut self, key: &[u8]) -> usize {
        let found = match self.names.get(self.next) {
            Some(name) if name.as_bytes() == key => Some(self.next),
            _ => self.names.iter().position(|name| name.as_bytes() == key),
        };
        match found {
            Some(at) => {
                self.next = at + 1;
                at
            }
            None => usize::MAX,
        }
    }
}

impl<'de> DeserializeSeed<'de> for &mut Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for &mut Key {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<usize, E> {
        let at = self.position(value.as_bytes());
        self.mark(at)
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<usize, E> {
        let at = self.position(value);
        self.mark(at)
    }

    /// A field by position, as the derive accepts from formats that number fields.
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<usize, E> {
        self.mark(usize::try_from(value).unwrap_or(usize::MAX))
    }
}

/// A struct read into slots: an `Option` per field, kept in [`Slots`](Self::Slots)
/// (a tuple), from which [`finish`](Self::finish) builds the struct once the map is
/// read. For structs without a `Default` or with more than 64 fields; the loop over
/// the keys is [`slots`]'s, one for every struct.
pub trait Slots<'de>: Sized {
    /// The slots, all `None` at first.
    type Slots: Default;
    /// The wire names of the fields, in field order.
    const FIELDS: &'static [&'static str];

    /// Reads the value of the field at `key` (a position in [`FIELDS`](Self::FIELDS),
    /// or `usize::MAX` for a key the struct does not have) from `map` into its slot
    /// ([`value`]: a repeated key is an error).
    fn field<A: MapAccess<'de>>(slots: &mut Self::Slots, key: usize, map: &mut A) -> Result<(), A::Error>;

    /// The struct from its slots: a missing field takes its default, or is an error
    /// ([`required`]).
    fn finish<E: de::Error>(slots: Self::Slots) -> Result<Self, E>;
}

/// Deserializes the struct `T`, named `name` in errors (`expected struct NAME`), from
/// a map, through its slots.
pub fn slots<'de, D: Deserializer<'de>, T: Slots<'de>>(deserializer: D, name: &'static str) -> Result<T, D::Error> {
    deserializer.deserialize_map(SlotsStructure { name, marker: PhantomData })
}

struct SlotsStructure<T> {
    name: &'static str,
    marker: PhantomData<T>,
}

impl<'de, T: Slots<'de>> Visitor<'de> for SlotsStructure<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut slots = T::Slots::default();
        let mut fields = Key::new(T::FIELDS);
        while let Some(key) = map.next_key_seed(&mut fields)? {
            T::field(&mut slots, key, &mut map)?;
        }
        T::finish(slots)
    }
}

/// A struct with a `Default`, read in place: each key's value is written into the
/// default value by the struct's [`field`](Self::field), which is all the generated
/// code there is; the loop over the keys is [`in_place`]'s, one for every struct.
///
/// A `match` without a loop around it is about a third of the work for the compiler of
/// the same `match` inside the loop, where the borrows of the map and of each field
/// live across every turn.
pub trait InPlace<'de>: Default {
    /// The wire names of the fields, in field order: at most 64 (the generator reads
    /// wider structs through [`Slots`]).
    const FIELDS: &'static [&'static str];
    /// The positions of the fields a map must have.
    const REQUIRED: &'static [usize] = &[];

    /// Reads the value of the field at `key` (a position in [`FIELDS`](Self::FIELDS),
    /// or `usize::MAX` for a key the struct does not have) from `map`.
    fn field<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error>;
}

/// Deserializes the in-place struct `T`, named `name` in errors (`expected struct NAME`),
/// from a map.
pub fn in_place<'de, D: Deserializer<'de>, T: InPlace<'de>>(deserializer: D, name: &'static str) -> Result<T, D::Error> {
    deserializer.deserialize_map(InPlaceStructure { name, marker: PhantomData })
}

struct InPlaceStructure<T> {
    name: &'static str,
    marker: PhantomData<T>,
}

impl<'de, T: InPlace<'de>> Visitor<'de> for InPlaceStructure<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        let mut fields = Key::in_place(T::FIELDS);
        while let Some(key) = map.next_key_seed(&mut fields)? {
            value.field(key, &mut map)?;
        }
        fields.require(T::REQUIRED)?;
        Ok(value)
    }
}

/// Reads the value of a field into `place`, the field of a struct read [`InPlace`]
/// (the key tells repeated and missing fields).
pub fn field<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(map: &mut A, place: &mut T) -> Result<(), A::Error> {
    *place = map.next_value()?;
    Ok(())
}

/// [`field`] through the lenient decoder of `T` ([`Lenient`]).
pub fn lenient_field<'de, A: MapAccess<'de>, T: Lenient>(map: &mut A, place: &mut T) -> Result<(), A::Error> {
    *place = map.next_value_seed(LenientSeed(PhantomData))?;
    Ok(())
}

/// Reads the value of the field `name` into `slot`: an error if it was already read.
pub fn value<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    read(map, slot, name, PhantomData)
}

/// [`value`] through the lenient decoder of `T` ([`Lenient`]).
pub fn lenient<'de, A: MapAccess<'de>, T: Lenient>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    read(map, slot, name, LenientSeed(PhantomData))
}

fn read<'de, A: MapAccess<'de>, S: DeserializeSeed<'de>>(
    map: &mut A,
    slot: &mut Option<S::Value>,
    name: &'static str,
    seed: S,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value_seed(seed)?);
    Ok(())
}

/// Skips the value of a key the struct does not have.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// The value of a field without a default: an error if the map did not have it.
pub fn required<E: de::Error, T>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A field type with a lenient decoder in [`super::lenient`]: what a
/// `deserialize_with = "lenient::…"` attribute does for a derived impl.
pub trait Lenient: Sized {
    /// Decodes leniently.
    fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

macro_rules! lenient_types {
    ($($ty:ty => $plain:ident, $option:ident;)*) => {$(
        impl Lenient for $ty {
            fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                super::lenient::$plain(deserializer)
            }
        }

        impl Lenient for Option<$ty> {
            fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                super::lenient::$option(deserializer)
            }
        }
    )*};
}

lenient_types! {
    i32 => i32, option_i32;
    i64 => i64, option_i64;
    f32 => f32, option_f32;
    f64 => f64, option_f64;
    bool => bool, option_bool;
}

impl<T: de::DeserializeOwned> Lenient for Vec<T> {
    fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::lenient::vec(deserializer)
    }
}

impl<T: de::DeserializeOwned> Lenient for Option<Vec<T>> {
    fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::lenient::option_vec(deserializer)
    }
}

struct LenientSeed<T>(PhantomData<T>);

impl<'de, T: Lenient> DeserializeSeed<'de> for LenientSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::lenient(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::MapAccess;
    use serde_json::json;

    /// What the generator writes for `{ id: String (default), count: Option<i64>
    /// (lenient), when: String (required, no default) }`.
    #[derive(Debug, PartialEq)]
    struct Item {
        id: String,
        count: Option<i64>,
        when: String,
    }

    impl<'de> serde::Deserialize<'de> for Item {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::slots(deserializer, "Item")
        }
    }

    impl<'de> super::Slots<'de> for Item {
        type Slots = (Option<String>, Option<Option<i64>>, Option<String>);
        const FIELDS: &'static [&'static str] = &["id", "count", "when"];

        fn field<A: MapAccess<'de>>(slots: &mut Self::Slots, key: usize, map: &mut A) -> Result<(), A::Error> {
            match key {
                0 => super::value(map, &mut slots.0, "id"),
                1 => super::lenient(map, &mut slots.1, "count"),
                2 => super::value(map, &mut slots.2, "when"),
                _ => super::skip(map),
            }
        }

        fn finish<E: serde::de::Error>(slots: Self::Slots) -> Result<Self, E> {
            Ok(Item {
                id: slots.0.unwrap_or_default(),
                count: slots.1.unwrap_or_default(),
                when: super::required::<E, _>(slots.2, "when")?,
            })
        }
    }

    /// What the generator writes for the same fields in a struct with a `Default`: read
    /// in place, the key telling repeated and missing fields.
    #[derive(Debug, PartialEq, Default)]
    struct InPlace {
        id: String,
        count: Option<i64>,
        when: String,
    }

    impl<'de> serde::Deserialize<'de> for InPlace {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::in_place(deserializer, "InPlace")
        }
    }

    impl<'de> super::InPlace<'de> for InPlace {
        const FIELDS: &'static [&'static str] = &["id", "count", "when"];
        const REQUIRED: &'static [usize] = &[2];

        fn field<A: MapAccess<'de>>(&mut self, key: usize, map: &mut A) -> Result<(), A::Error> {
            match key {
                0 => super::field(map, &mut self.id),
                1 => super::lenient_field(map, &mut self.count),
                2 => super::field(map, &mut self.when),
                _ => super::skip(map),
            }
        }
    }

    #[test]
    fn in_place_reads_as_the_slots_do() {
        let in_place = |text: &str| serde_json::from_str::<InPlace>(text).map_err(|e| e.to_string());
        for text in [
            r#"{"when": "now", "other": [1, {"x": 2}], "idx": 2, "count": "7"}"#,
            r#"{"count": 2, "id": "b", "when": "c", "x": null}"#,
            r#"{"id": "a", "when": "b", "count": null}"#,
        ] {
            let slots = item(text).expect("decodes");
            let read = in_place(text).expect("decodes");
            assert_eq!((read.id, read.count, read.when), (slots.id, slots.count, slots.when), "{text}");
        }
        assert!(in_place(r#"{"id": "a"}"#).unwrap_err().starts_with("missing field `when`"));
        assert!(in_place(r#"{"when": "a", "when": "b"}"#).unwrap_err().starts_with("duplicate field `when`"));
        assert!(in_place(r#"{"id": "a", "when": "b", "id": "c"}"#).unwrap_err().starts_with("duplicate field `id`"));
        assert!(in_place(r#"{"when": 1}"#).unwrap_err().starts_with("invalid type: integer `1`, expected a string"));
        assert!(in_place(r#"[1]"#).unwrap_err().starts_with("invalid type: sequence, expected struct InPlace"));
        // A key the struct does not have may repeat: it is skipped each time.
        assert!(in_place(r#"{"when": "a", "x": 1, "x": 2}"#).is_ok());
        let err = serde_path_to_error::deserialize::<_, InPlace>(&mut serde_json::Deserializer::from_str(
            r#"{"when": "a", "count": "many"}"#,
        ))
        .unwrap_err();
        assert_eq!(err.path().to_string(), "count");
    }

    fn item(text: &str) -> Result<Item, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn fields_defaults_and_unknown_keys() {
        assert_eq!(
            item(r#"{"when": "now", "other": [1, {"x": 2}], "i": 1, "idx": 2, "count": "7"}"#),
            Ok(Item { id: String::new(), count: Some(7), when: "now".into() })
        );
        let from_value: Item = serde_json::from_value(json!({"id": "a", "when": "b", "count": null})).expect("decodes");
        assert_eq!(from_value, Item { id: "a".into(), count: None, when: "b".into() });
    }

    /// Keys in field order, out of it, and unknown ones between: each finds its field.
    #[test]
    fn keys_in_any_order() {
        let mut key = super::Key::new(&["id", "count", "when"]);
        let order: Vec<usize> = ["id", "count", "when", "count", "x", "id", "when", "idx", "whe"]
            .iter()
            .map(|k| key.position(k.as_bytes()))
            .collect();
        assert_eq!(order, [0, 1, 2, 1, usize::MAX, 0, 2, usize::MAX, usize::MAX]);
        assert_eq!(
            item(r#"{"count": 2, "id": "b", "when": "c"}"#),
            Ok(Item { id: "b".into(), count: Some(2), when: "c".into() })
        );
    }

    #[test]
    fn errors_read_as_the_derive_s() {
        assert!(item(r#"{"id": "a"}"#).unwrap_err().starts_with("missing field `when`"));
        assert!(item(r#"{"when": "a", "when": "b"}"#).unwrap_err().starts_with("duplicate field `when`"));
        assert!(item(r#"{"when": 1}"#).unwrap_err().starts_with("invalid type: integer `1`, expected a string"));
        assert!(item(r#"[1]"#).unwrap_err().starts_with("invalid type: sequence, expected struct Item"));
        let err = serde_path_to_error::deserialize::<_, Item>(&mut serde_json::Deserializer::from_str(
            r#"{"when": "a", "count": "many"}"#,
        ))
        .unwrap_err();
        assert_eq!(err.path().to_string(), "count");
    }
}
