//! XPath 1.0 over a [`Document`], evaluated by sxd-xpath.
//!
//! The document is copied into an sxd-document tree (adjacent text and CDATA merge into
//! one text node, as in the XPath data model; the declaration and document type are not
//! part of it), the expression is evaluated with the document root as context node, and
//! each node of a node-set result is mapped back to our tree so it can be written out as
//! .NET writes nodes — CDATA sections and namespace declarations included.

use std::collections::HashMap;

use sxd_document::{dom, Package, QName};
use sxd_xpath::context::Evaluation;
use sxd_xpath::function::{Error as FunctionError, Function};
use sxd_xpath::nodeset::{Node as XNode, Nodeset};
use sxd_xpath::{Context, Factory, Value as XValue};

use super::dom::{Document, Kind, NodeId, ROOT, XMLNS_NS, XML_NS};
use super::write::write_node;

/// The deepest nesting of brackets accepted in an XPath expression.
pub(crate) const MAX_XPATH_NESTING: usize = 32;
/// The most operators (and brackets) accepted in an XPath expression. The evaluator
/// recurses once per operator, so this bounds its stack use.
pub(crate) const MAX_XPATH_OPERATORS: usize = 512;

/// The most attributes an element may have for XPath. sxd-document spends time
/// quadratic in an element's attribute count building it, so wider elements are refused
/// rather than let a crafted document stall evaluation.
pub(crate) const MAX_XPATH_ATTRIBUTES: usize = 1_000;

/// One node of a node-set result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// An element (or the document, a comment, a processing instruction) as XML text.
    Xml(String),
    /// The value of a text node, an attribute or a namespace node.
    Text(String),
}

/// The result of an XPath expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Number(f64),
    String(String),
    Boolean(bool),
    Nodes(Vec<Item>),
}

/// Refuses expressions whose nesting or length would make the evaluator recurse deeply.
pub(crate) fn check_complexity(expression: &str) -> Result<(), String> {
    let (mut depth, mut max_depth, mut operators) = (0usize, 0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut word = String::new();
    let mut previous = ' ';
    let chars: Vec<char> = expression.chars().collect();
    for (i, &c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            previous = c;
            continue;
        }
        // A single colon belongs to a prefixed name (`p:name`, `$p:v`, `p:f()`); `::`
        // ends an axis name. No namespaces are bound, so a prefix is always an error — and
        // sxd-xpath would panic on it instead of reporting one.
        if c == ':' && previous != ':' && chars.get(i + 1) != Some(&':') {
            return Err("Namespace Manager or XsltContext needed. This query has a prefix, variable, or user-defined function".into());
        }
        previous = c;
        if c.is_alphanumeric() || c == '_' || c == '.' || c == ':' {
            word.push(c);
            continue;
        }
        if matches!(word.as_str(), "and" | "or" | "div" | "mod") {
            operators += 1;
        }
        word.clear();
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' => {
                depth += 1;
                max_depth = max_depth.max(depth);
                operators += 1;
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '/' | '|' | '+' | '-' | '*' | '=' | '<' | '>' | '!' | ',' => operators += 1,
            _ => {}
        }
    }
    if max_depth > MAX_XPATH_NESTING {
        return Err(format!("the XPath expression nests brackets deeper than {MAX_XPATH_NESTING} levels"));
    }
    if operators > MAX_XPATH_OPERATORS {
        return Err(format!("the XPath expression has more than {MAX_XPATH_OPERATORS} operators"));
    }
    Ok(())
}

