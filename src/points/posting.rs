//! Posting to the ledger: which items apply to a member (the nearest definition of each code),
//! caps applied at posting with the reason written on the entry, and automatic points from the
//! outbox. Each event is handled in one transaction; its entries are keyed by event and item, so
//! a second delivery posts nothing, and a later event on the same subject (a corrected
//! attendance) first reverses what the earlier one posted.

use time::Date;

use crate::app::App;
use crate::db::{StoreError, Tx};
use crate::events;

use super::model::{Item, capped};
use super::store::{self, NewEntry};

/// The outbox consumer name.
const CONSUMER: &str = "points";

/// The items in force on `on` for a member whose branch is at `path`: the nearest definition of
/// each code (the branch's own, then its committees', then the defaults).
#[must_use]
pub fn items_for(all: &[Item], path: &str, on: Date) -> Vec<Item> {
    let depth = |i: &Item| match i.org_id {
        None => Some(0),
        Some(o) => path.find(&format!("/{o}/")).map(|at| at + 1),
    };
    let mut best: std::collections::BTreeMap<&str, (usize, &Item)> =
        std::collections::BTreeMap::new();
    for i in all.iter().filter(|i| i.in_force(on)) {
        let Some(d) = depth(i) else { continue };
        let e = best.entry(i.code.as_str()).or_insert((d, i));
        if d > e.0 {
            *e = (d, i);
        }
    }
    best.into_values().map(|(_, i)| i.clone()).collect()
}

/// Posts `points` of `item` after applying its caps; returns the points posted and, when a cap
/// cut or refused them, the message.
pub(super) async fn post_capped(
    tx: &mut Tx,
    e: NewEntry<'_>,
    now: time::OffsetDateTime,
) -> Result<(i64, i64, Option<String>), StoreError> {
    let mut windows = Vec::new();
    for (span, cap) in e.item.caps() {
        let (from, to) = span.range(e.occurred_on);
        let already = store::item_sum(&mut tx.exec(), e.member_id, &e.item.code, from, to).await?;
        windows.push((span, cap, already));
    }
    let (points, note) = match capped(e.points, &windows) {
        Ok(p) if p < e.points => (
            p,
            Some(format!("部分计入，已达上限（应计 {} 分）", e.points)),
        ),
        Ok(p) => (p, None),
        Err(full) => (0, Some(full.message())),
    };
    let reason = match &note {
        Some(n) if e.reason.is_empty() => n.clone(),
        Some(n) => format!("{}（{n}）", e.reason),
        None => e.reason.to_owned(),
    };
    let id = store::insert_entry(
        &mut tx.exec(),
        &NewEntry {
            points,
            reason: &reason,
            ..e
        },
        now,
    )
    .await?;
    Ok((id, points, note))
}

/// Reads new meeting events and posts their points. Safe to run concurrently and repeatedly.
///
/// # Errors
/// Storage failures (the event stays unread and is retried).
pub async fn sync(app: &App) -> Result<usize, StoreError> {
    let mut handled = 0;
    loop {
        let after = store::cursor(&mut app.db.conn().await?.exec(), CONSUMER).await?;
        let batch = events::since(&mut app.db.conn().await?.exec(), "meeting.", after, 200).await?;
        if batch.is_empty() {
            return Ok(handled);
        }
        let all = store::items(&mut app.db.conn().await?.exec()).await?;
        for ev in batch {
            match handle(app, &all, &ev).await {
                // Another worker handled it first: the keys make the second a no-op.
                Ok(()) | Err(StoreError::Duplicate) => {}
                Err(e) => return Err(e),
            }
            let mut tx = app.db.begin().await?;
            store::advance(&mut tx.exec(), CONSUMER, ev.id).await?;
            tx.commit().await?;
            handled += 1;
        }
    }
}

async fn handle(app: &App, all: &[Item], ev: &events::Event) -> Result<(), StoreError> {
    if !matches!(
        ev.topic.as_str(),
        "meeting.attended" | "meeting.absent" | "meeting.leave"
    ) {
        return Ok(());
    }
    let p: serde_json::Value = serde_json::from_str(&ev.payload).unwrap_or_default();
    let (Some(member_id), Some(day)) = (
        p["member_id"].as_i64(),
        p["held_on"]
            .as_str()
            .and_then(crate::shared::text::parse_date),
    ) else {
        return Ok(());
    };
    let kinds: Vec<String> = p["kinds"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(ToOwned::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (member, path) = crate::members::store::get(&mut tx.exec(), &app.keys, member_id).await?;
    // A corrected event first reverses what the earlier one on this subject posted.
    for old in store::active_for_subject(&mut tx.exec(), &ev.subject).await? {
        let item = all.iter().find(|i| i.id == old.item_id).cloned();
        let Some(item) = item else { continue };
        let r = NewEntry {
            member_id: old.member_id,
            org_id: old.org_id,
            item: &item,
            points: -old.points,
            occurred_on: old.occurred_on,
            source: "reversal",
            source_key: Some(format!("rev:{}:{}", ev.id, old.id)),
            subject: &ev.subject,
            reverses: Some(old.id),
            reason: "出席情况更正，冲销原积分",
            by: (None, "系统"),
        };
        store::insert_entry(&mut tx.exec(), &r, now).await?;
    }
    for item in items_for(all, &path, day)
        .iter()
        .filter(|i| i.triggered_by(&ev.topic, &kinds))
    {
        let e = NewEntry {
            member_id,
            org_id: member.org_id,
            item,
            points: item.points,
            occurred_on: day,
            source: "event",
            source_key: Some(format!("evt:{}:{}", ev.id, item.code)),
            subject: &ev.subject,
            reverses: None,
            reason: "",
            by: (None, "系统"),
        };
        post_capped(&mut tx, e, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
