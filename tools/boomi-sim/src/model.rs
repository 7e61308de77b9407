//! The simulator's state: plain data, one type per Boomi object, in the order the
//! objects were made (every collection is a `Vec`, so answers never depend on hashing).
//! Each type renders itself in the JSON shape of the corrected spec, `@type` included.

use serde_json::{Map, Value, json};

/// One revision of a component (what ComponentMetadata describes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentRevision {
    pub component_id: String,
    pub version: i32,
    pub name: String,
    /// The component type, e.g. `process` or `connector-settings`.
    pub component_type: String,
    pub created_date: String,
    pub created_by: String,
    pub modified_date: String,
    pub modified_by: String,
    pub deleted: bool,
    /// Whether this is the latest revision of the component.
    pub current_version: bool,
    pub folder_id: String,
    pub folder_name: String,
}

/// A packaged component version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackagedComponent {
    pub package_id: String,
    pub package_version: String,
    pub component_id: String,
    pub component_version: i32,
    pub component_type: String,
    pub created_date: String,
    pub created_by: String,
    pub notes: Option<String>,
    pub branch_name: Option<String>,
    pub deleted: bool,
    pub shareable: bool,
}

/// A deployment of a packaged component to an environment. Deployments are never
/// removed: a newer deployment of the same component in the same environment, or an
/// undeploy (DELETE), only sets `active` to false, so the history stays queryable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedPackage {
    pub deployment_id: String,
    pub environment_id: String,
    pub package_id: String,
    pub package_version: String,
    pub component_id: String,
    pub component_version: i32,
    pub component_type: String,
    /// Counts the deployments of this component in this environment, from 1.
    pub version: i32,
    pub deployed_date: String,
    pub deployed_by: String,
    pub notes: Option<String>,
    pub active: bool,
    /// `RUNNING` or `PAUSED`.
    pub listener_status: String,
}

/// An environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub id: String,
    pub name: String,
    /// `PROD` or `TEST`.
    pub classification: String,
}

/// A runtime (Atom).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    pub id: String,
    pub name: String,
    /// `ONLINE`, `OFFLINE`, `WARNING` or `UNKNOWN`.
    pub status: String,
    /// `ATOM`, `MOLECULE` or `CLOUD`.
    pub atom_type: String,
    pub host_name: String,
    pub current_version: String,
    pub date_installed: String,
    pub created_by: String,
    pub purge_history_days: i32,
    pub purge_immediate: bool,
    pub force_restart_time: i64,
}

/// The attachment of a runtime to an environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub atom_id: String,
    pub environment_id: String,
}

/// The extension values of one environment, kept whole as JSON in the spec's shape
/// (every section, lists always as arrays), **including the values of encrypted
/// fields**, which the API never returns: tests read them here to check that a secret
/// survived an update.
#[derive(Clone, Debug, PartialEq)]
pub struct Extensions {
    pub id: String,
    pub environment_id: String,
    pub document: Value,
}

/// What the simulator holds for one extensible field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldState {
    /// The value, for encrypted fields the stored secret.
    pub value: Option<String>,
    pub use_default: bool,
    pub uses_encryption: bool,
}

