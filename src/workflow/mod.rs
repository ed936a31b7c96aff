//! The workflow runner: runs a whole workflow definition locally, the way the hosted
//! service would, so a flow can be developed and tested without deploying it.
//!
//! ```no_run
//! use flowexpr::workflow::{run, RunOptions, Workflow};
//! let workflow = Workflow::load("examples/reconciliation/flow.json".as_ref()).unwrap();
//! let finished = run(&workflow, RunOptions::default()).unwrap();
//! eprint!("{}", finished.summary);
//! println!("{}", finished.record);
//! ```
//!
//! The pieces, in the order a run uses them: [`definition`] loads and validates a
//! definition and compiles its templates once; [`params`] resolves parameter values; the
//! scheduler in `run` starts actions as their `runAfter` allows (independent branches on
//! their own threads); `actions`, `http` and the control-flow code execute them; [`record`]
//! writes the run in the run-context shape and the summary.

mod actions;
pub mod clock;
mod condition;
pub mod definition;
pub mod demo;
mod expression;
mod http;
pub mod mock;
pub mod params;
pub mod record;
mod run;
mod status;
mod variables;

use std::io::IsTerminal as _;
use std::sync::atomic::Ordering;
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, Result};
use crate::eval::Engine;
use crate::value::{Object, Value};

pub use clock::Clock;
pub use definition::{InvalidAction, ParamType, UnsupportedAction, Workflow};
pub use mock::Mocks;
pub use run::MAX_LOOP_RESULT_RECORDS;
pub use status::Status;

use run::{Frame, RunState};

/// How to run a workflow.
pub struct RunOptions {
    /// Parameter values (see [`params::parameters_from_value`] for the file shapes).
    pub parameters: Object,
    /// Environment variables to read `FLOWEXPR_PARAM_*` values from.
    pub environment: Vec<(String, String)>,
    /// The trigger's body (manual and Request triggers).
    pub trigger_body: Option<Value>,
    /// The trigger's headers.
    pub trigger_headers: Object,
    /// The trigger's query parameters.
    pub trigger_queries: Object,
    /// Canned responses.
    pub mocks: Mocks,
    /// The time the run starts at (`utcNow()`); the system clock when `None`.
    pub clock: Option<DateTime<Utc>>,
    /// Every wait is multiplied by this (retry intervals, Wait actions, mock delays).
    pub time_scale: f64,
    /// Show a progress line on stderr while the run is long (only on a terminal).
    pub progress: bool,
    /// The workflow's name, for `workflow()`.
    pub workflow_name: String,
    /// How requests without a mock are sent; the network when `None`.
    pub transport: Option<std::sync::Arc<dyn crate::runtime::Transport>>,
    /// Local connector folders for OpenApiConnection and ApiConnection actions
    /// (`--connections`); without them such actions need a mock by action name.
    pub connections: Option<std::sync::Arc<crate::connector::flow::Bindings>>,
    /// What the export around the flow supplies: parameter values (`$connections`,
    /// `$authentication`, `parameters.json`), app settings, `workflow().tags`, the trigger
    /// headers the service adds, connection references and child flows
    /// ([`crate::project::run::Environment`]).
    pub export: crate::project::run::Environment,
    /// Answer every connector action that no mock, connection or child flow covers with an
    /// empty success (status 200, body `{}`) instead of refusing to run; the run lists them.
    /// Without a trigger body (given or mocked), the output of a trigger that is not a
    /// schedule is a stand-in too: a `splitOn` that gives no items starts one run with the
    /// item `{}`, and `conditions` it does not meet do not stop that run.
    pub stub_unmocked: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            parameters: Object::new(),
            environment: Vec::new(),
            trigger_body: None,
            trigger_headers: Object::new(),
            trigger_queries: Object::new(),
            mocks: Mocks::none(),
            clock: None,
            time_scale: 1.0,
            progress: false,
            workflow_name: "local".into(),
            transport: None,
            connections: None,
            export: crate::project::run::Environment::default(),
            stub_unmocked: false,
        }
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct FinishedRun {
    /// The run's status.
    pub status: Status,
    /// The run's error (`{"code", "message"}`), when it failed.
    pub error: Option<Value>,
    /// The run record (secrets redacted): the run-context shape plus per-action details.
    pub record: Value,
    /// The readable summary: the action tree with status and duration.
    pub summary: String,
    /// What a Response action sent, if one ran.
    pub response: Option<Value>,
    /// What `stub_unmocked` answered: the trigger first when its splitOn item was stubbed,
    /// then the connector actions no mock, connection or child flow covered, in the order
    /// they ran.
    pub stubbed: Vec<String>,
}

