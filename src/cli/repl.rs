//! `flowexpr repl`: try expressions interactively against real run data.
//!
//! [`Repl`] is the engine — input in, reply out, completion candidates, multi-line
//! detection — and knows nothing of terminals, so it is tested directly. [`run`] connects
//! it to rustyline on a terminal, or reads one input per line and prints one JSON result per
//! line when standard input is not a terminal.

use std::borrow::Cow;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use crate::eval::context::parse_clock;
use crate::functions::{self, Category, Function};
use crate::value::{Object, Value};
use crate::{Engine, Error, RunContext};

/// The REPL's commands, for `:help` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    (":help", "`:help` lists the commands; `:help NAME` shows a function's signature, meaning and example"),
    (":functions", "`:functions [CATEGORY]` lists the functions, all or of one category"),
    (":load", "`:load FILE` loads a run context or a run record written by `flowexpr run --out`"),
    (":set", "`:set variables.NAME = EXPR` sets a variable; `:set clock TIMESTAMP` fixes utcNow()"),
    (":ast", "`:ast EXPR` prints the syntax tree"),
    (":type", "`:type EXPR` prints the type of the result"),
    (":context", "`:context` prints the loaded run context"),
    (":quit", "`:quit` leaves (so does Ctrl-D)"),
];

/// Functions whose first argument names something in the run context, and where to look.
const NAME_ARGUMENTS: &[(&str, Section)] = &[
    ("variables", Section::Variables),
    ("parameters", Section::Parameters),
    ("appsetting", Section::AppSettings),
    ("body", Section::Actions),
    ("outputs", Section::Actions),
    ("actions", Section::Actions),
    ("actionBody", Section::Actions),
    ("actionOutputs", Section::Actions),
    ("result", Section::Actions),
    ("items", Section::Items),
    ("iterationIndexes", Section::Items),
];

#[derive(Clone, Copy)]
enum Section {
    Variables,
    Parameters,
    AppSettings,
    Actions,
    Items,
}

/// What the REPL answers to one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A result or information, to print on standard output.
    Output(String),
    /// An error, to print on standard error.
    Error(String),
    /// Leave the REPL.
    Quit,
}

/// A completion candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text that replaces the word being completed.
    pub replacement: String,
    /// What the menu shows (a function's signature, a name).
    pub display: String,
}

/// The REPL's state: the engine, the run context and whether to colour output.
pub struct Repl {
    engine: Engine,
    context: RunContext,
    color: bool,
}

impl Repl {
    /// A REPL over a run context.
    pub fn new(context: RunContext) -> Repl {
        Repl { engine: Engine::new(), context, color: false }
    }

    /// Colour the output with ANSI escapes.
    pub fn with_color(mut self, color: bool) -> Repl {
        self.color = color;
        self
    }

    /// The run context.
    pub fn context(&self) -> &RunContext {
        &self.context
    }

    /// Evaluates an input: an expression; a template when it starts with `@`; a JSON string
    /// (a template as written in a definition, quotes and escapes included) when it starts
    /// with `"`.
    pub fn evaluate(&self, input: &str) -> Result<Value, Error> {
        let input = input.trim();
        if input.starts_with('"') {
            let text: String = serde_json::from_str(input)
                .map_err(|e| Error::new(crate::ErrorKind::Syntax, format!("not a valid JSON string: {e}")))?;
            return self.engine.compile_template(&text).and_then(|t| t.render(&self.context));
        }
        if input.starts_with('@') {
            return self.engine.compile_template(input).and_then(|t| t.render(&self.context));
        }
        self.engine.compile(input).and_then(|e| e.eval(&self.context))
    }

    /// Handles one complete input: a `:command` or an expression.
    pub fn handle(&mut self, input: &str) -> Reply {
        let input = input.trim();
        if input.is_empty() {
            return Reply::Output(String::new());
        }
        if let Some(command) = input.strip_prefix(':') {
            return self.command(command);
        }
        match self.evaluate(input) {
            Ok(v) => Reply::Output(self.show(&v)),
            Err(e) => Reply::Error(format!("{e:#}")),
        }
    }

