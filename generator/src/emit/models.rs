//! `models.rs`: one type per named schema.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::{Scope, doc, rust_type};
use crate::render::Unit;
use crate::ir::{Alias, Api, Enum, EnumKind, Model, Struct, Type, Union};
use crate::naming::{ident, unraw};

/// The API (whose models are looked up by name through [`Api::model`]) and the structs
/// that are variants of an untagged union: found once, so that emitting each model does
/// not scan all the others (which made emitting quadratic in the number of models).
pub(crate) struct Index<'a> {
    api: &'a Api,
    untagged_variants: BTreeSet<&'a str>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        Self { api, untagged_variants: untagged_variants(api) }
    }
}

/// The structs that are variants of an untagged union: a missing required field is
/// an error in them (it is how decoding tells the variants apart).
pub(crate) fn untagged_variants<'a>(api: &'a Api) -> BTreeSet<&'a str> {
    let mut untagged_variants = BTreeSet::new();
    // A variant that is an alias of a generic (see `crate::generics`) makes the
    // generic a variant; a generic union's variant that is a type parameter makes
    // each alias's argument in that place one.
    let mut insert = |ty: &'a Type| match ty {
        Type::Named(name) => {
            untagged_variants.insert(name.as_str());
            if let Some(Model::Alias(Alias { ty: Type::Generic(generic, _), .. })) = api.model(name) {
                untagged_variants.insert(generic.as_str());
            }
        }
        Type::Generic(generic, _) => {
            untagged_variants.insert(generic.as_str());
        }
        _ => {}
    };
    let mut param_variants: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for model in &api.models {
        if let Model::Union(u) = model
            && u.discriminator.is_none()
        {
            for v in &u.variants {
                match &v.ty {
                    Type::Param(i) => param_variants.entry(u.name.as_str()).or_default().push(*i),
                    ty => insert(ty),
                }
            }
        }
    }
    if !param_variants.is_empty() {
        for model in &api.models {
            if let Model::Alias(Alias { ty: Type::Generic(generic, args), .. }) = model
                && let Some(params) = param_variants.get(generic.as_str())
            {
                params.iter().filter_map(|&i| args.get(i)).for_each(&mut insert);
            }
        }
    }
    untagged_variants
}

/// The models module as one token stream (for a module written into `OUT_DIR`, which
/// has no features: gates are left out).
pub fn models(api: &Api) -> TokenStream {
    let file = ModelsFile::new(api);
    let items = api.models.iter().map(|model| file.model(model));
    quote! {
        //! Types for the schemas of the spec.
        #(#items)*
    }
}

/// `models.rs` as units: the module doc, then a unit per model under its gate.
pub struct ModelsFile<'a> {
    api: &'a Api,
    index: Index<'a>,
}

impl<'a> ModelsFile<'a> {
    /// Indexes the models once.
    pub fn new(api: &'a Api) -> Self {
        Self { api, index: Index::new(api) }
    }

    /// How many units.
    pub fn units(&self) -> usize {
        1 + self.api.models.len()
    }

    /// Unit `i`.
    pub fn unit(&self, i: usize) -> Unit {
        match i.checked_sub(1).and_then(|i| self.api.models.get(i)) {
            None => Unit::always(quote!(//! Types for the schemas of the spec.
            )),
            Some(model) => Unit::Items {
                cfg: super::cfg(self.api, self.api.features.model(model.name())),
                tokens: self.model(model),
            },
        }
    }

    fn model(&self, model: &Model) -> TokenStream {
        match model {
            Model::Struct(s) => emit_struct(&self.index, s),
            Model::Enum(e) => emit_enum(e),
            Model::Alias(a) => emit_alias(a),
            Model::Union(u) => emit_union(&self.index, u),
            Model::Statuses(s) => emit_statuses(s),
        }
    }
}

/// How a model's type is written, with its type parameters (see `crate::generics`):
/// `Name` or `Name<T0, T1>`, and the parameters for impl headers.
struct Head {
    /// The type's name as text (what errors call it).
    text: String,
    /// The type as written in a declaration or impl header: `Name<T0>`.
    ty: TokenStream,
    /// The type parameters.
    params: Vec<proc_macro2::Ident>,
}

