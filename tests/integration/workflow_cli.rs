//! `flowexpr run`: exit codes, the summary on stderr, and a run record that `flowexpr eval
//! --context` reads.

use std::process::Command;

fn flowexpr(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_flowexpr")).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

#[test]
fn exit_codes_summary_and_run_record() {
    let dir = std::env::temp_dir().join(format!("flowexpr-run-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let ok = write(
        &dir,
        "ok.json",
        r#"{"definition": {"parameters": {"who": {"type": "string"}}, "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Greet": {"type": "Compose", "inputs": "Hello @{parameters('who')}, order @{triggerBody()?['id']}"}}}}"#,
    );
    let params = write(&dir, "params.json", r#"{"who": {"value": "Ann"}}"#);
    let body = write(&dir, "body.json", r#"{"id": 7}"#);
    let out = dir.join("run.json").display().to_string();
    let (code, _, stderr) = flowexpr(&[
        "run",
        &ok,
        "--parameters",
        &params,
        "--trigger-body",
        &body,
        "--out",
        &out,
        "--clock",
        "2024-01-15T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Succeeded") && stderr.contains("Greet") && stderr.contains("Run Succeeded"),
        "{stderr}"
    );
    let (code, stdout, stderr) = flowexpr(&["eval", "--context", &out, "outputs('Greet')"]);
    assert_eq!((code, stdout.trim()), (0, r#""Hello Ann, order 7""#), "{stderr}");

    let respond = write(
        &dir,
        "respond.json",
        r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"R": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 202, "body": "@triggerBody()"}}}}"#,
    );
    let (code, stdout, stderr) =
        flowexpr(&["run", &respond, "--trigger-body", &body, "--trigger-header", "X-Id=1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(r#""statusCode": 202"#) && stdout.contains(r#""id": 7"#),
        "the Response goes to stdout: {stdout}"
    );

    let failing = write(
        &dir,
        "failing.json",
        r#"{"triggers": {}, "actions": {"Bad": {"type": "Compose", "inputs": "@div(1, 0)"}}}"#,
    );
    let (code, _, stderr) = flowexpr(&["run", &failing]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Run Failed"), "{stderr}");

    let invalid = write(
        &dir,
        "invalid.json",
        r#"{"actions": {"A": {"type": "Compose", "runAfter": {"Nope": ["Succeeded"]}}}}"#,
    );
    let (code, _, stderr) = flowexpr(&["run", &invalid]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/actions/A/runAfter/Nope"), "{stderr}");

    let (code, _, stderr) = flowexpr(&["run", &ok]);
    assert_eq!(code, 2, "a parameter without a value: {stderr}");
    assert!(stderr.contains("FLOWEXPR_PARAM_who"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_command_runs_the_reconciliation_example() {
    let flow = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reconciliation/flow.json");
    let (code, _, stderr) = flowexpr(&["run", flow, "--demo-server"]);
    assert!(stderr.contains("demo API listening on http://127.0.0.1:"), "{stderr}");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.trim_end().lines().last().is_some_and(|l| l.starts_with("Run Succeeded")), "{stderr}");
    assert!(
        stderr.contains("Post_Batch") && stderr.contains("Skipped") && stderr.contains("Catch"),
        "{stderr}"
    );
}

#[test]
fn split_on_runs_every_item_and_conditions_skip() {
    let dir = std::env::temp_dir().join(format!("flowexpr-run-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let flow = write(
        &dir,
        "split.json",
        r#"{"triggers": {"manual": {"type": "Request", "kind": "Http", "splitOn": "@triggerBody()?['rows']",
              "conditions": [{"expression": "@greater(triggerBody()?['n'], 0)"}]}},
            "actions": {"Double": {"type": "Compose", "inputs": "@mul(triggerBody()?['n'], 2)"}}}"#,
    );
    let body = write(&dir, "rows.json", r#"{"rows": [{"n": 1}, {"n": 5}]}"#);
    let (code, stdout, stderr) = flowexpr(&["run", &flow, "--trigger-body", &body, "--out", "-"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("run 1 of 2") && stderr.contains("run 2 of 2"), "{stderr}");
    // The record is the array of the runs' records.
    let records = flowexpr::value::from_json_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let doubled: Vec<String> = records
        .as_array()
        .map(|runs| {
            runs.iter()
                .map(|r| {
                    r.member("actions").and_then(|a| a.member("Double")).and_then(|d| d.member("outputs"))
                })
                .map(|o| o.map(|o| o.to_string()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(doubled, ["2", "10"], "{stdout}");

    let skipped = write(&dir, "skip.json", r#"{"rows": [{"n": 0}, {"n": 3}]}"#);
    let (code, _, stderr) = flowexpr(&["run", &flow, "--trigger-body", &skipped]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("conditions were not met") && stderr.contains("run 1 ended Skipped"), "{stderr}");
    let empty = write(&dir, "empty.json", r#"{"rows": []}"#);
    let (code, _, stderr) = flowexpr(&["run", &flow, "--trigger-body", &empty]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no run started"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
