//! The query filter grammar (facts §1) and its evaluation.
//!
//! `{"QueryFilter": {"expression": E}}` where E is either a simple expression
//! `{"operator": OP, "property": P, "argument": [..]}` or a grouping
//! `{"operator": "and"|"or", "nestedExpression": [E, ..]}`, nested to any depth. `{}`
//! and `{"QueryFilter": {}}` match everything. The operators are the twelve of the
//! spec's enums (the Atom object takes only four); each takes a fixed number of
//! arguments; anything else is a 400 with a message saying what was wrong.

use std::cmp::Ordering;

use chrono::DateTime;
use serde_json::Value;

/// A filter operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Equals,
    Like,
    NotEquals,
    IsNull,
    IsNotNull,
    Between,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    Contains,
    NotContains,
}

/// The operators of every object but Atom, as in the spec's `*SimpleExpression` enums.
pub(crate) const ALL_OPERATORS: &[Op] = &[
    Op::Equals,
    Op::Like,
    Op::NotEquals,
    Op::IsNull,
    Op::IsNotNull,
    Op::Between,
    Op::GreaterThan,
    Op::GreaterThanOrEqual,
    Op::LessThan,
    Op::LessThanOrEqual,
    Op::Contains,
    Op::NotContains,
];

/// The Atom object's narrower operator set (facts §1.1).
pub(crate) const ATOM_OPERATORS: &[Op] = &[Op::Equals, Op::NotEquals, Op::Contains, Op::NotContains];

impl Op {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "EQUALS" => Op::Equals,
            "LIKE" => Op::Like,
            "NOT_EQUALS" => Op::NotEquals,
            "IS_NULL" => Op::IsNull,
            "IS_NOT_NULL" => Op::IsNotNull,
            "BETWEEN" => Op::Between,
            "GREATER_THAN" => Op::GreaterThan,
            "GREATER_THAN_OR_EQUAL" => Op::GreaterThanOrEqual,
            "LESS_THAN" => Op::LessThan,
            "LESS_THAN_OR_EQUAL" => Op::LessThanOrEqual,
            "CONTAINS" => Op::Contains,
            "NOT_CONTAINS" => Op::NotContains,
            _ => return None,
        })
    }

    /// How many arguments the operator takes (facts §1.1, §7.1).
    pub(crate) fn arity(self) -> usize {
        match self {
            Op::IsNull | Op::IsNotNull => 0,
            Op::Between => 2,
            _ => 1,
        }
    }
}

/// A parsed, validated filter expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Simple { op: Op, property: String, args: Vec<String> },
    Group { and: bool, nested: Vec<Expr> },
}

/// What an object type allows in a filter.
pub(crate) struct Grammar<'a> {
    pub object: &'a str,
    pub properties: &'a [&'a str],
    pub operators: &'a [Op],
}

/// Parses a QueryConfig body; `Ok(None)` means "no filter, everything matches".
pub(crate) fn parse_query_config(body: &Value, grammar: &Grammar<'_>) -> Result<Option<Expr>, String> {
    let Some(config) = body.as_object() else {
        return Err(format!("The {}QueryConfig must be a JSON object.", grammar.object));
    };
    let Some(filter) = config.get("QueryFilter") else {
        return Ok(None);
    };
    if filter.is_null() {
        return Ok(None);
    }
    let Some(filter) = filter.as_object() else {
        return Err("QueryFilter must be a JSON object.".to_owned());
    };
    match filter.get("expression") {
        None | Some(Value::Null) => Ok(None),
        Some(expression) => parse_expression(expression, grammar, "QueryFilter.expression").map(Some),
    }
}

fn parse_expression(value: &Value, grammar: &Grammar<'_>, at: &str) -> Result<Expr, String> {
    let Some(map) = value.as_object() else {
        return Err(format!("{at}: an expression must be a JSON object."));
    };
    let operator = match map.get("operator") {
        Some(Value::String(op)) => op.as_str(),
        Some(_) => return Err(format!("{at}: operator must be a string.")),
        None => return Err(format!("{at}: every expression needs an operator.")),
    };
    if map.contains_key("property") {
        return parse_simple(map, operator, grammar, at);
    }
    let and = match operator {
        "and" => true,
        "or" => false,
        "AND" | "OR" => {
            return Err(format!(
                "{at}: unknown grouping operator {operator}; grouping operators are lowercase: and, or."
            ));
        }
        other if Op::parse(other).is_some() => {
            return Err(format!("{at}: the {other} expression has no property."));
        }
        other => return Err(format!("{at}: unknown grouping operator {other}; use and or or.")),
    };
    let nested = match map.get("nestedExpression") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_expression(item, grammar, &format!("{at}.nestedExpression[{i}]")))
            .collect::<Result<_, _>>()?,
        // One nested expression sent as an object rather than a one-element array.
        Some(item @ Value::Object(_)) => vec![parse_expression(item, grammar, &format!("{at}.nestedExpression"))?],
        Some(_) => return Err(format!("{at}: nestedExpression must be an array of expressions.")),
    };
    Ok(Expr::Group { and, nested })
}

