//! Page structs of the points area.

use askama::Template;

use crate::web::layout::PageCtx;

use super::model::Item;
use super::service::{Ranking, Summary};
use super::store::ClaimRow;

/// 我的积分.
#[derive(Template)]
#[template(path = "points/mine.html")]
pub struct MinePage {
    /// Shared page data.
    pub page: PageCtx,
    /// The member's summary.
    pub s: Summary,
    /// The user may award points and decide claims.
    pub officer: bool,
}

impl MinePage {
    /// Share of a cap reached, in percent (for the bar).
    #[must_use]
    pub fn pct(&self, got: &i64, cap: &i64) -> i64 {
        if *cap <= 0 {
            0
        } else {
            (got * 100 / cap).clamp(0, 100)
        }
    }
}

/// Ranking of an organisation.
#[derive(Template)]
#[template(path = "points/ranking.html")]
pub struct RankingPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation id.
    pub org_id: i64,
    /// "2026年11月".
    pub label: String,
    /// Quick period links: (code, label, current).
    pub periods: Vec<(String, String, bool)>,
    /// Period code for links.
    pub code: String,
    /// The page of the ranking.
    pub ranking: Ranking,
}

/// Claims: the officers' queue, the member's own claims and form.
#[derive(Template)]
#[template(path = "points/claims.html")]
pub struct ClaimsPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Pending claims to decide (officers).
    pub queue: Vec<ClaimRow>,
    /// The user's own claims.
    pub mine: Vec<ClaimRow>,
    /// Items a member may claim.
    pub claimable: Vec<Item>,
    /// Items an officer may award by hand.
    pub manual: Vec<Item>,
    /// Members an officer may award: (id, name).
    pub members: Vec<(i64, String)>,
    /// The user runs a branch.
    pub officer: bool,
    /// The user has a member record.
    pub has_member: bool,
    /// Today, for date fields.
    pub today: String,
    /// Problem to show.
    pub error: Option<String>,
    /// The user's account and member record: nobody decides their own claim or one they
    /// submitted (PTS rules on approval by another officer).
    pub me: (i64, Option<i64>),
    /// An award that looks like one just recorded, waiting for the officer's word.
    pub duplicate: Option<Duplicate>,
}

/// The award form as sent, held back because an identical award was just recorded.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// What was found.
    pub message: String,
    /// Form values, sent again with "仍然记分".
    pub member_id: String,
    /// Item code.
    pub item: String,
    /// Points as typed.
    pub points: String,
    /// Day.
    pub occurred_on: String,
    /// Reason.
    pub reason: String,
}

impl ClaimsPage {
    /// Whether the claim is the user's own.
    #[must_use]
    pub fn is_own(&self, c: &ClaimRow) -> bool {
        self.me.1 == Some(c.member_id)
    }
    /// Whether the user may decide this claim.
    #[must_use]
    pub fn may_decide(&self, c: &ClaimRow) -> bool {
        super::awards::may_decide(self.me, c.member_id, c.submitted_by)
    }
}

/// Suggested grades for a year.
#[derive(Template)]
#[template(path = "points/grades.html")]
pub struct GradesPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation.
    pub org_id: i64,
    /// Year.
    pub year: i32,
    /// Suggestions, highest points first.
    pub rows: Vec<super::service::Suggestion>,
    /// Members with a recorded decision.
    pub decided: usize,
    /// The basis recorded last (prefilled).
    pub basis: String,
    /// Grades to choose from.
    pub grades: Vec<super::model::Grade>,
    /// The bands used.
    pub bands: [i64; 3],
}
