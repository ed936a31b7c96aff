//! XML ↔ JSON as the service converts them: Newtonsoft.Json's `XmlNodeConverter`
//! (`JsonConvert.SerializeXmlNode` for `json(xml)`, `DeserializeXmlNode` for `xml(json)`).
//!
//! XML → JSON: attributes become `"@name"`, text `"#text"`, CDATA `"#cdata-section"`, the
//! declaration `"?xml"`, the document type `"!DOCTYPE"`, processing instructions
//! `"?target"`; an element with only text becomes a string, an empty element `null`
//! (`<a/>`) or `""` (`<a></a>`); children with the same name are grouped into an array in
//! the order their names first appear; comments vanish (several in one element leave an
//! empty `"#comment": []`, as the service's JSON writer does); `json:Array="true"` forces
//! an array.
//!
//! JSON → XML: the object must have one root property; `@name` members at the start of an
//! object become attributes; arrays become repeated elements; `#text`,
//! `#cdata-section`, `?xml`, `!DOCTYPE` and `?target` map back; names that are not valid
//! XML are encoded (`ro ot` → `ro_x0020_ot`); numbers and booleans are written as
//! `XmlConvert` writes them.

use std::collections::HashMap;

use super::dom::{Attribute, Document, Element, Kind, Name, NodeId, ROOT, XMLNS_NS, XML_NS};
use super::names::{decode_name, encode_name, is_name, is_xml_whitespace};
use crate::value::{Object, Value};

/// The namespace of Newtonsoft's `json:Array` and friends.
const JSON_NS: &str = "http://james.newtonking.com/projects/json";

/// JSON nesting Newtonsoft's reader accepts (its `MaxDepth`).
pub(crate) const MAX_JSON_DEPTH: usize = 64;

/// One namespace declaration; `live` is false once removed or replaced.
struct Decl {
    prefix: String,
    uri: String,
    live: bool,
    scope: usize,
}

/// .NET's `XmlNamespaceManager`: scoped prefix → namespace bindings. Declarations are
/// indexed by prefix and by namespace, so lookups do not scan every declaration.
struct Namespaces {
    decls: Vec<Decl>,
    by_prefix: HashMap<String, Vec<usize>>,
    by_uri: HashMap<String, Vec<usize>>,
    scope: usize,
}

impl Namespaces {
    fn new() -> Namespaces {
        let mut ns =
            Namespaces { decls: Vec::new(), by_prefix: HashMap::new(), by_uri: HashMap::new(), scope: 0 };
        ns.push_decl("xml", XML_NS);
        ns.push_decl("xmlns", XMLNS_NS);
        ns.push_decl("", "");
        ns
    }

    fn push_decl(&mut self, prefix: &str, uri: &str) {
        let i = self.decls.len();
        self.decls.push(Decl {
            prefix: prefix.to_string(),
            uri: uri.to_string(),
            live: true,
            scope: self.scope,
        });
        self.by_prefix.entry(prefix.to_string()).or_default().push(i);
        self.by_uri.entry(uri.to_string()).or_default().push(i);
    }

    fn push_scope(&mut self) {
        self.scope += 1;
    }

    fn pop_scope(&mut self) {
        while self.decls.last().is_some_and(|d| d.scope >= self.scope && self.scope > 0) {
            if let Some(decl) = self.decls.pop() {
                if let Some(v) = self.by_prefix.get_mut(&decl.prefix) {
                    v.pop();
                }
                if let Some(v) = self.by_uri.get_mut(&decl.uri) {
                    v.pop();
                }
            }
        }
        self.scope = self.scope.saturating_sub(1);
    }

