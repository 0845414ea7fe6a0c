//! Events a consumer could not use. Passing over them silently would lose a member's points
//! without a trace; stopping on them would hold every later event back. So the consumer records
//! the event and the reason and goes on, and the 系统管理员 sees the list on the system page.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A failed event as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Failed {
    /// The consumer that could not use it.
    pub consumer: String,
    /// The event.
    pub event_id: i64,
    /// Its topic.
    pub topic: String,
    /// Its subject.
    pub subject: String,
    /// Its payload as published.
    pub payload: String,
    /// Why it could not be used.
    pub reason: String,
    /// When the consumer gave up on it.
    pub failed_at: OffsetDateTime,
}

/// Records that `consumer` could not use event `event_id` (once; a second record is ignored).
///
/// # Errors
/// Database failures.
pub async fn record(
    ex: &mut Exec<'_>,
    consumer: &str,
    event_id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO failed_events (consumer, event_id, reason, failed_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (consumer, event_id) DO NOTHING";
    tracing::warn!(consumer, event_id, reason, "event could not be used");
    on!(ex, c => sqlx::query(SQL).bind(consumer).bind(event_id).bind(reason).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The most recent failed events, newest first.
///
/// # Errors
/// Database failures.
pub async fn recent(ex: &mut Exec<'_>, limit: i64) -> StoreResult<Vec<Failed>> {
    const SQL: &str = "SELECT f.consumer, f.event_id, o.topic, o.subject, o.payload, f.reason, f.failed_at
        FROM failed_events f JOIN outbox o ON o.id = f.event_id ORDER BY f.failed_at DESC, f.event_id DESC LIMIT $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(limit).fetch_all(c).await?))
}

/// How many failed events there are.
///
/// # Errors
/// Database failures.
pub async fn count(ex: &mut Exec<'_>) -> StoreResult<i64> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT COUNT(*) FROM failed_events").fetch_one(c).await?))
}
