//! Custom connectors: Power Platform connector definitions (an OpenAPI 2.0
//! `apiDefinition.swagger.json` plus `apiProperties.json`) loaded and run locally.
//!
//! The flow, one file per step:
//!
//! - [`json`]: the files as published, with the mistakes the platform tolerates accepted and
//!   reported;
//! - [`load`], [`swagger`], [`properties`]: a folder → a [`Connector`]: operations by
//!   `operationId` with `$ref`s resolved and path-item parameters merged, connection
//!   parameters, policy template instances, `script.csx` coverage;
//! - [`connection`]: a connection file (or environment variables) → parameter values and
//!   the authentication to apply;
//! - [`expr`]: the policy expressions (`@connectionParameters('x', 'default')`,
//!   `@headers('h')`, `@body().a.b`, `{@item().id}`, ...) evaluated by our expression engine;
//! - [`request`]: the request-building algorithm (parameters, encodings, bodies, auth) and
//!   [`policy`]: the policy templates, applied in file order;
//! - [`send`] (feature `http`): sending, OAuth token refresh, `setvaluefromurl`, response
//!   policies, paging and polling triggers;
//! - [`check`]: validation with JSON pointers, and [`sweep`]: loading a whole corpus and
//!   building a dry-run request for every operation.
//!
//! ```
//! use flowexpr::connector::{Connector, Connection, CallInput};
//!
//! let connector = Connector::from_texts(
//!     "demo",
//!     r#"{"swagger": "2.0", "info": {"title": "Demo", "version": "1"},
//!         "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
//!         "paths": {"/items/{id}": {"get": {"operationId": "GetItem",
//!             "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
//!                            {"name": "api-version", "in": "query", "required": true,
//!                             "type": "string", "default": "2024-01", "x-ms-visibility": "internal"}]}}},
//!         "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}"#,
//!     Some(r#"{"properties": {"connectionParameters": {"api_key": {"type": "securestring"}}}}"#),
//! ).unwrap();
//! let connection = Connection::from_json_str(r#"{"parameters": {"api_key": "s3cret"}}"#).unwrap();
//! let bound = connection.bind(&connector).unwrap();
//! let input = CallInput::new().param("id", "a b");
//! let dry = connector.dry_run("GetItem", &bound, &input).unwrap();
//! assert_eq!(dry.request.url, "https://api.example.com/v1/items/a%20b?api-version=2024-01");
//! assert_eq!(dry.redacted().header("X-Key"), Some("[redacted]"));
//! ```

#[cfg(feature = "http")]
pub mod cases;
pub mod check;
pub mod connection;
pub mod expr;
#[cfg(feature = "http")]
pub mod flow;
pub mod json;
pub mod load;
pub mod policy;
pub mod properties;
pub mod request;
#[cfg(feature = "http")]
pub mod send;
pub mod swagger;
pub mod sweep;

use std::fmt;

pub use connection::{BoundConnection, Connection};
pub use load::Connector;
pub use properties::{ConnectionParameter, PolicyInstance, Properties, Template};
pub use request::{Body, CallInput, DryRun, HttpRequest};
#[cfg(feature = "http")]
pub use send::{CallOptions, CallOutcome, HttpResponse, Transport};
pub use swagger::{Location, Operation, Parameter};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; the connector works.
    Warning,
    /// The platform would reject this, or the affected operation cannot run.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A finding about a connector file: what, where (file, JSON pointer, line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// The file name (`apiDefinition.swagger.json`, `apiProperties.json`, ...).
    pub file: String,
    /// The JSON pointer of the value concerned (`""` for the whole file).
    pub pointer: String,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    pub(crate) fn new(
        severity: Severity,
        file: &str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            file: file.to_string(),
            pointer: pointer.into(),
            line_col: None,
            message: message.into(),
        }
    }

    pub(crate) fn error(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, file, pointer, message)
    }

    pub(crate) fn warning(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, file, pointer, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.name(), self.file)?;
        if let Some((line, column)) = self.line_col {
            write!(f, ":{line}:{column}")?;
        }
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, " at {pointer}: {}", self.message)
    }
}

/// The JSON pointer token for `key` appended to `base`.
pub(crate) fn pointer(base: &str, key: &str) -> String {
    let mut p = String::with_capacity(base.len() + key.len() + 1);
    p.push_str(base);
    p.push('/');
    crate::template::push_pointer_token(&mut p, key);
    p
}
