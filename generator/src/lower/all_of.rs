//! `allOf`: the members merged into one object.

use super::*;

/// The object parts of an `allOf`, merged.
#[derive(Default)]
pub(super) struct Merged {
    pub(super) properties: Properties,
    pub(super) required: Vec<String>,
    pub(super) additional: Option<AdditionalProperties>,
}

/// Whether a schema is (or has) an `allOf`, possibly beside `type: object`.
pub(super) fn has_all_of(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of.len() > 1,
        SchemaKind::Any(any) => !any.all_of.is_empty(),
        _ => false,
    }
}

impl<'a> Lowerer<'a, '_> {
    /// Merges the object parts of an `allOf` (following references) into one set of
    /// properties; false when some part is not an object.
    pub(super) fn merge_all_of(&self, schema: SchemaRef<'_>, merged: &mut Merged, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        let schema = match schema {
            SchemaRef::Ref(reference) => {
                let target = reference
                    .strip_prefix(SCHEMA_PREFIX)
                    .and_then(|name| self.api.components.as_ref()?.schemas.get(name));
                match target {
                    Some(target) => return self.merge_all_of(target.into(), merged, depth + 1),
                    None => return false,
                }
            }
            SchemaRef::Item(schema) => schema,
        };
        let (properties, required, additional, parts): (Option<&Properties>, &[String], _, &[ReferenceOr<Schema>]) = match &schema.schema_kind {
            SchemaKind::Type(openapiv3::Type::Object(o)) => (Some(&o.properties), &o.required, o.additional_properties.as_ref(), &[]),
            SchemaKind::AllOf { all_of } => (None, &[], None, all_of),
            SchemaKind::Any(any) if any.typ.as_deref().is_none_or(|t| t == "object") => {
                (Some(&any.properties), &any.required, any.additional_properties.as_ref(), &any.all_of)
            }
            _ => return false,
        };
        for part in parts {
            if !self.merge_all_of(part.into(), merged, depth + 1) {
                return false;
            }
        }
        if let Some(properties) = properties {
            for (name, property) in properties {
                merged.properties.insert(name.clone(), property.clone());
            }
        }
        for name in required {
            if !merged.required.contains(name) {
                merged.required.push(name.clone());
            }
        }
        if let Some(additional) = additional {
            merged.additional = Some(additional.clone());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lower_parts, model};
    use super::*;
    use serde_json::json;

    #[test]
    fn members_merge_into_one_struct() {
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Base": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } },
                "Dog": { "allOf": [
                    { "$ref": "#/components/schemas/Base" },
                    { "type": "object", "required": ["bark"], "properties": { "bark": { "type": "boolean" } } },
                ] },
            }),
        );
        let Model::Struct(dog) = model(&api, "Dog") else { panic!("Dog is a struct") };
        let fields: Vec<(&str, bool)> = dog.fields.iter().map(|f| (f.wire.as_str(), f.required)).collect();
        assert_eq!(fields, [("id", true), ("bark", true)]);
    }
}
