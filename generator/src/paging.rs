//! Paging for any spec: operations that page by themselves, found by shape or
//! declared with an annotation, get `*_pages` and `*_all` streams.
//!
//! By shape, a `GET` with a JSON success body pages when it has
//! - a `Link` response header: RFC 8288 `rel="next"` links (GitHub);
//! - a cursor query parameter (`cursor`, `pageToken`, `after`, …) and a response field
//!   with the next cursor (`next_cursor`, `nextPageToken`, …, also one object deep);
//! - a response field with the next page's URL (`next`, `nextLink`, `links.next`, …);
//! - a page-number parameter (`page`, `pageNumber`, …), stopping on a `last` flag,
//!   `number >= totalPages` or an empty page (SimplePage);
//! - an offset parameter (`offset`, `skip`, `start`), advanced by each page's size.
//!
//! When the shape cannot tell, `x-pagination` on the operation says it (see the
//! README), and `x-speakeasy-pagination` annotations are read as they are written.

use serde_json::Value;

use crate::diagnostics::{Diagnostics, join};
use crate::ir::{Api, BodyKind, Method, Operation, PageStyle, PagedOperation, ParamLocation, ShapeField, Struct, Type};
use crate::naming::{self, Scope};
use crate::query_shape::{find_struct, shape_field};

const CURSOR_PARAMS: &[&str] = &[
    "cursor", "pagetoken", "page_token", "nexttoken", "next_token", "continuation", "continuationtoken",
    "continuation_token", "starting_after", "after", "marker", "nextpagetoken", "next_page_token",
];
const CURSOR_FIELDS: &[&str] = &[
    "next_cursor", "nextcursor", "nextpagetoken", "next_page_token", "nexttoken", "next_token", "cursor",
    "continuation", "continuationtoken", "continuation_token", "nextmarker", "next_marker", "endcursor",
];
const NEXT_URL_FIELDS: &[&str] = &["next", "nextlink", "next_link", "@odata.nextlink", "next_url", "nexturl", "next_page_url", "nextpageurl"];
const PAGE_PARAMS: &[&str] = &["page", "pagenumber", "page_number", "pageno", "page_no", "pageindex", "page_index"];
const OFFSET_PARAMS: &[&str] = &["offset", "skip", "start", "startindex", "start_index"];
const LAST_FIELDS: &[&str] = &["last", "islast", "is_last", "lastpage", "last_page"];
const NUMBER_FIELDS: &[&str] = &["number", "pagenumber", "page_number", "currentpage", "current_page", "page"];
const TOTAL_PAGES_FIELDS: &[&str] = &["totalpages", "total_pages", "pagecount", "page_count", "pages"];
const TOTAL_FIELDS: &[&str] = &["total", "totalcount", "total_count", "totalelements", "total_elements", "totalitems", "total_items", "totalresults", "total_results"];

