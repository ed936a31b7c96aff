//! Connections: the values of a connector's connection parameters and the authentication
//! they imply.
//!
//! A connection file is JSON:
//!
//! ```json
//! {
//!   "parameterSet": "cloudServer",
//!   "parameters": { "server": "https://rescocrm.com", "username": "ada",
//!                   "password": { "env": "RESCO_PASSWORD" } },
//!   "oauth": { "accessToken": "...", "refreshToken": "...", "clientId": "...",
//!              "clientSecret": { "env": "APP_SECRET" }, "tokenUrl": "...", "scopes": ["..."] },
//!   "origin": "http://127.0.0.1:8080",
//!   "environmentVariables": { "apiHost": "api.contoso.com" }
//! }
//! ```
//!
//! Every key is optional. Secrets stay out of files in two ways: a value written
//! `{"env": "NAME"}` is read from the environment variable `NAME` (an error if it is not
//! set), and a connection parameter the file does not give is read from
//! `FLOWEXPR_CONN_<NAME>` — the parameter name in upper case with every character other
//! than a letter or digit turned into `_` (`api_key` → `FLOWEXPR_CONN_API_KEY`,
//! `token:TenantId` → `FLOWEXPR_CONN_TOKEN_TENANTID`); the `oauth` fields likewise from
//! `FLOWEXPR_CONN_OAUTH_ACCESS_TOKEN`, `..._REFRESH_TOKEN`, `..._CLIENT_ID`,
//! `..._CLIENT_SECRET`. After that, a parameter's `defaultValue` applies.
//!
//! `environmentVariables` gives the Power Platform environment variables that policy
//! templates read with `@environmentVariables("name")` (a preview feature); one not given
//! is read from `FLOWEXPR_ENV_<NAME>`.
//!
//! `origin` sends every request of the connection (next-page links included) to another
//! scheme, host and port, keeping the path and query: for tests against a local server.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::load::Connector;
use super::properties::{ConnectionParameter, OAuthSettings, ParameterKind};
use super::swagger::SecurityScheme;

/// Reads an environment variable.
pub type EnvFn = dyn Fn(&str) -> Option<String> + Send + Sync;

/// OAuth material given by the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthGrant {
    /// A ready access token.
    pub access_token: Option<String>,
    /// A refresh token, exchanged at the token URL.
    pub refresh_token: Option<String>,
    /// The client id (else the connector's `clientId`).
    pub client_id: Option<String>,
    /// The client secret (never in connector files).
    pub client_secret: Option<String>,
    /// The token endpoint, overriding the connector's.
    pub token_url: Option<String>,
    /// Scopes to ask for (else the connector's).
    pub scopes: Option<Vec<String>>,
    /// `client_credentials` to use the client-credentials grant even with no refresh token.
    pub grant_type: Option<String>,
}

/// A connection: parameter values and OAuth material, before it is bound to a connector.
#[derive(Clone)]
pub struct Connection {
    /// Parameter values by name, as given.
    pub parameters: Object,
    /// The chosen `connectionParameterSets` entry.
    pub parameter_set: Option<String>,
    /// OAuth material.
    pub oauth: OAuthGrant,
    /// Send every request to this origin instead (`http://127.0.0.1:8080`).
    pub origin: Option<String>,
    /// Power Platform environment variables read by `@environmentVariables("name")`.
    pub environment_variables: Object,
    env: Arc<EnvFn>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("parameters", &self.parameters.keys().collect::<Vec<_>>())
            .field("parameter_set", &self.parameter_set)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Default for Connection {
    fn default() -> Connection {
        Connection {
            parameters: Object::new(),
            parameter_set: None,
            oauth: OAuthGrant::default(),
            origin: None,
            environment_variables: Object::new(),
            env: Arc::new(|name: &str| std::env::var(name).ok()),
        }
    }
}

/// The process environment variable that supplies the Power Platform environment variable
/// `name` when the connection does not: `FLOWEXPR_ENV_<NAME>`.
pub fn environment_variable_env_name(name: &str) -> String {
    let mut out = String::from("FLOWEXPR_ENV_");
    out.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }));
    out
}

