//! Unlocking, disabling and re-enabling accounts, each by the administrator whose duty it is
//! (SEC-18): the 安全管理员 unlocks; the 系统管理员 disables business accounts and the 安全管理员
//! the 三员.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};

use super::duties;
use super::model::{Role, normalize_username};
use super::service::AuthError;
use super::store;
use super::users::{By, check_triad_limit, not_found};

/// Clears a lockout (安全管理员).
///
/// # Errors
/// [`AuthError::Denied`] or [`AuthError::NotFound`].
pub async fn unlock(app: &App, actor: &Actor, by: By<'_>, user_id: i64) -> Result<(), AuthError> {
    if let By::Admin { role, .. } = by
        && role != Role::SecurityAdmin
    {
        return Err(AuthError::Denied);
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let user = store::get_user(&mut w.exec(), user_id)
                .await
                .map_err(not_found)?;
            store::unlock(&mut w.exec(), user_id, now).await?;
            w.audit(AuditEvent::success("user.unlock", "user", user_id).detail(user.display_name))
                .await?;
            Ok(())
        })
        .await
}

/// Disables or re-enables an account; disabling ends its sessions. Nobody disables themselves,
/// and re-enabling a 三员 account respects the limit per role.
///
/// # Errors
/// [`AuthError::Denied`], [`AuthError::NotFound`] or [`AuthError::Invalid`].
pub async fn set_disabled(
    app: &App,
    actor: &Actor,
    by: By<'_>,
    user_id: i64,
    disabled: bool,
) -> Result<(), AuthError> {
    if actor.user_id == Some(user_id) {
        return Err(AuthError::Invalid("不能停用自己的账号".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let user = store::get_user(&mut w.exec(), user_id)
                .await
                .map_err(not_found)?;
            let role = Role::from_code(&user.role).unwrap_or(Role::Member);
            if let By::Admin { role: mine, .. } = by
                && !duties::may_toggle(mine, role)
            {
                return Err(AuthError::Denied);
            }
            if !disabled && user.disabled {
                check_triad_limit(app, &mut w.exec(), role).await?;
            }
            store::set_disabled(&mut w.exec(), user_id, disabled, now).await?;
            if disabled {
                store::delete_other_sessions(&mut w.exec(), user_id, None).await?;
            }
            let action = if disabled {
                "user.disable"
            } else {
                "user.enable"
            };
            w.audit(AuditEvent::success(action, "user", user_id).detail(user.display_name))
                .await?;
            Ok(())
        })
        .await
}

/// Finds an account id by username (CLI).
///
/// # Errors
/// [`AuthError::NotFound`].
pub async fn id_by_username(app: &App, username: &str) -> Result<i64, AuthError> {
    let u = normalize_username(username).map_err(|_| AuthError::NotFound)?;
    store::find_user_by_username(&mut app.db.conn().await?.exec(), &u)
        .await?
        .map(|u| u.id)
        .ok_or(AuthError::NotFound)
}
