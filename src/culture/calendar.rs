//! The calendars .NET formats dates in: a culture's default calendar decides what `d`, `M`,
//! `y` and `g` write (`formatDateTime(t, 'yyyy', 'th-TH')` is the Buddhist year).
//!
//! Gregorian and Thai Buddhist are arithmetic. Um Al Qura (ar-SA) is observed: its month
//! lengths are a table, as in .NET. .NET's Persian calendar (fa-IR and friends) is
//! astronomical; its leap years are a table too. Both tables are read from .NET itself
//! (`tools/gen_calendar_data.py`, generated into `calendar_data.rs`).

use std::sync::OnceLock;

use super::calendar_data::{
    PERSIAN_EPOCH, PERSIAN_LAST_YEAR, PERSIAN_LEAP_YEARS, UM_AL_QURA_EPOCH, UM_AL_QURA_FIRST_YEAR,
    UM_AL_QURA_MONTHS,
};

/// A culture's default calendar (.NET `CultureInfo.Calendar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Calendar {
    Gregorian,
    UmAlQura,
    Persian,
    ThaiBuddhist,
}

/// A date in some calendar: year, month (1-based) and day of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CalendarDate {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
}

/// Years of the Buddhist era before the Gregorian year 1.
const BUDDHIST_OFFSET: i32 = 543;

impl Calendar {
    /// The calendar of a generated culture's one-letter code (see `tools/gen_culture_data.py`).
    pub(crate) fn from_code(code: &str) -> Calendar {
        match code {
            "u" => Calendar::UmAlQura,
            "p" => Calendar::Persian,
            "t" => Calendar::ThaiBuddhist,
            _ => Calendar::Gregorian,
        }
    }

    /// .NET's class name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Calendar::Gregorian => "GregorianCalendar",
            Calendar::UmAlQura => "UmAlQuraCalendar",
            Calendar::Persian => "PersianCalendar",
            Calendar::ThaiBuddhist => "ThaiBuddhistCalendar",
        }
    }

    /// The Gregorian dates this calendar supports, as .NET's message gives them.
    pub(crate) fn supported_range(self) -> &'static str {
        match self {
            Calendar::UmAlQura => {
                "between 04/30/1900 00:00:00 (Gregorian date) and 11/16/2077 23:59:59 (Gregorian date)"
            }
            Calendar::Persian => {
                "between 03/22/0622 00:00:00 (Gregorian date) and 12/31/9999 23:59:59 (Gregorian date)"
            }
            _ => "between 01/01/0001 00:00:00 (Gregorian date) and 12/31/9999 23:59:59 (Gregorian date)",
        }
    }

    /// .NET's default `TwoDigitYearMax`: the last year a two-digit year may mean.
    pub(crate) fn two_digit_year_max(self) -> i32 {
        match self {
            Calendar::Gregorian => 2049,
            Calendar::UmAlQura => 1451,
            Calendar::Persian => 1410,
            Calendar::ThaiBuddhist => 2572,
        }
    }

    /// A two- (or one-) digit year as .NET's `Calendar.ToFourDigitYear` reads it: the year
    /// of that century that is at most [`Calendar::two_digit_year_max`].
    pub(crate) fn four_digit_year(self, year: i32) -> i32 {
        if !(0..100).contains(&year) {
            return year;
        }
        let max = self.two_digit_year_max();
        let y = max / 100 * 100 + year;
        if y > max {
            y - 100
        } else {
            y
        }
    }

    /// Days after 0001-01-01 of a date given in this calendar; `None` for a date the
    /// calendar does not have or that is outside the range .NET supports for it.
    pub(crate) fn days_of(self, date: CalendarDate) -> Option<i64> {
        let CalendarDate { year, month, day } = date;
        if !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        match self {
            Calendar::Gregorian => gregorian_days(year, month, day),
            Calendar::ThaiBuddhist => gregorian_days(year - BUDDHIST_OFFSET, month, day),
            Calendar::UmAlQura => {
                let starts = um_al_qura_month_starts();
                let index = usize::try_from(year.checked_sub(UM_AL_QURA_FIRST_YEAR)?).ok()? * 12
                    + usize::try_from(month - 1).ok()?;
                let (start, next) = (*starts.get(index)?, *starts.get(index + 1)?);
                let days = start + i64::from(day) - 1;
                (days < next).then_some(days)
            }
            Calendar::Persian => {
                let starts = persian_year_starts();
                let index = usize::try_from(year.checked_sub(1)?).ok()?;
                let (start, next) = (*starts.get(index)?, *starts.get(index + 1)?);
                let days = start + persian_days_before(month) + i64::from(day) - 1;
                let month_length = if month <= 6 { 31 } else { 30 };
                (day <= month_length && days < next).then_some(days)
            }
        }
    }

    /// The date in this calendar of the Gregorian date `gregorian`, which is `days` days
    /// after 0001-01-01. `None` outside the range .NET supports for the calendar.
    pub(crate) fn date(self, days: i64, gregorian: CalendarDate) -> Option<CalendarDate> {
        match self {
            Calendar::Gregorian => Some(gregorian),
            Calendar::ThaiBuddhist => {
                Some(CalendarDate { year: gregorian.year + BUDDHIST_OFFSET, ..gregorian })
            }
            Calendar::UmAlQura => um_al_qura_date(days),
            Calendar::Persian => persian_date(days),
        }
    }
}

