//! The one list of background jobs. A new area adds its consumer or scheduled job here.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;

use super::{Job, JobFuture, Schedule};

/// A job made of a plain async function.
struct FnJob {
    name: &'static str,
    title: &'static str,
    schedule: Schedule,
    run: for<'a> fn(&'a App) -> JobFuture<'a>,
}

impl Job for FnJob {
    fn name(&self) -> &'static str {
        self.name
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn schedule(&self) -> Schedule {
        self.schedule
    }
    fn run_once<'a>(&'a self, app: &'a App) -> JobFuture<'a> {
        (self.run)(app)
    }
}

/// Group-bot delivery holds its HTTP client, built once.
struct BotDelivery {
    hooks: crate::bots::webhook::Webhooks,
}

impl Job for BotDelivery {
    fn name(&self) -> &'static str {
        "bots.delivery"
    }
    fn title(&self) -> &'static str {
        "群机器人消息发送"
    }
    fn schedule(&self) -> Schedule {
        Schedule::Once(Duration::from_secs(5))
    }
    fn run_once<'a>(&'a self, app: &'a App) -> JobFuture<'a> {
        Box::pin(async move { Ok(crate::bots::deliver::run_once(app, &self.hooks).await?) })
    }
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

const MINUTE: Duration = Duration::from_mins(1);

/// Every job of this build.
#[must_use]
pub fn all(app: &App) -> Vec<Arc<dyn Job>> {
    let mut jobs: Vec<Arc<dyn Job>> = vec![
        Arc::new(FnJob {
            name: "points.events",
            title: "出勤等自动积分",
            schedule: Schedule::Everywhere(Duration::from_secs(1)),
            run: |app| {
                Box::pin(async move { crate::points::service::sync(app).await.map_err(err) })
            },
        }),
        Arc::new(FnJob {
            name: "sessions.purge",
            title: "清理过期会话",
            schedule: Schedule::Once(10 * MINUTE),
            run: |app| Box::pin(housekeeping(app)),
        }),
        Arc::new(FnJob {
            name: "points.reports",
            title: "定期积分通报",
            schedule: Schedule::Once(10 * MINUTE),
            run: |app| {
                Box::pin(async move { crate::points::reports::scheduled(app).await.map_err(err) })
            },
        }),
        Arc::new(FnJob {
            name: "meetings.warnings",
            title: "组织生活预警",
            schedule: Schedule::Once(10 * MINUTE),
            run: |app| {
                Box::pin(async move { crate::meetings::warnings::sweep(app).await.map_err(err) })
            },
        }),
        Arc::new(FnJob {
            name: "notices.scheduled",
            title: "定时发布通知",
            schedule: Schedule::Once(Duration::from_secs(30)),
            run: |app| {
                Box::pin(
                    async move { crate::notices::service::publish_due(app).await.map_err(err) },
                )
            },
        }),
        Arc::new(FnJob {
            name: "notices.meeting_reminders",
            title: "会议提醒",
            schedule: Schedule::Once(Duration::from_secs(30)),
            run: |app| {
                Box::pin(async move { crate::notices::reminders::meetings(app).await.map_err(err) })
            },
        }),
        Arc::new(FnJob {
            name: "notices.receipt_reminders",
            title: "通知未读提醒",
            schedule: Schedule::Once(Duration::from_secs(30)),
            run: |app| {
                Box::pin(async move { crate::notices::reminders::receipts(app).await.map_err(err) })
            },
        }),
    ];
    match crate::bots::deliver::client(app) {
        Ok(hooks) => jobs.push(Arc::new(BotDelivery { hooks })),
        Err(e) => tracing::error!(error = %e, "group bots disabled: HTTP client failed to start"),
    }
    jobs
}

/// Removes expired sessions and keeps `SQLite`'s planner statistics current (`PostgreSQL` has
/// autovacuum).
async fn housekeeping(app: &App) -> anyhow::Result<usize> {
    let now = app.now();
    let idle = time::Duration::minutes(i64::from(
        app.config
            .auth
            .idle_timeout_minutes
            .max(app.config.auth.idle_timeout_minutes_admin),
    ));
    let mut tx = app.db.begin().await?;
    let n = crate::auth::service::purge_sessions(&mut tx.exec(), now, now - idle).await?;
    tx.commit().await?;
    crate::db::maintenance::optimize(&app.db).await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
