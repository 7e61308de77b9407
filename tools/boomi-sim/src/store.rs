//! Everything the simulator holds behind its one lock, and the state changes that
//! both the HTTP handlers and the `Sim` setup methods make.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::Value;

use crate::Fault;
use crate::ids::{synthesized, uuid_like};
use crate::model::{
    Atom, Attachment, Change, ComponentRevision, DeployedPackage, Environment, Extensions, PackagedComponent,
    ProcessSchedules, ScheduleRetry, ScheduleStatus, State,
};

pub(crate) const KIND_COMPONENT: u8 = 0xc0;
pub(crate) const KIND_PACKAGE: u8 = 0x9a;
pub(crate) const KIND_DEPLOYMENT: u8 = 0xde;
pub(crate) const KIND_ENVIRONMENT: u8 = 0xe0;

/// The rest of a query, kept for queryMore.
pub(crate) struct Pending {
    pub object: &'static str,
    pub remaining: Vec<Value>,
}

/// A fault waiting for the `at`-th mutating request.
pub(crate) struct PendingFault {
    pub at: u64,
    pub fault: Fault,
}

pub(crate) struct Inner {
    pub account_id: String,
    pub username: String,
    pub token: String,
    pub page_size: usize,
    pub state: State,
    pub changes: Vec<Change>,
    used_ids: BTreeSet<String>,
    counters: BTreeMap<u8, u64>,
    pub tokens: BTreeMap<String, Pending>,
    pub token_counter: u64,
    pub requests: u64,
    pub per_route: BTreeMap<String, u64>,
    pub rate_limit: Option<u32>,
    pub window: Option<(Instant, u32)>,
    pub mutating: u64,
    pub faults: Vec<PendingFault>,
}

