//! `extensions get` and `extensions set`: the values file, the overlay on the current
//! extensions, the masked diff.
//!
//! Encrypted values (fields with `usesEncryption`) are never printed, logged or
//! audited: every display goes through [`MASK`], and the audit log gets field names only.

use std::collections::BTreeMap;
use std::path::Path;

use boomi_platform::models::{
    Connection, Connections, EnvironmentExtensions, Field, Operation, Operations,
    OverrideProcessProperties, OverrideProcessProperty, Properties, Property,
};
use boomi_platform::runtime::CallOptions;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Report;
use crate::cli::ExtensionsSetArgs;
use crate::context::{Change, Ctx, ids};
use crate::error::{Failure, Outcome};
use crate::lookup::{self, Env};

/// What is printed in place of an encrypted value.
pub const MASK: &str = "********";

/// The help of `extensions set`: the values file format.
pub const VALUES_HELP: &str = "\
Reads the current extensions, overlays the values of the file, prints a diff (encrypted
values masked) and sends the complete set: every value the file does not mention is
sent back as it is, and encrypted values the server keeps are left alone. --partial
sends only what changed (a partial update). Nothing is sent when nothing changes, or
when the file names a connection, operation, field, process property or property the
environment does not have.

Values file (YAML or JSON); every section is optional:

  connections:                      # connection id or name
    Orders DB:
      url: jdbc:postgresql://test-db:5432/orders       # field id: value
      password: { env: ORDERS_DB_PASSWORD }             # read from an environment variable
  operations:                       # operation id or name, same shape
    Fetch orders:
      batchSize: 200
  processProperties:                # process property component id or name
    Order settings:
      region: eu-west                # property key or label: value
  properties:                       # process-level properties by name
    retries: \"3\"

A value of null (~) leaves a field as it is, and so does the mask ******** on an encrypted
field: the output of `extensions get` can be edited and fed back. An encrypted field
(usesEncryption) is sent only when the server has no value for it yet, or with
--update-secrets (the server never returns encrypted values, so they cannot
be compared); the diff shows it as \"(encrypted, changed)\".

Examples:
  boomi-deploy extensions set --env TEST --file test-values.yaml --dry-run
  ORDERS_DB_PASSWORD=... boomi-deploy extensions set --env PROD --file prod-values.yaml";

/// One value in a values file: text, a number or boolean (sent as text), or
/// `{ env: NAME }` for a value read from an environment variable.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileValue {
    /// `null` or `~`: leave the value as it is (what `extensions get` prints for an
    /// encrypted field without a value).
    Keep,
    /// Text.
    Text(String),
    /// A boolean, sent as `true`/`false`.
    Bool(bool),
    /// A number, sent as written.
    Number(serde_json::Number),
    /// Read from an environment variable when the file is loaded.
    Env {
        /// The variable name.
        env: String,
    },
}

impl FileValue {
    /// The value to set; `None` to leave it as it is.
    fn resolve(&self, place: &str) -> Outcome<Option<String>> {
        Ok(Some(match self {
            FileValue::Keep => return Ok(None),
            FileValue::Text(text) => text.clone(),
            FileValue::Bool(b) => b.to_string(),
            FileValue::Number(n) => n.to_string(),
            FileValue::Env { env } => std::env::var(env).map_err(|_| {
                Failure::Usage(format!(
                    "{place}: the environment variable {env} is not set"
                ))
            })?,
        }))
    }
}

/// A values file (also the `extensions` of a release file environment).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Values {
    /// Connection (id or name) → field id → value.
    #[serde(default)]
    pub connections: BTreeMap<String, BTreeMap<String, FileValue>>,
    /// Operation (id or name) → field id → value.
    #[serde(default)]
    pub operations: BTreeMap<String, BTreeMap<String, FileValue>>,
    /// Process property component (id or name) → key or label → value.
    #[serde(default)]
    pub process_properties: BTreeMap<String, BTreeMap<String, FileValue>>,
    /// Property name → value.
    #[serde(default)]
    pub properties: BTreeMap<String, FileValue>,
}