    /// The declaration of `prefix` now in force, if any (possibly a removed one).
    fn current(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix)?.last().copied()
    }

    fn add(&mut self, prefix: &str, uri: &str) -> Result<(), String> {
        if prefix == "xml" && uri != XML_NS || prefix == "xmlns" {
            return Err(format!("Cannot declare the reserved prefix '{prefix}'."));
        }
        // A second declaration of a prefix in the same scope replaces the first.
        if let Some(i) = self.current(prefix).filter(|&i| self.decls[i].scope == self.scope) {
            self.decls[i].live = false;
        }
        self.push_decl(prefix, uri);
        Ok(())
    }

    fn remove(&mut self, prefix: &str, uri: &str) {
        let scope = self.scope;
        if let Some(indexes) = self.by_prefix.get(prefix) {
            for &i in indexes.iter().rev() {
                let decl = &mut self.decls[i];
                if decl.scope != scope {
                    break;
                }
                if decl.live && decl.uri == uri {
                    decl.live = false;
                }
            }
        }
    }

    fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        self.current(prefix).map(|i| &self.decls[i]).filter(|d| d.live).map(|d| d.uri.as_str())
    }

    fn default_namespace(&self) -> String {
        self.lookup_namespace("").unwrap_or("").to_string()
    }

    fn lookup_prefix(&self, uri: &str) -> Option<&str> {
        self.by_uri.get(uri)?.iter().rev().find_map(|&i| {
            let decl = &self.decls[i];
            (decl.live && self.current(&decl.prefix) == Some(i)).then_some(decl.prefix.as_str())
        })
    }
}

// ---------------------------------------------------------------------------------------
// XML → JSON

/// Where converted nodes go: an object (named members) or an array (values only).
enum Out<'a> {
    Object(&'a mut Object),
    Array(&'a mut Vec<Value>),
}

impl Out<'_> {
    fn emit(&mut self, name: String, value: Value) {
        match self {
            Out::Object(o) => o.insert(name, value),
            Out::Array(a) => a.push(value),
        }
    }

    fn named(&self) -> bool {
        matches!(self, Out::Object(_))
    }
}

/// Converts a document to JSON (`JsonConvert.SerializeXmlNode`).
pub(crate) fn to_json(doc: &Document) -> Value {
    let mut ns = Namespaces::new();
    let mut root = Object::new();
    grouped_nodes(doc, ROOT, &mut ns, &mut Out::Object(&mut root));
    Value::Object(root)
}

/// The name a node's member gets.
fn property_name(doc: &Document, id: NodeId, ns: &Namespaces) -> String {
    match doc.kind(id) {
        Kind::Element(e) if e.name.ns == JSON_NS => format!("${}", e.name.local),
        Kind::Element(e) => full_name(&e.name, ns),
        Kind::Text(_) => "#text".into(),
        Kind::CData(_) => "#cdata-section".into(),
        Kind::Comment(_) => "#comment".into(),
        Kind::Whitespace(_) => "#whitespace".into(),
        Kind::SignificantWhitespace(_) => "#significant-whitespace".into(),
        Kind::Pi { target, .. } => format!("?{}", decode_name(target)),
        Kind::Declaration { .. } => "?xml".into(),
        Kind::DocType { .. } => "!DOCTYPE".into(),
        Kind::Document => String::new(),
    }
}

fn attribute_name(name: &Name, ns: &Namespaces) -> String {
    if name.ns == JSON_NS {
        format!("${}", name.local)
    } else {
        format!("@{}", full_name(name, ns))
    }
}

/// `ResolveFullName`: the prefix in scope for the node's namespace, and the decoded local
/// name.
fn full_name(name: &Name, ns: &Namespaces) -> String {
    let prefix = if name.local == "xmlns" && name.ns == XMLNS_NS { None } else { ns.lookup_prefix(&name.ns) };
    match prefix {
        Some(p) if !p.is_empty() => format!("{p}:{}", decode_name(&name.local)),
        _ => decode_name(&name.local),
    }
}

/// `json:Array="true"` on an element.
fn is_array(doc: &Document, id: NodeId) -> bool {
    doc.element(id).is_some_and(|e| {
        e.attributes
            .iter()
            .any(|a| a.name.ns == JSON_NS && a.name.local == "Array" && a.value.trim() == "true")
    })
}

