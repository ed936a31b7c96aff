//! What a server sends back, decoded: a response (status, headers, body) as the runtime
//! reads it, `Retry-After`, ISO 8601 durations, token answers and PFX files. Input: the
//! first line is the headers (`name: value` separated by `|`), the rest the body.
#![no_main]

use flowexpr::runtime::{parse_duration, HttpResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (head, body) = data.split_at(split);
    let head = String::from_utf8_lossy(head);
    let mut response = HttpResponse::new(200).with_body(body.get(1..).unwrap_or_default().to_vec());
    for pair in head.split('|') {
        if let Some((k, v)) = pair.split_once(':') {
            response = response.with_header(k.trim().to_ascii_lowercase(), v.trim());
        }
    }
    let _ = flowexpr::runtime::request::decode_body(&response);
    let text = String::from_utf8_lossy(data);
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let _ = flowexpr::runtime::retry::parse_retry_after(&text, now);
    let _ = parse_duration(&text);
    if let Ok(v) = flowexpr::value::from_json_str(&text) {
        let _ = flowexpr::runtime::auth::Token::from_response(&v);
    }
    let _ = flowexpr::runtime::auth::load_pfx(&text, "password");
});
