//! Workflow functions: what an expression reads of the run (parameters, variables, the
//! trigger, actions, loop items, the workflow).
//!
//! Form data is read in the shapes the service gives action and trigger outputs: a body
//! `{"$content-type": "application/x-www-form-urlencoded", "$formdata": [{"key", "value"}]}`
//! or `{"$content-type": "multipart/form-data", "$multipart": [{"headers", "body"}]}`, or
//! binary content (or a string body) of those content types, which is parsed.
//!
//! Two functions need what only the hosted service has, and read a local stand-in:
//! `listCallbackUrl()` returns the `callbackUrl` of the current action's record (or of the
//! trigger's), and `agentParameters('name')` reads the workflow parameter of that name.

use super::{req, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "action",
        Category::Workflow,
        &[],
        "Object",
        "The current action's record (only in an Until condition, trackedProperties or a webhook's unsubscribe).",
        "action().outputs.body",
        action,
    ),
    Function::eager(
        "actionBody",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Any",
        "Older name for body(): an action's output body.",
        "actionBody('Get_user')?['name'] → 'Sophia'",
        body,
    ),
    Function::eager(
        "actionOutputs",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Object",
        "Older name for outputs(): an action's outputs.",
        "actionOutputs('HTTP')['statusCode'] → 200",
        outputs,
    ),
    Function::eager(
        "actions",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Object",
        "An action's record: status, inputs, outputs, start and end times, code, error.",
        "actions('Get_user').outputs.body.status → 'Succeeded'",
        actions,
    ),
    Function::eager(
        "agentParameters",
        Category::Workflow,
        &[req("parameterName", Ty::STRING)],
        "Any",
        "A value the agent passed to the current tool (agent workflows); locally read from the workflow parameter of that name.",
        "agentParameters('InvalidOrderIds') → '17,42'",
        agent_parameters,
    ),
    Function::eager(
        "appsetting",
        Category::Workflow,
        &[req("settingName", Ty::STRING)],
        "Any",
        "An app setting of the logic app (Standard).",
        "appsetting('httpuri') → 'https://example.com'",
        appsetting,
    ),
    Function::eager(
        "body",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Any",
        "An action's output body: the same as actions(name).outputs.body.",
        "body('Get_user')?['name'] → 'Sophia'",
        body,
    ),
    Function::eager(
        "formDataMultiValues",
        Category::Workflow,
        &[req("actionName", Ty::STRING), req("key", Ty::STRING)],
        "Array",
        "Every value for a key in an action's form-data or form-encoded output body.",
        "formDataMultiValues('Send_an_email', 'Subject') → ['Hello world']",
        form_data_multi_values,
    ),
    Function::eager(
        "formDataValue",
        Category::Workflow,
        &[req("actionName", Ty::STRING), req("key", Ty::STRING)],
        "String",
        "The one value for a key in an action's form-data or form-encoded output body (an error if there are several).",
        "formDataValue('Send_an_email', 'Subject') → 'Hello world'",
        form_data_value,
    ),
    Function::eager(
        "item",
        Category::Workflow,
        &[],
        "Any",
        "The current item of the innermost Foreach loop.",
        "item()?['id'] → 42",
        item,
    ),
    Function::eager(
        "items",
        Category::Workflow,
        &[req("loopName", Ty::STRING)],
        "Any",
        "The current item of the named Foreach loop.",
        "items('For_each')?['id'] → 42",
        items,
    ),
    Function::eager(
        "iterationIndexes",
        Category::Workflow,
        &[req("loopName", Ty::STRING)],
        "Integer",
        "The index of the current iteration of the named Until loop.",
        "iterationIndexes('Until') → 0",
        iteration_indexes,
    ),
    Function::eager(
        "listCallbackUrl",
        Category::Workflow,
        &[],
        "String",
        "The callback URL of the current webhook trigger or action; locally, the record's 'callbackUrl'.",
        "listCallbackUrl() → 'https://prod-01.westus.logic.azure.com:443/workflows/...'",
        list_callback_url,
    ),
    Function::eager(
        "multipartBody",
        Category::Workflow,
        &[req("actionName", Ty::STRING), req("index", Ty::INT)],
        "Any",
        "The body of one part (0-based) of an action's multipart output body.",
        "multipartBody('HTTP', 0) → 'first part'",
        multipart_body,
    ),
    Function::eager(
        "outputs",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Object",
        "An action's outputs: statusCode, headers and body.",
        "outputs('HTTP')['statusCode'] → 200",
        outputs,
    ),
    Function::eager(
        "parameters",
        Category::Workflow,
        &[req("parameterName", Ty::STRING)],
        "Any",
        "The value of a workflow parameter.",
        "parameters('pageSize') → 50",
        parameters,
    ),
    Function::eager(
        "result",
        Category::Workflow,
        &[req("scopedActionName", Ty::STRING)],
        "Array",
        "The records of the top-level actions in a Scope, Foreach or Until.",
        "result('Try')[0]['status'] → 'Failed'",
        result,
    ),
    Function::eager(
        "trigger",
        Category::Workflow,
        &[],
        "Object",
        "The trigger's record: outputs, inputs, status, times.",
        "trigger().outputs.body",
        trigger,
    ),
    Function::eager(
        "triggerBody",
        Category::Workflow,
        &[],
        "Any",
        "The trigger's output body: the same as trigger().outputs.body.",
        "triggerBody()?['id'] → 7",
        trigger_body,
    ),
    Function::eager(
        "triggerFormDataMultiValues",
        Category::Workflow,
        &[req("key", Ty::STRING)],
        "Array",
        "Every value for a key in the trigger's form-data or form-encoded output body.",
        "triggerFormDataMultiValues('feedUrl') → ['https://feeds.a.dj.com/rss/RSSMarketsMain.xml']",
        trigger_form_data_multi_values,
    ),
    Function::eager(
        "triggerFormDataValue",
        Category::Workflow,
        &[req("key", Ty::STRING)],
        "String",
        "The one value for a key in the trigger's form-data or form-encoded output body (an error if there are several).",
        "triggerFormDataValue('feedUrl') → 'https://feeds.a.dj.com/rss/RSSMarketsMain.xml'",
        trigger_form_data_value,
    ),
    Function::eager(
        "triggerMultipartBody",
        Category::Workflow,
        &[req("index", Ty::INT)],
        "Any",
        "The body of one part (0-based) of the trigger's multipart output body.",
        "triggerMultipartBody(0) → 'first part'",
        trigger_multipart_body,
    ),
    Function::eager(
        "triggerOutputs",
        Category::Workflow,
        &[],
        "Object",
        "The trigger's outputs: headers and body.",
        "triggerOutputs()['headers']['Content-Type']",
        trigger_outputs,
    ),
    Function::eager(
        "variables",
        Category::Workflow,
        &[req("variableName", Ty::STRING)],
        "Any",
        "The current value of a variable.",
        "variables('pageNumber') → 3",
        variables,
    ),
    Function::eager(
        "workflow",
        Category::Workflow,
        &[],
        "Object",
        "The workflow's details: name, id, type, location, run {name, id, type}, tags.",
        "workflow()['run']['name'] → '08584...'",
        workflow,
    ),
];

