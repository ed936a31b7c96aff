//! A connector folder (or its files) → a [`Connector`].
//!
//! File names are matched without regard to case (`apidefinition.swagger.json`); a folder
//! with no `apiDefinition.swagger.json` but a single `*.swagger.json` uses that one; a
//! `settings.json` naming other files (`apiDefinition`, `apiProperties`, `script`) is honoured.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

use super::json::{self, Parsed, Repair};
use super::properties::{self, Properties, ScriptScope};
use super::swagger::{self, str_of, Operation, SecurityScheme};
use super::{Diagnostic, Severity};

/// A loaded connector.
#[derive(Debug, Clone)]
pub struct Connector {
    /// The folder name (or the definition file's stem).
    pub name: String,
    /// The folder, if loaded from one.
    pub dir: Option<PathBuf>,
    /// The definition file's name, as found.
    pub definition_file: String,
    /// The properties file's name, if there is one.
    pub properties_file: Option<String>,
    /// The swagger document (kept for `$ref` resolution).
    pub definition: Value,
    /// `info.title`
    pub title: String,
    /// `info.description`
    pub description: Option<String>,
    /// The first of `schemes` (`https` if none).
    pub scheme: String,
    /// `host`
    pub host: String,
    /// `basePath` (`/` if none).
    pub base_path: String,
    /// The operations, in file order.
    pub operations: Vec<Operation>,
    /// `securityDefinitions`, in file order.
    pub security: Vec<SecurityScheme>,
    /// `x-ms-capabilities.testConnection.operationId`
    pub test_connection: Option<String>,
    /// `apiProperties.json`
    pub properties: Properties,
    /// Is there a `script.csx`?
    pub has_script: bool,
    /// Findings made while loading (repairs of the JSON, unknown keys, broken operations).
    pub diagnostics: Vec<Diagnostic>,
    /// How many mistakes in the JSON files were accepted (see [`super::json`]).
    pub repairs: usize,
    /// The parsed files with positions, when loaded with [`LoadOptions::positions`].
    pub(crate) sources: Vec<(String, Parsed)>,
}

/// How to load.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Index positions so that diagnostics carry line and column (slower; `check` uses it).
    pub positions: bool,
}

struct Files {
    definition: PathBuf,
    properties: Option<PathBuf>,
    script: Option<PathBuf>,
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("cannot read {}: {e}", path.display()))
}

fn find_ci(entries: &[(String, PathBuf)], name: &str) -> Option<PathBuf> {
    entries.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, p)| p.clone())
}

fn locate(path: &Path) -> Result<Files> {
    if path.is_file() {
        let dir = path.parent().unwrap_or(Path::new("."));
        let entries = list(dir)?;
        let is_def = |p: &Path| p.file_name() == path.file_name();
        let properties = find_ci(&entries, "apiProperties.json").filter(|p| !is_def(p));
        return Ok(Files {
            definition: path.to_path_buf(),
            properties,
            script: find_ci(&entries, "script.csx"),
        });
    }
    if !path.is_dir() {
        return Err(Error::new(
            ErrorKind::Io,
            format!("{} is neither a connector folder nor a definition file", path.display()),
        ));
    }
    let entries = list(path)?;
    let mut names = (
        "apiDefinition.swagger.json".to_string(),
        "apiProperties.json".to_string(),
        "script.csx".to_string(),
    );
    if let Some(settings) = find_ci(&entries, "settings.json") {
        let bytes = std::fs::read(&settings).map_err(|e| io_error(&settings, &e))?;
        if let Ok(parsed) = json::parse_bytes(&bytes, false) {
            if let Some(o) = parsed.value.as_object() {
                let file_name = |key: &str| {
                    str_of(o, key)
                        .and_then(|v| Path::new(v).file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                };
                if let Some(n) = file_name("apiDefinition") {
                    names.0 = n;
                }
                if let Some(n) = file_name("apiProperties") {
                    names.1 = n;
                }
                if let Some(n) = file_name("script") {
                    names.2 = n;
                }
            }
        }
    }
    let definition = match find_ci(&entries, &names.0) {
        Some(p) => p,
        None => {
            let swaggers: Vec<&PathBuf> = entries
                .iter()
                .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".swagger.json"))
                .map(|(_, p)| p)
                .collect();
            match swaggers.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        format!("{}: no apiDefinition.swagger.json (or other *.swagger.json) in this folder", path.display()),
                    ))
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        format!("{}: several *.swagger.json files and no apiDefinition.swagger.json; which one is the connector?", path.display()),
                    ))
                }
            }
        }
    };
    Ok(Files { definition, properties: find_ci(&entries, &names.1), script: find_ci(&entries, &names.2) })
}

fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))? {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let p = entry.path();
        if p.is_file() {
            out.push((entry.file_name().to_string_lossy().into_owned(), p));
        }
    }
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

/// Parses one file's bytes, turning repairs into warnings (errors for the repairs the
/// platform would refuse) and a syntax error into an error naming file, line, column and
/// pointer.
fn parse_file(
    bytes: &[u8],
    file: &str,
    positions: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Parsed> {
    match json::parse_bytes(bytes, positions) {
        Ok(parsed) => {
            for Repair { message, line, column, pointer, platform_accepts, .. } in &parsed.repairs {
                let severity = if *platform_accepts { Severity::Warning } else { Severity::Error };
                let message = if *platform_accepts {
                    message.clone()
                } else {
                    format!("{message} (the platform's JSON reader refuses this; flowexpr reads on)")
                };
                diagnostics.push(Diagnostic {
                    severity,
                    file: file.to_string(),
                    pointer: pointer.clone(),
                    line_col: Some((*line, *column)),
                    message,
                });
            }
            Ok(parsed)
        }
        Err(e) => Err(Error::new(ErrorKind::Definition, format!("{file}: not valid JSON: {e}"))),
    }
}

impl Connector {
    /// Loads a connector folder, or a definition file (with the `apiProperties.json` next to
    /// it, if any).
    pub fn load(path: impl AsRef<Path>) -> Result<Connector> {
        Connector::load_with(path, LoadOptions::default())
    }

    /// Loads with options.
    pub fn load_with(path: impl AsRef<Path>, options: LoadOptions) -> Result<Connector> {
        let path = path.as_ref();
        let files = locate(path)?;
        let definition = std::fs::read(&files.definition).map_err(|e| io_error(&files.definition, &e))?;
        let properties = match &files.properties {
            Some(p) => Some((file_name(p), std::fs::read(p).map_err(|e| io_error(p, &e))?)),
            None => None,
        };
        let name = if path.is_dir() {
            file_name(path)
        } else {
            file_name(&files.definition).split('.').next().unwrap_or_default().to_string()
        };
        let mut connector = Connector::from_bytes(
            &name,
            (&file_name(&files.definition), &definition),
            properties.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())),
            options,
        )?;
        connector.dir = path.is_dir().then(|| path.to_path_buf());
        connector.has_script = files.script.is_some();
        connector.check_script_coverage();
        Ok(connector)
    }

    /// Builds a connector from the two files' texts (for tests and embedding).
    pub fn from_texts(name: &str, definition: &str, properties: Option<&str>) -> Result<Connector> {
        Connector::from_bytes(
            name,
            ("apiDefinition.swagger.json", definition.as_bytes()),
            properties.map(|p| ("apiProperties.json", p.as_bytes())),
            LoadOptions::default(),
        )
    }

    /// Builds a connector from named file contents.
    pub fn from_bytes(
        name: &str,
        definition: (&str, &[u8]),
        properties: Option<(&str, &[u8])>,
        options: LoadOptions,
    ) -> Result<Connector> {
        let mut diagnostics = Vec::new();
        let (def_name, def_bytes) = definition;
        let def = parse_file(def_bytes, def_name, options.positions, &mut diagnostics)?;
        let props = match properties {
            Some((prop_name, bytes)) => Some((
                prop_name.to_string(),
                parse_file(bytes, prop_name, options.positions, &mut diagnostics)?,
            )),
            None => None,
        };
        let Some(root) = def.value.as_object() else {
            return Err(Error::new(
                ErrorKind::Definition,
                format!("{def_name}: the definition must be a JSON object"),
            ));
        };
        match root.get("swagger").map(Value::to_text).as_deref() {
            Some("2.0") => {}
            Some(other) => diagnostics.push(Diagnostic::error(
                def_name,
                "/swagger",
                format!("\"{other}\" is not OpenAPI 2.0 (`\"swagger\": \"2.0\"`)"),
            )),
            None => diagnostics.push(Diagnostic::error(
                def_name,
                "",
                "the definition has no `\"swagger\": \"2.0\"`",
            )),
        }
        let info = root.get("info").and_then(Value::as_object);
        let title = info.and_then(|i| str_of(i, "title")).unwrap_or(name).to_string();
        let description = info.and_then(|i| str_of(i, "description")).map(str::to_string);
        let schemes: Vec<String> = root
            .get("schemes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_ascii_lowercase)).collect())
            .unwrap_or_default();
        let scheme = schemes.first().cloned().unwrap_or_else(|| "https".into());
        let host = str_of(root, "host").unwrap_or_default().to_string();
        if host.is_empty() {
            diagnostics.push(Diagnostic::error(def_name, "", "the definition has no `host`"));
        } else if host.contains('/') {
            diagnostics.push(Diagnostic::error(
                def_name,
                "/host",
                format!("the host \"{host}\" must not contain `/` (put the path in basePath)"),
            ));
        }
        let base_path = match str_of(root, "basePath") {
            Some(b) if !b.is_empty() => b.to_string(),
            _ => "/".to_string(),
        };
        if !base_path.starts_with('/') {
            diagnostics.push(Diagnostic::error(
                def_name,
                "/basePath",
                format!("the basePath \"{base_path}\" must start with `/`"),
            ));
        }
        let operations = swagger::operations(&def.value, def_name, &mut diagnostics);
        let security = swagger::security_schemes(&def.value, def_name, &mut diagnostics);
        let test_connection = root
            .get("x-ms-capabilities")
            .and_then(|c| c.member("testConnection"))
            .and_then(|t| t.member("operationId"))
            .and_then(|o| o.as_str().map(str::to_string));
        let (properties, properties_file) = match &props {
            Some((prop_name, parsed)) => {
                (properties::parse(&parsed.value, prop_name, &mut diagnostics), Some(prop_name.clone()))
            }
            None => (Properties::default(), None),
        };
        let mut connector = Connector {
            name: name.to_string(),
            dir: None,
            definition_file: def_name.to_string(),
            properties_file,
            definition: def.value.clone(),
            title,
            description,
            scheme,
            host,
            base_path,
            operations,
            security,
            test_connection,
            properties,
            has_script: false,
            diagnostics,
            repairs: def.repairs.len() + props.as_ref().map_or(0, |(_, p)| p.repairs.len()),
            sources: Vec::new(),
        };
        connector.check_policy_operations();
        if options.positions {
            connector.sources = std::iter::once((def_name.to_string(), def)).chain(props).collect();
            let mut diagnostics = std::mem::take(&mut connector.diagnostics);
            diagnostics.iter_mut().for_each(|d| connector.locate(d));
            connector.diagnostics = diagnostics;
            let mut operations = std::mem::take(&mut connector.operations);
            for op in &mut operations {
                op.problems.iter_mut().for_each(|d| connector.locate(d));
            }
            connector.operations = operations;
        }
        Ok(connector)
    }

    /// Fills in the line and column of a diagnostic, if the connector was loaded with
    /// positions.
    pub fn locate(&self, d: &mut Diagnostic) {
        if d.line_col.is_none() {
            if let Some((_, parsed)) = self.sources.iter().find(|(n, _)| *n == d.file) {
                d.line_col = parsed.line_col(&d.pointer);
            }
        }
    }

    fn check_policy_operations(&mut self) {
        let file = self.properties_file.clone().unwrap_or_default();
        let mut found = Vec::new();
        for p in &self.properties.policies {
            for (i, id) in p.operations.iter().flatten().enumerate() {
                if self.operation(id).is_none() {
                    found.push(Diagnostic::warning(
                        &file,
                        format!("{}/parameters/x-ms-apimTemplate-operationName/{i}", p.pointer),
                        format!("the policy \"{}\" names the operation \"{id}\", which the definition does not have", p.title),
                    ));
                }
            }
        }
        self.diagnostics.extend(found);
    }

    fn check_script_coverage(&mut self) {
        let file = self.properties_file.clone().unwrap_or_default();
        match (&self.properties.script_operations, self.has_script) {
            (Some(ops), true) => {
                for (i, id) in ops.iter().enumerate() {
                    if self.operation(id).is_none() {
                        self.diagnostics.push(Diagnostic::warning(
                            &file,
                            format!("/properties/scriptOperations/{i}"),
                            format!("scriptOperations names \"{id}\", which the definition does not have"),
                        ));
                    }
                }
            }
            (Some(_), false) => self.diagnostics.push(Diagnostic::warning(
                &file,
                "/properties/scriptOperations",
                "scriptOperations is set but the folder has no script.csx; the operations run without custom code",
            )),
            (None, true) => self.diagnostics.push(Diagnostic::warning(
                "script.csx",
                "",
                "script.csx exists but apiProperties.json has no scriptOperations; every operation is taken to run through the script",
            )),
            (None, false) => {}
        }
    }

    /// The operation with this `operationId` (exact first, then without regard to case).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.id == id)
            .or_else(|| self.operations.iter().find(|o| o.id.eq_ignore_ascii_case(id)))
    }

    /// The operation with this id, or an error listing the close names.
    pub fn require_operation(&self, id: &str) -> Result<&Operation> {
        self.operation(id).ok_or_else(|| {
            let lower = id.to_ascii_lowercase();
            let close: Vec<&str> = self
                .operations
                .iter()
                .filter(|o| {
                    crate::functions::edit_distance(&o.id.to_ascii_lowercase(), &lower) <= 3.max(id.len() / 4)
                })
                .map(|o| o.id.as_str())
                .take(3)
                .collect();
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", close.join(", "))
            };
            Error::new(
                ErrorKind::NotFound,
                format!("the connector {} has no operation \"{id}\"{hint}", self.name),
            )
        })
    }

    /// Which operations `script.csx` covers (`None` without a script).
    pub fn script_scope(&self) -> Option<ScriptScope> {
        if !self.has_script {
            return None;
        }
        Some(match &self.properties.script_operations {
            None => ScriptScope::All,
            Some(list) if list.is_empty() => ScriptScope::All,
            Some(list) => ScriptScope::Listed(list.clone()),
        })
    }

    /// Does `script.csx` handle this operation?
    pub fn is_scripted(&self, operation_id: &str) -> bool {
        match self.script_scope() {
            None => false,
            Some(ScriptScope::All) => true,
            Some(ScriptScope::Listed(list)) => list.iter().any(|o| o == operation_id),
        }
    }

    /// The swagger base URL: `scheme://host` + basePath.
    pub fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host, self.base_path)
    }

    /// Is there any error-level finding?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // fixture files
