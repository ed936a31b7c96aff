//! Static checks of a workflow definition, without running it.
//!
//! The hosted designer accepts a typo'd function or action name and fails only at run
//! time; [`check_text`] finds those mistakes first: expressions that do not parse, unknown
//! functions and wrong argument counts, literal arguments of the wrong type, references to
//! actions, variables and parameters the definition does not declare, `runAfter` naming an
//! unknown action or forming a cycle, `items('X')` / `iterationIndexes('X')` outside loop
//! X, and `body('X')` of an action that can never have run before the one reading it. Each
//! finding names the JSON pointer and the line and column in the file.

pub(crate) mod positions;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::Value as Json;

pub use positions::{raw_offset, Place, Positions};

use crate::functions::{self, Ty};
use crate::syntax::{self, Expr, ExprKind, Span};
use crate::template::push_pointer_token;
use crate::value::Value;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something that may be fine but deserves a look (exit code stays 0).
    Warning,
    /// A mistake that makes the run fail (exit code 1).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier of the kind of finding (`unknown-function`, `run-after-cycle`, ...).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// The JSON pointer of the value at fault.
    pub pointer: String,
    /// The byte span in the file, when known.
    pub span: Option<Span>,
}

/// The result of checking one file.
#[derive(Debug)]
pub struct Report {
    /// The findings, in file order.
    pub findings: Vec<Finding>,
    text: String,
}

impl Report {
    /// Adds a finding found by other means (the runner's loader, the export's settings),
    /// placed by its JSON pointer in the file; keeps file order.
    pub fn add(&mut self, severity: Severity, code: &'static str, message: String, pointer: &str) {
        let span = Positions::index(&self.text).nearest(pointer).map(|p| {
            let end = if p.end > p.value && p.end - p.value < 200 { p.end } else { p.value + 1 };
            Span::new(p.value, end)
        });
        self.findings.push(Finding { severity, code, message, pointer: pointer.to_string(), span });
        self.sort();
    }

    fn sort(&mut self) {
        self.findings
            .sort_by_key(|f| (f.span.map_or(usize::MAX, |s| s.start), std::cmp::Reverse(f.severity)));
    }

    /// Does any finding have error severity?
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The 1-based line and column of a finding.
    pub fn line_col(&self, finding: &Finding) -> Option<(usize, usize)> {
        finding.span.map(|s| crate::error::line_col(&self.text, s.start))
    }

    /// Human-readable output: each finding with its pointer, position and caret.
    pub fn render(&self, file: &str) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!("{}[{}]: {}\n", f.severity, f.code, f.message));
            match (f.span, self.line_col(f)) {
                (Some(span), Some((l, c))) => {
                    out.push_str(&format!(" --> {file}:{l}:{c} at {}\n", pointer_or_root(&f.pointer)));
                    let mut snippet = String::new();
                    crate::error::render_snippet(&self.text, span, &mut snippet);
                    out.push_str(&snippet);
                    out.push('\n');
                }
                _ => out.push_str(&format!(" --> {file} at {}\n", pointer_or_root(&f.pointer))),
            }
            out.push('\n');
        }
        let errors = self.findings.iter().filter(|f| f.severity == Severity::Error).count();
        let warnings = self.findings.len() - errors;
        out.push_str(&format!("{file}: {errors} error(s), {warnings} warning(s)\n"));
        out
    }

    /// The findings as JSON, for editors and CI.
    pub fn to_json(&self, file: &str) -> Value {
        let items = self
            .findings
            .iter()
            .map(|f| {
                let mut o = crate::value::Object::new();
                o.insert("file", Value::from(file));
                o.insert("severity", Value::from(f.severity.to_string()));
                o.insert("code", Value::from(f.code));
                o.insert("message", Value::from(f.message.as_str()));
                o.insert("pointer", Value::from(f.pointer.as_str()));
                if let Some((l, c)) = self.line_col(f) {
                    o.insert("line", Value::from(l));
                    o.insert("column", Value::from(c));
                }
                Value::Object(o)
            })
            .collect();
        Value::array(items)
    }
}

fn pointer_or_root(p: &str) -> &str {
    if p.is_empty() {
        "/"
    } else {
        p
    }
}