fn parse_simple(
    map: &serde_json::Map<String, Value>,
    operator: &str,
    grammar: &Grammar<'_>,
    at: &str,
) -> Result<Expr, String> {
    let Some(property) = map.get("property").and_then(Value::as_str) else {
        return Err(format!("{at}: property must be a string."));
    };
    if !grammar.properties.contains(&property) {
        return Err(format!(
            "{at}: {property} is not a valid query property for {}; valid properties: {}.",
            grammar.object,
            grammar.properties.join(", ")
        ));
    }
    let op = match Op::parse(operator) {
        Some(op) if grammar.operators.contains(&op) => op,
        _ => {
            return Err(format!(
                "{at}: {operator} is not a valid operator for {}; valid operators: {}.",
                grammar.object,
                grammar.operators.iter().map(|op| op_name(*op)).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    let args: Vec<String> = match map.get("argument") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(scalar_text).collect::<Option<_>>().ok_or_else(|| {
            format!("{at}: every argument must be a string (or a number or boolean).")
        })?,
        // A lone argument sent as a scalar rather than a one-element array.
        Some(other) => vec![scalar_text(other).ok_or_else(|| format!("{at}: argument must be an array of strings."))?],
    };
    if args.len() != op.arity() {
        return Err(format!(
            "{at}: the {operator} operator takes {} argument{}, but {} {} given for property {property}.",
            op.arity(),
            if op.arity() == 1 { "" } else { "s" },
            args.len(),
            if args.len() == 1 { "was" } else { "were" },
        ));
    }
    Ok(Expr::Simple { op, property: property.to_owned(), args })
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Equals => "EQUALS",
        Op::Like => "LIKE",
        Op::NotEquals => "NOT_EQUALS",
        Op::IsNull => "IS_NULL",
        Op::IsNotNull => "IS_NOT_NULL",
        Op::Between => "BETWEEN",
        Op::GreaterThan => "GREATER_THAN",
        Op::GreaterThanOrEqual => "GREATER_THAN_OR_EQUAL",
        Op::LessThan => "LESS_THAN",
        Op::LessThanOrEqual => "LESS_THAN_OR_EQUAL",
        Op::Contains => "CONTAINS",
        Op::NotContains => "NOT_CONTAINS",
    }
}

/// A JSON scalar as text (the SPEC's own DeployedPackage example sends `[true]`).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The filterable values of one object: property name to its values (none = null; a
/// list property such as an Atom's capabilities has several).
pub(crate) type Props = Vec<(&'static str, Vec<String>)>;

/// Whether an object with these property values matches the expression.
pub(crate) fn matches(expr: &Expr, props: &Props) -> bool {
    match expr {
        Expr::Group { and: true, nested } => nested.iter().all(|e| matches(e, props)),
        Expr::Group { and: false, nested } => nested.iter().any(|e| matches(e, props)),
        Expr::Simple { op, property, args } => {
            let values: &[String] =
                props.iter().find(|(name, _)| name == property).map(|(_, v)| v.as_slice()).unwrap_or(&[]);
            let arg = args.first().map(String::as_str).unwrap_or("");
            match op {
                Op::IsNull => values.is_empty(),
                Op::IsNotNull => !values.is_empty(),
                Op::Equals => values.iter().any(|v| equals(v, arg)),
                Op::NotEquals => !values.iter().any(|v| equals(v, arg)),
                Op::Like => values.iter().any(|v| like(v, arg)),
                Op::Contains => values.iter().any(|v| v.contains(arg)),
                Op::NotContains => !values.iter().any(|v| v.contains(arg)),
                Op::GreaterThan => values.iter().any(|v| compare(v, arg) == Ordering::Greater),
                Op::GreaterThanOrEqual => values.iter().any(|v| compare(v, arg) != Ordering::Less),
                Op::LessThan => values.iter().any(|v| compare(v, arg) == Ordering::Less),
                Op::LessThanOrEqual => values.iter().any(|v| compare(v, arg) != Ordering::Greater),
                Op::Between => {
                    let high = args.get(1).map(String::as_str).unwrap_or("");
                    values.iter().any(|v| compare(v, arg) != Ordering::Less && compare(v, high) != Ordering::Greater)
                }
            }
        }
    }
}

fn equals(value: &str, arg: &str) -> bool {
    value == arg || (is_bool(value) && is_bool(arg) && value.eq_ignore_ascii_case(arg))
}

fn is_bool(text: &str) -> bool {
    text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
}

/// Numbers compare as numbers, timestamps as instants, anything else as text.
fn compare(value: &str, arg: &str) -> Ordering {
    if let (Ok(a), Ok(b)) = (value.parse::<i64>(), arg.parse::<i64>()) {
        return a.cmp(&b);
    }
    if let (Ok(a), Ok(b)) = (value.parse::<f64>(), arg.parse::<f64>()) {
        return a.partial_cmp(&b).unwrap_or(Ordering::Equal);
    }
    if let (Ok(a), Ok(b)) = (DateTime::parse_from_rfc3339(value), DateTime::parse_from_rfc3339(arg)) {
        return a.cmp(&b);
    }
    value.cmp(arg)
}

/// SQL-style LIKE with `%` as the only wildcard (facts §1.1), case-sensitive.
fn like(value: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return value == pattern;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut remaining) = value.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = match rest.split_last() {
        Some((last, middle)) => (*last, middle),
        None => return true,
    };
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GRAMMAR: Grammar<'static> =
        Grammar { object: "Environment", properties: &["name", "id", "classification"], operators: ALL_OPERATORS };

    #[test]
    fn like_wildcards() {
        assert!(like("TEST-1", "TEST%"));
        assert!(like("TEST-1", "%1"));
        assert!(like("TEST-1", "%ST-%"));
        assert!(like("abc", "%%"));
        assert!(like("abc", "a%b%c"));
        assert!(!like("abc", "a%b%d"));
        assert!(!like("ab", "ab%b"));
        assert!(!like("test-1", "TEST%"));
        assert!(like("exact", "exact"));
    }

    #[test]
    fn compares_numbers_dates_and_text() {
        assert_eq!(compare("10", "9"), Ordering::Greater);
        assert_eq!(compare("2.5", "10"), Ordering::Less);
        assert_eq!(compare("2026-01-02T00:00:00Z", "2026-01-01T23:59:59+00:00"), Ordering::Greater);
        assert_eq!(compare("b", "a"), Ordering::Greater);
    }

    #[test]
    fn rejects_bad_expressions() {
        let cases = [
            json!({"QueryFilter": {"expression": {"operator": "EQUALS", "property": "name"}}}),
            json!({"QueryFilter": {"expression": {"operator": "BETWEEN", "property": "name", "argument": ["a"]}}}),
            json!({"QueryFilter": {"expression": {"operator": "IS_NULL", "property": "name", "argument": ["a"]}}}),
            json!({"QueryFilter": {"expression": {"operator": "STARTS_WITH", "property": "name", "argument": ["a"]}}}),
            json!({"QueryFilter": {"expression": {"operator": "EQUALS", "property": "nope", "argument": ["a"]}}}),
            json!({"QueryFilter": {"expression": {"operator": "AND", "nestedExpression": []}}}),
            json!({"QueryFilter": {"expression": {"nestedExpression": []}}}),
            json!({"QueryFilter": "x"}),
            json!([]),
        ];
        for case in cases {
            assert!(parse_query_config(&case, &GRAMMAR).is_err(), "{case}");
        }
    }

    #[test]
    fn evaluates_nested_groups() {
        let body = json!({"QueryFilter": {"expression": {"operator": "or", "nestedExpression": [
            {"operator": "and", "nestedExpression": [
                {"operator": "EQUALS", "property": "classification", "argument": ["PROD"]},
                {"operator": "LIKE", "property": "name", "argument": ["P%"]}]},
            {"operator": "EQUALS", "property": "id", "argument": ["x"]}]}}});
        let expr = parse_query_config(&body, &GRAMMAR).expect("valid").expect("a filter");
        let prod: Props = vec![("name", vec!["PROD".into()]), ("id", vec!["p".into()]), ("classification", vec!["PROD".into()])];
        let other: Props = vec![("name", vec!["QA".into()]), ("id", vec!["x".into()]), ("classification", vec!["TEST".into()])];
        let test: Props = vec![("name", vec!["TEST".into()]), ("id", vec!["t".into()]), ("classification", vec!["TEST".into()])];
        assert!(matches(&expr, &prod));
        assert!(matches(&expr, &other));
        assert!(!matches(&expr, &test));
        assert_eq!(parse_query_config(&json!({}), &GRAMMAR), Ok(None));
        assert_eq!(parse_query_config(&json!({"QueryFilter": {}}), &GRAMMAR), Ok(None));
    }
}
