//! Number parsing and formatting: `int`, `float`, `decimal`, `isInt`, `isFloat`,
//! `formatNumber`.

use super::{opt, req, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

const LATER: &str = "planned in the function-library issue (numbers and cultures)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("decimal", Category::Conversion, "A decimal number from a string.", LATER),
    Function::eager(
        "float",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::NUMBER)), opt("locale", Ty::STRING)],
        "Float",
        "A floating-point number from a string (group separators and trailing signs allowed).",
        "float('10,000.333') → 10000.333",
        float,
    ),
    Function::missing(
        "formatNumber",
        Category::String,
        "Formats a number with a .NET numeric format string.",
        LATER,
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
    Function::missing("isFloat", Category::String, "Is the string a floating-point number?", LATER),
    Function::missing("isInt", Category::String, "Is the string an integer?", LATER),
];

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
        assert_eq!(eval("float('NaN')").ok(), Some(Value::Float(f64::NAN).to_string()));
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("int('blkadokg')", "Could not parse blkadokg as int"),
            ("int('  200- ')", "Could not parse"),
            ("int('(200)')", "Could not parse"),
            ("int('9223372036854775807')", "Could not parse"),
            ("int('3e50')", "Could not parse"),
            ("float('(200)')", "Could not parse"),
            ("float('inf')", "Could not parse"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