/// `SerializeGroupedNodes`: the children of `parent`, grouped by member name in the order
/// the names first appear.
fn grouped_nodes(doc: &Document, parent: NodeId, ns: &mut Namespaces, out: &mut Out<'_>) {
    let mut groups: Vec<(String, Vec<NodeId>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for &child in doc.children(parent) {
        let name = property_name(doc, child, ns);
        match index.get(&name) {
            Some(&g) => groups[g].1.push(child),
            None => {
                index.insert(name.clone(), groups.len());
                groups.push((name, vec![child]));
            }
        }
    }
    for (name, members) in groups {
        let as_array = members.len() != 1 || members.first().is_some_and(|&m| is_array(doc, m));
        if !as_array {
            for &m in &members {
                node(doc, m, ns, out);
            }
        } else {
            let mut items = Vec::new();
            for &m in &members {
                node(doc, m, ns, &mut Out::Array(&mut items));
            }
            out.emit(name, Value::array(items));
        }
    }
}

/// `SerializeNode`. Recursion follows element nesting, which the parser limits.
fn node(doc: &Document, id: NodeId, ns: &mut Namespaces, out: &mut Out<'_>) {
    let string = |s: &str| Value::from(s);
    match doc.kind(id) {
        Kind::Document => grouped_nodes(doc, id, ns, out),
        Kind::Element(e) => element(doc, id, e, ns, out),
        // A comment is written as a JSON comment, which the service's reader drops.
        Kind::Comment(_) => {}
        Kind::Text(t) | Kind::CData(t) | Kind::Whitespace(t) | Kind::SignificantWhitespace(t) => {
            let name = property_name(doc, id, ns);
            out.emit(name, string(t));
        }
        Kind::Pi { data, .. } => {
            let name = property_name(doc, id, ns);
            out.emit(name, string(data));
        }
        Kind::Declaration { version, encoding, standalone } => {
            let mut o = Object::new();
            for (key, v) in [("@version", version), ("@encoding", encoding), ("@standalone", standalone)] {
                if !v.is_empty() {
                    o.insert(key, string(v));
                }
            }
            out.emit("?xml".into(), Value::Object(o));
        }
        Kind::DocType { name, public, system, subset } => {
            let mut o = Object::new();
            let parts = [("@name", Some(name)), ("@public", public.as_ref()), ("@system", system.as_ref())];
            for (key, v) in parts.into_iter().chain([("@internalSubset", subset.as_ref())]) {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    o.insert(key, string(v));
                }
            }
            out.emit("!DOCTYPE".into(), Value::Object(o));
        }
    }
}

fn element(doc: &Document, id: NodeId, e: &Element, ns: &mut Namespaces, out: &mut Out<'_>) {
    let children = doc.children(id);
    if !out.named() && is_array(doc, id) && !children.is_empty() && all_same_name(doc, id, ns) {
        grouped_nodes(doc, id, ns, out);
        return;
    }
    ns.push_scope();
    for a in e.attributes.iter().filter(|a| a.name.ns == XMLNS_NS) {
        let prefix = if a.name.local == "xmlns" { String::new() } else { decode_name(&a.name.local) };
        // Declarations were checked when the document was read.
        let _ = ns.add(&prefix, &a.value);
    }
    let name = property_name(doc, id, ns);
    let has_value_attributes =
        e.attributes.iter().any(|a| !(a.name.ns == JSON_NS || (a.name.ns == XMLNS_NS && a.value == JSON_NS)));
    let value = match children {
        [only] if !has_value_attributes && matches!(doc.kind(*only), Kind::Text(_)) => {
            match doc.kind(*only) {
                Kind::Text(t) => Value::from(t.as_str()),
                _ => Value::Null,
            }
        }
        [] if e.attributes.is_empty() => {
            if e.empty {
                Value::Null
            } else {
                Value::from("")
            }
        }
        _ => {
            let mut o = Object::new();
            for a in &e.attributes {
                let skip = (a.name.ns == XMLNS_NS && a.value == JSON_NS)
                    || (a.name.ns == JSON_NS && a.name.local == "Array");
                if !skip {
                    o.insert(attribute_name(&a.name, ns), Value::from(a.value.as_str()));
                }
            }
            grouped_nodes(doc, id, ns, &mut Out::Object(&mut o));
            Value::Object(o)
        }
    };
    ns.pop_scope();
    out.emit(name, value);
}

fn all_same_name(doc: &Document, id: NodeId, ns: &Namespaces) -> bool {
    let mut names = doc.children(id).iter().map(|&c| property_name(doc, c, ns));
    match names.next() {
        Some(first) => names.all(|n| n == first),
        None => true,
    }
}

// ---------------------------------------------------------------------------------------
// JSON → XML