impl FinishedRun {
    /// An action's record, by name.
    pub fn action(&self, name: &str) -> Option<Value> {
        self.record.member("actions").and_then(|a| a.member(name))
    }
}

/// The engine runs compile with: the built-in library and the default limits. (`result()`
/// reads the run's scope results and `iterationIndexes()` its loop indexes through the
/// [`crate::Context`] the runner implements.)
pub fn engine() -> Engine {
    Engine::new()
}

fn trigger_record(workflow: &Workflow, options: &RunOptions, now: DateTime<Utc>) -> Value {
    let (name, ty) = workflow
        .trigger()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .unwrap_or(("manual".into(), "Request".into()));
    let mocked = options.mocks.trigger();
    let mut outputs = Object::new();
    let mut headers = options.export.trigger_headers.clone();
    for (k, v) in &options.trigger_headers {
        match headers.position_ci(k) {
            Some(i) => {
                headers.remove_index(i);
                headers.insert(k.clone(), v.clone());
            }
            None => headers.insert(k.clone(), v.clone()),
        }
    }
    if let Some(h) = mocked.and_then(|m| m.member("headers")).and_then(|h| h.as_object().cloned()) {
        for (k, v) in &h {
            headers.insert(k.clone(), v.clone());
        }
    }
    let body = options.trigger_body.clone().or_else(|| mocked.and_then(|m| m.member("body")));
    if body.as_ref().is_some_and(|b| matches!(b, Value::Object(_) | Value::Array(_)))
        && headers.get_ci("Content-Type").is_none()
    {
        headers.insert("Content-Type", Value::from("application/json"));
    }
    if !ty.eq_ignore_ascii_case("Recurrence") || !headers.is_empty() {
        outputs.insert("headers", Value::Object(headers));
    }
    if let Some(b) = body {
        outputs.insert("body", b);
    }
    if !options.trigger_queries.is_empty() {
        outputs.insert("queries", Value::Object(options.trigger_queries.clone()));
    }
    let t = Value::from(record::timestamp(now));
    let mut r = Object::new();
    r.insert("name", Value::from(name));
    r.insert("type", Value::from(ty));
    if let Some(inputs) = workflow.trigger.as_ref().map(|t| &t.inputs).filter(|i| !i.is_null()) {
        r.insert("inputs", inputs.clone());
    }
    r.insert("outputs", Value::Object(outputs));
    r.insert("startTime", t.clone());
    r.insert("endTime", t.clone());
    r.insert("scheduledTime", t);
    r.insert("status", Value::from("Succeeded"));
    r.insert("code", Value::from("OK"));
    Value::Object(r)
}

fn workflow_info(name: &str, run_id: &str, tags: &Object) -> Value {
    let mut run = Object::new();
    run.insert("id", Value::from(format!("/workflows/{name}/runs/{run_id}")));
    run.insert("name", Value::from(run_id));
    run.insert("type", Value::from("Microsoft.Logic/workflows/runs"));
    let mut o = Object::new();
    o.insert("id", Value::from(format!("/workflows/{name}")));
    o.insert("name", Value::from(name));
    o.insert("type", Value::from("Microsoft.Logic/workflows"));
    o.insert("location", Value::from("local"));
    o.insert("run", Value::Object(run));
    o.insert("tags", Value::Object(tags.clone()));
    Value::Object(o)
}

/// Checks that every action the runner cannot execute has a mock, and that every mock
/// names an action that can use one.
pub fn check_mocks(workflow: &Workflow, mocks: &Mocks) -> Result<()> {
    check_actions_runnable(workflow, mocks, &Coverage::default())
}

