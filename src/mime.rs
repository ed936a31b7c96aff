//! MIME bodies that flowexpr writes: multipart bodies (an HTTP action's `$multipart` body,
//! a connector operation's `formData` with files) and form-urlencoded fields (an HTTP
//! action's `$formdata` body, a connector's urlencoded `formData`).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// One part of a multipart body: its headers, in order, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// The part's headers (`Content-Disposition`, `Content-Type`, ...).
    pub headers: &'a [(String, String)],
    /// The part's content.
    pub data: &'a [u8],
}

/// Writes a multipart body and returns it with the boundary it used. The boundary is
/// `flowexpr-boundary-N` with the smallest `N` that no part contains, so that the same
/// parts always give the same bytes (dry runs and tests stay reproducible).
pub fn write_multipart(parts: &[Part<'_>]) -> (Vec<u8>, String) {
    let mut n = 0u32;
    let boundary = loop {
        let candidate = format!("flowexpr-boundary-{n}");
        let needle = candidate.as_bytes();
        if !parts.iter().any(|p| p.data.windows(needle.len()).any(|w| w == needle)) {
            break candidate;
        }
        n += 1;
    };
    let size: usize = parts.iter().map(|p| p.data.len() + 64).sum();
    let mut out = Vec::with_capacity(size + boundary.len() * (parts.len() + 1));
    for p in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (k, v) in p.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            // A header value cannot span lines; a line break would start a new header.
            out.extend(v.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    (out, boundary)
}

/// Everything but unreserved characters (`A–Z a–z 0–9 - _ . ~`) is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes everything but `A–Z a–z 0–9 - _ . ~`, as .NET's `Uri.EscapeDataString`.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `key=value&key=value`, each side percent-encoded with [`encode_component`].
pub fn write_urlencoded<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode_component(k));
        out.push('=');
        out.push_str(&encode_component(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn multipart_layout() {
        let h1 = headers(&[("Content-Disposition", "form-data; name=\"a\"")]);
        let h2 =
            headers(&[("Content-Disposition", "form-data; name=f; filename=x.bin"), ("Content-Type", "a/b")]);
        let parts = [Part { headers: &h1, data: b"one" }, Part { headers: &h2, data: &[0, 1, 2] }];
        let (bytes, boundary) = write_multipart(&parts);
        assert_eq!(boundary, "flowexpr-boundary-0");
        let expected: &[u8] = b"--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n\
--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=f; filename=x.bin\r\nContent-Type: a/b\r\n\r\n\x00\x01\x02\r\n\
--flowexpr-boundary-0--\r\n";
        assert_eq!(bytes, expected);
    }

    #[test]
    fn boundary_avoids_the_content_and_headers_stay_on_one_line() {
        let h = headers(&[("X-Note", "a\r\nInjected: yes")]);
        let parts = [Part { headers: &h, data: b"--flowexpr-boundary-0 and flowexpr-boundary-1" }];
        let (bytes, boundary) = write_multipart(&parts);
        assert_eq!(boundary, "flowexpr-boundary-2");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("X-Note: a  Injected: yes\r\n"), "{text}");
        assert!(text.ends_with("--flowexpr-boundary-2--\r\n"), "{text}");
    }

    #[test]
    fn urlencoded_fields() {
        assert_eq!(
            write_urlencoded([("grant_type", "client_credentials"), ("scope", "a b/c&d")]),
            "grant_type=client_credentials&scope=a%20b%2Fc%26d"
        );
        assert_eq!(write_urlencoded([("é", "~._-")]), "%C3%A9=~._-");
        assert_eq!(write_urlencoded(std::iter::empty()), "");
    }
}