    /// Handles one input and answers with one line of JSON: `{"value": ..., "type": ...}` or
    /// `{"error": ..., "line": ..., "column": ...}`. Commands are not available this way.
    pub fn handle_json(&mut self, input: &str) -> String {
        let mut o = Object::new();
        match self.evaluate(input) {
            Ok(v) => {
                o.insert("type", Value::from(v.value_type().name()));
                o.insert("value", v);
            }
            Err(e) => {
                o.insert("error", Value::from(e.message()));
                if let Some((line, column)) = e.line_col() {
                    o.insert("line", Value::from(line));
                    o.insert("column", Value::from(column));
                }
            }
        }
        crate::value::to_json_string(&Value::Object(o))
    }

    fn show(&self, v: &Value) -> String {
        let body = pretty(v, self.color);
        let ty = v.value_type().name();
        if self.color {
            format!("{body}  \x1b[2m: {ty}\x1b[0m")
        } else {
            format!("{body}  : {ty}")
        }
    }

    fn command(&mut self, command: &str) -> Reply {
        let (name, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
        let rest = rest.trim();
        match name {
            "q" | "quit" | "exit" => Reply::Quit,
            "h" | "help" if rest.is_empty() => {
                let mut out = String::from(
                    "Type an expression (without its @), a template starting with @, or a JSON string.\nCommands:\n",
                );
                for (_, help) in COMMANDS {
                    out.push_str(&format!("  {help}\n"));
                }
                Reply::Output(out.trim_end().to_string())
            }
            "h" | "help" => match self.engine.lookup(rest) {
                Some(f) => Reply::Output(describe(f)),
                None => {
                    let hint =
                        functions::suggest(rest).map(|s| format!(" Did you mean '{s}'?")).unwrap_or_default();
                    Reply::Error(format!("There is no function '{rest}'.{hint}"))
                }
            },
            "functions" => self.list_functions(rest),
            "load" => self.load(rest),
            "set" => self.set(rest),
            "ast" => {
                let tree = if rest.starts_with('@') {
                    crate::syntax::parse_template(rest).map(|t| t.tree())
                } else {
                    crate::syntax::parse_expression(rest).map(|e| e.tree())
                };
                match tree {
                    Ok(t) => Reply::Output(t.trim_end().to_string()),
                    Err(e) => Reply::Error(format!("{e:#}")),
                }
            }
            "type" => match self.evaluate(rest) {
                Ok(v) => Reply::Output(v.value_type().name().to_string()),
                Err(e) => Reply::Error(format!("{e:#}")),
            },
            "context" => Reply::Output(pretty(&self.context.to_value(), self.color)),
            other => Reply::Error(format!("Unknown command ':{other}'. Type :help for the list.")),
        }
    }

    fn list_functions(&self, category: &str) -> Reply {
        let wanted = if category.is_empty() {
            None
        } else {
            match Category::from_name(category) {
                Some(c) => Some(c),
                None => {
                    let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                    return Reply::Error(format!(
                        "Unknown category '{category}'. The categories are: {}.",
                        names.join(", ")
                    ));
                }
            }
        };
        let mut out = String::new();
        for c in Category::ALL.iter().filter(|c| wanted.is_none_or(|w| w == **c)) {
            let mut names: Vec<&str> =
                self.engine.functions().iter().filter(|f| f.category == *c).map(|f| f.name).collect();
            names.sort_by_key(|n| n.to_ascii_lowercase());
            out.push_str(&format!("{}: {}\n", c.name(), names.join(", ")));
        }
        Reply::Output(out.trim_end().to_string())
    }

    fn load(&mut self, path: &str) -> Reply {
        if path.is_empty() {
            return Reply::Error("Usage: :load FILE".into());
        }
        let text = match crate::source::read_text(std::path::Path::new(path), "run context") {
            Ok(t) => t,
            Err(e) => return Reply::Error(e.to_string()),
        };
        let parsed = crate::source::parse_json(&text, "run context")
            .and_then(|json| RunContext::from_value(&json))
            .map_err(|e| crate::source::locate(e, &text));
        match parsed {
            Ok(ctx) => {
                let summary = summarize(&ctx);
                self.context = ctx;
                Reply::Output(format!("Loaded {path}: {summary}"))
            }
            Err(e) => Reply::Error(format!("{path}: {e}")),
        }
    }

    fn set(&mut self, rest: &str) -> Reply {
        if let Some(clock) = rest.strip_prefix("clock") {
            let clock = clock.trim().trim_start_matches('=').trim().trim_matches('\'');
            return match parse_clock(clock) {
                Ok(t) => {
                    self.context.clock = Some(t);
                    Reply::Output(format!("utcNow() is now {}", t.to_rfc3339()))
                }
                Err(e) => Reply::Error(e.message().to_string()),
            };
        }
        let Some(assignment) = rest.strip_prefix("variables.") else {
            return Reply::Error("Usage: :set variables.NAME = EXPR, or :set clock TIMESTAMP".into());
        };
        let Some((name, expr)) = assignment.split_once('=') else {
            return Reply::Error("Usage: :set variables.NAME = EXPR".into());
        };
        let name = name.trim();
        if name.is_empty() {
            return Reply::Error("The variable needs a name: :set variables.NAME = EXPR".into());
        }
        match self.evaluate(expr) {
            // As in runs: values kept between evaluations may nest at most 128 levels.
            Ok(v) if v.nesting_depth(128) > 128 => Reply::Error(format!(
                "The value for '{name}' nests arrays and objects more than 128 levels deep."
            )),
            Ok(v) => {
                let shown = self.show(&v);
                self.context.variables.insert(name, v);
                Reply::Output(format!("variables('{name}') = {shown}"))
            }
            Err(e) => Reply::Error(format!("{e:#}")),
        }
    }

    /// Completion candidates for the word before `pos` in `line`: commands after `:`,
    /// function names (with their signature), categories after `:functions`, and names from
    /// the run context inside `variables('`, `parameters('`, `body('`, `outputs('`,
    /// `actions('`, `items('`.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<Completion>) {
        let pos = pos.min(line.len());
        let before = &line[..pos];
        if let Some(cmd) = before.strip_prefix(':') {
            if !cmd.contains(char::is_whitespace) {
                let list = COMMANDS
                    .iter()
                    .filter(|(c, _)| c[1..].starts_with(cmd))
                    .map(|(c, _)| Completion { replacement: c.to_string(), display: c.to_string() })
                    .collect();
                return (0, list);
            }
            if let Some(prefix) = cmd.strip_prefix("functions ") {
                let list = Category::ALL
                    .iter()
                    .filter(|c| c.name().starts_with(prefix.trim_start()))
                    .map(|c| Completion { replacement: c.name().to_string(), display: c.name().to_string() })
                    .collect();
                return (pos - prefix.trim_start().len(), list);
            }
        }
        if let Some((start, list)) = self.complete_name_argument(before) {
            return (start, list);
        }
        let word_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &before[word_start..];
        if word.is_empty() && !before.ends_with(":help ") {
            return (pos, Vec::new());
        }
        let help = before[..word_start].trim_end().ends_with(":help");
        let lower = word.to_ascii_lowercase();
        let mut list: Vec<Completion> = self
            .engine
            .functions()
            .into_iter()
            .filter(|f| f.name.to_ascii_lowercase().starts_with(&lower))
            .map(|f| Completion {
                replacement: if help { f.name.to_string() } else { format!("{}(", f.name) },
                display: f.signature(),
            })
            .collect();
        list.sort_by_key(|c| c.replacement.to_ascii_lowercase());
        (word_start, list)
    }

