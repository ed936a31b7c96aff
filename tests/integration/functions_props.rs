//! Properties of the function library: inverse pairs give back what they were given, and
//! integer arithmetic is exact or fails exactly when the result overflows.

use flowexpr::value::Object;
use flowexpr::{Engine, RunContext, Value};
use proptest::prelude::*;

/// Evaluates `expr` with the given variables (read with `variables('name')`).
fn eval(expr: &str, vars: &[(&str, Value)]) -> Result<Value, String> {
    let mut ctx = RunContext::default();
    let mut variables = Object::new();
    for (name, value) in vars {
        variables.insert(*name, value.clone());
    }
    ctx.variables = variables;
    Engine::new().eval(expr, &ctx).map_err(|e| e.to_string())
}

fn s(text: &str) -> Value {
    Value::from(text)
}

/// Any JSON-like value: null, booleans, integers, finite floats, strings, and nested
/// arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
        ".{0,8}".prop_map(|t| Value::from(t.as_str())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::array),
            prop::collection::vec((".{0,6}", inner), 0..6).prop_map(|members| {
                let mut o = Object::new();
                for (k, v) in members {
                    o.insert(k.as_str(), v);
                }
                Value::Object(o)
            }),
        ]
    })
}

/// A string of characters that are one UTF-16 unit each, so that cutting it by UTF-16
/// position never splits a character.
fn bmp_string() -> impl Strategy<Value = String> {
    "[\\u{0}-\\u{D7FF}\\u{E000}-\\u{FFFF}]{0,40}"
}

