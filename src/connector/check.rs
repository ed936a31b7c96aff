//! `flowexpr connector check`: validation of a connector's files, each finding with its
//! file, JSON pointer, line and column — the rules of the platform's validator that a
//! local tool can check (OpenAPI 2.0 structure, the connector extensions, apiProperties and
//! the policy templates), plus what flowexpr itself cannot run.

use std::collections::HashSet;

use crate::value::Value;

use super::expr::{Path, PolicyText};
use super::load::Connector;
use super::properties::{ParameterKind, Template};
use super::swagger::{lookup, Location, Visibility};
use super::{pointer, Diagnostic, Severity};

/// Every finding about the connector: those made while loading, then the validator's, in
/// file order within each file; positions filled in when the connector was loaded with
/// them.
pub fn check(connector: &Connector) -> Vec<Diagnostic> {
    let mut out = connector.diagnostics.clone();
    for op in &connector.operations {
        out.extend(op.problems.iter().cloned());
    }
    let def = connector.definition_file.as_str();
    let props = connector.properties_file.clone().unwrap_or_else(|| "apiProperties.json".into());
    check_definition(connector, def, &mut out);
    check_properties(connector, &props, &mut out);
    for d in &mut out {
        connector.locate(d);
    }
    let mut seen = HashSet::new();
    out.retain(|d| seen.insert((d.file.clone(), d.pointer.clone(), d.message.clone())));
    out
}

fn check_definition(c: &Connector, file: &str, out: &mut Vec<Diagnostic>) {
    let doc = &c.definition;
    if lookup(doc, "/info/title").and_then(Value::as_str).is_none_or(str::is_empty) {
        out.push(Diagnostic::error(
            file,
            "/info",
            "info.title is required (it becomes the connector's name)",
        ));
    }
    if let Some(Value::Object(paths)) = lookup(doc, "/paths") {
        for key in paths.keys() {
            if !key.starts_with('/') {
                out.push(Diagnostic::error(
                    file,
                    pointer("/paths", key),
                    format!("the path \"{key}\" must start with `/`"),
                ));
            }
        }
    }
    for op in &c.operations {
        let placeholders = template_names(&op.path);
        let mut body = 0;
        let mut form = false;
        for p in &op.parameters {
            match p.location {
                Location::Path => {
                    if !placeholders.iter().any(|n| *n == p.name) {
                        out.push(Diagnostic::error(
                            file,
                            p.pointer.clone(),
                            format!(
                                "the path parameter \"{}\" does not appear in the path {}",
                                p.name, op.path
                            ),
                        ));
                    }
                    let declared_required =
                        lookup(doc, &format!("{}/required", p.pointer)).and_then(Value::as_bool);
                    if declared_required != Some(true) {
                        out.push(Diagnostic::error(
                            file,
                            p.pointer.clone(),
                            format!("the path parameter \"{}\" must have \"required\": true", p.name),
                        ));
                    }
                }
                Location::Body => body += 1,
                Location::FormData => form = true,
                _ => {}
            }
            if p.ty == "file" && p.location != Location::FormData {
                out.push(Diagnostic::error(
                    file,
                    p.pointer.clone(),
                    format!("\"{}\" has type file, which only formData parameters may have", p.name),
                ));
            }
            if p.visibility == Visibility::Internal
                && p.required
                && p.default.is_none()
                && p.location != Location::Body
            {
                out.push(Diagnostic::error(
                    file,
                    p.pointer.clone(),
                    format!(
                        "\"{}\" is internal and required, so it needs a default (users cannot give it)",
                        p.name
                    ),
                ));
            }
            if let Some(enc) =
                lookup(doc, &format!("{}/x-ms-url-encoding", p.pointer)).and_then(Value::as_str)
            {
                if !enc.eq_ignore_ascii_case("single") && !enc.eq_ignore_ascii_case("double") {
                    out.push(Diagnostic::error(
                        file,
                        format!("{}/x-ms-url-encoding", p.pointer),
                        format!("x-ms-url-encoding must be single or double, not \"{enc}\""),
                    ));
                }
            }
            if let Some(fmt) = lookup(doc, &format!("{}/collectionFormat", p.pointer)).and_then(Value::as_str)
            {
                let ok = ["csv", "ssv", "tsv", "pipes", "multi"].contains(&fmt);
                if !ok {
                    out.push(Diagnostic::error(
                        file,
                        format!("{}/collectionFormat", p.pointer),
                        format!("\"{fmt}\" is not a collectionFormat (csv, ssv, tsv, pipes, multi)"),
                    ));
                } else if fmt == "multi" && !matches!(p.location, Location::Query | Location::FormData) {
                    out.push(Diagnostic::error(
                        file,
                        format!("{}/collectionFormat", p.pointer),
                        "collectionFormat multi is only for query and formData parameters",
                    ));
                }
            }
        }
        for name in &placeholders {
            if !op.parameters.iter().any(|p| p.location == Location::Path && p.name == *name) {
                out.push(Diagnostic::error(
                    file,
                    op.pointer.clone(),
                    format!(
                        "the path {} has {{{name}}} but the operation declares no such path parameter",
                        op.path
                    ),
                ));
            }
        }
        if body > 1 {
            out.push(Diagnostic::error(
                file,
                op.pointer.clone(),
                "an operation may have only one body parameter",
            ));
        }
        if body > 0 && form {
            out.push(Diagnostic::error(
                file,
                op.pointer.clone(),
                "an operation cannot have both a body parameter and formData parameters",
            ));
        }
        if lookup(doc, &format!("{}/responses", op.pointer)).is_none() {
            out.push(Diagnostic::warning(
                file,
                op.pointer.clone(),
                format!("the operation {} has no responses", op.id),
            ));
        }
        if let Some(t) = &op.trigger {
            if !t.eq_ignore_ascii_case("single") && !t.eq_ignore_ascii_case("batch") {
                out.push(Diagnostic::error(
                    file,
                    format!("{}/x-ms-trigger", op.pointer),
                    format!("x-ms-trigger must be single or batch, not \"{t}\""),
                ));
            }
        }
    }
    if let Some(id) = &c.test_connection {
        if c.operation(id).is_none() {
            out.push(Diagnostic::error(
                file,
                "/x-ms-capabilities/testConnection/operationId",
                format!("testConnection names \"{id}\", which is not an operation"),
            ));
        }
    }
}

