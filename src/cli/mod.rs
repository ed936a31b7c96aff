//! The `flowexpr` command-line tool.
//!
//! Exit codes: 0 success; 1 the expression, template or run failed; 2 usage or I/O error.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod http;

use crate::eval::context::parse_clock;
use crate::functions::{self, Category};
use crate::{Engine, Error, RunContext, Value};

pub mod connector;
pub mod repl;
pub mod run;
mod test;

/// The expression language of Power Automate and Azure Logic Apps, offline.
#[derive(Debug, Parser)]
#[command(name = "flowexpr", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate an expression and print the result as JSON.
    ///
    /// The expression is written without its leading `@`
    /// (`flowexpr eval "addDays('2024-01-15T00:00:00Z', -7)"`); a text that starts with `@`
    /// is read as a template, as in a workflow definition (`"@{variables('x')} items"`).
    Eval {
        /// The expression.
        expression: String,
        /// A run context (JSON): parameters, variables, trigger, actions, items, clock.
        #[arg(long, value_name = "FILE")]
        context: Option<PathBuf>,
        /// The time `utcNow()` returns (RFC 3339); overrides the context's clock.
        #[arg(long, value_name = "RFC3339")]
        clock: Option<String>,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
    },
    /// Render every string of a JSON document (`@expr`, `@{...}`, `@@`) and print the JSON.
    Render {
        /// The document, or `-` for standard input.
        file: String,
        /// A run context (JSON).
        #[arg(long, value_name = "FILE")]
        context: Option<PathBuf>,
        /// The time `utcNow()` returns (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        clock: Option<String>,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
    },
    /// Parse an expression (or, if it starts with `@`, a template) and print its syntax tree.
    Parse {
        /// The expression or template.
        expression: String,
    },
    /// Try expressions interactively against a run context or a run record.
    ///
    /// On a terminal: completion (Tab), history, multi-line input, `:help`. With standard
    /// input from a pipe or file: one input per line, one JSON result per line.
    Repl {
        /// A run context or a run record (JSON).
        #[arg(long, value_name = "FILE")]
        context: Option<PathBuf>,
        /// The time `utcNow()` returns (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        clock: Option<String>,
    },
    /// Check a workflow definition without running it: expressions, function names and
    /// argument counts, references to actions, variables and parameters, runAfter, loops.
    ///
    /// Exit code 1 when there are errors; warnings alone exit 0.
    Check {
        /// Definitions, exports (.zip or folder: package, solution) or Logic Apps Standard
        /// projects; every flow each holds is checked.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
    /// Run flow tests: `*.flowtest.json` files with mocks, expectations and assertions
    /// written in the expression language. Exit code 1 when a case fails.
    Test(test::TestArgs),
    /// Custom connectors: list, call (or dry-run), check, test and sweep Power Platform
    /// connector definitions (apiDefinition.swagger.json + apiProperties.json).
    Connector {
        #[command(subcommand)]
        command: connector::ConnectorCommand,
    },
    /// Run a workflow definition locally, as the service would, and print the run summary.
    ///
    /// Exit code 0 when the run Succeeded, 1 when it Failed or was Cancelled, 2 when the
    /// definition, its parameters or the mocks are not valid.
    Run(run::RunArgs),
    /// Run Http actions: render, send with retries, polling and paging, print the record.
    Http(http::HttpArgs),
    /// List the functions of the language: name, signature, category, help.
    Functions {
        /// Only this category (string, collection, logical, conversion, math, datetime,
        /// workflow, uri, manipulation).
        #[arg(long)]
        category: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CheckFormat {
    /// Messages with carets under the source.
    Text,
    /// A JSON array of findings (file, severity, code, message, pointer, line, column).
    Json,
}

/// A failure of a command, with its exit code.
pub(crate) enum Failure {
    /// The expression, template or run failed (exit 1).
    Failed(String),
    /// Bad usage or I/O (exit 2).
    Usage(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Usage(e.to_string())
    }
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("flowexpr: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Eval { expression, context, clock, compact } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            let engine = Engine::new();
            let result = if expression.starts_with('@') {
                engine.compile_template(&expression).and_then(|t| t.render(&ctx))
            } else {
                engine.compile(&expression).and_then(|e| e.eval(&ctx))
            };
            let value = result.map_err(|e| Failure::Failed(format!("{e:#}")))?;
            print_json(&value, compact)
        }
        Command::Render { file, context, clock, compact } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            let text = read_input(&file)?;
            let document = crate::value::from_json_str(&text)
                .map_err(|e| Failure::Usage(format!("{file}: not valid JSON: {e}")))?;
            let value = Engine::new()
                .render(&document, &ctx)
                .map_err(|e| Failure::Failed(format!("{file}: {e:#}")))?;
            print_json(&value, compact)
        }
        Command::Parse { expression } => {
            let tree = if expression.starts_with('@') {
                crate::syntax::parse_template(&expression).map(|t| t.tree())
            } else {
                crate::syntax::parse_expression(&expression).map(|e| e.tree())
            };
            let tree = tree.map_err(|e| Failure::Failed(format!("{e:#}")))?;
            write_stdout(&tree)
        }
        Command::Repl { context, clock } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            repl::run(ctx).map_err(Failure::from)
        }
        Command::Check { files, format } => check::run(&files, format),
        Command::Run(args) => run::run(args),
        Command::Test(args) => test::run(args),
        Command::Functions { category, json } => list_functions(category.as_deref(), json),
        Command::Connector { command } => connector::run(command),
        Command::Http(args) => http::run(args),
    }
}

