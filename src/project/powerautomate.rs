//! Power Automate exports: the legacy package (`manifest.json`,
//! `Microsoft.Flow/flows/<guid>/definition.json`, `apisMap.json`, `connectionsMap.json`) and
//! the solution (`solution.xml`, `customizations.xml`, `Workflows/*.json`, `Connector/*`,
//! `environmentvariabledefinitions/*`), zipped as exported or unpacked (also as
//! `pac solution unpack` writes it: `src/Workflows/*.json` with `*.json.data.xml` beside
//! them and `src/Other/Customizations.xml`).

use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

use super::files::Tree;
use super::xml::{self, Element};
use super::{ConnectionReference, Flow, Project, Shape, SolutionConnector};

const FLOWS: &str = "microsoft.flow/flows/";

fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut current = v.clone();
    for key in path {
        current = current.member(key)?;
    }
    current.as_str().map(str::to_string)
}

/// The last segment of an API id: `/providers/Microsoft.PowerApps/apis/shared_x` → `shared_x`.
fn api_name(id: &str) -> String {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id).to_string()
}

/// Connection references as an exported flow writes them: the package form
/// (`{"connectionName", "id", "source"}`) or the solution form
/// (`{"api": {"name"}, "connection": {"connectionReferenceLogicalName"}}`).
pub(super) fn references(value: Option<&Value>) -> Vec<ConnectionReference> {
    let Some(Value::Object(refs)) = value else { return Vec::new() };
    refs.iter()
        .map(|(key, r)| {
            let api = str_at(r, &["api", "name"])
                .or_else(|| str_at(r, &["id"]).map(|id| api_name(&id)))
                .or_else(|| str_at(r, &["apiName"]))
                .unwrap_or_else(|| key.to_string());
            ConnectionReference {
                key: key.to_string(),
                api,
                connection: str_at(r, &["connectionName"]).or_else(|| str_at(r, &["connection", "name"])),
                logical_name: str_at(r, &["connection", "connectionReferenceLogicalName"]),
            }
        })
        .collect()
}

/// Fills a flow from an exported flow file's own fields.
pub(super) fn describe_exported(flow: &mut Flow, root: &Object, props: &Object) {
    flow.references = references(props.get("connectionReferences"));
    if let Some(Value::String(d)) = props.get("displayName") {
        flow.display_name = Some(d.to_string());
    }
    if let Some(Value::String(n)) = root.get("name") {
        flow.ids.push(n.to_string());
    }
    set_tags(flow, None);
}

/// `workflow().tags` as Power Automate gives them, as far as the export tells them.
fn set_tags(flow: &mut Flow, environment: Option<&str>) {
    let display = flow.display_name.clone().unwrap_or_else(|| flow.name.clone());
    flow.tags.insert("flowDisplayName", Value::from(display));
    let environment = environment.filter(|e| !e.is_empty()).unwrap_or("local");
    flow.tags.insert("environmentName", Value::from(environment));
    flow.tags
        .insert("logicAppName", Value::from(flow.ids.first().cloned().unwrap_or_else(|| flow.name.clone())));
    flow.tags.insert("state", Value::from("Enabled"));
    let definition = flow.definition();
    if let Some(creator) = definition.member("metadata").and_then(|m| m.member("creator")) {
        if let Some(id) = creator.member("id").and_then(|i| i.as_str().map(str::to_string)) {
            flow.tags.insert("createdBy", Value::from(id));
        }
    }
}

/// The `properties` of an exported flow file (`what` names the file in messages) that holds
/// its definition at `/properties/definition`, or an error placed in the file.
fn exported_properties(file: &str, text: &str, document: &Value, what: &str) -> Result<Object> {
    let missing = |message: String, pointer: &str| {
        super::place(Error::new(ErrorKind::Definition, message).with_pointer(pointer), file, text)
    };
    let Some(Value::Object(props)) = document.member("properties") else {
        return Err(missing(
            format!("{file}: {what} holds {{\"properties\": {{\"definition\": ...}}}}; this one has no \"properties\""),
            "/properties",
        ));
    };
    if !matches!(props.get("definition"), Some(Value::Object(_))) {
        return Err(missing(
            format!("{file}: no workflow definition at /properties/definition"),
            "/properties/definition",
        ));
    }
    Ok(props)
}

