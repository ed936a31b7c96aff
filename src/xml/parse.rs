//! Reads XML text into a [`Document`] the way .NET's `XmlDocument.LoadXml` does.
//!
//! The tokens come from quick-xml; this module adds what it leaves to its callers and the
//! service checks: one root element, names and namespaces (undeclared prefixes, duplicate
//! attributes), the XML declaration's form (version 1.0 only, its attributes in order),
//! characters XML forbids, character and entity references, line-ending and
//! attribute-value normalisation, and the dropping of whitespace-only text outside
//! `xml:space="preserve"`. Untrusted input is safe: entities declared in a document type
//! are never expanded (a reference to one is an error), nothing is fetched, and element
//! nesting is limited to [`MAX_DEPTH`].

use std::collections::{HashMap, HashSet};

use quick_xml::events::attributes::Attribute as RawAttribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::dom::{Attribute, Document, Element, Kind, Name, NodeId, ROOT, XMLNS_NS, XML_NS};
use super::names::{is_name, is_name_char, is_name_start_char, is_ncname, is_xml_char, is_xml_whitespace};

/// The deepest element nesting accepted.
pub(crate) const MAX_DEPTH: usize = 128;

/// A parse error: the message and the byte offset it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub message: String,
    pub offset: Option<usize>,
}

impl ParseError {
    fn at(message: impl Into<String>, offset: usize) -> ParseError {
        ParseError { message: message.into(), offset: Some(offset) }
    }

    fn bare(message: impl Into<String>) -> ParseError {
        ParseError { message: message.into(), offset: None }
    }

    /// The message with .NET's "Line L, position P." suffix, counted in `text`.
    pub fn describe(&self, text: &str) -> String {
        match self.offset {
            Some(offset) => {
                let (line, col) = crate::error::line_col(text, offset);
                format!("{} Line {line}, position {col}.", self.message)
            }
            None => self.message.clone(),
        }
    }
}

type Result<T> = std::result::Result<T, ParseError>;

/// An element whose end tag has not been read yet.
struct Open {
    id: NodeId,
    /// The namespace bindings below this index belong to enclosing elements.
    ns_start: usize,
    /// Is `xml:space="preserve"` in force inside it?
    preserve: bool,
}

/// Namespace declarations in scope, by prefix, with a log to undo them at end tags.
/// Lookups cost the same however many declarations a document makes.
#[derive(Default)]
struct Scopes {
    by_prefix: HashMap<String, Vec<String>>,
    log: Vec<String>,
}

impl Scopes {
    fn declare(&mut self, prefix: &str, uri: &str) {
        self.by_prefix.entry(prefix.to_string()).or_default().push(uri.to_string());
        self.log.push(prefix.to_string());
    }

    fn lookup(&self, prefix: &str) -> Option<&str> {
        self.by_prefix.get(prefix)?.last().map(String::as_str)
    }

    fn mark(&self) -> usize {
        self.log.len()
    }

