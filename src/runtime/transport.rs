//! Sending one request and getting one response: the [`Transport`] trait, and
//! [`UreqTransport`], its implementation on `ureq` with rustls and connection reuse.
//!
//! Everything above this layer — retries, polling, paging, authentication, the record —
//! works on [`HttpRequest`] and [`HttpResponse`] only, so a workflow runner can put a mock
//! transport underneath and still go through the real logic.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest response body read, in bytes: the service's limit for one action's output.
/// A `Content-Length` above it fails before the body is read; a body without one stops
/// being read there (decompressed bytes count, so a gzip bomb stops there too).
pub const MAX_BODY_BYTES: u64 = 104_857_600;

/// The largest response head (status line and headers) read, in bytes.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A request, ready to send: method, absolute URL (queries already encoded into it),
/// headers in order, and body bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method, upper case.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The headers, in order, with their names as written.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// A TLS client certificate to present (`ClientCertificate` authentication).
    pub client_identity: Option<Arc<ClientIdentity>>,
}

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            client_identity: None,
        }
    }

    /// The first header with this name (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be secrets: a Debug print shows the names only.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// A TLS client identity: the certificate chain (DER, leaf first) and its private key (DER).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The private key: PKCS#8 DER.
    pub private_key_pkcs8: Vec<u8>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientIdentity({} certificates)", self.chain.len())
    }
}

/// A response: status, headers in order (names lower case, as HTTP/1.1 stacks give them),
/// and the body bytes (decompressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and no headers or body.
    pub fn new(status: u16) -> HttpResponse {
        HttpResponse { status, headers: Vec::new(), body: Vec::new() }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> HttpResponse {
        self.body = body.into();
        self
    }

    /// The first header with this name (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why no response came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// The connection could not be made or broke (retried).
    Connection,
    /// No complete response within the request timeout (retried).
    Timeout,
    /// The TLS handshake failed: an untrusted certificate, say (not retried).
    Tls,
    /// The request cannot be sent as it is: a malformed URL or header (not retried).
    InvalidRequest,
    /// The response body is larger than the limit (not retried).
    BodyTooLarge,
}

/// A request that got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The details.
    pub message: String,
}

impl TransportError {
    /// A new error.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
        TransportError { kind, message: message.into() }
    }

    /// Is this failure retried (connection failures and timeouts are)?
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, TransportErrorKind::Connection | TransportErrorKind::Timeout)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

/// Sends one request and returns one response. Implementations must be shareable between
/// threads; the runtime sends through one transport for every action.
pub trait Transport: Send + Sync {
    /// Sends `request`, giving up after `timeout`. A response of any status is `Ok`.
    fn send(&self, request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, TransportError>;
}

/// The real transport: a `ureq` agent (rustls, the Mozilla root certificates, connection
/// pooling), configured as the service behaves: redirects are not followed, error statuses
/// are responses, bodies up to 100 MB are read.
pub struct UreqTransport {
    config: TransportConfig,
    agent: ureq::Agent,
    /// Agents presenting a client certificate, by identity (a small cache: definitions use
    /// one or two certificates).
    identity_agents: Mutex<HashMap<Vec<u8>, ureq::Agent>>,
}

/// Settings of the real transport.
#[derive(Debug, Clone, Default)]
pub struct TransportConfig {
    /// Trusted root certificates (DER) to use instead of the Mozilla roots — for a server
    /// with its own certificate authority, such as a test server. Empty: the Mozilla roots.
    pub root_certificates: Vec<Vec<u8>>,
    /// The `User-Agent` sent when the request has none.
    pub user_agent: Option<String>,
    /// The deadline of a whole exchange — connect, send, headers and the whole body —
    /// when the request asks for no shorter one (default 120 s). It is a deadline, not a
    /// timeout per read: a server that sends a byte a second cannot hold a request longer.
    pub io_timeout: Option<Duration>,
}

/// The I/O timeout of the real transport when its configuration gives none.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for UreqTransport {
    fn default() -> UreqTransport {
        UreqTransport::new(TransportConfig::default())
    }
}

impl UreqTransport {
    /// A transport with these settings.
    pub fn new(config: TransportConfig) -> UreqTransport {
        let agent = build_agent(&config, None);
        UreqTransport { config, agent, identity_agents: Mutex::new(HashMap::new()) }
    }

