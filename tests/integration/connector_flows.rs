//! Connector actions as workflows write them — Power Automate `OpenApiConnection` and Logic
//! Apps `ApiConnection` — bound to fixture connectors through a connections document and
//! run against a loopback server.

#![cfg(feature = "cli")]

use crate::connector_support;

use std::path::Path;

use connector_support::{headers, json, Backend, Reply};
use flowexpr::connector::flow::Bindings;
use flowexpr::connector::CallOptions;
use flowexpr::value::to_json_string;

fn bindings(origin: &str) -> Bindings {
    let doc = json(&format!(
        r#"{{"connectors": {{
            "shared_jira": {{"connector": "JIRA", "connection": {{"origin": "{origin}",
                "parameters": {{"jirainstance": "acme", "username": "u", "password": "p"}}}}}},
            "resco": {{"connector": "RescoCloud", "connection": {{"origin": "{origin}", "parameterSet": "cloudServer",
                "parameters": {{"server": "https://rescocrm.com", "organization": "acme", "username": "u", "password": "p"}}}}}},
            "shared_planner-5f123": {{"connector": "Planner", "connection": {{"origin": "{origin}", "oauth": {{"accessToken": "t"}}}}}}
        }}}}"#
    ));
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors");
    Bindings::from_value(&doc, &base).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn open_api_connection_actions_call_operations_by_id() {
    let backend = Backend::start(|_| Reply::json(200, r#"{"key": "PRJ-7"}"#));
    let b = bindings(&backend.origin);
    let inputs = json(
        r#"{"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_jira", "connectionName": "shared_jira", "operationId": "GetIssue"},
            "parameters": {"issueKey": "PRJ-7"}, "authentication": "@parameters('$authentication')"}"#,
    );
    let out = b
        .execute("OpenApiConnection", &inputs, &inputs, None, &CallOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", "/rest/api/2/issue/PRJ-7"));
    assert_eq!(r.app_headers(), headers(&[("authorization", "Basic dTpw")]));
    assert_eq!(to_json_string(&out.outputs().member("body").unwrap_or_default()), r#"{"key":"PRJ-7"}"#);
    // The apiId's last segment is enough.
    let by_api = json(
        r#"{"host": {"apiId": "/providers/Microsoft.PowerApps/apis/shared_planner-5f123", "operationId": "ListGroups"}}"#,
    );
    assert!(b.execute("OpenApiConnection", &by_api, &by_api, None, &CallOptions::default()).is_ok());
    let unknown = json(r#"{"host": {"connectionName": "shared_nope", "operationId": "X"}}"#);
    let e = b
        .execute("OpenApiConnection", &unknown, &unknown, None, &CallOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("looked for shared_nope") && e.contains("shared_jira, resco, shared_planner-5f123"),
        "{e}"
    );
}

#[test]
fn open_api_connection_flattened_body_and_pagination() {
    let cell = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let inner = std::sync::Arc::clone(&cell);
    let backend = Backend::start(move |r| {
        let origin = inner.lock().map(|o| o.clone()).unwrap_or_default();
        if r.method == "POST" {
            Reply::json(201, r#"{"id": "t9", "assignments": {}}"#)
        } else if r.url.contains("skiptoken") {
            Reply::json(200, r#"{"value": [{"id": "b"}]}"#)
        } else {
            Reply::json(
                200,
                &format!(
                    r#"{{"value": [{{"id": "a"}}], "@odata.nextLink": "{origin}/v1.0/me/planner/tasks?$skiptoken=2"}}"#
                ),
            )
        }
    });
    if let Ok(mut o) = cell.lock() {
        *o = backend.origin.clone();
    }
    let b = bindings(&backend.origin);
    let create = json(
        r#"{"host": {"connectionName": "shared_planner-5f123", "operationId": "CreateTask_V4"},
            "parameters": {"body/groupId": "g", "body/planId": "p", "body/title": "Write the report", "body/assignments": "u1"}}"#,
    );
    b.execute("OpenApiConnection", &create, &create, None, &CallOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let list =
        json(r#"{"host": {"connectionName": "shared_planner-5f123", "operationId": "ListMyTasks_V2"}}"#);
    let config = json(r#"{"paginationPolicy": {"minimumItemCount": 100}}"#);
    let out = b
        .execute("OpenApiConnection", &list, &list, Some(&config), &CallOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    assert_eq!(
        r[0].body_text(),
        r#"{"groupId":"g","planId":"p","title":"Write the report","assignments":{"u1":{"orderHint":" !","@odata.type":"microsoft.graph.plannerAssignment"}}}"#
    );
    assert_eq!(out.pages, 2);
    assert_eq!(r.len(), 3);
}

#[test]
fn api_connection_actions_match_the_swagger_path() {
    let backend = Backend::start(|_| Reply::json(200, r#"{"name": "Contoso"}"#));
    let b = bindings(&backend.origin);
    let raw = json(
        r#"{"host": {"connection": {"name": "@parameters('$connections')['resco']['connectionId']"}},
            "method": "get", "path": "/@{encodeURIComponent('account')}('@{encodeURIComponent('00 01')}')",
            "queries": {"$select": "name"}}"#,
    );
    let rendered = json(
        r#"{"host": {"connection": {"name": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/connections/resco-1"}},
            "method": "get", "path": "/account('00%2001')", "queries": {"$select": "name"},
            "retryPolicy": {"type": "none"}}"#,
    );
    let out = b
        .execute("ApiConnection", &raw, &rendered, None, &CallOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    // Already encoded: not encoded again; the internal Prefer header is added.
    assert_eq!(r.url, "/odata/v4/acme/account('00%2001')?$select=name");
    assert_eq!(r.header("prefer"), Some("odata.include-annotations=*,resco.strictlookup=true"));
    assert_eq!(out.status, 200);
    let standard = json(
        r#"{"host": {"connection": {"referenceName": "resco"}}, "method": "get", "path": "/nowhere/at/all"}"#,
    );
    let e = b
        .execute("ApiConnection", &standard, &standard, None, &CallOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(e, "the connector RescoCloud has no operation for GET /nowhere/at/all");
}

#[test]
fn connector_actions_follow_their_retry_policy() {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&n);
    let backend = Backend::start(move |_| {
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::json(503, r#"{"error": "busy"}"#)
        } else {
            Reply::json(200, r#"{"key": "PRJ-1"}"#)
        }
    });
    let b = bindings(&backend.origin);
    let clock = std::sync::Arc::new(flowexpr::runtime::clock::ManualClock::new(chrono::Utc::now()));
    let options = CallOptions { clock: Some(clock.clone()), ..CallOptions::default() };
    let inputs = json(
        r#"{"host": {"connectionName": "shared_jira", "operationId": "GetIssue"}, "parameters": {"issueKey": "PRJ-1"},
            "retryPolicy": {"type": "fixed", "count": 2, "interval": "PT7S"}}"#,
    );
    let out =
        b.execute("OpenApiConnection", &inputs, &inputs, None, &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.status, out.attempts), (200, 2));
    assert_eq!(clock.elapsed(), std::time::Duration::from_secs(7));
    let bad = json(
        r#"{"host": {"connectionName": "shared_jira", "operationId": "GetIssue"}, "retryPolicy": {"type": "sometimes"}}"#,
    );
    let e = b
        .execute("OpenApiConnection", &bad, &bad, None, &options)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.starts_with("inputs.retryPolicy: 'sometimes' is not a retry policy type"), "{e}");
}

#[test]
fn connector_actions_give_http_style_records() {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&n);
    let backend = Backend::start(move |_| {
        if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::json(500, "{}")
        } else {
            Reply::json(404, r#"{"errorMessages": ["Issue does not exist"]}"#)
        }
    });
    let b = bindings(&backend.origin);
    let clock = std::sync::Arc::new(flowexpr::runtime::clock::ManualClock::new(chrono::Utc::now()));
    let options = CallOptions { clock: Some(clock), ..CallOptions::default() };
    let inputs = json(
        r#"{"host": {"connectionName": "shared_jira", "operationId": "GetIssue"}, "parameters": {"issueKey": "NOPE-1"},
            "retryPolicy": {"type": "fixed", "count": 1, "interval": "PT5S"}}"#,
    );
    let record = b.execute_record("Get_issue", "OpenApiConnection", &inputs, &inputs, None, &options);
    let v = record.to_value();
    assert_eq!(v.member("type").map(|s| s.to_text()).as_deref(), Some("OpenApiConnection"));
    assert_eq!(v.member("status").map(|s| s.to_text()).as_deref(), Some("Failed"));
    assert_eq!(v.member("code").map(|s| s.to_text()).as_deref(), Some("NotFound"));
    let attempts = v.member("attempts").and_then(|a| a.as_array().map(<[_]>::to_vec)).unwrap_or_default();
    let codes: Vec<String> = attempts.iter().filter_map(|a| a.member("code")).map(|c| c.to_text()).collect();
    assert_eq!(codes, ["InternalServerError", "NotFound"]);
    assert_eq!(attempts[0].member("waitBeforeNext").map(|w| w.to_text()).as_deref(), Some("PT5S"));
    assert_eq!(
        v.member("outputs").and_then(|o| o.member("body")).map(|b| to_json_string(&b)).as_deref(),
        Some(r#"{"errorMessages":["Issue does not exist"]}"#)
    );
    let missing = json(r#"{"host": {"connectionName": "shared_jira", "operationId": "GetIssue"}}"#);
    let record = b.execute_record("Get_issue", "OpenApiConnection", &missing, &missing, None, &options);
    assert_eq!(record.code, "BadRequest");
    assert!(record.error.map(|e| e.message).unwrap_or_default().contains("needs the parameter \"issueKey\""));
}