/// What else covers an action besides a mock by name.
#[derive(Default)]
struct Coverage<'a> {
    /// OpenApiConnection and ApiConnection actions run against local connector folders.
    connectors: Option<&'a crate::connector::flow::Bindings>,
    /// The export: its connection references (mocks by operation) and child flows.
    export: Option<&'a crate::project::run::Environment>,
    /// Everything left is stubbed.
    stub: bool,
}

impl Coverage<'_> {
    fn covers(&self, action: &definition::ActionDef, mocks: &Mocks) -> bool {
        if self.stub || mocks.for_action(&action.name).is_some() {
            return true;
        }
        let is_connector =
            ["OpenApiConnection", "ApiConnection"].iter().any(|t| action.type_name.eq_ignore_ascii_case(t));
        let raw_inputs = action.raw.member("inputs").unwrap_or_default();
        if is_connector && self.connectors.is_some_and(|b| b.serves(&action.type_name, &raw_inputs)) {
            return true;
        }
        let references = self.export.map(|e| e.references.as_slice()).unwrap_or_default();
        if crate::project::run::operation_of(&action.type_name, &action.raw, references)
            .is_some_and(|(api, op)| mocks.for_operation(&api, &op).is_some())
        {
            return true;
        }
        action.type_name.eq_ignore_ascii_case("Workflow")
            && self
                .export
                .and_then(|e| e.children.as_ref())
                .is_some_and(|c| c.find(&http::child_flow_id(&action.raw), 1).is_some())
    }
}

fn check_actions_runnable(workflow: &Workflow, mocks: &Mocks, coverage: &Coverage<'_>) -> Result<()> {
    if let Some(first) = workflow.invalid_actions().first() {
        let all: Vec<String> = workflow
            .invalid_actions()
            .iter()
            .map(|a| format!("'{}': {} (at {})", a.name, a.message, a.pointer))
            .collect();
        return Err(Error::new(
            ErrorKind::Definition,
            format!("the Http action definitions are not valid: {}", all.join("; ")),
        )
        .with_pointer(first.pointer.clone()));
    }
    let mut missing = Vec::new();
    for a in workflow.unsupported_actions() {
        let covered = workflow.find_action(&a.name).is_some_and(|def| coverage.covers(def, mocks));
        if !covered {
            missing.push(format!("'{}' ({}, at {})", a.name, a.type_name, a.pointer));
        }
    }
    if !missing.is_empty() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "these actions have types the local runner cannot execute; give each a mock by action name or connector operation (--mocks), a connection (--connections), or run with --stub-unmocked: {}",
                missing.join(", ")
            ),
        ));
    }
    for name in mocks.action_names() {
        match workflow.find_action(name) {
            None => {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!("the mocks name the action '{name}', which the workflow does not have"),
                ))
            }
            Some(a)
                if !matches!(
                    a.kind,
                    definition::Kind::Http { .. } | definition::Kind::Unsupported | definition::Kind::Expression { .. }
                ) =>
            {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!(
                        "the mocks name '{name}', a {} action; mocks answer for Http, connector and Expression actions",
                        a.type_name
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn new_run_id() -> String {
    let micros = Utc::now().timestamp_micros().unsigned_abs() % 10_000_000_000_000;
    format!("08584{micros:013}{:02}CU{:02}", fastrand::u8(0..100), fastrand::u8(0..100))
}

/// Runs a workflow to the end. An error means the run could not start: a parameter without
/// a value or of the wrong type, an unmocked action type that cannot run locally, a bad
/// time scale, or a trigger `conditions` / `splitOn` expression that fails. Everything that
/// goes wrong during the run is in the returned record.
///
/// A trigger whose `conditions` are not met gives a run with status Skipped and no actions
/// (the hosted service records a skipped trigger and starts no run). A `splitOn` trigger
/// must give exactly one item here; [`fire`] runs every item.
pub fn run(workflow: &Workflow, options: RunOptions) -> Result<FinishedRun> {
    let firing = Firing::prepare(workflow, options, None)?;
    match firing.triggers.len() {
        0 => Ok(not_started(workflow, "the trigger's splitOn expression gave no items; no run started")),
        1 => firing.run_all(workflow)?.into_iter().next().ok_or_else(|| {
            Error::new(ErrorKind::Definition, "the trigger started no run")
        }),
        count => Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "the trigger's splitOn expression gave {count} items, so the trigger starts {count} runs; `flowexpr run` shows them all (the library's workflow::fire), or give a trigger body with one item"
            ),
        )),
    }
}

