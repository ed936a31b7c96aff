//! `check` on a flow of an export: the static checks of [`crate::check`], plus everything
//! the runner refuses when it loads the definition (so `check` and `run` agree), plus a
//! warning for each input a run will need that the export does not carry (mocks or
//! connections for its connector actions, app settings, parameter values).

use std::collections::BTreeMap;

use crate::check::{Report, Severity};
use crate::error::Result;
use crate::template::push_pointer_token;
use crate::value::Value;

use super::{Flow, Project};

/// Checks one flow of a project; findings point into the file that holds it.
pub fn check_flow(project: &Project, flow: &Flow) -> Result<Report> {
    let mut report = crate::check::check_at(&flow.text, &flow.pointer)?;
    // A parameter the definition does not declare is fine when the export supplies it (a
    // Standard project's parameters.json).
    // Connector and service-provider actions get the precise warnings of `run_inputs`
    // (which connection, which mock) instead of the generic one.
    let precise = ["ApiConnection", "OpenApiConnection", "ServiceProvider"];
    report.findings.retain(|f| match f.code {
        "unknown-parameter" => {
            let message = f.message.to_ascii_lowercase();
            !flow
                .parameters
                .keys()
                .any(|k| message.starts_with(&format!("parameters('{}')", k.to_ascii_lowercase())))
        }
        "hosted-only-action" => !super::pointer_get(&flow.document, &f.pointer)
            .and_then(|t| t.as_str().map(str::to_string))
            .is_some_and(|t| precise.iter().any(|p| p.eq_ignore_ascii_case(&t))),
        _ => true,
    });
    match flow.workflow() {
        Err(e) => {
            let pointer = e.pointer().unwrap_or(&flow.pointer).to_string();
            let covered = report.findings.iter().any(|f| {
                f.severity == Severity::Error
                    && (f.pointer == pointer || pointer.starts_with(&format!("{}/", f.pointer)))
            });
            if !covered {
                report.add(
                    Severity::Error,
                    "definition",
                    format!("the runner refuses this definition: {}", e.message()),
                    &pointer,
                );
            }
        }
        Ok(workflow) => {
            for invalid in workflow.invalid_actions() {
                report.add(
                    Severity::Error,
                    "invalid-action",
                    format!(
                        "'{}': {}; a run refuses to start until it is fixed",
                        invalid.name, invalid.message
                    ),
                    &invalid.pointer,
                );
            }
        }
    }
    run_inputs(project, flow, &mut report);
    for c in &project.connectors {
        if let Err(e) = &c.connector {
            report.add(
                Severity::Error,
                "custom-connector",
                format!("the solution's custom connector {} does not load: {e}", c.name),
                &flow.pointer,
            );
        }
    }
    Ok(report)
}

/// The pointer of a definition member.
fn at(flow: &Flow, path: &[&str]) -> String {
    let mut p = flow.pointer.clone();
    for token in path {
        p.push('/');
        push_pointer_token(&mut p, token);
    }
    p
}

/// Warnings naming what a run of this flow needs from outside the export.
fn run_inputs(project: &Project, flow: &Flow, report: &mut Report) {
    let definition = flow.definition();
    // Connector actions by the reference (or API) they use.
    // Connector actions by connection key: (actions, do they name an operation?).
    let mut by_reference: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
    let mut children = Vec::new();
    // Service-provider actions by connection: (provider, operationIds, actions).
    let mut by_provider: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
    walk_actions(&definition, &mut |name, action| {
        let kind = action.member("type").map(|t| t.to_text()).unwrap_or_default();
        if kind.eq_ignore_ascii_case("ServiceProvider") {
            if let Some((connection, provider, op)) = super::run::service_provider_operation(action) {
                let entry =
                    by_provider.entry(connection).or_insert_with(|| (provider, Vec::new(), Vec::new()));
                if !entry.1.contains(&op) {
                    entry.1.push(op);
                }
                entry.2.push(name.to_string());
            }
        }
        if let Some(key) = super::run::connection_key(&kind, action) {
            let entry = by_reference.entry(key).or_default();
            entry.0.push(name.to_string());
            entry.1 |= super::run::operation_of(&kind, action, &flow.references).is_some();
        }
        if kind.eq_ignore_ascii_case("Workflow") {
            let id = action
                .member("inputs")
                .and_then(|i| i.member("host"))
                .and_then(|h| h.member("workflow"))
                .and_then(|w| w.member("id"));
            children.push((name.to_string(), id.map(|i| i.to_text()).unwrap_or_default()));
        }
    });
    for (key, (actions, by_operation)) in &by_reference {
        let reference = flow.references.iter().find(|r| r.key.eq_ignore_ascii_case(key));
        let api = reference.map_or(key.as_str(), |r| r.api.as_str());
        let custom = project
            .connectors
            .iter()
            .find(|c| super::powerautomate::connector_serves(c, api))
            .map(|c| {
                format!(
                    " (the solution's custom connector {} serves it: {}; a --connections entry \"{api}\": {{\"connection\": FILE}} runs it)",
                    c.name, c.file
                )
            })
            .unwrap_or_default();
        let pointer = if reference.is_some() && flow.pointer == "/properties/definition" {
            let mut p = "/properties/connectionReferences/".to_string();
            push_pointer_token(&mut p, key);
            p
        } else {
            flow.pointer.clone()
        };
        report.add(
            Severity::Warning,
            "needs-connection",
            format!(
                "a run needs a mock (by action name{}) or a --connections entry for '{api}'{} for {}: {}{custom}",
                if *by_operation { format!(", or by operation of {api}") } else { String::new() },
                if key.eq_ignore_ascii_case(api) { String::new() } else { format!(" (or '{key}')") },
                if actions.len() == 1 { "its action" } else { "its actions" },
                actions.join(", ")
            ),
            &pointer,
        );
    }
    let declared = super::connections::service_providers(project.connections.as_ref());
    for (connection, (provider, operations, actions)) in &by_provider {
        let source = match declared.iter().find(|(n, _)| n.eq_ignore_ascii_case(connection)) {
            Some((_, id)) if !id.is_empty() => format!("{id} in connections.json"),
            Some(_) => "in connections.json".to_string(),
            None if project.connections.is_some() => "not in connections.json".to_string(),
            None => "service provider".to_string(),
        };
        let example: Vec<String> = operations.iter().map(|op| format!("\"{op}\": {{...}}")).collect();
        report.add(
            Severity::Warning,
            "needs-mock",
            format!(
                "the service provider connection '{connection}' ({source}) runs only in the hosted service: a run needs a mock for {}: {} (by action name, or by operation: {{\"operations\": {{\"{provider}\": {{{}}}}}}}), or --stub-unmocked",
                if actions.len() == 1 { "its action" } else { "its actions" },
                actions.join(", "),
                example.join(", ")
            ),
            &at(flow, &["actions"]),
        );
    }
    for (name, id) in children {
        if project.child(&id).is_none() {
            report.add(
                Severity::Warning,
                "needs-child-flow",
                format!("'{name}' calls the flow '{id}', which is not in this export; a run needs a mock for '{name}'"),
                &at(flow, &["actions"]),
            );
        }
    }
    let mut settings = Vec::new();
    strings(&definition, &mut flow.pointer.clone(), &mut |pointer, text| {
        for name in app_setting_names(text) {
            if !project.app_settings.keys().any(|k| k.eq_ignore_ascii_case(&name)) {
                settings.push((pointer.to_string(), name));
            }
        }
    });
    for (pointer, name) in settings {
        report.add(
            Severity::Warning,
            "needs-app-setting",
            format!("appsetting('{name}'): a run needs this app setting (local.settings.json \"Values\", or the run context)"),
            &pointer,
        );
    }
    if let Some(Value::Object(params)) = definition.member("parameters") {
        for (name, decl) in &params {
            let has_default = decl.member("defaultValue").is_some_and(|d| !d.is_null());
            if !has_default && !flow.parameters.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                report.add(
                    Severity::Warning,
                    "needs-parameter",
                    format!(
                        "parameter '{name}' has no value in the export: a run needs --parameters or {}",
                        crate::workflow::params::env_name(name)
                    ),
                    &at(flow, &["parameters", name]),
                );
            }
        }
    }
}

