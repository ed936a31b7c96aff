//! Runs every conformance case in `tests/conformance/*.jsonl` (facts about the hosted
//! service's expression engine) against flowexpr.
//!
//! * `divergences.txt` lists the cases that do not pass yet, each with a reason. The test
//!   fails when a case outside the list fails, and when a listed case starts passing (so
//!   the list only shrinks).
//! * `decisions.jsonl` holds our decision for cases whose documented result is doubtful;
//!   the harness checks the decision instead of the documented value.
//!
//! Run `cargo test --test conformance -- --nocapture` for the summary.

use std::collections::{BTreeMap, HashMap};

use flowexpr::{Engine, RunContext, Value};
use serde_json::Value as Json;

const FILES: [(&str, &str); 2] = [
    ("docs.jsonl", include_str!("../conformance/docs.jsonl")),
    ("runtime-checked.jsonl", include_str!("../conformance/runtime-checked.jsonl")),
];
const DIVERGENCES: &str = include_str!("../conformance/divergences.txt");
const DECISIONS: &str = include_str!("../conformance/decisions.jsonl");

struct Case {
    file: &'static str,
    json: Json,
}

impl Case {
    fn id(&self) -> &str {
        self.json["id"].as_str().unwrap_or("?")
    }
    fn kind(&self) -> &str {
        self.json["kind"].as_str().unwrap_or("?")
    }
    fn expr(&self) -> &str {
        self.json["expr"].as_str().unwrap_or("")
    }
    fn flag(&self, name: &str) -> bool {
        self.json.get(name).is_some_and(|v| v.as_bool() == Some(true) || v.is_string())
    }
}

fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (file, text) in FILES {
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let json: Json =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: not JSON: {e}", n + 1));
            cases.push(Case { file, json });
        }
    }
    cases
}

fn load_divergences() -> BTreeMap<String, String> {
    DIVERGENCES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "divergence {id} has no reason");
            (id.to_string(), reason.trim().to_string())
        })
        .collect()
}

fn load_decisions() -> HashMap<String, Json> {
    DECISIONS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let d: Json = serde_json::from_str(l).unwrap_or_else(|e| panic!("decisions.jsonl: {e}: {l}"));
            let id = d["id"].as_str().unwrap_or_else(|| panic!("decision without id: {l}")).to_string();
            assert!(d["reason"].as_str().is_some_and(|r| !r.is_empty()), "decision {id} has no reason");
            (id, d)
        })
        .collect()
}

/// What running a case gave.
enum Got {
    Value(Value),
    Error { message: String, parse: bool },
}

fn run(engine: &Engine, case: &Case, template_mode: bool) -> Got {
    let ctx = match case.json.get("context") {
        Some(c) => match RunContext::from_value(&Value::from_json(c)) {
            Ok(ctx) => ctx,
            Err(e) => return Got::Error { message: format!("bad context: {e}"), parse: false },
        },
        None => RunContext::default(),
    };
    let expr = case.expr();
    if template_mode {
        match engine.compile_template(expr) {
            Err(e) => Got::Error { message: e.to_string(), parse: true },
            Ok(t) => match t.render(&ctx) {
                Ok(v) => Got::Value(v),
                Err(e) => Got::Error { message: e.to_string(), parse: false },
            },
        }
    } else {
        match engine.compile(expr) {
            Err(e) => Got::Error { message: e.to_string(), parse: true },
            Ok(x) => match x.eval(&ctx) {
                Ok(v) => Got::Value(v),
                Err(e) => Got::Error { message: e.to_string(), parse: false },
            },
        }
    }
}

/// Is the case's input a template (a whole JSON string value) rather than a bare
/// expression?
fn is_template(case: &Case) -> bool {
    match case.kind() {
        "template" => true,
        "eval_error" => case.expr().starts_with('@'),
        // The language-service parser (Azure/LogicAppsUX) is given bare expressions.
        "parse_error" => {
            case.json["source"].as_str() != Some("Azure/LogicAppsUX") && case.expr().contains('@')
        }
        _ => false,
    }
}

