//! [`Stringified`]: a number that travels as a JSON string.

use std::fmt;
use std::str::FromStr;

/// A number sent as a JSON string, for `type: string, format: int64` (and `int32`):
/// APIs use it for values past JavaScript's 2⁵³, which a JSON number would lose in a
/// browser.
///
/// It serialises as the string (`"9007199254740993"`) and decodes from a string, or
/// from a JSON number for servers that send one; a string that is not a number is an
/// error, never a silent zero.
///
/// ```
/// use specwright_runtime::Stringified;
///
/// let id: Stringified<i64> = specwright_runtime::serde_json::from_str("\"9007199254740993\"").unwrap();
/// assert_eq!(id.0, 9_007_199_254_740_993);
/// assert_eq!(specwright_runtime::serde_json::to_string(&id).unwrap(), "\"9007199254740993\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Stringified<T>(pub T);

impl<T> From<T> for Stringified<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: fmt::Display> fmt::Display for Stringified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: FromStr> FromStr for Stringified<T> {
    type Err = T::Err;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

impl<T: fmt::Display> serde::Serialize for Stringified<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de, T> serde::Deserialize<'de> for Stringified<T>
where
    T: FromStr + TryFrom<i64> + TryFrom<u64>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringifiedVisitor(std::marker::PhantomData))
    }
}

struct StringifiedVisitor<T>(std::marker::PhantomData<T>);

impl<T> serde::de::Visitor<'_> for StringifiedVisitor<T>
where
    T: FromStr + TryFrom<i64> + TryFrom<u64>,
{
    type Value = Stringified<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer in a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        text.parse()
            .map(Stringified)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(text), &self))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Stringified)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(value), &self))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Stringified)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::Stringified;

    #[test]
    fn round_trips_as_a_string_past_f64_precision() {
        let text = "\"9007199254740993\"";
        let value: Stringified<i64> = serde_json::from_str(text).unwrap();
        assert_eq!(value, Stringified(9_007_199_254_740_993));
        assert_eq!(serde_json::to_string(&value).unwrap(), text);
        assert_eq!(value.to_string(), "9007199254740993");
    }

    #[test]
    fn accepts_a_json_number() {
        assert_eq!(serde_json::from_str::<Stringified<i64>>("-5").unwrap(), Stringified(-5));
        assert_eq!(serde_json::from_str::<Stringified<i32>>("7").unwrap(), Stringified(7));
    }

    #[test]
    fn rejects_what_is_not_an_integer_of_the_width() {
        assert!(serde_json::from_str::<Stringified<i64>>("\"12x\"").is_err());
        assert!(serde_json::from_str::<Stringified<i64>>("\"\"").is_err());
        assert!(serde_json::from_str::<Stringified<i64>>("1.5").is_err());
        assert!(serde_json::from_str::<Stringified<i32>>("\"3000000000\"").is_err());
        assert!(serde_json::from_str::<Stringified<i32>>("3000000000").is_err());
        assert!(serde_json::from_str::<Stringified<i64>>("true").is_err());
    }
}
