//! `flowexpr run`: runs a workflow definition locally and prints the run summary.

use std::path::{Path, PathBuf};

use crate::eval::context::parse_clock;
use crate::value::{from_json_str, Object, Value};
use crate::workflow::{self, Mocks, RunOptions, Status, Workflow};

use super::input;
use super::{print_json, Failure};
use crate::runtime::Output;

/// The options of `flowexpr run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The flow: a definition (bare, or wrapped in {"definition": ...}), an exported flow,
    /// a Power Automate package or solution (.zip or folder), or a Logic Apps Standard
    /// project or workflow folder; `-` reads a definition or a .zip from standard input.
    flow: PathBuf,
    /// Which flow to run, by name or display name, when the file or folder holds several.
    #[arg(long, value_name = "NAME")]
    workflow: Option<String>,
    /// A `workflow().tags` value, `NAME=VALUE` (repeatable; over the export's
    /// flowDisplayName, environmentName, ...).
    #[arg(long = "tag", value_name = "NAME=VALUE")]
    tags: Vec<String>,
    /// Answer every connector action that no mock, connection or child flow covers with an
    /// empty success (status 200, body {}), and list those actions after the run.
    #[arg(long)]
    stub_unmocked: bool,
    /// Parameter values: {"name": value} or {"name": {"value": value}} (parameters.json).
    /// Environment variables FLOWEXPR_PARAM_<name> override them. `-`: standard input.
    #[arg(long, value_name = "FILE")]
    parameters: Option<PathBuf>,
    /// The trigger's body (JSON, or text if it is not JSON); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    trigger_body: Option<String>,
    /// A trigger header, `Name=value` (repeatable).
    #[arg(long = "trigger-header", value_name = "NAME=VALUE")]
    trigger_headers: Vec<String>,
    /// A trigger query parameter, `name=value` (repeatable).
    #[arg(long = "trigger-query", value_name = "NAME=VALUE")]
    trigger_queries: Vec<String>,
    /// Canned responses by action name, by connector operation, or by method and URL pattern
    /// (JSON); `-`: standard input.
    #[arg(long, value_name = "FILE")]
    mocks: Option<PathBuf>,
    /// A connections file binding OpenApiConnection / ApiConnection actions to local
    /// connector folders (see examples/connectors/README.md), keyed by connection reference
    /// or API name (`shared_sharepointonline`); an entry without "connector" binds the
    /// custom connector a solution ships. `-`: standard input (its folders are then relative
    /// to the current folder).
    #[arg(long, value_name = "FILE")]
    connections: Option<PathBuf>,
    /// The time the run starts at (RFC 3339); the system clock by default.
    #[arg(long, value_name = "RFC3339")]
    clock: Option<String>,
    /// Multiply every wait (retry intervals, Wait actions, mock delays) and every request
    /// deadline by this factor.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    time_scale: f64,
    /// Write the run record (the run-context shape `flowexpr eval --context` reads) here;
    /// `-` for standard output. Without it, standard output gets what a Response action
    /// sent, if one ran.
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// Also write the run as a self-contained HTML page (what `flowexpr view` draws); `-`
    /// for standard output.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
    /// Start the built-in demo API on 127.0.0.1 and point the flow's apiBaseUrl, clientId,
    /// clientSecret and crmApiKey parameters at it (for examples/reconciliation).
    #[arg(long)]
    demo_server: bool,
}

fn pairs(list: &[String], what: &str) -> Result<Object, Failure> {
    let mut o = Object::new();
    for item in list {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--{what} wants NAME=VALUE, not '{item}'")))?;
        o.insert(k.trim(), Value::from(v));
    }
    Ok(o)
}

