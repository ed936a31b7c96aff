//! Snapshots of rendered error messages (`{:#}`: message, position and caret), so that the
//! quality of errors is regression-tested. Review changes with `cargo insta review` or by
//! reading the diff of `tests/integration/snapshots/`.

use flowexpr::{Engine, RunContext};

fn render_all(inputs: &[&str], run: impl Fn(&str) -> Result<String, flowexpr::Error>) -> String {
    let mut out = String::new();
    for input in inputs {
        out.push_str(&format!("### {input}\n"));
        match run(input) {
            Ok(v) => out.push_str(&format!("ok: {v}\n")),
            Err(e) => out.push_str(&format!("{e:#}\n")),
        }
        out.push('\n');
    }
    out
}

#[test]
fn parse_errors() {
    let inputs = [
        "concat('a', 'b'",
        "concat",
        "concat('a',)",
        "'unterminated",
        "\"double quoted\"",
        "length([1, 2, 3])",
        "body('HTTP')?[",
        "body('HTTP').",
        "5abc",
        "1e1.1",
        "++1",
        "@",
        "",
        "createArray(1, 2) extra",
        "if(equals(1, 2), 'a',\n   'b'",
        "18446744073709551615",
        "string( { \"name\": \"x\" } )",
    ];
    let engine = Engine::new();
    insta::assert_snapshot!(render_all(&inputs, |s| engine.compile(s).map(|e| e.source().to_string())));
}

#[test]
fn template_errors() {
    let inputs = ["@{'a'", " @{", "@{}", "x @{concat('a'}", "@concat('a') trailing", "@@{fine}"];
    let engine = Engine::new();
    insta::assert_snapshot!(render_all(&inputs, |s| {
        engine.compile_template(s).and_then(|t| t.render(&RunContext::default())).map(|v| v.to_string())
    }));
}

#[test]
fn evaluation_errors() {
    let ctx = RunContext::from_json_str(
        r#"{"actions": {"HTTP": {"outputs": {"body": {"data": [{"id": 1}], "next": null}}}},
            "variables": {"count": 3}}"#,
    )
    .unwrap_or_default();
    let inputs = [
        "body('HTTP')['missing']",
        "body('HTTP')['data'][5]",
        "body('HTTP')['next']['page']",
        "body('HTTP')['data']['id']",
        "body('Nope')",
        "variables('nope')",
        "add(variables('count'), 'x')",
        "div(1, 0)",
        "add(9223372036854775807, 1)",
        "concatt('a', 'b')",
        "empty()",
        "if(1, 'a', 'b')",
    ];
    let engine = Engine::new();
    insta::assert_snapshot!(render_all(&inputs, |s| engine.eval(s, &ctx).map(|v| v.to_string())));
}