/// Fires the trigger once and runs what it starts: one run, or with `splitOn` one run per
/// item of the array it gives (in item order, one after another), each with the item as its
/// `triggerBody()`. A run whose trigger `conditions` are not met has status Skipped and no
/// actions. Mocks are shared across the runs (a sequence continues from run to run).
pub fn fire(workflow: &Workflow, options: RunOptions) -> Result<Vec<FinishedRun>> {
    Firing::prepare(workflow, options, None)?.run_all(workflow)
}

/// Runs a child flow for a `Workflow` action: the parent's mocks answer for it too.
pub(crate) fn run_child(
    workflow: &Workflow,
    options: RunOptions,
    mocks: std::sync::Arc<Mocks>,
) -> Result<Vec<FinishedRun>> {
    Firing::prepare(workflow, options, Some(mocks))?.run_all(workflow)
}

/// A trigger event, ready to run: one trigger record per run it starts.
struct Firing {
    parameters: Object,
    start: DateTime<Utc>,
    triggers: Vec<Value>,
    shared: Shared,
    /// The trigger's output is a stand-in (stubs, and no trigger body given or mocked).
    stub_trigger: bool,
    /// Its splitOn gave no items, so the one run has the item {}.
    split_stubbed: bool,
}

impl Firing {
    /// Resolves the parameters, checks that every action can run, and splits the trigger's
    /// output (`splitOn`). Nothing runs yet.
    fn prepare(
        workflow: &Workflow,
        options: RunOptions,
        shared_mocks: Option<std::sync::Arc<Mocks>>,
    ) -> Result<Firing> {
        let supplied = options.export.parameters_with(&options.parameters);
        // Connector entries also answer for the flow's connection reference keys.
        let references = options.export.references.iter().map(|r| (r.key.clone(), r.api.clone()));
        let connections =
            options.connections.as_ref().map(|b| std::sync::Arc::new(b.with_references(references)));
        let parameters = params::resolve(workflow, &supplied, &options.environment)?;
        let coverage = Coverage {
            connectors: connections.as_deref(),
            export: Some(&options.export),
            stub: options.stub_unmocked,
        };
        check_actions_runnable(workflow, &options.mocks, &coverage)?;
        let start = Clock::new(options.clock, options.time_scale)?.start();
        let trigger = trigger_record(workflow, &options, start);
        // With stubs and no trigger body (neither given nor mocked), the output of a trigger
        // that is not a schedule is a stand-in: a splitOn that gives no items starts one run
        // with the item {}.
        let schedule = workflow.trigger().is_some_and(|(_, ty)| {
            ty.eq_ignore_ascii_case("Recurrence") || ty.eq_ignore_ascii_case("SlidingWindow")
        });
        let stub_trigger = options.stub_unmocked
            && !schedule
            && options.trigger_body.is_none()
            && options.mocks.trigger().and_then(|m| m.member("body")).is_none();
        let mut split_stubbed = false;
        let triggers = match workflow.trigger.as_ref().and_then(|t| t.split_on.as_ref()) {
            None => vec![trigger],
            Some((pointer, doc)) => {
                let items = doc.render(&trigger_context(&parameters, &trigger, start));
                let gave_none = match &items {
                    Err(_) | Ok(Value::Null) => true,
                    Ok(v) => v.as_array().is_some_and(|a| a.is_empty()),
                };
                split_stubbed = stub_trigger && gave_none;
                let items =
                    if split_stubbed { Ok(Value::array(vec![Value::Object(Object::new())])) } else { items };
                split_trigger(&trigger, pointer, items)?
            }
        };
        let shared = Shared {
            mocks: shared_mocks.unwrap_or_else(|| std::sync::Arc::new(options.mocks)),
            export: std::sync::Arc::new(options.export),
            stub_unmocked: options.stub_unmocked,
            transport: options.transport,
            connections,
            clock: options.clock,
            time_scale: options.time_scale,
            progress: options.progress,
            workflow_name: options.workflow_name,
        };
        Ok(Firing { parameters, start, triggers, shared, stub_trigger, split_stubbed })
    }

