//! Collection functions.
//!
//! `union` and `intersection` work as .NET's `Enumerable.Union` / `Intersect` with JSON
//! equality: the result has no duplicates and keeps the order in which items are first
//! seen; items are equal when they have the same type and the same contents (`1` and `1.0`
//! differ, as do `1` and `true`). On objects they work on members: a later collection's
//! value wins, and the position of the first occurrence is kept.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::string::{utf16_len, utf16_slice};
use super::{opt, req, rest, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

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
    Function::eager(
        "first",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY))],
        "Any",
        "The first item of an array (null if empty) or the first character of a string.",
        "first('hello') → 'h'",
        first,
    ),
    Function::eager(
        "intersection",
        Category::Collection,
        &[req("collection1", Ty::ARRAY.or(Ty::OBJECT)), rest("collection", Ty::ARRAY.or(Ty::OBJECT))],
        "Array or Object",
        "The items (or members) present in every collection, without duplicates, in first-seen order.",
        "intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10)) → [1, 2]",
        intersection,
    ),
    Function::eager(
        "join",
        Category::Collection,
        &[req("collection", Ty::ARRAY), req("delimiter", Ty::STRING)],
        "String",
        "Joins the items of an array into a string with a delimiter; items are converted to text.",
        "join(createArray('a', 'b', 'c'), '.') → 'a.b.c'",
        join,
    ),
    Function::eager(
        "last",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY))],
        "Any",
        "The last item of an array (null if empty) or the last character of a string.",
        "last(createArray(0, 1, 2, 3)) → 3",
        last,
    ),
    Function::eager(
        "length",
        Category::Collection,
        &[req("collection", Ty::STRING.or(Ty::ARRAY))],
        "Integer",
        "The number of characters in a string (UTF-16 units, as the service counts) or items in an array.",
        "length('abcd') → 4",
        length,
    ),
    Function::eager(
        "reverse",
        Category::Collection,
        &[req("collection", Ty::ARRAY)],
        "Array",
        "The array in reverse order.",
        "reverse(createArray(0, 1, 2, 3)) → [3, 2, 1, 0]",
        reverse,
    ),
    Function::eager(
        "skip",
        Category::Collection,
        &[req("collection", Ty::ARRAY.or(Ty::STRING)), req("count", Ty::INT)],
        "Array or String",
        "The array (or string) without its first count items.",
        "skip(createArray(0, 1, 2, 3), 1) → [1, 2, 3]",
        skip,
    ),
    Function::eager(
        "sort",
        Category::Collection,
        &[req("collection", Ty::ARRAY), opt("sortBy", Ty::STRING)],
        "Array",
        "The array sorted ascending (numbers, strings or booleans), or objects sorted by the value of a key.",
        "sort(createArray(2, 1, 0, 3)) → [0, 1, 2, 3]",
        sort,
    ),
    Function::eager(
        "take",
        Category::Collection,
        &[req("collection", Ty::ARRAY.or(Ty::STRING)), req("count", Ty::INT)],
        "Array or String",
        "The first count items of an array (or characters of a string).",
        "take('abcde', 3) → 'abc'",
        take,
    ),
    Function::eager(
        "union",
        Category::Collection,
        &[req("collection1", Ty::ARRAY.or(Ty::OBJECT)), rest("collection", Ty::ARRAY.or(Ty::OBJECT))],
        "Array or Object",
        "All items (or members) of the collections, without duplicates, in first-seen order; later members win.",
        "union(createArray(1, 2, 3), createArray(1, 2, 10, 101)) → [1, 2, 3, 10, 101]",
        union,
    ),
];

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

/// `first` and `last`: an empty array gives null, an empty string `''`.
fn end_item(args: &Args<'_>, last: bool) -> Result<Value> {
    match args.value(0) {
        Value::Array(items) => {
            Ok(if last { items.last() } else { items.first() }.cloned().unwrap_or_default())
        }
        Value::String(s) => {
            let len = utf16_len(s);
            let at = if last { len.saturating_sub(1) } else { 0 };
            Ok(Value::from(utf16_slice(s, at, (at + 1).min(len)).into_owned()))
        }
        _ => Err(args.type_error(0, "an array or a string")),
    }
}

