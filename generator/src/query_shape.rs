//! Part of stage 3: find query operations, and their paging, by the shape of their
//! schemas.
//!
//! A query operation sends `{ <filter>: { expression: E } }` and answers
//! `{ result: [T], <token>? }`. `E` is either a group of conditions (the flat grammar:
//! `{ operator: <grouping enum>, nestedExpression: [condition] }`) or a union of a
//! condition and a group of `E`s (the recursive grammar Boomi's own spec uses). A
//! condition is `{ operator: <comparison enum>, property, argument: [string] }`. Only the
//! grammar's own keys are matched, never schema names, so a renamed or re-organised spec
//! still gets builders. A sibling operation that takes the page token as text and
//! answers the same page type makes the query pageable.

use crate::ir::{
    Api, BodyKind, Enum, ExpressionShape, Field, Filter, Method, Model, Operator, Paging, QueryShape,
    ShapeField, SortShape, Struct, Type, Union, Variant,
};
use crate::naming::{self, Scope};

/// Adds filter builders and paging streams, and marks the query operations read-only.
pub fn find_queries(api: &mut Api) {
    let mut methods = Scope::with_reserved(crate::lower::RESERVED_METHODS);
    for op in &api.operations {
        methods.claim(op.rust.clone());
    }
    find_filters(api);
    find_paging(api, &mut methods);
    let read_only: std::collections::BTreeSet<String> = api
        .filters
        .iter()
        .flat_map(|f| f.operations.iter().cloned())
        .chain(api.paging.iter().flat_map(|p| [p.query.clone(), p.more.clone()]))
        .collect();
    for op in &mut api.operations {
        if op.method == Method::Post && read_only.contains(&op.rust) {
            op.read_only = true;
        }
    }
}

fn find_filters(api: &mut Api) {
    let mut types = Scope::new();
    for model in &api.models {
        types.claim(model.name().to_owned());
    }
    let mut filters: Vec<Filter> = Vec::new();
    // The filter of each object type, by name, so finding one is not a scan.
    let mut by_object: std::collections::BTreeMap<String, Vec<usize>> = std::collections::BTreeMap::new();
    for op in &api.operations {
        let Some(body) = &op.body else { continue };
        if body.kind != BodyKind::Json {
            continue;
        }
        let Type::Named(request) = &body.ty else { continue };
        let Some(Type::Named(response)) = &op.success.ty else { continue };
        let Some(shape) = match_request(api, request) else { continue };
        let Some(object) = result_item(api, response) else { continue };
        let same = by_object.get(&object.name).and_then(|found| found.iter().copied().find(|&i| filters[i].shape == shape));
        if let Some(i) = same {
            filters[i].operations.push(op.rust.clone());
            continue;
        }
        let (properties, free_property) = match &shape.property_model_enum {
            Some(name) => match find_enum(api, &Type::Named(name.clone())) {
                Some(e) => (e.variants.clone(), false),
                None => continue,
            },
            None => {
                // `Other` is the catch-all for property names the spec does not list.
                let mut scope = Scope::with_reserved(&["Other"]);
                let fields = object
                    .fields
                    .iter()
                    .map(|f| Variant {
                        rust: scope.claim(naming::variant_name(&f.wire)),
                        wire: f.wire.clone(),
                    })
                    .collect();
                (fields, true)
            }
        };
        if properties.is_empty() && !free_property {
            continue;
        }
        let base = &object.name;
        by_object.entry(base.clone()).or_default().push(filters.len());
        filters.push(Filter {
            object: base.clone(),
            property_enum: types.claim(format!("{base}Property")),
            filter_type: types.claim(format!("{base}Filter")),
            condition_type: types.claim(format!("{base}Condition")),
            properties,
            free_property,
            operations: vec![op.rust.clone()],
            shape,
        });
    }
    api.filters = filters;
}

fn find_paging(api: &mut Api, methods: &mut Scope) {
    let mut paging = Vec::new();
    // What a continuation operation looks like, checked once per operation rather than
    // once per query.
    let candidates: Vec<&crate::ir::Operation> = api
        .operations
        .iter()
        .filter(|m| m.body.as_ref().is_some_and(|b| b.kind == BodyKind::Text && b.required) && !m.success.optional && m.params.is_empty())
        .collect();
    for query in &api.operations {
        let Some(body) = &query.body else { continue };
        if body.kind != BodyKind::Json {
            continue;
        }
        let Some(Type::Named(page)) = &query.success.ty else { continue };
        if query.success.optional {
            continue;
        }
        let Some(page_model) = find_struct(api, page) else { continue };
        let Some((token, items, item)) = page_fields(page_model) else { continue };
        let parent = query.path.rsplit_once('/').map_or("", |(p, _)| p);
        let more = candidates.iter().find(|m| {
            m.rust != query.rust
                && m.success.ty.as_ref() == Some(&Type::Named(page.clone()))
                && m.path.rsplit_once('/').map_or("", |(p, _)| p) == parent
                && m.error_type == query.error_type
        });
        let Some(more) = more else { continue };
        if !query.params.iter().all(|p| !p.required) {
            // Extra required arguments would have to be threaded through the stream.
            continue;
        }
        paging.push(Paging {
            query: query.rust.clone(),
            more: more.rust.clone(),
            pages_method: methods.claim(format!("{}_pages", naming::unraw(&query.rust))),
            all_method: methods.claim(format!("{}_all", naming::unraw(&query.rust))),
            request: body.ty.clone(),
            page: page.clone(),
            token_field: shape_field(token),
            items_field: shape_field(items),
            item,
            error_type: query.error_type.clone(),
        });
    }
    api.paging = paging;
}

