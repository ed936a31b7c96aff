//! Regression tests for the unbounded work of issue 14: every computation has a meter and
//! every run a capacity, checked by `check` and by `run` before anything runs, and the run
//! record stays readable at the documented value depth.

use std::process::Command;
use std::time::{Duration, Instant};

use flowexpr::workflow::{self, RunOptions, Status, Workflow};
use flowexpr::{Engine, RunContext};

fn flowexpr(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        let _ = input.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flowexpr-hardening-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn items(n: usize) -> String {
    let mut xml = String::from("<items>");
    for i in 0..n {
        xml.push_str(&format!("<item><id>{i}</id><name>n{i}</name></item>"));
    }
    xml.push_str("</items>");
    xml
}

#[test]
fn nested_xpath_counts_over_20000_items_fail_in_bounded_time() {
    let xml = items(20_000);
    assert!(xml.len() > 500_000, "the issue's document is 0.56 MB: {}", xml.len());
    let ctx =
        RunContext::from_json_str(&format!(r#"{{"variables": {{"doc": {}}}}}"#, serde_json::json!(xml)))
            .unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new();
    let started = Instant::now();
    let result = engine.eval("xpath(xml(variables('doc')), 'count(//item[count(//item) > 0])')", &ctx);
    let elapsed = started.elapsed();
    let e = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.contains("would visit up to") && e.contains("more work than the evaluation's fuel allows"),
        "{e}"
    );
    assert!(elapsed < Duration::from_secs(10), "refused after {elapsed:?}");
    // A linear expression over the same document still runs.
    let n = engine.eval("xpath(xml(variables('doc')), 'count(//item)')", &ctx).map(|v| v.to_string());
    assert_eq!(n.ok().as_deref(), Some("20000.0"));
    let name = engine.eval("xpath(xml(variables('doc')), 'string(/items/item[id=19999]/name)')", &ctx);
    assert_eq!(name.map(|v| v.to_string()).ok().as_deref(), Some("\"n19999\""));
}

#[test]
fn an_until_loop_doubling_a_string_fails_fast() {
    // Each iteration doubles the variable; once it would pass the limit, concat() fails
    // before building anything, so the remaining ~5,000 failing iterations take no time.
    // (Before, each copied 134 MB first: minutes. The loop runs at real time with a 30-day
    // timeout, so only its count ends it.)
    let definition = r#"{"actions": {
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "s", "type": "string", "value": "0123456789abcdef"}]}},
        "Grow": {"type": "Until", "expression": "@equals(1, 2)", "limit": {"count": 5000, "timeout": "P30D"},
                 "runAfter": {"Init": ["Succeeded"]},
                 "actions": {"Double": {"type": "SetVariable", "inputs": {"name": "s", "value": "@concat(variables('s'), variables('s'))"}}}}}}"#;
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let finished = workflow::run(&wf, RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    let iterations =
        finished.action("Grow").and_then(|r| r.member("iterationCount")).and_then(|n| n.as_i64());
    assert_eq!(iterations, Some(5000));
    let message = finished
        .action("Double")
        .and_then(|r| r.member("error"))
        .and_then(|e| e.member("message"))
        .map(|m| m.to_text())
        .unwrap_or_default();
    assert!(message.contains("would produce a string of 134217728 characters"), "{message}");
}

const NESTED_FOREACH: &str = r#"{"actions": {
    "Outer": {"type": "Foreach", "foreach": "@range(0, 100000)",
              "actions": {"Inner": {"type": "Foreach", "foreach": "@range(0, 100000)",
                          "actions": {"Noop": {"type": "Compose", "inputs": 1}}}}}}}"#;

const LONG_WAIT: &str = r#"{"actions": {
    "Nap": {"type": "Wait", "inputs": {"interval": {"count": 9200000000000000000, "unit": "Second"}}}}}"#;

#[test]
fn check_refuses_loops_and_waits_a_run_cannot_hold() {
    let report = flowexpr::check::check_text(NESTED_FOREACH).unwrap_or_else(|e| panic!("{e}"));
    let f = report.findings.iter().find(|f| f.code == "run-capacity");
    let message = f.map(|f| f.message.clone()).unwrap_or_default();
    assert!(
        message.contains("'Outer' (100,000 iterations) × 'Inner' (100,000 iterations) run their actions 10,000,000,000 times")
            && message.contains("2,592,000,000"),
        "{message}"
    );
    assert_eq!(f.map(|f| f.pointer.as_str()), Some("/actions/Outer/actions/Inner"));
    assert!(report.has_errors());

    let report = flowexpr::check::check_text(LONG_WAIT).unwrap_or_else(|e| panic!("{e}"));
    let f = report.findings.iter().find(|f| f.code == "wait-too-long");
    assert!(f.is_some_and(|f| f.message.contains("7,776,000 seconds")), "{:?}", report.findings);

    // 100 × 100 is fine.
    let small = NESTED_FOREACH.replace("100000", "100");
    let report = flowexpr::check::check_text(&small).unwrap_or_else(|e| panic!("{e}"));
    assert!(!report.has_errors(), "{:?}", report.findings);
}

