//! `flowexpr check` on any text: it never panics, and a finding's position is in the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(report) = flowexpr::check::check_text(text) {
        for f in &report.findings {
            if let Some(span) = f.span {
                assert!(span.start <= span.end && span.end <= text.len() + 1, "{f:?}");
            }
        }
        let _ = report.render("fuzz.json");
        let _ = report.to_json("fuzz.json");
    }
});
