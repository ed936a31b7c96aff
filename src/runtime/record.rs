//! The action record: what happened, in the run-context shape the evaluator reads
//! (`actions('X')`, `body('X')`), plus every attempt.
//!
//! ```json
//! {"name": "HTTP", "type": "Http", "status": "Failed", "code": "NotFound",
//!  "startTime": "...", "endTime": "...",
//!  "inputs": {"method": "GET", "uri": "...", "headers": {}},
//!  "outputs": {"statusCode": 404, "headers": {}, "body": {}},
//!  "error": {"code": "NotFound", "message": "..."},
//!  "attempts": [{"number": 1, "kind": "request", "method": "GET", "uri": "...",
//!                "startTime": "...", "duration": "PT0.01S", "statusCode": 404, "code": "NotFound"}]}
//! ```
//!
//! [`ActionRecord::to_value`] gives the record with secrets redacted (for printing and
//! storing); [`ActionRecord::to_context_value`] gives what later expressions read, where
//! secured outputs stay readable, as in the service.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::duration::format_duration;
use super::redact::{Redactor, SECURED};
use crate::value::{Object, Value};

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// A 2xx answer.
    Succeeded,
    /// Any other answer, no answer, or invalid inputs.
    Failed,
    /// `limit.timeout` passed.
    TimedOut,
}

impl ActionStatus {
    /// The name records use.
    pub fn name(self) -> &'static str {
        match self {
            ActionStatus::Succeeded => "Succeeded",
            ActionStatus::Failed => "Failed",
            ActionStatus::TimedOut => "TimedOut",
        }
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An action's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionError {
    /// The code (`NotFound`, `ActionTimedOut`, `InvalidTemplate`, ...).
    pub code: String,
    /// The message.
    pub message: String,
}

/// What an attempt was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptKind {
    /// The action's request.
    Request,
    /// A poll of the `Location` of a 202 answer.
    Poll,
    /// A further page (`nextLink`).
    Page,
    /// A token request to the OAuth authority.
    Token,
    /// A further chunk of a chunked upload or download (`contentTransfer`).
    Chunk,
}

impl AttemptKind {
    /// The name records use.
    pub fn name(self) -> &'static str {
        match self {
            AttemptKind::Request => "request",
            AttemptKind::Poll => "poll",
            AttemptKind::Page => "page",
            AttemptKind::Token => "token",
            AttemptKind::Chunk => "chunk",
        }
    }
}

/// Why the runtime waited after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitReason {
    /// The retry policy's interval.
    RetryPolicy,
    /// The answer's `Retry-After` header.
    RetryAfter,
    /// The polling interval of the asynchronous pattern (no `Retry-After`).
    PollingInterval,
}

impl WaitReason {
    /// The name records use.
    pub fn name(self) -> &'static str {
        match self {
            WaitReason::RetryPolicy => "retryPolicy",
            WaitReason::RetryAfter => "Retry-After",
            WaitReason::PollingInterval => "pollingInterval",
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// An answer with this status.
    Status(u16),
    /// No answer.
    Error(ActionError),
}

/// One request sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 1 for the first try of a request, 2 for its first retry, and so on.
    pub number: u32,
    /// What it was for.
    pub kind: AttemptKind,
    /// The method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// When it started.
    pub start_time: DateTime<Utc>,
    /// How long it took.
    pub duration: Duration,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The wait before the next attempt, as the policy or server set it (not scaled by the
    /// time scale).
    pub wait_before_next: Option<Duration>,
    /// Why that wait.
    pub wait_reason: Option<WaitReason>,
}

impl Attempt {
    fn to_value(&self, redactor: &Redactor) -> Value {
        let mut o = Object::with_capacity(10);
        o.insert("number", Value::from(i64::from(self.number)));
        o.insert("kind", Value::from(self.kind.name()));
        o.insert("method", Value::from(self.method.as_str()));
        o.insert("uri", Value::from(redactor.redact_text(&self.url)));
        o.insert("startTime", Value::from(format_time(self.start_time)));
        o.insert("duration", Value::from(format_duration(self.duration)));
        match &self.outcome {
            AttemptOutcome::Status(s) => {
                o.insert("statusCode", Value::from(i64::from(*s)));
                o.insert("code", Value::from(status_code_name(*s)));
            }
            AttemptOutcome::Error(e) => o.insert("error", error_value(e, redactor)),
        }
        if let Some(w) = self.wait_before_next {
            o.insert("waitBeforeNext", Value::from(format_duration(w)));
        }
        if let Some(r) = self.wait_reason {
            o.insert("waitReason", Value::from(r.name()));
        }
        Value::Object(o)
    }
}

/// The outputs of an answered request.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// The status code.
    pub status_code: u16,
    /// The headers.
    pub headers: Object,
    /// The body, if there is one.
    pub body: Option<Value>,
}

