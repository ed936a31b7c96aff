//! Executing a workflow: the run state that expressions read (through [`Context`]), the
//! runAfter scheduler, and the control-flow actions (If, Switch, Foreach, Until, Scope).
//!
//! Every container (the top level, a Scope, a branch, one loop iteration) is scheduled the
//! same way: an action starts when all of its runAfter predecessors have finished; when
//! their statuses match it runs, otherwise it is Skipped. Actions that become ready together
//! run on their own threads (`std::thread::scope`), so independent branches overlap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::eval::{Context, Engine};
use crate::value::{Object, Str, Value};

use super::actions;
use super::clock::{parse_duration, Clock};
use super::definition::{limits, ActionDef, Container, Kind};
use super::mock::Mocks;
use super::record::{timestamp, Journal};
use super::status::Status;

/// The most per-iteration records `result('Loop')` keeps for each inner action.
pub const MAX_LOOP_RESULT_RECORDS: usize = 1_000;

/// What an action ended with.
pub(crate) struct Outcome {
    pub status: Status,
    pub code: String,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub error: Option<(String, String)>,
    pub extra: Vec<(&'static str, Value)>,
}

impl Outcome {
    pub fn succeeded(inputs: Option<Value>, outputs: Option<Value>) -> Outcome {
        Outcome {
            status: Status::Succeeded,
            code: "NotSpecified".into(),
            inputs,
            outputs,
            error: None,
            extra: Vec::new(),
        }
    }

    pub fn failed(code: &str, message: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Failed,
            code: code.into(),
            inputs: None,
            outputs: None,
            error: Some((code.into(), message.into())),
            extra: Vec::new(),
        }
    }

    pub fn with_inputs(mut self, inputs: Value) -> Outcome {
        self.inputs = Some(inputs);
        self
    }

    pub fn with_outputs(mut self, outputs: Value) -> Outcome {
        self.outputs = Some(outputs);
        self
    }

    /// The outcome of a container action (Scope, If, Switch, loop) whose inner actions
    /// ended with `status`.
    fn container(status: Status) -> Outcome {
        if status.is_failure() {
            Outcome::failed("ActionFailed", "An action failed. No dependent actions succeeded.")
        } else {
            Outcome::succeeded(None, None)
        }
    }
}

/// An InvalidTemplate failure: the message names the action, the JSON pointer of the
/// failing string and, when known, draws the expression with a caret.
pub(crate) fn template_error(def: &ActionDef, part: &str, e: &Error) -> Outcome {
    let pointer = format!("{}{}{}", def.pointer, part, e.pointer().unwrap_or(""));
    let mut message = format!(
        "Unable to process template language expressions in action '{}' at {pointer}: {}",
        def.name,
        e.message()
    );
    if let (Some(text), Some(span)) = (e.source_text(), e.span()) {
        let (line, col) = crate::error::line_col(text, span.start);
        message.push_str(&format!(" (at {line}:{col})\n"));
        crate::error::render_snippet(text, span, &mut message);
    }
    Outcome::failed("InvalidTemplate", message)
}

/// One level of the run's nesting, for what expressions see: a loop iteration (with its
/// item, index and its own action records), or the current element of a Select, Query or
/// Table.
pub(crate) struct Frame<'p> {
    parent: Option<&'p Frame<'p>>,
    loop_name: Option<Str>,
    item: Option<Value>,
    index: Option<i64>,
    local: Option<Mutex<Local>>,
}

#[derive(Default)]
struct Local {
    records: HashMap<String, Value>,
    results: HashMap<String, Value>,
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl<'p> Frame<'p> {
    pub fn root() -> Frame<'static> {
        Frame { parent: None, loop_name: None, item: None, index: None, local: None }
    }

