//! Routes and handlers: one request in, one [`Reply`] out, in the shapes of the
//! corrected spec. Handlers run under the simulator's lock and never panic on input;
//! every problem with a request becomes an error reply.
//!
//! Error bodies (facts §3.2), one shape per status so a client meets all three:
//! - 400: `{"error": {"message": ...}}` (SPEC-intro §Sample response, "400 ... or 500");
//! - 401 and 404: `{"@type": "Error", "message": ...}` (what Boomi's CI/CD scripts detect);
//! - 403 and 503: `{"message": ...}` (the SPEC's own 403/503 examples).

use hyper::Method;
use serde_json::{Map, Value, json};

use crate::extensions::{apply_update, lenient_bool, redacted};
use crate::model::{Schedule, ScheduleRetry};
use crate::objects::Kind;
use crate::query::{matches, parse_query_config, scalar_text};
use crate::store::Inner;

/// The rate-limit message of the SPEC's 503 example (facts §3.2, §3.3).
pub(crate) const RATE_LIMIT_MESSAGE: &str =
    "The Boomi server is currently unavailable or your account's rate limits have been exceeded. Retry later.";

/// An answer: a status and a JSON body, or no body at all (DELETE).
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self { status: 200, body: Some(body) }
    }
    fn empty() -> Self {
        Self { status: 200, body: None }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self { status: 400, body: Some(json!({"error": {"message": message.into()}})) }
    }
    pub(crate) fn unauthorized() -> Self {
        Self {
            status: 401,
            body: Some(json!({"@type": "Error", "message": "The user name or API token is invalid, or the credentials are missing."})),
        }
    }
    pub(crate) fn forbidden() -> Self {
        Self { status: 403, body: Some(json!({"message": "Access denied due to insufficient permissions."})) }
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self { status: 404, body: Some(json!({"@type": "Error", "message": message.into()})) }
    }
    pub(crate) fn rate_limited() -> Self {
        Self { status: 503, body: Some(json!({"message": RATE_LIMIT_MESSAGE})) }
    }
}

/// A resolved route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Query(Kind),
    QueryMore(Kind),
    Get(Kind, String),
    Create(Kind),
    Update(Kind, String),
    Delete(Kind, String),
}

impl Route {
    /// The route of a method and the path segments after `/api/rest/v1/{accountId}`;
    /// `None` for anything the simulator does not serve (a 404).
    pub(crate) fn resolve(method: &Method, segments: &[String]) -> Option<Route> {
        let kind = Kind::parse(segments.first()?)?;
        let rest = &segments[1..];
        let route = match (method.as_str(), rest) {
            ("POST", [op]) if op == "query" => Route::Query(kind),
            ("POST", [op]) if op == "queryMore" => Route::QueryMore(kind),
            ("POST", []) if kind.can_create() => Route::Create(kind),
            ("GET", [id]) if kind.can_get() => Route::Get(kind, id.clone()),
            ("POST", [id]) if kind.can_update() => Route::Update(kind, id.clone()),
            ("DELETE", [id]) if kind.can_delete() => Route::Delete(kind, id.clone()),
            _ => return None,
        };
        // Process is read-only and has no create; the other kinds' query support is
        // universal among the objects served.
        Some(route)
    }

    /// The per-route counter key, e.g. `POST /DeployedPackage/query` or
    /// `GET /DeployedPackage/{id}`.
    pub(crate) fn key(&self) -> String {
        match self {
            Route::Query(k) => format!("POST /{}/query", k.name()),
            Route::QueryMore(k) => format!("POST /{}/queryMore", k.name()),
            Route::Get(k, _) => format!("GET /{}/{{id}}", k.name()),
            Route::Create(k) => format!("POST /{}", k.name()),
            Route::Update(k, _) => format!("POST /{}/{{id}}", k.name()),
            Route::Delete(k, _) => format!("DELETE /{}/{{id}}", k.name()),
        }
    }

    /// Whether the route changes state (what fault injection counts).
    pub(crate) fn mutating(&self) -> bool {
        matches!(self, Route::Create(_) | Route::Update(..) | Route::Delete(..))
    }
}

