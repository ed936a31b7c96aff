//! Connector actions in workflows: Power Automate `OpenApiConnection` and Logic Apps
//! `ApiConnection` actions bound to local connector folders through a connections file.
//!
//! ```json
//! {
//!   "connectors": {
//!     "shared_expenses": { "connector": "connectors/expenses", "connection": "expenses.connection.json" },
//!     "slack":           { "connector": "connectors/slack",    "connection": { "oauth": { "accessToken": { "env": "SLACK_TOKEN" } } } }
//!   }
//! }
//! ```
//!
//! Paths are relative to the connections file; `connection` is a connection file or an
//! inline connection. An action finds its entry by (names compared without regard to
//! case):
//!
//! - `OpenApiConnection`: `inputs.host.connectionName` (the `connectionReferences` key),
//!   else `inputs.host.apiId` or its last segment (`shared_expenses` in
//!   `/providers/Microsoft.PowerApps/apis/shared_expenses`);
//! - `ApiConnection`: `inputs.host.connection.referenceName` (Standard), else the `$connections`
//!   key in `@parameters('$connections')['key']['connectionId']` (Consumption), else the
//!   last segment of the connection id it renders to;
//! - then, for a run of an export, the API name of the connection reference those keys name
//!   (`connectionReferences[key].api.name`, `connectionsMap`/`apisMap`, a Standard
//!   `connections.json` `managedApiConnections[key].api.id`): `shared_sharepointonline`
//!   serves `shared_sharepointonline_1` ([`Bindings::with_references`]).
//!
//! An entry without `connector` binds the custom connector the export ships for its key (a
//! solution's `Connector/*`; [`Bindings::load_with`]).
//!
//! `OpenApiConnection` inputs are `host.operationId` and the flat `parameters` map (keys are
//! swagger parameter names; body properties flattened as `body/property`).
//! `ApiConnection` inputs are `method`, `path` (values already inserted and encoded),
//! `queries`, `headers` and `body`; the operation is the one whose method and swagger path
//! match, for policy scoping and paging. Pagination follows
//! `runtimeConfiguration.paginationPolicy.minimumItemCount`; `inputs.retryPolicy` applies as
//! for Http actions (the default policy when absent).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

use super::connection::{BoundConnection, Connection};
use super::load::Connector;
use super::request::{CallInput, RawRequest};
use super::send::{CallOptions, CallOutcome};
use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::record::{status_code_name, ActionError, ActionRecord, ActionStatus, Outputs};
use crate::runtime::redact::Redactor;

/// One connector bound to its connection.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The key actions name it by.
    pub key: String,
    /// The connector.
    pub connector: Arc<Connector>,
    /// Its connection.
    pub connection: BoundConnection,
}

/// The connectors a workflow's connector actions use.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    entries: Vec<Binding>,
    /// The flow's connection references: key → API name (`shared_sharepointonline_1` →
    /// `shared_sharepointonline`), so an action naming a reference finds the entry for its API.
    references: Vec<(String, String)>,
}

/// Finds the connector an export ships for an entry that names none (a solution's custom
/// connector, by reference key, API name or connector name).
pub type ShippedConnectors<'a> = &'a dyn Fn(&str) -> Option<Arc<Connector>>;

fn definition_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message)
}

use crate::project::run::connections_key;

impl Bindings {
    /// No bindings.
    pub fn new() -> Bindings {
        Bindings::default()
    }

    /// Adds a connector under a key.
    pub fn add(&mut self, key: &str, connector: Arc<Connector>, connection: BoundConnection) {
        self.entries.push(Binding { key: key.to_string(), connector, connection });
    }

    /// Reads a connections file (see the module documentation).
    pub fn load(path: &Path) -> Result<Bindings> {
        Bindings::load_with(path, &|_| None)
    }