/// The token field (an optional string whose name says token) and the items field (the
/// one array) of a page.
fn page_fields(page: &Struct) -> Option<(&Field, &Field, Type)> {
    let token = page
        .fields
        .iter()
        .find(|f| f.ty == Type::String && !f.required && !f.nullable && f.wire.to_ascii_lowercase().contains("token"))?;
    let arrays: Vec<&Field> = page.fields.iter().filter(|f| matches!(f.ty, Type::Array(_))).collect();
    let [items] = arrays.as_slice() else { return None };
    let Type::Array(item) = &items.ty else { return None };
    if items.three_state() {
        return None;
    }
    Some((token, items, (**item).clone()))
}

pub(crate) fn find_struct<'a>(api: &'a Api, name: &str) -> Option<&'a Struct> {
    match api.model(name)? {
        Model::Struct(s) => Some(s),
        _ => None,
    }
}

fn find_union<'a>(api: &'a Api, name: &str) -> Option<&'a Union> {
    match api.model(name)? {
        Model::Union(u) => Some(u),
        _ => None,
    }
}

fn find_enum<'a>(api: &'a Api, ty: &Type) -> Option<&'a Enum> {
    let Type::Named(name) = ty else { return None };
    match api.model(name)? {
        Model::Enum(e) => Some(e),
        _ => None,
    }
}

fn field<'a>(s: &'a Struct, wire: &str) -> Option<&'a Field> {
    s.fields.iter().find(|f| f.wire == wire)
}

pub(crate) fn shape_field(f: &Field) -> ShapeField {
    ShapeField {
        rust: f.rust.clone(),
        optional: !f.required || f.nullable,
        nullable: f.three_state(),
    }
}

/// [`shape_field`] for the builders of the query grammar, which set fields as
/// `Option`s: `None` for a three-state field (no builder is made then).
fn plain(f: &Field) -> Option<ShapeField> {
    (!f.three_state()).then(|| shape_field(f))
}

/// The Rust names of the fields of `s` other than `used`, if they are all optional
/// (the builder cannot fill a required field it knows nothing about).
fn others_optional(s: &Struct, used: &[&str]) -> Option<Vec<String>> {
    let others: Vec<&Field> = s.fields.iter().filter(|f| !used.contains(&f.wire.as_str())).collect();
    if others.iter().any(|f| (f.required && !f.nullable) || f.three_state()) {
        return None;
    }
    Some(others.iter().map(|f| f.rust.clone()).collect())
}

fn named(ty: &Type) -> Option<&str> {
    match ty {
        Type::Named(n) => Some(n),
        _ => None,
    }
}

/// How many arguments an operator takes, by its name in the query grammar: the null
/// checks none, ranges two, every comparison one.
fn arity(operator: &str) -> usize {
    let upper = operator.to_ascii_uppercase();
    if upper.contains("NULL") {
        0
    } else if upper.contains("BETWEEN") {
        2
    } else {
        1
    }
}

/// A condition: `{ operator: enum, property: string or enum, argument: [string] }`.
struct Condition<'a> {
    model: &'a Struct,
    argument: &'a Field,
    operator: &'a Field,
    operator_enum: &'a Enum,
    property: &'a Field,
    property_enum: Option<&'a Enum>,
}

fn match_condition<'a>(api: &'a Api, model: &'a Struct) -> Option<Condition<'a>> {
    let argument = field(model, "argument")?;
    if argument.ty != Type::Array(Box::new(Type::String)) {
        return None;
    }
    let operator = field(model, "operator")?;
    let operator_enum = find_enum(api, &operator.ty)?;
    let property = field(model, "property")?;
    let property_enum = match &property.ty {
        Type::String => None,
        ty => Some(find_enum(api, ty)?),
    };
    Some(Condition { model, argument, operator, operator_enum, property, property_enum })
}

/// A group: `{ operator: enum, nestedExpression: [member] }`; returns the member type.
fn match_group<'a>(api: &'a Api, model: &'a Struct) -> Option<(&'a Field, &'a Enum, &'a Field, &'a str)> {
    let operator = field(model, "operator")?;
    let operator_enum = find_enum(api, &operator.ty)?;
    let nested = field(model, "nestedExpression")?;
    let Type::Array(item) = &nested.ty else { return None };
    Some((operator, operator_enum, nested, named(item)?))
}

