//! SQL for transfers.

use crate::auth::Visible;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

use super::model::Transfer;

const SELECT: &str = "SELECT t.id, t.member_id, m.name AS member_name, t.kind, t.status, t.from_org_id,
    f.name AS from_name, f.path AS from_path, t.to_org_id, o.name AS to_name, o.path AS to_path, t.other_org_name,
    t.serial, t.valid_days, t.issued_on, t.expires_on, t.dues_paid_to, t.receipt_on, t.reason, t.letter_ref,
    t.verify_token, t.requested_at, t.decision_note
    FROM transfers t JOIN members m ON m.id = t.member_id
    LEFT JOIN orgs f ON f.id = t.from_org_id LEFT JOIN orgs o ON o.id = t.to_org_id";

/// A new transfer row.
#[derive(Debug, Clone, Default)]
pub struct NewTransfer<'a> {
    /// Member.
    pub member_id: i64,
    /// Kind code.
    pub kind: &'a str,
    /// Status code.
    pub status: &'a str,
    /// Sending organisation.
    pub from_org_id: Option<i64>,
    /// Receiving organisation.
    pub to_org_id: Option<i64>,
    /// Organisation outside Zhibu.
    pub other_org_name: &'a str,
    /// Letter serial.
    pub serial: Option<String>,
    /// Validity.
    pub valid_days: Option<i64>,
    /// Issue date.
    pub issued_on: Option<Date>,
    /// Last valid day.
    pub expires_on: Option<Date>,
    /// 党费交至.
    pub dues_paid_to: &'a str,
    /// Reason.
    pub reason: &'a str,
    /// Number of a letter brought in.
    pub letter_ref: &'a str,
    /// Verification token.
    pub verify_token: Option<String>,
    /// Requesting account.
    pub requested_by: Option<i64>,
}

/// Inserts a transfer.
///
/// # Errors
/// `Duplicate` on a serial or token clash.
pub async fn insert(
    ex: &mut Exec<'_>,
    t: &NewTransfer<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO transfers (member_id, kind, status, from_org_id, to_org_id, other_org_name, serial,
        valid_days, issued_on, expires_on, dues_paid_to, reason, letter_ref, verify_token, requested_by, requested_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL)
        .bind(t.member_id).bind(t.kind).bind(t.status).bind(t.from_org_id).bind(t.to_org_id).bind(t.other_org_name)
        .bind(&t.serial).bind(t.valid_days).bind(t.issued_on).bind(t.expires_on).bind(t.dues_paid_to).bind(t.reason)
        .bind(t.letter_ref).bind(&t.verify_token).bind(t.requested_by).bind(now)
        .fetch_one(c).await?))
}

/// Gets one transfer.
///
/// # Errors
/// `NotFound`.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Transfer> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// A letter by its verification token.
///
/// # Errors
/// Database failures.
pub async fn by_token(ex: &mut Exec<'_>, token: &str) -> StoreResult<Option<Transfer>> {
    let sql = format!("{SELECT} WHERE t.verify_token = $1 AND t.kind = 'outgoing'");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(token).fetch_optional(c).await?))
}

/// Transfers touching any of the subtrees (sent from or to them), newest first.
///
/// # Errors
/// Database failures.
pub async fn list_touching(
    ex: &mut Exec<'_>,
    visible: &Visible,
    limit: i64,
) -> StoreResult<Vec<Transfer>> {
    let mut out: Vec<Transfer> = Vec::new();
    for r in visible.roots() {
        let sql = format!(
            "{SELECT} WHERE (f.path >= $1 AND f.path < $2) OR (o.path >= $1 AND o.path < $2) ORDER BY t.id DESC LIMIT $3"
        );
        let rows: Vec<Transfer> = on!(ex, c => sqlx::query_as(&sql).bind(r).bind(subtree_upper(r)).bind(limit).fetch_all(c).await?);
        for t in rows {
            if !out.iter().any(|x| x.id == t.id) {
                out.push(t);
            }
        }
    }
    out.sort_by_key(|t| std::cmp::Reverse(t.id));
    Ok(out)
}

/// Whether the member has a transfer still waiting.
///
/// # Errors
/// Database failures.
pub async fn has_open(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT count(*) FROM transfers WHERE member_id = $1 AND status IN ('requested', 'issued')")
        .bind(member_id).fetch_one(c).await?);
    Ok(n > 0)
}

/// Letters issued in a year so far (for the next serial).
///
/// # Errors
/// Database failures.
pub async fn letters_in_year(ex: &mut Exec<'_>, prefix: &str) -> StoreResult<i64> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT count(*) FROM transfers WHERE kind = 'outgoing' AND serial LIKE $1")
        .bind(format!("{prefix}-%")).fetch_one(c).await?))
}

/// A change of a transfer's status.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// Required current status.
    pub from: &'a str,
    /// New status.
    pub to: &'a str,
    /// Deciding account.
    pub user_id: Option<i64>,
    /// Note.
    pub note: &'a str,
    /// 回执 date, when closing a letter.
    pub receipt_on: Option<Date>,
}

/// Applies a status change; returns whether the transfer was in the required status.
///
/// # Errors
/// Database failures.
pub async fn set_status(
    ex: &mut Exec<'_>,
    id: i64,
    ch: StatusChange<'_>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str =
        "UPDATE transfers SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6,
        receipt_on = COALESCE($7, receipt_on) WHERE id = $1 AND status = $2";
    let n = on!(ex, c => sqlx::query(SQL).bind(id).bind(ch.from).bind(ch.to).bind(ch.user_id).bind(now).bind(ch.note)
        .bind(ch.receipt_on).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Moves a member to another branch (group cleared) and their accounts with them.
///
/// # Errors
/// Database failures.
pub async fn move_member(
    ex: &mut Exec<'_>,
    member_id: i64,
    to_org: i64,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE members SET org_id = $2, group_id = NULL, updated_at = $3 WHERE id = $1")
        .bind(member_id).bind(to_org).bind(now).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query("UPDATE users SET org_id = $2, updated_at = $3 WHERE member_id = $1")
        .bind(member_id).bind(to_org).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Active branches anywhere in the tree, by path, for choosing a destination: (id, name, path).
///
/// # Errors
/// Database failures.
pub async fn branches(ex: &mut Exec<'_>) -> StoreResult<Vec<(i64, String, String)>> {
    on!(ex, c => Ok(sqlx::query_as("SELECT id, name, path FROM orgs WHERE dissolved_at IS NULL
        AND kind IN ('branch', 'joint_branch', 'temporary_branch') ORDER BY path").fetch_all(c).await?))
}
