//! Assertions written in the expression language, evaluated against a finished run record,
//! and explained when they fail: the values of their sub-expressions are shown, so
//! `equals(length(body('Find_Discrepancies')), 15)` fails with
//! "`length(body('Find_Discrepancies'))` was `12`, expected `15`".

use crate::syntax::{parse_expression, Expr, ExprKind};
use crate::value::Value;
use crate::{Context, Engine};

/// The outcome of one assertion.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It evaluated to `true`.
    Passed,
    /// It evaluated to something else; the text explains why.
    Failed(String),
}

/// Comparisons whose two operands are worth naming in a failure ("was X, expected Y").
const COMPARISONS: &[(&str, &str)] = &[
    ("equals", "expected"),
    ("greater", "expected more than"),
    ("greaterOrEquals", "expected at least"),
    ("less", "expected less than"),
    ("lessOrEquals", "expected at most"),
];

/// Evaluates an assertion against a run.
pub fn check(engine: &Engine, assertion: &str, run: &dyn Context) -> Outcome {
    let text = assertion.strip_prefix('@').unwrap_or(assertion);
    let expr = match parse_expression(text) {
        Ok(e) => e,
        Err(e) => return Outcome::Failed(format!("the assertion does not parse: {e:#}")),
    };
    match engine.compile_ast(&expr, text).eval(run) {
        Ok(Value::Bool(true)) => Outcome::Passed,
        Ok(Value::Bool(false)) => Outcome::Failed(explain(engine, &expr, text, run)),
        Ok(other) => Outcome::Failed(format!(
            "`{text}` must be true or false, but was {} `{}`",
            other.value_type(),
            short(&other)
        )),
        Err(e) => Outcome::Failed(format!("`{text}` failed: {e:#}")),
    }
}

/// Explains a false assertion by the values of its parts.
fn explain(engine: &Engine, expr: &Expr, text: &str, run: &dyn Context) -> String {
    let value_of = |e: &Expr| -> String {
        match engine.compile_ast(e, text).eval(run) {
            Ok(v) => format!("`{}`", short(&v)),
            Err(err) => format!("an error ({})", err.message()),
        }
    };
    let source = |e: &Expr| text.get(e.span.start..e.span.end).unwrap_or("").to_string();
    if let ExprKind::Call(call) = &expr.kind {
        if let Some((_, expected)) = COMPARISONS.iter().find(|(n, _)| n.eq_ignore_ascii_case(&call.name)) {
            if let [left, right] = call.args.as_slice() {
                // Name the side that is not a literal first: "length(...) was 12, expected 15".
                let (subject, reference) =
                    if left.is_literal() && !right.is_literal() { (right, left) } else { (left, right) };
                let mut out = format!(
                    "`{}` was {}, {expected} {}",
                    source(subject),
                    value_of(subject),
                    value_of(reference)
                );
                if !reference.is_literal() {
                    out.push_str(&format!(" (`{}`)", source(reference)));
                }
                return out;
            }
        }
        if call.name.eq_ignore_ascii_case("not") {
            if let [inner] = call.args.as_slice() {
                return format!("`{}` was true", source(inner));
            }
        }
        if call.name.eq_ignore_ascii_case("and") {
            for arg in &call.args {
                if let Ok(Value::Bool(false)) = engine.compile_ast(arg, text).eval(run) {
                    return format!("`{}` is false: {}", source(arg), explain(engine, arg, text, run));
                }
            }
        }
        let parts: Vec<String> = call
            .args
            .iter()
            .filter(|a| !a.is_literal())
            .map(|a| format!("`{}` was {}", source(a), value_of(a)))
            .collect();
        if !parts.is_empty() {
            return format!("`{}` is false; {}", source(expr), parts.join(", "));
        }
    }
    format!("`{}` is false", source(expr))
}

/// A value shown in one line, cut to a readable length.
fn short(v: &Value) -> String {
    let text = crate::value::to_json_string(v);
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(197).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunContext;

    fn run() -> RunContext {
        RunContext::from_json_str(
            r#"{"actions": {"Find_Discrepancies": {"status": "Succeeded", "outputs": {"body": [1,2,3,4,5,6,7,8,9,10,11,12]}},
                            "Summary": {"status": "Succeeded", "outputs": {"day": "2024-01-15"}}},
                "variables": {"total": 7}}"#,
        )
        .unwrap_or_default()
    }

    fn outcome(text: &str) -> Outcome {
        check(&Engine::new(), text, &run())
    }

    #[test]
    fn passing_assertions() {
        assert_eq!(outcome("equals(length(body('Find_Discrepancies')), 12)"), Outcome::Passed);
        assert_eq!(outcome("@contains(outputs('Summary')?['day'], '2024')"), Outcome::Passed);
    }

    #[test]
    fn failures_show_the_values_of_their_parts() {
        assert_eq!(
            outcome("equals(length(body('Find_Discrepancies')), 15)"),
            Outcome::Failed("`length(body('Find_Discrepancies'))` was `12`, expected `15`".into())
        );
        assert_eq!(
            outcome("equals(15, length(body('Find_Discrepancies')))"),
            Outcome::Failed("`length(body('Find_Discrepancies'))` was `12`, expected `15`".into())
        );
        assert_eq!(
            outcome("greater(variables('total'), 10)"),
            Outcome::Failed("`variables('total')` was `7`, expected more than `10`".into())
        );
        assert_eq!(
            outcome("contains(outputs('Summary')?['day'], '2023')"),
            Outcome::Failed("`contains(outputs('Summary')?['day'], '2023')` is false; `outputs('Summary')?['day']` was `\"2024-01-15\"`".into())
        );
        let and = outcome("and(equals(1, 1), equals(variables('total'), 8))");
        assert_eq!(
            and,
            Outcome::Failed(
                "`equals(variables('total'), 8)` is false: `variables('total')` was `7`, expected `8`".into()
            )
        );
    }

    #[test]
    fn non_boolean_and_broken_assertions_fail_clearly() {
        assert!(
            matches!(outcome("length(body('Find_Discrepancies'))"), Outcome::Failed(m) if m.contains("must be true or false"))
        );
        assert!(matches!(outcome("equals(1,"), Outcome::Failed(m) if m.contains("does not parse")));
        assert!(matches!(outcome("equals(body('Nope'), 1)"), Outcome::Failed(m) if m.contains("Nope")));
    }
}
