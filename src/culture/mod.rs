//! Cultures: the day and month names, date and time patterns and number symbols that
//! `formatDateTime`, `parseDateTime`, `float`, `isFloat` and `formatNumber` use.
//!
//! The data is .NET's `DateTimeFormatInfo` / `NumberFormatInfo` of every culture .NET
//! knows, as .NET reads the Unicode CLDR through ICU, generated into `data.rs` by
//! `tools/gen_culture_data.py` (see there for the places where the service's Windows data
//! is followed instead). The invariant culture is .NET's fixed one and lives here. A
//! culture's default calendar ([`Calendar`]) decides its years, months and era.
//!
//! A culture is a set of borrowed strings: looking one up walks its CLDR parent chain
//! (en-IE → en-001 → en) and allocates nothing.

mod calendar;
mod calendar_data;
mod data;

use std::fmt;

pub(crate) use calendar::{Calendar, CalendarDate};

/// One generated culture: its name, its parent's index in the table and the fields that
/// differ from the parent (see `FIELDS` in `data.rs` for the order).
pub(crate) struct Entry {
    name: &'static str,
    parent: u16,
    data: &'static str,
}

const NO_PARENT: u16 = u16::MAX;
const FIELD_SEP: char = '\x1f';
const LIST_SEP: char = '\x1e';
const EMPTY: &str = "\x02";
const SAME: &str = "\x03";

// Field indices, in the generator's order.
const DAYS: usize = 0;
const ABBR_DAYS: usize = 1;
const MONTHS: usize = 2;
const ABBR_MONTHS: usize = 3;
const GEN_MONTHS: usize = 4;
const ABBR_GEN_MONTHS: usize = 5;
const AM: usize = 6;
const PM: usize = 7;
const SHORT_DATE: usize = 8;
const LONG_DATE: usize = 9;
const SHORT_TIME: usize = 10;
const LONG_TIME: usize = 11;
const MONTH_DAY: usize = 12;
const YEAR_MONTH: usize = 13;
const DATE_SEP: usize = 14;
const TIME_SEP: usize = 15;
const DECIMAL: usize = 16;
const GROUP: usize = 17;
const GROUP_SIZES: usize = 18;
const MINUS: usize = 19;
const PLUS: usize = 20;
const PERCENT: usize = 21;
const PERMILLE: usize = 22;
const NAN: usize = 23;
const INF: usize = 24;
const NEG_INF: usize = 25;
const CURRENCY: usize = 26;
const CURRENCY_DIGITS: usize = 27;
const CUR_POS: usize = 28;
const CUR_NEG: usize = 29;
const PCT_POS: usize = 30;
const PCT_NEG: usize = 31;
const NUM_NEG: usize = 32;
const CALENDAR: usize = 33;
const ERA: usize = 34;
const ABBR_ERA: usize = 35;
const CUR_DECIMAL: usize = 36;
const CUR_GROUP: usize = 37;
const CUR_GROUP_SIZES: usize = 38;
const GREG_MONTHS: usize = 39;
const GREG_ABBR_MONTHS: usize = 40;
const GREG_GEN_MONTHS: usize = 41;
const GREG_ABBR_GEN_MONTHS: usize = 42;
const GREG_ERA: usize = 43;
const GREG_FULL: usize = 44;
const FIELD_COUNT: usize = 45;

/// .NET's invariant culture, field by field.
const INVARIANT: [&str; FIELD_COUNT] = [
    "Sunday\x1eMonday\x1eTuesday\x1eWednesday\x1eThursday\x1eFriday\x1eSaturday",
    "Sun\x1eMon\x1eTue\x1eWed\x1eThu\x1eFri\x1eSat",
    "January\x1eFebruary\x1eMarch\x1eApril\x1eMay\x1eJune\x1eJuly\x1eAugust\x1eSeptember\x1eOctober\x1eNovember\x1eDecember",
    "Jan\x1eFeb\x1eMar\x1eApr\x1eMay\x1eJun\x1eJul\x1eAug\x1eSep\x1eOct\x1eNov\x1eDec",
    SAME,
    SAME,
    "AM",
    "PM",
    "MM/dd/yyyy",
    "dddd, dd MMMM yyyy",
    "HH:mm",
    "HH:mm:ss",
    "MMMM dd",
    "yyyy MMMM",
    "/",
    ":",
    ".",
    ",",
    "3",
    "-",
    "+",
    "%",
    "\u{2030}",
    "NaN",
    "Infinity",
    "-Infinity",
    "\u{a4}",
    "2",
    "0",
    "0",
    "0",
    "0",
    "1",
    "g",
    "A.D.",
    "AD",
    ".",
    ",",
    "3",
    SAME,
    SAME,
    SAME,
    SAME,
    SAME,
    SAME,
];