/// The names read by `environmentVariables(...)` in the connector's policies.
fn environment_names(connector: &Connector) -> Vec<String> {
    let mut names = Vec::new();
    for p in &connector.properties.policies {
        for v in p.parameters.values() {
            let text = v.to_text();
            let lower = text.to_ascii_lowercase();
            let mut from = 0;
            while let Some(i) = lower[from..].find("environmentvariables(") {
                let start = from + i + "environmentvariables(".len();
                let rest = &text[start..];
                let name: String = rest
                    .trim_start_matches(['\'', '"'])
                    .chars()
                    .take_while(|c| !matches!(c, '\'' | '"' | ')'))
                    .collect();
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
                from = start;
            }
        }
    }
    names
}

/// The environment variable that supplies connection parameter `name`.
pub fn env_name(name: &str) -> String {
    let mut out = String::from("FLOWEXPR_CONN_");
    out.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }));
    out
}

fn definition_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, message)
}

impl Connection {
    /// A connection with no values (environment variables and defaults still apply).
    pub fn new() -> Connection {
        Connection::default()
    }

    /// Reads a connection file.
    pub fn load(path: impl AsRef<Path>) -> Result<Connection> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read the connection file {}: {e}", path.display()))
        })?;
        let parsed = super::json::parse_bytes(&bytes, false)
            .map_err(|e| definition_error(format!("{}: not valid JSON: {e}", path.display())))?;
        Connection::from_value(&parsed.value).map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })
    }

    /// Reads a connection from JSON text.
    pub fn from_json_str(text: &str) -> Result<Connection> {
        let value = crate::value::from_json_str(text)
            .map_err(|e| definition_error(format!("the connection is not valid JSON: {e}")))?;
        Connection::from_value(&value)
    }

    /// Reads a connection from a value, resolving `{"env": "NAME"}` from the process
    /// environment.
    pub fn from_value(value: &Value) -> Result<Connection> {
        Connection::from_value_with_env(value, Arc::new(|name: &str| std::env::var(name).ok()))
    }

    /// Reads a connection, resolving environment variables through `env`.
    pub fn from_value_with_env(value: &Value, env: Arc<EnvFn>) -> Result<Connection> {
        let Some(root) = value.as_object() else {
            return Err(definition_error("a connection must be a JSON object"));
        };
        for key in root.keys() {
            if !["parameters", "parameterSet", "oauth", "origin", "environmentVariables", "$schema"]
                .contains(&&**key)
            {
                return Err(definition_error(format!(
                    "`{key}` is not a connection key (parameters, parameterSet, oauth, origin, environmentVariables)"
                )));
            }
        }
        let resolve = |v: &Value, at: &str| -> Result<Value> {
            match v {
                Value::Object(o) if o.len() == 1 && o.get("env").is_some() => {
                    let name = o.get("env").and_then(Value::as_str).unwrap_or_default();
                    env(name).map(Value::from).ok_or_else(|| {
                        definition_error(format!(
                            "{at} reads the environment variable {name}, which is not set"
                        ))
                    })
                }
                other => Ok(other.clone()),
            }
        };
        let mut parameters = Object::new();
        match root.get("parameters") {
            Some(Value::Object(p)) => {
                for (k, v) in p.iter() {
                    parameters.insert(k.clone(), resolve(v, &format!("parameters.{k}"))?);
                }
            }
            None | Some(Value::Null) => {}
            Some(_) => return Err(definition_error("`parameters` must be an object of name → value")),
        }
        let text = |v: Option<&Value>, at: &str| -> Result<Option<String>> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match resolve(v, at)? {
                    Value::String(s) => Ok(Some(s.to_string())),
                    other => Ok(Some(other.to_text())),
                },
            }
        };
        let mut oauth = OAuthGrant::default();
        match root.get("oauth") {
            Some(Value::Object(o)) => {
                for key in o.keys() {
                    if ![
                        "accessToken",
                        "refreshToken",
                        "clientId",
                        "clientSecret",
                        "tokenUrl",
                        "scopes",
                        "grantType",
                    ]
                    .contains(&&**key)
                    {
                        return Err(definition_error(format!(
                            "`oauth.{key}` is not known (accessToken, refreshToken, clientId, clientSecret, tokenUrl, scopes, grantType)"
                        )));
                    }
                }
                oauth.access_token = text(o.get("accessToken"), "oauth.accessToken")?;
                oauth.refresh_token = text(o.get("refreshToken"), "oauth.refreshToken")?;
                oauth.client_id = text(o.get("clientId"), "oauth.clientId")?;
                oauth.client_secret = text(o.get("clientSecret"), "oauth.clientSecret")?;
                oauth.token_url = text(o.get("tokenUrl"), "oauth.tokenUrl")?;
                oauth.grant_type = text(o.get("grantType"), "oauth.grantType")?;
                oauth.scopes =
                    o.get("scopes").and_then(Value::as_array).map(|a| a.iter().map(Value::to_text).collect());
            }
            None | Some(Value::Null) => {}
            Some(_) => return Err(definition_error("`oauth` must be an object")),
        }
        let mut environment_variables = Object::new();
        if let Some(Value::Object(vars)) = root.get("environmentVariables") {
            for (k, v) in vars.iter() {
                environment_variables.insert(k.clone(), resolve(v, &format!("environmentVariables.{k}"))?);
            }
        }
        Ok(Connection {
            environment_variables,
            parameters,
            parameter_set: text(root.get("parameterSet"), "parameterSet")?,
            oauth,
            origin: text(root.get("origin"), "origin")?,
            env,
        })
    }

    /// Sets a parameter value.
    pub fn with_parameter(mut self, name: &str, value: impl Into<Value>) -> Connection {
        self.parameters.insert(name, value.into());
        self
    }

    /// Uses `env` to read environment variables (for tests).
    pub fn with_env(mut self, env: Arc<EnvFn>) -> Connection {
        self.env = env;
        self
    }

    /// Sends every request to this origin instead.
    pub fn with_origin(mut self, origin: &str) -> Connection {
        self.origin = Some(origin.to_string());
        self
    }

    /// Binds the connection to a connector: picks the parameter set, fills values from the
    /// environment and defaults, and works out the authentication.
    pub fn bind(&self, connector: &Connector) -> Result<BoundConnection> {
        let props = &connector.properties;
        let (set, mut declared): (Option<String>, Vec<ConnectionParameter>) = if props
            .parameter_sets
            .is_empty()
        {
            (None, props.connection_parameters.clone())
        } else {
            let names: Vec<&str> = props.parameter_sets.iter().map(|s| s.name.as_str()).collect();
            let chosen = match &self.parameter_set {
                Some(wanted) => props.parameter_sets.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)).ok_or_else(|| {
                    definition_error(format!(
                        "the connector {} has no parameter set \"{wanted}\"; its sets are {}",
                        connector.name,
                        names.join(", ")
                    ))
                })?,
                None if props.parameter_sets.len() == 1 => &props.parameter_sets[0],
                None => {
                    return Err(definition_error(format!(
                        "the connector {} has several parameter sets ({}); say which one with \"parameterSet\" in the connection",
                        connector.name,
                        names.join(", ")
                    )))
                }
            };
            let mut params = chosen.parameters.clone();
            params.extend(
                props
                    .connection_parameters
                    .iter()
                    .filter(|p| !chosen.parameters.iter().any(|q| q.name == p.name))
                    .cloned(),
            );
            (Some(chosen.name.clone()), params)
        };
        declared.retain(|p| !p.name.is_empty());
        let mut values = Object::new();
        let mut secrets = Vec::new();
        for p in &declared {
            let given =
                self.parameters.iter().find(|(k, _)| k.eq_ignore_ascii_case(&p.name)).map(|(_, v)| v.clone());
            let value = given
                .or_else(|| (self.env)(&env_name(&p.name)).map(Value::from))
                .or_else(|| p.default.clone().map(Value::from));
            if let Some(v) = value {
                if p.is_secret() {
                    let text = v.to_text();
                    if !text.is_empty() {
                        secrets.push(text);
                    }
                }
                values.insert(p.name.clone(), v);
            }
        }
        for (k, v) in self.parameters.iter() {
            if !declared.iter().any(|p| p.name.eq_ignore_ascii_case(k)) {
                values.insert(k.clone(), v.clone());
            }
        }
        let mut oauth = self.oauth.clone();
        let env_field = |field: &mut Option<String>, suffix: &str| {
            if field.is_none() {
                *field = (self.env)(&format!("FLOWEXPR_CONN_OAUTH_{suffix}"));
            }
        };
        env_field(&mut oauth.access_token, "ACCESS_TOKEN");
        env_field(&mut oauth.refresh_token, "REFRESH_TOKEN");
        env_field(&mut oauth.client_id, "CLIENT_ID");
        env_field(&mut oauth.client_secret, "CLIENT_SECRET");
        for s in [&oauth.access_token, &oauth.refresh_token, &oauth.client_secret].into_iter().flatten() {
            secrets.push(s.clone());
        }
        let auth = infer_auth(connector, set.as_deref(), &declared, &values, &oauth, &mut secrets);
        let mut environment = self.environment_variables.clone();
        for name in environment_names(connector) {
            if environment.get_ci(&name).is_none() {
                if let Some(v) = (self.env)(&environment_variable_env_name(&name)) {
                    environment.insert(name, Value::from(v));
                }
            }
        }
        secrets.retain(|s| s.len() >= 3);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Ok(BoundConnection {
            connector: connector.name.clone(),
            parameter_set: set,
            declared: declared.iter().map(|p| p.name.clone()).collect(),
            values,
            auth,
            secrets,
            environment,
            origin: self.origin.clone(),
            token: Arc::new(Mutex::new(None)),
            unauthenticated: Arc::new(Mutex::new(None)),
        })
    }
}

