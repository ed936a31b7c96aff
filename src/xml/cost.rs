//! How much work an XPath expression may do on a document, estimated before it runs.
//!
//! sxd-xpath has no fuel hook, so an expression cannot be stopped once it runs: `count(//a[
//! count(//a) > 0])` over 20,000 items visits 400 million nodes. Instead the expression is
//! read once more here and given an upper bound of the node visits it can make on this
//! document — from the document's node count, depth and widest element — and the evaluator
//! charges that bound to its fuel before evaluation starts. An expression whose bound the
//! fuel cannot pay is refused at once, with the numbers; one that can runs to the end.
//!
//! The bound follows the axes: a `child` or `attribute` step from a node-set visits at most
//! every node once, and so does a relative child path in a predicate over all the candidates
//! together (their children are disjoint); a `descendant` step visits each node at most once
//! per ancestor (the depth); `following`, `preceding` and the sibling axes, absolute paths
//! inside predicates and node-set comparisons multiply. It over-estimates, never under.

use super::dom::{Document, Kind, ROOT};

/// The shape of a document, as far as the bound needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    /// Nodes: elements, attributes, text, comments, processing instructions.
    pub nodes: f64,
    /// The deepest nesting of elements.
    pub depth: f64,
    /// The most children (and attributes) of one node.
    pub fanout: f64,
}

impl Shape {
    /// Measures a document (iteratively).
    pub fn of(doc: &Document) -> Shape {
        let (mut nodes, mut depth, mut fanout) = (1usize, 0usize, 0usize);
        let mut stack = vec![(ROOT, 0usize)];
        while let Some((id, d)) = stack.pop() {
            depth = depth.max(d);
            let children = doc.children(id);
            let attributes = match doc.kind(id) {
                Kind::Element(e) => e.attributes.len(),
                _ => 0,
            };
            nodes += children.len() + attributes;
            fanout = fanout.max(children.len() + attributes);
            stack.extend(children.iter().map(|&c| (c, d + 1)));
        }
        Shape { nodes: nodes as f64, depth: depth.max(1) as f64, fanout: fanout.max(1) as f64 }
    }
}

/// An upper bound of the node visits evaluating `expression` on a document of this shape
/// makes. The expression has passed [`super::xpath::check_complexity`], so its nesting is
/// bounded; text this reader does not follow is costed as the worst case it could be.
pub(crate) fn estimate(expression: &str, shape: Shape) -> f64 {
    let tokens = tokenize(expression);
    let mut parser = Parser { tokens: &tokens, at: 0, shape };
    let (cost, _) = parser.expr(1.0, true);
    if parser.at < tokens.len() {
        // Something this reader does not understand: assume a product per nesting level.
        let levels = tokens.iter().filter(|t| matches!(t, Token::Open('[') | Token::Open('('))).count();
        return cost.max(shape.nodes.powi(levels as i32 + 1));
    }
    cost
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open(char),
    Close,
    Comma,
    At,
    Slash,
    DoubleSlash,
    Dot,
    DotDot,
    Axis(String),
    Name(String),
    Star,
    Literal,
    Number,
    Variable,
    Operator(Op),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Compare,
    Other,
    Union,
}

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '(' | '[' => out.push(Token::Open(c)),
            ')' | ']' => out.push(Token::Close),
            ',' => out.push(Token::Comma),
            '@' => out.push(Token::At),
            '|' => out.push(Token::Operator(Op::Union)),
            '/' if next == Some('/') => {
                i += 1;
                out.push(Token::DoubleSlash);
            }
            '/' => out.push(Token::Slash),
            '.' if next == Some('.') => {
                i += 1;
                out.push(Token::DotDot);
            }
            '.' if !next.is_some_and(|n| n.is_ascii_digit()) => out.push(Token::Dot),
            '*' => out.push(Token::Star),
            '\'' | '"' => {
                while i < chars.len() && chars[i] != c {
                    i += 1;
                }
                i += 1;
                out.push(Token::Literal);
            }
            '$' => {
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                out.push(Token::Variable);
            }
            '=' | '<' | '>' | '!' => {
                if next == Some('=') {
                    i += 1;
                }
                out.push(Token::Operator(Op::Compare));
            }
            '+' | '-' => out.push(Token::Operator(Op::Other)),
            c if c.is_ascii_digit() || c == '.' => {
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                out.push(Token::Number);
            }
            c if is_name_char(c) => {
                let start = i - 1;
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                // `axis::`
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
                    i = j + 2;
                    out.push(Token::Axis(name));
                } else {
                    out.push(Token::Name(name));
                }
            }
            _ => out.push(Token::Operator(Op::Other)),
        }
    }
    out
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    shape: Shape,
}

