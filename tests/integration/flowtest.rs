//! `flowexpr test`, the flow-test framework: the reconciliation example's tests pass; each
//! kind of expectation has a passing and a failing file, whose failure messages are
//! snapshot-tested; deliberately broken variants of the example fail with a message that
//! points at the cause; test files follow the shipped JSON Schema; JUnit reports follow the
//! shipped XSD.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

use flowexpr::flowtest::run::{discover, run_files, CaseOutcome, TestOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(paths: &[PathBuf]) -> Vec<CaseOutcome> {
    run_files(paths, &TestOptions { jobs: 2, ..TestOptions::default() })
}

/// The failures of each case, as `file › case` followed by its messages.
fn report(outcomes: &[CaseOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let file = o.file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        out.push_str(&format!("{file} › {}: {}\n", o.name, if o.passed() { "ok" } else { "FAIL" }));
        for f in &o.failures {
            out.push_str(&format!("  - {f}\n"));
        }
    }
    out
}

#[test]
fn the_reconciliation_example_passes() {
    let outcomes = run(&[root().join("examples/reconciliation/reconciliation.flowtest.json")]);
    assert_eq!(outcomes.len(), 5);
    assert!(outcomes.iter().all(CaseOutcome::passed), "{}", report(&outcomes));
}

#[test]
fn the_expense_connector_example_passes_through_a_flow() {
    // The seed's three cases, with OpenApiConnection actions bound to the local connector.
    let outcomes = run(&[root().join("examples/connectors/expenses/expenses.flowtest.json")]);
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes.iter().all(CaseOutcome::passed), "{}", report(&outcomes));
}

#[test]
fn each_kind_of_expectation_passes_and_fails() {
    let dir = root().join("tests/flowtest");
    let pass = run(&[dir.join("pass.flowtest.json")]);
    assert_eq!(pass.len(), 9);
    assert!(pass.iter().all(CaseOutcome::passed), "{}", report(&pass));
    let mut failing: Vec<PathBuf> = discover(&[dir])
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fail-")))
        .collect();
    failing.sort();
    assert_eq!(failing.len(), 8);
    let outcomes = run(&failing);
    assert!(outcomes.iter().all(|o| !o.passed()), "{}", report(&outcomes));
    insta::assert_snapshot!(report(&outcomes));
}

/// Writes a variant of the example whose flow has `from` replaced by `to`, with the
/// example's test and snapshot files, and runs it.
fn broken_variant(dir: &Path, from: &str, to: &str) -> Vec<CaseOutcome> {
    let example = root().join("examples/reconciliation");
    let flow = std::fs::read_to_string(example.join("flow.json")).unwrap_or_default();
    assert!(flow.contains(from), "the example no longer contains {from:?}");
    std::fs::create_dir_all(dir).unwrap_or_default();
    std::fs::write(dir.join("flow.json"), flow.replacen(from, to, 1)).unwrap_or_default();
    for name in ["reconciliation.flowtest.json", "reconciliation.flowtest.snap.json"] {
        std::fs::copy(example.join(name), dir.join(name)).unwrap_or_default();
    }
    run(&[dir.join("reconciliation.flowtest.json")])
}

