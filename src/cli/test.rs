//! `flowexpr test`: run flow test files.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::Instant;

use super::Failure;
use crate::flowtest::junit::{self, CaseResult, SuiteResult};
use crate::flowtest::run::{run_files, CaseOutcome, TestOptions};
use crate::flowtest::smoke;

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
    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Record the observed action outputs as the snapshots of cases that ask for them.
    #[arg(long)]
    update: bool,
}

pub(super) fn run(args: TestArgs) -> Result<(), Failure> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let plan = smoke::plan(&paths).map_err(|e| Failure::Usage(e.message().to_string()))?;
    if plan.files.is_empty() && plan.smoke.is_empty() {
        return Err(Failure::Usage("no test files (*.flowtest.json) found".into()));
    }
    let started = Instant::now();
    let options = TestOptions { filter: args.filter, jobs: args.jobs, update: args.update };
    let mut outcomes = run_files(&plan.files, &options);
    outcomes.extend(plan.smoke.iter().flat_map(|export| smoke::smoke_cases(export, &options)));
    let files = [plan.files.as_slice(), plan.smoke.as_slice()].concat();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = String::new();
    for o in &outcomes {
        out.push_str(&line(o, color));
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let passed = outcomes.len() - failed;
    out.push_str(&format!(
        "\n{passed} passed, {failed} failed ({} case{} in {} file{}, {:.2} s)\n",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    ));
    if !plan.smoke.is_empty() {
        out.push_str(&smoke::hint(&plan.smoke));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if let Some(path) = args.junit {
        std::fs::write(&path, junit::write(&suites(&outcomes)))
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    }
    if failed > 0 {
        Err(Failure::Failed(format!("{failed} test case{} failed", if failed == 1 { "" } else { "s" })))
    } else {
        Ok(())
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