    fn iteration(parent: &'p Frame<'p>, name: &Str, item: Option<Value>, index: i64) -> Frame<'p> {
        Frame {
            parent: Some(parent),
            loop_name: Some(name.clone()),
            item,
            index: Some(index),
            local: Some(Mutex::new(Local::default())),
        }
    }

    /// A frame whose `item()` is one element of a Select, Query or Table `from`.
    pub fn element(parent: &'p Frame<'p>, item: Value) -> Frame<'p> {
        Frame { parent: Some(parent), loop_name: None, item: Some(item), index: None, local: None }
    }

    fn chain(&self) -> impl Iterator<Item = &Frame<'p>> {
        std::iter::successors(Some(self), |f| f.parent)
    }

    fn local_record(&self, name: &str) -> Option<Value> {
        self.chain().find_map(|f| {
            f.local
                .as_ref()
                .and_then(|l| l.lock().unwrap_or_else(PoisonError::into_inner).records.get(name).cloned())
        })
    }

    fn local_result(&self, name: &str) -> Option<Value> {
        self.chain().find_map(|f| {
            f.local
                .as_ref()
                .and_then(|l| l.lock().unwrap_or_else(PoisonError::into_inner).results.get(name).cloned())
        })
    }

    fn innermost_local(&self) -> Option<&Mutex<Local>> {
        self.chain().find_map(|f| f.local.as_ref())
    }

    /// The names of the enclosing loops and their current indexes, innermost first.
    fn indexes(&self) -> Vec<(Str, i64)> {
        self.chain().filter_map(|f| Some((f.loop_name.clone()?, f.index?))).collect()
    }
}

/// A loop in progress, for the progress display.
pub(crate) struct LoopProgress {
    pub name: Str,
    pub done: Arc<AtomicUsize>,
    pub total: usize,
}

/// Why the run ended early.
pub(crate) struct Termination {
    pub status: Status,
    pub error: Option<Value>,
    pub by: Str,
}

/// The state of one run.
pub(crate) struct RunState<'w> {
    pub engine: Engine,
    pub parameters: Object,
    pub trigger: Value,
    pub workflow_info: Value,
    pub variables: super::variables::Variables,
    pub clock: Clock,
    pub mocks: Arc<Mocks>,
    pub http: crate::runtime::HttpRuntime,
    /// Connector actions bound to local connector folders, if the run has any.
    pub connectors: Option<super::http::ConnectorRun>,
    records: RwLock<HashMap<String, Value>>,
    results: RwLock<HashMap<String, Value>>,
    pub journal: Mutex<Journal>,
    pub cancel: Arc<AtomicBool>,
    pub termination: Mutex<Option<Termination>>,
    pub response: Mutex<Option<Value>>,
    pub progress: Mutex<Vec<LoopProgress>>,
    pub current: Mutex<Vec<Str>>,
    pub run_id: String,
    /// What the export supplies: app settings, references, child flows.
    pub export: Arc<crate::project::run::Environment>,
    /// Answer uncovered connector actions with an empty success.
    pub stub_unmocked: bool,
    /// The actions answered that way.
    pub stubbed: Mutex<Vec<String>>,
    /// What a child flow's run takes from this one.
    pub child: Option<ChildRun>,
    _workflow: std::marker::PhantomData<&'w ()>,
}

/// What a child flow's run takes from its parent's.
pub(crate) struct ChildRun {
    pub transport: Option<Arc<dyn crate::runtime::Transport>>,
    pub connections: Option<Arc<crate::connector::flow::Bindings>>,
    pub time_scale: f64,
}

/// What expressions see: the run plus the current frame.
pub(crate) struct Ctx<'a> {
    pub run: &'a RunState<'a>,
    pub frame: &'a Frame<'a>,
    /// The record `action()` gives, where the service allows it (`trackedProperties`).
    pub current: Option<&'a Value>,
}

