//! The service's stringification of values (`string()`, `@{...}`, implicit conversion).

use super::json::write_json;
use super::number::write_double;
use super::Value;

pub(super) fn write_text(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_double(*f, out),
        Value::Decimal(d) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{d}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(_) | Value::Object(_) => write_json(value, out),
        Value::Binary(b) => out.push_str(&String::from_utf8_lossy(b.bytes())),
    }
}

#[cfg(test)]
mod tests {
    use crate::value::{from_json_str, Binary, Decimal, Value};

    #[test]
    fn service_stringification() {
        assert_eq!(Value::Null.to_text(), "");
        assert_eq!(Value::Bool(true).to_text(), "True");
        assert_eq!(Value::Bool(false).to_text(), "False");
        assert_eq!(Value::Int(-51).to_text(), "-51");
        assert_eq!(Value::Float(5.0).to_text(), "5");
        assert_eq!(Value::Float(0.32).to_text(), "0.32");
        let d: Decimal = "5.0".parse().unwrap_or_default();
        assert_eq!(Value::Decimal(d).to_text(), "5.0");
        assert_eq!(Value::from("x").to_text(), "x");
        let o = from_json_str(r#"{"f":5.0,"a":[1,true,null,"q\""]}"#).unwrap_or_default();
        assert_eq!(o.to_text(), r#"{"f":5.0,"a":[1,true,null,"q\""]}"#);
        assert_eq!(Value::binary(Binary::octet_stream(b"hi".to_vec())).to_text(), "hi");
    }
}
