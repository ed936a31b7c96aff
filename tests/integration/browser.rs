//! A small client of the Chrome DevTools Protocol, enough to test pages in a real headless
//! Chromium: open a file, evaluate script, click and press keys as a user does (input events,
//! not DOM calls), take screenshots, and see every network request and uncaught exception.
//!
//! Chromium is started with `--remote-debugging-port=0` and a new empty profile; it writes
//! the port it chose to `DevToolsActivePort` in the profile, and the client talks to it over
//! one websocket on 127.0.0.1. Every wait is bounded.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long one protocol call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The flags that work in this environment (containers without a sandbox or a GPU), with a
/// fixed window so screenshots and layouts are the same on every run.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1400,1000",
    "--remote-debugging-port=0",
];

/// Finds Chromium: `FLOWEXPR_CHROMIUM`, else `chromium`, `chromium-browser` or
/// `google-chrome` on PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLOWEXPR_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The Chromium process, ended when dropped (also when a test panics while connecting).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running headless Chromium with one page attached.
pub struct Browser {
    socket: WebSocket<TcpStream>,
    // Fields drop in this order: the socket, then the process (which waits for the browser
    // to close, or ends it), then the profile folder, once nothing writes to it.
    _child: Process,
    _profile: Profile,
    session: String,
    next_id: u64,
    /// Every event seen, in order (`method`, `params`).
    pub events: Vec<(String, Value)>,
}

impl Browser {
    /// Starts Chromium, or says why not (`None` with a printed message when it is absent).
    pub fn launch(name: &str) -> Option<Browser> {
        let Some(chromium) = find_chromium() else {
            // CI sets this where it installed Chromium: there the tests must run.
            let required = std::env::var("FLOWEXPR_REQUIRE_CHROMIUM").is_ok_and(|v| !v.is_empty());
            assert!(!required, "FLOWEXPR_REQUIRE_CHROMIUM is set but Chromium was not found");
            eprintln!(
                "skipped: Chromium was not found (set FLOWEXPR_CHROMIUM or install Debian's `chromium`; .ci/run does)"
            );
            return None;
        };
        let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("chromium-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
        let child = Command::new(&chromium)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
        let mut browser = Browser::connect(Process(child), profile);
        browser.call("Page.enable", json!({}));
        browser.call("Runtime.enable", json!({}));
        browser.call("Network.enable", json!({}));
        Some(browser)
    }

    fn connect(mut child: Process, profile: PathBuf) -> Browser {
        let file = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let (port, path) = loop {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                break (port.to_string(), path.to_string());
            }
            if let Ok(Some(status)) = child.0.try_wait() {
                panic!("Chromium exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "Chromium did not open its debugging port in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        };
        let address = format!("127.0.0.1:{port}");
        let stream = TcpStream::connect(&address).unwrap_or_else(|e| panic!("{address}: {e}"));
        stream.set_read_timeout(Some(CALL_TIMEOUT)).unwrap_or_else(|e| panic!("{e}"));
        let url = format!("ws://{address}{path}");
        let (socket, _) = tungstenite::client(url.as_str(), stream).unwrap_or_else(|e| panic!("{url}: {e}"));
        // From here on reads return every 200 ms, so waits can keep their own deadlines.
        socket.get_ref().set_read_timeout(Some(Duration::from_millis(200))).unwrap_or_else(|e| panic!("{e}"));
        let mut browser = Browser {
            _child: child,
            socket,
            _profile: Profile(profile),
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
        };
        let target = browser.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached =
            browser.call_browser("Target.attachToTarget", json!({"targetId": target_id, "flatten": true}));
        browser.session = attached["sessionId"].as_str().unwrap_or_default().to_string();
        assert!(!browser.session.is_empty(), "no page session: {attached}");
        browser
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if session {
            message["sessionId"] = Value::from(self.session.clone());
        }
        self.socket.send(Message::text(message.to_string())).unwrap_or_else(|e| panic!("{method}: {e}"));
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            assert!(Instant::now() < deadline, "{method}: no answer in {CALL_TIMEOUT:?}");
            let Some(reply) = self.read() else { continue };
            if reply["id"].as_u64() == Some(id) {
                if let Some(error) = reply.get("error") {
                    panic!("{method}: {error}");
                }
                return reply["result"].clone();
            }
        }
    }

    /// Reads one message, keeping events; `None` when none came within the read timeout.
    fn read(&mut self) -> Option<Value> {
        match self.socket.read() {
            Ok(Message::Text(text)) => {
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
                if let Some(method) = v["method"].as_str() {
                    self.events.push((method.to_string(), v["params"].clone()));
                }
                Some(v)
            }
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                None
            }
            Err(e) => panic!("the DevTools connection failed: {e}"),
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, false)
    }

