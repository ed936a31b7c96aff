//! The graph a page draws: the definition's actions as nested containers with their runAfter
//! edges, in one small JSON shape the page script lays out. Only structure travels (names,
//! types, runAfter statuses, branch names): no inputs, expressions or parameter defaults, so
//! nothing the definition holds in clear can reach the page.
//!
//! ```text
//! graph  = {"trigger": {"name", "type"} | null, "actions": [node], "inferred": bool}
//! node   = {"name", "type", "kind"?, "runAfter": [{"from", "statuses": [..]}], "branches": [branch]}
//! branch = {"key", "label" | null, "actions": [node]}
//! ```
//! Branch keys: `body` (Scope, Foreach, Until), `true` / `false` (If), the case's name or
//! `default` (Switch): the same keys the coverage overlay uses. `kind` names the operation of
//! a built-in `Expression` action (`IndexOf`, `GetFutureTime`), as the designer names the card.

use std::collections::HashMap;

use crate::value::{Object, Str, Value};
use crate::workflow::definition::{ActionDef, Container, Kind};
use crate::workflow::Workflow;

/// The graph of a loaded definition.
pub(crate) fn of_workflow(workflow: &Workflow) -> Value {
    let mut graph = Object::new();
    let trigger = workflow.trigger().map(|(name, type_name)| {
        let mut t = Object::new();
        t.insert("name", Value::from(name));
        t.insert("type", Value::from(type_name));
        Value::Object(t)
    });
    graph.insert("trigger", trigger.unwrap_or(Value::Null));
    graph.insert("actions", container(&workflow.actions));
    graph.insert("inferred", Value::Bool(false));
    Value::Object(graph)
}

fn container(c: &Container) -> Value {
    Value::array(c.actions.iter().map(node).collect())
}

fn node(a: &ActionDef) -> Value {
    let mut n = Object::new();
    n.insert("name", Value::String(a.name.clone()));
    n.insert("type", Value::from(a.type_name.as_str()));
    if let Kind::Expression { operation } = &a.kind {
        n.insert("kind", Value::from(operation.kind));
    }
    let edges = a
        .run_after
        .iter()
        // The trigger is drawn above the top level; an entry naming it adds no edge.
        .filter(|d| d.index.is_some())
        .map(|d| {
            let mut e = Object::new();
            e.insert("from", Value::String(d.name.clone()));
            e.insert("statuses", Value::array(d.statuses.iter().map(|s| Value::from(s.name())).collect()));
            Value::Object(e)
        })
        .collect();
    n.insert("runAfter", Value::array(edges));
    n.insert("branches", Value::array(branches(&a.kind)));
    Value::Object(n)
}

fn branch(key: &str, label: Option<String>, body: &Container) -> Value {
    let mut b = Object::new();
    b.insert("key", Value::from(key));
    b.insert("label", label.map_or(Value::Null, Value::from));
    b.insert("actions", container(body));
    Value::Object(b)
}

fn branches(kind: &Kind) -> Vec<Value> {
    match kind {
        Kind::If { then, otherwise, .. } => {
            vec![branch("true", Some("True".into()), then), branch("false", Some("False".into()), otherwise)]
        }
        Kind::Switch { cases, default, .. } => {
            let mut list: Vec<Value> = cases
                .iter()
                .map(|c| branch(&c.name, Some(format!("{} = {}", c.name, c.value.to_text())), &c.body))
                .collect();
            list.push(branch("default", Some("Default".into()), default));
            list
        }
        Kind::Foreach { body, .. } | Kind::Until { body, .. } | Kind::Scope { body } => {
            vec![branch("body", None, body)]
        }
        _ => Vec::new(),
    }
}

/// A graph guessed from a record alone (no definition given): nesting from each action's
/// `parent`, the record's order, no edges. The page says that the layout is a guess.
pub(crate) fn of_record(record: &Value) -> Value {
    let actions = record.member("actions").and_then(|a| a.as_object().cloned()).unwrap_or_default();
    let mut graph = Object::new();
    let trigger = record.member("trigger").filter(|t| t.as_object().is_some()).map(|t| {
        let mut o = Object::new();
        o.insert("name", t.member("name").unwrap_or_else(|| Value::from("trigger")));
        o.insert("type", t.member("type").unwrap_or_else(|| Value::from("")));
        Value::Object(o)
    });
    graph.insert("trigger", trigger.unwrap_or(Value::Null));
    // Each action's children, in the record's order, found in one pass (a record holds up to
    // 500 actions: asking every action for its children would be quadratic).
    let mut children = Children::new();
    for (name, r) in actions.iter() {
        let parent = r.member("parent").and_then(|p| p.as_str().map(str::to_owned));
        children.entry(parent).or_default().push((name, r));
    }
    graph.insert("actions", Value::array(children_of(&children, None, 0)));
    graph.insert("inferred", Value::Bool(true));
    Value::Object(graph)
}

/// Records nest at most this deep (the definition limit is 8); deeper parents are cut off.
const MAX_INFERRED_DEPTH: usize = 16;

/// Parent name (`None`: the top level) → its actions, in the record's order.
type Children<'a> = HashMap<Option<String>, Vec<(&'a Str, &'a Value)>>;

