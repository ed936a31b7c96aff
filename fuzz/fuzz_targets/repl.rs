//! REPL input: any line (commands, expressions, templates, JSON strings) gets an answer,
//! on the terminal and as a JSON line.
#![no_main]

use flowexpr::cli::repl::Repl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ctx = flowexpr::RunContext::from_json_str(
        r#"{"variables": {"n": 3}, "actions": {"Get": {"outputs": {"body": {"a": [1, 2]}}}}}"#,
    )
    .unwrap_or_default();
    let mut repl = Repl::new(ctx);
    for line in text.lines().take(8) {
        // `:load` reads files: not from the fuzzer.
        if line.trim_start().starts_with(":load") {
            continue;
        }
        let _ = repl.handle(line);
        let json = repl.handle_json(line);
        assert!(flowexpr::value::from_json_str(&json).is_ok(), "not a JSON line: {json}");
        let _ = flowexpr::cli::repl::is_complete(line);
    }
});
