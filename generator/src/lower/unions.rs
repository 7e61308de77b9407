//! `oneOf` and `anyOf`: unions, their variants' order and discriminators.

use super::*;

/// `DeployedPackageSimpleExpression` within `DeployedPackageExpression` is
/// `SimpleExpression`: the shared leading words go.
pub(super) fn strip_common_prefix(union: &str, variant: &str) -> String {
    let boundary = |s: &str, i: usize| s[i..].starts_with(|c: char| c.is_ascii_uppercase());
    let common = union
        .char_indices()
        .zip(variant.chars())
        .take_while(|((_, a), b)| a == b)
        .map(|((i, a), _)| i + a.len_utf8())
        .last()
        .unwrap_or(0);
    let mut cut = common;
    while cut > 0 && !(variant.is_char_boundary(cut) && boundary(variant, cut)) {
        cut -= 1;
    }
    let rest = &variant[cut..];
    if rest.is_empty() { variant.to_owned() } else { rest.to_owned() }
}

impl<'a> Lowerer<'a, '_> {
    /// An untagged enum over the alternatives (ordered most specific first once every
    /// model is known, see `order_unions`).
    pub(super) fn define_union(
        &mut self,
        name: &str,
        doc: Option<String>,
        alternatives: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        pointer: &str,
    ) {
        let index = self.models.len();
        self.models.push(Model::Alias(Alias { name: name.to_owned(), doc: None, ty: Type::Json }));
        let mut scope = Scope::new();
        let mut variants: Vec<UnionVariant> = Vec::new();
        for (i, alternative) in alternatives.iter().enumerate() {
            let ty = self.type_of(alternative.into(), &format!("{name}{}", i + 1), &join(pointer, &i.to_string()));
            if variants.iter().any(|v| v.ty == ty) {
                continue;
            }
            let label = match &ty {
                Type::Named(n) => strip_common_prefix(name, n),
                other => type_label(other).to_owned(),
            };
            variants.push(UnionVariant { rust: scope.claim(naming::variant_name(&label)), ty });
        }
        let discriminator = discriminator.and_then(|d| self.discriminator(d, alternatives, &variants, pointer));
        self.models[index] = Model::Union(Union {
            name: name.to_owned(),
            doc,
            variants,
            discriminator,
        });
    }

    /// Sorts every union's variants most specific first, now that every model they name
    /// is known (a union may come before its variants in the spec). Stable: equally
    /// specific variants keep the spec's order.
    pub(super) fn order_unions(&mut self) {
        // The first model of each name, as a reference resolves.
        let mut by_name: IndexMap<&str, &Model> = IndexMap::with_capacity(self.models.len());
        for model in &self.models {
            by_name.entry(model.name()).or_insert(model);
        }
        let orders: Vec<(usize, Vec<usize>)> = self
            .models
            .iter()
            .enumerate()
            .filter_map(|(index, model)| {
                let Model::Union(union) = model else { return None };
                let mut ranked: Vec<(usize, usize)> =
                    union.variants.iter().enumerate().map(|(i, v)| (specificity(&by_name, &v.ty), i)).collect();
                ranked.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
                Some((index, ranked.into_iter().map(|(_, i)| i).collect()))
            })
            .collect();
        for (index, order) in orders {
            let Model::Union(union) = &mut self.models[index] else { continue };
            let old = std::mem::take(&mut union.variants);
            let new_position = |i: usize| order.iter().position(|j| *j == i).unwrap_or(i);
            if let Some(d) = &mut union.discriminator {
                for (_, i) in &mut d.values {
                    *i = new_position(*i);
                }
            }
            union.variants = order.iter().filter_map(|i| old.get(*i).cloned()).collect();
        }
    }

    /// The tag values of a discriminated union: the explicit `mapping`, and for
    /// referenced alternatives not in it, the schema name (OpenAPI's default) and,
    /// before it, the one value the alternative's own tag property allows
    /// (`type: {enum: [track]}` in Spotify's `TrackObject`): that is what a valid
    /// instance carries, and what servers send.
    pub(super) fn discriminator(
        &mut self,
        d: &openapiv3::Discriminator,
        alternatives: &[ReferenceOr<Schema>],
        variants: &[UnionVariant],
        pointer: &str,
    ) -> Option<Discriminator> {
        let variant_of = |reference: &str| {
            let name = reference.strip_prefix(SCHEMA_PREFIX)?;
            let rust = self.components.get(name)?;
            variants.iter().position(|v| v.ty == Type::Named(rust.clone()))
        };
        let mut values: Vec<(String, usize)> = Vec::new();
        for (value, reference) in &d.mapping {
            let reference = if reference.starts_with('#') { reference.clone() } else { format!("{SCHEMA_PREFIX}{reference}") };
            if let Some(i) = variant_of(&reference) {
                values.push((value.clone(), i));
            }
        }
        let mapped: Vec<usize> = values.iter().map(|(_, i)| *i).collect();
        for alternative in alternatives {
            if let ReferenceOr::Reference { reference } = alternative
                && let Some(i) = variant_of(reference)
                && !mapped.contains(&i)
                && let Some(name) = reference.strip_prefix(SCHEMA_PREFIX)
            {
                let own = self.fixed_property(SchemaRef::Ref(reference), &d.property_name, 0);
                for value in own.into_iter().chain([name.to_owned()]) {
                    // A value two alternatives claim goes to the first.
                    if !values.iter().any(|(v, _)| *v == value) {
                        values.push((value, i));
                    }
                }
            }
        }
        if values.is_empty() {
            self.diags.warning(pointer, "the discriminator names no alternative; decoding tries each in turn");
            return None;
        }
        Some(Discriminator { property: d.property_name.clone(), values })
    }
}

