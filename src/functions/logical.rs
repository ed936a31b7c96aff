//! Logical comparison functions: `and`, `equals`, `greater`, `greaterOrEquals`, `if`,
//! `less`, `lessOrEquals`, `not`, `or`.
//!
//! `and`, `or` and `if` evaluate their arguments left to right and stop as soon as the
//! result is known, as the service does: `and(false, int('x'))` is `false`.

use std::cmp::Ordering;

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::{req, rest, Args, Call, Category, Function, LazyCall, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Decimal, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::lazy(
        "and",
        Category::Logical,
        &[rest("expression", Ty::BOOL)],
        "Boolean",
        "True when every expression is true; stops at the first false one.",
        "and(true, equals(1, 2)) → false",
        and,
    ),
    Function::eager(
        "equals",
        Category::Logical,
        &[req("object1", Ty::ANY), req("object2", Ty::ANY)],
        "Boolean",
        "True when both values are equivalent (null equals '', true equals 1, 1 equals 1.0).",
        "equals(true, 1) → true",
        equals,
    ),
    Function::eager(
        "greater",
        Category::Logical,
        &[req("value", Ty::NUMBER.or(Ty::STRING)), req("compareTo", Ty::NUMBER.or(Ty::STRING))],
        "Boolean",
        "True when the first value is greater than the second (numbers, or strings compared ordinally).",
        "greater(10, 5) → true",
        greater,
    ),
    Function::eager(
        "greaterOrEquals",
        Category::Logical,
        &[req("value", Ty::NUMBER.or(Ty::STRING)), req("compareTo", Ty::NUMBER.or(Ty::STRING))],
        "Boolean",
        "True when the first value is greater than or equal to the second.",
        "greaterOrEquals(5, 5) → true",
        greater_or_equals,
    ),
    Function::lazy(
        "if",
        Category::Logical,
        &[req("expression", Ty::BOOL), req("valueIfTrue", Ty::ANY), req("valueIfFalse", Ty::ANY)],
        "Any",
        "The second argument when the condition is true, else the third; only the chosen one is evaluated.",
        "if(equals(1, 1), 'yes', 'no') → 'yes'",
        if_,
    ),
    Function::eager(
        "less",
        Category::Logical,
        &[req("value", Ty::NUMBER.or(Ty::STRING)), req("compareTo", Ty::NUMBER.or(Ty::STRING))],
        "Boolean",
        "True when the first value is less than the second.",
        "less(5, 10) → true",
        less,
    ),
    Function::eager(
        "lessOrEquals",
        Category::Logical,
        &[req("value", Ty::NUMBER.or(Ty::STRING)), req("compareTo", Ty::NUMBER.or(Ty::STRING))],
        "Boolean",
        "True when the first value is less than or equal to the second.",
        "lessOrEquals('apply', 'apple') → false",
        less_or_equals,
    ),
    Function::eager(
        "not",
        Category::Logical,
        &[req("expression", Ty::BOOL)],
        "Boolean",
        "The opposite of a boolean.",
        "not(equals(1, 2)) → true",
        not,
    ),
    Function::lazy(
        "or",
        Category::Logical,
        &[rest("expression", Ty::BOOL)],
        "Boolean",
        "True when any expression is true; stops at the first true one.",
        "or(equals(1, 1), equals(1, 2)) → true",
        or,
    ),
];

/// Reads a condition: a boolean, or the strings `true` / `false` (any case), as the service
/// accepts in conditions.
fn condition(lazy: &mut LazyCall<'_, '_, '_>, index: usize) -> Result<bool> {
    let value = lazy.eval(index)?;
    match &value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => {
            let name = lazy.call().name();
            Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "The template language function '{name}' expects its {} parameter to be of type boolean. The provided value is of type '{}'.",
                    super::ordinal(index),
                    other.value_type()
                ),
            )
            .with_span(lazy.arg_span(index)))
        }
    }
}

fn and(lazy: &mut LazyCall<'_, '_, '_>) -> Result<Value> {
    for i in 0..lazy.len() {
        if !condition(lazy, i)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn or(lazy: &mut LazyCall<'_, '_, '_>) -> Result<Value> {
    for i in 0..lazy.len() {
        if condition(lazy, i)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn if_(lazy: &mut LazyCall<'_, '_, '_>) -> Result<Value> {
    if condition(lazy, 0)? {
        lazy.eval(1)
    } else {
        lazy.eval(2)
    }
}

fn not(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(false)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(true)),
        _ => Err(args.type_error(0, "of type boolean")),
    }
}

fn equals(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Bool(loose_equals(args.value(0), args.value(1))))
}

/// The language's equality: `null` equals `""`, booleans equal the integers 1 and 0,
/// numbers compare by value across integer, float and decimal, strings compare exactly,
/// arrays item by item, objects member by member in any order, binary by content.
pub fn loose_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bool(x), Value::Int(i)) | (Value::Int(i), Value::Bool(x)) => i64::from(*x) == *i,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| loose_equals(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| loose_equals(v, w)))
        }
        (Value::Binary(x), Value::Binary(y)) => x.bytes() == y.bytes(),
        (x, y) if x.is_number() && y.is_number() => compare_numbers(x, y) == Some(Ordering::Equal),
        _ => false,
    }
}