    fn pop_to(&mut self, mark: usize) {
        while self.log.len() > mark {
            if let Some(prefix) = self.log.pop() {
                if let Some(uris) = self.by_prefix.get_mut(&prefix) {
                    uris.pop();
                }
            }
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    doc: Document,
    open: Vec<Open>,
    /// In-scope namespace declarations; the empty prefix is the default.
    bindings: Scopes,
    /// Character data read but not yet turned into a node.
    pending: String,
    pending_has_reference: bool,
    pending_offset: usize,
    /// Entities the document type declares (never expanded; named in the error).
    declared_entities: Vec<String>,
    seen_doctype: bool,
}

/// Parses XML text.
pub(crate) fn parse(text: &str) -> Result<Document> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut p = Parser {
        text,
        doc: Document::new(),
        open: Vec::new(),
        bindings: Scopes::default(),
        pending: String::new(),
        pending_has_reference: false,
        pending_offset: 0,
        declared_entities: Vec::new(),
        seen_doctype: false,
    };
    p.run()?;
    Ok(p.doc)
}

impl<'t> Parser<'t> {
    fn run(&mut self) -> Result<()> {
        let mut reader = Reader::from_str(self.text);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        let mut first = true;
        loop {
            let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = usize::try_from(reader.error_position()).unwrap_or(offset);
                    return Err(self.reader_error(&e, at));
                }
            };
            let was_first = std::mem::replace(&mut first, false);
            match event {
                Event::Eof => break,
                Event::Decl(decl) => {
                    if !was_first || offset != 0 {
                        return Err(ParseError::at(
                            "Unexpected XML declaration. The XML declaration must be the first node in the document, and no whitespace characters are allowed to appear before it.",
                            offset + 2,
                        ));
                    }
                    let content = utf8(&decl, offset)?;
                    let kind = parse_declaration(content.strip_prefix("xml").unwrap_or(content), offset)?;
                    self.doc.append(ROOT, kind);
                }
                Event::PI(pi) => {
                    self.flush_text()?;
                    let target = utf8(pi.target(), offset)?;
                    if target.eq_ignore_ascii_case("xml") {
                        return Err(ParseError::at(
                            "Unexpected XML declaration. The XML declaration must be the first node in the document, and no whitespace characters are allowed to appear before it.",
                            offset + 2,
                        ));
                    }
                    if !is_ncname(target) {
                        return Err(ParseError::at(
                            format!("'{target}' is not a valid processing instruction target."),
                            offset + 2,
                        ));
                    }
                    let data = utf8(pi.content(), offset)?.trim_start_matches([' ', '\t', '\r', '\n']);
                    let data = normalize_newlines(data);
                    check_chars(&data, offset)?;
                    self.doc.append(self.parent(), Kind::Pi { target: target.to_string(), data });
                }
                Event::DocType(content) => {
                    self.flush_text()?;
                    if self.seen_doctype || !self.open.is_empty() || self.doc.document_element().is_some() {
                        return Err(ParseError::at("Unexpected DTD declaration.", offset + 2));
                    }
                    self.seen_doctype = true;
                    let kind = self.parse_doctype(utf8(&content, offset)?, offset)?;
                    self.doc.append(ROOT, kind);
                }
                Event::Start(start) => {
                    self.flush_text()?;
                    self.start_element(&start, offset, false)?;
                }
                Event::Empty(start) => {
                    self.flush_text()?;
                    self.start_element(&start, offset, true)?;
                }
                Event::End(_) => {
                    self.flush_text()?;
                    // quick-xml has checked that the name matches the open element.
                    if let Some(open) = self.open.pop() {
                        self.bindings.pop_to(open.ns_start);
                    }
                }
                Event::Text(text) => {
                    let raw = utf8(&text, offset)?;
                    if raw.contains("]]>") {
                        let at = offset + raw.find("]]>").unwrap_or(0);
                        return Err(ParseError::at("']]>' is not allowed in character data.", at));
                    }
                    let normalized = normalize_newlines(raw);
                    check_chars(&normalized, offset)?;
                    self.push_pending(&normalized, false, offset);
                }
                Event::GeneralRef(reference) => {
                    if self.open.is_empty() {
                        return Err(ParseError::at("Data at the root level is invalid.", offset));
                    }
                    let name = utf8(&reference, offset)?;
                    let c = self.resolve_reference(name, offset)?;
                    let mut buf = [0u8; 4];
                    self.push_pending(c.encode_utf8(&mut buf), true, offset);
                }
                Event::CData(cdata) => {
                    self.flush_text()?;
                    if self.open.is_empty() {
                        return Err(ParseError::at("Data at the root level is invalid.", offset + 1));
                    }
                    let content = normalize_newlines(utf8(&cdata, offset)?);
                    check_chars(&content, offset)?;
                    self.doc.append(self.parent(), Kind::CData(content));
                }
                Event::Comment(comment) => {
                    self.flush_text()?;
                    let content = normalize_newlines(utf8(&comment, offset)?);
                    if content.ends_with('-') {
                        return Err(ParseError::at(
                            "An XML comment cannot contain '--', and '-' cannot be the last character.",
                            offset + 4 + content.len(),
                        ));
                    }
                    check_chars(&content, offset)?;
                    self.doc.append(self.parent(), Kind::Comment(content));
                }
            }
        }
        self.flush_text()?;
        if !self.open.is_empty() {
            let names: Vec<String> =
                self.open.iter().filter_map(|o| self.doc.element(o.id).map(|e| e.name.qualified())).collect();
            return Err(ParseError::at(
                format!(
                    "Unexpected end of file has occurred. The following elements are not closed: {}.",
                    names.join(", ")
                ),
                self.text.len(),
            ));
        }
        if self.doc.document_element().is_none() {
            return Err(ParseError::bare("Root element is missing."));
        }
        Ok(())
    }

    /// The node new content goes into: the innermost open element, or the document.
    fn parent(&self) -> NodeId {
        self.open.last().map_or(ROOT, |o| o.id)
    }

    fn push_pending(&mut self, s: &str, is_reference: bool, offset: usize) {
        if self.pending.is_empty() {
            self.pending_offset = offset;
        }
        self.pending.push_str(s);
        self.pending_has_reference |= is_reference;
    }

    /// Turns the pending character data into a node: whitespace-only text is dropped (as
    /// `XmlDocument` does without `PreserveWhitespace`) unless `xml:space="preserve"` is in
    /// force; other text outside the root element is an error.
    fn flush_text(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let text = std::mem::take(&mut self.pending);
        let has_reference = std::mem::replace(&mut self.pending_has_reference, false);
        let whitespace = !has_reference && is_xml_whitespace(&text);
        match self.open.last() {
            None if whitespace => Ok(()),
            None => {
                let skip = text.len() - text.trim_start_matches([' ', '\t', '\r', '\n']).len();
                Err(ParseError::at("Data at the root level is invalid.", self.pending_offset + skip))
            }
            Some(open) if whitespace => {
                if open.preserve {
                    let id = open.id;
                    self.doc.append(id, Kind::SignificantWhitespace(text));
                }
                Ok(())
            }
            Some(open) => {
                let id = open.id;
                self.doc.append(id, Kind::Text(text));
                Ok(())
            }
        }
    }

    fn resolve_reference(&self, name: &str, offset: usize) -> Result<char> {
        let predefined = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => None,
        };
        if let Some(c) = predefined {
            return Ok(c);
        }
        if let Some(number) = name.strip_prefix('#') {
            return char_reference(number, offset);
        }
        if self.declared_entities.iter().any(|e| e == name) {
            return Err(ParseError::at(
                format!(
                    "Reference to entity '{name}': entities declared in a document type are not expanded."
                ),
                offset + 1,
            ));
        }
        Err(ParseError::at(format!("Reference to undeclared entity '{name}'."), offset + 1))
    }

    fn start_element(&mut self, start: &BytesStart<'_>, offset: usize, empty: bool) -> Result<()> {
        let name_at = offset + 1;
        if self.open.is_empty() && self.doc.document_element().is_some() {
            return Err(ParseError::at("There are multiple root elements.", name_at));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(ParseError::at(
                format!("The XML nests elements deeper than {MAX_DEPTH} levels, the most accepted."),
                name_at,
            ));
        }
        let qname = utf8(start.name().into_inner(), offset)?;
        let (prefix, local) = split_qname(qname, name_at)?;

        check_attribute_spacing(utf8(start.attributes_raw(), offset)?, name_at)?;
        let mut raw = Vec::new();
        for attribute in start.attributes() {
            let attribute: RawAttribute<'_> =
                attribute.map_err(|e| ParseError::at(attribute_error(&e), name_at))?;
            let key = utf8(attribute.key.into_inner(), offset)?;
            let (a_prefix, a_local) = split_qname(key, name_at)?;
            let value = attribute_value(utf8(&attribute.value, offset)?, offset, |name, at| {
                self.resolve_reference(name, at)
            })?;
            raw.push((a_prefix.to_string(), a_local.to_string(), value));
        }

        // Namespace declarations first: they apply to the element's own name and attributes.
        let ns_start = self.bindings.mark();
        let inherited_preserve = self.open.last().is_some_and(|o| o.preserve);
        let mut preserve = inherited_preserve;
        for (p, l, value) in &raw {
            let declared = match (p.as_str(), l.as_str()) {
                ("", "xmlns") => Some(""),
                ("xmlns", prefix) => Some(prefix),
                _ => None,
            };
            if let Some(declared) = declared {
                check_namespace_declaration(declared, value, name_at)?;
                self.bindings.declare(declared, value);
            }
            if p == "xml" && l == "space" {
                preserve = match value.as_str() {
                    "preserve" => true,
                    "default" => false,
                    other => {
                        return Err(ParseError::at(
                            format!("'{other}' is an invalid xml:space value."),
                            name_at,
                        ));
                    }
                };
            }
        }
        let ns = if prefix == "xmlns" {
            return Err(ParseError::at("The prefix 'xmlns' is reserved for use by XML.", name_at));
        } else {
            self.namespace_of(prefix, true, name_at)?
        };
        let mut attributes: Vec<Attribute> = Vec::with_capacity(raw.len());
        let mut seen: HashSet<(String, String)> = HashSet::with_capacity(raw.len());
        for (p, l, value) in raw {
            let a_ns = if (p.is_empty() && l == "xmlns") || p == "xmlns" {
                XMLNS_NS.to_string()
            } else if p.is_empty() {
                String::new()
            } else {
                self.namespace_of(&p, false, name_at)?
            };
            let name = Name { prefix: p, local: l, ns: a_ns };
            if !seen.insert((name.local.clone(), name.ns.clone())) {
                return Err(ParseError::at(
                    format!("'{}' is a duplicate attribute name.", name.qualified()),
                    name_at,
                ));
            }
            attributes.push(Attribute { name, value });
        }
        let element = Element {
            name: Name { prefix: prefix.to_string(), local: local.to_string(), ns },
            attributes,
            empty,
        };
        let id = self.doc.append(self.parent(), Kind::Element(element));
        if empty {
            self.bindings.pop_to(ns_start);
        } else {
            self.open.push(Open { id, ns_start, preserve });
        }
        Ok(())
    }

    /// The namespace a prefix stands for; an element without a prefix takes the default.
    fn namespace_of(&self, prefix: &str, is_element: bool, at: usize) -> Result<String> {
        if prefix == "xml" {
            return Ok(XML_NS.to_string());
        }
        if prefix.is_empty() && !is_element {
            return Ok(String::new());
        }
        match self.bindings.lookup(prefix) {
            Some(uri) => Ok(uri.to_string()),
            None if prefix.is_empty() => Ok(String::new()),
            None => Err(ParseError::at(format!("'{prefix}' is an undeclared prefix."), at)),
        }
    }

    fn parse_doctype(&mut self, content: &str, offset: usize) -> Result<Kind> {
        let at = offset + 2;
        let mut rest = content.trim_start_matches(is_space);
        let name_len = rest.find(|c: char| is_space(c) || c == '[').unwrap_or(rest.len());
        let name = &rest[..name_len];
        if !is_name(name) {
            return Err(ParseError::at(
                "Invalid DOCTYPE declaration: the document type has no valid name.",
                at,
            ));
        }
        rest = rest[name_len..].trim_start_matches(is_space);
        let (mut public, mut system) = (None, None);
        if let Some(after) = rest.strip_prefix("PUBLIC") {
            let (p, after) = quoted(after, at)?;
            let (s, after) = quoted(after, at)?;
            (public, system) = (Some(p), Some(s));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("SYSTEM") {
            let (s, after) = quoted(after, at)?;
            system = Some(s);
            rest = after;
        }
        rest = rest.trim_start_matches(is_space);
        // .NET keeps an empty internal subset for a document type written without one, and
        // writes it back as `[]`.
        let mut subset = Some(String::new());
        if let Some(inner) = rest.strip_prefix('[') {
            let inner = inner.trim_end_matches(is_space);
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(ParseError::at(
                    "Invalid DOCTYPE declaration: the internal subset is not closed.",
                    at,
                ));
            };
            check_chars(inner, offset)?;
            self.declared_entities = declared_entities(inner);
            subset = Some(normalize_subset_newlines(inner));
        } else if !rest.is_empty() {
            return Err(ParseError::at(
                "Invalid DOCTYPE declaration: unexpected text after the external identifier.",
                at,
            ));
        }
        Ok(Kind::DocType { name: name.to_string(), public, system, subset })
    }

    fn reader_error(&self, e: &quick_xml::Error, at: usize) -> ParseError {
        use quick_xml::errors::{Error as E, IllFormedError as I};
        let message = match e {
            E::IllFormed(I::MismatchedEndTag { expected, found }) => {
                format!("The '{expected}' start tag does not match the end tag of '{found}'.")
            }
            E::IllFormed(I::UnmatchedEndTag(name)) => {
                format!("The end tag '{name}' does not match any open element.")
            }
            E::IllFormed(I::DoubleHyphenInComment) => {
                "An XML comment cannot contain '--', and '-' cannot be the last character.".to_string()
            }
            E::IllFormed(I::UnclosedReference) => "An error occurred while parsing EntityName.".to_string(),
            E::Syntax(s) => format!("The XML is not well-formed: {s}."),
            other => format!("The XML is not well-formed: {other}."),
        };
        ParseError::at(message, at)
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn utf8(bytes: &[u8], offset: usize) -> Result<&str> {
    // The reader works on a `&str`, so its slices are UTF-8.
    std::str::from_utf8(bytes).map_err(|_| ParseError::at("Invalid character in the given encoding.", offset))
}

/// Splits `prefix:local`, checking both parts are names.
fn split_qname(qname: &str, at: usize) -> Result<(&str, &str)> {
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", qname),
    };
    if local.contains(':') || (qname.contains(':') && (prefix.is_empty() || local.is_empty())) {
        return Err(ParseError::at(
            "The ':' character, hexadecimal value 0x3A, cannot be included in a name.",
            at,
        ));
    }
    for part in [prefix, local].into_iter().filter(|p| !p.is_empty()) {
        check_ncname(part, at)?;
    }
    if local.is_empty() {
        return Err(ParseError::at("Name cannot be empty.", at));
    }
    Ok((prefix, local))
}

