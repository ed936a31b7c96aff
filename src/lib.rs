//! # flowexpr
//!
//! The expression language of Power Automate and Azure Logic Apps (the Workflow Definition
//! Language), and the machinery that uses it.
//!
//! Data flows one way: text → [`syntax`] (a tree with spans) → [`eval`] (compiled once,
//! evaluated against a [`Context`] with the [`functions`] library) → [`Value`]s →
//! [`template`] (whole JSON documents) → the runtime (HTTP actions and workflows, with the
//! `http` feature).
//!
//! ```
//! use flowexpr::{Engine, RunContext, Value};
//!
//! let engine = Engine::new();
//! let ctx = RunContext::from_json_str(r#"{
//!     "actions": {"HTTP": {"outputs": {"body": {"data": [{"id": 42}]}}}}
//! }"#).unwrap();
//! let id = engine.eval("body('HTTP')?['data'][0]['id']", &ctx).unwrap();
//! assert_eq!(id, Value::Int(42));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// pest is used without its `std` feature, which would probe the native stack on every
// grammar rule (a third of the parse time); our own nesting limit, checked before pest
// runs, keeps the recursion bounded instead. The derived parser names `alloc`.
extern crate alloc;

pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod connector;
pub(crate) mod culture;
pub mod error;
pub mod eval;
pub mod flowtest;
pub mod functions;
pub mod limits;
pub mod mime;
#[cfg(feature = "http")]
pub mod project;
// The runtime's redactor is always there (connector dry runs use it); the rest of the
// runtime needs the `http` feature.
pub mod runtime;
pub mod source;
pub mod syntax;
pub mod template;
pub mod value;
#[cfg(feature = "http")]
pub mod view;
#[cfg(feature = "http")]
pub mod workflow;
pub mod xml;

pub use error::{Error, ErrorKind, Result};
pub use eval::{Context, Engine, Expression, RunContext};
pub use limits::Limits;
pub use template::{Document, Template};
pub use value::Value;
