//! Workflow parameter values: the declared defaults, a parameters file, and environment
//! variables, checked against the declared types and allowed values.
//!
//! Precedence, lowest first: `defaultValue`, the `--parameters` file, the environment.
//! The environment rule: parameter `name` is read from `FLOWEXPR_PARAM_<name>`, where every
//! character of the name that is not an ASCII letter, digit or `_` is written `_`, matched
//! without regard to case (`$connections` → `FLOWEXPR_PARAM__connections`,
//! `clientSecret` → `FLOWEXPR_PARAM_CLIENTSECRET`). String parameters take the text as it
//! is; other types read it as JSON (`5`, `true`, `["a"]`).

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::definition::{ParamType, Workflow};

/// The prefix of the environment variables that set parameters.
pub const ENV_PREFIX: &str = "FLOWEXPR_PARAM_";

/// The environment variable name for a parameter (before case folding).
pub fn env_name(parameter: &str) -> String {
    let mut s = String::from(ENV_PREFIX);
    s.extend(parameter.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
    s
}

fn param_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message)
}

/// Reads a parameters file: `{"name": value}`, `{"name": {"value": value}}` (the ARM and
/// Standard `parameters.json` shapes, where `type` and `metadata` may sit next to `value`),
/// or a whole ARM parameters file (`{"$schema", "parameters": {...}}`).
pub fn parameters_from_value(value: &Value) -> Result<Object> {
    let mut root =
        value.as_object().cloned().ok_or_else(|| param_error("a parameters file must be a JSON object"))?;
    if root.contains_key("$schema") || root.contains_key("contentVersion") {
        if let Some(Value::Object(inner)) = root.get("parameters") {
            root = inner.clone();
        }
    }
    let mut out = Object::new();
    for (k, v) in &root {
        if k.starts_with("$schema") || &**k == "contentVersion" {
            continue;
        }
        let unwrapped = match v {
            Value::Object(o)
                if o.contains_key("value")
                    && o.keys().all(|k| matches!(&**k, "value" | "type" | "metadata")) =>
            {
                o.get("value").cloned().unwrap_or_default()
            }
            other => other.clone(),
        };
        out.insert(k.clone(), unwrapped);
    }
    Ok(out)
}

/// Resolves every declared parameter's value.
pub(crate) fn resolve(workflow: &Workflow, supplied: &Object, env: &[(String, String)]) -> Result<Object> {
    let mut out = Object::new();
    for p in &workflow.parameters {
        let var = env_name(&p.name);
        let from_env = env.iter().find(|(k, _)| k.eq_ignore_ascii_case(&var)).map(|(_, v)| v.as_str());
        let (value, source) = if let Some(text) = from_env {
            let v = match p.ty {
                ParamType::String | ParamType::SecureString => Value::from(text),
                _ => crate::value::from_json_str(text).map_err(|e| {
                    param_error(format!(
                        "{var}: parameter '{}' is of type {}; its value must be JSON: {e}",
                        p.name,
                        p.ty.name()
                    ))
                })?,
            };
            (v, var.clone())
        } else if let Some(v) = supplied.get_ci(&p.name) {
            (v.clone(), "the parameters file".to_string())
        } else if let Some(d) = &p.default {
            (d.clone(), "its defaultValue".to_string())
        } else {
            return Err(param_error(format!(
                "parameter '{}' ({}) has no value: give it a defaultValue, set it in --parameters, or set {var}",
                p.name,
                p.ty.name()
            )));
        };
        let value = match (p.ty, value) {
            (ParamType::Float, Value::Int(i)) => Value::Float(i as f64),
            (_, v) => v,
        };
        if !p.ty.accepts(&value) {
            return Err(param_error(format!(
                "parameter '{}' is of type {}, but the value from {source} is {}",
                p.name,
                p.ty.name(),
                value.value_type()
            )));
        }
        if let Some(allowed) = &p.allowed {
            if !allowed.contains(&value) {
                let shown = if p.ty.is_secure() { "the value".to_string() } else { value.to_string() };
                return Err(param_error(format!(
                    "parameter '{}': {shown} (from {source}) is not one of its allowedValues",
                    p.name
                )));
            }
        }
        out.insert(p.name.clone(), value);
    }
    // A Standard workflow also reads the app's parameters.json, which the definition does
    // not declare: every supplied value is a parameter.
    if workflow.standard {
        for (k, v) in supplied {
            if out.get_ci(k).is_none() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert_eq!(env_name("clientSecret"), "FLOWEXPR_PARAM_clientSecret");
        assert_eq!(env_name("$connections"), "FLOWEXPR_PARAM__connections");
        assert_eq!(env_name("api-key.v2"), "FLOWEXPR_PARAM_api_key_v2");
    }

    #[test]
    fn file_shapes() {
        let v = crate::value::from_json_str(
            r#"{"a": 1, "b": {"value": 2}, "c": {"type": "String", "value": "x"}, "d": {"value": 1, "other": 2}}"#,
        )
        .unwrap_or_default();
        let o = parameters_from_value(&v).unwrap_or_default();
        assert_eq!(Value::Object(o).to_string(), r#"{"a":1,"b":2,"c":"x","d":{"value":1,"other":2}}"#);
        let arm = crate::value::from_json_str(
            r#"{"$schema": "s", "contentVersion": "1", "parameters": {"x": {"value": true}}}"#,
        )
        .unwrap_or_default();
        assert_eq!(
            Value::Object(parameters_from_value(&arm).unwrap_or_default()).to_string(),
            r#"{"x":true}"#
        );
        assert!(parameters_from_value(&Value::Int(1)).is_err());
    }
}