fn check_ncname(name: &str, at: usize) -> Result<()> {
    let mut chars = name.chars();
    if let Some(first) = chars.next() {
        if !is_name_start_char(first) {
            return Err(ParseError::at(
                format!(
                    "Name cannot begin with the '{first}' character, hexadecimal value 0x{:02X}.",
                    first as u32
                ),
                at,
            ));
        }
    }
    if let Some(bad) = chars.find(|&c| !is_name_char(c)) {
        return Err(ParseError::at(
            format!(
                "The '{bad}' character, hexadecimal value 0x{:02X}, cannot be included in a name.",
                bad as u32
            ),
            at,
        ));
    }
    Ok(())
}

/// An attribute value must be followed by whitespace or the end of the tag
/// (`<a b='1'c='2'/>` is not well-formed; quick-xml lets it pass).
fn check_attribute_spacing(raw: &str, at: usize) -> Result<()> {
    let mut quote: Option<char> = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                if let Some(&next) = chars.peek().filter(|n| !is_space(**n)) {
                    return Err(ParseError::at(
                        format!("'{next}' is an unexpected token. Expecting white space."),
                        at,
                    ));
                }
            }
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {}
        }
    }
    Ok(())
}

fn check_namespace_declaration(prefix: &str, uri: &str, at: usize) -> Result<()> {
    if prefix == "xmlns" {
        return Err(ParseError::at("Prefix \"xmlns\" is reserved for use by XML.", at));
    }
    if prefix == "xml" {
        return if uri == XML_NS {
            Ok(())
        } else {
            Err(ParseError::at("Prefix \"xml\" is reserved for use by XML and can be mapped only to namespace name \"http://www.w3.org/XML/1998/namespace\".", at))
        };
    }
    if uri == XML_NS || uri == XMLNS_NS {
        return Err(ParseError::at(format!("The namespace '{uri}' is reserved and cannot be declared."), at));
    }
    if !prefix.is_empty() && uri.is_empty() {
        return Err(ParseError::at("Cannot use a prefix with an empty namespace.", at));
    }
    Ok(())
}

