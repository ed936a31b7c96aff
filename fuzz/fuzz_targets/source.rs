//! Reading the files people write (`flowexpr::source`): any bytes decoded as UTF-8 (byte-order
//! marks, UTF-16/UTF-32, invalid UTF-8 with its position), parsed as JSON (at the value and
//! the run-record depth), and a loader's error with a JSON pointer placed on its line and
//! drawn with a caret. Input: `pointer`, NUL, `file bytes`. Nothing may panic; text that
//! decodes is the bytes without a UTF-8 byte-order mark.
#![no_main]

use flowexpr::error::{Error, ErrorKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (pointer, bytes) = match data.iter().position(|b| *b == 0) {
        Some(at) => (String::from_utf8_lossy(&data[..at]).into_owned(), &data[at + 1..]),
        None => (String::from("/"), data),
    };
    let decoded = flowexpr::source::decode_as(bytes.to_vec(), "the fuzz file");
    let text = match decoded {
        Err(e) => {
            let _ = format!("{e} {e:#}");
            return;
        }
        Ok(text) => text,
    };
    let expected = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    assert_eq!(text.as_bytes(), expected, "decoding changed the text");
    match flowexpr::source::parse_json(&text, "fuzz file") {
        Err(e) => {
            let _ = format!("{e} {e:#}");
        }
        Ok(value) => {
            let _ = flowexpr::value::to_json_string(&value);
        }
    }
    if let Err(e) =
        flowexpr::source::parse_json_nested(&text, "run context", flowexpr::value::MAX_RECORD_DEPTH)
    {
        let _ = format!("{e} {e:#}");
    }
    let placed = flowexpr::source::locate(
        Error::new(ErrorKind::Definition, "what the loader found wrong").with_pointer(pointer),
        &text,
    );
    if let Some(span) = placed.span() {
        assert!(span.start <= span.end && span.end <= text.len(), "{span:?} outside {} bytes", text.len());
    }
    let _ = format!("{placed} {placed:#}");
});
