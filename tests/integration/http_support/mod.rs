//! A small HTTP/1.1 server on 127.0.0.1 for the HTTP tests and benchmark: it records every
//! request it receives and answers with whatever the test's handler says. Plain TCP, or
//! TLS (rustls) when given a server configuration.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The subject of the client certificate, when TLS asked for one and got it (DER).
    pub client_certificate: Option<Vec<u8>>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    pub fn json(status: u16, body: &str) -> Reply {
        Reply::new(status).header("Content-Type", "application/json; charset=utf-8").body(body.as_bytes())
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::new(status).header("Content-Type", "text/plain; charset=utf-8").body(body.as_bytes())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: &[u8]) -> Reply {
        self.body = body.to_vec();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// A running server. Dropping it stops accepting connections.
pub struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A plain HTTP server. The handler gets each request and its index (0-based, in the
    /// order requests arrived).
    pub fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> TestServer {
        TestServer::start_with(None, handler)
    }

    /// An HTTPS server with this rustls configuration.
    pub fn start_tls(
        config: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        TestServer::start_with(Some(config), handler)
    }

    /// A plain HTTP server on a given port.
    pub fn start_on(
        port: u16,
        handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        TestServer::start_with_port(port, None, handler)
    }

    fn start_with(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        TestServer::start_with_port(0, tls, handler)
    }

    fn start_with_port(
        port: u16,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let accept = {
            let (received, stop, connections) = (received.clone(), stop.clone(), connections.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (received, counter, handler, tls) =
                        (received.clone(), counter.clone(), handler.clone(), tls.clone());
                    std::thread::spawn(move || {
                        let _ = stream.set_nodelay(true);
                        match tls {
                            None => serve(stream, None, &received, &counter, &*handler),
                            Some(config) => {
                                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                                let mut tls_stream = rustls::StreamOwned::new(conn, stream);
                                // Finish the handshake to learn the client certificate.
                                while tls_stream.conn.is_handshaking() {
                                    if tls_stream.conn.complete_io(&mut tls_stream.sock).is_err() {
                                        return;
                                    }
                                }
                                let cert = tls_stream
                                    .conn
                                    .peer_certificates()
                                    .and_then(|c| c.first().map(|c| c.as_ref().to_vec()));
                                serve(tls_stream, cert, &received, &counter, &*handler)
                            }
                        }
                    });
                }
            })
        };
        TestServer { addr, scheme, received, connections, stop, accept: Some(accept) }
    }

    /// `http://127.0.0.1:PORT` + path.
    pub fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.addr.port())
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve<S: Read + Write>(
    stream: S,
    cert: Option<Vec<u8>>,
    received: &Mutex<Vec<Received>>,
    counter: &AtomicUsize,
    handler: &Handler,
) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.trim_end().splitn(3, ' ');
        let (method, target) =
            (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let header =
            |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
            body.resize(len, 0);
            if reader.read_exact(&mut body).is_err() {
                return;
            }
        } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                if reader.read_exact(&mut chunk).is_err() {
                    return;
                }
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        let request = Received { method, target, headers, body, client_certificate: cert.clone() };
        let index = counter.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut r) = received.lock() {
            r.push(request.clone());
        }
        let reply = handler(&request, index);
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        let mut out = format!("HTTP/1.1 {} X\r\n", reply.status);
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
        let stream = reader.get_mut();
        if stream.write_all(out.as_bytes()).is_err()
            || stream.write_all(&reply.body).is_err()
            || stream.flush().is_err()
        {
            return;
        }
    }
}

/// The test certificates (made once with openssl: a CA, a server certificate for
/// 127.0.0.1 and a client certificate in PFX files).
pub mod certs {
    use base64::Engine as _;

    pub const CA_PEM: &str = include_str!("ca.pem");
    pub const SERVER_PEM: &str = include_str!("server.pem");
    pub const SERVER_KEY_PEM: &str = include_str!("server.key");
    /// The client certificate and key, PFX (AES-256, PBKDF2), password `pfx-password`, base64.
    pub const CLIENT_PFX_B64: &str = include_str!("client.pfx.b64");
    /// The same, PFX with legacy 3DES encryption.
    pub const CLIENT_LEGACY_PFX_B64: &str = include_str!("client-legacy.pfx.b64");
    pub const CLIENT_PEM: &str = include_str!("client.pem");

    /// The DER of the first PEM block.
    pub fn der(pem: &str) -> Vec<u8> {
        let b64: String = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        base64::engine::general_purpose::STANDARD.decode(b64).expect("PEM base64")
    }

    /// A TLS server configuration for 127.0.0.1 that requires a client certificate
    /// issued by the test CA.
    pub fn server_config_requiring_client_certificates() -> std::sync::Arc<rustls::ServerConfig> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(der(CA_PEM))).expect("CA");
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
                .build()
                .expect("client verifier");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der(SERVER_KEY_PEM)));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![CertificateDer::from(der(SERVER_PEM)), CertificateDer::from(der(CA_PEM))],
                key,
            )
            .expect("server certificate");
        std::sync::Arc::new(config)
    }
}
