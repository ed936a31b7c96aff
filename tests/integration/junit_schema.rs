//! Validates XML against `schemas/junit.xsd` in Rust, so the README's test command needs no
//! xmllint. The rules are read from the XSD file itself — its global elements, their
//! sequences (with minOccurs/maxOccurs), attributes (type, use) and simple content — so the
//! check follows the schema when the schema changes. A construct of XML Schema this reader
//! does not know (xs:choice, xs:any, a named type, ...) fails loudly instead of being skipped:
//! extend the reader with the schema.
#![cfg(feature = "cli")]

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

/// An element of an XML document: name, attributes, children, text.
#[derive(Debug, Default)]
pub struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    /// The character data directly inside (references count as text).
    text: String,
}

impl Node {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let event = reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::Start(start) => stack.push(element(&start)?),
            Event::Empty(start) => {
                let node = element(&start)?;
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced")?;
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::Text(t) => {
                let raw = t.decode().map_err(|e| e.to_string())?;
                stack.last_mut().ok_or("unbalanced")?.text.push_str(&raw);
            }
            Event::GeneralRef(_) | Event::CData(_) => {
                stack.last_mut().ok_or("unbalanced")?.text.push('x');
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    let mut document = stack.pop().ok_or("unbalanced")?;
    if !stack.is_empty() || document.children.len() != 1 {
        return Err("a document has exactly one root element".into());
    }
    document.children.pop().ok_or_else(|| "no root element".to_string())
}

fn element(start: &BytesStart<'_>) -> Result<Node, String> {
    let name = String::from_utf8_lossy(start.name().into_inner()).into_owned();
    let mut attributes = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| format!("<{name}>: {e}"))?;
        let key = String::from_utf8_lossy(a.key.into_inner()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("<{name} {key}>: {e}"))?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Node { name, attributes, ..Node::default() })
}

/// One attribute an element may have.
#[derive(Debug)]
struct AttributeRule {
    name: String,
    ty: String,
    required: bool,
}

/// What may appear inside an element.
#[derive(Debug)]
enum Content {
    /// A sequence of child elements, each `(name, minOccurs, maxOccurs)`; no text.
    Sequence(Vec<(String, u64, Option<u64>)>),
    /// Text of a simple type, no child elements.
    Simple(String),
}

#[derive(Debug)]
struct ElementRule {
    attributes: Vec<AttributeRule>,
    content: Content,
}

/// The rules of a schema, by element name (global and local elements alike: the JUnit
/// schema names each element once).
#[derive(Debug)]
pub struct Schema {
    elements: HashMap<String, ElementRule>,
    roots: Vec<String>,
}

impl Schema {
    /// Reads the rules from an XSD text. Panics on constructs it does not understand.
    pub fn from_xsd(xsd: &str) -> Schema {
        let root = parse(xsd).unwrap_or_else(|e| panic!("the XSD does not parse: {e}"));
        assert_eq!(root.name, "xs:schema", "an XSD's root is xs:schema");
        let mut schema = Schema { elements: HashMap::new(), roots: Vec::new() };
        for child in &root.children {
            assert_eq!(child.name, "xs:element", "unsupported top-level {} in the XSD", child.name);
            let name = schema.element(child);
            schema.roots.push(name);
        }
        schema
    }

    /// Records an `xs:element name=...` declaration and returns its name.
    fn element(&mut self, decl: &Node) -> String {
        let name =
            decl.attribute("name").unwrap_or_else(|| panic!("an xs:element without a name")).to_string();
        known_attributes(decl, &["name", "minOccurs", "maxOccurs"]);
        let [complex] = decl.children.as_slice() else {
            panic!("<xs:element name={name}> must hold exactly one xs:complexType")
        };
        assert_eq!(complex.name, "xs:complexType", "{name}: unsupported {}", complex.name);
        let mut rule = ElementRule { attributes: Vec::new(), content: Content::Sequence(Vec::new()) };
        for part in &complex.children {
            match part.name.as_str() {
                "xs:sequence" => rule.content = Content::Sequence(self.sequence(part)),
                "xs:attribute" => rule.attributes.push(attribute_rule(part)),
                "xs:simpleContent" => {
                    let [extension] = part.children.as_slice() else {
                        panic!("{name}: xs:simpleContent must hold one xs:extension")
                    };
                    assert_eq!(extension.name, "xs:extension", "{name}: unsupported {}", extension.name);
                    let base =
                        extension.attribute("base").unwrap_or_else(|| panic!("{name}: extension base"));
                    rule.content = Content::Simple(base.to_string());
                    for a in &extension.children {
                        assert_eq!(a.name, "xs:attribute", "{name}: unsupported {} in xs:extension", a.name);
                        rule.attributes.push(attribute_rule(a));
                    }
                }
                other => panic!("{name}: unsupported {other} in xs:complexType"),
            }
        }
        self.elements.insert(name.clone(), rule);
        name
    }

