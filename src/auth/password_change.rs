//! Changing one's own password: the current one (or the activation code) first, then the
//! policy and the history (SEC-05); the other sessions end with the change.

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent, Outcome};

use super::model::{Role, check_password};
use super::password;
use super::service::{AuthError, hash_blocking, password_rules, verify_typed};
use super::store;

/// Changes the caller's password after checking the current one; other sessions end.
///
/// # Errors
/// [`AuthError::Invalid`] with the reason when the current password is wrong or the new one
/// breaks the policy.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    user_id: i64,
    keep_session: i64,
    current: &str,
    new: &str,
) -> Result<(), AuthError> {
    let user = store::get_user(&mut app.db.conn().await?.exec(), user_id).await?;
    let activation = user.activation_expires_at.is_some();
    if !verify_typed(current, &user.password_hash, activation).await {
        let mut tx = app.db.begin().await?;
        let ev = AuditEvent::success("auth.password_change", "user", user_id)
            .outcome(Outcome::Failure)
            .detail("原密码错误");
        audit::record(&mut tx, actor, app.now(), ev).await?;
        tx.commit().await?;
        return Err(AuthError::Invalid("原密码不正确".into()));
    }
    let role = Role::from_code(&user.role).unwrap_or(Role::Member);
    check_password(new, &user.username, role, password_rules(app)).map_err(AuthError::Invalid)?;
    if current == new {
        return Err(AuthError::Invalid("新密码不能与原密码相同".into()));
    }
    // SEC-05: the current password and the ones before it, `password_history` in all.
    let keep = i64::from(app.config.auth.password_history.saturating_sub(1));
    let earlier = if keep > 0 {
        store::password_history(&mut app.db.conn().await?.exec(), user_id, keep).await?
    } else {
        Vec::new()
    };
    if reused(new, earlier).await {
        let n = app.config.auth.password_history;
        return Err(AuthError::Invalid(format!(
            "新密码不能与最近 {n} 次使用过的密码相同"
        )));
    }
    let hash = hash_blocking(app, new.to_owned()).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    // An activation code is not a password the user chose, so it takes no place in the history.
    if keep > 0 && user.activation_expires_at.is_none() {
        store::push_password_history(&mut tx.exec(), user_id, &user.password_hash, keep, now)
            .await?;
    }
    store::set_password(&mut tx.exec(), user_id, &hash, false, now).await?;
    let ended = store::delete_other_sessions(&mut tx.exec(), user_id, Some(keep_session)).await?;
    let ev = AuditEvent::success("auth.password_change", "user", user_id)
        .detail(format!("同时注销其他会话 {ended} 个"));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `candidate` matches any of the stored hashes (checked off the async threads).
async fn reused(candidate: &str, hashes: Vec<String>) -> bool {
    if hashes.is_empty() {
        return false;
    }
    let c = candidate.to_owned();
    tokio::task::spawn_blocking(move || hashes.iter().any(|h| password::verify(&c, h)))
        .await
        .unwrap_or(true)
}
