//! `models.rs`: one type per named schema.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::{Scope, doc, rust_type};
use crate::ir::{Alias, Api, Enum, Model, Struct, Type};
use crate::naming::{ident, unraw};

/// The models module.
pub fn models(api: &Api) -> TokenStream {
    let items = api.models.iter().map(|model| match model {
        Model::Struct(s) => emit_struct(api, s),
        Model::Enum(e) => emit_enum(e),
        Model::Alias(a) => emit_alias(a),
    });
    quote! {
        //! Types for the schemas of the spec.
        #(#items)*
    }
}

fn emit_struct(api: &Api, s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(s.doc.as_deref());
    let all_optional = s.fields.iter().all(|f| !f.required);
    let default = all_optional.then(|| quote!(Default,));
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let docs = doc(f.doc.as_deref());
        let mut ty = rust_type(&f.ty, Scope::Models);
        if recurses(api, &s.name, &f.ty) {
            ty = quote!(Box<#ty>);
        }
        let rename = (unraw(&f.rust) != f.wire).then(|| {
            let wire = &f.wire;
            quote!(rename = #wire,)
        });
        if f.required {
            let attr = rename.map(|r| quote!(#[serde(#r)]));
            quote! {
                #docs
                #attr
                pub #field: #ty,
            }
        } else {
            quote! {
                #docs
                #[serde(#rename default, skip_serializing_if = "Option::is_none")]
                pub #field: Option<#ty>,
            }
        }
    });
    let additional = s.additional.as_ref().map(|value| {
        let value = rust_type(value, Scope::Models);
        quote! {
            /// Properties the spec does not name, kept as they came.
            #[serde(flatten, default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
            pub additional_properties: std::collections::BTreeMap<String, #value>,
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
    }
}

/// Whether a field of type `ty` in struct `owner` leads back to `owner` without passing
/// through a `Vec` or map (which already box): such a field needs a `Box`.
fn recurses(api: &Api, owner: &str, ty: &Type) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![ty];
    while let Some(ty) = stack.pop() {
        let Type::Named(name) = ty else { continue };
        if name == owner {
            return true;
        }
        if !seen.insert(name.clone()) {
            continue;
        }
        match api.models.iter().find(|m| m.name() == name) {
            Some(Model::Struct(s)) => stack.extend(s.fields.iter().map(|f| &f.ty)),
            Some(Model::Alias(a)) => stack.push(&a.ty),
            _ => {}
        }
    }
    false
}

fn emit_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc(e.doc.as_deref());
    let unknown = ident(&e.unknown);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.rust)).collect();
    let wires: Vec<_> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| {
        let text = format!(" `{}`", w.replace('`', "'"));
        quote!(#[doc = #text])
    });
    let separator = e.doc.is_some().then(|| quote!(#[doc = ""]));
    let count = proc_macro2::Literal::usize_unsuffixed(variants.len());
    quote! {
        #docs
        #separator
        /// Values the spec does not list are kept in the catch-all variant, so a newer
        /// server cannot break decoding.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value the spec does not list, kept verbatim.
            #unknown(String),
        }

        impl #name {
            /// Every value the spec lists.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wires,)*
                    Self::#unknown(value) => value.as_str(),
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => Self::#variants,)*
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #(#wires => Self::#variants,)*
                    _ => Self::#unknown(value),
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

fn emit_alias(a: &Alias) -> TokenStream {
    let name = ident(&a.name);
    let docs = doc(a.doc.as_deref());
    let ty = rust_type(&a.ty, Scope::Models);
    quote! {
        #docs
        pub type #name = #ty;
    }
}
