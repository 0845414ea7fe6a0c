//! Meeting kinds, reporting periods (CAL-06), cadence rules and how an override may only
//! tighten them (architecture.md §8). No IO.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::shared::clock::CHINA;

/// What a meeting counts as. One meeting may count as several (MEET-05).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = MeetingKind)]
pub enum Kind {
    /// 支部党员大会 (MEET-01).
    BranchGeneral,
    /// 支委会 (MEET-02).
    BranchCommittee,
    /// 党小组会 (MEET-03).
    Group,
    /// 党课 (MEET-04).
    Lecture,
    /// 主题党日 (MEET-05).
    ThemeDay,
    /// 组织生活会 (MEET-06).
    OrgLife,
    /// 民主评议党员 (MEET-07).
    Appraisal,
    /// 其他.
    Other,
}

impl Kind {
    /// Every kind, in the order forms list them.
    pub const ALL: [Kind; 8] = [
        Self::BranchGeneral,
        Self::BranchCommittee,
        Self::Group,
        Self::Lecture,
        Self::ThemeDay,
        Self::OrgLife,
        Self::Appraisal,
        Self::Other,
    ];

    /// API code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::BranchGeneral => "branch_general",
            Self::BranchCommittee => "branch_committee",
            Self::Group => "group",
            Self::Lecture => "lecture",
            Self::ThemeDay => "theme_day",
            Self::OrgLife => "org_life",
            Self::Appraisal => "appraisal",
            Self::Other => "other",
        }
    }

    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::BranchGeneral => "支部党员大会",
            Self::BranchCommittee => "支委会",
            Self::Group => "党小组会",
            Self::Lecture => "党课",
            Self::ThemeDay => "主题党日",
            Self::OrgLife => "组织生活会",
            Self::Appraisal => "民主评议党员",
            Self::Other => "其他",
        }
    }

    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

/// How the person looking stands to a meeting, as [`record_visibility`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The committee that holds the meeting or one above it: an officer or organisation
    /// administrator whose scope covers the meeting's organisation, or a member holding a
    /// current post (ROLE-02) in it or in an organisation above (for a 党小组, its branch).
    Committee,
    /// Expected at the meeting (on its roll), or for a 党小组's meeting a member of that group.
    Audience,
    /// Any other member who can see the organisation (a member of the branch).
    Member,
    /// Nobody the meeting concerns.
    Outside,
}

/// What of a meeting's record a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordAccess {
    /// Everything: agenda, attendance, minutes, votes, photos and attachments.
    Full,
    /// That it was held (date, kind, title, place, host) and any decision the committee
    /// published to members; no agenda, attendance details, minutes, votes or files.
    HeldOnly,
    /// Nothing.
    None,
}

impl Kind {
    /// Whether the record of a meeting of this kind belongs to a body smaller than the
    /// organisation's membership: the 支委会 (MEET-02) to the committee, the 党小组会
    /// (MEET-03) to the group. The 支部党员大会 (MEET-01), 党课 (MEET-04), 主题党日 (MEET-05),
    /// 组织生活会 (MEET-06, unless held as a 支委会 or 党小组会, when it carries that kind too)
    /// and 民主评议 (MEET-07) are meetings of all members.
    #[must_use]
    pub fn record_is_closed(self) -> bool {
        matches!(self, Self::BranchCommittee | Self::Group)
    }
}

/// Who reads a meeting's record (MEET-02/03/13): the committee holding it and the committees
/// above read everything, and so do those the meeting was for (its roll, or the group of a
/// 党小组). Other members of the organisation read everything of meetings of all members, but
/// of a 支委会 or a meeting held by a 党小组 only that it was held. Anyone else reads nothing.
/// `held_by_group` is whether the meeting's organisation is a 党小组.
#[must_use]
pub fn record_visibility(kinds: &[Kind], held_by_group: bool, viewer: Viewer) -> RecordAccess {
    match viewer {
        Viewer::Outside => RecordAccess::None,
        Viewer::Member if held_by_group || kinds.iter().any(|k| k.record_is_closed()) => {
            RecordAccess::HeldOnly
        }
        Viewer::Committee | Viewer::Audience | Viewer::Member => RecordAccess::Full,
    }
}

