//! The compiled form of an expression and its evaluation.
//!
//! Function names are resolved once, at compile time. An unknown name compiles to a node
//! that fails only if it is evaluated, as the service's lazy functions require
//! (`and(false, nope())` is `false`).

use super::{Engine, State};
use crate::error::{Error, ErrorKind, Result};
use crate::functions::{self, Args, Call, Function, Imp, LazyCall};
use crate::syntax::{Expr, ExprKind, MemberKey, Span};
use crate::value::{Str, Value};

/// A compiled expression node.
pub(crate) enum Node {
    Const(Value, Span),
    Call(Box<CallNode>),
    Member(Box<MemberNode>),
}

pub(crate) struct CallNode {
    callee: Callee,
    args: Box<[Node]>,
    /// The argument values when every argument is a literal (`body('HTTP')`,
    /// `variables('x')`): passed by reference, never cloned.
    constants: Option<Box<[Value]>>,
    arg_spans: Box<[Span]>,
    span: Span,
}

enum Callee {
    Known(&'static Function),
    Unknown(Box<str>),
    /// A known function called with the wrong number of arguments: the message, raised only
    /// if the call is evaluated (as for unknown functions).
    WrongArity(Box<str>),
}

pub(crate) struct MemberNode {
    target: Node,
    key: Key,
    null_safe: bool,
    /// The whole access, target included.
    span: Span,
    /// The accessor alone (`?['name']`), where errors point.
    accessor: Span,
}

enum Key {
    Name(Str),
    /// A literal key with a `/`: perhaps a designer path (`'body/value'`), decided at
    /// compile time so that plain keys never look for one.
    Path(Str),
    Index(i64),
    Dynamic(Node),
}

impl Node {
    pub(crate) fn span(&self) -> Span {
        match self {
            Node::Const(_, span) => *span,
            Node::Call(c) => c.span,
            Node::Member(m) => m.span,
        }
    }
}

pub(super) fn compile(engine: &Engine, expr: &Expr) -> Node {
    match &expr.kind {
        ExprKind::Null => Node::Const(Value::Null, expr.span),
        ExprKind::Bool(b) => Node::Const(Value::Bool(*b), expr.span),
        ExprKind::Int(i) => Node::Const(Value::Int(*i), expr.span),
        ExprKind::Float(f) => Node::Const(Value::Float(*f), expr.span),
        ExprKind::String(s) => Node::Const(Value::from(s.as_str()), expr.span),
        ExprKind::Call(call) => {
            let callee = match engine.lookup(&call.name) {
                Some(f) if f.is_implemented() => match f.check_arity(call.args.len()) {
                    Some(message) => Callee::WrongArity(message.into_boxed_str()),
                    None => Callee::Known(f),
                },
                Some(f) => Callee::Known(f),
                None => Callee::Unknown(call.name.clone().into_boxed_str()),
            };
            let args: Box<[Node]> = call.args.iter().map(|a| compile(engine, a)).collect();
            let constants = args
                .iter()
                .map(|a| match a {
                    Node::Const(v, _) => Some(v.clone()),
                    _ => None,
                })
                .collect::<Option<Box<[Value]>>>();
            Node::Call(Box::new(CallNode {
                callee,
                args,
                constants,
                arg_spans: call.args.iter().map(|a| a.span).collect(),
                span: expr.span,
            }))
        }
        ExprKind::Member(m) => {
            let key = match &m.key {
                MemberKey::Dot(name) => Key::Name(Str::from(name.as_str())),
                MemberKey::Index(e) => match &e.kind {
                    ExprKind::String(s) if s.contains('/') => Key::Path(Str::from(s.as_str())),
                    ExprKind::String(s) => Key::Name(Str::from(s.as_str())),
                    ExprKind::Int(i) => Key::Index(*i),
                    _ => Key::Dynamic(compile(engine, e)),
                },
            };
            Node::Member(Box::new(MemberNode {
                target: compile(engine, &m.target),
                key,
                null_safe: m.null_safe,
                span: expr.span,
                accessor: Span::new(m.target.span.end, expr.span.end),
            }))
        }
    }
}

pub(super) fn eval(state: &mut State<'_>, node: &Node) -> Result<Value> {
    state.charge(1)?;
    match node {
        Node::Const(v, _) => Ok(v.clone()),
        Node::Call(call) => eval_call(state, call),
        Node::Member(m) => eval_member(state, m),
    }
}

fn eval_call(state: &mut State<'_>, node: &CallNode) -> Result<Value> {
    let function = match &node.callee {
        Callee::Known(f) => *f,
        Callee::Unknown(name) => {
            let mut message = format!("The template function '{name}' is not defined or not valid.");
            if let Some(s) = functions::suggest(name) {
                message.push_str(&format!(" Did you mean '{s}'?"));
            }
            let span = Span::new(node.span.start, node.span.start + name.len());
            return Err(Error::new(ErrorKind::UnknownFunction, message).with_span(span));
        }
        Callee::WrongArity(message) => {
            return Err(Error::new(ErrorKind::ArgumentCount, message.to_string()).with_span(node.span))
        }
    };
    let result = match function.imp {
        Imp::Missing(why) => {
            return Err(Error::new(
                ErrorKind::NotImplemented,
                format!("The function '{}' is not implemented by flowexpr yet: {why}", function.name),
            )
            .with_span(node.span))
        }
        Imp::Eager(f) => match &node.constants {
            Some(values) => {
                state.charge(values.len() as u64)?;
                call_eager(f, function, node, state, values)
            }
            // Most calls have one to three arguments: keep them in an array on the stack.
            None => match node.args.as_ref() {
                [a] => {
                    let values = [eval(state, a)?];
                    call_eager(f, function, node, state, &values)
                }
                [a, b] => {
                    let first = eval(state, a)?;
                    let values = [first, eval(state, b)?];
                    call_eager(f, function, node, state, &values)
                }
                [a, b, c] => {
                    let first = eval(state, a)?;
                    let second = eval(state, b)?;
                    let values = [first, second, eval(state, c)?];
                    call_eager(f, function, node, state, &values)
                }
                many => {
                    let values = many.iter().map(|arg| eval(state, arg)).collect::<Result<Vec<Value>>>()?;
                    call_eager(f, function, node, state, &values)
                }
            },
        },
        Imp::Lazy(f) => {
            let call = Call { function, span: node.span, state };
            f(&mut LazyCall { call, args: &node.args })
        }
    };
    result.map_err(|e| e.with_span(node.span))
}

/// Calls `function` with values already evaluated (see [`Engine::call`]). A lazy function
/// receives them as constants.
///
/// [`Engine::call`]: super::Engine::call
pub(super) fn call_with_values(
    state: &mut State<'_>,
    function: &'static Function,
    values: &[Value],
) -> Result<Value> {
    let span = Span::new(0, 0);
    let spans: Box<[Span]> = values.iter().map(|_| span).collect();
    if let Imp::Eager(f) = function.imp {
        // Called directly, so that its errors carry no made-up position.
        state.charge(values.len() as u64)?;
        return f(
            &mut Call { function, span, state },
            Args { function: function.name, values, spans: &spans },
        );
    }
    let args: Box<[Node]> = values.iter().map(|v| Node::Const(v.clone(), span)).collect();
    let node = CallNode { callee: Callee::Known(function), args, constants: None, arg_spans: spans, span };
    eval_call(state, &node)
}

#[inline]
fn call_eager(
    f: functions::EagerFn,
    function: &'static Function,
    node: &CallNode,
    state: &mut State<'_>,
    values: &[Value],
) -> Result<Value> {
    let args = Args { function: function.name, values, spans: &node.arg_spans };
    f(&mut Call { function, span: node.span, state }, args)
}

fn eval_member(state: &mut State<'_>, node: &MemberNode) -> Result<Value> {
    let target = eval(state, &node.target)?;
    let key = match &node.key {
        Key::Name(name) => KeyRef::Name(name),
        Key::Path(name) => KeyRef::Path(name),
        Key::Index(i) => KeyRef::Index(*i),
        Key::Dynamic(expr) => match eval(state, expr)? {
            Value::String(s) => KeyRef::Owned(s),
            Value::Int(i) => KeyRef::Index(i),
            other => {
                return Err(member_error(
                    state,
                    node,
                    format!(
                        "the index is of type '{}'; only strings and integers can select members",
                        other.value_type()
                    ),
                ))
            }
        },
    };
    select(state, node, &target, &key)
}

enum KeyRef<'k> {
    Name(&'k str),
    Path(&'k str),
    Owned(Str),
    Index(i64),
}

fn select(state: &State<'_>, node: &MemberNode, target: &Value, key: &KeyRef<'_>) -> Result<Value> {
    let name: &str = match key {
        KeyRef::Name(n) | KeyRef::Path(n) => n,
        KeyRef::Owned(n) => n,
        KeyRef::Index(_) => "",
    };
    match (target, key) {
        (Value::Null, _) if node.null_safe => Ok(Value::Null),
        (Value::Object(_) | Value::Binary(_), KeyRef::Name(_) | KeyRef::Path(_) | KeyRef::Owned(_)) => {
            match target.member(name) {
                Some(v) => Ok(v),
                // Only a miss of a key with a `/` pays for the designer-path rule; literal
                // keys were sorted at compile time, computed ones are looked at here.
                None if matches!(key, KeyRef::Path(_)) || matches!(key, KeyRef::Owned(k) if k.contains('/')) => {
                    select_path(state, node, target, name)
                }
                None if node.null_safe => Ok(Value::Null),
                None => Err(missing_property(state, node, target, name, None)),
            }
        }
        (Value::Object(o), KeyRef::Index(i)) => {
            let name = i.to_string();
            match o.get_ci(&name) {
                Some(v) => Ok(v.clone()),
                None if node.null_safe => Ok(Value::Null),
                None => Err(missing_property(state, node, target, &name, None)),
            }
        }
        (Value::Array(items), KeyRef::Index(i)) => match target.index(*i) {
            Some(v) => Ok(v),
            None if node.null_safe => Ok(Value::Null),
            None => Err(member_error(
                state,
                node,
                format!(
                    "array index '{i}' is outside bounds (0, {}) of array",
                    items.len() as i64 - 1
                ),
            )),
        },
        (Value::Array(_), _) => Err(member_error(
            state,
            node,
            format!(
                "property '{name}' cannot be selected. Array elements can only be selected using an integer index"
            ),
        )),
        (other, _) => {
            let shown = match key {
                KeyRef::Index(i) => i.to_string(),
                _ => name.to_string(),
            };
            Err(member_error(
                state,
                node,
                format!(
                    "property '{shown}' cannot be selected. Property selection is not supported on values of type '{}'",
                    other.value_type()
                ),
            ))
        }
    }
}

/// A designer path key: Power Automate's designer writes `x?['body/value']` for
/// `x?['body']?['value']`. The rule, in this one place: a member whose name is the whole key
/// wins; otherwise the key is read one `/`-separated segment at a time, and at each step a
/// member named by all that is left wins again (`{"a": {"b/c": 1}}` reads `'a/b/c'` as 1).
/// Every step is `?['segment']` or `['segment']` as written, so null-safety carries through.
/// The caller has looked `path` up in `target` and found nothing.
fn select_path(state: &State<'_>, node: &MemberNode, target: &Value, path: &str) -> Result<Value> {
    let mut current = target.clone();
    let mut rest = path;
    while let Some((head, tail)) = rest.split_once('/') {
        current = path_step(state, node, &current, head, path)?;
        if let Some(v) = current.member(tail) {
            return Ok(v);
        }
        if current.is_null() && node.null_safe {
            return Ok(Value::Null);
        }
        rest = tail;
    }
    path_step(state, node, &current, rest, path)
}

/// One segment of a designer path: `select` with an error that names the path.
fn path_step(
    state: &State<'_>,
    node: &MemberNode,
    current: &Value,
    segment: &str,
    path: &str,
) -> Result<Value> {
    match current {
        Value::Object(_) | Value::Binary(_) => match current.member(segment) {
            Some(v) => Ok(v),
            None if node.null_safe => Ok(Value::Null),
            None => Err(missing_property(state, node, current, segment, Some(path))),
        },
        _ => select(state, node, current, &KeyRef::Name(segment)),
    }
}

fn missing_property(
    state: &State<'_>,
    node: &MemberNode,
    target: &Value,
    name: &str,
    path: Option<&str>,
) -> Error {
    let available: Vec<String> = match target {
        Value::Object(o) => o.keys().take(20).map(|k| k.to_string()).collect(),
        Value::Binary(_) => vec!["$content-type".into(), "$content".into()],
        _ => Vec::new(),
    };
    let within = path.map(|p| format!(" (read as a step of the path '{p}')")).unwrap_or_default();
    let mut detail = format!(
        "property '{name}'{within} doesn't exist, available properties are '{}'",
        available.join(", ")
    );
    if let Value::Object(o) = target {
        if o.len() > 20 {
            detail.push_str(&format!(" (and {} more)", o.len() - 20));
        }
    }
    detail.push_str(". Use '?' to read a missing property as null");
    member_error(state, node, detail)
}

fn member_error(state: &State<'_>, node: &MemberNode, detail: String) -> Error {
    let text = state.source.get(node.span.start..node.span.end).unwrap_or("");
    Error::new(
        ErrorKind::InvalidMember,
        format!("The template language expression '{text}' cannot be evaluated because {detail}."),
    )
    .with_span(node.accessor)
}

#[cfg(test)]
mod tests {
    use crate::eval::{Engine, RunContext};

    /// A value with designer-style nesting, a literal `a/b` key and a literal key one level
    /// down (`a` → `c/d`).
    const DATA: &str = r#"{"variables": {"x": {
        "body": {"value": [1, 2], "ID": 7, "resourceData": {"responseId": "r1"}, "@odata.id": "u"},
        "a/b": "literal", "a": {"b": "nested", "c/d": "inner literal", "c": {"d": "deep"}, "e": {"f": "ef"}},
        "n": null, "s": "text"}}}"#;

    fn eval(expression: &str) -> String {
        let ctx = RunContext::from_json_str(DATA).unwrap_or_else(|e| panic!("{e}"));
        match Engine::new().eval(expression, &ctx) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn designer_path_keys_read_nested_members() {
        let cases = [
            ("variables('x')?['body/value']", "[1,2]"),
            ("variables('x')?['body/ID']", "7"),
            ("variables('x')['body/ID']", "7"),
            ("variables('x')?['body/resourceData/responseId']", r#""r1""#),
            ("variables('x')?['body/@odata.id']", r#""u""#),
            ("variables('x')?['BODY/id']", "7"),
            ("variables('x')?[concat('body', '/', 'ID')]", "7"),
            ("length(variables('x')?['body/value'])", "2"),
            // A member named by the whole key, or by all that is left of it, wins.
            ("variables('x')?['a/b']", r#""literal""#),
            ("variables('x')?['a/c/d']", r#""inner literal""#),
            ("variables('x')?['a/e/f']", r#""ef""#),
            // Null-safe steps read a missing member, or a null on the way, as null.
            ("variables('x')?['body/nope']", "null"),
            ("variables('x')?['nope/value']", "null"),
            ("variables('x')?['n/value']", "null"),
            ("variables('x')?['body/']", "null"),
        ];
        for (expression, expected) in cases {
            assert_eq!(eval(expression), expected, "{expression}");
        }
    }

    #[test]
    fn designer_path_keys_fail_like_the_steps_they_stand_for() {
        let cases = [
            (
                "variables('x')['body/nope']",
                "property 'nope' (read as a step of the path 'body/nope') doesn't exist",
            ),
            ("variables('x')['n/value']", "Property selection is not supported on values of type 'Null'"),
            ("variables('x')?['s/length']", "Property selection is not supported on values of type 'String'"),
            ("variables('x')?['body/value/0']", "Array elements can only be selected using an integer index"),
        ];
        for (expression, expected) in cases {
            let got = eval(expression);
            assert!(got.starts_with("error:") && got.contains(expected), "{expression}: {got}");
        }
    }
}
