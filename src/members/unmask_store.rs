//! SQL for the record of unmasked personal numbers in a subtree: the audit rows of
//! `member.unmask` whose organisation lies under a root, with the member's and organisation's
//! names.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

/// One unmask.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnmaskRow {
    /// When.
    pub at: OffsetDateTime,
    /// The account's current name, or the name kept on the row.
    pub viewer: String,
    /// What was opened and why.
    pub detail: String,
    /// Member, when the record still exists.
    pub member_id: Option<i64>,
    /// Member's name.
    pub member_name: Option<String>,
    /// Organisation's name.
    pub org_name: String,
}

const FROM: &str = "FROM audit_log a JOIN orgs o ON o.id = a.org_id
    LEFT JOIN members m ON CAST(m.id AS TEXT) = a.object_id
    WHERE a.action = 'member.unmask' AND a.object_type = 'member' AND o.path >= $1 AND o.path < $2";

/// A page of unmasks under `root`, newest first.
///
/// # Errors
/// Database failures.
pub async fn page(
    ex: &mut Exec<'_>,
    root: &str,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<UnmaskRow>> {
    let sql = format!(
        "SELECT a.at, COALESCE((SELECT u.display_name FROM users u WHERE u.id = a.actor_id), a.actor_name) AS viewer,
        a.detail, m.id AS member_id, m.name AS member_name, o.name AS org_name {FROM}
        ORDER BY a.id DESC LIMIT $3 OFFSET $4"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(root).bind(subtree_upper(root)).bind(limit)
        .bind(offset).fetch_all(c).await?))
}

/// How many unmasks lie under `root`.
///
/// # Errors
/// Database failures.
pub async fn count(ex: &mut Exec<'_>, root: &str) -> StoreResult<i64> {
    let sql = format!("SELECT count(*) {FROM}");
    on!(ex, c => Ok(sqlx::query_scalar(&sql).bind(root).bind(subtree_upper(root)).fetch_one(c).await?))
}