impl Values {
    /// Whether the file sets nothing.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
            && self.operations.is_empty()
            && self.process_properties.is_empty()
            && self.properties.is_empty()
    }
}

/// Reads a YAML or JSON file (JSON is YAML) into `T`, with the file name in errors.
pub fn read_file<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Outcome<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read the {what} {}: {e}", path.display())))?;
    serde_yaml::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: not a valid {what}: {e}", path.display())))
}

/// One line of the diff; `old`/`new` are already masked when secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// `connections.<name>.<field>` and the like.
    pub path: String,
    /// What is there now, for display.
    pub old: String,
    /// What will be there, for display.
    pub new: String,
    /// Whether the value is encrypted.
    pub secret: bool,
}

impl std::fmt::Display for DiffLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "~ {}: {}", self.path, self.new)
        } else {
            write!(f, "~ {}: {} -> {}", self.path, self.old, self.new)
        }
    }
}

/// The result of overlaying a values file on the current extensions.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// Every change, in file order (sections, then names, sorted).
    pub diff: Vec<DiffLine>,
    /// Encrypted fields left alone because the server has a value and
    /// `--update-secrets` was not given.
    pub kept_secrets: Vec<String>,
    /// The complete set to send (`partial: false`).
    pub full: EnvironmentExtensions,
    /// Only the changed items (`partial: true`).
    pub partial: EnvironmentExtensions,
}

/// Connections and operations have the same shape but are different types.
trait FieldOwner: Clone {
    fn id(&self) -> Option<&str>;
    fn name(&self) -> Option<&str>;
    fn fields(&mut self) -> &mut Option<Vec<Field>>;
}

impl FieldOwner for Connection {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn fields(&mut self) -> &mut Option<Vec<Field>> {
        &mut self.field
    }
}

impl FieldOwner for Operation {
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn fields(&mut self) -> &mut Option<Vec<Field>> {
        &mut self.field
    }
}