    /// Reads a connections file whose entries may leave out `connector` when the export
    /// ships it (`shipped`).
    pub fn load_with(path: &Path, shipped: ShippedConnectors<'_>) -> Result<Bindings> {
        let text = crate::source::read_text(path, "connections file")?;
        let value = crate::source::parse_json(&text, "connections file").map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        Bindings::from_value_with(&value, &base, shipped).map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })
    }

    /// Reads a connections document; relative paths are resolved against `base`.
    pub fn from_value(value: &Value, base: &Path) -> Result<Bindings> {
        Bindings::from_value_with(value, base, &|_| None)
    }

    /// Reads a connections document; an entry without `connector` takes the one `shipped`
    /// finds for its key.
    pub fn from_value_with(value: &Value, base: &Path, shipped: ShippedConnectors<'_>) -> Result<Bindings> {
        let entries = value.member("connectors").and_then(|c| c.as_object().cloned()).ok_or_else(|| {
            definition_error(
                "a connections file needs a \"connectors\" object (key → {connector, connection})",
            )
        })?;
        let mut out = Bindings::new();
        for (key, entry) in entries.iter() {
            let connector = match entry.member("connector").and_then(|f| f.as_str().map(str::to_string)) {
                Some(folder) => Arc::new(
                    Connector::load(base.join(&folder))
                        .map_err(|e| definition_error(format!("connectors.{key}: {}", e.message())))?,
                ),
                None => shipped(key).ok_or_else(|| {
                    definition_error(format!(
                        "connectors.{key} needs \"connector\": the connector folder (the export ships no custom connector for '{key}')"
                    ))
                })?,
            };
            let connection = match entry.member("connection") {
                None | Some(Value::Null) => Connection::new(),
                Some(Value::String(file)) => Connection::load(base.join(&*file))?,
                Some(inline) => Connection::from_value(&inline)?,
            };
            let bound = connection
                .bind(&connector)
                .map_err(|e| definition_error(format!("connectors.{key}: {}", e.message())))?;
            out.add(key, connector, bound);
        }
        Ok(out)
    }

    /// The same entries, for a flow with these connection references (key → API name).
    pub fn with_references(&self, references: impl IntoIterator<Item = (String, String)>) -> Bindings {
        Bindings { entries: self.entries.clone(), references: references.into_iter().collect() }
    }

    /// Does an entry serve this action, judged from its inputs as written?
    pub fn serves(&self, action_type: &str, raw_inputs: &Value) -> bool {
        self.binding_for(action_type, raw_inputs, raw_inputs).is_ok()
    }

    /// The entries.
    pub fn entries(&self) -> &[Binding] {
        &self.entries
    }

    /// The entry with this key (without regard to case).
    pub fn find(&self, key: &str) -> Option<&Binding> {
        self.entries.iter().find(|b| b.key.eq_ignore_ascii_case(key))
    }

    /// The entry an action uses. `raw_inputs` are the inputs as written (for the
    /// `$connections` key), `inputs` as rendered.
    pub fn binding_for(&self, action_type: &str, raw_inputs: &Value, inputs: &Value) -> Result<&Binding> {
        let host = inputs.member("host").unwrap_or_default();
        let raw_host = raw_inputs.member("host").unwrap_or_default();
        let mut candidates: Vec<String> = Vec::new();
        if action_type.eq_ignore_ascii_case("OpenApiConnection") {
            candidates.extend(host.member("connectionName").and_then(|v| v.as_str().map(str::to_string)));
            if let Some(api) = host.member("apiId").and_then(|v| v.as_str().map(str::to_string)) {
                candidates.extend(api.rsplit('/').next().map(str::to_string));
                candidates.push(api);
            }
        } else {
            let connection = host.member("connection").unwrap_or_default();
            candidates
                .extend(connection.member("referenceName").and_then(|v| v.as_str().map(str::to_string)));
            let raw_name = raw_host
                .member("connection")
                .and_then(|c| c.member("name"))
                .map(|n| n.to_text())
                .unwrap_or_default();
            candidates.extend(connections_key(&raw_name));
            if let Some(name) = connection.member("name").map(|n| n.to_text()) {
                candidates.extend(name.rsplit('/').next().map(str::to_string));
                candidates.push(name);
            }
        }
        candidates.retain(|c| !c.is_empty());
        // A connection reference key stands for its API name: an entry keyed by either serves.
        let apis: Vec<String> = candidates
            .iter()
            .filter_map(|c| self.references.iter().find(|(k, _)| k.eq_ignore_ascii_case(c)))
            .map(|(_, api)| api.clone())
            .filter(|api| !candidates.iter().any(|c| c.eq_ignore_ascii_case(api)))
            .collect();
        candidates.extend(apis);
        candidates.iter().find_map(|c| self.find(c)).ok_or_else(|| {
            let keys: Vec<&str> = self.entries.iter().map(|b| b.key.as_str()).collect();
            definition_error(format!(
                "no connector in the connections file for this {action_type} action (looked for {}; the file has {})",
                if candidates.is_empty() { "nothing: the action names no connection".to_string() } else { candidates.join(", ") },
                if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
            ))
        })
    }

    /// Runs a connector action. `runtime_configuration` is the action's
    /// `runtimeConfiguration` (for `paginationPolicy`).
    pub fn execute(
        &self,
        action_type: &str,
        raw_inputs: &Value,
        inputs: &Value,
        runtime_configuration: Option<&Value>,
        options: &CallOptions,
    ) -> Result<CallOutcome> {
        let binding = self.binding_for(action_type, raw_inputs, inputs)?;
        let connector = &binding.connector;
        let mut options = options.clone();
        // As for Http: the action's retryPolicy, else the service's default policy.
        match inputs.member("retryPolicy") {
            Some(policy) => {
                let parsed = crate::runtime::retry::RetryPolicy::from_value(&policy).map_err(|e| {
                    Error::new(ErrorKind::Definition, format!("inputs.retryPolicy: {}", e.message))
                })?;
                options.retry_policy = Some(parsed);
            }
            None if options.retry_policy.is_none() => {
                options.retry_policy = Some(crate::runtime::retry::RetryPolicy::default());
            }
            None => {}
        }
        if let Some(min) = runtime_configuration
            .and_then(|r| r.member("paginationPolicy"))
            .and_then(|p| p.member("minimumItemCount"))
            .and_then(|m| m.as_i64())
        {
            options.paginate = true;
            options.minimum_items = usize::try_from(min).ok();
        }
        if action_type.eq_ignore_ascii_case("OpenApiConnection") {
            let op = inputs
                .member("host")
                .and_then(|h| h.member("operationId"))
                .and_then(|o| o.as_str().map(str::to_string))
                .ok_or_else(|| {
                    definition_error("an OpenApiConnection action needs inputs.host.operationId")
                })?;
            let params = inputs.member("parameters").and_then(|p| p.as_object().cloned()).unwrap_or_default();
            let input = CallInput::from_flow_parameters(&params);
            return connector.call(&op, &binding.connection, &input, &options);
        }
        let method = inputs.member("method").map(|m| m.to_text()).unwrap_or_default();
        let path = inputs.member("path").map(|p| p.to_text()).unwrap_or_default();
        if method.is_empty() || path.is_empty() {
            return Err(definition_error("an ApiConnection action needs inputs.method and inputs.path"));
        }
        let (op, _) = connector.match_operation(&method, &path).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "the connector {} has no operation for {} {path}",
                    connector.name,
                    method.to_ascii_uppercase()
                ),
            )
        })?;
        let object = |key: &str| inputs.member(key).and_then(|q| q.as_object().cloned()).unwrap_or_default();
        let raw = RawRequest {
            method,
            path,
            queries: object("queries"),
            headers: object("headers"),
            body: inputs.member("body"),
        };
        let input = CallInput { raw: Some(raw), ..CallInput::default() };
        connector.call(&op.id, &binding.connection, &input, &options)
    }
}

