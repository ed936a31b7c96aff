"""Generates differential cases: each is a flowexpr expression and the .NET question (in the oracle's request
format) whose answer is the service's result.

A case is {"id", "area", "expr", "oracle", "compare", ...}; `compare` says how the two answers are compared
(`text`, `float`, `int`, `bool`, `timestamp`), `map` how the oracle's answer becomes the service's result (for
int(): a double that is not a whole number is refused). `windows` optionally names a second oracle request that
gives the service's Windows answer where .NET on ICU differs for a documented reason (see run.py's RULES).
"""
import datetime as dt
import json
import random

STANDARD_DATE = list("dDfFgGmMoOrRstTuUyY")
DATE_TOKENS = ["d", "dd", "ddd", "dddd", "f", "ff", "fff", "ffff", "fffff", "ffffff", "fffffff",
               "F", "FF", "FFF", "FFFF", "FFFFF", "FFFFFF", "FFFFFFF", "g", "gg", "h", "hh", "H", "HH", "K",
               "m", "mm", "M", "MM", "MMM", "MMMM", "s", "ss", "t", "tt", "y", "yy", "yyy", "yyyy", "yyyyy",
               "z", "zz", "zzz", ":", "/"]
NUMERIC_DATE_TOKENS = ["d", "dd", "M", "MM", "y", "yy", "yyy", "yyyy", "yyyyy", "h", "hh", "H", "HH", "m", "mm",
                       "s", "ss", "fff", "fffffff", "FFFFFFF"]
DATE_LITERALS = [" ", "-", ",", ".", "T", "'at'", '"o\'clock"', "\\d", "\\\\", "\\'", "''", "年", "x", "'%'",
                 "\\", "'", '"', "%"]
NUMBER_LETTERS = list("CDEFGNPRXcdefgnprx")
PRECISIONS = [None, 0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 16, 17, 20, 30]
CUSTOM_NUMBER_PARTS = ["0", "00", "#", "##", "#,##0", "#,#", "0.00", "0.##", ".", ",", ",,", "%", "\u2030",
                       "E+0", "E-00", "e0", "E+000", "e-0", "'lit'", "\\#", " ", "-", "x", '"q"', "0,", "#,##0,,",
                       "00.00%", ";", "(#)", "0.0##E+00", "\\", "'"]
CULTURE_LETTERS_NUMBER = ["C", "C0", "C3", "N", "N0", "N3", "P", "P1", "F", "F2", "E2", "G"]


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def iso(t):
    """A UTC timestamp with 7 fraction digits; t = (datetime, 100ns ticks below the microsecond)."""
    d, extra = t
    return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}."
            f"{d.microsecond:06d}{extra}Z")


def random_instant(rng, lo=1, hi=9999):
    year = rng.choice([rng.randint(lo, hi), rng.randint(max(lo, 1900), min(hi, 2100)),
                       rng.randint(max(lo, 1990), min(hi, 2030))])
    month = rng.randint(1, 12)
    day = rng.randint(1, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][month - 1])
    hour = rng.choice([0, 11, 12, 23, rng.randint(0, 23)])
    micro = rng.choice([0, 100000, 120000, 123456, rng.randint(0, 999999)])
    extra = 0 if micro == 0 and rng.random() < 0.5 else rng.randint(0, 9)
    return dt.datetime(year, month, day, hour, rng.randint(0, 59), rng.randint(0, 59), micro), extra


def date_case(area, t, fmt, culture):
    return {"area": area, "expr": f"formatDateTime('{iso(t)}', {quote(fmt)}, {quote(culture)})",
            "oracle": {"op": "format_datetime", "utc": iso(t), "format": fmt, "culture": culture},
            "compare": "text", "culture": culture, "format": fmt}


def custom_date_format(rng, tokens):
    while True:
        parts = [rng.choice(tokens if rng.random() < 0.7 else DATE_LITERALS) for _ in range(rng.randint(1, 6))]
        f = "".join(parts)
        if len(f) == 1 and rng.random() < 0.8:
            f = "%" + f
        if f:
            return f


