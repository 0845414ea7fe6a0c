//! The new-account form. What it offers depends on whose duty it is (SEC-18): the 系统管理员
//! defines business accounts in an organisation (no member names are offered, only the
//! structure); the 安全管理员 creates the 三员 accounts, which belong to no organisation.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::extract::User;
use crate::auth::scope::Capability;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ValidForm;
use crate::web::layout::{PageCtx, redirect_with, render, render_status};

use super::Role;
use super::admin::{admin_action, slip};
use super::service::AuthError;
use super::users::{self, CreateUser};

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    page: PageCtx,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    triad: bool,
    form: NewUserForm,
    error: Option<String>,
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

/// The capability that lets this user create accounts, if any.
fn creating_cap(u: &User) -> AppResult<Capability> {
    if u.scope().can(Capability::ManageAccounts) {
        Ok(Capability::ManageAccounts)
    } else if u.scope().can(Capability::ManageSecurity) {
        Ok(Capability::ManageSecurity)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn new_page(
    st: &AppState,
    u: &User,
    form: NewUserForm,
    error: Option<String>,
) -> AppResult<NewUserPage> {
    let triad = u.0.role == Role::SecurityAdmin;
    let mut orgs: Vec<(Vec<i64>, i64, String)> = if triad {
        Vec::new()
    } else {
        crate::orgs::service::list_under(
            &mut st.app.db.conn().await?.exec(),
            &u.scope().visible(),
            false,
        )
        .await?
        .into_iter()
        .map(|o| {
            let indent = "　".repeat(usize::try_from(o.depth).unwrap_or(0).min(6));
            (o.ancestor_ids(), o.id, format!("{indent}{}", o.name))
        })
        .collect()
    };
    orgs.sort();
    let page = PageCtx::new(st, u, "新建账号", "users").await?.crumbs(vec![
        ("账号管理".into(), Some("/admin/users".into())),
        ("新建账号".into(), None),
    ]);
    Ok(NewUserPage {
        page,
        roles: Role::ALL
            .iter()
            .filter(|r| r.is_admin_triad() == triad)
            .map(|r| (r.code(), r.label()))
            .collect(),
        orgs: orgs.into_iter().map(|(_, id, l)| (id, l)).collect(),
        triad,
        form,
        error,
    })
}

/// `GET /admin/users/new`
///
/// # Errors
/// `Forbidden` without an account or security duty; database failures.
pub async fn new_form(State(st): State<AppState>, u: User) -> AppResult<Response> {
    creating_cap(&u)?;
    let role = if u.0.role == Role::SecurityAdmin {
        Role::AuditAdmin
    } else {
        Role::Officer
    };
    let form = NewUserForm {
        role: role.code().into(),
        ..NewUserForm::default()
    };
    render(&new_page(&st, &u, form, None).await?)
}

/// `POST /admin/users`
///
/// # Errors
/// `Forbidden` without an account or security duty, `StepUpRequired`, and the service's
/// refusals other than invalid input or a taken name (shown on the form).
pub async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<NewUserForm>,
) -> AppResult<Response> {
    let by = admin_action(&u, creating_cap(&u)?)?;
    u.require_recent_auth(&st).await?;
    let org_id = f.org_id.trim().parse::<i64>().ok();
    let result = match Role::from_code(&f.role) {
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
            users::create(&st.app, &u.actor(), by, input).await
        }
    };
    match result {
        Ok(created) => match created.credential {
            Some(c) => slip(&st, &u, "账号已创建", c).await,
            None => Ok(redirect_with(
                &st,
                "/admin/users",
                "success",
                "账号已建立，待安全管理员审核并发放激活码后方可使用",
            )),
        },
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
