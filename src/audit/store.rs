//! SQL for the audit log. Insert only, plus filtered reads for the viewer.

use sqlx::QueryBuilder;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

use super::model::{Actor, AuditEvent, AuditRow};

/// Appends one row.
///
/// # Errors
/// Any database failure; the caller's transaction then fails as a whole.
pub async fn insert(
    ex: &mut Exec<'_>,
    at: OffsetDateTime,
    actor: &Actor,
    ev: &AuditEvent<'_>,
) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO audit_log (at, actor_id, actor_name, actor_role, ip, session_tag, request_id,
        action, object_type, object_id, org_id, result, detail)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    on!(ex, c => {
        sqlx::query(SQL)
            .bind(at)
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(&actor.role)
            .bind(&actor.ip)
            .bind(&actor.session_tag)
            .bind(&actor.request_id)
            .bind(ev.action)
            .bind(ev.object_type)
            .bind(&ev.object_id)
            .bind(ev.org_id)
            .bind(ev.outcome.code())
            .bind(&ev.detail)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Filters of the viewer; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// From this instant (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this instant.
    pub to: Option<OffsetDateTime>,
    /// Username contains.
    pub actor: Option<String>,
    /// Action code starts with.
    pub action: Option<String>,
    /// Result code.
    pub result: Option<String>,
    /// Address equals.
    pub ip: Option<String>,
}

macro_rules! push_filters {
    ($qb:expr, $f:expr) => {{
        let f = $f;
        $qb.push(" WHERE 1 = 1");
        if let Some(v) = f.from {
            $qb.push(" AND at >= ").push_bind(v);
        }
        if let Some(v) = f.to {
            $qb.push(" AND at < ").push_bind(v);
        }
        if let Some(v) = &f.actor {
            $qb.push(" AND lower(actor_name) LIKE ")
                .push_bind(format!("%{}%", escape_like(&v.to_lowercase())));
            $qb.push(" ESCAPE '\\'");
        }
        if let Some(v) = &f.action {
            $qb.push(" AND action LIKE ")
                .push_bind(format!("{}%", escape_like(v)));
            $qb.push(" ESCAPE '\\'");
        }
        if let Some(v) = &f.result {
            $qb.push(" AND result = ").push_bind(v.clone());
        }
        if let Some(v) = &f.ip {
            $qb.push(" AND ip = ").push_bind(v.clone());
        }
    }};
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Rows matching the filter, newest first.
///
/// # Errors
/// Database failures.
pub async fn list(
    ex: &mut Exec<'_>,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<AuditRow>> {
    on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT * FROM audit_log");
        push_filters!(qb, f);
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        Ok(qb.build_query_as::<AuditRow>().fetch_all(c).await?)
    })
}

/// Number of rows matching the filter.
///
/// # Errors
/// Database failures.
pub async fn count(ex: &mut Exec<'_>, f: &AuditFilter) -> StoreResult<i64> {
    on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT count(*) FROM audit_log");
        push_filters!(qb, f);
        Ok(qb.build_query_scalar::<i64>().fetch_one(c).await?)
    })
}
