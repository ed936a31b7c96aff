//! Action and run statuses, and the sets of them a `runAfter` lists.

use std::fmt;

/// The status of an action, a loop iteration, a scope or a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Finished without error.
    Succeeded,
    /// Finished with an error (or, for a container, a branch ended in failure).
    Failed,
    /// Did not run: its `runAfter` was not met, its branch was not taken, or the run ended.
    Skipped,
    /// Ran out of time (`limit.timeout`).
    TimedOut,
    /// Stopped before it finished (a Terminate action ended the run).
    Cancelled,
}

impl Status {
    /// Every status, in the order the summary counts them.
    pub const ALL: [Status; 5] =
        [Status::Succeeded, Status::Failed, Status::Skipped, Status::TimedOut, Status::Cancelled];

    /// The service's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Skipped => "Skipped",
            Status::TimedOut => "TimedOut",
            Status::Cancelled => "Cancelled",
        }
    }

    /// Reads a status in any letter case (`SUCCEEDED`, `succeeded`, `Succeeded`).
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(text))
    }

    /// Does this status count as a failure when a branch ends in it?
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::TimedOut | Status::Cancelled)
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Status::Succeeded => 0,
            Status::Failed => 1,
            Status::Skipped => 2,
            Status::TimedOut => 3,
            Status::Cancelled => 4,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The statuses a `runAfter` entry accepts: `Succeeded`, `Failed`, `Skipped`, `TimedOut`.
pub(crate) const RUN_AFTER_STATUSES: [Status; 4] =
    [Status::Succeeded, Status::Failed, Status::Skipped, Status::TimedOut];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case() {
        for (text, expected) in [
            ("Succeeded", Some(Status::Succeeded)),
            ("SUCCEEDED", Some(Status::Succeeded)),
            ("failed", Some(Status::Failed)),
            ("TIMEDOUT", Some(Status::TimedOut)),
            ("Skipped", Some(Status::Skipped)),
            ("Running", None),
            ("", None),
        ] {
            assert_eq!(Status::parse(text), expected, "{text}");
        }
        assert!(Status::TimedOut.is_failure() && !Status::Skipped.is_failure());
    }
}
