//! Writes a [`Document`] (or one node of it) as .NET's `XmlNode.OuterXml` does, which is
//! the text the service keeps for an XML value.
//!
//! That writer is `XmlTextWriter` without indentation: `<a />` for empty elements, double
//! quotes around attribute values, `&lt; &gt; &amp;` escaped in text, `&quot;` and
//! `&#xA;`-style references in attribute values, the declaration and document type written
//! back in a normal form, and namespace declarations added where a name needs one that is
//! not in scope — which is how a node taken out of its document (an `xpath()` result)
//! keeps its `xmlns`.

use std::collections::HashMap;

use super::dom::{Document, Kind, Name, NodeId, ROOT, XMLNS_NS};

/// Writes the whole document.
pub(crate) fn write_document(doc: &Document) -> Result<String, String> {
    let mut w = Writer::new();
    w.write_children(doc, ROOT)?;
    Ok(w.out)
}

/// Writes one node with its descendants, declaring the namespaces it uses.
pub(crate) fn write_node(doc: &Document, id: NodeId) -> Result<String, String> {
    let mut w = Writer::new();
    if id == ROOT {
        w.write_children(doc, ROOT)?;
    } else {
        w.write_subtree(doc, id)?;
    }
    Ok(w.out)
}

/// Whether a default namespace was declared in the output (XmlTextWriter's states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultState {
    Uninitialized,
    NotDeclaredButInScope,
    DeclaredButNotWrittenOut,
    DeclaredAndWrittenOut,
}

#[derive(Debug, Clone)]
struct Binding {
    prefix: String,
    uri: String,
    declared: bool,
}

#[derive(Debug, Clone)]
struct Frame {
    /// The bindings below this index belong to enclosing elements.
    ns_start: usize,
    default_ns: String,
    default_state: DefaultState,
    prefix: String,
    local: String,
}

struct Writer {
    out: String,
    bindings: Vec<Binding>,
    /// Indexes into `bindings`, by prefix and by namespace, so lookups do not scan.
    by_prefix: HashMap<String, Vec<usize>>,
    by_uri: HashMap<String, Vec<usize>>,
    frames: Vec<Frame>,
}

impl Writer {
    fn new() -> Writer {
        let base = Frame {
            ns_start: 0,
            default_ns: String::new(),
            default_state: DefaultState::Uninitialized,
            prefix: String::new(),
            local: String::new(),
        };
        Writer {
            out: String::new(),
            bindings: Vec::new(),
            by_prefix: HashMap::new(),
            by_uri: HashMap::new(),
            frames: vec![base],
        }
    }

    fn top(&mut self) -> &mut Frame {
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// The innermost binding of `prefix`, if any.
    fn lookup(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix)?.last().copied()
    }

    /// The innermost prefix bound to `uri` that is not shadowed.
    fn find_prefix(&self, uri: &str) -> Option<String> {
        let candidates = self.by_uri.get(uri)?;
        candidates
            .iter()
            .rev()
            .find(|&&i| self.lookup(&self.bindings[i].prefix) == Some(i))
            .map(|&i| self.bindings[i].prefix.clone())
    }

