//! The data and variable actions: Compose, the variable actions, ParseJson, Query, Select,
//! Join, Table, Response, Terminate and Wait.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use crate::eval::Context;
use crate::value::{Object, Value};

use super::definition::{ActionDef, Kind};
use super::run::{template_error, Ctx, Frame, Outcome, RunState, Termination};
use super::status::Status;
use super::variables::VarType;

fn body(value: Value) -> Value {
    let mut o = Object::new();
    o.insert("body", value);
    Value::Object(o)
}

fn name_value(name: &str, value: Value) -> Value {
    let mut o = Object::new();
    o.insert("name", Value::from(name));
    o.insert("value", value);
    Value::Object(o)
}

fn variable_failure(inputs: Value, message: String) -> Outcome {
    Outcome::failed("InvalidVariableValue", message).with_inputs(inputs)
}

/// Runs the actions that need no nested scheduling.
pub(crate) fn perform(run: &RunState<'_>, def: &ActionDef, ctx: &Ctx<'_>, frame: &Frame<'_>) -> Outcome {
    let inputs = || def.inputs.render(ctx).map_err(|e| Box::new(template_error(def, "/inputs", &e)));
    match &def.kind {
        Kind::Compose => match inputs() {
            Ok(v) => Outcome::succeeded(Some(v.clone()), Some(v)),
            Err(o) => *o,
        },
        Kind::InitializeVariable => {
            let i = match inputs() {
                Ok(v) => v,
                Err(o) => return *o,
            };
            let list =
                i.member("variables").and_then(|v| v.as_array().map(<[Value]>::to_vec)).unwrap_or_default();
            for var in list {
                let name = var.member("name").map(|n| n.to_text()).unwrap_or_default();
                let Some(ty) = var.member("type").and_then(|t| t.as_str().and_then(VarType::parse)) else {
                    return variable_failure(i, format!("The variable '{name}' has no valid type."));
                };
                if let Err(m) = run.variables.initialize(&name, ty, var.member("value")) {
                    return variable_failure(i, m);
                }
            }
            Outcome::succeeded(Some(i), None)
        }
        Kind::SetVariable
        | Kind::IncrementVariable
        | Kind::DecrementVariable
        | Kind::AppendToArrayVariable
        | Kind::AppendToStringVariable => {
            let i = match inputs() {
                Ok(v) => v,
                Err(o) => return *o,
            };
            let Some(name) = i.member("name").and_then(|n| n.as_str().map(str::to_string)) else {
                return variable_failure(
                    i,
                    format!("The action '{}' needs the variable's \"name\".", def.name),
                );
            };
            let value = i.member("value");
            let result = match &def.kind {
                Kind::SetVariable => match value {
                    Some(v) => run.variables.set(&name, v).map(Some),
                    None => Err(format!("SetVariable '{}' needs a \"value\".", def.name)),
                },
                Kind::IncrementVariable | Kind::DecrementVariable => {
                    let delta = value.filter(|v| !v.is_null()).unwrap_or(Value::Int(1));
                    run.variables.add(&name, &delta, matches!(def.kind, Kind::DecrementVariable)).map(Some)
                }
                Kind::AppendToArrayVariable => match value {
                    Some(v) => run.variables.append_array(&name, v).map(|()| None),
                    None => Err(format!("AppendToArrayVariable '{}' needs a \"value\".", def.name)),
                },
                _ => match value {
                    Some(v) => run.variables.append_string(&name, &v.to_text()).map(|()| None),
                    None => Err(format!("AppendToStringVariable '{}' needs a \"value\".", def.name)),
                },
            };
            match result {
                Ok(Some(new)) => Outcome::succeeded(Some(i), Some(body(name_value(&name, new)))),
                Ok(None) => Outcome::succeeded(Some(i), None),
                Err(m) => variable_failure(i, m),
            }
        }
        Kind::ParseJson { cache } => {
            let i = match inputs() {
                Ok(v) => v,
                Err(o) => return *o,
            };
            parse_json(def, i, cache)
        }
        Kind::Query { from, filter } => {
            let items = match from_array(def, from, ctx, "query") {
                Ok(a) => a,
                Err(o) => return *o,
            };
            let mut kept = Vec::new();
            for item in items.iter() {
                let element = Frame::element(frame, item.clone());
                let ectx = Ctx { run, frame: &element, current: None };
                match filter.render(&ectx) {
                    Ok(Value::Bool(true)) => kept.push(item.clone()),
                    Ok(Value::Bool(false)) => {}
                    Ok(other) => {
                        return Outcome::failed(
                            "InvalidTemplate",
                            format!(
                                "The 'where' expression of action '{}' must evaluate to a boolean, but it gave a value of type '{}'.",
                                def.name,
                                other.value_type()
                            ),
                        )
                    }
                    Err(e) => return template_error(def, "/inputs/where", &e),
                }
            }
            let mut inp = Object::new();
            inp.insert("from", Value::Array(items));
            Outcome::succeeded(Some(Value::Object(inp)), Some(body(Value::array(kept))))
        }
        Kind::Select { from, select } => {
            let items = match from_array(def, from, ctx, "select") {
                Ok(a) => a,
                Err(o) => return *o,
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                let element = Frame::element(frame, item.clone());
                match select.render(&Ctx { run, frame: &element, current: None }) {
                    Ok(v) => out.push(v),
                    Err(e) => return template_error(def, "/inputs/select", &e),
                }
            }
            let mut inp = Object::new();
            inp.insert("from", Value::Array(items));
            Outcome::succeeded(Some(Value::Object(inp)), Some(body(Value::array(out))))
        }
        Kind::Join => {
            let i = match inputs() {
                Ok(v) => v,
                Err(o) => return *o,
            };
            let Some(Value::Array(items)) = i.member("from") else {
                return Outcome::failed(
                    "InvalidTemplate",
                    format!("The 'from' property of action '{}' must be an array.", def.name),
                )
                .with_inputs(i);
            };
            let separator = i.member("joinWith").map(|j| j.to_text()).unwrap_or_default();
            let mut text = String::new();
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    text.push_str(&separator);
                }
                item.write_text(&mut text);
            }
            Outcome::succeeded(Some(i), Some(body(Value::from(text))))
        }
        Kind::Table { from, format, columns } => {
            table(run, def, ctx, frame, from, format, columns.as_deref())
        }
        Kind::Response => response(run, def, inputs),
        _ => Outcome::failed(
            "NotSupported",
            format!("The action type '{}' is not handled here.", def.type_name),
        ),
    }
}

