//! Math functions: `add`, `div`, `max`, `min`, `mod`, `mul`, `rand`, `range`, `sub`.
//!
//! Integer with integer gives an integer (division truncates; overflow is an error, never
//! a wrap); a float on either side gives a float; a decimal on either side gives a decimal.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::{req, rest, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Decimal, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "add",
        Category::Math,
        &[req("summand_1", Ty::NUMBER), req("summand_2", Ty::NUMBER)],
        "Integer, Float or Decimal",
        "The sum of two numbers.",
        "add(1, 1.5) → 2.5",
        add,
    ),
    Function::eager(
        "div",
        Category::Math,
        &[req("dividend", Ty::NUMBER), req("divisor", Ty::NUMBER)],
        "Integer, Float or Decimal",
        "The quotient; integer division truncates, and the divisor cannot be 0.",
        "div(11, 5) → 2",
        div,
    ),
    Function::eager(
        "max",
        Category::Math,
        &[rest("number", Ty::NUMBER.or(Ty::ARRAY))],
        "Integer, Float or Decimal",
        "The largest of the numbers given, or of the numbers in one array.",
        "max(createArray(1, 2, 3)) → 3",
        max,
    ),
    Function::eager(
        "min",
        Category::Math,
        &[rest("number", Ty::NUMBER.or(Ty::ARRAY))],
        "Integer, Float or Decimal",
        "The smallest of the numbers given, or of the numbers in one array.",
        "min(1, 2, 3) → 1",
        min,
    ),
    Function::eager(
        "mod",
        Category::Math,
        &[req("dividend", Ty::NUMBER), req("divisor", Ty::NUMBER)],
        "Integer, Float or Decimal",
        "The remainder of a division; it has the sign of the dividend.",
        "mod(-5, 2) → -1",
        modulo,
    ),
    Function::eager(
        "mul",
        Category::Math,
        &[req("multiplicand_1", Ty::NUMBER), req("multiplicand_2", Ty::NUMBER)],
        "Integer, Float or Decimal",
        "The product of two numbers.",
        "mul(1.5, 2) → 3.0",
        mul,
    ),
    Function::eager(
        "rand",
        Category::Math,
        &[req("minValue", Ty::INT), req("maxValue", Ty::INT)],
        "Integer",
        "A random integer from minValue (inclusive) to maxValue (exclusive).",
        "rand(1, 5) → 3",
        rand,
    ),
    Function::eager(
        "range",
        Category::Math,
        &[req("startIndex", Ty::INT), req("count", Ty::INT)],
        "Array",
        "An array of count consecutive integers from startIndex (count ≤ 100,000).",
        "range(1, 4) → [1, 2, 3, 4]",
        range,
    ),
    Function::eager(
        "sub",
        Category::Math,
        &[req("minuend", Ty::NUMBER), req("subtrahend", Ty::NUMBER)],
        "Integer, Float or Decimal",
        "The difference of two numbers.",
        "sub(10.3, .3) → 10.0",
        sub,
    ),
];

/// A number argument.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
    Decimal(Decimal),
}

impl Num {
    pub(crate) fn of(value: &Value) -> Option<Num> {
        match value {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) => Some(Num::Float(*f)),
            Value::Decimal(d) => Some(Num::Decimal(*d)),
            _ => None,
        }
    }

    fn to_decimal(self) -> Option<Decimal> {
        match self {
            Num::Int(i) => Some(Decimal::from(i)),
            Num::Decimal(d) => Some(d),
            // Through the shortest text, so 0.1 becomes 0.1 and not 0.1000000000000000055...
            Num::Float(f) => crate::value::format_double(f).parse().ok().or_else(|| Decimal::from_f64(f)),
        }
    }

    fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
            Num::Decimal(d) => d.to_f64().unwrap_or(f64::NAN),
        }
    }
}

pub(crate) fn number(args: &Args<'_>, index: usize) -> Result<Num> {
    Num::of(args.value(index)).ok_or_else(|| args.type_error(index, "an integer or a decimal number"))
}

fn overflow(call: &Call<'_, '_>, what: &str) -> Error {
    Error::new(
        ErrorKind::Evaluation,
        format!("The template language function '{}' failed: {what}.", call.name()),
    )
}

type IntOp = fn(i64, i64) -> Option<i64>;
type DecOp = fn(Decimal, Decimal) -> Option<Decimal>;
type FloatOp = fn(f64, f64) -> f64;

fn arithmetic(call: &Call<'_, '_>, args: &Args<'_>, int: IntOp, dec: DecOp, float: FloatOp) -> Result<Value> {
    let (a, b) = (number(args, 0)?, number(args, 1)?);
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => int(x, y)
            .map(Value::Int)
            .ok_or_else(|| overflow(call, "the result does not fit in a 64-bit integer")),
        (Num::Decimal(_), _) | (_, Num::Decimal(_)) => {
            let (Some(x), Some(y)) = (a.to_decimal(), b.to_decimal()) else {
                return Err(overflow(call, "the value cannot be represented as a decimal"));
            };
            dec(x, y)
                .map(Value::Decimal)
                .ok_or_else(|| overflow(call, "the result is outside the range of a decimal"))
        }
        _ => Ok(Value::Float(float(a.to_f64(), b.to_f64()))),
    }
}

fn add(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    arithmetic(call, &args, i64::checked_add, Decimal::checked_add, |x, y| x + y)
}

fn sub(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    arithmetic(call, &args, i64::checked_sub, Decimal::checked_sub, |x, y| x - y)
}

