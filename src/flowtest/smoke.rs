//! `flowexpr test EXPORT`: an export or project given where test files are expected.
//!
//! The flow tests that name the export (`*.flowtest.json` in its folder, or inside the
//! export's folder, whose `"flow"` is the export) run as usual. An export no flow test names
//! gets one **smoke case per flow**: the flow is checked and run with stubs
//! (`--stub-unmocked`, no network, waits scaled to nothing). A smoke case fails when the
//! export does not load, `check` finds errors in the flow, or its run cannot start; it
//! passes when the run starts, whatever status the stubs' empty answers lead to, and says
//! how far the run went and what it stubbed. It is never the same as a real test: the
//! command's output says so and shows how to write one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::file::TestFile;
use super::run::{discover, failed_actions, CaseOutcome, NoNetwork, TestEvent, TestOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;
use crate::workflow::{self, FinishedRun, RunOptions, Status};

/// What `flowexpr test PATH...` runs.
#[derive(Debug, Default)]
pub struct Plan {
    /// Flow-test files.
    pub files: Vec<PathBuf>,
    /// Exports no flow test names: each flow becomes a smoke case.
    pub smoke: Vec<PathBuf>,
}

/// Sorts the paths into flow-test files and exports. A folder is searched for test files;
/// a folder without any that is an export, or a file that is not a test file, is an export:
/// the test files naming it run, else it gets smoke cases. A folder that is neither is an
/// error that says so.
pub fn plan(paths: &[PathBuf]) -> Result<Plan> {
    let mut plan = Plan::default();
    for path in paths {
        if path.is_file() && is_test_file(path) {
            plan.files.push(path.clone());
            continue;
        }
        let inside = if path.is_dir() { discover(std::slice::from_ref(path))? } else { Vec::new() };
        if !inside.is_empty() {
            plan.files.extend(inside);
            continue;
        }
        if path.is_dir() {
            if let Err(e) = crate::project::load(path) {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "no test files (*.flowtest.json) in {}, and it is not an export: {}",
                        path.display(),
                        e.message()
                    ),
                ));
            }
        } else if !path.exists() {
            return Err(Error::new(ErrorKind::Io, format!("{} does not exist", path.display())));
        }
        let naming = tests_naming(path);
        if naming.is_empty() {
            plan.smoke.push(path.clone());
        } else {
            plan.files.extend(naming);
        }
    }
    plan.files.sort();
    plan.files.dedup();
    Ok(plan)
}

/// A `*.flowtest.json`, or a JSON object with `"cases"` (a test file named otherwise).
fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name.ends_with(".flowtest.json") {
        return true;
    }
    name.ends_with(".json")
        && crate::source::read_text(path, "test file")
            .ok()
            .and_then(|t| crate::value::from_json_str(&t).ok())
            .is_some_and(|v| v.member("cases").is_some() && v.member("definition").is_none())
}

/// The test files beside `export` (in its folder) whose `"flow"` is `export`.
fn tests_naming(export: &Path) -> Vec<PathBuf> {
    let Ok(wanted) = export.canonicalize() else { return Vec::new() };
    let folder = match export.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&folder) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_test_file(p))
        .filter(|p| {
            TestFile::load(p).ok().and_then(|f| f.flow.canonicalize().ok()).is_some_and(|f| f == wanted)
        })
        .collect();
    found.sort();
    found
}

/// How a smoke case's run goes: waits scaled to nothing, no network, stubs for the rest.
const SMOKE_TIME_SCALE: f64 = 1e-6;

/// The smoke cases of an export: one per flow (one failing case when it does not load).
pub fn smoke_cases(export: &Path, options: &TestOptions) -> Vec<CaseOutcome> {
    smoke_cases_with(export, options, &|_| {})
}

