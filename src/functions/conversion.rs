//! Conversion functions, and the conversions between text and binary content the other
//! functions share.
//!
//! Binary values keep their bytes and content type end to end. Where text is needed, binary
//! content is decoded with the charset its content type names (UTF-8 when it names none),
//! as the service does; a content type with a parameter that has no value, or a charset
//! .NET does not know, makes that conversion fail.

use std::borrow::Cow;

use base64::Engine as _;

use super::{req, rest, Args, Call, Category, Function, Ty};
use crate::error::{Error, Result};
use crate::value::{from_json_str, Binary, Object, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "array",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "Array",
        "An array holding the one value given.",
        "array('hello') → ['hello']",
        array,
    ),
    Function::eager(
        "base64",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "String",
        "The base64 encoding of a string's UTF-8 bytes (or of binary content).",
        "base64('hello') → 'aGVsbG8='",
        base64,
    ),
    Function::eager(
        "base64ToBinary",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::BINARY))],
        "Binary",
        "Binary content (application/octet-stream) from a base64 string.",
        "base64ToBinary('aGVsbG8=') → {\"$content-type\": \"application/octet-stream\", \"$content\": \"aGVsbG8=\"}",
        base64_to_binary,
    ),
    Function::eager(
        "base64ToString",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::BINARY))],
        "String",
        "The string a base64 text encodes (as UTF-8).",
        "base64ToString('aGVsbG8=') → 'hello'",
        base64_to_string,
    ),
    Function::eager(
        "binary",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "Binary",
        "Binary content (application/octet-stream) holding a value's text as UTF-8, or binary content's bytes.",
        "binary('hello') → {\"$content-type\": \"application/octet-stream\", \"$content\": \"aGVsbG8=\"}",
        binary,
    ),
    Function::eager(
        "bool",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "Boolean",
        "A boolean from a boolean, a number (non-zero is true) or the strings 'true' / 'false'.",
        "bool(1) → true",
        bool_,
    ),
    Function::eager(
        "createArray",
        Category::Conversion,
        &[rest("object", Ty::ANY)],
        "Array",
        "An array of the values given.",
        "createArray('h', 'e', 'l', 'l', 'o') → ['h', 'e', 'l', 'l', 'o']",
        create_array,
    ),
    Function::eager(
        "dataUri",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "String",
        "A base64 data URI holding a string (text/plain), binary content (its own type) or another value as JSON.",
        "dataUri('hello') → 'data:text/plain;charset=utf-8;base64,aGVsbG8='",
        data_uri,
    ),
    Function::eager(
        "dataUriToBinary",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "Binary",
        "Binary content from a data URI, with the URI's media type and parameters as its content type.",
        "dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=') → {\"$content-type\": \"text/plain;charset=utf-8\", \"$content\": \"aGVsbG8=\"}",
        data_uri_to_binary,
    ),
    Function::eager(
        "dataUriToString",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "String",
        "The text a data URI holds, decoded with its charset.",
        "dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=') → 'hello'",
        data_uri_to_string,
    ),
    Function::eager(
        "decodeBase64",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::BINARY))],
        "String",
        "Deprecated: the same as base64ToString.",
        "decodeBase64('aGVsbG8=') → 'hello'",
        base64_to_string,
    ),
    Function::eager(
        "decodeDataUri",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "Binary",
        "The same as dataUriToBinary (which the reference prefers).",
        "decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=') → binary 'hello'",
        data_uri_to_binary,
    ),
    Function::eager(
        "decodeUriComponent",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "String",
        "Decodes %XX escapes (as .NET's Uri.UnescapeDataString; '+' stays '+').",
        "decodeUriComponent('https%3A%2F%2Fcontoso.com') → 'https://contoso.com'",
        uri_component_to_string,
    ),
    Function::eager(
        "encodeUriComponent",
        Category::Conversion,
        &[rest("value", Ty::ANY)],
        "String",
        "Escapes every character but A-Z a-z 0-9 - _ . ~ as %XX (as .NET's Uri.EscapeDataString); several values are joined first, as designer-generated paths use it.",
        "encodeUriComponent('https://contoso.com') → 'https%3A%2F%2Fcontoso.com'",
        encode_uri_component,
    ),
    Function::eager(
        "json",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::BINARY).or(Ty::NULL))],
        "Any",
        "Parses JSON text (or converts XML) into a value.",
        "json('{\"fullName\": \"Sophia Owen\"}') → {\"fullName\": \"Sophia Owen\"}",
        json,
    ),
    Function::eager(
        "string",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "String",
        "The value as text: null is '', true is 'True', arrays and objects are JSON, binary is decoded.",
        "string(10) → '10'",
        string,
    ),
    Function::eager(
        "uriComponent",
        Category::Conversion,
        &[req("value", Ty::ANY)],
        "String",
        "Escapes every character but A-Z a-z 0-9 - _ . ~ as %XX (as .NET's Uri.EscapeDataString).",
        "uriComponent('https://contoso.com') → 'https%3A%2F%2Fcontoso.com'",
        uri_component,
    ),
    Function::eager(
        "uriComponentToBinary",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "Binary",
        "Binary content (application/octet-stream) from a %XX-escaped string.",
        "uriComponentToBinary('https%3A%2F%2Fcontoso.com') → binary 'https://contoso.com'",
        uri_component_to_binary,
    ),
    Function::eager(
        "uriComponentToString",
        Category::Conversion,
        &[req("value", Ty::STRING)],
        "String",
        "Decodes %XX escapes (as .NET's Uri.UnescapeDataString; '+' stays '+').",
        "uriComponentToString('https%3A%2F%2Fcontoso.com') → 'https://contoso.com'",
        uri_component_to_string,
    ),
];

