//! Page structs of organisational life.

use askama::Template;
use time::Date;

use crate::web::layout::PageCtx;

use super::checkin::Attendance;
use super::compliance::Summary;
use super::compliance_service::{MatrixRow, ReportRow, RuleLine};
use super::minutes::Record;
use super::model::{Kind, Minutes, Period};
use super::records_store::{FileInfo, Revision};
use super::roll_store::{Attendee, Leave};
use super::store::Meeting;

/// `2026-11-28 14:30`.
fn when(m: &Meeting) -> String {
    crate::shared::text::datetime(m.starts_at)
}

impl Meeting {
    /// Start, for tables.
    #[must_use]
    pub fn when(&self) -> String {
        when(self)
    }
    /// "14:30–16:30" or with the end date when it differs.
    #[must_use]
    pub fn span(&self) -> String {
        let s = crate::shared::text::datetime(self.starts_at);
        let e = crate::shared::text::datetime(self.ends_at);
        if s.get(..10) == e.get(..10) {
            format!("{s}–{}", e.get(11..).unwrap_or(""))
        } else {
            format!("{s} 至 {e}")
        }
    }
    /// Badge class for the status.
    #[must_use]
    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "held" => "badge-success",
            "cancelled" => "badge-danger",
            _ => "badge-info",
        }
    }
}

/// A choice in a select.
#[derive(Debug, Clone)]
pub struct Opt {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// The meeting list.
#[derive(Template)]
#[template(path = "meetings/list.html")]
pub struct ListPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Meetings shown.
    pub rows: Vec<Meeting>,
    /// Matching meetings.
    pub total: i64,
    /// Kind filter options.
    pub kinds: Vec<Opt>,
    /// Status filter options.
    pub statuses: Vec<Opt>,
    /// Month filter (`2026-11`) or empty.
    pub month: String,
    /// Whether the user may plan meetings here.
    pub can_plan: bool,
    /// Organisation in focus.
    pub org_id: i64,
    /// Current page.
    pub page_no: i64,
    /// Pages.
    pub pages: i64,
    /// Query string without the page, for pager links.
    pub query: String,
}

/// Values of the planning form.
#[derive(Debug, Clone, Default)]
pub struct PlanValues {
    /// Organisation.
    pub org_id: String,
    /// Kind codes ticked.
    pub kinds: Vec<String>,
    /// Title.
    pub title: String,
    /// datetime-local.
    pub starts_at: String,
    /// datetime-local.
    pub ends_at: String,
    /// Place.
    pub place: String,
    /// 主持人.
    pub host_name: String,
    /// 记录人.
    pub recorder_name: String,
    /// One 议题 per line.
    pub agenda: String,
    /// 列席.
    pub guests: String,
}

impl PlanValues {
    /// Whether a kind is ticked.
    #[must_use]
    pub fn has(&self, k: &Kind) -> bool {
        self.kinds.iter().any(|c| c == k.code())
    }
}

/// Plan or edit a meeting.
#[derive(Template)]
#[template(path = "meetings/form.html")]
pub struct FormPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Where the form posts.
    pub action: String,
    /// Organisations the user may plan for (new meetings only).
    pub orgs: Vec<Opt>,
    /// Every kind.
    pub all_kinds: Vec<Kind>,
    /// Entered values.
    pub v: PlanValues,
    /// Problem to show.
    pub error: Option<String>,
    /// Editing an existing meeting.
    pub editing: bool,
}

