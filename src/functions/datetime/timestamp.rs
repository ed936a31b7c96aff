//! Timestamps as .NET's `DateTime` holds them: 100-nanosecond ticks since 0001-01-01
//! 00:00 plus a kind (no zone, UTC, or local), and the lenient reading of
//! `DateTime.Parse` with `DateTimeStyles.RoundtripKind`.
//!
//! "Local" is the service's server time, which is UTC: a timestamp with an offset is
//! converted to UTC on reading and keeps the kind `Local`, so the round-trip format writes
//! it back with the offset `+00:00` (as the hosted service does).

use std::cell::OnceCell;

use chrono::{Datelike, NaiveDate};

use crate::culture::{Calendar, CalendarDate, Culture};

/// Ticks in a second.
pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks in a minute.
pub(crate) const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
/// Ticks in an hour.
pub(crate) const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
/// Ticks in a day.
pub(crate) const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// `DateTime.MaxValue.Ticks` (9999-12-31T23:59:59.9999999).
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// What the timestamp's clock time refers to (.NET `DateTimeKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No zone was given: written back with no suffix.
    Unspecified,
    /// UTC (`Z`): written back with `Z`.
    Utc,
    /// The server's local time (UTC), from input that carried an offset: written back
    /// with `+00:00`.
    Local,
}

/// A .NET `DateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp {
    /// Ticks since 0001-01-01T00:00:00, in `0..=MAX_TICKS`.
    pub(crate) ticks: i64,
    /// Its kind.
    pub(crate) kind: Kind,
}

/// The calendar fields of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fields {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// Ticks within the second (0..10,000,000).
    pub(crate) fraction: i64,
    /// 0 = Sunday.
    pub(crate) weekday: u32,
    /// 1-based.
    pub(crate) day_of_year: u32,
}

fn date_of(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 1).ok()?)
}

/// Days since 0001-01-01 of a calendar date.
fn days_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 1
}

/// The number of days in a month.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    match (NaiveDate::from_ymd_opt(year, month, 1), NaiveDate::from_ymd_opt(ny, nm, 1)) {
        (Some(a), Some(b)) => u32::try_from((b - a).num_days()).unwrap_or(31),
        // Year 9999's December: the next month is out of .NET's range but not chrono's.
        _ => 31,
    }
}

impl Timestamp {
    /// A timestamp from ticks, if they are in range.
    pub(crate) fn from_ticks(ticks: i64, kind: Kind) -> Option<Timestamp> {
        (0..=MAX_TICKS).contains(&ticks).then_some(Timestamp { ticks, kind })
    }

    /// A timestamp from calendar fields, if they make a valid date and time (the
    /// arguments of .NET's `DateTime` constructor).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        fraction: i64,
        kind: Kind,
    ) -> Option<Timestamp> {
        if !(1..=9999).contains(&year) || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        if !(0..TICKS_PER_SECOND).contains(&fraction) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let ticks = days_of(date) * TICKS_PER_DAY
            + i64::from(hour) * TICKS_PER_HOUR
            + i64::from(minute) * TICKS_PER_MINUTE
            + i64::from(second) * TICKS_PER_SECOND
            + fraction;
        Timestamp::from_ticks(ticks, kind)
    }

    /// A timestamp from a date in `calendar` (a Thai Buddhist year, an Um Al Qura month...)
    /// and a time of day, if both are valid.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_calendar_parts(
        calendar: Calendar,
        (year, month, day): (i32, u32, u32),
        hour: u32,
        minute: u32,
        second: u32,
        fraction: i64,
        kind: Kind,
    ) -> Option<Timestamp> {
        if calendar == Calendar::Gregorian {
            return Timestamp::from_parts(year, month, day, hour, minute, second, fraction, kind);
        }
        let days = calendar.days_of(CalendarDate { year, month, day })?;
        let date = date_of(days)?;
        Timestamp::from_parts(date.year(), date.month(), date.day(), hour, minute, second, fraction, kind)
    }

    /// The calendar fields.
    pub(crate) fn fields(&self) -> Fields {
        let days = self.ticks.div_euclid(TICKS_PER_DAY);
        let in_day = self.ticks.rem_euclid(TICKS_PER_DAY);
        // `ticks` is in 0..=MAX_TICKS by construction, so the date always exists; the
        // fallback is never taken.
        let date = date_of(days).unwrap_or(NaiveDate::MIN);
        Fields {
            year: date.year(),
            month: date.month(),
            day: date.day(),
            hour: u32::try_from(in_day / TICKS_PER_HOUR).unwrap_or(0),
            minute: u32::try_from(in_day % TICKS_PER_HOUR / TICKS_PER_MINUTE).unwrap_or(0),
            second: u32::try_from(in_day % TICKS_PER_MINUTE / TICKS_PER_SECOND).unwrap_or(0),
            fraction: in_day % TICKS_PER_SECOND,
            weekday: date.weekday().num_days_from_sunday(),
            day_of_year: date.ordinal(),
        }
    }

    /// The same kind with other ticks, if they are in range.
    pub(crate) fn with_ticks(&self, ticks: i64) -> Option<Timestamp> {
        Timestamp::from_ticks(ticks, self.kind)
    }

    /// Adds ticks; `None` when the result leaves .NET's range.
    pub(crate) fn add_ticks(&self, ticks: i128) -> Option<Timestamp> {
        let t = i128::from(self.ticks).checked_add(ticks)?;
        self.with_ticks(i64::try_from(t).ok()?)
    }

    /// Adds months as .NET's `AddMonths` does: the day is clamped to the last day of the
    /// target month (Jan 31 + 1 month = Feb 28 or 29).
    pub(crate) fn add_months(&self, months: i64) -> Option<Timestamp> {
        let f = self.fields();
        let index = i64::from(f.year) * 12 + i64::from(f.month) - 1 + months;
        let year = i32::try_from(index.div_euclid(12)).ok()?;
        let month = u32::try_from(index.rem_euclid(12) + 1).ok()?;
        if !(1..=9999).contains(&year) {
            return None;
        }
        let day = f.day.min(days_in_month(year, month));
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        self.with_ticks(days_of(date) * TICKS_PER_DAY + self.ticks.rem_euclid(TICKS_PER_DAY))
    }

    /// Midnight of the same day.
    pub(crate) fn start_of_day(&self) -> Timestamp {
        Timestamp { ticks: self.ticks - self.ticks.rem_euclid(TICKS_PER_DAY), kind: self.kind }
    }
}

