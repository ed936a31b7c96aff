//! `apiProperties.json`: connection parameters (and parameter sets), OAuth settings, policy
//! template instances and the operations handled by `script.csx`.

use crate::value::{Object, Value};

use super::swagger::str_of;
use super::{pointer, Diagnostic};

/// The type of a connection parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterKind {
    /// `string`
    String,
    /// `securestring`: a secret (redacted in dry runs).
    SecureString,
    /// `int`
    Int,
    /// `bool`
    Bool,
    /// `oauthSetting`, with its settings.
    OAuth(Box<OAuthSettings>),
    /// `gatewaySetting`: an on-premises data gateway, which only the platform can use.
    Gateway,
    /// Anything else, as written.
    Other(String),
}

/// `oAuthSettings` of an `oauthSetting` connection parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OAuthSettings {
    /// `identityProvider`: `oauth2`, `oauth2generic`, `aad`, `aadcertificate`, `facebook`, ...
    pub provider: String,
    /// `clientId` (any spelling of the key).
    pub client_id: Option<String>,
    /// `scopes`
    pub scopes: Vec<String>,
    /// `customParameters`: name → value (`tokenUrl`, `refreshUrl`, `resourceUri`, ...).
    pub custom: Vec<(String, String)>,
}

impl OAuthSettings {
    /// A custom parameter's value (name matched without regard to case).
    pub fn custom(&self, name: &str) -> Option<&str> {
        self.custom.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A connection parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionParameter {
    /// Its name (`api_key`, `token`, `token:TenantId`, ...).
    pub name: String,
    /// Its type.
    pub kind: ParameterKind,
    /// `defaultValue`
    pub default: Option<String>,
    /// Allowed values (`allowedValues` or `uiDefinition.constraints.allowedValues`).
    pub allowed: Vec<String>,
    /// `uiDefinition.displayName`
    pub display_name: Option<String>,
    /// `uiDefinition.description`
    pub description: Option<String>,
    /// `uiDefinition.constraints.required` is `"true"`.
    pub required: bool,
    /// The JSON pointer of its definition.
    pub pointer: String,
}

impl ConnectionParameter {
    /// Is the value a secret?
    pub fn is_secret(&self) -> bool {
        matches!(self.kind, ParameterKind::SecureString | ParameterKind::OAuth(_))
    }

    /// The type as written in the file.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            ParameterKind::String => "string",
            ParameterKind::SecureString => "securestring",
            ParameterKind::Int => "int",
            ParameterKind::Bool => "bool",
            ParameterKind::OAuth(_) => "oauthSetting",
            ParameterKind::Gateway => "gatewaySetting",
            ParameterKind::Other(t) => t,
        }
    }
}

/// One choice of `connectionParameterSets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterSet {
    /// Its `name`.
    pub name: String,
    /// `uiDefinition.displayName`
    pub display_name: Option<String>,
    /// Its parameters.
    pub parameters: Vec<ConnectionParameter>,
}

/// The policy templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// `setheader`
    SetHeader,
    /// `setqueryparameter`
    SetQueryParameter,
    /// `dynamichosturl` (alias `dynamicsubdomain`)
    DynamicHostUrl,
    /// `routerequesttoendpoint`
    RouteRequestToEndpoint,
    /// `setproperty`
    SetProperty,
    /// `setvaluefromurl`
    SetValueFromUrl,
    /// `convertarraytoobject`
    ConvertArrayToObject,
    /// `convertobjecttoarray`
    ConvertObjectToArray,
    /// `stringtoarray`
    StringToArray,
    /// `stringreplace`
    StringReplace,
    /// `encodepropertyvalue`
    EncodePropertyValue,
    /// `updatenextlink`
    UpdateNextLink,
    /// `pollingtrigger`
    PollingTrigger,
    /// `setconnectionstatustounauthenticated`
    SetConnectionStatusToUnauthenticated,
    /// `moveproperties`
    MoveProperties,
}

impl Template {
    /// Every template, in the spec's table order.
    pub const ALL: [Template; 15] = [
        Template::SetHeader,
        Template::SetQueryParameter,
        Template::DynamicHostUrl,
        Template::RouteRequestToEndpoint,
        Template::SetProperty,
        Template::SetValueFromUrl,
        Template::ConvertArrayToObject,
        Template::ConvertObjectToArray,
        Template::StringToArray,
        Template::StringReplace,
        Template::EncodePropertyValue,
        Template::UpdateNextLink,
        Template::PollingTrigger,
        Template::SetConnectionStatusToUnauthenticated,
        Template::MoveProperties,
    ];

