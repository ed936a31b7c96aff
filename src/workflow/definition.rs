//! Loading a workflow definition: the bare form (`{"triggers", "actions", "parameters",
//! "outputs"}`), the Standard `workflow.json` form (`{"definition": {...}, "kind": ...}`) and
//! an ARM template that embeds one; validating it against the service's rules and limits
//! (errors carry the JSON pointer of the offending part); and compiling every template
//! once, so a run never parses an expression twice.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use crate::error::{Error, ErrorKind, Result};
use crate::eval::Engine;
use crate::template::{push_pointer_token, string_form, Document, StringForm, Template};
use crate::value::{from_json_str, Object, Str, Value};

use super::clock::parse_duration;
use super::condition::Condition;
use super::status::{Status, RUN_AFTER_STATUSES};

/// The service's limits on a definition (runtime.md §7).
pub mod limits {
    /// Actions in one workflow, counting nested ones.
    pub const MAX_ACTIONS: usize = 500;
    /// Levels of nesting below the outermost control action (Scope, If, Foreach, Until,
    /// Switch): "allowed nesting depth for actions: 8" (the limits tables of Logic Apps and
    /// Power Automate). So an action may sit inside 1 + 8 control actions, which is what the
    /// service exported in a flow of 8 nested conditions in a Foreach (issue 12); our two
    /// corpora go no deeper than 4 (README, "Where the service's behaviour is unknown").
    pub const MAX_NESTING: usize = 8;
    /// Characters in an action or trigger name.
    pub const MAX_NAME: usize = 80;
    /// Characters in a description.
    pub const MAX_DESCRIPTION: usize = 256;
    /// Parameters of a Consumption (bare) definition.
    pub const MAX_PARAMETERS: usize = 50;
    /// Parameters of a Standard (`workflow.json`) definition.
    pub const MAX_PARAMETERS_STANDARD: usize = 500;
    /// Workflow outputs.
    pub const MAX_OUTPUTS: usize = 10;
    /// Triggers of a Consumption definition (Standard allows one).
    pub const MAX_TRIGGERS: usize = 10;
    /// Items a trigger's `splitOn` array may have (each starts a run).
    pub const MAX_SPLIT_ON_ITEMS: usize = 100_000;
    /// Cases of a Switch.
    pub const MAX_SWITCH_CASES: usize = 25;
    /// Variables of a workflow.
    pub const MAX_VARIABLES: usize = 250;
    /// Characters of the JSON of an action's trackedProperties.
    pub const MAX_TRACKED_PROPERTIES: usize = 8_000;
    /// Foreach concurrency: the range of `repetitions`, and its default.
    pub const FOREACH_REPETITIONS: (i64, i64) = (1, 50);
    /// Default Foreach concurrency.
    pub const FOREACH_DEFAULT_REPETITIONS: usize = 20;
    /// Items a Foreach may iterate over.
    pub const MAX_FOREACH_ITEMS: usize = 100_000;
    /// Until `limit.count`: its range and default.
    pub const UNTIL_COUNT: (i64, i64) = (1, 5_000);
    /// Default Until `limit.count`.
    pub const UNTIL_DEFAULT_COUNT: i64 = 60;
    /// Default Until `limit.timeout`.
    pub const UNTIL_DEFAULT_TIMEOUT: &str = "PT1H";
    /// Characters (or bytes) of a variable's value.
    pub const MAX_VARIABLE_SIZE: usize = 104_857_600;
    /// Items of an array variable.
    pub const MAX_ARRAY_VARIABLE_ITEMS: usize = 100_000;
    /// Bytes of one action's inputs or outputs.
    pub const MAX_ACTION_IO: usize = 104_857_600;
    /// How deeply the values a run keeps (variables, action inputs and outputs) may nest:
    /// the depth JSON can be read back at.
    pub const MAX_VALUE_DEPTH: usize = 128;
}

/// A loaded, validated and compiled workflow definition.
pub struct Workflow {
    pub(crate) parameters: Vec<ParamDecl>,
    pub(crate) trigger: Option<TriggerDef>,
    pub(crate) actions: Container,
    pub(crate) outputs: Vec<(Str, Document, ParamType)>,
    pub(crate) standard: bool,
    pub(crate) action_count: usize,
    nesting_depth: usize,
    unsupported: Vec<UnsupportedAction>,
    invalid: Vec<InvalidAction>,
}

/// An Http action whose definition the HTTP runtime rejects (a placeholder URI, an
/// out-of-range retry count, ...): the workflow loads, but cannot run until it is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidAction {
    /// The action's name.
    pub name: String,
    /// The JSON pointer of the offending part.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// An action whose type the local runner cannot execute (it needs a mock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedAction {
    /// The action's name.
    pub name: String,
    /// Its type, as written.
    pub type_name: String,
    /// Its JSON pointer in the definition.
    pub pointer: String,
}

/// The type of a workflow parameter or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `bool`.
    Bool,
    /// `string`.
    String,
    /// `securestring`: redacted in run records.
    SecureString,
    /// `array`.
    Array,
    /// `object`.
    Object,
    /// `secureobject`: redacted in run records.
    SecureObject,
}

impl ParamType {
    pub(crate) fn parse(text: &str) -> Option<ParamType> {
        Some(match text.to_ascii_lowercase().as_str() {
            "int" | "integer" => ParamType::Int,
            "float" => ParamType::Float,
            "bool" | "boolean" => ParamType::Bool,
            "string" => ParamType::String,
            "securestring" => ParamType::SecureString,
            "array" => ParamType::Array,
            "object" => ParamType::Object,
            "secureobject" => ParamType::SecureObject,
            _ => return None,
        })
    }