fn template_names(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else { break };
        names.push(&rest[open + 1..open + len]);
        rest = &rest[open + len + 1..];
    }
    names
}

fn valid_parameter_name(name: &str) -> bool {
    let simple = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match name.split_once(':') {
        Some((a, b)) => simple(a) && simple(b),
        None => simple(name),
    }
}

fn check_properties(c: &Connector, file: &str, out: &mut Vec<Diagnostic>) {
    if c.properties_file.is_none() {
        out.push(Diagnostic::warning(
            file,
            "",
            "the connector has no apiProperties.json (no connection parameters, no policies)",
        ));
        return;
    }
    if c.properties.icon_brand_color.is_none() {
        out.push(Diagnostic::error(file, "/properties", "iconBrandColor is required"));
    }
    let all_params = c
        .properties
        .connection_parameters
        .iter()
        .chain(c.properties.parameter_sets.iter().flat_map(|s| s.parameters.iter()));
    for p in all_params {
        if !valid_parameter_name(&p.name) {
            // The schema's pattern; certified connectors break it (`contentgate-DnsName`), so
            // the platform does not enforce it: a warning.
            out.push(Diagnostic::warning(
                file,
                p.pointer.clone(),
                format!(
                    "\"{}\" does not match the schema's pattern for connection parameter names (letters, digits and _, or name:sub)",
                    p.name
                ),
            ));
        }
        match &p.kind {
            ParameterKind::Gateway => out.push(Diagnostic::warning(file, p.pointer.clone(), "gatewaySetting parameters need an on-premises data gateway; flowexpr cannot run them")),
            ParameterKind::OAuth(s) if s.provider.is_empty() => {
                out.push(Diagnostic::error(file, format!("{}/oAuthSettings", p.pointer), "oAuthSettings.identityProvider is required"));
            }
            ParameterKind::OAuth(s) if s.provider.eq_ignore_ascii_case("aadcertificate") => out.push(Diagnostic::warning(
                file,
                p.pointer.clone(),
                "the aadcertificate provider works only inside the platform; local runs need an access token in the connection",
            )),
            _ => {}
        }
    }
    for inst in &c.properties.policies {
        let Some(template) = inst.template else { continue };
        let params_at = pointer(&inst.pointer, "parameters");
        if inst.operations.as_ref().is_some_and(Vec::is_empty) {
            out.push(Diagnostic::warning(
                file,
                format!("{params_at}/x-ms-apimTemplate-operationName"),
                format!("the policy \"{}\" names no operation, so it applies to none", inst.title),
            ));
        }
        for (name, value) in inst.parameters.iter() {
            let Value::String(text) = value else { continue };
            let at = pointer(&params_at, &format!("x-ms-apimTemplateParameter.{name}"));
            const PATHS: [&str; 7] = [
                "newPropertyParentPathTemplate",
                "propertyParentPath",
                "newPropertyPath",
                "srcParentPath",
                "dstParentPath",
                "triggerDataPath",
                "parameterValuePathTemplate",
            ];
            const SUB_PATHS: [&str; 5] = [
                "newPropertySubPathTemplate",
                "propertySubPath",
                "keyWithinCollectionPath",
                "srcSubPath",
                "dstSubPath",
            ];
            if PATHS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                if let Err(e) = Path::parse(text) {
                    out.push(Diagnostic::error(file, at, e.message().to_string()));
                }
                continue;
            }
            if SUB_PATHS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                continue;
            }
            let placeholders = matches!(name.as_ref(), "newPath" | "parameterValueUrl");
            match PolicyText::compile(text, placeholders) {
                Err(e) => out.push(Diagnostic::error(file, at, e.message().to_string())),
                Ok(_) => {
                    if template == Template::SetProperty && name.as_ref() == "propertyValuePathTemplate" {
                        let lower = text.to_ascii_lowercase();
                        if ["@connectionparameters", "@headers", "@queryparameters"]
                            .iter()
                            .any(|f| lower.contains(f))
                        {
                            out.push(Diagnostic::warning(file, at, "setproperty values may only read @body(); connection parameters, headers and query parameters are not allowed there"));
                        }
                    }
                }
            }
        }
        if template == Template::DynamicHostUrl && !c.base_path.trim_end_matches('/').is_empty() {
            let url = inst.text_or_empty("urlTemplate");
            let after_host = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let has_path = after_host.split_once('/').is_some_and(|(_, p)| !p.is_empty());
            if !has_path {
                out.push(Diagnostic::warning(
                    file,
                    pointer(&params_at, "x-ms-apimTemplateParameter.urlTemplate"),
                    format!("dynamichosturl replaces the basePath {} too, and this template has no path: requests will not include it", c.base_path),
                ));
            }
        }
    }
}

