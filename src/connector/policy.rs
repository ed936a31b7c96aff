//! The policy templates of `apiProperties.json`, applied in file order within each section
//! to the operations they name (all operations when they name none).
//!
//! Decisions where the platform's behaviour is not documented (each has a test):
//!
//! - `dynamichosturl` replaces scheme, host **and** basePath; when the swagger basePath is
//!   not `/` and the template has no path, a note says the basePath was dropped. A result
//!   without a scheme gets `https://`.
//! - `routerequesttoendpoint`'s `newPath` follows whatever base URL results (dynamic or
//!   not); a missing leading `/` is added; a `?query` part adds query parameters.
//! - Policies run in file order; a script (`script.csx`) would receive the request after
//!   the Request-section policies.
//! - `setheader` with an empty value sends the header with an empty value (the docs'
//!   `@connectionParameters('name','')` example "gives an empty header").
//! - `existsAction: append` joins the new value to the existing one with `,` (headers) or
//!   adds a second parameter of the same name (query).
//! - `stringtoarray`'s `delimiterList`: every character is a delimiter; parts are trimmed
//!   and empty parts dropped.
//! - `encodepropertyvalue` percent-encodes everything but RFC 3986 unreserved characters.
//! - `updatenextlink` changes nothing: the runner follows next links itself, with the
//!   connection's authentication.
//! - `moveproperties` with `copyOnlySubProperties` (default true) merges the source
//!   object's members into the destination and removes the source.
//! - `setconnectionstatustounauthenticated` marks the bound connection unauthenticated when
//!   its status code comes back; later calls on it fail until it is bound again.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::connection::BoundConnection;
use super::expr::{self, Path, PolicyText, Root, Scope, Step};
use super::load::Connector;
use super::properties::{PolicyInstance, Section, Template};
use super::request::{decode, join_url, Draft};
use super::swagger::Operation;

/// Where a `setvaluefromurl` policy puts the value it fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A request header.
    Header(String),
    /// A query parameter.
    Query(String),
}

impl Destination {
    /// `header If-Match` or `query access_token`.
    pub fn describe(&self) -> String {
        match self {
            Destination::Header(h) => format!("header {h}"),
            Destination::Query(q) => format!("query {q}"),
        }
    }
}

/// A request made by `setvaluefromurl` before the operation's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The policy's title.
    pub policy: String,
    /// The method.
    pub method: String,
    /// The absolute URL (on the operation's base URL).
    pub url: String,
    /// Where the value goes.
    pub target: Destination,
    /// The path of the value in the lookup's response (`@body()['@odata.etag']`).
    pub value_path: String,
}

fn policy_error(p: &PolicyInstance, e: Error) -> Error {
    let message = format!("the policy \"{}\" ({}, {}): {}", p.title, p.template_id, p.pointer, e.message());
    e.with_message(message)
}

fn compile(p: &PolicyInstance, name: &str, placeholders: bool) -> Result<PolicyText> {
    PolicyText::compile(&p.text_or_empty(name), placeholders)
}

/// The policies of `section` that apply to `op`, in file order.
pub fn applicable<'c>(
    connector: &'c Connector,
    op: &Operation,
    section: Section,
) -> impl Iterator<Item = &'c PolicyInstance> {
    let id = op.id.clone();
    connector
        .properties
        .policies
        .iter()
        .filter(move |p| p.template.is_some() && p.section == section && p.applies_to(&id))
}

