#!/usr/bin/env python3
"""Generates src/culture/data.rs (culture tables) and src/functions/datetime/zones_data.rs
(the Windows -> IANA time zone map) from the Unicode CLDR, as shipped by the `babel`
package on PyPI.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install babel==2.19.0
    /tmp/venv/bin/python tools/gen_culture_data.py

Why CLDR: it is the data .NET itself uses on Linux and macOS (through ICU), it is
maintained by Unicode, and babel ships it as plain Python data. This script derives the
.NET `DateTimeFormatInfo` / `NumberFormatInfo` values the way .NET's ICU layer does
(System.Globalization.CalendarData.Icu / CultureData.Icu):

* ShortDatePattern = CLDR short date, with a lone `yy` widened to `yyyy`;
  LongDatePattern = CLDR full date; ShortTimePattern / LongTimePattern = CLDR short /
  medium time (only the fields .NET knows survive, `a` becomes `tt`, no-break spaces
  become spaces); MonthDayPattern / YearMonthPattern = the `MMMMd` / `yMMMM` skeletons.
* Day and month names are the stand-alone forms; genitive month names are the format
  forms; AM/PM are the abbreviated format day periods.
* Number symbols are those of the Latin numbering system; the .NET pattern numbers
  (CurrencyPositivePattern and so on) are found by matching the CLDR patterns against
  .NET's pattern tables.

The hosted Logic Apps service runs on Windows, whose NLS data differs from CLDR in a few
places. Where a documented example pins the service's output, OVERRIDES below follows
the service; each override says which example.

Every culture stores only the fields that differ from its CLDR parent (en-IE -> en-001 ->
en), so the ~800 cultures fit in a small table.
"""

import os
import re
import sys
import unicodedata