fn match_request(api: &Api, request: &str) -> Option<QueryShape> {
    let request_model = find_struct(api, request)?;
    for filter_field in &request_model.fields {
        let Some(filter_model) = named(&filter_field.ty).and_then(|n| find_struct(api, n)) else { continue };
        let Some(expression) = field(filter_model, "expression") else { continue };
        let Some(expression_type) = named(&expression.ty) else { continue };

        // Recursive: expression = union(condition, group of expression).
        let recursive = find_union(api, expression_type).and_then(|union| {
            let [a, b] = union.variants.as_slice() else { return None };
            let (a_model, b_model) = (find_struct(api, named(&a.ty)?)?, find_struct(api, named(&b.ty)?)?);
            let (condition, group, condition_variant, group_variant) = match (match_condition(api, a_model), match_condition(api, b_model)) {
                (Some(c), None) => (c, b_model, &a.rust, &b.rust),
                (None, Some(c)) => (c, a_model, &b.rust, &a.rust),
                _ => return None,
            };
            let (op, op_enum, nested, member) = match_group(api, group)?;
            (member == union.name).then(|| {
                (
                    ExpressionShape::Recursive {
                        union: union.name.clone(),
                        condition_variant: condition_variant.clone(),
                        group_variant: group_variant.clone(),
                    },
                    condition,
                    group,
                    op,
                    op_enum,
                    nested,
                )
            })
        });
        // Flat: expression = group of conditions.
        let found = recursive.or_else(|| {
            let group = find_struct(api, expression_type)?;
            let (op, op_enum, nested, member) = match_group(api, group)?;
            let condition = match_condition(api, find_struct(api, member)?)?;
            Some((ExpressionShape::Flat, condition, group, op, op_enum, nested))
        });
        let Some((expression_shape, condition, group, group_op, group_enum, nested)) = found else { continue };

        let sort = request_model
            .fields
            .iter()
            .filter(|f| f.wire != filter_field.wire)
            .find_map(|f| match_sort(api, f));
        let mut used = vec![filter_field.wire.as_str()];
        if let Some((sort_field, _)) = &sort {
            used.push(sort_field.as_str());
        }
        let other_fields = [
            others_optional(request_model, &used)?,
            others_optional(filter_model, &["expression"])?,
            others_optional(group, &["operator", "nestedExpression"])?,
            others_optional(condition.model, &["argument", "operator", "property"])?,
        ];
        return Some(QueryShape {
            request: request_model.name.clone(),
            filter_field: plain(filter_field)?,
            filter_model: filter_model.name.clone(),
            expression_field: plain(expression)?,
            expression: expression_shape,
            group_model: group.name.clone(),
            group_operator_field: plain(group_op)?,
            group_operator_enum: group_enum.name.clone(),
            group_operators: group_enum.variants.clone(),
            nested_field: plain(nested)?,
            condition_model: condition.model.name.clone(),
            argument_field: plain(condition.argument)?,
            operator_field: plain(condition.operator)?,
            operator_enum: condition.operator_enum.name.clone(),
            operators: condition
                .operator_enum
                .variants
                .iter()
                .map(|v| Operator { variant: v.clone(), arity: arity(&v.wire) })
                .collect(),
            property_field: plain(condition.property)?,
            property_model_enum: condition.property_enum.map(|e| e.name.clone()),
            other_fields,
            sort: sort.map(|(_, s)| s),
        });
    }
    None
}

/// `{ sortField: [ { fieldName: string, sortOrder: string } ] }` in a request field.
fn match_sort(api: &Api, f: &Field) -> Option<(String, SortShape)> {
    let model = find_struct(api, named(&f.ty)?)?;
    let list = field(model, "sortField")?;
    let Type::Array(item) = &list.ty else { return None };
    let item_model = find_struct(api, named(item)?)?;
    let name = field(item_model, "fieldName")?;
    let order = field(item_model, "sortOrder")?;
    if name.ty != Type::String || order.ty != Type::String {
        return None;
    }
    Some((
        f.wire.clone(),
        SortShape {
            field: plain(f)?,
            model: model.name.clone(),
            list_field: plain(list)?,
            item_model: item_model.name.clone(),
            name_field: plain(name)?,
            order_field: plain(order)?,
            other_fields: [
                others_optional(model, &["sortField"])?,
                others_optional(item_model, &["fieldName", "sortOrder"])?,
            ],
        },
    ))
}

/// `T` when `response` is an object with `result: [T]` and `T` is a struct.
fn result_item<'a>(api: &'a Api, response: &str) -> Option<&'a Struct> {
    let response = find_struct(api, response)?;
    let result = field(response, "result")?;
    let Type::Array(item) = &result.ty else { return None };
    find_struct(api, named(item)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn arity_follows_the_operator_name() {
        assert_eq!(super::arity("IS_NULL"), 0);
        assert_eq!(super::arity("IS_NOT_NULL"), 0);
        assert_eq!(super::arity("BETWEEN"), 2);
        assert_eq!(super::arity("EQUALS"), 1);
        assert_eq!(super::arity("CONTAINS"), 1);
    }
}
