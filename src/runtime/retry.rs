//! Retry policies (`inputs.retryPolicy`): which failures are retried, how long to wait
//! before each retry, and the `Retry-After` header.
//!
//! ```json
//! "retryPolicy": {"type": "exponential", "count": 5, "interval": "PT5S",
//!                 "minimumInterval": "PT5S", "maximumInterval": "PT45S"}
//! ```
//!
//! `count` is the number of retries after the first attempt (1–90). Intervals lie between
//! PT5S and P1D. Without a policy the `default` policy applies: up to 4 retries at
//! exponentially growing intervals (a 7.5 s unit, each wait between 5 and 45 seconds).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::duration::{format_duration, parse_duration};
use crate::value::Value;

/// The fewest retries a `fixed` or `exponential` policy may ask for.
pub const MIN_COUNT: i64 = 1;
/// The most retries a policy may ask for.
pub const MAX_COUNT: i64 = 90;
/// The shortest interval a policy may give.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);
/// The longest interval a policy may give.
pub const MAX_INTERVAL: Duration = Duration::from_secs(86_400);

/// A retry policy.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryPolicy {
    /// No retries.
    None,
    /// `count` retries, `interval` apart.
    Fixed {
        /// Retries after the first attempt.
        count: u32,
        /// The wait before each retry.
        interval: Duration,
    },
    /// `count` retries at random, exponentially growing intervals.
    Exponential {
        /// Retries after the first attempt.
        count: u32,
        /// The unit the ranges double from.
        interval: Duration,
        /// The shortest wait.
        minimum: Duration,
        /// The longest wait.
        maximum: Duration,
    },
}

impl Default for RetryPolicy {
    /// The service's default policy, as its documentation describes it in words: up to 4
    /// retries, exponential with a 7.5 s unit, each wait between 5 and 45 seconds.
    fn default() -> RetryPolicy {
        RetryPolicy::Exponential {
            count: 4,
            interval: Duration::from_millis(7_500),
            minimum: Duration::from_secs(5),
            maximum: Duration::from_secs(45),
        }
    }
}

/// Why a policy definition is not valid: the message, and the member it is about (relative
/// to the policy object, as a JSON pointer: `/count`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// What is wrong.
    pub message: String,
    /// The member, as a JSON pointer relative to the policy (`""` for the policy itself).
    pub pointer: String,
}

fn policy_error(pointer: &str, message: impl Into<String>) -> PolicyError {
    PolicyError { message: message.into(), pointer: pointer.to_string() }
}

