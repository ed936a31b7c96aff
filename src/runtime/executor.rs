//! Running an Http action: render, authenticate, send with the retry policy, follow the
//! asynchronous pattern and the pages, and record everything.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::action::HttpAction;
use super::auth::{
    load_pfx, redact_authentication, Authentication, OAuthClient, Token, TokenCache, DEFAULT_AUTHORITY,
};
use super::clock::{Clock, SystemClock};
use super::duration::format_duration;
use super::record::{
    status_code_name, ActionError, ActionRecord, ActionStatus, Attempt, AttemptKind, AttemptOutcome, Outputs,
    WaitReason,
};
use super::redact::{is_secret_header, Redactor, Secrets, REDACTED, SECURED};
use super::request::{
    decode_body, encode_body, headers_object, is_dropped_header, resolve_link, EncodedBody, RequestSpec,
};
use super::retry::{is_retryable_status, parse_retry_after, RetryPolicy, MAX_RETRY_AFTER};
use super::transport::{
    ClientIdentity, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind, UreqTransport,
};
use crate::error::{Error, ErrorKind, Result};
use crate::eval::Context;
use crate::value::{Object, Value};

/// The outbound request timeout by default: the service's (Consumption) 120 seconds.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The interval between polls of a 202 answer that gives no `Retry-After`.
pub const DEFAULT_POLLING_INTERVAL: Duration = Duration::from_secs(20);

/// The most pages one action follows.
pub const MAX_PAGES: usize = 1_000;

/// The most times one action polls the `Location` of a 202 (a status URL that keeps
/// answering 202 — itself, say — ends here, or sooner at `limit.timeout`).
pub const MAX_POLLS: usize = 10_000;

/// The most ranged GETs one chunked download makes (the service's limit).
pub const MAX_CHUNK_DOWNLOADS: usize = 1_000;

/// The shortest real deadline a scaled request gets (a time scale of 1e-6 would otherwise
/// leave no time to connect at all).
const MIN_SCALED_DEADLINE: Duration = Duration::from_millis(10);

/// A line of the runtime's log (already redacted).
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

/// Runs Http actions. One runtime serves many actions: it holds the transport (and so
/// the connection pool), the clock, the time scale, the random source of exponential
/// retries and the OAuth token cache.
pub struct HttpRuntime {
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    time_scale: f64,
    rng: Mutex<fastrand::Rng>,
    tokens: TokenCache,
    request_timeout: Duration,
    polling_interval: Duration,
    default_authority: String,
    secrets: Secrets,
    logger: Option<Logger>,
    /// When the run this runtime serves must end (its clock's time).
    deadline: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for HttpRuntime {
    fn default() -> HttpRuntime {
        HttpRuntime::new()
    }
}

impl std::fmt::Debug for HttpRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRuntime")
            .field("time_scale", &self.time_scale)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// How a sequence of attempts ended early.
enum Stop {
    /// `limit.timeout` passed.
    TimedOut,
    /// The action cannot go on (authentication failed, say).
    Failed(ActionError),
}

/// The last answer of a sequence of attempts, or the failure of the last one.
enum Exchange {
    Answered(HttpResponse, String),
    NoAnswer(TransportError),
}

impl HttpRuntime {
    /// A runtime with the real transport, the system clock, time scale 1, and the service's
    /// timeouts.
    pub fn new() -> HttpRuntime {
        HttpRuntime {
            transport: Arc::new(UreqTransport::default()),
            clock: Arc::new(SystemClock),
            time_scale: 1.0,
            rng: Mutex::new(fastrand::Rng::new()),
            tokens: TokenCache::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            polling_interval: DEFAULT_POLLING_INTERVAL,
            default_authority: DEFAULT_AUTHORITY.to_string(),
            secrets: Secrets::new(),
            logger: None,
            deadline: None,
        }
    }

    /// Sends through this transport (a mock, or a configured [`UreqTransport`]).
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> HttpRuntime {
        self.transport = transport;
        self
    }

    /// Uses this clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> HttpRuntime {
        self.clock = clock;
        self
    }

