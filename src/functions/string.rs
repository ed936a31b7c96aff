//! String functions.
//!
//! The service counts and indexes strings in UTF-16 code units, as .NET does, so every
//! index and length here is in UTF-16 units; a cut through a surrogate pair yields U+FFFD
//! (a Rust string cannot hold half a pair). Searches that the reference calls "not
//! case-sensitive" (`indexOf`, `lastIndexOf`, `nthIndexOf`, `startsWith`, `endsWith`)
//! compare as .NET's `OrdinalIgnoreCase` does: character by character, through the
//! invariant simple upper-case mapping. `replace`, `split` and `contains` are
//! case-sensitive.

use std::borrow::Cow;

use super::{opt, req, rest, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "concat",
        Category::String,
        &[rest("text", Ty::ANY)],
        "String",
        "Joins texts into one string; other values are converted to text (arrays and objects as JSON).",
        "concat('Sophia', 'Owen') → 'SophiaOwen'",
        concat,
    ),
    Function::eager(
        "endsWith",
        Category::String,
        &[req("text", Ty::STRING), req("searchText", Ty::STRING)],
        "Boolean",
        "Does the text end with the given text? (ignores case)",
        "endsWith('hello world', 'WORLD') → true",
        ends_with,
    ),
    Function::eager(
        "guid",
        Category::String,
        &[opt("format", Ty::STRING)],
        "String",
        "A new random GUID; format N, D (default), B, P or X, as .NET's Guid.ToString.",
        "guid('N') → 'c2ecc88d88c84096912cd6f2e2b138ce'",
        guid,
    ),
    Function::eager(
        "indexOf",
        Category::String,
        &[req("text", Ty::STRING), req("searchText", Ty::STRING)],
        "Integer",
        "The start index of a text (ignores case), or -1.",
        "indexOf('hello world', 'World') → 6",
        index_of,
    ),
    Function::eager(
        "lastIndexOf",
        Category::String,
        &[req("text", Ty::STRING), req("searchText", Ty::STRING)],
        "Integer",
        "The start index of the last occurrence (ignores case), or -1.",
        "lastIndexOf('hello world hello world', 'world') → 18",
        last_index_of,
    ),
    Function::eager(
        "nthIndexOf",
        Category::String,
        &[req("text", Ty::STRING), req("searchText", Ty::STRING), req("occurrence", Ty::INT)],
        "Integer",
        "The start index of the n-th occurrence (ignores case; a negative n counts from the end), or -1.",
        "nthIndexOf('123456789123465789', '1', 2) → 9",
        nth_index_of,
    ),
    Function::eager(
        "replace",
        Category::String,
        &[req("text", Ty::STRING), req("oldText", Ty::STRING), req("newText", Ty::STRING)],
        "String",
        "Replaces every occurrence of a text (case-sensitive).",
        "replace('the old string', 'old', 'new') → 'the new string'",
        replace,
    ),
    Function::eager(
        "slice",
        Category::String,
        &[req("text", Ty::STRING), req("startIndex", Ty::INT), opt("endIndex", Ty::INT)],
        "String",
        "The text from startIndex up to endIndex (excluded); negative indexes count from the end, out-of-range ones are clamped.",
        "slice('Hello World', 3, -1) → 'lo Worl'",
        slice,
    ),
    Function::eager(
        "split",
        Category::String,
        &[req("text", Ty::STRING), req("delimiter", Ty::STRING)],
        "Array",
        "Splits a text on every occurrence of a delimiter (case-sensitive).",
        "split('a_b_c', '_') → ['a', 'b', 'c']",
        split,
    ),
    Function::eager(
        "startsWith",
        Category::String,
        &[req("text", Ty::STRING), req("searchText", Ty::STRING)],
        "Boolean",
        "Does the text start with the given text? (ignores case)",
        "startsWith('hello world', 'HELLO') → true",
        starts_with,
    ),
    Function::eager(
        "substring",
        Category::String,
        &[req("text", Ty::STRING), req("startIndex", Ty::INT), opt("length", Ty::INT)],
        "String",
        "length characters from startIndex (the rest if no length); fails if that runs past the end.",
        "substring('hello world', 6, 5) → 'world'",
        substring,
    ),
    Function::eager(
        "toLower",
        Category::String,
        &[req("text", Ty::STRING)],
        "String",
        "The text in lower case (culture-invariant).",
        "toLower('Hello World') → 'hello world'",
        to_lower,
    ),
    Function::eager(
        "toUpper",
        Category::String,
        &[req("text", Ty::STRING)],
        "String",
        "The text in upper case (culture-invariant).",
        "toUpper('Hello World') → 'HELLO WORLD'",
        to_upper,
    ),
    Function::eager(
        "trim",
        Category::String,
        &[req("text", Ty::STRING)],
        "String",
        "The text without leading and trailing whitespace.",
        "trim(' Hello World  ') → 'Hello World'",
        trim,
    ),
];