impl RetryPolicy {
    /// Reads and validates a policy object. `null` (or no policy) means the default.
    pub fn from_value(value: &Value) -> Result<RetryPolicy, PolicyError> {
        let object = match value {
            Value::Null => return Ok(RetryPolicy::default()),
            Value::Object(o) => o,
            other => {
                return Err(policy_error(
                    "",
                    format!("the retry policy must be an object, not {}", other.value_type()),
                ))
            }
        };
        let kind = match object.get_ci("type") {
            Some(Value::String(s)) => s.to_ascii_lowercase(),
            Some(other) => {
                return Err(policy_error(
                    "/type",
                    format!("the retry policy 'type' must be a string, not {}", other.value_type()),
                ))
            }
            None => {
                return Err(policy_error(
                    "/type",
                    "the retry policy has no 'type': use 'default', 'none', 'fixed' or 'exponential'",
                ))
            }
        };
        let count = || -> Result<u32, PolicyError> {
            let v = object.get_ci("count").ok_or_else(|| {
                policy_error("/count", format!("a '{kind}' retry policy needs a 'count' (1 to 90 retries)"))
            })?;
            let n = match v {
                Value::Int(n) => Some(*n),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(*f as i64),
                _ => None,
            };
            match n {
                Some(n) if (MIN_COUNT..=MAX_COUNT).contains(&n) => Ok(n as u32),
                Some(n) => Err(policy_error(
                    "/count",
                    format!(
                        "the retry policy 'count' must be between {MIN_COUNT} and {MAX_COUNT}; it is {n}"
                    ),
                )),
                None => Err(policy_error(
                    "/count",
                    format!("the retry policy 'count' must be an integer, not {}", v.to_text()),
                )),
            }
        };
        let duration = |name: &str, default: Option<Duration>| -> Result<Duration, PolicyError> {
            let pointer = format!("/{name}");
            let text = match object.get_ci(name) {
                None | Some(Value::Null) => {
                    return default.ok_or_else(|| {
                        policy_error(
                            &pointer,
                            format!(
                            "a '{kind}' retry policy needs an '{name}' (an ISO 8601 duration, PT5S to P1D)"
                        ),
                        )
                    })
                }
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(policy_error(
                        &pointer,
                        format!(
                            "the retry policy '{name}' must be an ISO 8601 duration string, not {}",
                            other.value_type()
                        ),
                    ))
                }
            };
            let d = parse_duration(&text)
                .map_err(|e| policy_error(&pointer, format!("retry policy '{name}': {e}")))?;
            if d < MIN_INTERVAL || d > MAX_INTERVAL {
                return Err(policy_error(
                    &pointer,
                    format!("the retry policy '{name}' must be between PT5S and P1D; it is '{text}'"),
                ));
            }
            Ok(d)
        };
        match kind.as_str() {
            "default" => Ok(RetryPolicy::default()),
            "none" => Ok(RetryPolicy::None),
            "fixed" => Ok(RetryPolicy::Fixed { count: count()?, interval: duration("interval", None)? }),
            "exponential" => {
                let count = count()?;
                let interval = duration("interval", None)?;
                let minimum = duration("minimumInterval", Some(MIN_INTERVAL))?;
                let maximum = duration("maximumInterval", Some(MAX_INTERVAL))?;
                if minimum > maximum {
                    return Err(policy_error(
                        "/minimumInterval",
                        format!(
                            "the retry policy 'minimumInterval' ({}) is longer than its 'maximumInterval' ({})",
                            format_duration(minimum),
                            format_duration(maximum)
                        ),
                    ));
                }
                Ok(RetryPolicy::Exponential { count, interval, minimum, maximum })
            }
            other => Err(policy_error(
                "/type",
                format!(
                    "'{other}' is not a retry policy type: use 'default', 'none', 'fixed' or 'exponential'"
                ),
            )),
        }
    }

    /// The number of retries after the first attempt.
    pub fn retries(&self) -> u32 {
        match self {
            RetryPolicy::None => 0,
            RetryPolicy::Fixed { count, .. } | RetryPolicy::Exponential { count, .. } => *count,
        }
    }

    /// The range the wait before retry `n` (counting from 1) is drawn from. For a fixed
    /// policy both ends are the interval. For an exponential one, per the service's
    /// documentation: from `max(n == 1 ? 0 : interval·2^(n−2), minimum)` to
    /// `min(interval·2^(n−1), maximum)`; when the lower end passes the upper (a minimum
    /// above the doubled interval), the lower end; and no wait is longer than the maximum.
    pub fn wait_range(&self, n: u32) -> Option<(Duration, Duration)> {
        if n == 0 || n > self.retries() {
            return None;
        }
        match *self {
            RetryPolicy::None => None,
            RetryPolicy::Fixed { interval, .. } => Some((interval, interval)),
            RetryPolicy::Exponential { interval, minimum, maximum, .. } => {
                let doubled = |power: u32| {
                    1u32.checked_shl(power).and_then(|f| interval.checked_mul(f)).unwrap_or(Duration::MAX)
                };
                // The lower end never passes the maximum either: once the doubled interval
                // reaches it, every wait is the maximum.
                let lower = if n == 1 { Duration::ZERO } else { doubled(n - 2) }.max(minimum).min(maximum);
                let upper = doubled(n - 1).min(maximum);
                Some(if lower > upper { (lower, lower) } else { (lower, upper) })
            }
        }
    }

    /// The wait before retry `n`, drawn uniformly from [`RetryPolicy::wait_range`] with
    /// `rng` (millisecond resolution).
    pub fn wait_before_retry(&self, n: u32, rng: &mut fastrand::Rng) -> Option<Duration> {
        let (lower, upper) = self.wait_range(n)?;
        let (lo, hi) = (lower.as_millis() as u64, upper.as_millis() as u64);
        Some(Duration::from_millis(if hi > lo { rng.u64(lo..=hi) } else { lo }))
    }

    /// The policy as the JSON object a definition would write.
    pub fn to_value(&self) -> Value {
        let mut o = crate::value::Object::new();
        match self {
            RetryPolicy::None => o.insert("type", Value::from("none")),
            RetryPolicy::Fixed { count, interval } => {
                o.insert("type", Value::from("fixed"));
                o.insert("count", Value::from(i64::from(*count)));
                o.insert("interval", Value::from(format_duration(*interval)));
            }
            RetryPolicy::Exponential { count, interval, minimum, maximum } => {
                o.insert("type", Value::from("exponential"));
                o.insert("count", Value::from(i64::from(*count)));
                o.insert("interval", Value::from(format_duration(*interval)));
                o.insert("minimumInterval", Value::from(format_duration(*minimum)));
                o.insert("maximumInterval", Value::from(format_duration(*maximum)));
            }
        }
        Value::Object(o)
    }
}

