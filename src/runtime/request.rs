//! Rendered inputs → the request on the wire, and the response → the outputs.
//!
//! * `queries` are percent-encoded (as .NET's `Uri.EscapeDataString` does: everything but
//!   `A–Z a–z 0–9 - _ . ~`) and appended to the URI.
//! * A string body is sent as it is; objects, arrays, numbers and booleans as JSON; binary
//!   values as their bytes with their content type; `null` sends no body.
//! * The headers the service drops are dropped: `Accept-*` (but `Accept-Version`),
//!   `Allow`, `Content-*` (but `Content-Disposition`, `Content-Encoding` and `Content-Type`,
//!   which are dropped on GET only), `Cookie` (use the `cookie` input), `Expires`, `Host`,
//!   `Last-Modified`, `Origin`, `Set-Cookie`, `Transfer-Encoding`.
//! * Response bodies: JSON content types are parsed, `text/*` stays text, XML and every
//!   other type become binary values (`{"$content-type", "$content"}`).

use percent_encoding::AsciiSet;

use super::auth::Authentication;
use super::retry::RetryPolicy;
use super::transport::HttpResponse;
use crate::mime::encode_component;
use crate::value::{Binary, Object, Value};

/// The methods an Http action sends.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Characters that cannot stand in a URI as written and are escaped, as .NET's `Uri` does
/// with a string such as `https://x/a b`: controls, space, `"`, `<`, `>`, `\`, `^`, `` ` ``,
/// `{`, `|`, `}` and every non-ASCII character. `%` is kept (it already escapes).
const URI_UNSAFE: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Checks a method name.
pub fn check_method(method: &str) -> Result<String, String> {
    let upper = method.trim().to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(format!("'{method}' is not a method of the Http action; use one of {}", METHODS.join(", ")))
    }
}

/// Checks a URI: absolute, `http` or `https`, with a host.
pub fn check_uri(uri: &str) -> Result<(), String> {
    let t = uri.trim();
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &t[8..]
    } else if lower.starts_with("http://") {
        &t[7..]
    } else {
        return Err(format!("the 'uri' must be an absolute http or https URI; it is '{uri}'"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("the 'uri' has no host: '{uri}'"));
    }
    Ok(())
}

/// Escapes the characters a URI cannot hold as written.
pub fn escape_uri(uri: &str) -> String {
    percent_encoding::utf8_percent_encode(uri.trim(), URI_UNSAFE).to_string()
}

/// The inputs of one request, read from the rendered inputs. Its `Debug` form leaves out
/// header values, queries, the body and the cookie, which may hold secrets.
#[derive(Clone)]
pub struct RequestSpec {
    /// The method, upper case.
    pub method: String,
    /// The URI as given (escaped where it must be), without the queries.
    pub uri: String,
    /// The headers as given, in order.
    pub headers: Vec<(String, String)>,
    /// The queries, in order.
    pub queries: Vec<(String, String)>,
    /// The body.
    pub body: Value,
    /// The authentication.
    pub authentication: Option<Authentication>,
    /// The `cookie` input.
    pub cookie: Option<String>,
    /// The retry policy.
    pub retry_policy: RetryPolicy,
}

impl std::fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RequestSpec")
            .field("method", &self.method)
            .field("headers", &names)
            .field("authentication", &self.authentication)
            .field("retry_policy", &self.retry_policy)
            .finish_non_exhaustive()
    }
}

/// A problem with the rendered inputs: message, and the member (JSON pointer relative to the
/// inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// What is wrong.
    pub message: String,
    /// The member.
    pub pointer: String,
}

fn input_error(pointer: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError { message: message.into(), pointer: pointer.into() }
}

/// The text a header or query value is sent as: strings as they are, other values as the
/// language writes them (`True`, `5`, compact JSON); `None` for `null`.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.to_string()),
        other => Some(other.to_text()),
    }
}

