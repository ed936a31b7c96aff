//! Time for a run: one clock that starts at `--clock` (or now), advances with real time
//! divided by the time scale, and sleeps scaled by it, so a definition with a one-hour
//! `Wait` runs in milliseconds under `--time-scale 0.000001` and still sees an hour pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, Result};

/// The run's clock.
#[derive(Debug, Clone)]
pub struct Clock {
    start: DateTime<Utc>,
    real_start: Instant,
    scale: f64,
}

impl Clock {
    /// A clock that starts at `start` and runs at `scale` (every wait lasts `scale` times
    /// its nominal length; 1 is real time). `scale` must be a positive finite number.
    pub fn new(start: Option<DateTime<Utc>>, scale: f64) -> Result<Clock> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("the time scale must be a positive number, like 1 or 0.001, not {scale}"),
            ));
        }
        Ok(Clock { start: start.unwrap_or_else(Utc::now), real_start: Instant::now(), scale })
    }

    /// The system clock at real speed.
    pub fn system() -> Clock {
        Clock { start: Utc::now(), real_start: Instant::now(), scale: 1.0 }
    }

    /// The time the run started at.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The time scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The current time of the run: the start plus the elapsed real time divided by the
    /// scale.
    pub fn now(&self) -> DateTime<Utc> {
        let nominal = self.real_start.elapsed().as_secs_f64() / self.scale;
        let micros = (nominal * 1e6).min(1e15) as i64;
        self.start + chrono::Duration::microseconds(micros)
    }

    /// The real duration of a nominal wait.
    pub fn real(&self, nominal: Duration) -> Duration {
        Duration::from_secs_f64((nominal.as_secs_f64() * self.scale).min(1e9))
    }

    /// Sleeps for a nominal duration (scaled), waking early when `cancel` is set. Returns
    /// false when it was cancelled.
    pub fn sleep(&self, nominal: Duration, cancel: &AtomicBool) -> bool {
        let deadline = Instant::now() + self.real(nominal);
        loop {
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }
}

/// Parses an ISO 8601 duration as the service writes them (`PT5S`, `PT1H30M`, `P1D`,
/// `PT0.5S`, `P1W`), with the HTTP runtime's rules (a year is 365 days, a month 30).
pub fn parse_duration(text: &str) -> Result<Duration> {
    crate::runtime::parse_duration(text).map_err(|message| Error::new(ErrorKind::InvalidArgument, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, secs) in [
            ("PT5S", 5.0),
            ("PT1H", 3600.0),
            ("PT1H30M", 5400.0),
            ("P1D", 86400.0),
            ("P1DT1S", 86401.0),
            ("PT0.5S", 0.5),
            ("P1W", 604800.0),
            ("pt10m", 600.0),
        ] {
            assert_eq!(parse_duration(text).ok().map(|d| d.as_secs_f64()), Some(secs), "{text}");
        }
        assert_eq!(parse_duration("P1M").ok().map(|d| d.as_secs()), Some(30 * 86_400));
        for text in ["", "P", "5S", "PT", "PT5", "PT5X", "P1H"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn scaled_clock_advances_nominal_time() {
        let start = DateTime::parse_from_rfc3339("2024-01-15T00:00:00Z").map(|t| t.with_timezone(&Utc));
        let clock = Clock::new(start.ok(), 0.001).unwrap_or_else(|_| Clock::system());
        let cancel = AtomicBool::new(false);
        assert!(clock.sleep(Duration::from_secs(10), &cancel));
        let elapsed = clock.now() - clock.start;
        assert!(elapsed.num_seconds() >= 10, "{elapsed}");
        cancel.store(true, Ordering::Relaxed);
        assert!(!clock.sleep(Duration::from_secs(3600), &cancel));
        assert!(Clock::new(None, 0.0).is_err() && Clock::new(None, f64::NAN).is_err());
    }
}
