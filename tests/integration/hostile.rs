//! Hostile servers on 127.0.0.1: each case runs `flowexpr http` (the real binary) against a
//! server that misbehaves on purpose, under `--time-scale`, and checks that the action ends
//! with a clear error within its scaled deadline and with bounded memory. The deadline of a
//! request (120 s) and every wait scale with `--time-scale`, so no case waits for real.
//!
//! Run with `--nocapture` to see each case's time and peak memory (the README's table).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every wait and deadline × 0.001: the 120 s request deadline is 120 ms.
const TIME_SCALE: &str = "0.001";

/// No case may take longer than this, however the server behaves (a handful of scaled
/// deadlines and waits, and the binary's start-up).
const CASE_BUDGET: Duration = Duration::from_secs(20);

/// No case may make the process hold more than this (the 100 MB body limit plus slack).
const RSS_BUDGET_KB: u64 = 400 * 1024;

/// A server that hands each connection, after reading the request head, to `behave`.
struct Hostile {
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hostile {
    /// A server that answers each request head with `behave`.
    fn start(behave: fn(TcpStream, &str, u16)) -> Hostile {
        Hostile::listen(Handler::Request(behave))
    }

    /// A server that writes `greet` to each connection as soon as it is made.
    fn start_raw(greet: fn(TcpStream)) -> Hostile {
        Hostile::listen(Handler::Connection(greet))
    }

    fn listen(handler: Handler) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (s, r) = (Arc::clone(&stop), Arc::clone(&requests));
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (s, r) = (Arc::clone(&s), Arc::clone(&r));
                match handler {
                    Handler::Request(behave) => {
                        std::thread::spawn(move || serve(stream, behave, port, &s, &r))
                    }
                    Handler::Connection(greet) => std::thread::spawn(move || greet(stream)),
                };
            }
        });
        Hostile { port, stop, requests, thread: Some(thread) }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

#[derive(Clone, Copy)]
enum Handler {
    Request(fn(TcpStream, &str, u16)),
    Connection(fn(TcpStream)),
}

/// Reads request heads from one connection (keep-alive) and lets `behave` answer each.
fn serve(stream: TcpStream, behave: fn(TcpStream, &str, u16), port: u16, stop: &AtomicBool, n: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(clone) = stream.try_clone() else { return };
    let mut reader = BufReader::new(clone);
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push_str(&line);
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
        n.fetch_add(1, Ordering::Relaxed);
        let Ok(s) = stream.try_clone() else { return };
        behave(s, &head, port);
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kb: u64,
}

/// Runs `flowexpr http ACTION --time-scale 0.001` and watches its peak memory (VmHWM of
/// the child, read until it exits).
fn run_action(name: &str, action: &str) -> Ran {
    run_action_scaled(name, action, TIME_SCALE)
}

fn run_action_scaled(name: &str, action: &str, scale: &str) -> Ran {
    let dir = std::env::temp_dir().join(format!("flowexpr-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path: PathBuf = dir.join(format!("{name}.json"));
    std::fs::write(&path, action).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(["http", &path.to_string_lossy(), "--time-scale", scale])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let status_file = format!("/proc/{}/status", child.id());
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    let readers = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        if let Some(s) = out.as_mut() {
            let _ = s.read_to_string(&mut o);
        }
        if let Some(s) = err.as_mut() {
            let _ = s.read_to_string(&mut e);
        }
        (o, e)
    });
    let mut peak = 0u64;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => break status.code().unwrap_or(-1),
            Ok(None) if started.elapsed() > CASE_BUDGET * 3 => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{name}: still running after {:?}", started.elapsed());
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let elapsed = started.elapsed();
    let (stdout, stderr) = readers.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("hostile | {name} | {} ms | {} MB peak RSS | exit {code}", elapsed.as_millis(), peak / 1024);
    Ran { code, stdout, stderr, elapsed, peak_rss_kb: peak }
}

fn get(url: &str, extra: &str) -> String {
    format!(
        r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{url}", "retryPolicy": {{"type": "none"}}}}{extra}}}"#
    )
}

fn assert_bounded(name: &str, ran: &Ran, fragment: &str) {
    assert_eq!(ran.code, 1, "{name}: {}\n{}", ran.stdout, ran.stderr);
    assert!(ran.elapsed < CASE_BUDGET, "{name} took {:?}", ran.elapsed);
    assert!(ran.peak_rss_kb < RSS_BUDGET_KB, "{name} held {} kB", ran.peak_rss_kb);
    let all = format!("{}{}", ran.stdout, ran.stderr);
    assert!(all.contains(fragment), "{name}: expected {fragment:?} in\n{all}");
}

fn head_then(mut s: TcpStream, head: &str, body_bytes: &[u8]) {
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body_bytes);
    let _ = s.flush();
}

