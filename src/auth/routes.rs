//! Login, logout, password change, the account page and the auth API.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::Deserialize;

use super::extract::actor_for;
use super::extract::{MaybeUser, User};
use crate::shared::text::datetime;
use crate::shared::token::new_token;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ReqCtx, ValidForm};
use crate::web::layout::{PageCtx, redirect, redirect_with, render, render_status, safe_next};
use crate::web::middleware::{LOGIN_COOKIE, session_cookie_name, set_cookie};
use crate::web::{AppState, Reg};

use super::Role;
use super::duties;
use super::service::{self, AuthError, LoginOutcome, NewLogin, SecondStep};
use super::store::UserRow;
use super::views::{AccountPage, LoginPage, PasswordPage, SessionView, describe_agent};

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    super::api::routes(super::mfa_routes::routes(r))
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
        .get("/account", account)
        .get("/account/password", password_form)
        .post("/account/password", change_password)
        .post("/account/sessions/revoke-others", revoke_others)
        .post("/account/sessions/{id}/revoke", revoke_one)
        .get("/admin/users", super::admin::list)
        .get("/admin/users/new", super::admin::new_form)
        .post("/admin/users", super::admin::create)
        .post(
            "/admin/users/{id}/reset-password",
            super::admin::reset_password,
        )
        .post("/admin/users/{id}/approve", super::admin::approve)
        .post("/admin/users/{id}/unlock", super::admin::unlock)
        .post("/admin/users/{id}/disable", super::admin::disable)
        .post("/admin/users/{id}/enable", super::admin::enable)
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(
    State(st): State<AppState>,
    MaybeUser(u): MaybeUser,
    r: ReqCtx,
    Query(q): Query<NextQuery>,
) -> Response {
    if u.is_some() {
        return redirect(&safe_next(q.next.as_deref()));
    }
    login_page(
        &st,
        &r,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
}

fn login_page(
    st: &AppState,
    r: &ReqCtx,
    next: String,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = new_token();
    let page = LoginPage {
        csrf: csrf.clone(),
        next,
        username,
        error,
        flash: r.flash.clone(),
        demo: st.app.is_demo(),
        v: crate::web::assets::version(),
    };
    let cookie = set_cookie(
        LOGIN_COOKIE,
        &csrf,
        st.app.config.secure_cookies(),
        Some(3600),
    );
    match render_status(status, &page) {
        Ok(mut res) => {
            res.headers_mut().append(header::SET_COOKIE, cookie);
            res
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(st): State<AppState>,
    r: ReqCtx,
    headers: HeaderMap,
    ValidForm(f): ValidForm<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let step = SecondStep::Challenge { next: &next };
    match do_login(&st, &r, &headers, &f.username, &f.password, "web", step).await {
        Ok(LoginOutcome::Challenge(ticket)) => super::mfa_routes::to_code_page(&st, &ticket),
        Ok(LoginOutcome::Session(login)) => {
            let NewLogin { token, .. } = *login;
            let secure = st.app.config.secure_cookies();
            let c = set_cookie(session_cookie_name(secure), &token, secure, None);
            let clear = set_cookie(LOGIN_COOKIE, "", secure, Some(0));
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, next)],
                AppendHeaders([(header::SET_COOKIE, c), (header::SET_COOKIE, clear)]),
            )
                .into_response()
        }
        Err(AppError::TooMany) => login_page(
            &st,
            &r,
            next,
            f.username,
            Some("尝试次数过多，请稍后再试".into()),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AppError::Refused("activation_expired" | "account_locked", m)) => {
            login_page(&st, &r, next, f.username, Some(m), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::InvalidCredentials) => login_page(
            &st,
            &r,
            next,
            f.username,
            Some("用户名或密码错误".into()),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => e.into_response(),
    }
}

/// Shared by the page and the API: throttle per address, then check credentials.
pub(super) async fn do_login(
    st: &AppState,
    r: &ReqCtx,
    headers: &HeaderMap,
    username: &str,
    password: &str,
    kind: &str,
    step: SecondStep<'_>,
) -> AppResult<LoginOutcome> {
    let actor = actor_for(r, None);
    let ip = r.ip.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    if !st.limiter.allow(ip, st.app.now()) {
        let ev = crate::audit::AuditEvent::success("auth.rate_limited", "ip", ip)
            .outcome(crate::audit::Outcome::Denied);
        crate::audit::record_alone(&st.app.db, &actor, st.app.now(), ev).await?;
        return Err(AppError::TooMany);
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(service::login(&st.app, &actor, username, password, kind, ua, step).await?)
}

async fn logout(State(st): State<AppState>, u: User) -> AppResult<Response> {
    service::logout(&st.app, &u.actor(), u.0.user_id, u.0.session_id).await?;
    let secure = st.app.config.secure_cookies();
    let mut res = redirect_with(&st, "/login", "info", "您已安全退出");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), "", secure, Some(0)),
    );
    Ok(res)
}

