//! Running an operation: getting an OAuth token (refresh token or client credentials,
//! cached on the bound connection), the calls of `setvaluefromurl`, sending, the
//! Response-section policies, following `x-ms-pageable` next links with the connection's
//! authentication, and the state of polling triggers.
//!
//! Operations handled by `script.csx` are refused (they need the platform's .NET host)
//! unless a mock gives their response. Every request goes through a [`Transport`], so tests
//! and embedders can stand in for the network.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Binary, Object, Value};

use super::cases::response_from;
use super::connection::{Auth, BoundConnection, CachedToken, OAuthPlan};
use super::expr::{self, Path, PolicyText};
use super::load::Connector;
use super::policy::{self, Lookup, ResponseParts};
use super::properties::{Section, Template};
use super::request::{apply_origin, CallInput, Draft, HttpRequest};

use crate::runtime::clock::{Clock, SystemClock};
use crate::runtime::record::{ActionError, Attempt, AttemptKind, AttemptOutcome, WaitReason};
use crate::runtime::retry::{is_retryable_status, parse_retry_after, RetryPolicy};
pub use crate::runtime::transport::{HttpResponse, Transport, UreqTransport};

/// The outbound timeout when the options give none: the service's 120 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends through the HTTP runtime's transport with a timeout; a request that gets no
/// response is an error of kind [`ErrorKind::Http`].
pub(crate) struct Sender {
    transport: Arc<dyn Transport>,
    timeout: Duration,
}

impl Sender {
    fn new(options: &CallOptions) -> Sender {
        Sender {
            transport: options.transport.clone().unwrap_or_else(|| Arc::new(UreqTransport::default())),
            timeout: options.timeout.unwrap_or(DEFAULT_TIMEOUT),
        }
    }

    fn attempt(
        &self,
        request: &HttpRequest,
    ) -> std::result::Result<HttpResponse, crate::runtime::transport::TransportError> {
        let mut r =
            crate::runtime::transport::HttpRequest::new(request.method.as_str(), request.url.as_str());
        r.headers = request.headers.clone();
        r.body = (!request.body.is_empty()).then(|| request.body.clone());
        self.transport.send(&r, self.timeout)
    }

    pub(crate) fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        self.attempt(request)
            .map_err(|e| Error::new(ErrorKind::Http, format!("{} {}: {e}", request.method, request.url)))
    }
}

/// How to run an operation.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// The transport (the HTTP runtime's; the default sends over the network).
    pub transport: Option<Arc<dyn Transport>>,
    /// The timeout of each request (120 seconds when `None`).
    pub timeout: Option<Duration>,
    /// The retry policy of the operation's request: 408, 429 and 5xx responses and
    /// connection failures are retried (`None`: no retries, as for a single CLI call).
    pub retry_policy: Option<RetryPolicy>,
    /// The clock retries wait on (the system clock when `None`).
    pub clock: Option<Arc<dyn Clock>>,
    /// Every retry wait is multiplied by this (1 when `None`), as `--time-scale` asks.
    pub time_scale: Option<f64>,
    /// Follow `x-ms-pageable` next links.
    pub paginate: bool,
    /// With `paginate`: stop once this many items have arrived (whole pages are kept).
    pub minimum_items: Option<usize>,
    /// Responses to use instead of sending, by operationId:
    /// `{"statusCode": 200, "headers": {...}, "body": ...}`.
    pub mocks: Object,
    /// The state of a polling trigger from its previous poll (see [`CallOutcome::poll`]).
    pub poll_state: Option<Value>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("paginate", &self.paginate)
            .field("minimum_items", &self.minimum_items)
            .field("mocks", &self.mocks.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What a polling trigger's poll produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// The items at `triggerDataPath` (empty: nothing new).
    pub items: Vec<Value>,
    /// The state to give the next poll (query values computed by `triggerConfig`).
    pub state: Value,
}

/// The result of running an operation.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The operationId.
    pub operation: String,
    /// The (first) request sent; `None` when a mock answered.
    pub request: Option<HttpRequest>,
    /// The status code.
    pub status: u16,
    /// The response headers (after Response-section policies).
    pub headers: Vec<(String, String)>,
    /// The response body: JSON parsed, text as a string, anything else binary; after
    /// Response-section policies; with paging, every page's items in one array.
    pub body: Value,
    /// Pages fetched (1 without paging).
    pub pages: usize,
    /// Requests made by `setvaluefromurl` first.
    pub lookups: Vec<Lookup>,
    /// Things worth knowing.
    pub notes: Vec<String>,
    /// For polling triggers: the items and the next state.
    pub poll: Option<Poll>,
    /// Did a mock answer?
    pub mocked: bool,
    /// Attempts made for the operation's request (1 without retries).
    pub attempts: u32,
    /// Every request sent (the operation's attempts, then further pages), for records.
    pub attempt_log: Vec<Attempt>,
}

