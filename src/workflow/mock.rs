//! Mocks: canned responses for actions, by action name or by method and URL pattern, so a
//! flow runs without the services it calls.
//!
//! ```json
//! {
//!   "actions": {
//!     "Get_Token": {"statusCode": 200, "body": {"access_token": "t"}},
//!     "Send_an_email": {"statusCode": 200},
//!     "Get_Page": [{"statusCode": 429, "headers": {"Retry-After": "1"}}, {"statusCode": 200, "body": []}]
//!   },
//!   "http": [
//!     {"method": "GET", "url": "https://api.example.com/transactions*", "response": {"statusCode": 200, "body": {"value": []}}}
//!   ]
//! }
//! ```
//!
//! Connector actions can also be mocked by the operation they call, under `"operations"`:
//! the API name (as a connection reference gives it: `shared_sharepointonline`), then the
//! `operationId` (`GetItems`), so every action calling it gets the same answer:
//!
//! ```json
//! {"operations": {"shared_sharepointonline": {"GetItems": {"statusCode": 200, "body": {"value": []}}}}}
//! ```
//!
//! A mock by action name wins over one by operation.
//!
//! A response is `{"statusCode" (or "status"), "headers", "body", "delay"}`; `delay` is an
//! ISO 8601 duration or a number of milliseconds, on the run's clock. A list gives the
//! responses of successive calls; the last one repeats. In a URL pattern `*` matches any
//! text; a pattern without `?` also matches URLs that carry a query.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::clock::parse_duration;

/// One canned response.
#[derive(Debug, Clone)]
pub struct MockResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Object,
    /// The body (JSON values are sent as JSON).
    pub body: Value,
    /// How long the call takes (nominal; scaled by the time scale).
    pub delay: Duration,
}

/// Responses for successive calls.
#[derive(Debug)]
pub struct MockSequence {
    responses: Vec<MockResponse>,
    next: AtomicUsize,
    calls: AtomicUsize,
}

impl MockSequence {
    fn new(responses: Vec<MockResponse>) -> MockSequence {
        MockSequence { responses, next: AtomicUsize::new(0), calls: AtomicUsize::new(0) }
    }

    /// The response for the next call (the last one repeats).
    pub fn next_response(&self) -> Option<MockResponse> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        self.responses.get(i.min(self.responses.len().saturating_sub(1))).cloned()
    }

    /// How many calls it answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

/// A mock for requests matching a method and URL pattern.
#[derive(Debug)]
pub struct HttpMock {
    /// The method, or `None` for any.
    pub method: Option<String>,
    /// The URL pattern (`*` matches any text).
    pub url: String,
    /// Its responses.
    pub responses: MockSequence,
}

/// The mocks of a run.
#[derive(Debug, Default)]
pub struct Mocks {
    actions: Vec<(String, MockSequence)>,
    /// `(API name, operationId)` → responses.
    operations: Vec<(String, String, MockSequence)>,
    http: Vec<HttpMock>,
    trigger: Option<Value>,
}

fn mock_error(pointer: String, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message).with_pointer(pointer)
}

fn response(value: &Value, pointer: &str) -> Result<MockResponse> {
    let o = value.as_object().ok_or_else(|| {
        mock_error(
            pointer.into(),
            "a mock response must be an object: {\"statusCode\", \"headers\", \"body\"}",
        )
    })?;
    let status = match o.get_ci("statusCode").or_else(|| o.get_ci("status")) {
        None => 200,
        Some(Value::Int(n)) if (100..600).contains(n) => *n as u16,
        Some(v) => {
            return Err(mock_error(
                format!("{pointer}/statusCode"),
                format!("{v} is not an HTTP status code"),
            ))
        }
    };
    let headers = match o.get_ci("headers") {
        None | Some(Value::Null) => Object::new(),
        Some(Value::Object(h)) => h.clone(),
        Some(_) => return Err(mock_error(format!("{pointer}/headers"), "mock headers must be an object")),
    };
    let delay = match o.get_ci("delay") {
        None | Some(Value::Null) => Duration::ZERO,
        Some(Value::String(s)) => {
            parse_duration(s).map_err(|e| mock_error(format!("{pointer}/delay"), e.message()))?
        }
        Some(v) => match v.as_f64() {
            Some(ms) if ms >= 0.0 && ms.is_finite() => Duration::from_secs_f64(ms / 1000.0),
            _ => {
                return Err(mock_error(
                    format!("{pointer}/delay"),
                    "a delay is a duration (PT1S) or milliseconds",
                ))
            }
        },
    };
    Ok(MockResponse { status, headers, body: o.get_ci("body").cloned().unwrap_or_default(), delay })
}

