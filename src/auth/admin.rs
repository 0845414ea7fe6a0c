//! Account administration pages, split by duty (SEC-18): the 系统管理员 defines business
//! accounts (they wait "待审核") and disables them; the 安全管理员 approves them, resets
//! passwords, unlocks, and creates the 三员. Every credential leaves on a one-time slip
//! (`admin/activation_slip.html`), shown only in the response to the action that made it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::extract::User;
use crate::auth::scope::Capability;
use crate::shared::text::{datetime, ymd};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::PathId;
use crate::web::layout::{PageCtx, redirect_with, render};

use super::duties;
use super::service::AuthError;
use super::users::{self, By, Credential};
use super::{Role, store};

pub use super::admin_form::{create, new_form};

/// A row of the account list.
pub struct UserView {
    id: i64,
    username: String,
    display_name: String,
    role: &'static str,
    org: String,
    state: &'static str,
    state_class: &'static str,
    last_login: String,
    defined_by: String,
    locked: bool,
    disabled: bool,
    can_approve: bool,
    can_reset: bool,
    can_toggle: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    page: PageCtx,
    users: Vec<UserView>,
    can_manage: bool,
    can_unlock: bool,
    pending: usize,
}

#[derive(Template)]
#[template(path = "admin/activation_slip.html")]
struct SlipPage {
    page: PageCtx,
    heading: &'static str,
    name: String,
    role: &'static str,
    username: String,
    code: String,
    expires: String,
    address: String,
}

/// The gate of every state-changing account action: the capability, then who is acting.
/// A re-authentication (step-up) check belongs here, once for all of them.
pub(super) fn admin_action(u: &User, cap: Capability) -> AppResult<By<'_>> {
    if !u.scope().can(cap) {
        return Err(AppError::Forbidden);
    }
    Ok(By::Admin {
        user_id: u.0.user_id,
        role: u.0.role,
        shown: &u.0.display_name,
    })
}

/// Renders the slip for a credential just issued. It is never stored in a form that can be
/// shown again: leaving the page loses it (the person then needs a new code).
pub(super) async fn slip(
    st: &AppState,
    u: &User,
    heading: &'static str,
    c: Credential,
) -> AppResult<Response> {
    let page = PageCtx::new(st, u, heading, "users").await?.crumbs(vec![
        ("账号管理".into(), Some("/admin/users".into())),
        (heading.into(), None),
    ]);
    render(&SlipPage {
        page,
        heading,
        name: c.display_name,
        role: c.role.label(),
        username: c.username,
        code: c.code,
        expires: ymd(c.expires_at.date()),
        address: crate::web::address::base_url(st, &u.1),
    })
}

/// `GET /admin/users`
///
/// # Errors
/// `Forbidden` without an account or security duty; database failures.
pub async fn list(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let can_manage = u.scope().can(Capability::ManageAccounts);
    let can_unlock = u.scope().can(Capability::ManageSecurity);
    if !can_manage && !can_unlock {
        return Err(AppError::Forbidden);
    }
    let me = u.0.role;
    let now = st.app.now();
    let mut conn = st.app.db.conn().await?;
    let rows = store::list_users(&mut conn.exec()).await?;
    let orgs =
        crate::orgs::service::list_under(&mut conn.exec(), &u.scope().visible(), true).await?;
    let users: Vec<UserView> = rows
        .into_iter()
        .map(|r| {
            let role = Role::from_code(&r.role).unwrap_or(Role::Member);
            let locked = r.locked_until.is_some_and(|t| t > now);
            let (state, state_class) = if r.disabled {
                ("已停用", "badge-muted")
            } else if r.pending_approval {
                ("待审核", "badge-warning")
            } else if locked {
                ("已锁定", "badge-danger")
            } else if duties::activation_expired(r.activation_expires_at, now) {
                ("激活码已过期", "badge-danger")
            } else if r.must_change_password {
                ("待激活", "badge-warning")
            } else {
                ("正常", "badge-success")
            };
            let other = r.id != u.0.user_id;
            UserView {
                id: r.id,
                org: r
                    .org_id
                    .and_then(|id| orgs.iter().find(|o| o.id == id))
                    .map_or_else(|| "—".into(), |o| o.name.clone()),
                username: r.username,
                display_name: r.display_name,
                role: role.label(),
                state,
                state_class,
                last_login: r.last_login_at.map_or_else(|| "从未登录".into(), datetime),
                defined_by: r.defined_by.unwrap_or_default(),
                locked,
                disabled: r.disabled,
                can_approve: r.pending_approval && !r.disabled && duties::may_reset(me),
                can_reset: !r.pending_approval && other && duties::may_reset(me),
                can_toggle: other && duties::may_toggle(me, role),
            }
        })
        .collect();
    let pending = users
        .iter()
        .filter(|x| x.state == "待审核" && !x.disabled)
        .count();
    let page = PageCtx::new(&st, &u, "账号管理", "users")
        .await?
        .crumbs(vec![("账号管理".into(), None)]);
    render(&UsersPage {
        page,
        users,
        can_manage,
        can_unlock,
        pending,
    })
}