/// Answers one authenticated request.
pub(crate) fn handle(inner: &mut Inner, route: &Route, body: &[u8]) -> Reply {
    let result = match route {
        Route::Query(kind) => query(inner, *kind, body),
        Route::QueryMore(kind) => query_more(inner, *kind, body),
        Route::Get(kind, id) => get(inner, *kind, id),
        Route::Create(kind) => create(inner, *kind, body),
        Route::Update(kind, id) => update(inner, *kind, id, body),
        Route::Delete(kind, id) => delete(inner, *kind, id),
    };
    result.unwrap_or_else(|reply| reply)
}

type Handled = Result<Reply, Reply>;

fn json_body(body: &[u8]) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|err| Reply::bad_request(format!("The request body is not valid JSON: {err}.")))
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match json_body(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(Reply::bad_request("The request body must be a JSON object.")),
    }
}

/// An optional string field; numbers are accepted and written out (`"packageVersion": 1.2`).
fn opt_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Reply> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v @ Value::Number(_)) => Ok(scalar_text(v)),
        Some(_) => Err(Reply::bad_request(format!("{key} must be a string."))),
    }
}

fn required_string(map: &Map<String, Value>, key: &str) -> Result<String, Reply> {
    match opt_string(map, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Reply::bad_request(format!("{key} is required."))),
    }
}

