#!/usr/bin/env bash
# Writes fuzz seeds for every target from the repository's own fixtures (the workflow,
# connector and Power Automate corpora copied under tests/, the conformance cases, the
# flow tests and examples), and a dictionary of the built-in function names (from the
# registry) to wdl.dict.
set -euo pipefail
cd "$(dirname "$0")"
TARGETS="parse eval render workflow check xml http_response connector flowtest_file junit repl cli_args redact project source"
for t in $TARGETS; do mkdir -p "seeds/$t"; done
python3 - <<'PY'
import json, hashlib, pathlib, glob, os
root = pathlib.Path("..")
def write(kind, data):
    if isinstance(data, str):
        data = data.encode()
    p = pathlib.Path("seeds") / kind / hashlib.sha1(data).hexdigest()[:16]
    p.write_bytes(data)
def read(path):
    return pathlib.Path(path).read_text(encoding="utf-8", errors="replace")

# Expressions: the corpus and the conformance cases.
for line in open(root / "tests/corpus/expressions.txt", encoding="utf-8"):
    if not line.strip():
        continue
    text = json.loads(line)
    write("parse", text)
    write("render", json.dumps({"value": text}))
    write("repl", text)
    if text.startswith("@") and not text.startswith("@{"):
        write("eval", "{}\0" + text[1:])
for name in ["docs.jsonl", "runtime-checked.jsonl"]:
    for line in open(root / "tests/conformance" / name, encoding="utf-8"):
        case = json.loads(line)
        expr = case["expr"]
        write("parse", expr)
        ctx = json.dumps(case.get("context", {}))
        if case["kind"] in ("eval", "eval_error") and not expr.startswith("@"):
            write("eval", ctx + "\0" + expr)
            if "xml(" in expr or "xpath(" in expr:
                write("xml", "<r><a x='1'>t</a><a/></r>\0" + "//a")
        else:
            write("render", json.dumps({"v": expr}))

# Workflow definitions: the corpus, the Power Automate exports, the examples and fixtures.
definitions = sorted(glob.glob(str(root / "tests/corpus/workflows/*.json")))
definitions += sorted(glob.glob(str(root / "tests/corpus/powerautomate/**/definition.json"), recursive=True))
definitions += sorted(glob.glob(str(root / "tests/check/*.json")))
definitions += [str(root / "examples/reconciliation/flow.json"), str(root / "tests/flowtest/flow.json")]
for path in definitions:
    text = read(path)
    write("check", text)
    write("workflow", text + "\0{}")
write("workflow", read(root / "examples/reconciliation/flow.json") + "\0" + read(root / "examples/reconciliation/mocks.json"))

# Connectors: definition NUL properties.
for d in sorted(glob.glob(str(root / "tests/fixtures/connectors/*/"))):
    d = pathlib.Path(d)
    swagger = next(iter(d.glob("apiDefinition*.json")), None)
    if swagger is None:
        continue
    props = d / "apiProperties.json"
    write("connector", read(swagger) + ("\0" + read(props) if props.exists() else ""))
for d in ["examples/connectors/expenses", "examples/connectors/slack"]:
    d = root / d
    if (d / "apiDefinition.swagger.json").exists():
        write("connector", read(d / "apiDefinition.swagger.json") + "\0" + read(d / "apiProperties.json"))

# Flow-test files.
for path in sorted(glob.glob(str(root / "tests/flowtest/*.flowtest.json"))) + sorted(glob.glob(str(root / "examples/**/*.flowtest.json"), recursive=True)):
    write("flowtest_file", read(path))

# XML documents: the exports' XML files, with a few XPath expressions.
for path in sorted(glob.glob(str(root / "tests/corpus/powerautomate/**/*.xml"), recursive=True))[:20]:
    for xp in ["/*", "count(//*)", "//*[local-name()='a']/@b", "string(/*/*[1])"]:
        write("xml", read(path)[:20000] + "\0" + xp)

# HTTP answers: header line, then the body.
for seed in [
    "content-type: application/json; charset=utf-8\n{\"value\": [1], \"nextLink\": \"http://127.0.0.1/x\"}",
    "content-type: text/plain; charset=iso-8859-1\nhello",
    "content-type: application/octet-stream\n\x00\x01\x02",
    "content-type: application/xml\n<a/>",
    "retry-after: 120\n",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "1e300", "999999999", "PT1H30M", "P1DT2H", "PT0.5S",
    "{\"access_token\": \"t\", \"token_type\": \"Bearer\", \"expires_in\": \"3599\"}",
]:
    write("http_response", seed)
