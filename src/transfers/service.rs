//! Use cases for transfers. The sending side requests or issues; the receiving side (or a
//! committee above both) accepts; the 回执 closes a letter. The member's branch and status
//! change only here, through the member's event history, in the same transaction.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, Scope};
use crate::db::StoreError;
use crate::members::events::{self, NewEvent};
use crate::members::model::{EventKind, Status};
use crate::members::service::{MemberDetail, detail};

use super::model::{Kind, Transfer, expires, parse_month, serial};
use super::store::{self, StatusChange};
use crate::shared::error::DomainError;

/// The transfers the caller's side sent or receives, newest first.
///
/// # Errors
/// Denied for roles without member data.
pub async fn list(app: &App, scope: &Scope) -> Result<Vec<Transfer>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    Ok(store::list_touching(
        &mut app.db.conn().await?.exec(),
        &scope.visible_members(),
        500,
    )
    .await?)
}

/// Whether the caller acts for the sending side, the receiving side, or neither.
#[must_use]
pub fn sides(scope: &Scope, t: &Transfer) -> (bool, bool) {
    let within = |p: &Option<String>| {
        p.as_deref()
            .is_some_and(|p| scope.check_member(MemberAction::Edit, p, 0).is_ok())
    };
    (within(&t.from_path), within(&t.to_path))
}

/// Loads a transfer the caller may see.
///
/// # Errors
/// `NotFound` for unknown ids and transfers of other organisations alike.
pub async fn get(app: &App, scope: &Scope, id: i64) -> Result<Transfer, DomainError> {
    let t = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let (from, to) = sides(scope, &t);
    if from || to {
        Ok(t)
    } else {
        Err(Denial::NotFound.into())
    }
}

async fn sendable(app: &App, scope: &Scope, member_id: i64) -> Result<MemberDetail, DomainError> {
    let d = detail(app, scope, member_id, MemberAction::Edit).await?;
    if d.member.status() != Status::Normal {
        return Err(DomainError::Invalid(format!(
            "党籍状态为“{}”的党员不能办理转接",
            d.member.status().label()
        )));
    }
    if store::has_open(&mut app.db.conn().await?.exec(), member_id).await? {
        return Err(DomainError::Invalid("该党员已有正在办理的转接".into()));
    }
    Ok(d)
}

fn reason_ok(reason: &str) -> Result<&str, DomainError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "请填写转接原因（不超过 200 字）".into(),
        ));
    }
    Ok(r)
}

/// The sending branch asks another branch in Zhibu to take a member.
///
/// # Errors
/// Denied, or invalid destination, state or reason.
pub async fn request_internal(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
    to_org: i64,
    reason: &str,
) -> Result<i64, DomainError> {
    let d = sendable(app, scope, member_id).await?;
    let reason = reason_ok(reason)?;
    let dest = crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), to_org)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => DomainError::Invalid("请选择接收的党支部".into()),
            e => e.into(),
        })?;
    if !dest.kind().is_branch() || !dest.is_active() {
        return Err(DomainError::Invalid("接收方须为在册的党支部".into()));
    }
    if dest.id == d.member.org_id {
        return Err(DomainError::Invalid("接收党支部与现所在党支部相同".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let t = NewTransfer {
                member_id,
                kind: Kind::Internal.code(),
                status: "requested",
                from_org_id: Some(d.member.org_id),
                to_org_id: Some(dest.id),
                reason,
                requested_by: actor.user_id,
                ..NewTransfer::default()
            };
            let id = store::insert(&mut w.exec(), &t, now).await?;
            let ev = AuditEvent::success("transfer.request", "transfer", id)
                .org(d.member.org_id)
                .detail(format!("转往 {}", dest.name));
            w.audit(ev).await?;
            let title = format!("{}的组织关系将转入本支部，待接收", d.member.name);
            crate::notices::service::to_officers(
                &mut w.exec(),
                dest.id,
                ("todo", &title, &format!("/transfers/{id}")),
                now,
            )
            .await?;
            Ok(id)
        })
        .await
}

