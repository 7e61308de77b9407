//! Request bodies and responses: media types, success types by status, errors.

use super::*;

/// The media type to use from a content map: JSON first (the client asks for JSON),
/// then text, then anything else as bytes.
/// The variant for a success status: its reason phrase (`Created` for 201), or
/// `Status<code>`.
pub(super) fn status_variant(code: u16) -> String {
    let reason = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        206 => "PartialContent",
        207 => "MultiStatus",
        _ => return format!("Status{code}"),
    };
    reason.to_owned()
}

pub(super) fn pick_media(content: &IndexMap<String, openapiv3::MediaType>) -> Option<(&str, &openapiv3::MediaType)> {
    let find = |pred: &dyn Fn(BodyKind) -> bool| {
        content
            .iter()
            .find(|(media, _)| pred(media_kind(media)))
            .map(|(m, c)| (m.as_str(), c))
    };
    find(&|k| k == BodyKind::Json)
        .or_else(|| find(&|k| k == BodyKind::Text))
        .or_else(|| content.iter().next().map(|(m, c)| (m.as_str(), c)))
}

pub(super) fn media_kind(media: &str) -> BodyKind {
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "text/plain" {
        BodyKind::Text
    } else if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if essence == "multipart/form-data" {
        BodyKind::Multipart
    } else {
        BodyKind::Bytes(essence)
    }
}