/// A package, if the tree is one.
pub(super) fn package(tree: &Tree, origin: &str) -> Result<Option<Project>> {
    let definitions: Vec<String> = tree
        .paths()
        .iter()
        .filter(|p| {
            let lower = p.to_ascii_lowercase();
            let rest = lower.find(FLOWS).map(|i| &lower[i + FLOWS.len()..]);
            rest.is_some_and(|r| r.ends_with("/definition.json") && r.matches('/').count() == 1)
        })
        .cloned()
        .collect();
    if definitions.is_empty() {
        return Ok(None);
    }
    let manifest = match tree.find("manifest.json") {
        Some(path) => Some(tree.read_json(path)?.1),
        None => None,
    };
    let resources =
        manifest.as_ref().and_then(|m| m.member("resources")).and_then(|r| r.as_object().cloned());
    let environment = manifest.as_ref().and_then(|m| str_at(m, &["details", "sourceEnvironment"]));
    let mut flows = Vec::new();
    for path in definitions {
        let folder = path.rsplit_once('/').map(|(f, _)| f.to_string()).unwrap_or_default();
        let id = folder.rsplit('/').next().unwrap_or_default().to_string();
        let (text, document) = tree.read_json(&path)?;
        let file = tree.display(&path);
        let props = exported_properties(&file, &text, &document, "a package's definition.json")?;
        let mut flow = super::flow_at(&id, &file, &text, &document, "/properties/definition", false);
        flow.references = references(props.get("connectionReferences"));
        if flow.references.is_empty() {
            flow.references = mapped_references(tree, &folder, resources.as_ref())?;
        }
        flow.display_name =
            props.get("displayName").and_then(|d| d.as_str().map(str::to_string)).or_else(|| {
                resources
                    .as_ref()
                    .and_then(|r| r.get(id.as_str()))
                    .and_then(|r| str_at(r, &["details", "displayName"]))
            });
        flow.ids.push(id.clone());
        if let Some(Value::String(n)) = document.member("name") {
            flow.ids.push(n.to_string());
        }
        set_tags(&mut flow, environment.as_deref());
        flows.push(flow);
    }
    Ok(Some(Project::of(origin, Shape::Package, flows)))
}

/// A package flow's references from `connectionsMap.json` and `apisMap.json` (key →
/// manifest resource id) when its definition.json has none.
fn mapped_references(
    tree: &Tree,
    folder: &str,
    resources: Option<&Object>,
) -> Result<Vec<ConnectionReference>> {
    let Some(apis_path) = tree.find(&format!("{folder}/apisMap.json")) else { return Ok(Vec::new()) };
    let apis = tree.read_json(apis_path)?.1;
    let connections = match tree.find(&format!("{folder}/connectionsMap.json")) {
        Some(p) => tree.read_json(p)?.1,
        None => Value::Null,
    };
    let Some(apis) = apis.as_object() else { return Ok(Vec::new()) };
    Ok(apis
        .iter()
        .map(|(key, resource)| {
            let resource = resource.to_text();
            let api = resources
                .and_then(|r| r.get(resource.as_str()))
                .and_then(|r| str_at(r, &["name"]).or_else(|| str_at(r, &["id"]).map(|id| api_name(&id))))
                .unwrap_or_else(|| key.to_string());
            ConnectionReference {
                key: key.to_string(),
                api,
                connection: connections.member(key).map(|c| c.to_text()),
                logical_name: None,
            }
        })
        .collect())
}

/// What `customizations.xml` (or a `*.json.data.xml`) says about a workflow.
struct WorkflowEntry {
    id: String,
    name: String,
    json_file: String,
}