/// Action types the local runner executes.
pub const RUNNABLE_TYPES: &[&str] = &[
    "Http",
    "Compose",
    "InitializeVariable",
    "SetVariable",
    "IncrementVariable",
    "DecrementVariable",
    "AppendToArrayVariable",
    "AppendToStringVariable",
    "ParseJson",
    "Query",
    "Select",
    "Join",
    "Table",
    "If",
    "Switch",
    "Foreach",
    "Until",
    "Scope",
    "Terminate",
    "Wait",
    "Response",
];

/// The kinds of `Expression` actions (the built-in Date Time and Text Functions operations)
/// the runner performs itself; the runner's table (`workflow/expression.rs`) is tested to
/// hold the same.
pub const EXPRESSION_KINDS: &[&str] = &[
    "AddToTime",
    "ConvertTimeZone",
    "CurrentTime",
    "GetFutureTime",
    "GetPastTime",
    "SubtractFromTime",
    "IndexOf",
    "Substring",
];

/// Action types that exist only in the hosted service (they can be mocked locally).
pub const HOSTED_ONLY_TYPES: &[&str] = &[
    "ApiConnection",
    "ApiConnectionWebhook",
    "OpenApiConnection",
    "OpenApiConnectionWebhook",
    "ServiceProvider",
    "JavaScriptCode",
    "PowershellCode",
    "CSharpScriptCode",
    "Function",
    "InvokeFunction",
    "Workflow",
    "HttpWebhook",
    "ApiManagement",
    "Xslt",
    "XmlParse",
    "XmlValidation",
    "XmlCompose",
    "FlatFileDecoding",
    "FlatFileEncoding",
    "IntegrationAccountArtifactLookup",
    "SwiftEncode",
    "SwiftDecode",
    "RosettaNetEncode",
    "RosettaNetDecode",
    "RosettaNetWaitForResponse",
    "Agent",
    "ParseDocument",
    "ChunkText",
    "Batch",
    "SendToBatch",
    "Liquid",
    "AS2Encode",
    "AS2Decode",
    "X12Encode",
    "X12Decode",
    "EdifactEncode",
    "EdifactDecode",
    "ParseDocumentWithMetadata",
    "ChunkTextWithMetadata",
];

/// Checks a definition file: a bare definition or one wrapped as `{"definition": ...}`.
/// Fails only when the text is not JSON.
pub fn check_text(text: &str) -> Result<Report, crate::Error> {
    let prefix = match serde_json::from_str::<Json>(text) {
        Ok(json) if matches!(json.get("definition"), Some(Json::Object(_))) => "/definition",
        _ => "",
    };
    check_at(text, prefix)
}

/// Checks the definition at JSON pointer `prefix` of a file (`/properties/definition` in
/// an exported flow); findings point into the whole file. Fails only when the text is not
/// JSON.
pub fn check_at(text: &str, prefix: &str) -> Result<Report, crate::Error> {
    let json: Json = serde_json::from_str(text).map_err(|e| {
        crate::Error::new(crate::ErrorKind::Definition, format!("not valid JSON: {e}"))
            .with_span(Span::new(
                crate::source::offset_of(text, e.line(), e.column()),
                crate::source::offset_of(text, e.line(), e.column()),
            ))
            .with_source(text)
    })?;
    let positions = Positions::index(text);
    let root = if prefix.is_empty() { &json } else { json.pointer(prefix).unwrap_or(&Json::Null) };
    let prefix = prefix.to_string();
    let mut checker = Checker { text, positions: &positions, findings: Vec::new(), model: Model::default() };
    checker.model.build(root, &prefix);
    checker.run(root, &prefix);
    let mut report = Report { findings: checker.findings, text: text.to_string() };
    report.sort();
    Ok(report)
}

/// What the definition declares.
#[derive(Default)]
struct Model {
    /// Every action, by name.
    actions: HashMap<String, ActionInfo>,
    /// Lower-cased action names (spaces as `_`) → the declared name.
    action_names: HashMap<String, String>,
    variables: HashSet<String>,
    parameters: HashSet<String>,
    has_parameters_block: bool,
    triggers: HashSet<String>,
}

struct ActionInfo {
    kind: String,
    /// The enclosing action and which of its containers (`actions`, `else`, `case X`, `default`).
    parent: Option<(String, String)>,
    run_after: Vec<String>,
}