impl Context for Ctx<'_> {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.run.parameters.get_ci(name).cloned()
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.run.variables.get(name)
    }

    fn trigger(&self) -> Option<Value> {
        Some(self.run.trigger.clone())
    }

    fn action(&self, name: &str) -> Option<Value> {
        let find = |n: &str| {
            let k = key(n);
            self.frame.local_record(&k).or_else(|| self.run.read_records().get(&k).cloned())
        };
        find(name).or_else(|| name.contains(' ').then(|| find(&name.replace(' ', "_"))).flatten())
    }

    fn loop_item(&self, name: Option<&str>) -> Option<Value> {
        match name {
            None => self.frame.chain().find_map(|f| f.item.clone()),
            Some(n) => self
                .frame
                .chain()
                .find(|f| f.loop_name.as_deref().is_some_and(|l| names_match(l, n)))
                .and_then(|f| f.item.clone()),
        }
    }

    fn iteration_index(&self, name: &str) -> Option<i64> {
        self.frame
            .chain()
            .find(|f| f.loop_name.as_deref().is_some_and(|l| names_match(l, name)))
            .and_then(|f| f.index)
    }

    fn scope_result(&self, name: &str) -> Option<Value> {
        let k = key(name);
        self.frame
            .local_result(&k)
            .or_else(|| self.run.results.read().unwrap_or_else(PoisonError::into_inner).get(&k).cloned())
            .or_else(|| {
                let k2 = key(&name.replace(' ', "_"));
                self.frame.local_result(&k2).or_else(|| {
                    self.run.results.read().unwrap_or_else(PoisonError::into_inner).get(&k2).cloned()
                })
            })
    }

    fn workflow(&self) -> Option<Value> {
        Some(self.run.workflow_info.clone())
    }

    fn appsetting(&self, name: &str) -> Option<Value> {
        let settings = &self.run.export.app_settings;
        settings.get(name).or_else(|| settings.get_ci(name)).cloned()
    }

    fn current_action(&self) -> Option<Value> {
        self.current.cloned()
    }

    fn now(&self) -> DateTime<Utc> {
        self.run.clock.now()
    }
}

fn names_match(defined: &str, asked: &str) -> bool {
    defined.eq_ignore_ascii_case(asked) || defined.eq_ignore_ascii_case(&asked.replace(' ', "_"))
}

