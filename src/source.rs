//! Reading the files people write — definitions, run contexts, mocks, parameters, test
//! files — as text, with a clear message for each way a file can be wrong before it is
//! even JSON: a folder where a file was expected, a byte-order mark, text that is not
//! UTF-8. And placing a loader's error (a JSON pointer) on its line in the file.
//!
//! The rules, as the README states them: a UTF-8 byte-order mark is skipped (Notepad and
//! PowerShell 5 write one, and the service's own JSON reader accepts it); a UTF-16 or UTF-32
//! byte-order mark is an error that says how to save the file; invalid UTF-8 is an error
//! naming the first bad byte's line and column.

use std::path::Path;

use crate::check::positions::Positions;
use crate::error::{Error, ErrorKind, Result};
use crate::syntax::Span;
use crate::value::Value;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a file as UTF-8 text (see the module documentation). `what` names the file's role
/// in messages ("run context", "workflow").
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    if path.is_dir() {
        return Err(Error::new(
            ErrorKind::Io,
            format!("the {what} {} is a folder; a file was expected", path.display()),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read the {what} {}: {e}", path.display())))?;
    decode_as(bytes, &format!("the {what} {}", path.display()))
}

/// Decodes file bytes as UTF-8 text: a UTF-8 byte-order mark is dropped; UTF-16/UTF-32 and
/// invalid UTF-8 are errors with the position of the problem.
pub fn decode(bytes: Vec<u8>) -> Result<String> {
    decode_as(bytes, "the text")
}

/// [`decode`], naming the text `subject` in messages ("the run context run.json").
pub fn decode_as(bytes: Vec<u8>, subject: &str) -> Result<String> {
    if let Some(encoding) = wide_encoding(&bytes) {
        return Err(Error::new(
            ErrorKind::Definition,
            format!("{subject} is {encoding}: it starts with that byte-order mark; save it as UTF-8"),
        ));
    }
    let bytes = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let bad = bytes.get(valid_up_to).copied().unwrap_or_default();
        // The valid prefix is text, so line and column count characters as everywhere else.
        let prefix = String::from_utf8_lossy(&bytes[..valid_up_to]);
        let (line, column) = crate::error::line_col(&prefix, prefix.len());
        Error::new(
            ErrorKind::Definition,
            format!(
                "{subject} is not UTF-8: byte 0x{bad:02X} at line {line}, column {column} (byte offset {valid_up_to}) \
                 does not start a UTF-8 character; save it as UTF-8"
            ),
        )
    })
}

/// The name of a UTF-16 or UTF-32 encoding announced by a byte-order mark.
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xFF\xFE\0\0") {
        Some("UTF-32 (little-endian)")
    } else if bytes.starts_with(b"\0\0\xFE\xFF") {
        Some("UTF-32 (big-endian)")
    } else if bytes.starts_with(b"\xFF\xFE") {
        Some("UTF-16 (little-endian)")
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some("UTF-16 (big-endian)")
    } else {
        None
    }
}

/// Parses JSON text; a syntax error names its line and column and carries a caret.
pub fn parse_json(text: &str, what: &str) -> Result<Value> {
    parse_json_as(text, &format!("the {what}"))
}

/// [`parse_json`], naming the text `subject` in messages (`pkg.zip!/Workflows/x.json`).
pub fn parse_json_as(text: &str, subject: &str) -> Result<Value> {
    crate::value::from_json_str(text).map_err(|e| {
        let offset = offset_of(text, e.line(), e.column());
        Error::new(ErrorKind::Definition, format!("{subject} is not valid JSON: {e}"))
            .with_span(Span::new(offset, offset))
            .with_source(text)
    })
}

/// Places an error with a JSON pointer (and no position yet) in `text`: the span of the
/// member the pointer names (or of its nearest ancestor), so `{e}` names the line and `{e:#}`
/// draws it.
pub fn locate(error: Error, text: &str) -> Error {
    if error.span().is_some() {
        return error;
    }
    let Some(pointer) = error.pointer() else { return error };
    let pointer = if pointer == "/" { "" } else { pointer };
    let Some(place) = Positions::index(text).nearest(pointer) else { return error };
    let start = place.key.unwrap_or(place.value);
    // One line at most: the snippet shows where, not the whole value.
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = place.end.min(line_end).max(start);
    error.with_span(Span::new(start, end)).with_source(text)
}

/// The byte offset of serde_json's 1-based line and column.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf8_byte_order_mark_is_dropped() {
        assert_eq!(decode(b"\xEF\xBB\xBF{\"a\": 1}".to_vec()).ok().as_deref(), Some("{\"a\": 1}"));
    }

    #[test]
    fn wide_encodings_say_how_to_fix_them() {
        let cases: &[(&[u8], &str)] = &[
            (b"\xFF\xFE{\0", "UTF-16 (little-endian)"),
            (b"\xFE\xFF\0{", "UTF-16 (big-endian)"),
            (b"\xFF\xFE\0\0{\0\0\0", "UTF-32 (little-endian)"),
            (b"\0\0\xFE\xFF\0\0\0{", "UTF-32 (big-endian)"),
        ];
        for (bytes, name) in cases {
            let message = decode(bytes.to_vec()).map(|_| String::new()).unwrap_or_else(|e| e.to_string());
            assert!(message.contains(name) && message.contains("save it as UTF-8"), "{message}");
        }
    }

    #[test]
    fn invalid_utf8_names_the_byte_and_its_line() {
        let message = decode(b"{\n  \"name\": \"Caf\xE9\"\n}".to_vec())
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(message.contains("byte 0xE9 at line 2, column 15 (byte offset 16)"), "{message}");
    }

    #[test]
    fn a_pointer_is_placed_on_its_line() {
        let text = "{\n  \"variables\": [1, 2]\n}";
        let e =
            Error::new(ErrorKind::Definition, "\"variables\" must be an object").with_pointer("/variables");
        let e = locate(e, text);
        assert_eq!(e.line_col(), Some((2, 3)));
        assert!(e.to_string().ends_with("(at /variables, 2:3)"), "{e}");
        assert!(format!("{e:#}").contains("^^^"), "{e:#}");
    }

    #[test]
    fn syntax_errors_carry_their_position() {
        let e = parse_json("{\n  \"a\": 1,\n}", "run context").map(|_| ()).err();
        assert_eq!(e.as_ref().and_then(Error::line_col), Some((3, 1)));
    }

    #[test]
    fn a_folder_is_not_a_file() {
        let message =
            read_text(Path::new("src"), "workflow").map(|_| String::new()).unwrap_or_else(|e| e.to_string());
        assert!(message.contains("is a folder; a file was expected"), "{message}");
    }
}
