//! Runs exported from the service's run history, read into the run-record shape the page
//! draws (the shape `flowexpr run --out` writes).
//!
//! The Azure Resource Manager API of Logic Apps (and Power Automate's, which serves the same
//! resources under `Microsoft.ProcessSimple`) gives a run in pieces, each a JSON response:
//!
//! - the run (`GET …/runs/{run}`): `{"id", "name", "type": "…/runs", "properties": {status,
//!   code, error, startTime, endTime, trigger, outputs, workflow, correlation}}`;
//! - its actions (`GET …/runs/{run}/actions`): `{"value": [{"name", "type": "…/runs/actions",
//!   "properties": {status, code, error, startTime, endTime, correlation, inputsLink,
//!   outputsLink, trackedProperties, retryHistory: [{startTime, endTime, code,
//!   clientRequestId, serviceRequestId, error}]}}], "nextLink"}`;
//! - the repetitions of an action inside a loop (`GET …/actions/{action}/repetitions`) and
//!   the iterations of a loop (`…/scopeRepetitions`): `{"value": [{"name": "000000", "id":
//!   "…/actions/{action}/repetitions/000000", "properties": {repetitionIndexes: [{scopeName,
//!   itemIndex}], status, code, error, startTime, endTime}}]}`.
//!
//! Inputs and outputs are not in these responses: they sit behind `inputsLink` /
//! `outputsLink`, URLs signed with a shared-access signature. The signature is a credential,
//! so the links are dropped and only their size is kept.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

/// What a piece of a service export is, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Run,
    Actions,
    Repetitions,
}

fn kind_of(type_name: &str) -> Option<Piece> {
    let t = type_name.to_ascii_lowercase();
    let known = t.starts_with("microsoft.logic/workflows/") || t.starts_with("microsoft.processsimple/");
    if !known {
        return None;
    }
    if t.ends_with("/runs") {
        Some(Piece::Run)
    } else if t.ends_with("/runs/actions") {
        Some(Piece::Actions)
    } else if t.ends_with("/runs/actions/repetitions") || t.ends_with("/runs/actions/scoperepetitions") {
        Some(Piece::Repetitions)
    } else {
        None
    }
}

/// Is this JSON a piece of a service export (a run, or a list of its actions or repetitions)?
pub(crate) fn is_service_export(json: &Value) -> bool {
    piece(json).is_some()
}

/// The kind of a response: a resource by its `type`, a list by its first item's.
fn piece(json: &Value) -> Option<Piece> {
    if let Some(t) = json.member("type").and_then(|t| t.as_str().map(str::to_owned)) {
        return kind_of(&t);
    }
    let first = json.member("value").and_then(|v| v.index(0))?;
    let t = first.member("type")?;
    match kind_of(t.as_str()?)? {
        Piece::Run => None,
        other => Some(other),
    }
}

/// Reads the pieces of one exported run into a run record. `files` are (name, JSON) pairs;
/// names appear in messages.
pub(crate) fn service_run(files: &[(String, Value)]) -> Result<Value> {
    let mut run: Option<(&str, &Value)> = None;
    let mut actions: Vec<Value> = Vec::new();
    let mut repetitions: Vec<Value> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (name, json) in files {
        match piece(json) {
            Some(Piece::Run) => {
                if let Some((first, _)) = run {
                    return Err(invalid(name, &format!("a second run; {first} already gave the run")));
                }
                run = Some((name, json));
            }
            Some(kind) => {
                let list = json.member("value").unwrap_or_default();
                let Some(items) = list.as_array() else {
                    return Err(invalid(name, "`value` is not an array"));
                };
                if json.member("nextLink").is_some_and(|l| !l.is_null()) {
                    notes.push(format!(
                        "{name} has a nextLink: the service had more items than this page holds; \
                         give every page as its own file"
                    ));
                }
                let target = if kind == Piece::Actions { &mut actions } else { &mut repetitions };
                target.extend(items.iter().cloned());
            }
            None => {
                return Err(invalid(
                    name,
                    "not a run record of `flowexpr run --out`, nor a run, action list or repetition \
                     list from the Logic Apps / Power Automate management API (type …/runs, \
                     …/runs/actions, …/runs/actions/repetitions)",
                ))
            }
        }
    }
    let Some((_, run)) = run else {
        return Err(Error::new(
            ErrorKind::Definition,
            "the files hold actions or repetitions but not the run itself (GET …/runs/{run})",
        ));
    };
    let mut record = run_section(run);
    let mut section = Object::new();
    for item in &actions {
        let Some(name) = item.member("name").and_then(|n| n.as_str().map(str::to_owned)) else { continue };
        section.insert(name.as_str(), action_record(&name, &item.member("properties").unwrap_or_default()));
    }
    attach_repetitions(&mut section, &repetitions);
    record.insert("actions", Value::Object(section));
    if !notes.is_empty() {
        record.insert("importNotes", Value::array(notes.into_iter().map(Value::from).collect()));
    }
    Ok(Value::Object(record))
}

