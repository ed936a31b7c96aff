//! `flowexpr check`: one hand-made faulty definition per kind of finding (each must be
//! found, and nothing else), a snapshot of the rendered findings, and the real-world corpus
//! (no errors: its findings are warnings about hosted-only action types and parameters
//! that come from outside the definition).

use flowexpr::check::{check_text, Severity};

/// (file in tests/check, the codes it must produce, in order)
const GOLDEN: &[(&str, &[&str])] = &[
    ("syntax.json", &["syntax"]),
    ("unknown-function.json", &["unknown-function"]),
    ("argument-count.json", &["argument-count"]),
    ("argument-type.json", &["argument-type"]),
    ("unknown-action.json", &["unknown-action"]),
    ("unknown-variable.json", &["unknown-variable"]),
    ("unknown-parameter.json", &["unknown-parameter"]),
    ("run-after-unknown.json", &["run-after-unknown"]),
    ("run-after-cycle.json", &["run-after-cycle"]),
    ("run-after-status.json", &["run-after-status"]),
    ("outside-loop.json", &["outside-loop"]),
    ("action-outside.json", &["action-outside"]),
    ("action-not-run.json", &["action-not-run"]),
    ("other-branch.json", &["action-not-run"]),
    ("parallel-branch.json", &["action-may-not-run"]),
    ("hosted-only.json", &["hosted-only-action"]),
    ("response-in-parallel.json", &["response-in-parallel"]),
    ("clean.json", &[]),
];

fn read(name: &str) -> String {
    let path = format!("{}/tests/check/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn each_planted_fault_is_found() {
    for (file, expected) in GOLDEN {
        let report = check_text(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
        assert_eq!(&codes, expected, "{file}:\n{}", report.render(file));
        for f in &report.findings {
            assert!(report.line_col(f).is_some(), "{file}: {} has no position", f.code);
        }
    }
}

#[test]
fn rendered_findings() {
    let mut out = String::new();
    for (file, _) in GOLDEN {
        let report = check_text(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        out.push_str(&report.render(file));
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

#[test]
fn json_findings_carry_pointer_line_and_column() {
    let report = check_text(&read("unknown-action.json")).unwrap_or_else(|e| panic!("{e}"));
    let json = report.to_json("unknown-action.json").to_string();
    assert!(json.contains(r#""pointer":"/actions/Use_Token/inputs""#), "{json}");
    assert!(json.contains(r#""line":5"#) && json.contains(r#""column":"#), "{json}");
    assert!(json.contains("did you mean 'Get_Token'"), "{json}");
}

#[test]
fn invalid_json_is_an_error_with_a_position() {
    let e = check_text("{\"actions\": {,}}").err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(e.contains("not valid JSON") && e.contains("1:"), "{e}");
}

#[test]
fn the_corpus_checks_without_errors() {
    let dir = format!("{}/tests/corpus/workflows", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")).flatten().collect();
    files.sort_by_key(|f| f.file_name());
    assert_eq!(files.len(), 117);
    let mut problems = Vec::new();
    for entry in files {
        let name = entry.file_name().to_string_lossy().to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        match check_text(&text) {
            Err(e) => problems.push(format!("{name}: {e}")),
            Ok(report) => {
                for f in report.findings.iter().filter(|f| f.severity == Severity::Error) {
                    problems.push(format!("{name}: {} {} at {}", f.code, f.message, f.pointer));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} errors in the corpus:\n{}", problems.len(), problems.join("\n"));
}