// ---------------------------------------------------------------------------------------
// Shared helpers: argument errors, UTF-16 positions, invariant casing.

/// Argument `index` as a string; other types fail with "to be a string".
fn a_string<'v>(args: &Args<'v>, index: usize) -> Result<&'v str> {
    match args.value(index) {
        Value::String(s) => Ok(s),
        _ => Err(args.type_error(index, "a string")),
    }
}

/// The length of a string in UTF-16 code units, as the service counts characters.
pub(crate) fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// The UTF-16 code units `start..end` of `s` (both clamped to the length). A cut through a
/// surrogate pair becomes U+FFFD.
pub(crate) fn utf16_slice(s: &str, start: usize, end: usize) -> Cow<'_, str> {
    if s.is_ascii() {
        let end = end.min(s.len());
        return Cow::Borrowed(&s[start.min(end)..end]);
    }
    let total = utf16_len(s);
    let end = end.min(total);
    let start = start.min(end);
    // Walk the characters, noting the byte offsets of the two UTF-16 positions.
    let (mut from, mut to, mut unit) = (None, None, 0);
    for (byte, c) in s.char_indices() {
        if unit == start {
            from = Some(byte);
        }
        if unit == end {
            to = Some(byte);
            break;
        }
        unit += c.len_utf16();
    }
    if unit == total {
        from = from.or((start == total).then_some(s.len()));
        to = to.or((end == total).then_some(s.len()));
    }
    match (from, to) {
        (Some(a), Some(b)) => Cow::Borrowed(&s[a..b]),
        // A position inside a surrogate pair.
        _ => {
            let units: Vec<u16> = s.encode_utf16().collect();
            Cow::Owned(String::from_utf16_lossy(&units[start..end]))
        }
    }
}

/// .NET's invariant simple upper-case mapping of one character: one character to one, and
/// never across the BMP boundary. The dotless `ı` keeps its form, as in .NET.
pub(crate) fn upper_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    if c == 'ı' {
        return c;
    }
    single_mapping(c, c.to_uppercase())
}

/// .NET's invariant simple lower-case mapping of one character. The dotted `İ` keeps its
/// form, as in .NET.
pub(crate) fn lower_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    single_mapping(c, c.to_lowercase())
}

fn single_mapping(c: char, mut mapped: impl Iterator<Item = char>) -> char {
    match (mapped.next(), mapped.next()) {
        (Some(m), None) if m.len_utf16() == c.len_utf16() => m,
        _ => c,
    }
}

/// Folds a string for case-insensitive comparison. The folded text has the same UTF-16
/// length, character by character, so positions found in it are positions in `s`.
fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_lowercase()) {
            return Cow::Owned(s.to_ascii_uppercase());
        }
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(upper_char).collect())
}

/// The UTF-16 position of byte offset `byte` in `s`.
fn utf16_pos(s: &str, byte: usize) -> usize {
    utf16_len(&s[..byte])
}

/// Every start (byte offset in the folded text) of `needle` in `haystack`, ignoring case,
/// overlapping, from the start or from the end.
struct Matches {
    hay: String,
    needle: String,
}

impl Matches {
    fn new(haystack: &str, needle: &str) -> Matches {
        Matches { hay: fold(haystack).into_owned(), needle: fold(needle).into_owned() }
    }

