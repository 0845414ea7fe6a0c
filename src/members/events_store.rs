//! Member events in the database: appended, never changed.

use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

use super::events::{MemberEvent, NewEvent};

/// Appends an event.
///
/// # Errors
/// Database failures.
pub async fn insert(ex: &mut Exec<'_>, e: &NewEvent<'_>, now: OffsetDateTime) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO member_events (member_id, kind, occurred_on, from_org_id, to_org_id, note,
        recorded_by, recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL)
        .bind(e.member_id).bind(e.kind.code()).bind(e.occurred_on).bind(e.from_org_id).bind(e.to_org_id)
        .bind(e.note).bind(e.recorded_by).bind(e.recorded_by_name).bind(now)
        .fetch_one(c).await?))
}

/// A member's events, oldest first.
///
/// # Errors
/// Database failures.
pub async fn list(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<Vec<MemberEvent>> {
    const SQL: &str = "SELECT e.id, e.kind, e.occurred_on, e.from_org_id, e.to_org_id, f.name AS from_name,
        t.name AS to_name, e.note, e.recorded_by_name, e.recorded_at
        FROM member_events e LEFT JOIN orgs f ON f.id = e.from_org_id LEFT JOIN orgs t ON t.id = e.to_org_id
        WHERE e.member_id = $1 ORDER BY e.occurred_on, e.id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(member_id).fetch_all(c).await?))
}

/// For every member who ever entered the subtree at `path`, their events up to `date`, in order:
/// `(member id, kind, to organisation)`.
///
/// # Errors
/// Database failures.
pub async fn history_up_to(
    ex: &mut Exec<'_>,
    path: &str,
    date: Date,
) -> StoreResult<Vec<(i64, String, Option<i64>)>> {
    const SQL: &str = "SELECT e.member_id, e.kind, e.to_org_id FROM member_events e
        WHERE e.occurred_on <= $3 AND e.member_id IN (
            SELECT x.member_id FROM member_events x JOIN orgs o ON o.id = x.to_org_id
            WHERE o.path >= $1 AND o.path < $2)
        ORDER BY e.member_id, e.occurred_on, e.id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).bind(date).fetch_all(c).await?))
}
