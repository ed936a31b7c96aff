//! The `authentication` input: `Raw`, `Basic`, `ActiveDirectoryOAuth` (client secret or
//! certificate), `ClientCertificate` and `ManagedServiceIdentity`, and the OAuth token cache.
//!
//! Tokens are fetched from `{authority}/{tenant}/oauth2/token` with the client-credentials
//! grant (`resource` = the audience), cached until shortly before they expire and reused by
//! every action that asks for the same tenant, client and audience.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::redact::{Redactor, REDACTED};
use super::transport::ClientIdentity;
use crate::template::{string_form, StringForm};
use crate::value::{Object, Value};

/// Where tokens are fetched when the definition names no `authority`.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// A cached token is renewed this long before it expires (or at half its lifetime, if
/// that is sooner).
pub const TOKEN_RENEWAL_MARGIN: Duration = Duration::from_secs(300);

/// An `authentication` object, read after rendering.
#[derive(Clone, PartialEq, Eq)]
pub enum Authentication {
    /// `{"type": "Raw", "value": "..."}`: the value is the `Authorization` header.
    Raw {
        /// The header value.
        value: String,
    },
    /// `{"type": "Basic", "username", "password"}`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// `{"type": "ActiveDirectoryOAuth", "tenant", "audience", "clientId", "secret" | "pfx" + "password", "authority"?}`.
    ActiveDirectoryOAuth(OAuthClient),
    /// `{"type": "ClientCertificate", "pfx", "password"?}`: a TLS client certificate.
    ClientCertificate {
        /// The PFX file, base64.
        pfx: String,
        /// Its password.
        password: String,
    },
    /// `{"type": "ManagedServiceIdentity", "audience", "identity"?}`: exists only inside Azure.
    ManagedServiceIdentity {
        /// The audience.
        audience: String,
    },
}

/// The client of an `ActiveDirectoryOAuth` authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The authority (token service base URL), without a trailing `/`.
    pub authority: String,
    /// The tenant.
    pub tenant: String,
    /// The audience: the resource the token is for.
    pub audience: String,
    /// The client (application) id.
    pub client_id: String,
    /// The client's credential.
    pub credential: OAuthCredential,
}

/// How an OAuth client proves itself.
#[derive(Clone, PartialEq, Eq)]
pub enum OAuthCredential {
    /// A client secret.
    Secret(String),
    /// A certificate (PFX, base64) and its password: a signed client assertion is sent.
    Certificate {
        /// The PFX, base64.
        pfx: String,
        /// Its password.
        password: String,
    },
}

impl std::fmt::Debug for Authentication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret.
        f.write_str(self.type_name())
    }
}

/// A problem with an `authentication` object: the message and the member (JSON pointer
/// relative to the object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// What is wrong.
    pub message: String,
    /// The member.
    pub pointer: String,
}

fn auth_error(pointer: &str, message: impl Into<String>) -> AuthError {
    AuthError { message: message.into(), pointer: pointer.to_string() }
}

/// The authentication types, as definitions spell them.
pub const TYPES: [&str; 5] =
    ["Raw", "Basic", "ActiveDirectoryOAuth", "ClientCertificate", "ManagedServiceIdentity"];

/// Checks the `type` of an authentication object before rendering: it must be one of the
/// known types (when it is not an expression). Strings read as the template rule reads
/// them: `"@@Basic"` is the text `@Basic`, and only a whole `"@expr"` can give an object.
pub fn check_type(value: &Value) -> Result<(), AuthError> {
    let Some(o) = value.as_object() else {
        return match value {
            Value::String(s) => match string_form(s) {
                StringForm::Expression | StringForm::Invalid => Ok(()),
                form => Err(auth_error(
                    "",
                    format!(
                        "'authentication' must be an object (or an expression that gives one), not {}",
                        form.describe()
                    ),
                )),
            },
            Value::Null => Ok(()),
            other => {
                Err(auth_error("", format!("'authentication' must be an object, not {}", other.value_type())))
            }
        };
    };
    // A type computed when the action runs is checked then, as rendered.
    check_type_member(o, |t| match string_form(t) {
        StringForm::Literal(t) => Some(t),
        StringForm::Expression | StringForm::Interpolated | StringForm::Invalid => None,
    })
}

