//! .NET numeric format strings: `number.ToString(format, culture)` for 64-bit integers,
//! doubles and decimals.
//!
//! Standard formats are a letter and an optional precision (`C`, `D`, `E`, `F`, `G`, `N`,
//! `P`, `R`, `X`, and `B`); anything else is a custom format (`0`, `#`, `.`, `,`, `%`, `‰`,
//! `E+0`, sections split by `;`, quoted literals, `\` escapes). A double's digits are those
//! of its exact binary value (as in .NET Core 3.0 and later), rounded half away from zero
//! like decimals; custom formats see a double's first 15 significant digits, as .NET's do.

use rust_decimal::Decimal;

use crate::culture::Culture;
use crate::value::number::shortest_digits;

/// A format string .NET rejects (`FormatException`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidFormat;

/// A number to format.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
    Decimal(Decimal),
}

/// Decimal digits: the value is `0.d1d2d3… × 10^scale`, negative if `negative`. No
/// leading zeros; an empty `digits` is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Digits {
    negative: bool,
    digits: Vec<u8>,
    scale: i64,
}

impl Digits {
    /// Parses Rust's plain (`123.45`) or scientific (`1.2345e2`) output.
    fn from_text(text: &str) -> Digits {
        let (negative, text) = match text.strip_prefix('-') {
            Some(t) => (true, t),
            None => (false, text),
        };
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
        let mut scale = int.len() as i64 + exponent;
        let lead = digits.iter().take_while(|d| **d == b'0').count();
        digits.drain(..lead);
        scale -= lead as i64;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            scale = 0;
        }
        Digits { negative, digits, scale }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Keeps `count` digits, rounding half away from zero (.NET's `RoundNumber`).
    fn round_to(&mut self, count: i64) {
        if count < 0 {
            self.digits.clear();
            self.scale = 0;
            return;
        }
        let count = count as usize;
        if self.digits.len() <= count {
            return;
        }
        let up = self.digits[count] >= b'5';
        self.digits.truncate(count);
        if up {
            let mut i = count;
            loop {
                if i == 0 {
                    self.digits.insert(0, b'1');
                    self.scale += 1;
                    break;
                }
                i -= 1;
                if self.digits[i] == b'9' {
                    self.digits[i] = b'0';
                } else {
                    self.digits[i] += 1;
                    break;
                }
            }
        }
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.scale = 0;
        }
    }

    /// Rounds to `decimals` digits after the decimal point.
    fn round_decimals(&mut self, decimals: i64) {
        self.round_to(self.scale + decimals);
    }

    /// The integer digits (at least "0" when `at_least_one`).
    fn integer_part(&self) -> String {
        if self.scale <= 0 {
            return String::new();
        }
        let mut s: String = self.digits.iter().take(self.scale as usize).map(|d| *d as char).collect();
        while (s.len() as i64) < self.scale {
            s.push('0');
        }
        s
    }

    /// The first `count` fraction digits, zero-padded.
    fn fraction_part(&self, count: usize) -> String {
        (0..count as i64)
            .map(|i| {
                let at = self.scale + i;
                if at < 0 {
                    '0'
                } else {
                    self.digits.get(at as usize).map_or('0', |d| *d as char)
                }
            })
            .collect()
    }
}

/// The digits of a number: exact for integers and decimals; for a double, `mode` says
/// which rounding .NET applies while converting it.
fn digits_of(n: Number, mode: Mode) -> Digits {
    match n {
        Number::Int(i) => Digits::from_text(&i.to_string()),
        Number::Decimal(d) => Digits::from_text(&d.to_string()),
        Number::Float(f) => {
            let f = if f == 0.0 { 0.0 } else { f };
            if f == 0.0 {
                return Digits { negative: false, digits: Vec::new(), scale: 0 };
            }
            match mode {
                Mode::Shortest => {
                    let (negative, digits, exponent) = shortest_digits(f);
                    let mut d = Digits::from_text(&digits);
                    d.negative = negative;
                    d.scale = i64::from(exponent) + 1;
                    d
                }
                Mode::Significant(n) => {
                    let mut d = exact(f);
                    d.round_to(n as i64);
                    d
                }
                Mode::Exact => exact(f),
            }
        }
    }
}