#[test]
fn slowloris_headers_hit_the_request_deadline() {
    let server = Hostile::start(|mut s, _, _| {
        // One byte of the status line every 50 ms: never a whole response in 120 ms.
        for b in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let ran = run_action("slowloris", &get(&server.url("/slow"), ""));
    assert_bounded("slowloris", &ran, "GatewayTimeout");
}

#[test]
fn a_body_sent_a_byte_at_a_time_hits_the_same_deadline() {
    let server = Hostile::start(|mut s, _, _| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n");
        for _ in 0..1000 {
            if s.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let ran = run_action("slow body", &get(&server.url("/drip"), ""));
    assert_bounded("slow body", &ran, "GatewayTimeout");
}

#[test]
fn an_endless_body_stops_at_the_size_limit_or_the_deadline() {
    let server = Hostile::start(|mut s, _, _| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
        let chunk = vec![b'a'; 64 * 1024];
        while s.write_all(&chunk).is_ok() {}
    });
    let ran = run_action("endless body", &get(&server.url("/endless"), ""));
    assert_bounded("endless body", &ran, "Failed");
}

#[test]
fn a_gzip_bomb_stops_at_the_size_limit() {
    use flate2::write::GzEncoder;
    // 300 MB of zeros in about 300 kB.
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        let _ = gz.write_all(&zeros);
    }
    let bomb = gz.finish().unwrap_or_default();
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let _ = BOMB.set(bomb);
    let server = Hostile::start(|s, _, _| {
        let bomb = BOMB.get().map(Vec::as_slice).unwrap_or_default();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            bomb.len()
        );
        head_then(s, &head, bomb);
    });
    let action = get(&server.url("/bomb"), "")
        .replace(r#""retryPolicy""#, r#""headers": {"Accept-Encoding": "gzip"}, "retryPolicy""#);
    // A long deadline (× 0.1: 12 s), so the size limit is what stops it.
    let ran = run_action_scaled("gzip bomb", &action, "0.1");
    assert_bounded("gzip bomb", &ran, "larger than 104857600 bytes");
}

#[test]
fn a_two_gigabyte_content_length_is_refused_before_reading() {
    let server = Hostile::start(|s, _, _| {
        head_then(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2147483648\r\n\r\n",
            b"abc",
        );
    });
    let ran = run_action("2 GB Content-Length", &get(&server.url("/huge"), ""));
    assert_bounded("2 GB Content-Length", &ran, "announces a body of 2147483648 bytes");
}

#[test]
fn huge_headers_are_refused() {
    let server = Hostile::start(|mut s, _, _| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        let line = format!("X-Filler: {}\r\n", "h".repeat(8 * 1024));
        for _ in 0..256 {
            if s.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
        let _ = s.write_all(b"Content-Length: 0\r\n\r\n");
    });
    let ran = run_action("huge headers", &get(&server.url("/headers"), ""));
    assert_bounded("huge headers", &ran, "BadGateway");
}

#[test]
fn a_202_whose_location_is_itself_ends_at_the_poll_limit() {
    let server = Hostile::start(|s, head, port| {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let reply = format!(
            "HTTP/1.1 202 Accepted\r\nLocation: http://127.0.0.1:{port}{path}\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
        );
        head_then(s, &reply, b"");
    });
    let ran = run_action("self-referencing 202", &get(&server.url("/job"), ""));
    assert_bounded("self-referencing 202", &ran, "PollingLimitExceeded");
    assert!(server.requests.load(Ordering::Relaxed) <= 10_001 + 1);
}

#[test]
fn a_202_loop_with_a_timeout_ends_at_the_timeout() {
    let server = Hostile::start(|s, _, port| {
        let reply = format!(
            "HTTP/1.1 202 Accepted\r\nLocation: http://127.0.0.1:{port}/job\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n"
        );
        head_then(s, &reply, b"");
    });
    let ran =
        run_action("202 with limit.timeout", &get(&server.url("/job"), r#", "limit": {"timeout": "PT10M"}"#));
    assert_bounded("202 with limit.timeout", &ran, "ActionTimedOut");
}

#[test]
fn a_next_link_loop_ends_at_the_page_limit() {
    let server = Hostile::start(|s, _, port| {
        let body = format!(r#"{{"value": [1], "nextLink": "http://127.0.0.1:{port}/page"}}"#);
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        head_then(s, &reply, b"");
    });
    let action = format!(
        r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}"}}, "runtimeConfiguration": {{"paginationPolicy": {{"minimumItemCount": 100000}}}}}}"#,
        server.url("/page")
    );
    let ran = run_action("nextLink loop", &action);
    assert_bounded("nextLink loop", &ran, "PaginationLimitExceeded");
}

#[test]
fn absurd_retry_after_values_are_capped() {
    for (label, value, longest) in [
        ("Retry-After 999999999", "999999999", "PT45S"),
        ("Retry-After 1e300", "1e300", "PT45S"),
        ("Retry-After year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", "PT45S"),
    ] {
        static VALUE: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
        *VALUE.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = value.to_string();
        let server = Hostile::start(|s, _, _| {
            let v = VALUE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            head_then(
                s,
                &format!("HTTP/1.1 429 Too Many Requests\r\nRetry-After: {v}\r\nContent-Length: 0\r\n\r\n"),
                b"",
            );
        });
        // The default policy: 4 retries, waits of at most 45 s each (× 0.001).
        let action =
            format!(r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}"}}}}"#, server.url("/busy"));
        let ran = run_action(label, &action);
        assert_bounded(label, &ran, "TooManyRequests");
        assert!(ran.stdout.contains(&format!(r#""waitBeforeNext": "{longest}""#)), "{label}: {}", ran.stdout);
    }
}

#[test]
fn a_body_cut_off_midway_is_a_connection_failure() {
    let server = Hostile::start(|s, _, _| {
        let closing = s.try_clone();
        head_then(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n",
            b"only ten..",
        );
        if let Ok(c) = closing {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    });
    let ran = run_action("mid-body close", &get(&server.url("/cut"), ""));
    assert_bounded("mid-body close", &ran, "BadGateway");
}

#[test]
fn tls_to_a_plain_port_fails_at_once() {
    let server = Hostile::start_raw(|s| {
        head_then(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", b"");
    });
    let url = server.url("/").replace("http://", "https://");
    let ran = run_action("TLS to a plain port", &get(&url, ""));
    assert_bounded("TLS to a plain port", &ran, "BadGateway");
}