fn not_found(kind: ErrorKind, message: String) -> Error {
    Error::new(kind, message)
}

fn parameters(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().parameter(name).ok_or_else(|| {
        not_found(ErrorKind::NotFound, format!("The workflow parameter '{name}' is not found."))
    })
}

fn variables(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().variable(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!(
                "The variable '{name}' is not found: initialize it with an InitializeVariable action first."
            ),
        )
    })
}

fn appsetting(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context()
        .appsetting(name)
        .ok_or_else(|| not_found(ErrorKind::NotFound, format!("The app setting '{name}' is not found.")))
}

/// The record of the named action, or the service's error.
pub(crate) fn action_record(call: &Call<'_, '_>, args: &Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().action(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!("The action '{name}' is not defined in the workflow, or has not run yet in this run."),
        )
    })
}

fn actions(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    action_record(call, &args)
}

fn outputs(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(action_record(call, &args)?.member("outputs").unwrap_or_default())
}

fn body(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(action_record(call, &args)?.member("outputs").and_then(|o| o.member("body")).unwrap_or_default())
}

fn trigger_record(call: &Call<'_, '_>) -> Value {
    call.context().trigger().unwrap_or_default()
}

fn trigger(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call))
}

fn trigger_outputs(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call).member("outputs").unwrap_or_default())
}