impl CallOutcome {
    /// Did the operation succeed (status below 400)?
    pub fn succeeded(&self) -> bool {
        self.status < 400
    }

    /// The outputs as a flow sees them: `{"statusCode", "headers", "body"}`.
    pub fn outputs(&self) -> Value {
        let mut headers = Object::new();
        for (k, v) in &self.headers {
            headers.insert(k.as_str(), Value::from(v.as_str()));
        }
        let mut o = Object::new();
        o.insert("statusCode", Value::Int(i64::from(self.status)));
        o.insert("headers", Value::Object(headers));
        o.insert("body", self.body.clone());
        Value::Object(o)
    }
}

/// Reads a body by its content type: JSON parsed (invalid JSON kept as text), text as a
/// string, nothing as `null`, anything else as binary.
pub fn parse_body(content_type: Option<&str>, bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let text = || String::from_utf8_lossy(bytes).into_owned();
    if ct.contains("json") || ct.is_empty() {
        if let Ok(parsed) = super::json::parse_bytes(bytes, false) {
            return parsed.value;
        }
        if ct.is_empty() {
            return match std::str::from_utf8(bytes) {
                Ok(t) => Value::from(t),
                Err(_) => Value::binary(Binary::octet_stream(bytes.to_vec())),
            };
        }
        return Value::from(text());
    }
    if ct.starts_with("text/") || ct.contains("xml") || ct.contains("javascript") {
        return Value::from(text());
    }
    let mime =
        content_type.unwrap_or("application/octet-stream").split(';').next().unwrap_or("").trim().to_string();
    Value::binary(Binary::new(mime, bytes.to_vec()))
}

/// Gets an access token for an OAuth connection: the cached one while valid, else one
/// fetched with the refresh token or the client credentials (and cached).
pub(crate) fn access_token(
    bound: &BoundConnection,
    plan: &OAuthPlan,
    transport: &Sender,
    force_refresh: bool,
) -> Result<String> {
    if !force_refresh {
        if let Some(t) = bound.current_token() {
            return Ok(t);
        }
    }
    if let Some(problem) = &plan.problem {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("the connection to {} cannot get an OAuth token: {problem}", bound.connector),
        ));
    }
    let Some(url) = &plan.token_url else {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("the connection to {} has no token URL", bound.connector),
        ));
    };
    let cached_refresh =
        bound.token.lock().ok().and_then(|g| g.as_ref().and_then(|t| t.refresh_token.clone()));
    let refresh = cached_refresh.or_else(|| plan.grant.refresh_token.clone());
    let mut fields: Vec<(&str, String)> = Vec::new();
    match &refresh {
        Some(r) if plan.grant.grant_type.as_deref() != Some("client_credentials") => {
            fields.push(("grant_type", "refresh_token".into()));
            fields.push(("refresh_token", r.clone()));
        }
        _ => fields.push(("grant_type", "client_credentials".into())),
    }
    if let Some(id) = &plan.grant.client_id {
        fields.push(("client_id", id.clone()));
    }
    if let Some(secret) = &plan.grant.client_secret {
        fields.push(("client_secret", secret.clone()));
    }
    if let Some(resource) = &plan.resource {
        fields.push(("resource", resource.clone()));
    }
    let scopes = plan.grant.scopes.clone().unwrap_or_else(|| plan.settings.scopes.clone());
    if !scopes.is_empty() && plan.resource.is_none() {
        fields.push(("scope", scopes.join(" ")));
    }
    let body = crate::mime::write_urlencoded(fields.iter().map(|(k, v)| (*k, v.as_str())));
    let target = match &bound.origin {
        Some(origin) => apply_origin(url, origin),
        None => url.clone(),
    };
    let request = HttpRequest {
        method: "POST".into(),
        url: target,
        headers: vec![
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: body.into_bytes(),
    };
    let response = transport.send(&request)?;
    let parsed = parse_body(response.header("content-type"), &response.body);
    let token = parsed.member("access_token").and_then(|t| t.as_str().map(str::to_string));
    let Some(token) = token.filter(|_| response.status < 400) else {
        let detail = parsed
            .member("error_description")
            .or_else(|| parsed.member("error"))
            .map(|e| e.to_text())
            .unwrap_or_default();
        return Err(Error::new(
            ErrorKind::Http,
            format!(
                "the token endpoint {url} answered {} without an access token{}",
                response.status,
                if detail.is_empty() { String::new() } else { format!(": {detail}") }
            ),
        ));
    };
    let expires_at = parsed
        .member("expires_in")
        .and_then(|e| e.as_i64().or_else(|| e.to_text().parse().ok()))
        .and_then(|secs| u64::try_from(secs).ok())
        .map(|secs| Instant::now() + Duration::from_secs(secs.saturating_sub(60)));
    let new_refresh = parsed.member("refresh_token").and_then(|t| t.as_str().map(str::to_string)).or(refresh);
    if let Ok(mut guard) = bound.token.lock() {
        *guard = Some(CachedToken { access_token: token.clone(), expires_at, refresh_token: new_refresh });
    }
    Ok(token)
}