impl Lowerer<'_, '_> {
    /// The only value a string property `property` of `schema` may take (an `enum` of
    /// one), looking through `$ref`s and `allOf`.
    fn fixed_property(&self, schema: SchemaRef<'_>, property: &str, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let schema = match schema {
            SchemaRef::Item(schema) => schema,
            SchemaRef::Ref(reference) => {
                return self.fixed_property(self.component_schema(reference)?.into(), property, depth + 1);
            }
        };
        let (properties, parts) = match &schema.schema_kind {
            SchemaKind::Type(openapiv3::Type::Object(object)) => (Some(&object.properties), None),
            SchemaKind::AllOf { all_of } => (None, Some(all_of)),
            SchemaKind::Any(any) => (Some(&any.properties), Some(&any.all_of)),
            _ => (None, None),
        };
        if let Some(own) = properties.and_then(|p| p.get(property)) {
            let own: SchemaRef<'_> = own.into();
            return self.single_value(own, depth + 1);
        }
        parts?.iter().find_map(|part| self.fixed_property(part.into(), property, depth + 1))
    }

    /// The one value a string schema allows, following `$ref`s.
    fn single_value(&self, schema: SchemaRef<'_>, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match schema {
            SchemaRef::Item(schema) => match &schema.schema_kind {
                SchemaKind::Type(openapiv3::Type::String(s)) => match s.enumeration.as_slice() {
                    [Some(value)] => Some(value.clone()),
                    _ => None,
                },
                _ => None,
            },
            SchemaRef::Ref(reference) => self.single_value(self.component_schema(reference)?.into(), depth + 1),
        }
    }
}

