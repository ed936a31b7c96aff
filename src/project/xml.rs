//! A small element tree for the XML files of a solution (`customizations.xml`,
//! `solution.xml`, environment variable definitions): names compared without regard to case
//! and prefix, attributes, text. Depth and size are bounded like every reader here.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::error::{Error, ErrorKind, Result};

/// Elements deeper than this are an error (the service's files are a few levels deep).
const MAX_DEPTH: usize = 64;
/// The most elements one file may have.
const MAX_ELEMENTS: usize = 200_000;

/// An element.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    /// The local name (without a prefix).
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// An attribute, by local name without regard to case.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The text of the first child with this name, trimmed.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Every element with this name, at any depth (document order).
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name.eq_ignore_ascii_case(name) {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }
}

fn local(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    text.rsplit(':').next().unwrap_or_default().to_string()
}

fn reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x').or_else(|| number.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        match rest[i..].find(';').and_then(|end| reference(&rest[i + 1..i + end]).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[i + end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn start(e: &quick_xml::events::BytesStart<'_>) -> Element {
    let attributes = e
        .attributes()
        .flatten()
        .map(|a| (local(a.key.as_ref()), unescape(&String::from_utf8_lossy(&a.value))))
        .collect();
    Element { name: local(e.name().as_ref()), attributes, ..Element::default() }
}

/// Parses a document; `file` names it in errors. The result is a synthetic root whose
/// children are the document's top-level elements.
pub(crate) fn parse(text: &str, file: &str) -> Result<Element> {
    let mut reader = Reader::from_str(text);
    let mut stack = vec![Element::default()];
    let mut count = 0usize;
    let fail =
        |message: String| Error::new(ErrorKind::Definition, format!("{file}: not valid XML: {message}"));
    loop {
        let event =
            reader.read_event().map_err(|e| fail(format!("{e} (at byte {})", reader.buffer_position())))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                count += 1;
                if stack.len() > MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(fail("the document is nested too deeply or is too large".into()));
                }
                stack.push(start(&e));
            }
            Event::Empty(e) => {
                count += 1;
                let element = start(&e);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(fail("a closing tag without its opening tag".into()));
                }
                if let Some(done) = stack.pop() {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(done);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&unescape(&String::from_utf8_lossy(&t)));
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(current), Some(c)) = (stack.last_mut(), reference(&String::from_utf8_lossy(&r)))
                {
                    current.text.push(c);
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(fail("the document ends inside an element".into()));
    }
    Ok(stack.pop().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_and_text() {
        let doc = parse(
            r#"<?xml version="1.0"?><ImportExportXml xmlns:xsi="x"><Workflows><Workflow WorkflowId="{1}" Name="A &amp; B"><JsonFileName>/Workflows/A.json</JsonFileName></Workflow></Workflows><x:empty/></ImportExportXml>"#,
            "c.xml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut found = Vec::new();
        doc.descendants("workflow", &mut found);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].attribute("name"), Some("A & B"));
        assert_eq!(found[0].child_text("jsonfilename"), Some("/Workflows/A.json"));
        let root = doc.child("importexportxml").map(|r| r.children.len());
        assert_eq!(root, Some(2), "the prefixed empty element counts");
    }

    #[test]
    fn broken_xml_is_an_error_naming_the_file() {
        let e = parse("<a><b></a>", "c.xml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("c.xml: not valid XML"), "{e}");
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep, "d.xml").is_err());
    }
}