    /// Calls a method on the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, true)
    }

    /// Opens a file and waits for its load event.
    pub fn open(&mut self, file: &Path) {
        let absolute = std::fs::canonicalize(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let seen = self.events.len();
        self.call("Page.navigate", json!({"url": format!("file://{}", absolute.display())}));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.events[seen..].iter().any(|(m, _)| m == "Page.loadEventFired") {
            assert!(Instant::now() < deadline, "{} did not load in 20 s", file.display());
            self.read();
        }
    }

    /// Evaluates an expression in the page and returns its value (as JSON).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits (at most 10 s) until an expression is true in the page: for what follows an
    /// event the page handles in a later task (a hash change).
    pub fn wait_for(&mut self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.eval(expression) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "still not true after 10 s: {expression}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text of the first element matching a CSS selector (`None` when there is none).
    pub fn text(&mut self, selector: &str) -> Option<String> {
        let v = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.textContent : null; }})()",
            Value::from(selector)
        ));
        v.as_str().map(str::to_string)
    }

    /// Clicks the middle of the first element matching a selector, with the mouse.
    pub fn click(&mut self, selector: &str) {
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return null; e.scrollIntoView({{block: 'center', inline: 'center'}});
               const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            Value::from(selector)
        ));
        let (Some(x), Some(y)) = (at[0].as_f64(), at[1].as_f64()) else {
            panic!("nothing to click at {selector}")
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Presses and releases a key as the keyboard does (`Enter`, `Escape`, `ArrowDown`,
    /// `Tab`, `]`, ...).
    pub fn key(&mut self, key: &str) {
        let (code, keycode, text) = match key {
            "Enter" => ("Enter", 13, Some("\r")),
            "Escape" => ("Escape", 27, None),
            "Tab" => ("Tab", 9, None),
            "ArrowDown" => ("ArrowDown", 40, None),
            "ArrowUp" => ("ArrowUp", 38, None),
            "ArrowLeft" => ("ArrowLeft", 37, None),
            "ArrowRight" => ("ArrowRight", 39, None),
            "]" => ("BracketRight", 221, Some("]")),
            "[" => ("BracketLeft", 219, Some("[")),
            other => panic!("no key code for {other}"),
        };
        let mut down = json!({"type": if text.is_some() { "keyDown" } else { "rawKeyDown" }, "key": key, "code": code,
            "windowsVirtualKeyCode": keycode, "nativeVirtualKeyCode": keycode});
        if let Some(t) = text {
            down["text"] = Value::from(t);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": keycode, "nativeVirtualKeyCode": keycode}),
        );
    }

    /// Writes a PNG of the whole page (at most 4,000 px tall).
    pub fn screenshot(&mut self, file: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let width = metrics["cssContentSize"]["width"].as_f64().unwrap_or(1400.0).max(1.0);
        let height = metrics["cssContentSize"]["height"].as_f64().unwrap_or(1000.0).clamp(1.0, 4000.0);
        self.capture(file, json!({"x": 0, "y": 0, "width": width, "height": height, "scale": 1}), true);
    }

    /// Writes a PNG of what the window shows, scaled by `scale`.
    pub fn screenshot_window(&mut self, file: &Path, scale: f64) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let view = &metrics["cssVisualViewport"];
        let clip = json!({"x": view["pageX"], "y": view["pageY"], "width": view["clientWidth"], "height": view["clientHeight"], "scale": scale});
        self.capture(file, clip, false);
    }

    fn capture(&mut self, file: &Path, clip: Value, beyond: bool) {
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": beyond, "clip": clip}),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("screenshot: {e}"));
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(file, bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }

    /// The URLs of the requests the page made, other than for its own file.
    pub fn requests_elsewhere(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|(m, _)| m == "Network.requestWillBeSent")
            .filter_map(|(_, p)| p["request"]["url"].as_str().map(str::to_string))
            .filter(|u| !u.starts_with("file://") && !u.starts_with("about:"))
            .collect()
    }

    /// The uncaught exceptions and console errors of the page.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|(m, p)| match m.as_str() {
                "Runtime.exceptionThrown" => Some(p["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled" if p["type"] == "error" => Some(p["args"].to_string()),
                _ => None,
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ask the browser to close; `Process` then waits for it (or ends it) and the
        // profile goes after this body, when the fields drop.
        let _ = self.socket.send(Message::text(json!({"id": 0, "method": "Browser.close"}).to_string()));
        let _ = self.socket.flush();
    }
}

/// The profile folder, removed when the browser is gone.
struct Profile(PathBuf);

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
