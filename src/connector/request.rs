//! Building an operation's request, exactly as the spec's algorithm says:
//!
//! 1. find the operation by `operationId`; the method is its path-item key;
//! 2. its parameters are the path item's merged with its own, `$ref`s resolved (at load);
//! 3. each parameter takes the caller's value, else its `default` (internal constants
//!    included); a missing required parameter is an error. Body properties that are
//!    required or internal take their schema `default` when missing;
//! 4. path parameters are substituted, percent-encoded once (or twice with
//!    `x-ms-url-encoding: double`);
//! 5. query parameters are added, arrays written by `collectionFormat`;
//! 6. header parameters are set;
//! 7. the body: the `in: body` parameter as JSON (text or binary when `consumes` and the
//!    value say so), or the `formData` parameters as multipart (when `consumes` says so or a
//!    file is sent) or urlencoded;
//! 8. authentication: API keys in their header or query parameter, `Basic`, or `Bearer`;
//! 9. the Request-section policies that apply to the operation, in file order
//!    ([`super::policy`]); the URL is the (possibly dynamic) base URL followed by the
//!    (possibly rerouted) path.

use crate::runtime::redact::REDACTED;
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Binary, Object, Value};

use super::connection::{Auth, BoundConnection};
use super::expr::Scope;
use super::load::Connector;
use super::policy::{self, Lookup};
use super::swagger::{resolve, CollectionFormat, Location, Operation, Parameter};

/// Characters kept as they are in a path segment: RFC 3986 unreserved and `pchar`
/// sub-delimiters (`/`, `?`, `#`, `%` and spaces are encoded).
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Characters kept as they are in a query name or value (`&`, `=`, `+`, `#`, `%` and
/// spaces are encoded).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?');

/// Percent-encodes a path parameter value once.
pub fn encode_path(text: &str) -> String {
    utf8_percent_encode(text, PATH).to_string()
}

/// Percent-encodes a query name or value.
pub fn encode_query(text: &str) -> String {
    utf8_percent_encode(text, QUERY).to_string()
}

/// Decodes percent-encoding (invalid sequences are kept).
pub fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// What the caller gives an operation.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    /// Values by swagger parameter name. The body parameter may be given whole under its
    /// name, or flattened into `<body name>/<property>/<sub>` keys as flows do.
    pub parameters: Object,
    /// The body, overriding any body value in `parameters`.
    pub body: Option<Value>,
    /// File names of file parameters (for multipart `filename=`).
    pub file_names: Vec<(String, String)>,
    /// The callback URL of a webhook trigger: it fills parameters and body properties
    /// marked `x-ms-notification-url` that the caller leaves empty.
    pub notification_url: Option<String>,
    /// A request given already built, instead of parameter values (Logic Apps
    /// `ApiConnection` actions).
    pub raw: Option<RawRequest>,
}

/// A request an `ApiConnection` action gives already built: the swagger method and path
/// with the values inserted (and encoded, so they are not encoded again), the queries,
/// headers and body. Authentication and policies still apply.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    /// The method.
    pub method: String,
    /// The swagger path with its values, as sent.
    pub path: String,
    /// Query parameters.
    pub queries: Object,
    /// Headers.
    pub headers: Object,
    /// The body.
    pub body: Option<Value>,
}

