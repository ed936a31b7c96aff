//! The pages of `flowexpr view`, `run --html` and `test --html`, opened in a real headless
//! Chromium (see `browser.rs`): the graph's nodes, statuses and edges against the run record
//! and the definition, clicks and keys as a user gives them, loops stepped through, the test
//! report's cases and their runs, the coverage overlay, a large run. Screenshots are kept
//! under `target/tmp/view/`. Without Chromium these tests print why and skip.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::browser::Browser;

// The 500-action definition, shared with `benches/view.rs`.
mod large;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where pages and screenshots of these tests go (kept after the run, as artefacts).
fn artefacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("view");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn flowexpr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("not UTF-8: {}", p.display()))
}

const FLOW: &str = "examples/reconciliation/flow.json";

fn definition() -> Value {
    let flow = read_json(&root().join(FLOW));
    flow.get("definition").cloned().unwrap_or(flow)
}

/// Every (from, to, statuses) runAfter edge of a definition, nested actions included.
fn expected_edges(actions: &Value) -> BTreeSet<(String, String, String)> {
    let mut all = Vec::new();
    all_actions(actions, None, &mut all);
    let mut out = BTreeSet::new();
    for (name, _, action) in all {
        for (from, statuses) in action["runAfter"].as_object().into_iter().flatten() {
            let list: Vec<&str> =
                statuses.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            out.insert((from.clone(), name.clone(), list.join(",")));
        }
    }
    out
}