/// A timestamp as Boomi writes them: `yyyy-MM-dd'T'HH:mm:ss'Z'`.
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Inner {
    pub(crate) fn new(account_id: String, username: String, token: String, page_size: usize) -> Self {
        Self {
            account_id,
            username,
            token,
            page_size: page_size.max(1),
            state: State::default(),
            changes: Vec::new(),
            used_ids: BTreeSet::new(),
            counters: BTreeMap::new(),
            tokens: BTreeMap::new(),
            token_counter: 0,
            requests: 0,
            per_route: BTreeMap::new(),
            rate_limit: None,
            window: None,
            mutating: 0,
            faults: Vec::new(),
        }
    }

    /// A fresh UUID-shaped id of a kind, never one already in use (the demo seed uses
    /// the same shape for its fixed ids).
    pub(crate) fn new_id(&mut self, kind: u8) -> String {
        loop {
            let counter = self.counters.entry(kind).or_insert(0);
            *counter += 1;
            let id = uuid_like(kind, *counter);
            if self.used_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn claim(&mut self, id: &str) {
        self.used_ids.insert(id.to_owned());
    }

    pub(crate) fn record(&mut self, object: &str, id: &str, action: &str) {
        self.changes.push(Change { object: object.to_owned(), id: id.to_owned(), action: action.to_owned() });
    }

    /// Adds a component, or a new revision of it (at least one above the current one).
    pub(crate) fn add_component(&mut self, id: &str, name: &str, component_type: &str, version: i32) -> i32 {
        self.claim(id);
        let current = self.state.current_component(id).map(|c| c.version);
        let version = match current {
            Some(current) => version.max(current + 1),
            None => version.max(1),
        };
        let created = self.state.components.iter().find(|c| c.component_id == id).map(|c| c.created_date.clone());
        for revision in self.state.components.iter_mut().filter(|c| c.component_id == id) {
            revision.current_version = false;
        }
        let date = now();
        let username = self.username.clone();
        self.state.components.push(ComponentRevision {
            component_id: id.to_owned(),
            version,
            name: name.to_owned(),
            component_type: component_type.to_owned(),
            created_date: created.unwrap_or_else(|| date.clone()),
            created_by: username.clone(),
            modified_date: date,
            modified_by: username,
            deleted: false,
            current_version: true,
            folder_id: "Rjo0MDAwMDA".to_owned(),
            folder_name: "CI".to_owned(),
        });
        version
    }

    pub(crate) fn add_environment(&mut self, id: Option<&str>, name: &str, classification: &str) -> Environment {
        let id = match id {
            Some(id) => {
                self.claim(id);
                id.to_owned()
            }
            None => self.new_id(KIND_ENVIRONMENT),
        };
        let environment = Environment { id: id.clone(), name: name.to_owned(), classification: classification.to_owned() };
        self.state.environments.push(environment.clone());
        self.state.extensions.push(Extensions {
            id: id.clone(),
            environment_id: id.clone(),
            document: crate::extensions::empty_document(&id),
        });
        environment
    }

    pub(crate) fn add_atom(&mut self, id: &str, name: &str) {
        self.claim(id);
        self.state.atoms.push(Atom {
            id: id.to_owned(),
            name: name.to_owned(),
            status: "ONLINE".to_owned(),
            atom_type: "ATOM".to_owned(),
            host_name: format!("{}.example.com", name.to_lowercase()),
            current_version: "25.01.0".to_owned(),
            date_installed: "2025-01-15T09:00:00Z".to_owned(),
            created_by: self.username.clone(),
            purge_history_days: 30,
            purge_immediate: false,
            force_restart_time: 0,
        });
    }

    /// Attaches a runtime to an environment (moving it if it is attached elsewhere, as
    /// the real API does).
    pub(crate) fn attach(&mut self, atom_id: &str, environment_id: &str) {
        self.state.attachments.retain(|a| a.atom_id != atom_id);
        self.state.attachments.push(Attachment {
            id: synthesized("EAA", atom_id, environment_id),
            atom_id: atom_id.to_owned(),
            environment_id: environment_id.to_owned(),
        });
    }

    /// Packages a component revision (PackagedComponent create).
    pub(crate) fn create_package(
        &mut self,
        component_id: &str,
        component_version: Option<i32>,
        package_version: Option<String>,
        notes: Option<String>,
        branch_name: Option<String>,
    ) -> Result<PackagedComponent, String> {
        let Some(current) = self.state.current_component(component_id).cloned() else {
            return Err(format!("Component {component_id} does not exist."));
        };
        if current.deleted {
            return Err(format!("Component {component_id} is deleted and cannot be packaged."));
        }
        let revision = match component_version {
            None => current.clone(),
            Some(v) => match self.state.components.iter().find(|c| c.component_id == component_id && c.version == v) {
                Some(revision) => revision.clone(),
                None => return Err(format!("Component {component_id} has no revision {v}.")),
            },
        };
        let package_version = match package_version {
            Some(v) if v.trim().is_empty() => return Err("packageVersion must not be blank.".to_owned()),
            Some(v) => v,
            None => format!("{}.0", revision.version),
        };
        if self.state.packages.iter().any(|p| p.component_id == component_id && p.package_version == package_version) {
            return Err(format!(
                "A packaged component with version {package_version} already exists for component {component_id}."
            ));
        }
        let package = PackagedComponent {
            package_id: self.new_id(KIND_PACKAGE),
            package_version,
            component_id: component_id.to_owned(),
            component_version: revision.version,
            component_type: revision.component_type.clone(),
            created_date: now(),
            created_by: self.username.clone(),
            notes,
            branch_name,
            deleted: false,
            shareable: false,
        };
        self.state.packages.push(package.clone());
        self.record("PackagedComponent", &package.package_id, "create");
        Ok(package)
    }

    /// Deploys a package to an environment (DeployedPackage create).
    pub(crate) fn deploy(
        &mut self,
        environment_id: &str,
        package_id: &str,
        notes: Option<String>,
        listener_status: &str,
    ) -> Result<DeployedPackage, String> {
        if !self.state.environments.iter().any(|e| e.id == environment_id) {
            return Err(format!("Environment {environment_id} does not exist."));
        }
        let Some(package) = self.state.packages.iter().find(|p| p.package_id == package_id).cloned() else {
            return Err(format!("Packaged component {package_id} does not exist."));
        };
        if self
            .state
            .deployments
            .iter()
            .any(|d| d.active && d.environment_id == environment_id && d.package_id == package_id)
        {
            return Err(format!(
                "Packaged component {package_id} is already deployed in environment {environment_id}."
            ));
        }
        let same_component =
            |d: &DeployedPackage| d.environment_id == environment_id && d.component_id == package.component_id;
        let version = self.state.deployments.iter().filter(|d| same_component(d)).map(|d| d.version).max().unwrap_or(0) + 1;
        let mut deactivated = Vec::new();
        for d in self.state.deployments.iter_mut().filter(|d| d.active && same_component(d)) {
            d.active = false;
            deactivated.push(d.deployment_id.clone());
        }
        for id in deactivated {
            self.record("DeployedPackage", &id, "update");
        }
        let deployment = DeployedPackage {
            deployment_id: self.new_id(KIND_DEPLOYMENT),
            environment_id: environment_id.to_owned(),
            package_id: package_id.to_owned(),
            package_version: package.package_version.clone(),
            component_id: package.component_id.clone(),
            component_version: package.component_version,
            component_type: package.component_type.clone(),
            version,
            deployed_date: now(),
            deployed_by: self.username.clone(),
            notes,
            active: true,
            listener_status: listener_status.to_owned(),
        };
        self.state.deployments.push(deployment.clone());
        self.record("DeployedPackage", &deployment.deployment_id, "create");
        if package.component_type == "process" {
            self.ensure_schedules(environment_id, &package.component_id);
        }
        Ok(deployment)
    }

    /// One ProcessSchedules (empty) and one ProcessScheduleStatus per runtime of the
    /// environment for a deployed process, unless they exist already.
    fn ensure_schedules(&mut self, environment_id: &str, process_id: &str) {
        let atoms: Vec<String> = self
            .state
            .attachments
            .iter()
            .filter(|a| a.environment_id == environment_id)
            .map(|a| a.atom_id.clone())
            .collect();
        for atom_id in atoms {
            let id = synthesized("CPS", &atom_id, process_id);
            if !self.state.schedules.iter().any(|s| s.id == id) {
                self.state.schedules.push(ProcessSchedules {
                    id: id.clone(),
                    atom_id: atom_id.clone(),
                    process_id: process_id.to_owned(),
                    schedule: Vec::new(),
                    retry: ScheduleRetry::default(),
                });
                self.record("ProcessSchedules", &id, "create");
            }
            if !self.state.schedule_statuses.iter().any(|s| s.id == id) {
                self.state.schedule_statuses.push(ScheduleStatus {
                    id: id.clone(),
                    atom_id: atom_id.clone(),
                    process_id: process_id.to_owned(),
                    enabled: true,
                });
                self.record("ProcessScheduleStatus", &id, "create");
            }
        }
    }

    /// A new opaque query token. Deterministic (a counter), but shaped like Boomi's:
    /// base64 with `/`, `+` and `=` in it, so a client that escapes or quotes it fails.
    pub(crate) fn new_token(&mut self, object: &'static str, remaining: Vec<Value>) -> String {
        self.token_counter += 1;
        let token = format!(
            "{}/{}+{}==",
            crate::ids::base64(format!("queryToken:{object}:{}", self.token_counter).as_bytes()).trim_end_matches('='),
            self.token_counter,
            object.len()
        );
        self.tokens.insert(token.clone(), Pending { object, remaining });
        token
    }
}
