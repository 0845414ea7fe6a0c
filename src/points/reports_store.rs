//! 积分通报 in the database: one snapshot per organisation and period, stored as JSON.

use time::OffsetDateTime;

use crate::db::{Exec, StoreError, StoreResult};
use crate::on;

use super::report::Report;
use super::reports::Stored;

/// A stored row as read.
pub(super) type Row = (i64, i64, String, String, bool, OffsetDateTime);

/// A stored row with its snapshot read back.
pub(super) fn stored(
    (id, org_id, period, body, complete, generated_at): Row,
) -> StoreResult<Stored> {
    let report =
        serde_json::from_str(&body).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))?;
    Ok(Stored {
        id,
        org_id,
        period,
        complete,
        generated_at,
        report,
    })
}

const COLS: &str = "id, org_id, period_code, body, complete, generated_at";

/// Stores the report of an organisation and period, replacing an earlier one.
pub(super) async fn save(
    ex: &mut Exec<'_>,
    r: &Report,
    complete: bool,
    now: OffsetDateTime,
    by: Option<i64>,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO point_reports (org_id, period_code, body, complete, generated_at, generated_by)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (org_id, period_code) DO UPDATE SET body = excluded.body, complete = excluded.complete,
            generated_at = excluded.generated_at, generated_by = excluded.generated_by
        RETURNING id";
    let body =
        serde_json::to_string(r).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into())))?;
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(r.org_id).bind(&r.period).bind(body).bind(complete)
        .bind(now).bind(by).fetch_one(c).await?))
}

/// One stored row.
pub(super) async fn load(ex: &mut Exec<'_>, id: i64) -> StoreResult<Option<Row>> {
    let sql = format!("SELECT {COLS} FROM point_reports WHERE id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The latest 100 reports of an organisation, newest first: (id, period, complete, when).
pub(super) async fn of_org(
    ex: &mut Exec<'_>,
    org_id: i64,
) -> StoreResult<Vec<(i64, String, bool, OffsetDateTime)>> {
    const SQL: &str = "SELECT id, period_code, complete, generated_at FROM point_reports
        WHERE org_id = $1 ORDER BY generated_at DESC LIMIT 100";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?))
}

/// Committees and branches (not 党小组) still owing a complete report for the period.
pub(super) async fn due(ex: &mut Exec<'_>, period_code: &str) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT o.id FROM orgs o
        WHERE o.dissolved_at IS NULL AND o.kind <> 'group'
          AND NOT EXISTS (SELECT 1 FROM point_reports r
                          WHERE r.org_id = o.id AND r.period_code = $1 AND r.complete)
        ORDER BY o.path";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(period_code).fetch_all(c).await?))
}