/// Visits every action (nested ones too) with its name.
pub(super) fn walk_actions(definition: &Value, f: &mut dyn FnMut(&str, &Value)) {
    fn container(actions: &Value, f: &mut dyn FnMut(&str, &Value), depth: usize) {
        let Value::Object(actions) = actions else { return };
        if depth > 64 {
            return;
        }
        for (name, action) in actions {
            f(name, action);
            for key in ["actions"] {
                if let Some(inner) = action.member(key) {
                    container(&inner, f, depth + 1);
                }
            }
            if let Some(inner) = action.member("else").and_then(|e| e.member("actions")) {
                container(&inner, f, depth + 1);
            }
            if let Some(inner) = action.member("default").and_then(|e| e.member("actions")) {
                container(&inner, f, depth + 1);
            }
            if let Some(Value::Object(cases)) = action.member("cases") {
                for (_, case) in &cases {
                    if let Some(inner) = case.member("actions") {
                        container(&inner, f, depth + 1);
                    }
                }
            }
        }
    }
    if let Some(actions) = definition.member("actions") {
        container(&actions, f, 0);
    }
}

/// Visits every string of a value with its pointer, object keys too (they are templates:
/// the key at a pointer, then its value).
fn strings(value: &Value, pointer: &mut String, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(pointer, s),
        Value::Object(o) => {
            for (k, v) in o {
                let len = pointer.len();
                pointer.push('/');
                push_pointer_token(pointer, k);
                f(pointer, k);
                strings(v, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                strings(v, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The names in `appsetting('X')` calls of a text (any case).
fn app_setting_names(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("appsetting(") {
        let start = from + i + "appsetting(".len();
        let rest = text[start..].trim_start();
        if let Some(quoted) = rest.strip_prefix('\'') {
            if let Some(end) = quoted.find('\'') {
                out.push(quoted[..end].to_string());
            }
        }
        from = start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_settings_in_keys_are_named_too() {
        let text = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {"C": {"type": "Compose", "inputs": {"@{appsetting('Key_Name')}": 1, "v": "@appsetting('Value_Name')"}}}}"#;
        let project = super::super::from_text("w.json", "w", text).unwrap_or_else(|e| panic!("{e:#}"));
        let report = check_flow(&project, &project.flows[0]).unwrap_or_else(|e| panic!("{e:#}"));
        let found: Vec<(&str, &str)> = report
            .findings
            .iter()
            .filter(|f| f.code == "needs-app-setting")
            .map(|f| (f.pointer.as_str(), f.message.split(':').next().unwrap_or_default()))
            .collect();
        assert_eq!(
            found,
            [
                ("/actions/C/inputs/@{appsetting('Key_Name')}", "appsetting('Key_Name')"),
                ("/actions/C/inputs/v", "appsetting('Value_Name')")
            ]
        );
    }

    #[test]
    fn finds_app_setting_names() {
        assert_eq!(app_setting_names("@appsetting('A')"), vec!["A"]);
        assert_eq!(app_setting_names("x @{appSetting( 'B')} @{appsetting('C')}"), vec!["B", "C"]);
        assert!(app_setting_names("appsetting(x)").is_empty());
    }
}
