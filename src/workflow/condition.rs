//! Conditions of If and Until actions: an expression string (`"@equals(...)"`) or the
//! designer's condition object (`{"and": [{"greater": ["@variables('n')", 0]}]}`), whose
//! leaves call the expression functions of the same name.

use crate::error::{Error, ErrorKind, Result};
use crate::eval::{Context, Engine};
use crate::template::Document;
use crate::value::Value;

use super::definition::compile_at;

/// How deep condition objects may nest.
const MAX_DEPTH: usize = 32;

/// The comparison operators a condition object may use; each is the expression function of
/// the same name.
const OPERATORS: [&str; 8] =
    ["equals", "greater", "greaterOrEquals", "less", "lessOrEquals", "contains", "startsWith", "endsWith"];

/// A compiled condition.
pub(crate) enum Condition {
    /// An expression (or any JSON value) that must render to a boolean.
    Value(Document),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        function: &'static str,
        operands: Vec<Document>,
    },
}

fn invalid(pointer: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message).with_pointer(pointer)
}

impl Condition {
    /// Compiles the `expression` of an If or Until.
    pub fn compile(engine: &Engine, value: Option<&Value>, pointer: &str) -> Result<Condition> {
        match value {
            None | Some(Value::Null) => {
                Err(invalid(pointer, "the action needs an \"expression\" (its condition)"))
            }
            Some(v) => Condition::compile_at(engine, v, pointer, 0),
        }
    }

    fn compile_at(engine: &Engine, value: &Value, pointer: &str, depth: usize) -> Result<Condition> {
        if depth > MAX_DEPTH {
            return Err(invalid(pointer, format!("the condition nests deeper than {MAX_DEPTH} levels")));
        }
        let Value::Object(o) = value else {
            return Ok(Condition::Value(compile_at(engine, value, pointer)?));
        };
        let Some((key, operand)) = o.get_index(0).filter(|_| o.len() == 1) else {
            return Err(invalid(
                pointer,
                "a condition object has exactly one operator: and, or, not, equals, greater, greaterOrEquals, less, lessOrEquals, contains, startsWith or endsWith",
            ));
        };
        let here = format!("{pointer}/{key}");
        let lower = key.to_ascii_lowercase();
        match lower.as_str() {
            "and" | "or" => {
                let items = operand
                    .as_array()
                    .ok_or_else(|| invalid(&here, format!("\"{key}\" takes an array of conditions")))?;
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Condition::compile_at(engine, c, &format!("{here}/{i}"), depth + 1))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if lower == "and" { Condition::And(parts) } else { Condition::Or(parts) })
            }
            "not" => Ok(Condition::Not(Box::new(Condition::compile_at(engine, operand, &here, depth + 1)?))),
            _ => {
                let function =
                    OPERATORS.into_iter().find(|f| f.eq_ignore_ascii_case(key)).ok_or_else(|| {
                        invalid(
                            &here,
                            format!(
                                "'{key}' is not a condition operator; the operators are and, or, not, {}",
                                OPERATORS.join(", ")
                            ),
                        )
                    })?;
                let items = operand.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    invalid(&here, format!("\"{key}\" takes an array of two operands: [left, right]"))
                })?;
                let operands = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| compile_at(engine, v, &format!("{here}/{i}")))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Condition::Compare { function, operands })
            }
        }
    }

    /// Evaluates the condition. `and` and `or` stop at the first operand that decides.
    pub fn eval(&self, engine: &Engine, ctx: &dyn Context) -> Result<bool> {
        match self {
            Condition::Value(doc) => match doc.render(ctx)? {
                Value::Bool(b) => Ok(b),
                other => Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "the condition must evaluate to a boolean, but it is of type '{}'; compare with equals(), greater() or empty() to make one",
                        other.value_type()
                    ),
                )),
            },
            Condition::And(parts) => {
                for p in parts {
                    if !p.eval(engine, ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Condition::Or(parts) => {
                for p in parts {
                    if p.eval(engine, ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Condition::Not(inner) => Ok(!inner.eval(engine, ctx)?),
            Condition::Compare { function, operands } => {
                let values = operands.iter().map(|d| d.render(ctx)).collect::<Result<Vec<_>>>()?;
                match engine.call(function, &values, ctx)? {
                    Value::Bool(b) => Ok(b),
                    other => Err(Error::new(
                        ErrorKind::Evaluation,
                        format!("'{function}' returned {} instead of a boolean", other.value_type()),
                    )),
                }
            }
        }
    }
}
