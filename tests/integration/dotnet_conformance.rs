//! Cases from the differential harness (`tools/differential/run.py`): expressions whose
//! expected values are what a real .NET runtime answered (or, where a decision in
//! `decisions.jsonl` says the service's Windows data or .NET Framework behaviour differs,
//! what the service answers). They keep .NET's answers in `cargo test` without .NET.
//!
//! `compare` says how a result is compared: `text` exactly; `float` and `decimal` as
//! numbers; `int` as an integer; `bool` without regard to case; `timestamp` as the same
//! instant (or the same zoneless date and time). An expected `{"error": true}` means .NET
//! refused the input.

use std::collections::{BTreeMap, HashSet};

use flowexpr::{Engine, RunContext};
use serde_json::Value as Json;

const CASES: &str = include_str!("../conformance/dotnet-cases.jsonl");
const DECISIONS: &str = include_str!("../conformance/decisions.jsonl");

/// `2024-01-15T10:30:00.1234567+02:00` as a UTC instant's digits; a zoneless timestamp as
/// its own digits with 7 fraction digits.
fn normal_timestamp(text: &str) -> String {
    let (body, zone) = match text.strip_suffix('Z') {
        Some(body) => (body, Some(0)),
        None => match text.len().checked_sub(6).filter(|at| text.is_char_boundary(*at)) {
            Some(at) if matches!(text.as_bytes().get(at), Some(b'+' | b'-')) && text[at..].contains(':') => {
                let sign = if text.as_bytes()[at] == b'-' { -1 } else { 1 };
                let hours: i64 = text[at + 1..at + 3].parse().unwrap_or(0);
                let minutes: i64 = text[at + 4..].parse().unwrap_or(0);
                (&text[..at], Some(sign * (hours * 60 + minutes)))
            }
            _ => (text, None),
        },
    };
    let (base, frac) = body.split_once('.').unwrap_or((body, ""));
    let frac = format!("{frac:0<7}");
    let Some(minutes) = zone else { return format!("{base}.{frac}") };
    match chrono::NaiveDateTime::parse_from_str(base, "%Y-%m-%dT%H:%M:%S") {
        Ok(t) => format!("{}.{frac}Z", (t - chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%S")),
        Err(_) => text.to_string(),
    }
}

fn matches(compare: &str, expected: &str, got: &str) -> bool {
    match compare {
        "float" => match (expected.parse::<f64>(), got.parse::<f64>()) {
            (Ok(a), Ok(b)) => a == b || (a.is_nan() && b.is_nan()),
            _ => false,
        },
        "decimal" => {
            match (expected.parse::<rust_decimal::Decimal>(), got.parse::<rust_decimal::Decimal>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        "int" => expected.parse::<i64>().ok().is_some_and(|e| got.parse::<i64>().ok() == Some(e)),
        "bool" => expected.eq_ignore_ascii_case(got),
        "timestamp" => normal_timestamp(expected) == normal_timestamp(got),
        _ => expected == got,
    }
}

#[test]
fn dotnet_cases() {
    let engine = Engine::new();
    let context = RunContext::default();
    // The decisions about these cases, each with an example of its own that must hold.
    let decisions: Vec<Json> = DECISIONS
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|d| d["file"].as_str() == Some("dotnet-cases.jsonl"))
        .collect();
    for d in &decisions {
        let expr = d["expr"].as_str().unwrap_or("");
        let got = engine.eval(expr, &context).map(|v| v.to_text()).unwrap_or_else(|e| e.to_string());
        assert_eq!(Some(got.as_str()), d["expected"].as_str(), "decision {}: {expr}", d["id"]);
    }
    let decisions: HashSet<String> =
        decisions.iter().filter_map(|d| d["id"].as_str().map(str::to_string)).collect();
    let mut per_area: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, line) in CASES.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let case: Json =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("dotnet-cases.jsonl:{}: {e}", n + 1));
        let (id, expr) = (case["id"].as_str().unwrap_or("?"), case["expr"].as_str().unwrap_or(""));
        if let Some(decision) = case["decision"].as_str() {
            assert!(decisions.contains(decision), "{id}: decision {decision} is not in decisions.jsonl");
        }
        let compare = case["compare"].as_str().unwrap_or("text");
        let result = engine.eval(expr, &context);
        let ok = match (&case["expected"], &result) {
            (Json::Object(e), Err(_)) => e.get("error") == Some(&Json::Bool(true)),
            (Json::String(expected), Ok(value)) => matches(compare, expected, &value.to_text()),
            _ => false,
        };
        let area = per_area.entry(case["area"].as_str().unwrap_or("?").to_string()).or_default();
        area.0 += 1;
        if ok {
            area.1 += 1;
        } else {
            let got = result.map(|v| v.to_text()).unwrap_or_else(|e| format!("error: {e}"));
            failures.push(format!("{id}: {expr}\n  .NET: {}\n  flowexpr: {got}", case["expected"]));
        }
    }
    for (area, (total, passed)) in &per_area {
        println!("dotnet {area}: {passed}/{total}");
    }
    assert!(per_area.values().map(|a| a.0).sum::<usize>() > 1000, "the generated cases are missing");
    assert!(failures.is_empty(), "{} of the .NET cases fail:\n{}", failures.len(), failures.join("\n"));
}
