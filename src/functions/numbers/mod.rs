//! Number parsing and formatting: `int`, `float`, `decimal`, `isInt`, `isFloat`,
//! `formatNumber`.

mod format;

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use self::format::{InvalidFormat, Number};
use super::{opt, ordinal, req, Args, Call, Category, Function, Ty};
use crate::culture::Culture;
use crate::error::Result;
use crate::value::{Decimal, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "decimal",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::NUMBER))],
        "Decimal",
        "A .NET decimal (28-29 significant digits, exact in arithmetic) from a string.",
        "string(decimal('1.2345678912312131')) → '1.2345678912312131'",
        decimal,
    ),
    Function::eager(
        "float",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::NUMBER)), opt("locale", Ty::STRING)],
        "Float",
        "A floating-point number from a string (group separators and trailing signs allowed), read in a culture (default en-US).",
        "float('10.000,333', 'de-DE') → 10000.333",
        float,
    ),
    Function::eager(
        "formatNumber",
        Category::String,
        &[req("number", Ty::NUMBER), req("format", Ty::STRING), opt("locale", Ty::STRING)],
        "String",
        "Formats a number with a .NET numeric format string (C, D, E, F, G, N, P, R, X or a custom pattern) in a culture (default en-US).",
        "formatNumber(1234567890, '#,##0.00', 'is-IS') → '1.234.567.890,00'",
        format_number,
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
        "isFloat",
        Category::String,
        &[req("string", Ty::STRING), opt("locale", Ty::STRING)],
        "Boolean",
        "Is the string a floating-point number in the culture (default: the invariant culture)?",
        "isFloat('10.000,00', 'de-DE') → true",
        is_float,
    ),
    Function::eager(
        "isInt",
        Category::String,
        &[req("string", Ty::STRING)],
        "Boolean",
        "Is the string an integer (optional sign, digits, within 64 bits)?",
        "isInt('10') → true",
        is_int,
    ),
];

/// The culture argument `index`, or `default` when it is not given.
fn culture_arg(args: &Args<'_>, index: usize, default: fn() -> Culture) -> Result<Culture> {
    match args.opt_str(index)? {
        None => Ok(default()),
        Some(name) => Culture::find(name).ok_or_else(|| {
            args.invalid(
                index,
                format!(
                    "expects its {} parameter to be a valid culture name. Culture is not supported: '{name}' is an invalid culture identifier.",
                    ordinal(index)
                ),
            )
        }),
    }
}

/// Does `text` start with `symbol`, compared without regard to case? Its length if so.
fn starts_ci(text: &str, symbol: &str) -> Option<usize> {
    if symbol.is_empty() {
        return None;
    }
    let mut t = text.char_indices();
    for c in symbol.chars() {
        let (_, tc) = t.next()?;
        if !(tc == c || tc.to_lowercase().eq(c.to_lowercase())) {
            return None;
        }
    }
    Some(t.next().map_or(text.len(), |(i, _)| i))
}

/// Does the input character `c` stand for the culture's separator `sep`? A regular space
/// also stands for a no-break space, as in .NET.
fn is_sep(rest: &str, sep: &str) -> Option<usize> {
    if sep.is_empty() {
        return None;
    }
    if rest.starts_with(sep) {
        return Some(sep.len());
    }
    if (sep == "\u{a0}" || sep == "\u{202f}") && rest.starts_with([' ', '\u{a0}', '\u{202f}']) {
        return rest.chars().next().map(char::len_utf8);
    }
    None
}

/// White space to .NET's number parser.
fn is_dotnet_white(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ')
}

/// What a culture-aware number parse may accept.
#[derive(Clone, Copy)]
struct Styles {
    exponent: bool,
    /// A sign after the number (`'200-'`): `float()` and `decimal()` take it, `int()` does not.
    trailing_sign: bool,
}

/// Reads a number as .NET's `Double.Parse` / `Decimal.Parse` do with leading and
/// trailing white space, a leading or trailing sign, group separators (after the first
/// digit), a decimal separator and, for doubles, an exponent. Returns the sign and a
/// normalized `digits[.digits][e±digits]` text, or the special values.
enum Parsed {
    Number { negative: bool, text: String },
    NaN,
    Infinity(bool),
}

impl Parsed {
    fn to_f64(&self) -> Option<f64> {
        match self {
            Parsed::NaN => Some(f64::NAN),
            Parsed::Infinity(negative) => Some(if *negative { f64::NEG_INFINITY } else { f64::INFINITY }),
            Parsed::Number { negative, text } => {
                let value: f64 = text.parse().ok()?;
                Some(if *negative { -value } else { value })
            }
        }
    }
}