/// Like [`smoke_cases`], telling `report` how many cases the export gives once it loaded,
/// and of each case as it finishes (as [`super::run::run_files_with`] does for test files).
pub fn smoke_cases_with(
    export: &Path,
    options: &TestOptions,
    report: &dyn Fn(TestEvent<'_>),
) -> Vec<CaseOutcome> {
    let started = Instant::now();
    let project = match crate::project::load(export) {
        Ok(p) => p,
        Err(e) => {
            let outcome = CaseOutcome {
                file: export.to_path_buf(),
                name: "smoke: the export".into(),
                duration: started.elapsed(),
                failures: vec![format!("the export does not load: {e:#}")],
                notes: Vec::new(),
                secrets: crate::runtime::Redactor::new(),
                run: None,
            };
            report(TestEvent::Planned { cases: 1 });
            report(TestEvent::Finished(&outcome));
            return vec![outcome];
        }
    };
    let selected: Vec<(&crate::project::Flow, String)> = project
        .flows
        .iter()
        .map(|flow| (flow, format!("smoke: {}", flow.label())))
        .filter(|(_, name)| {
            options.filter.as_deref().is_none_or(|f| name.contains(f) || export.to_string_lossy().contains(f))
        })
        .collect();
    report(TestEvent::Planned { cases: selected.len() });
    selected
        .into_iter()
        .map(|(flow, name)| {
            let started = Instant::now();
            let (failures, notes, secrets) = smoke(&project, flow);
            let failures = failures.iter().map(|f| secrets.redact_text(f)).collect();
            let notes = notes.iter().map(|n| secrets.redact_text(n)).collect();
            let outcome = CaseOutcome {
                file: export.to_path_buf(),
                name,
                duration: started.elapsed(),
                failures,
                notes,
                secrets,
                run: None,
            };
            report(TestEvent::Finished(&outcome));
            outcome
        })
        .collect()
}

/// What a smoke case found, noted, and the secrets its output must hide.
type Smoke = (Vec<String>, Vec<String>, crate::runtime::Redactor);

/// Checks and runs one flow with stubs: `(failures, notes, secrets)`.
fn smoke(project: &crate::project::Project, flow: &crate::project::Flow) -> Smoke {
    let mut failures = Vec::new();
    let export = crate::project::run::Environment::new(project, flow);
    let mut secrets = export.secrets.clone();
    match crate::project::check_flow(project, flow) {
        Ok(report) => {
            for f in report.findings.iter().filter(|f| f.severity == crate::check::Severity::Error) {
                let at = match report.line_col(f) {
                    Some((l, c)) => format!("{}:{l}:{c} at {}", flow.file, f.pointer),
                    None => format!("{} at {}", flow.file, f.pointer),
                };
                failures.push(format!("check: error[{}] {} ({at})", f.code, f.message));
            }
        }
        Err(e) => failures.push(format!("check: {e:#}")),
    }
    let compiled = match flow.workflow() {
        Ok(w) => w,
        Err(e) => {
            failures.push(format!("the runner refuses the definition: {e:#}"));
            return (failures, Vec::new(), secrets);
        }
    };
    let options = RunOptions {
        time_scale: SMOKE_TIME_SCALE,
        workflow_name: flow.name.clone(),
        transport: Some(Arc::new(NoNetwork)),
        export,
        stub_unmocked: true,
        ..RunOptions::default()
    };
    match workflow::fire(&compiled, options) {
        Err(e) => {
            failures.push(format!("the run could not start: {e:#}"));
            (failures, Vec::new(), secrets)
        }
        Ok(runs) => {
            for run in &runs {
                secrets.merge(&run.secrets);
            }
            (failures, runs.iter().flat_map(how_far).collect(), secrets)
        }
    }
}

/// What a smoke run did, in a few lines.
fn how_far(run: &FinishedRun) -> Vec<String> {
    let actions = run.record.member("actions").and_then(|a| a.as_object().cloned()).unwrap_or_default();
    let ran = actions
        .iter()
        .filter(|(_, r)| {
            r.member("status").and_then(|s| s.as_str().map(str::to_string)).as_deref() != Some("Skipped")
        })
        .count();
    let mut notes = vec![format!(
        "the run ended {} after {ran} of {} actions ran{}",
        run.status,
        actions.len(),
        match run.stubbed.len() {
            0 => String::new(),
            n => format!("; {n} answered by stubs: {}", counted(&run.stubbed).join(", ")),
        }
    )];
    if run.status != Status::Succeeded {
        // The first line of each: the caret snippets are for real tests.
        notes.extend(failed_actions(run).iter().take(2).filter_map(|f| f.lines().next().map(str::to_string)));
    }
    if let Some(Value::String(reason)) = run.record.member("reason") {
        notes.push(reason.to_string());
    }
    notes
}

/// Names in first-seen order, repeated ones counted: `Get_item (×3)`.
fn counted(names: &[String]) -> Vec<String> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for n in names {
        match out.iter_mut().find(|(seen, _)| *seen == n.as_str()) {
            Some((_, count)) => *count += 1,
            None => out.push((n, 1)),
        }
    }
    out.into_iter().map(|(n, c)| if c == 1 { n.to_string() } else { format!("{n} (×{c})") }).collect()
}

/// The line the command prints after smoke cases: they are not tests, and how to write one.
pub fn hint(smoke: &[PathBuf]) -> String {
    let names: Vec<String> = smoke.iter().map(|p| p.display().to_string()).collect();
    let example = smoke
        .first()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "flow.zip".into());
    format!(
        "\nnote: no flow test names {}: each flow ran once as a smoke case, with stubs for its connector actions and no network; it fails only when the export does not load, check finds errors or the run cannot start. Write a test beside the export to check what the flow does, e.g. {}.flowtest.json: {{\"flow\": \"{example}\", \"cases\": [{{\"name\": \"...\", \"mocks\": {{\"actions\": {{...}}}}, \"expect\": {{\"status\": \"Succeeded\"}}}}]}} (README, \"Your own flows\")\n",
        names.join(", "),
        example.trim_end_matches(".zip").trim_end_matches(".json")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_stubs_are_counted() {
        let names: Vec<String> = ["a", "b", "a", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(counted(&names), vec!["a (×3)", "b"]);
    }
}
