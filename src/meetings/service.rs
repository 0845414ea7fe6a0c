//! Use cases for planning meetings: who may see and run them, scheduling with the expected
//! attendees computed from the roster, editing while planned, cancelling, and listing.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::{Exec, StoreError};
use crate::events;
use crate::orgs::model::{Org, OrgKind};
use crate::shared::text::char_len;

use super::model::Kind;
pub use super::plan::Plan;
use super::roll_store;
pub use super::store::Meeting;
use super::store::{self, ListFilter};

/// Failures of the meetings area.
#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    /// Refused by the scope.
    #[error("找不到该记录，或无权执行此操作")]
    Denied(Denial),
    /// A state or input problem; the text is for the user.
    #[error("{0}")]
    Invalid(String),
    /// Refused with a stable code for API clients.
    #[error("{1}")]
    Refused(&'static str, String),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Denial> for MeetingError {
    fn from(d: Denial) -> Self {
        Self::Denied(d)
    }
}

impl From<crate::orgs::service::OrgError> for MeetingError {
    fn from(e: crate::orgs::service::OrgError) -> Self {
        match e {
            crate::orgs::service::OrgError::Denied(d) => Self::Denied(d),
            crate::orgs::service::OrgError::Invalid(m) => Self::Invalid(m),
            crate::orgs::service::OrgError::Store(s) => Self::Store(s),
        }
    }
}

/// Result of the area.
pub type MeetingResult<T> = Result<T, MeetingError>;

/// Whether the user may look at organisational life at `path`: anyone who sees the
/// organisation, except the 三员, who see no member data (SEC-18).
#[must_use]
pub fn may_view(scope: &Scope, path: &str) -> bool {
    scope.sees(path) && !scope.role.is_admin_triad()
}

/// Whether the user may plan and record meetings of `org`: officers and organisation
/// administrators of it or above.
///
/// # Errors
/// `NotFound` outside scope, `Forbidden` for members and the 三员.
pub fn check_manage(scope: &Scope, org: &Org) -> Result<(), Denial> {
    if !scope.sees(&org.path) {
        return Err(Denial::NotFound);
    }
    if !scope.has_member_area() {
        return Err(Denial::Forbidden);
    }
    scope.check_org(OrgAction::Edit, org)
}

/// Whether the caller runs meeting `m` (for pages that show more to its managers).
///
/// # Errors
/// Storage failures.
pub async fn manages(app: &App, scope: &Scope, m: &Meeting) -> MeetingResult<bool> {
    let org =
        crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), m.org_id).await?;
    Ok(check_manage(scope, &org).is_ok())
}

/// Whether the user reviews records of this organisation for a higher committee: it lies
/// strictly below their own organisation.
#[must_use]
pub fn may_review(scope: &Scope, org_path: &str) -> bool {
    scope.has_member_area()
        && scope
            .own
            .as_ref()
            .is_some_and(|o| org_path.starts_with(&o.path) && org_path != o.path)
}

/// Loads a meeting the caller may see.
///
/// # Errors
/// `NotFound` for unknown ids and meetings outside scope alike.
pub async fn get(app: &App, scope: &Scope, id: i64) -> MeetingResult<Meeting> {
    let m = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    // Someone expected at a meeting of an organisation above their own (a 党委's 党课 for all
    // members) may see that meeting too.
    let on_roll = match scope.member_id {
        Some(mid) if !may_view(scope, &m.org_path) => {
            super::roll_store::attendee(&mut app.db.conn().await?.exec(), m.id, mid)
                .await?
                .is_some()
        }
        _ => false,
    };
    if may_view(scope, &m.org_path) || on_roll {
        Ok(m)
    } else if scope.sees(&m.org_path) {
        Err(Denial::Forbidden.into())
    } else {
        Err(Denial::NotFound.into())
    }
}

/// Loads a meeting the caller may run, with its organisation.
///
/// # Errors
/// As [`check_manage`].
pub async fn get_managed(app: &App, scope: &Scope, id: i64) -> MeetingResult<(Meeting, Org)> {
    let m = get(app, scope, id).await?;
    let org =
        crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), m.org_id).await?;
    check_manage(scope, &org)?;
    Ok((m, org))
}

/// The expected attendees: a 支委会 on its own expects the committee (the current officers); a
/// 党小组会 the group's members; anything else everyone on the books of the organisation and
/// below. Voting rights follow VOTE-01 (正式党员 in normal standing, not under 留党察看 on the
/// day of the meeting).
async fn roll_for(
    ex: &mut Exec<'_>,
    org: &Org,
    kinds: &[Kind],
    day: time::Date,
) -> MeetingResult<Vec<(i64, String, bool)>> {
    let committee_only = kinds
        .iter()
        .all(|k| matches!(k, Kind::BranchCommittee | Kind::Other))
        && kinds.contains(&Kind::BranchCommittee);
    let rows: Vec<roll_store::RollCandidate> = if committee_only {
        roll_store::committee_members(ex, org.id).await?
    } else if org.kind() == OrgKind::Group {
        roll_store::group_members(ex, org.id).await?
    } else {
        roll_store::subtree_members(ex, &org.path).await?
    };
    Ok(rows
        .into_iter()
        .map(|(id, name, category, watch)| {
            (
                id,
                name,
                category == "full" && watch.is_none_or(|u| u <= day),
            )
        })
        .collect())
}

