//! The test file format (`*.flowtest.json`; JSON Schema in `schemas/flowtest.schema.json`).
//!
//! ```json
//! {
//!   "flow": "flow.json",
//!   "parameters": {"apiBase": "https://payments.example.com"},
//!   "mocks": {"http": [{"method": "POST", "url": "*/oauth2/token", "response": {"statusCode": 200}}]},
//!   "clock": "2024-01-15T02:00:00Z",
//!   "cases": [
//!     {"name": "happy path",
//!      "trigger": {"body": {"day": "2024-01-14"}},
//!      "mocks": {"actions": {"Get_Transactions": {"statusCode": 200, "body": {"value": []}}}},
//!      "expect": {"status": "Succeeded",
//!                 "actions": {"Get_Transactions": {"status": "Succeeded", "attempts": 1}},
//!                 "assert": ["equals(length(body('Find_Discrepancies')), 0)"]}},
//!     {"name": "Success with expense array", "action": "Get_Expenses",
//!      "parameters": {"status": "approved"}, "expected_result": "Success with expense array"}
//!   ]
//! }
//! ```
//!
//! Mocks have the shape `flowexpr run --mocks` reads (by action name, by method and URL
//! pattern, sequences for successive calls). A case's mocks come before the file's:
//! its action mocks replace the file's for the same action, its URL mocks are tried first.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, Result};
use crate::eval::context::parse_clock;
use crate::template::push_pointer_token;
use crate::value::{Object, Value};

/// A test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// Where it is.
    pub path: PathBuf,
    /// The flow under test, resolved against the test file's folder: a definition, an
    /// export (package or solution, `.zip` or folder) or a Standard project.
    pub flow: PathBuf,
    /// Which flow of `flow` (by name or display name); every flow it holds when `None`.
    pub workflow: Option<String>,
    /// Answer connector actions no mock covers with an empty success (`--stub-unmocked`).
    pub stub_unmocked: bool,
    /// A connections file binding the flow's connector actions to local connector folders,
    /// resolved against the test file's folder.
    pub connections: Option<PathBuf>,
    /// Parameter values for every case.
    pub parameters: Object,
    /// Mocks for every case.
    pub mocks: Object,
    /// The clock for every case (`utcNow()` at the start of the run).
    pub clock: Option<DateTime<Utc>>,
    /// The time scale: every wait (retries, Wait actions, mock delays) is multiplied by it.
    pub time_scale: f64,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// Its JSON pointer in the file (`/cases/2`).
    pub pointer: String,
    /// The trigger's body, if given.
    pub trigger_body: Option<Value>,
    /// The trigger's headers.
    pub trigger_headers: Object,
    /// The trigger's query parameters.
    pub trigger_queries: Object,
    /// The clock, overriding the file's.
    pub clock: Option<DateTime<Utc>>,
    /// Parameter values, over the file's.
    pub parameters: Object,
    /// Mocks, over the file's.
    pub mocks: Object,
    /// What must hold when the run is over.
    pub expect: Expect,
}

/// What a case expects.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The run status (`Succeeded`, `Failed`, `Cancelled`, `TimedOut`).
    pub status: Option<String>,
    /// Per-action expectations, in the file's order.
    pub actions: Vec<(String, ActionExpect)>,
    /// Expressions that must be true against the finished run record.
    pub asserts: Vec<String>,
    /// Actions whose outputs are compared with the recorded snapshot.
    pub snapshot: Snapshot,
    /// The seed's form: an action and its expected result in words.
    pub result: Option<(String, ExpectedResult)>,
}

/// What one action must show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionExpect {
    /// Its status.
    pub status: Option<String>,
    /// Its code (`OK`, `TooManyRequests`, `ActionFailed`, ...).
    pub code: Option<String>,
    /// How many requests it sent (the first try and its retries).
    pub attempts: Option<u64>,
    /// How many times it ran (inside loops) or how many iterations a loop had.
    pub repetitions: Option<u64>,
}

/// Which outputs a case snapshots.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Snapshot {
    /// None.
    #[default]
    None,
    /// Every action that ran.
    All,
    /// These actions.
    Actions(Vec<String>),
}

/// An expected result written in words, as the seed's test cases do.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedResult {
    /// "Success", "Success with expense array", "Success with empty array": a 2xx status and
    /// the described shape of the body.
    Success(Shape),
    /// "400 Bad Request error": this status code.
    Status(u16),
}

