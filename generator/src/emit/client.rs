//! `client.rs`: the `Client` and one method per operation, which builds the request
//! and returns the runtime's boxed future for it (`Transport::call`): no `async fn`
//! per operation, whose state machines were most of a big crate's check time.
//!
//! Each method only builds a request and maps statuses to outcomes; sending, auth,
//! retries and decoding live once in the runtime.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{Scope, doc, rust_type};
use crate::render::Unit;
use crate::ir::{Api, BodyKind, Gate, Method, Operation, PageStyle, PagedOperation, Paging, Param, ParamLocation, PathPart, QueryStyle, ShapeField, Type};
use crate::naming::{self, ident};

/// The client module as one token stream (for a module written into `OUT_DIR`, which
/// has no features: every method is in one block).
pub fn client(api: &Api) -> TokenStream {
    let file = ClientFile::new(api);
    let prelude = file.prelude();
    let base = file.base();
    let members = file.parts.iter().filter_map(|part| match part {
        Part::Op(op) => Some(operation(op)),
        Part::Paging(p) => Some(paging(api, p)),
        Part::Paged(p) => Some(paged(api, p)),
        _ => None,
    });
    quote! {
        #prelude
        impl Client {
            #base
            #(#members)*
        }
    }
}

/// `client.rs` as units: the `Client` type, then its methods in one `impl Client`
/// block per gate (the always-on one first, with the constructors), a unit a method.
pub struct ClientFile<'a> {
    api: &'a Api,
    parts: Vec<Part<'a>>,
}

