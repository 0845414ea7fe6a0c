//! The outbox and the consumers' cursors in the database: publishing, reading in commit-safe
//! order below the horizon, and moving a cursor (see the parent module for why the order is
//! `(tx_id, id)`).

use time::OffsetDateTime;

use super::{Event, Position};
use crate::db::{Exec, StoreResult};
use crate::on;

/// Writes an event to the outbox. The transaction id is filled by the column's default.
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

/// Events with one of `topics` after `after`, in order, up to the horizon: only events of
/// transactions that have ended, so none can later appear before the last one returned. Each
/// says whether a later event on its subject with one of `topics` exists: that later one then
/// decides (it reverses whatever is posted), so this one is passed over. Ids of one subject
/// follow commit order because its writers lock the same row before publishing.
///
/// # Errors
/// Database failures.
pub async fn after(
    ex: &mut Exec<'_>,
    topics: &[&str],
    after: Position,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    // $1–$3 are the cursor and the limit; the topics follow, once for the batch and once for
    // the later events of the same subject.
    let list = placeholders(4, topics.len());
    let later = placeholders(4 + topics.len(), topics.len());
    let horizon = match ex {
        Exec::Sqlite(_) => "",
        Exec::Pg(_) => " AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
    };
    let sql = format!(
        "SELECT o.id, o.tx_id, o.topic, o.subject, o.payload, o.created_at,
            EXISTS (SELECT 1 FROM outbox l WHERE l.subject = o.subject AND l.id > o.id AND l.topic IN ({later})) AS superseded
         FROM outbox o WHERE o.topic IN ({list}) AND (o.tx_id > $1 OR (o.tx_id = $1 AND o.id > $2)){horizon}
         ORDER BY o.tx_id, o.id LIMIT $3"
    );
    on!(ex, c => {
        let mut q = sqlx::query_as(&sql).bind(after.tx_id).bind(after.id).bind(limit);
        for t in topics.iter().chain(topics) {
            q = q.bind(*t);
        }
        Ok(q.fetch_all(c).await?)
    })
}

/// Takes the consumer's cursor for the rest of the transaction, so that consumers on several
/// servers handle each batch once: the others wait, then start after it.
///
/// # Errors
/// Database failures.
pub async fn lock_cursor(ex: &mut Exec<'_>, consumer: &str) -> StoreResult<Position> {
    const INIT: &str =
        "INSERT INTO event_cursors (consumer, position, position_tx) VALUES ($1, 0, 0)
        ON CONFLICT (consumer) DO NOTHING";
    const LOCK: &str = "UPDATE event_cursors SET position = position WHERE consumer = $1
        RETURNING position_tx, position";
    on!(ex, c => sqlx::query(INIT).bind(consumer).execute(&mut *c).await?.rows_affected());
    let (tx_id, id): (i64, i64) =
        on!(ex, c => sqlx::query_as(LOCK).bind(consumer).fetch_one(c).await?);
    Ok(Position { tx_id, id })
}

/// Where a consumer stands, without locking (for "as of" figures).
///
/// # Errors
/// Database failures.
pub async fn cursor(ex: &mut Exec<'_>, consumer: &str) -> StoreResult<Position> {
    const SQL: &str = "SELECT position_tx, position FROM event_cursors WHERE consumer = $1";
    let v: Option<(i64, i64)> =
        on!(ex, c => sqlx::query_as(SQL).bind(consumer).fetch_optional(c).await?);
    Ok(v.map(|(tx_id, id)| Position { tx_id, id })
        .unwrap_or_default())
}

/// Moves a consumer's cursor to `to` (inside the transaction that handled the events).
///
/// # Errors
/// Database failures.
pub async fn advance(ex: &mut Exec<'_>, consumer: &str, to: Position) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE event_cursors SET position_tx = $2, position = $3 WHERE consumer = $1";
    on!(ex, c => sqlx::query(SQL).bind(consumer).bind(to.tx_id).bind(to.id).execute(c).await?.rows_affected());
    Ok(())
}

/// When the oldest event a consumer has not handled yet was published, if any.
///
/// # Errors
/// Database failures.
pub async fn oldest_pending(
    ex: &mut Exec<'_>,
    consumer: &str,
    topics: &[&str],
) -> StoreResult<Option<OffsetDateTime>> {
    let at = cursor(ex, consumer).await?;
    let sql = format!(
        "SELECT MIN(created_at) FROM outbox WHERE topic IN ({}) AND (tx_id > $1 OR (tx_id = $1 AND id > $2))",
        placeholders(3, topics.len())
    );
    on!(ex, c => {
        let mut q = sqlx::query_scalar(&sql).bind(at.tx_id).bind(at.id);
        for t in topics {
            q = q.bind(*t);
        }
        Ok(q.fetch_one(c).await?)
    })
}

/// `$first, …` for `n` bound values (`NULL` for none, which matches nothing).
fn placeholders(first: usize, n: usize) -> String {
    if n == 0 {
        return "NULL".into();
    }
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
