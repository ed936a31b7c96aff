//! Text → syntax tree, through the pest grammar in `grammar/expression.pest`.
//!
//! pest's pairs are turned into our own [`Expr`] at once and never kept. Before pest runs,
//! a linear scan checks the length and nesting limits, so no input can make the recursive
//! descent overflow the stack.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::{Call, Expr, ExprKind, Member, MemberKey, Segment, Span, Template};
use super::error::{describe_pest_error, too_deep, too_long};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/expression.pest"]
pub(crate) struct WdlParser;

/// Parses an expression (the text after a JSON value's leading `@`) with the default
/// limits.
pub fn parse_expression(text: &str) -> Result<Expr> {
    parse_expression_with(text, &Limits::default())
}

/// Parses an expression with the given limits.
pub fn parse_expression_with(text: &str, limits: &Limits) -> Result<Expr> {
    parse_slice(text, 0, text.len(), limits).map_err(|e| e.with_source(text))
}

/// Parses a JSON string value as a template with the default limits: `@expr`, text with
/// `@{expr}` parts, `@@` escapes, or plain text.
pub fn parse_template(text: &str) -> Result<Template> {
    parse_template_with(text, &Limits::default())
}

/// Parses a template with the given limits. Spans in the result are byte offsets into
/// `text`.
pub fn parse_template_with(text: &str, limits: &Limits) -> Result<Template> {
    template(text, limits).map_err(|e| e.with_source(text))
}

fn template(text: &str, limits: &Limits) -> Result<Template> {
    let bytes = text.as_bytes();
    if text.starts_with("@@") {
        return Ok(Template::Literal(text[1..].to_string()));
    }
    if text == "@" {
        return Ok(Template::Literal(text.to_string()));
    }
    if bytes.first() == Some(&b'@') && bytes.get(1) != Some(&b'{') {
        return parse_slice(text, 1, text.len(), limits).map(Template::Expression);
    }
    if !text.contains("@{") {
        return Ok(Template::Literal(text.to_string()));
    }
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("@@{") {
            literal.push_str("@{");
            i += 3;
        } else if rest.starts_with("@{") {
            let start = i + 2;
            let end = scan(text, start, true, limits)?;
            let expr = parse_slice(text, start, end, limits)?;
            if !literal.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut literal)));
            }
            segments.push(Segment::Expr(expr));
            i = end + 1;
        } else {
            let c = rest.chars().next().unwrap_or('@');
            literal.push(c);
            i += c.len_utf8();
        }
    }
    // Only `@@{` escapes and no expression (`"a @@{b}"`): the text `a @{b}`, a literal.
    if segments.is_empty() {
        return Ok(Template::Literal(literal));
    }
    if !literal.is_empty() {
        segments.push(Segment::Text(literal));
    }
    Ok(Template::Interpolated(segments))
}

/// Parses `text[start..end]` as a whole expression; spans are offsets into `text`.
fn parse_slice(text: &str, start: usize, end: usize, limits: &Limits) -> Result<Expr> {
    let source = &text[start..end];
    // A text has no more characters than bytes: count characters only when it may be long.
    if source.len() > limits.max_expression_length {
        let chars = source.chars().count();
        if chars > limits.max_expression_length {
            return Err(too_long(chars, limits.max_expression_length, Span::new(start, end)));
        }
    }
    scan(&text[..end], start, false, limits)?;
    let mut pairs = WdlParser::parse(Rule::expression, source)
        .map_err(|e| describe_pest_error(source, &e).shift(start))?;
    let expression = pairs.next().and_then(|p| p.into_inner().next());
    match expression {
        Some(pair) => build(pair, start),
        None => Err(Error::new(ErrorKind::Syntax, "expected an expression, found end of input")
            .with_span(Span::new(end, end))),
    }
}