    /// The first match starting at or after byte `from`.
    fn next_from(&self, from: usize) -> Option<usize> {
        self.hay.get(from..)?.find(&self.needle).map(|i| i + from)
    }

    /// The last match ending at or before byte `to`.
    fn last_before(&self, to: usize) -> Option<usize> {
        self.hay.get(..to)?.rfind(&self.needle)
    }

    /// The byte just after the first character at `at` (or the end).
    fn after_char(&self, at: usize) -> usize {
        self.hay[at..].chars().next().map_or(self.hay.len(), |c| at + c.len_utf8())
    }

    /// Where the search window for the match before the one at `at` ends: every match that
    /// starts before `at` ends at or before this byte, and the one at `at` does not.
    fn before_match(&self, at: usize) -> usize {
        match self.needle.chars().next_back() {
            // The needle's characters are the text's there, so the last boundary inside the
            // match at `at` is just before the needle's last character.
            Some(last) => at + self.needle.len() - last.len_utf8(),
            // An empty needle matches at every boundary: step back one character.
            None => self.hay[..at].chars().next_back().map_or(0, |c| at - c.len_utf8()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The functions.

fn concat(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    // The size is checked before the result is built: a loop that doubles a string must
    // fail at once, not after copying a hundred megabytes.
    let mut pieces: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(args.all().len());
    let mut len = 0usize;
    for (i, value) in args.all().iter().enumerate() {
        let piece = match value {
            Value::Binary(_) => super::conversion::text_of(&args, i)?,
            other => super::conversion::text_piece(other),
        };
        len = len.saturating_add(piece.len());
        call.check_string_length(len)?;
        pieces.push(piece);
    }
    call.charge(len as u64 / 64)?;
    let mut out = String::with_capacity(len);
    pieces.iter().for_each(|p| out.push_str(p));
    Ok(Value::from(out))
}

fn starts_with(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    call.charge(search.len() as u64 / 64)?;
    let units = utf16_len(search);
    Ok(Value::Bool(units <= utf16_len(text) && fold(&utf16_slice(text, 0, units)) == fold(search)))
}

fn ends_with(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    call.charge(search.len() as u64 / 64)?;
    let (len, units) = (utf16_len(text), utf16_len(search));
    Ok(Value::Bool(units <= len && fold(&utf16_slice(text, len - units, len)) == fold(search)))
}

fn guid(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let format = args.opt_str(0)?.unwrap_or("D");
    let id = uuid::Uuid::new_v4();
    format_guid(&id, format).map(Value::from).ok_or_else(|| {
        args.invalid(
            0,
            format!(
                "expects its parameter to be one of the formats 'N', 'D', 'B', 'P' or 'X'; got '{format}'."
            ),
        )
    })
}

/// Formats a GUID as .NET's `Guid.ToString(format)` does (lower-case hex).
pub(crate) fn format_guid(id: &uuid::Uuid, format: &str) -> Option<String> {
    let d = id.hyphenated().to_string();
    Some(match format {
        "" | "D" | "d" => d,
        "N" | "n" => id.simple().to_string(),
        "B" | "b" => format!("{{{d}}}"),
        "P" | "p" => format!("({d})"),
        "X" | "x" => {
            let b = id.as_bytes();
            let hex = |r: std::ops::Range<usize>| r.map(|i| format!("{:02x}", b[i])).collect::<String>();
            let tail: Vec<String> = (8..16).map(|i| format!("0x{:02x}", b[i])).collect();
            format!("{{0x{},0x{},0x{},{{{}}}}}", hex(0..4), hex(4..6), hex(6..8), tail.join(","))
        }
        _ => return None,
    })
}

fn index_of(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    call.charge(text.len() as u64 / 64)?;
    let m = Matches::new(text, search);
    Ok(Value::Int(m.next_from(0).map_or(-1, |i| utf16_pos(&m.hay, i) as i64)))
}

/// `lastIndexOf` with the reference's rules for empty strings: an empty text gives -1 (0
/// when the search text is empty too), and an empty search text gives the last index.
fn last_index_of(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, search) = (args.str(0)?, args.str(1)?);
    call.charge(text.len() as u64 / 64)?;
    if text.is_empty() {
        return Ok(Value::Int(if search.is_empty() { 0 } else { -1 }));
    }
    if search.is_empty() {
        return Ok(Value::from(utf16_len(text) - 1));
    }
    let m = Matches::new(text, search);
    Ok(Value::Int(m.last_before(m.hay.len()).map_or(-1, |i| utf16_pos(&m.hay, i) as i64)))
}

fn nth_index_of(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, search, n) = (args.str(0)?, args.str(1)?, args.int(2)?);
    if n == 0 {
        return Err(args.invalid(
            2,
            "expects its third parameter (the occurrence) to be a non-zero integer: 1 is the first occurrence, -1 the last.",
        ));
    }
    call.charge(text.len() as u64 / 16)?;
    let m = Matches::new(text, search);
    let mut remaining = n.unsigned_abs();
    if n > 0 {
        let mut from = 0;
        loop {
            let Some(i) = m.next_from(from) else { return Ok(Value::Int(-1)) };
            remaining -= 1;
            if remaining == 0 {
                return Ok(Value::from(utf16_pos(&m.hay, i)));
            }
            if i >= m.hay.len() {
                return Ok(Value::Int(-1));
            }
            from = m.after_char(i);
        }
    }
    let mut to = m.hay.len();
    loop {
        let Some(i) = m.last_before(to) else { return Ok(Value::Int(-1)) };
        remaining -= 1;
        if remaining == 0 {
            return Ok(Value::from(utf16_pos(&m.hay, i)));
        }
        if i == 0 {
            return Ok(Value::Int(-1));
        }
        to = m.before_match(i);
    }
}

fn replace(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, old, new) = (args.str(0)?, args.str(1)?, args.str(2)?);
    if old.is_empty() {
        return Err(args.invalid(
            1,
            "was invoked with a parameter that is not valid: String cannot be of zero length. (Parameter 'oldValue')",
        ));
    }
    call.charge(text.len() as u64 / 64)?;
    if !text.contains(old) {
        return Ok(args.value(0).clone());
    }
    let count = text.matches(old).count();
    let len = text.len() - count * old.len() + count * new.len();
    call.check_string_length(len)?;
    Ok(Value::from(text.replace(old, new)))
}

/// `slice`: negative indexes count from the end, out-of-range indexes are clamped, and an
/// end at or before the start gives `''` (never an error).
fn slice(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = args.str(0)?;
    let start = args.int(1)?;
    let end = match args.optional(2) {
        Some(_) => Some(args.int(2)?),
        None => None,
    };
    call.charge(text.len() as u64 / 64)?;
    let len = utf16_len(text) as i64;
    let resolve = |i: i64| if i < 0 { i.saturating_add(len).max(0) } else { i.min(len) };
    let (from, to) = (resolve(start), end.map_or(len, resolve));
    if from >= to {
        return Ok(Value::from(""));
    }
    Ok(Value::from(utf16_slice(text, from as usize, to as usize).into_owned()))
}

fn split(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (text, delimiter) = (args.str(0)?, args.str(1)?);
    call.charge(text.len() as u64 / 16)?;
    if delimiter.is_empty() {
        // As .NET's String.Split with an empty separator: no split.
        return Ok(Value::array(vec![args.value(0).clone()]));
    }
    let count = text.matches(delimiter).count() + 1;
    call.check_array_length(count)?;
    Ok(text.split(delimiter).map(Value::from).collect())
}

/// `substring`: the start must be within the text and start + length must not pass its
/// end; the message is the service's.
fn substring(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = args.str(0)?;
    let start = args.int(1)?;
    let len = utf16_len(text) as i64;
    let length = match args.optional(2) {
        Some(_) => args.int(2)?,
        None => len.saturating_sub(start),
    };
    let fits = start >= 0 && length >= 0 && start.checked_add(length).is_some_and(|end| end <= len);
    if !fits {
        return Err(args.invalid(
            1,
            "parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.",
        ));
    }
    call.charge(text.len() as u64 / 64)?;
    Ok(Value::from(utf16_slice(text, start as usize, (start + length) as usize).into_owned()))
}

fn to_lower(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = a_string(&args, 0)?;
    call.charge(text.len() as u64 / 64)?;
    if text.is_ascii() {
        return Ok(Value::from(text.to_ascii_lowercase()));
    }
    Ok(Value::from(text.chars().map(lower_char).collect::<String>()))
}

fn to_upper(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = a_string(&args, 0)?;
    call.charge(text.len() as u64 / 64)?;
    if text.is_ascii() {
        return Ok(Value::from(text.to_ascii_uppercase()));
    }
    Ok(Value::from(text.chars().map(upper_char).collect::<String>()))
}

/// `trim`: Unicode whitespace, as .NET's `String.Trim()` (both use the White_Space
/// property). Only strings are accepted, with the service's "not valid" wording.
fn trim(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::String(s) => {
            let t = s.trim();
            Ok(if t.len() == s.len() { args.value(0).clone() } else { Value::from(t) })
        }
        other => Err(args.invalid(
            0,
            format!(
                "was invoked with parameters that are not valid: it expects its parameter to be a string. The provided value is of type '{}'.",
                other.value_type()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, RunContext, Value};

    fn eval(text: &str) -> Result<Value, String> {
        Engine::new().eval(text, &RunContext::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn utf16_helpers() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("a😀b"), 4);
        assert_eq!(utf16_slice("a😀b", 0, 1), "a");
        assert_eq!(utf16_slice("a😀b", 1, 3), "😀");
        assert_eq!(utf16_slice("a😀b", 3, 4), "b");
        assert_eq!(utf16_slice("a😀b", 1, 2), "\u{FFFD}");
        assert_eq!(utf16_slice("a😀b", 0, 99), "a😀b");
        assert_eq!(utf16_slice("héllo", 1, 3), "él");
        assert_eq!(utf16_slice("héllo", 5, 5), "");
        assert_eq!(utf16_slice("abc", 2, 1), "");
    }

    #[test]
    fn invariant_casing() {
        assert_eq!(upper_char('ı'), 'ı');
        assert_eq!(upper_char('ç'), 'Ç');
        assert_eq!(upper_char('ß'), 'ß');
        assert_eq!(lower_char('İ'), 'İ');
        assert_eq!(lower_char('Σ'), 'σ');
        assert_eq!(fold("Straße"), "STRAßE");
    }

    #[test]
    fn case_insensitive_positions_are_utf16() {
        assert_eq!(eval("indexOf('😀Hello', 'hello')"), Ok(Value::Int(2)));
        assert_eq!(eval("lastIndexOf('ÉTÉ été', 'été')"), Ok(Value::Int(4)));
        assert_eq!(eval("nthIndexOf('aaaa', 'aa', 2)"), Ok(Value::Int(1)));
        assert_eq!(eval("nthIndexOf('aaaa', 'aa', -1)"), Ok(Value::Int(2)));
        assert_eq!(eval("nthIndexOf('aaaa', 'aa', -3)"), Ok(Value::Int(0)));
        assert_eq!(eval("nthIndexOf('aaaa', 'aa', -4)"), Ok(Value::Int(-1)));
        assert_eq!(eval("nthIndexOf('abc', '', 2)"), Ok(Value::Int(1)));
        assert_eq!(eval("nthIndexOf('abc', '', 5)"), Ok(Value::Int(-1)));
        assert_eq!(eval("nthIndexOf('abc', '', -1)"), Ok(Value::Int(3)));
        assert_eq!(eval("nthIndexOf('abc', '', -4)"), Ok(Value::Int(0)));
        assert_eq!(eval("nthIndexOf('abc', '', -5)"), Ok(Value::Int(-1)));
    }

    #[test]
    fn one_parameter_functions_say_its_parameter() {
        let e = eval("toLower(1)").err().unwrap_or_default();
        assert!(e.contains("expects its parameter to be a string"), "{e}");
        let e = eval("indexOf('a', 1)").err().unwrap_or_default();
        assert!(e.contains("expects its second parameter to be of type string"), "{e}");
    }
}