fn from_array(
    def: &ActionDef,
    from: &crate::template::Document,
    ctx: &Ctx<'_>,
    what: &str,
) -> Result<Arc<Vec<Value>>, Box<Outcome>> {
    match from.render(ctx) {
        Ok(Value::Array(a)) => Ok(a),
        Ok(other) => Err(Box::new(Outcome::failed(
            "InvalidTemplate",
            format!(
                "The 'from' property value in the '{what}' action inputs is of type '{}'. The value must be an array.",
                other.value_type()
            ),
        ))),
        Err(e) => Err(Box::new(template_error(def, "/inputs/from", &e))),
    }
}

type SchemaCache = std::sync::Mutex<Option<(Value, Arc<jsonschema::Validator>)>>;

fn parse_json(def: &ActionDef, inputs: Value, cache: &SchemaCache) -> Outcome {
    let content = inputs.member("content").unwrap_or_default();
    let content = match content {
        Value::String(s) => match crate::value::from_json_str(&s) {
            Ok(v) => v,
            Err(e) => {
                return Outcome::failed(
                    "InvalidJSON",
                    format!("The 'content' of action '{}' is not valid JSON: {e}", def.name),
                )
                .with_inputs(inputs)
            }
        },
        Value::Binary(b) => match crate::value::from_json_str(&b.text()) {
            Ok(v) => v,
            Err(e) => {
                return Outcome::failed(
                    "InvalidJSON",
                    format!("The 'content' of action '{}' is not valid JSON: {e}", def.name),
                )
                .with_inputs(inputs)
            }
        },
        other => other,
    };
    let schema = inputs.member("schema").unwrap_or_else(|| Value::Object(Object::new()));
    let validator = {
        let mut slot = cache.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some((s, v)) if *s == schema => Arc::clone(v),
            _ => match jsonschema::validator_for(&schema.to_json()) {
                Ok(v) => {
                    let v = Arc::new(v);
                    *slot = Some((schema.clone(), Arc::clone(&v)));
                    v
                }
                Err(e) => {
                    return Outcome::failed(
                        "InvalidSchema",
                        format!("The 'schema' of action '{}' is not a valid JSON schema: {e}", def.name),
                    )
                    .with_inputs(inputs)
                }
            },
        }
    };
    let instance = content.to_json();
    let errors: Vec<Value> = validator
        .iter_errors(&instance)
        .take(100)
        .map(|e| {
            let mut o = Object::new();
            o.insert("message", Value::from(e.to_string()));
            o.insert("path", Value::from(e.instance_path().to_string()));
            o.insert("schemaPath", Value::from(e.schema_path().to_string()));
            Value::Object(o)
        })
        .collect();
    if errors.is_empty() {
        return Outcome::succeeded(Some(inputs), Some(body(content)));
    }
    let first = errors.first().and_then(|e| e.member("message")).map(|m| m.to_text()).unwrap_or_default();
    let mut outputs = Object::new();
    outputs.insert("body", content);
    outputs.insert("errors", Value::array(errors));
    Outcome::failed("ValidationFailed", format!("The schema validation failed: {first}"))
        .with_inputs(inputs)
        .with_outputs(Value::Object(outputs))
}

