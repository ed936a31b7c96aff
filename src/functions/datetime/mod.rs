//! Date and time functions.
//!
//! Timestamps are strings, read as .NET's `DateTime.Parse` reads them and written in the
//! round-trip format `o` unless a format is given. A timestamp keeps its kind: `Z` in,
//! `Z` out; no zone in, no suffix out; an offset in is converted to the server's local
//! time, which is UTC, and written back with `+00:00` (see [`timestamp`]).
//!
//! Time zones are Windows IDs (IANA names are accepted too, as an extension), culture
//! names are those of [`crate::culture`], and format strings are .NET's ([`format`]).

mod format;
mod timestamp;
mod zones;

use chrono::{Datelike, Timelike};

use self::format::{FormatError, InvalidFormat, TimeSpan};
use self::timestamp::{Kind, Timestamp, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND};
use self::zones::{ConvertError, Zone};
use super::{opt, ordinal, req, Args, Call, Category, Function, Ty};
use crate::culture::Culture;
use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

const TS: Ty = Ty::STRING;
const FMT: Ty = Ty::STRING;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "addDays",
        Category::DateTime,
        &[req("timestamp", TS), req("days", Ty::INT), opt("format", FMT)],
        "String",
        "Adds days to a timestamp (negative to subtract).",
        "addDays('2018-03-15T00:00:00Z', 10) → '2018-03-25T00:00:00.0000000Z'",
        add_days,
    ),
    Function::eager(
        "addHours",
        Category::DateTime,
        &[req("timestamp", TS), req("hours", Ty::INT), opt("format", FMT)],
        "String",
        "Adds hours to a timestamp (negative to subtract).",
        "addHours('2018-03-15T00:00:00Z', 10) → '2018-03-15T10:00:00.0000000Z'",
        add_hours,
    ),
    Function::eager(
        "addMinutes",
        Category::DateTime,
        &[req("timestamp", TS), req("minutes", Ty::INT), opt("format", FMT)],
        "String",
        "Adds minutes to a timestamp (negative to subtract).",
        "addMinutes('2018-03-15T00:10:00Z', 10) → '2018-03-15T00:20:00.0000000Z'",
        add_minutes,
    ),
    Function::eager(
        "addSeconds",
        Category::DateTime,
        &[req("timestamp", TS), req("seconds", Ty::INT), opt("format", FMT)],
        "String",
        "Adds seconds to a timestamp (negative to subtract).",
        "addSeconds('2018-03-15T00:00:00Z', 10) → '2018-03-15T00:00:10.0000000Z'",
        add_seconds,
    ),
    Function::eager(
        "addToTime",
        Category::DateTime,
        &[req("timestamp", TS), req("interval", Ty::INT), req("timeUnit", Ty::STRING), opt("format", FMT)],
        "String",
        "Adds a number of time units (Second, Minute, Hour, Day, Week, Month, Year) to a timestamp.",
        "addToTime('2018-01-01T00:00:00Z', 1, 'Day') → '2018-01-02T00:00:00.0000000Z'",
        add_to_time,
    ),
    Function::eager(
        "convertFromUtc",
        Category::DateTime,
        &[req("timestamp", TS), req("destinationTimeZone", Ty::STRING), opt("format", FMT)],
        "String",
        "Converts a UTC timestamp to a time zone (a Windows time zone ID; IANA names work too).",
        "convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time') → '2018-01-01T00:00:00.0000000'",
        convert_from_utc,
    ),
    Function::eager(
        "convertTimeZone",
        Category::DateTime,
        &[
            req("timestamp", TS),
            req("sourceTimeZone", Ty::STRING),
            req("destinationTimeZone", Ty::STRING),
            opt("format", FMT),
        ],
        "String",
        "Converts a timestamp from one time zone to another.",
        "convertTimeZone('2018-01-01T08:00:00.0000000Z', 'UTC', 'Pacific Standard Time') → '2018-01-01T00:00:00.0000000'",
        convert_time_zone,
    ),
    Function::eager(
        "convertToUtc",
        Category::DateTime,
        &[req("timestamp", TS), req("sourceTimeZone", Ty::STRING), opt("format", FMT)],
        "String",
        "Converts a timestamp from a time zone to UTC.",
        "convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time') → '2018-01-01T08:00:00.0000000Z'",
        convert_to_utc,
    ),
    Function::eager(
        "dateDifference",
        Category::DateTime,
        &[req("startDate", TS), req("endDate", TS)],
        "String",
        "The time span from startDate to endDate, as .NET writes a TimeSpan ([-]d.hh:mm:ss.fffffff).",
        "dateDifference('2015-02-08', '2018-07-30') → '1268.00:00:00'",
        date_difference,
    ),
    Function::eager(
        "dayOfMonth",
        Category::DateTime,
        &[req("timestamp", TS)],
        "Integer",
        "The day of the month of a timestamp.",
        "dayOfMonth('2018-03-15T13:27:36Z') → 15",
        day_of_month,
    ),
    Function::eager(
        "dayOfWeek",
        Category::DateTime,
        &[req("timestamp", TS)],
        "Integer",
        "The day of the week of a timestamp (Sunday is 0).",
        "dayOfWeek('2018-03-15T13:27:36Z') → 4",
        day_of_week,
    ),
    Function::eager(
        "dayOfYear",
        Category::DateTime,
        &[req("timestamp", TS)],
        "Integer",
        "The day of the year of a timestamp (January 1 is 1).",
        "dayOfYear('2018-03-15T13:27:36Z') → 74",
        day_of_year,
    ),
    Function::eager(
        "formatDateTime",
        Category::DateTime,
        &[req("timestamp", TS), opt("format", FMT), opt("locale", Ty::STRING)],
        "String",
        "Formats a timestamp with a .NET format string (default 'o') and culture (default en-US).",
        "formatDateTime('01/31/2016', 'dddd MMMM d', 'fr-FR') → 'dimanche janvier 31'",
        format_date_time,
    ),
    Function::eager(
        "formatTimeSpan",
        Category::DateTime,
        &[req("timespan", Ty::STRING.or(Ty::INT)), opt("format", FMT), opt("locale", Ty::STRING)],
        "String",
        "flowexpr extension: formats a time span (dateDifference's text, or ticks) with a .NET TimeSpan format.",
        "formatTimeSpan('1268.04:05:06', 'd'' days''') → '1268 days'",
        format_time_span,
    ),
    Function::eager(
        "getFutureTime",
        Category::DateTime,
        &[req("interval", Ty::INT), req("timeUnit", Ty::STRING), opt("format", FMT)],
        "String",
        "The current time plus a number of time units.",
        "getFutureTime(5, 'Day') → '2018-03-06T00:00:00.0000000Z'",
        get_future_time,
    ),
    Function::eager(
        "getPastTime",
        Category::DateTime,
        &[req("interval", Ty::INT), req("timeUnit", Ty::STRING), opt("format", FMT)],
        "String",
        "The current time minus a number of time units.",
        "getPastTime(5, 'Day') → '2018-01-27T00:00:00.0000000Z'",
        get_past_time,
    ),
    Function::eager(
        "parseDateTime",
        Category::DateTime,
        &[req("timestamp", TS), opt("locale", Ty::STRING), opt("format", FMT)],
        "String",
        "Reads a culture-specific timestamp (note: locale before format) and returns it in the 'o' format.",
        "parseDateTime('20/10/2014', 'fr-FR') → '2014-10-20T00:00:00.0000000'",
        parse_date_time,
    ),
    Function::eager(
        "startOfDay",
        Category::DateTime,
        &[req("timestamp", TS), opt("format", FMT)],
        "String",
        "The timestamp with its time set to midnight.",
        "startOfDay('2018-03-15T13:30:30Z') → '2018-03-15T00:00:00.0000000Z'",
        start_of_day,
    ),
    Function::eager(
        "startOfHour",
        Category::DateTime,
        &[req("timestamp", TS), opt("format", FMT)],
        "String",
        "The timestamp with its minutes and seconds set to zero.",
        "startOfHour('2018-03-15T13:30:30Z') → '2018-03-15T13:00:00.0000000Z'",
        start_of_hour,
    ),
    Function::eager(
        "startOfMonth",
        Category::DateTime,
        &[req("timestamp", TS), opt("format", FMT)],
        "String",
        "The first day of the timestamp's month, at midnight.",
        "startOfMonth('2018-03-15T13:30:30Z') → '2018-03-01T00:00:00.0000000Z'",
        start_of_month,
    ),
    Function::eager(
        "subtractFromTime",
        Category::DateTime,
        &[req("timestamp", TS), req("interval", Ty::INT), req("timeUnit", Ty::STRING), opt("format", FMT)],
        "String",
        "Subtracts a number of time units from a timestamp.",
        "subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day') → '2018-01-01T00:00:00.0000000Z'",
        subtract_from_time,
    ),
    Function::eager(
        "ticks",
        Category::DateTime,
        &[req("timestamp", TS)],
        "Integer",
        "The .NET ticks (100-nanosecond intervals since 0001-01-01T00:00:00) of a timestamp.",
        "ticks('2018-03-15T00:00:00Z') → 636566688000000000",
        ticks,
    ),
    Function::eager(
        "utcNow",
        Category::DateTime,
        &[opt("format", FMT)],
        "String",
        "The current UTC time (the run's clock), by default in the 'o' format.",
        "utcNow('u') → '2025-09-25 05:18:31Z'",
        utc_now,
    ),
];

