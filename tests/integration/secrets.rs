//! The secrets suite: every output of `http` (records, `-v` log lines, `--dry-run`), `run`
//! (the summary and errors on stderr, `--out -` and `--out FILE`), `test` (text and JUnit),
//! `check`, `connector` and the REPL is searched for every form of every secret — as
//! written, percent-encoded (`%XX`, `%20`, `+`), JSON-escaped, base64 and base64url, and
//! inside a Basic credential — while an echo server on 127.0.0.1 sends each secret back in
//! those forms.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

use crate::http_support::{Reply, TestServer};

/// A securestring parameter with every character a form changes.
const API_KEY: &str = "K3y+/=&%Z q\"9\\w";
const BASIC_PASSWORD: &str = "hunter2-Basic!";
const RAW_TOKEN: &str = "tok-Raw-5566";
const CLIENT_SECRET: &str = "cs-Secret/77+";
const FETCHED_TOKEN: &str = "at-Fetched-9911";
const URI_PASSWORD: &str = "pw-Uri-4242";
const SECURE_DATA: &str = "sd-Secret-8080";
const CONNECTION_KEY: &str = "conn-Raw-3131";
/// A token a secureData action fetches and a later action sends in a plain header.
const SECURE_TOKEN: &str = "at-SecureData-7272";

const SECRETS: &[&str] = &[
    API_KEY,
    BASIC_PASSWORD,
    RAW_TOKEN,
    CLIENT_SECRET,
    FETCHED_TOKEN,
    URI_PASSWORD,
    SECURE_DATA,
    CONNECTION_KEY,
    SECURE_TOKEN,
];

/// Every form a secret may take on its way out, computed here independently of the
/// redactor.
fn forms(secret: &str) -> Vec<String> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let json = serde_json::to_string(secret).unwrap_or_default();
    let twice = serde_json::to_string(&json).unwrap_or_default();
    let escaped = utf8_percent_encode(secret, UNRESERVED).to_string();
    let mut out = vec![
        secret.to_string(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        escaped.replace("%20", "+"),
        escaped,
        json.get(1..json.len().saturating_sub(1)).unwrap_or_default().to_string(),
        // JSON inside JSON: string() of an array, written as a JSON string.
        twice[3..twice.len() - 3].to_string(),
        base64::engine::general_purpose::STANDARD.encode(secret),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        base64::engine::general_purpose::STANDARD.encode(format!("svc:{secret}")),
        base64::engine::general_purpose::STANDARD.encode(format!("ann:{secret}")),
        // HTML-safe JSON, as a page's script data (and System.Text.Json) writes it.
        html_safe_json(&json),
    ];
    out.sort();
    out.dedup();
    out
}

