//! Numbers as .NET writes them.

/// Formats a double as .NET Core 3.0+ `double.ToString(CultureInfo.InvariantCulture)` does:
/// the shortest text that reads back to the same value, in fixed notation for decimal
/// exponents from -4 to 14 and in `E` notation (at least two exponent digits) outside that;
/// `NaN`, `Infinity`, `-Infinity`. `5.0` is `5`, `0.32` is `0.32`, `1.7e308` is `1.7E+308`.
pub fn format_double(f: f64) -> String {
    let mut out = String::new();
    write_double(f, &mut out);
    out
}

/// Appends [`format_double`] to `out`.
pub fn write_double(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if f == 0.0 {
        // .NET Core 3.0+ keeps the sign of negative zero.
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    let (negative, digits, exponent) = shortest_digits(f);
    if negative {
        out.push('-');
    }
    if (-4..15).contains(&exponent) {
        write_fixed(&digits, exponent, out);
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if exponent < 0 { '-' } else { '+' });
        let e = exponent.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    }
}

/// The shortest round-trip digits of a finite, non-zero double: the sign, the significant
/// digits without leading or trailing zeros, and the decimal exponent of the first digit.
pub(crate) fn shortest_digits(f: f64) -> (bool, String, i32) {
    // Rust's `{:e}` prints the shortest representation that round-trips.
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0".to_string() } else { digits.to_string() };
    (f.is_sign_negative(), digits, exponent)
}

fn write_fixed(digits: &str, exponent: i32, out: &mut String) {
    if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

/// Formats a double as Newtonsoft.Json writes it into JSON text: like [`format_double`],
/// with `.0` added to integral values (`5.0`), and NaN / infinities as quoted strings.
pub(crate) fn write_json_double(f: f64, out: &mut String) {
    if !f.is_finite() {
        out.push('"');
        write_double(f, out);
        out.push('"');
        return;
    }
    let start = out.len();
    write_double(f, out);
    ensure_decimal_place(out, start);
}

/// Appends `.0` when the number written from `start` has no `.`, exponent or other mark.
pub(crate) fn ensure_decimal_place(out: &mut String, start: usize) {
    if !out[start..].contains(['.', 'E', 'e', 'N', 'I']) {
        out.push_str(".0");
    }
}

#[cfg(test)]
mod tests {
    use super::format_double as f;

    #[test]
    fn dotnet_round_trip_formatting() {
        assert_eq!(f(5.0), "5");
        assert_eq!(f(0.32), "0.32");
        assert_eq!(f(-1.0), "-1");
        assert_eq!(f(32.0), "32");
        assert_eq!(f(10000.333), "10000.333");
        assert_eq!(f(1.7e308), "1.7E+308");
        assert_eq!(f(1e15), "1E+15");
        assert_eq!(f(123456789012345.0), "123456789012345");
        assert_eq!(f(1234567890123456.0), "1.234567890123456E+15");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1E-05");
        assert_eq!(f(1.5e-7), "1.5E-07");
        assert_eq!(f(2.2), "2.2");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::INFINITY), "Infinity");
        assert_eq!(f(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(5e-324), "5E-324");
    }

    #[test]
    fn json_doubles_keep_a_decimal_place() {
        let mut s = String::new();
        super::write_json_double(5.0, &mut s);
        s.push(' ');
        super::write_json_double(1e20, &mut s);
        s.push(' ');
        super::write_json_double(0.5, &mut s);
        assert_eq!(s, "5.0 1E+20 0.5");
    }
}
