//! A scan that survives signing in. A member who scans the room QR while signed out goes
//! through login, maybe activation and a forced new password, and by then the code on the
//! screen has rotated. So a valid scan leaves a pass in that browser: an `HttpOnly` cookie,
//! signed with the meeting's check-in secret, good for [`PASS_SECS`] and for that meeting only.
//! It lives in the browser that scanned, not in the link, so forwarding the link passes nothing
//! on; and it only stands in for the code, so the window and the roll are checked as before.

use hmac::{Hmac, Mac};
use sm3::Sm3;
use time::OffsetDateTime;

use crate::app::App;
use crate::db::StoreError;
use crate::shared::token::constant_time_eq;

use super::code;
use super::store;

/// The cookie that holds the pass.
pub const COOKIE: &str = "zhibu_scan";

/// How long a pass lasts: enough for login, activation and a new password.
pub const PASS_SECS: i64 = 600;

fn mac(key: &str, meeting_id: i64, expires: i64) -> String {
    let Ok(mut m) = Hmac::<Sm3>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    m.update(format!("scan-pass:{meeting_id}:{expires}").as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// The pass for a meeting, good until `expires` (unix seconds).
#[must_use]
pub fn pass_for(key: &str, meeting_id: i64, expires: i64) -> String {
    format!("{meeting_id}.{expires}.{}", mac(key, meeting_id, expires))
}

/// Whether `pass` is a live pass for the meeting.
#[must_use]
pub fn verify(key: &str, meeting_id: i64, pass: &str, now: OffsetDateTime) -> bool {
    let mut parts = pass.splitn(3, '.');
    let (Some(id), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(id), Ok(expires)) = (id.parse::<i64>(), expires.parse::<i64>()) else {
        return false;
    };
    id == meeting_id
        && expires >= now.unix_timestamp()
        && expires <= now.unix_timestamp() + PASS_SECS
        && constant_time_eq(mac(key, meeting_id, expires).as_bytes(), tag.as_bytes())
}

/// A pass for a scanned code, when the code is the meeting's current one (or the one before);
/// `None` for a wrong, stale or unknown code, so a guess learns nothing.
///
/// # Errors
/// Storage failures.
pub async fn on_scan(
    app: &App,
    meeting_id: i64,
    scanned: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let m = match store::get(&mut app.db.conn().await?.exec(), meeting_id).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let now = app.now();
    let ok = code::verify(
        &m.checkin_key,
        m.id,
        scanned,
        now,
        app.config.meetings.checkin_rotate_secs,
    );
    Ok(ok.then(|| {
        (
            pass_for(&m.checkin_key, m.id, now.unix_timestamp() + PASS_SECS),
            m.title.clone(),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn a_pass_is_for_one_meeting_and_a_few_minutes() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let p = pass_for("secret", 7, now.unix_timestamp() + PASS_SECS);
        assert!(verify("secret", 7, &p, now));
        assert!(verify("secret", 7, &p, now + Duration::seconds(PASS_SECS)));
        assert!(!verify(
            "secret",
            7,
            &p,
            now + Duration::seconds(PASS_SECS + 1)
        ));
        assert!(!verify("secret", 8, &p, now), "another meeting");
        assert!(!verify("other", 7, &p, now), "another secret");
        let far = pass_for("secret", 7, now.unix_timestamp() + 10 * PASS_SECS);
        assert!(
            !verify("secret", 7, &far, now),
            "no pass longer than the limit"
        );
        assert!(!verify("secret", 7, "7.1.abc", now));
        assert!(!verify("secret", 7, "", now));
    }
}
