//! What sealing and key rotation read and write: the plaintext queue the migration filled, the
//! envelope columns, and the scrub that removes old row images. Table and column names come
//! only from the fixed list of sealed columns, never from input.

use crate::db::{Db, Exec, StoreError, StoreResult};
use crate::on;

/// Writes a sealed value and, for the searchable columns, its blind index.
pub(super) async fn put_envelope(
    ex: &mut Exec<'_>,
    (table, column): (&str, &str),
    row_id: i64,
    env: Vec<u8>,
    blind: Option<Vec<u8>>,
) -> StoreResult<()> {
    match (table, column, blind) {
        ("members", "id_number", Some(b)) => {
            on!(ex, c => sqlx::query("UPDATE members SET id_number_enc = $2, id_number_bidx = $3 WHERE id = $1")
                .bind(row_id).bind(env).bind(b).execute(c).await?.rows_affected());
        }
        ("members", "phone", Some(b)) => {
            on!(ex, c => sqlx::query("UPDATE members SET phone_enc = $2, phone_bidx = $3 WHERE id = $1")
                .bind(row_id).bind(env).bind(b).execute(c).await?.rows_affected());
        }
        ("member_corrections", "new_value", None) => {
            on!(ex, c => sqlx::query("UPDATE member_corrections SET new_value_enc = $2 WHERE id = $1")
                .bind(row_id).bind(env).execute(c).await?.rows_affected());
        }
        _ => return Err(StoreError::Constraint),
    }
    Ok(())
}

/// The next `batch` parked plaintext values: (table, column, row id, value).
pub(super) async fn queued(
    ex: &mut Exec<'_>,
    batch: i64,
) -> StoreResult<Vec<(String, String, i64, String)>> {
    const NEXT: &str = "SELECT table_name, column_name, row_id, value FROM plaintext_queue
        ORDER BY table_name, column_name, row_id LIMIT $1";
    on!(ex, c => Ok(sqlx::query_as(NEXT).bind(batch).fetch_all(c).await?))
}

/// Drops a parked value once it is sealed.
pub(super) async fn dequeue(
    ex: &mut Exec<'_>,
    (table, column): (&str, &str),
    row_id: i64,
) -> StoreResult<()> {
    const DONE: &str =
        "DELETE FROM plaintext_queue WHERE table_name = $1 AND column_name = $2 AND row_id = $3";
    on!(ex, c => sqlx::query(DONE).bind(table).bind(column).bind(row_id).execute(c).await?.rows_affected());
    Ok(())
}

/// Up to `limit` envelopes of `table.enc` with ids after `after`, in id order.
pub(super) async fn envelopes_after(
    ex: &mut Exec<'_>,
    (table, enc): (&str, &str),
    after: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let sql = format!(
        "SELECT id, {enc} FROM {table} WHERE id > $1 AND {enc} IS NOT NULL ORDER BY id LIMIT $2"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(c).await?))
}

/// Replaces one envelope of `table.enc`.
pub(super) async fn replace_envelope(
    ex: &mut Exec<'_>,
    (table, enc): (&str, &str),
    id: i64,
    env: Vec<u8>,
) -> StoreResult<()> {
    let sql = format!("UPDATE {table} SET {enc} = $2 WHERE id = $1");
    on!(ex, c => sqlx::query(&sql).bind(id).bind(env).execute(c).await?.rows_affected());
    Ok(())
}

/// Every envelope of `table.enc`.
pub(super) async fn envelopes(
    ex: &mut Exec<'_>,
    (table, enc): (&str, &str),
) -> StoreResult<Vec<Vec<u8>>> {
    let sql = format!("SELECT {enc} FROM {table} WHERE {enc} IS NOT NULL");
    on!(ex, c => Ok(sqlx::query_scalar(&sql).fetch_all(c).await?))
}

/// Makes sure old row images are gone: `SQLite` (with `secure_delete`) zeroes freed space, and
/// its WAL still holds the old pages until truncated; `PostgreSQL` keeps dead tuples and dropped
/// columns in place until a table is rewritten.
pub(super) async fn scrub(db: &Db) -> StoreResult<()> {
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