/// The OAuth plan of a bound connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthPlan {
    /// The connection parameter (`token`).
    pub parameter: String,
    /// The connector's settings.
    pub settings: OAuthSettings,
    /// What the connection gives.
    pub grant: OAuthGrant,
    /// Where tokens are fetched (`None` if no token can be fetched).
    pub token_url: Option<String>,
    /// `resource` for Azure AD v1 endpoints.
    pub resource: Option<String>,
    /// Why no token can be had, when the connection gives no access token and none can be
    /// fetched.
    pub problem: Option<String>,
}

/// The authentication a bound connection applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// None.
    None,
    /// API keys: (header or query name, in query?, value).
    ApiKeys(Vec<(String, bool, String)>),
    /// HTTP Basic.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// A bearer token.
    OAuth(Box<OAuthPlan>),
    /// The connection cannot authenticate outside the platform (the text says why).
    Unsupported(String),
}

impl Auth {
    /// A short description for `connector list`.
    pub fn describe(&self) -> String {
        match self {
            Auth::None => "none".into(),
            Auth::ApiKeys(keys) => keys
                .iter()
                .map(|(name, q, _)| {
                    format!("API key in {} {name}", if *q { "query parameter" } else { "header" })
                })
                .collect::<Vec<_>>()
                .join(", "),
            Auth::Basic { .. } => "HTTP Basic".into(),
            Auth::OAuth(plan) => format!("OAuth 2.0 ({})", plan.settings.provider),
            Auth::Unsupported(why) => format!("unsupported: {why}"),
        }
    }
}

