//! The 会议记录 (MEET-13): a draft while the meeting is planned; submitting appends revision 1,
//! marks the meeting held and publishes its events; after that the record is locked and a
//! correction appends a new, audited revision with its reason. The higher committee marks
//! records 已审阅. Photos and attachments are checked by their bytes and kept in the database.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, Scope};
use crate::db::StoreError;
use crate::events;
use crate::shared::text::char_len;

use super::checkin::{Attendance, publish_one};
use super::model::Minutes;
use super::records_store::{self, Revision};
use super::roll_store;
use super::service::{MeetingError, MeetingResult, get, get_managed, may_review};
use super::store::{self, Meeting};

/// What a submitted revision holds: the minutes and the attendance as it stood.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MinutesRecord)]
pub struct Record {
    /// The written part.
    pub minutes: Minutes,
    /// 应到.
    pub expected: i64,
    /// Names present.
    pub present: Vec<String>,
    /// (name, reason) on leave.
    #[schema(value_type = Vec<Vec<String>>)]
    pub leave: Vec<(String, String)>,
    /// (name, note) absent.
    #[schema(value_type = Vec<Vec<String>>)]
    pub absent: Vec<(String, String)>,
    /// Voting members on the roll.
    pub entitled: i64,
    /// Of them present.
    pub present_voting: i64,
}

impl Record {
    fn new(minutes: Minutes, a: &Attendance) -> Self {
        let pick = |s: &str| {
            a.roll
                .iter()
                .filter(|x| x.status == s)
                .map(|x| (x.name.clone(), x.absence_note.clone()))
                .collect::<Vec<_>>()
        };
        Self {
            minutes,
            expected: a.expected,
            present: a
                .roll
                .iter()
                .filter(|x| x.present())
                .map(|x| x.name.clone())
                .collect(),
            leave: pick("leave"),
            absent: pick("absent"),
            entitled: a.entitled,
            present_voting: a.present_voting,
        }
    }

    /// The votes that are not elections.
    #[must_use]
    pub fn ordinary_votes(&self) -> Vec<&super::model::VoteRecord> {
        self.minutes
            .votes
            .iter()
            .filter(|v| !v.is_election())
            .collect()
    }

    /// The elections.
    #[must_use]
    pub fn elections(&self) -> Vec<&super::model::VoteRecord> {
        self.minutes
            .votes
            .iter()
            .filter(|v| v.is_election())
            .collect()
    }

    /// "张三（出差）、李四".
    #[must_use]
    pub fn absent_text(&self) -> String {
        let with = |v: &[(String, String)]| {
            v.iter()
                .map(|(n, r)| {
                    if r.is_empty() {
                        n.clone()
                    } else {
                        format!("{n}（{r}）")
                    }
                })
                .collect::<Vec<_>>()
        };
        let mut parts = with(&self.leave)
            .into_iter()
            .map(|s| format!("{s}［请假］"))
            .collect::<Vec<_>>();
        parts.extend(with(&self.absent));
        parts.join("、")
    }
}

/// Parses a stored revision.
#[must_use]
pub fn parse(r: &Revision) -> Record {
    serde_json::from_str(&r.content).unwrap_or_default()
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MinutesSaved)]
pub enum Saved {
    /// Draft kept.
    Draft,
    /// Submitted as revision 1; the meeting is held.
    Submitted,
    /// A correction appended.
    Corrected,
}

