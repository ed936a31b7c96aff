//! The runtime: the HTTP action (templated requests, authentication, retry policies,
//! asynchronous polling, pagination) and, later, the workflow runner.
//!
//! The layers, from the outside in:
//!
//! * [`HttpAction`] — a definition, parsed and checked once (JSON-pointer errors), its
//!   inputs compiled as a template.
//! * [`HttpRuntime::execute`] — renders the inputs against any [`crate::Context`], applies
//!   the authentication, sends with the retry policy, polls a 202, follows pages, and
//!   returns an [`ActionRecord`] in the run-context shape (`body('X')` reads its outputs).
//! * [`Transport`] — sends one request; [`UreqTransport`] is the real one (ureq, rustls,
//!   connection reuse), and a mock can stand in for it.
//! * [`Clock`] — time, with a time scale applied to every wait.
//!
//! ```no_run
//! use flowexpr::runtime::{HttpAction, HttpRuntime};
//! use flowexpr::RunContext;
//!
//! let action = HttpAction::from_json_str("Get_invoices", r#"{
//!     "type": "Http",
//!     "inputs": {"method": "GET", "uri": "https://api.example.com/invoices",
//!                "queries": {"offset": "@{mul(variables('pageNumber'), 50)}"}}
//! }"#).unwrap();
//! let ctx = RunContext::from_json_str(r#"{"variables": {"pageNumber": 2}}"#).unwrap();
//! let record = HttpRuntime::new().execute(&action, &ctx);
//! println!("{}", record.to_value());
//! ```

pub mod action;
pub mod auth;
pub mod clock;
pub mod duration;
pub mod executor;
pub mod record;
pub mod redact;
pub mod request;
pub mod retry;
pub mod transport;

pub use action::HttpAction;
pub use auth::{Authentication, TokenCache};
pub use clock::{Clock, ManualClock, SystemClock};
pub use duration::{format_duration, parse_duration};
pub use executor::HttpRuntime;
pub use record::{ActionRecord, ActionStatus, Attempt, AttemptKind, AttemptOutcome, Outputs, WaitReason};
pub use redact::Redactor;
pub use retry::RetryPolicy;
pub use transport::{
    HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind, UreqTransport,
};
