//! Connector test files: cases written as `{"name", "action": "<operationId>", "parameters",
//! "expected_result"}`, run against a stand-in backend that answers what each case says.
//!
//! ```json
//! {
//!   "connection": { "parameters": { "api_key": "test-key" } },
//!   "cases": [
//!     { "name": "Success with expense array",
//!       "action": "GetExpenses",
//!       "parameters": { "status": "approved" },
//!       "backend": { "statusCode": 200, "body": { "value": [ ... ] } },
//!       "expected_request": { "method": "GET", "url": "/v1/expenses?status=approved&page=1&per_page=50",
//!                             "headers": { "X-API-Key": "test-key" } },
//!       "expected_result": { "statusCode": 200, "body": { "value": [ ... ] } } }
//!   ]
//! }
//! ```
//!
//! - `connection` is a connection (as in a connection file; `origin` is set to the
//!   stand-in backend);
//! - `parameters` are keyed by swagger parameter name; the body goes under the body
//!   parameter's name (or flattened as `body/property`);
//! - `backend` is the response the stand-in backend gives (`statusCode`, `headers`,
//!   `body`), or an array of responses given in turn (the last one repeats);
//! - `mock` instead answers without any request (for operations handled by script.csx);
//! - `file_names` gives the multipart file names of file parameters (`{"file": "a.csv"}`);
//!   a file's content is a string or a `{"$content-type", "$content"}` envelope;
//! - `expected_request` compares the first request the backend received: `method`, `url`
//!   (path and query), `headers` (those listed, names without regard to case), `body`;
//! - `expected_result` compares the outputs: `statusCode`, `headers` (those listed) and
//!   `body` (JSON equality: numbers by value, members in any order).

use std::time::Instant;

use crate::error::{Error, ErrorKind, Result};
use crate::flowtest::junit::CaseResult;
use crate::value::{Object, Value};

use super::connection::Connection;
use super::load::Connector;
use super::request::{CallInput, HttpRequest};
use super::send::{CallOptions, HttpResponse};

/// A backend that answers each case as told and records what it receives.
pub trait CaseBackend {
    /// Its scheme, host and port (`http://127.0.0.1:port`).
    fn origin(&self) -> String;
    /// The responses for the next case, given in turn (the last one repeats).
    fn prepare(&self, replies: Vec<HttpResponse>);
    /// The requests received since [`CaseBackend::prepare`] (URLs are path and query).
    fn received(&self) -> Vec<HttpRequest>;
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The operationId.
    pub action: String,
    /// Parameter values by name.
    pub parameters: Object,
    /// What the backend answers.
    pub backend: Vec<HttpResponse>,
    /// A response given without any request.
    pub mock: Option<Value>,
    /// What the first request must look like.
    pub expected_request: Option<Value>,
    /// What the outputs must look like.
    pub expected_result: Option<Value>,
    /// File names of file parameters (`"file_names": {"file": "report.csv"}`).
    pub file_names: Vec<(String, String)>,
}

/// A test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The connection (JSON, as in a connection file).
    pub connection: Value,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message)
}

/// A response described as `{"statusCode", "headers", "body"}`.
pub fn response_from(v: &Value) -> HttpResponse {
    let status =
        v.member("statusCode").and_then(|s| s.as_i64()).and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
    let mut headers: Vec<(String, String)> = v
        .member("headers")
        .and_then(|h| h.as_object().map(|o| o.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect()))
        .unwrap_or_default();
    let has_type = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let body = match v.member("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => {
            if !has_type {
                headers.push(("Content-Type".into(), "text/plain".into()));
            }
            s.as_bytes().to_vec()
        }
        Some(other) => {
            if !has_type {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            crate::value::to_json_string(&other).into_bytes()
        }
    };
    HttpResponse { status, headers, body }
}