/// Every digit of a double's exact binary value (at most 767 significant ones; 1,100
/// places after the point reach the smallest subnormal).
fn exact(f: f64) -> Digits {
    Digits::from_text(&format!("{f:.1100}"))
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The shortest digits that read back to the same double.
    Shortest,
    /// Rounded (half away from zero) to this many significant digits.
    Significant(usize),
    /// All of them; the caller rounds.
    Exact,
}

/// Inserts the culture's group separators into integer digits.
fn group(int: &str, culture: &Culture) -> String {
    let sizes = culture.group_sizes();
    if sizes.is_empty() || int.len() <= sizes[0] {
        return int.to_string();
    }
    let sep = culture.group_separator();
    let bytes = int.as_bytes();
    let mut cuts = Vec::new();
    let mut end = bytes.len();
    let mut i = 0;
    loop {
        let size = sizes[i.min(sizes.len() - 1)];
        if size == 0 || end <= size {
            break;
        }
        end -= size;
        cuts.push(end);
        i += 1;
    }
    let mut out = String::with_capacity(int.len() + cuts.len() * sep.len());
    let mut start = 0;
    for cut in cuts.into_iter().rev() {
        out.push_str(&int[start..cut]);
        out.push_str(sep);
        start = cut;
    }
    out.push_str(&int[start..]);
    out
}

/// `int[.fraction]` with grouping if asked.
fn fixed(d: &Digits, decimals: usize, grouped: bool, culture: &Culture) -> String {
    let mut int = d.integer_part();
    if int.is_empty() {
        int.push('0');
    }
    let mut out = if grouped { group(&int, culture) } else { int };
    if decimals > 0 {
        out.push_str(culture.decimal_separator());
        out.push_str(&d.fraction_part(decimals));
    }
    out
}

/// Fills a .NET pattern (`-n`, `($n)`, `n %`): `n` the number, `$` the currency symbol,
/// `%` the percent symbol, `-` the negative sign.
fn fill(pattern: &str, number: &str, culture: &Culture) -> String {
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            'n' => out.push_str(number),
            '$' => out.push_str(culture.currency_symbol()),
            '%' => out.push_str(culture.percent_symbol()),
            '-' => out.push_str(culture.negative_sign()),
            other => out.push(other),
        }
    }
    out
}

const CURRENCY_POSITIVE: [&str; 4] = ["$n", "n$", "$ n", "n $"];
const CURRENCY_NEGATIVE: [&str; 17] = [
    "($n)", "-$n", "$-n", "$n-", "(n$)", "-n$", "n-$", "n$-", "-n $", "-$ n", "n $-", "$ n-", "$ -n", "n- $",
    "($ n)", "(n $)", "$- n",
];
const PERCENT_POSITIVE: [&str; 4] = ["n %", "n%", "%n", "% n"];
const PERCENT_NEGATIVE: [&str; 12] =
    ["-n %", "-n%", "-%n", "%-n", "%n-", "n-%", "n%-", "-% n", "n %-", "% n-", "% -n", "n- %"];
const NUMBER_NEGATIVE: [&str; 5] = ["(n)", "-n", "- n", "n-", "n -"];

/// The largest precision accepted (.NET's limit).
const MAX_PRECISION: u64 = 999_999_999;

