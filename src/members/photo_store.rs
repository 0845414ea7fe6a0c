//! Member photos in the database, one row per member.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// Stores or replaces a member's photo.
pub(super) async fn put(
    ex: &mut Exec<'_>,
    member_id: i64,
    content: &[u8],
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("INSERT INTO member_photos (member_id, content, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (member_id) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at")
        .bind(member_id).bind(content).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Removes a member's photo; returns how many rows went.
pub(super) async fn delete(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<u64> {
    Ok(
        on!(ex, c => sqlx::query("DELETE FROM member_photos WHERE member_id = $1").bind(member_id).execute(c).await?.rows_affected()),
    )
}

/// The stored photo of a member.
///
/// # Errors
/// Database failures.
pub async fn get_bytes(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<Option<Vec<u8>>> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT content FROM member_photos WHERE member_id = $1").bind(member_id).fetch_optional(c).await?))
}

/// Whether a member has a photo (without reading it).
///
/// # Errors
/// Database failures.
pub async fn exists(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar("SELECT count(*) FROM member_photos WHERE member_id = $1")
        .bind(member_id).fetch_one(c).await?);
    Ok(n > 0)
}