/// The content type of binary content made without one.
const OCTET_STREAM: &str = "application/octet-stream";

// ---------------------------------------------------------------------------------------
// Charsets and text of binary content.

/// The text encodings .NET's `Encoding.GetEncoding` knows by name (without extra code-page
/// providers), plus windows-1252.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    Ascii,
    Latin1,
    Windows1252,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Charset {
    /// The encoding with this name (any case; quotes and surrounding spaces ignored).
    pub(crate) fn from_name(name: &str) -> Option<Charset> {
        let name = name.trim().trim_matches('"').trim().to_ascii_lowercase();
        Some(match name.as_str() {
            "utf-8"
            | "unicode-1-1-utf-8"
            | "unicode-2-0-utf-8"
            | "x-unicode-1-1-utf-8"
            | "x-unicode-2-0-utf-8" => Charset::Utf8,
            "us-ascii" | "ascii" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "cp367" | "csascii" | "ibm367"
            | "iso-ir-6" | "iso646-us" | "iso_646.irv:1991" | "us" => Charset::Ascii,
            "iso-8859-1" | "latin1" | "l1" | "cp819" | "csisolatin1" | "ibm819" | "iso-ir-100"
            | "iso8859-1" | "iso_8859-1" | "iso_8859-1:1987" => Charset::Latin1,
            "windows-1252" => Charset::Windows1252,
            "utf-16" | "utf-16le" | "unicode" | "ucs-2" | "iso-10646-ucs-2" | "csunicode" => Charset::Utf16Le,
            "utf-16be" | "unicodefffe" => Charset::Utf16Be,
            "utf-32" | "utf-32le" => Charset::Utf32Le,
            "utf-32be" => Charset::Utf32Be,
            _ => return None,
        })
    }

    /// Decodes bytes as .NET's decoders do: malformed input becomes U+FFFD, and bytes
    /// outside ASCII become '?' in ASCII.
    pub(crate) fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes),
            Charset::Ascii => match std::str::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Cow::Borrowed(s),
                _ => Cow::Owned(bytes.iter().map(|&b| if b < 0x80 { b as char } else { '?' }).collect()),
            },
            Charset::Latin1 => match std::str::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Cow::Borrowed(s),
                _ => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
            },
            Charset::Windows1252 => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
            Charset::Utf16Le | Charset::Utf16Be => {
                let units: Vec<u16> = bytes
                    .chunks(2)
                    .map(|c| match (c, self) {
                        ([a, b], Charset::Utf16Le) => u16::from_le_bytes([*a, *b]),
                        ([a, b], _) => u16::from_be_bytes([*a, *b]),
                        // A lone trailing byte is malformed.
                        _ => 0xFFFD,
                    })
                    .collect();
                Cow::Owned(String::from_utf16_lossy(&units))
            }
            Charset::Utf32Le | Charset::Utf32Be => Cow::Owned(
                bytes
                    .chunks(4)
                    .map(|c| {
                        let word = match c.try_into() {
                            Ok(w) if self == Charset::Utf32Le => u32::from_le_bytes(w),
                            Ok(w) => u32::from_be_bytes(w),
                            Err(_) => 0xFFFD,
                        };
                        char::from_u32(word).unwrap_or('\u{FFFD}')
                    })
                    .collect(),
            ),
        }
    }
}

