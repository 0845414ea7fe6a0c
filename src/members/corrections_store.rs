//! Correction requests in the database. A proposed 身份证号 or 手机号 is stored only sealed,
//! bound to its row id, and opened as it is read.

use time::OffsetDateTime;

use crate::auth::Visible;
use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::crypto::KeyRing;

use super::corrections::Correction;
use super::sealing::{self, SEALED_CORRECTIONS};

const COLS: &str = "c.id, c.member_id, m.name AS member_name, c.field, c.new_value, c.reason, c.status, c.requested_at,
    c.decision_note, c.new_value_enc";

/// Opens the sealed proposed values in place.
fn open_all(keys: &KeyRing, rows: &mut [Correction]) -> StoreResult<()> {
    for c in rows {
        if let Some(env) = c.new_value_enc.take() {
            c.new_value = sealing::open(keys, "member_corrections", "new_value", c.id, &env)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    member_id: i64,
    field: &str,
    value: &str,
    reason: &str,
    user_id: i64,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO member_corrections (member_id, field, new_value, reason, status, requested_by, requested_at)
        VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id";
    let sealed = SEALED_CORRECTIONS.contains(&field);
    let plain = if sealed { "" } else { value };
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(member_id).bind(field).bind(plain).bind(reason).bind(user_id).bind(now).fetch_one(c).await?);
    if sealed {
        // The envelope is bound to the row id, known only after the insert (same transaction).
        let env = sealing::seal(keys, "member_corrections", "new_value", id, value);
        on!(ex, c => sqlx::query("UPDATE member_corrections SET new_value_enc = $2 WHERE id = $1")
            .bind(id).bind(env).execute(c).await?.rows_affected());
    }
    Ok(id)
}

/// A member's requests, newest first.
///
/// # Errors
/// Database failures.
pub async fn of_member(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    member_id: i64,
) -> StoreResult<Vec<Correction>> {
    let sql = format!(
        "SELECT {COLS} FROM member_corrections c JOIN members m ON m.id = c.member_id WHERE c.member_id = $1 ORDER BY c.id DESC"
    );
    let mut rows: Vec<Correction> =
        on!(ex, c => sqlx::query_as(&sql).bind(member_id).fetch_all(c).await?);
    open_all(keys, &mut rows)?;
    Ok(rows)
}

/// Pending requests for members in any of the subtrees, oldest first.
///
/// # Errors
/// Database failures.
pub async fn pending_under(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    visible: &Visible,
) -> StoreResult<Vec<Correction>> {
    let mut out = Vec::new();
    for r in visible.roots() {
        let sql = format!(
            "SELECT {COLS} FROM member_corrections c JOIN members m ON m.id = c.member_id JOIN orgs o ON o.id = m.org_id
             WHERE c.status = 'pending' AND o.path >= $1 AND o.path < $2 ORDER BY c.id"
        );
        let mut rows: Vec<Correction> =
            on!(ex, c => sqlx::query_as(&sql).bind(r).bind(subtree_upper(r)).fetch_all(c).await?);
        open_all(keys, &mut rows)?;
        out.extend(rows);
    }
    Ok(out)
}

/// One request with its value opened.
pub(super) async fn get(ex: &mut Exec<'_>, keys: &KeyRing, id: i64) -> StoreResult<Correction> {
    let sql = format!(
        "SELECT {COLS} FROM member_corrections c JOIN members m ON m.id = c.member_id WHERE c.id = $1"
    );
    let mut row: Correction = on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_one(c).await?);
    open_all(keys, std::slice::from_mut(&mut row))?;
    Ok(row)
}

/// Decides a pending request; 0 when it was no longer pending.
pub(super) async fn decide_row(
    ex: &mut Exec<'_>,
    id: i64,
    status: &str,
    user_id: i64,
    note: &str,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    const SQL: &str = "UPDATE member_corrections SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5
        WHERE id = $1 AND status = 'pending'";
    Ok(
        on!(ex, c => sqlx::query(SQL).bind(id).bind(status).bind(user_id).bind(now).bind(note).execute(c).await?.rows_affected()),
    )
}
