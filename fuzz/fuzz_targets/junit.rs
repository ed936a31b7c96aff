//! JUnit output: any names and messages (control characters, `]]>`, invalid surrogates
//! written out as text) give a well-formed XML report.
#![no_main]

use flowexpr::flowtest::junit::{write, CaseResult, SuiteResult};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parts: Vec<&str> = text.split('\0').collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or("").to_string();
    let suite = SuiteResult {
        name: get(0),
        timestamp: "2024-01-15T10:30:00".into(),
        cases: vec![
            CaseResult { name: get(1), seconds: 0.5, failure: Some((get(2), get(3))) },
            CaseResult { name: get(4), seconds: 0.0, failure: None },
        ],
    };
    let xml = write(&[suite]);
    let mut variables = flowexpr::value::Object::new();
    variables.insert("doc", flowexpr::Value::from(xml.as_str()));
    let ctx = flowexpr::RunContext { variables, ..Default::default() };
    let parsed = flowexpr::Engine::new().eval("xml(variables('doc'))", &ctx);
    assert!(parsed.is_ok(), "the report is not well-formed XML: {parsed:?}\n{xml}");
});