/// The current time as a UTC timestamp.
fn now(call: &Call<'_, '_>) -> Timestamp {
    let now = call.now().naive_utc();
    let days = i64::from(now.date().num_days_from_ce()) - 1;
    let ticks = days * TICKS_PER_DAY
        + i64::from(now.num_seconds_from_midnight()) * TICKS_PER_SECOND
        // A leap second shows as nanoseconds past 1e9; .NET has none.
        + i64::from(now.nanosecond().min(999_999_999)) / 100;
    Timestamp::from_ticks(ticks, Kind::Utc).unwrap_or(Timestamp { ticks: 0, kind: Kind::Utc })
}

/// Today's date by the run's clock, for inputs that give only a time.
fn today(call: &Call<'_, '_>) -> (i32, u32, u32) {
    let d = call.now().date_naive();
    (d.year(), d.month(), d.day())
}

/// The timestamp argument `index`, read as .NET's `DateTime.Parse` would.
fn timestamp_arg(call: &Call<'_, '_>, args: &Args<'_>, index: usize) -> Result<Timestamp> {
    let text = match args.value(index) {
        Value::String(s) => s.clone(),
        Value::Null => "".into(),
        _ => return Err(args.type_error(index, "of type string")),
    };
    timestamp::parse(&text, &Culture::en_us(), today(call))
        .ok_or_else(|| invalid_timestamp(call, args, index, &text))
}

