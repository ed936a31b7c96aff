#!/usr/bin/env python3
"""Generates src/culture/data.rs (culture tables) from .NET's own culture data, and
src/functions/datetime/zones_data.rs (the Windows -> IANA time zone map) from the Unicode CLDR
as shipped by the `babel` package on PyPI.

    "$VENV/bin/python" tools/differential/dump_cultures.py > target/differential/dotnet-cultures.jsonl
    python3 tools/gen_culture_data.py target/differential/dotnet-cultures.jsonl
    # zones too: python3 -m venv /tmp/venv && /tmp/venv/bin/pip install babel==2.19.0, then run it with
    # /tmp/venv/bin/python

The culture data is CLDR as .NET itself reads it through ICU (CultureInfo.DateTimeFormat /
NumberFormat of every culture .NET knows, dumped by the differential harness's
dump_cultures.py from the dotnet-oracle's runtime, see tools/differential/README.md), so
every culture .NET lists is here, with its default calendar (Um Al Qura, Persian, Thai
Buddhist) and the names of that calendar's months and era.

The hosted service runs on Windows, whose NLS data differs from ICU in places.
`windows_fixes` applies the differences that a documented example, a runtime-checked case or
.NET's documented Windows values pin; tools/windows_culture_overrides.json lists the
per-culture ones with their sources, and tests/conformance/decisions.jsonl records them.

Every culture stores only the fields that differ from its parent (en-IE -> en), so the
~950 cultures fit in a small table.
"""

import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERRIDES = os.path.join(ROOT, "tools", "windows_culture_overrides.json")

FIELDS = [
    "days", "abbr_days", "months", "abbr_months", "gen_months", "abbr_gen_months",
    "am", "pm", "short_date", "long_date", "short_time", "long_time", "month_day",
    "year_month", "date_sep", "time_sep", "decimal", "group", "group_sizes", "minus",
    "plus", "percent", "permille", "nan", "inf", "neg_inf", "currency", "currency_digits",
    "cur_pos", "cur_neg", "pct_pos", "pct_neg", "num_neg", "calendar", "era", "abbr_era",
    "cur_decimal", "cur_group", "cur_group_sizes", "greg_months", "greg_abbr_months", "greg_gen_months",
    "greg_abbr_gen_months", "greg_era", "greg_full",
]
LIST_SEP = "\x1e"
FIELD_SEP = "\x1f"
EMPTY = "\x02"  # a field whose value is the empty string (an empty field inherits)
SAME = "\x03"  # genitive month names equal to the stand-alone ones

# .NET's calendar classes, as the one-letter codes src/culture/mod.rs reads.
CALENDARS = {"GregorianCalendar": "g", "UmAlQuraCalendar": "u", "HijriCalendar": "h", "PersianCalendar": "p",
             "ThaiBuddhistCalendar": "t", "HebrewCalendar": "e", "JapaneseCalendar": "j", "TaiwanCalendar": "w",
             "KoreanCalendar": "k"}


def windows_time_pattern(pattern):
    """ICU 72 (CLDR 42) separates a time from AM/PM with U+202F, which .NET Core 3.1 drops ('h:mm:sstt');
    Windows writes a space ('h:mm:ss tt', the en-US LongTimePattern .NET documents)."""
    return re.sub(r"([hHms])tt", r"\1 tt", pattern)


def windows_fixes(d, overrides):
    """The service's Windows value of a dumped .NET culture record (a copy)."""
    d = dict(d)
    for key in ("ShortTimePattern", "LongTimePattern", "FullDateTimePattern"):
        d[key] = windows_time_pattern(d[key])
    for key, value in overrides.get(d["name"], {}).items():
        if key == "EraName" and d["eras"]:
            d["eras"] = [[d["eras"][0][0], value, d["eras"][0][2]]] + d["eras"][1:]
        elif not key.startswith("_"):
            d[key] = value
    return d


def load_overrides():
    with open(OVERRIDES, encoding="utf-8") as f:
        return json.load(f)["cultures"]