import babel
from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies
import babel.localedata as localedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Languages whose default .NET calendar is not the Gregorian one (Thai Buddhist, Persian,
# Hijri, Um Al Qura): formatting them with Gregorian data would be silently wrong, so they
# are left out and naming them is the "unknown culture" error.
NON_GREGORIAN = {"th", "fa", "ps", "dv", "lrc", "mzn", "ckb_IR", "ar_SA", "uz_Arab"}

EXTRA_LANGUAGES = {"fil", "haw", "chr", "kok", "yue", "sah", "quz", "moh", "smn", "sms", "smj", "sma"}

# Where the service's Windows (NLS) data is pinned by a documented example.
OVERRIDES = {
    # formatNumber(17.35, 'C2', 'is-IS') -> "17,35 kr" (expression-functions reference):
    # NLS writes the krona as "kr", CLDR as "kr.".
    "is-IS": {"currency": "kr"},
    "is": {"currency": "kr"},
}

# .NET's pattern tables (NumberFormatInfo.*Pattern): 'n' is the number, '$' the currency
# symbol, '%' the percent symbol, '-' the negative sign.
CURRENCY_POSITIVE = ["$n", "n$", "$ n", "n $"]
CURRENCY_NEGATIVE = ["($n)", "-$n", "$-n", "$n-", "(n$)", "-n$", "n-$", "n$-", "-n $", "-$ n",
                     "n $-", "$ n-", "$ -n", "n- $", "($ n)", "(n $)", "$- n"]
PERCENT_POSITIVE = ["n %", "n%", "%n", "% n"]
PERCENT_NEGATIVE = ["-n %", "-n%", "-%n", "%-n", "%n-", "n-%", "n%-", "-% n", "n %-", "% n-",
                    "% -n", "n- %"]
NUMBER_NEGATIVE = ["(n)", "-n", "- n", "n-", "n -"]

FIELDS = [
    "days", "abbr_days", "months", "abbr_months", "gen_months", "abbr_gen_months",
    "am", "pm", "short_date", "long_date", "short_time", "long_time", "month_day",
    "year_month", "date_sep", "time_sep", "decimal", "group", "group_sizes", "minus",
    "plus", "percent", "permille", "nan", "inf", "neg_inf", "currency", "currency_digits",
    "cur_pos", "cur_neg", "pct_pos", "pct_neg", "num_neg",
]
LIST_SEP = "\x1e"
FIELD_SEP = "\x1f"
EMPTY = "\x02"  # a field whose value is the empty string (an empty field inherits)
SAME = "\x03"  # genitive month names equal to the stand-alone ones


def dotnet_name(ident):
    """zh_Hans_CN -> zh-Hans-CN."""
    return ident.replace("_", "-")


def normalize_date_pattern(p):
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "'":
            j = i + 1
            while j < len(p) and p[j] != "'":
                j += 1
            out.append(p[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < len(p) and p[j] == c:
            j += 1
        n = j - i
        if c in "Eec":
            out.append("d" * (3 if n > 4 else max(n, 3)))
        elif c in "LM":
            out.append("M" * (3 if n > 4 else n))
        elif c == "G":
            out.append("g")
        elif c == "y":
            out.append("y" * (4 if n == 1 else n))
        else:
            out.append(c * n)
        i = j
    return "".join(out)


def fix_short_date(p):
    # .NET widens the default short date's two-digit year to four digits.
    if "yyyy" not in p and "yy" in p:
        return p.replace("yy", "yyyy", 1)
    return p


def convert_time_pattern(p):
    out, i, ampm = [], 0, False
    while i < len(p):
        c = p[i]
        if c == "'":
            j = i + 1
            while j < len(p) and p[j] != "'":
                j += 1
            out.append(p[i:j + 1])
            i = j + 1
            continue
        if c in ":.Hhms":
            out.append(c)
        elif c in " \u00a0\u202f":
            out.append(" ")
        elif c == "a":
            if not ampm:
                out.append("tt")
                ampm = True
            while i + 1 < len(p) and p[i + 1] == "a":
                i += 1
        i += 1
    return "".join(out).strip()


def separator(pattern, fields, default):
    i = 0
    while i < len(pattern) and pattern[i] not in fields:
        i += 1
    while i < len(pattern) and pattern[i] in fields:
        i += 1
    j = i
    while j < len(pattern) and pattern[j] not in fields:
        j += 1
    sep = pattern[i:j].replace("'", "")
    return sep if sep else default


def number_pattern_shape(pattern, symbol):
    """'#,##0.00\u00a0¤' -> 'n $' (symbol is '$' or '%')."""
    p = re.sub(r"[#0,.]+(E0+)?", "n", pattern)
    p = p.replace("¤", "$").replace("%", "%" if symbol == "%" else "%")
    p = p.replace("'", "")
    p = re.sub(r"[\u00a0\u202f\u200e\u200f\u061c ]+", " ", p)
    return p.strip()


def match(shape, table, fallback):
    return table.index(shape) if shape in table else fallback


def culture_fields(ident):
    loc = Locale.parse(ident)
    name = dotnet_name(ident)
    days_sa = loc.days["stand-alone"]
    order = [6, 0, 1, 2, 3, 4, 5]  # CLDR numbers Monday 0; .NET starts on Sunday
    months_sa = loc.months["stand-alone"]
    months_f = loc.months["format"]
    periods = loc.day_periods["format"]["abbreviated"]
    short_date = fix_short_date(normalize_date_pattern(loc.date_formats["short"].pattern))
    long_date = normalize_date_pattern(loc.date_formats["full"].pattern)
    short_time = convert_time_pattern(loc.time_formats["short"].pattern)
    long_time = convert_time_pattern(loc.time_formats["medium"].pattern)
    sk = loc.datetime_skeletons
    month_day = normalize_date_pattern(sk["MMMMd"].pattern) if "MMMMd" in sk else "MMMM d"
    year_month = normalize_date_pattern(sk["yMMMM"].pattern) if "yMMMM" in sk else "MMMM yyyy"
    sym = loc.number_symbols["latn"]
    minus = sym.get("minusSign", "-")
    dec = loc.decimal_formats[None]
    primary, secondary = dec.grouping
    sizes = "" if primary > 100 else (str(primary) if secondary == primary else f"{primary};{secondary}")
    cur_pattern = loc.currency_formats["standard"].pattern
    pos, _, neg = cur_pattern.partition(";")
    cur_pos_shape = number_pattern_shape(pos, "$")
    cur_neg_shape = number_pattern_shape(neg, "$") if neg else None
    if cur_neg_shape is None:
        cur_neg_shape = "-" + cur_pos_shape if not cur_pos_shape.startswith("$") or True else cur_pos_shape
    pct = loc.percent_formats[None].pattern
    ppos, _, pneg = pct.partition(";")
    pct_shape = number_pattern_shape(ppos, "%")
    pct_neg_shape = number_pattern_shape(pneg, "%") if pneg else "-" + pct_shape
    currency_code = None
    if loc.territory:
        currencies = get_territory_currencies(loc.territory)
        currency_code = currencies[0] if currencies else None
    currency = loc.currency_symbols.get(currency_code, currency_code) if currency_code else "¤"
    digits = get_currency_precision(currency_code) if currency_code else 2
    values = {
        "days": [days_sa["wide"][i] for i in order],
        "abbr_days": [days_sa["abbreviated"][i] for i in order],
        "months": [months_sa["wide"][i] for i in range(1, 13)],
        "abbr_months": [months_sa["abbreviated"][i] for i in range(1, 13)],
        "gen_months": [months_f["wide"][i] for i in range(1, 13)],
        "abbr_gen_months": [months_f["abbreviated"][i] for i in range(1, 13)],
        "am": periods.get("am", "AM"),
        "pm": periods.get("pm", "PM"),
        "short_date": short_date,
        "long_date": long_date,
        "short_time": short_time,
        "long_time": long_time,
        "month_day": month_day,
        "year_month": year_month,
        "date_sep": separator(short_date, "dMy", "/"),
        "time_sep": separator(long_time, "Hhms", ":"),
        "decimal": sym.get("decimal", "."),
        "group": sym.get("group", ","),
        "group_sizes": sizes,
        "minus": minus,
        "plus": sym.get("plusSign", "+"),
        "percent": sym.get("percentSign", "%"),
        "permille": sym.get("perMille", "‰"),
        "nan": sym.get("nan", "NaN"),
        "inf": sym.get("infinity", "∞"),
        "neg_inf": minus + sym.get("infinity", "∞"),
        "currency": currency,
        "currency_digits": str(digits),
        "cur_pos": str(match(cur_pos_shape, CURRENCY_POSITIVE, 0)),
        "cur_neg": str(match(cur_neg_shape, CURRENCY_NEGATIVE, 1)),
        "pct_pos": str(match(pct_shape, PERCENT_POSITIVE, 0)),
        "pct_neg": str(match(pct_neg_shape, PERCENT_NEGATIVE, 0)),
        "num_neg": "1",
    }
    for key, value in OVERRIDES.get(name, {}).items():
        values[key] = value
    return name, values


def encode(value):
    if isinstance(value, list):
        value = LIST_SEP.join(value)
    return value if value else EMPTY


def rust_str(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif (ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 or unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp")
              and ch != " "):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def wanted(ident):
    parts = ident.split("_")
    if parts[0] in NON_GREGORIAN or ident in NON_GREGORIAN or "_".join(parts[:2]) in NON_GREGORIAN:
        return False
    if ident == "root":
        return False
    # ISO 639-1 languages, plus the three-letter ones Windows ships cultures for that
    # users are likely to name; the rest of CLDR's long tail is left out to keep the
    # table small.
    if len(parts[0]) != 2 and parts[0] not in EXTRA_LANGUAGES:
        return False
    # Language, language-Territory, language-Script-Territory, language-Script; no variants.
    if len(parts) > 3:
        return False
    if len(parts) >= 2 and parts[-1].isdigit():  # en_001, es_419
        return True
    return all(p.isalpha() for p in parts) and not any(p.isupper() and len(p) > 3 for p in parts)


def parent_of(ident):
    parents = get_global("parent_exceptions")
    if ident in parents and parents[ident] != "root":
        return parents[ident]
    if "_" in ident:
        return ident.rsplit("_", 1)[0]
    return None


def main():
    idents = sorted(i for i in localedata.locale_identifiers() if wanted(i))
    resolved = {}
    for ident in idents:
        try:
            resolved[ident] = culture_fields(ident)
        except (KeyError, ValueError, TypeError) as e:
            print(f"skipping {ident}: {e!r}", file=sys.stderr)
    # .NET names for Chinese: zh-CN and friends alias the script-qualified cultures.
    aliases = {
        "zh-CN": "zh_Hans_CN", "zh-SG": "zh_Hans_SG", "zh-TW": "zh_Hant_TW",
        "zh-HK": "zh_Hant_HK", "zh-MO": "zh_Hant_MO", "zh-CHS": "zh_Hans", "zh-CHT": "zh_Hant",
    }
    entries = []  # (name lowercased, name, parent name or "", encoded data)
    for ident, (name, values) in resolved.items():
        parent = parent_of(ident)
        while parent is not None and parent not in resolved:
            parent = parent_of(parent)
        base = resolved[parent][1] if parent else None
        data = []
        for f in FIELDS:
            v = values[f]
            if base is not None and base[f] == v:
                data.append("")
            elif f in ("gen_months", "abbr_gen_months") and v == values[f.replace("gen_", "")]:
                data.append(SAME)
            else:
                data.append(encode(v))
        while data and data[-1] == "":
            data.pop()
        entries.append((name.lower(), name, dotnet_name(parent) if parent else "", FIELD_SEP.join(data)))
    for alias, target in aliases.items():
        if target in resolved:
            entries.append((alias.lower(), alias, dotnet_name(target), ""))
    entries.sort()
    index = {e[0]: i for i, e in enumerate(entries)}

    lines = [
        "// @generated by tools/gen_culture_data.py from the Unicode CLDR "
        f"(babel {babel.__version__}). Do not edit.",
        "//! Culture data: one entry per culture, sorted by lowercased name.",
        "",
        "use super::Entry;",
        "",
        "/// Where the table comes from.",
        f"pub(super) const SOURCE: &str = \"CLDR via babel {babel.__version__}\";",
        "",
        "/// The order of the fields in [`Entry::data`].",
        "#[allow(dead_code)]",
        f"pub(super) const FIELDS: [&str; {len(FIELDS)}] = [{', '.join(rust_str(f) for f in FIELDS)}];",
        "",
        f"pub(super) static CULTURES: [Entry; {len(entries)}] = [",
    ]
    for lower, name, parent, data in entries:
        p = index[parent.lower()] if parent else "NO_PARENT"
        lines.append(f"    Entry {{ name: {rust_str(name)}, parent: {p}, data: {rust_str(data)} }},")
    lines.append("];")
    lines.append("")
    with open(os.path.join(ROOT, "src/culture/data.rs"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines).replace("use super::Entry;", "use super::{Entry, NO_PARENT};"))

    zones = sorted(get_global("windows_zone_mapping").items(), key=lambda kv: kv[0].lower())
    zl = [
        "// @generated by tools/gen_culture_data.py from the Unicode CLDR windowsZones data "
        f"(babel {babel.__version__}). Do not edit.",
        "//! Windows time zone IDs and the IANA zone CLDR maps each to (territory 001), sorted",
        "//! by lowercased Windows ID.",
        "",
        f"pub(super) static WINDOWS_ZONES: [(&str, &str); {len(zones)}] = [",
    ]
    for win, iana in zones:
        zl.append(f"    ({rust_str(win)}, {rust_str(iana)}),")
    zl.append("];")
    zl.append("")
    os.makedirs(os.path.join(ROOT, "src/functions/datetime"), exist_ok=True)
    with open(os.path.join(ROOT, "src/functions/datetime/zones_data.rs"), "w", encoding="utf-8") as f:
        f.write("\n".join(zl))
    print(f"{len(entries)} cultures, {len(zones)} Windows zones")


if __name__ == "__main__":
    main()