fn http_request(
    draft_method: &str,
    url: String,
    headers: Vec<(String, String)>,
    bound: &BoundConnection,
) -> HttpRequest {
    let url = match &bound.origin {
        Some(origin) => apply_origin(&url, origin),
        None => url,
    };
    HttpRequest { method: draft_method.to_string(), url, headers, body: Vec::new() }
}

/// The credentials of the connection as headers and query parameters (for next links and
/// lookups).
fn auth_request(method: &str, url: &str, bound: &BoundConnection, token: Option<&str>) -> HttpRequest {
    let mut headers = Vec::new();
    let mut url = url.to_string();
    match &bound.auth {
        Auth::ApiKeys(keys) => {
            for (name, in_query, value) in keys {
                if *in_query {
                    if !url.contains(&format!("{}=", super::request::encode_query(name))) {
                        let sep = if url.contains('?') { '&' } else { '?' };
                        url = format!(
                            "{url}{sep}{}={}",
                            super::request::encode_query(name),
                            super::request::encode_query(value)
                        );
                    }
                } else {
                    headers.push((name.clone(), value.clone()));
                }
            }
        }
        Auth::Basic { username, password } => {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            headers.push(("Authorization".into(), format!("Basic {encoded}")));
        }
        Auth::OAuth(_) => {
            if let Some(t) = token {
                headers.push(("Authorization".into(), format!("Bearer {t}")));
            }
        }
        Auth::None | Auth::Unsupported(_) => {}
    }
    headers.push(("Accept".into(), "application/json".into()));
    http_request(method, url, headers, bound)
}