fn invalid_timestamp(call: &Call<'_, '_>, args: &Args<'_>, index: usize, text: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "In function '{}', the value provided for date time string '{text}' was not valid. The datetime string must match ISO 8601 format.",
            call.name()
        ),
    )
    .with_span(args.span(index))
}

/// The culture argument `index`; en-US when it is not given.
fn culture_arg(args: &Args<'_>, index: usize) -> Result<Culture> {
    match args.opt_str(index)? {
        None => Ok(Culture::en_us()),
        Some(name) => culture_named(args, index, name),
    }
}

/// The culture called `name`, or the service's error for an unknown one.
pub(crate) fn culture_named(args: &Args<'_>, index: usize, name: &str) -> Result<Culture> {
    Culture::find(name).ok_or_else(|| {
        args.invalid(
            index,
            format!(
                "expects its {} parameter to be a valid culture name. Culture is not supported: '{name}' is an invalid culture identifier.",
                ordinal(index)
            ),
        )
    })
}

fn invalid_format(args: &Args<'_>, index: usize, format: &str) -> Error {
    args.invalid(
        index,
        format!(
            "expects its {} parameter to be a valid .NET date and time format string. The provided format '{format}' is not valid.",
            ordinal(index)
        ),
    )
}

fn out_of_range(call: &Call<'_, '_>) -> Error {
    call.error(
        "produced a date outside the range .NET supports (0001-01-01 to 9999-12-31): the added or subtracted value results in an un-representable DateTime.",
    )
}