/// Formats a number as .NET's `ToString(format, culture)` does.
pub(crate) fn format(n: Number, format: &str, culture: &Culture) -> Result<String, InvalidFormat> {
    if let Number::Float(f) = n {
        if f.is_nan() {
            return Ok(culture.nan_symbol().to_string());
        }
        if f.is_infinite() {
            let s = if f > 0.0 { culture.positive_infinity() } else { culture.negative_infinity() };
            return Ok(s.to_string());
        }
    }
    let format = if format.is_empty() { "G" } else { format };
    let mut chars = format.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic);
    let rest = chars.as_str();
    match letter {
        Some(letter) if rest.len() <= 9 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            let precision = if rest.is_empty() { None } else { rest.parse::<u64>().ok() };
            if precision.is_some_and(|p| p > MAX_PRECISION) {
                return Err(InvalidFormat);
            }
            standard(n, letter, precision.map(|p| p as usize), culture)
        }
        _ => custom(n, format, culture),
    }
}

fn standard(
    n: Number,
    letter: char,
    precision: Option<usize>,
    culture: &Culture,
) -> Result<String, InvalidFormat> {
    let is_int = matches!(n, Number::Int(_));
    match letter.to_ascii_uppercase() {
        'C' => {
            let p = precision.unwrap_or(culture.currency_digits());
            let mut d = digits_of(n, Mode::Exact);
            d.round_decimals(p as i64);
            let body = fixed(&d, p, true, culture);
            Ok(if d.negative && !d.is_zero() {
                fill(CURRENCY_NEGATIVE[culture.currency_negative_pattern().min(16)], &body, culture)
            } else {
                fill(CURRENCY_POSITIVE[culture.currency_positive_pattern().min(3)], &body, culture)
            })
        }
        'D' => {
            let Number::Int(i) = n else { return Err(InvalidFormat) };
            let digits = i.unsigned_abs().to_string();
            let width = precision.unwrap_or(0);
            let mut out = String::new();
            if i < 0 {
                out.push_str(culture.negative_sign());
            }
            for _ in digits.len()..width {
                out.push('0');
            }
            out.push_str(&digits);
            Ok(out)
        }
        'E' => {
            let p = precision.unwrap_or(6);
            let d = digits_of(n, Mode::Significant(p + 1));
            Ok(scientific(&d, p, p, letter == 'e', true, 3, culture))
        }
        'F' | 'N' => {
            let p = precision.unwrap_or(2);
            let mut d = digits_of(n, Mode::Exact);
            d.round_decimals(p as i64);
            let body = fixed(&d, p, letter.eq_ignore_ascii_case(&'N'), culture);
            if !d.negative || d.is_zero() {
                return Ok(body);
            }
            Ok(if letter.eq_ignore_ascii_case(&'N') {
                fill(NUMBER_NEGATIVE[culture.number_negative_pattern().min(4)], &body, culture)
            } else {
                format!("{}{body}", culture.negative_sign())
            })
        }
        'G' => Ok(general(n, precision.filter(|p| *p > 0), letter == 'g', culture)),
        'P' => {
            let p = precision.unwrap_or(2);
            let mut d = digits_of(n, Mode::Exact);
            d.scale += 2;
            d.round_decimals(p as i64);
            let body = fixed(&d, p, true, culture);
            Ok(if d.negative && !d.is_zero() {
                fill(PERCENT_NEGATIVE[culture.percent_negative_pattern().min(11)], &body, culture)
            } else {
                fill(PERCENT_POSITIVE[culture.percent_positive_pattern().min(3)], &body, culture)
            })
        }
        'R' => match n {
            Number::Decimal(_) => Err(InvalidFormat),
            _ => Ok(general(n, None, letter == 'r', culture)),
        },
        'X' => {
            let Number::Int(i) = n else { return Err(InvalidFormat) };
            let hex = if letter == 'x' { format!("{:x}", i as u64) } else { format!("{:X}", i as u64) };
            Ok(format!("{hex:0>width$}", width = precision.unwrap_or(0)))
        }
        'B' if is_int => {
            let Number::Int(i) = n else { return Err(InvalidFormat) };
            Ok(format!("{:0>width$}", format!("{:b}", i as u64), width = precision.unwrap_or(0)))
        }
        _ => Err(InvalidFormat),
    }
}