/// Where a copied node goes.
#[derive(Clone, Copy)]
enum Parent<'d> {
    Root(dom::Root<'d>),
    Element(dom::Element<'d>),
}

/// Evaluates `expression` on `doc`.
// sxd nodes hash and compare by the address of their arena slot; the arena's interior
// mutability never changes that, so they are sound map keys.
#[allow(clippy::mutable_key_type)]
pub(crate) fn evaluate(doc: &Document, expression: &str) -> Result<Outcome, String> {
    check_complexity(expression)?;
    let factory = Factory::new();
    let xpath = factory
        .build(expression)
        .map_err(|e| format!("'{expression}' is not a valid XPath expression: {e}"))?
        .ok_or_else(|| "the XPath expression is empty".to_string())?;

    let package = Package::new();
    let sdoc = package.as_document();
    let map = copy_tree(doc, sdoc)?;

    let mut context = Context::new();
    context.set_function("lang", Lang);
    context.set_function("id", Id);
    let value = xpath
        .evaluate(&context, sdoc.root())
        .map_err(|e| format!("the XPath expression '{expression}' cannot be evaluated: {e}"))?;
    Ok(match value {
        XValue::Number(n) => Outcome::Number(n),
        XValue::String(s) => Outcome::String(s),
        XValue::Boolean(b) => Outcome::Boolean(b),
        XValue::Nodeset(nodes) => {
            let mut items = Vec::with_capacity(nodes.size());
            for node in nodes.document_order() {
                let item = match node {
                    XNode::Text(t) => Item::Text(t.text().to_string()),
                    XNode::Attribute(a) => Item::Text(a.value().to_string()),
                    XNode::Namespace(n) => Item::Text(n.uri().to_string()),
                    other => match map.get(&other) {
                        Some(&id) => Item::Xml(write_node(doc, id)?),
                        None => Item::Text(other.string_value()),
                    },
                };
                items.push(item);
            }
            Outcome::Nodes(items)
        }
    })
}

fn one_argument(args: &[XValue<'_>]) -> Result<(), FunctionError> {
    match args.len() {
        1 => Ok(()),
        0 => Err(FunctionError::NotEnoughArguments { expected: 1, actual: 0 }),
        n => Err(FunctionError::TooManyArguments { expected: 1, actual: n }),
    }
}

/// XPath's `lang(string)`, which sxd-xpath lacks: is the `xml:lang` in scope of the
/// context node that language or a sub-language of it (case-insensitively)?
struct Lang;

impl Function for Lang {
    fn evaluate<'c, 'd>(
        &self,
        context: &Evaluation<'c, 'd>,
        args: Vec<XValue<'d>>,
    ) -> Result<XValue<'d>, FunctionError> {
        one_argument(&args)?;
        let wanted = args.first().map(XValue::string).unwrap_or_default().to_ascii_lowercase();
        let mut node = Some(context.node);
        while let Some(n) = node {
            if let XNode::Element(e) = n {
                if let Some(lang) = e.attribute_value(QName::with_namespace_uri(Some(XML_NS), "lang")) {
                    let lang = lang.to_ascii_lowercase();
                    let matches = lang == wanted
                        || lang.strip_prefix(wanted.as_str()).is_some_and(|rest| rest.starts_with('-'));
                    return Ok(XValue::Boolean(matches));
                }
            }
            node = n.parent();
        }
        Ok(XValue::Boolean(false))
    }
}

/// XPath's `id(object)`, which sxd-xpath lacks. IDs come from a DTD's attribute
/// declarations, which are not read (as with .NET without a DTD), so no element has one.
struct Id;

impl Function for Id {
    fn evaluate<'c, 'd>(
        &self,
        _: &Evaluation<'c, 'd>,
        args: Vec<XValue<'d>>,
    ) -> Result<XValue<'d>, FunctionError> {
        one_argument(&args)?;
        Ok(XValue::Nodeset(Nodeset::new()))
    }
}

fn qname<'a>(ns: &'a str, local: &'a str) -> QName<'a> {
    QName::with_namespace_uri(Some(ns).filter(|n| !n.is_empty()), local)
}