/// Runs the Request-section policies on the draft.
pub fn apply_request(
    connector: &Connector,
    op: &Operation,
    bound: &BoundConnection,
    draft: &mut Draft,
    notes: &mut Vec<String>,
    lookups: &mut Vec<Lookup>,
    lookup: &mut dyn FnMut(&Lookup, &Draft) -> Result<Value>,
) -> Result<()> {
    for p in applicable(connector, op, Section::Request) {
        let Some(template) = p.template else { continue };
        request_policy(connector, template, p, bound, draft, notes, lookups, lookup)
            .map_err(|e| policy_error(p, e))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn request_policy(
    connector: &Connector,
    template: Template,
    p: &PolicyInstance,
    bound: &BoundConnection,
    draft: &mut Draft,
    notes: &mut Vec<String>,
    lookups: &mut Vec<Lookup>,
    lookup: &mut dyn FnMut(&Lookup, &Draft) -> Result<Value>,
) -> Result<()> {
    let scope = draft.scope(bound);
    match template {
        Template::SetHeader => {
            let name = p.text_or_empty("name");
            let value = compile(p, "value", false)?.value(&scope)?.to_text();
            let existing = draft.header(&name).map(str::to_string);
            match (exists_action(p), existing) {
                (ExistsAction::Skip, Some(_)) => {}
                (ExistsAction::Append, Some(old)) => draft.set_header(&name, format!("{old},{value}")),
                _ => draft.set_header(&name, value),
            }
        }
        Template::SetQueryParameter => {
            let name = decode(&p.text_or_empty("name"));
            let value = compile(p, "value", false)?.value(&scope)?.to_text();
            let exists = draft.query_value(&name).is_some();
            match (exists_action(p), exists) {
                (ExistsAction::Skip, true) => {}
                (ExistsAction::Append, true) => draft.query.push((name, value)),
                _ => draft.set_query(&name, value),
            }
        }
        Template::DynamicHostUrl => {
            let mut url = compile(p, "urlTemplate", false)?.value(&scope)?.to_text().trim().to_string();
            if url.is_empty() {
                return Err(Error::new(
                    ErrorKind::Definition,
                    "the URL template gives an empty URL (is a connection parameter missing?)",
                ));
            }
            if !url.contains("://") {
                url = format!("https://{url}");
            }
            let after_host =
                url.split_once("://").map(|(_, r)| r.find('/').map_or("", |i| &r[i..])).unwrap_or("");
            let base_path = connector.base_path.trim_end_matches('/');
            if !base_path.is_empty() && after_host.trim_end_matches('/').is_empty() {
                notes.push(format!(
                    "the dynamichosturl policy \"{}\" replaces the host and the basePath {}; its template has no path, so {} is not sent",
                    p.title, connector.base_path, connector.base_path
                ));
            }
            draft.base_url = url;
        }
        Template::RouteRequestToEndpoint => {
            let values = draft.path_values.clone();
            let placeholder = |name: &str| values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            let mut path = compile(p, "newPath", true)?.text(&scope, &placeholder)?;
            if let Some((before, query)) = path.clone().split_once('?') {
                path = before.to_string();
                for pair in query.split('&').filter(|s| !s.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    draft.query.push((decode(k), decode(v)));
                }
            }
            if !path.starts_with('/') {
                path.insert(0, '/');
            }
            draft.path = path;
            if let Some(method) = p.text("httpMethod") {
                let method = method.trim();
                if !method.is_empty() && !method.eq_ignore_ascii_case("@Request.OriginalHTTPMethod") {
                    draft.method = method.to_ascii_uppercase();
                }
            }
        }
        Template::SetValueFromUrl => {
            let target = destination(&p.text_or_empty("parameterTemplate"))?;
            let values = draft.path_values.clone();
            let placeholder = |name: &str| values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            let relative = compile(p, "parameterValueUrl", true)?.text(&scope, &placeholder)?;
            let url = if relative.contains("://") { relative } else { join_url(&draft.base_url, &relative) };
            let l = Lookup {
                policy: p.title.clone(),
                method: p
                    .text("httpMethod")
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| "GET".into())
                    .to_ascii_uppercase(),
                url,
                target,
                value_path: p.text_or_empty("parameterValuePathTemplate"),
            };
            let value = lookup(&l, draft)?.to_text();
            match &l.target {
                Destination::Header(h) => draft.set_header(h, value),
                Destination::Query(q) => draft.set_query(q, value),
            }
            lookups.push(l);
        }
        Template::UpdateNextLink
        | Template::PollingTrigger
        | Template::SetConnectionStatusToUnauthenticated => {}
        _ => {
            let mut body = draft.body.as_value();
            if body.is_null() && !matches!(draft.body, super::request::Body::None) {
                notes.push(format!("the policy \"{}\" acts on JSON bodies; this body is not JSON", p.title));
                return Ok(());
            }
            transform(template, p, &scope, &mut body)?;
            if !body.is_null() {
                draft.body = super::request::Body::Json(body);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExistsAction {
    Override,
    Skip,
    Append,
}

fn exists_action(p: &PolicyInstance) -> ExistsAction {
    match p.text("existsAction").map(|a| a.to_ascii_lowercase()).as_deref() {
        Some("skip") => ExistsAction::Skip,
        Some("append") => ExistsAction::Append,
        _ => ExistsAction::Override,
    }
}

fn destination(template: &str) -> Result<Destination> {
    let t = template.trim().trim_start_matches('@');
    let expr = crate::syntax::parse_expression(t).map_err(|e| {
        Error::new(
            ErrorKind::Definition,
            format!("\"{template}\" must be @headers('name') or @queryParameters('name'): {}", e.message()),
        )
    })?;
    if let crate::syntax::ExprKind::Call(c) = &expr.kind {
        if let [arg] = c.args.as_slice() {
            if let crate::syntax::ExprKind::String(name) = &arg.kind {
                match c.name.to_ascii_lowercase().as_str() {
                    "headers" | "header" => return Ok(Destination::Header(name.clone())),
                    "queryparameters" => return Ok(Destination::Query(name.clone())),
                    _ => {}
                }
            }
        }
    }
    Err(Error::new(
        ErrorKind::Definition,
        format!("\"{template}\" must be @headers('name') or @queryParameters('name')"),
    ))
}

/// One element a body transform acts on: the parent itself, or each element when the
/// parent is an array.
struct Target {
    /// Absolute steps of the element inside the body.
    base: Vec<Step>,
    /// The element.
    element: Value,
}

fn targets(body: &Value, parent: &Path) -> Vec<Target> {
    let Some(value) = expr::get(body, &parent.steps) else { return Vec::new() };
    match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut base = parent.steps.clone();
                base.push(Step::Index(i));
                Target { base, element: e.clone() }
            })
            .collect(),
        _ => vec![Target { base: parent.steps.clone(), element: value }],
    }
}

fn destination_steps(target: &Target, path: &Path) -> Vec<Step> {
    match path.root {
        Root::Item => target.base.iter().cloned().chain(path.steps.iter().cloned()).collect(),
        Root::Body | Root::TriggerBody => path.steps.clone(),
    }
}

fn path_param(p: &PolicyInstance, name: &str) -> Result<Path> {
    let text = p.text_or_empty(name);
    Path::parse(&text)
}

fn sub_steps(p: &PolicyInstance, name: &str) -> Result<Vec<Step>> {
    let base = Path { root: Root::Body, steps: Vec::new() };
    Ok(base.join(&p.text_or_empty(name))?.steps)
}

/// Evaluates a setproperty value template: a lone expression keeps its type; a template
/// that reads as a JSON array or object (`[{@body().payments}]`, `["a", "b"]`) becomes one;
/// anything else is text.
fn property_value(template: &str, scope: &Scope) -> Result<Value> {
    let compiled = PolicyText::compile(template, false)?;
    if compiled.is_single_expression() {
        return compiled.value(scope);
    }
    let trimmed = template.trim_start();
    if trimmed.starts_with('[') || (trimmed.starts_with('{') && !trimmed.starts_with("{@")) {
        let json = compiled.json_text(scope)?;
        if let Ok(v @ (Value::Array(_) | Value::Object(_))) = crate::value::from_json_str(&json) {
            return Ok(v);
        }
    }
    compiled.text(scope, &|_| None).map(Value::from)
}

/// Applies one body-transforming template to `body`.
pub fn transform(template: Template, p: &PolicyInstance, scope: &Scope, body: &mut Value) -> Result<()> {
    let mut writes: Vec<(Vec<Step>, Value)> = Vec::new();
    match template {
        Template::SetProperty => {
            let parent = path_param(p, "newPropertyParentPathTemplate")?;
            let sub = sub_steps(p, "newPropertySubPathTemplate")?;
            let template_text = p.text_or_empty("propertyValuePathTemplate");
            if body.is_null() && parent.steps.is_empty() {
                *body = Value::Object(Object::new());
            }
            for t in targets(body, &parent) {
                if !matches!(t.element, Value::Object(_)) {
                    continue;
                }
                let mut s = scope.clone();
                s.body = body.clone();
                s.item = Some(t.element.clone());
                let value = match property_value(&template_text, &s) {
                    Ok(v) => v,
                    // A value read from a property the body does not have leaves the body
                    // as it is (Blackbaud wraps `payments` in an array only when present).
                    Err(e) if e.kind() == ErrorKind::InvalidMember => continue,
                    Err(e) => return Err(e),
                };
                writes.push((t.base.iter().cloned().chain(sub.iter().cloned()).collect(), value));
            }
        }
        Template::ConvertArrayToObject => {
            let parent = path_param(p, "propertyParentPath")?;
            let sub = sub_steps(p, "propertySubPath")?;
            let key_steps = sub_steps(p, "keyWithinCollectionPath")?;
            let new_path = path_param(p, "newPropertyPath")?;
            let retain = !p.text("retainKey").is_some_and(|r| r.eq_ignore_ascii_case("false"));
            for t in targets(body, &parent) {
                let Some(Value::Array(items)) = expr::get(&t.element, &sub) else { continue };
                let mut out = Object::new();
                for item in items.iter() {
                    let Some(key) = expr::get(item, &key_steps) else { continue };
                    let mut value = item.clone();
                    if !retain {
                        expr::remove(&mut value, &key_steps);
                    }
                    out.insert(key.to_text(), value);
                }
                writes.push((destination_steps(&t, &new_path), Value::Object(out)));
            }
        }
        Template::ConvertObjectToArray => {
            let parent = path_param(p, "propertyParentPath")?;
            let sub = sub_steps(p, "propertySubPath")?;
            let new_path = path_param(p, "newPropertyPath")?;
            let key_name = p.text("keyName").filter(|k| !k.is_empty()).unwrap_or_else(|| "key".into());
            let value_name = p.text("valueName").filter(|k| !k.is_empty()).unwrap_or_else(|| "value".into());
            for t in targets(body, &parent) {
                let Some(Value::Object(o)) = expr::get(&t.element, &sub) else { continue };
                let items: Vec<Value> = o
                    .iter()
                    .map(|(k, v)| {
                        let mut entry = Object::new();
                        entry.insert(key_name.as_str(), Value::from(&**k));
                        entry.insert(value_name.as_str(), v.clone());
                        Value::Object(entry)
                    })
                    .collect();
                writes.push((destination_steps(&t, &new_path), Value::array(items)));
            }
        }
        Template::StringToArray => {
            let parent = path_param(p, "propertyParentPath")?;
            let sub = sub_steps(p, "propertySubPath")?;
            let new_path = path_param(p, "newPropertyPath")?;
            let delimiters: Vec<char> = p.text_or_empty("delimiterList").chars().collect();
            let child = p.text_or_empty("childPropertyName");
            for t in targets(body, &parent) {
                let Some(Value::String(s)) = expr::get(&t.element, &sub) else { continue };
                let items: Vec<Value> = s
                    .split(|c| delimiters.contains(&c))
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(|part| {
                        let mut o = Object::new();
                        o.insert(child.as_str(), Value::from(part));
                        Value::Object(o)
                    })
                    .collect();
                writes.push((destination_steps(&t, &new_path), Value::array(items)));
            }
        }
        Template::StringReplace | Template::EncodePropertyValue => {
            let parent = path_param(p, "propertyParentPath")?;
            let sub = sub_steps(p, "propertySubPath")?;
            let new_path = path_param(p, "newPropertyPath")?;
            let (from, to) = (p.text_or_empty("sourceString"), p.text_or_empty("replacementString"));
            for t in targets(body, &parent) {
                let Some(Value::String(s)) = expr::get(&t.element, &sub) else { continue };
                let new = if template == Template::EncodePropertyValue {
                    crate::mime::encode_component(&s)
                } else if from.is_empty() {
                    s.to_string()
                } else {
                    s.replace(from.as_str(), &to)
                };
                writes.push((destination_steps(&t, &new_path), Value::from(new)));
            }
        }
        Template::MoveProperties => {
            let src = path_param(p, "srcParentPath")?.join(&p.text_or_empty("srcSubPath"))?;
            let dst = path_param(p, "dstParentPath")?.join(&p.text_or_empty("dstSubPath"))?;
            let only_members =
                !p.text("copyOnlySubProperties").is_some_and(|c| c.eq_ignore_ascii_case("false"));
            let Some(source) = expr::remove(body, &src.steps) else { return Ok(()) };
            match (&source, only_members) {
                (Value::Object(members), true) => {
                    let mut dest = expr::get(body, &dst.steps)
                        .filter(|d| matches!(d, Value::Object(_)))
                        .unwrap_or_else(|| Value::Object(Object::new()));
                    if let Value::Object(d) = &mut dest {
                        for (k, v) in members.iter() {
                            d.insert(k.clone(), v.clone());
                        }
                    }
                    writes.push((dst.steps.clone(), dest));
                }
                _ => writes.push((dst.steps.clone(), source.clone())),
            }
        }
        _ => {}
    }
    for (steps, value) in writes {
        expr::set(body, &steps, value);
    }
    Ok(())
}

/// What the Response-section policies see and change.
#[derive(Debug, Clone)]
pub struct ResponseParts {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: Vec<(String, String)>,
    /// The response body (parsed JSON, or text, or `null`).
    pub body: Value,
}

/// Runs the Response-section (and, for failures, Failure-section) policies.
pub fn apply_response(
    connector: &Connector,
    op: &Operation,
    bound: &BoundConnection,
    request_scope: &Scope,
    response: &mut ResponseParts,
    notes: &mut Vec<String>,
) -> Result<()> {
    let mut sections = vec![Section::Response];
    if response.status >= 400 {
        sections.push(Section::Failure);
    }
    let policies: Vec<&PolicyInstance> = connector
        .properties
        .policies
        .iter()
        .filter(|p| p.template.is_some() && sections.contains(&p.section) && p.applies_to(&op.id))
        .collect();
    for p in policies {
        let Some(template) = p.template else { continue };
        let mut scope = request_scope.clone();
        scope.headers = Object::new();
        for (k, v) in &response.headers {
            scope.headers.insert(k.as_str(), Value::from(v.as_str()));
        }
        scope.body = response.body.clone();
        let result: Result<()> = (|| {
            match template {
                Template::SetHeader => {
                    let name = p.text_or_empty("name");
                    let value = compile(p, "value", false)?.value(&scope)?.to_text();
                    let existing = response.headers.iter().position(|(k, _)| k.eq_ignore_ascii_case(&name));
                    match (exists_action(p), existing) {
                        (ExistsAction::Skip, Some(_)) => {}
                        (ExistsAction::Append, Some(i)) => {
                            let old = response.headers[i].1.clone();
                            response.headers[i].1 = format!("{old},{value}");
                        }
                        (_, Some(i)) => response.headers[i].1 = value,
                        (_, None) => response.headers.push((name, value)),
                    }
                }
                Template::SetConnectionStatusToUnauthenticated => {
                    let code = p
                        .parameters
                        .get_ci("statusCode")
                        .and_then(|v| v.as_i64().or_else(|| v.to_text().trim().parse().ok()));
                    if code == Some(i64::from(response.status)) {
                        let why = format!(
                            "the operation {} returned {}, which the policy \"{}\" treats as a lost sign-in; bind the connection again",
                            op.id, response.status, p.title
                        );
                        if let Ok(mut flag) = bound.unauthenticated.lock() {
                            *flag = Some(why.clone());
                        }
                        notes.push(why);
                    }
                }
                Template::UpdateNextLink => {}
                _ => {
                    if matches!(response.body, Value::Object(_) | Value::Array(_)) {
                        transform(template, p, &scope, &mut response.body)?;
                    }
                }
            }
            Ok(())
        })();
        result.map_err(|e| policy_error(p, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::properties::{PolicyInstance, Section};
    use crate::value::from_json_str;

    fn instance(template: Template, params: &str) -> PolicyInstance {
        PolicyInstance {
            template: Some(template),
            template_id: template.id().into(),
            title: "t".into(),
            operations: None,
            section: Section::Request,
            parameters: from_json_str(params).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default(),
            pointer: "/p".into(),
        }
    }

    fn run(template: Template, params: &str, body: &str) -> String {
        let mut body = from_json_str(body).unwrap_or_default();
        let scope = Scope::default();
        match transform(template, &instance(template, params), &scope, &mut body) {
            Ok(()) => crate::value::to_json_string(&body),
            Err(e) => format!("ERROR {e}"),
        }
    }

    #[test]
    fn setproperty() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "version", "propertyValuePathTemplate": "v1"}"#,
                "null",
                r#"{"version":"v1"}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "['@odata.id']", "propertyValuePathTemplate": "https://graph.microsoft.com/v1.0/directoryObjects/{@body()['@odata.id']}"}"#,
                r#"{"@odata.id": "u1"}"#,
                r#"{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/u1"}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "@body().gifts", "newPropertySubPathTemplate": "payments", "propertyValuePathTemplate": "[{@body().gifts.payments}]"}"#,
                r#"{"gifts": {"payments": {"amount": 5}}}"#,
                r#"{"gifts":{"payments":[{"amount":5}]}}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "body()", "newPropertySubPathTemplate": "topics", "propertyValuePathTemplate": "[\"matter.created\", \"x\"]"}"#,
                r#"{}"#,
                r#"{"topics":["matter.created","x"]}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "@body().list", "newPropertySubPathTemplate": "copy", "propertyValuePathTemplate": "{@item().id}"}"#,
                r#"{"list": [{"id": 1}, {"id": 2}]}"#,
                r#"{"list":[{"id":1,"copy":1},{"id":2,"copy":2}]}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "@body().missing", "newPropertySubPathTemplate": "x", "propertyValuePathTemplate": "1"}"#,
                r#"{"a": 1}"#,
                r#"{"a":1}"#,
            ),
            (
                r#"{"newPropertyParentPathTemplate": "@body()", "newPropertySubPathTemplate": "receipts", "propertyValuePathTemplate": "[{@body().receipts}]"}"#,
                r#"{"a": 1}"#,
                r#"{"a":1}"#,
            ),
        ];
        for (params, body, expected) in cases {
            assert_eq!(run(Template::SetProperty, params, body), *expected, "{params}");
        }
    }

    #[test]
    fn array_object_conversions() {
        let p = r#"{"propertyParentPath": "@body()", "propertySubPath": "assignments", "keyWithinCollectionPath": "userId", "newPropertyPath": "@body().assignments", "retainKey": "false"}"#;
        assert_eq!(
            run(
                Template::ConvertArrayToObject,
                p,
                r#"{"assignments": [{"userId": "a", "order": 1}, {"userId": "b"}]}"#
            ),
            r#"{"assignments":{"a":{"order":1},"b":{}}}"#
        );
        let p = r#"{"propertyParentPath": "@body()", "propertySubPath": "refs", "keyWithinCollectionPath": "id", "newPropertyPath": "@body().byId"}"#;
        assert_eq!(
            run(Template::ConvertArrayToObject, p, r#"{"refs": [{"id": 7}]}"#),
            r#"{"refs":[{"id":7}],"byId":{"7":{"id":7}}}"#
        );
        let p = r#"{"propertyParentPath": "@body()", "propertySubPath": "null", "newPropertyPath": "@body().Zones", "keyName": "Name", "valueName": "Details"}"#;
        assert_eq!(
            run(Template::ConvertObjectToArray, p, r#"{"DE": {"zoneName": "Germany"}}"#),
            r#"{"DE":{"zoneName":"Germany"},"Zones":[{"Name":"DE","Details":{"zoneName":"Germany"}}]}"#
        );
        let p = r#"{"propertyParentPath": "@body().value", "propertySubPath": "assignments", "newPropertyPath": "@item()._assignments", "keyName": "userId"}"#;
        assert_eq!(
            run(Template::ConvertObjectToArray, p, r#"{"value": [{"assignments": {"u1": {"o": 1}}}]}"#),
            r#"{"value":[{"assignments":{"u1":{"o":1}},"_assignments":[{"userId":"u1","value":{"o":1}}]}]}"#
        );
        assert_eq!(
            run(Template::ConvertObjectToArray, p, r#"{"value": [{"assignments": "not an object"}]}"#),
            r#"{"value":[{"assignments":"not an object"}]}"#
        );
    }

    #[test]
    fn string_templates() {
        let p = r#"{"propertyParentPath": "@body()", "propertySubPath": "assignments", "delimiterList": ";", "childPropertyName": "userId", "newPropertyPath": "@body().assignments"}"#;
        assert_eq!(
            run(Template::StringToArray, p, r#"{"assignments": "a; b;;c"}"#),
            r#"{"assignments":[{"userId":"a"},{"userId":"b"},{"userId":"c"}]}"#
        );
        let p = r#"{"propertyParentPath": "@body().references", "propertySubPath": "resourceLink", "sourceString": ".", "replacementString": "%2E", "newPropertyPath": "@item().resourceLink"}"#;
        assert_eq!(
            run(Template::StringReplace, p, r#"{"references": [{"resourceLink": "a.b.c"}, {"other": 1}]}"#),
            r#"{"references":[{"resourceLink":"a%2Eb%2Ec"},{"other":1}]}"#
        );
        let p = r#"{"propertyParentPath": "@body().invoices", "propertySubPath": "url", "sourceString": "https://api.freeagent.com/v2/invoices/", "replacementString": "", "newPropertyPath": "@item().id"}"#;
        assert_eq!(
            run(
                Template::StringReplace,
                p,
                r#"{"invoices": [{"url": "https://api.freeagent.com/v2/invoices/12"}]}"#
            ),
            r#"{"invoices":[{"url":"https://api.freeagent.com/v2/invoices/12","id":"12"}]}"#
        );
        let p = r#"{"propertyParentPath": "@body().assignments", "propertySubPath": "userId", "newPropertyPath": "@item().userId"}"#;
        assert_eq!(
            run(Template::EncodePropertyValue, p, r#"{"assignments": [{"userId": "a b@c.d"}]}"#),
            r#"{"assignments":[{"userId":"a%20b%40c.d"}]}"#
        );
    }

    #[test]
    fn moveproperties() {
        let p = r#"{"srcParentPath": "@body()", "srcSubPath": "customProperties", "dstParentPath": "@body()", "dstSubPath": "null", "copyOnlySubProperties": "true"}"#;
        assert_eq!(
            run(Template::MoveProperties, p, r#"{"id": 1, "customProperties": {"ext_x": "y", "ext_z": 2}}"#),
            r#"{"id":1,"ext_x":"y","ext_z":2}"#
        );
        let p = r#"{"srcParentPath": "@body()", "srcSubPath": "a", "dstParentPath": "@body()", "dstSubPath": "b", "copyOnlySubProperties": "false"}"#;
        assert_eq!(run(Template::MoveProperties, p, r#"{"a": {"x": 1}}"#), r#"{"b":{"x":1}}"#);
        assert_eq!(run(Template::MoveProperties, p, r#"{"c": 1}"#), r#"{"c":1}"#);
    }

    #[test]
    fn destinations() {
        assert_eq!(destination("@headers('If-Match')").ok(), Some(Destination::Header("If-Match".into())));
        assert_eq!(
            destination("@queryParameters('access_token')").ok(),
            Some(Destination::Query("access_token".into()))
        );
        assert!(destination("@body().x").is_err());
    }
}
