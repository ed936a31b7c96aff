//! 1,000 sequential Http actions against a loopback server: flowexpr's full path (render
//! the templated inputs, send through the retry logic, decode the JSON answer, build the
//! record) against the bare `ureq` client sending the same requests.
//!
//! `cargo bench --bench http`
// Printing and writing files freely is fine here; the redacting sink (clippy.toml) is for
// the library and the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

#[path = "../tests/integration/http_support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use flowexpr::runtime::{HttpAction, HttpRuntime};
use flowexpr::RunContext;
use support::{Reply, TestServer};

const ACTIONS: usize = 1_000;

const ANSWER: &str = r#"{"id": "INV-0001", "status": "open", "amount": 125.5, "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]}"#;

fn bench(c: &mut Criterion) {
    let server = TestServer::start(|_, _| Reply::json(200, ANSWER));
    let action = HttpAction::from_json_str(
        "Post_invoice",
        &format!(
            r#"{{"type": "Http", "inputs": {{
                "method": "POST",
                "uri": "{}/vendors/@{{parameters('vendorId')}}/invoices",
                "headers": {{"x-api-key": "@parameters('apiKey')", "Accept": "application/json"}},
                "queries": {{"offset": "@{{mul(variables('pageNumber'), 50)}}", "limit": "50"}},
                "body": {{"vendor": "@parameters('vendorId')", "page": "@variables('pageNumber')", "note": "sent by @{{workflow()?['name']}}"}}
            }}}}"#,
            server.url("")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ctx = RunContext::from_json_str(
        r#"{"parameters": {"vendorId": "V-1001", "apiKey": "demo-key"}, "variables": {"pageNumber": 2}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let runtime = HttpRuntime::new();
    // The request flowexpr sends — URL, every header, body — for the bare client to send too.
    let request = runtime.dry_run(&action, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let text =
        |v: Option<flowexpr::Value>| v.and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let url = text(request.member("url"));
    let body = text(request.member("body")).into_bytes();
    let headers: Vec<(String, String)> = request
        .member("headers")
        .and_then(|h| h.as_object().map(|o| o.iter().map(|(k, v)| (k.to_string(), v.to_text())).collect()))
        .unwrap_or_default();
    assert_eq!(url, server.url("/vendors/V-1001/invoices?offset=100&limit=50"));

    let mut group = c.benchmark_group("http_1000_sequential_actions");
    group.sample_size(10);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let send_bare = || {
        let mut request = agent.post(&url);
        for (k, v) in &headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let mut response = request.send(&body[..]).unwrap_or_else(|e| panic!("{e}"));
        response.body_mut().read_to_vec().unwrap_or_else(|e| panic!("{e}"))
    };
    group.bench_function("bare_ureq_client", |b| {
        b.iter(|| {
            for _ in 0..ACTIONS {
                black_box(send_bare());
            }
        })
    });
    group.bench_function("flowexpr_render_send_record", |b| {
        b.iter(|| {
            for _ in 0..ACTIONS {
                let record = runtime.execute(&action, &ctx);
                assert!(record.succeeded());
                black_box(record.to_context_value());
            }
        })
    });
    group.finish();

    // Criterion measures the two one after the other, so load from other processes can
    // favour either; this alternates them, 100 actions at a time, and prints the ratio.
    let (mut ours, mut bare) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for _ in 0..20 {
        let t = std::time::Instant::now();
        for _ in 0..100 {
            black_box(runtime.execute(&action, &ctx).to_context_value());
        }
        ours += t.elapsed();
        let t = std::time::Instant::now();
        for _ in 0..100 {
            black_box(send_bare());
        }
        bare += t.elapsed();
    }
    println!(
        "interleaved, 2,000 each: flowexpr {:?}/action, bare client {:?}/request, ratio {:.2}",
        ours / 2000,
        bare / 2000,
        ours.as_secs_f64() / bare.as_secs_f64()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
