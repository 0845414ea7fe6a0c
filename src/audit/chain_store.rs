//! SQL of the audit chain (SEC-26): appending a chained row, sealing the rows written before
//! the chain into an anchor, and reading the whole log back for the check.
//!
//! Appends are serialised on the one-row `audit_chain` table: the first statement of an
//! append is an `UPDATE` of that row, which takes its row lock on `PostgreSQL` (a second writer
//! waits there until the first commits, then reads the new head) and the write lock on `SQLite`
//! (already held, since write transactions begin `IMMEDIATE`). So two transactions can never
//! link to the same previous row, and a rolled-back transaction takes its row and its head
//! move back together.

use sqlx::FromRow;
use time::OffsetDateTime;

use crate::db::{Db, Exec, StoreError, StoreResult};
use crate::on;

use super::chain::{self, ChainCheck, Head, Walk};
use super::model::{Actor, AuditEvent, AuditRow};

/// Rows read per query while walking the log.
const BATCH: i64 = 2000;

#[derive(FromRow)]
struct ChainRow {
    #[sqlx(flatten)]
    row: AuditRow,
    mac: Option<String>,
}

type HeadCols = (Option<i64>, Option<String>, Option<i64>, Option<String>);

fn mac_of(hex_text: Option<&str>) -> [u8; 32] {
    // An unreadable stored link can never match a computed one.
    hex_text
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .unwrap_or([0xff; 32])
}

fn head_of(cols: HeadCols) -> Option<Head> {
    let (anchor_id, anchor_mac, head_id, head_mac) = cols;
    let anchor_id = anchor_id?;
    Some(Head {
        anchor_id,
        anchor_mac: mac_of(anchor_mac.as_deref()),
        head_id: head_id.unwrap_or(anchor_id),
        head_mac: mac_of(head_mac.as_deref()),
    })
}

fn no_key() -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(
        "audit chain key not loaded".to_owned(),
    ))
}

async fn rows_after(ex: &mut Exec<'_>, after: i64) -> StoreResult<Vec<ChainRow>> {
    const SQL: &str = "SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2";
    on!(ex, c => Ok(sqlx::query_as::<_, ChainRow>(SQL).bind(after).bind(BATCH)
        .fetch_all(c).await?))
}

/// Seals the rows written before the chain existed into the anchor, in the caller's
/// transaction, which must hold the chain lock.
async fn anchor(ex: &mut Exec<'_>, key: &[u8; 32]) -> StoreResult<Head> {
    const SQL: &str = "UPDATE audit_chain SET anchor_id = $1, anchor_mac = $2, head_id = $1,
        head_mac = $2 WHERE id = 1";
    let mut prev = chain::GENESIS;
    let mut last = 0;
    loop {
        let batch = rows_after(ex, last).await?;
        let Some(end) = batch.last().map(|r| r.row.id) else {
            break;
        };
        for r in &batch {
            prev = chain::link(key, &prev, &r.row);
        }
        last = end;
    }
    let mac = hex::encode(prev);
    on!(ex, c => {
        sqlx::query(SQL).bind(last).bind(&mac).execute(c).await?;
    });
    Ok(Head {
        anchor_id: last,
        anchor_mac: prev,
        head_id: last,
        head_mac: prev,
    })
}

/// Takes the chain lock and returns the head, anchoring first if no row has been chained yet.
async fn lock_head(ex: &mut Exec<'_>, key: &[u8; 32]) -> StoreResult<Head> {
    // A no-op UPDATE rather than SELECT … FOR UPDATE: one text for both backends, and it
    // takes the write lock on SQLite too.
    const SQL: &str = "UPDATE audit_chain SET head_id = head_id WHERE id = 1
        RETURNING anchor_id, anchor_mac, head_id, head_mac";
    let cols: Option<HeadCols> = on!(ex, c => sqlx::query_as(SQL).fetch_optional(c).await?);
    // A missing chain row means the log was tampered with; refuse to write rather than start
    // a fresh chain over it.
    let cols = cols.ok_or_else(|| {
        StoreError::Db(sqlx::Error::Protocol("audit chain head missing".to_owned()))
    })?;
    match head_of(cols) {
        Some(h) => Ok(h),
        None => anchor(ex, key).await,
    }
}

