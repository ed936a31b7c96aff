//! Conversion functions.

use super::{req, rest, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::{from_json_str, Object, Value};

const LATER: &str = "planned in the function-library issue (conversions)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("array", Category::Conversion, "An array holding the one value given.", LATER),
    Function::missing("base64", Category::Conversion, "The base64 encoding of a string.", LATER),
    Function::missing("base64ToBinary", Category::Conversion, "Binary content from a base64 string.", LATER),
    Function::missing("base64ToString", Category::Conversion, "The string a base64 text encodes.", LATER),
    Function::missing("binary", Category::Conversion, "The binary form of a value.", LATER),
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
    Function::missing("dataUri", Category::Conversion, "A data URI holding a value.", LATER),
    Function::missing("dataUriToBinary", Category::Conversion, "Binary content from a data URI.", LATER),
    Function::missing("dataUriToString", Category::Conversion, "The string a data URI holds.", LATER),
    Function::missing("decodeBase64", Category::Conversion, "Deprecated: the same as base64ToString.", LATER),
    Function::missing("decodeDataUri", Category::Conversion, "Binary content from a data URI.", LATER),
    Function::missing("decodeUriComponent", Category::Conversion, "Percent-decodes a string.", LATER),
    Function::missing("encodeUriComponent", Category::Conversion, "Percent-encodes a string.", LATER),
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
        "The value as text: null is '', true is 'True', arrays and objects are JSON.",
        "string(10) → '10'",
        string,
    ),
    Function::missing("uriComponent", Category::Conversion, "Percent-encodes a string.", LATER),
    Function::missing(
        "uriComponentToBinary",
        Category::Conversion,
        "Binary content from a percent-encoded string.",
        LATER,
    ),
    Function::missing("uriComponentToString", Category::Conversion, "Percent-decodes a string.", LATER),
];

fn create_array(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    call.check_array_length(args.len())?;
    Ok(Value::array(args.all().to_vec()))
}

fn string(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::String(s) => Ok(Value::String(s.clone())),
        other => {
            let text = other.to_text();
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
    match args.value(0) {
        Value::Null => Ok(Value::Object(Object::new())),
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            from_json_str(s).map_err(|e| {
                let shown: String = s.chars().take(100).collect();
                args.invalid(
                    0,
                    format!("parameter is not valid. The provided value '{shown}' cannot be parsed: {e}."),
                )
            })
        }
        Value::Binary(b) if b.is_xml() => crate::xml::xml_to_json(b).map_err(|e| e.with_span(args.span(0))),
        Value::Binary(b) => from_json_str(&b.text()).map_err(|e| {
            args.invalid(
                0,
                format!("parameter is not valid: the binary content cannot be parsed as JSON: {e}."),
            )
        }),
        Value::Array(_) | Value::Object(_) => Ok(args.value(0).clone()),
        _ => Err(args.type_error(0, "a string or XML")),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext};

    fn eval(text: &str) -> Result<String, String> {
        Engine::new().eval(text, &RunContext::default()).map(|v| v.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        for (text, expected) in [
            ("createArray('a', 1)", r#"["a",1]"#),
            ("string(10)", r#""10""#),
            ("string(null)", r#""""#),
            ("string(true)", r#""True""#),
            ("string(json('{\"a\":5.0}'))", r#""{\"a\":5.0}""#),
            ("bool(1)", "true"),
            ("bool(-1)", "true"),
            ("bool(0)", "false"),
            ("bool(0.3)", "true"),
            ("bool('True')", "true"),
            ("bool('false')", "false"),
            ("json('[1, 2, 3]')", "[1,2,3]"),
            ("json(null)", "{}"),
            ("json('{\"a\": 1, \"b\": -1, \"a\": 2}')", r#"{"b":-1,"a":2}"#),
        ] {
            assert_eq!(eval(text).as_deref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("bool('troo')", "cannot be converted"),
            ("bool('')", "cannot be converted"),
            ("bool(null)", "type 'Null'"),
            ("json('{')", "cannot be parsed"),
            ("json(1)", "a string or XML"),
            ("createArray()", "at least one parameter"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
