//! Collection functions.

use super::{req, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::Value;

const LATER: &str = "planned in the function-library issue (collections)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "chunk",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY)), req("length", Ty::INT)],
        "Array",
        "Splits a string or an array into chunks of the given length; the last holds the rest.",
        "chunk('abcdefghijklmnopqrstuvwxyz', 10) → ['abcdefghij', 'klmnopqrst', 'uvwxyz']",
        chunk,
    ),
    Function::eager(
        "contains",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY).or(Ty::OBJECT)), req("value", Ty::ANY)],
        "Boolean",
        "Does a string hold a substring, an array an item, or an object a key? (case-sensitive)",
        "contains('hello world', 'world') → true",
        contains,
    ),
    Function::eager(
        "empty",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY).or(Ty::OBJECT).or(Ty::NULL))],
        "Boolean",
        "Is the string, array or object empty? (null counts as empty)",
        "empty('') → true",
        empty,
    ),
    Function::missing("first", Category::Collection, "The first item of a string or array.", LATER),
    Function::missing("intersection", Category::Collection, "The items present in every collection.", LATER),
    Function::missing(
        "join",
        Category::Collection,
        "Joins array items into a string with a delimiter.",
        LATER,
    ),
    Function::missing("last", Category::Collection, "The last item of a string or array.", LATER),
    Function::eager(
        "length",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY))],
        "Integer",
        "The number of characters in a string (UTF-16 units, as the service counts) or items in an array.",
        "length('abcd') → 4",
        length,
    ),
    Function::missing("reverse", Category::Collection, "The array in reverse order.", LATER),
    Function::missing("skip", Category::Collection, "The array without its first items.", LATER),
    Function::missing(
        "sort",
        Category::Collection,
        "The array sorted ascending, optionally by a key.",
        LATER,
    ),
    Function::missing("take", Category::Collection, "The first items of a string or array.", LATER),
    Function::missing(
        "union",
        Category::Collection,
        "All items of the collections, without duplicates.",
        LATER,
    ),
];

/// The length of a string as the service counts it: UTF-16 code units.
pub(crate) fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

fn length(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::String(s) => Ok(Value::from(utf16_len(s))),
        Value::Array(a) => Ok(Value::from(a.len())),
        _ => Err(args.type_error(0, "an array or a string")),
    }
}

fn empty(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match args.value(0) {
        Value::Null => Ok(Value::Bool(true)),
        Value::String(s) => Ok(Value::Bool(s.is_empty())),
        Value::Array(a) => Ok(Value::Bool(a.is_empty())),
        Value::Object(o) => Ok(Value::Bool(o.is_empty())),
        _ => Err(args.type_error(0, "an object, an array or a string")),
    }
}

fn contains(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let needle = args.value(1);
    match args.value(0) {
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            Ok(Value::Bool(s.contains(&*args.text(1))))
        }
        Value::Array(items) => {
            call.charge(items.len() as u64)?;
            Ok(Value::Bool(items.iter().any(|item| super::logical::loose_equals(item, needle))))
        }
        Value::Object(o) => Ok(Value::Bool(o.contains_key(&args.text(1)))),
        _ => Err(args.type_error(0, "a dictionary, an array or a string")),
    }
}

fn chunk(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let size = args.int(1)?;
    if size <= 0 {
        return Err(
            args.invalid(1, format!("expects its second parameter to be a positive integer; it was {size}."))
        );
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    match args.value(0) {
        Value::String(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            call.check_array_length(units.len().div_ceil(size))?;
            call.charge(units.len() as u64 / 16)?;
            Ok(units.chunks(size).map(|c| Value::from(String::from_utf16_lossy(c))).collect())
        }
        Value::Array(items) => {
            call.check_array_length(items.len().div_ceil(size))?;
            call.charge(items.len() as u64)?;
            Ok(items.chunks(size).map(|c| Value::array(c.to_vec())).collect())
        }
        _ => Err(args.type_error(0, "an array or a string")),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext};

    fn eval(text: &str) -> Result<String, String> {
        Engine::new().eval(text, &RunContext::default()).map(|v| v.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        for (text, expected) in [
            ("length('abcd')", "4"),
            ("length('😀')", "2"),
            ("length(createArray(0, 1, 2, 3))", "4"),
            ("empty('')", "true"),
            ("empty(null)", "true"),
            ("empty(json('{}'))", "true"),
            ("empty(json('[[]]'))", "false"),
            ("contains('hello world', 'world')", "true"),
            ("contains('hello world', 'World')", "false"),
            ("contains(createArray('a', 'b'), 'b')", "true"),
            ("contains(createArray(1, 2), 2.0)", "true"),
            ("contains(json('{\"a\": 1}'), 'a')", "true"),
            ("contains(json('{\"a\": 1}'), 'A')", "false"),
            ("chunk('abcdefghijklmnopqrstuvwxyz', 10)", r#"["abcdefghij","klmnopqrst","uvwxyz"]"#),
            ("chunk(createArray(1, 2, 3, 4, 5), 2)", "[[1,2],[3,4],[5]]"),
            ("chunk('', 3)", "[]"),
        ] {
            assert_eq!(eval(text).as_deref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("length(json('{}'))", "be an array or a string"),
            ("length(null)", "be an array or a string"),
            ("empty(1)", "be an object, an array or a string"),
            ("empty()", "expects one parameter"),
            ("contains(1, 1)", "a dictionary, an array or a string"),
            ("chunk('abc', 0)", "positive integer"),
            ("chunk(1, 1)", "an array or a string"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }
}
