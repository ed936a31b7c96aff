//! An arbitrary JSON document rendered as a template against an empty run context.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(document) = flowexpr::value::from_json_str(text) else { return };
    let limits = flowexpr::Limits { fuel: Some(200_000), max_string_length: 1 << 20, ..flowexpr::Limits::default() };
    let engine = flowexpr::Engine::with_limits(limits);
    let clock = flowexpr::eval::context::parse_clock("2024-01-15T10:30:00Z").ok();
    let ctx = flowexpr::RunContext { clock, ..flowexpr::RunContext::default() };
    let _ = engine.render(&document, &ctx);
});
