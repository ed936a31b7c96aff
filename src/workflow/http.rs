//! Http actions and connector actions inside a run.
//!
//! The boundary is [`HttpExecutor`]: the runner renders the action's inputs and hands them
//! over with the action's mock (if any); the executor sends the request (through a mock or
//! the network), applies the retry policy and paging, and returns the action's outcome.
//! [`BasicHttp`] is the runner's own executor until the HTTP action runtime
//! (`crate::runtime`) takes its place; it keeps to the same record shape.
//!
//! Connector actions (ApiConnection, ServiceProvider, ...) cannot run locally: a mock by
//! action name answers for them, and the answer is judged like an HTTP response.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::value::{Binary, Object, Value};

use super::clock::parse_duration;
use super::definition::{ActionDef, Kind};
use super::mock::{MockResponse, MockSequence};
use super::record::timestamp;
use super::run::{template_error, Ctx, Outcome, RunState};
use super::status::Status;

/// A request as sent.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method, upper case.
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Option<Vec<u8>>,
}

/// A response as received.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// One action's call, as the runner hands it to the executor.
pub(crate) struct HttpCall<'a> {
    pub def: &'a ActionDef,
    pub inputs: Value,
    pub mock: Option<&'a MockSequence>,
    pub run: &'a RunState<'a>,
}

/// Executes Http actions. The runner's boundary with the HTTP layer.
pub(crate) trait HttpExecutor: Send + Sync {
    fn execute(&self, call: &HttpCall<'_>) -> Outcome;
}

/// Renders an Http or connector action and runs it.
pub(crate) fn perform(run: &RunState<'_>, def: &ActionDef, ctx: &Ctx<'_>) -> Outcome {
    let inputs = match def.inputs.render(ctx) {
        Ok(v) => v,
        Err(e) => return template_error(def, "/inputs", &e),
    };
    let mock = run.mocks.for_action(&def.name);
    match (&def.kind, mock) {
        (Kind::Http, _) => run.http.execute(&HttpCall { def, inputs, mock, run }),
        (_, Some(mock)) => match mock.next_response() {
            Some(r) => {
                if !r.delay.is_zero() && !run.clock.sleep(r.delay, &run.cancel) {
                    let mut o = Outcome::failed("Cancelled", "The run was terminated during this call.");
                    o.status = Status::Cancelled;
                    return o.with_inputs(inputs);
                }
                judge(r.status, headers_value(&r.headers), r.body.clone()).with_inputs(inputs)
            }
            None => Outcome::failed("MockExhausted", "The mock has no response.").with_inputs(inputs),
        },
        _ => Outcome::failed(
            "ActionTypeNotSupported",
            format!(
                "The action type '{}' of '{}' cannot run locally; give it a mock (--mocks) by action name.",
                def.type_name, def.name
            ),
        )
        .with_inputs(inputs),
    }
}

fn headers_value(h: &Object) -> Value {
    Value::Object(h.iter().map(|(k, v)| (k.clone(), Value::from(v.to_text()))).collect())
}

/// The reason phrase the service uses as an HTTP action's `code`.
pub(crate) fn reason(status: u16) -> String {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        301 => "MovedPermanently",
        302 => "Found",
        304 => "NotModified",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        408 => "RequestTimeout",
        409 => "Conflict",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        n => return format!("Status{n}"),
    }
    .to_string()
}

/// The outcome of a response: 2xx Succeeded, anything else Failed, outputs kept.
fn judge(status: u16, headers: Value, body: Value) -> Outcome {
    let mut outputs = Object::new();
    outputs.insert("statusCode", Value::Int(i64::from(status)));
    outputs.insert("headers", headers);
    outputs.insert("body", body);
    let code = reason(status);
    let mut o = if (200..300).contains(&status) {
        Outcome::succeeded(None, None)
    } else {
        Outcome::failed(&code, format!("The request failed with status code {status} ({code})."))
    };
    o.code = code;
    o.with_outputs(Value::Object(outputs))
}

