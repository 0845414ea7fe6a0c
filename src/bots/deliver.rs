//! The delivery job. Each run gives up what is too old, marks as uncertain what a crashed run
//! left half-sent, claims the messages that are due (status `sending`, committed before any
//! request goes out) and posts them concurrently with a timeout, only to addresses a bot may
//! reach (SEC-38). An accepted message is `sent`; a failure is retried with back-off until
//! `bots.max_attempts`; after `bots.pause_after_failures` failures in a row the bot is paused
//! and the officers of its organisation are told in the notification centre. What is recorded
//! is the platform's code and message, never a body. Nothing here runs inside a user's request.

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::{Exec, StoreResult};
use crate::on;

use super::answer;
use super::model::{self, Message};
use super::store::{self, Bot, Delivery};
use super::webhook::{Undelivered, Webhooks};

/// Waits before the 2nd, 3rd … attempt.
const BACKOFF: [i64; 5] = [30, 120, 600, 1800, 7200];
/// Messages older than this are given up rather than posted late.
const STALE_AFTER: Duration = Duration::hours(24);
/// Messages claimed per run.
const BATCH: i64 = 20;

/// The HTTP client for webhooks, with the address check of SEC-38 (see [`Webhooks::new`]).
///
/// # Errors
/// The TLS backend could not start.
pub fn client(app: &App) -> reqwest::Result<Webhooks> {
    Webhooks::new(&app.config.bots)
}

