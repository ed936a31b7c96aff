//! Running test files: each case runs the flow with its mocks on the local runner, then its
//! expectations are checked against the finished run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::assertion::{self, Outcome};
use super::file::{Case, ExpectedResult, Shape, Snapshot, TestFile};
use crate::connector::flow::Bindings;
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use crate::value::{Object, Value};
use crate::workflow::{self, FinishedRun, Mocks, RunOptions, Workflow};
use crate::{Engine, RunContext};

/// How to run tests.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only cases whose file path or name contains this text.
    pub filter: Option<String>,
    /// How many cases run at once (0: one per core).
    pub jobs: usize,
    /// Record the observed outputs as the snapshots of cases that ask for snapshots.
    pub update: bool,
    /// Keep each case's run (its record and flow) in [`CaseOutcome::run`], for reports that
    /// draw the runs (`flowexpr test --html`).
    pub keep_runs: bool,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// The test file.
    pub file: PathBuf,
    /// The case's name.
    pub name: String,
    /// How long it took.
    pub duration: Duration,
    /// What failed (empty when it passed), with the case's secrets redacted.
    pub failures: Vec<String>,
    /// What the output shows besides (how far a smoke case's run went).
    pub notes: Vec<String>,
    /// The secrets of the case's run (secure parameters, credentials, tokens): whoever
    /// prints about the case redacts with them too.
    pub secrets: crate::runtime::Redactor,
    /// The run, when [`TestOptions::keep_runs`] asked for it and the run started.
    pub run: Option<CaseRun>,
}

/// A case's run, kept for reports.
#[derive(Clone)]
pub struct CaseRun {
    /// The flow, as the test file names it (with the flow's name when the file or folder
    /// holds several): the key a coverage overlay of the report is given under.
    pub flow: String,
    /// The flow that ran.
    pub workflow: Arc<Workflow>,
    /// The run record (secrets redacted).
    pub record: Value,
}

impl std::fmt::Debug for CaseRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseRun").field("flow", &self.flow).finish_non_exhaustive()
    }
}

impl CaseOutcome {
    /// Did every expectation hold?
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Finds the test files (`*.flowtest.json`) among `paths`: files as given, folders searched
/// recursively (skipping hidden folders and `target`), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found, 0)?;
        } else if path.is_file() {
            found.push(path.clone());
        } else {
            return Err(Error::new(ErrorKind::Io, format!("{} does not exist", path.display())));
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read the folder {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, found, depth + 1)?;
            }
        } else if name.ends_with(".flowtest.json") {
            found.push(path);
        }
    }
    Ok(())
}

/// The snapshot file of a test file: `x.flowtest.json` → `x.flowtest.snap.json`.
pub fn snapshot_path(test_file: &Path) -> PathBuf {
    let name = test_file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    test_file.with_file_name(format!("{stem}.snap.json"))
}

/// A transport that sends nothing: in a test, every request must be answered by a mock.
pub(super) struct NoNetwork;

impl Transport for NoNetwork {
    fn send(&self, request: &HttpRequest, _: Duration) -> std::result::Result<HttpResponse, TransportError> {
        Err(TransportError::new(
            TransportErrorKind::InvalidRequest,
            format!(
                "no mock answers {} {}; tests never use the network: add a mock by action name or by method and URL",
                request.method, request.url
            ),
        ))
    }
}

/// What [`run_files_with`] reports while it runs.
#[derive(Debug)]
pub enum TestEvent<'a> {
    /// The files are loaded: this many cases will run (after the filter).
    Planned {
        /// The number of cases.
        cases: usize,
    },
    /// A case finished (or a file could not be loaded), in the order they finish.
    Finished(&'a CaseOutcome),
}

/// Runs test files and returns every case's outcome, in file and case order. A file that
/// cannot be read or whose flow cannot be loaded gives one failing outcome naming the
/// problem.
pub fn run_files(paths: &[PathBuf], options: &TestOptions) -> Vec<CaseOutcome> {
    run_files_with(paths, options, &|_| {})
}

