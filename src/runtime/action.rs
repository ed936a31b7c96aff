//! The Http action definition: parsed and checked once, its inputs compiled as a template.
//!
//! Two shapes are accepted: the action as a workflow definition writes it
//!
//! ```json
//! {"type": "Http",
//!  "inputs": {"method": "GET", "uri": "https://...", "headers": {}, "queries": {}, "body": {},
//!             "authentication": {}, "cookie": "...", "retryPolicy": {}},
//!  "runtimeConfiguration": {"paginationPolicy": {"minimumItemCount": 100},
//!                           "secureData": {"properties": ["inputs", "outputs"]}},
//!  "operationOptions": "DisableAsyncPattern",
//!  "limit": {"timeout": "PT1M"}}
//! ```
//!
//! and the bare inputs object (`{"method", "uri", "headers", "queries", "body"}`). Whatever
//! can be checked before rendering is checked here, with the JSON pointer of the faulty
//! member; members that hold expressions are checked after rendering.

use std::time::Duration;

use super::auth;
use super::duration::parse_duration;
use super::request::{check_method, check_uri};
use super::retry::RetryPolicy;
use crate::error::{Error, ErrorKind, Result};
use crate::eval::{Context, Engine};
use crate::template::{push_pointer_token, string_form, Document, StringForm};
use crate::value::{Object, Value};

/// The most items `paginationPolicy.minimumItemCount` may ask for.
pub const MAX_MINIMUM_ITEM_COUNT: i64 = 100_000;

/// The `operationOptions` an Http action takes.
pub const OPERATION_OPTIONS: [&str; 2] = ["DisableAsyncPattern", "SuppressWorkflowHeaders"];

/// A parsed, checked Http action.
#[derive(Clone)]
pub struct HttpAction {
    name: String,
    inputs_source: Value,
    inputs: Document,
    /// The JSON pointer of the inputs in the definition (`/inputs`, or `` for bare inputs).
    inputs_pointer: String,
    /// `operationOptions: DisableAsyncPattern`: a 202 is the final answer.
    pub disable_async_pattern: bool,
    /// `operationOptions: SuppressWorkflowHeaders`: no `x-ms-workflow-*` headers.
    pub suppress_workflow_headers: bool,
    /// `runtimeConfiguration.paginationPolicy.minimumItemCount`.
    pub minimum_item_count: Option<u32>,
    /// `runtimeConfiguration.contentTransfer.transferMode: Chunked`: uploads and downloads
    /// use the service's chunking protocol.
    pub chunked_transfer: bool,
    /// `runtimeConfiguration.secureData` names `inputs`.
    pub secure_inputs: bool,
    /// `runtimeConfiguration.secureData` names `outputs`.
    pub secure_outputs: bool,
    /// `limit.timeout`.
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for HttpAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAction").field("name", &self.name).finish_non_exhaustive()
    }
}

fn definition_error(pointer: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message).with_pointer(pointer)
}

fn join(base: &str, member: &str) -> String {
    let mut p = base.to_string();
    p.push('/');
    push_pointer_token(&mut p, member);
    p
}

impl HttpAction {
    /// Parses an action (or a bare inputs object) named `name`.
    pub fn from_value(name: &str, definition: &Value) -> Result<HttpAction> {
        HttpAction::from_value_with(name, definition, &Engine::new())
    }

    /// Parses JSON text.
    pub fn from_json_str(name: &str, text: &str) -> Result<HttpAction> {
        let value = crate::value::from_json_str(text)
            .map_err(|e| Error::new(ErrorKind::Definition, format!("the action is not valid JSON: {e}")))?;
        HttpAction::from_value(name, &value)
    }

    /// Parses a file's content, which may also be one action under its name —
    /// `{"HTTP_Get_Token": {"type": "Http", ...}}`, as in a definition's `actions` — in which
    /// case that name is used instead of `default_name`.
    pub fn from_document(default_name: &str, document: &Value) -> Result<HttpAction> {
        if let Some(o) = document.as_object() {
            if o.len() == 1 {
                if let Some((key, inner)) = o.get_index(0) {
                    let is_action = inner
                        .as_object()
                        .is_some_and(|a| a.get_ci("type").is_some() && a.get_ci("inputs").is_some());
                    if is_action {
                        return HttpAction::from_value(key, inner).map_err(|e| {
                            let pointer = format!("{}{}", join("", key), e.pointer().unwrap_or(""));
                            let message = e.message().to_string();
                            Error::new(ErrorKind::Definition, message).with_pointer(pointer)
                        });
                    }
                }
            }
        }
        HttpAction::from_value(default_name, document)
    }