/// The `type` member of an authentication object: `text` gives the type's text, or `None`
/// when it is not known yet.
fn check_type_member(o: &Object, text: impl Fn(&str) -> Option<String>) -> Result<(), AuthError> {
    match o.get_ci("type") {
        Some(Value::String(t)) => match text(t) {
            Some(t) if TYPES.iter().any(|k| k.eq_ignore_ascii_case(&t)) => Ok(()),
            Some(t) => Err(auth_error(
                "/type",
                format!("'{t}' is not an authentication type: use {}", TYPES.join(", ")),
            )),
            None => Ok(()),
        },
        Some(other) => Err(auth_error(
            "/type",
            format!("the authentication 'type' must be a string, not {}", other.value_type()),
        )),
        None => {
            Err(auth_error("/type", format!("the authentication has no 'type': use {}", TYPES.join(", "))))
        }
    }
}

impl Authentication {
    /// Reads a rendered `authentication` object; `null` means none.
    pub fn from_value(value: &Value, default_authority: &str) -> Result<Option<Authentication>, AuthError> {
        let Some(o) = value.as_object() else {
            return match value {
                Value::Null => Ok(None),
                other => Err(auth_error(
                    "",
                    format!("'authentication' must be an object, not {}", other.value_type()),
                )),
            };
        };
        // Rendered: the type is text as it stands (a computed "@x" is no template).
        check_type_member(o, |t| Some(t.to_string()))?;
        let kind = o.get_ci("type").map(Value::to_text).unwrap_or_default();
        let text = |name: &str| -> Result<Option<String>, AuthError> {
            match o.get_ci(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.to_string())),
                Some(other) => Err(auth_error(
                    &format!("/{name}"),
                    format!("the authentication '{name}' must be a string, not {}", other.value_type()),
                )),
            }
        };
        let required = |name: &str| -> Result<String, AuthError> {
            text(name)?.filter(|s| !s.is_empty()).ok_or_else(|| {
                auth_error(&format!("/{name}"), format!("'{kind}' authentication needs a '{name}'"))
            })
        };
        let auth = match kind.to_ascii_lowercase().as_str() {
            "raw" => Authentication::Raw { value: required("value")? },
            "basic" => Authentication::Basic {
                username: required("username")?,
                password: text("password")?.unwrap_or_default(),
            },
            "clientcertificate" => Authentication::ClientCertificate {
                pfx: required("pfx")?,
                password: text("password")?.unwrap_or_default(),
            },
            "managedserviceidentity" => {
                Authentication::ManagedServiceIdentity { audience: text("audience")?.unwrap_or_default() }
            }
            _ => {
                let credential = match (text("secret")?, text("pfx")?) {
                    (Some(secret), None) => OAuthCredential::Secret(secret),
                    (None, Some(pfx)) => OAuthCredential::Certificate { pfx, password: text("password")?.unwrap_or_default() },
                    (Some(_), Some(_)) => {
                        return Err(auth_error("/pfx", "'ActiveDirectoryOAuth' authentication takes a 'secret' or a 'pfx', not both"))
                    }
                    (None, None) => {
                        return Err(auth_error(
                            "/secret",
                            "'ActiveDirectoryOAuth' authentication needs a 'secret', or a 'pfx' and its 'password'",
                        ))
                    }
                };
                let authority = text("authority")?
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| default_authority.to_string());
                Authentication::ActiveDirectoryOAuth(OAuthClient {
                    authority: authority.trim_end_matches('/').to_string(),
                    tenant: required("tenant")?,
                    audience: required("audience")?,
                    client_id: required("clientId")?,
                    credential,
                })
            }
        };
        Ok(Some(auth))
    }

    /// The type's name, as definitions spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Authentication::Raw { .. } => "Raw",
            Authentication::Basic { .. } => "Basic",
            Authentication::ActiveDirectoryOAuth(_) => "ActiveDirectoryOAuth",
            Authentication::ClientCertificate { .. } => "ClientCertificate",
            Authentication::ManagedServiceIdentity { .. } => "ManagedServiceIdentity",
        }
    }

    /// Tells the redactor this authentication's secrets.
    pub fn add_secrets(&self, redactor: &mut Redactor) {
        match self {
            Authentication::Raw { value } => {
                redactor.add(value);
                // "Bearer xyz": the token alone is secret too.
                if let Some((_, token)) = value.split_once(' ') {
                    redactor.add(token.trim());
                }
            }
            Authentication::Basic { username, password } => {
                redactor.add(password);
                redactor.add(&format!("{username}:{password}"));
            }
            Authentication::ActiveDirectoryOAuth(client) => match &client.credential {
                OAuthCredential::Secret(s) => redactor.add(s),
                OAuthCredential::Certificate { pfx, password } => {
                    redactor.add(pfx);
                    redactor.add(password);
                }
            },
            Authentication::ClientCertificate { pfx, password } => {
                redactor.add(pfx);
                redactor.add(password);
            }
            Authentication::ManagedServiceIdentity { .. } => {}
        }
    }

    /// The `Authorization` header a `Raw` or `Basic` authentication sends.
    pub fn static_header(&self) -> Option<String> {
        match self {
            Authentication::Raw { value } => Some(value.clone()),
            Authentication::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            _ => None,
        }
    }
}

