//! `filters.rs`: typed filter builders for query operations.
//!
//! One property enum per queried object type, so filtering on a property the type does
//! not have is a compile error; the operators are the spec's own enum values, each a
//! method taking exactly the arguments it needs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::models::recurses;
use crate::ir::{Api, ExpressionShape, Filter, Gate, ShapeField};
use crate::render::Unit;
use crate::naming::{self, Scope, ident};

/// The filters module as one token stream (for a module written into `OUT_DIR`, which
/// has no features: gates are left out).
pub fn filters(api: &Api) -> TokenStream {
    let file = FiltersFile::new(api);
    let prelude = prelude(api);
    let arity_fns = file.arity.iter().map(|(f, _)| arity_fn(f));
    let items = api.filters.iter().map(|f| filter(api, f));
    quote! {
        #prelude
        #(#arity_fns)*
        #(#items)*
    }
}

fn prelude(api: &Api) -> TokenStream {
    // With no feature on, no filter uses these.
    let allow = (!api.features.list.is_empty()).then(|| quote!(#[allow(unused_imports)]));
    quote! {
        //! Typed filter builders for the query operations.
        //!
        //! Start from a property, pick an operator (each takes exactly the arguments it
        //! needs, as text, numbers, booleans or UTC date-times), and join conditions with
        //! a grouping operator, or with `&` and `|` where the grammar nests groups; the
        //! result converts into the operation's request body with `.into()`.

        #allow
        use super::runtime::{FilterError, FilterValue};
    }
}

/// `filters.rs` as units: the module doc, one arity function per operator enum, then a
/// unit per filter builder, each on with the operations it serves.
pub struct FiltersFile<'a> {
    api: &'a Api,
    /// The first filter of each operator enum, and the gate of all its filters.
    arity: Vec<(&'a Filter, Gate)>,
}

impl<'a> FiltersFile<'a> {
    /// Finds the operator enums the filters share.
    pub fn new(api: &'a Api) -> Self {
        let mut arity: Vec<(&'a Filter, Gate)> = Vec::new();
        for f in &api.filters {
            let gate = gate(api, f);
            match arity.iter_mut().find(|(first, _)| first.shape.operator_enum == f.shape.operator_enum) {
                Some((_, g)) => *g = g.union(&gate),
                None => arity.push((f, gate)),
            }
        }
        Self { api, arity }
    }

    /// How many units.
    pub fn units(&self) -> usize {
        1 + self.arity.len() + self.api.filters.len()
    }

    /// Unit `i`.
    pub fn unit(&self, i: usize) -> Unit {
        let api = self.api;
        if i == 0 {
            return Unit::always(prelude(api));
        }
        let i = i - 1;
        if let Some((f, gate)) = self.arity.get(i) {
            return Unit::Items { cfg: super::cfg(api, gate), tokens: arity_fn(f) };
        }
        match api.filters.get(i - self.arity.len()) {
            Some(f) => Unit::Items { cfg: super::cfg(api, &gate(api, f)), tokens: filter(api, f) },
            None => Unit::always(TokenStream::new()),
        }
    }
}

/// A filter builder is on with any of the operations it serves.
fn gate(api: &Api, f: &Filter) -> Gate {
    let mut gates = f.operations.iter().map(|op| api.features.operation(op));
    let first = gates.next().cloned().unwrap_or(Gate::Always);
    gates.fold(first, |acc, g| acc.union(g))
}

/// `a & b` and `a | b` on filters and conditions of a grammar whose groups nest, for
/// the grouping operators spelled `and` and `or`: a chain of the same operator stays one
/// flat group, so `a & b & c` is `and([a, b, c])`.
fn join_operators(
    group_enum: &proc_macro2::Ident,
    filter: &proc_macro2::Ident,
    condition: &proc_macro2::Ident,
    group_names: &[(proc_macro2::Ident, proc_macro2::Ident, String)],
) -> TokenStream {
    let impls = [("and", "BitAnd", "bitand"), ("or", "BitOr", "bitor")].map(|(wire, tr, method)| {
        let Some((_, variant, _)) = group_names.iter().find(|(_, _, w)| w.eq_ignore_ascii_case(wire)) else {
            return TokenStream::new();
        };
        let tr = format_ident!("{tr}");
        let method = format_ident!("{method}");
        let doc = format!(" `a {} b`: both joined with `{wire}`.", if wire == "and" { "&" } else { "|" });
        quote! {
            impl<R: Into<#filter>> std::ops::#tr<R> for #filter {
                type Output = #filter;
                #[doc = #doc]
                fn #method(self, rhs: R) -> #filter {
                    self.joined(super::models::#group_enum::#variant, rhs.into())
                }
            }

            impl<R: Into<#filter>> std::ops::#tr<R> for #condition {
                type Output = #filter;
                #[doc = #doc]
                fn #method(self, rhs: R) -> #filter {
                    #filter::from(self).joined(super::models::#group_enum::#variant, rhs.into())
                }
            }
        }
    });
    if impls.iter().all(TokenStream::is_empty) {
        return TokenStream::new();
    }
    quote! {
        impl #filter {
            /// `self` and `other` joined by `operator`, extending `self` when it is
            /// already a group joined by that operator.
            fn joined(self, operator: super::models::#group_enum, other: #filter) -> #filter {
                match self {
                    Self::Group { operator: existing, mut members } if existing == operator => {
                        members.push(other);
                        Self::Group { operator: existing, members }
                    }
                    first => Self::Group { operator, members: vec![first, other] },
                }
            }
        }

        #(#impls)*
    }
}

