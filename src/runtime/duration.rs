//! ISO 8601 durations (`PT5S`, `PT7.5S`, `P1D`, `PT1H30M`), as retry policies, `limit.timeout`
//! and polling intervals write them.
//!
//! The service reads these with .NET's `XmlConvert.ToTimeSpan`, which counts a year as 365
//! days and a month as 30 days; so do we. Fractions are accepted on any component
//! (`PT0.5S`, `PT1.5H`), negative durations are not.

use std::fmt::Write as _;
use std::time::Duration;

const SECOND: u128 = 1_000_000_000;
const MINUTE: u128 = 60 * SECOND;
const HOUR: u128 = 60 * MINUTE;
const DAY: u128 = 24 * HOUR;

/// Parses an ISO 8601 duration. The error says what is wrong, in words.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = |why: &str| {
        Err(format!("'{text}' is not an ISO 8601 duration such as 'PT5S', 'PT1H30M' or 'P1D': {why}"))
    };
    let s = text.trim();
    let Some(rest) = s.strip_prefix(['P', 'p']) else {
        return bad("it must start with 'P'");
    };
    if rest.is_empty() || rest.eq_ignore_ascii_case("T") {
        return bad("it has no components");
    }
    let mut total: u128 = 0;
    let mut in_time = false;
    let mut number = String::new();
    // The order the components must come in: years, months, weeks, days, then (after T)
    // hours, minutes, seconds.
    let mut last_rank = 0u8;
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            'T' | 't' => {
                if in_time || !number.is_empty() {
                    return bad("'T' is misplaced");
                }
                in_time = true;
            }
            unit => {
                let (rank, scale) = match (in_time, unit.to_ascii_uppercase()) {
                    (false, 'Y') => (1, 365 * DAY),
                    (false, 'M') => (2, 30 * DAY),
                    (false, 'W') => (3, 7 * DAY),
                    (false, 'D') => (4, DAY),
                    (true, 'H') => (5, HOUR),
                    (true, 'M') => (6, MINUTE),
                    (true, 'S') => (7, SECOND),
                    _ => return bad(&format!("'{unit}' is not a unit here")),
                };
                if rank <= last_rank {
                    return bad("the components are out of order or repeated");
                }
                last_rank = rank;
                let Some(nanos) = scaled(&number, scale) else {
                    return bad(&format!("'{number}' is not a number"));
                };
                total = total.saturating_add(nanos);
                number.clear();
            }
        }
    }
    if !number.is_empty() {
        return bad("a number has no unit");
    }
    if in_time && last_rank < 5 {
        return bad("nothing follows 'T'");
    }
    let secs = u64::try_from(total / SECOND).map_err(|_| format!("'{text}' is too long a duration"))?;
    // The remainder of a division by 10^9 always fits in u32.
    let nanos = u32::try_from(total % SECOND).unwrap_or(0);
    Ok(Duration::new(secs, nanos))
}

/// `number` (digits with an optional fraction) times `scale` nanoseconds, rounded down.
fn scaled(number: &str, scale: u128) -> Option<u128> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') || int.len() > 20 {
        return None;
    }
    let whole: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = whole.checked_mul(scale)?;
    let mut unit = scale;
    for d in frac.chars().take(18) {
        unit /= 10;
        value = value.checked_add(u128::from(d.to_digit(10)?) * unit)?;
    }
    Some(value)
}

/// Writes a duration the way ISO 8601 does: days, hours, minutes and seconds, with up to
/// three decimals of seconds (`PT7.352S`, `PT1M30S`, `P1D`, `PT0S`).
pub fn format_duration(d: Duration) -> String {
    let millis = d.as_millis();
    let (days, rest) = (millis / 86_400_000, millis % 86_400_000);
    let (hours, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, ms) = (rest / 1000, rest % 1000);
    let mut out = String::from("P");
    if days > 0 {
        let _ = write!(out, "{days}D");
    }
    if hours == 0 && minutes == 0 && seconds == 0 && ms == 0 {
        if days == 0 {
            out.push_str("T0S");
        }
        return out;
    }
    out.push('T');
    if hours > 0 {
        let _ = write!(out, "{hours}H");
    }
    if minutes > 0 {
        let _ = write!(out, "{minutes}M");
    }
    if seconds > 0 || ms > 0 {
        if ms == 0 {
            let _ = write!(out, "{seconds}S");
        } else {
            let frac = format!("{ms:03}");
            let _ = write!(out, "{seconds}.{}S", frac.trim_end_matches('0'));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_definitions_use() {
        for (text, millis) in [
            ("PT5S", 5_000),
            ("PT7.5S", 7_500),
            ("PT0.25S", 250),
            ("PT1M", 60_000),
            ("PT1H", 3_600_000),
            ("PT1H30M", 5_400_000),
            ("P1D", 86_400_000),
            ("P1DT12H", 129_600_000),
            ("P1W", 604_800_000),
            ("P1M", 2_592_000_000),
            ("P1Y", 31_536_000_000),
            ("pt10s", 10_000),
            ("PT1,5S", 1_500),
            ("PT0S", 0),
            ("PT.5S", 500),
        ] {
            assert_eq!(parse_duration(text).map(|d| d.as_millis()), Ok(millis), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for text in [
            "", "5S", "P", "PT", "P5", "PT5", "P5H", "PTS", "PT1S1M", "PT1H1H", "PT-5S", "PT1.2.3S", "P1DT",
            "1 day",
        ] {
            let e = parse_duration(text).err().unwrap_or_default();
            assert!(e.contains("is not an ISO 8601 duration"), "{text}: {e}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for (millis, text) in [
            (0, "PT0S"),
            (5_000, "PT5S"),
            (7_500, "PT7.5S"),
            (7_352, "PT7.352S"),
            (90_000, "PT1M30S"),
            (3_600_000, "PT1H"),
            (86_400_000, "P1D"),
            (90_061_001, "P1DT1H1M1.001S"),
        ] {
            let d = Duration::from_millis(millis);
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text).map(|d| d.as_millis()), Ok(u128::from(millis)));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_millisecond_duration_round_trips(ms in 0u64..10_000_000_000) {
            let d = Duration::from_millis(ms);
            proptest::prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,20}") {
            let _ = parse_duration(&text);
        }
    }
}