/// `G`: fixed or scientific notation, whichever is shorter by .NET's rule, without
/// trailing zeros.
fn general(n: Number, precision: Option<usize>, lower: bool, culture: &Culture) -> String {
    let (mut d, p) = match (n, precision) {
        (Number::Float(_), None) => (digits_of(n, Mode::Shortest), 15),
        (Number::Float(_), Some(p)) => (digits_of(n, Mode::Significant(p)), p),
        (Number::Int(_), p) => (digits_of(n, Mode::Shortest), p.unwrap_or(19)),
        (Number::Decimal(_), p) => (digits_of(n, Mode::Shortest), p.unwrap_or(29)),
    };
    if let Some(p) = precision {
        d.round_to(p as i64);
    }
    let exponent = d.scale - 1;
    let scientific_form = !d.is_zero() && (exponent >= p as i64 || exponent < -4);
    // A double's shortest form may have more digits than 15; only precision changes that.
    let body = if scientific_form {
        let len = d.digits.len().saturating_sub(1);
        return sign(&d, scientific(&d, len, 0, lower, false, 2, culture).as_str(), culture);
    } else {
        let int = d.integer_part();
        let int = if int.is_empty() { "0".to_string() } else { int };
        let frac_len = (d.digits.len() as i64 - d.scale).max(0) as usize;
        let mut s = int;
        if frac_len > 0 {
            s.push_str(culture.decimal_separator());
            s.push_str(&d.fraction_part(frac_len));
        }
        s
    };
    if let Number::Decimal(dec) = n {
        // A decimal keeps its trailing zeros in G without precision: 5.0 stays "5.0".
        if precision.is_none() {
            let text = dec.abs().to_string().replace('.', culture.decimal_separator());
            return sign(&d, &text, culture);
        }
    }
    sign(&d, &body, culture)
}

fn sign(d: &Digits, body: &str, culture: &Culture) -> String {
    if d.negative && !d.is_zero() {
        format!("{}{body}", culture.negative_sign())
    } else {
        body.to_string()
    }
}

/// `d.ddddE+ddd`: `decimals` digits after the point (at least `min_decimals`, padding with
/// zeros), the exponent with at least `exp_digits` digits and, if `plus`, a `+` sign.
fn scientific(
    d: &Digits,
    decimals: usize,
    min_decimals: usize,
    lower: bool,
    with_sign: bool,
    exp_digits: usize,
    culture: &Culture,
) -> String {
    let mut out = String::new();
    if with_sign && d.negative && !d.is_zero() {
        out.push_str(culture.negative_sign());
    }
    let first = d.digits.first().map_or('0', |c| *c as char);
    out.push(first);
    let rest: String =
        (1..=decimals.max(min_decimals)).map(|i| d.digits.get(i).map_or('0', |c| *c as char)).collect();
    if !rest.is_empty() {
        out.push_str(culture.decimal_separator());
        out.push_str(&rest);
    }
    let exponent = if d.is_zero() { 0 } else { d.scale - 1 };
    out.push(if lower { 'e' } else { 'E' });
    out.push_str(if exponent < 0 { culture.negative_sign() } else { culture.positive_sign() });
    out.push_str(&format!("{:0w$}", exponent.unsigned_abs(), w = exp_digits));
    out
}

/// One element of a custom numeric format section.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Zero,
    Hash,
    Point,
    Comma,
    Percent,
    Permille,
    /// `E+0`, `e-00`, ...: upper case, always show the sign, minimum exponent digits.
    Exponent(bool, bool, usize),
    Literal(String),
}