fn parse_number(text: &str, culture: &Culture, styles: Styles) -> Option<Parsed> {
    // .NET's number parser knows only ASCII white space (tab to carriage return, and the
    // space): a leading no-break space is not white space to it.
    let t = text.trim_matches(is_dotnet_white);
    if t.is_empty() {
        return None;
    }
    for (symbol, value) in [
        (culture.nan_symbol(), Parsed::NaN),
        (culture.positive_infinity(), Parsed::Infinity(false)),
        (culture.negative_infinity(), Parsed::Infinity(true)),
    ] {
        if starts_ci(t, symbol) == Some(t.len()) {
            return Some(value);
        }
    }
    let neg = culture.negative_sign();
    let pos = culture.positive_sign();
    let minus = |s: &str| -> Option<usize> {
        s.strip_prefix(neg).map(|r| s.len() - r.len()).or_else(|| s.strip_prefix('-').map(|_| 1))
    };
    let plus = |s: &str| -> Option<usize> {
        s.strip_prefix(pos).map(|r| s.len() - r.len()).or_else(|| s.strip_prefix('+').map(|_| 1))
    };
    let mut rest = t;
    let mut negative = false;
    let mut signed = false;
    if let Some(n) = minus(rest) {
        (negative, signed, rest) = (true, true, &rest[n..]);
    } else if let Some(n) = plus(rest) {
        (signed, rest) = (true, &rest[n..]);
    }
    if signed && starts_ci(rest, culture.positive_infinity()) == Some(rest.len()) {
        return Some(Parsed::Infinity(negative));
    }
    let mut int = String::new();
    let mut frac = String::new();
    let mut seen_point = false;
    let group = culture.group_separator();
    let decimal = culture.decimal_separator();
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            if seen_point {
                frac.push(c);
            } else {
                int.push(c);
            }
            rest = &rest[1..];
        } else if let (false, Some(n)) = (seen_point, is_sep(rest, decimal)) {
            seen_point = true;
            rest = &rest[n..];
        } else if let (false, false, Some(n)) = (seen_point, int.is_empty(), is_sep(rest, group)) {
            rest = &rest[n..];
        } else {
            break;
        }
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exponent = String::new();
    if styles.exponent {
        if let Some(after) = rest.strip_prefix(['e', 'E']) {
            let (sign, body) = match (minus(after), plus(after)) {
                (Some(n), _) => ("-", &after[n..]),
                (None, Some(n)) => ("+", &after[n..]),
                _ => ("+", after),
            };
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            exponent = format!("e{sign}{}", &body[..digits]);
            rest = &body[digits..];
        }
    }
    if !signed && styles.trailing_sign {
        if let Some(n) = minus(rest) {
            (negative, rest) = (true, &rest[n..]);
        } else if let Some(n) = plus(rest) {
            rest = &rest[n..];
        }
    }
    if !rest.trim_matches(is_dotnet_white).is_empty() {
        return None;
    }
    let int = if int.is_empty() { "0".to_string() } else { int };
    let text = if frac.is_empty() { format!("{int}{exponent}") } else { format!("{int}.{frac}{exponent}") };
    Some(Parsed::Number { negative, text })
}

/// Reads a double in a culture (.NET `Double.Parse` with `NumberStyles.Float |
/// AllowThousands`, plus the trailing sign the service accepts).
pub(crate) fn parse_float(text: &str, culture: &Culture) -> Option<f64> {
    parse_number(text, culture, Styles { exponent: true, trailing_sign: true })?.to_f64()
}

/// Reads a .NET decimal (`Decimal.Parse` with `NumberStyles.Number`: no exponent); digits
/// past 28 decimal places are rounded, a value past the decimal range fails.
pub(crate) fn parse_decimal(text: &str, culture: &Culture) -> Option<Decimal> {
    match parse_number(text, culture, Styles { exponent: false, trailing_sign: true })? {
        Parsed::Number { negative, text } => {
            let value = text.parse::<Decimal>().ok().or_else(|| {
                // Too many fraction digits for 96 bits: round them away.
                let (int, frac) = text.split_once('.')?;
                (0..frac.len())
                    .rev()
                    .find_map(|keep| format!("{int}.{}", &frac[..keep]).parse::<Decimal>().ok())
            })?;
            Some(if negative { -value } else { value })
        }
        _ => None,
    }
}