    /// The name as the service writes it.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Bool => "bool",
            ParamType::String => "string",
            ParamType::SecureString => "securestring",
            ParamType::Array => "array",
            ParamType::Object => "object",
            ParamType::SecureObject => "secureobject",
        }
    }

    /// Is it a secure type?
    pub fn is_secure(self) -> bool {
        matches!(self, ParamType::SecureString | ParamType::SecureObject)
    }

    /// Does a value have this type? Integers are accepted for `float`.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            ParamType::Int => matches!(value, Value::Int(_)),
            ParamType::Float => matches!(value, Value::Int(_) | Value::Float(_) | Value::Decimal(_)),
            ParamType::Bool => matches!(value, Value::Bool(_)),
            ParamType::String | ParamType::SecureString => matches!(value, Value::String(_)),
            ParamType::Array => matches!(value, Value::Array(_)),
            ParamType::Object | ParamType::SecureObject => matches!(value, Value::Object(_)),
        }
    }
}

/// A declared workflow parameter.
#[derive(Debug, Clone)]
pub(crate) struct ParamDecl {
    pub name: Str,
    pub ty: ParamType,
    pub default: Option<Value>,
    pub allowed: Option<Vec<Value>>,
}

/// The trigger.
pub(crate) struct TriggerDef {
    pub name: Str,
    pub type_name: String,
    /// `conditions`: each `{"expression": ...}` must be true for a run to start.
    pub conditions: Vec<(String, Document)>,
    /// `splitOn`: an expression giving the array whose items each start a run.
    pub split_on: Option<(String, Document)>,
    /// `inputs` as written, for `trigger().inputs`.
    pub inputs: Value,
}

/// Actions that run together: the top level, or the body of a Scope, loop or branch.
pub(crate) struct Container {
    pub actions: Vec<ActionDef>,
}

impl Container {
    fn empty() -> Container {
        Container { actions: Vec::new() }
    }

    /// Visits every action in the tree, depth first (nesting is bounded by the limit).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a ActionDef)) {
        for a in &self.actions {
            f(a);
            for c in a.kind.children() {
                c.walk(f);
            }
        }
    }
}

/// One entry of a `runAfter`: a sibling (by index) or the trigger, and its statuses.
pub(crate) struct Dependency {
    pub name: Str,
    /// The sibling's index; `None` for the trigger.
    pub index: Option<usize>,
    pub statuses: Vec<Status>,
}

/// An action, compiled.
pub(crate) struct ActionDef {
    pub name: Str,
    pub type_name: String,
    pub pointer: String,
    pub kind: Kind,
    /// The compiled `inputs` (static null when there are none).
    pub inputs: Document,
    pub raw: Value,
    pub run_after: Vec<Dependency>,
    /// The enclosing Scope, loop or branch owner, for `result()` and the run record.
    pub parent: Option<Str>,
    pub inside_foreach: bool,
    pub secure_inputs: bool,
    pub secure_outputs: bool,
    /// The compiled `trackedProperties`, evaluated when the action has finished.
    pub tracked_properties: Option<Document>,
}

/// What an action does.
pub(crate) enum Kind {
    Compose,
    InitializeVariable,
    SetVariable,
    IncrementVariable,
    DecrementVariable,
    AppendToArrayVariable,
    AppendToStringVariable,
    ParseJson {
        cache: Mutex<Option<(Value, std::sync::Arc<jsonschema::Validator>)>>,
    },
    Query {
        from: Document,
        filter: Template,
    },
    Select {
        from: Document,
        select: Document,
    },
    Join,
    Table {
        from: Document,
        format: Document,
        columns: Option<Vec<(Document, Document)>>,
    },
    If {
        condition: Condition,
        then: Container,
        otherwise: Container,
    },
    Switch {
        expression: Document,
        cases: Vec<Case>,
        default: Container,
    },
    Foreach {
        items: Document,
        body: Container,
        repetitions: usize,
    },
    Until {
        condition: Condition,
        count: Document,
        timeout: Document,
        body: Container,
        fail_on_limit: bool,
    },
    Scope {
        body: Container,
    },
    Terminate,
    Wait,
    Response,
    /// A built-in Date Time or Text Functions operation, which the runner performs itself.
    Expression {
        operation: &'static super::expression::Operation,
    },
    /// `None` when the action's definition is not valid (listed in `Workflow::invalid`).
    Http {
        action: Option<crate::runtime::HttpAction>,
    },
    Unsupported,
}

/// A Switch case.
pub(crate) struct Case {
    pub name: Str,
    pub value: Value,
    pub body: Container,
}

impl Kind {
    /// The containers nested in this action.
    pub fn children(&self) -> Vec<&Container> {
        match self {
            Kind::If { then, otherwise, .. } => vec![then, otherwise],
            Kind::Switch { cases, default, .. } => {
                let mut v: Vec<&Container> = cases.iter().map(|c| &c.body).collect();
                v.push(default);
                v
            }
            Kind::Foreach { body, .. } | Kind::Until { body, .. } | Kind::Scope { body } => vec![body],
            _ => Vec::new(),
        }
    }

    /// Is this a loop (whose inner records are per iteration)?
    pub fn is_loop(&self) -> bool {
        matches!(self, Kind::Foreach { .. } | Kind::Until { .. })
    }
}

fn definition_error(pointer: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message).with_pointer(if pointer.is_empty() { "/" } else { pointer })
}

fn child_pointer(base: &str, token: &str) -> String {
    let mut p = String::with_capacity(base.len() + token.len() + 1);
    p.push_str(base);
    p.push('/');
    push_pointer_token(&mut p, token);
    p
}