impl<'w> RunState<'w> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        engine: Engine,
        parameters: Object,
        trigger: Value,
        workflow_info: Value,
        clock: Clock,
        mocks: Arc<Mocks>,
        http: crate::runtime::HttpRuntime,
        cancel: Arc<AtomicBool>,
        run_id: String,
    ) -> RunState<'w> {
        RunState {
            engine,
            parameters,
            trigger,
            workflow_info,
            variables: Default::default(),
            clock,
            mocks,
            http,
            connectors: None,
            records: RwLock::new(HashMap::new()),
            results: RwLock::new(HashMap::new()),
            journal: Mutex::new(Journal::default()),
            cancel,
            termination: Mutex::new(None),
            response: Mutex::new(None),
            progress: Mutex::new(Vec::new()),
            current: Mutex::new(Vec::new()),
            run_id,
            export: Arc::new(crate::project::run::Environment::default()),
            stub_unmocked: false,
            stubbed: Mutex::new(Vec::new()),
            child: None,
            _workflow: std::marker::PhantomData,
        }
    }

    fn read_records(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Value>> {
        self.records.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest record of an action, by exact lower-cased name.
    pub fn record(&self, name: &str) -> Option<Value> {
        self.read_records().get(&key(name)).cloned()
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    fn store(&self, def: &ActionDef, frame: &Frame<'_>, mut record: Value, real: Duration) {
        let ran = record.member("status").is_some_and(|s| s.as_str() != Some(Status::Skipped.name()));
        if let (Some(tracked), true) = (&def.tracked_properties, ran) {
            // Evaluated once the action has finished, with `action()` giving its record.
            let ctx = Ctx { run: self, frame, current: Some(&record) };
            let (member, value) = match tracked.render(&ctx) {
                Ok(v) => ("trackedProperties", v),
                Err(e) => ("trackedPropertiesError", Value::from(e.message())),
            };
            if let Value::Object(o) = &mut record {
                o.insert(member, value);
            }
        }
        let k = key(&def.name);
        if let Some(local) = frame.innermost_local() {
            local.lock().unwrap_or_else(PoisonError::into_inner).records.insert(k.clone(), record.clone());
        }
        let indexes = frame.indexes();
        self.journal.lock().unwrap_or_else(PoisonError::into_inner).add(&def.name, &record, &indexes, real);
        self.records.write().unwrap_or_else(PoisonError::into_inner).insert(k, record);
    }

    fn store_result(&self, def: &ActionDef, frame: &Frame<'_>, result: Value) {
        let k = key(&def.name);
        if let Some(local) = frame.innermost_local() {
            local.lock().unwrap_or_else(PoisonError::into_inner).results.insert(k.clone(), result.clone());
        }
        self.results.write().unwrap_or_else(PoisonError::into_inner).insert(k, result);
    }

    /// The stored `result()` values, for the run record.
    pub fn all_results(&self) -> HashMap<String, Value> {
        self.results.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn ctx<'a>(&'a self, frame: &'a Frame<'a>) -> Ctx<'a> {
        Ctx { run: self, frame, current: None }
    }

    fn skip_record(&self, def: &ActionDef, code: &str, message: &str) -> Value {
        let now = timestamp(self.clock.now());
        let mut r = Object::new();
        r.insert("name", Value::String(def.name.clone()));
        r.insert("status", Value::from("Skipped"));
        r.insert("code", Value::from(code));
        r.insert("startTime", Value::from(now.clone()));
        r.insert("endTime", Value::from(now));
        let mut e = Object::new();
        e.insert("code", Value::from(code));
        e.insert("message", Value::from(message));
        r.insert("error", Value::Object(e));
        Value::Object(r)
    }

    /// Marks an action, and everything nested in it, Skipped.
    fn skip(&self, def: &ActionDef, frame: &Frame<'_>, code: &str, message: &str) {
        let record = self.skip_record(def, code, message);
        self.store(def, frame, record, Duration::ZERO);
        let nested = format!("The action '{}' that contains this action was skipped.", def.name);
        for child in def.kind.children() {
            for a in &child.actions {
                self.skip(a, frame, "ActionSkipped", &nested);
            }
        }
    }

    fn skip_container(&self, c: &Container, frame: &Frame<'_>, code: &str, message: &str) {
        for a in &c.actions {
            self.skip(a, frame, code, message);
        }
    }

    /// Runs the actions of a container and returns its status (the branch-end rule).
    pub fn run_container(&self, c: &Container, frame: &Frame<'_>) -> Status {
        let n = c.actions.len();
        if n == 0 {
            return Status::Succeeded;
        }
        let mut status: Vec<Option<Status>> = vec![None; n];
        let mut started = vec![false; n];
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<(usize, Status)>();
            let mut running = 0usize;
            loop {
                let mut ready = Vec::new();
                let mut changed = true;
                while changed {
                    changed = false;
                    for i in 0..n {
                        if started[i] {
                            continue;
                        }
                        let def = &c.actions[i];
                        let finished =
                            def.run_after.iter().all(|d| d.index.is_none_or(|j| status[j].is_some()));
                        if !finished {
                            continue;
                        }
                        started[i] = true;
                        if self.cancelled() {
                            self.skip(def, frame, "Terminated", &self.terminated_message());
                            status[i] = Some(Status::Skipped);
                            changed = true;
                            continue;
                        }
                        match unmet(def, &status) {
                            None => ready.push(i),
                            Some(message) => {
                                self.skip(def, frame, "ActionConditionFailed", &message);
                                status[i] = Some(Status::Skipped);
                                changed = true;
                            }
                        }
                    }
                }
                if ready.len() == 1 && running == 0 {
                    let i = ready[0];
                    status[i] = Some(self.execute(&c.actions[i], frame));
                    continue;
                }
                for i in ready {
                    let tx = tx.clone();
                    let def = &c.actions[i];
                    let spawned = std::thread::Builder::new()
                        .name(format!("action {}", def.name))
                        .stack_size(8 << 20)
                        .spawn_scoped(s, move || {
                            let st = self.execute(def, frame);
                            let _ = tx.send((i, st));
                        });
                    match spawned {
                        Ok(_) => running += 1,
                        // No thread to be had: run it here instead.
                        Err(_) => status[i] = Some(self.execute(def, frame)),
                    }
                }
                if running == 0 {
                    if status.iter().all(Option::is_some) {
                        break;
                    }
                    // Everything left waits on something that will never finish; cannot
                    // happen in a validated (acyclic) container, but never spin.
                    break;
                }
                match rx.recv() {
                    Ok((i, st)) => {
                        running -= 1;
                        status[i] = Some(st);
                    }
                    Err(_) => break,
                }
            }
        });
        container_status(c, &status)
    }

    fn terminated_message(&self) -> String {
        let by = self
            .termination
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|t| t.by.to_string());
        format!("The run was terminated by action '{}' before this action started.", by.unwrap_or_default())
    }

    /// Runs one action, records it and returns its status.
    pub fn execute(&self, def: &ActionDef, frame: &Frame<'_>) -> Status {
        if self.cancelled() {
            self.skip(def, frame, "Terminated", &self.terminated_message());
            return Status::Skipped;
        }
        self.current.lock().unwrap_or_else(PoisonError::into_inner).push(def.name.clone());
        let start = self.clock.now();
        let real_start = Instant::now();
        let mut outcome = self.perform(def, frame);
        let end = self.clock.now();
        let too_large =
            [("inputs", &outcome.inputs), ("outputs", &outcome.outputs)].into_iter().find_map(|(what, v)| {
                let size = v.as_ref()?.approx_size();
                (size > limits::MAX_ACTION_IO).then_some((what, size))
            });
        if let Some((what, size)) = too_large {
            outcome = Outcome::failed(
                "ActionInputsOrOutputsTooLarge",
                format!(
                    "The {what} of action '{}' are about {size} bytes; the limit is {} bytes.",
                    def.name,
                    limits::MAX_ACTION_IO
                ),
            );
        }
        // Outputs are kept for later expressions and loop iterations: a value nested ever
        // deeper by each iteration must stop here (deeper values cannot be read back from
        // the run record, and would make dropping them recurse without bound).
        let too_deep =
            [("inputs", &outcome.inputs), ("outputs", &outcome.outputs)].into_iter().find(|(_, v)| {
                v.as_ref().is_some_and(|v| v.nesting_depth(limits::MAX_VALUE_DEPTH) > limits::MAX_VALUE_DEPTH)
            });
        if let Some((what, _)) = too_deep {
            outcome = Outcome::failed(
                "ActionInputsOrOutputsTooDeep",
                format!(
                    "The {what} of action '{}' nest arrays and objects more than {} levels deep.",
                    def.name,
                    limits::MAX_VALUE_DEPTH
                ),
            );
        }
        let status = outcome.status;
        let mut r = Object::new();
        r.insert("name", Value::String(def.name.clone()));
        if let Some(i) = outcome.inputs {
            r.insert("inputs", i);
        }
        if let Some(o) = outcome.outputs {
            r.insert("outputs", o);
        }
        r.insert("startTime", Value::from(timestamp(start)));
        r.insert("endTime", Value::from(timestamp(end)));
        r.insert("trackingId", Value::from(uuid::Uuid::new_v4().to_string()));
        r.insert("clientTrackingId", Value::from(self.run_id.clone()));
        r.insert("code", Value::from(outcome.code));
        r.insert("status", Value::from(status.name()));
        if let Some((code, message)) = outcome.error {
            let mut e = Object::new();
            e.insert("code", Value::from(code));
            e.insert("message", Value::from(message));
            r.insert("error", Value::Object(e));
        }
        for (k, v) in outcome.extra {
            r.insert(k, v);
        }
        self.store(def, frame, Value::Object(r), real_start.elapsed());
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = current.iter().position(|n| Arc::ptr_eq(n, &def.name)) {
            current.remove(p);
        }
        status
    }

    fn perform(&self, def: &ActionDef, frame: &Frame<'_>) -> Outcome {
        let ctx = self.ctx(frame);
        match &def.kind {
            Kind::If { condition, then, otherwise } => {
                let result = match condition.eval(&self.engine, &ctx) {
                    Ok(b) => b,
                    Err(e) => return template_error(def, "/expression", &e),
                };
                let (taken, other) = if result { (then, otherwise) } else { (otherwise, then) };
                self.skip_container(
                    other,
                    frame,
                    "ActionBranchingConditionNotSatisfied",
                    &format!("The execution of template action was skipped: the branching condition of '{}' for this action is not satisfied.", def.name),
                );
                let status = self.run_container(taken, frame);
                self.store_result(def, frame, self.first_level_result(&[then, otherwise], frame));
                let mut i = Object::new();
                i.insert("expressionResult", Value::Bool(result));
                Outcome::container(status).with_inputs(Value::Object(i))
            }
            Kind::Switch { expression, cases, default } => {
                let value = match expression.render(&ctx) {
                    Ok(v) => v,
                    Err(e) => return template_error(def, "/expression", &e),
                };
                let mut chosen = None;
                for (i, case) in cases.iter().enumerate() {
                    match self.engine.call("equals", &[value.clone(), case.value.clone()], &ctx) {
                        Ok(Value::Bool(true)) => {
                            chosen = Some(i);
                            break;
                        }
                        Ok(_) => {}
                        Err(e) => return template_error(def, "/expression", &e),
                    }
                }
                let message = format!(
                    "The execution of template action was skipped: the switch '{}' took another case.",
                    def.name
                );
                for (i, case) in cases.iter().enumerate() {
                    if Some(i) != chosen {
                        self.skip_container(
                            &case.body,
                            frame,
                            "ActionBranchingConditionNotSatisfied",
                            &message,
                        );
                    }
                }
                let (body, case_name) = match chosen {
                    Some(i) => (&cases[i].body, cases[i].name.to_string()),
                    None => (default, "default".to_string()),
                };
                if chosen.is_some() {
                    self.skip_container(default, frame, "ActionBranchingConditionNotSatisfied", &message);
                }
                let status = self.run_container(body, frame);
                let all: Vec<&Container> = def.kind.children();
                self.store_result(def, frame, self.first_level_result(&all, frame));
                let mut i = Object::new();
                i.insert("expression", value);
                i.insert("case", Value::from(case_name));
                Outcome::container(status).with_inputs(Value::Object(i))
            }
            Kind::Scope { body } => {
                let status = self.run_container(body, frame);
                self.store_result(def, frame, self.first_level_result(&[body], frame));
                Outcome::container(status)
            }
            Kind::Foreach { items, body, repetitions } => self.foreach(def, frame, items, body, *repetitions),
            Kind::Until { condition, count, timeout, body, fail_on_limit } => {
                self.until(def, frame, condition, count, timeout, body, *fail_on_limit)
            }
            Kind::Terminate => actions::terminate(self, def, &ctx),
            Kind::Wait => actions::wait(self, def, &ctx),
            // A mock by name still answers for it, as before the runner performed these.
            Kind::Expression { operation } if self.mocks.for_action(&def.name).is_none() => {
                super::expression::perform(self, def, operation, &ctx)
            }
            Kind::Http { .. } | Kind::Unsupported | Kind::Expression { .. } => {
                super::http::perform(self, def, &ctx)
            }
            _ => actions::perform(self, def, &ctx, frame),
        }
    }

    /// `result()` of a Scope or branch: the records of its first-level actions.
    fn first_level_result(&self, containers: &[&Container], frame: &Frame<'_>) -> Value {
        let ctx = self.ctx(frame);
        let mut out = Vec::new();
        for c in containers {
            for a in &c.actions {
                if let Some(r) = ctx.action(&a.name) {
                    out.push(r);
                }
            }
        }
        Value::array(out)
    }

    fn foreach(
        &self,
        def: &ActionDef,
        frame: &Frame<'_>,
        items: &crate::template::Document,
        body: &Container,
        repetitions: usize,
    ) -> Outcome {
        let ctx = self.ctx(frame);
        let value = match items.render(&ctx) {
            Ok(v) => v,
            Err(e) => return template_error(def, "/foreach", &e),
        };
        let Value::Array(list) = value else {
            let source = def.raw.member("foreach").map(|f| f.to_text()).unwrap_or_default();
            return Outcome::failed(
                "InvalidTemplate",
                format!(
                    "The execution of template action '{}' failed: the result of the evaluation of 'foreach' expression '{source}' is of type '{}'. The result must be a valid array.",
                    def.name,
                    value.value_type()
                ),
            );
        };
        if list.len() > limits::MAX_FOREACH_ITEMS {
            return Outcome::failed(
                "ForeachItemsLimitExceeded",
                format!(
                    "The 'foreach' of action '{}' has {} items; the limit is {} items.",
                    def.name,
                    list.len(),
                    limits::MAX_FOREACH_ITEMS
                ),
            );
        }
        // A Foreach nested in another always runs one iteration at a time.
        let workers = if def.inside_foreach { 1 } else { repetitions.max(1) }.min(list.len().max(1));
        let done = Arc::new(AtomicUsize::new(0));
        self.progress.lock().unwrap_or_else(PoisonError::into_inner).push(LoopProgress {
            name: def.name.clone(),
            done: Arc::clone(&done),
            total: list.len(),
        });
        let acc = LoopResults::new(body);
        let failed = AtomicBool::new(false);
        let next = AtomicUsize::new(0);
        let iterate = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= list.len() || self.cancelled() {
                break;
            }
            let iteration = Frame::iteration(frame, &def.name, Some(list[i].clone()), i as i64);
            let st = self.run_container(body, &iteration);
            if st.is_failure() {
                failed.store(true, Ordering::Relaxed);
            }
            acc.collect(&iteration);
            done.fetch_add(1, Ordering::Relaxed);
        };
        if workers <= 1 {
            iterate();
        } else {
            std::thread::scope(|s| {
                for w in 0..workers {
                    let spawned = std::thread::Builder::new()
                        .name(format!("{} #{w}", def.name))
                        .stack_size(8 << 20)
                        .spawn_scoped(s, iterate);
                    if spawned.is_err() {
                        // No more threads: this thread does the rest itself.
                        iterate();
                        break;
                    }
                }
            });
        }
        self.progress.lock().unwrap_or_else(PoisonError::into_inner).retain(|p| !Arc::ptr_eq(&p.done, &done));
        let finished = done.load(Ordering::Relaxed);
        self.store_result(def, frame, acc.into_value());
        let cancelled = self.cancelled() && finished < list.len();
        let mut outcome = if cancelled {
            let mut o = Outcome::failed("Cancelled", "The run was terminated while the loop was running.");
            o.status = Status::Cancelled;
            o
        } else {
            Outcome::container(if failed.load(Ordering::Relaxed) {
                Status::Failed
            } else {
                Status::Succeeded
            })
        };
        outcome.extra.push(("iterationCount", Value::from(finished)));
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    fn until(
        &self,
        def: &ActionDef,
        frame: &Frame<'_>,
        condition: &super::condition::Condition,
        count: &crate::template::Document,
        timeout: &crate::template::Document,
        body: &Container,
        fail_on_limit: bool,
    ) -> Outcome {
        let ctx = self.ctx(frame);
        let count = match count.render(&ctx) {
            Ok(Value::Int(n)) if (limits::UNTIL_COUNT.0..=limits::UNTIL_COUNT.1).contains(&n) => n,
            Ok(v) => {
                return Outcome::failed(
                    "InvalidTemplate",
                    format!(
                        "The Until count of action '{}' must be an integer from 1 to 5000, not {v}.",
                        def.name
                    ),
                )
            }
            Err(e) => return template_error(def, "/limit/count", &e),
        };
        let timeout = match timeout.render(&ctx) {
            Ok(Value::String(t)) => match parse_duration(&t) {
                Ok(d) => d,
                Err(e) => return Outcome::failed("InvalidTemplate", e.message().to_string()),
            },
            Ok(v) => {
                return Outcome::failed(
                    "InvalidTemplate",
                    format!("The Until timeout must be an ISO 8601 duration, not {v}."),
                )
            }
            Err(e) => return template_error(def, "/limit/timeout", &e),
        };
        let started = self.clock.now();
        let acc = LoopResults::new(body);
        let done = Arc::new(AtomicUsize::new(0));
        self.progress.lock().unwrap_or_else(PoisonError::into_inner).push(LoopProgress {
            name: def.name.clone(),
            done: Arc::clone(&done),
            total: count as usize,
        });
        let mut last = Status::Succeeded;
        let mut index = 0i64;
        let mut limit_reached = None;
        let mut error = None;
        loop {
            if self.cancelled() {
                break;
            }
            let iteration = Frame::iteration(frame, &def.name, None, index);
            last = self.run_container(body, &iteration);
            acc.collect(&iteration);
            done.fetch_add(1, Ordering::Relaxed);
            index += 1;
            // `action()` in the condition: the Until loop itself, still running.
            let mut current = Object::with_capacity(4);
            current.insert("name", Value::String(def.name.clone()));
            current.insert("startTime", Value::from(timestamp(started)));
            current.insert("status", Value::from("Running"));
            current.insert("iterationCount", Value::Int(index));
            let current = Value::Object(current);
            let ctx = Ctx { run: self, frame: &iteration, current: Some(&current) };
            match condition.eval(&self.engine, &ctx) {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    error = Some(template_error(def, "/expression", &e));
                    break;
                }
            }
            if index >= count {
                limit_reached = Some(format!("the count limit of {count} iterations"));
                break;
            }
            let elapsed = (self.clock.now() - started).to_std().unwrap_or_default();
            if elapsed >= timeout {
                limit_reached = Some(format!(
                    "the timeout of {}",
                    def.raw
                        .member("limit")
                        .and_then(|l| l.member("timeout"))
                        .map(|t| t.to_text())
                        .unwrap_or_else(|| limits::UNTIL_DEFAULT_TIMEOUT.into())
                ));
                break;
            }
        }
        self.progress.lock().unwrap_or_else(PoisonError::into_inner).retain(|p| !Arc::ptr_eq(&p.done, &done));
        self.store_result(def, frame, acc.into_value());
        let mut outcome = if let Some(e) = error {
            e
        } else if let (Some(why), true) = (&limit_reached, fail_on_limit) {
            Outcome::failed(
                "UntilLimitReached",
                format!("The Until loop '{}' stopped at {why} before its condition was met.", def.name),
            )
        } else {
            Outcome::container(last)
        };
        outcome.extra.push(("iterationCount", Value::Int(index)));
        if let Some(why) = limit_reached {
            outcome.extra.push(("limitReached", Value::from(why)));
        }
        outcome
    }
}

