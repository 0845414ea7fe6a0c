//! Meeting kinds, reporting periods (CAL-06), cadence rules and how an override may only
//! tighten them (architecture.md §8), rotating check-in codes, and the quorum and passing rules
//! of VOTE-01…08. No IO.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::shared::clock::CHINA;

/// What a meeting counts as. One meeting may count as several (MEET-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Parses `2026-11`, `2026-Q4` or `2026`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let year = |y: &str| {
            y.parse::<i32>()
                .ok()
                .filter(|y| (1921..=9999).contains(y) && y.to_string().len() == 4)
        };
        if let Some((y, rest)) = s.split_once('-') {
            let y = year(y)?;
            if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                let q = q.parse::<u8>().ok().filter(|q| (1..=4).contains(q))?;
                return (q.to_string() == rest[1..]).then_some(Self::Quarter(y, q));
            }
            let m = rest.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?;
            return (rest.len() == 2).then_some(Self::Month(y, m));
        }
        year(s).map(Self::Year)
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

    fn month_range(self) -> (i32, u8, u8) {
        match self {
            Self::Month(y, m) => (y, m, m),
            Self::Quarter(y, q) => (y, q * 3 - 2, q * 3),
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
        let next = if m == 12 {
            first_of(y + 1, 1)
        } else {
            first_of(y, m + 1)
        };
        next.previous_day().unwrap_or(next)
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
    pub effective_from: Date,
    /// In force until (inclusive), if ended.
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

/// VOTE-02 / MEET-02: a meeting may decide when more than half of those entitled are present
/// (CAL-04: strictly more than half).
#[must_use]
pub fn quorum_met(present: i64, entitled: i64) -> bool {
    entitled > 0 && 2 * present > entitled
}

/// One vote on an agenda item, as recorded in the minutes (VOTE-08). `passed` is never stored:
/// it is recomputed from the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    /// The 议题 voted on.
    pub topic: String,
    /// 赞成 at the meeting.
    pub yes: i64,
    /// 反对.
    pub no: i64,
    /// 弃权.
    pub abstain: i64,
    /// Written opinions in favour from absent voting members (VOTE-05).
    #[serde(default)]
    pub written_yes: i64,
    /// `show_of_hands` or `secret` (VOTE-06).
    pub method: String,
    /// Members entitled to vote when the vote was taken.
    #[serde(default)]
    pub entitled: i64,
    /// Entitled members present.
    #[serde(default)]
    pub present: i64,
}

impl VoteRecord {
    /// VOTE-03: in favour (with written opinions) must exceed half of those entitled — not of
    /// those present — and the meeting must have had its quorum (VOTE-02).
    #[must_use]
    pub fn passed(&self) -> bool {
        quorum_met(self.present, self.entitled) && 2 * (self.yes + self.written_yes) > self.entitled
    }

    /// "通过" or "未通过".
    #[must_use]
    pub fn result_label(&self) -> &'static str {
        if self.passed() { "通过" } else { "未通过" }
    }

    /// Chinese name of the method.
    #[must_use]
    pub fn method_label(&self) -> &'static str {
        if self.method == "secret" {
            "无记名投票"
        } else {
            "举手表决"
        }
    }

    /// Problems with the counts, in Chinese.
    #[must_use]
    pub fn problem(&self) -> Option<String> {
        let topic = self.topic.trim();
        if topic.is_empty() || topic.chars().count() > 200 {
            return Some("表决事项不能为空（不超过 200 字）".into());
        }
        if [self.yes, self.no, self.abstain, self.written_yes]
            .iter()
            .any(|n| *n < 0)
        {
            return Some(format!("“{topic}”的票数不能为负数"));
        }
        if self.yes + self.no + self.abstain > self.present {
            return Some(format!(
                "“{topic}”的赞成、反对、弃权合计 {} 票，超过到会有表决权的 {} 人",
                self.yes + self.no + self.abstain,
                self.present
            ));
        }
        if self.written_yes > self.entitled - self.present {
            return Some(format!("“{topic}”的书面意见数超过未到会有表决权的人数"));
        }
        if !matches!(self.method.as_str(), "show_of_hands" | "secret") {
            return Some("表决方式应为举手表决或无记名投票".into());
        }
        None
    }
}

/// The structured part of a 会议记录 that is written after the meeting (MEET-13). Time, place,
/// chair, recorder and attendance come from the meeting itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minutes {
    /// 发言摘要.
    #[serde(default)]
    pub speeches: String,
    /// 决议.
    #[serde(default)]
    pub decisions: String,
    /// 缺席原因 beyond approved 请假.
    #[serde(default)]
    pub absence_notes: String,
    /// 表决结果.
    #[serde(default)]
    pub votes: Vec<VoteRecord>,
}

/// Longest text accepted in one minutes field.
pub const MAX_MINUTES_FIELD: usize = 20_000;

impl Minutes {
    /// Problems, in Chinese.
    #[must_use]
    pub fn problem(&self, submitting: bool) -> Option<String> {
        for (label, v) in [
            ("发言摘要", &self.speeches),
            ("决议", &self.decisions),
            ("缺席原因", &self.absence_notes),
        ] {
            if v.chars().count() > MAX_MINUTES_FIELD {
                return Some(format!("{label}不能超过 {MAX_MINUTES_FIELD} 字"));
            }
        }
        if self.votes.len() > 50 {
            return Some("表决事项过多".into());
        }
        if submitting && self.speeches.trim().is_empty() {
            return Some("提交前请填写发言摘要".into());
        }
        self.votes.iter().find_map(VoteRecord::problem)
    }
}

#[cfg(test)]
mod tests;
