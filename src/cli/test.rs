//! `flowexpr test`: run flow test files (and the smoke cases of exports no test names),
//! printing each case as it finishes.
//!
//! Text (the default) prints `ok` / `FAIL` lines as cases finish, with a progress line on a
//! terminal; `--format json` prints one JSON object per case as it finishes and a summary
//! object last (JSON Lines, for scripts and CI annotations).

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::Failure;
use crate::flowtest::junit::{self, CaseResult, SuiteResult};
use crate::flowtest::run::{run_files_with, CaseOutcome, TestEvent, TestOptions};
use crate::flowtest::smoke;
use crate::runtime::{Output, Stream};
use crate::value::{Object, Value};

/// Arguments of `flowexpr test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Test files (`*.flowtest.json`) or folders to search; the current folder when none. An
    /// export or project runs the test files that name it, else one smoke case per flow.
    paths: Vec<PathBuf>,
    /// Run only the cases whose name or file path contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// How many cases run at once (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Write a JUnit XML report to this file; `-` writes it to standard output (and the
    /// results to standard error).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Record the observed action outputs as the snapshots of cases that ask for them.
    #[arg(long)]
    update: bool,
    /// Write a self-contained HTML report to this file: every case, each with the view of
    /// its run; `-` for standard output.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
    /// How results are printed: text lines, or one JSON object per case (JSON Lines).
    #[arg(long, value_enum, default_value = "text")]
    format: TestFormat,
}

/// How `test` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TestFormat {
    /// `ok` / `FAIL` lines and a summary.
    Text,
    /// One JSON object per case as it finishes, then `{"type": "summary", ...}`.
    Json,
}

pub(super) fn run(args: TestArgs, out: &Output) -> Result<(), Failure> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    if paths.iter().any(|p| super::input::is_stdin(p)) {
        return Err(Failure::Usage(
            "`flowexpr test` reads test files, folders and exports: a test file names its flow and \
             snapshots relative to itself, so it cannot come from standard input"
                .into(),
        ));
    }
    let plan = smoke::plan(&paths).map_err(|e| Failure::Usage(e.message().to_string()))?;
    if plan.files.is_empty() && plan.smoke.is_empty() {
        return Err(Failure::Usage("no test files (*.flowtest.json) found".into()));
    }
    let started = Instant::now();
    let junit_to_stdout = args.junit.as_deref().is_some_and(super::input::is_stdin);
    let html_to_stdout = args.html.as_deref().is_some_and(super::input::is_stdin);
    if junit_to_stdout && html_to_stdout {
        return Err(Failure::Usage("--junit - and --html - cannot both take standard output".into()));
    }
    let stream = if junit_to_stdout || html_to_stdout { Stream::Stderr } else { Stream::Stdout };
    let terminal = out.is_terminal(stream);
    let reporter = Reporter {
        format: args.format,
        out,
        stream,
        color: out.color(stream),
        progress: terminal && args.format == TestFormat::Text,
        state: Mutex::new(Progress::default()),
    };
    let options = TestOptions {
        filter: args.filter,
        jobs: args.jobs,
        update: args.update,
        keep_runs: args.html.is_some(),
    };
    let report = |event: TestEvent<'_>| reporter.event(event);
    let mut outcomes = run_files_with(&plan.files, &options, &report);
    for export in &plan.smoke {
        outcomes.extend(smoke::smoke_cases_with(export, &options, &report));
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let files = plan.files.len() + plan.smoke.len();
    let note = (!plan.smoke.is_empty()).then(|| smoke::hint(&plan.smoke));
    reporter.summary(outcomes.len(), failed, files, started.elapsed().as_secs_f64(), note.as_deref())?;
    if let Some(path) = &args.junit {
        super::input::write_output(out, path, &junit::write(&suites(&outcomes)), "JUnit report")?;
    }
    if let Some(path) = &args.html {
        let mut report = crate::view::TestReport::new(report_title(&paths));
        outcomes.iter().for_each(|o| report.add(o));
        super::view::write_page(out, path, &report.html(), "test report")?;
    }
    if failed > 0 {
        Err(Failure::Failed(format!("{failed} test case{} failed", plural(failed))))
    } else {
        Ok(())
    }
}

