//! Who reads what of a meeting's record (MEET-02/03/13): works out how the caller stands to a
//! meeting and asks [`record_visibility`] — the one rule every page, API answer, download and
//! export goes through — and lets the committee publish a decision to members, audited.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, Scope};
use crate::db::Exec;
use crate::orgs::model::path_ids;
use crate::shared::text::char_len;

use super::model::{RecordAccess, Viewer, record_visibility};
use super::records_store;
use super::roll_store;
use super::service::{MeetingError, MeetingResult, get_managed, may_view};
use super::store::Meeting;

/// Longest published decision, in characters.
pub const MAX_PUBLISHED: usize = 2000;

/// What is known about the caller once, for one meeting or a whole list.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Their 党小组.
    group: Option<i64>,
    /// Organisations where they hold a current committee post.
    posts: Vec<i64>,
}

impl Standing {
    /// Loads the caller's group and posts (nothing for accounts without a member record).
    ///
    /// # Errors
    /// Database failures.
    pub async fn load(ex: &mut Exec<'_>, scope: &Scope) -> MeetingResult<Self> {
        let Some(mid) = scope.member_id else {
            return Ok(Self::default());
        };
        let (group, posts) = records_store::member_standing(ex, mid).await?;
        Ok(Self { group, posts })
    }

    /// How the caller stands to `m`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn viewer(
        &self,
        ex: &mut Exec<'_>,
        scope: &Scope,
        m: &Meeting,
    ) -> MeetingResult<Viewer> {
        if scope.role.is_admin_triad() {
            return Ok(Viewer::Outside);
        }
        // Officers and organisation administrators see exactly the subtrees they run.
        if scope.has_member_area() && scope.sees(&m.org_path) {
            return Ok(Viewer::Committee);
        }
        let ids = path_ids(&m.org_path);
        if self.posts.iter().any(|p| ids.contains(p)) {
            return Ok(Viewer::Committee);
        }
        if self.group == Some(m.org_id) {
            return Ok(Viewer::Audience);
        }
        if let Some(mid) = scope.member_id
            && roll_store::attendee(ex, m.id, mid).await?.is_some()
        {
            return Ok(Viewer::Audience);
        }
        Ok(if may_view(scope, &m.org_path) {
            Viewer::Member
        } else {
            Viewer::Outside
        })
    }

    /// What of `m`'s record the caller may read.
    ///
    /// # Errors
    /// Database failures.
    pub async fn access(
        &self,
        ex: &mut Exec<'_>,
        scope: &Scope,
        m: &Meeting,
    ) -> MeetingResult<RecordAccess> {
        let viewer = self.viewer(ex, scope, m).await?;
        Ok(record_visibility(&m.kinds(), held_by_group(m), viewer))
    }
}

/// Whether the meeting's organisation is a 党小组.
fn held_by_group(m: &Meeting) -> bool {
    m.org_kind == crate::orgs::model::OrgKind::Group.code()
}

/// What of one meeting's record the caller may read.
///
/// # Errors
/// Database failures.
pub async fn access(app: &App, scope: &Scope, m: &Meeting) -> MeetingResult<RecordAccess> {
    let mut conn = app.db.conn().await?;
    let s = Standing::load(&mut conn.exec(), scope).await?;
    s.access(&mut conn.exec(), scope, m).await
}

/// Refuses unless the caller may read the whole record: for the attendance details, the
/// minutes, the .docx and the files.
///
/// # Errors
/// `Forbidden` for a member who may only see that the meeting was held; `NotFound` for
/// anyone else the meeting does not concern.
pub async fn require_full(app: &App, scope: &Scope, m: &Meeting) -> MeetingResult<()> {
    match access(app, scope, m).await? {
        RecordAccess::Full => Ok(()),
        RecordAccess::HeldOnly => Err(Denial::Forbidden.into()),
        RecordAccess::None => Err(Denial::NotFound.into()),
    }
}

/// The meeting as a member who may only see that it was held sees it: no agenda, no guests,
/// no draft.
#[must_use]
pub fn held_only(m: &Meeting) -> Meeting {
    Meeting {
        agenda: "[]".into(),
        guests: String::new(),
        draft: String::new(),
        recorder_name: String::new(),
        review_comment: String::new(),
        ..m.clone()
    }
}

/// Publishes to every member a decision of a held meeting (or withdraws it with an empty text).
///
/// # Errors
/// Denied unless the caller runs the meeting; invalid before the record is submitted or when
/// the text is too long.
pub async fn publish_decision(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    text: &str,
) -> MeetingResult<()> {
    let (m, _) = get_managed(app, scope, id).await?;
    if !m.is_held() {
        return Err(MeetingError::Invalid(
            "会议记录提交后才能向党员公开决定".into(),
        ));
    }
    let text = text.trim();
    if char_len(text) > MAX_PUBLISHED {
        return Err(MeetingError::Invalid(format!(
            "公开的决定不能超过 {MAX_PUBLISHED} 字"
        )));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            records_store::set_published(&mut w.exec(), id, text, &actor.name, now).await?;
            let ev = if text.is_empty() {
                AuditEvent::success("meeting.decision.withdraw", "meeting", id).org(m.org_id)
            } else {
                AuditEvent::success("meeting.decision.publish", "meeting", id)
                    .org(m.org_id)
                    .detail(text.chars().take(200).collect::<String>())
            };
            w.audit(ev).await?;
            Ok::<_, MeetingError>(())
        })
        .await?;
    Ok(())
}