/// Sends one request over the network.
pub trait Transport: Send + Sync {
    /// Sends the request and reads the whole response, or says why it could not.
    fn send(&self, request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, String>;
}

/// The network, through ureq.
pub struct NetworkTransport {
    agent: ureq::Agent,
}

impl Default for NetworkTransport {
    fn default() -> NetworkTransport {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        NetworkTransport { agent }
    }
}

impl Transport for NetworkTransport {
    fn send(&self, request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, String> {
        let mut builder =
            ureq::http::Request::builder().method(request.method.as_str()).uri(request.url.as_str());
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let req = builder.body(request.body.clone().unwrap_or_default()).map_err(|e| e.to_string())?;
        let agent = self.agent.clone();
        let req = agent.configure_request(req).timeout_global(Some(timeout)).build();
        let mut response = agent.run(req).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(super::definition::limits::MAX_ACTION_IO as u64)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        Ok(HttpResponse { status, headers, body })
    }
}

/// The runner's own Http executor: one request, the retry policy (`none`, `fixed`,
/// `exponential`, `default`: exponential, 4 retries), `Retry-After` in seconds, and
/// `nextLink` paging. Mocks answer before the network.
pub(crate) struct BasicHttp {
    pub transport: Box<dyn Transport>,
}

struct Policy {
    count: u32,
    interval: Duration,
    min: Duration,
    max: Duration,
    exponential: bool,
}

fn policy(inputs: &Value) -> Result<Policy, String> {
    let p = inputs.member("retryPolicy").unwrap_or_default();
    let ty = p.member("type").map(|t| t.to_text().to_ascii_lowercase()).unwrap_or_else(|| "default".into());
    let dur = |key: &str, default: &str| -> Result<Duration, String> {
        let text = p.member(key).map(|v| v.to_text()).unwrap_or_else(|| default.to_string());
        parse_duration(&text).map_err(|e| e.message().to_string())
    };
    let count = match p.member("count") {
        None => 4,
        Some(Value::Int(n)) if (0..=90).contains(&n) => n as u32,
        Some(v) => return Err(format!("the retry count must be an integer from 1 to 90, not {v}")),
    };
    Ok(match ty.as_str() {
        "none" => Policy {
            count: 0,
            interval: Duration::ZERO,
            min: Duration::ZERO,
            max: Duration::ZERO,
            exponential: false,
        },
        "fixed" => Policy {
            count,
            interval: dur("interval", "PT7S")?,
            min: Duration::ZERO,
            max: Duration::MAX,
            exponential: false,
        },
        "exponential" | "default" => Policy {
            count,
            interval: dur("interval", "PT7S")?,
            min: dur("minimumInterval", "PT5S")?,
            max: dur("maximumInterval", "PT1H")?,
            exponential: true,
        },
        other => {
            return Err(format!(
                "'{other}' is not a retry policy type; the types are none, default, fixed and exponential"
            ))
        }
    })
}

impl Policy {
    /// The wait before retry `n` (1-based), drawn from the spec's range for exponential.
    fn wait(&self, n: u32) -> Duration {
        if !self.exponential {
            return self.interval;
        }
        let i = self.interval.as_secs_f64();
        let lower = if n == 1 { 0.0 } else { i * 2f64.powi(n as i32 - 2) };
        let lower = lower.max(self.min.as_secs_f64());
        let upper = (i * 2f64.powi(n as i32 - 1)).min(self.max.as_secs_f64());
        let secs = if upper <= lower { lower } else { lower + fastrand::f64() * (upper - lower) };
        Duration::from_secs_f64(secs.min(86_400.0))
    }
}

fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn mock_to_response(r: &MockResponse) -> HttpResponse {
    let mut headers: Vec<(String, String)> =
        r.headers.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect();
    let body = match &r.body {
        Value::Null => Vec::new(),
        Value::String(s) => {
            if header(&headers, "content-type").is_none() {
                headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
            }
            s.as_bytes().to_vec()
        }
        Value::Binary(b) => b.bytes().to_vec(),
        other => {
            if header(&headers, "content-type").is_none() {
                headers.push(("Content-Type".into(), "application/json; charset=utf-8".into()));
            }
            other.to_string().into_bytes()
        }
    };
    HttpResponse { status: r.status, headers, body }
}

/// Reads a response body by its content type: JSON parsed, text as text, else binary.
fn read_body(headers: &[(String, String)], bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let ct = header(headers, "content-type").unwrap_or("").to_ascii_lowercase();
    if ct.contains("json") {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        return crate::value::from_json_str(text)
            .map_err(|e| format!("the response has a JSON content type but is not valid JSON: {e}"));
    }
    if ct.starts_with("text/") || ct.is_empty() && std::str::from_utf8(bytes).is_ok() {
        return Ok(Value::from(String::from_utf8_lossy(bytes).into_owned()));
    }
    let ct = if ct.is_empty() { "application/octet-stream".to_string() } else { ct };
    Ok(Value::Binary(std::sync::Arc::new(Binary::new(ct, bytes.to_vec()))))
}

fn query_string(queries: &Object) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    // RFC 3986 unreserved characters stay as they are.
    const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    queries
        .iter()
        .map(|(k, v)| {
            format!("{}={}", utf8_percent_encode(k, QUERY), utf8_percent_encode(&v.to_text(), QUERY))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn build_request(inputs: &Value) -> Result<HttpRequest, String> {
    let method =
        inputs.member("method").map(|m| m.to_text().to_ascii_uppercase()).unwrap_or_else(|| "GET".into());
    let mut url = inputs
        .member("uri")
        .and_then(|u| u.as_str().map(str::to_string))
        .ok_or("the Http action needs a \"uri\"")?;
    if let Some(Value::Object(q)) = inputs.member("queries") {
        if !q.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query_string(&q));
        }
    }
    let mut headers: Vec<(String, String)> = match inputs.member("headers") {
        Some(Value::Object(h)) => h.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect(),
        _ => Vec::new(),
    };
    if let Some(auth) = inputs.member("authentication") {
        let ty = auth.member("type").map(|t| t.to_text().to_ascii_lowercase()).unwrap_or_default();
        match ty.as_str() {
            "raw" => headers.push((
                "Authorization".into(),
                auth.member("value").map(|v| v.to_text()).unwrap_or_default(),
            )),
            "basic" => {
                use base64::Engine as _;
                let user = auth.member("username").map(|v| v.to_text()).unwrap_or_default();
                let pass = auth.member("password").map(|v| v.to_text()).unwrap_or_default();
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                headers.push(("Authorization".into(), format!("Basic {token}")));
            }
            "" | "none" => {}
            other => {
                return Err(format!(
                    "authentication type '{other}' is not supported by the runner's Http executor"
                ))
            }
        }
    }
    let body = match inputs.member("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_bytes().to_vec()),
        Some(Value::Binary(b)) => {
            if header(&headers, "content-type").is_none() {
                headers.push(("Content-Type".into(), b.content_type().to_string()));
            }
            Some(b.bytes().to_vec())
        }
        Some(other) => {
            if header(&headers, "content-type").is_none() {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            Some(other.to_string().into_bytes())
        }
    };
    Ok(HttpRequest { method, url, headers, body })
}

impl BasicHttp {
    fn send(&self, call: &HttpCall<'_>, request: &HttpRequest) -> Result<HttpResponse, String> {
        let run = call.run;
        let mock = call.mock.or_else(|| run.mocks.for_request(&request.method, &request.url));
        match mock {
            Some(seq) => {
                let r = seq.next_response().ok_or("the mock has no response")?;
                if !r.delay.is_zero() && !run.clock.sleep(r.delay, &run.cancel) {
                    return Err("the run was terminated during the call".into());
                }
                Ok(mock_to_response(&r))
            }
            None => self.transport.send(request, Duration::from_secs(120)),
        }
    }

    /// Sends with the retry policy; records every attempt.
    fn send_with_retries(
        &self,
        call: &HttpCall<'_>,
        request: &HttpRequest,
        policy: &Policy,
        attempts: &mut Vec<Value>,
    ) -> Result<HttpResponse, String> {
        let run = call.run;
        let mut n = 0;
        loop {
            let start = run.clock.now();
            let result = self.send(call, request);
            let mut a = Object::new();
            a.insert("number", Value::from(attempts.len() + 1));
            a.insert("startTime", Value::from(timestamp(start)));
            a.insert("url", Value::from(request.url.clone()));
            match &result {
                Ok(r) => a.insert("statusCode", Value::Int(i64::from(r.status))),
                Err(e) => a.insert("error", Value::from(e.clone())),
            }
            let retry = match &result {
                Ok(r) => retryable(r.status),
                Err(_) => true,
            };
            if !retry || n >= policy.count || run.cancel.load(Ordering::Relaxed) {
                attempts.push(Value::Object(a));
                return result;
            }
            n += 1;
            let mut wait = policy.wait(n);
            if let Ok(r) = &result {
                if r.status == 429 {
                    if let Some(secs) =
                        header(&r.headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok())
                    {
                        wait = Duration::from_secs(secs.min(86_400));
                    }
                }
            }
            a.insert("waitBeforeNext", Value::from(format!("PT{}S", wait.as_secs_f64())));
            attempts.push(Value::Object(a));
            if !run.clock.sleep(wait, &run.cancel) {
                return result;
            }
        }
    }
}

impl HttpExecutor for BasicHttp {
    fn execute(&self, call: &HttpCall<'_>) -> Outcome {
        let inputs = call.inputs.clone();
        let (request, policy) = match build_request(&inputs).and_then(|r| Ok((r, policy(&inputs)?))) {
            Ok(x) => x,
            Err(m) => return Outcome::failed("InvalidTemplate", m).with_inputs(inputs),
        };
        let minimum = call
            .def
            .raw
            .member("runtimeConfiguration")
            .and_then(|r| r.member("paginationPolicy"))
            .and_then(|p| p.member("minimumItemCount"))
            .and_then(|m| m.as_i64());
        let mut attempts = Vec::new();
        let mut response = match self.send_with_retries(call, &request, &policy, &mut attempts) {
            Ok(r) => r,
            Err(e) => {
                let mut o =
                    Outcome::failed("ServiceUnavailable", format!("The request could not be completed: {e}"))
                        .with_inputs(inputs);
                o.extra.push(("attempts", Value::array(attempts)));
                return o;
            }
        };
        let mut body = match read_body(&response.headers, &response.body) {
            Ok(b) => b,
            Err(e) => {
                let mut o = Outcome::failed("BadRequest", e).with_inputs(inputs);
                o.extra.push(("attempts", Value::array(attempts)));
                return o;
            }
        };
        // Paging: follow nextLink with GET until enough items or no more pages.
        if let (Some(minimum), true) = (minimum, (200..300).contains(&response.status)) {
            let mut items: Vec<Value> =
                body.member("value").and_then(|v| v.as_array().map(<[Value]>::to_vec)).unwrap_or_default();
            let mut pages = 1;
            while (items.len() as i64) < minimum && pages < 1_000 {
                let Some(next) = body
                    .member("nextLink")
                    .or_else(|| body.member("@odata.nextLink"))
                    .and_then(|l| l.as_str().map(str::to_string))
                else {
                    break;
                };
                let page_request = HttpRequest {
                    method: "GET".into(),
                    url: next,
                    headers: request.headers.clone(),
                    body: None,
                };
                response = match self.send_with_retries(call, &page_request, &policy, &mut attempts) {
                    Ok(r) => r,
                    Err(e) => {
                        let mut o = Outcome::failed(
                            "ServiceUnavailable",
                            format!("Fetching the next page failed: {e}"),
                        )
                        .with_inputs(inputs);
                        o.extra.push(("attempts", Value::array(attempts)));
                        return o;
                    }
                };
                if !(200..300).contains(&response.status) {
                    break;
                }
                body = read_body(&response.headers, &response.body).unwrap_or_default();
                items.extend(
                    body.member("value")
                        .and_then(|v| v.as_array().map(<[Value]>::to_vec))
                        .unwrap_or_default(),
                );
                pages += 1;
            }
            let mut o = Object::new();
            o.insert("value", Value::array(items));
            body = Value::Object(o);
        }
        let headers = Value::Object(
            response.headers.iter().map(|(k, v)| (k.as_str(), Value::from(v.clone()))).collect(),
        );
        let mut recorded = Object::new();
        recorded.insert("method", Value::from(request.method.clone()));
        recorded.insert("uri", Value::from(request.url.clone()));
        if let Some(h) = inputs.member("headers") {
            recorded.insert("headers", h);
        }
        if let Some(b) = inputs.member("body") {
            recorded.insert("body", b);
        }
        if let Some(a) = inputs.member("authentication") {
            recorded.insert("authentication", a);
        }
        let mut o = judge(response.status, headers, body).with_inputs(Value::Object(recorded));
        o.extra.push(("attempts", Value::array(attempts)));
        o
    }
}