/// The characters of a path template outside `{...}`.
fn literal_length(template: &str) -> usize {
    let mut depth = 0usize;
    template
        .chars()
        .filter(|c| {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .count()
}

enum Piece<'t> {
    Literal(&'t str),
    Param(&'t str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else { break };
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Param(&rest[open + 1..open + len]));
        rest = &rest[open + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// Matches a path against a swagger path template (`/{entity}('{id}')`): each parameter
/// takes one or more characters within one segment. Returns the parameters' values.
pub fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    // Adjacent parameters (`{a}{b}{c}`) backtrack; the work is capped so a hostile template
    // cannot take exponential time (such a template simply does not match).
    fn go(pieces: &[Piece<'_>], path: &str, found: &mut Vec<(String, String)>, fuel: &mut u32) -> bool {
        if *fuel == 0 {
            return false;
        }
        *fuel -= 1;
        match pieces.split_first() {
            None => path.is_empty(),
            Some((Piece::Literal(l), rest)) => path.strip_prefix(l).is_some_and(|p| go(rest, p, found, fuel)),
            Some((Piece::Param(name), rest)) => {
                let segment_end = path.find('/').unwrap_or(path.len());
                // Longest first, so `{a}.json` style templates take as much as they can.
                for end in (1..=segment_end).rev() {
                    if !path.is_char_boundary(end) {
                        continue;
                    }
                    found.push(((*name).to_string(), path[..end].to_string()));
                    if go(rest, &path[end..], found, fuel) {
                        return true;
                    }
                    found.pop();
                }
                false
            }
        }
    }
    let mut found = Vec::new();
    let mut fuel = 100_000;
    go(&pieces(template), path, &mut found, &mut fuel).then_some(found)
}

impl CallInput {
    /// No input.
    pub fn new() -> CallInput {
        CallInput::default()
    }

    /// Adds a parameter value.
    pub fn param(mut self, name: &str, value: impl Into<Value>) -> CallInput {
        self.parameters.insert(name, value.into());
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: Value) -> CallInput {
        self.body = Some(body);
        self
    }

    /// A flow's `inputs.parameters` map (keys are swagger names, body properties flattened
    /// as `body/x/y`).
    pub fn from_flow_parameters(parameters: &Object) -> CallInput {
        CallInput { parameters: parameters.clone(), ..CallInput::default() }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name).or_else(|| self.parameters.get_ci(name))
    }
}

/// A multipart part.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name, for files.
    pub file_name: Option<String>,
    /// The part's content type, for files.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

impl Part {
    /// The part's headers: `Content-Disposition` with the field and file name, and the
    /// content type of a file.
    fn headers(&self) -> Vec<(String, String)> {
        let mut disposition = format!("form-data; name=\"{}\"", quote(&self.name));
        if let Some(f) = &self.file_name {
            disposition.push_str(&format!("; filename=\"{}\"", quote(f)));
        }
        let mut headers = vec![("Content-Disposition".to_string(), disposition)];
        if let Some(ct) = &self.content_type {
            headers.push(("Content-Type".to_string(), ct.clone()));
        }
        headers
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// JSON.
    Json(Value),
    /// Text with a content type (text/plain, application/xml, ...).
    Text(String, String),
    /// Bytes with a content type.
    Bytes(String, Vec<u8>),
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` parts.
    Multipart(Vec<Part>),
}

impl Body {
    /// The body as the value policies see (`@body()`): JSON as is, anything else `null`.
    pub fn as_value(&self) -> Value {
        match self {
            Body::Json(v) => v.clone(),
            _ => Value::Null,
        }
    }

    /// The content type to send (multipart gets its boundary).
    pub fn content_type(&self, boundary: &str) -> Option<String> {
        match self {
            Body::None => None,
            Body::Json(_) => Some("application/json".into()),
            Body::Text(ct, _) | Body::Bytes(ct, _) => Some(ct.clone()),
            Body::Form(_) => Some("application/x-www-form-urlencoded".into()),
            Body::Multipart(_) => Some(format!("multipart/form-data; boundary={boundary}")),
        }
    }

    /// The bytes to send, and the multipart boundary used (one that no part contains).
    pub fn encode(&self) -> (Vec<u8>, String) {
        match self {
            Body::None => (Vec::new(), String::new()),
            Body::Json(v) => (crate::value::to_json_string(v).into_bytes(), String::new()),
            Body::Text(_, t) => (t.clone().into_bytes(), String::new()),
            Body::Bytes(_, b) => (b.clone(), String::new()),
            Body::Form(fields) => {
                let text =
                    crate::mime::write_urlencoded(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                (text.into_bytes(), String::new())
            }
            Body::Multipart(parts) => {
                let headers: Vec<Vec<(String, String)>> = parts.iter().map(Part::headers).collect();
                let mime_parts: Vec<crate::mime::Part<'_>> = parts
                    .iter()
                    .zip(&headers)
                    .map(|(p, headers)| crate::mime::Part { headers, data: &p.data })
                    .collect();
                crate::mime::write_multipart(&mime_parts)
            }
        }
    }

    /// A readable form for dry runs: JSON as is, text as a string, form fields as an
    /// object, multipart parts as a list (file contents shown as text when they are text).
    pub fn describe(&self) -> Value {
        match self {
            Body::None => Value::Null,
            Body::Json(v) => v.clone(),
            Body::Text(_, t) => Value::from(t.as_str()),
            Body::Bytes(ct, b) => Value::from(format!("<{} bytes of {ct}>", b.len())),
            Body::Form(fields) => {
                let mut o = Object::new();
                for (k, v) in fields {
                    o.insert(k.as_str(), Value::from(v.as_str()));
                }
                Value::Object(o)
            }
            Body::Multipart(parts) => Value::array(
                parts
                    .iter()
                    .map(|p| {
                        let mut o = Object::new();
                        o.insert("name", Value::from(p.name.as_str()));
                        if let Some(f) = &p.file_name {
                            o.insert("filename", Value::from(f.as_str()));
                        }
                        if let Some(ct) = &p.content_type {
                            o.insert("contentType", Value::from(ct.as_str()));
                        }
                        let shown = match std::str::from_utf8(&p.data) {
                            Ok(t) => Value::from(t),
                            Err(_) => Value::from(format!("<{} bytes>", p.data.len())),
                        };
                        o.insert("content", shown);
                        Value::Object(o)
                    })
                    .collect(),
            ),
        }
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The request being built; policies act on it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The method, upper case.
    pub method: String,
    /// The base URL (`scheme://host/basePath`, or what `dynamichosturl` made it).
    pub base_url: String,
    /// The path after the base URL, already encoded.
    pub path: String,
    /// Path parameter values, encoded, for `{name}` placeholders.
    pub path_values: Vec<(String, String)>,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Draft {
    /// A header's value (name matched without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing any with the same name.
    pub fn set_header(&mut self, name: &str, value: String) {
        match self.headers.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name.to_string(), value)),
        }
    }

    /// A query parameter's value (names compared after percent-decoding).
    pub fn query_value(&self, name: &str) -> Option<&str> {
        let name = decode(name);
        self.query.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// Sets a query parameter, replacing all with the same name.
    pub fn set_query(&mut self, name: &str, value: String) {
        let name = decode(name);
        match self.query.iter().position(|(k, _)| *k == name) {
            Some(i) => {
                self.query[i].1 = value;
                let mut j = i + 1;
                while j < self.query.len() {
                    if self.query[j].0 == name {
                        self.query.remove(j);
                    } else {
                        j += 1;
                    }
                }
            }
            None => self.query.push((name, value)),
        }
    }

    /// The full URL.
    pub fn url(&self) -> String {
        let (base, base_query) = match self.base_url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (self.base_url.as_str(), None),
        };
        let mut url = join_url(base, &self.path);
        let (url_no_query, path_query) = match url.split_once('?') {
            Some((u, q)) => (u.to_string(), Some(q.to_string())),
            None => (url.clone(), None),
        };
        url = url_no_query;
        let mut pieces: Vec<String> = Vec::new();
        pieces.extend(base_query.filter(|q| !q.is_empty()).map(str::to_string));
        pieces.extend(path_query.filter(|q| !q.is_empty()));
        pieces.extend(self.query.iter().map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v))));
        if !pieces.is_empty() {
            url.push('?');
            url.push_str(&pieces.join("&"));
        }
        url
    }

    /// The policy scope for this draft (connection values, headers, query, body).
    pub fn scope(&self, bound: &BoundConnection) -> Scope {
        let mut headers = Object::new();
        for (k, v) in &self.headers {
            headers.insert(k.as_str(), Value::from(v.as_str()));
        }
        let mut queries = Object::new();
        for (k, v) in &self.query {
            queries.insert(k.as_str(), Value::from(v.as_str()));
        }
        Scope {
            connection: bound.values.clone(),
            declared: bound.declared.clone(),
            headers,
            queries,
            body: self.body.as_value(),
            item: None,
            trigger_body: None,
            environment: bound.environment.clone(),
        }
    }
}