/// Numbers compare by value (the JSON of a documented example cannot say whether `3` is an
/// integer or the float 3.0), with a small relative tolerance for decimals printed as
/// doubles.
fn numbers_match(a: &Json, b: &Json) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs()),
            _ => false,
        },
    }
}

fn json_match(actual: &Json, expected: &Json) -> bool {
    match (actual, expected) {
        (Json::Number(_), Json::Number(_)) => numbers_match(actual, expected),
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_match(x, y))
        }
        (Json::Object(a), Json::Object(b)) => {
            if let (Some(ca), Some(cb)) = (a.get("$content"), b.get("$content")) {
                // Binary: same content type and the same bytes.
                return a.len() == b.len()
                    && a.get("$content-type") == b.get("$content-type")
                    && decode(ca) == decode(cb)
                    && a.iter()
                        .filter(|(k, _)| !k.starts_with('$'))
                        .all(|(k, v)| b.get(k).is_some_and(|w| json_match(v, w)));
            }
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| json_match(v, w)))
        }
        _ => actual == expected,
    }
}

fn decode(v: &Json) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text: String = v.as_str()?.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// XML compared without the whitespace between tags.
fn normalize_xml(s: &str) -> String {
    let mut out = String::new();
    let mut pending = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            pending.push(c);
            continue;
        }
        if !(out.ends_with('>') && c == '<') {
            out.push_str(&pending);
        }
        pending.clear();
        out.push(c);
    }
    out
}

fn xml_text(v: &Value) -> Option<String> {
    match v {
        Value::Binary(b) => Some(b.text()),
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The shape of a nondeterministic string: hex digits become `h`.
fn hex_shape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() || ('a'..='f').contains(&c) { 'h' } else { c }).collect()
}

fn guid_shape(format: &str) -> String {
    let d = "00000000-0000-0000-0000-000000000000";
    hex_shape(&match format {
        "N" => "0".repeat(32),
        "B" => format!("{{{d}}}"),
        "P" => format!("({d})"),
        "X" => "{0x00000000,0x0000,0x0000,{0x00,0x00,0x00,0x00,0x00,0x00,0x00,0x00}}".to_string(),
        _ => d.to_string(),
    })
}

fn check_value(case: &Case, decision: Option<&Json>, expected: &Json, got: &Value) -> Result<(), String> {
    let actual = got.to_json();
    let show = || format!("got {}", serde_json::to_string(&actual).unwrap_or_default());
    // A decision may say how to compare (its own expected_type), overriding the case's.
    let expected_type = match decision {
        Some(d) if d.get("expected_type").is_some() => d.get("expected_type"),
        _ => case.json.get("expected_type"),
    };
    match expected_type.and_then(Json::as_str) {
        Some("xml") => {
            let want = expected.as_str().unwrap_or("");
            return match xml_text(got) {
                Some(t) if normalize_xml(&t) == normalize_xml(want) => Ok(()),
                _ => Err(show()),
            };
        }
        Some("xml[]") => {
            let (Some(items), Some(want)) = (got.as_array(), expected.as_array()) else { return Err(show()) };
            let ok = items.len() == want.len()
                && items
                    .iter()
                    .zip(want)
                    .all(|(g, w)| xml_text(g).map(|t| normalize_xml(&t)) == w.as_str().map(normalize_xml));
            return if ok { Ok(()) } else { Err(show()) };
        }
        _ => {}
    }
    if case.json.get("match").and_then(Json::as_str) == Some("one_of") {
        let options = expected.as_array().cloned().unwrap_or_default();
        return if options.iter().any(|o| json_match(&actual, o)) { Ok(()) } else { Err(show()) };
    }
    if case.flag("nondeterministic") && case.json.get("shape").is_some() {
        let want = match expected.as_str() {
            Some(example) => hex_shape(example),
            None => {
                let format = case.expr().split('\'').nth(1).unwrap_or("D").to_ascii_uppercase();
                guid_shape(&format)
            }
        };
        return match got.as_str() {
            Some(s) if hex_shape(s) == want => Ok(()),
            _ => Err(format!("{} (want shape {want})", show())),
        };
    }
    if case.flag("illustrative") {
        let same_type = std::mem::discriminant(&actual) == std::mem::discriminant(expected);
        return if same_type {
            Ok(())
        } else {
            Err(format!("{} (illustrative: want the type of {expected})", show()))
        };
    }
    if json_match(&actual, expected) {
        Ok(())
    } else {
        Err(show())
    }
}

