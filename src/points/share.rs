//! The share of what a member could attain (PTS-10, EVAL-03/05). A year's raw points depend on
//! which meetings a member sits in: a branch without 党小组 holds fewer meetings, and a 支委
//! earns 支委会 points on top. So the annual suggestion compares each member with their own
//! meetings: the points attending every meeting they were expected at would have brought (the
//! items' caps applied, as at posting), against what attending did bring, scaled to 100, and
//! the other items (rewards, deductions, the deduction for an unexcused absence) added as they
//! are. No IO.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::model::{Item, Span, capped};
use super::posting::items_for;

/// The event topic of attending a meeting: the items it posts are the attendance items.
pub const ATTENDED: &str = "meeting.attended";

/// One meeting a member was on the roll of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occasion {
    /// Day held (China time).
    pub on: Date,
    /// Kind codes of the meeting.
    pub kinds: Vec<String>,
    /// Whether the member was present.
    pub present: bool,
}

/// Points attending every one of `occasions` would have posted, for a member whose branch is at
/// `path`: the attendance items in force on each day, with their day/week/month/year caps
/// counted as the ledger counts them.
#[must_use]
pub fn attainable(all: &[Item], path: &str, occasions: &[Occasion]) -> i64 {
    let mut sorted: Vec<&Occasion> = occasions.iter().collect();
    sorted.sort_by_key(|o| o.on);
    let mut windows: HashMap<(String, Span, Date), i64> = HashMap::new();
    let mut total = 0;
    for o in sorted {
        for item in items_for(all, path, o.on)
            .iter()
            .filter(|i| i.triggered_by(ATTENDED, &o.kinds))
        {
            let keys: Vec<((String, Span, Date), i64)> = item
                .caps()
                .into_iter()
                .map(|(span, cap)| ((item.code.clone(), span, span.range(o.on).0), cap))
                .collect();
            let state: Vec<(Span, i64, i64)> = keys
                .iter()
                .map(|(k, cap)| (k.1, *cap, windows.get(k).copied().unwrap_or(0)))
                .collect();
            let Ok(p) = capped(item.points, &state) else {
                continue;
            };
            for (k, _) in keys {
                *windows.entry(k).or_insert(0) += p;
            }
            total += p;
        }
    }
    total
}

/// Whether an item code is an attendance item (any version of it posts on attending).
#[must_use]
pub fn is_attendance(all: &[Item], code: &str) -> bool {
    all.iter()
        .any(|i| i.code == code && i.trigger_topic == ATTENDED)
}

/// What a suggestion rests on, shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Basis {
    /// Meetings the member was expected at (on the roll, not excused from it).
    pub expected: usize,
    /// Of which present.
    pub attended: usize,
    /// Points attending all of them would have brought.
    pub attainable: i64,
    /// Points attending brought.
    pub earned: i64,
    /// Points from the other items (rewards and deductions).
    pub other: i64,
    /// What the grade bands are applied to: the attendance share scaled to 100 plus the other
    /// items; the year's points as they are when no meeting could have brought points.
    pub score: i64,
}

impl Basis {
    /// From the counts and the year's total points.
    #[must_use]
    pub fn new(expected: usize, attended: usize, attainable: i64, earned: i64, total: i64) -> Self {
        let other = total - earned;
        let score = match Self::share_of(earned, attainable) {
            Some(pct) => pct + other,
            None => total,
        };
        Self {
            expected,
            attended,
            attainable,
            earned,
            other,
            score,
        }
    }

    fn share_of(earned: i64, attainable: i64) -> Option<i64> {
        // Rounded half up; never above 100 (an item raised mid-year can post more than the
        // simulation of the current versions allows).
        (attainable > 0).then(|| ((earned.max(0) * 200 + attainable) / (2 * attainable)).min(100))
    }

    /// The attendance share in percent, when any meeting could have brought points.
    #[must_use]
    pub fn percent(&self) -> Option<i64> {
        Self::share_of(self.earned, self.attainable)
    }

    /// "应参加会议 24 次，出席 22 次；参会积分 44/48（92%）；其他加减分 +5；参考分 97".
    #[must_use]
    pub fn text(&self) -> String {
        let Some(pct) = self.percent() else {
            return if self.expected == 0 {
                format!(
                    "本年度没有应参加会议的记录，按全年积分 {} 分参考",
                    self.score
                )
            } else {
                format!(
                    "应参加会议 {} 次，所参加会议不计积分，按全年积分 {} 分参考",
                    self.expected, self.score
                )
            };
        };
        let other = match self.other {
            0 => String::new(),
            n => format!("；其他加减分 {n:+}"),
        };
        format!(
            "应参加会议 {} 次，出席 {} 次；参会积分 {}/{}（{pct}%）{other}；参考分 {}",
            self.expected, self.attended, self.earned, self.attainable, self.score
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, kinds: &str, points: i64, cap_year: Option<i64>) -> Item {
        Item {
            id: 1,
            org_id: None,
            code: code.into(),
            version: 1,
            name: code.into(),
            category: "basic".into(),
            points,
            min_points: 1,
            max_points: 5,
            trigger_topic: ATTENDED.into(),
            trigger_kinds: kinds.into(),
            cap_day: None,
            cap_week: None,
            cap_month: None,
            cap_year,
            needs_approval: false,
            evidence_required: false,
            effective_from: time::macros::date!(2018 - 10 - 28),
            effective_to: None,
        }
    }

    fn monthly(kind: &str, months: u8) -> Vec<Occasion> {
        (1..=months)
            .map(|m| Occasion {
                on: Date::from_calendar_date(2026, time::Month::try_from(m).unwrap(), 10).unwrap(),
                kinds: vec![kind.into()],
                present: true,
            })
            .collect()
    }

    #[test]
    fn pts_10_attainable_applies_the_year_cap() {
        let items = vec![
            item("attend_committee", "branch_committee", 2, Some(24)),
            item("attend_general", "branch_general", 3, Some(12)),
        ];
        // Twelve 支委会 at 2 points reach the cap of 24 exactly; five 党员大会 at 3 stop at 12.
        let mut occ = monthly("branch_committee", 12);
        occ.extend(monthly("branch_general", 5));
        assert_eq!(attainable(&items, "/1/", &occ), 24 + 12);
        // A meeting of a kind no item rewards adds nothing.
        assert_eq!(attainable(&items, "/1/", &monthly("other", 3)), 0);
    }

    #[test]
    fn pts_10_the_score_does_not_depend_on_how_many_meetings_there_were() {
        // Full attendance scores 100 whether the member could attain 47 or 95 points.
        assert_eq!(Basis::new(20, 20, 47, 47, 47).score, 100);
        assert_eq!(Basis::new(40, 40, 95, 95, 95).score, 100);
        // Half the meetings, and a reward of 5 on top.
        let b = Basis::new(20, 10, 48, 24, 29);
        assert_eq!((b.percent(), b.other, b.score), (Some(50), 5, 55));
        assert!(
            b.text()
                .contains("参会积分 24/48（50%）；其他加减分 +5；参考分 55")
        );
        // Nothing attainable: the year's points as they are.
        let none = Basis::new(0, 0, 0, 0, 12);
        assert_eq!(none.score, 12);
        assert!(none.text().starts_with("本年度没有应参加会议的记录"));
    }
}
