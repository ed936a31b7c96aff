//! The reconciliation example's demo API: a small HTTP server on 127.0.0.1 serving the
//! example data, so `flowexpr run examples/reconciliation/flow.json --demo-server` runs end
//! to end with no setup and no network.
//!
//! | endpoint | what |
//! |---|---|
//! | `POST /oauth2/token` | OAuth client credentials (form body) → `{"access_token", "token_type", "expires_in"}` |
//! | `GET /api/transactions?created_after=yyyy-MM-dd[&page=N]` | transactions since the date, 10 a page, `{"value", "nextLink"}`; needs the bearer token |
//! | `GET /crm/records` | the CRM's records, `{"value"}`; needs the `x-api-key` header |
//! | `POST /tracker/batches` | accepts a batch of discrepancies → 201 `{"id", "received"}`; needs the bearer token |
//!
//! The server records every request it receives, and can be told to fail some requests
//! or to answer slowly, for tests.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{Days, Utc};

use crate::value::{from_json_str, Object, Value};

const TRANSACTIONS: &str = include_str!("../../examples/reconciliation/data/transactions.json");
const CRM: &str = include_str!("../../examples/reconciliation/data/crm.json");

/// The demo client id.
pub const CLIENT_ID: &str = "reconciliation-job";
/// The demo client secret (a value of the demo server, not a real credential).
pub const CLIENT_SECRET: &str = "demo-client-secret";
/// The demo CRM API key.
pub const CRM_API_KEY: &str = "demo-crm-key";
const TOKEN: &str = "demo-access-token";
const PAGE_SIZE: usize = 10;
const MAX_RECORDED: usize = 10_000;
const MAX_HANDLERS: usize = 64;

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string (undecoded), without `?`.
    pub query: String,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Received {
    /// A header's value (name matched without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Requests to answer with an error: the first `times` requests whose path starts with
/// `path` get `status` (and `Retry-After: retry_after` when given).
#[derive(Debug, Clone)]
pub struct Fault {
    /// The path prefix.
    pub path: String,
    /// The status to answer with.
    pub status: u16,
    /// How many requests to fail.
    pub times: usize,
    /// A `Retry-After` header in seconds.
    pub retry_after: Option<u64>,
}

/// How the demo server behaves.
#[derive(Debug, Clone, Default)]
pub struct DemoConfig {
    /// Requests to fail.
    pub faults: Vec<Fault>,
    /// How long each `/tracker` request takes (to observe concurrency).
    pub tracker_delay: Duration,
}

struct Shared {
    base: String,
    config: Mutex<DemoConfig>,
    received: Mutex<Vec<Received>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    handlers: AtomicUsize,
    batches: AtomicUsize,
}

/// The running demo server; it stops when dropped.
pub struct DemoServer {
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Starts the server on 127.0.0.1 at a free port.
    pub fn start() -> std::io::Result<DemoServer> {
        DemoServer::start_with(DemoConfig::default())
    }

    /// Starts the server with faults or delays.
    pub fn start_with(config: DemoConfig) -> std::io::Result<DemoServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            base: format!("http://127.0.0.1:{port}"),
            config: Mutex::new(config),
            received: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            handlers: AtomicUsize::new(0),
            batches: AtomicUsize::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            std::thread::Builder::new().name("demo-server".into()).spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                        Err(_) => continue,
                    };
                    if shared.handlers.load(Ordering::SeqCst) >= MAX_HANDLERS {
                        serve(&shared, stream);
                        continue;
                    }
                    shared.handlers.fetch_add(1, Ordering::SeqCst);
                    let worker = Arc::clone(&shared);
                    let spawned = std::thread::Builder::new().spawn(move || {
                        serve(&worker, stream);
                        worker.handlers.fetch_sub(1, Ordering::SeqCst);
                    });
                    if spawned.is_err() {
                        shared.handlers.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            })?
        };
        Ok(DemoServer { shared, stop, thread: Some(thread) })
    }

    /// The base URL, like `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.shared.base
    }

    /// The parameter values that point the reconciliation flow at this server.
    pub fn parameters(&self) -> Object {
        let mut o = Object::new();
        o.insert("apiBaseUrl", Value::from(self.url()));
        o.insert("clientId", Value::from(CLIENT_ID));
        o.insert("clientSecret", Value::from(CLIENT_SECRET));
        o.insert("crmApiKey", Value::from(CRM_API_KEY));
        o
    }

    /// Every request received so far (at most 10,000).
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The most `/tracker` requests that were being handled at the same time.
    pub fn max_tracker_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::Relaxed)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A response: status, extra headers, JSON body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

fn json_response(status: u16, body: &Value) -> Response {
    Response { status, headers: Vec::new(), body: body.clone() }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    let mut e = Object::new();
    e.insert("code", Value::from(code));
    e.insert("message", Value::from(message));
    let mut o = Object::new();
    o.insert("error", Value::Object(e));
    json_response(status, &Value::Object(o))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let decode = |t: &str| {
            percent_encoding::percent_decode_str(&t.replace('+', " ")).decode_utf8_lossy().into_owned()
        };
        (decode(k) == name).then(|| decode(v))
    })
}

