//! Rotating check-in codes. The QR code on the meeting-room screen encodes a short code derived
//! from a per-meeting secret and the current time window with HMAC-SM3, so a photo of the code
//! sent to someone at home stops working within a window or two, and nothing needs storing.

use hmac::{Hmac, Mac};
use sm3::Sm3;
use time::OffsetDateTime;

use crate::shared::token::constant_time_eq;

/// Characters of a code: no 0/O or 1/I to misread when typed by hand.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Length of a code (40 bits).
pub const CODE_LEN: usize = 8;

/// The time window `now` falls in.
#[must_use]
pub fn window(now: OffsetDateTime, rotate_secs: u32) -> i64 {
    now.unix_timestamp()
        .div_euclid(i64::from(rotate_secs.max(1)))
}

/// When the window ends.
#[must_use]
pub fn window_end(w: i64, rotate_secs: u32) -> OffsetDateTime {
    let secs = (w + 1).saturating_mul(i64::from(rotate_secs.max(1)));
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The code of a meeting for a window.
#[must_use]
pub fn code_for(key: &str, meeting_id: i64, w: i64) -> String {
    let Ok(mut mac) = Hmac::<Sm3>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("checkin:{meeting_id}:{w}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut bits: u64 = 0;
    for b in &digest[..5] {
        bits = (bits << 8) | u64::from(*b);
    }
    (0..CODE_LEN)
        .rev()
        .map(|i| char::from(ALPHABET[usize::try_from((bits >> (i * 5)) & 31).unwrap_or(0)]))
        .collect()
}

/// Whether `code` is the meeting's code for the current window or the one before it (a member
/// who scanned just before the screen changed is not turned away).
#[must_use]
pub fn verify(
    key: &str,
    meeting_id: i64,
    code: &str,
    now: OffsetDateTime,
    rotate_secs: u32,
) -> bool {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != CODE_LEN {
        return false;
    }
    let w = window(now, rotate_secs);
    [w, w - 1]
        .iter()
        .any(|w| constant_time_eq(code_for(key, meeting_id, *w).as_bytes(), code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn a_code_is_valid_for_its_window_and_the_next_only() {
        let t = datetime!(2026-11-28 06:00:05 UTC);
        let c = code_for("k", 7, window(t, 30));
        assert_eq!(c.len(), CODE_LEN);
        assert!(verify("k", 7, &c, t, 30));
        assert!(verify(
            "k",
            7,
            &c.to_lowercase(),
            t + Duration::seconds(30),
            30
        ));
        assert!(!verify("k", 7, &c, t + Duration::seconds(60), 30));
        assert!(!verify("k", 8, &c, t, 30), "another meeting's code");
        assert!(!verify("other", 7, &c, t, 30), "another secret");
        assert!(!verify("k", 7, "AAAA", t, 30));
    }

    #[test]
    fn window_end_is_the_rotation_boundary() {
        let t = datetime!(2026-11-28 06:00:05 UTC);
        assert_eq!(
            window_end(window(t, 30), 30),
            datetime!(2026-11-28 06:00:30 UTC)
        );
    }
}