fn normalize(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn infer_auth(
    connector: &Connector,
    set: Option<&str>,
    declared: &[ConnectionParameter],
    values: &Object,
    grant: &OAuthGrant,
    secrets: &mut Vec<String>,
) -> Auth {
    let value_of =
        |name: &str| values.iter().find(|(k, _)| normalize(k) == normalize(name)).map(|(_, v)| v.to_text());
    if let Some(p) = declared.iter().find(|p| matches!(p.kind, ParameterKind::Gateway)) {
        return Auth::Unsupported(format!(
            "the connection parameter \"{}\" is an on-premises data gateway, which only the platform can reach",
            p.name
        ));
    }
    if let Some(p) = declared.iter().find(|p| matches!(p.kind, ParameterKind::OAuth(_))) {
        let ParameterKind::OAuth(settings) = &p.kind else { return Auth::None };
        let mut grant = grant.clone();
        if grant.access_token.is_none() {
            grant.access_token = values.get_ci(&p.name).map(Value::to_text).filter(|t| !t.is_empty());
            if let Some(t) = &grant.access_token {
                secrets.push(t.clone());
            }
        }
        return Auth::OAuth(Box::new(oauth_plan(connector, &p.name, settings, grant, values)));
    }
    let mut basic = || {
        let username = value_of("username").unwrap_or_default();
        let password = value_of("password").unwrap_or_default();
        secrets.push(password.clone());
        Auth::Basic { username, password }
    };
    let api_keys: Vec<(&str, &str, bool)> = connector
        .security
        .iter()
        .filter_map(|s| match s {
            SecurityScheme::ApiKey { id, name, in_query } => Some((id.as_str(), name.as_str(), *in_query)),
            _ => None,
        })
        .collect();
    let has_basic = connector.security.iter().any(|s| matches!(s, SecurityScheme::Basic { .. }));
    let key_for = |id: &str, name: &str| value_of(id).or_else(|| value_of(name));
    let single_secret = || {
        let secure: Vec<&ConnectionParameter> =
            declared.iter().filter(|p| matches!(p.kind, ParameterKind::SecureString)).collect();
        match secure.as_slice() {
            [one] => value_of(&one.name),
            _ => None,
        }
    };
    if let Some(set) = set {
        if let Some(scheme) = connector.security.iter().find(|s| s.id().eq_ignore_ascii_case(set)) {
            match scheme {
                SecurityScheme::ApiKey { id, name, in_query } => {
                    let value = key_for(id, name)
                        .or_else(|| value_of("api_key"))
                        .or_else(single_secret)
                        .unwrap_or_default();
                    return Auth::ApiKeys(vec![(name.clone(), *in_query, value)]);
                }
                SecurityScheme::Basic { .. } => return basic(),
                SecurityScheme::OAuth2 { .. } => {}
            }
        }
    }
    let has_user_password = value_of("username").is_some() && value_of("password").is_some();
    if has_user_password && (has_basic || api_keys.is_empty()) {
        return basic();
    }
    if !api_keys.is_empty() {
        let mut keys: Vec<(String, bool, String)> = api_keys
            .iter()
            .filter_map(|(id, name, q)| key_for(id, name).map(|v| ((*name).to_string(), *q, v)))
            .collect();
        if keys.is_empty() {
            let (_, name, q) = api_keys[0];
            let value = value_of("api_key").or_else(single_secret).unwrap_or_default();
            keys.push((name.to_string(), q, value));
        }
        return Auth::ApiKeys(keys);
    }
    if has_basic {
        return basic();
    }
    Auth::None
}

fn oauth_plan(
    connector: &Connector,
    parameter: &str,
    settings: &OAuthSettings,
    mut grant: OAuthGrant,
    values: &Object,
) -> OAuthPlan {
    let provider = settings.provider.to_ascii_lowercase();
    if grant.client_id.is_none() {
        grant.client_id = settings.client_id.clone();
    }
    let swagger_token_url = connector.security.iter().find_map(|s| match s {
        SecurityScheme::OAuth2 { token_url, .. } => token_url.clone(),
        _ => None,
    });
    let mut resource = None;
    let mut problem = None;
    let token_url = match (&grant.token_url, provider.as_str()) {
        (Some(url), _) => Some(url.clone()),
        (None, "oauth2") => settings
            .custom(if grant.refresh_token.is_some() { "refreshUrl" } else { "tokenUrl" })
            .or_else(|| settings.custom("tokenUrl"))
            .map(str::to_string)
            .or(swagger_token_url),
        (None, "aad") => {
            let login = settings
                .custom("loginUri")
                .unwrap_or("https://login.microsoftonline.com")
                .trim_end_matches('/')
                .to_string();
            let tenant = values
                .get_ci("token:TenantId")
                .map(Value::to_text)
                .filter(|t| !t.is_empty())
                .or_else(|| settings.custom("tenantId").map(str::to_string))
                .unwrap_or_else(|| "common".into());
            resource = settings.custom("resourceUri").map(str::to_string);
            Some(format!("{login}/{tenant}/oauth2/token"))
        }
        (None, "aadcertificate") => {
            problem = Some(
                "the aadcertificate provider signs in with the platform's first-party certificate, which a local runner does not have; give an access token (oauth.accessToken)".to_string(),
            );
            None
        }
        (None, other) => {
            problem = Some(format!(
                "the {other} provider's token requests are made by the platform; give an access token (oauth.accessToken), or a token URL (oauth.tokenUrl) with a refresh token or client credentials"
            ));
            None
        }
    };
    if grant.access_token.is_some() {
        // A ready token works whatever the provider.
        problem = None;
    } else if problem.is_none() {
        let can_fetch = grant.refresh_token.is_some()
            || (grant.client_secret.is_some() && grant.client_id.is_some())
            || grant.grant_type.as_deref() == Some("client_credentials");
        if !can_fetch {
            problem = Some(
                "the connection gives no OAuth access token; give oauth.accessToken, or oauth.refreshToken (or oauth.clientSecret for client credentials) with the client id"
                    .to_string(),
            );
        } else if token_url.is_none() {
            problem =
                Some("the connector names no token URL; give oauth.tokenUrl in the connection".to_string());
        }
    }
    OAuthPlan {
        parameter: parameter.to_string(),
        settings: settings.clone(),
        grant,
        token_url,
        resource,
        problem,
    }
}

/// A token obtained from a token endpoint.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The access token.
    pub access_token: String,
    /// When it stops being valid (with a minute of margin), if the endpoint said.
    pub expires_at: Option<std::time::Instant>,
    /// The refresh token to use next (endpoints may issue a new one each time).
    pub refresh_token: Option<String>,
}

