//! 党务公开 entries in the database. An entry is inserted and, at most once, withdrawn; it is
//! never updated otherwise or deleted.

use time::OffsetDateTime;

use crate::audit::Actor;
use crate::db::{Exec, StoreResult};
use crate::on;

use super::board::{Disclosure, Entry};

const COLS: &str =
    "id, org_id, kind, title, body, starts_on, ends_on, visible_to_parent, author_name,
    withdrawn_at, withdrawn_reason";

/// One entry.
///
/// # Errors
/// `NotFound`; database failures.
pub(super) async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Disclosure> {
    let sql = format!("SELECT {COLS} FROM disclosures WHERE id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// The latest 200 entries of an organisation's board, newest first.
///
/// # Errors
/// Database failures.
pub(super) async fn of_org(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<Disclosure>> {
    let sql = format!(
        "SELECT {COLS} FROM disclosures WHERE org_id = $1 ORDER BY starts_on DESC, id DESC LIMIT 200"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(org_id).fetch_all(c).await?))
}

/// Inserts a checked entry (title trimmed, body cleaned) on `org_id`'s board.
///
/// # Errors
/// Database failures.
pub(super) async fn insert(
    ex: &mut Exec<'_>,
    org_id: i64,
    e: &Entry,
    author: &Actor,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO disclosures (org_id, kind, title, body, starts_on, ends_on, visible_to_parent,
        author_id, author_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).bind(&e.kind).bind(&e.title).bind(&e.body)
        .bind(e.starts_on).bind(e.ends_on).bind(e.visible_to_parent).bind(author.user_id)
        .bind(&author.name).bind(now).fetch_one(c).await?))
}

/// Marks an entry withdrawn; false when it already was.
///
/// # Errors
/// Database failures.
pub(super) async fn withdraw(
    ex: &mut Exec<'_>,
    id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE disclosures SET withdrawn_at = $2, withdrawn_reason = $3
        WHERE id = $1 AND withdrawn_at IS NULL";
    let n = on!(ex, c => sqlx::query(SQL).bind(id).bind(now).bind(reason).execute(c).await?.rows_affected());
    Ok(n == 1)
}