/// Like [`run_files`], telling `report` of each case as it finishes, from the worker that
/// ran it (so a reporter can stream results while the other cases still run).
pub fn run_files_with(
    paths: &[PathBuf],
    options: &TestOptions,
    report: &(dyn Fn(TestEvent<'_>) + Sync),
) -> Vec<CaseOutcome> {
    struct Job {
        file: usize,
        flow: usize,
        case: usize,
    }
    let mut loaded: Vec<(TestFile, Vec<FlowUnderTest>, Option<Arc<Bindings>>)> = Vec::new();
    let mut outcomes: Vec<CaseOutcome> = Vec::new();
    for path in paths {
        let result = TestFile::load(path).and_then(|file| {
            let (flows, bindings) = flows_under_test(&file)?;
            Ok((file, flows, bindings))
        });
        match result {
            Ok(pair) => loaded.push(pair),
            Err(e) => outcomes.push(CaseOutcome {
                file: path.clone(),
                name: "(the test file)".into(),
                duration: Duration::ZERO,
                failures: vec![format!("{e:#}")],
                secrets: crate::runtime::Redactor::new(),
                notes: Vec::new(),
                run: None,
            }),
        }
    }
    let jobs: Vec<Job> = loaded
        .iter()
        .enumerate()
        .flat_map(|(f, (file, flows, _))| {
            (0..flows.len()).flat_map(move |w| {
                file.cases
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| selected(options, &file.path, &c.name))
                    .map(move |(c, _)| Job { file: f, flow: w, case: c })
            })
        })
        .collect();
    report(TestEvent::Planned { cases: jobs.len() + outcomes.len() });
    for outcome in &outcomes {
        report(TestEvent::Finished(outcome));
    }
    let snapshots: Vec<Mutex<BTreeMap<String, Value>>> =
        loaded.iter().map(|(file, _, _)| Mutex::new(read_snapshots(&snapshot_path(&file.path)))).collect();
    let results: Vec<Mutex<Option<CaseOutcome>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = match options.jobs {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let (file, flows, bindings) = &loaded[job.file];
                let case = &file.cases[job.case];
                let flow = &flows[job.flow];
                let mut outcome = run_case(file, flow, bindings, case, &snapshots[job.file], options);
                if flows.len() > 1 {
                    outcome.name = format!("{} › {}", flow.label, outcome.name);
                }
                report(TestEvent::Finished(&outcome));
                *results[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
            });
        }
    });
    if options.update {
        for ((file, _, _), snaps) in loaded.iter().zip(&snapshots) {
            let snaps = snaps.lock().unwrap_or_else(PoisonError::into_inner);
            if !snaps.is_empty() {
                if let Err(e) = write_snapshots(&snapshot_path(&file.path), &snaps) {
                    let outcome = CaseOutcome {
                        file: file.path.clone(),
                        name: "(snapshots)".into(),
                        duration: Duration::ZERO,
                        failures: vec![e.to_string()],
                        notes: Vec::new(),
                        secrets: crate::runtime::Redactor::new(),
                        run: None,
                    };
                    report(TestEvent::Finished(&outcome));
                    outcomes.push(outcome);
                }
            }
        }
    }
    outcomes
        .extend(results.into_iter().filter_map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner)));
    outcomes
}

/// One flow a test file's cases run against: compiled, with what its export supplies.
struct FlowUnderTest {
    label: String,
    /// The flow as the test file names it, for [`CaseRun::flow`].
    key: String,
    name: String,
    workflow: Arc<Workflow>,
    export: crate::project::run::Environment,
}

