#!/usr/bin/env python3
"""The differential harness: generates cases, asks a real .NET runtime (the dotnet-oracle) and flowexpr, compares,
minimises each difference and writes a report.

    python3 tools/differential/run.py --oracle PATH/TO/dotnet-oracle [--count 400] [--seed 1] [--export]

The oracle's venv comes from `$DOTNET_ORACLE_VENV` or the oracle's setup.sh. Output goes to target/differential/:
report.md (figures per area), differences.jsonl (every difference, minimised). --export rewrites
tests/conformance/dotnet-cases.jsonl, the cases `cargo test` keeps without .NET.
"""
import argparse
import decimal
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict

import generate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import gen_culture_data  # noqa: E402  (the Windows values the culture table follows)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDES = os.path.join(ROOT, "tools", "windows_culture_overrides.json")


# ---------------------------------------------------------------------------------------------- the two sides

class Oracle:
    def __init__(self, oracle_dir, venv, cache_path):
        self.script = os.path.join(oracle_dir, "oracle.py")
        self.python = os.path.join(venv, "bin", "python")
        self.cache_path = cache_path
        self.cache = {}
        if os.path.exists(cache_path):
            with open(cache_path, encoding="utf-8") as f:
                for line in f:
                    k, v = json.loads(line)
                    self.cache[k] = v

    def ask(self, requests):
        keys = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in requests]
        todo = sorted({k for k in keys if k not in self.cache})
        if todo:
            out = subprocess.run([self.python, self.script], input="\n".join(todo) + "\n", capture_output=True,
                                 text=True, check=True).stdout.splitlines()
            if len(out) != len(todo):
                sys.exit(f"the oracle answered {len(out)} of {len(todo)} requests")
            with open(self.cache_path, "a", encoding="utf-8") as f:
                for k, line in zip(todo, out):
                    self.cache[k] = json.loads(line)
                    f.write(json.dumps([k, self.cache[k]], ensure_ascii=False) + "\n")
        return [self.cache[k] for k in keys]


class Flowexpr:
    def __init__(self, binary=None):
        if binary is None:
            subprocess.run(["cargo", "build", "--quiet", "--example", "differential_answers"], cwd=ROOT, check=True)
            binary = os.path.join(ROOT, "target", "debug", "examples", "differential_answers")
        self.binary = binary

    def ask(self, exprs):
        lines = "\n".join(json.dumps({"id": i, "expr": e}, ensure_ascii=False) for i, e in enumerate(exprs))
        out = subprocess.run([self.binary], input=lines + "\n", capture_output=True, text=True, check=True)
        return [json.loads(line) for line in out.stdout.splitlines()]


# ---------------------------------------------------------------------------------------------- comparing

def expected_of(case, answer):
    """What the service returns, from the oracle's answer: ("value", x) or ("error", message)."""
    how = case.get("map")
    if how == "ok":
        return ("value", "True" if answer["ok"] else "False")
    if not answer["ok"]:
        return ("error", answer["error"])
    v = answer["value"]
    if how == "int":
        f = float(v)
        if f != f:
            return ("value", str(-2**63))
        if f != int(f) if abs(f) != float("inf") else True:
            return ("error", "not a whole number")
        i = int(f)
        if not -2**63 <= i < 2**63:
            return ("error", "out of the 64-bit range")
        return ("value", str(i))
    if case["compare"] == "timestamp":
        return ("value", v["o"])
    return ("value", v)


