//! 党员积分制 (PTS-*): point items as versioned data, the windows caps are counted in, ranking
//! periods (ISO weeks as well as months, quarters and years, CAL-06), ranking with ties, and the
//! advisory grade bands of PTS-10 with the 1/3 cap of EVAL-03. No IO.

use serde::Serialize;

pub use super::grading::{Grade, suggest};
use time::{Date, Duration, Weekday};

use crate::meetings::model::{Granularity, Period};

/// What an item is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 基础积分.
    Basic,
    /// 奖励积分.
    Reward,
    /// 扣减积分.
    Deduction,
}

impl Category {
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Reward => "reward",
            Self::Deduction => "deduction",
        }
    }
    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Basic => "基础",
            Self::Reward => "奖励",
            Self::Deduction => "扣减",
        }
    }
    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Basic, Self::Reward, Self::Deduction]
            .into_iter()
            .find(|c| c.code() == s)
    }
}

/// A point item, one version of it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PointItemVersion)]
pub struct Item {
    /// Id of this version.
    pub id: i64,
    /// Organisation that defined it (its subtree uses it); `None` for the defaults.
    pub org_id: Option<i64>,
    /// Stable code.
    pub code: String,
    /// Version, from 1.
    pub version: i64,
    /// Name.
    pub name: String,
    /// `basic`, `reward` or `deduction`.
    pub category: String,
    /// Points per occurrence (negative for deductions).
    pub points: i64,
    /// Lowest value a branch or an officer may use.
    pub min_points: i64,
    /// Highest value.
    pub max_points: i64,
    /// Event topic that posts it automatically, or `manual`.
    pub trigger_topic: String,
    /// Meeting kinds the event must carry (comma-separated; empty for any).
    pub trigger_kinds: String,
    /// Most points from this item per day.
    pub cap_day: Option<i64>,
    /// Per ISO week.
    pub cap_week: Option<i64>,
    /// Per month.
    pub cap_month: Option<i64>,
    /// Per year.
    pub cap_year: Option<i64>,
    /// Awards wait for an officer's approval.
    pub needs_approval: bool,
    /// A claim must carry evidence.
    pub evidence_required: bool,
    /// In force from.
    #[serde(with = "crate::shared::json_date")]
    pub effective_from: Date,
    /// In force until (inclusive).
    #[serde(with = "crate::shared::json_date::option")]
    pub effective_to: Option<Date>,
}

impl Item {
    /// Its category.
    #[must_use]
    pub fn category(&self) -> Category {
        Category::from_code(&self.category).unwrap_or(Category::Basic)
    }
    /// Whether it is in force on `d`.
    #[must_use]
    pub fn in_force(&self, d: Date) -> bool {
        self.effective_from <= d && self.effective_to.is_none_or(|e| d <= e)
    }
    /// Whether an event of `topic` carrying meeting `kinds` posts this item.
    #[must_use]
    pub fn triggered_by(&self, topic: &str, kinds: &[String]) -> bool {
        self.trigger_topic == topic
            && (self.trigger_kinds.is_empty()
                || self
                    .trigger_kinds
                    .split(',')
                    .any(|k| kinds.iter().any(|x| x == k.trim())))
    }
    /// Whether officers award it by hand (or members claim it).
    #[must_use]
    pub fn is_manual(&self) -> bool {
        self.trigger_topic == "manual"
    }
    /// The caps that are set, with the window each is counted in.
    #[must_use]
    pub fn caps(&self) -> Vec<(Span, i64)> {
        [
            (Span::Day, self.cap_day),
            (Span::Week, self.cap_week),
            (Span::Month, self.cap_month),
            (Span::Year, self.cap_year),
        ]
        .into_iter()
        .filter_map(|(s, c)| c.map(|c| (s, c)))
        .collect()
    }
    /// "每月 6 分、每年 10 分", or "不限".
    #[must_use]
    pub fn caps_text(&self) -> String {
        let v: Vec<String> = self
            .caps()
            .iter()
            .map(|(s, c)| format!("{}{c} 分", s.label()))
            .collect();
        if v.is_empty() {
            "不限".into()
        } else {
            v.join("、")
        }
    }
}

/// A window a cap is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    /// The day.
    Day,
    /// The ISO week (Monday to Sunday).
    Week,
    /// The calendar month.
    Month,
    /// The calendar year.
    Year,
}

impl Span {
    /// "每日".
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "每日",
            Self::Week => "每周",
            Self::Month => "每月",
            Self::Year => "每年",
        }
    }
    /// First and last day of the window containing `d`.
    #[must_use]
    pub fn range(self, d: Date) -> (Date, Date) {
        match self {
            Self::Day => (d, d),
            Self::Week => {
                let start = d - Duration::days(i64::from(d.weekday().number_days_from_monday()));
                (start, start + Duration::days(6))
            }
            Self::Month => {
                let p = Period::containing(d, Granularity::Month);
                (p.start(), p.end())
            }
            Self::Year => {
                let p = Period::containing(d, Granularity::Year);
                (p.start(), p.end())
            }
        }
    }
}