fn trigger_body(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call).member("outputs").and_then(|o| o.member("body")).unwrap_or_default())
}

fn item(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    call.context().loop_item(None).ok_or_else(|| {
        call.error("can only be used inside a Foreach loop (or a Select, Query or Table 'from' array).")
    })
}

fn items(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().loop_item(Some(name)).ok_or_else(|| {
        args.invalid(
            0,
            format!("expects its parameter to name an enclosing Foreach loop; '{name}' is not one."),
        )
    })
}

fn workflow(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(call.context().workflow().unwrap_or_else(default_workflow))
}

/// What `workflow()` returns when the run context does not say (built once; shared).
pub(crate) fn default_workflow() -> Value {
    static DEFAULT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(build_default_workflow).clone()
}

fn build_default_workflow() -> Value {
    let mut run = Object::new();
    run.insert("id", Value::from("/workflows/local/runs/local"));
    run.insert("name", Value::from("local"));
    run.insert("type", Value::from("Microsoft.Logic/workflows/runs"));
    let mut o = Object::new();
    o.insert("id", Value::from("/workflows/local"));
    o.insert("name", Value::from("local"));
    o.insert("type", Value::from("Microsoft.Logic/workflows"));
    o.insert("location", Value::from("local"));
    o.insert("run", Value::Object(run));
    o.insert("tags", Value::Object(Object::new()));
    Value::Object(o)
}

fn action(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    call.context().current_action().ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            "The template language function 'action' can only be used in an Until loop's condition, in trackedProperties, or in a webhook action's unsubscribe; here there is no current action.".to_string(),
        )
    })
}

fn iteration_indexes(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().iteration_index(name).map(Value::Int).ok_or_else(|| {
        args.invalid(
            0,
            format!("expects its parameter to name an enclosing Until loop; '{name}' is not one."),
        )
    })
}

fn result(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().scope_result(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!(
                "The template language function 'result' expects its parameter to name a Scope, Foreach or Until action that has run; '{name}' is not one."
            ),
        )
        .with_span(args.span(0))
    })
}

fn agent_parameters(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().parameter(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!(
                "The agent parameter '{name}' is not set. Agent tools run only in the hosted service; for a local run, give the value as a workflow parameter named '{name}'."
            ),
        )
        .with_span(args.span(0))
    })
}

fn list_callback_url(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    let context = call.context();
    let from = |record: Option<Value>| record.and_then(|r| r.member("callbackUrl")).filter(|v| !v.is_null());
    from(context.current_action()).or_else(|| from(context.trigger())).ok_or_else(|| {
        Error::new(
            ErrorKind::Unsupported,
            "The template language function 'listCallbackUrl' needs the callback endpoint the hosted service gives webhook triggers and actions; a local run has none. Set 'callbackUrl' in the action's (or the trigger's) record of the run context to give one.",
        )
    })
}

// ---------------------------------------------------------------------------------------
// Form data and multipart bodies.

/// One field of a form or one part of a multipart body.
struct Field {
    /// The form key, or the `name` of the part's Content-Disposition.
    name: Option<String>,
    value: Value,
}

/// The essence of a content type (`type/subtype`, lower case).
fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// A parameter of a header value (`boundary`, `name`), unquoted.
fn header_param<'a>(value: &'a str, param: &str) -> Option<&'a str> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(param).then(|| v.trim().trim_matches('"'))
    })
}

