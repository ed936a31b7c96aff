//! A custom connector from any `apiDefinition.swagger.json` and `apiProperties.json`
//! (policies included), bound to an empty connection, every operation dry-run. Input: the
//! definition, NUL, the properties.
#![no_main]

use flowexpr::connector::request::CallInput;
use flowexpr::connector::{Connection, Connector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (definition, properties) = match text.split_once('\0') {
        Some((d, p)) => (d, Some(p)),
        None => (text, None),
    };
    let Ok(connector) = Connector::from_texts("fuzz", definition, properties) else { return };
    let _ = flowexpr::connector::check::check(&connector);
    let Ok(bound) = Connection::new().bind(&connector) else { return };
    for op in connector.operations.iter().take(20) {
        if let Ok(dry) = connector.dry_run(&op.id, &bound, &CallInput::new()) {
            let _ = dry.to_value();
        }
    }
});