    /// The canonical id (lower case).
    pub fn id(self) -> &'static str {
        match self {
            Template::SetHeader => "setheader",
            Template::SetQueryParameter => "setqueryparameter",
            Template::DynamicHostUrl => "dynamichosturl",
            Template::RouteRequestToEndpoint => "routerequesttoendpoint",
            Template::SetProperty => "setproperty",
            Template::SetValueFromUrl => "setvaluefromurl",
            Template::ConvertArrayToObject => "convertarraytoobject",
            Template::ConvertObjectToArray => "convertobjecttoarray",
            Template::StringToArray => "stringtoarray",
            Template::StringReplace => "stringreplace",
            Template::EncodePropertyValue => "encodepropertyvalue",
            Template::UpdateNextLink => "updatenextlink",
            Template::PollingTrigger => "pollingtrigger",
            Template::SetConnectionStatusToUnauthenticated => "setconnectionstatustounauthenticated",
            Template::MoveProperties => "moveproperties",
        }
    }

    /// The template with this id, matched without regard to case (`SetHeader`,
    /// `dynamicsubdomain`, ...).
    pub fn from_id(id: &str) -> Option<Template> {
        if id.eq_ignore_ascii_case("dynamicsubdomain") {
            return Some(Template::DynamicHostUrl);
        }
        Template::ALL.into_iter().find(|t| t.id().eq_ignore_ascii_case(id))
    }

    /// The parameters the template requires (without the `x-ms-apimTemplateParameter.`
    /// prefix).
    pub fn required_parameters(self) -> &'static [&'static str] {
        match self {
            Template::SetHeader | Template::SetQueryParameter => &["name", "value"],
            Template::DynamicHostUrl => &["urlTemplate"],
            Template::RouteRequestToEndpoint => &["newPath"],
            Template::SetProperty => {
                &["newPropertyParentPathTemplate", "newPropertySubPathTemplate", "propertyValuePathTemplate"]
            }
            Template::SetValueFromUrl => {
                &["parameterTemplate", "parameterValueUrl", "parameterValuePathTemplate"]
            }
            Template::ConvertArrayToObject => {
                &["propertyParentPath", "keyWithinCollectionPath", "newPropertyPath"]
            }
            Template::ConvertObjectToArray => &["propertyParentPath", "newPropertyPath"],
            Template::StringToArray => {
                &["propertyParentPath", "delimiterList", "childPropertyName", "newPropertyPath"]
            }
            Template::StringReplace => {
                &["propertyParentPath", "sourceString", "replacementString", "newPropertyPath"]
            }
            Template::EncodePropertyValue => &["propertyParentPath", "newPropertyPath"],
            Template::UpdateNextLink => &["nextLinkPropertyName"],
            Template::PollingTrigger => &["triggerConfig", "triggerDataPath"],
            Template::SetConnectionStatusToUnauthenticated => &["statusCode"],
            Template::MoveProperties => &["srcParentPath", "dstParentPath"],
        }
    }

    /// The section a template runs in when the instance does not say: the Request section,
    /// except for the templates that only make sense on a response (`updatenextlink`,
    /// `setconnectionstatustounauthenticated`) and `pollingtrigger`. Every body template in
    /// the corpus names its section.
    pub fn default_section(self) -> Section {
        match self {
            Template::UpdateNextLink | Template::SetConnectionStatusToUnauthenticated => Section::Response,
            Template::PollingTrigger => Section::Trigger,
            _ => Section::Request,
        }
    }
}

/// When a policy runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Before the request is sent.
    Request,
    /// After the response arrives.
    Response,
    /// After a failed response (status 400 or more) arrives (setheader only).
    Failure,
    /// Between polls of a polling trigger.
    Trigger,
}

/// One entry of `policyTemplateInstances`.
#[derive(Debug, Clone)]
pub struct PolicyInstance {
    /// The template (`None` for an unknown id; it is reported and skipped).
    pub template: Option<Template>,
    /// `templateId` as written.
    pub template_id: String,
    /// `title`
    pub title: String,
    /// `x-ms-apimTemplate-operationName`: `None` means every operation.
    pub operations: Option<Vec<String>>,
    /// `x-ms-apimTemplate-policySection` (or the template's default).
    pub section: Section,
    /// The `x-ms-apimTemplateParameter.*` values, keyed without the prefix.
    pub parameters: Object,
    /// The JSON pointer of the instance.
    pub pointer: String,
}

impl PolicyInstance {
    /// Does the instance apply to this operation?
    pub fn applies_to(&self, operation_id: &str) -> bool {
        match &self.operations {
            None => true,
            Some(list) => list.iter().any(|o| o == operation_id),
        }
    }