/// A connection bound to one connector: every value known, the authentication decided.
#[derive(Debug, Clone)]
pub struct BoundConnection {
    /// The connector's name.
    pub connector: String,
    /// The parameter set in use.
    pub parameter_set: Option<String>,
    /// The connection parameters the connector declares (in the chosen set).
    pub declared: Vec<String>,
    /// Parameter values (given, from the environment, or defaults).
    pub values: Object,
    /// The authentication.
    pub auth: Auth,
    /// Secret values, for redaction.
    pub secrets: Vec<String>,
    /// Power Platform environment variables for `@environmentVariables("name")`.
    pub environment: Object,
    /// Send every request to this origin instead.
    pub origin: Option<String>,
    /// Tokens fetched (shared by clones of this connection).
    pub(crate) token: Arc<Mutex<Option<CachedToken>>>,
    /// Set when a `setconnectionstatustounauthenticated` policy fired.
    pub(crate) unauthenticated: Arc<Mutex<Option<String>>>,
}

impl BoundConnection {
    /// The redactor of this connection: its secret values and the token it holds now.
    pub fn redactor(&self) -> crate::runtime::Redactor {
        let mut r = crate::runtime::Redactor::new();
        for secret in &self.secrets {
            r.add(secret);
            // The query-string form connectors write (`api_key=a%20b`).
            let encoded = super::request::encode_query(secret);
            if encoded != *secret {
                r.add(&encoded);
            }
        }
        if let Some(token) = self.current_token() {
            r.add(&token);
        }
        if let Ok(guard) = self.token.lock() {
            if let Some(refresh) = guard.as_ref().and_then(|t| t.refresh_token.as_ref()) {
                r.add(refresh);
            }
        }
        r
    }

