//! A small XML document tree: the nodes .NET's `XmlDocument` keeps, in an arena.
//!
//! The tree keeps what the service's writer and its JSON conversion can tell apart and
//! a general-purpose XML tree would merge or drop: CDATA sections apart from text,
//! `<a/>` apart from `<a></a>`, the XML declaration's fields, the document type's parts.
//! Nodes live in one `Vec` and refer to each other by index, so nothing recurses when a
//! deep tree is built, walked or dropped.

/// The index of a node in its [`Document`].
pub(crate) type NodeId = usize;

/// The namespace that `xmlns` attributes belong to.
pub(crate) const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";
/// The namespace bound to the `xml` prefix.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// An element or attribute name: prefix, local part and namespace URI (empty for none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Name {
    pub prefix: String,
    pub local: String,
    pub ns: String,
}

impl Name {
    /// `prefix:local`, or `local` without a prefix.
    pub fn qualified(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}

/// An attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub name: Name,
    pub value: String,
}

/// An element: its name, attributes in document order, and whether it was written (or
/// created) as an empty element, which the writer shows as `<a />`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: Name,
    pub attributes: Vec<Attribute>,
    pub empty: bool,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The document itself (always node 0).
    Document,
    /// `<?xml version="1.0" encoding="..." standalone="..."?>`.
    Declaration { version: String, encoding: String, standalone: String },
    /// `<!DOCTYPE name PUBLIC "..." "..." [...]>`; `None` for a part that is absent.
    DocType { name: String, public: Option<String>, system: Option<String>, subset: Option<String> },
    /// An element.
    Element(Element),
    /// Character data.
    Text(String),
    /// A CDATA section.
    CData(String),
    /// A comment.
    Comment(String),
    /// A processing instruction.
    Pi { target: String, data: String },
    /// Whitespace the document kept (only created from JSON's `#whitespace`).
    Whitespace(String),
    /// Whitespace inside `xml:space="preserve"`.
    SignificantWhitespace(String),
}

/// A node: what it is and its children.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub children: Vec<NodeId>,
}

/// An XML document.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    nodes: Vec<Node>,
}

/// The document node's id.
pub(crate) const ROOT: NodeId = 0;

impl Document {
    /// An empty document.
    pub fn new() -> Document {
        Document { nodes: vec![Node { kind: Kind::Document, children: Vec::new() }] }
    }

    /// What the node is. Ids come from this document, so the index is in range.
    pub fn kind(&self, id: NodeId) -> &Kind {
        &self.nodes[id].kind
    }

    /// The node's children.
    pub fn children(&self, id: NodeId) -> &[NodeId] {
        &self.nodes[id].children
    }

    /// The element, if the node is one.
    pub fn element(&self, id: NodeId) -> Option<&Element> {
        match &self.nodes[id].kind {
            Kind::Element(e) => Some(e),
            _ => None,
        }
    }

    /// The element, mutably, if the node is one.
    pub fn element_mut(&mut self, id: NodeId) -> Option<&mut Element> {
        match &mut self.nodes[id].kind {
            Kind::Element(e) => Some(e),
            _ => None,
        }
    }

    /// Adds a node as the last child of `parent` and returns its id.
    pub fn append(&mut self, parent: NodeId, kind: Kind) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node { kind, children: Vec::new() });
        self.nodes[parent].children.push(id);
        id
    }

    /// The document element (the root element), if there is one.
    pub fn document_element(&self) -> Option<NodeId> {
        self.children(ROOT).iter().copied().find(|&c| matches!(self.kind(c), Kind::Element(_)))
    }

    /// The number of nodes.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree() {
        let mut doc = Document::new();
        let root = doc.append(
            ROOT,
            Kind::Element(Element {
                name: Name { local: "a".into(), ..Name::default() },
                attributes: Vec::new(),
                empty: false,
            }),
        );
        let text = doc.append(root, Kind::Text("x".into()));
        assert_eq!(doc.document_element(), Some(root));
        assert_eq!(doc.children(root), &[text]);
        assert_eq!(doc.len(), 3);
        let name = Name { prefix: "p".into(), local: "b".into(), ns: "u".into() };
        assert_eq!(name.qualified(), "p:b");
    }
}
