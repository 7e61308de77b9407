//! Writes the per-type cases of `models_roundtrip.rs` and `response_fuzz.rs` from the
//! checked-in clients' IR: a sample JSON value for every model, and a call with sample
//! arguments for every operation. Generated, so a model or operation added to a spec is
//! covered without anyone listing it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use specwright::ir::{Api, BodyKind, EnumKind, FloatWidth, IntWidth, Model, Param, Type};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("the workspace root").to_path_buf();
    println!("cargo:rerun-if-changed={}", root.join("spec").display());
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for (name, crate_ident, config) in [
        ("platform", "boomi_platform", specwright::preset::boomi(&root)),
        ("controlplane", "boomi_controlplane", specwright::preset::controlplane(&root)),
    ] {
        let api = match config.generate() {
            Ok(output) => output.api,
            Err(err) => panic!("the {name} client does not generate, so its cases cannot be written:\n{err}"),
        };
        write(&out.join(format!("{name}_models.rs")), &model_cases(&api, crate_ident));
        write(&out.join(format!("{name}_operations.rs")), &operation_cases(&api, crate_ident));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
}

/// `[(name, check, sample), ...]` for every model that is (de)serialised whole.
fn model_cases(api: &Api, krate: &str) -> String {
    let mut text = String::from("[\n");
    for model in &api.models {
        // A generic is tested through its aliases, which give its parameters.
        if matches!(model, Model::Statuses(_)) || model.param_count() > 0 {
            continue;
        }
        let name = model.name();
        let sample = Samples { api, nulls: false }.named(name, &[], 0);
        let with_nulls = Samples { api, nulls: true }.named(name, &[], 0);
        for (label, sample) in [(name.to_owned(), &sample), (format!("{name} (nulls)"), &with_nulls)] {
            let _ = writeln!(
                text,
                "    ({label:?}, round_trip::<{krate}::models::{name}> as fn(&str) -> Result<(), String>, {json:?}),",
                json = sample.to_string(),
            );
        }
    }
    text.push(']');
    text
}

/// `OPERATIONS`, `[(operation id, success status, success body sample), ...]`, and
/// `call(client, i)`, which calls operation `i` with sample arguments.
fn operation_cases(api: &Api, krate: &str) -> String {
    let mut table = String::from("pub const OPERATIONS: &[(&str, u16, &str)] = &[\n");
    let mut arms = String::new();
    for (i, op) in api.operations.iter().enumerate() {
        let samples = Samples { api, nulls: false };
        let mut args = Vec::new();
        for p in &op.params {
            args.push(param_arg(&samples, p));
        }
        if let Some(body) = &op.body {
            let arg = match &body.kind {
                BodyKind::Json | BodyKind::Form => {
                    let sample = samples.of(&body.ty, 0).to_string();
                    format!("&serde_json::from_str({sample:?}).expect(\"a sample body\")")
                }
                BodyKind::Text => "\"text\"".to_owned(),
                BodyKind::Multipart => format!("{krate}::runtime::Multipart::new()"),
                BodyKind::Bytes(_) => "vec![1, 2, 3]".to_owned(),
            };
            args.push(if body.required { arg } else { format!("Some({arg})") });
        }
        let success = match (&op.success.ty, &op.success.kind) {
            (Some(ty), BodyKind::Json) => samples.of(ty, 0).to_string(),
            _ => String::new(),
        };
        let status = op.success.with_body.first().or(op.success.without_body.first()).copied().unwrap_or(200);
        let _ = writeln!(table, "    ({:?}, {status}, {success:?}),", op.wire);
        let _ = writeln!(
            arms,
            "        {i} => client.{method}({args}).await.map(|_| ()).map_err(|e| e.to_string()),",
            method = op.rust,
            args = args.join(", "),
        );
    }
    table.push_str("];\n");
    format!(
        "{table}\n/// Calls operation `index` of [`OPERATIONS`] with sample arguments.\n\
         pub async fn call(client: &{krate}::Client, index: usize) -> Result<(), String> {{\n    match index {{\n{arms}        _ => Err(format!(\"no operation {{index}}\")),\n    }}\n}}\n"
    )
}