    /// Parses with a given engine (its limits and added functions apply to the inputs).
    pub fn from_value_with(name: &str, definition: &Value, engine: &Engine) -> Result<HttpAction> {
        let Some(root) = definition.as_object() else {
            return Err(definition_error(
                "",
                format!("an Http action must be a JSON object, not {}", definition.value_type()),
            ));
        };
        let is_action = root.get_ci("inputs").is_some() || root.get_ci("type").is_some();
        let mut action = HttpAction {
            name: name.to_string(),
            inputs_source: Value::Null,
            inputs: engine.compile_document(&Value::Null)?,
            inputs_pointer: String::new(),
            disable_async_pattern: false,
            suppress_workflow_headers: false,
            minimum_item_count: None,
            chunked_transfer: false,
            secure_inputs: false,
            secure_outputs: false,
            timeout: None,
        };
        let inputs = if is_action {
            match root.get_ci("type") {
                Some(Value::String(t)) if t.eq_ignore_ascii_case("http") => {}
                Some(Value::String(t)) => {
                    return Err(definition_error(
                        "/type",
                        format!("the action type is '{t}'; this runs 'Http' actions"),
                    ))
                }
                Some(other) => {
                    return Err(definition_error(
                        "/type",
                        format!("the action 'type' must be a string, not {}", other.value_type()),
                    ))
                }
                None => {
                    return Err(definition_error(
                        "/type",
                        "the action has no 'type'; an Http action has \"type\": \"Http\"",
                    ))
                }
            }
            action.read_options(root)?;
            action.inputs_pointer = "/inputs".to_string();
            root.get_ci("inputs").cloned().unwrap_or_default()
        } else {
            definition.clone()
        };
        let base = action.inputs_pointer.clone();
        let Some(fields) = inputs.as_object() else {
            return Err(definition_error(
                &base,
                format!("the action inputs must be an object, not {}", inputs.value_type()),
            ));
        };
        check_inputs(fields, &base, engine)?;
        action.inputs = engine.compile_document(&inputs).map_err(|e| {
            let p = format!("{base}{}", e.pointer().unwrap_or(""));
            let message = e.message().to_string();
            let span = e.span();
            let source = e.source_text().map(str::to_string);
            let mut out = Error::new(e.kind(), message).with_pointer(p);
            if let (Some(span), Some(source)) = (span, source) {
                out = out.with_span(span).with_source(source);
            }
            out
        })?;
        action.inputs_source = inputs;
        Ok(action)
    }

