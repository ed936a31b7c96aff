//! Templates: JSON documents whose string values hold expressions.
//!
//! * `"@expr"` — the whole value is replaced by the expression's result, keeping its type.
//! * `"text @{expr} text"` — each `@{...}` is replaced by the result as text; the value is a
//!   string (also when the string is exactly `"@{expr}"`).
//! * `"@@..."` — a leading `@@` is an escaped `@` and the rest is literal; `@@{` inside a
//!   string is a literal `@{`; any other `@@` stays as it is.
//! * Anything else passes through unchanged.
//!
//! Object keys are templates too, at any depth: `{"@@odata.type": ...}` has the key
//! `@odata.type` (the designer escapes every key that starts with `@`), and `@{...}` in a key
//! is evaluated to text. This is the one place where `@@` is unescaped. A document is
//! compiled once ([`Document`]) and rendered any number of times; parts without
//! expressions are shared, not copied.
//!
//! ```
//! use flowexpr::{Engine, RunContext, Value};
//! let engine = Engine::new();
//! let doc = flowexpr::value::from_json_str(r#"{"offset": "@{mul(variables('page'), 50)}", "n": "@variables('page')"}"#).unwrap();
//! let ctx = RunContext::from_json_str(r#"{"variables": {"page": 2}}"#).unwrap();
//! let out = engine.render(&doc, &ctx).unwrap();
//! assert_eq!(out.to_string(), r#"{"offset":"100","n":2}"#);
//! ```

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::eval::{Context, Engine, Node, State};
use crate::limits::Limits;
use crate::syntax::{self, Segment};
use crate::value::{Object, Str, Value};

/// A compiled JSON string value.
#[derive(Clone)]
pub struct Template {
    inner: Arc<CompiledTemplate>,
}

struct CompiledTemplate {
    kind: Kind,
    source: Arc<str>,
    limits: Limits,
}

enum Kind {
    Literal(Value),
    Expression(Node),
    Interpolated(Vec<Part>),
}

enum Part {
    Text(Str),
    Expr(Node),
}

impl Template {
    /// Renders the template. Errors carry the string as their source, so they can point at
    /// the failing part.
    pub fn render(&self, context: &dyn Context) -> Result<Value> {
        let c = &*self.inner;
        let mut state = State::new(context, &c.limits, &c.source);
        render_kind(&c.kind, &mut state).map_err(|e| e.with_source(Arc::clone(&c.source)))
    }

    /// Does the string hold any expression?
    pub fn has_expressions(&self) -> bool {
        !matches!(self.inner.kind, Kind::Literal(_))
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.inner.source
    }
}

fn render_kind(kind: &Kind, state: &mut State<'_>) -> Result<Value> {
    match kind {
        Kind::Literal(v) => Ok(v.clone()),
        Kind::Expression(node) => state.eval(node),
        Kind::Interpolated(parts) => {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Text(t) => out.push_str(t),
                    Part::Expr(node) => match state.eval(node)? {
                        // Binary content becomes text through its charset, and fails as
                        // string() does when the content type is malformed.
                        Value::Binary(b) => {
                            let text = crate::functions::conversion::binary_text(&b).map_err(|e| {
                                Error::new(
                                    ErrorKind::Evaluation,
                                    format!("cannot interpolate binary content as text: {e}"),
                                )
                                .with_span(node.span())
                            })?;
                            out.push_str(&text);
                        }
                        value => value.write_text(&mut out),
                    },
                }
                if out.len() > state.limits.max_string_length {
                    return Err(Error::new(
                        ErrorKind::Limit,
                        format!(
                            "the interpolated string is longer than the limit of {} characters",
                            state.limits.max_string_length
                        ),
                    ));
                }
            }
            Ok(Value::from(out))
        }
    }
}

