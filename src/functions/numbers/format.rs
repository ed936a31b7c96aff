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
    let exact_digits = |mut d: Digits| {
        // Integers and decimals are exact; a requested number of significant digits still
        // rounds them (`E3` of 4586802 is 4.587E+006).
        if let Mode::Significant(count) = mode {
            d.round_to(count as i64);
        }
        d
    };
    match n {
        Number::Int(i) => exact_digits(Digits::from_text(&i.to_string())),
        Number::Decimal(d) => exact_digits(Digits::from_text(&d.to_string())),
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
            let body = fixed(&d, p, true, &culture.for_currency());
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
        // G0 is G without a precision, but for a decimal's trailing zeros (G keeps them).
        'G' => Ok(general(n, precision, letter == 'g', culture)),
        'P' => {
            let p = precision.unwrap_or(2);
            let mut d = digits_of(n, Mode::Exact);
            if !d.is_zero() {
                d.scale += 2;
            }
            d.round_decimals(p as i64);
            let body = fixed(&d, p, true, culture);
            Ok(if d.negative && !d.is_zero() {
                fill(PERCENT_NEGATIVE[culture.percent_negative_pattern().min(11)], &body, culture)
            } else {
                fill(PERCENT_POSITIVE[culture.percent_positive_pattern().min(3)], &body, culture)
            })
        }
        'R' => match n {
            // R is for doubles only: .NET refuses it for integers and decimals.
            Number::Decimal(_) | Number::Int(_) => Err(InvalidFormat),
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
fn general(n: Number, given: Option<usize>, lower: bool, culture: &Culture) -> String {
    let precision = given.filter(|p| *p > 0);
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
        // A decimal keeps its trailing zeros in G without precision: 5.0 stays "5.0"
        // (G0 drops them, as .NET does).
        if given.is_none() {
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

/// A custom section as .NET's first pass reads it (`NumberToStringFormat`): digit
/// placeholders are counted outside the exponent's zeros, commas right after the last
/// integer placeholder (whatever literals lie between) scale by 1000, and one between
/// placeholders turns grouping on.
struct Layout {
    /// Digit placeholders (`0`, `#`) outside the exponent.
    digit_count: i64,
    /// Placeholders before the decimal point.
    decimal_pos: i64,
    /// Place of the first `0` (counting placeholders), if any.
    first_zero: Option<i64>,
    /// Placeholders up to and including the last `0`.
    last_zero: i64,
    scientific: bool,
    grouping: bool,
    /// Powers of ten: 2 per `%`, 3 per `‰`, -3 per scaling comma.
    scale_adjust: i64,
}

/// Is there an exponent at `i` (`E0`, `E+0`, `e-00`...)? The index of its first `0`.
fn exponent_at(chars: &[char], i: usize) -> Option<usize> {
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('0'), _) => Some(i + 1),
        (Some('+' | '-'), Some('0')) => Some(i + 2),
        _ => None,
    }
}

/// The index after a quoted literal or an escape starting at `i`, and the literal's text
/// (an unclosed quote runs to the end).
fn skip_literal(chars: &[char], i: usize) -> (usize, &[char]) {
    match chars[i] {
        '\\' => ((i + 2).min(chars.len()), chars.get(i + 1..(i + 2).min(chars.len())).unwrap_or(&[])),
        q => match chars[i + 1..].iter().position(|c| *c == q) {
            Some(p) => (i + p + 2, &chars[i + 1..i + 1 + p]),
            None => (chars.len(), &chars[i + 1..]),
        },
    }
}

fn layout(chars: &[char]) -> Layout {
    let mut l = Layout {
        digit_count: 0,
        decimal_pos: -1,
        first_zero: None,
        last_zero: 0,
        scientific: false,
        grouping: false,
        scale_adjust: 0,
    };
    let (mut comma_pos, mut comma_count) = (-1i64, 0i64);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '#' => l.digit_count += 1,
            '0' => {
                l.first_zero.get_or_insert(l.digit_count);
                l.digit_count += 1;
                l.last_zero = l.digit_count;
            }
            '.' if l.decimal_pos < 0 => l.decimal_pos = l.digit_count,
            ',' if l.digit_count > 0 && l.decimal_pos < 0 => {
                if comma_pos >= 0 {
                    if comma_pos == l.digit_count {
                        comma_count += 1;
                        i += 1;
                        continue;
                    }
                    l.grouping = true;
                }
                (comma_pos, comma_count) = (l.digit_count, 1);
            }
            '%' => l.scale_adjust += 2,
            '\u{2030}' => l.scale_adjust += 3,
            '\'' | '"' | '\\' => {
                i = skip_literal(chars, i).0;
                continue;
            }
            'E' | 'e' => {
                if let Some(zeros) = exponent_at(chars, i) {
                    l.scientific = true;
                    i = zeros + chars[zeros..].iter().take_while(|c| **c == '0').count();
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if l.decimal_pos < 0 {
        l.decimal_pos = l.digit_count;
    }
    if comma_pos >= 0 {
        if comma_pos == l.decimal_pos {
            l.scale_adjust -= 3 * comma_count;
        } else {
            l.grouping = true;
        }
    }
    l
}

/// The start of section `index` (0 positive, 1 negative, 2 zero) of a custom format, or
/// the first section when that one is missing or empty (.NET `FindSection`).
fn find_section(sections: &[String], index: usize) -> usize {
    match sections.get(index) {
        Some(s) if !s.is_empty() => index,
        _ => 0,
    }
}

fn custom(n: Number, format: &str, culture: &Culture) -> Result<String, InvalidFormat> {
    let sections = split_sections(format)?;
    // A double shows its first 15 significant digits to custom formats.
    let base = match n {
        Number::Float(_) => digits_of(n, Mode::Significant(15)),
        _ => digits_of(n, Mode::Shortest),
    };
    let mut section = find_section(
        &sections,
        if base.is_zero() {
            2
        } else if base.negative {
            1
        } else {
            0
        },
    );
    // The value rounded for one section is what the zero section, if .NET moves there, sees.
    let mut d = base.clone();
    loop {
        let chars: Vec<char> = sections[section].chars().collect();
        let l = layout(&chars);
        if !d.is_zero() {
            d.scale += l.scale_adjust;
            let keep = if l.scientific { l.digit_count } else { d.scale + l.digit_count - l.decimal_pos };
            d.round_to(keep);
            if d.is_zero() {
                let zero = find_section(&sections, 2);
                if zero != section {
                    section = zero;
                    continue;
                }
            }
        }
        // The sign goes first, unless a negative section took its place; a value that
        // rounded to zero has none (.NET Framework; .NET Core writes "-0").
        let sign = base.negative && section == 0 && !d.is_zero();
        let body = render(&d, &chars, &l, culture);
        return Ok(if sign { format!("{}{body}", culture.negative_sign()) } else { body });
    }
}

/// The places (digits to the right of a separator) where group separators go.
fn group_places(culture: &Culture, up_to: i64) -> Vec<i64> {
    let sizes = culture.group_sizes();
    let mut places = Vec::new();
    let mut place = 0i64;
    for i in 0.. {
        let size = sizes.get(i.min(sizes.len().saturating_sub(1))).copied().unwrap_or(0) as i64;
        if size == 0 || place + size > up_to.max(0) {
            break;
        }
        place += size;
        places.push(place);
        if i > 64 {
            break;
        }
    }
    places
}

/// .NET's second pass: the section's characters with the digits put in place.
fn render(d: &Digits, chars: &[char], l: &Layout, culture: &Culture) -> String {
    let first_digit = l.first_zero.map_or(0, |f| if f < l.decimal_pos { l.decimal_pos - f } else { 0 });
    let last_digit = if l.last_zero > l.decimal_pos { l.decimal_pos - l.last_zero } else { 0 };
    let (mut dig_pos, mut adjust) =
        if l.scientific { (l.decimal_pos, 0) } else { (d.scale.max(l.decimal_pos), d.scale - l.decimal_pos) };
    let groups = if l.grouping { group_places(culture, dig_pos) } else { Vec::new() };
    let mut digits = d.digits.iter().copied();
    let mut next = digits.next();
    let mut out = String::new();
    let mut decimal_written = false;
    let mut scientific = l.scientific;
    let push_digit = |out: &mut String, c: char, place: i64| {
        out.push(c);
        if place > 1 && groups.contains(&(place - 1)) {
            out.push_str(culture.group_separator());
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if adjust > 0 && matches!(ch, '#' | '0' | '.') {
            while adjust > 0 {
                let c = next.map_or('0', char::from);
                next = if next.is_some() { digits.next() } else { None };
                push_digit(&mut out, c, dig_pos);
                dig_pos -= 1;
                adjust -= 1;
            }
        }
        match ch {
            '#' | '0' => {
                let c = if adjust < 0 {
                    adjust += 1;
                    (dig_pos <= first_digit).then_some('0')
                } else if let Some(digit) = next {
                    next = digits.next();
                    Some(char::from(digit))
                } else {
                    (dig_pos > last_digit).then_some('0')
                };
                if let Some(c) = c {
                    push_digit(&mut out, c, dig_pos);
                }
                dig_pos -= 1;
            }
            '.' => {
                if dig_pos == 0
                    && !decimal_written
                    && (last_digit < 0 || (l.decimal_pos < l.digit_count && next.is_some()))
                {
                    out.push_str(culture.decimal_separator());
                    decimal_written = true;
                }
            }
            '\u{2030}' => out.push_str(culture.permille_symbol()),
            '%' => out.push_str(culture.percent_symbol()),
            ',' => {}
            '\'' | '"' => {
                let (end, text) = skip_literal(chars, i);
                out.extend(text.iter());
                i = end;
                continue;
            }
            '\\' => {
                if let Some(c) = chars.get(i + 1) {
                    out.push(*c);
                }
                i += 2;
                continue;
            }
            'E' | 'e' => match exponent_at(chars, i) {
                Some(zeros) if scientific => {
                    let plus = chars[i + 1] == '+';
                    let width = chars[zeros..].iter().take_while(|c| **c == '0').count();
                    let exponent = if d.is_zero() { 0 } else { d.scale - l.decimal_pos };
                    out.push(ch);
                    if exponent < 0 {
                        out.push_str(culture.negative_sign());
                    } else if plus {
                        out.push_str(culture.positive_sign());
                    }
                    out.push_str(&format!("{:0w$}", exponent.unsigned_abs(), w = width.min(10)));
                    scientific = false;
                    i = zeros + width;
                    continue;
                }
                _ if scientific => out.push(ch),
                _ => {
                    // No longer an exponent (one was written): the letter, its sign and
                    // zeros are text.
                    out.push(ch);
                    let mut j = i + 1;
                    if matches!(chars.get(j), Some('+' | '-')) {
                        out.push(chars[j]);
                        j += 1;
                    }
                    while chars.get(j) == Some(&'0') {
                        out.push('0');
                        j += 1;
                    }
                    i = j;
                    continue;
                }
            },
            other => out.push(other),
        }
        i += 1;
    }
    out
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
            // .NET: R is for doubles only; G0 drops a decimal's trailing zeros, G keeps them.
            (I(62), "R", "", "<invalid>"),
            (I(-1), "r", "en-US", "<invalid>"),
            (dec("2.50"), "G0", "", "2.5"),
            (dec("2.50"), "G", "", "2.50"),
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
