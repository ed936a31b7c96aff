//! A demo API on 127.0.0.1 for the Http action examples in this folder:
//!
//! * `GET /vendors/{id}/invoices?offset=N&limit=50` — needs `x-api-key: demo-key`; pages
//!   of two invoices with a `nextLink`, up to offset 200.
//! * `POST /approvals` — answers 201 with the approval it was sent.
//! * `POST /{tenant}/oauth2/token` — the client-credentials grant; `client_secret` must be
//!   `demo-secret`.
//! * `GET /api/me` — needs `Authorization: Bearer demo-access-token`.
//!
//! ```sh
//! cargo run --example http -- 8787 &
//! flowexpr http examples/http/vendor-invoices.json --context examples/http/vendor-invoices.context.json
//! ```
// Printing and writing files freely is fine here; the redacting sink (clippy.toml) is for
// the library and the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

#[path = "../../tests/integration/http_support/mod.rs"]
mod support;

use support::{Reply, TestServer};

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8787);
    let server = TestServer::start_on(port, handle);
    eprintln!("demo API listening on {}", server.url(""));
    loop {
        std::thread::park();
    }
}

fn query(target: &str, name: &str) -> Option<String> {
    let q = target.split_once('?')?.1;
    q.split('&').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
}

fn handle(r: &support::Received, _: usize) -> Reply {
    let path = r.path().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (r.method.as_str(), segments.as_slice()) {
        ("GET", ["vendors", vendor, "invoices"]) => {
            if r.header("x-api-key") != Some("demo-key") {
                return Reply::json(401, r#"{"error": "missing or wrong x-api-key"}"#);
            }
            let offset: u32 = query(&r.target, "offset").and_then(|o| o.parse().ok()).unwrap_or(0);
            let items: Vec<String> = (offset..offset + 2)
                .map(|n| {
                    format!(r#"{{"id": "INV-{:04}", "vendor": "{vendor}", "amount": {}.50}}"#, n + 1, 100 + n)
                })
                .collect();
            let next = if offset + 50 < 250 {
                format!(r#", "nextLink": "/vendors/{vendor}/invoices?offset={}&limit=50""#, offset + 50)
            } else {
                String::new()
            };
            Reply::json(200, &format!(r#"{{"value": [{}]{next}}}"#, items.join(", ")))
        }
        ("POST", ["approvals"]) => {
            let body = r.body_text();
            Reply::json(201, &format!(r#"{{"status": "Pending", "approval": {body}}}"#))
                .header("Location", "/approvals/1")
        }
        ("POST", [_tenant, "oauth2", "token"]) => {
            let form = r.body_text();
            let field = |name: &str| {
                form.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).map(str::to_string)
            };
            if field("grant_type").as_deref() == Some("client_credentials")
                && field("client_secret").as_deref() == Some("demo-secret")
            {
                Reply::json(
                    200,
                    r#"{"token_type": "Bearer", "expires_in": 3599, "access_token": "demo-access-token"}"#,
                )
            } else {
                Reply::json(401, r#"{"error": "invalid_client", "error_description": "wrong client secret"}"#)
            }
        }
        ("GET", ["api", "me"]) => match r.header("authorization") {
            Some("Bearer demo-access-token") => {
                Reply::json(200, r#"{"id": "demo-app", "roles": ["Invoices.Read"]}"#)
            }
            _ => Reply::json(401, r#"{"error": "invalid_token"}"#),
        },
        _ => Reply::json(404, r#"{"error": "no such route"}"#),
    }
}
