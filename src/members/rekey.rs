//! Moving plaintext into envelopes, and key rotation (SEC-46/49). Migration 0013 parks the old
//! plaintext 身份证号 and 手机号 in `plaintext_queue`; [`seal_pending`] seals it batch by batch
//! right after migrating and empties the queue. [`reencrypt`] rewrites envelopes sealed under an
//! older data key with the current one; each batch is its own transaction and every envelope
//! names its key version, so a run that is stopped resumes where it left off.

use crate::db::{Db, DbKind, Exec, StoreResult};
use crate::shared::crypto::KeyRing;

use super::rekey_store as store;
use super::sealing::{self, SEALED_COLUMNS, id_blind, phone_blind};

/// Rows sealed per transaction by default.
pub const DEFAULT_BATCH: i64 = 500;

async fn write_envelope(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    (table, column): (&str, &str),
    row_id: i64,
    value: &str,
) -> StoreResult<()> {
    let env = sealing::seal(keys, table, column, row_id, value);
    let blind = match (table, column) {
        ("members", "id_number") => Some(id_blind(keys, value)),
        ("members", "phone") => Some(phone_blind(keys, value)),
        _ => None,
    };
    store::put_envelope(ex, (table, column), row_id, env, blind).await
}

/// Seals whatever plaintext the migration parked, `batch` rows per transaction, and returns
/// how many values were sealed. Idempotent: an empty queue does nothing. After a move the
/// `SQLite` WAL is truncated and `PostgreSQL` tables rewritten, so no old page keeps the values.
///
/// # Errors
/// Storage failures; the batches committed before stay done.
pub async fn seal_pending(db: &Db, keys: &KeyRing, batch: i64) -> StoreResult<u64> {
    let mut sealed = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let rows = store::queued(&mut tx.exec(), batch.max(1)).await?;
        if rows.is_empty() {
            tx.commit().await?;
            break;
        }
        for (table, column, row_id, value) in &rows {
            write_envelope(&mut tx.exec(), keys, (table, column), *row_id, value).await?;
            store::dequeue(&mut tx.exec(), (table, column), *row_id).await?;
        }
        tx.commit().await?;
        sealed += rows.len() as u64;
    }
    if sealed > 0 {
        store::scrub(db).await?;
    }
    Ok(sealed)
}

/// The outcome of a rotation run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Envelopes rewritten under the current key.
    pub rewritten: u64,
    /// Batches committed.
    pub batches: u64,
    /// Every envelope is now under the current key.
    pub complete: bool,
}

/// Rewrites envelopes sealed under older key versions with the current one, `batch` rows per
/// transaction; stops after `max_batches` rewriting batches when given. `progress` is told the
/// column and the count so far after each batch.
///
/// # Errors
/// Storage failures, or an envelope that no key in the ring opens (nothing of that batch is
/// written).
pub async fn reencrypt(
    db: &Db,
    keys: &KeyRing,
    batch: i64,
    max_batches: Option<u64>,
    mut progress: impl FnMut(&str, u64),
) -> StoreResult<Rotation> {
    let current = keys.current_version();
    let mut out = Rotation::default();
    for (table, column, enc) in SEALED_COLUMNS {
        let mut after = 0i64;
        loop {
            if max_batches.is_some_and(|m| out.batches >= m) {
                return Ok(out);
            }
            let mut tx = db.begin().await?;
            let rows =
                store::envelopes_after(&mut tx.exec(), (table, enc), after, batch.max(1)).await?;
            let Some(last) = rows.last().map(|r| r.0) else {
                tx.commit().await?;
                break;
            };
            after = last;
            let mut n = 0u64;
            for (id, env) in &rows {
                if KeyRing::envelope_version(env) == Some(current) {
                    continue;
                }
                let plain = sealing::open(keys, table, column, *id, env)?;
                let fresh = sealing::seal(keys, table, column, *id, &plain);
                store::replace_envelope(&mut tx.exec(), (table, enc), *id, fresh).await?;
                n += 1;
            }
            tx.commit().await?;
            if n > 0 {
                out.rewritten += n;
                out.batches += 1;
                progress(&format!("{table}.{column}"), out.rewritten);
            }
        }
    }
    out.complete = true;
    if db.kind() == DbKind::Sqlite && out.rewritten > 0 {
        store::scrub(db).await?;
    }
    Ok(out)
}

/// Number of envelopes not yet under the current key (for the rotation's final check).
///
/// # Errors
/// Storage failures.
pub async fn stale_envelopes(db: &Db, keys: &KeyRing) -> StoreResult<u64> {
    let current = keys.current_version();
    let mut n = 0u64;
    let mut conn = db.conn().await?;
    for (table, _, enc) in SEALED_COLUMNS {
        let rows = store::envelopes(&mut conn.exec(), (table, enc)).await?;
        n += rows
            .iter()
            .filter(|e| KeyRing::envelope_version(e) != Some(current))
            .count() as u64;
    }
    Ok(n)
}
