//! Account administration: creating accounts, resetting passwords, unlocking, disabling.
//! Used by the admin pages (系统管理员 / 安全管理员) and by `zhibu admin`.

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::StoreError;
use crate::shared::token::one_time_password;

use super::model::{Role, check_password, normalize_username};
use super::service::{AuthError, hash_blocking, password_rules};
use super::store::{self, NewUser};

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct CreateUser {
    /// Login name as typed.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organisation (business roles only).
    pub org_id: Option<i64>,
    /// Member record to link (its branch becomes the organisation when none is given).
    pub member_id: Option<i64>,
    /// Initial password; `None` generates a one-time password.
    pub password: Option<String>,
    /// Whether the user must change it at first login.
    pub must_change: bool,
}

/// Creates an account and returns its id and the initial password (generated ones must be
/// handed over once and changed at first login).
///
/// # Errors
/// [`AuthError::Invalid`] with the reason, or [`AuthError::UsernameTaken`].
pub async fn create(
    app: &App,
    actor: &Actor,
    mut input: CreateUser,
) -> Result<(i64, String), AuthError> {
    let username = normalize_username(&input.username).map_err(AuthError::Invalid)?;
    let display = input.display_name.trim().to_owned();
    if display.is_empty() || display.chars().count() > 40 {
        return Err(AuthError::Invalid("姓名需为 1 到 40 个字符".into()));
    }
    if let Some(m) = input.member_id {
        if input.role.is_admin_triad() {
            return Err(AuthError::Invalid("三员账号不能关联党员".into()));
        }
        let found = crate::members::store::get(&mut app.db.conn().await?.exec(), &app.keys, m)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AuthError::Invalid("该党员记录不存在".into()),
                e => e.into(),
            })?;
        input.org_id = input.org_id.or(Some(found.0.org_id));
    }
    match (input.role.is_admin_triad(), input.org_id) {
        (true, Some(_)) => return Err(AuthError::Invalid("三员账号不隶属于任何党组织".into())),
        (false, None) => return Err(AuthError::Invalid("请选择该账号所属的党组织".into())),
        _ => {}
    }
    let password = match input.password {
        Some(p) => {
            check_password(&p, &username, input.role, password_rules(app))
                .map_err(AuthError::Invalid)?;
            p
        }
        None => one_time_password(),
    };
    let hash = hash_blocking(app, password.clone()).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if let Some(org) = input.org_id {
        crate::orgs::store::get(&mut tx.exec(), org)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AuthError::Invalid("所选党组织不存在".into()),
                e => e.into(),
            })?;
    }
    let nu = NewUser {
        username: &username,
        display_name: &display,
        password_hash: &hash,
        role: input.role.code(),
        org_id: input.org_id,
        member_id: input.member_id,
        must_change_password: input.must_change,
    };
    let id = store::insert_user(&mut tx.exec(), &nu, now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => AuthError::UsernameTaken,
            e => e.into(),
        })?;
    let mut ev = AuditEvent::success("user.create", "user", id)
        .detail(format!("{username}（{}）", input.role.label()));
    ev.org_id = input.org_id;
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok((id, password))
}

/// Sets a new one-time password (or the given one), forces a change at next login, clears any
/// lock and ends the user's sessions. Returns the password to hand over.
///
/// # Errors
/// [`AuthError::NotFound`], or [`AuthError::Invalid`] when a given password breaks the policy.
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    user_id: i64,
    given: Option<String>,
) -> Result<String, AuthError> {
    let user = store::get_user(&mut app.db.conn().await?.exec(), user_id)
        .await
        .map_err(not_found)?;
    let role = Role::from_code(&user.role).unwrap_or(Role::Member);
    let password = match given {
        Some(p) => {
            check_password(&p, &user.username, role, password_rules(app))
                .map_err(AuthError::Invalid)?;
            p
        }
        None => one_time_password(),
    };
    let hash = hash_blocking(app, password.clone()).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    store::set_password(&mut tx.exec(), user_id, &hash, true, now).await?;
    let n = store::delete_other_sessions(&mut tx.exec(), user_id, None).await?;
    let ev = AuditEvent::success("user.reset_password", "user", user_id)
        .detail(format!("{}，注销会话 {n} 个", user.username));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(password)
}

/// Clears a lockout (安全管理员).
///
/// # Errors
/// [`AuthError::NotFound`].
pub async fn unlock(app: &App, actor: &Actor, user_id: i64) -> Result<(), AuthError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = store::get_user(&mut tx.exec(), user_id)
        .await
        .map_err(not_found)?;
    store::unlock(&mut tx.exec(), user_id, now).await?;
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success("user.unlock", "user", user_id).detail(user.username),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables or re-enables an account; disabling ends its sessions. Nobody disables themselves.
///
/// # Errors
/// [`AuthError::NotFound`] or [`AuthError::Invalid`].
pub async fn set_disabled(
    app: &App,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<(), AuthError> {
    if actor.user_id == Some(user_id) {
        return Err(AuthError::Invalid("不能停用自己的账号".into()));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let user = store::get_user(&mut tx.exec(), user_id)
        .await
        .map_err(not_found)?;
    store::set_disabled(&mut tx.exec(), user_id, disabled, now).await?;
    if disabled {
        store::delete_other_sessions(&mut tx.exec(), user_id, None).await?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success(action, "user", user_id).detail(user.username),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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

fn not_found(e: StoreError) -> AuthError {
    match e {
        StoreError::NotFound => AuthError::NotFound,
        e => e.into(),
    }
}