/// How much of the input a type pins down: required fields, then fields, for structs;
/// free-form JSON least of all. `by_name` holds the models by name.
fn specificity(by_name: &IndexMap<&str, &Model>, ty: &Type) -> usize {
    match ty {
        Type::Named(n) => match by_name.get(n.as_str()) {
            Some(Model::Struct(s)) => 1000 + 100 * s.fields.iter().filter(|f| f.required).count() + s.fields.len(),
            Some(Model::Enum(_)) => 50,
            Some(Model::Alias(a)) => specificity(by_name, &a.ty),
            Some(Model::Union(_) | Model::Statuses(_)) => 10,
            None => 0,
        },
        Type::Json => 0,
        Type::Map(_) => 5,
        _ => 20,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lower_parts, model};
    use super::*;
    use serde_json::json;

    fn pets() -> serde_json::Value {
        json!({
            "Cat": { "type": "object", "required": ["kind"], "properties": { "kind": { "type": "string" } } },
            "Dog": { "type": "object", "required": ["kind", "bark"], "properties": {
                "kind": { "type": "string" }, "bark": { "type": "boolean" } } },
        })
    }

    #[test]
    fn untagged_variants_go_most_specific_first() {
        let mut schemas = pets();
        schemas["Pet"] = json!({ "oneOf": [{ "$ref": "#/components/schemas/Cat" }, { "$ref": "#/components/schemas/Dog" }] });
        let (api, _) = lower_parts(json!({}), schemas);
        let Model::Union(pet) = model(&api, "Pet") else { panic!("Pet is a union") };
        assert!(pet.discriminator.is_none());
        // Dog has every field Cat has and more: tried first, or it would never match.
        assert_eq!(pet.variants.iter().map(|v| v.rust.as_str()).collect::<Vec<_>>(), ["Dog", "Cat"]);
    }

    #[test]
    fn a_discriminator_maps_values_to_variants() {
        let mut schemas = pets();
        schemas["Pet"] = json!({
            "oneOf": [{ "$ref": "#/components/schemas/Cat" }, { "$ref": "#/components/schemas/Dog" }],
            "discriminator": { "propertyName": "kind", "mapping": { "woof": "#/components/schemas/Dog" } },
        });
        let (api, _) = lower_parts(json!({}), schemas);
        let Model::Union(pet) = model(&api, "Pet") else { panic!("Pet is a union") };
        let discriminator = pet.discriminator.as_ref().expect("a discriminator");
        assert_eq!(discriminator.property, "kind");
        let woof = discriminator.values.iter().find(|(value, _)| value == "woof").expect("the mapped value");
        assert_eq!(pet.variants[woof.1].ty, Type::Named("Dog".into()));
    }

    #[test]
    fn an_unmapped_alternative_is_told_by_its_own_tag_value_and_by_its_name() {
        // As Spotify's `item`: `discriminator: {propertyName: type}` with no mapping,
        // over TrackObject (`type: {enum: [track]}`) and EpisodeObject (the tag in an
        // allOf part, through a reference); servers send `track` and `episode`.
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Item": {
                    "oneOf": [
                        { "$ref": "#/components/schemas/TrackObject" },
                        { "$ref": "#/components/schemas/EpisodeObject" },
                        { "$ref": "#/components/schemas/Other" },
                    ],
                    "discriminator": { "propertyName": "type" },
                },
                "TrackObject": { "type": "object", "properties": {
                    "type": { "type": "string", "enum": ["track"] }, "album": { "type": "string" } } },
                "EpisodeType": { "type": "string", "enum": ["episode"] },
                "EpisodeBase": { "type": "object", "properties": {
                    "type": { "$ref": "#/components/schemas/EpisodeType" }, "show": { "type": "string" } } },
                "EpisodeObject": { "allOf": [
                    { "$ref": "#/components/schemas/EpisodeBase" },
                    { "type": "object", "properties": { "duration": { "type": "integer" } } },
                ] },
                // Two values allowed: only the name tells it.
                "Other": { "type": "object", "properties": {
                    "type": { "type": "string", "enum": ["a", "b"] }, "x": { "type": "boolean" } } },
            }),
        );
        let Model::Union(item) = model(&api, "Item") else { panic!("Item is a union") };
        let discriminator = item.discriminator.as_ref().expect("a discriminator");
        let values: Vec<(&str, &Type)> =
            discriminator.values.iter().map(|(value, i)| (value.as_str(), &item.variants[*i].ty)).collect();
        let named = |name: &str| Type::Named(name.into());
        for (value, ty) in [
            ("track", named("TrackObject")),
            ("TrackObject", named("TrackObject")),
            ("episode", named("EpisodeObject")),
            ("EpisodeObject", named("EpisodeObject")),
            ("Other", named("Other")),
        ] {
            assert!(values.contains(&(value, &ty)), "{value} → {ty:?} in {values:?}");
        }
        assert_eq!(values.len(), 5, "{values:?}");
    }

    #[test]
    fn shared_leading_words_leave_variant_names() {
        assert_eq!(strip_common_prefix("DeployedPackageExpression", "DeployedPackageSimpleExpression"), "SimpleExpression");
        assert_eq!(strip_common_prefix("Pet", "Dog"), "Dog");
    }
}
