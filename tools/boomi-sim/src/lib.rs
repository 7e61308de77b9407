//! An in-memory, stateful stand-in of the Boomi Platform REST API, for the objects a
//! CI/CD deployment workflow touches (seed 004): ComponentMetadata, Process,
//! PackagedComponent, DeployedPackage, Environment, Atom, EnvironmentAtomAttachment,
//! EnvironmentExtensions, ProcessSchedules and ProcessScheduleStatus.
//!
//! It answers under `/api/rest/v1/{accountId}/...` exactly the paths, methods and
//! shapes of the corrected spec (`spec/boomi-platform.yaml` plus `spec/overlays/`), so
//! the generated client decodes every answer and Prism, proxying in front of it,
//! validates every answer. What it adds for tests:
//!
//! - a **change log** ([`Sim::changes`]) of every state change made through the API,
//!   so a test can assert that each happened exactly once;
//! - request counters, in total ([`Sim::requests`]) and per route ([`Sim::route_requests`]);
//! - an optional **rate limit** ([`Sim::set_rate_limit`]) answering Boomi's 503;
//! - **fault injection** ([`Sim::fail_request`]): a chosen mutating request gets its
//!   connection closed without any response, before or after its change is applied;
//! - the secret values of encrypted extension fields, which the API never returns, in
//!   [`Sim::state`].
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let sim = boomi_sim::Sim::start(boomi_sim::Options::default()).await?;
//! println!("--base-url {}", sim.url());
//! # Ok(())
//! # }
//! ```
//!
//! Behaviour, with the fact-sheet sections it follows:
//!
//! - Auth (§4): Basic, user name and token exactly as in [`Options`]; anything else is
//!   a 401. An account in the path other than [`Options::account_id`] is a 403.
//! - Queries (§1): the twelve operators of the spec's enums (Atom: EQUALS, NOT_EQUALS,
//!   CONTAINS, NOT_CONTAINS only), each with its argument count (0 for IS_NULL and
//!   IS_NOT_NULL, 2 for BETWEEN, else 1), lowercase `and`/`or` groups nested to any
//!   depth, a bare simple expression at the root, `{}` for everything. STARTS_WITH,
//!   uppercase groups, unknown properties and wrong argument counts are 400s. LIKE
//!   takes `%` as its wildcard and is case-sensitive; comparisons are numeric for
//!   numbers, by instant for timestamps, else by text.
//! - Paging (§2): [`Options::page_size`] results per page (100 as Boomi), a
//!   `queryToken` only when more remain, `numberOfResults` counting this page; the
//!   token goes verbatim as the `text/plain` body of `queryMore` on the same object
//!   (another object's queryMore, or an unknown or expired token, is a 400). Tokens stay
//!   valid until [`Sim::expire_query_tokens`], so a retried queryMore works.
//! - Errors (§3.2): 400 `{"error":{"message"}}` (SPEC-intro's sample for 400), 401 and
//!   404 `{"@type":"Error","message"}` (what Boomi's CI/CD scripts detect), 403 and 503
//!   `{"message"}` (the SPEC's own examples), always JSON; only the
//!   statuses the spec declares for each operation (no 400 on a by-id GET of the seed's
//!   objects, no 404 on a create or query).
//! - PackagedComponent create (§5.1): needs an existing component; `packageVersion`
//!   defaults to `"{revision}.0"`; a second package with the same componentId and
//!   packageVersion is a 400.
//! - DeployedPackage create (§5.1): `environmentId` plus exactly one of `packageId` and
//!   `componentId` (which packages the latest revision, reusing the package made for
//!   that revision before); the previous active deployment of the component in the
//!   environment becomes `active: false`; deploying a package that is already the
//!   active one there is a 400 \[inference: the real API's answer is not documented\].
//!   A deployed process gets an empty ProcessSchedules and an enabled
//!   ProcessScheduleStatus on every runtime attached to the environment, both with the
//!   same synthesized id (as Boomi's CI/CD scripts rely on, §6.3). DELETE undeploys
//!   (sets `active: false`, keeps the record).
//! - EnvironmentExtensions (§5.1, seed 004): GET hides the value of every encrypted
//!   field (`encryptedValueSet` says whether one is stored). An update may name only
//!   items and fields the environment has (else 400). `partial: true` changes only what
//!   is sent; `partial` false or omitted is a full update: every field left out is reset
//!   (`useDefault: true`, no value) **except encrypted fields, which keep their secret**,
//!   `properties` entries left out are removed, cross-reference tables left out lose
//!   their overrides. A sent field with `useDefault: true` is reset, with a `value` set;
//!   with neither, an encrypted field is kept (so a GET-then-update round trip keeps the
//!   secret) and a plain one reset; `useDefault: false` without a value on a plain field
//!   is a 400.
//! - ProcessSchedules update clears and replaces; the body must carry `id`, `atomId`
//!   and `processId` matching the object (else 400); `Retry.maxRetry` is 1..=5.

mod api;
mod extensions;
mod ids;
mod model;
mod objects;
mod query;
mod seed;
mod server;
mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use model::{
    Atom, Attachment, Change, ComponentRevision, DeployedPackage, Environment, Extensions, FieldState,
    PackagedComponent, ProcessSchedules, Schedule, ScheduleRetry, ScheduleStatus, State,
};
pub use seed::demo;