/// `a=1&b=x+y` as fields.
fn parse_urlencoded(text: &str) -> Vec<Field> {
    let decode = |s: &str| String::from_utf8_lossy(&super::conversion::url_decode(s)).into_owned();
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Field { name: Some(decode(k)), value: Value::from(decode(v)) }
        })
        .collect()
}

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// The parts of a MIME multipart body: each part's headers and body. A part that is not
/// text (it has a Content-Type that is not text/*) is binary content of that type.
fn parse_multipart(bytes: &[u8], boundary: &str) -> Vec<Field> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // A delimiter starts a line.
    let next_delimiter = |from: usize| {
        let mut at = from;
        loop {
            let i = find_bytes(bytes, delimiter, at)?;
            if i == 0 || bytes[i - 1] == b'\n' {
                return Some(i);
            }
            at = i + 1;
        }
    };
    let mut fields = Vec::new();
    let Some(mut at) = next_delimiter(0) else { return fields };
    loop {
        let after = at + delimiter.len();
        if bytes.get(after..after + 2) == Some(b"--") {
            break;
        }
        let Some(line_end) = find_bytes(bytes, b"\n", after) else { break };
        let start = line_end + 1;
        let Some(end) = next_delimiter(start) else { break };
        let mut content = &bytes[start..end];
        content = content.strip_suffix(b"\n").unwrap_or(content);
        content = content.strip_suffix(b"\r").unwrap_or(content);
        // Headers end at the first empty line (the part may have none).
        let (head, body) = if let Some(body) = content.strip_prefix(b"\r\n") {
            (&content[..0], body)
        } else if let Some(body) = content.strip_prefix(b"\n") {
            (&content[..0], body)
        } else {
            let crlf = find_bytes(content, b"\r\n\r\n", 0).map(|i| (i, 4));
            let lf = find_bytes(content, b"\n\n", 0).map(|i| (i, 2));
            match crlf.into_iter().chain(lf).min() {
                Some((i, len)) => (&content[..i], &content[i + len..]),
                None => (content, &content[content.len()..]),
            }
        };
        let head = String::from_utf8_lossy(head);
        let header = |name: &str| {
            head.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
        };
        let name = header("Content-Disposition").and_then(|d| header_param(&d, "name").map(str::to_string));
        let value = match header("Content-Type") {
            Some(ct) if !essence(&ct).starts_with("text/") => {
                Value::binary(crate::value::Binary::new(ct, body.to_vec()))
            }
            _ => Value::from(String::from_utf8_lossy(body).into_owned()),
        };
        fields.push(Field { name, value });
        at = end;
    }
    fields
}

/// What kind of form body a body is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FormKind {
    /// `application/x-www-form-urlencoded` (or a `$formdata` list).
    Encoded,
    /// `multipart/*` (or a `$multipart` list).
    Multipart,
}

/// The fields of a form-data, form-encoded or multipart body, or `None` if the body is
/// none of these. `headers` are the outputs' headers (for a string body).
fn form_fields(headers: Option<&Value>, body: &Value) -> Option<(FormKind, Vec<Field>)> {
    match body {
        Value::Object(o) => {
            if let Some(Value::Array(entries)) = o.get_ci("$formdata") {
                let fields = entries
                    .iter()
                    .map(|e| Field {
                        name: e.member("key").and_then(|k| k.as_str().map(str::to_string)),
                        value: e.member("value").unwrap_or_default(),
                    })
                    .collect();
                return Some((FormKind::Encoded, fields));
            }
            if let Some(Value::Array(parts)) = o.get_ci("$multipart") {
                let fields = parts
                    .iter()
                    .map(|part| {
                        let disposition = part
                            .member("headers")
                            .and_then(|h| h.member("Content-Disposition"))
                            .and_then(|d| d.as_str().map(str::to_string));
                        Field {
                            name: disposition.and_then(|d| header_param(&d, "name").map(str::to_string)),
                            value: part.member("body").unwrap_or_default(),
                        }
                    })
                    .collect();
                return Some((FormKind::Multipart, fields));
            }
            None
        }
        Value::Binary(b) => fields_of(b.content_type(), b.bytes()),
        Value::String(s) => {
            let content_type = headers?.member("Content-Type")?;
            fields_of(content_type.as_str()?, s.as_bytes())
        }
        _ => None,
    }
}

