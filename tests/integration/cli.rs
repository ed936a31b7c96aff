//! The command line as a tool: exit codes (one test per code, as the README's table says),
//! `-` for standard input (exports too), `--color` and NO_COLOR, completions and man pages,
//! `eval --raw`, streamed `test` output (smoke cases too), and the messages for files that
//! are wrong before they are JSON — the same for a file inside an export.
#![cfg(feature = "cli")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs flowexpr in the repository root with `stdin` as standard input.
fn flowexpr_with(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowexpr"));
    command
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run flowexpr: {e}"));
    if let Some(mut input) = child.stdin.take() {
        // A command that does not read its input may close it first; that is fine.
        let _ = input.write_all(stdin);
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

fn flowexpr(args: &[&str]) -> Output {
    flowexpr_with(args, b"", &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch folder of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowexpr-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    path.to_string_lossy().into_owned()
}

const FAILING_FLOW: &str = r#"{"actions": {"Stop": {"type": "Terminate",
    "inputs": {"runStatus": "Failed", "runError": {"code": "Nope", "message": "stopped"}}}}}"#;

/// (arguments, standard input, exit code, text expected in stdout + stderr)
type Case<'a> = (&'a [&'a str], &'a str, i32, &'a str);

#[test]
fn exit_code_0_success() {
    let cases: &[Case] = &[
        (&["eval", "add(1, 2)"], "", 0, "3"),
        (&["eval", "variables('n')", "--context", "-"], r#"{"variables": {"n": 4}}"#, 0, "4"),
        (&["check", "examples/reconciliation/flow.json"], "", 0, "0 error(s)"),
        // A folder the loader accepts (a Standard project) is checked, not refused.
        (&["check", "examples/standard"], "", 0, "orders/workflow.json: 0 error(s), 1 warning(s)"),
        (&["test", "examples/powerautomate/PatternTry-Catch-Finally.zip"], "", 0, "1 passed, 0 failed"),
        (&["test", "examples/reconciliation"], "", 0, "5 passed, 0 failed"),
        (&["run", "-"], r#"{"actions": {"A": {"type": "Compose", "inputs": 1}}}"#, 0, "Run Succeeded"),
        (&["functions", "--category", "math"], "", 0, "add("),
        (&["completions", "bash"], "", 0, "flowexpr"),
        (&["man"], "", 0, ".TH"),
        (&["--help"], "", 0, "Usage: flowexpr"),
        (&["--version"], "", 0, "flowexpr 0."),
    ];
    run_table(cases);
}

#[test]
fn exit_code_1_failed() {
    let cases: &[Case] = &[
        (&["eval", "substring('hello', 3, 5)"], "", 1, "out of range"),
        (&["eval", "concat('a'"], "", 1, "error"),
        (&["check", "tests/check/unknown-action.json"], "", 1, "unknown-action"),
        (&["test", "tests/flowtest/fail-assert.flowtest.json"], "", 1, "0 passed, 1 failed"),
        (&["run", "-"], FAILING_FLOW, 1, "Run Failed"),
        (&["render", "-"], r#"{"x": "@{div(1, 0)}"}"#, 1, "<stdin>"),
    ];
    run_table(cases);
}

#[test]
fn exit_code_2_usage_io_and_invalid_files() {
    let dir = scratch("codes");
    let not_json = write(&dir, "not.json", b"not json");
    let utf16 = write(&dir, "utf16.json", b"\xFF\xFE{\0}\0");
    let mocks = write(&dir, "mocks.json", br#"{"actons": {}}"#);
    let dir_arg = dir.to_string_lossy().into_owned();
    let cases: &[Case] = &[
        (&["eval"], "", 2, "Usage"),
        (&["eval", "1", "--no-such-flag"], "", 2, "unexpected argument"),
        (&["check", &not_json], "", 2, "not valid JSON"),
        (&["check", "no/such/file.json"], "", 2, "could not be checked"),
        // A folder is checked when it is an export or a project; this one is neither.
        (&["check", &dir_arg], "", 2, "the folder holds no flow this loader recognises"),
        (&["check", "-"], r#"{"name": "not a flow"}"#, 2, "this JSON holds no workflow (its keys are name)"),
        (&["connector", "list", "/nope"], "", 2, "/nope"),
        (&["eval", "1", "--context", &dir_arg], "", 2, "is a folder"),
        (&["eval", "1", "--context", &utf16], "", 2, "UTF-16 (little-endian)"),
        (&["run", "examples/reconciliation/flow.json", "--mocks", &mocks], "", 2, "unknown mocks section"),
        (
            &["run", "-", "--mocks", "-"],
            r#"{"actions": {"A": {"type": "Compose", "inputs": 1}}}"#,
            2,
            "only one argument can be `-`",
        ),
        (&["repl", "--context", "-"], "", 2, "give the run context as a file"),
        (&["test", "no/such/folder"], "", 2, "does not exist"),
        (&["run", "examples/standard", "--workflow", "nope"], "", 2, "has no flow named 'nope'"),
        (&["functions", "--category", "nope"], "", 2, "unknown category"),
    ];
    run_table(cases);
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_table(cases: &[Case]) {
    for (args, stdin, code, expected) in cases {
        let out = flowexpr_with(args, stdin.as_bytes(), &[]);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(*code), "flowexpr {}: {all}", args.join(" "));
        assert!(all.contains(expected), "flowexpr {}: expected {expected:?} in {all}", args.join(" "));
    }
}

#[test]
fn check_reports_every_file_and_goes_on_after_a_bad_one() {
    let dir = scratch("check");
    let bad = write(&dir, "bad.json", b"{\"actions\": ");
    let out =
        flowexpr(&["check", "examples/reconciliation/flow.json", &bad, "tests/check/unknown-action.json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("examples/reconciliation/flow.json: 0 error(s)"), "{stdout}");
    assert!(stdout.contains("bad.json: not checked"), "{stdout}");
    assert!(stdout.contains("tests/check/unknown-action.json: 1 error(s)"), "{stdout}");
    assert!(text(&out.stderr).contains("1 of 3 files could not be checked"));

    let json = flowexpr(&["check", &bad, "tests/check/unknown-action.json", "--format", "json"]);
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    let codes: Vec<&str> =
        findings.as_array().into_iter().flatten().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["not-checked", "unknown-action"], "{findings}");
    assert_eq!(
        (findings[0]["line"].as_i64(), findings[0]["file"].as_str()),
        (Some(1), Some(bad.as_str())),
        "{findings}"
    );
    assert_eq!(json.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_that_are_wrong_before_they_are_json_say_why() {
    let dir = scratch("encodings");
    // A UTF-8 byte-order mark is accepted (Notepad writes one).
    let bom = write(&dir, "bom.json", b"\xEF\xBB\xBF{\"variables\": {\"n\": 3}}");
    let out = flowexpr(&["eval", "mul(variables('n'), 50)", "--context", &bom]);
    assert_eq!((out.status.code(), text(&out.stdout).trim()), (Some(0), "150"), "{}", text(&out.stderr));
    let piped = flowexpr_with(&["check", "-"], b"\xEF\xBB\xBF{\"actions\": {}}", &[]);
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped.stdout));

    let latin1 = write(&dir, "latin1.json", b"{\n  \"variables\": {\"name\": \"Caf\xE9\"}\n}");
    let out = flowexpr(&["eval", "1", "--context", &latin1]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("is not UTF-8: byte 0xE9 at line 2, column 29"), "{stderr}");

    // JSON of the wrong shape: what was expected, the pointer and the line. A run context
    // may hold secrets, so its text is not shown: here one sits on the line of the mistake.
    let shape = write(
        &dir,
        "shape.json",
        b"{\n  \"clock\": \"2024-01-15T00:00:00Z\",\n  \"parameters\": {\"key\": \"s3cret\"}, \"variables\": [1, 2]\n}",
    );
    let out = flowexpr(&["eval", "1", "--context", &shape]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("\"variables\" must be an object, not Array"), "{stderr}");
    assert!(stderr.contains("shape.json:3:36 at /variables"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    // Other files get the line and a caret.
    let action = write(
        &dir,
        "action.json",
        b"{\"type\": \"Http\",\n \"inputs\": {\"method\": 5, \"uri\": \"https://a.example\"}}",
    );
    let out = flowexpr(&["http", &action, "--dry-run"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("action.json:2:") && stderr.contains("2 |  \"inputs\""), "{stderr}");

    let mocks = write(&dir, "mocks.json", b"{\"actions\": {\n  \"Get\": {\"statusCode\": 999}\n}}");
    let out = flowexpr(&["run", "examples/reconciliation/flow.json", "--mocks", &mocks]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("999 is not an HTTP status code")
            && stderr.contains(":2:11 at /actions/Get/statusCode"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_line_does_not_end_a_piped_repl_session() {
    // A byte-order mark before the first line is skipped; CR LF line ends are accepted.
    let out = flowexpr_with(&["repl"], b"\xEF\xBB\xBFadd(1, 2)\nconcat('caf\xE9')\r\ntoUpper('x')\r\n", &[]);
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_default()).collect();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["value"], 3);
    let error = lines[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("input line 2 is not UTF-8: byte 0xE9 at column 12"), "{error}");
    assert_eq!(lines[2]["value"], "X");
}

#[test]
fn eval_raw_prints_strings_as_text() {
    let raw = flowexpr(&["eval", "--raw", "concat('a\"b', '\\n', 'c')"]);
    assert_eq!(text(&raw.stdout), "a\"b\\nc\n");
    let lines = flowexpr(&["eval", "-r", "concat('line one', decodeUriComponent('%0A'), 'line two')"]);
    assert_eq!(text(&lines.stdout), "line one\nline two\n");
    // Other values stay JSON.
    let array = flowexpr(&["eval", "--raw", "--compact", "createArray('a', 1)"]);
    assert_eq!(text(&array.stdout), "[\"a\",1]\n");
    let json = flowexpr(&["eval", "concat('a', 'b')"]);
    assert_eq!(text(&json.stdout), "\"ab\"\n");
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let args = ["test", "examples/reconciliation", "--filter", "happy"];
    let green = "\x1b[32m";
    let with = |extra: &[&str], env: &[(&str, &str)]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(extra);
        text(&flowexpr_with(&all, b"", env).stdout)
    };
    // Into a pipe, auto means no colour.
    assert!(!with(&[], &[]).contains(green));
    assert!(with(&["--color", "always"], &[]).contains(green));
    // --color always wins over NO_COLOR; never wins over everything.
    assert!(with(&["--color=always"], &[("NO_COLOR", "1")]).contains(green));
    assert!(!with(&["--color", "never"], &[]).contains(green));
    let bad = flowexpr(&["eval", "1", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    // clap's own messages follow the flag too.
    let usage = |flag: &str| text(&flowexpr(&["eval", "--color", flag]).stderr);
    assert!(usage("always").contains("\x1b["), "{}", usage("always"));
    assert!(!usage("never").contains("\x1b["));
}

#[test]
fn completions_for_every_shell_and_man_pages() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef flowexpr"),
        ("fish", "complete -c flowexpr"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = flowexpr(&["completions", shell]);
        let script = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(script.contains(marker), "{shell}: {script:.200}");
        // Generated from the same definition: subcommands and their flags are there.
        assert!(script.contains("connector"), "{shell}");
        assert!(script.contains("junit"), "{shell}");
    }
    let page = text(&flowexpr(&["man"]).stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH flowexpr 1"), "{page:.300}");
    assert!(page.contains("completions"), "{page:.300}");

    let dir = scratch("man");
    let dir_arg = dir.to_string_lossy().into_owned();
    let out = flowexpr(&["man", "--out", &dir_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for page in [
        "flowexpr.1",
        "flowexpr-run.1",
        "flowexpr-test.1",
        "flowexpr-connector.1",
        "flowexpr-connector-call.1",
    ] {
        let body = std::fs::read_to_string(dir.join(page)).unwrap_or_default();
        assert!(body.contains(".TH"), "{page}: {body:.200}");
    }
    let run_page = std::fs::read_to_string(dir.join("flowexpr-run.1")).unwrap_or_default();
    assert!(run_page.contains("mocks"), "{run_page:.400}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_subcommand_help_has_examples() {
    for args in [
        &[][..],
        &["eval"],
        &["render"],
        &["parse"],
        &["repl"],
        &["check"],
        &["test"],
        &["run"],
        &["view"],
        &["http"],
        &["functions"],
        &["completions"],
        &["man"],
        &["connector"],
        &["connector", "list"],
        &["connector", "call"],
        &["connector", "check"],
        &["connector", "test"],
        &["connector", "sweep"],
    ] {
        let mut all = args.to_vec();
        all.push("--help");
        let help = text(&flowexpr(&all).stdout);
        assert!(help.contains("Examples:\n  flowexpr "), "flowexpr {}: {help}", args.join(" "));
    }
    // The options for exports have an example each, and so do exports themselves.
    for (command, shown) in [
        (
            "run",
            &["--workflow", "--stub-unmocked", "--tag", "--connections", ".zip", "examples/standard"][..],
        ),
        ("check", &[".zip", "examples/standard", " -"]),
        ("test", &[".zip", "--format json"]),
    ] {
        let help = text(&flowexpr(&[command, "--help"]).stdout);
        let examples = help.split("Examples:\n").nth(1).unwrap_or_default();
        for wanted in shown {
            assert!(
                examples.contains(wanted),
                "flowexpr {command} --help: no example with {wanted}: {examples}"
            );
        }
    }
}

#[test]
fn test_results_stream_as_json_lines_while_cases_run() {
    let dir = scratch("stream");
    write(&dir, "flow.json", br#"{"actions": {"Pause": {"type": "Wait", "inputs": {"interval": {"count": 2, "unit": "Second"}}}}}"#);
    write(&dir, "quick.json", br#"{"actions": {"Done": {"type": "Compose", "inputs": 1}}}"#);
    write(
        &dir,
        "a.flowtest.json",
        br#"{"flow": "quick.json", "cases": [{"name": "quick", "expect": {"status": "Succeeded"}}]}"#,
    );
    write(
        &dir,
        "b.flowtest.json",
        br#"{"flow": "flow.json", "timeScale": 1, "cases": [{"name": "slow", "expect": {"status": "Succeeded"}}]}"#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(["test", "--jobs", "1", "--format", "json"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut first = String::new();
    let _ = stdout.read_line(&mut first);
    // The quick case is printed while the slow one is still waiting.
    let still_running = child.try_wait().ok().flatten().is_none();
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    let status = child.wait().ok().and_then(|s| s.code());
    assert!(still_running, "the first result came only after the run ended");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap_or_default();
    assert_eq!(
        (first["type"].as_str(), first["name"].as_str(), first["status"].as_str()),
        (Some("case"), Some("quick"), Some("passed"))
    );
    assert_eq!(rest.len(), 2, "{rest:?}");
    let last: serde_json::Value = serde_json::from_str(&rest[1]).unwrap_or_default();
    assert_eq!(last["type"], "summary");
    assert_eq!((last["passed"].as_i64(), last["failed"].as_i64()), (Some(2), Some(0)));
    assert_eq!(status, Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_junit_report_can_go_to_standard_output() {
    let out = flowexpr(&["test", "tests/flowtest/fail-status.flowtest.json", "--junit", "-"]);
    let xml = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(crate::junit_schema::validate_junit(&xml).is_empty());
    // The human-readable results moved to standard error.
    assert!(text(&out.stderr).contains("FAIL  tests/flowtest/fail-status.flowtest.json"));
}

/// Splits a shell line into words: spaces separate, '...' and "..." quote (a backslash
/// escapes `"` and `\` inside double quotes). Enough for the examples, which use no `$`.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' if in_word => {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            ' ' => {}
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn the_help_examples_that_name_files_of_this_repository_run() {
    let mut ran = Vec::new();
    for args in [
        &[][..],
        &["eval"],
        &["render"],
        &["parse"],
        &["check"],
        &["test"],
        &["run"],
        &["functions"],
        &["connector", "list"],
        &["connector", "call"],
        &["connector", "check"],
        &["connector", "test"],
    ] {
        let mut all = args.to_vec();
        all.push("--help");
        let help = text(&flowexpr(&all).stdout);
        let examples = help.split("Examples:\n").nth(1).unwrap_or_default();
        for line in examples.lines().map(str::trim).filter(|l| !l.is_empty()) {
            // Pipes, redirections and files the reader would bring are not run here.
            if line.contains(['|', '>']) {
                continue;
            }
            let mut words = shell_words(line);
            let env: Vec<(String, String)> = words
                .iter()
                .take_while(|w| w.contains('=') && !w.starts_with('-'))
                .filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect();
            words.drain(..env.len());
            assert_eq!(words.first().map(String::as_str), Some("flowexpr"), "{line}");
            let is_path = |w: &&String| {
                !w.starts_with('-') && (w.contains('/') || [".json", ".xml"].iter().any(|e| w.ends_with(e)))
            };
            let paths: Vec<&String> = words[1..].iter().filter(is_path).collect();
            // `flowexpr test` without a path tests the current folder: the repository, with
            // its failing fixtures.
            let tests_the_repository = words[1] == "test" && paths.is_empty();
            if tests_the_repository || !paths.iter().all(|w| root().join(w).exists()) {
                continue;
            }
            let argv: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let out = flowexpr_with(&argv, b"", &env);
            assert_eq!(out.status.code(), Some(0), "{line}: {}{}", text(&out.stdout), text(&out.stderr));
            ran.push(line.to_string());
        }
    }
    assert!(ran.len() >= 10, "only {} examples ran: {ran:#?}", ran.len());
}

#[test]
fn every_file_argument_takes_standard_input() {
    let dir = scratch("stdin");
    let flow = write(
        &dir,
        "flow.json",
        br#"{"parameters": {"greeting": {"type": "string"}},
             "actions": {"Call": {"type": "Http", "inputs": {"method": "GET", "uri": "https://api.example.com/x"}},
                         "Say": {"type": "Compose", "inputs": "@{parameters('greeting')} @{body('Call')?['who']}",
                                 "runAfter": {"Call": ["Succeeded"]}}}}"#,
    );
    let mocks =
        write(&dir, "mocks.json", br#"{"actions": {"Call": {"statusCode": 200, "body": {"who": "world"}}}}"#);
    let params = write(&dir, "params.json", br#"{"greeting": {"value": "hello"}}"#);
    let expenses_tests =
        std::fs::read(root().join("examples/connectors/expenses/tests.json")).unwrap_or_default();
    let said = |out: &Output| text(&out.stdout).contains("\"hello world\"");
    /// (arguments, standard input, is the output right?)
    type Row<'a> = (Vec<&'a str>, Vec<u8>, Box<dyn Fn(&Output) -> bool>);
    let cases: Vec<Row> = vec![
        (vec!["run", "-", "--mocks", &mocks, "--parameters", &params, "--out", "-"], std::fs::read(&flow).unwrap_or_default(), Box::new(said)),
        (vec!["run", &flow, "--mocks", "-", "--parameters", &params, "--out", "-"], std::fs::read(&mocks).unwrap_or_default(), Box::new(said)),
        (vec!["run", &flow, "--mocks", &mocks, "--parameters", "-", "--out", "-"], std::fs::read(&params).unwrap_or_default(), Box::new(said)),
        (
            vec!["http", "-", "--dry-run"],
            br#"{"method": "GET", "uri": "https://api.example.com/items", "headers": {"Authorization": "Bearer s3cret"}}"#.to_vec(),
            Box::new(|o: &Output| text(&o.stdout).contains("https://api.example.com/items") && !text(&o.stdout).contains("s3cret")),
        ),
        (
            vec!["connector", "call", "examples/connectors/expenses", "GetExpenses", "--connection", "-", "--dry-run"],
            br#"{"parameters": {"api_key": "k-123"}}"#.to_vec(),
            Box::new(|o: &Output| text(&o.stdout).contains("/v1/expenses") && !text(&o.stdout).contains("k-123")),
        ),
        (
            vec!["connector", "test", "examples/connectors/expenses", "--cases", "-"],
            expenses_tests,
            Box::new(|o: &Output| text(&o.stdout).contains(" passed, 0 failed")),
        ),
    ];
    for (args, stdin, check) in &cases {
        let out = flowexpr_with(args, stdin, &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "flowexpr {}: {}{}",
            args.join(" "),
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(check(&out), "flowexpr {}: {}", args.join(" "), text(&out.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn results_that_cannot_be_written_fail_the_command() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        println!("skipped: this system has no /dev/full");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_flowexpr"))
        .args(["test", "examples/reconciliation"])
        .current_dir(root())
        .stdout(full)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write the test results"), "{}", text(&out.stderr));
}

/// A Power Automate package (`.zip`) holding one flow whose `definition.json` is `definition`.
fn package_zip(dir: &Path, name: &str, definition: &[u8]) -> String {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut writer = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    for (entry, data) in [
        ("manifest.json", &br#"{"schema": "1.0", "resources": {}}"#[..]),
        ("Microsoft.Flow/flows/abc/definition.json", definition),
    ] {
        writer.start_file(entry, options).unwrap_or_else(|e| panic!("{e}"));
        writer.write_all(data).unwrap_or_else(|e| panic!("{e}"));
    }
    writer.finish().unwrap_or_else(|e| panic!("{e}"));
    path.to_string_lossy().into_owned()
}

#[test]
fn the_loader_reads_every_file_as_source_does() {
    let dir = scratch("loader");
    let inner = "!/Microsoft.Flow/flows/abc/definition.json";
    let good =
        "{\"properties\": {\"definition\": {\"actions\": {\"A\": {\"type\": \"Compose\", \"inputs\": 1}}}}}";
    // A byte-order mark inside the export is dropped, as in any file.
    let bom = package_zip(&dir, "bom.zip", format!("\u{feff}{good}").as_bytes());
    let out = flowexpr(&["check", &bom]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(&format!("bom.zip{inner}: 0 error(s)")), "{}", text(&out.stdout));
    // (definition.json's bytes, what check says)
    let cases: &[(&[u8], &str)] = &[
        (b"\xFF\xFE{\0}\0", "definition.json is UTF-16 (little-endian): it starts with that byte-order mark; save it as UTF-8"),
        (b"{\"properties\": {\n  \"displayName\": \"Caf\xE9\"}}", "definition.json is not UTF-8: byte 0xE9 at line 2, column 22"),
        (b"{\"properties\": {\n  \"definition\": {\"actions\": }}}", "definition.json is not valid JSON: expected value at line 2 column 29"),
    ];
    for (i, (bytes, said)) in cases.iter().enumerate() {
        let zip = package_zip(&dir, &format!("bad-{i}.zip"), bytes);
        let out = flowexpr(&["check", &zip]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{stdout}");
        assert!(
            stdout.contains(&format!("error[not-checked]: {zip}{inner}")) && stdout.contains(said),
            "{stdout}"
        );
        assert!(text(&out.stderr).contains("1 of 1 file could not be checked"), "{}", text(&out.stderr));
    }
    // The syntax error is placed: a caret under it, and its line in the JSON finding.
    let zip = package_zip(&dir, "bad-2.zip", cases[2].0);
    let out = flowexpr(&["check", &zip]);
    assert!(text(&out.stdout).contains(" --> 2:29\n") && text(&out.stdout).contains("2 |   \"definition\""));
    let json = flowexpr(&["check", "--format", "json", &zip]);
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(
        (findings[0]["code"].as_str(), findings[0]["line"].as_i64(), findings[0]["column"].as_i64()),
        (Some("not-checked"), Some(2), Some(29)),
        "{findings}"
    );
    assert_eq!(json.status.code(), Some(2));

    // A Standard project's local.settings.json holds secrets: a syntax error in it says
    // where, but never shows the line.
    let project = dir.join("standard");
    std::fs::create_dir_all(project.join("wf")).unwrap_or_else(|e| panic!("{e}"));
    write(&project, "host.json", br#"{"version": "2.0"}"#);
    write(&project, "wf/workflow.json", br#"{"definition": {"actions": {}}, "kind": "Stateful"}"#);
    write(&project, "local.settings.json", b"{\"Values\": {\"KEY\": \"s3cret\",}}");
    let out = flowexpr(&["check", &project.to_string_lossy()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("local.settings.json is not valid JSON") && stdout.contains("line 1"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_and_run_take_an_export_on_standard_input() {
    let zip =
        std::fs::read(root().join("examples/powerautomate/PatternTry-Catch-Finally.zip")).unwrap_or_default();
    let out = flowexpr_with(&["check", "-"], &zip, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("<stdin>!/Microsoft.Flow/flows/") && stdout.contains(": 0 error(s)"), "{stdout}");
    let out = flowexpr_with(&["run", "-", "--clock", "2024-06-28T09:00:00Z"], &zip, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Run Succeeded"), "{}", text(&out.stderr));
    // An exported flow file (`{"properties": {"definition": ...}}`) on standard input.
    let exported = br#"{"properties": {"displayName": "Piped", "definition": {"actions": {"A": {"type": "Compose", "inputs": "@workflow()?['tags']?['flowDisplayName']"}}}}}"#;
    let out = flowexpr_with(&["run", "-", "--out", "-"], exported, &[]);
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(record["actions"]["A"]["outputs"], "Piped", "{record}");
}

#[test]
fn test_streams_smoke_cases_of_an_export_as_json() {
    let export = "tests/corpus/powerautomate/pnp/Set-Dataverse-Lookups/solution/Set-Dataverse-Lookups_20221215171538.zip";
    let out = flowexpr(&["test", export, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_default()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!((lines[0]["type"].as_str(), lines[0]["status"].as_str()), (Some("case"), Some("passed")));
    assert!(lines[0]["name"].as_str().is_some_and(|n| n.starts_with("smoke: ")), "{}", lines[0]);
    let note = lines[0]["notes"][0].as_str().unwrap_or_default();
    assert!(note.starts_with("the run ended Succeeded after 6 of 6 actions ran"), "{note}");
    assert_eq!((lines[1]["type"].as_str(), lines[1]["cases"].as_i64()), (Some("summary"), Some(1)));
    assert!(lines[1]["note"].as_str().is_some_and(|n| n.starts_with("no flow test names ")), "{}", lines[1]);
}
