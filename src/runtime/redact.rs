//! Keeping secrets out of records, log lines and error messages.
//!
//! A [`Redactor`] knows the secret values of one action — passwords and client secrets of
//! its `authentication`, fetched tokens, the values of `securestring` / `secureobject`
//! parameters — and replaces them wherever they appear, also percent-encoded (an API key
//! in a query string) or in base64 (a Basic credential). `Authorization` headers are
//! replaced whatever they hold.

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

/// Nesting deeper than this is replaced whole (values from JSON are at most 128 deep).
const MAX_DEPTH: usize = 256;

/// Headers whose values are always secret.
pub fn is_secret_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
}

/// The secrets of one action, and the means to hide them.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Printing a redactor must not print what it hides.
        write!(f, "Redactor({} secret forms)", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor that knows no secrets (it still hides `Authorization` headers).
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret, with its percent-encoded and base64 forms.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let encoded = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
        let data = crate::mime::encode_component(secret);
        let form = data.replace("%20", "+");
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret.as_bytes());
        for s in [secret.to_string(), encoded, data, form, b64] {
            if !self.secrets.contains(&s) {
                self.secrets.push(s);
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Adds every string inside a value (a `secureobject` parameter) as a secret.
    pub fn add_value(&mut self, value: &Value) {
        self.add_value_at(value, 0);
    }

    fn add_value_at(&mut self, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::String(s) => self.add(s),
            Value::Array(items) => items.iter().for_each(|v| self.add_value_at(v, depth + 1)),
            Value::Object(o) => o.values().for_each(|v| self.add_value_at(v, depth + 1)),
            Value::Int(_) | Value::Float(_) | Value::Decimal(_) => self.add(&value.to_text()),
            _ => {}
        }
    }

    /// Adds the strings inside a value (not its numbers or booleans) as secrets; strings too
    /// short to be secrets on their own are left out.
    pub fn add_strings(&mut self, value: &Value) {
        self.add_strings_at(value, 0);
    }

    fn add_strings_at(&mut self, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::String(s) if s.len() >= MIN_SUBSTRING_SECRET => self.add(s),
            Value::Array(items) => items.iter().for_each(|v| self.add_strings_at(v, depth + 1)),
            Value::Object(o) => o.values().for_each(|v| self.add_strings_at(v, depth + 1)),
            _ => {}
        }
    }

    /// Adds every secret another redactor knows.
    pub fn merge(&mut self, other: &Redactor) {
        for s in &other.secrets {
            if !self.secrets.contains(s) {
                self.secrets.push(s.clone());
            }
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Does it know any secret?
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The text with every secret replaced by [`REDACTED`].
    pub fn redact_text(&self, text: &str) -> String {
        if self.secrets.iter().any(|s| s == text) {
            return REDACTED.to_string();
        }
        let mut out = text.to_string();
        for secret in self.secrets.iter().filter(|s| s.len() >= MIN_SUBSTRING_SECRET) {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// The value with every secret in its strings replaced, and the values of
    /// `Authorization` members replaced whole. Binary content that holds a secret is
    /// replaced whole.
    pub fn redact_value(&self, value: &Value) -> Value {
        self.redact_at(value, 0)
    }

    fn redact_at(&self, value: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::from(REDACTED);
        }
        match value {
            Value::String(s) => {
                if self.secrets.is_empty() {
                    value.clone()
                } else {
                    let r = self.redact_text(s);
                    if r == **s {
                        value.clone()
                    } else {
                        Value::from(r)
                    }
                }
            }
            Value::Array(items) => Value::array(items.iter().map(|v| self.redact_at(v, depth + 1)).collect()),
            Value::Object(o) => Value::Object(self.redact_object(o, depth)),
            Value::Binary(b) if !self.secrets.is_empty() => {
                let text = b.text();
                if self.redact_text(&text) == text {
                    value.clone()
                } else {
                    Value::from(REDACTED)
                }
            }
            Value::Int(_) | Value::Float(_) | Value::Decimal(_) if !self.secrets.is_empty() => {
                if self.secrets.iter().any(|s| *s == value.to_text()) {
                    Value::from(REDACTED)
                } else {
                    value.clone()
                }
            }
            other => other.clone(),
        }
    }

    fn redact_object(&self, o: &Object, depth: usize) -> Object {
        o.iter()
            .map(|(k, v)| {
                let v = if is_secret_header(k) && !v.is_null() {
                    Value::from(REDACTED)
                } else {
                    self.redact_at(v, depth + 1)
                };
                (k.clone(), v)
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