#[allow(clippy::too_many_arguments)]
fn table(
    run: &RunState<'_>,
    def: &ActionDef,
    ctx: &Ctx<'_>,
    frame: &Frame<'_>,
    from: &crate::template::Document,
    format: &crate::template::Document,
    columns: Option<&[(crate::template::Document, crate::template::Document)]>,
) -> Outcome {
    let items = match from_array(def, from, ctx, "table") {
        Ok(a) => a,
        Err(o) => return *o,
    };
    let format = match format.render(ctx) {
        Ok(v) => v.to_text(),
        Err(e) => return template_error(def, "/inputs/format", &e),
    };
    let html = match format.to_ascii_uppercase().as_str() {
        "CSV" => false,
        "HTML" => true,
        _ => {
            return Outcome::failed(
                "InvalidTemplate",
                format!("The 'format' of table action '{}' must be CSV or HTML, not '{format}'.", def.name),
            )
        }
    };
    let mut headers = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(items.len());
    match columns {
        Some(cols) => {
            for (i, (h, _)) in cols.iter().enumerate() {
                match h.render(ctx) {
                    Ok(v) => headers.push(v.to_text()),
                    Err(e) => return template_error(def, &format!("/inputs/columns/{i}/header"), &e),
                }
            }
            for item in items.iter() {
                let element = Frame::element(frame, item.clone());
                let ectx = Ctx { run, frame: &element, current: None };
                let mut row = Vec::with_capacity(cols.len());
                for (i, (_, v)) in cols.iter().enumerate() {
                    match v.render(&ectx) {
                        Ok(v) => row.push(v.to_text()),
                        Err(e) => return template_error(def, &format!("/inputs/columns/{i}/value"), &e),
                    }
                }
                rows.push(row);
            }
        }
        None => {
            // Headers: the keys of the objects, in order of first appearance.
            for item in items.iter() {
                if let Value::Object(o) = item {
                    for k in o.keys() {
                        if !headers.iter().any(|h| h == &**k) {
                            headers.push(k.to_string());
                        }
                    }
                }
            }
            for item in items.iter() {
                rows.push(
                    headers.iter().map(|h| item.member(h).map(|v| v.to_text()).unwrap_or_default()).collect(),
                );
            }
        }
    }
    let text = if html { html_table(&headers, &rows) } else { csv_table(&headers, &rows) };
    let mut inp = Object::new();
    inp.insert("from", Value::Array(items));
    inp.insert("format", Value::from(format));
    Outcome::succeeded(Some(Value::Object(inp)), Some(body(Value::from(text))))
}

fn csv_field(text: &str, out: &mut String) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// A CSV table: a header line, then one line per item, separated by `\n`; fields holding
/// a comma, quote or line break are quoted. No items and no columns give an empty string.
pub(crate) fn csv_table(headers: &[String], rows: &[Vec<String>]) -> String {
    if headers.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for (i, line) in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, f) in line.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            csv_field(f, &mut out);
        }
    }
    out
}

