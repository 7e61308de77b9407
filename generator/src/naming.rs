//! The one place that turns spec strings into Rust identifiers.
//!
//! Every name is kept twice in the IR (Rust name and wire name); this module makes the
//! Rust half: case conversion, keyword escaping, and de-duplication within a scope.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict and reserved keywords of Rust 2024 that can be used as raw identifiers.
const RAW_OK: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do",
    "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in",
    "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Replaces everything that cannot appear in an identifier with word breaks, so that
/// `x-rate-limit`, `foo.bar` and `a b` all convert cleanly.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            match c {
                // Signs carry meaning in enum values such as `+1` / `-1`.
                '+' => out.push_str(" plus "),
                '-' if out.is_empty() => out.push_str(" minus "),
                _ => out.push(' '),
            }
        }
    }
    out
}

/// Only characters that `proc_macro2::Ident` accepts survive (Unicode XID), so that
/// building an `Ident` from a name can never fail.
fn keep_ident_chars(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '_' || unicode_ident::is_xid_continue(*c))
        .collect()
}

fn escape(mut name: String, fallback: &str) -> String {
    if name.is_empty() {
        name = fallback.to_owned();
    }
    if !name.starts_with(|c: char| c == '_' || unicode_ident::is_xid_start(c)) {
        name.insert(0, '_');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    } else if RAW_OK.contains(&name.as_str()) {
        name.insert_str(0, "r#");
    }
    name
}

/// A field, parameter, module or method name: `snake_case`, keywords escaped.
pub fn snake(raw: &str, fallback: &str) -> String {
    let converted = keep_ident_chars(&words(raw).to_snake_case());
    escape(converted, fallback)
}

/// A type or variant name: `UpperCamelCase`, with a leading digit prefixed by `prefix`
/// (an underscore would not be camel case, and clippy would say so).
pub fn camel(raw: &str, fallback: &str, digit_prefix: &str) -> String {
    let mut converted = keep_ident_chars(&words(raw).to_upper_camel_case());
    if converted.starts_with(|c: char| !unicode_ident::is_xid_start(c)) {
        converted.insert_str(0, digit_prefix);
    }
    escape(converted, fallback)
}

/// A type name (struct, enum, alias).
pub fn type_name(raw: &str) -> String {
    camel(raw, "Unnamed", "T")
}

/// An enum variant for a wire value.
pub fn variant_name(raw: &str) -> String {
    camel(raw, "Empty", "V")
}

/// The `Ident` for a name made by this module (`r#` prefix understood).
pub fn ident(name: &str) -> proc_macro2::Ident {
    let span = proc_macro2::Span::call_site();
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, span),
        None => proc_macro2::Ident::new(name, span),
    }
}

/// Removes a raw-identifier prefix, for comparing a Rust name to its wire name.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// A type name's words: `AtomSimpleExpression` is `Atom`, `Simple`, `Expression`; a
/// word begins at each upper-case letter.
pub fn type_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            words.push(&name[start..i]);
            start = i;
        }
    }
    words.push(&name[start..]);
    words
}

/// The words (see [`type_words`]) every one of `names` ends with, in order; empty
/// when they share none or there are no names.
pub fn shared_suffix<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let Some((first, rest)) = names.split_first() else { return Vec::new() };
    let mut shared = type_words(first);
    for name in rest {
        let other = type_words(name);
        let keep = shared.iter().rev().zip(other.iter().rev()).take_while(|(x, y)| x == y).count();
        shared.drain(..shared.len() - keep);
    }
    shared
}

/// Names within one scope (a struct's fields, an enum's variants, a module's types):
/// each new name that collides gets the lowest free numeric suffix.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope in which `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            used: reserved.iter().map(|s| unraw(s).to_lowercase()).collect(),
        }
    }

    /// Claims `name`, or `name2`, `name3`... if it is taken. Comparison ignores case
    /// so that `EventType` and `eventType` cannot both become types that differ only in
    /// case, which is legal Rust but a trap for readers.
    pub fn claim(&mut self, name: String) -> String {
        if self.insert(&name) {
            return name;
        }
        let base = unraw(&name).trim_end_matches('_').to_owned();
        for n in 2.. {
            let candidate = format!("{base}{n}");
            if self.insert(&candidate) {
                return candidate;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(&unraw(name).to_lowercase())
    }

    fn insert(&mut self, name: &str) -> bool {
        self.used.insert(unraw(name).to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_odd_names() {
        assert_eq!(snake("type", "f"), "r#type");
        assert_eq!(snake("self", "f"), "self_");
        assert_eq!(snake("Self", "f"), "self_");
        assert_eq!(snake("crate", "f"), "crate_");
        assert_eq!(snake("_", "f"), "f");
        assert_eq!(snake("folderId", "f"), "folder_id");
        assert_eq!(snake("1st-place", "f"), "_1st_place");
        assert_eq!(snake("", "value"), "value");
        assert_eq!(snake("@type", "f"), "r#type");
        assert_eq!(snake("x-rate.limit", "f"), "x_rate_limit");
        assert_eq!(snake("größe", "f"), "größe");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(type_name("2fa"), "T2fa");
        assert_eq!(variant_name("STARTS_WITH"), "StartsWith");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("1.0"), "V10");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("Self"), "Self_");
    }

    #[test]
    fn collisions_after_case_conversion_get_suffixes() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim(type_name("EventType")), "EventType");
        assert_eq!(scope.claim(type_name("eventType")), "EventType2");
        assert_eq!(scope.claim(type_name("event_type")), "EventType3");
        let mut reserved = Scope::with_reserved(&["UnknownValue"]);
        assert_eq!(reserved.claim(variant_name("UnknownValue")), "UnknownValue2");
        let mut fields = Scope::new();
        assert_eq!(fields.claim(snake("type", "f")), "r#type");
        assert_eq!(fields.claim(snake("Type", "f")), "type2");
    }
}
