//! The only place that reads the system time (RES-13). Everything time-based takes a `Clock`,
//! so tests can move time forward instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// China Standard Time, used for every calendar period and for display (CAL-06).
pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// A source of the current UTC time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, truncated to whole seconds so that `SQLite`'s text timestamps sort
    /// in time order.
    fn now(&self) -> OffsetDateTime;

    /// Today's date in China time.
    fn today(&self) -> Date {
        self.now().to_offset(CHINA).date()
    }
}

/// Shared handle to the clock in use.
pub type SharedClock = Arc<dyn Clock>;

/// Truncates to whole seconds in UTC.
#[must_use]
pub fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the system time"
    )]
    fn now(&self) -> OffsetDateTime {
        truncate(OffsetDateTime::now_utc())
    }
}

/// A clock for tests that only moves when told to.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    /// A clock standing at `t`.
    #[must_use]
    pub fn at(t: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(truncate(t))))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn fixed_clock_advances_and_reports_china_date() {
        let c = FixedClock::at(datetime!(2026-11-28 17:30:00.75 UTC));
        assert_eq!(c.now(), datetime!(2026-11-28 17:30:00 UTC));
        assert_eq!(c.today(), time::macros::date!(2026 - 11 - 29));
        c.advance(Duration::hours(1));
        assert_eq!(c.now(), datetime!(2026-11-28 18:30:00 UTC));
    }
}
