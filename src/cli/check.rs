//! `flowexpr check`: every file is checked and reported in turn; one that cannot be read or
//! is not JSON is reported in its place (as a `not-checked` finding) and the others are still
//! checked. Exit code 2 when any file could not be checked, else 1 when any has errors.

use std::path::{Path, PathBuf};

use super::input::Input;
use super::{print_json, write_stdout, CheckFormat, Failure};
use crate::value::{Object, Value};

/// A file that could not be checked: why, and where in it when that is known.
struct NotChecked {
    /// The one-line reason.
    message: String,
    /// 1-based line and column of the problem.
    position: Option<(usize, usize)>,
    /// The reason with the file's line and a caret, for text output.
    rendered: String,
}

/// Reads and checks one file.
fn check_file(file: &Path) -> (String, Result<crate::check::Report, NotChecked>) {
    let input = match Input::read(file, "definition") {
        Ok(input) => input,
        Err(failure) => {
            let message = failure.message().to_string();
            let not = NotChecked { rendered: message.clone(), message, position: None };
            return (file.display().to_string(), Err(not));
        }
    };
    match crate::check::check_text(&input.text) {
        Ok(_) if !is_definition(&input.text) => {
            let message = "this is not a workflow definition: expected \"actions\" or \"triggers\", \
                           or a \"definition\" holding them; nothing was checked"
                .to_string();
            (input.name, Err(NotChecked { rendered: message.clone(), message, position: Some((1, 1)) }))
        }
        Ok(report) => (input.name, Ok(report)),
        Err(e) => {
            let not = NotChecked {
                message: e.message().to_string(),
                position: e.line_col(),
                rendered: input.describe(e),
            };
            (input.name, Err(not))
        }
    }
}

/// Is this JSON a definition the checker reads — an object with `actions` or `triggers`,
/// bare or under `definition`? A checker must not say "0 errors" about something else.
fn is_definition(text: &str) -> bool {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return false };
    let root = match json.get("definition") {
        Some(definition @ serde_json::Value::Object(_)) => definition,
        _ => &json,
    };
    root.get("actions").is_some() || root.get("triggers").is_some()
}

/// Runs `flowexpr check`.
pub(super) fn run(files: &[PathBuf], format: CheckFormat) -> Result<(), Failure> {
    let (mut errors, mut unchecked) = (0, 0);
    let mut all = Vec::new();
    for file in files {
        let (name, report) = check_file(file);
        match (report, format) {
            (Ok(report), CheckFormat::Text) => {
                errors += usize::from(report.has_errors());
                write_stdout(&report.render(&name))?;
            }
            (Ok(report), CheckFormat::Json) => {
                errors += usize::from(report.has_errors());
                if let Value::Array(items) = report.to_json(&name) {
                    all.extend(items.iter().cloned());
                }
            }
            (Err(not), CheckFormat::Text) => {
                unchecked += 1;
                write_stdout(&format!("error[not-checked]: {}\n\n{name}: not checked\n", not.rendered))?;
            }
            (Err(not), CheckFormat::Json) => {
                unchecked += 1;
                all.push(not_checked_finding(&name, &not));
            }
        }
    }
    if let CheckFormat::Json = format {
        print_json(&Value::array(all), false)?;
    }
    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    match (unchecked, errors) {
        (0, 0) => Ok(()),
        (0, n) => Err(Failure::Failed(format!("check found errors in {n} {}", files_word(n)))),
        (n, _) => Err(Failure::Usage(format!(
            "{n} of {} {} could not be checked",
            files.len(),
            files_word(files.len())
        ))),
    }
}

/// The JSON finding for a file that could not be checked, in the shape of the others.
fn not_checked_finding(file: &str, not: &NotChecked) -> Value {
    let mut o = Object::new();
    o.insert("file", Value::from(file));
    o.insert("severity", Value::from("error"));
    o.insert("code", Value::from("not-checked"));
    o.insert("message", Value::from(not.message.as_str()));
    o.insert("pointer", Value::from(""));
    if let Some((line, column)) = not.position {
        o.insert("line", Value::from(line));
        o.insert("column", Value::from(column));
    }
    Value::Object(o)
}
