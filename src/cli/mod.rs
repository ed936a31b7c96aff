//! The `flowexpr` command-line tool.
//!
//! Exit codes (the README's table): 0 success; 1 the expression, template, action, run or a
//! test failed, or a check found errors; 2 usage, I/O, or a file that is not valid (not JSON,
//! not UTF-8, not the expected shape, a folder).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

mod check;
mod color;
mod examples;
mod generate;
mod http;
mod input;

use crate::eval::context::parse_clock;
use crate::functions::{self, Category};
use crate::runtime::Output;
use crate::{Engine, Error, RunContext, Value};
pub use color::ColorChoice;
use input::Input;

pub mod connector;
pub mod repl;
pub mod run;
mod test;
mod view;

/// The expression language of Power Automate and Azure Logic Apps, offline.
#[derive(Debug, clap::Parser)]
#[command(name = "flowexpr", version, about, long_about = None, after_help = examples::TOP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set to a
    /// non-empty value or TERM=dumb), always, never.
    #[arg(long, value_enum, global = true, default_value = "auto", value_name = "WHEN")]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate an expression and print the result as JSON.
    ///
    /// The expression is written without its leading `@`
    /// (`flowexpr eval "addDays('2024-01-15T00:00:00Z', -7)"`); a text that starts with `@`
    /// is read as a template, as in a workflow definition (`"@{variables('x')} items"`).
    #[command(after_help = examples::EVAL)]
    Eval {
        /// The expression.
        expression: String,
        /// A run context (JSON): parameters, variables, trigger, actions, items, clock;
        /// `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        context: Option<PathBuf>,
        /// The time `utcNow()` returns (RFC 3339); overrides the context's clock.
        #[arg(long, value_name = "RFC3339")]
        clock: Option<String>,
        /// Print compact JSON on one line.
        #[arg(long)]
        compact: bool,
        /// A string result is printed as its text, without quotes or escapes (jq's `-r`);
        /// other results are still JSON.
        #[arg(long, short)]
        raw: bool,
    },
    /// Render every string of a JSON document (`@expr`, `@{...}`, `@@`) and print the JSON.
    #[command(after_help = examples::RENDER)]
    Render {
        /// The document, or `-` for standard input.
        file: PathBuf,
        /// A run context (JSON); `-` reads standard input.
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
    #[command(after_help = examples::PARSE)]
    Parse {
        /// The expression or template.
        expression: String,
    },
    /// Try expressions interactively against a run context or a run record.
    ///
    /// On a terminal: completion (Tab), history, multi-line input, `:help`. With standard
    /// input from a pipe or file: one input per line, one JSON result per line.
    #[command(after_help = examples::REPL)]
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
    /// Every file is reported, even after one that cannot be read. Exit code 1 when there
    /// are errors; warnings alone exit 0; 2 when a file cannot be read, is not JSON or holds
    /// no flow the loader recognises.
    #[command(after_help = examples::CHECK)]
    Check {
        /// Definitions (bare or wrapped in {"definition": ...}; `-` reads standard input),
        /// exports (.zip or folder: package, solution) or Logic Apps Standard projects; every
        /// flow each holds is checked.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
    /// Run flow tests: `*.flowtest.json` files with mocks, expectations and assertions
    /// written in the expression language. Exit code 1 when a case fails.
    #[command(after_help = examples::TEST)]
    Test(test::TestArgs),
    /// Custom connectors: list, call (or dry-run), check, test and sweep Power Platform
    /// connector definitions (apiDefinition.swagger.json + apiProperties.json).
    #[command(after_help = examples::CONNECTOR)]
    Connector {
        #[command(subcommand)]
        command: connector::ConnectorCommand,
    },
    /// Run a workflow definition locally, as the service would, and print the run summary.
    ///
    /// Exit code 0 when the run Succeeded, 1 when it Failed or was Cancelled, 2 when the
    /// definition, its parameters or the mocks are not valid.
    #[command(after_help = examples::RUN)]
    Run(run::RunArgs),
    /// Write one self-contained HTML page of a run: the actions as a graph laid out like the
    /// designer, each with its status, duration, attempts, inputs and outputs.
    #[command(after_help = examples::VIEW)]
    View(view::ViewArgs),
    /// Run Http actions: render, send with retries, polling and paging, print the record.
    #[command(after_help = examples::HTTP)]
    Http(http::HttpArgs),
    /// List the functions of the language: name, signature, category, help.
    #[command(after_help = examples::FUNCTIONS)]
    Functions {
        /// Only this category (string, collection, logical, conversion, math, datetime,
        /// workflow, uri, manipulation).
        #[arg(long)]
        category: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page flowexpr(1), or write it and one page per subcommand to a folder.
    #[command(after_help = examples::MAN)]
    Man {
        /// Write flowexpr.1, flowexpr-run.1, … into this folder instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum CheckFormat {
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
    let cli = color::parse_with_color();
    // Every byte the command writes goes through this sink, which hides the secrets the
    // command learns (see runtime::output) and colours as --color and NO_COLOR decide.
    let plain = Output::default();
    let out = plain.clone().with_color(
        cli.color.enabled(plain.stdout_is_terminal()),
        cli.color.enabled(plain.stderr_is_terminal()),
    );
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
        Command::Eval { expression, context, clock, compact, raw } => {
            let ctx = load_context(context.as_deref(), clock.as_deref(), out)?;
            let engine = Engine::new();
            let result = if expression.starts_with('@') {
                engine.compile_template(&expression).and_then(|t| t.render(&ctx))
            } else {
                engine.compile(&expression).and_then(|e| e.eval(&ctx))
            };
            let value = result.map_err(|e| Failure::Failed(format!("{e:#}")))?;
            match value.as_str() {
                Some(text) if raw => write_stdout(out, &format!("{text}\n")),
                _ => print_json(out, &value, compact),
            }
        }
        Command::Render { file, context, clock, compact } => {
            let ctx = load_context(context.as_deref(), clock.as_deref(), out)?;
            let (input, document) = Input::read_json(&file, "document")?;
            let value = Engine::new()
                .render(&document, &ctx)
                .map_err(|e| Failure::Failed(format!("{}: {e:#}", input.name)))?;
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
            if context.as_deref().is_some_and(input::is_stdin) {
                return Err(Failure::Usage(
                    "repl reads its inputs from standard input; give the run context as a file".into(),
                ));
            }
            let ctx = load_context(context.as_deref(), clock.as_deref(), out)?;
            repl::run(ctx, out).map_err(Failure::from)
        }
        Command::Check { files, format } => check::run(out, &files, format),
        Command::Run(args) => run::run(args, out),
        Command::View(args) => view::run(args, out),
        Command::Test(args) => test::run(args, out),
        Command::Functions { category, json } => list_functions(out, category.as_deref(), json),
        Command::Connector { command } => connector::run(command, out),
        Command::Http(args) => http::run(args, out),
        Command::Completions { shell } => generate::completions(out, shell),
        Command::Man { out: dir } => generate::man(out, dir.as_deref()),
    }
}

/// Reads the run context, and teaches `out` the values of its secure parameters (the
/// context's `parameterTypes`) so nothing the command writes shows them.
pub(crate) fn load_context(
    path: Option<&Path>,
    clock: Option<&str>,
    out: &Output,
) -> Result<RunContext, Failure> {
    let (ctx, json) = read_context(path, clock)?;
    out.learn(&http::secure_parameters(&json, &ctx)?);
    Ok(ctx)
}

/// The run context and the JSON it was read from (`http` reads `parameterTypes` there).
pub(crate) fn read_context(path: Option<&Path>, clock: Option<&str>) -> Result<(RunContext, Value), Failure> {
    // A run record (`run --out`) nests its values inside its own levels.
    let read = |p: &Path| Input::read_json_nested(p, "run context", crate::value::MAX_RECORD_DEPTH);
    let (mut ctx, json) = match path.map(read).transpose()? {
        Some((input, json)) => (RunContext::from_value(&json).map_err(|e| input.invalid(e))?, json),
        None => (RunContext::default(), Value::Null),
    };
    if let Some(clock) = clock {
        ctx.clock =
            Some(parse_clock(clock).map_err(|e: Error| Failure::Usage(format!("--clock: {}", e.message())))?);
    }
    Ok((ctx, json))
}

/// The text of a file argument (`-`: standard input); `what` names it in messages.
pub(crate) fn read_input(file: &str, what: &str) -> Result<String, Failure> {
    Ok(Input::read(Path::new(file), what)?.text)
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
