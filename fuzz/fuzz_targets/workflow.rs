//! A workflow definition, loaded and — when it loads — run with mocks and no network:
//! `definition JSON`, NUL, `mocks JSON`. Loops and waits are bounded by the run's limits;
//! every wait is scaled to nothing.
#![no_main]

use std::sync::Arc;
use std::time::Duration;

use flowexpr::runtime::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use flowexpr::workflow::{self, Mocks, RunOptions, Workflow};
use libfuzzer_sys::fuzz_target;

struct NoNetwork;

impl Transport for NoNetwork {
    fn send(&self, _: &HttpRequest, _: Duration) -> Result<HttpResponse, TransportError> {
        Err(TransportError::new(TransportErrorKind::InvalidRequest, "no network in the fuzzer"))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (definition, mocks) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(flow) = Workflow::from_json_str(definition) else { return };
    let mocks = Mocks::from_json_str(mocks).unwrap_or_else(|_| Mocks::none());
    let options = RunOptions {
        mocks,
        time_scale: 1e-9,
        clock: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        transport: Some(Arc::new(NoNetwork)),
        ..RunOptions::default()
    };
    if let Ok(runs) = workflow::fire(&flow, options) {
        for run in runs {
            // The record reads back as a run context.
            let text = flowexpr::value::to_json_string(&run.record);
            assert!(flowexpr::RunContext::from_json_str(&text).is_ok(), "the record does not read back");
        }
    }
});