    /// Checks each trigger record's `conditions` and runs the ones that meet them. A
    /// stand-in trigger output (see `stub_trigger`) that does not meet them still starts its
    /// run, noted, so the flow runs as far as it goes.
    fn run_all(self, workflow: &Workflow) -> Result<Vec<FinishedRun>> {
        let conditions = workflow.trigger.as_ref().map(|t| t.conditions.as_slice()).unwrap_or_default();
        let mut runs = Vec::with_capacity(self.triggers.len());
        for trigger in self.triggers {
            let mut met = true;
            for (pointer, doc) in conditions {
                let value = match doc.render(&trigger_context(&self.parameters, &trigger, self.start)) {
                    Ok(v) => v,
                    Err(_) if self.stub_trigger => Value::Bool(false),
                    Err(e) => {
                        return Err(Error::new(
                            ErrorKind::Definition,
                            format!("the trigger condition failed: {}", e.message()),
                        )
                        .with_pointer(pointer.clone()))
                    }
                };
                if !is_true(&value) {
                    met = false;
                    break;
                }
            }
            let mut stub_notes = Vec::new();
            if self.split_stubbed {
                stub_notes
                    .push("its splitOn gave no items without a trigger body, so the run has the item {}");
            }
            if !met && self.stub_trigger {
                stub_notes.push("the stand-in output does not meet its conditions; the run starts anyway");
            }
            runs.push(if met || self.stub_trigger {
                run_started(workflow, &self.shared, self.parameters.clone(), trigger, &stub_notes)?
            } else {
                skipped_run(workflow, &self.parameters, trigger)
            });
        }
        Ok(runs)
    }
}

/// What the trigger's `splitOn` and `conditions` see: the parameters and the trigger.
fn trigger_context(parameters: &Object, trigger: &Value, start: DateTime<Utc>) -> crate::eval::RunContext {
    crate::eval::RunContext {
        parameters: parameters.clone(),
        trigger: trigger.clone(),
        clock: Some(start),
        ..Default::default()
    }
}

/// What every run of one firing shares.
struct Shared {
    mocks: std::sync::Arc<Mocks>,
    export: std::sync::Arc<crate::project::run::Environment>,
    stub_unmocked: bool,
    transport: Option<std::sync::Arc<dyn crate::runtime::Transport>>,
    connections: Option<std::sync::Arc<crate::connector::flow::Bindings>>,
    clock: Option<DateTime<Utc>>,
    time_scale: f64,
    progress: bool,
    workflow_name: String,
}

/// A condition holds when it is `true` (or the text `True`, from an `@{...}` template).
fn is_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// One trigger record per item of the `splitOn` array, the item as its body.
fn split_trigger(trigger: &Value, pointer: &str, items: Result<Value>) -> Result<Vec<Value>> {
    let fail =
        |message: String| Err(Error::new(ErrorKind::Definition, message).with_pointer(pointer.to_string()));
    let items = match items {
        Ok(Value::Array(items)) => items,
        Ok(Value::Null) => return Ok(Vec::new()),
        Ok(other) => {
            return fail(format!(
                "the trigger's splitOn expression must give an array; it gave {}",
                other.value_type()
            ))
        }
        Err(e) => return fail(format!("the trigger's splitOn expression failed: {}", e.message())),
    };
    if items.len() > definition::limits::MAX_SPLIT_ON_ITEMS {
        return fail(format!(
            "the trigger's splitOn expression gave {} items; the limit is {}",
            items.len(),
            definition::limits::MAX_SPLIT_ON_ITEMS
        ));
    }
    let Value::Object(record) = trigger else { return Ok(Vec::new()) };
    Ok(items
        .iter()
        .map(|item| {
            let mut r = record.clone();
            let mut outputs = r.get("outputs").and_then(Value::as_object).cloned().unwrap_or_default();
            outputs.insert("body", item.clone());
            r.insert("outputs", Value::Object(outputs));
            Value::Object(r)
        })
        .collect())
}