proptest! {
    #[test]
    fn base64_round_trips(text in ".{0,64}") {
        let v = eval("base64ToString(base64(variables('s')))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
        let v = eval("base64ToString(base64ToBinary(base64(variables('s'))))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
    }

    #[test]
    fn uri_components_round_trip(text in ".{0,64}") {
        let v = eval("uriComponentToString(uriComponent(variables('s')))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
        let v = eval("decodeUriComponent(encodeUriComponent(variables('s')))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
        let escaped = eval("uriComponent(variables('s'))", &[("s", s(&text))]).unwrap_or_default();
        let escaped = escaped.as_str().unwrap_or("!");
        prop_assert!(escaped.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)), "{}", escaped);
    }

    #[test]
    fn data_uris_round_trip(text in ".{0,64}") {
        let v = eval("dataUriToString(dataUri(variables('s')))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
        let v = eval("string(dataUriToBinary(dataUri(variables('s'))))", &[("s", s(&text))]);
        prop_assert_eq!(v, Ok(s(&text)));
    }

    #[test]
    fn json_of_string_is_the_value(value in json_value()) {
        // A top-level number or string changes kind through text (string(5.0) is '5'), so
        // wrap the value in an array.
        let wrapped = Value::array(vec![value]);
        let v = eval("json(string(variables('v')))", &[("v", wrapped.clone())]);
        prop_assert_eq!(v, Ok(wrapped));
    }

    #[test]
    fn join_undoes_split(text in ".{0,40}", delimiter in ".{1,3}") {
        let v = eval("join(split(variables('s'), variables('d')), variables('d'))", &[("s", s(&text)), ("d", s(&delimiter))]);
        prop_assert_eq!(v, Ok(s(&text)));
    }

    #[test]
    fn split_undoes_join(items in prop::collection::vec("[a-z]{0,5}", 1..8), delimiter in "[,;|]{1,2}") {
        let array = Value::array(items.iter().map(|i| s(i)).collect());
        let v = eval("split(join(variables('a'), variables('d')), variables('d'))", &[("a", array.clone()), ("d", s(&delimiter))]);
        prop_assert_eq!(v, Ok(array));
    }

    #[test]
    fn chunks_concatenate_to_the_whole(text in bmp_string(), items in prop::collection::vec(any::<i64>(), 0..30), size in 1i64..12) {
        let v = eval("join(chunk(variables('s'), variables('n')), '')", &[("s", s(&text)), ("n", Value::Int(size))]);
        prop_assert_eq!(v, Ok(s(&text)));
        let array = Value::array(items.iter().copied().map(Value::Int).collect());
        let chunks = eval("chunk(variables('a'), variables('n'))", &[("a", array), ("n", Value::Int(size))]).unwrap_or_default();
        let chunks = chunks.as_array().unwrap_or_default();
        let flat: Vec<Value> = chunks.iter().flat_map(|c| c.as_array().unwrap_or_default().to_vec()).collect();
        prop_assert_eq!(flat, items.iter().copied().map(Value::Int).collect::<Vec<_>>());
        prop_assert!(chunks.iter().rev().skip(1).all(|c| c.as_array().map(<[Value]>::len) == Some(size as usize)));
    }

    #[test]
    fn take_and_skip_split_a_collection(items in prop::collection::vec(any::<i64>(), 0..20), text in bmp_string(), n in 0i64..30) {
        let array = Value::array(items.iter().copied().map(Value::Int).collect());
        let vars = [("a", array), ("s", s(&text)), ("n", Value::Int(n))];
        let head = eval("take(variables('a'), variables('n'))", &vars).unwrap_or_default();
        let tail = eval("skip(variables('a'), variables('n'))", &vars).unwrap_or_default();
        let mut joined = head.as_array().unwrap_or_default().to_vec();
        joined.extend_from_slice(tail.as_array().unwrap_or_default());
        prop_assert_eq!(joined, items.iter().copied().map(Value::Int).collect::<Vec<_>>());
        let v = eval("concat(take(variables('s'), variables('n')), skip(variables('s'), variables('n')))", &vars);
        prop_assert_eq!(v, Ok(s(&text)));
    }

    #[test]
    fn integer_arithmetic_is_exact_or_fails_on_overflow(a in any::<i64>(), b in any::<i64>()) {
        let vars = [("a", Value::Int(a)), ("b", Value::Int(b))];
        for (function, expected) in [("add", a.checked_add(b)), ("sub", a.checked_sub(b)), ("mul", a.checked_mul(b))] {
            let got = eval(&format!("{function}(variables('a'), variables('b'))"), &vars);
            match expected {
                Some(n) => prop_assert_eq!(got, Ok(Value::Int(n))),
                None => prop_assert!(got.as_ref().is_err_and(|e| e.contains("64-bit integer")), "{} {:?}", function, got),
            }
        }
    }

    #[test]
    fn small_sums_never_overflow(a in -(1i64 << 62)..(1i64 << 62), b in -(1i64 << 62)..(1i64 << 62)) {
        let v = eval("add(variables('a'), variables('b'))", &[("a", Value::Int(a)), ("b", Value::Int(b))]);
        prop_assert_eq!(v, Ok(Value::Int(a + b)));
    }

    #[test]
    fn case_insensitive_search_agrees_with_folded_search(text in "[a-zA-Z ]{0,30}", needle in "[a-zA-Z]{1,3}") {
        let vars = [("s", s(&text)), ("n", s(&needle))];
        let (lower, lower_needle) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
        let first = lower.find(&lower_needle).map_or(-1, |i| i as i64);
        let last = lower.rfind(&lower_needle).map_or(-1, |i| i as i64);
        prop_assert_eq!(eval("indexOf(variables('s'), variables('n'))", &vars), Ok(Value::Int(first)));
        prop_assert_eq!(eval("lastIndexOf(variables('s'), variables('n'))", &vars), Ok(Value::Int(last)));
        prop_assert_eq!(eval("nthIndexOf(variables('s'), variables('n'), 1)", &vars), Ok(Value::Int(first)));
        prop_assert_eq!(eval("nthIndexOf(variables('s'), variables('n'), -1)", &vars), Ok(Value::Int(last)));
        prop_assert_eq!(eval("startsWith(variables('s'), variables('n'))", &vars), Ok(Value::Bool(lower.starts_with(&lower_needle))));
        prop_assert_eq!(eval("endsWith(variables('s'), variables('n'))", &vars), Ok(Value::Bool(lower.ends_with(&lower_needle))));
    }

    #[test]
    fn union_and_intersection_have_no_duplicates(a in prop::collection::vec(0i64..8, 0..12), b in prop::collection::vec(0i64..8, 0..12)) {
        let to_value = |v: &[i64]| Value::array(v.iter().copied().map(Value::Int).collect());
        let vars = [("a", to_value(&a)), ("b", to_value(&b))];
        let mut union = Vec::new();
        for x in a.iter().chain(&b) {
            if !union.contains(x) {
                union.push(*x);
            }
        }
        let mut both = Vec::new();
        for x in &a {
            if b.contains(x) && !both.contains(x) {
                both.push(*x);
            }
        }
        prop_assert_eq!(eval("union(variables('a'), variables('b'))", &vars), Ok(to_value(&union)));
        prop_assert_eq!(eval("intersection(variables('a'), variables('b'))", &vars), Ok(to_value(&both)));
    }

    #[test]
    fn sort_orders_and_keeps_every_item(items in prop::collection::vec(any::<i64>(), 0..20)) {
        let mut sorted = items.clone();
        sorted.sort_unstable();
        let v = eval("sort(variables('a'))", &[("a", Value::array(items.into_iter().map(Value::Int).collect()))]);
        prop_assert_eq!(v, Ok(Value::array(sorted.into_iter().map(Value::Int).collect())));
    }

    #[test]
    fn string_functions_never_panic(text in ".{0,20}", a in -30i64..30, b in -30i64..30) {
        let vars = [("s", s(&text)), ("a", Value::Int(a)), ("b", Value::Int(b))];
        for expr in [
            "slice(variables('s'), variables('a'), variables('b'))",
            "substring(variables('s'), variables('a'), variables('b'))",
            "take(variables('s'), variables('a'))",
            "skip(variables('s'), variables('a'))",
            "nthIndexOf(variables('s'), substring(variables('s'), 0, 1), variables('a'))",
            "first(variables('s'))",
            "last(variables('s'))",
            "toUpper(variables('s'))",
            "toLower(variables('s'))",
            "uriHost(variables('s'))",
            "dataUriToString(variables('s'))",
            "dataUriToBinary(variables('s'))",
        ] {
            let _ = eval(expr, &vars);
        }
        // slice never fails on integers, and gives a piece of the text.
        let piece = eval("slice(variables('s'), variables('a'), variables('b'))", &vars);
        prop_assert!(piece.as_ref().is_ok_and(|p| p.as_str().is_some_and(|p| text.contains(p) || p.contains('\u{FFFD}'))), "{:?}", piece);
    }
}