fn invalid(file: &str, message: &str) -> Error {
    Error::new(ErrorKind::Definition, format!("{file}: {message}"))
}

const RUN_FIELDS: [&str; 6] = ["status", "code", "error", "startTime", "endTime", "waitEndTime"];
const ACTION_FIELDS: [&str; 6] = ["status", "code", "error", "startTime", "endTime", "trackedProperties"];

fn copy(from: &Value, fields: &[&str], to: &mut Object) {
    for k in fields {
        if let Some(v) = from.member(k).filter(|v| !v.is_null()) {
            to.insert(*k, v);
        }
    }
}

fn run_section(run: &Value) -> Object {
    let props = run.member("properties").unwrap_or_default();
    let mut record = Object::new();
    copy(&props, &RUN_FIELDS, &mut record);
    let mut workflow = Object::new();
    let workflow_name = run.member("id").and_then(|id| {
        id.as_str()
            .and_then(|s| segment_after(s, "workflows").or(segment_after(s, "flows")))
            .map(str::to_owned)
    });
    if let Some(name) = workflow_name {
        workflow.insert("name", Value::from(name.as_str()));
    }
    let mut run_ref = Object::new();
    for k in ["id", "name", "type"] {
        if let Some(v) = run.member(k) {
            run_ref.insert(k, v);
        }
    }
    workflow.insert("run", Value::Object(run_ref));
    record.insert("workflow", Value::Object(workflow));
    if let Some(trigger) = props.member("trigger").filter(|t| t.as_object().is_some()) {
        let mut t = Object::new();
        copy(&trigger, &["name", "status", "code", "error", "startTime", "endTime", "scheduledTime"], &mut t);
        record.insert("trigger", Value::Object(t));
    }
    if let Some(outputs) = props.member("outputs").and_then(|o| o.as_object().cloned()) {
        // Workflow outputs come as {name: {type, value}}; the record keeps the values.
        let values: Object = outputs
            .iter()
            .map(|(k, v)| (k.clone(), v.member("value").unwrap_or_else(|| v.clone())))
            .collect();
        record.insert("outputs", Value::Object(values));
    }
    record.insert("source", Value::from("service"));
    record
}

/// The path segment after `key` in a resource id (`…/workflows/{name}/…`).
fn segment_after<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case(key) {
            return parts.next().filter(|s| !s.is_empty());
        }
    }
    None
}

fn action_record(name: &str, props: &Value) -> Value {
    let mut r = Object::new();
    r.insert("name", Value::from(name));
    copy(props, &ACTION_FIELDS, &mut r);
    if let Some(id) = props.member("correlation").and_then(|c| c.member("actionTrackingId")) {
        r.insert("trackingId", id);
    }
    for (link, key) in [("inputsLink", "inputsSize"), ("outputsLink", "outputsSize")] {
        if let Some(size) = props.member(link).and_then(|l| l.member("contentSize")) {
            r.insert(key, size);
        }
    }
    if let Some(history) = props.member("retryHistory").and_then(|h| h.as_array().map(<[Value]>::to_vec)) {
        r.insert("attempts", Value::array(history.iter().enumerate().map(|(i, h)| attempt(i, h)).collect()));
    }
    Value::Object(r)
}

fn attempt(index: usize, history: &Value) -> Value {
    let mut a = Object::new();
    a.insert("number", Value::from(index + 1));
    a.insert("kind", Value::from("request"));
    copy(history, &["startTime", "endTime", "code", "clientRequestId", "serviceRequestId"], &mut a);
    // The service wraps the error as {"error": {code, message}}.
    if let Some(e) = history.member("error") {
        a.insert("error", e.member("error").unwrap_or(e));
    }
    Value::Object(a)
}

