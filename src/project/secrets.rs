//! What an export holds that is secret, for the one redactor ([`crate::runtime::redact`]):
//! every output of `check`, `run` and `test` about a flow hides these values in every form.
//!
//! * the default values of a flow's `securestring` / `secureobject` parameters, and the values
//!   the export supplies for them (a Standard `parameters.json` entry of a secure type, a
//!   solution's environment variable bound to one);
//! * a solution's environment variables of the Secret type (`<type>100000005</type>`);
//! * a Standard project's `connections.json` credentials: every `authentication` object
//!   (after `@appsetting()` is resolved) and every member named like a credential
//!   (`connectionString`, `connectionKey`, `password`, ...);
//! * the app settings (`local.settings.json` `Values`) that are secrets: those referenced by
//!   `@appsetting()` inside a credential of `connections.json` or inside a secure parameter of
//!   `parameters.json`, those whose name looks like a credential ([`is_credential_name`]),
//!   and those whose value is a connection string with a key or password in it.

use crate::runtime::Redactor;
use crate::value::{Object, Value};

/// Deeper than this a document is not walked (values from JSON are at most 128 deep).
const MAX_DEPTH: usize = 256;

/// The Secret type of a solution's environment variable definition (`<type>`); the others
/// are String 100000000, Number ...01, Boolean ...02, JSON ...03 and Data source ...04.
pub(super) const SECRET_VARIABLE_TYPE: &str = "100000005";

/// Name parts that make a setting or member a credential (compared without case, the name
/// split at `_`, `-`, `.`, `:`, spaces and lower-to-upper case changes).
const CREDENTIAL_PARTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "secrets",
    "token",
    "tokens",
    "credential",
    "credentials",
    "sas",
];

/// Runs of letters that make a name a credential wherever they appear in it (`SQL_CONNECTION_STRING`
/// and `WEBSITE_CONTENTAZUREFILECONNECTIONSTRING` alike).
const CREDENTIAL_RUNS: &[&str] = &[
    "connectionstring",
    "password",
    "secret",
    "apikey",
    "accesskey",
    "accountkey",
    "privatekey",
    "signature",
];

/// App settings that are connection strings by what the Functions host does with them.
const CONNECTION_STRING_SETTINGS: &[&str] = &["AzureWebJobsStorage", "AzureWebJobsDashboard"];

/// What a connection string with a credential in it holds (`AccountKey=...`).
const CONNECTION_STRING_CREDENTIALS: &[&str] =
    &["accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "password=", "pwd=", "sig="];

/// Does the name look like a credential's? A part in [`CREDENTIAL_PARTS`], a run in
/// [`CREDENTIAL_RUNS`], or a last part ending in `key` (`SQL_KEY`, `connectionKey`,
/// `APPINSIGHTS_INSTRUMENTATIONKEY`).
pub fn is_credential_name(name: &str) -> bool {
    let parts = name_parts(name);
    let joined: String = parts.concat();
    parts.iter().any(|p| CREDENTIAL_PARTS.contains(&p.as_str()))
        || CREDENTIAL_RUNS.iter().any(|r| joined.contains(r))
        || parts.last().is_some_and(|p| p.ends_with("key") || p.ends_with("keys"))
        || CONNECTION_STRING_SETTINGS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// The lower-case parts of a name: split at separators and where a lower-case letter or digit
/// is followed by an upper-case one.
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Is the value a connection string that carries a key, a signature or a password?
fn is_credential_value(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains(';') && CONNECTION_STRING_CREDENTIALS.iter().any(|c| lower.contains(c))
}

/// The names `@appsetting('NAME')` reads anywhere in `text`.
fn appsetting_references(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("appsetting(") {
        let rest = &text[from + at + "appsetting(".len()..];
        from += at + "appsetting(".len();
        let rest = rest.trim_start();
        let Some(quoted) = rest.strip_prefix('\'') else { continue };
        if let Some(end) = quoted.find('\'') {
            out.push(quoted[..end].to_string());
        }
    }
    out
}

/// Collects the app settings read inside credentials of a raw (unresolved) document: inside an
/// `authentication` object, or under a member named like a credential.
fn secret_references(value: &Value, in_credential: bool, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::String(s) if in_credential => out.extend(appsetting_references(s)),
        Value::Object(o) => {
            for (k, v) in o {
                let credential =
                    in_credential || k.eq_ignore_ascii_case("authentication") || is_credential_name(k);
                secret_references(v, credential, depth + 1, out);
            }
        }
        Value::Array(items) => {
            items.iter().for_each(|v| secret_references(v, in_credential, depth + 1, out));
        }
        _ => {}
    }
}

/// Adds the credentials of a resolved document: every `authentication` object, and the values
/// of members named like credentials.
fn add_credentials(value: &Value, depth: usize, redactor: &mut Redactor) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if k.eq_ignore_ascii_case("authentication") {
                    redactor.add_authentication(v);
                } else if is_credential_name(k) {
                    redactor.add_strings(v);
                } else {
                    add_credentials(v, depth + 1, redactor);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| add_credentials(v, depth + 1, redactor)),
        _ => {}
    }
}

