//! Runs you can look at: one self-contained HTML page per run (`flowexpr view`,
//! `flowexpr run --html`) or per test suite (`flowexpr test --html`).
//!
//! The page is a template with its style and script inlined ([`assets`](self) under
//! `src/view/assets/`, hand-written, no network) and one JSON document, the *page data*, that
//! the script draws:
//!
//! ```text
//! {"page": "run" | "tests", "title", "generator",
//!  "flows": [{"key", "graph", "coverage" | null}],        graph: see graph.rs
//!  "runs":  [{"flow": index, "label", "record"}],          record: `flowexpr run --out`
//!  "cases": [{"file", "name", "passed", "durationMs", "failures", "notes", "run": index | null}]}
//! ```
//!
//! Records are laid out against the definition's graph when the flow is known, else against a
//! graph guessed from the record. Where a run comes from is the caller's business: a record
//! file, a service export ([`read_runs`]), a finished run or test case, or (with hosting) a
//! run store; all end as records here.

mod coverage;
mod graph;
mod import;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use coverage::{Coverage, EdgeCoverage};

use crate::error::{Error, ErrorKind, Result};
use crate::flowtest::run::CaseOutcome;
use crate::value::{Object, Value};
use crate::workflow::Workflow;

const TEMPLATE: &str = include_str!("assets/page.html");
const STYLE: &str = include_str!("assets/view.css");
const SCRIPT: &str = include_str!("assets/view.js");

/// Is this the run record of one run (what `flowexpr run --out` writes for a flow without
/// splitOn)?
fn is_record(v: &Value) -> bool {
    v.as_object().is_some() && v.member("actions").is_some_and(|a| a.as_object().is_some())
}

/// The runs a set of files holds: one run record, the array of a splitOn trigger's records,
/// or the pieces of one run exported from the service (see `import.rs`). `files` are (name,
/// JSON) pairs; messages about several files name them, one about a single file does not
/// (its caller places the message in the file).
pub fn read_runs(files: &[(String, Value)]) -> Result<Vec<Value>> {
    if let [(_, json)] = files {
        if is_record(json) {
            return Ok(vec![json.clone()]);
        }
        if let Some(list) = json.as_array() {
            if let Some(i) = list.iter().position(|r| !is_record(r)) {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!("item {i} of the array is not a run record (an object with \"actions\")"),
                )
                .with_pointer(format!("/{i}")));
            }
            if list.is_empty() {
                return Err(Error::new(ErrorKind::Definition, "the array holds no run"));
            }
            return Ok(list.to_vec());
        }
    }
    if let Some((name, _)) = files.iter().find(|(_, json)| is_record(json) || json.as_array().is_some()) {
        return Err(Error::new(
            ErrorKind::Definition,
            format!("{name} is a run record: give it alone (one record, or the array of a splitOn run)"),
        ));
    }
    Ok(vec![import::service_run(files)?])
}

/// Is this JSON a piece of a run exported from the service (the run, its actions or
/// repetitions)?
pub fn is_service_export(json: &Value) -> bool {
    import::is_service_export(json)
}

/// What a page shows of a record: the record with `Authorization` members hidden whatever
/// they hold. Records the runner writes are redacted already; this keeps a record written by
/// hand or exported elsewhere from carrying a credential onto a page.
fn page_safe(record: &Value) -> Value {
    crate::runtime::Redactor::new().redact_value(record)
}

/// The page of one run, or of the runs a splitOn trigger started.
pub struct RunPage {
    title: String,
    /// The definition's graph; `None` until one is given (then guessed from the first record).
    graph: Option<Value>,
    runs: Vec<Value>,
}

impl RunPage {
    /// A page of `runs` (at least one), laid out from the first record until a definition is
    /// given with [`RunPage::with_workflow`].
    pub fn new(runs: Vec<Value>) -> RunPage {
        // An export's display name is the name its maker knows; the workflow name otherwise.
        let workflow = runs.first().and_then(|r| r.member("workflow"));
        let title = workflow
            .as_ref()
            .and_then(|w| w.member("tags"))
            .and_then(|t| t.member("flowDisplayName"))
            .or_else(|| workflow.as_ref().and_then(|w| w.member("name")))
            .map(|n| n.to_text())
            .unwrap_or_else(|| "run".into());
        RunPage { title, graph: None, runs }
    }

    /// Lays the runs out against the definition that ran them.
    pub fn with_workflow(mut self, workflow: &Workflow) -> RunPage {
        self.graph = Some(graph::of_workflow(workflow));
        self
    }

    /// The page's title (the workflow's name by default).
    pub fn titled(mut self, title: impl Into<String>) -> RunPage {
        self.title = title.into();
        self
    }