/// Saves, submits or corrects the minutes.
///
/// # Errors
/// Denied, invalid content, too early, cancelled, or a correction without a reason.
pub async fn save(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    mut minutes: Minutes,
    submit: bool,
    reason: &str,
) -> MeetingResult<Saved> {
    let (m, _) = get_managed(app, scope, id).await?;
    if m.is_cancelled() {
        return Err(MeetingError::Invalid(
            "该会议已取消，不能填写会议记录".into(),
        ));
    }
    let submitting = submit || m.is_held();
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let roll = roll_store::roll(&mut w.exec(), id).await?;
            let att = Attendance::new(roll, Vec::new());
            let readings = super::model::Readings::of(&app.config.meetings);
            for v in &mut minutes.votes {
                v.settle(att.entitled, att.present_voting, readings);
            }
            if let Some(p) = minutes.problem(submitting) {
                return Err(MeetingError::Invalid(p));
            }
            if !submitting {
                let json = serde_json::to_string(&minutes).unwrap_or_default();
                store::save_draft(&mut w.exec(), id, &json, now).await?;
                let ev = AuditEvent::success("meeting.minutes.draft", "meeting", id).org(m.org_id);
                w.audit(ev).await?;
                return Ok(Saved::Draft);
            }
            if !m.is_held() && now < m.starts_at {
                return Err(MeetingError::Refused(
                    "meeting_not_started",
                    "会议尚未开始，不能提交会议记录".into(),
                ));
            }
            let reason = reason.trim();
            if m.is_held() && (reason.is_empty() || char_len(reason) > 200) {
                return Err(MeetingError::Refused(
                    "minutes_locked",
                    "会议记录已提交并锁定，更正须填写更正原因（不超过 200 字）".into(),
                ));
            }
            let record = Record::new(minutes, &att);
            let content = serde_json::to_string(&record).unwrap_or_default();
            let next = i64::try_from(records_store::revisions(&mut w.exec(), id).await?.len())
                .unwrap_or(0)
                + 1;
            match records_store::insert_revision(
                &mut w.exec(),
                id,
                next,
                (&content, reason),
                (actor.user_id, &actor.name),
                now,
            )
            .await
            {
                Ok(_) => {}
                Err(StoreError::Duplicate) => {
                    return Err(MeetingError::Refused(
                        "minutes_conflict",
                        "会议记录刚被他人提交，请刷新后再试".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
            let outcome = if m.is_held() {
                let ev = AuditEvent::success("meeting.minutes.correct", "meeting", id)
                    .org(m.org_id)
                    .detail(format!("第 {next} 版：{reason}"));
                w.audit(ev).await?;
                Saved::Corrected
            } else {
                if !store::set_status(&mut w.exec(), id, "planned", "held", "", now).await? {
                    return Err(MeetingError::Refused(
                        "minutes_conflict",
                        "会议记录刚被他人提交，请刷新后再试".into(),
                    ));
                }
                store::save_draft(&mut w.exec(), id, "", now).await?;
                let held = Meeting {
                    status: "held".into(),
                    ..m.clone()
                };
                let payload = serde_json::json!({
                    "meeting_id": id, "org_id": m.org_id,
                    "kinds": m.kinds().iter().map(|k| k.code()).collect::<Vec<_>>(),
                    "held_on": crate::shared::text::ymd(super::model::china_date(m.starts_at)),
                    "expected": att.expected, "present": att.present,
                });
                events::publish(
                    &mut w.exec(),
                    "meeting.held",
                    &format!("meeting:{id}"),
                    &payload,
                    now,
                )
                .await?;
                for a in &att.roll {
                    publish_one(w.tx(), &held, a.member_id, false, now).await?;
                }
                let ev = AuditEvent::success("meeting.minutes.submit", "meeting", id)
                    .org(m.org_id)
                    .detail(format!("应到 {} 人，实到 {} 人", att.expected, att.present));
                w.audit(ev).await?;
                Saved::Submitted
            };
            Ok(outcome)
        })
        .await
}

/// The minutes of a meeting: the draft being written (officers), and the submitted revisions.
#[derive(Debug, Clone)]
pub struct MinutesView {
    /// The meeting.
    pub meeting: Meeting,
    /// Draft (empty when none).
    pub draft: Minutes,
    /// Revisions, oldest first.
    pub revisions: Vec<Revision>,
    /// The latest revision, parsed.
    pub current: Option<Record>,
}

/// Loads the minutes of a meeting whose whole record the caller may read (MEET-02/03).
///
/// # Errors
/// Denied outside scope, and `Forbidden` where only the fact of the meeting may be seen.
pub async fn load(app: &App, scope: &Scope, id: i64) -> MeetingResult<MinutesView> {
    let meeting = get(app, scope, id).await?;
    super::access::require_full(app, scope, &meeting).await?;
    let revisions = records_store::revisions(&mut app.db.conn().await?.exec(), id).await?;
    let current = revisions.last().map(parse);
    let draft = serde_json::from_str(&meeting.draft).unwrap_or_default();
    Ok(MinutesView {
        meeting,
        draft,
        revisions,
        current,
    })
}

/// The higher committee marks a submitted record as reviewed, with a comment.
///
/// # Errors
/// Denied unless the meeting's organisation lies below the caller's; invalid before submission.
pub async fn review(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    comment: &str,
) -> MeetingResult<()> {
    let m = get(app, scope, id).await?;
    if !may_review(scope, &m.org_path) {
        return Err(Denial::Forbidden.into());
    }
    if !m.is_held() {
        return Err(MeetingError::Invalid("会议记录提交后才能审阅".into()));
    }
    let comment = comment.trim();
    if char_len(comment) > 500 {
        return Err(MeetingError::Invalid("审阅意见不能超过 500 字".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            store::set_review(&mut w.exec(), id, actor.user_id, &actor.name, comment, now).await?;
            let ev = AuditEvent::success("meeting.review", "meeting", id)
                .org(m.org_id)
                .detail(comment);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