/// A sample argument for `p`, of the type the generated method takes.
fn param_arg(samples: &Samples<'_>, p: &Param) -> String {
    let arg = match &p.ty {
        Type::String => "\"x\"".to_owned(),
        Type::Integer(_) => "1".to_owned(),
        Type::Number(_) => "1.5".to_owned(),
        Type::Boolean => "true".to_owned(),
        other => {
            let sample = samples.of(other, 0).to_string();
            format!("&serde_json::from_str({sample:?}).expect(\"a sample argument\")")
        }
    };
    if p.required { arg } else { "None".to_owned() }
}

/// Sample JSON for IR types: every property set, so decoding then encoding must give
/// the same document back.
struct Samples<'a> {
    api: &'a Api,
    /// Three-state and nullable properties are `null` (else a value).
    nulls: bool,
}

/// How deep samples go; below it optional properties are left out and arrays empty, so
/// recursive types end.
const MAX_DEPTH: usize = 4;

impl Samples<'_> {
    fn of(&self, ty: &Type, depth: usize) -> Value {
        match ty {
            Type::String => json!("text"),
            Type::Integer(IntWidth::I32) => json!(-7),
            Type::Integer(IntWidth::I64) => json!(1_234_567_890_123_i64),
            Type::IntString(IntWidth::I32) => json!("-7"),
            Type::IntString(IntWidth::I64) => json!("9007199254740993"),
            Type::Number(FloatWidth::F32) => json!(1.5),
            Type::Number(FloatWidth::F64) => json!(2.25),
            Type::Boolean => json!(true),
            Type::DateTime => json!("2026-12-01T10:20:30Z"),
            Type::Date => json!("2026-12-01"),
            Type::Json => json!({"any": [1, "two", null]}),
            Type::Bytes => json!([1, 2, 3]),
            Type::Array(item) if depth >= MAX_DEPTH => {
                let _ = item;
                json!([])
            }
            Type::Array(item) => json!([self.of(item, depth + 1)]),
            Type::Map(value) => json!({"key": self.of(value, depth + 1)}),
            Type::Nullable(_) if self.nulls => Value::Null,
            Type::Nullable(inner) => self.of(inner, depth),
            Type::Named(name) => self.named(name, &[], depth),
            Type::Generic(name, args) => self.named(name, args, depth),
            // Only inside a generic's own fields, which `named` substitutes first.
            Type::Param(_) => Value::Null,
        }
    }

    /// A sample of model `name`, a generic one with `args` for its type parameters.
    fn named(&self, name: &str, args: &[Type], depth: usize) -> Value {
        // Required properties that recurse have no end; `null` there fails the case,
        // which says so.
        if depth > 4 * MAX_DEPTH {
            return Value::Null;
        }
        let Some(model) = self.api.models.iter().find(|m| m.name() == name) else {
            return Value::Null;
        };
        let mut model = model.clone();
        if !args.is_empty() {
            model.for_each_type_mut(&mut |ty| *ty = ty.substitute(args));
        }
        match &model {
            Model::Struct(s) => {
                let mut object = Map::new();
                for f in &s.fields {
                    if !f.required && depth >= MAX_DEPTH {
                        continue;
                    }
                    let value = if f.nullable && self.nulls { Value::Null } else { self.of(&f.ty, depth + 1) };
                    object.insert(f.wire.clone(), value);
                }
                if let Some(value) = &s.additional {
                    object.insert("extraProperty".to_owned(), self.of(value, depth + 1));
                }
                Value::Object(object)
            }
            Model::Enum(e) => match (e.kind, e.variants.first()) {
                (EnumKind::String, Some(v)) => json!(v.wire),
                (EnumKind::Integer, Some(v)) => v.wire.parse::<i64>().map_or(Value::Null, |n| json!(n)),
                (EnumKind::String, None) => json!("unlisted"),
                (EnumKind::Integer, None) => json!(0),
            },
            Model::Alias(a) => self.of(&a.ty, depth),
            Model::Union(u) => match &u.discriminator {
                Some(d) => match d.values.first() {
                    Some((tag, index)) => {
                        let mut value = self.of(&u.variants[*index].ty, depth);
                        if let Value::Object(object) = &mut value {
                            object.insert(d.property.clone(), json!(tag));
                        }
                        value
                    }
                    None => Value::Null,
                },
                None => u.variants.first().map_or(Value::Null, |v| self.of(&v.ty, depth)),
            },
            Model::Statuses(_) => Value::Null,
        }
    }
}
