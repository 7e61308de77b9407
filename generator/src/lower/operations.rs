//! Operations: one client method each, with its path, parameters, body and answers.

use super::*;

impl<'a> Lowerer<'a, '_> {
    pub(super) fn lower_operations(&mut self) -> Vec<Operation> {
        let mut methods = Scope::with_reserved(RESERVED_METHODS);
        let mut out = Vec::new();
        let api = self.api;
        for (path, item) in &api.paths.paths {
            let path_pointer = join("/paths", path);
            let ReferenceOr::Item(item) = item else {
                self.diags
                    .warning(path_pointer, "a `$ref` path item is not supported; its operations are skipped");
                continue;
            };
            for (method_name, op) in item.iter() {
                let pointer = join(&path_pointer, method_name);
                let method = match method_name {
                    "get" => Method::Get,
                    "put" => Method::Put,
                    "post" => Method::Post,
                    "delete" => Method::Delete,
                    "options" => Method::Options,
                    "head" => Method::Head,
                    "patch" => Method::Patch,
                    _ => Method::Trace,
                };
                let wire = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method_name} {path}"));
                let rust = methods.claim(naming::snake(&wire, "operation"));
                if let Some(lowered) = self.lower_operation(rust, wire, method, path, &item.parameters, op, &pointer) {
                    out.push(lowered);
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_operation(
        &mut self,
        rust: String,
        wire: String,
        method: Method,
        path: &str,
        shared: &'a [ReferenceOr<Parameter>],
        op: &'a openapiv3::Operation,
        pointer: &str,
    ) -> Option<Operation> {
        let context = naming::type_name(&wire);
        let doc = join_doc(op.summary.as_deref(), op.description.as_deref());

        // Parameters: operation-level ones override path-level ones with the same name
        // and location.
        let mut declared: Vec<(Cow<'a, Parameter>, String)> = Vec::new();
        for (i, p) in shared.iter().enumerate() {
            if let Some(p) = self.resolve_parameter(p, &join(&join(&pointer[..pointer.rfind('/').unwrap_or(0)], "parameters"), &i.to_string())) {
                declared.push(p);
            }
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let p_pointer = join(&join(pointer, "parameters"), &i.to_string());
            if let Some((param, at)) = self.resolve_parameter(p, &p_pointer) {
                let data = param.parameter_data_ref();
                declared.retain(|(q, _)| {
                    let d = q.parameter_data_ref();
                    !(d.name == data.name && std::mem::discriminant(q.as_ref()) == std::mem::discriminant(param.as_ref()))
                });
                declared.push((param, at));
            }
        }

        let mut scope = Scope::with_reserved(&["body"]);
        let mut params = Vec::new();
        let mut path_parts = Vec::new();
        // Path parameters in template order.
        let mut rest = path;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            if start > 0 {
                path_parts.push(PathPart::Literal(rest[..start].to_owned()));
            }
            let name = &rest[start + 1..start + len];
            let found = declared
                .iter()
                .find(|(p, _)| matches!(p.as_ref(), Parameter::Path { .. }) && p.parameter_data_ref().name == name);
            let (ty, doc) = match found {
                Some((p, at)) => (self.param_type(p, &context, at), p.parameter_data_ref().description.clone()),
                None => {
                    self.diags.warning(
                        pointer,
                        format!("path parameter `{name}` is not declared; taken as a string"),
                    );
                    (Type::String, None)
                }
            };
            if let Some(i) = params.iter().position(|p: &Param| p.wire == name && p.location == ParamLocation::Path) {
                path_parts.push(PathPart::Param(i));
            } else {
                path_parts.push(PathPart::Param(params.len()));
                let explode = found.and_then(|(p, _)| p.parameter_data_ref().explode).unwrap_or(false);
                params.push(Param {
                    rust: scope.claim(naming::snake(name, "param")),
                    wire: name.to_owned(),
                    location: ParamLocation::Path,
                    ty,
                    required: true,
                    doc,
                    style: QueryStyle::Form,
                    explode,
                });
            }
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            path_parts.push(PathPart::Literal(rest.to_owned()));
        }
        for (p, at) in &declared {
            let location = match p.as_ref() {
                Parameter::Path { .. } => continue,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => ParamLocation::Cookie,
            };
            let data = p.parameter_data_ref();
            if location == ParamLocation::Header
                && ["accept", "content-type", "authorization"].contains(&data.name.to_ascii_lowercase().as_str())
            {
                // OpenAPI says these are ignored as parameters; the client sets them.
                continue;
            }
            let ty = self.param_type(p, &context, at);
            let style = match p.as_ref() {
                Parameter::Query { style, .. } => match style {
                    openapiv3::QueryStyle::Form => QueryStyle::Form,
                    openapiv3::QueryStyle::SpaceDelimited => QueryStyle::SpaceDelimited,
                    openapiv3::QueryStyle::PipeDelimited => QueryStyle::PipeDelimited,
                    openapiv3::QueryStyle::DeepObject => QueryStyle::DeepObject,
                },
                _ => QueryStyle::Form,
            };
            // OpenAPI: `explode` defaults to true for the form style (query, cookie).
            let default_explode = matches!(location, ParamLocation::Query | ParamLocation::Cookie) && style == QueryStyle::Form;
            params.push(Param {
                rust: scope.claim(naming::snake(&data.name, "param")),
                wire: data.name.clone(),
                location,
                ty,
                required: data.required,
                doc: data.description.clone(),
                style,
                explode: data.explode.unwrap_or(default_explode),
            });
        }

        let body = match &op.request_body {
            Some(body) => self.lower_body(body, &context, &join(pointer, "requestBody")),
            None => None,
        };
        let (success, error_statuses, error_default, error_type) =
            self.lower_responses(&op.responses, &context, &join(pointer, "responses"));
        let pagination_hint = ["x-pagination", "x-speakeasy-pagination"]
            .iter()
            .find_map(|key| op.extensions.get(*key).map(|v| ((*key).to_owned(), v.clone())))
            .or_else(|| self.link_header(op).then(|| ("link-header".to_owned(), serde_json::Value::Null)));

        Some(Operation {
            rust,
            wire,
            method,
            path: path.to_owned(),
            path_parts,
            doc,
            params,
            body,
            success,
            error_statuses,
            error_default,
            error_type,
            read_only: false,
            anonymous: op.security.as_ref().is_some_and(Vec::is_empty),
            headers_method: None,
            declares_headers: self.success_headers(op, |_| true),
            stream_method: None,
            pagination_hint,
            tags: op.tags.clone(),
        })
    }

    /// Whether a success response declares a `Link` header (RFC 8288 paging).
    pub(super) fn link_header(&self, op: &openapiv3::Operation) -> bool {
        self.success_headers(op, |h| h.eq_ignore_ascii_case("link"))
    }

    /// Whether a success response declares a header that `wanted` accepts.
    pub(super) fn success_headers(&self, op: &openapiv3::Operation, wanted: fn(&str) -> bool) -> bool {
        op.responses.responses.iter().any(|(status, response)| {
            let success = matches!(status, openapiv3::StatusCode::Code(200..=299) | openapiv3::StatusCode::Range(2));
            let response = match response {
                ReferenceOr::Item(r) => Some(r),
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| self.api.components.as_ref()?.responses.get(name))
                    .and_then(|r| r.as_item()),
            };
            success && response.is_some_and(|r| r.headers.keys().any(|h| wanted(h)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lower_parts;
    use super::*;
    use serde_json::json;

    #[test]
    fn operations_keep_their_spec_facts() {
        let (api, _) = lower_parts(
            json!({
                "/login": { "post": {
                    "operationId": "logIn", "tags": ["Auth", "Users"], "security": [],
                    "summary": "Log in", "description": "With a password.",
                    "responses": { "204": { "description": "ok" } },
                } },
                "/users/{id}": { "get": { "responses": { "204": { "description": "ok" } } } },
            }),
            json!({}),
        );
        let login = &api.operations[0];
        assert_eq!((login.rust.as_str(), login.wire.as_str(), login.method), ("log_in", "logIn", Method::Post));
        assert_eq!(login.tags, ["Auth", "Users"]);
        assert!(login.anonymous, "security: [] sends no credentials");
        assert_eq!(login.doc.as_deref(), Some("Log in\n\nWith a password."));
        // No operationId: the name is made from the method and path.
        let user = &api.operations[1];
        assert_eq!(user.wire, "get /users/{id}");
        assert_eq!(user.rust, "get_users_id");
        assert_eq!(user.path_parts, [PathPart::Literal("/users/".into()), PathPart::Param(0)]);
    }

    #[test]
    fn method_names_clear_the_client_own() {
        let (api, _) = lower_parts(
            json!({ "/new": { "get": { "operationId": "new", "responses": { "204": { "description": "ok" } } } } }),
            json!({}),
        );
        assert_ne!(naming::unraw(&api.operations[0].rust), "new");
    }
}