def normal_timestamp(text):
    """'2024-01-15T10:30:00.0000000+02:00' -> the UTC instant's digits; no zone stays as it is."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:\d\d)?$", text)
    if not m:
        return text
    import datetime as dt
    digits, zone = m.groups()
    base, _, frac = digits.partition(".")
    frac = (frac + "0000000")[:7]
    if not zone:
        return f"{base}.{frac}"
    t = dt.datetime.fromisoformat(base)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        t -= sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return t.isoformat() + f".{frac}Z"


def same(case, expected, got):
    kind, value = expected
    if kind == "error" or not got["ok"]:
        return kind == "error" and not got["ok"]
    g = got["value"]
    c = case["compare"]
    if c == "float":
        try:
            a, b = float(value), float(g)
        except ValueError:
            return False
        return a == b or (a != a and b != b)
    if c == "decimal":
        try:
            return decimal.Decimal(value) == decimal.Decimal(g)
        except decimal.InvalidOperation:
            return False
    if c == "bool":
        return value.lower() == g.lower()
    if c == "timestamp":
        return normal_timestamp(value) == normal_timestamp(g)
    return value == g


# The service runs on Windows (NLS culture data, .NET Framework number formatting); the oracle is .NET Core on
# ICU. Each rule names a documented difference (an id in tests/conformance/decisions.jsonl) and says what the
# service's answer is instead, as a second oracle request or a rewrite of the oracle's answer.
def windows_pattern(letter, culture):
    """The pattern a standard date format expands to with the service's Windows culture data, if that differs
    from .NET on ICU's; None otherwise."""
    icu = CULTURES.get(culture)
    if icu is None or len(letter) != 1:
        return None
    win = gen_culture_data.windows_fixes(icu, WINDOWS)

    def expand(d):
        sd, ld, st, lt = d["ShortDatePattern"], d["LongDatePattern"], d["ShortTimePattern"], d["LongTimePattern"]
        return {"t": st, "T": lt, "f": f"{ld} {st}", "F": d["FullDateTimePattern"], "g": f"{sd} {st}",
                "G": f"{sd} {lt}", "U": d["FullDateTimePattern"]}.get(letter)

    a, b = expand(icu), expand(win)
    return b if a != b else None


def windows_pattern_request(case):
    o = case["oracle"]
    if o["op"] != "format_datetime":
        return None
    pattern = windows_pattern(o["format"], o["culture"])
    if pattern is None:
        return None
    return dict(o, format=pattern)


def rule_decimal_digits(case):
    """F, N and P without a precision: Windows NumberDecimalDigits / PercentDecimalDigits are 2 where ICU says 3."""
    o = case["oracle"]
    if o["op"] == "format_number" and o["format"] in ("F", "N", "P", "f", "n", "p"):
        return dict(o, format=o["format"] + "2")
    return None


def rule_midpoint(case):
    """A double exactly halfway between two results: .NET Framework rounds it away from zero (as a decimal does);
    .NET Core 3.1 does not always."""
    o = case["oracle"]
    if o["op"] != "format_number" or o["type"] != "double":
        return None
    try:
        exact = decimal.Decimal(float(o["value"]))
    except (ValueError, OverflowError):
        return None
    text = format(exact, "f")
    if not text.rstrip("0").endswith("5") or abs(exact) > decimal.Decimal("7.9e27") or len(text) > 60:
        return None
    return dict(o, type="decimal", value=text)


def rule_ascii_signs(case):
    """An ASCII '-' or '+' for the sign of a culture whose ICU sign is another text (U+2212 in sl, sv, fi; a sign
    behind a direction mark in ar, he, fa): .NET Core 3.1 on ICU refuses it; Windows' NLS data has the hyphen-minus
    (dotnet/runtime#47524) and .NET 6 accepts it (#47613). The service's answer is .NET's for the text written with
    the culture's own signs."""
    o = case["oracle"]
    d = CULTURES.get(o.get("culture"), {})
    minus, plus = d.get("NegativeSign", "-"), d.get("PositiveSign", "+")
    if o["op"] != "parse_number" or (minus, plus) == ("-", "+"):
        return None
    text = o["text"].replace("-", "\0").replace("+", plus).replace("\0", minus)
    return dict(o, text=text) if text != o["text"] else None


def standard_pattern(letter, culture):
    """The pattern a one-letter standard date format expands to in .NET on ICU, or None."""
    d = CULTURES.get(culture)
    if d is None or len(letter) != 1:
        return None
    sd, ld, st, lt = d["ShortDatePattern"], d["LongDatePattern"], d["ShortTimePattern"], d["LongTimePattern"]
    return {"d": sd, "D": ld, "f": f"{ld} {st}", "F": d["FullDateTimePattern"], "g": f"{sd} {st}",
            "G": f"{sd} {lt}", "t": st, "T": lt, "M": d["MonthDayPattern"], "m": d["MonthDayPattern"],
            "Y": d["YearMonthPattern"], "y": d["YearMonthPattern"]}.get(letter)


NO_BREAK_SPACES = ("\u00a0", "\u202f")


