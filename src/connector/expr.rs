//! Policy expressions: the small language in the values of policy template parameters.
//!
//! - Calls: `@connectionParameters('name')`, `@connectionParameters('name', 'default')`,
//!   `@headers('name')` (alias `@header`), `@queryParameters('name')`, `@body()`, `@item()`,
//!   `@triggerBody()`; function names are matched without regard to case.
//! - Paths after `body()`, `item()` and `triggerBody()`: `.a.b`, `['@odata.id']`, `[0]`.
//! - Forms: inline in text (`https://@connectionParameters('host').example.com` — text
//!   after `)` is literal unless the call returns a structure), `@{expr}`, and `{@expr}`
//!   (the brace form of setproperty values). In `routerequesttoendpoint` paths and
//!   `setvaluefromurl` URLs, `{name}` is the value of the operation's path parameter.
//!
//! Each call is parsed by flowexpr's parser and evaluated by its engine, with these
//! functions registered and the message being shaped (headers, query, body) as the run
//! context: `body()` is the request body in the Request section and the response body in
//! the Response section; `item()` is the element being transformed when a parent path is
//! an array; `triggerBody()` is the previous poll's response.

use std::sync::{Arc, OnceLock};

use crate::error::{Error, ErrorKind, Result};
use crate::eval::{Context, Engine, Expression};
use crate::functions::{opt, req, Args, Call, Category, Function, Ty};
use crate::syntax::{self, ExprKind, MemberKey};
use crate::value::{Object, Value};

/// What policy expressions read: connection parameters and the message being shaped.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Connection parameter values, by name.
    pub connection: Object,
    /// Names of connection parameters the connector declares (a declared one without a
    /// value reads as `""`; an undeclared one is an error).
    pub declared: Vec<String>,
    /// Headers of the message (request or response).
    pub headers: Object,
    /// Query parameters of the request (decoded).
    pub queries: Object,
    /// The body (request or response; `null` if none).
    pub body: Value,
    /// The element being transformed, when a parent path is an array.
    pub item: Option<Value>,
    /// The previous poll's response body (polling triggers).
    pub trigger_body: Option<Value>,
    /// Power Platform environment variables (`@environmentVariables("name")`).
    pub environment: Object,
}

impl Context for Scope {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.connection.get_ci(name).cloned()
    }

    fn current_action(&self) -> Option<Value> {
        let mut message = Object::new();
        message.insert("headers", Value::Object(self.headers.clone()));
        message.insert("queries", Value::Object(self.queries.clone()));
        message.insert("body", self.body.clone());
        Some(Value::Object(message))
    }

    fn loop_item(&self, name: Option<&str>) -> Option<Value> {
        if name.is_some() {
            return None;
        }
        self.item.clone()
    }

    fn appsetting(&self, name: &str) -> Option<Value> {
        self.environment.get_ci(name).cloned()
    }

    fn trigger(&self) -> Option<Value> {
        let mut outputs = Object::new();
        outputs.insert("body", self.trigger_body.clone().unwrap_or_default());
        let mut record = Object::new();
        record.insert("outputs", Value::Object(outputs));
        Some(Value::Object(record))
    }
}

fn message_part(call: &Call<'_, '_>, part: &str) -> Value {
    call.context().current_action().and_then(|m| m.member(part)).unwrap_or_default()
}

fn named_value(call: &Call<'_, '_>, args: &Args<'_>, part: &str, what: &str) -> Result<Value> {
    let name = args.str(0)?;
    let found = message_part(call, part).as_object().and_then(|o| o.get_ci(name).cloned());
    match found {
        Some(v) if !(v.is_null() || v.as_str() == Some("")) => Ok(v),
        _ => match args.get(1) {
            Some(default) => Ok(default.clone()),
            None => {
                let _ = what;
                Ok(Value::from(""))
            }
        },
    }
}

fn connection_parameters(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    let value = call.context().parameter(name);
    match value {
        Some(v) if !(v.is_null() || v.as_str() == Some("")) => Ok(v),
        _ => match args.get(1) {
            Some(default) => Ok(default.clone()),
            None if value.is_some() => Ok(Value::from("")),
            None => Err(args.invalid(
                0,
                format!("cannot read the connection parameter '{name}': the connector does not declare it"),
            )),
        },
    }
}