pub(crate) fn load_context(path: Option<&Path>, clock: Option<&str>) -> Result<RunContext, Failure> {
    let mut ctx = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure::Usage(format!("cannot read the context {}: {e}", p.display())))?;
            RunContext::from_json_str(&text).map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))?
        }
        None => RunContext::default(),
    };
    if let Some(clock) = clock {
        ctx.clock =
            Some(parse_clock(clock).map_err(|e: Error| Failure::Usage(format!("--clock: {}", e.message())))?);
    }
    Ok(ctx)
}

pub(crate) fn read_input(file: &str) -> Result<String, Failure> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure::Usage(format!("cannot read {file}: {e}")))
    }
}

pub(crate) fn print_json(value: &Value, compact: bool) -> Result<(), Failure> {
    let text = if compact {
        crate::value::to_json_string(value)
    } else {
        crate::value::to_json_string_pretty(value)
    };
    write_stdout(&format!("{text}\n"))
}

pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`flowexpr functions | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Failure::from),
    }
}

fn list_functions(category: Option<&str>, json: bool) -> Result<(), Failure> {
    let wanted = match category {
        Some(name) => Some(Category::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
            Failure::Usage(format!("unknown category '{name}'; the categories are {}", names.join(", ")))
        })?),
        None => None,
    };
    let mut list: Vec<_> = functions::all().filter(|f| wanted.is_none_or(|c| f.category == c)).collect();
    list.sort_by_key(|f| (Category::ALL.iter().position(|c| *c == f.category), f.name.to_ascii_lowercase()));
    if json {
        let items: Vec<Value> = list
            .iter()
            .map(|f| {
                let mut o = crate::value::Object::new();
                o.insert("name", Value::from(f.name));
                o.insert("signature", Value::from(f.signature()));
                o.insert("category", Value::from(f.category.name()));
                o.insert("help", Value::from(f.help));
                o.insert("example", Value::from(f.example));
                o.insert("implemented", Value::Bool(f.is_implemented()));
                o.insert("lazy", Value::Bool(f.is_lazy()));
                Value::Object(o)
            })
            .collect();
        return print_json(&Value::array(items), false);
    }
    let mut out = String::new();
    let mut current = None;
    for f in list {
        if current != Some(f.category) {
            if current.is_some() {
                out.push('\n');
            }
            out.push_str(&format!("{}:\n", f.category.name()));
            current = Some(f.category);
        }
        let mark = if f.is_implemented() { "" } else { "  (not implemented yet)" };
        out.push_str(&format!("  {}{mark}\n      {}\n", f.signature(), f.help));
    }
    write_stdout(&out)
}
