//! `flowexpr view`: one self-contained HTML page of a run.

use std::path::{Path, PathBuf};

use super::input::{self, Input};
use super::Failure;
use crate::runtime::Output;
use crate::view::{read_runs, RunPage};
use crate::workflow::Workflow;

/// The options of `flowexpr view`.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// The run: a record from `flowexpr run --out` (one run, or the array of a splitOn
    /// trigger's runs), or a run exported from Logic Apps / Power Automate run history: the
    /// run's JSON, its actions list and any repetition lists, as the management API gives
    /// them, one file each. `-` reads a record from standard input.
    #[arg(required = true, value_name = "RUN")]
    files: Vec<PathBuf>,
    /// The flow that ran (definition, export or project, as `flowexpr run` takes it): the
    /// page then lays the actions out as the designer does, with their runAfter edges.
    /// Without it the layout is guessed from the record.
    #[arg(long, value_name = "FLOW")]
    flow: Option<PathBuf>,
    /// Which flow of --flow, by name or display name, when it holds several.
    #[arg(long, value_name = "NAME", requires = "flow")]
    workflow: Option<String>,
    /// Where to write the page; `-` for standard output. By default the run's file name
    /// with `.html` (standard output when the run comes from standard input).
    #[arg(long, short, value_name = "FILE.html")]
    out: Option<PathBuf>,
}

/// Loads one flow as `flowexpr run` does (through the project loader); `out` learns what
/// the export holds that is secret.
pub(super) fn load_workflow(out: &Output, path: &Path, name: Option<&str>) -> Result<Workflow, Failure> {
    let project = input::load_project(path).map_err(|e| Failure::Usage(input::describe_loaded(&e)))?;
    out.learn(&project.secrets());
    let chosen = project.flow(name).map_err(|e| Failure::Usage(e.message().to_string()))?;
    chosen.workflow().map_err(|e| Failure::Usage(input::describe_in_flow(&chosen.file, &chosen.text, e)))
}

/// Writes a page, telling standard error where it went (unless it went to standard output).
pub(super) fn write_page(out: &Output, path: &Path, html: &str, what: &str) -> Result<(), Failure> {
    input::write_output(out, path, html, what)?;
    if !input::is_stdin(path) {
        out.stderr_line(&format!("wrote the {what} {} ({} KB)", path.display(), html.len().div_ceil(1024)));
    }
    Ok(())
}

pub(super) fn run(args: ViewArgs, sink: &Output) -> Result<(), Failure> {
    let mut inputs: Vec<Input> = Vec::new();
    let mut files = Vec::new();
    for path in &args.files {
        // A record nests its values inside its own levels, as `run --out` writes it.
        let (input, json) = Input::read_json_nested(path, "run record", crate::value::MAX_RECORD_DEPTH)?;
        files.push((input.name.clone(), json));
        inputs.push(input);
    }
    let runs = read_runs(&files).map_err(|e| match inputs.as_slice() {
        [only] => only.invalid(e),
        _ => Failure::Usage(e.message().to_string()),
    })?;
    let mut page = RunPage::new(runs);
    if let Some(flow) = &args.flow {
        page = page.with_workflow(&load_workflow(sink, flow, args.workflow.as_deref())?);
    }
    let Some(first) = args.files.first() else {
        return Err(Failure::Usage("give the run to view".into()));
    };
    let out = args.out.clone().unwrap_or_else(|| {
        if input::is_stdin(first) {
            PathBuf::from("-")
        } else {
            first.with_extension("html")
        }
    });
    if !input::is_stdin(&out) && args.files.iter().any(|f| f == &out) {
        return Err(Failure::Usage(format!("the page would overwrite the run {}; give -o", out.display())));
    }
    write_page(sink, &out, &page.html(), "run view")
}