/// The shape a success expectation describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Anything.
    Any,
    /// A non-empty array ("with expense array").
    Array,
    /// An empty array ("with empty array").
    EmptyArray,
    /// An object ("with customer object").
    Object,
}

impl ExpectedResult {
    /// Reads the seed's wording: `Success`, `Success with <thing> array`, `Success with empty
    /// array`, `Success with <thing> object`, or a status code first (`400 Bad Request error`,
    /// `404`).
    pub fn parse(text: &str) -> Option<ExpectedResult> {
        let lower = text.trim().to_ascii_lowercase();
        let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() == 3 {
            return digits.parse().ok().map(ExpectedResult::Status);
        }
        let rest = lower.strip_prefix("success")?.trim();
        let words: Vec<&str> = rest.split_whitespace().collect();
        let shape = match words.as_slice() {
            [] => Shape::Any,
            ["with", .., "array"] if words.contains(&"empty") => Shape::EmptyArray,
            ["with", .., "array"] | ["with", .., "list"] => Shape::Array,
            ["with", .., "object"] => Shape::Object,
            _ => return None,
        };
        Some(ExpectedResult::Success(shape))
    }
}

fn file_error(path: &Path, pointer: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition, format!("{}: {}", path.display(), message.into())).with_pointer(pointer)
}

fn object_at(path: &Path, o: &Object, key: &str, pointer: &str) -> Result<Object> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(Object::new()),
        Some(Value::Object(v)) => Ok(v.clone()),
        Some(other) => Err(file_error(
            path,
            &format!("{pointer}/{key}"),
            format!("\"{key}\" must be an object, not {}", other.value_type()),
        )),
    }
}

fn clock_at(path: &Path, o: &Object, pointer: &str) -> Result<Option<DateTime<Utc>>> {
    match o.get("clock") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_clock(s)
            .map(Some)
            .map_err(|e| file_error(path, &format!("{pointer}/clock"), e.message().to_string())),
        Some(other) => Err(file_error(
            path,
            &format!("{pointer}/clock"),
            format!("\"clock\" must be a timestamp string, not {}", other.value_type()),
        )),
    }
}

/// Keys a case may have.
const CASE_KEYS: &[&str] = &[
    "name",
    "description",
    "trigger",
    "clock",
    "parameters",
    "mocks",
    "expect",
    "action",
    "expected_result",
];
/// Keys of `expect`.
const EXPECT_KEYS: &[&str] = &["status", "actions", "assert", "snapshot"];
/// Keys of a per-action expectation.
const ACTION_KEYS: &[&str] = &["status", "code", "attempts", "repetitions"];