/// An optional integer, also as a numeric string (`"componentVersion": "2.0"`).
fn opt_int(map: &Map<String, Value>, key: &str) -> Result<Option<i64>, Reply> {
    let bad = || Reply::bad_request(format!("{key} must be an integer."));
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ => Err(bad()),
        },
        Some(Value::String(s)) => match (s.parse::<i64>(), s.parse::<f64>()) {
            (Ok(i), _) => Ok(Some(i)),
            (_, Ok(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

fn opt_i32(map: &Map<String, Value>, key: &str) -> Result<Option<i32>, Reply> {
    opt_int(map, key)?
        .map(|v| i32::try_from(v).map_err(|_| Reply::bad_request(format!("{key} is out of range."))))
        .transpose()
}

fn opt_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, Reply> {
    lenient_bool(map.get(key)).map_err(|()| Reply::bad_request(format!("{key} must be a boolean.")))
}

fn query(inner: &mut Inner, kind: Kind, body: &[u8]) -> Handled {
    let config = json_body(body)?;
    let expr = parse_query_config(&config, &kind.grammar()).map_err(Reply::bad_request)?;
    let results: Vec<Value> = kind
        .candidates(&inner.state, &inner.account_id)
        .into_iter()
        .filter(|(props, _)| expr.as_ref().is_none_or(|e| matches(e, props)))
        .map(|(_, json)| json)
        .collect();
    Ok(page(inner, kind, results))
}

/// One page of results; the rest is kept under a new token (facts §2: at most 100 per
/// page, `queryToken` only when more remain, `numberOfResults` the count of this page).
fn page(inner: &mut Inner, kind: Kind, mut results: Vec<Value>) -> Reply {
    let rest = if results.len() > inner.page_size { results.split_off(inner.page_size) } else { Vec::new() };
    let mut body = Map::new();
    body.insert("@type".to_owned(), json!("QueryResult"));
    body.insert("numberOfResults".to_owned(), json!(results.len()));
    if !rest.is_empty() {
        let token = inner.new_token(kind.name(), rest);
        body.insert("queryToken".to_owned(), json!(token));
    }
    body.insert("result".to_owned(), Value::Array(results));
    Reply::ok(Value::Object(body))
}

fn query_more(inner: &mut Inner, kind: Kind, body: &[u8]) -> Handled {
    let text = String::from_utf8_lossy(body);
    let mut token = text.trim().to_owned();
    // A token sent JSON-quoted is still recognised; the real API wants it verbatim.
    if token.len() >= 2
        && token.starts_with('"')
        && token.ends_with('"')
        && let Ok(Value::String(unquoted)) = serde_json::from_str::<Value>(&token)
    {
        token = unquoted;
    }
    if token.is_empty() {
        return Err(Reply::bad_request("The request body must be the queryToken of a previous query."));
    }
    let Some(pending) = inner.tokens.get(&token) else {
        return Err(Reply::bad_request("The queryToken is invalid or has expired."));
    };
    if pending.object != kind.name() {
        return Err(Reply::bad_request(format!(
            "The queryToken belongs to a {} query, not to {}.",
            pending.object,
            kind.name()
        )));
    }
    let remaining = pending.remaining.clone();
    Ok(page(inner, kind, remaining))
}

fn get(inner: &mut Inner, kind: Kind, id: &str) -> Handled {
    let state = &inner.state;
    let missing = || Reply::not_found(format!("{} {id} was not found.", kind.name()));
    let found = match kind {
        Kind::ComponentMetadata => {
            let revision = match id.split_once('~') {
                Some((component_id, version)) => {
                    let version: i32 = version
                        .parse()
                        .map_err(|_| Reply::bad_request(format!("{version} is not a component revision number.")))?;
                    state.components.iter().find(|c| c.component_id == component_id && c.version == version)
                }
                None => state.current_component(id),
            };
            revision.map(|c| c.to_json())
        }
        Kind::Process => state
            .current_component(id)
            .filter(|c| c.component_type == "process" && !c.deleted)
            .map(|c| c.to_process_json()),
        Kind::PackagedComponent => state.packages.iter().find(|p| p.package_id == id).map(|p| p.to_json()),
        Kind::DeployedPackage => state.deployments.iter().find(|d| d.deployment_id == id).map(|d| d.to_json()),
        Kind::Environment => state.environments.iter().find(|e| e.id == id).map(|e| e.to_json()),
        Kind::Atom => state.atoms.iter().find(|a| a.id == id).map(|a| a.to_json()),
        Kind::EnvironmentExtensions => state.extensions.iter().find(|e| e.id == id).map(|e| redacted(&e.document)),
        Kind::ProcessSchedules => state.schedules.iter().find(|s| s.id == id).map(|s| s.to_json()),
        Kind::ProcessScheduleStatus => state.schedule_statuses.iter().find(|s| s.id == id).map(|s| s.to_json()),
        Kind::EnvironmentAtomAttachment => None,
    };
    found.map(Reply::ok).ok_or_else(missing)
}

fn create(inner: &mut Inner, kind: Kind, body: &[u8]) -> Handled {
    let map = json_object(body)?;
    match kind {
        Kind::PackagedComponent => {
            let component_id = required_string(&map, "componentId")?;
            let component_version = opt_i32(&map, "componentVersion")?;
            let package_version = opt_string(&map, "packageVersion")?;
            let notes = opt_string(&map, "notes")?;
            let branch_name = opt_string(&map, "branchName")?;
            if let Some(package_id) = opt_string(&map, "packageId")? {
                // Restoring needs a deleted package; the simulator never deletes one.
                return Err(Reply::bad_request(match inner.state.packages.iter().any(|p| p.package_id == package_id) {
                    true => format!("Packaged component {package_id} is not deleted and cannot be restored."),
                    false => format!("There is no deleted packaged component {package_id} to restore."),
                }));
            }
            let package = inner
                .create_package(&component_id, component_version, package_version, notes, branch_name)
                .map_err(Reply::bad_request)?;
            Ok(Reply::ok(package.to_json()))
        }
        Kind::DeployedPackage => {
            let environment_id = required_string(&map, "environmentId")?;
            let package_id = opt_string(&map, "packageId")?;
            let component_id = opt_string(&map, "componentId")?;
            let notes = opt_string(&map, "notes")?;
            let listener_status = match opt_string(&map, "listenerStatus")?.as_deref() {
                None | Some("RUNNING") => "RUNNING",
                Some("PAUSED") => "PAUSED",
                Some(other) => {
                    return Err(Reply::bad_request(format!("listenerStatus must be RUNNING or PAUSED, not {other}.")));
                }
            };
            if !inner.state.environments.iter().any(|e| e.id == environment_id) {
                return Err(Reply::bad_request(format!("Environment {environment_id} does not exist.")));
            }
            let package_id = match (package_id, component_id) {
                (Some(package_id), None) => package_id,
                (None, Some(component_id)) => package_latest(inner, &component_id)?,
                (Some(_), Some(_)) => return Err(Reply::bad_request("Give either packageId or componentId, not both.")),
                (None, None) => return Err(Reply::bad_request("packageId or componentId is required.")),
            };
            let deployment =
                inner.deploy(&environment_id, &package_id, notes, listener_status).map_err(Reply::bad_request)?;
            Ok(Reply::ok(deployment.to_json()))
        }
        Kind::Environment => {
            let name = required_string(&map, "name")?;
            let classification = match opt_string(&map, "classification")?.as_deref() {
                Some("PROD") => "PROD",
                Some("TEST") => "TEST",
                Some(other) => return Err(Reply::bad_request(format!("classification must be PROD or TEST, not {other}."))),
                None => return Err(Reply::bad_request("classification is required.")),
            };
            let environment = inner.add_environment(None, &name, classification);
            inner.record("Environment", &environment.id, "create");
            Ok(Reply::ok(environment.to_json()))
        }
        _ => Err(Reply::not_found("No such operation.")),
    }
}

/// The package of a component's latest revision for a deploy by componentId: the one
/// made earlier for that revision (with the generated version) if any, else a new one.
fn package_latest(inner: &mut Inner, component_id: &str) -> Result<String, Reply> {
    let Some(current) = inner.state.current_component(component_id) else {
        return Err(Reply::bad_request(format!("Component {component_id} does not exist.")));
    };
    let generated = format!("{}.0", current.version);
    if let Some(existing) =
        inner.state.packages.iter().find(|p| p.component_id == component_id && p.package_version == generated)
    {
        return Ok(existing.package_id.clone());
    }
    let package = inner.create_package(component_id, None, None, None, None).map_err(Reply::bad_request)?;
    Ok(package.package_id)
}

fn update(inner: &mut Inner, kind: Kind, id: &str, body: &[u8]) -> Handled {
    let missing = || Reply::not_found(format!("{} {id} was not found.", kind.name()));
    match kind {
        Kind::Atom => {
            let index = inner.state.atoms.iter().position(|a| a.id == id).ok_or_else(missing)?;
            let map = json_object(body)?;
            let name = opt_string(&map, "name")?;
            let purge_history_days = opt_i32(&map, "purgeHistoryDays")?;
            let purge_immediate = opt_bool(&map, "purgeImmediate")?;
            let force_restart_time = opt_int(&map, "forceRestartTime")?;
            let atom = &mut inner.state.atoms[index];
            if let Some(name) = name {
                atom.name = name;
            }
            if let Some(days) = purge_history_days {
                atom.purge_history_days = days;
            }
            if let Some(purge) = purge_immediate {
                atom.purge_immediate = purge;
            }
            if let Some(time) = force_restart_time {
                atom.force_restart_time = time;
            }
            let reply = atom.to_json();
            inner.record("Atom", id, "update");
            Ok(Reply::ok(reply))
        }
        Kind::EnvironmentExtensions => {
            let index = inner.state.extensions.iter().position(|e| e.id == id).ok_or_else(missing)?;
            let map = json_object(body)?;
            for key in ["id", "environmentId"] {
                if let Some(sent) = opt_string(&map, key)?
                    && sent != inner.state.extensions[index].environment_id
                {
                    return Err(Reply::bad_request(format!("{key} {sent} does not match the extensions {id}.")));
                }
            }
            let partial = opt_bool(&map, "partial")?.unwrap_or(false);
            let request = Value::Object(map);
            let extensions = &mut inner.state.extensions[index];
            apply_update(&mut extensions.document, &request, partial).map_err(Reply::bad_request)?;
            let reply = redacted(&extensions.document);
            inner.record("EnvironmentExtensions", id, "update");
            Ok(Reply::ok(reply))
        }
        Kind::ProcessSchedules => {
            let index = inner.state.schedules.iter().position(|s| s.id == id).ok_or_else(missing)?;
            let map = json_object(body)?;
            check_identity(&map, id, &inner.state.schedules[index].atom_id, &inner.state.schedules[index].process_id)?;
            let schedule = schedules(map.get("Schedule"), "Schedule")?;
            let retry = match map.get("Retry") {
                None | Some(Value::Null) => ScheduleRetry::default(),
                Some(Value::Object(retry)) => {
                    let max_retry = opt_i32(retry, "maxRetry")?.unwrap_or(5);
                    if !(1..=5).contains(&max_retry) {
                        return Err(Reply::bad_request("Retry.maxRetry must be between 1 and 5."));
                    }
                    ScheduleRetry { schedule: schedules(retry.get("Schedule"), "Retry.Schedule")?, max_retry }
                }
                Some(_) => return Err(Reply::bad_request("Retry must be an object.")),
            };
            let stored = &mut inner.state.schedules[index];
            stored.schedule = schedule;
            stored.retry = retry;
            let reply = stored.to_json();
            inner.record("ProcessSchedules", id, "update");
            Ok(Reply::ok(reply))
        }
        Kind::ProcessScheduleStatus => {
            let index = inner.state.schedule_statuses.iter().position(|s| s.id == id).ok_or_else(missing)?;
            let map = json_object(body)?;
            let stored = &inner.state.schedule_statuses[index];
            check_identity(&map, id, &stored.atom_id, &stored.process_id)?;
            let enabled = opt_bool(&map, "enabled")?.ok_or_else(|| Reply::bad_request("enabled is required."))?;
            let stored = &mut inner.state.schedule_statuses[index];
            stored.enabled = enabled;
            let reply = stored.to_json();
            inner.record("ProcessScheduleStatus", id, "update");
            Ok(Reply::ok(reply))
        }
        _ => Err(Reply::not_found("No such operation.")),
    }
}

/// The body of a schedules update must name the object it updates (facts §5.1).
fn check_identity(map: &Map<String, Value>, id: &str, atom_id: &str, process_id: &str) -> Result<(), Reply> {
    for (key, expected) in [("id", id), ("atomId", atom_id), ("processId", process_id)] {
        let sent = required_string(map, key)?;
        if sent != expected {
            return Err(Reply::bad_request(format!("{key} {sent} does not match {expected} of {id}.")));
        }
    }
    Ok(())
}

fn schedules(value: Option<&Value>, at: &str) -> Result<Vec<Schedule>, Reply> {
    let items: Vec<&Value> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        Some(_) => return Err(Reply::bad_request(format!("{at} must be a list of schedules."))),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let Some(map) = item.as_object() else {
                return Err(Reply::bad_request(format!("{at}[{i}] must be an object.")));
            };
            let field = |key: &str| -> Result<String, Reply> {
                Ok(opt_string(map, key)?.unwrap_or_else(|| "*".to_owned()))
            };
            Ok(Schedule {
                minutes: field("minutes")?,
                hours: field("hours")?,
                days_of_week: field("daysOfWeek")?,
                days_of_month: field("daysOfMonth")?,
                months: field("months")?,
                years: field("years")?,
            })
        })
        .collect()
}

fn delete(inner: &mut Inner, kind: Kind, id: &str) -> Handled {
    let missing = || Reply::not_found(format!("{} {id} was not found.", kind.name()));
    match kind {
        Kind::DeployedPackage => {
            let deployment = inner.state.deployments.iter_mut().find(|d| d.deployment_id == id).ok_or_else(missing)?;
            if deployment.active {
                deployment.active = false;
                inner.record("DeployedPackage", id, "delete");
            }
            Ok(Reply::empty())
        }
        Kind::Environment => {
            if !inner.state.environments.iter().any(|e| e.id == id) {
                return Err(missing());
            }
            inner.state.environments.retain(|e| e.id != id);
            inner.state.extensions.retain(|e| e.environment_id != id);
            let detached: Vec<String> =
                inner.state.attachments.iter().filter(|a| a.environment_id == id).map(|a| a.id.clone()).collect();
            inner.state.attachments.retain(|a| a.environment_id != id);
            inner.record("Environment", id, "delete");
            for attachment in detached {
                inner.record("EnvironmentAtomAttachment", &attachment, "delete");
            }
            Ok(Reply::empty())
        }
        Kind::Atom => {
            if !inner.state.atoms.iter().any(|a| a.id == id) {
                return Err(missing());
            }
            inner.state.atoms.retain(|a| a.id != id);
            let detached: Vec<String> =
                inner.state.attachments.iter().filter(|a| a.atom_id == id).map(|a| a.id.clone()).collect();
            inner.state.attachments.retain(|a| a.atom_id != id);
            inner.record("Atom", id, "delete");
            for attachment in detached {
                inner.record("EnvironmentAtomAttachment", &attachment, "delete");
            }
            Ok(Reply::empty())
        }
        _ => Err(Reply::not_found("No such operation.")),
    }
}