/// A culture's formatting data (.NET `CultureInfo`), borrowed from the static tables.
#[derive(Clone, Copy)]
pub(crate) struct Culture {
    name: &'static str,
    fields: [&'static str; FIELD_COUNT],
}

impl fmt::Debug for Culture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Culture({})", if self.name.is_empty() { "invariant" } else { self.name })
    }
}

/// Where the generated data comes from (for `--version` style reports).
#[allow(dead_code)]
pub(crate) const DATA_SOURCE: &str = data::SOURCE;

impl Culture {
    /// The invariant culture (`''`).
    pub(crate) fn invariant() -> Culture {
        Culture { name: "", fields: INVARIANT }
    }

    /// en-US, the service's default culture.
    pub(crate) fn en_us() -> Culture {
        // The generated table always has en-US; the invariant culture is the closest
        // stand-in should a regenerated table ever lack it.
        Culture::find("en-US").unwrap_or_else(Culture::invariant)
    }

    /// The culture with this name, matched without regard to case (`''` is the invariant
    /// culture). `None` for a name the table does not know.
    pub(crate) fn find(name: &str) -> Option<Culture> {
        let name = name.trim();
        if name.is_empty() {
            return Some(Culture::invariant());
        }
        let table = &data::CULTURES;
        let index = table.binary_search_by(|e| cmp_culture_names(e.name, name)).ok()?;
        // Decoding walks the packed table and its parent chain; do it once per culture.
        static DECODED: std::sync::OnceLock<Box<[std::sync::OnceLock<Option<Culture>>]>> =
            std::sync::OnceLock::new();
        let decoded = DECODED.get_or_init(|| table.iter().map(|_| std::sync::OnceLock::new()).collect());
        *decoded.get(index)?.get_or_init(|| Culture::decode(index))
    }

    fn decode(index: usize) -> Option<Culture> {
        let table = &data::CULTURES;
        let mut fields = [""; FIELD_COUNT];
        let mut filled = 0;
        let mut at = index;
        // The parent chain is at most a few links long; the bound guards a malformed table.
        for _ in 0..8 {
            let entry = table.get(at)?;
            for (i, value) in entry.data.split(FIELD_SEP).enumerate().take(FIELD_COUNT) {
                if fields[i].is_empty() && !value.is_empty() {
                    fields[i] = value;
                    filled += 1;
                }
            }
            if entry.parent == NO_PARENT || filled == FIELD_COUNT {
                break;
            }
            at = usize::from(entry.parent);
        }
        for (i, field) in fields.iter_mut().enumerate() {
            if field.is_empty() {
                *field = INVARIANT[i];
            } else if *field == EMPTY {
                *field = "";
            }
        }
        Some(Culture { name: table.get(index)?.name, fields })
    }