/// Renders findings as text, one per line.
pub fn render(findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&f.to_string());
        out.push('\n');
    }
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    out.push_str(&format!("{errors} error(s), {warnings} warning(s)\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::load::LoadOptions;

    fn findings(def: &str, props: &str) -> Vec<String> {
        let c = Connector::from_bytes(
            "c",
            ("apiDefinition.swagger.json", def.as_bytes()),
            Some(("apiProperties.json", props.as_bytes())),
            LoadOptions { positions: true },
        );
        match c {
            Ok(c) => check(&c).iter().map(ToString::to_string).collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn definition_rules() {
        let def = r#"{
  "swagger": "2.0", "info": {"title": "T"}, "host": "h", "basePath": "/api",
  "paths": {
    "/a/{id}": {"get": {"operationId": "A", "responses": {},
      "parameters": [{"name": "ident", "in": "path", "type": "string"},
                     {"name": "v", "in": "query", "type": "string", "required": true, "x-ms-visibility": "internal"},
                     {"name": "f", "in": "query", "type": "file"}]}}
  }
}"#;
        let props = r##"{"properties": {"iconBrandColor": "#fff", "policyTemplateInstances": [
  {"templateId": "dynamichosturl", "title": "host", "parameters": {"x-ms-apimTemplateParameter.urlTemplate": "https://@connectionParameters('h')"}},
  {"templateId": "setheader", "title": "bad", "parameters": {"x-ms-apimTemplateParameter.name": "X", "x-ms-apimTemplateParameter.value": "@headers('x'"}}]}}"##;
        let f = findings(def, props);
        let expected = [
            "error: apiDefinition.swagger.json:5:22 at /paths/~1a~1{id}/get/parameters/0: the path parameter \"ident\" does not appear in the path /a/{id}",
            "error: apiDefinition.swagger.json:5:22 at /paths/~1a~1{id}/get/parameters/0: the path parameter \"ident\" must have \"required\": true",
            "error: apiDefinition.swagger.json:7:22 at /paths/~1a~1{id}/get/parameters/2: \"f\" has type file, which only formData parameters may have",
            "error: apiDefinition.swagger.json:6:22 at /paths/~1a~1{id}/get/parameters/1: \"v\" is internal and required, so it needs a default (users cannot give it)",
            "error: apiDefinition.swagger.json:4:17 at /paths/~1a~1{id}/get: the path /a/{id} has {id} but the operation declares no such path parameter",
            "warning: apiProperties.json:2:68 at /properties/policyTemplateInstances/0/parameters/x-ms-apimTemplateParameter.urlTemplate: dynamichosturl replaces the basePath /api too, and this template has no path: requests will not include it",
        ];
        for e in expected {
            assert!(f.iter().any(|x| x == e), "missing {e}\n got {f:#?}");
        }
        assert!(f.iter().any(|x| x.starts_with("error: apiProperties.json:3:102 at /properties/policyTemplateInstances/1/parameters/x-ms-apimTemplateParameter.value: this call is never closed")), "{f:#?}");
    }

    #[test]
    fn repairs_show_as_findings() {
        let f = findings(
            "{\"swagger\": \"2.0\", \"info\": {\"title\": \"T\"}, \"host\": \"h\", \"paths\": {},\n}",
            "{\"properties\": {\"iconBrandColor\": \"#fff\"\n  \"publisher\": \"x\"}}",
        );
        assert!(
            f.contains(
                &"warning: apiDefinition.swagger.json:1:68 at /: a trailing comma before `}` was ignored"
                    .to_string()
            ),
            "{f:#?}"
        );
        assert!(
            f.contains(&"error: apiProperties.json:2:3 at /properties: a missing comma between two properties was assumed (the platform's JSON reader refuses this; flowexpr reads on)".to_string()),
            "{f:#?}"
        );
    }
}