def rule_parse_white_space(case):
    """parseDateTime with a format whose text or pattern has U+00A0 or U+202F: .NET 8's ParseExact with
    AllowWhiteSpaces lets white space of the format match any white space of the text (dotnet/runtime#85102);
    .NET Core 3.1 takes only a space, so an ICU pattern with U+202F (ru 'D') cannot read its own output. The
    service's answer is .NET's for the text and the expanded pattern with those spaces written as spaces."""
    o = case["oracle"]
    if o["op"] != "parse_datetime" or not o.get("format"):
        return None
    pattern = standard_pattern(o["format"], o["culture"]) or o["format"]
    if not any(c in o["text"] + pattern for c in NO_BREAK_SPACES):
        return None

    def spaced(text):
        for c in NO_BREAK_SPACES:
            text = text.replace(c, " ")
        return text
    # A pattern of one letter would be read as a standard format again; none of the ICU patterns is one.
    return dict(o, text=spaced(o["text"]), format=spaced(pattern)) if len(pattern) > 1 else None


def rule_digits_and_midpoint(case):
    """Both of the two rules above: F, N or P without a precision of a double exactly halfway."""
    o = rule_decimal_digits(case)
    return o and rule_midpoint(dict(case, oracle=o))


RULES = [
    ("dotnet-windows-time-patterns", windows_pattern_request),
    ("dotnet-windows-decimal-digits", rule_decimal_digits),
    ("dotnet-midpoint-rounding", rule_midpoint),
    ("dotnet-midpoint-rounding", rule_digits_and_midpoint),
    ("dotnet-ascii-signs", rule_ascii_signs),
    ("dotnet-parse-white-space", rule_parse_white_space),
]


def negative_zero(case, expected, got):
    """.NET Core writes a negative number that rounds to zero with its sign (-0.00); the service does not."""
    kind, value = expected
    if kind != "value" or not got["ok"] or case["oracle"]["op"] != "format_number":
        return False
    sign = CULTURES.get(case["oracle"]["culture"], {}).get("NegativeSign", "-")
    # The sign may stand after a currency symbol (es-VE 'Bs.S-0,00') or be parentheses (luy-KE '(Ksh0.00)').
    if re.search(r"[1-9]", got["value"]):
        return False
    if sign in value:
        unsigned = value.replace(sign, "", 1)
    elif value.startswith("(") and value.endswith(")"):
        unsigned = value[1:-1]
    else:
        return False
    return unsigned != value and unsigned == got["value"]


def double_notation(case, expected, got):
    """G and R of a double (no precision; R ignores one): the same value written in another notation or with more
    digits. .NET Core 3.x writes up to 17 integer digits positionally (36300000000000000) and, for some values, more
    digits than the shortest round trip (9.999999999999999E+22 for 1E+23); flowexpr writes the shortest round-trip
    digits with E notation from exponent 15, as decided in dotnet-double-notation."""
    kind, value = expected
    o = case["oracle"]
    if kind != "value" or not got["ok"] or o["op"] != "format_number" or o["type"] != "double":
        return False
    fmt = o["format"]
    if not (fmt[:1] in "Rr" or fmt in ("G", "g")):
        return False
    d = CULTURES.get(o["culture"], {})

    def number(text):
        for symbol, ascii_text in [("NegativeSign", "-"), ("PositiveSign", "+"), ("NumberDecimalSeparator", ".")]:
            text = text.replace(d.get(symbol, ascii_text), ascii_text)
        try:
            return float(text)
        except ValueError:
            return None

    a, b = number(value), number(got["value"])
    return a is not None and a == b and value != got["value"]


def windows_values(case, expected, got):
    """The oracle's answer with the service's Windows culture values (tools/windows_culture_overrides.json) in
    place of ICU's: an era name, a currency symbol."""
    kind, value = expected
    o = case["oracle"]
    icu = CULTURES.get(o.get("culture"))
    if kind != "value" or not got["ok"] or icu is None or o["culture"] not in WINDOWS:
        return False
    win = gen_culture_data.windows_fixes(icu, WINDOWS)
    for a, b in [(icu["eras"][0][1] if icu["eras"] else "", win["eras"][0][1] if win["eras"] else ""),
                 (icu["CurrencySymbol"], win["CurrencySymbol"])]:
        if a and a != b:
            value = value.replace(a, b)
    return value == got["value"]


CULTURES = {}
WINDOWS = {}