/// The length of a cadence period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// 每月.
    Month,
    /// 每季度.
    Quarter,
    /// 每年.
    Year,
}

impl Granularity {
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }
    /// Chinese adverb ("每月").
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Month => "每月",
            Self::Quarter => "每季度",
            Self::Year => "每年",
        }
    }
    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Month, Self::Quarter, Self::Year]
            .into_iter()
            .find(|g| g.code() == s)
    }
    /// How many such periods make a year.
    #[must_use]
    pub fn per_year(self) -> i64 {
        match self {
            Self::Month => 12,
            Self::Quarter => 4,
            Self::Year => 1,
        }
    }
}

/// A calendar reporting period in China time (CAL-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A month: year and 1–12.
    Month(i32, u8),
    /// A quarter: year and 1–4.
    Quarter(i32, u8),
    /// A calendar year.
    Year(i32),
}

impl Period {
    /// Parses `2026-11`, `2026-Q4` or `2026`, within the years the shared parser accepts
    /// (SEC-43: 1900–2100).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        use crate::shared::dates::{self, Span};
        match dates::period(s)? {
            Span::Month(y, m) => Some(Self::Month(y, m)),
            Span::Quarter(y, q) => Some(Self::Quarter(y, q)),
            Span::Year(y) => Some(Self::Year(y)),
            Span::Day(_) => None,
        }
    }

    /// The period of the same length just before, or `None` past the calendar's start.
    #[must_use]
    pub fn previous(self) -> Option<Self> {
        let day = self.start().previous_day()?;
        Some(Self::containing(day, self.granularity()))
    }

    /// The period of the same length just after, or `None` past the calendar's end.
    #[must_use]
    pub fn next(self) -> Option<Self> {
        let day = self.end().next_day()?;
        Some(Self::containing(day, self.granularity()))
    }

    /// The period of `g` that contains `d`.
    #[must_use]
    pub fn containing(d: Date, g: Granularity) -> Self {
        let m = u8::from(d.month());
        match g {
            Granularity::Month => Self::Month(d.year(), m),
            Granularity::Quarter => Self::Quarter(d.year(), (m - 1) / 3 + 1),
            Granularity::Year => Self::Year(d.year()),
        }
    }

    /// Its granularity.
    #[must_use]
    pub fn granularity(self) -> Granularity {
        match self {
            Self::Month(..) => Granularity::Month,
            Self::Quarter(..) => Granularity::Quarter,
            Self::Year(_) => Granularity::Year,
        }
    }

    /// Machine form, as parsed.
    #[must_use]
    pub fn code(self) -> String {
        match self {
            Self::Month(y, m) => format!("{y}-{m:02}"),
            Self::Quarter(y, q) => format!("{y}-Q{q}"),
            Self::Year(y) => format!("{y}"),
        }
    }

    /// Chinese form: 2026年11月, 2026年第四季度, 2026年.
    #[must_use]
    pub fn label(self) -> String {
        const Q: [&str; 4] = ["一", "二", "三", "四"];
        match self {
            Self::Month(y, m) => format!("{y}年{m}月"),
            Self::Quarter(y, q) => format!("{y}年第{}季度", Q[usize::from(q.clamp(1, 4) - 1)]),
            Self::Year(y) => format!("{y}年"),
        }
    }

    /// (year, first month, last month), months clamped to 1–12 so no constructed value can
    /// reach an invalid date.
    fn month_range(self) -> (i32, u8, u8) {
        match self {
            Self::Month(y, m) => (y, m.clamp(1, 12), m.clamp(1, 12)),
            Self::Quarter(y, q) => {
                let q = q.clamp(1, 4);
                (y, q * 3 - 2, q * 3)
            }
            Self::Year(y) => (y, 1, 12),
        }
    }

    /// First day.
    #[must_use]
    pub fn start(self) -> Date {
        let (y, m, _) = self.month_range();
        first_of(y, m)
    }

    /// Last day (inclusive).
    #[must_use]
    pub fn end(self) -> Date {
        let (y, _, m) = self.month_range();
        // Checked throughout (SEC-43): the last day of December 9999 has no "first of next
        // month" to step back from.
        let month = Month::try_from(m).unwrap_or(Month::December);
        let days = month.length(y);
        Date::from_calendar_date(y, month, days).unwrap_or_else(|_| self.start())
    }

    /// Whether `d` falls in it.
    #[must_use]
    pub fn contains(self, d: Date) -> bool {
        self.start() <= d && d <= self.end()
    }

    /// The periods of granularity `g` that make it up, or the one that contains it when `g` is
    /// longer.
    #[must_use]
    pub fn split(self, g: Granularity) -> Vec<Period> {
        if g >= self.granularity() {
            return vec![Self::containing(self.start(), g)];
        }
        let (y, a, b) = self.month_range();
        let mut out: Vec<Period> = (a..=b)
            .map(|m| Self::containing(first_of(y, m), g))
            .collect();
        out.dedup();
        out
    }
}