fn could_not_parse(args: &Args<'_>, what: &str) -> crate::Error {
    args.invalid(
        0,
        format!(
            "was invoked with a parameter that is not valid. Could not parse {} as {what}.",
            args.text(0)
        ),
    )
}

fn float(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let culture = culture_arg(&args, 1, Culture::en_us)?;
    match args.value(0) {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(f) => Ok(Value::Float(*f)),
        Value::Decimal(d) => Ok(Value::Float(d.to_f64().unwrap_or(f64::NAN))),
        Value::String(s) => {
            parse_float(s, &culture).map(Value::Float).ok_or_else(|| could_not_parse(&args, "float"))
        }
        _ => Err(args.type_error(0, "a string or a number")),
    }
}

fn decimal(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::Int(i) => Ok(Value::Decimal(Decimal::from(*i))),
        Value::Float(f) => {
            Decimal::from_f64(*f).map(Value::Decimal).ok_or_else(|| could_not_parse(&args, "decimal"))
        }
        Value::Decimal(d) => Ok(Value::Decimal(*d)),
        Value::String(s) => parse_decimal(s, &Culture::invariant())
            .map(Value::Decimal)
            .ok_or_else(|| could_not_parse(&args, "decimal")),
        _ => Err(args.type_error(0, "a string or a number")),
    }
}

/// `isFloat` takes a string only, as its signature says: `isFloat(1.5)` is a type error.
fn is_float(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = args.str(0)?;
    let culture = culture_arg(&args, 1, Culture::invariant)?;
    Ok(Value::Bool(parse_float(text, &culture).is_some()))
}

/// An optional sign and digits that fit in 64 bits (.NET `long.TryParse` with
/// `NumberStyles.Integer`).
fn is_int(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = args.text(0);
    let t = text.trim_matches(is_dotnet_white);
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) && t.parse::<i64>().is_ok();
    Ok(Value::Bool(ok))
}

fn format_number(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let number = match args.value(0) {
        Value::Int(i) => Number::Int(*i),
        Value::Float(f) => Number::Float(*f),
        Value::Decimal(d) => Number::Decimal(*d),
        _ => return Err(args.type_error(0, "a number")),
    };
    let format = args.str(1)?;
    let culture = culture_arg(&args, 2, Culture::en_us)?;
    // A precision asks for that many digits: refuse what the string limit would refuse
    // before building it.
    let precision: usize = format.get(1..).and_then(|p| p.parse().ok()).unwrap_or(0);
    call.check_string_length(precision.saturating_add(32))?;
    call.charge(precision as u64 / 64 + format.len() as u64 / 16)?;
    let text = format::format(number, format, &culture).map_err(|InvalidFormat| {
        args.invalid(
            1,
            format!(
                "expects its second parameter to be a valid .NET numeric format string. The provided format '{format}' is not valid."
            ),
        )
    })?;
    call.check_string_length(text.chars().count())?;
    Ok(Value::string(text))
}

/// `int()`: the service reads a string as a double (.NET `Double.Parse` with
/// `NumberStyles.Float | AllowThousands` in the invariant culture: no trailing sign) and
/// takes it only if it is a whole number within 64 bits; a number must be whole too.
fn int(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let refuse = || {
        args.invalid(
            0,
            format!(
                "was invoked with a parameter that is not valid. Could not parse {} as int.",
                args.text(0)
            ),
        )
    };
    let value = match args.value(0) {
        Value::Int(i) => return Ok(Value::Int(*i)),
        Value::Float(f) => *f,
        Value::Decimal(d) => {
            return (d.fract().is_zero()).then(|| d.to_i64()).flatten().map(Value::Int).ok_or_else(refuse)
        }
        Value::String(s) => {
            parse_number(s, &Culture::invariant(), Styles { exponent: true, trailing_sign: false })
                .and_then(|parsed| parsed.to_f64())
                .ok_or_else(refuse)?
        }
        _ => return Err(args.type_error(0, "a string or a number")),
    };
    double_to_int(value).map(Value::Int).ok_or_else(refuse)
}

