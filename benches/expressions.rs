//! Parse, compile + evaluate, and evaluate-only timings for expressions taken from real
//! flows. Run with `cargo bench --bench expressions`; the README's table comes from here.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use flowexpr::syntax::parse_expression;
use flowexpr::value::{Object, Value};
use flowexpr::{Engine, RunContext};

/// (name, expression) pairs from real flows.
const EXPRESSIONS: &[(&str, &str)] = &[
    ("format_date", "formatDateTime(addDays(utcNow(), -7), 'yyyy-MM-dd')"),
    ("page_offset", "mul(variables('pageNumber'), 50)"),
    ("body_path", "body('HTTP')?['data'][0]['id']"),
    ("if_contains", "if(contains(body('HTTP')?['status'], 'error'), 'failed', 'ok')"),
    ("chunk", "chunk(variables('all_items'), 10)"),
    (
        "concat_interp",
        "concat('https://api.example.com/v1/invoices?offset=', string(mul(variables('pageNumber'), 50)))",
    ),
];

/// A response body of roughly `bytes` bytes: `{"status": "ok", "data": [{"id": 0, ...}, ...]}`.
fn body_of_size(bytes: usize) -> Value {
    let item_size = 100;
    let items: Vec<Value> = (0..(bytes / item_size).max(1))
        .map(|i| {
            let mut o = Object::new();
            o.insert("id", Value::Int(i as i64));
            o.insert("name", Value::from(format!("item number {i:>10}")));
            o.insert("amount", Value::Float(i as f64 * 1.25));
            o.insert("currency", Value::from("EUR"));
            Value::Object(o)
        })
        .collect();
    let mut body = Object::new();
    body.insert("status", Value::from("ok"));
    body.insert("data", Value::array(items));
    Value::Object(body)
}

fn context(body: Value) -> RunContext {
    let mut outputs = Object::new();
    outputs.insert("statusCode", Value::Int(200));
    outputs.insert("body", body);
    let mut record = Object::new();
    record.insert("status", Value::from("Succeeded"));
    record.insert("outputs", Value::Object(outputs));
    let mut ctx = RunContext::default();
    ctx.actions.insert("HTTP", Value::Object(record));
    ctx.variables.insert("pageNumber", Value::Int(3));
    ctx.variables.insert("all_items", Value::array((0..1000).map(Value::Int).collect()));
    ctx.clock = flowexpr::eval::context::parse_clock("2024-01-15T10:30:00Z").ok();
    ctx
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, text) in EXPRESSIONS {
        group.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| parse_expression(black_box(text)))
        });
    }
    group.finish();
}

fn compile_and_eval(c: &mut Criterion) {
    let engine = Engine::new();
    let ctx = context(body_of_size(1024));
    let mut group = c.benchmark_group("compile+eval");
    for (name, text) in EXPRESSIONS {
        group.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| engine.compile(black_box(text)).and_then(|e| e.eval(&ctx)))
        });
    }
    group.finish();
}

fn eval_only(c: &mut Criterion) {
    let engine = Engine::new();
    let ctx = context(body_of_size(1024));
    let mut group = c.benchmark_group("eval");
    for (name, text) in EXPRESSIONS {
        let Ok(expr) = engine.compile(text) else { continue };
        group.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| expr.eval(black_box(&ctx))));
    }
    group.finish();
}

/// The same path into a 1 KB and a 10 MB body: the cost must not depend on the body's size.
fn body_size(c: &mut Criterion) {
    let engine = Engine::new();
    let Ok(expr) = engine.compile("body('HTTP')?['data'][0]['id']") else { return };
    let mut group = c.benchmark_group("body_path_by_size");
    for (label, bytes) in [("1KB", 1024), ("10MB", 10 * 1024 * 1024)] {
        let ctx = context(body_of_size(bytes));
        group.bench_function(label, |b| b.iter(|| expr.eval(black_box(&ctx))));
    }
    group.finish();
}

/// Member access, the evaluator's hottest path: a key that is there, a chain of keys, a key
/// that is missing (read as null), and a designer path key (`'body/status'`).
fn property(c: &mut Criterion) {
    let engine = Engine::new();
    let ctx = context(body_of_size(1024));
    let cases = [
        ("hit", "body('HTTP')?['status']"),
        ("chain", "outputs('HTTP')?['body']?['status']"),
        ("miss", "body('HTTP')?['nope']"),
        ("path_key", "outputs('HTTP')?['body/status']"),
    ];
    let mut group = c.benchmark_group("property");
    for (name, text) in cases {
        let Ok(expr) = engine.compile(text) else { continue };
        group.bench_function(name, |b| b.iter(|| expr.eval(black_box(&ctx))));
    }
    group.finish();
}

/// Rendering the inputs of a typical HTTP action.
fn render(c: &mut Criterion) {
    let engine = Engine::new();
    let ctx = context(body_of_size(1024));
    let Ok(doc) = flowexpr::value::from_json_str(
        r#"{"method": "GET", "uri": "https://api.example.com/v1/invoices",
            "headers": {"x-api-key": "@parameters('apiKey')", "Accept": "application/json"},
            "queries": {"offset": "@{mul(variables('pageNumber'), 50)}", "limit": "50",
                        "status": "@{body('HTTP')?['status']}"}}"#,
    ) else {
        return;
    };
    let mut ctx = ctx;
    ctx.parameters.insert("apiKey", Value::from("secret"));
    let Ok(compiled) = engine.compile_document(&doc) else { return };
    c.bench_function("render_http_inputs", |b| b.iter(|| compiled.render(black_box(&ctx))));
}

criterion_group!(benches, parse, compile_and_eval, eval_only, body_size, property, render);
criterion_main!(benches);