/// `base` and `path` joined with exactly one `/`.
pub fn join_url(base: &str, path: &str) -> String {
    if path.is_empty() {
        return base.to_string();
    }
    match (base.ends_with('/'), path.starts_with('/')) {
        (true, true) => format!("{base}{}", &path[1..]),
        (false, false) => format!("{base}/{path}"),
        _ => format!("{base}{path}"),
    }
}

/// Replaces the scheme and authority of `url` with `origin`'s.
pub fn apply_origin(url: &str, origin: &str) -> String {
    let origin = origin.trim_end_matches('/');
    let rest = match url.split_once("://") {
        Some((_, after)) => after.find('/').map_or("", |i| &after[i..]),
        None => url,
    };
    format!("{origin}{rest}")
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// The method.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty for none).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A header's value (name matched without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The result of building an operation's request without sending it.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// The operationId.
    pub operation: String,
    /// The request as it would be sent.
    pub request: HttpRequest,
    /// The body in readable form.
    pub body: Value,
    /// Requests `setvaluefromurl` policies would make first.
    pub lookups: Vec<Lookup>,
    /// Things worth knowing (script coverage, a dropped basePath, a token to fetch, ...).
    pub notes: Vec<String>,
    /// Secrets to redact.
    pub(crate) secrets: BoundConnection,
    /// Headers and query parameters that carry credentials.
    pub(crate) credential_names: Vec<String>,
}

impl DryRun {
    /// The request with secrets replaced by `[redacted]` (credential headers keep their
    /// scheme: `Basic [redacted]`, `Bearer [redacted]`).
    pub fn redacted(&self) -> HttpRequest {
        let mut r = self.request.clone();
        for (name, value) in &mut r.headers {
            if name.eq_ignore_ascii_case("authorization") {
                *value = match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                    None => REDACTED.into(),
                };
            } else if self.credential_names.iter().any(|c| c.eq_ignore_ascii_case(name)) && !value.is_empty()
            {
                *value = REDACTED.into();
            } else {
                *value = self.secrets.redact(value);
            }
        }
        let mut url = self.secrets.redact(&r.url);
        if let Some((base, query)) = url.clone().split_once('?') {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _))
                        if self.credential_names.iter().any(|c| decode(k).eq_ignore_ascii_case(c)) =>
                    {
                        format!("{k}={REDACTED}")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            url = format!("{base}?{}", pairs.join("&"));
        }
        r.url = url;
        r.body = self.secrets.redact(&String::from_utf8_lossy(&r.body)).into_bytes();
        r
    }

    /// The dry run as JSON (redacted): operation, method, url, headers, body, lookups, notes.
    pub fn to_value(&self) -> Value {
        let r = self.redacted();
        let mut o = Object::new();
        o.insert("operation", Value::from(self.operation.as_str()));
        o.insert("method", Value::from(r.method.as_str()));
        o.insert("url", Value::from(r.url.as_str()));
        let mut headers = Object::new();
        for (k, v) in &r.headers {
            headers.insert(k.as_str(), Value::from(v.as_str()));
        }
        o.insert("headers", Value::Object(headers));
        let body = match &self.body {
            Value::Null => Value::Null,
            other => {
                let text = self.secrets.redact(&crate::value::to_json_string(other));
                crate::value::from_json_str(&text).unwrap_or_else(|_| Value::from(text))
            }
        };
        o.insert("body", body);
        if !self.lookups.is_empty() {
            o.insert(
                "lookups",
                Value::array(
                    self.lookups
                        .iter()
                        .map(|l| {
                            let mut x = Object::new();
                            x.insert("policy", Value::from(l.policy.as_str()));
                            x.insert("method", Value::from(l.method.as_str()));
                            x.insert("url", Value::from(self.secrets.redact(&l.url)));
                            x.insert("into", Value::from(l.target.describe()));
                            Value::Object(x)
                        })
                        .collect(),
                ),
            );
        }
        if !self.notes.is_empty() {
            o.insert("notes", Value::array(self.notes.iter().map(|n| Value::from(n.as_str())).collect()));
        }
        Value::Object(o)
    }
}

fn missing(op: &Operation, p: &Parameter) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!("the operation {} needs the parameter \"{}\" (in {})", op.id, p.name, p.location.name()),
    )
}

/// A parameter value written as text: booleans in lower case, numbers as JSON, arrays by
/// the collection format, objects as JSON.
fn to_param_text(v: &Value, format: CollectionFormat) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let sep = format.separator().unwrap_or(",");
            items.iter().map(|i| to_param_text(i, CollectionFormat::Csv)).collect::<Vec<_>>().join(sep)
        }
        Value::String(s) => s.to_string(),
        Value::Binary(b) => String::from_utf8_lossy(b.bytes()).into_owned(),
        other => crate::value::to_json_string(other),
    }
}

/// Converts a caller's text to the parameter's declared type (`--param n=5` for an
/// integer parameter is the number 5); other values are kept.
pub fn coerce(p: &Parameter, v: Value, op: &Operation) -> Result<Value> {
    let Value::String(s) = &v else { return Ok(v) };
    let bad = |what: &str| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("the parameter \"{}\" of {} must be {what}; \"{s}\" is not", p.name, op.id),
        )
    };
    Ok(match p.ty.as_str() {
        "integer" => Value::Int(s.trim().parse().map_err(|_| bad("an integer"))?),
        "number" => match s.trim().parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(s.trim().parse().map_err(|_| bad("a number"))?),
        },
        "boolean" => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("true or false")),
        },
        "array" => match crate::value::from_json_str(s) {
            Ok(a @ Value::Array(_)) => a,
            // On the command line, items are separated by commas whatever the format.
            _ => Value::array(s.split(',').map(Value::from).collect()),
        },
        "object" if p.location == Location::Body => crate::value::from_json_str(s).unwrap_or(v.clone()),
        _ => v.clone(),
    })
}

