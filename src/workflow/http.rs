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
    ActionStatus, HttpRequest, HttpResponse, HttpRuntime, Redactor, Transport, TransportError, UreqTransport,
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
    secrets: Redactor,
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
        .map(|rt| rt.with_secrets(secrets))?;
    Ok(RunHttp { runtime, transport, clock: run_clock })
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
    let _ = run;
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

/// Runs an Http action through the runtime; answers any other action from its mock (by
/// name, then by connector operation), its local connector, its child flow, or (with
/// `stub_unmocked`) an empty success.
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
    let mock = run.mocks.for_action(&def.name).or_else(|| {
        crate::project::run::operation_of(&def.type_name, &def.raw, &run.export.references)
            .and_then(|(api, op)| run.mocks.for_operation(&api, &op))
    });
    let child = def.type_name.eq_ignore_ascii_case("Workflow").then(|| child_flow_id(&def.raw));
    // With stubs, an action no connector entry serves is stubbed; without, it fails naming
    // what it looked for.
    let raw_inputs = def.raw.member("inputs").unwrap_or_default();
    let bound = run.connectors.as_ref().filter(|c| {
        is_connector_type(&def.type_name)
            && (!run.stub_unmocked || c.bindings.serves(&def.type_name, &raw_inputs))
    });
    let answered_here = mock.is_some() || (run.stub_unmocked && bound.is_none() && child.is_none());
    let inputs = match def.inputs.render(ctx) {
        Ok(v) => v,
        // A mocked (or stubbed) action does not send anything: its connection need not
        // resolve (`@parameters('$connections')[...]`), as long as the rest renders.
        Err(_) if answered_here => match without_host(def, ctx) {
            Ok(v) => v,
            Err(e) => return template_error(def, "/inputs", &e),
        },
        Err(e) => return template_error(def, "/inputs", &e),
    };
    if let Some(sequence) = mock {
        return match sequence.next_response() {
            Some(r) => {
                if !r.delay.is_zero() && !run.clock.sleep(r.delay, &run.cancel) {
                    let mut o = Outcome::failed("Cancelled", "The run was terminated during this call.");
                    o.status = Status::Cancelled;
                    return o.with_inputs(inputs);
                }
                judge(r.status, headers_value(&r.headers), r.body.clone()).with_inputs(inputs)
            }
            None => Outcome::failed("MockMissing", "The mock has no response.").with_inputs(inputs),
        };
    }
    if let Some(id) = &child {
        if let Some(outcome) = run_child_flow(run, def, id, &inputs) {
            return outcome.with_inputs(inputs);
        }
    }
    if let Some(connectors) = bound {
        return perform_connector(run, def, connectors, inputs);
    }
    if run.stub_unmocked {
        run.stubbed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(def.name.to_string());
        return judge(200, Value::Object(Object::new()), Value::Object(Object::new())).with_inputs(inputs);
    }
    Outcome::failed(
        "ActionTypeNotSupported",
        format!(
            "The action type '{}' of '{}' cannot run locally; give it a mock (--mocks) by action name or connector operation, or run with --stub-unmocked.",
            def.type_name, def.name
        ),
    )
    .with_inputs(inputs)
}

/// The inputs without `host` (rendered), and `host` as written.
fn without_host(def: &ActionDef, ctx: &Ctx<'_>) -> crate::error::Result<Value> {
    let raw = def.raw.member("inputs").unwrap_or_default();
    let Value::Object(mut o) = raw else { return def.inputs.render(ctx) };
    let host = o.position_ci("host").and_then(|i| o.remove_index(i));
    let mut rendered = run_engine_render(&Value::Object(o), ctx)?;
    if let (Value::Object(r), Some((k, v))) = (&mut rendered, host) {
        r.insert(k, v);
    }
    Ok(rendered)
}

fn run_engine_render(value: &Value, ctx: &Ctx<'_>) -> crate::error::Result<Value> {
    ctx.run.engine.compile_document(value)?.render(ctx)
}

/// The flow a `Workflow` action calls: `host.workflowReferenceName` (Power Automate's child
/// flows), else `host.workflow.id` (Logic Apps).
pub(crate) fn child_flow_id(raw: &Value) -> String {
    let host = raw.member("inputs").and_then(|i| i.member("host")).unwrap_or_default();
    host.member("workflowReferenceName")
        .or_else(|| host.member("workflow").and_then(|w| w.member("id")))
        .map(|v| v.to_text())
        .unwrap_or_default()
}

/// Runs the child flow of a `Workflow` action, if the export has it: its trigger gets the
/// action's `body` and `headers`; the action's outputs are what the child's Response sent
/// (empty when it has none); a child run that does not succeed fails the action.
fn run_child_flow(run: &RunState<'_>, def: &ActionDef, id: &str, inputs: &Value) -> Option<Outcome> {
    let children = run.export.children.as_ref()?;
    let depth = run.export.depth + 1;
    let found = children.find(id, depth)?;
    if depth > crate::project::run::MAX_CHILD_DEPTH {
        return Some(Outcome::failed(
            "ChildFlowDepth",
            format!(
                "child flows call child flows more than {} levels deep",
                crate::project::run::MAX_CHILD_DEPTH
            ),
        ));
    }
    let (workflow, export) = match found {
        Ok(pair) => pair,
        Err(e) => {
            return Some(Outcome::failed(
                "InvalidChildFlow",
                format!("the child flow '{id}' does not load: {e}"),
            ))
        }
    };
    let parent = run.child.as_ref()?;
    let headers = inputs.member("headers").and_then(|h| h.as_object().cloned()).unwrap_or_default();
    let options = super::RunOptions {
        trigger_body: inputs.member("body"),
        trigger_headers: headers,
        clock: Some(run.clock.now()),
        time_scale: parent.time_scale,
        workflow_name: id.to_string(),
        transport: parent.transport.clone(),
        connections: parent.connections.clone(),
        export,
        stub_unmocked: run.stub_unmocked,
        ..super::RunOptions::default()
    };
    let finished = match super::run_child(&workflow, options, Arc::clone(&run.mocks)) {
        Ok(runs) => runs.into_iter().next(),
        Err(e) => {
            return Some(Outcome::failed(
                "InvalidChildFlow",
                format!("the child flow '{id}' could not start: {}", e.message()),
            ))
        }
    };
    let finished = finished?;
    run.stubbed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(finished.stubbed.iter().map(|s| format!("{id}/{s}")));
    if finished.status != Status::Succeeded {
        let message = finished
            .error
            .as_ref()
            .and_then(|e| e.member("message"))
            .map(|m| m.to_text())
            .unwrap_or_else(|| format!("the child flow ended {}", finished.status));
        return Some(Outcome::failed(
            "ChildFlowFailed",
            format!("The child flow '{id}' of '{}' ended {}: {message}", def.name, finished.status),
        ));
    }
    Some(match finished.response {
        Some(response) => {
            let status = response.member("statusCode").and_then(|s| s.as_i64()).unwrap_or(200);
            let status = u16::try_from(status).unwrap_or(200);
            judge(
                status,
                response.member("headers").unwrap_or_default(),
                response.member("body").unwrap_or_default(),
            )
        }
        None => Outcome::succeeded(None, None),
    })
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