/// Converts a JSON object to a document (`JsonConvert.DeserializeXmlNode`).
pub(crate) fn from_json(value: &Value) -> Result<Document, String> {
    let members = match members(value) {
        Some(m) => m,
        None => {
            return Err(format!(
                "XmlNodeConverter can only convert JSON that begins with an object; the value is of type '{}'.",
                value.value_type()
            ));
        }
    };
    let mut b = Builder { doc: Document::new(), ns: Namespaces::new(), attribute_index: HashMap::new() };
    b.node(&members, ROOT, 1)?;
    Ok(b.doc)
}

/// The members of an object (binary content reads as its envelope).
fn members(value: &Value) -> Option<Vec<(String, Value)>> {
    match value {
        Value::Object(o) => Some(o.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
        Value::Binary(b) => Some(vec![
            ("$content-type".into(), Value::from(b.content_type())),
            ("$content".into(), Value::from(b.base64())),
        ]),
        _ => None,
    }
}

/// `ConvertTokenToXmlValue`: the text of a primitive; `None` for null.
fn xml_text(value: &Value) -> Result<Option<String>, String> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { "INF" } else { "-INF" }.to_string(),
        Value::Float(f) => crate::value::format_double(*f),
        Value::Decimal(d) => d.to_string(),
        Value::String(s) => s.to_string(),
        Value::Array(_) => return Err("Cannot get an XML string value from token type 'StartArray'.".into()),
        Value::Object(_) | Value::Binary(_) => {
            return Err("Cannot get an XML string value from token type 'StartObject'.".into());
        }
    }))
}

/// `MiscellaneousUtils.GetPrefix`: the part before the first colon, if it is neither
/// first nor last.
fn prefix_of(name: &str) -> Option<&str> {
    match name.find(':') {
        Some(i) if i > 0 && i + 1 < name.len() => Some(&name[..i]),
        _ => None,
    }
}

/// `XmlNode.SplitName`.
fn split_name(name: &str) -> (String, String) {
    match prefix_of(name) {
        Some(p) => (p.to_string(), name[p.len() + 1..].to_string()),
        None => (String::new(), name.to_string()),
    }
}

/// The name `XmlDocument.CreateAttribute(name)` gives (namespace from the prefix).
fn attribute_name_for(qualified: &str, ns: Option<&str>) -> Name {
    let (prefix, local) = split_name(qualified);
    let ns = match ns {
        Some(ns) => ns.to_string(),
        None if prefix == "xmlns" || (prefix.is_empty() && local == "xmlns") => XMLNS_NS.to_string(),
        None if prefix == "xml" => XML_NS.to_string(),
        None => String::new(),
    };
    Name { prefix, local, ns }
}

const MULTIPLE_ROOTS: &str = "More than one root element: JSON converted to XML must have exactly one root property (and it cannot be an array).";

struct Builder {
    doc: Document,
    ns: Namespaces,
    /// Where each attribute (element, local name, namespace) sits in its element's list.
    attribute_index: HashMap<(NodeId, String, String), usize>,
}

impl Builder {
    /// `DeserializeNode`: the members of an object, into `parent`. Recursion follows JSON
    /// nesting, limited to [`MAX_JSON_DEPTH`].
    fn node(&mut self, members: &[(String, Value)], parent: NodeId, depth: usize) -> Result<(), String> {
        if depth > MAX_JSON_DEPTH {
            return Err(format!(
                "The JSON nests deeper than {MAX_JSON_DEPTH} levels (the reader's MaxDepth)."
            ));
        }
        for (name, value) in members {
            if parent == ROOT && self.doc.document_element().is_some() {
                return Err(MULTIPLE_ROOTS.into());
            }
            match value {
                Value::Array(items) => {
                    if depth + 1 > MAX_JSON_DEPTH {
                        return Err(format!(
                            "The JSON nests deeper than {MAX_JSON_DEPTH} levels (the reader's MaxDepth)."
                        ));
                    }
                    for item in items.iter() {
                        self.value(name, item, parent, depth + 1)?;
                    }
                }
                _ => self.value(name, value, parent, depth)?,
            }
        }
        Ok(())
    }

