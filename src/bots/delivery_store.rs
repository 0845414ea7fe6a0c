//! The delivery queue's transitions in the database: giving up, claiming, and recording what
//! an attempt came to. Each claim is a conditional update, so with several workers only one
//! takes a message.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

use super::store::{DELIVERY_COLS, Delivery};

/// Fails the messages still pending that were created before `stale_before`, and marks as
/// `uncertain` those claimed before `stuck_before` and never finished.
pub(super) async fn give_up(
    ex: &mut Exec<'_>,
    stale_before: OffsetDateTime,
    stuck_before: OffsetDateTime,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const STALE: &str = "UPDATE bot_deliveries SET status = 'failed', finished_at = $2,
        response = '超过 24 小时仍未发出，已放弃' WHERE status = 'pending' AND created_at < $1";
    const STUCK: &str = "UPDATE bot_deliveries SET status = 'uncertain', finished_at = $2,
        response = '发送过程中服务中断，无法确定是否送达，未重发'
        WHERE status = 'sending' AND claimed_at < $1";
    on!(ex, c => sqlx::query(STALE).bind(stale_before).bind(now).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query(STUCK).bind(stuck_before).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Ids of up to `limit` due messages of active bots (test messages also for paused ones).
pub(super) async fn due(
    ex: &mut Exec<'_>,
    now: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    const DUE: &str = "SELECT d.id FROM bot_deliveries d JOIN bots b ON b.id = d.bot_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1
          AND (b.status = 'active' OR d.event_kind = 'test')
        ORDER BY d.next_attempt_at, d.id LIMIT $2";
    on!(ex, c => Ok(sqlx::query_scalar(DUE).bind(now).bind(limit).fetch_all(c).await?))
}

/// Claims one pending message and returns it; `None` when another worker took it first.
pub(super) async fn claim(
    ex: &mut Exec<'_>,
    id: i64,
    now: OffsetDateTime,
) -> StoreResult<Option<Delivery>> {
    const CLAIM: &str = "UPDATE bot_deliveries SET status = 'sending', claimed_at = $2,
        attempts = attempts + 1 WHERE id = $1 AND status = 'pending'";
    let n = on!(ex, c => sqlx::query(CLAIM).bind(id).bind(now).execute(c).await?.rows_affected());
    if n != 1 {
        return Ok(None);
    }
    let sql = format!("SELECT {DELIVERY_COLS} FROM bot_deliveries WHERE id = $1");
    on!(ex, c => Ok(Some(sqlx::query_as(&sql).bind(id).fetch_one(c).await?)))
}

/// Records an accepted message and resets its bot's failure count.
pub(super) async fn sent(
    ex: &mut Exec<'_>,
    d: &Delivery,
    answer: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SENT: &str = "UPDATE bot_deliveries SET status = 'sent', response = $2, finished_at = $3
        WHERE id = $1";
    const OK: &str = "UPDATE bots SET failures = 0, last_sent_at = $2 WHERE id = $1";
    on!(ex, c => sqlx::query(SENT).bind(d.id).bind(answer).bind(now).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query(OK).bind(d.bot_id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Records a failed attempt: `pending` again at `next`, or `failed` when `finished` is set.
/// Returns the bot's failures in a row, `None` when the bot was removed meanwhile.
pub(super) async fn failed(
    ex: &mut Exec<'_>,
    d: &Delivery,
    why: &str,
    next: OffsetDateTime,
    finished: Option<OffsetDateTime>,
) -> StoreResult<Option<i64>> {
    const RETRY: &str =
        "UPDATE bot_deliveries SET status = $2, response = $3, next_attempt_at = $4,
        finished_at = $5 WHERE id = $1";
    const FAIL: &str = "UPDATE bots SET failures = failures + 1 WHERE id = $1 RETURNING failures";
    let status = if finished.is_some() {
        "failed"
    } else {
        "pending"
    };
    on!(ex, c => sqlx::query(RETRY).bind(d.id).bind(status).bind(why)
        .bind(next).bind(finished).execute(c).await?.rows_affected());
    on!(ex, c => Ok(sqlx::query_scalar(FAIL).bind(d.bot_id).fetch_optional(c).await?))
}
