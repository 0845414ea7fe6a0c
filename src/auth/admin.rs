//! Account administration pages: 系统管理员 creates accounts, resets passwords and disables
//! accounts; 安全管理员 unlocks them. Neither sees member data here.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::scope::Capability;
use crate::shared::text::datetime;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, User, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};

use super::service::AuthError;
use super::users::{self, CreateUser};
use super::{Role, store};

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
    locked: bool,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    page: PageCtx,
    users: Vec<UserView>,
    can_manage: bool,
    can_unlock: bool,
    self_id: i64,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    page: PageCtx,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    form: NewUserForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/password_issued.html")]
struct IssuedPage {
    page: PageCtx,
    username: String,
    password: String,
    created: bool,
}

fn require(u: &User, cap: Capability) -> AppResult<()> {
    if u.scope().can(cap) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `GET /admin/users`
pub async fn list(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let can_manage = u.scope().can(Capability::ManageAccounts);
    let can_unlock = u.scope().can(Capability::ManageSecurity);
    if !can_manage && !can_unlock {
        return Err(AppError::Forbidden);
    }
    let now = st.app.now();
    let mut conn = st.app.db.conn().await?;
    let rows = store::list_users(&mut conn.exec()).await?;
    let orgs = crate::orgs::store::list_under(&mut conn.exec(), &["/".to_owned()], true).await?;
    let users = rows
        .into_iter()
        .map(|r| {
            let locked = r.locked_until.is_some_and(|t| t > now);
            let (state, state_class) = if r.disabled {
                ("已停用", "badge-muted")
            } else if locked {
                ("已锁定", "badge-danger")
            } else if r.must_change_password {
                ("待改密", "badge-warning")
            } else {
                ("正常", "badge-success")
            };
            UserView {
                id: r.id,
                org: r
                    .org_id
                    .and_then(|id| orgs.iter().find(|o| o.id == id))
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| "—".into()),
                username: r.username,
                display_name: r.display_name,
                role: Role::from_code(&r.role).map_or("未知", Role::label),
                state,
                state_class,
                last_login: r.last_login_at.map_or_else(|| "从未登录".into(), datetime),
                locked,
                disabled: r.disabled,
            }
        })
        .collect();
    let page = PageCtx::new(&st, &u, "账号管理", "users")
        .await?
        .crumbs(vec![("账号管理".into(), None)]);
    render(&UsersPage {
        page,
        users,
        can_manage,
        can_unlock,
        self_id: u.0.user_id,
    })
}

/// The new-account form.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    org_id: String,
}

async fn new_page(
    st: &AppState,
    u: &User,
    form: NewUserForm,
    error: Option<String>,
) -> AppResult<NewUserPage> {
    let orgs = crate::orgs::store::list_under(
        &mut st.app.db.conn().await?.exec(),
        &["/".to_owned()],
        false,
    )
    .await?;
    let mut orgs: Vec<(Vec<i64>, i64, String)> = orgs
        .into_iter()
        .map(|o| {
            (
                o.ancestor_ids(),
                o.id,
                format!(
                    "{}{}",
                    "　".repeat(usize::try_from(o.depth).unwrap_or(0).min(6)),
                    o.name
                ),
            )
        })
        .collect();
    orgs.sort();
    let page = PageCtx::new(st, u, "新建账号", "users").await?.crumbs(vec![
        ("账号管理".into(), Some("/admin/users".into())),
        ("新建账号".into(), None),
    ]);
    Ok(NewUserPage {
        page,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        orgs: orgs.into_iter().map(|(_, id, l)| (id, l)).collect(),
        form,
        error,
    })
}

/// `GET /admin/users/new`
pub async fn new_form(State(st): State<AppState>, u: User) -> AppResult<Response> {
    require(&u, Capability::ManageAccounts)?;
    let form = NewUserForm {
        role: "member".into(),
        ..NewUserForm::default()
    };
    render(&new_page(&st, &u, form, None).await?)
}

/// `POST /admin/users`
pub async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<NewUserForm>,
) -> AppResult<Response> {
    require(&u, Capability::ManageAccounts)?;
    u.require_recent_auth(&st).await?;
    let role = Role::from_code(&f.role);
    let org_id = f.org_id.trim().parse::<i64>().ok();
    let result = match role {
        None => Err(AuthError::Invalid("请选择角色".into())),
        Some(role) => {
            let input = CreateUser {
                username: f.username.clone(),
                display_name: f.display_name.clone(),
                role,
                org_id: if role.is_admin_triad() { None } else { org_id },
                member_id: None,
                password: None,
                must_change: true,
            };
            users::create(&st.app, &u.actor(), input).await
        }
    };
    match result {
        Ok((_, password)) => {
            let page = PageCtx::new(&st, &u, "账号已创建", "users").await?;
            render(&IssuedPage {
                page,
                username: f.username.trim().to_ascii_lowercase(),
                password,
                created: true,
            })
        }
        Err(AuthError::Invalid(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&st, &u, f, Some(m)).await?,
        ),
        Err(AuthError::UsernameTaken) => render_status(
            StatusCode::CONFLICT,
            &new_page(&st, &u, f, Some("用户名已被使用，请换一个".into())).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/reset-password`
pub async fn reset_password(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    require(&u, Capability::ManageAccounts)?;
    u.require_recent_auth(&st).await?;
    let target = store::get_user(&mut st.app.db.conn().await?.exec(), id).await?;
    let password = users::reset_password(&st.app, &u.actor(), id, None).await?;
    let page = PageCtx::new(&st, &u, "密码已重置", "users").await?;
    render(&IssuedPage {
        page,
        username: target.username,
        password,
        created: false,
    })
}

/// `POST /admin/users/{id}/unlock`
pub async fn unlock(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    require(&u, Capability::ManageSecurity)?;
    u.require_recent_auth(&st).await?;
    users::unlock(&st.app, &u.actor(), id).await?;
    Ok(redirect_with(&st, "/admin/users", "success", "已解除锁定"))
}

/// `POST /admin/users/{id}/disable`
pub async fn disable(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    require(&u, Capability::ManageAccounts)?;
    u.require_recent_auth(&st).await?;
    users::set_disabled(&st.app, &u.actor(), id, true).await?;
    Ok(redirect_with(
        &st,
        "/admin/users",
        "success",
        "账号已停用，其登录已全部注销",
    ))
}

/// `POST /admin/users/{id}/enable`
pub async fn enable(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    require(&u, Capability::ManageAccounts)?;
    u.require_recent_auth(&st).await?;
    users::set_disabled(&st.app, &u.actor(), id, false).await?;
    Ok(redirect_with(&st, "/admin/users", "success", "账号已启用"))
}