/// Finds the operations that page by themselves and fills `api.paged`; an annotation
/// that cannot be followed is a warning at its pointer, and the operation gets no
/// stream. Also names the streaming twin of each binary download.
pub fn find(api: &mut Api, diags: &mut Diagnostics) {
    let mut methods = Scope::with_reserved(crate::lower::RESERVED_METHODS);
    for op in &api.operations {
        methods.claim(op.rust.clone());
    }
    for p in &api.paging {
        methods.claim(p.pages_method.clone());
        methods.claim(p.all_method.clone());
    }
    let boomi_style: std::collections::BTreeSet<&str> = api.paging.iter().map(|p| p.query.as_str()).collect();
    let mut found = Vec::new();
    for op in &api.operations {
        if boomi_style.contains(&op.rust.as_str()) {
            continue;
        }
        let declared = op.pagination_hint.as_ref().filter(|(key, _)| key.starts_with("x-"));
        let pointer = join(&join("/paths", &op.path), &op.method.as_str().to_ascii_lowercase());
        let result = match declared {
            Some((key, value)) => {
                let pointer = join(&pointer, key);
                match declared_style(api, op, key, value) {
                    Ok(found) => Some(found),
                    Err(why) => {
                        diags.warning(&pointer, format!("{why}; the operation gets no paging stream"));
                        None
                    }
                }
            }
            None => by_shape(api, op),
        };
        let Some((style, items, item)) = result else { continue };
        let base = naming::unraw(&op.rust).to_owned();
        let follows_urls = matches!(style, PageStyle::NextUrl { .. } | PageStyle::LinkHeader);
        found.push(PagedOperation {
            operation: op.rust.clone(),
            pages_method: methods.claim(format!("{base}_pages")),
            all_method: methods.claim(format!("{base}_all")),
            page_method: follows_urls.then(|| methods.claim(format!("{base}_page"))),
            page: op.success.ty.clone().unwrap_or(Type::Json),
            items,
            item,
            style,
            declared: declared.map(|(key, _)| key.clone()),
        });
    }
    api.paged = found;
    // Declared response headers (a login's token) can be read beside the answer; a
    // link-header paged operation's headers are its paging.
    let link_paged: std::collections::BTreeSet<String> = api
        .paged
        .iter()
        .filter(|p| p.style == PageStyle::LinkHeader)
        .map(|p| p.operation.clone())
        .collect();
    for op in &mut api.operations {
        if op.declares_headers && !link_paged.contains(&op.rust) {
            op.headers_method = Some(methods.claim(format!("{}_with_headers", naming::unraw(&op.rust))));
        }
    }
    // Binary downloads (GETs of images, archives, octet streams) can also be read as
    // they arrive.
    for op in &mut api.operations {
        let binary = match &op.success.kind {
            BodyKind::Bytes(media) => !["xml", "json", "text/"].iter().any(|m| media.contains(m)),
            _ => false,
        };
        if binary && op.method == Method::Get && op.success.ty.is_some() && !op.success.optional {
            op.stream_method = Some(methods.claim(format!("{}_stream", naming::unraw(&op.rust))));
        }
    }
}

/// A `GET` with a JSON body that is an object or an array: what paging applies to.
fn pageable(op: &Operation) -> bool {
    op.method == Method::Get
        && op.body.is_none()
        && op.success.kind == BodyKind::Json
        && !op.success.optional
        && matches!(op.success.ty, Some(Type::Named(_) | Type::Array(_)))
}

type Found = (PageStyle, Vec<ShapeField>, Type);

fn by_shape(api: &Api, op: &Operation) -> Option<Found> {
    if !pageable(op) {
        return None;
    }
    let page = op.success.ty.as_ref()?;
    let (items, item) = items_of(api, page)?;
    let fields = match page {
        Type::Named(name) => find_struct(api, name),
        _ => None,
    };
    if op.pagination_hint.as_ref().is_some_and(|(key, _)| key == "link-header") {
        return Some((PageStyle::LinkHeader, items, item));
    }
    // A cursor is optional (the first page has none); a page number or offset may be
    // required, the stream always sets it.
    let param = |names: &[&str], string: bool| {
        op.params.iter().position(|p| {
            p.location == ParamLocation::Query
                && names.contains(&p.wire.to_ascii_lowercase().as_str())
                && if string { p.ty == Type::String && !p.required } else { matches!(p.ty, Type::Integer(_)) }
        })
    };
    let field = |names: &[&str], ty: fn(&Type) -> bool| fields.and_then(|s| field_by_name(api, s, names, ty));
    if let (Some(param), Some(next)) = (param(CURSOR_PARAMS, true), field(CURSOR_FIELDS, |t| *t == Type::String)) {
        return Some((PageStyle::Cursor { param, next }, items, item));
    }
    if let Some(next) = field(NEXT_URL_FIELDS, |t| *t == Type::String) {
        return Some((PageStyle::NextUrl { next }, items, item));
    }
    if let Some(param) = param(PAGE_PARAMS, false) {
        let style = PageStyle::PageNumber {
            param,
            first: 1,
            last: field(LAST_FIELDS, |t| *t == Type::Boolean),
            number: field(NUMBER_FIELDS, |t| matches!(t, Type::Integer(_))),
            total_pages: field(TOTAL_PAGES_FIELDS, |t| matches!(t, Type::Integer(_))),
        };
        return Some((style, items, item));
    }
    if let Some(param) = param(OFFSET_PARAMS, false) {
        let total = field(TOTAL_FIELDS, |t| matches!(t, Type::Integer(_)));
        return Some((PageStyle::Offset { param, total }, items, item));
    }
    None
}