/// Why nothing could be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapReached {
    /// The window whose cap is full.
    pub span: Span,
    /// The cap.
    pub cap: i64,
}

impl CapReached {
    /// "已达上限（每月 6 分）".
    #[must_use]
    pub fn message(&self) -> String {
        format!("已达上限（{}{} 分）", self.span.label(), self.cap)
    }
}

/// PTS caps: how many of `points` may still be posted given what the member already has from
/// the item in each capped window (`already` in the same order as the caps). Deductions are
/// never capped. A partly full window posts the rest up to the cap; a full one refuses.
///
/// # Errors
/// [`CapReached`] when a window is already full.
pub fn capped(points: i64, caps: &[(Span, i64, i64)]) -> Result<i64, CapReached> {
    if points <= 0 {
        return Ok(points);
    }
    let mut allowed = points;
    for (span, cap, already) in caps {
        let room = cap - already;
        if room <= 0 {
            return Err(CapReached {
                span: *span,
                cap: *cap,
            });
        }
        allowed = allowed.min(room);
    }
    Ok(allowed)
}

/// A ranking period: an ISO week (`2026-W48`) or a calendar period (`2026-11`, `2026-Q4`, `2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankPeriod {
    /// ISO year and week.
    Week(i32, u8),
    /// Month, quarter or year.
    Calendar(Period),
}

impl RankPeriod {
    /// Parses the four forms.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some((y, w)) = s.split_once("-W") {
            let y: i32 = y.parse().ok().filter(|y| (2000..=2100).contains(y))?;
            let w: u8 = w.parse().ok().filter(|_| w.len() == 2)?;
            Date::from_iso_week_date(y, w, Weekday::Monday).ok()?;
            return Some(Self::Week(y, w));
        }
        Period::parse(s).map(Self::Calendar)
    }
    /// The period containing `d` at the granularity of a code like `week`/`month`/…
    #[must_use]
    pub fn week_of(d: Date) -> Self {
        let (y, w, _) = d.to_iso_week_date();
        Self::Week(y, w)
    }
    /// First and last day.
    #[must_use]
    pub fn range(self) -> (Date, Date) {
        match self {
            Self::Week(y, w) => {
                let start = Date::from_iso_week_date(y, w, Weekday::Monday).unwrap_or(Date::MIN);
                (start, start.checked_add(Duration::days(6)).unwrap_or(start))
            }
            Self::Calendar(p) => (p.start(), p.end()),
        }
    }
    /// Machine form.
    #[must_use]
    pub fn code(self) -> String {
        match self {
            Self::Week(y, w) => format!("{y}-W{w:02}"),
            Self::Calendar(p) => p.code(),
        }
    }
    /// Key of the running total for this period (`W2026-48`, `M2026-11`, `Q2026-4`, `Y2026`).
    #[must_use]
    pub fn total_key(self) -> String {
        match self {
            Self::Week(y, w) => format!("W{y}-{w:02}"),
            Self::Calendar(Period::Month(y, m)) => format!("M{y}-{m:02}"),
            Self::Calendar(Period::Quarter(y, q)) => format!("Q{y}-{q}"),
            Self::Calendar(Period::Year(y)) => format!("Y{y}"),
        }
    }

    /// The running-total keys an entry on `d` adds to.
    #[must_use]
    pub fn keys_for(d: Date) -> [String; 4] {
        [
            Self::week_of(d).total_key(),
            Self::Calendar(Period::containing(d, Granularity::Month)).total_key(),
            Self::Calendar(Period::containing(d, Granularity::Quarter)).total_key(),
            Self::Calendar(Period::containing(d, Granularity::Year)).total_key(),
        ]
    }

    /// The period of the same length just before this one (for a 通报's movers).
    #[must_use]
    pub fn previous(self) -> Self {
        // Checked (SEC-43): the first day the calendar knows has no day before it.
        let start = self.range().0;
        let day_before = start.previous_day().unwrap_or(start);
        match self {
            Self::Week(..) => Self::week_of(day_before),
            Self::Calendar(p) => Self::Calendar(Period::containing(day_before, p.granularity())),
        }
    }

    /// Chinese form.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Self::Week(y, w) => format!("{y}年第{w}周"),
            Self::Calendar(p) => p.label(),
        }
    }
}

/// Ranks totals (highest first) with ties ranked equally, the next rank skipping (1, 1, 3).
#[must_use]
pub fn rank<T>(mut rows: Vec<(T, i64)>) -> Vec<(T, i64, usize)> {
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut out = Vec::with_capacity(rows.len());
    let mut prev: Option<i64> = None;
    let mut rank = 0;
    for (i, (k, total)) in rows.into_iter().enumerate() {
        if prev != Some(total) {
            rank = i + 1;
            prev = Some(total);
        }
        out.push((k, total, rank));
    }
    out
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
