//! Writing audit rows inside the caller's transaction, and reading them for the viewer.

use time::OffsetDateTime;

use crate::app::App;
use crate::auth::scope::Capability;
use crate::auth::{Denial, Scope};
use crate::db::{Db, StoreResult, Tx};
use crate::shared::error::DomainError;

use super::chain::ChainCheck;
use super::model::AuditRow;
use super::model::{Actor, AuditEvent};
use super::store::AuditFilter;

/// Appends an audit row, linked into the audit chain (SEC-26), in the same transaction as the
/// change it describes; if it cannot be written, the caller's transaction fails with it
/// (SEC-28).
///
/// # Errors
/// Storage failures.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    at: OffsetDateTime,
    ev: AuditEvent<'_>,
) -> StoreResult<()> {
    super::chain_store::append(&mut tx.exec(), at, actor, &ev).await
}

/// Writes one audit row in a transaction of its own, for events with no other change to go
/// with (denials, views of the log, backups).
///
/// # Errors
/// Storage failures.
pub async fn record_alone(
    db: &Db,
    actor: &Actor,
    at: OffsetDateTime,
    ev: AuditEvent<'_>,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, actor, at, ev).await?;
    tx.commit().await
}

/// The command line verifies and anchors the chain.
pub use super::chain_store::{ensure_anchored, verify};

/// One page of the log as the 审计员 reads it, with the state of the whole chain.
pub struct LogPage {
    /// Rows matching the filter.
    pub total: i64,
    /// The page shown (clamped to the last).
    pub page_no: i64,
    /// Pages in all.
    pub pages: i64,
    /// The rows of the page, newest first.
    pub rows: Vec<AuditRow>,
    /// The chain walked end to end.
    pub chain: ChainCheck,
}

fn may_read(scope: &Scope) -> Result<(), DomainError> {
    if scope.can(Capability::ReadAudit) {
        Ok(())
    } else {
        Err(Denial::Forbidden.into())
    }
}

/// A page of the log for those who may read it. The whole chain is checked on every view
/// (SEC-26): the auditor sees at once whether anything was changed or removed, whatever the
/// filter.
///
/// # Errors
/// Forbidden without the audit capability; storage failures.
pub async fn page(
    app: &App,
    scope: &Scope,
    f: &AuditFilter,
    page_no: i64,
    size: i64,
) -> Result<LogPage, DomainError> {
    may_read(scope)?;
    let mut conn = app.db.conn().await?;
    let total = super::store::count(&mut conn.exec(), f).await?;
    let pages = ((total + size - 1) / size).max(1);
    let page_no = page_no.clamp(1, pages);
    let rows = super::store::list(&mut conn.exec(), f, size, (page_no - 1) * size).await?;
    drop(conn);
    let chain = super::chain_store::verify(&app.db).await?;
    Ok(LogPage {
        total,
        page_no,
        pages,
        rows,
        chain,
    })
}

/// Up to `max` rows matching the filter, for the export.
///
/// # Errors
/// Forbidden without the audit capability; storage failures.
pub async fn export(
    app: &App,
    scope: &Scope,
    f: &AuditFilter,
    max: i64,
) -> Result<Vec<AuditRow>, DomainError> {
    may_read(scope)?;
    Ok(super::store::list(&mut app.db.conn().await?.exec(), f, max, 0).await?)
}
