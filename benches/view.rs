//! The cost of a run's page (`flowexpr view`, `run --html`): the graph of the definition, the
//! redacted record and the inlined assets, as one HTML string. Measured for the
//! reconciliation example's run (its flow test's happy path) and for a run of 500 actions with
//! a 1,000-iteration loop (the page tests' large run), each against the baseline of writing
//! the same record as `flowexpr run --out` does (pretty JSON), measured in the same run.
//!
//! `cargo bench --bench view`
// Printing and writing files freely is fine here; the redacting sink (clippy.toml) is for
// the library and the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

#[path = "../tests/integration/view/large.rs"]
mod large;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use flowexpr::flowtest::run::{run_files, TestOptions};
use flowexpr::value::to_json_string_pretty;
use flowexpr::view::RunPage;
use flowexpr::workflow::Workflow;
use flowexpr::Value;

/// The reconciliation flow and the record of its suite's first case (the happy path).
fn reconciliation_run() -> (std::sync::Arc<Workflow>, Value) {
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/reconciliation/reconciliation.flowtest.json");
    let outcomes = run_files(&[suite], &TestOptions { keep_runs: true, ..TestOptions::default() });
    let first = outcomes.into_iter().next().unwrap_or_else(|| panic!("the suite has no case"));
    assert!(first.passed(), "{:?}", first.failures);
    let run = first.run.unwrap_or_else(|| panic!("no run kept"));
    (run.workflow, run.record)
}

fn page(flow: &Workflow, record: &Value) -> String {
    RunPage::new(vec![record.clone()]).with_workflow(flow).html()
}

fn pages(c: &mut Criterion) {
    let (reconciliation, record) = reconciliation_run();
    let (large_flow, large_record) = large::large_run();
    // Sanity: the pages hold the runs, so the benchmark measures real work.
    for (flow, record) in [(reconciliation.as_ref(), &record), (&large_flow, &large_record)] {
        let html = page(flow, record);
        assert!(html.starts_with("<!doctype html>") && html.len() > 50_000, "{} bytes", html.len());
        eprintln!("page {} KB, record {} KB", html.len() / 1024, to_json_string_pretty(record).len() / 1024);
    }
    let mut group = c.benchmark_group("view");
    group.sample_size(30);
    group.bench_function("reconciliation run: page", |b| {
        b.iter(|| page(black_box(&reconciliation), black_box(&record)))
    });
    group.bench_function("reconciliation run: record as run --out writes it", |b| {
        b.iter(|| to_json_string_pretty(black_box(&record)))
    });
    group.bench_function("500 actions, 1,000 iterations: page", |b| {
        b.iter(|| page(black_box(&large_flow), black_box(&large_record)))
    });
    group.bench_function("500 actions, 1,000 iterations: record as run --out writes it", |b| {
        b.iter(|| to_json_string_pretty(black_box(&large_record)))
    });
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