/// Gives up stale messages and marks as `uncertain` those left `sending` by a run that never
/// finished (it may or may not have reached the platform, so they are not sent again).
async fn sweep(ex: &mut Exec<'_>, app: &App, now: OffsetDateTime) -> StoreResult<()> {
    const STALE: &str = "UPDATE bot_deliveries SET status = 'failed', finished_at = $2,
        response = '超过 24 小时仍未发出，已放弃' WHERE status = 'pending' AND created_at < $1";
    const STUCK: &str = "UPDATE bot_deliveries SET status = 'uncertain', finished_at = $2,
        response = '发送过程中服务中断，无法确定是否送达，未重发'
        WHERE status = 'sending' AND claimed_at < $1";
    let stuck_before = now - Duration::seconds(i64::from(app.config.bots.timeout_seconds) * 2 + 30);
    on!(ex, c => sqlx::query(STALE).bind(now - STALE_AFTER).bind(now).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query(STUCK).bind(stuck_before).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Claims up to [`BATCH`] due messages of active bots (test messages also for paused ones).
async fn claim(ex: &mut Exec<'_>, now: OffsetDateTime) -> StoreResult<Vec<(Delivery, Bot)>> {
    const DUE: &str = "SELECT d.id FROM bot_deliveries d JOIN bots b ON b.id = d.bot_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1
          AND (b.status = 'active' OR d.event_kind = 'test')
        ORDER BY d.next_attempt_at, d.id LIMIT $2";
    const CLAIM: &str = "UPDATE bot_deliveries SET status = 'sending', claimed_at = $2,
        attempts = attempts + 1 WHERE id = $1 AND status = 'pending'";
    let ids: Vec<i64> =
        on!(ex, c => sqlx::query_scalar(DUE).bind(now).bind(BATCH).fetch_all(c).await?);
    let mut out = Vec::new();
    for id in ids {
        // Another worker may have claimed it in between; only one update succeeds.
        let n =
            on!(ex, c => sqlx::query(CLAIM).bind(id).bind(now).execute(c).await?.rows_affected());
        if n == 1 {
            let sql = "SELECT id, bot_id, event_kind, title, body, link, status, attempts,
                next_attempt_at, response, created_at, finished_at FROM bot_deliveries WHERE id = $1";
            let d: Delivery = on!(ex, c => sqlx::query_as(sql).bind(id).fetch_one(c).await?);
            let b = store::get(ex, d.bot_id).await?;
            out.push((d, b));
        }
    }
    Ok(out)
}

/// Posts one message; `Ok` with what to record when the platform took it, else the reason.
async fn post(
    hooks: &Webhooks,
    b: &Bot,
    d: &Delivery,
    now: OffsetDateTime,
) -> Result<String, String> {
    let m = Message {
        title: d.title.clone(),
        body: d.body.clone(),
        link: d.link.clone(),
    };
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let (url, body) = model::request(&b.kind, &b.webhook_url, b.secret.as_deref(), &m, now_ms);
    match hooks.post(&url, body.to_string()).await {
        Ok(reply) => answer::read(reply.status, &reply.body),
        Err(Undelivered(cause)) => {
            // The cause is for the operator; the officer sees one message for all (SEC-38).
            tracing::info!(
                bot = b.id,
                delivery = d.id,
                cause,
                "group-bot message not delivered"
            );
            Err(answer::UNDELIVERED.to_owned())
        }
    }
}

/// Records the outcome of one attempt, and pauses the bot when it keeps failing.
async fn record(
    app: &App,
    b: &Bot,
    d: &Delivery,
    outcome: Result<String, String>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SENT: &str = "UPDATE bot_deliveries SET status = 'sent', response = $2, finished_at = $3
        WHERE id = $1";
    const RETRY: &str =
        "UPDATE bot_deliveries SET status = $2, response = $3, next_attempt_at = $4,
        finished_at = $5 WHERE id = $1";
    const OK: &str = "UPDATE bots SET failures = 0, last_sent_at = $2 WHERE id = $1";
    const FAIL: &str = "UPDATE bots SET failures = failures + 1 WHERE id = $1 RETURNING failures";
    let cfg = &app.config.bots;
    let mut tx = app.db.begin().await?;
    let ex = &mut tx.exec();
    match outcome {
        Ok(answer) => {
            on!(ex, c => sqlx::query(SENT).bind(d.id).bind(&answer).bind(now).execute(c).await?.rows_affected());
            on!(ex, c => sqlx::query(OK).bind(b.id).bind(now).execute(c).await?.rows_affected());
        }
        Err(why) => {
            let last = d.attempts >= i64::from(cfg.max_attempts);
            let wait = BACKOFF[usize::try_from(d.attempts - 1)
                .unwrap_or(0)
                .min(BACKOFF.len() - 1)];
            let (status, finished) = if last {
                ("failed", Some(now))
            } else {
                ("pending", None)
            };
            on!(ex, c => sqlx::query(RETRY).bind(d.id).bind(status).bind(&why)
                .bind(now + Duration::seconds(wait)).bind(finished).execute(c).await?.rows_affected());
            // None when the bot was removed while its message was in flight.
            let failures: Option<i64> =
                on!(ex, c => sqlx::query_scalar(FAIL).bind(b.id).fetch_optional(c).await?);
            let failures = failures.unwrap_or(0);
            if failures >= i64::from(cfg.pause_after_failures) && !b.paused() {
                let reason = format!("连续 {failures} 次发送失败（最近一次：{why}）");
                if store::set_status(ex, b.id, Some(&reason), now).await? {
                    let title = format!("群机器人「{}」已自动暂停：{reason}", b.name);
                    let link = format!("/bots/{}", b.id);
                    crate::notices::centre::to_officers(
                        ex,
                        b.org_id,
                        ("warning", &title, &link),
                        now,
                    )
                    .await?;
                    let ev = AuditEvent::success("bot.pause", "bot", b.id)
                        .org(b.org_id)
                        .detail(format!("自动暂停「{}」：{reason}", b.name));
                    audit::record(&mut tx, &Actor::cli("定时任务 群机器人"), now, ev).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// One run of the job. Returns the messages attempted.
///
/// # Errors
/// Storage failures (the rest waits for the next run).
pub async fn run_once(app: &App, hooks: &Webhooks) -> StoreResult<usize> {
    let now = app.now();
    let claimed = {
        let mut conn = app.db.conn().await?;
        sweep(&mut conn.exec(), app, now).await?;
        claim(&mut conn.exec(), now).await?
    };
    let mut set = tokio::task::JoinSet::new();
    for (d, b) in claimed {
        let hooks = hooks.clone();
        set.spawn(async move {
            let outcome = post(&hooks, &b, &d, now).await;
            (d, b, outcome)
        });
    }
    let mut n = 0;
    let mut failed = None;
    while let Some(done) = set.join_next().await {
        let Ok((d, b, outcome)) = done else { continue };
        // One outcome that cannot be recorded must not leave the others unrecorded (they
        // would turn "uncertain"); the first error is reported after all are tried.
        match record(app, &b, &d, outcome, app.now()).await {
            Ok(()) => n += 1,
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    failed.map_or(Ok(n), Err)
}