/// The body value: given whole, or assembled from flattened `<name>/<prop>/<sub>` keys.
fn body_input(input: &CallInput, p: &Parameter) -> Option<Value> {
    if let Some(b) = &input.body {
        return Some(b.clone());
    }
    if let Some(v) = input.get(&p.name) {
        return Some(v.clone());
    }
    let prefix = format!("{}/", p.name);
    let mut assembled: Option<Value> = None;
    for (k, v) in input.parameters.iter() {
        let Some(rest) = k.strip_prefix(prefix.as_str()).or_else(|| {
            k.get(..prefix.len())
                .filter(|head| head.eq_ignore_ascii_case(&prefix))
                .map(|_| &k[prefix.len()..])
        }) else {
            continue;
        };
        let steps: Vec<super::expr::Step> =
            rest.split('/').map(|s| super::expr::Step::Key(s.to_string())).collect();
        let target = assembled.get_or_insert_with(|| Value::Object(Object::new()));
        super::expr::set(target, &steps, v.clone());
    }
    assembled
}

/// Fills schema defaults into a body: a missing property that is required or internal
/// takes its `default`; nested objects are filled too (to a depth of 16).
pub fn fill_defaults(doc: &Value, schema: &Value, value: Option<Value>, depth: usize) -> Option<Value> {
    if depth > 16 {
        return value;
    }
    let Ok((schema, _)) = resolve(doc, schema, "") else { return value };
    let Some(s) = schema.as_object() else { return value };
    let mut properties: Vec<(String, Value)> = Vec::new();
    let mut required: Vec<String> = Vec::new();
    let mut collect = |s: &Object| {
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            properties.extend(props.iter().map(|(k, v)| (k.to_string(), v.clone())));
        }
        if let Some(r) = s.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(|v| v.as_str().map(str::to_string)));
        }
    };
    collect(s);
    for sub in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        if let Ok((Value::Object(o), _)) = resolve(doc, sub, "") {
            collect(o);
        }
    }
    match value {
        Some(Value::Object(mut o)) => {
            for (name, prop) in &properties {
                let Ok((prop_schema, _)) = resolve(doc, prop, "") else { continue };
                let internal = prop_schema
                    .as_object()
                    .and_then(|p| p.get("x-ms-visibility"))
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case("internal"));
                let current = o.get(name).cloned();
                match current {
                    Some(v @ (Value::Object(_) | Value::Array(_))) => {
                        if let Some(filled) = fill_defaults(doc, prop, Some(v), depth + 1) {
                            o.insert(name.as_str(), filled);
                        }
                    }
                    Some(_) => {}
                    None if internal || required.contains(name) => {
                        if let Some(filled) = fill_defaults(doc, prop, None, depth + 1) {
                            o.insert(name.as_str(), filled);
                        }
                    }
                    None => {}
                }
            }
            Some(Value::Object(o))
        }
        Some(Value::Array(items)) => match s.get("items") {
            // Each object in an array gets its own defaults.
            Some(item_schema) => Some(Value::array(
                items
                    .iter()
                    .map(|item| match item {
                        Value::Object(_) => fill_defaults(doc, item_schema, Some(item.clone()), depth + 1)
                            .unwrap_or_else(|| item.clone()),
                        other => other.clone(),
                    })
                    .collect(),
            )),
            None => Some(Value::Array(items)),
        },
        Some(other) => Some(other),
        None => {
            if let Some(d) = s.get("default") {
                return Some(d.clone());
            }
            if properties.is_empty() {
                return None;
            }
            let filled = fill_defaults(doc, schema, Some(Value::Object(Object::new())), depth)?;
            match &filled {
                Value::Object(o) if o.is_empty() => None,
                _ => Some(filled),
            }
        }
    }
}

fn file_part(name: &str, v: &Value, file_name: Option<&str>) -> Part {
    let binary = match v {
        Value::Binary(b) => Some((b.content_type().to_string(), b.bytes().to_vec())),
        Value::Object(o) => match (o.get("$content-type"), o.get("$content")) {
            (Some(ct), Some(Value::String(c))) => {
                base64::engine::general_purpose::STANDARD.decode(c.as_bytes()).ok().map(|b| (ct.to_text(), b))
            }
            _ => None,
        },
        _ => None,
    };
    let (content_type, data) =
        binary.unwrap_or_else(|| ("application/octet-stream".into(), v.to_text().into_bytes()));
    Part {
        name: name.to_string(),
        file_name: Some(file_name.unwrap_or(name).to_string()),
        content_type: Some(content_type),
        data,
    }
}

fn wants(consumes: &[String], what: &str) -> bool {
    consumes.iter().any(|c| c.to_ascii_lowercase().contains(what))
}

/// Everything needed to send: the draft after auth and Request-section policies.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request being built.
    pub draft: Draft,
    /// Lookups made (or, in a dry run, to be made) by `setvaluefromurl`.
    pub lookups: Vec<Lookup>,
    /// Notes for the caller.
    pub notes: Vec<String>,
    /// Headers and query parameters that carry credentials.
    pub credential_names: Vec<String>,
}

impl Prepared {
    /// The final request (with the connection's origin applied).
    pub fn request(&self, bound: &BoundConnection) -> HttpRequest {
        let mut url = self.draft.url();
        if let Some(origin) = &bound.origin {
            url = apply_origin(&url, origin);
        }
        let (body, boundary) = self.draft.body.encode();
        let mut headers = self.draft.headers.clone();
        if let Some(ct) = self.draft.body.content_type(&boundary) {
            match headers.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                Some(slot) => {
                    if matches!(self.draft.body, Body::Multipart(_)) || slot.1.trim().is_empty() {
                        slot.1 = ct;
                    }
                }
                None => headers.push(("Content-Type".into(), ct)),
            }
        }
        HttpRequest { method: self.draft.method.clone(), url, headers, body }
    }
}