fn first(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    end_item(&args, false)
}

fn last(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    end_item(&args, true)
}

fn join(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let items = args.array(0)?;
    let delimiter = args.str(1)?;
    call.charge(items.len() as u64)?;
    // Every piece and the final size first: the result is built only when it fits.
    let mut pieces: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(items.len());
    let mut len = delimiter.len().saturating_mul(items.len().saturating_sub(1));
    call.check_string_length(len)?;
    for item in items.iter() {
        let piece = match item {
            Value::Binary(b) => {
                super::conversion::binary_text(b).map_err(|e| args.invalid(0, format!("failed: {e}")))?
            }
            other => super::conversion::text_piece(other),
        };
        len = len.saturating_add(piece.len());
        call.check_string_length(len)?;
        pieces.push(piece);
    }
    call.charge(len as u64 / 64)?;
    let mut out = String::with_capacity(len);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(delimiter);
        }
        out.push_str(piece);
    }
    Ok(Value::from(out))
}

fn reverse(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let items = match args.value(0) {
        Value::Array(items) => items,
        _ => return Err(args.type_error(0, "an array")),
    };
    call.charge(items.len() as u64)?;
    Ok(items.iter().rev().cloned().collect())
}

/// The count argument of `skip` and `take`: an integer, zero or more.
fn count(args: &Args<'_>) -> Result<usize> {
    let n = args.int(1)?;
    usize::try_from(n).map_err(|_| {
        args.invalid(
            1,
            format!("expects its second parameter to be a positive integer. The provided value is '{n}'."),
        )
    })
}

fn skip(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let n = count(&args)?;
    match args.value(0) {
        Value::Array(items) => {
            let rest = items.get(n..).unwrap_or_default();
            call.charge(rest.len() as u64)?;
            Ok(Value::array(rest.to_vec()))
        }
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            Ok(Value::from(utf16_slice(s, n, usize::MAX).into_owned()))
        }
        _ => Err(args.type_error(0, "an array or a string")),
    }
}

fn take(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let n = count(&args)?;
    match args.value(0) {
        Value::Array(items) => {
            let head = &items[..n.min(items.len())];
            call.charge(head.len() as u64)?;
            Ok(Value::array(head.to_vec()))
        }
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            Ok(Value::from(utf16_slice(s, 0, n).into_owned()))
        }
        _ => Err(args.type_error(0, "an array or a string")),
    }
}

/// What `sort` can order: every item (or every key value) must be of one of these kinds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SortKind {
    Number,
    String,
    Bool,
}

fn sort_kind(value: &Value) -> Option<SortKind> {
    match value {
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) => Some(SortKind::Number),
        Value::String(_) => Some(SortKind::String),
        Value::Bool(_) => Some(SortKind::Bool),
        _ => None,
    }
}

/// A total order on sortable values of one kind (so sorting can never misbehave):
/// numbers by value (NaN last), then by kind for values that are equal as floats; strings
/// ordinally by UTF-16 code unit, as .NET compares them; `false` before `true`.
fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            if x.is_ascii() && y.is_ascii() {
                x.as_bytes().cmp(y.as_bytes())
            } else {
                x.encode_utf16().cmp(y.encode_utf16())
            }
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Decimal(x), Value::Decimal(y)) => x.cmp(y),
        _ => {
            let approx = |v: &Value| {
                let f = v.as_f64().unwrap_or(f64::NAN);
                // One zero and one NaN, so that equal values compare equal.
                if f == 0.0 {
                    0.0
                } else if f.is_nan() {
                    f64::NAN
                } else {
                    f
                }
            };
            let rank = |v: &Value| match v {
                Value::Int(_) => 0,
                Value::Decimal(_) => 1,
                _ => 2,
            };
            approx(a).total_cmp(&approx(b)).then(rank(a).cmp(&rank(b))).then_with(|| match (a, b) {
                (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
                (Value::Int(x), Value::Int(y)) => x.cmp(y),
                (Value::Decimal(x), Value::Decimal(y)) => x.cmp(y),
                _ => Ordering::Equal,
            })
        }
    }
}