/// Windows-1252: Latin-1 with typographic characters in 0x80–0x9F (the five undefined
/// bytes map to the control characters of the same value, as .NET's best-fit table does).
fn windows_1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(u32::from(HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}'),
        _ => b as char,
    }
}

/// `value` with its ASCII prefix `prefix` (any case) removed.
fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}

/// The text of binary content: its bytes decoded with the charset of its content type
/// (UTF-8 if none). Fails, as the service does, when a parameter of the content type has
/// no value or the charset is unknown.
pub(crate) fn binary_text(b: &Binary) -> std::result::Result<Cow<'_, str>, String> {
    let content_type = b.content_type();
    let mut charset = Charset::Utf8;
    for segment in content_type.split(';').skip(1).map(str::trim).filter(|s| !s.is_empty()) {
        if !segment.contains('=') {
            return Err(format!(
                "the content type '{content_type}' has a parameter without a value ('{segment}')"
            ));
        }
        if let Some(name) = strip_prefix_ci(segment, "charset=") {
            charset = Charset::from_name(name)
                .ok_or_else(|| format!("'{}' is not a supported charset", name.trim()))?;
        }
    }
    Ok(charset.decode(b.bytes()))
}

/// Argument `index` as text, as the service converts a value where a string is expected:
/// strings as they are, binary content decoded with its charset, anything else as
/// [`Value::to_text`] writes it.
pub(crate) fn text_of<'v>(args: &Args<'v>, index: usize) -> Result<Cow<'v, str>> {
    match args.value(index) {
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Binary(b) => binary_text(b).map_err(|e| {
            args.invalid(index, format!("cannot convert the binary content of its parameter to text: {e}."))
        }),
        other => Ok(Cow::Owned(other.to_text())),
    }
}

/// The string parameter of a one-parameter function ("expects its parameter to be a
/// string").
fn a_string<'v>(args: &Args<'v>) -> Result<&'v str> {
    match args.value(0) {
        Value::String(s) => Ok(s),
        _ => Err(args.type_error(0, "a string")),
    }
}

// ---------------------------------------------------------------------------------------
// Base64, percent-encoding and data URIs.

fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The bytes a value holds where content is expected: binary content's bytes, a string's
/// UTF-8, anything else's text.
fn content_bytes<'v>(value: &'v Value) -> Cow<'v, [u8]> {
    match value {
        Value::Binary(b) => Cow::Borrowed(b.bytes()),
        Value::String(s) => Cow::Borrowed(s.as_bytes()),
        other => Cow::Owned(other.to_text().into_bytes()),
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The `%XX` escape at byte `i` of `s`, if there is one.
fn escape_at(s: &[u8], i: usize) -> Option<u8> {
    match s.get(i..i + 3) {
        Some([b'%', h, l]) => Some(hex_value(*h)? * 16 + hex_value(*l)?),
        _ => None,
    }
}

/// .NET's `Uri.UnescapeDataString`: `%XX` escapes are decoded where they form UTF-8;
/// escapes of bytes that do not are kept as they are, and so is a lone `%`.
pub(crate) fn unescape_data_string(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let Some(first) = escape_at(bytes, i) else {
            let c = s[i..].chars().next().unwrap_or('%');
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        // A run of escapes: decode it as UTF-8, keeping the text of bytes that are not.
        let mut run = vec![first];
        let mut j = i + 3;
        while let Some(b) = escape_at(bytes, j) {
            run.push(b);
            j += 3;
        }
        let mut k = 0;
        while k < run.len() {
            match std::str::from_utf8(&run[k..]) {
                Ok(text) => {
                    out.push_str(text);
                    k = run.len();
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    out.push_str(std::str::from_utf8(&run[k..k + good]).unwrap_or_default());
                    k += good;
                    let bad = e.error_len().unwrap_or(run.len() - k);
                    out.push_str(&s[i + 3 * k..i + 3 * (k + bad)]);
                    k += bad;
                }
            }
        }
        i = j;
    }
    Cow::Owned(out)
}

/// .NET's `WebUtility.UrlDecode`, which the service applies to the data of a data URI
/// that is not base64: `+` is a space, `%XX` escapes are bytes, and the bytes are read
/// as UTF-8.
pub(crate) fn url_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(b) = escape_at(bytes, i) {
            out.push(b);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    match String::from_utf8_lossy(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(text) => text.into_bytes(),
    }
}

/// A data URI taken apart: `data:[<media type>][;<parameter>]*[;base64],<data>`.
struct DataUri<'a> {
    /// The media type and its parameters, as written (`;base64` removed).
    segments: Vec<&'a str>,
    base64: bool,
    data: &'a str,
}

