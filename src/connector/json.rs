//! Reading connector files as published: a JSON reader that accepts the mistakes found in
//! real connector files, says what it accepted, and reports everything else with line,
//! column and JSON pointer.
//!
//! Accepted with a [`Repair`] each (the platform's reader, Json.NET, accepts the first four;
//! the last one it rejects, so `connector check` reports it as an error while loading goes
//! on):
//!
//! - a trailing comma before `}` or `]`;
//! - `//` and `/* */` comments;
//! - whitespace outside ASCII (no-break and em spaces pasted from documents);
//! - raw control characters (tabs, line breaks) inside strings;
//! - a missing comma between two members or items written on separate lines.
//!
//! A file that is not UTF-8 is read as Latin-1 (with a repair noted); a UTF-8 byte-order
//! mark is skipped. Repeated keys keep the last value, as Json.NET does.

use std::collections::HashMap;
use std::fmt;

use crate::template::push_pointer_token;
use crate::value::{Object, Value};

/// The deepest nesting accepted (swagger schemas are rarely deeper than 20).
const MAX_DEPTH: usize = 256;

/// A mistake in a file that the reader accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// What was wrong and what the reader did.
    pub message: String,
    /// Byte offset in the decoded text.
    pub offset: usize,
    /// 1-based line and column (in characters).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The JSON pointer of the value being read.
    pub pointer: String,
    /// Does the platform itself accept this? (Json.NET does for all but missing commas.)
    pub platform_accepts: bool,
}

/// A file that could not be read as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Byte offset in the decoded text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The JSON pointer of the value being read when the error was found.
    pub pointer: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{} (line {}, column {}, at {at})", self.message, self.line, self.column)
    }
}

/// A parsed document: the value, the repairs made, the decoded text and (if asked for)
/// where each value starts.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The document.
    pub value: Value,
    /// What was accepted although it is not strict JSON.
    pub repairs: Vec<Repair>,
    /// The text as decoded (without byte-order mark).
    pub text: String,
    /// JSON pointer → byte offset of the value (of the key, for object members).
    pub positions: Option<HashMap<String, usize>>,
}

impl Parsed {
    /// The 1-based line and column of the value at `pointer`, or of its nearest ancestor
    /// that was indexed (positions must have been recorded).
    pub fn line_col(&self, pointer: &str) -> Option<(usize, usize)> {
        let positions = self.positions.as_ref()?;
        let mut p = pointer;
        loop {
            if let Some(offset) = positions.get(p) {
                return Some(crate::error::line_col(&self.text, *offset));
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

/// Decodes file bytes: strips a UTF-8 byte-order mark; text that is not UTF-8 is read as
/// Latin-1 (Windows editors save that way). The flag says whether Latin-1 was used.
pub fn decode(bytes: &[u8]) -> (String, bool) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| char::from(b)).collect(), true),
    }
}

/// Parses file bytes (see [`decode`]); `record_positions` indexes every value's position.
pub fn parse_bytes(bytes: &[u8], record_positions: bool) -> Result<Parsed, SyntaxError> {
    let (text, latin1) = decode(bytes);
    let mut parsed = parse_text(text, record_positions)?;
    if latin1 {
        parsed.repairs.insert(
            0,
            Repair {
                message: "the file is not UTF-8; it was read as Latin-1".into(),
                offset: 0,
                line: 1,
                column: 1,
                pointer: String::new(),
                platform_accepts: true,
            },
        );
    }
    Ok(parsed)
}

/// Parses text (a leading byte-order mark is skipped).
pub fn parse_text(text: String, record_positions: bool) -> Result<Parsed, SyntaxError> {
    let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut reader = Reader {
        text: &text,
        bytes: text.as_bytes(),
        pos: start,
        pointer: String::new(),
        depth: 0,
        repairs: Vec::new(),
        positions: record_positions.then(HashMap::new),
    };
    let value = reader.document();
    let (repairs, positions) = (reader.repairs, reader.positions);
    match value {
        Ok(value) => Ok(Parsed { value, repairs, text, positions }),
        Err(e) => Err(e),
    }
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    pointer: String,
    depth: usize,
    repairs: Vec<Repair>,
    positions: Option<HashMap<String, usize>>,
}