impl Connector {
    /// Runs an operation: builds its request, sends it, applies the Response-section
    /// policies, follows next links when paging is on, and computes a polling trigger's
    /// next state.
    pub fn call(
        &self,
        operation_id: &str,
        bound: &BoundConnection,
        input: &CallInput,
        options: &CallOptions,
    ) -> Result<CallOutcome> {
        let op = self.require_operation(operation_id)?;
        if let Some(why) = bound.unauthenticated() {
            return Err(Error::new(
                ErrorKind::Http,
                format!("the connection to {} is marked unauthenticated: {why}", bound.connector),
            ));
        }
        let mock = options.mocks.get(&op.id).or_else(|| options.mocks.get_ci(&op.id)).cloned();
        if mock.is_none() && self.is_scripted(&op.id) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "the operation {} of the connector {} is handled by custom code (script.csx), which needs the platform's .NET host; give a mock response for it",
                    op.id, self.name
                ),
            ));
        }
        let transport = Sender::new(options);
        let oauth = match &bound.auth {
            Auth::OAuth(plan) => Some(plan.as_ref()),
            Auth::Unsupported(why) if mock.is_none() => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("the connection to {} cannot authenticate: {why}", self.name),
                ));
            }
            _ => None,
        };
        let mut token = match (oauth, &mock) {
            (Some(plan), None) => Some(access_token(bound, plan, &transport, false)?),
            _ => bound.current_token(),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (request, prepared) =
                self.build_for_send(op, bound, input, options, token.as_deref(), &transport, mock.is_some())?;
            let mut log = Vec::new();
            let response = match &mock {
                Some(m) => response_from(m),
                None => send_with_retries(&transport, &request, options, &mut log)?,
            };
            // A rejected token that can be renewed is renewed once.
            let renewable =
                oauth.is_some_and(|p| p.grant.refresh_token.is_some() || p.grant.client_secret.is_some());
            if response.status == 401 && attempt == 1 && mock.is_none() && renewable {
                if let Some(plan) = oauth {
                    token = Some(access_token(bound, plan, &transport, true)?);
                    continue;
                }
            }
            let mut outcome = self.finish(
                op,
                bound,
                options,
                &prepared,
                request,
                response,
                mock.is_some(),
                token.as_deref(),
                &transport,
            )?;
            outcome.attempts = u32::try_from(log.len()).unwrap_or(u32::MAX).max(1);
            log.append(&mut outcome.attempt_log);
            outcome.attempt_log = log;
            return Ok(outcome);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build_for_send(
        &self,
        op: &super::swagger::Operation,
        bound: &BoundConnection,
        input: &CallInput,
        options: &CallOptions,
        token: Option<&str>,
        transport: &Sender,
        mocked: bool,
    ) -> Result<(HttpRequest, super::request::Prepared)> {
        let mut lookup = |l: &Lookup, draft: &Draft| -> Result<Value> {
            if mocked {
                return Ok(Value::from(""));
            }
            let mut req = auth_request(&l.method, &l.url, bound, token);
            for (k, v) in &draft.headers {
                if k.eq_ignore_ascii_case("authorization")
                    && !req.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k))
                {
                    req.headers.push((k.clone(), v.clone()));
                }
            }
            let response = transport.send(&req)?;
            if response.status >= 400 {
                return Err(Error::new(
                    ErrorKind::Http,
                    format!("{} {} answered {}", l.method, bound.redact(&l.url), response.status),
                ));
            }
            let body = parse_body(response.header("content-type"), &response.body);
            let path = Path::parse(&l.value_path)?;
            expr::get(&body, &path.steps).ok_or_else(|| {
                Error::new(
                    ErrorKind::Http,
                    format!(
                        "the response of {} {} has nothing at {}",
                        l.method,
                        bound.redact(&l.url),
                        l.value_path
                    ),
                )
            })
        };
        let mut prepared = self.prepare(&op.id, bound, input, token, &mut lookup)?;
        if let Some(state) = &options.poll_state {
            if let Some(queries) = state.member("queries").and_then(|q| q.as_object().cloned()) {
                for (k, v) in queries.iter() {
                    prepared.draft.set_query(k, v.to_text());
                }
            }
        }
        let mut request = prepared.request(bound);
        if let Some(next) = options
            .poll_state
            .as_ref()
            .and_then(|s| s.member("nextLink"))
            .and_then(|n| n.as_str().map(str::to_string))
        {
            request.url = match &bound.origin {
                Some(origin) => apply_origin(&next, origin),
                None => next,
            };
        }
        Ok((request, prepared))
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        op: &super::swagger::Operation,
        bound: &BoundConnection,
        options: &CallOptions,
        prepared: &super::request::Prepared,
        request: HttpRequest,
        response: HttpResponse,
        mocked: bool,
        token: Option<&str>,
        transport: &Sender,
    ) -> Result<CallOutcome> {
        let mut notes = prepared.notes.clone();
        let scope = prepared.draft.scope(bound);
        let mut parts = ResponseParts {
            status: response.status,
            body: parse_body(response.header("content-type"), &response.body),
            headers: response.headers,
        };
        policy::apply_response(self, op, bound, &scope, &mut parts, &mut notes)?;
        let mut pages = 1;
        let mut page_log = Vec::new();
        if let (true, Some(pageable), false) = (options.paginate, &op.pageable, mocked) {
            let item_name = pageable.item_name.clone();
            let mut items: Vec<Value> = parts
                .body
                .member(&item_name)
                .and_then(|v| v.as_array().map(<[Value]>::to_vec))
                .unwrap_or_default();
            let mut next = next_link(&parts.body, &pageable.next_link_name);
            while let Some(url) = next {
                if pages >= 1000
                    || options.minimum_items.is_some_and(|min| items.len() >= min)
                    || parts.status >= 400
                {
                    break;
                }
                let page_request = auth_request("GET", &url, bound, token);
                let clock: Arc<dyn Clock> = options.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
                let started = (clock.utc_now(), clock.now());
                let result = transport.attempt(&page_request);
                page_log.push(attempt_record(
                    u32::try_from(page_log.len() + 1).unwrap_or(u32::MAX),
                    AttemptKind::Page,
                    &page_request,
                    started,
                    clock.as_ref(),
                    &result,
                ));
                let page = result.map_err(|e| {
                    Error::new(ErrorKind::Http, format!("GET {}: {e}", bound.redact(&page_request.url)))
                })?;
                pages += 1;
                let mut page_parts = ResponseParts {
                    status: page.status,
                    body: parse_body(page.header("content-type"), &page.body),
                    headers: page.headers,
                };
                if page_parts.status >= 400 {
                    parts = page_parts;
                    notes.push(format!("the page at {} failed", bound.redact(&url)));
                    break;
                }
                policy::apply_response(self, op, bound, &scope, &mut page_parts, &mut notes)?;
                items.extend(
                    page_parts
                        .body
                        .member(&item_name)
                        .and_then(|v| v.as_array().map(<[Value]>::to_vec))
                        .unwrap_or_default(),
                );
                next = next_link(&page_parts.body, &pageable.next_link_name);
            }
            if let Value::Object(o) = &mut parts.body {
                o.insert(item_name.as_str(), Value::array(items));
                if let Some(i) = o.position_ci(&pageable.next_link_name) {
                    o.remove_index(i);
                }
            }
        }
        let poll = self.poll(op, bound, &scope, &parts, options.poll_state.as_ref())?;
        Ok(CallOutcome {
            operation: op.id.clone(),
            request: (!mocked).then_some(request),
            status: parts.status,
            headers: parts.headers,
            body: parts.body,
            pages,
            lookups: prepared.lookups.clone(),
            notes,
            poll,
            mocked,
            attempts: 1,
            attempt_log: page_log,
        })
    }

    fn poll(
        &self,
        op: &super::swagger::Operation,
        bound: &BoundConnection,
        scope: &super::expr::Scope,
        parts: &ResponseParts,
        previous: Option<&Value>,
    ) -> Result<Option<Poll>> {
        let Some(p) = policy::applicable(self, op, Section::Trigger)
            .find(|p| p.template == Some(Template::PollingTrigger))
        else {
            return Ok(None);
        };
        let data_path = Path::parse(&p.text_or_empty("triggerDataPath"))?;
        let items = match expr::get(&parts.body, &data_path.steps) {
            Some(Value::Array(a)) => a.to_vec(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other],
        };
        let mut queries = previous
            .and_then(|s| s.member("queries"))
            .and_then(|q| q.as_object().cloned())
            .unwrap_or_default();
        let mut next_link = None;
        if parts.status < 400 && !items.is_empty() {
            let mut s = scope.clone();
            s.trigger_body = Some(parts.body.clone());
            s.connection = bound.values.clone();
            let mut next_link_name = "@odata.nextLink".to_string();
            if let Some(Value::Object(config)) = p.parameters.get_ci("triggerConfig") {
                for (name, template) in config.iter() {
                    if name.eq_ignore_ascii_case("x-ms-triggerConfig-nextLink") {
                        next_link_name = template.to_text();
                        continue;
                    }
                    if name.is_empty() {
                        continue;
                    }
                    // A value that cannot be computed from this response keeps the previous one.
                    if let Ok(v) = PolicyText::compile(&template.to_text(), false).and_then(|t| t.value(&s)) {
                        queries.insert(name.clone(), Value::from(v.to_text()));
                    }
                }
            }
            next_link = next_link_of(&parts.body, &next_link_name);
        }
        let mut state = Object::new();
        state.insert("queries", Value::Object(queries));
        if let Some(link) = next_link {
            state.insert("nextLink", Value::from(link));
        }
        Ok(Some(Poll { items, state: Value::Object(state) }))
    }
}

