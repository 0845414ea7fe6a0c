//! Request and reply types of the meetings API, kept apart from the handlers so both stay
//! short. Query values are read as text so that a bad value answers with a Chinese message
//! rather than the framework's.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::checkin::{Attendance, CheckInOutcome};
use super::compliance::Status;
use super::minutes::{Record, Saved};
use super::model::{Kind, RecordAccess, VoteRecord};
use super::roll_store::{Attendee, Leave};
use super::store::Meeting;

/// Filters of the meeting list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Organisation id; every visible organisation when absent.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub org: Option<String>,
    /// First day, YYYY-MM-DD.
    #[serde(default)]
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day (inclusive), YYYY-MM-DD.
    #[serde(default)]
    #[param(format = Date)]
    pub to: Option<String>,
    /// Meeting kind code.
    #[serde(default)]
    pub kind: Option<String>,
    /// `planned`, `held` or `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// From 1; 100 a page.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub page: Option<String>,
}

/// A meeting with its kinds, agenda and how much of its record the caller may read. A member
/// who may only see that it was held gets no agenda, guests or review comment (MEET-02/03).
#[derive(Serialize, ToSchema)]
#[schema(as = Meeting)]
pub(super) struct MeetingOut {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub kinds: Vec<String>,
    pub agenda: Vec<String>,
    pub status_label: String,
    pub record_access: RecordAccess,
}

impl MeetingOut {
    pub(super) fn of(m: Meeting, record_access: RecordAccess) -> Self {
        Self {
            kinds: m.kinds().iter().map(|k| k.code().to_owned()).collect(),
            agenda: m.agenda_items(),
            status_label: m.status_label().to_owned(),
            record_access,
            meeting: m,
        }
    }
}

/// A page of meetings.
#[derive(Serialize, ToSchema)]
pub(super) struct MeetingList {
    pub meetings: Vec<MeetingOut>,
    pub total: i64,
    pub page: i64,
}

/// A new meeting.
#[derive(Deserialize, ToSchema)]
#[schema(as = NewMeeting)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    pub org_id: i64,
    /// Kind codes; one meeting may count as several.
    pub kinds: Vec<String>,
    #[serde(default)]
    pub title: String,
    /// `2026-12-01T09:00` (China time) or RFC 3339.
    pub starts_at: String,
    /// Same form as `starts_at`.
    pub ends_at: String,
    pub place: String,
    pub host_name: String,
    #[serde(default)]
    pub recorder_name: String,
    #[serde(default)]
    pub agenda: Vec<String>,
    #[serde(default)]
    pub guests: String,
}

/// Attendance: the counts for everyone; every name for officers (`roll`, `leaves`), the
/// caller's own line for members (`own`).
#[derive(Serialize, ToSchema)]
pub(super) struct AttendanceOut {
    pub expected: i64,
    pub present: i64,
    pub leave: i64,
    pub absent: i64,
    pub entitled: i64,
    pub present_voting: i64,
    pub quorum: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roll: Option<Vec<Attendee>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves: Option<Vec<Leave>>,
    /// Present (possibly `null`) only for callers who do not manage the meeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Attendee>)]
    pub own: Option<Option<Attendee>>,
}

impl AttendanceOut {
    pub(super) fn of(a: Attendance, manager: bool, member: Option<i64>) -> Self {
        let own = (!manager).then(|| a.own(member).cloned());
        let (roll, leaves) = if manager {
            (Some(a.roll), Some(a.leaves))
        } else {
            (None, None)
        };
        Self {
            expected: a.expected,
            present: a.present,
            leave: a.leave,
            absent: a.absent,
            entitled: a.entitled,
            present_voting: a.present_voting,
            quorum: a.quorum,
            roll,
            leaves,
            own,
        }
    }
}

/// A meeting whose whole record the caller may read, or only the fact that it was held.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
// Built once per request and serialised at once, so boxing the large variant saves nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum MeetingDetail {
    /// The whole record.
    Full(MeetingFull),
    /// That it was held (`record_access` is `held_only`).
    HeldOnly(MeetingOut),
}

/// A meeting with attendance and the current minutes.
#[derive(Serialize, ToSchema)]
pub(super) struct MeetingFull {
    #[serde(flatten)]
    pub base: MeetingOut,
    pub attendance: AttendanceOut,
    /// The latest submitted revision of the minutes.
    pub minutes: Option<Record>,
    /// Revisions submitted.
    pub revisions: usize,
}

/// A check-in code typed or scanned by a member.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CodeBody {
    pub code: String,
}

/// The outcome of a check-in.
#[derive(Serialize, ToSchema)]
pub(super) struct CheckedIn {
    pub status: CheckInOutcome,
    pub message: String,
}

/// A 请假 request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LeaveBody {
    pub reason: String,
}

/// A request and where it stands.
#[derive(Serialize, ToSchema)]
pub(super) struct LeaveState {
    pub id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

/// An officer's answer to a 请假 request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LeaveDecision {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

/// Minutes to save as a draft, submit, or correct after submission.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MinutesBody {
    #[serde(default)]
    pub speeches: String,
    #[serde(default)]
    pub decisions: String,
    #[serde(default)]
    pub absence_notes: String,
    #[serde(default)]
    pub votes: Vec<VoteRecord>,
    /// Submit rather than save a draft.
    #[serde(default)]
    pub submit: bool,
    /// Required for a correction after submission.
    #[serde(default)]
    pub reason: String,
}

/// What saving did.
#[derive(Serialize, ToSchema)]
pub(super) struct MinutesSavedOut {
    pub saved: Saved,
    /// The new revision, unless a draft was saved.
    pub revision: Option<i64>,
    /// The meeting's status now.
    pub status: String,
}

/// Which organisation and period.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ComplianceQuery {
    /// Organisation id; the caller's own when absent.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub org: Option<String>,
    /// `2026-Q4`, `2026-11` or `2026`; this month when absent.
    #[serde(default)]
    pub period: Option<String>,
}

/// The organisation a report is for.
#[derive(Serialize, ToSchema)]
pub(super) struct ReportOrg {
    pub id: i64,
    pub name: String,
}

/// One kind of meeting for one organisation.
#[derive(Serialize, ToSchema)]
pub(super) struct ComplianceCell {
    pub kind: Kind,
    pub kind_label: String,
    pub required: i64,
    pub held: i64,
    pub status: Status,
    pub status_label: String,
    /// The rule in words, when one applies.
    pub rule: Option<String>,
    /// API addresses of the meetings held.
    pub held_meetings: Vec<String>,
    /// API addresses of the meetings planned but not yet recorded.
    pub planned_meetings: Vec<String>,
}

/// One organisation's line.
#[derive(Serialize, ToSchema)]
pub(super) struct ComplianceRow {
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: String,
    pub status: Status,
    pub status_label: String,
    pub kinds: Vec<ComplianceCell>,
}

/// “三会一课” compliance of an organisation and those below it.
#[derive(Serialize, ToSchema)]
pub(super) struct ComplianceReport {
    pub org: ReportOrg,
    pub period: String,
    pub period_label: String,
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
    pub rows: Vec<ComplianceRow>,
}