fn split_sections(format: &str) -> Result<Vec<String>, InvalidFormat> {
    let mut sections = vec![String::new()];
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            ';' => sections.push(String::new()),
            '\\' => {
                let current = sections.last_mut().ok_or(InvalidFormat)?;
                current.push('\\');
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '\'' | '"' => {
                let current = sections.last_mut().ok_or(InvalidFormat)?;
                current.push(c);
                for next in chars.by_ref() {
                    current.push(next);
                    if next == c {
                        break;
                    }
                }
            }
            other => sections.last_mut().ok_or(InvalidFormat)?.push(other),
        }
    }
    Ok(sections)
}

fn parse_section(section: &str) -> Vec<Part> {
    let chars: Vec<char> = section.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '0' => parts.push(Part::Zero),
            '#' => parts.push(Part::Hash),
            '.' => parts.push(Part::Point),
            ',' => parts.push(Part::Comma),
            '%' => parts.push(Part::Percent),
            '\u{2030}' => parts.push(Part::Permille),
            'E' | 'e' => {
                let mut j = i + 1;
                let mut plus = false;
                if matches!(chars.get(j), Some('+') | Some('-')) {
                    plus = chars[j] == '+';
                    j += 1;
                }
                let zeros = chars[j..].iter().take_while(|c| **c == '0').count();
                if zeros > 0 {
                    parts.push(Part::Exponent(c == 'E', plus, zeros));
                    i = j + zeros;
                    continue;
                }
                parts.push(Part::Literal(c.to_string()));
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    parts.push(Part::Literal(next.to_string()));
                    i += 1;
                }
            }
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != c {
                    text.push(chars[i]);
                    i += 1;
                }
                parts.push(Part::Literal(text));
            }
            other => parts.push(Part::Literal(other.to_string())),
        }
        i += 1;
    }
    parts
}

/// What a custom section asks for.
struct Layout {
    int_placeholders: usize,
    int_zeros: usize,
    frac_placeholders: usize,
    frac_zeros: usize,
    grouping: bool,
    scale_commas: i64,
    percent: i64,
    permille: i64,
    exponent: Option<(bool, bool, usize)>,
}

fn layout(parts: &[Part]) -> Layout {
    let point = parts.iter().position(|p| *p == Part::Point);
    let exp_at = parts.iter().position(|p| matches!(p, Part::Exponent(..)));
    let int_end = point.or(exp_at).unwrap_or(parts.len());
    let is_digit = |p: &Part| matches!(p, Part::Zero | Part::Hash);
    let int_parts = &parts[..int_end];
    let int_placeholders = int_parts.iter().filter(|p| is_digit(p)).count();
    let first_zero = int_parts.iter().filter(|p| is_digit(p)).position(|p| *p == Part::Zero);
    let int_zeros = first_zero.map_or(0, |z| int_placeholders - z);
    let frac_parts: &[Part] = match point {
        Some(pt) => &parts[pt + 1..exp_at.filter(|e| *e > pt).unwrap_or(parts.len())],
        None => &[],
    };
    let frac_digits: Vec<&Part> = frac_parts.iter().filter(|p| is_digit(p)).collect();
    let frac_placeholders = frac_digits.len();
    let frac_zeros = frac_digits.iter().rposition(|p| **p == Part::Zero).map_or(0, |z| z + 1);
    // Commas right after the last integer placeholder scale by 1000; a comma between
    // placeholders turns grouping on.
    let last_digit = int_parts.iter().rposition(is_digit);
    let first_digit = int_parts.iter().position(is_digit);
    let mut scale_commas = 0;
    if let Some(last) = last_digit {
        scale_commas = int_parts[last + 1..].iter().take_while(|p| **p == Part::Comma).count() as i64;
    }
    let grouping = match (first_digit, last_digit) {
        (Some(f), Some(l)) => int_parts[f..l].contains(&Part::Comma),
        _ => false,
    };
    Layout {
        int_placeholders,
        int_zeros,
        frac_placeholders,
        frac_zeros,
        grouping,
        scale_commas,
        percent: parts.iter().filter(|p| **p == Part::Percent).count() as i64,
        permille: parts.iter().filter(|p| **p == Part::Permille).count() as i64,
        exponent: exp_at.and_then(|e| match parts[e] {
            Part::Exponent(upper, plus, zeros) => Some((upper, plus, zeros)),
            _ => None,
        }),
    }
}

