//! What an expression can read of a run: parameters, variables, app settings, the trigger,
//! the actions that have run, the current loop items, the workflow and the clock.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

/// The run state an expression reads. Every method has a default (nothing known, the
/// system clock), so an implementation supplies only what it has.
///
/// Values are returned by value: they are cheap to clone (shared, not copied).
pub trait Context {
    /// A workflow parameter (`parameters('name')`).
    fn parameter(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// A variable (`variables('name')`).
    fn variable(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// An app setting (`appsetting('name')`).
    fn appsetting(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The trigger's record: `{"outputs": {"headers", "body", ...}, "inputs", "status", ...}`.
    fn trigger(&self) -> Option<Value> {
        None
    }

    /// An action's record: `{"status", "inputs", "outputs": {"statusCode", "headers",
    /// "body"}, "startTime", "endTime", "code", "error"}`.
    fn action(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The action being evaluated (`action()`), where the service allows it.
    fn current_action(&self) -> Option<Value> {
        None
    }

    /// The current item of the named `Foreach` loop (`items('Loop')`), or of the innermost
    /// loop when `name` is `None` (`item()`).
    fn loop_item(&self, name: Option<&str>) -> Option<Value> {
        let _ = name;
        None
    }

    /// The index of the current iteration of the named `Until` (or `Foreach`) loop.
    fn iteration_index(&self, name: &str) -> Option<i64> {
        let _ = name;
        None
    }

    /// The records of the top-level actions inside a scope or loop (`result('Scope')`).
    fn scope_result(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The workflow's details (`workflow()`).
    fn workflow(&self) -> Option<Value> {
        None
    }

    /// The current time (`utcNow()`).
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A run context read from JSON — the shape the conformance cases use and the runner
/// writes as its run record:
///
/// ```json
/// {"parameters": {}, "variables": {}, "appsettings": {},
///  "trigger": {"outputs": {"headers": {}, "body": {}}},
///  "actions": {"Name": {"status": "Succeeded", "inputs": {},
///                       "outputs": {"statusCode": 200, "headers": {}, "body": {}}}},
///  "items": {"LoopName": "current item"}, "iterationIndexes": {"UntilLoop": 0},
///  "workflow": {"name": "..."}, "clock": "2024-01-15T10:30:00Z"}
/// ```
///
/// Every key is optional. `item()` reads `"item"` if present, else the last entry of
/// `"items"`. `result('Scope')` reads `"results"` if present, else the records in
/// `"actions"` whose `"parent"` is the scope. Names are matched exactly first, then
/// without regard to case; action names also match with spaces written as `_`.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// Workflow parameter values.
    pub parameters: Object,
    /// Variable values.
    pub variables: Object,
    /// App settings.
    pub appsettings: Object,
    /// The trigger record.
    pub trigger: Value,
    /// Action records by name.
    pub actions: Object,
    /// The current item of each loop, by loop name.
    pub items: Object,
    /// The current item of the innermost loop, if set explicitly.
    pub item: Option<Value>,
    /// The current iteration index of each loop, by loop name.
    pub iteration_indexes: Object,
    /// Explicit `result()` values by scope name.
    pub results: Object,
    /// The current action record (`action()`).
    pub action: Option<Value>,
    /// The workflow's details.
    pub workflow: Value,
    /// The fixed time `utcNow()` returns; the system clock when `None`.
    pub clock: Option<DateTime<Utc>>,
}

impl RunContext {
    /// An empty context that reads the system clock.
    pub fn new() -> RunContext {
        RunContext::default()
    }

    /// Reads a context from a value of the documented shape.
    pub fn from_value(value: &Value) -> Result<RunContext> {
        let Some(root) = value.as_object() else {
            return Err(Error::new(
                ErrorKind::Definition,
                format!("a run context must be a JSON object, not {}", value.value_type()),
            ));
        };
        let object = |key: &str| -> Result<Object> {
            match root.get_ci(key) {
                None | Some(Value::Null) => Ok(Object::new()),
                Some(Value::Object(o)) => Ok(o.clone()),
                Some(other) => Err(Error::new(
                    ErrorKind::Definition,
                    format!("run context: \"{key}\" must be an object, not {}", other.value_type()),
                )
                .with_pointer(format!("/{key}"))),
            }
        };
        let clock = match root.get_ci("clock") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_clock(s).map_err(|e| e.with_pointer("/clock"))?),
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!("run context: \"clock\" must be a timestamp string, not {}", other.value_type()),
                )
                .with_pointer("/clock"))
            }
        };
        Ok(RunContext {
            parameters: object("parameters")?,
            variables: object("variables")?,
            appsettings: object("appsettings")?,
            trigger: root.get_ci("trigger").cloned().unwrap_or_default(),
            actions: object("actions")?,
            items: object("items")?,
            item: root.get_ci("item").cloned(),
            iteration_indexes: object("iterationIndexes")?,
            results: object("results")?,
            action: root.get_ci("action").cloned(),
            workflow: root.get_ci("workflow").cloned().unwrap_or_default(),
            clock,
        })
    }

    /// Reads a context from JSON text.
    pub fn from_json_str(text: &str) -> Result<RunContext> {
        // A run record holds values as deep as JSON allows inside its own levels.
        let value =
            crate::value::from_json_str_nested(text, crate::value::MAX_RECORD_DEPTH).map_err(|e| {
                Error::new(ErrorKind::Definition, format!("the run context is not valid JSON: {e}"))
            })?;
        RunContext::from_value(&value)
    }

    /// Sets the clock.
    pub fn with_clock(mut self, clock: DateTime<Utc>) -> RunContext {
        self.clock = Some(clock);
        self
    }

