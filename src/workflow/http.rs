//! Http actions and connector actions inside a run.
//!
//! Http actions run through the HTTP action runtime ([`crate::runtime::HttpRuntime`]):
//! rendering, authentication, retry policies, `Retry-After`, 202 polling, paging, and the
//! record. The runner gives it two things: a clock that reads and sleeps on the run's
//! scaled clock (and wakes when a Terminate ends the run), and a transport that answers
//! from the mocks before it goes to the network — so a mocked action still goes through
//! the real retry, paging and status logic.
//!
//! Connector actions (ApiConnection, ServiceProvider, ...) cannot run locally: a mock by
//! action name answers for them, and the answer is judged like an HTTP response.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::runtime::record::status_code_name;
use crate::runtime::{
    ActionStatus, HttpRequest, HttpResponse, HttpRuntime, Secrets, Transport, TransportError, UreqTransport,
};
use crate::value::{Object, Value};

use super::clock::Clock;
use super::definition::{ActionDef, Kind};
use super::mock::{MockResponse, Mocks};
use super::run::{template_error, Ctx, Outcome, RunState};
use super::status::Status;

thread_local! {
    /// The action whose request is being sent on this thread, for mocks by action name.
    /// The runtime sends on the calling thread, so this is exact.
    static CURRENT_ACTION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The run's clock as the HTTP runtime sees it: real instants for elapsed time, the run's
/// (scaled) time for records, and sleeps that end early when the run is terminated.
struct RunClock {
    clock: Clock,
    cancel: Arc<AtomicBool>,
}

impl crate::runtime::Clock for RunClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn utc_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn sleep(&self, duration: Duration) {
        // The runtime has already scaled the wait; sleep it in real time.
        let deadline = Instant::now() + duration;
        while !self.cancel.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }
}

/// Answers from the mocks (by the current action's name, then by method and URL), and
/// sends everything else on.
struct MockingTransport {
    mocks: Arc<Mocks>,
    network: Arc<dyn Transport>,
    clock: Clock,
    cancel: Arc<AtomicBool>,
}

fn to_response(r: &MockResponse) -> HttpResponse {
    let mut response = HttpResponse::new(r.status);
    for (k, v) in &r.headers {
        response = response.with_header(k.to_ascii_lowercase(), v.to_text());
    }
    let has_type = r.headers.keys().any(|k| k.eq_ignore_ascii_case("content-type"));
    match &r.body {
        Value::Null => response,
        Value::String(s) => {
            if !has_type {
                response = response.with_header("content-type", "text/plain; charset=utf-8");
            }
            response.with_body(s.as_bytes().to_vec())
        }
        Value::Binary(b) => {
            if !has_type {
                response = response.with_header("content-type", b.content_type().to_string());
            }
            response.with_body(b.bytes().to_vec())
        }
        other => {
            if !has_type {
                response = response.with_header("content-type", "application/json; charset=utf-8");
            }
            response.with_body(other.to_string().into_bytes())
        }
    }
}

