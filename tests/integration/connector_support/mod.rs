//! A loopback HTTP server standing in for a connector's backend: it records every request
//! and answers with what the test's handler says.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flowexpr::connector::{BoundConnection, Connection, Connector};
use flowexpr::value::from_json_str;
use flowexpr::Value;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Headers the HTTP client adds on its own (and its `Accept: */*` when none is set); the
/// tests compare the others exactly.
const TRANSPORT_HEADERS: [&str; 6] =
    ["host", "user-agent", "accept-encoding", "content-length", "connection", "transfer-encoding"];

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The headers the connector set: names lower-cased, sorted, transport headers left out.
    pub fn app_headers(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .filter(|(k, v)| !(TRANSPORT_HEADERS.contains(&k.as_str()) || k == "accept" && v == "*/*"))
            .collect();
        out.sort();
        out
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        from_json_str(&self.body_text())
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.body_text()))
    }
}

/// Expected headers as sorted, lower-cased pairs.
pub fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    out.sort();
    out
}

/// A reply.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The server; stopped when dropped.
pub struct Backend {
    pub origin: String,
    log: Arc<Mutex<Vec<Received>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Backend {
    pub fn start(handler: impl Fn(&Received) -> Reply + Send + 'static) -> Backend {
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot listen: {e}")));
        let origin = match server.server_addr().to_ip() {
            Some(addr) => format!("http://{addr}"),
            None => panic!("not an IP listener"),
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let (s, l) = (Arc::clone(&server), Arc::clone(&log));
        let thread = std::thread::spawn(move || {
            while let Ok(mut request) = s.recv() {
                let mut body = Vec::new();
                let _ = request.as_reader().read_to_end(&mut body);
                let received = Received {
                    method: request.method().as_str().to_string(),
                    url: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                        .collect(),
                    body,
                };
                let reply = handler(&received);
                if let Ok(mut log) = l.lock() {
                    log.push(received);
                }
                let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                for (k, v) in reply.headers {
                    if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                        response.add_header(h);
                    }
                }
                let _ = request.respond(response);
            }
        });
        Backend { origin, log, server, thread: Some(thread) }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The only request received.
    pub fn only(&self) -> Received {
        let all = self.requests();
        assert_eq!(all.len(), 1, "expected one request, got {all:#?}");
        all.into_iter().next().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn fixture(name: &str) -> Connector {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors").join(name);
    Connector::load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A connection from JSON text, with no environment variables.
pub fn connect(connector: &Connector, json: &str) -> BoundConnection {
    let value = from_json_str(json).unwrap_or_else(|e| panic!("{e}"));
    Connection::from_value_with_env(&value, Arc::new(|_: &str| None))
        .and_then(|c| c.bind(connector))
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn json(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}