fn check_chars(text: &str, offset: usize) -> Result<()> {
    match text.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        Some((i, c)) => Err(ParseError::at(
            format!(
                "'{}', hexadecimal value 0x{:02X}, is an invalid character.",
                c.escape_unicode(),
                c as u32
            ),
            offset + i,
        )),
        None => Ok(()),
    }
}

/// `&#65;` / `&#x41;`: the character, which must be one XML allows.
fn char_reference(number: &str, offset: usize) -> Result<char> {
    let parsed = match number.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16).ok().filter(|_| hex.chars().all(|c| c.is_ascii_hexdigit())),
        None => number.parse::<u32>().ok().filter(|_| number.chars().all(|c| c.is_ascii_digit())),
    };
    match parsed.and_then(char::from_u32) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err(ParseError::at(format!("Invalid character reference '&#{number};'."), offset + 1)),
    }
}

/// XML's end-of-line handling: CR LF and lone CR become LF.
pub(crate) fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The internal subset as the service reports it: a lone CR becomes LF, CR LF is kept.
fn normalize_subset_newlines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// The general entities an internal subset declares (`<!ENTITY name ...>`, not `%`).
fn declared_entities(subset: &str) -> Vec<String> {
    subset
        .match_indices("<!ENTITY")
        .filter_map(|(i, m)| {
            let rest = subset[i + m.len()..].trim_start_matches(is_space);
            let end = rest.find(is_space).unwrap_or(rest.len());
            let name = &rest[..end];
            (!name.starts_with('%') && !name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// A quoted literal after optional whitespace: (its content, the rest).
fn quoted(text: &str, at: usize) -> Result<(String, &str)> {
    let text = text.trim_start_matches(is_space);
    let mut chars = text.chars();
    let quote = chars.next().filter(|c| *c == '"' || *c == '\'');
    let Some(quote) = quote else {
        return Err(ParseError::at("Invalid DOCTYPE declaration: expected a quoted identifier.", at));
    };
    let inner = &text[1..];
    match inner.find(quote) {
        Some(end) => Ok((inner[..end].to_string(), &inner[end + 1..])),
        None => Err(ParseError::at("Invalid DOCTYPE declaration: an identifier is not closed.", at)),
    }
}

/// Normalises and unescapes an attribute value: literal tabs, CRs and LFs become spaces
/// (a CR LF pair one space), references are resolved, `<` is refused.
fn attribute_value(
    raw: &str,
    offset: usize,
    mut resolve: impl FnMut(&str, usize) -> Result<char>,
) -> Result<String> {
    let raw = raw.replace("\r\n", " ");
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or(' ');
        match c {
            '<' => {
                return Err(ParseError::at(
                    "'<', hexadecimal value 0x3C, is an invalid attribute character.",
                    offset,
                ));
            }
            '&' => {
                let end = rest[i..]
                    .find(';')
                    .ok_or_else(|| ParseError::at("An error occurred while parsing EntityName.", offset))?;
                out.push(resolve(&rest[i + 1..i + end], offset)?);
                rest = &rest[i + end + 1..];
                continue;
            }
            _ => out.push(' '),
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    check_chars(&out, offset)?;
    Ok(out)
}

fn attribute_error(e: &quick_xml::events::attributes::AttrError) -> String {
    use quick_xml::events::attributes::AttrError as A;
    match e {
        A::Duplicated(..) => "An attribute is given twice.".to_string(),
        other => format!("An attribute is not well-formed: {other}."),
    }
}

/// Parses the XML declaration's attributes (the text after `<?xml`): `version` (only
/// `1.0`), then optionally `encoding`, then optionally `standalone` (`yes` or `no`), in
/// that order, as .NET requires.
fn parse_declaration(content: &str, offset: usize) -> Result<Kind> {
    let at = offset + 2;
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let mut rest = content;
    loop {
        let trimmed = rest.trim_start_matches(is_space);
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err(ParseError::at("The XML declaration is not well-formed: expected whitespace.", at));
        }
        let eq = trimmed.find(|c: char| c == '=' || is_space(c)).unwrap_or(trimmed.len());
        let name = &trimmed[..eq];
        let after = trimmed[eq..].trim_start_matches(is_space);
        let Some(after) = after.strip_prefix('=') else {
            return Err(ParseError::at(format!("The XML declaration is not well-formed near '{name}'."), at));
        };
        let after = after.trim_start_matches(is_space);
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        let Some(quote) = quote else {
            return Err(ParseError::at(
                format!("The value of '{name}' in the XML declaration must be quoted."),
                at,
            ));
        };
        let inner = &after[1..];
        let Some(end) = inner.find(quote) else {
            return Err(ParseError::at(
                format!("The value of '{name}' in the XML declaration is not closed."),
                at,
            ));
        };
        pairs.push((name, inner[..end].to_string()));
        rest = &inner[end + 1..];
    }
    let mut iter = pairs.into_iter().peekable();
    let version = match iter.next() {
        Some(("version", v)) => v,
        _ => {
            return Err(ParseError::at(
                "Version number is missing: the XML declaration must start with its 'version' attribute.",
                at,
            ));
        }
    };
    if version != "1.0" {
        return Err(ParseError::at(format!("Version number '{version}' is invalid."), at));
    }
    let mut encoding = String::new();
    if let Some(("encoding", _)) = iter.peek() {
        if let Some((_, e)) = iter.next() {
            let valid = e.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && e.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !valid {
                return Err(ParseError::at(format!("'{e}' is not a valid encoding name."), at));
            }
            encoding = e;
        }
    }
    let mut standalone = String::new();
    if let Some(("standalone", _)) = iter.peek() {
        if let Some((_, s)) = iter.next() {
            if s != "yes" && s != "no" {
                return Err(ParseError::at(
                    format!("Syntax for an XML declaration is invalid: standalone '{s}'."),
                    at,
                ));
            }
            standalone = s;
        }
    }
    if let Some((name, _)) = iter.next() {
        return Err(ParseError::at(format!("'{name}' is an unexpected token in the XML declaration."), at));
    }
    Ok(Kind::Declaration { version, encoding, standalone })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        let doc = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        (1..doc.len()).map(|i| doc.kind(i).clone()).collect()
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("{text} parsed"),
            Err(e) => e.describe(text),
        }
    }

    #[test]
    fn keeps_what_the_writer_needs() {
        let k = kinds("<?xml version='1.0' encoding=\"utf-8\"?>\n<!--c--><r a=\"1&#10;2\tx\"><e/><f></f>t&amp;<![CDATA[<&>]]><?p d ?></r>");
        assert_eq!(
            k[0],
            Kind::Declaration { version: "1.0".into(), encoding: "utf-8".into(), standalone: String::new() }
        );
        assert_eq!(k[1], Kind::Comment("c".into()));
        let Kind::Element(r) = &k[2] else { panic!("{:?}", k[2]) };
        assert_eq!(r.attributes[0].value, "1\n2 x");
        assert!(matches!(&k[3], Kind::Element(e) if e.empty));
        assert!(matches!(&k[4], Kind::Element(e) if !e.empty));
        assert_eq!(k[5], Kind::Text("t&".into()));
        assert_eq!(k[6], Kind::CData("<&>".into()));
        assert_eq!(k[7], Kind::Pi { target: "p".into(), data: "d ".into() });
    }

    #[test]
    fn drops_whitespace_unless_preserved() {
        let k = kinds("<r>\r\n <a> x\r\ny </a> <b xml:space=\"preserve\"> </b></r>");
        assert_eq!(k.len(), 5);
        assert_eq!(k[2], Kind::Text(" x\ny ".into()));
        assert_eq!(k[4], Kind::SignificantWhitespace(" ".into()));
    }

    #[test]
    fn resolves_namespaces() {
        let doc = parse("<a:r xmlns:a=\"u\" xmlns=\"d\"><c a:x=\"1\" y=\"2\"/></a:r>")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let r = doc.element(1).map(|e| e.name.clone());
        assert_eq!(r, Some(Name { prefix: "a".into(), local: "r".into(), ns: "u".into() }));
        let c = doc.element(2).cloned().unwrap_or_else(|| panic!("no c"));
        assert_eq!(c.name.ns, "d");
        assert_eq!(c.attributes[0].name.ns, "u");
        assert_eq!(c.attributes[1].name.ns, "");
    }

    #[test]
    fn reads_the_document_type() {
        let k = kinds("<!DOCTYPE testing PUBLIC \"p\" 's' [<!ELEMENT a (#PCDATA)>\r\n\r]><a/>");
        assert_eq!(
            k[0],
            Kind::DocType {
                name: "testing".into(),
                public: Some("p".into()),
                system: Some("s".into()),
                subset: Some("<!ELEMENT a (#PCDATA)>\r\n\n".into()),
            }
        );
        let k = kinds("<!DOCTYPE a><a/>");
        assert_eq!(
            k[0],
            Kind::DocType { name: "a".into(), public: None, system: None, subset: Some(String::new()) }
        );
    }

    #[test]
    fn rejects_what_dotnet_rejects() {
        for (text, fragment) in [
            ("", "Root element is missing."),
            ("<!-- c -->", "Root element is missing."),
            ("<?xml version=\"1.0\"?>", "Root element is missing."),
            ("some text", "Data at the root level is invalid. Line 1, position 1."),
            ("<a/>x", "Data at the root level is invalid. Line 1, position 5."),
            ("<one/><two/>", "There are multiple root elements. Line 1, position 8."),
            ("<a>", "The following elements are not closed: a."),
            ("<a></b>", "does not match the end tag of 'b'"),
            ("<aaa:root />", "'aaa' is an undeclared prefix."),
            ("<a x:b='1'/>", "'x' is an undeclared prefix."),
            ("<a b='1' b='2'/>", "twice"),
            ("<a b='1'c='2'/>", "Expecting white space"),
            ("<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>", "duplicate attribute"),
            ("<?xml version=\"1.1\"?><r/>", "Version number '1.1' is invalid."),
            ("<?xml version=\"1.99999\"?><r/>", "is invalid"),
            ("<?xml encoding=\"ascii\"?><r/>", "Version number is missing"),
            ("<?xml version=\"1.0\" standalone=\"yes\" encoding=\"utf-8\"?><r/>", "unexpected token"),
            ("<?xml version=\"1.0\" standalone=\"maybe\"?><r/>", "standalone"),
            (" <?xml version=\"1.0\"?><r/>", "Unexpected XML declaration"),
            ("<r/><?xml version=\"1.0\"?>", "Unexpected XML declaration"),
            ("<root> a <!-- b <!-- c --> d --> e </root>", "cannot contain '--'"),
            ("<r><!-- a ---></r>", "cannot contain '--'"),
            ("<r>&nbsp;</r>", "Reference to undeclared entity 'nbsp'."),
            ("<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>", "are not expanded"),
            ("<r>&#0;</r>", "Invalid character reference"),
            ("<r>\u{1}</r>", "hexadecimal value 0x01, is an invalid character"),
            ("<r a='<'/>", "invalid attribute character"),
            ("<r>a]]>b</r>", "']]>' is not allowed"),
            ("<1r/>", "Name cannot begin with the '1' character"),
            ("<a:b:c xmlns:a='u'/>", "cannot be included in a name"),
            ("<r xmlns:p=''/>", "empty namespace"),
            ("<r>x & y</r>", "EntityName"),
            ("</r>", "does not match any open element"),
            ("<r/><!DOCTYPE r>", "Unexpected DTD"),
            ("<r xml:space='keep'/>", "invalid xml:space value"),
        ] {
            let e = error(text);
            assert!(e.contains(fragment), "{text:?}: {e}");
        }
    }

    #[test]
    fn limits_nesting() {
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(error(&deep).contains("deeper than"));
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn accepts_any_encoding_name_in_text() {
        for enc in ["utf-16", "ucs-2", "martian", "UTF-8"] {
            let text = format!("<?xml version=\"1.0\" encoding=\"{enc}\"?><root/>");
            assert!(parse(&text).is_ok(), "{enc}");
        }
        assert!(parse("<?xml version=\"1.0\" encoding=\"1x\"?><r/>").is_err());
    }
}
