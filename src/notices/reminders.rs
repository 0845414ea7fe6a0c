//! Reminders the jobs send through the notification centre: a meeting's expected attendees the
//! day before and an hour before (setting `notices.meeting_reminder_hours`), and the unread of a
//! notice that asks for a receipt, once, a day after publication (`notices.receipt_reminder_hours`).
//! Each reminder is claimed in `reminders_sent` in the same transaction as its lines, so it goes
//! out once however often the job runs or restarts.

use time::Duration;

use crate::app::App;
use crate::db::StoreResult;

use super::reminders_store as store;
pub(crate) use store::{claim, claimed};

/// Sends the meeting reminders that are due. A meeting within several lead times at once (one
/// planned at short notice) gets only the nearest reminder. Returns the meetings reminded.
///
/// # Errors
/// Storage failures (the rest goes out on the next run).
pub async fn meetings(app: &App) -> StoreResult<usize> {
    let mut leads = app.config.notices.meeting_reminder_hours.clone();
    leads.sort_unstable();
    let Some(&widest) = leads.last() else {
        return Ok(0);
    };
    let now = app.now();
    let due = store::upcoming(
        &mut app.db.conn().await?.exec(),
        now,
        now + Duration::hours(i64::from(widest)),
    )
    .await?;
    let mut sent = 0;
    for (id, title, starts_at, place, org_id) in due {
        let within: Vec<u32> = leads
            .iter()
            .copied()
            .filter(|h| starts_at <= now + Duration::hours(i64::from(*h)))
            .collect();
        let Some(nearest) = within.first() else {
            continue;
        };
        let mut tx = app.db.begin().await?;
        let fresh = claim(&mut tx.exec(), "meeting", id, &nearest.to_string(), now).await?;
        for h in &within[1..] {
            claim(&mut tx.exec(), "meeting", id, &h.to_string(), now).await?;
        }
        if fresh {
            let when = crate::shared::text::datetime(starts_at);
            let where_ = if place.is_empty() {
                String::new()
            } else {
                format!("，地点：{place}")
            };
            let text = format!("会议提醒：{title}，{when} 开始{where_}");
            store::to_attendees(&mut tx.exec(), id, &text, now).await?;
            let org = crate::orgs::service::get_unscoped(&mut tx.exec(), org_id).await?;
            crate::bots::service::notify(
                &mut tx.exec(),
                app,
                &crate::meetings::service::group_orgs(&org),
                ("meeting_soon", &format!("meeting:{id}:soon:{nearest}")),
                (
                    &format!("会议提醒：{title}"),
                    &format!("{when} 开始{where_}，请准时参加。"),
                    &format!("/meetings/{id}"),
                ),
                now,
            )
            .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Reminds, once, the unread of notices that ask for a receipt and were published at least
/// `notices.receipt_reminder_hours` ago without a reminder. Returns the notices reminded.
///
/// # Errors
/// Storage failures.
pub async fn receipts(app: &App) -> StoreResult<usize> {
    let hours = app.config.notices.receipt_reminder_hours;
    if hours == 0 {
        return Ok(0);
    }
    let now = app.now();
    let before = now - Duration::hours(i64::from(hours));
    let due = store::receipts_due(&mut app.db.conn().await?.exec(), before).await?;
    let mut sent = 0;
    for (id, title) in due {
        let mut tx = app.db.begin().await?;
        if claim(&mut tx.exec(), "notice", id, "auto", now).await?
            && super::store::claim_reminder(&mut tx.exec(), id, now, now).await?
        {
            let text = format!("请阅读通知：{title}");
            let n = super::store::get(&mut tx.exec(), id).await?;
            let unread = super::store::unread_of(&mut tx.exec(), id).await?;
            super::groups::reminded(app, &mut tx.exec(), &n, unread, now).await?;
            super::centre_store::to_notice_recipients(
                &mut tx.exec(),
                id,
                true,
                ("notice_reminder", &text, &format!("/notices/{id}")),
                now,
            )
            .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