    fn complete_name_argument(&self, before: &str) -> Option<(usize, Vec<Completion>)> {
        let quote = before.rfind('\'')?;
        // The quote must open a string: an odd number of quotes before the cursor.
        if before.matches('\'').count().is_multiple_of(2) {
            return None;
        }
        let head = before[..quote].trim_end().strip_suffix('(')?.trim_end();
        let function = crate::syntax::trailing_identifier(head);
        let (_, section) = NAME_ARGUMENTS.iter().find(|(f, _)| f.eq_ignore_ascii_case(function))?;
        let partial = &before[quote + 1..];
        let source: Vec<String> = match section {
            Section::Variables => self.context.variables.keys().map(|k| k.to_string()).collect(),
            Section::Parameters => self.context.parameters.keys().map(|k| k.to_string()).collect(),
            Section::AppSettings => self.context.appsettings.keys().map(|k| k.to_string()).collect(),
            Section::Actions => self.context.actions.keys().map(|k| k.to_string()).collect(),
            Section::Items => self
                .context
                .items
                .keys()
                .chain(self.context.iteration_indexes.keys())
                .map(|k| k.to_string())
                .collect(),
        };
        let lower = partial.to_ascii_lowercase();
        let mut list: Vec<Completion> = source
            .into_iter()
            .filter(|name| name.to_ascii_lowercase().starts_with(&lower))
            .map(|name| Completion { replacement: format!("{}')", name.replace('\'', "''")), display: name })
            .collect();
        list.sort_by(|a, b| a.display.cmp(&b.display));
        list.dedup();
        Some((quote + 1, list))
    }
}