    /// Appends a node where `XmlDocument` allows it.
    fn append(&mut self, parent: NodeId, kind: Kind) -> Result<NodeId, String> {
        if parent == ROOT {
            let children = self.doc.children(ROOT);
            let has_element = self.doc.document_element().is_some();
            let ok = match &kind {
                Kind::Element(_) => !has_element,
                Kind::Declaration { .. } => children.is_empty(),
                Kind::DocType { .. } => {
                    !has_element
                        && !children.iter().any(|&c| matches!(self.doc.kind(c), Kind::DocType { .. }))
                }
                Kind::Comment(_) | Kind::Pi { .. } | Kind::Whitespace(_) | Kind::SignificantWhitespace(_) => {
                    true
                }
                Kind::Text(_) | Kind::CData(_) | Kind::Document => false,
            };
            if !ok {
                return Err(match kind {
                    Kind::Element(_) => MULTIPLE_ROOTS.to_string(),
                    _ => "The specified node cannot be inserted as the valid child of this node, because the specified node is the wrong type (text, CDATA, a second document type or a misplaced declaration at the top of the document).".to_string(),
                });
            }
        } else if matches!(kind, Kind::Declaration { .. } | Kind::DocType { .. } | Kind::Document) {
            return Err(
                "An XML declaration or document type can only appear at the top of the document.".into()
            );
        }
        Ok(self.doc.append(parent, kind))
    }

    /// `DeserializeValue`: one member (or one item of an array member).
    fn value(&mut self, name: &str, value: &Value, parent: NodeId, depth: usize) -> Result<(), String> {
        match name {
            "#text" => {
                let text = xml_text(value)?.unwrap_or_default();
                self.append(parent, Kind::Text(text))?;
            }
            "#cdata-section" => {
                let text = xml_text(value)?.unwrap_or_default();
                self.append(parent, Kind::CData(text))?;
            }
            "#whitespace" | "#significant-whitespace" => {
                let text = xml_text(value)?.unwrap_or_default();
                if !is_xml_whitespace(&text) {
                    return Err("The string for whitespace contains invalid characters.".into());
                }
                let kind = if name == "#whitespace" {
                    Kind::Whitespace(text)
                } else {
                    Kind::SignificantWhitespace(text)
                };
                self.append(parent, kind)?;
            }
            _ if name.starts_with('?') => self.instruction(name, value, parent)?,
            _ if name.eq_ignore_ascii_case("!DOCTYPE") => self.doctype(value, parent)?,
            _ => match value {
                Value::Array(items) => self.array_elements(name, items, parent, depth + 1)?,
                _ => self.element(name, value, parent, depth)?,
            },
        }
        Ok(())
    }

    fn instruction(&mut self, name: &str, value: &Value, parent: NodeId) -> Result<(), String> {
        if name == "?xml" {
            let Some(members) = members(value).filter(|_| matches!(value, Value::Object(_))) else {
                return Err(
                    "The '?xml' member must be an object of '@version', '@encoding' and '@standalone'."
                        .into(),
                );
            };
            let (mut version, mut encoding, mut standalone) = (String::new(), String::new(), String::new());
            for (key, v) in &members {
                let text = xml_text(v)?.unwrap_or_default();
                match key.as_str() {
                    "@version" => version = text,
                    "@encoding" => encoding = text,
                    "@standalone" => standalone = text,
                    other => {
                        return Err(format!(
                            "Unexpected property name encountered while deserializing XmlDeclaration: {other}."
                        ));
                    }
                }
            }
            if version != "1.0" {
                return Err(format!("The XML declaration's version must be '1.0', not '{version}'."));
            }
            if !matches!(standalone.as_str(), "" | "yes" | "no") {
                return Err(format!(
                    "The XML declaration's standalone must be 'yes' or 'no', not '{standalone}'."
                ));
            }
            self.append(parent, Kind::Declaration { version, encoding, standalone })?;
        } else {
            let target = &name[1..];
            if !is_name(target) || target.eq_ignore_ascii_case("xml") {
                return Err(format!("'{target}' is not a valid processing instruction target."));
            }
            let data = xml_text(value)?.unwrap_or_default();
            self.append(parent, Kind::Pi { target: target.to_string(), data })?;
        }
        Ok(())
    }

