//! Workflow variables: declared once at the top level with a type, global to the run and
//! shared by every branch and loop iteration. Every change happens under one lock, so
//! increments and appends from parallel iterations are never lost.

use std::sync::Mutex;

use crate::value::{Object, Str, Value};

use super::definition::limits;

/// The type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarType {
    Boolean,
    Integer,
    Float,
    String,
    Object,
    Array,
}

impl VarType {
    pub fn parse(text: &str) -> Option<VarType> {
        Some(match text.to_ascii_lowercase().as_str() {
            "boolean" | "bool" => VarType::Boolean,
            "integer" | "int" => VarType::Integer,
            "float" => VarType::Float,
            "string" => VarType::String,
            "object" => VarType::Object,
            "array" => VarType::Array,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            VarType::Boolean => "Boolean",
            VarType::Integer => "Integer",
            VarType::Float => "Float",
            VarType::String => "String",
            VarType::Object => "Object",
            VarType::Array => "Array",
        }
    }

    /// The value a variable declared without one starts with.
    fn initial(self) -> Value {
        match self {
            VarType::Boolean => Value::Bool(false),
            VarType::Integer => Value::Int(0),
            VarType::Float => Value::Float(0.0),
            VarType::String => Value::from(""),
            VarType::Object => Value::Object(Object::new()),
            VarType::Array => Value::array(Vec::new()),
        }
    }

    /// The value as stored in a variable of this type, or `None` when the type does not
    /// fit. A `float` variable takes integers (stored as floats); null is accepted for every
    /// type, as the service does.
    fn coerce(self, value: Value) -> Option<Value> {
        Some(match (self, value) {
            (_, Value::Null) => Value::Null,
            (VarType::Boolean, v @ Value::Bool(_)) => v,
            (VarType::Integer, v @ Value::Int(_)) => v,
            (VarType::Float, Value::Int(i)) => Value::Float(i as f64),
            (VarType::Float, v @ (Value::Float(_) | Value::Decimal(_))) => v,
            (VarType::String, v @ Value::String(_)) => v,
            (VarType::Object, v @ Value::Object(_)) => v,
            (VarType::Array, v @ Value::Array(_)) => v,
            _ => return None,
        })
    }
}

struct Var {
    ty: VarType,
    value: Value,
}

/// The variables of a run.
#[derive(Default)]
pub(crate) struct Variables {
    vars: Mutex<indexmap::IndexMap<Str, Var>>,
}

fn type_error(name: &str, ty: VarType, value: &Value) -> String {
    format!(
        "The variable '{name}' of type '{}' cannot be initialized or updated with a value of type '{}'. The variable '{name}' only supports values of type '{}'.",
        ty.name(),
        value.value_type(),
        ty.name()
    )
}

fn not_initialized(name: &str) -> String {
    format!("The variable '{name}' is not initialized: add an InitializeVariable action that runs before this one.")
}

fn check_size(name: &str, value: &Value) -> Result<(), String> {
    if let Value::Array(a) = value {
        if a.len() > limits::MAX_ARRAY_VARIABLE_ITEMS {
            return Err(format!(
                "The array variable '{name}' would hold {} items; the limit is {}.",
                a.len(),
                limits::MAX_ARRAY_VARIABLE_ITEMS
            ));
        }
    }
    let depth = value.nesting_depth(limits::MAX_VALUE_DEPTH);
    if depth > limits::MAX_VALUE_DEPTH {
        return Err(format!(
            "The value of variable '{name}' nests arrays and objects more than {} levels deep.",
            limits::MAX_VALUE_DEPTH
        ));
    }
    let size = value.approx_size();
    if size > limits::MAX_VARIABLE_SIZE {
        return Err(format!(
            "The value of variable '{name}' is about {size} characters; the limit is {}.",
            limits::MAX_VARIABLE_SIZE
        ));
    }
    Ok(())
}

impl Variables {
    fn lock(&self) -> std::sync::MutexGuard<'_, indexmap::IndexMap<Str, Var>> {
        // A poisoned lock only means another thread panicked mid-update; the map itself is
        // still consistent (every update is a single insert), so keep using it.
        self.vars.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn key(map: &indexmap::IndexMap<Str, Var>, name: &str) -> Option<usize> {
        map.get_index_of(name).or_else(|| map.keys().position(|k| k.eq_ignore_ascii_case(name)))
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        let map = self.lock();
        Self::key(&map, name).map(|i| map[i].value.clone())
    }

    pub fn snapshot(&self) -> Object {
        self.lock().iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()
    }

    pub fn initialize(&self, name: &str, ty: VarType, value: Option<Value>) -> Result<Value, String> {
        let value = match value {
            None => ty.initial(),
            Some(v) => ty.coerce(v.clone()).ok_or_else(|| type_error(name, ty, &v))?,
        };
        check_size(name, &value)?;
        let mut map = self.lock();
        if Self::key(&map, name).is_some() {
            return Err(format!(
                "The variable '{name}' has already been initialized; a variable is initialized once per run."
            ));
        }
        map.insert(Str::from(name), Var { ty, value: value.clone() });
        Ok(value)
    }

    pub fn set(&self, name: &str, value: Value) -> Result<Value, String> {
        let mut map = self.lock();
        let i = Self::key(&map, name).ok_or_else(|| not_initialized(name))?;
        let var = &mut map[i];
        let value = var.ty.coerce(value.clone()).ok_or_else(|| type_error(name, var.ty, &value))?;
        check_size(name, &value)?;
        var.value = value.clone();
        Ok(value)
    }

