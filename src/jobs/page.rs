//! The system page of the 系统管理员 (`/admin/system`): how each background job last ran, how
//! far the points consumer is behind, and the events it could not use, with the reason. It
//! shows no member data (SEC-18): an event is named by its number and kind, not its payload.

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use time::OffsetDateTime;

use crate::auth::extract::User;
use crate::shared::text::datetime_secs;
use crate::web::error::AppResult;
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};

use super::{Schedule, registry, store};

/// How many failed events the page lists.
const FAILED_SHOWN: i64 = 100;

/// Registers the page.
pub fn routes(r: Reg) -> Reg {
    r.get("/admin/system", show)
}

/// A job as listed.
struct JobRow {
    title: &'static str,
    how: String,
    last: String,
    took: String,
    handled: String,
    server: String,
    state: &'static str,
    state_class: &'static str,
    error: String,
}

/// A failed event as listed.
struct FailedRow {
    at: String,
    consumer: &'static str,
    event_id: i64,
    kind: &'static str,
    reason: String,
}

#[derive(Template)]
#[template(path = "admin/system.html")]
struct SystemPage {
    page: PageCtx,
    jobs: Vec<JobRow>,
    failing: usize,
    backlog: String,
    backlog_ok: bool,
    failed: Vec<FailedRow>,
    failed_total: i64,
    enabled: bool,
}

async fn show(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let app = &st.app;
    let now = app.now();
    let super::Health {
        runs,
        failed,
        failed_total,
        oldest,
    } = super::health(app, u.scope(), FAILED_SHOWN).await?;
    let jobs: Vec<JobRow> = registry::all(app)
        .iter()
        .map(|j| {
            job_row(
                j.title(),
                j.schedule(),
                runs.iter().find(|r| r.name == j.name()),
            )
        })
        .collect();
    let failing = jobs.iter().filter(|j| j.state_class == "danger").count();
    let (backlog, backlog_ok) = match oldest {
        None => ("积分事件已全部处理".to_owned(), true),
        Some(t) => {
            let secs = (now - t).whole_seconds().max(0);
            (
                format!(
                    "最早一条待处理的积分事件发生于 {}，已等待 {}",
                    datetime_secs(t),
                    span(secs)
                ),
                secs <= 10,
            )
        }
    };
    let failed = failed
        .into_iter()
        .map(|f| FailedRow {
            at: datetime_secs(f.failed_at),
            consumer: consumer_label(&f.consumer),
            event_id: f.event_id,
            kind: topic_label(&f.topic),
            reason: f.reason,
        })
        .collect();
    render(&SystemPage {
        page: PageCtx::new(&st, &u, "运行状态", "system").await?,
        jobs,
        failing,
        backlog,
        backlog_ok,
        failed,
        failed_total,
        enabled: app.config.jobs.enabled,
    })
}

fn job_row(title: &'static str, schedule: Schedule, run: Option<&store::LastRun>) -> JobRow {
    let how = match schedule {
        Schedule::Everywhere(d) => format!("每台服务器，每 {}", every(d)),
        Schedule::Once(d) => format!("由一台服务器执行，每 {}", every(d)),
    };
    let Some(r) = run else {
        let (state, note) = match schedule {
            Schedule::Everywhere(_) => ("持续运行", "muted"),
            Schedule::Once(_) => ("尚未运行", "muted"),
        };
        return JobRow {
            title,
            how,
            last: "—".into(),
            took: "—".into(),
            handled: "—".into(),
            server: "—".into(),
            state,
            state_class: note,
            error: String::new(),
        };
    };
    let (state, state_class) = match (&r.finished_at, r.error.is_empty()) {
        (None, _) => ("运行中", "info"),
        (Some(_), true) => ("正常", "success"),
        (Some(_), false) => ("失败", "danger"),
    };
    JobRow {
        title,
        how,
        last: datetime_secs(r.started_at),
        took: r
            .finished_at
            .map_or_else(|| "—".into(), |f| took(r.started_at, f)),
        handled: r.handled.to_string(),
        server: server_label(&r.holder),
        state,
        state_class,
        error: r.error.clone(),
    }
}

/// `host:pid:tag` as a person reads it.
fn server_label(holder: &str) -> String {
    let mut parts = holder.split(':');
    match (parts.next(), parts.next()) {
        (Some(h), Some(pid)) => format!("{h}（进程 {pid}）"),
        _ => holder.to_owned(),
    }
}

fn every(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{} 小时", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{} 分钟", s / 60)
    } else {
        format!("{} 秒", s.max(1))
    }
}

fn took(from: OffsetDateTime, to: OffsetDateTime) -> String {
    let ms = (to - from).whole_milliseconds().max(0);
    if ms < 1000 {
        format!("{ms} 毫秒")
    } else {
        // A run's milliseconds stay far below 2^52, where `f64` is exact.
        #[allow(clippy::cast_precision_loss, reason = "exact for any real run time")]
        let secs = ms as f64 / 1000.0;
        format!("{secs:.1} 秒")
    }
}

fn span(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} 秒"),
        s if s < 3600 => format!("{} 分 {} 秒", s / 60, s % 60),
        s => format!("{} 小时 {} 分", s / 3600, s % 3600 / 60),
    }
}

fn consumer_label(c: &str) -> &'static str {
    match c {
        crate::points::EVENTS_CONSUMER => "自动积分",
        _ => "其他",
    }
}

fn topic_label(t: &str) -> &'static str {
    match t {
        "meeting.attended" => "会议出席",
        "meeting.absent" => "会议缺席",
        "meeting.leave" => "会议请假",
        _ => "其他事件",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_servers_read_as_words() {
        assert_eq!(every(Duration::from_mins(10)), "10 分钟");
        assert_eq!(every(Duration::from_secs(30)), "30 秒");
        assert_eq!(server_label("web1:4242:ab12cd34"), "web1（进程 4242）");
        assert_eq!(span(125), "2 分 5 秒");
    }
}