    /// Multiplies every wait — retry intervals, `Retry-After`, polling intervals — and every
    /// request's deadline by `scale` (0 waits not at all and leaves deadlines as they are).
    /// Records keep the unscaled waits, and `limit.timeout` counts them unscaled too, so a
    /// definition behaves as it would, only faster.
    pub fn with_time_scale(mut self, scale: f64) -> Result<HttpRuntime> {
        if !scale.is_finite() || scale < 0.0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("the time scale must be a finite number of 0 or more, not {scale}"),
            ));
        }
        self.time_scale = scale;
        Ok(self)
    }

    /// Seeds the random source of exponential retry intervals.
    pub fn with_seed(self, seed: u64) -> HttpRuntime {
        *self.rng.lock().unwrap_or_else(|p| p.into_inner()) = fastrand::Rng::with_seed(seed);
        self
    }

    /// The timeout of each outbound request (default 120 s).
    pub fn with_request_timeout(mut self, timeout: Duration) -> HttpRuntime {
        self.request_timeout = timeout;
        self
    }

    /// No action goes on past this time (the clock's): the end of the run's duration limit.
    /// Without it each action has the run-duration limit of its own.
    pub fn with_deadline(mut self, deadline: chrono::DateTime<chrono::Utc>) -> HttpRuntime {
        self.deadline = Some(deadline);
        self
    }

    /// The interval between polls when a 202 gives no `Retry-After` (default 20 s).
    pub fn with_polling_interval(mut self, interval: Duration) -> HttpRuntime {
        self.polling_interval = interval;
        self
    }

    /// The OAuth authority used when a definition names none.
    pub fn with_default_authority(mut self, authority: impl Into<String>) -> HttpRuntime {
        self.default_authority = authority.into();
        self
    }

    /// Secrets to hide in every record, log line and error (the values of `securestring`
    /// and `secureobject` parameters).
    pub fn with_secrets(mut self, secrets: Redactor) -> HttpRuntime {
        self.secrets = Secrets::from_redactor(secrets);
        self
    }

    /// Shares this set of secrets: what the actions learn (credentials, fetched tokens) is
    /// added to it, and whoever else holds it (a run, an output sink) hides them too.
    pub fn with_shared_secrets(mut self, secrets: Secrets) -> HttpRuntime {
        self.secrets = secrets;
        self
    }

    /// The secrets this runtime knows: those it was given and those its actions learned.
    pub fn shared_secrets(&self) -> Secrets {
        self.secrets.clone()
    }

    /// Adds the strings inside a value as secrets for the actions run from now on: the
    /// outputs of an action with secured outputs, which later actions may use (the service
    /// hides such inputs in run history too).
    pub fn add_secret_strings(&self, value: &Value) {
        self.secrets.update(|r| r.add_strings(value));
    }

    fn secrets(&self) -> Redactor {
        self.secrets.snapshot()
    }

    /// Receives one line per attempt, wait and outcome, with secrets redacted.
    pub fn with_logger(mut self, logger: Logger) -> HttpRuntime {
        self.logger = Some(logger);
        self
    }

    /// The time scale.
    pub fn time_scale(&self) -> f64 {
        self.time_scale
    }

    /// The OAuth token cache.
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    /// Runs an action against a run context and returns its record. Never panics and never
    /// returns an error: every failure is a Failed (or TimedOut) record.
    pub fn execute(&self, action: &HttpAction, context: &dyn Context) -> ActionRecord {
        let record = self.execute_action(action, context);
        // What this action learned (its credentials, a fetched token) stays secret in every
        // later record and output too.
        self.secrets.merge(&record.redactor);
        record
    }

    fn execute_action(&self, action: &HttpAction, context: &dyn Context) -> ActionRecord {
        let start = self.clock.now();
        let start_time = self.clock.utc_now();
        let mut redactor = self.secrets();
        let finish =
            |status, code: String, inputs, outputs, error, attempts, redactor: Redactor| ActionRecord {
                name: action.name().to_string(),
                action_type: "Http".into(),
                status,
                code,
                start_time,
                end_time: self.clock.utc_now(),
                inputs,
                outputs,
                error,
                attempts,
                secure_inputs: action.secure_inputs,
                secure_outputs: action.secure_outputs,
                redactor,
            };
        let rendered = match action.render_inputs(context) {
            Ok(v) => v,
            Err(e) => {
                let error = template_error(action, &e);
                self.log(&redactor, &format!("{}: {}: {}", action.name(), error.code, error.message));
                return finish(
                    ActionStatus::Failed,
                    error.code.clone(),
                    Value::Null,
                    None,
                    Some(error),
                    Vec::new(),
                    redactor,
                );
            }
        };
        let spec = match RequestSpec::from_inputs(&rendered, &self.default_authority) {
            Ok(s) => s,
            Err(e) => {
                let error = ActionError {
                    code: "BadRequest".into(),
                    message: format!(
                        "The inputs of action '{}' are not valid: {} (at {}{}).",
                        action.name(),
                        e.message,
                        action.inputs_pointer(),
                        e.pointer
                    ),
                };
                let inputs = sanitize_inputs(&rendered);
                return finish(
                    ActionStatus::Failed,
                    error.code.clone(),
                    inputs,
                    None,
                    Some(error),
                    Vec::new(),
                    redactor,
                );
            }
        };
        if let Some(auth) = &spec.authentication {
            auth.add_secrets(&mut redactor);
        }
        redactor.add_uri_credentials(&spec.url());
        let inputs = sanitize_inputs(&rendered);
        let mut run = Run {
            rt: self,
            action,
            spec,
            workflow_headers: if action.suppress_workflow_headers {
                Vec::new()
            } else {
                self.workflow_headers(action, context)
            },
            redactor,
            attempts: Vec::new(),
            start,
            slept_real: Duration::ZERO,
            waited: Duration::ZERO,
            identity: None,
        };
        let result = run.run();
        let Run { attempts, redactor, .. } = run;
        match result {
            Ok((status, code, outputs, error)) => {
                finish(status, code, inputs, Some(outputs), error, attempts, redactor)
            }
            Err(Stop::TimedOut) => {
                let limit = match action.timeout {
                    Some(t) => format!("its time limit of {} (limit.timeout)", format_duration(t)),
                    None => "the run's duration limit of 90 days".to_string(),
                };
                let error = ActionError {
                    code: "ActionTimedOut".into(),
                    message: format!("The action '{}' did not complete within {limit}.", action.name()),
                };
                self.log(&redactor, &format!("{}: TimedOut: {}", action.name(), error.message));
                finish(
                    ActionStatus::TimedOut,
                    error.code.clone(),
                    inputs,
                    None,
                    Some(error),
                    attempts,
                    redactor,
                )
            }
            Err(Stop::Failed(error)) => {
                self.log(&redactor, &format!("{}: Failed: {}: {}", action.name(), error.code, error.message));
                finish(
                    ActionStatus::Failed,
                    error.code.clone(),
                    inputs,
                    None,
                    Some(error),
                    attempts,
                    redactor,
                )
            }
        }
    }

    /// Renders an action and builds the request it would send, without sending anything
    /// (not even a token request): `{"method", "url", "headers", "body"}` with secrets
    /// redacted, and the headers the service would drop under `droppedHeaders`.
    pub fn dry_run(&self, action: &HttpAction, context: &dyn Context) -> Result<Value> {
        let mut redactor = self.secrets();
        let rendered = action.render_inputs(context).map_err(|e| {
            let error = template_error(action, &e);
            Error::new(ErrorKind::Evaluation, redactor.redact_text(&error.message))
        })?;
        let spec = RequestSpec::from_inputs(&rendered, &self.default_authority).map_err(|e| {
            Error::new(ErrorKind::Definition, redactor.redact_text(&e.message)).with_pointer(format!(
                "{}{}",
                action.inputs_pointer(),
                e.pointer
            ))
        })?;
        if let Some(a) = &spec.authentication {
            a.add_secrets(&mut redactor);
        }
        redactor.add_uri_credentials(&spec.url());
        self.secrets.merge(&redactor);
        if action.secure_inputs {
            // secureData hides the inputs in a dry run as in the run history.
            let mut o = Object::new();
            o.insert("method", Value::from(spec.method.as_str()));
            o.insert("url", Value::from(SECURED));
            o.insert("headers", Value::from(SECURED));
            o.insert("body", Value::from(SECURED));
            return Ok(Value::Object(o));
        }
        let body = encode_body(&spec.body);
        let auth_header = match &spec.authentication {
            Some(Authentication::ActiveDirectoryOAuth(c)) => {
                Some(format!("Bearer <token from {}>", c.token_url()))
            }
            Some(a) => a.static_header(),
            None => None,
        };
        let workflow = if action.suppress_workflow_headers {
            Vec::new()
        } else {
            self.workflow_headers(action, context)
        };
        let (headers, dropped) = build_headers(&spec, &spec.method, body.as_ref(), auth_header, &workflow);
        let mut o = Object::new();
        o.insert("method", Value::from(spec.method.as_str()));
        o.insert("url", Value::from(redactor.redact_text(&spec.url())));
        let mut h = Object::new();
        for (k, v) in redactor.redact_headers(&headers) {
            let v = if k.eq_ignore_ascii_case("authorization") {
                match &spec.authentication {
                    Some(Authentication::ActiveDirectoryOAuth(c)) => {
                        format!("Bearer [token from {}]", c.token_url())
                    }
                    Some(Authentication::Basic { .. }) => format!("Basic {REDACTED}"),
                    _ => v,
                }
            } else {
                v
            };
            h.insert(k, Value::from(v));
        }
        o.insert("headers", Value::Object(h));
        if let Some(b) = &body {
            let v = match std::str::from_utf8(&b.bytes) {
                Ok(text) => Value::from(redactor.redact_text(text)),
                Err(_) => redactor.redact_value(&Value::binary(crate::value::Binary::new(
                    b.default_content_type.as_str(),
                    b.bytes.clone(),
                ))),
            };
            o.insert("body", v);
        }
        if !dropped.is_empty() {
            o.insert("droppedHeaders", Value::array(dropped.into_iter().map(Value::from).collect()));
        }
        match &spec.authentication {
            Some(Authentication::ClientCertificate { .. }) => o.insert(
                "clientCertificate",
                Value::from("presented from the 'pfx' during the TLS handshake"),
            ),
            Some(Authentication::ManagedServiceIdentity { .. }) => {
                o.insert("authentication", Value::from(msi_message()))
            }
            _ => {}
        }
        Ok(Value::Object(o))
    }

    fn workflow_headers(&self, action: &HttpAction, context: &dyn Context) -> Vec<(String, String)> {
        let text = |v: Option<Value>| v.map(|v| v.to_text()).filter(|s| !s.is_empty());
        let (id, name, run) = match context.workflow() {
            Some(wf) => (
                text(wf.member("id")),
                text(wf.member("name")),
                text(wf.member("run").and_then(|r| r.member("name"))),
            ),
            // What workflow() gives when the run context does not say.
            None => {
                (Some("/workflows/local".to_string()), Some("local".to_string()), Some("local".to_string()))
            }
        };
        let mut out = Vec::with_capacity(5);
        if let Some(id) = id {
            out.push(("x-ms-workflow-id".to_string(), id));
        }
        if let Some(name) = name {
            out.push(("x-ms-workflow-name".to_string(), name));
        }
        if let Some(run) = run {
            out.push(("x-ms-workflow-run-id".to_string(), run.clone()));
            out.push(("x-ms-client-tracking-id".to_string(), run));
        }
        out.push(("x-ms-workflow-operation-name".to_string(), action.name().to_string()));
        out
    }

    fn log(&self, redactor: &Redactor, line: &str) {
        if let Some(logger) = &self.logger {
            logger(&redactor.redact_text(line));
        }
    }

    /// The real deadline of a request that may take `nominal`: scaled like the waits.
    fn deadline_for(&self, nominal: Duration) -> Duration {
        if self.time_scale == 0.0 {
            nominal
        } else {
            self.scaled(nominal).max(MIN_SCALED_DEADLINE)
        }
    }

    fn scaled(&self, d: Duration) -> Duration {
        if self.time_scale == 1.0 {
            d
        } else {
            Duration::try_from_secs_f64(d.as_secs_f64() * self.time_scale).unwrap_or(Duration::MAX)
        }
    }
}