    fn agent_for(&self, identity: Option<&ClientIdentity>) -> ureq::Agent {
        let Some(identity) = identity else {
            return self.agent.clone();
        };
        let key: Vec<u8> = identity.chain.first().cloned().unwrap_or_default();
        let mut agents = match self.identity_agents.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        agents.entry(key).or_insert_with(|| build_agent(&self.config, Some(identity))).clone()
    }
}

fn build_agent(config: &TransportConfig, identity: Option<&ClientIdentity>) -> ureq::Agent {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if !config.root_certificates.is_empty() {
        let roots: Vec<Certificate<'static>> =
            config.root_certificates.iter().map(|der| Certificate::from_der(der).to_owned()).collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&roots));
    }
    if let Some(identity) = identity {
        let chain: Vec<Certificate<'static>> =
            identity.chain.iter().map(|der| Certificate::from_der(der).to_owned()).collect();
        // ureq does not export its key-kind enum; PEM says the kind ("PRIVATE KEY": PKCS#8).
        if let Ok(key) = PrivateKey::from_pem(pkcs8_pem(&identity.private_key_pkcs8).as_bytes()) {
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
        }
    }
    let user_agent = config.user_agent.clone().unwrap_or_else(default_user_agent);
    let io = Some(config.io_timeout.unwrap_or(DEFAULT_IO_TIMEOUT));
    ureq::Agent::config_builder()
        .timeout_global(io)
        .timeout_connect(io)
        .http_status_as_error(false)
        .max_response_header_size(MAX_HEADER_BYTES)
        .max_redirects(0)
        .user_agent(user_agent.as_str())
        .tls_config(tls.build())
        .max_idle_connections_per_host(16)
        .max_idle_connections(64)
        .allow_non_standard_methods(true)
        .build()
        .new_agent()
}

/// A PKCS#8 key in PEM.
fn pkcs8_pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

/// `azure-logic-apps/1.0 (flowexpr <version>)`: the service's user agent names its product
/// first; ours says it is flowexpr.
pub fn default_user_agent() -> String {
    format!("azure-logic-apps/1.0 (flowexpr {})", env!("CARGO_PKG_VERSION"))
}

impl Transport for UreqTransport {
    fn send(&self, request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, TransportError> {
        use ureq::http;
        let agent = self.agent_for(request.client_identity.as_deref());
        let invalid =
            |e: &dyn fmt::Display| TransportError::new(TransportErrorKind::InvalidRequest, e.to_string());
        let method = http::Method::from_bytes(request.method.as_bytes()).map_err(|e| invalid(&e))?;
        let mut builder = http::Request::builder().method(method).uri(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        // The agent's I/O timeouts cover a request whose timeout is at least as long; a
        // shorter one (a limit.timeout running out, say) gets a deadline of its own.
        let deadline = (timeout < self.config.io_timeout.unwrap_or(DEFAULT_IO_TIMEOUT)).then_some(timeout);
        let result = match &request.body {
            Some(body) => {
                let req = builder.body(body.as_slice()).map_err(|e| invalid(&e))?;
                match deadline {
                    Some(d) => agent.run(agent.configure_request(req).timeout_global(Some(d)).build()),
                    None => agent.run(req),
                }
            }
            None => {
                let req = builder.body(()).map_err(|e| invalid(&e))?;
                match deadline {
                    Some(d) => agent.run(agent.configure_request(req).timeout_global(Some(d)).build()),
                    None => agent.run(req),
                }
            }
        };
        let mut response = result.map_err(map_error)?;
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(TransportError::new(
                TransportErrorKind::BodyTooLarge,
                format!(
                    "the response announces a body of {} bytes (Content-Length); the limit is {MAX_BODY_BYTES} bytes",
                    declared.unwrap_or_default()
                ),
            ));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body =
            response.body_mut().with_config().limit(MAX_BODY_BYTES).read_to_vec().map_err(map_error)?;
        Ok(HttpResponse { status, headers, body })
    }
}

fn map_error(e: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    let kind = match &e {
        ureq::Error::Timeout(_) => K::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => K::Timeout,
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => K::Connection,
        ureq::Error::BodyExceedsLimit(_) => K::BodyTooLarge,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => K::Tls,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => K::InvalidRequest,
        _ => K::Connection,
    };
    let message = match kind {
        K::BodyTooLarge => format!("the response body is larger than {MAX_BODY_BYTES} bytes"),
        _ => e.to_string(),
    };
    TransportError::new(kind, message)
}
