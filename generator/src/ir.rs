//! The intermediate representation between the spec and the emitted tokens.
//!
//! Plain, ordered data: no token streams, no maps with random order. Every name is kept
//! twice, as the Rust identifier (`rust`) and as the string on the wire (`wire`).

/// Everything the emitters need to write a client crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.version`, verbatim.
    pub version: String,
    /// The first server.
    pub server: Server,
    /// Named types, in spec order (components first, then inline types as found).
    pub models: Vec<Model>,
    /// Operations, in spec order (paths, then methods in a fixed order).
    pub operations: Vec<Operation>,
    /// Typed filter builders for query operations.
    pub filters: Vec<Filter>,
    /// Paging streams for query operations with a continuation operation.
    pub paging: Vec<Paging>,
    /// Paging streams for operations that page by themselves (page number, offset,
    /// cursor, next-page URL, `Link` header).
    pub paged: Vec<PagedOperation>,
    /// Authentication schemes the spec declares.
    pub security: Vec<SecurityScheme>,
    /// Cargo features by tag and what each item needs; empty (everything always
    /// compiled) until [`crate::features::assign`] runs.
    pub features: Features,
    /// Each model's index in `models`, by name; see [`Api::reindex`].
    pub model_index: std::collections::BTreeMap<String, usize>,
    /// The models each schema that became an alias of a generic named (see
    /// [`crate::generics`]), by the alias's name: for Cargo features the alias reaches
    /// them as the schema did, though the generic names their generics instead (or,
    /// for a recursive family, its own generics).
    pub alias_references: std::collections::BTreeMap<String, Vec<String>>,
}

impl Api {
    /// The model named `name`, found in the index rather than by a scan, so that the
    /// passes looking models up by name stay linear in the spec.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.model_index.get(name).and_then(|&i| self.models.get(i))
    }

    /// Rebuilds the index of models by name; whoever changes `models` calls it.
    pub fn reindex(&mut self) {
        self.model_index = self.models.iter().enumerate().map(|(i, m)| (m.name().to_owned(), i)).collect();
    }
}

/// Cargo features, one per tag: each operation compiles with its tags' features, each
/// model when an enabled operation reaches it, and `full` enables every feature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// The features, in order of first use by an operation.
    pub list: Vec<Feature>,
    /// The gate of each operation, by Rust method name; a missing one is always on.
    pub operations: std::collections::BTreeMap<String, Gate>,
    /// The gate of each model, by Rust type name; a missing one is always on.
    pub models: std::collections::BTreeMap<String, Gate>,
}

impl Features {
    /// The gate of an operation.
    pub fn operation(&self, rust: &str) -> &Gate {
        self.operations.get(rust).unwrap_or(&Gate::Always)
    }

    /// The gate of a model.
    pub fn model(&self, name: &str) -> &Gate {
        self.models.get(name).unwrap_or(&Gate::Always)
    }
}

/// One Cargo feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The feature name in `Cargo.toml`.
    pub name: String,
    /// The spec's tags it stands for (several when their names collide).
    pub tags: Vec<String>,
    /// How many operations it enables.
    pub operations: usize,
}

/// When an item is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Always: an untagged operation, or what one of them or every feature reaches.
    Always,
    /// With `full` only: a model that no operation reaches.
    Full,
    /// With any of these features (indices into [`Features::list`], ascending).
    Any(Vec<usize>),
}

impl Gate {
    /// On whenever either is.
    pub fn union(&self, other: &Gate) -> Gate {
        match (self, other) {
            (Gate::Always, _) | (_, Gate::Always) => Gate::Always,
            (Gate::Full, g) | (g, Gate::Full) => g.clone(),
            (Gate::Any(a), Gate::Any(b)) => {
                let mut all: Vec<usize> = a.iter().chain(b).copied().collect();
                all.sort_unstable();
                all.dedup();
                Gate::Any(all)
            }
        }
    }
}

/// The server URL template and its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The URL template, `{name}` placeholders intact.
    pub url: String,
    /// Variables, in template order.
    pub variables: Vec<ServerVariable>,
}

/// One `{name}` in the server URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    /// Argument name in Rust.
    pub rust: String,
    /// Name in the template.
    pub wire: String,
    /// The spec's default value.
    pub default: Option<String>,
    /// The spec's description.
    pub doc: Option<String>,
}