impl Engine {
    /// Parses and compiles one JSON string value as a template.
    pub fn compile_template(&self, text: &str) -> Result<Template> {
        let parsed = syntax::parse_template_with(text, self.limits())?;
        let kind = match parsed {
            syntax::Template::Literal(s) => Kind::Literal(Value::from(s)),
            syntax::Template::Expression(e) => Kind::Expression(self.compile_node(&e)),
            syntax::Template::Interpolated(segments) => Kind::Interpolated(
                segments
                    .iter()
                    .map(|s| match s {
                        Segment::Text(t) => Part::Text(Str::from(t.as_str())),
                        Segment::Expr(e) => Part::Expr(self.compile_node(e)),
                    })
                    .collect(),
            ),
        };
        Ok(Template {
            inner: Arc::new(CompiledTemplate {
                kind,
                source: Arc::from(text),
                limits: self.limits().clone(),
            }),
        })
    }

    /// Compiles every string of a JSON document, object keys included. Errors name the
    /// JSON pointer of the failing string.
    pub fn compile_document(&self, document: &Value) -> Result<Document> {
        let mut pointer = String::new();
        let root = self.compile_doc_node(document, &mut pointer)?;
        Ok(Document { root: Arc::new(root.unwrap_or_else(|| DocNode::Static(document.clone()))) })
    }

    /// Compiles one part of a document; `None` when the part renders as itself (no
    /// expression and no `@@` anywhere in it), so that it is shared, not copied.
    fn compile_doc_node(&self, value: &Value, pointer: &mut String) -> Result<Option<DocNode>> {
        Ok(match value {
            Value::String(s) if s.contains('@') => match self.compile_text(s, pointer)? {
                Text::Literal(t) if t == *s => None,
                Text::Literal(t) => Some(DocNode::Static(Value::String(t))),
                Text::Template(t) => Some(DocNode::Template(t, Str::from(&**pointer))),
            },
            Value::Array(items) => self.compile_doc_array(items, pointer)?,
            Value::Object(o) => self.compile_doc_object(o, pointer)?,
            _ => None,
        })
    }

    /// A string value or object key: its literal text (`@@` unescaped) or a template.
    fn compile_text(&self, text: &str, pointer: &str) -> Result<Text> {
        let t = self.compile_template(text).map_err(|e| e.with_pointer(pointer))?;
        Ok(match &t.inner.kind {
            Kind::Literal(v) => Text::Literal(Str::from(v.to_text())),
            _ => Text::Template(t),
        })
    }

    fn compile_doc_array(&self, items: &[Value], pointer: &mut String) -> Result<Option<DocNode>> {
        let mut nodes = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&i.to_string());
            nodes.push(self.compile_doc_node(item, pointer)?);
            pointer.truncate(len);
        }
        if nodes.iter().all(Option::is_none) {
            return Ok(None);
        }
        let statics: Option<Vec<Value>> = nodes
            .iter()
            .zip(items)
            .map(|(node, item)| match node {
                None => Some(item.clone()),
                Some(DocNode::Static(v)) => Some(v.clone()),
                Some(_) => None,
            })
            .collect();
        if let Some(values) = statics {
            return Ok(Some(DocNode::Static(Value::array(values))));
        }
        let nodes = nodes
            .into_iter()
            .zip(items)
            .map(|(node, item)| node.unwrap_or_else(|| DocNode::Static(item.clone())))
            .collect();
        Ok(Some(DocNode::Array(nodes)))
    }

    /// Keys are templates as values are: `"@@odata.type"` is the key `@odata.type`, and
    /// `"@{...}"` in a key is evaluated.
    fn compile_doc_object(&self, o: &Object, pointer: &mut String) -> Result<Option<DocNode>> {
        let mut members = Vec::with_capacity(o.len());
        let mut changed = false;
        for (k, v) in o {
            let len = pointer.len();
            pointer.push('/');
            push_pointer_token(pointer, k);
            let key = match k.contains('@') {
                true => match self.compile_text(k, pointer)? {
                    Text::Literal(t) => DocKey::Static(t),
                    Text::Template(t) => DocKey::Template(t, Str::from(&**pointer)),
                },
                false => DocKey::Static(k.clone()),
            };
            let node = self.compile_doc_node(v, pointer)?;
            pointer.truncate(len);
            changed |= node.is_some() || !matches!(&key, DocKey::Static(s) if s == k);
            members.push((key, node, v));
        }
        if !changed {
            return Ok(None);
        }
        let statics: Option<Vec<(Str, Value)>> = members
            .iter()
            .map(|(key, node, v)| match (key, node) {
                (DocKey::Static(k), None) => Some((k.clone(), (*v).clone())),
                (DocKey::Static(k), Some(DocNode::Static(s))) => Some((k.clone(), s.clone())),
                _ => None,
            })
            .collect();
        if let Some(pairs) = statics {
            let mut out = Object::with_capacity(pairs.len());
            for (k, v) in pairs {
                out.push_last(k, v);
            }
            return Ok(Some(DocNode::Static(Value::Object(out))));
        }
        let members = members
            .into_iter()
            .map(|(key, node, v)| (key, node.unwrap_or_else(|| DocNode::Static(v.clone()))))
            .collect();
        Ok(Some(DocNode::Object(members)))
    }

    /// Renders every string of a JSON document against a context.
    pub fn render(&self, document: &Value, context: &dyn Context) -> Result<Value> {
        self.compile_document(document)?.render(context)
    }
}

