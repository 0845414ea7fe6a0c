//! Annual grades in the database: one decision per member and year.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

use super::grading::{Decision, Grade, Pick};

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
