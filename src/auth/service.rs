//! Login with lockout, sessions and password changes; every outcome is audited.

use std::fmt::Write as _;

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::db::StoreError;
use crate::shared::text::one_line;
use crate::shared::token::{new_token, normalize_code, sm3_hex};

use super::duties;
use super::model::{PasswordRules, Role, normalize_username};
use super::password;
use super::store::{self, NewSession, SessionAuth, UserRow};

/// Failures of the account area.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong username or password, unknown, locked or disabled: one message for all (SEC-06).
    #[error("用户名或密码错误")]
    InvalidCredentials,
    /// A policy or input problem; the text is for the user.
    #[error("{0}")]
    Invalid(String),
    /// The username is taken.
    #[error("用户名已被使用")]
    UsernameTaken,
    /// No such account (administration).
    #[error("账号不存在")]
    NotFound,
    /// The right password, but the account is locked after repeated failures until the time
    /// given (China time, "hh:mm"). Only the right password learns this, so it tells a guesser
    /// nothing about which usernames exist (SEC-06).
    #[error("账号因多次密码错误已锁定，请于 {0} 后再试，或联系安全管理员解锁")]
    Locked(String),
    /// The right activation code, but too late (SEC-05).
    #[error("激活码已过期，请联系支部重新发放")]
    ActivationExpired,
    /// Not this administrator's duty (SEC-18).
    #[error("您没有权限执行此操作")]
    Denied,
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failure.
    #[error("password hashing failed")]
    Hash,
    /// The password was right but the account's second factor code is missing (API).
    #[error("请输入动态验证码")]
    SecondFactorRequired,
}

/// A freshly created session.
#[derive(Debug, Clone)]
pub struct NewLogin {
    /// The secret token (cookie value / bearer token). Shown once, stored hashed.
    pub token: String,
    /// The account.
    pub user: UserRow,
}

/// Digest of a session token as stored.
#[must_use]
pub fn token_hash(token: &str) -> String {
    sm3_hex(token.as_bytes())
}

/// Short tag linking audit rows to a session without revealing it.
#[must_use]
pub fn session_tag(token: &str) -> String {
    token_hash(token).chars().take(12).collect()
}

/// The policy settings from configuration.
#[must_use]
pub fn password_rules(app: &App) -> PasswordRules {
    PasswordRules {
        min_member: app.config.auth.min_password_length_member as usize,
        min_privileged: app.config.auth.min_password_length_privileged as usize,
    }
}

pub(crate) async fn verify_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .unwrap_or(false)
}

/// Hashes off the async threads: a hash takes tens of milliseconds by design.
/// Checks what was typed against a stored hash; an account still on its activation code also
/// accepts the code typed in any case and without its hyphen.
pub(crate) async fn verify_typed(typed: &str, hash: &str, activation: bool) -> bool {
    verify_blocking(typed.to_owned(), hash.to_owned()).await
        || (activation && verify_blocking(normalize_code(typed), hash.to_owned()).await)
}

pub(crate) async fn hash_blocking(app: &App, password: String) -> Result<String, AuthError> {
    let h = app.hasher;
    tokio::task::spawn_blocking(move || h.hash(&password))
        .await
        .map_err(|_| AuthError::Hash)?
        .map_err(|_| AuthError::Hash)
}

