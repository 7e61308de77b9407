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
    let kinds = file.kinds.iter().map(kind_items);
    let items = api.filters.iter().map(|f| filter(api, f, &file.kinds));
    quote! {
        #prelude
        #(#arity_fns)*
        #(#kinds)*
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
    /// The generic condition and filter types the builders of the nesting grammar share.
    kinds: Vec<Kind<'a>>,
}

/// Builders of the grammar whose groups nest share one generic condition and filter
/// per operator and grouping enum (`pub type ProcessFilter = Filter<ProcessProperty>;`):
/// the joining, grouping and operators `&` and `|` are compiled once, not per object.
struct Kind<'a> {
    /// The first builder of this kind.
    first: &'a Filter,
    /// The generic condition's name (`Condition`).
    condition: String,
    /// The generic filter's name (`Filter`).
    filter: String,
    /// On with any of its builders.
    gate: Gate,
}

/// The kinds of the builders of the nesting grammar, in order of first use.
fn kinds(api: &Api) -> Vec<Kind<'_>> {
    let mut names = Scope::new();
    for f in &api.filters {
        for name in [&f.property_enum, &f.filter_type, &f.condition_type] {
            names.claim(name.clone());
        }
    }
    let mut kinds: Vec<(Kind<'_>, usize)> = Vec::new();
    for f in &api.filters {
        if !matches!(f.shape.expression, ExpressionShape::Recursive { .. }) {
            continue;
        }
        let gate = gate(api, f);
        match kinds.iter_mut().find(|(k, _)| same_kind(k.first, f)) {
            Some((kind, count)) => {
                kind.gate = kind.gate.union(&gate);
                *count += 1;
            }
            None => kinds.push((Kind { first: f, condition: String::new(), filter: String::new(), gate }, 1)),
        }
    }
    // The kind most builders share gets the plain names, `Condition` and `Filter`;
    // the others are numbered, in order of first use.
    let mut by_use: Vec<usize> = (0..kinds.len()).collect();
    by_use.sort_by_key(|&i| std::cmp::Reverse(kinds[i].1));
    for i in by_use {
        kinds[i].0.condition = names.claim("Condition".to_owned());
        kinds[i].0.filter = names.claim("Filter".to_owned());
    }
    kinds.into_iter().map(|(kind, _)| kind).collect()
}

fn same_kind(a: &Filter, b: &Filter) -> bool {
    a.shape.operator_enum == b.shape.operator_enum && a.shape.group_operator_enum == b.shape.group_operator_enum
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
        Self { api, arity, kinds: kinds(api) }
    }

    /// How many units.
    pub fn units(&self) -> usize {
        1 + self.arity.len() + self.kinds.len() + self.api.filters.len()
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
        let i = i - self.arity.len();
        if let Some(kind) = self.kinds.get(i) {
            return Unit::Items { cfg: super::cfg(api, &kind.gate), tokens: kind_items(kind) };
        }
        match api.filters.get(i - self.kinds.len()) {
            Some(f) => Unit::Items { cfg: super::cfg(api, &gate(api, f)), tokens: filter(api, f, &self.kinds) },
            None => Unit::always(TokenStream::new()),
        }
    }
}

/// The grouping operators of a builder as (method, enum variant, wire value).
fn group_names(f: &Filter) -> Vec<(proc_macro2::Ident, proc_macro2::Ident, String)> {
    let mut group_scope = Scope::with_reserved(&["grouped", "into_request", "into_sorted_request", "condition", "group"]);
    f.shape
        .group_operators
        .iter()
        .map(|op| (ident(&group_scope.claim(naming::snake(&op.wire, "group"))), ident(&op.rust), op.wire.replace('`', "'")))
        .collect()
}