def format_datetime_cases(rng, cultures, non_gregorian, n):
    cases = []
    for culture in ["en-US", ""]:
        for _ in range(n):
            t = random_instant(rng)
            cases.append(date_case("date", t, rng.choice(STANDARD_DATE), culture))
            cases.append(date_case("date", t, custom_date_format(rng, DATE_TOKENS), culture))
        for letter in [chr(c) for c in range(ord("A"), ord("z") + 1) if chr(c).isalpha()]:
            cases.append(date_case("date", random_instant(rng), letter, culture))
    for culture in cultures:
        t = random_instant(rng, 1950, 2050)
        for letter in STANDARD_DATE:
            cases.append(date_case("date_culture", t, letter, culture))
        cases.append(date_case("date_culture", t, "dddd ddd MMMM MMM tt g gg", culture))
        cases.append(date_case("date_culture", t, "d MMMM", culture))
    for culture in non_gregorian:
        for _ in range(n // 4):
            t = random_instant(rng, 1, 9999)
            cases.append(date_case("date_calendar", t, custom_date_format(rng, NUMERIC_DATE_TOKENS), culture))
            t = random_instant(rng, 1900, 2077)
            cases.append(date_case("date_calendar", t, rng.choice(["yyyy/MM/dd", "d/M/yy", "yyyyy-M-d", "y"]),
                                   culture))
    return cases


def parse_seed_cases(rng, cultures, windows_pattern):
    """Texts to parse back: .NET formats a date in each culture's own standard patterns (phase one), with the
    service's Windows pattern where it differs (`windows_pattern(letter, culture)`)."""
    seeds = []
    for culture in cultures:
        t = random_instant(rng, 1950, 2049)
        for letter in ["d", "D", "f", "g", "G", "M", "Y", "t", "T", "s", "u", "o", "F"]:
            seeds.append({"culture": culture, "format": letter, "utc": iso(t),
                          "pattern": windows_pattern(letter, culture) or letter})
    return seeds


def parse_cases(seeds, answers):
    cases = []
    for seed, answer in zip(seeds, answers):
        if not answer.get("ok"):
            continue
        text, culture, letter = answer["value"], seed["culture"], seed["format"]
        for fmt in [None, letter]:
            expr = f"parseDateTime({quote(text)}, {quote(culture)}" + (f", {quote(fmt)})" if fmt else ")")
            cases.append({"area": "parse_date", "expr": expr, "compare": "timestamp", "culture": culture,
                          "format": fmt, "today": letter in "tTmM",
                          "oracle": {"op": "parse_datetime", "text": text, "culture": culture, "format": fmt,
                                     "styles": EXACT_STYLES if fmt else PARSE_STYLES}})
    for text in ["2024-01-15", "2024-01-15T10:30:00Z", "2024-01-15T10:30:00.1234567+02:00", "01/15/2024",
                 "15 January 2024", "January 15, 2024 10:30 PM", "2024-01-15 10:30", "Mon, 15 Jan 2024 10:30:00 GMT",
                 "2024-1-5", "2024/01/15", "10:30", "2024-01-15T10:30:00.123", "20240115", "2024-13-01",
                 " 2024-01-15 ", "1/2/03", "2024-02-30", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z"]:
        for culture in ["en-US", ""]:
            cases.append({"area": "parse_date", "expr": f"parseDateTime({quote(text)}, {quote(culture)})",
                          "compare": "timestamp", "culture": culture, "format": None, "today": text == "10:30",
                          "oracle": {"op": "parse_datetime", "text": text, "culture": culture, "format": None,
                                     "styles": PARSE_STYLES}})
    return cases


def random_double_text(rng):
    kind = rng.random()
    if kind < 0.15:
        return rng.choice(["0", "-0", "0.5", "1.5", "2.5", "-2.5", "0.125", "1.005", "7390522.5", "1E+16",
                           "123456789012345680", "1.7976931348623157E+308", "5E-324", "0.1", "0.3",
                           "4586802", "-779191862", "99.995", "0.045", "1234.5"])
    if kind < 0.35:  # midpoints at some decimal position
        return f"{rng.randint(-10**6, 10**6)}.{rng.randint(0, 99)}5".replace("-0.", "-0.")
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 17))).lstrip("0") or "0"
    exp = rng.randint(-25, 25)
    sign = "-" if rng.random() < 0.3 else ""
    return f"{sign}{digits}E{exp}"