/// Formats the result with the optional format argument `index` (default `o`, culture
/// en-US).
fn output(call: &mut Call<'_, '_>, args: &Args<'_>, t: Timestamp, index: usize) -> Result<Value> {
    let format = args.opt_str(index)?.unwrap_or("o");
    write(call, args, t, format, &Culture::en_us(), index)
}

fn write(
    call: &mut Call<'_, '_>,
    args: &Args<'_>,
    t: Timestamp,
    format: &str,
    culture: &Culture,
    format_index: usize,
) -> Result<Value> {
    call.charge(format.len() as u64 / 16)?;
    let text = format::format(&t, format, culture).map_err(|e| match e {
        FormatError::Invalid => invalid_format(args, format_index, format),
        FormatError::OutsideCalendar(calendar) => args.invalid(
            0,
            format!(
                "could not be formatted: specified time is not supported in this calendar ({}). It should be {}, inclusive.",
                calendar.name(),
                calendar.supported_range()
            ),
        ),
    })?;
    call.check_string_length(text.chars().count())?;
    Ok(Value::string(text))
}

fn add_ticks(call: &mut Call<'_, '_>, args: Args<'_>, unit: i64) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let n = args.int(1)?;
    let t = t.add_ticks(i128::from(n) * i128::from(unit)).ok_or_else(|| out_of_range(call))?;
    output(call, &args, t, 2)
}

fn add_days(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    add_ticks(call, args, TICKS_PER_DAY)
}

fn add_hours(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    add_ticks(call, args, TICKS_PER_HOUR)
}

fn add_minutes(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    add_ticks(call, args, TICKS_PER_MINUTE)
}

fn add_seconds(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    add_ticks(call, args, TICKS_PER_SECOND)
}

/// A time unit of `addToTime`, `subtractFromTime`, `getFutureTime`, `getPastTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Ticks(i64),
    Months(i64),
}

fn unit_arg(args: &Args<'_>, index: usize) -> Result<Unit> {
    let name = args.str(index)?;
    let unit = match name.to_ascii_lowercase().as_str() {
        "second" => Unit::Ticks(TICKS_PER_SECOND),
        "minute" => Unit::Ticks(TICKS_PER_MINUTE),
        "hour" => Unit::Ticks(TICKS_PER_HOUR),
        "day" => Unit::Ticks(TICKS_PER_DAY),
        "week" => Unit::Ticks(7 * TICKS_PER_DAY),
        "month" => Unit::Months(1),
        "year" => Unit::Months(12),
        _ => {
            return Err(args.invalid(
                index,
                format!(
                    "expects its {} parameter to be a time unit: 'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month' or 'Year'. The provided value is '{name}'.",
                    ordinal(index)
                ),
            ))
        }
    };
    Ok(unit)
}

fn shift(call: &Call<'_, '_>, t: Timestamp, interval: i64, unit: Unit) -> Result<Timestamp> {
    let shifted = match unit {
        Unit::Ticks(per) => t.add_ticks(i128::from(interval) * i128::from(per)),
        Unit::Months(per) => interval.checked_mul(per).and_then(|m| t.add_months(m)),
    };
    shifted.ok_or_else(|| out_of_range(call))
}