/// Runs the command.
pub(crate) fn run(args: RunArgs, out: &Output) -> Result<(), Failure> {
    let project = input::load_project(&args.flow).map_err(|e| Failure::Usage(input::describe_loaded(&e)))?;
    // What the export holds that is secret is hidden from here on: a message about the flow
    // may show one of its lines (a secure parameter's default).
    out.learn(&project.secrets());
    let chosen =
        project.flow(args.workflow.as_deref()).map_err(|e| Failure::Usage(e.message().to_string()))?;
    let name = chosen.file.clone();
    let flow: Workflow =
        chosen.workflow().map_err(|e| Failure::Usage(input::describe_in_flow(&name, &chosen.text, e)))?;
    let export =
        crate::project::run::Environment::new(&project, chosen).with_tags(&pairs(&args.tags, "tag")?);
    // And the placeholder connection key the run will hold.
    out.learn(&export.secrets);
    let mut parameters = Object::new();
    let demo = if args.demo_server {
        let server = workflow::demo::DemoServer::start()
            .map_err(|e| Failure::Usage(format!("cannot start the demo server: {e}")))?;
        out.stderr_line(&format!("demo API listening on {}", server.url()));
        parameters = server.parameters();
        Some(server)
    } else {
        None
    };
    if let Some((input, json)) = input::read_optional_json(args.parameters.as_deref(), "parameters file")? {
        let file = workflow::params::parameters_from_value(&json).map_err(|e| input.invalid(e))?;
        for (k, v) in &file {
            parameters.insert(k.clone(), v.clone());
        }
    }
    let trigger_body = match &args.trigger_body {
        None => None,
        Some(file) => {
            let text = super::read_input(file, "trigger body")?;
            Some(from_json_str(&text).unwrap_or_else(|_| Value::from(text)))
        }
    };
    let mocks = match input::read_optional_json(args.mocks.as_deref(), "mocks file")? {
        None => Mocks::none(),
        Some((input, json)) => Mocks::from_value(&json).map_err(|e| input.invalid(e))?,
    };
    let connections = match input::read_optional_json(args.connections.as_deref(), "connections file")? {
        None => None,
        Some((input, json)) => {
            let base = args
                .connections
                .as_deref()
                .filter(|p| !input::is_stdin(p))
                .and_then(Path::parent)
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let bindings = crate::project::connections_from_value(&project, &json, &base)
                .map_err(|e| input.invalid(e))?;
            Some(std::sync::Arc::new(bindings))
        }
    };
    let clock = match &args.clock {
        None => None,
        Some(c) => Some(parse_clock(c).map_err(|e| Failure::Usage(format!("--clock: {}", e.message())))?),
    };
    let options = RunOptions {
        parameters,
        environment: std::env::vars()
            .filter(|(k, _)| k.to_ascii_uppercase().starts_with(workflow::params::ENV_PREFIX))
            .collect(),
        trigger_body,
        trigger_headers: pairs(&args.trigger_headers, "trigger-header")?,
        trigger_queries: pairs(&args.trigger_queries, "trigger-query")?,
        mocks,
        clock,
        time_scale: args.time_scale,
        progress: true,
        workflow_name: chosen.name.clone(),
        transport: None,
        connections,
        export,
        stub_unmocked: args.stub_unmocked,
    };
    // A run that cannot start may still say why with a secret in it (a parameter's value).
    out.learn(&secure_parameters(&flow, &options));
    let runs = workflow::fire(&flow, options).map_err(|e| Failure::Usage(format!("{name}: {e:#}")))?;
    drop(demo);
    for finished in &runs {
        out.learn(&finished.secrets);
    }
    let split = flow.has_split_on();
    if runs.is_empty() {
        let hint = if args.stub_unmocked && args.trigger_body.is_none() {
            " (give the trigger's output with --trigger-body)"
        } else {
            ""
        };
        out.stderr_line(&format!("the trigger's splitOn expression gave no items; no run started{hint}"));
    }
    for (i, finished) in runs.iter().enumerate() {
        if split {
            out.stderr_line(&format!("── run {} of {} (splitOn item {i})", i + 1, runs.len()));
        }
        out.stderr(&finished.summary);
        // The caller's view: what a Response action sent.
        if let (Some(response), false) = (&finished.response, args.out.as_deref() == Some("-")) {
            print_json(out, response, false)?;
        }
    }
    // One run writes its record; a splitOn trigger writes the array of its runs' records.
    let record = match (split, runs.first()) {
        (false, Some(only)) => only.record.clone(),
        _ => Value::array(runs.iter().map(|r| r.record.clone()).collect()),
    };
    match args.out.as_deref() {
        None => {}
        Some("-") => print_json(out, &record, false)?,
        Some(path) => out
            .write_json_file(Path::new(path), &record)
            .map_err(|e| Failure::Usage(format!("cannot write the run record {path}: {e}")))?,
    }
    if let Some(path) = &args.html {
        let records = runs.iter().map(|r| r.record.clone()).collect();
        let page = crate::view::RunPage::new(records).with_workflow(&flow);
        super::view::write_page(out, path, &page.html(), "run view")?;
    }
    let not_succeeded: Vec<String> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != Status::Succeeded)
        .map(|(i, r)| {
            if split {
                format!("run {} ended {}", i + 1, r.status)
            } else {
                format!("the run ended {}", r.status)
            }
        })
        .collect();
    match (runs.is_empty(), not_succeeded.is_empty()) {
        (true, _) => Err(Failure::Failed("flowexpr: no run started".into())),
        (false, true) => Ok(()),
        (false, false) => Err(Failure::Failed(format!("flowexpr: {}", not_succeeded.join(", ")))),
    }
}

/// The values given for the flow's secure parameters (from files and the environment),
/// before the run resolves them: an error about one must not show it.
fn secure_parameters(flow: &Workflow, options: &RunOptions) -> crate::runtime::Redactor {
    let mut redactor = crate::runtime::Redactor::new();
    for name in flow.secure_parameter_names() {
        if let Some(v) = options.parameters.get_ci(name) {
            redactor.add_value(v);
        }
        let env = workflow::params::env_name(name);
        for (k, v) in &options.environment {
            if k.eq_ignore_ascii_case(&env) {
                redactor.add(v);
            }
        }
    }
    redactor
}