    /// Replaces every secret in `text` (in every form) with `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        self.redactor().redact_text(text)
    }

    /// Why the connection is marked unauthenticated, if it is.
    pub fn unauthenticated(&self) -> Option<String> {
        self.unauthenticated.lock().ok().and_then(|g| g.clone())
    }

    /// The access token to send now, if one is known without a network call.
    pub fn current_token(&self) -> Option<String> {
        if let Ok(guard) = self.token.lock() {
            if let Some(t) = guard.as_ref() {
                if t.expires_at.is_none_or(|at| at > std::time::Instant::now()) {
                    return Some(t.access_token.clone());
                }
            }
        }
        match &self.auth {
            Auth::OAuth(plan) => plan.grant.access_token.clone(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Connector;

    fn connector(security: &str, props: &str) -> Connector {
        let def =
            format!(r#"{{"swagger": "2.0", "host": "h", "paths": {{}}, "securityDefinitions": {security}}}"#);
        Connector::from_texts("c", &def, Some(props)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Arc<EnvFn> {
        Arc::new(move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    fn bind(
        c: &Connector,
        text: &str,
        vars: &'static [(&'static str, &'static str)],
    ) -> Result<BoundConnection> {
        let value = crate::value::from_json_str(text).unwrap_or_default();
        Connection::from_value_with_env(&value, env(vars))?.bind(c)
    }

    #[test]
    fn env_rule() {
        assert_eq!(env_name("api_key"), "FLOWEXPR_CONN_API_KEY");
        assert_eq!(env_name("token:TenantId"), "FLOWEXPR_CONN_TOKEN_TENANTID");
        let c = connector(
            r#"{"k": {"type": "apiKey", "in": "query", "name": "key"}}"#,
            r#"{"properties": {"connectionParameters": {"api_key": {"type": "securestring"}, "region": {"type": "string", "defaultValue": "eu"}}}}"#,
        );
        let b = bind(&c, "{}", &[("FLOWEXPR_CONN_API_KEY", "from-env")]).ok();
        assert_eq!(
            b.as_ref().map(|b| b.auth.clone()),
            Some(Auth::ApiKeys(vec![("key".into(), true, "from-env".into())]))
        );
        assert_eq!(b.as_ref().and_then(|b| b.values.get("region").cloned()), Some(Value::from("eu")));
        let b = bind(&c, r#"{"parameters": {"api_key": {"env": "MY_KEY"}}}"#, &[("MY_KEY", "key-2")]).ok();
        assert_eq!(b.map(|b| b.secrets), Some(vec!["key-2".to_string()]));
        let e =
            bind(&c, r#"{"parameters": {"api_key": {"env": "UNSET"}}}"#, &[]).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("parameters.api_key reads the environment variable UNSET, which is not set")
        );
        let e = bind(&c, r#"{"params": {}}"#, &[]).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("`params` is not a connection key")));
    }

    #[test]
    fn auth_inference() {
        let basic = connector(
            r#"{"b": {"type": "basic"}}"#,
            r#"{"properties": {"connectionParameters": {"username": {"type": "securestring"}, "password": {"type": "securestring"}}}}"#,
        );
        let b = bind(&basic, r#"{"parameters": {"username": "u", "password": "p4ss"}}"#, &[]).ok();
        assert_eq!(b.map(|b| b.auth), Some(Auth::Basic { username: "u".into(), password: "p4ss".into() }));

        let keys = connector(
            r#"{"API Key": {"type": "apiKey", "in": "query", "name": "appKey"}, "APP ID": {"type": "apiKey", "in": "query", "name": "appID"}}"#,
            r#"{"properties": {"connectionParameters": {"api_key": {"type": "securestring"}, "app_id": {"type": "string"}}}}"#,
        );
        let b = bind(&keys, r#"{"parameters": {"api_key": "k", "app_id": "a"}}"#, &[]).ok();
        assert_eq!(
            b.map(|b| b.auth),
            Some(Auth::ApiKeys(vec![
                ("appKey".into(), true, "k".into()),
                ("appID".into(), true, "a".into())
            ]))
        );

        let sets = connector(
            r#"{"api-auth": {"type": "apiKey", "in": "header", "name": "X-App-Token"}, "basic-auth": {"type": "basic"}}"#,
            r#"{"properties": {"connectionParameterSets": {"values": [
                {"name": "api-auth", "parameters": {"api_key": {"type": "securestring"}}},
                {"name": "basic-auth", "parameters": {"username": {"type": "string"}, "password": {"type": "securestring"}}}]}}}"#,
        );
        let e = bind(&sets, "{}", &[]).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("several parameter sets (api-auth, basic-auth)")));
        let b = bind(&sets, r#"{"parameterSet": "API-AUTH", "parameters": {"api_key": "t"}}"#, &[]).ok();
        assert_eq!(b.map(|b| b.auth), Some(Auth::ApiKeys(vec![("X-App-Token".into(), false, "t".into())])));
        let b = bind(
            &sets,
            r#"{"parameterSet": "basic-auth", "parameters": {"username": "u", "password": "p"}}"#,
            &[],
        )
        .ok();
        assert!(matches!(b.map(|b| b.auth), Some(Auth::Basic { .. })));
    }

    #[test]
    fn oauth_plans() {
        let props = |provider: &str, custom: &str| {
            format!(
                r#"{{"properties": {{"connectionParameters": {{"token": {{"type": "oauthSetting", "oAuthSettings": {{
                    "identityProvider": "{provider}", "clientId": "cid", "customParameters": {custom}}}}}}}}}}}"#
            )
        };
        let c = connector(
            "{}",
            &props(
                "oauth2",
                r#"{"tokenUrl": {"value": "https://t/token"}, "refreshUrl": {"value": "https://t/refresh"}}"#,
            ),
        );
        let plan = |b: Result<BoundConnection>| match b.map(|b| b.auth) {
            Ok(Auth::OAuth(plan)) => *plan,
            other => panic!("{other:?}"),
        };
        let p = plan(bind(&c, r#"{"oauth": {"refreshToken": "r", "clientSecret": "s"}}"#, &[]));
        assert_eq!((p.token_url.as_deref(), p.problem), (Some("https://t/refresh"), None));
        assert_eq!(p.grant.client_id.as_deref(), Some("cid"));
        let p = plan(bind(&c, "{}", &[]));
        assert!(p.problem.is_some_and(|m| m.contains("no OAuth access token")));
        let p = plan(bind(&c, r#"{"parameters": {"token": "abc"}}"#, &[]));
        assert_eq!((p.grant.access_token.as_deref(), p.problem), (Some("abc"), None));

        let aad = connector("{}", &props("aad", r#"{"resourceUri": {"value": "https://vault.azure.net"}}"#));
        let p = plan(bind(
            &aad,
            r#"{"parameters": {"token:TenantId": "t1"}, "oauth": {"refreshToken": "r"}}"#,
            &[],
        ));
        assert_eq!(p.token_url.as_deref(), Some("https://login.microsoftonline.com/t1/oauth2/token"));
        assert_eq!(p.resource.as_deref(), Some("https://vault.azure.net"));

        let cert = connector("{}", &props("aadcertificate", "{}"));
        let p = plan(bind(&cert, r#"{"oauth": {"refreshToken": "r"}}"#, &[]));
        assert!(p.problem.is_some_and(|m| m.contains("first-party certificate")));
        let p = plan(bind(&cert, r#"{"oauth": {"accessToken": "a"}}"#, &[]));
        assert!(p.grant.access_token.is_some());

        // Open question 9: templated token requests are not reproduced.
        let generic = connector(
            "{}",
            &props("oauth2generic", r#"{"tokenUrlTemplate": {"value": "https://t/{code}"}}"#),
        );
        let p = plan(bind(&generic, r#"{"oauth": {"refreshToken": "r"}}"#, &[]));
        assert!(p
            .problem
            .is_some_and(|m| m.contains("oauth2generic provider's token requests are made by the platform")));
        let p =
            plan(bind(&generic, r#"{"oauth": {"refreshToken": "r", "tokenUrl": "https://t/token"}}"#, &[]));
        assert_eq!((p.token_url.as_deref(), p.problem), (Some("https://t/token"), None));

        let gw = connector(
            "{}",
            r#"{"properties": {"connectionParameters": {"gateway": {"type": "gatewaySetting"}}}}"#,
        );
        assert!(matches!(bind(&gw, "{}", &[]).map(|b| b.auth), Ok(Auth::Unsupported(_))));
    }

    #[test]
    fn redaction() {
        let c = connector(
            r#"{"k": {"type": "apiKey", "in": "query", "name": "key"}}"#,
            r#"{"properties": {"connectionParameters": {"api_key": {"type": "securestring"}}}}"#,
        );
        let b = bind(&c, r#"{"parameters": {"api_key": "a b&c"}}"#, &[]).ok();
        let r = b.map(|b| b.redact("https://h/?key=a%20b%26c and a b&c"));
        assert_eq!(r.as_deref(), Some("https://h/?key=[redacted] and [redacted]"));
    }
}