    /// The self-contained HTML page.
    pub fn html(&self) -> String {
        let mut flow = Object::new();
        flow.insert("key", Value::from(self.title.as_str()));
        let graph = match &self.graph {
            Some(graph) => graph.clone(),
            None => self.runs.first().map(graph::of_record).unwrap_or_default(),
        };
        flow.insert("graph", graph);
        flow.insert("coverage", Value::Null);
        let count = self.runs.len();
        let runs = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                run_entry(0, if count > 1 { format!("run {} of {count}", i + 1) } else { "run".into() }, r)
            })
            .collect();
        let mut data = page_data("run", &self.title);
        data.insert("flows", Value::array(vec![Value::Object(flow)]));
        data.insert("runs", Value::array(runs));
        data.insert("cases", Value::array(Vec::new()));
        render(&self.title, &Value::Object(data))
    }
}

fn page_data(kind: &str, title: &str) -> Object {
    let mut data = Object::new();
    data.insert("page", Value::from(kind));
    data.insert("title", Value::from(title));
    data.insert("generator", Value::from(concat!("flowexpr ", env!("CARGO_PKG_VERSION"))));
    data
}

fn run_entry(flow: usize, label: String, record: &Value) -> Value {
    let mut o = Object::new();
    o.insert("flow", Value::from(flow));
    o.insert("label", Value::from(label));
    o.insert("record", page_safe(record));
    Value::Object(o)
}

/// A test report: every case with its outcome, each linking to the view of its run (in the
/// same page), and each flow's graph with the suite's coverage when it is given.
pub struct TestReport {
    title: String,
    flows: Vec<(String, Arc<Workflow>)>,
    runs: Vec<Value>,
    cases: Vec<Value>,
    coverage: BTreeMap<String, Coverage>,
}

impl TestReport {
    /// An empty report.
    pub fn new(title: impl Into<String>) -> TestReport {
        TestReport {
            title: title.into(),
            flows: Vec::new(),
            runs: Vec::new(),
            cases: Vec::new(),
            coverage: BTreeMap::new(),
        }
    }

    /// Adds a case (with its run, when the tests kept runs).
    pub fn add(&mut self, outcome: &CaseOutcome) {
        let run = outcome.run.as_ref().map(|run| {
            let flow = match self.flows.iter().position(|(_, w)| Arc::ptr_eq(w, &run.workflow)) {
                Some(i) => i,
                None => {
                    self.flows.push((run.flow.clone(), Arc::clone(&run.workflow)));
                    self.flows.len() - 1
                }
            };
            self.runs.push(run_entry(flow, outcome.name.clone(), &run.record));
            self.runs.len() - 1
        });
        let mut c = Object::new();
        c.insert("file", Value::from(outcome.file.display().to_string()));
        c.insert("name", Value::from(outcome.name.as_str()));
        c.insert("passed", Value::Bool(outcome.passed()));
        c.insert("durationMs", Value::from(outcome.duration.as_secs_f64() * 1000.0));
        let texts = |list: &[String]| Value::array(list.iter().map(|s| Value::from(s.as_str())).collect());
        c.insert("failures", texts(&outcome.failures));
        c.insert("notes", texts(&outcome.notes));
        c.insert("run", run.map_or(Value::Null, Value::from));
        self.cases.push(Value::Object(c));
    }

    /// Draws `coverage` on the graph of the flow the cases name `flow` (their
    /// [`CaseRun::flow`](crate::flowtest::run::CaseRun::flow)).
    pub fn set_coverage(&mut self, flow: &str, coverage: Coverage) {
        self.coverage.insert(flow.to_string(), coverage);
    }

    /// The self-contained HTML page.
    pub fn html(&self) -> String {
        let flows = self
            .flows
            .iter()
            .map(|(key, workflow)| {
                let mut f = Object::new();
                f.insert("key", Value::from(key.as_str()));
                f.insert("graph", graph::of_workflow(workflow));
                f.insert("coverage", self.coverage.get(key).map_or(Value::Null, Coverage::to_value));
                Value::Object(f)
            })
            .collect();
        let mut data = page_data("tests", &self.title);
        data.insert("flows", Value::array(flows));
        data.insert("runs", Value::array(self.runs.clone()));
        data.insert("cases", Value::array(self.cases.clone()));
        render(&self.title, &Value::Object(data))
    }
}