impl Reader<'_> {
    fn document(&mut self) -> Result<Value, SyntaxError> {
        self.skip_space()?;
        if self.pos >= self.bytes.len() {
            return Err(self.error("the file is empty"));
        }
        let value = self.value()?;
        self.skip_space()?;
        if self.pos < self.bytes.len() {
            self.pointer.clear();
            return Err(self
                .error("unexpected text after the end of the document (a `}` or `]` closes it too early?)"));
        }
        Ok(value)
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        let (line, column) = crate::error::line_col(self.text, self.pos);
        SyntaxError { message: message.into(), offset: self.pos, line, column, pointer: self.pointer.clone() }
    }

    fn repair(&mut self, at: usize, message: impl Into<String>, platform_accepts: bool) {
        let (line, column) = crate::error::line_col(self.text, at);
        self.repairs.push(Repair {
            message: message.into(),
            offset: at,
            line,
            column,
            pointer: self.pointer.clone(),
            platform_accepts,
        });
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    /// Skips whitespace and comments; returns whether a line break was crossed.
    fn skip_space(&mut self) -> Result<bool, SyntaxError> {
        let mut newline = false;
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') => {
                    newline = true;
                    self.pos += 1;
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                    self.repair(self.pos, "a `//` comment (not JSON) was skipped", true);
                    while let Some(b) = self.peek() {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'*') => {
                    self.repair(self.pos, "a `/* */` comment (not JSON) was skipped", true);
                    let from = self.pos + 2;
                    match self.text.get(from..).and_then(|rest| rest.find("*/")) {
                        Some(end) => {
                            newline |= self.text[from..from + end].contains('\n');
                            self.pos = from + end + 2;
                        }
                        None => return Err(self.error("a `/*` comment is never closed")),
                    }
                }
                Some(b) if b >= 0x80 => match self.peek_char() {
                    Some(c) if c.is_whitespace() || c == '\u{feff}' => {
                        self.repair(
                            self.pos,
                            format!("the non-ASCII space U+{:04X} was read as a space", u32::from(c)),
                            true,
                        );
                        newline |= matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}');
                        self.pos += c.len_utf8();
                    }
                    _ => return Ok(newline),
                },
                _ => return Ok(newline),
            }
        }
    }

    fn record(&mut self, at: usize) {
        if let Some(positions) = &mut self.positions {
            positions.entry(self.pointer.clone()).or_insert(at);
        }
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        let at = self.pos;
        self.record(at);
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => Ok(Value::string(self.string()?)),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'\'') => Err(self.error("strings must be in double quotes")),
            Some(_) => {
                let c = self.peek_char().unwrap_or('?');
                Err(self.error(format!("expected a value, found `{c}`")))
            }
            None => Err(self.error("the file ends where a value was expected")),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Result<Value, SyntaxError>) -> Result<Value, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(format!("the document is nested more than {MAX_DEPTH} levels deep")));
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.text.get(self.pos..).is_some_and(|rest| rest.starts_with(word)) {
            self.pos += word.len();
            Ok(value)
        } else {
            let found: String =
                self.text[self.pos..].chars().take_while(|c| c.is_alphanumeric()).take(20).collect();
            Err(self.error(format!("expected a value, found `{found}`")))
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |r: &mut Self| {
            let from = r.pos;
            while matches!(r.peek(), Some(b'0'..=b'9')) {
                r.pos += 1;
            }
            r.pos - from
        };
        if digits(self) == 0 {
            return Err(self.error("a number needs digits"));
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error("a number needs digits after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("a number needs digits in its exponent"));
            }
        }
        let token = &self.text[start..self.pos];
        if integral {
            if let Ok(i) = token.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        token.parse::<f64>().map(Value::Float).map_err(|_| self.error(format!("`{token}` is not a number")))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut noted_control = false;
        loop {
            let Some(c) = self.peek_char() else {
                self.pos = open;
                return Err(self.error("this string is never closed"));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                c if u32::from(c) < 0x20 => {
                    if !noted_control {
                        self.repair(
                            self.pos,
                            format!(
                                "a raw control character (U+{:04X}) inside a string was kept",
                                u32::from(c)
                            ),
                            true,
                        );
                        noted_control = true;
                    }
                    out.push(c);
                    self.pos += 1;
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(c) = self.peek() else { return Err(self.error("this string is never closed")) };
        self.pos += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                if (0xD800..0xDC00).contains(&high) {
                    if self.text.get(self.pos..).is_some_and(|r| r.starts_with("\\u")) {
                        self.pos += 2;
                        let low = self.hex4()?;
                        if (0xDC00..0xE000).contains(&low) {
                            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                            return Ok(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                    }
                    '\u{fffd}'
                } else {
                    char::from_u32(high).unwrap_or('\u{fffd}')
                }
            }
            _ => {
                self.pos -= 2;
                return Err(self.error(format!("`\\{}` is not a JSON escape", char::from(c))));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits =
            self.text.get(self.pos..self.pos + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error("`\\u` must be followed by four hexadecimal digits")),
        }
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut object = Object::new();
        let base = self.pointer.len();
        self.skip_space()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(object));
        }
        loop {
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(object));
                }
                None => return Err(self.error("the file ends inside an object (a `}` is missing)")),
                Some(_) => {
                    let c = self.peek_char().unwrap_or('?');
                    return Err(self.error(format!(
                        "expected a property name in double quotes, found `{c}` (is a `}}` missing before it?)"
                    )));
                }
            }
            let key_at = self.pos;
            let key = self.string()?;
            self.pointer.push('/');
            push_pointer_token(&mut self.pointer, &key);
            self.record(key_at);
            self.skip_space()?;
            if self.peek() != Some(b':') {
                return Err(self.error(format!("expected `:` after the property name \"{key}\"")));
            }
            self.pos += 1;
            self.skip_space()?;
            let value = self.value()?;
            if object.contains_key(&key) {
                self.repair(
                    key_at,
                    format!("the property \"{key}\" appears twice; the last one is kept"),
                    true,
                );
            }
            object.push_last(key, value);
            self.pointer.truncate(base);
            if self.after_member(b'}')? {
                return Ok(Value::Object(object));
            }
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        let base = self.pointer.len();
        self.skip_space()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::array(items));
        }
        loop {
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::array(items));
            }
            self.pointer.push('/');
            self.pointer.push_str(&items.len().to_string());
            items.push(self.value()?);
            self.pointer.truncate(base);
            if self.after_member(b']')? {
                return Ok(Value::array(items));
            }
        }
    }

    /// After a property (`close` is `}`) or an item (`]`): consumes the `,` that separates
    /// it from the next one and says whether the container ends here. A trailing comma is
    /// ignored, and a missing comma at a line break before the next member is assumed, both
    /// with a warning.
    fn after_member(&mut self, close: u8) -> Result<bool, SyntaxError> {
        let (one, members, container, starts_next): (&str, &str, &str, &[u8]) = if close == b'}' {
            ("a property", "properties", "object", b"\"")
        } else {
            ("an item", "items", "array", b"{[\"")
        };
        let close_char = char::from(close);
        let newline = self.skip_space()?;
        match self.peek() {
            Some(b',') => {
                let comma = self.pos;
                self.pos += 1;
                self.skip_space()?;
                if self.peek() == Some(close) {
                    self.repair(comma, format!("a trailing comma before `{close_char}` was ignored"), true);
                    self.pos += 1;
                    return Ok(true);
                }
                Ok(false)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if newline && starts_next.contains(&c) => {
                self.repair(self.pos, format!("a missing comma between two {members} was assumed"), false);
                Ok(false)
            }
            None => {
                Err(self.error(format!("the file ends inside an {container} (a `{close_char}` is missing)")))
            }
            Some(_) => {
                let c = self.peek_char().unwrap_or('?');
                Err(self.error(format!("expected `,` or `{close_char}` after {one}, found `{c}`")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Parsed, SyntaxError> {
        parse_text(text.to_string(), true)
    }

    #[test]
    fn strict_json_reads_without_repairs() {
        let p = parse(r#"{"a": [1, 2.5, -3e2, "x\u00e9\n", true, null], "b": {}}"#).ok();
        let p = p.map(|p| (crate::value::to_json_string(&p.value), p.repairs.len()));
        assert_eq!(p, Some((r#"{"a":[1,2.5,-300.0,"xé\n",true,null],"b":{}}"#.to_string(), 0)));
    }

    #[test]
    fn accepted_mistakes_are_reported() {
        let cases: &[(&str, &str, bool)] = &[
            ("{\"a\": 1,}", "trailing comma before `}`", true),
            ("[1, 2,\n]", "trailing comma before `]`", true),
            ("{\"a\": 1 // note\n}", "`//` comment", true),
            ("{/* c */\"a\": 1}", "`/* */` comment", true),
            ("{\"a\":\u{2003}1}", "U+2003", true),
            ("{\"a\": \"x\ty\"}", "control character (U+0009)", true),
            ("{\"a\": 1\n\"b\": 2}", "missing comma between two properties", false),
            ("[{}\n{}]", "missing comma between two items", false),
            ("{\"a\": 1, \"a\": 2}", "appears twice", true),
        ];
        for (text, expected, accepts) in cases {
            match parse(text) {
                Ok(p) => {
                    assert_eq!(p.repairs.len(), 1, "{text}: {:?}", p.repairs);
                    assert!(p.repairs[0].message.contains(expected), "{text}: {}", p.repairs[0].message);
                    assert_eq!(p.repairs[0].platform_accepts, *accepts, "{text}");
                }
                Err(e) => panic!("{text}: {e}"),
            }
        }
    }

    #[test]
    fn errors_name_line_column_and_pointer() {
        let cases: &[(&str, &str, usize, usize, &str)] = &[
            ("{\"a\": {\"b\": [1, }]}}", "expected a value, found `}`", 1, 17, "/a/b/1"),
            ("{\n  \"a\": 1 \"b\": 2}", "expected `,` or `}` after a property", 2, 10, ""),
            ("[1 2]", "expected `,` or `]` after an item, found `2`", 1, 4, ""),
            ("[1,\n2", "the file ends inside an array (a `]` is missing)", 2, 2, ""),
            ("{\"a\": 1", "the file ends inside an object (a `}` is missing)", 1, 8, ""),
            ("{\"a\": 1}}", "unexpected text after the end", 1, 9, ""),
            ("{\"a\": \"x", "never closed", 1, 7, "/a"),
            ("{\"p\": {\"x~/y\": tru}}", "expected a value, found `tru`", 1, 16, "/p/x~0~1y"),
            ("", "empty", 1, 1, ""),
            ("{\"a\": 'x'}", "double quotes", 1, 7, "/a"),
            ("[1.]", "after the decimal point", 1, 4, "/0"),
            ("{\"a\": \"\\q\"}", "not a JSON escape", 1, 8, "/a"),
        ];
        for (text, message, line, column, pointer) in cases {
            match parse(text) {
                Ok(_) => panic!("{text} parsed"),
                Err(e) => {
                    assert!(e.message.contains(message), "{text}: {}", e.message);
                    assert_eq!((e.line, e.column, e.pointer.as_str()), (*line, *column, *pointer), "{text}");
                }
            }
        }
    }

    #[test]
    fn latin1_and_bom() {
        let p = parse_bytes(b"\xEF\xBB\xBF{\"a\": \"x\"}", false).ok().map(|p| p.repairs.len());
        assert_eq!(p, Some(0));
        let p = parse_bytes(b"{\"a\": \"Br\xF8nn\"}", false).ok();
        let s = p.as_ref().and_then(|p| p.value.member("a")).and_then(|v| v.as_str().map(str::to_string));
        assert_eq!(s.as_deref(), Some("Brønn"));
        assert!(p.is_some_and(|p| p.repairs[0].message.contains("Latin-1")));
    }

    #[test]
    fn depth_is_bounded() {
        let text = "[".repeat(100_000);
        let e = parse(&text).err().map(|e| e.message);
        assert!(e.is_some_and(|m| m.contains("nested more than")));
    }

    #[test]
    fn positions_point_at_values_and_keys() {
        let p = parse("{\n  \"paths\": {\n    \"/x\": {\"get\": 1}\n  }\n}").ok();
        let lc = p.as_ref().and_then(|p| p.line_col("/paths/~1x/get"));
        assert_eq!(lc, Some((3, 12)));
        let lc = p.as_ref().and_then(|p| p.line_col("/paths/~1x/get/missing"));
        assert_eq!(lc, Some((3, 12)));
    }
}
