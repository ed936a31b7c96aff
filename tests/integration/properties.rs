//! Properties of the core that must hold for every input:
//! printing a syntax tree and parsing it again gives the same tree; JSON → value → JSON is
//! the identity; a template with no `@` renders to itself.

use flowexpr::syntax::{parse_expression, Call, Expr, ExprKind, Member, MemberKey, Span};
use flowexpr::value::{from_json_str, to_json_string};
use flowexpr::{Engine, RunContext, Value};
use proptest::prelude::*;

fn expr(kind: ExprKind) -> Expr {
    Expr { kind, span: Span::default() }
}

fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(expr(ExprKind::Null)),
        any::<bool>().prop_map(|b| expr(ExprKind::Bool(b))),
        any::<i64>().prop_map(|i| expr(ExprKind::Int(i))),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| expr(ExprKind::Float(f))),
        any::<String>().prop_map(|s| expr(ExprKind::String(s))),
        "[a-z' ]{0,8}".prop_map(|s| expr(ExprKind::String(s))),
    ]
}

fn call_or_member() -> impl Strategy<Value = Expr> {
    let leaf = literal();
    leaf.prop_recursive(4, 32, 4, |inner| {
        let call = ("[a-zA-Z_][a-zA-Z0-9_]{0,8}", prop::collection::vec(inner.clone(), 0..4)).prop_map(
            |(name, args)| expr(ExprKind::Call(Box::new(Call { name, name_span: Span::default(), args }))),
        );
        let member = (call.clone(), "[a-zA-Z_$][a-zA-Z0-9_$-]{0,6}", any::<bool>()).prop_map(
            |(target, name, null_safe)| {
                expr(ExprKind::Member(Box::new(Member { target, key: MemberKey::Dot(name), null_safe })))
            },
        );
        let index = (call.clone(), inner, any::<bool>()).prop_map(|(target, key, null_safe)| {
            expr(ExprKind::Member(Box::new(Member { target, key: MemberKey::Index(key), null_safe })))
        });
        prop_oneof![call, member, index]
    })
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(tree in call_or_member()) {
        let text = tree.to_string();
        let parsed = parse_expression(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:#}")))?;
        prop_assert_eq!(parsed, tree);
    }

    #[test]
    fn json_to_value_to_json_is_the_identity(j in json()) {
        let value = Value::from_json(&j);
        prop_assert_eq!(value.to_json(), j);
    }

    #[test]
    fn values_survive_our_own_json_text(j in json()) {
        let value = Value::from_json(&j);
        let text = to_json_string(&value);
        let back = from_json_str(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, value);
    }

    #[test]
    fn a_template_without_at_renders_to_itself(s in "[^@]*") {
        let rendered = Engine::new()
            .compile_template(&s)
            .and_then(|t| t.render(&RunContext::default()))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rendered, Value::from(s.as_str()));
    }

    #[test]
    fn a_document_without_at_renders_to_itself(j in json()) {
        let text = serde_json::to_string(&j).unwrap_or_default();
        prop_assume!(!text.contains('@'));
        let doc = Value::from_json(&j);
        let rendered = Engine::new().render(&doc, &RunContext::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rendered, doc);
    }

    #[test]
    fn parsing_never_panics(s in any::<String>()) {
        let _ = parse_expression(&s);
        let _ = flowexpr::syntax::parse_template(&s);
    }
}