impl Connector {
    /// Builds the draft of an operation's request: steps 1 to 8 of the algorithm (no
    /// policies). `token` is the bearer token to use for OAuth connections.
    pub fn draft(
        &self,
        operation_id: &str,
        bound: &BoundConnection,
        input: &CallInput,
        token: Option<&str>,
    ) -> Result<(Draft, Vec<String>, Vec<String>)> {
        let op = self.require_operation(operation_id)?;
        if let Some(problem) = op.problems.first() {
            return Err(Error::new(
                ErrorKind::Definition,
                format!("the operation {} cannot be called: {}: {}", op.id, problem.pointer, problem.message),
            ));
        }
        let mut notes = Vec::new();
        let mut credential_names = Vec::new();
        let mut draft = match &input.raw {
            Some(raw) => self.raw_draft(op, raw),
            None => self.input_draft(op, input, &mut notes)?,
        };
        match &bound.auth {
            Auth::None => {}
            Auth::ApiKeys(keys) => {
                for (name, in_query, value) in keys {
                    if value.is_empty() {
                        notes.push(format!(
                            "no value for the API key {name}: set the connection parameter (api_key)"
                        ));
                    }
                    credential_names.push(name.clone());
                    if *in_query {
                        draft.set_query(name, value.clone());
                    } else {
                        draft.set_header(name, value.clone());
                    }
                }
            }
            Auth::Basic { username, password } => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
                draft.set_header("Authorization", format!("Basic {encoded}"));
            }
            Auth::OAuth(_) => {
                let token = token.map_or_else(|| "<token>".to_string(), str::to_string);
                draft.set_header("Authorization", format!("Bearer {token}"));
            }
            Auth::Unsupported(why) => notes.push(format!("no authentication is applied: {why}")),
        }
        Ok((draft, notes, credential_names))
    }

    /// Steps 3 to 7 from the caller's parameter values.
    fn input_draft(&self, op: &Operation, input: &CallInput, notes: &mut Vec<String>) -> Result<Draft> {
        let mut path = op.path.clone();
        let mut path_values = Vec::new();
        let mut query = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut body = Body::None;
        let mut form: Vec<(&Parameter, Value)> = Vec::new();
        for p in &op.parameters {
            if p.location == Location::Body {
                let given = body_input(input, p);
                let mut value = match &p.schema {
                    Some(schema) => fill_defaults(&self.definition, schema, given, 0),
                    None => given,
                };
                if let (Some(url), Some(schema)) = (&input.notification_url, &p.schema) {
                    value = Some(self.fill_notification_url(schema, value, url));
                }
                match value {
                    Some(v) => body = self.body_for(op, v),
                    None if p.required => return Err(missing(op, p)),
                    None => {}
                }
                continue;
            }
            let value = match input.get(&p.name) {
                Some(v) => Some(coerce(p, v.clone(), op)?),
                None if p.notification_url && input.notification_url.is_some() => {
                    input.notification_url.clone().map(Value::from)
                }
                None => p.default.clone(),
            };
            let Some(value) = value else {
                if p.required {
                    return Err(missing(op, p));
                }
                continue;
            };
            match p.location {
                Location::Path => {
                    let text = to_param_text(&value, p.collection_format);
                    let mut encoded = encode_path(&text);
                    if p.double_encoding {
                        encoded = encode_path(&encoded);
                    }
                    let placeholder = format!("{{{}}}", p.name);
                    if !path.contains(&placeholder) {
                        notes.push(format!(
                            "the path {} has no {{{}}} for the path parameter",
                            op.path, p.name
                        ));
                    }
                    path = path.replace(&placeholder, &encoded);
                    path_values.push((p.name.clone(), encoded));
                }
                Location::Query => match (&value, p.collection_format) {
                    (Value::Array(items), CollectionFormat::Multi) => {
                        query.extend(
                            items.iter().map(|i| (p.name.clone(), to_param_text(i, CollectionFormat::Csv))),
                        );
                    }
                    _ => query.push((p.name.clone(), to_param_text(&value, p.collection_format))),
                },
                Location::Header => {
                    let text = to_param_text(&value, p.collection_format);
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&p.name));
                    headers.push((p.name.clone(), text));
                }
                Location::FormData => form.push((p, value)),
                Location::Body => {}
            }
        }
        if let Some(open) = path.find('{') {
            if let Some(len) = path[open..].find('}') {
                let name = &path[open + 1..open + len];
                if !op.parameters.iter().any(|p| p.location == Location::Path && p.name == name) {
                    notes.push(format!(
                        "the path {} has {{{name}}} but no path parameter of that name",
                        op.path
                    ));
                }
            }
        }
        if !form.is_empty() {
            let multipart = wants(&op.consumes, "multipart") || form.iter().any(|(p, _)| p.ty == "file");
            if multipart {
                let mut parts = Vec::new();
                for (p, v) in &form {
                    if p.ty == "file" {
                        let file_name = input
                            .file_names
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(&p.name))
                            .map(|(_, f)| f.as_str());
                        parts.push(file_part(&p.name, v, file_name));
                    } else {
                        let items: Vec<String> = match (v, p.collection_format) {
                            (Value::Array(items), CollectionFormat::Multi) => {
                                items.iter().map(|i| to_param_text(i, CollectionFormat::Csv)).collect()
                            }
                            _ => vec![to_param_text(v, p.collection_format)],
                        };
                        for text in items {
                            parts.push(Part {
                                name: p.name.clone(),
                                file_name: None,
                                content_type: None,
                                data: text.into_bytes(),
                            });
                        }
                    }
                }
                body = Body::Multipart(parts);
            } else {
                let mut fields = Vec::new();
                for (p, v) in &form {
                    match (v, p.collection_format) {
                        (Value::Array(items), CollectionFormat::Multi) => {
                            fields.extend(
                                items
                                    .iter()
                                    .map(|i| (p.name.clone(), to_param_text(i, CollectionFormat::Csv))),
                            );
                        }
                        _ => fields.push((p.name.clone(), to_param_text(v, p.collection_format))),
                    }
                }
                body = Body::Form(fields);
            }
        }
        Ok(Draft {
            method: op.method.clone(),
            base_url: self.base_url(),
            path,
            path_values,
            query,
            headers,
            body,
        })
    }

    /// A request given already built (a Logic Apps `ApiConnection` action: method, path with
    /// the values inserted and encoded, queries, headers, body): taken as it is, with the
    /// operation's internal constants added when absent.
    fn raw_draft(&self, op: &Operation, raw: &RawRequest) -> Draft {
        let mut query: Vec<(String, String)> = raw
            .queries
            .iter()
            .map(|(k, v)| (k.to_string(), to_param_text(v, CollectionFormat::Csv)))
            .collect();
        let mut headers: Vec<(String, String)> = raw
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), to_param_text(v, CollectionFormat::Csv)))
            .collect();
        for p in op.parameters.iter().filter(|p| p.is_internal() && p.required) {
            let Some(default) = &p.default else { continue };
            let text = to_param_text(default, p.collection_format);
            match p.location {
                Location::Query if !query.iter().any(|(k, _)| *k == p.name) => {
                    query.push((p.name.clone(), text))
                }
                Location::Header if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(&p.name)) => {
                    headers.push((p.name.clone(), text))
                }
                _ => {}
            }
        }
        let path_values =
            match_path(&op.path, raw.path.split('?').next().unwrap_or_default()).unwrap_or_default();
        let body = match &raw.body {
            Some(v) if !v.is_null() => self.body_for(op, v.clone()),
            _ => Body::None,
        };
        Draft {
            method: raw.method.to_ascii_uppercase(),
            base_url: self.base_url(),
            path: raw.path.clone(),
            path_values,
            query,
            headers,
            body,
        }
    }

    /// The operation whose method and swagger path match a request's (`GET`,
    /// `/items/42('x')`), with the path parameters' values (as written in the path). When
    /// several match, the one with the most literal characters wins.
    pub fn match_operation(&self, method: &str, path: &str) -> Option<(&Operation, Vec<(String, String)>)> {
        let path = path.split('?').next().unwrap_or_default();
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter_map(|o| match_path(&o.path, path).map(|values| (o, values)))
            .max_by_key(|(o, _)| literal_length(&o.path))
    }

    /// Puts the callback URL into the body properties marked `x-ms-notification-url`
    /// (top level) that have no value.
    fn fill_notification_url(&self, schema: &Value, body: Option<Value>, url: &str) -> Value {
        let mut body = body.unwrap_or_else(|| Value::Object(Object::new()));
        let Ok((schema, _)) = resolve(&self.definition, schema, "") else { return body };
        let Some(props) = schema.as_object().and_then(|s| s.get("properties")).and_then(Value::as_object)
        else {
            return body;
        };
        if let Value::Object(o) = &mut body {
            for (name, prop) in props.iter() {
                let marked = resolve(&self.definition, prop, "")
                    .ok()
                    .and_then(|(p, _)| {
                        p.as_object().and_then(|p| p.get("x-ms-notification-url")).and_then(Value::as_bool)
                    })
                    .unwrap_or(false);
                if marked && o.get(name).is_none_or(|v| v.is_null() || v.as_str() == Some("")) {
                    o.insert(name.clone(), Value::from(url));
                }
            }
        }
        body
    }

    fn body_for(&self, op: &Operation, v: Value) -> Body {
        let consumes = &op.consumes;
        if let Value::Binary(b) = &v {
            return Body::Bytes(b.content_type().to_string(), b.bytes().to_vec());
        }
        let json = consumes.is_empty() || wants(consumes, "json");
        if json {
            return Body::Json(v);
        }
        if wants(consumes, "x-www-form-urlencoded") {
            if let Value::Object(o) = &v {
                return Body::Form(
                    o.iter().map(|(k, v)| (k.to_string(), to_param_text(v, CollectionFormat::Csv))).collect(),
                );
            }
        }
        if let Value::String(s) = &v {
            let ct = consumes.first().cloned().unwrap_or_else(|| "text/plain".into());
            if wants(consumes, "octet-stream") {
                return Body::Bytes(ct, s.as_bytes().to_vec());
            }
            return Body::Text(ct, s.to_string());
        }
        Body::Json(v)
    }

    /// Builds the request with the Request-section policies applied. `lookup` performs (or,
    /// in a dry run, describes) the calls of `setvaluefromurl`.
    pub fn prepare(
        &self,
        operation_id: &str,
        bound: &BoundConnection,
        input: &CallInput,
        token: Option<&str>,
        lookup: &mut dyn FnMut(&Lookup, &Draft) -> Result<Value>,
    ) -> Result<Prepared> {
        let (mut draft, mut notes, credential_names) = self.draft(operation_id, bound, input, token)?;
        let op = self.require_operation(operation_id)?;
        let mut lookups = Vec::new();
        policy::apply_request(self, op, bound, &mut draft, &mut notes, &mut lookups, lookup)?;
        Ok(Prepared { draft, lookups, notes, credential_names })
    }

    /// Builds the request an operation would send, without sending anything: secrets are
    /// kept in [`DryRun::request`] and hidden by [`DryRun::redacted`] and
    /// [`DryRun::to_value`].
    pub fn dry_run(&self, operation_id: &str, bound: &BoundConnection, input: &CallInput) -> Result<DryRun> {
        let op = self.require_operation(operation_id)?;
        let token = bound.current_token();
        let mut extra = Vec::new();
        if let Auth::OAuth(plan) = &bound.auth {
            if token.is_none() {
                match (&plan.problem, &plan.token_url) {
                    (Some(p), _) => extra.push(format!("no OAuth token: {p}")),
                    (None, Some(url)) => {
                        extra.push(format!("an access token would first be fetched from {url}"))
                    }
                    (None, None) => {}
                }
            }
        }
        if self.is_scripted(&op.id) {
            extra.push(format!(
                "{} is handled by script.csx: this is the request the script receives; sending it needs the platform's .NET host (or a mock)",
                op.id
            ));
        }
        let mut describe = |l: &Lookup, _: &Draft| {
            Ok(Value::from(format!("<{} from {} {}>", l.value_path, l.method, l.url)))
        };
        let prepared = self.prepare(operation_id, bound, input, token.as_deref(), &mut describe)?;
        let mut notes = extra;
        notes.extend(prepared.notes.iter().cloned());
        let request = prepared.request(bound);
        let url_ok = (request.url.starts_with("http://") || request.url.starts_with("https://"))
            && request.url.split("://").nth(1).is_some_and(|rest| !rest.starts_with('/') && !rest.is_empty());
        if !url_ok {
            return Err(Error::new(
                ErrorKind::Definition,
                format!(
                    "the request URL \"{}\" of {} is not an absolute http(s) URL",
                    bound.redact(&request.url),
                    op.id
                ),
            ));
        }
        Ok(DryRun {
            operation: op.id.clone(),
            body: prepared.draft.body.describe(),
            request,
            lookups: prepared.lookups,
            notes,
            secrets: bound.clone(),
            credential_names: prepared.credential_names,
        })
    }
}

