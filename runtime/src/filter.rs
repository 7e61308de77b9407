//! Values in query filters. Query grammars such as Boomi's send every argument as
//! text; [`FilterValue`] turns the Rust values a caller has into that text, so a filter
//! reads `Active.equals(true)` or `DeployedDate.greater_than(since)` rather than
//! spelling the wire format by hand.

/// A value a filter condition compares with, as the text sent on the wire.
pub trait FilterValue {
    /// The argument text.
    fn into_argument(self) -> String;
}

impl FilterValue for String {
    fn into_argument(self) -> String {
        self
    }
}

impl FilterValue for &str {
    fn into_argument(self) -> String {
        self.to_owned()
    }
}

impl FilterValue for &String {
    fn into_argument(self) -> String {
        self.clone()
    }
}

impl FilterValue for bool {
    /// `true` or `false`.
    fn into_argument(self) -> String {
        self.to_string()
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {
        $(impl FilterValue for $t {
            fn into_argument(self) -> String {
                self.to_string()
            }
        })*
    };
}

numbers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl FilterValue for chrono::DateTime<chrono::Utc> {
    /// RFC 3339 in UTC with whole seconds, `2026-12-01T21:40:00Z`, the form Boomi's
    /// date properties take.
    fn into_argument(self) -> String {
        self.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

impl FilterValue for chrono::NaiveDate {
    /// `2026-12-01`.
    fn into_argument(self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

impl<T: std::fmt::Display> FilterValue for super::Stringified<T> {
    fn into_argument(self) -> String {
        self.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::FilterValue;

    #[test]
    fn values_become_wire_text() {
        assert_eq!(true.into_argument(), "true");
        assert_eq!(42_i64.into_argument(), "42");
        assert_eq!("a b".into_argument(), "a b");
        assert_eq!((&String::from("x")).into_argument(), "x");
        assert_eq!(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date").into_argument(), "2026-12-01");
        assert_eq!(super::super::Stringified(-3_i64).into_argument(), "-3");
        let when = chrono::DateTime::parse_from_rfc3339("2026-12-01T21:40:00.123+01:00")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("a date");
        assert_eq!(when.into_argument(), "2026-12-01T20:40:00Z");
    }
}