    /// `PushNamespace`: records a binding for the current element; `declared` says whether
    /// an attribute of the element declares it (else the writer declares it itself).
    fn push_namespace(&mut self, prefix: Option<&str>, uri: &str, declared: bool) -> Result<(), String> {
        if uri == XMLNS_NS {
            return Err(format!("Cannot bind to the reserved namespace '{uri}'."));
        }
        let Some(prefix) = prefix else {
            let frame = self.top();
            match frame.default_state {
                // The first default namespace of an element is the one kept.
                DefaultState::DeclaredButNotWrittenOut | DefaultState::DeclaredAndWrittenOut => {}
                DefaultState::Uninitialized | DefaultState::NotDeclaredButInScope => {
                    frame.default_ns = uri.to_string();
                }
            }
            frame.default_state = if declared {
                DefaultState::DeclaredAndWrittenOut
            } else {
                DefaultState::DeclaredButNotWrittenOut
            };
            return Ok(());
        };
        if !prefix.is_empty() && uri.is_empty() {
            return Err(format!("Cannot use a prefix ('{prefix}') with an empty namespace."));
        }
        let ns_start = self.top().ns_start;
        match self.lookup(prefix) {
            Some(i) if self.bindings[i].uri == uri => {
                if declared {
                    self.bindings[i].declared = true;
                }
            }
            existing => {
                if let Some(i) = existing.filter(|&i| declared && i >= ns_start) {
                    // The writer's own declaration is silenced by the document's.
                    self.bindings[i].declared = true;
                }
                let i = self.bindings.len();
                self.by_prefix.entry(prefix.to_string()).or_default().push(i);
                self.by_uri.entry(uri.to_string()).or_default().push(i);
                self.bindings.push(Binding { prefix: prefix.to_string(), uri: uri.to_string(), declared });
            }
        }
        Ok(())
    }

    /// Writes the children of `parent`, iteratively.
    fn write_children(&mut self, doc: &Document, parent: NodeId) -> Result<(), String> {
        for &child in doc.children(parent) {
            self.write_subtree(doc, child)?;
        }
        Ok(())
    }

