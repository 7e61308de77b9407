//! Decoding that accepts what real servers send where it differs from the spec.
//!
//! Generated models put these on fields with `#[serde(deserialize_with = ...)]`. They
//! accept, besides the spec's own form:
//!
//! - numbers sent as strings (`"42"`, `"2.0"`), and as Java-typed pairs
//!   (`["Long", 3832]`, which Boomi's JSON writer emits for some fields);
//! - booleans sent as strings (`"true"`, `"FALSE"`) or as 0/1;
//! - a single object (or value) where an array is expected, and `null` for an array.
//!
//! Unknown fields such as Boomi's `@type` are ignored by serde already, and enum values
//! the spec does not list are kept by the generated enums themselves. Errors keep their
//! position: under `serde_path_to_error` a bad element reports its own index.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, IntoDeserializer, SeqAccess, Visitor};

/// A number as a server may send it.
enum Num {
    Int(i128),
    Float(f64),
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a numeric string, or a [\"Type\", number] pair")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num::Int(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        let t = v.trim();
        if let Ok(i) = t.parse::<i128>() {
            return Ok(Num::Int(i));
        }
        match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Num::Float(f)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
        // ["Long", 3832]: a Java type name, then the value.
        let _type_name: de::IgnoredAny = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let value: NumValue = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(value.0)
    }
}

struct NumValue(Num);

impl<'de> Deserialize<'de> for NumValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor).map(NumValue)
    }
}

fn integer<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D, name: &str) -> Result<T, D::Error> {
    let n = d.deserialize_any(NumVisitor)?;
    let wide = match n {
        Num::Int(i) => i,
        Num::Float(f) if f.fract() == 0.0 && f.abs() < 1e30 => f as i128,
        Num::Float(f) => {
            return Err(de::Error::invalid_value(de::Unexpected::Float(f), &name));
        }
    };
    T::try_from(wide).map_err(|_| de::Error::custom(format!("{wide} does not fit in {name}")))
}

fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match d.deserialize_any(NumVisitor)? {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    })
}

macro_rules! lenient_fns {
    ($($name:ident, $option:ident, $ty:ty, $body:expr;)*) => {$(
        #[doc = concat!("A `", stringify!($ty), "` sent as a number, a string or a typed pair.")]
        pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
            let f: fn(D) -> Result<$ty, D::Error> = $body;
            f(d)
        }

        #[doc = concat!("An optional `", stringify!($ty), "`; `null` is `None`.")]
        pub fn $option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$ty>, D::Error> {
            struct Present($ty);
            impl<'de> Deserialize<'de> for Present {
                fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
                    $name(d).map(Present)
                }
            }
            Option::<Present>::deserialize(d).map(|o| o.map(|v| v.0))
        }
    )*};
}

lenient_fns! {
    i32, option_i32, i32, |d| integer(d, "i32");
    i64, option_i64, i64, |d| integer(d, "i64");
    f64, option_f64, f64, |d| float(d);
    f32, option_f32, f32, |d| float(d).map(|f| f as f32);
    bool, option_bool, bool, |d| d.deserialize_any(BoolVisitor);
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, \"true\"/\"false\", or 0/1")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

struct VecVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for VecVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array, a single element, or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|one| vec![one])
    }
}

/// An array; a single element is taken as an array of one, `null` as empty.
pub fn vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_any(VecVisitor(PhantomData))
}

/// An optional array with the same leniency; `null` and absence are `None`.
pub fn option_vec<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    struct Some_<T>(Vec<T>);
    impl<'de, T: DeserializeOwned> Deserialize<'de> for Some_<T> {
        fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
            vec(d).map(Some_)
        }
    }
    Option::<Some_<T>>::deserialize(d).map(|o| o.map(|v| v.0))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        #[serde(default, deserialize_with = "super::option_i64")]
        count: Option<i64>,
        #[serde(default, deserialize_with = "super::option_i32")]
        version: Option<i32>,
        #[serde(default, deserialize_with = "super::option_bool")]
        active: Option<bool>,
        #[serde(default, deserialize_with = "super::option_f64")]
        ratio: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Page {
        #[serde(default, deserialize_with = "super::option_vec")]
        result: Option<Vec<Item>>,
        #[serde(deserialize_with = "super::i64")]
        total: i64,
        #[serde(default, deserialize_with = "super::option_vec")]
        tags: Option<Vec<String>>,
    }

    fn page(value: serde_json::Value) -> Result<Page, String> {
        serde_path_to_error::deserialize::<_, Page>(value).map_err(|e| format!("{} at {}", e.inner(), e.path()))
    }

    #[test]
    fn numbers_and_booleans_in_the_shapes_servers_send() {
        let p = page(json!({
            "@type": "QueryResult",
            "total": ["Long", 3832],
            "result": [
                {"@type": "X", "count": "42", "version": "2.0", "active": "true", "ratio": "0.5"},
                {"count": ["java.lang.Long", "7"], "version": 3, "active": false, "ratio": 1},
                {"count": null, "active": 1}
            ]
        }))
        .expect("decodes");
        assert_eq!(p.total, 3832);
        let r = p.result.expect("result");
        assert_eq!(r[0], Item { count: Some(42), version: Some(2), active: Some(true), ratio: Some(0.5) });
        assert_eq!(r[1], Item { count: Some(7), version: Some(3), active: Some(false), ratio: Some(1.0) });
        assert_eq!(r[2], Item { count: None, version: None, active: Some(true), ratio: None });
    }

    #[test]
    fn a_single_object_or_value_where_an_array_is_expected() {
        let p = page(json!({"total": 1, "result": {"count": 1}, "tags": "one"})).expect("decodes");
        assert_eq!(p.result.map(|r| r.len()), Some(1));
        assert_eq!(p.tags, Some(vec!["one".to_owned()]));
        let p = page(json!({"total": 0, "result": null})).expect("decodes");
        assert_eq!(p.result, None);
    }

    #[test]
    fn bad_values_still_fail_with_their_path() {
        let err = page(json!({"total": 1, "result": [{"count": 1}, {"count": "many"}]})).expect_err("not a number");
        assert!(err.ends_with("at result[1].count"), "{err}");
        let err = page(json!({"total": 1, "result": [{"version": 5000000000i64}]})).expect_err("overflow");
        assert!(err.contains("does not fit in i32"), "{err}");
        let err = page(json!({"total": 1.5})).expect_err("fraction");
        assert!(err.contains("at total"), "{err}");
        let err = page(json!({"total": 1, "result": [{"active": "maybe"}]})).expect_err("not a bool");
        assert!(err.ends_with("at result[0].active"), "{err}");
    }
}
