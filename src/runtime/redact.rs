//! Keeping secrets out of every output: the one [`Redactor`] that records, summaries,
//! errors, log lines, flow-test reports, dry runs and the command line's output all go
//! through.
//!
//! A redactor knows secret values — passwords, keys and tokens of an `authentication`,
//! fetched tokens, `securestring` / `secureobject` parameter values, `secureData` values,
//! connection secrets, credentials written in a URI — and replaces each wherever it
//! appears, in every form it can take on its way out:
//!
//! * as written;
//! * percent-encoded: every non-alphanumeric byte (`%2F`, upper and lower case hex), as
//!   `EscapeDataString` writes it (`%20`), as forms write it (`+` for a space), and as a
//!   query string writes it;
//! * JSON-escaped (`\"`, `\\`, `\/`, `\uXXXX`), as a server that echoes a JSON body writes it;
//! * base64 and base64url, padded or not, also inside a longer base64 text (each of the
//!   three alignments);
//!
//! and `user:password` in base64 (a Basic credential). `Authorization` headers and
//! members named like credentials (`password`, `client_secret`, ...) are replaced whatever
//! they hold, and so is the password of any `scheme://user:password@host` in text.
//!
//! [`Secrets`] is a shared, growing set: a run, an HTTP runtime and the command line's
//! output sink ([`super::output::Output`]) hold the same one, so a token fetched by the
//! third action of a run is hidden in the summary printed at the end.

use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::value::{Object, Value};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// What a secured `inputs` or `outputs` (`runtimeConfiguration.secureData`) is shown as.
pub const SECURED: &str = "[secured by runtimeConfiguration.secureData]";

/// Secrets shorter than this are replaced only where a whole string equals them; inside
/// longer text they would match too much.
const MIN_SUBSTRING_SECRET: usize = 4;

/// Base64 taken from the middle of a longer encoding is matched only when it is at least
/// this long (shorter runs of base64 letters occur by chance).
const MIN_BASE64_FRAGMENT: usize = 8;

/// Nesting deeper than this is replaced whole (values from JSON are at most 128 deep).
const MAX_DEPTH: usize = 256;

/// Members whose values are credentials whatever they hold.
const SECRET_MEMBERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "password",
    "client_secret",
    "clientsecret",
    "secret",
    "pfx",
    "access_token",
    "refresh_token",
    "id_token",
];

/// Members of an `authentication` object that describe it rather than hold a credential.
const DESCRIPTIVE_AUTH_MEMBERS: &[&str] = &["type", "authority", "audience"];

/// Headers whose values are always secret.
pub fn is_secret_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
}

/// Members (of any object written out) whose values are always secret.
pub fn is_secret_member(name: &str) -> bool {
    SECRET_MEMBERS.iter().any(|m| name.eq_ignore_ascii_case(m))
}

/// The forms a secret takes on its way out (see the module documentation), itself first.
pub fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    let percent = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    push(lower_hex_escapes(&percent));
    push(percent);
    let data = crate::mime::encode_component(secret);
    push(data.replace("%20", "+"));
    push(lower_hex_escapes(&data));
    push(data);
    for json in json_escapes(secret) {
        // And JSON inside JSON: `string()` of an object, written out as a JSON string.
        for twice in json_escapes(&json) {
            push(twice);
        }
        push(json);
    }
    for b64 in base64_forms(secret.as_bytes()) {
        push(b64);
    }
    out
}

/// `%2f` for `%2F`: some encoders write lower-case hex.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let escape = rest.get(i..i + 3).unwrap_or(&rest[i..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[i + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// The secret inside a JSON string: as serde and the service write it, with `/` escaped
/// (PHP, .NET's older writers), with everything beyond ASCII as `\uXXXX` (Python's), and
/// HTML-safe (System.Text.Json's default, a page's script data).
fn json_escapes(secret: &str) -> Vec<String> {
    let plain = serde_json::to_string(secret).unwrap_or_default();
    let plain = plain.get(1..plain.len().saturating_sub(1)).unwrap_or_default().to_string();
    let slashes = plain.replace('/', "\\/");
    let mut ascii = String::new();
    for c in plain.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    let ascii_upper = upper_hex_escapes(&ascii);
    // HTML-safe JSON: `<`, `>`, `&`, `'` and `+` as `\u` escapes, as .NET's System.Text.Json
    // writes them by default (upper-case hex) and as a page's inline script data does.
    let mut html_safe = String::new();
    for c in ascii.chars() {
        match c {
            '<' | '>' | '&' | '\'' | '+' => html_safe.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => html_safe.push(c),
        }
    }
    let html_safe_upper = upper_hex_escapes(&html_safe);
    vec![plain, slashes, ascii, ascii_upper, html_safe, html_safe_upper]
}