/// Converts a double to an integer as the service does: NaN becomes the smallest integer;
/// a fraction (`int(1.5)`) and values outside the 64-bit range fail.
pub(crate) fn double_to_int(f: f64) -> Option<i64> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return Some(i64::MIN);
    }
    (f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f)).then_some(f as i64)
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
            ("int('  +1,000 ')", "1000"),
            ("int('1e3')", "1000"),
            ("int(decimal('12.0'))", "12"),
            ("formatNumber(4586802, 'E3', 'en-US')", "\"4.587E+006\""),
            ("formatNumber(-779191862, 'E')", "\"-7.791919E+008\""),
            ("formatNumber(decimal('2.5'), 'e0')", "\"3e+000\""),
            ("float('10,000.333')", "10000.333"),
            ("float('12,3,4,5678')", "12345678.0"),
            ("float('1234567,8+')", "12345678.0"),
            ("float('12345,6,78,-')", "-12345678.0"),
            ("float('-12,345,678,')", "-12345678.0"),
            ("float('12345678.-')", "-12345678.0"),
            ("float('.12345678')", "0.12345678"),
            ("float('  +1,000 ')", "1000.0"),
            ("float('  200- ')", "-200.0"),
            ("float('10.000,333', 'de-DE')", "10000.333"),
            ("float('400.000', 'de-de')", "400000.0"),
            ("float('1 234,5', 'fr-FR')", "1234.5"),
            ("float('1\u{202f}234,5', 'fr-FR')", "1234.5"),
            ("float('Infinity', '')", "\"Infinity\""),
            ("float('-Infinity', '')", "\"-Infinity\""),
            ("float('\u{221e}')", "\"Infinity\""),
            ("float('1e3')", "1000.0"),
            ("float('-1.5E-2')", "-0.015"),
            ("float(5)", "5.0"),
            ("decimal('5.0')", "5.0"),
            ("decimal('  +1,000 ')", "1000.0"),
            ("decimal('-1.25')", "-1.25"),
            ("string(decimal('70000000000000000000000000000'))", "\"70000000000000000000000000000\""),
            ("decimal('10000000000.00000000001234')", "10000000000.00000000001234"),
            ("decimal(5)", "5.0"),
            ("isInt('10')", "true"),
            ("isInt(' -10 ')", "true"),
            ("isInt('+10')", "true"),
            ("isInt('1.0')", "false"),
            ("isInt('nan')", "false"),
            ("isInt('')", "false"),
            ("isInt('9223372036854775808')", "false"),
            ("isFloat('10,000.00')", "true"),
            ("isFloat('10.000,00', 'de-DE')", "true"),
            ("isFloat('NaN', 'de-de')", "true"),
            ("isFloat('Infinity')", "true"),
            ("isFloat('infINITY', '')", "true"),
            ("isFloat('Infinity', 'en-us')", "false"),
            ("isFloat('inf', '')", "false"),
            ("isFloat('111.222.333')", "false"),
            ("isFloat('111.222.333', 'de-de')", "true"),
            ("isFloat('abc')", "false"),
            ("formatNumber(1234567890, '#,##0.00', 'en-US')", "\"1,234,567,890.00\""),
            ("formatNumber(1234567890, '0,0.00', 'is-is')", "\"1.234.567.890,00\""),
            ("formatNumber(17.35, 'C2')", "\"$17.35\""),
            ("formatNumber(17.35, 'C2', 'is-IS')", "\"17,35 kr\""),
            ("formatNumber(0.5, 'P0')", "\"50%\""),
            ("formatNumber(decimal('1.005'), 'F2')", "\"1.01\""),
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
            ("int('1.5')", "Could not parse 1.5 as int"),
            ("int(1.5)", "Could not parse 1.5 as int"),
            ("int('3e-50')", "Could not parse"),
            ("int(100000.000009)", "Could not parse"),
            ("int(decimal('1.5'))", "Could not parse"),
            ("isFloat(1.5)", "expects its first parameter"),
            ("float('(200)')", "Could not parse"),
            ("float('inf')", "Could not parse"),
            ("float('Infinity')", "Could not parse"),
            ("float('1,5', 'xx-XX')", "invalid culture identifier"),
            ("float('1e')", "Could not parse"),
            ("decimal('7e28')", "Could not parse"),
            ("decimal('3e-50')", "Could not parse"),
            ("decimal('80000000000000000000000000000')", "Could not parse"),
            ("decimal('abc')", "Could not parse abc as decimal"),
            ("isFloat('1', 'nope')", "invalid culture identifier"),
            ("formatNumber(1, 'Q')", "not valid"),
            ("formatNumber(1.5, 'D')", "not valid"),
            ("formatNumber(1, 'C', 'xx')", "invalid culture identifier"),
            ("formatNumber('1', 'C')", "expects its first parameter to be a number"),
            ("formatNumber(1, 'F999999999')", "limit"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