#[test]
fn broken_variants_of_the_example_fail_at_the_cause() {
    let base = std::env::temp_dir().join(format!("flowexpr-broken-{}", std::process::id()));
    // (what is broken, text replaced, replacement, a message that must appear)
    let variants: &[(&str, &str, &str, &str)] = &[
        (
            "the discrepancy filter lost its not()",
            "\"where\": \"@not(contains(body('Select_CRM_Keys'), concat(item()?['orderId'], '|', string(item()?['amount']))))\"",
            "\"where\": \"@contains(body('Select_CRM_Keys'), concat(item()?['orderId'], '|', string(item()?['amount'])))\"",
            "`length(body('Find_Discrepancies'))` was `1`, expected `2`",
        ),
        (
            "the transactions call no longer retries",
            "\"retryPolicy\": {\"type\": \"exponential\", \"count\": 4, \"interval\": \"PT7S\", \"minimumInterval\": \"PT5S\", \"maximumInterval\": \"PT1H\"}",
            "\"retryPolicy\": {\"type\": \"none\"}",
            "Try › Get_Transactions: status expected Succeeded, was Failed (code TooManyRequests)",
        ),
        (
            "the catch scope no longer runs after a failure",
            "\"runAfter\": {\"Try\": [\"Failed\", \"TimedOut\"]}",
            "\"runAfter\": {\"Try\": [\"TimedOut\"]}",
            "Catch: status expected Succeeded, was Skipped",
        ),
        (
            "the tracker call lost its retry policy",
            "\"retryPolicy\": {\"type\": \"exponential\", \"count\": 3, \"interval\": \"PT5S\"}",
            "\"retryPolicy\": {\"type\": \"none\"}",
            "Try › Post_Batches › Post_Batch: attempts expected 4, was 1",
        ),
        (
            "the seven-day window became eight",
            "addDays(utcNow(), -7)",
            "addDays(utcNow(), -8)",
            "was `\"2024-01-07\"`, expected `\"2024-01-08\"`",
        ),
        (
            "the tracker URL has a typo",
            "/tracker/batches",
            "/traker/batches",
            "no mock answers POST https://payments.example.com/traker/batches",
        ),
    ];
    for (i, (what, from, to, message)) in variants.iter().enumerate() {
        let outcomes = broken_variant(&base.join(i.to_string()), from, to);
        let text = report(&outcomes);
        assert!(outcomes.iter().any(|o| !o.passed()), "{what}: every case passed\n{text}");
        assert!(text.contains(message), "{what}: no failure says {message:?}\n{text}");
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn test_files_follow_the_schema() {
    let schema_text =
        std::fs::read_to_string(root().join("schemas/flowtest.schema.json")).unwrap_or_default();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap_or_default();
    let validator =
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("the schema is not valid: {e}"));
    let files = discover(&[root().join("examples"), root().join("tests/flowtest")]).unwrap_or_default();
    assert!(files.len() >= 10);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let errors: Vec<String> =
            validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {}", file.display(), errors.join("; "));
    }
    // And the schema rejects what the loader rejects.
    let bad: serde_json::Value = serde_json::json!({"flow": "f.json", "cases": [{"name": "x", "expct": {}}]});
    assert!(!validator.is_valid(&bad));
}

fn flowexpr(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run flowexpr: {e}"))
}

#[test]
fn the_command_line_reports_and_exits() {
    let ok = flowexpr(&["test", "examples/reconciliation"]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(out.contains("5 passed, 0 failed"), "{out}");
    assert!(out.contains("ok    examples/reconciliation/reconciliation.flowtest.json › happy path"), "{out}");

    let junit = std::env::temp_dir().join(format!("flowexpr-junit-{}.xml", std::process::id()));
    let junit_arg = junit.to_string_lossy().to_string();
    let failing = flowexpr(&["test", "tests/flowtest", "--jobs", "1", "--junit", &junit_arg]);
    let out = String::from_utf8_lossy(&failing.stdout);
    assert_eq!(failing.status.code(), Some(1), "{out}");
    assert!(out.contains("9 passed, 8 failed"), "{out}");

    let filtered = flowexpr(&["test", "tests/flowtest", "--filter", "repetitions"]);
    assert!(String::from_utf8_lossy(&filtered.stdout).contains("1 passed, 1 failed"));

    assert_eq!(flowexpr(&["test", "no/such/folder"]).status.code(), Some(2));

    // The JUnit report follows the shipped schema.
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    assert!(xml.contains("<testsuites name=\"flowexpr\" tests=\"17\" failures=\"8\""), "{xml}");
    let errors = crate::junit_schema::validate_junit(&xml);
    assert!(errors.is_empty(), "{errors:?}\n{xml}");
    let _ = std::fs::remove_file(&junit);
}

#[test]
fn trigger_conditions_can_be_tested() {
    let dir = std::env::temp_dir().join(format!("flowexpr-flowtest-conditions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    std::fs::write(
        dir.join("flow.json"),
        r#"{"triggers": {"manual": {"type": "Request", "kind": "Http",
              "conditions": [{"expression": "@equals(triggerBody()?['event'], 'paid')"}]}},
            "actions": {"Note": {"type": "Compose", "inputs": "@triggerBody()?['id']"}}}"#,
    )
    .unwrap_or_default();
    std::fs::write(
        dir.join("conditions.flowtest.json"),
        r#"{"flow": "flow.json", "cases": [
             {"name": "paid starts a run", "trigger": {"body": {"event": "paid", "id": 4}},
              "expect": {"status": "Succeeded", "assert": ["equals(outputs('Note'), 4)"]}},
             {"name": "refunded starts none", "trigger": {"body": {"event": "refunded", "id": 5}},
              "expect": {"status": "Skipped", "assert": ["equals(trigger()?['status'], 'Skipped')"]}},
             {"name": "a wrong expectation fails", "trigger": {"body": {"event": "refunded"}},
              "expect": {"status": "Succeeded"}}
           ]}"#,
    )
    .unwrap_or_default();
    let outcomes = run(&[dir.join("conditions.flowtest.json")]);
    let passed: Vec<bool> = outcomes.iter().map(CaseOutcome::passed).collect();
    assert_eq!(passed, [true, true, false], "{}", report(&outcomes));
    let _ = std::fs::remove_dir_all(&dir);
}
