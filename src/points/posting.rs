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
pub const CONSUMER: &str = "points";

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
    if !e.item.caps().is_empty() {
        store::lock_member_item(&mut tx.exec(), e.member_id, &e.item.code).await?;
    }
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

/// Topics the points consumer handles.
pub const TOPICS: &[&str] = &["meeting.attended", "meeting.absent", "meeting.leave"];

/// Events handled in one transaction: one commit for many events keeps automatic points ahead
/// of a check-in burst, and a failure rolls the batch back to be retried whole.
const BATCH: i64 = 500;

/// Reads new meeting events and posts their points. Safe to run concurrently (the cursor is
/// locked per batch) and repeatedly (entries are keyed by event and item).
///
/// # Errors
/// Storage failures (the batch stays unread and is retried).
pub async fn sync(app: &App) -> Result<usize, StoreError> {
    let mut handled = 0;
    let mut limit = BATCH;
    loop {
        let all = store::items(&mut app.db.conn().await?.exec()).await?;
        match batch(app, &all, limit).await {
            Ok(0) => return Ok(handled),
            Ok(n) => {
                handled += n;
                limit = BATCH;
            }
            // An entry already posted by a consumer of an earlier version, which advanced its
            // cursor after posting: find the event one at a time, and pass over it.
            Err(StoreError::Duplicate) if limit > 1 => limit = 1,
            Err(StoreError::Duplicate) => {
                pass_over_one(app).await?;
                handled += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Handles up to `limit` events after the cursor in one transaction; returns how many.
async fn batch(app: &App, all: &[Item], limit: i64) -> Result<usize, StoreError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let at = events::lock_cursor(&mut tx.exec(), CONSUMER).await?;
    let evs = events::after(&mut tx.exec(), TOPICS, at, limit).await?;
    let Some(last) = evs.last().map(events::Event::position) else {
        return Ok(0);
    };
    for ev in &evs {
        if ev.superseded {
            continue;
        }
        let failure = match Attendance::parse(&ev.payload) {
            Err(reason) => Some(reason),
            Ok(a) => match handle(&mut tx, all, ev, &a, now).await {
                Ok(()) => None,
                Err(StoreError::NotFound) => Some(format!("党员（编号 {}）不存在", a.member_id)),
                Err(e) => return Err(e),
            },
        };
        if let Some(reason) = failure {
            events::failed_store::record(&mut tx.exec(), CONSUMER, ev.id, &reason, now).await?;
        }
    }
    events::advance(&mut tx.exec(), CONSUMER, last).await?;
    tx.commit().await?;
    Ok(evs.len())
}

async fn pass_over_one(app: &App) -> Result<(), StoreError> {
    let mut tx = app.db.begin().await?;
    let at = events::lock_cursor(&mut tx.exec(), CONSUMER).await?;
    if let Some(ev) = events::after(&mut tx.exec(), TOPICS, at, 1).await?.first() {
        tracing::info!(event = ev.id, "points already posted for this event");
        events::advance(&mut tx.exec(), CONSUMER, ev.position()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What an attendance event says.
struct Attendance {
    member_id: i64,
    held_on: Date,
    kinds: Vec<String>,
}

impl Attendance {
    /// Reads the payload; the error is the reason recorded on the failed event.
    fn parse(payload: &str) -> Result<Self, String> {
        let p: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| format!("内容不是有效的 JSON：{e}"))?;
        let member_id = p["member_id"]
            .as_i64()
            .ok_or_else(|| "缺少党员编号".to_owned())?;
        let held_on = p["held_on"]
            .as_str()
            .and_then(crate::shared::text::parse_date)
            .ok_or_else(|| "缺少或无法识别会议日期".to_owned())?;
        let kinds = match &p["kinds"] {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::Array(a) => a
                .iter()
                .map(|k| k.as_str().map(ToOwned::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "会议类型应为文字列表".to_owned())?,
            _ => return Err("会议类型应为文字列表".to_owned()),
        };
        Ok(Self {
            member_id,
            held_on,
            kinds,
        })
    }
}

async fn handle(
    tx: &mut Tx,
    all: &[Item],
    ev: &events::Event,
    a: &Attendance,
    now: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let (member_id, day) = (a.member_id, a.held_on);
    let (org_id, path) = crate::members::service::org_of(&mut tx.exec(), member_id).await?;
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
        .filter(|i| i.triggered_by(&ev.topic, &a.kinds))
    {
        let e = NewEntry {
            member_id,
            org_id,
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
        post_capped(tx, e, now).await?;
    }
    Ok(())
}
