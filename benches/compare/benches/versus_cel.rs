//! Evaluation of equivalent expressions in flowexpr and cel-interpreter, both compiled once
//! and evaluated against a context built once.

use std::collections::HashMap;
use std::hint::black_box;

use cel_interpreter::{Context as CelContext, Program};
use criterion::{criterion_group, criterion_main, Criterion};
use flowexpr::value::{from_json_str, Value};
use flowexpr::{Engine, RunContext};

/// (name, CEL, flowexpr)
const PAIRS: &[(&str, &str, &str)] = &[
    ("arithmetic", "x * 50 + 7", "add(mul(variables('x'), 50), 7)"),
    ("conditional", "x > 10 ? 'big' : 'small'", "if(greater(variables('x'), 10), 'big', 'small')"),
    ("concat3", "a + b + c", "concat(variables('a'), variables('b'), variables('c'))"),
    ("property3", "body.data.item.id", "body('HTTP')['data']['item']['id']"),
];

fn flowexpr_context() -> RunContext {
    let text = r#"{
        "variables": {"x": 3, "a": "alpha", "b": "beta", "c": "gamma"},
        "actions": {"HTTP": {"outputs": {"body": {"data": {"item": {"id": 42}}}}}}
    }"#;
    let value = from_json_str(text).unwrap_or(Value::Null);
    RunContext::from_value(&value).unwrap_or_default()
}

fn cel_context() -> CelContext<'static> {
    let mut ctx = CelContext::default();
    let _ = ctx.add_variable("x", 3i64);
    let _ = ctx.add_variable("a", "alpha");
    let _ = ctx.add_variable("b", "beta");
    let _ = ctx.add_variable("c", "gamma");
    let item: HashMap<String, i64> = HashMap::from([("id".to_string(), 42)]);
    let data: HashMap<String, HashMap<String, i64>> = HashMap::from([("item".to_string(), item)]);
    let body: HashMap<String, HashMap<String, HashMap<String, i64>>> = HashMap::from([("data".to_string(), data)]);
    let _ = ctx.add_variable("body", body);
    ctx
}

fn versus(c: &mut Criterion) {
    let engine = Engine::new();
    let fctx = flowexpr_context();
    let cctx = cel_context();
    for (name, cel, ours) in PAIRS {
        let (Ok(program), Ok(expr)) = (Program::compile(cel), engine.compile(ours)) else {
            eprintln!("{name}: does not compile");
            continue;
        };
        // Both must agree before their speed is compared.
        let a = program.execute(&cctx).map(|v| format!("{v:?}"));
        let b = expr.eval(&fctx).map(|v| v.to_string());
        eprintln!("{name}: cel {a:?} / flowexpr {b:?}");
        let mut group = c.benchmark_group(*name);
        group.bench_function("cel-interpreter", |bch| bch.iter(|| program.execute(black_box(&cctx))));
        group.bench_function("flowexpr", |bch| bch.iter(|| expr.eval(black_box(&fctx))));
        group.finish();
    }
}

criterion_group!(benches, versus);
criterion_main!(benches);