/// Days after 0001-01-01 of a Gregorian date in .NET's range.
fn gregorian_days(year: i32, month: u32, day: u32) -> Option<i64> {
    use chrono::Datelike;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    Some(i64::from(date.num_days_from_ce()) - 1)
}

fn bit(hex: &str, index: usize) -> bool {
    let digit = hex.as_bytes().get(index / 4).and_then(|b| char::from(*b).to_digit(16)).unwrap_or(0);
    digit & (8 >> (index % 4)) != 0
}

/// The first days of `count` periods from `epoch`, each `short` days long or one more
/// where its bit in `long` is set, and the day after the last.
fn period_starts(epoch: i64, count: usize, long: &str, short: i64) -> Vec<i64> {
    let mut starts = Vec::with_capacity(count + 1);
    let mut day = epoch;
    for i in 0..count {
        starts.push(day);
        day += short + i64::from(bit(long, i));
    }
    starts.push(day);
    starts
}

/// The first day of every Um Al Qura month .NET knows, and the day after the last.
fn um_al_qura_month_starts() -> &'static [i64] {
    static STARTS: OnceLock<Vec<i64>> = OnceLock::new();
    let months = UM_AL_QURA_MONTHS.len() * 4 / 12 * 12;
    STARTS.get_or_init(|| period_starts(UM_AL_QURA_EPOCH, months, UM_AL_QURA_MONTHS, 29))
}

fn um_al_qura_date(days: i64) -> Option<CalendarDate> {
    let starts = um_al_qura_month_starts();
    if days < *starts.first()? || days >= *starts.last()? {
        return None;
    }
    let index = starts.partition_point(|s| *s <= days) - 1;
    Some(CalendarDate {
        year: UM_AL_QURA_FIRST_YEAR + i32::try_from(index / 12).ok()?,
        month: u32::try_from(index % 12).ok()? + 1,
        day: u32::try_from(days - starts[index]).ok()? + 1,
    })
}

/// The first day of every Persian year .NET knows (1 Farvardin), and the day after the last.
fn persian_year_starts() -> &'static [i64] {
    static STARTS: OnceLock<Vec<i64>> = OnceLock::new();
    let years = usize::try_from(PERSIAN_LAST_YEAR).unwrap_or(0);
    STARTS.get_or_init(|| period_starts(PERSIAN_EPOCH, years, PERSIAN_LEAP_YEARS, 365))
}

/// Days of the Persian year before the first of `month`: six months of 31 days, then 30.
fn persian_days_before(month: u32) -> i64 {
    let m = i64::from(month.saturating_sub(1));
    if m <= 6 {
        m * 31
    } else {
        186 + (m - 6) * 30
    }
}

