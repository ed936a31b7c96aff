//! String functions.

use super::{opt, rest, Args, Call, Category, Function, Ty};
use crate::error::Result;
use crate::value::Value;

const LATER: &str = "planned in the function-library issue (strings)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "concat",
        Category::String,
        &[rest("text", Ty::ANY)],
        "String",
        "Joins texts into one string; other values are converted to text (arrays and objects as JSON).",
        "concat('Sophia', 'Owen') → 'SophiaOwen'",
        concat,
    ),
    Function::missing(
        "endsWith",
        Category::String,
        "Does the text end with the given text? (ignores case)",
        LATER,
    ),
    Function::eager(
        "guid",
        Category::String,
        &[opt("format", Ty::STRING)],
        "String",
        "A new random GUID; format N, D (default), B, P or X, as .NET's Guid.ToString.",
        "guid('N') → 'c2ecc88d88c84096912cd6f2e2b138ce'",
        guid,
    ),
    Function::missing("indexOf", Category::String, "The start index of a text (ignores case), or -1.", LATER),
    Function::missing(
        "lastIndexOf",
        Category::String,
        "The start index of the last occurrence (ignores case), or -1.",
        LATER,
    ),
    Function::missing(
        "nthIndexOf",
        Category::String,
        "The start index of the n-th occurrence, or -1.",
        LATER,
    ),
    Function::missing(
        "replace",
        Category::String,
        "Replaces every occurrence of a text (case-sensitive).",
        LATER,
    ),
    Function::missing(
        "slice",
        Category::String,
        "The text between two indexes; out-of-range indexes are clamped.",
        LATER,
    ),
    Function::missing("split", Category::String, "Splits a text on a delimiter.", LATER),
    Function::missing(
        "startsWith",
        Category::String,
        "Does the text start with the given text? (ignores case)",
        LATER,
    ),
    Function::missing(
        "substring",
        Category::String,
        "Characters from a start index; fails past the end.",
        LATER,
    ),
    Function::missing("toLower", Category::String, "The text in lower case.", LATER),
    Function::missing("toUpper", Category::String, "The text in upper case.", LATER),
    Function::missing("trim", Category::String, "The text without leading and trailing whitespace.", LATER),
];

fn concat(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let mut out = String::new();
    for value in args.all() {
        value.write_text(&mut out);
        call.check_string_length(out.len())?;
    }
    call.charge(out.len() as u64 / 64)?;
    Ok(Value::from(out))
}

fn guid(_: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let format = args.opt_str(0)?.unwrap_or("D");
    let id = uuid::Uuid::new_v4();
    format_guid(&id, format).map(Value::from).ok_or_else(|| {
        args.invalid(
            0,
            format!(
                "expects its parameter to be one of the formats 'N', 'D', 'B', 'P' or 'X'; got '{format}'."
            ),
        )
    })
}

/// Formats a GUID as .NET's `Guid.ToString(format)` does (lower-case hex).
pub(crate) fn format_guid(id: &uuid::Uuid, format: &str) -> Option<String> {
    let d = id.hyphenated().to_string();
    Some(match format {
        "" | "D" | "d" => d,
        "N" | "n" => id.simple().to_string(),
        "B" | "b" => format!("{{{d}}}"),
        "P" | "p" => format!("({d})"),
        "X" | "x" => {
            let b = id.as_bytes();
            let hex = |r: std::ops::Range<usize>| r.map(|i| format!("{:02x}", b[i])).collect::<String>();
            let tail: Vec<String> = (8..16).map(|i| format!("0x{:02x}", b[i])).collect();
            format!("{{0x{},0x{},0x{},{{{}}}}}", hex(0..4), hex(4..6), hex(6..8), tail.join(","))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext, Value};

    fn eval(text: &str) -> Result<Value, String> {
        Engine::new().eval(text, &RunContext::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn concat_converts_values_to_text() {
        assert_eq!(eval("concat('a', 'b')"), Ok(Value::from("ab")));
        assert_eq!(eval("concat('a', 1, 2.5, true, null)"), Ok(Value::from("a12.5True")));
        assert_eq!(eval("concat('x', createArray(1, 'b'))"), Ok(Value::from("x[1,\"b\"]")));
        assert!(eval("concat()").is_err_and(|e| e.contains("at least one parameter")));
    }

    #[test]
    fn guid_formats() {
        let shape = |f: &str| {
            eval(&format!("guid('{f}')"))
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let d = eval("guid()").ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        assert_eq!(d.len(), 36);
        assert!(d.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(shape("N").len(), 32);
        assert!(shape("B").starts_with('{') && shape("B").len() == 38);
        assert!(shape("P").starts_with('(') && shape("P").len() == 38);
        assert!(shape("X").starts_with("{0x") && shape("X").len() == 68);
        assert!(eval("guid('Q')").is_err_and(|e| e.contains("formats")));
    }
}