/// Is the input complete, or are parentheses, brackets or a string still open (so the
/// REPL should read another line)?
pub fn is_complete(input: &str) -> bool {
    let mut depth = 0i64;
    let mut in_string = false;
    let text = input.trim_start();
    if text.starts_with(':') {
        return true;
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if in_string => {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    in_string = false;
                }
            }
            '\'' => in_string = true,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    !in_string && depth <= 0
}

fn describe(f: &Function) -> String {
    let mut out = format!("{}\n  {}\n  category: {}", f.signature(), f.help, f.category.name());
    if f.is_lazy() {
        out.push_str("; evaluates its arguments only as needed");
    }
    if !f.example.is_empty() {
        out.push_str(&format!("\n  example: {}", f.example));
    }
    if let functions::Imp::Missing(why) = f.imp {
        out.push_str(&format!("\n  not implemented yet: {why}"));
    }
    out
}

fn summarize(ctx: &RunContext) -> String {
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![
        count(ctx.actions.len(), "action"),
        count(ctx.variables.len(), "variable"),
        count(ctx.parameters.len(), "parameter"),
    ];
    if !ctx.trigger.is_null() {
        parts.push("a trigger".into());
    }
    if let Some(clock) = ctx.clock {
        parts.push(format!("clock {}", clock.to_rfc3339()));
    }
    parts.join(", ")
}

/// Indented JSON, optionally coloured: keys blue, strings green, numbers cyan, booleans and
/// null yellow.
pub fn pretty(value: &Value, color: bool) -> String {
    let text = crate::value::to_json_string_pretty(value);
    if !color {
        return text;
    }
    colorize_json(&text)
}

fn colorize_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            let is_key = text[i..].starts_with(':');
            let code = if is_key { "34" } else { "32" };
            out.push_str(&format!("\x1b[{code}m{}\x1b[0m", &text[start..i]));
        } else if c == b'-' || c.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'-' | b'+'))
            {
                i += 1;
            }
            out.push_str(&format!("\x1b[36m{}\x1b[0m", &text[start..i]));
        } else if text[i..].starts_with("true")
            || text[i..].starts_with("false")
            || text[i..].starts_with("null")
        {
            let len = if text[i..].starts_with("false") { 5 } else { 4 };
            out.push_str(&format!("\x1b[33m{}\x1b[0m", &text[i..i + len]));
            i += len;
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Where the history is kept: `$FLOWEXPR_HISTORY` if set, else `flowexpr/history.txt` in
/// the user's data directory (`~/.local/share` on Linux).
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FLOWEXPR_HISTORY") {
        return Some(PathBuf::from(path));
    }
    dirs::data_dir().map(|d| d.join("flowexpr").join("history.txt"))
}

mod line_editor {
    use std::borrow::Cow;

    use rustyline::completion::{Completer, Pair};
    use rustyline::highlight::Highlighter;
    use rustyline::hint::Hinter;
    use rustyline::validate::{ValidationContext, ValidationResult, Validator};
    use rustyline::{Context, Helper};

    use super::Repl;

    /// Connects the REPL engine to rustyline: completion and multi-line input.
    pub(super) struct EditorHelper {
        pub(super) repl: std::rc::Rc<std::cell::RefCell<Repl>>,
    }

    impl Completer for EditorHelper {
        type Candidate = Pair;

        fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
            let (start, list) = self.repl.borrow().complete(line, pos);
            Ok((
                start,
                list.into_iter().map(|c| Pair { display: c.display, replacement: c.replacement }).collect(),
            ))
        }
    }

    impl Hinter for EditorHelper {
        type Hint = String;
    }

    impl Highlighter for EditorHelper {
        fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
            Cow::Borrowed(prompt)
        }
    }

    impl Validator for EditorHelper {
        fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
            Ok(if super::is_complete(ctx.input()) {
                ValidationResult::Valid(None)
            } else {
                ValidationResult::Incomplete
            })
        }
    }

    impl Helper for EditorHelper {}
}

