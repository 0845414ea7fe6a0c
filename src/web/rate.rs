//! Per-address login throttling (SEC-07): fixed one-minute and one-hour windows kept in
//! memory. Account lockout, which must survive restarts, lives in the database instead.
//! Per-account business limits (SEC-44) are the `limits` service's, counted in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use time::OffsetDateTime;

#[derive(Debug, Clone, Copy)]
struct Windows {
    minute: i64,
    minute_count: u32,
    hour: i64,
    hour_count: u32,
}

/// Counts attempts per address.
#[derive(Debug)]
pub struct LoginLimiter {
    per_minute: u32,
    per_hour: u32,
    seen: Mutex<HashMap<IpAddr, Windows>>,
}

impl LoginLimiter {
    /// A limiter with the given allowances.
    #[must_use]
    pub fn new(per_minute: u32, per_hour: u32) -> Self {
        Self {
            per_minute,
            per_hour,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt; `false` when the address is over either limit.
    pub fn allow(&self, ip: IpAddr, now: OffsetDateTime) -> bool {
        let ts = now.unix_timestamp();
        let (minute, hour) = (ts.div_euclid(60), ts.div_euclid(3600));
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() > 100_000 {
            // Bound memory under a flood of addresses: forget windows that have passed.
            seen.retain(|_, w| w.hour == hour);
        }
        let w = seen.entry(ip).or_insert(Windows {
            minute,
            minute_count: 0,
            hour,
            hour_count: 0,
        });
        if w.minute != minute {
            w.minute = minute;
            w.minute_count = 0;
        }
        if w.hour != hour {
            w.hour = hour;
            w.hour_count = 0;
        }
        if w.minute_count >= self.per_minute || w.hour_count >= self.per_hour {
            return false;
        }
        w.minute_count += 1;
        w.hour_count += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sec_07_seventh_attempt_in_a_minute_is_refused() {
        let l = LoginLimiter::new(6, 30);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t = datetime!(2026-11-28 10:00:05 UTC);
        for _ in 0..6 {
            assert!(l.allow(ip, t));
        }
        assert!(!l.allow(ip, t));
        assert!(l.allow("192.0.2.2".parse().unwrap(), t));
        assert!(l.allow(ip, t + time::Duration::minutes(1)));
    }

    #[test]
    fn hourly_limit_holds_across_minutes() {
        let l = LoginLimiter::new(6, 10);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t = datetime!(2026-11-28 10:00:00 UTC);
        let mut ok = 0;
        for m in 0..5 {
            for _ in 0..6 {
                if l.allow(ip, t + time::Duration::minutes(m)) {
                    ok += 1;
                }
            }
        }
        assert_eq!(ok, 10);
    }
}