/// A declared way to authenticate.
#[derive(Debug, Clone, PartialEq)]
pub enum SecurityScheme {
    /// HTTP basic.
    Basic,
    /// HTTP bearer.
    Bearer,
    /// An API key sent in a header or query parameter.
    ApiKey {
        /// Where the key goes.
        location: ParamLocation,
        /// The header or parameter name.
        name: String,
    },
}

/// A named type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Model {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum that keeps values the spec does not list.
    Enum(Enum),
    /// A name for another type (a component that is a primitive or an array).
    Alias(Alias),
    /// One of several types (`oneOf`/`anyOf` without a discriminator), tried in order.
    Union(Union),
    /// An operation's success answers whose bodies differ by status (`200` one type,
    /// `201` another): a variant per status.
    Statuses(Statuses),
}

/// See [`Model::Statuses`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statuses {
    /// Rust type name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// Variant name, status and body type, by status.
    pub variants: Vec<(String, u16, Type)>,
}

impl Model {
    /// Calls `visit` with every type the model's fields, variants or target have.
    pub fn for_each_type<'a>(&'a self, visit: &mut impl FnMut(&'a Type)) {
        match self {
            Model::Struct(s) => {
                s.fields.iter().for_each(|f| visit(&f.ty));
                s.additional.iter().for_each(&mut *visit);
            }
            Model::Enum(_) => {}
            Model::Alias(a) => visit(&a.ty),
            Model::Union(u) => u.variants.iter().for_each(|v| visit(&v.ty)),
            Model::Statuses(s) => s.variants.iter().for_each(|(_, _, ty)| visit(ty)),
        }
    }

    /// [`for_each_type`](Self::for_each_type), to change them.
    pub fn for_each_type_mut(&mut self, visit: &mut impl FnMut(&mut Type)) {
        match self {
            Model::Struct(s) => {
                s.fields.iter_mut().for_each(|f| visit(&mut f.ty));
                s.additional.iter_mut().for_each(&mut *visit);
            }
            Model::Enum(_) => {}
            Model::Alias(a) => visit(&mut a.ty),
            Model::Union(u) => u.variants.iter_mut().for_each(|v| visit(&mut v.ty)),
            Model::Statuses(s) => s.variants.iter_mut().for_each(|(_, _, ty)| visit(ty)),
        }
    }

    /// How many type parameters the model has: 0 but for the generic models of
    /// [`crate::generics`].
    pub fn param_count(&self) -> usize {
        let mut count = 0;
        self.for_each_type(&mut |ty| count = count.max(ty.param_count()));
        count
    }

    /// Renames the model.
    pub fn set_name(&mut self, name: String) {
        match self {
            Model::Struct(s) => s.name = name,
            Model::Enum(e) => e.name = name,
            Model::Alias(a) => a.name = name,
            Model::Union(u) => u.name = name,
            Model::Statuses(s) => s.name = name,
        }
    }

    /// Replaces the model's doc text.
    pub fn set_doc(&mut self, doc: Option<String>) {
        match self {
            Model::Struct(s) => s.doc = doc,
            Model::Enum(e) => e.doc = doc,
            Model::Alias(a) => a.doc = doc,
            Model::Union(u) => u.doc = doc,
            Model::Statuses(s) => s.doc = doc,
        }
    }

    /// The Rust type name.
    pub fn name(&self) -> &str {
        match self {
            Model::Struct(s) => &s.name,
            Model::Enum(e) => &e.name,
            Model::Alias(a) => &a.name,
            Model::Union(u) => &u.name,
            Model::Statuses(s) => &s.name,
        }
    }
}

/// An object type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Struct {
    /// Rust type name.
    pub name: String,
    /// Doc text from the spec.
    pub doc: Option<String>,
    /// Properties, in spec order.
    pub fields: Vec<Field>,
    /// `additionalProperties`: kept in a flattened map when present.
    pub additional: Option<Type>,
}

