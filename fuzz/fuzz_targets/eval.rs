//! An arbitrary expression evaluated against an arbitrary run context, with fuel, so slow
//! inputs are cut off instead of reported as hangs. The input is the context JSON, a NUL
//! byte, then the expression.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (context, expression) = text.split_once('\0').unwrap_or(("{}", text));
    let ctx = flowexpr::RunContext::from_json_str(context).unwrap_or_default();
    let limits = flowexpr::Limits {
        fuel: Some(200_000),
        max_string_length: 1 << 20,
        max_array_length: 100_000,
        ..flowexpr::Limits::default()
    };
    let engine = flowexpr::Engine::with_limits(limits);
    if let Ok(expr) = engine.compile(expression) {
        if let Ok(value) = expr.eval(&ctx) {
            // Every result can be written as JSON and as text.
            let _ = value.to_json();
            let _ = value.to_text();
        }
    }
});