# ---------------------------------------------------------------------------------------------- minimising

def shrink_candidates(case):
    """Smaller variants of a case, for minimising a difference."""
    o = case["oracle"]
    out = []
    if o["op"] == "format_datetime":
        fmt = o["format"]
        if len(fmt) > 2:
            for i in range(len(fmt)):
                f = fmt[:i] + fmt[i + 1:]
                if len(f) >= 2 and f != fmt:
                    out.append(generate.date_case(case["area"], parse_iso(o["utc"]), f, o["culture"]))
        t = parse_iso(o["utc"])
        if t[1] or t[0].microsecond:
            out.append(generate.date_case(case["area"], (t[0].replace(microsecond=0), 0), fmt, o["culture"]))
    elif o["op"] == "format_number":
        fmt, value = o["format"], o["value"]
        if len(fmt) > 2 and not (fmt[0].isalpha() and fmt[1:].isdigit()):
            for i in range(len(fmt)):
                f = fmt[:i] + fmt[i + 1:]
                if len(f) >= 2 and not (f[0].isalpha() and f[1:].isdigit()):
                    out.append(generate.number_case(case["area"], o["type"], value, f, o["culture"]))
        digits = re.sub(r"[^0-9]", "", value)
        if len(digits) > 1 and "E" not in value:
            for i in range(len(value)):
                v = value[:i] + value[i + 1:]
                if re.fullmatch(r"-?\d+(\.\d+)?", v):
                    out.append(generate.number_case(case["area"], o["type"], v, fmt, o["culture"]))
    elif o["op"] == "parse_number" and len(o["text"]) > 1:
        for i in range(len(o["text"])):
            text = o["text"][:i] + o["text"][i + 1:]
            c = json.loads(json.dumps(case))
            c["oracle"]["text"] = text
            c["expr"] = re.sub(r"\((?:'[^']*(?:''[^']*)*')", "(" + generate.quote(text), case["expr"], count=1)
            out.append(c)
    return out


def parse_iso(text):
    import datetime as dt
    base, frac = text[:-1].split(".")
    return dt.datetime.fromisoformat(base + "." + frac[:6]), int(frac[6:7] or 0)


def evaluate(cases, oracle, fx):
    answers = oracle.ask([c["oracle"] for c in cases])
    extra = []
    for c in cases:
        for name, rule in RULES:
            req = rule(c)
            if req is not None:
                extra.append(req)
    extra_answers = dict(zip([json.dumps(r, sort_keys=True) for r in extra], oracle.ask(extra)))
    got = fx.ask([c["expr"] for c in cases])
    results = []
    for c, a, g in zip(cases, answers, got):
        expected = expected_of(c, a)
        if same(c, expected, g):
            results.append(("agree", None, expected, g))
            continue
        verdict = ("differ", None, expected, g)
        for name, rule in RULES:
            req = rule(c)
            if req is None:
                continue
            alt = extra_answers[json.dumps(req, sort_keys=True)]
            alt_expected = expected_of(c, alt)
            if same(c, alt_expected, g):
                verdict = ("documented", name, alt_expected, g)
                break
        if verdict[0] == "differ" and windows_values(c, expected, g):
            verdict = ("documented", "dotnet-windows-culture-data", ("value", g["value"]), g)
        if verdict[0] == "differ" and double_notation(c, expected, g):
            verdict = ("documented", "dotnet-double-notation", ("value", g["value"]), g)
        if verdict[0] == "differ":
            for name, rule in RULES:
                req = rule(c)
                alt = expected if req is None else expected_of(c, extra_answers[json.dumps(req, sort_keys=True)])
                if negative_zero(c, alt, g) or negative_zero(c, expected, g):
                    verdict = ("documented", "dotnet-negative-zero", ("value", g["value"]), g)
                    break
        results.append(verdict)
    return results


def minimise(diffs, oracle, fx, rounds=8):
    current = list(diffs)
    for _ in range(rounds):
        candidates = [(i, cand) for i, case in enumerate(current) for cand in shrink_candidates(case)]
        if not candidates:
            break
        verdicts = evaluate([c for _, c in candidates], oracle, fx)
        changed = False
        taken = set()
        for (i, cand), v in zip(candidates, verdicts):
            if v[0] == "differ" and i not in taken:
                current[i] = dict(cand, id=current[i]["id"])
                taken.add(i)
                changed = True
        if not changed:
            break
    return current