/// One meeting.
#[derive(Template)]
#[template(path = "meetings/show.html")]
pub struct ShowPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The meeting.
    pub m: Meeting,
    /// Attendance.
    pub att: Attendance,
    /// The user runs this meeting.
    pub manage: bool,
    /// The user reviews it for a higher committee.
    pub review: bool,
    /// The user's own line on the roll.
    pub own: Option<Attendee>,
    /// The user's own 请假 request.
    pub own_leave: Option<Leave>,
    /// Photos and attachments.
    pub files: Vec<FileInfo>,
    /// The submitted record.
    pub record: Option<Record>,
    /// Revisions.
    pub revisions: Vec<Revision>,
    /// Check-in is open now.
    pub checkin_open: bool,
    /// Leave may still be asked.
    pub leave_open: bool,
    /// Largest upload, MiB.
    pub max_mib: u32,
    /// Only the fact of the meeting is shown (MEET-02/03).
    pub restricted: bool,
    /// The meeting has begun: attendance is a verdict, not a plan.
    pub started: bool,
    /// The meeting is over: the record is the main action.
    pub ended: bool,
    /// 代签 is possible now (from a day before the start).
    pub proxy_open: bool,
    /// The roll is opened (coming back from a mark).
    pub roll_open: bool,
    /// "半数以上" read as including half (VOTE-02 setting) for ordinary votes.
    pub inclusive: bool,
    /// The recognised reasons for leaving a member out of 应到会有表决权.
    pub reasons: &'static [(&'static str, &'static str)],
}

impl ShowPage {
    /// An attendee's status as of now: before the start nobody is 缺席 yet.
    #[must_use]
    pub fn status_text(&self, a: &Attendee) -> &'static str {
        if a.status != "absent" || self.m.is_held() {
            a.status_label()
        } else if self.started {
            "未签到"
        } else {
            "待参加"
        }
    }
    /// Revision date.
    #[must_use]
    pub fn rev_time(&self, r: &Revision) -> String {
        crate::shared::text::datetime(r.recorded_at)
    }
    /// When the decision was published.
    #[must_use]
    pub fn published_text(&self) -> String {
        self.m
            .published_at
            .map(crate::shared::text::datetime)
            .unwrap_or_default()
    }
    /// Review time.
    #[must_use]
    pub fn reviewed_text(&self) -> String {
        self.m
            .reviewed_at
            .map(crate::shared::text::datetime)
            .unwrap_or_default()
    }
}

/// The full-screen check-in page for the meeting room.
#[derive(Template)]
#[template(path = "meetings/screen.html")]
pub struct ScreenPage {
    /// The meeting.
    pub m: Meeting,
    /// 应到.
    pub expected: i64,
    /// 实到.
    pub present: i64,
    /// Seconds between codes.
    pub rotate: u32,
    /// Asset version.
    pub v: &'static str,
    /// The code shown (for typing when scanning fails).
    pub code: String,
}

/// Where a scanned QR code lands.
#[derive(Template)]
#[template(path = "meetings/checkin.html")]
pub struct CheckinPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The meeting.
    pub m: Meeting,
    /// The code from the QR.
    pub code: String,
    /// A scan made before signing in waits in this browser: no code to type.
    pub scanned: bool,
    /// Result message.
    pub done: Option<String>,
    /// Problem.
    pub error: Option<String>,
}

/// Write or correct the minutes.
#[derive(Template)]
#[template(path = "meetings/minutes.html")]
pub struct MinutesPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The meeting.
    pub m: Meeting,
    /// Values in the form.
    pub minutes: Minutes,
    /// Attendance now.
    pub att: Attendance,
    /// Already submitted (a correction).
    pub held: bool,
    /// Problem to show.
    pub error: Option<String>,
    /// Rows for votes (existing plus blanks).
    pub vote_rows: usize,
    /// The kinds of item: (code, label).
    pub kinds: [(&'static str, &'static str); 3],
    /// "超过" or "不少于" (the election quorum in force).
    pub election_word: &'static str,
}

impl MinutesPage {
    /// A vote field value, empty for blank rows.
    #[must_use]
    pub fn vote(&self, i: &usize, field: &str) -> String {
        let Some(v) = self.minutes.votes.get(*i) else {
            return String::new();
        };
        match field {
            "topic" => v.topic.clone(),
            "yes" => v.yes.to_string(),
            "no" => v.no.to_string(),
            "abstain" => v.abstain.to_string(),
            "written_yes" => v.written_yes.to_string(),
            "method" => v.method.clone(),
            "kind" => v.vote_kind().code().to_owned(),
            "seats" => v.seats.to_string(),
            "candidates" => super::elections::candidates_text(&v.candidates),
            "issued" => v.ballots_issued.to_string(),
            "returned" => v.ballots_returned.to_string(),
            _ => String::new(),
        }
    }
}

