//! One table per policy template: a small connector with one (or a few) instances of the
//! template, the request it builds (dry run) or, for response-side templates, what a call
//! returns through a stand-in transport.

#![cfg(feature = "http")]

use std::sync::{Arc, Mutex};

use flowexpr::connector::send::{HttpResponse, Transport};
use flowexpr::connector::{CallInput, CallOptions, Connection, Connector};
use flowexpr::runtime::transport::{HttpRequest, TransportError};
use flowexpr::value::{from_json_str, to_json_string};
use flowexpr::Value;

const DEFINITION: &str = r##"{
  "swagger": "2.0", "info": {"title": "Policies", "version": "1"},
  "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
  "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
  "paths": {
    "/items/{id}": {
      "get": {"operationId": "GetItem", "parameters": [
        {"name": "id", "in": "path", "required": true, "type": "string"},
        {"name": "q", "in": "query", "type": "string"},
        {"name": "$top", "in": "query", "type": "integer"},
        {"name": "X-In", "in": "header", "type": "string"}], "responses": {}},
      "post": {"operationId": "PostItem", "parameters": [
        {"name": "id", "in": "path", "required": true, "type": "string"},
        {"name": "body", "in": "body", "schema": {"type": "object"}}], "responses": {}}
    },
    "/list": {"get": {"operationId": "ListItems", "x-ms-pageable": {"nextLinkName": "@odata.nextLink"}, "responses": {}}},
    "/poll": {"get": {"operationId": "Poll", "x-ms-trigger": "batch", "parameters": [
        {"name": "after", "in": "query", "type": "string", "x-ms-visibility": "internal"}], "responses": {}}}
  }
}"##;

fn connector(policies: &str) -> Connector {
    let props = format!(
        r##"{{"properties": {{"iconBrandColor": "#000000",
            "connectionParameters": {{"api_key": {{"type": "securestring"}}, "region": {{"type": "string"}}, "host": {{"type": "string"}}}},
            "policyTemplateInstances": {policies}}}}}"##
    );
    Connector::from_texts("policies", DEFINITION, Some(&props)).unwrap_or_else(|e| panic!("{e}"))
}