impl Head {
    fn new(name: &str, count: usize) -> Self {
        let params: Vec<_> = (0..count).map(|i| ident(&crate::generics::param_name(i))).collect();
        let name_ident = ident(name);
        let ty = if params.is_empty() { quote!(#name_ident) } else { quote!(#name_ident<#(#params),*>) };
        Self { text: name.to_owned(), ty, params }
    }

    /// The generics of an impl of `bound` for the type: empty, or `<T0: bound, ...>`.
    fn generics(&self, bound: TokenStream) -> TokenStream {
        let params = &self.params;
        if params.is_empty() { TokenStream::new() } else { quote!(<#(#params: #bound),*>) }
    }

    /// The parameters after `'de` in a `Deserialize` impl: `, T0: DeserializeOwned`...
    /// (models own their data; a lenient field's decoder wants `DeserializeOwned`).
    fn de_params(&self) -> TokenStream {
        let params = &self.params;
        quote!(#(, #params: serde::de::DeserializeOwned)*)
    }
}

fn emit_struct(index: &Index<'_>, s: &Struct) -> TokenStream {
    let head = Head::new(&s.name, s.fields.iter().map(|f| f.ty.param_count()).max().unwrap_or(0));
    let name = &head.ty;
    let union_variant = index.untagged_variants.contains(s.name.as_str());
    let docs = doc(s.doc.as_deref());
    // `..Default::default()` in struct literals is worth having whenever every field
    // can be empty: optional ones, and required ones of a type with an empty value.
    let defaultable = s
        .fields
        .iter()
        .all(|f| !f.required || f.nullable || (has_default(&f.ty) && !recurses(index.api, &s.name, &f.ty)));
    // `#[derive(Default)]` would want `Default` of every type parameter; a generic's
    // empty value is written out instead (its fields are all optional or of a type
    // with an empty value).
    let default = (defaultable && head.params.is_empty()).then(|| quote!(Default,));
    // Without a flattened map, `Serialize` and `Deserialize` are written out
    // (`compact_serialize`, `compact_deserialize`) rather than derived: the derives'
    // expansions were most of a big crate's check time. With one, serde's derives and
    // attributes do the flattening.
    let compact = s.additional.is_none();
    let plans: Vec<FieldPlan<'_>> = s
        .fields
        .iter()
        .map(|f| {
            let boxed = recurses(index.api, &s.name, &f.ty);
            // Lenient decoders only where the spec asks (`x-specwright-lenient`):
            // elsewhere a wrong type is an error, not a guess.
            let lenient = lenient_fn(&f.ty).filter(|_| f.lenient && !boxed && !f.three_state());
            let (shape, defaulted) = if f.required && f.nullable {
                // Required but nullable: always sent, `null` when `None`.
                (Shape::Option, true)
            } else if f.required {
                // Servers leave out "required" response fields (Boomi's spec marks
                // response-only fields required); a missing one decodes as empty where
                // the type has an empty value instead of failing the whole response.
                // Not in union variants: there a missing required field is how
                // decoding tells the variants apart.
                (Shape::Plain, has_default(&f.ty) && !union_variant)
            } else if f.nullable {
                // Optional and nullable: absent, `null` and a value stay apart, so a
                // value read and written back is unchanged and a PATCH can send `null`.
                (Shape::Nullable, true)
            } else {
                (Shape::Option, true)
            };
            let skip = match shape {
                Shape::Option if !f.required => Skip::IfNone,
                Shape::Nullable => Skip::IfAbsent,
                _ => Skip::Never,
            };
            let mut ty = rust_type(&f.ty, Scope::Models);
            if boxed {
                ty = quote!(Box<#ty>);
            }
            let ty = match shape {
                Shape::Plain => ty,
                Shape::Option => quote!(Option<#ty>),
                Shape::Nullable => quote!(super::runtime::Nullable<#ty>),
            };
            FieldPlan { field: f, shape, skip, defaulted, lenient, ty }
        })
        .collect();
    let fields = plans.iter().map(|p| {
        let f = p.field;
        let field = ident(&f.rust);
        let docs = doc(f.doc.as_deref());
        let ty = &p.ty;
        let attr = (!compact).then(|| {
            let rename = (unraw(&f.rust) != f.wire).then(|| {
                let wire = &f.wire;
                quote!(rename = #wire,)
            });
            let default = p.defaulted.then(|| quote!(default,));
            let lenient = p.lenient.map(|name| {
                let option = if p.shape == Shape::Option { "option_" } else { "" };
                let path = format!("super::runtime::lenient::{option}{name}");
                quote!(deserialize_with = #path,)
            });
            let skip = match p.skip {
                Skip::Never => None,
                Skip::IfNone => Some(quote!(skip_serializing_if = "Option::is_none")),
                Skip::IfAbsent => Some(quote!(skip_serializing_if = "super::runtime::Nullable::is_absent")),
            };
            (rename.is_some() || default.is_some() || lenient.is_some() || skip.is_some())
                .then(|| quote!(#[serde(#rename #default #lenient #skip)]))
        });
        quote! {
            #docs
            #attr
            pub #field: #ty,
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
    // A password field must not reach logs through `{:?}`: Debug by hand, redacting it.
    let (derive_debug, debug_impl) = if s.fields.iter().any(|f| f.secret) {
        let name_text = s.name.clone();
        let entries = s.fields.iter().map(|f| {
            let field = ident(&f.rust);
            let label = unraw(&f.rust).to_owned();
            if f.secret {
                quote!(.field(#label, &"<redacted>"))
            } else {
                quote!(.field(#label, &self.#field))
            }
        });
        let additional = s.additional.as_ref().map(|_| quote!(.field("additional_properties", &self.additional_properties)));
        let generics = head.generics(quote!(std::fmt::Debug));
        let imp = quote! {
            impl #generics std::fmt::Debug for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct(#name_text) #(#entries)* #additional .finish()
                }
            }
        };
        (TokenStream::new(), imp)
    } else {
        (quote!(Debug,), TokenStream::new())
    };
    let (derive_serde, serde_impls) = if compact {
        let ser = compact_serialize(&head, &plans);
        let de = compact_deserialize(&head, &plans, defaultable);
        (TokenStream::new(), quote!(#ser #de))
    } else {
        (quote!(serde::Serialize, serde::Deserialize), TokenStream::new())
    };
    let default_impl = (defaultable && !head.params.is_empty()).then(|| {
        let params = &head.params;
        let values = plans.iter().map(|p| {
            let field = ident(&p.field.rust);
            match p.shape {
                Shape::Option => quote!(#field: None),
                Shape::Nullable => quote!(#field: super::runtime::Nullable::Absent),
                Shape::Plain => quote!(#field: Default::default()),
            }
        });
        quote! {
            impl<#(#params),*> Default for #name {
                fn default() -> Self {
                    Self { #(#values,)* }
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(#derive_debug Clone, PartialEq, #default #derive_serde)]
        pub struct #name {
            #(#fields)*
            #additional
        }

        #debug_impl
        #default_impl
        #serde_impls
    }
}

/// The Rust shape of a field around its value type.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Plain,
    Option,
    Nullable,
}

/// When a field is left out of what is sent.
#[derive(Clone, Copy)]
enum Skip {
    Never,
    /// `None` (an optional field).
    IfNone,
    /// `Nullable::Absent`.
    IfAbsent,
}

/// How a struct field is declared, sent and read.
struct FieldPlan<'a> {
    field: &'a crate::ir::Field,
    shape: Shape,
    skip: Skip,
    /// Missing is the type's default (else an error).
    defaulted: bool,
    /// The `runtime::lenient` decoder it is read through (see `lenient_fn`).
    lenient: Option<&'static str>,
    /// The field's Rust type (boxed where the field leads back to its struct).
    ty: TokenStream,
}

/// `Serialize` for a struct: what `#[derive(serde::Serialize)]` does with the plan's
/// names and skips, as one call of the runtime's `ser::fields` on the fields listed as
/// data `(name, value)`, so the body is an array and no control flow. The value's type
/// says when it is skipped (`ser::Value`): an `Option` when `None`, a `Nullable` when
/// absent; a field never skipped goes as `ser::Always`.
fn compact_serialize(head: &Head, plans: &[FieldPlan<'_>]) -> TokenStream {
    let ty = &head.ty;
    let name = &head.text;
    let generics = head.generics(quote!(serde::Serialize));
    let fields = plans.iter().map(|p| {
        let field = ident(&p.field.rust);
        let wire = &p.field.wire;
        match p.skip {
            Skip::Never => quote!((#wire, &super::runtime::ser::Always(&self.#field))),
            Skip::IfNone | Skip::IfAbsent => quote!((#wire, &self.#field)),
        }
    });
    quote! {
        impl #generics serde::Serialize for #ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                super::runtime::ser::fields(serializer, #name, &[#(#fields),*])
            }
        }
    }
}

/// `Deserialize` for a struct over the runtime's `de` helpers: what
/// `#[derive(serde::Deserialize)]` does for a map (unknown keys skipped, a repeated key
/// an error, a missing one its default or an error) in about a quarter of the derive's
/// lines. The runtime loops over the keys; the struct says only what to do with each,
/// in a `match` on the key's position with no loop around it, so no borrow lives across
/// turns of a loop in the body the compiler checks.
///
/// A struct with a `Default` (`defaultable`) of at most 64 fields is read in place
/// (`de::InPlace`): each value is written into the default value, and the key tells
/// repeated and missing fields. Any other is read into slots (`de::Slots`), an
/// `Option` per field in a tuple, and built from them at the end (`finish`). In place
/// moves no value at run time and is the cheaper to compile.
fn compact_deserialize(head: &Head, plans: &[FieldPlan<'_>], defaultable: bool) -> TokenStream {
    let ty = &head.ty;
    let name = &head.text;
    let de_params = head.de_params();
    let wires: Vec<&str> = plans.iter().map(|p| p.field.wire.as_str()).collect();
    let positions: Vec<_> = (0..plans.len()).map(proc_macro2::Literal::usize_unsuffixed).collect();
    // A key the struct does not have (`usize::MAX`) is skipped.
    let arms = |reads: Vec<TokenStream>| {
        if reads.is_empty() {
            quote!(super::runtime::de::skip(map))
        } else {
            quote! {
                match key {
                    #(#positions => super::runtime::de::#reads,)*
                    _ => super::runtime::de::skip(map),
                }
            }
        }
    };
    // `key` is unused when there are no fields.
    let key = if plans.is_empty() { quote!(_key) } else { quote!(key) };
    if defaultable && plans.len() <= 64 {
        let reads = plans.iter().map(|p| {
            let field = ident(&p.field.rust);
            if p.lenient.is_some() {
                quote!(lenient_field(map, &mut self.#field))
            } else {
                quote!(field(map, &mut self.#field))
            }
        });
        let arms = arms(reads.collect());
        let required: Vec<_> = (0..plans.len())
            .filter(|&at| !plans[at].defaulted)
            .map(proc_macro2::Literal::usize_unsuffixed)
            .collect();
        let required = (!required.is_empty()).then(|| quote!(const REQUIRED: &'static [usize] = &[#(#required),*];));
        // The type parameters `D` and `A` may shadow models of those names: no body
        // names a model, only `Self`.
        return quote! {
            impl<'de #de_params> serde::Deserialize<'de> for #ty {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    super::runtime::de::in_place(deserializer, #name)
                }
            }
            impl<'de #de_params> super::runtime::de::InPlace<'de> for #ty {
                const FIELDS: &'static [&'static str] = &[#(#wires),*];
                #required
                fn field<A: serde::de::MapAccess<'de>>(&mut self, #key: usize, map: &mut A) -> Result<(), A::Error> {
                    #arms
                }
            }
        };
    }
    let slots: Vec<TokenStream> = plans
        .iter()
        .map(|p| {
            let ty = &p.ty;
            quote!(Option<#ty>)
        })
        .collect();
    let (slots_ty, paths) = slot_tuple(&slots);
    let reads = plans.iter().zip(&paths).map(|(p, path)| {
        let wire = &p.field.wire;
        if p.lenient.is_some() {
            quote!(lenient(map, &mut slots #path, #wire))
        } else {
            quote!(value(map, &mut slots #path, #wire))
        }
    });
    let arms = arms(reads.collect());
    let finish = plans.iter().zip(&paths).map(|(p, path)| {
        let field = ident(&p.field.rust);
        let wire = &p.field.wire;
        if p.defaulted {
            quote!(#field: slots #path.unwrap_or_default())
        } else {
            quote!(#field: super::runtime::de::required::<E, _>(slots #path, #wire)?)
        }
    });
    quote! {
        impl<'de #de_params> serde::Deserialize<'de> for #ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                super::runtime::de::slots(deserializer, #name)
            }
        }
        impl<'de #de_params> super::runtime::de::Slots<'de> for #ty {
            type Slots = #slots_ty;
            const FIELDS: &'static [&'static str] = &[#(#wires),*];
            fn field<A: serde::de::MapAccess<'de>>(slots: &mut Self::Slots, #key: usize, map: &mut A) -> Result<(), A::Error> {
                #arms
            }
            fn finish<E: serde::de::Error>(slots: Self::Slots) -> Result<Self, E> {
                Ok(Self { #(#finish,)* })
            }
        }
    }
}

/// The tuple type holding `slots`, and each slot's path in it (`.3`, or `.1.3` where
/// there are more than 12: std implements `Default` for tuples of at most 12, so wider
/// ones nest, every slot at the same depth).
fn slot_tuple(slots: &[TokenStream]) -> (TokenStream, Vec<TokenStream>) {
    let mut depth = 1;
    while SLOTS_WIDEST.pow(depth) < slots.len() {
        depth += 1;
    }
    let (ty, paths) = nest_slots(slots, depth);
    let paths = paths
        .into_iter()
        .map(|path| {
            let at = path.into_iter().map(proc_macro2::Literal::usize_unsuffixed);
            quote!(#(.#at)*)
        })
        .collect();
    (ty, paths)
}

/// The widest tuple std implements `Default` for.
const SLOTS_WIDEST: usize = 12;

/// `slots` as tuples `depth` levels deep, and each slot's positions on the way down.
fn nest_slots(slots: &[TokenStream], depth: u32) -> (TokenStream, Vec<Vec<usize>>) {
    if depth == 1 {
        return (quote!((#(#slots,)*)), (0..slots.len()).map(|at| vec![at]).collect());
    }
    let mut tys = Vec::new();
    let mut paths = Vec::new();
    for (at, chunk) in slots.chunks(SLOTS_WIDEST.pow(depth - 1)).enumerate() {
        let (ty, inner) = nest_slots(chunk, depth - 1);
        tys.push(ty);
        paths.extend(inner.into_iter().map(|mut path| {
            path.insert(0, at);
            path
        }));
    }
    (quote!((#(#tys,)*)), paths)
}

/// Whether the Rust type of `ty` implements `Default` whatever the spec.
fn has_default(ty: &Type) -> bool {
    matches!(
        ty,
        Type::String
            | Type::Integer(_)
            | Type::IntString(_)
            | Type::Number(_)
            | Type::Boolean
            | Type::Array(_)
            | Type::Map(_)
            | Type::Nullable(_)
            | Type::Json
            | Type::Bytes
    )
}

/// The `super::runtime::lenient` decoder for a field type, if it has one: numbers and
/// booleans also arrive as strings, arrays as a single element.
fn lenient_fn(ty: &Type) -> Option<&'static str> {
    use crate::ir::{FloatWidth, IntWidth};
    Some(match ty {
        Type::Integer(IntWidth::I32) => "i32",
        Type::Integer(IntWidth::I64) => "i64",
        Type::Number(FloatWidth::F32) => "f32",
        Type::Number(FloatWidth::F64) => "f64",
        Type::Boolean => "bool",
        Type::Array(_) => "vec",
        _ => return None,
    })
}

/// Whether a field of type `ty` in struct `owner` leads back to `owner` without passing
/// through a `Vec` or map (which already box): such a field needs a `Box`.
pub(crate) fn recurses(api: &Api, owner: &str, ty: &Type) -> bool {
    recurses_by(|name| api.model(name), owner, ty)
}

fn recurses_by<'a>(model: impl Fn(&str) -> Option<&'a Model>, owner: &str, ty: &'a Type) -> bool {
    use std::borrow::Cow;
    let mut seen: BTreeSet<Cow<'a, Type>> = BTreeSet::new();
    let mut stack = vec![Cow::Borrowed(ty)];
    while let Some(ty) = stack.pop() {
        // A generic's fields are followed with its arguments in place of its
        // parameters, as the struct each alias of it stood for was.
        let (name, args) = match ty.as_ref() {
            Type::Named(name) => (name.clone(), None),
            Type::Generic(name, args) => (name.clone(), Some(args.clone())),
            // `Option` does not box.
            Type::Nullable(inner) => {
                stack.push(match ty {
                    Cow::Borrowed(Type::Nullable(inner)) => Cow::Borrowed(&**inner),
                    _ => Cow::Owned((**inner).clone()),
                });
                continue;
            }
            _ => continue,
        };
        if name == owner {
            return true;
        }
        if !seen.insert(ty) {
            continue;
        }
        let mut push = |field: &'a Type| match &args {
            None => stack.push(Cow::Borrowed(field)),
            Some(args) => stack.push(Cow::Owned(field.substitute(args))),
        };
        match model(&name) {
            Some(Model::Struct(s)) => s.fields.iter().for_each(|f| push(&f.ty)),
            Some(Model::Alias(a)) => push(&a.ty),
            Some(Model::Union(u)) => u.variants.iter().for_each(|v| push(&v.ty)),
            _ => {}
        }
    }
    false
}

/// An operation's success bodies by status; built by the client, never (de)serialised
/// whole.
fn emit_statuses(s: &crate::ir::Statuses) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(s.doc.as_deref());
    let variants = s.variants.iter().map(|(variant, code, ty)| {
        let variant = ident(variant);
        let ty = rust_type(ty, Scope::Models);
        let text = format!(" The `{code}` answer.");
        quote! {
            #[doc = #text]
            #variant(#ty),
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn emit_enum(e: &Enum) -> TokenStream {
    if e.kind == EnumKind::Integer {
        return emit_integer_enum(e);
    }
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

            /// The listed value spelled `value` on the wire, or `None`: for checking
            /// input, where `From<&str>` would keep an unknown value.
            pub fn known(value: &str) -> Option<Self> {
                match value {
                    #(#wires => Some(Self::#variants),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Through `known`: one string `match` per enum rather than three.
        impl std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match Self::known(value) {
                    Some(known) => known,
                    None => Self::#unknown(value.to_owned()),
                }
            }
        }

        impl std::convert::From<String> for #name {
            fn from(value: String) -> Self {
                match Self::known(&value) {
                    Some(known) => known,
                    None => Self::#unknown(value),
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

/// An integer enum: the same shape as a string enum, with the value as an `i64`.
fn emit_integer_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc(e.doc.as_deref());
    let unknown = ident(&e.unknown);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.rust)).collect();
    // The lowering writes each value in decimal; a value that does not parse cannot
    // come from it, and would only drop out of the match.
    let values: Vec<_> = e
        .variants
        .iter()
        .map(|v| proc_macro2::Literal::i64_unsuffixed(v.wire.parse().unwrap_or_default()))
        .collect();
    let variant_docs = e.variants.iter().map(|v| {
        let text = format!(" `{}`", v.wire);
        quote!(#[doc = #text])
    });
    let separator = e.doc.is_some().then(|| quote!(#[doc = ""]));
    let count = proc_macro2::Literal::usize_unsuffixed(variants.len());
    quote! {
        #docs
        #separator
        /// Values the spec does not list are kept in the catch-all variant, so a newer
        /// server cannot break decoding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value the spec does not list, kept verbatim.
            #unknown(i64),
        }

        impl #name {
            /// Every value the spec lists.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as it is sent on the wire.
            pub fn value(self) -> i64 {
                match self {
                    #(Self::#variants => #values,)*
                    Self::#unknown(value) => value,
                }
            }

            /// The listed value `value`, or `None`: for checking input, where
            /// `From<i64>` would keep an unknown value.
            pub fn known(value: i64) -> Option<Self> {
                match value {
                    #(#values => Some(Self::#variants),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl std::convert::From<i64> for #name {
            fn from(value: i64) -> Self {
                Self::known(value).unwrap_or(Self::#unknown(value))
            }
        }

        impl std::convert::From<#name> for i64 {
            fn from(value: #name) -> Self {
                value.value()
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                i64::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

fn emit_union(index: &Index<'_>, u: &Union) -> TokenStream {
    let head = Head::new(&u.name, u.variants.iter().map(|v| v.ty.param_count()).max().unwrap_or(0));
    let name = &head.ty;
    let docs = doc(u.doc.as_deref());
    let separator = u.doc.is_some().then(|| quote!(#[doc = ""]));
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.rust);
        let mut ty = rust_type(&v.ty, Scope::Models);
        if recurses(index.api, &u.name, &v.ty) {
            ty = quote!(Box<#ty>);
        }
        quote!(#variant(#ty),)
    });
    let variant_idents: Vec<_> = u.variants.iter().map(|v| ident(&v.rust)).collect();
    // A generic's parameters decode as owned data, as the structs' impls ask of them.
    let de_bound = (!head.params.is_empty()).then(|| {
        let bound = head.params.iter().map(|p| format!("{p}: serde::de::DeserializeOwned")).collect::<Vec<_>>().join(", ");
        quote!(#[serde(bound(deserialize = #bound))])
    });
    match &u.discriminator {
        None => quote! {
            #docs
            #separator
            /// One of several shapes; decoding tries them in this order, most specific first.
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            #de_bound
            // Variants differ in size by the spec's design; boxing them all would cost
            // every user a deref for no gain.
            #[allow(clippy::large_enum_variant)]
            pub enum #name {
                #(#variants)*
            }
        },
        Some(d) => {
            // Each variant's own schema declares the tag property, so serialising the
            // inner value already writes it; decoding reads the tag first.
            let property = &d.property;
            let arms = d.values.iter().map(|(value, i)| {
                let variant = &variant_idents[*i];
                quote!(Some(#value) => super::runtime::serde_json::from_value(value).map(Self::#variant).map_err(serde::de::Error::custom),)
            });
            let expected = format!("one of the `{property}` values {}", d.values.iter().map(|(v, _)| format!("`{v}`")).collect::<Vec<_>>().join(", "));
            quote! {
                #docs
                #separator
                /// One of several shapes, told apart by the tag property.
                #[derive(Debug, Clone, PartialEq, serde::Serialize)]
                #[serde(untagged)]
                #[allow(clippy::large_enum_variant)]
                pub enum #name {
                    #(#variants)*
                }

                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let value = super::runtime::serde_json::Value::deserialize(deserializer)?;
                        let tag = value.get(#property).and_then(|tag| tag.as_str()).map(str::to_owned);
                        match tag.as_deref() {
                            #(#arms)*
                            Some(other) => Err(serde::de::Error::custom(format!("unknown `{}` value `{}`: expected {}", #property, other, #expected))),
                            None => Err(serde::de::Error::missing_field(#property)),
                        }
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(n: usize) -> (String, Vec<String>) {
        let types: Vec<TokenStream> = (0..n)
            .map(|i| {
                let ty = ident(&format!("T{i}"));
                quote!(#ty)
            })
            .collect();
        let (ty, paths) = slot_tuple(&types);
        (ty.to_string().replace(' ', ""), paths.iter().map(|p| p.to_string().replace(' ', "")).collect())
    }

    #[test]
    fn slots_nest_by_twelve() {
        assert_eq!(slots(2), ("(T0,T1,)".to_owned(), vec![".0".to_owned(), ".1".to_owned()]));
        let (ty, paths) = slots(14);
        assert_eq!(ty, "((T0,T1,T2,T3,T4,T5,T6,T7,T8,T9,T10,T11,),(T12,T13,),)");
        assert_eq!((paths[11].as_str(), paths[12].as_str(), paths[13].as_str()), (".0.11", ".1.0", ".1.1"));
        // Past 144, a third level: every slot has a path of its own, no tuple wider than 12.
        let (ty, paths) = slots(150);
        assert_eq!((paths[0].as_str(), paths[143].as_str(), paths[149].as_str()), (".0.0.0", ".0.11.11", ".1.0.5"));
        assert_eq!(paths.iter().collect::<BTreeSet<_>>().len(), 150);
        let widest = ty.split(['(', ')']).map(|run| run.matches(',').count()).max();
        assert!(widest <= Some(12), "{ty}");
    }
}