/// Plans a meeting, takes its roll, and publishes `meeting.scheduled` so members are told.
///
/// # Errors
/// Denied outside scope; invalid plans with every problem listed.
pub async fn schedule(app: &App, actor: &Actor, scope: &Scope, p: &Plan) -> MeetingResult<i64> {
    let org = crate::orgs::service::get_checked(app, scope, p.org_id, OrgAction::View).await?;
    check_manage(scope, &org)?;
    if !org.is_active() {
        return Err(MeetingError::Invalid("该组织已撤销，不能安排会议".into()));
    }
    let c = p.check().map_err(MeetingError::Invalid)?;
    super::plan::kinds_fit(org.kind(), &p.kinds).map_err(MeetingError::Invalid)?;
    let (title, starts_at) = (&c.title, c.starts_at);
    let key = crate::shared::token::new_token();
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::insert(
                &mut w.exec(),
                &c.row(p, org.id, &key, actor.user_id),
                &p.kinds,
                now,
            )
            .await?;
            let day = super::model::china_date(starts_at);
            let roll = roll_for(&mut w.exec(), &org, &p.kinds, day).await?;
            roll_store::insert_roll(&mut w.exec(), id, &roll).await?;
            let payload = serde_json::json!({
                "meeting_id": id, "org_id": org.id, "title": title,
                "kinds": p.kinds.iter().map(|k| k.code()).collect::<Vec<_>>(),
                "starts_at": crate::shared::text::datetime(starts_at),
                "member_ids": roll.iter().map(|r| r.0).collect::<Vec<_>>(),
            });
            events::publish(
                &mut w.exec(),
                "meeting.scheduled",
                &format!("meeting:{id}"),
                &payload,
                now,
            )
            .await?;
            let body = format!(
                "时间：{}\n地点：{}\n应到 {} 人，不能参加请及时请假。",
                crate::shared::text::datetime(starts_at),
                p.place.trim(),
                roll.len()
            );
            crate::bots::service::notify(
                &mut w.exec(),
                app,
                &group_orgs(&org),
                ("meeting_scheduled", &format!("meeting:{id}:scheduled")),
                (
                    &format!("会议安排：{title}"),
                    &body,
                    &format!("/meetings/{id}"),
                ),
                now,
            )
            .await?;
            let ev = AuditEvent::success("meeting.schedule", "meeting", id)
                .org(org.id)
                .detail(format!("{title}（应到 {} 人）", roll.len()));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Changes a planned meeting; the roll is taken again from the roster.
///
/// # Errors
/// Denied, invalid, or no longer planned.
pub async fn update(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    p: &Plan,
) -> MeetingResult<()> {
    let (m, org) = get_managed(app, scope, id).await?;
    let c = p.check().map_err(MeetingError::Invalid)?;
    super::plan::kinds_fit(org.kind(), &p.kinds).map_err(MeetingError::Invalid)?;
    let title = c.title.clone();
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let row = c.row(p, m.org_id, &m.checkin_key, actor.user_id);
            if !store::update_planned(&mut w.exec(), id, &row, now).await? {
                return Err(MeetingError::Invalid(
                    "会议已召开或已取消，不能修改安排".into(),
                ));
            }
            if m.kinds() != p.kinds {
                store::set_kinds(&mut w.exec(), id, &p.kinds).await?;
                // Check-ins already made stay; only members who were not yet marked are re-listed.
                let marked: Vec<i64> = roll_store::roll(&mut w.exec(), id)
                    .await?
                    .into_iter()
                    .filter(|a| a.status != "absent")
                    .map(|a| a.member_id)
                    .collect();
                if marked.is_empty() {
                    roll_store::clear_roll(&mut w.exec(), id).await?;
                    let day = super::model::china_date(c.starts_at);
                    let roll = roll_for(&mut w.exec(), &org, &p.kinds, day).await?;
                    roll_store::insert_roll(&mut w.exec(), id, &roll).await?;
                }
            }
            let ev = AuditEvent::success("meeting.update", "meeting", id)
                .org(m.org_id)
                .detail(title);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}

/// Cancels a planned meeting with a reason.
///
/// # Errors
/// Denied, no reason, or no longer planned.
pub async fn cancel(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> MeetingResult<()> {
    let (m, _) = get_managed(app, scope, id).await?;
    let reason = reason.trim();
    if reason.is_empty() || char_len(reason) > 200 {
        return Err(MeetingError::Invalid(
            "请填写取消原因（不超过 200 字）".into(),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !store::set_status(&mut w.exec(), id, "planned", "cancelled", reason, now).await? {
                return Err(MeetingError::Invalid("只有尚未召开的会议可以取消".into()));
            }
            events::publish(
                &mut w.exec(),
                "meeting.cancelled",
                &format!("meeting:{id}"),
                &serde_json::json!({"meeting_id": id, "org_id": m.org_id, "reason": reason}),
                now,
            )
            .await?;
            let ev = AuditEvent::success("meeting.cancel", "meeting", id)
                .org(m.org_id)
                .detail(reason);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}

/// Meetings the caller may see, narrowed to `org` when given.
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn list(
    app: &App,
    scope: &Scope,
    org: Option<i64>,
    mut f: ListFilter,
    limit: i64,
    offset: i64,
) -> MeetingResult<(Vec<Meeting>, i64)> {
    if scope.role.is_admin_triad() {
        return Err(Denial::Forbidden.into());
    }
    f.roots = match org {
        Some(id) => scope.visible_within(
            &crate::orgs::service::get_checked(app, scope, id, OrgAction::View).await?,
        )?,
        None => scope.visible(),
    };
    Ok(store::list(&mut app.db.conn().await?.exec(), &f, limit, offset).await?)
}

/// The organisations whose group bots hear of a meeting: its own, and for a 党小组 the branch
/// above (groups rarely keep a chat of their own).
#[must_use]
pub fn group_orgs(org: &Org) -> Vec<i64> {
    let mut v = vec![org.id];
    if org.kind() == OrgKind::Group
        && let Some(p) = org.parent_id
    {
        v.push(p);
    }
    v
}

/// A stored file's description, as other areas list their attachments.
pub use super::records_store::FileInfo;
