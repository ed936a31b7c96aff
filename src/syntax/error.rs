//! Parse errors in words: what was expected, what was found, and where.

use pest::error::{ErrorVariant, InputLocation};

use super::ast::Span;
use super::parser::Rule;
use crate::error::{Error, ErrorKind};

/// What a grammar rule is called in an error message.
fn word(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expression
        | Rule::call_chain
        | Rule::function_call
        | Rule::identifier
        | Rule::number
        | Rule::string
        | Rule::keyword => "an expression",
        Rule::open_paren => "`(` after the function name",
        Rule::close_paren => "`)`",
        Rule::comma => "`,`",
        Rule::accessor | Rule::null_safe | Rule::dot_member | Rule::index | Rule::open_bracket => {
            "a member access (`.name`, `?['name']`, `[0]`)"
        }
        Rule::close_bracket => "`]`",
        Rule::member_name => "a member name after `.`",
        Rule::string_close | Rule::string_inner => "`'` to close the string",
        Rule::close_brace => "`}` to close `@{`",
        Rule::exponent => "digits of the exponent",
        Rule::EOI => "the end of the expression",
        _ => return None,
    })
}

/// Turns a pest error on `source` into our error: "expected X or Y, found Z".
pub(super) fn describe_pest_error(source: &str, error: &pest::error::Error<Rule>) -> Error {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<&str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(w) = word(*rule) {
                if !expected.contains(&w) {
                    expected.push(w);
                }
            }
        }
    }
    // A stable, readable order: "expected `,` or `)`", with the end of the expression last.
    let rank = |w: &&str| match *w {
        "an expression" => 0,
        "`,`" => 1,
        "`)`" => 2,
        "the end of the expression" => 9,
        _ => 5,
    };
    expected.sort_by_key(rank);
    let found = found_at(source, pos);
    let mut message = String::from("expected ");
    match expected.as_slice() {
        [] => message.push_str("an expression"),
        [one] => message.push_str(one),
        [init @ .., last] => {
            message.push_str(&init.join(", "));
            message.push_str(" or ");
            message.push_str(last);
        }
    }
    if expected.contains(&"`)`") {
        if let Some(name) = open_call_before(source, pos) {
            message.push_str(&format!(" to close the call to `{name}`"));
        }
    }
    message.push_str(", found ");
    message.push_str(&found);
    let rest = &source[pos.min(source.len())..];
    if rest.starts_with('"') {
        message.push_str("; string literals use single quotes ('text'), never double quotes");
    } else if rest.starts_with('[') && expected.contains(&"an expression") {
        message.push_str("; array literals are not part of the language: use createArray(...)");
    } else if rest.starts_with('{') {
        message.push_str("; object literals are not part of the language: use json('{...}')");
    } else if rest.starts_with('@') {
        message.push_str("; `@` only starts an expression at the beginning of a JSON string");
    }
    let width = found_width(source, pos);
    Error::new(ErrorKind::Syntax, message).with_span(Span::new(pos, pos + width))
}

fn found_at(source: &str, pos: usize) -> String {
    let rest = &source[pos.min(source.len())..];
    let Some(c) = rest.chars().next() else {
        return "end of input".to_string();
    };
    if c.is_alphanumeric() || c == '_' {
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').take(40).collect();
        return format!("`{word}`");
    }
    match c {
        '\n' => "a line break".to_string(),
        c if c.is_whitespace() => "whitespace".to_string(),
        c => format!("`{c}`"),
    }
}

fn found_width(source: &str, pos: usize) -> usize {
    let rest = &source[pos.min(source.len())..];
    match rest.chars().next() {
        None => 0,
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(i, _)| i),
        Some(c) => c.len_utf8(),
    }
}

/// The name of the innermost call whose `(` is still open at `pos`.
fn open_call_before(source: &str, pos: usize) -> Option<String> {
    let bytes = source.as_bytes();
    let mut stack: Vec<(usize, u8)> = Vec::new();
    let mut i = 0;
    let end = pos.min(bytes.len());
    while i < end {
        match bytes[i] {
            b'\'' => {
                i += 1;
                while i < end {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            c @ (b'(' | b'[') => stack.push((i, c)),
            b')' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let (open, kind) = *stack.last()?;
    if kind != b'(' {
        return None;
    }
    let name = trailing_identifier(source[..open].trim_end());
    (!name.is_empty()).then(|| name.to_string())
}

/// The function name (ASCII letters, digits, `_`) that `text` ends with, or `""`.
pub(crate) fn trailing_identifier(text: &str) -> &str {
    let start = text.bytes().rposition(|b| !(b.is_ascii_alphanumeric() || b == b'_')).map_or(0, |i| i + 1);
    &text[start..]
}

pub(super) fn too_long(chars: usize, max: usize, span: Span) -> Error {
    Error::new(
        ErrorKind::Limit,
        format!("the expression is {chars} characters long; the limit is {max} characters"),
    )
    .with_span(Span::new(span.start, span.start))
}

pub(super) fn too_deep(max: usize, span: Span) -> Error {
    Error::new(ErrorKind::Limit, format!("the expression is nested more than {max} levels deep"))
        .with_span(span)
}
