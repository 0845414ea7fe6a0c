//! The daily warning sweep: a branch that still owes a meeting required this month, quarter or
//! year (MEET-01..06, "一般" rules flagged, never enforced) is warned once per period when the
//! period's end is `meetings.warn_days_before_period_end` days away or nearer: its officers in
//! the notification centre, and the group bots of the branch that forward warnings. The sweep
//! runs once a day after 8:00 China time (a sweep cut short runs again); each warning is
//! claimed in `reminders_sent`, so restarts and several workers send it once.

use crate::app::App;
use crate::auth::Scope;
use crate::notices::reminders::{claim, claimed};
use crate::orgs::model::Org;
use crate::shared::clock::CHINA;
use crate::shared::text::ymd;

use super::compliance_service::{CardLine, card};
use super::service::MeetingResult;

fn text(org: &Org, l: &CardLine) -> (String, String) {
    (
        format!(
            "组织生活提醒：{} {}还差{}",
            org.name,
            l.period,
            l.open.join("、")
        ),
        format!(
            "{}距结束还有 {} 天，尚未召开：{}。请及时安排，已召开的请补录会议记录。",
            l.period,
            l.days_left,
            l.open.join("、")
        ),
    )
}

/// Runs the sweep if it has not run today. Returns the warnings sent.
///
/// # Errors
/// Storage failures (the rest goes out on the next run that day).
pub async fn sweep(app: &App) -> MeetingResult<usize> {
    let now = app.now();
    let local = now.to_offset(CHINA);
    if local.hour() < 8 {
        return Ok(0);
    }
    let day = ymd(local.date());
    let orgs = {
        let mut conn = app.db.conn().await?;
        let ex = &mut conn.exec();
        if claimed(ex, "warning_sweep", 0, &day).await? {
            return Ok(0);
        }
        // Every active organisation, in one query ("/" is the root of every path).
        crate::orgs::service::list_under(ex, &Scope::operator().visible(), false).await?
    };
    let scope = Scope::operator();
    let mut sent = 0;
    for org in orgs.iter().filter(|o| o.kind().is_branch()) {
        let Some(c) = card(app, &scope, org).await? else {
            continue;
        };
        for l in c.lines.iter().filter(|l| l.warn && !l.open.is_empty()) {
            let mut tx = app.db.begin().await?;
            if claim(&mut tx.exec(), "period_warning", org.id, &l.period, now).await? {
                let (title, body) = text(org, l);
                let link = format!("/compliance/period?org={}&period={}", org.id, l.code);
                crate::notices::service::to_officers(
                    &mut tx.exec(),
                    org.id,
                    ("warning", &title, &link),
                    now,
                )
                .await?;
                let key = format!("warning:{}:{}", org.id, l.period);
                crate::bots::service::notify(
                    &mut tx.exec(),
                    app,
                    &[org.id],
                    ("warning", &key),
                    (&title, &body, &link),
                    now,
                )
                .await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    // Only a finished sweep counts for the day; one cut short runs again on the next tick.
    let mut tx = app.db.begin().await?;
    claim(&mut tx.exec(), "warning_sweep", 0, &day, now).await?;
    tx.commit().await?;
    Ok(sent)
}