/// The members of an `authentication` object that hold secrets.
const SECRET_MEMBERS: [&str; 4] = ["password", "secret", "pfx", "value"];

/// An `authentication` object as records show it: secret members replaced.
pub fn redact_authentication(value: &Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let secret = SECRET_MEMBERS.iter().any(|s| s.eq_ignore_ascii_case(k)) && !v.is_null();
                    (k.clone(), if secret { Value::from(REDACTED) } else { v.clone() })
                })
                .collect::<Object>(),
        ),
        other => other.clone(),
    }
}

/// Reads a PFX (PKCS#12, base64) into a TLS client identity.
pub fn load_pfx(pfx_base64: &str, password: &str) -> Result<ClientIdentity, String> {
    let der = crate::value::Binary::from_base64("application/x-pkcs12", pfx_base64)
        .map_err(|e| format!("the 'pfx' is not base64: {e}"))?;
    let store =
        p12_keystore::KeyStore::from_pkcs12(der.bytes(), password, p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| format!("the 'pfx' cannot be read (wrong password, or not a PKCS#12 file): {e}"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| "the 'pfx' holds no private key with its certificate".to_string())?;
    let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    if certs.is_empty() {
        return Err("the 'pfx' holds a private key but no certificate".to_string());
    }
    Ok(ClientIdentity { chain: certs, private_key_pkcs8: chain.key().as_der().to_vec() })
}

/// A signed client assertion (RFC 7523 JWT, RS256) for a certificate credential: issuer
/// and subject the client id, audience the token URL, valid ten minutes, with the
/// certificate's SHA-1 thumbprint as `x5t`.
pub fn client_assertion(
    identity: &ClientIdentity,
    client_id: &str,
    token_url: &str,
    now_unix: i64,
) -> Result<String, String> {
    use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let leaf = identity.chain.first().ok_or("the certificate chain is empty")?;
    let thumbprint = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, leaf);
    let mut header = Object::new();
    header.insert("alg", Value::from("RS256"));
    header.insert("typ", Value::from("JWT"));
    header.insert("x5t", Value::from(b64(thumbprint.as_ref())));
    let mut claims = Object::new();
    claims.insert("aud", Value::from(token_url));
    claims.insert("iss", Value::from(client_id));
    claims.insert("sub", Value::from(client_id));
    claims.insert("jti", Value::from(uuid::Uuid::new_v4().to_string()));
    claims.insert("nbf", Value::from(now_unix));
    claims.insert("exp", Value::from(now_unix + 600));
    let signing_input = format!(
        "{}.{}",
        b64(Value::Object(header).to_string().as_bytes()),
        b64(Value::Object(claims).to_string().as_bytes())
    );
    let key = RsaKeyPair::from_pkcs8(&identity.private_key_pkcs8)
        .map_err(|e| format!("the certificate's private key is not an RSA key usable for RS256: {e}"))?;
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| "signing the client assertion failed".to_string())?;
    Ok(format!("{signing_input}.{}", b64(&signature)))
}