    fn read_options(&mut self, root: &Object) -> Result<()> {
        match root.get_ci("operationOptions") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                for option in s.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                    if option.eq_ignore_ascii_case("DisableAsyncPattern") {
                        self.disable_async_pattern = true;
                    } else if option.eq_ignore_ascii_case("SuppressWorkflowHeaders") {
                        self.suppress_workflow_headers = true;
                    } else {
                        return Err(definition_error(
                            "/operationOptions",
                            format!(
                                "'{option}' is not an operation option of Http actions; they are {}",
                                OPERATION_OPTIONS.join(", ")
                            ),
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(definition_error(
                    "/operationOptions",
                    format!("'operationOptions' must be a string, not {}", other.value_type()),
                ))
            }
        }
        if let Some(limit) = root.get_ci("limit") {
            let timeout = limit.as_object().and_then(|l| l.get_ci("timeout"));
            match timeout {
                None | Some(Value::Null) => {}
                Some(Value::String(t)) => {
                    let d = parse_duration(t)
                        .map_err(|e| definition_error("/limit/timeout", format!("limit.timeout: {e}")))?;
                    self.timeout = Some(d);
                }
                Some(other) => {
                    return Err(definition_error(
                        "/limit/timeout",
                        format!(
                            "'limit.timeout' must be an ISO 8601 duration string, not {}",
                            other.value_type()
                        ),
                    ))
                }
            }
        }
        let Some(config) = root.get_ci("runtimeConfiguration") else { return Ok(()) };
        if let Some(policy) = config.member("paginationPolicy") {
            let count = policy.member("minimumItemCount");
            match count {
                Some(Value::Int(n)) if (1..=MAX_MINIMUM_ITEM_COUNT).contains(&n) => {
                    self.minimum_item_count = Some(n as u32)
                }
                None | Some(Value::Null) => {}
                Some(other) => {
                    return Err(definition_error(
                        "/runtimeConfiguration/paginationPolicy/minimumItemCount",
                        format!(
                        "'minimumItemCount' must be an integer from 1 to {MAX_MINIMUM_ITEM_COUNT}; it is {}",
                        other.to_text()
                    ),
                    ))
                }
            }
        }
        if let Some(transfer) = config.member("contentTransfer") {
            match transfer.member("transferMode") {
                None | Some(Value::Null) => {}
                Some(Value::String(m)) if m.eq_ignore_ascii_case("chunked") => self.chunked_transfer = true,
                Some(other) => {
                    return Err(definition_error(
                        "/runtimeConfiguration/contentTransfer/transferMode",
                        format!("'transferMode' may only be \"Chunked\", not {}", other.to_text()),
                    ))
                }
            }
        }
        if let Some(secure) = config.member("secureData") {
            let pointer = "/runtimeConfiguration/secureData/properties";
            let properties = secure.member("properties").unwrap_or_default();
            let Some(items) = properties.as_array() else {
                return Err(definition_error(
                    pointer,
                    "'secureData.properties' must be an array of \"inputs\" and \"outputs\"",
                ));
            };
            for item in items {
                match item.as_str() {
                    Some(s) if s.eq_ignore_ascii_case("inputs") => self.secure_inputs = true,
                    Some(s) if s.eq_ignore_ascii_case("outputs") => self.secure_outputs = true,
                    _ => {
                        return Err(definition_error(
                            pointer,
                            format!(
                                "'secureData.properties' may hold \"inputs\" and \"outputs\", not {}",
                                item.to_text()
                            ),
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// The action's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The inputs as written.
    pub fn inputs_source(&self) -> &Value {
        &self.inputs_source
    }

    /// The JSON pointer of the inputs within the definition.
    pub fn inputs_pointer(&self) -> &str {
        &self.inputs_pointer
    }

    /// Renders the inputs against a run context.
    pub fn render_inputs(&self, context: &dyn Context) -> Result<Value> {
        self.inputs.render(context)
    }
}

/// Checks the members of the inputs that hold no expressions.
fn check_inputs(fields: &Object, base: &str, engine: &Engine) -> Result<()> {
    // A member with no expression is checked as it will render (`"@@x"` is the text `@x`).
    let literal = |v: &Value| {
        let document = engine.compile_document(v).ok().filter(|d| !d.has_expressions())?;
        document.render(&crate::eval::RunContext::default()).ok()
    };
    match fields.get_ci("method") {
        None => {
            return Err(definition_error(&join(base, "method"), "the Http action inputs need a 'method'"))
        }
        Some(Value::String(m)) => {
            if let StringForm::Literal(m) = string_form(m) {
                check_method(&m).map_err(|e| definition_error(&join(base, "method"), e))?;
            }
        }
        Some(other) => {
            return Err(definition_error(
                &join(base, "method"),
                format!("'method' must be a string, not {}", other.value_type()),
            ))
        }
    }
    match fields.get_ci("uri") {
        None => return Err(definition_error(&join(base, "uri"), "the Http action inputs need a 'uri'")),
        Some(Value::String(u)) => {
            if let StringForm::Literal(u) = string_form(u) {
                check_uri(&u).map_err(|e| definition_error(&join(base, "uri"), e))?;
            }
        }
        Some(other) => {
            return Err(definition_error(
                &join(base, "uri"),
                format!("'uri' must be a string, not {}", other.value_type()),
            ))
        }
    }
    for member in ["headers", "queries"] {
        match fields.get_ci(member) {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            // Only a whole expression can give an object; "@@..." and "@{...}" give text.
            Some(Value::String(s)) => match string_form(s) {
                StringForm::Expression | StringForm::Invalid => {}
                form => {
                    return Err(definition_error(
                        &join(base, member),
                        format!(
                            "'{member}' must be an object of names and values (or an expression that gives one), not {}",
                            form.describe()
                        ),
                    ))
                }
            },
            Some(other) => {
                return Err(definition_error(
                    &join(base, member),
                    format!("'{member}' must be an object of names and values, not {}", other.value_type()),
                ))
            }
        }
    }
    if let Some(a) = fields.get_ci("authentication") {
        let pointer = join(base, "authentication");
        auth::check_type(a).map_err(|e| definition_error(&format!("{pointer}{}", e.pointer), e.message))?;
        if let Some(a) = literal(a) {
            auth::Authentication::from_value(&a, auth::DEFAULT_AUTHORITY)
                .map_err(|e| definition_error(&format!("{pointer}{}", e.pointer), e.message))?;
        }
    }
    if let Some(p) = fields.get_ci("retryPolicy") {
        if let Some(p) = literal(p) {
            let pointer = join(base, "retryPolicy");
            RetryPolicy::from_value(&p)
                .map_err(|e| definition_error(&format!("{pointer}{}", e.pointer), e.message))?;
        }
    }
    match fields.get_ci("cookie") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(definition_error(
                &join(base, "cookie"),
                format!("'cookie' must be a string, not {}", other.value_type()),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    fn parse(json: &str) -> Result<HttpAction> {
        HttpAction::from_value("HTTP", &from_json_str(json).unwrap_or_default())
    }

    #[test]
    fn reads_both_shapes_and_the_options() {
        let a = parse(
            r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://example.com/@{variables('p')}"},
                "runtimeConfiguration": {"paginationPolicy": {"minimumItemCount": 500},
                                         "secureData": {"properties": ["inputs", "outputs"]}},
                "operationOptions": "DisableAsyncPattern, SuppressWorkflowHeaders",
                "limit": {"timeout": "PT30S"}}"#,
        );
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            a.disable_async_pattern && a.suppress_workflow_headers && a.secure_inputs && a.secure_outputs
        );
        assert_eq!(a.minimum_item_count, Some(500));
        assert_eq!(a.timeout, Some(Duration::from_secs(30)));
        assert_eq!(a.inputs_pointer(), "/inputs");
        let bare = parse(r#"{"method": "post", "uri": "http://127.0.0.1:1/x", "body": {"a": 1}}"#);
        let bare = bare.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bare.inputs_pointer(), "");
        assert!(!bare.disable_async_pattern);
    }

    #[test]
    fn the_named_form_takes_its_name() {
        let doc = from_json_str(
            r#"{"HTTP_Get_Token": {"type": "Http", "inputs": {"method": "POST", "uri": "https://x"}}}"#,
        )
        .unwrap_or_default();
        let a = HttpAction::from_document("file", &doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.name(), "HTTP_Get_Token");
        let doc =
            from_json_str(r#"{"Bad": {"type": "Http", "inputs": {"method": "FETCH", "uri": "https://x"}}}"#)
                .unwrap_or_default();
        let e = HttpAction::from_document("file", &doc).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("(at /Bad/inputs/method)"), "{e}");
    }

    #[test]
    fn invalid_definitions_name_the_member() {
        for (json, pointer, fragment) in [
            (r#"{"type": "Compose", "inputs": {}}"#, "/type", "this runs 'Http' actions"),
            (r#"{"type": "Http", "inputs": {"uri": "https://x"}}"#, "/inputs/method", "need a 'method'"),
            (r#"{"type": "Http", "inputs": {"method": "GET"}}"#, "/inputs/uri", "need a 'uri'"),
            (
                r#"{"type": "Http", "inputs": {"method": "FETCH", "uri": "https://x"}}"#,
                "/inputs/method",
                "FETCH",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "ftp://x"}}"#,
                "/inputs/uri",
                "absolute http or https",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "headers": []}}"#,
                "/inputs/headers",
                "must be an object",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "retryPolicy": {"type": "fixed", "count": 100, "interval": "PT5S"}}}"#,
                "/inputs/retryPolicy/count",
                "between 1 and 90",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "retryPolicy": {"type": "exponential", "count": 3, "interval": "PT1S"}}}"#,
                "/inputs/retryPolicy/interval",
                "between PT5S and P1D",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "authentication": {"type": "Kerberos"}}}"#,
                "/inputs/authentication/type",
                "is not an authentication type",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "authentication": {"type": "Basic", "password": "@parameters('p')"}}}"#,
                "",
                "",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "limit": {"timeout": "30s"}}"#,
                "/limit/timeout",
                "ISO 8601",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "operationOptions": "Sequential"}"#,
                "/operationOptions",
                "not an operation option",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "runtimeConfiguration": {"paginationPolicy": {"minimumItemCount": 0}}}"#,
                "/runtimeConfiguration/paginationPolicy/minimumItemCount",
                "from 1 to 100000",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x"}, "runtimeConfiguration": {"secureData": {"properties": ["body"]}}}"#,
                "/runtimeConfiguration/secureData/properties",
                "\"inputs\" and \"outputs\"",
            ),
            (
                r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x/@{concat('a'}"}}"#,
                "/inputs/uri",
                "",
            ),
            (r#"[1, 2]"#, "", "must be a JSON object"),
        ] {
            match parse(json) {
                Err(e) => {
                    assert_eq!(e.pointer().unwrap_or(""), pointer, "{json}: {e}");
                    assert!(e.message().contains(fragment), "{json}: {e}");
                }
                Ok(_) if pointer.is_empty() && fragment.is_empty() => {}
                Ok(_) => panic!("{json} was accepted"),
            }
        }
    }
}
