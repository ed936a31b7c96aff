//! The one way out: [`Output`] writes to standard output, standard error and files, and
//! redacts everything it writes with the secrets it holds.
//!
//! Every sink of the command line (records, summaries, errors, flow-test reports, JUnit,
//! dry runs, connector output, the REPL, log lines) and of the library (the progress line,
//! snapshot files) writes through an `Output`. Nothing else may: `clippy.toml` forbids the
//! print macros, `std::io::stdout`/`stderr` and `std::fs::write` everywhere but in this
//! module, so a new output that skips the redactor fails the lint run.

// This module is the only place allowed to touch the process's outputs (clippy.toml).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;

use super::executor::Logger;
use super::redact::{Redactor, Secrets};
use crate::value::Value;

/// A redacting writer for standard output, standard error and files.
///
/// It also carries the command's colour decision (`--color`, `NO_COLOR`, `TERM=dumb`, made
/// by the command line for each stream), so whatever writes through it colours — or not —
/// by the same rule.
#[derive(Clone, Debug, Default)]
pub struct Output {
    secrets: Secrets,
    /// Colour what goes to standard output / standard error?
    color: [bool; 2],
}

/// One of the process's two output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }
    }
}

impl Output {
    /// An output that hides what `secrets` knows, now and as it grows.
    pub fn new(secrets: Secrets) -> Output {
        Output { secrets, color: [false; 2] }
    }

    /// The same output, colouring standard output and standard error as decided (the
    /// command line decides from `--color`, `NO_COLOR` and whether each is a terminal).
    pub fn with_color(mut self, stdout: bool, stderr: bool) -> Output {
        self.color = [stdout, stderr];
        self
    }

    /// Should what goes to `stream` be coloured?
    pub fn color(&self, stream: Stream) -> bool {
        self.color[stream.index()]
    }

    /// Should what goes to standard output be coloured?
    pub fn stdout_color(&self) -> bool {
        self.color(Stream::Stdout)
    }

    /// Should what goes to standard error be coloured?
    pub fn stderr_color(&self) -> bool {
        self.color(Stream::Stderr)
    }

    /// The secrets it hides (add to them as commands learn more).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Adds what a redactor knows.
    pub fn learn(&self, redactor: &Redactor) {
        self.secrets.merge(redactor);
    }

    /// Redacted text, as it would be written.
    pub fn redact(&self, text: &str) -> String {
        self.secrets.redact_text(text)
    }

    /// Writes text to standard output. A closed pipe (`| head`) is not an error.
    pub fn stdout(&self, text: &str) -> std::io::Result<()> {
        self.write(Stream::Stdout, text)
    }

    /// Writes text to a stream and flushes it. A closed pipe (`| head`) is not an error;
    /// any other failure (a full disk) is returned.
    pub fn write(&self, stream: Stream, text: &str) -> std::io::Result<()> {
        write_raw(stream, self.redact(text).as_bytes())
    }

    /// Writes a value as JSON (indented, or on one line) and a newline to standard output.
    /// The value is redacted member by member before it is written, so the JSON stays valid.
    pub fn stdout_json(&self, value: &Value, compact: bool) -> std::io::Result<()> {
        write_raw(Stream::Stdout, self.json_text(value, compact).as_bytes())
    }

    /// The JSON text (with a final newline) [`Output::stdout_json`] writes.
    pub fn json_text(&self, value: &Value, compact: bool) -> String {
        let value = self.secrets.redact_value(value);
        let text = if compact {
            crate::value::to_json_string(&value)
        } else {
            crate::value::to_json_string_pretty(&value)
        };
        format!("{text}\n")
    }

    /// Writes text to standard error (errors there are ignored: there is nowhere left to
    /// report them).
    pub fn stderr(&self, text: &str) {
        let _ = self.write(Stream::Stderr, text);
    }

    /// Writes one line to standard error.
    pub fn stderr_line(&self, line: &str) {
        self.stderr(&format!("{line}\n"));
    }

    /// Writes text to a file, redacted.
    pub fn write_file(&self, path: &Path, text: &str) -> std::io::Result<()> {
        std::fs::write(path, self.redact(text))
    }

    /// Writes a value as indented JSON (and a newline) to a file, redacted member by member.
    pub fn write_json_file(&self, path: &Path, value: &Value) -> std::io::Result<()> {
        std::fs::write(path, self.json_text(value, false))
    }

    /// A logger for the HTTP runtime that writes each line to standard error.
    pub fn stderr_logger(&self) -> Logger {
        let out = self.clone();
        std::sync::Arc::new(move |line: &str| out.stderr_line(line))
    }

    /// Is standard output a terminal?
    pub fn stdout_is_terminal(&self) -> bool {
        self.is_terminal(Stream::Stdout)
    }

    /// Is standard error a terminal?
    pub fn stderr_is_terminal(&self) -> bool {
        self.is_terminal(Stream::Stderr)
    }

    /// Is `stream` a terminal?
    pub fn is_terminal(&self, stream: Stream) -> bool {
        match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Writes bytes already redacted to a stream, and flushes; a closed pipe is not an error.
fn write_raw(stream: Stream, bytes: &[u8]) -> std::io::Result<()> {
    let result = match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        Stream::Stderr => {
            let mut err = std::io::stderr().lock();
            err.write_all(bytes).and_then(|()| err.flush())
        }
    };
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_redacted_member_by_member_and_stays_json() {
        let secrets = Secrets::new();
        secrets.add("a\",b");
        let out = Output::new(secrets);
        let v = crate::value::from_json_str(r#"{"k": ["a\",b", "x a\",b y"]}"#).unwrap_or_default();
        let text = out.json_text(&v, true);
        assert_eq!(text, "{\"k\":[\"[redacted]\",\"x [redacted] y\"]}\n");
        assert!(crate::value::from_json_str(&text).is_ok());
    }
}
