//! SQL for accounts. Session SQL lives in `session_store` and is re-exported here.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Login name (lower case).
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// PHC hash.
    pub password_hash: String,
    /// Role code.
    pub role: String,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Linked member record.
    pub member_id: Option<i64>,
    /// Must change the password before anything else.
    pub must_change_password: bool,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Locked until.
    pub locked_until: Option<OffsetDateTime>,
    /// Disabled by an administrator.
    pub disabled: bool,
    /// Last successful login.
    pub last_login_at: Option<OffsetDateTime>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// When the current password was set.
    pub password_changed_at: Option<OffsetDateTime>,
    /// Defined by the 系统管理员 and waiting for the 安全管理员 (SEC-18).
    pub pending_approval: bool,
    /// Who defined a pending account, as shown to the approver.
    pub defined_by: Option<String>,
    /// The current secret is an activation code that stops working then (SEC-05).
    pub activation_expires_at: Option<OffsetDateTime>,
    /// Who last reset the password, as shown to the owner.
    pub reset_by: Option<String>,
    /// When.
    pub reset_at: Option<OffsetDateTime>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name, already normalised.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// PHC hash.
    pub password_hash: &'a str,
    /// Role code.
    pub role: &'a str,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Member record.
    pub member_id: Option<i64>,
    /// Force a change at first login.
    pub must_change_password: bool,
}

const USER_COLS: &str =
    "id, username, display_name, password_hash, role, org_id, member_id, must_change_password,
    failed_logins, locked_until, disabled, last_login_at, created_at, password_changed_at,
    pending_approval, defined_by, activation_expires_at, reset_by, reset_at";

/// Inserts an account.
///
/// # Errors
/// [`crate::db::StoreError::Duplicate`] when the username is taken.
pub async fn insert_user(
    ex: &mut Exec<'_>,
    u: &NewUser<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO users (username, display_name, password_hash, role, org_id, member_id,
        must_change_password, password_changed_at, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL)
        .bind(u.username)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.org_id)
        .bind(u.member_id)
        .bind(u.must_change_password)
        .bind(now)
        .fetch_one(c)
        .await?))
}

/// Finds an account by normalised username.
///
/// # Errors
/// Database failures.
pub async fn find_user_by_username(
    ex: &mut Exec<'_>,
    username: &str,
) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(username).fetch_optional(c).await?))
}

/// Gets an account by id.
///
/// # Errors
/// `NotFound` when missing.
pub async fn get_user(ex: &mut Exec<'_>, id: i64) -> StoreResult<UserRow> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// Every account, by role then username.
///
/// # Errors
/// Database failures.
pub async fn list_users(ex: &mut Exec<'_>) -> StoreResult<Vec<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users ORDER BY role, username");
    on!(ex, c => Ok(sqlx::query_as(&sql).fetch_all(c).await?))
}

/// Number of accounts.
///
/// # Errors
/// Database failures.
pub async fn count_users(ex: &mut Exec<'_>) -> StoreResult<i64> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(c).await?))
}

/// Counts one more failed login and returns the new count.
///
/// # Errors
/// Database failures.
pub async fn increment_failures(
    ex: &mut Exec<'_>,
    id: i64,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "UPDATE users SET failed_logins = failed_logins + 1, updated_at = $2 WHERE id = $1
        RETURNING failed_logins";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(id).bind(now).fetch_one(c).await?))
}

/// Locks an account until the given time.
///
/// # Errors
/// Database failures.
pub async fn lock_until(ex: &mut Exec<'_>, id: i64, until: OffsetDateTime) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE users SET locked_until = $2 WHERE id = $1").bind(id).bind(until).execute(c).await?.rows_affected());
    Ok(())
}

/// Records a successful login, clearing failures; replaces the hash when it was upgraded.
///
/// # Errors
/// Database failures.
pub async fn record_success(
    ex: &mut Exec<'_>,
    id: i64,
    new_hash: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2, updated_at = $2,
        password_hash = COALESCE($3, password_hash) WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(now).bind(new_hash).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets a new password hash chosen by the user (any activation code stops being one).
///
/// # Errors
/// Database failures.
pub async fn set_password(
    ex: &mut Exec<'_>,
    id: i64,
    hash: &str,
    must_change: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4,
        failed_logins = 0, locked_until = NULL, activation_expires_at = NULL, updated_at = $4
        WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(hash).bind(must_change).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Clears a lock.
///
/// # Errors
/// Database failures.
pub async fn unlock(ex: &mut Exec<'_>, id: i64, now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Disables or enables an account.
///
/// # Errors
/// Database failures.
pub async fn set_disabled(
    ex: &mut Exec<'_>,
    id: i64,
    disabled: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(disabled).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

pub use super::duty_store::{
    count_enabled_with_role, force_change, mark_pending, password_history, push_password_history,
    set_activation_code, set_activation_expiry,
};
pub use super::session_store::{
    NewSession, SessionAuth, delete_other_sessions, delete_session, find_session, get_setting,
    insert_session, purge_sessions, put_setting, set_current_org, touch_session,
};

/// Disables every account linked to a member record and ends their sessions (the member left
/// the Party, was transferred out, or died). Returns how many accounts were disabled.
///
/// # Errors
/// Database failures.
pub async fn disable_member_accounts(
    ex: &mut Exec<'_>,
    member_id: i64,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    on!(ex, c => sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE member_id = $1)")
        .bind(member_id).execute(c).await?.rows_affected());
    Ok(
        on!(ex, c => sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE member_id = $1 AND disabled = $4")
        .bind(member_id).bind(true).bind(now).bind(false).execute(c).await?.rows_affected()),
    )
}

/// Which of these login names are already used (checked 500 at a time).
///
/// # Errors
/// Database failures.
pub async fn taken_usernames(ex: &mut Exec<'_>, names: &[String]) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in names.chunks(500) {
        let rows: Vec<String> = on!(ex, c => {
            let mut qb = sqlx::QueryBuilder::new("SELECT username FROM users WHERE username IN (");
            let mut sep = qb.separated(", ");
            for n in chunk {
                sep.push_bind(n.clone());
            }
            qb.push(")");
            qb.build_query_scalar().fetch_all(c).await?
        });
        out.extend(rows);
    }
    Ok(out)
}