/// `POST /admin/users/{id}/approve`
///
/// # Errors
/// `Forbidden` without the security duty, `StepUpRequired`, and the service's refusals
/// other than invalid input (shown on the list).
pub async fn approve(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let by = admin_action(&u, Capability::ManageSecurity)?;
    u.require_recent_auth(&st).await?;
    match users::approve(&st.app, &u.actor(), by, id).await {
        Ok(c) => slip(&st, &u, "账号已审核", c).await,
        Err(AuthError::Invalid(m)) => Ok(redirect_with(&st, "/admin/users", "error", &m)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/reset-password`
///
/// # Errors
/// `Forbidden` without the security duty, `StepUpRequired`, and the service's refusals
/// other than invalid input (shown on the list).
pub async fn reset_password(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let by = admin_action(&u, Capability::ManageSecurity)?;
    u.require_recent_auth(&st).await?;
    match users::reset_password(&st.app, &u.actor(), by, id, None).await {
        Ok(c) => slip(&st, &u, "密码已重置", c).await,
        Err(AuthError::Invalid(m)) => Ok(redirect_with(&st, "/admin/users", "error", &m)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/unlock`
///
/// # Errors
/// `Forbidden` without the security duty, `StepUpRequired`, and the service's refusals.
pub async fn unlock(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let by = admin_action(&u, Capability::ManageSecurity)?;
    u.require_recent_auth(&st).await?;
    users::unlock(&st.app, &u.actor(), by, id).await?;
    Ok(redirect_with(&st, "/admin/users", "success", "已解除锁定"))
}

async fn toggle(st: &AppState, u: &User, id: i64, disabled: bool) -> AppResult<Response> {
    // Either administrator reaches the service, which checks whose duty the account is.
    let cap = if u.scope().can(Capability::ManageSecurity) {
        Capability::ManageSecurity
    } else {
        Capability::ManageAccounts
    };
    let by = admin_action(u, cap)?;
    u.require_recent_auth(st).await?;
    let ok = if disabled {
        "账号已停用，其登录已全部注销"
    } else {
        "账号已启用"
    };
    match users::set_disabled(&st.app, &u.actor(), by, id, disabled).await {
        Ok(()) => Ok(redirect_with(st, "/admin/users", "success", ok)),
        Err(AuthError::Invalid(m)) => Ok(redirect_with(st, "/admin/users", "error", &m)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/disable`
///
/// # Errors
/// `Forbidden` without an account or security duty, `StepUpRequired`, and the service's
/// refusals other than invalid input (shown on the list).
pub async fn disable(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    toggle(&st, &u, id, true).await
}

/// `POST /admin/users/{id}/enable`
///
/// # Errors
/// `Forbidden` without an account or security duty, `StepUpRequired`, and the service's
/// refusals other than invalid input (shown on the list).
pub async fn enable(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    toggle(&st, &u, id, false).await
}