/// Copies our tree into sxd-document's, iteratively, and returns the map from its nodes
/// back to ours.
#[allow(clippy::mutable_key_type)] // see `evaluate`
fn copy_tree<'d>(doc: &Document, sdoc: dom::Document<'d>) -> Result<HashMap<XNode<'d>, NodeId>, String> {
    let mut map = HashMap::new();
    map.insert(XNode::Root(sdoc.root()), ROOT);
    let mut stack: Vec<(NodeId, Parent<'d>)> = vec![(ROOT, Parent::Root(sdoc.root()))];
    while let Some((id, parent)) = stack.pop() {
        let children = doc.children(id);
        let mut i = 0;
        while i < children.len() {
            let child = children[i];
            match doc.kind(child) {
                Kind::Element(e) => {
                    if e.attributes.len() > MAX_XPATH_ATTRIBUTES {
                        return Err(format!(
                            "the element '{}' has {} attributes; XPath is evaluated on elements with at most {MAX_XPATH_ATTRIBUTES}",
                            e.name.qualified(),
                            e.attributes.len()
                        ));
                    }
                    let element = sdoc.create_element(qname(&e.name.ns, &e.name.local));
                    if !e.name.prefix.is_empty() {
                        element.set_preferred_prefix(Some(&e.name.prefix));
                    }
                    for a in &e.attributes {
                        if a.name.ns == XMLNS_NS {
                            if a.name.local == "xmlns" {
                                element.set_default_namespace_uri(
                                    Some(a.value.as_str()).filter(|v| !v.is_empty()),
                                );
                            } else {
                                element.register_prefix(&a.name.local, &a.value);
                            }
                            continue;
                        }
                        let attribute =
                            element.set_attribute_value(qname(&a.name.ns, &a.name.local), &a.value);
                        if !a.name.prefix.is_empty() {
                            attribute.set_preferred_prefix(Some(&a.name.prefix));
                        }
                    }
                    match parent {
                        Parent::Root(r) => r.append_child(element),
                        Parent::Element(p) => p.append_child(element),
                    }
                    map.insert(XNode::Element(element), child);
                    stack.push((child, Parent::Element(element)));
                }
                Kind::Text(_) | Kind::CData(_) | Kind::Whitespace(_) | Kind::SignificantWhitespace(_) => {
                    // A run of character data is one text node in XPath.
                    let mut text = String::new();
                    let first = child;
                    while let Some(&next) = children.get(i) {
                        match doc.kind(next) {
                            Kind::Text(t)
                            | Kind::CData(t)
                            | Kind::Whitespace(t)
                            | Kind::SignificantWhitespace(t) => {
                                text.push_str(t);
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    if let Parent::Element(p) = parent {
                        let node = sdoc.create_text(&text);
                        p.append_child(node);
                        map.insert(XNode::Text(node), first);
                    }
                    continue;
                }
                Kind::Comment(t) => {
                    let node = sdoc.create_comment(t);
                    match parent {
                        Parent::Root(r) => r.append_child(node),
                        Parent::Element(p) => p.append_child(node),
                    }
                    map.insert(XNode::Comment(node), child);
                }
                Kind::Pi { target, data } => {
                    let node = sdoc.create_processing_instruction(target, Some(data.as_str()));
                    match parent {
                        Parent::Root(r) => r.append_child(node),
                        Parent::Element(p) => p.append_child(node),
                    }
                    map.insert(XNode::ProcessingInstruction(node), child);
                }
                Kind::Declaration { .. } | Kind::DocType { .. } | Kind::Document => {}
            }
            i += 1;
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    const PRODUCE: &str = "<?xml version=\"1.0\"?>\n<produce>\n  <item>\n    <name expired='true' price='12'>Gala</name>\n    <type>apple</type>\n    <count>20</count>\n  </item>\n  <item>\n    <name>Honeycrisp</name>\n    <type>apple</type>\n    <count>10</count>\n  </item>\n</produce>";

    fn eval(xml: &str, xpath: &str) -> Result<Outcome, String> {
        let doc = parse(xml).map_err(|e| e.message)?;
        evaluate(&doc, xpath)
    }

    fn xml(items: &[&str]) -> Outcome {
        Outcome::Nodes(items.iter().map(|s| Item::Xml(s.to_string())).collect())
    }

    fn text(items: &[&str]) -> Outcome {
        Outcome::Nodes(items.iter().map(|s| Item::Text(s.to_string())).collect())
    }

    #[test]
    fn table() {
        let contoso =
            "<?xml version=\"1.0\"?><file xmlns=\"https://contoso.com\"><location>Paris</location></file>";
        let cases: Vec<(&str, &str, Outcome)> = vec![
            (PRODUCE, "/produce/item/name/text()", text(&["Gala", "Honeycrisp"])),
            (PRODUCE, "sum(/produce/item/count)", Outcome::Number(30.0)),
            (PRODUCE, "count(//item)", Outcome::Number(2.0)),
            (PRODUCE, "string(//type)", Outcome::String("apple".into())),
            (PRODUCE, "//name[@price > 10] = 'Gala'", Outcome::Boolean(true)),
            (
                PRODUCE,
                "/produce/item/name",
                xml(&["<name expired=\"true\" price=\"12\">Gala</name>", "<name>Honeycrisp</name>"]),
            ),
            (PRODUCE, "/produce/item/name[1]", xml(&["<name expired=\"true\" price=\"12\">Gala</name>", "<name>Honeycrisp</name>"])),
            (PRODUCE, "(/produce/item/name)[last()]", xml(&["<name>Honeycrisp</name>"])),
            (PRODUCE, "//name/@price", text(&["12"])),
            (PRODUCE, "//nothing", Outcome::Nodes(Vec::new())),
            (contoso, "/*[name()=\"file\"]/*[name()=\"location\"]", xml(&["<location xmlns=\"https://contoso.com\">Paris</location>"])),
            (
                contoso,
                "/*[local-name()='file' and namespace-uri()='https://contoso.com']/*[local-name()='location']",
                xml(&["<location xmlns=\"https://contoso.com\">Paris</location>"]),
            ),
            (contoso, "string(/*[name()='file']/*[name()='location'])", Outcome::String("Paris".into())),
            (contoso, "/file", Outcome::Nodes(Vec::new())),
            ("<r>a<![CDATA[<b>]]>c</r>", "/r/text()", text(&["a<b>c"])),
            ("<r><![CDATA[x]]></r>", "/r", xml(&["<r><![CDATA[x]]></r>"])),
            ("<r><!--c--><?p d?></r>", "/r/comment()", xml(&["<!--c-->"])),
            ("<r><?p d?></r>", "/r/processing-instruction()", xml(&["<?p d?>"])),
            ("<p:r xmlns:p=\"u\"><p:c/></p:r>", "name(/*/*)", Outcome::String("p:c".into())),
            ("<p:r xmlns:p=\"u\"><p:c/></p:r>", "/*/*", xml(&["<p:c xmlns:p=\"u\" />"])),
            ("<r a=\"1\"/>", "/", xml(&["<r a=\"1\" />"])),
            ("<r xml:lang=\"en-GB\"><a/></r>", "lang('en')", Outcome::Boolean(false)),
            ("<r xml:lang=\"en-GB\"><a/></r>", "count(//a[lang('EN')])", Outcome::Number(1.0)),
            ("<r xml:lang=\"en-GB\"><a/></r>", "count(//a[lang('en-gb')])", Outcome::Number(1.0)),
            ("<r xml:lang=\"en\"><a/></r>", "count(//a[lang('e')])", Outcome::Number(0.0)),
            ("<r><a id=\"x\"/></r>", "count(id('x'))", Outcome::Number(0.0)),
        ];
        for (doc, xpath, expected) in cases {
            assert_eq!(eval(doc, xpath), Ok(expected), "{xpath}");
        }
    }

    #[test]
    fn errors() {
        for (xpath, fragment) in [
            ("/produce/[", "not a valid XPath expression"),
            ("", "empty"),
            ("$x", "cannot be evaluated"),
            ("/p:produce", "Namespace Manager or XsltContext needed"),
            ("//*[p:x]", "Namespace Manager or XsltContext needed"),
            ("//p:*", "Namespace Manager or XsltContext needed"),
            ("nope()", "cannot be evaluated"),
            ("lang()", "cannot be evaluated"),
            ("id('a', 'b')", "cannot be evaluated"),
        ] {
            let e = eval(PRODUCE, xpath).err().unwrap_or_default();
            assert!(e.contains(fragment), "{xpath}: {e}");
        }
        let attributes: String = (0..=MAX_XPATH_ATTRIBUTES).map(|i| format!(" a{i}='1'")).collect();
        let e = eval(&format!("<r{attributes}/>"), "/r").err().unwrap_or_default();
        assert!(e.contains("at most 1000"), "{e}");
    }

    #[test]
    fn complexity_is_bounded() {
        let nested = format!("{}1{}", "(".repeat(MAX_XPATH_NESTING + 1), ")".repeat(MAX_XPATH_NESTING + 1));
        assert!(check_complexity(&nested).is_err());
        let long = vec!["1"; MAX_XPATH_OPERATORS + 2].join("+");
        assert!(check_complexity(&long).is_err());
        assert!(check_complexity("'((((((((((((((((((((((((((((((((((((((('").is_ok());
        assert!(check_complexity("child::a/descendant-or-self::node()[. = 'p:x']").is_ok());
        // At the limits, evaluation stays well inside a test thread's stack.
        let sum = vec!["1"; MAX_XPATH_OPERATORS].join("+");
        assert_eq!(eval("<r/>", &sum), Ok(Outcome::Number(MAX_XPATH_OPERATORS as f64)));
        let negations = format!("{}1", "-".repeat(MAX_XPATH_OPERATORS));
        assert_eq!(eval("<r/>", &negations), Ok(Outcome::Number(1.0)));
        let nested = format!("{}1{}", "(".repeat(MAX_XPATH_NESTING), ")".repeat(MAX_XPATH_NESTING));
        assert_eq!(eval("<r/>", &nested), Ok(Outcome::Number(1.0)));
        let deep = format!("{}{}", "<a>".repeat(128), "</a>".repeat(128));
        assert_eq!(eval(&deep, "count(//a)"), Ok(Outcome::Number(128.0)));
    }
}
