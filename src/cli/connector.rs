//! `flowexpr connector ...`: list, call (or dry-run), check and sweep custom connectors.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::input::{is_stdin, Input};
use super::{print_json, read_input, write_stdout, Failure};
use std::sync::{Arc, Mutex};

use crate::connector::cases::{self, CaseBackend, TestFile};
use crate::connector::check;
use crate::connector::load::LoadOptions;
use crate::connector::request::CallInput;
use crate::connector::request::HttpRequest;
use crate::connector::send::CallOptions;
use crate::connector::send::HttpResponse;
use crate::connector::sweep;
use crate::connector::{BoundConnection, Connection, Connector};
use crate::flowtest::junit::{self, SuiteResult};
use crate::value::{Binary, Object, Value};

/// The `connector` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// List a connector's operations (with their parameters), connection parameters,
    /// authentication and policies.
    #[command(after_help = super::examples::CONNECTOR_LIST)]
    List {
        /// The connector folder (or its apiDefinition.swagger.json).
        path: PathBuf,
        /// A connection file, to show the authentication it gives; `-`: standard input.
        #[arg(long, value_name = "FILE")]
        connection: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call an operation (or, with --dry-run, print the request it would send, secrets
    /// redacted).
    ///
    /// Exit code 1 when the response status is 400 or more.
    #[command(after_help = super::examples::CONNECTOR_CALL)]
    Call {
        /// The connector folder (or its apiDefinition.swagger.json).
        path: PathBuf,
        /// The operationId.
        operation: String,
        /// The connection file (parameter values, OAuth tokens; `{"env": "NAME"}` reads a
        /// variable; a missing parameter comes from FLOWEXPR_CONN_ and its name in capitals);
        /// `-`: standard input.
        #[arg(long, value_name = "FILE")]
        connection: Option<PathBuf>,
        /// A parameter: `name=value`; `name=@path` reads a file (file parameters send it
        /// with its name); arrays as `a,b` or JSON.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// The request body (JSON; `-` for standard input).
        #[arg(long, value_name = "FILE")]
        body: Option<String>,
        /// Print the request instead of sending it.
        #[arg(long)]
        dry_run: bool,
        /// Follow x-ms-pageable next links and return every page's items.
        #[arg(long)]
        paginate: bool,
        /// Mock responses by operationId (JSON: {"OpId": {"statusCode", "headers", "body"}});
        /// `-`: standard input.
        #[arg(long, value_name = "FILE")]
        mock: Option<PathBuf>,
        /// A polling trigger's state file: read before the poll, written after it.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Print compact JSON.
        #[arg(long)]
        compact: bool,
    },
    /// Validate a connector's files: every finding with file, JSON pointer, line and column.
    ///
    /// Exit code 1 when there are errors; 2 when the connector cannot be loaded at all.
    #[command(after_help = super::examples::CONNECTOR_CHECK)]
    Check {
        /// The connector folder (or its apiDefinition.swagger.json).
        path: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a connector's test cases (`{"name", "action", "parameters", "backend",
    /// "expected_request", "expected_result"}`) against a loopback server that answers what
    /// each case's `backend` says.
    ///
    /// Exit code 1 when a case fails.
    #[command(after_help = super::examples::CONNECTOR_TEST)]
    Test {
        /// The connector folder (or its apiDefinition.swagger.json).
        path: PathBuf,
        /// The test file (default: tests.json in the connector folder); `-`: standard input.
        #[arg(long, value_name = "FILE")]
        cases: Option<PathBuf>,
        /// Also write a JUnit XML report; `-` writes it to standard output (and the results
        /// to standard error).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Load every connector folder under a directory and build a dry-run request for every
    /// operation from defaults and placeholder values; print the counts.
    #[command(after_help = super::examples::CONNECTOR_SWEEP)]
    Sweep {
        /// The directory of connector folders.
        dir: PathBuf,
        /// List every failing operation.
        #[arg(long)]
        details: bool,
    },
}

/// Loads a connector folder; one that cannot be read or loaded is a usage error (exit 2),
/// as for every other file argument.
fn load(path: &Path, positions: bool) -> Result<Connector, Failure> {
    Connector::load_with(path, LoadOptions { positions }).map_err(|e| Failure::Usage(e.to_string()))
}

fn bind(connector: &Connector, connection: Option<&Path>) -> Result<BoundConnection, Failure> {
    let c = match connection {
        Some(p) if is_stdin(p) => {
            let input = Input::read(p, "connection file")?;
            Connection::from_json_str(&input.text).map_err(|e| input.invalid(e))?
        }
        Some(p) => Connection::load(p).map_err(|e| Failure::Usage(e.to_string()))?,
        None => Connection::new(),
    };
    c.bind(connector).map_err(|e| Failure::Usage(e.to_string()))
}

/// Runs a `connector` subcommand.
pub(crate) fn run(command: ConnectorCommand) -> Result<(), Failure> {
    match command {
        ConnectorCommand::List { path, connection, json } => list(&path, connection.as_deref(), json),
        ConnectorCommand::Call {
            path,
            operation,
            connection,
            params,
            body,
            dry_run,
            paginate,
            mock,
            state,
            compact,
        } => {
            let connector = load(&path, false)?;
            let bound = bind(&connector, connection.as_deref())?;
            let op = connector.require_operation(&operation).map_err(|e| Failure::Usage(e.to_string()))?;
            let mut input = CallInput::new();
            for p in &params {
                let (name, value) = p
                    .split_once('=')
                    .ok_or_else(|| Failure::Usage(format!("--param {p}: write name=value")))?;
                let is_file = op.parameter(name).is_some_and(|q| q.ty == "file");
                let value = match value.strip_prefix('@') {
                    Some(rest) if rest.starts_with('@') => Value::from(rest),
                    Some(file) => {
                        let bytes = std::fs::read(file).map_err(|e| {
                            Failure::Usage(format!("--param {name}: cannot read {file}: {e}"))
                        })?;
                        if is_file {
                            let file_name = Path::new(file)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            input.file_names.push((name.to_string(), file_name));
                            Value::binary(Binary::new(content_type_for(file), bytes))
                        } else {
                            Value::from(String::from_utf8_lossy(&bytes).into_owned())
                        }
                    }
                    None => Value::from(value),
                };
                input.parameters.insert(name, value);
            }
            if let Some(body) = body {
                let text = read_input(&body, "request body")?;
                let value = crate::value::from_json_str(&text).unwrap_or_else(|_| Value::from(text));
                input.body = Some(value);
            }
            if dry_run {
                let dry = connector
                    .dry_run(&op.id, &bound, &input)
                    .map_err(|e| Failure::Failed(format!("{e:#}")))?;
                return print_json(&dry.to_value(), compact);
            }
            let mut options = CallOptions { paginate, ..CallOptions::default() };
            if let Some(m) = mock {
                let (input, value) = Input::read_json(&m, "mocks file")?;
                options.mocks = value.as_object().cloned().ok_or_else(|| {
                    Failure::Usage(format!(
                        "{}: mocks must be an object of operationId → response",
                        input.name
                    ))
                })?;
            }
            if let Some(s) = &state {
                if let Ok(text) = std::fs::read_to_string(s) {
                    options.poll_state = crate::value::from_json_str(&text).ok();
                }
            }
            let outcome = connector
                .call(&op.id, &bound, &input, &options)
                .map_err(|e| Failure::Failed(format!("{e:#}")))?;
            if let (Some(s), Some(poll)) = (&state, &outcome.poll) {
                std::fs::write(s, crate::value::to_json_string_pretty(&poll.state))
                    .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", s.display())))?;
            }
            for note in &outcome.notes {
                eprintln!("note: {}", bound.redact(note));
            }
            let mut out = outcome.outputs();
            if let (Some(poll), Value::Object(o)) = (&outcome.poll, &mut out) {
                o.insert("items", Value::array(poll.items.clone()));
            }
            print_json(&out, compact)?;
            if outcome.succeeded() {
                Ok(())
            } else {
                Err(Failure::Failed(format!("{} answered {}", op.id, outcome.status)))
            }
        }
        ConnectorCommand::Check { path, json } => {
            let connector = load(&path, true)?;
            let findings = check::check(&connector);
            if json {
                let items: Vec<Value> = findings
                    .iter()
                    .map(|f| {
                        let mut o = Object::new();
                        o.insert("severity", Value::from(f.severity.name()));
                        o.insert("file", Value::from(f.file.as_str()));
                        o.insert("pointer", Value::from(f.pointer.as_str()));
                        if let Some((l, c)) = f.line_col {
                            o.insert("line", Value::from(l));
                            o.insert("column", Value::from(c));
                        }
                        o.insert("message", Value::from(f.message.as_str()));
                        Value::Object(o)
                    })
                    .collect();
                print_json(&Value::array(items), false)?;
            } else {
                write_stdout(&check::render(&findings))?;
            }
            if findings.iter().any(|f| f.severity == crate::connector::Severity::Error) {
                Err(Failure::Failed("check found errors".into()))
            } else {
                Ok(())
            }
        }
        ConnectorCommand::Test { path, cases, junit } => run_tests(&path, cases.as_deref(), junit.as_deref()),
        ConnectorCommand::Sweep { dir, details } => {
            let report = sweep::sweep(&dir)
                .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", dir.display())))?;
            write_stdout(&report.render(details))
        }
    }
}

fn content_type_for(file: &str) -> &'static str {
    let ext =
        Path::new(file).extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

fn list(path: &Path, connection: Option<&Path>, json: bool) -> Result<(), Failure> {
    let connector = load(path, false)?;
    let bound = match connection {
        Some(_) => bind(&connector, connection)?,
        None => sweep::placeholder_connection(&connector)
            .bind(&connector)
            .map_err(|e| Failure::Usage(e.to_string()))?,
    };
    let value = describe(&connector, &bound);
    if json {
        return print_json(&value, false);
    }
    let mut out = String::new();
    out.push_str(&format!("{} ({})\n", connector.title, connector.name));
    out.push_str(&format!("base URL: {}\n", connector.base_url()));
    out.push_str(&format!("auth: {}\n", bound.auth.describe()));
    let props = &connector.properties;
    if !props.connection_parameters.is_empty() || !props.parameter_sets.is_empty() {
        out.push_str("connection parameters:\n");
        let mut show = |set: Option<&str>, params: &[crate::connector::ConnectionParameter]| {
            for p in params {
                let set = set.map(|s| format!(" [set {s}]")).unwrap_or_default();
                let required = if p.required { " required" } else { "" };
                let default = p.default.as_ref().map(|d| format!(" default {d:?}")).unwrap_or_default();
                let label = p.display_name.as_ref().map(|d| format!(" — {d}")).unwrap_or_default();
                out.push_str(&format!("  {} ({}){required}{default}{set}{label}\n", p.name, p.type_name()));
            }
        };
        show(None, &props.connection_parameters);
        for s in &props.parameter_sets {
            show(Some(&s.name), &s.parameters);
        }
    }
    out.push_str(&format!("operations ({}):\n", connector.operations.len()));
    for op in &connector.operations {
        let mut flags = Vec::new();
        if op.trigger.is_some() {
            flags.push("trigger");
        }
        if op.pageable.is_some() {
            flags.push("pageable");
        }
        if op.deprecated {
            flags.push("deprecated");
        }
        if connector.is_scripted(&op.id) {
            flags.push("script.csx");
        }
        let flags = if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) };
        let summary = op.summary.as_ref().map(|s| format!(" — {s}")).unwrap_or_default();
        out.push_str(&format!("  {} {} {}{flags}{summary}\n", op.id, op.method, op.path));
        for p in &op.parameters {
            let required = if p.required { "required" } else { "optional" };
            let internal = if p.is_internal() { ", internal" } else { "" };
            let default = p
                .default
                .as_ref()
                .map(|d| format!(", default {}", crate::value::to_json_string(d)))
                .unwrap_or_default();
            let ty = if p.ty.is_empty() { "any" } else { p.ty.as_str() };
            out.push_str(&format!(
                "      {} {} ({ty}, {required}{internal}{default})\n",
                p.location.name(),
                p.name
            ));
        }
        for problem in &op.problems {
            out.push_str(&format!("      ! {}: {}\n", problem.pointer, problem.message));
        }
    }
    if !props.policies.is_empty() {
        out.push_str("policies:\n");
        for p in &props.policies {
            let ops = match &p.operations {
                None => "all operations".to_string(),
                Some(list) => list.join(", "),
            };
            out.push_str(&format!("  {} \"{}\" ({:?}): {ops}\n", p.template_id, p.title, p.section));
        }
    }
    write_stdout(&out)
}

/// The connector as JSON for `connector list --json`.
fn describe(connector: &Connector, bound: &BoundConnection) -> Value {
    let s = |t: &str| Value::from(t);
    let mut o = Object::new();
    o.insert("name", s(&connector.name));
    o.insert("title", s(&connector.title));
    o.insert("baseUrl", s(&connector.base_url()));
    o.insert("auth", s(&bound.auth.describe()));
    let params = |list: &[crate::connector::ConnectionParameter]| {
        Value::array(
            list.iter()
                .map(|p| {
                    let mut x = Object::new();
                    x.insert("name", s(&p.name));
                    x.insert("type", s(p.type_name()));
                    x.insert("required", Value::Bool(p.required));
                    if let Some(d) = &p.default {
                        x.insert("default", s(d));
                    }
                    Value::Object(x)
                })
                .collect(),
        )
    };
    o.insert("connectionParameters", params(&connector.properties.connection_parameters));
    if !connector.properties.parameter_sets.is_empty() {
        let mut sets = Object::new();
        for set in &connector.properties.parameter_sets {
            sets.insert(set.name.as_str(), params(&set.parameters));
        }
        o.insert("parameterSets", Value::Object(sets));
    }
    let ops: Vec<Value> = connector
        .operations
        .iter()
        .map(|op| {
            let mut x = Object::new();
            x.insert("operationId", s(&op.id));
            x.insert("method", s(&op.method));
            x.insert("path", s(&op.path));
            if let Some(summary) = &op.summary {
                x.insert("summary", s(summary));
            }
            let ps: Vec<Value> = op
                .parameters
                .iter()
                .map(|p| {
                    let mut y = Object::new();
                    y.insert("name", s(&p.name));
                    y.insert("in", s(p.location.name()));
                    y.insert("type", s(&p.ty));
                    y.insert("required", Value::Bool(p.required));
                    y.insert("internal", Value::Bool(p.is_internal()));
                    if let Some(d) = &p.default {
                        y.insert("default", d.clone());
                    }
                    Value::Object(y)
                })
                .collect();
            x.insert("parameters", Value::array(ps));
            if let Some(p) = &op.pageable {
                x.insert("nextLinkName", s(&p.next_link_name));
            }
            if let Some(t) = &op.trigger {
                x.insert("trigger", s(t));
            }
            x.insert("scripted", Value::Bool(connector.is_scripted(&op.id)));
            Value::Object(x)
        })
        .collect();
    o.insert("operations", Value::array(ops));
    let policies: Vec<Value> = connector
        .properties
        .policies
        .iter()
        .map(|p| {
            let mut x = Object::new();
            x.insert("templateId", s(&p.template_id));
            x.insert("title", s(&p.title));
            x.insert("section", s(&format!("{:?}", p.section)));
            if let Some(list) = &p.operations {
                x.insert("operations", Value::array(list.iter().map(|i| s(i)).collect()));
            }
            Value::Object(x)
        })
        .collect();
    o.insert("policies", Value::array(policies));
    Value::Object(o)
}

fn run_tests(path: &Path, cases: Option<&Path>, junit: Option<&Path>) -> Result<(), Failure> {
    let connector = load(path, false)?;
    let file = match cases {
        Some(f) => f.to_path_buf(),
        None => connector.dir.clone().unwrap_or_else(|| PathBuf::from(".")).join("tests.json"),
    };
    let tests = if is_stdin(&file) {
        let (input, value) = Input::read_json(&file, "test file")?;
        TestFile::from_value(&value).map_err(|e| input.invalid(e))?
    } else {
        TestFile::load(&file).map_err(|e| Failure::Usage(format!("{e:#}")))?
    };
    let backend = LoopbackBackend::start().map_err(Failure::Usage)?;
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let results = cases::run(&connector, &tests, &backend).map_err(|e| Failure::Failed(format!("{e:#}")))?;
    let mut out = String::new();
    for r in &results {
        match &r.failure {
            None => out.push_str(&format!("ok      {}\n", r.name)),
            Some((_, details)) => {
                out.push_str(&format!("FAILED  {}\n", r.name));
                for line in details.lines() {
                    out.push_str(&format!("        {line}\n"));
                }
            }
        }
    }
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    out.push_str(&format!("{} passed, {failed} failed\n", results.len() - failed));
    if junit.is_some_and(is_stdin) {
        eprint!("{out}");
    } else {
        write_stdout(&out)?;
    }
    if let Some(j) = junit {
        let suite = SuiteResult { name: file.display().to_string(), timestamp, cases: results };
        super::input::write_output(j, &junit::write(&[suite]), "JUnit report")?;
    }
    if failed > 0 {
        Err(Failure::Failed(format!("{failed} case(s) failed")))
    } else {
        Ok(())
    }
}

type Replies = Arc<Mutex<(Vec<HttpResponse>, usize)>>;

/// A loopback HTTP server that answers with the responses it is given, in turn, and
/// records the requests it receives: the stand-in backend of `connector test`.
pub struct LoopbackBackend {
    origin: String,
    replies: Replies,
    log: Arc<Mutex<Vec<HttpRequest>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LoopbackBackend {
    /// Listens on 127.0.0.1 (a free port).
    pub fn start() -> Result<LoopbackBackend, String> {
        let server = Arc::new(
            tiny_http::Server::http("127.0.0.1:0").map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?,
        );
        let origin = match server.server_addr().to_ip() {
            Some(addr) => format!("http://{addr}"),
            None => return Err("the loopback server has no IP address".into()),
        };
        let replies: Replies = Arc::new(Mutex::new((Vec::new(), 0)));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (s, r, l) = (Arc::clone(&server), Arc::clone(&replies), Arc::clone(&log));
        let thread = std::thread::spawn(move || {
            while let Ok(mut request) = s.recv() {
                let mut body = Vec::new();
                let _ = std::io::Read::read_to_end(request.as_reader(), &mut body);
                let recorded = HttpRequest {
                    method: request.method().as_str().to_string(),
                    url: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                        .collect(),
                    body,
                };
                if let Ok(mut log) = l.lock() {
                    log.push(recorded);
                }
                let reply = match r.lock() {
                    Ok(mut guard) => {
                        let (list, next) = &mut *guard;
                        let i = (*next).min(list.len().saturating_sub(1));
                        *next += 1;
                        list.get(i).cloned()
                    }
                    Err(_) => None,
                };
                let reply = reply.unwrap_or_else(|| HttpResponse {
                    status: 501,
                    headers: vec![("Content-Type".into(), "text/plain".into())],
                    body: b"the test case gives no backend response".to_vec(),
                });
                let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                for (k, v) in reply.headers {
                    if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                        response.add_header(h);
                    }
                }
                let _ = request.respond(response);
            }
        });
        Ok(LoopbackBackend { origin, replies, log, server, thread: Some(thread) })
    }
}

impl CaseBackend for LoopbackBackend {
    fn origin(&self) -> String {
        self.origin.clone()
    }

    fn prepare(&self, replies: Vec<HttpResponse>) {
        if let Ok(mut guard) = self.replies.lock() {
            *guard = (replies, 0);
        }
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
    }

    fn received(&self) -> Vec<HttpRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for LoopbackBackend {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