fn pairs(fields: &Object, member: &str) -> Result<Vec<(String, String)>, InputError> {
    match fields.get_ci(member) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(o)) => {
            Ok(o.iter().filter_map(|(k, v)| Some((k.to_string(), value_text(v)?))).collect())
        }
        Some(other) => Err(input_error(
            format!("/{member}"),
            format!("'{member}' must be an object of names and values, not {}", other.value_type()),
        )),
    }
}

/// The longest request URL, queries included, that the service sends (its limits table).
pub const MAX_URL_LENGTH: usize = 16_384;

/// Fails when the URL with its encoded queries is longer than [`MAX_URL_LENGTH`]. (A quick
/// upper bound first: most URLs are far below it and need not be built here.)
fn check_url_length(uri: &str, queries: &[(String, String)]) -> Result<(), InputError> {
    let bound = uri.len() + queries.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum::<usize>();
    if bound <= MAX_URL_LENGTH {
        return Ok(());
    }
    let length = append_queries(uri, queries).chars().count();
    if length <= MAX_URL_LENGTH {
        return Ok(());
    }
    Err(input_error(
        "/uri",
        format!(
            "the request URL, queries included, is {length} characters long; the limit is {MAX_URL_LENGTH}"
        ),
    ))
}

/// The body to send: a `$multipart` or `$formdata` body (the service's form envelopes)
/// becomes binary content in its encoding; any other body is kept as it is.
///
/// * `{"$content-type": "multipart/form-data", "$multipart": [{"headers": {...}, "body": ...}]}`:
///   each part with its headers; a part's text body is sent as it is, binary content as
///   its bytes (with its `Content-Type` unless the part gives one), other values as JSON.
/// * `{"$content-type": "application/x-www-form-urlencoded", "$formdata": [{"key", "value"}]}`:
///   `key=value&...`, percent-encoded.
fn form_body(body: &Value) -> Result<Value, InputError> {
    let Value::Object(o) = body else { return Ok(body.clone()) };
    let multipart = o.get_ci("$multipart").is_some();
    if !multipart && o.get_ci("$formdata").is_none() {
        return Ok(body.clone());
    }
    let content_type = match o.get_ci("$content-type") {
        None => None,
        Some(Value::String(s)) => Some(s.to_string()),
        Some(other) => {
            return Err(input_error(
                "/body/$content-type",
                format!("'$content-type' must be a string, not {}", other.value_type()),
            ))
        }
    };
    let essence = |ct: &str| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let list = |member: &str| -> Result<&[Value], InputError> {
        match o.get_ci(member) {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(input_error(
                format!("/body/{member}"),
                format!("'{member}' must be an array, not {}", other.value_type()),
            )),
            None => Ok(&[]),
        }
    };
    if multipart {
        let content_type = content_type.unwrap_or_else(|| "multipart/form-data".into());
        if !essence(&content_type).starts_with("multipart/") {
            return Err(input_error(
                "/body/$content-type",
                format!("a '$multipart' body needs a multipart '$content-type', not '{content_type}'"),
            ));
        }
        let mut parts = Vec::new();
        for (i, part) in list("$multipart")?.iter().enumerate() {
            let at = format!("/body/$multipart/{i}");
            let Value::Object(part) = part else {
                return Err(input_error(
                    at,
                    format!("a part must be an object with 'headers' and 'body', not {}", part.value_type()),
                ));
            };
            let mut headers =
                pairs(part, "headers").map_err(|e| input_error(format!("{at}{}", e.pointer), e.message))?;
            let has_type = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
            let (data, default_type) = match part.get_ci("body").unwrap_or(&Value::Null) {
                Value::Null => (Vec::new(), None),
                Value::String(s) => (s.as_bytes().to_vec(), None),
                Value::Binary(b) => (b.bytes().to_vec(), Some(b.content_type().to_string())),
                other => {
                    (crate::value::to_json_string(other).into_bytes(), Some("application/json".to_string()))
                }
            };
            if let (false, Some(t)) = (has_type, default_type) {
                headers.push(("Content-Type".into(), t));
            }
            parts.push((headers, data));
        }
        let refs: Vec<crate::mime::Part<'_>> =
            parts.iter().map(|(headers, data)| crate::mime::Part { headers, data }).collect();
        let (bytes, boundary) = crate::mime::write_multipart(&refs);
        // Our boundary replaces any the envelope names (the parts were not written with it).
        let mut sent_type: Vec<&str> = content_type
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.to_ascii_lowercase().starts_with("boundary="))
            .collect();
        let boundary_param = format!("boundary={boundary}");
        sent_type.push(&boundary_param);
        let sent_type = sent_type.join("; ");
        return Ok(Value::binary(Binary::new(sent_type, bytes)));
    }
    let content_type = content_type.unwrap_or_else(|| "application/x-www-form-urlencoded".into());
    let mut fields = Vec::new();
    for (i, field) in list("$formdata")?.iter().enumerate() {
        let key = field.member("key").and_then(|k| value_text(&k));
        let Some(key) = key else {
            return Err(input_error(
                format!("/body/$formdata/{i}"),
                "a '$formdata' item must be an object with a 'key' and a 'value'",
            ));
        };
        let value = field.member("value").and_then(|v| value_text(&v)).unwrap_or_default();
        fields.push((key, value));
    }
    let text = crate::mime::write_urlencoded(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(Value::binary(Binary::new(content_type, text.into_bytes())))
}

