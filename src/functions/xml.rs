//! XML functions: `xml` and `xpath`. The conversions themselves live in [`crate::xml`].

use super::{req, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::{Binary, Value};
use crate::xml::CONTENT_TYPE;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "xml",
        Category::Conversion,
        &[req("value", Ty::STRING.or(Ty::OBJECT).or(Ty::BINARY))],
        "XML",
        "An XML value from XML text, from a JSON object with one root property, or from binary content.",
        "xml('<name>Sophia Owen</name>') → <name>Sophia Owen</name>",
        xml,
    ),
    Function::eager(
        "xpath",
        Category::Manipulation,
        &[req("xml", Ty::BINARY), req("xpath", Ty::STRING)],
        "Any",
        "Evaluates an XPath 1.0 expression: node-sets give an array of XML nodes (text and attributes as strings), other results a number, string or boolean.",
        "xpath(xml('<a><b>1</b><b>2</b></a>'), 'sum(/a/b)') → 3",
        xpath,
    ),
];

fn xml(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let binary = match args.value(0) {
        Value::String(s) => {
            call.charge(s.len() as u64 / 64)?;
            crate::xml::from_text(s).map_err(|e| e.with_span(args.span(0)))?
        }
        // Binary content is taken as it is, even when it is not XML, as the service does.
        Value::Binary(b) => Binary::new(CONTENT_TYPE, b.shared_bytes()),
        Value::Object(_) => {
            call.charge(args.value(0).approx_size() as u64 / 64)?;
            crate::xml::from_json(args.value(0)).map_err(|e| e.with_span(args.span(0)))?
        }
        _ => return Err(args.type_error(0, "a string, an object or binary content")),
    };
    call.check_string_length(binary.bytes().len())?;
    Ok(Value::binary(binary))
}

fn xpath(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let xml = match args.value(0) {
        Value::Binary(b) if b.is_xml() => b,
        _ => return Err(args.type_error(0, "an XML object")),
    };
    let expression = args.str(1)?;
    call.charge(xml.bytes().len() as u64 / 64)?;
    let value = crate::xml::xpath_metered(xml, expression, &mut |units| call.charge(units))
        .map_err(|e| e.with_span(args.span(1)))?;
    if let Value::Array(items) = &value {
        call.check_array_length(items.len())?;
    }
    Ok(value)
}

#[cfg(all(test, feature = "xml"))]
mod tests {
    use crate::{Engine, RunContext, Value};

    fn eval(text: &str) -> Result<Value, String> {
        Engine::new().eval(text, &RunContext::default()).map_err(|e| e.to_string())
    }