/// A time zone designator read from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Utc,
    /// Minutes east of UTC.
    Offset(i32),
}

/// Applies a zone designator: `Z` gives a UTC timestamp; an offset is converted to the
/// server's local time (UTC) and gives a `Local` one.
fn with_zone(wall: Timestamp, zone: Option<Zone>) -> Option<Timestamp> {
    match zone {
        None => Some(wall),
        Some(Zone::Utc) => Some(Timestamp { kind: Kind::Utc, ..wall }),
        Some(Zone::Offset(minutes)) => {
            let t = wall.ticks - i64::from(minutes) * TICKS_PER_MINUTE;
            // .NET clamps a local result that falls outside the range.
            Some(Timestamp { ticks: t.clamp(0, MAX_TICKS), kind: Kind::Local })
        }
    }
}

/// `today`, a Gregorian date, in `calendar` (itself if the calendar has no such date).
pub(crate) fn today_in(calendar: Calendar, today: (i32, u32, u32)) -> (i32, u32, u32) {
    let gregorian = CalendarDate { year: today.0, month: today.1, day: today.2 };
    let date = NaiveDate::from_ymd_opt(today.0, today.1, today.2)
        .and_then(|d| calendar.date(days_of(d), gregorian))
        .unwrap_or(gregorian);
    (date.year, date.month, date.day)
}

/// Is `rest` (after an hour's one or two digits) `.mm` of a time, in a culture whose time
/// separator is '.'? Not when a third number that is not two digits of seconds follows, as
/// in a date (`11.12.2020`); .NET reads `11.12.55` as a time.
fn dotted_time(rest: &str, culture: &Culture) -> bool {
    if culture.time_separator() != "." || !rest.starts_with('.') || read_digits(&rest[1..]).1 != 2 {
        return false;
    }
    let tail = &rest[3..];
    match tail.strip_prefix('.') {
        Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => read_digits(after).1 == 2,
        _ => true,
    }
}

/// A number read from the input, with how many digits it had.
#[derive(Debug, Clone, Copy)]
struct Num {
    value: i64,
    digits: usize,
}

/// The order of day, month and year in the culture's short date pattern.
fn date_order(culture: &Culture) -> [u8; 3] {
    let mut order = Vec::with_capacity(3);
    let mut in_quote = false;
    for c in culture.short_date_pattern().chars() {
        match c {
            '\'' => in_quote = !in_quote,
            'd' | 'M' | 'y' if !in_quote && !order.contains(&(c as u8)) => order.push(c as u8),
            _ => {}
        }
    }
    match order.as_slice() {
        [a, b, c] => [*a, *b, *c],
        _ => [b'M', b'd', b'y'],
    }
}

/// Words quoted between the hour and the minute of the culture's time patterns ("h" of
/// fr-CA's `HH 'h' mm`).
fn hour_words_of(culture: &Culture) -> Vec<String> {
    let mut out = Vec::new();
    for pattern in [culture.short_time_pattern(), culture.long_time_pattern()] {
        let Some(at) = pattern.find(['H', 'h']) else { continue };
        let after = pattern[at..].trim_start_matches(['H', 'h']).trim_start();
        if let Some(quoted) = after.strip_prefix('\'') {
            if let Some(end) = quoted.find('\'') {
                let word = quoted[..end].trim();
                if !word.is_empty() && !out.iter().any(|w| w == word) {
                    out.push(word.to_string());
                }
            }
        }
    }
    out
}

/// After an hour: one of `words`, then two digits of minutes; the minutes and the bytes read.
fn worded_time(rest: &str, words: &[String]) -> Option<(i64, usize)> {
    let after = rest.trim_start_matches(is_space);
    let len = words.iter().find_map(|w| match_ci(after, w))?;
    let digits = after[len..].trim_start_matches(is_space);
    let (minute, mlen) = read_digits(digits);
    if mlen != 2 || !word_ends(digits, mlen) {
        return None;
    }
    Some((minute.value, rest.len() - digits.len() + mlen))
}

