//! The OpenAPI 2.0 side of a connector: operations, their parameters (with `$ref`s into
//! `#/parameters` resolved and path-item parameters merged) and the `x-ms-*` extensions
//! that matter when a request is built or a response read.

use crate::value::{Object, Value};

use super::{pointer, Diagnostic};

/// The HTTP methods a path item may hold, in the order they are listed.
pub const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "options", "head"];

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// The whole body (one per operation).
    Body,
    /// A field of a form body (urlencoded or multipart).
    FormData,
}

impl Location {
    /// The swagger name (`path`, `query`, `header`, `body`, `formData`).
    pub fn name(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Body => "body",
            Location::FormData => "formData",
        }
    }

    fn parse(text: &str) -> Option<Location> {
        Some(match text.to_ascii_lowercase().as_str() {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "body" => Location::Body,
            "formdata" => Location::FormData,
            _ => return None,
        })
    }
}

/// How an array parameter is written (`collectionFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CollectionFormat {
    /// `a,b` (the default).
    #[default]
    Csv,
    /// `a b`
    Ssv,
    /// `a\tb`
    Tsv,
    /// `a|b`
    Pipes,
    /// `x=a&x=b` (query and formData only).
    Multi,
}

impl CollectionFormat {
    /// The separator between items (`None` for `multi`).
    pub fn separator(self) -> Option<&'static str> {
        match self {
            CollectionFormat::Csv => Some(","),
            CollectionFormat::Ssv => Some(" "),
            CollectionFormat::Tsv => Some("\t"),
            CollectionFormat::Pipes => Some("|"),
            CollectionFormat::Multi => None,
        }
    }
}

/// The `x-ms-visibility` of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Visibility {
    /// No value, or `none`.
    #[default]
    Default,
    /// `important`
    Important,
    /// `advanced`
    Advanced,
    /// `internal`: hidden from users; a required one is sent with its default.
    Internal,
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its name (for headers, the header name).
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// `required: true`
    pub required: bool,
    /// The swagger type (`string`, `integer`, `array`, `file`, ...; `object` for a body with
    /// an object schema; empty if not given).
    pub ty: String,
    /// The swagger format (`int32`, `date-time`, `binary`, ...).
    pub format: Option<String>,
    /// The value sent when the caller gives none.
    pub default: Option<Value>,
    /// `x-ms-visibility`.
    pub visibility: Visibility,
    /// How an array is written.
    pub collection_format: CollectionFormat,
    /// `x-ms-url-encoding: double` (path parameters).
    pub double_encoding: bool,
    /// The body schema (`in: body`), unresolved (it may be a `$ref`).
    pub schema: Option<Value>,
    /// The item schema of an array parameter.
    pub items: Option<Value>,
    /// `enum`
    pub allowed: Vec<Value>,
    /// `x-ms-summary`
    pub summary: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `x-ms-notification-url: true` (it receives a webhook's callback URL).
    pub notification_url: bool,
    /// The JSON pointer of its definition (after `$ref` resolution).
    pub pointer: String,
}

impl Parameter {
    /// Is it hidden from users (`x-ms-visibility: internal`)?
    pub fn is_internal(&self) -> bool {
        self.visibility == Visibility::Internal
    }
}

/// `x-ms-pageable`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pageable {
    /// The root response property holding the next page's URL.
    pub next_link_name: String,
    /// The root response property holding the items (`value` by default).
    pub item_name: String,
}

/// One operation of the connector.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The `operationId` (invented as `METHOD path` if missing, with an error).
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The swagger path template (`/items/{id}`).
    pub path: String,
    /// `summary`
    pub summary: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// The parameters: path-item ones merged with the operation's (the operation's win).
    pub parameters: Vec<Parameter>,
    /// `consumes` (the operation's, else the document's).
    pub consumes: Vec<String>,
    /// `produces` (the operation's, else the document's).
    pub produces: Vec<String>,
    /// `x-ms-pageable`
    pub pageable: Option<Pageable>,
    /// `x-ms-trigger` (`single` or `batch`).
    pub trigger: Option<String>,
    /// `deprecated: true`
    pub deprecated: bool,
    /// `x-ms-visibility` of the operation.
    pub visibility: Visibility,
    /// The JSON pointer of the operation object.
    pub pointer: String,
    /// Problems that stop the operation from being called (a parameter without a name, a
    /// `$ref` that resolves nowhere, ...), each with its JSON pointer.
    pub problems: Vec<Diagnostic>,
}

impl Operation {
    /// The parameter with this name (exact first, then without regard to case).
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.parameters.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
    }

    /// The `in: body` parameter, if any.
    pub fn body_parameter(&self) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.location == Location::Body)
    }
}

