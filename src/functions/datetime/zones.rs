//! Time zones by Windows ID (the service's names, mapped to IANA zones by the Unicode
//! CLDR `windowsZones` table) or, as an extension, by IANA name; the rules come from the
//! IANA database through `chrono-tz`.

use std::str::FromStr;

use chrono::{LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::timestamp::{Kind, Timestamp, TICKS_PER_SECOND};

#[path = "zones_data.rs"]
mod data;

/// A time zone the functions can convert to and from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Zone {
    tz: Tz,
    /// Is it UTC itself (Windows `UTC`, IANA `Etc/UTC` and aliases)?
    is_utc: bool,
}

/// Why a conversion failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConvertError {
    /// The local time falls in a daylight-saving gap.
    Invalid,
    /// The result is outside .NET's range.
    OutOfRange,
}

fn squash(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl Zone {
    /// The zone with this Windows ID or IANA name, matched without regard to case. A
    /// Windows ID may also be written without its punctuation (`W Europe Standard Time`),
    /// as the service's documentation suggests.
    pub(crate) fn find(name: &str) -> Option<Zone> {
        let name = name.trim();
        let table = &data::WINDOWS_ZONES;
        let lower = name.to_lowercase();
        let iana = match table.binary_search_by(|(w, _)| w.to_lowercase().cmp(&lower)) {
            Ok(i) => Some(table[i].1),
            Err(_) => {
                let squashed = squash(name);
                table.iter().find(|(w, _)| squash(w) == squashed).map(|(_, iana)| *iana)
            }
        };
        let tz = match iana {
            Some(iana) => Tz::from_str(iana).ok()?,
            None => Tz::from_str(name).ok().or_else(|| {
                chrono_tz::TZ_VARIANTS.iter().copied().find(|tz| tz.name().eq_ignore_ascii_case(name))
            })?,
        };
        let is_utc = matches!(
            tz,
            Tz::UTC
                | Tz::Etc__UTC
                | Tz::Etc__UCT
                | Tz::Etc__Universal
                | Tz::Etc__Zulu
                | Tz::UCT
                | Tz::Universal
                | Tz::Zulu
        );
        Some(Zone { tz, is_utc })
    }

    /// Is this UTC itself?
    pub(crate) fn is_utc(&self) -> bool {
        self.is_utc
    }

    /// The IANA name of the zone's rules.
    #[cfg(test)]
    pub(crate) fn iana(&self) -> &'static str {
        self.tz.name()
    }

    /// The clock time in this zone at the UTC instant `utc_ticks`, with no kind.
    pub(crate) fn clock_at(&self, utc_ticks: i64) -> Result<Timestamp, ConvertError> {
        let naive = to_naive(utc_ticks).ok_or(ConvertError::OutOfRange)?;
        let offset = self.tz.offset_from_utc_datetime(&naive).fix().local_minus_utc();
        let ticks = utc_ticks + i64::from(offset) * TICKS_PER_SECOND;
        Timestamp::from_ticks(ticks, Kind::Unspecified).ok_or(ConvertError::OutOfRange)
    }

    /// The UTC instant of the clock time `local_ticks` in this zone. An ambiguous time
    /// (when clocks go back) is read as standard time, the later instant, as .NET does; a
    /// time in the gap (when clocks go forward) is invalid, as in .NET.
    pub(crate) fn instant_of(&self, local_ticks: i64) -> Result<i64, ConvertError> {
        let naive = to_naive(local_ticks).ok_or(ConvertError::OutOfRange)?;
        let offset = match self.tz.offset_from_local_datetime(&naive) {
            LocalResult::Single(o) => o.fix().local_minus_utc(),
            LocalResult::Ambiguous(a, b) => a.fix().local_minus_utc().min(b.fix().local_minus_utc()),
            LocalResult::None => return Err(ConvertError::Invalid),
        };
        let utc = local_ticks - i64::from(offset) * TICKS_PER_SECOND;
        Timestamp::from_ticks(utc, Kind::Utc).map(|t| t.ticks).ok_or(ConvertError::OutOfRange)
    }
}

/// Ticks as a chrono date-time (whole seconds are enough: offsets are whole seconds).
fn to_naive(ticks: i64) -> Option<NaiveDateTime> {
    // 0001-01-01 is day 1 of the common era.
    let days = ticks.div_euclid(super::timestamp::TICKS_PER_DAY);
    let secs = ticks.rem_euclid(super::timestamp::TICKS_PER_DAY) / TICKS_PER_SECOND;
    let date = chrono::NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 1).ok()?)?;
    date.and_hms_opt(0, 0, 0)?.checked_add_signed(chrono::TimeDelta::try_seconds(secs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_ids_map_to_iana() {
        let iana = |n: &str| Zone::find(n).map(|z| z.iana());
        assert_eq!(iana("Pacific Standard Time"), Some("America/Los_Angeles"));
        assert_eq!(iana("pacific standard time"), Some("America/Los_Angeles"));
        assert_eq!(iana("W. Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(iana("W Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(iana("SA Western Standard Time"), Some("America/La_Paz"));
        assert_eq!(iana("UTC"), Some("Etc/UTC"));
        assert_eq!(iana("Europe/Paris"), Some("Europe/Paris"));
        assert_eq!(iana("europe/paris"), Some("Europe/Paris"));
        assert_eq!(iana("Mars Standard Time"), None);
        assert_eq!(iana(""), None);
        assert!(Zone::find("UTC").is_some_and(|z| z.is_utc()));
        assert!(Zone::find("GMT Standard Time").is_some_and(|z| !z.is_utc()));
        assert_eq!(data::WINDOWS_ZONES.len(), 142);
        let sorted: Vec<String> = data::WINDOWS_ZONES.iter().map(|(w, _)| w.to_lowercase()).collect();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
        for (w, i) in data::WINDOWS_ZONES.iter() {
            assert!(Tz::from_str(i).is_ok(), "{w} -> {i} is not in chrono-tz");
        }
    }
}