/// Reads one HTTP/1.1 request (head, then a body of Content-Length bytes, at most 1 MB).
fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_ascii_uppercase();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        if headers.len() > 200 {
            return None;
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target
        .split_once('?')
        .map(|(p, q)| (p.to_string(), q.to_string()))
        .unwrap_or((target, String::new()));
    Some(Received { method, path, query, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn serve(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Some(received) = read_request(&mut stream) else { return };
    {
        let mut list = shared.received.lock().unwrap_or_else(PoisonError::into_inner);
        if list.len() < MAX_RECORDED {
            list.push(received.clone());
        }
    }
    let response = respond(shared, &received);
    let body = response.body.to_string();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        crate::runtime::record::status_code_name(response.status),
        body.len()
    );
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .and_then(|()| stream.flush());
}

fn respond(shared: &Shared, r: &Received) -> Response {
    let (fault, delay) = {
        let mut config = shared.config.lock().unwrap_or_else(PoisonError::into_inner);
        let delay = config.tracker_delay;
        let fault = config.faults.iter_mut().find(|f| f.times > 0 && r.path.starts_with(&f.path)).map(|f| {
            f.times -= 1;
            (f.status, f.retry_after)
        });
        (fault, delay)
    };
    if let Some((status, retry_after)) = fault {
        let mut resp = error(status, "InjectedFault", "the demo server was told to fail this request");
        if let Some(secs) = retry_after {
            resp.headers.push(("Retry-After".into(), secs.to_string()));
        }
        return resp;
    }
    let bearer_ok = r.header("Authorization") == Some(&format!("Bearer {TOKEN}"));
    match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/oauth2/token") => {
            let ok = query_param(&r.body, "grant_type").as_deref() == Some("client_credentials")
                && query_param(&r.body, "client_id").as_deref() == Some(CLIENT_ID)
                && query_param(&r.body, "client_secret").as_deref() == Some(CLIENT_SECRET);
            if !ok {
                return error(401, "invalid_client", "unknown client or wrong secret");
            }
            let mut o = Object::new();
            o.insert("access_token", Value::from(TOKEN));
            o.insert("token_type", Value::from("Bearer"));
            o.insert("expires_in", Value::Int(3600));
            json_response(200, &Value::Object(o))
        }
        ("GET", "/api/transactions") => {
            if !bearer_ok {
                return error(401, "Unauthorized", "a bearer token is required");
            }
            let Some(after) = query_param(&r.query, "created_after")
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            else {
                return error(400, "BadRequest", "created_after must be a date like 2024-01-15");
            };
            let page =
                query_param(&r.query, "page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
            let today = Utc::now().date_naive();
            let all = from_json_str(TRANSACTIONS).unwrap_or_default();
            let list: Vec<Value> = all
                .member("transactions")
                .and_then(|t| t.as_array().map(<[Value]>::to_vec))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| {
                    let days = u64::try_from(t.member("daysAgo")?.as_i64()?).ok()?;
                    let created = today.checked_sub_days(Days::new(days))?;
                    (created >= after).then(|| {
                        let mut o = t.as_object().cloned().unwrap_or_default();
                        o.remove("daysAgo");
                        o.insert("created", Value::from(created.format("%Y-%m-%d").to_string()));
                        Value::Object(o)
                    })
                })
                .collect();
            let start = (page - 1) * PAGE_SIZE;
            let chunk: Vec<Value> = list.iter().skip(start).take(PAGE_SIZE).cloned().collect();
            let mut o = Object::new();
            o.insert("value", Value::array(chunk));
            if start + PAGE_SIZE < list.len() {
                let after = after.format("%Y-%m-%d");
                o.insert(
                    "nextLink",
                    Value::from(format!(
                        "{}/api/transactions?created_after={after}&page={}",
                        shared.base,
                        page + 1
                    )),
                );
            }
            json_response(200, &Value::Object(o))
        }
        ("GET", "/crm/records") => {
            if r.header("x-api-key") != Some(CRM_API_KEY) {
                return error(401, "Unauthorized", "the x-api-key header is missing or wrong");
            }
            let all = from_json_str(CRM).unwrap_or_default();
            let mut o = Object::new();
            o.insert("value", all.member("records").unwrap_or_default());
            json_response(200, &Value::Object(o))
        }
        ("POST", p) if p.starts_with("/tracker/") => {
            let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
            if !bearer_ok {
                return error(401, "Unauthorized", "a bearer token is required");
            }
            let body = from_json_str(&r.body).unwrap_or_default();
            let n = shared.batches.fetch_add(1, Ordering::Relaxed) + 1;
            let mut o = Object::new();
            o.insert("id", Value::from(format!("batch-{n}")));
            o.insert(
                "received",
                Value::from(body.member("items").and_then(|i| i.as_array().map(<[Value]>::len)).unwrap_or(0)),
            );
            json_response(201, &Value::Object(o))
        }
        _ => error(404, "NotFound", "no such endpoint on the demo server"),
    }
}