def random_decimal_text(rng):
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 28))).lstrip("0") or "0"
    point = rng.randint(0, min(len(digits), 28))
    text = digits[:len(digits) - point] + ("." + digits[len(digits) - point:] if point else "")
    if text.startswith("."):
        text = "0" + text
    return ("-" if rng.random() < 0.3 else "") + text


def random_int_text(rng):
    if rng.random() < 0.1:
        return rng.choice(["0", "-1", "9223372036854775807", "-9223372036854775808", "4586802", "-779191862", "5"])
    v = rng.randint(0, 10 ** rng.randint(1, 18))
    return str(-v if rng.random() < 0.3 else v)


def number_expr(ty, text):
    if ty == "int64":
        return text
    if ty == "decimal":
        return f"decimal('{text}')"
    return f"float('{text}', '')"


def number_case(area, ty, text, fmt, culture):
    return {"area": area, "expr": f"formatNumber({number_expr(ty, text)}, {quote(fmt)}, {quote(culture)})",
            "oracle": {"op": "format_number", "type": ty, "value": text, "format": fmt, "culture": culture},
            "compare": "text", "culture": culture, "format": fmt, "type": ty}


def custom_number_format(rng):
    while True:
        f = "".join(rng.choice(CUSTOM_NUMBER_PARTS) for _ in range(rng.randint(1, 5)))
        if not (len(f) == 1 or (f[0].isalpha() and f[1:].isdigit())):
            return f


def format_number_cases(rng, cultures, n):
    cases = []
    gens = {"int64": random_int_text, "double": random_double_text, "decimal": random_decimal_text}
    for culture in ["en-US", ""]:
        for _ in range(n):
            ty = rng.choice(list(gens))
            text = gens[ty](rng)
            p = rng.choice(PRECISIONS)
            letter = rng.choice(NUMBER_LETTERS)
            cases.append(number_case("number", ty, text, letter + ("" if p is None else str(p)), culture))
            cases.append(number_case("number", ty, text, custom_number_format(rng), culture))
    for culture in cultures:
        ty = rng.choice(list(gens))
        text = gens[ty](rng)
        for fmt in CULTURE_LETTERS_NUMBER:
            cases.append(number_case("number_culture", ty, text, fmt, culture))
        cases.append(number_case("number_culture", "double", "-1234567.891", "#,##0.00;(#,##0.00)", culture))
    return cases


def random_number_text(rng, culture_seps=(".", ",")):
    dec, group = culture_seps
    parts = []
    if rng.random() < 0.3:
        parts.append(rng.choice([" ", "  ", "\t", "\u00a0"]))
    if rng.random() < 0.3:
        parts.append(rng.choice(["-", "+", "(", "$"]))
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 12)))
    if rng.random() < 0.3 and len(digits) > 3:
        i = rng.randint(1, len(digits) - 1)
        digits = digits[:i] + group + digits[i:]
    parts.append(digits)
    if rng.random() < 0.4:
        parts.append(dec + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 8))))
    if rng.random() < 0.2:
        parts.append(rng.choice(["e", "E"]) + rng.choice(["", "-", "+"]) + str(rng.randint(0, 400)))
    if rng.random() < 0.2:
        parts.append(rng.choice(["-", "+", ")", " ", ",", ".", "x", "%"]))
    if rng.random() < 0.2:
        parts.append(rng.choice([" ", "\t"]))
    text = "".join(parts)
    if rng.random() < 0.05:
        text = rng.choice(["NaN", "nan", "Infinity", "-Infinity", "infinity", "\u221e", "-\u221e", "", " ",
                           "1.0", "1.5", "3e-50", "100000.000009", "  +1,000 ", "1,000", "9223372036854775807",
                           "-9223372036854775809.05", "1e19", "0x10", "1_000", "٣"])
    return text