#[test]
fn run_refuses_them_before_it_starts() {
    for (definition, fragment) in
        [(NESTED_FOREACH, "run their actions 10,000,000,000 times"), (LONG_WAIT, "lasts 9.2e18 seconds")]
    {
        let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let e = workflow::run(&wf, RunOptions::default()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(fragment), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let path = temp_file("capacity.json", definition);
        let (code, _, stderr) = flowexpr(&["run", &path.to_string_lossy()], None);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(fragment), "{stderr}");
        let (code, stdout, _) = flowexpr(&["check", &path.to_string_lossy()], None);
        assert_eq!(code, 1, "{stdout}");
    }
}

#[test]
fn exports_are_refused_too_at_their_place_in_the_file() {
    // The same loops inside an exported flow file: check (through the loader) points into
    // the export, run refuses before it starts.
    let export = format!(
        r#"{{"name": "f1", "properties": {{"displayName": "Too big", "definition": {NESTED_FOREACH}}}}}"#
    );
    let path = temp_file("capacity-export.json", &export);
    let (code, stdout, _) = flowexpr(&["check", "--format", "json", &path.to_string_lossy()], None);
    assert_eq!(code, 1, "{stdout}");
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
    let capacity = findings.as_array().and_then(|a| a.iter().find(|f| f["code"] == "run-capacity")).cloned();
    let capacity = capacity.unwrap_or_else(|| panic!("no run-capacity finding: {stdout}"));
    assert_eq!(capacity["pointer"], "/properties/definition/actions/Outer/actions/Inner", "{stdout}");
    assert!(capacity["line"].as_u64().is_some(), "{stdout}");
    let (code, _, stderr) = flowexpr(&["run", &path.to_string_lossy()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("run their actions 10,000,000,000 times"), "{stderr}");
}

#[test]
fn a_wait_computed_at_run_time_cannot_outlast_the_run() {
    // The count comes from a variable: unknown before the run, refused when it is known.
    let definition = r#"{"actions": {
        "Days": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": "@mul(1000, 86400)"}]}},
        "Nap": {"type": "Wait", "runAfter": {"Days": ["Succeeded"]},
                "inputs": {"interval": {"count": "@variables('n')", "unit": "Second"}}}}}"#;
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e}"));
    let finished = workflow::run(&wf, RunOptions { time_scale: 1e-9, ..RunOptions::default() })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.status, Status::Failed);
    let e = finished.action("Nap").and_then(|r| r.member("error")).map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("90 days"), "{e}");
}

#[test]
fn a_127_deep_output_stays_readable_from_the_run_record() {
    // An Until loop wraps a variable in one more array per iteration (SetVariable's outputs
    // hold it two levels down, so a variable reaches 126), then a Compose wraps it to the
    // depth the runner keeps (128): the record holds it inside its own levels, and
    // --context and view read it back.
    const VARIABLE_DEPTH: usize = 126;
    for depth in [127usize, 128] {
        let definition = format!(
            r#"{{"actions": {{
            "Init": {{"type": "InitializeVariable", "inputs": {{"variables": [{{"name": "v", "type": "array", "value": []}}]}}}},
            "Wrap": {{"type": "Until", "expression": "@equals(1, 2)", "limit": {{"count": {}}}, "runAfter": {{"Init": ["Succeeded"]}},
                      "actions": {{"Once": {{"type": "SetVariable", "inputs": {{"name": "v", "value": "@createArray(variables('v'))"}}}}}}}},
            "Deep": {{"type": "Compose", "inputs": "@{}variables('v'){}", "runAfter": {{"Wrap": ["Succeeded"]}}}}}}}}"#,
            VARIABLE_DEPTH - 1,
            "createArray(".repeat(depth - VARIABLE_DEPTH),
            ")".repeat(depth - VARIABLE_DEPTH)
        );
        let flow = temp_file(&format!("deep{depth}.json"), &definition);
        let record = flow.with_file_name(format!("deep{depth}.run.json"));
        let (code, _, stderr) = flowexpr(
            &["run", &flow.to_string_lossy(), "--out", &record.to_string_lossy(), "--time-scale", "0.001"],
            None,
        );
        assert_eq!(code, 0, "{stderr}");
        let (code, stdout, stderr) = flowexpr(
            &["eval", "--compact", "--context", &record.to_string_lossy(), "length(string(outputs('Deep')))"],
            None,
        );
        assert_eq!((code, stdout.trim()), (0, (2 * depth).to_string().as_str()), "{stderr}");
        // The run's page reads it too.
        let page = record.with_file_name(format!("deep{depth}.html"));
        let (code, _, stderr) =
            flowexpr(&["view", &record.to_string_lossy(), "-o", &page.to_string_lossy()], None);
        assert_eq!(code, 0, "{stderr}");
        assert!(std::fs::read_to_string(&page).is_ok_and(|html| html.contains("Deep")), "{stderr}");
    }
}