fn mul(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    arithmetic(call, &args, i64::checked_mul, Decimal::checked_mul, |x, y| x * y)
}

fn is_zero(n: Num) -> bool {
    match n {
        Num::Int(i) => i == 0,
        Num::Float(f) => f == 0.0,
        Num::Decimal(d) => d.is_zero(),
    }
}

fn div(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    if is_zero(number(&args, 1)?) {
        return Err(args.invalid(1, "cannot divide by zero: the divisor must not be 0."));
    }
    arithmetic(call, &args, i64::checked_div, Decimal::checked_div, |x, y| x / y)
}

fn modulo(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    if is_zero(number(&args, 1)?) {
        return Err(args.invalid(1, "cannot divide by zero: the divisor must not be 0."));
    }
    arithmetic(call, &args, i64::checked_rem, Decimal::checked_rem, |x, y| x % y)
}

fn extreme(call: &mut Call<'_, '_>, args: Args<'_>, want: std::cmp::Ordering) -> Result<Value> {
    let items: &[Value] = match args.all() {
        [Value::Array(items)] => items,
        all => all,
    };
    call.charge(items.len() as u64)?;
    let mut best: Option<&Value> = None;
    for (i, item) in items.iter().enumerate() {
        if !item.is_number() {
            let index = if args.len() == 1 { 0 } else { i };
            return Err(args.invalid(
                index,
                format!(
                    "expects numbers or one array of numbers; item {i} is of type '{}'.",
                    item.value_type()
                ),
            ));
        }
        best = match best {
            Some(b) if super::logical::compare_numbers(item, b) != Some(want) => Some(b),
            _ => Some(item),
        };
    }
    best.cloned().ok_or_else(|| args.invalid(0, "expects at least one number; the array is empty."))
}

fn max(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    extreme(call, args, std::cmp::Ordering::Greater)
}

fn min(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    extreme(call, args, std::cmp::Ordering::Less)
}

fn rand(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (lo, hi) = (args.int(0)?, args.int(1)?);
    if lo >= hi {
        return Err(args
            .invalid(1, format!("expects the minimum value {lo} to be less than the maximum value {hi}.")));
    }
    Ok(Value::Int(fastrand::i64(lo..hi)))
}

/// The service's bounds for `range`.
const RANGE_MAX_COUNT: i64 = 100_000;
const RANGE_MAX_END: i64 = i32::MAX as i64;

fn range(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (start, count) = (args.int(0)?, args.int(1)?);
    if !(0..=RANGE_MAX_COUNT).contains(&count) {
        return Err(args.invalid(
            1,
            format!("expects the count to be a positive integer no greater than {RANGE_MAX_COUNT}; it was {count}."),
        ));
    }
    if start.checked_add(count).is_none_or(|end| end > RANGE_MAX_END) {
        return Err(args.invalid(
            0,
            format!("expects the sum of the start index and the count to be at most {RANGE_MAX_END}."),
        ));
    }
    call.check_array_length(count as usize)?;
    call.charge(count as u64)?;
    Ok(Value::array((start..start + count).map(Value::Int).collect()))
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext, Value};

    fn eval(text: &str) -> Result<Value, String> {
        Engine::new().eval(text, &RunContext::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        let cases: Vec<(&str, Value)> = vec![
            ("add(1, 1)", Value::Int(2)),
            ("add(1, 1.5)", Value::Float(2.5)),
            ("add(4294967295, 1)", Value::Int(4294967296)),
            ("sub(10.3, .3)", Value::Float(10.0)),
            ("sub(1, 3)", Value::Int(-2)),
            ("mul(1.5, 2)", Value::Float(3.0)),
            ("mul(2e200, 2e200)", Value::Float(f64::INFINITY)),
            ("div(11, 5)", Value::Int(2)),
            ("div(-11, 5)", Value::Int(-2)),
            ("div(11, 5.0)", Value::Float(2.2)),
            ("mod(-5, 2)", Value::Int(-1)),
            ("mod(4, -3)", Value::Int(1)),
            ("mod(5.5, 2)", Value::Float(1.5)),
            ("max(1, 2, 3)", Value::Int(3)),
            ("max(createArray(1, 2.5, 2))", Value::Float(2.5)),
            ("min(3, 1.0, 2)", Value::Float(1.0)),
            ("rand(1, 2)", Value::Int(1)),
            ("range(1, 4)", Value::array(vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)])),
            ("range(5, 0)", Value::array(vec![])),
        ];
        for (text, expected) in cases {
            assert_eq!(eval(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rand_stays_in_bounds() {
        for _ in 0..200 {
            let v = eval("rand(-3, 4)").ok().and_then(|v| v.as_i64()).unwrap_or(99);
            assert!((-3..4).contains(&v), "{v}");
        }
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("add(9223372036854775807, 1)", "64-bit integer"),
            ("mul(4294967295, 4294967295)", "64-bit integer"),
            ("sub(-9223372036854775808, 1)", "64-bit integer"),
            ("div(-9223372036854775808, -1)", "64-bit integer"),
            ("div(0, 0)", "divide by zero"),
            ("div(1.5, 0.0)", "divide by zero"),
            ("mod(1, 0)", "divide by zero"),
            ("add('1', 2)", "first parameter to be an integer or a decimal number"),
            ("add(1)", "expects two parameters"),
            ("max(json('[]'))", "empty"),
            ("max(1, 'a')", "type 'String'"),
            ("rand(5, 5)", "less than"),
            ("range(1, 100001)", "count"),
            ("range(1, -1)", "count"),
            ("range(2147483647, 1)", "2147483647"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
