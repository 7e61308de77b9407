//! Schemas to models: components, inline objects, enums, aliases, and the type of
//! every schema a field, parameter or body has.

use super::*;

pub(super) fn lenient_extension(schema: &Schema) -> Option<bool> {
    schema.schema_data.extensions.get(LENIENT_EXTENSION).and_then(serde_json::Value::as_bool)
}

/// The reference in an `allOf` whose other parts only annotate (no type, properties or
/// constraints that change the shape).
pub(super) fn annotated_reference(schema: &Schema) -> Option<&str> {
    let parts = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(any)
            if any.properties.is_empty() && any.typ.is_none() && any.one_of.is_empty() && any.any_of.is_empty() =>
        {
            &any.all_of
        }
        _ => return None,
    };
    let mut reference = None;
    for part in parts {
        match part {
            ReferenceOr::Reference { reference: r } if reference.is_none() => reference = Some(r.as_str()),
            ReferenceOr::Item(item) if is_annotation(item) => {}
            _ => return None,
        }
    }
    reference
}

/// The description an `allOf` annotation part gives a reference.
pub(super) fn annotation_doc(schema: &Schema) -> Option<String> {
    annotated_reference(schema)?;
    let SchemaKind::AllOf { all_of: parts } = &schema.schema_kind else { return None };
    parts.iter().find_map(|part| match part {
        ReferenceOr::Item(item) => doc_of(item),
        ReferenceOr::Reference { .. } => None,
    })
}

/// A schema with nothing but annotations (`description`, `title`, `example`...).
pub(super) fn is_annotation(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
}

pub(super) fn type_label(ty: &Type) -> &'static str {
    match ty {
        Type::String => "String",
        Type::Integer(_) => "Integer",
        Type::Number(_) => "Number",
        Type::Boolean => "Boolean",
        Type::DateTime => "DateTime",
        Type::Date => "Date",
        Type::IntString(_) => "Integer",
        Type::Json => "Json",
        Type::Named(_) | Type::Generic(..) => "Named",
        Type::Param(_) => "Param",
        Type::Array(_) => "Array",
        Type::Map(_) => "Map",
        Type::Nullable(_) => "Nullable",
        Type::Bytes => "Bytes",
    }
}