fn normalize(name: &str) -> String {
    name.replace(' ', "_").to_lowercase()
}

impl Model {
    fn build(&mut self, root: &Json, prefix: &str) {
        if let Some(Json::Object(params)) = root.get("parameters") {
            self.has_parameters_block = true;
            self.parameters = params.keys().map(|k| k.to_lowercase()).collect();
        }
        if let Some(Json::Object(triggers)) = root.get("triggers") {
            self.triggers = triggers.keys().cloned().collect();
        }
        if let Some(Json::Object(actions)) = root.get("actions") {
            self.add_container(actions, &format!("{prefix}/actions"), None);
        }
    }

    fn add_container(
        &mut self,
        actions: &serde_json::Map<String, Json>,
        pointer: &str,
        parent: Option<(String, String)>,
    ) {
        for (name, action) in actions {
            let mut p = pointer.to_string();
            p.push('/');
            push_pointer_token(&mut p, name);
            let kind = action.get("type").and_then(Json::as_str).unwrap_or("").to_string();
            let run_after = match action.get("runAfter") {
                Some(Json::Object(m)) => m.keys().cloned().collect(),
                _ => Vec::new(),
            };
            if kind.eq_ignore_ascii_case("InitializeVariable") {
                if let Some(Json::Array(vars)) = action.pointer("/inputs/variables") {
                    for v in vars {
                        if let Some(n) = v.get("name").and_then(Json::as_str) {
                            self.variables.insert(n.to_lowercase());
                        }
                    }
                }
            }
            self.action_names.insert(normalize(name), name.clone());
            for (container, child_pointer, children) in containers(action, &p) {
                self.add_container(children, &child_pointer, Some((name.clone(), container)));
            }
            self.actions.insert(name.clone(), ActionInfo { kind, parent: parent.clone(), run_after });
        }
    }

    fn resolve(&self, name: &str) -> Option<&str> {
        self.action_names.get(&normalize(name)).map(String::as_str)
    }

    /// `name` and its enclosing actions, innermost first: each with the container of its
    /// parent it sits in (`actions`, `else`, `case X`, `default`; "" at the top) and that
    /// parent.
    fn chain(&self, name: &str) -> Vec<Link> {
        let mut out = Vec::new();
        let mut current = Some(name.to_string());
        while let Some(n) = current {
            let parent = self.actions.get(&n).and_then(|a| a.parent.clone());
            let (container, next) = match parent {
                Some((p, c)) => (c, Some(p)),
                None => (String::new(), None),
            };
            out.push(Link { name: n, container, parent: next.clone() });
            current = next;
            if out.len() > 64 {
                break;
            }
        }
        out
    }

    /// Does `a` transitively run after `b` (both in the same container)?
    fn runs_after(&self, a: &str, b: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![a.to_string()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(info) = self.actions.get(&n) {
                for pred in &info.run_after {
                    if pred == b {
                        return true;
                    }
                    stack.push(pred.clone());
                }
            }
        }
        false
    }
}

/// The nested containers of an action: `actions`, `else.actions`, each Switch case and its
/// default.
fn containers<'a>(
    action: &'a Json,
    pointer: &str,
) -> Vec<(String, String, &'a serde_json::Map<String, Json>)> {
    let mut out = Vec::new();
    if let Some(Json::Object(a)) = action.get("actions") {
        out.push(("actions".to_string(), format!("{pointer}/actions"), a));
    }
    if let Some(Json::Object(a)) = action.pointer("/else/actions") {
        out.push(("else".to_string(), format!("{pointer}/else/actions"), a));
    }
    if let Some(Json::Object(cases)) = action.get("cases") {
        for (case, body) in cases {
            if let Some(Json::Object(a)) = body.get("actions") {
                let mut p = format!("{pointer}/cases/");
                push_pointer_token(&mut p, case);
                p.push_str("/actions");
                out.push((format!("case {case}"), p, a));
            }
        }
    }
    if let Some(Json::Object(a)) = action.pointer("/default/actions") {
        out.push(("default".to_string(), format!("{pointer}/default/actions"), a));
    }
    // An Agent action's tools each hold actions.
    if let Some(Json::Object(tools)) = action.get("tools") {
        for (tool, body) in tools {
            if let Some(Json::Object(a)) = body.get("actions") {
                let mut p = format!("{pointer}/tools/");
                push_pointer_token(&mut p, tool);
                p.push_str("/actions");
                out.push((format!("tool {tool}"), p, a));
            }
        }
    }
    out
}

