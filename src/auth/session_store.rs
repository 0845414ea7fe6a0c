//! SQL for server-side sessions and the small table of installation facts.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A session joined with its account and the account's organisation: what every request needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionAuth {
    /// Session id.
    pub session_id: i64,
    /// CSRF token bound to the session.
    pub csrf_token: String,
    /// `web` or `api`.
    pub kind: String,
    /// Organisation chosen in the switcher.
    pub current_org_id: Option<i64>,
    /// Session start.
    pub started_at: OffsetDateTime,
    /// Last activity.
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// Account id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Account organisation.
    pub org_id: Option<i64>,
    /// Member record.
    pub member_id: Option<i64>,
    /// Forced change pending.
    pub must_change_password: bool,
    /// Disabled.
    pub disabled: bool,
    /// Organisation path.
    pub org_path: Option<String>,
    /// Organisation kind.
    pub org_kind: Option<String>,
    /// Organisation name.
    pub org_name: Option<String>,
    /// Last password or code proof in this session (SEC-16).
    pub confirmed_at: Option<OffsetDateTime>,
    /// When the account's second factor was enrolled; `None` without one (SEC-08).
    pub second_factor_at: Option<OffsetDateTime>,
}

/// Looks a session up by the digest of its token.
///
/// # Errors
/// Database failures.
pub async fn find_session(ex: &mut Exec<'_>, token_hash: &str) -> StoreResult<Option<SessionAuth>> {
    const SQL: &str = "SELECT s.id AS session_id, s.csrf_token, s.kind, s.current_org_id, s.created_at AS started_at,
        s.last_seen_at, s.expires_at, u.id AS user_id, u.username, u.display_name, u.role, u.org_id, u.member_id,
        u.must_change_password, u.disabled, o.path AS org_path, o.kind AS org_kind, o.name AS org_name,
        s.confirmed_at, f.confirmed_at AS second_factor_at
        FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id
        LEFT JOIN user_second_factors f ON f.user_id = u.id
        WHERE s.token_hash = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await?))
}

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Digest of the token.
    pub token_hash: &'a str,
    /// Account.
    pub user_id: i64,
    /// CSRF token.
    pub csrf_token: &'a str,
    /// `web` or `api`.
    pub kind: &'a str,
    /// Client address.
    pub ip: &'a str,
    /// Browser.
    pub user_agent: &'a str,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
}

/// Inserts a session.
///
/// # Errors
/// Database failures.
pub async fn insert_session(
    ex: &mut Exec<'_>,
    s: &NewSession<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO sessions (token_hash, user_id, csrf_token, kind, ip, user_agent, created_at,
        last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL)
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.csrf_token)
        .bind(s.kind)
        .bind(s.ip)
        .bind(s.user_agent)
        .bind(now)
        .bind(s.expires_at)
        .fetch_one(c)
        .await?))
}

/// Records activity.
///
/// # Errors
/// Database failures.
pub async fn touch_session(ex: &mut Exec<'_>, id: i64, now: OffsetDateTime) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1").bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets the organisation chosen in the switcher.
///
/// # Errors
/// Database failures.
pub async fn set_current_org(ex: &mut Exec<'_>, id: i64, org_id: i64) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE sessions SET current_org_id = $2 WHERE id = $1").bind(id).bind(org_id).execute(c).await?.rows_affected());
    Ok(())
}

/// Ends a session of a given user; returns whether one was removed.
///
/// # Errors
/// Database failures.
pub async fn delete_session(ex: &mut Exec<'_>, user_id: i64, id: i64) -> StoreResult<bool> {
    let n = on!(ex, c => sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id).bind(user_id).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Ends all of a user's sessions except `keep`; returns how many.
///
/// # Errors
/// Database failures.
pub async fn delete_other_sessions(
    ex: &mut Exec<'_>,
    user_id: i64,
    keep: Option<i64>,
) -> StoreResult<u64> {
    let keep = keep.unwrap_or(-1);
    Ok(
        on!(ex, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id).bind(keep).execute(c).await?.rows_affected()),
    )
}

/// A session as listed to its owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListing {
    /// Id.
    pub id: i64,
    /// `web` or `api`.
    pub kind: String,
    /// Address.
    pub ip: String,
    /// Browser.
    pub user_agent: String,
    /// Started.
    pub created_at: OffsetDateTime,
    /// Last activity.
    pub last_seen_at: OffsetDateTime,
}

/// A user's sessions, most recent first.
///
/// # Errors
/// Database failures.
pub async fn list_sessions(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<Vec<SessionListing>> {
    const SQL: &str = "SELECT id, kind, ip, user_agent, created_at, last_seen_at FROM sessions
        WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(user_id).fetch_all(c).await?))
}

/// Removes sessions past their absolute expiry or idle since before `idle_cutoff`.
///
/// # Errors
/// Database failures.
pub async fn purge_sessions(
    ex: &mut Exec<'_>,
    now: OffsetDateTime,
    idle_cutoff: OffsetDateTime,
) -> StoreResult<u64> {
    Ok(
        on!(ex, c => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
        .bind(now).bind(idle_cutoff).execute(c).await?.rows_affected()),
    )
}

/// Reads a system setting.
///
/// # Errors
/// Database failures.
pub async fn get_setting(ex: &mut Exec<'_>, key: &str) -> StoreResult<Option<String>> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT value FROM system_settings WHERE key = $1").bind(key).fetch_optional(c).await?))
}

/// Writes a system setting.
///
/// # Errors
/// Database failures.
pub async fn put_setting(ex: &mut Exec<'_>, key: &str, value: &str) -> StoreResult<()> {
    on!(ex, c => sqlx::query("INSERT INTO system_settings (key, value) VALUES ($1, $2)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key).bind(value).execute(c).await?.rows_affected());
    Ok(())
}