impl<'a> DataUri<'a> {
    fn parse(text: &'a str) -> Option<DataUri<'a>> {
        let rest = strip_prefix_ci(text, "data:")?;
        let (meta, data) = rest.split_once(',')?;
        let mut segments: Vec<&str> = meta.split(';').collect();
        let base64 = segments.last().is_some_and(|s| s.eq_ignore_ascii_case("base64"));
        if base64 {
            segments.pop();
        }
        if segments == [""] {
            segments.clear();
        }
        Some(DataUri { segments, base64, data })
    }

    /// The content type: the media type and parameters as written, `text/plain` if none.
    fn content_type(&self) -> String {
        if self.segments.is_empty() {
            "text/plain".to_string()
        } else {
            self.segments.join(";")
        }
    }

    /// The bytes the URI holds (base64-decoded or URL-decoded).
    fn bytes(&self) -> std::result::Result<Vec<u8>, String> {
        if self.base64 {
            Binary::from_base64("", self.data).map(|b| b.bytes().to_vec())
        } else {
            Ok(url_decode(self.data))
        }
    }
}

fn not_a_data_uri(args: &Args<'_>, detail: &str) -> Error {
    let shown: String = args.value(0).as_str().unwrap_or("").chars().take(100).collect();
    args.invalid(
        0,
        format!("was invoked with a parameter that is not valid. The value '{shown}' is not a valid data URI: {detail}."),
    )
}

fn data_uri_parts<'v>(args: &Args<'v>) -> Result<DataUri<'v>> {
    DataUri::parse(a_string(args)?)
        .ok_or_else(|| not_a_data_uri(args, "a data URI starts with 'data:' and has a ',' before its data"))
}

fn data_uri_to_binary(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let uri = data_uri_parts(&args)?;
    call.charge(uri.data.len() as u64 / 64)?;
    if let Some(media) = uri.segments.first() {
        if media.matches('/').count() != 1 {
            return Err(not_a_data_uri(&args, &format!("'{media}' is not a media type (type/subtype)")));
        }
    }
    for segment in uri.segments.iter().skip(1) {
        if segment.matches('=').count() > 1 {
            return Err(not_a_data_uri(&args, &format!("the parameter '{segment}' is malformed")));
        }
        if let Some(name) = strip_prefix_ci(segment.trim(), "charset=") {
            if Charset::from_name(name).is_none() {
                return Err(not_a_data_uri(&args, &format!("'{name}' is not a supported charset")));
            }
        }
    }
    let content_type = uri.content_type();
    if uri.base64 {
        return Ok(match Binary::from_base64(content_type.as_str(), uri.data) {
            Ok(b) => Value::binary(b),
            // The service keeps the base64 text without decoding it, so an undecodable
            // payload comes back as the same envelope it would write.
            Err(_) => {
                let mut envelope = Object::with_capacity(2);
                envelope.insert("$content-type", Value::from(content_type));
                envelope.insert("$content", Value::from(uri.data));
                Value::Object(envelope)
            }
        });
    }
    Ok(Value::binary(Binary::new(content_type, url_decode(uri.data))))
}

fn data_uri_to_string(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let uri = data_uri_parts(&args)?;
    call.charge(uri.data.len() as u64 / 64)?;
    if uri.segments.first().is_some_and(|m| m.is_empty()) {
        return Err(not_a_data_uri(&args, "the media type is empty"));
    }
    // The service reads a charset only right after the media type.
    let charset = match uri.segments.get(1).and_then(|s| strip_prefix_ci(s.trim(), "charset=")) {
        Some(name) => Charset::from_name(name)
            .ok_or_else(|| not_a_data_uri(&args, &format!("'{name}' is not a supported charset")))?,
        None => Charset::Utf8,
    };
    let bytes = uri.bytes().map_err(|e| not_a_data_uri(&args, &e))?;
    let text = charset.decode(&bytes).into_owned();
    call.check_string_length(text.len())?;
    Ok(Value::from(text))
}

