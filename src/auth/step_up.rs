//! Step-up re-authentication (SEC-16): the one check every sensitive route makes before it acts
//! or writes its "success" audit row — unmasking numbers, exporting them in full, 三员 account
//! and audit actions. A page request without a fresh confirmation is sent to
//! `/account/confirm` and comes back; the API answers 401 `step_up_required`.

use time::{Duration, OffsetDateTime};

use super::extract::User;
use crate::app::App;
use crate::audit::{self, AuditEvent, Outcome};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

/// How long a confirmation stays valid.
#[must_use]
pub fn window(app: &App) -> Duration {
    Duration::minutes(i64::from(app.config.auth.step_up_minutes))
}

/// Whether a confirmation made at `confirmed_at` still holds at `now`. One from the future
/// (a clock set back) does not count.
#[must_use]
pub fn is_fresh(
    confirmed_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    window: Duration,
) -> bool {
    confirmed_at.is_some_and(|t| t <= now && now - t < window)
}

impl User {
    /// Refuses unless the password or a code was entered in this session within
    /// `auth.step_up_minutes` (SEC-16). Call it after the permission check and before the
    /// action, so a refusal leaves no trace but a "denied" audit row.
    ///
    /// # Errors
    /// [`AppError::StepUpRequired`].
    pub async fn require_recent_auth(&self, st: &AppState) -> AppResult<()> {
        let now = st.app.now();
        if is_fresh(self.0.confirmed_at, now, window(&st.app)) {
            return Ok(());
        }
        let ev = AuditEvent::success("auth.step_up_required", "session", self.0.session_id)
            .outcome(Outcome::Denied)
            .detail("需要再次验证身份");
        audit::record_alone(&st.app.db, &self.actor(), now, ev).await?;
        Err(AppError::StepUpRequired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sec_16_confirmation_lasts_five_minutes() {
        let t = datetime!(2026-12-03 08:00 UTC);
        let w = Duration::minutes(5);
        assert!(!is_fresh(None, t, w));
        assert!(is_fresh(Some(t), t, w));
        assert!(is_fresh(Some(t), t + Duration::seconds(299), w));
        assert!(!is_fresh(Some(t), t + Duration::minutes(5), w));
        assert!(!is_fresh(Some(t + Duration::minutes(1)), t, w), "future");
    }
}