# ---------------------------------------------------------------------------------------------- main

def signature(case, verdict):
    o = case["oracle"]
    return f"{case['area']}: {o['op']} {o.get('format', '')!r} {o.get('type', '')} {verdict[2][0]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", default=os.environ.get("DOTNET_ORACLE"), help="the dotnet-oracle folder")
    ap.add_argument("--venv", default=os.environ.get("DOTNET_ORACLE_VENV"), help="the oracle's venv")
    ap.add_argument("--count", type=int, default=400, help="cases per generator and culture group")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "differential"))
    ap.add_argument("--export", action="store_true", help="rewrite tests/conformance/dotnet-cases.jsonl")
    ap.add_argument("--areas", default="", help="comma-separated areas to run (default: all)")
    ap.add_argument("--fixed-since", metavar="BINARY",
                    help="an older build of examples/differential_answers: --export also keeps the cases it got wrong "
                         "that flowexpr now gets right")
    args = ap.parse_args()
    if not args.oracle:
        sys.exit("give the dotnet-oracle folder with --oracle or $DOTNET_ORACLE")
    if not args.venv:
        args.venv = subprocess.run(["bash", os.path.join(args.oracle, "setup.sh")], capture_output=True, text=True,
                                   check=True).stdout.strip()
    os.makedirs(args.out, exist_ok=True)
    dump = os.path.join(args.out, "dotnet-cultures.jsonl")
    if not os.path.exists(dump):
        with open(dump, "w", encoding="utf-8") as f:
            subprocess.run([os.path.join(args.venv, "bin", "python"), os.path.join(HERE, "dump_cultures.py")],
                           stdout=f, check=True, cwd=HERE)
    with open(dump, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            CULTURES[d["name"]] = d
    with open(OVERRIDES, encoding="utf-8") as f:
        WINDOWS.update({k: v for k, v in json.load(f)["cultures"].items()})
    oracle = Oracle(args.oracle, args.venv, os.path.join(args.out, "oracle-cache.jsonl"))
    fx = Flowexpr()
    rng = random.Random(args.seed)
    names = [n for n, d in CULTURES.items() if n and d.get("listed", True)]
    extra_names = [n for n, d in CULTURES.items() if n and not d.get("listed", True)]
    non_gregorian = [n for n, d in CULTURES.items() if d["calendar"] != "GregorianCalendar"]
    seps = [(n, (d["NumberDecimalSeparator"], d["NumberGroupSeparator"])) for n, d in CULTURES.items()]
    cases = []
    cases += generate.format_datetime_cases(rng, names, non_gregorian, args.count)
    cases += generate.format_number_cases(rng, names, args.count)
    cases += generate.parse_number_cases(rng, args.count, rng.sample(seps, min(60, len(seps))))
    cases += generate.timespan_cases(rng, args.count // 4)
    seeds = generate.parse_seed_cases(rng, names, windows_pattern)
    seed_answers = oracle.ask([{"op": "format_datetime", "utc": s["utc"], "format": s["pattern"],
                                "culture": s["culture"]} for s in seeds])
    cases += generate.parse_cases(seeds, seed_answers)
    if args.areas:
        wanted = set(args.areas.split(","))
        cases = [c for c in cases if c["area"] in wanted]
    for i, c in enumerate(cases):
        c["id"] = "dotnet-" + hashlib.sha1(json.dumps(c["oracle"], sort_keys=True).encode()).hexdigest()[:10]
    results = evaluate(cases, oracle, fx)

    # Culture acceptance: every culture .NET lists is accepted by flowexpr.
    accept = fx.ask([f"formatNumber(1, 'N0', {generate.quote(n)})" for n in names + extra_names])
    refused = [n for n, a in zip(names + extra_names, accept) if not a["ok"]]

    counts = defaultdict(Counter)
    for c, r in zip(cases, results):
        counts[c["area"]][r[0]] += 1
        if r[1]:
            counts[c["area"]]["rule " + r[1]] += 1
    diffs = [(c, r) for c, r in zip(cases, results) if r[0] == "differ"]
    minimised = minimise([c for c, _ in diffs], oracle, fx)
    final = evaluate(minimised, oracle, fx) if minimised else []
    numeric = counts.get("date_calendar", Counter())
    lines = ["# Differential run", "", f"seed {args.seed}, count {args.count}, {len(cases)} cases", "",
             "| area | cases | agree | documented | differ | agreement outside documented differences |",
             "|---|---|---|---|---|---|"]
    for area, c in sorted(counts.items()):
        n = c["agree"] + c["documented"] + c["differ"]
        rate = c["agree"] / max(1, c["agree"] + c["differ"]) * 100
        lines.append(f"| {area} | {n} | {c['agree']} | {c['documented']} | {c['differ']} | {rate:.2f} % |")
    lines += ["", f"cultures .NET lists: {len(names)}, and {len(extra_names)} more it accepts by name; refused by "
                  f"flowexpr: {len(refused)} {refused[:20]}", ""]
    rules = Counter(r[1] for r in results if r[1])
    lines += ["documented differences by decision: " + ", ".join(f"{k} {v}" for k, v in sorted(rules.items())), ""]
    groups = defaultdict(list)
    for case, v in zip(minimised, final):
        groups[signature(case, v)].append((case, v))
    lines += ["## Differences (minimised), grouped", ""]
    for sig, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        case, v = items[0]
        lines.append(f"- {len(items)}× {sig}\n  - `{case['expr']}`\n  - .NET: {json.dumps(v[2], ensure_ascii=False)}"
                     f"\n  - flowexpr: {json.dumps(v[3].get('value', v[3].get('error')), ensure_ascii=False)}")
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "differences.jsonl"), "w", encoding="utf-8") as f:
        for case, v in zip(minimised, final):
            f.write(json.dumps({"case": case, "dotnet": v[2], "flowexpr": v[3]}, ensure_ascii=False) + "\n")
    print("\n".join(lines[:len(counts) + 12]))
    print(f"report: {os.path.join(args.out, 'report.md')}")
    if args.export:
        fixed = []
        if args.fixed_since:
            before = evaluate(cases, oracle, Flowexpr(args.fixed_since))
            fixed = [(c, r) for c, r, b in zip(cases, results, before) if b[0] == "differ" and r[0] != "differ"]
            print(f"{len(fixed)} cases fixed since {args.fixed_since}")
        export(cases, results, minimised, final, rng, fixed)