/// The report's title: what was tested.
fn report_title(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!("flowexpr test {}", names.join(" "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[derive(Default)]
struct Progress {
    planned: usize,
    done: usize,
    failed: usize,
    /// The first failed write (a full disk): the run goes on, and the command fails at the
    /// end instead of reporting success over lost results.
    write_error: Option<std::io::Error>,
}

/// Prints each case as it finishes. Workers call it concurrently; the lock keeps lines whole
/// and the counts right.
struct Reporter<'o> {
    format: TestFormat,
    /// Where every line goes, redacted with the secrets each case's run learned.
    out: &'o Output,
    /// Standard output, or standard error when the JUnit report takes standard output.
    stream: Stream,
    color: bool,
    /// Keep a `[done/planned]` line at the bottom (text on a terminal only).
    progress: bool,
    state: Mutex<Progress>,
}

/// Erases the progress line.
const CLEAR_LINE: &str = "\r\x1b[K";

impl Reporter<'_> {
    fn event(&self, event: TestEvent<'_>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::new();
        match event {
            // Test files plan their cases at once; each export's smoke cases once it loaded.
            TestEvent::Planned { cases } => state.planned += cases,
            TestEvent::Finished(outcome) => {
                // What the case's run knew is secret for every line from now on.
                self.out.learn(&outcome.secrets);
                state.done += 1;
                state.failed += usize::from(!outcome.passed());
                if self.progress {
                    text.push_str(CLEAR_LINE);
                }
                match self.format {
                    TestFormat::Text => text.push_str(&line(outcome, self.color)),
                    TestFormat::Json => {
                        text.push_str(&crate::value::to_json_string(&case_json(outcome)));
                        text.push('\n');
                    }
                }
            }
        }
        if self.progress {
            text.push_str(&format!(
                "{}[{}/{}] running{}",
                if text.is_empty() { CLEAR_LINE } else { "" },
                state.done,
                state.planned,
                if state.failed > 0 { format!(" {} failed", state.failed) } else { String::new() }
            ));
        }
        if let Err(e) = self.out.write(self.stream, &text) {
            state.write_error.get_or_insert(e);
        }
    }

    /// The last lines: the counts, and `note` (what smoke cases are, when some ran).
    fn summary(
        &self,
        cases: usize,
        failed: usize,
        files: usize,
        seconds: f64,
        note: Option<&str>,
    ) -> Result<(), Failure> {
        let mut text = String::from(if self.progress { CLEAR_LINE } else { "" });
        match self.format {
            TestFormat::Text => text.push_str(&format!(
                "\n{} passed, {failed} failed ({cases} case{} in {files} file{}, {seconds:.2} s)\n",
                cases - failed,
                plural(cases),
                plural(files),
            )),
            TestFormat::Json => {
                let mut o = Object::new();
                o.insert("type", Value::from("summary"));
                o.insert("passed", Value::from(cases - failed));
                o.insert("failed", Value::from(failed));
                o.insert("cases", Value::from(cases));
                o.insert("files", Value::from(files));
                o.insert("seconds", Value::from(seconds));
                if let Some(note) = note {
                    let note = note.trim();
                    o.insert("note", Value::from(note.strip_prefix("note: ").unwrap_or(note)));
                }
                text.push_str(&crate::value::to_json_string(&Value::Object(o)));
                text.push('\n');
            }
        }
        if let (TestFormat::Text, Some(note)) = (self.format, note) {
            text.push_str(note);
        }
        let earlier = self.state.lock().unwrap_or_else(PoisonError::into_inner).write_error.take();
        match earlier.map_or_else(|| self.out.write(self.stream, &text), Err) {
            Ok(()) => Ok(()),
            Err(e) => Err(Failure::Usage(format!("cannot write the test results: {e}"))),
        }
    }
}

fn line(o: &CaseOutcome, color: bool) -> String {
    let (mark, paint) = if o.passed() { ("ok  ", "32") } else { ("FAIL", "31") };
    let mark = if color { format!("\x1b[{paint}m{mark}\x1b[0m") } else { mark.to_string() };
    let mut s = format!("{mark}  {} › {}  ({} ms)\n", o.file.display(), o.name, o.duration.as_millis());
    for (mark, text) in o.failures.iter().map(|f| ("- ", f)).chain(o.notes.iter().map(|n| ("· ", n))) {
        for (i, l) in text.lines().enumerate() {
            s.push_str(if i == 0 { "      " } else { "        " });
            s.push_str(if i == 0 { mark } else { "" });
            s.push_str(l);
            s.push('\n');
        }
    }
    s
}

/// One case as JSON: `{"type": "case", "file", "name", "status": "passed"|"failed",
/// "duration_ms", "failures": [...], "notes": [...]}` (notes: how far a smoke case's run went).
fn case_json(o: &CaseOutcome) -> Value {
    let mut out = Object::new();
    out.insert("type", Value::from("case"));
    out.insert("file", Value::from(o.file.display().to_string()));
    out.insert("name", Value::from(o.name.as_str()));
    out.insert("status", Value::from(if o.passed() { "passed" } else { "failed" }));
    out.insert("duration_ms", Value::from(o.duration.as_secs_f64() * 1000.0));
    out.insert("failures", Value::array(o.failures.iter().map(|f| Value::from(f.as_str())).collect()));
    out.insert("notes", Value::array(o.notes.iter().map(|n| Value::from(n.as_str())).collect()));
    Value::Object(out)
}

fn suites(outcomes: &[CaseOutcome]) -> Vec<SuiteResult> {
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut suites: Vec<SuiteResult> = Vec::new();
    for o in outcomes {
        let name = o.file.display().to_string();
        let case = CaseResult {
            name: o.name.clone(),
            seconds: o.duration.as_secs_f64(),
            failure: (!o.passed())
                .then(|| (o.failures.first().cloned().unwrap_or_default(), o.failures.join("\n"))),
        };
        match suites.iter_mut().find(|s| s.name == name) {
            Some(s) => s.cases.push(case),
            None => suites.push(SuiteResult { name, timestamp: timestamp.clone(), cases: vec![case] }),
        }
    }
    suites
}