/// Checks credentials and opens a session. Unknown users are checked against a dummy hash so
/// timing does not reveal which accounts exist; failures count towards the lockout.
///
/// # Errors
/// [`AuthError::InvalidCredentials`] for every kind of refusal.
pub async fn login(
    app: &App,
    actor: &Actor,
    username: &str,
    pw: &str,
    kind: &str,
    user_agent: &str,
    second: SecondStep<'_>,
) -> Result<LoginOutcome, AuthError> {
    let shown: String = one_line(username.trim()).chars().take(32).collect();
    let user = match normalize_username(username) {
        Ok(u) => store::find_user_by_username(&mut app.db.conn().await?.exec(), &u).await?,
        Err(_) => None,
    };
    let hash = user.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let activation = user
        .as_ref()
        .is_some_and(|u| u.activation_expires_at.is_some());
    let ok = verify_typed(pw, &hash, activation).await;
    let now = app.now();
    // The typed name is kept only masked (it may be a mobile number, SEC-53).
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        name: user
            .as_ref()
            .map_or_else(|| "未知账号".to_owned(), |u| u.display_name.clone()),
        login: shown,
        ..actor.clone()
    };
    let mut tx = app.db.begin().await?;
    // Unknown, disabled and locked accounts are refused alike; only the audit row tells why.
    let refusal = match &user {
        None => Some("账号不存在"),
        Some(u) if u.disabled => Some("账号已停用"),
        Some(u) if u.pending_approval => Some("账号待审核"),
        Some(u) if u.locked_until.is_some_and(|t| t > now) => Some("账号锁定中"),
        Some(_) => None,
    };
    let object = user.as_ref().map(|u| u.id.to_string()).unwrap_or_default();
    let fail = |detail: &str| AuditEvent {
        object_id: object.clone(),
        ..AuditEvent::success("auth.login_failed", "user", "")
            .outcome(Outcome::Failure)
            .detail(detail)
    };
    if let Some(u) = &user
        && ok
        && refusal == Some("账号锁定中")
        && let Some(until) = u.locked_until
    {
        audit::record(&mut tx, &actor, now, fail("账号锁定中（密码正确）")).await?;
        tx.commit().await?;
        return Err(AuthError::Locked(crate::shared::text::datetime(until)));
    }
    let (Some(user), None) = (user, refusal) else {
        audit::record(&mut tx, &actor, now, fail(refusal.unwrap_or("账号不存在"))).await?;
        tx.commit().await?;
        return Err(AuthError::InvalidCredentials);
    };
    let ev_id = user.id.to_string();
    if !ok {
        if user.locked_until.is_some() {
            // A lock that has run out starts a fresh count.
            store::unlock(&mut tx.exec(), user.id, now).await?;
        }
        let n = store::increment_failures(&mut tx.exec(), user.id, now).await?;
        audit::record(&mut tx, &actor, now, fail("密码错误")).await?;
        let threshold = i64::from(app.config.auth.lockout_threshold);
        if n >= threshold {
            let until = now + Duration::minutes(i64::from(app.config.auth.lockout_minutes));
            store::lock_until(&mut tx.exec(), user.id, until).await?;
            let ev = AuditEvent::success("auth.locked", "user", &ev_id)
                .detail(format!("连续 {n} 次密码错误"));
            audit::record(&mut tx, &actor, now, ev).await?;
        }
        tx.commit().await?;
        return Err(AuthError::InvalidCredentials);
    }
    if duties::activation_expired(user.activation_expires_at, now) {
        // The code was right, so saying why reveals nothing a guesser could use (SEC-05).
        audit::record(&mut tx, &actor, now, fail("激活码已过期")).await?;
        tx.commit().await?;
        return Err(AuthError::ActivationExpired);
    }
    let role = Role::from_code(&user.role).unwrap_or(Role::Member);
    let max_age = app.config.auth.password_max_age_days;
    if !user.must_change_password
        && duties::password_expired(role, user.password_changed_at, now, max_age)
    {
        store::force_change(&mut tx.exec(), user.id).await?;
        let ev = AuditEvent::success("auth.password_expired", "user", &ev_id)
            .detail(format!("密码已使用超过 {max_age} 天，须修改"));
        audit::record(&mut tx, &actor, now, ev).await?;
    }
    // An enrolled account proves the second factor before any session exists (SEC-08); the
    // failure count is only cleared once it has.
    if super::mfa::is_enrolled(&mut tx, user.id).await? {
        match second {
            SecondStep::Challenge { next } => {
                let ticket =
                    super::mfa_login::open_challenge(&mut tx, &actor, &user, next, now).await?;
                tx.commit().await?;
                return Ok(LoginOutcome::Challenge(ticket));
            }
            SecondStep::Code(None) => {
                audit::record(&mut tx, &actor, now, fail("缺少动态验证码")).await?;
                tx.commit().await?;
                return Err(AuthError::SecondFactorRequired);
            }
            SecondStep::Code(Some(code)) => {
                if !super::mfa::check_code(app, &mut tx, &actor, user.id, code, now).await? {
                    super::mfa::count_failure(app, &mut tx, &actor, &user, "动态验证码错误")
                        .await?;
                    tx.commit().await?;
                    return Err(AuthError::InvalidCredentials);
                }
            }
        }
    }
    let rehash = if app.hasher.needs_rehash(&user.password_hash) {
        Some(hash_blocking(app, pw.to_owned()).await?)
    } else {
        None
    };
    store::record_success(&mut tx.exec(), user.id, rehash.as_deref(), now).await?;
    let login = open_session(app, &mut tx, actor, user, kind, user_agent, now).await?;
    tx.commit().await?;
    Ok(LoginOutcome::Session(Box::new(login)))
}

/// What comes after a right password for an account with a second factor.
#[derive(Debug, Clone, Copy)]
pub enum SecondStep<'a> {
    /// Web: hand back a pending login; the code page completes it and goes to `next`.
    Challenge {
        /// Where to go after the code.
        next: &'a str,
    },
    /// API: the code comes in the same request.
    Code(Option<&'a str>),
}