    /// Writes the context back in its JSON shape (empty sections left out).
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        let mut put = |k: &str, v: &Object| {
            if !v.is_empty() {
                o.insert(k, Value::Object(v.clone()));
            }
        };
        put("parameters", &self.parameters);
        put("variables", &self.variables);
        put("appsettings", &self.appsettings);
        put("actions", &self.actions);
        put("items", &self.items);
        put("iterationIndexes", &self.iteration_indexes);
        put("results", &self.results);
        if !self.trigger.is_null() {
            o.insert("trigger", self.trigger.clone());
        }
        if let Some(item) = &self.item {
            o.insert("item", item.clone());
        }
        if let Some(action) = &self.action {
            o.insert("action", action.clone());
        }
        if !self.workflow.is_null() {
            o.insert("workflow", self.workflow.clone());
        }
        if let Some(clock) = self.clock {
            o.insert("clock", Value::from(clock.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)));
        }
        Value::Object(o)
    }
}

/// Parses a clock setting: RFC 3339 (`2024-01-15T10:30:00Z`, any offset, up to 9
/// fractional digits) or a date and time without offset, read as UTC.
pub fn parse_clock(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text.trim(), format) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!("'{text}' is not a timestamp: expected RFC 3339, like 2024-01-15T10:30:00Z"),
    ))
}

/// Looks a name up: exactly, then without regard to case.
fn find(o: &Object, name: &str) -> Option<Value> {
    o.get_ci(name).cloned()
}

impl Context for RunContext {
    fn parameter(&self, name: &str) -> Option<Value> {
        find(&self.parameters, name)
    }

    fn variable(&self, name: &str) -> Option<Value> {
        find(&self.variables, name)
    }

    fn appsetting(&self, name: &str) -> Option<Value> {
        find(&self.appsettings, name)
    }

    fn trigger(&self) -> Option<Value> {
        (!self.trigger.is_null()).then(|| self.trigger.clone())
    }

    fn action(&self, name: &str) -> Option<Value> {
        find(&self.actions, name)
            .or_else(|| name.contains(' ').then(|| find(&self.actions, &name.replace(' ', "_"))).flatten())
    }

    fn current_action(&self) -> Option<Value> {
        self.action.clone()
    }

    fn loop_item(&self, name: Option<&str>) -> Option<Value> {
        match name {
            Some(name) => find(&self.items, name),
            None => self
                .item
                .clone()
                .or_else(|| self.items.get_index(self.items.len().checked_sub(1)?).map(|(_, v)| v.clone())),
        }
    }

    fn iteration_index(&self, name: &str) -> Option<i64> {
        find(&self.iteration_indexes, name).and_then(|v| v.as_i64())
    }

    fn scope_result(&self, name: &str) -> Option<Value> {
        if let Some(v) = find(&self.results, name) {
            return Some(v);
        }
        let children: Vec<Value> = self
            .actions
            .iter()
            .filter(|(_, record)| {
                record
                    .member("parent")
                    .and_then(|p| p.as_str().map(|p| p.eq_ignore_ascii_case(name)))
                    .unwrap_or(false)
            })
            .map(|(action, record)| {
                let mut r = record.as_object().cloned().unwrap_or_default();
                if r.get("name").is_none() {
                    r.insert("name", Value::String(action.clone()));
                }
                Value::Object(r)
            })
            .collect();
        (!children.is_empty() || find(&self.actions, name).is_some()).then(|| Value::array(children))
    }

    fn workflow(&self) -> Option<Value> {
        (!self.workflow.is_null()).then(|| self.workflow.clone())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> RunContext {
        RunContext::from_json_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_every_section() {
        let c = ctx(r#"{
            "parameters": {"p": 1}, "variables": {"V": 2}, "appsettings": {"s": "x"},
            "trigger": {"outputs": {"body": {"a": 1}}},
            "actions": {"Get_user": {"status": "Succeeded"}, "Step": {"status": "Failed", "parent": "Try"}},
            "items": {"Outer": 1, "Inner": 2}, "iterationIndexes": {"Until": 3},
            "workflow": {"name": "wf"}, "clock": "2024-01-15T10:30:00Z"}"#);
        assert_eq!(c.parameter("p"), Some(Value::Int(1)));
        assert_eq!(c.variable("v"), Some(Value::Int(2)));
        assert_eq!(c.appsetting("s"), Some(Value::from("x")));
        assert!(c.action("Get user").is_some());
        assert!(c.action("get_USER").is_some());
        assert_eq!(c.loop_item(Some("outer")), Some(Value::Int(1)));
        assert_eq!(c.loop_item(None), Some(Value::Int(2)));
        assert_eq!(c.iteration_index("Until"), Some(3));
        assert_eq!(c.scope_result("Try").and_then(|v| v.as_array().map(<[Value]>::len)), Some(1));
        assert_eq!(c.now().to_rfc3339(), "2024-01-15T10:30:00+00:00");
        let back = RunContext::from_value(&c.to_value()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.to_value(), c.to_value());
    }

    #[test]
    fn rejects_malformed_sections() {
        assert!(RunContext::from_json_str(r#"{"variables": []}"#).is_err());
        assert!(RunContext::from_json_str(r#"{"clock": "yesterday"}"#).is_err());
        assert!(RunContext::from_json_str("[]").is_err());
        assert!(RunContext::from_json_str("{").is_err());
    }

    #[test]
    fn clock_forms() {
        assert!(parse_clock("2018-03-01T00:00:00.0000000Z").is_ok());
        assert!(parse_clock("2018-03-01T00:00:00").is_ok());
        assert!(parse_clock("2018-03-01").is_ok());
        assert!(parse_clock("2018-03-01T00:00:00+02:00")
            .is_ok_and(|t| t.to_rfc3339() == "2018-02-28T22:00:00+00:00"));
    }
}