fn add_to_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let interval = args.int(1)?;
    let unit = unit_arg(&args, 2)?;
    let t = shift(call, t, interval, unit)?;
    output(call, &args, t, 3)
}

fn subtract_from_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let interval = args.int(1)?.checked_neg().ok_or_else(|| out_of_range(call))?;
    let unit = unit_arg(&args, 2)?;
    let t = shift(call, t, interval, unit)?;
    output(call, &args, t, 3)
}

fn get_future_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let interval = args.int(0)?;
    let unit = unit_arg(&args, 1)?;
    let t = shift(call, now(call), interval, unit)?;
    output(call, &args, t, 2)
}

fn get_past_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let interval = args.int(0)?.checked_neg().ok_or_else(|| out_of_range(call))?;
    let unit = unit_arg(&args, 1)?;
    let t = shift(call, now(call), interval, unit)?;
    output(call, &args, t, 2)
}

fn utc_now(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = now(call);
    output(call, &args, t, 0)
}

fn zone_arg(args: &Args<'_>, index: usize) -> Result<Zone> {
    let name = args.str(index)?;
    Zone::find(name).ok_or_else(|| {
        args.invalid(
            index,
            format!(
                "expects its {} parameter to be a valid time zone. The time zone '{name}' was not found: use a Windows time zone ID such as 'Pacific Standard Time' (or an IANA name such as 'America/Los_Angeles').",
                ordinal(index)
            ),
        )
    })
}

fn convert_error(call: &Call<'_, '_>, args: &Args<'_>, e: ConvertError) -> Error {
    match e {
        ConvertError::OutOfRange => out_of_range(call),
        ConvertError::Invalid => args.invalid(
            0,
            format!(
                "was given '{}', which is not a valid time in its source time zone: it falls in the hour skipped when clocks go forward.",
                args.text(0)
            ),
        ),
    }
}

/// The UTC instant of a timestamp read in `source`, with .NET's rule that a UTC (or
/// offset, hence server-local, which is UTC) timestamp may only come from UTC.
fn instant_in(call: &Call<'_, '_>, args: &Args<'_>, t: Timestamp, source: &Zone) -> Result<i64> {
    match t.kind {
        Kind::Unspecified => source.instant_of(t.ticks).map_err(|e| convert_error(call, args, e)),
        Kind::Utc | Kind::Local if source.is_utc() => Ok(t.ticks),
        Kind::Utc | Kind::Local => Err(args.invalid(
            0,
            format!(
                "cannot read '{}' in the time zone '{}': the timestamp is already in UTC (it ends in 'Z' or an offset), so its source time zone must be 'UTC'. The conversion could not be completed because the supplied DateTime did not have the Kind property set correctly.",
                args.text(0),
                args.text(1)
            ),
        )),
    }
}

/// The clock time in `destination` of a UTC instant: UTC-kind in UTC, no kind elsewhere.
fn clock_in(call: &Call<'_, '_>, args: &Args<'_>, utc: i64, destination: &Zone) -> Result<Timestamp> {
    if destination.is_utc() {
        return Timestamp::from_ticks(utc, Kind::Utc).ok_or_else(|| out_of_range(call));
    }
    destination.clock_at(utc).map_err(|e| convert_error(call, args, e))
}

fn convert_from_utc(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let destination = zone_arg(&args, 1)?;
    if t.kind == Kind::Local {
        return Err(args.invalid(
            0,
            format!(
                "expects its first parameter to be a string that contains a UTC date time. The value was '{}'.",
                args.text(0)
            ),
        ));
    }
    let t = clock_in(call, &args, t.ticks, &destination)?;
    output(call, &args, t, 2)
}