/// JSON text that is safe inside a `<script>` element: `<`, `>` and `&` only occur inside
/// JSON strings, where their `\u` escapes mean the same, so no `</script>` or `<!--` can
/// close or confuse the element; U+2028 and U+2029 are escaped for old script parsers.
fn script_json(value: &Value) -> String {
    let text = crate::value::to_json_string(value);
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills the template: title, style, data, script (in that order, each marker once).
fn render(title: &str, data: &Value) -> String {
    let mut out = String::with_capacity(TEMPLATE.len() + STYLE.len() + SCRIPT.len() + 4096);
    let mut rest = TEMPLATE;
    for (marker, fill) in [
        ("{{title}}", html_text(title)),
        ("{{style}}", STYLE.to_string()),
        ("{{data}}", script_json(data)),
        ("{{script}}", SCRIPT.to_string()),
    ] {
        // invariant: the template holds each marker once, in this order (tested below).
        let (before, after) = rest.split_once(marker).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(&fill);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_holds_each_marker_once_in_order() {
        let mut at = 0;
        for marker in ["{{title}}", "{{style}}", "{{data}}", "{{script}}"] {
            assert_eq!(TEMPLATE.matches(marker).count(), 1, "{marker}");
            let found = TEMPLATE.find(marker).unwrap_or(0);
            assert!(found >= at, "{marker} out of order");
            at = found;
        }
        for asset in [STYLE, SCRIPT] {
            assert!(!asset.to_ascii_lowercase().contains("</script"), "an asset would close its element");
            assert!(!asset.to_ascii_lowercase().contains("</style"), "an asset would close its element");
        }
        // No network: nothing the page loads comes from elsewhere.
        // (The SVG namespace is a name, not a place the page loads from.)
        for asset in [TEMPLATE, STYLE, SCRIPT] {
            let asset = asset.replace("http://www.w3.org/2000/svg", "");
            assert!(!asset.contains("http://") && !asset.contains("https://"), "an asset names a URL");
        }
    }

    #[test]
    fn data_cannot_close_its_script_element() {
        let record = crate::value::from_json_str(
            r#"{"status": "Succeeded", "actions": {"A": {"status": "Succeeded", "outputs": "</script><script>alert(1)</script><!-- & \u2028"}}}"#,
        )
        .unwrap_or_default();
        let html = RunPage::new(vec![record]).titled("<b>x</b>").html();
        let data_start = html.find("id=\"flowexpr-data\"").unwrap_or(0);
        let script_end = html[data_start..].find("</script>").map(|i| i + data_start).unwrap_or(0);
        let data = &html[data_start..script_end];
        assert!(!data.contains("<script") && !data.contains("<!--") && !data.contains('\u{2028}'), "{data}");
        assert!(data.contains("\\u003c/script\\u003e"), "{data}");
        assert!(html.contains("<title>&lt;b&gt;x&lt;/b&gt; · flowexpr</title>"), "the title is escaped");
    }

    #[test]
    fn an_exports_display_name_titles_the_page() {
        let record = |workflow: &str| {
            crate::value::from_json_str(&format!(
                r#"{{"status": "Succeeded", "actions": {{}}, "workflow": {workflow}}}"#
            ))
            .unwrap_or_default()
        };
        let shown = record(r#"{"name": "1ad90513", "tags": {"flowDisplayName": "Scheduled quote email"}}"#);
        assert!(RunPage::new(vec![shown]).html().contains("<title>Scheduled quote email · flowexpr</title>"));
        let plain = record(r#"{"name": "orders", "tags": {}}"#);
        assert!(RunPage::new(vec![plain]).html().contains("<title>orders · flowexpr</title>"));
    }

    #[test]
    fn authorization_members_of_given_records_are_hidden() {
        let record = crate::value::from_json_str(
            r#"{"actions": {"A": {"inputs": {"headers": {"Authorization": "Bearer abc.def"}}}}}"#,
        )
        .unwrap_or_default();
        let html = RunPage::new(vec![record]).html();
        assert!(!html.contains("abc.def"));
    }

    #[test]
    fn runs_are_one_record_an_array_or_service_pieces() {
        let one =
            crate::value::from_json_str(r#"{"status": "Succeeded", "actions": {}}"#).unwrap_or_default();
        assert_eq!(read_runs(&[("r.json".into(), one.clone())]).map(|r| r.len()).ok(), Some(1));
        let two = Value::array(vec![one.clone(), one.clone()]);
        assert_eq!(read_runs(&[("r.json".into(), two)]).map(|r| r.len()).ok(), Some(2));
        let bad = Value::array(vec![one.clone(), Value::from(1)]);
        let e = read_runs(&[("r.json".into(), bad)]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("item 1"), "{e}");
        let e = read_runs(&[("a.json".into(), one.clone()), ("b.json".into(), one)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("a.json is a run record"), "{e}");
    }
}
