//! The project loader on any export: raw bytes (a `.zip`, an exported flow file, any JSON),
//! or a virtual folder — `path`, NUL, `contents`, NUL, ... — packed into a zip here, so the
//! Standard project, solution and package shapes get their JSON and XML files mutated one by
//! one. Whatever loads is checked, its secrets gathered and each flow run as `flowexpr test`
//! runs a smoke case (stubs, no network, waits scaled away); nothing may panic, and the run
//! records show none of the export's secrets.
#![no_main]

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use flowexpr::runtime::{HttpRequest, HttpResponse, Redactor, Transport, TransportError, TransportErrorKind};
use flowexpr::value::Value;
use flowexpr::workflow::{self, RunOptions};
use libfuzzer_sys::fuzz_target;

struct NoNetwork;

impl Transport for NoNetwork {
    fn send(&self, _: &HttpRequest, _: Duration) -> Result<HttpResponse, TransportError> {
        Err(TransportError::new(TransportErrorKind::InvalidRequest, "no network in the fuzzer"))
    }
}

/// `path NUL contents NUL path NUL contents ...` as a zip (stored, no compression).
fn folder_zip(text: &[u8]) -> Option<Vec<u8>> {
    let mut parts = text.split(|b| *b == 0);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut any = false;
    while let (Some(path), Some(contents)) = (parts.next(), parts.next()) {
        let path = String::from_utf8_lossy(path);
        if path.is_empty() || path.len() > 200 {
            continue;
        }
        zip.start_file(path.as_ref(), options).ok()?;
        zip.write_all(contents).ok()?;
        any = true;
    }
    if !any {
        return None;
    }
    Some(zip.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    // The first byte chooses: raw bytes, or a folder packed into a zip.
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        match folder_zip(rest) {
            Some(z) => z,
            None => return,
        }
    };
    let Ok(project) = flowexpr::project::from_bytes("fuzz.zip", "fuzz", bytes) else { return };
    let secrets = project.secrets();
    for flow in &project.flows {
        let _ = flow.label();
        if let Ok(report) = flowexpr::project::check_flow(&project, flow) {
            for f in &report.findings {
                let _ = report.line_col(f);
            }
            let _ = report.render(&flow.file);
        }
        let Ok(compiled) = flow.workflow() else { continue };
        let export = flowexpr::project::run::Environment::new(&project, flow);
        let options = RunOptions {
            time_scale: 1e-9,
            clock: chrono::DateTime::from_timestamp(1_700_000_000, 0),
            transport: Some(Arc::new(NoNetwork)),
            workflow_name: flow.name.clone(),
            export,
            stub_unmocked: true,
            ..RunOptions::default()
        };
        if let Ok(runs) = workflow::fire(&compiled, options) {
            for run in runs {
                assert_hidden(&secrets, &run.record, 0);
            }
        }
    }
});

/// No string of the record (and no member name) holds a secret of the export: redacting it
/// again changes nothing. Strings that hold a mask already are left out (a secret may be
/// part of the mask's own letters).
fn assert_hidden(secrets: &Redactor, value: &Value, depth: usize) {
    let masked = |s: &str| s.contains("[redacted]") || s.contains("[secured");
    let check = |s: &str| {
        if !masked(s) {
            assert_eq!(secrets.redact_text(s), s, "a secret of the export is in the record");
        }
    };
    if depth > 300 {
        return;
    }
    match value {
        Value::String(s) => check(s),
        Value::Array(items) => items.iter().for_each(|v| assert_hidden(secrets, v, depth + 1)),
        Value::Object(o) => {
            for (k, v) in o {
                check(k);
                assert_hidden(secrets, v, depth + 1);
            }
        }
        _ => {}
    }
}
