//! The `flowexpr` command-line tool.
//!
//! Exit codes: 0 success; 1 the expression, template or run failed; 2 usage or I/O error.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod http;

use crate::eval::context::parse_clock;
use crate::functions::{self, Category};
use crate::runtime::Output;
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
        /// Definition files (bare or wrapped in {"definition": ...}).
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
    // Every byte the command writes goes through this sink, which hides the secrets the
    // command learns (see runtime::output).
    let out = Output::default();
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed(message)) => {
            out.stderr_line(&message);
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            out.stderr_line(&format!("flowexpr: {message}"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, out: &Output) -> Result<(), Failure> {
    match cli.command {
        Command::Eval { expression, context, clock, compact } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            out.learn(&http::secure_parameters(context.as_deref(), &ctx)?);
            let engine = Engine::new();
            let result = if expression.starts_with('@') {
                engine.compile_template(&expression).and_then(|t| t.render(&ctx))
            } else {
                engine.compile(&expression).and_then(|e| e.eval(&ctx))
            };
            let value = result.map_err(|e| Failure::Failed(format!("{e:#}")))?;
            print_json(out, &value, compact)
        }
        Command::Render { file, context, clock, compact } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            out.learn(&http::secure_parameters(context.as_deref(), &ctx)?);
            let text = read_input(&file)?;
            let document = crate::value::from_json_str(&text)
                .map_err(|e| Failure::Usage(format!("{file}: not valid JSON: {e}")))?;
            let value = Engine::new()
                .render(&document, &ctx)
                .map_err(|e| Failure::Failed(format!("{file}: {e:#}")))?;
            print_json(out, &value, compact)
        }
        Command::Parse { expression } => {
            let tree = if expression.starts_with('@') {
                crate::syntax::parse_template(&expression).map(|t| t.tree())
            } else {
                crate::syntax::parse_expression(&expression).map(|e| e.tree())
            };
            let tree = tree.map_err(|e| Failure::Failed(format!("{e:#}")))?;
            write_stdout(out, &tree)
        }
        Command::Repl { context, clock } => {
            let ctx = load_context(context.as_deref(), clock.as_deref())?;
            out.learn(&http::secure_parameters(context.as_deref(), &ctx)?);
            repl::run(ctx, out).map_err(Failure::from)
        }
        Command::Check { files, format } => check(out, &files, format),
        Command::Run(args) => run::run(args, out),
        Command::Test(args) => test::run(args, out),
        Command::Functions { category, json } => list_functions(out, category.as_deref(), json),
        Command::Connector { command } => connector::run(command, out),
        Command::Http(args) => http::run(args, out),
    }
}

fn check(out: &Output, files: &[PathBuf], format: CheckFormat) -> Result<(), Failure> {
    let mut errors = false;
    let mut all = Vec::new();
    let mut text_out = String::new();
    for file in files {
        let name = file.display().to_string();
        let text =
            std::fs::read_to_string(file).map_err(|e| Failure::Usage(format!("cannot read {name}: {e}")))?;
        out.learn(&secure_defaults(&text));
        let report =
            crate::check::check_text(&text).map_err(|e| Failure::Failed(format!("{name}: {e:#}")))?;
        errors |= report.has_errors();
        match format {
            CheckFormat::Text => text_out.push_str(&report.render(&name)),
            CheckFormat::Json => {
                if let Value::Array(items) = report.to_json(&name) {
                    all.extend(items.iter().cloned());
                }
            }
        }
    }
    match format {
        CheckFormat::Text => write_stdout(out, &text_out)?,
        CheckFormat::Json => print_json(out, &Value::array(all), false)?,
    }
    if errors {
        Err(Failure::Failed("check found errors".into()))
    } else {
        Ok(())
    }
}

/// The default values of a definition's `securestring` and `secureobject` parameters:
/// `check` shows source lines, and must not show those.
fn secure_defaults(text: &str) -> crate::runtime::Redactor {
    let mut redactor = crate::runtime::Redactor::new();
    let root = crate::value::from_json_str(text).unwrap_or_default();
    let definition = root.member("definition").filter(|d| d.as_object().is_some()).unwrap_or(root);
    if let Some(Value::Object(parameters)) = definition.member("parameters") {
        for p in parameters.values() {
            let secure = p.member("type").and_then(|t| t.as_str().map(str::to_ascii_lowercase));
            if matches!(secure.as_deref(), Some("securestring" | "secureobject")) {
                if let Some(v) = p.member("defaultValue") {
                    redactor.add_value(&v);
                }
            }
        }
    }
    redactor
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

pub(crate) fn print_json(out: &Output, value: &Value, compact: bool) -> Result<(), Failure> {
    out.stdout_json(value, compact).map_err(Failure::from)
}

pub(crate) fn write_stdout(out: &Output, text: &str) -> Result<(), Failure> {
    out.stdout(text).map_err(Failure::from)
}

fn list_functions(out: &Output, category: Option<&str>, json: bool) -> Result<(), Failure> {
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
        return print_json(out, &Value::array(items), false);
    }
    let sink = out;
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
    write_stdout(sink, &out)
}
