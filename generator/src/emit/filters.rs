//! `filters.rs`: typed filter builders for query operations.
//!
//! One property enum per queried object type, so filtering on a property the type does
//! not have is a compile error; the operators are the spec's own enum values.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, Filter, ShapeField};
use crate::naming::{self, Scope, ident};

/// The filters module.
pub fn filters(api: &Api) -> TokenStream {
    let items = api.filters.iter().map(filter);
    quote! {
        //! Typed filter builders for the query operations.
        //!
        //! Start from a property, pick an operator, and join conditions with a grouping
        //! operator; the result converts into the operation's request body.
        #(#items)*
    }
}

/// `Some(expr)` when the field is optional.
fn wrap(field: &ShapeField, expr: TokenStream) -> TokenStream {
    let name = ident(&field.rust);
    if field.optional {
        quote!(#name: Some(#expr))
    } else {
        quote!(#name: #expr)
    }
}

/// `field: None,` for each field the builder does not set.
fn rest(fields: &[String]) -> TokenStream {
    let fields = fields.iter().map(|f| ident(f));
    quote!(#(#fields: None,)*)
}

fn filter(f: &Filter) -> TokenStream {
    let shape = &f.shape;
    let object = ident(&f.object);
    let property = ident(&f.property_enum);
    let condition = ident(&f.condition_type);
    let filter = ident(&f.filter_type);
    let op_enum = ident(&shape.operator_enum);
    let group_enum = ident(&shape.group_operator_enum);
    let request = ident(&shape.request);
    let filter_model = ident(&shape.filter_model);
    let group_model = ident(&shape.group_model);
    let condition_model = ident(&shape.condition_model);

    let variants: Vec<_> = f.properties.iter().map(|p| ident(&p.rust)).collect();
    let wires: Vec<_> = f.properties.iter().map(|p| p.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| {
        let text = format!(" `{}`", w.replace('`', "'"));
        quote!(#[doc = #text])
    });

    let mut method_scope = Scope::with_reserved(&["compare", "as_str"]);
    let operator_methods = shape.operators.iter().map(|op| {
        let method = ident(&method_scope.claim(naming::snake(&op.wire, "operator")));
        let variant = ident(&op.rust);
        let text = format!(" `{}`: compares the property with one argument.", op.wire.replace('`', "'"));
        quote! {
            #[doc = #text]
            pub fn #method(self, argument: impl Into<String>) -> #condition {
                self.compare(crate::models::#op_enum::#variant, [argument.into()])
            }
        }
    });
    let mut group_scope = Scope::with_reserved(&["grouped", "into_request", "conditions", "operator"]);
    let group_ctors = shape.group_operators.iter().map(|op| {
        let method = ident(&group_scope.claim(naming::snake(&op.wire, "group")));
        let variant = ident(&op.rust);
        let text = format!(" Joins the conditions with `{}`.", op.wire.replace('`', "'"));
        quote! {
            #[doc = #text]
            pub fn #method(conditions: impl IntoIterator<Item = #condition>) -> Self {
                Self::grouped(crate::models::#group_enum::#variant, conditions)
            }
        }
    });

    let argument = wrap(&shape.argument_field, quote!(c.arguments));
    let operator = wrap(&shape.operator_field, quote!(c.operator));
    let property_field = wrap(&shape.property_field, quote!(c.property.as_str().to_owned()));
    let [fill_request, fill_filter, fill_group, fill_condition] = shape.other_fields.each_ref().map(|f| rest(f));
    let nested = wrap(
        &shape.nested_field,
        quote! {
            self.conditions
                .into_iter()
                .map(|c| crate::models::#condition_model {
                    #argument,
                    #operator,
                    #property_field,
                    #fill_condition
                })
                .collect()
        },
    );
    let group_operator = wrap(&shape.group_operator_field, quote!(self.operator));
    let expression = wrap(
        &shape.expression_field,
        quote!(crate::models::#group_model { #group_operator, #nested, #fill_group }),
    );
    let filter_field = wrap(
        &shape.filter_field,
        quote!(crate::models::#filter_model { #expression, #fill_filter }),
    );
    let ops_doc = format!(
        " A filter for {}.",
        f.operations
            .iter()
            .map(|o| format!("[`Client::{o}`](crate::Client::{o})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let object_doc = format!(" A property of [`{0}`](crate::models::{0}) that a query can filter on.", f.object);
    let _ = &object;

    quote! {
        #[doc = #object_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #property {
            #(#variant_docs #variants,)*
        }

        impl #property {
            /// The property name as the server knows it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variants => #wires,)*
                }
            }

            /// A condition with any operator the spec lists and its arguments.
            pub fn compare<A: Into<String>>(
                self,
                operator: crate::models::#op_enum,
                arguments: impl IntoIterator<Item = A>,
            ) -> #condition {
                #condition {
                    property: self,
                    operator,
                    arguments: arguments.into_iter().map(Into::into).collect(),
                }
            }

            #(#operator_methods)*
        }

        /// One comparison on a property.
        #[derive(Debug, Clone, PartialEq)]
        pub struct #condition {
            property: #property,
            operator: crate::models::#op_enum,
            arguments: Vec<String>,
        }

        #[doc = #ops_doc]
        ///
        /// Conditions joined by one grouping operator; convert it into the request body
        /// with `.into()`.
        #[derive(Debug, Clone, PartialEq)]
        pub struct #filter {
            operator: crate::models::#group_enum,
            conditions: Vec<#condition>,
        }

        impl #filter {
            /// Conditions joined by any grouping operator the spec lists.
            pub fn grouped(
                operator: crate::models::#group_enum,
                conditions: impl IntoIterator<Item = #condition>,
            ) -> Self {
                Self {
                    operator,
                    conditions: conditions.into_iter().collect(),
                }
            }

            #(#group_ctors)*

            /// The request body for the query operation.
            pub fn into_request(self) -> crate::models::#request {
                crate::models::#request { #filter_field, #fill_request }
            }
        }

        impl From<#filter> for crate::models::#request {
            fn from(filter: #filter) -> Self {
                filter.into_request()
            }
        }
    }
}