/// JSON text with the hex digits of its `\uXXXX` escapes in upper case (and nothing else:
/// `\\u` is an escaped backslash before a `u`).
fn upper_hex_escapes(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '\\' {
            continue;
        }
        match chars.next() {
            Some('u') => {
                out.push('u');
                out.extend(chars.by_ref().take(4).map(|h| h.to_ascii_uppercase()));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Base64 and base64url of the bytes, padded and not, and the stable middle of their
/// encoding when they sit at the second or third byte of a group inside longer data.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        out.push(engine.encode(bytes));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        let whole = engine.encode(bytes);
        // Whole groups only: the last partial group depends on what follows.
        let stable = bytes.len() / 3 * 4;
        out.push(whole.get(..stable).unwrap_or_default().to_string());
        out.push(whole);
        for offset in 1..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(bytes);
            let encoded = engine.encode(&shifted);
            // The first group holds a byte that is not the secret's; so may the last.
            let end = shifted.len() / 3 * 4;
            if let Some(middle) = encoded.get(4..end) {
                out.push(middle.to_string());
            }
        }
    }
    out.retain(|s| s.len() >= MIN_BASE64_FRAGMENT);
    out
}

/// The secrets known so far, and the means to hide them.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, for values that are one whole.
    all: std::collections::HashSet<Arc<str>>,
    /// The forms long enough to look for inside text, by their first four bytes, longest
    /// first (a secret that contains another is replaced whole). Text is scanned once,
    /// however many secrets there are.
    by_prefix: std::collections::HashMap<[u8; 4], Vec<Arc<str>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Printing a redactor must not print what it hides.
        write!(f, "Redactor({} secret forms)", self.all.len())
    }
}

impl Redactor {
    /// A redactor that knows no secrets (it still hides `Authorization` headers, members
    /// named like credentials and passwords in URIs).
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret, in every form it takes (see [`forms`]).
    pub fn add(&mut self, secret: &str) {
        // What is already hidden is no secret (a record passed through again).
        if secret.is_empty() || secret == REDACTED || secret == SECURED {
            return;
        }
        for form in forms(secret) {
            self.insert(Arc::from(form));
        }
    }

    fn insert(&mut self, form: Arc<str>) {
        if !self.all.insert(Arc::clone(&form)) {
            return;
        }
        let Some(prefix) =
            form.as_bytes().get(..MIN_SUBSTRING_SECRET).and_then(|p| <[u8; 4]>::try_from(p).ok())
        else {
            return;
        };
        let list = self.by_prefix.entry(prefix).or_default();
        let at = list.partition_point(|f| f.len() >= form.len());
        list.insert(at, form);
    }

    /// Adds a user name and password: the password, and `user:password` (what a Basic
    /// credential encodes).
    pub fn add_credentials(&mut self, user: &str, password: &str) {
        self.add(password);
        if !password.is_empty() {
            self.add(&format!("{user}:{password}"));
        }
    }

    /// Adds the credentials written in a URI (`https://user:password@host/`), decoded and
    /// as written.
    pub fn add_uri_credentials(&mut self, uri: &str) {
        let Some((user, password)) = userinfo(uri) else { return };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        self.add_credentials(&decode(user), &decode(password));
        self.add_credentials(user, password);
    }

    /// Adds every string and number inside a value (a `secureobject` parameter).
    pub fn add_value(&mut self, value: &Value) {
        self.add_value_at(value, 0, true);
    }

    /// Adds the strings inside a value (not its numbers or booleans) as secrets; strings too
    /// short to be secrets on their own are left out.
    pub fn add_strings(&mut self, value: &Value) {
        self.add_value_at(value, 0, false);
    }

