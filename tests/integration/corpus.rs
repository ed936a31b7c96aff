//! Every expression found in real workflow definitions (`tests/corpus/expressions.txt`, one
//! JSON string per line, with its `@`) parses as a template.

use flowexpr::syntax::parse_template;

#[test]
fn every_corpus_expression_parses() {
    let text = include_str!("../corpus/expressions.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let value: String = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        count += 1;
        if let Err(e) = parse_template(&value) {
            failures.push(format!("line {}: {e:#}", n + 1));
        }
    }
    assert_eq!(count, 465, "the corpus has 465 expressions");
    assert!(failures.is_empty(), "{} of {count} do not parse:\n{}", failures.len(), failures.join("\n\n"));
}