/// The items of a page: the page itself when it is an array, else its one array field.
fn items_of(api: &Api, page: &Type) -> Option<(Vec<ShapeField>, Type)> {
    match page {
        Type::Array(item) => Some((Vec::new(), (**item).clone())),
        Type::Named(name) => {
            let page = find_struct(api, name)?;
            let arrays: Vec<_> = page.fields.iter().filter(|f| matches!(f.ty, Type::Array(_))).collect();
            let [items] = arrays.as_slice() else { return None };
            let Type::Array(item) = &items.ty else { return None };
            Some((vec![shape_field(items)], (**item).clone()))
        }
        _ => None,
    }
}

/// A field named one of `names` (case-insensitive) with a type `ty` accepts, at the top
/// of the page or one object deep (`links.next`, `meta.next_cursor`).
fn field_by_name(api: &Api, page: &Struct, names: &[&str], ty: fn(&Type) -> bool) -> Option<Vec<ShapeField>> {
    let matches = |f: &&crate::ir::Field| names.contains(&f.wire.to_ascii_lowercase().as_str()) && ty(&f.ty);
    if let Some(f) = page.fields.iter().find(matches) {
        return Some(vec![shape_field(f)]);
    }
    page.fields.iter().find_map(|outer| {
        let Type::Named(name) = &outer.ty else { return None };
        let inner = find_struct(api, name)?;
        inner.fields.iter().find(matches).map(|f| vec![shape_field(outer), shape_field(f)])
    })
}

/// A field path written as `a.b` or JSONPath `$.a.b`, and the type at its end.
fn field_path(api: &Api, page: &Type, path: &str) -> Result<(Vec<ShapeField>, Type), String> {
    let trimmed = path.trim().trim_start_matches('$').trim_start_matches('.');
    let mut current = page.clone();
    let mut out = Vec::new();
    if trimmed.is_empty() {
        return Ok((out, current));
    }
    for segment in trimmed.split('.') {
        let segment = segment.trim_start_matches('[').trim_end_matches(']').trim_matches(['\'', '"']);
        let Type::Named(name) = &current else {
            return Err(format!("`{path}`: `{segment}` is inside something that is not an object"));
        };
        let Some(s) = find_struct(api, name) else {
            return Err(format!("`{path}`: `{name}` is not an object with properties"));
        };
        let Some(f) = s.fields.iter().find(|f| f.wire == segment) else {
            return Err(format!("`{path}`: the response has no property `{segment}` there"));
        };
        out.push(shape_field(f));
        current = f.ty.clone();
    }
    Ok((out, current))
}