/// A `securityDefinitions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityScheme {
    /// An API key in a header or the query.
    ApiKey {
        /// The definition's key.
        id: String,
        /// The header or query parameter name.
        name: String,
        /// `true` for the query, `false` for a header.
        in_query: bool,
    },
    /// HTTP Basic.
    Basic {
        /// The definition's key.
        id: String,
    },
    /// OAuth 2.0.
    OAuth2 {
        /// The definition's key.
        id: String,
        /// `flow`
        flow: String,
        /// `authorizationUrl`
        authorization_url: Option<String>,
        /// `tokenUrl`
        token_url: Option<String>,
        /// The scope names.
        scopes: Vec<String>,
    },
}

impl SecurityScheme {
    /// The definition's key.
    pub fn id(&self) -> &str {
        match self {
            SecurityScheme::ApiKey { id, .. }
            | SecurityScheme::Basic { id }
            | SecurityScheme::OAuth2 { id, .. } => id,
        }
    }
}

/// Reads a string member.
pub(crate) fn str_of<'v>(o: &'v Object, key: &str) -> Option<&'v str> {
    o.get(key).and_then(Value::as_str)
}

fn bool_of(o: &Object, key: &str) -> bool {
    match o.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn strings_of(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Follows a `$ref` (`#/definitions/X`, `#/parameters/X`, `#/responses/X` or any local
/// pointer) and any chain of them (at most 32 hops). Returns the target and its pointer.
pub(crate) fn resolve<'d>(doc: &'d Value, value: &'d Value, at: &str) -> Result<(&'d Value, String), String> {
    let mut current = value;
    let mut where_ = at.to_string();
    for _ in 0..32 {
        let Some(reference) = current.as_object().and_then(|o| o.get("$ref")) else {
            return Ok((current, where_));
        };
        let Some(reference) = reference.as_str() else {
            return Err(format!("the `$ref` at {where_} is not a string"));
        };
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(format!(
                "the `$ref` \"{reference}\" points outside the file, which connectors cannot do"
            ));
        };
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned();
        match lookup(doc, &decoded) {
            Some(target) => {
                current = target;
                where_ = decoded;
            }
            None => return Err(format!("the `$ref` \"{reference}\" points to nothing in the file")),
        }
    }
    Err(format!("the `$ref` chain starting at {at} is longer than 32 links (a cycle?)"))
}

/// The value at a JSON pointer.
pub(crate) fn lookup<'d>(doc: &'d Value, pointer: &str) -> Option<&'d Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let mut current = doc;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        current = match current {
            Value::Object(o) => o.get(&token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Reads the operations of a swagger document, in file order.
pub fn operations(doc: &Value, file: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(root) = doc.as_object() else { return out };
    let consumes = strings_of(root.get("consumes"));
    let produces = strings_of(root.get("produces"));
    let paths = match root.get("paths") {
        Some(Value::Object(paths)) => paths,
        Some(_) => {
            diagnostics.push(Diagnostic::error(file, "/paths", "`paths` must be an object"));
            return out;
        }
        None => {
            diagnostics.push(Diagnostic::error(file, "", "the definition has no `paths`"));
            return out;
        }
    };
    for (path, item) in paths.iter() {
        let item_pointer = pointer("/paths", path);
        let Some(item) = item.as_object() else {
            diagnostics.push(Diagnostic::error(file, item_pointer, "a path item must be an object"));
            continue;
        };
        let shared = item.get("parameters");
        for (key, op) in item.iter() {
            let Some(method) = METHODS.iter().find(|m| m.eq_ignore_ascii_case(key)) else { continue };
            let op_pointer = pointer(&item_pointer, key);
            let Some(op) = op.as_object() else {
                diagnostics.push(Diagnostic::error(file, op_pointer, "an operation must be an object"));
                continue;
            };
            out.push(operation(
                doc,
                file,
                path,
                method,
                op,
                shared,
                &item_pointer,
                op_pointer,
                &consumes,
                &produces,
            ));
        }
    }
    let mut seen = std::collections::HashMap::new();
    for (i, op) in out.iter().enumerate() {
        if let Some(first) = seen.insert(op.id.to_ascii_lowercase(), i) {
            let other: &Operation = &out[first];
            diagnostics.push(Diagnostic::error(
                file,
                pointer(&op.pointer, "operationId"),
                format!("the operationId \"{}\" is also used at {}", op.id, other.pointer),
            ));
            seen.insert(op.id.to_ascii_lowercase(), first);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn operation(
    doc: &Value,
    file: &str,
    path: &str,
    method: &str,
    op: &Object,
    shared: Option<&Value>,
    item_pointer: &str,
    op_pointer: String,
    consumes: &[String],
    produces: &[String],
) -> Operation {
    let mut problems = Vec::new();
    let id = match str_of(op, "operationId") {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => {
            problems.push(Diagnostic::error(file, op_pointer.clone(), "the operation has no operationId"));
            format!("{} {path}", method.to_ascii_uppercase())
        }
    };
    let mut parameters: Vec<Parameter> = Vec::new();
    for (list, base) in [
        (shared, pointer(item_pointer, "parameters")),
        (op.get("parameters"), pointer(&op_pointer, "parameters")),
    ] {
        let Some(list) = list else { continue };
        let Some(items) = list.as_array() else {
            problems.push(Diagnostic::error(file, base, "`parameters` must be an array"));
            continue;
        };
        for (i, raw) in items.iter().enumerate() {
            let at = format!("{base}/{i}");
            match parameter(doc, raw, &at) {
                Ok(p) => {
                    // An operation parameter replaces a path-item one with the same name and place.
                    parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                    parameters.push(p);
                }
                Err((where_, message)) => problems.push(Diagnostic::error(file, where_, message)),
            }
        }
    }
    let pageable = match op.get("x-ms-pageable") {
        Some(Value::Object(p)) => match p.get("nextLinkName") {
            Some(Value::String(name)) if !name.is_empty() => Some(Pageable {
                next_link_name: name.to_string(),
                item_name: str_of(p, "itemName").unwrap_or("value").to_string(),
            }),
            _ => None,
        },
        _ => None,
    };
    let non_empty = |v: Vec<String>, fallback: &[String]| if v.is_empty() { fallback.to_vec() } else { v };
    Operation {
        id,
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: str_of(op, "summary").map(str::to_string),
        description: str_of(op, "description").map(str::to_string),
        parameters,
        consumes: non_empty(strings_of(op.get("consumes")), consumes),
        produces: non_empty(strings_of(op.get("produces")), produces),
        pageable,
        trigger: str_of(op, "x-ms-trigger").map(str::to_string),
        deprecated: bool_of(op, "deprecated"),
        visibility: visibility(op),
        pointer: op_pointer,
        problems,
    }
}

fn visibility(o: &Object) -> Visibility {
    match str_of(o, "x-ms-visibility").map(str::to_ascii_lowercase).as_deref() {
        Some("internal") => Visibility::Internal,
        Some("important") => Visibility::Important,
        Some("advanced") => Visibility::Advanced,
        _ => Visibility::Default,
    }
}

fn parameter(doc: &Value, raw: &Value, at: &str) -> Result<Parameter, (String, String)> {
    let (value, where_) = resolve(doc, raw, at).map_err(|m| (at.to_string(), m))?;
    let Some(p) = value.as_object() else {
        return Err((where_, "a parameter must be an object".into()));
    };
    let name = match str_of(p, "name") {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => return Err((where_, "the parameter has no name".into())),
    };
    let location = match str_of(p, "in") {
        Some(text) => Location::parse(text).ok_or_else(|| {
            (
                pointer(&where_, "in"),
                format!("\"{text}\" is not a parameter location (path, query, header, body or formData)"),
            )
        })?,
        None => return Err((where_, format!("the parameter \"{name}\" has no `in`"))),
    };
    let schema = p.get("schema").cloned();
    let ty = match (str_of(p, "type"), &schema) {
        (Some(t), _) => t.to_string(),
        (None, Some(s)) => resolve(doc, s, &where_)
            .ok()
            .and_then(|(s, _)| s.as_object().and_then(|o| str_of(o, "type")).map(str::to_string))
            .unwrap_or_else(|| "object".into()),
        (None, None) => String::new(),
    };
    let collection_format = match str_of(p, "collectionFormat").map(str::to_ascii_lowercase).as_deref() {
        Some("ssv") => CollectionFormat::Ssv,
        Some("tsv") => CollectionFormat::Tsv,
        Some("pipes") => CollectionFormat::Pipes,
        Some("multi") => CollectionFormat::Multi,
        _ => CollectionFormat::Csv,
    };
    Ok(Parameter {
        name,
        location,
        required: bool_of(p, "required") || location == Location::Path,
        ty,
        format: str_of(p, "format").map(str::to_string),
        default: p.get("default").cloned(),
        visibility: visibility(p),
        collection_format,
        double_encoding: str_of(p, "x-ms-url-encoding").is_some_and(|e| e.eq_ignore_ascii_case("double")),
        schema,
        items: p.get("items").cloned(),
        allowed: p.get("enum").and_then(Value::as_array).map(<[Value]>::to_vec).unwrap_or_default(),
        summary: str_of(p, "x-ms-summary").map(str::to_string),
        description: str_of(p, "description").map(str::to_string),
        notification_url: bool_of(p, "x-ms-notification-url"),
        pointer: where_,
    })
}

/// Reads `securityDefinitions`.
pub fn security_schemes(doc: &Value, file: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<SecurityScheme> {
    let mut out = Vec::new();
    let Some(defs) = doc.as_object().and_then(|o| o.get("securityDefinitions")).and_then(Value::as_object)
    else {
        return out;
    };
    for (id, def) in defs.iter() {
        let at = pointer("/securityDefinitions", id);
        let Some(def) = def.as_object() else {
            diagnostics.push(Diagnostic::error(file, at, "a security definition must be an object"));
            continue;
        };
        let id = id.to_string();
        match str_of(def, "type").map(str::to_ascii_lowercase).as_deref() {
            Some("apikey") => {
                let name = str_of(def, "name").unwrap_or_default().to_string();
                if name.is_empty() {
                    diagnostics.push(Diagnostic::error(
                        file,
                        at.clone(),
                        "an apiKey definition needs a `name`",
                    ));
                }
                let in_query = str_of(def, "in").is_some_and(|i| i.eq_ignore_ascii_case("query"));
                out.push(SecurityScheme::ApiKey { id, name, in_query });
            }
            Some("basic") => out.push(SecurityScheme::Basic { id }),
            Some("oauth2") => out.push(SecurityScheme::OAuth2 {
                id,
                flow: str_of(def, "flow").unwrap_or_default().to_string(),
                authorization_url: str_of(def, "authorizationUrl").map(str::to_string),
                token_url: str_of(def, "tokenUrl").map(str::to_string),
                scopes: def
                    .get("scopes")
                    .and_then(Value::as_object)
                    .map(|s| s.keys().map(|k| k.to_string()).collect())
                    .unwrap_or_default(),
            }),
            other => diagnostics.push(Diagnostic::error(
                file,
                pointer(&at, "type"),
                format!("unknown security type {:?} (apiKey, basic or oauth2)", other.unwrap_or("")),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    fn doc(text: &str) -> Value {
        from_json_str(text).unwrap_or_default()
    }

    #[test]
    fn path_item_parameters_merge_and_refs_resolve() {
        let d = doc(r##"{"paths": {"/a/{id}": {
            "parameters": [{"name": "id", "in": "path", "type": "string"},
                           {"name": "v", "in": "query", "type": "string", "default": "1"}],
            "get": {"operationId": "A", "parameters": [{"$ref": "#/parameters/v"}]}}},
            "parameters": {"v": {"name": "v", "in": "query", "type": "string", "default": "2",
                                 "x-ms-visibility": "internal", "required": true}}}"##);
        let mut diags = Vec::new();
        let ops = operations(&d, "f", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let op = &ops[0];
        assert_eq!((op.id.as_str(), op.method.as_str(), op.parameters.len()), ("A", "GET", 2));
        let v = op.parameter("V");
        assert_eq!(v.and_then(|p| p.default.clone()), Some(Value::from("2")));
        assert!(v.is_some_and(|p| p.is_internal() && p.required && p.pointer == "/parameters/v"));
        assert!(op.parameter("id").is_some_and(|p| p.required), "path parameters are always required");
    }

    #[test]
    fn problems_name_their_pointer() {
        let d = doc(r##"{"paths": {"/a": {"post": {"parameters": [
            {"$ref": "#/parameters/missing"}, {"in": "query"}, {"name": "x", "in": "cookie"}]}}}}"##);
        let mut diags = Vec::new();
        let ops = operations(&d, "f", &mut diags);
        let msgs: Vec<String> =
            ops[0].problems.iter().map(|p| format!("{} {}", p.pointer, p.message)).collect();
        assert_eq!(ops[0].id, "POST /a");
        assert_eq!(
            msgs,
            [
                "/paths/~1a/post the operation has no operationId",
                "/paths/~1a/post/parameters/0 the `$ref` \"#/parameters/missing\" points to nothing in the file",
                "/paths/~1a/post/parameters/1 the parameter has no name",
                "/paths/~1a/post/parameters/2/in \"cookie\" is not a parameter location (path, query, header, body or formData)",
            ]
        );
    }

    #[test]
    fn ref_cycles_stop() {
        let d =
            doc(r##"{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}}"##);
        let start = doc(r##"{"$ref": "#/definitions/a"}"##);
        let r = resolve(&d, &start, "/x").err().unwrap_or_default();
        assert!(r.contains("longer than 32"), "{r}");
        let external = doc(r##"{"$ref": "other.json#/x"}"##);
        assert!(resolve(&d, &external, "/x").err().unwrap_or_default().contains("outside the file"));
    }

    #[test]
    fn duplicate_operation_ids_are_errors() {
        let d = doc(r##"{"paths": {"/a": {"get": {"operationId": "X"}, "post": {"operationId": "x"}}}}"##);
        let mut diags = Vec::new();
        let _ = operations(&d, "f", &mut diags);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("also used at /paths/~1a/get"), "{}", diags[0].message);
    }
}
