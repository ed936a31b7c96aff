//! The error type shared by the parser, the evaluator and the template renderer.
//!
//! An [`Error`] is one pointer wide. `Display` gives one line; the alternate form (`{:#}`)
//! draws the source line with a caret under the failing part:
//!
//! ```text
//! error: expected `)` to close the call to `concat`, found end of input
//!  --> 1:16
//!   |
//! 1 | concat('a', 'b'
//!   |                ^
//! ```

use std::fmt;
use std::sync::Arc;

use crate::syntax::Span;

/// What went wrong, broadly. The message says precisely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not a valid expression or template.
    Syntax,
    /// A call names a function the language does not have.
    UnknownFunction,
    /// A function was called with the wrong number of arguments.
    ArgumentCount,
    /// A function argument has the wrong type or an unusable value.
    InvalidArgument,
    /// A member access on a value that has no such member, or on null without `?`.
    InvalidMember,
    /// A parameter, variable, action, loop or setting that the run does not have.
    NotFound,
    /// A failure while evaluating (overflow, division by zero, a failed conversion, ...).
    Evaluation,
    /// A configured limit was exceeded (length, nesting, fuel, result size).
    Limit,
    /// A function of the language this version does not implement.
    NotImplemented,
    /// Something that exists only inside the hosted service.
    Unsupported,
    /// A workflow or action definition is not valid.
    Definition,
    /// Reading or writing a file failed.
    Io,
    /// An HTTP exchange failed.
    Http,
}

/// An error with its position.
pub struct Error(Box<Repr>);

struct Repr {
    kind: ErrorKind,
    message: String,
    span: Option<Span>,
    source_text: Option<Arc<str>>,
    pointer: Option<String>,
    cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Repr {
            kind,
            message: message.into(),
            span: None,
            source_text: None,
            pointer: None,
            cause: None,
        }))
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message, without position.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The span in the source text, if known.
    pub fn span(&self) -> Option<Span> {
        self.0.span
    }

    /// The source text the span points into, if attached.
    pub fn source_text(&self) -> Option<&str> {
        self.0.source_text.as_deref()
    }

    /// The JSON pointer of the template string that failed, if any.
    pub fn pointer(&self) -> Option<&str> {
        self.0.pointer.as_deref()
    }

    /// Sets the span unless one is set already (the innermost position wins).
    pub fn with_span(mut self, span: Span) -> Error {
        if self.0.span.is_none() {
            self.0.span = Some(span);
        }
        self
    }

    /// Replaces the span.
    pub fn set_span(mut self, span: Span) -> Error {
        self.0.span = Some(span);
        self
    }

    /// Attaches the source text (if none is attached yet) so the error can show its line.
    pub fn with_source(mut self, text: impl Into<Arc<str>>) -> Error {
        if self.0.source_text.is_none() {
            self.0.source_text = Some(text.into());
        }
        self
    }

    /// Moves the span right by `offset` bytes (used when an expression is part of a
    /// larger string).
    pub fn shift(mut self, offset: usize) -> Error {
        if let Some(span) = self.0.span {
            self.0.span = Some(span.shift(offset));
        }
        self
    }

    /// Sets the JSON pointer of the failing template string, if none is set yet.
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Error {
        if self.0.pointer.is_none() {
            self.0.pointer = Some(pointer.into());
        }
        self
    }

    /// Attaches an underlying cause.
    pub fn with_cause(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.0.cause = Some(Box::new(cause));
        self
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Error {
        self.0.message = message.into();
        self
    }

    /// The 1-based line and column (in characters) of the start of the span, if both the
    /// span and the source are known.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (text, span) = (self.0.source_text.as_deref()?, self.0.span?);
        Some(line_col(text, span.start))
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Draws the line of `text` that holds `span`, with carets under the span. Long lines are
/// cut to a window around the span.
pub fn render_snippet(text: &str, span: Span, out: &mut String) {
    use fmt::Write as _;
    const WINDOW: usize = 60;
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let (line_no, _) = line_col(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let chars: Vec<char> = line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
    let caret_col = text[line_start..start].chars().count();
    let end = floor_char_boundary(text, span.end.clamp(start, line_end));
    let width = text[start..end].chars().count().max(1);
    let (from, prefix) = if caret_col > WINDOW { (caret_col - WINDOW / 2, "…") } else { (0, "") };
    let to = (from + 2 * WINDOW).min(chars.len());
    let suffix = if to < chars.len() { "…" } else { "" };
    let shown: String = chars[from..to].iter().collect();
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{gutter} | {prefix}{shown}{suffix}");
    let lead = " ".repeat(caret_col - from + prefix.chars().count());
    let carets = "^".repeat(width.min(2 * WINDOW));
    let _ = write!(out, "{pad} | {lead}{carets}");
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        if !f.alternate() {
            f.write_str(&r.message)?;
            match (&r.pointer, self.line_col()) {
                (Some(p), Some((l, c))) => write!(f, " (at {p}, {l}:{c})")?,
                (Some(p), None) => write!(f, " (at {p})")?,
                (None, Some((l, c))) => write!(f, " (at {l}:{c})")?,
                (None, None) => {}
            }
            return Ok(());
        }
        write!(f, "error: {}", r.message)?;
        if let Some(cause) = &r.cause {
            write!(f, ": {cause}")?;
        }
        match (&r.pointer, self.line_col()) {
            (Some(p), Some((l, c))) => write!(f, "\n --> {p} {l}:{c}")?,
            (Some(p), None) => write!(f, "\n --> {p}")?,
            (None, Some((l, c))) => write!(f, "\n --> {l}:{c}")?,
            (None, None) => {}
        }
        if let (Some(text), Some(span)) = (&r.source_text, r.span) {
            let mut snippet = String::new();
            render_snippet(text, span, &mut snippet);
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("span", &self.0.span)
            .field("pointer", &self.0.pointer)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.cause.as_ref().map(|c| &**c as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, e.to_string()).with_cause(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn renders_caret_under_span() {
        let e = Error::new(ErrorKind::Syntax, "bad").with_span(Span::new(7, 10)).with_source("concat(xyz)");
        assert_eq!(e.to_string(), "bad (at 1:8)");
        assert_eq!(format!("{e:#}"), "error: bad\n --> 1:8\n  |\n1 | concat(xyz)\n  |        ^^^");
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_col("ab\ncdé f", 8), (2, 5));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn long_lines_are_windowed() {
        let text = format!("{}XYZ{}", "a".repeat(500), "b".repeat(500));
        let mut out = String::new();
        render_snippet(&text, Span::new(500, 503), &mut out);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].len() < 200, "{}", lines[1]);
        let caret_at = lines[2].chars().position(|c| c == '^').unwrap_or(0);
        let above: String = lines[1].chars().skip(caret_at).take(3).collect();
        assert_eq!(above, "XYZ");
    }
}