/// Is a declared or written parameter type a secure one?
fn is_secure_type(declaration: &Value) -> bool {
    declaration
        .member("type")
        .and_then(|t| t.as_str().map(str::to_ascii_lowercase))
        .is_some_and(|t| t == "securestring" || t == "secureobject")
}

/// The secrets of a Standard project: secret app settings, the credentials of its
/// `connections.json` (`raw` as written, `resolved` with app settings in), and the values of
/// its secure `parameters.json` entries (`raw` and `resolved` likewise).
pub(super) fn standard(
    app_settings: &Object,
    connections: (Option<&Value>, Option<&Value>),
    parameters: (Option<&Value>, Option<&Object>),
) -> Redactor {
    let mut redactor = Redactor::new();
    let mut referenced = Vec::new();
    if let Some(raw) = connections.0 {
        secret_references(raw, false, 0, &mut referenced);
    }
    if let Some(resolved) = connections.1 {
        add_credentials(resolved, 0, &mut redactor);
    }
    // parameters.json as written, or its ARM-template form ({"$schema", "parameters": {...}}).
    let raw_parameters = parameters.0.map(|raw| match raw.member("parameters") {
        Some(inner) if raw.member("$schema").is_some() || raw.member("contentVersion").is_some() => inner,
        _ => raw.clone(),
    });
    if let (Some(Value::Object(raw)), Some(resolved)) = (raw_parameters, parameters.1) {
        for (name, entry) in &raw {
            if is_secure_type(entry) {
                secret_references(entry, true, 0, &mut referenced);
                if let Some(v) = resolved.get(name) {
                    redactor.add_value(v);
                }
            }
        }
    }
    for (name, value) in app_settings {
        let text = value.to_text();
        let secret = referenced.iter().any(|r| r.eq_ignore_ascii_case(name))
            || is_credential_name(name)
            || is_credential_value(&text);
        if secret {
            redactor.add_value(value);
        }
    }
    redactor
}

/// The secrets of one flow: its secure parameters' default values and the values the export
/// supplies for them.
pub(super) fn flow(definition: &Value, supplied: &Object, redactor: &mut Redactor) {
    let Some(Value::Object(declared)) = definition.member("parameters") else { return };
    for (name, declaration) in &declared {
        if !is_secure_type(declaration) {
            continue;
        }
        if let Some(v) = declaration.member("defaultValue") {
            redactor.add_value(&v);
        }
        if let Some(v) = supplied.get_ci(name) {
            redactor.add_value(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for name in [
            "SQL_PASSWORD",
            "sqlPassword",
            "serviceBus_connectionString",
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "APPINSIGHTS_INSTRUMENTATIONKEY",
            "sql-connectionKey",
            "API_KEY",
            "ClientSecret",
            "GITHUB_TOKEN",
            "AzureWebJobsStorage",
            "blob_sas",
            "db.pwd",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in [
            "WORKFLOWS_SUBSCRIPTION_ID",
            "FUNCTIONS_WORKER_RUNTIME",
            "ORDERS_API",
            "REGION",
            "KEYVAULT_NAME",
            "TOKENIZER_MODE_NAME",
            "SQL_CONNECTION_RUNTIME_URL",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn connection_strings_with_credentials() {
        assert!(is_credential_value("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;"));
        assert!(is_credential_value("Endpoint=sb://x/;SharedAccessKeyName=n;SharedAccessKey=k"));
        assert!(is_credential_value("Server=s;Database=d;User Id=u;Password=p;"));
        assert!(!is_credential_value("UseDevelopmentStorage=true"));
        assert!(!is_credential_value("https://example.com/?sig=abc"));
    }

    #[test]
    fn references_inside_credentials() {
        assert_eq!(
            appsetting_references("@{appsetting('A')}/x/@appsetting( 'B_2')"),
            vec!["A".to_string(), "B_2".to_string()]
        );
        let raw = crate::value::from_json_str(
            r#"{"managedApiConnections": {"sql": {"connectionRuntimeUrl": "@appsetting('URL')",
                  "authentication": {"type": "Raw", "scheme": "Key", "parameter": "@appsetting('SQL_AUTH')"}}},
                "serviceProviderConnections": {"sb": {"parameterValues": {"connectionString": "@appsetting('SB')", "name": "@appsetting('NAME')"}}}}"#,
        )
        .unwrap_or_default();
        let mut found = Vec::new();
        secret_references(&raw, false, 0, &mut found);
        assert_eq!(found, vec!["SQL_AUTH".to_string(), "SB".to_string()]);
    }
}