/// Compiles a JSON value as a template document; a syntax error becomes a definition error
/// at the full pointer of the failing string.
pub(crate) fn compile_at(engine: &Engine, value: &Value, pointer: &str) -> Result<Document> {
    engine.compile_document(value).map_err(|e| {
        let inner = e.pointer().unwrap_or("").to_string();
        let full = format!("{pointer}{inner}");
        let message = format!("the expression is not valid: {}", e.message());
        let mut out = Error::new(ErrorKind::Definition, message).with_pointer(full);
        if let (Some(span), Some(text)) = (e.span(), e.source_text()) {
            out = out.with_span(span).with_source(text.to_string());
        }
        out
    })
}

struct Loader<'e> {
    engine: &'e Engine,
    names: HashMap<String, String>,
    count: usize,
    /// The most control actions any action sits inside.
    deepest: usize,
    variables: usize,
    unsupported: Vec<UnsupportedAction>,
    invalid: Vec<InvalidAction>,
    trigger_name: Option<Str>,
}

impl Workflow {
    /// Reads a definition from a file.
    pub fn load(path: &Path) -> Result<Workflow> {
        let text = crate::source::read_text(path, "workflow")?;
        let value = crate::source::parse_json(&text, "workflow")?;
        Workflow::from_value(&value).map_err(|e| crate::source::locate(e, &text))
    }

    /// Reads a definition from JSON text.
    pub fn from_json_str(text: &str) -> Result<Workflow> {
        let value = from_json_str(text)
            .map_err(|e| Error::new(ErrorKind::Definition, format!("the workflow is not valid JSON: {e}")))?;
        Workflow::from_value(&value)
    }

    /// Reads a definition: bare, wrapped in `{"definition": ...}` (Standard's
    /// `workflow.json`), an exported flow (`{"properties": {"definition": ...}}`), or the
    /// first `Microsoft.Logic/workflows` resource of an ARM template.
    pub fn from_value(value: &Value) -> Result<Workflow> {
        Workflow::with_engine(value, &super::engine())
    }

    /// Like [`Workflow::from_value`], compiling with the given engine (its limits and added
    /// functions).
    pub fn with_engine(value: &Value, engine: &Engine) -> Result<Workflow> {
        let (_, found) = crate::project::locate("the workflow", value).map_err(|e| {
            let message = e.message().to_string();
            Error::new(ErrorKind::Definition, message).with_pointer("/")
        })?;
        let (pointer, standard) = found.into_iter().next().unwrap_or_default();
        Workflow::at(value, &pointer, standard, engine)
    }

    /// Compiles the definition at `pointer` in `document` (errors carry pointers into the
    /// document); `standard` for a Standard workflow (one trigger, more parameters).
    pub fn at(document: &Value, pointer: &str, standard: bool, engine: &Engine) -> Result<Workflow> {
        let definition = crate::project::pointer_get(document, pointer).unwrap_or_default();
        let base = pointer.to_string();
        let root = definition
            .as_object()
            .ok_or_else(|| definition_error(&base, "the workflow definition must be a JSON object"))?;
        let mut loader = Loader {
            engine,
            names: HashMap::new(),
            count: 0,
            deepest: 0,
            variables: 0,
            unsupported: Vec::new(),
            invalid: Vec::new(),
            trigger_name: None,
        };
        let parameters = load_parameters(root, &base, standard)?;
        let trigger = load_trigger(engine, root, &base, standard)?;
        loader.trigger_name = trigger.as_ref().map(|t| t.name.clone());
        let actions = match root.get_ci("actions") {
            None | Some(Value::Null) => Container::empty(),
            Some(v) => loader.container(v, &child_pointer(&base, "actions"), None, 1, Scope::default())?,
        };
        if loader.count > limits::MAX_ACTIONS {
            return Err(definition_error(
                &child_pointer(&base, "actions"),
                format!(
                    "the workflow has {} actions; the limit is {} per workflow",
                    loader.count,
                    limits::MAX_ACTIONS
                ),
            ));
        }
        if loader.variables > limits::MAX_VARIABLES {
            return Err(definition_error(
                &child_pointer(&base, "actions"),
                format!(
                    "the workflow initializes {} variables; the limit is {}",
                    loader.variables,
                    limits::MAX_VARIABLES
                ),
            ));
        }
        let outputs = load_outputs(engine, root, &base)?;
        Ok(Workflow {
            parameters,
            trigger,
            actions,
            outputs,
            standard,
            action_count: loader.count,
            nesting_depth: loader.deepest,
            unsupported: loader.unsupported,
            invalid: loader.invalid,
        })
    }

    /// The actions whose type cannot run locally; a run needs a mock for each.
    pub fn unsupported_actions(&self) -> &[UnsupportedAction] {
        &self.unsupported
    }

    /// Is it a Standard `workflow.json` (`{"definition": ...}`)?
    pub fn is_standard(&self) -> bool {
        self.standard
    }

    /// The Http actions whose definitions are not valid; a run refuses to start while there
    /// are any.
    pub fn invalid_actions(&self) -> &[InvalidAction] {
        &self.invalid
    }

    /// The number of actions, nested ones included.
    pub fn action_count(&self) -> usize {
        self.action_count
    }

    /// The most control actions (Scope, If, Foreach, Until, Switch) any action sits inside:
    /// 0 when every action is at the top level.
    pub fn nesting_depth(&self) -> usize {
        self.nesting_depth
    }

    /// Does the trigger split its output into one run per item (`splitOn`)?
    pub fn has_split_on(&self) -> bool {
        self.trigger.as_ref().is_some_and(|t| t.split_on.is_some())
    }

