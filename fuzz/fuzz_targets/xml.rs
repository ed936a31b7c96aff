//! XML as input: `xml()`, `json()` of XML and `xpath()` over any document and any XPath
//! expression, with fuel (XPath's work is charged before it runs). Input: the XML, NUL,
//! the XPath expression.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (xml, xpath) = text.split_once('\0').unwrap_or((text, "/*"));
    let mut variables = flowexpr::value::Object::new();
    variables.insert("doc", flowexpr::Value::from(xml));
    variables.insert("path", flowexpr::Value::from(xpath));
    let ctx = flowexpr::RunContext { variables, ..Default::default() };
    let limits = flowexpr::Limits { fuel: Some(2_000_000), ..flowexpr::Limits::default() };
    let engine = flowexpr::Engine::with_limits(limits);
    for expression in [
        "xml(variables('doc'))",
        "json(xml(variables('doc')))",
        "xpath(xml(variables('doc')), variables('path'))",
        "string(xml(json(xml(variables('doc')))))",
    ] {
        if let Ok(v) = engine.eval(expression, &ctx) {
            let _ = v.to_json();
        }
    }
});