/// The JSON string's text with `<`, `>`, `&`, `'` and `+` as `\u` escapes.
fn html_safe_json(json: &str) -> String {
    let inner = json.get(1..json.len().saturating_sub(1)).unwrap_or_default();
    let mut out = String::new();
    for c in inner.chars() {
        match c {
            '<' | '>' | '&' | '\'' | '+' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

fn assert_clean(label: &str, text: &str) {
    for secret in SECRETS {
        for form in forms(secret) {
            assert!(!text.contains(&form), "{label}: the secret {secret:?} appears as {form:?} in:\n{text}");
        }
    }
}

/// Answers token requests (a fetched token; the posted form echoed in an error for tenant
/// `bad`) and echoes everything else: target, headers and body, as JSON and in base64.
fn echo_server() -> TestServer {
    TestServer::start(|r, _| {
        if r.path().starts_with("/sd/") {
            return Reply::json(200, &format!(r#"{{"access_token": "{SECURE_TOKEN}", "expires_in": 3600}}"#));
        }
        if r.path().ends_with("/oauth2/token") {
            if r.path().starts_with("/bad/") {
                let body = serde_json::json!({"error": "invalid_client", "error_description": format!("rejected {}", r.body_text())});
                return Reply::json(401, &body.to_string());
            }
            return Reply::json(
                200,
                &format!(
                    r#"{{"access_token": "{FETCHED_TOKEN}", "token_type": "Bearer", "expires_in": 3600}}"#
                ),
            );
        }
        let headers: serde_json::Map<String, serde_json::Value> =
            r.headers.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
        let body = serde_json::json!({
            "target": r.target,
            "headers": headers,
            "body": r.body_text(),
            "base64": base64::engine::general_purpose::STANDARD.encode(&r.body),
            "auth64": base64::engine::general_purpose::STANDARD.encode(r.header("authorization").unwrap_or("")),
        });
        Reply::json(200, &body.to_string())
    })
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("flowexpr-secrets-{}-{name}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        Dir(d)
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

fn flowexpr(args: &[&str], dir: &Path, stdin: Option<&str>) -> (i32, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let input = child.stdin.take();
    if let (Some(text), Some(mut input)) = (stdin, input) {
        let _ = input.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let all = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), all)
}

/// The flow: every kind of secret sent to the echo server, a secureData value passed on,
/// a connector action's `authentication`, and a Terminate message built from the key.
fn flow(base: &str) -> String {
    let port_base = base.trim_start_matches("http://");
    serde_json::json!({
        "parameters": {
            "apiKey": {"type": "securestring"},
            "basicPassword": {"type": "securestring"},
            "base": {"type": "string"}
        },
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {
            "Echo_Key": {"type": "Http", "inputs": {"method": "POST",
                "uri": "@{parameters('base')}/echo?key=@{encodeUriComponent(parameters('apiKey'))}",
                "headers": {"X-Api-Key": "@parameters('apiKey')"},
                "body": {"k": "@parameters('apiKey')", "s": "@{string(createArray(parameters('apiKey')))}"}}},
            "Echo_Basic": {"type": "Http", "runAfter": {"Echo_Key": ["Succeeded"]}, "inputs": {"method": "GET",
                "uri": "@{parameters('base')}/echo",
                "authentication": {"type": "Basic", "username": "svc", "password": "@parameters('basicPassword')"}}},
            "Echo_Raw": {"type": "Http", "runAfter": {"Echo_Basic": ["Succeeded"]}, "inputs": {"method": "GET",
                "uri": "@{parameters('base')}/echo", "authentication": {"type": "Raw", "value": format!("Bearer {RAW_TOKEN}")}}},
            "Echo_Token": {"type": "Http", "runAfter": {"Echo_Raw": ["Succeeded"]}, "inputs": {"method": "GET",
                "uri": "@{parameters('base')}/echo",
                "authentication": {"type": "ActiveDirectoryOAuth", "authority": "@parameters('base')", "tenant": "t1",
                    "audience": "api://x", "clientId": "c1", "secret": CLIENT_SECRET}}},
            "Get_SD_Token": {"type": "Http", "runAfter": {"Echo_Token": ["Succeeded"]},
                "inputs": {"method": "POST", "uri": "@{parameters('base')}/sd/token"},
                "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
            "Use_SD_Token": {"type": "Http", "runAfter": {"Get_SD_Token": ["Succeeded"]}, "inputs": {"method": "GET",
                "uri": "@{parameters('base')}/echo", "headers": {"X-Token": "@{body('Get_SD_Token')?['access_token']}"}}},
            "Bad_Token": {"type": "Http", "runAfter": {"Use_SD_Token": ["Succeeded"]}, "inputs": {"method": "GET",
                "uri": "@{parameters('base')}/echo",
                "retryPolicy": {"type": "none"},
                "authentication": {"type": "ActiveDirectoryOAuth", "authority": "@parameters('base')", "tenant": "bad",
                    "audience": "api://x", "clientId": "c1", "secret": CLIENT_SECRET}}},
            "Echo_Uri": {"type": "Http", "runAfter": {"Bad_Token": ["Failed"]}, "inputs": {"method": "GET",
                "uri": format!("http://ann:{URI_PASSWORD}@{port_base}/echo")}},
            "Secure_Out": {"type": "Compose", "runAfter": {"Echo_Uri": ["Succeeded"]}, "inputs": SECURE_DATA,
                "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
            "Use_Secure": {"type": "Compose", "runAfter": {"Secure_Out": ["Succeeded"]},
                "inputs": "@{outputs('Secure_Out')} is passed on"},
            "Connector": {"type": "ApiConnection", "runAfter": {"Use_Secure": ["Succeeded"]},
                "inputs": {"method": "get", "path": "/x", "authentication": {"type": "Raw", "value": format!("Key {CONNECTION_KEY}")}}},
            "Stop": {"type": "Terminate", "runAfter": {"Connector": ["Succeeded"]},
                "inputs": {"runStatus": "Failed", "runError": {"code": "Bad", "message": "Bad: @{parameters('apiKey')}"}}}
        }
    })
    .to_string()
}

fn parameters(base: &str) -> String {
    serde_json::json!({"apiKey": API_KEY, "basicPassword": BASIC_PASSWORD, "base": base}).to_string()
}

const CONNECTOR_MOCK: &str =
    r#"{"actions": {"Connector": {"statusCode": 200, "body": {"echo": "Key conn-Raw-3131"}}}}"#;

#[test]
fn run_outputs_hide_every_form_of_every_secret() {
    let server = echo_server();
    let base = server.url("").trim_end_matches('/').to_string();
    let dir = Dir::new("run");
    let flow = dir.file("flow.json", &flow(&base));
    let params = dir.file("params.json", &parameters(&base));
    let mocks = dir.file("mocks.json", CONNECTOR_MOCK);
    let record = dir.0.join("run.json");
    let (code, all) = flowexpr(
        &[
            "run",
            &flow.to_string_lossy(),
            "--parameters",
            &params.to_string_lossy(),
            "--mocks",
            &mocks.to_string_lossy(),
            "--time-scale",
            "0.001",
            "--out",
            &record.to_string_lossy(),
            "--html",
            "run.html",
        ],
        &dir.0,
        None,
    );
    assert_eq!(code, 1, "the Terminate fails the run:\n{all}");
    assert!(all.contains("Bad: [redacted]"), "{all}");
    let page = std::fs::read_to_string(dir.0.join("run.html")).unwrap_or_default();
    assert!(page.contains("Echo_Token") && page.contains("[redacted]"), "{page}");
    assert_clean("run --html", &page);
    assert_clean("run stderr", &all);
    let written = std::fs::read_to_string(&record).unwrap_or_default();
    // The echo server really sent the secrets back: the record says so, redacted.
    assert!(written.contains("Echo_Token") && written.matches("[redacted]").count() > 10, "{written}");
    assert_clean("run --out FILE", &written);
    let (_, all) = flowexpr(
        &[
            "run",
            &flow.to_string_lossy(),
            "--parameters",
            &params.to_string_lossy(),
            "--mocks",
            &mocks.to_string_lossy(),
            "--time-scale",
            "0.001",
            "--out",
            "-",
        ],
        &dir.0,
        None,
    );
    assert_clean("run --out -", &all);
    // The record is still a record: eval reads it.
    let (code, all) = flowexpr(
        &["eval", "--context", &record.to_string_lossy(), "body('Echo_Key')?['target']"],
        &dir.0,
        None,
    );
    assert_eq!(code, 0, "{all}");
    assert_clean("eval of the record", &all);
    // And the page of the record, laid out against the flow.
    let (code, all) = flowexpr(
        &["view", &record.to_string_lossy(), "--flow", &flow.to_string_lossy(), "-o", "view.html"],
        &dir.0,
        None,
    );
    assert_eq!(code, 0, "{all}");
    let page = std::fs::read_to_string(dir.0.join("view.html")).unwrap_or_default();
    assert!(page.contains("Echo_Key"), "{page}");
    assert_clean("view of the record", &page);
}

#[test]
fn flow_tests_text_and_junit_hide_them() {
    let server = echo_server();
    let base = server.url("").trim_end_matches('/').to_string();
    let dir = Dir::new("test");
    dir.file("flow.json", &flow(&base));
    // Tests never use the network: the unmocked requests fail with their URL (the key is
    // in its query) and the failing case reports them.
    let test = serde_json::json!({
        "flow": "flow.json",
        "parameters": {"apiKey": API_KEY, "basicPassword": BASIC_PASSWORD, "base": base},
        "mocks": {"actions": {"Connector": {"statusCode": 200, "body": {"echo": format!("Key {CONNECTION_KEY}")}}}},
        "cases": [
            {"name": "fails on purpose", "expect": {"status": "Succeeded",
                "assert": ["@equals(parameters('apiKey'), 'something else')"]}}
        ]
    });
    dir.file("secrets.flowtest.json", &test.to_string());
    let junit = dir.0.join("junit.xml");
    let (code, all) =
        flowexpr(&["test", ".", "--junit", &junit.to_string_lossy(), "--html", "report.html"], &dir.0, None);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("FAIL") && all.contains("no mock answers POST"), "{all}");
    assert_clean("test text", &all);
    let page = std::fs::read_to_string(dir.0.join("report.html")).unwrap_or_default();
    assert!(page.contains("fails on purpose"), "{page}");
    assert_clean("test --html", &page);
    let report = std::fs::read_to_string(&junit).unwrap_or_default();
    assert!(report.contains("<failure"), "{report}");
    assert_clean("test --junit", &report);
}

#[test]
fn http_records_logs_and_dry_runs_hide_them() {
    let server = echo_server();
    let base = server.url("").trim_end_matches('/').to_string();
    let dir = Dir::new("http");
    let context = serde_json::json!({
        "parameters": {"apiKey": API_KEY, "basicPassword": BASIC_PASSWORD, "base": base},
        "parameterTypes": {"apiKey": "securestring", "basicPassword": "securestring"}
    });
    let ctx = dir.file("ctx.json", &context.to_string());
    let flow: serde_json::Value = serde_json::from_str(&flow(&base)).unwrap_or_default();
    let mut files = Vec::new();
    for name in [
        "Echo_Key",
        "Echo_Basic",
        "Echo_Raw",
        "Echo_Token",
        "Echo_Uri",
        "Get_SD_Token",
        "Use_SD_Token",
        "Bad_Token",
    ] {
        let mut action = flow["actions"][name].clone();
        if let Some(o) = action.as_object_mut() {
            o.remove("runAfter");
        }
        files.push(dir.file(&format!("{name}.json"), &action.to_string()).to_string_lossy().into_owned());
    }
    let mut args = vec!["http".to_string()];
    args.extend(files.iter().cloned());
    args.extend([
        "--context".into(),
        ctx.to_string_lossy().into_owned(),
        "-v".into(),
        "--time-scale".into(),
        "0.001".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, all) = flowexpr(&args, &dir.0, None);
    assert_eq!(code, 1, "Bad_Token fails:\n{all}");
    assert!(all.contains("error getting AD OAuth token"), "{all}");
    assert_clean("http records and -v", &all);
    // A dry run sends nothing, so an action reading another's answer cannot be rendered.
    let mut dry: Vec<&str> = args.iter().copied().filter(|a| !a.ends_with("Use_SD_Token.json")).collect();
    dry.push("--dry-run");
    let (code, all) = flowexpr(&dry, &dir.0, None);
    assert_eq!(code, 0, "{all}");
    assert_clean("http --dry-run", &all);
    // secureData hides a dry run's request as it hides the record's inputs.
    let secured = dir.file(
        "secured.json",
        &serde_json::json!({"type": "Http", "inputs": {"method": "POST", "uri": format!("{base}/x"), "body": SECURE_DATA},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs"]}}})
        .to_string(),
    );
    let (_, all) = flowexpr(&["http", &secured.to_string_lossy(), "--dry-run"], &dir.0, None);
    assert!(all.contains("[secured by runtimeConfiguration.secureData]"), "{all}");
    assert_clean("http --dry-run of secureData", &all);
}

#[test]
fn check_connector_and_repl_hide_them() {
    let dir = Dir::new("other");
    // check shows source lines; a secure default is one of them.
    let definition = serde_json::json!({
        "parameters": {"apiKey": {"type": "securestring", "defaultValue": API_KEY}},
        "actions": {"Use": {"type": "Compose", "inputs": "@concat(parameters('apiKey'), body('Missing'))"}}
    });
    let def = dir.file("def.json", &serde_json::to_string_pretty(&definition).unwrap_or_default());
    let (code, all) = flowexpr(&["check", &def.to_string_lossy()], &dir.0, None);
    assert_eq!(code, 1, "{all}");
    assert_clean("check", &all);
    let (_, all) = flowexpr(&["check", "--format", "json", &def.to_string_lossy()], &dir.0, None);
    assert_clean("check --format json", &all);

    let connection = dir.file(
        "connection.json",
        &serde_json::json!({"parameters": {"api_key": format!("{API_KEY}{CONNECTION_KEY}")}}).to_string(),
    );
    let connector = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors/Cloudmersive_PDF");
    let (_, all) = flowexpr(
        &[
            "connector",
            "call",
            &connector.to_string_lossy(),
            "EditPdf_GetAnnotations",
            "--connection",
            &connection.to_string_lossy(),
            "--param",
            "inputFile=abc",
            "--dry-run",
        ],
        &dir.0,
        None,
    );
    assert!(all.contains("[redacted]"), "{all}");
    assert_clean("connector call --dry-run", &all);
    let (_, all) = flowexpr(
        &[
            "connector",
            "list",
            &connector.to_string_lossy(),
            "--connection",
            &connection.to_string_lossy(),
            "--json",
        ],
        &dir.0,
        None,
    );
    assert_clean("connector list", &all);

    let context = dir.file(
        "ctx.json",
        &serde_json::json!({"parameters": {"apiKey": API_KEY}, "parameterTypes": {"apiKey": "securestring"}})
            .to_string(),
    );
    let input = "parameters('apiKey')\nbase64(parameters('apiKey'))\nuriComponent(parameters('apiKey'))\nstring(createArray(parameters('apiKey')))\nconcat('x', parameters('apiKey'), 'y')\nadd(parameters('apiKey'), 1)\n";
    let (_, all) = flowexpr(&["repl", "--context", &context.to_string_lossy()], &dir.0, Some(input));
    assert!(all.matches("[redacted]").count() >= 5, "{all}");
    assert_clean("repl", &all);
    let (_, all) = flowexpr(
        &["eval", "--context", &context.to_string_lossy(), "base64(parameters('apiKey'))"],
        &dir.0,
        None,
    );
    assert_clean("eval", &all);
}

/// Secrets an export or a project brings in: a solution's Secret-type environment variable,
/// a custom connector's `securestring` connection parameter, the placeholder connection key
/// (`$authentication`, `X-MS-APIM-Tokens`), and a Standard project's credentials in
/// `connections.json` and `local.settings.json`.
const ENV_SECRET: &str = "kv-Env/Secret+5151";
const CONNECTOR_KEY: &str = "ck-Connector&7373";
const PLACEHOLDER_KEY: &str = "Key local-connection-key";
const SQL_CONNECTION_KEY: &str = "sqlK3y/+=Std 1";
const SERVICE_BUS: &str =
    "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=Sb+K3y/4=";
const API_TOKEN_SETTING: &str = "tok&Setting q2";
const SIGNING_SETTING: &str = "sign-Param\"9";

fn assert_clean_of(label: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(!text.contains(&form), "{label}: the secret {secret:?} appears as {form:?} in:\n{text}");
        }
    }
}

/// The expenses solution of the fixtures, its connector pointed at `host`, with a Secret
/// environment variable, and a flow that shows every export secret and ends with a
/// Terminate message built from two of them.
fn secret_solution(dir: &Path, host: &str) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/solutions/expenses");
    for sub in ["Workflows", "Connector", "environmentvariabledefinitions/cr5d1_ApiSecret"] {
        let _ = std::fs::create_dir_all(dir.join(sub));
    }
    for name in ["solution.xml", "customizations.xml"] {
        let _ = std::fs::copy(fixture.join(name), dir.join(name));
    }
    for suffix in ["connectionparameters", "policytemplateinstances"] {
        let name = format!("Connector/cr5d1_expenses_{suffix}.json");
        let _ = std::fs::copy(fixture.join(&name), dir.join(&name));
    }
    let api = std::fs::read_to_string(fixture.join("Connector/cr5d1_expenses_openapidefinition.json"))
        .unwrap_or_default()
        .replace("\"api.expenses.example.com\"", &format!("\"{host}\""))
        .replace("\"schemes\": [\"https\"]", "\"schemes\": [\"http\"]");
    let _ = std::fs::write(dir.join("Connector/cr5d1_expenses_openapidefinition.json"), api);
    let _ = std::fs::write(
        dir.join("environmentvariabledefinitions/cr5d1_ApiSecret/environmentvariabledefinition.xml"),
        format!(
            "<environmentvariabledefinition schemaname=\"cr5d1_ApiSecret\">\n  <defaultvalue>{ENV_SECRET}</defaultvalue>\n  <secretstore>0</secretstore>\n  <type>100000005</type>\n</environmentvariabledefinition>\n"
        ),
    );
    let workflow_file = "Workflows/Submittedexpensesdigest-3F2A9C14-7B1D-4E6A-9C2B-5D8E1F0A4B37.json";
    let mut flow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join(workflow_file)).unwrap_or_default())
            .unwrap_or_default();
    let definition = &mut flow["properties"]["definition"];
    definition["parameters"]["ApiSecret (cr5d1_ApiSecret)"] = serde_json::json!({"defaultValue": "", "type": "String", "metadata": {"schemaName": "cr5d1_ApiSecret"}});
    let actions = &mut definition["actions"];
    if let Some(o) = actions.as_object_mut() {
        o.remove("Send_an_email_(V2)");
        o.remove("Total");
    }
    // A smoke run's stand-in trigger has no body.
    actions["List_submitted_expenses"]["inputs"]["parameters"]["employeeId"] =
        "@triggerBody()?['text']".into();
    let after = |name: &str| serde_json::json!({name: ["Succeeded"]});
    actions["Show_Env"] = serde_json::json!({"type": "Compose", "runAfter": after("List_submitted_expenses"),
        "inputs": "@{parameters('ApiSecret (cr5d1_ApiSecret)')}"});
    actions["Show_Key"] = serde_json::json!({"type": "Compose", "runAfter": after("Show_Env"),
        "inputs": "@json(decodeBase64(triggerOutputs().headers['X-MS-APIM-Tokens']))['$ConnectionKey']"});
    actions["Show_Tokens"] = serde_json::json!({"type": "Compose", "runAfter": after("Show_Key"),
        "inputs": "@triggerOutputs().headers['X-MS-APIM-Tokens']"});
    actions["Show_Auth"] = serde_json::json!({"type": "Compose", "runAfter": after("Show_Tokens"),
        "inputs": "@string(parameters('$authentication'))"});
    actions["Stop"] = serde_json::json!({"type": "Terminate", "runAfter": after("Show_Auth"),
        "inputs": {"runStatus": "Failed", "runError": {"code": "Bad",
            "message": "env @{parameters('ApiSecret (cr5d1_ApiSecret)')} with @{parameters('$authentication')['value']}"}}});
    let _ = std::fs::write(dir.join(workflow_file), serde_json::to_string_pretty(&flow).unwrap_or_default());
}

#[test]
fn an_exports_secrets_are_hidden_in_run_check_and_test() {
    let secrets = [ENV_SECRET, CONNECTOR_KEY, PLACEHOLDER_KEY];
    let server = echo_server();
    let host = server.url("").trim_start_matches("http://").trim_end_matches('/').to_string();
    let dir = Dir::new("export");
    let solution = dir.0.join("expenses");
    secret_solution(&solution, &host);
    let connections = dir.file(
        "connections.json",
        &serde_json::json!({"connectors": {"shared_cr5d1-5fexpenses-5f0a1b2c3d4e5f6a7b":
            {"connection": {"parameters": {"api_key": CONNECTOR_KEY}}}}})
        .to_string(),
    );
    let record = dir.0.join("run.json");
    let (code, all) = flowexpr(
        &[
            "run",
            "expenses",
            "--connections",
            &connections.to_string_lossy(),
            "--trigger-body",
            "-",
            "--stub-unmocked",
            "--out",
            &record.to_string_lossy(),
        ],
        &dir.0,
        Some(r#"{"text": "e-7"}"#),
    );
    assert_eq!(code, 1, "the Terminate fails the run:\n{all}");
    assert!(all.contains("env [redacted] with [redacted]"), "{all}");
    assert_clean_of("run of an export", &all, &secrets);
    let written = std::fs::read_to_string(&record).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&written).unwrap_or_default();
    // The connector really called the echo server with the key, which sent it back.
    assert_eq!(value["actions"]["List_submitted_expenses"]["status"], "Succeeded", "{written}");
    assert!(written.contains("X-API-Key") || written.contains("x-api-key"), "{written}");
    for shown in ["Show_Env", "Show_Key"] {
        assert_eq!(value["actions"][shown]["outputs"], "[redacted]", "{shown}: {written}");
    }
    assert_clean_of("run --out of an export", &written, &secrets);

    let (code, all) = flowexpr(&["check", "expenses"], &dir.0, None);
    assert_eq!(code, 0, "{all}");
    assert_clean_of("check of an export", &all, &secrets);

    // The smoke case runs with stubs and reports how far the run went (the Terminate).
    let (code, all) = flowexpr(&["test", "expenses", "--format", "json"], &dir.0, None);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("6 of 6 actions ran"), "{all}");
    assert_clean_of("smoke case of an export", &all, &secrets);

    let test = serde_json::json!({
        "flow": "expenses", "connections": "connections.json",
        "mocks": {"http": [{"method": "GET", "url": format!("http://{host}/v1/expenses*"),
            "response": {"statusCode": 200, "body": {"value": [{"id": "x1", "echo": CONNECTOR_KEY}]}}}]},
        "cases": [{"name": "fails on purpose", "trigger": {"body": {"text": "e-7"}},
            "expect": {"status": "Succeeded", "assert": ["@equals(outputs('Show_Env'), 'other')"]}}]
    });
    dir.file("expenses.flowtest.json", &test.to_string());
    let junit = dir.0.join("junit.xml");
    let (code, all) =
        flowexpr(&["test", "expenses.flowtest.json", "--junit", &junit.to_string_lossy()], &dir.0, None);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("FAIL") && all.contains("[redacted]"), "{all}");
    assert_clean_of("test of an export", &all, &secrets);
    let report = std::fs::read_to_string(&junit).unwrap_or_default();
    assert!(report.contains("<failure"), "{report}");
    assert_clean_of("JUnit of an export", &report, &secrets);
}

/// A Standard project whose credentials live in `connections.json` (through app settings)
/// and `local.settings.json`, and a workflow that sends and shows them.
fn secret_standard_project(dir: &Path, base: &str) {
    let _ = std::fs::create_dir_all(dir.join("orders"));
    let write = |name: &str, value: serde_json::Value| {
        let _ = std::fs::write(dir.join(name), serde_json::to_string_pretty(&value).unwrap_or_default());
    };
    write("host.json", serde_json::json!({"version": "2.0"}));
    write(
        "local.settings.json",
        serde_json::json!({"IsEncrypted": false, "Values": {
            "FUNCTIONS_WORKER_RUNTIME": "node",
            "SQL_AUTH": SQL_CONNECTION_KEY,
            "ORDERS_BUS": SERVICE_BUS,
            "ORDERS_API_TOKEN": API_TOKEN_SETTING,
            "ORDERS_SIGNING": SIGNING_SETTING,
            "ORDERS_BASE": base,
            "REGION": "westeurope"
        }}),
    );
    write(
        "connections.json",
        serde_json::json!({
            "managedApiConnections": {"sql": {
                "api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westeurope/managedApis/sql"},
                "connection": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/connections/sql"},
                "connectionRuntimeUrl": "https://example.azure-apim.net/apim/sql/0123",
                "authentication": {"type": "Raw", "scheme": "Key", "parameter": "@appsetting('SQL_AUTH')"}}},
            "serviceProviderConnections": {"bus": {
                "parameterValues": {"connectionString": "@appsetting('ORDERS_BUS')"},
                "serviceProvider": {"id": "/serviceProviders/serviceBus"}, "displayName": "bus"}}
        }),
    );
    write(
        "parameters.json",
        serde_json::json!({
            "signing": {"type": "SecureString", "value": "@appsetting('ORDERS_SIGNING')"},
            "apiBase": {"type": "String", "value": "@appsetting('ORDERS_BASE')"}
        }),
    );
    let after = |name: &str| serde_json::json!({name: ["SUCCEEDED"]});
    write(
        "orders/workflow.json",
        serde_json::json!({"kind": "Stateful", "definition": {
            "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
            "actions": {
                "Send": {"type": "Http", "runAfter": {}, "inputs": {"method": "POST",
                    "uri": "@{parameters('apiBase')}/echo?sig=@{encodeUriComponent(parameters('signing'))}",
                    "headers": {"X-Token": "@appsetting('ORDERS_API_TOKEN')"},
                    "body": {"sql": "@appsetting('SQL_AUTH')", "bus": "@appsetting('ORDERS_BUS')"}}},
                "Show_Token": {"type": "Compose", "runAfter": after("Send"), "inputs": "@appsetting('ORDERS_API_TOKEN')"},
                "Show_Sql": {"type": "Compose", "runAfter": after("Show_Token"), "inputs": "@appsetting('SQL_AUTH')"},
                "Show_Region": {"type": "Compose", "runAfter": after("Show_Sql"), "inputs": "@appsetting('REGION')"},
                "Stop": {"type": "Terminate", "runAfter": after("Show_Region"), "inputs": {"runStatus": "Failed",
                    "runError": {"code": "Bad", "message": "sig @{parameters('signing')} bus @{appsetting('ORDERS_BUS')}"}}}
            }
        }}),
    );
}

#[test]
fn a_standard_projects_settings_and_connections_are_hidden() {
    let secrets = [SQL_CONNECTION_KEY, SERVICE_BUS, API_TOKEN_SETTING, SIGNING_SETTING];
    let server = echo_server();
    let base = server.url("").trim_end_matches('/').to_string();
    let dir = Dir::new("standard");
    secret_standard_project(&dir.0.join("app"), &base);
    let record = dir.0.join("run.json");
    let (code, all) = flowexpr(&["run", "app", "--out", &record.to_string_lossy()], &dir.0, None);
    assert_eq!(code, 1, "the Terminate fails the run:\n{all}");
    assert!(all.contains("sig [redacted] bus [redacted]"), "{all}");
    assert_clean_of("run of a Standard project", &all, &secrets);
    let written = std::fs::read_to_string(&record).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&written).unwrap_or_default();
    // The echo server got the secrets and sent them back; the record hides them, and only them.
    assert_eq!(value["actions"]["Send"]["status"], "Succeeded", "{written}");
    assert_eq!(value["actions"]["Show_Token"]["outputs"], "[redacted]", "{written}");
    assert_eq!(value["actions"]["Show_Sql"]["outputs"], "[redacted]", "{written}");
    assert_eq!(value["actions"]["Show_Region"]["outputs"], "westeurope", "{written}");
    assert_clean_of("run --out of a Standard project", &written, &secrets);

    let (code, all) = flowexpr(&["check", "app", "--format", "json"], &dir.0, None);
    assert_eq!(code, 0, "{all}");
    assert!(all.trim_start().starts_with('['), "{all}");
    assert_clean_of("check of a Standard project", &all, &secrets);

    let (code, all) = flowexpr(&["test", "app"], &dir.0, None);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("smoke"), "{all}");
    assert_clean_of("smoke case of a Standard project", &all, &secrets);
}

#[test]
fn a_definition_error_beside_a_secure_default_does_not_show_it() {
    // The error's line (shown with a caret) holds the default of a securestring parameter.
    let secret = "S3cr3t-Def4ult/77";
    let dir = Dir::new("definition-error");
    let flow = format!(
        r#"{{"parameters":{{"k":{{"type":"securestring","defaultValue":"{secret}"}},"j":{{"type":"bogus"}}}},"actions":{{}}}}"#
    );
    dir.file("flow.json", &flow);
    let (code, all) = flowexpr(&["run", "flow.json"], &dir.0, None);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("unknown type 'bogus'") && all.contains("[redacted]"), "{all}");
    assert_clean_of("run of a definition that does not compile", &all, &[secret]);
    let (_, all) = flowexpr(&["check", "flow.json"], &dir.0, None);
    assert_clean_of("check of it", &all, &[secret]);
    let (code, all) = flowexpr(&["test", "flow.json"], &dir.0, None);
    assert_eq!(code, 1, "{all}");
    assert_clean_of("smoke case of it", &all, &[secret]);
}
