//! The integration tests, as one test binary: one link instead of one per file keeps a
//! clean `cargo test` build small (disk) and quick (the linker is the slow part on two cores).
//! Each module is a former `tests/*.rs` file; the data they read stays under `tests/`.
// Printing and writing files freely is fine here; the redacting sink (clippy.toml) is for
// the library and the command line.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod browser;
mod check;
mod cli;
mod conformance;
mod connector_cli;
mod connector_examples;
mod connector_fixtures;
mod connector_flows;
mod connector_policies;
mod connector_properties;
mod connector_support;
mod connector_sweep;
mod corpus;
mod dotnet_conformance;
mod error_messages;
mod export_connections;
mod exports;
mod flowtest;
mod functions_props;
mod functions_table;
mod hardening;
mod hostile;
mod http;
mod http_cli;
mod http_support;
mod junit_schema;
mod properties;
mod repl_pty;
mod schemas;
mod secrets;
mod semantics;
mod view;
mod workflow;
mod workflow_cli;
mod workflow_e2e;
mod xml;