fn custom(n: Number, format: &str, culture: &Culture) -> Result<String, InvalidFormat> {
    let sections = split_sections(format)?;
    if sections.len() > 3 {
        // .NET ignores sections after the third.
    }
    // A double shows its first 15 significant digits to custom formats.
    let base = digits_of(n, Mode::Significant(15));
    let base = match n {
        Number::Float(_) => base,
        _ => digits_of(n, Mode::Shortest),
    };
    let pick =
        |index: usize| -> Option<&str> { sections.get(index).map(String::as_str).filter(|s| !s.is_empty()) };
    let (mut section, mut explicit_sign) = (sections[0].as_str(), false);
    if base.negative && !base.is_zero() {
        if let Some(s) = pick(1) {
            section = s;
            explicit_sign = true;
        }
    } else if base.is_zero() {
        if let Some(s) = pick(2) {
            section = s;
        }
    }
    let (text, rounded_zero) = render(&base, section, culture);
    if rounded_zero && !base.is_zero() && sections.len() >= 3 {
        // The value rounds to zero: .NET then uses the zero section.
        if let Some(zero) = pick(2) {
            return Ok(render(&Digits { negative: false, digits: Vec::new(), scale: 0 }, zero, culture).0);
        }
    }
    if base.negative && !explicit_sign && !rounded_zero {
        return Ok(format!("{}{text}", culture.negative_sign()));
    }
    Ok(text)
}

