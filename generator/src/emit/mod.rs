//! Stage 4: IR to token streams. Emitters read the IR and nothing else.

mod client;
mod filters;
pub mod krate;
pub(crate) mod models;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, FloatWidth, Gate, IntWidth, Type};
use crate::naming::ident;

pub use client::{ClientFile, client};
pub use filters::{FiltersFile, filters};
pub use krate::{Runtime, cargo_toml, lib_rs, module_rs, readme, tour};
pub use models::{ModelsFile, models};

/// The `#[cfg]` an item compiles under, or nothing.
pub fn cfg(api: &Api, gate: &Gate) -> TokenStream {
    match gate {
        Gate::Always => TokenStream::new(),
        Gate::Full => quote!(#[cfg(feature = "full")]),
        Gate::Any(set) => {
            let names: Vec<&str> = set.iter().filter_map(|&i| api.features.list.get(i)).map(|f| f.name.as_str()).collect();
            match names.as_slice() {
                [] => quote!(#[cfg(feature = "full")]),
                [one] => quote!(#[cfg(feature = #one)]),
                many => quote!(#[cfg(any(#(feature = #many),*))]),
            }
        }
    }
}

/// `#[doc = ...]` attributes for spec text.
///
/// The text goes into string literals, so nothing in it can end the comment. What is
/// neutralised is what rustdoc would act on: indented or fenced code blocks become
/// `text` blocks, so spec examples are neither compiled as doctests nor warned about.
pub fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let attrs = markdown_lines(text).into_iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #line] }
    });
    quote! { #(#attrs)* }
}

/// Spec Markdown made safe for rustdoc: fenced blocks become `text` blocks and
/// indentation (which would start an indented code block) is dropped, so no spec
/// example is compiled as a doctest.
pub fn markdown_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_fence = false;
    // A bare `\r` is a line break too: rustdoc refuses one inside a doc comment.
    for line in text.lines().flat_map(|line| line.split('\r')) {
        let trimmed = line.trim();
        let line = if let Some(rest) = trimmed.strip_prefix("```") {
            if in_fence {
                in_fence = false;
                "```".to_owned()
            } else {
                in_fence = true;
                let _ = rest;
                "```text".to_owned()
            }
        } else if in_fence {
            line.trim_end().to_owned()
        } else {
            trimmed.to_owned()
        };
        lines.push(line);
    }
    if in_fence {
        lines.push("```".to_owned());
    }
    lines
}

/// Where a type is referred to from: inside `models.rs`, or from another module.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Inside the models module.
    Models,
    /// Anywhere else in the crate.
    Crate,
}

/// The Rust type for an IR type.
pub fn rust_type(ty: &Type, scope: Scope) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::Integer(IntWidth::I32) => quote!(i32),
        Type::Integer(IntWidth::I64) => quote!(i64),
        Type::Number(FloatWidth::F32) => quote!(f32),
        Type::Number(FloatWidth::F64) => quote!(f64),
        Type::Boolean => quote!(bool),
        Type::DateTime => {
            quote!(super::runtime::chrono::DateTime<super::runtime::chrono::Utc>)
        }
        Type::Date => quote!(super::runtime::chrono::NaiveDate),
        Type::IntString(width) => {
            let inner = rust_type(&Type::Integer(*width), scope);
            quote!(super::runtime::Stringified<#inner>)
        }
        Type::Json => quote!(super::runtime::serde_json::Value),
        Type::Bytes => quote!(Vec<u8>),
        Type::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Models => quote!(#name),
                Scope::Crate => quote!(super::models::#name),
            }
        }
        Type::Param(i) => {
            let name = ident(&crate::generics::param_name(*i));
            quote!(#name)
        }
        Type::Generic(name, args) => {
            let name = ident(name);
            let path = match scope {
                Scope::Models => quote!(#name),
                Scope::Crate => quote!(super::models::#name),
            };
            if args.is_empty() {
                path
            } else {
                let args = args.iter().map(|arg| rust_type(arg, scope));
                quote!(#path<#(#args),*>)
            }
        }
        Type::Array(item) => {
            let item = rust_type(item, scope);
            quote!(Vec<#item>)
        }
        Type::Map(value) => {
            let value = rust_type(value, scope);
            quote!(std::collections::BTreeMap<String, #value>)
        }
        Type::Nullable(inner) => {
            let inner = rust_type(inner, scope);
            quote!(Option<#inner>)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::markdown_lines;

    #[test]
    fn a_bare_carriage_return_breaks_the_line() {
        // rustdoc refuses a doc comment with a bare `\r` in it.
        assert_eq!(markdown_lines("one\rtwo\r\nthree\n"), ["one", "two", "three"]);
    }
}