    /// Writes a node and its descendants without recursion: elements are opened on the way
    /// down and closed when their last child is done.
    fn write_subtree(&mut self, doc: &Document, id: NodeId) -> Result<(), String> {
        // (node, next child index)
        let mut stack: Vec<(NodeId, usize)> = Vec::new();
        self.open(doc, id, &mut stack)?;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let children = doc.children(node);
            if let Some(&child) = children.get(*next) {
                *next += 1;
                self.open(doc, child, &mut stack)?;
            } else {
                stack.pop();
                self.close_element();
            }
        }
        Ok(())
    }

    /// Writes a leaf node, or the start tag of an element (pushed on `stack` when it has
    /// children to write; an empty element is finished at once).
    fn open(&mut self, doc: &Document, id: NodeId, stack: &mut Vec<(NodeId, usize)>) -> Result<(), String> {
        match doc.kind(id) {
            Kind::Document => {
                // A document inside a document does not occur; write its content.
                stack.push((id, 0));
                self.frames.push(self.frames[self.frames.len() - 1].clone());
                let n = self.bindings.len();
                self.top().ns_start = n;
                // Closing pops this frame without writing an end tag.
                self.top().local.clear();
            }
            Kind::Declaration { version, encoding, standalone } => {
                let mut text = format!("version=\"{version}\"");
                if !encoding.is_empty() {
                    text.push_str(&format!(" encoding=\"{encoding}\""));
                }
                if !standalone.is_empty() {
                    text.push_str(&format!(" standalone=\"{standalone}\""));
                }
                self.write_pi("xml", &text)?;
            }
            Kind::DocType { name, public, system, subset } => {
                self.out.push_str("<!DOCTYPE ");
                self.out.push_str(name);
                if let Some(public) = public {
                    self.out.push_str(" PUBLIC \"");
                    self.out.push_str(public);
                    self.out.push_str("\" \"");
                    self.out.push_str(system.as_deref().unwrap_or(""));
                    self.out.push('"');
                } else if let Some(system) = system {
                    self.out.push_str(" SYSTEM \"");
                    self.out.push_str(system);
                    self.out.push('"');
                }
                if let Some(subset) = subset {
                    self.out.push('[');
                    self.out.push_str(subset);
                    self.out.push(']');
                }
                self.out.push('>');
            }
            Kind::Element(e) => {
                self.start_element(&e.name)?;
                for a in &e.attributes {
                    self.attribute(&a.name, &a.value)?;
                }
                if e.empty && doc.children(id).is_empty() {
                    self.end_start_tag(true);
                    self.pop_frame();
                } else {
                    self.end_start_tag(false);
                    stack.push((id, 0));
                }
            }
            Kind::Text(t) | Kind::Whitespace(t) | Kind::SignificantWhitespace(t) => {
                escape(t, false, &mut self.out);
            }
            Kind::CData(t) => {
                if t.contains("]]>") {
                    return Err("Cannot have ']]>' inside an XML CDATA block.".into());
                }
                self.out.push_str("<![CDATA[");
                self.out.push_str(t);
                self.out.push_str("]]>");
            }
            Kind::Comment(t) => {
                if t.contains("--") || t.ends_with('-') {
                    return Err(
                        "An XML comment cannot contain '--', and '-' cannot be the last character.".into()
                    );
                }
                self.out.push_str("<!--");
                self.out.push_str(t);
                self.out.push_str("-->");
            }
            Kind::Pi { target, data } => self.write_pi(target, data)?,
        }
        Ok(())
    }

    fn write_pi(&mut self, target: &str, data: &str) -> Result<(), String> {
        if data.contains("?>") {
            return Err("Cannot have '?>' inside an XML processing instruction.".into());
        }
        self.out.push_str("<?");
        self.out.push_str(target);
        self.out.push(' ');
        self.out.push_str(data);
        self.out.push_str("?>");
        Ok(())
    }

    /// `WriteStartElement(prefix, localName, ns)` as `XmlDOMTextWriter` calls it.
    fn start_element(&mut self, name: &Name) -> Result<(), String> {
        let parent = self.frames[self.frames.len() - 1].clone();
        let default_state = if parent.default_state == DefaultState::Uninitialized {
            DefaultState::Uninitialized
        } else {
            DefaultState::NotDeclaredButInScope
        };
        self.frames.push(Frame {
            ns_start: self.bindings.len(),
            default_ns: parent.default_ns,
            default_state,
            prefix: String::new(),
            local: name.local.clone(),
        });
        // The DOM writer drops a prefix that has no namespace.
        let prefix = if name.ns.is_empty() { "" } else { name.prefix.as_str() };
        if prefix.is_empty() {
            self.push_namespace(None, &name.ns, false)?;
        } else {
            self.push_namespace(Some(prefix), &name.ns, false)?;
        }
        self.out.push('<');
        if !prefix.is_empty() {
            self.out.push_str(prefix);
            self.out.push(':');
            self.top().prefix = prefix.to_string();
        }
        self.out.push_str(&name.local);
        Ok(())
    }

    /// `WriteStartAttribute` + value + `WriteEndAttribute`.
    fn attribute(&mut self, name: &Name, value: &str) -> Result<(), String> {
        let mut prefix: Option<String> =
            Some(name.prefix.clone()).filter(|p| !p.is_empty() && !name.ns.is_empty());
        if name.ns == XMLNS_NS && prefix.is_none() && name.local != "xmlns" {
            prefix = Some("xmlns".into());
        }
        // A namespace declaration: written as it is, then recorded as declared.
        let mut declares: Option<Option<String>> = None;
        match prefix.as_deref() {
            Some("xml") => {}
            Some("xmlns") => {
                declares = Some(Some(name.local.clone()).filter(|l| !l.is_empty()));
            }
            None if name.local == "xmlns" => declares = Some(None),
            _ => {
                if name.ns.is_empty() {
                    prefix = None;
                } else {
                    let ns_start = self.top().ns_start;
                    if let Some(p) = &prefix {
                        if self.lookup(p).is_some_and(|i| i >= ns_start) {
                            prefix = None;
                        }
                    }
                    match self.find_prefix(&name.ns) {
                        Some(defined) if prefix.is_none() || prefix.as_deref() == Some(defined.as_str()) => {
                            prefix = Some(defined);
                        }
                        _ => {
                            let p = match prefix.take() {
                                Some(p) => p,
                                None => self.generate_prefix(),
                            };
                            self.push_namespace(Some(&p), &name.ns, false)?;
                            prefix = Some(p);
                        }
                    }
                }
            }
        }
        self.out.push(' ');
        if let Some(p) = prefix.as_deref().filter(|p| !p.is_empty()) {
            self.out.push_str(p);
            self.out.push(':');
        }
        self.out.push_str(&name.local);
        self.out.push_str("=\"");
        escape(value, true, &mut self.out);
        self.out.push('"');
        if let Some(declared_prefix) = declares {
            self.push_namespace(declared_prefix.as_deref(), value, true)?;
        }
        Ok(())
    }

    /// A prefix for an attribute namespace that has none in scope: `d1p1`, `d1p2`, ...
    fn generate_prefix(&self) -> String {
        let depth = self.frames.len() - 1;
        let used =
            self.bindings[self.frames[depth].ns_start..].iter().filter(|b| b.prefix.starts_with('d')).count();
        format!("d{depth}p{}", used + 1)
    }

    /// Ends a start tag: writes the namespace declarations the writer owes, then `>` or
    /// ` />`.
    fn end_start_tag(&mut self, empty: bool) {
        let depth = self.frames.len() - 1;
        let ns_start = self.frames[depth].ns_start;
        for i in (ns_start..self.bindings.len()).rev() {
            if !self.bindings[i].declared {
                self.out.push_str(" xmlns:");
                self.out.push_str(&self.bindings[i].prefix);
                self.out.push_str("=\"");
                let uri = self.bindings[i].uri.clone();
                escape(&uri, true, &mut self.out);
                self.out.push('"');
            }
        }
        let (frame, parent) = (&self.frames[depth], &self.frames[depth - 1]);
        if frame.default_ns != parent.default_ns
            && frame.default_state == DefaultState::DeclaredButNotWrittenOut
        {
            let uri = frame.default_ns.clone();
            self.out.push_str(" xmlns=\"");
            escape(&uri, true, &mut self.out);
            self.out.push('"');
            self.frames[depth].default_state = DefaultState::DeclaredAndWrittenOut;
        }
        self.out.push_str(if empty { " />" } else { ">" });
    }

    /// Writes the end tag of the innermost open element (nothing for a nested document).
    fn close_element(&mut self) {
        let depth = self.frames.len() - 1;
        if !self.frames[depth].local.is_empty() {
            self.out.push_str("</");
            if !self.frames[depth].prefix.is_empty() {
                let prefix = self.frames[depth].prefix.clone();
                self.out.push_str(&prefix);
                self.out.push(':');
            }
            let local = self.frames[depth].local.clone();
            self.out.push_str(&local);
            self.out.push('>');
        }
        self.pop_frame();
    }

    fn truncate_bindings(&mut self, len: usize) {
        while self.bindings.len() > len {
            if let Some(b) = self.bindings.pop() {
                if let Some(v) = self.by_prefix.get_mut(&b.prefix) {
                    v.pop();
                }
                if let Some(v) = self.by_uri.get_mut(&b.uri) {
                    v.pop();
                }
            }
        }
    }

    fn pop_frame(&mut self) {
        if self.frames.len() > 1 {
            if let Some(frame) = self.frames.pop() {
                self.truncate_bindings(frame.ns_start);
            }
        }
    }
}