fn msi_message() -> String {
    "ManagedServiceIdentity authentication exists only inside Azure, where the service obtains the identity's token; \
     run locally with ActiveDirectoryOAuth (client secret or certificate) or Raw with a token instead."
        .to_string()
}

/// The service's wording for an expression that fails in an action's inputs.
fn template_error(action: &HttpAction, e: &Error) -> ActionError {
    let (line, col) = e.line_col().unwrap_or((0, 0));
    let at = e.pointer().map(|p| format!(" (at {}{p})", action.inputs_pointer())).unwrap_or_default();
    ActionError {
        code: "InvalidTemplate".into(),
        message: format!(
            "Unable to process template language expressions in action '{}' inputs at line '{line}' and column '{col}': '{}'{at}.",
            action.name(),
            e.message()
        ),
    }
}

/// The rendered inputs as the record keeps them: `authentication` secrets and
/// `Authorization` headers replaced.
fn sanitize_inputs(rendered: &Value) -> Value {
    let Some(o) = rendered.as_object() else { return rendered.clone() };
    let mut out = o.clone();
    if let Some(a) = o.get_ci("authentication") {
        if let Some(i) = o.position_ci("authentication") {
            out.set_index(i, redact_authentication(a));
        }
    }
    if let (Some(Value::Object(h)), Some(i)) = (o.get_ci("headers"), o.position_ci("headers")) {
        let headers: Object = h
            .iter()
            .map(|(k, v)| (k.clone(), if is_secret_header(k) { Value::from(REDACTED) } else { v.clone() }))
            .collect();
        out.set_index(i, Value::Object(headers));
    }
    Value::Object(out)
}