/// One property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// Rust field name.
    pub rust: String,
    /// JSON property name.
    pub wire: String,
    /// The value type (without the `Option` that `required` decides).
    pub ty: Type,
    /// Listed in `required`.
    pub required: bool,
    /// May be `null` (3.0 `nullable`, 3.1 `type: [T, "null"]`): a required nullable
    /// field is an `Option` that is always sent.
    pub nullable: bool,
    /// Doc text from the spec.
    pub doc: Option<String>,
    /// `format: password`: `Debug` prints `<redacted>` for it.
    pub secret: bool,
    /// Decoded leniently (numbers and booleans as strings, one element for an array),
    /// because the spec asks for it with `x-specwright-lenient`.
    pub lenient: bool,
}

impl Field {
    /// Optional and nullable: absent, `null` and a value are three states, kept apart
    /// by the runtime's `Nullable`.
    pub fn three_state(&self) -> bool {
        !self.required && self.nullable
    }
}

/// An enum of strings or integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Enum {
    /// Rust type name.
    pub name: String,
    /// Doc text from the spec.
    pub doc: Option<String>,
    /// Listed values.
    pub variants: Vec<Variant>,
    /// The name of the variant that keeps unlisted values.
    pub unknown: String,
    /// What the values are on the wire.
    pub kind: EnumKind,
}

/// The JSON type of an enum's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnumKind {
    /// Strings.
    String,
    /// Integers; each variant's `wire` is the value in decimal.
    Integer,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variant {
    /// Rust variant name.
    pub rust: String,
    /// The value on the wire.
    pub wire: String,
}

/// An untagged union: the first variant that decodes wins, so the most specific
/// variants come first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Union {
    /// Rust type name.
    pub name: String,
    /// Doc text from the spec.
    pub doc: Option<String>,
    /// Variants, most specific first.
    pub variants: Vec<UnionVariant>,
    /// When the spec names a discriminator: decoding picks the variant by its value.
    pub discriminator: Option<Discriminator>,
}

/// A union's tag property and the variant each value selects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Discriminator {
    /// The JSON property holding the tag.
    pub property: String,
    /// Tag value → index into the union's variants.
    pub values: Vec<(String, usize)>,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnionVariant {
    /// Rust variant name.
    pub rust: String,
    /// Its type.
    pub ty: Type,
}

/// A type alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Alias {
    /// Rust type name.
    pub name: String,
    /// Doc text from the spec.
    pub doc: Option<String>,
    /// The aliased type.
    pub ty: Type,
}

/// A value type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `String`.
    String,
    /// A signed integer of the given width.
    Integer(IntWidth),
    /// A float of the given width.
    Number(FloatWidth),
    /// `bool`.
    Boolean,
    /// An RFC 3339 date-time.
    DateTime,
    /// An RFC 3339 full date (`format: date`), `2026-12-01`.
    Date,
    /// An integer sent as a JSON string (`type: string, format: int64`).
    IntString(IntWidth),
    /// Any JSON.
    Json,
    /// A named model.
    Named(String),
    /// A JSON array.
    Array(Box<Type>),
    /// A JSON object with arbitrary keys.
    Map(Box<Type>),
    /// `Option<T>`: a value that may be `null` where nullability is not a field's
    /// (array items, map values and response bodies of a nullable schema).
    Nullable(Box<Type>),
    /// Bytes (binary bodies).
    Bytes,
    /// Type parameter `i` of the generic model it appears in (see
    /// [`crate::generics`]): `T0`, `T1`, ...
    Param(usize),
    /// A generic model with its type arguments, `QueryResponse<Account>`.
    Generic(String, Vec<Type>),
}

impl Type {
    /// Calls `visit` with every model name the type mentions, outermost first and
    /// arguments left to right.
    pub fn for_each_name<'a>(&'a self, visit: &mut impl FnMut(&'a str)) {
        match self {
            Type::Named(name) => visit(name),
            Type::Generic(name, args) => {
                visit(name);
                args.iter().for_each(|arg| arg.for_each_name(visit));
            }
            Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => inner.for_each_name(visit),
            _ => {}
        }
    }

    /// The number of type parameters the type uses: one more than the highest
    /// [`Type::Param`] in it, or 0.
    pub fn param_count(&self) -> usize {
        match self {
            Type::Param(i) => i + 1,
            Type::Generic(_, args) => args.iter().map(Type::param_count).max().unwrap_or(0),
            Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => inner.param_count(),
            _ => 0,
        }
    }

