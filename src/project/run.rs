//! What a run of an exported flow gets from the service around it, synthesised locally:
//! `$connections` and `$authentication` from the connection references, the trigger headers
//! the service adds (`X-MS-APIM-Tokens`, the `x-ms-user-*` headers of manual triggers and the
//! ones the trigger's `headersSchema` declares), `trigger().inputs`, `workflow().tags`, app
//! settings, and the other flows of the export as child flows.
//!
//! Values the service would give but an export does not hold are placeholders, documented in
//! the README ("Your own flows"): the user is `user@example.com`, the connection key is
//! `Key local-connection-key`, the environment is `local`. Every one can be overridden
//! (`--trigger-header`, `--tag`, `--parameters`).

use std::sync::Arc;

use base64::Engine as _;

use crate::error::Result;
use crate::value::{Object, Value};
use crate::workflow::Workflow;

use super::{ConnectionReference, Flow, Project};

/// How deep child flows may call child flows.
pub const MAX_CHILD_DEPTH: usize = 8;

/// The placeholder user of manual triggers.
pub const LOCAL_USER: &str = "user@example.com";
/// The placeholder connection key in `X-MS-APIM-Tokens`.
pub const LOCAL_CONNECTION_KEY: &str = "Key local-connection-key";

/// Everything a run takes from the export besides the definition.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// App settings (`appsetting()`).
    pub app_settings: Object,
    /// `workflow().tags`.
    pub tags: Object,
    /// The flow's connection references.
    pub references: Vec<ConnectionReference>,
    /// Parameter values the export supplies, `$connections` and `$authentication` among them.
    pub parameters: Object,
    /// Trigger headers the service adds; the user's headers override them.
    pub trigger_headers: Object,
    /// The flows `Workflow` actions can call, shared by every level of child runs.
    pub children: Option<Arc<Children>>,
    /// How deep in child runs this run is (0 for the flow the user runs).
    pub depth: usize,
}

/// The flows of an export that can run as child flows.
#[derive(Default)]
pub struct Children {
    flows: Vec<(Flow, std::result::Result<Arc<Workflow>, String>)>,
    app_settings: Object,
}

impl std::fmt::Debug for Children {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.flows.iter().map(|(flow, _)| flow.name.as_str()).collect();
        f.debug_struct("Children").field("flows", &names).finish_non_exhaustive()
    }
}

impl Children {
    /// The child flow a `Workflow` action names (by `host.workflowReferenceName` or
    /// `host.workflow.id`), compiled, with its environment one level deeper.
    pub fn find(
        self: &Arc<Children>,
        id: &str,
        depth: usize,
    ) -> Option<std::result::Result<(Arc<Workflow>, Environment), String>> {
        let last = id.trim_end_matches('/').rsplit('/').next().unwrap_or(id);
        let (flow, compiled) = self.flows.iter().find(|(f, _)| f.is_named(last) || f.is_named(id))?;
        Some(compiled.clone().map(|w| {
            let mut env = Environment::for_flow(flow, &self.app_settings);
            env.children = Some(Arc::clone(self));
            env.depth = depth;
            (w, env)
        }))
    }
}

/// The key of the connection an action uses: `host.connectionName` (OpenApiConnection),
/// or the `$connections` key its `host.connection.name` reads (ApiConnection:
/// `@parameters('$connections')['k']['connectionId']`, or the same through
/// `X-MS-APIM-Tokens`), or `host.connection.referenceName` (Standard).
pub fn connection_key(kind: &str, action: &Value) -> Option<String> {
    let host = action.member("inputs")?.member("host")?;
    if kind.eq_ignore_ascii_case("OpenApiConnection") || kind.eq_ignore_ascii_case("OpenApiConnectionWebhook")
    {
        return host
            .member("connectionName")
            .map(|n| n.to_text())
            .or_else(|| {
                host.member("apiId").map(|a| a.to_text().rsplit('/').next().unwrap_or_default().to_string())
            })
            .filter(|k| !k.is_empty());
    }
    if kind.eq_ignore_ascii_case("ApiConnection") || kind.eq_ignore_ascii_case("ApiConnectionWebhook") {
        let connection = host.member("connection")?;
        if let Some(r) = connection.member("referenceName") {
            return Some(r.to_text());
        }
        return connections_key(&connection.member("name")?.to_text());
    }
    None
}

