//! Templates: JSON documents whose string values hold expressions.
//!
//! * `"@expr"` — the whole value is replaced by the expression's result, keeping its type.
//! * `"text @{expr} text"` — each `@{...}` is replaced by the result as text; the value is a
//!   string (also when the string is exactly `"@{expr}"`).
//! * `"@@..."` — a leading `@@` is an escaped `@` and the rest is literal; `@@{` inside a
//!   string is a literal `@{`.
//! * Anything else passes through unchanged.
//!
//! Object keys are not evaluated. A document is compiled once ([`Document`]) and rendered
//! any number of times; parts without expressions are shared, not copied.
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
                            check_interpolated(out.len().saturating_add(text.len()), state)?;
                            out.push_str(&text);
                        }
                        Value::String(text) => {
                            // Checked before the copy, as concat() does.
                            check_interpolated(out.len().saturating_add(text.len()), state)?;
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

    /// Compiles every string of a JSON document. Errors name the JSON pointer of the
    /// failing string.
    pub fn compile_document(&self, document: &Value) -> Result<Document> {
        let mut pointer = String::new();
        Ok(Document { root: Arc::new(self.compile_doc_node(document, &mut pointer)?) })
    }

    fn compile_doc_node(&self, value: &Value, pointer: &mut String) -> Result<DocNode> {
        Ok(match value {
            Value::String(s) if s.contains('@') => {
                let t = self.compile_template(s).map_err(|e| e.with_pointer(&**pointer))?;
                match &t.inner.kind {
                    Kind::Literal(v) => DocNode::Static(v.clone()),
                    _ => DocNode::Template(t, Str::from(&**pointer)),
                }
            }
            Value::Array(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    nodes.push(self.compile_doc_node(item, pointer)?);
                    pointer.truncate(len);
                }
                if nodes.iter().all(|n| matches!(n, DocNode::Static(_))) {
                    DocNode::Static(value.clone())
                } else {
                    DocNode::Array(nodes)
                }
            }
            Value::Object(o) => {
                let mut members = Vec::with_capacity(o.len());
                for (k, v) in o {
                    let len = pointer.len();
                    pointer.push('/');
                    push_pointer_token(pointer, k);
                    members.push((k.clone(), self.compile_doc_node(v, pointer)?));
                    pointer.truncate(len);
                }
                if members.iter().all(|(_, n)| matches!(n, DocNode::Static(_))) {
                    DocNode::Static(value.clone())
                } else {
                    DocNode::Object(members)
                }
            }
            other => DocNode::Static(other.clone()),
        })
    }

    /// Renders every string of a JSON document against a context.
    pub fn render(&self, document: &Value, context: &dyn Context) -> Result<Value> {
        self.compile_document(document)?.render(context)
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
    Template(Template, Str),
    Array(Vec<DocNode>),
    Object(Vec<(Str, DocNode)>),
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
                o.insert(k.clone(), render_doc(n, context)?);
            }
            Value::Object(o)
        }
    })
}

fn check_interpolated(len: usize, state: &crate::eval::State<'_>) -> Result<()> {
    if len > state.limits.max_string_length {
        return Err(Error::new(
            ErrorKind::Limit,
            format!(
                "the interpolated string is longer than the limit of {} characters",
                state.limits.max_string_length
            ),
        ));
    }
    Ok(())
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
