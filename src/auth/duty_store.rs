//! SQL for the account life cycle that separates duties (SEC-18) and limits how long a
//! credential lives (SEC-05): approval of defined accounts, activation codes with an expiry,
//! the reset notice and the password history. Re-exported through `store`.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// Accounts of a role that are not disabled (the 三员 limit counts these).
///
/// # Errors
/// Database failures.
pub async fn count_enabled_with_role(ex: &mut Exec<'_>, role: &str) -> StoreResult<i64> {
    const SQL: &str = "SELECT count(*) FROM users WHERE role = $1 AND disabled = $2";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(role).bind(false).fetch_one(c).await?))
}

/// Marks a freshly inserted account as waiting for the 安全管理员, noting who defined it.
///
/// # Errors
/// Database failures.
pub async fn mark_pending(ex: &mut Exec<'_>, id: i64, defined_by: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET pending_approval = $2, defined_by = $3 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(true).bind(defined_by).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets when the account's current secret, an activation code, stops working.
///
/// # Errors
/// Database failures.
pub async fn set_activation_expiry(
    ex: &mut Exec<'_>,
    id: i64,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET activation_expires_at = $2 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(expires_at).execute(c).await?.rows_affected());
    Ok(())
}

/// A new activation code for an account: for an approval (`reset_by` is `None`, and only a
/// pending account is touched) or a reset (any account; the owner is told who did it).
/// Clears any lock. Returns whether a row changed.
///
/// # Errors
/// Database failures.
pub async fn set_activation_code(
    ex: &mut Exec<'_>,
    id: i64,
    hash: &str,
    expires_at: OffsetDateTime,
    reset_by: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const APPROVE: &str = "UPDATE users SET pending_approval = $5, password_hash = $2,
        activation_expires_at = $3, must_change_password = $6, password_changed_at = $4,
        failed_logins = 0, locked_until = NULL, updated_at = $4
        WHERE id = $1 AND pending_approval = $6";
    const RESET: &str = "UPDATE users SET password_hash = $2, activation_expires_at = $3,
        must_change_password = $6, password_changed_at = $4, failed_logins = 0,
        locked_until = NULL, updated_at = $4, reset_by = $5, reset_at = $4
        WHERE id = $1 AND pending_approval = $7";
    let n = match reset_by {
        None => {
            on!(ex, c => sqlx::query(APPROVE).bind(id).bind(hash).bind(expires_at).bind(now)
                .bind(false).bind(true).execute(c).await?.rows_affected())
        }
        Some(by) => {
            on!(ex, c => sqlx::query(RESET).bind(id).bind(hash).bind(expires_at).bind(now)
                .bind(by).bind(true).bind(false).execute(c).await?.rows_affected())
        }
    };
    Ok(n == 1)
}

/// Forces a password change at the next request (the password has grown too old).
///
/// # Errors
/// Database failures.
pub async fn force_change(ex: &mut Exec<'_>, id: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET must_change_password = $2 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(true).execute(c).await?.rows_affected());
    Ok(())
}

/// The most recent earlier password hashes of an account, newest first.
///
/// # Errors
/// Database failures.
pub async fn password_history(
    ex: &mut Exec<'_>,
    user_id: i64,
    limit: i64,
) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT password_hash FROM password_history WHERE user_id = $1
        ORDER BY id DESC LIMIT $2";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(user_id).bind(limit).fetch_all(c).await?))
}

/// Remembers a password hash the account stops using, keeping only the newest `keep`.
///
/// # Errors
/// Database failures.
pub async fn push_password_history(
    ex: &mut Exec<'_>,
    user_id: i64,
    hash: &str,
    keep: i64,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const INSERT: &str =
        "INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)";
    const PRUNE: &str = "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN
        (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)";
    on!(ex, c => sqlx::query(INSERT).bind(user_id).bind(hash).bind(now).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query(PRUNE).bind(user_id).bind(keep).execute(c).await?.rows_affected());
    Ok(())
}