impl Connector {
    /// Ends a webhook subscription: `DELETE` the `Location` its subscribe call returned,
    /// with the connection's authentication.
    pub fn unsubscribe(
        &self,
        location: &str,
        bound: &BoundConnection,
        options: &CallOptions,
    ) -> Result<HttpResponse> {
        let transport = Sender::new(options);
        let token = match &bound.auth {
            Auth::OAuth(plan) => Some(access_token(bound, plan, &transport, false)?),
            _ => None,
        };
        transport.send(&auth_request("DELETE", location, bound, token.as_deref()))
    }
}

/// The record of one attempt (kind, method, URL, timing, status or failure, wait).
fn attempt_record(
    number: u32,
    kind: AttemptKind,
    request: &HttpRequest,
    started: (chrono::DateTime<chrono::Utc>, std::time::Instant),
    clock: &dyn Clock,
    outcome: &std::result::Result<HttpResponse, crate::runtime::transport::TransportError>,
) -> Attempt {
    use crate::runtime::transport::TransportErrorKind;
    let outcome = match outcome {
        Ok(r) => AttemptOutcome::Status(r.status),
        Err(e) => AttemptOutcome::Error(ActionError {
            code: match e.kind {
                TransportErrorKind::Timeout => "GatewayTimeout",
                TransportErrorKind::InvalidRequest => "BadRequest",
                _ => "BadGateway",
            }
            .into(),
            message: format!("Http request failed: {}", e.message),
        }),
    };
    Attempt {
        number,
        kind,
        method: request.method.clone(),
        url: request.url.clone(),
        start_time: started.0,
        duration: clock.now().saturating_duration_since(started.1),
        outcome,
        wait_before_next: None,
        wait_reason: None,
    }
}