enum Part<'a> {
    Prelude,
    Open(Gate),
    Base,
    Op(&'a Operation),
    Paging(&'a Paging),
    Paged(&'a PagedOperation),
    Close,
}

impl<'a> ClientFile<'a> {
    /// Groups the methods by gate, in order of first appearance.
    pub fn new(api: &'a Api) -> Self {
        let features = &api.features;
        let mut groups: Vec<(Gate, Vec<Part<'a>>)> = vec![(Gate::Always, vec![Part::Base])];
        let group_of = |gate: &Gate, groups: &mut Vec<(Gate, Vec<Part<'a>>)>| -> usize {
            match groups.iter().position(|(g, _)| g == gate) {
                Some(i) => i,
                None => {
                    groups.push((gate.clone(), Vec::new()));
                    groups.len() - 1
                }
            }
        };
        for op in &api.operations {
            let i = group_of(features.operation(&op.rust), &mut groups);
            groups[i].1.push(Part::Op(op));
        }
        for p in &api.paging {
            let i = group_of(features.operation(&p.query), &mut groups);
            groups[i].1.push(Part::Paging(p));
        }
        for p in &api.paged {
            let i = group_of(features.operation(&p.operation), &mut groups);
            groups[i].1.push(Part::Paged(p));
        }
        let mut parts = vec![Part::Prelude];
        for (gate, members) in groups {
            parts.push(Part::Open(gate));
            parts.extend(members);
            parts.push(Part::Close);
        }
        Self { api, parts }
    }

    /// How many units.
    pub fn units(&self) -> usize {
        self.parts.len()
    }

    /// Unit `i`.
    pub fn unit(&self, i: usize) -> Unit {
        let api = self.api;
        match self.parts.get(i) {
            None | Some(Part::Close) => Unit::Close,
            Some(Part::Prelude) => Unit::always(self.prelude()),
            Some(Part::Open(gate)) => Unit::Open { cfg: super::cfg(api, gate), head: quote!(impl Client) },
            Some(Part::Base) => Unit::Members(self.base()),
            Some(Part::Op(op)) => Unit::Members(operation(op)),
            Some(Part::Paging(p)) => Unit::Members(paging(api, p)),
            Some(Part::Paged(p)) => Unit::Members(paged(api, p)),
        }
    }

    fn prelude(&self) -> TokenStream {
        // With no feature on, no operation uses these.
        let allow = (!self.api.features.list.is_empty()).then(|| quote!(#[allow(unused_imports)]));
        quote! {
            //! The API client.

            #allow
            use super::runtime::reqwest::Method;
            #allow
            use super::runtime::{Config, ConfigError, Error, Transport};
            // What most operations' answers are read with (none, in a spec of only
            // operations that decode by hand).
            #[allow(unused_imports)]
            use super::runtime::{Others, Response};

            /// A client for the API: one method per operation, returning a future to
            /// await.
            ///
            /// Cloning is cheap and shares the connection pool.
            #[derive(Debug, Clone)]
            pub struct Client {
                transport: Transport,
            }
        }
    }

    /// The constructors and per-call options.
    fn base(&self) -> TokenStream {
        let api = self.api;
        let server_url = &api.server.url;
        let args = api.server.variables.iter().map(|v| {
            let name = ident(&v.rust);
            quote!(#name: impl Into<String>)
        });
        let sets = api.server.variables.iter().map(|v| {
            let name = ident(&v.rust);
            let wire = &v.wire;
            quote!(.variable(#wire, #name))
        });
        let var_docs = api.server.variables.iter().map(|v| {
            let mut line = format!(" - `{}`: {}", v.rust, v.doc.as_deref().unwrap_or("server variable").trim());
            if let Some(default) = &v.default {
                line.push_str(&format!(" (the spec's default is `{}`)", default.replace('`', "'")));
            }
            quote!(#[doc = #line])
        });
        let overrides = overrides(api);
        quote! {
            /// The server URL template from the spec.
            pub const SERVER_URL: &'static str = #server_url;

            /// A configuration for the spec's server, with its URL variables set:
            #(#var_docs)*
            ///
            /// Set credentials, timeout or a base URL override on it, then pass it to
            /// [`Client::new`].
            pub fn config(#(#args),*) -> Config {
                Config::new(Self::SERVER_URL)#(#sets)*
            }

            /// Builds a client from a configuration.
            pub fn new(config: Config) -> Result<Self, ConfigError> {
                Ok(Self { transport: config.build()? })
            }

            /// The transport, for calls the spec does not describe.
            pub fn transport(&self) -> &Transport {
                &self.transport
            }

            #overrides
        }
    }
}

/// `with`, `with_timeout` and `with_retry`: clones of the client with per-call
/// options. One whose name an operation's method already has is left out (the others
/// still give its effect).
fn overrides(api: &Api) -> TokenStream {
    let mut taken: Vec<&str> = Vec::new();
    for op in &api.operations {
        taken.push(&op.rust);
        taken.extend(op.stream_method.as_deref());
        taken.extend(op.headers_method.as_deref());
    }
    for p in &api.paging {
        taken.extend([p.pages_method.as_str(), p.all_method.as_str()]);
    }
    for p in &api.paged {
        taken.extend([p.pages_method.as_str(), p.all_method.as_str()]);
        taken.extend(p.page_method.as_deref());
    }
    let free = |name: &str| !taken.iter().any(|t| naming::unraw(t) == name);
    let mut out = TokenStream::new();
    if free("with") {
        out.extend(quote! {
            /// A clone whose calls use `options` (timeout, retry policy, size limit) in
            /// place of the configuration's. Cheap: it shares the connection pool, the
            /// token and the rate limit with `self`.
            #[must_use]
            pub fn with(&self, options: super::runtime::CallOptions) -> Self {
                Self { transport: self.transport.with_options(options) }
            }
        });
    }
    if free("with_timeout") {
        out.extend(quote! {
            /// A clone whose calls time out after `timeout`, each attempt (see
            /// [`CallOptions`](super::runtime::CallOptions)).
            #[must_use]
            pub fn with_timeout(&self, timeout: std::time::Duration) -> Self {
                Self { transport: self.transport.with_options(super::runtime::CallOptions::new().timeout(timeout)) }
            }
        });
    }
    if free("with_retry") {
        out.extend(quote! {
            /// A clone whose calls are retried by `policy` (see
            /// [`CallOptions`](super::runtime::CallOptions)).
            #[must_use]
            pub fn with_retry(&self, policy: super::runtime::RetryPolicy) -> Self {
                Self { transport: self.transport.with_options(super::runtime::CallOptions::new().retry(policy)) }
            }
        });
    }
    out
}

/// `<query>_pages` and `<query>_all`: the query, then its continuation operation for as
/// long as a page carries a token.
fn paging(api: &Api, p: &Paging) -> TokenStream {
    let Some(query) = api.operations.iter().find(|o| o.rust == p.query) else {
        return TokenStream::new();
    };
    let query_fn = ident(&p.query);
    let more_fn = ident(&p.more);
    let pages_fn = ident(&p.pages_method);
    let all_fn = ident(&p.all_method);
    let request = rust_type(&p.request, Scope::Crate);
    let page = ident(&p.page);
    let item = rust_type(&p.item, Scope::Crate);
    let error = rust_type(&p.error_type, Scope::Crate);
    let absent = query.params.iter().map(|_| quote!(None));
    let body_arg = match &query.body {
        Some(b) if !b.required => quote!(Some(&body)),
        _ => quote!(&body),
    };
    let token_field = ident(&p.token_field.rust);
    let token = if p.token_field.optional {
        quote!(page.#token_field.clone())
    } else {
        quote!(Some(page.#token_field.clone()))
    };
    let items_field = ident(&p.items_field.rust);
    let items = if p.items_field.optional {
        quote!(page.#items_field.unwrap_or_default())
    } else {
        quote!(page.#items_field)
    };
    let pages_doc = format!(
        " Every page of [`Client::{0}`]: the query, then [`Client::{1}`] with each page's token until a page has none. Stops after the first error. The body is anything that converts into the query's (a filter builder, for one).",
        naming::unraw(&p.query),
        naming::unraw(&p.more)
    );
    let all_doc = format!(" Every item of every page of [`Client::{}`], in order.", naming::unraw(&p.query));
    // The work is in a nested fn, outside the generic parameter: in a generic fn, each
    // `Send` the stream needs is proven again under that fn's own bounds, which cost
    // more than the rest of the body (4% of the Boomi crate's `cargo check`).
    quote! {
        #[doc = #pages_doc]
        pub fn #pages_fn<'a>(
            &'a self,
            body: impl Into<#request>,
        ) -> super::runtime::paging::BoxStream<'a, Result<super::models::#page, Error<#error>>> {
            fn pages(
                client: &Client,
                body: #request,
            ) -> super::runtime::paging::BoxStream<'_, Result<super::models::#page, Error<#error>>> {
                super::runtime::paging::pages(
                    client.#query_fn(#(#absent,)* #body_arg),
                    move |token: String| client.#more_fn(&token),
                    |page: &super::models::#page| #token,
                )
            }
            pages(self, body.into())
        }

        #[doc = #all_doc]
        pub fn #all_fn<'a>(
            &'a self,
            body: impl Into<#request>,
        ) -> super::runtime::paging::BoxStream<'a, Result<#item, Error<#error>>> {
            fn all(client: &Client, body: #request) -> super::runtime::paging::BoxStream<'_, Result<#item, Error<#error>>> {
                super::runtime::paging::items(client.#pages_fn(body), |page: super::models::#page| #items)
            }
            all(self, body.into())
        }
    }
}

/// `<operation>_pages` and `<operation>_all` for an operation that pages by itself.
fn paged(api: &Api, p: &PagedOperation) -> TokenStream {
    let Some(op) = api.operations.iter().find(|o| o.rust == p.operation) else {
        return TokenStream::new();
    };
    let op_fn = ident(&op.rust);
    let pages_fn = ident(&p.pages_method);
    let all_fn = ident(&p.all_method);
    let page_ty = rust_type(&p.page, Scope::Crate);
    let item_ty = rust_type(&p.item, Scope::Crate);
    let error = rust_type(&op.error_type, Scope::Crate);
    let header_map = quote!(super::runtime::paging::HeaderMap);
    let set_by_stream = p.style.param();
    // The closures' own names must not shadow an argument (GitHub has a `state` one).
    let mut scope = crate::naming::Scope::new();
    for param in &op.params {
        scope.claim(param.rust.clone());
    }
    let state = ident(&scope.claim("state".to_owned()));
    let page = ident(&scope.claim("page".to_owned()));
    let headers = ident(&scope.claim("headers".to_owned()));

    // The stream's arguments: the operation's, less the one it sets itself.
    let mut args = Vec::new();
    let mut names = Vec::new();
    for (i, param) in op.params.iter().enumerate() {
        if Some(i) == set_by_stream {
            continue;
        }
        let arg = ident(&param.rust);
        let ty = with_lifetime(param_type(param));
        args.push(quote!(#arg: #ty));
        names.push(arg);
    }
    let call_args = |state: TokenStream| -> Vec<TokenStream> {
        op.params
            .iter()
            .enumerate()
            .map(|(i, param)| {
                if Some(i) == set_by_stream {
                    if param.required { state.clone() } else { quote!(Some(#state)) }
                } else {
                    let arg = ident(&param.rust);
                    quote!(#arg)
                }
            })
            .collect()
    };
    let page = quote!(#page);
    let items_empty = if p.items.is_empty() {
        quote!(#page.is_empty())
    } else {
        let items = field_ref(&page, &p.items);
        quote!(#items.is_none_or(|items| items.is_empty()))
    };
    let int_type = |i: usize| rust_type(&op.params[i].ty, Scope::Crate);
    let plain = |state: TokenStream| {
        let args = call_args(state);
        quote!(super::runtime::paging::without_headers(self.#op_fn(#(#args),*)))
    };
    let state_tokens = quote!(#state);
    let (state_ty, start, fetch, next) = match &p.style {
        PageStyle::PageNumber { param, first, last, number, total_pages } => {
            let first = Literal::i64_unsuffixed(*first);
            let mut stops = vec![quote!(if #items_empty { return None; })];
            if let Some(last) = last {
                let last = field_ref(&page, last);
                stops.push(quote!(if #last == Some(&true) { return None; }));
            }
            if let (Some(number), Some(total)) = (number, total_pages) {
                let (number, total) = (field_ref(&page, number), field_ref(&page, total));
                stops.push(quote! {
                    // A total of 0 or less is no total (a field the server left out).
                    if let (Some(number), Some(total)) = (#number, #total)
                        && i64::from(*total) > 0
                        && i64::from(*number) - #first + 1 >= i64::from(*total)
                    {
                        return None;
                    }
                });
            } else if let Some(total) = total_pages {
                let total = field_ref(&page, total);
                stops.push(quote! {
                    if let Some(total) = #total
                        && i64::from(*total) > 0
                        && i64::from(*#state) - #first + 1 >= i64::from(*total)
                    {
                        return None;
                    }
                });
            }
            (int_type(*param), quote!(#first), plain(state_tokens.clone()), quote! { #(#stops)* #state.checked_add(1) })
        }
        PageStyle::Offset { param, total } => {
            let ty = int_type(*param);
            let count = if p.items.is_empty() {
                quote!(#page.len())
            } else {
                let items = field_ref(&page, &p.items);
                quote!(#items.map_or(0, |items| items.len()))
            };
            let total_stop = total.as_ref().map(|total| {
                let total = field_ref(&page, total);
                quote! {
                    if let Some(total) = #total
                        && i64::from(*total) > 0
                        && i64::from(next) >= i64::from(*total)
                    {
                        return None;
                    }
                }
            });
            let next = quote! {
                let count = #count;
                if count == 0 {
                    return None;
                }
                let next = #state.checked_add(#ty::try_from(count).ok()?)?;
                #total_stop
                Some(next)
            };
            (ty, quote!(0), plain(state_tokens.clone()), next)
        }
        PageStyle::Cursor { next, .. } => {
            let next = field_ref(&page, next);
            (
                quote!(Option<String>),
                quote!(None),
                {
                    // The first page goes without a cursor: the parameter is optional.
                    let args = call_args(quote!(#state.as_deref())).into_iter().enumerate().map(|(i, arg)| {
                        if Some(i) == set_by_stream { quote!(#state.as_deref()) } else { arg }
                    });
                    quote!(super::runtime::paging::without_headers(self.#op_fn(#(#args),*)))
                },
                quote!(#next.filter(|next| !next.is_empty()).map(|next| Some(next.clone()))),
            )
        }
        PageStyle::NextUrl { next } => {
            let next = field_ref(&page, next);
            (quote!(Option<String>), quote!(None), page_fetch_call(p, &names, &state), quote!(#next.filter(|next| !next.is_empty()).map(|next| Some(next.clone()))))
        }
        PageStyle::LinkHeader => (
            quote!(Option<String>),
            quote!(None),
            page_fetch_call(p, &names, &state),
            quote!(super::runtime::paging::link_next(#headers).map(Some)),
        ),
    };
    let fetcher = p
        .page_method
        .as_ref()
        .map(|name| operation_with(op, Variant::PageFetch(name)))
        .unwrap_or_default();
    let items = {
        let (mut expr, mut optional) = (quote!(#page), false);
        for seg in &p.items {
            let field = ident(&seg.rust);
            let present = seg.nullable.then(|| quote!(.present()));
            expr = match (optional, seg.optional) {
                (false, _) => quote!(#expr.#field #present),
                (true, true) => quote!(#expr.and_then(|v| v.#field #present)),
                (true, false) => quote!(#expr.map(|v| v.#field)),
            };
            optional |= seg.optional;
        }
        if optional { quote!(#expr.unwrap_or_default()) } else { expr }
    };
    let style = p.style.name();
    let pages_doc = format!(
        " Every page of [`Client::{}`] ({style} paging{}), starting at the first; stops after the last page or the first error.",
        naming::unraw(&op.rust),
        p.declared.as_deref().map(|d| format!(", as `{d}` declares")).unwrap_or_default(),
    );
    let all_doc = format!(" Every item of every page of [`Client::{}`], in order.", naming::unraw(&op.rust));
    let many = (args.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        #fetcher

        #[doc = #pages_doc]
        #many
        // Page numbers and totals are compared as i64 whatever their width.
        #[allow(clippy::useless_conversion)]
        pub fn #pages_fn<'a>(
            &'a self,
            #(#args),*
        ) -> super::runtime::paging::BoxStream<'a, Result<#page_ty, Error<#error>>> {
            super::runtime::paging::unfold(
                #start,
                move |#state: #state_ty| #fetch,
                |#state: &#state_ty, #page: &#page_ty, #headers: &#header_map| -> Option<#state_ty> {
                    let _ = (&#state, &#page, &#headers);
                    #next
                },
            )
        }

        #[doc = #all_doc]
        #many
        pub fn #all_fn<'a>(
            &'a self,
            #(#args),*
        ) -> super::runtime::paging::BoxStream<'a, Result<#item_ty, Error<#error>>> {
            super::runtime::paging::items(self.#pages_fn(#(#names),*), |#page: #page_ty| #items)
        }
    }
}

/// A call of the page-fetch method with the stream's arguments and the state's URL.
fn page_fetch_call(p: &PagedOperation, names: &[proc_macro2::Ident], state: &proc_macro2::Ident) -> TokenStream {
    let method = ident(p.page_method.as_deref().unwrap_or_default());
    quote!(self.#method(#(#names,)* #state))
}

/// `Option<&T>` for the field at `path` from `root`.
fn field_ref(root: &TokenStream, path: &[ShapeField]) -> TokenStream {
    let Some((first, rest)) = path.split_first() else {
        return quote!(Some(#root));
    };
    let field = ident(&first.rust);
    let present = |seg: &ShapeField| seg.nullable.then(|| quote!(.present()));
    let first_present = present(first);
    let mut expr = if first.optional { quote!(#root.#field.as_ref() #first_present) } else { quote!(Some(&#root.#field)) };
    for seg in rest {
        let field = ident(&seg.rust);
        let seg_present = present(seg);
        expr = if seg.optional { quote!(#expr.and_then(|v| v.#field.as_ref() #seg_present)) } else { quote!(#expr.map(|v| &v.#field)) };
    }
    expr
}

/// Argument types of a stream, whose references live as long as the stream: `&T`
/// becomes `&'a T`.
fn with_lifetime(ty: TokenStream) -> TokenStream {
    use proc_macro2::{Group, Punct, Spacing, TokenTree};
    let mut out = Vec::new();
    for tree in ty {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '&' => {
                out.push(TokenTree::Punct(p));
                out.push(TokenTree::Punct(Punct::new('\'', Spacing::Joint)));
                out.push(TokenTree::Ident(proc_macro2::Ident::new("a", proc_macro2::Span::call_site())));
            }
            TokenTree::Group(g) => out.push(TokenTree::Group(Group::new(g.delimiter(), with_lifetime(g.stream())))),
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// Whether a parameter goes on the wire as its own text.
fn is_scalar(ty: &Type) -> bool {
    matches!(ty, Type::String | Type::Integer(_) | Type::Number(_) | Type::Boolean)
}

/// The argument type for a parameter.
fn param_type(p: &Param) -> TokenStream {
    let inner = match &p.ty {
        Type::String => quote!(&str),
        Type::Integer(_) | Type::Number(_) | Type::Boolean => rust_type(&p.ty, Scope::Crate),
        other => {
            let ty = rust_type(other, Scope::Crate);
            quote!(&#ty)
        }
    };
    if p.required {
        inner
    } else {
        quote!(Option<#inner>)
    }
}

fn operation(op: &Operation) -> TokenStream {
    let method = operation_with(op, Variant::Public);
    // A binary download can also be read as it arrives.
    let stream = op.stream_method.as_deref().map(|name| operation_with(op, Variant::Stream(name)));
    let with_headers = op.headers_method.as_deref().map(|name| operation_with(op, Variant::WithHeaders(name)));
    quote!(#method #stream #with_headers)
}

/// Which method of an operation to emit.
#[derive(Clone, Copy)]
enum Variant<'a> {
    /// The operation's own method.
    Public,
    /// The private method of this name that fetches one page with its response
    /// headers, optionally from a next-page URL.
    PageFetch(&'a str),
    /// The method of this name that answers a binary body as a stream of chunks.
    Stream(&'a str),
    /// The method of this name that also answers the response headers.
    WithHeaders(&'a str),
}

fn operation_with(op: &Operation, variant: Variant<'_>) -> TokenStream {
    let page_fetch = match variant {
        Variant::PageFetch(name) => Some(name),
        _ => None,
    };
    let name = ident(match variant {
        Variant::Public => &op.rust,
        Variant::PageFetch(name) | Variant::Stream(name) | Variant::WithHeaders(name) => name,
    });
    // Locals of the method body must not shadow parameters (a parameter may well be
    // called `request`).
    let mut locals = crate::naming::Scope::new();
    for p in &op.params {
        locals.claim(p.rust.clone());
    }
    locals.claim("body".to_owned());
    let request = ident(&locals.claim("request".to_owned()));
    let response = ident(&locals.claim("response".to_owned()));
    let at_url = ident(&locals.claim("at_url".to_owned()));
    let headers = ident(&locals.claim("headers".to_owned()));
    let mut docs = vec![doc(op.doc.as_deref())];
    let route = format!(" `{} {}`", op.method.as_str(), op.path);
    if op.doc.is_some() {
        docs.push(quote!(#[doc = ""]));
    }
    docs.push(quote!(#[doc = #route]));
    let params_with_docs: Vec<&Param> = op.params.iter().filter(|p| p.doc.is_some()).collect();
    if !params_with_docs.is_empty() {
        docs.push(quote!(#[doc = ""]));
        for p in params_with_docs {
            // One list item: line breaks, `\r` among them (rustdoc refuses a bare one),
            // become spaces.
            let text = p.doc.as_deref().unwrap_or_default().replace(['\n', '\r'], " ");
            let line = format!(" - `{}`: {}", p.rust, text.trim());
            docs.push(quote!(#[doc = #line]));
        }
    }

    let mut args = Vec::new();
    let mut optional_steps_for_url = false;
    for p in &op.params {
        let arg = ident(&p.rust);
        let ty = param_type(p);
        args.push(quote!(#arg: #ty));
    }
    if let Some(body) = &op.body {
        let ty = match body.kind {
            BodyKind::Json | BodyKind::Form => {
                let ty = rust_type(&body.ty, Scope::Crate);
                quote!(&#ty)
            }
            BodyKind::Text => quote!(&str),
            BodyKind::Multipart => quote!(super::runtime::Multipart),
            BodyKind::Bytes(_) => quote!(Vec<u8>),
        };
        let ty = if body.required { ty } else { quote!(Option<#ty>) };
        args.push(quote!(body: #ty));
    }
    if page_fetch.is_some() {
        args.push(quote!(#at_url: Option<String>));
        optional_steps_for_url = true;
    }

    // The path: literal text and encoded parameters, as one format! call.
    let mut template = String::new();
    let mut path_args = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => template.push_str(&text.replace('{', "{{").replace('}', "}}")),
            PathPart::Param(i) => {
                template.push_str("{}");
                let p = &op.params[*i];
                let arg = ident(&p.rust);
                let explode = p.explode;
                path_args.push(match p.ty {
                    Type::String => quote!(super::runtime::encode_path_segment(#arg)),
                    Type::Integer(_) | Type::Number(_) | Type::Boolean => {
                        quote!(super::runtime::encode_path_segment(&#arg.to_string()))
                    }
                    _ => quote!(super::runtime::encode_path_segment(&super::runtime::param::simple(#arg, #explode))),
                });
            }
        }
    }
    let path = if path_args.is_empty() {
        quote!(#template)
    } else {
        quote!(format!(#template, #(#path_args),*))
    };
    let method = ident(op.method.as_str());

    // Query, header and cookie parameters, and the body. Scalars go as their text;
    // anything else (arrays, objects, enums, dates) through super::runtime::param,
    // laid out by the parameter's style and explode.
    // The operation id and path template name the call in traces and hooks.
    let (operation_id, path_template) = (&op.wire, &op.path);
    let mut required_steps = vec![quote!(.operation(#operation_id, #path_template))];
    let mut optional_steps = Vec::new();
    for p in &op.params {
        let arg = ident(&p.rust);
        let wire = &p.wire;
        let explode = p.explode;
        let step = match (p.location, is_scalar(&p.ty)) {
            (ParamLocation::Path, _) => continue,
            (ParamLocation::Query, true) => quote!(query(#wire, #arg)),
            (ParamLocation::Query, false) => {
                let style = match p.style {
                    QueryStyle::Form => quote!(Form),
                    QueryStyle::SpaceDelimited => quote!(SpaceDelimited),
                    QueryStyle::PipeDelimited => quote!(PipeDelimited),
                    QueryStyle::DeepObject => quote!(DeepObject),
                };
                quote!(query_param(#wire, #arg, super::runtime::param::Style::#style, #explode))
            }
            (ParamLocation::Header, true) => quote!(header(#wire, #arg)),
            (ParamLocation::Header, false) => quote!(header(#wire, super::runtime::param::simple(#arg, #explode))),
            (ParamLocation::Cookie, true) => quote!(cookie(#wire, #arg)),
            (ParamLocation::Cookie, false) => quote!(cookie(#wire, super::runtime::param::simple(#arg, #explode))),
        };
        if p.required {
            required_steps.push(quote!(.#step));
        } else {
            optional_steps.push(quote! { if let Some(#arg) = #arg { #request = #request.#step; } });
        }
    }
    // Queries are POSTs that only read: safe to retry after a failure.
    if op.method == Method::Post && op.read_only {
        required_steps.push(quote!(.idempotent(true)));
    }
    // `security: []`: the spec says the operation takes no credentials (a login).
    if op.anonymous {
        required_steps.push(quote!(.without_credentials()));
    }
    // The runtime asks for JSON; other success bodies ask for their own type, and for
    // JSON after it when errors have bodies (a negotiating server would otherwise drop
    // the error body or answer 406).
    let errors_have_bodies = !op.error_statuses.is_empty() || op.error_default;
    let accept = |media: &str| {
        if errors_have_bodies && !media.contains("json") {
            format!("{media}, application/json;q=0.9")
        } else {
            media.to_owned()
        }
    };
    if op.success.ty.is_some() {
        match &op.success.kind {
            BodyKind::Json => {}
            BodyKind::Text => {
                let media = accept("text/plain");
                required_steps.push(quote!(.accept(#media)));
            }
            BodyKind::Bytes(media) => {
                let media = accept(media);
                required_steps.push(quote!(.accept(#media)));
            }
            // Lowering turns form and multipart responses into bytes.
            BodyKind::Form | BodyKind::Multipart => {}
        }
    }
    if let Some(body) = &op.body {
        let call = match &body.kind {
            BodyKind::Json => quote!(json(body)),
            BodyKind::Form => quote!(form(body)),
            BodyKind::Text => quote!(text(body)),
            BodyKind::Multipart => quote!(multipart(body)),
            BodyKind::Bytes(media) => quote!(bytes(body, #media)),
        };
        if body.required {
            required_steps.push(quote!(.#call));
        } else {
            optional_steps.push(quote! { if let Some(body) = body { #request = #request.#call; } });
        }
    }
    if optional_steps_for_url {
        optional_steps.push(quote! { if let Some(url) = #at_url { #request = #request.at_url(url); } });
    }
    let build = if optional_steps.is_empty() {
        quote! {
            let #request = self.transport.request(Method::#method, #path)#(#required_steps)*;
        }
    } else {
        quote! {
            let mut #request = self.transport.request(Method::#method, #path)#(#required_steps)*;
            #(#optional_steps)*
        }
    };

    // Outcomes by status.
    let success = &op.success;
    let decode = match success.kind {
        BodyKind::Json => quote!(#response.json()),
        BodyKind::Text => quote!(#response.text()),
        BodyKind::Bytes(_) | BodyKind::Form | BodyKind::Multipart => quote!(#response.bytes().map(Vec::from)),
    };
    let mut arms = Vec::new();
    let statuses = |codes: &[u16]| {
        let codes = codes.iter().map(|c| Literal::u16_unsuffixed(*c));
        quote!(#(#codes)|*)
    };
    let return_ty = match (&success.ty, success.optional) {
        (Some(ty), optional) => {
            let ty = match success.kind {
                BodyKind::Json => rust_type(ty, Scope::Crate),
                BodyKind::Text => quote!(String),
                BodyKind::Bytes(_) | BodyKind::Form | BodyKind::Multipart => quote!(Vec<u8>),
            };
            let with = statuses(&success.with_body);
            if !success.by_status.is_empty() {
                // Bodies that differ by status: each decodes as its own variant.
                for (code, variant) in &success.by_status {
                    let code = Literal::u16_unsuffixed(*code);
                    let variant = ident(variant);
                    let wrap = if optional { quote!(.map(|body| Some(#ty::#variant(body)))) } else { quote!(.map(#ty::#variant)) };
                    arms.push(quote!(#code => #decode #wrap,));
                }
                if optional {
                    let without = statuses(&success.without_body);
                    arms.push(quote!(#without => #response.empty().map(|()| None),));
                    quote!(Option<#ty>)
                } else {
                    ty
                }
            } else if optional {
                arms.push(quote!(#with => #decode.map(Some),));
                let without = statuses(&success.without_body);
                arms.push(quote!(#without => #response.empty().map(|()| None),));
                quote!(Option<#ty>)
            } else {
                arms.push(quote!(#with => #decode,));
                ty
            }
        }
        (None, _) => {
            if success.without_body.is_empty() {
                arms.push(quote!(200..=299 => #response.empty(),));
            } else {
                let without = statuses(&success.without_body);
                arms.push(quote!(#without => #response.empty(),));
            }
            quote!(())
        }
    };
    if !op.error_statuses.is_empty() {
        let errors = statuses(&op.error_statuses);
        arms.push(quote!(#errors => Err(#response.error()),));
    }
    if op.error_default {
        arms.push(quote!(_ => Err(#response.error()),));
    } else {
        arms.push(quote!(_ => Err(#response.unexpected()),));
    }
    let error_ty = rust_type(&op.error_type, Scope::Crate);
    // The usual answer (one body type or none on success, the error type on the listed
    // statuses) is told by the runtime from the statuses: one closure fewer per operation.
    let answer = match (&success.ty, &success.kind) {
        _ if !success.by_status.is_empty() || success.optional => None,
        (Some(_), BodyKind::Json) => Some((&success.with_body, quote!(json))),
        (Some(_), BodyKind::Text) => Some((&success.with_body, quote!(text))),
        (Some(_), _) => None,
        (None, _) => Some((&success.without_body, quote!(empty))),
    };
    // `Transport::answer`'s arguments after the request: statuses and decoder.
    let answer = answer.map(|(ok, decode)| {
        let ok = ok.iter().map(|c| Literal::u16_unsuffixed(*c));
        let errors = op.error_statuses.iter().map(|c| Literal::u16_unsuffixed(*c));
        let others = if op.error_default { quote!(Error) } else { quote!(Unexpected) };
        quote!([#(#ok),*], [#(#errors),*], Others::#others, Response::#decode)
    });

    // Operations with many parameters take them all: a spec's parameter list is the API.
    let many = (args.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    if let Variant::Stream(_) = variant {
        let with = statuses(&success.with_body);
        let mut error_arms = Vec::new();
        if !op.error_statuses.is_empty() {
            let errors = statuses(&op.error_statuses);
            error_arms.push(quote!(#errors => Err(#response.read().await?.error()),));
        }
        if op.error_default {
            error_arms.push(quote!(_ => Err(#response.read().await?.error()),));
        } else {
            error_arms.push(quote!(_ => Err(#response.read().await?.unexpected()),));
        }
        let doc = format!(
            " [`Client::{}`] with the body as a stream of chunks as they arrive, for downloads too large to hold in memory.",
            naming::unraw(&op.rust)
        );
        return quote! {
            #[doc = #doc]
            #many
            pub async fn #name(&self, #(#args),*) -> Result<
                super::runtime::paging::BoxStream<'static, Result<super::runtime::bytes::Bytes, Error<#error_ty>>>,
                Error<#error_ty>,
            > {
                #build
                let #response = self.transport.send_streaming(#request).await?;
                match #response.status() {
                    #with => Ok(#response.bytes_stream()),
                    #(#error_arms)*
                }
            }
        };
    }
    if let Variant::PageFetch(_) | Variant::WithHeaders(_) = variant {
        let call = match answer {
            Some(answer) => quote!(self.transport.answer_with_headers(#request, #answer)),
            None => quote! {
                self.transport.call(#request, |#response| {
                    let #headers = #response.headers().clone();
                    let answer: Result<#return_ty, Error<#error_ty>> = match #response.status() {
                        #(#arms)*
                    };
                    answer.map(|value| (value, #headers))
                })
            },
        };
        // The answer as usual, then with the response headers beside it.
        let (doc, visibility) = match variant {
            Variant::PageFetch(_) => (
                format!(" One page of [`Client::{}`] with its response headers; `at_url` sends it to a next-page link instead.", naming::unraw(&op.rust)),
                TokenStream::new(),
            ),
            _ => (
                format!(" [`Client::{}`], with the response headers the spec declares (and any others) beside the answer.", naming::unraw(&op.rust)),
                quote!(pub),
            ),
        };
        return quote! {
            #[doc = #doc]
            #many
            // The answer and its headers, in the runtime's future.
            #[allow(clippy::type_complexity)]
            #visibility fn #name(&self, #(#args),*) -> super::runtime::BoxFuture<'_, Result<(#return_ty, super::runtime::paging::HeaderMap), Error<#error_ty>>> {
                #build
                #call
            }
        };
    }
    let call = match answer {
        Some(answer) => quote!(self.transport.answer(#request, #answer)),
        None => quote! {
            self.transport.call(#request, |#response| match #response.status() {
                #(#arms)*
            })
        },
    };
    quote! {
        #(#docs)*
        #many
        pub fn #name(&self, #(#args),*) -> super::runtime::BoxFuture<'_, Result<#return_ty, Error<#error_ty>>> {
            #build
            #call
        }
    }
}