fn persian_date(days: i64) -> Option<CalendarDate> {
    let starts = persian_year_starts();
    if days < *starts.first()? || days >= *starts.last()? {
        return None;
    }
    let index = starts.partition_point(|s| *s <= days) - 1;
    let in_year = days - starts[index];
    let month = if in_year < 186 { in_year / 31 + 1 } else { (in_year - 186) / 30 + 7 }.min(12);
    Some(CalendarDate {
        year: i32::try_from(index).ok()? + 1,
        month: u32::try_from(month).ok()?,
        day: u32::try_from(in_year - persian_days_before(u32::try_from(month).ok()?)).ok()? + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::{Calendar, CalendarDate};

    fn date(year: i32, month: u32, day: u32) -> CalendarDate {
        CalendarDate { year, month, day }
    }

    /// Days after 0001-01-01 of a Gregorian date.
    fn days(year: i32, month: u32, day: u32) -> i64 {
        use chrono::Datelike;
        let d = chrono::NaiveDate::from_ymd_opt(year, month, day).map_or(0, |d| d.num_days_from_ce());
        i64::from(d) - 1
    }

    #[test]
    fn um_al_qura_matches_dotnet() {
        // .NET: 2024-01-15 in ar-SA is 1445-07-03; the range starts 1900-04-30 = 1318-01-01.
        let cal = Calendar::UmAlQura;
        assert_eq!(cal.date(days(2024, 1, 15), date(2024, 1, 15)), Some(date(1445, 7, 3)));
        assert_eq!(cal.date(days(1900, 4, 30), date(1900, 4, 30)), Some(date(1318, 1, 1)));
        assert_eq!(cal.date(days(1900, 4, 29), date(1900, 4, 29)), None);
        assert_eq!(cal.date(days(2077, 11, 16), date(2077, 11, 16)), Some(date(1500, 12, 30)));
        assert_eq!(cal.date(days(2077, 11, 17), date(2077, 11, 17)), None);
    }

    #[test]
    fn persian_matches_dotnet() {
        // Nowruz 1403 was 2024-03-20; 2025-03-21 is 1404-01-01.
        let cal = Calendar::Persian;
        assert_eq!(cal.date(days(2024, 3, 20), date(2024, 3, 20)), Some(date(1403, 1, 1)));
        assert_eq!(cal.date(days(2024, 3, 19), date(2024, 3, 19)), Some(date(1402, 12, 29)));
        assert_eq!(cal.date(days(2025, 3, 21), date(2025, 3, 21)), Some(date(1404, 1, 1)));
        assert_eq!(cal.date(days(2024, 1, 15), date(2024, 1, 15)), Some(date(1402, 10, 25)));
        assert_eq!(cal.date(days(622, 3, 22), date(622, 3, 22)), Some(date(1, 1, 1)));
        assert_eq!(cal.date(days(622, 3, 21), date(622, 3, 21)), None);
        assert_eq!(cal.date(days(9999, 12, 31), date(9999, 12, 31)), Some(date(9378, 10, 13)));
    }

    #[test]
    fn days_of_inverts_date() {
        for cal in [Calendar::Gregorian, Calendar::ThaiBuddhist, Calendar::UmAlQura, Calendar::Persian] {
            for (y, m, d) in [(1900, 5, 1), (1979, 4, 3), (2019, 11, 22), (2024, 3, 20), (2077, 11, 16)] {
                let day = days(y, m, d);
                let in_cal = cal.date(day, date(y, m, d));
                assert_eq!(in_cal.and_then(|c| cal.days_of(c)), Some(day), "{cal:?} {y}-{m}-{d}");
            }
        }
        // .NET: 25 Rabi' al-awwal 1441 is 2019-11-22; 7 Esfand 1392 is 2014-02-26.
        assert_eq!(Calendar::UmAlQura.days_of(date(1441, 3, 25)), Some(days(2019, 11, 22)));
        assert_eq!(Calendar::Persian.days_of(date(1392, 12, 7)), Some(days(2014, 2, 26)));
        assert_eq!(Calendar::ThaiBuddhist.days_of(date(2569, 5, 3)), Some(days(2026, 5, 3)));
        assert_eq!(Calendar::UmAlQura.days_of(date(2019, 11, 22)), None);
        assert_eq!(Calendar::Persian.days_of(date(1392, 7, 31)), None);
        assert_eq!(Calendar::Gregorian.days_of(date(2023, 2, 29)), None);
    }

    #[test]
    fn two_digit_years_follow_each_calendar() {
        assert_eq!(Calendar::Gregorian.four_digit_year(49), 2049);
        assert_eq!(Calendar::Gregorian.four_digit_year(50), 1950);
        assert_eq!(Calendar::UmAlQura.four_digit_year(51), 1451);
        assert_eq!(Calendar::UmAlQura.four_digit_year(52), 1352);
        assert_eq!(Calendar::Persian.four_digit_year(10), 1410);
        assert_eq!(Calendar::ThaiBuddhist.four_digit_year(73), 2473);
        assert_eq!(Calendar::Gregorian.four_digit_year(2024), 2024);
    }

    #[test]
    fn thai_buddhist_years() {
        let g = date(2024, 1, 15);
        assert_eq!(Calendar::ThaiBuddhist.date(days(2024, 1, 15), g), Some(date(2567, 1, 15)));
    }
}