impl OAuthClient {
    /// The token endpoint: `{authority}/{tenant}/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/token", self.authority, self.tenant)
    }

    /// The form body of the token request (client-credentials grant).
    pub fn token_request_body(&self, now_unix: i64) -> Result<String, String> {
        let enc = crate::mime::encode_component;
        let mut body = format!(
            "grant_type=client_credentials&client_id={}&resource={}",
            enc(&self.client_id),
            enc(&self.audience)
        );
        match &self.credential {
            OAuthCredential::Secret(secret) => body.push_str(&format!("&client_secret={}", enc(secret))),
            OAuthCredential::Certificate { pfx, password } => {
                let identity = load_pfx(pfx, password)?;
                let assertion = client_assertion(&identity, &self.client_id, &self.token_url(), now_unix)?;
                body.push_str(&format!(
                    "&client_assertion_type={}&client_assertion={assertion}",
                    enc("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                ));
            }
        }
        Ok(body)
    }

    fn cache_key(&self) -> String {
        let credential = match &self.credential {
            OAuthCredential::Secret(s) => s.clone(),
            OAuthCredential::Certificate { pfx, .. } => pfx.clone(),
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, credential.as_bytes());
        format!(
            "{}\n{}\n{}\n{}\n{}",
            self.authority,
            self.tenant,
            self.client_id,
            self.audience,
            base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
        )
    }
}

/// A token from a token endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// `Bearer`, usually.
    pub token_type: String,
    /// The access token.
    pub access_token: String,
    /// How long it is valid from when it was fetched.
    pub lifetime: Duration,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, valid {:?})", self.token_type, self.lifetime)
    }
}

impl Token {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        format!("{} {}", self.token_type, self.access_token)
    }

    /// Reads a token endpoint's JSON answer: `access_token`, `token_type` (default
    /// `Bearer`), and `expires_in` (seconds, a number or a string; default one hour).
    pub fn from_response(body: &Value) -> Result<Token, String> {
        let access_token = body
            .member("access_token")
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|s| !s.is_empty())
            .ok_or("the token endpoint's answer has no 'access_token'")?;
        let token_type = body
            .member("token_type")
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Bearer".to_string());
        let seconds = match body.member("expires_in") {
            Some(Value::Int(n)) => Some(n),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(Value::Float(f)) if f.is_finite() => Some(f as i64),
            _ => None,
        };
        let lifetime = Duration::from_secs(seconds.unwrap_or(3600).clamp(0, 366 * 86_400) as u64);
        Ok(Token { token_type, access_token, lifetime })
    }
}