/// The index of the item whose id, or else whose unique name, is `key`.
fn find_item<'a>(
    section: &str,
    key: &str,
    items: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)> + Clone,
) -> Result<usize, String> {
    if let Some(i) = items.clone().position(|(id, _)| id == Some(key)) {
        return Ok(i);
    }
    let by_name: Vec<usize> = items
        .clone()
        .enumerate()
        .filter(|(_, (_, name))| *name == Some(key))
        .map(|(i, _)| i)
        .collect();
    match by_name.as_slice() {
        [i] => Ok(*i),
        [] => {
            let known: Vec<String> = items
                .map(|(id, name)| format!("{} ({})", name.unwrap_or("?"), id.unwrap_or("?")))
                .collect();
            Err(format!(
                "{section}: the environment has no `{key}` (it has: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        }
        _ => Err(format!(
            "{section}: more than one is named `{key}`; use its id"
        )),
    }
}

/// How a plain value is shown in the diff.
fn shown(value: Option<&str>, use_default: Option<bool>) -> String {
    match (value, use_default) {
        (_, Some(true)) => "(default)".to_owned(),
        (Some(v), _) => format!("{v:?}"),
        (None, _) => "(unset)".to_owned(),
    }
}

struct Overlayer {
    update_secrets: bool,
    diff: Vec<DiffLine>,
    kept: Vec<String>,
    errors: Vec<String>,
}

impl Overlayer {
    /// Applies one field value; returns whether it changed.
    fn field(&mut self, path: String, field: &mut Field, wanted: &str) -> bool {
        if field.uses_encryption == Some(true) {
            // The mask `extensions get` prints, fed back: never a new password.
            if wanted == MASK {
                return false;
            }
            if field.encrypted_value_set == Some(true) && !self.update_secrets {
                self.kept.push(path);
                return false;
            }
            field.value = Some(wanted.to_owned());
            field.use_default = Some(false);
            self.diff.push(DiffLine {
                path,
                old: MASK.into(),
                new: "(encrypted, changed)".into(),
                secret: true,
            });
            return true;
        }
        if field.value.as_deref() == Some(wanted) && field.use_default != Some(true) {
            return false;
        }
        let old = shown(field.value.as_deref(), field.use_default);
        field.value = Some(wanted.to_owned());
        field.use_default = Some(false);
        self.diff.push(DiffLine {
            path,
            old,
            new: format!("{wanted:?}"),
            secret: false,
        });
        true
    }

    /// Overlays `wanted` (item → field → value) on `items`; returns the changed items
    /// with only their changed fields.
    fn section<T: FieldOwner>(
        &mut self,
        section: &str,
        items: &mut [T],
        wanted: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Vec<T> {
        let mut changed = Vec::new();
        for (key, fields) in wanted {
            let index = match find_item(section, key, items.iter().map(|c| (c.id(), c.name()))) {
                Ok(i) => i,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            let item = &mut items[index];
            let label = item.name().or(item.id()).unwrap_or(key).to_owned();
            let mut changed_fields = Vec::new();
            let list = item.fields().get_or_insert_with(Vec::new);
            for (field_id, value) in fields {
                match list
                    .iter_mut()
                    .find(|f| f.id.as_deref() == Some(field_id.as_str()))
                {
                    Some(field) => {
                        if self.field(format!("{section}.{label}.{field_id}"), field, value) {
                            changed_fields.push(field.clone());
                        }
                    }
                    None => {
                        let known: Vec<&str> =
                            list.iter().filter_map(|f| f.id.as_deref()).collect();
                        self.errors.push(format!(
                            "{section}.{label}: no field `{field_id}` (it has: {})",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ));
                    }
                }
            }
            if !changed_fields.is_empty() {
                let mut only = item.clone();
                *only.fields() = Some(changed_fields);
                changed.push(only);
            }
        }
        changed
    }
}

/// Resolves `{ env: NAME }` values; all problems reported together.
fn resolve_section(
    section: &str,
    values: &BTreeMap<String, BTreeMap<String, FileValue>>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (item, fields) in values {
        let mut resolved = BTreeMap::new();
        for (field, value) in fields {
            match value.resolve(&format!("{section}.{item}.{field}")) {
                Ok(Some(v)) => {
                    resolved.insert(field.clone(), v);
                }
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        out.insert(item.clone(), resolved);
    }
    out
}

/// Overlays `values` on `current`. Fails, naming every problem, when the file names
/// something the environment does not have.
pub fn overlay(
    current: &EnvironmentExtensions,
    env: &Env,
    values: &Values,
    update_secrets: bool,
) -> Outcome<Overlay> {
    let mut errors = Vec::new();
    let connections_wanted = resolve_section("connections", &values.connections, &mut errors);
    let operations_wanted = resolve_section("operations", &values.operations, &mut errors);
    let properties_wanted =
        resolve_section("processProperties", &values.process_properties, &mut errors);
    let mut plain_wanted = BTreeMap::new();
    for (name, value) in &values.properties {
        match value.resolve(&format!("properties.{name}")) {
            Ok(Some(v)) => {
                plain_wanted.insert(name.clone(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Usage(errors.join("\n")));
    }

    let mut full = current.clone();
    full.id = Some(current.id.clone().unwrap_or_else(|| env.id.clone()));
    full.environment_id = Some(
        current
            .environment_id
            .clone()
            .unwrap_or_else(|| env.id.clone()),
    );
    full.partial = Some(false);
    let mut partial = EnvironmentExtensions {
        id: full.id.clone(),
        environment_id: full.environment_id.clone(),
        extension_group_id: current.extension_group_id.clone(),
        partial: Some(true),
        ..Default::default()
    };
    let mut o = Overlayer {
        update_secrets,
        diff: Vec::new(),
        kept: Vec::new(),
        errors: Vec::new(),
    };

    if !connections_wanted.is_empty() {
        let list = full
            .connections
            .get_or_insert_with(Connections::default)
            .connection
            .get_or_insert_with(Vec::new);
        let changed = o.section("connections", list, &connections_wanted);
        if !changed.is_empty() {
            partial.connections = Some(Connections {
                connection: Some(changed),
            });
        }
    }
    if !operations_wanted.is_empty() {
        let list = full
            .operations
            .get_or_insert_with(Operations::default)
            .operation
            .get_or_insert_with(Vec::new);
        let changed = o.section("operations", list, &operations_wanted);
        if !changed.is_empty() {
            partial.operations = Some(Operations {
                operation: Some(changed),
            });
        }
    }
    if !properties_wanted.is_empty() {
        let list = full
            .process_properties
            .get_or_insert_with(OverrideProcessProperties::default)
            .process_property
            .get_or_insert_with(Vec::new);
        let changed = process_properties(&mut o, list, &properties_wanted);
        if !changed.is_empty() {
            partial.process_properties = Some(OverrideProcessProperties {
                process_property: Some(changed),
            });
        }
    }
    if !plain_wanted.is_empty() {
        let list = full
            .properties
            .get_or_insert_with(Properties::default)
            .property
            .get_or_insert_with(Vec::new);
        let mut changed = Vec::new();
        for (name, value) in &plain_wanted {
            match list.iter_mut().find(|p| &p.name == name) {
                Some(p) if &p.value == value => {}
                Some(p) => {
                    o.diff.push(DiffLine {
                        path: format!("properties.{name}"),
                        old: format!("{:?}", p.value),
                        new: format!("{value:?}"),
                        secret: false,
                    });
                    p.value = value.clone();
                    changed.push(p.clone());
                }
                None => {
                    let known: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
                    o.errors.push(format!(
                        "properties: the environment has no property `{name}` (it has: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
        }
        if !changed.is_empty() {
            partial.properties = Some(Properties {
                property: Some(changed),
            });
        }
    }
    if !o.errors.is_empty() {
        return Err(Failure::Usage(format!(
            "the values do not fit the extensions of {env}; nothing was sent:\n{}",
            o.errors.join("\n")
        )));
    }
    Ok(Overlay {
        diff: o.diff,
        kept_secrets: o.kept,
        full,
        partial,
    })
}

/// Process property components are sent whole, even in a partial update.
fn process_properties(
    o: &mut Overlayer,
    list: &mut [OverrideProcessProperty],
    wanted: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<OverrideProcessProperty> {
    let mut changed = Vec::new();
    for (key, values) in wanted {
        let index = match find_item(
            "processProperties",
            key,
            list.iter().map(|p| (p.id.as_deref(), p.name.as_deref())),
        ) {
            Ok(i) => i,
            Err(e) => {
                o.errors.push(e);
                continue;
            }
        };
        let component = &mut list[index];
        let label = component
            .name
            .clone()
            .or(component.id.clone())
            .unwrap_or_else(|| key.clone());
        let entries = component
            .process_property_value
            .get_or_insert_with(Vec::new);
        let mut any = false;
        for (name, wanted_value) in values {
            let position = entries
                .iter()
                .position(|v| v.key.as_deref() == Some(name.as_str()))
                .or_else(|| {
                    entries
                        .iter()
                        .position(|v| v.label.as_deref() == Some(name.as_str()))
                });
            match position {
                Some(i) => any |= property_value(o, &label, name, &mut entries[i], wanted_value),
                None => {
                    let known: Vec<&str> = entries
                        .iter()
                        .filter_map(|v| v.key.as_deref().or(v.label.as_deref()))
                        .collect();
                    o.errors.push(format!(
                        "processProperties.{label}: no property with key or label `{name}` (it has: {})",
                        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                    ));
                }
            }
        }
        if any {
            changed.push(component.clone());
        }
    }
    changed
}

fn property_value(
    o: &mut Overlayer,
    label: &str,
    name: &str,
    entry: &mut boomi_platform::models::ProcessPropertyValue,
    wanted: &str,
) -> bool {
    let path = format!("processProperties.{label}.{name}");
    if entry.uses_encryption == Some(true) {
        if wanted == MASK {
            return false;
        }
        if entry.encrypted_value_set == Some(true) && !o.update_secrets {
            o.kept.push(path);
            return false;
        }
        entry.value = Some(wanted.to_owned());
        entry.use_default = Some(false);
        o.diff.push(DiffLine {
            path,
            old: MASK.into(),
            new: "(encrypted, changed)".into(),
            secret: true,
        });
        return true;
    }
    if entry.value.as_deref() == Some(wanted) && entry.use_default != Some(true) {
        return false;
    }
    let old = shown(entry.value.as_deref(), entry.use_default);
    entry.value = Some(wanted.to_owned());
    entry.use_default = Some(false);
    o.diff.push(DiffLine {
        path,
        old,
        new: format!("{wanted:?}"),
        secret: false,
    });
    true
}

/// A copy of `ext` with every encrypted value replaced by [`MASK`], for display.
pub fn masked(ext: &EnvironmentExtensions) -> EnvironmentExtensions {
    let mut copy = ext.clone();
    let mask_fields = |fields: &mut Option<Vec<Field>>| {
        for field in fields.iter_mut().flatten() {
            if field.uses_encryption == Some(true) && field.value.is_some() {
                field.value = Some(MASK.into());
            }
            if let Some(props) = field
                .custom_properties
                .as_mut()
                .and_then(|c| c.properties.as_mut())
            {
                for p in props.iter_mut().filter(|p| p.encrypted == Some(true)) {
                    if p.value.is_some() {
                        p.value = Some(MASK.into());
                    }
                }
            }
        }
    };
    for c in copy
        .connections
        .iter_mut()
        .flat_map(|c| c.connection.iter_mut().flatten())
    {
        mask_fields(&mut c.field);
    }
    for c in copy
        .operations
        .iter_mut()
        .flat_map(|c| c.operation.iter_mut().flatten())
    {
        mask_fields(&mut c.field);
    }
    for c in copy
        .shared_communications
        .iter_mut()
        .flat_map(|c| c.shared_communication.iter_mut().flatten())
    {
        mask_fields(&mut c.field);
    }
    for t in copy
        .trading_partners
        .iter_mut()
        .flat_map(|t| t.trading_partner.iter_mut().flatten())
    {
        for cat in t.category.iter_mut().flatten() {
            mask_fields(&mut cat.field);
        }
    }
    for p in copy
        .process_properties
        .iter_mut()
        .flat_map(|p| p.process_property.iter_mut().flatten())
    {
        for v in p.process_property_value.iter_mut().flatten() {
            if v.uses_encryption == Some(true) && v.value.is_some() {
                v.value = Some(MASK.into());
            }
        }
    }
    for cert in copy
        .pgp_certificates
        .iter_mut()
        .flat_map(|p| p.pgp_certificate.iter_mut().flatten())
    {
        if cert.value.is_some() {
            cert.value = Some(MASK.into());
        }
    }
    copy
}

/// The current extensions in the values-file shape, encrypted values masked.
pub fn as_values(ext: &EnvironmentExtensions) -> Value {
    fn field_map(fields: &Option<Vec<Field>>) -> Value {
        let mut out = serde_json::Map::new();
        for f in fields.iter().flatten() {
            let value = if f.uses_encryption == Some(true) {
                if f.encrypted_value_set == Some(true) || f.value.is_some() {
                    json!(MASK)
                } else {
                    Value::Null
                }
            } else {
                json!(f.value.clone().unwrap_or_default())
            };
            out.insert(f.id.clone().unwrap_or_default(), value);
        }
        Value::Object(out)
    }
    fn key(id: &Option<String>, name: &Option<String>, all_names: &[Option<String>]) -> String {
        match name {
            Some(n) if all_names.iter().filter(|m| m.as_ref() == Some(n)).count() == 1 => n.clone(),
            _ => id.clone().unwrap_or_default(),
        }
    }
    let mut root = serde_json::Map::new();
    let connections: Vec<&Connection> = ext
        .connections
        .iter()
        .flat_map(|c| c.connection.iter().flatten())
        .collect();
    if !connections.is_empty() {
        let names: Vec<Option<String>> = connections.iter().map(|c| c.name.clone()).collect();
        let map: serde_json::Map<String, Value> = connections
            .iter()
            .map(|c| (key(&c.id, &c.name, &names), field_map(&c.field)))
            .collect();
        root.insert("connections".into(), Value::Object(map));
    }
    let operations: Vec<&Operation> = ext
        .operations
        .iter()
        .flat_map(|c| c.operation.iter().flatten())
        .collect();
    if !operations.is_empty() {
        let names: Vec<Option<String>> = operations.iter().map(|c| c.name.clone()).collect();
        let map: serde_json::Map<String, Value> = operations
            .iter()
            .map(|c| (key(&c.id, &c.name, &names), field_map(&c.field)))
            .collect();
        root.insert("operations".into(), Value::Object(map));
    }
    let components: Vec<&OverrideProcessProperty> = ext
        .process_properties
        .iter()
        .flat_map(|p| p.process_property.iter().flatten())
        .collect();
    if !components.is_empty() {
        let names: Vec<Option<String>> = components.iter().map(|c| c.name.clone()).collect();
        let mut map = serde_json::Map::new();
        for c in components {
            let mut values = serde_json::Map::new();
            for v in c.process_property_value.iter().flatten() {
                let shown = if v.uses_encryption == Some(true) {
                    if v.encrypted_value_set == Some(true) || v.value.is_some() {
                        json!(MASK)
                    } else {
                        Value::Null
                    }
                } else {
                    json!(v.value.clone().unwrap_or_default())
                };
                values.insert(v.key.clone().or(v.label.clone()).unwrap_or_default(), shown);
            }
            map.insert(key(&c.id, &c.name, &names), Value::Object(values));
        }
        root.insert("processProperties".into(), Value::Object(map));
    }
    let properties: Vec<&Property> = ext
        .properties
        .iter()
        .flat_map(|p| p.property.iter().flatten())
        .collect();
    if !properties.is_empty() {
        let map: serde_json::Map<String, Value> = properties
            .iter()
            .map(|p| (p.name.clone(), json!(p.value)))
            .collect();
        root.insert("properties".into(), Value::Object(map));
    }
    Value::Object(root)
}

/// Reads the extensions of `env`.
pub async fn current(ctx: &Ctx, env: &Env) -> Outcome<EnvironmentExtensions> {
    ctx.progress(&format!("Reading the extensions of {env}"));
    ctx.read(
        &format!("reading the extensions of {env}"),
        ctx.client.get_environment_extensions(&env.id),
    )
    .await
}

/// `extensions get`.
pub async fn get(ctx: &Ctx, env_name: &str) -> Outcome<Report> {
    let env = lookup::environment(ctx, env_name).await?;
    let ext = current(ctx, &env).await?;
    let values = as_values(&masked(&ext));
    let text = if values.as_object().is_some_and(|o| o.is_empty()) {
        format!("# {env} has no extensions")
    } else {
        format!(
            "# extensions of {env}; encrypted values masked\n{}",
            serde_yaml::to_string(&values)
                .unwrap_or_default()
                .trim_end()
        )
    };
    Ok(Report::new(
        text,
        json!({"environmentId": env.id, "environment": env.name, "extensions": values}),
    ))
}

/// What [`apply`] did.
#[derive(Debug, Clone)]
pub struct SetOutcome {
    /// The changes (masked).
    pub diff: Vec<DiffLine>,
    /// Encrypted fields left alone.
    pub kept_secrets: Vec<String>,
    /// `unchanged`, `updated` or `would update`.
    pub action: &'static str,
}

/// Overlays `values` on the extensions of `env` and sends the result unless nothing
/// changes.
pub async fn apply(
    ctx: &Ctx,
    env: &Env,
    values: &Values,
    partial: bool,
    update_secrets: bool,
) -> Outcome<SetOutcome> {
    let ext = current(ctx, env).await?;
    let overlay = overlay(&ext, env, values, update_secrets)?;
    if overlay.diff.is_empty() {
        return Ok(SetOutcome {
            diff: overlay.diff,
            kept_secrets: overlay.kept_secrets,
            action: "unchanged",
        });
    }
    let body = if partial {
        &overlay.partial
    } else {
        &overlay.full
    };
    ctx.progress(&format!(
        "Updating {} extension value(s) of {env}",
        overlay.diff.len()
    ));
    let id = body.id.clone().unwrap_or_else(|| env.id.clone());
    let change = Change {
        action: if partial {
            "update-extensions-partial"
        } else {
            "update-extensions"
        },
        object: "EnvironmentExtensions",
        method: "POST",
        path: format!("/EnvironmentExtensions/{id}"),
        shown_body: serde_json::to_value(masked(body)).unwrap_or(Value::Null),
        ids: ids([("environmentId", env.id.as_str())]),
        // Names only: values (and so secrets) never reach the audit log.
        details: Some(
            json!({"changed": overlay.diff.iter().map(|d| d.path.clone()).collect::<Vec<_>>()}),
        ),
    };
    let sent = ctx
        .change(
            change,
            // The update sets the values it carries, so sending it twice leaves the
            // same state as once: a dropped connection may be retried.
            ctx.client
                .with(CallOptions::new().idempotent(true))
                .update_environment_extensions(&id, body),
            |_| Vec::new(),
        )
        .await?;
    Ok(SetOutcome {
        diff: overlay.diff,
        kept_secrets: overlay.kept_secrets,
        action: if sent.is_some() {
            "updated"
        } else {
            "would update"
        },
    })
}

/// The diff as text lines.
pub fn diff_text(env: &Env, outcome: &SetOutcome) -> String {
    let mut lines = Vec::new();
    for d in &outcome.diff {
        lines.push(d.to_string());
    }
    for k in &outcome.kept_secrets {
        lines.push(format!(
            "= {k}: (encrypted, already set; kept; --update-secrets replaces it)"
        ));
    }
    lines.push(match outcome.action {
        "unchanged" => format!("extensions of {env}: nothing to change"),
        action => format!(
            "extensions of {env}: {} value(s) {action}",
            outcome.diff.len()
        ),
    });
    lines.join("\n")
}

/// The diff as JSON.
pub fn diff_json(outcome: &SetOutcome) -> Value {
    json!({
        "action": outcome.action,
        "changes": outcome.diff.iter().map(|d| if d.secret {
            json!({"path": d.path, "encrypted": true})
        } else {
            json!({"path": d.path, "old": d.old, "new": d.new})
        }).collect::<Vec<_>>(),
        "keptSecrets": outcome.kept_secrets,
    })
}

/// `extensions set`.
pub async fn set(ctx: &Ctx, args: &ExtensionsSetArgs) -> Outcome<Report> {
    let values: Values = read_file(&args.file, "values file")?;
    let env = lookup::environment(ctx, &args.env).await?;
    let outcome = apply(ctx, &env, &values, args.partial, args.update_secrets).await?;
    let mut json = diff_json(&outcome);
    json["environmentId"] = json!(env.id);
    json["environment"] = json!(env.name);
    Ok(Report::new(diff_text(&env, &outcome), json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            id: "env-1".into(),
            name: "TEST".into(),
        }
    }

    fn current() -> EnvironmentExtensions {
        let field = |id: &str, value: Option<&str>, secret: bool| Field {
            id: Some(id.into()),
            value: value.map(Into::into),
            use_default: Some(false),
            uses_encryption: Some(secret),
            encrypted_value_set: Some(secret),
            ..Default::default()
        };
        EnvironmentExtensions {
            id: Some("env-1".into()),
            environment_id: Some("env-1".into()),
            connections: Some(Connections {
                connection: Some(vec![Connection {
                    id: Some("conn-1".into()),
                    name: Some("Orders DB".into()),
                    field: Some(vec![
                        field("url", Some("old-url"), false),
                        field("user", Some("app"), false),
                        field("password", None, true),
                    ]),
                }]),
            }),
            properties: Some(Properties {
                property: Some(vec![Property {
                    name: "label".into(),
                    value: "TEST".into(),
                }]),
            }),
            ..Default::default()
        }
    }

    fn values(yaml: &str) -> Values {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn overlay_changes_only_what_the_file_names() {
        let o = overlay(
            &current(),
            &env(),
            &values("connections:\n  Orders DB:\n    url: new-url\n"),
            false,
        )
        .unwrap();
        assert_eq!(o.diff.len(), 1);
        assert_eq!(
            o.diff[0].to_string(),
            "~ connections.Orders DB.url: \"old-url\" -> \"new-url\""
        );
        let fields = o
            .full
            .connections
            .as_ref()
            .unwrap()
            .connection
            .as_ref()
            .unwrap()[0]
            .field
            .clone()
            .unwrap();
        assert_eq!(fields.len(), 3, "the complete set is sent");
        assert_eq!(fields[1].value.as_deref(), Some("app"));
        assert_eq!(
            fields[2].value, None,
            "the encrypted value is left out, so the server keeps it"
        );
        assert_eq!(o.full.partial, Some(false));
        let partial = o
            .partial
            .connections
            .as_ref()
            .unwrap()
            .connection
            .as_ref()
            .unwrap()[0]
            .field
            .clone()
            .unwrap();
        assert_eq!(
            partial.len(),
            1,
            "a partial update carries only the changed field"
        );
        assert_eq!(o.partial.partial, Some(true));
        assert!(o.partial.properties.is_none());
    }

    #[test]
    fn same_values_change_nothing() {
        let o = overlay(
            &current(),
            &env(),
            &values("connections:\n  conn-1:\n    url: old-url\nproperties:\n  label: TEST\n"),
            false,
        )
        .unwrap();
        assert!(o.diff.is_empty());
    }

    #[test]
    fn secrets_are_kept_unless_asked_and_never_shown() {
        let mut ext = current();
        let o = overlay(
            &ext,
            &env(),
            &values("connections:\n  Orders DB:\n    password: hunter2\n"),
            false,
        )
        .unwrap();
        assert!(o.diff.is_empty());
        assert_eq!(o.kept_secrets, ["connections.Orders DB.password"]);
        let o = overlay(
            &ext,
            &env(),
            &values("connections:\n  Orders DB:\n    password: hunter2\n"),
            true,
        )
        .unwrap();
        assert_eq!(
            o.diff[0].to_string(),
            "~ connections.Orders DB.password: (encrypted, changed)"
        );
        let shown = serde_json::to_string(&masked(&o.full)).unwrap();
        assert!(
            !shown.contains("hunter2") && shown.contains(MASK),
            "{shown}"
        );
        // The mask fed back is never a new password.
        let o = overlay(
            &ext,
            &env(),
            &values("connections:\n  Orders DB:\n    password: '********'\n    user: ~\n"),
            true,
        )
        .unwrap();
        assert!(o.diff.is_empty() && o.kept_secrets.is_empty());
        // No value yet: sent.
        ext.connections
            .as_mut()
            .unwrap()
            .connection
            .as_mut()
            .unwrap()[0]
            .field
            .as_mut()
            .unwrap()[2]
            .encrypted_value_set = Some(false);
        let o = overlay(
            &ext,
            &env(),
            &values("connections:\n  Orders DB:\n    password: hunter2\n"),
            false,
        )
        .unwrap();
        assert_eq!(o.diff.len(), 1);
        assert!(o.diff[0].secret);
    }

    #[test]
    fn unknown_names_are_all_reported() {
        let err = overlay(&current(), &env(), &values("connections:\n  Nope:\n    url: x\n  Orders DB:\n    port: 1\nproperties:\n  missing: x\n"), false)
            .unwrap_err()
            .to_string();
        for needle in [
            "`Nope`",
            "Orders DB (conn-1)",
            "no field `port` (it has: url, user, password)",
            "no property `missing`",
        ] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn get_prints_the_values_format_masked() {
        let mut ext = current();
        ext.connections
            .as_mut()
            .unwrap()
            .connection
            .as_mut()
            .unwrap()[0]
            .field
            .as_mut()
            .unwrap()[2]
            .value = Some("leaked?".into());
        let v = as_values(&masked(&ext));
        assert_eq!(v["connections"]["Orders DB"]["url"], "old-url");
        assert_eq!(v["connections"]["Orders DB"]["password"], MASK);
        assert_eq!(v["properties"]["label"], "TEST");
        assert!(!v.to_string().contains("leaked?"));
    }
}
