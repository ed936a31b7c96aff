//! The value model: what expressions produce and consume.
//!
//! A [`Value`] is JSON with three additions the service has: the integer / float / decimal
//! distinction, and binary content (bytes with a content type; XML travels this way too).
//! Strings, arrays, objects and binary content sit behind [`Arc`], so cloning a value —
//! handing a 10 MB response body to an expression, say — copies a pointer, never the data.

mod binary;
mod json;
pub(crate) mod number;
mod object;
mod text;

use std::fmt;
use std::sync::Arc;

pub use binary::Binary;
pub use json::{
    from_json_str, from_json_str_nested, to_json_string, to_json_string_pretty, MAX_RECORD_DEPTH,
    MAX_VALUE_DEPTH,
};
pub use number::format_double;
pub use object::Object;
pub use rust_decimal::Decimal;

/// A shared, immutable string.
pub type Str = Arc<str>;

/// A value of the expression language.
#[derive(Clone, Default)]
pub enum Value {
    /// `null`, and what a missing property reads as through `?`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer (`Integer` in the service's messages).
    Int(i64),
    /// A 64-bit float (`Float`).
    Float(f64),
    /// A .NET `System.Decimal`, as `decimal()` returns.
    Decimal(Decimal),
    /// A string.
    String(Str),
    /// An array.
    Array(Arc<Vec<Value>>),
    /// An object whose keys keep their insertion order.
    Object(Object),
    /// Bytes with a content type; XML values are binary with an XML content type.
    Binary(Arc<Binary>),
}

/// The type of a [`Value`], with the names the service uses in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `null`.
    Null,
    /// A boolean.
    Boolean,
    /// An integer.
    Integer,
    /// A float.
    Float,
    /// A decimal.
    Decimal,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// Binary content.
    Binary,
}

impl ValueType {
    /// The service's name for the type, as it appears in error messages.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Null => "Null",
            ValueType::Boolean => "Boolean",
            ValueType::Integer => "Integer",
            ValueType::Float => "Float",
            ValueType::Decimal => "Decimal",
            ValueType::String => "String",
            ValueType::Array => "Array",
            ValueType::Object => "Object",
            ValueType::Binary => "Binary",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Value {
    /// The type of this value.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Null => ValueType::Null,
            Value::Bool(_) => ValueType::Boolean,
            Value::Int(_) => ValueType::Integer,
            Value::Float(_) => ValueType::Float,
            Value::Decimal(_) => ValueType::Decimal,
            Value::String(_) => ValueType::String,
            Value::Array(_) => ValueType::Array,
            Value::Object(_) => ValueType::Object,
            Value::Binary(_) => ValueType::Binary,
        }
    }

    /// A string value.
    pub fn string(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    /// An array value.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    /// An object value.
    pub fn object(object: Object) -> Value {
        Value::Object(object)
    }

    /// A binary value.
    pub fn binary(binary: Binary) -> Value {
        Value::Binary(Arc::new(binary))
    }

    /// Is this `null`?
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float, if this is an integer, float or decimal.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(d),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The binary content, if this is binary.
    pub fn as_binary(&self) -> Option<&Binary> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// Is this a number (integer, float or decimal)?
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_) | Value::Decimal(_))
    }

    /// Reads a member the way the service's `.name` and `['name']` do: the exact key first,
    /// then the first key that matches without regard to case. Binary values expose their
    /// envelope members (`$content-type`, `$content`).
    pub fn member(&self, name: &str) -> Option<Value> {
        match self {
            Value::Object(o) => o.get_ci(name).cloned(),
            Value::Binary(b) => b.member(name),
            _ => None,
        }
    }

    /// The item at `index` of an array (no negative indexing, as in the service).
    pub fn index(&self, index: i64) -> Option<Value> {
        match self {
            Value::Array(a) => usize::try_from(index).ok().and_then(|i| a.get(i)).cloned(),
            _ => None,
        }
    }

    /// The text the service produces for this value inside `@{...}` and from `string()`:
    /// `""` for null, `True`/`False`, .NET number formatting, compact JSON for arrays and
    /// objects, and the decoded text of binary content.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        text::write_text(self, &mut out);
        out
    }

    /// Appends [`Value::to_text`] to `out` without an intermediate allocation.
    pub fn write_text(&self, out: &mut String) {
        text::write_text(self, out)
    }

    /// Builds a value from a `serde_json::Value`. Numbers keep their kind (integer or
    /// float); an integer beyond `i64` becomes a decimal when it fits, else a float; an
    /// object that is exactly a binary envelope (`$content-type` + base64 `$content`)
    /// becomes binary.
    pub fn from_json(json: &serde_json::Value) -> Value {
        json::from_serde(json)
    }

    /// Converts to a `serde_json::Value`. Binary becomes its envelope; a decimal becomes an
    /// integer when it is integral and fits 64 bits, else a float; a NaN or infinite float
    /// becomes the string `"NaN"` / `"Infinity"` / `"-Infinity"`, as the service writes them.
    pub fn to_json(&self) -> serde_json::Value {
        json::to_serde(self)
    }

    /// An approximate number of bytes this value holds (shared parts counted each time they
    /// are referenced). Used for result-size limits. Walks the value without recursion.
    pub fn approx_size(&self) -> usize {
        let mut total = 0usize;
        let mut pending: Vec<&Value> = vec![self];
        while let Some(v) = pending.pop() {
            total = total.saturating_add(match v {
                Value::String(s) => s.len(),
                Value::Array(a) => {
                    pending.extend(a.iter());
                    a.len()
                }
                Value::Object(o) => {
                    pending.extend(o.values());
                    o.keys().map(|k| k.len()).sum()
                }
                Value::Binary(b) => b.bytes().len(),
                _ => 8,
            });
        }
        total
    }

    /// How deeply arrays and objects nest inside this value (a scalar is 0, `[1]` is 1),
    /// counted up to `limit + 1` without recursion. Values deeper than 128 levels cannot be
    /// read back from JSON, so places that keep values (variables, action outputs) refuse
    /// them.
    pub fn nesting_depth(&self, limit: usize) -> usize {
        let mut deepest = 0usize;
        let mut pending: Vec<(&Value, usize)> = vec![(self, 0)];
        while let Some((v, depth)) = pending.pop() {
            let children: Box<dyn Iterator<Item = &Value>> = match v {
                Value::Array(a) => Box::new(a.iter()),
                Value::Object(o) => Box::new(o.values()),
                _ => continue,
            };
            let depth = depth + 1;
            deepest = deepest.max(depth);
            if deepest > limit {
                return deepest;
            }
            pending.extend(children.map(|c| (c, depth)));
        }
        deepest
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}f"),
            Value::Decimal(d) => write!(f, "{d}m"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Array(a) => f.debug_list().entries(a.iter()).finish(),
            Value::Object(o) => f.debug_map().entries(o.iter()).finish(),
            Value::Binary(b) => write!(f, "{b:?}"),
        }
    }
}

