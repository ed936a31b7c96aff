//! The run record (the run-context shape `flowexpr eval --context` reads, plus per-action
//! status, timing, attempts and repetitions), the secrets a run starts with, and the readable
//! summary.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::runtime::redact::{Redactor, SECURED};
use crate::value::{Object, Str, Value};

use super::definition::{ActionDef, Workflow};
use super::status::Status;

/// Repetition summaries kept per action inside loops (the first ones, then failures).
pub const MAX_KEPT_REPETITIONS: usize = 100;

/// A timestamp as the service writes them: RFC 3339 in UTC with 7 fractional digits.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    format!("{}{:07}Z", t.format("%Y-%m-%dT%H:%M:%S."), t.timestamp_subsec_nanos() / 100)
}

/// What the run remembers about each action beyond its latest record: how often it ran
/// (inside loops), with which statuses, and a bounded list of repetitions.
#[derive(Default)]
pub(crate) struct Journal {
    entries: HashMap<String, Entry>,
}

#[derive(Default)]
struct Entry {
    count: usize,
    by_status: [usize; 5],
    repetitions: Vec<Value>,
    failures_kept: usize,
    real: Duration,
}

impl Journal {
    pub fn add(&mut self, name: &str, record: &Value, indexes: &[(Str, i64)], real: Duration) {
        let e = self.entries.entry(name.to_ascii_lowercase()).or_default();
        e.count += 1;
        e.real += real;
        let status = record
            .member("status")
            .and_then(|s| s.as_str().and_then(Status::parse))
            .unwrap_or(Status::Skipped);
        e.by_status[status.index()] += 1;
        if indexes.is_empty() {
            return;
        }
        let failed = status.is_failure();
        let keep =
            e.repetitions.len() < MAX_KEPT_REPETITIONS || (failed && e.failures_kept < MAX_KEPT_REPETITIONS);
        if keep {
            if failed && e.repetitions.len() >= MAX_KEPT_REPETITIONS {
                e.failures_kept += 1;
            }
            let mut r = Object::new();
            let idx: Object = indexes.iter().rev().map(|(n, i)| (n.clone(), Value::Int(*i))).collect();
            r.insert("iterationIndexes", Value::Object(idx));
            for k in ["status", "code", "startTime", "endTime", "error"] {
                if let Some(v) = record.member(k) {
                    r.insert(k, v);
                }
            }
            if let Some(a) = record.member("attempts") {
                r.insert("attempts", a);
            }
            e.repetitions.push(Value::Object(r));
        }
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.get(&name.to_ascii_lowercase())
    }
}

/// The secrets a run starts with: the values of its `securestring` and `secureobject`
/// parameters (every string and number inside them).
pub(crate) fn parameter_secrets(workflow: &Workflow, parameters: &Object) -> Redactor {
    let mut secrets = Redactor::new();
    for p in workflow.parameters.iter().filter(|p| p.ty.is_secure()) {
        if let Some(v) = parameters.get_ci(&p.name) {
            secrets.add_value(v);
        }
    }
    secrets
}

/// Builds the `actions` section: every action that has a record, in definition order, with
/// its type, parent and (inside loops) repetitions.
pub(crate) fn actions_section(
    workflow: &Workflow,
    latest: &dyn Fn(&str) -> Option<Value>,
    journal: &Journal,
) -> Object {
    let mut out = Object::new();
    workflow.actions.walk(&mut |a: &ActionDef| {
        let Some(record) = latest(&a.name) else { return };
        let mut r = match record {
            Value::Object(o) => o,
            _ => Object::new(),
        };
        if a.secure_inputs && r.contains_key("inputs") {
            r.insert("inputs", Value::from(SECURED));
        }
        if a.secure_outputs && r.contains_key("outputs") {
            r.insert("outputs", Value::from(SECURED));
        }
        r.insert("type", Value::from(a.type_name.clone()));
        if let Some(p) = &a.parent {
            r.insert("parent", Value::String(p.clone()));
        }
        if let Some(e) = journal.entry(&a.name) {
            if !e.repetitions.is_empty() || e.count > 1 {
                r.insert("repetitionCount", Value::from(e.count));
                let counts: Object = Status::ALL
                    .iter()
                    .filter(|s| e.by_status[s.index()] > 0)
                    .map(|s| (s.name(), Value::from(e.by_status[s.index()])))
                    .collect();
                r.insert("statusCounts", Value::Object(counts));
                // Parallel iterations finish in any order; list them by iteration.
                let mut repetitions = e.repetitions.clone();
                repetitions.sort_by_key(|rep| {
                    rep.member("iterationIndexes")
                        .and_then(|i| {
                            i.as_object().map(|o| o.values().filter_map(Value::as_i64).collect::<Vec<_>>())
                        })
                        .unwrap_or_default()
                });
                r.insert("repetitions", Value::array(repetitions));
            }
        }
        out.insert(a.name.clone(), Value::Object(r));
    });
    out
}

