//! Background work of `serve`: housekeeping, the consumers of the event outbox, the scheduled
//! jobs, notices set for a time, reminders, and group-bot delivery. Every job is safe to run again after a restart: what it
//! has done is in the database, and each run starts from there.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;

/// Starts every background loop.
pub fn spawn_all(app: &Arc<App>) {
    housekeeping(app.clone());
    event_consumers(app.clone());
    schedules(app.clone());
    notices(app.clone());
    bots(app.clone());
}

/// Every 5 seconds: sends queued group-bot messages (each attempt bounded by
/// `bots.timeout_seconds`, so a dead webhook delays only its own messages).
fn bots(app: Arc<App>) {
    tokio::spawn(async move {
        let client = match crate::bots::deliver::client(&app) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "group bots disabled: HTTP client failed to start");
                return;
            }
        };
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = crate::bots::deliver::run_once(&app, &client).await {
                tracing::warn!(error = %e, "group-bot delivery failed; will retry");
            }
        }
    });
}

/// Removes expired sessions every ten minutes.
fn housekeeping(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_mins(10));
        loop {
            tick.tick().await;
            let now = app.now();
            let idle = time::Duration::minutes(i64::from(
                app.config
                    .auth
                    .idle_timeout_minutes
                    .max(app.config.auth.idle_timeout_minutes_admin),
            ));
            let res = async {
                let mut tx = app.db.begin().await?;
                let n = crate::auth::store::purge_sessions(&mut tx.exec(), now, now - idle).await?;
                tx.commit().await?;
                Ok::<u64, crate::db::StoreError>(n)
            }
            .await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "session purge failed");
            }
            // Keep SQLite's query planner statistics current (PostgreSQL has autovacuum).
            if let crate::db::Db::Sqlite(p) = &app.db
                && let Err(e) = sqlx::query("PRAGMA optimize").execute(p).await
            {
                tracing::warn!(error = %e, "PRAGMA optimize failed");
            }
        }
    });
}

/// Posts automatic points from new events every 15 seconds. Points pages also catch up when
/// they are opened, so the interval only bounds how stale a ranking can be.
fn event_consumers(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = crate::points::service::sync(&app).await {
                tracing::warn!(error = %e, "points from events failed; will retry");
            }
        }
    });
}

/// Scheduled jobs, checked every ten minutes: the 积分通报 of the period that closed last
/// (setting `points.report_every`), and once a day the warnings of meetings still owed.
fn schedules(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_mins(10));
        loop {
            tick.tick().await;
            match crate::points::reports::scheduled(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reports = n, "积分通报 generated"),
                Err(e) => tracing::warn!(error = %e, "scheduled 积分通报 failed; will retry"),
            }
            match crate::meetings::warnings::sweep(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(warnings = n, "organisational-life warnings sent"),
                Err(e) => tracing::warn!(error = %e, "warning sweep failed; will retry"),
            }
        }
    });
}

/// Every 30 seconds: publishes notices set for a time, reminds meetings' attendees, and
/// reminds the unread of notices that ask for a receipt.
fn notices(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            if let Err(e) = crate::notices::service::publish_due(&app).await {
                tracing::warn!(error = %e, "scheduled notices failed; will retry");
            }
            if let Err(e) = crate::notices::reminders::meetings(&app).await {
                tracing::warn!(error = %e, "meeting reminders failed; will retry");
            }
            if let Err(e) = crate::notices::reminders::receipts(&app).await {
                tracing::warn!(error = %e, "notice reminders failed; will retry");
            }
        }
    });
}