/// Appends one chained row in the caller's transaction.
///
/// # Errors
/// Storage failures, or no chain key in this process; the caller's transaction then fails.
pub async fn append(
    ex: &mut Exec<'_>,
    at: OffsetDateTime,
    actor: &Actor,
    ev: &AuditEvent<'_>,
) -> StoreResult<()> {
    const INSERT: &str =
        "INSERT INTO audit_log (id, at, actor_id, actor_name, actor_role, ip, session_tag,
        request_id, action, object_type, object_id, org_id, result, detail, mac)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    const HEAD: &str = "UPDATE audit_chain SET head_id = $1, head_mac = $2 WHERE id = 1";
    let key = chain::key().ok_or_else(no_key)?;
    let head = lock_head(ex, key).await?;
    let max: i64 = on!(ex, c => sqlx::query_scalar("SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM audit_log")
        .fetch_one(c).await?);
    // Past the head even if rows at the end were removed, so the gap stays visible.
    let id = max.max(head.head_id) + 1;
    // Both backends keep microseconds; the link must be computed over what is read back.
    let at = at
        .replace_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at);
    let row = AuditRow {
        id,
        at,
        actor_id: actor.user_id,
        actor_name: actor.label(),
        actor_role: actor.role.clone(),
        ip: actor.ip.clone(),
        session_tag: actor.session_tag.clone(),
        request_id: actor.request_id.clone(),
        action: ev.action.to_owned(),
        object_type: ev.object_type.to_owned(),
        object_id: ev.object_id.clone(),
        org_id: ev.org_id,
        result: ev.outcome.code().to_owned(),
        detail: ev.detail.clone(),
        account_name: None,
    };
    let mac = hex::encode(chain::link(key, &head.head_mac, &row));
    on!(ex, c => {
        sqlx::query(INSERT)
            .bind(row.id)
            .bind(row.at)
            .bind(row.actor_id)
            .bind(&row.actor_name)
            .bind(&row.actor_role)
            .bind(&row.ip)
            .bind(&row.session_tag)
            .bind(&row.request_id)
            .bind(&row.action)
            .bind(&row.object_type)
            .bind(&row.object_id)
            .bind(row.org_id)
            .bind(&row.result)
            .bind(&row.detail)
            .bind(&mac)
            .execute(&mut *c)
            .await?;
        sqlx::query(HEAD).bind(id).bind(&mac).execute(c).await?;
    });
    Ok(())
}

/// Seals the rows written before the chain into its anchor now, so the first business write
/// after an upgrade does not pay for it. Does nothing once anchored.
///
/// # Errors
/// Storage failures.
pub async fn ensure_anchored(db: &Db) -> StoreResult<()> {
    let Some(key) = chain::key() else {
        return Err(no_key());
    };
    let mut tx = db.begin().await?;
    lock_head(&mut tx.exec(), key).await?;
    tx.commit().await
}

async fn walk(ex: &mut Exec<'_>, key: &[u8; 32]) -> StoreResult<ChainCheck> {
    const HEAD: &str =
        "SELECT anchor_id, anchor_mac, head_id, head_mac FROM audit_chain WHERE id = 1";
    let cols: Option<HeadCols> = on!(ex, c => sqlx::query_as(HEAD).fetch_optional(c).await?);
    let Some(cols) = cols else {
        return Ok(ChainCheck::HeadMissing);
    };
    let Some(head) = head_of(cols) else {
        // Nothing chained yet: the rows there are sealed at the first append.
        let n: i64 = on!(ex, c => sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(c).await?);
        return Ok(ChainCheck::Intact { rows: n });
    };
    let mut w = Walk::new(key, head);
    let mut last = 0;
    while !w.done() {
        let batch = rows_after(ex, last).await?;
        let Some(end) = batch.last().map(|r| r.row.id) else {
            break;
        };
        for r in &batch {
            w.feed(&r.row, r.mac.as_deref());
        }
        last = end;
    }
    Ok(w.finish())
}

/// Walks the whole log in one consistent snapshot and reports the first broken row.
///
/// # Errors
/// Storage failures, or no chain key in this process.
pub async fn verify(db: &Db) -> StoreResult<ChainCheck> {
    let key = chain::key().ok_or_else(no_key)?;
    match db {
        Db::Sqlite(p) => {
            // A deferred transaction: one snapshot from the first read, no write lock.
            let mut tx = p.begin().await?;
            let r = walk(&mut Exec::Sqlite(&mut tx), key).await;
            tx.rollback().await?;
            r
        }
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            let r = walk(&mut Exec::Pg(&mut tx), key).await;
            tx.rollback().await?;
            r
        }
    }
}