/// Runs the REPL on the terminal (or line by line on a pipe).
pub fn run(context: RunContext, color: super::ColorChoice) -> std::io::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return run_piped(Repl::new(context), stdin.lock(), &mut std::io::stdout().lock());
    }
    let color = color.enabled(std::io::stdout().is_terminal());
    let repl = std::rc::Rc::new(std::cell::RefCell::new(Repl::new(context).with_color(color)));
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(true)
        .build();
    let mut editor: rustyline::Editor<line_editor::EditorHelper, rustyline::history::DefaultHistory> =
        rustyline::Editor::with_config(config).map_err(std::io::Error::other)?;
    editor.set_helper(Some(line_editor::EditorHelper { repl: repl.clone() }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!("flowexpr {} — type an expression, :help for help, Ctrl-D to leave", env!("CARGO_PKG_VERSION"));
    loop {
        match editor.readline("» ") {
            Ok(line) => {
                let reply = repl.borrow_mut().handle(&line);
                match reply {
                    Reply::Output(text) if text.is_empty() => {}
                    Reply::Output(text) => println!("{text}"),
                    Reply::Error(text) => eprintln!("{}", paint_error(&text, color)),
                    Reply::Quit => break,
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(std::io::Error::other(e)),
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}

/// One input per line, one JSON line per input. A line that is not UTF-8 is answered with
/// an error and the session goes on (one bad byte must not lose the rest of a script); a
/// UTF-8 byte-order mark before the first line is skipped.
pub fn run_piped(
    mut repl: Repl,
    mut input: impl std::io::BufRead,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    let mut number = 0usize;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(());
        }
        number += 1;
        let mut line: &[u8] = &bytes;
        if number == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let reply = match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => repl.handle_json(text),
            Err(e) => not_utf8(number, line, e.valid_up_to()),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
}

/// The JSON answer to an input line that is not UTF-8.
fn not_utf8(number: usize, line: &[u8], valid_up_to: usize) -> String {
    let column = String::from_utf8_lossy(&line[..valid_up_to]).chars().count() + 1;
    let byte = line.get(valid_up_to).copied().unwrap_or_default();
    let mut o = Object::new();
    o.insert(
        "error",
        Value::from(format!(
            "input line {number} is not UTF-8: byte 0x{byte:02X} at column {column} does not start a UTF-8 character; the line was skipped"
        )),
    );
    o.insert("line", Value::from(number));
    o.insert("column", Value::from(column));
    crate::value::to_json_string(&Value::Object(o))
}

fn paint_error(text: &str, color: bool) -> Cow<'_, str> {
    if color {
        Cow::Owned(format!("\x1b[31m{text}\x1b[0m"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repl() -> Repl {
        let ctx = RunContext::from_json_str(
            r#"{"variables": {"pageNumber": 3, "pageSize": 50},
                "parameters": {"apiKey": "k"},
                "actions": {"Get_Transactions": {"status": "Succeeded", "outputs": {"body": {"n": 2}}},
                            "Get_Token": {"status": "Succeeded"}},
                "clock": "2024-01-15T10:30:00Z"}"#,
        )
        .unwrap_or_default();
        Repl::new(ctx)
    }

    fn output(reply: Reply) -> String {
        match reply {
            Reply::Output(s) => s,
            other => panic!("expected output, got {other:?}"),
        }
    }

    #[test]
    fn evaluates_expressions_templates_and_json_strings() {
        let mut r = repl();
        assert_eq!(output(r.handle("mul(variables('pageNumber'), 50)")), "150  : Integer");
        assert_eq!(output(r.handle("@{variables('pageNumber')} pages")), "\"3 pages\"  : String");
        assert_eq!(output(r.handle(r#""@body('Get_Transactions')?['n']""#)), "2  : Integer");
        assert!(matches!(r.handle("concat('a'"), Reply::Error(e) if e.contains('^')));
    }

    #[test]
    fn commands() {
        let mut r = repl();
        assert!(output(r.handle(":help")).contains(":load FILE"));
        assert!(output(r.handle(":help concat")).starts_with("concat(text: Any, ...) -> String"));
        assert!(matches!(r.handle(":help concatt"), Reply::Error(e) if e.contains("Did you mean 'concat'")));
        assert!(output(r.handle(":functions math")).starts_with("math: add, div, max"));
        assert!(matches!(r.handle(":functions nope"), Reply::Error(_)));
        assert_eq!(output(r.handle(":type createArray(1)")), "Array");
        assert!(output(r.handle(":ast add(1, 2)")).starts_with("Call add"));
        assert!(output(r.handle(":set variables.total = add(1, 2)")).contains("3"));
        assert_eq!(output(r.handle("variables('total')")), "3  : Integer");
        assert!(output(r.handle(":set clock 2020-02-29T00:00:00Z")).contains("2020-02-29"));
        assert!(matches!(r.handle(":set clock never"), Reply::Error(_)));
        assert!(matches!(r.handle(":bogus"), Reply::Error(e) if e.contains(":help")));
        assert_eq!(r.handle(":quit"), Reply::Quit);
    }

    #[test]
    fn load_reads_a_run_record() {
        let dir = std::env::temp_dir().join(format!("flowexpr-repl-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("run.json");
        let record = r#"{"status": "Succeeded", "actions": {"Find_Discrepancies": {"status": "Succeeded",
            "outputs": {"body": [1, 2, 3]}}}, "variables": {}}"#;
        std::fs::write(&path, record).unwrap_or_default();
        let mut r = repl();
        let shown = output(r.handle(&format!(":load {}", path.display())));
        assert!(shown.contains("1 action"), "{shown}");
        assert_eq!(output(r.handle("length(body('Find_Discrepancies'))")), "3  : Integer");
        assert!(matches!(r.handle(":load /nonexistent/x.json"), Reply::Error(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn completion() {
        let r = repl();
        let (start, list) = r.complete("body('", 6);
        assert_eq!(start, 6);
        let names: Vec<&str> = list.iter().map(|c| c.display.as_str()).collect();
        assert_eq!(names, ["Get_Token", "Get_Transactions"]);
        assert_eq!(list[1].replacement, "Get_Transactions')");
        let (_, list) = r.complete("add(variables('pa", 17);
        let names: Vec<&str> = list.iter().map(|c| c.display.as_str()).collect();
        assert_eq!(names, ["pageNumber", "pageSize"]);
        let (start, list) = r.complete("add(utcN", 8);
        assert_eq!(start, 4);
        assert_eq!(list.first().map(|c| c.replacement.as_str()), Some("utcNow("));
        assert!(list.first().is_some_and(|c| c.display.starts_with("utcNow(")));
        let (start, list) = r.complete(":fu", 3);
        assert_eq!((start, list.len()), (0, 1));
        assert_eq!(list[0].replacement, ":functions");
        let (_, list) = r.complete(":functions ma", 13);
        let names: Vec<&str> = list.iter().map(|c| c.replacement.as_str()).collect();
        assert_eq!(names, ["math", "manipulation"]);
        let (_, list) = r.complete(":help conc", 10);
        assert_eq!(list.first().map(|c| c.replacement.as_str()), Some("concat"));
    }

    #[test]
    fn multi_line_detection() {
        assert!(is_complete("concat('a', 'b')"));
        assert!(!is_complete("concat('a',"));
        assert!(!is_complete("concat('a"));
        assert!(is_complete("concat('it''s')"));
        assert!(!is_complete("body('x')?["));
        assert!(is_complete(":help"));
        assert!(is_complete("@{variables('x')}"));
    }

    #[test]
    fn json_lines_for_scripts() {
        let mut r = repl();
        assert_eq!(r.handle_json("add(1, 2)"), r#"{"type":"Integer","value":3}"#);
        let e = r.handle_json("add(1,");
        assert!(e.starts_with(r#"{"error":"expected an expression"#) && e.contains(r#""column":7"#), "{e}");
    }

    #[test]
    fn colour_marks_strings_numbers_and_keys() {
        let v = crate::value::from_json_str(r#"{"a": "x", "b": 1, "c": null}"#).unwrap_or_default();
        let text = pretty(&v, true);
        assert!(text.contains("\x1b[34m\"a\"\x1b[0m"));
        assert!(text.contains("\x1b[32m\"x\"\x1b[0m"));
        assert!(text.contains("\x1b[36m1\x1b[0m"));
        assert!(text.contains("\x1b[33mnull\x1b[0m"));
    }
}