    /// The trigger's name and type, if the definition has a trigger.
    pub fn trigger(&self) -> Option<(&str, &str)> {
        self.trigger.as_ref().map(|t| (&*t.name, t.type_name.as_str()))
    }

    /// The declared parameters: name, type, whether a default exists.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, ParamType, bool)> {
        self.parameters.iter().map(|p| (&*p.name, p.ty, p.default.is_some()))
    }

    /// Finds an action anywhere in the tree by name (exactly, then without regard to case).
    pub(crate) fn find_action(&self, name: &str) -> Option<&ActionDef> {
        let mut found = None;
        let mut found_ci = None;
        self.actions.walk(&mut |a| {
            if &*a.name == name {
                found = Some(a);
            } else if found_ci.is_none() && a.name.eq_ignore_ascii_case(name) {
                found_ci = Some(a);
            }
        });
        found.or(found_ci)
    }
}

fn load_parameters(root: &Object, base: &str, standard: bool) -> Result<Vec<ParamDecl>> {
    let pointer = child_pointer(base, "parameters");
    let Some(params) = root.get_ci("parameters") else { return Ok(Vec::new()) };
    let params = match params {
        Value::Null => return Ok(Vec::new()),
        Value::Object(o) => o,
        _ => return Err(definition_error(&pointer, "\"parameters\" must be an object")),
    };
    let max = if standard { limits::MAX_PARAMETERS_STANDARD } else { limits::MAX_PARAMETERS };
    if params.len() > max {
        return Err(definition_error(
            &pointer,
            format!("the workflow declares {} parameters; the limit is {max}", params.len()),
        ));
    }
    let mut out = Vec::with_capacity(params.len());
    for (name, decl) in params {
        let p = child_pointer(&pointer, name);
        let ty = match decl.member("type") {
            Some(Value::String(t)) => ParamType::parse(&t).ok_or_else(|| {
                definition_error(
                    &format!("{p}/type"),
                    format!(
                        "parameter '{name}' has the unknown type '{t}'; the types are int, float, bool, string, securestring, array, object, secureobject"
                    ),
                )
            })?,
            _ => return Err(definition_error(&p, format!("parameter '{name}' must declare its \"type\""))),
        };
        let default = decl.member("defaultValue");
        if let Some(d) = &default {
            if !ty.accepts(d) && !d.is_null() {
                return Err(definition_error(
                    &format!("{p}/defaultValue"),
                    format!(
                        "the default value of parameter '{name}' is {}, but the parameter's type is {}",
                        d.value_type(),
                        ty.name()
                    ),
                ));
            }
        }
        let allowed = match decl.member("allowedValues") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(a.to_vec()),
            Some(_) => {
                return Err(definition_error(
                    &format!("{p}/allowedValues"),
                    "\"allowedValues\" must be an array",
                ))
            }
        };
        out.push(ParamDecl { name: name.clone(), ty, default: default.filter(|d| !d.is_null()), allowed });
    }
    Ok(out)
}

fn load_trigger(engine: &Engine, root: &Object, base: &str, standard: bool) -> Result<Option<TriggerDef>> {
    let pointer = child_pointer(base, "triggers");
    let triggers = match root.get_ci("triggers") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(definition_error(&pointer, "\"triggers\" must be an object")),
    };
    let max = if standard { 1 } else { limits::MAX_TRIGGERS };
    if triggers.len() > max {
        return Err(definition_error(
            &pointer,
            format!("the workflow has {} triggers; the limit is {max}", triggers.len()),
        ));
    }
    let Some((name, t)) = triggers.get_index(0) else { return Ok(None) };
    let p = child_pointer(&pointer, name);
    check_name(name, &p)?;
    let type_name = t
        .member("type")
        .and_then(|t| t.as_str().map(str::to_string))
        .ok_or_else(|| definition_error(&p, format!("trigger '{name}' must have a \"type\"")))?;
    let mut conditions = Vec::new();
    match t.member("conditions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, c) in list.iter().enumerate() {
                let at = format!("{p}/conditions/{i}");
                let expression = c.member("expression").ok_or_else(|| {
                    definition_error(&at, "a trigger condition must be an object with an \"expression\"")
                })?;
                let pointer = format!("{at}/expression");
                let doc = compile_at(engine, &expression, &pointer)?;
                conditions.push((pointer, doc));
            }
        }
        Some(_) => {
            return Err(definition_error(
                &format!("{p}/conditions"),
                "\"conditions\" must be an array of {\"expression\": \"@...\"} objects",
            ))
        }
    }
    let split_on = match t.member("splitOn") {
        None | Some(Value::Null) => None,
        Some(v @ Value::String(_)) => {
            let pointer = format!("{p}/splitOn");
            Some((pointer.clone(), compile_at(engine, &v, &pointer)?))
        }
        Some(_) => {
            return Err(definition_error(
                &format!("{p}/splitOn"),
                "\"splitOn\" must be an expression string such as \"@triggerBody()?['value']\"",
            ))
        }
    };
    let inputs = t.member("inputs").unwrap_or_default();
    Ok(Some(TriggerDef { name: name.clone(), type_name, conditions, split_on, inputs }))
}

fn load_outputs(engine: &Engine, root: &Object, base: &str) -> Result<Vec<(Str, Document, ParamType)>> {
    let pointer = child_pointer(base, "outputs");
    let outputs = match root.get_ci("outputs") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(definition_error(&pointer, "\"outputs\" must be an object")),
    };
    if outputs.len() > limits::MAX_OUTPUTS {
        return Err(definition_error(
            &pointer,
            format!("the workflow has {} outputs; the limit is {}", outputs.len(), limits::MAX_OUTPUTS),
        ));
    }
    let mut out = Vec::new();
    for (name, o) in outputs {
        let p = child_pointer(&pointer, name);
        let ty = o
            .member("type")
            .and_then(|t| t.as_str().and_then(ParamType::parse))
            .ok_or_else(|| definition_error(&p, format!("output '{name}' must declare a valid \"type\"")))?;
        let value = o.member("value").unwrap_or_default();
        out.push((name.clone(), compile_at(engine, &value, &format!("{p}/value"))?, ty));
    }
    Ok(out)
}