/// Sends the operation's request under the retry policy: a connection failure, a timeout
/// or a 408, 429 or 5xx response is retried after the policy's wait (a 429's
/// `Retry-After` wins), until the policy's retries are spent. Returns the last response;
/// every attempt is logged.
fn send_with_retries(
    sender: &Sender,
    request: &HttpRequest,
    options: &CallOptions,
    log: &mut Vec<Attempt>,
) -> Result<HttpResponse> {
    let policy = options.retry_policy.clone().unwrap_or(RetryPolicy::None);
    let clock: Arc<dyn Clock> = options.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
    let mut rng = fastrand::Rng::new();
    let mut number = 0u32;
    loop {
        number += 1;
        let started = (clock.utc_now(), clock.now());
        let result = sender.attempt(request);
        let mut attempt =
            attempt_record(number, AttemptKind::Request, request, started, clock.as_ref(), &result);
        let retryable = match &result {
            Ok(r) => is_retryable_status(r.status),
            Err(e) => e.is_retryable(),
        };
        let wait = if retryable { policy.wait_before_retry(number, &mut rng) } else { None };
        let wait = match (&result, wait) {
            (Ok(response), Some(wait)) if response.status == 429 => {
                match response.header("retry-after").and_then(|t| parse_retry_after(t, clock.utc_now())) {
                    Some(after) => Some((after, WaitReason::RetryAfter)),
                    None => Some((wait, WaitReason::RetryPolicy)),
                }
            }
            (_, Some(wait)) => Some((wait, WaitReason::RetryPolicy)),
            (_, None) => None,
        };
        attempt.wait_before_next = wait.map(|w| w.0);
        attempt.wait_reason = wait.map(|w| w.1);
        log.push(attempt);
        match (result, wait) {
            (_, Some((wait, _))) => {
                clock.sleep(wait.mul_f64(options.time_scale.unwrap_or(1.0).clamp(0.0, 1e6)))
            }
            (Ok(response), None) => return Ok(response),
            (Err(e), None) => {
                return Err(Error::new(
                    ErrorKind::Http,
                    format!("{} {}: {e} (after {number} attempt(s))", request.method, request.url),
                ))
            }
        }
    }
}

fn next_link_of(body: &Value, name: &str) -> Option<String> {
    body.as_object()
        .and_then(|o| o.get_ci(name))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn next_link(body: &Value, name: &str) -> Option<String> {
    next_link_of(body, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_by_content_type() {
        assert_eq!(
            parse_body(Some("application/json; charset=utf-8"), br#"{"a":1}"#).member("a"),
            Some(Value::Int(1))
        );
        assert_eq!(parse_body(Some("application/json"), b"not json"), Value::from("not json"));
        assert_eq!(parse_body(Some("text/plain"), b"hi"), Value::from("hi"));
        assert_eq!(parse_body(None, b""), Value::Null);
        let b = parse_body(Some("image/png"), &[0x89, 0x50]);
        assert_eq!(b.as_binary().map(|b| b.content_type().to_string()).as_deref(), Some("image/png"));
    }

    #[test]
    fn mocks_become_responses() {
        let m = crate::value::from_json_str(r#"{"statusCode": 201, "body": {"id": 1}}"#).unwrap_or_default();
        let r = response_from(&m);
        assert_eq!(
            (r.status, r.header("content-type"), r.body.as_slice()),
            (201, Some("application/json"), br#"{"id":1}"#.as_slice())
        );
    }
}