    fn doctype(&mut self, value: &Value, parent: NodeId) -> Result<(), String> {
        let Some(members) = members(value).filter(|_| matches!(value, Value::Object(_))) else {
            return Err("The '!DOCTYPE' member must be an object.".into());
        };
        let (mut name, mut public, mut system, mut subset) = (None, None, None, None);
        for (key, v) in &members {
            let text = xml_text(v)?;
            match key.as_str() {
                "@name" => name = text,
                "@public" => public = text,
                "@system" => system = text,
                "@internalSubset" => subset = text,
                other => {
                    return Err(format!(
                        "Unexpected property name encountered while deserializing XmlDocumentType: {other}."
                    ));
                }
            }
        }
        let name = name.filter(|n| is_name(n)).ok_or("The document type needs a valid '@name'.")?;
        self.append(parent, Kind::DocType { name, public, system, subset })?;
        Ok(())
    }

    /// `ReadArrayElements`: an array inside an array becomes an element holding its items.
    fn array_elements(
        &mut self,
        name: &str,
        items: &[Value],
        parent: NodeId,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_JSON_DEPTH {
            return Err(format!(
                "The JSON nests deeper than {MAX_JSON_DEPTH} levels (the reader's MaxDepth)."
            ));
        }
        let element = self.create_element(name, prefix_of(name), parent)?;
        for item in items {
            self.value(name, item, element, depth)?;
        }
        Ok(())
    }

    /// `CreateElement(name, document, prefix, manager)` + append.
    fn create_element(&mut self, name: &str, prefix: Option<&str>, parent: NodeId) -> Result<NodeId, String> {
        if name.is_empty() {
            return Err("XmlNodeConverter cannot convert JSON with an empty property name to XML.".into());
        }
        let ns = match prefix {
            None => self.ns.default_namespace(),
            Some(p) => self.ns.lookup_namespace(p).unwrap_or("").to_string(),
        };
        let (prefix, local) = split_name(&encode_name(name));
        let element = Element { name: Name { prefix, local, ns }, attributes: Vec::new(), empty: true };
        self.append(parent, Kind::Element(element))
    }

    /// `ReadElement`: a member that becomes an element (or a late `@attribute`).
    fn element(&mut self, name: &str, value: &Value, parent: NodeId, depth: usize) -> Result<(), String> {
        if name.is_empty() {
            return Err("XmlNodeConverter cannot convert JSON with an empty property name to XML.".into());
        }
        if let Some(attribute) = name.strip_prefix('@') {
            if parent == ROOT {
                return Err(format!(
                    "JSON root object has property '{name}' that will be converted to an attribute. A root object cannot have any attribute properties."
                ));
            }
            let text = xml_text(value)?.unwrap_or_default();
            let encoded = encode_name(attribute);
            let attr_name = match prefix_of(attribute) {
                Some(p) => {
                    let ns = self.ns.lookup_namespace(p).unwrap_or("").to_string();
                    attribute_name_for(&encoded, Some(&ns))
                }
                None => attribute_name_for(&encoded, None),
            };
            self.set_attribute(parent, attr_name, text);
            return Ok(());
        }
        // Leading `@` members are the element's attributes; namespace declarations among
        // them are in force for the element's own name.
        let all = members(value);
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut rest_from = 0;
        if let Some(all) = &all {
            for (key, v) in all {
                let Some(attribute) = key.strip_prefix('@') else { break };
                let text = xml_text(v)?;
                if let Some(declared) = namespace_declared(attribute) {
                    let uri = text.as_deref().ok_or("A namespace declaration cannot be null.")?;
                    self.ns.add(declared, uri)?;
                }
                attributes.push((attribute.to_string(), text.unwrap_or_default()));
                rest_from += 1;
            }
        }
        let element = self.create_element(name, prefix_of(name), parent)?;
        for (key, text) in attributes {
            let encoded = encode_name(&key);
            let attr_name = match prefix_of(&key) {
                Some(p) => {
                    let ns = self.ns.lookup_namespace(p).unwrap_or("").to_string();
                    attribute_name_for(&encoded, Some(&ns))
                }
                None => attribute_name_for(&encoded, None),
            };
            self.set_attribute(element, attr_name, text);
        }
        match (value, &all) {
            (Value::Object(_) | Value::Binary(_), Some(all)) => {
                let rest = &all[rest_from..];
                if !rest.is_empty() {
                    self.ns.push_scope();
                    self.node(rest, element, depth + 1)?;
                    self.ns.pop_scope();
                }
                let default = self.ns.default_namespace();
                self.ns.remove("", &default);
            }
            _ => {
                if let Some(text) = xml_text(value)? {
                    self.append(element, Kind::Text(text))?;
                }
            }
        }
        Ok(())
    }

