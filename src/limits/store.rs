//! The counts per account, kind and hour.

use crate::db::{Exec, StoreResult};
use crate::on;

/// Counts one action in its window and returns the window's count including it. The upsert
/// locks the row until the transaction ends, so concurrent requests of one account are
/// counted one after the other and cannot both slip under the limit.
pub async fn count_one(
    ex: &mut Exec<'_>,
    user_id: i64,
    kind: &str,
    window: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO rate_counters (user_id, kind, window_start, hits)
        VALUES ($1, $2, $3, 1)
        ON CONFLICT (user_id, kind, window_start) DO UPDATE SET hits = rate_counters.hits + 1
        RETURNING hits";
    Ok(on!(ex, c => sqlx::query_scalar::<_, i64>(SQL)
        .bind(user_id).bind(kind).bind(window).fetch_one(c).await?))
}

/// Takes back an action that was refused, so refusals do not stretch the wait.
pub async fn uncount_one(
    ex: &mut Exec<'_>,
    user_id: i64,
    kind: &str,
    window: i64,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE rate_counters SET hits = hits - 1
        WHERE user_id = $1 AND kind = $2 AND window_start = $3";
    on!(ex, c => sqlx::query(SQL).bind(user_id).bind(kind).bind(window).execute(c).await?.rows_affected());
    Ok(())
}

/// The count of one window (0 when nothing was counted).
pub async fn hits(ex: &mut Exec<'_>, user_id: i64, kind: &str, window: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT hits FROM rate_counters
        WHERE user_id = $1 AND kind = $2 AND window_start = $3";
    let v: Option<i64> = on!(ex, c => sqlx::query_scalar(SQL)
        .bind(user_id).bind(kind).bind(window).fetch_optional(c).await?);
    Ok(v.unwrap_or(0))
}

/// Forgets this account's windows older than `before`; they can no longer matter.
pub async fn forget_before(
    ex: &mut Exec<'_>,
    user_id: i64,
    kind: &str,
    before: i64,
) -> StoreResult<()> {
    const SQL: &str =
        "DELETE FROM rate_counters WHERE user_id = $1 AND kind = $2 AND window_start < $3";
    on!(ex, c => sqlx::query(SQL).bind(user_id).bind(kind).bind(before).execute(c).await?.rows_affected());
    Ok(())
}
