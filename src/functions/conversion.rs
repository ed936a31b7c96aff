//! Conversion functions.

use super::{opt, req, rest, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
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
    Function::missing("decimal", Category::Conversion, "A decimal number from a string.", LATER),
    Function::missing("decodeBase64", Category::Conversion, "Deprecated: the same as base64ToString.", LATER),
    Function::missing("decodeDataUri", Category::Conversion, "Binary content from a data URI.", LATER),
    Function::missing("decodeUriComponent", Category::Conversion, "Percent-decodes a string.", LATER),
    Function::missing("encodeUriComponent", Category::Conversion, "Percent-encodes a string.", LATER),
    Function::eager(
        "float",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::NUMBER)), opt("locale", Ty::STRING)],
        "Float",
        "A floating-point number from a string (group separators and trailing signs allowed).",
        "float('10,000.333') → 10000.333",
        float,
    ),
    Function::eager(
        "int",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::NUMBER))],
        "Integer",
        "An integer from a string or a number.",
        "int('10') → 10",
        int,
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
    Function::missing(
        "xml",
        Category::Conversion,
        "An XML value from XML text or a JSON object.",
        "planned in the function-library issue (XML)",
    ),
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

/// Parses a number the way .NET's `double.Parse(text, NumberStyles.Float |
/// NumberStyles.AllowThousands, CultureInfo.InvariantCulture)` does, plus the trailing
/// sign the service accepts.
pub(crate) fn parse_invariant_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    if t.is_empty() {
        return None;
    }
    if t.eq_ignore_ascii_case("NaN") {
        return Some(f64::NAN);
    }
    if t.eq_ignore_ascii_case("Infinity") || t.eq_ignore_ascii_case("+Infinity") {
        return Some(f64::INFINITY);
    }
    if t.eq_ignore_ascii_case("-Infinity") {
        return Some(f64::NEG_INFINITY);
    }
    let (mut body, mut negative) = (t, false);
    if let Some(rest) = body.strip_prefix('-') {
        (body, negative) = (rest, true);
    } else if let Some(rest) = body.strip_prefix('+') {
        body = rest;
    } else if let Some(rest) = body.strip_suffix('-') {
        (body, negative) = (rest, true);
    } else if let Some(rest) = body.strip_suffix('+') {
        body = rest;
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let int_digits: String = int_part.chars().filter(|c| *c != ',').collect();
    if !digits_only(&int_digits) || int_part.starts_with(',') {
        return None;
    }
    let frac = frac.unwrap_or("");
    if !digits_only(frac) || (int_digits.is_empty() && frac.is_empty()) {
        return None;
    }
    let int_digits = if int_digits.is_empty() { "0" } else { &int_digits };
    let mut normalized = format!("{int_digits}.{}", if frac.is_empty() { "0" } else { frac });
    if let Some(e) = exponent {
        let e_body = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e_body.is_empty() || !digits_only(e_body) {
            return None;
        }
        normalized.push('e');
        normalized.push_str(e);
    }
    let value: f64 = normalized.parse().ok()?;
    Some(if negative { -value } else { value })
}

fn float(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    if let Some(locale) = args.opt_str(1)? {
        if !(locale.is_empty() || locale.eq_ignore_ascii_case("en-us")) {
            return Err(Error::new(
                ErrorKind::NotImplemented,
                format!(
                    "float() with the locale '{locale}' is planned in the function-library issue (cultures)"
                ),
            ));
        }
    }
    match args.value(0) {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(f) => Ok(Value::Float(*f)),
        Value::Decimal(d) => {
            Ok(Value::Float(rust_decimal::prelude::ToPrimitive::to_f64(d).unwrap_or(f64::NAN)))
        }
        Value::String(s) => parse_invariant_float(s).map(Value::Float).ok_or_else(|| {
            args.invalid(
                0,
                format!("was invoked with a parameter that is not valid. Could not parse {s} as float."),
            )
        }),
        _ => Err(args.type_error(0, "a string or a number")),
    }
}

fn int(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let value = match args.value(0) {
        Value::Int(i) => return Ok(Value::Int(*i)),
        Value::Float(f) => *f,
        Value::Decimal(d) => {
            return rust_decimal::prelude::ToPrimitive::to_i64(&d.trunc()).map(Value::Int).ok_or_else(|| {
                args.invalid(
                    0,
                    format!("was invoked with a parameter that is not valid. Could not parse {d} as int."),
                )
            })
        }
        Value::String(s) => {
            let parsed = s
                .trim()
                .strip_suffix(['+', '-'])
                .map_or_else(|| parse_invariant_float(s), |_| None)
                .filter(|_| !s.contains(','));
            match parsed {
                Some(f) => f,
                None => {
                    return Err(args.invalid(
                        0,
                        format!(
                            "was invoked with a parameter that is not valid. Could not parse {s} as int."
                        ),
                    ))
                }
            }
        }
        _ => return Err(args.type_error(0, "a string or a number")),
    };
    double_to_int(value).map(Value::Int).ok_or_else(|| {
        args.invalid(
            0,
            format!(
                "was invoked with a parameter that is not valid. Could not parse {} as int.",
                args.text(0)
            ),
        )
    })
}

/// Converts a double to an integer as the service does: truncating, NaN becoming the
/// smallest integer, and values outside the 64-bit range failing.
pub(crate) fn double_to_int(f: f64) -> Option<i64> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return Some(i64::MIN);
    }
    let t = f.trunc();
    (-TWO_63..TWO_63).contains(&t).then_some(t as i64)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext, Value};

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
            ("int('10')", "10"),
            ("int('1.0')", "1"),
            ("int(1.0)", "1"),
            ("int('nan')", "-9223372036854775808"),
            ("int('100000000000000010')", "100000000000000016"),
            ("int('-9223372036854775809')", "-9223372036854775808"),
            ("float('10,000.333')", "10000.333"),
            ("float('12,3,4,5678')", "12345678.0"),
            ("float('1234567,8+')", "12345678.0"),
            ("float('12345,6,78,-')", "-12345678.0"),
            ("float('-12,345,678,')", "-12345678.0"),
            ("float('12345678.-')", "-12345678.0"),
            ("float('.12345678')", "0.12345678"),
            ("float('  +1,000 ')", "1000.0"),
            ("float('  200- ')", "-200.0"),
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
            ("int('blkadokg')", "Could not parse blkadokg as int"),
            ("int('  200- ')", "Could not parse"),
            ("int('(200)')", "Could not parse"),
            ("int('9223372036854775807')", "Could not parse"),
            ("int('3e50')", "Could not parse"),
            ("float('(200)')", "Could not parse"),
            ("float('inf')", "Could not parse"),
            ("createArray()", "at least one parameter"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
        assert_eq!(eval("float('NaN')").ok(), Some(Value::Float(f64::NAN).to_string()));
    }
}