/// Scans from `start`, skipping string literals, and checks the nesting depth of `(` and
/// `[`. In interpolation mode it stops at the `}` that closes the `@{` and returns its
/// offset; otherwise it scans to the end of `text` and returns `text.len()`.
fn scan(text: &str, start: usize, interpolation: bool, limits: &Limits) -> Result<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                let open = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None if interpolation => {
                            return Err(Error::new(
                                ErrorKind::Syntax,
                                "unterminated string literal: expected `'` to close it",
                            )
                            .with_span(Span::new(open, open + 1)))
                        }
                        None => return Ok(text.len()),
                        Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'(' | b'[' => {
                depth += 1;
                if depth > limits.max_nesting_depth {
                    return Err(too_deep(limits.max_nesting_depth, Span::new(i, i + 1)));
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if interpolation => return Ok(i),
            _ => {}
        }
        i += 1;
    }
    if interpolation {
        let open = start.saturating_sub(2);
        return Err(Error::new(ErrorKind::Syntax, "expected `}` to close `@{`, found end of input")
            .with_span(Span::new(open, open + 2)));
    }
    Ok(text.len())
}

fn span_of(pair: &Pair<'_, Rule>, offset: usize) -> Span {
    let s = pair.as_span();
    Span::new(s.start() + offset, s.end() + offset)
}

fn build(pair: Pair<'_, Rule>, offset: usize) -> Result<Expr> {
    let span = span_of(&pair, offset);
    let kind = match pair.as_rule() {
        Rule::keyword => match pair.as_str() {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            _ => ExprKind::Null,
        },
        Rule::number => number(pair.as_str(), span)?,
        Rule::string => {
            let inner = pair.into_inner().next().map_or("", |p| p.as_str());
            ExprKind::String(inner.replace("''", "'"))
        }
        Rule::call_chain => return chain(pair, offset),
        rule => {
            return Err(Error::new(ErrorKind::Syntax, format!("unexpected syntax {rule:?}")).with_span(span))
        }
    };
    Ok(Expr { kind, span })
}

fn chain(pair: Pair<'_, Rule>, offset: usize) -> Result<Expr> {
    let mut inner = pair.into_inner();
    let Some(call) = inner.next() else {
        return Err(Error::new(ErrorKind::Syntax, "expected a function call"));
    };
    let mut expr = function_call(call, offset)?;
    for accessor in inner {
        let acc_span = span_of(&accessor, offset);
        let mut null_safe = false;
        let mut key = None;
        for part in accessor.into_inner() {
            match part.as_rule() {
                Rule::null_safe => null_safe = true,
                Rule::dot_member => {
                    let name = part.into_inner().next().map_or("", |p| p.as_str());
                    key = Some(MemberKey::Dot(name.to_string()));
                }
                Rule::index => {
                    let e = part
                        .into_inner()
                        .find(|p| !matches!(p.as_rule(), Rule::open_bracket | Rule::close_bracket));
                    if let Some(e) = e {
                        key = Some(MemberKey::Index(build(e, offset)?));
                    }
                }
                _ => {}
            }
        }
        let Some(key) = key else {
            return Err(Error::new(ErrorKind::Syntax, "expected a member").with_span(acc_span));
        };
        let span = expr.span.join(acc_span);
        expr = Expr { kind: ExprKind::Member(Box::new(Member { target: expr, key, null_safe })), span };
    }
    Ok(expr)
}

fn function_call(pair: Pair<'_, Rule>, offset: usize) -> Result<Expr> {
    let span = span_of(&pair, offset);
    let mut name = String::new();
    let mut name_span = span;
    let mut args = Vec::new();
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::identifier => {
                name = part.as_str().to_string();
                name_span = span_of(&part, offset);
            }
            Rule::open_paren | Rule::close_paren | Rule::comma => {}
            _ => args.push(build(part, offset)?),
        }
    }
    Ok(Expr { kind: ExprKind::Call(Box::new(Call { name, name_span, args })), span })
}