def culture_fields(d):
    """The generated fields of one dumped culture record."""
    months = lambda key: d[key][:12]  # noqa: E731  (the 13th month is empty outside the Hebrew calendar)
    era = d["eras"][0] if d["eras"] else [1, "", ""]
    values = {
        "days": d["DayNames"],
        "abbr_days": d["AbbreviatedDayNames"],
        "months": months("MonthNames"),
        "abbr_months": months("AbbreviatedMonthNames"),
        "gen_months": months("MonthGenitiveNames"),
        "abbr_gen_months": months("AbbreviatedMonthGenitiveNames"),
        "am": d["AMDesignator"],
        "pm": d["PMDesignator"],
        "short_date": d["ShortDatePattern"],
        "long_date": d["LongDatePattern"],
        "short_time": d["ShortTimePattern"],
        "long_time": d["LongTimePattern"],
        "month_day": d["MonthDayPattern"],
        "year_month": d["YearMonthPattern"],
        "date_sep": d["DateSeparator"],
        "time_sep": d["TimeSeparator"],
        "decimal": d["NumberDecimalSeparator"],
        "group": d["NumberGroupSeparator"],
        "group_sizes": ";".join(str(n) for n in d["NumberGroupSizes"]),
        "minus": d["NegativeSign"],
        "plus": d["PositiveSign"],
        "percent": d["PercentSymbol"],
        "permille": d["PerMilleSymbol"],
        "nan": d["NaNSymbol"],
        "inf": d["PositiveInfinitySymbol"],
        "neg_inf": d["NegativeInfinitySymbol"],
        "currency": d["CurrencySymbol"],
        "currency_digits": str(d["CurrencyDecimalDigits"]),
        "cur_pos": str(d["CurrencyPositivePattern"]),
        "cur_neg": str(d["CurrencyNegativePattern"]),
        "pct_pos": str(d["PercentPositivePattern"]),
        "pct_neg": str(d["PercentNegativePattern"]),
        "num_neg": str(d["NumberNegativePattern"]),
        "calendar": CALENDARS.get(d["calendar"], "g"),
        "era": era[1],
        "abbr_era": era[2],
        "cur_decimal": d["CurrencyDecimalSeparator"],
        "cur_group": d["CurrencyGroupSeparator"],
        "cur_group_sizes": ";".join(str(n) for n in d["CurrencyGroupSizes"]),
    }
    values.update(gregorian_fields(d))
    return values


def gregorian_fields(d):
    """What 'U' needs of a culture whose default calendar is not Gregorian: .NET formats it in the Gregorian
    calendar, with that calendar's month names, era and FullDateTimePattern. SAME everywhere for a Gregorian
    culture (and a genitive list equal to the stand-alone one)."""
    g = d.get("gregorian")
    if g is None:
        return {f: SAME for f in GREGORIAN_FIELDS}
    months = {"greg_months": g["MonthNames"][:12], "greg_abbr_months": g["AbbreviatedMonthNames"][:12]}
    for key, plain_key, field in [("MonthGenitiveNames", "greg_months", "greg_gen_months"),
                                  ("AbbreviatedMonthGenitiveNames", "greg_abbr_months", "greg_abbr_gen_months")]:
        months[field] = SAME if g[key][:12] == months[plain_key] else g[key][:12]
    era = g["eras"][0][1] if g["eras"] else ""
    return dict(months, greg_era=era, greg_full=windows_time_pattern(g["FullDateTimePattern"]))


GREGORIAN_FIELDS = ["greg_months", "greg_abbr_months", "greg_gen_months", "greg_abbr_gen_months", "greg_era",
                    "greg_full"]


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


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    overrides = load_overrides()
    records = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["name"]:  # the invariant culture is fixed in src/culture/mod.rs
                records[d["name"]] = windows_fixes(d, overrides)
    resolved = {name: culture_fields(d) for name, d in records.items()}
    entries = []  # (name lowercased, name, parent name or "", encoded data)
    for name, values in resolved.items():
        parent = records[name]["parent"]
        if parent == name or parent not in resolved:
            parent = ""
        base = resolved[parent] if parent else None
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
        entries.append((name.lower(), name, parent, FIELD_SEP.join(data)))
    entries.sort()
    index = {e[0]: i for i, e in enumerate(entries)}
    # A parent chain must be short (src/culture/mod.rs walks at most 8 links).
    for lower, _, parent, _ in entries:
        depth, at = 0, parent
        while at:
            depth, at = depth + 1, entries[index[at.lower()]][2]
        assert depth < 8, lower

    source = "CLDR via ICU as .NET Core 3.1 reads it, with the service's Windows values (tools/gen_culture_data.py)"
    lines = [
        "// @generated by tools/gen_culture_data.py from .NET's culture data (CLDR through ICU). Do not edit.",
        "//! Culture data: one entry per culture, sorted by lowercased name.",
        "",
        "use super::{Entry, NO_PARENT};",
        "",
        "/// Where the table comes from.",
        f"pub(super) const SOURCE: &str = {rust_str(source)};",
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
        f.write("\n".join(lines))
    print(f"{len(entries)} cultures")
    write_zones()


def write_zones():
    try:
        import babel
        from babel.core import get_global
    except ImportError:
        print("babel is not installed: src/functions/datetime/zones_data.rs left as it is", file=sys.stderr)
        return
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
    print(f"{len(zones)} Windows zones")


if __name__ == "__main__":
    main()