fn fields_of(content_type: &str, bytes: &[u8]) -> Option<(FormKind, Vec<Field>)> {
    let kind = essence(content_type);
    if kind == "application/x-www-form-urlencoded" {
        return Some((FormKind::Encoded, parse_urlencoded(&String::from_utf8_lossy(bytes))));
    }
    if kind.starts_with("multipart/") {
        return Some((FormKind::Multipart, parse_multipart(bytes, header_param(content_type, "boundary")?)));
    }
    None
}

/// The fields of the body in `outputs` (of the action or trigger named by `whose`); with
/// `multipart`, only a multipart body will do.
fn outputs_fields(
    call: &mut Call<'_, '_>,
    outputs: &Value,
    whose: &str,
    multipart: bool,
) -> Result<Vec<Field>> {
    let body = outputs.member("body").unwrap_or_default();
    // Parsing scans the body a few times.
    call.charge(body.approx_size() as u64 / 16)?;
    match form_fields(outputs.member("headers").as_ref(), &body) {
        Some((kind, fields)) if !multipart || kind == FormKind::Multipart => Ok(fields),
        Some(_) => Err(call.error(format!(
            "expects the output body of {whose} to be multipart content; it is form-encoded."
        ))),
        None if multipart => Err(call.error(format!(
            "expects the output body of {whose} to be multipart content; it is of type '{}'.",
            body.value_type()
        ))),
        None => Err(call.error(format!(
            "expects the output body of {whose} to be form data (application/x-www-form-urlencoded or multipart/form-data); it is of type '{}'.",
            body.value_type()
        ))),
    }
}

fn action_outputs(call: &Call<'_, '_>, args: &Args<'_>) -> Result<(Value, String)> {
    let record = action_record(call, args)?;
    Ok((record.member("outputs").unwrap_or_default(), format!("the action '{}'", args.str(0)?)))
}

fn trigger_outputs_value(call: &Call<'_, '_>) -> (Value, String) {
    (trigger_record(call).member("outputs").unwrap_or_default(), "the trigger".to_string())
}

fn values_for(fields: Vec<Field>, key: &str) -> Vec<Value> {
    fields.into_iter().filter(|f| f.name.as_deref() == Some(key)).map(|f| f.value).collect()
}

fn single_value(call: &mut Call<'_, '_>, mut values: Vec<Value>, key: &str, whose: &str) -> Result<Value> {
    match values.len() {
        1 => Ok(values.remove(0)),
        0 => Err(call.error(format!("found no value for the key '{key}' in the form data of {whose}."))),
        n => Err(call.error(format!(
            "found {n} values for the key '{key}' in the form data of {whose}; use the multi-value function to read them all."
        ))),
    }
}

fn part_at(
    call: &Call<'_, '_>,
    args: &Args<'_>,
    index_arg: usize,
    fields: Vec<Field>,
    whose: &str,
) -> Result<Value> {
    let index = args.int(index_arg)?;
    let count = fields.len();
    usize::try_from(index).ok().and_then(|i| fields.into_iter().nth(i)).map(|f| f.value).ok_or_else(|| {
        call.error(format!(
            "expects a part index from 0 to {}; the multipart body of {whose} has {count} parts and the index is {index}.",
            count as i64 - 1
        ))
        .with_span(args.span(index_arg))
    })
}

fn form_data_value(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = action_outputs(call, &args)?;
    let key = args.str(1)?;
    let values = values_for(outputs_fields(call, &outputs, &whose, false)?, key);
    single_value(call, values, key, &whose)
}

fn form_data_multi_values(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = action_outputs(call, &args)?;
    let key = args.str(1)?;
    Ok(Value::array(values_for(outputs_fields(call, &outputs, &whose, false)?, key)))
}

fn multipart_body(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = action_outputs(call, &args)?;
    let fields = outputs_fields(call, &outputs, &whose, true)?;
    part_at(call, &args, 1, fields, &whose)
}

fn trigger_form_data_value(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = trigger_outputs_value(call);
    let key = args.str(0)?;
    let values = values_for(outputs_fields(call, &outputs, &whose, false)?, key);
    single_value(call, values, key, &whose)
}

fn trigger_form_data_multi_values(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = trigger_outputs_value(call);
    let key = args.str(0)?;
    Ok(Value::array(values_for(outputs_fields(call, &outputs, &whose, false)?, key)))
}