/// Renders one section; also says whether the value rounded to zero.
fn render(value: &Digits, section: &str, culture: &Culture) -> (String, bool) {
    let parts = parse_section(section);
    let l = layout(&parts);
    let mut d = value.clone();
    if !d.is_zero() {
        d.scale += 2 * l.percent + 3 * l.permille - 3 * l.scale_commas;
    }
    let mut exponent = 0i64;
    if l.exponent.is_some() {
        if !d.is_zero() {
            let int_digits = l.int_placeholders.max(1) as i64;
            exponent = d.scale - int_digits;
            d.scale = int_digits;
        }
        d.round_to(d.scale + l.frac_placeholders as i64);
        if d.scale > l.int_placeholders.max(1) as i64 && !d.is_zero() {
            // Rounding carried into a new digit (9.99E0 → 10.0E0): renormalize.
            exponent += 1;
            d.scale -= 1;
        }
    } else {
        d.round_decimals(l.frac_placeholders as i64);
    }
    let rounded_zero = d.is_zero();
    let mut int = d.integer_part();
    while int.len() < l.int_zeros {
        int.insert(0, '0');
    }
    // Integer digits fill the integer placeholders from the right; the first placeholder
    // takes every extra digit. Group separators follow digits by their place.
    let sizes = culture.group_sizes();
    let int_chars: Vec<char> = int.chars().collect();
    let len = int_chars.len();
    let separator_after = |index: usize| -> bool {
        if !l.grouping || sizes.is_empty() {
            return false;
        }
        let right = len - index - 1;
        let mut boundary = 0;
        let mut i = 0;
        while boundary < right {
            let size = sizes[i.min(sizes.len() - 1)];
            if size == 0 {
                return false;
            }
            boundary += size;
            i += 1;
        }
        boundary == right && right > 0
    };
    let push_int = |out: &mut String, from: usize, to: usize| {
        for (i, c) in int_chars.iter().enumerate().take(to).skip(from) {
            out.push(*c);
            if separator_after(i) {
                out.push_str(culture.group_separator());
            }
        }
    };
    let mut frac: Vec<char> = d.fraction_part(l.frac_placeholders).chars().collect();
    while frac.len() > l.frac_zeros && frac.last() == Some(&'0') {
        frac.pop();
    }
    let mut out = String::new();
    let mut int_index = 0; // integer placeholders seen
    let mut after_point = false;
    let mut frac_index = 0;
    let mut exponent_done = false;
    let k = l.int_placeholders;
    for part in &parts {
        match part {
            Part::Zero | Part::Hash if !after_point => {
                // Placeholder int_index (of k) shows digits [from, to).
                let to = (len + int_index + 1).saturating_sub(k).min(len);
                let from = if int_index == 0 { 0 } else { (len + int_index).saturating_sub(k).min(len) };
                push_int(&mut out, from, to);
                int_index += 1;
            }
            Part::Zero | Part::Hash => {
                if let Some(c) = frac.get(frac_index) {
                    out.push(*c);
                }
                frac_index += 1;
            }
            Part::Point => {
                if k == 0 && !after_point {
                    push_int(&mut out, 0, len);
                }
                if !after_point && !frac.is_empty() {
                    out.push_str(culture.decimal_separator());
                }
                after_point = true;
            }
            Part::Comma => {}
            Part::Percent => out.push_str(culture.percent_symbol()),
            Part::Permille => out.push_str(culture.permille_symbol()),
            Part::Exponent(upper, plus, zeros) => {
                if exponent_done {
                    continue;
                }
                exponent_done = true;
                out.push(if *upper { 'E' } else { 'e' });
                if exponent < 0 {
                    out.push_str(culture.negative_sign());
                } else if *plus {
                    out.push_str(culture.positive_sign());
                }
                out.push_str(&format!("{:0w$}", exponent.unsigned_abs(), w = *zeros));
                after_point = true;
            }
            Part::Literal(s) => out.push_str(s),
        }
    }
    (out, rounded_zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str) -> Culture {
        Culture::find(name).unwrap_or_else(Culture::invariant)
    }

    fn f(n: Number, format: &str, culture: &str) -> String {
        super::format(n, format, &c(culture)).unwrap_or_else(|_| "<invalid>".to_string())
    }

    use Number::{Decimal as D, Float as F, Int as I};

    fn dec(s: &str) -> Number {
        D(s.parse().unwrap_or_default())
    }

    #[test]
    fn standard_formats() {
        for (n, format, culture, expected) in [
            (I(1234567890), "#,##0.00", "en-US", "1,234,567,890.00"),
            (I(1234567890), "#,##0.00", "is-IS", "1.234.567.890,00"),
            (I(1234567890), "0,0.00", "en-US", "1,234,567,890.00"),
            (F(17.35), "C2", "en-US", "$17.35"),
            (F(17.35), "C2", "is-IS", "17,35 kr"),
            (F(-17.35), "C2", "en-US", "-$17.35"),
            (F(1234.5), "C", "fr-FR", "1\u{202f}234,50 \u{20ac}"),
            (F(1234.5), "C", "ja-JP", "\u{ffe5}1,235"),
            (I(-5), "C0", "", "(\u{a4}5)"),
            (I(42), "D", "", "42"),
            (I(-42), "D6", "", "-000042"),
            (F(1.5), "D", "", "<invalid>"),
            (F(1234.5678), "E", "en-US", "1.234568E+003"),
            (F(1234.5678), "e2", "en-US", "1.23e+003"),
            (F(-0.00012), "E1", "de-DE", "-1,2E-004"),
            (F(0.0), "E2", "", "0.00E+000"),
            (F(1234.5678), "F", "en-US", "1234.57"),
            (F(1234.5678), "F0", "en-US", "1235"),
            (F(-1234.5678), "F3", "de-DE", "-1234,568"),
            (I(5), "F3", "", "5.000"),
            (F(0.125), "F2", "", "0.13"),
            (F(2.5), "F0", "", "3"),
            (dec("0.125"), "F2", "", "0.13"),
            (F(2.675), "F2", "", "2.67"),
            (F(1234.5678), "N", "en-US", "1,234.57"),
            (F(1234567.891), "N1", "de-DE", "1.234.567,9"),
            (F(-1234.5), "N0", "en-US", "-1,235"),
            (I(123456789), "N0", "en-IN", "12,34,56,789"),
            (F(0.1234), "P", "en-US", "12.34%"),
            (F(0.1234), "P1", "fr-FR", "12,3 %"),
            (F(-0.5), "P0", "en-US", "-50%"),
            (F(0.1 + 0.2), "R", "", "0.30000000000000004"),
            (F(1.5e300), "R", "", "1.5E+300"),
            (F(1.5), "R", "de-DE", "1,5"),
            (I(255), "X", "", "FF"),
            (I(255), "x4", "", "00ff"),
            (I(-1), "X", "", "FFFFFFFFFFFFFFFF"),
            (F(255.0), "X", "", "<invalid>"),
            (I(5), "B8", "", "00000101"),
            (I(123), "G", "", "123"),
            (F(123.456), "G", "", "123.456"),
            (F(123.456), "G2", "", "1.2E+02"),
            (F(0.0001234), "G", "", "0.0001234"),
            (F(0.00001234), "G", "", "1.234E-05"),
            (F(1e15), "G", "", "1E+15"),
            (F(1.5), "g", "de-DE", "1,5"),
            (dec("5.0"), "G", "", "5.0"),
            (dec("1.2345678912312131"), "", "", "1.2345678912312131"),
            (F(f64::NAN), "N2", "", "NaN"),
            (F(f64::INFINITY), "C", "en-US", "\u{221e}"),
            (F(f64::NEG_INFINITY), "F", "", "-Infinity"),
            (I(5), "Q", "", "<invalid>"),
        ] {
            assert_eq!(f(n, format, culture), expected, "{n:?} {format:?} {culture}");
        }
    }

    #[test]
    fn custom_formats() {
        for (n, format, culture, expected) in [
            (F(1234.5678), "0.00", "", "1234.57"),
            (F(1234.5678), "#,##0.0", "", "1,234.6"),
            (F(0.5), "#.##", "", ".5"),
            (F(0.0), "#.##", "", ""),
            (F(5.0), "#.##", "", "5"),
            (F(5.0), "000", "", "005"),
            (F(-5.0), "000", "", "-005"),
            (F(1234567.0), "#,#", "", "1,234,567"),
            (F(1234567.0), "#,,", "", "1"),
            (F(1234567890.0), "#,##0,,", "", "1,235"),
            (F(0.256), "0.0%", "", "25.6%"),
            (F(0.256), "0\u{2030}", "", "256\u{2030}"),
            (F(12345.0), "0.00E+00", "", "1.23E+04"),
            (F(12345.0), "00.00E+0", "", "12.35E+3"),
            (F(0.00012), "0.0e-0", "", "1.2e-4"),
            (F(0.00012), "0.0E0", "", "1.2E-4"),
            (F(9.99), "0.0E0", "", "1.0E1"),
            (F(5.0), "#;(#);zero", "", "5"),
            (F(-5.0), "#;(#);zero", "", "(5)"),
            (F(0.0), "#;(#);zero", "", "zero"),
            (F(-0.001), "0.0;(0.0);zero", "", "zero"),
            (F(-5.0), "#;;zero", "", "-5"),
            (I(1234), "'#'0", "", "#1234"),
            (I(1234), "\\#0", "", "#1234"),
            (I(5551234567), "(###) ###-####", "", "(555) 123-4567"),
            (F(1234.5), "#,##0.00", "de-DE", "1.234,50"),
            (F(-0.4), "0", "", "0"),
            (dec("1234.565"), "0.00", "", "1234.57"),
            (F(0.1 + 0.2), "0.00000000000000000", "", "0.30000000000000000"),
        ] {
            assert_eq!(f(n, format, culture), expected, "{n:?} {format:?}");
        }
    }
}