fn html_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// An HTML table with a header row; cell text is escaped.
pub(crate) fn html_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in headers {
        out.push_str("<th>");
        html_escape(h, &mut out);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str("<td>");
            html_escape(cell, &mut out);
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn response(
    run: &RunState<'_>,
    def: &ActionDef,
    inputs: impl Fn() -> Result<Value, Box<Outcome>>,
) -> Outcome {
    let i = match inputs() {
        Ok(v) => v,
        Err(o) => return *o,
    };
    let status = match i.member("statusCode") {
        None | Some(Value::Null) => Some(200),
        Some(Value::Int(n)) => Some(n),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let Some(code) = status.filter(|c| (200..600).contains(c) && !(300..400).contains(c)) else {
        return Outcome::failed(
            "InvalidResponseStatusCode",
            format!("The status code of Response '{}' must be a 2xx, 4xx or 5xx number.", def.name),
        )
        .with_inputs(i);
    };
    let mut outputs = Object::new();
    outputs.insert("statusCode", Value::Int(code));
    outputs.insert("headers", i.member("headers").unwrap_or_else(|| Value::Object(Object::new())));
    outputs.insert("body", i.member("body").unwrap_or_default());
    let outputs = Value::Object(outputs);
    let mut slot = run.response.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_some() {
        return Outcome::failed(
            "ActionResponseAlreadySent",
            format!(
                "The Response action '{}' ran after a response was already sent; a run sends one response.",
                def.name
            ),
        )
        .with_inputs(i);
    }
    *slot = Some(outputs.clone());
    Outcome::succeeded(Some(i), Some(outputs))
}

/// Terminate: ends the run with `runStatus` (Succeeded, Failed or Cancelled); actions not
/// yet started are skipped and loops stop starting iterations.
pub(crate) fn terminate(run: &RunState<'_>, def: &ActionDef, ctx: &Ctx<'_>) -> Outcome {
    let i = match def.inputs.render(ctx) {
        Ok(v) => v,
        Err(e) => return template_error(def, "/inputs", &e),
    };
    let status = i.member("runStatus").and_then(|s| s.as_str().and_then(Status::parse));
    let status = match status {
        Some(s @ (Status::Succeeded | Status::Failed | Status::Cancelled)) => s,
        _ => {
            return Outcome::failed(
                "InvalidTemplate",
                format!("The runStatus of Terminate '{}' must be Succeeded, Failed or Cancelled.", def.name),
            )
            .with_inputs(i)
        }
    };
    let error = (status == Status::Failed).then(|| {
        let e = i.member("runError").unwrap_or_default();
        let mut o = Object::new();
        o.insert(
            "code",
            e.member("code").filter(|c| !c.is_null()).unwrap_or_else(|| Value::from("Terminated")),
        );
        o.insert("message", e.member("message").unwrap_or_else(|| Value::from("The run was terminated.")));
        Value::Object(o)
    });
    let mut slot = run.termination.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_none() {
        *slot = Some(Termination { status, error, by: def.name.clone() });
    }
    run.cancel.store(true, Ordering::Relaxed);
    Outcome::succeeded(Some(i), None)
}

/// Wait: `{"interval": {"count", "unit"}}` or `{"until": {"timestamp"}}`, on the run's clock.
/// The longest Wait accepted at all: the run's duration limit.
const MAX_WAIT_SECONDS: f64 = crate::limits::run::MAX_DURATION.as_secs() as f64;

pub(crate) fn wait(run: &RunState<'_>, def: &ActionDef, ctx: &Ctx<'_>) -> Outcome {
    let i = match def.inputs.render(ctx) {
        Ok(v) => v,
        Err(e) => return template_error(def, "/inputs", &e),
    };
    let duration = match (i.member("interval"), i.member("until")) {
        (Some(interval), None) => {
            let (count, seconds) = crate::check::capacity::interval_parts(&interval);
            match (count, seconds) {
                (Some(c), Some(s)) if c >= 0.0 && c.is_finite() && c * s > MAX_WAIT_SECONDS => {
                    return Outcome::failed("InvalidTemplate", crate::limits::run::wait_too_long(&def.name, c * s))
                        .with_inputs(i)
                }
                (Some(c), Some(s)) if c >= 0.0 && c.is_finite() => Duration::from_secs_f64(c * s),
                _ => {
                    return Outcome::failed(
                        "InvalidTemplate",
                        format!("Wait '{}' needs interval.count (a number) and interval.unit (Second, Minute, Hour, Day, Week or Month).", def.name),
                    )
                    .with_inputs(i)
                }
            }
        }
        (None, Some(until)) => {
            let text = until.member("timestamp").map(|t| t.to_text()).unwrap_or_default();
            match crate::eval::context::parse_clock(&text) {
                Ok(t) => (t - ctx.now()).to_std().unwrap_or(Duration::ZERO),
                Err(e) => return Outcome::failed("InvalidTemplate", e.message().to_string()).with_inputs(i),
            }
        }
        _ => {
            return Outcome::failed(
                "InvalidTemplate",
                format!("Wait '{}' needs either \"interval\" or \"until\", not both.", def.name),
            )
            .with_inputs(i)
        }
    };
    // No wait outlasts the run: it ends where the run's duration limit does.
    let left = run.time_left();
    if duration > left {
        let mut o = Outcome::failed(
            "ActionTimedOut",
            format!(
                "The Wait '{}' would end after the run's duration limit of 90 days, {} seconds from now.",
                def.name,
                left.as_secs()
            ),
        )
        .with_inputs(i);
        o.status = Status::TimedOut;
        return o;
    }
    if run.clock.sleep(duration, &run.cancel) {
        Outcome::succeeded(Some(i), None)
    } else {
        let mut o = Outcome::failed("Cancelled", "The run was terminated while this action was waiting.")
            .with_inputs(i);
        o.status = Status::Cancelled;
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_html() {
        let h = vec!["ID".to_string(), "Product_Name".to_string()];
        let rows = vec![vec!["0".into(), "Apples".into()], vec!["1".into(), "Or,anges \"x\"".into()]];
        assert_eq!(csv_table(&h, &rows), "ID,Product_Name\n0,Apples\n1,\"Or,anges \"\"x\"\"\"");
        assert_eq!(csv_table(&[], &[]), "");
        assert_eq!(
            html_table(&h[..1], &[vec!["<b>".into()]]),
            "<table><thead><tr><th>ID</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>"
        );
    }
}