/// Why an action whose predecessors have all finished may not run, if it may not.
fn unmet(def: &ActionDef, status: &[Option<Status>]) -> Option<String> {
    for dep in &def.run_after {
        let actual = match dep.index {
            Some(j) => status[j].unwrap_or(Status::Skipped),
            None => Status::Succeeded,
        };
        if !dep.statuses.contains(&actual) {
            let expected: Vec<&str> = dep.statuses.iter().map(|s| s.name()).collect();
            return Some(format!(
                "The execution of template action '{}' is skipped: the 'runAfter' condition for action '{}' is not satisfied. Expected status values '{}' and actual value '{}'.",
                def.name,
                dep.name,
                expected.join(", "),
                actual.name()
            ));
        }
    }
    None
}

/// The branch-end rule (runtime.md §3.2): a container failed when any of its branches ends
/// in a failure, where a branch that ends in a Skipped action takes the status of what that
/// action waited on. An empty container, or one whose branches all end in success or in
/// skips with nothing failed behind them, succeeded.
pub(crate) fn container_status(c: &Container, status: &[Option<Status>]) -> Status {
    let n = c.actions.len();
    let mut has_successor = vec![false; n];
    for a in &c.actions {
        for d in &a.run_after {
            if let Some(j) = d.index {
                has_successor[j] = true;
            }
        }
    }
    let mut visited = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| !has_successor[i]).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut visited[i], true) {
            continue;
        }
        match status[i].unwrap_or(Status::Skipped) {
            Status::Skipped => stack.extend(c.actions[i].run_after.iter().filter_map(|d| d.index)),
            s if s.is_failure() => return Status::Failed,
            _ => {}
        }
    }
    Status::Succeeded
}

