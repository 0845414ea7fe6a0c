//! Attendance: the rotating check-in code, check-in by scanning it, 代签 by the recorder,
//! 请假 requests and their approval, and the 应到 / 实到 / 请假 / 缺席 summary with the quorum
//! of VOTE-02. Attendance changes after the record was submitted publish a corrected event.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, Scope};
use crate::db::{StoreError, Tx};
use crate::events;

use super::code;
use super::model::{china_date, quorum_met};
use super::roll_store::{self, Attendee, Leave};
use super::service::{MeetingError, MeetingResult, get, get_managed};
use super::store::{self, Meeting};

/// The code the QR on the screen encodes now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CheckinCode)]
pub struct CurrentCode {
    /// The code.
    pub code: String,
    /// When the screen moves on to the next one.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The current check-in code, for the meeting-room screen (officers only).
///
/// # Errors
/// Denied for others.
pub async fn current_code(
    app: &App,
    scope: &Scope,
    id: i64,
) -> MeetingResult<(Meeting, CurrentCode)> {
    let (m, _) = get_managed(app, scope, id).await?;
    let rotate = app.config.meetings.checkin_rotate_secs;
    let w = code::window(app.now(), rotate);
    let c = CurrentCode {
        code: code::code_for(&m.checkin_key, m.id, w),
        expires_at: code::window_end(w, rotate),
    };
    Ok((m, c))
}

/// When check-in is open: from before the start until after the end (settings).
#[must_use]
pub fn window(app: &App, m: &Meeting) -> (OffsetDateTime, OffsetDateTime) {
    let c = &app.config.meetings;
    (
        m.starts_at - Duration::minutes(i64::from(c.checkin_opens_minutes_before)),
        m.ends_at + Duration::minutes(i64::from(c.checkin_closes_minutes_after)),
    )
}

/// What a scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInOutcome {
    /// Recorded now.
    CheckedIn,
    /// Already recorded earlier; nothing written.
    AlreadyCheckedIn,
}

/// A member checks themselves in with the code from the QR, or with the pass a scan left in
/// their browser before they signed in (`scan`). The code is checked first, so a forged or
/// stale code reveals nothing; then the window, then the roll.
///
/// # Errors
/// `checkin_code_invalid`, `checkin_closed`, `meeting_cancelled`, `not_on_roll`, `no_member_record`.
pub async fn check_in(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    code_text: &str,
    pass: Option<&str>,
) -> MeetingResult<(Meeting, CheckInOutcome)> {
    let m = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let now = app.now();
    let by_code = code::verify(
        &m.checkin_key,
        m.id,
        code_text,
        now,
        app.config.meetings.checkin_rotate_secs,
    );
    let by_pass = pass.is_some_and(|p| super::scan::verify(&m.checkin_key, m.id, p, now));
    if !by_code && !by_pass {
        return Err(MeetingError::Refused(
            "checkin_code_invalid",
            "签到码无效或已过期，请重新扫描会场屏幕上的二维码".into(),
        ));
    }
    if m.is_cancelled() {
        return Err(MeetingError::Refused(
            "meeting_cancelled",
            "该会议已取消".into(),
        ));
    }
    let (open, close) = window(app, &m);
    if m.is_held() || now < open || now > close {
        return Err(MeetingError::Refused(
            "checkin_closed",
            format!(
                "不在签到时间内（{} 至 {}）",
                crate::shared::text::datetime(open),
                crate::shared::text::datetime(close)
            ),
        ));
    }
    let Some(member_id) = scope.member_id else {
        return Err(MeetingError::Refused(
            "no_member_record",
            "您的账号没有关联党员档案，无法签到".into(),
        ));
    };
    let mut tx = app.db.begin().await?;
    if roll_store::attendee(&mut tx.exec(), id, member_id)
        .await?
        .is_none()
    {
        return Err(MeetingError::Refused(
            "not_on_roll",
            "您不在本次会议的应到人员名单中，无法签到；如需参加，请联系会议记录人".into(),
        ));
    }
    // A pass stands in for the code once: the first member who uses it owns it, so it cannot
    // be passed on to someone who was not in the room.
    if let Some(p) = pass.filter(|_| by_pass && !by_code) {
        let hash = crate::shared::token::sm3_hex(p.as_bytes());
        let owner = roll_store::claim_pass(&mut tx.exec(), &hash, id, member_id, now).await?;
        if owner != member_id {
            return Err(MeetingError::Refused(
                "checkin_code_invalid",
                "该扫码记录已被他人使用，请重新扫描会场屏幕上的二维码".into(),
            ));
        }
    }
    if !roll_store::check_in(&mut tx.exec(), id, member_id, "qr", None, "", now).await? {
        return Ok((m, CheckInOutcome::AlreadyCheckedIn));
    }
    let ev = AuditEvent::success("meeting.checkin", "meeting", id).org(m.org_id);
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok((m, CheckInOutcome::CheckedIn))
}