/// The result of a right password.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in.
    Session(Box<NewLogin>),
    /// The code is still needed; the token of the pending login (for its own cookie).
    Challenge(String),
}

/// Opens a session for an account whose credentials were just proved, in the caller's
/// transaction; the session counts as freshly confirmed for step-up (SEC-16).
pub(crate) async fn open_session(
    app: &App,
    tx: &mut crate::db::Tx,
    actor: Actor,
    user: UserRow,
    kind: &str,
    user_agent: &str,
    now: OffsetDateTime,
) -> Result<NewLogin, AuthError> {
    // The three administrators hold one session at a time (SEC-15): a new login replaces the old.
    let replaced = if Role::from_code(&user.role).is_some_and(Role::is_admin_triad) {
        store::delete_other_sessions(&mut tx.exec(), user.id, None).await?
    } else {
        0
    };
    let token = new_token();
    let csrf = new_token();
    let th = token_hash(&token);
    let ua: String = one_line(user_agent).chars().take(200).collect();
    let expires_at = now + Duration::hours(i64::from(app.config.auth.absolute_timeout_hours));
    let ns = NewSession {
        token_hash: &th,
        user_id: user.id,
        csrf_token: &csrf,
        kind,
        ip: &actor.ip,
        user_agent: &ua,
        expires_at,
    };
    let sid = store::insert_session(&mut tx.exec(), &ns, now).await?;
    super::mfa_store::set_confirmed(&mut tx.exec(), sid, now).await?;
    let actor = Actor {
        session_tag: session_tag(&token),
        name: user.display_name.clone(),
        login: user.username.clone(),
        role: user.role.clone(),
        ..actor
    };
    let mut detail = if kind == "api" {
        "接口令牌".to_owned()
    } else {
        "网页".to_owned()
    };
    if replaced > 0 {
        let _ = write!(detail, "，替换原有会话 {replaced} 个");
    }
    audit::record(
        tx,
        &actor,
        now,
        AuditEvent::success("auth.login", "user", user.id).detail(detail),
    )
    .await?;
    Ok(NewLogin { token, user })
}

/// Whether a session has run past its idle or absolute limit.
#[must_use]
pub fn session_expired(app: &App, s: &SessionAuth, now: OffsetDateTime) -> bool {
    let idle = idle_limit(app, Role::from_code(&s.role).unwrap_or(Role::Member));
    now >= s.expires_at || now - s.last_seen_at >= idle
}

/// The idle limit for a role: the 三员 get the shorter one (SEC-13).
#[must_use]
pub fn idle_limit(app: &App, role: Role) -> Duration {
    let m = if role.is_admin_triad() {
        app.config.auth.idle_timeout_minutes_admin
    } else {
        app.config.auth.idle_timeout_minutes
    };
    Duration::minutes(i64::from(m))
}

/// Ends the caller's session.
///
/// # Errors
/// Storage failures.
pub async fn logout(
    app: &App,
    actor: &Actor,
    user_id: i64,
    session_id: i64,
) -> Result<(), AuthError> {
    let mut tx = app.db.begin().await?;
    store::delete_session(&mut tx.exec(), user_id, session_id).await?;
    audit::record(
        &mut tx,
        actor,
        app.now(),
        AuditEvent::success("auth.logout", "session", session_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub use super::password_change::change_password;

/// Ends one of the caller's own sessions, or all others when `id` is `None`.
///
/// # Errors
/// Storage failures.
pub async fn revoke_sessions(
    app: &App,
    actor: &Actor,
    user_id: i64,
    current: i64,
    id: Option<i64>,
) -> Result<u64, AuthError> {
    let mut tx = app.db.begin().await?;
    let n = match id {
        Some(id) => u64::from(store::delete_session(&mut tx.exec(), user_id, id).await?),
        None => store::delete_other_sessions(&mut tx.exec(), user_id, Some(current)).await?,
    };
    let what = id.map_or_else(|| "其他全部会话".to_owned(), |i| format!("会话 {i}"));
    let ev = AuditEvent::success("session.revoke", "session", id.unwrap_or(current))
        .detail(format!("{what}，共 {n} 个"));
    audit::record(&mut tx, actor, app.now(), ev).await?;
    tx.commit().await?;
    Ok(n)
}

/// What other areas and the command line need of accounts and settings.
pub use super::store::{
    NewUser, count_users, disable_member_accounts, get_setting, insert_user, purge_sessions,
    put_setting, set_activation_expiry, set_current_org, taken_usernames,
};