/// The receiving branch (or a committee above it) accepts or rejects; on acceptance the member
/// moves, with a 支部调整 event, in the same transaction.
///
/// # Errors
/// Denied unless the caller acts for the receiving side; invalid when already decided.
pub async fn decide(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    accept: bool,
    note: &str,
) -> Result<(), DomainError> {
    let t = get(app, scope, id).await?;
    let (_, receiving) = sides(scope, &t);
    if t.kind() != Kind::Internal {
        return Err(DomainError::Invalid("该转接不需要接收确认".into()));
    }
    if !receiving {
        return Err(DomainError::Denied(Denial::Forbidden));
    }
    let note = note.trim();
    if !accept && note.is_empty() {
        return Err(DomainError::Invalid("不接收时请填写原因".into()));
    }
    let now = app.now();
    let today = app.clock.today();
    app.db
        .write(actor, now, async |w| {
            let to = if accept { "accepted" } else { "rejected" };
            if !store::set_status(
                &mut w.exec(),
                id,
                StatusChange {
                    from: "requested",
                    to,
                    user_id: actor.user_id,
                    note,
                    receipt_on: None,
                },
                now,
            )
            .await?
            {
                return Err(DomainError::Invalid("该转接已经处理".into()));
            }
            if accept {
                let (Some(from), Some(dest)) = (t.from_org_id, t.to_org_id) else {
                    return Err(DomainError::Invalid("转接记录不完整".into()));
                };
                store::move_member(&mut w.exec(), t.member_id, dest, now).await?;
                let ev = NewEvent {
                    member_id: t.member_id,
                    kind: EventKind::Move,
                    occurred_on: today,
                    from_org_id: Some(from),
                    to_org_id: Some(dest),
                    note: &format!("组织关系转接（{}）", t.reason),
                    recorded_by: actor.user_id,
                    recorded_by_name: &actor.name,
                };
                events::insert(&mut w.exec(), &ev, now).await?;
            }
            let what = if accept { "接收" } else { "不接收" };
            let ev = AuditEvent::success("transfer.decide", "transfer", id).detail(what);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}

/// The sending side withdraws a request, or voids a letter the member will not use.
///
/// # Errors
/// Denied unless the caller acts for the sending side; invalid when no longer open.
pub async fn cancel(app: &App, actor: &Actor, scope: &Scope, id: i64) -> Result<(), DomainError> {
    let t = get(app, scope, id).await?;
    let (sending, _) = sides(scope, &t);
    if !sending {
        return Err(DomainError::Denied(Denial::Forbidden));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let from = if t.kind() == Kind::Outgoing {
                "issued"
            } else {
                "requested"
            };
            if !store::set_status(
                &mut w.exec(),
                id,
                StatusChange {
                    from,
                    to: "cancelled",
                    user_id: actor.user_id,
                    note: "",
                    receipt_on: None,
                },
                now,
            )
            .await?
            {
                return Err(DomainError::Invalid("该转接已经处理，不能撤销".into()));
            }
            w.audit(AuditEvent::success("transfer.cancel", "transfer", id))
                .await?;
            Ok(())
        })
        .await
}

/// What a 介绍信 needs.
#[derive(Debug, Clone)]
pub struct LetterInput {
    /// 接收党组织.
    pub destination: String,
    /// Validity in days (REL-04: at most 90).
    pub valid_days: i64,
    /// 党费交至 (YYYY-MM).
    pub dues_paid_to: String,
    /// 转接原因.
    pub reason: String,
}

/// Issues a numbered 介绍信 for a member leaving Zhibu. The member stays on the books, and the
/// sending branch stays responsible, until the 回执 comes back (REL-03).
///
/// # Errors
/// Denied or invalid input.
pub async fn issue_letter(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
    input: &LetterInput,
) -> Result<i64, DomainError> {
    let d = sendable(app, scope, member_id).await?;
    let reason = reason_ok(&input.reason)?;
    let dest = input.destination.trim();
    if dest.is_empty() || dest.chars().count() > 60 {
        return Err(DomainError::Invalid(
            "请填写接收党组织的名称（不超过 60 字）".into(),
        ));
    }
    if !(1..=90).contains(&input.valid_days) {
        return Err(DomainError::Invalid("有效期应在 1 到 90 天之间".into()));
    }
    let today = app.clock.today();
    let Some(paid_to) = parse_month(&input.dues_paid_to) else {
        return Err(DomainError::Invalid(
            "党费交至应写作 年-月，如 2026-11".into(),
        ));
    };
    // Dues are paid for months that have begun: a letter cannot say they are paid ahead.
    if paid_to > (today.year(), u8::from(today.month())) {
        return Err(DomainError::Invalid(format!(
            "党费交至不能晚于本月（{}年{}月）",
            today.year(),
            u8::from(today.month())
        )));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let year = today.year().to_string();
            let n = store::letters_in_year(&mut w.exec(), &year).await? + 1;
            let token: String = crate::shared::token::new_token().chars().take(32).collect();
            let t = NewTransfer {
                member_id,
                kind: Kind::Outgoing.code(),
                status: "issued",
                from_org_id: Some(d.member.org_id),
                other_org_name: dest,
                serial: Some(serial(today.year(), n)),
                valid_days: Some(input.valid_days),
                issued_on: Some(today),
                expires_on: Some(expires(today, input.valid_days)),
                dues_paid_to: input.dues_paid_to.trim(),
                reason,
                verify_token: Some(token),
                requested_by: actor.user_id,
                ..NewTransfer::default()
            };
            let id = store::insert(&mut w.exec(), &t, now).await?;
            let ev = AuditEvent::success("transfer.letter", "transfer", id)
                .org(d.member.org_id)
                .detail(format!("开具介绍信 {}", serial(today.year(), n)));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Records the 回执: the letter is closed, the member leaves the books (转出) and their
/// account is disabled (SEC-21).
///
/// # Errors
/// Denied unless the caller acts for the sending side; invalid date or state.
pub async fn record_receipt(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    on: Date,
) -> Result<(), DomainError> {
    let t = get(app, scope, id).await?;
    let (sending, _) = sides(scope, &t);
    if !sending || t.kind() != Kind::Outgoing {
        return Err(DomainError::Denied(Denial::Forbidden));
    }
    if on > app.clock.today() || t.issued_on.is_some_and(|i| on < i) {
        return Err(DomainError::Invalid(
            "回执日期应在开具日期之后、今天之前".into(),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !store::set_status(
                &mut w.exec(),
                id,
                StatusChange {
                    from: "issued",
                    to: "closed",
                    user_id: actor.user_id,
                    note: "",
                    receipt_on: Some(on),
                },
                now,
            )
            .await?
            {
                return Err(DomainError::Invalid("该介绍信已经处理".into()));
            }
            crate::members::service::set_status(
                &mut w.exec(),
                t.member_id,
                Status::TransferredOut.code(),
                now,
            )
            .await?;
            let ev = NewEvent {
                member_id: t.member_id,
                kind: EventKind::TransferOut,
                occurred_on: on,
                from_org_id: t.from_org_id,
                to_org_id: None,
                note: &format!(
                    "转往 {}，介绍信 {}",
                    t.other_org_name,
                    t.serial.clone().unwrap_or_default()
                ),
                recorded_by: actor.user_id,
                recorded_by_name: &actor.name,
            };
            events::insert(&mut w.exec(), &ev, now).await?;
            crate::auth::service::disable_member_accounts(&mut w.exec(), t.member_id, now).await?;
            w.audit(AuditEvent::success("transfer.receipt", "transfer", id))
                .await?;
            Ok(())
        })
        .await
}

pub use super::lookups::{destinations, verify};

/// The member area records a transfer out of Zhibu as it changes the member's status.
pub use super::store::{NewTransfer, insert as insert_transfer};