/// Compact JSON, as `string()` renders arrays and objects.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_json_string(self))
    }
}

/// Structural equality: same type and same contents (floats compare by value, object keys
/// by exact spelling and regardless of order). The language's `equals()` is looser; see
/// [`crate::functions`].
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Decimal(a), Value::Decimal(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => Arc::ptr_eq(a, b) || a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Binary(a), Value::Binary(b)) => a == b,
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i64::from(i))
    }
}

impl From<usize> for Value {
    fn from(i: usize) -> Value {
        Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Value {
        Value::Decimal(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Value {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::array(items)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(o)
    }
}

impl From<Binary> for Value {
    fn from(b: Binary) -> Value {
        Value::binary(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Value {
        Value::from_json(json)
    }
}

impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Value {
        Value::from_json(&json)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::array(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn cloning_shares_large_parts() {
        let big = Value::array((0..100_000).map(Value::from).collect());
        let copy = big.clone();
        match (&big, &copy) {
            (Value::Array(a), Value::Array(b)) => assert!(Arc::ptr_eq(a, b)),
            _ => unreachable!("both are arrays"),
        }
        let s = Value::from("x".repeat(1 << 20));
        let t = s.clone();
        match (&s, &t) {
            (Value::String(a), Value::String(b)) => assert!(Arc::ptr_eq(a, b)),
            _ => unreachable!("both are strings"),
        }
    }

    #[test]
    fn member_lookup_exact_then_case_insensitive() {
        let v = from_json_str(r#"{"a": 1, "A": 2, "bB": 3, "Bb": 4}"#).unwrap_or_default();
        assert_eq!(v.member("a"), Some(Value::Int(1)));
        assert_eq!(v.member("A"), Some(Value::Int(2)));
        assert_eq!(v.member("BB"), Some(Value::Int(3)));
        assert_eq!(v.member("c"), None);
    }

    #[test]
    fn nesting_depth_is_counted_without_recursion() {
        assert_eq!(Value::Int(1).nesting_depth(10), 0);
        let nested = (0..1_000).fold(Value::Int(1), |v, _| Value::array(vec![v]));
        assert_eq!(nested.nesting_depth(128), 129);
        assert_eq!(nested.nesting_depth(5_000), 1_000);
        assert!(nested.approx_size() > 1_000);
        let json = from_json_str(r#"{"a": [1, {"b": []}], "c": 2}"#).unwrap_or_default();
        assert_eq!(json.nesting_depth(10), 4);
    }

    #[test]
    fn index_rejects_negative_and_out_of_range() {
        let v = Value::array(vec![Value::Int(1)]);
        assert_eq!(v.index(0), Some(Value::Int(1)));
        assert_eq!(v.index(1), None);
        assert_eq!(v.index(-1), None);
    }
}