impl FieldState {
    fn from_json(field: &Value) -> Self {
        Self {
            value: field.get("value").and_then(Value::as_str).map(str::to_owned),
            use_default: field.get("useDefault").and_then(Value::as_bool).unwrap_or(false),
            uses_encryption: field.get("usesEncryption").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

impl Extensions {
    /// A field of a connection (by the connection's id and the field's id).
    pub fn connection_field(&self, connection_id: &str, field_id: &str) -> Option<FieldState> {
        self.item_field("connections", "connection", connection_id, "field", "id", field_id)
    }

    /// A field of an operation.
    pub fn operation_field(&self, operation_id: &str, field_id: &str) -> Option<FieldState> {
        self.item_field("operations", "operation", operation_id, "field", "id", field_id)
    }

    /// A value of a process-property component (by the component's id and the key).
    pub fn process_property(&self, component_id: &str, key: &str) -> Option<FieldState> {
        self.item_field("processProperties", "ProcessProperty", component_id, "ProcessPropertyValue", "key", key)
    }

    /// The value of an entry of `properties`.
    pub fn property(&self, name: &str) -> Option<String> {
        self.document
            .pointer("/properties/property")?
            .as_array()?
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))?
            .get("value")?
            .as_str()
            .map(str::to_owned)
    }

    fn item_field(
        &self,
        section: &str,
        list: &str,
        item_id: &str,
        fields: &str,
        key: &str,
        field_key: &str,
    ) -> Option<FieldState> {
        let items = self.document.get(section)?.get(list)?.as_array()?;
        let item = items.iter().find(|i| i.get("id").and_then(Value::as_str) == Some(item_id))?;
        let field = item
            .get(fields)?
            .as_array()?
            .iter()
            .find(|f| f.get(key).and_then(Value::as_str) == Some(field_key))?;
        Some(FieldState::from_json(field))
    }
}

/// One schedule entry, cron-like strings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Schedule {
    pub minutes: String,
    pub hours: String,
    pub days_of_week: String,
    pub days_of_month: String,
    pub months: String,
    pub years: String,
}

/// The retry schedules of a process on a runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleRetry {
    pub schedule: Vec<Schedule>,
    pub max_retry: i32,
}

impl Default for ScheduleRetry {
    fn default() -> Self {
        Self { schedule: Vec::new(), max_retry: 5 }
    }
}

/// The schedules of one process on one runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSchedules {
    pub id: String,
    pub atom_id: String,
    pub process_id: String,
    pub schedule: Vec<Schedule>,
    pub retry: ScheduleRetry,
}

/// Whether the schedules of one process on one runtime are in effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleStatus {
    pub id: String,
    pub atom_id: String,
    pub process_id: String,
    pub enabled: bool,
}

/// One state change made through the API.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The Boomi object type, e.g. `DeployedPackage`.
    pub object: String,
    pub id: String,
    /// `create`, `update` or `delete`.
    pub action: String,
}

/// A snapshot of everything the simulator holds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct State {
    /// Every revision of every component, oldest first.
    pub components: Vec<ComponentRevision>,
    pub packages: Vec<PackagedComponent>,
    pub deployments: Vec<DeployedPackage>,
    pub environments: Vec<Environment>,
    pub atoms: Vec<Atom>,
    pub attachments: Vec<Attachment>,
    pub extensions: Vec<Extensions>,
    pub schedules: Vec<ProcessSchedules>,
    pub schedule_statuses: Vec<ScheduleStatus>,
}

impl State {
    /// The latest revision of a component.
    pub fn current_component(&self, component_id: &str) -> Option<&ComponentRevision> {
        self.components
            .iter()
            .filter(|c| c.component_id == component_id)
            .max_by_key(|c| c.version)
    }

    /// The active deployments in an environment.
    pub fn active_deployments(&self, environment_id: &str) -> Vec<&DeployedPackage> {
        self.deployments.iter().filter(|d| d.active && d.environment_id == environment_id).collect()
    }

    /// The extensions of an environment.
    pub fn extensions_of(&self, environment_id: &str) -> Option<&Extensions> {
        self.extensions.iter().find(|e| e.environment_id == environment_id)
    }
}

fn object(type_name: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("@type".to_owned(), Value::from(type_name));
    map
}

fn put(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_owned(), value.into());
}

fn put_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        put(map, key, value.as_str());
    }
}

impl ComponentRevision {
    pub(crate) fn to_json(&self) -> Value {
        let mut m = object("ComponentMetadata");
        put(&mut m, "componentId", self.component_id.as_str());
        put(&mut m, "version", self.version);
        put(&mut m, "name", self.name.as_str());
        put(&mut m, "type", self.component_type.as_str());
        put(&mut m, "createdDate", self.created_date.as_str());
        put(&mut m, "createdBy", self.created_by.as_str());
        put(&mut m, "modifiedDate", self.modified_date.as_str());
        put(&mut m, "modifiedBy", self.modified_by.as_str());
        put(&mut m, "deleted", self.deleted);
        put(&mut m, "currentVersion", self.current_version);
        put(&mut m, "folderId", self.folder_id.as_str());
        put(&mut m, "folderName", self.folder_name.as_str());
        Value::Object(m)
    }

