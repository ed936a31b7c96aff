//! The Http action against real HTTP servers on 127.0.0.1, started by each test: what the
//! server received, and what the record says.

#![cfg(feature = "http")]

use crate::http_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flowexpr::runtime::record::{AttemptKind, AttemptOutcome, WaitReason};
use flowexpr::runtime::redact::{REDACTED, SECURED};
use flowexpr::runtime::transport::TransportConfig;
use flowexpr::runtime::{
    ActionRecord, ActionStatus, HttpAction, HttpRuntime, Redactor, RetryPolicy, UreqTransport,
};
use flowexpr::value::from_json_str;
use flowexpr::{RunContext, Value};
use http_support::{certs, Reply, TestServer};

/// A runtime whose waits take no time (time scale 0) and whose random intervals repeat.
fn runtime() -> HttpRuntime {
    HttpRuntime::new().with_time_scale(0.0).unwrap_or_default().with_seed(42)
}

fn action(name: &str, json: &str) -> HttpAction {
    HttpAction::from_json_str(name, json).unwrap_or_else(|e| panic!("{e:#}"))
}

fn ctx(json: &str) -> RunContext {
    RunContext::from_json_str(json).unwrap_or_else(|e| panic!("{e}"))
}

fn json(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn statuses(record: &ActionRecord) -> Vec<u16> {
    record
        .attempts
        .iter()
        .map(|a| match a.outcome {
            AttemptOutcome::Status(s) => s,
            AttemptOutcome::Error(_) => 0,
        })
        .collect()
}

fn body_text(record: &ActionRecord) -> String {
    record.body().map(|b| b.to_string()).unwrap_or_default()
}

#[test]
fn templated_get_with_api_key_and_offset() {
    let server = TestServer::start(|_, _| Reply::json(200, r#"{"value": [{"id": "INV-1"}], "total": 1}"#));
    let a = action(
        "Get_invoices",
        &format!(
            r#"{{"type": "Http", "inputs": {{
                "method": "GET",
                "uri": "{}/vendors/@{{parameters('vendorId')}}/invoices",
                "headers": {{"x-api-key": "@parameters('apiKey')", "Accept": "application/json",
                            "Accept-Language": "fr", "Content-Type": "application/json", "Host": "evil",
                            "Cookie": "dropped=1"}},
                "queries": {{"offset": "@{{mul(variables('pageNumber'), 50)}}", "limit": 50,
                            "status": "open & unpaid", "from": "2024/01"}},
                "cookie": "session=abc"
            }}}}"#,
            server.url("")
        ),
    );
    let c = ctx(r#"{"parameters": {"vendorId": "V 42", "apiKey": "k-123"}, "variables": {"pageNumber": 3}}"#);
    let record = runtime().execute(&a, &c);
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    assert_eq!(record.code, "OK");

    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path(), "/vendors/V%2042/invoices");
    assert_eq!(r.query(), "offset=150&limit=50&status=open%20%26%20unpaid&from=2024%2F01");
    assert_eq!(r.header("x-api-key"), Some("k-123"));
    assert_eq!(r.header("accept"), Some("application/json"));
    // Dropped: Accept-*, Content-* on GET, Host (ours is the real one), Cookie (the input wins).
    assert_eq!(r.header("accept-language"), None);
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("host").map(|h| h.starts_with("127.0.0.1:")), Some(true));
    assert_eq!(r.header("cookie"), Some("session=abc"));
    assert_eq!(r.header("x-ms-workflow-operation-name"), Some("Get_invoices"));
    assert!(r.header("user-agent").is_some_and(|u| u.starts_with("azure-logic-apps/1.0")));
    assert!(r.body.is_empty());

    // The record: outputs parsed, inputs as rendered.
    let v = record.to_value();
    assert_eq!(v.member("status"), Some(Value::from("Succeeded")));
    assert_eq!(v.member("outputs").and_then(|o| o.member("statusCode")), Some(Value::Int(200)));
    assert_eq!(
        v.member("outputs").and_then(|o| o.member("headers")).and_then(|h| h.member("Content-Type")),
        Some(Value::from("application/json; charset=utf-8"))
    );
    assert_eq!(body_text(&record), r#"{"value":[{"id":"INV-1"}],"total":1}"#);
    let inputs = v.member("inputs").unwrap_or_default();
    assert_eq!(inputs.member("queries").and_then(|q| q.member("offset")), Some(Value::from("150")));
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(record.attempts[0].kind, AttemptKind::Request);

    // body() of a later expression reads the outputs.
    let mut later = RunContext::new();
    later.actions.insert("Get_invoices", record.to_context_value());
    let first = flowexpr::Engine::new().eval("body('Get_invoices')?['value'][0]['id']", &later).ok();
    assert_eq!(first, Some(Value::from("INV-1")));
}