    fn sequence(&mut self, sequence: &Node) -> Vec<(String, u64, Option<u64>)> {
        known_attributes(sequence, &[]);
        sequence
            .children
            .iter()
            .map(|e| {
                assert_eq!(e.name, "xs:element", "unsupported {} in xs:sequence", e.name);
                let min = e
                    .attribute("minOccurs")
                    .map_or(1, |m| m.parse().unwrap_or_else(|_| panic!("minOccurs {m}")));
                let max = match e.attribute("maxOccurs") {
                    None => Some(1),
                    Some("unbounded") => None,
                    Some(m) => Some(m.parse().unwrap_or_else(|_| panic!("maxOccurs {m}"))),
                };
                let name = match e.attribute("ref") {
                    Some(r) => {
                        known_attributes(e, &["ref", "minOccurs", "maxOccurs"]);
                        r.to_string()
                    }
                    None => self.element(e),
                };
                (name, min, max)
            })
            .collect()
    }

    /// Every way `document` breaks the schema (empty when it is valid).
    pub fn validate(&self, document: &Node) -> Vec<String> {
        let mut errors = Vec::new();
        if !self.roots.contains(&document.name) {
            errors.push(format!("<{}> is not a root element of the schema", document.name));
        }
        self.check(document, &format!("/{}", document.name), &mut errors);
        errors
    }

    fn check(&self, node: &Node, at: &str, errors: &mut Vec<String>) {
        let Some(rule) = self.elements.get(&node.name) else {
            errors.push(format!("{at}: the schema declares no element <{}>", node.name));
            return;
        };
        for (key, value) in &node.attributes {
            match rule.attributes.iter().find(|a| &a.name == key) {
                None => errors.push(format!("{at}: attribute {key} is not declared")),
                Some(a) => {
                    if let Err(e) = check_type(&a.ty, value) {
                        errors.push(format!("{at}/@{key}: {value:?} is not {}: {e}", a.ty));
                    }
                }
            }
        }
        for a in rule.attributes.iter().filter(|a| a.required) {
            if node.attribute(&a.name).is_none() {
                errors.push(format!("{at}: the required attribute {} is missing", a.name));
            }
        }
        match &rule.content {
            Content::Simple(ty) => {
                if !node.children.is_empty() {
                    errors.push(format!("{at}: simple content holds no elements"));
                }
                if let Err(e) = check_type(ty, &node.text) {
                    errors.push(format!("{at}: the text is not {ty}: {e}"));
                }
            }
            Content::Sequence(particles) => {
                if !node.text.trim().is_empty() {
                    errors.push(format!("{at}: text is not allowed here ({:?})", node.text.trim()));
                }
                let mut children = node.children.iter().peekable();
                for (name, min, max) in particles {
                    let mut count = 0u64;
                    while children.peek().is_some_and(|c| &c.name == name) && max.is_none_or(|m| count < m) {
                        if let Some(child) = children.next() {
                            self.check(child, &format!("{at}/{name}[{count}]"), errors);
                        }
                        count += 1;
                    }
                    if count < *min {
                        errors.push(format!("{at}: expected at least {min} <{name}>, found {count}"));
                    }
                }
                for extra in children {
                    errors.push(format!("{at}: <{}> is not allowed here", extra.name));
                }
            }
        }
    }
}

fn attribute_rule(decl: &Node) -> AttributeRule {
    known_attributes(decl, &["name", "type", "use"]);
    let name = decl.attribute("name").unwrap_or_else(|| panic!("an xs:attribute without a name"));
    let required = match decl.attribute("use") {
        None | Some("optional") => false,
        Some("required") => true,
        Some(other) => panic!("attribute {name}: unsupported use={other}"),
    };
    let ty = decl.attribute("type").unwrap_or("xs:string");
    // An unknown type panics here, when the schema is read, not at the first value.
    let _ = check_type(ty, "");
    AttributeRule { name: name.to_string(), ty: ty.to_string(), required }
}

/// An XSD construct with an attribute this reader would ignore is refused.
fn known_attributes(decl: &Node, known: &[&str]) {
    for (k, _) in &decl.attributes {
        assert!(known.contains(&k.as_str()), "<{} {k}=...> is not understood by this check", decl.name);
    }
}

/// Checks a value against an XSD built-in type (the lexical spaces of XML Schema 1.0).
fn check_type(ty: &str, value: &str) -> Result<(), String> {
    let v = value.trim(); // these types collapse whitespace
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match ty {
        "xs:string" => return Ok(()),
        "xs:nonNegativeInteger" => digits(v.strip_prefix('+').unwrap_or(v)),
        "xs:decimal" => {
            let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
            match unsigned.split_once('.') {
                Some((a, b)) => {
                    (digits(a) || a.is_empty())
                        && (digits(b) || b.is_empty())
                        && !(a.is_empty() && b.is_empty())
                }
                None => digits(unsigned),
            }
        }
        "xs:dateTime" => date_time(v),
        other => panic!("the XSD uses the type {other}, which this check does not know"),
    };
    if ok {
        Ok(())
    } else {
        Err("not in the type's lexical space".into())
    }
}

