//! Annual grades in the database: one decision per member and year.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use crate::db::{DbKind, Exec, StoreResult};
use crate::meetings::model::Period;
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::clock::CHINA;

use super::grading::{Decision, Grade, Pick};
use super::share::Occasion;

/// A 正式党员 on the books with the year's points.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct YearRow {
    pub(super) member_id: i64,
    pub(super) name: String,
    pub(super) org_id: i64,
    pub(super) org_name: String,
    pub(super) org_path: String,
    pub(super) total: i64,
}

/// Every 正式党员 in normal standing on the books of the subtree, zero points included.
/// 预备党员 take part in 民主评议 but are not graded (EVAL-05), so the grading reads only
/// 正式党员.
///
/// # Errors
/// Database failures.
pub(super) async fn year_rows(
    ex: &mut Exec<'_>,
    root: &str,
    period_key: &str,
) -> StoreResult<Vec<YearRow>> {
    const SQL: &str = "SELECT m.id AS member_id, m.name, o.id AS org_id, o.name AS org_name, o.path AS org_path,
            CAST(COALESCE(t.total, 0) AS BIGINT) AS total
        FROM members m JOIN orgs o ON o.id = m.org_id
        LEFT JOIN point_totals t ON t.member_id = m.id AND t.period_key = $3
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal' AND m.category = 'full'";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).bind(period_key).fetch_all(c).await?))
}

/// The held meetings of `year` each member of the subtree was on the roll of, leaving out the
/// meetings a member was excused from for a recognised reason (long illness, abroad …).
///
/// # Errors
/// Database failures.
pub(super) async fn occasions(
    ex: &mut Exec<'_>,
    root: &str,
    year: i32,
) -> StoreResult<HashMap<i64, Vec<Occasion>>> {
    let (agg, day) = match ex.kind() {
        DbKind::Sqlite => ("group_concat", "date(mt.starts_at, '+8 hours')"),
        DbKind::Postgres => (
            "string_agg",
            "to_char((mt.starts_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')",
        ),
    };
    let sql = format!(
        "SELECT a.member_id, a.status, {day}, {agg}(k.kind, ',')
        FROM meeting_attendees a JOIN meetings mt ON mt.id = a.meeting_id
        JOIN meeting_kinds k ON k.meeting_id = mt.id
        JOIN members mb ON mb.id = a.member_id JOIN orgs o ON o.id = mb.org_id
        WHERE o.path >= $1 AND o.path < $2 AND mt.status = 'held' AND a.excluded_reason = ''
            AND mt.starts_at >= $3 AND mt.starts_at < $4
        GROUP BY a.member_id, a.meeting_id, a.status, mt.starts_at"
    );
    let bound = |y: i32| {
        Period::Year(y)
            .start()
            .midnight()
            .assume_offset(CHINA)
            .to_offset(time::UtcOffset::UTC)
    };
    let rows: Vec<(i64, String, String, String)> = on!(ex, c => sqlx::query_as(&sql).bind(root)
        .bind(subtree_upper(root)).bind(bound(year)).bind(bound(year + 1)).fetch_all(c).await?);
    let mut out: HashMap<i64, Vec<Occasion>> = HashMap::new();
    for (member, status, day, kinds) in rows {
        let Some(on) = crate::shared::text::parse_date(&day) else {
            continue;
        };
        out.entry(member).or_default().push(Occasion {
            on,
            kinds: kinds.split(',').map(ToOwned::to_owned).collect(),
            present: status == "present",
        });
    }
    Ok(out)
}

/// The year's points of each member of the subtree by item code: (member, code, points).
///
/// # Errors
/// Database failures.
pub(super) async fn by_code(
    ex: &mut Exec<'_>,
    root: &str,
    year: i32,
) -> StoreResult<Vec<(i64, String, i64)>> {
    const SQL: &str = "SELECT e.member_id, e.item_code, CAST(SUM(e.points) AS BIGINT)
        FROM point_entries e JOIN members mb ON mb.id = e.member_id JOIN orgs o ON o.id = mb.org_id
        WHERE o.path >= $1 AND o.path < $2 AND e.occurred_on >= $3 AND e.occurred_on <= $4
        GROUP BY e.member_id, e.item_code";
    let p = Period::Year(year);
    let (from, to): (Date, Date) = (p.start(), p.end());
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).bind(from).bind(to).fetch_all(c).await?))
}

/// Decisions for the members of the subtree at `root` for a year.
///
/// # Errors
/// Database failures.
pub async fn decisions(
    ex: &mut Exec<'_>,
    root: &str,
    year: i32,
) -> StoreResult<HashMap<i64, Decision>> {
    const SQL: &str =
        "SELECT g.member_id, g.decided, g.basis, COALESCE(u.display_name, u.username), g.decided_at
        FROM point_grades g JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.decided_by
        WHERE g.year = $3 AND o.path >= $1 AND o.path < $2";
    let rows: Vec<(i64, String, String, String, OffsetDateTime)> = on!(ex, c => sqlx::query_as(SQL)
        .bind(root).bind(subtree_upper(root)).bind(year).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(m, g, basis, decided_by, decided_at)| {
            Some((
                m,
                Decision {
                    grade: Grade::from_code(&g)?,
                    basis,
                    decided_by,
                    decided_at,
                },
            ))
        })
        .collect())
}

/// Stores one member's grade for a year, replacing an earlier decision.
pub(super) async fn upsert(
    ex: &mut Exec<'_>,
    p: Pick,
    year: i32,
    basis: &str,
    by: (i64, OffsetDateTime),
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO point_grades (member_id, org_id, year, points, suggested, decided, basis, decided_by, decided_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (member_id, year) DO UPDATE SET org_id = excluded.org_id, points = excluded.points,
            suggested = excluded.suggested, decided = excluded.decided, basis = excluded.basis,
            decided_by = excluded.decided_by, decided_at = excluded.decided_at";
    on!(ex, c => { sqlx::query(SQL).bind(p.member_id).bind(p.org_id).bind(year).bind(p.points)
        .bind(p.suggested.code()).bind(p.decided.code()).bind(basis).bind(by.0).bind(by.1).execute(c).await?; });
    Ok(())
}
