//! One loader for every shape people hold their flows in, used by `check`, `run` and `test`
//! alike:
//!
//! | shape | what it looks like |
//! |---|---|
//! | a bare definition | `{"triggers", "actions", ...}` |
//! | a wrapped definition | `{"definition": {...}}` (Standard's `workflow.json`) |
//! | an ARM template | `{"resources": [{"type": "Microsoft.Logic/workflows", "properties": {"definition"}}]}` |
//! | an exported flow file | `{"properties": {"definition", "connectionReferences", "displayName"}}` |
//! | a Power Automate package | `.zip` or folder: `manifest.json`, `Microsoft.Flow/flows/<guid>/definition.json`, `apisMap.json`, `connectionsMap.json` |
//! | a solution | `.zip` or folder: `solution.xml`, `customizations.xml`, `Workflows/*.json`, `Connector/*`, `environmentvariabledefinitions/*` |
//! | a Logic Apps Standard project | `host.json`, `<workflow>/workflow.json`, `connections.json`, `parameters.json`, `local.settings.json` |
//! | a folder of any of these | each `.zip` and sub-folder that is one |
//!
//! A [`Flow`] keeps the text of the file that holds its definition and the JSON pointer of
//! the definition in it, so every finding and load error points into the export as given
//! (`pkg.zip!/Microsoft.Flow/flows/<guid>/definition.json:12:7 at /properties/definition/...`).
//! Anything else is an error that says what was expected: the loader never returns an
//! empty project.

mod check;
mod connections;
mod files;
mod powerautomate;
pub mod run;
mod standard;
mod xml;

pub use check::check_flow;
pub use connections::{connections_from_value, load_connections};

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use files::Tree;
pub use files::{MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES};

/// What kind of thing was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A bare definition, or one wrapped in `{"definition": ...}`.
    Definition,
    /// An ARM template with `Microsoft.Logic/workflows` resources.
    ArmTemplate,
    /// One exported flow file: `{"properties": {"definition": ...}}`.
    ExportedFlow,
    /// A Power Automate package (legacy export): `manifest.json` and `Microsoft.Flow/flows/`.
    Package,
    /// A Power Platform solution: `Workflows/*.json` and `customizations.xml`.
    Solution,
    /// A Logic Apps Standard project (or one workflow folder of it).
    Standard,
    /// A folder holding several exports.
    Collection,
}

impl Shape {
    /// How the shape is named in messages.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Definition => "workflow definition",
            Shape::ArmTemplate => "ARM template",
            Shape::ExportedFlow => "exported flow",
            Shape::Package => "Power Automate package",
            Shape::Solution => "solution",
            Shape::Standard => "Logic Apps Standard project",
            Shape::Collection => "folder of exports",
        }
    }
}

/// A connection reference of a flow: what the `$connections` key or the
/// `host.connectionName` of its actions stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionReference {
    /// The key actions use (`shared_sharepointonline`, `shared_sharepointonline_1`).
    pub key: String,
    /// The connector's API name (`shared_sharepointonline`).
    pub api: String,
    /// The connection's name, when the export names it.
    pub connection: Option<String>,
    /// A solution's connection reference logical name.
    pub logical_name: Option<String>,
}

/// A custom connector shipped in a solution (`Connector/<name>_openapidefinition.json`).
#[derive(Debug, Clone)]
pub struct SolutionConnector {
    /// The file-name prefix (the connector's logical name).
    pub name: String,
    /// The API names connection references use for it (from `customizations.xml`).
    pub api_names: Vec<String>,
    /// The definition file, as named in messages.
    pub file: String,
    /// The connector, loaded through the connector loader, or why it does not load.
    pub connector: std::result::Result<std::sync::Arc<crate::connector::load::Connector>, String>,
}

/// One flow of an export.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Its name: the workflow folder (Standard), the solution's workflow file stem, the
    /// package's flow id, or the file stem.
    pub name: String,
    /// Its display name, when the export has one.
    pub display_name: Option<String>,
    /// The file that holds the definition, as named in messages (`x.zip!/path`).
    pub file: String,
    /// That file's text.
    pub text: String,
    /// That file's JSON.
    pub document: Value,
    /// The JSON pointer of the definition in `document` (`""`, `/definition`,
    /// `/properties/definition`, `/resources/0/properties/definition`).
    pub pointer: String,
    /// Is it a Standard workflow (one trigger, `parameters.json`)?
    pub standard: bool,
    /// Its connection references.
    pub references: Vec<ConnectionReference>,
    /// Parameter values the export supplies: a Standard project's `parameters.json`
    /// (app settings resolved), an ARM template's values, solution environment variables.
    pub parameters: Object,
    /// `workflow().tags`: `flowDisplayName`, `environmentName`, ... as far as the export
    /// tells them.
    pub tags: Object,
    /// Ids other flows call it by (a solution's workflow id, a package's flow id).
    pub ids: Vec<String>,
}

