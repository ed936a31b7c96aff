//! Real Power Automate exports (`tests/corpus/powerautomate/`, zip and folder forms) through
//! the one loader: every export loads in `check`, `run --stub-unmocked` and `test`; every
//! expression in them parses; faults planted in an export as given are reported with
//! pointers into the export's own file; and the run context the service supplies
//! (`$connections`, trigger headers, tags, child flows, app settings) is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use flowexpr::project::{self, run::Environment};
use flowexpr::runtime::{HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use flowexpr::value::{from_json_str, Object, Value};
use flowexpr::workflow::{self, Mocks, RunOptions, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    root().join("tests/corpus/powerautomate/pnp")
}

/// Every export of the corpus: each sample's `.zip` files and its `sourcecode/` folder.
fn exports() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    samples.sort();
    for sample in samples {
        if let Ok(entries) = std::fs::read_dir(sample.join("solution")) {
            let mut zips: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "zip"))
                .collect();
            zips.sort();
            out.extend(zips);
        }
        if sample.join("sourcecode").is_dir() {
            out.push(sample.join("sourcecode"));
        }
    }
    out
}

/// A transport that sends nothing: the sweep never uses the network.
struct NoNetwork;

impl Transport for NoNetwork {
    fn send(&self, request: &HttpRequest, _: Duration) -> Result<HttpResponse, TransportError> {
        Err(TransportError::new(
            TransportErrorKind::InvalidRequest,
            format!("no network in tests: {}", request.url),
        ))
    }
}

fn clock() -> Option<chrono::DateTime<chrono::Utc>> {
    flowexpr::eval::context::parse_clock("2024-06-28T09:00:00Z").ok()
}

fn stub_options(export: Environment) -> RunOptions {
    RunOptions {
        clock: clock(),
        time_scale: 0.0001,
        transport: Some(Arc::new(NoNetwork)),
        export,
        stub_unmocked: true,
        ..RunOptions::default()
    }
}