fn sequence(value: &Value, pointer: &str) -> Result<MockSequence> {
    let responses = match value {
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(i, r)| response(r, &format!("{pointer}/{i}")))
            .collect::<Result<Vec<_>>>()?,
        Value::Array(_) => return Err(mock_error(pointer.into(), "a mock needs at least one response")),
        other => vec![response(other, pointer)?],
    };
    Ok(MockSequence::new(responses))
}

/// Does `url` match `pattern` (`*` matches any text)? A pattern without `?` also matches
/// the URL with its query removed.
pub fn url_matches(pattern: &str, url: &str) -> bool {
    if glob(pattern.as_bytes(), url.as_bytes()) {
        return true;
    }
    if !pattern.contains('?') {
        if let Some((base, _)) = url.split_once('?') {
            return glob(pattern.as_bytes(), base.as_bytes());
        }
    }
    false
}

/// Wildcard matching with `*`, iterative (no recursion, linear backtracking).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&s[si]) {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

impl Mocks {
    /// No mocks.
    pub fn none() -> Mocks {
        Mocks::default()
    }

    /// Reads mocks from their JSON shape (see the module documentation).
    pub fn from_value(value: &Value) -> Result<Mocks> {
        let root = value
            .as_object()
            .ok_or_else(|| mock_error("/".into(), "the mocks file must be a JSON object"))?;
        let mut mocks = Mocks::default();
        for (k, v) in root {
            match k.to_ascii_lowercase().as_str() {
                "actions" => {
                    let o = v.as_object().ok_or_else(|| {
                        mock_error("/actions".into(), "\"actions\" must map action names to responses")
                    })?;
                    for (name, r) in o {
                        let p = format!("/actions/{name}");
                        mocks.actions.push((name.to_string(), sequence(r, &p)?));
                    }
                }
                "http" => {
                    let list = v.as_array().ok_or_else(|| {
                        mock_error("/http".into(), "\"http\" must be an array of {method, url, response}")
                    })?;
                    for (i, m) in list.iter().enumerate() {
                        let p = format!("/http/{i}");
                        let url = m
                            .member("url")
                            .and_then(|u| u.as_str().map(str::to_string))
                            .ok_or_else(|| mock_error(p.clone(), "an HTTP mock needs a \"url\" pattern"))?;
                        let method = m.member("method").and_then(|x| x.as_str().map(str::to_ascii_uppercase));
                        let r = m.member("responses").or_else(|| m.member("response")).ok_or_else(|| {
                            mock_error(p.clone(), "an HTTP mock needs a \"response\" (or \"responses\")")
                        })?;
                        mocks.http.push(HttpMock {
                            method,
                            url,
                            responses: sequence(&r, &format!("{p}/response"))?,
                        });
                    }
                }
                "operations" => {
                    let apis = v.as_object().ok_or_else(|| {
                        mock_error("/operations".into(), "\"operations\" must map API names to {operationId: response}")
                    })?;
                    for (api, ops) in apis {
                        let ops = ops.as_object().ok_or_else(|| {
                            mock_error(format!("/operations/{api}"), "an API's operations must map operationIds to responses")
                        })?;
                        for (op, r) in ops {
                            let p = format!("/operations/{api}/{op}");
                            mocks.operations.push((api.to_string(), op.to_string(), sequence(r, &p)?));
                        }
                    }
                }
                "trigger" => mocks.trigger = Some(v.clone()),
                // `"$schema"` names the JSON Schema for editors.
                key if key.starts_with('$') => {}
                other => {
                    return Err(mock_error(
                        format!("/{k}"),
                        format!(
                            "unknown mocks section '{other}'; the sections are actions, operations, http and trigger"
                        ),
                    ))
                }
            }
        }
        Ok(mocks)
    }

