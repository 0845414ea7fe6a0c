//! Moving plaintext into envelopes, and key rotation (SEC-46/49). Migration 0013 parks the old
//! plaintext 身份证号 and 手机号 in `plaintext_queue`; [`seal_pending`] seals it batch by batch
//! right after migrating and empties the queue. [`reencrypt`] rewrites envelopes sealed under an
//! older data key with the current one; each batch is its own transaction and every envelope
//! names its key version, so a run that is stopped resumes where it left off.

use crate::db::{Db, DbKind, Exec, StoreError, StoreResult};
use crate::on;
use crate::shared::crypto::KeyRing;

use super::sealing::{self, SEALED_COLUMNS, id_blind, phone_blind};

/// Rows sealed per transaction by default.
pub const DEFAULT_BATCH: i64 = 500;

async fn write_envelope(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    table: &str,
    column: &str,
    row_id: i64,
    value: &str,
) -> StoreResult<()> {
    let env = sealing::seal(keys, table, column, row_id, value);
    match (table, column) {
        ("members", "id_number") => {
            on!(ex, c => sqlx::query("UPDATE members SET id_number_enc = $2, id_number_bidx = $3 WHERE id = $1")
                .bind(row_id).bind(env).bind(id_blind(keys, value)).execute(c).await?.rows_affected());
        }
        ("members", "phone") => {
            on!(ex, c => sqlx::query("UPDATE members SET phone_enc = $2, phone_bidx = $3 WHERE id = $1")
                .bind(row_id).bind(env).bind(phone_blind(keys, value)).execute(c).await?.rows_affected());
        }
        ("member_corrections", "new_value") => {
            on!(ex, c => sqlx::query("UPDATE member_corrections SET new_value_enc = $2 WHERE id = $1")
                .bind(row_id).bind(env).execute(c).await?.rows_affected());
        }
        _ => return Err(StoreError::Constraint),
    }
    Ok(())
}

/// Seals whatever plaintext the migration parked, `batch` rows per transaction, and returns
/// how many values were sealed. Idempotent: an empty queue does nothing. After a move the
/// `SQLite` WAL is truncated and `PostgreSQL` tables rewritten, so no old page keeps the values.
///
/// # Errors
/// Storage failures; the batches committed before stay done.
pub async fn seal_pending(db: &Db, keys: &KeyRing, batch: i64) -> StoreResult<u64> {
    const NEXT: &str = "SELECT table_name, column_name, row_id, value FROM plaintext_queue
        ORDER BY table_name, column_name, row_id LIMIT $1";
    const DONE: &str =
        "DELETE FROM plaintext_queue WHERE table_name = $1 AND column_name = $2 AND row_id = $3";
    let mut sealed = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let rows: Vec<(String, String, i64, String)> =
            on!(&mut tx.exec(), c => sqlx::query_as(NEXT).bind(batch.max(1)).fetch_all(c).await?);
        if rows.is_empty() {
            tx.commit().await?;
            break;
        }
        for (table, column, row_id, value) in &rows {
            write_envelope(&mut tx.exec(), keys, table, column, *row_id, value).await?;
            on!(&mut tx.exec(), c => sqlx::query(DONE).bind(table).bind(column).bind(row_id)
                .execute(c).await?.rows_affected());
        }
        tx.commit().await?;
        sealed += rows.len() as u64;
    }
    if sealed > 0 {
        scrub(db).await?;
    }
    Ok(sealed)
}

/// Makes sure old row images are gone: `SQLite` (with `secure_delete`) zeroes freed space, and
/// its WAL still holds the old pages until truncated; `PostgreSQL` keeps dead tuples and dropped
/// columns in place until a table is rewritten.
async fn scrub(db: &Db) -> StoreResult<()> {
    match db {
        Db::Sqlite(p) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(p)
                .await?;
        }
        Db::Postgres(p) => {
            sqlx::query("VACUUM FULL members, member_corrections, plaintext_queue")
                .execute(p)
                .await?;
        }
    }
    Ok(())
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
        // Table and column names come from the fixed list, never from input.
        let select = format!(
            "SELECT id, {enc} FROM {table} WHERE id > $1 AND {enc} IS NOT NULL ORDER BY id LIMIT $2"
        );
        let update = format!("UPDATE {table} SET {enc} = $2 WHERE id = $1");
        let mut after = 0i64;
        loop {
            if max_batches.is_some_and(|m| out.batches >= m) {
                return Ok(out);
            }
            let mut tx = db.begin().await?;
            let rows: Vec<(i64, Vec<u8>)> = on!(&mut tx.exec(), c => sqlx::query_as(&select)
                .bind(after).bind(batch.max(1)).fetch_all(c).await?);
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
                on!(&mut tx.exec(), c => sqlx::query(&update).bind(id).bind(fresh)
                    .execute(c).await?.rows_affected());
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
        scrub(db).await?;
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
        let sql = format!("SELECT {enc} FROM {table} WHERE {enc} IS NOT NULL");
        let rows: Vec<Vec<u8>> =
            on!(&mut conn.exec(), c => sqlx::query_scalar(&sql).fetch_all(c).await?);
        n += rows
            .iter()
            .filter(|e| KeyRing::envelope_version(e) != Some(current))
            .count() as u64;
    }
    Ok(n)
}