async fn account(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let rows = super::own::own_sessions(&st.app, u.0.user_id).await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            agent: describe_agent(&s.user_agent),
            kind: if s.kind == "api" { "接口" } else { "网页" },
            ip: s.ip,
            created: datetime(s.created_at),
            last_seen: datetime(s.last_seen_at),
            current: s.id == u.0.session_id,
        })
        .collect();
    let me = super::own::own_account(&st.app, u.0.user_id).await?;
    let page = PageCtx::new(&st, &u, "我的", "account").await?;
    render(&AccountPage {
        page,
        username: u.0.username.clone(),
        org_name: u.0.org_name.clone(),
        last_reset: last_reset(&me),
        sessions,
        member_id: u.scope().member_id,
    })
}

fn min_len(st: &AppState, role: Role) -> usize {
    let r = service::password_rules(&st.app);
    if role.is_privileged() {
        r.min_privileged
    } else {
        r.min_member
    }
}

/// "2026-12-03 10:00，由安全管理员 李安全重置" for an account whose password was reset.
fn last_reset(user: &UserRow) -> Option<String> {
    let (by, at) = (user.reset_by.as_deref()?, user.reset_at?);
    Some(format!("{}，由{by}重置", datetime(at)))
}

/// Why this user must change the password now: an administrator's reset (who and when, so
/// that a reset nobody asked for is noticed, SEC-18) or a password past its age (SEC-05).
async fn change_notices(st: &AppState, u: &User) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    if !u.0.must_change_password {
        return Ok(out);
    }
    let me = super::own::own_account(&st.app, u.0.user_id).await?;
    if me.activation_expires_at.is_some()
        && let Some(r) = last_reset(&me)
    {
        out.push(format!(
            "您的密码已于 {r}。如果不是您本人申请的，请在设置新密码后立即告知审计管理员。"
        ));
    }
    let max = st.app.config.auth.password_max_age_days;
    if me.activation_expires_at.is_none()
        && duties::password_expired(u.0.role, me.password_changed_at, st.app.now(), max)
    {
        out.push(format!("您的密码已使用超过 {max} 天，请设置新密码。"));
    }
    Ok(out)
}

async fn password_form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let notices = change_notices(&st, &u).await?;
    let page = PageCtx::new(&st, &u, "修改密码", "account").await?;
    render(&PasswordPage {
        page,
        forced: u.0.must_change_password,
        min_len: min_len(&st, u.0.role),
        notices,
        error: None,
        next: q.next.map(|n| safe_next(Some(&n))).unwrap_or_default(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
    #[serde(default)]
    next: String,
}

async fn change_password(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<PasswordForm>,
) -> AppResult<Response> {
    let result = if f.new_password == f.confirm {
        service::change_password(
            &st.app,
            &u.actor(),
            u.0.user_id,
            u.0.session_id,
            &f.current,
            &f.new_password,
        )
        .await
    } else {
        Err(AuthError::Invalid("两次输入的新密码不一致".into()))
    };
    match result {
        Ok(()) => Ok(redirect_with(
            &st,
            &safe_next(Some(&f.next)),
            "success",
            "密码已修改，其他设备上的登录已注销",
        )),
        Err(AuthError::Invalid(m)) => {
            let notices = change_notices(&st, &u).await?;
            let page = PageCtx::new(&st, &u, "修改密码", "account").await?;
            let p = PasswordPage {
                page,
                forced: u.0.must_change_password,
                min_len: min_len(&st, u.0.role),
                notices,
                error: Some(m),
                next: safe_next(Some(&f.next)),
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_others(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let n =
        service::revoke_sessions(&st.app, &u.actor(), u.0.user_id, u.0.session_id, None).await?;
    Ok(redirect_with(
        &st,
        "/account",
        "success",
        &format!("已注销其他 {n} 个会话"),
    ))
}

async fn revoke_one(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let n = service::revoke_sessions(&st.app, &u.actor(), u.0.user_id, u.0.session_id, Some(id))
        .await?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with(&st, "/account", "success", "会话已注销"))
}