    /// A template parameter as text (numbers and booleans written out; `None` if absent).
    pub fn text(&self, name: &str) -> Option<String> {
        match self.parameters.get_ci(name)? {
            Value::Null => None,
            Value::String(s) => Some(s.to_string()),
            other => Some(other.to_text()),
        }
    }

    /// A template parameter as text, `""` if absent.
    pub fn text_or_empty(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }
}

/// Which operations `script.csx` handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptScope {
    /// Every operation (`scriptOperations` empty, or absent while the script exists).
    All,
    /// The listed operationIds.
    Listed(Vec<String>),
}

/// The parsed `apiProperties.json`.
#[derive(Debug, Clone, Default)]
pub struct Properties {
    /// `iconBrandColor`
    pub icon_brand_color: Option<String>,
    /// `capabilities`
    pub capabilities: Vec<String>,
    /// `connectionParameters`, in file order.
    pub connection_parameters: Vec<ConnectionParameter>,
    /// `connectionParameterSets.values`
    pub parameter_sets: Vec<ParameterSet>,
    /// `policyTemplateInstances`, in file order.
    pub policies: Vec<PolicyInstance>,
    /// `scriptOperations`: `None` if the key is absent, `Some(empty)` for "all".
    pub script_operations: Option<Vec<String>>,
    /// `publisher`
    pub publisher: Option<String>,
}

const TEMPLATE_PREFIX: &str = "x-ms-apimTemplateParameter.";