fn arity_name(operator_enum: &str) -> proc_macro2::Ident {
    format_ident!("arity_{}", naming::unraw(&naming::snake(operator_enum, "operator")))
}

/// `fn arity_x(operator) -> Option<usize>`: `None` for values the spec does not list.
fn arity_fn(f: &Filter) -> TokenStream {
    let name = arity_name(&f.shape.operator_enum);
    let op_enum = ident(&f.shape.operator_enum);
    let arms = f.shape.operators.iter().map(|op| {
        let variant = ident(&op.variant.rust);
        let arity = proc_macro2::Literal::usize_unsuffixed(op.arity);
        quote!(super::models::#op_enum::#variant => Some(#arity),)
    });
    quote! {
        /// How many arguments each operator takes.
        fn #name(operator: &super::models::#op_enum) -> Option<usize> {
            match operator {
                #(#arms)*
                _ => None,
            }
        }
    }
}

/// `field: expr`, wrapped in `Some` when the field is optional.
fn set(field: &ShapeField, expr: TokenStream) -> TokenStream {
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

fn filter(api: &Api, f: &Filter) -> TokenStream {
    let shape = &f.shape;
    let property = ident(&f.property_enum);
    let condition = ident(&f.condition_type);
    let filter = ident(&f.filter_type);
    let op_enum = ident(&shape.operator_enum);
    let group_enum = ident(&shape.group_operator_enum);
    let request = ident(&shape.request);
    let filter_model = ident(&shape.filter_model);
    let group_model = ident(&shape.group_model);
    let condition_model = ident(&shape.condition_model);
    let arity = arity_name(&shape.operator_enum);

    // The property enum.
    let variants: Vec<_> = f.properties.iter().map(|p| ident(&p.rust)).collect();
    let wires: Vec<_> = f.properties.iter().map(|p| p.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| {
        let text = format!(" `{}`", w.replace('`', "'"));
        quote!(#[doc = #text])
    });
    let (copy, other_variant, other_arm) = if f.free_property {
        (
            TokenStream::new(),
            quote! {
                /// Any other property the server accepts, by name.
                Other(String),
            },
            quote!(Self::Other(name) => name.as_str(),),
        )
    } else {
        (quote!(Copy,), TokenStream::new(), TokenStream::new())
    };

    let mut method_scope = Scope::with_reserved(&["compare", "as_str"]);
    let operator_methods = shape.operators.iter().map(|op| {
        let method = ident(&method_scope.claim(naming::snake(&op.variant.wire, "operator")));
        let variant = ident(&op.variant.rust);
        let wire = op.variant.wire.replace('`', "'");
        let (params, args, what) = match op.arity {
            0 => (quote!(), quote!(Vec::new()), "takes no argument"),
            2 => (
                quote!(low: impl FilterValue, high: impl FilterValue),
                quote!(vec![low.into_argument(), high.into_argument()]),
                "takes a low and a high bound",
            ),
            _ => (quote!(value: impl FilterValue), quote!(vec![value.into_argument()]), "compares with one value"),
        };
        let text = format!(" `{wire}`: {what}.");
        quote! {
            #[doc = #text]
            pub fn #method(self, #params) -> #condition {
                #condition {
                    property: self,
                    operator: super::models::#op_enum::#variant,
                    arguments: #args,
                }
            }
        }
    });

    // A condition as its model.
    let property_value = match &shape.property_model_enum {
        Some(model_enum) => {
            let model_enum = ident(model_enum);
            quote!(super::models::#model_enum::from(self.property.as_str()))
        }
        None => quote!(self.property.as_str().to_owned()),
    };
    let condition_fields = [
        set(&shape.argument_field, quote!(self.arguments)),
        set(&shape.operator_field, quote!(self.operator)),
        set(&shape.property_field, property_value),
    ];
    let [fill_request, fill_filter, fill_group, fill_condition] = shape.other_fields.each_ref().map(|f| rest(f));

    let mut group_scope = Scope::with_reserved(&["grouped", "into_request", "into_sorted_request", "condition", "group"]);
    let group_names: Vec<_> = shape
        .group_operators
        .iter()
        .map(|op| (ident(&group_scope.claim(naming::snake(&op.wire, "group"))), ident(&op.rust), op.wire.replace('`', "'")))
        .collect();

    // The filter type and how it becomes the expression.
    let (filter_def, expression, from_condition) = match &shape.expression {
        ExpressionShape::Flat => {
            let ctors = group_names.iter().map(|(method, variant, wire)| {
                let text = format!(" The conditions joined with `{wire}`.");
                quote! {
                    #[doc = #text]
                    pub fn #method(conditions: impl IntoIterator<Item = #condition>) -> Self {
                        Self::grouped(super::models::#group_enum::#variant, conditions)
                    }
                }
            });
            let nested = set(
                &shape.nested_field,
                quote!(self.conditions.into_iter().map(#condition::into_model).collect()),
            );
            let group_operator = set(&shape.group_operator_field, quote!(self.operator));
            let def = quote! {
                /// Conditions joined by one grouping operator (this spec's grammar does
                /// not nest groups).
                #[derive(Debug, Clone, PartialEq)]
                pub struct #filter {
                    operator: super::models::#group_enum,
                    conditions: Vec<#condition>,
                }

                impl #filter {
                    /// The conditions joined by any grouping operator the spec lists.
                    pub fn grouped(
                        operator: super::models::#group_enum,
                        conditions: impl IntoIterator<Item = #condition>,
                    ) -> Self {
                        Self { operator, conditions: conditions.into_iter().collect() }
                    }

                    #(#ctors)*

                    fn into_expression(self) -> super::models::#group_model {
                        super::models::#group_model { #group_operator, #nested, #fill_group }
                    }
                }
            };
            // A lone condition is a group of one, joined by the first operator.
            let from = group_names.first().map(|(_, variant, _)| {
                quote! {
                    impl From<#condition> for #filter {
                        fn from(condition: #condition) -> Self {
                            Self::grouped(super::models::#group_enum::#variant, [condition])
                        }
                    }
                }
            });
            (def, quote!(self.into_expression()), from)
        }
        ExpressionShape::Recursive { union, condition_variant, group_variant } => {
            let union_ident = ident(union);
            let cond_variant = ident(condition_variant);
            let grp_variant = ident(group_variant);
            let boxed = |ty: &str, expr: TokenStream| {
                if recurses(api, union, &crate::ir::Type::Named(ty.to_owned())) {
                    quote!(Box::new(#expr))
                } else {
                    expr
                }
            };
            let condition_expr = boxed(&shape.condition_model, quote!(condition.into_model()));
            let nested = set(
                &shape.nested_field,
                quote!(members.into_iter().map(Self::into_expression).collect()),
            );
            let group_operator = set(&shape.group_operator_field, quote!(grouping));
            let group_expr = boxed(
                &shape.group_model,
                quote!(super::models::#group_model { #group_operator, #nested, #fill_group }),
            );
            let ctors = group_names.iter().map(|(method, variant, wire)| {
                let text = format!(" The members joined with `{wire}`; members may be conditions or groups.");
                quote! {
                    #[doc = #text]
                    pub fn #method<F: Into<Self>>(members: impl IntoIterator<Item = F>) -> Self {
                        Self::grouped(super::models::#group_enum::#variant, members)
                    }
                }
            });
            let def = quote! {
                /// A condition, or conditions and groups joined by a grouping operator,
                /// nested to any depth.
                #[derive(Debug, Clone, PartialEq)]
                pub enum #filter {
                    /// One condition.
                    Condition(#condition),
                    /// Members joined by a grouping operator.
                    Group {
                        /// The grouping operator.
                        operator: super::models::#group_enum,
                        /// The members.
                        members: Vec<#filter>,
                    },
                }

                impl #filter {
                    /// The members joined by any grouping operator the spec lists.
                    pub fn grouped<F: Into<Self>>(
                        operator: super::models::#group_enum,
                        members: impl IntoIterator<Item = F>,
                    ) -> Self {
                        Self::Group { operator, members: members.into_iter().map(Into::into).collect() }
                    }

                    #(#ctors)*

                    fn into_expression(self) -> super::models::#union_ident {
                        match self {
                            Self::Condition(condition) => super::models::#union_ident::#cond_variant(#condition_expr),
                            Self::Group { operator: grouping, members } => super::models::#union_ident::#grp_variant(#group_expr),
                        }
                    }
                }
            };
            let from = quote! {
                impl From<#condition> for #filter {
                    fn from(condition: #condition) -> Self {
                        Self::Condition(condition)
                    }
                }
            };
            let operators = join_operators(&group_enum, &filter, &condition, &group_names);
            (def, quote!(self.into_expression()), Some(quote!(#from #operators)))
        }
    };

    let expression_set = set(&shape.expression_field, expression);
    let filter_set = set(
        &shape.filter_field,
        quote!(super::models::#filter_model { #expression_set, #fill_filter }),
    );
    let (sort_none, sorted) = match &shape.sort {
        Some(sort) => {
            let none = {
                let field = ident(&sort.field.rust);
                if sort.field.optional { quote!(#field: None,) } else { TokenStream::new() }
            };
            let sort_model = ident(&sort.model);
            let item_model = ident(&sort.item_model);
            let name_set = set(&sort.name_field, quote!(property.as_str().to_owned()));
            let order_set = set(&sort.order_field, quote!(order.into()));
            let [sort_rest, item_rest] = sort.other_fields.each_ref().map(|f| rest(f));
            let list_set = set(&sort.list_field, quote! {
                sort.into_iter()
                    .map(|(property, order)| super::models::#item_model { #name_set, #order_set, #item_rest })
                    .collect()
            });
            let sort_set = set(&sort.field, quote!(super::models::#sort_model { #list_set, #sort_rest }));
            let sorted = quote! {
                /// The request body, with results sorted by `(property, order)` pairs
                /// (order as the server spells it, e.g. `"ASC"` or `"DESC"`).
                pub fn into_sorted_request<O: Into<String>>(
                    self,
                    sort: impl IntoIterator<Item = (#property, O)>,
                ) -> super::models::#request {
                    super::models::#request { #filter_set, #sort_set, #fill_request }
                }
            };
            (none, sorted)
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let ops_doc = format!(
        " A filter for {}.",
        f.operations
            .iter()
            .map(|o| format!("[`Client::{0}`](super::Client::{0})", naming::unraw(o)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let object_doc = format!(" A property of [`{0}`](super::models::{0}) that a query can filter on.", f.object);
    let bare_request = matches!(shape.expression, ExpressionShape::Recursive { .. }).then(|| {
        quote! {
            /// A lone condition is a whole filter.
            impl From<#condition> for super::models::#request {
                fn from(condition: #condition) -> Self {
                    #filter::from(condition).into_request()
                }
            }
        }
    });

    quote! {
        #[doc = #object_doc]
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #property {
            #(#variant_docs #variants,)*
            #other_variant
        }

        impl #property {
            /// The property name as the server knows it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wires,)*
                    #other_arm
                }
            }

            /// A condition with any operator and its arguments; fails when the number of
            /// arguments does not fit the operator.
            pub fn compare<A: FilterValue>(
                self,
                operator: super::models::#op_enum,
                arguments: impl IntoIterator<Item = A>,
            ) -> Result<#condition, FilterError> {
                let arguments: Vec<String> = arguments.into_iter().map(FilterValue::into_argument).collect();
                if let Some(expected) = #arity(&operator)
                    && expected != arguments.len()
                {
                    return Err(FilterError {
                        operator: operator.to_string(),
                        expected,
                        found: arguments.len(),
                    });
                }
                Ok(#condition { property: self, operator, arguments })
            }

            #(#operator_methods)*
        }

        /// One comparison on a property.
        #[derive(Debug, Clone, PartialEq)]
        pub struct #condition {
            property: #property,
            operator: super::models::#op_enum,
            arguments: Vec<String>,
        }

        impl #condition {
            fn into_model(self) -> super::models::#condition_model {
                super::models::#condition_model { #(#condition_fields,)* #fill_condition }
            }
        }

        #[doc = #ops_doc]
        #filter_def

        impl #filter {
            /// The request body for the query operation.
            pub fn into_request(self) -> super::models::#request {
                super::models::#request { #filter_set, #sort_none #fill_request }
            }

            #sorted
        }

        #from_condition

        impl From<#filter> for super::models::#request {
            fn from(filter: #filter) -> Self {
                filter.into_request()
            }
        }

        #bare_request
    }
}