    /// `SetAttributeNode`: replaces an attribute with the same name, else appends.
    fn set_attribute(&mut self, element: NodeId, name: Name, value: String) {
        let key = (element, name.local.clone(), name.ns.clone());
        if let Some(e) = self.doc.element_mut(element) {
            match self.attribute_index.get(&key).and_then(|&i| e.attributes.get_mut(i)) {
                Some(a) => {
                    a.name = name;
                    a.value = value;
                }
                None => {
                    self.attribute_index.insert(key, e.attributes.len());
                    e.attributes.push(Attribute { name, value });
                }
            }
        }
    }
}

/// `IsNamespaceAttribute`: `xmlns` declares the default namespace, `xmlns:p` prefix `p`.
fn namespace_declared(attribute: &str) -> Option<&str> {
    if attribute == "xmlns" {
        Some("")
    } else {
        attribute.strip_prefix("xmlns:")
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::super::write::write_document;
    use super::*;
    use crate::value::{from_json_str, to_json_string};

    fn xml_to_json(xml: &str) -> String {
        let doc = parse(xml).unwrap_or_else(|e| panic!("{xml}: {e:?}"));
        to_json_string(&to_json(&doc))
    }

    fn json_to_xml(json: &str) -> Result<String, String> {
        let value = from_json_str(json).map_err(|e| e.to_string())?;
        write_document(&from_json(&value)?)
    }

    #[test]
    fn xml_to_json_table() {
        for (xml, json) in [
            ("<root>Testing</root>", r#"{"root":"Testing"}"#),
            ("<a><a/>t<a/></a>", r##"{"a":{"a":[null,null],"#text":"t"}}"##),
            ("<r><e></e><f/></r>", r#"{"r":{"e":"","f":null}}"#),
            ("<r a=\"1\">x</r>", r##"{"r":{"@a":"1","#text":"x"}}"##),
            ("<r><![CDATA[a]]><![CDATA[b]]></r>", r##"{"r":{"#cdata-section":["a","b"]}}"##),
            ("<r><!--a--><!--b--></r>", r##"{"r":{"#comment":[]}}"##),
            ("<r><!--a--></r>", r#"{"r":{}}"#),
            ("<r>a<!--b-->c</r>", r##"{"r":{"#text":["a","c"]}}"##),
            ("<thing:root xmlns:thing=\"namespace\"/>", r#"{"thing:root":{"@xmlns:thing":"namespace"}}"#),
            ("<r xmlns=\"u\"><c>1</c></r>", r#"{"r":{"@xmlns":"u","c":"1"}}"#),
            ("<ro_x0020_ot>x</ro_x0020_ot>", r#"{"ro ot":"x"}"#),
            ("<r><?pi data?></r>", r#"{"r":{"?pi":"data"}}"#),
            (
                "<?xml version=\"1.0\" standalone=\"no\"?><r/>",
                r#"{"?xml":{"@version":"1.0","@standalone":"no"},"r":null}"#,
            ),
            (
                "<r xmlns:json=\"http://james.newtonking.com/projects/json\"><i json:Array=\"true\">1</i></r>",
                r#"{"r":{"i":["1"]}}"#,
            ),
            ("<r xml:space=\"preserve\"> </r>", r##"{"r":{"@xml:space":"preserve","#significant-whitespace":" "}}"##),
        ] {
            assert_eq!(xml_to_json(xml), json, "{xml}");
        }
    }

    #[test]
    fn json_to_xml_table() {
        for (json, xml) in [
            (r#"{"cow":"moo"}"#, "<cow>moo</cow>"),
            (r#"{}"#, ""),
            (r#"{"root":null}"#, "<root />"),
            (r#"{"root":""}"#, "<root></root>"),
            (r#"{"root":{}}"#, "<root />"),
            (r#"{"root":{"@a":"x","b":[1,2.5,true]}}"#, "<root a=\"x\"><b>1</b><b>2.5</b><b>true</b></root>"),
            (r#"{"root":{"b":1,"@late":"y"}}"#, "<root late=\"y\"><b>1</b></root>"),
            (r#"{"root":{"a":[[1,2]]}}"#, "<root><a><a>1</a><a>2</a></a></root>"),
            (r##"{"root":{"#text":["a","b"],"#cdata-section":"c"}}"##, "<root>ab<![CDATA[c]]></root>"),
            (r#"{"ro:ot":"text"}"#, "<ot>text</ot>"),
            (r#"{"ro ot":"text"}"#, "<ro_x0020_ot>text</ro_x0020_ot>"),
            (
                r##"{"root":{"#comment":"-->test"}}"##,
                "<root><_x0023_comment>--&gt;test</_x0023_comment></root>",
            ),
            (r#"{"root":{"@attr":"te\">xt"}}"#, "<root attr=\"te&quot;&gt;xt\" />"),
            (r#"{"root":{"@xmlns":"u","c":"1"}}"#, "<root xmlns=\"u\"><c>1</c></root>"),
            (
                r#"{"p:root":{"@xmlns:p":"u","p:c":{"@p:a":"1"}}}"#,
                "<p:root xmlns:p=\"u\"><p:c p:a=\"1\" /></p:root>",
            ),
            (
                r#"{"?xml":{"@version":"1.0","@encoding":"utf-8"},"!DOCTYPE":{"@name":"r","@system":"s"},"r":null}"#,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><!DOCTYPE r SYSTEM \"s\"><r />",
            ),
            (r#"{"r":{"?pi":"d"}}"#, "<r><?pi d?></r>"),
            (r#"{"r":1e300}"#, "<r>1E+300</r>"),
            (r#"{"r":-0.0}"#, "<r>-0</r>"),
        ] {
            assert_eq!(json_to_xml(json).as_deref(), Ok(xml), "{json}");
        }
    }

    #[test]
    fn json_to_xml_errors() {
        for (json, fragment) in [
            (r#"{"a":1,"b":2}"#, "More than one root element"),
            (r#"{"a":[1,2]}"#, "More than one root element"),
            (r#"[1,2]"#, "begins with an object"),
            (r#""x""#, "begins with an object"),
            (r#"{"@a":1}"#, "A root object cannot have any attribute properties"),
            (r##"{"#text":"x"}"##, "wrong type"),
            (r#"{"":1}"#, "empty property name"),
            (r#"{"r":{"@a":{"b":1}}}"#, "token type 'StartObject'"),
            (r##"{"r":{"#text":[[1]]}}"##, "token type 'StartArray'"),
            (r##"{"r":{"#cdata-section":"]]>"}}"##, "CDATA"),
            (r#"{"?xml":{"@version":"1.1"},"r":1}"#, "version"),
            (r#"{"?xml":{"@bogus":"1"}}"#, "Unexpected property name"),
            (r#"{"r":{"?xml":{"@version":"1.0"}}}"#, "top of the document"),
            (r##"{"r":{"#whitespace":"x"}}"##, "whitespace"),
        ] {
            let e = json_to_xml(json).err().unwrap_or_default();
            assert!(e.contains(fragment), "{json}: {e}");
        }
    }

    #[test]
    fn json_depth_is_limited() {
        let deep = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(json_to_xml(&deep(MAX_JSON_DEPTH)).is_ok());
        let e = json_to_xml(&deep(MAX_JSON_DEPTH + 1)).err().unwrap_or_default();
        assert!(e.contains("MaxDepth"), "{e}");
    }

    #[test]
    fn round_trips() {
        for xml in [
            "<root><node1 attr=\"x\" /><node2 attr2=\"y\"><innermost innerattr=\"o&quot;h\">wow</innermost></node2></root>",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><root />",
            "<root attr=\"val\" />",
            "<a:r xmlns:a=\"u\"><a:c>1</a:c><a:c>2</a:c></a:r>",
        ] {
            let json = xml_to_json(xml);
            assert_eq!(json_to_xml(&json).as_deref(), Ok(xml), "{json}");
        }
    }
}
