//! The workflow runner end to end: the reconciliation example against its demo API on
//! 127.0.0.1, Foreach concurrency as the server sees it, a 100,000-item loop, and every
//! workflow of the corpus.

use std::time::Duration;

use flowexpr::value::{from_json_str, Value};
use flowexpr::workflow::demo::{DemoConfig, DemoServer, Fault};
use flowexpr::workflow::{self, Mocks, RunOptions, Status, Workflow};
use flowexpr::RunContext;

const FLOW: &str = include_str!("../../examples/reconciliation/flow.json");

fn eval(record: &Value, expression: &str) -> String {
    let ctx = RunContext::from_value(record).unwrap_or_else(|e| panic!("{e}"));
    workflow::engine().eval(expression, &ctx).map(|v| v.to_string()).unwrap_or_else(|e| format!("error: {e}"))
}

fn reconciliation() -> Workflow {
    Workflow::from_json_str(FLOW).unwrap_or_else(|e| panic!("{e:#}"))
}

fn options(server: &DemoServer) -> RunOptions {
    RunOptions { parameters: server.parameters(), time_scale: 0.001, ..RunOptions::default() }
}

#[test]
fn reconciliation_runs_end_to_end_against_the_demo_api() {
    let server = DemoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let finished = workflow::run(&reconciliation(), options(&server)).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    // 25 transactions in the last 7 days (3 older ones are filtered by the server), 3 pages.
    assert_eq!(eval(r, "length(body('Get_Transactions')?['value'])"), "25");
    assert_eq!(
        eval(r, "outputs('Summary')"),
        r#"{"transactions":25,"crmRecords":22,"discrepancies":14,"batchesPosted":2}"#
    );
    assert_eq!(eval(r, "actions('Catch').status"), r#""Skipped""#);
    assert!(
        !r.to_string().contains(flowexpr::workflow::demo::CLIENT_SECRET),
        "the client secret is redacted"
    );
    assert!(
        finished.summary.trim_end().ends_with("(21 actions)") && finished.summary.contains("Run Succeeded"),
        "{}",
        finished.summary
    );

    let received = server.received();
    let paths: Vec<String> = received.iter().map(|q| format!("{} {}", q.method, q.path)).collect();
    let count = |p: &str| paths.iter().filter(|x| *x == p).count();
    assert_eq!(count("POST /oauth2/token"), 1, "{paths:?}");
    assert_eq!(count("GET /api/transactions"), 3, "{paths:?}");
    assert_eq!(count("GET /crm/records"), 1, "{paths:?}");
    assert_eq!(count("POST /tracker/batches"), 2, "{paths:?}");
    let token =
        received.iter().find(|q| q.path == "/oauth2/token").map(|q| q.body.clone()).unwrap_or_default();
    assert_eq!(
        token,
        "grant_type=client_credentials&client_id=reconciliation-job&client_secret=demo-client-secret"
    );
    let first_page = received.iter().find(|q| q.path == "/api/transactions").cloned();
    let first_page = first_page.unwrap_or_else(|| panic!("no transactions request"));
    let week_ago = (chrono::Utc::now() - chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    assert!(
        first_page.query == format!("created_after={week_ago}")
            || first_page.query.starts_with("created_after="),
        "{}",
        first_page.query
    );
    assert_eq!(first_page.header("Authorization"), Some("Bearer demo-access-token"));
    let mut batches: Vec<Value> = received
        .iter()
        .filter(|q| q.path == "/tracker/batches")
        .map(|q| from_json_str(&q.body).unwrap_or_default())
        .collect();
    batches.sort_by_key(|b| b.member("batch").and_then(|n| n.as_i64()));
    assert_eq!(batches.iter().map(eval_len).collect::<Vec<_>>(), vec![10, 4]);
    assert_eq!(
        batches.iter().filter_map(|b| b.member("batch").and_then(|n| n.as_i64())).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

fn eval_len(batch: &Value) -> usize {
    batch.member("items").and_then(|i| i.as_array().map(<[Value]>::len)).unwrap_or(0)
}

#[test]
fn reconciliation_catch_switches_on_the_status_code() {
    for (status, explanation) in [(401, "Explain_401"), (500, "Explain_500"), (429, "Explain_429")] {
        let fault = Fault {
            path: "/api/transactions".into(),
            status,
            times: 100,
            retry_after: (status == 429).then_some(1),
        };
        let server = DemoServer::start_with(DemoConfig { faults: vec![fault], ..DemoConfig::default() })
            .unwrap_or_else(|e| panic!("{e}"));
        let finished = workflow::run(&reconciliation(), options(&server)).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(finished.status, Status::Failed, "{status}\n{}", finished.summary);
        let r = &finished.record;
        assert_eq!(
            eval(r, &format!("actions('{explanation}').status")),
            r#""Succeeded""#,
            "{status}\n{}",
            finished.summary
        );
        assert_eq!(eval(r, "actions('Try').status"), r#""Failed""#);
        assert_eq!(eval(r, "actions('Fail_Run').status"), r#""Succeeded""#);
        // 401 is not retried; 429 and 500 are retried 4 times by the exponential policy.
        let expected_attempts = if status == 401 { "1" } else { "5" };
        assert_eq!(eval(r, "length(actions('Get_Transactions').attempts)"), expected_attempts, "{status}");
        let transaction_requests = server.received().iter().filter(|q| q.path == "/api/transactions").count();
        assert_eq!(transaction_requests.to_string(), expected_attempts);
        let error = finished.error.map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains(&eval(r, "actions('Get_Transactions').code").replace('"', "")), "{error}");
    }
}

#[test]
fn foreach_with_concurrency_five_is_seen_by_the_server() {
    let server = DemoServer::start_with(DemoConfig {
        tracker_delay: Duration::from_millis(150),
        ..DemoConfig::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let definition = format!(
        r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {{
            "Each": {{"type": "Foreach", "foreach": "@range(0, 20)", "runtimeConfiguration": {{"concurrency": {{"repetitions": 5}}}},
                "actions": {{"Post": {{"type": "Http", "inputs": {{"method": "POST", "uri": "{}/tracker/items",
                    "headers": {{"Authorization": "Bearer demo-access-token"}}, "body": {{"items": ["@item()"]}}}}}}}}}}}}}}"#,
        server.url()
    );
    let wf = Workflow::from_json_str(&definition).unwrap_or_else(|e| panic!("{e:#}"));
    let finished = workflow::run(&wf, RunOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let retried: Vec<String> = (0..20)
        .filter_map(|i| {
            let attempts = finished
                .record
                .member("actions")?
                .member("Post")?
                .member("repetitions")?
                .index(i)?
                .member("attempts")?;
            (attempts.as_array()?.len() > 1).then(|| attempts.to_string())
        })
        .collect();
    assert!(retried.is_empty(), "{retried:?}");
    assert_eq!(server.received().len(), 20);
    let peak = server.max_tracker_in_flight();
    assert!((2..=5).contains(&peak), "the server saw {peak} requests in flight at once");
}

#[test]
fn a_100000_item_foreach_runs_in_bounded_memory() {
    let definition = r#"{"triggers": {"manual": {"type": "Request"}}, "actions": {
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "sum", "type": "integer", "value": 0}]}},
        "Each": {"type": "Foreach", "runAfter": {"Init": ["Succeeded"]}, "foreach": "@range(0, 100000)", "actions": {
            "Square": {"type": "Compose", "inputs": {"n": "@item()", "square": "@mul(item(), item())"}},
            "Add": {"type": "IncrementVariable", "runAfter": {"Square": ["Succeeded"]}, "inputs": {"name": "sum", "value": "@outputs('Square')['n']"}}}}}}"#;
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e:#}"));
    let finished = workflow::run(&wf, RunOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(eval(r, "variables('sum')"), "4999950000");
    assert_eq!(eval(r, "actions('Each').iterationCount"), "100000");
    assert_eq!(eval(r, "actions('Square').repetitionCount"), "100000");
    // What is kept is bounded: 1,000 records per inner action for result(), 100 repetition
    // summaries per action in the record.
    assert_eq!(
        eval(r, "length(result('Each')[0]['outputs'])"),
        workflow::MAX_LOOP_RESULT_RECORDS.to_string()
    );
    assert_eq!(
        eval(r, "length(actions('Square').repetitions)"),
        workflow::record::MAX_KEPT_REPETITIONS.to_string()
    );
    assert!(r.to_string().len() < 2_000_000, "the run record stays small: {} bytes", r.to_string().len());
}

#[test]
fn every_corpus_workflow_loads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/workflows");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut loaded = 0;
    let mut unsupported = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    let mut invalid = 0;
    for path in &entries {
        match Workflow::load(path) {
            Ok(wf) => {
                loaded += 1;
                for a in wf.invalid_actions() {
                    eprintln!("{}: not runnable until fixed: {} at {}", path.display(), a.message, a.pointer);
                }
                invalid += usize::from(!wf.invalid_actions().is_empty());
                for a in wf.unsupported_actions() {
                    *unsupported.entry(a.type_name.clone()).or_default() += 1;
                }
                // Without mocks, a workflow with connector actions is refused before it
                // starts, naming each one.
                if let Some(first) =
                    wf.unsupported_actions().first().filter(|_| wf.invalid_actions().is_empty())
                {
                    let e = workflow::run(&wf, RunOptions { mocks: Mocks::none(), ..RunOptions::default() })
                        .err();
                    let e = e.map(|e| e.to_string()).unwrap_or_default();
                    assert!(e.contains(&format!("'{}'", first.name)), "{}: {e}", path.display());
                }
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    eprintln!(
        "{loaded} of {} corpus workflows load; unsupported action types: {unsupported:?}",
        entries.len()
    );
    assert!(entries.len() >= 117, "the corpus has {} files", entries.len());
    assert!(failures.is_empty(), "{} do not load:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(invalid, 4, "4 files have Http actions with placeholder URIs or an empty method");
    assert!(
        unsupported.contains_key("ApiConnection") && unsupported.contains_key("ServiceProvider"),
        "{unsupported:?}"
    );
}

#[test]
fn reconciliation_runs_on_the_example_mocks() {
    let mocks = Mocks::from_json_str(include_str!("../../examples/reconciliation/mocks.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let environment = vec![
        ("FLOWEXPR_PARAM_clientSecret".to_string(), "s3cret-value".to_string()),
        ("FLOWEXPR_PARAM_crmApiKey".to_string(), "k3y-value".to_string()),
    ];
    let options = RunOptions { mocks, environment, time_scale: 0.0001, ..RunOptions::default() };
    let finished = workflow::run(&reconciliation(), options).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(
        eval(r, "outputs('Summary')"),
        r#"{"transactions":3,"crmRecords":2,"discrepancies":2,"batchesPosted":1}"#
    );
    // The 503 was retried, then two pages were read: three requests in all.
    assert_eq!(eval(r, "length(actions('Get_Transactions').attempts)"), "3");
    assert_eq!(eval(r, "actions('Get_Transactions').attempts[0].statusCode"), "503");
    let text = r.to_string();
    assert!(
        !text.contains("s3cret-value") && !text.contains("k3y-value"),
        "secrets from the environment are redacted"
    );
}
