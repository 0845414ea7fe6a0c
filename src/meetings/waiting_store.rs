//! What waits for the officers of a subtree: leave requests not yet decided, and meetings that
//! are over but have no record yet. Each answer is a count and the first one to open.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

/// Undecided leave requests for meetings of the subtree that are not cancelled: (count, the
/// meeting of the oldest).
pub(super) async fn pending_leaves(
    ex: &mut Exec<'_>,
    path: &str,
) -> StoreResult<(i64, Option<i64>)> {
    const SQL: &str = "SELECT COUNT(*), MIN(l.meeting_id) FROM meeting_leaves l
        JOIN meetings m ON m.id = l.meeting_id JOIN orgs o ON o.id = m.org_id
        WHERE l.status = 'pending' AND m.status <> 'cancelled' AND o.path >= $1 AND o.path < $2";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).fetch_one(c).await?))
}

/// Meetings of the subtree that ended before `now` and are still only planned (no record
/// submitted): (count, the earliest).
pub(super) async fn unrecorded(
    ex: &mut Exec<'_>,
    path: &str,
    now: OffsetDateTime,
) -> StoreResult<(i64, Option<i64>)> {
    const SQL: &str = "SELECT COUNT(*), MIN(m.id) FROM meetings m JOIN orgs o ON o.id = m.org_id
        WHERE m.status = 'planned' AND m.ends_at < $3 AND o.path >= $1 AND o.path < $2";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).bind(now).fetch_one(c).await?))
}
