//! What an export says about its connections, for binding connector actions to local
//! connectors: the custom connectors a solution ships, a connections file read against
//! them, and a Logic Apps Standard `connections.json` (managed API connections become the
//! flow's connection references; service-provider connections can only be mocked).

use std::path::Path;
use std::sync::Arc;

use crate::connector::flow::Bindings;
use crate::connector::load::Connector;
use crate::error::Result;
use crate::value::Value;

use super::{ConnectionReference, Project};

impl Project {
    /// Every connection reference of the project's flows (and callable siblings).
    fn all_references(&self) -> impl Iterator<Item = &ConnectionReference> {
        self.flows.iter().chain(&self.siblings).flat_map(|f| f.references.iter())
    }

    /// The API name `key` stands for: a connection reference key's API, else `key` itself.
    fn api_of<'a>(&'a self, key: &'a str) -> &'a str {
        self.all_references().find(|r| r.key.eq_ignore_ascii_case(key)).map_or(key, |r| r.api.as_str())
    }

    /// The custom connector the export ships for `key` (a connection reference key, an API
    /// name or the connector's name), if it loaded.
    pub fn shipped_connector(&self, key: &str) -> Option<Arc<Connector>> {
        let api = self.api_of(key);
        self.connectors
            .iter()
            .find(|c| super::powerautomate::connector_serves(c, api) || c.name.eq_ignore_ascii_case(key))
            .and_then(|c| c.connector.as_ref().ok().cloned())
    }
}

/// Reads a connections file (`--connections`, a flow test's `"connections"`) for a run of
/// `project`: an entry without `"connector"` binds the custom connector the export ships for
/// its key, and answers for every API name of the project's references that connector serves.
pub fn load_connections(project: &Project, path: &Path) -> Result<Bindings> {
    let bindings = Bindings::load_with(path, &|key| project.shipped_connector(key))?;
    Ok(serve_reference_apis(project, bindings))
}

/// [`load_connections`] for a connections document already read (standard input): relative
/// connector paths are resolved against `base`.
pub fn connections_from_value(project: &Project, value: &Value, base: &Path) -> Result<Bindings> {
    let bindings = Bindings::from_value_with(value, base, &|key| project.shipped_connector(key))?;
    Ok(serve_reference_apis(project, bindings))
}

/// Binds every API name of the project's references to the entry whose connector (one the
/// export ships) serves it.
fn serve_reference_apis(project: &Project, mut bindings: Bindings) -> Bindings {
    let mut extra = Vec::new();
    for reference in project.all_references() {
        if bindings.find(&reference.api).is_some() || extra.iter().any(|(k, _)| k == &reference.api) {
            continue;
        }
        let Some(shipped) = project.shipped_connector(&reference.api) else { continue };
        if let Some(b) = bindings.entries().iter().find(|b| Arc::ptr_eq(&b.connector, &shipped)) {
            extra.push((reference.api.clone(), b.clone()));
        }
    }
    for (api, b) in extra {
        bindings.add(&api, b.connector, b.connection);
    }
    bindings
}

/// The last segment of a resource id.
fn last_segment(id: &str) -> String {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id).to_string()
}

/// A Standard project's managed API connections as connection references:
/// `managedApiConnections.<key>.api.id` (`.../managedApis/office365`) names the API, the
/// last segment of `connection.id` the connection.
pub(super) fn standard_references(connections: &Value) -> Vec<ConnectionReference> {
    let Some(Value::Object(managed)) = connections.member("managedApiConnections") else { return Vec::new() };
    managed
        .iter()
        .map(|(key, c)| {
            let id = |path: &[&str]| {
                let mut v = c.clone();
                for p in path {
                    v = v.member(p)?;
                }
                v.as_str().map(last_segment)
            };
            ConnectionReference {
                key: key.to_string(),
                api: id(&["api", "id"]).unwrap_or_else(|| key.to_string()),
                connection: id(&["connection", "id"]),
                logical_name: None,
            }
        })
        .collect()
}

/// A Standard project's service-provider connections: `(name, provider)`
/// (`serviceProviderConnections.<name>.serviceProvider.id`, `/serviceProviders/serviceBus`).
pub(crate) fn service_providers(connections: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(providers)) = connections.and_then(|c| c.member("serviceProviderConnections"))
    else {
        return Vec::new();
    };
    providers
        .iter()
        .map(|(name, c)| {
            let provider = c.member("serviceProvider").and_then(|p| p.member("id")).map(|i| i.to_text());
            (name.to_string(), provider.unwrap_or_default())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_api_connections_become_references() {
        let v = crate::value::from_json_str(
            r#"{"managedApiConnections": {"office365": {"api": {"id": "/subscriptions/s/providers/Microsoft.Web/locations/westus/managedApis/office365"},
                                                         "connection": {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/connections/office365-1"}},
                                          "mystery": {}},
                "serviceProviderConnections": {"sb": {"serviceProvider": {"id": "/serviceProviders/serviceBus"}}}}"#,
        )
        .unwrap_or_default();
        let refs = standard_references(&v);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].key.as_str(), refs[0].api.as_str(), refs[0].connection.as_deref()),
            ("office365", "office365", Some("office365-1"))
        );
        assert_eq!((refs[1].api.as_str(), refs[1].connection.as_deref()), ("mystery", None));
        assert_eq!(
            service_providers(Some(&v)),
            vec![("sb".to_string(), "/serviceProviders/serviceBus".to_string())]
        );
        assert!(service_providers(None).is_empty());
    }
}
