//! JSON in and out: serde integration, `serde_json::Value` conversion and the compact
//! writer that matches the service's (Newtonsoft.Json) output.

use std::fmt;
use std::sync::Arc;

use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::number::{ensure_decimal_place, write_json_double};
use super::{Binary, Decimal, Object, Value};

/// Parses JSON text into a value. A repeated key keeps its last value, moved to the end,
/// as the service's reader does. Nesting is limited to 128 levels.
pub fn from_json_str(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text)
}

/// How deeply a value may nest (arrays and objects) for JSON to read it: serde_json's
/// limit, the service's too.
pub const MAX_VALUE_DEPTH: usize = 128;

/// How deeply a run record or run context may nest: a value of [`MAX_VALUE_DEPTH`] levels
/// inside the record's own levels (`results.Loop[i].outputs[j].outputs`, a `splitOn`
/// array of records, ...). The runner keeps every value within [`MAX_VALUE_DEPTH`], so what
/// `flowexpr run --out` writes, `--context` reads back.
pub const MAX_RECORD_DEPTH: usize = MAX_VALUE_DEPTH + 16;

/// Parses JSON text nested at most `max_depth` levels (checked before parsing, so the
/// parser's recursion stays bounded).
pub fn from_json_str_nested(text: &str, max_depth: usize) -> Result<Value, serde_json::Error> {
    if let Some(at) = too_deep(text, max_depth) {
        return Err(<serde_json::Error as de::Error>::custom(format!(
            "nesting deeper than {max_depth} levels at byte {at}"
        )));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Where the nesting of brackets outside strings first passes `max`, if it does.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Writes compact JSON as the service does (`5.0` for integral floats, binary as its
/// envelope, no spaces).
pub fn to_json_string(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

/// Writes indented JSON (two spaces), for people to read.
pub fn to_json_string_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out
}

pub(super) fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            use fmt::Write as _;
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_json_double(*f, out),
        Value::Decimal(d) => write_json_decimal(d, out),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        Value::Binary(b) => {
            out.push_str("{\"$content-type\":");
            write_json_string(b.content_type(), out);
            out.push_str(",\"$content\":");
            write_json_string(b.base64(), out);
            out.push('}');
        }
    }
}

fn write_pretty(value: &Value, indent: usize, out: &mut String) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n * 2));
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, indent + 1);
                write_pretty(item, indent + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
        Value::Object(o) if !o.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in o.iter().enumerate() {
                pad(out, indent + 1);
                write_json_string(k, out);
                out.push_str(": ");
                write_pretty(v, indent + 1, out);
                if i + 1 < o.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Binary(b) => {
            out.push_str("{\n");
            pad(out, indent + 1);
            out.push_str("\"$content-type\": ");
            write_json_string(b.content_type(), out);
            out.push_str(",\n");
            pad(out, indent + 1);
            out.push_str("\"$content\": ");
            write_json_string(b.base64(), out);
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
        other => write_json(other, out),
    }
}

/// A decimal is written with a decimal place (`5.0`), as the service writes decimals,
/// except an integer beyond the 64-bit range (how a JSON integer that big is read), which
/// is written as the integer it is.
fn write_json_decimal(d: &Decimal, out: &mut String) {
    use fmt::Write as _;
    let start = out.len();
    let _ = write!(out, "{d}");
    if d.scale() > 0 || d.to_i64().is_some() {
        ensure_decimal_place(out, start);
    }
}

/// Writes a JSON string literal, escaping what Newtonsoft.Json escapes by default:
/// quotes, backslashes, control characters and the line separators U+0085, U+2028, U+2029.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut rest = s;
    while let Some(pos) = rest.find(needs_escape) {
        out.push_str(&rest[..pos]);
        let c = rest[pos..].chars().next().unwrap_or(' ');
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => {
                use fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        rest = &rest[pos + c.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

fn needs_escape(c: char) -> bool {
    c < ' ' || c == '"' || c == '\\' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}'
}

/// Recognizes a binary envelope: exactly the keys `$content-type` (a string) and
/// `$content` (valid base64).
fn envelope(o: &Object) -> Option<Binary> {
    if o.len() != 2 {
        return None;
    }
    let ct = o.get("$content-type")?.as_str()?;
    let content = o.get("$content")?.as_str()?;
    Binary::from_base64(ct, content).ok()
}

fn finish_object(o: Object) -> Value {
    match envelope(&o) {
        Some(b) => Value::binary(b),
        None => Value::Object(o),
    }
}

pub(super) fn from_serde(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => number_from_serde(n),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::array(a.iter().map(from_serde).collect()),
        serde_json::Value::Object(m) => {
            let mut o = Object::with_capacity(m.len());
            for (k, v) in m {
                o.insert(k.as_str(), from_serde(v));
            }
            finish_object(o)
        }
    }
}

fn number_from_serde(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Int(i)
    } else if let Some(u) = n.as_u64() {
        Value::Decimal(Decimal::from(u))
    } else {
        Value::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

pub(super) fn to_serde(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => float_to_serde(*f),
        Value::Decimal(d) => match (d.fract().is_zero(), d.to_i64(), d.to_u64()) {
            (true, Some(i), _) => J::from(i),
            (true, None, Some(u)) => J::from(u),
            _ => float_to_serde(d.to_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => J::String(s.to_string()),
        Value::Array(a) => J::Array(a.iter().map(to_serde).collect()),
        Value::Object(o) => J::Object(o.iter().map(|(k, v)| (k.to_string(), to_serde(v))).collect()),
        Value::Binary(b) => {
            let mut m = serde_json::Map::new();
            m.insert("$content-type".into(), J::String(b.content_type().to_string()));
            m.insert("$content".into(), J::String(b.base64().to_string()));
            J::Object(m)
        }
    }
}

fn float_to_serde(f: f64) -> serde_json::Value {
    match serde_json::Number::from_f64(f) {
        Some(n) => serde_json::Value::Number(n),
        None => serde_json::Value::String(super::format_double(f)),
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(f) => serializer.serialize_str(&super::format_double(*f)),
            Value::Decimal(d) => match (d.fract().is_zero(), d.to_i64()) {
                (true, Some(i)) => serializer.serialize_i64(i),
                _ => serializer.serialize_f64(d.to_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(a) => {
                let mut seq = serializer.serialize_seq(Some(a.len()))?;
                for item in a.iter() {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = serializer.serialize_map(Some(o.len()))?;
                for (k, v) in o {
                    map.serialize_entry(&**k, v)?;
                }
                map.end()
            }
            Value::Binary(b) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("$content-type", b.content_type())?;
                map.serialize_entry("$content", b.base64())?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Decimal(Decimal::from(u)),
        })
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(Arc::new(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut o = Object::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            o.push_last(k, v);
        }
        Ok(finish_object(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Value {
        from_json_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn repeated_keys_keep_the_last_value_at_the_end() {
        assert_eq!(to_json_string(&parse(r#"{"a": 1, "b": -1, "a": 2}"#)), r#"{"b":-1,"a":2}"#);
        assert_eq!(to_json_string(&parse(r#"{"A": 1, "a": 2}"#)), r#"{"A":1,"a":2}"#);
    }

    #[test]
    fn numbers_keep_their_kind() {
        assert_eq!(parse("5"), Value::Int(5));
        assert_eq!(parse("5.0"), Value::Float(5.0));
        assert_eq!(parse("18446744073709551615"), Value::Decimal(Decimal::from(u64::MAX)));
        assert_eq!(to_json_string(&parse("[5.0,5,1e300]")), "[5.0,5,1E+300]");
    }

    #[test]
    fn envelopes_become_binary_and_back() {
        let v = parse(r#"{"$content-type": "text/plain", "$content": "aGk="}"#);
        assert_eq!(v.as_binary().map(|b| b.bytes().to_vec()), Some(b"hi".to_vec()));
        assert_eq!(to_json_string(&v), r#"{"$content-type":"text/plain","$content":"aGk="}"#);
        // Not base64: stays an object.
        let v = parse(r#"{"$content-type": "text/plain", "$content": "!!"}"#);
        assert!(v.as_object().is_some());
    }

    #[test]
    fn escapes_like_newtonsoft() {
        let mut s = String::new();
        write_json_string("a\"b\\c\nd\u{1}e\u{2028}é", &mut s);
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001e\\u2028é\"");
    }

    #[test]
    fn serde_json_round_trip() {
        let text = r#"{"z":1,"a":[1.5,-2,"x",null,true,{"k":{}}],"e":[]}"#;
        let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let v = Value::from_json(&json);
        assert_eq!(v.to_json(), json);
        assert_eq!(to_json_string(&v), text);
    }

    #[test]
    fn pretty_output() {
        let v = parse(r#"{"a":[1,{"b":null}],"c":{}}"#);
        assert_eq!(
            to_json_string_pretty(&v),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {}\n}"
        );
    }
}