impl Transport for MockingTransport {
    fn send(&self, request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, TransportError> {
        let by_name = CURRENT_ACTION.with(|c| c.borrow().as_deref().and_then(|n| self.mocks.for_action(n)));
        let Some(sequence) = by_name.or_else(|| self.mocks.for_request(&request.method, &request.url)) else {
            return self.network.send(request, timeout);
        };
        let Some(answer) = sequence.next_response() else {
            return Err(TransportError::new(
                crate::runtime::TransportErrorKind::Connection,
                "the mock has no response",
            ));
        };
        if !answer.delay.is_zero() && !self.clock.sleep(answer.delay, &self.cancel) {
            return Err(TransportError::new(
                crate::runtime::TransportErrorKind::Timeout,
                "the run was terminated during the call",
            ));
        }
        Ok(to_response(&answer))
    }
}

/// What a run sends requests with: the HTTP runtime for Http actions, and the transport
/// (mocks first, then the network) and clock it uses, which connector actions share.
pub(crate) struct RunHttp {
    pub runtime: HttpRuntime,
    pub transport: Arc<dyn Transport>,
    pub clock: Arc<dyn crate::runtime::Clock>,
}

/// Builds the HTTP runtime of a run.
pub(crate) fn runtime(
    clock: &Clock,
    cancel: &Arc<AtomicBool>,
    mocks: &Arc<Mocks>,
    network: Option<Arc<dyn Transport>>,
    secrets: Secrets,
) -> crate::error::Result<RunHttp> {
    let transport: Arc<dyn Transport> = Arc::new(MockingTransport {
        mocks: Arc::clone(mocks),
        network: network.unwrap_or_else(|| Arc::new(UreqTransport::default())),
        clock: clock.clone(),
        cancel: Arc::clone(cancel),
    });
    let run_clock: Arc<dyn crate::runtime::Clock> =
        Arc::new(RunClock { clock: clock.clone(), cancel: Arc::clone(cancel) });
    let runtime = HttpRuntime::new()
        .with_transport(Arc::clone(&transport))
        .with_clock(Arc::clone(&run_clock))
        .with_time_scale(clock.scale())
        .map(|rt| rt.with_shared_secrets(secrets))?
        .with_deadline(run_deadline(clock));
    Ok(RunHttp { runtime, transport, clock: run_clock })
}

/// When the run must end: its start plus the service's run-duration limit, on its clock.
pub(crate) fn run_deadline(clock: &Clock) -> DateTime<Utc> {
    let limit = chrono::Duration::from_std(crate::limits::run::MAX_DURATION).unwrap_or(chrono::Duration::MAX);
    clock.start().checked_add_signed(limit).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Connector actions bound to local connector folders (`--connections`).
pub(crate) struct ConnectorRun {
    pub bindings: Arc<crate::connector::flow::Bindings>,
    pub transport: Arc<dyn Transport>,
    pub clock: Arc<dyn crate::runtime::Clock>,
    pub time_scale: f64,
}

fn is_connector_type(type_name: &str) -> bool {
    type_name.eq_ignore_ascii_case("OpenApiConnection") || type_name.eq_ignore_ascii_case("ApiConnection")
}

/// Runs a connector action against its local connector folder, through the run's
/// transport (mocks by method and URL still answer) and clock.
fn perform_connector(
    run: &RunState<'_>,
    def: &ActionDef,
    connectors: &ConnectorRun,
    inputs: Value,
) -> Outcome {
    let raw_inputs = def.raw.member("inputs").unwrap_or_default();
    let options = crate::connector::send::CallOptions {
        transport: Some(Arc::clone(&connectors.transport)),
        clock: Some(Arc::clone(&connectors.clock)),
        time_scale: Some(connectors.time_scale),
        ..Default::default()
    };
    let runtime_configuration = def.raw.member("runtimeConfiguration");
    CURRENT_ACTION.with(|c| *c.borrow_mut() = Some(def.name.to_string()));
    let record = connectors.bindings.execute_record(
        &def.name,
        &def.type_name,
        &raw_inputs,
        &inputs,
        runtime_configuration.as_ref(),
        &options,
    );
    CURRENT_ACTION.with(|c| *c.borrow_mut() = None);
    // The connection's secrets and any token fetched stay hidden for the rest of the run.
    run.http.shared_secrets().merge(&record.redactor);
    record_outcome(&record)
}

/// The outcome of an action from its runtime record.
fn record_outcome(record: &crate::runtime::ActionRecord) -> Outcome {
    let value = record.to_context_value();
    let status = match record.status {
        ActionStatus::Succeeded => Status::Succeeded,
        ActionStatus::Failed => Status::Failed,
        ActionStatus::TimedOut => Status::TimedOut,
    };
    let mut outcome = Outcome {
        status,
        code: record.code.clone(),
        inputs: value.member("inputs"),
        outputs: value.member("outputs"),
        error: record.error.as_ref().map(|e| (e.code.clone(), e.message.clone())),
        extra: Vec::new(),
    };
    if let Some(attempts) = value.member("attempts") {
        outcome.extra.push(("attempts", attempts));
    }
    outcome
}

/// Runs an Http action through the runtime, or answers a connector action from its mock.
pub(crate) fn perform(run: &RunState<'_>, def: &ActionDef, ctx: &Ctx<'_>) -> Outcome {
    if let Kind::Http { action: Some(action) } = &def.kind {
        CURRENT_ACTION.with(|c| *c.borrow_mut() = Some(def.name.to_string()));
        let record = run.http.execute(action, ctx);
        CURRENT_ACTION.with(|c| *c.borrow_mut() = None);
        if def.secure_outputs {
            if let Some(outputs) = record.to_context_value().member("outputs") {
                run.http.add_secret_strings(&outputs);
            }
        }
        return record_outcome(&record);
    }
    let inputs = match def.inputs.render(ctx) {
        Ok(v) => v,
        Err(e) => return template_error(def, "/inputs", &e),
    };
    if let Some(connectors) = &run.connectors {
        if is_connector_type(&def.type_name) && run.mocks.for_action(&def.name).is_none() {
            return perform_connector(run, def, connectors, inputs);
        }
    }
    match run.mocks.for_action(&def.name).and_then(|m| m.next_response()) {
        Some(r) => {
            if !r.delay.is_zero() && !run.clock.sleep(r.delay, &run.cancel) {
                let mut o = Outcome::failed("Cancelled", "The run was terminated during this call.");
                o.status = Status::Cancelled;
                return o.with_inputs(inputs);
            }
            judge(r.status, headers_value(&r.headers), r.body.clone()).with_inputs(inputs)
        }
        None => Outcome::failed(
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

/// The outcome of a mocked connector answer: 2xx Succeeded, anything else Failed, outputs
/// kept, `code` the status name.
fn judge(status: u16, headers: Value, body: Value) -> Outcome {
    let mut outputs = Object::new();
    outputs.insert("statusCode", Value::Int(i64::from(status)));
    outputs.insert("headers", headers);
    outputs.insert("body", body);
    let code = status_code_name(status);
    let mut o = if (200..300).contains(&status) {
        Outcome::succeeded(None, None)
    } else {
        Outcome::failed(&code, format!("The request failed with status code {status} ({code})."))
    };
    o.code = code;
    o.with_outputs(Value::Object(outputs))
}