/// The per-iteration records of a loop's first-level actions, kept for `result('Loop')`:
/// at most [`MAX_LOOP_RESULT_RECORDS`] per action, so a 100,000-item loop stays bounded.
struct LoopResults {
    names: Vec<Str>,
    kept: Mutex<Vec<(Vec<Value>, usize, bool)>>,
}

impl LoopResults {
    fn new(body: &Container) -> LoopResults {
        let names: Vec<Str> = body.actions.iter().map(|a| a.name.clone()).collect();
        let kept = Mutex::new(names.iter().map(|_| (Vec::new(), 0, false)).collect());
        LoopResults { names, kept }
    }

    fn collect(&self, iteration: &Frame<'_>) {
        let Some(local) = iteration.local.as_ref() else { return };
        let local = local.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        for (name, slot) in self.names.iter().zip(kept.iter_mut()) {
            if let Some(r) = local.records.get(&key(name)) {
                slot.1 += 1;
                let failed = r
                    .member("status")
                    .and_then(|s| s.as_str().and_then(Status::parse))
                    .is_some_and(Status::is_failure);
                slot.2 |= failed;
                if slot.0.len() < MAX_LOOP_RESULT_RECORDS {
                    slot.0.push(r.clone());
                }
            }
        }
    }

    fn into_value(self) -> Value {
        let kept = self.kept.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::new();
        for (name, (records, count, failed)) in self.names.into_iter().zip(kept) {
            if count == 0 {
                continue;
            }
            let mut o = Object::new();
            o.insert("name", Value::String(name));
            o.insert("status", Value::from(if failed { "Failed" } else { "Succeeded" }));
            o.insert("repetitionCount", Value::from(count));
            o.insert("outputs", Value::array(records));
            out.push(Value::Object(o));
        }
        Value::array(out)
    }
}
