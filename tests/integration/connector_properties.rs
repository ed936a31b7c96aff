//! Properties of the connector layer that must hold for any input: the tolerant JSON reader
//! reads strict JSON exactly as serde does and never panics; policy texts, property paths and
//! path templates never panic; a dry run of a connector built from arbitrary names never
//! panics.

use flowexpr::connector::expr::{Path, PolicyText, Scope};
use flowexpr::connector::json::{parse_bytes, parse_text};
use flowexpr::connector::request::match_path;
use flowexpr::value::{from_json_str, to_json_string};
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
        (-1e12f64..1e12).prop_map(|f| serde_json::json!(f)),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z@$/~]{0,6}", inner), 0..5)
                .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn strict_json_reads_as_serde_reads_it(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap_or_default();
        let ours = parse_text(text.clone(), true);
        prop_assert!(ours.is_ok(), "{text}");
        let ours = ours.map(|p| (to_json_string(&p.value), p.repairs.len())).unwrap_or_default();
        let theirs = from_json_str(&text).map(|v| to_json_string(&v)).unwrap_or_default();
        prop_assert_eq!(ours, (theirs, 0));
    }

    #[test]
    fn the_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_bytes(&bytes, true);
    }

    #[test]
    fn the_reader_never_panics_on_json_like_text(text in r#"[\[\]{}",: \n/*a-z0-9\\.-]{0,120}"#) {
        let _ = parse_text(text, true);
    }

    #[test]
    fn policy_texts_never_panic(text in r#"[@{}()'\[\]. a-zA-Z0-9_?:/]{0,80}"#) {
        if let Ok(t) = PolicyText::compile(&text, true) {
            let _ = t.text(&Scope::default(), &|_| Some("v".to_string()));
            let _ = t.value(&Scope::default());
            let _ = t.json_text(&Scope::default());
        }
        let _ = Path::parse(&text);
    }

    #[test]
    fn path_templates_never_panic(template in "[/{}a-z'()é]{0,30}", path in "[/a-z'()é%]{0,40}") {
        let _ = match_path(&template, &path);
    }
}