/// The key in `parameters('$connections')['key']` or `...['$connections']['key']`.
pub fn connections_key(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for marker in ["parameters('$connections')", "['$connections']"] {
        if let Some(at) = lower.find(marker) {
            let rest = text[at + marker.len()..].trim_start();
            let rest = rest.strip_prefix('?').unwrap_or(rest);
            let rest = rest.strip_prefix("['")?;
            let end = rest.find("']")?;
            return Some(rest[..end].to_string());
        }
    }
    None
}

/// The operation an action calls: `(API name, operationId)`, for mocks by operation.
pub fn operation_of(
    kind: &str,
    action: &Value,
    references: &[ConnectionReference],
) -> Option<(String, String)> {
    if kind.eq_ignore_ascii_case("ServiceProvider") {
        return service_provider_operation(action).map(|(_, provider, op)| (provider, op));
    }
    let key = connection_key(kind, action)?;
    let api = references
        .iter()
        .find(|r| r.key.eq_ignore_ascii_case(&key))
        .map(|r| r.api.clone())
        .or_else(|| {
            let host = action.member("inputs")?.member("host")?;
            host.member("apiId").map(|a| a.to_text().rsplit('/').next().unwrap_or_default().to_string())
        })
        .unwrap_or(key);
    let inputs = action.member("inputs");
    let operation = inputs
        .as_ref()
        .and_then(|i| i.member("host"))
        .and_then(|h| h.member("operationId"))
        .or_else(|| action.member("metadata")?.member("flowSystemMetadata")?.member("swaggerOperationId"))
        .map(|o| o.to_text())?;
    Some((api, operation))
}

/// A `ServiceProvider` action's `serviceProviderConfiguration`: `(connectionName, provider,
/// operationId)`, the provider as the last segment of `serviceProviderId`
/// (`/serviceProviders/serviceBus` → `serviceBus`).
pub fn service_provider_operation(action: &Value) -> Option<(String, String, String)> {
    let config = action.member("inputs")?.member("serviceProviderConfiguration")?;
    let text = |key: &str| config.member(key).map(|v| v.to_text()).filter(|t| !t.is_empty());
    let connection = text("connectionName").unwrap_or_default();
    let provider = text("serviceProviderId")
        .map(|id| id.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string())
        .unwrap_or_else(|| connection.clone());
    Some((connection, provider, text("operationId")?))
}

impl Environment {
    /// The environment of one flow of a project.
    pub fn new(project: &Project, flow: &Flow) -> Environment {
        let mut env = Environment::for_flow(flow, &project.app_settings);
        let mut children = Children { flows: Vec::new(), app_settings: project.app_settings.clone() };
        for f in project.flows.iter().chain(&project.siblings) {
            children
                .flows
                .push((f.clone(), f.workflow().map(Arc::new).map_err(|e| format!("{}: {e:#}", f.file))));
        }
        env.children = Some(Arc::new(children));
        env
    }

    fn for_flow(flow: &Flow, app_settings: &Object) -> Environment {
        let mut parameters = flow.parameters.clone();
        let definition = flow.definition();
        let declared = |name: &str| definition.member("parameters").and_then(|p| p.member(name)).is_some();
        let connections = connections_value(&flow.references);
        if declared("$connections") && !parameters.contains_key("$connections") {
            parameters.insert("$connections", connections.clone());
        }
        if declared("$authentication") && !parameters.contains_key("$authentication") {
            let mut auth = Object::new();
            auth.insert("type", Value::from("Raw"));
            auth.insert("value", Value::from(LOCAL_CONNECTION_KEY));
            parameters.insert("$authentication", Value::Object(auth));
        }
        let power_automate = !flow.standard && (declared("$connections") || !flow.references.is_empty());
        Environment {
            app_settings: app_settings.clone(),
            tags: flow.tags.clone(),
            references: flow.references.clone(),
            parameters,
            trigger_headers: service_headers(&definition, &connections, power_automate),
            children: None,
            depth: 0,
        }
    }