/// A kind's generic condition and filter, their grouping and their `&` and `|`.
fn kind_items(kind: &Kind<'_>) -> TokenStream {
    let condition = ident(&kind.condition);
    let filter = ident(&kind.filter);
    let op_enum = ident(&kind.first.shape.operator_enum);
    let group_enum = ident(&kind.first.shape.group_operator_enum);
    let group_names = group_names(kind.first);
    let ctors = group_names.iter().map(|(method, variant, wire)| {
        let text = format!(" The members joined with `{wire}`; members may be conditions or groups.");
        quote! {
            #[doc = #text]
            pub fn #method<F: Into<Self>>(members: impl IntoIterator<Item = F>) -> Self {
                Self::grouped(super::models::#group_enum::#variant, members)
            }
        }
    });
    let impls: Vec<TokenStream> = [("and", "BitAnd", "bitand"), ("or", "BitOr", "bitor")]
        .into_iter()
        .filter_map(|(wire, tr, method)| {
            let (_, variant, _) = group_names.iter().find(|(_, _, w)| w.eq_ignore_ascii_case(wire))?;
            let tr = format_ident!("{tr}");
            let method = format_ident!("{method}");
            let doc = format!(" `a {} b`: both joined with `{wire}`.", if wire == "and" { "&" } else { "|" });
            Some(quote! {
                impl<P, R: Into<#filter<P>>> std::ops::#tr<R> for #filter<P> {
                    type Output = #filter<P>;
                    #[doc = #doc]
                    fn #method(self, rhs: R) -> #filter<P> {
                        self.joined(super::models::#group_enum::#variant, rhs.into())
                    }
                }

                impl<P, R: Into<#filter<P>>> std::ops::#tr<R> for #condition<P> {
                    type Output = #filter<P>;
                    #[doc = #doc]
                    fn #method(self, rhs: R) -> #filter<P> {
                        <#filter<P>>::from(self).joined(super::models::#group_enum::#variant, rhs.into())
                    }
                }
            })
        })
        .collect();
    let joined = (!impls.is_empty()).then(|| {
        quote! {
            impl<P> #filter<P> {
                /// `self` and `other` joined by `operator`, extending `self` when it is
                /// already a group joined by that operator.
                fn joined(self, operator: super::models::#group_enum, other: Self) -> Self {
                    match self {
                        Self::Group { operator: existing, mut members } if existing == operator => {
                            members.push(other);
                            Self::Group { operator: existing, members }
                        }
                        first => Self::Group { operator, members: vec![first, other] },
                    }
                }
            }
        }
    });
    let condition_example = format!(" object's condition, `{}`, is this with its own).", kind.first.condition_type);
    let filter_example = format!(" filter, `{}`, is this with its own).", kind.first.filter_type);
    quote! {
        /// One comparison on a property; `P` is the queried object's property enum (each
        #[doc = #condition_example]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #condition<P> {
            property: P,
            operator: super::models::#op_enum,
            arguments: Vec<String>,
        }

        /// A condition, or conditions and groups joined by a grouping operator, nested
        /// to any depth; `P` is the queried object's property enum (each object's
        #[doc = #filter_example]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #filter<P> {
            /// One condition.
            Condition(#condition<P>),
            /// Members joined by a grouping operator.
            Group {
                /// The grouping operator.
                operator: super::models::#group_enum,
                /// The members.
                members: Vec<#filter<P>>,
            },
        }

        impl<P> #filter<P> {
            /// The members joined by any grouping operator the spec lists.
            pub fn grouped<F: Into<Self>>(
                operator: super::models::#group_enum,
                members: impl IntoIterator<Item = F>,
            ) -> Self {
                Self::Group { operator, members: members.into_iter().map(Into::into).collect() }
            }

            #(#ctors)*
        }

        impl<P> From<#condition<P>> for #filter<P> {
            fn from(condition: #condition<P>) -> Self {
                Self::Condition(condition)
            }
        }

        #joined
        #(#impls)*
    }
}

/// A filter builder is on with any of the operations it serves.
fn gate(api: &Api, f: &Filter) -> Gate {
    let mut gates = f.operations.iter().map(|op| api.features.operation(op));
    let first = gates.next().cloned().unwrap_or(Gate::Always);
    gates.fold(first, |acc, g| acc.union(g))
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

fn filter(api: &Api, f: &Filter, kinds: &[Kind<'_>]) -> TokenStream {
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

    let group_names = group_names(f);
    let kind = kinds.iter().find(|k| same_kind(k.first, f));
    let condition_def = match kind {
        Some(k) => {
            let generic = ident(&k.condition);
            let text = format!(" One comparison on a property of [`{0}`](super::models::{0}).", f.object);
            quote! {
                #[doc = #text]
                pub type #condition = #generic<#property>;
            }
        }
        None => quote! {
            /// One comparison on a property.
            #[derive(Debug, Clone, PartialEq)]
            pub struct #condition {
                property: #property,
                operator: super::models::#op_enum,
                arguments: Vec<String>,
            }
        },
    };

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
            // The type, its grouping and `&` and `|` are the kind's generic filter.
            let generic = kind.map(|k| ident(&k.filter));
            let def = quote! {
                pub type #filter = #generic<#property>;

                impl #filter {
                    fn into_expression(self) -> super::models::#union_ident {
                        match self {
                            Self::Condition(condition) => super::models::#union_ident::#cond_variant(#condition_expr),
                            Self::Group { operator: grouping, members } => super::models::#union_ident::#grp_variant(#group_expr),
                        }
                    }
                }
            };
            (def, quote!(self.into_expression()), None)
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

        #condition_def

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