fn children_of(children: &Children<'_>, parent: Option<&str>, depth: usize) -> Vec<Value> {
    if depth > MAX_INFERRED_DEPTH {
        return Vec::new();
    }
    let Some(list) = children.get(&parent.map(str::to_owned)) else { return Vec::new() };
    list.iter()
        .map(|(name, r)| {
            let inner = children_of(children, Some(name), depth + 1);
            let mut n = Object::new();
            n.insert("name", Value::String((*name).clone()));
            n.insert("type", r.member("type").unwrap_or_else(|| Value::from("")));
            n.insert("runAfter", Value::array(Vec::new()));
            let branches = if inner.is_empty() {
                Vec::new()
            } else {
                let mut b = Object::new();
                b.insert("key", Value::from("body"));
                b.insert("label", Value::Null);
                b.insert("actions", Value::array(inner));
                vec![Value::Object(b)]
            };
            n.insert("branches", Value::array(branches));
            Value::Object(n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &Value) -> Vec<String> {
        list.as_array()
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.member("name"))
            .map(|n| n.to_text())
            .collect()
    }

    #[test]
    fn branches_and_edges_follow_the_definition() {
        let flow = Workflow::from_json_str(
            r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
                "parameters": {"secret": {"type": "securestring", "defaultValue": "hunter2"}},
                "actions": {
                  "A": {"type": "Compose", "inputs": "@parameters('secret')"},
                  "Check": {"type": "If", "expression": {"equals": [1, 1]}, "runAfter": {"A": ["Succeeded", "Failed"]},
                    "actions": {"Yes": {"type": "Compose", "inputs": 1}},
                    "else": {"actions": {"No": {"type": "Compose", "inputs": 2}}}},
                  "Pick": {"type": "Switch", "expression": "@1", "runAfter": {"A": ["Succeeded"]},
                    "cases": {"One": {"case": 1, "actions": {"Uno": {"type": "Compose", "inputs": 1}}}},
                    "default": {"actions": {}}}
                }}"#,
        )
        .map_err(|e| e.to_string());
        let graph = of_workflow(&flow.unwrap_or_else(|e| panic!("{e}")));
        let text = crate::value::to_json_string(&graph);
        assert!(!text.contains("hunter2"), "no parameter default reaches the graph: {text}");
        let actions = graph.member("actions").unwrap_or_default();
        assert_eq!(names(&actions), ["A", "Check", "Pick"]);
        let check = actions.index(1).unwrap_or_default();
        assert_eq!(
            crate::value::to_json_string(&check.member("runAfter").unwrap_or_default()),
            r#"[{"from":"A","statuses":["Succeeded","Failed"]}]"#
        );
        let keys: Vec<String> = check
            .member("branches")
            .and_then(|b| {
                b.as_array().map(|b| b.iter().filter_map(|x| x.member("key")).map(|k| k.to_text()).collect())
            })
            .unwrap_or_default();
        assert_eq!(keys, ["true", "false"]);
        let pick = actions.index(2).unwrap_or_default();
        let labels: Vec<String> = pick
            .member("branches")
            .and_then(|b| {
                b.as_array()
                    .map(|b| b.iter().filter_map(|x| x.member("label")).map(|k| k.to_text()).collect())
            })
            .unwrap_or_default();
        assert_eq!(labels, ["One = 1", "Default"]);
        assert_eq!(
            graph.member("trigger").and_then(|t| t.member("name")).map(|n| n.to_text()).as_deref(),
            Some("manual")
        );
    }

    #[test]
    fn expression_actions_carry_their_operation() {
        let flow = Workflow::from_json_str(
            r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}}, "actions": {
                  "Find": {"type": "Expression", "kind": "IndexOf", "inputs": {"text": "ab", "searchText": "b"}},
                  "Other": {"type": "Expression", "kind": "FormatNumber", "inputs": {}},
                  "Plain": {"type": "Compose", "inputs": 1}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let actions = of_workflow(&flow).member("actions").unwrap_or_default();
        let kind = |i: i64| actions.index(i).and_then(|n| n.member("kind")).map(|k| k.to_text());
        assert_eq!(kind(0).as_deref(), Some("IndexOf"));
        // A kind the runner does not perform is drawn by its type alone, as is any other action.
        assert_eq!(kind(1), None);
        assert_eq!(kind(2), None);
    }

    #[test]
    fn a_record_alone_nests_by_parent() {
        let record = crate::value::from_json_str(
            r#"{"actions": {"Loop": {"type": "Foreach"}, "Inner": {"type": "Compose", "parent": "Loop"}, "After": {"type": "Compose"}}}"#,
        )
        .unwrap_or_default();
        let graph = of_record(&record);
        let actions = graph.member("actions").unwrap_or_default();
        assert_eq!(names(&actions), ["Loop", "After"]);
        let body =
            actions.index(0).and_then(|l| l.member("branches")).and_then(|b| b.index(0)).unwrap_or_default();
        assert_eq!(names(&body.member("actions").unwrap_or_default()), ["Inner"]);
        assert_eq!(graph.member("inferred"), Some(Value::Bool(true)));
    }
}