/// Sample values for every required parameter without a default (and for required body
/// properties), so that any operation can be dry-run: strings `sample` (or the first
/// allowed value), numbers 1, booleans true, files a small text file.
pub fn placeholders(connector: &Connector, op: &Operation) -> CallInput {
    let mut input = CallInput::new();
    for p in &op.parameters {
        if p.location == Location::Body {
            if let Some(schema) = &p.schema {
                if let Some(v) = sample(&connector.definition, schema, 0) {
                    input.body = Some(v);
                }
            }
            continue;
        }
        if !p.required || p.default.is_some() {
            continue;
        }
        let v = if let Some(first) = p.allowed.first() {
            first.clone()
        } else {
            match p.ty.as_str() {
                "integer" | "number" => Value::Int(1),
                "boolean" => Value::Bool(true),
                "array" => Value::array(vec![Value::from("sample")]),
                "file" => Value::binary(Binary::new("text/plain", b"sample".to_vec())),
                _ => Value::from(sample_string(p.format.as_deref())),
            }
        };
        input.parameters.insert(p.name.as_str(), v);
    }
    input
}

fn sample_string(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2024-01-01T00:00:00Z",
        Some("date") => "2024-01-01",
        Some("email") => "someone@example.com",
        Some("uri") => "https://example.com/",
        Some("uuid") => "00000000-0000-0000-0000-000000000001",
        _ => "sample",
    }
}