fn check_name(name: &str, pointer: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(definition_error(pointer, "a name must not be empty"));
    }
    let n = name.chars().count();
    if n > limits::MAX_NAME {
        return Err(definition_error(
            pointer,
            format!("the name '{name}' has {n} characters; the limit is {}", limits::MAX_NAME),
        ));
    }
    Ok(())
}

/// What encloses a container, for the placement rules.
#[derive(Clone, Copy, Default)]
struct Scope {
    in_foreach: bool,
    in_until: bool,
    nested: bool,
}

fn get_str(o: &Object, key: &str) -> Option<String> {
    o.get_ci(key).and_then(|v| v.as_str().map(str::to_string))
}

impl Loader<'_> {
    fn container(
        &mut self,
        value: &Value,
        pointer: &str,
        parent: Option<&Str>,
        depth: usize,
        scope: Scope,
    ) -> Result<Container> {
        let actions = match value {
            Value::Null => return Ok(Container::empty()),
            Value::Object(o) => o,
            _ => return Err(definition_error(pointer, "\"actions\" must be an object of named actions")),
        };
        // `depth` is 1 for the top level: its actions are inside no control action. An empty
        // container nests nothing.
        let inside = depth - 1;
        if !actions.is_empty() {
            self.deepest = self.deepest.max(inside);
        }
        if inside > limits::MAX_NESTING + 1 && !actions.is_empty() {
            return Err(definition_error(
                pointer,
                format!(
                    "these actions are nested inside {inside} control actions (Scope, If, Foreach, Until, Switch); the service allows {} levels of nesting below the outermost one, so {} in all",
                    limits::MAX_NESTING,
                    limits::MAX_NESTING + 1
                ),
            ));
        }
        let mut defs = Vec::with_capacity(actions.len());
        for (name, a) in actions {
            defs.push(self.action(name, a, &child_pointer(pointer, name), parent, depth, scope)?);
        }
        // Resolve runAfter names to sibling indexes: exactly first, then without regard to case.
        let names: Vec<Str> = defs.iter().map(|d| d.name.clone()).collect();
        for d in &mut defs {
            for dep in &mut d.run_after {
                let index = names
                    .iter()
                    .position(|n| **n == *dep.name)
                    .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(&dep.name)));
                match index {
                    Some(i) => dep.index = Some(i),
                    None => {
                        let is_trigger = depth == 1
                            && self.trigger_name.as_ref().is_some_and(|t| t.eq_ignore_ascii_case(&dep.name));
                        if !is_trigger {
                            return Err(definition_error(
                                &child_pointer(&format!("{}/runAfter", d.pointer), &dep.name),
                                format!(
                                    "action '{}' runs after '{}', which is not an action in the same container (runAfter can only name siblings)",
                                    d.name, dep.name
                                ),
                            ));
                        }
                    }
                }
                if dep.index.is_some_and(|i| *names[i] == *d.name) {
                    return Err(definition_error(
                        &format!("{}/runAfter", d.pointer),
                        format!("action '{}' cannot run after itself", d.name),
                    ));
                }
            }
        }
        check_cycles(&defs, pointer)?;
        Ok(Container { actions: defs })
    }

    fn action(
        &mut self,
        name: &Str,
        raw: &Value,
        pointer: &str,
        parent: Option<&Str>,
        depth: usize,
        scope: Scope,
    ) -> Result<ActionDef> {
        check_name(name, pointer)?;
        self.count += 1;
        if let Some(previous) = self.names.insert(name.to_ascii_lowercase(), pointer.to_string()) {
            return Err(definition_error(
                pointer,
                format!("the action name '{name}' is used twice (also at {previous}); names must be unique in a workflow"),
            ));
        }
        let o = raw
            .as_object()
            .ok_or_else(|| definition_error(pointer, format!("action '{name}' must be a JSON object")))?;
        let type_name = get_str(o, "type")
            .ok_or_else(|| definition_error(pointer, format!("action '{name}' must have a \"type\"")))?;
        if let Some(d) = get_str(o, "description") {
            if d.chars().count() > limits::MAX_DESCRIPTION {
                return Err(definition_error(
                    &format!("{pointer}/description"),
                    format!("the description is longer than {} characters", limits::MAX_DESCRIPTION),
                ));
            }
        }
        let tracked_properties = match o.get_ci("trackedProperties") {
            None | Some(Value::Null) => None,
            Some(t) => {
                let at = format!("{pointer}/trackedProperties");
                if t.to_string().len() > limits::MAX_TRACKED_PROPERTIES {
                    return Err(definition_error(
                        &at,
                        format!(
                            "trackedProperties are longer than {} characters",
                            limits::MAX_TRACKED_PROPERTIES
                        ),
                    ));
                }
                Some(compile_at(self.engine, t, &at)?)
            }
        };
        let run_after = parse_run_after(o, pointer)?;
        let inputs_raw = o.get_ci("inputs").cloned().unwrap_or_default();
        let inputs_pointer = format!("{pointer}/inputs");
        let lower = type_name.to_ascii_lowercase();
        let engine = self.engine;
        let here = |scope_name: &str, allowed: bool| -> Result<()> {
            if allowed {
                Ok(())
            } else {
                Err(definition_error(
                    pointer,
                    format!("a {type_name} action cannot be placed inside {scope_name}"),
                ))
            }
        };
        let compile_inputs = |v: &Value| compile_at(engine, v, &inputs_pointer);
        let mut inputs = compile_inputs(&inputs_raw)?;
        let child_scope = Scope { nested: true, ..scope };
        let kind = match lower.as_str() {
            "compose" => Kind::Compose,
            "initializevariable" => {
                here("a Scope, loop or condition (variables are declared at the top level)", !scope.nested)?;
                self.variables += check_initialize(&inputs_raw, &inputs_pointer, name)?;
                Kind::InitializeVariable
            }
            "setvariable" => Kind::SetVariable,
            "incrementvariable" => Kind::IncrementVariable,
            "decrementvariable" => Kind::DecrementVariable,
            "appendtoarrayvariable" => Kind::AppendToArrayVariable,
            "appendtostringvariable" => Kind::AppendToStringVariable,
            "parsejson" => Kind::ParseJson { cache: Mutex::new(None) },
            "query" => {
                let from = compile_at(
                    engine,
                    &inputs_raw.member("from").unwrap_or_default(),
                    &format!("{inputs_pointer}/from"),
                )?;
                let filter = match inputs_raw.member("where") {
                    Some(Value::String(s)) => engine.compile_template(&s).map_err(|e| {
                        let p = format!("{inputs_pointer}/where");
                        definition_error(&p, format!("the expression is not valid: {}", e.message()))
                    })?,
                    _ => {
                        return Err(definition_error(
                            &inputs_pointer,
                            "a Query action needs \"where\": an expression such as \"@equals(item()?['status'], 'open')\"",
                        ))
                    }
                };
                inputs = compile_inputs(&without(&inputs_raw, &["where"]))?;
                Kind::Query { from, filter }
            }
            "select" => {
                let from = compile_at(
                    engine,
                    &inputs_raw.member("from").unwrap_or_default(),
                    &format!("{inputs_pointer}/from"),
                )?;
                let Some(select) = inputs_raw.member("select") else {
                    return Err(definition_error(&inputs_pointer, "a Select action needs \"select\""));
                };
                let select = compile_at(engine, &select, &format!("{inputs_pointer}/select"))?;
                inputs = compile_inputs(&without(&inputs_raw, &["select"]))?;
                Kind::Select { from, select }
            }
            "join" => Kind::Join,
            "table" => {
                let from = compile_at(
                    engine,
                    &inputs_raw.member("from").unwrap_or_default(),
                    &format!("{inputs_pointer}/from"),
                )?;
                let format = compile_at(
                    engine,
                    &inputs_raw.member("format").unwrap_or_default(),
                    &format!("{inputs_pointer}/format"),
                )?;
                let columns = match inputs_raw.member("columns") {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(cols)) => {
                        let mut out = Vec::new();
                        for (i, c) in cols.iter().enumerate() {
                            let p = format!("{inputs_pointer}/columns/{i}");
                            let header = c.member("header").unwrap_or_else(|| Value::from(""));
                            let value = c.member("value").unwrap_or_default();
                            out.push((
                                compile_at(engine, &header, &format!("{p}/header"))?,
                                compile_at(engine, &value, &format!("{p}/value"))?,
                            ));
                        }
                        Some(out)
                    }
                    Some(_) => {
                        return Err(definition_error(
                            &format!("{inputs_pointer}/columns"),
                            "\"columns\" must be an array",
                        ))
                    }
                };
                inputs = compile_inputs(&without(&inputs_raw, &["columns"]))?;
                Kind::Table { from, format, columns }
            }
            "if" => {
                let condition =
                    Condition::compile(engine, o.get_ci("expression"), &format!("{pointer}/expression"))?;
                let then = self.container(
                    &o.get_ci("actions").cloned().unwrap_or_default(),
                    &format!("{pointer}/actions"),
                    Some(name),
                    depth + 1,
                    child_scope,
                )?;
                let else_actions = o.get_ci("else").and_then(|e| e.member("actions")).unwrap_or_default();
                let otherwise = self.container(
                    &else_actions,
                    &format!("{pointer}/else/actions"),
                    Some(name),
                    depth + 1,
                    child_scope,
                )?;
                Kind::If { condition, then, otherwise }
            }
            "switch" => {
                let expression = compile_at(
                    engine,
                    &o.get_ci("expression").cloned().unwrap_or_default(),
                    &format!("{pointer}/expression"),
                )?;
                let mut cases = Vec::new();
                if let Some(Value::Object(cs)) = o.get_ci("cases") {
                    if cs.len() > limits::MAX_SWITCH_CASES {
                        return Err(definition_error(
                            &format!("{pointer}/cases"),
                            format!(
                                "the Switch has {} cases; the limit is {}",
                                cs.len(),
                                limits::MAX_SWITCH_CASES
                            ),
                        ));
                    }
                    for (case_name, c) in cs {
                        let cp = child_pointer(&format!("{pointer}/cases"), case_name);
                        let mut value = c.member("case").ok_or_else(|| {
                            definition_error(&cp, format!("case '{case_name}' needs a \"case\" value"))
                        })?;
                        if !matches!(
                            value,
                            Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
                        ) {
                            return Err(definition_error(
                                &format!("{cp}/case"),
                                "a case value must be a constant string or number",
                            ));
                        }
                        if let Value::String(s) = &value {
                            // The template rule decides, so `"@@x"` is the constant `@x`.
                            let StringForm::Literal(text) = string_form(s) else {
                                return Err(definition_error(
                                    &format!("{cp}/case"),
                                    "a case value must be a constant, not an expression",
                                ));
                            };
                            value = Value::from(text);
                        }
                        if cases.iter().any(|x: &Case| x.value == value) {
                            return Err(definition_error(
                                &format!("{cp}/case"),
                                format!("the case value {value} is used twice; case values must be unique"),
                            ));
                        }
                        let body = self.container(
                            &c.member("actions").unwrap_or_default(),
                            &format!("{cp}/actions"),
                            Some(name),
                            depth + 1,
                            child_scope,
                        )?;
                        cases.push(Case { name: case_name.clone(), value, body });
                    }
                }
                let default_actions =
                    o.get_ci("default").and_then(|d| d.member("actions")).unwrap_or_default();
                let default = self.container(
                    &default_actions,
                    &format!("{pointer}/default/actions"),
                    Some(name),
                    depth + 1,
                    child_scope,
                )?;
                Kind::Switch { expression, cases, default }
            }
            "foreach" => {
                let items_raw = o.get_ci("foreach").cloned().ok_or_else(|| {
                    definition_error(pointer, "a Foreach action needs \"foreach\": the array to iterate over")
                })?;
                let items = compile_at(engine, &items_raw, &format!("{pointer}/foreach"))?;
                let sequential = operation_options(o).iter().any(|x| x.eq_ignore_ascii_case("Sequential"));
                let reps = o
                    .get_ci("runtimeConfiguration")
                    .and_then(|r| r.member("concurrency"))
                    .and_then(|c| c.member("repetitions"));
                let repetitions = match reps {
                    None | Some(Value::Null) => {
                        if sequential {
                            1
                        } else {
                            limits::FOREACH_DEFAULT_REPETITIONS
                        }
                    }
                    Some(Value::Int(n))
                        if (limits::FOREACH_REPETITIONS.0..=limits::FOREACH_REPETITIONS.1).contains(&n) =>
                    {
                        if n == 1 && sequential {
                            return Err(definition_error(&format!("{pointer}/operationOptions"), "set either concurrency repetitions 1 or operationOptions \"Sequential\", not both"));
                        }
                        if sequential {
                            1
                        } else {
                            n as usize
                        }
                    }
                    Some(v) => {
                        return Err(definition_error(
                            &format!("{pointer}/runtimeConfiguration/concurrency/repetitions"),
                            format!(
                                "Foreach concurrency repetitions must be an integer from 1 to 50, not {v}"
                            ),
                        ))
                    }
                };
                let body = self.container(
                    &o.get_ci("actions").cloned().unwrap_or_default(),
                    &format!("{pointer}/actions"),
                    Some(name),
                    depth + 1,
                    Scope { in_foreach: true, ..child_scope },
                )?;
                Kind::Foreach { items, body, repetitions }
            }
            "until" => {
                let condition =
                    Condition::compile(engine, o.get_ci("expression"), &format!("{pointer}/expression"))?;
                let limit = o.get_ci("limit").cloned().unwrap_or_default();
                let count_raw = limit.member("count").unwrap_or(Value::Int(limits::UNTIL_DEFAULT_COUNT));
                if let Value::Int(n) = count_raw {
                    if !(limits::UNTIL_COUNT.0..=limits::UNTIL_COUNT.1).contains(&n) {
                        return Err(definition_error(
                            &format!("{pointer}/limit/count"),
                            format!("the Until count must be from 1 to 5000, not {n}"),
                        ));
                    }
                }
                let timeout_raw =
                    limit.member("timeout").unwrap_or_else(|| Value::from(limits::UNTIL_DEFAULT_TIMEOUT));
                // A timeout with no expression is checked now, as it renders ("@@PT1H" is
                // the text @PT1H); one computed by an expression, when the loop starts.
                if let Value::String(t) = &timeout_raw {
                    if let StringForm::Literal(t) = string_form(t) {
                        parse_duration(&t).map_err(|e| {
                            definition_error(&format!("{pointer}/limit/timeout"), e.message().to_string())
                        })?;
                    }
                }
                let count = compile_at(engine, &count_raw, &format!("{pointer}/limit/count"))?;
                let timeout = compile_at(engine, &timeout_raw, &format!("{pointer}/limit/timeout"))?;
                let fail_on_limit =
                    operation_options(o).iter().any(|x| x.eq_ignore_ascii_case("FailWhenLimitsReached"));
                let body = self.container(
                    &o.get_ci("actions").cloned().unwrap_or_default(),
                    &format!("{pointer}/actions"),
                    Some(name),
                    depth + 1,
                    Scope { in_until: true, ..child_scope },
                )?;
                Kind::Until { condition, count, timeout, body, fail_on_limit }
            }
            "scope" => {
                let body = self.container(
                    &o.get_ci("actions").cloned().unwrap_or_default(),
                    &format!("{pointer}/actions"),
                    Some(name),
                    depth + 1,
                    child_scope,
                )?;
                Kind::Scope { body }
            }
            "terminate" => {
                here("a Foreach or Until loop", !scope.in_foreach && !scope.in_until)?;
                Kind::Terminate
            }
            "wait" => Kind::Wait,
            "response" => {
                here("a Foreach or Until loop", !scope.in_foreach && !scope.in_until)?;
                Kind::Response
            }
            "expression" => {
                let kind = get_str(o, "kind").unwrap_or_default();
                match super::expression::operation(&kind) {
                    Some(operation) => Kind::Expression { operation },
                    None => {
                        self.unsupported.push(UnsupportedAction {
                            name: name.to_string(),
                            type_name: format!(
                                "Expression of kind '{kind}'; the runner performs the kinds {}",
                                super::expression::known_kinds()
                            ),
                            pointer: format!("{pointer}/kind"),
                        });
                        Kind::Unsupported
                    }
                }
            }
            "http" => match crate::runtime::HttpAction::from_value_with(name, raw, engine) {
                Ok(action) => Kind::Http { action: Some(action) },
                // Kept to report: a definition with placeholders (`YOUR_URI_HERE`) still
                // loads, and a run refuses to start until it is fixed.
                Err(e) => {
                    self.invalid.push(InvalidAction {
                        name: name.to_string(),
                        pointer: format!("{pointer}{}", e.pointer().unwrap_or("")),
                        message: e.message().to_string(),
                    });
                    Kind::Http { action: None }
                }
            },
            _ => {
                self.unsupported.push(UnsupportedAction {
                    name: name.to_string(),
                    type_name: type_name.clone(),
                    pointer: pointer.to_string(),
                });
                Kind::Unsupported
            }
        };
        let secure = o
            .get_ci("runtimeConfiguration")
            .and_then(|r| r.member("secureData"))
            .and_then(|s| s.member("properties"))
            .and_then(|p| {
                p.as_array().map(|a| {
                    a.iter().filter_map(|x| x.as_str().map(str::to_ascii_lowercase)).collect::<Vec<_>>()
                })
            })
            .unwrap_or_default();
        Ok(ActionDef {
            name: name.clone(),
            type_name,
            pointer: pointer.to_string(),
            kind,
            inputs,
            raw: raw.clone(),
            run_after,
            parent: parent.cloned(),
            inside_foreach: scope.in_foreach,
            secure_inputs: secure.iter().any(|s| s == "inputs"),
            secure_outputs: secure.iter().any(|s| s == "outputs"),
            tracked_properties,
        })
    }
}