/// Reads `apiProperties.json`.
pub fn parse(doc: &Value, file: &str, diagnostics: &mut Vec<Diagnostic>) -> Properties {
    let mut out = Properties::default();
    let Some(root) = doc.as_object() else {
        diagnostics.push(Diagnostic::error(file, "", "apiProperties.json must hold an object"));
        return out;
    };
    let props = match root.get("properties") {
        Some(Value::Object(p)) => p,
        _ => {
            diagnostics.push(Diagnostic::error(file, "", "apiProperties.json has no `properties` object"));
            return out;
        }
    };
    for key in root.keys() {
        if &**key != "properties" {
            diagnostics.push(Diagnostic::warning(
                file,
                pointer("", key),
                format!("`{key}` is not part of apiProperties.json; it is ignored"),
            ));
        }
    }
    const KNOWN: [&str; 9] = [
        "iconBrandColor",
        "capabilities",
        "connectionParameters",
        "connectionParameterSets",
        "policyTemplateInstances",
        "scriptOperations",
        "publisher",
        "stackOwner",
        "ownerUserName",
    ];
    for key in props.keys() {
        if !KNOWN.contains(&&**key) {
            diagnostics.push(Diagnostic::warning(
                file,
                pointer("/properties", key),
                format!("`{key}` is not a known property; it is ignored"),
            ));
        }
    }
    out.icon_brand_color = str_of(props, "iconBrandColor").map(str::to_string);
    out.publisher = str_of(props, "publisher").map(str::to_string);
    out.capabilities = props
        .get("capabilities")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    match props.get("connectionParameters") {
        Some(Value::Object(params)) => {
            out.connection_parameters =
                connection_parameters(params, "/properties/connectionParameters", file, diagnostics);
        }
        Some(Value::Null) | None => {}
        Some(_) => diagnostics.push(Diagnostic::error(
            file,
            "/properties/connectionParameters",
            "`connectionParameters` must be an object",
        )),
    }
    if let Some(sets) = props.get("connectionParameterSets") {
        let at = "/properties/connectionParameterSets";
        match sets.as_object().and_then(|s| s.get("values")).and_then(Value::as_array) {
            Some(values) => {
                for (i, set) in values.iter().enumerate() {
                    let at = format!("{at}/values/{i}");
                    let Some(set) = set.as_object() else {
                        diagnostics.push(Diagnostic::error(file, at, "a parameter set must be an object"));
                        continue;
                    };
                    let name = str_of(set, "name").unwrap_or_default().to_string();
                    if name.is_empty() {
                        diagnostics.push(Diagnostic::error(
                            file,
                            at.clone(),
                            "a parameter set needs a `name`",
                        ));
                    }
                    let parameters = match set.get("parameters") {
                        Some(Value::Object(p)) => {
                            connection_parameters(p, &pointer(&at, "parameters"), file, diagnostics)
                        }
                        _ => Vec::new(),
                    };
                    let display_name = set
                        .get("uiDefinition")
                        .and_then(Value::as_object)
                        .and_then(|u| str_of(u, "displayName"))
                        .map(str::to_string);
                    out.parameter_sets.push(ParameterSet { name, display_name, parameters });
                }
            }
            None => diagnostics.push(Diagnostic::error(
                file,
                at,
                "`connectionParameterSets` needs a `values` array",
            )),
        }
    }
    match props.get("policyTemplateInstances") {
        Some(Value::Array(list)) => {
            for (i, inst) in list.iter().enumerate() {
                let at = format!("/properties/policyTemplateInstances/{i}");
                if let Some(p) = policy(inst, &at, file, diagnostics) {
                    out.policies.push(p);
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => diagnostics.push(Diagnostic::error(
            file,
            "/properties/policyTemplateInstances",
            "`policyTemplateInstances` must be an array",
        )),
    }
    match props.get("scriptOperations") {
        Some(Value::Array(list)) => {
            out.script_operations =
                Some(list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
        }
        Some(Value::Null) | None => {}
        Some(_) => diagnostics.push(Diagnostic::error(
            file,
            "/properties/scriptOperations",
            "`scriptOperations` must be an array of operationIds",
        )),
    }
    out
}

fn connection_parameters(
    params: &Object,
    base: &str,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ConnectionParameter> {
    let mut out = Vec::new();
    for (name, def) in params.iter() {
        let at = pointer(base, name);
        let Some(def) = def.as_object() else {
            diagnostics.push(Diagnostic::error(file, at, "a connection parameter must be an object"));
            continue;
        };
        let kind = match str_of(def, "type") {
            Some(t) => match t.to_ascii_lowercase().as_str() {
                "string" => ParameterKind::String,
                "securestring" => ParameterKind::SecureString,
                "int" => ParameterKind::Int,
                "bool" => ParameterKind::Bool,
                "oauthsetting" => ParameterKind::OAuth(Box::new(oauth_settings(def))),
                "gatewaysetting" => ParameterKind::Gateway,
                _ => {
                    diagnostics.push(Diagnostic::warning(
                        file,
                        pointer(&at, "type"),
                        format!("\"{t}\" is not a connection parameter type"),
                    ));
                    ParameterKind::Other(t.to_string())
                }
            },
            None => {
                diagnostics.push(Diagnostic::error(
                    file,
                    at.clone(),
                    format!("the connection parameter \"{name}\" has no `type`"),
                ));
                ParameterKind::Other(String::new())
            }
        };
        let ui = def.get("uiDefinition").and_then(Value::as_object);
        let constraints = ui.and_then(|u| u.get("constraints")).and_then(Value::as_object);
        let mut allowed = Vec::new();
        for list in
            [def.get("allowedValues"), constraints.and_then(|c| c.get("allowedValues"))].into_iter().flatten()
        {
            for v in list.as_array().into_iter().flatten() {
                if let Some(value) = v.as_object().and_then(|o| o.get("value")) {
                    allowed.push(value.to_text());
                }
            }
        }
        let required = constraints.and_then(|c| c.get("required")).is_some_and(|r| match r {
            Value::Bool(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        });
        out.push(ConnectionParameter {
            name: name.to_string(),
            kind,
            default: def.get("defaultValue").filter(|v| !v.is_null()).map(Value::to_text),
            allowed,
            display_name: ui.and_then(|u| str_of(u, "displayName")).map(str::to_string),
            description: ui.and_then(|u| str_of(u, "description")).map(str::to_string),
            required,
            pointer: at,
        });
    }
    out
}

fn oauth_settings(def: &Object) -> OAuthSettings {
    let Some(s) = def.get("oAuthSettings").and_then(Value::as_object) else {
        return OAuthSettings::default();
    };
    let client_id = s
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("clientId"))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string);
    let custom = s
        .get("customParameters")
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .filter_map(|(k, v)| {
                    let value = match v {
                        Value::Object(o) => o.get("value").map(Value::to_text),
                        Value::String(s) => Some(s.to_string()),
                        _ => None,
                    };
                    value.map(|v| (k.to_string(), v))
                })
                .collect()
        })
        .unwrap_or_default();
    OAuthSettings {
        provider: str_of(s, "identityProvider").unwrap_or_default().to_string(),
        client_id,
        scopes: s
            .get("scopes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        custom,
    }
}

fn policy(inst: &Value, at: &str, file: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<PolicyInstance> {
    let Some(inst) = inst.as_object() else {
        diagnostics.push(Diagnostic::error(file, at, "a policy template instance must be an object"));
        return None;
    };
    let template_id = str_of(inst, "templateId").unwrap_or_default().to_string();
    let template = Template::from_id(&template_id);
    if template.is_none() {
        diagnostics.push(Diagnostic::error(
            file,
            pointer(at, "templateId"),
            format!("\"{template_id}\" is not a policy template this runner knows; the instance is skipped"),
        ));
    }
    let mut parameters = Object::new();
    let mut operations = None;
    let mut section = None;
    let params_at = pointer(at, "parameters");
    if let Some(params) = inst.get("parameters").and_then(Value::as_object) {
        for (key, value) in params.iter() {
            if let Some(name) = key.strip_prefix(TEMPLATE_PREFIX) {
                parameters.insert(name, value.clone());
            } else if key.eq_ignore_ascii_case("x-ms-apimTemplate-operationName") {
                match value {
                    Value::Array(list) => {
                        operations =
                            Some(list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    }
                    Value::String(one) => operations = Some(vec![one.to_string()]),
                    _ => diagnostics.push(Diagnostic::error(
                        file,
                        pointer(&params_at, key),
                        "the operation list must be an array of operationIds",
                    )),
                }
            } else if key.eq_ignore_ascii_case("x-ms-apimTemplate-policySection") {
                section = match value.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("request") => Some(Section::Request),
                    Some("response") => Some(Section::Response),
                    Some("failure") => Some(Section::Failure),
                    _ => {
                        diagnostics.push(Diagnostic::error(
                            file,
                            pointer(&params_at, key),
                            format!(
                                "{} is not a policy section (Request, Response or Failure)",
                                crate::value::to_json_string(value)
                            ),
                        ));
                        None
                    }
                };
            } else {
                diagnostics.push(Diagnostic::warning(
                    file,
                    pointer(&params_at, key),
                    format!("`{key}` is not a template parameter; it is ignored"),
                ));
            }
        }
    }
    if let Some(t) = template {
        for required in t.required_parameters() {
            if parameters.get_ci(required).is_none() {
                diagnostics.push(Diagnostic::error(
                    file,
                    params_at.clone(),
                    format!("the {} template needs `{TEMPLATE_PREFIX}{required}`", t.id()),
                ));
            }
        }
    }
    Some(PolicyInstance {
        template,
        section: section.unwrap_or_else(|| template.map_or(Section::Request, Template::default_section)),
        template_id,
        title: str_of(inst, "title").unwrap_or_default().to_string(),
        operations,
        parameters,
        pointer: at.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    #[test]
    fn template_ids_match_without_case_and_aliases() {
        assert_eq!(Template::from_id("SetHeader"), Some(Template::SetHeader));
        assert_eq!(Template::from_id("dynamicSubDomain"), Some(Template::DynamicHostUrl));
        assert_eq!(Template::from_id("PollingTrigger"), Some(Template::PollingTrigger));
        assert_eq!(Template::from_id("nope"), None);
        for t in Template::ALL {
            assert_eq!(Template::from_id(t.id()), Some(t));
        }
    }

    #[test]
    fn reads_parameters_sets_and_policies() {
        let doc = from_json_str(
            r#"{"properties": {
                "connectionParameters": {"api_key": {"type": "securestring", "uiDefinition": {"constraints": {"required": "true"}}},
                                         "region": {"type": "string", "allowedValues": [{"value": "eu"}], "defaultValue": "eu"}},
                "connectionParameterSets": {"values": [{"name": "basic", "parameters": {"username": {"type": "string"}}}]},
                "policyTemplateInstances": [
                  {"templateId": "SetHeader", "title": "t", "parameters": {
                     "x-ms-apimTemplateParameter.name": "X", "x-ms-apimTemplateParameter.value": "1",
                     "x-ms-apimTemplate-policySection": "Response", "x-ms-apimTemplate-operationName": ["A"]}},
                  {"templateId": "routerequesttoendpoint", "parameters": {}}],
                "scriptOperations": []}}"#,
        )
        .unwrap_or_default();
        let mut diags = Vec::new();
        let p = parse(&doc, "apiProperties.json", &mut diags);
        assert_eq!(p.connection_parameters.len(), 2);
        assert!(p.connection_parameters[0].is_secret() && p.connection_parameters[0].required);
        assert_eq!(p.connection_parameters[1].allowed, ["eu"]);
        assert_eq!(p.parameter_sets[0].name, "basic");
        assert_eq!(p.policies[0].section, Section::Response);
        assert!(p.policies[0].applies_to("A") && !p.policies[0].applies_to("B"));
        assert!(p.policies[1].applies_to("anything"));
        assert_eq!(p.script_operations, Some(vec![]));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].pointer, "/properties/policyTemplateInstances/1/parameters");
        assert!(diags[0].message.contains("needs `x-ms-apimTemplateParameter.newPath`"));
    }
}