mod tests {
    use super::*;

    #[test]
    fn a_script_without_script_operations_covers_every_operation() {
        // Open question 4: decided like an empty list.
        let dir = std::env::temp_dir().join(format!("flowexpr-script-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let def = r#"{"swagger": "2.0", "host": "h", "paths": {"/a": {"get": {"operationId": "A"}, "post": {"operationId": "B"}}}}"#;
        let written = std::fs::write(dir.join("apiDefinition.swagger.json"), def)
            .and_then(|()| std::fs::write(dir.join("apiProperties.json"), r#"{"properties": {}}"#))
            .and_then(|()| std::fs::write(dir.join("script.csx"), "class Script {}"));
        assert!(written.is_ok());
        let c = Connector::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.script_scope(), Some(ScriptScope::All));
        assert!(c.is_scripted("A") && c.is_scripted("B"));
        assert!(c
            .diagnostics
            .iter()
            .any(|d| d.message.contains("every operation is taken to run through the script")));
    }

    #[test]
    fn files_are_found_without_regard_to_case() {
        let dir = std::env::temp_dir().join(format!("flowexpr-load-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let def = r#"{"swagger": "2.0", "info": {"title": "T"}, "host": "h", "paths": {"/a": {"get": {"operationId": "A"}}},}"#;
        let written = std::fs::write(dir.join("apidefinition.swagger.json"), def)
            .and_then(|()| {
                std::fs::write(
                    dir.join("APIProperties.json"),
                    r#"{"properties": {"scriptOperations": ["A"]}}"#,
                )
            })
            .and_then(|()| std::fs::write(dir.join("script.csx"), "class Script {}"));
        assert!(written.is_ok());
        let c = Connector::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.title, "T");
        assert_eq!(c.base_url(), "https://h/");
        assert!(c.is_scripted("A"));
        let warning = c.diagnostics.iter().find(|d| d.message.contains("trailing comma"));
        assert!(
            warning.is_some_and(|w| w.severity == Severity::Warning && w.line_col.is_some()),
            "{:?}",
            c.diagnostics
        );
    }

    #[test]
    fn syntax_errors_name_the_file_and_pointer() {
        let e = Connector::from_texts("x", r#"{"paths": {"/a": {"get": }}}"#, None).err();
        let text = e.map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            text,
            "apiDefinition.swagger.json: not valid JSON: expected a value, found `}` (line 1, column 26, at /paths/~1a/get)"
        );
    }

    #[test]
    fn unknown_operations_suggest_close_names() {
        let c = Connector::from_texts(
            "x",
            r#"{"swagger": "2.0", "host": "h", "paths": {"/a": {"get": {"operationId": "GetExpenses"}}}}"#,
            None,
        );
        let e = c.ok().and_then(|c| c.require_operation("GetExpense").err()).map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the connector x has no operation \"GetExpense\"; did you mean GetExpenses?")
        );
    }
}