/// What a JSON string is under the template rule, known before anything is rendered: for
/// checks a definition gets when it loads (an Http action's `headers`, an authentication
/// `type`, an Until's `timeout`, a Switch case), which must read `"@@x"` as the text `@x`
/// exactly as rendering does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringForm {
    /// No expression: the text the string renders to (`@@` unescaped).
    Literal(String),
    /// `"@expr"`: the result keeps the expression's type (it may be an object).
    Expression,
    /// Text with `@{...}` parts: the result is always a string.
    Interpolated,
    /// Not a valid template; compiling it reports the error with its position.
    Invalid,
}

impl StringForm {
    /// What the string renders as, for messages: `the text "@x"`, or text with `@{...}` parts.
    pub fn describe(&self) -> String {
        match self {
            StringForm::Literal(t) => format!("the text {}", Value::from(t.as_str())),
            StringForm::Expression => "an expression".to_string(),
            StringForm::Interpolated => {
                "text with @{...} parts, which always renders as a string".to_string()
            }
            StringForm::Invalid => "a template that does not parse".to_string(),
        }
    }
}

/// Reads a JSON string under the template rule (see [`StringForm`]).
///
/// ```
/// use flowexpr::template::{string_form, StringForm};
/// assert_eq!(string_form("@@PT1H"), StringForm::Literal("@PT1H".into()));
/// assert_eq!(string_form("@parameters('h')"), StringForm::Expression);
/// assert_eq!(string_form("PT@{parameters('h')}H"), StringForm::Interpolated);
/// ```
pub fn string_form(text: &str) -> StringForm {
    if !text.contains('@') {
        return StringForm::Literal(text.to_string());
    }
    match syntax::parse_template(text) {
        Ok(syntax::Template::Literal(t)) => StringForm::Literal(t),
        Ok(syntax::Template::Expression(_)) => StringForm::Expression,
        Ok(syntax::Template::Interpolated(_)) => StringForm::Interpolated,
        Err(_) => StringForm::Invalid,
    }
}