fn workflow_entries(doc: &Element) -> Vec<WorkflowEntry> {
    let mut found = Vec::new();
    doc.descendants("workflow", &mut found);
    found
        .into_iter()
        .filter_map(|w| {
            Some(WorkflowEntry {
                id: w.attribute("workflowid")?.trim_matches(['{', '}']).to_string(),
                name: w.attribute("name").unwrap_or_default().to_string(),
                json_file: w.child_text("jsonfilename").unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Is `path` a solution workflow file (`Workflows/<name>.json`)?
fn is_workflow_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let in_workflows = lower.starts_with("workflows/") || lower.contains("/workflows/");
    in_workflows && lower.ends_with(".json") && lower.rsplit('/').nth(1) == Some("workflows")
}

/// A solution, if the tree is one.
pub(super) fn solution(tree: &Tree, origin: &str) -> Result<Option<Project>> {
    let workflow_files: Vec<String> = tree.paths().iter().filter(|p| is_workflow_file(p)).cloned().collect();
    let customizations =
        tree.paths().iter().find(|p| file_name(p).eq_ignore_ascii_case("customizations.xml")).cloned();
    if workflow_files.is_empty() && customizations.is_none() {
        return Ok(None);
    }
    let doc = match &customizations {
        Some(path) => Some(xml::parse(&tree.read_text(path)?, &tree.display(path))?),
        None => None,
    };
    let mut entries = doc.as_ref().map(workflow_entries).unwrap_or_default();
    for path in tree.paths().iter().filter(|p| p.to_ascii_lowercase().ends_with(".json.data.xml")) {
        let data = xml::parse(&tree.read_text(path)?, &tree.display(path))?;
        entries.extend(workflow_entries(&data));
    }
    let variables = environment_variables(tree)?;
    let connectors = custom_connectors(tree, doc.as_ref())?;
    let mut flows = Vec::new();
    for path in &workflow_files {
        let (text, document) = tree.read_json(path)?;
        let file = tree.display(path);
        let stem = file_name(path).trim_end_matches(".json").trim_end_matches(".JSON").to_string();
        let props = exported_properties(&file, &text, &document, "a solution's workflow file")?;
        let mut flow = super::flow_at(&stem, &file, &text, &document, "/properties/definition", false);
        flow.references = references(props.get("connectionReferences"));
        let entry = entries.iter().find(|e| file_name(&e.json_file).eq_ignore_ascii_case(file_name(path)));
        if let Some(e) = entry {
            flow.ids.push(e.id.clone());
            if !e.name.is_empty() {
                flow.display_name = Some(e.name.clone());
            }
        }
        // The file name ends with the workflow id: Name-2578E499-0BE1-EC11-BB3C-000D3A233A82.
        if stem.len() > 36 {
            let tail = &stem[stem.len() - 36..];
            if tail.chars().filter(|c| *c == '-').count() == 4 {
                flow.ids.push(tail.to_string());
            }
        }
        bind_environment_variables(&mut flow, &variables);
        set_tags(&mut flow, None);
        flows.push(flow);
    }
    if flows.is_empty() {
        return Err(Error::new(
            ErrorKind::Definition,
            format!(
                "{origin}: the solution holds no cloud flows (no Workflows/*.json); expected {}",
                super::EXPECTED
            ),
        ));
    }
    Ok(Some(Project { connectors, ..Project::of(origin, Shape::Solution, flows) }))
}

/// A solution's environment variable: schema name → value (the current value if the
/// solution carries one, else the default).
fn environment_variables(tree: &Tree) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    let definitions: Vec<&String> = tree
        .paths()
        .iter()
        .filter(|p| file_name(p).eq_ignore_ascii_case("environmentvariabledefinition.xml"))
        .collect();
    for path in definitions {
        let doc = xml::parse(&tree.read_text(path)?, &tree.display(path))?;
        let Some(def) = doc.child("environmentvariabledefinition") else { continue };
        let Some(schema) = def.attribute("schemaname") else { continue };
        let folder = path.rsplit_once('/').map(|(f, _)| f).unwrap_or_default();
        let current = match tree.find(&format!("{folder}/environmentvariablevalues.json")) {
            Some(values) => tree.read_json(values)?.1.member("environmentvariablevalues").and_then(|v| {
                let one = v.member("environmentvariablevalue").unwrap_or(v);
                let first = match &one {
                    Value::Array(a) => a.first().cloned(),
                    other => Some(other.clone()),
                };
                first.and_then(|f| f.member("value"))
            }),
            None => None,
        };
        let value = current.or_else(|| def.child_text("defaultvalue").map(Value::from));
        if let Some(v) = value {
            out.push((schema.to_string(), v));
        }
    }
    Ok(out)
}

/// Definition parameters that stand for environment variables carry
/// `metadata.schemaName`; they get the solution's value.
fn bind_environment_variables(flow: &mut Flow, variables: &[(String, Value)]) {
    let definition = flow.definition();
    let Some(Value::Object(params)) = definition.member("parameters") else { return };
    for (name, decl) in &params {
        let Some(schema) = decl.member("metadata").and_then(|m| m.member("schemaName")).map(|s| s.to_text())
        else {
            continue;
        };
        if let Some((_, value)) = variables.iter().find(|(s, _)| s.eq_ignore_ascii_case(&schema)) {
            let typed =
                match (decl.member("type").map(|t| t.to_text().to_ascii_lowercase()).as_deref(), value) {
                    (Some("int" | "float" | "bool" | "boolean" | "object" | "array"), Value::String(s)) => {
                        crate::value::from_json_str(s).unwrap_or_else(|_| value.clone())
                    }
                    _ => value.clone(),
                };
            flow.parameters.insert(name.clone(), typed);
        }
    }
}

/// The custom connectors of a solution: `Connector/<name>_openapidefinition.json` with
/// `_connectionparameters.json`, `_connectionparametersets.json` and
/// `_policytemplateinstances.json` beside it, loaded as the connector loader loads an
/// `apiDefinition.swagger.json` + `apiProperties.json` pair.
fn custom_connectors(tree: &Tree, customizations: Option<&Element>) -> Result<Vec<SolutionConnector>> {
    const SUFFIX: &str = "_openapidefinition.json";
    let mut out = Vec::new();
    let mut declared = Vec::new();
    if let Some(doc) = customizations {
        doc.descendants("connector", &mut declared);
    }
    for path in tree.paths() {
        let lower = path.to_ascii_lowercase();
        let in_folder = lower.starts_with("connector/")
            || lower.starts_with("connectors/")
            || lower.contains("/connector/")
            || lower.contains("/connectors/");
        if !in_folder || !lower.ends_with(SUFFIX) {
            continue;
        }
        let prefix = &path[..path.len() - SUFFIX.len()];
        let name = file_name(prefix).to_string();
        let sibling = |suffix: &str| -> Result<Option<Value>> {
            match tree.find(&format!("{prefix}{suffix}")) {
                Some(p) => Ok(Some(tree.read_json(p)?.1)),
                None => Ok(None),
            }
        };
        let mut properties = Object::new();
        if let Some(v) = sibling("_connectionparameters.json")? {
            properties.insert("connectionParameters", v);
        }
        if let Some(v) = sibling("_connectionparametersets.json")? {
            properties.insert("connectionParameterSets", v);
        }
        if let Some(v) = sibling("_policytemplateinstances.json")? {
            properties.insert("policyTemplateInstances", v);
        }
        properties.insert("iconBrandColor", Value::from("#007ee5"));
        let mut wrapper = Object::new();
        wrapper.insert("properties", Value::Object(properties));
        let properties_text = crate::value::to_json_string(&Value::Object(wrapper));
        let definition = tree.read(path)?;
        let file = tree.display(path);
        let connector = crate::connector::load::Connector::from_bytes(
            &name,
            (&file, &definition),
            Some(("apiProperties.json (from the solution's connector files)", properties_text.as_bytes())),
            crate::connector::load::LoadOptions::default(),
        )
        .map(Arc::new)
        .map_err(|e| e.message().to_string());
        let mut api_names = Vec::new();
        for c in &declared {
            let matches = c.child_text("name").is_some_and(|n| n.eq_ignore_ascii_case(&name));
            if let (true, Some(id)) = (matches, c.child_text("connectorinternalid")) {
                api_names.push(id.to_string());
            }
        }
        out.push(SolutionConnector { name, api_names, file, connector });
    }
    Ok(out)
}

/// Does a custom connector of the solution serve an API name? By the internal id
/// `customizations.xml` gives, else by the name the API name encodes
/// (`shared_cr123-5fmy-20api-5f<hash>` stands for `cr123_my api`).
pub(crate) fn connector_serves(connector: &SolutionConnector, api: &str) -> bool {
    if connector.api_names.iter().any(|a| a.eq_ignore_ascii_case(api))
        || connector.name.eq_ignore_ascii_case(api)
    {
        return true;
    }
    let decoded = decode_api_name(api.strip_prefix("shared_").unwrap_or(api));
    let simple =
        |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let wanted = simple(&connector.name);
    let title = connector.connector.as_ref().map(|c| simple(&c.title)).unwrap_or_default();
    let candidate = simple(decoded.rsplit_once('_').map(|(head, _)| head).unwrap_or(&decoded));
    !candidate.is_empty()
        && (candidate == wanted || candidate == title || candidate.ends_with(&title) && !title.is_empty())
}

/// Undoes the `-XX` hex escapes of an API name (`-5f` is `_`, `-20` a space).
fn decode_api_name(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'-' && i + 2 < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_names_decode() {
        assert_eq!(decode_api_name("cr123-5fmy-20api-5f0a1b2c"), "cr123_my api_0a1b2c");
        assert_eq!(decode_api_name("plain"), "plain");
        assert_eq!(decode_api_name("ends-5"), "ends-5");
    }

    #[test]
    fn both_reference_forms() {
        let v = crate::value::from_json_str(
            r#"{"shared_sharepointonline_1": {"connectionName": "abc", "source": "Invoker", "id": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline"},
                "shared_teams": {"runtimeSource": "invoker", "connection": {"connectionReferenceLogicalName": "cr_teams"}, "api": {"name": "shared_teams"}}}"#,
        )
        .unwrap_or_default();
        let refs = references(Some(&v));
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].key.as_str(), refs[0].api.as_str(), refs[0].connection.as_deref()),
            ("shared_sharepointonline_1", "shared_sharepointonline", Some("abc"))
        );
        assert_eq!(
            (refs[1].api.as_str(), refs[1].logical_name.as_deref()),
            ("shared_teams", Some("cr_teams"))
        );
    }
}