/// A copy of an object without some keys (they are compiled separately).
fn without(value: &Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(o) => {
            let mut o = o.clone();
            for k in keys {
                if let Some(i) = o.position_ci(k) {
                    o.remove_index(i);
                }
            }
            Value::Object(o)
        }
        other => other.clone(),
    }
}

fn operation_options(o: &Object) -> Vec<String> {
    get_str(o, "operationOptions")
        .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

/// Checks InitializeVariable inputs: `variables` lists one variable (the designer's form)
/// or several (Standard's newer form), each with a name and a type. Returns how many.
fn check_initialize(inputs: &Value, pointer: &str, name: &str) -> Result<usize> {
    let vars = inputs.member("variables");
    match vars.as_ref().and_then(|v| v.as_array()) {
        Some(list) if !list.is_empty() => {
            for (i, one) in list.iter().enumerate() {
                if !matches!(one.member("name"), Some(Value::String(_))) {
                    return Err(definition_error(
                        &format!("{pointer}/variables/{i}/name"),
                        "the variable needs a \"name\"",
                    ));
                }
                match one.member("type").and_then(|t| t.as_str().map(str::to_string)) {
                    Some(t) if super::variables::VarType::parse(&t).is_some() => {}
                    Some(t) => {
                        return Err(definition_error(
                            &format!("{pointer}/variables/{i}/type"),
                            format!("'{t}' is not a variable type; the types are boolean, integer, float, string, object, array"),
                        ))
                    }
                    None => return Err(definition_error(&format!("{pointer}/variables/{i}"), "the variable needs a \"type\"")),
                }
            }
            Ok(list.len())
        }
        Some(_) => Err(definition_error(
            &format!("{pointer}/variables"),
            format!("InitializeVariable action '{name}' must declare at least one variable"),
        )),
        None => Err(definition_error(
            pointer,
            format!("InitializeVariable action '{name}' needs inputs.variables"),
        )),
    }
}

fn parse_run_after(o: &Object, pointer: &str) -> Result<Vec<Dependency>> {
    let p = format!("{pointer}/runAfter");
    let entries = match o.get_ci("runAfter") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(e)) => e,
        Some(_) => {
            return Err(definition_error(&p, "\"runAfter\" must be an object: {\"Action\": [\"Succeeded\"]}"))
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (name, statuses) in entries {
        let ep = child_pointer(&p, name);
        let list = statuses
            .as_array()
            .ok_or_else(|| definition_error(&ep, "a runAfter entry must be an array of statuses"))?;
        let mut set = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let status = s.as_str().and_then(Status::parse).filter(|s| RUN_AFTER_STATUSES.contains(s));
            match status {
                Some(s) => set.push(s),
                None => {
                    return Err(definition_error(
                        &format!("{ep}/{i}"),
                        format!("{s} is not a runAfter status; the statuses are Succeeded, Failed, Skipped and TimedOut"),
                    ))
                }
            }
        }
        if set.is_empty() {
            set.push(Status::Succeeded);
        }
        out.push(Dependency { name: name.clone(), index: None, statuses: set });
    }
    Ok(out)
}

/// Rejects a runAfter cycle among siblings (Kahn's algorithm).
fn check_cycles(defs: &[ActionDef], pointer: &str) -> Result<()> {
    let n = defs.len();
    let mut indegree = vec![0usize; n];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, d) in defs.iter().enumerate() {
        let mut seen = HashSet::new();
        for dep in &d.run_after {
            if let Some(j) = dep.index {
                if seen.insert(j) {
                    indegree[i] += 1;
                    successors[j].push(i);
                }
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &s in &successors[i] {
            indegree[s] -= 1;
            if indegree[s] == 0 {
                ready.push(s);
            }
        }
    }
    if done < n {
        let stuck: Vec<&str> = (0..n).filter(|&i| indegree[i] > 0).map(|i| &*defs[i].name).collect();
        return Err(definition_error(
            pointer,
            format!("the runAfter links form a cycle among: {}", stuck.join(", ")),
        ));
    }
    Ok(())
}