impl RequestSpec {
    /// Reads rendered inputs.
    pub fn from_inputs(inputs: &Value, default_authority: &str) -> Result<RequestSpec, InputError> {
        let Some(fields) = inputs.as_object() else {
            return Err(input_error(
                "",
                format!("the inputs must be an object, not {}", inputs.value_type()),
            ));
        };
        let method = match fields.get_ci("method") {
            Some(Value::String(m)) => check_method(m).map_err(|e| input_error("/method", e))?,
            Some(other) => {
                return Err(input_error(
                    "/method",
                    format!("'method' must be a string, not {}", other.value_type()),
                ))
            }
            None => return Err(input_error("/method", "the inputs need a 'method'")),
        };
        let uri = match fields.get_ci("uri") {
            Some(Value::String(u)) => {
                check_uri(u).map_err(|e| input_error("/uri", e))?;
                escape_uri(u)
            }
            Some(other) => {
                return Err(input_error(
                    "/uri",
                    format!("'uri' must be a string, not {}", other.value_type()),
                ))
            }
            None => return Err(input_error("/uri", "the inputs need a 'uri'")),
        };
        let authentication = match fields.get_ci("authentication") {
            Some(a) => Authentication::from_value(a, default_authority)
                .map_err(|e| input_error(format!("/authentication{}", e.pointer), e.message))?,
            None => None,
        };
        let retry_policy = RetryPolicy::from_value(fields.get_ci("retryPolicy").unwrap_or(&Value::Null))
            .map_err(|e| input_error(format!("/retryPolicy{}", e.pointer), e.message))?;
        let cookie = match fields.get_ci("cookie") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.to_string()),
            Some(other) => {
                return Err(input_error(
                    "/cookie",
                    format!("'cookie' must be a string, not {}", other.value_type()),
                ))
            }
        };
        let queries = pairs(fields, "queries")?;
        check_url_length(&uri, &queries)?;
        let mut headers = pairs(fields, "headers")?;
        let body = form_body(fields.get_ci("body").unwrap_or(&Value::Null))?;
        if let Value::Binary(b) = &body {
            // The envelope's content type carries the boundary; a `Content-Type` header
            // without one (`multipart/form-data`) would make the body unreadable.
            if b.content_type().contains("boundary=") {
                for (k, v) in &mut headers {
                    if k.eq_ignore_ascii_case("content-type") && !v.contains("boundary=") {
                        *v = b.content_type().to_string();
                    }
                }
            }
        }
        Ok(RequestSpec { method, uri, headers, queries, body, authentication, cookie, retry_policy })
    }

    /// The URL with the queries appended.
    pub fn url(&self) -> String {
        append_queries(&self.uri, &self.queries)
    }
}

