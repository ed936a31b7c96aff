//! `flowexpr http`: run Http actions from files.
//!
//! Each file holds one action — `{"type": "Http", "inputs": {...}, ...}`, the bare inputs
//! `{"method", "uri", ...}`, or one action under its name `{"HTTP_Get_Token": {...}}`. The
//! action is named by that key, else by the file's stem. Several files run in order, each
//! record added to the run context of the next, so `@body('HTTP_Get_Token')` in the second
//! reads the first's answer; the run stops at the first action that does not succeed.
//!
//! The run context may say which parameters are secret, as a definition's parameter types
//! do: `"parameterTypes": {"apiKey": "securestring"}`. Their values are redacted everywhere.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::input::Input;
use super::{print_json, read_context, Failure};
use crate::runtime::{HttpAction, HttpRuntime, Redactor};
use crate::value::{Object, Value};

/// Arguments of `flowexpr http`.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Action definition files (JSON), run in order; one of them may be `-` (standard input).
    #[arg(required = true, value_name = "ACTION.json")]
    actions: Vec<PathBuf>,
    /// A run context (JSON): parameters, variables, trigger, actions, clock, and
    /// `parameterTypes` marking `securestring` / `secureobject` parameters; `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    context: Option<PathBuf>,
    /// The time `utcNow()` returns (RFC 3339); overrides the context's clock.
    #[arg(long, value_name = "RFC3339")]
    clock: Option<String>,
    /// Multiply every wait (retry intervals, Retry-After, polling intervals) by F.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    time_scale: f64,
    /// Print the rendered request (method, URL, headers with secrets redacted, body) and
    /// send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Log each attempt and wait to standard error.
    #[arg(long, short)]
    verbose: bool,
    /// Seed the random intervals of exponential retry policies.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

/// Runs `flowexpr http`. Exit codes: 0 every action succeeded, 1 one failed or timed out,
/// 2 a definition, the context or the options are not valid.
pub(crate) fn run(args: HttpArgs) -> Result<(), Failure> {
    let (mut ctx, context_json) = read_context(args.context.as_deref(), args.clock.as_deref())?;
    let secrets = secure_parameters(&context_json, &ctx)?;
    let mut actions = Vec::with_capacity(args.actions.len());
    for path in &args.actions {
        actions.push(read_action(path)?);
    }
    let mut runtime = HttpRuntime::new()
        .with_time_scale(args.time_scale)
        .map_err(|e| Failure::Usage(format!("--time-scale: {}", e.message())))?;
    runtime = runtime.with_secrets(secrets);
    if let Some(seed) = args.seed {
        runtime = runtime.with_seed(seed);
    }
    if args.verbose {
        runtime = runtime.with_logger(Arc::new(|line: &str| eprintln!("{line}")));
    }
    let single = actions.len() == 1;
    let mut printed = Object::new();
    let mut failed = None;
    for action in &actions {
        if args.dry_run {
            match runtime.dry_run(action, &ctx) {
                Ok(request) => printed.insert(action.name(), request),
                Err(e) => {
                    failed = Some(format!("{}: {e}", action.name()));
                    break;
                }
            }
            continue;
        }
        let record = runtime.execute(action, &ctx);
        printed.insert(action.name(), record.to_value());
        ctx.actions.insert(action.name(), record.to_context_value());
        if action.secure_outputs {
            if let Some(body) = record.body() {
                runtime.add_secret_strings(body);
            }
        }
        if !record.succeeded() {
            let message = record
                .error
                .as_ref()
                .map(|e| format!(": {}: {}", e.code, record.redactor.redact_text(&e.message)));
            failed = Some(format!("{}: {}{}", action.name(), record.status, message.unwrap_or_default()));
            break;
        }
    }
    let output = if single {
        printed.get_index(0).map(|(_, v)| v.clone()).unwrap_or_default()
    } else {
        Value::Object(printed)
    };
    if !output.is_null() || !single {
        print_json(&output, false)?;
    }
    match failed {
        Some(message) => Err(Failure::Failed(message)),
        None => Ok(()),
    }
}

fn read_action(path: &Path) -> Result<HttpAction, Failure> {
    let (input, document) = Input::read_json(path, "action")?;
    let stem = match path.file_stem() {
        Some(stem) if !super::input::is_stdin(path) => stem.to_string_lossy().into_owned(),
        _ => "HTTP".to_string(),
    };
    HttpAction::from_document(&stem, &document).map_err(|e| input.invalid(e))
}

/// The values of the parameters the context's `parameterTypes` marks `securestring` or
/// `secureobject`.
fn secure_parameters(context: &Value, ctx: &crate::RunContext) -> Result<Redactor, Failure> {
    let mut redactor = Redactor::new();
    let Some(types) = context.member("parameterTypes") else { return Ok(redactor) };
    let Some(types) = types.as_object() else {
        return Err(Failure::Usage(
            "the run context's \"parameterTypes\" must be an object of parameter names and types".into(),
        ));
    };
    for (name, ty) in types {
        let secure = ty.as_str().is_some_and(|t| {
            t.eq_ignore_ascii_case("securestring") || t.eq_ignore_ascii_case("secureobject")
        });
        if secure {
            if let Some(value) = ctx.parameters.get_ci(name) {
                redactor.add_value(value);
            }
        }
    }
    Ok(redactor)
}