#[test]
fn connections_are_reused_across_actions() {
    let server = TestServer::start(|_, _| Reply::json(200, "{}"));
    let rt = runtime();
    for i in 0..5 {
        let a = action(&format!("A{i}"), &format!(r#"{{"method": "GET", "uri": "{}/{i}"}}"#, server.url("")));
        assert!(rt.execute(&a, &RunContext::new()).succeeded());
    }
    assert_eq!(server.received().len(), 5);
    assert_eq!(server.connections(), 1);
}

#[test]
fn approval_post_sends_json_with_guid_and_trigger_body() {
    let server = TestServer::start(|r, _| Reply::json(201, &format!(r#"{{"received": {}}}"#, r.body_text())));
    let a = action(
        "Post_approval",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/approvals",
                "headers": {{"Content-Length": "999", "X-Correlation": "@{{triggerBody()?['requestId']}}"}},
                "body": {{"id": "@{{guid()}}", "request": "@triggerBody()", "amount": "@mul(triggerBody()?['amount'], 2)",
                         "approved": false}}}}}}"#,
            server.url("")
        ),
    );
    let c = ctx(r#"{"trigger": {"outputs": {"body": {"requestId": "R-7", "amount": 12.5, "by": "Ann"}}}}"#);
    let record = runtime().execute(&a, &c);
    assert_eq!(
        (record.status, record.code.as_str()),
        (ActionStatus::Succeeded, "Created"),
        "{}",
        record.to_value()
    );
    let got = server.received();
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.header("x-correlation"), Some("R-7"));
    assert_eq!(r.header("content-length").map(|l| l.parse::<usize>().ok()), Some(Some(r.body.len())));
    let sent = json(&r.body_text());
    let id = sent.member("id").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4);
    assert_eq!(sent.member("request"), Some(json(r#"{"requestId": "R-7", "amount": 12.5, "by": "Ann"}"#)));
    assert_eq!(sent.member("amount"), Some(Value::Float(25.0)));
    assert_eq!(sent.member("approved"), Some(Value::Bool(false)));
    assert_eq!(record.body().and_then(|b| b.member("received")), Some(sent));
}

#[test]
fn form_bodies_both_ways() {
    let server = TestServer::start(|_, _| {
        Reply::new(200).header("Content-Type", "application/x-www-form-urlencoded").body(b"a=1&b=two+words")
    });
    let a = action(
        "Form",
        &format!(
            r#"{{"method": "POST", "uri": "{}/token",
                "headers": {{"Content-Type": "application/x-www-form-urlencoded"}},
                "body": "grant_type=client_credentials&scope=@{{encodeUriComponent('api://x/.default')}}"}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(server.received().len(), 1);
    check_form(&server, &record);
    // The service's form envelope gives the same request.
    let a = action(
        "Form_envelope",
        &format!(
            r#"{{"method": "POST", "uri": "{}/token",
                "body": {{"$content-type": "application/x-www-form-urlencoded",
                          "$formdata": [{{"key": "grant_type", "value": "client_credentials"}},
                                        {{"key": "scope", "value": "api://x/.default"}}]}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(server.received().len(), 2);
    check_form(&server, &record);
}

fn check_form(server: &TestServer, record: &ActionRecord) {
    let got = server.received();
    let r = got.last().unwrap_or_else(|| panic!("nothing received"));
    assert_eq!(r.body_text(), "grant_type=client_credentials&scope=api%3A%2F%2Fx%2F.default");
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(record.status, ActionStatus::Succeeded);
    // A form answer is kept as the $content envelope.
    assert_eq!(
        body_text(record),
        r#"{"$content-type":"application/x-www-form-urlencoded","$content":"YT0xJmI9dHdvK3dvcmRz"}"#
    );
}

#[test]
fn binary_bodies_both_ways() {
    let png: &[u8] = &[0x89, b'P', b'N', b'G', 0, 1, 2, 255];
    let server =
        TestServer::start(move |r, _| Reply::new(200).header("Content-Type", "image/png").body(&r.body));
    let a = action(
        "Upload",
        &format!(
            r#"{{"method": "PUT", "uri": "{}/files/logo.png", "body": "@triggerBody()"}}"#,
            server.url("")
        ),
    );
    // The trigger body is binary content, as the service passes it: the $content envelope.
    let c = ctx(
        r#"{"trigger": {"outputs": {"body": {"$content-type": "image/png", "$content": "iVBORwABAv8="}}}}"#,
    );
    let record = runtime().execute(&a, &c);
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    let got = server.received();
    assert_eq!(got[0].body, png);
    assert_eq!(got[0].header("content-type"), Some("image/png"));
    let body = record.body().cloned().unwrap_or_default();
    assert_eq!(body.as_binary().map(|b| b.bytes().to_vec()), Some(png.to_vec()));
    assert_eq!(body.to_string(), r#"{"$content-type":"image/png","$content":"iVBORwABAv8="}"#);
    // An explicit Content-Type wins over the binary's own.
    let a = action(
        "Upload2",
        &format!(
            r#"{{"method": "POST", "uri": "{}/x", "headers": {{"Content-Type": "application/octet-stream"}}, "body": "@triggerBody()"}}"#,
            server.url("")
        ),
    );
    let _ = runtime().execute(&a, &c);
    assert_eq!(server.received()[1].header("content-type"), Some("application/octet-stream"));
}

#[test]
fn multipart_envelope_is_sent_as_multipart() {
    let server =
        TestServer::start(|_, _| Reply::new(200).header("Content-Type", "application/json").body(b"{}"));
    // A Content-Type header without a boundary, as people write it, is given the boundary.
    let a = action(
        "Upload",
        &format!(
            r#"{{"method": "POST", "uri": "{}/upload", "headers": {{"Content-Type": "multipart/form-data"}},
                "body": {{"$content-type": "multipart/form-data", "$multipart": [
                  {{"headers": {{"Content-Disposition": "form-data; name=\"note\""}}, "body": "@{{triggerBody()?['note']}}"}},
                  {{"headers": {{"Content-Disposition": "form-data; name=file; filename=logo.png"}}, "body": "@triggerBody()?['file']"}},
                  {{"headers": {{"Content-Disposition": "form-data; name=meta"}}, "body": {{"pages": 2}}}}
                ]}}}}"#,
            server.url("")
        ),
    );
    let c = ctx(
        r#"{"trigger": {"outputs": {"body": {"note": "Q3 report", "file": {"$content-type": "image/png", "$content": "iVBORwABAv8="}}}}}"#,
    );
    let record = runtime().execute(&a, &c);
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    let got = server.received();
    assert_eq!(got[0].header("content-type"), Some("multipart/form-data; boundary=flowexpr-boundary-0"));
    let mut expected = b"--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nQ3 report\r\n\
--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=file; filename=logo.png\r\nContent-Type: image/png\r\n\r\n"
        .to_vec();
    expected.extend_from_slice(&[0x89, b'P', b'N', b'G', 0, 1, 2, 255]);
    expected.extend_from_slice(
        b"\r\n--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=meta\r\nContent-Type: application/json\r\n\r\n\
{\"pages\":2}\r\n--flowexpr-boundary-0--\r\n",
    );
    assert_eq!(String::from_utf8_lossy(&got[0].body), String::from_utf8_lossy(&expected));
    assert_eq!(got[0].body, expected);
    // The run record keeps the inputs as written, not the encoded bytes.
    let inputs = record.to_value().member("inputs").and_then(|i| i.member("body"));
    assert_eq!(
        inputs.and_then(|b| b.member("$multipart")).map(|m| m.to_text().contains("Q3 report")),
        Some(true)
    );
}

#[test]
fn malformed_form_envelopes_fail_with_their_pointer() {
    let cases = [
        (r#"{"$multipart": {"body": "x"}}"#, "/body/$multipart", "must be an array"),
        (r#"{"$multipart": ["x"]}"#, "/body/$multipart/0", "must be an object"),
        (r#"{"$content-type": "application/json", "$multipart": []}"#, "/body/$content-type", "multipart"),
        (r#"{"$formdata": [{"value": "x"}]}"#, "/body/$formdata/0", "'key'"),
    ];
    for (body, pointer, message) in cases {
        let a =
            action("Bad", &format!(r#"{{"method": "POST", "uri": "http://127.0.0.1:9/x", "body": {body}}}"#));
        let record = runtime().execute(&a, &RunContext::new());
        assert_eq!(record.status, ActionStatus::Failed, "{body}");
        let error = record.to_value().to_string();
        assert!(error.contains(pointer) && error.contains(message), "{body}: {error}");
    }
}

#[test]
fn text_and_xml_answers() {
    let server = TestServer::start(|r, _| match r.path() {
        "/text" => Reply::text(200, "plain words"),
        _ => Reply::new(200).header("Content-Type", "application/xml").body(b"<a><b>1</b></a>"),
    });
    let record = runtime().execute(
        &action("T", &format!(r#"{{"method": "GET", "uri": "{}/text"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!(record.body(), Some(&Value::from("plain words")));
    let record = runtime().execute(
        &action("X", &format!(r#"{{"method": "GET", "uri": "{}/xml"}}"#, server.url(""))),
        &RunContext::new(),
    );
    let body = record.body().cloned().unwrap_or_default();
    assert_eq!(body.member("$content-type"), Some(Value::from("application/xml")));
    assert_eq!(body.as_binary().map(|b| b.text()), Some("<a><b>1</b></a>".to_string()));
}

#[test]
fn invalid_json_with_a_json_content_type_fails_the_action() {
    let server = TestServer::start(|_, _| Reply::json(200, r#"{"value": [1, 2"#));
    let record = runtime().execute(
        &action("Bad", &format!(r#"{{"method": "GET", "uri": "{}/"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!(record.status, ActionStatus::Failed);
    assert_eq!(record.code, "BadRequest");
    let e = record.error.clone().unwrap_or_else(|| panic!("no error"));
    assert!(e.message.contains("not valid JSON"), "{}", e.message);
    // The outputs are kept, with the body as text.
    let out = record.outputs.clone().unwrap_or_else(|| panic!("no outputs"));
    assert_eq!(out.status_code, 200);
    assert_eq!(out.body, Some(Value::from(r#"{"value": [1, 2"#)));
}

#[test]
fn client_errors_fail_without_retries_and_keep_the_outputs() {
    let server = TestServer::start(|_, _| Reply::json(404, r#"{"error": {"code": "NoSuchVendor"}}"#));
    let record = runtime().execute(
        &action("Get", &format!(r#"{{"method": "GET", "uri": "{}/v"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Failed, "NotFound"));
    assert_eq!(statuses(&record), [404]);
    assert_eq!(record.error.as_ref().map(|e| e.code.as_str()), Some("NotFound"));
    let v = record.to_value();
    assert_eq!(v.member("outputs").and_then(|o| o.member("statusCode")), Some(Value::Int(404)));
    assert_eq!(
        v.member("outputs")
            .and_then(|o| o.member("body"))
            .and_then(|b| b.member("error"))
            .and_then(|e| e.member("code")),
        Some(Value::from("NoSuchVendor"))
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn too_many_requests_with_retry_after_seconds_then_ok() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::json(429, r#"{"error": "slow down"}"#).header("Retry-After", "2")
        } else {
            Reply::json(200, r#"{"ok": true}"#)
        }
    });
    // Scale 0.01: the 2 s Retry-After takes 20 ms, but is recorded as 2 s.
    let rt = HttpRuntime::new().with_time_scale(0.01).unwrap_or_default();
    let started = Instant::now();
    let record = rt.execute(
        &action("Call", &format!(r#"{{"method": "GET", "uri": "{}/x"}}"#, server.url(""))),
        &RunContext::new(),
    );
    let elapsed = started.elapsed();
    assert_eq!(record.status, ActionStatus::Succeeded);
    assert_eq!(statuses(&record), [429, 200]);
    assert_eq!(record.attempts[0].wait_before_next, Some(Duration::from_secs(2)));
    assert_eq!(record.attempts[0].wait_reason, Some(WaitReason::RetryAfter));
    assert_eq!(record.attempts[1].number, 2);
    assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    let shown = record.to_value();
    let first = shown.member("attempts").and_then(|a| a.index(0)).unwrap_or_default();
    assert_eq!(first.member("waitBeforeNext"), Some(Value::from("PT2S")));
    assert_eq!(first.member("waitReason"), Some(Value::from("Retry-After")));
    assert_eq!(server.received().len(), 2);
}

#[test]
fn retry_after_as_an_http_date() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
            Reply::new(503).header("Retry-After", &when)
        } else {
            Reply::new(204)
        }
    });
    let record = runtime().execute(
        &action("Call", &format!(r#"{{"method": "DELETE", "uri": "{}/x"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Succeeded, "NoContent"));
    assert_eq!(statuses(&record), [503, 204]);
    let wait = record.attempts[0].wait_before_next.unwrap_or_default();
    assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
    assert_eq!(record.attempts[0].wait_reason, Some(WaitReason::RetryAfter));
    assert_eq!(record.body(), None);
}

#[test]
fn five_server_errors_exhaust_a_fixed_policy() {
    let server = TestServer::start(|_, _| Reply::json(500, r#"{"error": "boom"}"#));
    let a = action(
        "Flaky",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/jobs", "body": {{"n": 1}},
                "retryPolicy": {{"type": "fixed", "count": 4, "interval": "PT30S"}}}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Failed, "InternalServerError"));
    assert_eq!(statuses(&record), [500; 5]);
    let numbers: Vec<u32> = record.attempts.iter().map(|a| a.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    for a in &record.attempts[..4] {
        assert_eq!(a.wait_before_next, Some(Duration::from_secs(30)));
        assert_eq!(a.wait_reason, Some(WaitReason::RetryPolicy));
    }
    assert_eq!(record.attempts[4].wait_before_next, None);
    assert_eq!(record.outputs.as_ref().map(|o| o.status_code), Some(500));
    assert_eq!(body_text(&record), r#"{"error":"boom"}"#);
    // Every retry sent the same request.
    let got = server.received();
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|r| r.method == "POST" && r.body_text() == r#"{"n":1}"#));
}

#[test]
fn exponential_and_default_policies_wait_within_their_ranges() {
    let server = TestServer::start(|_, _| Reply::new(503));
    for (policy, count) in [
        (
            r#""retryPolicy": {"type": "exponential", "count": 5, "interval": "PT5S", "minimumInterval": "PT5S", "maximumInterval": "PT45S"}"#,
            5,
        ),
        (r#""retryPolicy": {"type": "default"}"#, 4),
        ("\"x\": 1", 4),
    ] {
        let a = action(
            "E",
            &format!(
                r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/", {policy}}}}}"#,
                server.url("")
            ),
        );
        let expected = RetryPolicy::from_value(
            &json(&format!("{{{policy}}}")).member("retryPolicy").unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        for seed in [1, 2, 3] {
            let record = runtime().with_seed(seed).execute(&a, &RunContext::new());
            assert_eq!(record.attempts.len(), count + 1, "{policy}");
            assert_eq!(record.code, "ServiceUnavailable");
            for (i, attempt) in record.attempts[..count].iter().enumerate() {
                let wait =
                    attempt.wait_before_next.unwrap_or_else(|| panic!("no wait after attempt {}", i + 1));
                let (lo, hi) = expected.wait_range(i as u32 + 1).unwrap_or_default();
                assert!(
                    lo <= wait && wait <= hi,
                    "{policy}: retry {}: {wait:?} not in {lo:?}..={hi:?}",
                    i + 1
                );
            }
        }
    }
    // The default policy's ranges: [5, 7.5], [7.5, 15], [15, 30], [30, 45] seconds.
    let d = RetryPolicy::default();
    assert_eq!(d.wait_range(4), Some((Duration::from_secs(30), Duration::from_secs(45))));
}

#[test]
fn no_retries_with_policy_none_and_for_other_client_errors() {
    let server =
        TestServer::start(|r, _| if r.path() == "/busy" { Reply::new(429) } else { Reply::new(400) });
    let a = action(
        "N",
        &format!(
            r#"{{"method": "GET", "uri": "{}/busy", "retryPolicy": {{"type": "none"}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!((statuses(&record), record.code.as_str()), (vec![429], "TooManyRequests"));
    let record = runtime().execute(
        &action("B", &format!(r#"{{"method": "GET", "uri": "{}/bad"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!((statuses(&record), record.code.as_str()), (vec![400], "BadRequest"));
    // 408 is retried.
    let server = TestServer::start(|_, i| if i == 0 { Reply::new(408) } else { Reply::new(200) });
    let record = runtime().execute(
        &action("T", &format!(r#"{{"method": "GET", "uri": "{}/"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!(statuses(&record), [408, 200]);
}

#[test]
fn connection_failures_are_retried_then_fail() {
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9);
    let a = action(
        "Down",
        &format!(
            r#"{{"method": "GET", "uri": "http://127.0.0.1:{port}/", "retryPolicy": {{"type": "fixed", "count": 2, "interval": "PT5S"}}}}"#
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert_eq!(record.code, "BadGateway");
    assert_eq!(record.attempts.len(), 3);
    assert!(record
        .attempts
        .iter()
        .all(|a| matches!(&a.outcome, AttemptOutcome::Error(e) if e.code == "BadGateway")));
    assert!(record.outputs.is_none());
    assert!(record
        .error
        .as_ref()
        .is_some_and(|e| e.message.starts_with("Http request failed as there is an error")));
}

#[test]
fn limit_timeout_ends_a_slow_request() {
    let server = TestServer::start(|_, _| Reply::json(200, "{}").delay(Duration::from_secs(3)));
    let a = action(
        "Slow",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/slow"}}, "limit": {{"timeout": "PT0.5S"}}}}"#,
            server.url("")
        ),
    );
    let started = Instant::now();
    let record = runtime().execute(&a, &RunContext::new());
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(record.status, ActionStatus::TimedOut);
    assert_eq!(record.code, "ActionTimedOut");
    assert!(record.outputs.is_none());
    assert_eq!(record.to_value().member("status"), Some(Value::from("TimedOut")));
    assert!(record.error.as_ref().is_some_and(|e| e.message.contains("PT0.5S")));
}

#[test]
fn the_request_timeout_is_a_retried_failure() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::new(200).delay(Duration::from_secs(2))
        } else {
            Reply::text(200, "fast")
        }
    });
    let rt = runtime().with_request_timeout(Duration::from_millis(300));
    let record = rt.execute(
        &action("S", &format!(r#"{{"method": "GET", "uri": "{}/"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!(record.status, ActionStatus::Succeeded);
    assert!(
        matches!(&record.attempts[0].outcome, AttemptOutcome::Error(e) if e.code == "GatewayTimeout"),
        "{:?}",
        record.attempts
    );
    assert_eq!(record.body(), Some(&Value::from("fast")));
    // With no retries left, the timeout fails the action.
    let server = TestServer::start(|_, _| Reply::new(200).delay(Duration::from_secs(2)));
    let a = action(
        "S",
        &format!(r#"{{"method": "GET", "uri": "{}/", "retryPolicy": {{"type": "none"}}}}"#, server.url("")),
    );
    let record = rt.execute(&a, &RunContext::new());
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Failed, "GatewayTimeout"));
}

#[test]
fn limit_timeout_counts_scaled_waits_at_full_length() {
    // Fixed 1-minute retries against PT2M30S: the third wait would pass the limit.
    let server = TestServer::start(|_, _| Reply::new(500));
    let a = action(
        "Patient",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/", "retryPolicy": {{"type": "fixed", "count": 10, "interval": "PT1M"}}}},
                "limit": {{"timeout": "PT2M30S"}}}}"#,
            server.url("")
        ),
    );
    let started = Instant::now();
    let record =
        HttpRuntime::new().with_time_scale(0.0001).unwrap_or_default().execute(&a, &RunContext::new());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(record.status, ActionStatus::TimedOut);
    assert_eq!(statuses(&record), [500, 500, 500]);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn accepted_then_polled_until_done() {
    let server = TestServer::start(|r, i| match (r.path(), i) {
        ("/jobs", _) => Reply::json(202, r#"{"state": "queued"}"#)
            .header("Location", "/jobs/7/status")
            .header("Retry-After", "3"),
        ("/jobs/7/status", 1) => Reply::new(202).header("Retry-After", "1"),
        ("/jobs/7/status", 2) => Reply::new(503),
        ("/jobs/7/status", _) => Reply::json(200, r#"{"state": "done", "result": 42}"#),
        _ => Reply::new(404),
    });
    let a = action(
        "Start_job",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/jobs", "body": {{"go": true}},
                "authentication": {{"type": "Raw", "value": "Bearer raw-token-1"}}}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    assert_eq!(record.body().and_then(|b| b.member("result")), Some(Value::Int(42)));
    assert_eq!(statuses(&record), [202, 202, 503, 200]);
    let kinds: Vec<AttemptKind> = record.attempts.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AttemptKind::Request, AttemptKind::Poll, AttemptKind::Poll, AttemptKind::Poll]);
    assert_eq!(record.attempts[0].wait_before_next, Some(Duration::from_secs(3)));
    assert_eq!(record.attempts[1].wait_before_next, Some(Duration::from_secs(1)));
    assert_eq!(record.attempts[2].wait_reason, Some(WaitReason::RetryPolicy));
    let got = server.received();
    assert_eq!(got[0].method, "POST");
    assert!(got[1..].iter().all(|r| r.method == "GET" && r.target == "/jobs/7/status" && r.body.is_empty()));
    assert!(got.iter().all(|r| r.header("authorization") == Some("Bearer raw-token-1")));

    // DisableAsyncPattern: the 202 is the answer.
    let a = action(
        "Start_job",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/jobs"}}, "operationOptions": "DisableAsyncPattern"}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Succeeded, "Accepted"));
    assert_eq!(statuses(&record), [202]);
    assert_eq!(
        record.outputs.as_ref().and_then(|o| o.headers.get("Location").cloned()),
        Some(Value::from("/jobs/7/status"))
    );
}

#[test]
fn polling_without_retry_after_uses_the_default_interval() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::new(202).header("Location", "/s")
        } else {
            Reply::text(200, "done")
        }
    });
    let record = runtime().execute(
        &action("P", &format!(r#"{{"method": "GET", "uri": "{}/"}}"#, server.url(""))),
        &RunContext::new(),
    );
    assert_eq!(record.attempts[0].wait_before_next, Some(Duration::from_secs(20)));
    assert_eq!(record.attempts[0].wait_reason, Some(WaitReason::PollingInterval));
    assert_eq!(record.body(), Some(&Value::from("done")));
}

#[test]
fn pagination_follows_next_links_into_one_value_array() {
    let server = TestServer::start(|r, _| {
        let page = r.query().strip_prefix("page=").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
        let next = match page {
            1 => r#", "nextLink": "?page=2""#.to_string(),
            2 => format!(r#", "@odata.nextLink": "http://{}/items?page=3""#, r.header("host").unwrap_or("")),
            3 => r#", "nextLink": "/items?page=4""#.to_string(),
            _ => String::new(),
        };
        let items = format!("[{}, {}]", page * 10 + 1, page * 10 + 2);
        Reply::json(200, &format!(r#"{{"@odata.context": "ctx", "value": {items}{next}}}"#))
    });
    let a = |minimum: u32| {
        action(
            "List",
            &format!(
                r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/items", "body": {{"q": 1}},
                    "headers": {{"x-api-key": "k"}}}},
                    "runtimeConfiguration": {{"paginationPolicy": {{"minimumItemCount": {minimum}}}}}}}"#,
                server.url("")
            ),
        )
    };
    let record = runtime().execute(&a(100), &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded);
    assert_eq!(body_text(&record), r#"{"@odata.context":"ctx","value":[11,12,21,22,31,32,41,42]}"#);
    let got = server.received();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].method, "POST");
    // Later pages are GETs, with the action's headers and no body.
    assert!(got[1..]
        .iter()
        .all(|r| r.method == "GET" && r.body.is_empty() && r.header("x-api-key") == Some("k")));
    let targets: Vec<&str> = got.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/items", "/items?page=2", "/items?page=3", "/items?page=4"]);
    assert_eq!(record.attempts.iter().filter(|a| a.kind == AttemptKind::Page).count(), 3);

    // Whole pages are fetched until the minimum is reached; the remaining link is kept.
    let record = runtime().execute(&a(3), &RunContext::new());
    let expected = format!(
        r#"{{"@odata.context":"ctx","value":[11,12,21,22],"@odata.nextLink":"{}"}}"#,
        server.url("/items?page=3")
    );
    assert_eq!(body_text(&record), expected);
    assert_eq!(server.received().len(), 6);
}

#[test]
fn a_failing_page_fails_the_action() {
    let server = TestServer::start(|r, _| {
        if r.query().is_empty() {
            Reply::json(200, r#"{"value": [1], "nextLink": "?page=2"}"#)
        } else {
            Reply::json(403, r#"{"error": "no"}"#)
        }
    });
    let a = action(
        "List",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/"}}, "runtimeConfiguration": {{"paginationPolicy": {{"minimumItemCount": 10}}}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Failed, "Forbidden"));
    assert_eq!(record.outputs.as_ref().map(|o| o.status_code), Some(403));
}

/// A token endpoint and an API that wants its tokens.
fn oauth_servers() -> (TestServer, TestServer) {
    let token_server = TestServer::start(|r, i| {
        if r.path() == "/tenant-1/oauth2/token" && !r.body_text().contains("client_secret=wrong-secret") {
            Reply::json(
                200,
                &format!(
                    r#"{{"token_type": "Bearer", "expires_in": "3599", "access_token": "tok-{i}-secretvalue"}}"#
                ),
            )
        } else {
            Reply::json(
                401,
                r#"{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}"#,
            )
        }
    });
    let api = TestServer::start(|r, _| match r.header("authorization") {
        Some(a) if a.starts_with("Bearer tok-") => Reply::json(200, r#"{"me": "app-1"}"#),
        _ => Reply::new(401),
    });
    (token_server, api)
}

fn aad_action(name: &str, token_server: &TestServer, api: &TestServer, secret: &str) -> HttpAction {
    action(
        name,
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/me",
                "authentication": {{"type": "ActiveDirectoryOAuth", "authority": "{}", "tenant": "tenant-1",
                    "audience": "https://api.example.com/", "clientId": "app-1", "secret": "{secret}",
                    "credentialType": "Secret"}}}}}}"#,
            api.url(""),
            token_server.url("")
        ),
    )
}

#[test]
fn active_directory_oauth_fetches_caches_and_reuses_tokens() {
    let (token_server, api) = oauth_servers();
    let rt = runtime();
    let first = rt.execute(&aad_action("A1", &token_server, &api, "s3cret-value"), &RunContext::new());
    let second = rt.execute(&aad_action("A2", &token_server, &api, "s3cret-value"), &RunContext::new());
    assert_eq!(first.status, ActionStatus::Succeeded, "{}", first.to_value());
    assert_eq!(second.status, ActionStatus::Succeeded);
    // One token request for both actions.
    let got = token_server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        got[0].body_text(),
        "grant_type=client_credentials&client_id=app-1&resource=https%3A%2F%2Fapi.example.com%2F&client_secret=s3cret-value"
    );
    let calls = api.received();
    assert!(calls.iter().all(|r| r.header("authorization") == Some("Bearer tok-0-secretvalue")));
    assert_eq!(
        first.attempts.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [AttemptKind::Token, AttemptKind::Request]
    );
    assert_eq!(second.attempts.len(), 1);
    // Neither the secret nor the token shows in the record.
    let shown = first.to_value().to_string();
    assert!(!shown.contains("s3cret") && !shown.contains("tok-0-secretvalue"), "{shown}");
    assert!(shown.contains(r#""secret":"[redacted]""#), "{shown}");
    // A different secret is a different client: a new token request, which fails here.
    let third = rt.execute(&aad_action("A3", &token_server, &api, "wrong-secret"), &RunContext::new());
    assert_eq!(third.status, ActionStatus::Failed);
    assert_eq!(third.code, "Unauthorized");
    let message = third.error.map(|e| e.message).unwrap_or_default();
    assert!(
        message.contains("error getting AD OAuth token") && message.contains("AADSTS7000215"),
        "{message}"
    );
    assert_eq!(api.received().len(), 2);
}

#[test]
fn two_step_oauth_with_a_token_action_and_secured_outputs() {
    let (token_server, api) = oauth_servers();
    let get_token = action(
        "HTTP_Get_Token",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/tenant-1/oauth2/token",
                "headers": {{"Content-Type": "application/x-www-form-urlencoded"}},
                "body": "grant_type=client_credentials&client_id=app-1&client_secret=@{{parameters('clientSecret')}}&resource=api"}},
                "runtimeConfiguration": {{"secureData": {{"properties": ["inputs", "outputs"]}}}}}}"#,
            token_server.url("")
        ),
    );
    let call = action(
        "HTTP_Call_API",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/me",
                "headers": {{"Authorization": "Bearer @{{body('HTTP_Get_Token')?['access_token']}}"}}}}}}"#,
            api.url("")
        ),
    );
    let mut c = ctx(r#"{"parameters": {"clientSecret": "cs-very-secret"}}"#);
    let mut secrets = Redactor::new();
    secrets.add("cs-very-secret");
    let rt = runtime().with_secrets(secrets);
    let token = rt.execute(&get_token, &c);
    assert_eq!(token.status, ActionStatus::Succeeded);
    c.actions.insert("HTTP_Get_Token", token.to_context_value());
    let result = rt.execute(&call, &c);
    assert_eq!(result.status, ActionStatus::Succeeded, "{}", result.to_value());
    assert_eq!(api.received()[0].header("authorization"), Some("Bearer tok-0-secretvalue"));
    assert!(token_server.received()[0].body_text().contains("client_secret=cs-very-secret"));
    // Printed, the token action shows neither inputs nor outputs, and the call hides its Authorization.
    let shown = token.to_value();
    assert_eq!(shown.member("inputs"), Some(Value::from(SECURED)));
    assert_eq!(shown.member("outputs"), Some(Value::from(SECURED)));
    let shown = result.to_value();
    assert_eq!(
        shown.member("inputs").and_then(|i| i.member("headers")).and_then(|h| h.member("Authorization")),
        Some(Value::from(REDACTED))
    );
    assert!(!shown.to_string().contains("tok-0"));
}

#[test]
fn raw_and_basic_authentication_headers() {
    let server = TestServer::start(|_, _| Reply::new(200));
    let a = action(
        "Basic",
        &format!(
            r#"{{"method": "GET", "uri": "{}/", "headers": {{"Authorization": "ignored"}},
                "authentication": {{"type": "Basic", "username": "ann", "password": "@parameters('pw')"}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &ctx(r#"{"parameters": {"pw": "hunter2!"}}"#));
    assert_eq!(server.received()[0].header("authorization"), Some("Basic YW5uOmh1bnRlcjIh"));
    let shown = record.to_value();
    assert!(!shown.to_string().contains("hunter2"), "{shown}");
    assert_eq!(
        shown.member("inputs").and_then(|i| i.member("authentication")).and_then(|a| a.member("password")),
        Some(Value::from(REDACTED))
    );
}

#[test]
fn managed_service_identity_is_a_clear_error() {
    let a = action(
        "MSI",
        r#"{"method": "GET", "uri": "https://management.azure.com/x",
            "authentication": {"type": "ManagedServiceIdentity", "audience": "https://management.azure.com/"}}"#,
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert!(record.attempts.is_empty());
    let message = record.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("exists only inside Azure"), "{message}");
}

fn tls_runtime() -> HttpRuntime {
    let transport = UreqTransport::new(TransportConfig {
        root_certificates: vec![certs::der(certs::CA_PEM)],
        ..TransportConfig::default()
    });
    runtime().with_transport(Arc::new(transport))
}

#[test]
fn client_certificate_authentication_presents_the_pfx() {
    let server = TestServer::start_tls(certs::server_config_requiring_client_certificates(), |_, _| {
        Reply::json(200, r#"{"ok": 1}"#)
    });
    for pfx in [certs::CLIENT_PFX_B64, certs::CLIENT_LEGACY_PFX_B64] {
        let a = action(
            "Mtls",
            &format!(
                r#"{{"method": "GET", "uri": "{}/secure", "authentication": {{"type": "ClientCertificate", "pfx": "{}", "password": "pfx-password"}}}}"#,
                server.url(""),
                pfx.trim()
            ),
        );
        let record = tls_runtime().execute(&a, &RunContext::new());
        assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
        assert!(!record.to_value().to_string().contains(&pfx.trim()[..40]));
    }
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|r| r.client_certificate.as_deref() == Some(certs::der(certs::CLIENT_PEM).as_slice())));
    // A wrong password is a clear failure, and nothing is sent.
    let a = action(
        "Mtls",
        &format!(
            r#"{{"method": "GET", "uri": "{}/secure", "authentication": {{"type": "ClientCertificate", "pfx": "{}", "password": "nope"}}}}"#,
            server.url(""),
            certs::CLIENT_PFX_B64.trim()
        ),
    );
    let record = tls_runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert!(
        record.error.as_ref().is_some_and(|e| e.message.contains("wrong password")),
        "{:?}",
        record.error
    );
    // Without a certificate the server refuses the handshake: a failure, not a hang.
    let a = action(
        "NoCert",
        &format!(r#"{{"method": "GET", "uri": "{}/", "retryPolicy": {{"type": "none"}}}}"#, server.url("")),
    );
    let record = tls_runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert_eq!(server.received().len(), 2);
}

#[test]
fn active_directory_oauth_with_a_certificate_sends_a_signed_assertion() {
    let token_server =
        TestServer::start(|_, _| Reply::json(200, r#"{"access_token": "cert-token", "expires_in": 3600}"#));
    let api = TestServer::start(|_, _| Reply::new(200));
    let a = action(
        "Cert",
        &format!(
            r#"{{"method": "GET", "uri": "{}/",
                "authentication": {{"type": "ActiveDirectoryOAuth", "authority": "{}", "tenant": "t9", "audience": "aud",
                    "clientId": "app-9", "pfx": "{}", "password": "pfx-password"}}}}"#,
            api.url(""),
            token_server.url(""),
            certs::CLIENT_PFX_B64.trim()
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    assert_eq!(api.received()[0].header("authorization"), Some("Bearer cert-token"));
    let form = token_server.received()[0].body_text();
    assert!(
        form.contains(
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        ),
        "{form}"
    );
    let assertion = form.split("client_assertion=").nth(1).unwrap_or("").split('&').next().unwrap_or("");
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3, "{assertion}");
    use base64::Engine as _;
    let decode = |p: &str| {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap_or_default();
        json(&String::from_utf8_lossy(&bytes))
    };
    let header = decode(parts[0]);
    assert_eq!(header.member("alg"), Some(Value::from("RS256")));
    assert!(header.member("x5t").is_some());
    let claims = decode(parts[1]);
    assert_eq!(claims.member("iss"), Some(Value::from("app-9")));
    assert_eq!(claims.member("sub"), Some(Value::from("app-9")));
    // The signature verifies with the PFX's key.
    let identity = flowexpr::runtime::auth::load_pfx(certs::CLIENT_PFX_B64.trim(), "pfx-password")
        .unwrap_or_else(|e| panic!("{e}"));
    let key = ring::signature::RsaKeyPair::from_pkcs8(&identity.private_key_pkcs8)
        .unwrap_or_else(|e| panic!("{e}"));
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        key.public().as_ref(),
    );
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_default();
    let signed = format!("{}.{}", parts[0], parts[1]);
    assert!(
        public.verify(signed.as_bytes(), &signature).is_ok(),
        "the assertion's signature does not verify"
    );
    assert_eq!(claims.member("aud"), Some(Value::from(token_server.url("/t9/oauth2/token"))));
}

#[test]
fn secrets_never_reach_records_logs_or_errors() {
    let server = TestServer::start(|_, _| Reply::json(500, r#"{"echo": "key was k-SECRET-9"}"#));
    let a = action(
        "Leaky",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/x",
                "queries": {{"code": "@parameters('apiKey')"}}, "headers": {{"X-Key": "@{{parameters('apiKey')}}"}},
                "retryPolicy": {{"type": "fixed", "count": 1, "interval": "PT5S"}}}}}}"#,
            server.url("")
        ),
    );
    let c = ctx(r#"{"parameters": {"apiKey": "k-SECRET-9"}}"#);
    let mut secrets = Redactor::new();
    secrets.add_value(&Value::from("k-SECRET-9"));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let rt = runtime().with_secrets(secrets).with_logger(Arc::new(move |l: &str| {
        if let Ok(mut v) = sink.lock() {
            v.push(l.to_string());
        }
    }));
    let record = rt.execute(&a, &c);
    assert_eq!(server.received()[0].query(), "code=k-SECRET-9");
    let shown = record.to_value().to_string();
    assert!(!shown.contains("k-SECRET-9"), "{shown}");
    assert!(shown.contains("code=[redacted]"), "{shown}");
    assert!(!format!("{record:?}").contains("k-SECRET-9"), "Debug leaks: {record:?}");
    let logged = lines.lock().map(|l| l.join("\n")).unwrap_or_default();
    assert!(logged.contains("attempt 2"), "{logged}");
    assert!(!logged.contains("k-SECRET-9"), "{logged}");
    // An expression error that quotes the secret.
    let bad = action("Bad", r#"{"method": "GET", "uri": "https://x/@{int(parameters('apiKey'))}"}"#);
    let failed = rt.execute(&bad, &c);
    assert_eq!(failed.code, "InvalidTemplate");
    let shown = failed.to_value().to_string();
    assert!(!shown.contains("k-SECRET-9"), "{shown}");
    // secureData inputs.
    let secured = action(
        "Sec",
        &format!(
            r#"{{"type": "Http", "inputs": {{"method": "GET", "uri": "{}/"}}, "runtimeConfiguration": {{"secureData": {{"properties": ["inputs"]}}}}}}"#,
            server.url("")
        ),
    );
    let shown = rt.execute(&secured, &c).to_value();
    assert_eq!(shown.member("inputs"), Some(Value::from(SECURED)));
    assert!(shown.member("outputs").is_some_and(|o| o.member("statusCode") == Some(Value::Int(500))));
}

#[test]
fn template_errors_fail_with_the_service_wording() {
    let a = action(
        "HTTP",
        r#"{"type": "Http", "inputs": {"method": "GET", "uri": "https://x/@{variables('missing')}"}}"#,
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!((record.status, record.code.as_str()), (ActionStatus::Failed, "InvalidTemplate"));
    let message = record.error.map(|e| e.message).unwrap_or_default();
    assert!(
        message.starts_with("Unable to process template language expressions in action 'HTTP' inputs at line '1' and column '"),
        "{message}"
    );
    assert!(
        message.contains("The variable 'missing' is not found") && message.contains("/inputs/uri"),
        "{message}"
    );
    // A rendered value of the wrong shape.
    let a = action("HTTP", r#"{"method": "GET", "uri": "@variables('n')"}"#);
    let record = runtime().execute(&a, &ctx(r#"{"variables": {"n": 5}}"#));
    assert_eq!(record.code, "BadRequest");
    assert!(record.error.is_some_and(|e| e.message.contains("'uri' must be a string")));
}

#[test]
fn dry_run_renders_without_sending() {
    let server = TestServer::start(|_, _| Reply::new(200));
    let a = action(
        "Dry",
        &format!(
            r#"{{"method": "post", "uri": "{}/x", "queries": {{"offset": "@{{mul(variables('p'), 50)}}"}},
                "headers": {{"Accept-Encoding": "br", "x-api-key": "@parameters('k')"}}, "body": {{"a": 1}},
                "authentication": {{"type": "Raw", "value": "Bearer raw"}}}}"#,
            server.url("")
        ),
    );
    let mut secrets = Redactor::new();
    secrets.add("key-value-1");
    let rt = runtime().with_secrets(secrets);
    let shown = rt.dry_run(&a, &ctx(r#"{"variables": {"p": 2}, "parameters": {"k": "key-value-1"}}"#));
    let shown = shown.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shown.member("method"), Some(Value::from("POST")));
    assert_eq!(shown.member("url"), Some(Value::from(server.url("/x?offset=100"))));
    let headers = shown.member("headers").unwrap_or_default();
    assert_eq!(headers.member("x-api-key"), Some(Value::from(REDACTED)));
    assert_eq!(headers.member("Authorization"), Some(Value::from(REDACTED)));
    assert_eq!(headers.member("Content-Type"), Some(Value::from("application/json; charset=utf-8")));
    assert_eq!(shown.member("body"), Some(Value::from(r#"{"a":1}"#)));
    assert_eq!(shown.member("droppedHeaders"), Some(json(r#"["Accept-Encoding"]"#)));
    assert!(server.received().is_empty());
}

/// The kinds of the attempts a record lists (`request`, `chunk`, ...).
fn attempt_kinds(record: &ActionRecord) -> Vec<&'static str> {
    record.attempts.iter().map(|a| a.kind.name()).collect()
}

#[test]
fn chunked_upload_follows_the_services_protocol() {
    let server = TestServer::start(|r, _| match r.method.as_str() {
        // The start: a suggested chunk size and where to send the chunks.
        "POST" => Reply::new(200).header("Location", "/uploads/7").header("x-ms-chunk-size", "4"),
        // Each chunk is confirmed with the range received so far.
        "PATCH" => {
            let end =
                r.header("content-range").and_then(|v| v.split(['-', '/']).nth(1)).unwrap_or("0").to_string();
            let reply = Reply::json(200, r#"{"stored": true}"#).header("Range", &format!("bytes=0-{end}"));
            if end == "9" {
                reply
            } else {
                reply.header("x-ms-chunk-size", "4")
            }
        }
        _ => Reply::new(405),
    });
    let a = action(
        "Upload",
        &format!(
            r#"{{"type": "Http", "runtimeConfiguration": {{"contentTransfer": {{"transferMode": "Chunked"}}}},
                "inputs": {{"method": "POST", "uri": "{}/files", "headers": {{"Content-Type": "text/csv"}}, "body": "0123456789"}}}}"#,
            server.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    assert_eq!(attempt_kinds(&record), ["request", "chunk", "chunk", "chunk"]);
    assert_eq!(body_text(&record), r#"{"stored":true}"#);
    let got = server.received();
    assert_eq!((got[0].method.as_str(), got[0].body.len()), ("POST", 0));
    assert_eq!(got[0].header("x-ms-transfer-mode"), Some("chunked"));
    assert_eq!(got[0].header("x-ms-content-length"), Some("10"));
    let chunks: Vec<(String, &str, String, Option<&str>)> = got[1..]
        .iter()
        .map(|r| (r.method.clone(), r.path(), r.body_text(), r.header("content-range")))
        .collect();
    assert_eq!(
        chunks,
        [
            ("PATCH".to_string(), "/uploads/7", "0123".to_string(), Some("bytes=0-3/10")),
            ("PATCH".to_string(), "/uploads/7", "4567".to_string(), Some("bytes=4-7/10")),
            ("PATCH".to_string(), "/uploads/7", "89".to_string(), Some("bytes=8-9/10")),
        ]
    );
    assert!(got[1..].iter().all(|r| r.header("content-type") == Some("text/csv")));

    // An endpoint that does not speak the protocol fails the action, saying so.
    let plain = TestServer::start(|_, _| Reply::json(201, r#"{"id": 1}"#));
    let a = action(
        "Upload",
        &format!(
            r#"{{"type": "Http", "runtimeConfiguration": {{"contentTransfer": {{"transferMode": "chunked"}}}},
                "inputs": {{"method": "PUT", "uri": "{}/files", "body": {{"big": true}}}}}}"#,
            plain.url("")
        ),
    );
    let record = runtime().execute(&a, &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    let message = record.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("did not start the chunked upload"), "{message}");
    assert_eq!(plain.received().len(), 1);
}

/// A GET of `/big.txt` with chunked transfer on.
fn chunked_get(server: &TestServer) -> HttpAction {
    action(
        "Download",
        &format!(
            r#"{{"type": "Http", "runtimeConfiguration": {{"contentTransfer": {{"transferMode": "Chunked"}}}},
                "inputs": {{"method": "GET", "uri": "{}/big.txt"}}}}"#,
            server.url("")
        ),
    )
}

#[test]
fn chunked_download_assembles_the_parts() {
    const CONTENT: &[u8] = b"abcdefghij";
    let server = TestServer::start(|r, _| {
        let (from, to) = match r.header("range").and_then(|v| v.strip_prefix("bytes=")) {
            Some(range) => {
                let (a, b) = range.split_once('-').unwrap_or(("0", "3"));
                (a.parse::<usize>().unwrap_or(0), b.parse::<usize>().unwrap_or(3).min(CONTENT.len() - 1))
            }
            None => (0, 3),
        };
        Reply::new(206)
            .header("Content-Type", "text/plain")
            .header("Content-Range", &format!("bytes {from}-{to}/{}", CONTENT.len()))
            .body(&CONTENT[from..=to])
    });
    let record = runtime().execute(&chunked_get(&server), &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    assert_eq!(record.outputs.as_ref().map(|o| o.status_code), Some(200));
    assert_eq!(record.body().and_then(|b| b.as_str().map(str::to_string)).as_deref(), Some("abcdefghij"));
    assert_eq!(attempt_kinds(&record), ["request", "chunk", "chunk"]);
    let ranges: Vec<Option<String>> =
        server.received().iter().map(|r| r.header("range").map(str::to_string)).collect();
    assert_eq!(ranges, [None, Some("bytes=4-7".into()), Some("bytes=8-9".into())]);

    // A part that does not hold what its Content-Range says ends the download.
    let liar = TestServer::start(|r, _| match r.header("range") {
        None => Reply::new(206).header("Content-Range", "bytes 0-3/10").body(b"abcd"),
        Some(_) => Reply::new(206).header("Content-Range", "bytes 4-7/10").body(b"e"),
    });
    let record = runtime().execute(&chunked_get(&liar), &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert!(record.error.map(|e| e.message).unwrap_or_default().contains("chunked download stopped"));
    let bad = HttpAction::from_json_str(
        "X",
        r#"{"type": "Http", "runtimeConfiguration": {"contentTransfer": {"transferMode": "Streaming"}}, "inputs": {"method": "GET", "uri": "http://127.0.0.1:9/"}}"#,
    );
    assert_eq!(
        bad.err().and_then(|e| e.pointer().map(str::to_string)).as_deref(),
        Some("/runtimeConfiguration/contentTransfer/transferMode")
    );

    // Without chunking, a 206 is an answer like any other.
    let plain = action("Download", &format!(r#"{{"method": "GET", "uri": "{}/big.txt"}}"#, server.url("")));
    let record = runtime().execute(&plain, &RunContext::new());
    assert_eq!(record.outputs.as_ref().map(|o| o.status_code), Some(206));
    assert_eq!(record.body().and_then(|b| b.as_str().map(str::to_string)).as_deref(), Some("abcd"));
}

#[test]
fn token_requests_are_retried_with_the_actions_policy() {
    // The authority is briefly unavailable: 503 with Retry-After, then a token.
    let token_server = TestServer::start(|_, i| match i {
        0 => Reply::new(503).header("Retry-After", "2"),
        _ => Reply::json(
            200,
            r#"{"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-after-retry"}"#,
        ),
    });
    let api = TestServer::start(|r, _| match r.header("authorization") {
        Some("Bearer tok-after-retry") => Reply::json(200, r#"{"me": "app-1"}"#),
        _ => Reply::new(401),
    });
    let record = runtime().execute(&aad_action("A", &token_server, &api, "s3cret-value"), &RunContext::new());
    assert_eq!(record.status, ActionStatus::Succeeded, "{}", record.to_value());
    let kinds: Vec<(AttemptKind, u32)> = record.attempts.iter().map(|a| (a.kind, a.number)).collect();
    assert_eq!(kinds, [(AttemptKind::Token, 1), (AttemptKind::Token, 2), (AttemptKind::Request, 1)]);
    assert_eq!(record.attempts[0].wait_before_next, Some(Duration::from_secs(2)));
    assert_eq!(record.attempts[0].wait_reason, Some(WaitReason::RetryAfter));
    // A client error from the authority is not retried.
    let refusing = TestServer::start(|_, _| Reply::json(400, r#"{"error": "invalid_request"}"#));
    let record = runtime().execute(&aad_action("B", &refusing, &api, "s3cret-value"), &RunContext::new());
    assert_eq!(record.status, ActionStatus::Failed);
    assert_eq!(refusing.received().len(), 1);
}
