//! URI parsing functions: the parts of an absolute URI as .NET's `System.Uri` gives them
//! (`Scheme`, `Host`, `Port`, `AbsolutePath`, `Query`, `PathAndQuery`).
//!
//! The scheme and host are lower-cased; a missing port is the scheme's default (-1 for a
//! scheme without one, as in .NET); an empty path is `/` when the URI has an authority;
//! dot segments are removed and characters a URI cannot hold are `%XX`-escaped in the
//! path and query; the query keeps its `?`; the fragment is never part of either.

use super::{req, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::Value;

const URI: &[super::Param] = &[req("uri", Ty::STRING)];

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "uriHost",
        Category::UriParsing,
        URI,
        "String",
        "The host of a URI (lower case, without the port).",
        "uriHost('https://www.localhost.com:8080') → 'www.localhost.com'",
        uri_host,
    ),
    Function::eager(
        "uriPath",
        Category::UriParsing,
        URI,
        "String",
        "The path of a URI ('/' if it has none), without the query.",
        "uriPath('https://www.contoso.com/catalog/shownew.htm?date=today') → '/catalog/shownew.htm'",
        uri_path,
    ),
    Function::eager(
        "uriPathAndQuery",
        Category::UriParsing,
        URI,
        "String",
        "The path and query of a URI.",
        "uriPathAndQuery('https://www.contoso.com/catalog/shownew.htm?date=today') → '/catalog/shownew.htm?date=today'",
        uri_path_and_query,
    ),
    Function::eager(
        "uriPort",
        Category::UriParsing,
        URI,
        "Integer",
        "The port of a URI, or the scheme's default port (80 for http, 443 for https, ...).",
        "uriPort('https://www.contoso.com') → 443",
        uri_port,
    ),
    Function::eager(
        "uriQuery",
        Category::UriParsing,
        URI,
        "String",
        "The query of a URI with its leading '?' ('' if it has none).",
        "uriQuery('https://www.contoso.com/catalog/shownew.htm?date=today') → '?date=today'",
        uri_query,
    ),
    Function::eager(
        "uriScheme",
        Category::UriParsing,
        URI,
        "String",
        "The scheme of a URI, in lower case.",
        "uriScheme('https://www.contoso.com') → 'https'",
        uri_scheme,
    ),
];

/// The parts of an absolute URI.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Uri {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) port: i64,
    pub(crate) path: String,
    pub(crate) query: String,
}

/// The default port .NET's `Uri` knows for a scheme, or -1.
fn default_port(scheme: &str) -> i64 {
    match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "gopher" => 70,
        "nntp" => 119,
        "telnet" => 23,
        "ldap" => 389,
        "mailto" => 25,
        "net.tcp" => 808,
        _ => -1,
    }
}

/// Schemes whose URIs must have a host, and whose `\` is read as `/`.
fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

/// Escapes what a URI cannot hold (spaces, controls, `"<>\^`{|}`, non-ASCII) as `%XX`,
/// and a `%` that does not start an escape as `%25`.
fn escape(part: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = part.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let is_escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let keep = b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b) && (b != b'%' || is_escape);
        if keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Removes `.` and `..` segments (RFC 3986 §5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Parses an absolute URI; `None` if it is not one.
pub(crate) fn parse(text: &str) -> Option<Uri> {
    let text = text.trim();
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut chars = scheme.chars();
    let valid_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.len() > 1;
    if !valid_scheme {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let special = is_special(&scheme);
    let rest = &text[colon + 1..];
    let rest = if special { rest.replace('\\', "/") } else { rest.to_string() };
    // The fragment is never part of the results.
    let rest = rest.split('#').next().unwrap_or("");
    let (authority, path_and_query) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    let (mut host, mut port) = (String::new(), default_port(&scheme));
    match authority {
        Some(authority) => {
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let (h, p) = if host_port.starts_with('[') {
                let close = host_port.find(']')?;
                let after = &host_port[close + 1..];
                let p = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':')?),
                };
                (&host_port[..=close], p)
            } else {
                match host_port.rsplit_once(':') {
                    Some((h, p)) => (h, Some(p)),
                    None => (host_port, None),
                }
            };
            if h.is_empty() && scheme != "file" {
                return None;
            }
            if h.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^')) {
                return None;
            }
            host = h.to_lowercase();
            if let Some(p) = p.filter(|p| !p.is_empty()) {
                if !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                port = p.parse::<u16>().ok()?.into();
            }
        }
        None if special => return None,
        None => {}
    }
    let (raw_path, raw_query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let raw_path = if authority.is_some() { remove_dot_segments(raw_path) } else { raw_path.to_string() };
    let mut path = String::with_capacity(raw_path.len() + 1);
    if authority.is_some() && !raw_path.starts_with('/') {
        path.push('/');
    }
    escape(&raw_path, &mut path);
    let mut query = String::new();
    if let Some(q) = raw_query {
        query.push('?');
        escape(q, &mut query);
    }
    Some(Uri { scheme, host, port, path, query })
}

