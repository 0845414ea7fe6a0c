//! The SQL of the job runtime: leases per job and the runs of each due time.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// Takes or renews the lease of `name` for `holder` until `until`, when it is free, expired or
/// already `holder`'s. Returns whether `holder` now holds it.
///
/// # Errors
/// Database failures.
pub async fn acquire(
    ex: &mut Exec<'_>,
    name: &str,
    holder: &str,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $4)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE job_leases.expires_at <= $3 OR job_leases.holder = excluded.holder";
    let n = on!(ex, c => sqlx::query(SQL).bind(name).bind(holder).bind(now).bind(until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Extends a lease `holder` still holds. Returns false when it was lost (expired and taken).
///
/// # Errors
/// Database failures.
pub async fn renew(
    ex: &mut Exec<'_>,
    name: &str,
    holder: &str,
    until: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE job_leases SET expires_at = $3 WHERE name = $1 AND holder = $2";
    let n = on!(ex, c => sqlx::query(SQL).bind(name).bind(holder).bind(until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Gives a lease up (it expires now), so that the next due time need not wait for it.
///
/// # Errors
/// Database failures.
pub async fn release(
    ex: &mut Exec<'_>,
    name: &str,
    holder: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    renew(ex, name, holder, now).await.map(|_| ())
}

/// Claims the run of `name` for `due_at`: a new row, or the unfinished row of a holder whose
/// lease has since passed to `holder` (call only while holding the lease). Returns whether this
/// holder is to run it.
///
/// # Errors
/// Database failures.
pub async fn claim_run(
    ex: &mut Exec<'_>,
    name: &str,
    due_at: OffsetDateTime,
    holder: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO job_runs (name, due_at, holder, started_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (name, due_at) DO UPDATE SET holder = excluded.holder, started_at = excluded.started_at
        WHERE job_runs.finished_at IS NULL AND job_runs.holder <> excluded.holder";
    let n = on!(ex, c => sqlx::query(SQL).bind(name).bind(due_at).bind(holder).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Records how a run ended.
///
/// # Errors
/// Database failures.
pub async fn finish_run(
    ex: &mut Exec<'_>,
    name: &str,
    due_at: OffsetDateTime,
    now: OffsetDateTime,
    handled: i64,
    error: &str,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE job_runs SET finished_at = $3, handled = $4, error = $5 WHERE name = $1 AND due_at = $2";
    on!(ex, c => sqlx::query(SQL).bind(name).bind(due_at).bind(now).bind(handled).bind(error).execute(c).await?.rows_affected());
    Ok(())
}

/// The last run of a job as shown on the system page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LastRun {
    /// Job name.
    pub name: String,
    /// The due time it ran for.
    pub due_at: OffsetDateTime,
    /// The server that ran it.
    pub holder: String,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// When it ended (`None` while running).
    pub finished_at: Option<OffsetDateTime>,
    /// Units of work done.
    pub handled: i64,
    /// The error, if it failed.
    pub error: String,
}

/// The latest run of every job that has run.
///
/// # Errors
/// Database failures.
pub async fn last_runs(ex: &mut Exec<'_>) -> StoreResult<Vec<LastRun>> {
    const SQL: &str = "SELECT r.name, r.due_at, r.holder, r.started_at, r.finished_at, r.handled, r.error
        FROM job_runs r WHERE r.due_at = (SELECT MAX(due_at) FROM job_runs x WHERE x.name = r.name) ORDER BY r.name";
    on!(ex, c => Ok(sqlx::query_as(SQL).fetch_all(c).await?))
}

/// How many runs of `name` there are (for tests and the system page).
///
/// # Errors
/// Database failures.
pub async fn run_count(ex: &mut Exec<'_>, name: &str) -> StoreResult<i64> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT COUNT(*) FROM job_runs WHERE name = $1").bind(name).fetch_one(c).await?))
}
