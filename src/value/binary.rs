use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;

use super::{Str, Value};

/// The content type of binary values made without one (`binary()`, `base64ToBinary()`).
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Binary content: bytes and their content type, serialized by the service as
/// `{"$content-type": ..., "$content": <base64>}`.
///
/// The base64 text a value was read from is kept as it was given (the service echoes it
/// back unchanged, even when it is not canonical base64), so reading an envelope and
/// writing it again gives the same text.
pub struct Binary {
    content_type: Str,
    bytes: Arc<[u8]>,
    base64: OnceLock<Str>,
}

impl Binary {
    /// Binary content from bytes.
    pub fn new(content_type: impl Into<Str>, bytes: impl Into<Arc<[u8]>>) -> Binary {
        Binary { content_type: content_type.into(), bytes: bytes.into(), base64: OnceLock::new() }
    }

    /// Binary content with the `application/octet-stream` content type.
    pub fn octet_stream(bytes: impl Into<Arc<[u8]>>) -> Binary {
        Binary::new(OCTET_STREAM, bytes)
    }

    /// Binary content from its base64 text, which is kept as given for serialization.
    /// Whitespace inside the text is ignored when decoding, as .NET's decoder does.
    pub fn from_base64(content_type: impl Into<Str>, text: &str) -> Result<Binary, String> {
        let bytes = decode_base64(text)?;
        let binary = Binary::new(content_type, bytes);
        let _ = binary.base64.set(Str::from(text));
        Ok(binary)
    }

    /// The content type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The shared bytes.
    pub fn shared_bytes(&self) -> Arc<[u8]> {
        Arc::clone(&self.bytes)
    }

    /// The base64 text of the content (the text it was read from, if any).
    pub fn base64(&self) -> &str {
        self.base64.get_or_init(|| Str::from(base64::engine::general_purpose::STANDARD.encode(&self.bytes)))
    }

    /// Is the content XML (an `xml()` value)?
    pub fn is_xml(&self) -> bool {
        let ct = self.content_type.to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
    }

    /// The `charset` parameter of the content type, if any.
    pub fn charset(&self) -> Option<&str> {
        self.content_type.split(';').skip(1).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"'))
        })
    }

    /// The envelope members: `$content-type` and `$content`.
    pub fn member(&self, name: &str) -> Option<Value> {
        if name.eq_ignore_ascii_case("$content-type") {
            Some(Value::String(self.content_type.clone()))
        } else if name.eq_ignore_ascii_case("$content") {
            Some(Value::from(self.base64()))
        } else {
            None
        }
    }

    /// The content as text: UTF-8, with invalid sequences replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Decodes base64 as .NET's `Convert.FromBase64String` does: standard alphabet, padding
/// required, whitespace ignored.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n')).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("The input is not a valid Base-64 string: {e}."))
}

impl Clone for Binary {
    fn clone(&self) -> Binary {
        let base64 = OnceLock::new();
        if let Some(text) = self.base64.get() {
            let _ = base64.set(text.clone());
        }
        Binary { content_type: self.content_type.clone(), bytes: self.bytes.clone(), base64 }
    }
}

impl PartialEq for Binary {
    fn eq(&self, other: &Binary) -> bool {
        self.content_type == other.content_type && self.bytes == other.bytes
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({:?}, {} bytes)", self.content_type, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_base64_text_it_was_given() {
        let b = Binary::from_base64(OCTET_STREAM, "aGVsbG8 gd29ybGQ=").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.bytes(), b"hello world");
        assert_eq!(b.base64(), "aGVsbG8 gd29ybGQ=");
        assert_eq!(Binary::octet_stream(b"hello world".to_vec()).base64(), "aGVsbG8gd29ybGQ=");
    }

    #[test]
    fn rejects_bad_base64() {
        assert!(Binary::from_base64(OCTET_STREAM, "aa").is_err());
        assert!(Binary::from_base64(OCTET_STREAM, "$#[<").is_err());
    }

    #[test]
    fn xml_and_charset() {
        let b = Binary::new("application/xml;charset=utf-8", b"<a/>".to_vec());
        assert!(b.is_xml());
        assert_eq!(b.charset(), Some("utf-8"));
        assert!(!Binary::octet_stream(Vec::new()).is_xml());
    }
}
