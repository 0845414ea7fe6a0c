//! Second-factor use cases (SEC-08): enrolment with recovery codes, checking a code (TOTP or
//! a single-use recovery code), disabling, and step-up re-authentication (SEC-16). Every
//! outcome is audited; wrong codes count toward the account lockout like wrong passwords.

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::db::{StoreResult, Tx};
use crate::shared::token::new_token;

use super::mfa_store as fs;
use super::second_factor::factor_of;
use super::service::{AuthError, token_hash, verify_blocking};
use super::store::{self, UserRow};
use super::totp;
use crate::shared::crypto::aad;

/// An unconfirmed enrolment is kept this long, so reloading the page shows the same QR code.
const PENDING_MINUTES: i64 = 30;

/// Where an account stands with its second factor.
#[derive(Debug, Clone)]
pub enum Enrolment {
    /// Enrolled since, with this many unused recovery codes.
    Enrolled {
        /// Confirmed at.
        since: OffsetDateTime,
        /// Unused recovery codes.
        recovery_left: i64,
    },
    /// Waiting for the first code of this new secret.
    Pending {
        /// The secret, to show as a QR code and in groups.
        secret: Vec<u8>,
    },
}

fn secret_aad(user_id: i64) -> Vec<u8> {
    aad("user_second_factors", "secret", user_id)
}

fn recovery_mac(app: &App, user_id: i64, code: &str) -> String {
    hex::encode(
        app.keys
            .mac("auth.recovery_code", format!("{user_id}:{code}").as_bytes()),
    )
}

/// Whether the account has a confirmed second factor.
///
/// # Errors
/// Database failures.
pub async fn is_enrolled(tx: &mut Tx, user_id: i64) -> StoreResult<bool> {
    Ok(fs::get_factor(&mut tx.exec(), user_id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some()))
}

/// The account's state, starting (or reusing) a pending enrolment when it has none.
///
/// # Errors
/// Storage failures.
pub async fn enrolment(app: &App, user_id: i64) -> Result<Enrolment, AuthError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = fs::get_factor(&mut tx.exec(), user_id).await?;
    if let Some(f) = &row {
        if let Some(since) = f.confirmed_at {
            let recovery_left = fs::recovery_left(&mut tx.exec(), user_id).await?;
            tx.commit().await?;
            return Ok(Enrolment::Enrolled {
                since,
                recovery_left,
            });
        }
        if now - f.created_at < Duration::minutes(PENDING_MINUTES)
            && let Ok(secret) = app.keys.open(&secret_aad(user_id), &f.secret)
        {
            tx.commit().await?;
            return Ok(Enrolment::Pending { secret });
        }
    }
    let secret = totp::new_secret().to_vec();
    let sealed = app.keys.seal(&secret_aad(user_id), &secret);
    fs::insert_pending(&mut tx.exec(), user_id, "totp", &sealed, now).await?;
    tx.commit().await?;
    Ok(Enrolment::Pending { secret })
}

/// Completes enrolment with the first code: stores ten recovery codes (digests only) and gives
/// the session a new token (SEC-14). Returns the codes, shown once, and the new token.
///
/// # Errors
/// [`AuthError::Invalid`] when the code is wrong or nothing is pending.
pub async fn confirm_enrolment(
    app: &App,
    actor: &Actor,
    user_id: i64,
    session_id: i64,
    code: &str,
) -> Result<(Vec<String>, String), AuthError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = fs::get_factor(&mut tx.exec(), user_id)
        .await?
        .filter(|f| f.confirmed_at.is_none())
        .ok_or_else(|| AuthError::Invalid("请刷新页面，重新扫描二维码".into()))?;
    let step = app
        .keys
        .open(&secret_aad(user_id), &row.secret)
        .ok()
        .and_then(|s| factor_of(&row.kind, s))
        .and_then(|f| f.verify(code, now, 0));
    let Some(step) = step else {
        let ev = AuditEvent::success("auth.second_factor_enrol", "user", user_id)
            .outcome(Outcome::Failure)
            .detail("首个验证码错误");
        audit::record(&mut tx, actor, now, ev).await?;
        tx.commit().await?;
        return Err(AuthError::Invalid(
            "验证码不正确，请核对手机时间是否准确后重新输入".into(),
        ));
    };
    if !fs::confirm_factor(&mut tx.exec(), user_id, step, now).await? {
        return Err(AuthError::Invalid("请刷新页面，重新扫描二维码".into()));
    }
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::new_recovery_code())
        .collect();
    let macs: Vec<String> = codes
        .iter()
        .map(|c| recovery_mac(app, user_id, c))
        .collect();
    fs::replace_recovery(&mut tx.exec(), user_id, &macs, now).await?;
    let token = new_token();
    fs::rotate_session(&mut tx.exec(), session_id, &token_hash(&token)).await?;
    fs::set_confirmed(&mut tx.exec(), session_id, now).await?;
    let ev = AuditEvent::success("auth.second_factor_enrol", "user", user_id)
        .detail(format!("动态验证码，恢复码 {} 个", codes.len()));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok((codes, token))
}

