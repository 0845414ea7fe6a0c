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

use super::model::{self, Message};
use super::store::{self, Bot, Delivery};
use super::webhook::{Undelivered, Webhooks};
use super::{answer, delivery_store};

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
    let stuck_before = now - Duration::seconds(i64::from(app.config.bots.timeout_seconds) * 2 + 30);
    delivery_store::give_up(ex, now - STALE_AFTER, stuck_before, now).await
}

/// Claims up to [`BATCH`] due messages of active bots (test messages also for paused ones).
async fn claim(ex: &mut Exec<'_>, now: OffsetDateTime) -> StoreResult<Vec<(Delivery, Bot)>> {
    let mut out = Vec::new();
    for id in delivery_store::due(ex, now, BATCH).await? {
        // Another worker may have claimed it in between; only one update succeeds.
        if let Some(d) = delivery_store::claim(ex, id, now).await? {
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
    let cfg = &app.config.bots;
    let mut tx = app.db.begin().await?;
    let ex = &mut tx.exec();
    match outcome {
        Ok(answer) => {
            delivery_store::sent(ex, d, &answer, now).await?;
        }
        Err(why) => {
            let last = d.attempts >= i64::from(cfg.max_attempts);
            let wait = BACKOFF[usize::try_from(d.attempts - 1)
                .unwrap_or(0)
                .min(BACKOFF.len() - 1)];
            let finished = last.then_some(now);
            let next = now + Duration::seconds(wait);
            // None when the bot was removed while its message was in flight.
            let failures = delivery_store::failed(ex, d, &why, next, finished)
                .await?
                .unwrap_or(0);
            if failures >= i64::from(cfg.pause_after_failures) && !b.paused() {
                let reason = format!("连续 {failures} 次发送失败（最近一次：{why}）");
                if store::set_status(ex, b.id, Some(&reason), now).await? {
                    let title = format!("群机器人「{}」已自动暂停：{reason}", b.name);
                    let link = format!("/bots/{}", b.id);
                    crate::notices::service::to_officers(
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