fn trigger_multipart_body(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let (outputs, whose) = trigger_outputs_value(call);
    let fields = outputs_fields(call, &outputs, &whose, true)?;
    part_at(call, &args, 0, fields, &whose)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext, Value};

    const CTX: &str = r#"{
        "parameters": {"firstName": "Sophia", "age": 42},
        "variables": {"pageNumber": 3},
        "appsettings": {"httpuri": "https://example.com"},
        "trigger": {"outputs": {"headers": {"x": "1"}, "body": {"id": 7}}},
        "actions": {"Get_user": {"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"name": "Ann"}}},
                    "Skipped_one": {"status": "Skipped"}},
        "items": {"For_each": {"id": 1}},
        "workflow": {"name": "wf", "run": {"name": "r1"}}
    }"#;

    fn eval(text: &str) -> Result<String, String> {
        let ctx = RunContext::from_json_str(CTX).map_err(|e| e.to_string())?;
        Engine::new().eval(text, &ctx).map(|v| v.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        for (text, expected) in [
            ("parameters('firstName')", r#""Sophia""#),
            ("parameters('FIRSTNAME')", r#""Sophia""#),
            ("variables('pageNumber')", "3"),
            ("appsetting('httpuri')", r#""https://example.com""#),
            ("appSetting('httpuri')", r#""https://example.com""#),
            ("triggerBody()?['id']", "7"),
            ("triggerOutputs()['headers']['x']", r#""1""#),
            ("trigger().outputs.body.id", "7"),
            ("actions('Get_user').status", r#""Succeeded""#),
            ("actions('Get user').status", r#""Succeeded""#),
            ("outputs('Get_user')['statusCode']", "200"),
            ("body('Get_user')?['name']", r#""Ann""#),
            ("body('Skipped_one')", "null"),
            ("items('For_each').id", "1"),
            ("item().id", "1"),
            ("workflow().run.name", r#""r1""#),
        ] {
            assert_eq!(eval(text).as_deref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn multipart_bodies() {
        let body = b"preamble\n--b\nContent-Disposition: form-data; name=\"x\"\n\none\n--b\n\nno headers\n--b\r\nContent-Disposition: form-data; name=y\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--b--\r\nepilogue";
        let fields = super::parse_multipart(body, "b");
        let names: Vec<Option<&str>> = fields.iter().map(|f| f.name.as_deref()).collect();
        assert_eq!(names, [Some("x"), None, Some("y")]);
        assert_eq!(fields[0].value, Value::from("one"));
        assert_eq!(fields[1].value, Value::from("no headers"));
        let png = fields[2].value.as_binary().map(|b| (b.content_type().to_string(), b.bytes().to_vec()));
        assert_eq!(png, Some(("image/png".to_string(), b"\x89PNG".to_vec())));
        // A boundary that is not at the start of a line is part of the data; an
        // unterminated body ends with its last complete part.
        let fields = super::parse_multipart(b"--b\n\na --b c\n--b\n\nlast", "b");
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].value, Value::from("a --b c"));
        assert!(super::parse_multipart(b"no delimiter", "b").is_empty());
    }

    #[test]
    fn urlencoded_bodies() {
        let fields = super::parse_urlencoded("a=1&b=x+y%21&&c&a=2");
        let pairs: Vec<(Option<&str>, Value)> =
            fields.iter().map(|f| (f.name.as_deref(), f.value.clone())).collect();
        assert_eq!(
            pairs,
            [
                (Some("a"), Value::from("1")),
                (Some("b"), Value::from("x y!")),
                (Some("c"), Value::from("")),
                (Some("a"), Value::from("2"))
            ]
        );
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("parameters('nope')", "The workflow parameter 'nope' is not found"),
            ("variables('nope')", "The variable 'nope' is not found"),
            ("body('Nope')", "The action 'Nope' is not defined"),
            ("items('Other')", "'Other' is not one"),
            ("parameters(1)", "be of type string"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
        let e = Engine::new()
            .eval("item()", &RunContext::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("Foreach"), "{e}");
    }
}
