//! Use cases of the points area. Automatic points come from the outbox: each event is handled in
//! one transaction with the cursor, its entries keyed by event and item so a second delivery
//! posts nothing, and a later event on the same subject (a corrected attendance) first reverses
//! what the earlier one posted. Manual awards and claims go through the member's scope; nobody
//! decides their own claim; caps are applied at posting and a full cap is said, never hidden.

use time::Date;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, Scope};
use crate::db::{StoreError, Tx};
use crate::events;
use crate::members::service::MemberError;

use super::model::{Item, RankPeriod, capped};
use super::store::{self, Claim, Entry, NewEntry};

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
async fn post_capped(
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
    let (member, path) = crate::members::store::get(&mut tx.exec(), member_id).await?;
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

/// What a manual award did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Awarded {
    /// Posted to the ledger.
    Posted {
        /// Entry.
        entry_id: i64,
        /// Points posted.
        points: i64,
        /// Cap message, when the cap cut them.
        note: Option<String>,
    },
    /// The item needs approval: a claim waits in the queue.
    Queued {
        /// Claim.
        claim_id: i64,
    },
}

/// A manual award or deduction.
#[derive(Debug, Clone)]
pub struct Award {
    /// Member.
    pub member_id: i64,
    /// Item code.
    pub code: String,
    /// Points (within the item's limits); `None` for the item's value.
    pub points: Option<i64>,
    /// Day it counts for.
    pub occurred_on: Date,
    /// Why.
    pub reason: String,
}

async fn item_in_force(app: &App, path: &str, code: &str, on: Date) -> Result<Item, MemberError> {
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    items_for(&all, path, on)
        .into_iter()
        .find(|i| i.code == code)
        .ok_or_else(|| MemberError::Invalid("该积分项目不存在或在该日期不适用".into()))
}

fn check_points(item: &Item, points: Option<i64>) -> Result<i64, MemberError> {
    let p = points.unwrap_or(item.points);
    if p < item.min_points || p > item.max_points {
        return Err(MemberError::Invalid(format!(
            "“{}”的分值应在 {} 至 {} 分之间",
            item.name, item.min_points, item.max_points
        )));
    }
    Ok(p)
}

/// An officer awards or deducts points by hand. Items that need approval become a claim.
///
/// # Errors
/// Denied outside scope; invalid items, values, dates or reasons; a full cap.
pub async fn award(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    a: &Award,
) -> Result<Awarded, MemberError> {
    let d = crate::members::service::detail(app, scope, a.member_id, MemberAction::Edit).await?;
    if a.reason.trim().is_empty() || a.reason.chars().count() > 200 {
        return Err(MemberError::Invalid("请填写原因（不超过 200 字）".into()));
    }
    if a.occurred_on > app.clock.today() {
        return Err(MemberError::Invalid("日期不能晚于今天".into()));
    }
    let item = item_in_force(app, &d.org.path, &a.code, a.occurred_on).await?;
    if !item.is_manual() {
        return Err(MemberError::Invalid(
            "该项目由系统根据会议等记录自动计分".into(),
        ));
    }
    let points = check_points(&item, a.points)?;
    let now = app.now();
    if item.needs_approval {
        let c = Claim {
            id: 0,
            member_id: a.member_id,
            item_id: item.id,
            points,
            occurred_on: a.occurred_on,
            description: a.reason.trim().to_owned(),
            status: "pending".into(),
            submitted_by: actor.user_id,
            decision_note: String::new(),
            entry_id: None,
        };
        let mut tx = app.db.begin().await?;
        let id = store::insert_claim(&mut tx.exec(), &c, None, now).await?;
        let ev = AuditEvent::success("points.claim", "member", a.member_id)
            .org(d.member.org_id)
            .detail(&item.name);
        audit::record(&mut tx, actor, now, ev).await?;
        tx.commit().await?;
        return Ok(Awarded::Queued { claim_id: id });
    }
    let mut tx = app.db.begin().await?;
    let e = NewEntry {
        member_id: a.member_id,
        org_id: d.member.org_id,
        item: &item,
        points,
        occurred_on: a.occurred_on,
        source: "manual",
        source_key: None,
        subject: "",
        reverses: None,
        reason: a.reason.trim(),
        by: (actor.user_id, &actor.name),
    };
    let (entry_id, posted, note) = post_capped(&mut tx, e, now).await?;
    if posted == 0 && points != 0 {
        return Err(MemberError::Invalid(
            note.unwrap_or_else(|| "已达上限".into()),
        ));
    }
    let ev = AuditEvent::success("points.award", "member", a.member_id)
        .org(d.member.org_id)
        .detail(format!("{} {posted:+} 分", item.name));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(Awarded::Posted {
        entry_id,
        points: posted,
        note,
    })
}

/// What a member claims.
#[derive(Debug, Clone, Copy)]
pub struct ClaimInput<'a> {
    /// Item code.
    pub code: &'a str,
    /// Points asked (the item's value when `None`).
    pub points: Option<i64>,
    /// Day of the deed.
    pub occurred_on: Date,
    /// What was done.
    pub description: &'a str,
    /// Evidence bytes and MIME type.
    pub evidence: Option<(&'a [u8], &'a str)>,
}

