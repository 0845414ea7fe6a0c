//! Changes of 党籍 recorded as events (转正, 停止党籍, 恢复党籍, 出党, 去世) and the as-of
//! question answered from them. Reached through `members::service`.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, OrgAction, Scope};
use crate::orgs::model::Org;

use super::events::{self, NewEvent};
use super::model::{Category, EventKind, Member};
use super::service::detail;
use super::store;
use crate::shared::error::DomainError;

/// Records 转正, 停止党籍, 恢复党籍, 出党 or 去世 and applies it to the record.
///
/// # Errors
/// Denied, or invalid when the event does not fit the member's state or dates.
pub async fn record_event(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    kind: EventKind,
    on: Date,
    note: &str,
) -> Result<(), DomainError> {
    let d = detail(app, scope, id, MemberAction::Edit).await?;
    if !EventKind::RECORDABLE.contains(&kind) {
        return Err(DomainError::Invalid(
            "组织关系的调整请通过组织关系转接办理".into(),
        ));
    }
    let note = note.trim();
    if note.chars().count() > 200 {
        return Err(DomainError::Invalid("说明不能超过 200 字".into()));
    }
    if on > app.clock.today() {
        return Err(DomainError::Invalid("日期不能晚于今天".into()));
    }
    if d.events.last().is_some_and(|e| e.occurred_on > on) {
        return Err(DomainError::Invalid("日期不能早于上一条记录".into()));
    }
    let status = d.member.status();
    let Some(next) = kind.transition(status) else {
        return Err(DomainError::Invalid(format!(
            "党籍状态为“{}”的党员不能登记“{}”",
            status.label(),
            kind.label()
        )));
    };
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if kind == EventKind::Convert {
                if d.member.category() != Category::Probationary {
                    return Err(DomainError::Invalid("只有预备党员才能转正".into()));
                }
                // DEV-20/21: probation is a full year from the 党员大会 that accepted the member.
                if on < crate::orgs::model::term_end(d.member.joined_on, 1) {
                    return Err(DomainError::Invalid("预备期未满一年，不能转正".into()));
                }
                store::set_category(&mut w.exec(), id, Category::Full.code(), Some(on), now)
                    .await?;
            }
            if next != status {
                store::set_status(&mut w.exec(), id, next.code(), now).await?;
            }
            let ev = NewEvent {
                member_id: id,
                kind,
                occurred_on: on,
                from_org_id: Some(d.member.org_id),
                to_org_id: None,
                note,
                recorded_by: actor.user_id,
                recorded_by_name: &actor.name,
            };
            events::insert(&mut w.exec(), &ev, now).await?;
            // SEC-21: a member who leaves the Party, is transferred out or dies can no longer sign in.
            if matches!(
                kind,
                EventKind::Leave | EventKind::Death | EventKind::TransferOut
            ) {
                crate::auth::service::disable_member_accounts(&mut w.exec(), id, now).await?;
            }
            let a = AuditEvent::success("member.event", "member", id)
                .org(d.org.id)
                .detail(kind.label());
            w.audit(a).await?;
            Ok(())
        })
        .await
}

/// Members who belonged to the subtree of `org_id` on `date`, by name, with their branch then.
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn on_date(
    app: &App,
    scope: &Scope,
    org_id: i64,
    date: Date,
) -> Result<Vec<(Member, Org)>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    let mut conn = app.db.conn().await?;
    let history = events::history_up_to(&mut conn.exec(), &org.path, date).await?;
    let at = events::organisation_at(&history);
    // Branches as they are now (dissolved ones included), and the members, each loaded once.
    let branches: std::collections::HashMap<i64, Org> =
        crate::orgs::service::list_under(&mut conn.exec(), &scope.visible_within(&org)?, true)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
    let wanted: Vec<i64> = at
        .iter()
        .filter(|(_, b)| branches.contains_key(b))
        .map(|(m, _)| *m)
        .collect();
    let mut out = Vec::new();
    for m in store::get_many(&mut conn.exec(), &app.keys, &wanted).await? {
        if let Some(o) = at.get(&m.id).and_then(|b| branches.get(b)) {
            out.push((m, o.clone()));
        }
    }
    out.sort_by_key(|(m, _)| super::model::name_key(&m.name));
    Ok(out)
}