fn attach_repetitions(section: &mut Object, repetitions: &[Value]) {
    let mut by_action: Vec<(String, Vec<Value>)> = Vec::new();
    for item in repetitions {
        let Some(action) = item
            .member("id")
            .and_then(|id| id.as_str().and_then(|s| segment_after(s, "actions").map(str::to_owned)))
        else {
            continue;
        };
        let props = item.member("properties").unwrap_or_default();
        let mut r = Object::new();
        let indexes: Object = props
            .member("repetitionIndexes")
            .and_then(|l| l.as_array().map(<[Value]>::to_vec))
            .unwrap_or_default()
            .iter()
            .filter_map(|i| Some((i.member("scopeName")?.as_str()?.to_string(), i.member("itemIndex")?)))
            .collect();
        r.insert("iterationIndexes", Value::Object(indexes));
        copy(&props, &["status", "code", "error", "startTime", "endTime"], &mut r);
        match by_action.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&action)) {
            Some((_, list)) => list.push(Value::Object(r)),
            None => by_action.push((action, vec![Value::Object(r)])),
        }
    }
    for (action, list) in by_action {
        let key = section.keys().find(|k| k.eq_ignore_ascii_case(&action)).cloned();
        let mut record =
            key.as_ref().and_then(|k| section.get(k)).and_then(|r| r.as_object().cloned()).unwrap_or_else(
                || {
                    let mut o = Object::new();
                    o.insert("name", Value::from(action.as_str()));
                    o
                },
            );
        record.insert("repetitionCount", Value::from(list.len()));
        record.insert("repetitions", Value::array(list));
        section.insert(key.map_or_else(|| action.clone(), |k| k.to_string()), Value::Object(record));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        crate::value::from_json_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_run_its_actions_and_repetitions_become_one_record() {
        let run = json(
            r#"{"properties": {"startTime": "2018-08-10T20:16:32.044238Z", "endTime": "2018-08-10T20:16:32.5779999Z",
                "status": "Failed", "error": {"code": "ActionFailed", "message": "An action failed."},
                "trigger": {"name": "Recurrence", "status": "Succeeded", "code": "OK"}, "outputs": {"total": {"type": "Int", "value": 3}}},
              "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Logic/workflows/test-workflow/runs/0858",
              "name": "0858", "type": "Microsoft.Logic/workflows/runs"}"#,
        );
        let actions = json(
            r#"{"value": [{"properties": {"inputsLink": {"uri": "https://x.example/contents?sig=SECRET", "contentSize": 46},
                "startTime": "2018-08-10T20:16:32.305236Z", "endTime": "2018-08-10T20:16:32.5450625Z",
                "correlation": {"actionTrackingId": "5606"}, "status": "Failed", "code": "BadRequest",
                "retryHistory": [{"startTime": "2018-08-10T20:16:32.3Z", "endTime": "2018-08-10T20:16:32.4Z", "code": "BadRequest",
                  "error": {"error": {"code": "BadRequest", "message": "no"}}}]},
               "id": ".../runs/0858/actions/HTTP", "name": "HTTP", "type": "Microsoft.Logic/workflows/runs/actions"}]}"#,
        );
        let reps = json(
            r#"{"value": [{"properties": {"repetitionIndexes": [{"scopeName": "For_each", "itemIndex": 1}], "status": "Succeeded"},
               "id": "/x/runs/0858/actions/Inner/repetitions/000001", "name": "000001", "type": "Microsoft.Logic/workflows/runs/actions/repetitions"}]}"#,
        );
        let files =
            vec![("run.json".to_string(), run), ("actions.json".into(), actions), ("reps.json".into(), reps)];
        let record = service_run(&files).unwrap_or_else(|e| panic!("{e}"));
        let text = crate::value::to_json_string(&record);
        assert!(!text.contains("SECRET"), "signed links are dropped: {text}");
        assert_eq!(record.member("status").map(|s| s.to_text()).as_deref(), Some("Failed"));
        assert_eq!(
            record.member("workflow").and_then(|w| w.member("name")).map(|s| s.to_text()).as_deref(),
            Some("test-workflow")
        );
        assert_eq!(record.member("outputs").and_then(|o| o.member("total")), Some(Value::Int(3)));
        let http = record.member("actions").and_then(|a| a.member("HTTP")).unwrap_or_default();
        assert_eq!(http.member("inputsSize"), Some(Value::Int(46)));
        assert_eq!(http.member("trackingId").map(|s| s.to_text()).as_deref(), Some("5606"));
        let attempt = http.member("attempts").and_then(|a| a.index(0)).unwrap_or_default();
        assert_eq!(
            attempt.member("error").and_then(|e| e.member("message")).map(|s| s.to_text()).as_deref(),
            Some("no")
        );
        let inner = record.member("actions").and_then(|a| a.member("Inner")).unwrap_or_default();
        let rep = inner.member("repetitions").and_then(|r| r.index(0)).unwrap_or_default();
        assert_eq!(rep.member("iterationIndexes").and_then(|i| i.member("For_each")), Some(Value::Int(1)));
    }

    #[test]
    fn pieces_without_the_run_or_of_another_kind_are_refused() {
        let actions = json(
            r#"{"value": [{"name": "A", "type": "Microsoft.Logic/workflows/runs/actions", "properties": {}}]}"#,
        );
        let e = service_run(&[("a.json".into(), actions)]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("not the run itself"), "{e}");
        let other = json(r#"{"type": "Microsoft.Logic/workflows", "properties": {}}"#);
        let e = service_run(&[("w.json".into(), other)]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("w.json: not a run record"), "{e}");
    }
}