/// Tokens by client, shared by every action the runtime runs.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (Token, Instant)>>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// The cached token for this client, if it is still good at `now`.
    pub fn get(&self, client: &OAuthClient, now: Instant) -> Option<Token> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(&client.cache_key()).filter(|(_, renew_at)| now < *renew_at).map(|(t, _)| t.clone())
    }

    /// Caches a token fetched at `fetched`, to be renewed [`TOKEN_RENEWAL_MARGIN`] (or half
    /// its lifetime, if that is less) before it expires.
    pub fn put(&self, client: &OAuthClient, token: Token, fetched: Instant) {
        let margin = TOKEN_RENEWAL_MARGIN.min(token.lifetime / 2);
        let renew_at = fetched + (token.lifetime - margin);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(client.cache_key(), (token, renew_at));
    }

    /// Forgets every token.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    fn auth(json: &str) -> Result<Option<Authentication>, AuthError> {
        Authentication::from_value(&from_json_str(json).unwrap_or_default(), DEFAULT_AUTHORITY)
    }

    #[test]
    fn the_type_reads_by_the_template_rule_before_rendering_and_as_text_after() {
        let before = |json: &str| check_type(&from_json_str(json).unwrap_or_default()).map_err(|e| e.message);
        // (authentication as written, what check_type says)
        let cases = [
            (r#"{"type": "Basic"}"#, Ok(())),
            (r#"{"type": "@parameters('t')"}"#, Ok(())),
            (r#"{"type": "@{parameters('t')}"}"#, Ok(())),
            (r#"{"type": "@@Basic"}"#, Err("'@Basic' is not an authentication type")),
            (r#""@parameters('$authentication')""#, Ok(())),
            (r#""@@parameters('$authentication')""#, Err("not the text \"@parameters('$authentication')\"")),
            (
                r#""@{parameters('$authentication')}""#,
                Err("must be an object (or an expression that gives one)"),
            ),
        ];
        for (json, expected) in cases {
            match (before(json), expected) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(want)) => assert!(got.contains(want), "{json}: {got}"),
                (got, want) => panic!("{json}: {got:?}, expected {want:?}"),
            }
        }
        // Rendered, "@Basic" is a type's text, not an expression to skip.
        let rendered = auth(r#"{"type": "@Basic", "username": "u"}"#).map_err(|e| e.message);
        assert!(
            rendered.as_ref().is_err_and(|m| m.contains("'@Basic' is not an authentication type")),
            "{rendered:?}"
        );
    }

    #[test]
    fn reads_every_type() {
        assert_eq!(auth("null"), Ok(None));
        let raw = auth(r#"{"type": "Raw", "value": "Bearer abc"}"#).ok().flatten();
        assert_eq!(raw.and_then(|a| a.static_header()).as_deref(), Some("Bearer abc"));
        let basic = auth(r#"{"type": "basic", "username": "ann", "password": "p@ss"}"#).ok().flatten();
        assert_eq!(basic.and_then(|a| a.static_header()).as_deref(), Some("Basic YW5uOnBAc3M="));
        let aad = auth(
            r#"{"type": "ActiveDirectoryOAuth", "tenant": "t1", "audience": "https://api/", "clientId": "c1",
                "secret": "s e/cret", "credentialType": "Secret"}"#,
        );
        match aad {
            Ok(Some(Authentication::ActiveDirectoryOAuth(c))) => {
                assert_eq!(c.token_url(), "https://login.microsoftonline.com/t1/oauth2/token");
                assert_eq!(
                    c.token_request_body(0).as_deref(),
                    Ok("grant_type=client_credentials&client_id=c1&resource=https%3A%2F%2Fapi%2F&client_secret=s%20e%2Fcret")
                );
            }
            other => panic!("{other:?}"),
        }
        let with_authority = auth(
            r#"{"type": "ActiveDirectoryOAuth", "authority": "http://127.0.0.1:9/", "tenant": "t", "audience": "a", "clientId": "c", "secret": "s"}"#,
        );
        match with_authority {
            Ok(Some(Authentication::ActiveDirectoryOAuth(c))) => {
                assert_eq!(c.token_url(), "http://127.0.0.1:9/t/oauth2/token")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            auth(r#"{"type": "ManagedServiceIdentity", "audience": "https://management.azure.com/"}"#),
            Ok(Some(Authentication::ManagedServiceIdentity { .. }))
        ));
        assert!(matches!(
            auth(r#"{"type": "ClientCertificate", "pfx": "AAAA", "password": "x"}"#),
            Ok(Some(Authentication::ClientCertificate { .. }))
        ));
    }

    #[test]
    fn rejects_incomplete_objects() {
        for (json, pointer, fragment) in [
            (r#"{"type": "Raw"}"#, "/value", "needs a 'value'"),
            (r#"{"type": "Basic", "password": "x"}"#, "/username", "needs a 'username'"),
            (
                r#"{"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c"}"#,
                "/secret",
                "needs a 'secret'",
            ),
            (
                r#"{"type": "ActiveDirectoryOAuth", "audience": "a", "clientId": "c", "secret": "s"}"#,
                "/tenant",
                "needs a 'tenant'",
            ),
            (
                r#"{"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "s", "pfx": "p"}"#,
                "/pfx",
                "not both",
            ),
            (r#"{"type": "ClientCertificate"}"#, "/pfx", "needs a 'pfx'"),
            (r#"{"type": "Digest"}"#, "/type", "is not an authentication type"),
            (r#"{"value": "x"}"#, "/type", "has no 'type'"),
            (r#"{"type": "Raw", "value": 5}"#, "/value", "must be a string"),
            (r#"[1]"#, "", "must be an object"),
        ] {
            match auth(json) {
                Err(e) => {
                    assert_eq!(e.pointer, pointer, "{json}");
                    assert!(e.message.contains(fragment), "{json}: {}", e.message);
                }
                Ok(a) => panic!("{json} was accepted as {a:?}"),
            }
        }
    }

    #[test]
    fn secrets_are_known_to_the_redactor() {
        let mut r = Redactor::new();
        if let Ok(Some(a)) = auth(r#"{"type": "Basic", "username": "ann", "password": "hunter22"}"#) {
            a.add_secrets(&mut r);
        }
        assert_eq!(r.redact_text("Basic YW5uOmh1bnRlcjIy"), "Basic [redacted]");
        assert_eq!(r.redact_text("pw hunter22"), "pw [redacted]");
        let shown = redact_authentication(
            &from_json_str(r#"{"type": "Basic", "username": "ann", "password": "hunter22"}"#)
                .unwrap_or_default(),
        );
        assert_eq!(shown.to_string(), r#"{"type":"Basic","username":"ann","password":"[redacted]"}"#);
    }

    #[test]
    fn token_answers_and_the_cache() {
        let t = Token::from_response(
            &from_json_str(r#"{"token_type": "Bearer", "expires_in": "3599", "access_token": "tok"}"#)
                .unwrap_or_default(),
        );
        assert_eq!(
            t.as_ref().map(|t| (t.header(), t.lifetime.as_secs())),
            Ok(("Bearer tok".to_string(), 3599))
        );
        assert!(Token::from_response(&from_json_str(r#"{"error": "invalid_client"}"#).unwrap_or_default())
            .is_err());

        let client = OAuthClient {
            authority: "http://a".into(),
            tenant: "t".into(),
            audience: "aud".into(),
            client_id: "c".into(),
            credential: OAuthCredential::Secret("s".into()),
        };
        let cache = TokenCache::new();
        let start = Instant::now();
        let token = Token {
            token_type: "Bearer".into(),
            access_token: "x".into(),
            lifetime: Duration::from_secs(3600),
        };
        cache.put(&client, token.clone(), start);
        assert_eq!(cache.get(&client, start + Duration::from_secs(3000)), Some(token));
        // Renewed five minutes before expiry.
        assert_eq!(cache.get(&client, start + Duration::from_secs(3301)), None);
        let other = OAuthClient { credential: OAuthCredential::Secret("other".into()), ..client.clone() };
        assert_eq!(cache.get(&other, start), None);
        // A short-lived token is renewed at half its life.
        let short = Token {
            token_type: "Bearer".into(),
            access_token: "y".into(),
            lifetime: Duration::from_secs(10),
        };
        cache.put(&client, short, start);
        assert!(cache.get(&client, start + Duration::from_secs(4)).is_some());
        assert!(cache.get(&client, start + Duration::from_secs(6)).is_none());
    }
}