/// Escapes text as `XmlTextEncoder` does. In text: `<`, `>`, `&`; in attribute values
/// also `"`, and CR / LF as character references so they survive a re-read. Other
/// control characters (and U+FFFE, U+FFFF) become `&#xH;`.
pub(crate) fn escape(text: &str, in_attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\n' | '\r' if in_attribute => out.push_str(&format!("&#x{:X};", c as u32)),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("&#x{:X};", c as u32));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::dom::{Attribute, Element};
    use super::*;

    fn name(prefix: &str, local: &str, ns: &str) -> Name {
        Name { prefix: prefix.into(), local: local.into(), ns: ns.into() }
    }

    fn element(doc: &mut Document, parent: NodeId, n: Name, attrs: Vec<(Name, &str)>, empty: bool) -> NodeId {
        let attributes = attrs.into_iter().map(|(name, v)| Attribute { name, value: v.into() }).collect();
        doc.append(parent, Kind::Element(Element { name: n, attributes, empty }))
    }

    #[test]
    fn writes_like_outer_xml() {
        let mut doc = Document::new();
        doc.append(
            ROOT,
            Kind::Declaration { version: "1.0".into(), encoding: "utf-8".into(), standalone: String::new() },
        );
        let root = element(&mut doc, ROOT, name("", "root", ""), vec![(name("", "a", ""), "x\"<\n")], false);
        element(&mut doc, root, name("", "e", ""), vec![], true);
        element(&mut doc, root, name("", "f", ""), vec![], false);
        doc.append(root, Kind::Text("a<b>&\"'\u{1}".into()));
        doc.append(root, Kind::CData("<&>".into()));
        doc.append(root, Kind::Comment(" c ".into()));
        doc.append(root, Kind::Pi { target: "pi".into(), data: String::new() });
        assert_eq!(
            write_document(&doc).as_deref(),
            Ok("<?xml version=\"1.0\" encoding=\"utf-8\"?><root a=\"x&quot;&lt;&#xA;\"><e /><f></f>a&lt;b&gt;&amp;\"'&#x1;<![CDATA[<&>]]><!-- c --><?pi ?></root>")
        );
    }

    #[test]
    fn a_node_carries_the_namespaces_it_uses() {
        let mut doc = Document::new();
        let file = element(
            &mut doc,
            ROOT,
            name("", "file", "https://contoso.com"),
            vec![
                (name("", "xmlns", XMLNS_NS), "https://contoso.com"),
                (name("xmlns", "p", XMLNS_NS), "urn:p"),
            ],
            false,
        );
        let location = element(&mut doc, file, name("", "location", "https://contoso.com"), vec![], false);
        doc.append(location, Kind::Text("Paris".into()));
        let prefixed =
            element(&mut doc, file, name("p", "x", "urn:p"), vec![(name("p", "at", "urn:p"), "1")], true);
        assert_eq!(
            write_document(&doc).as_deref(),
            Ok("<file xmlns=\"https://contoso.com\" xmlns:p=\"urn:p\"><location>Paris</location><p:x p:at=\"1\" /></file>")
        );
        assert_eq!(
            write_node(&doc, location).as_deref(),
            Ok("<location xmlns=\"https://contoso.com\">Paris</location>")
        );
        assert_eq!(write_node(&doc, prefixed).as_deref(), Ok("<p:x p:at=\"1\" xmlns:p=\"urn:p\" />"));
    }

    #[test]
    fn prefix_without_namespace_is_dropped_and_doctype_is_normalised() {
        let mut doc = Document::new();
        doc.append(
            ROOT,
            Kind::DocType {
                name: "a".into(),
                public: None,
                system: Some(String::new()),
                subset: Some(String::new()),
            },
        );
        element(&mut doc, ROOT, name("ro", "ot", ""), vec![], false);
        assert_eq!(write_document(&doc).as_deref(), Ok("<!DOCTYPE a SYSTEM \"\"[]><ot></ot>"));
    }

    #[test]
    fn refuses_what_cannot_be_written() {
        for kind in [
            Kind::CData("]]>".into()),
            Kind::Comment("a--b".into()),
            Kind::Comment("a-".into()),
            Kind::Pi { target: "p".into(), data: "?>".into() },
        ] {
            let mut doc = Document::new();
            let root = element(&mut doc, ROOT, name("", "r", ""), vec![], false);
            doc.append(root, kind.clone());
            assert!(write_document(&doc).is_err(), "{kind:?}");
        }
    }

    #[test]
    fn deep_trees_do_not_recurse() {
        let mut doc = Document::new();
        let mut parent = ROOT;
        for _ in 0..100_000 {
            parent = element(&mut doc, parent, name("", "a", ""), vec![], false);
        }
        let text = write_document(&doc).unwrap_or_default();
        assert_eq!(text.len(), 100_000 * "<a></a>".len());
    }
}