/// A member claims points (申报) for themselves; it waits for an officer.
///
/// # Errors
/// No member record, an item not open to claims, missing evidence, bad values.
pub async fn claim(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    input: &ClaimInput<'_>,
) -> Result<i64, MemberError> {
    let ClaimInput {
        code,
        points,
        occurred_on,
        description,
        evidence,
    } = *input;
    let Some(member_id) = scope.member_id else {
        return Err(MemberError::Invalid(
            "您的账号没有关联党员档案，不能申报积分".into(),
        ));
    };
    let d = crate::members::service::detail(app, scope, member_id, MemberAction::View).await?;
    let description = description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        return Err(MemberError::Invalid(
            "请说明申报事由（不超过 500 字）".into(),
        ));
    }
    if occurred_on > app.clock.today() {
        return Err(MemberError::Invalid("日期不能晚于今天".into()));
    }
    let item = item_in_force(app, &d.org.path, code, occurred_on).await?;
    if !item.is_manual() || item.points < 0 {
        return Err(MemberError::Invalid("该项目不接受个人申报".into()));
    }
    if item.evidence_required && evidence.is_none_or(|(b, _)| b.is_empty()) {
        return Err(MemberError::Invalid(format!(
            "申报“{}”须上传证明材料（照片或文件）",
            item.name
        )));
    }
    let points = check_points(&item, points)?;
    let c = Claim {
        id: 0,
        member_id,
        item_id: item.id,
        points,
        occurred_on,
        description: description.to_owned(),
        status: "pending".into(),
        submitted_by: actor.user_id,
        decision_note: String::new(),
        entry_id: None,
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = store::insert_claim(&mut tx.exec(), &c, evidence, now).await?;
    let ev = AuditEvent::success("points.claim", "member", member_id)
        .org(d.member.org_id)
        .detail(&item.name);
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(id)
}

/// An officer approves (posting the points, caps applied) or rejects a claim. Nobody decides a
/// claim about themselves or one they submitted.
///
/// # Errors
/// Denied, self-approval, already decided, or a full cap.
pub async fn decide(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<(), MemberError> {
    let c = match store::claim(&mut app.db.conn().await?.exec(), id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let d = crate::members::service::detail(app, scope, c.member_id, MemberAction::Edit).await?;
    if c.status != "pending" {
        return Err(MemberError::Invalid("该申报已经处理".into()));
    }
    if scope.member_id == Some(c.member_id) || c.submitted_by == Some(scope.user_id) {
        return Err(MemberError::Invalid(
            "不能审批本人的或本人提交的积分申报".into(),
        ));
    }
    if !approve && note.trim().is_empty() {
        return Err(MemberError::Invalid("不通过时请填写原因".into()));
    }
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    let item = all
        .into_iter()
        .find(|i| i.id == c.item_id)
        .ok_or(MemberError::Denied(Denial::NotFound))?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let entry = if approve {
        let e = NewEntry {
            member_id: c.member_id,
            org_id: d.member.org_id,
            item: &item,
            points: c.points,
            occurred_on: c.occurred_on,
            source: "claim",
            source_key: Some(format!("claim:{id}")),
            subject: "",
            reverses: None,
            reason: &c.description,
            by: (actor.user_id, &actor.name),
        };
        let (eid, posted, msg) = post_capped(&mut tx, e, now).await?;
        if posted == 0 {
            return Err(MemberError::Invalid(
                msg.unwrap_or_else(|| "已达上限".into()),
            ));
        }
        Some(eid)
    } else {
        None
    };
    let status = if approve { "approved" } else { "rejected" };
    if !store::decide_claim(
        &mut tx.exec(),
        id,
        status,
        actor.user_id,
        note.trim(),
        entry,
        now,
    )
    .await?
    {
        return Err(MemberError::Invalid("该申报已经处理".into()));
    }
    let ev = AuditEvent::success("points.decide", "member", c.member_id)
        .org(d.member.org_id)
        .detail(format!(
            "{}：{}",
            item.name,
            if approve { "通过" } else { "不通过" }
        ));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// A member's ledger for a period (automatic points caught up first).
///
/// # Errors
/// Denied outside scope.
pub async fn ledger(
    app: &App,
    scope: &Scope,
    member_id: i64,
    period: RankPeriod,
) -> Result<Vec<Entry>, MemberError> {
    crate::members::service::detail(app, scope, member_id, MemberAction::View).await?;
    sync(app).await?;
    let (from, to) = period.range();
    Ok(store::ledger(&mut app.db.conn().await?.exec(), member_id, from, to).await?)
}

/// One ranked member.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranked {
    /// Rank (ties equal).
    pub rank: usize,
    /// Member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Branch.
    pub org_id: i64,
    /// Branch name.
    pub org_name: String,
    /// Points in the period.
    pub points: i64,
}

/// Ranking of every member in the subtree of `org_id` for a period.
///
/// # Errors
/// Denied for members and the 三员 (own rank only is shown elsewhere), and outside scope.
pub async fn ranking(
    app: &App,
    scope: &Scope,
    org_id: i64,
    period: RankPeriod,
) -> Result<Vec<Ranked>, MemberError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::View).await?;
    sync(app).await?;
    let (from, to) = period.range();
    let rows = store::totals(&mut app.db.conn().await?.exec(), &org.path, from, to).await?;
    let keyed: Vec<((i64, String, i64, String), i64)> = rows
        .into_iter()
        .map(|(m, n, o, on, t)| ((m, n, o, on), t))
        .collect();
    Ok(super::model::rank(keyed)
        .into_iter()
        .map(
            |((member_id, name, org_id, org_name), points, rank)| Ranked {
                rank,
                member_id,
                name,
                org_id,
                org_name,
                points,
            },
        )
        .collect())
}