fn sort(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let items = args.array(0)?;
    let key = args.opt_str(1)?;
    call.charge(items.len() as u64 * 4)?;
    let mut keyed: Vec<(Value, &Value)> = Vec::with_capacity(items.len());
    let mut kind = None;
    for (i, item) in items.iter().enumerate() {
        let value = match key {
            None => item.clone(),
            Some(k) => match item {
                Value::Object(o) => o.get_ci(k).cloned().ok_or_else(|| {
                    args.invalid(
                        1,
                        format!("cannot sort by '{k}': item {i} of the array has no such property."),
                    )
                })?,
                other => {
                    return Err(args.invalid(
                        0,
                        format!(
                            "expects an array of objects when a sort key is given; item {i} is of type '{}'.",
                            other.value_type()
                        ),
                    ))
                }
            },
        };
        let this = sort_kind(&value).ok_or_else(|| {
            let what = key.map_or_else(|| format!("item {i}"), |k| format!("the '{k}' value of item {i}"));
            args.invalid(
                0,
                format!(
                    "can only sort integers, floats, strings and booleans; {what} is of type '{}'.",
                    value.value_type()
                ),
            )
        })?;
        match kind {
            None => kind = Some(this),
            Some(k) if k != this => {
                return Err(args.invalid(
                    0,
                    format!(
                        "expects the values to sort to be of one type; {} is of type '{}' and an earlier one is not.",
                        key.map_or_else(|| format!("item {i}"), |k| format!("the '{k}' value of item {i}")),
                        value.value_type()
                    ),
                ))
            }
            _ => {}
        }
        keyed.push((value, item));
    }
    keyed.sort_by(|a, b| sort_cmp(&a.0, &b.0));
    Ok(keyed.into_iter().map(|(_, item)| item.clone()).collect())
}

// ---------------------------------------------------------------------------------------
// union and intersection

/// A hash consistent with `Value`'s structural equality (`==`): same type and contents,
/// object members in any order.
fn hash_value(value: &Value, h: &mut impl Hasher) {
    std::mem::discriminant(value).hash(h);
    match value {
        Value::Null => {}
        Value::Bool(b) => b.hash(h),
        Value::Int(i) => i.hash(h),
        // 0.0 == -0.0, so both hash alike.
        Value::Float(f) => (if *f == 0.0 { 0.0f64 } else { *f }).to_bits().hash(h),
        // 1.0m == 1.00m, so hash the normalized form.
        Value::Decimal(d) => d.normalize().hash(h),
        Value::String(s) => s.hash(h),
        Value::Array(items) => {
            items.len().hash(h);
            for item in items.iter() {
                hash_value(item, h);
            }
        }
        Value::Object(o) => {
            // Order-independent: combine the members' hashes commutatively.
            let mut sum = 0u64;
            for (k, v) in o.iter() {
                let mut inner = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut inner);
                hash_value(v, &mut inner);
                sum = sum.wrapping_add(inner.finish());
            }
            o.len().hash(h);
            sum.hash(h);
        }
        Value::Binary(b) => {
            b.content_type().hash(h);
            b.bytes().hash(h);
        }
    }
}

/// A set of values with structural equality, remembering insertion order.
#[derive(Default)]
struct ValueSet<'a> {
    buckets: HashMap<u64, Vec<&'a Value>>,
}

impl<'a> ValueSet<'a> {
    fn hash(value: &Value) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_value(value, &mut h);
        h.finish()
    }

    fn contains(&self, value: &Value) -> bool {
        self.buckets.get(&Self::hash(value)).is_some_and(|b| b.contains(&value))
    }

    /// Adds a value; false if it was there already.
    fn insert(&mut self, value: &'a Value) -> bool {
        let bucket = self.buckets.entry(Self::hash(value)).or_default();
        if bucket.contains(&value) {
            return false;
        }
        bucket.push(value);
        true
    }
}