fn bound(c: &Connector) -> flowexpr::connector::BoundConnection {
    Connection::new()
        .with_env(Arc::new(|_: &str| None))
        .with_parameter("api_key", "k")
        .with_parameter("region", "eu")
        .with_parameter("host", "tenant1")
        .bind(c)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One policy instance as JSON.
fn policy(template: &str, params: &str, ops: &[&str]) -> String {
    let mut parameters: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str::<serde_json::Value>(params)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
            .into_iter()
            .map(
                |(k, v)| {
                    if k.starts_with("x-ms-") {
                        (k, v)
                    } else {
                        (format!("x-ms-apimTemplateParameter.{k}"), v)
                    }
                },
            )
            .collect();
    if !ops.is_empty() {
        parameters.insert("x-ms-apimTemplate-operationName".into(), serde_json::json!(ops));
    }
    serde_json::json!({"templateId": template, "title": template, "parameters": parameters}).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

/// The dry-run request: "METHOD URL | headers | body".
fn dry(c: &Connector, op: &str, input: CallInput) -> String {
    match c.dry_run(op, &bound(c), &input) {
        Ok(d) => {
            let mut h: Vec<String> = d.request.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            h.sort();
            format!("{} {} | {} | {}", d.request.method, d.request.url, h.join("; "), d.request.body_text())
        }
        Err(e) => format!("ERROR {e}"),
    }
}

/// A transport that answers from a function and records the requests.
struct Fake {
    answer: Box<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Transport for Fake {
    fn send(&self, request: &HttpRequest, _: std::time::Duration) -> Result<HttpResponse, TransportError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(request.clone());
        }
        Ok((self.answer)(request))
    }
}

fn fake(answer: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static) -> Arc<Fake> {
    Arc::new(Fake { answer: Box::new(answer), seen: Mutex::new(Vec::new()) })
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let mut h: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    h.push(("Content-Type".into(), "application/json".into()));
    HttpResponse { status, headers: h, body: body.as_bytes().to_vec() }
}

fn body(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn setheader() {
    let get = || CallInput::new().param("id", "1");
    let cases: Vec<(String, CallInput, &str)> = vec![
        (
            policy("setheader", r#"{"name": "X-Region", "value": "@connectionParameters('region')"}"#, &[]),
            get(),
            "GET https://api.example.com/v1/items/1 | X-Key: k; X-Region: eu | ",
        ),
        (
            policy(
                "setheader",
                r#"{"name": "X-In", "value": "@headers('X-In')moo", "existsAction": "override"}"#,
                &[],
            ),
            get().param("X-In", "foo"),
            "GET https://api.example.com/v1/items/1 | X-In: foomoo; X-Key: k | ",
        ),
        (
            policy("SetHeader", r#"{"name": "X-In", "value": "new", "existsAction": "skip"}"#, &[]),
            get().param("X-In", "old"),
            "GET https://api.example.com/v1/items/1 | X-In: old; X-Key: k | ",
        ),
        (
            policy("setHeader", r#"{"name": "X-In", "value": "b", "existsAction": "append"}"#, &[]),
            get().param("X-In", "a"),
            "GET https://api.example.com/v1/items/1 | X-In: a,b; X-Key: k | ",
        ),
        (
            policy("setheader", r#"{"name": "X-Key", "value": ""}"#, &[]),
            get(),
            "GET https://api.example.com/v1/items/1 | X-Key:  | ",
        ),
        (
            policy("setheader", r#"{"name": "X-Only", "value": "1"}"#, &["PostItem"]),
            get(),
            "GET https://api.example.com/v1/items/1 | X-Key: k | ",
        ),
        (
            policy(
                "setheader",
                r#"{"name": "X-Default", "value": "@connectionParameters('nope', 'dflt')"}"#,
                &[],
            ),
            get(),
            "GET https://api.example.com/v1/items/1 | X-Default: dflt; X-Key: k | ",
        ),
    ];
    for (p, input, expected) in cases {
        assert_eq!(dry(&connector(&list(std::slice::from_ref(&p))), "GetItem", input), expected, "{p}");
    }
}

#[test]
fn setheader_in_the_response_and_failure_sections() {
    let c = connector(&list(&[
        policy(
            "setheader",
            r#"{"name": "X-Out", "value": "seen", "x-ms-apimTemplate-policySection": "Response"}"#,
            &[],
        ),
        policy(
            "setheader",
            r#"{"name": "X-Failed", "value": "yes", "x-ms-apimTemplate-policySection": "Failure"}"#,
            &[],
        ),
    ]));
    for (status, failed) in [(200, None), (500, Some("yes"))] {
        let t = fake(move |_| reply(status, &[], "{}"));
        let options = CallOptions { transport: Some(t.clone()), ..CallOptions::default() };
        let out = c
            .call("GetItem", &bound(&c), &CallInput::new().param("id", "1"), &options)
            .unwrap_or_else(|e| panic!("{e}"));
        let header = |n: &str| out.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(header("X-Out").as_deref(), Some("seen"));
        assert_eq!(header("X-Failed").as_deref(), failed, "status {status}");
    }
}

#[test]
fn setqueryparameter() {
    let get = || CallInput::new().param("id", "1");
    let cases: Vec<(String, CallInput, &str)> = vec![
        (
            policy(
                "setqueryparameter",
                r#"{"name": "format", "value": "json", "existsAction": "override"}"#,
                &[],
            ),
            get().param("q", "x"),
            "https://api.example.com/v1/items/1?q=x&format=json",
        ),
        (
            policy(
                "setqueryparameter",
                r#"{"name": "q", "value": "forced", "existsAction": "override"}"#,
                &[],
            ),
            get().param("q", "x"),
            "https://api.example.com/v1/items/1?q=forced",
        ),
        (
            policy("setqueryparameter", r#"{"name": "q", "value": "dflt", "existsAction": "skip"}"#, &[]),
            get().param("q", "x"),
            "https://api.example.com/v1/items/1?q=x",
        ),
        (
            policy("setqueryparameter", r#"{"name": "q", "value": "dflt", "existsAction": "skip"}"#, &[]),
            get(),
            "https://api.example.com/v1/items/1?q=dflt",
        ),
        (
            policy("setqueryparameter", r#"{"name": "q", "value": "b", "existsAction": "append"}"#, &[]),
            get().param("q", "a"),
            "https://api.example.com/v1/items/1?q=a&q=b",
        ),
        // Names are compared after percent-decoding (OutlookTasks writes `%24top`).
        (
            policy("setqueryparameter", r#"{"name": "%24top", "value": "50", "existsAction": "skip"}"#, &[]),
            get().param("$top", "5"),
            "https://api.example.com/v1/items/1?$top=5",
        ),
        (
            policy("setqueryparameter", r#"{"name": "%24top", "value": "50", "existsAction": "skip"}"#, &[]),
            get(),
            "https://api.example.com/v1/items/1?$top=50",
        ),
        (
            policy(
                "setqueryparameter",
                r#"{"name": "r", "value": "[{\"rhs\":\"@queryParameters('q')\"}]"}"#,
                &[],
            ),
            get().param("q", "a b"),
            "https://api.example.com/v1/items/1?q=a%20b&r=%5B%7B%22rhs%22:%22a%20b%22%7D%5D",
        ),
    ];
    for (p, input, expected) in cases {
        let out = dry(&connector(&list(std::slice::from_ref(&p))), "GetItem", input);
        assert_eq!(out.split(" | ").next().unwrap_or_default(), format!("GET {expected}"), "{p}");
    }
}

#[test]
fn dynamichosturl() {
    let get = || CallInput::new().param("id", "1");
    let cases: Vec<(&str, &str)> = vec![
        ("https://@connectionParameters('host').example.net/api", "https://tenant1.example.net/api/items/1"),
        ("@connectionParameters('host')", "https://tenant1/items/1"),
        (
            "@connectionParameters('nope', 'https://fallback.example.org/')",
            "https://fallback.example.org/items/1",
        ),
        ("https://@headers('X-In').example.net", "https://eu1.example.net/items/1"),
        (
            "https://api@connectionParameters('region').example.com/@connectionParameters('host')/",
            "https://apieu.example.com/tenant1/items/1",
        ),
    ];
    for (template, expected) in cases {
        let p =
            policy("dynamichosturl", &format!(r#"{{"urlTemplate": {}}}"#, serde_json::json!(template)), &[]);
        let out = dry(&connector(&list(&[p])), "GetItem", get().param("X-In", "eu1"));
        assert!(out.starts_with(&format!("GET {expected}")), "{template}: {out}");
    }
    let c =
        connector(&list(&[policy("dynamicsubdomain", r#"{"urlTemplate": "https://x.example.com"}"#, &[])]));
    let d = c.dry_run("GetItem", &bound(&c), &get()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.request.url, "https://x.example.com/items/1");
    assert!(
        d.notes.iter().any(|n| n.contains("basePath /v1")),
        "open question 1: the dropped basePath is reported"
    );
    // Environment variables (preview): from the connection, else FLOWEXPR_ENV_<NAME>.
    let c = connector(&list(&[policy(
        "dynamichosturl",
        r#"{"urlTemplate": "https://@environmentVariables(\"apiHost\")/v2"}"#,
        &[],
    )]));
    let value =
        from_json_str(r#"{"environmentVariables": {"apiHost": "env.example.com"}}"#).unwrap_or_default();
    let b = Connection::from_value_with_env(&value, Arc::new(|_: &str| None))
        .and_then(|c2| c2.bind(&c))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.dry_run("GetItem", &b, &get()).map(|d| d.request.url).ok().as_deref(),
        Some("https://env.example.com/v2/items/1")
    );
    let b = Connection::new()
        .with_env(Arc::new(|n: &str| {
            (n == "FLOWEXPR_ENV_APIHOST").then(|| "from-os.example.com".to_string())
        }))
        .bind(&c)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.dry_run("GetItem", &b, &get()).map(|d| d.request.url).ok().as_deref(),
        Some("https://from-os.example.com/v2/items/1")
    );
    let c = connector(&list(&[policy(
        "dynamichosturl",
        r#"{"urlTemplate": "@connectionParameters('region2', '')"}"#,
        &[],
    )]));
    assert!(dry(&c, "GetItem", get()).contains("gives an empty URL"));
}

#[test]
fn routerequesttoendpoint() {
    let get = || CallInput::new().param("id", "a/b");
    let cases: Vec<(String, &str)> = vec![
        (
            policy("routerequesttoendpoint", r#"{"newPath": "/real/{id}/x"}"#, &[]),
            "GET https://api.example.com/v1/real/a%2Fb/x",
        ),
        (
            policy("routerequesttoendpoint", r#"{"newPath": "real/{id}"}"#, &[]),
            "GET https://api.example.com/v1/real/a%2Fb",
        ),
        (
            policy("routerequesttoendpoint", r#"{"newPath": "/real", "httpMethod": "POST"}"#, &[]),
            "POST https://api.example.com/v1/real",
        ),
        (
            policy(
                "routerequesttoendpoint",
                r#"{"newPath": "/real", "httpMethod": "@Request.OriginalHTTPMethod"}"#,
                &[],
            ),
            "GET https://api.example.com/v1/real",
        ),
        (
            policy(
                "routerequesttoendpoint",
                r#"{"newPath": "/s?@queryParameters('q')=@connectionParameters('region')"}"#,
                &[],
            ),
            "GET https://api.example.com/v1/s?q=x&type=eu",
        ),
        (
            policy("routerequesttoendpoint", r#"{"newPath": "/{id}('{missing}')"}"#, &[]),
            "GET https://api.example.com/v1/a%2Fb('{missing}')",
        ),
        (
            policy("routerequesttoendpoint", r#"{"newPath": "/only-post"}"#, &["PostItem"]),
            "GET https://api.example.com/v1/items/a%2Fb",
        ),
    ];
    for (p, expected) in cases {
        let input = if p.contains("queryParameters") { get().param("q", "type") } else { get() };
        let out = dry(&connector(&list(std::slice::from_ref(&p))), "GetItem", input);
        let out = out.split(" | ").next().unwrap_or_default().replace("?q=type&", "?");
        let expected = expected.replace("?q=x&", "?");
        assert_eq!(out, expected, "{p}");
    }
    // Open questions 2 and 3: file order, and newPath after the dynamic base URL.
    let c = connector(&list(&[
        policy("routerequesttoendpoint", r#"{"newPath": "/latest"}"#, &[]),
        policy("dynamichosturl", r#"{"urlTemplate": "https://zones.example.org/api"}"#, &["GetItem"]),
        policy("routerequesttoendpoint", r#"{"newPath": "/v3/zones"}"#, &["GetItem"]),
    ]));
    assert!(dry(&c, "GetItem", get()).starts_with("GET https://zones.example.org/api/v3/zones |"));
    assert!(dry(&c, "ListItems", CallInput::new()).starts_with("GET https://api.example.com/v1/latest |"));
}

#[test]
fn setproperty() {
    let post = |b: &str| CallInput::new().param("id", "1").with_body(body(b));
    let cases: Vec<(String, &str, &str)> = vec![
        (
            policy(
                "setproperty",
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "source", "propertyValuePathTemplate": "flow"}"#,
                &[],
            ),
            r#"{"a": 1}"#,
            r#"{"a":1,"source":"flow"}"#,
        ),
        (
            policy(
                "SetProperty",
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "full", "propertyValuePathTemplate": "{@body().first} {@body().last}"}"#,
                &[],
            ),
            r#"{"first": "Ada", "last": "Lovelace"}"#,
            r#"{"first":"Ada","last":"Lovelace","full":"Ada Lovelace"}"#,
        ),
        (
            policy(
                "setproperty",
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "payments", "propertyValuePathTemplate": "[{@body().payments}]"}"#,
                &[],
            ),
            r#"{"payments": {"amount": 5}}"#,
            r#"{"payments":[{"amount":5}]}"#,
        ),
        (
            policy(
                "setproperty",
                r#"{"newPropertyParentPathTemplate": "@body().lines", "newPropertySubPathTemplate": "total", "propertyValuePathTemplate": "{@item().price}"}"#,
                &[],
            ),
            r#"{"lines": [{"price": 2}, {"price": 3}]}"#,
            r#"{"lines":[{"price":2,"total":2},{"price":3,"total":3}]}"#,
        ),
        (
            policy(
                "setproperty",
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "topics", "propertyValuePathTemplate": "[\"a.created\", \"a.updated\"]"}"#,
                &[],
            ),
            "{}",
            r#"{"topics":["a.created","a.updated"]}"#,
        ),
    ];
    for (p, input, expected) in cases {
        let out = dry(&connector(&list(std::slice::from_ref(&p))), "PostItem", post(input));
        assert_eq!(out.rsplit(" | ").next().unwrap_or_default(), expected, "{p}");
    }
    // A body-less request gets a body when the parent is @body() (Almabase).
    let c = connector(&list(&[policy(
        "setproperty",
        r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "version", "propertyValuePathTemplate": "v1"}"#,
        &[],
    )]));
    assert!(dry(&c, "PostItem", CallInput::new().param("id", "1")).ends_with(r#"| {"version":"v1"}"#));
    // The Response section acts on the response body.
    let c = connector(&list(&[policy(
        "setproperty",
        r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "seen", "propertyValuePathTemplate": "{@body().id}", "x-ms-apimTemplate-policySection": "Response"}"#,
        &[],
    )]));
    let t = fake(|_| reply(200, &[], r#"{"id": 7}"#));
    let options = CallOptions { transport: Some(t), ..CallOptions::default() };
    let out = c
        .call("GetItem", &bound(&c), &CallInput::new().param("id", "1"), &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_json_string(&out.body), r#"{"id":7,"seen":7}"#);
}

#[test]
fn setvaluefromurl() {
    let c = connector(&list(&[
        policy(
            "setvaluefromurl",
            r#"{"parameterTemplate": "@headers('If-Match')", "parameterValueUrl": "/items/{id}/details", "parameterValuePathTemplate": "@body()['@odata.etag']", "httpMethod": "GET"}"#,
            &["PostItem"],
        ),
        policy(
            "SetValueFromUrl",
            r#"{"parameterTemplate": "@queryParameters('token')", "parameterValueUrl": "/token?grant=x", "parameterValuePathTemplate": "@body().access.token", "httpMethod": "POST"}"#,
            &["PostItem"],
        ),
    ]));
    let input = CallInput::new().param("id", "7").with_body(body("{}"));
    let out = dry(&c, "PostItem", input.clone());
    assert_eq!(
        out,
        "POST https://api.example.com/v1/items/7?token=%3C@body().access.token%20from%20POST%20https://api.example.com/v1/token?grant%3Dx%3E | Content-Type: application/json; If-Match: <@body()['@odata.etag'] from GET https://api.example.com/v1/items/7/details>; X-Key: k | {}"
    );
    let t = fake(|r| {
        if r.url.ends_with("/details") {
            reply(200, &[], r#"{"@odata.etag": "W/\"1\""}"#)
        } else if r.url.contains("/token") {
            reply(200, &[], r#"{"access": {"token": "t-9"}}"#)
        } else {
            reply(204, &[], "")
        }
    });
    let options = CallOptions { transport: Some(t.clone()), ..CallOptions::default() };
    let outcome = c.call("PostItem", &bound(&c), &input, &options).unwrap_or_else(|e| panic!("{e}"));
    let seen = t.seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].url.as_str()),
        ("GET", "https://api.example.com/v1/items/7/details")
    );
    assert_eq!(seen[0].header("X-Key"), Some("k"), "lookups carry the connection's auth");
    assert_eq!(
        (seen[1].method.as_str(), seen[1].url.as_str()),
        ("POST", "https://api.example.com/v1/token?grant=x")
    );
    assert_eq!(seen[2].url, "https://api.example.com/v1/items/7?token=t-9");
    assert_eq!(seen[2].header("If-Match"), Some("W/\"1\""));
    assert_eq!(outcome.status, 204);
    let failing = fake(|_| reply(404, &[], "{}"));
    let options = CallOptions { transport: Some(failing), ..CallOptions::default() };
    let e = c.call("PostItem", &bound(&c), &input, &options).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("answered 404"), "{e}");
}

#[test]
fn convertarraytoobject() {
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            r#"{"propertyParentPath": "@body()", "propertySubPath": "refs", "keyWithinCollectionPath": "id", "newPropertyPath": "@body().refs", "retainKey": "false"}"#,
            r#"{"refs": [{"id": "a", "v": 1}, {"id": "b", "v": 2}]}"#,
            r#"{"refs":{"a":{"v":1},"b":{"v":2}}}"#,
        ),
        (
            r#"{"propertyParentPath": "@body()", "propertySubPath": "refs", "keyWithinCollectionPath": "id", "newPropertyPath": "@body().byId"}"#,
            r#"{"refs": [{"id": 1}]}"#,
            r#"{"refs":[{"id":1}],"byId":{"1":{"id":1}}}"#,
        ),
        (
            r#"{"propertyParentPath": "@body()", "propertySubPath": "refs", "keyWithinCollectionPath": "id", "newPropertyPath": "@body().refs"}"#,
            r#"{"refs": "not an array"}"#,
            r#"{"refs":"not an array"}"#,
        ),
    ];
    body_table("convertarraytoobject", &cases);
}

#[test]
fn convertobjecttoarray() {
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            r#"{"propertyParentPath": "@body()", "propertySubPath": "null", "newPropertyPath": "@body().Zones", "keyName": "Name", "valueName": "Details"}"#,
            r#"{"DE": {"n": 1}}"#,
            r#"{"DE":{"n":1},"Zones":[{"Name":"DE","Details":{"n":1}}]}"#,
        ),
        (
            r#"{"propertyParentPath": "@body()", "propertySubPath": "map", "newPropertyPath": "@body().list"}"#,
            r#"{"map": {"a": 1}}"#,
            r#"{"map":{"a":1},"list":[{"key":"a","value":1}]}"#,
        ),
        (
            r#"{"propertyParentPath": "@body().tasks", "propertySubPath": "assignments", "newPropertyPath": "@item()._assignments", "keyName": "userId"}"#,
            r#"{"tasks": [{"assignments": {"u1": {}}}, {"assignments": {}}]}"#,
            r#"{"tasks":[{"assignments":{"u1":{}},"_assignments":[{"userId":"u1","value":{}}]},{"assignments":{},"_assignments":[]}]}"#,
        ),
    ];
    body_table("convertobjecttoarray", &cases);
    // Most uses are on the response.
    let c = connector(&list(&[policy(
        "convertobjecttoarray",
        r#"{"propertyParentPath": "@body()", "propertySubPath": "null", "newPropertyPath": "@body().Zones", "keyName": "Name", "valueName": "Details", "x-ms-apimTemplate-policySection": "Response"}"#,
        &[],
    )]));
    let t = fake(|_| reply(200, &[], r#"{"FR": 1}"#));
    let options = CallOptions { transport: Some(t), ..CallOptions::default() };
    let out = c.call("ListItems", &bound(&c), &CallInput::new(), &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_json_string(&out.body), r#"{"FR":1,"Zones":[{"Name":"FR","Details":1}]}"#);
}

#[test]
fn stringtoarray() {
    body_table(
        "stringtoarray",
        &[
            (
                r#"{"propertyParentPath": "@body()", "propertySubPath": "to", "delimiterList": ";,", "childPropertyName": "email", "newPropertyPath": "@body().to"}"#,
                r#"{"to": "a@x.com; b@x.com,c@x.com;"}"#,
                r#"{"to":[{"email":"a@x.com"},{"email":"b@x.com"},{"email":"c@x.com"}]}"#,
            ),
            (
                r#"{"propertyParentPath": "@body()", "propertySubPath": "to", "delimiterList": ";", "childPropertyName": "email", "newPropertyPath": "@body().list"}"#,
                r#"{"to": 5}"#,
                r#"{"to":5}"#,
            ),
        ],
    );
}

#[test]
fn stringreplace() {
    body_table(
        "stringreplace",
        &[
            (
                r#"{"propertyParentPath": "@body().refs", "propertySubPath": "link", "sourceString": ".", "replacementString": "%2E", "newPropertyPath": "@item().link"}"#,
                r#"{"refs": [{"link": "a.b.c"}]}"#,
                r#"{"refs":[{"link":"a%2Eb%2Ec"}]}"#,
            ),
            (
                r#"{"propertyParentPath": "@body()", "propertySubPath": "url", "sourceString": "https://api.example.com/items/", "replacementString": "", "newPropertyPath": "@body().id"}"#,
                r#"{"url": "https://api.example.com/items/12"}"#,
                r#"{"url":"https://api.example.com/items/12","id":"12"}"#,
            ),
        ],
    );
}

#[test]
fn encodepropertyvalue() {
    body_table(
        "encodepropertyvalue",
        &[
            (
                r#"{"propertyParentPath": "@body().assignments", "propertySubPath": "userId", "newPropertyPath": "@item().userId"}"#,
                r#"{"assignments": [{"userId": "a b@c.d/e"}]}"#,
                r#"{"assignments":[{"userId":"a%20b%40c.d%2Fe"}]}"#,
            ),
            (
                r#"{"propertyParentPath": "@body()", "propertySubPath": "v", "newPropertyPath": "@body().encoded"}"#,
                r#"{"v": "é&"}"#,
                r#"{"v":"é&","encoded":"%C3%A9%26"}"#,
            ),
        ],
    );
}

#[test]
fn moveproperties() {
    body_table(
        "moveproperties",
        &[
            (
                r#"{"srcParentPath": "@body()", "srcSubPath": "customProperties", "dstParentPath": "@body()", "dstSubPath": "null", "copyOnlySubProperties": "true"}"#,
                r#"{"id": 1, "customProperties": {"ext_a": "x"}}"#,
                r#"{"id":1,"ext_a":"x"}"#,
            ),
            (
                r#"{"srcParentPath": "@body()", "srcSubPath": "a", "dstParentPath": "@body()", "dstSubPath": "b", "copyOnlySubProperties": "false"}"#,
                r#"{"a": [1]}"#,
                r#"{"b":[1]}"#,
            ),
        ],
    );
}

fn body_table(template: &str, cases: &[(&str, &str, &str)]) {
    for (params, input, expected) in cases {
        let c = connector(&list(&[policy(template, params, &[])]));
        let out = dry(&c, "PostItem", CallInput::new().param("id", "1").with_body(body(input)));
        assert_eq!(out.rsplit(" | ").next().unwrap_or_default(), *expected, "{template} {params}");
    }
}

#[test]
fn updatenextlink_leaves_the_body_and_paging_carries_the_auth() {
    let c = connector(&list(&[policy(
        "updatenextlink",
        r#"{"nextLinkPropertyName": "@odata.nextLink"}"#,
        &["ListItems"],
    )]));
    let t = fake(|r| {
        if r.url.contains("page=2") {
            reply(200, &[], r#"{"value": [3]}"#)
        } else {
            reply(
                200,
                &[],
                r#"{"value": [1, 2], "@odata.nextLink": "https://backend.example.com/list?page=2"}"#,
            )
        }
    });
    let single = CallOptions { transport: Some(t.clone()), ..CallOptions::default() };
    let out = c.call("ListItems", &bound(&c), &CallInput::new(), &single).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        to_json_string(&out.body),
        r#"{"value":[1,2],"@odata.nextLink":"https://backend.example.com/list?page=2"}"#
    );
    let paged = CallOptions { transport: Some(t.clone()), paginate: true, ..CallOptions::default() };
    let out = c.call("ListItems", &bound(&c), &CallInput::new(), &paged).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_json_string(&out.body), r#"{"value":[1,2,3]}"#);
    let seen = t.seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen[2].url, "https://backend.example.com/list?page=2");
    assert_eq!(seen[2].header("X-Key"), Some("k"));
    let capped =
        CallOptions { transport: Some(t), paginate: true, minimum_items: Some(2), ..CallOptions::default() };
    let out = c.call("ListItems", &bound(&c), &CallInput::new(), &capped).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.pages, 1, "the first page already holds the minimum");
}

#[test]
fn pollingtrigger() {
    let c = connector(&list(&[policy(
        "PollingTrigger",
        r#"{"triggerConfig": {"after": "@{triggerBody().items[0].created}", "x-ms-triggerConfig-nextLink": "next"}, "triggerDataPath": "@triggerBody().items"}"#,
        &["Poll"],
    )]));
    let t = fake(|r| {
        if r.url.contains("cursor") {
            reply(200, &[], r#"{"items": [{"created": "3"}]}"#)
        } else if r.url.contains("after=2") {
            reply(200, &[], r#"{"items": [], "next": "https://api.example.com/v1/poll?cursor=9"}"#)
        } else {
            reply(
                200,
                &[],
                r#"{"items": [{"created": "2"}, {"created": "1"}], "next": "https://api.example.com/v1/poll?cursor=9"}"#,
            )
        }
    });
    let options = |state: Option<Value>| CallOptions {
        transport: Some(t.clone()),
        poll_state: state,
        ..CallOptions::default()
    };
    let first =
        c.call("Poll", &bound(&c), &CallInput::new(), &options(None)).unwrap_or_else(|e| panic!("{e}"));
    let poll = first.poll.unwrap_or_else(|| panic!("a poll"));
    assert_eq!(poll.items.len(), 2);
    assert_eq!(
        to_json_string(&poll.state),
        r#"{"queries":{"after":"2"},"nextLink":"https://api.example.com/v1/poll?cursor=9"}"#
    );
    let second = c
        .call("Poll", &bound(&c), &CallInput::new(), &options(Some(poll.state)))
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = t.seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen[0].url, "https://api.example.com/v1/poll", "the first poll has no triggerConfig values");
    assert_eq!(
        seen[1].url, "https://api.example.com/v1/poll?cursor=9",
        "a next link wins over the query values"
    );
    assert_eq!(second.poll.map(|p| p.items.len()), Some(1));
}

#[test]
fn setconnectionstatustounauthenticated() {
    let c =
        connector(&list(&[policy("setconnectionstatustounauthenticated", r#"{"statusCode": 401}"#, &[])]));
    for (status, marked) in [(403, false), (401, true)] {
        let b = bound(&c);
        let t = fake(move |_| reply(status, &[], "{}"));
        let options = CallOptions { transport: Some(t), ..CallOptions::default() };
        let out = c
            .call("GetItem", &b, &CallInput::new().param("id", "1"), &options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status, status);
        assert_eq!(b.unauthenticated().is_some(), marked, "status {status}");
    }
}

#[test]
fn policies_in_file_order_and_scoping() {
    let c = connector(&list(&[
        policy("setheader", r#"{"name": "X-Step", "value": "1"}"#, &[]),
        policy(
            "setheader",
            r#"{"name": "X-Step", "value": "@headers('X-Step')2", "existsAction": "override"}"#,
            &["GetItem"],
        ),
        policy("setheader", r#"{"name": "X-Step", "value": "3", "existsAction": "append"}"#, &["ListItems"]),
        policy("nosuchtemplate", r#"{}"#, &[]),
    ]));
    assert!(dry(&c, "GetItem", CallInput::new().param("id", "1")).contains("X-Step: 12"));
    assert!(dry(&c, "ListItems", CallInput::new()).contains("X-Step: 1,3"));
    assert!(c.diagnostics.iter().any(|d| d.message.contains("\"nosuchtemplate\" is not a policy template")));
}

#[test]
fn retry_policies_apply_to_the_operation_request() {
    use flowexpr::runtime::clock::ManualClock;
    use flowexpr::runtime::retry::RetryPolicy;
    let c = connector("[]");
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let t = fake(move |_| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match n {
            0 => reply(503, &[], "{}"),
            1 => reply(429, &[("Retry-After", "30")], "{}"),
            _ => reply(200, &[], r#"{"ok": true}"#),
        }
    });
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let policy = RetryPolicy::Fixed { count: 3, interval: std::time::Duration::from_secs(10) };
    let options = CallOptions {
        transport: Some(t.clone()),
        retry_policy: Some(policy),
        clock: Some(clock.clone()),
        ..CallOptions::default()
    };
    let out = c
        .call("GetItem", &bound(&c), &CallInput::new().param("id", "1"), &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.status, out.attempts), (200, 3));
    assert_eq!(
        clock.elapsed(),
        std::time::Duration::from_secs(40),
        "10 s, then the 429's Retry-After of 30 s"
    );
    // A 400 is not retried; without a policy nothing is.
    let t = fake(|_| reply(400, &[], "{}"));
    let options = CallOptions {
        transport: Some(t.clone()),
        retry_policy: Some(RetryPolicy::default()),
        ..CallOptions::default()
    };
    let out = c
        .call("GetItem", &bound(&c), &CallInput::new().param("id", "1"), &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.status, out.attempts), (400, 1));
    let t = fake(|_| reply(500, &[], "{}"));
    let options = CallOptions { transport: Some(t), ..CallOptions::default() };
    let out = c
        .call("GetItem", &bound(&c), &CallInput::new().param("id", "1"), &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.status, out.attempts), (500, 1));
}