/// Appends encoded queries to a URI (before any `#fragment`, which is not sent).
pub fn append_queries(uri: &str, queries: &[(String, String)]) -> String {
    let base = uri.split('#').next().unwrap_or(uri);
    if queries.is_empty() {
        return base.to_string();
    }
    let mut out = base.to_string();
    let mut sep = if out.contains('?') {
        if out.ends_with('?') || out.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    for (k, v) in queries {
        out.push_str(sep);
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
        sep = "&";
    }
    out
}

/// Is this header dropped from requests of this method?
pub fn is_dropped_header(name: &str, method: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    if n.starts_with("accept-") {
        return n != "accept-version";
    }
    if n.starts_with("content-") {
        let kept = matches!(n.as_str(), "content-disposition" | "content-encoding" | "content-type");
        return !kept || method == "GET";
    }
    matches!(
        n.as_str(),
        "allow"
            | "cookie"
            | "expires"
            | "host"
            | "last-modified"
            | "origin"
            | "set-cookie"
            | "transfer-encoding"
    )
}

/// A body on the wire: bytes and the content type they carry by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The content type sent when the headers give none.
    pub default_content_type: String,
}

/// Encodes a body value; `None` for `null`.
pub fn encode_body(body: &Value) -> Option<EncodedBody> {
    match body {
        Value::Null => None,
        Value::String(s) => Some(EncodedBody {
            bytes: s.as_bytes().to_vec(),
            default_content_type: "text/plain; charset=utf-8".into(),
        }),
        Value::Binary(b) => Some(EncodedBody {
            bytes: b.bytes().to_vec(),
            default_content_type: b.content_type().to_string(),
        }),
        other => Some(EncodedBody {
            bytes: crate::value::to_json_string(other).into_bytes(),
            default_content_type: "application/json; charset=utf-8".into(),
        }),
    }
}

/// Resolves a link (`Location`, `nextLink`) against the URL it came from.
pub fn resolve_link(base: &str, link: &str) -> String {
    let link = link.trim();
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return escape_uri(link);
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..].find(['/', '?', '#']).map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = link.strip_prefix("//") {
        return escape_uri(&format!("{}{rest}", &base[..scheme_end]));
    }
    if link.starts_with('/') {
        return escape_uri(&format!("{}{link}", &base[..authority_end]));
    }
    let path_end = base[authority_end..].find(['?', '#']).map_or(base.len(), |i| authority_end + i);
    if link.starts_with('?') {
        return escape_uri(&format!("{}{link}", &base[..path_end]));
    }
    let dir_end = base[authority_end..path_end].rfind('/').map_or(authority_end, |i| authority_end + i);
    escape_uri(&format!("{}/{link}", &base[..dir_end]))
}

/// Writes a header name as `Title-Case` (`content-type` → `Content-Type`): HTTP/1.1
/// stacks hand names over in lower case, and the service's records show them capitalized.
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

/// The response headers as an object: names title-cased, repeated headers joined with `, `.
pub fn headers_object(headers: &[(String, String)]) -> Object {
    let mut o = Object::with_capacity(headers.len());
    for (k, v) in headers {
        let name = title_case(k);
        match o.get(&name) {
            Some(Value::String(prev)) => {
                let joined = format!("{prev}, {v}");
                o.insert(name, Value::from(joined));
            }
            _ => o.insert(name, Value::from(v.as_str())),
        }
    }
    o
}

/// The essence of a content type: lower case, without parameters.
pub fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Is this a JSON content type (`application/json`, `text/json`, `*/*+json`)?
pub fn is_json_type(content_type: &str) -> bool {
    let e = essence(content_type);
    e == "application/json" || e == "text/json" || e.ends_with("+json")
}

/// The charset parameter of a content type.
fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// Decodes text in its charset: UTF-8 (the default), Latin-1 or ASCII; anything else is
/// read as UTF-8 with invalid sequences replaced.
pub fn decode_text(bytes: &[u8], content_type: &str) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match charset(content_type).as_deref() {
        Some("iso-8859-1" | "latin1" | "latin-1" | "windows-1252" | "us-ascii" | "ascii") => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Why a response body could not be read as its content type says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    /// What is wrong.
    pub message: String,
    /// The body as text, kept in the outputs.
    pub text: String,
}

