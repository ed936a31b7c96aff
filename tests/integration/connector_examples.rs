//! The expense and Slack examples: their test files run end to end against a loopback
//! server, through the library and through `flowexpr connector test`.

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

use flowexpr::cli::connector::LoopbackBackend;
use flowexpr::connector::cases::{self, TestFile};
use flowexpr::connector::Connector;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/connectors").join(name)
}

fn run_example(name: &str) -> Vec<(String, Option<String>)> {
    let dir = example(name);
    let connector = Connector::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(!connector.has_errors(), "{:?}", connector.diagnostics);
    let file = TestFile::load(&dir.join("tests.json")).unwrap_or_else(|e| panic!("{e}"));
    let backend = LoopbackBackend::start().unwrap_or_else(|e| panic!("{e}"));
    let results = cases::run(&connector, &file, &backend).unwrap_or_else(|e| panic!("{e}"));
    results.into_iter().map(|r| (r.name, r.failure.map(|f| f.1))).collect()
}

#[test]
fn expense_cases_pass() {
    let results = run_example("expenses");
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Success with expense array", "Success with empty array", "400 Bad Request error"]);
    for (name, failure) in &results {
        assert!(failure.is_none(), "{name}: {failure:?}");
    }
}

#[test]
fn slack_cases_pass() {
    for (name, failure) in run_example("slack") {
        assert!(failure.is_none(), "{name}: {failure:?}");
    }
}

#[test]
fn the_examples_have_no_findings() {
    for name in ["expenses", "slack"] {
        let out = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
            .args(["connector", "check"])
            .arg(example(name))
            .output();
        let out = out.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "0 error(s), 0 warning(s)\n", "{name}");
        assert!(out.status.success());
    }
}

#[test]
fn connector_test_reports_each_case_and_fails_on_a_wrong_expectation() {
    let out = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(["connector", "test"])
        .arg(example("expenses"))
        .output();
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok      Success with expense array\nok      Success with empty array\nok      400 Bad Request error\n3 passed, 0 failed\n"
    );
    assert!(out.status.success());

    let dir = std::env::temp_dir().join(format!("flowexpr-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let cases = r#"{"connection": {"parameters": {"api_key": "k"}}, "cases": [
        {"name": "wrong URL and status", "action": "GetExpenses", "parameters": {"status": "draft"},
         "backend": {"statusCode": 500, "body": {"error": {"code": "Boom"}}},
         "expected_request": {"url": "/v1/expenses?status=draft"},
         "expected_result": {"statusCode": 200}}]}"#;
    let file = dir.join("cases.json");
    let junit = dir.join("junit.xml");
    std::fs::write(&file, cases).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(["connector", "test"])
        .arg(example("expenses"))
        .arg("--cases")
        .arg(&file)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = std::fs::read_to_string(&junit).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "FAILED  wrong URL and status\n        request URL: expected /v1/expenses?status=draft, got /v1/expenses?status=draft&page=1&per_page=50\n        statusCode: expected 200, got 500\n0 passed, 1 failed\n"
    );
    assert!(
        report.contains("<testcase name=\"wrong URL and status\"") && report.contains("<failure"),
        "{report}"
    );
}