/// Publishes one attendee's outcome (`meeting.attended`, `meeting.absent` or `meeting.leave`).
///
/// # Errors
/// Database failures.
pub async fn publish_one(
    tx: &mut Tx,
    m: &Meeting,
    member_id: i64,
    correction: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let Some(a) = roll_store::attendee(&mut tx.exec(), m.id, member_id).await? else {
        return Ok(());
    };
    let topic = match a.status.as_str() {
        "present" => "meeting.attended",
        "leave" => "meeting.leave",
        _ => "meeting.absent",
    };
    let payload = serde_json::json!({
        "meeting_id": m.id, "member_id": member_id, "org_id": m.org_id,
        "kinds": m.kinds().iter().map(|k| k.code()).collect::<Vec<_>>(),
        "held_on": crate::shared::text::ymd(china_date(m.starts_at)),
        "correction": correction,
    });
    events::publish(
        &mut tx.exec(),
        topic,
        &format!("meeting:{}/member:{member_id}", m.id),
        &payload,
        now,
    )
    .await?;
    Ok(())
}

/// 应到 / 实到 / 请假 / 缺席 with names, and the quorum for decisions.
#[derive(Debug, Clone, Serialize)]
pub struct Attendance {
    /// Everyone expected.
    pub roll: Vec<Attendee>,
    /// 应到.
    pub expected: i64,
    /// 实到.
    pub present: i64,
    /// 请假.
    pub leave: i64,
    /// 缺席.
    pub absent: i64,
    /// Members with voting rights on the roll (VOTE-01).
    pub entitled: i64,
    /// Of them, present.
    pub present_voting: i64,
    /// Whether more than half of those entitled are present (VOTE-02, MEET-02).
    pub quorum: bool,
    /// 请假 requests.
    pub leaves: Vec<Leave>,
}

impl Attendance {
    /// Builds the summary.
    #[must_use]
    pub fn new(roll: Vec<Attendee>, leaves: Vec<Leave>) -> Self {
        let count = |f: &dyn Fn(&Attendee) -> bool| {
            i64::try_from(roll.iter().filter(|a| f(a)).count()).unwrap_or(0)
        };
        let expected = count(&|_| true);
        let present = count(&|a| a.present());
        let leave = count(&|a| a.status == "leave");
        let entitled = count(&|a| a.counts_for_vote());
        let present_voting = count(&|a| a.voting && a.present());
        Self {
            expected,
            present,
            leave,
            absent: expected - present - leave,
            entitled,
            present_voting,
            quorum: quorum_met(present_voting, entitled),
            roll,
            leaves,
        }
    }

    /// The quorum by the reading in force for ordinary votes (VOTE-02).
    #[must_use]
    pub fn read_by(mut self, r: super::model::Readings) -> Self {
        self.quorum = r.ordinary_met(self.present_voting, self.entitled);
        self
    }

    /// Voting members left out of 应到会有表决权, with their reasons.
    #[must_use]
    pub fn excluded(&self) -> Vec<&Attendee> {
        self.roll
            .iter()
            .filter(|a| a.voting && !a.counts_for_vote())
            .collect()
    }

    /// Names with a given status, joined.
    #[must_use]
    pub fn names(&self, status: &str) -> String {
        self.roll
            .iter()
            .filter(|a| a.status == status)
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }

    /// Whether the user's own record is on the roll, and its status.
    #[must_use]
    pub fn own(&self, member_id: Option<i64>) -> Option<&Attendee> {
        member_id.and_then(|id| self.roll.iter().find(|a| a.member_id == id))
    }
}

/// The attendance of a meeting whose whole record the caller may read (MEET-02/03: not a
/// 支委会's for an ordinary member). Members see the summary and their own line; officers see
/// every name.
///
/// # Errors
/// Denied outside scope, and `Forbidden` where only the fact of the meeting may be seen.
pub async fn attendance(app: &App, scope: &Scope, id: i64) -> MeetingResult<(Meeting, Attendance)> {
    let m = get(app, scope, id).await?;
    super::access::require_full(app, scope, &m).await?;
    let mut conn = app.db.conn().await?;
    let roll = roll_store::roll(&mut conn.exec(), id).await?;
    let leaves = roll_store::leaves(&mut conn.exec(), id).await?;
    let readings = super::model::Readings::of(&app.config.meetings);
    Ok((m, Attendance::new(roll, leaves).read_by(readings)))
}
