//! SQL for second factors, recovery codes, pending logins and the session's step-up time.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A second factor as stored; the secret is sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactorRow {
    /// Account.
    pub user_id: i64,
    /// `totp`.
    pub kind: String,
    /// Sealed secret.
    pub secret: Vec<u8>,
    /// Last accepted time step.
    pub last_step: i64,
    /// Enrolment completed; `None` while waiting for the first code.
    pub confirmed_at: Option<OffsetDateTime>,
    /// Enrolment started.
    pub created_at: OffsetDateTime,
}

/// The account's second factor, confirmed or pending.
///
/// # Errors
/// Database failures.
pub async fn get_factor(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<Option<FactorRow>> {
    const SQL: &str = "SELECT user_id, kind, secret, last_step, confirmed_at, created_at
        FROM user_second_factors WHERE user_id = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(user_id).fetch_optional(c).await?))
}

/// Starts an enrolment, replacing an unconfirmed one; a confirmed factor is left alone
/// (returns `false`).
///
/// # Errors
/// Database failures.
pub async fn insert_pending(
    ex: &mut Exec<'_>,
    user_id: i64,
    kind: &str,
    sealed: &[u8],
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str =
        "INSERT INTO user_second_factors (user_id, kind, secret, last_step, created_at)
        VALUES ($1, $2, $3, 0, $4) ON CONFLICT (user_id) DO NOTHING";
    on!(ex, c => sqlx::query("DELETE FROM user_second_factors WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user_id).execute(c).await?.rows_affected());
    let n = on!(ex, c => sqlx::query(SQL).bind(user_id).bind(kind).bind(sealed).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Completes an enrolment with the step of its first code; `false` if nothing was pending.
///
/// # Errors
/// Database failures.
pub async fn confirm_factor(
    ex: &mut Exec<'_>,
    user_id: i64,
    step: i64,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE user_second_factors SET confirmed_at = $3, last_step = $2
        WHERE user_id = $1 AND confirmed_at IS NULL";
    let n = on!(ex, c => sqlx::query(SQL).bind(user_id).bind(step).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Records an accepted step. Only a later step moves it, so of two requests racing with the
/// same code one wins and the other sees `false` (SEC-08).
///
/// # Errors
/// Database failures.
pub async fn advance_step(ex: &mut Exec<'_>, user_id: i64, step: i64) -> StoreResult<bool> {
    const SQL: &str = "UPDATE user_second_factors SET last_step = $2
        WHERE user_id = $1 AND last_step < $2 AND confirmed_at IS NOT NULL";
    let n =
        on!(ex, c => sqlx::query(SQL).bind(user_id).bind(step).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Removes the factor and its recovery codes.
///
/// # Errors
/// Database failures.
pub async fn delete_factor(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
        .bind(user_id).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query("DELETE FROM user_second_factors WHERE user_id = $1")
        .bind(user_id).execute(c).await?.rows_affected());
    Ok(())
}

/// Replaces the account's recovery codes with these digests.
///
/// # Errors
/// Database failures.
pub async fn replace_recovery(
    ex: &mut Exec<'_>,
    user_id: i64,
    macs: &[String],
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
        .bind(user_id).execute(c).await?.rows_affected());
    for m in macs {
        on!(ex, c => sqlx::query("INSERT INTO user_recovery_codes (user_id, code_mac, created_at) VALUES ($1, $2, $3)")
            .bind(user_id).bind(m).bind(now).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Spends a recovery code; `false` when it is unknown or already used.
///
/// # Errors
/// Database failures.
pub async fn use_recovery(
    ex: &mut Exec<'_>,
    user_id: i64,
    mac: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE user_recovery_codes SET used_at = $3
        WHERE user_id = $1 AND code_mac = $2 AND used_at IS NULL";
    let n = on!(ex, c => sqlx::query(SQL).bind(user_id).bind(mac).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Unused recovery codes left.
///
/// # Errors
/// Database failures.
pub async fn recovery_left(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(user_id).fetch_one(c).await?))
}

/// A login waiting for its code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChallengeRow {
    /// Id.
    pub id: i64,
    /// Account.
    pub user_id: i64,
    /// Where to go afterwards.
    pub next_path: String,
    /// Wrong codes so far.
    pub attempts: i64,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// Stores a pending login (and drops expired ones).
///
/// # Errors
/// Database failures.
pub async fn insert_challenge(
    ex: &mut Exec<'_>,
    token_hash: &str,
    user_id: i64,
    next: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO login_challenges (token_hash, user_id, next_path, attempts,
        created_at, expires_at) VALUES ($1, $2, $3, 0, $4, $5)";
    on!(ex, c => sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1 OR user_id = $2")
        .bind(now).bind(user_id).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query(SQL).bind(token_hash).bind(user_id).bind(next).bind(now).bind(expires_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Finds a pending login by the digest of its token.
///
/// # Errors
/// Database failures.
pub async fn find_challenge(
    ex: &mut Exec<'_>,
    token_hash: &str,
) -> StoreResult<Option<ChallengeRow>> {
    const SQL: &str = "SELECT id, user_id, next_path, attempts, expires_at FROM login_challenges
        WHERE token_hash = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// Counts a wrong code on a pending login.
///
/// # Errors
/// Database failures.
pub async fn bump_challenge(ex: &mut Exec<'_>, id: i64) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE login_challenges SET attempts = attempts + 1 WHERE id = $1")
        .bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Ends a pending login; `false` when it was already gone (used by a parallel request).
///
/// # Errors
/// Database failures.
pub async fn delete_challenge(ex: &mut Exec<'_>, id: i64) -> StoreResult<bool> {
    let n = on!(ex, c => sqlx::query("DELETE FROM login_challenges WHERE id = $1")
        .bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Records a successful step-up on a session (SEC-16).
///
/// # Errors
/// Database failures.
pub async fn set_confirmed(
    ex: &mut Exec<'_>,
    session_id: i64,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE sessions SET confirmed_at = $2 WHERE id = $1")
        .bind(session_id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Gives a session a new token, keeping the row (SEC-14: the old cookie stops working the
/// moment the privilege changes).
///
/// # Errors
/// Database failures.
pub async fn rotate_session(
    ex: &mut Exec<'_>,
    session_id: i64,
    token_hash: &str,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE sessions SET token_hash = $2 WHERE id = $1")
        .bind(session_id).bind(token_hash).execute(c).await?.rows_affected());
    Ok(())
}