enum Collections<'v> {
    Arrays(Vec<&'v [Value]>),
    Objects(Vec<&'v Object>),
}

/// The arguments of `union` / `intersection`: all arrays or all objects.
fn collections<'v>(args: &Args<'v>) -> Result<Collections<'v>> {
    let same_type = |i: usize| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "The template language function '{}' expects parameters of same type: the first is of type '{}' and the {} is of type '{}'.",
                args.function,
                args.value(0).value_type(),
                super::ordinal(i),
                args.value(i).value_type()
            ),
        )
        .with_span(args.span(i))
    };
    match args.value(0) {
        Value::Array(_) => {
            let mut out = Vec::with_capacity(args.len());
            for (i, v) in args.all().iter().enumerate() {
                out.push(v.as_array().ok_or_else(|| same_type(i))?);
            }
            Ok(Collections::Arrays(out))
        }
        Value::Object(_) => {
            let mut out = Vec::with_capacity(args.len());
            for (i, v) in args.all().iter().enumerate() {
                out.push(v.as_object().ok_or_else(|| same_type(i))?);
            }
            Ok(Collections::Objects(out))
        }
        _ => Err(args.type_error(0, "an array or an object")),
    }
}

fn union(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match collections(&args)? {
        Collections::Arrays(arrays) => {
            let mut seen = ValueSet::default();
            let mut out = Vec::new();
            for items in arrays {
                call.charge(items.len() as u64)?;
                for item in items {
                    if seen.insert(item) {
                        out.push(item.clone());
                    }
                }
            }
            Ok(Value::array(out))
        }
        Collections::Objects(objects) => {
            let mut out = objects[0].clone();
            for o in &objects[1..] {
                call.charge(o.len() as u64)?;
                for (k, v) in o.iter() {
                    out.insert(k.clone(), v.clone());
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn intersection(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    match collections(&args)? {
        Collections::Arrays(arrays) => {
            let others: Vec<ValueSet<'_>> = arrays[1..]
                .iter()
                .map(|items| {
                    let mut set = ValueSet::default();
                    for item in items.iter() {
                        set.insert(item);
                    }
                    set
                })
                .collect();
            call.charge(arrays.iter().map(|a| a.len() as u64).sum())?;
            let mut seen = ValueSet::default();
            let mut out = Vec::new();
            for item in arrays[0] {
                if others.iter().all(|set| set.contains(item)) && seen.insert(item) {
                    out.push(item.clone());
                }
            }
            Ok(Value::array(out))
        }
        Collections::Objects(objects) => {
            call.charge(objects.iter().map(|o| o.len() as u64).sum())?;
            let out: Object = objects[0]
                .iter()
                .filter(|(k, v)| objects[1..].iter().all(|o| o.get(k).is_some_and(|w| w == *v)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_agree_with_equality() {
        let parse = |s: &str| crate::value::from_json_str(s).unwrap_or_default();
        let h = |v: &Value| ValueSet::hash(v);
        assert_eq!(h(&parse(r#"{"a":1,"b":[true,null]}"#)), h(&parse(r#"{"b":[true,null],"a":1}"#)));
        assert_eq!(h(&Value::Float(0.0)), h(&Value::Float(-0.0)));
        let one: crate::value::Decimal = "1.0".parse().unwrap_or_default();
        let one_more: crate::value::Decimal = "1.00".parse().unwrap_or_default();
        assert_eq!(h(&Value::Decimal(one)), h(&Value::Decimal(one_more)));
        let mut set = ValueSet::default();
        let (a, b, c) = (Value::Int(1), Value::Float(1.0), Value::Int(1));
        assert!(set.insert(&a));
        assert!(set.insert(&b));
        assert!(!set.insert(&c));
    }

    #[test]
    fn sort_order_is_total() {
        let values = [
            Value::Int(9_007_199_254_740_993),
            Value::Float(9_007_199_254_740_992.0),
            Value::Int(9_007_199_254_740_992),
            Value::Float(f64::NAN),
            Value::Float(-0.0),
            Value::Int(0),
        ];
        for a in &values {
            assert_eq!(sort_cmp(a, a), Ordering::Equal);
            for b in &values {
                assert_eq!(sort_cmp(a, b), sort_cmp(b, a).reverse());
                for c in &values {
                    if sort_cmp(a, b) != Ordering::Greater && sort_cmp(b, c) != Ordering::Greater {
                        assert_ne!(sort_cmp(a, c), Ordering::Greater, "{a:?} {b:?} {c:?}");
                    }
                }
            }
        }
    }
}
