//! 1,000 sequential Http actions against a loopback server: flowexpr's full path (render
//! the templated inputs, send through the retry logic, decode the JSON answer, build the
//! record) against the bare `ureq` client sending the same requests.
//!
//! `cargo bench --bench http`

#[path = "../tests/http_support/mod.rs"]
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
    group.bench_function("flowexpr_render_send_record", |b| {
        b.iter(|| {
            for _ in 0..ACTIONS {
                let record = runtime.execute(&action, &ctx);
                assert!(record.succeeded());
                black_box(record.to_context_value());
            }
        })
    });
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    group.bench_function("bare_ureq_client", |b| {
        b.iter(|| {
            for _ in 0..ACTIONS {
                let mut request = agent.post(&url);
                for (k, v) in &headers {
                    request = request.header(k.as_str(), v.as_str());
                }
                let mut response = request.send(&body[..]).unwrap_or_else(|e| panic!("{e}"));
                let bytes = response.body_mut().read_to_vec().unwrap_or_else(|e| panic!("{e}"));
                black_box(bytes);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
