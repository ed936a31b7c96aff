//! The syntax tree. Every node carries the byte span of its source text.

use std::fmt;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The same span moved `offset` bytes to the right.
    pub const fn shift(self, offset: usize) -> Span {
        Span { start: self.start + offset, end: self.end + offset }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// An expression with its span. Two expressions are equal when their trees are equal;
/// spans are not compared.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal (it has a `.` or an exponent).
    Float(f64),
    /// A string literal, with `''` already turned into `'`.
    String(String),
    /// A function call.
    Call(Box<Call>),
    /// A member access: `x.name`, `x['name']`, `x[0]`, `x[expr]`, each optionally `?`-guarded.
    Member(Box<Member>),
}

/// A function call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The name as written (names are matched without regard to case).
    pub name: String,
    /// The span of the name.
    pub name_span: Span,
    /// The arguments.
    pub args: Vec<Expr>,
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        self.name == other.name && self.args == other.args
    }
}

/// A member access.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The value accessed.
    pub target: Expr,
    /// The member.
    pub key: MemberKey,
    /// Written with `?` (`?.name`, `?['name']`): a null or missing member reads as null.
    pub null_safe: bool,
}

/// How a member is named.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberKey {
    /// `.name`
    Dot(String),
    /// `[expr]` (including `['name']` and `[0]`)
    Index(Expr),
}

impl Expr {
    /// The literal's value kind name, or `None` for calls and member accesses.
    pub fn is_literal(&self) -> bool {
        !matches!(self.kind, ExprKind::Call(_) | ExprKind::Member(_))
    }

    /// The nesting depth of the tree (a literal has depth 1).
    pub fn depth(&self) -> usize {
        match &self.kind {
            ExprKind::Call(c) => 1 + c.args.iter().map(Expr::depth).max().unwrap_or(0),
            ExprKind::Member(m) => {
                let key = match &m.key {
                    MemberKey::Dot(_) => 0,
                    MemberKey::Index(e) => e.depth(),
                };
                1 + m.target.depth().max(key)
            }
            _ => 1,
        }
    }

    /// An indented outline of the tree with byte spans, one node per line.
    pub fn tree(&self) -> String {
        let mut out = String::new();
        self.write_tree(0, &mut out);
        out
    }

    fn write_tree(&self, depth: usize, out: &mut String) {
        use std::fmt::Write as _;
        let pad = "  ".repeat(depth);
        let at = format!("@{}..{}", self.span.start, self.span.end);
        let _ = match &self.kind {
            ExprKind::Null => writeln!(out, "{pad}Null {at}"),
            ExprKind::Bool(b) => writeln!(out, "{pad}Bool {b} {at}"),
            ExprKind::Int(i) => writeln!(out, "{pad}Integer {i} {at}"),
            ExprKind::Float(x) => writeln!(out, "{pad}Float {x:?} {at}"),
            ExprKind::String(s) => writeln!(out, "{pad}String {s:?} {at}"),
            ExprKind::Call(c) => writeln!(out, "{pad}Call {} {at}", c.name),
            ExprKind::Member(m) => {
                let q = if m.null_safe { "?" } else { "" };
                match &m.key {
                    MemberKey::Dot(name) => writeln!(out, "{pad}Member {q}.{name} {at}"),
                    MemberKey::Index(_) => writeln!(out, "{pad}Index {q}[] {at}"),
                }
            }
        };
        match &self.kind {
            ExprKind::Call(c) => c.args.iter().for_each(|a| a.write_tree(depth + 1, out)),
            ExprKind::Member(m) => {
                m.target.write_tree(depth + 1, out);
                if let MemberKey::Index(e) = &m.key {
                    e.write_tree(depth + 1, out);
                }
            }
            _ => {}
        }
    }

    /// Visits this expression and every sub-expression, parents before children.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Call(c) => c.args.iter().for_each(|a| a.walk(f)),
            ExprKind::Member(m) => {
                m.target.walk(f);
                if let MemberKey::Index(e) = &m.key {
                    e.walk(f);
                }
            }
            _ => {}
        }
    }
}

/// Prints the expression in the language's own syntax; parsing the output gives the same
/// tree.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Null => f.write_str("null"),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Int(i) => write!(f, "{i}"),
            ExprKind::Float(x) => {
                let text = format!("{x:?}");
                f.write_str(&text)
            }
            ExprKind::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            ExprKind::Call(c) => {
                write!(f, "{}(", c.name)?;
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            ExprKind::Member(m) => {
                write!(f, "{}", m.target)?;
                if m.null_safe {
                    f.write_str("?")?;
                }
                match &m.key {
                    MemberKey::Dot(name) => write!(f, ".{name}"),
                    MemberKey::Index(e) => write!(f, "[{e}]"),
                }
            }
        }
    }
}

/// A parsed JSON string value: a plain literal, a whole-value expression (`@expr`) or text
/// with interpolations (`...@{expr}...`).
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// No expression; the text after `@@` unescaping.
    Literal(String),
    /// `@expr`: the value keeps its type.
    Expression(Expr),
    /// Text with `@{expr}` parts: the result is a string.
    Interpolated(Vec<Segment>),
}

/// A part of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Literal text.
    Text(String),
    /// `@{expr}`
    Expr(Expr),
}

impl Template {
    /// An indented outline: the kind of template, then its parts.
    pub fn tree(&self) -> String {
        match self {
            Template::Literal(s) => format!("Literal {s:?}\n"),
            Template::Expression(e) => format!("Expression\n{}", indent(&e.tree())),
            Template::Interpolated(parts) => {
                let mut out = String::from("Interpolated\n");
                for p in parts {
                    match p {
                        Segment::Text(t) => out.push_str(&format!("  Text {t:?}\n")),
                        Segment::Expr(e) => out.push_str(&indent(&e.tree())),
                    }
                }
                out
            }
        }
    }

    /// The expressions this template holds, in order.
    pub fn expressions(&self) -> Vec<&Expr> {
        match self {
            Template::Literal(_) => Vec::new(),
            Template::Expression(e) => vec![e],
            Template::Interpolated(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Segment::Expr(e) => Some(e),
                    Segment::Text(_) => None,
                })
                .collect(),
        }
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
