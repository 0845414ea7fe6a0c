//! SQL behind rankings and reports over large subtrees. A committee may hold 100,000 members, so
//! nothing here returns a row per member: band sizes and sums come from per-organisation
//! aggregates; each running total carries its member's organisation and book status (migration
//! 0011), so a page walks the totals' ranking index keeping the subtree's organisations, a count
//! reads one index range per organisation, and only the page's names are joined.
//! Members without a running total have 0 points for the period; they are counted from the
//! roster index and listed only when a page reaches them.

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

/// The subtree's running totals for the period ($1, $2: the subtree's paths; $3: the key).
const SCORED: &str = "FROM point_totals t WHERE t.period_key = $3 AND t.on_books = 1
    AND t.org_id IN (SELECT o.id FROM orgs o WHERE o.path >= $1 AND o.path < $2)";

/// One organisation's members and points for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgCounts {
    /// Organisation.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// Members on its own books.
    pub members: i64,
    /// Sum of their points.
    pub total: i64,
    /// Members with more than 0 points.
    pub positive: i64,
    /// Members with fewer than 0 points.
    pub negative: i64,
}

/// Per-organisation counts for the subtree of `root`, in tree order. Members are counted on the
/// roster (one index range); points come from the per-organisation aggregates that triggers keep
/// beside `point_totals` (migration 0011), one row per organisation.
///
/// # Errors
/// Database failures.
pub async fn org_counts(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
) -> StoreResult<Vec<OrgCounts>> {
    const ROSTER: &str =
        "SELECT o.id, o.name, COUNT(m.id) FROM orgs o JOIN members m ON m.org_id = o.id
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal'
        GROUP BY o.id, o.name, o.path ORDER BY o.path";
    const POINTS: &str =
        "SELECT a.org_id, CAST(SUM(a.total) AS BIGINT), CAST(SUM(a.positive) AS BIGINT),
            CAST(SUM(a.negative) AS BIGINT)
        FROM point_org_totals a JOIN orgs o ON o.id = a.org_id
        WHERE a.period_key = $3 AND a.on_books = 1 AND o.path >= $1 AND o.path < $2
        GROUP BY a.org_id";
    let upper = subtree_upper(root);
    let roster: Vec<(i64, String, i64)> =
        on!(ex, c => sqlx::query_as(ROSTER).bind(root).bind(&upper).fetch_all(c).await?);
    let points: Vec<(i64, i64, i64, i64)> = on!(ex, c => sqlx::query_as(POINTS).bind(root)
        .bind(&upper).bind(period_key).fetch_all(c).await?);
    let by_org: std::collections::HashMap<i64, (i64, i64, i64)> = points
        .into_iter()
        .map(|(o, t, p, n)| (o, (t, p, n)))
        .collect();
    Ok(roster
        .into_iter()
        .map(|(org_id, name, members)| {
            let (total, positive, negative) = by_org.get(&org_id).copied().unwrap_or_default();
            OrgCounts {
                org_id,
                name,
                members,
                total,
                positive,
                negative,
            }
        })
        .collect())
}

/// A member's line: id, name, organisation id and name, points.
pub type Line = (i64, String, i64, String, i64);

/// Which part of the ordering a page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Above 0, highest first.
    Positive,
    /// Exactly 0 (with or without entries), by member id.
    Zero,
    /// Below 0, highest first.
    Negative,
}