/// The media type without parameters, lowercased.
pub(super) fn media_kind_name(media: &str) -> String {
    media.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

impl<'a> Lowerer<'a, '_> {
    pub(super) fn lower_body(&mut self, body: &'a ReferenceOr<RequestBody>, context: &str, pointer: &str) -> Option<Body> {
        let (body, pointer) = self.resolve(body, |c| &c.request_bodies, "request body", pointer)?;
        let (media, content) = pick_media(&body.content)?;
        let content_pointer = join(&join(&pointer, "content"), media);
        let kind = media_kind(media);
        let ty = match kind {
            BodyKind::Json | BodyKind::Form => match &content.schema {
                Some(schema) => self.type_of(schema.into(), &format!("{context}Body"), &join(&content_pointer, "schema")),
                None => Type::Json,
            },
            BodyKind::Text => Type::String,
            BodyKind::Multipart | BodyKind::Bytes(_) => Type::Bytes,
        };
        Some(Body {
            kind,
            ty,
            required: body.required,
        })
    }

    pub(super) fn lower_responses(&mut self, responses: &'a openapiv3::Responses, context: &str, pointer: &str) -> (Success, Vec<u16>, bool, Type) {
        let mut json_bodies: Vec<(u16, Type)> = Vec::new();
        let mut with_body = Vec::new();
        let mut without_body = Vec::new();
        let mut success_ty: Option<(Type, BodyKind)> = None;
        let mut error_statuses = Vec::new();
        let mut error_types: Vec<Option<Type>> = Vec::new();
        for (status, response) in &responses.responses {
            let at = join(pointer, &status.to_string());
            let code = match status {
                StatusCode::Code(code) => *code,
                StatusCode::Range(_) => {
                    self.diags.warning(at, "status ranges (2XX) are not matched yet; use an exact status");
                    continue;
                }
            };
            let Some((response, at)) = self.resolve_response(response, &at) else { continue };
            let picked = pick_media(&response.content);
            // A 204 or 205 answer has no content (RFC 9110 15.3.5, 15.3.6): servers send
            // none whatever the spec declares, and an empty body is not the schema's JSON.
            if matches!(code, 204 | 205) {
                if !response.content.is_empty() {
                    self.diags.warning(
                        join(&at, "content"),
                        format!("a {code} answer has no content in HTTP; its media types are ignored"),
                    );
                }
                without_body.push(code);
                continue;
            }
            if (200..300).contains(&code) {
                match self.content_type(picked, &format!("{context}Response"), &at) {
                    Some((ty, kind)) => {
                        if kind == BodyKind::Json {
                            json_bodies.push((code, ty.clone()));
                        }
                        if success_ty.is_none() {
                            success_ty = Some((ty, kind));
                            with_body.push(code);
                        } else if success_ty.as_ref().is_some_and(|(t, _)| *t == ty) {
                            with_body.push(code);
                        } else if success_ty.as_ref().is_some_and(|(_, k)| *k == BodyKind::Json) && kind == BodyKind::Json {
                            // Typed per status below.
                            with_body.push(code);
                        } else {
                            self.diags.warning(at, "a second success status with a body of another media kind; its body is ignored");
                            without_body.push(code);
                        }
                    }
                    None => without_body.push(code),
                }
            } else if code >= 400 {
                error_statuses.push(code);
                let ty = self.json_type(picked, &format!("{context}Error"), &at);
                error_types.push(ty);
            }
        }
        let mut error_default = false;
        if let Some(default) = &responses.default
            && let Some((response, at)) = self.resolve_response(default, &join(pointer, "default"))
        {
            error_default = true;
            let ty = self.json_type(pick_media(&response.content), &format!("{context}Error"), &at);
            error_types.push(ty);
        }
        with_body.sort_unstable();
        without_body.sort_unstable();
        error_statuses.sort_unstable();
        error_statuses.dedup();
        let distinct: Vec<&Type> = {
            let mut seen: Vec<&Type> = Vec::new();
            for t in error_types.iter().flatten() {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            seen
        };
        let error_type = match distinct.as_slice() {
            [one] => (*one).clone(),
            _ => Type::Json,
        };
        let (mut ty, kind) = match success_ty {
            Some((ty, kind)) => (Some(ty), kind),
            None => (None, BodyKind::Json),
        };
        // JSON bodies that differ by status (200 one type, 201 another): a type with a
        // variant per status, so no answer's body is dropped.
        json_bodies.sort_by_key(|(code, _)| *code);
        let mut by_status = Vec::new();
        if json_bodies.iter().any(|(_, t)| Some(t) != json_bodies.first().map(|(_, t)| t)) {
            let name = self.types.claim(naming::type_name(&format!("{context}Success")));
            let variants: Vec<(String, u16, Type)> = json_bodies
                .iter()
                .map(|(code, t)| (status_variant(*code), *code, t.clone()))
                .collect();
            by_status = variants.iter().map(|(variant, code, _)| (*code, variant.clone())).collect();
            self.models.push(Model::Statuses(crate::ir::Statuses {
                name: name.clone(),
                doc: Some(format!("The success answers of `{context}`, whose bodies differ by status.")),
                variants,
            }));
            ty = Some(Type::Named(name));
        }
        let optional = ty.is_some() && !without_body.is_empty();
        (
            Success {
                ty,
                optional,
                kind,
                with_body,
                without_body,
                by_status,
            },
            error_statuses,
            error_default,
            error_type,
        )
    }

    /// The type and encoding of a response body, `None` when it has no content.
    pub(super) fn content_type(&mut self, picked: Option<(&str, &openapiv3::MediaType)>, context: &str, at: &str) -> Option<(Type, BodyKind)> {
        let (media, content) = picked?;
        let kind = media_kind(media);
        let ty = match kind {
            // A nullable schema answers `null` (sportsdata.io's `WeekCurrent`).
            BodyKind::Json => match &content.schema {
                Some(schema) => {
                    let ty = self.type_of(schema.into(), context, &join(&join(&join(at, "content"), media), "schema"));
                    self.or_null(ty, schema.into())
                }
                None => Type::Json,
            },
            BodyKind::Text => Type::String,
            BodyKind::Form | BodyKind::Multipart | BodyKind::Bytes(_) => Type::Bytes,
        };
        let kind = match kind {
            // A response is never decoded as a form: such bodies come back as bytes.
            BodyKind::Form | BodyKind::Multipart => BodyKind::Bytes(media_kind_name(media)),
            other => other,
        };
        Some((ty, kind))
    }

    /// The type of a JSON error body with a schema, `None` otherwise.
    pub(super) fn json_type(&mut self, picked: Option<(&str, &openapiv3::MediaType)>, context: &str, at: &str) -> Option<Type> {
        match picked {
            // An error body that is `null` is no error body: the answer has none.
            Some((media, content)) if media_kind(media) == BodyKind::Json && content.schema.is_some() => {
                self.content_type(picked, context, at).map(|(ty, _)| match ty {
                    Type::Nullable(inner) => *inner,
                    ty => ty,
                })
            }
            _ => None,
        }
    }

    pub(super) fn resolve_response(&mut self, response: &'a ReferenceOr<Response>, pointer: &str) -> Option<(Cow<'a, Response>, String)> {
        self.resolve(response, |c| &c.responses, "response", pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lower_parts, model};
    use super::*;
    use serde_json::json;

    fn answers(responses: serde_json::Value) -> (Api, Diagnostics) {
        lower_parts(
            json!({ "/things": { "post": { "operationId": "makeThing", "responses": responses } } }),
            json!({
                "Thing": { "type": "object", "properties": { "id": { "type": "string" } } },
                "Job": { "type": "object", "properties": { "job": { "type": "string" } } },
                "Problem": { "type": "object", "properties": { "detail": { "type": "string" } } },
            }),
        )
    }

    fn json_of(name: &str) -> serde_json::Value {
        json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}") } } })
    }

    #[test]
    fn bodies_that_differ_by_status_get_a_variant_each() {
        let (api, _) = answers(json!({
            "200": { "description": "done", "content": json_of("Thing") },
            "202": { "description": "accepted", "content": json_of("Job") },
            "404": { "description": "missing", "content": json_of("Problem") },
            "400": { "description": "bad", "content": json_of("Problem") },
        }));
        let op = &api.operations[0];
        let Some(Type::Named(name)) = &op.success.ty else { panic!("a named success type: {:?}", op.success) };
        let Model::Statuses(statuses) = model(&api, name) else { panic!("{name} is a statuses model") };
        let variants: Vec<(u16, &Type)> = statuses.variants.iter().map(|(_, status, ty)| (*status, ty)).collect();
        assert_eq!(variants, [(200, &Type::Named("Thing".into())), (202, &Type::Named("Job".into()))]);
        assert_eq!(op.error_statuses, [400, 404]);
        assert_eq!(op.error_type, Type::Named("Problem".into()));
    }

    #[test]
    fn a_status_without_a_body_makes_the_answer_optional() {
        let (api, _) = answers(json!({
            "200": { "description": "done", "content": json_of("Thing") },
            "204": { "description": "nothing" },
        }));
        let success = &api.operations[0].success;
        assert_eq!(success.ty, Some(Type::Named("Thing".into())));
        assert!(success.optional);
        assert_eq!((success.with_body.as_slice(), success.without_body.as_slice()), (&[200][..], &[204][..]));
    }

    #[test]
    fn a_no_content_answer_has_no_body_whatever_the_spec_declares() {
        // As shipengine.com declares its deletes: a 204 with a JSON schema.
        let (api, diags) = answers(json!({
            "204": { "description": "deleted", "content": json_of("Thing") },
        }));
        let diags = diags.into_vec();
        let success = &api.operations[0].success;
        assert_eq!(success.ty, None);
        assert_eq!((success.with_body.as_slice(), success.without_body.as_slice()), (&[][..], &[204][..]));
        assert!(
            diags.iter().any(|d| d.pointer.ends_with("/responses/204/content") && d.message.contains("no content")),
            "{diags:?}"
        );
        // Beside a 200 with a body, the answer is optional, not a second type.
        let (api, _) = answers(json!({
            "200": { "description": "done", "content": json_of("Thing") },
            "205": { "description": "reset", "content": json_of("Job") },
        }));
        let success = &api.operations[0].success;
        assert_eq!(success.ty, Some(Type::Named("Thing".into())));
        assert!(success.optional);
        assert!(api.models.iter().all(|m| !matches!(m, Model::Statuses(_))));
    }

    #[test]
    fn a_nullable_answer_is_an_option() {
        // As sportsdata.io's `WeekCurrent`: `{type: integer, nullable: true}`.
        let (api, _) = answers(json!({
            "200": { "description": "the week", "content": { "application/json": {
                "schema": { "type": "integer", "nullable": true } } } },
            "400": { "description": "bad", "content": { "application/json": {
                "schema": { "type": "string", "nullable": true } } } },
        }));
        let op = &api.operations[0];
        assert_eq!(op.success.ty, Some(Type::Nullable(Box::new(Type::Integer(crate::ir::IntWidth::I64)))));
        assert_eq!(op.error_type, Type::String);
    }

    #[test]
    fn media_types_pick_the_decoding() {
        assert_eq!(media_kind("application/json"), BodyKind::Json);
        assert_eq!(media_kind("application/problem+json"), BodyKind::Json);
        assert_eq!(media_kind("text/plain"), BodyKind::Text);
        assert_eq!(media_kind("application/octet-stream"), BodyKind::Bytes("application/octet-stream".into()));
    }
}
