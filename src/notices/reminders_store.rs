//! What the reminder jobs read and write: the `reminders_sent` claims, the meetings coming up,
//! the attendees' lines and the notices whose receipt reminder is due.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// Claims a reminder (kind, subject, lead) in `reminders_sent`; false when it was sent before.
pub(crate) async fn claim(
    ex: &mut Exec<'_>,
    kind: &str,
    subject: i64,
    lead: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str =
        "INSERT INTO reminders_sent (kind, subject_id, lead, sent_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING";
    on!(ex, c => Ok(sqlx::query(SQL).bind(kind).bind(subject).bind(lead).bind(now).execute(c).await?.rows_affected() == 1))
}

/// Planned meetings starting within `horizon`: (id, title, starts at, place, organisation).
pub(super) async fn upcoming(
    ex: &mut Exec<'_>,
    now: OffsetDateTime,
    horizon: OffsetDateTime,
) -> StoreResult<Vec<(i64, String, OffsetDateTime, String, i64)>> {
    const SQL: &str = "SELECT id, title, starts_at, place, org_id FROM meetings
        WHERE status = 'planned' AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(now).bind(horizon).fetch_all(c).await?))
}

/// Adds a line for the accounts of everyone expected at a meeting who has not asked for leave.
pub(super) async fn to_attendees(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    title: &str,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    const SQL: &str = "INSERT INTO notifications (user_id, kind, title, link, created_at)
        SELECT u.id, 'meeting_reminder', $2, '/meetings/' || CAST($1 AS TEXT), $3
        FROM meeting_attendees a JOIN users u ON u.member_id = a.member_id
        WHERE a.meeting_id = $1 AND a.status <> 'leave' AND u.disabled = FALSE";
    on!(ex, c => Ok(sqlx::query(SQL).bind(meeting_id).bind(title).bind(now).execute(c).await?.rows_affected()))
}

/// Published notices that ask for a receipt, published at or before `before`, not reminded yet
/// (at most 100 per run): (id, title).
pub(super) async fn receipts_due(
    ex: &mut Exec<'_>,
    before: OffsetDateTime,
) -> StoreResult<Vec<(i64, String)>> {
    const SQL: &str = "SELECT id, title FROM notices
        WHERE status = 'published' AND receipt_required = TRUE AND last_reminded_at IS NULL
          AND published_at <= $1 ORDER BY id LIMIT 100";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(before).fetch_all(c).await?))
}

/// Whether a reminder (kind, subject, lead) was claimed before, without claiming it.
///
/// # Errors
/// Database failures.
pub(crate) async fn claimed(
    ex: &mut Exec<'_>,
    kind: &str,
    subject: i64,
    lead: &str,
) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM reminders_sent
        WHERE kind = $1 AND subject_id = $2 AND lead = $3";
    let n: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(kind).bind(subject).bind(lead).fetch_one(c).await?);
    Ok(n > 0)
}