    /// Reads mocks from JSON text.
    pub fn from_json_str(text: &str) -> Result<Mocks> {
        let value = crate::value::from_json_str(text).map_err(|e| {
            Error::new(ErrorKind::Definition, format!("the mocks file is not valid JSON: {e}"))
        })?;
        Mocks::from_value(&value)
    }

    /// The mock for an action, by name (exactly, then without regard to case).
    pub fn for_action(&self, name: &str) -> Option<&MockSequence> {
        self.actions
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| self.actions.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, s)| s)
    }

    /// The mock for a connector operation: the API name (`shared_sharepointonline`, or its
    /// short form `sharepointonline`) and the operationId, without regard to case.
    pub fn for_operation(&self, api: &str, operation: &str) -> Option<&MockSequence> {
        let short = |a: &str| a.strip_prefix("shared_").unwrap_or(a).to_ascii_lowercase();
        self.operations
            .iter()
            .find(|(a, o, _)| short(a) == short(api) && o.eq_ignore_ascii_case(operation))
            .map(|(_, _, s)| s)
    }

    /// The first HTTP mock matching a request.
    pub fn for_request(&self, method: &str, url: &str) -> Option<&MockSequence> {
        self.http
            .iter()
            .find(|m| {
                m.method.as_deref().is_none_or(|x| x.eq_ignore_ascii_case(method)) && url_matches(&m.url, url)
            })
            .map(|m| &m.responses)
    }

    /// Has any HTTP (method + URL) mock?
    pub fn has_http(&self) -> bool {
        !self.http.is_empty()
    }

    /// The names of the actions mocked by name.
    pub fn action_names(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|(n, _)| n.as_str())
    }

    /// The trigger's outputs, if mocked (`{"headers", "body"}`).
    pub fn trigger(&self) -> Option<&Value> {
        self.trigger.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        for (p, u, m) in [
            ("https://api/x*", "https://api/x/1?a=b", true),
            ("https://api/x", "https://api/x?page=2", true),
            ("https://api/x?page=2", "https://api/x?page=3", false),
            ("*/tracker/*", "http://127.0.0.1:80/tracker/batches", true),
            ("https://api/y", "https://api/x", false),
            ("**a*b", "xxaxxb", true),
        ] {
            assert_eq!(url_matches(p, u), m, "{p} {u}");
        }
    }

    #[test]
    fn sequences_and_errors() {
        let m = Mocks::from_json_str(
            r#"{"actions": {"A": [{"statusCode": 500}, {"status": 200, "body": 1, "delay": 5}]},
                "http": [{"method": "get", "url": "http://x/*", "response": {"statusCode": 204}}]}"#,
        );
        let m = m.unwrap_or_default();
        let a = m.for_action("a");
        assert_eq!(a.and_then(|s| s.next_response()).map(|r| r.status), Some(500));
        assert_eq!(a.and_then(|s| s.next_response()).map(|r| r.delay), Some(Duration::from_millis(5)));
        assert_eq!(a.and_then(|s| s.next_response()).map(|r| r.status), Some(200), "the last repeats");
        assert_eq!(a.map(MockSequence::calls), Some(3));
        assert!(
            m.for_request("GET", "http://x/y").is_some() && m.for_request("POST", "http://x/y").is_none()
        );
        for bad in [
            r#"[]"#,
            r#"{"actions": {"A": {"statusCode": 99}}}"#,
            r#"{"http": [{"response": {}}]}"#,
            r#"{"nope": 1}"#,
            r#"{"actions": {"A": []}}"#,
        ] {
            assert!(Mocks::from_json_str(bad).is_err(), "{bad}");
        }
    }
}