impl Flow {
    /// The definition itself.
    pub fn definition(&self) -> Value {
        pointer_get(&self.document, &self.pointer).unwrap_or_default()
    }

    /// Does `wanted` name this flow (its name, display name or an id, without regard to case)?
    pub fn is_named(&self, wanted: &str) -> bool {
        let w = wanted.trim();
        self.name.eq_ignore_ascii_case(w)
            || self.display_name.as_deref().is_some_and(|d| d.trim().eq_ignore_ascii_case(w))
            || self
                .ids
                .iter()
                .any(|id| id.trim_matches(['{', '}']).eq_ignore_ascii_case(w.trim_matches(['{', '}'])))
    }

    /// The name as listed: `name` or `name (Display Name)`.
    pub fn label(&self) -> String {
        match &self.display_name {
            Some(d) if !d.eq_ignore_ascii_case(&self.name) => format!("{} ({d})", self.name),
            _ => self.name.clone(),
        }
    }
}

/// What was loaded: one or more flows and what they share.
#[derive(Debug, Clone)]
pub struct Project {
    /// The path as given.
    pub origin: String,
    /// What it is.
    pub shape: Shape,
    /// The flows, in a stable order.
    pub flows: Vec<Flow>,
    /// A Standard project's app settings (`local.settings.json` `Values`).
    pub app_settings: Object,
    /// A Standard project's `connections.json`.
    pub connections: Option<Value>,
    /// A solution's custom connectors.
    pub connectors: Vec<SolutionConnector>,
    /// Flows that are not checked or run but can be called as child flows (the other
    /// workflows of a Standard project when one workflow folder was given).
    pub siblings: Vec<Flow>,
    /// What was left out, and why (files of a folder of exports that are not exports).
    pub notes: Vec<String>,
}

impl Project {
    /// A project of `flows` and nothing else (no settings, connectors, siblings or notes).
    pub(crate) fn of(origin: &str, shape: Shape, flows: Vec<Flow>) -> Project {
        Project {
            origin: origin.to_string(),
            shape,
            flows,
            app_settings: Object::new(),
            connections: None,
            connectors: Vec::new(),
            siblings: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The flow `name` names (name, display name or id), or an error listing the flows.
    pub fn flow(&self, name: Option<&str>) -> Result<&Flow> {
        match (name, self.flows.as_slice()) {
            (None, [only]) => Ok(only),
            (None, _) => Err(Error::new(
                ErrorKind::Definition,
                format!(
                    "{} holds {} flows; name one with --workflow NAME: {}",
                    self.origin,
                    self.flows.len(),
                    self.names()
                ),
            )),
            (Some(wanted), flows) => flows.iter().find(|f| f.is_named(wanted)).ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("{} has no flow named '{wanted}'; its flows are: {}", self.origin, self.names()),
                )
            }),
        }
    }

    fn names(&self) -> String {
        self.flows.iter().map(Flow::label).collect::<Vec<_>>().join(", ")
    }

    /// The flow another flow's `Workflow` action calls: by id (the last segment of
    /// `host.workflow.id`, with or without braces) or by name.
    pub fn child(&self, id: &str) -> Option<&Flow> {
        let last = id.rsplit('/').next().unwrap_or(id);
        self.flows.iter().chain(&self.siblings).find(|f| f.is_named(last) || f.is_named(id))
    }
}

/// What a loader accepts, for the error when nothing matched.
pub const EXPECTED: &str = "a workflow definition (\"triggers\"/\"actions\", or {\"definition\": ...}), an ARM template with Microsoft.Logic/workflows resources, an exported flow ({\"properties\": {\"definition\": ...}}), a Power Automate package or solution (.zip or folder), or a Logic Apps Standard project (host.json and <workflow>/workflow.json)";

fn not_recognised(what: &str, detail: &str) -> Error {
    Error::new(ErrorKind::Definition, format!("{what}: {detail}; expected {EXPECTED}"))
}

/// Loads whatever is at `path`: a file (JSON or `.zip`) or a folder.
pub fn load(path: &Path) -> Result<Project> {
    let origin = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {origin}: {e}")))?;
    if meta.is_dir() {
        return load_folder(path, &origin, 0);
    }
    let bytes =
        std::fs::read(path).map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {origin}: {e}")))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "local".into());
    if !files::is_zip(&bytes) && stem.eq_ignore_ascii_case("workflow") {
        if let Some(project) = standard::from_workflow_file(path)? {
            return Ok(project);
        }
    }
    from_bytes(&origin, &stem, bytes)
}