use server::Shared;
use store::{Inner, KIND_COMPONENT, PendingFault};

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// The account in the URL path; requests for another account get a 403.
    pub account_id: String,
    /// The Basic-auth user name, e.g. `BOOMI_TOKEN.ci@example.com`.
    pub username: String,
    /// The Basic-auth password (the API token).
    pub token: String,
    /// What the simulator holds at start.
    pub seed: Seed,
    /// Requests per one-second window before 503s; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// Results per query page (Boomi: 100); at least 1.
    pub page_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            account_id: "demo-account".to_owned(),
            username: "BOOMI_TOKEN.ci@example.com".to_owned(),
            token: "demo-token".to_owned(),
            seed: Seed::Demo,
            rate_limit: None,
            page_size: 100,
        }
    }
}

/// The initial state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// Nothing at all.
    Empty,
    /// The objects of [`demo`].
    Demo,
}

/// How a request chosen with [`Sim::fail_request`] fails: its connection is closed
/// without any HTTP response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Before the request changes anything.
    DropBeforeApply,
    /// After the change is applied (and logged): the client never hears that it
    /// happened.
    DropAfterApply,
}

/// A running simulator. The server runs on a tokio task and stops when this is dropped.
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    account_id: String,
    task: JoinHandle<()>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("url", &self.url()).finish_non_exhaustive()
    }
}

impl Sim {
    /// Starts a simulator on a free port of 127.0.0.1.
    pub async fn start(options: Options) -> std::io::Result<Sim> {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0)), options).await
    }

    /// Starts a simulator on the given address (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, options: Options) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mut inner = Inner::new(options.account_id.clone(), options.username, options.token, options.page_size);
        inner.rate_limit = options.rate_limit;
        if options.seed == Seed::Demo {
            seed::demo(&mut inner);
        }
        let shared = Arc::new(Shared::new(inner));
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(Sim { shared, addr, account_id: options.account_id, task })
    }

    /// The base URL of the API, `http://127.0.0.1:PORT/api/rest/v1/<account_id>`.
    pub fn url(&self) -> String {
        format!("http://{}/api/rest/v1/{}", self.addr, self.account_id)
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far: answered (503s and errors included) or dropped.
    pub fn requests(&self) -> u64 {
        self.shared.lock().requests
    }

    /// Requests per route, keyed like `POST /DeployedPackage`,
    /// `GET /DeployedPackage/{id}` or `POST /DeployedPackage/queryMore`; requests for no
    /// known route count under `METHOD (no such route)`.
    pub fn route_requests(&self) -> BTreeMap<String, u64> {
        self.shared.lock().per_route.clone()
    }

    /// The requests to one route (a key of [`Sim::route_requests`]).
    pub fn requests_to(&self, route: &str) -> u64 {
        self.shared.lock().per_route.get(route).copied().unwrap_or(0)
    }

    /// Sets or lifts the rate limit (requests per one-second window).
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        let mut inner = self.shared.lock();
        inner.rate_limit = per_second;
        inner.window = None;
    }

    /// Makes the `nth_from_now`-th next **mutating** request fail with `fault`
    /// (1 = the very next; 0 counts as 1). Mutating means a create (`POST /{Object}`),
    /// an update (`POST /{Object}/{id}`) or a `DELETE`; GETs, queries and queryMores
    /// are not counted, nor are requests answered before reaching their handler (a
    /// 503 from the rate limit, a 401, 403 or 404). A request that fails validation
    /// still counts: with `DropAfterApply` its (unchanged) state stands and only the
    /// answer is lost.
    pub fn fail_request(&self, nth_from_now: u64, fault: Fault) {
        let mut inner = self.shared.lock();
        let at = inner.mutating + nth_from_now.max(1);
        inner.faults.push(PendingFault { at, fault });
    }

    /// Every state change made through the API, in order. Changes made by the `Sim`
    /// setup methods (seed, [`Sim::add_component`], [`Sim::add_deployments`]) are not
    /// logged.
    pub fn changes(&self) -> Vec<Change> {
        self.shared.lock().changes.clone()
    }

    /// A snapshot of the whole state, secrets included.
    pub fn state(&self) -> State {
        self.shared.lock().state.clone()
    }

    /// Makes every query token issued so far invalid, as if it had expired.
    pub fn expire_query_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Adds a process component at revision `version`, or, if it exists, a new
    /// revision numbered `max(version, current + 1)` (and renamed to `name`).
    pub fn add_component(&self, id: &str, name: &str, version: i32) {
        self.shared.lock().add_component(id, name, "process", version);
    }

    /// Adds `n` new process components, each packaged (version `1.0`) and actively
    /// deployed in the environment; nothing if the environment does not exist.
    pub fn add_deployments(&self, environment_id: &str, n: usize) {
        let mut inner = self.shared.lock();
        if !inner.state.environments.iter().any(|e| e.id == environment_id) {
            return;
        }
        let logged = inner.changes.len();
        for _ in 0..n {
            let id = inner.new_id(KIND_COMPONENT);
            let name = format!("Bulk Process {}", inner.state.components.len() + 1);
            inner.add_component(&id, &name, "process", 1);
            if let Ok(package) = inner.create_package(&id, None, Some("1.0".to_owned()), None, None) {
                let _ = inner.deploy(environment_id, &package.package_id, None, "RUNNING");
            }
        }
        inner.changes.truncate(logged);
    }

    /// Adds an environment (with empty extensions) and returns its id.
    pub fn add_environment(&self, name: &str, classification: &str) -> String {
        self.shared.lock().add_environment(None, name, classification).id
    }

    /// Adds an ONLINE runtime.
    pub fn add_atom(&self, id: &str, name: &str) {
        self.shared.lock().add_atom(id, name);
    }

    /// Attaches a runtime to an environment (moving it from any other).
    pub fn attach_atom(&self, atom_id: &str, environment_id: &str) {
        self.shared.lock().attach(atom_id, environment_id);
    }
}