/// Where a path starts: the root (absolute) or each context node (relative).
#[derive(Clone, Copy, PartialEq)]
enum Start {
    Root,
    Context,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn bump(&mut self) -> Option<&Token> {
        let t = self.tokens.get(self.at);
        self.at += 1;
        t
    }

    /// An expression evaluated `times` times (at `times` context nodes, `distinct` when they
    /// are different nodes): its cost in node visits, and the size of one result when it is
    /// a node-set (0 for a number, string or boolean).
    fn expr(&mut self, times: f64, distinct: bool) -> (f64, f64) {
        let (mut cost, mut size) = self.unary(times, distinct);
        loop {
            let op = match self.peek() {
                Some(Token::Operator(op)) => *op,
                Some(Token::Star) => Op::Other,
                Some(Token::Name(n)) if matches!(n.as_str(), "and" | "or" | "div" | "mod") => Op::Other,
                _ => break,
            };
            self.at += 1;
            let (c, s) = self.unary(times, distinct);
            cost += c;
            size = match op {
                // Comparing two node-sets compares every pair; against a value, each node
                // once (already counted by the path that found it).
                Op::Compare => {
                    cost += times * size * s;
                    0.0
                }
                Op::Union => (size + s).min(self.shape.nodes),
                Op::Other => 0.0,
            };
        }
        (cost, size)
    }

