//! Where each value of a JSON text is: JSON pointer → byte offsets, so that findings about a
//! definition can name the line and column in the file.

use std::collections::HashMap;

use crate::template::push_pointer_token;

/// The position of one value (and of its key, for object members).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Byte offset of the member's key (its opening quote), if the value is an object member.
    pub key: Option<usize>,
    /// Byte offset of the first byte of the value.
    pub value: usize,
    /// Byte offset one past the last byte of the value.
    pub end: usize,
}

/// An index from JSON pointers to positions in a JSON text.
#[derive(Debug, Default)]
pub struct Positions {
    places: HashMap<String, Place>,
}

impl Positions {
    /// Indexes `text`. Invalid JSON gives a partial index (what was read before the error).
    pub fn index(text: &str) -> Positions {
        let mut scanner = Scanner { bytes: text.as_bytes(), pos: 0, places: HashMap::new(), depth: 0 };
        let mut pointer = String::new();
        scanner.skip_ws();
        scanner.value(&mut pointer, None);
        Positions { places: scanner.places }
    }

    /// The place of the value at `pointer`.
    pub fn get(&self, pointer: &str) -> Option<Place> {
        self.places.get(pointer).copied()
    }

    /// The nearest indexed place at `pointer` or one of its ancestors.
    pub fn nearest(&self, pointer: &str) -> Option<Place> {
        let mut p = pointer;
        loop {
            if let Some(place) = self.places.get(p) {
                return Some(*place);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

struct Scanner<'t> {
    bytes: &'t [u8],
    pos: usize,
    places: HashMap<String, Place>,
    depth: usize,
}

/// Deeper documents are indexed only down to this depth (serde_json refuses deeper ones).
const MAX_DEPTH: usize = 128;

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len() && matches!(self.bytes[self.pos], b' ' | b'\t' | b'\r' | b'\n') {
            self.pos += 1;
        }
    }

    fn value(&mut self, pointer: &mut String, key: Option<usize>) {
        let start = self.pos;
        match self.bytes.get(self.pos) {
            Some(b'{') if self.depth < MAX_DEPTH => {
                self.depth += 1;
                self.pos += 1;
                loop {
                    self.skip_ws();
                    match self.bytes.get(self.pos) {
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => {
                            self.pos += 1;
                            continue;
                        }
                        Some(b'"') => {
                            let key_at = self.pos;
                            let name = self.string();
                            self.skip_ws();
                            if self.bytes.get(self.pos) != Some(&b':') {
                                break;
                            }
                            self.pos += 1;
                            self.skip_ws();
                            let len = pointer.len();
                            pointer.push('/');
                            push_pointer_token(pointer, &name);
                            self.value(pointer, Some(key_at));
                            pointer.truncate(len);
                        }
                        _ => break,
                    }
                }
                self.depth -= 1;
            }
            Some(b'[') if self.depth < MAX_DEPTH => {
                self.depth += 1;
                self.pos += 1;
                let mut index = 0usize;
                loop {
                    self.skip_ws();
                    match self.bytes.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => {
                            self.pos += 1;
                            continue;
                        }
                        Some(_) => {
                            let len = pointer.len();
                            pointer.push('/');
                            pointer.push_str(&index.to_string());
                            let before = self.pos;
                            self.value(pointer, None);
                            pointer.truncate(len);
                            index += 1;
                            if self.pos == before {
                                break;
                            }
                        }
                        None => break,
                    }
                }
                self.depth -= 1;
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while self.pos < self.bytes.len()
                    && !matches!(self.bytes[self.pos], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
                {
                    self.pos += 1;
                }
            }
            None => return,
        }
        self.places.insert(pointer.clone(), Place { key, value: start, end: self.pos });
    }

    /// Reads a string literal and returns its decoded text.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let end = self.pos.min(self.bytes.len());
        let raw = std::str::from_utf8(&self.bytes[start..end]).unwrap_or("\"\"");
        serde_json::from_str::<String>(raw).unwrap_or_default()
    }
}

/// Maps a byte offset inside the decoded text of a JSON string literal to the byte offset
/// in the raw literal (which starts with its opening quote at `literal_start`).
pub fn raw_offset(text: &str, literal_start: usize, decoded_offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut raw = literal_start + 1;
    let mut decoded = 0usize;
    while raw < bytes.len() && decoded < decoded_offset {
        match bytes[raw] {
            b'"' => break,
            b'\\' => {
                let escaped = bytes.get(raw + 1).copied().unwrap_or(b'"');
                if escaped == b'u' {
                    // \uXXXX (possibly a surrogate pair) decodes to one character.
                    let hex = text.get(raw + 2..raw + 6).unwrap_or("0000");
                    let code = u32::from_str_radix(hex, 16).unwrap_or(0);
                    if (0xD800..0xDC00).contains(&code) && text.get(raw + 6..raw + 8) == Some("\\u") {
                        decoded += 4;
                        raw += 12;
                    } else {
                        decoded += char::from_u32(code).map_or(3, char::len_utf8);
                        raw += 6;
                    }
                } else {
                    decoded += 1;
                    raw += 2;
                }
            }
            b => {
                let width = match b {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    _ => 4,
                };
                decoded += width;
                raw += width;
            }
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_offsets() {
        let text = "{\n  \"a\": {\"b c/d\": [1, \"x\"]},\n  \"e\": true\n}";
        let p = Positions::index(text);
        assert_eq!(p.get("").map(|p| p.value), Some(0));
        let arr = p.get("/a/b c~1d").map(|p| p.value).unwrap_or(0);
        assert_eq!(&text[arr..arr + 1], "[");
        let x = p.get("/a/b c~1d/1").map(|p| p.value).unwrap_or(0);
        assert_eq!(&text[x..x + 3], "\"x\"");
        let e = p.get("/e").unwrap_or(Place { key: None, value: 0, end: 0 });
        assert_eq!(&text[e.value..e.end], "true");
        assert_eq!(e.key.map(|k| &text[k..k + 3]), Some("\"e\""));
        assert_eq!(p.nearest("/a/b c~1d/7/zz").map(|p| p.value), Some(arr));
    }

    #[test]
    fn decoded_offsets_map_through_escapes() {
        let text = r#"{"s": "a\"b\u00e9c\nd"}"#;
        let start = text.find("\"a").unwrap_or(0);
        // Decoded: a " b é c \n d  (é is 2 bytes)
        assert_eq!(&text[raw_offset(text, start, 0)..][..1], "a");
        assert_eq!(&text[raw_offset(text, start, 2)..][..1], "b");
        assert_eq!(&text[raw_offset(text, start, 5)..][..1], "c");
        assert_eq!(&text[raw_offset(text, start, 7)..][..1], "d");
    }
}