/// The flows of a test file's `flow` (the one `workflow` names, or every flow it holds), and
/// its connections file read against the export (which may ship the connectors).
fn flows_under_test(file: &TestFile) -> Result<(Vec<FlowUnderTest>, Option<Arc<Bindings>>)> {
    let cannot = |e: Error| {
        Error::new(ErrorKind::Definition, format!("the flow {} cannot be loaded: {e}", file.flow.display()))
    };
    let project = crate::project::load(&file.flow).map_err(cannot)?;
    let bindings = match &file.connections {
        None => None,
        Some(c) => Some(Arc::new(crate::project::load_connections(&project, c).map_err(|e| {
            Error::new(
                ErrorKind::Definition,
                format!("the connections {} cannot be loaded: {e}", c.display()),
            )
        })?)),
    };
    let chosen: Vec<&crate::project::Flow> = match &file.workflow {
        Some(name) => vec![project.flow(Some(name)).map_err(cannot)?],
        None => project.flows.iter().collect(),
    };
    let several = chosen.len() > 1;
    let flows = chosen
        .into_iter()
        .map(|flow| {
            let key = if several {
                format!("{} › {}", file.flow.display(), flow.label())
            } else {
                file.flow.display().to_string()
            };
            let workflow = flow.workflow().map_err(|e| {
                Error::new(ErrorKind::Definition, format!("the flow {} cannot be loaded: {e}", flow.file))
            })?;
            Ok(FlowUnderTest {
                label: flow.label(),
                key,
                name: flow.name.clone(),
                workflow: Arc::new(workflow),
                export: crate::project::run::Environment::new(&project, flow),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((flows, bindings))
}

fn selected(options: &TestOptions, path: &Path, name: &str) -> bool {
    options.filter.as_deref().is_none_or(|f| name.contains(f) || path.to_string_lossy().contains(f))
}

fn read_snapshots(path: &Path) -> BTreeMap<String, Value> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| crate::value::from_json_str(&t).ok())
        .and_then(|v| v.as_object().cloned())
        .map(|o| o.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
        .unwrap_or_default()
}

fn write_snapshots(path: &Path, snaps: &BTreeMap<String, Value>) -> Result<()> {
    let object: Object = snaps.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    // The outputs come from redacted run records; the sink redacts once more on the way out.
    crate::runtime::Output::default()
        .write_json_file(path, &Value::Object(object))
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the snapshots {}: {e}", path.display())))
}

/// Merges a case's mocks over the file's: action mocks by name (the case's win), URL mocks
/// with the case's first, the trigger mock from the case if it has one.
fn merge_mocks(file: &Object, case: &Object) -> Object {
    let mut merged = file.clone();
    for (key, value) in case {
        match (&**key, merged.get(key), value) {
            ("actions", Some(Value::Object(base)), Value::Object(over)) => {
                let mut actions = base.clone();
                for (name, mock) in over {
                    actions.insert(name.clone(), mock.clone());
                }
                merged.insert("actions", Value::Object(actions));
            }
            ("http", Some(Value::Array(base)), Value::Array(over)) => {
                let mut list: Vec<Value> = over.to_vec();
                list.extend(base.iter().cloned());
                merged.insert("http", Value::array(list));
            }
            _ => merged.insert(key.clone(), value.clone()),
        }
    }
    merged
}

fn run_case(
    file: &TestFile,
    flow: &FlowUnderTest,
    bindings: &Option<Arc<Bindings>>,
    case: &Case,
    snapshots: &Mutex<BTreeMap<String, Value>>,
    options: &TestOptions,
) -> CaseOutcome {
    let started = Instant::now();
    // The export's secrets and the values given for secure parameters, for an error before
    // the run starts.
    let mut secrets = flow.export.secrets.clone();
    for name in flow.workflow.secure_parameter_names() {
        for given in [case.parameters.get_ci(name), file.parameters.get_ci(name)].into_iter().flatten() {
            secrets.add_value(given);
        }
    }
    let mut run = None;
    let failures = match execute(file, flow, bindings, case) {
        Err(e) => vec![format!("the run could not start: {e}")],
        Ok(finished) => {
            secrets.merge(&finished.secrets);
            if options.keep_runs {
                run = Some(CaseRun {
                    flow: flow.key.clone(),
                    workflow: Arc::clone(&flow.workflow),
                    record: finished.record.clone(),
                });
            }
            let mut failures = check(case, &finished);
            failures.extend(check_snapshot(case, &finished, snapshots, options.update));
            if !failures.is_empty() {
                failures.extend(failed_actions(&finished));
                if let Some(e) = &finished.error {
                    failures.push(format!("run error: {}", crate::value::to_json_string(e)));
                }
            }
            failures
        }
    };
    let failures = failures.iter().map(|f| secrets.redact_text(f)).collect();
    CaseOutcome {
        file: file.path.clone(),
        name: case.name.clone(),
        duration: started.elapsed(),
        failures,
        notes: Vec::new(),
        secrets,
        run,
    }
}

fn execute(
    file: &TestFile,
    flow: &FlowUnderTest,
    bindings: &Option<Arc<Bindings>>,
    case: &Case,
) -> Result<FinishedRun> {
    let mut parameters = file.parameters.clone();
    for (k, v) in &case.parameters {
        parameters.insert(k.clone(), v.clone());
    }
    let mocks = Mocks::from_value(&Value::Object(merge_mocks(&file.mocks, &case.mocks))).map_err(|e| {
        let message = format!("the mocks of '{}' are not valid: {}", case.name, e.message());
        e.with_message(message)
    })?;
    let options = RunOptions {
        parameters,
        trigger_body: case.trigger_body.clone(),
        trigger_headers: case.trigger_headers.clone(),
        trigger_queries: case.trigger_queries.clone(),
        mocks,
        clock: case.clock.or(file.clock),
        time_scale: file.time_scale,
        workflow_name: flow.name.clone(),
        transport: Some(Arc::new(NoNetwork)),
        connections: bindings.clone(),
        export: flow.export.clone(),
        stub_unmocked: file.stub_unmocked,
        ..RunOptions::default()
    };
    workflow::run(&flow.workflow, options)
}

/// The record of an action, found as the service finds names (exactly, then without regard
/// to case, spaces as `_`).
fn record(finished: &FinishedRun, name: &str) -> Option<Value> {
    let actions = finished.record.member("actions")?;
    actions.member(name).or_else(|| actions.member(&name.replace(' ', "_")))
}

/// `Try › Get_Transactions`: the action and the containers it sits in.
fn path_of(finished: &FinishedRun, name: &str) -> String {
    let mut parts = vec![name.to_string()];
    let mut current = name.to_string();
    while let Some(parent) = record(finished, &current)
        .and_then(|r| r.member("parent"))
        .and_then(|p| p.as_str().map(str::to_string))
    {
        if parts.len() > 16 || parts.contains(&parent) {
            break;
        }
        parts.push(parent.clone());
        current = parent;
    }
    parts.reverse();
    parts.join(" › ")
}

/// The actions that failed on their own (not containers failing because of a child), with
/// their path, code and message: where to look first when a case fails.
pub(super) fn failed_actions(finished: &FinishedRun) -> Vec<String> {
    let Some(actions) = finished.record.member("actions").and_then(|a| a.as_object().cloned()) else {
        return Vec::new();
    };
    actions
        .iter()
        .filter(|(_, r)| {
            matches!(text_member(r, "status").as_deref(), Some("Failed" | "TimedOut"))
                && text_member(r, "code").as_deref() != Some("ActionFailed")
        })
        .take(5)
        .map(|(name, r)| {
            let code = text_member(r, "code").unwrap_or_default();
            let message = r.member("error").and_then(|e| text_member(&e, "message")).unwrap_or_default();
            format!("failed action {} ({code}): {message}", path_of(finished, name))
        })
        .collect()
}

fn text_member(v: &Value, key: &str) -> Option<String> {
    v.member(key).and_then(|s| s.as_str().map(str::to_string))
}

fn count_member(v: &Value, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| v.member(k).and_then(|n| n.as_i64())).map(|n| n.max(0) as u64)
}

/// Requests an action sent: its attempts of kind `request` (the first try and the
/// retries; token requests, polls and later pages are not counted).
fn attempts_of(v: &Value) -> u64 {
    v.member("attempts")
        .and_then(|a| {
            a.as_array().map(|items| {
                items.iter().filter(|i| text_member(i, "kind").as_deref() == Some("request")).count() as u64
            })
        })
        .unwrap_or(0)
}

fn check(case: &Case, finished: &FinishedRun) -> Vec<String> {
    let mut failures = Vec::new();
    let expect = &case.expect;
    if let Some(status) = &expect.status {
        if !status.eq_ignore_ascii_case(finished.status.name()) {
            failures.push(format!("run status: expected {status}, was {}", finished.status.name()));
        }
    }
    for (name, want) in &expect.actions {
        let Some(r) = record(finished, name) else {
            failures.push(format!("{name}: no such action ran in this flow"));
            continue;
        };
        let path = path_of(finished, name);
        let status = text_member(&r, "status").unwrap_or_default();
        let code = text_member(&r, "code").unwrap_or_default();
        if let Some(s) = &want.status {
            if !s.eq_ignore_ascii_case(&status) {
                failures.push(format!("{path}: status expected {s}, was {status} (code {code})"));
            }
        }
        if let Some(c) = &want.code {
            if !c.eq_ignore_ascii_case(&code) {
                failures.push(format!("{path}: code expected {c}, was {code} (status {status})"));
            }
        }
        if let Some(n) = want.attempts {
            let got = attempts_of(&r);
            if got != n {
                failures.push(format!("{path}: attempts expected {n}, was {got}"));
            }
        }
        if let Some(n) = want.repetitions {
            let got = count_member(&r, &["repetitionCount", "iterationCount"]).unwrap_or(0);
            if got != n {
                failures.push(format!("{path}: repetitions expected {n}, was {got}"));
            }
        }
    }
    if !expect.asserts.is_empty() {
        match RunContext::from_value(&finished.record) {
            Err(e) => failures.push(format!("the run record cannot be read for assertions: {e}")),
            Ok(ctx) => {
                let engine = Engine::new();
                for a in &expect.asserts {
                    if let Outcome::Failed(why) = assertion::check(&engine, a, &ctx) {
                        failures.push(format!("assert {why}"));
                    }
                }
            }
        }
    }
    if let Some((action, result)) = &expect.result {
        failures.extend(check_result(finished, action, result));
    }
    failures
}

/// The array a success expectation describes: the body if it is an array, else its `value`
/// (the OData convention), else its only array-valued member.
fn result_array(body: &Value) -> Option<usize> {
    if let Value::Array(a) = body {
        return Some(a.len());
    }
    let o = body.as_object()?;
    if let Some(Value::Array(a)) = o.get_ci("value") {
        return Some(a.len());
    }
    let arrays: Vec<usize> = o.values().filter_map(|v| v.as_array().map(<[Value]>::len)).collect();
    match arrays.as_slice() {
        [n] => Some(*n),
        _ => None,
    }
}

fn check_result(finished: &FinishedRun, action: &str, result: &ExpectedResult) -> Vec<String> {
    let Some(r) = record(finished, action) else {
        return vec![format!("{action}: no such action ran in this flow")];
    };
    let path = path_of(finished, action);
    let outputs = r.member("outputs").unwrap_or_default();
    let Some(code) = outputs.member("statusCode").and_then(|c| c.as_i64()) else {
        let status = text_member(&r, "status").unwrap_or_default();
        return vec![format!("{path}: no HTTP status code in its outputs (status {status})")];
    };
    let body = outputs.member("body").unwrap_or_default();
    match result {
        ExpectedResult::Status(want) if i64::from(*want) != code => {
            vec![format!("{path}: expected status code {want}, was {code}")]
        }
        ExpectedResult::Status(_) => Vec::new(),
        ExpectedResult::Success(_) if !(200..300).contains(&code) => {
            vec![format!("{path}: expected a success (2xx), was {code}: {}", short(&body))]
        }
        ExpectedResult::Success(shape) => {
            let problem = match (shape, result_array(&body)) {
                (Shape::Any, _) => None,
                (Shape::Array, Some(n)) if n > 0 => None,
                (Shape::Array, Some(_)) => Some("a non-empty array, was an empty array"),
                (Shape::EmptyArray, Some(0)) => None,
                (Shape::EmptyArray, Some(_)) => Some("an empty array, was a non-empty array"),
                (Shape::Array | Shape::EmptyArray, None) => Some("an array in the body"),
                (Shape::Object, _) if body.as_object().is_some() => None,
                (Shape::Object, _) => Some("an object"),
            };
            problem.map(|p| vec![format!("{path}: expected {p}: {}", short(&body))]).unwrap_or_default()
        }
    }
}

fn check_snapshot(
    case: &Case,
    finished: &FinishedRun,
    snapshots: &Mutex<BTreeMap<String, Value>>,
    update: bool,
) -> Vec<String> {
    let names: Vec<String> = match &case.expect.snapshot {
        Snapshot::None => return Vec::new(),
        Snapshot::Actions(list) => list.clone(),
        Snapshot::All => finished
            .record
            .member("actions")
            .and_then(|a| {
                a.as_object().map(|o| {
                    o.iter()
                        .filter(|(_, r)| r.member("outputs").is_some())
                        .map(|(k, _)| k.to_string())
                        .collect()
                })
            })
            .unwrap_or_default(),
    };
    let mut observed = Object::new();
    for name in &names {
        observed.insert(
            name.as_str(),
            record(finished, name).and_then(|r| r.member("outputs")).unwrap_or_default(),
        );
    }
    let mut snaps = snapshots.lock().unwrap_or_else(PoisonError::into_inner);
    if update {
        snaps.insert(case.name.clone(), Value::Object(observed));
        return Vec::new();
    }
    let Some(stored) = snaps.get(&case.name) else {
        return vec![
            "no snapshot is recorded for this case: run `flowexpr test --update` to record one".into()
        ];
    };
    let mut failures = Vec::new();
    for (name, got) in &observed {
        match stored.member(name) {
            None => failures.push(format!(
                "{}: no snapshot is recorded for its outputs (run with --update)",
                path_of(finished, name)
            )),
            Some(want) if want != *got => failures.push(format!(
                "{}: outputs differ from the snapshot:\n        expected {}\n        was      {}",
                path_of(finished, name),
                short(&want),
                short(got)
            )),
            Some(_) => {}
        }
    }
    failures
}

fn short(v: &Value) -> String {
    let text = crate::value::to_json_string(v);
    if text.chars().count() > 300 {
        format!("{}...", text.chars().take(297).collect::<String>())
    } else {
        text
    }
}