fn first_of(y: i32, m: u8) -> Date {
    let month = Month::try_from(m).unwrap_or(Month::January);
    Date::from_calendar_date(y, month, 1).unwrap_or(Date::MIN)
}

/// The calendar date of an instant in China time.
#[must_use]
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// A cadence rule: "at least `min_count` meetings of `kind` per `period`" for organisations
/// of the kinds listed, in force between two dates. `org_id` is `None` for a national default.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Cadence {
    /// Id.
    pub id: i64,
    /// Organisation whose subtree the override covers; `None` for the national default.
    pub org_id: Option<i64>,
    /// Meeting kind code.
    pub kind: String,
    /// Organisation kind codes, comma-separated.
    pub applies_to: String,
    /// `month`, `quarter` or `year`.
    pub period: String,
    /// Minimum number per period.
    pub min_count: i64,
    /// Rule id in rules.md.
    pub rule_ref: String,
    /// In force from.
    #[serde(with = "crate::shared::json_date")]
    pub effective_from: Date,
    /// In force until (inclusive), if ended.
    #[serde(with = "crate::shared::json_date::option")]
    pub effective_to: Option<Date>,
}

impl Cadence {
    /// Its granularity.
    #[must_use]
    pub fn granularity(&self) -> Granularity {
        Granularity::from_code(&self.period).unwrap_or(Granularity::Year)
    }
    /// Its meeting kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        Kind::from_code(&self.kind).unwrap_or(Kind::Other)
    }
    /// Whether it covers organisations of `org_kind`.
    #[must_use]
    pub fn applies_to_kind(&self, org_kind: &str) -> bool {
        self.applies_to.split(',').any(|k| k.trim() == org_kind)
    }
    /// Whether it is in force on `d`.
    #[must_use]
    pub fn in_force(&self, d: Date) -> bool {
        self.effective_from <= d && self.effective_to.is_none_or(|e| d <= e)
    }
    /// Minimum meetings per year, for comparing strictness.
    #[must_use]
    pub fn per_year(&self) -> i64 {
        self.min_count * self.granularity().per_year()
    }
    /// "每月至少 1 次".
    #[must_use]
    pub fn text(&self) -> String {
        format!("{}至少 {} 次", self.granularity().label(), self.min_count)
    }
}

/// Whether a proposed override (`period`, `min_count`) is at least as strict as `base`: its
/// period is no longer and it demands at least as many meetings in every base period. A child
/// may tighten a rule, never loosen it (architecture.md §8).
#[must_use]
pub fn tightens(base: &Cadence, period: Granularity, min_count: i64) -> bool {
    let base_g = base.granularity();
    if min_count < 1 || period > base_g {
        return false;
    }
    // How many override periods fit in one base period: a monthly override of a quarterly
    // rule demands three meetings per quarter.
    let within = period.per_year() / base_g.per_year();
    min_count * within >= base.min_count
}

/// Meeting state codes and their Chinese names.
#[must_use]
pub fn status_label(code: &str) -> &'static str {
    match code {
        "planned" => "已安排",
        "held" => "已召开",
        "cancelled" => "已取消",
        _ => "未知",
    }
}

/// Attendance codes and their Chinese names.
#[must_use]
pub fn attendance_label(code: &str) -> &'static str {
    match code {
        "present" => "已签到",
        "leave" => "请假",
        "absent" => "缺席",
        _ => "未知",
    }
}

pub use super::votes::{MAX_MINUTES_FIELD, Minutes, Readings, VoteKind, VoteRecord, quorum_met};

#[cfg(test)]
mod tests;