/// Up to `limit` lines of a band after skipping `offset`.
///
/// # Errors
/// Database failures.
pub async fn band_page(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
    band: Band,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<Line>> {
    let sql = match band {
        Band::Positive | Band::Negative => {
            let cmp = if band == Band::Positive { ">" } else { "<" };
            format!(
                "SELECT m.id, m.name, o.id, o.name, t.total
                 FROM (SELECT t.member_id, t.total {SCORED} AND t.total {cmp} 0
                       ORDER BY t.total DESC, t.member_id LIMIT $4 OFFSET $5) t
                 JOIN members m ON m.id = t.member_id JOIN orgs o ON o.id = m.org_id
                 ORDER BY t.total DESC, m.id"
            )
        }
        // The existence test touches every member of the subtree; it runs only when a page
        // reaches the members with 0 points.
        Band::Zero => "SELECT m.id, m.name, o.id, o.name, CAST(0 AS BIGINT)
            FROM members m JOIN orgs o ON o.id = m.org_id
            WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal'
              AND NOT EXISTS (SELECT 1 FROM point_totals t
                              WHERE t.period_key = $3 AND t.member_id = m.id AND t.total <> 0)
            ORDER BY m.id LIMIT $4 OFFSET $5"
            .to_owned(),
    };
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(root).bind(subtree_upper(root)).bind(period_key)
        .bind(limit).bind(offset).fetch_all(c).await?))
}

/// Members of the subtree with a running total above `points` (and below 0 when `negative_only`).
///
/// # Errors
/// Database failures.
pub async fn count_above(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
    points: i64,
    negative_only: bool,
) -> StoreResult<i64> {
    let below = if negative_only {
        " AND t.total < 0"
    } else {
        ""
    };
    let sql = format!("SELECT COUNT(*) {SCORED} AND t.total > $4{below}");
    on!(ex, c => Ok(sqlx::query_scalar(&sql).bind(root).bind(subtree_upper(root)).bind(period_key)
        .bind(points).fetch_one(c).await?))
}

/// A member's points for the period, if the member is on the books of the subtree.
///
/// # Errors
/// Database failures.
pub async fn member_line(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
    member_id: i64,
) -> StoreResult<Option<Line>> {
    const SQL: &str = "SELECT m.id, m.name, o.id, o.name, CAST(COALESCE(t.total, 0) AS BIGINT)
        FROM members m JOIN orgs o ON o.id = m.org_id
        LEFT JOIN point_totals t ON t.member_id = m.id AND t.period_key = $3
        WHERE m.id = $4 AND o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal'";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).bind(period_key)
        .bind(member_id).fetch_optional(c).await?))
}

/// The members whose points moved most between the previous period (`before`) and this one
/// (`period_key`), largest change first, for the 通报: rises when `rising`, else falls. A
/// member may have a total in only one of the two periods (0 in the other), so both sides are
/// read. Each line carries this period's points; the second value is last period's.
///
/// # Errors
/// Database failures.
pub async fn movers(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
    before: &str,
    rising: bool,
    limit: i64,
) -> StoreResult<Vec<(Line, i64)>> {
    let (cmp, order) = if rising { (">", "DESC") } else { ("<", "ASC") };
    let sql = format!(
        "SELECT m.id, m.name, o.id, o.name, CAST(x.now AS BIGINT), CAST(x.prev AS BIGINT)
         FROM (SELECT d.member_id AS mid, d.total AS now, COALESCE(e.total, 0) AS prev
               FROM point_totals d LEFT JOIN point_totals e ON e.period_key = $4 AND e.member_id = d.member_id
               WHERE d.period_key = $3
               UNION ALL
               SELECT e.member_id, 0, e.total FROM point_totals e
               WHERE e.period_key = $4 AND NOT EXISTS
                   (SELECT 1 FROM point_totals d WHERE d.period_key = $3 AND d.member_id = e.member_id)) x
         CROSS JOIN members m CROSS JOIN orgs o
         WHERE m.id = x.mid AND o.id = m.org_id AND o.path >= $1 AND o.path < $2
           AND m.membership_status = 'normal' AND x.now - x.prev {cmp} 0
         ORDER BY x.now - x.prev {order}, m.id LIMIT $5"
    );
    let rows: Vec<(i64, String, i64, String, i64, i64)> = on!(ex, c => sqlx::query_as(&sql)
        .bind(root).bind(subtree_upper(root)).bind(period_key).bind(before).bind(limit)
        .fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(a, b, c, d, now, prev)| ((a, b, c, d, now), prev))
        .collect())
}