    /// The type with each [`Type::Param`] `i` replaced by `args[i]`.
    pub fn substitute(&self, args: &[Type]) -> Type {
        match self {
            Type::Param(i) => args.get(*i).cloned().unwrap_or_else(|| self.clone()),
            Type::Generic(name, inner) => Type::Generic(name.clone(), inner.iter().map(|t| t.substitute(args)).collect()),
            Type::Array(inner) => Type::Array(Box::new(inner.substitute(args))),
            Type::Map(inner) => Type::Map(Box::new(inner.substitute(args))),
            Type::Nullable(inner) => Type::Nullable(Box::new(inner.substitute(args))),
            other => other.clone(),
        }
    }
}

/// Integer widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntWidth {
    /// `i32`
    I32,
    /// `i64`
    I64,
}

/// Float widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FloatWidth {
    /// `f32`
    F32,
    /// `f64`
    F64,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// The constant name on `reqwest::Method`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

/// One operation: one async method on the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Method name in Rust.
    pub rust: String,
    /// `operationId`, or the name made up for it.
    pub wire: String,
    /// HTTP method.
    pub method: Method,
    /// The path template as in the spec.
    pub path: String,
    /// The path split into literal text and parameters.
    pub path_parts: Vec<PathPart>,
    /// Summary and description.
    pub doc: Option<String>,
    /// Parameters, path ones first in template order, then the rest in spec order.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// What a success returns.
    pub success: Success,
    /// Declared error statuses (4xx/5xx), ascending.
    pub error_statuses: Vec<u16>,
    /// Whether a `default` response is declared (then every other status is "declared").
    pub error_default: bool,
    /// The body type of declared errors.
    pub error_type: Type,
    /// A POST that only reads (a query), so retrying it after a failure is safe.
    pub read_only: bool,
    /// `security: []` on the operation: sent without the client's credentials.
    pub anonymous: bool,
    /// The method that also answers the response headers, for an operation whose
    /// success response declares some (a login's token).
    pub headers_method: Option<String>,
    /// Whether a success response declares headers.
    pub declares_headers: bool,
    /// The method answering a binary success body as a stream of chunks, if any.
    pub stream_method: Option<String>,
    /// A paging annotation on the operation, `x-pagination` (ours) or
    /// `x-speakeasy-pagination`, as written, with the key it came under.
    pub pagination_hint: Option<(String, serde_json::Value)>,
    /// The spec's tags, in spec order.
    pub tags: Vec<String>,
}

impl Operation {
    /// Calls `visit` with every type of the signature: parameters, body, success and
    /// error bodies.
    pub fn for_each_type<'a>(&'a self, visit: &mut impl FnMut(&'a Type)) {
        self.params.iter().for_each(|p| visit(&p.ty));
        self.body.iter().for_each(|b| visit(&b.ty));
        self.success.ty.iter().for_each(&mut *visit);
        visit(&self.error_type);
    }

    /// [`for_each_type`](Self::for_each_type), to change them.
    pub fn for_each_type_mut(&mut self, visit: &mut impl FnMut(&mut Type)) {
        self.params.iter_mut().for_each(|p| visit(&mut p.ty));
        self.body.iter_mut().for_each(|b| visit(&mut b.ty));
        self.success.ty.iter_mut().for_each(&mut *visit);
        visit(&mut self.error_type);
    }
}

/// Text or a parameter in a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Literal text.
    Literal(String),
    /// A parameter, by index into `Operation::params`.
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Argument name in Rust.
    pub rust: String,
    /// Name on the wire.
    pub wire: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type.
    pub ty: Type,
    /// Must be given.
    pub required: bool,
    /// Doc text.
    pub doc: Option<String>,
    /// How a non-scalar value is laid out (query parameters).
    pub style: QueryStyle,
    /// OpenAPI `explode`.
    pub explode: bool,
}

/// Query parameter styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `form`
    Form,
    /// `spaceDelimited`
    SpaceDelimited,
    /// `pipeDelimited`
    PipeDelimited,
    /// `deepObject`
    DeepObject,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// How it is encoded.
    pub kind: BodyKind,
    /// The Rust type the caller passes.
    pub ty: Type,
    /// Must be given.
    pub required: bool,
}

