#!/usr/bin/env python3
"""Writes every culture .NET knows, with the data flowexpr needs, as JSON lines on stdout.

    "$VENV/bin/python" tools/differential/dump_cultures.py > target/dotnet-cultures.jsonl

One line per culture of CultureInfo.GetCultures(AllCultures) (the invariant culture is "name": ""), then the
names of extra-cultures.txt that .NET accepts without listing them ("listed": false). The
fields are .NET property names; `eras` lists the default calendar's eras (newest first, as Calendar.Eras does)
with their full and abbreviated names; a culture whose default calendar is not Gregorian also has
`gregorian`, its month names, eras and FullDateTimePattern under the Gregorian calendar (what 'U' writes).
tools/gen_culture_data.py reads this file.
"""
import json
import os
import sys

import dotnet_runtime

dotnet_runtime.start()
from System.Globalization import CultureInfo, CultureTypes, GregorianCalendar  # noqa: E402

NUMBER = ["NumberDecimalSeparator", "NumberGroupSeparator", "NumberGroupSizes", "NumberDecimalDigits",
          "NegativeSign", "PositiveSign", "PercentSymbol", "PerMilleSymbol", "NaNSymbol",
          "PositiveInfinitySymbol", "NegativeInfinitySymbol", "CurrencySymbol", "CurrencyDecimalDigits",
          "CurrencyDecimalSeparator", "CurrencyGroupSeparator", "CurrencyGroupSizes", "CurrencyPositivePattern",
          "CurrencyNegativePattern", "PercentDecimalDigits", "PercentDecimalSeparator", "PercentGroupSeparator",
          "PercentGroupSizes", "PercentPositivePattern", "PercentNegativePattern", "NumberNegativePattern"]
DATES = ["ShortDatePattern", "LongDatePattern", "ShortTimePattern", "LongTimePattern", "FullDateTimePattern",
         "MonthDayPattern", "YearMonthPattern", "AMDesignator", "PMDesignator", "DateSeparator", "TimeSeparator",
         "FirstDayOfWeek"]
LISTS = ["DayNames", "AbbreviatedDayNames", "MonthNames", "AbbreviatedMonthNames", "MonthGenitiveNames",
         "AbbreviatedMonthGenitiveNames"]


def plain(v):
    if isinstance(v, (str, int, float, bool)):
        return v
    try:
        return [plain(x) for x in v]
    except TypeError:
        return str(v)


def culture(c):
    n, d = c.NumberFormat, c.DateTimeFormat
    cal = d.Calendar
    out = {"name": c.Name, "parent": c.Parent.Name, "calendar": cal.GetType().Name,
           "optionalCalendars": [x.GetType().Name for x in c.OptionalCalendars],
           "twoDigitYearMax": cal.TwoDigitYearMax,
           "eras": [[int(e), d.GetEraName(e), d.GetAbbreviatedEraName(e)] for e in cal.Eras]}
    out.update({k: plain(getattr(n, k)) for k in NUMBER})
    out.update({k: plain(getattr(d, k)) for k in DATES})
    out.update({k: plain(getattr(d, k)) for k in LISTS})
    if cal.GetType().Name != "GregorianCalendar":
        # 'U' formats in the Gregorian calendar, with its month names, era and patterns (.NET clones the
        # DateTimeFormatInfo and sets GregorianCalendar on it).
        g = d.Clone()
        g.Calendar = GregorianCalendar()
        out["gregorian"] = {k: plain(getattr(g, k)) for k in LISTS + ["FullDateTimePattern"]}
        out["gregorian"]["eras"] = [[int(e), g.GetEraName(e), g.GetAbbreviatedEraName(e)] for e in g.Calendar.Eras]
    return out


listed = {c.Name: c for c in CultureInfo.GetCultures(CultureTypes.AllCultures)}
# Names .NET accepts without listing them (zh-CN, Windows names such as prs-AF): extra-cultures.txt.
extra = {}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra-cultures.txt"), encoding="utf-8") as f:
    for name in (line.split("#")[0].strip() for line in f):
        if name and name not in listed:
            try:
                extra[name] = CultureInfo.GetCultureInfo(name)
            except Exception as e:  # noqa: BLE001  (.NET's CultureNotFoundException)
                print(f"not a .NET culture: {name} ({type(e).__name__})", file=sys.stderr)
for name in sorted(listed):
    print(json.dumps(dict(culture(listed[name]), listed=True), ensure_ascii=False))
for name in sorted(extra):
    print(json.dumps(dict(culture(extra[name]), name=name, listed=False), ensure_ascii=False))
print(f"{len(listed)} listed cultures, {len(extra)} more by name", file=sys.stderr)