/// The body value of a response; `None` when the body is empty.
pub fn decode_body(response: &HttpResponse) -> Result<Option<Value>, BodyError> {
    if response.body.is_empty() {
        return Ok(None);
    }
    let content_type = response.header("content-type").unwrap_or("").to_string();
    let e = essence(&content_type);
    if is_json_type(&content_type) {
        let text = decode_text(&response.body, &content_type);
        return match crate::value::from_json_str(&text) {
            Ok(v) => Ok(Some(v)),
            Err(err) => Err(BodyError {
                message: format!(
                    "The response content is not valid JSON, although its content type is '{content_type}': {err}."
                ),
                text,
            }),
        };
    }
    let xml = e == "text/xml" || e == "application/xml" || e.ends_with("+xml");
    if e.starts_with("text/") && !xml {
        return Ok(Some(Value::from(decode_text(&response.body, &content_type))));
    }
    let content_type =
        if content_type.is_empty() { "application/octet-stream".to_string() } else { content_type };
    Ok(Some(Value::binary(Binary::new(content_type, response.body.clone()))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    #[test]
    fn request_urls_are_limited_to_16384_characters() {
        let inputs = |uri: &str, q: &str| {
            from_json_str(&format!(r#"{{"method": "GET", "uri": "{uri}", "queries": {{"q": "{q}"}}}}"#))
                .unwrap_or_default()
        };
        let base = "https://api.example.com/search";
        // 16,384 characters exactly pass; one more fails, wherever the length comes from.
        let fits = "a".repeat(MAX_URL_LENGTH - base.len() - "?q=".len());
        assert!(RequestSpec::from_inputs(&inputs(base, &fits), "").is_ok());
        let over = RequestSpec::from_inputs(&inputs(base, &format!("{fits}a")), "").err();
        assert_eq!(over.as_ref().map(|e| e.pointer.as_str()), Some("/uri"));
        assert!(over.is_some_and(|e| e.message.contains("16385 characters long; the limit is 16384")));
        // Encoding counts: 6,000 spaces are 18,000 characters on the wire.
        let spaces = " ".repeat(6_000);
        assert!(RequestSpec::from_inputs(&inputs(base, &spaces), "").is_err());
    }

    #[test]
    fn form_envelopes_become_encoded_bodies() {
        let body = |json: &str| form_body(&from_json_str(json).unwrap_or_default());
        // The envelope's own parameters stay; its boundary gives way to ours.
        let mixed = body(
            r#"{"$content-type": "multipart/mixed; boundary=abc; charset=utf-8", "$multipart": [{"body": "x"}]}"#,
        );
        let b = mixed.ok().and_then(|v| v.as_binary().cloned());
        assert_eq!(
            b.as_ref().map(|b| b.content_type().to_string()).as_deref(),
            Some("multipart/mixed; charset=utf-8; boundary=flowexpr-boundary-0")
        );
        assert_eq!(
            b.map(|b| b.bytes().to_vec()),
            Some(b"--flowexpr-boundary-0\r\n\r\nx\r\n--flowexpr-boundary-0--\r\n".to_vec())
        );
        // $formdata values are written as the language writes them.
        let form = body(
            r#"{"$formdata": [{"key": "n", "value": 5}, {"key": "ok", "value": true}, {"key": "e", "value": null}]}"#,
        );
        let b = form.ok().and_then(|v| v.as_binary().cloned());
        assert_eq!(
            b.as_ref().map(|b| b.content_type().to_string()).as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(b.map(|b| b.bytes().to_vec()), Some(b"n=5&ok=True&e=".to_vec()));
        // Other objects, and envelopes without a form member, are kept as they are.
        let plain = r#"{"$content-type": "application/json", "a": 1}"#;
        assert_eq!(body(plain).ok(), from_json_str(plain).ok());
    }

    #[test]
    fn queries_are_encoded_like_escape_data_string() {
        let q = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
        };
        assert_eq!(
            append_queries(
                "https://x/api",
                &q(&[("offset", "100"), ("q", "a b&c=d/é"), ("api-version", "2018-01-01")])
            ),
            "https://x/api?offset=100&q=a%20b%26c%3Dd%2F%C3%A9&api-version=2018-01-01"
        );
        assert_eq!(append_queries("https://x/api?a=1", &q(&[("b", "2")])), "https://x/api?a=1&b=2");
        assert_eq!(append_queries("https://x/api?", &q(&[("b", "~-_.")])), "https://x/api?b=~-_.");
        assert_eq!(append_queries("https://x/api#frag", &q(&[("b", "2")])), "https://x/api?b=2");
        assert_eq!(append_queries("https://x/api", &[]), "https://x/api");
    }

    #[test]
    fn uris() {
        assert!(check_uri("https://example.com").is_ok());
        assert!(check_uri("HTTP://127.0.0.1:8080/x").is_ok());
        for bad in ["example.com/x", "ftp://x", "https://", "https:///path", "http://:80/"] {
            assert!(check_uri(bad).is_err(), "{bad}");
        }
        assert_eq!(escape_uri("https://x/a b/ü?q=\"1\""), "https://x/a%20b/%C3%BC?q=%221%22");
        assert_eq!(escape_uri("https://x/a%20b"), "https://x/a%20b");
    }

    #[test]
    fn methods() {
        assert_eq!(check_method("post"), Ok("POST".to_string()));
        assert!(check_method("FETCH").is_err());
    }

    #[test]
    fn dropped_headers() {
        for (name, method, dropped) in [
            ("Accept", "GET", false),
            ("Accept-Language", "GET", true),
            ("Accept-Version", "GET", false),
            ("Allow", "POST", true),
            ("Content-Type", "POST", false),
            ("Content-Type", "PUT", false),
            ("Content-Type", "GET", true),
            ("Content-Encoding", "GET", true),
            ("Content-Disposition", "PATCH", false),
            ("Content-Length", "POST", true),
            ("Content-MD5", "POST", true),
            ("Cookie", "GET", true),
            ("Expires", "GET", true),
            ("Host", "GET", true),
            ("Last-Modified", "GET", true),
            ("Origin", "GET", true),
            ("Set-Cookie", "GET", true),
            ("Transfer-Encoding", "POST", true),
            ("X-Api-Key", "GET", false),
            ("Authorization", "GET", false),
        ] {
            assert_eq!(is_dropped_header(name, method), dropped, "{name} on {method}");
        }
    }

    #[test]
    fn bodies() {
        let json = encode_body(&from_json_str(r#"{"a": [1, 2.0, "x"]}"#).unwrap_or_default());
        assert_eq!(
            json,
            Some(EncodedBody {
                bytes: br#"{"a":[1,2.0,"x"]}"#.to_vec(),
                default_content_type: "application/json; charset=utf-8".into()
            })
        );
        let form = encode_body(&Value::from("grant_type=client_credentials&x=1"));
        assert_eq!(form.map(|b| b.bytes), Some(b"grant_type=client_credentials&x=1".to_vec()));
        let bin = encode_body(&Value::binary(Binary::new("image/png", vec![0x89, 0x50])));
        assert_eq!(
            bin,
            Some(EncodedBody { bytes: vec![0x89, 0x50], default_content_type: "image/png".into() })
        );
        assert_eq!(encode_body(&Value::Null), None);
        assert_eq!(encode_body(&Value::Bool(true)).map(|b| b.bytes), Some(b"true".to_vec()));
    }

    #[test]
    fn links_resolve_against_the_request() {
        let base = "http://127.0.0.1:80/api/items?page=1";
        assert_eq!(resolve_link(base, "https://other/x"), "https://other/x");
        assert_eq!(resolve_link(base, "/status/7"), "http://127.0.0.1:80/status/7");
        assert_eq!(resolve_link(base, "?page=2"), "http://127.0.0.1:80/api/items?page=2");
        assert_eq!(resolve_link(base, "next"), "http://127.0.0.1:80/api/next");
        assert_eq!(resolve_link("http://h", "next"), "http://h/next");
        assert_eq!(resolve_link(base, "//cdn/x"), "http://cdn/x");
    }

    #[test]
    fn response_bodies_by_content_type() {
        let r = |ct: &str, body: &[u8]| {
            HttpResponse::new(200).with_header("content-type", ct).with_body(body.to_vec())
        };
        assert_eq!(
            decode_body(&r("application/json; charset=utf-8", br#"{"a":1}"#))
                .ok()
                .flatten()
                .map(|v| v.to_string()),
            Some(r#"{"a":1}"#.to_string())
        );
        assert_eq!(
            decode_body(&r("application/vnd.api+json", b"[1]")).ok().flatten().map(|v| v.to_string()),
            Some("[1]".to_string())
        );
        assert_eq!(decode_body(&r("text/plain", b"hi")).ok().flatten(), Some(Value::from("hi")));
        assert_eq!(
            decode_body(&r("text/plain; charset=iso-8859-1", b"caf\xe9")).ok().flatten(),
            Some(Value::from("café"))
        );
        let xml = decode_body(&r("application/xml", b"<a/>")).ok().flatten();
        assert_eq!(
            xml.as_ref().and_then(|v| v.member("$content-type")),
            Some(Value::from("application/xml"))
        );
        let png = decode_body(&r("image/png", &[1, 2, 3])).ok().flatten();
        assert_eq!(
            png.map(|v| v.to_string()),
            Some(r#"{"$content-type":"image/png","$content":"AQID"}"#.to_string())
        );
        let bad = decode_body(&r("application/json", b"{not json"));
        assert!(
            bad.as_ref().is_err_and(|e| e.message.contains("not valid JSON") && e.text == "{not json"),
            "{bad:?}"
        );
        assert_eq!(decode_body(&HttpResponse::new(204)), Ok(None));
        let none = decode_body(&HttpResponse::new(200).with_body(b"xyz".to_vec())).ok().flatten();
        assert_eq!(
            none.and_then(|v| v.member("$content-type")),
            Some(Value::from("application/octet-stream"))
        );
    }

    #[test]
    fn response_headers() {
        let h = headers_object(&[
            ("content-type".into(), "application/json".into()),
            ("x-ms-request-id".into(), "1".into()),
            ("set-cookie".into(), "a=1".into()),
            ("set-cookie".into(), "b=2".into()),
        ]);
        assert_eq!(
            Value::Object(h).to_string(),
            r#"{"Content-Type":"application/json","X-Ms-Request-Id":"1","Set-Cookie":"a=1, b=2"}"#
        );
    }

    #[test]
    fn rendered_inputs() {
        let spec = RequestSpec::from_inputs(
            &from_json_str(
                r#"{"method": "get", "uri": "https://x/api", "headers": {"X-N": 5, "X-B": true, "X-Null": null},
                    "queries": {"offset": "100"}, "cookie": "a=1"}"#,
            )
            .unwrap_or_default(),
            "https://login",
        );
        let spec = spec.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.method, "GET");
        assert_eq!(spec.url(), "https://x/api?offset=100");
        assert_eq!(
            spec.headers,
            [("X-N".to_string(), "5".to_string()), ("X-B".to_string(), "True".to_string())]
        );
        assert_eq!(spec.cookie.as_deref(), Some("a=1"));
        assert_eq!(spec.retry_policy, RetryPolicy::default());
        let e = RequestSpec::from_inputs(
            &from_json_str(r#"{"method": "GET", "uri": 5}"#).unwrap_or_default(),
            "x",
        );
        assert_eq!(e.err().map(|e| e.pointer), Some("/uri".to_string()));
    }

    proptest::proptest! {
        #[test]
        fn encoded_queries_decode_to_what_was_given(key in "\\PC{0,12}", value in "\\PC{0,24}") {
            let url = append_queries("https://x/api", &[(key.clone(), value.clone())]);
            let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
            let (k, v) = query.split_once('=').unwrap_or(("", ""));
            proptest::prop_assert!(!v.contains(['&', '=', '#', ' ', '+']));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            proptest::prop_assert_eq!(decode(k), key);
            proptest::prop_assert_eq!(decode(v), value);
        }
    }
}