    pub(crate) fn to_process_json(&self) -> Value {
        let mut m = object("Process");
        put(&mut m, "id", self.component_id.as_str());
        put(&mut m, "name", self.name.as_str());
        Value::Object(m)
    }
}

impl PackagedComponent {
    pub(crate) fn to_json(&self) -> Value {
        let mut m = object("PackagedComponent");
        put(&mut m, "packageId", self.package_id.as_str());
        put(&mut m, "packageVersion", self.package_version.as_str());
        put(&mut m, "componentId", self.component_id.as_str());
        put(&mut m, "componentVersion", self.component_version);
        put(&mut m, "componentType", self.component_type.as_str());
        put(&mut m, "createdDate", self.created_date.as_str());
        put(&mut m, "createdBy", self.created_by.as_str());
        put_opt(&mut m, "notes", &self.notes);
        put_opt(&mut m, "branchName", &self.branch_name);
        put(&mut m, "deleted", self.deleted);
        put(&mut m, "shareable", self.shareable);
        Value::Object(m)
    }
}

impl DeployedPackage {
    pub(crate) fn to_json(&self) -> Value {
        let mut m = object("DeployedPackage");
        put(&mut m, "deploymentId", self.deployment_id.as_str());
        put(&mut m, "version", self.version);
        put(&mut m, "packageId", self.package_id.as_str());
        put(&mut m, "packageVersion", self.package_version.as_str());
        put(&mut m, "environmentId", self.environment_id.as_str());
        put(&mut m, "componentId", self.component_id.as_str());
        put(&mut m, "componentVersion", self.component_version);
        put(&mut m, "componentType", self.component_type.as_str());
        put(&mut m, "deployedDate", self.deployed_date.as_str());
        put(&mut m, "deployedBy", self.deployed_by.as_str());
        put_opt(&mut m, "notes", &self.notes);
        put(&mut m, "active", self.active);
        put(&mut m, "listenerStatus", self.listener_status.as_str());
        Value::Object(m)
    }
}

impl Environment {
    pub(crate) fn to_json(&self) -> Value {
        json!({"@type": "Environment", "id": self.id, "name": self.name, "classification": self.classification})
    }
}

impl Atom {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "@type": "Atom",
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "type": self.atom_type,
            "hostName": self.host_name,
            "currentVersion": self.current_version,
            "dateInstalled": self.date_installed,
            "createdBy": self.created_by,
            "purgeHistoryDays": self.purge_history_days,
            "purgeImmediate": self.purge_immediate,
            "forceRestartTime": self.force_restart_time,
            "isCloudAttachment": false,
        })
    }
}

impl Attachment {
    pub(crate) fn to_json(&self) -> Value {
        json!({"@type": "EnvironmentAtomAttachment", "id": self.id, "atomId": self.atom_id, "environmentId": self.environment_id})
    }
}

impl Schedule {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "@type": "Schedule",
            "minutes": self.minutes,
            "hours": self.hours,
            "daysOfWeek": self.days_of_week,
            "daysOfMonth": self.days_of_month,
            "months": self.months,
            "years": self.years,
        })
    }
}

impl ProcessSchedules {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "@type": "ProcessSchedules",
            "id": self.id,
            "atomId": self.atom_id,
            "processId": self.process_id,
            "Schedule": self.schedule.iter().map(Schedule::to_json).collect::<Vec<_>>(),
            "Retry": {
                "@type": "ScheduleRetry",
                "Schedule": self.retry.schedule.iter().map(Schedule::to_json).collect::<Vec<_>>(),
                "maxRetry": self.retry.max_retry,
            },
        })
    }
}

impl ScheduleStatus {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "@type": "ProcessScheduleStatus",
            "id": self.id,
            "atomId": self.atom_id,
            "processId": self.process_id,
            "enabled": self.enabled,
        })
    }
}