impl<'a> Lowerer<'a, '_> {
    /// A component that is nothing but a reference back to itself (directly, through
    /// other such components, or through arrays and maps of them) with no object, enum
    /// or union on the way is no Rust type alias: `type A = A;` and `type A = Vec<A>;`
    /// do not compile. Each alias on such a cycle becomes any
    /// JSON (`serde_json::Value`), with a warning at its component.
    pub(super) fn break_alias_cycles(&mut self) {
        // An alias's type names at most one model (`Type` nests one level at a time), so
        // the aliases form a graph of out-degree one: following each alias once finds
        // every cycle in linear time, whatever the length of the chains.
        let target = |ty: &Type| -> Option<String> {
            let mut ty = ty;
            loop {
                match ty {
                    Type::Named(name) => return Some(name.clone()),
                    Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => ty = inner,
                    _ => return None,
                }
            }
        };
        let next: BTreeMap<String, Option<String>> = self
            .models
            .iter()
            .filter_map(|m| match m {
                Model::Alias(a) => Some((a.name.clone(), target(&a.ty))),
                _ => None,
            })
            .collect();
        let mut walked: BTreeMap<&str, usize> = BTreeMap::new();
        let mut cyclic: BTreeSet<String> = BTreeSet::new();
        for (walk, start) in next.keys().enumerate() {
            let mut path: Vec<&str> = Vec::new();
            let mut at = Some(start.as_str());
            while let Some(name) = at.filter(|name| next.contains_key(*name)) {
                if let Some(&seen) = walked.get(name) {
                    // Back on this walk: from there on, the walk is a cycle.
                    if seen == walk
                        && let Some(from) = path.iter().position(|p| *p == name)
                    {
                        cyclic.extend(path[from..].iter().map(|p| (*p).to_owned()));
                    }
                    break;
                }
                walked.insert(name, walk);
                path.push(name);
                at = next.get(name).and_then(Option::as_deref);
            }
        }
        if cyclic.is_empty() {
            return;
        }
        let wire_of: BTreeMap<&str, &str> =
            self.components.iter().map(|(wire, rust)| (rust.as_str(), wire.as_str())).collect();
        for model in &mut self.models {
            let Model::Alias(alias) = model else { continue };
            if !cyclic.contains(&alias.name) {
                continue;
            }
            alias.ty = Type::Json;
            self.diags.warning(
                wire_of.get(alias.name.as_str()).map(|wire| join("/components/schemas", wire)).unwrap_or_default(),
                "this schema refers back to itself only through references, arrays or maps, with no object on the way, which no Rust type alias can express; it is read as any JSON (serde_json::Value)",
            );
        }
    }

    pub(super) fn lower_component(&mut self, rust: &str, schema: SchemaRef<'_>, pointer: &str) {
        match schema {
            SchemaRef::Ref(reference) => {
                let ty = self.reference_type(reference, pointer);
                self.models.push(Model::Alias(Alias {
                    name: rust.to_owned(),
                    doc: None,
                    ty,
                }));
            }
            SchemaRef::Item(schema) => {
                if !self.define(rust, schema, pointer) {
                    let ty = self.type_of(SchemaRef::Item(schema), rust, pointer);
                    self.models.push(Model::Alias(Alias {
                        name: rust.to_owned(),
                        doc: doc_of(schema),
                        ty,
                    }));
                }
            }
        }
    }

    /// Defines `schema` as a named struct or enum called `name` if it is one;
    /// returns false for schemas that are better an alias or a plain type.
    pub(super) fn define(&mut self, name: &str, schema: &Schema, pointer: &str) -> bool {
        match &schema.schema_kind {
            SchemaKind::Type(openapiv3::Type::String(s)) if !s.enumeration.is_empty() => {
                let values = s.enumeration.iter().flatten().cloned().collect::<Vec<_>>();
                self.define_enum(name, doc_of(schema), &values);
                true
            }
            SchemaKind::Type(openapiv3::Type::Integer(i)) if !i.enumeration.is_empty() => {
                let values = i.enumeration.iter().flatten().copied().collect::<Vec<_>>();
                self.define_integer_enum(name, schema, &values);
                true
            }
            SchemaKind::Type(openapiv3::Type::Object(object)) if !object.properties.is_empty() => {
                self.define_struct(name, schema, &object.properties, &object.required, object.additional_properties.as_ref(), pointer);
                true
            }
            // `oneOf` beside `properties` (seen in Boomi's spec): the alternatives are
            // the real shapes; the sibling properties are dropped with a warning.
            SchemaKind::Any(any) if any.one_of.len() > 1 || any.any_of.len() > 1 => {
                let (alternatives, keyword) = if any.one_of.len() > 1 { (&any.one_of, "oneOf") } else { (&any.any_of, "anyOf") };
                if !any.properties.is_empty() {
                    self.diags.warning(
                        pointer,
                        format!("`properties` beside `{keyword}` are ignored; the type is one of the `{keyword}` alternatives"),
                    );
                }
                self.define_union(name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                true
            }
            SchemaKind::AllOf { .. } | SchemaKind::Any(_) if has_all_of(schema) => {
                let mut merged = Merged::default();
                if self.merge_all_of(SchemaRef::Item(schema), &mut merged, 0) {
                    self.define_struct(name, schema, &merged.properties, &merged.required, merged.additional.as_ref(), pointer);
                    true
                } else {
                    false
                }
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                self.define_struct(name, schema, &any.properties, &any.required, any.additional_properties.as_ref(), pointer);
                true
            }
            SchemaKind::OneOf { one_of: alternatives } | SchemaKind::AnyOf { any_of: alternatives } if alternatives.len() > 1 => {
                let keyword = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                self.define_union(name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                true
            }
            _ => false,
        }
    }

    pub(super) fn define_enum(&mut self, name: &str, doc: Option<String>, values: &[String]) {
        let mut scope = Scope::with_reserved(&[UNKNOWN_VARIANT]);
        let mut variants = Vec::new();
        for value in values {
            if variants.iter().any(|v: &Variant| &v.wire == value) {
                continue;
            }
            variants.push(Variant {
                rust: scope.claim(naming::variant_name(value)),
                wire: value.clone(),
            });
        }
        self.models.push(Model::Enum(Enum {
            name: name.to_owned(),
            doc,
            variants,
            unknown: UNKNOWN_VARIANT.to_owned(),
            kind: EnumKind::String,
        }));
    }

    /// An integer enum. Variants take their names from `x-enum-varnames` (or
    /// `x-enumNames`) when the spec gives one per value, else from the value: `V200`,
    /// `Minus1`.
    pub(super) fn define_integer_enum(&mut self, name: &str, schema: &Schema, values: &[i64]) {
        let names = ["x-enum-varnames", "x-enumNames"].iter().find_map(|key| {
            let names = schema.schema_data.extensions.get(*key)?.as_array()?;
            let names: Option<Vec<&str>> = names.iter().map(serde_json::Value::as_str).collect();
            names.filter(|names| names.len() == values.len())
        });
        let mut scope = Scope::with_reserved(&[UNKNOWN_VARIANT]);
        let mut variants = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let wire = value.to_string();
            if variants.iter().any(|v: &Variant| v.wire == wire) {
                continue;
            }
            let raw = match &names {
                Some(names) => names[i].to_owned(),
                None if *value < 0 => format!("Minus{}", value.unsigned_abs()),
                None => format!("V{value}"),
            };
            variants.push(Variant {
                rust: scope.claim(naming::variant_name(&raw)),
                wire,
            });
        }
        self.models.push(Model::Enum(Enum {
            name: name.to_owned(),
            doc: doc_of(schema),
            variants,
            unknown: UNKNOWN_VARIANT.to_owned(),
            kind: EnumKind::Integer,
        }));
    }

    pub(super) fn define_struct(
        &mut self,
        name: &str,
        schema: &Schema,
        properties: &Properties,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        pointer: &str,
    ) {
        // Reserve the slot first so that the struct precedes the inline types it names.
        let index = self.models.len();
        self.models.push(Model::Alias(Alias {
            name: name.to_owned(),
            doc: None,
            ty: Type::Json,
        }));
        // `x-specwright-lenient` on an object covers its fields and the inline types
        // within; `false` turns a document-wide `true` off.
        let outer = self.lenient;
        self.lenient = lenient_extension(schema).unwrap_or(outer);
        let fields = self.lower_fields(name, properties, required, pointer);
        let additional = self.additional(name, additional, pointer);
        self.lenient = outer;
        self.models[index] = Model::Struct(Struct {
            name: name.to_owned(),
            doc: doc_of(schema),
            fields,
            additional,
        });
    }

    pub(super) fn lower_fields(&mut self, owner: &str, properties: &Properties, required: &[String], pointer: &str) -> Vec<Field> {
        let mut scope = Scope::with_reserved(&["additional_properties"]);
        let mut fields = Vec::new();
        for (wire, schema) in properties {
            let field_pointer = join(&join(pointer, "properties"), wire);
            let rust = scope.claim(naming::snake(wire, "field"));
            let context = format!("{owner}{}", naming::type_name(wire));
            let ty = self.type_of(schema.into(), &context, &field_pointer);
            let (doc, nullable, secret, lenient) = match schema {
                ReferenceOr::Item(s) => (
                    doc_of(s).or_else(|| annotation_doc(s)),
                    s.schema_data.nullable,
                    matches!(
                        &s.schema_kind,
                        openapiv3::SchemaKind::Type(openapiv3::Type::String(string))
                            if matches!(string.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password))
                    ),
                    lenient_extension(s).unwrap_or(self.lenient),
                ),
                // A required field naming a nullable schema must take its `null`; an
                // optional one already does, as `None`.
                ReferenceOr::Reference { reference } => {
                    let nullable = required.iter().any(|r| r == wire) && self.may_be_null(SchemaRef::Ref(reference));
                    (None, nullable, false, self.lenient)
                }
            };
            fields.push(Field {
                rust,
                wire: wire.clone(),
                ty,
                required: required.iter().any(|r| r == wire),
                nullable,
                doc,
                secret,
                lenient,
            });
        }
        fields
    }

    pub(super) fn additional(&mut self, owner: &str, additional: Option<&AdditionalProperties>, pointer: &str) -> Option<Type> {
        match additional? {
            AdditionalProperties::Any(true) => Some(Type::Json),
            AdditionalProperties::Any(false) => None,
            AdditionalProperties::Schema(schema) => {
                let schema: &ReferenceOr<Schema> = schema;
                let value = self.type_of(schema.into(), &format!("{owner}Value"), &join(pointer, "additionalProperties"));
                Some(self.or_null(value, schema.into()))
            }
        }
    }

    pub(super) fn reference_type(&mut self, reference: &str, pointer: &str) -> Type {
        if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX)
            && !name.contains('/')
        {
            let name = name.replace("~1", "/").replace("~0", "~");
            if let Some(rust) = self.components.get(&name) {
                return Type::Named(rust.clone());
            }
            self.diags.error(
                pointer,
                format!("`$ref: {reference}` points to no schema in components.schemas; fix the reference"),
            );
            return Type::Json;
        }
        // A reference into another schema (`#/components/schemas/A/properties/b`):
        // the schema found there, inline.
        if let Some(fragment) = reference.strip_prefix('#') {
            let target = crate::check::percent_decode(fragment);
            let schema = self
                .raw
                .pointer(&target)
                .and_then(|value| serde_json::from_value::<ReferenceOr<Schema>>(value.clone()).ok());
            if let Some(schema) = schema {
                let context = target.rsplit('/').next().map(naming::type_name).unwrap_or_default();
                return self.type_of((&schema).into(), &context, pointer);
            }
        }
        self.diags.warning(
            pointer,
            format!("`$ref: {reference}` is not a schema in this document; typed as serde_json::Value"),
        );
        Type::Json
    }

    /// `ty`, the type of array items, map values or a response body of `schema`, as
    /// `Option<ty>` when the schema is nullable (itself or the component it names):
    /// Rust has no `null` in a `Vec<String>`.
    pub(super) fn or_null(&self, ty: Type, schema: SchemaRef<'_>) -> Type {
        if matches!(ty, Type::Json | Type::Nullable(_)) || !self.may_be_null(schema) {
            return ty;
        }
        Type::Nullable(Box::new(ty))
    }

    /// The component schema a `#/components/schemas/...` reference names, if any.
    pub(super) fn component_schema(&self, reference: &str) -> Option<&'a ReferenceOr<Schema>> {
        let name = reference.strip_prefix(SCHEMA_PREFIX)?.replace("~1", "/").replace("~0", "~");
        self.api.components.as_ref()?.schemas.get(&name)
    }

    /// Whether `schema` says it may be `null`, following `$ref`s to components.
    pub(super) fn may_be_null(&self, schema: SchemaRef<'_>) -> bool {
        let mut schema = schema;
        // A chain of references longer than this is a cycle (the loader breaks those).
        for _ in 0..64 {
            match schema {
                SchemaRef::Item(item) if item.schema_data.nullable => return true,
                // `allOf: [{$ref: X}]` with a comment is X.
                SchemaRef::Item(item) => match annotated_reference(item) {
                    Some(reference) => schema = SchemaRef::Ref(reference),
                    None => return false,
                },
                SchemaRef::Ref(reference) => match self.component_schema(reference) {
                    Some(next) => schema = next.into(),
                    None => return false,
                },
            }
        }
        false
    }

    /// The Rust type of a schema met at `pointer`; inline structs and enums become
    /// models named `context`.
    pub(super) fn type_of(&mut self, schema: SchemaRef<'_>, context: &str, pointer: &str) -> Type {
        const MAX_DEPTH: usize = 48;
        if self.depth >= MAX_DEPTH {
            self.diags.warning(pointer, "inline schemas nest too deep here; typed as serde_json::Value");
            return Type::Json;
        }
        self.depth += 1;
        let ty = self.type_of_inner(schema, context, pointer);
        self.depth -= 1;
        ty
    }

    pub(super) fn type_of_inner(&mut self, schema: SchemaRef<'_>, context: &str, pointer: &str) -> Type {
        let schema = match schema {
            SchemaRef::Ref(reference) => return self.reference_type(reference, pointer),
            SchemaRef::Item(schema) => schema,
        };
        // `allOf: [{$ref: X}, {description: ...}]` is X with a comment (a common way to
        // annotate a reference in 3.0): the reference, not a copy of X.
        if let Some(reference) = annotated_reference(schema) {
            return self.reference_type(reference, pointer);
        }
        use openapiv3::Type as T;
        match &schema.schema_kind {
            SchemaKind::Type(T::String(s)) => {
                if !s.enumeration.is_empty() {
                    let name = self.types.claim(naming::type_name(context));
                    self.define(&name, schema, pointer);
                    return Type::Named(name);
                }
                match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Type::DateTime,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Type::Date,
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "int64" => Type::IntString(IntWidth::I64),
                    VariantOrUnknownOrEmpty::Unknown(format) if format == "int32" => Type::IntString(IntWidth::I32),
                    _ => Type::String,
                }
            }
            SchemaKind::Type(T::Integer(i)) if !i.enumeration.is_empty() => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::Type(T::Integer(i)) => match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Type::Integer(IntWidth::I32),
                _ => Type::Integer(IntWidth::I64),
            },
            SchemaKind::Type(T::Number(n)) => match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Type::Number(FloatWidth::F32),
                _ => Type::Number(FloatWidth::F64),
            },
            SchemaKind::Type(T::Boolean(_)) => Type::Boolean,
            SchemaKind::Type(T::Array(array)) => match &array.items {
                Some(items) => {
                    let item = self.type_of(items.into(), &format!("{context}Item"), &join(pointer, "items"));
                    Type::Array(Box::new(self.or_null(item, items.into())))
                }
                None => Type::Array(Box::new(Type::Json)),
            },
            SchemaKind::Type(T::Object(object)) => {
                if object.properties.is_empty() {
                    let value = match &object.additional_properties {
                        Some(AdditionalProperties::Schema(s)) => {
                            let s: &ReferenceOr<Schema> = s;
                            let value = self.type_of(s.into(), &format!("{context}Value"), &join(pointer, "additionalProperties"));
                            self.or_null(value, s.into())
                        }
                        _ => Type::Json,
                    };
                    return Type::Map(Box::new(value));
                }
                let name = self.types.claim(naming::type_name(context));
                self.define_struct(&name, schema, &object.properties, &object.required, object.additional_properties.as_ref(), pointer);
                Type::Named(name)
            }
            // One alternative (often what is left of `oneOf: [X, null]`) is just X.
            SchemaKind::AllOf { all_of: only } | SchemaKind::OneOf { one_of: only } | SchemaKind::AnyOf { any_of: only }
                if only.len() == 1 =>
            {
                let keyword = match &schema.schema_kind {
                    SchemaKind::AllOf { .. } => "allOf/0",
                    SchemaKind::OneOf { .. } => "oneOf/0",
                    _ => "anyOf/0",
                };
                self.type_of((&only[0]).into(), context, &join(pointer, keyword))
            }
            SchemaKind::Any(any) if any.one_of.len() > 1 || any.any_of.len() > 1 => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::AllOf { .. } | SchemaKind::Any(_) if has_all_of(schema) => {
                let name = self.types.claim(naming::type_name(context));
                if self.define(&name, schema, pointer) {
                    return Type::Named(name);
                }
                self.diags.warning(pointer, "allOf of parts that are not all objects is not modelled; typed as serde_json::Value");
                Type::Json
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                let name = self.types.claim(naming::type_name(context));
                self.define(&name, schema, pointer);
                Type::Named(name)
            }
            SchemaKind::Any(any) if any.typ.is_none() && any.one_of.is_empty() && any.all_of.is_empty() && any.any_of.is_empty() && any.not.is_none() => {
                Type::Json
            }
            SchemaKind::OneOf { one_of: alternatives } | SchemaKind::AnyOf { any_of: alternatives } => {
                let keyword = if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                let name = self.types.claim(naming::type_name(context));
                self.define_union(&name, doc_of(schema), alternatives, schema.schema_data.discriminator.as_ref(), &join(pointer, keyword));
                Type::Named(name)
            }
            SchemaKind::AllOf { .. } | SchemaKind::Not { .. } | SchemaKind::Any(_) => {
                self.diags.warning(
                    pointer,
                    "this schema combination (oneOf/anyOf/allOf/not) is not modelled yet; typed as serde_json::Value",
                );
                Type::Json
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lower_parts, model};
    use super::*;
    use serde_json::json;

    #[test]
    fn inline_objects_are_named_after_their_place() {
        let (api, _) = lower_parts(
            json!({}),
            json!({ "Pet": { "type": "object", "required": ["name"], "properties": {
                "name": { "type": "string" },
                "owner": { "type": "object", "properties": { "city": { "type": "string" } } },
                "born": { "type": "string", "format": "date-time" },
            } } }),
        );
        let Model::Struct(pet) = model(&api, "Pet") else { panic!("Pet is a struct") };
        let types: Vec<(&str, &Type, bool)> = pet.fields.iter().map(|f| (f.rust.as_str(), &f.ty, f.required)).collect();
        assert_eq!(
            types,
            [
                ("name", &Type::String, true),
                ("owner", &Type::Named("PetOwner".into()), false),
                ("born", &Type::DateTime, false),
            ]
        );
        assert!(matches!(model(&api, "PetOwner"), Model::Struct(s) if s.fields[0].wire == "city"));
    }

    #[test]
    fn nullable_schemas_take_null_in_arrays_maps_and_required_fields() {
        // As apideck.com's HRIS spec: `languages: [Language]`, `Language` a nullable string.
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Language": { "type": "string", "nullable": true },
                "Commented": { "allOf": [{ "$ref": "#/components/schemas/Language" }], "description": "x" },
                "Employee": { "type": "object", "required": ["first", "second"], "properties": {
                    "languages": { "type": "array", "items": { "$ref": "#/components/schemas/Language" } },
                    "scores": { "type": "array", "items": { "type": "integer", "nullable": true } },
                    "any": { "type": "array", "items": { "nullable": true } },
                    "plain": { "type": "array", "items": { "type": "string" } },
                    "notes": { "type": "object", "additionalProperties": { "type": "string", "nullable": true } },
                    "first": { "$ref": "#/components/schemas/Language" },
                    "second": { "$ref": "#/components/schemas/Commented" },
                    "third": { "$ref": "#/components/schemas/Language" },
                } },
                "Extras": { "type": "object", "properties": { "id": { "type": "string" } },
                    "additionalProperties": { "$ref": "#/components/schemas/Language" } },
            }),
        );
        let Model::Struct(employee) = model(&api, "Employee") else { panic!("Employee is a struct") };
        let field = |name: &str| employee.fields.iter().find(|f| f.rust == name).expect(name);
        let nullable = |ty: Type| Type::Nullable(Box::new(ty));
        assert_eq!(field("languages").ty, Type::Array(Box::new(nullable(Type::Named("Language".into())))));
        assert_eq!(field("scores").ty, Type::Array(Box::new(nullable(Type::Integer(IntWidth::I64)))));
        // `serde_json::Value` has its own `null`.
        assert_eq!(field("any").ty, Type::Array(Box::new(Type::Json)));
        assert_eq!(field("plain").ty, Type::Array(Box::new(Type::String)));
        assert_eq!(field("notes").ty, Type::Map(Box::new(nullable(Type::String))));
        // Required fields naming a nullable schema take `null`, through a commented
        // reference too; an optional one already takes it as `None`.
        assert!(field("first").nullable && field("first").required);
        assert!(field("second").nullable);
        assert!(!field("third").nullable);
        let Model::Struct(extras) = model(&api, "Extras") else { panic!("Extras is a struct") };
        assert_eq!(extras.additional, Some(nullable(Type::Named("Language".into()))));
    }

    #[test]
    fn enums_keep_unknown_values() {
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Kind": { "type": "string", "enum": ["dog", "cat"] },
                "Level": { "type": "integer", "enum": [1, -1] },
            }),
        );
        let Model::Enum(kind) = model(&api, "Kind") else { panic!("Kind is an enum") };
        assert_eq!(kind.kind, EnumKind::String);
        assert_eq!(kind.variants.iter().map(|v| v.rust.as_str()).collect::<Vec<_>>(), ["Dog", "Cat"]);
        assert_eq!(kind.unknown, UNKNOWN_VARIANT);
        let Model::Enum(level) = model(&api, "Level") else { panic!("Level is an enum") };
        assert_eq!(level.kind, EnumKind::Integer);
        assert_eq!(level.variants.iter().map(|v| v.rust.as_str()).collect::<Vec<_>>(), ["V1", "Minus1"]);
    }

    #[test]
    fn a_dangling_reference_is_any_json_with_a_warning() {
        let (api, diags) = lower_parts(
            json!({}),
            json!({ "Box": { "type": "object", "properties": { "thing": { "$ref": "#/components/schemas/Missing" } } } }),
        );
        // `Box` is a name the generated code uses itself: the model takes the next one.
        let Model::Struct(b) = model(&api, "Box2") else { panic!("Box2 is a struct") };
        assert_eq!(b.fields[0].ty, Type::Json);
        assert!(diags.as_slice().iter().any(|d| d.pointer.starts_with("/components/schemas/Box")), "{:?}", diags.as_slice());
    }
}