struct Checker<'t> {
    text: &'t str,
    positions: &'t Positions,
    findings: Vec<Finding>,
    model: Model,
}

/// Where an expression sits: the action it belongs to and the loops around it.
#[derive(Clone, Default)]
struct Scope {
    action: Option<String>,
    foreach: Vec<String>,
    until: Vec<String>,
}

impl Checker<'_> {
    fn report(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        pointer: &str,
        span: Option<Span>,
    ) {
        let span = span.or_else(|| {
            self.positions.nearest(pointer).map(|p| {
                let end = if p.end > p.value && p.end - p.value < 200 { p.end } else { p.value + 1 };
                Span::new(p.value, end)
            })
        });
        self.findings.push(Finding { severity, code, message, pointer: pointer.to_string(), span });
    }

    fn key_span(&self, pointer: &str) -> Option<Span> {
        let place = self.positions.get(pointer)?;
        let key = place.key?;
        let end = self.text[key + 1..].find('"').map_or(key + 1, |i| key + i + 2);
        Some(Span::new(key, end))
    }

    fn run(&mut self, root: &Json, prefix: &str) {
        if let Some(Json::Object(triggers)) = root.get("triggers") {
            for (name, trigger) in triggers {
                let mut p = format!("{prefix}/triggers/");
                push_pointer_token(&mut p, name);
                self.walk_json(trigger, &mut p, &Scope::default());
            }
        }
        if let Some(Json::Object(actions)) = root.get("actions") {
            self.container(actions, &format!("{prefix}/actions"), &Scope::default());
        }
        if let Some(outputs) = root.get("outputs") {
            let mut p = format!("{prefix}/outputs");
            self.walk_json(outputs, &mut p, &Scope::default());
        }
    }

    fn container(&mut self, actions: &serde_json::Map<String, Json>, pointer: &str, scope: &Scope) {
        let names: HashSet<&str> = actions.keys().map(String::as_str).collect();
        for (name, action) in actions {
            let mut p = pointer.to_string();
            p.push('/');
            push_pointer_token(&mut p, name);
            self.check_run_after(name, action, &p, &names);
            self.check_type(action, &p);
            if action.get("type").and_then(Json::as_str).is_some_and(|k| k.eq_ignore_ascii_case("Response")) {
                self.check_response(name, &p);
            }
            let mut inner = scope.clone();
            inner.action = Some(name.clone());
            let kind = action.get("type").and_then(Json::as_str).unwrap_or("");
            let Json::Object(fields) = action else { continue };
            for (key, value) in fields {
                let mut fp = p.clone();
                fp.push('/');
                push_pointer_token(&mut fp, key);
                match key.as_str() {
                    "actions" | "else" | "cases" | "default" | "tools" | "runAfter" | "type"
                    | "description" => {}
                    _ => self.walk_json(value, &mut fp, &inner),
                }
            }
            // Loop bodies see the loop's item; conditions of Until see its iteration index.
            let mut body = scope.clone();
            if kind.eq_ignore_ascii_case("Foreach") {
                body.foreach.push(name.clone());
            }
            if kind.eq_ignore_ascii_case("Until") {
                body.until.push(name.clone());
            }
            for (_, child_pointer, children) in containers(action, &p) {
                self.container(children, &child_pointer, &body);
            }
            if let Some(Json::Object(cases)) = action.get("cases") {
                for (case, body_json) in cases {
                    if let Some(value) = body_json.get("case") {
                        let mut cp = format!("{p}/cases/");
                        push_pointer_token(&mut cp, case);
                        cp.push_str("/case");
                        self.walk_json(value, &mut cp, &inner);
                    }
                }
            }
        }
        self.check_cycles(actions, pointer);
    }

    /// The documentation does not allow a Response action in a parallel branch: every other
    /// action must run before or after it (or in another branch of a condition). Real
    /// definitions do it anyway (8 of the corpus), so it is a warning.
    fn check_response(&mut self, name: &str, pointer: &str) {
        let mut others: Vec<&String> = self.model.actions.keys().filter(|o| o.as_str() != name).collect();
        others.sort();
        let Some(other) =
            others.into_iter().find(|o| matches!(self.order(o, name), Order::Parallel)).cloned()
        else {
            return;
        };
        let span = self.key_span(pointer);
        self.report(
            Severity::Warning,
            "response-in-parallel",
            format!("the Response action '{name}' runs in parallel with '{other}'; the documentation does not allow a Response in a parallel branch (make one run after the other)"),
            pointer,
            span,
        );
    }

    fn check_run_after(&mut self, name: &str, action: &Json, pointer: &str, siblings: &HashSet<&str>) {
        let Some(Json::Object(run_after)) = action.get("runAfter") else { return };
        for (pred, statuses) in run_after {
            let mut p = format!("{pointer}/runAfter/");
            push_pointer_token(&mut p, pred);
            if pred == name {
                let span = self.key_span(&p);
                self.report(
                    Severity::Error,
                    "run-after-self",
                    format!("'{name}' runs after itself"),
                    &p,
                    span,
                );
            } else if !self.may_run_after(name, pred, siblings) {
                let span = self.key_span(&p);
                let message = match self.model.resolve(pred) {
                    Some(other) if self.model.actions.contains_key(pred.as_str()) || other != pred => format!(
                        "runAfter names '{pred}', which is not in the same container as '{name}'; runAfter can only name sibling actions"
                    ),
                    _ => format!("runAfter names '{pred}', which is not an action of this definition"),
                };
                self.report(Severity::Error, "run-after-unknown", message, &p, span);
            }
            if let Json::Array(list) = statuses {
                for (i, s) in list.iter().enumerate() {
                    let ok = s.as_str().is_some_and(|s| {
                        ["Succeeded", "Failed", "Skipped", "TimedOut"]
                            .iter()
                            .any(|k| k.eq_ignore_ascii_case(s))
                    });
                    if !ok {
                        let shown = s.as_str().map_or_else(|| s.to_string(), str::to_string);
                        self.report(
                            Severity::Error,
                            "run-after-status",
                            format!("'{shown}' is not a runAfter status: use Succeeded, Failed, Skipped or TimedOut"),
                            &format!("{p}/{i}"),
                            None,
                        );
                    }
                }
            }
        }
    }

    /// runAfter may name a sibling, or (at the top level) the trigger.
    fn may_run_after(&self, name: &str, pred: &str, siblings: &HashSet<&str>) -> bool {
        let top_level = self.model.actions.get(name).is_some_and(|a| a.parent.is_none());
        siblings.contains(pred) || (top_level && self.model.triggers.contains(pred))
    }

    fn check_cycles(&mut self, actions: &serde_json::Map<String, Json>, pointer: &str) {
        // Depth-first search over runAfter edges between siblings.
        let mut state: HashMap<&str, u8> = HashMap::new();
        for start in actions.keys() {
            let mut path: Vec<&str> = Vec::new();
            if let Some(cycle) = self.dfs(actions, start, &mut state, &mut path) {
                let mut p = pointer.to_string();
                p.push('/');
                push_pointer_token(&mut p, &cycle[0]);
                p.push_str("/runAfter");
                self.report(
                    Severity::Error,
                    "run-after-cycle",
                    format!("runAfter forms a cycle: {}", cycle.join(" → ")),
                    &p,
                    None,
                );
                return;
            }
        }
    }

    fn dfs<'a>(
        &self,
        actions: &'a serde_json::Map<String, Json>,
        node: &'a str,
        state: &mut HashMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle: Vec<String> = path[from..].iter().map(|s| s.to_string()).collect();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        if path.len() > actions.len() {
            return None;
        }
        state.insert(node, 1);
        path.push(node);
        if let Some(Json::Object(run_after)) = actions.get(node).and_then(|a| a.get("runAfter")) {
            for pred in run_after.keys() {
                if let Some((key, _)) = actions.get_key_value(pred) {
                    if let Some(cycle) = self.dfs(actions, key, state, path) {
                        return Some(cycle);
                    }
                }
            }
        }
        path.pop();
        state.insert(node, 2);
        None
    }

    fn check_type(&mut self, action: &Json, pointer: &str) {
        let Some(kind) = action.get("type").and_then(Json::as_str) else {
            self.report(Severity::Error, "action-type", "the action has no \"type\"".into(), pointer, None);
            return;
        };
        let p = format!("{pointer}/type");
        if RUNNABLE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
            return;
        }
        if kind.eq_ignore_ascii_case("Expression") {
            let operation = action.get("kind").and_then(Json::as_str).unwrap_or_default();
            if !EXPRESSION_KINDS.iter().any(|k| k.eq_ignore_ascii_case(operation)) {
                self.report(
                    Severity::Warning,
                    "unknown-expression-kind",
                    format!(
                        "an Expression action of kind '{operation}' cannot run locally (give it a mock); the runner performs {}",
                        EXPRESSION_KINDS.join(", ")
                    ),
                    &format!("{pointer}/kind"),
                    None,
                );
            }
            return;
        }
        if HOSTED_ONLY_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
            self.report(
                Severity::Warning,
                "hosted-only-action",
                format!(
                    "'{kind}' actions run only in the hosted service; give a mock to run this flow locally"
                ),
                &p,
                None,
            );
        } else {
            self.report(
                Severity::Warning,
                "unknown-action-type",
                format!("'{kind}' is not a known action type"),
                &p,
                None,
            );
        }
    }

    /// Walks any JSON value, checking every string that holds an expression.
    fn walk_json(&mut self, value: &Json, pointer: &mut String, scope: &Scope) {
        match value {
            Json::String(s) if s.contains('@') => self.check_text(s, Literal::Value(pointer), scope),
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    self.walk_json(item, pointer, scope);
                    pointer.truncate(len);
                }
            }
            Json::Object(members) => {
                for (k, v) in members {
                    let len = pointer.len();
                    pointer.push('/');
                    push_pointer_token(pointer, k);
                    // Keys are templates too (`"@@odata.type"`, `"@{...}"` in a Select shape).
                    if k.contains('@') {
                        self.check_text(k, Literal::Key(pointer), scope);
                    }
                    self.walk_json(v, pointer, scope);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// Maps a span inside a decoded string value (or object key) to the file.
    fn file_span(&self, at: Literal<'_>, span: Span) -> Option<Span> {
        let place = self.positions.get(at.pointer())?;
        let literal = match at {
            Literal::Value(_) => place.value,
            Literal::Key(_) => place.key?,
        };
        if self.text.as_bytes().get(literal) != Some(&b'"') {
            return None;
        }
        let start = raw_offset(self.text, literal, span.start);
        let end = raw_offset(self.text, literal, span.end).max(start + 1);
        Some(Span::new(start, end))
    }

    fn check_text(&mut self, text: &str, at: Literal<'_>, scope: &Scope) {
        let pointer = at.pointer();
        let template = match syntax::parse_template(text) {
            Ok(t) => t,
            Err(e) => {
                let span = e.span().and_then(|s| self.file_span(at, s));
                self.report(Severity::Error, "syntax", e.message().to_string(), pointer, span);
                return;
            }
        };
        for expr in template.expressions() {
            let mut calls = Vec::new();
            expr.walk(&mut |e| {
                if let ExprKind::Call(_) = e.kind {
                    calls.push(e);
                }
            });
            for call in calls {
                self.check_call(call, at, scope);
            }
        }
    }

    fn check_call(&mut self, expr: &Expr, at: Literal<'_>, scope: &Scope) {
        let ExprKind::Call(call) = &expr.kind else { return };
        let pointer = at.pointer();
        let name_span = self.file_span(at, call.name_span);
        let Some(function) = functions::lookup(&call.name) else {
            let hint =
                functions::suggest(&call.name).map(|s| format!("; did you mean '{s}'?")).unwrap_or_default();
            self.report(
                Severity::Error,
                "unknown-function",
                format!("'{}' is not a function of the language{hint}", call.name),
                pointer,
                name_span,
            );
            return;
        };
        if function.is_implemented() {
            if let Some(message) = function.check_arity(call.args.len()) {
                let span = self.file_span(at, expr.span);
                self.report(Severity::Error, "argument-count", message, pointer, span);
                return;
            }
            for (i, arg) in call.args.iter().enumerate() {
                let Some(param) = function.param_for(i) else { continue };
                if let Some(ty) = literal_type(arg) {
                    if !accepts(param.ty, ty) {
                        let span = self.file_span(at, arg.span);
                        self.report(
                            Severity::Error,
                            "argument-type",
                            format!(
                                "the {} argument of '{}' ({}) must be {}, not {}",
                                functions::ordinal(i),
                                function.name,
                                param.name,
                                param.ty,
                                ty
                            ),
                            pointer,
                            span,
                        );
                    }
                }
            }
        }
        if function.name == "action" && !self.action_allowed(pointer, scope) {
            self.report(
                Severity::Error,
                "action-outside",
                "action() is allowed only in trackedProperties, an Until condition and a webhook's unsubscribe; use actions('Name') to read another action".into(),
                pointer,
                name_span,
            );
        }
        let Some(first) = call.args.first() else { return };
        let ExprKind::String(target) = &first.kind else { return };
        let arg_span = self.file_span(at, first.span);
        let lower = function.name.to_ascii_lowercase();
        match lower.as_str() {
            "body" | "actions" | "outputs" | "actionbody" | "actionoutputs" | "result" => {
                self.check_action_reference(function.name, target, pointer, arg_span, scope)
            }
            "variables" if !self.model.variables.contains(&target.to_lowercase()) => self.report(
                Severity::Error,
                "unknown-variable",
                format!("variables('{target}'): no InitializeVariable action declares '{target}'"),
                pointer,
                arg_span,
            ),
            // Standard logic apps also take parameters from the app's parameters.json, so an
            // undeclared name may be fine: a warning, not an error.
            "parameters" if !self.model.parameters.contains(&target.to_lowercase()) => self.report(
                Severity::Warning,
                "unknown-parameter",
                format!(
                    "parameters('{target}'): the definition declares no parameter '{target}'{}; it must come from the app's parameters.json or --parameters",
                    if self.model.has_parameters_block { "" } else { " (it has no \"parameters\" section)" }
                ),
                pointer,
                arg_span,
            ),
            "items" => self.check_loop(target, &scope.foreach, "Foreach", "items", pointer, arg_span),
            "iterationindexes" => {
                let loops: Vec<String> = scope.until.iter().chain(&scope.foreach).cloned().collect();
                self.check_loop(target, &loops, "Until", "iterationIndexes", pointer, arg_span)
            }
            _ => {}
        }
    }

    /// May `action()` stand at this pointer? In `trackedProperties`, in a webhook's
    /// `unsubscribe`, and in an Until action's `expression`.
    fn action_allowed(&self, pointer: &str, scope: &Scope) -> bool {
        let segments: Vec<&str> = pointer.split('/').collect();
        if segments.iter().any(|s| *s == "trackedProperties" || *s == "unsubscribe") {
            return true;
        }
        let until = scope
            .action
            .as_deref()
            .and_then(|a| self.model.actions.get(a))
            .is_some_and(|info| info.kind.eq_ignore_ascii_case("Until"));
        until && segments.last() == Some(&"expression")
    }

    fn check_loop(
        &mut self,
        target: &str,
        enclosing: &[String],
        kind: &str,
        function: &str,
        pointer: &str,
        span: Option<Span>,
    ) {
        if enclosing.iter().any(|l| normalize(l) == normalize(target)) {
            return;
        }
        let message = match self.model.resolve(target).and_then(|n| self.model.actions.get(n)) {
            Some(info)
                if info.kind.eq_ignore_ascii_case(kind) || info.kind.eq_ignore_ascii_case("Foreach") =>
            {
                format!("{function}('{target}') is used outside the loop '{target}'")
            }
            Some(info) => format!("{function}('{target}') names a {} action, not a {kind} loop", info.kind),
            None => format!("{function}('{target}') names no action of this definition"),
        };
        self.report(Severity::Error, "outside-loop", message, pointer, span);
    }

    fn check_action_reference(
        &mut self,
        function: &str,
        target: &str,
        pointer: &str,
        span: Option<Span>,
        scope: &Scope,
    ) {
        let Some(target) = self.model.resolve(target).map(str::to_string) else {
            let hint = self
                .model
                .action_names
                .values()
                .map(|n| (functions::edit_distance(&n.to_lowercase(), &target.to_lowercase()), n))
                .filter(|(d, _)| *d <= 3)
                .min()
                .map(|(_, n)| format!("; did you mean '{n}'?"))
                .unwrap_or_default();
            self.report(
                Severity::Error,
                "unknown-action",
                format!("{function}('{target}'): the definition has no action '{target}'{hint}"),
                pointer,
                span,
            );
            return;
        };
        let Some(reader) = &scope.action else { return };
        match self.order(&target, reader) {
            Order::Before | Order::Inside => {}
            Order::Itself => self.report(
                Severity::Error,
                "action-not-run",
                format!("{function}('{target}') is read by '{target}' itself, before it has finished"),
                pointer,
                span,
            ),
            Order::After => self.report(
                Severity::Error,
                "action-not-run",
                format!("{function}('{target}'): '{target}' runs only after '{reader}', so it can never have run when this is evaluated"),
                pointer,
                span,
            ),
            Order::OtherBranch => self.report(
                Severity::Error,
                "action-not-run",
                format!("{function}('{target}'): '{target}' is in another branch of the same condition or switch as '{reader}', so it never runs in the same pass"),
                pointer,
                span,
            ),
            Order::Enclosing => self.report(
                Severity::Warning,
                "action-not-run",
                format!("{function}('{target}') is read inside '{target}' itself, before it has finished"),
                pointer,
                span,
            ),
            Order::Parallel => self.report(
                Severity::Warning,
                "action-may-not-run",
                format!("{function}('{target}'): '{target}' runs in parallel with '{reader}' and may not have run yet; add it to runAfter"),
                pointer,
                span,
            ),
        }
    }

    /// How action `target` relates in time to the action `reader` evaluating an expression.
    fn order(&self, target: &str, reader: &str) -> Order {
        if target == reader {
            return Order::Itself;
        }
        let targets = self.model.chain(target);
        let readers = self.model.chain(reader);
        if readers.iter().skip(1).any(|l| l.name == target) {
            return Order::Enclosing;
        }
        if targets.iter().skip(1).any(|l| l.name == reader) {
            return Order::Inside;
        }
        // The innermost pair of ancestors (or the actions themselves) with the same parent.
        for t in &targets {
            for r in &readers {
                if t.parent != r.parent {
                    continue;
                }
                if t.container != r.container {
                    return Order::OtherBranch;
                }
                if self.model.runs_after(&r.name, &t.name) {
                    return Order::Before;
                }
                if self.model.runs_after(&t.name, &r.name) {
                    return Order::After;
                }
                return Order::Parallel;
            }
        }
        Order::Parallel
    }
}

/// Where a checked string sits: the value or the key of the member at a JSON pointer.
#[derive(Clone, Copy)]
enum Literal<'p> {
    Value(&'p str),
    Key(&'p str),
}

impl<'p> Literal<'p> {
    fn pointer(self) -> &'p str {
        match self {
            Literal::Value(p) | Literal::Key(p) => p,
        }
    }
}

struct Link {
    name: String,
    container: String,
    parent: Option<String>,
}

enum Order {
    Before,
    Inside,
    Itself,
    After,
    OtherBranch,
    Enclosing,
    Parallel,
}

fn literal_type(e: &Expr) -> Option<crate::value::ValueType> {
    use crate::value::ValueType;
    Some(match &e.kind {
        ExprKind::Null => ValueType::Null,
        ExprKind::Bool(_) => ValueType::Boolean,
        ExprKind::Int(_) => ValueType::Integer,
        ExprKind::Float(_) => ValueType::Float,
        ExprKind::String(_) => ValueType::String,
        _ => return None,
    })
}

/// Does a parameter of type `ty` accept a literal of type `literal`? `null` is accepted
/// everywhere (the service converts it), and numbers and booleans where a string is
/// expected (implicit conversion).
fn accepts(ty: Ty, literal: crate::value::ValueType) -> bool {
    use crate::value::ValueType;
    ty.contains(literal)
        || literal == ValueType::Null
        || (ty.contains(ValueType::String)
            && matches!(literal, ValueType::Integer | ValueType::Float | ValueType::Boolean))
        || (ty.contains(ValueType::Integer) && literal == ValueType::Float)
}