fn check(engine: &Engine, case: &Case, decision: Option<&Json>) -> Result<(), String> {
    let kind = decision.and_then(|d| d["kind"].as_str()).unwrap_or(case.kind());
    let expected = decision.map_or(&case.json["expected"], |d| &d["expected"]);
    let got = run(engine, case, is_template(case));
    match (kind, got) {
        ("eval" | "template", Got::Value(v)) => check_value(case, decision, expected, &v),
        ("eval" | "template", Got::Error { message, .. }) => Err(format!("error: {message}")),
        ("eval_error" | "parse_error", Got::Value(v)) => {
            Err(format!("expected an error, got {}", v.to_json()))
        }
        (k, Got::Error { message, parse }) => {
            if k == "parse_error" && !parse {
                return Err(format!("expected a parse error, got an evaluation error: {message}"));
            }
            match expected.get("message_contains").and_then(Json::as_str) {
                Some(fragment) if !message.contains(fragment) => {
                    Err(format!("message lacks {fragment:?}: {message}"))
                }
                _ => Ok(()),
            }
        }
        (k, _) => Err(format!("unknown kind {k}")),
    }
}

#[test]
fn conformance() {
    let engine = Engine::new();
    let cases = load_cases();
    let divergences = load_divergences();
    let decisions = load_decisions();
    let mut problems = Vec::new();
    let mut per_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for case in &cases {
        let id = case.id().to_string();
        assert!(seen.insert(id.clone()), "duplicate case id {id}");
        if case.flag("doubt") && !decisions.contains_key(&id) && !divergences.contains_key(&id) {
            problems
                .push(format!("{id}: a doubtful case needs a decision in decisions.jsonl or a divergence"));
        }
        let result = check(&engine, case, decisions.get(&id));
        let entry = per_file.entry(case.file).or_default();
        entry.1 += 1;
        match (result, divergences.get(&id)) {
            (Ok(()), None) => entry.0 += 1,
            (Ok(()), Some(_)) => problems.push(format!("{id}: passes now; remove it from divergences.txt")),
            (Err(e), None) => problems.push(format!("{id}: {:?} — {e}", case.expr())),
            (Err(_), Some(_)) => {}
        }
    }
    for (id, decision) in
        decisions.iter().map(|(id, d)| (id, Some(d))).chain(divergences.keys().map(|id| (id, None)))
    {
        // A decision about another file's cases (the .NET cases) is checked by that file's test.
        if decision.is_some_and(|d| d.get("file").is_some()) {
            continue;
        }
        assert!(seen.contains(id), "{id} is listed but is not a case");
    }
    for (file, (pass, total)) in &per_file {
        println!("conformance {file}: {pass}/{total} pass");
    }
    let total: usize = per_file.values().map(|(_, t)| t).sum();
    let pass: usize = per_file.values().map(|(p, _)| p).sum();
    println!(
        "conformance: {pass}/{total} pass, {} listed divergences, {} decisions",
        divergences.len(),
        decisions.len()
    );
    assert!(problems.is_empty(), "{} conformance problems:\n{}", problems.len(), problems.join("\n"));
}