    /// The names of every culture in the table, as .NET spells them, in table order (the
    /// invariant culture, `''`, is not among them). For tests that go through every culture.
    #[cfg(test)]
    pub(crate) fn names() -> impl Iterator<Item = &'static str> {
        data::CULTURES.iter().map(|e| e.name)
    }

    /// The culture's name as .NET spells it (`''` for the invariant culture).
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Is this the invariant culture?
    pub(crate) fn is_invariant(&self) -> bool {
        self.name.is_empty()
    }

    fn list(&self, field: usize, index: usize) -> &'static str {
        self.fields[field].split(LIST_SEP).nth(index).unwrap_or("")
    }

    /// The full name of a day (0 = Sunday).
    pub(crate) fn day_name(&self, day: usize) -> &'static str {
        self.list(DAYS, day)
    }

    /// The abbreviated name of a day (0 = Sunday).
    pub(crate) fn abbr_day_name(&self, day: usize) -> &'static str {
        self.list(ABBR_DAYS, day)
    }

    /// The full name of a month (1-based), stand-alone or, with `genitive`, the form used
    /// next to a day number.
    pub(crate) fn month_name(&self, month: usize, genitive: bool) -> &'static str {
        let field = if genitive && self.fields[GEN_MONTHS] != SAME { GEN_MONTHS } else { MONTHS };
        self.list(field, month.saturating_sub(1))
    }

    /// The abbreviated name of a month (1-based).
    pub(crate) fn abbr_month_name(&self, month: usize, genitive: bool) -> &'static str {
        let field =
            if genitive && self.fields[ABBR_GEN_MONTHS] != SAME { ABBR_GEN_MONTHS } else { ABBR_MONTHS };
        self.list(field, month.saturating_sub(1))
    }

    /// Every day name, full then abbreviated, with its day number (0 = Sunday).
    pub(crate) fn day_names(&self) -> impl Iterator<Item = (usize, &'static str)> + use<> {
        let fields = self.fields;
        fields[DAYS].split(LIST_SEP).enumerate().chain(fields[ABBR_DAYS].split(LIST_SEP).enumerate())
    }

    /// Every month name (stand-alone, genitive, full and abbreviated) with its month
    /// number (1-based).
    pub(crate) fn month_names(&self) -> impl Iterator<Item = (usize, &'static str)> + use<> {
        let fields = self.fields;
        [MONTHS, GEN_MONTHS, ABBR_MONTHS, ABBR_GEN_MONTHS]
            .into_iter()
            .filter(move |f| fields[*f] != SAME)
            .flat_map(move |f| fields[f].split(LIST_SEP).enumerate().map(|(i, n)| (i + 1, n)))
    }

    /// The AM designator.
    pub(crate) fn am(&self) -> &'static str {
        self.fields[AM]
    }

    /// The PM designator.
    pub(crate) fn pm(&self) -> &'static str {
        self.fields[PM]
    }

    /// `d`.
    pub(crate) fn short_date_pattern(&self) -> &'static str {
        self.fields[SHORT_DATE]
    }

    /// `D`.
    pub(crate) fn long_date_pattern(&self) -> &'static str {
        self.fields[LONG_DATE]
    }

    /// `t`.
    pub(crate) fn short_time_pattern(&self) -> &'static str {
        self.fields[SHORT_TIME]
    }

    /// `T`.
    pub(crate) fn long_time_pattern(&self) -> &'static str {
        self.fields[LONG_TIME]
    }

    /// `M` / `m`.
    pub(crate) fn month_day_pattern(&self) -> &'static str {
        self.fields[MONTH_DAY]
    }

    /// `Y` / `y`.
    pub(crate) fn year_month_pattern(&self) -> &'static str {
        self.fields[YEAR_MONTH]
    }

    /// What `/` in a date format writes.
    pub(crate) fn date_separator(&self) -> &'static str {
        self.fields[DATE_SEP]
    }

    /// What `:` in a date format writes.
    pub(crate) fn time_separator(&self) -> &'static str {
        self.fields[TIME_SEP]
    }

    /// The decimal separator.
    pub(crate) fn decimal_separator(&self) -> &'static str {
        self.fields[DECIMAL]
    }

    /// The group (thousands) separator.
    pub(crate) fn group_separator(&self) -> &'static str {
        self.fields[GROUP]
    }

    /// The digit group sizes, innermost first; the last one repeats (`[3]`, or `[3, 2]`
    /// for en-IN). Empty: no grouping.
    pub(crate) fn group_sizes(&self) -> Vec<usize> {
        self.fields[GROUP_SIZES].split(';').filter_map(|s| s.parse().ok()).collect()
    }

    /// The negative sign.
    pub(crate) fn negative_sign(&self) -> &'static str {
        self.fields[MINUS]
    }

    /// The positive sign.
    pub(crate) fn positive_sign(&self) -> &'static str {
        self.fields[PLUS]
    }

    /// The percent symbol.
    pub(crate) fn percent_symbol(&self) -> &'static str {
        self.fields[PERCENT]
    }

    /// The per-mille symbol.
    pub(crate) fn permille_symbol(&self) -> &'static str {
        self.fields[PERMILLE]
    }

    /// The text of NaN.
    pub(crate) fn nan_symbol(&self) -> &'static str {
        self.fields[NAN]
    }

    /// The text of positive infinity.
    pub(crate) fn positive_infinity(&self) -> &'static str {
        self.fields[INF]
    }

    /// The text of negative infinity.
    pub(crate) fn negative_infinity(&self) -> &'static str {
        self.fields[NEG_INF]
    }

    /// The currency symbol.
    pub(crate) fn currency_symbol(&self) -> &'static str {
        self.fields[CURRENCY]
    }

    fn number(&self, field: usize) -> usize {
        self.fields[field].parse().unwrap_or(0)
    }

    /// The default number of decimals of `C`.
    pub(crate) fn currency_digits(&self) -> usize {
        self.number(CURRENCY_DIGITS)
    }

    /// .NET `CurrencyPositivePattern` (0–3).
    pub(crate) fn currency_positive_pattern(&self) -> usize {
        self.number(CUR_POS)
    }

    /// .NET `CurrencyNegativePattern` (0–16).
    pub(crate) fn currency_negative_pattern(&self) -> usize {
        self.number(CUR_NEG)
    }

    /// .NET `PercentPositivePattern` (0–3).
    pub(crate) fn percent_positive_pattern(&self) -> usize {
        self.number(PCT_POS)
    }

    /// .NET `PercentNegativePattern` (0–11).
    pub(crate) fn percent_negative_pattern(&self) -> usize {
        self.number(PCT_NEG)
    }

    /// The culture with its currency separators in place of the number ones (`C` writes
    /// `CurrencyDecimalSeparator` and `CurrencyGroupSeparator`: `€ 3.240,17` in de-AT,
    /// whose numbers group with a space).
    pub(crate) fn for_currency(&self) -> Culture {
        let mut fields = self.fields;
        fields[DECIMAL] = self.fields[CUR_DECIMAL];
        fields[GROUP] = self.fields[CUR_GROUP];
        fields[GROUP_SIZES] = self.fields[CUR_GROUP_SIZES];
        Culture { name: self.name, fields }
    }

    /// The culture's default calendar.
    pub(crate) fn calendar(&self) -> Calendar {
        Calendar::from_code(self.fields[CALENDAR])
    }

    /// The name of the current era of the default calendar (`gg`, `g`).
    pub(crate) fn era_name(&self) -> &'static str {
        self.fields[ERA]
    }

    /// The abbreviated era name (.NET `GetAbbreviatedEraName`).
    pub(crate) fn abbr_era_name(&self) -> &'static str {
        self.fields[ABBR_ERA]
    }

    /// The culture as .NET formats `U` with it: in the Gregorian calendar, whose month names
    /// and era replace those of a culture's other default calendar (`U` in ar-SA writes
    /// `أكتوبر 1989 م`, not the Um Al Qura date). A Gregorian culture is itself.
    pub(crate) fn gregorian(&self) -> Culture {
        if self.calendar() == Calendar::Gregorian {
            return *self;
        }
        let mut fields = self.fields;
        for (to, from) in [
            (MONTHS, GREG_MONTHS),
            (ABBR_MONTHS, GREG_ABBR_MONTHS),
            (GEN_MONTHS, GREG_GEN_MONTHS),
            (ABBR_GEN_MONTHS, GREG_ABBR_GEN_MONTHS),
            (ERA, GREG_ERA),
        ] {
            fields[to] = self.fields[from];
        }
        fields[CALENDAR] = "g";
        Culture { name: self.name, fields }
    }

    /// The `FullDateTimePattern` of the Gregorian calendar, for a culture whose default
    /// calendar is another one (`None` otherwise: `U` is then the long date and time).
    pub(crate) fn gregorian_full_pattern(&self) -> Option<&'static str> {
        (self.fields[GREG_FULL] != SAME).then_some(self.fields[GREG_FULL])
    }

    /// .NET `NumberNegativePattern` (0–4).
    pub(crate) fn number_negative_pattern(&self) -> usize {
        self.number(NUM_NEG)
    }
}