/// Compares two numbers by value. Integers and decimals compare exactly; a float against
/// anything compares as floats.
pub fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Decimal(y)) => Some(Decimal::from(*x).cmp(y)),
        (Value::Decimal(x), Value::Int(y)) => Some(x.cmp(&Decimal::from(*y))),
        (Value::Decimal(x), Value::Float(y)) => match Decimal::from_f64(*y) {
            Some(y) => Some(x.cmp(&y)),
            None => x.to_f64().and_then(|x| x.partial_cmp(y)),
        },
        (Value::Float(x), Value::Decimal(y)) => match Decimal::from_f64(*x) {
            Some(x) => Some(x.cmp(y)),
            None => y.to_f64().and_then(|y| x.partial_cmp(&y)),
        },
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Orders two values for `greater`, `less` and friends: numbers by value, strings
/// ordinally (by UTF-16 code unit, as .NET does), `null` as `""`.
fn compare(call: &Call<'_, '_>, args: &Args<'_>) -> Result<Ordering> {
    let (a, b) = (args.value(0), args.value(1));
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.to_string()),
            Value::Null => Some(String::new()),
            _ => None,
        }
    };
    if a.is_number() && b.is_number() {
        return compare_numbers(a, b)
            .ok_or_else(|| call.error("cannot compare NaN with another number.").with_span(args.span(1)));
    }
    if let (Some(x), Some(y)) = (text(a), text(b)) {
        if matches!(a, Value::String(_)) || matches!(b, Value::String(_)) {
            return Ok(x.encode_utf16().cmp(y.encode_utf16()));
        }
    }
    let bad = if a.is_number() || a.as_str().is_some() || a.is_null() { 1 } else { 0 };
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!(
            "The template language function '{}' expects two parameters of matching types: both numbers or both strings. The provided values are of types '{}' and '{}'.",
            call.name(),
            a.value_type(),
            b.value_type()
        ),
    )
    .with_span(args.span(bad)))
}

fn greater(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    compare(call, &args).map(|o| Value::Bool(o == Ordering::Greater))
}

fn greater_or_equals(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    compare(call, &args).map(|o| Value::Bool(o != Ordering::Less))
}

fn less(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    compare(call, &args).map(|o| Value::Bool(o == Ordering::Less))
}

fn less_or_equals(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    compare(call, &args).map(|o| Value::Bool(o != Ordering::Greater))
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext, Value};

    fn eval(text: &str) -> Result<Value, String> {
        Engine::new().eval(text, &RunContext::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        let cases: &[(&str, Value)] = &[
            ("and(true, true)", Value::Bool(true)),
            ("and(true)", Value::Bool(true)),
            ("and(true, false, nope())", Value::Bool(false)),
            ("and('true', 'True')", Value::Bool(true)),
            ("or(false, false)", Value::Bool(false)),
            ("or(false, true, nope())", Value::Bool(true)),
            ("if(true, 1, nope())", Value::Int(1)),
            ("if(false, nope(), 'b')", Value::from("b")),
            ("not(false)", Value::Bool(true)),
            ("equals(true, 1)", Value::Bool(true)),
            ("equals(false, 0)", Value::Bool(true)),
            ("equals(true, 2)", Value::Bool(false)),
            ("equals(1, 1.0)", Value::Bool(true)),
            ("equals(null, '')", Value::Bool(true)),
            ("equals('abc', 'ABC')", Value::Bool(false)),
            ("equals(createArray(1, 2), createArray(1, 2.0))", Value::Bool(true)),
            ("equals(json('{\"a\":1,\"b\":2}'), json('{\"b\":2,\"a\":1}'))", Value::Bool(true)),
            ("equals('1', 1)", Value::Bool(false)),
            ("greater(10, 5)", Value::Bool(true)),
            ("greater(5, 5.5)", Value::Bool(false)),
            ("greater('apple', 'banana')", Value::Bool(false)),
            ("greaterOrEquals(5, 5)", Value::Bool(true)),
            ("less('banana', 'apple')", Value::Bool(false)),
            ("less('a', 'B')", Value::Bool(false)),
            ("lessOrEquals(10, 10)", Value::Bool(true)),
            ("lessOrEquals('apply', 'apple')", Value::Bool(false)),
            ("less(null, 'a')", Value::Bool(true)),
        ];
        for (text, expected) in cases {
            assert_eq!(eval(text).as_ref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("and(1, true)", "to be of type boolean"),
            ("or(false, 'x')", "second parameter to be of type boolean"),
            ("not(1)", "to be of type boolean"),
            ("if(1, 2, 3)", "to be of type boolean"),
            ("greater(1, 'a')", "matching types"),
            ("less(true, false)", "matching types"),
            ("equals(1)", "expects two parameters"),
            ("and()", "at least one parameter"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
