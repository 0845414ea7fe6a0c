//! Changes of 党籍 recorded as events (转正, 延长预备期, 取消预备党员资格, 留党察看, 停止党籍,
//! 恢复党籍, 出党, 去世) and the as-of
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

/// An event an officer records on the member page.
#[derive(Debug, Clone, Copy)]
pub struct EventInput<'a> {
    /// What happened.
    pub kind: EventKind,
    /// When: for 转正, 延长预备期 and 取消预备党员资格 the date of the 党员大会 that decided it.
    pub on: Date,
    /// 会议决议、批复文号等.
    pub note: &'a str,
    /// Length of an extension or of 留党察看, in months.
    pub months: Option<u8>,
}

/// Records 转正, 延长预备期, 取消预备党员资格, 留党察看, 停止党籍, 恢复党籍, 出党 or 去世 and
/// applies it to the record.
///
/// # Errors
/// Denied, or invalid when the event does not fit the member's state or dates.
pub async fn record_event(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    input: EventInput<'_>,
) -> Result<(), DomainError> {
    let EventInput {
        kind,
        on,
        note,
        months,
    } = input;
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
    let until = check_terms(&d.member, &d.events, kind, on, months)?;
    let note = match (kind, months) {
        (EventKind::Extend | EventKind::Observe, Some(n)) if note.is_empty() => {
            format!("{}{n}个月", kind.label())
        }
        (EventKind::Extend | EventKind::Observe, Some(n)) => {
            format!("{}{n}个月；{note}", kind.label())
        }
        _ => note.to_owned(),
    };
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            match kind {
                // DEV-25: 转正日期 (and 党龄) is the end of probation, not the meeting's date.
                EventKind::Convert => {
                    store::set_category(
                        &mut w.exec(),
                        id,
                        Category::Full.code(),
                        Some(d.member.probation_end()),
                        now,
                    )
                    .await?;
                }
                EventKind::Extend | EventKind::Observe => {
                    if let Some(u) = until {
                        let observe = kind == EventKind::Observe;
                        store::set_term_end(&mut w.exec(), id, observe, u, now).await?;
                    }
                }
                _ => {}
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
                note: &note,
                recorded_by: actor.user_id,
                recorded_by_name: &actor.name,
            };
            events::insert(&mut w.exec(), &ev, now).await?;
            // SEC-21: a member who leaves the Party, is transferred out, dies or whose
            // probationary membership is cancelled can no longer sign in.
            if matches!(
                kind,
                EventKind::Leave | EventKind::Death | EventKind::TransferOut | EventKind::Cancel
            ) {
                crate::auth::service::disable_member_accounts(&mut w.exec(), id, now).await?;
            }
            let a = AuditEvent::success("member.event", "member", id)
                .org(d.org.id)
                .detail(note_or_label(kind, &note));
            w.audit(a).await?;
            Ok(())
        })
        .await
}

fn note_or_label(kind: EventKind, note: &str) -> String {
    if note.starts_with(kind.label()) {
        note.to_owned()
    } else {
        kind.label().to_owned()
    }
}

/// The probation and discipline rules of an event (DEV-20/21/22, VOTE-01): returns the end of
/// an extension or of 留党察看.
fn check_terms(
    m: &Member,
    history: &[events::MemberEvent],
    kind: EventKind,
    on: Date,
    months: Option<u8>,
) -> Result<Option<Date>, DomainError> {
    let invalid = |s: &str| Err(DomainError::Invalid(s.to_owned()));
    if kind.probation_only() && m.category() != Category::Probationary {
        return invalid(&format!("只有预备党员才能登记“{}”", kind.label()));
    }
    if kind == EventKind::Observe && m.category() != Category::Full {
        // 纪律处分条例: a 预备党员 who breaks discipline is extended or cancelled instead.
        return invalid("预备党员违纪的，应延长预备期或取消预备党员资格，不适用留党察看");
    }
    let end = m.probation_end();
    let ymd = crate::shared::text::ymd;
    match kind {
        // DEV-21: the meeting that converts is not held before probation ends.
        EventKind::Convert if on < end => {
            return invalid(&format!("预备期至 {} 届满，届满后方可讨论转正", ymd(end)));
        }
        // DEV-22: an extension is decided when probation ends, and only once.
        EventKind::Extend => {
            let extended = m.probation_extended_until.is_some()
                || history.iter().any(|e| e.kind == EventKind::Extend.code());
            if extended {
                return invalid("预备期只能延长一次；延长期满后应讨论转正或取消预备党员资格");
            }
            if on < end {
                return invalid(&format!(
                    "预备期至 {} 届满，届满时方可讨论延长预备期",
                    ymd(end)
                ));
            }
        }
        EventKind::Cancel if on < m.joined_on => {
            return invalid("日期不能早于入党日期");
        }
        EventKind::Observe if m.under_observation(on) => {
            return invalid("该党员正在留党察看期内");
        }
        _ => {}
    }
    let Some(allowed) = kind.months_allowed() else {
        return Ok(None);
    };
    let Some(n) = months.filter(|n| allowed.contains(n)) else {
        return invalid(if kind == EventKind::Extend {
            "延长预备期须为 6 至 12 个月"
        } else {
            "留党察看期为一年或两年"
        });
    };
    let from = if kind == EventKind::Extend { end } else { on };
    Ok(Some(add_months(from, n)))
}

/// `from` plus `n` months, on the same day of the month or the month's last day (CAL-02).
fn add_months(from: Date, n: u8) -> Date {
    let total = i32::from(u8::from(from.month())) - 1 + i32::from(n);
    let year = from.year() + total / 12;
    let month = time::Month::try_from(u8::try_from(total % 12 + 1).unwrap_or(1))
        .unwrap_or(time::Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, from.day().min(last)).unwrap_or(from)
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

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[test]
    fn dev_22_extension_months_keep_the_day_or_take_the_last() {
        assert_eq!(
            super::add_months(date!(2026 - 03 - 15), 6),
            date!(2026 - 09 - 15)
        );
        assert_eq!(
            super::add_months(date!(2026 - 08 - 31), 6),
            date!(2027 - 02 - 28)
        );
        assert_eq!(
            super::add_months(date!(2026 - 12 - 01), 12),
            date!(2027 - 12 - 01)
        );
    }
}