/// Compares culture names without regard to ASCII case, reading `_` as `-` (`en_US` is
/// `en-US`).
fn cmp_culture_names(a: &str, b: &str) -> std::cmp::Ordering {
    let norm = |c: u8| if c == b'_' { b'-' } else { c.to_ascii_lowercase() };
    a.bytes().map(norm).cmp(b.bytes().map(norm))
}

#[cfg(test)]
mod tests {
    use super::Culture;

    fn get(name: &str) -> Culture {
        Culture::find(name).unwrap_or_else(|| panic!("{name} is in the table"))
    }

    #[test]
    fn table_is_sorted_for_binary_search() {
        let names: Vec<String> = super::data::CULTURES.iter().map(|e| e.name.to_ascii_lowercase()).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for e in super::data::CULTURES.iter() {
            assert!(e.parent == super::NO_PARENT || usize::from(e.parent) < names.len(), "{}", e.name);
            assert!(e.data.split(super::FIELD_SEP).count() <= super::FIELD_COUNT, "{}", e.name);
        }
        assert_eq!(super::data::FIELDS.len(), super::FIELD_COUNT);
    }

    #[test]
    fn names_are_case_insensitive_and_unknown_ones_fail() {
        assert_eq!(get("fr-fr").name(), "fr-FR");
        assert_eq!(get("FR-FR").name(), "fr-FR");
        assert_eq!(get("de_DE").name(), "de-DE");
        assert!(get("").is_invariant());
        assert!(Culture::find("xx-XX").is_none());
        assert!(Culture::find("en-US-x").is_none());
        assert_eq!(get("zh-CN").name(), "zh-CN");
        assert_eq!(get("zh-CN").month_name(1, false), "一月");
    }