def export(cases, results, minimised, final, rng, fixed=()):
    """Writes the cases `cargo test` keeps: the minimised differences flowexpr now gets right, the cases an older
    build got wrong (`fixed`, at most 60 of each kind), the documented differences (with the service's value) and a
    sample of each area. A case whose answer depends on today's date (a parsed time without a date) is left out."""
    by_area = defaultdict(list)
    for c, r in zip(cases, results):
        if r[0] != "differ" and not c.get("today"):
            by_area[c["area"]].append((c, r))
    chosen = []
    for area, items in sorted(by_area.items()):
        documented = [cr for cr in items if cr[1][0] == "documented"]
        chosen += rng.sample(items, min(len(items), 150)) + documented[:40]
    # (a sample per area, plus documented differences so each decision is exercised)
    chosen += [(c, r) for c, r in zip(minimised, final) if r[0] != "differ" and not c.get("today")]
    # Of each kind of fix (area, operation, format), at most 60, one language after another.
    kinds = defaultdict(lambda: defaultdict(list))
    for c, r in fixed:
        if not c.get("today"):
            kind = (c["area"], c["oracle"]["op"], c["oracle"].get("format"))
            kinds[kind][(c.get("culture") or "").split("-")[0]].append((c, r))
    for languages in kinds.values():
        queues = [list(items) for _, items in sorted(languages.items())]
        taken = []
        while len(taken) < 60 and any(queues):
            taken += [q.pop(0) for q in queues if q][:60 - len(taken)]
        chosen += taken
    seen = set()
    path = os.path.join(ROOT, "tests", "conformance", "dotnet-cases.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for c, r in sorted(chosen, key=lambda cr: (cr[0]["area"], cr[0]["id"])):
            if c["id"] in seen:
                continue
            seen.add(c["id"])
            kind, value = r[2]
            row = {"id": c["id"], "area": c["area"], "expr": c["expr"], "compare": c["compare"]}
            row["expected"] = {"error": True} if kind == "error" else value
            if r[1]:
                row["decision"] = r[1]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(seen)} cases to {path}")


if __name__ == "__main__":
    main()