fn sample(doc: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > 6 {
        return None;
    }
    let (schema, _) = resolve(doc, schema, "").ok()?;
    let s = schema.as_object()?;
    if let Some(d) = s.get("default") {
        return Some(d.clone());
    }
    if let Some(first) = s.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return Some(first.clone());
    }
    let ty = s.get("type").and_then(Value::as_str).unwrap_or(if s.get("properties").is_some() {
        "object"
    } else {
        ""
    });
    Some(match ty {
        "integer" | "number" => Value::Int(1),
        "boolean" => Value::Bool(true),
        "array" => Value::array(s.get("items").and_then(|i| sample(doc, i, depth + 1)).into_iter().collect()),
        "object" | "" => {
            let mut o = Object::new();
            let required: Vec<String> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let mut props: Vec<(String, Value)> = Vec::new();
            if let Some(p) = s.get("properties").and_then(Value::as_object) {
                props.extend(p.iter().map(|(k, v)| (k.to_string(), v.clone())));
            }
            for sub in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                if let Ok((Value::Object(so), _)) = resolve(doc, sub, "") {
                    if let Some(p) = so.get("properties").and_then(Value::as_object) {
                        props.extend(p.iter().map(|(k, v)| (k.to_string(), v.clone())));
                    }
                }
            }
            for (name, prop) in props {
                if required.contains(&name) {
                    if let Some(v) = sample(doc, &prop, depth + 1) {
                        o.insert(name, v);
                    }
                }
            }
            Value::Object(o)
        }
        "file" => Value::from("sample"),
        _ => Value::from(sample_string(s.get("format").and_then(Value::as_str))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Connection;

    fn connector(paths: &str, extra: &str) -> Connector {
        let def = format!(
            r#"{{"swagger": "2.0", "host": "api.example.com", "basePath": "/v1", "schemes": ["https"], "paths": {paths} {extra}}}"#
        );
        Connector::from_texts("c", &def, None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn dry(c: &Connector, op: &str, input: CallInput) -> Result<DryRun> {
        let bound = Connection::new().with_env(std::sync::Arc::new(|_: &str| None)).bind(c)?;
        c.dry_run(op, &bound, &input)
    }

    #[test]
    fn encodings() {
        assert_eq!(encode_path("a/b c?d#e%f"), "a%2Fb%20c%3Fd%23e%25f");
        assert_eq!(encode_path("it's(x)=y@z:w,+"), "it's(x)=y@z:w,+");
        assert_eq!(encode_query("a b&c=d+e#f"), "a%20b%26c%3Dd%2Be%23f");
        assert_eq!(encode_query("$filter"), "$filter");
        assert_eq!(encode_query("é/?:@"), "%C3%A9/?:@");
        assert_eq!(crate::mime::encode_component("a b/c"), "a%20b%2Fc");
        assert_eq!(join_url("https://h/", "/x"), "https://h/x");
        assert_eq!(join_url("https://h", "x"), "https://h/x");
        assert_eq!(
            apply_origin("https://api.example.com/v1/x?y=1", "http://127.0.0.1:9/"),
            "http://127.0.0.1:9/v1/x?y=1"
        );
    }

    #[test]
    fn path_query_header_and_defaults() {
        let c = connector(
            r#"{"/items/{id}/{raw}": {"get": {"operationId": "Get", "parameters": [
                {"name": "id", "in": "path", "type": "string"},
                {"name": "raw", "in": "path", "type": "string", "x-ms-url-encoding": "double"},
                {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                {"name": "multi", "in": "query", "type": "array", "collectionFormat": "multi"},
                {"name": "pipes", "in": "query", "type": "array", "collectionFormat": "pipes"},
                {"name": "flag", "in": "query", "type": "boolean"},
                {"name": "api-version", "in": "query", "type": "string", "required": true, "default": "7.0", "x-ms-visibility": "internal"},
                {"name": "X-Trace", "in": "header", "type": "string", "default": "on"}]}}}"#,
            "",
        );
        let input = CallInput::new()
            .param("id", "a/b")
            .param("raw", "a/b")
            .param("tags", "x,y")
            .param("multi", Value::array(vec![Value::from("1"), Value::from("2")]))
            .param("pipes", "p,q")
            .param("flag", "TRUE");
        let d = dry(&c, "Get", input).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.request.url,
            "https://api.example.com/v1/items/a%2Fb/a%252Fb?tags=x,y&multi=1&multi=2&pipes=p%7Cq&flag=true&api-version=7.0"
        );
        assert_eq!(d.request.header("x-trace"), Some("on"));
        let e = dry(&c, "Get", CallInput::new().param("id", "1")).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("the operation Get needs the parameter \"raw\" (in path)"));
        let e = dry(&c, "Get", CallInput::new().param("id", "1").param("raw", "2").param("flag", "maybe"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the parameter \"flag\" of Get must be true or false; \"maybe\" is not")
        );
    }

    #[test]
    fn json_body_defaults_and_flattened_keys() {
        let c = connector(
            r##"{"/e": {"post": {"operationId": "Submit", "parameters": [
                {"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/E"}}]}}}"##,
            r#", "definitions": {"E": {"type": "object", "required": ["amount", "currency"], "properties": {
                "amount": {"type": "number"}, "currency": {"type": "string", "default": "USD"},
                "source": {"type": "string", "default": "flow", "x-ms-visibility": "internal"},
                "note": {"type": "string", "default": "optional"},
                "meta": {"type": "object", "properties": {"v": {"type": "integer", "default": 2, "x-ms-visibility": "internal"}}}}}}"#,
        );
        let body = crate::value::from_json_str(r#"{"amount": 5, "meta": {}}"#).unwrap_or_default();
        let d = dry(&c, "Submit", CallInput::new().with_body(body)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.request.body_text(), r#"{"amount":5,"meta":{"v":2},"currency":"USD","source":"flow"}"#);
        assert_eq!(d.request.header("content-type"), Some("application/json"));
        let flat = CallInput::new().param("body/amount", Value::Int(3)).param("body/meta/x", "y");
        let d = dry(&c, "Submit", flat).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.request.body_text(),
            r#"{"amount":3,"meta":{"x":"y","v":2},"currency":"USD","source":"flow"}"#
        );
    }

    #[test]
    fn form_and_multipart_bodies() {
        let c = connector(
            r#"{"/f": {"post": {"operationId": "Form", "consumes": ["application/x-www-form-urlencoded"], "parameters": [
                    {"name": "a", "in": "formData", "type": "string"}, {"name": "b", "in": "formData", "type": "string"}]}},
                "/m": {"post": {"operationId": "Upload", "consumes": ["multipart/form-data"], "parameters": [
                    {"name": "inputFile", "in": "formData", "type": "file", "required": true},
                    {"name": "title", "in": "formData", "type": "string"}]}}}"#,
            "",
        );
        let d = dry(&c, "Form", CallInput::new().param("a", "x y").param("b", "1&2"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.request.body_text(), "a=x%20y&b=1%262");
        assert_eq!(d.request.header("content-type"), Some("application/x-www-form-urlencoded"));
        let file = Value::binary(Binary::new("application/pdf", b"%PDF".to_vec()));
        let mut input = CallInput::new().param("inputFile", file).param("title", "T");
        input.file_names.push(("inputFile".into(), "doc.pdf".into()));
        let d = dry(&c, "Upload", input).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.request.header("content-type"),
            Some("multipart/form-data; boundary=flowexpr-boundary-0")
        );
        assert_eq!(
            d.request.body_text(),
            "--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"doc.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nT\r\n--flowexpr-boundary-0--\r\n"
        );
    }

    #[test]
    fn text_and_binary_bodies_follow_consumes() {
        let c = connector(
            r#"{"/t": {"post": {"operationId": "T", "consumes": ["text/plain"], "parameters": [{"name": "b", "in": "body", "schema": {"type": "string"}}]}}}"#,
            "",
        );
        let d =
            dry(&c, "T", CallInput::new().with_body(Value::from("hello"))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (d.request.body_text().as_str(), d.request.header("content-type")),
            ("hello", Some("text/plain"))
        );
    }

    #[test]
    fn path_templates_match_paths() {
        type Case<'a> = (&'a str, &'a str, Option<&'a [(&'a str, &'a str)]>);
        let cases: &[Case<'_>] = &[
            ("/items/{id}", "/items/42", Some(&[("id", "42")])),
            ("/items/{id}", "/items/42/x", None),
            ("/items/{id}", "/items/", None),
            ("/{entity}('{id}')", "/account('00%2001')", Some(&[("entity", "account"), ("id", "00%2001")])),
            ("/{q}({id})", "/q1(5)", Some(&[("q", "q1"), ("id", "5")])),
            ("/a/{x}.json", "/a/b.c.json", Some(&[("x", "b.c")])),
            ("/q/", "/q/", Some(&[])),
            ("/q/", "/q", None),
        ];
        let hostile = format!("/{}/x", "{p}".repeat(12));
        assert_eq!(match_path(&hostile, &format!("/{}/y", "a".repeat(60))), None, "bounded work");
        for (template, path, expected) in cases {
            let got = match_path(template, path);
            let expected =
                expected.map(|e| e.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>());
            assert_eq!(got, expected, "{template} {path}");
        }
    }

    #[test]
    fn defaults_reach_objects_inside_arrays() {
        let c = connector(
            r#"{"/m": {"post": {"operationId": "M", "parameters": [{"name": "body", "in": "body", "schema": {"type": "object",
                "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["qty"],
                    "properties": {"qty": {"type": "integer", "default": 1}, "kind": {"type": "string", "default": "x", "x-ms-visibility": "internal"}}}}}}}]}}}"#,
            "",
        );
        let body = crate::value::from_json_str(r#"{"items": [{"qty": 3}, {}, "not an object"]}"#)
            .unwrap_or_default();
        let d = dry(&c, "M", CallInput::new().with_body(body)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.request.body_text(),
            r#"{"items":[{"qty":3,"kind":"x"},{"qty":1,"kind":"x"},"not an object"]}"#
        );
    }

    #[test]
    fn placeholders_cover_required_parameters() {
        let c = connector(
            r##"{"/x/{id}": {"post": {"operationId": "X", "parameters": [
                {"name": "id", "in": "path", "type": "integer"},
                {"name": "when", "in": "query", "type": "string", "format": "date-time", "required": true},
                {"name": "kind", "in": "query", "type": "string", "required": true, "enum": ["a", "b"]},
                {"name": "body", "in": "body", "required": true, "schema": {"type": "object", "required": ["n", "list"],
                    "properties": {"n": {"type": "string"}, "list": {"type": "array", "items": {"type": "integer"}}, "opt": {"type": "string"}}}}]}}}"##,
            "",
        );
        let op = c.operation("X").cloned().unwrap_or_else(|| panic!("X"));
        let d = dry(&c, "X", placeholders(&c, &op)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.request.url, "https://api.example.com/v1/x/1?when=2024-01-01T00:00:00Z&kind=a");
        assert_eq!(d.request.body_text(), r#"{"n":"sample","list":[1]}"#);
    }
}