fn unknown_keys(path: &Path, o: &Object, allowed: &[&str], pointer: &str) -> Result<()> {
    for key in o.keys() {
        if !allowed.contains(&&**key) && !key.starts_with('$') {
            let mut p = pointer.to_string();
            p.push('/');
            push_pointer_token(&mut p, key);
            return Err(file_error(
                path,
                &p,
                format!("unknown key \"{key}\"; the keys here are {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

impl TestFile {
    /// Reads a test file.
    pub fn load(path: &Path) -> Result<TestFile> {
        let text = crate::source::read_text(path, "test file")?;
        let value = crate::source::parse_json(&text, "test file").map_err(|e| {
            let message = format!("{}: {}", path.display(), e.message());
            e.with_message(message)
        })?;
        TestFile::from_value(path, &value).map_err(|e| crate::source::locate(e, &text))
    }

    /// Reads a test file's JSON; `path` locates the flow and names the file in errors.
    pub fn from_value(path: &Path, value: &Value) -> Result<TestFile> {
        let Some(root) = value.as_object() else {
            return Err(file_error(path, "", "a test file is a JSON object"));
        };
        unknown_keys(
            path,
            root,
            &[
                "flow",
                "workflow",
                "stubUnmocked",
                "connections",
                "parameters",
                "mocks",
                "clock",
                "timeScale",
                "cases",
                "description",
            ],
            "",
        )?;
        let folder = path.parent().unwrap_or(Path::new("."));
        let connections = match root.get("connections") {
            None => None,
            Some(Value::String(s)) => Some(folder.join(&**s)),
            Some(_) => {
                return Err(file_error(path, "/connections", "\"connections\" names a connections file"))
            }
        };
        let flow = match root.get("flow") {
            Some(Value::String(s)) => folder.join(&**s),
            _ => {
                return Err(file_error(
                    path,
                    "/flow",
                    "\"flow\" must name the flow under test (a path relative to this file)",
                ))
            }
        };
        let workflow = match root.get("workflow") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.to_string()),
            Some(_) => {
                return Err(file_error(path, "/workflow", "\"workflow\" names one flow of the export"))
            }
        };
        let stub_unmocked = match root.get("stubUnmocked") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(file_error(path, "/stubUnmocked", "\"stubUnmocked\" is true or false")),
        };
        let time_scale = match root.get("timeScale") {
            None => 0.0001,
            Some(v) => match v.as_f64() {
                Some(f) if f.is_finite() && f > 0.0 => f,
                _ => return Err(file_error(path, "/timeScale", "\"timeScale\" must be a positive number")),
            },
        };
        let Some(Value::Array(raw_cases)) = root.get("cases") else {
            return Err(file_error(path, "/cases", "\"cases\" must be an array of test cases"));
        };
        let mut cases = Vec::with_capacity(raw_cases.len());
        let mut names = std::collections::HashSet::new();
        for (i, raw) in raw_cases.iter().enumerate() {
            let case = Case::from_value(path, raw, &format!("/cases/{i}"))?;
            if !names.insert(case.name.clone()) {
                return Err(file_error(path, &case.pointer, format!("two cases are named '{}'", case.name)));
            }
            cases.push(case);
        }
        Ok(TestFile {
            path: path.to_path_buf(),
            flow,
            workflow,
            stub_unmocked,
            connections,
            parameters: object_at(path, root, "parameters", "")?,
            mocks: object_at(path, root, "mocks", "")?,
            clock: clock_at(path, root, "")?,
            time_scale,
            cases,
        })
    }
}

impl Case {
    fn from_value(path: &Path, raw: &Value, pointer: &str) -> Result<Case> {
        let Some(o) = raw.as_object() else {
            return Err(file_error(path, pointer, "a case is a JSON object"));
        };
        unknown_keys(path, o, CASE_KEYS, pointer)?;
        let name = match o.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.to_string(),
            _ => return Err(file_error(path, &format!("{pointer}/name"), "every case needs a \"name\"")),
        };
        let trigger = object_at(path, o, "trigger", pointer)?;
        unknown_keys(path, &trigger, &["body", "headers", "queries"], &format!("{pointer}/trigger"))?;
        let mut expect = match o.get("expect") {
            None => Expect::default(),
            Some(e) => Expect::from_value(path, e, &format!("{pointer}/expect"))?,
        };
        match (o.get("action"), o.get("expected_result")) {
            (None, None) => {}
            (Some(Value::String(action)), Some(Value::String(words))) => {
                let result = ExpectedResult::parse(words).ok_or_else(|| {
                    file_error(
                        path,
                        &format!("{pointer}/expected_result"),
                        format!("cannot read '{words}': write 'Success', 'Success with <thing> array', 'Success with empty array', 'Success with <thing> object', or a status code such as '400 Bad Request error'"),
                    )
                })?;
                expect.result = Some((action.to_string(), result));
            }
            _ => {
                return Err(file_error(
                    path,
                    pointer,
                    "the seed's form needs both \"action\" (an action name) and \"expected_result\" (words such as 'Success with expense array')",
                ))
            }
        }
        Ok(Case {
            pointer: pointer.to_string(),
            trigger_body: trigger.get("body").cloned(),
            trigger_headers: object_at(path, &trigger, "headers", &format!("{pointer}/trigger"))?,
            trigger_queries: object_at(path, &trigger, "queries", &format!("{pointer}/trigger"))?,
            clock: clock_at(path, o, pointer)?,
            parameters: object_at(path, o, "parameters", pointer)?,
            mocks: object_at(path, o, "mocks", pointer)?,
            expect,
            name,
        })
    }
}

impl Expect {
    fn from_value(path: &Path, raw: &Value, pointer: &str) -> Result<Expect> {
        let Some(o) = raw.as_object() else {
            return Err(file_error(path, pointer, "\"expect\" is an object"));
        };
        unknown_keys(path, o, EXPECT_KEYS, pointer)?;
        let status = match o.get("status") {
            None => None,
            Some(Value::String(s)) => Some(s.to_string()),
            Some(_) => {
                return Err(file_error(
                    path,
                    &format!("{pointer}/status"),
                    "\"status\" is a run status string",
                ))
            }
        };
        let mut actions = Vec::new();
        for (name, raw_action) in &object_at(path, o, "actions", pointer)? {
            let mut p = format!("{pointer}/actions/");
            push_pointer_token(&mut p, name);
            let Some(a) = raw_action.as_object() else {
                return Err(file_error(path, &p, "an action expectation is an object"));
            };
            unknown_keys(path, a, ACTION_KEYS, &p)?;
            let text = |key: &str| -> Result<Option<String>> {
                match a.get(key) {
                    None => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.to_string())),
                    Some(_) => Err(file_error(path, &format!("{p}/{key}"), format!("\"{key}\" is a string"))),
                }
            };
            let count = |key: &str| -> Result<Option<u64>> {
                match a.get(key) {
                    None => Ok(None),
                    Some(Value::Int(n)) if *n >= 0 => Ok(Some(*n as u64)),
                    Some(_) => {
                        Err(file_error(path, &format!("{p}/{key}"), format!("\"{key}\" is a whole number")))
                    }
                }
            };
            actions.push((
                name.to_string(),
                ActionExpect {
                    status: text("status")?,
                    code: text("code")?,
                    attempts: count("attempts")?,
                    repetitions: count("repetitions")?,
                },
            ));
        }
        let asserts = match o.get("assert") {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.to_string()],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.to_string()),
                    _ => Err(file_error(
                        path,
                        &format!("{pointer}/assert/{i}"),
                        "an assertion is an expression string",
                    )),
                })
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(file_error(
                    path,
                    &format!("{pointer}/assert"),
                    "\"assert\" is a list of expressions",
                ))
            }
        };
        let snapshot = match o.get("snapshot") {
            None | Some(Value::Bool(false)) => Snapshot::None,
            Some(Value::Bool(true)) => Snapshot::All,
            Some(Value::Array(items)) => Snapshot::Actions(
                items.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>().ok_or_else(
                    || file_error(path, &format!("{pointer}/snapshot"), "\"snapshot\" lists action names"),
                )?,
            ),
            Some(_) => {
                return Err(file_error(
                    path,
                    &format!("{pointer}/snapshot"),
                    "\"snapshot\" is true or a list of action names",
                ))
            }
        };
        Ok(Expect { status, actions, asserts, snapshot, result: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seeds_wording() {
        use ExpectedResult::*;
        assert_eq!(ExpectedResult::parse("Success with expense array"), Some(Success(Shape::Array)));
        assert_eq!(ExpectedResult::parse("Success with empty array"), Some(Success(Shape::EmptyArray)));
        assert_eq!(ExpectedResult::parse("success"), Some(Success(Shape::Any)));
        assert_eq!(ExpectedResult::parse("Success with customer object"), Some(Success(Shape::Object)));
        assert_eq!(ExpectedResult::parse("400 Bad Request error"), Some(Status(400)));
        assert_eq!(ExpectedResult::parse("404"), Some(Status(404)));
        assert_eq!(ExpectedResult::parse("works fine"), None);
        assert_eq!(ExpectedResult::parse("Success maybe"), None);
    }

    #[test]
    fn rejects_malformed_files_with_pointers() {
        let path = Path::new("x.flowtest.json");
        let bad = |json: &str| -> String {
            let v = crate::value::from_json_str(json).unwrap_or_default();
            match TestFile::from_value(path, &v) {
                Ok(_) => panic!("{json} was accepted"),
                Err(e) => e.to_string(),
            }
        };
        assert!(bad(r#"{"cases": []}"#).contains("/flow"));
        assert!(bad(r#"{"flow": "f.json", "cases": [{"name": "a", "expect": {"status": 1}}]}"#)
            .contains("/cases/0/expect/status"));
        assert!(bad(r#"{"flow": "f.json", "cases": [{"name": "a", "expct": {}}]}"#)
            .contains("unknown key \"expct\""));
        assert!(bad(r#"{"flow": "f.json", "cases": [{"name": "a"}, {"name": "a"}]}"#).contains("two cases"));
        assert!(bad(
            r#"{"flow": "f.json", "cases": [{"name": "a", "action": "X", "expected_result": "meh"}]}"#
        )
        .contains("cannot read 'meh'"));
        assert!(bad(
            r#"{"flow": "f.json", "cases": [{"name": "a", "expect": {"actions": {"X": {"attempts": -1}}}}]}"#
        )
        .contains("/cases/0/expect/actions/X/attempts"));
    }
}
