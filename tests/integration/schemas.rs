//! The JSON Schemas in `schemas/` — one per file a user writes — are valid schemas, every
//! example and fixture of that kind follows its schema, every JSON file under `examples/` is
//! accounted for, and each schema rejects a mistake its loader rejects.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

const SCHEMA_BASE: &str = "https://github.com/flowexpr/flowexpr/schemas/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Resolves the schemas' references to each other from `schemas/`, never the network.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name =
            uri.as_str().strip_prefix(SCHEMA_BASE).ok_or_else(|| format!("not a flowexpr schema: {uri}"))?;
        Ok(read_json(&root().join("schemas").join(name)))
    }
}

fn validator(schema: &str) -> jsonschema::Validator {
    let schema = read_json(&root().join("schemas").join(schema));
    jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema)
        .unwrap_or_else(|e| panic!("not a valid schema: {e}"))
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// Which schema a user file under `examples/` or `tests/` follows, by its name; `None` for
/// files in formats that are not ours (workflow definitions, connector definitions, HTTP
/// action definitions, request bodies, demo data, generated snapshots, and every file of a
/// Logic Apps Standard project: its `connections.json`, `parameters.json`,
/// `local.settings.json` are the service's, though our flow tests beside it are ours).
fn schema_for(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    if in_standard_project(path) && !name.ends_with(".flowtest.json") {
        return None;
    }
    Some(match name {
        n if n.ends_with(".flowtest.json") => "flowtest.schema.json",
        n if n.ends_with(".context.json") => "run-context.schema.json",
        "mocks.json" => "mocks.schema.json",
        "parameters.json" => "parameters.schema.json",
        "connection.json" => "connection.schema.json",
        "test-connections.json" | "connections.json" => "connections.schema.json",
        "tests.json" => "connector-tests.schema.json",
        _ => return None,
    })
}

/// Is the file in a Logic Apps Standard project (a folder with `host.json`, or a workflow
/// folder of one)?
fn in_standard_project(path: &Path) -> bool {
    path.ancestors().skip(1).take(2).any(|dir| dir.join("host.json").is_file())
}

/// Files under `examples/` that are not in one of our formats.
const NOT_OURS: &[&str] = &[
    "flow.json",                  // a workflow definition (Microsoft's format)
    "apiDefinition.swagger.json", // a connector's OpenAPI definition
    "apiProperties.json",         // a connector's properties
    "message.json",               // a request body
    "crm.json",                   // demo data
    "transactions.json",          // demo data
    "HTTP_Call_API.json",         // HTTP action definitions
    "HTTP_Get_Token.json",
    "approval.json",
    "vendor-invoices.json",
];

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_example_and_fixture_follows_its_schema() {
    let mut files = Vec::new();
    json_files(&root().join("examples"), &mut files);
    let mut checked = 0;
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(schema) = schema_for(file) else {
            let known = NOT_OURS.contains(&name) || name.ends_with(".snap.json") || in_standard_project(file);
            assert!(
                known,
                "{}: which schema does it follow? Add it to schema_for or NOT_OURS",
                file.display()
            );
            continue;
        };
        let found = errors(&validator(schema), &read_json(file));
        assert!(found.is_empty(), "{} ({schema}): {found:?}", file.display());
        checked += 1;
    }
    // The test fixtures of the same kinds.
    let mut fixtures = Vec::new();
    json_files(&root().join("tests/flowtest"), &mut fixtures);
    json_files(&root().join("tests/fixtures"), &mut fixtures);
    for file in &fixtures {
        if let Some(schema) = schema_for(file) {
            let found = errors(&validator(schema), &read_json(file));
            assert!(found.is_empty(), "{} ({schema}): {found:?}", file.display());
            checked += 1;
        }
    }
    // 3 contexts, mocks, parameters, 2 connections, test-connections, 2 tests.json, flow tests.
    assert!(checked >= 20, "only {checked} files checked");
}

#[test]
fn each_schema_rejects_what_its_loader_rejects() {
    use flowexpr::value::Value as FxValue;
    let fx = |v: &Value| -> FxValue { flowexpr::value::from_json_str(&v.to_string()).unwrap_or_default() };
    /// (schema, a document it rejects, does the loader reject it too?)
    type Row = (&'static str, Value, Box<dyn Fn(&FxValue) -> bool>);
    let table: &[Row] = &[
        (
            "run-context.schema.json",
            json!({"variables": [1, 2]}),
            Box::new(|v| flowexpr::RunContext::from_value(v).is_err()),
        ),
        (
            "mocks.schema.json",
            json!({"actons": {"Get": {"statusCode": 200}}}),
            Box::new(|v| flowexpr::workflow::Mocks::from_value(v).is_err()),
        ),
        (
            "mocks.schema.json",
            json!({"http": [{"method": "GET", "response": {"statusCode": 200}}]}),
            Box::new(|v| flowexpr::workflow::Mocks::from_value(v).is_err()),
        ),
        (
            "mocks.schema.json",
            json!({"operations": {"shared_sharepointonline": [{"statusCode": 200}]}}),
            Box::new(|v| flowexpr::workflow::Mocks::from_value(v).is_err()),
        ),
        (
            "parameters.schema.json",
            json!(["not", "an", "object"]),
            Box::new(|v| flowexpr::workflow::params::parameters_from_value(v).is_err()),
        ),
        (
            "connection.schema.json",
            json!({"parameter": {"api_key": "k"}}),
            Box::new(|v| flowexpr::connector::Connection::from_value(v).is_err()),
        ),
        (
            "connections.schema.json",
            json!({"connector": {}}),
            Box::new(|v| flowexpr::connector::flow::Bindings::from_value(v, Path::new(".")).is_err()),
        ),
        (
            "connector-tests.schema.json",
            json!({"cases": [{"name": "no operation"}]}),
            Box::new(|v| flowexpr::connector::cases::TestFile::from_value(v).is_err()),
        ),
    ];
    for (schema, document, loader_rejects) in table {
        assert!(!validator(schema).is_valid(document), "{schema} accepts {document}");
        assert!(loader_rejects(&fx(document)), "the loader accepts {document}, which {schema} rejects");
    }
}

#[test]
fn the_mocks_schema_is_the_one_flow_tests_use() {
    let flowtest = read_json(&root().join("schemas/flowtest.schema.json"));
    let mocks = read_json(&root().join("schemas/mocks.schema.json"));
    let defs = &flowtest["$defs"];
    assert_eq!(mocks["$defs"]["response"], defs["response"]);
    assert_eq!(mocks["$defs"]["responses"], defs["responses"]);
    let mut own = mocks.clone();
    let mut in_flowtest = defs["mocks"].clone();
    for key in ["$schema", "$id", "title", "$defs"] {
        own.as_object_mut().map(|o| o.remove(key));
    }
    own["properties"].as_object_mut().map(|o| o.remove("$schema"));
    in_flowtest.as_object_mut().map(|o| o.remove("$schema"));
    assert_eq!(own, in_flowtest, "schemas/mocks.schema.json and flowtest.schema.json's $defs.mocks differ");
}