/// The style an annotation declares.
fn declared_style(api: &Api, op: &Operation, key: &str, value: &Value) -> Result<Found, String> {
    if !pageable(op) {
        return Err(format!("`{key}` is only followed on a GET whose success body is a JSON object or array"));
    }
    let page = op.success.ty.clone().unwrap_or(Type::Json);
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    let param = |wire: &str, integer: bool| {
        op.params
            .iter()
            .position(|p| p.location == ParamLocation::Query && p.wire == wire && (!integer || matches!(p.ty, Type::Integer(_))))
            .ok_or_else(|| {
                let kind = if integer { "integer query parameter" } else { "query parameter" };
                format!("the operation has no {kind} `{wire}`")
            })
    };
    let path_of = |path: &str, want: fn(&Type) -> bool, what: &str| -> Result<Vec<ShapeField>, String> {
        let (fields, ty) = field_path(api, &page, path)?;
        if want(&ty) { Ok(fields) } else { Err(format!("`{path}` is not {what}")) }
    };
    let items_at = |path: Option<String>| -> Result<(Vec<ShapeField>, Type), String> {
        match path {
            Some(path) => {
                let (fields, ty) = field_path(api, &page, &path)?;
                match ty {
                    Type::Array(item) => Ok((fields, *item)),
                    _ => Err(format!("`{path}` is not an array of items")),
                }
            }
            None => items_of(api, &page).ok_or_else(|| "say where the items are (`items`)".to_owned()),
        }
    };
    let optional = |v: &Value, name: &str, want: fn(&Type) -> bool, what: &str| -> Result<Option<Vec<ShapeField>>, String> {
        text(v, name).map(|p| path_of(&p, want, what)).transpose()
    };
    let is_string = |t: &Type| *t == Type::String;
    let is_int = |t: &Type| matches!(t, Type::Integer(_));
    let is_bool = |t: &Type| *t == Type::Boolean;
    if key == "x-pagination" {
        let style = text(value, "style").ok_or("`style` is missing (page, offset, cursor, next-url or link-header)")?;
        let (items, item) = items_at(text(value, "items"))?;
        let style = match style.as_str() {
            "page" => PageStyle::PageNumber {
                param: param(&text(value, "page").unwrap_or_else(|| "page".into()), true)?,
                first: value.get("firstPage").and_then(Value::as_i64).unwrap_or(1),
                last: optional(value, "last", is_bool, "a boolean")?,
                number: optional(value, "number", is_int, "an integer")?,
                total_pages: optional(value, "totalPages", is_int, "an integer")?,
            },
            "offset" => PageStyle::Offset {
                param: param(&text(value, "offset").unwrap_or_else(|| "offset".into()), true)?,
                total: optional(value, "total", is_int, "an integer")?,
            },
            "cursor" => PageStyle::Cursor {
                param: cursor_param(op, param(&text(value, "cursor").ok_or("`cursor` (the request parameter) is missing")?, false)?)?,
                next: path_of(&text(value, "next").ok_or("`next` (the response field) is missing")?, is_string, "a string")?,
            },
            "next-url" => PageStyle::NextUrl {
                next: path_of(&text(value, "next").ok_or("`next` (the response field) is missing")?, is_string, "a string")?,
            },
            "link-header" => PageStyle::LinkHeader,
            other => return Err(format!("unknown style `{other}` (page, offset, cursor, next-url or link-header)")),
        };
        return Ok((style, items, item));
    }
    // x-speakeasy-pagination: type offsetLimit | cursor | url, inputs, outputs.
    let kind = text(value, "type").ok_or("`type` is missing")?;
    let outputs = value.get("outputs").cloned().unwrap_or(Value::Null);
    let (items, item) = items_at(text(&outputs, "results"))?;
    let input = |wanted: &str| {
        value.get("inputs").and_then(Value::as_array).and_then(|inputs| {
            inputs
                .iter()
                .find(|i| i.get("type").and_then(Value::as_str) == Some(wanted) && i.get("in").and_then(Value::as_str) != Some("requestBody"))
                .and_then(|i| text(i, "name"))
        })
    };
    let style = match kind.as_str() {
        "offsetLimit" => match (input("page"), input("offset")) {
            (Some(page), _) => PageStyle::PageNumber {
                param: param(&page, true)?,
                first: 1,
                last: None,
                number: None,
                total_pages: optional(&outputs, "numPages", is_int, "an integer")?,
            },
            (None, Some(offset)) => PageStyle::Offset { param: param(&offset, true)?, total: None },
            (None, None) => return Err("an offsetLimit pagination needs a `page` or `offset` input in the parameters".into()),
        },
        "cursor" => PageStyle::Cursor {
            param: cursor_param(op, param(&input("cursor").ok_or("a cursor pagination needs a `cursor` input in the parameters")?, false)?)?,
            next: path_of(&text(&outputs, "nextCursor").ok_or("`outputs.nextCursor` is missing")?, is_string, "a string")?,
        },
        "url" => PageStyle::NextUrl {
            next: path_of(&text(&outputs, "nextUrl").ok_or("`outputs.nextUrl` is missing")?, is_string, "a string")?,
        },
        other => return Err(format!("pagination type `{other}` is not followed (offsetLimit, cursor or url)")),
    };
    Ok((style, items, item))
}

/// A cursor parameter must be an optional string: the first page is asked for without one.
fn cursor_param(op: &Operation, index: usize) -> Result<usize, String> {
    let p = &op.params[index];
    if p.ty == Type::String && !p.required {
        Ok(index)
    } else {
        Err(format!("the cursor parameter `{}` must be an optional string", p.wire))
    }
}
