//! `flowexpr check`: every flow of every file (definitions, exports, projects) through the
//! one loader; each file is reported, also after one fails to load.

use std::path::PathBuf;

use super::{print_json, write_stdout, CheckFormat, Failure};
use crate::value::{Object, Value};

/// Runs the command. Exit 2 when a file holds nothing the loader recognises (or cannot be
/// read), else 1 when there are errors, else 0; the JSON form is always one document.
pub(super) fn run(files: &[PathBuf], format: CheckFormat) -> Result<(), Failure> {
    let mut errors = false;
    let mut unloadable = Vec::new();
    let mut all = Vec::new();
    let mut text_out = String::new();
    for file in files {
        let name = file.display().to_string();
        let project = match crate::project::load(file) {
            Ok(p) => p,
            Err(e) => {
                text_out
                    .push_str(&format!("error[load]: {}\n --> {name}\n\n{name}: not checked\n", e.message()));
                all.push(load_failure(&name, &e));
                unloadable.push(name);
                continue;
            }
        };
        for note in &project.notes {
            text_out.push_str(&format!("note: {note}\n"));
        }
        for flow in &project.flows {
            let report = match crate::project::check_flow(&project, flow) {
                Ok(r) => r,
                Err(e) => {
                    text_out.push_str(&format!("error[load]: {}\n --> {}\n\n", e.message(), flow.file));
                    all.push(load_failure(&flow.file, &e));
                    errors = true;
                    continue;
                }
            };
            errors |= report.has_errors();
            match format {
                CheckFormat::Text => {
                    if project.flows.len() > 1 {
                        text_out.push_str(&format!("── {}\n", flow.label()));
                    }
                    text_out.push_str(&report.render(&flow.file));
                }
                CheckFormat::Json => {
                    if let Value::Array(items) = report.to_json(&flow.file) {
                        all.extend(items.iter().cloned());
                    }
                }
            }
        }
    }
    match format {
        CheckFormat::Text => write_stdout(&text_out)?,
        CheckFormat::Json => print_json(&Value::array(all), false)?,
    }
    if !unloadable.is_empty() {
        Err(Failure::Usage(format!("not checked: {}", unloadable.join(", "))))
    } else if errors {
        Err(Failure::Failed("check found errors".into()))
    } else {
        Ok(())
    }
}

/// A file that did not load, as a finding of the JSON form.
fn load_failure(file: &str, e: &crate::Error) -> Value {
    let mut o = Object::new();
    o.insert("file", Value::from(file));
    o.insert("severity", Value::from("error"));
    o.insert("code", Value::from("load"));
    o.insert("message", Value::from(e.message()));
    o.insert("pointer", Value::from(e.pointer().unwrap_or("")));
    Value::Object(o)
}
