//! Date and time functions.

use super::{Category, Function};

const LATER: &str = "planned in the function-library issue (dates and times)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("addDays", Category::DateTime, "Adds days to a timestamp.", LATER),
    Function::missing("addHours", Category::DateTime, "Adds hours to a timestamp.", LATER),
    Function::missing("addMinutes", Category::DateTime, "Adds minutes to a timestamp.", LATER),
    Function::missing("addSeconds", Category::DateTime, "Adds seconds to a timestamp.", LATER),
    Function::missing("addToTime", Category::DateTime, "Adds a number of time units to a timestamp.", LATER),
    Function::missing(
        "convertFromUtc",
        Category::DateTime,
        "Converts a UTC timestamp to a time zone.",
        LATER,
    ),
    Function::missing(
        "convertTimeZone",
        Category::DateTime,
        "Converts a timestamp between time zones.",
        LATER,
    ),
    Function::missing(
        "convertToUtc",
        Category::DateTime,
        "Converts a timestamp from a time zone to UTC.",
        LATER,
    ),
    Function::missing("dateDifference", Category::DateTime, "The time span between two timestamps.", LATER),
    Function::missing("dayOfMonth", Category::DateTime, "The day of the month.", LATER),
    Function::missing("dayOfWeek", Category::DateTime, "The day of the week (Sunday is 0).", LATER),
    Function::missing("dayOfYear", Category::DateTime, "The day of the year.", LATER),
    Function::missing(
        "formatDateTime",
        Category::DateTime,
        "Formats a timestamp with a .NET format string.",
        LATER,
    ),
    Function::missing("getFutureTime", Category::DateTime, "Now plus a number of time units.", LATER),
    Function::missing("getPastTime", Category::DateTime, "Now minus a number of time units.", LATER),
    Function::missing("parseDateTime", Category::DateTime, "Parses a culture-specific timestamp.", LATER),
    Function::missing("startOfDay", Category::DateTime, "The start of the day of a timestamp.", LATER),
    Function::missing("startOfHour", Category::DateTime, "The start of the hour of a timestamp.", LATER),
    Function::missing("startOfMonth", Category::DateTime, "The start of the month of a timestamp.", LATER),
    Function::missing(
        "subtractFromTime",
        Category::DateTime,
        "Subtracts a number of time units from a timestamp.",
        LATER,
    ),
    Function::missing("ticks", Category::DateTime, "The .NET ticks of a timestamp.", LATER),
    Function::missing("utcNow", Category::DateTime, "The current UTC time.", LATER),
];
