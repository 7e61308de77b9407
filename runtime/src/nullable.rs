//! [`Nullable`]: a field that may be absent, `null`, or a value, and keeps which.

/// An optional field that may also be `null`: three states, kept apart.
///
/// Generated models use it for properties that are neither required nor
/// non-nullable. A PATCH needs all three: [`Nullable::Absent`] leaves the server's
/// value alone (the property is not sent), [`Nullable::Null`] clears it (`null` is
/// sent), [`Nullable::Present`] sets it. Decoding keeps what the server sent, so a
/// value read and written back serialises as it arrived.
///
/// The struct field must carry `#[serde(default, skip_serializing_if =
/// "Nullable::is_absent")]`, which generated models do: serde cannot see an absent
/// property any other way.
///
/// ```
/// use specwright_runtime::Nullable;
///
/// let cleared: Nullable<String> = Nullable::Null;
/// assert_eq!(specwright_runtime::serde_json::to_string(&cleared).unwrap(), "null");
/// let set = Nullable::from("x".to_owned());
/// assert_eq!(set.as_ref().present(), Some(&"x".to_owned()));
/// assert!(Nullable::<i32>::default().is_absent());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Nullable<T> {
    /// Not sent, or not received.
    #[default]
    Absent,
    /// Sent or received as `null`.
    Null,
    /// A value.
    Present(T),
}

impl<T> Nullable<T> {
    /// Whether the property is absent (the `skip_serializing_if` of generated fields).
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the property is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The value, if there is one; absent and `null` are both `None`.
    pub fn present(self) -> Option<T> {
        match self {
            Self::Present(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// A borrowed view, for [`Nullable::present`] without giving the value up.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Present(value) => Nullable::Present(value),
        }
    }

    /// Maps the value, keeping absent and `null` as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Present(value) => Nullable::Present(f(value)),
        }
    }

    /// `None` becomes `null`: for a caller that means "clear it" by `None`. (Use
    /// [`Nullable::Absent`] to leave a property out.)
    pub fn or_null(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Present)
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Present(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Nullable<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when the field lacks `skip_serializing_if`; `null` is the
            // closest a value can say "nothing".
            Self::Absent | Self::Null => serializer.serialize_none(),
            Self::Present(value) => serializer.serialize_some(value),
        }
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Nullable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Called only when the property is there; `#[serde(default)]` gives Absent.
        Option::<T>::deserialize(deserializer).map(|value| value.map_or(Self::Null, Self::Present))
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        size: Nullable<i64>,
    }

    #[test]
    fn the_three_states_decode_apart() {
        let absent: Patch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent, Patch { name: Nullable::Absent, size: Nullable::Absent });
        let null: Patch = serde_json::from_str(r#"{"name":null}"#).unwrap();
        assert_eq!(null.name, Nullable::Null);
        assert_eq!(null.size, Nullable::Absent);
        let value: Patch = serde_json::from_str(r#"{"name":"a","size":3}"#).unwrap();
        assert_eq!(value, Patch { name: Nullable::Present("a".into()), size: Nullable::Present(3) });
    }

    #[test]
    fn each_state_serialises_back_as_received() {
        for text in ["{}", r#"{"name":null}"#, r#"{"size":0}"#, r#"{"name":"a","size":null}"#] {
            let patch: Patch = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&patch).unwrap(), text);
        }
    }

    #[test]
    fn a_wrong_type_is_an_error_not_null() {
        assert!(serde_json::from_str::<Patch>(r#"{"size":"x"}"#).is_err());
    }

    #[test]
    fn helpers() {
        assert_eq!(Nullable::Present(2).map(|n| n * 2), Nullable::Present(4));
        assert_eq!(Nullable::<i32>::Null.map(|n| n * 2), Nullable::Null);
        assert_eq!(Nullable::or_null(None::<i32>), Nullable::Null);
        assert_eq!(Nullable::Present(1).present(), Some(1));
        assert_eq!(Nullable::<i32>::Null.present(), None);
        assert!(Nullable::<i32>::Null.is_null());
    }
}
