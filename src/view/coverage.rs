//! The coverage overlay a test report draws on a flow's graph: which actions the suite's runs
//! reached, which branches they took and which runAfter edges they went along.
//!
//! Its JSON form (what [`Coverage::from_value`] reads and the page draws); every count is the
//! number of runs, and a missing entry counts 0:
//!
//! ```json
//! {
//!   "actions":  {"Get_Token": 5, "Explain_429": 0},
//!   "branches": {"Switch_On_Status": {"Rate_Limited": 0, "default": 2},
//!                "Is_Empty": {"true": 1, "false": 4}},
//!   "runAfter": [{"from": "Try", "to": "Catch", "status": "Failed", "runs": 2}]
//! }
//! ```
//!
//! - `actions`: an action is reached in a run when it ran (any status but Skipped, or no
//!   record at all).
//! - `branches`, by the If or Switch action's name: If branches are `true` and `false`,
//!   Switch branches are the case names as the definition writes them, and `default`.
//! - `runAfter`: the edge `from → to` was gone along with `status` when `to` ran because
//!   `from` ended with that status (one of the statuses its runAfter lists).

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

/// Which actions, branches and runAfter edges a set of runs exercised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Runs in which each action ran.
    pub actions: BTreeMap<String, u64>,
    /// Runs in which each branch was taken, by the If / Switch action and branch key.
    pub branches: BTreeMap<String, BTreeMap<String, u64>>,
    /// Runs in which each runAfter edge was gone along, with the status it was gone along with.
    pub run_after: Vec<EdgeCoverage>,
}

/// One runAfter edge with one of its statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeCoverage {
    /// The action run after.
    pub from: String,
    /// The action that runs after it.
    pub to: String,
    /// The status of `from` that let `to` run.
    pub status: String,
    /// In how many runs.
    pub runs: u64,
}

fn count(v: &Value, at: &str) -> Result<u64> {
    v.as_i64()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| invalid(at, "a count of runs (a whole number, 0 or more)"))
}

fn invalid(pointer: &str, wanted: &str) -> Error {
    Error::new(ErrorKind::Definition, format!("coverage: {pointer} should be {wanted}")).with_pointer(pointer)
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Object> {
    v.as_object().ok_or_else(|| invalid(at, "an object"))
}

fn text(v: Option<Value>, at: &str) -> Result<String> {
    v.and_then(|s| s.as_str().map(str::to_owned)).ok_or_else(|| invalid(at, "a string"))
}

impl Coverage {
    /// Reads the JSON form (see the module documentation).
    pub fn from_value(value: &Value) -> Result<Coverage> {
        let mut c = Coverage::default();
        let root = object(value, "/")?;
        if let Some(actions) = root.get("actions") {
            for (name, n) in object(actions, "/actions")? {
                c.actions.insert(name.to_string(), count(n, &format!("/actions/{name}"))?);
            }
        }
        if let Some(branches) = root.get("branches") {
            for (action, taken) in object(branches, "/branches")? {
                let at = format!("/branches/{action}");
                let mut keys = BTreeMap::new();
                for (key, n) in object(taken, &at)? {
                    keys.insert(key.to_string(), count(n, &format!("{at}/{key}"))?);
                }
                c.branches.insert(action.to_string(), keys);
            }
        }
        if let Some(edges) = root.get("runAfter") {
            let list = edges.as_array().ok_or_else(|| invalid("/runAfter", "an array"))?;
            for (i, e) in list.iter().enumerate() {
                let at = format!("/runAfter/{i}");
                c.run_after.push(EdgeCoverage {
                    from: text(e.member("from"), &format!("{at}/from"))?,
                    to: text(e.member("to"), &format!("{at}/to"))?,
                    status: text(e.member("status"), &format!("{at}/status"))?,
                    runs: count(&e.member("runs").unwrap_or_default(), &format!("{at}/runs"))?,
                });
            }
        }
        Ok(c)
    }

    /// The JSON form.
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        let actions: Object =
            self.actions.iter().map(|(k, n)| (k.as_str(), Value::from(*n as i64))).collect();
        o.insert("actions", Value::Object(actions));
        let branches: Object = self
            .branches
            .iter()
            .map(|(k, taken)| {
                let t: Object = taken.iter().map(|(b, n)| (b.as_str(), Value::from(*n as i64))).collect();
                (k.as_str(), Value::Object(t))
            })
            .collect();
        o.insert("branches", Value::Object(branches));
        let edges = self
            .run_after
            .iter()
            .map(|e| {
                let mut x = Object::new();
                x.insert("from", Value::from(e.from.as_str()));
                x.insert("to", Value::from(e.to.as_str()));
                x.insert("status", Value::from(e.status.as_str()));
                x.insert("runs", Value::from(e.runs as i64));
                Value::Object(x)
            })
            .collect();
        o.insert("runAfter", Value::array(edges));
        Value::Object(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_form_reads_back() {
        let text = r#"{"actions": {"A": 2, "B": 0}, "branches": {"Check": {"true": 1, "false": 0}},
            "runAfter": [{"from": "A", "to": "Check", "status": "Succeeded", "runs": 2}]}"#;
        let value = crate::value::from_json_str(text).unwrap_or_default();
        let c = Coverage::from_value(&value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.actions.get("A"), Some(&2));
        assert_eq!(c.branches.get("Check").and_then(|b| b.get("true")), Some(&1));
        assert_eq!(c.run_after[0].to, "Check");
        assert_eq!(Coverage::from_value(&c.to_value()).ok(), Some(c));
    }

    #[test]
    fn a_wrong_shape_names_its_place() {
        for (text, place) in [
            (r#"{"actions": {"A": -1}}"#, "/actions/A"),
            (r#"{"branches": {"If": []}}"#, "/branches/If"),
            (r#"{"runAfter": [{"from": "A", "to": "B", "runs": 1}]}"#, "/runAfter/0/status"),
            ("[]", "/"),
        ] {
            let value = crate::value::from_json_str(text).unwrap_or_default();
            let e = Coverage::from_value(&value).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(place), "{text}: {e}");
        }
    }
}
