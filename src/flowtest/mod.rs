//! Flow tests (`flowexpr test`): test files next to a flow, with mocks and assertions
//! written in the expression language, run against the local workflow runner.

pub mod assertion;
pub mod junit;