/// Loads one file's bytes — a `.zip` export or a JSON document — with no folder around it
/// (what [`load`] does for a file; standard input): `origin` names it in messages, `name`
/// names its flow when the document does not.
pub fn from_bytes(origin: &str, name: &str, bytes: Vec<u8>) -> Result<Project> {
    if files::is_zip(&bytes) {
        let tree = Tree::zip(origin, &bytes)?;
        return from_tree(&tree, origin)?
            .ok_or_else(|| not_recognised(origin, "the archive holds no flow this loader recognises"));
    }
    let text = crate::source::decode_as(bytes, origin)?;
    from_text(origin, name, &text)
}

/// Loads one JSON document: `file` names it in messages, `name` names the flow.
pub fn from_text(file: &str, name: &str, text: &str) -> Result<Project> {
    let document = parse_document(file, text)?;
    let (shape, flows) = document_flows(file, name, text, &document)?;
    Ok(Project::of(file, shape, flows))
}

/// Parses the JSON text of `file` through [`crate::source`], so a syntax error reads as
/// everywhere else (`file is not valid JSON: ... at line 3 column 5`) and carries the text
/// for a caret — except for the files that hold secrets by design (app settings, parameter
/// values, connections), whose lines are never shown.
pub(crate) fn parse_document(file: &str, text: &str) -> Result<Value> {
    crate::source::parse_json_as(text, file).map_err(|e| {
        if may_hold_secrets(file) {
            Error::new(e.kind(), e.message())
        } else {
            e
        }
    })
}

/// Places an error about the shape of `text` (it has a JSON pointer) on its line, unless
/// the file may hold secrets.
pub(crate) fn place(error: Error, file: &str, text: &str) -> Error {
    if may_hold_secrets(file) {
        error
    } else {
        crate::source::locate(error, text)
    }
}

/// `local.settings.json` (app settings), `parameters.json`, `connections.json`.
fn may_hold_secrets(file: &str) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file).to_ascii_lowercase();
    ["local.settings.json", "parameters.json", "connections.json"].contains(&name.as_str())
}

/// A flow over a whole document, with the definition at `pointer`.
fn flow_at(name: &str, file: &str, text: &str, document: &Value, pointer: &str, standard: bool) -> Flow {
    Flow {
        name: name.to_string(),
        display_name: None,
        file: file.to_string(),
        text: text.to_string(),
        document: document.clone(),
        pointer: pointer.to_string(),
        standard,
        references: Vec::new(),
        parameters: Object::new(),
        tags: Object::new(),
        ids: Vec::new(),
    }
}

/// Where a document holds its definitions: `(pointer, is Standard)` each, and its shape;
/// an error saying what was expected when it holds none.
pub(crate) fn locate(file: &str, document: &Value) -> Result<(Shape, Vec<(String, bool)>)> {
    let Some(root) = document.as_object() else {
        return Err(not_recognised(
            file,
            &format!("the document is {}, not an object", document.value_type()),
        ));
    };
    if let Some(Value::Object(_)) = root.get("definition") {
        return Ok((Shape::Definition, vec![("/definition".into(), true)]));
    }
    if let Some(Value::Object(props)) = root.get("properties") {
        if let Some(Value::Object(_)) = props.get("definition") {
            return Ok((Shape::ExportedFlow, vec![("/properties/definition".into(), false)]));
        }
    }
    if let Some(Value::Array(resources)) = root.get("resources") {
        let found: Vec<(String, bool)> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let is_workflow = r
                    .member("type")
                    .and_then(|t| t.as_str().map(|t| t.eq_ignore_ascii_case("Microsoft.Logic/workflows")))
                    .unwrap_or(false);
                is_workflow
                    && matches!(
                        r.member("properties").and_then(|p| p.member("definition")),
                        Some(Value::Object(_))
                    )
            })
            .map(|(i, _)| (format!("/resources/{i}/properties/definition"), false))
            .collect();
        if found.is_empty() {
            return Err(not_recognised(
                file,
                "the ARM template has no Microsoft.Logic/workflows resource with a definition",
            ));
        }
        return Ok((Shape::ArmTemplate, found));
    }
    if root.contains_key("triggers") || root.contains_key("actions") {
        return Ok((Shape::Definition, vec![(String::new(), false)]));
    }
    let keys: Vec<&str> = root.keys().take(6).map(|k| &**k).collect();
    Err(not_recognised(
        file,
        &format!(
            "this JSON holds no workflow (its keys are {})",
            if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
        ),
    ))
}

