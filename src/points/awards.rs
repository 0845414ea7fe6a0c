//! Points given by people: an officer's award or deduction (within the item's limits, caps
//! applied, items needing approval queued as a claim), a member's claim (申报) with evidence, and
//! the decision on a claim by another officer — nobody decides their own.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, Scope};
use crate::db::StoreError;

use super::model::Item;
use super::store::{self, Claim, NewEntry};

use super::posting::{items_for, post_capped};
use crate::shared::error::DomainError;

/// What a manual award did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
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

pub(super) async fn item_in_force(
    app: &App,
    path: &str,
    code: &str,
    on: Date,
) -> Result<Item, DomainError> {
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    items_for(&all, path, on)
        .into_iter()
        .find(|i| i.code == code)
        .ok_or_else(|| DomainError::Invalid("该积分项目不存在或在该日期不适用".into()))
}

pub(super) fn check_points(item: &Item, points: Option<i64>) -> Result<i64, DomainError> {
    let p = points.unwrap_or(item.points);
    if p < item.min_points || p > item.max_points {
        return Err(DomainError::Invalid(format!(
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
) -> Result<Awarded, DomainError> {
    let d = crate::members::service::detail(app, scope, a.member_id, MemberAction::Edit).await?;
    if a.reason.trim().is_empty() || a.reason.chars().count() > 200 {
        return Err(DomainError::Invalid("请填写原因（不超过 200 字）".into()));
    }
    if a.occurred_on > app.clock.today() {
        return Err(DomainError::Invalid("日期不能晚于今天".into()));
    }
    let item = item_in_force(app, &d.org.path, &a.code, a.occurred_on).await?;
    if !item.is_manual() {
        return Err(DomainError::Invalid(
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
        let title = format!("{}的积分“{}”待审批", d.member.name, item.name);
        let id = file_claim(app, actor, &c, None, (d.member.org_id, &item.name, &title)).await?;
        return Ok(Awarded::Queued { claim_id: id });
    }
    let (entry_id, posted, note) = app
        .db
        .write(actor, now, async |w| {
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
            let (entry_id, posted, note) = post_capped(w.tx(), e, now).await?;
            if posted == 0 && points != 0 {
                return Err(DomainError::Invalid(
                    note.unwrap_or_else(|| "已达上限".into()),
                ));
            }
            let ev = AuditEvent::success("points.award", "member", a.member_id)
                .org(d.member.org_id)
                .detail(format!("{} {posted:+} 分", item.name));
            w.audit(ev).await?;
            Ok((entry_id, posted, note))
        })
        .await?;
    Ok(Awarded::Posted {
        entry_id,
        points: posted,
        note,
    })
}

/// Whether the account `me` (user id, member record) may decide a claim for `member_id`
/// submitted by `submitted_by`: nobody decides their own claim or one they submitted.
#[must_use]
pub fn may_decide(me: (i64, Option<i64>), member_id: i64, submitted_by: Option<i64>) -> bool {
    me.1 != Some(member_id) && submitted_by != Some(me.0)
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
) -> Result<i64, DomainError> {
    let ClaimInput {
        code,
        points,
        occurred_on,
        description,
        evidence,
    } = *input;
    let Some(member_id) = scope.member_id else {
        return Err(DomainError::Invalid(
            "您的账号没有关联党员档案，不能申报积分".into(),
        ));
    };
    let d = crate::members::service::detail(app, scope, member_id, MemberAction::View).await?;
    let description = description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        return Err(DomainError::Invalid(
            "请说明申报事由（不超过 500 字）".into(),
        ));
    }
    if occurred_on > app.clock.today() {
        return Err(DomainError::Invalid("日期不能晚于今天".into()));
    }
    let item = item_in_force(app, &d.org.path, code, occurred_on).await?;
    if !item.is_manual() || item.points < 0 {
        return Err(DomainError::Invalid("该项目不接受个人申报".into()));
    }
    if item.evidence_required && evidence.is_none_or(|(b, _)| b.is_empty()) {
        return Err(DomainError::Invalid(format!(
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
    let title = format!("{}申报积分“{}”，待审核", d.member.name, item.name);
    file_claim(
        app,
        actor,
        &c,
        evidence,
        (d.member.org_id, &item.name, &title),
    )
    .await
}

/// Stores a claim waiting for an officer, with its audit row and a 待办 line in the bell of the
/// officers of `org_id`.
async fn file_claim(
    app: &App,
    actor: &Actor,
    c: &Claim,
    evidence: Option<(&[u8], &str)>,
    (org_id, item_name, title): (i64, &str, &str),
) -> Result<i64, DomainError> {
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::insert_claim(&mut w.exec(), c, evidence, now).await?;
            let ev = AuditEvent::success("points.claim", "member", c.member_id)
                .org(org_id)
                .detail(item_name);
            w.audit(ev).await?;
            crate::notices::service::to_officers(
                &mut w.exec(),
                org_id,
                ("todo", title, "/points/claims"),
                now,
            )
            .await?;
            Ok::<_, DomainError>(id)
        })
        .await
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
) -> Result<(), DomainError> {
    let c = match store::claim(&mut app.db.conn().await?.exec(), id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let d = crate::members::service::detail(app, scope, c.member_id, MemberAction::Edit).await?;
    if c.status != "pending" {
        return Err(DomainError::Invalid("该申报已经处理".into()));
    }
    if !may_decide(
        (scope.user_id, scope.member_id),
        c.member_id,
        c.submitted_by,
    ) {
        return Err(DomainError::Invalid(
            "不能审批本人的或本人提交的积分申报".into(),
        ));
    }
    if !approve && note.trim().is_empty() {
        return Err(DomainError::Invalid("不通过时请填写原因".into()));
    }
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    let item = all
        .into_iter()
        .find(|i| i.id == c.item_id)
        .ok_or(DomainError::Denied(Denial::NotFound))?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
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
                let (eid, posted, msg) = post_capped(w.tx(), e, now).await?;
                if posted == 0 {
                    return Err(DomainError::Invalid(
                        msg.unwrap_or_else(|| "已达上限".into()),
                    ));
                }
                Some(eid)
            } else {
                None
            };
            let status = if approve { "approved" } else { "rejected" };
            if !store::decide_claim(
                &mut w.exec(),
                id,
                status,
                actor.user_id,
                note.trim(),
                entry,
                now,
            )
            .await?
            {
                return Err(DomainError::Invalid("该申报已经处理".into()));
            }
            let ev = AuditEvent::success("points.decide", "member", c.member_id)
                .org(d.member.org_id)
                .detail(format!(
                    "{}：{}",
                    item.name,
                    if approve { "通过" } else { "不通过" }
                ));
            w.audit(ev).await?;
            let title = format!(
                "积分申报“{}”{}",
                item.name,
                if approve { "已通过" } else { "未通过" }
            );
            crate::notices::service::to_member(
                &mut w.exec(),
                c.member_id,
                ("claim_decided", &title, "/points/claims"),
                now,
            )
            .await?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Checks evidence for a claim: a picture (re-encoded, metadata removed) or a PDF, at most 5 MB.
/// Returns the bytes to keep and their MIME type.
///
/// # Errors
/// A Chinese message for anything else.
pub fn evidence_of(bytes: &[u8]) -> Result<(Vec<u8>, &'static str), String> {
    const MAX: usize = 5 * 1024 * 1024;
    if bytes.len() > MAX {
        return Err("证明材料不能超过 5 MB".into());
    }
    if crate::shared::picture::is_picture(bytes) {
        return Ok((
            crate::shared::picture::reencode(bytes, MAX, 1600, "图片")?,
            "image/jpeg",
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok((bytes.to_vec(), "application/pdf"));
    }
    Err("证明材料须为 JPG/PNG 图片或 PDF 文件".into())
}
