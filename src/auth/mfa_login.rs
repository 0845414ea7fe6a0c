//! The second step of a login (SEC-08): a right password for an account with a second factor
//! gives only a short-lived pending login, held in its own cookie. The session is created when
//! the code is accepted, with a new token (SEC-14), so the password alone never yields one.

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::{StoreResult, Tx};
use crate::shared::token::new_token;

use super::mfa::{check_code, count_failure};
use super::mfa_store as fs;
use super::service::{AuthError, NewLogin, open_session, token_hash};
use super::store::{self, UserRow};

/// Minutes a pending login waits for its code.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Wrong codes on one pending login before it is dropped (each also counts toward the lockout).
const MAX_ATTEMPTS: i64 = 5;

/// Starts the second step; returns the token for the pending-login cookie.
///
/// # Errors
/// Database failures.
pub async fn open_challenge(
    tx: &mut Tx,
    actor: &Actor,
    user: &UserRow,
    next: &str,
    now: OffsetDateTime,
) -> StoreResult<String> {
    let token = new_token();
    let expires = now + Duration::minutes(CHALLENGE_MINUTES);
    fs::insert_challenge(
        &mut tx.exec(),
        &token_hash(&token),
        user.id,
        next,
        now,
        expires,
    )
    .await?;
    let ev = AuditEvent::success("auth.second_factor_challenge", "user", user.id)
        .detail("密码正确，等待动态验证码");
    audit::record(tx, actor, now, ev).await?;
    Ok(token)
}

/// Why a code did not complete the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeError {
    /// The pending login is unknown, expired or was dropped: start again with the password.
    Gone(&'static str),
    /// Wrong code; the user may try again.
    Wrong,
}

/// Completes a pending login with a code; returns the session and where to go.
///
/// # Errors
/// [`ChallengeError`] for the user, [`AuthError`] for storage failures.
pub async fn complete_challenge(
    app: &App,
    actor: &Actor,
    ticket: &str,
    code: &str,
    user_agent: &str,
) -> Result<Result<(NewLogin, String), ChallengeError>, AuthError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let Some(ch) = fs::find_challenge(&mut tx.exec(), &token_hash(ticket)).await? else {
        return Ok(Err(ChallengeError::Gone(
            "登录已超时，请重新输入用户名和密码",
        )));
    };
    if ch.expires_at <= now {
        fs::delete_challenge(&mut tx.exec(), ch.id).await?;
        tx.commit().await?;
        return Ok(Err(ChallengeError::Gone(
            "登录已超时，请重新输入用户名和密码",
        )));
    }
    let user = store::get_user(&mut tx.exec(), ch.user_id).await?;
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        role: user.role.clone(),
        ..actor.clone()
    };
    if user.disabled || user.locked_until.is_some_and(|t| t > now) {
        fs::delete_challenge(&mut tx.exec(), ch.id).await?;
        tx.commit().await?;
        return Ok(Err(ChallengeError::Gone("用户名或密码错误")));
    }
    if !check_code(app, &mut tx, &actor, user.id, code, now).await? {
        fs::bump_challenge(&mut tx.exec(), ch.id).await?;
        let locked = count_failure(app, &mut tx, &actor, &user, "登录：动态验证码错误").await?;
        let dropped = locked || ch.attempts + 1 >= MAX_ATTEMPTS;
        if dropped {
            fs::delete_challenge(&mut tx.exec(), ch.id).await?;
        }
        tx.commit().await?;
        return Ok(Err(if dropped {
            ChallengeError::Gone("验证码错误次数过多，请稍后重新登录")
        } else {
            ChallengeError::Wrong
        }));
    }
    // A parallel request that used the same pending login first wins; this one starts over.
    if !fs::delete_challenge(&mut tx.exec(), ch.id).await? {
        return Ok(Err(ChallengeError::Gone(
            "登录已超时，请重新输入用户名和密码",
        )));
    }
    store::record_success(&mut tx.exec(), user.id, None, now).await?;
    let login = open_session(app, &mut tx, actor, user, "web", user_agent, now).await?;
    tx.commit().await?;
    Ok(Ok((login, ch.next_path)))
}