    #[test]
    fn en_us_matches_dotnet() {
        let c = Culture::en_us();
        assert_eq!(c.short_date_pattern(), "M/d/yyyy");
        assert_eq!(c.long_date_pattern(), "dddd, MMMM d, yyyy");
        assert_eq!(c.short_time_pattern(), "h:mm tt");
        assert_eq!(c.long_time_pattern(), "h:mm:ss tt");
        assert_eq!(c.month_day_pattern(), "MMMM d");
        assert_eq!(c.year_month_pattern(), "MMMM yyyy");
        assert_eq!((c.am(), c.pm()), ("AM", "PM"));
        assert_eq!(c.day_name(0), "Sunday");
        assert_eq!(c.abbr_day_name(4), "Thu");
        assert_eq!(c.month_name(9, false), "September");
        assert_eq!(c.abbr_month_name(9, true), "Sep");
        assert_eq!((c.decimal_separator(), c.group_separator()), (".", ","));
        assert_eq!(c.group_sizes(), vec![3]);
        assert_eq!(c.currency_symbol(), "$");
        assert_eq!(c.nan_symbol(), "NaN");
        assert_eq!(c.positive_infinity(), "\u{221e}");
    }

    #[test]
    fn european_cultures() {
        let fr = get("fr-FR");
        assert_eq!(fr.day_name(0), "dimanche");
        assert_eq!(fr.month_name(1, false), "janvier");
        assert_eq!(fr.short_date_pattern(), "dd/MM/yyyy");
        assert_eq!(fr.decimal_separator(), ",");
        assert_eq!(fr.currency_symbol(), "\u{20ac}");
        let de = get("de-DE");
        assert_eq!((de.decimal_separator(), de.group_separator()), (",", "."));
        assert_eq!(de.date_separator(), ".");
        assert_eq!(get("es-ES").day_name(2), "martes");
        assert_eq!(get("is-IS").currency_symbol(), "kr");
        assert_eq!(get("en-IN").group_sizes(), vec![3, 2]);
        assert_eq!(get("ru-RU").month_name(1, true), "января");
        assert_eq!(get("ru-RU").month_name(1, false), "январь");
    }

    #[test]
    fn gregorian_names_for_u() {
        let ar = get("ar-SA");
        assert_ne!(ar.month_name(10, false), "أكتوبر");
        let g = ar.gregorian();
        assert_eq!(g.month_name(10, false), "أكتوبر");
        assert_eq!(g.era_name(), "م");
        assert_eq!(g.calendar(), super::Calendar::Gregorian);
        assert_eq!(ar.gregorian_full_pattern(), Some("dddd، d MMMM yyyy g h:mm:ss tt"));
        let fr = get("fr-FR");
        assert_eq!(fr.gregorian().month_name(1, false), "janvier");
        assert_eq!(fr.gregorian_full_pattern(), None);
    }

    #[test]
    fn invariant_culture() {
        let c = Culture::invariant();
        assert_eq!(c.short_date_pattern(), "MM/dd/yyyy");
        assert_eq!(c.positive_infinity(), "Infinity");
        assert_eq!(c.month_name(12, true), "December");
        assert_eq!(c.currency_symbol(), "\u{a4}");
    }
}