# What flowexpr documents for parseDateTime: DateTime.Parse with RoundtripKind, ParseExact with RoundtripKind |
# AllowWhiteSpaces.
PARSE_STYLES = "RoundtripKind"
EXACT_STYLES = "RoundtripKind, AllowWhiteSpaces"
FLOAT_STYLES = "Float, AllowThousands, AllowTrailingSign"
INT_STYLES = "Float, AllowThousands"


def parse_number_cases(rng, n, culture_seps):
    cases = []
    for _ in range(n):
        text = random_number_text(rng)
        q = quote(text)
        cases.append({"area": "parse_int", "expr": f"int({q})", "compare": "int", "map": "int",
                      "oracle": {"op": "parse_number", "type": "double", "text": text, "culture": "",
                                 "styles": INT_STYLES}})
        cases.append({"area": "parse_float", "expr": f"float({q})", "compare": "float",
                      "oracle": {"op": "parse_number", "type": "double", "text": text, "culture": "en-US",
                                 "styles": FLOAT_STYLES}})
        cases.append({"area": "parse_float", "expr": f"isFloat({q})", "compare": "bool", "map": "ok",
                      "oracle": {"op": "parse_number", "type": "double", "text": text, "culture": "",
                                 "styles": FLOAT_STYLES}})
        cases.append({"area": "parse_int", "expr": f"isInt({q})", "compare": "bool", "map": "ok",
                      "oracle": {"op": "parse_number", "type": "int64", "text": text, "culture": "",
                                 "styles": "Integer"}})
        cases.append({"area": "parse_decimal", "expr": f"decimal({q})", "compare": "decimal",
                      "oracle": {"op": "parse_number", "type": "decimal", "text": text, "culture": "",
                                 "styles": "Number"}})
    for culture, seps in culture_seps:
        for _ in range(max(1, n // 50)):
            text = random_number_text(rng, seps)
            q = quote(text)
            cases.append({"area": "parse_float", "expr": f"float({q}, {quote(culture)})", "compare": "float",
                          "oracle": {"op": "parse_number", "type": "double", "text": text, "culture": culture,
                                     "styles": FLOAT_STYLES}})
    for text in [random_double_text(rng) for _ in range(n // 4)]:
        cases.append({"area": "string_number", "expr": f"string(float('{text}', ''))", "compare": "float",
                      "oracle": {"op": "format_number", "type": "double", "value": text, "format": "R",
                                 "culture": ""}})
    return cases


def timespan_cases(rng, n):
    cases = []
    for _ in range(n):
        a, b = random_instant(rng), random_instant(rng)
        td = b[0] - a[0]
        ticks = ((td.days * 86400 + td.seconds) * 10**6 + td.microseconds) * 10 + (b[1] - a[1])
        cases.append({"area": "timespan", "expr": f"dateDifference('{iso(a)}', '{iso(b)}')", "compare": "text",
                      "oracle": {"op": "format_timespan", "ticks": ticks, "format": "c", "culture": ""}})
        fmt = rng.choice(["c", "g", "G", "hh\\:mm\\:ss", "d\\.hh\\:mm", "%d", "ddd", "fffffff", "FFF",
                          "hh':'mm", "mm\\:ss\\.ff"])
        cases.append({"area": "timespan", "expr": f"formatTimeSpan({ticks}, {quote(fmt)}, '')", "compare": "text",
                      "oracle": {"op": "format_timespan", "ticks": ticks, "format": fmt, "culture": ""}})
    return cases
