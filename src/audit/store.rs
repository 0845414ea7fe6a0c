//! SQL for the audit log's viewer: filtered reads. Rows are appended by `chain_store`.

use sqlx::QueryBuilder;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

use super::model::AuditRow;

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
            // By the name shown, or by the account: its current name or its exact login (the
            // log itself keeps logins masked, SEC-53).
            let pattern = format!("%{}%", escape_like(&v.to_lowercase()));
            $qb.push(" AND (lower(actor_name) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR actor_id IN (SELECT u.id FROM users u WHERE lower(u.display_name) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\' OR lower(u.username) = ")
                .push_bind(v.to_lowercase())
                .push("))");
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

/// The row with its account's current name, for rows written before logins were masked.
const LIST: &str = "SELECT audit_log.*,
    (SELECT u.display_name FROM users u WHERE u.id = audit_log.actor_id) AS account_name
    FROM audit_log";

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
        let mut qb = QueryBuilder::new(LIST);
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