fn uri_arg(call: &mut Call<'_, '_>, args: &Args<'_>) -> Result<Uri> {
    let text = match args.value(0) {
        Value::String(s) => s,
        _ => return Err(args.type_error(0, "a string")),
    };
    call.charge(text.len() as u64 / 64)?;
    parse(text).ok_or_else(|| {
        let shown: String = text.chars().take(200).collect();
        args.invalid(
            0,
            format!("expects its parameter to be an absolute URI. The provided value '{shown}' is not a well-formed absolute URI."),
        )
    })
}

fn uri_host(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::from(uri_arg(call, &args)?.host))
}

fn uri_path(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::from(uri_arg(call, &args)?.path))
}

fn uri_path_and_query(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let uri = uri_arg(call, &args)?;
    Ok(Value::from(uri.path + &uri.query))
}

fn uri_port(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::Int(uri_arg(call, &args)?.port))
}

fn uri_query(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::from(uri_arg(call, &args)?.query))
}

fn uri_scheme(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(Value::from(uri_arg(call, &args)?.scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Option<(String, String, i64, String, String)> {
        parse(text).map(|u| (u.scheme, u.host, u.port, u.path, u.query))
    }

    #[test]
    fn parses_like_system_uri() {
        let p = |s: &str, h: &str, port: i64, path: &str, q: &str| {
            Some((s.to_string(), h.to_string(), port, path.to_string(), q.to_string()))
        };
        assert_eq!(parts("https://www.contoso.com"), p("https", "www.contoso.com", 443, "/", ""));
        assert_eq!(
            parts("HTTP://User@WWW.X.com:8080/a/b?c=d#e"),
            p("http", "www.x.com", 8080, "/a/b", "?c=d")
        );
        assert_eq!(parts("http://x/a/./b/../c"), p("http", "x", 80, "/a/c", ""));
        assert_eq!(parts("http://x/a b?q=1 2"), p("http", "x", 80, "/a%20b", "?q=1%202"));
        assert_eq!(parts("http://x/é"), p("http", "x", 80, "/%C3%A9", ""));
        assert_eq!(parts("http://x/100%"), p("http", "x", 80, "/100%25", ""));
        assert_eq!(parts("http://x/a%2Fb"), p("http", "x", 80, "/a%2Fb", ""));
        assert_eq!(parts("http://[::1]:81/"), p("http", "[::1]", 81, "/", ""));
        assert_eq!(parts("http://x\\a\\b"), p("http", "x", 80, "/a/b", ""));
        assert_eq!(parts("ftp://files.example.org"), p("ftp", "files.example.org", 21, "/", ""));
        assert_eq!(parts("file:///c:/dir/f.txt"), p("file", "", -1, "/c:/dir/f.txt", ""));
        assert_eq!(parts("urn:isbn:0451450523"), p("urn", "", -1, "isbn:0451450523", ""));
        assert_eq!(parts("custom://host"), p("custom", "host", -1, "/", ""));
        assert_eq!(parts("  https://x  "), p("https", "x", 443, "/", ""));
    }

    #[test]
    fn rejects_what_is_not_an_absolute_uri() {
        for text in [
            "",
            "www.contoso.com",
            "/relative/path",
            "c:/windows",
            "http:no-slashes",
            "http://",
            "http://x:port",
            "http://x:70000",
            "http://a b",
            "1http://x",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