    /// The parameter values of a run: the export's, then the user's over them.
    pub fn parameters_with(&self, user: &Object) -> Object {
        let mut out = self.parameters.clone();
        for (k, v) in user {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// Applies `--tag NAME=VALUE` overrides.
    pub fn with_tags(mut self, tags: &Object) -> Environment {
        for (k, v) in tags {
            self.tags.insert(k.clone(), v.clone());
        }
        self
    }
}

/// `$connections` as the service binds it: one entry per reference key.
pub fn connections_value(references: &[ConnectionReference]) -> Value {
    let mut out = Object::new();
    for r in references {
        let api_id = format!("/providers/Microsoft.PowerApps/apis/{}", r.api);
        let connection =
            r.connection.clone().or_else(|| r.logical_name.clone()).unwrap_or_else(|| r.key.clone());
        let mut entry = Object::new();
        entry.insert("connectionId", Value::from(format!("{api_id}/connections/{connection}")));
        entry.insert("connectionName", Value::from(connection));
        entry.insert("id", Value::from(api_id));
        out.insert(r.key.clone(), Value::Object(entry));
    }
    Value::Object(out)
}

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// The headers the service adds to the trigger's outputs: `X-MS-APIM-Tokens` (base64 JSON
/// with `$ConnectionKey` and `$connections`) for Power Automate flows, the user headers of
/// manual triggers, and whatever the trigger's `headersSchema` declares (a `format: byte`
/// header is base64).
fn service_headers(definition: &Value, connections: &Value, power_automate: bool) -> Object {
    let mut headers = Object::new();
    let Some((_, trigger)) = definition
        .member("triggers")
        .and_then(|t| t.as_object().and_then(|o| o.get_index(0).map(|(k, v)| (k.clone(), v.clone()))))
    else {
        return headers;
    };
    if !power_automate {
        return headers;
    }
    let mut tokens = Object::new();
    tokens.insert("$ConnectionKey", Value::from(LOCAL_CONNECTION_KEY));
    tokens.insert("$connections", connections.clone());
    headers.insert(
        "X-MS-APIM-Tokens",
        Value::from(base64(&crate::value::to_json_string(&Value::Object(tokens)))),
    );
    let kind = trigger.member("kind").map(|k| k.to_text().to_ascii_lowercase()).unwrap_or_default();
    let manual = trigger.member("type").is_some_and(|t| t.to_text().eq_ignore_ascii_case("Request"))
        && ["button", "powerapp", "powerappv2", "apicconnection", "skills", ""].contains(&kind.as_str());
    if manual {
        headers.insert("x-ms-user-email", Value::from(LOCAL_USER));
        headers.insert("x-ms-user-email-encoded", Value::from(base64(LOCAL_USER)));
        headers.insert("x-ms-user-name", Value::from("Local User"));
        headers.insert("x-ms-user-name-encoded", Value::from(base64("Local User")));
    }
    if let Some(Value::Object(schema)) = trigger.member("inputs").and_then(|i| i.member("headersSchema")) {
        for (name, decl) in &schema {
            if headers.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                continue;
            }
            let byte = decl.member("format").is_some_and(|f| f.to_text().eq_ignore_ascii_case("byte"));
            let plain = if name.to_ascii_lowercase().contains("email") {
                LOCAL_USER.to_string()
            } else {
                format!("local {name}")
            };
            headers.insert(name.clone(), Value::from(if byte { base64(&plain) } else { plain }));
        }
    }
    headers
}

impl Flow {
    /// Compiles the flow for the runner (errors point into [`Flow::file`]).
    pub fn workflow(&self) -> Result<Workflow> {
        Workflow::at(&self.document, &self.pointer, self.standard, &crate::workflow::engine())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_keys_in_both_forms() {
        for (text, key) in [
            ("@parameters('$connections')['office365']['connectionId']", Some("office365")),
            ("@parameters('$connections')?['x']?['connectionId']", Some("x")),
            ("@json(decodeBase64(triggerOutputs().headers['X-MS-APIM-Tokens']))['$connections']['shared_sharepointonline']['connectionId']", Some("shared_sharepointonline")),
            ("/subscriptions/1/connections/x", None),
        ] {
            assert_eq!(connections_key(text).as_deref(), key, "{text}");
        }
    }
}