/// The headers sent: the action's (less those the service drops), the content type, the
/// `Authorization` of the authentication, the cookie and the workflow headers. Returns the
/// dropped names too.
fn build_headers(
    spec: &RequestSpec,
    method: &str,
    body: Option<&EncodedBody>,
    auth_header: Option<String>,
    workflow: &[(String, String)],
) -> (Vec<(String, String)>, Vec<String>) {
    let mut headers = Vec::with_capacity(spec.headers.len() + workflow.len() + 3);
    let mut dropped = Vec::new();
    let mut has_content_type = false;
    let mut content_type_dropped = false;
    let has_auth = auth_header.is_some();
    for (k, v) in &spec.headers {
        let is_ct = k.eq_ignore_ascii_case("content-type");
        if is_dropped_header(k, method) || (has_auth && k.eq_ignore_ascii_case("authorization")) {
            dropped.push(k.clone());
            content_type_dropped |= is_ct;
            continue;
        }
        if is_ct && body.is_none() {
            continue;
        }
        has_content_type |= is_ct;
        headers.push((k.clone(), v.clone()));
    }
    if let Some(b) = body {
        if !has_content_type && !content_type_dropped {
            headers.push(("Content-Type".to_string(), b.default_content_type.clone()));
        }
    }
    if let Some(a) = auth_header {
        headers.push(("Authorization".to_string(), a));
    }
    if let Some(c) = &spec.cookie {
        headers.push(("Cookie".to_string(), c.clone()));
    }
    headers.extend(workflow.iter().cloned());
    (headers, dropped)
}

/// One execution in progress.
struct Run<'a> {
    rt: &'a HttpRuntime,
    action: &'a HttpAction,
    spec: RequestSpec,
    workflow_headers: Vec<(String, String)>,
    redactor: Redactor,
    attempts: Vec<Attempt>,
    start: Instant,
    /// Real time spent waiting (scaled waits).
    slept_real: Duration,
    /// The waits as the policy and servers set them (unscaled).
    waited: Duration,
    identity: Option<Arc<ClientIdentity>>,
}

type Finished = (ActionStatus, String, Outputs, Option<ActionError>);

/// The chunk size of an upload when the endpoint suggests none.
const DEFAULT_CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// The largest content a chunked download assembles (the service's limit for chunked
/// messages is 1 GB).
const MAX_CHUNKED_DOWNLOAD: usize = 1024 * 1024 * 1024;

/// The `x-ms-chunk-size` an endpoint suggests.
fn chunk_size_of(response: &HttpResponse) -> Option<usize> {
    response.header("x-ms-chunk-size").and_then(|s| s.trim().parse::<usize>().ok()).filter(|n| *n > 0)
}

/// `bytes=0-1023` or `bytes 0-1023` → 1023.
fn range_end(value: &str) -> Option<usize> {
    let v = value.trim();
    let v = v.strip_prefix("bytes").unwrap_or(v).trim_start_matches(['=', ' ']);
    let (_, end) = v.split('/').next()?.split_once('-')?;
    end.trim().parse().ok()
}

/// `bytes 0-1023/10100` (or with `=`) → (0, 1023, 10100).
fn content_range(value: &str) -> Option<(usize, usize, usize)> {
    let v = value.trim();
    let v = v.strip_prefix("bytes").unwrap_or(v).trim_start_matches(['=', ' ']);
    let (range, total) = v.split_once('/')?;
    let (from, to) = range.split_once('-')?;
    Some((from.trim().parse().ok()?, to.trim().parse().ok()?, total.trim().parse().ok()?))
}