    fn unary(&mut self, times: f64, distinct: bool) -> (f64, f64) {
        while matches!(self.peek(), Some(Token::Operator(Op::Other))) {
            self.at += 1;
        }
        match self.peek() {
            Some(Token::Slash) => {
                self.at += 1;
                if self.starts_step() {
                    self.path(Start::Root, times, distinct, "")
                } else {
                    (times, 1.0)
                }
            }
            Some(Token::DoubleSlash) => {
                self.at += 1;
                self.path(Start::Root, times, distinct, "descendant-or-self")
            }
            Some(Token::Literal | Token::Number | Token::Variable) => {
                self.at += 1;
                self.filter(times, 0.0, times)
            }
            Some(Token::Open('(')) => {
                self.at += 1;
                let (cost, size) = self.expr(times, distinct);
                self.close();
                self.filter(times, size, cost)
            }
            Some(Token::Name(name))
                if matches!(self.tokens.get(self.at + 1), Some(Token::Open('(')))
                    && !matches!(name.as_str(), "node" | "text" | "comment" | "processing-instruction") =>
            {
                self.at += 2;
                let mut cost = times;
                if !matches!(self.peek(), Some(Token::Close)) {
                    loop {
                        cost += self.expr(times, distinct).0;
                        if matches!(self.peek(), Some(Token::Comma)) {
                            self.at += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.close();
                self.filter(times, 0.0, cost)
            }
            _ if self.starts_step() => self.path(Start::Context, times, distinct, ""),
            _ => (times, 0.0),
        }
    }

    fn close(&mut self) {
        if matches!(self.peek(), Some(Token::Close)) {
            self.at += 1;
        }
    }

    /// Predicates and path steps after a primary expression of `size` nodes.
    fn filter(&mut self, times: f64, size: f64, cost: f64) -> (f64, f64) {
        let mut cost = cost;
        while matches!(self.peek(), Some(Token::Open('['))) {
            self.at += 1;
            cost += self.expr(times * size, times <= 1.0).0;
            self.close();
        }
        match self.peek() {
            Some(Token::Slash | Token::DoubleSlash) => {
                let axis =
                    if matches!(self.bump(), Some(Token::DoubleSlash)) { "descendant-or-self" } else { "" };
                let (c, s) = self.steps(times, size, false, axis);
                (cost + c, s)
            }
            _ => (cost, size),
        }
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token::Name(_) | Token::Star | Token::At | Token::Axis(_) | Token::Dot | Token::DotDot)
        )
    }

    fn path(&mut self, start: Start, times: f64, distinct: bool, first: &str) -> (f64, f64) {
        // A relative path from distinct context nodes visits disjoint subtrees; an absolute
        // one walks from the same root each time.
        let disjoint = start == Start::Context && (distinct || times <= 1.0);
        self.steps(times, 1.0, disjoint, first)
    }

    /// A sequence of steps from sets of `per` nodes, evaluated `times` times. `pending` is
    /// the axis a `//` put before the first step.
    fn steps(&mut self, times: f64, per: f64, disjoint: bool, pending: &str) -> (f64, f64) {
        let (mut cost, mut per, mut disjoint) = (0.0, per, disjoint);
        let mut pending = pending.to_string();
        loop {
            if !pending.is_empty() {
                let (c, p, d) = step_cost(&pending, per, times, disjoint, self.shape);
                cost += c;
                per = p;
                disjoint = d;
                pending.clear();
            }
            let axis = match self.peek() {
                Some(Token::Dot) => {
                    self.at += 1;
                    "self".to_string()
                }
                Some(Token::DotDot) => {
                    self.at += 1;
                    "parent".to_string()
                }
                Some(Token::At) => {
                    self.at += 1;
                    self.node_test();
                    "attribute".to_string()
                }
                Some(Token::Axis(a)) => {
                    let a = a.clone();
                    self.at += 1;
                    self.node_test();
                    a
                }
                Some(Token::Name(_) | Token::Star) => {
                    self.node_test();
                    "child".to_string()
                }
                _ => break,
            };
            let (c, p, d) = step_cost(&axis, per, times, disjoint, self.shape);
            cost += c;
            // Each predicate runs once per candidate; the candidates of one evaluation are
            // distinct nodes, and across evaluations too while the path stays disjoint.
            while matches!(self.peek(), Some(Token::Open('['))) {
                self.at += 1;
                let candidates = c.max(1.0);
                cost += self.expr(candidates, disjoint || times <= 1.0).0;
                self.close();
            }
            per = p;
            disjoint = d;
            match self.peek() {
                Some(Token::Slash) => self.at += 1,
                Some(Token::DoubleSlash) => {
                    self.at += 1;
                    pending = "descendant-or-self".into();
                }
                _ => break,
            }
        }
        (cost, per)
    }

    fn node_test(&mut self) {
        match self.peek() {
            Some(Token::Name(_)) => {
                self.at += 1;
                if matches!(self.peek(), Some(Token::Open('('))) {
                    // node(), text(), processing-instruction('x')
                    self.at += 1;
                    while !matches!(self.peek(), Some(Token::Close) | None) {
                        self.at += 1;
                    }
                    self.close();
                }
            }
            Some(Token::Star) => self.at += 1,
            _ => {}
        }
    }
}

/// One step along `axis` from sets of `per` nodes, `times` times: the visits it makes in
/// all, the size of one resulting set, and whether the results stay disjoint.
fn step_cost(axis: &str, per: f64, times: f64, disjoint: bool, shape: Shape) -> (f64, f64, bool) {
    let Shape { nodes, depth, fanout } = shape;
    let (visits, next, keeps) = match axis {
        "child" | "attribute" | "namespace" => ((per * fanout).min(nodes), (per * fanout).min(nodes), true),
        "self" => (per, per, true),
        "parent" => (per, per, false),
        "ancestor" | "ancestor-or-self" => (per * depth, (per * depth).min(nodes), false),
        "descendant" | "descendant-or-self" => {
            ((per * nodes).min(nodes * depth), nodes.min(per * nodes), false)
        }
        "following-sibling" | "preceding-sibling" => (per * fanout, (per * fanout).min(nodes), false),
        // following, preceding, and anything unknown: every node from every node.
        _ => (per * nodes, nodes, false),
    };
    let all = times * visits;
    let total = match (disjoint, keeps) {
        // Disjoint subtrees: the whole document at most, once per context or per ancestor.
        (true, true) => all.min(nodes + times),
        (true, false) if axis.starts_with("descendant") => all.min(nodes * depth + times),
        _ => all,
    };
    (total, next, disjoint && keeps)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEMS: Shape = Shape { nodes: 100_000.0, depth: 4.0, fanout: 20_000.0 };

    #[test]
    fn linear_expressions_cost_about_the_document() {
        for xpath in [
            "count(//item)",
            "sum(/produce/item/count)",
            "/produce/item[name='Gala']/count",
            "//item[@id='3']/name/text()",
            "string(/*[local-name()='file']/*[local-name()='location'])",
            "(/produce/item/name)[last()]",
        ] {
            let cost = estimate(xpath, ITEMS);
            assert!(cost < 2_000_000.0, "{xpath}: {cost}");
        }
    }

    #[test]
    fn nested_paths_multiply() {
        for xpath in [
            "count(//item[count(//item) > 0])",
            "count(//item[count(following::item) > 1])",
            "//item[. = //item]",
            "count(//item/following-sibling::item)",
        ] {
            let cost = estimate(xpath, ITEMS);
            assert!(cost > 1e9, "{xpath}: {cost}");
        }
    }
}