    /// The text of an XML value, or the JSON of anything else.
    fn show(v: &Value) -> String {
        match v {
            Value::Binary(b) => b.text(),
            Value::Array(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
            other => other.to_string(),
        }
    }

    #[test]
    fn xml_table() {
        for (text, expected) in [
            ("xml('<name>Sophia Owen</name>')", "<name>Sophia Owen</name>"),
            ("xml('<root><a/><b></b></root>')", "<root><a /><b></b></root>"),
            ("xml('  <r>\n  <a>x</a>\n</r>  ')", "<r><a>x</a></r>"),
            ("xml('<root>&#65;&lt;</root>')", "<root>A&lt;</root>"),
            ("xml('<root> <!-- a --> b <!-- c --> </root>')", "<root><!-- a --> b <!-- c --></root>"),
            (
                "xml('<?xml version=\"1.0\" encoding=\"martian\"?><root/>')",
                "<?xml version=\"1.0\" encoding=\"martian\"?><root />",
            ),
            ("xml('<?xml version=''1.0''?><root/>')", "<?xml version=\"1.0\"?><root />"),
            ("xml('<a x=''1''/>')", "<a x=\"1\" />"),
            ("xml(json('{\"cow\":\"moo\"}'))", "<cow>moo</cow>"),
            ("xml(json('{}'))", ""),
            (
                "xml(json('{\"r\":{\"@id\":1,\"v\":[true,2.50,null]}}'))",
                "<r id=\"1\"><v>true</v><v>2.5</v><v /></r>",
            ),
            ("xml(xml('<root/>'))", "<root />"),
            ("xml('<!DOCTYPE html><html/>')", "<!DOCTYPE html[]><html />"),
            (
                "xml('<r><?xml-stylesheet href=\"a\"?><x:y xmlns:x=\"u\"/></r>')",
                "<r><?xml-stylesheet href=\"a\"?><x:y xmlns:x=\"u\" /></r>",
            ),
            ("xml('<r>&#x1F600;&#32;</r>')", "<r>😀 </r>"),
            ("xml(json('{\"$content-type\":\"text/plain\",\"$content\":\"PA==\"}'))", "<"),
        ] {
            assert_eq!(eval(text).map(|v| show(&v)).as_deref(), Ok(expected), "{text}");
        }
        let v = eval("xml('<test/>')").unwrap_or_default();
        assert_eq!(
            v.to_string(),
            r#"{"$content-type":"application/xml;charset=utf-8","$content":"PHRlc3QgLz4="}"#
        );
    }

    #[test]
    fn xml_errors() {
        for (text, fragment) in [
            ("xml('<a>')", "cannot be parsed as XML: Unexpected end of file"),
            ("xml('<one/><two/>')", "There are multiple root elements. Line 1, position 8."),
            ("xml('some text')", "Data at the root level is invalid. Line 1, position 1."),
            ("xml(json('{\"a\":1,\"b\":2}'))", "More than one root element"),
            ("xml(json('[1, 2]'))", "a string, an object or binary content"),
            ("xml(1)", "a string, an object or binary content"),
            ("xml(null)", "of type 'Null'"),
            ("xml()", "expects one parameter"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }

    #[test]
    fn xpath_table() {
        let produce = "xml('<produce><item><name>Gala</name><count>20</count></item><item><name>Honeycrisp</name><count>10</count></item></produce>')";
        for (path, expected) in [
            ("/produce/item/name/text()", r#"["Gala", "Honeycrisp"]"#),
            ("/produce/item/name", "[<name>Gala</name>, <name>Honeycrisp</name>]"),
            ("(/produce/item/name)[1]", "[<name>Gala</name>]"),
            ("sum(/produce/item/count)", "30.0"),
            ("count(//item) = 2", "true"),
            ("string(//name)", r#""Gala""#),
            ("//missing", "[]"),
        ] {
            let text = format!("xpath({produce}, '{path}')");
            assert_eq!(eval(&text).map(|v| show(&v)).as_deref(), Ok(expected), "{path}");
        }
        // A node is an XML value that xpath() and json() read again.
        let nested = format!("xpath(xpath({produce}, '//item')[0], 'string(/item/count)')");
        assert_eq!(eval(&nested).map(|v| show(&v)).as_deref(), Ok(r#""20""#));
        let json = format!("json(xpath({produce}, '//item')[0])");
        assert_eq!(
            eval(&json).map(|v| v.to_string()).as_deref(),
            Ok(r#"{"item":{"name":"Gala","count":"20"}}"#)
        );
    }

    #[test]
    fn xpath_errors() {
        for (text, fragment) in [
            (
                "xpath('<r/>', '/r')",
                "expects its first parameter to be an XML object. The provided value is of type 'String'.",
            ),
            (
                "xpath(json('{\"$content-type\":\"application/octet-stream\",\"$content\":\"eA==\"}'), '/r')",
                "to be an XML object",
            ),
            ("xpath(xml('<r/>'), 1)", "second parameter to be of type string"),
            ("xpath(xml('<r/>'), '/r[')", "valid XPath expression"),
            ("xpath(xml('<r/>'), '/p:r')", "valid XPath expression"),
            ("xpath(xml('<r/>'))", "expects two parameters"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
    }

    #[test]
    fn json_of_xml() {
        for (text, expected) in [
            ("json(xml('<root>Testing</root>'))", r#"{"root":"Testing"}"#),
            ("json(xml('<a><a/>t<a/></a>'))", r##"{"a":{"a":[null,null],"#text":"t"}}"##),
            (
                "json(xml(json('{\"animals\":{\"cow\":\"moo\",\"birds\":[\"cheep\",\"tweet\"]}}')))",
                r#"{"animals":{"cow":"moo","birds":["cheep","tweet"]}}"#,
            ),
        ] {
            assert_eq!(eval(text).map(|v| v.to_string()).as_deref(), Ok(expected), "{text}");
        }
        let e = eval("json(xml(json('{}')))").err().unwrap_or_default();
        assert!(e.contains("Root element is missing"), "{e}");
    }
}

#[cfg(all(test, not(feature = "xml")))]
mod tests {
    use crate::{Engine, ErrorKind, RunContext};

    #[test]
    fn without_the_feature_the_functions_say_what_is_missing() {
        for text in ["xml('<a/>')", "xml(json('{\"a\":1}'))", "xpath(xml('<a/>'), '/a')"] {
            let e = Engine::new().eval(text, &RunContext::default()).err();
            let e = e.unwrap_or_else(|| panic!("{text} should fail"));
            assert_eq!(e.kind(), ErrorKind::NotImplemented, "{text}");
            assert!(e.message().contains("`xml` cargo feature"), "{text}: {e}");
        }
    }
}