fn headers(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    named_value(call, &args, "headers", "header")
}

fn query_parameters(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    named_value(call, &args, "queries", "query parameter")
}

fn body(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(message_part(call, "body"))
}

fn environment_variables(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().appsetting(name).ok_or_else(|| {
        args.invalid(
            0,
            format!(
                "cannot read the environment variable '{name}': give it in the connection's \"environmentVariables\" or as {}",
                super::connection::environment_variable_env_name(name)
            ),
        )
    })
}

static POLICY_FUNCTIONS: [Function; 6] = [
    Function::eager(
        "connectionParameters",
        Category::Workflow,
        &[req("name", Ty::STRING), opt("default", Ty::ANY)],
        "Any",
        "A connection parameter's value, or the default when it has none.",
        "connectionParameters('region', 'eu') → \"eu\"",
        connection_parameters,
    ),
    Function::eager(
        "headers",
        Category::Workflow,
        &[req("name", Ty::STRING), opt("default", Ty::ANY)],
        "String",
        "A header of the message being shaped, or the default (or \"\") when it is absent.",
        "headers('X-Region') → \"eu\"",
        headers,
    ),
    Function::eager(
        "header",
        Category::Workflow,
        &[req("name", Ty::STRING), opt("default", Ty::ANY)],
        "String",
        "The same as headers().",
        "header('X-Region') → \"eu\"",
        headers,
    ),
    Function::eager(
        "queryParameters",
        Category::Workflow,
        &[req("name", Ty::STRING), opt("default", Ty::ANY)],
        "String",
        "A query parameter of the request, or the default (or \"\") when it is absent.",
        "queryParameters('page') → \"2\"",
        query_parameters,
    ),
    Function::eager(
        "environmentVariables",
        Category::Workflow,
        &[req("name", Ty::STRING)],
        "String",
        "A Power Platform environment variable (preview feature of policy templates).",
        "environmentVariables(\"apiBase\") → \"https://api.example.com\"",
        environment_variables,
    ),
    Function::eager(
        "body",
        Category::Workflow,
        &[],
        "Any",
        "The body of the message being shaped (request or response).",
        "body().id → 7",
        body,
    ),
];

/// The engine that evaluates policy expressions: the built-in library plus the policy
/// functions (`body()` here takes no argument).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut engine = Engine::new();
        for f in &POLICY_FUNCTIONS {
            engine.register(f);
        }
        engine
    })
}

/// One part of a policy text.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Expr(Expression),
    /// `{name}`: a path parameter's value.
    Placeholder(String),
}

/// A compiled policy text: literal text, expressions and `{name}` placeholders.
#[derive(Debug, Clone)]
pub struct PolicyText {
    source: Arc<str>,
    parts: Vec<Part>,
}

/// Calls whose result is a structure: a path may follow them inline.
const STRUCTURED: [&str; 4] = ["body", "item", "triggerbody", "triggeroutputs"];

