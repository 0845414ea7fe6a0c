//! Writing audit rows inside the caller's transaction, and reading them for the viewer.

use time::OffsetDateTime;

use crate::db::{Db, StoreResult, Tx};

use super::model::{Actor, AuditEvent};

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