/// A day in the month calendar.
#[derive(Debug, Clone)]
pub struct Day {
    /// Date.
    pub date: Date,
    /// In the month shown.
    pub in_month: bool,
    /// Today.
    pub today: bool,
    /// Meetings starting that day.
    pub meetings: Vec<Meeting>,
}

impl Day {
    /// "11月28日".
    #[must_use]
    pub fn md(&self) -> String {
        format!("{}月{}日", u8::from(self.date.month()), self.date.day())
    }
}

/// The month calendar of an organisation.
#[derive(Template)]
#[template(path = "meetings/calendar.html")]
pub struct CalendarPage {
    /// Shared page data.
    pub page: PageCtx,
    /// "2026年11月".
    pub label: String,
    /// Weeks of days, Monday first.
    pub weeks: Vec<Vec<Day>>,
    /// Previous month code.
    pub prev: String,
    /// Next month code.
    pub next: String,
    /// Whether the user may plan meetings.
    pub can_plan: bool,
}

/// The year matrix.
#[derive(Template)]
#[template(path = "meetings/matrix.html")]
pub struct MatrixPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Year.
    pub year: i32,
    /// Columns.
    pub columns: Vec<Period>,
    /// Rows.
    pub rows: Vec<MatrixRow>,
    /// Branches with something missed this year.
    pub missed: usize,
}

impl MatrixPage {
    /// Column heading.
    #[must_use]
    pub fn heading(&self, p: &Period) -> String {
        match p {
            Period::Month(_, m) => format!("{m}月"),
            Period::Quarter(_, q) => {
                let n = ["一", "二", "三", "四"].get(usize::from(*q).saturating_sub(1));
                format!("{}季度", n.unwrap_or(&""))
            }
            Period::Year(_) => "全年".into(),
        }
    }
    /// Tooltip text of a cell.
    #[must_use]
    pub fn tip(&self, s: &Summary) -> String {
        if s.open.is_empty() {
            s.status.label().to_owned()
        } else {
            format!("{}：{}", s.status.label(), s.open.join("、"))
        }
    }
    /// Column code by index, for links.
    #[must_use]
    pub fn code(&self, i: &usize) -> String {
        self.columns.get(*i).map(|p| p.code()).unwrap_or_default()
    }
}

/// What each branch owes in one period.
#[derive(Template)]
#[template(path = "meetings/period.html")]
pub struct PeriodPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation.
    pub org_id: i64,
    /// "2026年第四季度".
    pub label: String,
    /// Rows.
    pub rows: Vec<ReportRow>,
    /// Year of the period, for the way back.
    pub year: i32,
}

/// Cadence rules of an organisation.
#[derive(Template)]
#[template(path = "meetings/rules.html")]
pub struct RulesPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation id.
    pub org_id: i64,
    /// Name.
    pub org_name: String,
    /// One line per kind.
    pub lines: Vec<RuleLine>,
    /// May tighten here.
    pub can_edit: bool,
    /// Problem to show.
    pub error: Option<String>,
}

/// 我的会议.
#[derive(Template)]
#[template(path = "meetings/mine.html")]
pub struct MinePage {
    /// Shared page data.
    pub page: PageCtx,
    /// Upcoming meetings with the user's attendance.
    pub items: Vec<(Meeting, String)>,
    /// A calendar link just issued (shown once).
    pub feed_url: Option<String>,
    /// Whether a link exists.
    pub has_feed: bool,
    /// Has a member record.
    pub has_member: bool,
}

impl MinePage {
    /// Chinese attendance.
    #[must_use]
    pub fn status_text(&self, s: &str) -> &'static str {
        match s {
            "present" => "已签到",
            "leave" => "已请假",
            _ => "待参加",
        }
    }
}