impl PolicyText {
    /// Compiles a policy text. With `placeholders`, `{name}` is a path-parameter placeholder.
    pub fn compile(text: &str, placeholders: bool) -> Result<PolicyText> {
        let source: Arc<str> = Arc::from(text);
        let bytes = text.as_bytes();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < bytes.len() {
            let rest = &text[i..];
            if rest.starts_with("@{") {
                let end = matching(text, i + 1, b'{', b'}')
                    .ok_or_else(|| syntax_error(text, i, "`@{` is never closed by `}`"))?;
                push_expr(&mut parts, &mut literal, text, i + 2, end)?;
                i = end + 1;
            } else if rest.starts_with("{@") {
                let end = matching(text, i, b'{', b'}')
                    .ok_or_else(|| syntax_error(text, i, "`{@` is never closed by `}`"))?;
                push_expr(&mut parts, &mut literal, text, i + 2, end)?;
                i = end + 1;
            } else if rest.starts_with('@')
                && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            {
                let name_end = i
                    + 1
                    + rest[1..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len() - 1);
                if bytes.get(name_end) == Some(&b'(') {
                    let close = matching(text, name_end, b'(', b')')
                        .ok_or_else(|| syntax_error(text, name_end, "this call is never closed by `)`"))?;
                    let mut end = close + 1;
                    if STRUCTURED.contains(&text[i + 1..name_end].to_ascii_lowercase().as_str()) {
                        end = member_chain(text, end);
                    }
                    push_expr(&mut parts, &mut literal, text, i + 1, end)?;
                    i = end;
                } else {
                    literal.push('@');
                    i += 1;
                }
            } else if placeholders && rest.starts_with('{') {
                match rest[1..].find(['}', '{', '/']) {
                    Some(len) if rest.as_bytes()[1 + len] == b'}' && len > 0 => {
                        if !literal.is_empty() {
                            parts.push(Part::Text(std::mem::take(&mut literal)));
                        }
                        parts.push(Part::Placeholder(rest[1..1 + len].to_string()));
                        i += len + 2;
                    }
                    _ => {
                        literal.push('{');
                        i += 1;
                    }
                }
            } else {
                let c = rest.chars().next().unwrap_or_default();
                literal.push(c);
                i += c.len_utf8().max(1);
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(PolicyText { source, parts })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Does it hold any expression?
    pub fn has_expressions(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Expr(_)))
    }

    /// Is it one expression and nothing else (so its value keeps its type)?
    pub fn is_single_expression(&self) -> bool {
        matches!(self.parts.as_slice(), [Part::Expr(_)])
    }

    /// Evaluates to a value: a lone expression keeps its type; anything else is text.
    pub fn value(&self, scope: &Scope) -> Result<Value> {
        if let [Part::Expr(e)] = self.parts.as_slice() {
            return self.eval(e, scope);
        }
        self.text(scope, &|_| None).map(Value::from)
    }

    /// Evaluates to text; `placeholder` gives `{name}` values (a name it does not know is
    /// kept as written).
    pub fn text(&self, scope: &Scope, placeholder: &dyn Fn(&str) -> Option<String>) -> Result<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => out.push_str(&self.eval(e, scope)?.to_text()),
                Part::Placeholder(name) => match placeholder(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        Ok(out)
    }

    /// Evaluates with each expression written as JSON (for value templates such as
    /// `[{@body().payments}]`).
    pub fn json_text(&self, scope: &Scope) -> Result<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => out.push_str(&crate::value::to_json_string(&self.eval(e, scope)?)),
                Part::Placeholder(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        Ok(out)
    }

    fn eval(&self, e: &Expression, scope: &Scope) -> Result<Value> {
        // The position inside the expression is dropped: the message quotes the whole text.
        e.eval(scope).map_err(|err| {
            Error::new(
                err.kind(),
                format!("{} (in the policy expression \"{}\")", err.message(), self.source),
            )
        })
    }
}

fn syntax_error(text: &str, at: usize, message: &str) -> Error {
    Error::new(ErrorKind::Syntax, format!("{message} in the policy expression \"{text}\""))
        .with_span(crate::syntax::Span::new(at, at + 1))
        .with_source(text)
}

fn push_expr(
    parts: &mut Vec<Part>,
    literal: &mut String,
    text: &str,
    start: usize,
    end: usize,
) -> Result<()> {
    let mut from = start;
    // `{@body()}` and `@{@body()}`: the `@` inside is optional.
    if text[from..end].starts_with('@') {
        from += 1;
    }
    let source = &text[from..end];
    // The docs write `@environmentVariables("name")` with double quotes, which the
    // expression language does not have: such a lone argument is read as a string.
    let requoted;
    let source = match double_quoted_argument(source) {
        Some(fixed) => {
            requoted = fixed;
            requoted.as_str()
        }
        None => source,
    };
    let expr = syntax::parse_expression(source).map_err(|e| {
        let message = format!("{} (in the policy expression \"{text}\")", e.message());
        match e.span() {
            Some(span) => Error::new(e.kind(), message).with_span(span.shift(from)).with_source(text),
            None => Error::new(e.kind(), message),
        }
    })?;
    if !literal.is_empty() {
        parts.push(Part::Text(std::mem::take(literal)));
    }
    parts.push(Part::Expr(engine().compile_ast(&expr, source)));
    Ok(())
}

/// `name("text")` → `name('text')` (quotes inside doubled), for a call whose only argument
/// is written in double quotes.
fn double_quoted_argument(source: &str) -> Option<String> {
    let open = source.find("(\"")?;
    let inner = source[open + 2..].strip_suffix("\")")?;
    if inner.contains('"') {
        return None;
    }
    Some(format!("{}('{}')", &source[..open], inner.replace('\'', "''")))
}

/// The index of the bracket that closes the one at `open`, skipping `'...'` strings
/// (`''` escapes a quote).
fn matching(text: &str, open: usize, open_b: u8, close_b: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    in_string = false;
                }
            }
        } else if b == b'\'' {
            in_string = true;
        } else if b == open_b {
            depth += 1;
        } else if b == close_b {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// The end of a path (`.name`, `?.name`, `[...]`, `?[...]`) starting at `i`.
fn member_chain(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        let at = if bytes.get(i) == Some(&b'?') { i + 1 } else { i };
        match bytes.get(at) {
            Some(b'.')
                if bytes
                    .get(at + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'$' || *b == b'@') =>
            {
                let mut j = at + 1;
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'@' | b'-'))
                {
                    j += 1;
                }
                i = j;
            }
            Some(b'[') => match matching(text, at, b'[', b']') {
                Some(close) => i = close + 1,
                None => return i,
            },
            _ => return i,
        }
    }
}

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `body()`
    Body,
    /// `item()`
    Item,
    /// `triggerBody()`
    TriggerBody,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A property.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A property path such as `@body().invoices[0].id` or `@item()._assignments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// Where it starts.
    pub root: Root,
    /// The steps after the root.
    pub steps: Vec<Step>,
}

impl Path {
    /// Parses a path template (`@body().a`, `body()`, `{@item().x}`).
    pub fn parse(text: &str) -> Result<Path> {
        let trimmed = text.trim();
        let inner = trimmed.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(trimmed);
        let inner = inner.strip_prefix('@').unwrap_or(inner);
        let inner = inner.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(inner);
        let bad = |why: &str| {
            Error::new(ErrorKind::Definition, format!("\"{text}\" is not a property path: {why}"))
        };
        let expr = syntax::parse_expression(inner).map_err(|e| bad(e.message()))?;
        let mut steps = Vec::new();
        let mut node = &expr;
        loop {
            match &node.kind {
                ExprKind::Member(m) => {
                    let step = match &m.key {
                        MemberKey::Dot(name) => Step::Key(name.clone()),
                        MemberKey::Index(e) => match &e.kind {
                            ExprKind::String(s) => Step::Key(s.clone()),
                            ExprKind::Int(i) => {
                                Step::Index(usize::try_from(*i).map_err(|_| bad("a negative index"))?)
                            }
                            _ => return Err(bad("an index must be a literal name or number")),
                        },
                    };
                    steps.push(step);
                    node = &m.target;
                }
                ExprKind::Call(c) if c.args.is_empty() => {
                    let root = match c.name.to_ascii_lowercase().as_str() {
                        "body" => Root::Body,
                        "item" => Root::Item,
                        "triggerbody" => Root::TriggerBody,
                        _ => return Err(bad("it must start with body(), item() or triggerBody()")),
                    };
                    steps.reverse();
                    return Ok(Path { root, steps });
                }
                _ => return Err(bad("it must start with body(), item() or triggerBody()")),
            }
        }
    }

    /// This path followed by a sub-path (`assignments`, `['@odata.id']`, `a.b`); `"null"` or
    /// `""` add nothing.
    pub fn join(&self, sub: &str) -> Result<Path> {
        let sub = sub.trim();
        if sub.is_empty() || sub.eq_ignore_ascii_case("null") {
            return Ok(self.clone());
        }
        let text = if sub.starts_with('[') { format!("body(){sub}") } else { format!("body().{sub}") };
        let tail = Path::parse(&text).or_else(|_| {
            // A name that is not an identifier (`my-prop`, `@odata.type`): one key.
            Ok::<Path, Error>(Path { root: Root::Body, steps: vec![Step::Key(sub.to_string())] })
        })?;
        let mut out = self.clone();
        out.steps.extend(tail.steps);
        Ok(out)
    }
}

/// Reads `steps` inside `value` (keys matched exactly first, then without regard to case).
pub fn get(value: &Value, steps: &[Step]) -> Option<Value> {
    let mut current = value.clone();
    for step in steps {
        current = match step {
            Step::Key(k) => current.as_object()?.get_ci(k)?.clone(),
            Step::Index(i) => current.as_array()?.get(*i)?.clone(),
        };
    }
    Some(current)
}

/// Writes `new` at `steps` inside `value`, creating missing objects on the way. Fails
/// (returns `false`) when a step crosses a value that is neither object nor array.
pub fn set(value: &mut Value, steps: &[Step], new: Value) -> bool {
    let Some((first, rest)) = steps.split_first() else {
        *value = new;
        return true;
    };
    match (value, first) {
        (Value::Object(o), Step::Key(k)) => {
            let key = o
                .position_ci(k)
                .and_then(|i| o.get_index(i))
                .map_or_else(|| k.clone(), |(key, _)| key.to_string());
            let mut child = o.get(&key).cloned().unwrap_or_else(|| Value::Object(Object::new()));
            if child.is_null() && !rest.is_empty() {
                child = Value::Object(Object::new());
            }
            let ok = set(&mut child, rest, new);
            if ok {
                o.insert(key, child);
            }
            ok
        }
        (Value::Array(items), Step::Index(i)) => match Arc::make_mut(items).get_mut(*i) {
            Some(child) => set(child, rest, new),
            None => false,
        },
        (slot @ Value::Null, Step::Key(_)) => {
            *slot = Value::Object(Object::new());
            set(slot, steps, new)
        }
        _ => false,
    }
}

/// Removes what `steps` name inside `value`; returns the removed value.
pub fn remove(value: &mut Value, steps: &[Step]) -> Option<Value> {
    let (last, parent) = steps.split_last()?;
    let mut container = get(value, parent)?;
    let removed = match (&mut container, last) {
        (Value::Object(o), Step::Key(k)) => {
            let i = o.position_ci(k)?;
            o.remove_index(i).map(|(_, v)| v)
        }
        (Value::Array(items), Step::Index(i)) if *i < items.len() => Some(Arc::make_mut(items).remove(*i)),
        _ => None,
    }?;
    set(value, parent, container);
    Some(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    fn scope() -> Scope {
        let o = |t: &str| from_json_str(t).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
        Scope {
            connection: o(r#"{"cat": "bar", "host": "abc", "token:customHost": "eu", "empty": ""}"#),
            declared: vec!["cat".into(), "host".into(), "empty".into(), "token:customHost".into()],
            headers: o(r#"{"subdomain": "abc", "test": "foo"}"#),
            queries: o(r#"{"domain": "pqr", "$filter": "a eq 1"}"#),
            body: from_json_str(r#"{"firstName": "Ada", "lastName": "L", "@odata.id": "x/1", "invoices": [{"id": 9}], "n": 5}"#)
                .unwrap_or_default(),
            item: Some(from_json_str(r#"{"userId": "u1"}"#).unwrap_or_default()),
            trigger_body: Some(from_json_str(r#"{"files": [{"created": "2024-01-01"}]}"#).unwrap_or_default()),
            environment: o(r#"{"apiHost": "env.example.com"}"#),
        }
    }

    fn text(template: &str) -> String {
        match PolicyText::compile(template, true)
            .and_then(|t| t.text(&scope(), &|n| (n == "id").then(|| "42".to_string())))
        {
            Ok(s) => s,
            Err(e) => format!("ERROR {e}"),
        }
    }

    #[test]
    fn documented_forms() {
        let cases: &[(&str, &str)] = &[
            ("http://@headers('subdomain').azure.net", "http://abc.azure.net"),
            ("@headers('test')moo", "foomoo"),
            ("@queryParameters('domain')@connectionParameters('cat')", "pqrbar"),
            ("@connectionParameters('dog', 'default')", "default"),
            ("@connectionParameters('empty', 'fallback')", "fallback"),
            ("@connectionParameters('empty')", ""),
            ("@header('test123','default')", "default"),
            ("@headers('missing')", ""),
            ("@ConnectionParameters('CAT')", "bar"),
            ("https://@connectionParameters('token:customHost').example.com", "https://eu.example.com"),
            ("{@body().firstName} {@body().lastName}", "Ada L"),
            ("https://g/{@body()['@odata.id']}", "https://g/x/1"),
            ("@{connectionParameters('host')}:@{body().n}", "abc:5"),
            ("@body().invoices[0].id", "9"),
            ("@item().userId", "u1"),
            ("@{triggerBody().files[0].created}", "2024-01-01"),
            ("/items/{id}/x", "/items/42/x"),
            ("/items/{other}", "/items/{other}"),
            ("mail user@example.com", "mail user@example.com"),
            ("/search?@queryParameters('$filter')", "/search?a eq 1"),
            ("https://@environmentVariables(\"apiHost\")/v2", "https://env.example.com/v2"),
            ("@EnvironmentVariables('apiHost')", "env.example.com"),
        ];
        for (template, expected) in cases {
            assert_eq!(text(template), *expected, "{template}");
        }
    }

    #[test]
    fn lone_expressions_keep_their_type() {
        let t = PolicyText::compile("{@body().invoices}", false).ok();
        let v = t.and_then(|t| t.value(&scope()).ok());
        assert_eq!(v.as_ref().and_then(Value::as_array).map(<[Value]>::len), Some(1));
        let t = PolicyText::compile("[{@body().invoices}]", false).ok();
        let j = t.and_then(|t| t.json_text(&scope()).ok());
        assert_eq!(j.as_deref(), Some(r#"[[{"id":9}]]"#));
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &str)] = &[
            ("@connectionParameters('nope')", "does not declare it"),
            ("@body().missing.deeper", "missing"),
            ("@connectionParameters('x'", "never closed"),
            ("@{body()", "never closed"),
            ("@queryParamters('a')", "queryParamters"),
            ("@environmentVariables(\"nope\")", "FLOWEXPR_ENV_NOPE"),
        ];
        for (template, expected) in cases {
            let got = text(template);
            assert!(got.starts_with("ERROR") && got.contains(expected), "{template}: {got}");
        }
    }

    #[test]
    fn paths() {
        let p = Path::parse("@body().a['@odata.id'][2]").ok();
        assert_eq!(
            p,
            Some(Path {
                root: Root::Body,
                steps: vec![Step::Key("a".into()), Step::Key("@odata.id".into()), Step::Index(2)]
            })
        );
        assert_eq!(Path::parse("body()").ok().map(|p| p.steps.len()), Some(0));
        assert_eq!(Path::parse("@item()._assignments").ok().map(|p| p.root), Some(Root::Item));
        let joined = Path::parse("@body()").and_then(|p| p.join("['@odata.id']")).ok();
        assert_eq!(joined.map(|p| p.steps), Some(vec![Step::Key("@odata.id".into())]));
        let joined = Path::parse("@body()").and_then(|p| p.join("null")).ok();
        assert_eq!(joined.map(|p| p.steps.len()), Some(0));
        assert!(Path::parse("@headers('x')").is_err());
        assert!(Path::parse("@body()[concat('a')]").is_err());
    }

    #[test]
    fn set_get_remove() {
        let mut v = from_json_str(r#"{"a": {"b": 1}, "list": [{"x": 1}]}"#).unwrap_or_default();
        assert!(set(&mut v, &[Step::Key("a".into()), Step::Key("c".into())], Value::Int(2)));
        assert!(set(&mut v, &[Step::Key("new".into()), Step::Key("deep".into())], Value::Int(3)));
        assert!(set(
            &mut v,
            &[Step::Key("list".into()), Step::Index(0), Step::Key("y".into())],
            Value::Int(4)
        ));
        assert!(!set(&mut v, &[Step::Key("list".into()), Step::Index(5)], Value::Int(4)));
        assert_eq!(remove(&mut v, &[Step::Key("A".into()), Step::Key("b".into())]), Some(Value::Int(1)));
        assert_eq!(
            crate::value::to_json_string(&v),
            r#"{"a":{"c":2},"list":[{"x":1,"y":4}],"new":{"deep":3}}"#
        );
        assert_eq!(get(&v, &[Step::Key("NEW".into()), Step::Key("deep".into())]), Some(Value::Int(3)));
    }
}
