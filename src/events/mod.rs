//! Domain events for other areas (architecture.md §9). An area publishes an event in the same
//! transaction as the change it describes, so an event exists exactly when the change does.
//! Consumers (points, notifications, bots) read the outbox in id order and remember how far they
//! got; each event names its `subject`, and a later event on the same subject supersedes an
//! earlier one (for example a corrected attendance), so consumers can reverse and re-post.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A published event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    /// Position in the outbox.
    pub id: i64,
    /// What happened, e.g. `meeting.attended`.
    pub topic: String,
    /// What it is about, e.g. `meeting:12/member:34`.
    pub subject: String,
    /// Details as JSON.
    pub payload: String,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Writes an event to the outbox.
///
/// # Errors
/// Database failures (the caller's transaction then fails as a whole).
pub async fn publish(
    ex: &mut Exec<'_>,
    topic: &str,
    subject: &str,
    payload: &serde_json::Value,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO outbox (topic, subject, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
    let payload = payload.to_string();
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(topic).bind(subject).bind(&payload).bind(now).fetch_one(c).await?))
}

/// Events whose topic starts with `prefix`, after position `after`, in order.
///
/// # Errors
/// Database failures.
pub async fn since(
    ex: &mut Exec<'_>,
    prefix: &str,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    const SQL: &str = "SELECT id, topic, subject, payload, created_at FROM outbox
        WHERE topic LIKE $1 AND id > $2 ORDER BY id LIMIT $3";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(format!("{prefix}%")).bind(after).bind(limit).fetch_all(c).await?))
}