/// Appends a JSON pointer reference token (`~` → `~0`, `/` → `~1`).
pub fn push_pointer_token(pointer: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A compiled JSON document: render it against any number of contexts.
#[derive(Clone)]
pub struct Document {
    root: Arc<DocNode>,
}

enum DocNode {
    Static(Value),
    /// A template and the JSON pointer of its string.
    Template(Template, Str),
    Array(Vec<DocNode>),
    Object(Vec<(DocKey, DocNode)>),
}

/// An object key: its text, or a template rendered to text (with its JSON pointer).
enum DocKey {
    Static(Str),
    Template(Template, Str),
}

/// A compiled string of a document.
enum Text {
    Literal(Str),
    Template(Template),
}

impl Document {
    /// Renders the document.
    pub fn render(&self, context: &dyn Context) -> Result<Value> {
        render_doc(&self.root, context)
    }

    /// Does the document hold any expression?
    pub fn has_expressions(&self) -> bool {
        !matches!(*self.root, DocNode::Static(_))
    }
}

fn render_doc(node: &DocNode, context: &dyn Context) -> Result<Value> {
    Ok(match node {
        DocNode::Static(v) => v.clone(),
        DocNode::Template(t, pointer) => t.render(context).map_err(|e| e.with_pointer(&**pointer))?,
        DocNode::Array(items) => {
            Value::array(items.iter().map(|n| render_doc(n, context)).collect::<Result<Vec<_>>>()?)
        }
        DocNode::Object(members) => {
            let mut o = Object::with_capacity(members.len());
            for (k, n) in members {
                let key = match k {
                    DocKey::Static(k) => k.clone(),
                    DocKey::Template(t, pointer) => {
                        match t.render(context).map_err(|e| e.with_pointer(&**pointer))? {
                            Value::String(s) => s,
                            other => Str::from(other.to_text()),
                        }
                    }
                };
                // A key rendered twice: the last one wins, as the service's JSON reader keeps it.
                o.push_last(key, render_doc(n, context)?);
            }
            Value::Object(o)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::RunContext;
    use crate::value::from_json_str;

    fn render(doc: &str, ctx: &str) -> Result<Value> {
        let doc = from_json_str(doc).unwrap_or_default();
        Engine::new().render(&doc, &RunContext::from_json_str(ctx)?)
    }

    #[test]
    fn whole_values_keep_their_type_and_interpolation_makes_text() {
        let out = render(
            r#"{"a": "@parameters('age')", "b": "@{parameters('age')}", "c": "My age is @{parameters('age')}",
                "d": "@@{x}", "e": "plain", "f": [1, "@true"], "g": "@{true}"}"#,
            r#"{"parameters": {"age": 42}}"#,
        );
        let out = out.map(|v| v.to_string()).unwrap_or_else(|e| e.to_string());
        assert_eq!(
            out,
            r#"{"a":42,"b":"42","c":"My age is 42","d":"@{x}","e":"plain","f":[1,true],"g":"True"}"#
        );
    }

    #[test]
    fn errors_name_the_json_pointer_and_position() {
        let e = render(r#"{"actions": {"a/b": {"uri": "x/@{variables('nope')}"}}}"#, "{}").err();
        let e = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("/actions/a~1b/uri"), "{e}");
        assert!(e.contains("1:5"), "{e}");
        let e = render(r#"["ok", "@concat('a'"]"#, "{}").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("/1") && e.contains("concat"), "{e}");
    }

    #[test]
    fn at_at_is_unescaped_in_values_and_keys_at_any_depth() {
        let ctx = r#"{"parameters": {"k": "name", "n": 2}}"#;
        let cases = [
            // Values: alone, beside a plain sibling, beside an expression, deep in arrays.
            (r#""@@""#, r#""@""#),
            (r#"{"a": "@@x"}"#, r#"{"a":"@x"}"#),
            (r#"{"a": "@@x", "b": "plain"}"#, r#"{"a":"@x","b":"plain"}"#),
            (r#"{"a": "@@x", "b": "@parameters('n')"}"#, r#"{"a":"@x","b":2}"#),
            (r#"[[{"deep": ["@@x"]}]]"#, r#"[[{"deep":["@x"]}]]"#),
            // A leading @@ makes the whole rest literal; inside, only @@{ is an escape.
            (r#""@@{parameters('n')} and @{x}""#, r#""@{parameters('n')} and @{x}""#),
            (r#""n=@@{parameters('n')}, @{parameters('n')}""#, r#""n=@{parameters('n')}, 2""#),
            (r#""mail@@example.com""#, r#""mail@@example.com""#),
            (r#""a @ b""#, r#""a @ b""#),
            // Keys: escaped, interpolated, beside expressions, and nested.
            (
                r##"{"@@odata.type": "#microsoft.graph.user"}"##,
                r##"{"@odata.type":"#microsoft.graph.user"}"##,
            ),
            (
                r#"{"x": {"@@type": "MessageCard", "n": "@parameters('n')"}}"#,
                r#"{"x":{"@type":"MessageCard","n":2}}"#,
            ),
            (r#"{"@{parameters('k')}": 1, "@parameters('n')": "v"}"#, r#"{"name":1,"2":"v"}"#),
            (r#"{"user@odata.bind": "users(1)"}"#, r#"{"user@odata.bind":"users(1)"}"#),
            // Two keys that render alike: the last wins, as when the service reads the JSON.
            (r#"{"@@a": 1, "b": 0, "@{'@'}a": 2}"#, r#"{"b":0,"@a":2}"#),
        ];
        for (doc, expected) in cases {
            let got = render(doc, ctx).map(|v| v.to_string()).unwrap_or_else(|e| format!("error: {e}"));
            assert_eq!(got, expected, "{doc}");
        }
    }

    #[test]
    fn unescaped_static_documents_stay_static_and_keys_report_their_pointer() {
        let engine = Engine::new();
        let doc = from_json_str(
            r#"{"schema": {"required": ["@@odata.type"], "properties": {"@@odata.type": {}}}}"#,
        )
        .unwrap_or_default();
        let compiled = engine.compile_document(&doc).unwrap_or_else(|e| panic!("{e}"));
        assert!(!compiled.has_expressions());
        let out = compiled.render(&RunContext::default()).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(out, r#"{"schema":{"required":["@odata.type"],"properties":{"@odata.type":{}}}}"#);
        let e = render(r#"{"a": {"@{nope(}": 1}}"#, "{}").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("/a/@{nope(}"), "{e}");
        let e = render(r#"{"a": {"@{variables('v')}": 1}}"#, "{}")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("/a/@{variables('v')}") && e.contains("'v'"), "{e}");
    }

    #[test]
    fn string_forms_follow_the_rule_rendering_uses() {
        let cases = [
            ("plain", StringForm::Literal("plain".into())),
            ("@@", StringForm::Literal("@".into())),
            ("@", StringForm::Literal("@".into())),
            ("@@PT1H", StringForm::Literal("@PT1H".into())),
            ("@@{x} @{y}", StringForm::Literal("@{x} @{y}".into())),
            ("mail@@example.com", StringForm::Literal("mail@@example.com".into())),
            ("a @@{b}", StringForm::Literal("a @{b}".into())),
            ("@parameters('h')", StringForm::Expression),
            ("@{parameters('h')}", StringForm::Interpolated),
            ("PT@{parameters('h')}H", StringForm::Interpolated),
            ("@concat('a', ", StringForm::Invalid),
        ];
        let engine = Engine::new();
        for (text, form) in cases {
            assert_eq!(string_form(text), form, "{text}");
            // The same answer as compiling and rendering.
            if let StringForm::Literal(t) = &form {
                let rendered = engine.compile_template(text).and_then(|c| c.render(&RunContext::default()));
                assert_eq!(rendered.ok(), Some(Value::from(t.as_str())), "{text}");
            }
        }
    }

    #[test]
    fn static_parts_are_shared() {
        let engine = Engine::new();
        let doc = from_json_str(r#"{"big": [1,2,3], "x": "@{1}"}"#).unwrap_or_default();
        let compiled = engine.compile_document(&doc).unwrap_or_else(|e| panic!("{e}"));
        let out = compiled.render(&RunContext::default()).unwrap_or_default();
        match (doc.member("big"), out.member("big")) {
            (Some(Value::Array(a)), Some(Value::Array(b))) => assert!(Arc::ptr_eq(&a, &b)),
            _ => panic!("big is an array"),
        }
    }
}
