//! Connector actions of exports bound to local connectors through the connection
//! references: `--connections` entries keyed by API name (`connectionReferences[…].api.name`,
//! `connectionsMap`, a Standard `connections.json`), a solution's own custom connector bound
//! by a connection alone, and service-provider connections that can only be mocked. Every
//! run goes through the binary against a loopback backend.

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::connector_support::{Backend, Reply};
use flowexpr::value::{from_json_str, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flowexpr(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowexpr-export-connections-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn write(path: &Path, text: &str) -> String {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

fn member(v: &Value, path: &[&str]) -> Value {
    let mut current = v.clone();
    for p in path {
        current = current.member(p).unwrap_or_default();
    }
    current
}

fn expenses_backend() -> Backend {
    Backend::start(|r| {
        if r.url.starts_with("/v1/expenses") {
            Reply::json(200, r#"{"value": [{"id": "x1"}, {"id": "x2"}]}"#)
        } else {
            Reply::json(404, r#"{"error": "no such path"}"#)
        }
    })
}

/// The examples' Expenses connector folder, escaped for a JSON string.
fn expenses_folder() -> String {
    root().join("examples/connectors/expenses").display().to_string().replace('\\', "\\\\")
}

/// A connections file binding `key` to the examples' Expenses connector on `origin`.
fn expenses_connections(path: &Path, key: &str, origin: &str) -> String {
    write(
        path,
        &format!(
            r#"{{"connectors": {{"{key}": {{"connector": "{}", "connection": {{"origin": "{origin}", "parameters": {{"api_key": "k"}}}}}}}}}}"#,
            expenses_folder()
        ),
    )
}

const SOLUTION: &str = "tests/fixtures/solutions/expenses";
const SOLUTION_API: &str = "shared_cr5d1-5fexpenses-5f0a1b2c3d4e5f6a7b";

/// The solution ships its Expenses connector: a connections entry with a connection and no
/// `connector` runs the flow's action against it, whichever name the entry goes by; the
/// Office 365 action no entry serves is stubbed.
#[test]
fn a_solutions_own_custom_connector_runs_with_a_connection_alone() {
    for key in [SOLUTION_API, "cr5d1_expenses"] {
        let backend = expenses_backend();
        let dir = scratch("solution");
        let connections = write(
            &dir.join("connections.json"),
            &format!(
                r#"{{"connectors": {{"{key}": {{"connection": {{"origin": "{}", "parameters": {{"api_key": "k-5531-secret"}}}}}}}}}}"#,
                backend.origin
            ),
        );
        let body = write(&dir.join("body.json"), r#"{"text": "e-7"}"#);
        let (code, stdout, stderr) = flowexpr(&[
            "run",
            SOLUTION,
            "--connections",
            &connections,
            "--stub-unmocked",
            "--trigger-body",
            &body,
            "--clock",
            "2024-06-28T09:00:00Z",
            "--out",
            "-",
        ]);
        assert_eq!(code, Some(0), "{key}: {stderr}");
        let request = backend.only();
        assert_eq!(request.method, "GET");
        assert!(
            request.url.starts_with("/v1/expenses?")
                && request.url.contains("status=submitted")
                && request.url.contains("employeeId=e-7"),
            "{}",
            request.url
        );
        assert_eq!(request.header("X-API-Key"), Some("k-5531-secret"));
        let record = from_json_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(member(&record, &["actions", "Total", "outputs"]).to_string(), "2", "{stderr}");
        assert_eq!(member(&record, &["stubbed"]).to_string(), r#"["Send_an_email_(V2)"]"#);
        assert!(
            !stdout.contains("k-5531-secret") && !stderr.contains("k-5531-secret"),
            "the key is redacted"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn an_entry_without_a_connector_the_export_does_not_ship_is_refused_by_name() {
    let dir = scratch("unshipped");
    let connections =
        write(&dir.join("connections.json"), r#"{"connectors": {"shared_office365": {"connection": {}}}}"#);
    let (code, _, stderr) = flowexpr(&["run", SOLUTION, "--connections", &connections]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("connectors.shared_office365 needs \"connector\"")
            && stderr.contains("the export ships no custom connector for 'shared_office365'"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An exported flow (package form) whose actions name the connection reference
/// `shared_expenses_1`: an entry keyed by the reference's API name `shared_expenses` serves
/// the OpenApiConnection action (`host.connectionName`) and the ApiConnection action
/// (`$connections['shared_expenses_1']`) alike.
#[test]
fn connector_actions_find_the_entry_for_their_references_api_name() {
    let backend = expenses_backend();
    let dir = scratch("api-name");
    let flow = write(
        &dir.join("flow.json"),
        r#"{"name": "0d8f", "properties": {
            "displayName": "Expenses by API name",
            "connectionReferences": {"shared_expenses_1": {"connectionName": "shared-expenses-7f3a", "source": "Embedded", "id": "/providers/Microsoft.PowerApps/apis/shared_expenses"}},
            "definition": {
              "parameters": {"$connections": {"defaultValue": {}, "type": "Object"}, "$authentication": {"defaultValue": {}, "type": "SecureObject"}},
              "triggers": {"manual": {"type": "Request", "kind": "Button", "inputs": {"schema": {}}}},
              "actions": {
                "By_operation": {"type": "OpenApiConnection", "runAfter": {},
                  "inputs": {"host": {"connectionName": "shared_expenses_1", "operationId": "GetExpenses", "apiId": "/providers/Microsoft.PowerApps/apis/shared_expenses"},
                             "parameters": {"status": "approved"}, "authentication": "@parameters('$authentication')"}},
                "By_path": {"type": "ApiConnection", "runAfter": {"By_operation": ["Succeeded"]},
                  "inputs": {"host": {"connection": {"name": "@parameters('$connections')['shared_expenses_1']['connectionId']"}},
                             "method": "get", "path": "/expenses", "queries": {"status": "draft"}, "authentication": "@parameters('$authentication')"}}
              }}}}"#,
    );
    let connections = expenses_connections(&dir.join("connections.json"), "shared_expenses", &backend.origin);
    let (code, _, stderr) =
        flowexpr(&["run", &flow, "--connections", &connections, "--clock", "2024-06-28T09:00:00Z"]);
    assert_eq!(code, Some(0), "{stderr}");
    let urls: Vec<String> = backend.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert!(urls[0].contains("status=approved") && urls[1].contains("status=draft"), "{urls:?}");
    // Without the entry, the run refuses to start and names both actions.
    let other = write(
        &dir.join("other.json"),
        &format!(
            r#"{{"connectors": {{"shared_payments": {{"connector": "{}", "connection": {{}}}}}}}}"#,
            expenses_folder()
        ),
    );
    let (code, _, stderr) = flowexpr(&["run", &flow, "--connections", &other]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("'By_operation'") && stderr.contains("'By_path'"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Standard project whose `connections.json` has a managed API connection (bound by its
/// API name) and a service-provider connection (named by check as needing a mock, mocked by
/// operation in the run), with `@appsetting()` values from `local.settings.json`.
#[test]
fn a_standard_projects_connections_json_binds_and_names_what_needs_a_mock() {
    let backend = expenses_backend();
    let dir = scratch("standard");
    write(&dir.join("host.json"), r#"{"version": "2.0"}"#);
    write(
        &dir.join("local.settings.json"),
        r#"{"IsEncrypted": false, "Values": {"EXPENSES_KEY": "key-from-settings", "SB_CONNECTION": "Endpoint=sb://local/"}}"#,
    );
    write(
        &dir.join("connections.json"),
        r#"{"managedApiConnections": {"expensesConn": {
                "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westeurope/managedApis/expenses"},
                "connection": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/connections/expenses-1"},
                "connectionRuntimeUrl": "https://example.azure-apim.net/apim/expenses/1",
                "authentication": {"type": "Raw", "scheme": "Key", "parameter": "@appsetting('EXPENSES_KEY')"}}},
            "serviceProviderConnections": {"serviceBus": {
                "parameterValues": {"connectionString": "@appsetting('SB_CONNECTION')"},
                "serviceProvider": {"id": "/serviceProviders/serviceBus"}, "displayName": "queue"}}}"#,
    );
    write(
        &dir.join("digest/workflow.json"),
        r#"{"kind": "Stateful", "definition": {
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
            "actions": {
              "List_drafts": {"type": "ApiConnection", "runAfter": {},
                "inputs": {"host": {"connection": {"referenceName": "expensesConn"}}, "method": "get", "path": "/expenses", "queries": {"status": "draft"}}},
              "Queue_the_digest": {"type": "ServiceProvider", "runAfter": {"List_drafts": ["Succeeded"]},
                "inputs": {"parameters": {"entityName": "digests", "message": {"contentData": "@body('List_drafts')?['value']"}},
                           "serviceProviderConfiguration": {"connectionName": "serviceBus", "operationId": "sendMessage", "serviceProviderId": "/serviceProviders/serviceBus"}}}
            }}}"#,
    );
    let project = dir.display().to_string();
    let (code, stdout, _) = flowexpr(&["check", &project]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("warning[needs-mock]: the service provider connection 'serviceBus' (/serviceProviders/serviceBus in connections.json) runs only in the hosted service: a run needs a mock for its action: Queue_the_digest")
            && stdout.contains(r#""operations": {"serviceBus": {"sendMessage": {...}}}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains("a run needs a mock (by action name) or a --connections entry for 'expenses' (or 'expensesConn') for its action: List_drafts"),
        "the managed connection is named with its API: {stdout}"
    );
    // Without a mock for the service-provider action, the run refuses to start.
    let connections = expenses_connections(&dir.join("run-connections.json"), "expenses", &backend.origin);
    let (code, _, stderr) = flowexpr(&["run", &project, "--connections", &connections]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("'Queue_the_digest' (ServiceProvider"), "{stderr}");
    // With a mock by operation, it runs: the managed connection by its API name.
    let mocks = write(
        &dir.join("mocks.json"),
        r#"{"operations": {"serviceBus": {"sendMessage": {"statusCode": 200, "body": {"sequenceNumber": 1}}}}}"#,
    );
    let (code, stdout, stderr) = flowexpr(&[
        "run",
        &project,
        "--connections",
        &connections,
        "--mocks",
        &mocks,
        "--clock",
        "2024-06-28T09:00:00Z",
        "--out",
        "-",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(backend.only().url.contains("status=draft"));
    let record = from_json_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(
        member(&record, &["actions", "Queue_the_digest", "inputs", "parameters", "message", "contentData"])
            .to_string(),
        r#"[{"id":"x1"},{"id":"x2"}]"#
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A flow test's `"connections"` binds the solution's own connector too; the calls go
/// through the run's transport, so a mock by method and URL answers them.
#[test]
fn a_flow_test_runs_the_solutions_connector_through_its_connections() {
    let (code, stdout, stderr) =
        flowexpr(&["test", "tests/fixtures/solutions/expenses-digest.flowtest.json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}