    fn add_value_at(&mut self, value: &Value, depth: usize, everything: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::String(s) if everything || s.chars().count() >= MIN_SUBSTRING_SECRET => self.add(s),
            Value::Array(items) => items.iter().for_each(|v| self.add_value_at(v, depth + 1, everything)),
            Value::Object(o) => o.values().for_each(|v| self.add_value_at(v, depth + 1, everything)),
            Value::Int(_) | Value::Float(_) | Value::Decimal(_) if everything => self.add(&value.to_text()),
            _ => {}
        }
    }

    /// Adds the credentials of an `authentication` object as a definition writes it (any
    /// type: `Raw`'s value, `Basic`'s password, a client secret, a PFX, a connector's key):
    /// every member but those that only describe it (`type`, `authority`, `audience`).
    pub fn add_authentication(&mut self, authentication: &Value) {
        let Some(o) = authentication.as_object() else {
            if let Value::String(s) = authentication {
                self.add(s);
            }
            return;
        };
        let user = o.get_ci("username").and_then(Value::as_str).map(str::to_string);
        for (k, v) in o {
            if DESCRIPTIVE_AUTH_MEMBERS.iter().any(|d| k.eq_ignore_ascii_case(d)) {
                continue;
            }
            if k.eq_ignore_ascii_case("password") {
                if let (Some(user), Some(password)) = (&user, v.as_str()) {
                    self.add_credentials(user, password);
                }
            }
            if let Value::String(s) = v {
                // "Key abc123": the key alone may be echoed too.
                if let Some((_, token)) = s.split_once(' ') {
                    self.add(token.trim());
                }
            }
            self.add_value(v);
        }
    }

    /// Adds every secret another redactor knows.
    pub fn merge(&mut self, other: &Redactor) {
        for form in &other.all {
            self.insert(Arc::clone(form));
        }
    }

    /// Does it know any secret?
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The text with every secret replaced by [`REDACTED`].
    pub fn redact_text(&self, text: &str) -> String {
        self.redact_str(text).unwrap_or_else(|| text.to_string())
    }

    /// The redacted text, or `None` when there is nothing to hide (no copy is made).
    fn redact_str(&self, text: &str) -> Option<String> {
        if self.all.contains(text) {
            return Some(REDACTED.to_string());
        }
        let masked = has_userinfo(text).then(|| mask_userinfo(text));
        let current = masked.as_deref().unwrap_or(text);
        let Some(mut out) = self.replace_forms(current) else {
            return masked.filter(|m| m != text);
        };
        // The mask next to what is left may spell a secret again (one that holds
        // `[redacted]` itself): pass again, and past a few passes hide the whole text.
        for _ in 0..3 {
            if self.all.contains(out.as_str()) {
                return Some(REDACTED.to_string());
            }
            match self.replace_forms(&out) {
                Some(again) => out = again,
                None => return Some(out),
            }
        }
        Some(REDACTED.to_string())
    }

    /// One pass over the text: at each position the longest form that starts there is
    /// replaced. `None` when no form occurs.
    fn replace_forms(&self, text: &str) -> Option<String> {
        if self.by_prefix.is_empty() {
            return None;
        }
        let bytes = text.as_bytes();
        let (mut out, mut copied, mut i) = (String::new(), 0usize, 0usize);
        while i + MIN_SUBSTRING_SECRET <= bytes.len() {
            let found = <[u8; 4]>::try_from(&bytes[i..i + MIN_SUBSTRING_SECRET])
                .ok()
                .and_then(|p| self.by_prefix.get(&p))
                .and_then(|list| list.iter().find(|f| bytes[i..].starts_with(f.as_bytes())));
            match found {
                // A form is valid UTF-8 and starts with a leading byte, so `i` is a character
                // boundary of the text (which is valid UTF-8 too).
                Some(form) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(REDACTED);
                    i += form.len();
                    copied = i;
                }
                None => i += 1,
            }
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// The value with every secret in its strings (and member names) replaced, and the
    /// values of members named like credentials replaced whole. Binary content that holds a
    /// secret is replaced whole.
    pub fn redact_value(&self, value: &Value) -> Value {
        // A run record shares large strings between its parts (a variable and the inputs
        // of every iteration that set it): each is scanned once.
        let mut seen = std::collections::HashMap::new();
        self.redact_at(value, 0, &mut seen)
    }

    fn redact_string(&self, s: &str) -> Option<String> {
        self.redact_str(s)
    }

    fn redact_at(&self, value: &Value, depth: usize, seen: &mut Seen) -> Value {
        if depth > MAX_DEPTH {
            return Value::from(REDACTED);
        }
        match value {
            Value::String(s) if s.len() >= SHARED_STRING => {
                let key = s.as_ptr() as usize;
                if let Some(done) = seen.get(&key) {
                    return done.clone();
                }
                let done = self.redact_string(s).map_or_else(|| value.clone(), Value::from);
                seen.insert(key, done.clone());
                done
            }
            Value::String(s) => self.redact_string(s).map_or_else(|| value.clone(), Value::from),
            Value::Array(items) => {
                Value::array(items.iter().map(|v| self.redact_at(v, depth + 1, seen)).collect())
            }
            Value::Object(o) => Value::Object(self.redact_object(o, depth, seen)),
            Value::Binary(b) => {
                let text = b.text();
                if self.redact_str(&text).is_none() && self.redact_str(b.base64()).is_none() {
                    value.clone()
                } else {
                    Value::from(REDACTED)
                }
            }
            Value::Int(_) | Value::Float(_) | Value::Decimal(_) if !self.all.is_empty() => {
                if self.all.contains(value.to_text().as_str()) {
                    Value::from(REDACTED)
                } else {
                    value.clone()
                }
            }
            other => other.clone(),
        }
    }

    fn redact_object(&self, o: &Object, depth: usize, seen: &mut Seen) -> Object {
        o.iter()
            .map(|(k, v)| {
                let v = if is_secret_member(k) && !v.is_null() && !matches!(v, Value::Bool(_)) {
                    Value::from(REDACTED)
                } else {
                    self.redact_at(v, depth + 1, seen)
                };
                match self.redact_string(k) {
                    Some(key) => (crate::value::Str::from(key.as_str()), v),
                    None => (k.clone(), v),
                }
            })
            .collect()
    }

    /// Header pairs with secret headers and secret values replaced.
    pub fn redact_headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(k, v)| {
                let v = if is_secret_header(k) { REDACTED.to_string() } else { self.redact_text(v) };
                (k.clone(), v)
            })
            .collect()
    }
}