/// Body encodings.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    /// JSON.
    Json,
    /// `text/plain`.
    Text,
    /// `application/x-www-form-urlencoded`, from a typed value.
    Form,
    /// `multipart/form-data`, built with the runtime's `Multipart`.
    Multipart,
    /// Raw bytes with this media type.
    Bytes(String),
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The Rust return type; `None` means `()`.
    pub ty: Option<Type>,
    /// Whether some success status carries no body while another does (then the
    /// method returns `Option<ty>`).
    pub optional: bool,
    /// How the body is decoded.
    pub kind: BodyKind,
    /// The success statuses with a body, ascending.
    pub with_body: Vec<u16>,
    /// The success statuses without a body, ascending.
    pub without_body: Vec<u16>,
    /// When JSON bodies differ by status: the [`Model::Statuses`] model's variants, by
    /// status (`ty` is then that model).
    pub by_status: Vec<(u16, String)>,
}

/// A typed filter builder for one queried object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The model filtered on (`T` in `result: [T]`).
    pub object: String,
    /// Name of the property enum (`ProcessProperty`).
    pub property_enum: String,
    /// Name of the filter type (`ProcessFilter`).
    pub filter_type: String,
    /// Name of the condition type (`ProcessCondition`).
    pub condition_type: String,
    /// Filterable properties: the spec's property enum, else the object's fields.
    pub properties: Vec<Variant>,
    /// The spec gives `property` as a free string: any name is accepted too.
    pub free_property: bool,
    /// The operations this builder serves, by Rust method name.
    pub operations: Vec<String>,
    /// How the request body is put together.
    pub shape: QueryShape,
}

/// The model types and fields that make up a query request, found by shape.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryShape {
    /// The request body model.
    pub request: String,
    /// Field in the request holding the filter (`QueryFilter`).
    pub filter_field: ShapeField,
    /// The filter model.
    pub filter_model: String,
    /// Field holding the expression.
    pub expression_field: ShapeField,
    /// Flat (a group of conditions) or recursive (conditions and nested groups).
    pub expression: ExpressionShape,
    /// The grouping model.
    pub group_model: String,
    /// The grouping operator field.
    pub group_operator_field: ShapeField,
    /// The grouping operator enum.
    pub group_operator_enum: String,
    /// Grouping operators (enum values from the spec).
    pub group_operators: Vec<Variant>,
    /// Field holding the nested expressions.
    pub nested_field: ShapeField,
    /// The condition model.
    pub condition_model: String,
    /// The argument list field.
    pub argument_field: ShapeField,
    /// The comparison operator field.
    pub operator_field: ShapeField,
    /// The comparison operator enum.
    pub operator_enum: String,
    /// Comparison operators (enum values from the spec) with their argument counts.
    pub operators: Vec<Operator>,
    /// The property field.
    pub property_field: ShapeField,
    /// The model enum of the property field, when the spec lists properties.
    pub property_model_enum: Option<String>,
    /// For the request, filter, group and condition models in that order: their other
    /// fields (all optional), by Rust name, set to `None`.
    pub other_fields: [Vec<String>; 4],
    /// Sorting, where the request has a sort list (`QuerySort.sortField`).
    pub sort: Option<SortShape>,
}

/// How expressions nest.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpressionShape {
    /// The expression is a group whose members are conditions only.
    Flat,
    /// The expression is a union of a condition and a group of expressions.
    Recursive {
        /// The union model.
        union: String,
        /// Its condition variant.
        condition_variant: String,
        /// Its group variant.
        group_variant: String,
    },
}

/// A comparison operator and how many arguments it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// The enum variant (Rust and wire names).
    pub variant: Variant,
    /// Arguments: 0 (`IS_NULL`), 2 (`BETWEEN`) or 1.
    pub arity: usize,
}

/// The sort part of a query request.
#[derive(Debug, Clone, PartialEq)]
pub struct SortShape {
    /// The field of the request holding the sort.
    pub field: ShapeField,
    /// The sort model.
    pub model: String,
    /// Its list of sort fields.
    pub list_field: ShapeField,
    /// The model of one sort field.
    pub item_model: String,
    /// The field name field.
    pub name_field: ShapeField,
    /// The order field.
    pub order_field: ShapeField,
    /// Other fields of the sort and item models, set to `None`.
    pub other_fields: [Vec<String>; 2],
}