impl Bindings {
    /// Runs a connector action and returns its record, as the HTTP runtime does for Http
    /// actions: Succeeded for a 2xx answer, else Failed with the status name as the code
    /// (`NotFound`); a call that gets no answer, or cannot be made, is Failed with the
    /// reason. Every attempt is listed; secrets are redacted.
    #[allow(clippy::too_many_arguments)]
    pub fn execute_record(
        &self,
        name: &str,
        action_type: &str,
        raw_inputs: &Value,
        inputs: &Value,
        runtime_configuration: Option<&Value>,
        options: &CallOptions,
    ) -> ActionRecord {
        let clock: Arc<dyn Clock> = options.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let start_time = clock.utc_now();
        let mut redactor = Redactor::new();
        if let Ok(binding) = self.binding_for(action_type, raw_inputs, inputs) {
            for secret in &binding.connection.secrets {
                redactor.add(secret);
            }
        }
        let result = self.execute(action_type, raw_inputs, inputs, runtime_configuration, options);
        let (status, code, outputs, error, attempts) = match result {
            Ok(outcome) => {
                let mut headers = crate::value::Object::new();
                for (k, v) in &outcome.headers {
                    headers.insert(k.as_str(), Value::from(v.as_str()));
                }
                let code = status_code_name(outcome.status);
                let (status, error) = if (200..300).contains(&outcome.status) {
                    (ActionStatus::Succeeded, None)
                } else {
                    let message = format!("The connector answered {} ({code}).", outcome.status);
                    (ActionStatus::Failed, Some(ActionError { code: code.clone(), message }))
                };
                let body = (!outcome.body.is_null()).then(|| outcome.body.clone());
                let outputs = Outputs { status_code: outcome.status, headers, body };
                (status, code, Some(outputs), error, outcome.attempt_log)
            }
            Err(e) => {
                let code = match e.kind() {
                    ErrorKind::Http => "BadGateway",
                    ErrorKind::Unsupported => "Unsupported",
                    _ => "BadRequest",
                };
                let error = ActionError { code: code.into(), message: redactor.redact_text(e.message()) };
                (ActionStatus::Failed, code.to_string(), None, Some(error), Vec::new())
            }
        };
        ActionRecord {
            name: name.to_string(),
            action_type: action_type.to_string(),
            status,
            code,
            start_time,
            end_time: clock.utc_now(),
            inputs: redactor.redact_value(inputs),
            outputs,
            error,
            attempts,
            secure_inputs: false,
            secure_outputs: false,
            redactor,
        }
    }
}
