//! Time for the runtime: what time it is and how to wait. Tests substitute a
//! [`ManualClock`], whose waits take no time at all.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// The runtime's clock.
pub trait Clock: Send + Sync {
    /// A monotonic instant, for measuring elapsed time.
    fn now(&self) -> Instant;
    /// The wall-clock time, for records.
    fn utc_now(&self) -> DateTime<Utc>;
    /// Waits this long.
    fn sleep(&self, duration: Duration);
}

/// The system clock: real time, real waits.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn utc_now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) {
        if !duration.is_zero() {
            std::thread::sleep(duration);
        }
    }
}

/// A clock that only moves when something sleeps: a wait of an hour returns at once and
/// moves the clock an hour on.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    start_utc: DateTime<Utc>,
    elapsed: Mutex<Duration>,
}

impl ManualClock {
    /// A clock that starts at `start_utc`.
    pub fn new(start_utc: DateTime<Utc>) -> ManualClock {
        ManualClock { start: Instant::now(), start_utc, elapsed: Mutex::new(Duration::ZERO) }
    }

    /// How far the clock has moved.
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock on.
    pub fn advance(&self, by: Duration) {
        let mut e = self.elapsed.lock().unwrap_or_else(|p| p.into_inner());
        *e = e.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn utc_now(&self) -> DateTime<Utc> {
        self.start_utc + chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::zero())
    }

    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_sleeping() {
        let t0 = DateTime::parse_from_rfc3339("2024-01-15T10:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let c = ManualClock::new(t0);
        let start = c.now();
        c.sleep(Duration::from_secs(3600));
        assert_eq!(c.now() - start, Duration::from_secs(3600));
        assert_eq!(c.utc_now().to_rfc3339(), "2024-01-15T11:30:00+00:00");
    }
}
