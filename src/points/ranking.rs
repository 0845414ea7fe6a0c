//! Rankings for any period, one page at a time, with ties ranked equally (1, 1, 3) and 人均积分
//! per organisation. The ordering is: members above 0 points (highest first), then everyone at 0
//! whether or not they have entries (by member id), then those below 0. Each page reads only
//! the bands it touches; ranks come from counts, so no page reads the whole subtree.

use crate::app::App;
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreResult;

use super::model::RankPeriod;
use super::rank_store::{self, Band, Line, OrgCounts};
use crate::shared::error::DomainError;

/// Lines per page unless asked otherwise.
pub const PER_PAGE: i64 = 50;

/// One ranked member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Ranked {
    /// Rank (ties equal).
    pub rank: i64,
    /// Member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// The member's organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Points in the period.
    pub points: i64,
}

/// An organisation's line: members, total and 人均积分.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = RankOrgLine)]
pub struct OrgLine {
    /// Organisation.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// Members on its books.
    pub members: i64,
    /// Their points.
    pub total: i64,
    /// 人均积分, rounded to one decimal.
    pub average: f64,
}

/// A page of a ranking.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranking {
    /// Members ranked.
    pub members: i64,
    /// Members with no points (0) in the period.
    pub without_points: i64,
    /// Page number from 1.
    pub page: i64,
    /// Pages.
    pub pages: i64,
    /// Lines per page.
    pub per_page: i64,
    /// The page.
    pub rows: Vec<Ranked>,
    /// Organisations with members, best average first.
    pub orgs: Vec<OrgLine>,
    /// "积分截至 hh:mm:ss" while automatic points lag behind.
    pub as_of: Option<String>,
}

/// Band sizes of a subtree for a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bands {
    /// Above 0.
    pub positive: i64,
    /// At 0.
    pub zero: i64,
    /// Below 0.
    pub negative: i64,
}

impl Bands {
    /// Sums the organisations' counts.
    #[must_use]
    pub fn of(orgs: &[OrgCounts]) -> Self {
        let (p, n, all) = orgs.iter().fold((0, 0, 0), |(p, n, a), o| {
            (p + o.positive, n + o.negative, a + o.members)
        });
        Self {
            positive: p,
            zero: all - p - n,
            negative: n,
        }
    }

    /// The (band, offset within it, limit) reads that cover positions `offset..offset + limit`.
    #[must_use]
    pub fn reads(self, offset: i64, limit: i64) -> Vec<(Band, i64, i64)> {
        let mut out = Vec::new();
        let (mut pos, end) = (offset, offset + limit);
        let mut start = 0;
        for (band, size) in [
            (Band::Positive, self.positive),
            (Band::Zero, self.zero),
            (Band::Negative, self.negative),
        ] {
            let stop = start + size;
            if pos < stop && pos < end {
                let n = end.min(stop) - pos;
                out.push((band, pos - start, n));
                pos += n;
            }
            start = stop;
        }
        out
    }

    /// Rank of the first place of a band (what its top line gets).
    #[must_use]
    pub fn first_rank(self, band: Band) -> i64 {
        match band {
            Band::Positive => 1,
            Band::Zero => self.positive + 1,
            Band::Negative => self.positive + self.zero + 1,
        }
    }
}

/// Ranks lines read in order from global position `first_pos`, where the first line's rank is
/// `first_rank`: a line tied with the one before shares its rank, any other takes its place.
#[must_use]
pub fn assign(lines: Vec<Line>, first_pos: i64, first_rank: i64) -> Vec<Ranked> {
    let mut prev: Option<(i64, i64)> = None;
    let mut pos = first_pos;
    lines
        .into_iter()
        .map(|(member_id, name, org_id, org_name, points)| {
            let rank = match prev {
                None => first_rank,
                Some((p, r)) if p == points => r,
                Some(_) => pos + 1,
            };
            prev = Some((points, rank));
            pos += 1;
            Ranked {
                rank,
                member_id,
                name,
                org_id,
                org_name,
                points,
            }
        })
        .collect()
}

/// The rank of a member with `points` in the subtree.
async fn rank_of(app: &App, root: &str, key: &str, bands: Bands, points: i64) -> StoreResult<i64> {
    let mut conn = app.db.conn().await?;
    Ok(match points {
        0 => bands.first_rank(Band::Zero),
        p if p > 0 => 1 + rank_store::count_above(&mut conn.exec(), root, key, p, false).await?,
        p => {
            bands.first_rank(Band::Negative)
                + rank_store::count_above(&mut conn.exec(), root, key, p, true).await?
        }
    })
}