/// The action nodes the page drew: name → status shown.
fn drawn_nodes(b: &mut Browser) -> Vec<(String, String)> {
    let v = b.eval("[...document.querySelectorAll('.canvas button.node[data-action]')].map(n => [n.dataset.action, n.dataset.status])");
    v.as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (p[0].as_str().unwrap_or_default().to_string(), p[1].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// The graph shows every action of the record with its status, every runAfter edge of the
/// definition with its statuses, and an edge from the trigger to each top-level action that
/// runs after no other.
fn check_graph(b: &mut Browser, record: &Value, definition: &Value) {
    let nodes = drawn_nodes(b);
    let actions = record["actions"].as_object().unwrap_or_else(|| panic!("no actions in the record"));
    assert_eq!(nodes.len(), actions.len(), "{nodes:?}");
    for (name, action) in actions {
        let shown = nodes.iter().find(|(n, _)| n == name).map(|(_, s)| s.as_str());
        assert_eq!(shown, action["status"].as_str(), "the status of {name}");
    }
    let expected = expected_edges(&definition["actions"]);
    let labels = b.eval("[...document.querySelectorAll('.canvas .edge-label')].map(l => [l.dataset.from, l.dataset.to, l.dataset.statuses])");
    let drawn: BTreeSet<(String, String, String)> = labels
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l[0].as_str().unwrap_or_default().into(),
                l[1].as_str().unwrap_or_default().into(),
                l[2].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(drawn, expected, "runAfter edges and their statuses");
    let top = definition["actions"].as_object().cloned().unwrap_or_default();
    let roots: BTreeSet<String> = top
        .iter()
        .filter(|(_, a)| {
            a["runAfter"].as_object().is_none_or(|after| after.keys().all(|from| !top.contains_key(from)))
        })
        .map(|(name, _)| name.clone())
        .collect();
    let trigger =
        definition["triggers"].as_object().and_then(|t| t.keys().next().cloned()).unwrap_or_default();
    let from_trigger = b.eval(&format!(
        "[...document.querySelectorAll('path.edge')].filter(p => p.dataset.from === {}).map(p => p.dataset.to)",
        Value::from(trigger.as_str())
    ));
    let from_trigger: BTreeSet<String> =
        from_trigger.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    assert_eq!(from_trigger, roots, "the edges from the trigger {trigger}");
    let paths =
        b.eval("document.querySelectorAll('svg.edges path.edge').length").as_u64().unwrap_or_default();
    // One path per labelled edge, and one per edge from the trigger.
    assert_eq!(paths as usize, expected.len() + roots.len());
}

/// The page box of a node (left, top, right, bottom).
fn rect(b: &mut Browser, selector: &str) -> [f64; 4] {
    let v = b.eval(&format!(
        "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; }})()",
        Value::from(selector)
    ));
    [0, 1, 2, 3].map(|i| v[i].as_f64().unwrap_or_else(|| panic!("no box for {selector}: {v}")))
}

fn node(name: &str) -> String {
    format!(".canvas button.node[data-action=\"{name}\"]")
}

fn finish(b: &mut Browser, name: &str) {
    let shot = artefacts().join(format!("{name}.png"));
    b.screenshot(&shot);
    let ms = b.eval("document.documentElement.dataset.renderMs");
    eprintln!(
        "{name}: first render {} ms in Chromium; screenshot {}",
        ms.as_str().unwrap_or("?"),
        shot.display()
    );
    assert!(b.requests_elsewhere().is_empty(), "the page reached out: {:?}", b.requests_elsewhere());
    assert!(b.errors().is_empty(), "the page failed: {:?}", b.errors());
}

fn details_title(b: &mut Browser) -> String {
    b.text("#details-title").unwrap_or_default()
}

#[test]
fn the_reconciliation_run_is_drawn_as_the_designer_lays_it_out() {
    let Some(mut b) = Browser::launch("run") else { return };
    let dir = artefacts();
    let record_path = dir.join("reconciliation-run.json");
    let page = dir.join("reconciliation-run.html");
    let out = flowexpr(&["run", FLOW, "--demo-server", "--out", path_str(&record_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = flowexpr(&["view", path_str(&record_path), "--flow", FLOW, "-o", path_str(&page)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote the run view"), "{}", text(&out.stderr));
    let record = read_json(&record_path);
    b.open(&page);
    check_graph(&mut b, &record, &definition());

    // Nested: the Try scope holds its actions; parallel branches sit side by side.
    let try_box = rect(&mut b, ".scope[data-scope=\"Try\"]");
    let token = rect(&mut b, &node("Get_Token"));
    assert!(try_box[0] < token[0] && try_box[1] < token[1] && token[2] < try_box[2] && token[3] < try_box[3]);
    let crm = rect(&mut b, &node("Get_CRM_Records"));
    assert_eq!(token[1], crm[1], "the two fetches run in parallel: one row");
    assert!(token[2] <= crm[0] || crm[2] <= token[0]);
    let (catch, summary) = (rect(&mut b, ".scope[data-scope=\"Catch\"]"), rect(&mut b, &node("Summary")));
    assert_eq!(catch[1], summary[1], "Catch and Summary both run after Try: side by side");
    let transactions = rect(&mut b, &node("Get_Transactions"));
    assert!(token[3] < transactions[1], "top to bottom along runAfter");
    let switch = b.eval("[...document.querySelectorAll('.branch[data-owner=\"Switch_On_Status\"]')].map(x => x.dataset.branch)");
    assert_eq!(switch, json!(["Rate_Limited", "Unauthorized", "Server_Error", "default"]));

    // A click shows the action's outputs, exactly as the record has them.
    b.click(&node("Get_Token"));
    assert!(details_title(&mut b).starts_with("Get_Token"));
    let outputs: Value =
        serde_json::from_str(&b.text("#details [data-part=outputs]").unwrap_or_default()).unwrap_or_default();
    assert_eq!(outputs, record["actions"]["Get_Token"]["outputs"]);

    // The keyboard: arrows move between actions, Enter opens one, Escape closes it.
    b.eval("document.querySelector('button.node[data-trigger]').focus()");
    b.key("ArrowDown");
    assert_eq!(b.eval("document.activeElement.dataset.action"), json!("Initialize_batches_posted"));
    b.key("Enter");
    assert!(details_title(&mut b).starts_with("Initialize_batches_posted"), "{}", details_title(&mut b));
    b.key("Escape");
    assert_eq!(b.eval("document.getElementById('details').hidden"), json!(true));
    assert_eq!(b.eval("document.activeElement.dataset.action"), json!("Initialize_batches_posted"));

    // Stepping through the loop: each iteration's own status and attempts.
    let reps = record["actions"]["Post_Batch"]["repetitions"].clone();
    b.click("[aria-label=\"Next iteration of Post_Batches\"]");
    let meta = b.text(&format!("{} .n-meta", node("Post_Batch"))).unwrap_or_default();
    assert!(meta.contains("iteration 1"), "{meta}");
    let shown =
        b.eval(&format!("document.querySelector({}).dataset.status", Value::from(node("Post_Batch"))));
    assert_eq!(shown, reps[0]["status"]);
    b.eval(&format!("document.querySelector({}).focus()", Value::from(node("Post_Batch"))));
    b.key("]");
    let meta = b.text(&format!("{} .n-meta", node("Post_Batch"))).unwrap_or_default();
    assert!(meta.contains("iteration 2"), "{meta}");
    assert_eq!(b.text("[data-loop=\"Post_Batches\"] .loop-pos").as_deref(), Some("iteration 2 of 2"));
    b.key("Enter");
    let rows = b.eval("document.querySelectorAll('#details [data-part=attempts] tbody tr').length");
    assert_eq!(rows.as_u64(), reps[1]["attempts"].as_array().map(|a| a.len() as u64));
    assert!(b.text("#details dl").unwrap_or_default().contains("Post_Batches 2"));
    b.key("Escape");
    b.click("[aria-label=\"All iterations of Post_Batches\"]");
    // The README's picture: the top of the run with the paged fetch's details open.
    b.eval("scrollTo(0, 0); document.querySelector('.graph-wrap').scrollTo(0, 0)");
    b.eval(&format!("document.querySelector({}).click()", Value::from(node("Get_Transactions"))));
    b.screenshot_window(&artefacts().join("readme.png"), 0.8);
    finish(&mut b, "reconciliation-run");
}

/// The mocks and parameters of the reconciliation suite's tracker-outage case, as files.
fn tracker_outage_inputs(dir: &Path) -> (PathBuf, PathBuf, String) {
    let suite = read_json(&root().join("examples/reconciliation/reconciliation.flowtest.json"));
    let case = suite["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"].as_str().is_some_and(|n| n.contains("tracker outage")))
        .cloned()
        .unwrap_or_else(|| panic!("no tracker-outage case"));
    let mut mocks = suite["mocks"].clone();
    let mut http: Vec<Value> = case["mocks"]["http"].as_array().cloned().unwrap_or_default();
    http.extend(mocks["http"].as_array().cloned().unwrap_or_default());
    mocks["http"] = Value::from(http);
    let (m, p) = (dir.join("outage-mocks.json"), dir.join("outage-parameters.json"));
    std::fs::write(&m, mocks.to_string()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&p, suite["parameters"].to_string()).unwrap_or_else(|e| panic!("{e}"));
    (m, p, suite["clock"].as_str().unwrap_or_default().to_string())
}

#[test]
fn a_failed_run_shows_its_error_and_the_retries_on_a_timeline() {
    let Some(mut b) = Browser::launch("failed") else { return };
    let dir = artefacts();
    let (mocks, params, clock) = tracker_outage_inputs(&dir);
    let (record_path, page) = (dir.join("tracker-outage.json"), dir.join("tracker-outage.html"));
    let out = flowexpr(&[
        "run",
        FLOW,
        "--mocks",
        path_str(&mocks),
        "--parameters",
        path_str(&params),
        "--clock",
        &clock,
        "--time-scale",
        "0.001",
        "--out",
        path_str(&record_path),
        "--html",
        path_str(&page),
    ]);
    assert_eq!(out.status.code(), Some(1), "the run fails: {}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    for secret in ["test-secret", "test-crm-key"] {
        assert!(!html.contains(secret), "the page holds the secret {secret}");
    }
    let record = read_json(&record_path);
    b.open(&page);
    check_graph(&mut b, &record, &definition());
    assert_eq!(b.eval("document.querySelector('header .badge').dataset.status"), json!("Failed"));
    let error = b.text("[data-part=run-error]").unwrap_or_default();
    assert!(error.contains("The reconciliation failed in Post_Batches."), "{error}");
    // The run went along Try → Catch (Failed), not Try → Summary.
    let went = |b: &mut Browser, from: &str, to: &str| {
        b.eval(&format!(
            "document.querySelector('path.edge[data-from=\"{from}\"][data-to=\"{to}\"]').dataset.went"
        ))
    };
    assert_eq!(went(&mut b, "Try", "Catch"), json!("true"));
    assert_eq!(went(&mut b, "Try", "Summary"), json!("false"));

    b.click(&node("Post_Batch"));
    let attempts = record["actions"]["Post_Batch"]["attempts"].as_array().cloned().unwrap_or_default();
    assert_eq!(attempts.len(), 4);
    let rows = b.eval("[...document.querySelectorAll('#details [data-part=attempts] tbody tr')].map(r => [...r.cells].map(c => c.textContent))");
    assert_eq!(rows.as_array().map(Vec::len), Some(4), "{rows}");
    assert_eq!(rows[0][2], json!("503 ServiceUnavailable"));
    assert_eq!(rows[0][4], json!("5.0 s (retryPolicy)"), "the wait the retry policy chose");
    assert_eq!(rows[3][4], json!(""), "no wait after the last attempt");
    assert_eq!(b.eval("document.querySelectorAll('#details .timeline .tl-bar').length"), json!(4));
    assert_eq!(b.eval("document.querySelectorAll('#details .timeline .tl-wait').length"), json!(3));
    let error = b.text("#details [data-part=error]").unwrap_or_default();
    assert!(error.contains("503"), "{error}");
    finish(&mut b, "tracker-outage");
}

fn case_rows(b: &mut Browser) -> Value {
    b.eval("[...document.querySelectorAll('[data-part=cases] tbody tr')].map(r => [r.cells[1].firstChild.textContent, r.dataset.passed, r.cells[3].textContent])")
}

#[test]
fn the_test_report_lists_every_case_and_opens_its_run() {
    let Some(mut b) = Browser::launch("report") else { return };
    let dir = artefacts();
    let page = dir.join("reconciliation-tests.html");
    let out = flowexpr(&["test", "examples/reconciliation", "--html", path_str(&page)]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let suite = read_json(&root().join("examples/reconciliation/reconciliation.flowtest.json"));
    let names: Vec<&str> =
        suite["cases"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
    b.open(&page);
    let rows = case_rows(&mut b);
    let shown: Vec<&str> = rows.as_array().into_iter().flatten().filter_map(|r| r[0].as_str()).collect();
    assert_eq!(shown, names);
    assert!(rows.as_array().into_iter().flatten().all(|r| r[1] == "true"), "{rows}");
    assert_eq!(b.text("[data-part=summary]").as_deref(), Some("5 passed, 0 failed"));
    assert_eq!(b.text("[data-part=no-coverage]").as_deref(), Some("No coverage was measured for this flow."));
    b.screenshot(&dir.join("reconciliation-tests.png"));

    // Each case links to the view of its run, in the same page.
    let outage = names.iter().position(|n| n.contains("tracker outage")).unwrap_or_default();
    b.click(&format!("[data-case=\"{outage}\"] a[data-run]"));
    b.wait_for("location.hash.startsWith('#run/') && !!document.querySelector('.canvas')");
    assert_eq!(
        b.eval(&format!("document.querySelector({}).dataset.status", Value::from(node("Post_Batch")))),
        json!("Failed")
    );
    assert_eq!(
        b.eval(&format!("document.querySelector({}).dataset.status", Value::from(node("Explain_Other")))),
        json!("Succeeded")
    );
    b.screenshot(&dir.join("reconciliation-tests-outage.png"));
    b.click("header a[href=\"#\"]");
    b.wait_for("!!document.querySelector('[data-part=cases]')");
    assert_eq!(case_rows(&mut b).as_array().map(Vec::len), Some(names.len()));
    finish(&mut b, "reconciliation-tests-back");

    // A failing suite: the failed case with the same explanation the terminal prints.
    let page = dir.join("failing-tests.html");
    let out = flowexpr(&["test", "tests/flowtest/fail-assert.flowtest.json", "--html", path_str(&page)]);
    assert_eq!(out.status.code(), Some(1));
    b.open(&page);
    let rows = case_rows(&mut b);
    let failed: Vec<&Value> = rows.as_array().into_iter().flatten().filter(|r| r[1] == "false").collect();
    assert!(!failed.is_empty(), "{rows}");
    let terminal = text(&out.stdout);
    let explained = b.eval(
        "[...document.querySelectorAll('[data-passed=false] .case-failures li')].map(l => l.textContent)",
    );
    for line in explained.as_array().into_iter().flatten().filter_map(Value::as_str) {
        let first = line.lines().next().unwrap_or_default();
        assert!(
            terminal.contains(first),
            "the report's explanation {first:?} is not the terminal's:\n{terminal}"
        );
    }
    assert!(b.text("[data-part=summary]").unwrap_or_default().contains("failed"));
    finish(&mut b, "failing-tests");
}

#[test]
fn coverage_is_drawn_on_the_flow_graph() {
    use flowexpr::flowtest::run::{run_files, TestOptions};
    use flowexpr::view::{Coverage, TestReport};
    let Some(mut b) = Browser::launch("coverage") else { return };
    let suite = root().join("examples/reconciliation/reconciliation.flowtest.json");
    let outcomes = run_files(&[suite], &TestOptions { keep_runs: true, ..TestOptions::default() });
    let flow = outcomes[0].run.as_ref().map(|r| r.flow.clone()).unwrap_or_else(|| panic!("no run kept"));
    let mut report = TestReport::new("coverage");
    outcomes.iter().for_each(|o| report.add(o));
    let coverage = flowexpr::Value::from(json!({
        "actions": {"Get_Token": 5, "Try": 5, "Catch": 2, "Switch_On_Status": 2, "Explain_401": 1, "Explain_Other": 1},
        "branches": {"Switch_On_Status": {"Rate_Limited": 0, "Unauthorized": 1, "Server_Error": 0, "default": 1}},
        "runAfter": [{"from": "Try", "to": "Catch", "status": "Failed", "runs": 2},
                     {"from": "Try", "to": "Catch", "status": "TimedOut", "runs": 0}]
    }));
    report.set_coverage(&flow, Coverage::from_value(&coverage).unwrap_or_else(|e| panic!("{e}")));
    let page = artefacts().join("coverage.html");
    std::fs::write(&page, report.html()).unwrap_or_else(|e| panic!("{e}"));
    b.open(&page);
    let class = |b: &mut Browser, name: &str| {
        b.eval(&format!(
            "document.querySelector('[data-coverage] button.node[data-action=\"{name}\"]').className"
        ))
    };
    assert!(class(&mut b, "Get_Token").as_str().is_some_and(|c| c.contains("cov-reached")));
    assert!(class(&mut b, "Explain_429").as_str().is_some_and(|c| c.contains("cov-missed")));
    let meta = b.text("[data-coverage] button.node[data-action=\"Get_Token\"] .n-meta");
    assert_eq!(meta.as_deref(), Some("reached in 5 runs"));
    let meta = b.text("[data-coverage] button.node[data-action=\"Explain_429\"] .n-meta");
    assert_eq!(meta.as_deref(), Some("not reached"));
    let taken = b.eval("[...document.querySelectorAll('[data-coverage] .branch[data-owner=\"Switch_On_Status\"]')].map(x => [x.dataset.branch, x.dataset.taken])");
    assert_eq!(
        taken,
        json!([["Rate_Limited", "0"], ["Unauthorized", "1"], ["Server_Error", "0"], ["default", "1"]])
    );
    let edge = |b: &mut Browser, from: &str, to: &str| {
        b.eval(&format!("(() => {{ const p = document.querySelector('[data-coverage] path.edge[data-from=\"{from}\"][data-to=\"{to}\"]'); return [p.getAttribute('class'), p.dataset.went]; }})()"))
    };
    assert_eq!(edge(&mut b, "Try", "Catch"), json!(["edge", "Failed"]));
    assert_eq!(edge(&mut b, "Try", "Summary"), json!(["edge missed", ""]));
    let summary = b.text("[data-part=coverage-summary]").unwrap_or_default();
    assert!(summary.starts_with("6 of 21 actions reached, 2 of 4 branches taken"), "{summary}");
    finish(&mut b, "coverage");
}

#[test]
fn a_large_run_opens_and_its_loop_steps_to_any_iteration() {
    use flowexpr::view::RunPage;
    let Some(mut b) = Browser::launch("large") else { return };
    let (flow, record) = large::large_run();
    let html = RunPage::new(vec![record]).with_workflow(&flow).html();
    let page = artefacts().join("large-run.html");
    std::fs::write(&page, &html).unwrap_or_else(|e| panic!("{e}"));
    b.open(&page);
    assert_eq!(drawn_nodes(&mut b).len(), 500);
    assert_eq!(b.text("[data-loop=\"Loop\"] .loop-pos").as_deref(), Some("all 1000 iterations"));
    let go = |b: &mut Browser, n: u32| {
        b.eval(&format!("(() => {{ const i = document.querySelector('[aria-label=\"Iteration of Loop\"]'); i.value = '{n}'; i.dispatchEvent(new Event('change')); }})()"));
        b.eval("document.querySelector('button.node[data-action=\"Inner\"]').dataset.status")
    };
    assert_eq!(go(&mut b, 50), json!("Succeeded"));
    // Records keep the first 100 repetitions of an action (and its failures).
    assert_eq!(go(&mut b, 1000), json!("Not recorded"));
    eprintln!("large run: {} KB of HTML", html.len() / 1024);
    finish(&mut b, "large-run");
}

/// The documented shapes of the management API: a run, its actions, one action's repetitions.
fn service_export(dir: &Path) -> Vec<PathBuf> {
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Logic/workflows/orders/runs/08585";
    let run = json!({"id": id, "name": "08585", "type": "Microsoft.Logic/workflows/runs",
        "properties": {"startTime": "2024-05-01T10:00:00.1234567Z", "endTime": "2024-05-01T10:00:04.5Z", "status": "Failed",
          "error": {"code": "ActionFailed", "message": "An action failed. No dependent actions succeeded."},
          "trigger": {"name": "manual", "status": "Succeeded", "code": "OK", "startTime": "2024-05-01T10:00:00.1Z", "endTime": "2024-05-01T10:00:00.1Z"}}});
    let link = |what: &str| json!({"uri": format!("https://prod-00.westeurope.logic.azure.com/workflows/x/runs/08585/contents/{what}?sp=read&sig=SIGNATURE-{what}"), "contentSize": 120});
    let actions = json!({"value": [
        {"id": format!("{id}/actions/Get_Orders"), "name": "Get_Orders", "type": "Microsoft.Logic/workflows/runs/actions",
         "properties": {"startTime": "2024-05-01T10:00:00.2Z", "endTime": "2024-05-01T10:00:03.2Z", "status": "Succeeded", "code": "OK",
           "inputsLink": link("ActionInputs"), "outputsLink": link("ActionOutputs"), "correlation": {"actionTrackingId": "t-1"},
           "retryHistory": [
             {"startTime": "2024-05-01T10:00:00.2Z", "endTime": "2024-05-01T10:00:00.4Z", "code": "ServiceUnavailable", "error": {"error": {"code": "ServiceUnavailable", "message": "busy"}}},
             {"startTime": "2024-05-01T10:00:03.0Z", "endTime": "2024-05-01T10:00:03.2Z", "code": "OK"}]}},
        {"id": format!("{id}/actions/For_each"), "name": "For_each", "type": "Microsoft.Logic/workflows/runs/actions",
         "properties": {"startTime": "2024-05-01T10:00:03.3Z", "endTime": "2024-05-01T10:00:04.4Z", "status": "Failed", "code": "ActionFailed"}},
        {"id": format!("{id}/actions/Post_Order"), "name": "Post_Order", "type": "Microsoft.Logic/workflows/runs/actions",
         "properties": {"startTime": "2024-05-01T10:00:03.4Z", "endTime": "2024-05-01T10:00:04.3Z", "status": "Failed", "code": "BadRequest",
           "error": {"code": "BadRequest", "message": "Http request failed with status code '400'."}}}
    ]});
    let rep = |i: i64, status: &str| {
        json!({"id": format!("{id}/actions/Post_Order/repetitions/00000{i}"), "name": format!("00000{i}"),
        "type": "Microsoft.Logic/workflows/runs/actions/repetitions",
        "properties": {"repetitionIndexes": [{"scopeName": "For_each", "itemIndex": i}], "status": status,
          "startTime": "2024-05-01T10:00:03.4Z", "endTime": "2024-05-01T10:00:04.3Z"}})
    };
    let reps = json!({"value": [rep(0, "Succeeded"), rep(1, "Failed")]});
    let flow = json!({"definition": {"triggers": {"manual": {"type": "Request", "kind": "Http"}}, "actions": {
        "Get_Orders": {"type": "Http", "inputs": {"method": "GET", "uri": "https://orders.example.com/orders"}},
        "For_each": {"type": "Foreach", "foreach": "@body('Get_Orders')", "runAfter": {"Get_Orders": ["Succeeded"]},
          "actions": {"Post_Order": {"type": "Http", "inputs": {"method": "POST", "uri": "https://crm.example.com/orders", "body": "@items('For_each')"}}}}}}});
    let files = [
        ("service-run.json", run),
        ("service-actions.json", actions),
        ("service-repetitions.json", reps),
        ("service-flow.json", flow),
    ];
    files
        .into_iter()
        .map(|(name, v)| {
            let p = dir.join(name);
            std::fs::write(&p, v.to_string()).unwrap_or_else(|e| panic!("{e}"));
            p
        })
        .collect()
}

#[test]
fn a_run_exported_from_the_service_is_drawn_without_its_signed_links() {
    let dir = artefacts();
    let files = service_export(&dir);
    let page = dir.join("service-run.html");
    let out = flowexpr(&[
        "view",
        path_str(&files[0]),
        path_str(&files[1]),
        path_str(&files[2]),
        "--flow",
        path_str(&files[3]),
        "-o",
        path_str(&page),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(!html.contains("SIGNATURE"), "a shared-access signature reached the page");
    let Some(mut b) = Browser::launch("service") else { return };
    b.open(&page);
    let nodes = drawn_nodes(&mut b);
    assert_eq!(
        nodes,
        [("Get_Orders", "Succeeded"), ("For_each", "Failed"), ("Post_Order", "Failed")]
            .map(|(a, s)| (a.to_string(), s.to_string()))
    );
    b.click(&node("Get_Orders"));
    let rows = b.eval("[...document.querySelectorAll('#details [data-part=attempts] tbody tr')].map(r => r.cells[4].textContent)");
    assert_eq!(rows, json!(["2.6 s", ""]), "the wait between the service's retries, from their times");
    let notes = b.text("#details").unwrap_or_default();
    assert!(notes.contains("120 bytes kept by the service"), "{notes}");
    b.key("Escape");
    b.click("[aria-label=\"Next failed iteration of For_each\"]");
    assert_eq!(b.text("[data-loop=\"For_each\"] .loop-pos").as_deref(), Some("iteration 2 of 2"));
    finish(&mut b, "service-run");

    // Without the flow: one action under the other, in the record's order, no edges, a note.
    let guessed = dir.join("service-run-guessed.html");
    let out = flowexpr(&["view", path_str(&files[0]), path_str(&files[1]), "-o", path_str(&guessed)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    b.open(&guessed);
    let tops: Vec<f64> =
        ["Get_Orders", "For_each", "Post_Order"].iter().map(|n| rect(&mut b, &node(n))[1]).collect();
    assert!(tops[0] < tops[1] && tops[1] < tops[2], "{tops:?}");
    assert_eq!(b.eval("document.querySelectorAll('svg.edges path.edge').length"), json!(0));
    assert!(b.text("header").unwrap_or_default().contains("Laid out from the record alone"));
    finish(&mut b, "service-run-guessed");
}

#[test]
fn view_says_what_it_cannot_draw() {
    let dir = artefacts();
    let not_a_run = dir.join("not-a-run.json");
    std::fs::write(&not_a_run, r#"{"definition": {"actions": {}}}"#).unwrap_or_else(|e| panic!("{e}"));
    let out = flowexpr(&["view", path_str(&not_a_run)]);
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(message.contains("not-a-run.json: not a run record of `flowexpr run --out`"), "{message}");
    let array = dir.join("bad-array.json");
    std::fs::write(&array, "[{\"actions\": {}},\n 3]").unwrap_or_else(|e| panic!("{e}"));
    let out = flowexpr(&["view", path_str(&array)]);
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(
        message.contains("item 1 of the array is not a run record") && message.contains(":2:"),
        "{message}"
    );
    // Without -o, the page goes next to the run, named after it.
    let record = dir.join("plain.json");
    std::fs::write(
        &record,
        r#"{"status": "Succeeded", "actions": {"A": {"status": "Succeeded", "type": "Compose"}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = flowexpr(&["view", path_str(&record)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(dir.join("plain.html")).unwrap_or_default();
    assert!(html.starts_with("<!doctype html>") && html.contains("id=\"flowexpr-data\""));
}

/// The definition of a Power Automate export (package or solution `.zip`), read straight
/// from the archive: the one JSON entry holding `properties.definition`.
fn export_definition(zip_path: &Path) -> Value {
    let file = std::fs::File::open(zip_path).unwrap_or_else(|e| panic!("{}: {e}", zip_path.display()));
    let mut archive = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{}: {e}", zip_path.display()));
    let mut found = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        if !entry.name().is_ok_and(|n| n.ends_with(".json")) {
            continue;
        }
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut entry, &mut text).is_err() {
            continue;
        }
        let json: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap_or_default();
        if json["properties"]["definition"].is_object() {
            found.push(json["properties"]["definition"].clone());
        }
    }
    assert_eq!(found.len(), 1, "{}: one flow", zip_path.display());
    found.remove(0)
}

/// Every action of a definition, nested ones included: name → (its parent, the action).
fn all_actions(actions: &Value, parent: Option<&str>, out: &mut Vec<(String, Option<String>, Value)>) {
    let Some(map) = actions.as_object() else { return };
    for (name, action) in map {
        out.push((name.clone(), parent.map(str::to_owned), action.clone()));
        let inner = [&action["actions"], &action["else"]["actions"], &action["default"]["actions"]];
        inner.into_iter().for_each(|list| all_actions(list, Some(name), out));
        if let Some(cases) = action["cases"].as_object() {
            cases.values().for_each(|c| all_actions(&c["actions"], Some(name), out));
        }
    }
}

/// The branches the designer draws under an If or a Switch, by the keys the page uses.
fn expected_branches(action: &Value) -> Option<Vec<String>> {
    match action["type"].as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("if") => Some(vec!["true".into(), "false".into()]),
        Some("switch") => {
            let mut keys: Vec<String> =
                action["cases"].as_object().map(|c| c.keys().cloned().collect()).unwrap_or_default();
            keys.push("default".into());
            Some(keys)
        }
        _ => None,
    }
}

#[test]
fn a_real_exports_run_is_drawn_from_the_export_with_its_expression_actions() {
    // Two pnp solution zips with built-in Expression actions, run as given with every
    // connector action stubbed: (sample, zip, the flow's display name, how the run ends).
    let exports = [
        (
            "ScheduledQuoteEmail-d365goddess",
            "scheduledquoteemail.zip",
            "Scheduled quote email",
            // The stubbed ListRecords answers `{}`, so the HTML table has no rows to read.
            "Failed",
        ),
        ("graph_api_in_power_bi", "GetOrganizationUsers.zip", "Get Organization Users", "Succeeded"),
    ];
    let Some(mut b) = Browser::launch("export") else { return };
    let dir = artefacts();
    for (sample, zip_name, display, status) in exports {
        let zip = format!("tests/corpus/powerautomate/pnp/{sample}/solution/{zip_name}");
        let record_path = dir.join(format!("{sample}.json"));
        let page = dir.join(format!("{sample}.html"));
        let out = flowexpr(&[
            "run",
            &zip,
            "--workflow",
            display,
            "--stub-unmocked",
            "--clock",
            "2024-01-15T10:30:00Z",
            "--out",
            path_str(&record_path),
        ]);
        let code = if status == "Succeeded" { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(code), "{sample}: {}", text(&out.stderr));
        let record = read_json(&record_path);
        assert_eq!(record["status"], json!(status), "{sample}");
        let out = flowexpr(&[
            "view",
            path_str(&record_path),
            "--flow",
            &zip,
            "--workflow",
            display,
            "-o",
            path_str(&page),
        ]);
        assert_eq!(out.status.code(), Some(0), "{sample}: {}", text(&out.stderr));
        let definition = export_definition(&root().join(&zip));
        let mut actions = Vec::new();
        all_actions(&definition["actions"], None, &mut actions);
        b.open(&page);

        // Every action of the export, and nothing else, with its status and edges.
        let drawn: BTreeSet<String> = drawn_nodes(&mut b).into_iter().map(|(n, _)| n).collect();
        let defined: BTreeSet<String> = actions.iter().map(|(n, _, _)| n.clone()).collect();
        assert_eq!(drawn, defined, "{sample}: the nodes are the definition's actions");
        check_graph(&mut b, &record, &definition);
        assert_eq!(
            b.eval("document.querySelector('button.node[data-trigger]').dataset.trigger"),
            json!(definition["triggers"]
                .as_object()
                .and_then(|t| t.keys().next())
                .cloned()
                .unwrap_or_default())
        );

        // Nested actions sit inside their container; branches are the definition's.
        for (name, parent, action) in &actions {
            if let Some(parent) = parent {
                let outer = rect(&mut b, &format!(".scope[data-scope=\"{parent}\"]"));
                let inner = rect(&mut b, &node(name));
                assert!(
                    outer[0] < inner[0] && outer[1] < inner[1] && inner[2] < outer[2] && inner[3] < outer[3],
                    "{sample}: {name} is drawn inside {parent}: {inner:?} in {outer:?}"
                );
            }
            if let Some(keys) = expected_branches(action) {
                let shown = b.eval(&format!(
                    "[...document.querySelectorAll('.branch[data-owner=\"{name}\"]')].map(x => x.dataset.branch)"
                ));
                assert_eq!(shown, json!(keys), "{sample}: the branches of {name}");
            }
        }

        // Expression actions say which operation they are and show what it computed.
        let expressions: Vec<&(String, Option<String>, Value)> =
            actions.iter().filter(|(_, _, a)| a["type"] == "Expression").collect();
        assert!(!expressions.is_empty(), "{sample} holds an Expression action");
        for (name, _, action) in expressions {
            let kind = action["kind"].as_str().unwrap_or_default();
            let shown = b.text(&format!("{} .n-type", node(name)));
            assert_eq!(shown, Some(format!("Expression · {kind}")), "{sample}: {name}");
            b.click(&node(name));
            assert!(details_title(&mut b).starts_with(name.as_str()), "{}", details_title(&mut b));
            let outputs: Value =
                serde_json::from_str(&b.text("#details [data-part=outputs]").unwrap_or_default())
                    .unwrap_or_default();
            let recorded = &record["actions"][name];
            let expected = match recorded["outputs"].clone() {
                Value::Null => recorded["repetitions"][0]["outputs"].clone(),
                outputs => outputs,
            };
            assert!(expected["body"].is_string() || expected["body"].is_number(), "{name}: {expected}");
            assert_eq!(outputs, expected, "{sample}: the outputs of {name}");
            b.key("Escape");
        }

        // The page is titled by the export's display name; stubbed actions say so.
        assert!(b.text("header h1").unwrap_or_default().starts_with(display), "{sample}");
        let stubbed =
            b.eval("[...document.querySelectorAll('button.node[data-stubbed]')].map(n => n.dataset.action)");
        assert_eq!(stubbed, record["stubbed"], "{sample}: the stubbed actions");
        for name in record["stubbed"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let meta = b.text(&format!("{} .n-meta", node(name))).unwrap_or_default();
            assert!(meta.contains("stubbed"), "{sample}: {name}: {meta}");
            b.click(&node(name));
            let notice = b.text("#details [data-part=stubbed]").unwrap_or_default();
            assert!(notice.contains("--stub-unmocked answered it"), "{notice}");
            b.key("Escape");
        }
        finish(&mut b, sample);
    }
}
