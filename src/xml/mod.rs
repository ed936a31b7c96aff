//! XML values: conversion between XML and JSON following the service's (Newtonsoft.Json)
//! conventions, and XPath.
//!
//! An XML value is [`Binary`] content with the content type [`CONTENT_TYPE`]; its bytes
//! are the XML as the service writes it (.NET's `XmlDocument.OuterXml`, UTF-8): `<a />`
//! for empty elements, whitespace-only text dropped, the declaration and comments kept.
//!
//! * [`from_text`] is `xml('<...>')`: the text is read as `XmlDocument.LoadXml` reads it
//!   (one root element, namespaces checked, version 1.0 only) and written back.
//! * [`from_json`] is `xml(object)`: Newtonsoft's `DeserializeXmlNode` conventions.
//! * [`xml_to_json`] is `json(xml)`: Newtonsoft's `SerializeXmlNode` conventions.
//! * [`xpath`] evaluates XPath 1.0 (sxd-xpath).
//!
//! Untrusted input is bounded: entities declared in a document type are never expanded,
//! nothing external is fetched, element nesting is limited to 128 levels, JSON nesting to
//! 64 (Newtonsoft's limit), XPath expressions to 32 nested brackets and 512 operators,
//! and XPath to elements of at most 1,000 attributes; every conversion takes time linear
//! in its input.
//!
//! Everything here needs the `xml` cargo feature; without it each function returns an
//! error saying so, and the rest of the crate works as before.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Binary, Value};

#[cfg(feature = "xml")]
mod cost;
#[cfg(feature = "xml")]
mod dom;
#[cfg(feature = "xml")]
mod json;
#[cfg(feature = "xml")]
mod names;
#[cfg(feature = "xml")]
mod parse;
#[cfg(feature = "xml")]
mod write;
#[cfg(feature = "xml")]
mod xpath;

/// The content type of XML values, as the service writes it.
pub const CONTENT_TYPE: &str = "application/xml;charset=utf-8";

/// Converts an XML value to JSON (`json(xml(...))`), following Newtonsoft's
/// `SerializeXmlNode`: attributes become `"@name"`, text `"#text"`, repeated elements
/// arrays, and so on.
pub fn xml_to_json(xml: &Binary) -> Result<Value> {
    imp::xml_to_json(xml)
}

/// Reads XML text and returns the XML value the service makes of it (`xml('<...>')`).
pub fn from_text(text: &str) -> Result<Binary> {
    imp::from_text(text)
}

/// Converts a JSON object to an XML value (`xml(json(...))`), following Newtonsoft's
/// `DeserializeXmlNode`: the object needs exactly one root property.
pub fn from_json(value: &Value) -> Result<Binary> {
    imp::from_json(value)
}

/// Evaluates an XPath 1.0 expression on an XML value (`xpath(xml, expression)`).
///
/// Numbers come back as floats, strings and booleans as themselves, and a node-set as an
/// array: elements (and comments, processing instructions, the document) as XML values,
/// text and attribute nodes as strings.
///
/// `charge` is paid an upper bound of the work before evaluation starts, estimated from
/// the expression and the document's shape: [`XPATH_FUEL_PER_VISIT`] units of fuel per
/// node visit. When it refuses, the expression is not evaluated.
pub fn xpath_metered(
    xml: &Binary,
    expression: &str,
    charge: &mut dyn FnMut(u64) -> Result<()>,
) -> Result<Value> {
    imp::xpath(xml, expression, charge)
}

/// [`xpath_metered`] with the default evaluation fuel as its budget.
pub fn xpath(xml: &Binary, expression: &str) -> Result<Value> {
    let budget = crate::Limits::default().fuel.unwrap_or(u64::MAX);
    xpath_metered(xml, expression, &mut |units| {
        if units > budget {
            Err(Error::new(ErrorKind::Limit, "out of fuel"))
        } else {
            Ok(())
        }
    })
}

/// Fuel per node visit an XPath expression may make: a visit in sxd-xpath costs about as
/// much as this many evaluation steps.
pub const XPATH_FUEL_PER_VISIT: u64 = 100;

#[cfg(not(feature = "xml"))]
mod imp {
    use super::*;

    fn needs_feature(function: &str) -> Error {
        Error::new(
            ErrorKind::NotImplemented,
            format!(
                "The template language function '{function}' needs XML support: this build of flowexpr was made without the `xml` cargo feature."
            ),
        )
    }