/// The flows of one JSON document, and its shape.
fn document_flows(file: &str, name: &str, text: &str, document: &Value) -> Result<(Shape, Vec<Flow>)> {
    let (shape, found) = locate(file, document)?;
    let mut flows = Vec::new();
    for (pointer, standard) in found {
        let mut flow = flow_at(name, file, text, document, &pointer, standard);
        match shape {
            Shape::ExportedFlow => {
                if let (Some(root), Some(Value::Object(props))) =
                    (document.as_object(), document.member("properties"))
                {
                    powerautomate::describe_exported(&mut flow, root, &props);
                }
            }
            Shape::ArmTemplate => describe_arm(&mut flow, document, flows.len()),
            _ => {}
        }
        flows.push(flow);
    }
    Ok((shape, flows))
}

/// An ARM template's workflow: its resource name and the parameter values beside its
/// definition (`{"name": {"value": ...}}`; values that are ARM expressions are left out).
fn describe_arm(flow: &mut Flow, document: &Value, index: usize) {
    let resource_pointer = flow.pointer.trim_end_matches("/properties/definition").to_string();
    let Some(resource) = pointer_get(document, &resource_pointer) else { return };
    // ARM names are often expressions ("[parameters('name')]"); number them then.
    match resource.member("name").map(|n| n.to_text()).filter(|n| !n.starts_with('[')) {
        Some(n) => flow.name = n,
        None if index > 0 => flow.name = format!("{}-{}", flow.name, index + 1),
        None => {}
    }
    if let Some(Value::Object(values)) = resource.member("properties").and_then(|p| p.member("parameters")) {
        for (k, v) in &values {
            if let Some(value) = v.member("value") {
                let is_arm_expression =
                    value.as_str().is_some_and(|s| s.starts_with('[') && s.ends_with(']'));
                if !is_arm_expression {
                    flow.parameters.insert(k.clone(), value);
                }
            }
        }
    }
}

/// Reads a JSON pointer.
pub(crate) fn pointer_get(value: &Value, pointer: &str) -> Option<Value> {
    if pointer.is_empty() {
        return Some(value.clone());
    }
    let mut current = value.clone();
    for token in pointer.trim_start_matches('/').split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        current = match &current {
            Value::Object(o) => o.get(token.as_str()).cloned()?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?).cloned()?,
            _ => return None,
        };
    }
    Some(current)
}

/// Loads a folder: a Standard project or workflow folder, a package, a solution, or
/// (`depth` 0 only) a folder whose zips and sub-folders are exports.
fn load_folder(path: &Path, origin: &str, depth: usize) -> Result<Project> {
    if let Some(project) = standard::from_folder(path, origin)? {
        return Ok(project);
    }
    let tree = Tree::folder(path)?;
    if let Some(project) = from_tree(&tree, origin)? {
        return Ok(project);
    }
    if depth == 0 {
        if let Some(project) = collection(path, origin)? {
            return Ok(project);
        }
    }
    Err(not_recognised(origin, "the folder holds no flow this loader recognises"))
}

/// A package or solution in a tree, if it is one.
fn from_tree(tree: &Tree, origin: &str) -> Result<Option<Project>> {
    if let Some(project) = powerautomate::package(tree, origin)? {
        return Ok(Some(project));
    }
    if let Some(project) = powerautomate::solution(tree, origin)? {
        return Ok(Some(project));
    }
    if tree.is_zip() {
        if let Some(project) = standard::from_tree(tree, origin)? {
            return Ok(Some(project));
        }
    }
    Ok(None)
}

/// A folder whose direct children (zips, JSON files, folders) are exports; the ones that
/// are not are left out only when at least one is.
fn collection(path: &Path, origin: &str) -> Result<Option<Project>> {
    let mut children: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot read the folder {origin}: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    children.sort();
    let mut flows = Vec::new();
    let mut connectors = Vec::new();
    let mut notes = Vec::new();
    for child in children {
        let is_export_file = child
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip") || e.eq_ignore_ascii_case("json"));
        let loaded = if child.is_dir() {
            load_folder(&child, &child.display().to_string(), 1)
        } else if is_export_file {
            load(&child)
        } else {
            continue;
        };
        match loaded {
            Ok(project) => {
                flows.extend(project.flows);
                connectors.extend(project.connectors);
                notes.extend(project.notes);
            }
            Err(e) => notes.push(format!("left out {}: {}", child.display(), e.message())),
        }
    }
    if flows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Project { connectors, notes, ..Project::of(origin, Shape::Collection, flows) }))
}