/// Text quoted right after `MMMM` in the culture's date patterns: .NET reads it as part of
/// the month name (mn: `MMMM'ын'` writes "дөрөвдүгээр сарын").
fn month_postfixes(culture: &Culture) -> Vec<String> {
    let mut out = Vec::new();
    for pattern in [culture.long_date_pattern(), culture.month_day_pattern(), culture.year_month_pattern()] {
        if let Some(at) = pattern.find("MMMM'") {
            let quoted = &pattern[at + 5..];
            if let Some(end) = quoted.find('\'') {
                let postfix = quoted[..end].trim_end();
                if !postfix.is_empty() && !postfix.starts_with(' ') && !out.iter().any(|p| p == postfix) {
                    out.push(postfix.to_string());
                }
            }
        }
    }
    out
}

/// The culture's month name at the start of `text`, with or without one of its postfixes.
fn month_with_postfix(text: &str, culture: &Culture, postfixes: &[String]) -> Option<(usize, usize)> {
    let plain = longest_name(text, culture.month_names());
    let with_postfix = culture
        .month_names()
        .filter_map(|(m, name)| {
            let len = match_ci(text, name)?;
            postfixes.iter().find_map(|p| {
                let plen = match_ci(&text[len..], p)?;
                word_ends(text, len + plen).then_some((m, len + plen))
            })
        })
        .max_by_key(|(_, len)| *len);
    match (plain, with_postfix) {
        (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Words of the culture's date and time patterns that carry no value ("de" in es-ES,
/// "г." in ru-RU, "ч" in bg, 年 in ja-JP): the lenient reader skips them. As in .NET, only
/// quoted text counts (an unquoted letter such as hy's "թ." is an unknown word), but for
/// the CJK date suffixes of Chinese, Japanese and Korean.
fn date_words(culture: &Culture) -> Vec<String> {
    let mut words = Vec::new();
    let cjk = culture.long_date_pattern().contains(['年', '년']);
    let patterns = [
        culture.long_date_pattern(),
        culture.month_day_pattern(),
        culture.year_month_pattern(),
        culture.short_time_pattern(),
        culture.long_time_pattern(),
    ];
    for pattern in patterns {
        let mut in_quote = false;
        let mut word = String::new();
        for c in pattern.chars() {
            if c == '\'' {
                if in_quote && !word.trim().is_empty() {
                    words.push(word.trim().to_lowercase());
                    words.extend(word.split_whitespace().map(str::to_lowercase));
                }
                word.clear();
                in_quote = !in_quote;
            } else if in_quote {
                word.push(c);
            } else if cjk && "年月日時分秒년월일시분초".contains(c) {
                words.push(c.to_string());
            }
        }
    }
    // The era ("AP 1358-01-14" in lrc, "بعد الهجرة" in ar-SA) carries no value either.
    for era in [culture.era_name(), culture.abbr_era_name()] {
        if !era.trim().is_empty() {
            words.push(era.trim().to_lowercase());
        }
    }
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.dedup();
    words
}

/// The length in bytes of `candidate` at the start of `text`, matched without regard to
/// case and with any white space standing for any other (a name's U+00A0 matches a typed
/// space), if it is there.
pub(super) fn match_ci(text: &str, candidate: &str) -> Option<usize> {
    if candidate.is_empty() {
        return None;
    }
    let mut t = text.char_indices();
    for c in candidate.chars() {
        let (_, tc) = t.next()?;
        let same = tc == c || tc.to_lowercase().eq(c.to_lowercase()) || (is_space(tc) && is_space(c));
        if !same {
            return None;
        }
    }
    Some(t.next().map_or(text.len(), |(i, _)| i))
}

/// White space as .NET's parser sees it (`char.IsWhiteSpace`): the space, U+00A0, U+202F
/// and the other Unicode spaces, tabs and line breaks. The parsers treat them all alike,
/// as .NET 8 does (dotnet/runtime#85102): ICU's patterns write U+202F or U+00A0 where
/// Windows writes a space, and text is typed with either.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Does a word end at byte `at` (no letter follows)?
fn word_ends(text: &str, at: usize) -> bool {
    !text[at..].chars().next().is_some_and(char::is_alphabetic)
}

/// The longest name of `names` at the start of `text`, with its number and length.
fn longest_name(text: &str, names: impl Iterator<Item = (usize, &'static str)>) -> Option<(usize, usize)> {
    names
        .filter_map(|(n, name)| {
            let len = match_ci(text, name.trim_end_matches('.'))?;
            // "janv." may be written with or without its dot.
            let len = if name.ends_with('.') && text[len..].starts_with('.') { len + 1 } else { len };
            word_ends(text, len).then_some((n, len))
        })
        .max_by_key(|(_, len)| *len)
}

fn read_digits(text: &str) -> (Num, usize) {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let value = text[..len.min(18)].parse().unwrap_or(i64::MAX);
    (Num { value, digits: len }, len)
}

/// Reads a fraction of a second from the digits at the start of `text`: ticks (rounded to
/// 7 digits) and the bytes read.
fn read_fraction(text: &str) -> Option<(i64, usize)> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    let digits = &text[..len];
    let mut ticks: i64 = 0;
    for (i, b) in digits.bytes().take(7).enumerate() {
        ticks += i64::from(b - b'0') * 10_i64.pow(6 - i as u32);
    }
    if digits.len() > 7 && digits.as_bytes()[7] >= b'5' {
        ticks += 1;
    }
    Some((ticks, len))
}

/// Reads `±hh[:mm]`, `±hhmm` or `±h` at the start of `text`: minutes east and bytes read.
fn read_offset(text: &str) -> Option<(i32, usize)> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &text[1..];
    let (hours, hlen) = read_digits(rest);
    let (h, m, used) = match hlen {
        1 | 2 => {
            let after = &rest[hlen..];
            if let Some(mins) = after.strip_prefix(':') {
                let (m, mlen) = read_digits(mins);
                if mlen != 2 {
                    return None;
                }
                (hours.value, m.value, hlen + 1 + mlen)
            } else {
                (hours.value, 0, hlen)
            }
        }
        4 => (hours.value / 100, hours.value % 100, 4),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some((sign * i32::try_from(h * 60 + m).ok()?, used + 1))
}

/// Reads a timestamp as .NET's `DateTime.Parse(text, culture, RoundtripKind)` does,
/// leniently: ISO 8601 with or without a zone, the culture's numeric order
/// (`03/15/2018` in en-US, `15/03/2018` in fr-FR), month and day names of the culture
/// or English (`20 octobre 2010`, `Thu, 25 Sep 2025 05:18:31 GMT`), 12-hour times with
/// the culture's AM/PM designators, and time alone (on `today`).
pub(crate) fn parse(text: &str, culture: &Culture, today: (i32, u32, u32)) -> Option<Timestamp> {
    // Most timestamps are ISO 8601 ('o', 's'): a small reader keeps that path short.
    read_iso_8601(text).or_else(|| parse_any(text, culture, today))
}

/// `yyyy-MM-ddTHH:mm[:ss[.fraction]]` with `Z`, `±hh:mm`, `±hhmm` or no zone, read as
/// [`parse_any`] reads it (Gregorian in every culture). `None` for anything else, which
/// [`parse_any`] then reads.
fn read_iso_8601(text: &str) -> Option<Timestamp> {
    let t = text.trim_matches(is_space).as_bytes();
    let num = |at: usize, len: usize| -> Option<u32> {
        let digits = t.get(at..at + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let sep = |at: usize, c: u8| t.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    let mut at = 16;
    let (mut second, mut fraction) = (0, 0);
    if sep(at, b':') {
        second = num(at + 1, 2)?;
        at += 3;
        if sep(at, b'.') {
            let text = std::str::from_utf8(&t[at + 1..]).ok()?;
            let (ticks, len) = read_fraction(text)?;
            fraction = ticks;
            at += 1 + len;
        }
    }
    let zone = match &t[at..] {
        [] => None,
        [b'Z'] => Some(Zone::Utc),
        [sign @ (b'+' | b'-'), ..] => {
            let long = sep(at + 3, b':');
            let (h, m) = (num(at + 1, 2)?, num(at + if long { 4 } else { 3 }, 2)?);
            if at + if long { 6 } else { 5 } != t.len() || h > 14 || m > 59 {
                return None;
            }
            let minutes = i32::try_from(h * 60 + m).ok()?;
            Some(Zone::Offset(if *sign == b'-' { -minutes } else { minutes }))
        }
        _ => return None,
    };
    let year = i32::try_from(year).ok()?;
    let wall = Timestamp::from_parts(year, month, day, hour, minute, second, fraction, Kind::Unspecified)?;
    with_zone(wall, zone)
}

/// The general reader behind [`parse`].
fn parse_any(text: &str, culture: &Culture, today: (i32, u32, u32)) -> Option<Timestamp> {
    let english = Culture::invariant();
    // What the culture's patterns and names say, worked out only when the text needs it:
    // an ISO 8601 timestamp (the common case) needs none of it.
    let words = OnceCell::new();
    let postfixes = OnceCell::new();
    let hour_words = OnceCell::new();
    let digit_months = OnceCell::new();
    let mut nums: Vec<Num> = Vec::new();
    let mut month_name: Option<u32> = None;
    let mut time: Option<(i64, i64, i64, i64)> = None;
    let mut hour_only: Option<i64> = None;
    let mut pm: Option<bool> = None;
    let mut zone: Option<Zone> = None;
    let mut iso_8601 = false;
    // Numbers marked as year, month or day by a CJK suffix (年, 月, 日).
    let mut suffixed: [Option<Num>; 3] = [None; 3];
    let mut rest = text.trim_matches(is_space);
    if rest.is_empty() {
        return None;
    }
    while let Some(c) = rest.chars().next() {
        if is_space(c) || c == ',' {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        // Digits, a hyphen and a letter, as in kgp's "3-Kysã" (not ISO 8601's "08T10").
        let glued_word = || {
            let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            after.strip_prefix('-').is_some_and(|w| w.starts_with(char::is_alphabetic))
        };
        // ("12", dz's abbreviated genitive December, is a number.)
        let has_digit_months = || {
            *digit_months.get_or_init(|| {
                culture.month_names().any(|(_, n)| {
                    n.starts_with(|c: char| c.is_ascii_digit()) && n.contains(char::is_alphabetic)
                })
            })
        };
        if c.is_ascii_digit() && glued_word() && has_digit_months() {
            // A month name that starts with a digit ("3-Kysã" in kgp).
            let worded = culture.month_names().filter(|(_, n)| n.contains(char::is_alphabetic));
            if let Some((m, ml)) = longest_name(rest, worded) {
                if month_name.replace(u32::try_from(m).ok()?).is_some() {
                    return None;
                }
                rest = &rest[ml..];
                continue;
            }
        }
        if c.is_ascii_digit() {
            let (num, len) = read_digits(rest);
            rest = &rest[len..];
            let word_follows = rest.trim_start_matches(is_space).starts_with(char::is_alphabetic);
            let worded = (time.is_none() && word_follows)
                .then(|| worded_time(rest, hour_words.get_or_init(|| hour_words_of(culture))));
            if let Some((minute, used)) = worded.flatten() {
                // "23 h29" in fr-CA ('HH 'h' mm'): the word between hour and minute.
                rest = &rest[used..];
                time = Some((num.value, minute, 0, 0));
                continue;
            }
            if time.is_none() && len <= 2 && dotted_time(rest, culture) {
                // "11.12" in a culture whose time separator is '.' (da, fi, id): h.mm[.ss].
                let (minute, _) = read_digits(&rest[1..]);
                rest = &rest[3..];
                let mut second = 0;
                if rest.starts_with('.') && read_digits(&rest[1..]).1 == 2 {
                    second = read_digits(&rest[1..]).0.value;
                    rest = &rest[3..];
                }
                time = Some((num.value, minute.value, second, 0));
                continue;
            }
            if rest.starts_with(':') && time.is_none() && len <= 2 {
                // A time: h:mm[:ss[.fffffff]]
                let (minute, mlen) = read_digits(&rest[1..]);
                if mlen == 0 || mlen > 2 {
                    return None;
                }
                rest = &rest[1 + mlen..];
                let mut second = 0;
                let mut fraction = 0;
                if rest.starts_with(':') {
                    let (s, slen) = read_digits(&rest[1..]);
                    if slen == 0 || slen > 2 {
                        return None;
                    }
                    second = s.value;
                    rest = &rest[1 + slen..];
                    if let Some(after) = rest.strip_prefix('.') {
                        if let Some((ticks, flen)) = read_fraction(after) {
                            fraction = ticks;
                            rest = &after[flen..];
                        }
                    }
                }
                time = Some((num.value, minute.value, second, fraction));
                continue;
            }
            // A bare hour before an AM/PM designator: "3 PM".
            let after = rest.trim_start_matches(is_space);
            // Not a day before a designator that starts the time ("1975/4/1 上午11:30").
            let designator = word_follows
                && [culture.am(), culture.pm(), "AM", "PM"].into_iter().any(|d| {
                    match_ci(after, d).is_some_and(|l| {
                        word_ends(after, l)
                            && !after[l..]
                                .trim_start_matches(is_space)
                                .starts_with(|c: char| c.is_ascii_digit())
                    })
                });
            if time.is_none() && len <= 2 && designator {
                hour_only = Some(num.value);
                continue;
            }
            if let Some((field, suffix)) = cjk_suffix(rest) {
                // 5月26日: the suffix says which field the number is.
                if suffixed[field].replace(num).is_some() {
                    return None;
                }
                rest = &rest[suffix..];
                continue;
            }
            nums.push(num);
            continue;
        }
        if (c == '+' || c == '-') && (time.is_some() || hour_only.is_some()) && zone.is_none() {
            if let Some((minutes, len)) = read_offset(rest) {
                zone = Some(Zone::Offset(minutes));
                rest = &rest[len..];
                continue;
            }
        }
        if matches!(c, '/' | '-' | '.') {
            rest = &rest[1..];
            continue;
        }
        if c == 'T' || c == 't' {
            // The date/time separator of ISO 8601, whose dates are Gregorian in every
            // culture (as in .NET).
            if rest[1..].starts_with(|d: char| d.is_ascii_digit()) {
                rest = &rest[1..];
                iso_8601 = true;
                continue;
            }
        }
        let mut designator = None;
        for (is_pm, d) in [(false, culture.am()), (true, culture.pm()), (false, "AM"), (true, "PM")] {
            if let Some(len) = match_ci(rest, d).filter(|l| word_ends(rest, *l)) {
                if designator.is_none_or(|(_, l)| len > l) {
                    designator = Some((is_pm, len));
                }
            }
        }
        if let Some((is_pm, len)) = designator {
            if pm.is_some() {
                return None;
            }
            pm = Some(is_pm);
            rest = &rest[len..];
            continue;
        }
        if let Some(len) =
            ["Z", "GMT", "UTC"].into_iter().find_map(|z| match_ci(rest, z).filter(|l| word_ends(rest, *l)))
        {
            if zone.is_some() {
                return None;
            }
            zone = Some(Zone::Utc);
            rest = &rest[len..];
            continue;
        }
        let month = month_with_postfix(rest, culture, postfixes.get_or_init(|| month_postfixes(culture)))
            .or_else(|| longest_name(rest, english.month_names()));
        let day = longest_name(rest, culture.day_names()).or_else(|| longest_name(rest, english.day_names()));
        match (month, day) {
            (Some((m, ml)), day) if day.is_none_or(|(_, dl)| ml >= dl) => {
                if month_name.is_some() {
                    return None;
                }
                month_name = Some(u32::try_from(m).ok()?);
                rest = &rest[ml..];
                continue;
            }
            (_, Some((_, dl))) => {
                rest = &rest[dl..];
                continue;
            }
            _ => {}
        }
        // A word that starts with a letter must end where the text's word does: .NET does
        // not read 日 of "15日星期日" (zh) as the day suffix.
        let whole_word = |w: &String, len: usize| !w.starts_with(char::is_alphabetic) || word_ends(rest, len);
        let words = words.get_or_init(|| date_words(culture));
        if let Some(len) = words.iter().find_map(|w| match_ci(rest, w).filter(|len| whole_word(w, *len))) {
            rest = &rest[len..];
            continue;
        }
        return None;
    }

    // The date, in the culture's calendar unless it is ISO 8601.
    let calendar = if iso_8601 { Calendar::Gregorian } else { culture.calendar() };
    let today_here = today_in(calendar, today);
    let (year, month, day) = if suffixed.iter().any(Option::is_some) {
        resolve_suffixed(suffixed, &nums, month_name, calendar, today_here)?
    } else {
        resolve_date(&nums, month_name, culture, calendar, today_here)?
    };
    // The time; an AM/PM designator needs one (.NET refuses "11 12 AM").
    if pm.is_some() && time.is_none() && hour_only.is_none() {
        return None;
    }
    let (mut hour, minute, second, fraction) = match (time, hour_only) {
        (Some(t), None) => t,
        (None, Some(h)) => (h, 0, 0, 0),
        (None, None) => (0, 0, 0, 0),
        (Some(_), Some(_)) => return None,
    };
    if let Some(is_pm) = pm {
        if !(0..=12).contains(&hour) {
            return None;
        }
        hour = match (is_pm, hour) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
    }
    let wall = Timestamp::from_calendar_parts(
        calendar,
        (year, month, day),
        u32::try_from(hour).ok()?,
        u32::try_from(minute).ok()?,
        u32::try_from(second).ok()?,
        fraction,
        Kind::Unspecified,
    )?;
    with_zone(wall, zone)
}

/// The CJK date suffix at the start of `rest`, if any: the field it marks (0 year, 1 month,
/// 2 day) and its length.
fn cjk_suffix(rest: &str) -> Option<(usize, usize)> {
    let c = rest.chars().next()?;
    let field = match c {
        '年' | '년' => 0,
        '月' | '월' => 1,
        '日' | '일' => 2,
        _ => return None,
    };
    // As every word, a suffix must end where the text's word does (.NET refuses
    // "15日星期日").
    word_ends(rest, c.len_utf8()).then_some((field, c.len_utf8()))
}

/// The date of numbers marked by CJK suffixes; at most one unmarked number fills the one
/// field left (a year of three or more digits, else the day).
fn resolve_suffixed(
    suffixed: [Option<Num>; 3],
    nums: &[Num],
    month_name: Option<u32>,
    calendar: Calendar,
    today: (i32, u32, u32),
) -> Option<(i32, u32, u32)> {
    let [mut year, month, mut day] = suffixed;
    match nums {
        [] => {}
        [n] if year.is_none() && (n.digits >= 3 || day.is_some()) => year = Some(*n),
        [n] if day.is_none() => day = Some(*n),
        _ => return None,
    }
    let month = match (month, month_name) {
        (Some(m), None) => u32::try_from(m.value).ok()?,
        (None, Some(m)) => m,
        (None, None) if day.is_none() => 1,
        _ => return None,
    };
    let year = match year {
        Some(y) if y.digits <= 2 => calendar.four_digit_year(i32::try_from(y.value).ok()?),
        Some(y) => i32::try_from(y.value).ok()?,
        None => today.0,
    };
    let day = day.map_or(Some(1), |d| u32::try_from(d.value).ok())?;
    Some((year, month, day))
}

fn resolve_date(
    nums: &[Num],
    month_name: Option<u32>,
    culture: &Culture,
    calendar: Calendar,
    today: (i32, u32, u32),
) -> Option<(i32, u32, u32)> {
    let year_of = |n: Num| -> Option<i32> {
        let y = i32::try_from(n.value).ok()?;
        Some(if n.digits <= 2 { calendar.four_digit_year(y) } else { y })
    };
    let small = |n: Num| u32::try_from(n.value).ok();
    let is_year = |n: Num| n.digits >= 3 || n.value > 31;
    if let Some(month) = month_name {
        return match nums {
            [] => None,
            [n] if is_year(*n) => Some((year_of(*n)?, month, 1)),
            [n] => Some((today.0, month, small(*n)?)),
            [a, b] if is_year(*a) && !is_year(*b) => Some((year_of(*a)?, month, small(*b)?)),
            [a, b] => Some((year_of(*b)?, month, small(*a)?)),
            _ => None,
        };
    }
    match nums {
        [] => Some(today),
        [a, b, c] => {
            if a.digits >= 3 {
                return Some((year_of(*a)?, small(*b)?, small(*c)?));
            }
            let mut ymd = (0, 0, 0);
            for (field, n) in date_order(culture).into_iter().zip([a, b, c]) {
                match field {
                    b'y' => ymd.0 = year_of(*n)?,
                    b'M' => ymd.1 = small(*n)?,
                    _ => ymd.2 = small(*n)?,
                }
            }
            Some(ymd)
        }
        [a, b] => {
            if a.digits >= 3 {
                return Some((year_of(*a)?, small(*b)?, 1));
            }
            if b.digits >= 3 {
                return Some((year_of(*b)?, small(*a)?, 1));
            }
            let order: Vec<u8> = date_order(culture).into_iter().filter(|f| *f != b'y').collect();
            if order.first() == Some(&b'd') {
                Some((today.0, small(*b)?, small(*a)?))
            } else {
                Some((today.0, small(*a)?, small(*b)?))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parts = (i32, u32, u32, u32, u32, u32, i64, Kind);

    fn p(text: &str) -> Option<Parts> {
        p_in(text, &Culture::en_us())
    }

    fn p_in(text: &str, culture: &Culture) -> Option<Parts> {
        parse(text, culture, (2024, 6, 1)).map(|t| {
            let f = t.fields();
            (f.year, f.month, f.day, f.hour, f.minute, f.second, f.fraction, t.kind)
        })
    }

    use Kind::{Local, Unspecified as U, Utc};

    #[test]
    fn iso_8601() {
        assert_eq!(p("2018-03-15T13:27:36Z"), Some((2018, 3, 15, 13, 27, 36, 0, Utc)));
        assert_eq!(p("2018-03-15"), Some((2018, 3, 15, 0, 0, 0, 0, U)));
        assert_eq!(p("2023-11-24T12:11:49.7531321"), Some((2023, 11, 24, 12, 11, 49, 7_531_321, U)));
        assert_eq!(p("2018-01-01T08:00:00.0000000Z"), Some((2018, 1, 1, 8, 0, 0, 0, Utc)));
        assert_eq!(p("2018-03-15T10:00:00+02:00"), Some((2018, 3, 15, 8, 0, 0, 0, Local)));
        assert_eq!(p("2018-03-15T10:00:00-0530"), Some((2018, 3, 15, 15, 30, 0, 0, Local)));
        assert_eq!(p("2018-03-15 10:00"), Some((2018, 3, 15, 10, 0, 0, 0, U)));
        assert_eq!(p("2018-03-15T10:00:00.123456789Z"), Some((2018, 3, 15, 10, 0, 0, 1_234_568, Utc)));
        assert_eq!(p("1970-01-01Z00:00:00"), Some((1970, 1, 1, 0, 0, 0, 0, Utc)));
        assert_eq!(p("0001-01-01T00:00:00Z"), Some((1, 1, 1, 0, 0, 0, 0, Utc)));
        assert_eq!(p("2018-03"), Some((2018, 3, 1, 0, 0, 0, 0, U)));
    }

    #[test]
    fn culture_forms() {
        assert_eq!(p("03/15/2018"), Some((2018, 3, 15, 0, 0, 0, 0, U)));
        assert_eq!(p("01/01/2018 00:00:00"), Some((2018, 1, 1, 0, 0, 0, 0, U)));
        assert_eq!(p("3/15/2018 1:05:09 PM"), Some((2018, 3, 15, 13, 5, 9, 0, U)));
        assert_eq!(p("3/15/2018 12:05 am"), Some((2018, 3, 15, 0, 5, 0, 0, U)));
        assert_eq!(p("3/15/18 3 PM"), Some((2018, 3, 15, 15, 0, 0, 0, U)));
        assert_eq!(p("October 20, 2014"), Some((2014, 10, 20, 0, 0, 0, 0, U)));
        assert_eq!(p("Thu, 25 Sep 2025 05:18:31 GMT"), Some((2025, 9, 25, 5, 18, 31, 0, Utc)));
        assert_eq!(p("Sunday, April 15, 2018 1:00:00 PM"), Some((2018, 4, 15, 13, 0, 0, 0, U)));
        assert_eq!(p("10:30"), Some((2024, 6, 1, 10, 30, 0, 0, U)));
        let fr = Culture::find("fr-FR").unwrap_or_else(Culture::invariant);
        assert_eq!(p_in("20/10/2014", &fr), Some((2014, 10, 20, 0, 0, 0, 0, U)));
        assert_eq!(p_in("20 octobre 2010", &fr), Some((2010, 10, 20, 0, 0, 0, 0, U)));
        assert_eq!(p_in("mardi 20 oct. 2020 14:00", &fr), Some((2020, 10, 20, 14, 0, 0, 0, U)));
        let es = Culture::find("es-ES").unwrap_or_else(Culture::invariant);
        assert_eq!(p_in("martes 20 octubre 2020", &es), Some((2020, 10, 20, 0, 0, 0, 0, U)));
        assert_eq!(p_in("20 de octubre de 2020", &es), Some((2020, 10, 20, 0, 0, 0, 0, U)));
        let ja = Culture::find("ja-JP").unwrap_or_else(Culture::invariant);
        assert_eq!(p_in("2020年10月20日", &ja), Some((2020, 10, 20, 0, 0, 0, 0, U)));
    }

    #[test]
    fn dates_in_the_cultures_calendar() {
        let c = |n: &str| Culture::find(n).unwrap_or_else(Culture::invariant);
        // .NET: numeric dates are in the culture's calendar, ISO 8601 with a time is Gregorian.
        assert_eq!(p_in("1392/12/7", &c("fa")), Some((2014, 2, 26, 0, 0, 0, 0, U)));
        assert_eq!(p_in("3/5/2569", &c("th")), Some((2026, 5, 3, 0, 0, 0, 0, U)));
        assert_eq!(p_in("2019-11-22", &c("ar-SA")), None);
        assert_eq!(p_in("1441-03-25", &c("ar-SA")), Some((2019, 11, 22, 0, 0, 0, 0, U)));
        assert_eq!(p_in("2019-11-22T23:42:03", &c("ar-SA")), Some((2019, 11, 22, 23, 42, 3, 0, U)));
        assert_eq!(p_in("2019-11-22T23:42:03", &c("th-TH")), Some((2019, 11, 22, 23, 42, 3, 0, U)));
    }

    #[test]
    fn dotted_times_and_whole_words() {
        let c = |n: &str| Culture::find(n).unwrap_or_else(Culture::invariant);
        // .NET's answers.
        assert_eq!(p_in("søndag den 19. juni 1966 11.12", &c("da")), Some((1966, 6, 19, 11, 12, 0, 0, U)));
        assert_eq!(p_in("11.12", &c("da")), Some((2024, 6, 1, 11, 12, 0, 0, U)));
        assert_eq!(p_in("19.06.1966", &c("da")), Some((1966, 6, 19, 0, 0, 0, 0, U)));
        assert_eq!(p_in("AP 1358-01-14", &c("lrc")), Some((1979, 4, 3, 0, 0, 0, 0, U)));
        assert_eq!(p_in("1976年8月15日星期日", &c("zh")), None);
        assert_eq!(p_in("1976年8月15日", &c("zh")), Some((1976, 8, 15, 0, 0, 0, 0, U)));
        assert_eq!(p_in("5月26日", &c("zh-Hans-HK")), Some((2024, 5, 26, 0, 0, 0, 0, U)));
        assert_eq!(p_in("1975/4/1 上午11:30", &c("yue")), Some((1975, 4, 1, 11, 30, 0, 0, U)));
        assert_eq!(p_in("11.12.55", &c("da")), Some((2024, 6, 1, 11, 12, 55, 0, U)));
        assert_eq!(
            p_in("1972 оны дөрөвдүгээр сарын 27, Пүрэв гараг", &c("mn")),
            Some((1972, 4, 27, 0, 0, 0, 0, U))
        );
        assert_eq!(p_in("1990 թ. հունվարի 16, երեքշաբթի", &c("hy")), None);
        assert_eq!(p_in("mardi 20 septembre 2011 23 h29", &c("fr-CA")), Some((2011, 9, 20, 23, 29, 0, 0, U)));
        assert_eq!(p_in("2007-09-13 12:54:21 སྔ་ཆ་", &c("dz")), Some((2007, 9, 13, 0, 54, 21, 0, U)));
        assert_eq!(p_in(" 11  12 སྔ་ཆ་", &c("dz")), None);
    }

    #[test]
    fn iso_8601_reader_agrees_with_the_general_one() {
        let en = Culture::en_us();
        for text in [
            "2024-01-15T10:30:00Z",
            "2024-01-15T10:30:00.1234567+02:00",
            "2024-01-15T10:30:00.123456789Z",
            "2018-03-15T10:00:00-0530",
            "2018-03-15T10:00",
            " 2018-03-15T10:00:00 ",
            "2024-02-30T10:00:00",
            "2024-01-15T24:00:00",
            "2024-01-15T10:30:00+15:00",
            "0001-01-01T00:00:00+01:00",
        ] {
            let fast = read_iso_8601(text);
            assert!(fast.is_none() || fast == parse_any(text, &en, (2024, 6, 1)), "{text}");
            assert_eq!(parse(text, &en, (2024, 6, 1)), parse_any(text, &en, (2024, 6, 1)), "{text}");
        }
        assert!(read_iso_8601("2024-01-15T10:30:00.1234567Z").is_some());
        assert!(read_iso_8601("2024-01-15 10:30:00Z").is_none());
    }

    #[test]
    fn invalid() {
        for text in [
            "",
            "  ",
            "2018-01-01T80:00:00.0000000Z",
            "2018-02-30",
            "13/15/2018",
            "hello",
            "2018-03-15T10:00:00ZZ",
            "20190521",
            "10000-01-01",
            "2018-03-15T24:00:00",
            "3/15/2018 13:00 PM",
            "0000-12-31",
        ] {
            assert_eq!(p(text), None, "{text:?}");
        }
    }

    #[test]
    fn month_arithmetic_clamps() {
        let t = |y, m, d| Timestamp::from_parts(y, m, d, 0, 0, 0, 0, Kind::Utc);
        assert_eq!(t(2018, 1, 31).and_then(|x| x.add_months(1)), t(2018, 2, 28));
        assert_eq!(t(2020, 1, 31).and_then(|x| x.add_months(1)), t(2020, 2, 29));
        assert_eq!(t(2020, 2, 29).and_then(|x| x.add_months(12)), t(2021, 2, 28));
        assert_eq!(t(2018, 3, 31).and_then(|x| x.add_months(-1)), t(2018, 2, 28));
        assert_eq!(t(9999, 12, 1).and_then(|x| x.add_months(1)), None);
        assert_eq!(t(1, 1, 1).and_then(|x| x.add_months(-1)), None);
        assert_eq!(days_in_month(9999, 12), 31);
    }

    #[test]
    fn ticks_match_dotnet() {
        let t = |text| parse(text, &Culture::en_us(), (2024, 1, 1)).map(|t| t.ticks);
        assert_eq!(t("0001-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2018-03-15T00:00:00Z"), Some(636_566_688_000_000_000));
        assert_eq!(t("2023-11-24T00:00:00"), Some(638_363_808_000_000_000));
        assert_eq!(t("9999-12-31T23:59:59.9999999"), Some(MAX_TICKS));
    }
}