    /// Adds `delta` (negative for DecrementVariable) to a numeric variable.
    pub fn add(&self, name: &str, delta: &Value, decrement: bool) -> Result<Value, String> {
        let verb = if decrement { "decremented" } else { "incremented" };
        let mut map = self.lock();
        let i = Self::key(&map, name).ok_or_else(|| not_initialized(name))?;
        let var = &mut map[i];
        let new = match (&var.value, delta) {
            (Value::Int(a), Value::Int(b)) if var.ty == VarType::Integer => {
                let r = if decrement { a.checked_sub(*b) } else { a.checked_add(*b) };
                Value::Int(
                    r.ok_or_else(|| format!("The variable '{name}' would overflow a 64-bit integer."))?,
                )
            }
            (a, b) if var.ty == VarType::Float && a.is_number() && b.is_number() => {
                let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                Value::Float(if decrement { a - b } else { a + b })
            }
            (Value::Null, b) if b.is_number() && matches!(var.ty, VarType::Integer | VarType::Float) => {
                return Err(format!("The variable '{name}' is null and cannot be {verb}."));
            }
            (_, b) if !b.is_number() => {
                return Err(format!(
                    "The value to add to variable '{name}' must be a number, not {}.",
                    b.value_type()
                ));
            }
            _ if var.ty == VarType::Integer => {
                return Err(format!(
                    "The variable '{name}' of type 'Integer' can only be {verb} by an integer, not by a {}.",
                    delta.value_type()
                ))
            }
            _ => {
                return Err(format!(
                "The variable '{name}' of type '{}' cannot be {verb}: only Integer and Float variables can.",
                var.ty.name()
            ))
            }
        };
        var.value = new.clone();
        Ok(new)
    }

    pub fn append_array(&self, name: &str, item: Value) -> Result<(), String> {
        let mut map = self.lock();
        let i = Self::key(&map, name).ok_or_else(|| not_initialized(name))?;
        let var = &mut map[i];
        if var.ty != VarType::Array {
            return Err(format!(
                "AppendToArrayVariable works on Array variables; the variable '{name}' is of type '{}'.",
                var.ty.name()
            ));
        }
        let mut value = std::mem::take(&mut var.value);
        let items = match &mut value {
            Value::Array(a) => std::sync::Arc::make_mut(a),
            _ => {
                value = Value::array(Vec::new());
                match &mut value {
                    Value::Array(a) => std::sync::Arc::make_mut(a),
                    _ => return Err(format!("The variable '{name}' is not an array.")),
                }
            }
        };
        let result = if items.len() >= limits::MAX_ARRAY_VARIABLE_ITEMS {
            Err(format!(
                "The array variable '{name}' already holds {} items, the limit.",
                limits::MAX_ARRAY_VARIABLE_ITEMS
            ))
        } else {
            items.push(item);
            Ok(())
        };
        var.value = value;
        result
    }

    pub fn append_string(&self, name: &str, text: &str) -> Result<(), String> {
        let mut map = self.lock();
        let i = Self::key(&map, name).ok_or_else(|| not_initialized(name))?;
        let var = &mut map[i];
        if var.ty != VarType::String {
            return Err(format!(
                "AppendToStringVariable works on String variables; the variable '{name}' is of type '{}'.",
                var.ty.name()
            ));
        }
        let current = var.value.as_str().unwrap_or("");
        if current.len() + text.len() > limits::MAX_VARIABLE_SIZE {
            return Err(format!(
                "The string variable '{name}' would be longer than {} characters.",
                limits::MAX_VARIABLE_SIZE
            ));
        }
        let mut s = String::with_capacity(current.len() + text.len());
        s.push_str(current);
        s.push_str(text);
        var.value = Value::from(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_and_type_rules() {
        let v = Variables::default();
        assert!(v.initialize("n", VarType::Integer, Some(Value::Int(1))).is_ok());
        assert!(v.initialize("N", VarType::Integer, None).is_err(), "names ignore case");
        assert_eq!(v.add("n", &Value::Int(2), false), Ok(Value::Int(3)));
        assert_eq!(v.add("n", &Value::Int(5), true), Ok(Value::Int(-2)));
        assert!(v.add("n", &Value::Float(0.5), false).is_err());
        assert!(v.set("n", Value::from("x")).is_err_and(|e| e.contains("of type 'Integer'")));
        assert!(v.set("missing", Value::Int(1)).is_err_and(|e| e.contains("not initialized")));
        assert!(v.initialize("f", VarType::Float, Some(Value::Int(2))).is_ok_and(|x| x == Value::Float(2.0)));
        assert!(v.initialize("a", VarType::Array, None).is_ok());
        assert!(v.append_array("a", Value::Int(1)).is_ok() && v.append_array("a", Value::from("x")).is_ok());
        assert_eq!(v.get("A").map(|a| a.to_string()), Some(r#"[1,"x"]"#.into()));
        assert!(v.append_array("n", Value::Int(1)).is_err());
        assert!(v.initialize("s", VarType::String, None).is_ok());
        assert!(v.append_string("s", "ab").is_ok() && v.append_string("s", "c").is_ok());
        assert_eq!(v.get("s"), Some(Value::from("abc")));
        assert!(v.add("s", &Value::Int(1), false).is_err());
        assert_eq!(v.snapshot().len(), 4);
    }
}
