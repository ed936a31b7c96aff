//! Flow tests (`flowexpr test`): test files next to a flow, with mocks and assertions
//! written in the expression language, run on the local workflow runner.
//!
//! [`file`] reads the format, [`run`] runs the cases (in parallel) and checks their
//! expectations, [`assertion`] evaluates and explains assertions, [`junit`] writes reports
//! for CI systems.

pub mod assertion;
pub mod file;
pub mod junit;
#[cfg(feature = "http")]
pub mod run;
#[cfg(feature = "http")]
pub mod smoke;
