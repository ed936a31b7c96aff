#!/usr/bin/env bash
# Writes fuzz seeds from the project's corpus and conformance cases, and a dictionary of the
# built-in function names (from the registry) to wdl.dict.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p seeds/parse seeds/eval seeds/render
python3 - <<'PY'
import json, hashlib, pathlib
def write(kind, data):
    p = pathlib.Path("seeds") / kind / hashlib.sha1(data).hexdigest()[:16]
    p.write_bytes(data)
for line in open("../tests/corpus/expressions.txt", encoding="utf-8"):
    if not line.strip():
        continue
    text = json.loads(line)
    write("parse", text.encode())
    write("render", json.dumps({"value": text}).encode())
    if text.startswith("@") and not text.startswith("@{"):
        write("eval", b"{}\0" + text[1:].encode())
for name in ["docs.jsonl", "runtime-checked.jsonl"]:
    for line in open("../tests/conformance/" + name, encoding="utf-8"):
        case = json.loads(line)
        expr = case["expr"]
        write("parse", expr.encode())
        ctx = json.dumps(case.get("context", {}))
        if case["kind"] in ("eval", "eval_error") and not expr.startswith("@"):
            write("eval", ctx.encode() + b"\0" + expr.encode())
        else:
            write("render", json.dumps({"v": expr}).encode())
PY
cargo run -q --manifest-path ../Cargo.toml --bin flowexpr -- functions --json \
  | python3 -c 'import json,sys; [print("\"%s(\"" % f["name"]) for f in json.load(sys.stdin)]' > wdl.dict
printf '"?["\n"?."\n"[0]"\n"'"''"'"\n"@{"\n"@@"\n"null"\n"true"\n"1e308"\n"-9223372036854775808"\n' >> wdl.dict
echo "seeds: $(ls seeds/parse | wc -l) parse, $(ls seeds/eval | wc -l) eval, $(ls seeds/render | wc -l) render; $(wc -l < wdl.dict) dictionary entries"
