//! The corpus sweep: load every connector folder under a directory and build a dry-run
//! request for every operation from defaults and placeholder values.
//!
//! Connection parameters get placeholders too: the first allowed value or the default,
//! else `example` (strings), `secret-value` (secure strings), `1`, `true`, and an access
//! token for OAuth; the first parameter set is chosen. A panic while loading or building is
//! caught and counted (the target is none).

use std::collections::BTreeMap;
use std::path::Path;

use crate::value::Value;

use super::connection::Connection;
use super::load::Connector;
use super::properties::ParameterKind;
use super::request::placeholders;

/// What a sweep found.
#[derive(Debug, Clone, Default)]
pub struct SweepReport {
    /// Connectors listed in the directory's `index.json` (else the folders found).
    pub listed: usize,
    /// Folders found.
    pub folders: usize,
    /// Connectors that loaded.
    pub loaded: usize,
    /// Folders that did not load, with the error.
    pub load_failures: Vec<(String, String)>,
    /// Listed connectors with no folder (from `index.json`).
    pub missing: Vec<String>,
    /// Connectors whose files needed repairs to load.
    pub repaired: usize,
    /// Operations of the loaded connectors.
    pub operations: usize,
    /// Operations whose dry-run request was built.
    pub built: usize,
    /// Operations that failed: (connector, operation, error).
    pub build_failures: Vec<(String, String, String)>,
    /// Panics caught (loading or building).
    pub panics: usize,
}

impl SweepReport {
    /// Loaded connectors as a share of those listed, in percent.
    pub fn load_percent(&self) -> f64 {
        percent(self.loaded, self.listed)
    }

    /// Built operations as a share of all operations, in percent.
    pub fn build_percent(&self) -> f64 {
        percent(self.built, self.operations)
    }

    /// A text summary: counts, then failures grouped by message.
    pub fn render(&self, details: bool) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "connectors: {} listed, {} folders, {} loaded ({:.2} %), {} with repaired JSON\n",
            self.listed,
            self.folders,
            self.loaded,
            self.load_percent(),
            self.repaired
        ));
        out.push_str(&format!(
            "operations: {} in loaded connectors, {} dry-run requests built ({:.2} %)\n",
            self.operations,
            self.built,
            self.build_percent()
        ));
        out.push_str(&format!("panics: {}\n", self.panics));
        for name in &self.missing {
            out.push_str(&format!("  no folder: {name}\n"));
        }
        for (name, e) in &self.load_failures {
            out.push_str(&format!("  not loaded: {name}: {e}\n"));
        }
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (c, op, e) in &self.build_failures {
            groups.entry(shape(e)).or_default().push(format!("{c}/{op}: {e}"));
        }
        let mut sorted: Vec<_> = groups.into_iter().collect();
        sorted.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        for (kind, items) in sorted {
            out.push_str(&format!("  {} operations: {kind}\n", items.len()));
            if details {
                for i in items {
                    out.push_str(&format!("      {i}\n"));
                }
            }
        }
        out
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    part as f64 * 100.0 / whole as f64
}

/// The message with quoted names blanked, to group similar failures.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut in_quote = false;
    for c in message.chars() {
        if c == '"' {
            in_quote = !in_quote;
            out.push_str(if in_quote { "\"…" } else { "\"" });
        } else if !in_quote {
            out.push(c);
        }
    }
    out.chars().take(160).collect()
}

/// A connection with a placeholder for every connection parameter.
pub fn placeholder_connection(connector: &Connector) -> Connection {
    let props = &connector.properties;
    let (set, params) = match props.parameter_sets.first() {
        Some(s) => (
            Some(s.name.clone()),
            s.parameters.iter().chain(props.connection_parameters.iter()).collect::<Vec<_>>(),
        ),
        None => (None, props.connection_parameters.iter().collect()),
    };
    let mut connection = Connection::new().with_env(std::sync::Arc::new(|_: &str| None));
    connection.parameter_set = set;
    for p in params {
        let value = match (&p.kind, p.allowed.first(), &p.default) {
            (ParameterKind::OAuth(_), _, _) => {
                connection.oauth.access_token = Some("placeholder-token".into());
                continue;
            }
            (_, Some(first), _) => first.clone(),
            (_, None, Some(d)) if !d.is_empty() => d.clone(),
            (ParameterKind::SecureString, _, _) => "secret-value".into(),
            (ParameterKind::Int, _, _) => "1".into(),
            (ParameterKind::Bool, _, _) => "true".into(),
            _ => "example".into(),
        };
        connection.parameters.insert(p.name.as_str(), Value::from(value));
    }
    connection
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Sweeps every folder under `dir`.
pub fn sweep(dir: &Path) -> std::io::Result<SweepReport> {
    let mut report = SweepReport::default();
    let mut folders: Vec<std::path::PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    folders.sort();
    report.folders = folders.len();
    report.listed = folders.len();
    if let Ok(bytes) = std::fs::read(dir.join("index.json")) {
        if let Ok(parsed) = super::json::parse_bytes(&bytes, false) {
            if let Some(list) =
                parsed.value.member("connectors").and_then(|c| c.as_array().map(<[Value]>::to_vec))
            {
                report.listed = list.len();
                for entry in list {
                    if let Some(name) = entry.member("dir").and_then(|d| d.as_str().map(str::to_string)) {
                        if !dir.join(&name).is_dir() {
                            report.missing.push(name);
                        }
                    }
                }
            }
        }
    }
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let loaded = std::panic::catch_unwind(|| Connector::load(&folder));
        let connector = match loaded {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                report.load_failures.push((name, e.to_string()));
                continue;
            }
            Err(p) => {
                report.panics += 1;
                report.load_failures.push((name, format!("panic: {}", panic_text(&*p))));
                continue;
            }
        };
        report.loaded += 1;
        if connector.repairs > 0 {
            report.repaired += 1;
        }
        let bound = match placeholder_connection(&connector).bind(&connector) {
            Ok(b) => b,
            Err(e) => {
                for op in &connector.operations {
                    report.operations += 1;
                    report.build_failures.push((name.clone(), op.id.clone(), format!("connection: {e}")));
                }
                continue;
            }
        };
        for op in &connector.operations {
            report.operations += 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let input = placeholders(&connector, op);
                connector.dry_run(&op.id, &bound, &input).map(|_| ())
            }));
            match result {
                Ok(Ok(())) => report.built += 1,
                Ok(Err(e)) => report.build_failures.push((name.clone(), op.id.clone(), e.to_string())),
                Err(p) => {
                    report.panics += 1;
                    report.build_failures.push((
                        name.clone(),
                        op.id.clone(),
                        format!("panic: {}", panic_text(&*p)),
                    ));
                }
            }
        }
    }
    Ok(report)
}