fn data_uri(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let value = args.value(0);
    let content_type = match value {
        Value::Null => return Err(args.type_error(0, "a value that is not null")),
        Value::Binary(b) => b.content_type(),
        Value::String(_) => "text/plain;charset=utf-8",
        _ => "application/json;charset=utf-8",
    };
    let bytes = content_bytes(value);
    call.check_string_length(bytes.len() / 3 * 4 + content_type.len() + 13)?;
    call.charge(bytes.len() as u64 / 64)?;
    Ok(Value::from(format!("data:{content_type};base64,{}", base64_encode(&bytes))))
}

fn base64(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let bytes = match args.value(0) {
        Value::Binary(b) => Cow::Borrowed(b.bytes()),
        _ => match text_of(&args, 0)? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        },
    };
    call.check_string_length(bytes.len().div_ceil(3) * 4)?;
    call.charge(bytes.len() as u64 / 64)?;
    Ok(Value::from(base64_encode(&bytes)))
}

/// The base64 argument of `base64ToBinary` / `base64ToString`, decoded. Binary content
/// stands for its base64 text (its `$content`), so it decodes to its own bytes.
fn decode_base64_arg(args: &Args<'_>) -> Result<Binary> {
    if let Value::Binary(b) = args.value(0) {
        return Ok(Binary::octet_stream(b.shared_bytes()));
    }
    let text = a_string(args)?;
    Binary::from_base64(OCTET_STREAM, text).map_err(|e| {
        args.invalid(
            0,
            format!("was invoked with a parameter that is not valid. The value cannot be decoded from base64: {e}"),
        )
    })
}

fn base64_to_binary(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    call.charge(args.value(0).approx_size() as u64 / 64)?;
    decode_base64_arg(&args).map(Value::binary)
}

fn base64_to_string(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    call.charge(args.value(0).approx_size() as u64 / 64)?;
    let binary = decode_base64_arg(&args)?;
    Ok(Value::from(String::from_utf8_lossy(binary.bytes()).into_owned()))
}

fn binary(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let value = args.value(0);
    let bytes: std::sync::Arc<[u8]> = match value {
        Value::Null => return Err(args.type_error(0, "a value that is not null")),
        Value::Binary(b) => b.shared_bytes(),
        Value::String(s) => s.as_bytes().into(),
        other => other.to_text().into_bytes().into(),
    };
    call.charge(bytes.len() as u64 / 64)?;
    Ok(Value::binary(Binary::octet_stream(bytes)))
}

fn uri_component(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = text_of(&args, 0)?;
    call.charge(text.len() as u64 / 64)?;
    let escaped = crate::mime::encode_component(&text);
    call.check_string_length(escaped.len())?;
    Ok(Value::from(escaped))
}

/// `encodeUriComponent` also takes several values, which it joins before escaping:
/// the designer writes paths such as `encodeURIComponent('workflows/', triggerBody()['name'])`
/// into ApiConnection actions, and the service runs them.
fn encode_uri_component(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let mut text = String::new();
    for i in 0..args.len() {
        text.push_str(&text_of(&args, i)?);
        call.check_string_length(text.len())?;
    }
    call.charge(text.len() as u64 / 64)?;
    let escaped = crate::mime::encode_component(&text);
    call.check_string_length(escaped.len())?;
    Ok(Value::from(escaped))
}

fn uri_component_to_string(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = a_string(&args)?;
    call.charge(text.len() as u64 / 64)?;
    Ok(match unescape_data_string(text) {
        Cow::Borrowed(_) => args.value(0).clone(),
        Cow::Owned(s) => Value::from(s),
    })
}

fn uri_component_to_binary(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = a_string(&args)?;
    call.charge(text.len() as u64 / 64)?;
    let bytes = unescape_data_string(text).into_owned().into_bytes();
    Ok(Value::binary(Binary::octet_stream(bytes)))
}

fn array(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::array(vec![args.value(0).clone()]))
}

fn create_array(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    call.check_array_length(args.len())?;
    Ok(Value::array(args.all().to_vec()))
}

fn string(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::String(s) => Ok(Value::String(s.clone())),
        _ => {
            let text = text_of(&args, 0)?.into_owned();
            call.check_string_length(text.len())?;
            call.charge(text.len() as u64 / 64)?;
            Ok(Value::from(text))
        }
    }
}