/// A query operation with a continuation operation: streams of pages and items.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// The query operation (Rust method name).
    pub query: String,
    /// The operation that takes a continuation token.
    pub more: String,
    /// Name of the method streaming pages.
    pub pages_method: String,
    /// Name of the method streaming items.
    pub all_method: String,
    /// The query's request body type.
    pub request: Type,
    /// The page model.
    pub page: String,
    /// The token field of the page.
    pub token_field: ShapeField,
    /// The items field of the page.
    pub items_field: ShapeField,
    /// The item type.
    pub item: Type,
    /// The error body type (shared by both operations).
    pub error_type: Type,
}

/// An operation that pages by itself: called again with the next page's number,
/// offset or cursor, or sent to the next page's URL.
#[derive(Debug, Clone, PartialEq)]
pub struct PagedOperation {
    /// The operation (Rust method name).
    pub operation: String,
    /// Name of the method streaming pages.
    pub pages_method: String,
    /// Name of the method streaming items.
    pub all_method: String,
    /// Name of the private method that fetches one page with its headers (the
    /// URL-following styles only).
    pub page_method: Option<String>,
    /// The page type (the operation's success type).
    pub page: Type,
    /// Where the items are in a page; empty when the page is the array itself.
    pub items: Vec<ShapeField>,
    /// The item type.
    pub item: Type,
    /// How the next page is found.
    pub style: PageStyle,
    /// Whether the style was declared (`x-pagination`, `x-speakeasy-pagination`) or
    /// recognised by shape.
    pub declared: Option<String>,
}

/// How an operation's next page is found. Field paths lead from the page to a field
/// through nested objects.
#[derive(Debug, Clone, PartialEq)]
pub enum PageStyle {
    /// A page-number parameter, counting from `first`; stops on `last` being true, on
    /// `number >= total_pages`, or on an empty page.
    PageNumber {
        /// Index of the page parameter in the operation's parameters.
        param: usize,
        /// The first page's number (1 for SimplePage, 0 for some APIs).
        first: i64,
        /// A boolean that is true on the last page.
        last: Option<Vec<ShapeField>>,
        /// The current page's number, with `total_pages`.
        number: Option<Vec<ShapeField>>,
        /// The number of pages.
        total_pages: Option<Vec<ShapeField>>,
    },
    /// An offset parameter advanced by each page's item count; stops on an empty page
    /// or at `total`.
    Offset {
        /// Index of the offset parameter.
        param: usize,
        /// The number of items in all pages.
        total: Option<Vec<ShapeField>>,
    },
    /// A cursor parameter fed from a response field; stops when the field is absent or
    /// empty.
    Cursor {
        /// Index of the cursor parameter.
        param: usize,
        /// The response field with the next cursor.
        next: Vec<ShapeField>,
    },
    /// A response field with the next page's URL.
    NextUrl {
        /// The field.
        next: Vec<ShapeField>,
    },
    /// RFC 8288 `Link: <…>; rel="next"` response headers.
    LinkHeader,
}

impl PageStyle {
    /// The style's name, as `x-pagination` spells it and the corpus counts it.
    pub fn name(&self) -> &'static str {
        match self {
            PageStyle::PageNumber { .. } => "page",
            PageStyle::Offset { .. } => "offset",
            PageStyle::Cursor { .. } => "cursor",
            PageStyle::NextUrl { .. } => "next-url",
            PageStyle::LinkHeader => "link-header",
        }
    }

    /// The parameter the stream sets itself, if any.
    pub fn param(&self) -> Option<usize> {
        match self {
            PageStyle::PageNumber { param, .. } | PageStyle::Offset { param, .. } | PageStyle::Cursor { param, .. } => Some(*param),
            PageStyle::NextUrl { .. } | PageStyle::LinkHeader => None,
        }
    }
}

/// A field that a builder fills, and whether it is an `Option`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeField {
    /// Rust field name.
    pub rust: String,
    /// Whether the field is `Option<_>` (or `Nullable<_>`).
    pub optional: bool,
    /// Whether the field is `Nullable<_>` (optional and nullable): read it through
    /// `.present()` for an `Option`.
    pub nullable: bool,
}
