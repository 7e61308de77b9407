//! Part of stage 3: find the query operations by the shape of their schemas.
//!
//! A query operation sends `{ <filter>: { expression: { operator: <grouping enum>,
//! nestedExpression: [ { argument: [string], operator: <comparison enum>, property:
//! string } ] } } }` and answers `{ result: [T] }`. Only the grammar's own keys are
//! matched, never schema names, so a renamed or re-organised spec still gets builders.

use crate::ir::{Api, Enum, Field, Filter, Model, QueryShape, ShapeField, Struct, Type, Variant};
use crate::naming::{self, Scope};

/// Adds a filter builder for every object type that some query operation returns.
pub fn find_filters(api: &mut Api) {
    let mut types = Scope::new();
    for model in &api.models {
        types.claim(model.name().to_owned());
    }
    let mut filters: Vec<Filter> = Vec::new();
    for op in &api.operations {
        let Some(body) = &op.body else { continue };
        let Type::Named(request) = &body.ty else { continue };
        let Some(Type::Named(response)) = &op.success.ty else { continue };
        let Some(shape) = match_request(api, request) else { continue };
        let Some(object) = result_item(api, response) else { continue };
        if let Some(existing) = filters
            .iter_mut()
            .find(|f| f.object == object.name && f.shape == shape)
        {
            existing.operations.push(op.rust.clone());
            continue;
        }
        let mut scope = Scope::new();
        let properties = object
            .fields
            .iter()
            .map(|f| Variant {
                rust: scope.claim(naming::variant_name(&f.wire)),
                wire: f.wire.clone(),
            })
            .collect::<Vec<_>>();
        if properties.is_empty() {
            continue;
        }
        let base = &object.name;
        filters.push(Filter {
            object: base.clone(),
            property_enum: types.claim(format!("{base}Property")),
            filter_type: types.claim(format!("{base}Filter")),
            condition_type: types.claim(format!("{base}Condition")),
            properties,
            operations: vec![op.rust.clone()],
            shape,
        });
    }
    api.filters = filters;
}

fn find_struct<'a>(api: &'a Api, name: &str) -> Option<&'a Struct> {
    api.models.iter().find_map(|m| match m {
        Model::Struct(s) if s.name == name => Some(s),
        _ => None,
    })
}

fn find_enum<'a>(api: &'a Api, ty: &Type) -> Option<&'a Enum> {
    let Type::Named(name) = ty else { return None };
    api.models.iter().find_map(|m| match m {
        Model::Enum(e) if &e.name == name => Some(e),
        _ => None,
    })
}

fn field<'a>(s: &'a Struct, wire: &str) -> Option<&'a Field> {
    s.fields.iter().find(|f| f.wire == wire)
}

fn shape_field(f: &Field) -> ShapeField {
    ShapeField {
        rust: f.rust.clone(),
        optional: !f.required,
    }
}

/// The Rust names of the fields of `s` other than `used`, if they are all optional
/// (the builder cannot fill a required field it knows nothing about).
fn others_optional(s: &Struct, used: &[&str]) -> Option<Vec<String>> {
    let others: Vec<&Field> = s.fields.iter().filter(|f| !used.contains(&f.wire.as_str())).collect();
    if others.iter().any(|f| f.required) {
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

fn match_request(api: &Api, request: &str) -> Option<QueryShape> {
    let request_model = find_struct(api, request)?;
    // The one field of the request whose type holds an `expression`.
    for filter_field in &request_model.fields {
        let Some(filter_model) = named(&filter_field.ty).and_then(|n| find_struct(api, n)) else {
            continue;
        };
        let Some(expression) = field(filter_model, "expression") else { continue };
        let Some(group) = named(&expression.ty).and_then(|n| find_struct(api, n)) else { continue };
        let Some(group_op) = field(group, "operator") else { continue };
        let Some(group_enum) = find_enum(api, &group_op.ty) else { continue };
        let Some(nested) = field(group, "nestedExpression") else { continue };
        let Type::Array(item) = &nested.ty else { continue };
        let Some(condition) = named(item).and_then(|n| find_struct(api, n)) else { continue };
        let Some(argument) = field(condition, "argument") else { continue };
        if argument.ty != Type::Array(Box::new(Type::String)) {
            continue;
        }
        let Some(operator) = field(condition, "operator") else { continue };
        let Some(operator_enum) = find_enum(api, &operator.ty) else { continue };
        let Some(property) = field(condition, "property") else { continue };
        if property.ty != Type::String {
            continue;
        }
        let other_fields = [
            others_optional(request_model, &[filter_field.wire.as_str()])?,
            others_optional(filter_model, &["expression"])?,
            others_optional(group, &["operator", "nestedExpression"])?,
            others_optional(condition, &["argument", "operator", "property"])?,
        ];
        return Some(QueryShape {
            request: request_model.name.clone(),
            filter_field: shape_field(filter_field),
            filter_model: filter_model.name.clone(),
            expression_field: shape_field(expression),
            group_model: group.name.clone(),
            group_operator_field: shape_field(group_op),
            group_operator_enum: group_enum.name.clone(),
            group_operators: group_enum.variants.clone(),
            nested_field: shape_field(nested),
            condition_model: condition.name.clone(),
            argument_field: shape_field(argument),
            operator_field: shape_field(operator),
            operator_enum: operator_enum.name.clone(),
            operators: operator_enum.variants.clone(),
            property_field: shape_field(property),
            other_fields,
        });
    }
    None
}

/// `T` when `response` is an object with `result: [T]` and `T` is a struct.
fn result_item<'a>(api: &'a Api, response: &str) -> Option<&'a Struct> {
    let response = find_struct(api, response)?;
    let result = field(response, "result")?;
    let Type::Array(item) = &result.ty else { return None };
    find_struct(api, named(item)?)
}
