//! Parameters: resolved through `$ref`s, and their types.

use super::*;

impl<'a> Lowerer<'a, '_> {
    pub(super) fn resolve_parameter(&mut self, p: &'a ReferenceOr<Parameter>, pointer: &str) -> Option<(Cow<'a, Parameter>, String)> {
        self.resolve(p, |c| &c.parameters, "parameter", pointer)
    }

    pub(super) fn param_type(&mut self, p: &Parameter, context: &str, pointer: &str) -> Type {
        let data = p.parameter_data_ref();
        let context = format!("{context}{}", naming::type_name(&data.name));
        match &data.format {
            // In a path or query an integer and the string of it are the same text, so
            // the caller passes a plain integer.
            ParameterSchemaOrContent::Schema(schema) => match self.type_of(schema.into(), &context, &join(pointer, "schema")) {
                Type::IntString(width) => Type::Integer(width),
                // A URL has no `null`: an item that may be null is left out by not
                // passing it.
                Type::Array(item) => match *item {
                    Type::Nullable(item) => Type::Array(item),
                    item => Type::Array(Box::new(item)),
                },
                ty => ty,
            },
            ParameterSchemaOrContent::Content(_) => {
                self.diags.warning(pointer, "a parameter with `content` is sent as a string");
                Type::String
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lower_parts;
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_are_typed_and_reserved_headers_left_to_the_client() {
        let (api, diags) = lower_parts(
            json!({ "/items/{id}/{part}": { "get": {
                "operationId": "getItem",
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } },
                    { "name": "tags", "in": "query", "schema": { "type": "array", "items": { "type": "string" } } },
                    { "name": "Accept", "in": "header", "schema": { "type": "string" } },
                ],
                "responses": { "204": { "description": "ok" } },
            } } }),
            json!({}),
        );
        let op = &api.operations[0];
        let params: Vec<(&str, ParamLocation, &Type)> = op.params.iter().map(|p| (p.wire.as_str(), p.location, &p.ty)).collect();
        assert_eq!(
            params,
            [
                ("id", ParamLocation::Path, &Type::Integer(IntWidth::I64)),
                ("part", ParamLocation::Path, &Type::String),
                ("tags", ParamLocation::Query, &Type::Array(Box::new(Type::String))),
            ]
        );
        // `explode` defaults to true for query parameters of the form style.
        assert!(op.params[2].explode);
        let undeclared = diags.as_slice().iter().find(|d| d.message.contains("`part` is not declared")).expect("a warning");
        assert_eq!(undeclared.pointer, "/paths/~1items~1{id}~1{part}/get");
    }
}
