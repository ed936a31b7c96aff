//! What a run can hold, checked statically: nested loops whose iteration counts follow from
//! the definition alone (a literal array, `@range(0, 100000)`, an expression over parameter
//! defaults, an Until's `limit.count`) must not multiply past the run's capacity, and a Wait
//! whose length is written out must not outlast a run (`crate::limits::run`). The runner
//! checks the same before it starts, with the real parameter values.

use serde_json::Value as Json;

use crate::limits::run::{too_many_executions, wait_too_long, MAX_ACTION_EXECUTIONS, MAX_DURATION};
use crate::template::push_pointer_token;
use crate::value::{Object, Value};
use crate::{Engine, RunContext};

/// A finding: the JSON pointer and the message.
pub(crate) type Problem = (String, &'static str, String);

/// The loops and Waits of a definition that exceed what a run can hold.
pub(crate) fn check(root: &Json, prefix: &str) -> Vec<Problem> {
    let mut parameters = Object::new();
    if let Some(Json::Object(declared)) = root.get("parameters") {
        for (name, p) in declared {
            if let Some(default) = p.get("defaultValue") {
                parameters.insert(name.as_str(), Value::from(default.clone()));
            }
        }
    }
    let context = RunContext { parameters, ..Default::default() };
    let mut walk = Walk { engine: Engine::new(), context, loops: Vec::new(), problems: Vec::new() };
    if let Some(Json::Object(actions)) = root.get("actions") {
        walk.container(actions, &format!("{prefix}/actions"));
    }
    walk.problems
}

struct Walk {
    engine: Engine,
    context: RunContext,
    loops: Vec<(String, u64)>,
    problems: Vec<Problem>,
}

impl Walk {
    fn container(&mut self, actions: &serde_json::Map<String, Json>, pointer: &str) {
        for (name, action) in actions {
            let mut p = pointer.to_string();
            p.push('/');
            push_pointer_token(&mut p, name);
            let kind = action.get("type").and_then(Json::as_str).unwrap_or("").to_ascii_lowercase();
            if kind == "wait" {
                self.wait(name, action, &p);
            }
            let count = match kind.as_str() {
                "foreach" => action.get("foreach").and_then(|f| self.render(f)).and_then(|v| match v {
                    Value::Array(a) => Some(a.len() as u64),
                    _ => None,
                }),
                "until" => {
                    let count = action.get("limit").and_then(|l| l.get("count"));
                    match count {
                        None => Some(60),
                        Some(c) => self.render(c).and_then(|v| v.as_i64()).map(|n| n.max(1) as u64),
                    }
                }
                _ => None,
            };
            if let Some(n) = count {
                self.loops.push((name.clone(), n));
                let total = self.loops.iter().fold(1u64, |t, (_, n)| t.saturating_mul(*n));
                if total > MAX_ACTION_EXECUTIONS {
                    self.problems.push((p.clone(), "run-capacity", too_many_executions(&self.loops, total)));
                    self.loops.pop();
                    continue;
                }
            }
            for (key, body) in [("actions", action.get("actions")), ("else", action.get("else"))] {
                let inner = if key == "else" { body.and_then(|e| e.get("actions")) } else { body };
                if let Some(Json::Object(children)) = inner {
                    let suffix = if key == "else" { "/else/actions" } else { "/actions" };
                    self.container(children, &format!("{p}{suffix}"));
                }
            }
            if let Some(Json::Object(cases)) = action.get("cases") {
                for (case, body) in cases {
                    if let Some(Json::Object(children)) = body.get("actions") {
                        let mut cp = format!("{p}/cases/");
                        push_pointer_token(&mut cp, case);
                        self.container(children, &format!("{cp}/actions"));
                    }
                }
            }
            if let Some(Json::Object(children)) = action.get("default").and_then(|d| d.get("actions")) {
                self.container(children, &format!("{p}/default/actions"));
            }
            if count.is_some() {
                self.loops.pop();
            }
        }
    }

    /// A value the definition gives, with its expressions evaluated against the parameters'
    /// defaults; `None` when it depends on anything else.
    fn render(&self, value: &Json) -> Option<Value> {
        self.engine.render(&Value::from(value.clone()), &self.context).ok()
    }

    fn wait(&mut self, name: &str, action: &Json, pointer: &str) {
        let Some(interval) = action.get("inputs").and_then(|i| i.get("interval")) else { return };
        let Some(interval) = self.render(interval) else { return };
        if let (Some(count), Some(seconds)) = interval_parts(&interval) {
            let total = count * seconds;
            if total > MAX_DURATION.as_secs_f64() {
                self.problems.push((
                    format!("{pointer}/inputs/interval"),
                    "wait-too-long",
                    wait_too_long(name, total),
                ));
            }
        }
    }
}

/// A Wait's `interval`: its count and the seconds of its unit, when they are readable.
/// (The runner's Wait reads its interval with this too.)
pub(crate) fn interval_parts(interval: &Value) -> (Option<f64>, Option<f64>) {
    let count = interval.member("count").and_then(|c| match c {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => other.as_f64(),
    });
    let unit = interval.member("unit").map(|u| u.to_text().to_ascii_lowercase()).unwrap_or_default();
    let seconds = match unit.as_str() {
        "second" => Some(1.0),
        "minute" => Some(60.0),
        "hour" => Some(3600.0),
        "day" => Some(86_400.0),
        "week" => Some(604_800.0),
        "month" => Some(30.0 * 86_400.0),
        _ => None,
    };
    (count, seconds)
}