impl Outputs {
    /// `{"statusCode", "headers", "body"}`.
    pub fn to_value(&self) -> Value {
        let mut o = Object::with_capacity(3);
        o.insert("statusCode", Value::from(i64::from(self.status_code)));
        o.insert("headers", Value::Object(self.headers.clone()));
        if let Some(body) = &self.body {
            o.insert("body", body.clone());
        }
        Value::Object(o)
    }
}

/// The record of one Http action. Its `Debug` form is the redacted record.
#[derive(Clone)]
pub struct ActionRecord {
    /// The action's name.
    pub name: String,
    /// The action's type as the definition spells it (`Http`, `OpenApiConnection`, ...).
    pub action_type: String,
    /// How it ended.
    pub status: ActionStatus,
    /// The code: the HTTP status name (`OK`, `NotFound`), or the failure's code.
    pub code: String,
    /// When it started.
    pub start_time: DateTime<Utc>,
    /// When it ended.
    pub end_time: DateTime<Utc>,
    /// The rendered inputs (`authentication` secrets and `Authorization` headers already
    /// replaced).
    pub inputs: Value,
    /// The outputs, when a response came.
    pub outputs: Option<Outputs>,
    /// The error, when it did not succeed.
    pub error: Option<ActionError>,
    /// Every request sent, in order.
    pub attempts: Vec<Attempt>,
    /// The inputs are secured (`runtimeConfiguration.secureData`).
    pub secure_inputs: bool,
    /// The outputs are secured.
    pub secure_outputs: bool,
    /// The action's secrets.
    pub redactor: Redactor,
}

impl fmt::Debug for ActionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActionRecord({})", self.to_value())
    }
}

impl ActionRecord {
    /// Did it succeed?
    pub fn succeeded(&self) -> bool {
        self.status == ActionStatus::Succeeded
    }

    /// The output body, if any.
    pub fn body(&self) -> Option<&Value> {
        self.outputs.as_ref().and_then(|o| o.body.as_ref())
    }

    /// The record with secrets redacted and secured inputs and outputs hidden: for printing,
    /// logging and storing.
    pub fn to_value(&self) -> Value {
        self.build(true)
    }

    /// The record as later expressions read it: secured outputs stay readable (the service
    /// hides them from run history only), secrets in `Authorization` headers and
    /// `authentication` stay hidden.
    pub fn to_context_value(&self) -> Value {
        self.build(false)
    }

    fn build(&self, redact: bool) -> Value {
        let r = &self.redactor;
        let mut o = Object::with_capacity(10);
        o.insert("name", Value::from(self.name.as_str()));
        o.insert("type", Value::from(self.action_type.as_str()));
        o.insert("status", Value::from(self.status.name()));
        o.insert("code", Value::from(self.code.as_str()));
        o.insert("startTime", Value::from(format_time(self.start_time)));
        o.insert("endTime", Value::from(format_time(self.end_time)));
        let inputs = match (redact, self.secure_inputs) {
            (true, true) => Value::from(SECURED),
            (true, false) => r.redact_value(&self.inputs),
            (false, _) => self.inputs.clone(),
        };
        o.insert("inputs", inputs);
        if let Some(outputs) = &self.outputs {
            let v = match (redact, self.secure_outputs) {
                (true, true) => Value::from(SECURED),
                (true, false) => r.redact_value(&outputs.to_value()),
                (false, _) => outputs.to_value(),
            };
            o.insert("outputs", v);
        }
        if let Some(e) = &self.error {
            o.insert("error", error_value(e, r));
        }
        o.insert("attempts", Value::array(self.attempts.iter().map(|a| a.to_value(r)).collect()));
        Value::Object(o)
    }
}

fn error_value(e: &ActionError, redactor: &Redactor) -> Value {
    let mut o = Object::with_capacity(2);
    o.insert("code", Value::from(e.code.as_str()));
    o.insert("message", Value::from(redactor.redact_text(&e.message)));
    Value::Object(o)
}

/// A time as the service writes it: UTC with seven fractional digits
/// (`2024-01-15T10:30:00.1234567Z`).
pub fn format_time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Written digit by digit: records format several times per action, and `format!` is
    // a measurable part of an action's overhead.
    fn push(out: &mut String, n: u32, width: u32) {
        for i in (0..width).rev() {
            out.push(char::from(b'0' + ((n / 10u32.pow(i)) % 10) as u8));
        }
    }
    let mut out = String::with_capacity(28);
    let year = t.year();
    if (0..=9999).contains(&year) {
        push(&mut out, year as u32, 4);
    } else {
        out.push_str(&year.to_string());
    }
    out.push('-');
    push(&mut out, t.month(), 2);
    out.push('-');
    push(&mut out, t.day(), 2);
    out.push('T');
    push(&mut out, t.hour(), 2);
    out.push(':');
    push(&mut out, t.minute(), 2);
    out.push(':');
    push(&mut out, t.second(), 2);
    out.push('.');
    // A leap second's nanoseconds run past 10^9; keep seven digits.
    push(&mut out, (t.timestamp_subsec_nanos() / 100).min(9_999_999), 7);
    out.push('Z');
    out
}