impl TestFile {
    /// Reads a test file's JSON.
    pub fn from_value(v: &Value) -> Result<TestFile> {
        let root =
            v.as_object().ok_or_else(|| bad("a connector test file must be a JSON object with \"cases\""))?;
        let list = root
            .get("cases")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("the test file has no \"cases\" array"))?;
        let mut cases = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let o = c.as_object().ok_or_else(|| bad(format!("case {i} is not an object")))?;
            let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
            let name = text("name").unwrap_or_else(|| format!("case {}", i + 1));
            let action = text("action")
                .ok_or_else(|| bad(format!("the case \"{name}\" has no \"action\" (an operationId)")))?;
            let backend = match o.get("backend") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items.iter().map(response_from).collect(),
                Some(one) => vec![response_from(one)],
            };
            cases.push(Case {
                name,
                action,
                parameters: o.get("parameters").and_then(Value::as_object).cloned().unwrap_or_default(),
                backend,
                mock: o.get("mock").cloned(),
                expected_request: o.get("expected_request").cloned(),
                expected_result: o.get("expected_result").cloned(),
                file_names: o
                    .get("file_names")
                    .and_then(Value::as_object)
                    .map(|f| f.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect())
                    .unwrap_or_default(),
            });
        }
        Ok(TestFile {
            connection: root.get("connection").cloned().unwrap_or_else(|| Value::Object(Object::new())),
            cases,
        })
    }

    /// Reads a test file.
    pub fn load(path: &std::path::Path) -> Result<TestFile> {
        let text = crate::source::read_text(path, "test file")?;
        let v = crate::source::parse_json(&text, "test file").map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })?;
        TestFile::from_value(&v).map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })
    }
}

/// JSON equality for tests: numbers by value, object members in any order.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (x, y) if x.is_number() && y.is_number() => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Binary(x), y) | (y, Value::Binary(x)) => match y {
            Value::String(s) => s.as_bytes() == x.bytes(),
            Value::Object(o) => o.get("$content").and_then(Value::as_str) == Some(x.base64()),
            Value::Binary(z) => z.bytes() == x.bytes() && z.content_type() == x.content_type(),
            _ => false,
        },
        _ => a == b,
    }
}

fn compare_headers(expected: &Value, actual: &[(String, String)], what: &str, failures: &mut Vec<String>) {
    let Some(expected) = expected.as_object() else { return };
    for (name, value) in expected.iter() {
        let got = actual.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let want = value.to_text();
        if got != Some(want.trim()) && got != Some(want.as_str()) {
            failures.push(format!(
                "{what} header {name}: expected {want:?}, got {}",
                got.map_or("nothing".into(), |g| format!("{g:?}"))
            ));
        }
    }
}

fn compare_request(expected: &Value, r: &HttpRequest, failures: &mut Vec<String>) {
    if let Some(m) = expected.member("method").and_then(|m| m.as_str().map(str::to_string)) {
        if !m.eq_ignore_ascii_case(&r.method) {
            failures.push(format!("request method: expected {m}, got {}", r.method));
        }
    }
    if let Some(u) = expected.member("url").and_then(|u| u.as_str().map(str::to_string)) {
        if u != r.url {
            failures.push(format!("request URL: expected {u}, got {}", r.url));
        }
    }
    if let Some(h) = expected.member("headers") {
        compare_headers(&h, &r.headers, "request", failures);
    }
    if let Some(b) = expected.member("body") {
        let text = String::from_utf8_lossy(&r.body).into_owned();
        let ok = match &b {
            Value::String(s) => **s == text,
            other => crate::value::from_json_str(&text).is_ok_and(|got| json_equal(other, &got)),
        };
        if !ok {
            failures.push(format!("request body: expected {}, got {text}", crate::value::to_json_string(&b)));
        }
    }
}