impl Run<'_> {
    fn run(&mut self) -> Result<Finished, Stop> {
        if let Some(Authentication::ManagedServiceIdentity { .. }) = &self.spec.authentication {
            return Err(Stop::Failed(ActionError { code: "Unsupported".into(), message: msi_message() }));
        }
        if let Some(Authentication::ClientCertificate { pfx, password }) = &self.spec.authentication {
            let identity = load_pfx(pfx, password).map_err(|e| {
                Stop::Failed(ActionError {
                    code: "BadRequest".into(),
                    message: format!("ClientCertificate authentication: {e}."),
                })
            })?;
            self.identity = Some(Arc::new(identity));
        }
        let body = encode_body(&self.spec.body);
        let method = self.spec.method.clone();
        let url = self.spec.url();
        if self.action.chunked_transfer && matches!(method.as_str(), "POST" | "PUT") {
            if let Some(body) = &body {
                return self.upload_chunked(&method, &url, body);
            }
        }
        let mut exchange = self.send(AttemptKind::Request, &method, &url, body.as_ref(), &[])?;

        // The asynchronous pattern: poll the Location of a 202 until another answer comes.
        let mut poll_url: Option<String> = None;
        let mut polls = 0usize;
        while let Exchange::Answered(response, from) = &exchange {
            if response.status != 202 || self.action.disable_async_pattern {
                break;
            }
            if polls >= MAX_POLLS {
                return Err(Stop::Failed(ActionError {
                    code: "PollingLimitExceeded".into(),
                    message: format!(
                        "The action polled its status URL {MAX_POLLS} times and it still answers 202 (Accepted); set limit.timeout, or DisableAsyncPattern to take the 202 as the answer."
                    ),
                }));
            }
            polls += 1;
            let Some(location) =
                response.header("location").map(|l| resolve_link(from, l)).or_else(|| poll_url.clone())
            else {
                break;
            };
            let (wait, reason) = match response
                .header("retry-after")
                .and_then(|t| parse_retry_after(t, self.rt.clock.utc_now()))
            {
                Some(w) => (w.min(MAX_RETRY_AFTER), WaitReason::RetryAfter),
                None => (self.rt.polling_interval, WaitReason::PollingInterval),
            };
            self.note_wait(wait, reason);
            self.wait(wait)?;
            poll_url = Some(location.clone());
            exchange = self.send(AttemptKind::Poll, "GET", &location, None, &[])?;
        }

        let (mut response, url) = match exchange {
            Exchange::Answered(r, u) => (r, u),
            Exchange::NoAnswer(e) => {
                return Err(Stop::Failed(transport_failure(&e, self.rt.request_timeout)))
            }
        };
        if self.action.chunked_transfer && method == "GET" && response.status == 206 {
            response = self.download_rest(response, &url)?;
        }
        let status = response.status;
        let headers = headers_object(&response.headers);
        let body = match decode_body(&response) {
            Ok(b) => b,
            Err(e) => {
                let outputs = Outputs { status_code: status, headers, body: Some(Value::from(e.text)) };
                let code = if (200..300).contains(&status) {
                    "BadRequest".to_string()
                } else {
                    status_code_name(status)
                };
                let error = ActionError { code: code.clone(), message: e.message };
                return Ok((ActionStatus::Failed, code, outputs, Some(error)));
            }
        };
        let mut outputs = Outputs { status_code: status, headers, body };
        if (200..300).contains(&status) {
            if let Some(minimum) = self.action.minimum_item_count {
                if let Some(failed) = self.paginate(&mut outputs, &url, minimum as usize)? {
                    return Ok(failed);
                }
            }
        }
        let code = status_code_name(outputs.status_code);
        if (200..300).contains(&outputs.status_code) {
            Ok((ActionStatus::Succeeded, code, outputs, None))
        } else {
            let error = ActionError {
                code: code.clone(),
                message: format!("Http request failed with status code '{}' ({code}).", outputs.status_code),
            };
            Ok((ActionStatus::Failed, code, outputs, Some(error)))
        }
    }

    /// The service's chunked upload: an empty POST or PUT announcing the size
    /// (`x-ms-transfer-mode: chunked`, `x-ms-content-length`), answered 200 with a `Location`
    /// (and perhaps `x-ms-chunk-size`); then PATCH requests to that location, each with a
    /// `Content-Range: bytes=first-last/total`, each confirmed by a 2xx with the `Range`
    /// received so far. The outputs are those of the last answer.
    fn upload_chunked(&mut self, method: &str, url: &str, body: &EncodedBody) -> Result<Finished, Stop> {
        let total = body.bytes.len();
        let start = [
            ("x-ms-transfer-mode".to_string(), "chunked".to_string()),
            ("x-ms-content-length".to_string(), total.to_string()),
        ];
        let answer = self.send(AttemptKind::Request, method, url, None, &start)?;
        let (response, from) = self.answered(answer)?;
        if response.status != 200 {
            return self.finish(response, "The endpoint did not start the chunked upload".into());
        }
        let Some(location) = response.header("location").map(|l| resolve_link(&from, l)) else {
            return self.finish(
                response,
                "The endpoint answered the start of the chunked upload without a Location header; it does not support the chunking protocol".into(),
            );
        };
        let mut chunk_size = chunk_size_of(&response).unwrap_or(DEFAULT_CHUNK_SIZE);
        let mut first = 0usize;
        let mut last_response = response;
        while first < total {
            let end = first.saturating_add(chunk_size).min(total);
            let chunk = EncodedBody {
                bytes: body.bytes.get(first..end).unwrap_or_default().to_vec(),
                default_content_type: body.default_content_type.clone(),
            };
            let range = [("Content-Range".to_string(), format!("bytes={first}-{}/{total}", end - 1))];
            let answer = self.send(AttemptKind::Chunk, "PATCH", &location, Some(&chunk), &range)?;
            let (response, _) = self.answered(answer)?;
            if !(200..300).contains(&response.status) {
                return self
                    .finish(response, format!("The chunk at bytes {first}-{} was not accepted", end - 1));
            }
            // The endpoint says what it has received; carry on from there.
            let received = response.header("range").and_then(range_end).map_or(end, |e| e.saturating_add(1));
            if received <= first {
                return self.finish(
                    response,
                    format!(
                        "The endpoint confirmed no progress after the chunk at bytes {first}-{}",
                        end - 1
                    ),
                );
            }
            chunk_size = chunk_size_of(&response).unwrap_or(chunk_size);
            first = received;
            last_response = response;
        }
        self.finish(last_response, String::new())
    }

    /// The rest of a chunked download: after a 206, GETs with `Range: bytes=first-last`
    /// until the total of the first `Content-Range` is read. The result is one 200 answer
    /// with the whole content.
    fn download_rest(&mut self, first: HttpResponse, url: &str) -> Result<HttpResponse, Stop> {
        let fail = |message: String| Stop::Failed(ActionError { code: "BadRequest".into(), message });
        let Some((0, end, total)) = first.header("content-range").and_then(content_range) else {
            return Ok(first);
        };
        if first.body.len() != end.saturating_add(1) {
            return Err(fail(format!(
                "The chunked download's first answer says bytes 0-{end} but holds {} bytes.",
                first.body.len()
            )));
        }
        if total > MAX_CHUNKED_DOWNLOAD {
            return Err(fail(format!(
                "The chunked download is {total} bytes; the limit is {MAX_CHUNKED_DOWNLOAD} bytes."
            )));
        }
        let step = first.body.len().max(1);
        let HttpResponse { mut headers, body: mut content, .. } = first;
        let mut next = end.saturating_add(1);
        let mut requests = 1usize;
        while next < total {
            if requests >= MAX_CHUNK_DOWNLOADS {
                return Err(fail(format!(
                    "The chunked download needs more than {MAX_CHUNK_DOWNLOADS} requests; the service makes at most {MAX_CHUNK_DOWNLOADS}."
                )));
            }
            requests += 1;
            let last = next.saturating_add(step - 1).min(total - 1);
            let range = [("Range".to_string(), format!("bytes={next}-{last}"))];
            let answer = self.send(AttemptKind::Chunk, "GET", url, None, &range)?;
            let (response, _) = self.answered(answer)?;
            let got = response.header("content-range").and_then(content_range);
            match (response.status, got) {
                (206, Some((from, to, _)))
                    if from == next && to >= from && response.body.len() == to - from + 1 =>
                {
                    content.extend_from_slice(&response.body);
                    next = to.saturating_add(1);
                }
                (status, _) => {
                    return Err(fail(format!(
                        "The chunked download stopped: asking for bytes {next}-{last} got status {status} with Content-Range {}.",
                        response.header("content-range").unwrap_or("(none)")
                    )))
                }
            }
        }
        headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("content-range") && !k.eq_ignore_ascii_case("content-length")
        });
        Ok(HttpResponse { status: 200, headers, body: content })
    }

    /// The answer of an exchange, or the failure that ends the action.
    fn answered(&self, exchange: Exchange) -> Result<(HttpResponse, String), Stop> {
        match exchange {
            Exchange::Answered(r, u) => Ok((r, u)),
            Exchange::NoAnswer(e) => Err(Stop::Failed(transport_failure(&e, self.rt.request_timeout))),
        }
    }

    /// The outcome of a chunked upload from its last answer: Succeeded on a 2xx, else
    /// Failed with `why` and the outputs kept.
    fn finish(&self, response: HttpResponse, why: String) -> Result<Finished, Stop> {
        let status = response.status;
        let headers = headers_object(&response.headers);
        let body = decode_body(&response).unwrap_or_else(|e| Some(Value::from(e.text)));
        let outputs = Outputs { status_code: status, headers, body };
        let code = status_code_name(status);
        if why.is_empty() && (200..300).contains(&status) {
            return Ok((ActionStatus::Succeeded, code, outputs, None));
        }
        let code = if (200..300).contains(&status) { "BadRequest".to_string() } else { code };
        let message = format!("{why}: status code '{status}'.");
        Ok((ActionStatus::Failed, code.clone(), outputs, Some(ActionError { code, message })))
    }

    /// Follows `nextLink` / `@odata.nextLink` until `minimum` items are collected or no
    /// link is left; the outputs' body becomes the first page's with every item in `value`.
    /// Returns a finished failure when a page fails.
    fn paginate(
        &mut self,
        outputs: &mut Outputs,
        first_url: &str,
        minimum: usize,
    ) -> Result<Option<Finished>, Stop> {
        const LINKS: [&str; 2] = ["nextLink", "@odata.nextLink"];
        let Some(Value::Object(first)) = outputs.body.clone() else { return Ok(None) };
        let Some(Value::Array(items)) = first.get("value") else { return Ok(None) };
        let mut all: Vec<Value> = items.to_vec();
        let mut page_url = first_url.to_string();
        let find_link = |body: &Value| {
            LINKS.iter().find_map(|k| body.member(k).and_then(|v| v.as_str().map(|s| (*k, s.to_string()))))
        };
        let mut link = find_link(&Value::Object(first.clone()));
        let mut pages = 1;
        let mut bytes = 0usize;
        while let Some((key, next)) = link.take().filter(|(_, l)| !l.is_empty()) {
            if all.len() >= minimum {
                link = Some((key, next));
                break;
            }
            if pages >= MAX_PAGES {
                let error = ActionError {
                    code: "PaginationLimitExceeded".into(),
                    message: format!(
                        "The action followed {MAX_PAGES} pages without reaching the end or {minimum} items."
                    ),
                };
                return Ok(Some((ActionStatus::Failed, error.code.clone(), outputs.clone(), Some(error))));
            }
            let url = resolve_link(&page_url, &next);
            let exchange = self.send(AttemptKind::Page, "GET", &url, None, &[])?;
            let response = match exchange {
                Exchange::Answered(r, _) => r,
                Exchange::NoAnswer(e) => {
                    return Err(Stop::Failed(transport_failure(&e, self.rt.request_timeout)))
                }
            };
            pages += 1;
            bytes = bytes.saturating_add(response.body.len());
            if bytes as u64 > super::transport::MAX_BODY_BYTES {
                let error = ActionError {
                    code: "PaginationLimitExceeded".into(),
                    message: format!(
                        "The pages the action followed hold more than {} bytes, the limit of one action's outputs.",
                        super::transport::MAX_BODY_BYTES
                    ),
                };
                return Ok(Some((ActionStatus::Failed, error.code.clone(), outputs.clone(), Some(error))));
            }
            let headers = headers_object(&response.headers);
            let body = decode_body(&response);
            if !(200..300).contains(&response.status) || body.is_err() {
                let code = if (200..300).contains(&response.status) {
                    "BadRequest".to_string()
                } else {
                    status_code_name(response.status)
                };
                let (body, message) = match body {
                    Ok(b) => (
                        b,
                        format!(
                            "Http request for page {pages} ({url}) failed with status code '{}' ({code}).",
                            response.status
                        ),
                    ),
                    Err(e) => (Some(Value::from(e.text)), e.message),
                };
                let failed = Outputs { status_code: response.status, headers, body };
                let error = ActionError { code: code.clone(), message };
                return Ok(Some((ActionStatus::Failed, code, failed, Some(error))));
            }
            let body = body.ok().flatten().unwrap_or_default();
            if let Some(Value::Array(items)) = body.member("value") {
                all.extend(items.iter().cloned());
            }
            link = find_link(&body);
            page_url = url;
            outputs.status_code = response.status;
            outputs.headers = headers;
        }
        let mut merged = first.clone();
        merged.insert("value", Value::array(all));
        for k in LINKS {
            merged.remove(k);
        }
        if let Some((key, l)) = link.filter(|(_, l)| !l.is_empty()) {
            merged.insert(key, Value::from(l));
        }
        outputs.body = Some(Value::Object(merged));
        Ok(None)
    }

    /// Sends a request with the retry policy; returns the last answer (or failure). `extra`
    /// headers replace the action's headers of the same name.
    fn send(
        &mut self,
        kind: AttemptKind,
        method: &str,
        url: &str,
        body: Option<&EncodedBody>,
        extra: &[(String, String)],
    ) -> Result<Exchange, Stop> {
        self.exchange(kind, &mut |run: &mut Run<'_>| {
            let auth_header = run.auth_header()?;
            let (mut headers, _) = build_headers(&run.spec, method, body, auth_header, &run.workflow_headers);
            for (k, v) in extra {
                headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
                headers.push((k.clone(), v.clone()));
            }
            Ok(HttpRequest {
                method: method.to_string(),
                url: url.to_string(),
                headers,
                body: body.map(|b| b.bytes.clone()),
                client_identity: run.identity.clone(),
            })
        })
    }

    /// The retry loop: builds the request (again for each attempt: a token may have been
    /// renewed), sends it, records the attempt, and waits and retries as the action's retry
    /// policy says.
    fn exchange(
        &mut self,
        kind: AttemptKind,
        make: &mut dyn FnMut(&mut Run<'_>) -> Result<HttpRequest, Stop>,
    ) -> Result<Exchange, Stop> {
        let policy: RetryPolicy = self.spec.retry_policy.clone();
        let mut number = 1u32;
        loop {
            let request = make(self)?;
            let (method, url) = (request.method.clone(), request.url.clone());
            let remaining = self.remaining();
            if remaining.is_zero() {
                return Err(Stop::TimedOut);
            }
            let timeout = remaining.min(self.rt.request_timeout);
            let started = self.rt.clock.now();
            let start_time = self.rt.clock.utc_now();
            let result = self.rt.transport.send(&request, self.rt.deadline_for(timeout));
            let duration = self.rt.clock.now().saturating_duration_since(started);
            let outcome = match &result {
                Ok(r) => AttemptOutcome::Status(r.status),
                Err(e) => AttemptOutcome::Error(transport_failure(e, timeout)),
            };
            self.log_attempt(kind, number, &method, &url, &outcome);
            self.attempts.push(Attempt {
                number,
                kind,
                method,
                url: url.clone(),
                start_time,
                duration,
                outcome,
                wait_before_next: None,
                wait_reason: None,
            });
            let retryable = match &result {
                Ok(r) => is_retryable_status(r.status),
                Err(e) => {
                    if e.kind == TransportErrorKind::Timeout && self.remaining().is_zero() {
                        return Err(Stop::TimedOut);
                    }
                    e.is_retryable()
                }
            };
            if !retryable || number > policy.retries() {
                return Ok(match result {
                    Ok(r) => Exchange::Answered(r, url),
                    Err(e) => Exchange::NoAnswer(e),
                });
            }
            let retry_after = match &result {
                Ok(r) => r.header("retry-after").and_then(|t| parse_retry_after(t, self.rt.clock.utc_now())),
                Err(_) => None,
            };
            let (wait, reason) = match retry_after {
                Some(w) => (w.min(policy.longest_wait()), WaitReason::RetryAfter),
                None => {
                    let mut rng = self.rt.rng.lock().unwrap_or_else(|p| p.into_inner());
                    (policy.wait_before_retry(number, &mut rng).unwrap_or_default(), WaitReason::RetryPolicy)
                }
            };
            self.note_wait(wait, reason);
            self.wait(wait)?;
            number += 1;
        }
    }

    fn note_wait(&mut self, wait: Duration, reason: WaitReason) {
        if let Some(last) = self.attempts.last_mut() {
            last.wait_before_next = Some(wait);
            last.wait_reason = Some(reason);
        }
        let line = format!("{}: waiting {} ({})", self.action.name(), format_duration(wait), reason.name());
        self.rt.log(&self.redactor, &line);
    }

    fn log_attempt(&self, kind: AttemptKind, number: u32, method: &str, url: &str, outcome: &AttemptOutcome) {
        if self.rt.logger.is_none() {
            return;
        }
        let result = match outcome {
            AttemptOutcome::Status(s) => format!("{s} {}", status_code_name(*s)),
            AttemptOutcome::Error(e) => format!("{}: {}", e.code, e.message),
        };
        let line =
            format!("{}: {} attempt {number}: {method} {url} -> {result}", self.action.name(), kind.name());
        self.rt.log(&self.redactor, &line);
    }

    /// The `Authorization` header of the authentication, fetching a token when needed.
    fn auth_header(&mut self) -> Result<Option<String>, Stop> {
        match &self.spec.authentication {
            Some(Authentication::ActiveDirectoryOAuth(client)) => {
                let client = client.clone();
                let token = self.token(&client)?;
                Ok(Some(token.header()))
            }
            Some(a) => Ok(a.static_header()),
            None => Ok(None),
        }
    }

    fn token(&mut self, client: &OAuthClient) -> Result<Token, Stop> {
        if let Some(t) = self.rt.tokens.get(client, self.rt.clock.now()) {
            self.redactor.add(&t.access_token);
            return Ok(t);
        }
        let failed = |detail: String, code: String| {
            Stop::Failed(ActionError {
                code,
                message: format!(
                    "Http request failed as there is an error getting AD OAuth token: '{detail}'."
                ),
            })
        };
        let now_unix = self.rt.clock.utc_now().timestamp();
        let body = client.token_request_body(now_unix).map_err(|e| failed(e, "BadRequest".into()))?;
        let url = client.token_url();
        let request = HttpRequest {
            method: "POST".into(),
            url: url.clone(),
            headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            body: Some(body.into_bytes()),
            client_identity: None,
        };
        // Token requests are retried like the action's own requests (the same policy).
        let started = self.rt.clock.now();
        let response = match self.exchange(AttemptKind::Token, &mut |_| Ok(request.clone()))? {
            Exchange::Answered(r, _) => r,
            Exchange::NoAnswer(e) => {
                let failure = transport_failure(&e, self.rt.request_timeout);
                return Err(failed(format!("{url}: {e}"), failure.code));
            }
        };
        let parsed = decode_body(&response).ok().flatten().unwrap_or_default();
        if !(200..300).contains(&response.status) {
            let detail = parsed
                .member("error_description")
                .or_else(|| parsed.member("error"))
                .map(|v| v.to_text())
                .unwrap_or_else(|| String::from_utf8_lossy(&response.body).chars().take(500).collect());
            return Err(failed(
                format!(
                    "the token endpoint {url} answered {} ({}): {detail}",
                    response.status,
                    status_code_name(response.status)
                ),
                status_code_name(response.status),
            ));
        }
        let token =
            Token::from_response(&parsed).map_err(|e| failed(format!("{url}: {e}"), "BadRequest".into()))?;
        self.redactor.add(&token.access_token);
        self.rt.tokens.put(client, token.clone(), started);
        Ok(token)
    }

    /// How much time the action has left, counting waits unscaled: what is left of its
    /// `limit.timeout` (the run's duration limit when it has none), and never more than
    /// what is left of the run.
    fn remaining(&self) -> Duration {
        let limit = self.action.timeout.unwrap_or(crate::limits::run::MAX_DURATION);
        let real = self.rt.clock.now().saturating_duration_since(self.start);
        let elapsed = real.saturating_sub(self.slept_real).saturating_add(self.waited);
        let left = limit.saturating_sub(elapsed);
        match self.rt.deadline {
            Some(end) => left.min((end - self.rt.clock.utc_now()).to_std().unwrap_or(Duration::ZERO)),
            None => left,
        }
    }

    /// Waits `d` (scaled); stops when the action's time runs out first.
    fn wait(&mut self, d: Duration) -> Result<(), Stop> {
        let left = self.remaining();
        if d >= left {
            let real = self.rt.scaled(left);
            self.rt.clock.sleep(real);
            self.slept_real += real;
            self.waited += left;
            return Err(Stop::TimedOut);
        }
        let real = self.rt.scaled(d);
        self.rt.clock.sleep(real);
        self.slept_real += real;
        self.waited += d;
        Ok(())
    }
}

/// The error a request that got no answer records.
fn transport_failure(e: &TransportError, timeout: Duration) -> ActionError {
    match e.kind {
        TransportErrorKind::Timeout => ActionError {
            code: "GatewayTimeout".into(),
            message: format!(
                "Http request failed: the server did not respond within the timeout limit ({}).",
                format_duration(timeout)
            ),
        },
        TransportErrorKind::InvalidRequest => ActionError {
            code: "BadRequest".into(),
            message: format!("The request cannot be sent: {}.", e.message),
        },
        TransportErrorKind::BodyTooLarge => {
            ActionError { code: "BadGateway".into(), message: format!("Http request failed: {}.", e.message) }
        }
        TransportErrorKind::Connection | TransportErrorKind::Tls => ActionError {
            code: "BadGateway".into(),
            message: format!("Http request failed as there is an error: '{}'.", e.message),
        },
    }
}
