//! The runtime: the HTTP action (templated requests, authentication, retry policies,
//! asynchronous polling, pagination) with the `http` feature, and the one redactor
//! ([`redact`]) and output sink ([`output`]) every output goes through.
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

#[cfg(feature = "http")]
pub mod action;
#[cfg(feature = "http")]
pub mod auth;
#[cfg(feature = "http")]
pub mod clock;
#[cfg(feature = "http")]
pub mod duration;
#[cfg(feature = "http")]
pub mod executor;
#[cfg(feature = "http")]
pub mod output;
#[cfg(feature = "http")]
pub mod record;
pub mod redact;
#[cfg(feature = "http")]
pub mod request;
#[cfg(feature = "http")]
pub mod retry;
#[cfg(feature = "http")]
pub mod transport;

#[cfg(feature = "http")]
pub use action::HttpAction;
#[cfg(feature = "http")]
pub use auth::{Authentication, TokenCache};
#[cfg(feature = "http")]
pub use clock::{Clock, ManualClock, SystemClock};
#[cfg(feature = "http")]
pub use duration::{format_duration, parse_duration};
#[cfg(feature = "http")]
pub use executor::HttpRuntime;
#[cfg(feature = "http")]
pub use output::{Output, Stream};
#[cfg(feature = "http")]
pub use record::{ActionRecord, ActionStatus, Attempt, AttemptKind, AttemptOutcome, Outputs, WaitReason};
pub use redact::{Redactor, Secrets};
#[cfg(feature = "http")]
pub use retry::RetryPolicy;
#[cfg(feature = "http")]
pub use transport::{
    HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind, UreqTransport,
};