fn compare_result(expected: &Value, outputs: &Value, failures: &mut Vec<String>) {
    if let (Some(want), Some(got)) = (expected.member("statusCode"), outputs.member("statusCode")) {
        if !json_equal(&want, &got) {
            failures.push(format!("statusCode: expected {}, got {}", want.to_text(), got.to_text()));
        }
    }
    if let Some(h) = expected.member("headers") {
        let actual: Vec<(String, String)> = outputs
            .member("headers")
            .and_then(|h| {
                h.as_object().map(|o| o.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect())
            })
            .unwrap_or_default();
        compare_headers(&h, &actual, "response", failures);
    }
    if let Some(want) = expected.member("body") {
        let got = outputs.member("body").unwrap_or_default();
        if !json_equal(&want, &got) {
            failures.push(format!(
                "body: expected {}, got {}",
                crate::value::to_json_string(&want),
                crate::value::to_json_string(&got)
            ));
        }
    }
}

/// Runs every case of a test file against `backend`. Each result carries the failures
/// found (empty when the case passed).
pub fn run(connector: &Connector, file: &TestFile, backend: &dyn CaseBackend) -> Result<Vec<CaseResult>> {
    let mut connection = Connection::from_value(&file.connection)?;
    connection.origin = Some(backend.origin());
    let bound = connection.bind(connector)?;
    let mut results = Vec::new();
    for case in &file.cases {
        let started = Instant::now();
        let mut failures = Vec::new();
        backend.prepare(case.backend.clone());
        let mut input = CallInput::from_flow_parameters(&case.parameters);
        input.file_names = case.file_names.clone();
        if let Some(op) = connector.operation(&case.action) {
            if let Some(bp) = op.body_parameter() {
                if let Some(b) = case.parameters.get(&bp.name) {
                    input.body = Some(b.clone());
                }
            }
        }
        let mut options = CallOptions::default();
        if let Some(m) = &case.mock {
            options.mocks.insert(case.action.as_str(), m.clone());
        }
        match connector.call(&case.action, &bound, &input, &options) {
            Ok(outcome) => {
                if let Some(expected) = &case.expected_request {
                    match backend.received().first() {
                        Some(r) => compare_request(expected, r, &mut failures),
                        None => failures.push("the backend received no request".into()),
                    }
                }
                if let Some(expected) = &case.expected_result {
                    compare_result(expected, &outcome.outputs(), &mut failures);
                }
            }
            Err(e) => {
                // A case may expect the call itself to fail: "expected_result": {"error": "text"}.
                let wanted =
                    case.expected_result.as_ref().and_then(|r| r.member("error")).map(|e| e.to_text());
                match wanted {
                    Some(w) if e.to_string().contains(&w) => {}
                    _ => failures.push(format!("the call failed: {e}")),
                }
            }
        }
        results.push(CaseResult {
            name: case.name.clone(),
            seconds: started.elapsed().as_secs_f64(),
            failure: (!failures.is_empty()).then(|| (failures[0].clone(), failures.join("\n"))),
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    #[test]
    fn json_equality_for_tests() {
        let v = |t: &str| from_json_str(t).unwrap_or_default();
        assert!(json_equal(&v(r#"{"a": 1, "b": [2.0]}"#), &v(r#"{"b": [2], "a": 1.0}"#)));
        assert!(!json_equal(&v(r#"{"a": 1}"#), &v(r#"{"a": 1, "b": 2}"#)));
        assert!(!json_equal(&v("[1, 2]"), &v("[2, 1]")));
        assert!(!json_equal(&v(r#""1""#), &v("1")));
    }

    #[test]
    fn reads_cases() {
        let v = from_json_str(
            r#"{"cases": [{"name": "n", "action": "Op", "parameters": {"x": 1},
                "backend": [{"statusCode": 201, "body": {"id": 1}}, {"body": "text"}], "expected_result": {"statusCode": 201}}]}"#,
        )
        .unwrap_or_default();
        let f = TestFile::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
        let c = &f.cases[0];
        assert_eq!((c.name.as_str(), c.action.as_str(), c.backend.len()), ("n", "Op", 2));
        assert_eq!(c.backend[0].status, 201);
        assert_eq!(c.backend[1].header("content-type"), Some("text/plain"));
        let e =
            TestFile::from_value(&from_json_str(r#"{"cases": [{"name": "x"}]}"#).unwrap_or_default()).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("the case \"x\" has no \"action\" (an operationId)")
        );
    }
}
