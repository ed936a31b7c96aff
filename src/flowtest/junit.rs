//! JUnit XML reports, the format CI systems read (`<testsuites>` / `<testsuite>` /
//! `<testcase>` with `<failure>`); the schema it follows is `schemas/junit.xsd`.

use std::fmt::Write as _;

/// One test case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Seconds it took.
    pub seconds: f64,
    /// `None` when it passed; else the one-line message and the details.
    pub failure: Option<(String, String)>,
}

/// The results of one test file.
#[derive(Debug, Clone)]
pub struct SuiteResult {
    /// The file's name.
    pub name: String,
    /// When it started (RFC 3339, UTC, no offset: the schema's `xs:dateTime`).
    pub timestamp: String,
    /// Its cases.
    pub cases: Vec<CaseResult>,
}

/// Writes the report.
pub fn write(suites: &[SuiteResult]) -> String {
    let total: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().flat_map(|s| &s.cases).filter(|c| c.failure.is_some()).count();
    let seconds: f64 = suites.iter().flat_map(|s| &s.cases).map(|c| c.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"flowexpr\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" time=\"{seconds:.3}\">"
    );
    for (id, suite) in suites.iter().enumerate() {
        let failed = suite.cases.iter().filter(|c| c.failure.is_some()).count();
        let time: f64 = suite.cases.iter().map(|c| c.seconds).sum();
        let _ = writeln!(
            out,
            "  <testsuite id=\"{id}\" name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\" timestamp=\"{}\">",
            escape(&suite.name),
            suite.cases.len(),
            escape(&suite.timestamp)
        );
        for case in &suite.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&case.name),
                escape(&suite.name),
                case.seconds
            );
            match &case.failure {
                None => out.push_str("/>\n"),
                Some((message, details)) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"FlowTestFailure\">{}</failure>\n    </testcase>",
                        escape(message),
                        escape(details)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attribute values and content; characters XML 1.0 cannot hold
/// (most control characters) are replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_shape() {
        let xml = write(&[SuiteResult {
            name: "reconciliation.flowtest.json".into(),
            timestamp: "2024-01-15T10:30:00".into(),
            cases: vec![
                CaseResult { name: "happy path".into(), seconds: 0.004, failure: None },
                CaseResult {
                    name: "empty <day>".into(),
                    seconds: 0.002,
                    failure: Some(("`x` was `1`, expected `2`".into(), "line one\nline \"two\"\u{1}".into())),
                },
            ],
        }]);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"flowexpr\" tests=\"2\" failures=\"1\""));
        assert!(xml.contains(
            "<testcase name=\"happy path\" classname=\"reconciliation.flowtest.json\" time=\"0.004\"/>"
        ));
        assert!(xml.contains("name=\"empty &lt;day&gt;\""));
        assert!(xml.contains("<failure message=\"`x` was `1`, expected `2`\" type=\"FlowTestFailure\">line one&#10;line &quot;two&quot;\u{fffd}</failure>"));
    }
}