/// Strings at least this long are redacted once per value, however often it holds them.
const SHARED_STRING: usize = 4096;

/// Redacted large strings of one value, by address.
type Seen = std::collections::HashMap<usize, Value>;

/// Might the text hold `scheme://user:password@`?
fn has_userinfo(text: &str) -> bool {
    text.contains("://") && text.contains('@')
}

/// The user name and password of a URI's authority, as written.
fn userinfo(uri: &str) -> Option<(&str, &str)> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (info, _) = authority.rsplit_once('@')?;
    info.split_once(':')
}

/// The text with the password of every `scheme://user:password@host` replaced.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end =
            tail.find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace()).unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@').and_then(|(info, host)| Some((info.split_once(':')?, host))) {
            Some(((user, password), host)) if !password.is_empty() => {
                out.push_str(user);
                out.push(':');
                out.push_str(REDACTED);
                out.push('@');
                out.push_str(host);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A set of secrets that grows while it is shared: a run, its HTTP runtime and the output
/// sink hold the same set, so what one learns (a fetched token) the others hide.
#[derive(Clone, Default, Debug)]
pub struct Secrets {
    inner: Arc<RwLock<Redactor>>,
}

impl Secrets {
    /// An empty set.
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// A set that starts with what `redactor` knows.
    pub fn from_redactor(redactor: Redactor) -> Secrets {
        Secrets { inner: Arc::new(RwLock::new(redactor)) }
    }

    /// Changes the set.
    pub fn update(&self, f: impl FnOnce(&mut Redactor)) {
        f(&mut self.inner.write().unwrap_or_else(PoisonError::into_inner));
    }

    /// Adds one secret.
    pub fn add(&self, secret: &str) {
        self.update(|r| r.add(secret));
    }

    /// Adds every secret `other` knows.
    pub fn merge(&self, other: &Redactor) {
        if !other.is_empty() {
            self.update(|r| r.merge(other));
        }
    }

    /// The secrets known now, as a redactor of its own.
    pub fn snapshot(&self) -> Redactor {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// [`Redactor::redact_text`] with the secrets known now.
    pub fn redact_text(&self, text: &str) -> String {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).redact_text(text)
    }

    /// [`Redactor::redact_value`] with the secrets known now.
    pub fn redact_value(&self, value: &Value) -> Value {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).redact_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    #[test]
    fn replaces_secrets_in_every_form() {
        let mut r = Redactor::new();
        r.add("s3cr3t/+key");
        assert_eq!(r.redact_text("key=s3cr3t/+key&x=1"), "key=[redacted]&x=1");
        assert_eq!(r.redact_text("key=s3cr3t%2F%2Bkey&x=1"), "key=[redacted]&x=1");
        let b64 = base64::engine::general_purpose::STANDARD.encode("s3cr3t/+key");
        assert_eq!(r.redact_text(&format!("Basic {b64}")), "Basic [redacted]");
        assert_eq!(r.redact_text("nothing here"), "nothing here");
    }

    #[test]
    fn json_escapes_as_other_writers_write_them() {
        // (written form, what a JSON writer made of the secret `a<b>&c'+é\u`)
        let mut r = Redactor::new();
        r.add("a<b>&c'+é\\u");
        for written in [
            r#"a<b>&c'+é\\u"#,                               // serde, the service
            r#"a<b>&c'+\u00e9\\u"#,                          // Python's ensure_ascii
            r#"a<b>&c'+\u00E9\\u"#,                          // the same, upper-case hex
            r#"a\u003cb\u003e\u0026c\u0027\u002b\u00e9\\u"#, // a page's script data
            r#"a\u003Cb\u003E\u0026c\u0027\u002B\u00E9\\u"#, // System.Text.Json's default
        ] {
            assert_eq!(
                r.redact_text(&format!("{{\"k\": \"{written}\"}}")),
                "{\"k\": \"[redacted]\"}",
                "{written}"
            );
        }
        // Upper-casing touches the escapes' hex digits only: the secret's own letters stay.
        assert_eq!(upper_hex_escapes(r#"ab\u00e9\\uxyz"#), r#"ab\u00E9\\uxyz"#);
    }

    #[test]
    fn short_secrets_match_whole_values_only() {
        let mut r = Redactor::new();
        r.add("ab");
        assert_eq!(r.redact_text("ab"), REDACTED);
        assert_eq!(r.redact_text("cabin"), "cabin");
    }

    #[test]
    fn redacts_values_and_authorization_members() {
        let mut r = Redactor::new();
        r.add_value(&from_json_str(r#"{"user": "svc-account", "pin": 123456}"#).unwrap_or_default());
        let v = from_json_str(
            r#"{"headers": {"authorization": "Bearer abc", "X-User": "svc-account"},
                "list": ["svc-account", 123456, 7], "note": "as svc-account"}"#,
        )
        .unwrap_or_default();
        assert_eq!(
            r.redact_value(&v).to_string(),
            r#"{"headers":{"authorization":"[redacted]","X-User":"[redacted]"},"list":["[redacted]","[redacted]",7],"note":"as [redacted]"}"#
        );
        let h = r.redact_headers(&[
            ("Authorization".into(), "Basic x".into()),
            ("x".into(), "svc-account!".into()),
        ]);
        assert_eq!(h, [("Authorization".into(), REDACTED.into()), ("x".into(), "[redacted]!".into())]);
    }

    #[test]
    fn binary_holding_a_secret_is_hidden() {
        let mut r = Redactor::new();
        r.add("client-secret-value");
        let b = Value::binary(crate::value::Binary::new("application/x-www-form-urlencoded", {
            b"grant_type=client_credentials&client_secret=client-secret-value".to_vec()
        }));
        assert_eq!(r.redact_value(&b), Value::from(REDACTED));
    }

    /// The secret of the issue that found the gaps: every character class a form changes.
    const HARD: &str = "K3y+/=&%Z q\"9\\w";

    #[test]
    fn every_form_of_a_hard_secret_is_replaced() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let mut r = Redactor::new();
        r.add(HARD);
        let json = serde_json::to_string(HARD).unwrap_or_default();
        let cases = [
            HARD.to_string(),
            utf8_percent_encode(HARD, NON_ALPHANUMERIC).to_string(),
            crate::mime::encode_component(HARD),
            crate::mime::encode_component(HARD).replace("%20", "+"),
            lower_hex_escapes(&crate::mime::encode_component(HARD)),
            json.trim_matches('"').to_string(),
            json.trim_matches('"').replace('/', "\\/"),
            STANDARD.encode(HARD),
            URL_SAFE_NO_PAD.encode(HARD),
            // Inside longer base64: a Basic credential of someone else's user name.
            STANDARD.encode(format!("x:{HARD}")),
            STANDARD.encode(format!("xy:{HARD}!")),
        ];
        for form in cases {
            let text = format!("before {form} after");
            let out = r.redact_text(&text);
            assert!(out.contains(REDACTED), "{form:?} was not found in {out:?}");
            for piece in [HARD, "K3y+", "q\"9"] {
                assert!(!out.contains(piece), "{out:?} still holds {piece:?}");
            }
        }
    }

    #[test]
    fn credentials_in_uris_and_authentication_objects() {
        let mut r = Redactor::new();
        r.add_uri_credentials("https://svc:p%40ss%2Fw0rd@api.example.com/x");
        let basic = base64::engine::general_purpose::STANDARD.encode("svc:p@ss/w0rd");
        assert_eq!(r.redact_text(&format!("Basic {basic}")), "Basic [redacted]");
        assert_eq!(r.redact_text("pw p@ss/w0rd"), "pw [redacted]");
        // Even unknown to the redactor, a password in a URI is masked.
        assert_eq!(
            Redactor::new().redact_text("GET https://ann:hunter2@h.example/a?b"),
            "GET https://ann:[redacted]@h.example/a?b"
        );
        let mut r = Redactor::new();
        r.add_authentication(
            &from_json_str(r#"{"type": "Raw", "value": "Key abc123def"}"#).unwrap_or_default(),
        );
        assert_eq!(r.redact_text("echo: abc123def"), "echo: [redacted]");
        assert_eq!(r.redact_text("Raw"), "Raw");
    }

    #[test]
    fn member_names_and_keys_are_redacted_too() {
        let mut r = Redactor::new();
        r.add("tok-123456");
        let v = from_json_str(r#"{"tok-123456": 1, "client_secret": "x", "ok": true}"#).unwrap_or_default();
        assert_eq!(
            r.redact_value(&v).to_string(),
            r#"{"[redacted]":1,"client_secret":"[redacted]","ok":true}"#
        );
    }

    #[test]
    fn the_mask_never_spells_a_secret_again() {
        // Found by the `redact` fuzz target: the text before a replaced secret, with the
        // mask, made the secret once more.
        let mut r = Redactor::new();
        r.add("=1[redacted]");
        for text in ["&}:!/=1=1[redacted]", "=1=1=1[redacted]", "x=1[redacted]y"] {
            let out = r.redact_text(text);
            assert!(!out.contains("=1[redacted]"), "{text:?} gave {out:?}");
        }
    }

    #[test]
    fn a_shared_set_grows_for_every_holder() {
        let shared = Secrets::new();
        let other = shared.clone();
        other.add("late-token-9");
        assert_eq!(shared.redact_text("t=late-token-9"), "t=[redacted]");
    }

    proptest::proptest! {
        #[test]
        fn a_secret_never_survives_in_any_form(
            secret in "[ -~]{4,24}",
            before in "[ -~]{0,16}",
            after in "[ -~]{0,16}",
        ) {
            let mut r = Redactor::new();
            r.add(&secret);
            let encoded = crate::mime::encode_component(&secret);
            for text in [format!("{before}{secret}{after}"), format!("{before}{encoded}{after}")] {
                let out = r.redact_text(&text);
                proptest::prop_assert!(!out.contains(&secret), "{out:?} still holds {secret:?}");
                proptest::prop_assert!(!out.contains(&encoded), "{out:?} still holds {encoded:?}");
            }
        }
    }
}