#[test]
fn every_export_loads_checks_and_runs_with_stubs() {
    let exports = exports();
    let zips = exports.iter().filter(|p| p.extension().is_some_and(|x| x == "zip")).count();
    assert_eq!((zips, exports.len() - zips), (24, 21), "the corpus: 24 zips and 21 unpacked folders");
    let mut flows = 0;
    let mut runs = 0;
    let mut started = 0;
    let mut stubbed_triggers = 0;
    // Connector actions answered by a stub, the Expression actions' statuses, and the
    // actions each definition holds that the runner cannot execute.
    let mut stubbed_actions = 0;
    let mut expressions: Vec<String> = Vec::new();
    let mut unsupported = 0;
    let mut problems = Vec::new();
    for path in &exports {
        let project = match project::load(path) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{}: does not load: {e:#}", path.display()));
                continue;
            }
        };
        assert!(!project.flows.is_empty(), "{}", path.display());
        for flow in &project.flows {
            flows += 1;
            match project::check_flow(&project, flow) {
                Ok(report) => {
                    for f in report
                        .findings
                        .iter()
                        .filter(|f| matches!(f.code, "definition" | "load" | "invalid-action" | "syntax"))
                    {
                        problems.push(format!("{}: {} {}", flow.file, f.code, f.message));
                    }
                }
                Err(e) => problems.push(format!("{}: check failed: {e:#}", flow.file)),
            }
            let workflow = match flow.workflow() {
                Ok(w) => w,
                Err(e) => {
                    problems.push(format!("{}: the runner refuses it: {e:#}", flow.file));
                    continue;
                }
            };
            unsupported += workflow.unsupported_actions().len();
            problems.extend(
                workflow
                    .unsupported_actions()
                    .iter()
                    .filter(|a| a.type_name.starts_with("Expression"))
                    .map(|a| format!("{}: {} is not run: {}", flow.file, a.name, a.type_name)),
            );
            match workflow::fire(&workflow, stub_options(Environment::new(&project, flow))) {
                Ok(finished) => {
                    for run in &finished {
                        let trigger = workflow.trigger().map(|(n, _)| n);
                        stubbed_actions += run.stubbed.iter().filter(|n| Some(n.as_str()) != trigger).count();
                        let Some(Value::Object(actions)) = run.record.member("actions") else { continue };
                        for (name, action) in &actions {
                            let text =
                                |key: &str| action.member(key).map(|v| v.to_text()).unwrap_or_default();
                            if text("type") == "Expression" {
                                assert!(!run.stubbed.iter().any(|s| **s == **name), "{name} was stubbed");
                                expressions.push(format!("{name} {}", text("status")));
                            }
                        }
                    }
                    runs += finished.len();
                    started += finished.iter().filter(|r| r.status != Status::Skipped).count();
                    let split = workflow.has_split_on();
                    stubbed_triggers += finished
                        .iter()
                        .filter(|r| {
                            split
                                && r.stubbed.first().map(String::as_str) == workflow.trigger().map(|(n, _)| n)
                        })
                        .count();
                }
                Err(e) => problems.push(format!("{}: run --stub-unmocked did not start: {e:#}", flow.file)),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(flows, 46, "flows in the 45 exports (site-design-homepage's folder holds two)");
    // Every flow starts exactly one run that runs its actions: the 12 whose connector
    // trigger splits a body nobody gave get the one stand-in item {} (2 of them also have
    // trigger conditions the stand-in does not meet; they run anyway).
    assert_eq!((runs, started), (46, 46), "one run per flow, none skipped");
    assert_eq!(stubbed_triggers, 12, "the splitOn triggers given a stand-in item");
    // The 4 Expression actions of the corpus (GetFutureTime and CurrentTime in
    // ScheduledQuoteEmail, IndexOf in graph_api_in_power_bi's zip and folder) run locally
    // and are neither unsupported nor stubbed: before the runner performed them, the
    // definitions held 173 unsupported actions and the runs stubbed 64 connector actions
    // (Get_future_time and both Find_text_position among them; Current_time and
    // List_records were never reached, since the stubbed future time broke the Compose
    // that formats it). Now 169 and 62: -3 Expression actions, +1 List_records.
    expressions.sort();
    assert_eq!(
        expressions,
        [
            "Current_time Succeeded",
            "Find_text_position Succeeded",
            "Find_text_position Succeeded",
            "Get_future_time Succeeded"
        ]
    );
    assert_eq!(unsupported, 169, "connector actions the definitions hold");
    assert_eq!(stubbed_actions, 62, "connector actions the runs stubbed");
}

/// Every string of every definition that holds an expression or an `@@` escape parses,
/// object keys included (they are templates too).
#[test]
fn every_expression_in_the_exports_parses() {
    fn template(s: &str) -> bool {
        s.starts_with('@') || s.contains("@{")
    }
    /// (is it a key, the text) of every template in a value.
    fn walk(v: &Value, out: &mut Vec<(bool, String)>) {
        match v {
            Value::String(s) if template(s) => out.push((false, s.to_string())),
            Value::Object(o) => o.iter().for_each(|(k, v)| {
                if template(k) {
                    out.push((true, k.to_string()));
                }
                walk(v, out)
            }),
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let (mut values, mut keys) = (0, 0);
    let mut bad = Vec::new();
    for path in exports() {
        let project = project::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
        for flow in &project.flows {
            let mut strings = Vec::new();
            walk(&flow.definition(), &mut strings);
            for (key, s) in strings {
                *(if key { &mut keys } else { &mut values }) += 1;
                if let Err(e) = flowexpr::syntax::parse_template(&s) {
                    bad.push(format!("{}: {s}: {e}", flow.file));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert_eq!((values, keys), (860, 18), "templates in the values and keys of the 46 flows");
}

fn flowexpr(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_command_line_takes_every_export() {
    for path in exports() {
        let p = path.display().to_string();
        let check = flowexpr(&["check", &p]);
        assert_eq!(check.status.code(), Some(0), "check {p}: {}", String::from_utf8_lossy(&check.stdout));
        let json = flowexpr(&["check", "--format", "json", &p]);
        let doc =
            from_json_str(&String::from_utf8_lossy(&json.stdout)).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(matches!(doc, Value::Array(_)), "{p}");
    }
    // A folder holding two flows: run wants a name and lists them.
    let two = corpus().join("site-design-homepage/sourcecode").display().to_string();
    let run = flowexpr(&["run", "--stub-unmocked", &two]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("--workflow")
            && err.contains("Apply Template")
            && err.contains("Site Design - Copy Template"),
        "{err}"
    );
    let named = flowexpr(&[
        "run",
        "--stub-unmocked",
        "--time-scale",
        "0.001",
        "--clock",
        "2024-06-28T09:00:00Z",
        "--workflow",
        "Site Design - Copy Template",
        &two,
    ]);
    let err = String::from_utf8_lossy(&named.stderr);
    assert_eq!(named.status.code(), Some(0), "{err}");
    assert!(err.contains("stubbed") && err.contains("Copy_Master_Template_to_Document_Library"), "{err}");
}

#[test]
fn a_file_holding_no_workflow_is_exit_2_with_what_was_expected() {
    let dir = std::env::temp_dir().join(format!("flowexpr-exports-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let foo = dir.join("foo.json");
    std::fs::write(&foo, r#"{"foo": 1}"#).unwrap_or_default();
    let good = root().join("tests/check/clean.json");
    let out = flowexpr(&["check", &foo.display().to_string(), &good.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("holds no workflow") && text.contains("expected a workflow definition"), "{text}");
    assert!(text.contains("clean.json: 0 error(s)"), "the next file is still checked: {text}");
    let json =
        flowexpr(&["check", "--format", "json", &foo.display().to_string(), &good.display().to_string()]);
    assert_eq!(json.status.code(), Some(2));
    let doc = from_json_str(&String::from_utf8_lossy(&json.stdout)).unwrap_or_else(|e| panic!("{e}"));
    let first = doc.as_array().and_then(|a| a.first().cloned()).unwrap_or_default();
    assert_eq!(first.member("code").map(|c| c.to_text()).as_deref(), Some("not-checked"), "{doc}");
    for args in [vec!["run"], vec!["test"]] {
        let mut a = args.clone();
        let f = foo.display().to_string();
        a.push(&f);
        let out = flowexpr(&a);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Plants an unknown action, an unknown variable and a syntax error in a definition
/// document (its definition at `pointer`) and returns the new text.
fn plant(text: &str, pointer: &str) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap_or_else(|e| panic!("{e}"));
    let actions = doc
        .pointer_mut(&format!("{pointer}/actions"))
        .and_then(|a| a.as_object_mut())
        .unwrap_or_else(|| panic!("no actions"));
    let compose = |inputs: &str| serde_json::json!({"type": "Compose", "inputs": inputs, "runAfter": {}});
    actions.insert("Planted_unknown_action".into(), compose("@body('No_such_action')?['value']"));
    actions.insert("Planted_unknown_variable".into(), compose("@variables('noSuchVariable')"));
    actions.insert("Planted_syntax_error".into(), compose("@concat('a', "));
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn planted_findings(path: &Path) -> (String, Vec<(String, String, usize)>) {
    let out = flowexpr(&["check", "--format", "json", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = from_json_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| panic!("{e}"));
    let Value::Array(items) = doc else { panic!("not an array") };
    let mut file = String::new();
    let mut found = Vec::new();
    for f in items.iter().filter(|f| f.member("severity").is_some_and(|s| s.to_text() == "error")) {
        file = f.member("file").map(|x| x.to_text()).unwrap_or_default();
        let line = f.member("line").and_then(|l| l.as_i64()).unwrap_or(0) as usize;
        found.push((
            f.member("code").map(|c| c.to_text()).unwrap_or_default(),
            f.member("pointer").map(|p| p.to_text()).unwrap_or_default(),
            line,
        ));
    }
    (file, found)
}

fn assert_planted(found: &[(String, String, usize)], prefix: &str) {
    for (code, action) in [
        ("unknown-action", "Planted_unknown_action"),
        ("unknown-variable", "Planted_unknown_variable"),
        ("syntax", "Planted_syntax_error"),
    ] {
        let pointer = format!("{prefix}/actions/{action}/inputs");
        assert!(
            found.iter().any(|(c, p, line)| c == code && *p == pointer && *line > 1),
            "{code} at {pointer} with a line: {found:?}"
        );
    }
}

/// A copy of the corpus export `zip` in `dir`, with the faults planted in its `inner` file.
fn planted_zip(zip: &str, inner: &str, dir: &Path) -> PathBuf {
    let bytes = std::fs::read(corpus().join(zip)).unwrap_or_default();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let target = dir.join(Path::new(zip).file_name().unwrap_or_default());
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&target).unwrap_or_else(|e| panic!("{e}")));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if entry.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap_or_default();
        if name == inner {
            data = plant(&String::from_utf8_lossy(&data), "/properties/definition").into_bytes();
        }
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        std::io::Write::write_all(&mut writer, &data).unwrap_or_default();
    }
    writer.finish().unwrap_or_else(|e| panic!("{e}"));
    target
}

#[test]
fn planted_faults_point_into_the_export_zip_and_folder() {
    let dir = std::env::temp_dir().join(format!("flowexpr-exports-planted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_default();
    // Zips: a package and a solution, rewritten with the faults in their definition file.
    for (zip, inner) in [
        ("sharepoint-set-item-level-permissions/solution/SharePoint-Set-Item-Level-Permissions.zip", "Microsoft.Flow/flows/6c1f5a59-9746-46ba-bfcf-79bedbbd8208/definition.json"),
        ("sharepoint-group-creation-with-user-added/solution/Knowhere365SharePointGroupAutomation.zip", "Workflows/Flow-CreateSharePointGroupandEnsureUsersasMembers-2578E499-0BE1-EC11-BB3C-000D3A233A82.json"),
        ("Try-Catch-Finally/solution/PatternTry-Catch-Finally.zip", "Microsoft.Flow/flows/6420a0b5-c254-42f1-9808-3370c281ca9d/definition.json"),
    ] {
        let target = planted_zip(zip, inner, &dir);
        let (file, found) = planted_findings(&target);
        assert_eq!(file, format!("{}!/{inner}", target.display()));
        assert_planted(&found, "/properties/definition");
    }
    // A folder: the unpacked package, copied with the fault in its definition.json.
    let source = corpus().join("notify-on-last-working-day/sourcecode");
    let copy = dir.join("notify");
    for entry in [
        "manifest.json",
        "Microsoft.Flow/flows/manifest.json",
        "Microsoft.Flow/flows/2efaa716-d914-4206-ad8a-e76b90270c3c/definition.json",
        "Microsoft.Flow/flows/2efaa716-d914-4206-ad8a-e76b90270c3c/apisMap.json",
        "Microsoft.Flow/flows/2efaa716-d914-4206-ad8a-e76b90270c3c/connectionsMap.json",
    ] {
        let to = copy.join(entry);
        std::fs::create_dir_all(to.parent().unwrap_or(&copy)).unwrap_or_default();
        let text = std::fs::read_to_string(source.join(entry)).unwrap_or_default();
        let text =
            if entry.ends_with("definition.json") { plant(&text, "/properties/definition") } else { text };
        std::fs::write(&to, text).unwrap_or_default();
    }
    let (file, found) = planted_findings(&copy);
    assert!(
        file.ends_with("notify/Microsoft.Flow/flows/2efaa716-d914-4206-ad8a-e76b90270c3c/definition.json"),
        "{file}"
    );
    assert_planted(&found, "/properties/definition");
    let _ = std::fs::remove_dir_all(&dir);
}

fn exported(definition: &str, references: &str, display: &str) -> project::Project {
    let text = format!(
        r#"{{"name": "f1", "properties": {{"displayName": "{display}", "connectionReferences": {references}, "definition": {definition}}}}}"#
    );
    project::from_text("flow.json", "flow", &text).unwrap_or_else(|e| panic!("{e:#}\n{text}"))
}

const PA_PARAMS: &str = r#""parameters": {"$connections": {"defaultValue": {}, "type": "Object"}, "$authentication": {"defaultValue": {}, "type": "SecureObject"}}"#;

#[test]
fn connections_headers_and_tags_table() {
    // (trigger, references, expression, expected)
    let cases: &[(&str, &str, &str, &str)] = &[
        (r#"{"type": "Request", "kind": "Button"}"#, r#"{"shared_office365": {"connectionName": "c1", "id": "/providers/Microsoft.PowerApps/apis/shared_office365"}}"#,
         "@parameters('$connections')['shared_office365']['connectionId']", "\"/providers/Microsoft.PowerApps/apis/shared_office365/connections/c1\""),
        (r#"{"type": "Request", "kind": "Button"}"#, r#"{"shared_teams_1": {"api": {"name": "shared_teams"}, "connection": {"connectionReferenceLogicalName": "cr_teams"}}}"#,
         "@parameters('$connections')['shared_teams_1']['id']", "\"/providers/Microsoft.PowerApps/apis/shared_teams\""),
        (r#"{"type": "Request", "kind": "Button"}"#, r#"{"shared_sharepointonline": {"connectionName": "s", "id": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline"}}"#,
         "@json(decodeBase64(triggerOutputs().headers['X-MS-APIM-Tokens']))['$connections']['shared_sharepointonline']['connectionName']", "\"s\""),
        // The connection key is the $authentication secret: the record shows it redacted.
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@json(decodeBase64(triggerOutputs().headers['X-MS-APIM-Tokens']))['$ConnectionKey']", "\"***\""),
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@startsWith(json(decodeBase64(triggerOutputs().headers['X-MS-APIM-Tokens']))['$ConnectionKey'], 'Key ')", "true"),
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@base64ToString(triggerOutputs()['headers']['x-ms-user-email-encoded'])", "\"user@example.com\""),
        (r#"{"type": "Request", "kind": "Button", "inputs": {"headersSchema": {"x-ms-custom-encoded": {"type": "string", "format": "byte"}}}}"#, "{}",
         "@base64ToString(triggerOutputs()['headers']['x-ms-custom-encoded'])", "\"local x-ms-custom-encoded\""),
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@equals(parameters('$authentication')['type'], 'Raw')", "true"),
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@workflow()['tags']['flowDisplayName']", "\"My Flow\""),
        (r#"{"type": "Request", "kind": "Button"}"#, "{}", "@workflow()?['tags']['environmentName']", "\"local\""),
        (r#"{"type": "ApiConnection", "inputs": {"path": "/datasets/x/tables/abc/onnewitems"}}"#, "{}", "@trigger()['inputs']['path']", "\"/datasets/x/tables/abc/onnewitems\""),
    ];
    for (trigger, references, expression, expected) in cases {
        let definition = format!(
            r#"{{{PA_PARAMS}, "triggers": {{"manual": {trigger}}}, "actions": {{"Show": {{"type": "Compose", "inputs": "{}"}}}}}}"#,
            expression.replace('"', "\\\"")
        );
        let project = exported(&definition, references, "My Flow");
        let flow = &project.flows[0];
        let wf = flow.workflow().unwrap_or_else(|e| panic!("{e:#}"));
        let finished = workflow::run(&wf, stub_options(Environment::new(&project, flow)))
            .unwrap_or_else(|e| panic!("{expression}: {e:#}"));
        let got = finished
            .action("Show")
            .and_then(|a| a.member("outputs"))
            .map(|o| o.to_string())
            .unwrap_or_default();
        assert_eq!(&got, expected, "{expression}: {}", finished.summary);
    }
    // --tag overrides the export's tags.
    let definition = format!(
        r#"{{{PA_PARAMS}, "triggers": {{"manual": {{"type": "Request", "kind": "Button"}}}}, "actions": {{"Show": {{"type": "Compose", "inputs": "@workflow()['tags']['environmentName']"}}}}}}"#
    );
    let project = exported(&definition, "{}", "F");
    let mut tags = Object::new();
    tags.insert("environmentName", Value::from("Default-123"));
    let export = Environment::new(&project, &project.flows[0]).with_tags(&tags);
    let wf = project.flows[0].workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let finished = workflow::run(&wf, stub_options(export)).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        finished.action("Show").and_then(|a| a.member("outputs")).map(|o| o.to_text()).as_deref(),
        Some("Default-123")
    );
}

/// On a real export: a mocked ApiConnection action whose connection is read through
/// X-MS-APIM-Tokens runs, the tags name the flow, and mocks by operation answer
/// OpenApiConnection actions.
#[test]
fn the_run_context_on_real_exports() {
    // request-review-and-approval: ApiConnection actions whose host.connection.name is
    // X-MS-APIM-Tokens['$connections']['shared_sharepointonline']['connectionId'], under a
    // splitOn trigger.
    let project = project::load(&corpus().join(
        "request-review-and-approval-for-a-selected-file/solution/RequestReviewandApprovalforaSelectedFile.zip",
    ))
    .unwrap_or_else(|e| panic!("{e:#}"));
    let flow = &project.flows[0];
    assert_eq!(flow.tags.get("flowDisplayName").map(|v| v.to_text()), flow.display_name.clone());
    let wf = flow.workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let body =
        r#"{"rows": [{"ID": 1, "{Link}": "https://contoso/x", "{FullPath}": "Shared Documents/a.docx"}]}"#;
    let mocks = Mocks::from_json_str(
        r#"{"actions": {"Get_file_properties": {"statusCode": 200, "body": {"ID": 1}}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let options = RunOptions {
        trigger_body: from_json_str(body).ok(),
        mocks,
        ..stub_options(Environment::new(&project, flow))
    };
    let runs = workflow::fire(&wf, options).unwrap_or_else(|e| panic!("{e:#}"));
    let first = runs.first().unwrap_or_else(|| panic!("the splitOn item starts a run"));
    let get = first.action("Get_file_properties").unwrap_or_default();
    assert_eq!(get.member("status").map(|s| s.to_text()).as_deref(), Some("Succeeded"), "{}", first.summary);
    let name = get
        .member("inputs")
        .and_then(|i| i.member("host"))
        .and_then(|h| h.member("connection"))
        .and_then(|c| c.member("name"))
        .map(|n| n.to_text())
        .unwrap_or_default();
    assert!(
        name.starts_with("/providers/Microsoft.PowerApps/apis/shared_sharepointonline/connections/"),
        "{name}"
    );
    // sharepoint-set-item-level-permissions: Get_item is shared_sharepointonline GetItem.
    let project = project::load(&corpus().join("sharepoint-set-item-level-permissions/sourcecode"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let flow = &project.flows[0];
    let wf = flow.workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let mocks = Mocks::from_json_str(r#"{"operations": {"shared_sharepointonline": {"GetItem": {"statusCode": 200, "body": {"ID": 7}}, "HttpRequest": {"statusCode": 200, "body": {"d": {"Id": 3}}}}}}"#)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let options =
        RunOptions { mocks, stub_unmocked: false, ..stub_options(Environment::new(&project, flow)) };
    let finished = workflow::run(&wf, options)
        .unwrap_or_else(|e| panic!("every action is answered by operation: {e:#}"));
    assert!(finished.stubbed.is_empty());
    let get_item = finished.action("Get_item").unwrap_or_default();
    assert_eq!(
        get_item.member("status").map(|s| s.to_text()).as_deref(),
        Some("Succeeded"),
        "{}",
        finished.summary
    );
    assert_eq!(
        get_item.member("outputs").and_then(|o| o.member("body")).map(|b| b.to_string()).as_deref(),
        Some(r#"{"ID":7}"#)
    );
}

/// A solution folder with a parent flow calling a child flow of the same solution.
fn child_flow_solution(dir: &Path) {
    let workflows = dir.join("Workflows");
    std::fs::create_dir_all(&workflows).unwrap_or_default();
    let child = format!(
        r#"{{"properties": {{"definition": {{{PA_PARAMS}, "triggers": {{"manual": {{"type": "Request", "kind": "Button", "inputs": {{"schema": {{}}}}}}}},
            "actions": {{"Respond": {{"type": "Response", "kind": "PowerApp", "inputs": {{"statusCode": 200, "body": {{"doubled": "@mul(triggerBody()?['n'], 2)"}}}}}}}}}}}}}}"#
    );
    let parent = format!(
        r#"{{"properties": {{"definition": {{{PA_PARAMS}, "triggers": {{"manual": {{"type": "Request", "kind": "Button"}}}},
            "actions": {{"Run_a_Child_Flow": {{"type": "Workflow", "inputs": {{"host": {{"workflowReferenceName": "11111111-2222-3333-4444-555555555555"}}, "body": {{"n": 21}}}}}},
                        "Show": {{"type": "Compose", "inputs": "@body('Run_a_Child_Flow')?['doubled']", "runAfter": {{"Run_a_Child_Flow": ["Succeeded"]}}}}}}}}}}}}"#
    );
    std::fs::write(workflows.join("Child-11111111-2222-3333-4444-555555555555.json"), child)
        .unwrap_or_default();
    std::fs::write(workflows.join("Parent-AAAAAAAA-2222-3333-4444-555555555555.json"), parent)
        .unwrap_or_default();
    std::fs::write(
        dir.join("customizations.xml"),
        r#"<ImportExportXml><Workflows>
            <Workflow WorkflowId="{11111111-2222-3333-4444-555555555555}" Name="The Child"><JsonFileName>/Workflows/Child-11111111-2222-3333-4444-555555555555.json</JsonFileName></Workflow>
            <Workflow WorkflowId="{aaaaaaaa-2222-3333-4444-555555555555}" Name="The Parent"><JsonFileName>/Workflows/Parent-AAAAAAAA-2222-3333-4444-555555555555.json</JsonFileName></Workflow>
        </Workflows></ImportExportXml>"#,
    )
    .unwrap_or_default();
}

#[test]
fn child_flows_of_the_same_solution_run_locally() {
    let dir = std::env::temp_dir().join(format!("flowexpr-exports-child-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    child_flow_solution(&dir);
    let project = project::load(&dir).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(project.flows.len(), 2);
    let parent = project.flow(Some("The Parent")).unwrap_or_else(|e| panic!("{e:#}"));
    let wf = parent.workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let options = RunOptions { stub_unmocked: false, ..stub_options(Environment::new(&project, parent)) };
    let finished = workflow::run(&wf, options)
        .unwrap_or_else(|e| panic!("the child flow covers the Workflow action: {e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    assert_eq!(
        finished.action("Show").and_then(|a| a.member("outputs")).map(|o| o.to_string()).as_deref(),
        Some("42")
    );
    // Without the child in the export, the action needs a mock.
    let alone = project::load(&dir.join("Workflows/Parent-AAAAAAAA-2222-3333-4444-555555555555.json"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let wf = alone.flows[0].workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let options =
        RunOptions { stub_unmocked: false, ..stub_options(Environment::new(&alone, &alone.flows[0])) };
    assert!(workflow::run(&wf, options).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_standard_project_runs_with_app_settings() {
    let dir = root().join("examples/standard");
    let project = project::load(&dir).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(project.shape, project::Shape::Standard);
    let flow = project.flow(Some("orders")).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        flow.parameters.get("apiBase").map(|v| v.to_text()).as_deref(),
        Some("https://orders.example.com"),
        "@appsetting() in parameters.json is resolved"
    );
    let wf = flow.workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let mocks = Mocks::from_json_str(include_str!("../../examples/standard/mocks.json"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let options =
        RunOptions { mocks, stub_unmocked: false, ..stub_options(Environment::new(&project, flow)) };
    let finished = workflow::run(&wf, options).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    assert_eq!(
        finished
            .response
            .as_ref()
            .and_then(|r| r.member("body"))
            .and_then(|b| b.member("open"))
            .map(|o| o.to_string())
            .as_deref(),
        Some("2")
    );
    let shown = finished
        .action("Describe")
        .and_then(|a| a.member("outputs"))
        .map(|o| o.to_text())
        .unwrap_or_default();
    assert_eq!(shown, "orders from https://orders.example.com in region westeurope");
    // One workflow folder of the project loads with the project's settings.
    let one = project::load(&dir.join("orders")).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(one.flows.len(), 1);
    assert_eq!(one.app_settings.get("REGION").map(|v| v.to_text()).as_deref(), Some("westeurope"));
    // connections.json: its managed API connection is the flow's reference, app settings
    // resolved.
    let reference = flow.references.first().map(|r| (r.key.clone(), r.api.clone(), r.connection.clone()));
    assert_eq!(reference, Some(("sql".into(), "sql".into(), Some("sql".into()))));
    let runtime_url = project
        .connections
        .as_ref()
        .and_then(|c| c.member("managedApiConnections"))
        .and_then(|m| m.member("sql"))
        .and_then(|s| s.member("connectionRuntimeUrl"))
        .map(|u| u.to_text());
    assert_eq!(runtime_url.as_deref(), Some("https://example.azure-apim.net/apim/sql/0123"));
}

/// The README's Standard walk-through, through the binary: check names the connection a run
/// needs, run answers with the mock, test runs the project's flow test.
#[test]
fn the_standard_walk_through() {
    let out = flowexpr(&["check", "examples/standard"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning[needs-connection]: a run needs a mock (by action name) or a --connections entry for 'sql' for its action: Get_open_orders")
            && text.contains("0 error(s), 1 warning(s)"),
        "{text}"
    );
    let out = flowexpr(&["run", "examples/standard", "--mocks", "examples/standard/mocks.json"]);
    let response = from_json_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        response.member("body").map(|b| b.to_string()).as_deref(),
        Some(r#"{"summary":"orders from https://orders.example.com in region westeurope","open":2}"#)
    );
    let out = flowexpr(&["test", "examples/standard"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed") && !text.contains("smoke"), "{text}");
}

/// A definition whose Foreach holds `ifs` nested conditions, with a Compose in the innermost.
fn nested(ifs: usize) -> String {
    let mut inner = r#"{"Leaf": {"type": "Compose", "inputs": 1}}"#.to_string();
    for i in (0..ifs).rev() {
        inner = format!(r#"{{"If_{i}": {{"type": "If", "expression": "@true", "actions": {inner}}}}}"#);
    }
    format!(
        r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {{"Loop": {{"type": "Foreach", "foreach": "@createArray(1)", "actions": {inner}}}}}}}"#
    )
}

#[test]
fn nesting_limit_matches_what_the_service_exported_and_check_agrees() {
    // The service exported a Foreach holding 8 nested Ifs: it runs.
    let ok = flowexpr::workflow::Workflow::from_json_str(&nested(8));
    assert!(ok.is_ok(), "{:?}", ok.err().map(|e| e.to_string()));
    // One more is refused by the runner, and check reports it as an error with its pointer.
    let deep = nested(9);
    let refused = flowexpr::workflow::Workflow::from_json_str(&deep).err().map(|e| e.to_string());
    assert!(
        refused.as_deref().is_some_and(|e| e.contains("nested inside 10 control actions")
            && e.contains("8 levels of nesting below the outermost one, so 9 in all")),
        "{refused:?}"
    );
    // A tenth control action that holds nothing nests no action deeper than nine.
    let empty_tenth = nested(8).replace(
        r#"{"Leaf": {"type": "Compose", "inputs": 1}}"#,
        r#"{"If_8": {"type": "If", "expression": "@true", "actions": {}}}"#,
    );
    assert!(flowexpr::workflow::Workflow::from_json_str(&empty_tenth).is_ok());
    let project = project::from_text("deep.json", "deep", &deep).unwrap_or_else(|e| panic!("{e:#}"));
    let report = project::check_flow(&project, &project.flows[0]).unwrap_or_else(|e| panic!("{e:#}"));
    let finding = report
        .findings
        .iter()
        .find(|f| f.code == "definition")
        .unwrap_or_else(|| panic!("{}", report.render("deep.json")));
    assert!(finding.pointer.starts_with("/actions/Loop/actions/If_0"), "{}", finding.pointer);
    // An Http uri of "" and 501 actions: run refuses, check says so.
    let empty_uri = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}}, "actions": {"Call": {"type": "Http", "inputs": {"method": "GET", "uri": ""}}}}"#;
    let many: Vec<String> =
        (0..501).map(|i| format!(r#""C{i}": {{"type": "Compose", "inputs": {i}}}"#)).collect();
    let too_many = format!(
        r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {{{}}}}}"#,
        many.join(",")
    );
    for text in [empty_uri.to_string(), too_many] {
        let project = project::from_text("f.json", "f", &text).unwrap_or_else(|e| panic!("{e:#}"));
        let wf = project.flows[0].workflow();
        let refused = wf.as_ref().map_or(true, |w| !w.invalid_actions().is_empty());
        assert!(refused, "run refuses it");
        let report = project::check_flow(&project, &project.flows[0]).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(report.has_errors(), "check reports it: {}", report.render("f.json"));
    }
}

/// `--stub-unmocked` without a trigger body: a connector trigger's splitOn gives one stand-in
/// item `{}`, and conditions the stand-in does not meet do not stop the run; a
/// `--trigger-body` wins over the stand-in, and then the conditions count.
#[test]
fn a_stubbed_split_on_trigger_starts_one_run_and_a_trigger_body_wins() {
    let export =
        corpus().join("sharepoint-move-list-item-to-folder/solution/move-sharepoint-list-item-to-folder.zip");
    let export = export.display().to_string();
    let common = ["run", "--stub-unmocked", "--time-scale", "0.00001", "--clock", "2024-06-28T09:00:00Z"];
    let mut args = common.to_vec();
    args.extend(["--out", "-", export.as_str()]);
    let out = flowexpr(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stubbed trigger When_an_item_is_created_or_modified: its splitOn gave no items")
            && err.contains("does not meet its conditions; the run starts anyway"),
        "{err}"
    );
    assert!(!err.contains("no run started"), "{err}");
    let record =
        from_json_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| panic!("{e}: {err}"));
    let runs: Vec<Value> = record.as_array().map(<[Value]>::to_vec).unwrap_or_default();
    assert_eq!(runs.len(), 1, "one run: {err}");
    let first = &runs[0];
    assert_eq!(
        first
            .member("trigger")
            .and_then(|t| t.member("outputs"))
            .and_then(|o| o.member("body"))
            .map(|b| b.to_string())
            .as_deref(),
        Some("{}")
    );
    let stubbed = first.member("stubbed").map(|s| s.to_string()).unwrap_or_default();
    assert!(stubbed.starts_with(r#"["When_an_item_is_created_or_modified""#), "{stubbed}");
    assert!(
        first.member("actions").and_then(|a| a.as_object().map(|o| o.len())).unwrap_or(0) > 5,
        "its actions ran"
    );

    // A trigger body with two items: two runs; the folder item does not meet the condition.
    let dir = std::env::temp_dir().join(format!("flowexpr-exports-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let body = dir.join("body.json");
    std::fs::write(&body, r#"{"value": [{"ID": 1, "{IsFolder}": false}, {"ID": 2, "{IsFolder}": true}]}"#)
        .unwrap_or_default();
    let body = body.display().to_string();
    let mut args = common.to_vec();
    args.extend(["--trigger-body", body.as_str(), "--out", "-", export.as_str()]);
    let out = flowexpr(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("stubbed trigger"), "{err}");
    let record =
        from_json_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| panic!("{e}: {err}"));
    let statuses: Vec<String> = record
        .as_array()
        .unwrap_or_default()
        .iter()
        .map(|r| r.member("status").map(|s| s.to_text()).unwrap_or_default())
        .collect();
    assert_eq!(statuses.len(), 2, "{err}");
    assert_eq!(statuses[1], "Skipped", "the folder item does not meet the condition: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The limits against what the service wrote or accepted: the deepest nesting and the most
/// actions of every definition in both corpora (the README's figures), all within the rule.
#[test]
fn the_limits_hold_what_the_service_wrote() {
    let mut power_automate = (0, 0, 0);
    for path in exports() {
        let project = project::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
        for flow in &project.flows {
            let wf = flow.workflow().unwrap_or_else(|e| panic!("{}: {e:#}", flow.file));
            power_automate.0 += 1;
            power_automate.1 = power_automate.1.max(wf.nesting_depth());
            power_automate.2 = power_automate.2.max(wf.action_count());
        }
    }
    let mut logic_apps = (0, 0, 0);
    let dir = root().join("tests/corpus/workflows");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let wf = workflow::Workflow::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        logic_apps.0 += 1;
        logic_apps.1 = logic_apps.1.max(wf.nesting_depth());
        logic_apps.2 = logic_apps.2.max(wf.action_count());
    }
    // (definitions, the most control actions an action sits inside, the most actions)
    assert_eq!(power_automate, (46, 4, 40), "the pnp exports");
    assert_eq!(logic_apps, (117, 4, 27), "the Logic Apps corpus");
    let limit = workflow::definition::limits::MAX_NESTING + 1;
    assert!(power_automate.1 <= limit && logic_apps.1 <= limit);
    assert!(power_automate.2 <= workflow::definition::limits::MAX_ACTIONS);
    assert_eq!(
        flowexpr::workflow::Workflow::from_json_str(&nested(8)).map(|w| w.nesting_depth()).ok(),
        Some(9),
        "the service's own export: a Foreach holding 8 nested Ifs, an action in the innermost"
    );
}

/// `flowexpr test EXPORT` on every export of the corpus: none has a flow test, so each flow
/// is one smoke case that passes (it loads, checks without errors, its run starts) and says
/// how far its run went; the note says these are not tests and how to write one.
#[test]
fn test_takes_every_export_as_smoke_cases() {
    let mut cases = 0;
    for path in exports() {
        let p = path.display().to_string();
        let flows = project::load(&path).map(|p| p.flows.len()).unwrap_or(0);
        let out = flowexpr(&["test", &p]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "test {p}: {text}{}", String::from_utf8_lossy(&out.stderr));
        let smoke = text.lines().filter(|l| l.starts_with("ok ") && l.contains(" › smoke: ")).count();
        assert_eq!(smoke, flows, "one smoke case per flow of {p}: {text}");
        assert!(text.contains("· the run ended "), "{text}");
        assert!(text.contains(&format!("{flows} passed, 0 failed")), "{text}");
        assert!(
            text.contains(&format!("note: no flow test names {p}: each flow ran once as a smoke case")),
            "{text}"
        );
        cases += smoke;
    }
    assert_eq!(cases, 46);
}

/// A smoke case is never a silent green: planted faults fail it with their place in the
/// export; a file that is no export fails with what was expected; an export a flow test
/// names runs that test instead.
#[test]
fn smoke_cases_fail_on_faults_and_flow_tests_naming_the_export_win() {
    let dir = std::env::temp_dir().join(format!("flowexpr-exports-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let inner = "Microsoft.Flow/flows/6420a0b5-c254-42f1-9808-3370c281ca9d/definition.json";
    let planted = planted_zip("Try-Catch-Finally/solution/PatternTry-Catch-Finally.zip", inner, &dir);
    let p = planted.display().to_string();
    let out = flowexpr(&["test", &p]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("FAIL  ") && text.contains(" › smoke: "), "{text}");
    for (code, action) in [
        ("unknown-action", "Planted_unknown_action"),
        ("unknown-variable", "Planted_unknown_variable"),
        ("syntax", "Planted_syntax_error"),
    ] {
        let at = format!("{p}!/{inner}:");
        let pointer = format!("at /properties/definition/actions/{action}/inputs");
        assert!(
            text.lines().any(|l| l.contains(&format!("check: error[{code}]"))
                && l.contains(&at)
                && l.contains(&pointer)),
            "{code} at {pointer}: {text}"
        );
    }
    // Not an export at all.
    let foo = dir.join("foo.json");
    std::fs::write(&foo, r#"{"foo": 1}"#).unwrap_or_default();
    let out = flowexpr(&["test", &foo.display().to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the export does not load") && text.contains("expected a workflow definition"),
        "{text}"
    );
    // A folder that is neither tests nor an export.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_default();
    let out = flowexpr(&["test", &empty.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("and it is not an export"));
    // The README's example: the zip is named by the flow test beside it.
    let out = flowexpr(&["test", "examples/powerautomate/PatternTry-Catch-Finally.zip"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("try-catch-finally.flowtest.json › try succeeds") && !text.contains("smoke"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