/// The longest a `Retry-After` header may make an action wait before one retry or poll:
/// the longest interval a retry policy may give (P1D). A larger value — `999999999`,
/// `1e300`, a date in the year 9999 — waits this long at most, and less when the policy's
/// own `maximumInterval`, the action's `limit.timeout` or the run's duration limit ends
/// sooner.
pub const MAX_RETRY_AFTER: Duration = MAX_INTERVAL;

impl RetryPolicy {
    /// The longest wait this policy allows before one retry: an exponential policy's
    /// `maximumInterval`, else [`MAX_RETRY_AFTER`].
    pub fn longest_wait(&self) -> Duration {
        match self {
            RetryPolicy::Exponential { maximum, .. } => *maximum,
            RetryPolicy::Fixed { .. } | RetryPolicy::None => MAX_RETRY_AFTER,
        }
    }
}

/// Is a response with this status retried? 408, 429 and every 5xx are; nothing else is.
pub fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// Reads a `Retry-After` header: a number of seconds, or an HTTP date (the wait is then the
/// time from `now` until that date, zero if it has passed). `None` when the text is neither.
pub fn parse_retry_after(text: &str, now: DateTime<Utc>) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e12)));
    }
    let when: DateTime<Utc> = httpdate::parse_http_date(text).ok()?.into();
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json_str;

    fn policy(json: &str) -> Result<RetryPolicy, PolicyError> {
        RetryPolicy::from_value(&from_json_str(json).unwrap_or_default())
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn reads_every_type() {
        assert_eq!(policy("null"), Ok(RetryPolicy::default()));
        assert_eq!(policy(r#"{"type": "Default"}"#), Ok(RetryPolicy::default()));
        assert_eq!(policy(r#"{"type": "none"}"#), Ok(RetryPolicy::None));
        assert_eq!(
            policy(r#"{"type": "fixed", "count": 2, "interval": "PT30S"}"#),
            Ok(RetryPolicy::Fixed { count: 2, interval: secs(30.0) })
        );
        assert_eq!(
            policy(r#"{"type": "exponential", "count": 5, "interval": "PT5S", "maximumInterval": "PT45S"}"#),
            Ok(RetryPolicy::Exponential {
                count: 5,
                interval: secs(5.0),
                minimum: secs(5.0),
                maximum: secs(45.0)
            })
        );
        assert_eq!(
            policy(r#"{"type": "fixed", "count": "3", "interval": "PT5S"}"#).map(|p| p.retries()),
            Ok(3)
        );
    }

    #[test]
    fn rejects_out_of_range_definitions() {
        for (json, pointer, fragment) in [
            (r#"{"type": "fixed", "count": 0, "interval": "PT5S"}"#, "/count", "between 1 and 90; it is 0"),
            (r#"{"type": "fixed", "count": 91, "interval": "PT5S"}"#, "/count", "between 1 and 90; it is 91"),
            (r#"{"type": "fixed", "count": 1.5, "interval": "PT5S"}"#, "/count", "must be an integer"),
            (r#"{"type": "fixed", "interval": "PT5S"}"#, "/count", "needs a 'count'"),
            (r#"{"type": "fixed", "count": 2}"#, "/interval", "needs an 'interval'"),
            (r#"{"type": "fixed", "count": 2, "interval": "PT4S"}"#, "/interval", "between PT5S and P1D"),
            (r#"{"type": "fixed", "count": 2, "interval": "P2D"}"#, "/interval", "between PT5S and P1D"),
            (r#"{"type": "fixed", "count": 2, "interval": "5 seconds"}"#, "/interval", "ISO 8601"),
            (r#"{"type": "fixed", "count": 2, "interval": 5}"#, "/interval", "duration string"),
            (
                r#"{"type": "exponential", "count": 2, "interval": "PT5S", "minimumInterval": "PT1M", "maximumInterval": "PT30S"}"#,
                "/minimumInterval",
                "longer than",
            ),
            (
                r#"{"type": "exponential", "count": 2, "interval": "PT5S", "maximumInterval": "PT1S"}"#,
                "/maximumInterval",
                "between PT5S and P1D",
            ),
            (r#"{"type": "sometimes"}"#, "/type", "is not a retry policy type"),
            (r#"{"count": 2}"#, "/type", "has no 'type'"),
            (r#""fixed""#, "", "must be an object"),
        ] {
            match policy(json) {
                Err(e) => {
                    assert_eq!(e.pointer, pointer, "{json}");
                    assert!(e.message.contains(fragment), "{json}: {}", e.message);
                }
                Ok(p) => panic!("{json} was accepted as {p:?}"),
            }
        }
    }

    #[test]
    fn exponential_ranges_follow_the_documented_formula() {
        // The documentation's text defaults: i = 7.5 s, min 5 s, max 45 s.
        let p = RetryPolicy::default();
        let ranges: Vec<_> = (1..=4).filter_map(|n| p.wait_range(n)).collect();
        assert_eq!(
            ranges,
            [
                (secs(5.0), secs(7.5)),
                (secs(7.5), secs(15.0)),
                (secs(15.0), secs(30.0)),
                (secs(30.0), secs(45.0))
            ]
        );
        assert_eq!(p.wait_range(5), None);
        assert_eq!(p.wait_range(0), None);
        // The JSON the documentation shows: PT7S, PT5S, PT1H.
        let p = policy(
            r#"{"type":"exponential","interval":"PT7S","count":4,"minimumInterval":"PT5S","maximumInterval":"PT1H"}"#,
        )
        .unwrap_or(RetryPolicy::None);
        let ranges: Vec<_> = (1..=4).filter_map(|n| p.wait_range(n)).collect();
        assert_eq!(
            ranges,
            [
                (secs(5.0), secs(7.0)),
                (secs(7.0), secs(14.0)),
                (secs(14.0), secs(28.0)),
                (secs(28.0), secs(56.0))
            ]
        );
        // A minimum above the doubled interval: the lower end wins.
        let p = RetryPolicy::Exponential {
            count: 2,
            interval: secs(5.0),
            minimum: secs(20.0),
            maximum: secs(60.0),
        };
        assert_eq!(p.wait_range(1), Some((secs(20.0), secs(20.0))));
        // Huge counts do not overflow.
        let p = RetryPolicy::Exponential {
            count: 90,
            interval: secs(86_400.0),
            minimum: secs(5.0),
            maximum: secs(86_400.0),
        };
        assert_eq!(p.wait_range(90), Some((secs(86_400.0), secs(86_400.0))));
    }

    #[test]
    fn random_waits_stay_in_range() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200 {
            for n in 1..=4 {
                let (lo, hi) = p.wait_range(n).unwrap_or_default();
                let w = p.wait_before_retry(n, &mut rng).unwrap_or_default();
                assert!(lo <= w && w <= hi, "retry {n}: {w:?} not in {lo:?}..{hi:?}");
            }
        }
        let fixed = RetryPolicy::Fixed { count: 2, interval: secs(30.0) };
        assert_eq!(fixed.wait_before_retry(2, &mut rng), Some(secs(30.0)));
        assert_eq!(fixed.wait_before_retry(3, &mut rng), None);
        assert_eq!(RetryPolicy::None.wait_before_retry(1, &mut rng), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 202, 301, 400, 401, 403, 404, 409, 600] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").map(|t| t.with_timezone(&Utc));
        let now = now.unwrap_or_default();
        assert_eq!(parse_retry_after("120", now), Some(secs(120.0)));
        assert_eq!(parse_retry_after(" 2 ", now), Some(secs(2.0)));
        assert_eq!(parse_retry_after("1.5", now), Some(secs(1.5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(secs(30.0)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wednesday, 21-Oct-15 07:28:10 GMT", now), Some(secs(10.0)));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn round_trips_through_json() {
        for p in
            [RetryPolicy::None, RetryPolicy::default(), RetryPolicy::Fixed { count: 2, interval: secs(30.0) }]
        {
            assert_eq!(RetryPolicy::from_value(&p.to_value()), Ok(p));
        }
    }
}
