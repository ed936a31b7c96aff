//! `flowexpr http`: the real binary against servers on 127.0.0.1.

#![cfg(feature = "cli")]

use crate::http_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flowexpr::value::from_json_str;
use flowexpr::Value;
use http_support::{Reply, TestServer};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("flowexpr-http-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Dir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn flowexpr(args: &[&str]) -> Output {
    let out =
        Command::new(env!("CARGO_BIN_EXE_flowexpr")).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn parsed(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let server = TestServer::start(|_, _| Reply::new(200));
    let dir = Dir::new("dry");
    let action = dir.file(
        "Get_invoices.json",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/invoices",
                "headers": {{"x-api-key": "@parameters('apiKey')", "Content-Type": "application/json"}},
                "queries": {{"offset": "@{{mul(variables('pageNumber'), 50)}}"}}}}}}"#,
            server.url("")
        ),
    );
    let context = dir.file(
        "ctx.json",
        r#"{"parameters": {"apiKey": "very-secret-key"}, "parameterTypes": {"apiKey": "securestring"}, "variables": {"pageNumber": 4}}"#,
    );
    let out = flowexpr(&["http", path(&action), "--context", path(&context), "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = parsed(&out.stdout);
    assert_eq!(shown.member("method"), Some(Value::from("GET")));
    assert_eq!(shown.member("url"), Some(Value::from(server.url("/invoices?offset=200"))));
    assert_eq!(shown.member("headers").and_then(|h| h.member("x-api-key")), Some(Value::from("[redacted]")));
    assert_eq!(shown.member("droppedHeaders"), Some(parsed(r#"["Content-Type"]"#)));
    assert!(!out.stdout.contains("very-secret-key"));
    assert!(server.received().is_empty());
}

#[test]
fn exit_codes_and_records() {
    let server = TestServer::start(|r, _| match r.path() {
        "/ok" => Reply::json(200, r#"{"fine": true}"#),
        "/slow" => Reply::new(200).delay(Duration::from_secs(3)),
        _ => Reply::json(404, r#"{"error": "nope"}"#),
    });
    let dir = Dir::new("codes");
    let ok = dir.file("Ok.json", &format!(r#"{{"method": "GET", "uri": "{}/ok"}}"#, server.url("")));
    let out = flowexpr(&["http", path(&ok)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record = parsed(&out.stdout);
    assert_eq!(record.member("name"), Some(Value::from("Ok")));
    assert_eq!(record.member("status"), Some(Value::from("Succeeded")));
    assert_eq!(record.member("outputs").and_then(|o| o.member("body")), Some(parsed(r#"{"fine": true}"#)));
    assert_eq!(record.member("attempts").and_then(|a| a.as_array().map(<[Value]>::len)), Some(1));

    let missing =
        dir.file("Missing.json", &format!(r#"{{"method": "GET", "uri": "{}/missing"}}"#, server.url("")));
    let out = flowexpr(&["http", path(&missing)]);
    assert_eq!(out.code, 1);
    let record = parsed(&out.stdout);
    assert_eq!(record.member("code"), Some(Value::from("NotFound")));
    assert!(out.stderr.contains("Missing: Failed: NotFound"), "{}", out.stderr);

    let slow = dir.file(
        "Slow.json",
        &format!(r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/slow"}}, "limit": {{"timeout": "PT0.3S"}}}}"#, server.url("")),
    );
    let out = flowexpr(&["http", path(&slow)]);
    assert_eq!(out.code, 1);
    assert_eq!(parsed(&out.stdout).member("status"), Some(Value::from("TimedOut")));

    let invalid = dir.file(
        "Invalid.json",
        r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x", "retryPolicy": {"type": "fixed", "count": 100, "interval": "PT5S"}}}"#,
    );
    let out = flowexpr(&["http", path(&invalid)]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("between 1 and 90") && out.stderr.contains("/inputs/retryPolicy/count"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    let out = flowexpr(&["http", path(&ok), "--time-scale", "-1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = flowexpr(&["http", path(&dir.0.join("absent.json"))]);
    assert_eq!(out.code, 2);
}

#[test]
fn retries_run_fast_with_a_time_scale() {
    let server = TestServer::start(|_, i| {
        if i < 2 {
            Reply::new(503).header("Retry-After", "30")
        } else {
            Reply::text(200, "up")
        }
    });
    let dir = Dir::new("scale");
    let a = dir.file("Retry.json", &format!(r#"{{"method": "GET", "uri": "{}/"}}"#, server.url("")));
    let started = std::time::Instant::now();
    let out = flowexpr(&["http", path(&a), "--time-scale", "0.001", "--verbose"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record = parsed(&out.stdout);
    let waits: Vec<Value> = record
        .member("attempts")
        .and_then(|a| a.as_array().map(|a| a.iter().filter_map(|x| x.member("waitBeforeNext")).collect()))
        .unwrap_or_default();
    assert_eq!(waits, [Value::from("PT30S"), Value::from("PT30S")]);
    assert!(out.stderr.contains("waiting PT30S (Retry-After)"), "{}", out.stderr);
}

#[test]
fn a_token_action_feeds_the_next_and_its_secrets_stay_hidden() {
    let server = TestServer::start(|r, _| match r.path() {
        "/token" => Reply::json(
            200,
            r#"{"access_token": "tkn-abcdef-123", "token_type": "Bearer", "expires_in": 3599}"#,
        ),
        _ if r.header("authorization") == Some("Bearer tkn-abcdef-123") => Reply::json(200, r#"{"me": 1}"#),
        _ => Reply::new(401),
    });
    let dir = Dir::new("chain");
    let token = dir.file(
        "HTTP_Get_Token.json",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/token", "headers": {{"Content-Type": "application/x-www-form-urlencoded"}},
                "body": "grant_type=client_credentials&client_secret=@{{parameters('secret')}}"}},
                "runtimeConfiguration": {{"secureData": {{"properties": ["outputs"]}}}}}}"#,
            server.url("")
        ),
    );
    let call = dir.file(
        "call.json",
        &format!(
            r#"{{"HTTP_Call": {{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/me?t=@{{body('HTTP_Get_Token')?['access_token']}}",
                "headers": {{"Authorization": "Bearer @{{body('HTTP_Get_Token')?['access_token']}}"}}}}}}}}"#,
            server.url("")
        ),
    );
    let context = dir.file(
        "ctx.json",
        r#"{"parameters": {"secret": "client-secret-1"}, "parameterTypes": {"secret": "securestring"}}"#,
    );
    let out = flowexpr(&["http", path(&token), path(&call), "--context", path(&context)]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let records = parsed(&out.stdout);
    assert_eq!(records.member("HTTP_Call").and_then(|r| r.member("status")), Some(Value::from("Succeeded")));
    assert!(!out.stdout.contains("tkn-abcdef-123"), "{}", out.stdout);
    assert!(!out.stdout.contains("client-secret-1"), "{}", out.stdout);
    assert_eq!(server.received()[1].query(), "t=tkn-abcdef-123");
}