pfx = root / "tests/integration/http_support/client.pfx.b64"
if pfx.exists():
    write("http_response", read(pfx))

# JUnit, the command line, the redactor.
for seed in ["suite\0case <&>\0message ]]>\0details \x01\x1b\0ok", "a\0b\0c\0d\0e"]:
    write("junit", seed)
for seed in ["eval\0add(1, 2)\0--clock\02024-01-15T10:30:00Z", "run\0flow.json\0--time-scale\00.01\0--trigger-header\0A=b",
             "http\0a.json\0--dry-run\0--seed\07", "test\0.\0--jobs\02", "2024-02-29T24:00:00+14:00",
             "{\"name\": {\"value\": 5}}"]:
    write("cli_args", seed)
for seed in [":help concat", ":functions math", ":set variables.x = add(1, 2)", ":set clock 2020-02-29T00:00:00Z",
             ":ast add(1, 2)", ":type createArray(1)", "\"@body('Get')?['a']\"", ":context"]:
    write("repl", seed)
for seed in ["K3y+/=&%Z q\"9\\w\0before \0 after", "hunter22\0Basic \0", "tok-123456\0https://x/?k=\0&y=1"]:
    write("redact", seed)

# Exports for the project loader: a mode byte (even: the bytes as they are; odd: a folder as
# `path NUL contents NUL ...`, packed into a zip by the target), then the export. The zips
# and exported flow files of the Power Automate corpus and the examples; the unpacked
# packages and solutions, the Standard example project and the solution fixture as folders.
exports = sorted(glob.glob(str(root / "tests/corpus/powerautomate/**/*.zip"), recursive=True))
exports += sorted(glob.glob(str(root / "examples/powerautomate/*.zip")))
for path in exports:
    write("project", b"\0" + pathlib.Path(path).read_bytes())
for path in definitions:
    write("project", b"\0" + pathlib.Path(path).read_bytes())
def folder(d):
    d = pathlib.Path(d)
    out = b""
    for f in sorted(d.rglob("*")):
        if f.is_file() and f.suffix.lower() in (".json", ".xml") and f.stat().st_size < 200_000:
            out += str(f.relative_to(d)).encode() + b"\0" + f.read_bytes() + b"\0"
    return out
folders = sorted(glob.glob(str(root / "tests/corpus/powerautomate/pnp/*/sourcecode")))
folders += sorted(glob.glob(str(root / "tests/corpus/powerautomate/pnp/*/sourcecode/src")))
folders += [str(root / "examples/standard"), str(root / "tests/fixtures/solutions/expenses")]
for d in folders:
    packed = folder(d)
    if packed:
        write("project", b"\1" + packed)

# Files as people save them, for source decoding: `pointer NUL bytes`, with and without a
# UTF-8 byte-order mark, as UTF-16 (refused), and cut in the middle of a character.
sources = [root / "examples/standard/local.settings.json", root / "examples/standard/connections.json",
           root / "examples/standard/orders/workflow.json", root / "examples/reconciliation/mocks.json",
           root / "examples/http/oauth.context.json", root / "tests/fixtures/solutions/expenses/customizations.xml"]
sources += [pathlib.Path(p) for p in definitions[:10]]
for path in sources:
    data = pathlib.Path(path).read_bytes()
    for pointer in [b"/", b"/actions", b"/definition/actions/Describe/inputs", b"/Values/REGION", b"/nope/0"]:
        write("source", pointer + b"\0" + data)
    write("source", b"/\0\xef\xbb\xbf" + data)
    write("source", b"/\0\xff\xfe" + data.decode("utf-8", "replace").encode("utf-16-le"))
    write("source", b"/\0" + data[:40] + "é".encode()[:1] + data[40:80])
PY
cargo run -q --manifest-path ../Cargo.toml --bin flowexpr -- functions --json \
  | python3 -c 'import json,sys; [print("\"%s(\"" % f["name"]) for f in json.load(sys.stdin)]' > wdl.dict
printf '"?["\n"?."\n"[0]"\n"'"''"'"\n"@{"\n"@@"\n"null"\n"true"\n"1e308"\n"-9223372036854775808"\n' >> wdl.dict
for t in $TARGETS; do printf '%s %s, ' "$(ls "seeds/$t" | wc -l)" "$t"; done; echo "seeds; $(wc -l < wdl.dict) dictionary entries"