/// The record of a trigger whose conditions were not met: no actions ran.
fn skipped_run(workflow: &Workflow, parameters: &Object, trigger: Value) -> FinishedRun {
    let mut run = not_started(workflow, "the trigger's conditions were not met; no run started");
    let mut trigger = trigger;
    if let Value::Object(t) = &mut trigger {
        t.insert("status", Value::from("Skipped"));
        t.insert("code", Value::from("Skipped"));
    }
    if let Value::Object(r) = &mut run.record {
        r.insert("trigger", record::Redactor::new(workflow, parameters).value(&trigger));
    }
    run
}

/// A run that did not start: status Skipped, no actions, the reason in the summary.
fn not_started(workflow: &Workflow, reason: &str) -> FinishedRun {
    let mut r = Object::new();
    r.insert("status", Value::from(Status::Skipped.name()));
    r.insert("reason", Value::from(reason));
    r.insert("actions", Value::Object(Object::new()));
    let name = workflow.trigger().map_or("manual", |(n, _)| n);
    FinishedRun {
        status: Status::Skipped,
        error: None,
        record: Value::Object(r),
        summary: format!("trigger {name}: Skipped ({reason})\n"),
        response: None,
        stubbed: Vec::new(),
    }
}

/// Runs the actions for one trigger record.
fn run_started(
    workflow: &Workflow,
    shared: &Shared,
    parameters: Object,
    trigger: Value,
    stub_notes: &[&str],
) -> Result<FinishedRun> {
    let clock = Clock::new(shared.clock, shared.time_scale)?;
    let start = clock.start();
    let run_id = new_run_id();
    let info = workflow_info(&shared.workflow_name, &run_id, &shared.export.tags);
    let mocks = std::sync::Arc::clone(&shared.mocks);
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut secrets = crate::runtime::Redactor::new();
    for p in workflow.parameters.iter().filter(|p| p.ty.is_secure()) {
        if let Some(v) = parameters.get_ci(&p.name) {
            secrets.add_strings(v);
        }
    }
    let http::RunHttp { runtime: http, transport, clock: run_clock } =
        http::runtime(&clock, &cancel, &mocks, shared.transport.clone(), secrets)?;
    let time_scale = clock.scale();
    let mut state = RunState::new(
        engine(),
        parameters.clone(),
        trigger.clone(),
        info.clone(),
        clock,
        mocks,
        http,
        cancel,
        run_id,
    );
    state.export = std::sync::Arc::clone(&shared.export);
    state.stub_unmocked = shared.stub_unmocked;
    state.child = Some(run::ChildRun {
        transport: shared.transport.clone(),
        connections: shared.connections.clone(),
        time_scale: shared.time_scale,
    });
    state.connectors = shared.connections.clone().map(|bindings| http::ConnectorRun {
        bindings,
        transport,
        clock: run_clock,
        time_scale,
    });
    let frame = Frame::root();
    let real_start = Instant::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    let status = std::thread::scope(|s| {
        if shared.progress && std::io::stderr().is_terminal() {
            let (state, done) = (&state, &done);
            s.spawn(move || progress_display(state, done, real_start));
            let st = state.run_container(&workflow.actions, &frame);
            done.store(true, Ordering::Relaxed);
            st
        } else {
            state.run_container(&workflow.actions, &frame)
        }
    });
    let end = state.clock.now();
    let termination = state.termination.lock().unwrap_or_else(PoisonError::into_inner).take();
    let (status, error) = match termination {
        Some(t) => (t.status, t.error),
        None if status.is_failure() => {
            let mut e = Object::new();
            e.insert("code", Value::from("ActionFailed"));
            e.insert("message", Value::from("An action failed. No dependent actions succeeded."));
            (Status::Failed, Some(Value::Object(e)))
        }
        None => (Status::Succeeded, None),
    };
    let redactor = record::Redactor::new(workflow, &parameters);
    let latest = |name: &str| state.record(name);
    let journal = state.journal.lock().unwrap_or_else(PoisonError::into_inner);
    let actions = record::actions_section(workflow, &latest, &journal, &redactor);
    drop(journal);
    let mut outputs = Object::new();
    let root_ctx = run::Ctx { run: &state, frame: &frame, current: None };
    for (name, doc, _) in &workflow.outputs {
        let value = doc
            .render(&root_ctx)
            .unwrap_or_else(|e| Value::from(format!("(not evaluated: {})", e.message())));
        outputs.insert(name.clone(), value);
    }
    let mut results = Object::new();
    let all_results = state.all_results();
    workflow.actions.walk(&mut |a| {
        if a.kind.is_loop() {
            if let Some(r) = all_results.get(&a.name.to_ascii_lowercase()) {
                results.insert(a.name.clone(), redactor.value(r));
            }
        }
    });
    let mut shown_params = Object::new();
    for p in &workflow.parameters {
        if let Some(v) = parameters.get(&p.name) {
            shown_params
                .insert(p.name.clone(), if p.ty.is_secure() { Value::from("***") } else { v.clone() });
        }
    }
    let response = state.response.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let mut r = Object::new();
    r.insert("status", Value::from(status.name()));
    if let Some(e) = &error {
        r.insert("error", e.clone());
    }
    r.insert("startTime", Value::from(record::timestamp(start)));
    r.insert("endTime", Value::from(record::timestamp(end)));
    r.insert("clock", Value::from(start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)));
    r.insert("workflow", info);
    r.insert("parameters", Value::Object(shown_params));
    r.insert("variables", redactor.value(&Value::Object(state.variables.snapshot())));
    r.insert("trigger", redactor.value(&trigger));
    r.insert("actions", Value::Object(actions));
    if !results.is_empty() {
        r.insert("results", Value::Object(results));
    }
    if !outputs.is_empty() {
        r.insert("outputs", redactor.value(&Value::Object(outputs)));
    }
    if let Some(resp) = &response {
        r.insert("response", redactor.value(resp));
    }
    let stubbed_actions = state.stubbed.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let trigger_name = workflow.trigger().map_or("manual", |(n, _)| n).to_string();
    let stubbed_trigger = (!stub_notes.is_empty()).then_some(trigger_name);
    let stubbed: Vec<String> = stubbed_trigger.iter().chain(&stubbed_actions).cloned().collect();
    if !stubbed.is_empty() {
        r.insert("stubbed", Value::array(stubbed.iter().map(|s| Value::from(s.as_str())).collect()));
    }
    let record = Value::Object(r);
    let mut summary = record::summary(workflow, &record);
    if let Some(trigger) = &stubbed_trigger {
        summary.push_str(&format!(
            "stubbed trigger {trigger}: {} (give the trigger's output with --trigger-body)\n",
            stub_notes.join("; ")
        ));
    }
    if !stubbed_actions.is_empty() {
        summary.push_str(&format!(
            "stubbed (no mock, connection or child flow; answered 200 with an empty body): {}\n",
            stubbed_actions.join(", ")
        ));
    }
    Ok(FinishedRun { status, error, record, summary, response, stubbed })
}

/// Redraws one status line on stderr while the run goes on: elapsed time, the actions
/// running, and each loop's items done / total.
fn progress_display(state: &RunState<'_>, done: &std::sync::atomic::AtomicBool, start: Instant) {
    use std::io::Write as _;
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if start.elapsed() < Duration::from_millis(500) {
            continue;
        }
        let loops: Vec<String> = state
            .progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|p| format!("{} {}/{}", p.name, p.done.load(Ordering::Relaxed), p.total))
            .collect();
        let current: Vec<String> = state
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .rev()
            .take(3)
            .map(|s| s.to_string())
            .collect();
        let mut line = format!("{:.1}s  running: {}", start.elapsed().as_secs_f64(), current.join(", "));
        if !loops.is_empty() {
            line.push_str(&format!("  loops: {}", loops.join(", ")));
        }
        let line: String = line.chars().take(150).collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        shown = true;
    }
    if shown {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