/// The name of a status code as .NET's `HttpStatusCode` spells it (`OK`, `NotFound`,
/// `TooManyRequests`); the number itself for codes it has no name for.
pub fn status_code_name(status: u16) -> String {
    let name = match status {
        100 => "Continue",
        101 => "SwitchingProtocols",
        102 => "Processing",
        103 => "EarlyHints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        207 => "MultiStatus",
        208 => "AlreadyReported",
        226 => "IMUsed",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        305 => "UseProxy",
        306 => "Unused",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        407 => "ProxyAuthenticationRequired",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        414 => "RequestUriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RequestedRangeNotSatisfiable",
        417 => "ExpectationFailed",
        421 => "MisdirectedRequest",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        451 => "UnavailableForLegalReasons",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        506 => "VariantAlsoNegotiates",
        507 => "InsufficientStorage",
        508 => "LoopDetected",
        510 => "NotExtended",
        511 => "NetworkAuthenticationRequired",
        other => return other.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Engine, RunContext};

    fn record() -> ActionRecord {
        let t = DateTime::parse_from_rfc3339("2024-01-15T10:30:00.123456789Z").map(|t| t.with_timezone(&Utc));
        let t = t.unwrap_or_default();
        let mut redactor = Redactor::new();
        redactor.add("tok-123456");
        ActionRecord {
            name: "HTTP_Get_Token".into(),
            action_type: "Http".into(),
            status: ActionStatus::Succeeded,
            code: "OK".into(),
            start_time: t,
            end_time: t,
            inputs: crate::value::from_json_str(
                r#"{"method": "POST", "uri": "https://x", "headers": {"Authorization": "Bearer z"}}"#,
            )
            .unwrap_or_default(),
            outputs: Some(Outputs {
                status_code: 200,
                headers: Object::new(),
                body: crate::value::from_json_str(r#"{"access_token": "tok-123456"}"#).ok(),
            }),
            error: None,
            attempts: vec![Attempt {
                number: 1,
                kind: AttemptKind::Request,
                method: "POST".into(),
                url: "https://x".into(),
                start_time: t,
                duration: Duration::from_millis(12),
                outcome: AttemptOutcome::Status(200),
                wait_before_next: None,
                wait_reason: None,
            }],
            secure_inputs: false,
            secure_outputs: true,
            redactor,
        }
    }

    #[test]
    fn printed_records_hide_secrets_and_context_values_keep_outputs() {
        let r = record();
        let shown = r.to_value();
        assert_eq!(shown.member("outputs"), Some(Value::from(SECURED)));
        assert_eq!(
            shown.member("inputs").and_then(|i| i.member("headers")).and_then(|h| h.member("Authorization")),
            Some(Value::from("[redacted]"))
        );
        assert_eq!(shown.member("startTime"), Some(Value::from("2024-01-15T10:30:00.1234567Z")));
        let attempt = shown.member("attempts").and_then(|a| a.index(0)).unwrap_or_default();
        assert_eq!(attempt.member("code"), Some(Value::from("OK")));
        assert_eq!(attempt.member("duration"), Some(Value::from("PT0.012S")));
        // body('HTTP_Get_Token') on the context value reads the token.
        let mut ctx = RunContext::new();
        ctx.actions.insert("HTTP_Get_Token", r.to_context_value());
        let token = Engine::new().eval("body('HTTP_Get_Token')?['access_token']", &ctx).ok();
        assert_eq!(token, Some(Value::from("tok-123456")));
    }

    #[test]
    fn times_have_seven_fractional_digits() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s).map(|t| format_time(t.with_timezone(&Utc))).unwrap_or_default()
        };
        assert_eq!(t("2024-01-05T03:04:05Z"), "2024-01-05T03:04:05.0000000Z");
        assert_eq!(t("2016-08-11T03:18:19.7755341Z"), "2016-08-11T03:18:19.7755341Z");
        assert_eq!(t("0999-12-31T23:59:59.000000001Z"), "0999-12-31T23:59:59.0000000Z");
    }

    #[test]
    fn status_names() {
        for (code, name) in [
            (200, "OK"),
            (202, "Accepted"),
            (404, "NotFound"),
            (429, "TooManyRequests"),
            (503, "ServiceUnavailable"),
            (299, "299"),
        ] {
            assert_eq!(status_code_name(code), name);
        }
    }
}