fn bool_(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Int(i) => Ok(Value::Bool(*i != 0)),
        Value::Float(f) => Ok(Value::Bool(*f != 0.0)),
        Value::Decimal(d) => Ok(Value::Bool(!d.is_zero())),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        Value::String(s) => Err(args.invalid(0, format!("was invoked with a parameter that is not valid. The value '{s}' cannot be converted to the target type 'Boolean'."))),
        other => Err(args.type_error(0, &format!("a boolean, a number or a string (not {})", other.value_type()))),
    }
}

fn json(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let parse = |text: &str| {
        from_json_str(text).map_err(|e| {
            let shown: String = text.chars().take(100).collect();
            args.invalid(
                0,
                format!("parameter is not valid. The provided value '{shown}' cannot be parsed: {e}."),
            )
        })
    };
    match args.value(0) {
        Value::Null => Ok(Value::Object(Object::new())),
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            parse(s)
        }
        Value::Binary(b) if b.is_xml() => crate::xml::xml_to_json(b).map_err(|e| e.with_span(args.span(0))),
        Value::Binary(b) => {
            call.charge(b.bytes().len() as u64 / 64)?;
            parse(&text_of(&args, 0)?)
        }
        Value::Array(_) | Value::Object(_) => Ok(args.value(0).clone()),
        _ => Err(args.type_error(0, "a string or XML")),
    }
}

/// A value's text for a string builder (`concat`, `join`): a string as it is (no copy),
/// anything else written out. Binary content is the caller's, with its own error.
pub(crate) fn text_piece(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => {
            let mut text = String::new();
            other.write_text(&mut text);
            std::borrow::Cow::Owned(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets() {
        assert_eq!(Charset::from_name("UTF-8"), Some(Charset::Utf8));
        assert_eq!(Charset::from_name(" \"us-ascii\" "), Some(Charset::Ascii));
        assert_eq!(Charset::from_name("martian"), None);
        assert_eq!(Charset::Ascii.decode(b"a\xffb"), "a?b");
        assert_eq!(Charset::Latin1.decode(b"caf\xe9"), "café");
        assert_eq!(Charset::Windows1252.decode(b"\x80 \x93x\x94"), "€ “x”");
        assert_eq!(Charset::Utf16Le.decode(b"h\0i\0"), "hi");
        assert_eq!(Charset::Utf16Be.decode(b"\0h\0i"), "hi");
        assert_eq!(Charset::Utf32Le.decode(b"h\0\0\0"), "h");
        assert_eq!(Charset::Utf8.decode(b"\xc3\xa9"), "é");
    }

    #[test]
    fn binary_text_follows_the_content_type() {
        let text =
            |ct: &str, bytes: &[u8]| binary_text(&Binary::new(ct, bytes.to_vec())).map(|t| t.into_owned());
        assert_eq!(text("text/plain", b"hi"), Ok("hi".to_string()));
        assert_eq!(text("text/plain; charset=ISO-8859-1", b"\xe9"), Ok("é".to_string()));
        assert!(text("text/plain;base64;charset=ascii", b"x").is_err());
        assert!(text("text/plain;charset=fake-encoding", b"x").is_err());
    }

    #[test]
    fn unescaping_keeps_what_is_not_utf8() {
        assert_eq!(unescape_data_string("a%20b"), "a b");
        assert_eq!(unescape_data_string("a+b"), "a+b");
        assert_eq!(unescape_data_string("%C3%A9%e9%41"), "é%e9A");
        assert_eq!(unescape_data_string("100%"), "100%");
        assert_eq!(unescape_data_string("%zz%4"), "%zz%4");
        assert_eq!(url_decode("a+b%2B%e9"), "a b+\u{FFFD}".as_bytes());
    }

    #[test]
    fn data_uri_parts() {
        let uri =
            DataUri::parse("DATA:text/plain;charset=utf-8;BASE64,aGk=").unwrap_or_else(|| unreachable!());
        assert_eq!(uri.content_type(), "text/plain;charset=utf-8");
        assert!(uri.base64);
        assert_eq!(uri.bytes(), Ok(b"hi".to_vec()));
        let uri = DataUri::parse("data:,a+b").unwrap_or_else(|| unreachable!());
        assert_eq!(uri.content_type(), "text/plain");
        assert_eq!(uri.bytes(), Ok(b"a b".to_vec()));
        assert!(DataUri::parse("data:text/plain").is_none());
        assert!(DataUri::parse("http://x,y").is_none());
    }
}
