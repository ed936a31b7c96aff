//! The files named on the command line. `-` is standard input (once per command, as in jq
//! and cargo); every file is read through [`crate::source`], so a folder, a byte-order mark
//! or text that is not UTF-8 gets a clear message; and a loader's error about the file's
//! shape is shown on its line, with the JSON pointer of what was wrong.

use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Failure;
use crate::error::ErrorKind;
use crate::project::Project;
use crate::value::Value;
use crate::Error;

/// How standard input is named in messages.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// Set once standard input has been read: a second `-` would silently get nothing.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Is this file argument standard input?
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A file's text and the name it is shown under.
pub(crate) struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The text (UTF-8, without byte-order mark).
    pub text: String,
    /// Messages about this file show where, never its text: it may hold secrets.
    pub secret: bool,
}

/// The files that hold secrets by design (parameter values, connection keys, a run context's
/// parameters): a message about one names the line, column and pointer but does not print
/// the line, which could carry a secret next to the mistake.
fn may_hold_secrets(what: &str) -> bool {
    matches!(what, "run context" | "parameters file" | "connections file" | "connection file")
}

impl Input {
    /// Reads a file argument; `what` names its role in messages ("run context").
    pub(crate) fn read(path: &Path, what: &str) -> Result<Input, Failure> {
        if !is_stdin(path) {
            let text = crate::source::read_text(path, what).map_err(|e| Failure::Usage(e.to_string()))?;
            return Ok(Input { name: path.display().to_string(), text, secret: may_hold_secrets(what) });
        }
        let bytes = stdin_bytes(what).map_err(|e| Failure::Usage(e.to_string()))?;
        let text = crate::source::decode_as(bytes, &format!("the {what} on standard input"))
            .map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(Input { name: STDIN_NAME.to_string(), text, secret: may_hold_secrets(what) })
    }

    /// Reads a file argument and parses it as JSON.
    pub(crate) fn read_json(path: &Path, what: &str) -> Result<(Input, Value), Failure> {
        let input = Input::read(path, what)?;
        let value = crate::source::parse_json(&input.text, what).map_err(|e| input.invalid(e))?;
        Ok((input, value))
    }

    /// A usage failure (exit 2) for an error about this file, placed on its line.
    pub(crate) fn invalid(&self, error: Error) -> Failure {
        Failure::Usage(self.describe(error))
    }

    /// The error placed in this file: `name: message`, then ` --> name:line:column at
    /// /pointer` and (unless the file may hold secrets) the line with a caret under what was
    /// wrong. An error inside an expression of the file shows the expression instead.
    pub(crate) fn describe(&self, error: Error) -> String {
        let error = crate::source::locate(error, &self.text);
        let message = format!("{}: {}", self.name, error.message());
        placed(message, Some(&self.name), &self.text, self.secret, &error)
    }
}

/// `message`, then where `error` is: ` --> name:line:column at /pointer` and the line of
/// `text` (the file's) with a caret — or, for an error inside an expression of the file, the
/// expression with the caret. `name` is left out of the arrow when the message names the
/// file already; `secret` files show the position only.
fn placed(mut out: String, name: Option<&str>, text: &str, secret: bool, error: &Error) -> String {
    let pointer = error.pointer().map(|p| format!(" at {p}")).unwrap_or_default();
    let ours = error.source_text() == Some(text);
    let at = name.map(|n| format!("{n}:")).unwrap_or_default();
    match (error.line_col(), error.span(), error.source_text()) {
        (Some((line, column)), Some(span), Some(_)) if ours => {
            out.push_str(&format!("\n --> {at}{line}:{column}{pointer}"));
            if !secret {
                out.push('\n');
                crate::error::render_snippet(text, span, &mut out);
            }
        }
        (Some(_), Some(span), Some(expression)) if !secret => {
            out.push_str(&format!("\n --> {}{pointer}\n", name.unwrap_or_default()));
            crate::error::render_snippet(expression, span, &mut out);
        }
        _ if !pointer.is_empty() => out.push_str(&format!("\n --> {}{pointer}", name.unwrap_or_default())),
        _ => {}
    }
    out
}

/// Reads standard input once: a second `-` would silently get nothing.
fn stdin_bytes(what: &str) -> crate::Result<Vec<u8>> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "the {what} is `-`, but standard input was already read for another argument; \
                 only one argument can be `-`"
            ),
        ));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read the {what} from standard input: {e}")))?;
    Ok(bytes)
}

/// Loads the flows a file argument holds through the one loader ([`crate::project`]): a
/// definition, an export (`.zip` or folder) or a Standard project; `-` is standard input (a
/// JSON document or a `.zip`). The loader's messages name the file.
pub(crate) fn load_project(path: &Path) -> crate::Result<Project> {
    if is_stdin(path) {
        let bytes = stdin_bytes("flow")?;
        return crate::project::from_bytes(STDIN_NAME, "local", bytes);
    }
    crate::project::load(path)
}

/// A loader's error (its message names the file): the message, and where it is when the
/// loader placed it (` --> line:column at /pointer` and the line with a caret).
pub(crate) fn describe_loaded(error: &Error) -> String {
    let text = error.source_text().unwrap_or_default().to_string();
    placed(error.message().to_string(), None, &text, false, error)
}

/// An error about a flow the loader gave (`file`, as the loader names it, and its `text`):
/// `file: message`, placed on its line in the file (or in the expression it is about).
pub(crate) fn describe_in_flow(file: &str, text: &str, error: Error) -> String {
    let error = crate::source::locate(error, text);
    placed(format!("{file}: {}", error.message()), Some(file), text, false, &error)
}

/// Reads a file argument, or nothing when it is not given.
pub(crate) fn read_optional_json(path: Option<&Path>, what: &str) -> Result<Option<(Input, Value)>, Failure> {
    path.map(|p| Input::read_json(p, what)).transpose()
}

/// Writes an output file argument; `-` is standard output.
pub(crate) fn write_output(path: &Path, text: &str, what: &str) -> Result<(), Failure> {
    if is_stdin(path) {
        return super::write_stdout(text);
    }
    if path.is_dir() {
        return Err(Failure::Usage(format!(
            "the {what} {} is a folder; a file was expected",
            path.display()
        )));
    }
    std::fs::write(path, text)
        .map_err(|e| Failure::Usage(format!("cannot write the {what} {}: {e}", path.display())))
}
