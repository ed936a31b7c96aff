//! The cost of a flow test: one mocked 50-action flow test case, and a file of 100 such
//! cases (what `flowexpr test` does for a suite). Targets: under 10 ms per case and under
//! 1 s for the 100. Also the reconciliation example's five cases.
// Printing and writing files freely is fine here; the redacting sink (clippy.toml) is for
// the library and the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use flowexpr::flowtest::run::{run_files, TestOptions};

/// A flow of 50 actions: 10 mocked Http calls, each followed by four actions that read it
/// (Compose, a variable update, a Select and a Query), chained by runAfter.
fn flow_50() -> String {
    let mut actions = vec![
        r#""Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "total", "type": "integer", "value": 0}]}}"#
            .to_string(),
    ];
    let mut previous = "Init".to_string();
    for i in 0..10 {
        let call = format!("Call_{i}");
        actions.push(format!(
            r#""{call}": {{"type": "Http", "runAfter": {{"{previous}": ["Succeeded"]}},
               "inputs": {{"method": "GET", "uri": "https://api.example.com/items/{i}?page=@{{variables('total')}}"}}}}"#
        ));
        actions.push(format!(
            r#""Shape_{i}": {{"type": "Compose", "runAfter": {{"{call}": ["Succeeded"]}},
               "inputs": {{"count": "@length(body('{call}')?['value'])", "first": "@first(body('{call}')?['value'])"}}}}"#
        ));
        actions.push(format!(
            r#""Add_{i}": {{"type": "IncrementVariable", "runAfter": {{"Shape_{i}": ["Succeeded"]}},
               "inputs": {{"name": "total", "value": "@outputs('Shape_{i}')?['count']"}}}}"#
        ));
        actions.push(format!(
            r#""Select_{i}": {{"type": "Select", "runAfter": {{"Add_{i}": ["Succeeded"]}},
               "inputs": {{"from": "@body('{call}')?['value']", "select": {{"id": "@item()?['id']", "double": "@mul(item()?['n'], 2)"}}}}}}"#
        ));
        actions.push(format!(
            r#""Filter_{i}": {{"type": "Query", "runAfter": {{"Select_{i}": ["Succeeded"]}},
               "inputs": {{"from": "@body('Select_{i}')", "where": "@greater(item()?['double'], 4)"}}}}"#
        ));
        previous = format!("Filter_{i}");
    }
    actions.push(format!(
        r#""Done": {{"type": "Compose", "runAfter": {{"{previous}": ["Succeeded"]}}, "inputs": "@variables('total')"}}"#
    ));
    format!(
        r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {{{}}}}}"#,
        actions.join(",\n")
    )
}

fn test_file(cases: usize) -> String {
    let items: Vec<String> = (0..5).map(|n| format!(r#"{{"id": "i{n}", "n": {n}}}"#)).collect();
    let case_list: Vec<String> = (0..cases)
        .map(|c| {
            format!(
                r#"{{"name": "case {c}", "expect": {{"status": "Succeeded",
                   "actions": {{"Call_9": {{"status": "Succeeded", "attempts": 1}}}},
                   "assert": ["equals(outputs('Done'), 50)", "equals(length(body('Filter_0')), 2)"]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"flow": "flow.json", "clock": "2024-01-15T02:00:00Z",
            "mocks": {{"http": [{{"method": "GET", "url": "https://api.example.com/items/*",
                                  "response": {{"statusCode": 200, "body": {{"value": [{}]}}}}}}]}},
            "cases": [{}]}}"#,
        items.join(", "),
        case_list.join(",\n")
    )
}

fn setup() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("flowexpr-bench-flowtest-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("flow.json"), flow_50());
    let _ = std::fs::write(dir.join("one.flowtest.json"), test_file(1));
    let _ = std::fs::write(dir.join("hundred.flowtest.json"), test_file(100));
    (dir.join("one.flowtest.json"), dir.join("hundred.flowtest.json"))
}

fn flow_tests(c: &mut Criterion) {
    let (one, hundred) = setup();
    // Sanity: the cases pass, so the benchmark measures real work.
    let check = run_files(std::slice::from_ref(&one), &TestOptions::default());
    assert!(check.iter().all(|o| o.passed()), "{:?}", check.first().map(|o| &o.failures));
    let sequential = TestOptions { jobs: 1, ..TestOptions::default() };
    let mut group = c.benchmark_group("flowtest");
    group.sample_size(20);
    group.bench_function("one 50-action case", |b| {
        b.iter(|| run_files(black_box(std::slice::from_ref(&one)), &sequential))
    });
    group.bench_function("100 cases, 1 job", |b| {
        b.iter(|| run_files(black_box(std::slice::from_ref(&hundred)), &sequential))
    });
    group.bench_function("100 cases, all cores", |b| {
        b.iter(|| run_files(black_box(std::slice::from_ref(&hundred)), &TestOptions::default()))
    });
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/reconciliation/reconciliation.flowtest.json");
    group.bench_function("reconciliation suite (5 cases)", |b| {
        b.iter(|| run_files(black_box(std::slice::from_ref(&example)), &TestOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, flow_tests);
criterion_main!(benches);