fn convert_to_utc(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let source = zone_arg(&args, 1)?;
    let utc = instant_in(call, &args, t, &source)?;
    let t = Timestamp::from_ticks(utc, Kind::Utc).ok_or_else(|| out_of_range(call))?;
    output(call, &args, t, 2)
}

fn convert_time_zone(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let source = zone_arg(&args, 1)?;
    let destination = zone_arg(&args, 2)?;
    let utc = instant_in(call, &args, t, &source)?;
    let t = clock_in(call, &args, utc, &destination)?;
    output(call, &args, t, 3)
}

fn date_difference(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let start = timestamp_arg(call, &args, 0)?;
    let end = timestamp_arg(call, &args, 1)?;
    Ok(Value::string(TimeSpan(end.ticks - start.ticks).to_constant()))
}

fn day_of_month(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Int(i64::from(timestamp_arg(call, &args, 0)?.fields().day)))
}

fn day_of_week(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Int(i64::from(timestamp_arg(call, &args, 0)?.fields().weekday)))
}

fn day_of_year(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Int(i64::from(timestamp_arg(call, &args, 0)?.fields().day_of_year)))
}

fn format_date_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let format = args.opt_str(1)?.unwrap_or("o");
    let culture = culture_arg(&args, 2)?;
    write(call, &args, t, format, &culture, 1)
}

fn format_time_span(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let span = match args.value(0) {
        Value::Int(ticks) => TimeSpan(*ticks),
        Value::String(s) => TimeSpan::parse(s).ok_or_else(|| {
            args.invalid(
                0,
                format!("expects its first parameter to be a time span such as '1.02:03:04.5'. The value was '{s}'."),
            )
        })?,
        _ => return Err(args.type_error(0, "a time span string or a number of ticks")),
    };
    let format = args.opt_str(1)?.unwrap_or("c");
    let culture = match args.opt_str(2)? {
        None => Culture::en_us(),
        Some(name) => culture_named(&args, 2, name)?,
    };
    call.charge(format.len() as u64 / 16)?;
    let text = span.format(format, &culture).map_err(|InvalidFormat| {
        args.invalid(
            1,
            format!("expects its second parameter to be a valid .NET TimeSpan format string. The provided format '{format}' is not valid."),
        )
    })?;
    call.check_string_length(text.chars().count())?;
    Ok(Value::string(text))
}

fn parse_date_time(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let text = match args.value(0) {
        Value::String(s) => s.clone(),
        Value::Null => "".into(),
        _ => return Err(args.type_error(0, "of type string")),
    };
    let culture = culture_arg(&args, 1)?;
    let parsed = match args.opt_str(2)? {
        Some(format) => format::parse_exact(&text, format, &culture, today(call))
            .map_err(|InvalidFormat| invalid_format(&args, 2, format))?,
        None => timestamp::parse(&text, &culture, today(call)),
    };
    let t = parsed.ok_or_else(|| {
        args.invalid(
            0,
            format!(
                "could not parse '{text}' as a date and time in the culture '{}'{}.",
                if culture.is_invariant() { "invariant" } else { culture.name() },
                args.opt_str(2).ok().flatten().map(|f| format!(" with the format '{f}'")).unwrap_or_default()
            ),
        )
    })?;
    write(call, &args, t, "o", &Culture::invariant(), 0)
}

fn start_of_day(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?.start_of_day();
    output(call, &args, t, 1)
}

fn start_of_hour(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?;
    let t = Timestamp { ticks: t.ticks - t.ticks.rem_euclid(TICKS_PER_HOUR), kind: t.kind };
    output(call, &args, t, 1)
}

fn start_of_month(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let t = timestamp_arg(call, &args, 0)?.start_of_day();
    let day = i64::from(t.fields().day) - 1;
    let t = Timestamp { ticks: t.ticks - day * TICKS_PER_DAY, kind: t.kind };
    output(call, &args, t, 1)
}

fn ticks(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Int(timestamp_arg(call, &args, 0)?.ticks))
}

#[cfg(test)]
mod tests;