/// `-?YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?` with the fields in range.
fn date_time(v: &str) -> bool {
    let v = v.strip_prefix('-').unwrap_or(v);
    let Some((date, time)) = v.split_once('T') else { return false };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    let date: Vec<&str> = date.split('-').collect();
    let [y, m, d] = date.as_slice() else { return false };
    let (Some(_), Some(m), Some(d)) = (num(y, 4), num(m, 2), num(d, 2)) else { return false };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let zone_ok = match zone {
        "" | "Z" => true,
        z => {
            let Some((hh, mm)) = z[1..].split_once(':') else { return false };
            num(hh, 2).is_some_and(|h| h <= 14) && num(mm, 2).is_some_and(|m| m < 60)
        }
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let hms: Vec<&str> = hms.split(':').collect();
    let [h, mi, s] = hms.as_slice() else { return false };
    let (Some(h), Some(mi), Some(s)) = (num(h, 2), num(mi, 2), num(s, 2)) else { return false };
    (1..=12).contains(&m)
        && (1..=31).contains(&d)
        && h < 24
        && mi < 60
        && s < 60
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && zone_ok
}

fn junit_xsd() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/junit.xsd");
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Validates a JUnit report against `schemas/junit.xsd`; the errors, empty when valid.
pub fn validate_junit(xml: &str) -> Vec<String> {
    let schema = Schema::from_xsd(&junit_xsd());
    match parse(xml) {
        Ok(document) => schema.validate(&document),
        Err(e) => vec![e],
    }
}

#[test]
fn the_reports_writer_output_is_valid_and_broken_reports_are_not() {
    use flowexpr::flowtest::junit::{write, CaseResult, SuiteResult};
    let report = write(&[SuiteResult {
        name: "a <file>.flowtest.json".into(),
        timestamp: "2024-01-15T10:30:00".into(),
        cases: vec![
            CaseResult { name: "passes".into(), seconds: 0.004, failure: None },
            CaseResult {
                name: "fails & says \"why\"".into(),
                seconds: 1.5,
                failure: Some(("`x` was `1`".into(), "line one\nline <two>\u{1}".into())),
            },
        ],
    }]);
    assert_eq!(validate_junit(&report), Vec::<String>::new(), "{report}");

    // Each rule of the schema is enforced: a check that cannot fail proves nothing.
    let broken: &[(&str, &str, &str)] = &[
        (" failures=\"1\" errors=\"0\" time", " errors=\"0\" time", "required attribute failures"),
        ("time=\"0.004\"", "time=\"fast\"", "is not xs:decimal"),
        ("timestamp=\"2024-01-15T10:30:00\"", "timestamp=\"2024-01-15 10:30\"", "is not xs:dateTime"),
        ("id=\"0\"", "id=\"-1\"", "is not xs:nonNegativeInteger"),
        (
            "<testcase name=\"passes\"",
            "<testcase flaky=\"yes\" name=\"passes\"",
            "attribute flaky is not declared",
        ),
        ("</failure>", "</failure><failure message=\"m\" type=\"t\"/>", "<failure> is not allowed here"),
        ("<testcase name=\"passes\"", "<skipped/><testcase name=\"passes\"", "<skipped> is not allowed here"),
        ("  </testsuite>", "stray text  </testsuite>", "text is not allowed here"),
        ("<testsuites", "<testrun", "not a root element"),
    ];
    for (from, to, expected) in broken {
        assert!(report.contains(from), "the report no longer contains {from}");
        let mut bad = report.replacen(from, to, 1);
        if *to == "<testrun" {
            bad = bad.replace("</testsuites>", "</testrun>");
        }
        let errors = validate_junit(&bad);
        assert!(errors.iter().any(|e| e.contains(expected)), "{expected}: {errors:?}\n{bad}");
    }
}

#[test]
fn xsd_types_follow_their_lexical_spaces() {
    let table: &[(&str, &str, bool)] = &[
        ("xs:nonNegativeInteger", "0", true),
        ("xs:nonNegativeInteger", "+17", true),
        ("xs:nonNegativeInteger", "-1", false),
        ("xs:nonNegativeInteger", "1.0", false),
        ("xs:decimal", "0.004", true),
        ("xs:decimal", "-.5", true),
        ("xs:decimal", "3.", true),
        ("xs:decimal", ".", false),
        ("xs:decimal", "1e3", false),
        ("xs:dateTime", "2024-01-15T10:30:00", true),
        ("xs:dateTime", "2024-01-15T10:30:00.123Z", true),
        ("xs:dateTime", "2024-01-15T10:30:00+01:00", true),
        ("xs:dateTime", "2024-13-15T10:30:00", false),
        ("xs:dateTime", "2024-01-15", false),
        ("xs:dateTime", "2024-01-15T25:00:00", false),
    ];
    for (ty, value, valid) in table {
        assert_eq!(check_type(ty, value).is_ok(), *valid, "{ty} {value}");
    }
}