/// Page `page` (from 1) of the ranking of the members in the subtree of `org_id`.
///
/// # Errors
/// Denied for members and the 三员 (members see their own rank in "我的积分"), and outside scope.
pub async fn ranking(
    app: &App,
    scope: &Scope,
    org_id: i64,
    period: RankPeriod,
    page: i64,
    per_page: i64,
) -> Result<Ranking, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    let mut r = page_of(app, &org.path, period, page, per_page).await?;
    r.as_of = super::service::as_of(app).await?;
    Ok(r)
}

/// Page `page` of the ranking of the subtree at `root`, without a permission check (callers
/// have made it).
///
/// # Errors
/// Storage failures.
pub async fn page_of(
    app: &App,
    root: &str,
    period: RankPeriod,
    page: i64,
    per_page: i64,
) -> StoreResult<Ranking> {
    let key = period.total_key();
    let counts = rank_store::org_counts(&mut app.db.conn().await?.exec(), root, &key).await?;
    let bands = Bands::of(&counts);
    let members = bands.positive + bands.zero + bands.negative;
    let per_page = per_page.clamp(1, 500);
    let pages = ((members + per_page - 1) / per_page).max(1);
    let page = page.clamp(1, pages);
    let mut rows = Vec::new();
    let mut pos = (page - 1) * per_page;
    for (band, offset, limit) in bands.reads(pos, per_page) {
        let lines = rank_store::band_page(
            &mut app.db.conn().await?.exec(),
            root,
            &key,
            band,
            offset,
            limit,
        )
        .await?;
        let first_rank = match lines.first() {
            Some(l) if offset > 0 && band != Band::Zero => {
                rank_of(app, root, &key, bands, l.4).await?
            }
            _ => bands.first_rank(band),
        };
        let n = i64::try_from(lines.len()).unwrap_or(i64::MAX);
        rows.extend(assign(lines, pos, first_rank));
        pos += n;
    }
    let mut orgs: Vec<OrgLine> = counts
        .into_iter()
        .map(|c| {
            #[expect(clippy::cast_precision_loss, reason = "display of an average")]
            let average = (c.total as f64 / c.members.max(1) as f64 * 10.0).round() / 10.0;
            OrgLine {
                org_id: c.org_id,
                name: c.name,
                members: c.members,
                total: c.total,
                average,
            }
        })
        .collect();
    orgs.sort_by(|a, b| b.average.total_cmp(&a.average));
    Ok(Ranking {
        members,
        without_points: bands.zero,
        page,
        pages,
        per_page,
        rows,
        orgs,
        as_of: None,
    })
}

/// A member's line and rank within the subtree at `root`, and the number ranked; `None` when
/// the member is not on its books.
///
/// # Errors
/// Storage failures.
pub async fn own_rank(
    app: &App,
    root: &str,
    period: RankPeriod,
    member_id: i64,
) -> StoreResult<Option<(Ranked, i64)>> {
    let key = period.total_key();
    let mut conn = app.db.conn().await?;
    let Some(line) = rank_store::member_line(&mut conn.exec(), root, &key, member_id).await? else {
        return Ok(None);
    };
    let counts = rank_store::org_counts(&mut conn.exec(), root, &key).await?;
    drop(conn);
    let bands = Bands::of(&counts);
    let rank = rank_of(app, root, &key, bands, line.4).await?;
    let n = bands.positive + bands.zero + bands.negative;
    Ok(assign(vec![line], 0, rank).pop().map(|r| (r, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, points: i64) -> Line {
        (id, String::new(), 1, String::new(), points)
    }

    #[test]
    fn reads_cross_bands_in_order() {
        let b = Bands {
            positive: 3,
            zero: 2,
            negative: 4,
        };
        assert_eq!(b.reads(0, 2), vec![(Band::Positive, 0, 2)]);
        assert_eq!(
            b.reads(2, 5),
            vec![
                (Band::Positive, 2, 1),
                (Band::Zero, 0, 2),
                (Band::Negative, 0, 2)
            ]
        );
        assert_eq!(b.reads(8, 5), vec![(Band::Negative, 3, 1)]);
        assert!(b.reads(9, 5).is_empty());
        assert_eq!(b.first_rank(Band::Zero), 4);
        assert_eq!(b.first_rank(Band::Negative), 6);
    }

    #[test]
    fn pts_ties_share_a_rank_and_the_next_skips() {
        let r = assign(
            vec![line(1, 9), line(2, 9), line(3, 7), line(4, 7), line(5, 1)],
            0,
            1,
        );
        let ranks: Vec<i64> = r.iter().map(|x| x.rank).collect();
        assert_eq!(ranks, vec![1, 1, 3, 3, 5]);
        // A page starting in the middle of a tie carries the rank counted before it.
        let r = assign(vec![line(4, 7), line(5, 1)], 3, 3);
        assert_eq!(r.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![3, 5]);
    }
}
