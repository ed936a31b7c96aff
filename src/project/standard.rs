//! Logic Apps Standard projects: `host.json` at the root, one folder per workflow holding
//! `workflow.json`, and beside them `connections.json`, `parameters.json` and
//! `local.settings.json` (whose `Values` are the app settings). `@appsetting('X')` in
//! `parameters.json` (and in `connections.json`) is resolved against those app settings, as
//! the runtime does when it loads the app.

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::files::Tree;
use super::{Flow, Project, Shape};

/// A project or workflow folder on disk, if `path` is one.
pub(super) fn from_folder(path: &Path, origin: &str) -> Result<Option<Project>> {
    let has = |name: &str| path.join(name).is_file();
    if has("host.json") {
        return from_tree(&Tree::folder(path)?, origin);
    }
    if has("workflow.json") {
        // One workflow folder: the project around it gives its settings and siblings.
        if let Some(parent) = path.parent().filter(|p| p.join("host.json").is_file()) {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            if let Some(mut project) = from_tree(&Tree::folder(parent)?, origin)? {
                select(&mut project, &name);
                return Ok(Some(project));
            }
        }
        let tree = Tree::folder(path)?;
        let name = path
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
            .unwrap_or_else(|| "workflow".into());
        let flow = workflow_flow(&tree, "workflow.json", &name)?;
        return Ok(Some(project_of(origin, vec![flow], Object::new(), None)));
    }
    Ok(None)
}

/// `.../<name>/workflow.json` inside a project: the project, with that workflow first.
pub(super) fn from_workflow_file(path: &Path) -> Result<Option<Project>> {
    let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) else { return Ok(None) };
    if !folder.parent().is_some_and(|p| p.join("host.json").is_file()) {
        return Ok(None);
    }
    from_folder(folder, &path.display().to_string())
}

/// Keeps only the workflow `name` (its siblings stay callable as child flows).
fn select(project: &mut Project, name: &str) {
    let (chosen, others): (Vec<Flow>, Vec<Flow>) =
        project.flows.drain(..).partition(|f| f.name.eq_ignore_ascii_case(name));
    project.flows = chosen;
    project.siblings = others;
}

fn project_of(origin: &str, flows: Vec<Flow>, app_settings: Object, connections: Option<Value>) -> Project {
    Project { app_settings, connections, ..Project::of(origin, Shape::Standard, flows) }
}

fn workflow_flow(tree: &Tree, path: &str, name: &str) -> Result<Flow> {
    let (text, document) = tree.read_json(path)?;
    let file = tree.display(path);
    if !matches!(document.member("definition"), Some(Value::Object(_))) {
        let e = Error::new(
            ErrorKind::Definition,
            format!("{file}: a Standard workflow.json holds {{\"definition\": {{...}}, \"kind\": \"Stateful\"}}; this one has no \"definition\""),
        )
        .with_pointer("/definition");
        return Err(super::place(e, &file, &text));
    }
    let mut flow = super::flow_at(name, &file, &text, &document, "/definition", true);
    flow.ids.push(name.to_string());
    Ok(flow)
}

/// A project in a tree (a folder or a zip deployment package), if it is one.
pub(super) fn from_tree(tree: &Tree, origin: &str) -> Result<Option<Project>> {
    let Some(_) = tree.find("host.json") else { return Ok(None) };
    let mut workflow_files: Vec<&String> = tree
        .paths()
        .iter()
        .filter(|p| {
            let mut parts = p.split('/');
            matches!((parts.next(), parts.next(), parts.next()), (Some(_), Some(f), None) if f.eq_ignore_ascii_case("workflow.json"))
        })
        .collect();
    workflow_files.sort();
    if workflow_files.is_empty() {
        return Err(Error::new(
            ErrorKind::Definition,
            format!("{origin}: a Logic Apps Standard project (it has host.json) with no workflows: expected <workflow>/workflow.json folders beside host.json"),
        ));
    }
    let app_settings = match tree.find("local.settings.json") {
        Some(p) => settings(tree, p)?,
        None => Object::new(),
    };
    let parameters = match tree.find("parameters.json") {
        Some(p) => {
            let raw = crate::workflow::params::parameters_from_value(&tree.read_json(p)?.1).map_err(|e| {
                Error::new(ErrorKind::Definition, format!("{}: {}", tree.display(p), e.message()))
            })?;
            resolve_app_settings(&Value::Object(raw), &app_settings, &tree.display(p))?
        }
        None => Value::Object(Object::new()),
    };
    let connections = match tree.find("connections.json") {
        Some(p) => Some(resolve_app_settings(&tree.read_json(p)?.1, &app_settings, &tree.display(p))?),
        None => None,
    };
    let references = connections.as_ref().map(super::connections::standard_references).unwrap_or_default();
    let mut flows = Vec::new();
    for path in workflow_files {
        let name = path.split('/').next().unwrap_or_default().to_string();
        let mut flow = workflow_flow(tree, path, &name)?;
        if let Value::Object(p) = &parameters {
            flow.parameters = p.clone();
        }
        flow.references = references.clone();
        flows.push(flow);
    }
    Ok(Some(project_of(origin, flows, app_settings, connections)))
}

/// `local.settings.json`: `{"IsEncrypted": false, "Values": {"NAME": "value"}}`.
fn settings(tree: &Tree, path: &str) -> Result<Object> {
    let (_, value) = tree.read_json(path)?;
    match value.member("Values") {
        None | Some(Value::Null) => Ok(Object::new()),
        Some(Value::Object(values)) => Ok(values),
        Some(_) => Err(Error::new(
            ErrorKind::Definition,
            format!("{}: \"Values\" must be an object of app settings", tree.display(path)),
        )
        .with_pointer("/Values")),
    }
}

/// Resolves `@appsetting('X')` (whole strings and `@{appsetting('X')}` inside text) in a
/// document; other expressions stay as written, for the workflow to evaluate.
pub(crate) fn resolve_app_settings(value: &Value, app_settings: &Object, file: &str) -> Result<Value> {
    let engine = crate::Engine::new();
    let ctx = crate::RunContext { appsettings: app_settings.clone(), ..Default::default() };
    resolve_in(value, &engine, &ctx, file, &mut String::new())
}

fn resolve_in(
    value: &Value,
    engine: &crate::Engine,
    ctx: &crate::RunContext,
    file: &str,
    pointer: &mut String,
) -> Result<Value> {
    match value {
        Value::String(s)
            if s.to_ascii_lowercase().contains("appsetting(") && (s.starts_with('@') || s.contains("@{")) =>
        {
            engine.compile_template(s).and_then(|t| t.render(ctx)).map_err(|e| {
                Error::new(ErrorKind::Definition, format!("{file} at {pointer}: {}", e.message()))
                    .with_pointer(pointer.clone())
            })
        }
        Value::Object(o) => {
            let mut out = Object::new();
            for (k, v) in o {
                let len = pointer.len();
                pointer.push('/');
                crate::template::push_pointer_token(pointer, k);
                out.insert(k.clone(), resolve_in(v, engine, ctx, file, pointer)?);
                pointer.truncate(len);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                out.push(resolve_in(v, engine, ctx, file, pointer)?);
                pointer.truncate(len);
            }
            Ok(Value::array(out))
        }
        other => Ok(other.clone()),
    }
}