fn number(text: &str, span: Span) -> Result<ExprKind> {
    if text.contains(['.', 'e', 'E']) {
        let f: f64 = text.parse().map_err(|_| {
            Error::new(ErrorKind::Syntax, format!("`{text}` is not a valid number")).with_span(span)
        })?;
        // There is no literal for infinity, so a literal too large for a float is an error
        // (found by fuzzing: it could not be printed back as a literal).
        if !f.is_finite() {
            return Err(Error::new(
                ErrorKind::Syntax,
                format!("float literal `{text}` is out of the range of a 64-bit float"),
            )
            .with_span(span));
        }
        return Ok(ExprKind::Float(f));
    }
    let digits = text.trim_start_matches('+');
    match digits.parse::<i64>() {
        Ok(i) => Ok(ExprKind::Int(i)),
        Err(_) => Err(Error::new(
            ErrorKind::Syntax,
            format!("integer literal `{text}` is out of the 64-bit integer range"),
        )
        .with_span(span)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Expr {
        parse_expression(text).unwrap_or_else(|e| panic!("{text}: {e:#}"))
    }

    fn err(text: &str) -> String {
        match parse_expression(text) {
            Ok(e) => panic!("{text} parsed as {e}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(p("1").kind, ExprKind::Int(1));
        assert_eq!(p("+54").kind, ExprKind::Int(54));
        assert_eq!(p("-9223372036854775808").kind, ExprKind::Int(i64::MIN));
        assert_eq!(p("+.5").kind, ExprKind::Float(0.5));
        assert_eq!(p("-01.0").kind, ExprKind::Float(-1.0));
        assert_eq!(p("3.2e1").kind, ExprKind::Float(32.0));
        assert_eq!(p("+1.").kind, ExprKind::Float(1.0));
        assert_eq!(p("'don''t'").kind, ExprKind::String("don't".into()));
        assert_eq!(p(r"'a\b'").kind, ExprKind::String(r"a\b".into()));
        assert_eq!(p("true").kind, ExprKind::Bool(true));
        assert_eq!(p(" null ").kind, ExprKind::Null);
    }

    #[test]
    fn calls_and_members() {
        let e = p("body('HTTP')?['data'][0].id");
        assert_eq!(e.to_string(), "body('HTTP')?['data'][0].id");
        assert_eq!(e.span, Span::new(0, 27));
        let e = p("concat(  'x1'  , \n 'x2','x3'  )");
        assert_eq!(e.to_string(), "concat('x1', 'x2', 'x3')");
        assert_eq!(p("utcNow()").to_string(), "utcNow()");
        assert_eq!(p("a()?.b.c").to_string(), "a()?.b.c");
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "concat",
            "()",
            "+",
            "1e",
            "1e+",
            "1e1.1",
            "++1",
            "--1",
            "5abc",
            "'a'}",
            "@",
            "\"abc\"",
            "concat('a','b')('c')",
            "concat(",
            "concat('Hello',",
            "if(equals(",
            "outputs('Get_User')?[",
            "[1, 2]",
            "'abc'[0]",
            "18446744073709551615",
        ] {
            assert!(parse_expression(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn error_messages_say_what_was_expected() {
        assert_eq!(
            err("concat('a', 'b'"),
            "expected `,` or `)` to close the call to `concat`, found end of input (at 1:16)"
        );
        assert_eq!(err("concat"), "expected `(` after the function name, found end of input (at 1:7)");
        assert!(err("\"abc\"").contains("single quotes"), "{}", err("\"abc\""));
    }

    #[test]
    fn nesting_is_limited_before_parsing() {
        let deep = format!("{}1{}", "f(".repeat(5000), ")".repeat(5000));
        let e = parse_expression_with(&deep, &Limits { max_expression_length: 1 << 20, ..Limits::default() });
        assert!(e.is_err_and(|e| e.kind() == ErrorKind::Limit));
    }

    #[test]
    fn templates() {
        let t = |s: &str| parse_template(s).unwrap_or_else(|e| panic!("{s}: {e:#}"));
        assert_eq!(t("plain"), Template::Literal("plain".into()));
        assert_eq!(t("@@x"), Template::Literal("@x".into()));
        assert_eq!(t("@"), Template::Literal("@".into()));
        assert_eq!(t(" @,,}"), Template::Literal(" @,,}".into()));
        assert!(matches!(t("@concat('a')"), Template::Expression(_)));
        let Template::Interpolated(parts) = t("x@@{y}@{'a}'} z") else { panic!("not interpolated") };
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], Segment::Text("x@{y}".into()));
        assert!(parse_template("@{'a'").is_err());
        assert!(parse_template(" @{").is_err());
        assert!(parse_template("@{()}").is_err());
    }

    #[test]
    fn template_spans_point_into_the_whole_string() {
        let e = parse_template("ab @{concat(}").err().map(|e| e.span());
        assert_eq!(e.flatten().map(|s| s.start), Some(12));
    }
}
