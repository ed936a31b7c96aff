//! `flowexpr check`: every flow of every file (definitions, exports, projects; `-` for
//! standard input) through the one loader, each file reported in turn. A file that cannot be
//! read, is not JSON or holds nothing the loader recognises is reported in its place (as a
//! `not-checked` finding) and the others are still checked. Exit code 2 when any file could
//! not be checked, else 1 when any flow has errors; the JSON form is always one document.

use std::path::PathBuf;

use super::input::{describe_loaded, load_project, STDIN_NAME};
use super::{print_json, write_stdout, CheckFormat, Failure};
use crate::value::{Object, Value};

/// Something that could not be checked (a file, or one flow of an export): why, and where
/// in it when that is known.
struct NotChecked {
    /// The file, as the loader names it (`pkg.zip!/...` for a flow inside an export).
    file: String,
    /// The one-line reason.
    message: String,
    /// JSON pointer of the problem, when known.
    pointer: String,
    /// 1-based line and column of the problem.
    position: Option<(usize, usize)>,
    /// The reason with the file's line and a caret, for text output.
    rendered: String,
}

impl NotChecked {
    fn new(file: String, e: &crate::Error) -> NotChecked {
        NotChecked {
            file,
            message: e.message().to_string(),
            pointer: e.pointer().unwrap_or_default().to_string(),
            position: e.line_col(),
            rendered: describe_loaded(e),
        }
    }

    /// The JSON finding, in the shape of the others.
    fn finding(&self) -> Value {
        let mut o = Object::new();
        o.insert("file", Value::from(self.file.as_str()));
        o.insert("severity", Value::from("error"));
        o.insert("code", Value::from("not-checked"));
        o.insert("message", Value::from(self.message.as_str()));
        o.insert("pointer", Value::from(self.pointer.as_str()));
        if let Some((line, column)) = self.position {
            o.insert("line", Value::from(line));
            o.insert("column", Value::from(column));
        }
        Value::Object(o)
    }

    fn text(&self) -> String {
        format!("error[not-checked]: {}\n\n{}: not checked\n", self.rendered, self.file)
    }
}

/// What checking one file gave.
#[derive(Default)]
struct FileResult {
    /// Text output.
    text: String,
    /// JSON findings.
    findings: Vec<Value>,
    /// Did any flow have errors?
    errors: bool,
    /// Could the file (or one of its flows) not be checked?
    unchecked: bool,
}

impl FileResult {
    fn not_checked(&mut self, not: &NotChecked) {
        self.unchecked = true;
        self.text.push_str(&not.text());
        self.findings.push(not.finding());
    }
}

/// Loads and checks every flow of one file argument.
fn check_file(file: &std::path::Path) -> FileResult {
    let mut result = FileResult::default();
    let name = if super::input::is_stdin(file) { STDIN_NAME.to_string() } else { file.display().to_string() };
    let project = match load_project(file) {
        Ok(p) => p,
        Err(e) => {
            result.not_checked(&NotChecked::new(name, &e));
            return result;
        }
    };
    for note in &project.notes {
        result.text.push_str(&format!("note: {note}\n"));
    }
    for flow in &project.flows {
        let report = match crate::project::check_flow(&project, flow) {
            Ok(r) => r,
            Err(e) => {
                result.not_checked(&NotChecked::new(flow.file.clone(), &e));
                continue;
            }
        };
        result.errors |= report.has_errors();
        if project.flows.len() > 1 {
            result.text.push_str(&format!("── {}\n", flow.label()));
        }
        result.text.push_str(&report.render(&flow.file));
        if let Value::Array(items) = report.to_json(&flow.file) {
            result.findings.extend(items.iter().cloned());
        }
    }
    result
}

/// Runs `flowexpr check`.
pub(super) fn run(files: &[PathBuf], format: CheckFormat) -> Result<(), Failure> {
    let (mut errors, mut unchecked) = (0, Vec::new());
    let mut all = Vec::new();
    for file in files {
        let result = check_file(file);
        errors += usize::from(result.errors);
        if result.unchecked {
            unchecked.push(file.display().to_string());
        }
        match format {
            // Text goes out file by file, so a long run shows progress.
            CheckFormat::Text => write_stdout(&result.text)?,
            CheckFormat::Json => all.extend(result.findings),
        }
    }
    if let CheckFormat::Json = format {
        print_json(&Value::array(all), false)?;
    }
    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    match (unchecked.len(), errors) {
        (0, 0) => Ok(()),
        (0, n) => Err(Failure::Failed(format!("check found errors in {n} {}", files_word(n)))),
        (n, _) => Err(Failure::Usage(format!(
            "{n} of {} {} could not be checked: {}",
            files.len(),
            files_word(files.len()),
            unchecked.join(", ")
        ))),
    }
}