/// Items in force today for the organisation's members.
///
/// # Errors
/// Denied outside scope.
pub async fn items(app: &App, scope: &Scope, org_id: i64) -> Result<Vec<Item>, MemberError> {
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::View).await?;
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    Ok(items_for(&all, &org.path, app.clock.today()))
}

/// What an organisation enters to add an item or adjust an inherited one.
#[derive(Debug, Clone)]
pub struct ItemInput {
    /// Code (an inherited code adjusts that item).
    pub code: String,
    /// Name.
    pub name: String,
    /// `basic`, `reward` or `deduction`.
    pub category: String,
    /// Points.
    pub points: i64,
    /// Lowest value officers may give (new items only).
    pub min_points: i64,
    /// Highest value.
    pub max_points: i64,
    /// Caps: day, week, month, year.
    pub caps: [Option<i64>; 4],
    /// Needs approval.
    pub needs_approval: bool,
    /// Claims need evidence.
    pub evidence_required: bool,
}

/// Adds an item for the organisation's subtree, or adjusts an inherited one within the limits the
/// committee above set (a new version from today; the ledger keeps the version each entry used).
///
/// # Errors
/// Denied unless the caller runs the organisation; invalid values.
pub async fn define_item(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    input: &ItemInput,
) -> Result<i64, MemberError> {
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::Edit).await?;
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(MemberError::Invalid(
            "项目代码须为小写字母、数字或下划线（不超过 40 个字符）".into(),
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(MemberError::Invalid(
            "请填写项目名称（不超过 50 字）".into(),
        ));
    }
    let today = app.clock.today();
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    let parent_path = org
        .path
        .trim_end_matches('/')
        .rsplit_once('/')
        .map_or("/".to_owned(), |(p, _)| format!("{p}/"));
    let inherited = items_for(&all, &parent_path, today)
        .into_iter()
        .find(|i| i.code == code);
    let version = all
        .iter()
        .filter(|i| i.org_id == Some(org.id) && i.code == code)
        .map(|i| i.version)
        .max()
        .unwrap_or(0)
        + 1;
    let item = match inherited {
        Some(base) => {
            if input.points < base.min_points || input.points > base.max_points {
                return Err(MemberError::Invalid(format!(
                    "上级党组织规定“{}”的分值在 {} 至 {} 分之间",
                    base.name, base.min_points, base.max_points
                )));
            }
            Item {
                id: 0,
                org_id: Some(org.id),
                version,
                points: input.points,
                name: name.to_owned(),
                effective_from: today,
                effective_to: None,
                ..base
            }
        }
        None => {
            let Some(cat) = super::model::Category::from_code(&input.category) else {
                return Err(MemberError::Invalid("请选择项目类别".into()));
            };
            let negative = cat == super::model::Category::Deduction;
            let (lo, hi) = (input.min_points, input.max_points);
            if lo > input.points
                || input.points > hi
                || (negative && hi >= 0)
                || (!negative && lo <= 0)
                || lo < -100
                || hi > 100
            {
                return Err(MemberError::Invalid(
                    "分值须在上下限之间；扣减项目为负数，其他项目为正数（绝对值不超过 100）".into(),
                ));
            }
            if input.caps.iter().flatten().any(|c| *c <= 0 || *c > 1000) {
                return Err(MemberError::Invalid("上限须为 1 至 1000 之间的整数".into()));
            }
            let [cap_day, cap_week, cap_month, cap_year] = input.caps;
            Item {
                id: 0,
                org_id: Some(org.id),
                code: code.to_owned(),
                version,
                name: name.to_owned(),
                category: cat.code().to_owned(),
                points: input.points,
                min_points: lo,
                max_points: hi,
                trigger_topic: "manual".into(),
                trigger_kinds: String::new(),
                cap_day,
                cap_week,
                cap_month,
                cap_year,
                needs_approval: input.needs_approval,
                evidence_required: input.evidence_required,
                effective_from: today,
                effective_to: None,
            }
        }
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = store::insert_item(&mut tx.exec(), &item, actor.user_id, now).await?;
    let ev = AuditEvent::success("points.item", "org", org.id)
        .org(org.id)
        .detail(format!(
            "{}（{}）第 {version} 版 {:+} 分",
            item.name, item.code, item.points
        ));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(id)
}