/// Checks a code typed by the account holder: a current TOTP code not used before, or an
/// unused recovery code, which is then spent and audited.
///
/// # Errors
/// Database failures.
pub async fn check_code(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    input: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let Some(row) = fs::get_factor(&mut tx.exec(), user_id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
    else {
        return Ok(false);
    };
    if totp::normalize_code(input).is_some() {
        let step = app
            .keys
            .open(&secret_aad(user_id), &row.secret)
            .ok()
            .and_then(|s| factor_of(&row.kind, s))
            .and_then(|f| f.verify(input, now, row.last_step));
        return match step {
            Some(s) => fs::advance_step(&mut tx.exec(), user_id, s).await,
            None => Ok(false),
        };
    }
    let Some(code) = totp::normalize_recovery(input) else {
        return Ok(false);
    };
    if !fs::use_recovery(
        &mut tx.exec(),
        user_id,
        &recovery_mac(app, user_id, &code),
        now,
    )
    .await?
    {
        return Ok(false);
    }
    let left = fs::recovery_left(&mut tx.exec(), user_id).await?;
    let ev = AuditEvent::success("auth.recovery_code_used", "user", user_id)
        .detail(format!("剩余 {left} 个"));
    audit::record(tx, actor, now, ev).await?;
    Ok(true)
}

/// Counts a wrong code (or a wrong step-up password) toward the lockout, like a wrong password
/// at login, and audits it.
///
/// # Errors
/// Database failures.
pub async fn count_failure(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    user: &UserRow,
    detail: &str,
) -> StoreResult<bool> {
    let now = app.now();
    if user.locked_until.is_some_and(|t| t <= now) {
        store::unlock(&mut tx.exec(), user.id, now).await?;
    }
    let n = store::increment_failures(&mut tx.exec(), user.id, now).await?;
    let ev = AuditEvent::success("auth.second_factor_failed", "user", user.id)
        .outcome(Outcome::Failure)
        .detail(detail);
    audit::record(tx, actor, now, ev).await?;
    let locked = n >= i64::from(app.config.auth.lockout_threshold);
    if locked {
        let until = now + Duration::minutes(i64::from(app.config.auth.lockout_minutes));
        store::lock_until(&mut tx.exec(), user.id, until).await?;
        let ev = AuditEvent::success("auth.locked", "user", user.id)
            .detail(format!("连续 {n} 次验证失败"));
        audit::record(tx, actor, now, ev).await?;
    }
    Ok(locked)
}

/// Turns the second factor off after the password and a current code (or a recovery code).
///
/// # Errors
/// [`AuthError::Invalid`] when either is wrong or the account is locked.
pub async fn disable(
    app: &App,
    actor: &Actor,
    user_id: i64,
    password: &str,
    code: &str,
) -> Result<(), AuthError> {
    let user = store::get_user(&mut app.db.conn().await?.exec(), user_id).await?;
    let now = app.now();
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(AuthError::Invalid(LOCKED.into()));
    }
    let pw_ok = verify_blocking(password.to_owned(), user.password_hash.clone()).await;
    let mut tx = app.db.begin().await?;
    let ok = pw_ok && check_code(app, &mut tx, actor, user_id, code, now).await?;
    if !ok {
        count_failure(app, &mut tx, actor, &user, "停用两步验证：密码或验证码错误").await?;
        tx.commit().await?;
        return Err(AuthError::Invalid("密码或验证码不正确".into()));
    }
    fs::delete_factor(&mut tx.exec(), user_id).await?;
    let ev = AuditEvent::success("auth.second_factor_disable", "user", user_id);
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
}

const LOCKED: &str = "尝试次数过多，账号已临时锁定，请稍后再试";

/// Step-up (SEC-16): the password, or a current code when the account has a second factor,
/// entered again; on success the session counts as confirmed for `auth.step_up_minutes`.
///
/// # Errors
/// [`AuthError::Invalid`] when wrong (counted toward the lockout) or while locked.
pub async fn step_up(
    app: &App,
    actor: &Actor,
    user_id: i64,
    session_id: i64,
    secret: &str,
) -> Result<(), AuthError> {
    let user = store::get_user(&mut app.db.conn().await?.exec(), user_id).await?;
    let now = app.now();
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(AuthError::Invalid(LOCKED.into()));
    }
    // A password is at least eight characters, so six digits can only be a code.
    let is_code = totp::normalize_code(secret).is_some();
    let pw_ok = !is_code && verify_blocking(secret.to_owned(), user.password_hash.clone()).await;
    let mut tx = app.db.begin().await?;
    let ok = pw_ok || (is_code && check_code(app, &mut tx, actor, user_id, secret, now).await?);
    if !ok {
        let ev = AuditEvent::success("auth.step_up", "session", session_id)
            .outcome(Outcome::Failure)
            .detail(if is_code {
                "验证码错误"
            } else {
                "密码错误"
            });
        audit::record(&mut tx, actor, now, ev).await?;
        let locked = count_failure(app, &mut tx, actor, &user, "再次验证身份失败").await?;
        tx.commit().await?;
        return Err(AuthError::Invalid(if locked {
            LOCKED.into()
        } else {
            "密码或验证码不正确".into()
        }));
    }
    store::unlock(&mut tx.exec(), user_id, now).await?;
    fs::set_confirmed(&mut tx.exec(), session_id, now).await?;
    let ev = AuditEvent::success("auth.step_up", "session", session_id).detail(if is_code {
        "动态验证码"
    } else {
        "密码"
    });
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes an account's second factor for someone who lost both the phone and the recovery
/// codes (command line on the server only): the account enrols again at next login, and its
/// sessions end.
///
/// # Errors
/// Storage failures.
pub async fn reset_by_operator(app: &App, actor: &Actor, user_id: i64) -> Result<(), AuthError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    fs::delete_factor(&mut tx.exec(), user_id).await?;
    let ended = store::delete_other_sessions(&mut tx.exec(), user_id, None).await?;
    let ev = AuditEvent::success("auth.second_factor_reset", "user", user_id)
        .detail(format!("同时注销会话 {ended} 个"));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
}