    pub(super) fn xml_to_json(_: &Binary) -> Result<Value> {
        Err(needs_feature("json"))
    }

    pub(super) fn from_text(_: &str) -> Result<Binary> {
        Err(needs_feature("xml"))
    }

    pub(super) fn from_json(_: &Value) -> Result<Binary> {
        Err(needs_feature("xml"))
    }

    pub(super) fn xpath(_: &Binary, _: &str, _: &mut dyn FnMut(u64) -> Result<()>) -> Result<Value> {
        Err(needs_feature("xpath"))
    }
}

#[cfg(feature = "xml")]
mod imp {
    use super::*;

    fn invalid(message: String) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    fn to_binary(doc: &dom::Document, function: &str) -> Result<Binary> {
        let text = write::write_document(doc).map_err(|e| {
            invalid(format!("The template language function '{function}' cannot write the XML: {e}"))
        })?;
        Ok(Binary::new(CONTENT_TYPE, text.into_bytes()))
    }

    /// Reads the bytes of an XML value as text, honouring a byte-order mark and the
    /// declared encoding. Only encodings whose bytes can be read as they are stored are
    /// supported: UTF-8, US-ASCII and ISO-8859-1 (and UTF-16 with a byte-order mark); a
    /// declaration naming another (`utf-16` without a mark, an unknown name) is the
    /// service's "not a supported encoding" error.
    fn decode(bytes: &[u8], function: &str) -> Result<String> {
        let fail = |detail: String| {
            invalid(format!(
                "The template language function '{function}' cannot read the XML content: {detail}"
            ))
        };
        if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
            return String::from_utf8(rest.to_vec())
                .map_err(|_| fail("Invalid character in the given encoding.".into()));
        }
        let utf16 = |rest: &[u8], le: bool| {
            let units: Vec<u16> = rest
                .chunks(2)
                .map(|c| {
                    let pair = [c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)];
                    if le {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    }
                })
                .collect();
            String::from_utf16(&units).map_err(|_| fail("Invalid character in the given encoding.".into()))
        };
        if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
            return utf16(rest, true);
        }
        if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
            return utf16(rest, false);
        }
        let encoding = declared_encoding(bytes).unwrap_or_default().to_ascii_lowercase();
        match encoding.as_str() {
            "" | "utf-8" | "utf8" | "unicode-1-1-utf-8" | "unicode-2-0-utf-8" | "x-unicode20utf8" => {
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| fail("Invalid character in the given encoding.".into()))
            }
            "us-ascii" | "ascii" | "us" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "cp367" | "csascii"
            | "ibm367" | "iso-ir-6" | "iso646-us" => {
                Ok(bytes.iter().map(|&b| if b < 0x80 { b as char } else { '?' }).collect())
            }
            "iso-8859-1" | "latin1" | "iso8859-1" | "iso_8859-1" | "cp819" | "csisolatin1" | "ibm819"
            | "l1" | "iso-ir-100" | "iso_8859-1:1987" => Ok(bytes.iter().map(|&b| b as char).collect()),
            other => Err(fail(format!(
                "'{other}' is not a supported encoding name for XML content held as bytes."
            ))),
        }
    }

    /// The `encoding` of an XML declaration at the start of `bytes`, if any.
    fn declared_encoding(bytes: &[u8]) -> Option<String> {
        let head = bytes.get(..bytes.len().min(512))?;
        let head = String::from_utf8_lossy(head);
        let decl = head.strip_prefix("<?xml")?;
        let decl = &decl[..decl.find("?>")?];
        let at = decl.find("encoding")?;
        let rest = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &rest[1..];
        Some(value[..value.find(quote)?].to_string())
    }

    fn parse_bytes(xml: &Binary, function: &str) -> Result<dom::Document> {
        let text = decode(xml.bytes(), function)?;
        parse::parse(&text).map_err(|e| {
            invalid(format!(
                "The template language function '{function}' parameter is not valid. Could not parse XML: {}",
                e.describe(&text)
            ))
        })
    }

    pub(super) fn xml_to_json(xml: &Binary) -> Result<Value> {
        let doc = parse_bytes(xml, "json")?;
        Ok(json::to_json(&doc))
    }

    pub(super) fn from_text(text: &str) -> Result<Binary> {
        let doc = parse::parse(text).map_err(|e| {
            invalid(format!(
                "The template language function 'xml' parameter is not valid. The provided value cannot be parsed as XML: {}",
                e.describe(text)
            ))
        })?;
        to_binary(&doc, "xml")
    }

    pub(super) fn from_json(value: &Value) -> Result<Binary> {
        let doc = json::from_json(value).map_err(|e| {
            invalid(format!("The template language function 'xml' cannot convert the JSON value to XML: {e}"))
        })?;
        to_binary(&doc, "xml")
    }

    pub(super) fn xpath(
        xml: &Binary,
        expression: &str,
        charge: &mut dyn FnMut(u64) -> Result<()>,
    ) -> Result<Value> {
        let doc = parse_bytes(xml, "xpath")?;
        let shape = cost::Shape::of(&doc);
        let visits =
            xpath::check_complexity(expression).map(|()| cost::estimate(expression, shape)).unwrap_or(0.0);
        let units = (visits * XPATH_FUEL_PER_VISIT as f64).min(u64::MAX as f64) as u64;
        charge(units).map_err(|_| {
            Error::new(
                ErrorKind::Limit,
                format!(
                    "The template language function 'xpath' would visit up to {visits:.0} nodes evaluating '{expression}' on this document ({} nodes, {} levels deep, up to {} children per node): more work than the evaluation's fuel allows.",
                    shape.nodes, shape.depth, shape.fanout
                ),
            )
        })?;
        let outcome = xpath::evaluate(&doc, expression).map_err(|e| {
            invalid(format!("The template language function 'xpath' expects its second parameter to be a valid XPath expression: {e}."))
        })?;
        Ok(match outcome {
            xpath::Outcome::Number(n) => Value::Float(n),
            xpath::Outcome::String(s) => Value::from(s),
            xpath::Outcome::Boolean(b) => Value::Bool(b),
            xpath::Outcome::Nodes(items) => Value::array(
                items
                    .into_iter()
                    .map(|item| match item {
                        xpath::Item::Xml(text) => Value::binary(Binary::new(CONTENT_TYPE, text.into_bytes())),
                        xpath::Item::Text(text) => Value::from(text),
                    })
                    .collect(),
            ),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn text_of(b: &Binary) -> String {
            b.text()
        }

        #[test]
        fn xml_values_are_utf8_binary() {
            let b = from_text("<?xml version=\"1.0\" encoding=\"utf-16\"?><root/>")
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(b.content_type(), CONTENT_TYPE);
            assert_eq!(text_of(&b), "<?xml version=\"1.0\" encoding=\"utf-16\"?><root />");
            assert!(b.is_xml());
        }

        #[test]
        fn reading_bytes_honours_the_encoding() {
            let json = |bytes: &[u8]| {
                xml_to_json(&Binary::new(CONTENT_TYPE, bytes.to_vec()))
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string())
            };
            assert_eq!(json(b"<r>\xC3\xA9</r>").as_deref(), Ok(r#"{"r":"é"}"#));
            assert_eq!(json(b"\xEF\xBB\xBF<r>x</r>").as_deref(), Ok(r#"{"r":"x"}"#));
            assert_eq!(
                json(b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><r>\xE9</r>")
                    .as_deref()
                    .ok()
                    .map(|s| s.contains("\"r\":\"é\"")),
                Some(true)
            );
            assert_eq!(
                json(b"<?xml version=\"1.0\" encoding=\"ascii\"?><r>\xE9</r>")
                    .as_deref()
                    .ok()
                    .map(|s| s.contains("\"r\":\"?\"")),
                Some(true)
            );
            let utf16: Vec<u8> = [0xFF, 0xFE]
                .into_iter()
                .chain("<r>x</r>".encode_utf16().flat_map(u16::to_le_bytes))
                .collect();
            assert_eq!(json(&utf16).as_deref(), Ok(r#"{"r":"x"}"#));
            for bytes in [
                &b"<?xml version=\"1.0\" encoding=\"utf-16\"?><root/>"[..],
                b"<?xml version='1.0' encoding='martian'?><root/>",
            ] {
                let e = json(bytes).err().unwrap_or_default();
                assert!(e.contains("not a supported encoding"), "{e}");
            }
            let e = json(b"<r>\xFF</r>").err().unwrap_or_default();
            assert!(e.contains("Invalid character in the given encoding"), "{e}");
            let e = json(b"<").err().unwrap_or_default();
            assert!(e.contains("Could not parse XML"), "{e}");
        }
    }
}