fn millis(record: &Value) -> Option<i64> {
    let t = |k: &str| {
        record.member(k).and_then(|v| v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()))
    };
    Some((t("endTime")? - t("startTime")?).num_milliseconds())
}

fn human(ms: i64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 120_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 7_200_000 {
        format!("{:.1} min", ms as f64 / 60_000.0)
    } else {
        format!("{:.1} h", ms as f64 / 3_600_000.0)
    }
}

/// The readable summary: the action tree with status and duration, then the run's status.
pub(crate) fn summary(workflow: &Workflow, record: &Value) -> String {
    let actions = record.member("actions").unwrap_or_default();
    let mut out = String::new();
    fn visit(c: &super::definition::Container, indent: usize, actions: &Value, out: &mut String) {
        for a in &c.actions {
            let Some(r) = actions.member(&a.name) else { continue };
            let status = r.member("status").map(|s| s.to_text()).unwrap_or_default();
            let code = r.member("code").map(|s| s.to_text()).unwrap_or_default();
            let dur =
                if status == "Skipped" { "-".to_string() } else { millis(&r).map(human).unwrap_or_default() };
            let mut note = String::new();
            if let Some(n) = r.member("repetitionCount").and_then(|n| n.as_i64()) {
                let counts =
                    r.member("statusCounts").and_then(|c| c.as_object().cloned()).unwrap_or_default();
                let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{} {k}", v.to_text())).collect();
                note.push_str(&format!("  ×{n} ({})", parts.join(", ")));
            }
            if let Some(n) = r.member("iterationCount").and_then(|n| n.as_i64()) {
                note.push_str(&format!("  {n} iteration{}", if n == 1 { "" } else { "s" }));
            }
            if let Some(a) =
                r.member("attempts").and_then(|a| a.as_array().map(<[Value]>::len)).filter(|n| *n > 1)
            {
                note.push_str(&format!("  {a} requests"));
            }
            if !code.is_empty() && code != "NotSpecified" && code != "OK" {
                note.push_str(&format!("  [{code}]"));
            }
            out.push_str(&format!("  {status:<10} {dur:>9}  {}{}{note}\n", "  ".repeat(indent), a.name));
            if status == "Failed" {
                if let Some(m) = r.member("error").and_then(|e| e.member("message")) {
                    let first = m.to_text().lines().next().unwrap_or("").to_string();
                    out.push_str(&format!("  {:<10} {:>9}  {}  ↳ {first}\n", "", "", "  ".repeat(indent)));
                }
            }
            for child in a.kind.children() {
                visit(child, indent + 1, actions, out);
            }
        }
    }
    visit(&workflow.actions, 0, &actions, &mut out);
    let status = record.member("status").map(|s| s.to_text()).unwrap_or_default();
    let total = millis(record).map(human).unwrap_or_default();
    if let Some(e) = record.member("error") {
        let code = e.member("code").map(|c| c.to_text()).unwrap_or_default();
        let message = e.member("message").map(|c| c.to_text()).unwrap_or_default();
        out.push_str(&format!("Error: {code}: {message}\n"));
    }
    out.push_str(&format!("Run {status} in {total} ({} actions)\n", workflow.action_count));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_seven_digits() {
        let t = DateTime::parse_from_rfc3339("2024-01-15T10:30:00.1234567Z").map(|t| t.with_timezone(&Utc));
        assert_eq!(t.map(timestamp).ok().as_deref(), Some("2024-01-15T10:30:00.1234567Z"));
    }
}
