//! flowexpr's side of the differential harness (`tools/differential/run.py`): reads JSON
//! lines `{"id": .., "expr": ..}` on stdin and writes one line per case,
//! `{"id": .., "ok": true, "value": <string() of the result>}` or `{"id": .., "ok": false,
//! "error": ..}`. Each expression is evaluated with an empty run context, as the service
//! would evaluate it in a flow with no inputs.
//!
//! ```sh
//! echo '{"id": 1, "expr": "formatNumber(4586802, '"'"'E3'"'"')"}' | cargo run --example differential_answers
//! ```
// Printing freely is fine here; the redacting sink (clippy.toml) is for the library and the
// command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::io::{self, BufRead, BufWriter, Write};

use flowexpr::{Engine, RunContext};
use serde_json::{json, Value as Json};

fn answer(engine: &Engine, context: &RunContext, case: &Json) -> Json {
    let id = case.get("id").cloned().unwrap_or(Json::Null);
    let Some(expr) = case.get("expr").and_then(Json::as_str) else {
        return json!({"id": id, "ok": false, "error": "the case has no \"expr\""});
    };
    match engine.eval(expr, context) {
        Ok(value) => {
            json!({"id": id, "ok": true, "value": value.to_text(), "type": value.value_type().name()})
        }
        Err(e) => json!({"id": id, "ok": false, "error": e.to_string()}),
    }
}

fn main() -> io::Result<()> {
    let engine = Engine::new();
    let context = RunContext::default();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Json>(&line) {
            Ok(case) => answer(&engine, &context, &case),
            Err(e) => json!({"ok": false, "error": format!("not JSON: {e}")}),
        };
        writeln!(out, "{reply}")?;
    }
    out.flush()
}
