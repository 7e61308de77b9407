//! The object types the simulator serves, and for each what its queries may filter on
//! (the property enums of the corrected spec, facts §1.3) and which values those
//! properties have on a stored object.

use serde_json::Value;

use crate::extensions::redacted;
use crate::model::State;
use crate::query::{ALL_OPERATORS, ATOM_OPERATORS, Grammar, Props};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    ComponentMetadata,
    Process,
    PackagedComponent,
    DeployedPackage,
    Environment,
    Atom,
    EnvironmentAtomAttachment,
    EnvironmentExtensions,
    ProcessSchedules,
    ProcessScheduleStatus,
}

/// PackagedComponent's `property` is a free string in the spec; these are its fields.
const PACKAGED_COMPONENT_PROPERTIES: &[&str] = &[
    "packageId",
    "packageVersion",
    "componentId",
    "componentVersion",
    "componentType",
    "createdDate",
    "createdBy",
    "notes",
    "deleted",
    "shareable",
    "fullyPubliclyConsumable",
    "branchName",
];

impl Kind {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "ComponentMetadata" => Kind::ComponentMetadata,
            "Process" => Kind::Process,
            "PackagedComponent" => Kind::PackagedComponent,
            "DeployedPackage" => Kind::DeployedPackage,
            "Environment" => Kind::Environment,
            "Atom" => Kind::Atom,
            "EnvironmentAtomAttachment" => Kind::EnvironmentAtomAttachment,
            "EnvironmentExtensions" => Kind::EnvironmentExtensions,
            "ProcessSchedules" => Kind::ProcessSchedules,
            "ProcessScheduleStatus" => Kind::ProcessScheduleStatus,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::ComponentMetadata => "ComponentMetadata",
            Kind::Process => "Process",
            Kind::PackagedComponent => "PackagedComponent",
            Kind::DeployedPackage => "DeployedPackage",
            Kind::Environment => "Environment",
            Kind::Atom => "Atom",
            Kind::EnvironmentAtomAttachment => "EnvironmentAtomAttachment",
            Kind::EnvironmentExtensions => "EnvironmentExtensions",
            Kind::ProcessSchedules => "ProcessSchedules",
            Kind::ProcessScheduleStatus => "ProcessScheduleStatus",
        }
    }

    pub(crate) fn can_get(self) -> bool {
        self != Kind::EnvironmentAtomAttachment
    }

    pub(crate) fn can_create(self) -> bool {
        matches!(self, Kind::PackagedComponent | Kind::DeployedPackage | Kind::Environment)
    }

    pub(crate) fn can_update(self) -> bool {
        matches!(self, Kind::Atom | Kind::EnvironmentExtensions | Kind::ProcessSchedules | Kind::ProcessScheduleStatus)
    }

    pub(crate) fn can_delete(self) -> bool {
        matches!(self, Kind::DeployedPackage | Kind::Environment | Kind::Atom)
    }

    pub(crate) fn grammar(self) -> Grammar<'static> {
        let properties: &'static [&'static str] = match self {
            Kind::ComponentMetadata => &[
                "accountId",
                "componentId",
                "version",
                "name",
                "type",
                "subType",
                "createdDate",
                "createdBy",
                "modifiedDate",
                "modifiedBy",
                "deleted",
                "currentVersion",
                "folderName",
                "folderId",
                "copiedFromComponentId",
                "copiedFromComponentVersion",
                "branchName",
                "branchId",
            ],
            Kind::Process => &["name", "id", "integrationPackId", "integrationPackInstanceId"],
            Kind::PackagedComponent => PACKAGED_COMPONENT_PROPERTIES,
            Kind::DeployedPackage => &[
                "uid",
                "notes",
                "current",
                "packageNotes",
                "active",
                "componentId",
                "componentVersion",
                "componentName",
                "componentType",
                "deployedBy",
                "deployedDate",
                "deploymentId",
                "environmentId",
                "environmentName",
                "packageId",
                "packageVersion",
                "version",
                "accountId",
                "branch",
            ],
            Kind::Environment => &["name", "id", "classification"],
            Kind::Atom => &[
                "name",
                "id",
                "hostname",
                "status",
                "type",
                "capabilities",
                "cloudId",
                "attachmentCloudId",
                "cloudMoleculeId",
                "instanceId",
                "isCloudAttachment",
            ],
            Kind::EnvironmentAtomAttachment => &["atomId", "environmentId"],
            Kind::EnvironmentExtensions => &["environmentId", "extensionGroupId"],
            Kind::ProcessSchedules | Kind::ProcessScheduleStatus => &["processId", "atomId"],
        };
        let operators = if self == Kind::Atom { ATOM_OPERATORS } else { ALL_OPERATORS };
        Grammar { object: self.name(), properties, operators }
    }

    /// Every stored object of this kind, in order, with its filterable values and its
    /// JSON as the API returns it.
    pub(crate) fn candidates(self, state: &State, account_id: &str) -> Vec<(Props, Value)> {
        fn one(value: &str) -> Vec<String> {
            vec![value.to_owned()]
        }
        fn opt(value: &Option<String>) -> Vec<String> {
            value.iter().cloned().collect()
        }
        match self {
            Kind::ComponentMetadata => state
                .components
                .iter()
                .map(|c| {
                    let props: Props = vec![
                        ("accountId", one(account_id)),
                        ("componentId", one(&c.component_id)),
                        ("version", one(&c.version.to_string())),
                        ("name", one(&c.name)),
                        ("type", one(&c.component_type)),
                        ("createdDate", one(&c.created_date)),
                        ("createdBy", one(&c.created_by)),
                        ("modifiedDate", one(&c.modified_date)),
                        ("modifiedBy", one(&c.modified_by)),
                        ("deleted", one(&c.deleted.to_string())),
                        ("currentVersion", one(&c.current_version.to_string())),
                        ("folderName", one(&c.folder_name)),
                        ("folderId", one(&c.folder_id)),
                    ];
                    (props, c.to_json())
                })
                .collect(),
            Kind::Process => state
                .components
                .iter()
                .filter(|c| c.current_version && !c.deleted && c.component_type == "process")
                .map(|c| (vec![("name", one(&c.name)), ("id", one(&c.component_id))], c.to_process_json()))
                .collect(),
            Kind::PackagedComponent => state
                .packages
                .iter()
                .map(|p| {
                    let props: Props = vec![
                        ("packageId", one(&p.package_id)),
                        ("packageVersion", one(&p.package_version)),
                        ("componentId", one(&p.component_id)),
                        ("componentVersion", one(&p.component_version.to_string())),
                        ("componentType", one(&p.component_type)),
                        ("createdDate", one(&p.created_date)),
                        ("createdBy", one(&p.created_by)),
                        ("notes", opt(&p.notes)),
                        ("deleted", one(&p.deleted.to_string())),
                        ("shareable", one(&p.shareable.to_string())),
                        ("fullyPubliclyConsumable", one("false")),
                        ("branchName", opt(&p.branch_name)),
                    ];
                    (props, p.to_json())
                })
                .collect(),
            Kind::DeployedPackage => state
                .deployments
                .iter()
                .map(|d| {
                    let package_notes = state.packages.iter().find(|p| p.package_id == d.package_id).and_then(|p| p.notes.clone());
                    let component_name = state.current_component(&d.component_id).map(|c| c.name.clone());
                    let environment_name =
                        state.environments.iter().find(|e| e.id == d.environment_id).map(|e| e.name.clone());
                    let props: Props = vec![
                        ("uid", one(&d.deployment_id)),
                        ("notes", opt(&d.notes)),
                        ("current", one(&d.active.to_string())),
                        ("packageNotes", opt(&package_notes)),
                        ("active", one(&d.active.to_string())),
                        ("componentId", one(&d.component_id)),
                        ("componentVersion", one(&d.component_version.to_string())),
                        ("componentName", opt(&component_name)),
                        ("componentType", one(&d.component_type)),
                        ("deployedBy", one(&d.deployed_by)),
                        ("deployedDate", one(&d.deployed_date)),
                        ("deploymentId", one(&d.deployment_id)),
                        ("environmentId", one(&d.environment_id)),
                        ("environmentName", opt(&environment_name)),
                        ("packageId", one(&d.package_id)),
                        ("packageVersion", one(&d.package_version)),
                        ("version", one(&d.version.to_string())),
                        ("accountId", one(account_id)),
                    ];
                    (props, d.to_json())
                })
                .collect(),
            Kind::Environment => state
                .environments
                .iter()
                .map(|e| {
                    let props: Props =
                        vec![("name", one(&e.name)), ("id", one(&e.id)), ("classification", one(&e.classification))];
                    (props, e.to_json())
                })
                .collect(),
            Kind::Atom => state
                .atoms
                .iter()
                .map(|a| {
                    let props: Props = vec![
                        ("name", one(&a.name)),
                        ("id", one(&a.id)),
                        ("hostname", one(&a.host_name)),
                        ("status", one(&a.status)),
                        ("type", one(&a.atom_type)),
                        ("isCloudAttachment", one("false")),
                    ];
                    (props, a.to_json())
                })
                .collect(),
            Kind::EnvironmentAtomAttachment => state
                .attachments
                .iter()
                .map(|a| (vec![("atomId", one(&a.atom_id)), ("environmentId", one(&a.environment_id))], a.to_json()))
                .collect(),
            Kind::EnvironmentExtensions => state
                .extensions
                .iter()
                .map(|e| (vec![("environmentId", one(&e.environment_id))], redacted(&e.document)))
                .collect(),
            Kind::ProcessSchedules => state
                .schedules
                .iter()
                .map(|s| (vec![("processId", one(&s.process_id)), ("atomId", one(&s.atom_id))], s.to_json()))
                .collect(),
            Kind::ProcessScheduleStatus => state
                .schedule_statuses
                .iter()
                .map(|s| (vec![("processId", one(&s.process_id)), ("atomId", one(&s.atom_id))], s.to_json()))
                .collect(),
        }
    }
}
