//! The committee overview on the home page of a 组织管理员, or of an officer whose focus is a
//! 党委 or 总支: each branch's organisational life this month and quarter, 人均积分 this year,
//! read receipts of the latest notices and transfers under way. It reads from several areas, so
//! it lives above them.

use time::Date;

use crate::app::App;
use crate::auth::Scope;
use crate::meetings::compliance::Status;
use crate::meetings::model::{Granularity, Period};
use crate::orgs::model::Org;
use crate::points::model::RankPeriod;
use crate::web::error::AppResult;

/// One branch's line.
#[derive(Debug, Clone)]
pub struct BranchLine {
    /// Organisation.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// This month.
    pub month: Status,
    /// This quarter.
    pub quarter: Status,
    /// Members on the books.
    pub members: i64,
    /// 人均积分 this year.
    pub average: f64,
    /// Bar width in percent of the best average.
    pub bar: i64,
}

/// A notice's receipts.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    /// Notice.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Recipients.
    pub total: i64,
    /// Read.
    pub read: i64,
    /// Read share in percent.
    pub pct: i64,
}

/// The overview.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Organisation shown.
    pub org_id: i64,
    /// "2026年12月".
    pub month_label: String,
    /// "2026-12", for links.
    pub month_code: String,
    /// "2026年四季度" (with the year).
    pub quarter_label: String,
    /// "2026-Q4", for links.
    pub quarter_code: String,
    /// Branches, those with something missed first.
    pub branches: Vec<BranchLine>,
    /// Counts of this month's statuses: done, in progress, missed.
    pub month_counts: (usize, usize, usize),
    /// Latest notices sent in the subtree.
    pub notices: Vec<NoticeLine>,
    /// Transfers waiting for someone, and those past their letter's validity.
    pub transfers: (usize, usize),
}

impl Overview {
    /// Segments of the month's bar, in percent: (x, width, class).
    #[must_use]
    pub fn split(&self) -> Vec<(i64, i64, &'static str)> {
        let (d, g, m) = self.month_counts;
        let all = i64::try_from(d + g + m).unwrap_or(0);
        let mut x = 0;
        let mut out = Vec::new();
        for (n, class) in [(d, "done"), (g, "progress"), (m, "missed")] {
            let w = pct(i64::try_from(n).unwrap_or(0), all);
            if w > 0 {
                out.push((x, w, class));
                x += w;
            }
        }
        out
    }
}

fn pct(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// The overview of `org`, or `None` for a branch or a 党小组 (their home page shows the
/// branch's own card) and for callers who cannot read member data.
///
/// # Errors
/// Storage failures.
pub async fn of(app: &App, scope: &Scope, org: &Org) -> AppResult<Option<Overview>> {
    if !scope.has_member_area() || org.kind().is_branch() || org.kind == "group" {
        return Ok(None);
    }
    let today: Date = app.clock.today();
    let month = Period::containing(today, Granularity::Month);
    let quarter = Period::containing(today, Granularity::Quarter);
    let (_, mut both) =
        crate::meetings::compliance_service::reports(app, scope, org.id, &[month, quarter]).await?;
    let q_rows = both.pop().unwrap_or_default();
    let m_rows = both.pop().unwrap_or_default();
    let year = RankPeriod::Calendar(Period::Year(today.year()));
    let ranking = crate::points::service::ranking(app, scope, org.id, year, 1, 1).await?;
    let best = ranking
        .orgs
        .iter()
        .map(|o| o.average)
        .fold(0.0_f64, f64::max);
    let mut branches: Vec<BranchLine> = m_rows
        .iter()
        // Branches only: a 党小组's meetings count towards its branch, and the committee's own
        // line is not one of its branches.
        .filter(|r| r.org_id != org.id && r.org_kind != "group")
        .map(|r| {
            let line = ranking.orgs.iter().find(|o| o.org_id == r.org_id);
            let average = line.map_or(0.0, |o| o.average);
            #[allow(clippy::cast_possible_truncation)]
            let bar = if best > 0.0 {
                ((average.max(0.0) / best) * 100.0).round() as i64
            } else {
                0
            };
            BranchLine {
                org_id: r.org_id,
                name: r.org_name.clone(),
                month: r.status,
                quarter: q_rows
                    .iter()
                    .find(|q| q.org_id == r.org_id)
                    .map_or(Status::NotApplicable, |q| q.status),
                members: line.map_or(0, |o| o.members),
                average,
                bar,
            }
        })
        .collect();
    let urgency = |s: Status| match s {
        Status::Missed => 0,
        Status::InProgress => 1,
        _ => 2,
    };
    branches.sort_by_key(|b| (urgency(b.month).min(urgency(b.quarter)), b.name.clone()));
    let count = |s: Status| branches.iter().filter(|b| b.month == s).count();
    let month_counts = (
        count(Status::Done),
        count(Status::InProgress),
        count(Status::Missed),
    );
    // Receipts are the sending committee's to read; without that right the card stays empty.
    let sent = match crate::notices::sending::sent(app, scope, org, 5).await {
        Ok(s) => s,
        Err(crate::shared::error::DomainError::Denied(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let notices = sent
        .into_iter()
        .filter(|n| n.2 == "published")
        .map(|(id, title, _, _, total, read)| NoticeLine {
            id,
            title,
            total,
            read,
            pct: pct(read, total),
        })
        .collect();
    // Transfers touching this organisation's subtree, not everything the caller may see.
    let within = |p: &Option<String>| p.as_deref().is_some_and(|p| p.starts_with(&org.path));
    let transfers: Vec<_> = crate::transfers::service::list(app, scope)
        .await?
        .into_iter()
        .filter(|t| within(&t.from_path) || within(&t.to_path))
        .collect();
    let open = transfers.iter().filter(|t| t.open()).count();
    let overdue = transfers.iter().filter(|t| t.overdue(today)).count();
    Ok(Some(Overview {
        org_id: org.id,
        month_label: month.label(),
        month_code: month.code(),
        quarter_label: quarter.label(),
        quarter_code: quarter.code(),
        branches,
        month_counts,
        notices,
        transfers: (open, overdue),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_round_to_whole_percent() {
        assert_eq!(super::pct(1, 3), 33);
        assert_eq!(super::pct(2, 3), 67);
        assert_eq!(super::pct(0, 0), 0);
        assert_eq!(super::pct(5, 5), 100);
    }
}
