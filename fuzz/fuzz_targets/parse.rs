//! Any text, parsed as an expression and as a template: must never panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(expr) = flowexpr::syntax::parse_expression(text) {
            // What parses must print to something that parses to the same tree.
            let printed = expr.to_string();
            match flowexpr::syntax::parse_expression(&printed) {
                Ok(again) => assert_eq!(again, expr, "{text:?} printed as {printed:?}"),
                Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
            }
        }
        let _ = flowexpr::syntax::parse_template(text);
    }
});
