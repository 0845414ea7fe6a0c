//! Pages of the second factor and step-up: the code page of a login, enrolment under 我的账号
//! (QR code drawn on the server, so it works offline), recovery codes shown once, disabling,
//! and the confirmation page that sensitive actions send people to (SEC-08, SEC-16).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::Deserialize;

use super::extract::User;
use super::extract::actor_for;
use crate::shared::text::datetime;
use crate::shared::token::new_token;
use crate::web::error::AppResult;
use crate::web::extract::{ReqCtx, ValidForm};
use crate::web::layout::{PageCtx, redirect, redirect_with, render_status, safe_next};
use crate::web::middleware::{LOGIN_COOKIE, cookie, session_cookie_name, set_cookie};
use crate::web::{AppState, Reg};

use super::mfa::{self, Enrolment};
use super::mfa_login::{CHALLENGE_MINUTES, ChallengeError, complete_challenge};
use super::service::AuthError;
use super::totp;

/// Cookie holding a pending login between the password and the code.
pub const CHALLENGE_COOKIE: &str = "zhibu_mfa";

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/login/verify", code_form)
        .post("/login/verify", code_submit)
        .get("/account/second-factor", enrol_page)
        .post("/account/second-factor", enrol_confirm)
        .post("/account/second-factor/disable", disable)
        .get("/account/confirm", confirm_form)
        .post("/account/confirm", confirm)
}

/// After a right password: the pending-login cookie, then the code page.
#[must_use]
pub fn to_code_page(st: &AppState, ticket: &str) -> Response {
    let secure = st.app.config.secure_cookies();
    let c = set_cookie(
        CHALLENGE_COOKIE,
        ticket,
        secure,
        Some(CHALLENGE_MINUTES * 60),
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/login/verify")],
        AppendHeaders([(header::SET_COOKIE, c)]),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "auth/login_code.html")]
struct CodePage {
    csrf: String,
    error: Option<String>,
    demo: bool,
    v: &'static str,
}

fn code_page(st: &AppState, error: Option<String>, status: StatusCode) -> Response {
    let csrf = new_token();
    let page = CodePage {
        csrf: csrf.clone(),
        error,
        demo: st.app.is_demo(),
        v: crate::web::assets::version(),
    };
    let secure = st.app.config.secure_cookies();
    match render_status(status, &page) {
        Ok(mut res) => {
            let c = set_cookie(LOGIN_COOKIE, &csrf, secure, Some(CHALLENGE_MINUTES * 60));
            res.headers_mut().append(header::SET_COOKIE, c);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn code_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if cookie(&headers, CHALLENGE_COOKIE).is_none() {
        return redirect("/login");
    }
    code_page(&st, None, StatusCode::OK)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeForm {
    code: String,
}

async fn code_submit(
    State(st): State<AppState>,
    r: ReqCtx,
    headers: HeaderMap,
    ValidForm(f): ValidForm<CodeForm>,
) -> AppResult<Response> {
    let Some(ticket) = cookie(&headers, CHALLENGE_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(redirect_with(
            &st,
            "/login",
            "info",
            "登录已超时，请重新输入用户名和密码",
        ));
    };
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let actor = actor_for(&r, None);
    let secure = st.app.config.secure_cookies();
    let clear = set_cookie(CHALLENGE_COOKIE, "", secure, Some(0));
    match complete_challenge(&st.app, &actor, ticket, &f.code, ua).await? {
        Ok((login, next)) => {
            let c = set_cookie(session_cookie_name(secure), &login.token, secure, None);
            let clear_login = set_cookie(LOGIN_COOKIE, "", secure, Some(0));
            Ok((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, safe_next(Some(&next)))],
                AppendHeaders([
                    (header::SET_COOKIE, c),
                    (header::SET_COOKIE, clear),
                    (header::SET_COOKIE, clear_login),
                ]),
            )
                .into_response())
        }
        Err(ChallengeError::Wrong) => Ok(code_page(
            &st,
            Some("验证码不正确，请重新输入".into()),
            StatusCode::UNAUTHORIZED,
        )),
        Err(ChallengeError::Gone(m)) => {
            let mut res = redirect_with(&st, "/login", "error", m);
            res.headers_mut().append(header::SET_COOKIE, clear);
            Ok(res)
        }
    }
}

#[derive(Template)]
#[template(path = "auth/second_factor.html")]
struct EnrolPage {
    page: PageCtx,
    enrolled: bool,
    since: String,
    recovery_left: i64,
    qr_svg: String,
    secret_groups: String,
    required: bool,
    demo_relaxed: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryPage {
    page: PageCtx,
    username: String,
    codes: Vec<String>,
}

async fn enrol_render(
    st: &AppState,
    u: &User,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let state = mfa::enrolment(&st.app, u.0.user_id).await?;
    let required = super::second_factor::required(&st.app.config.auth, u.0.role);
    let mut p = EnrolPage {
        page: PageCtx::new(st, u, "两步验证", "account")
            .await?
            .crumbs(vec![
                ("我的账号".into(), Some("/account".into())),
                ("两步验证".into(), None),
            ]),
        enrolled: false,
        since: String::new(),
        recovery_left: 0,
        qr_svg: String::new(),
        secret_groups: String::new(),
        required,
        demo_relaxed: required && st.app.is_demo(),
        error,
    };
    match state {
        Enrolment::Enrolled {
            since,
            recovery_left,
        } => {
            p.enrolled = true;
            p.since = datetime(since);
            p.recovery_left = recovery_left;
        }
        Enrolment::Pending { secret } => {
            let uri = totp::otpauth_uri("支部", &u.0.username, &secret);
            p.qr_svg = crate::shared::qr::svg(&uri).unwrap_or_default();
            p.secret_groups = totp::grouped(&totp::base32(&secret));
        }
    }
    render_status(status, &p)
}

async fn enrol_page(State(st): State<AppState>, u: User) -> AppResult<Response> {
    enrol_render(&st, &u, None, StatusCode::OK).await
}

async fn enrol_confirm(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<CodeForm>,
) -> AppResult<Response> {
    match mfa::confirm_enrolment(&st.app, &u.actor(), u.0.user_id, u.0.session_id, &f.code).await {
        Ok((codes, token)) => {
            let page = PageCtx::new(&st, &u, "恢复码", "account").await?;
            let mut res = render_status(
                StatusCode::OK,
                &RecoveryPage {
                    page,
                    username: u.0.username.clone(),
                    codes,
                },
            )?;
            // The session id changes with the privilege (SEC-14).
            let secure = st.app.config.secure_cookies();
            let c = set_cookie(session_cookie_name(secure), &token, secure, None);
            res.headers_mut().append(header::SET_COOKIE, c);
            Ok(res)
        }
        Err(AuthError::Invalid(m)) => {
            enrol_render(&st, &u, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisableForm {
    password: String,
    code: String,
}

async fn disable(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<DisableForm>,
) -> AppResult<Response> {
    match mfa::disable(&st.app, &u.actor(), u.0.user_id, &f.password, &f.code).await {
        Ok(()) => Ok(redirect_with(
            &st,
            "/account/second-factor",
            "success",
            "两步验证已停用。如需继续使用，请重新扫码启用",
        )),
        Err(AuthError::Invalid(m)) => {
            enrol_render(&st, &u, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "auth/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    next: String,
    has_code: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn confirm_render(
    st: &AppState,
    u: &User,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = PageCtx::new(st, u, "验证身份", "account").await?;
    render_status(
        status,
        &ConfirmPage {
            page,
            next,
            has_code: u.0.second_factor,
            error,
        },
    )
}

async fn confirm_form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    confirm_render(&st, &u, safe_next(q.next.as_deref()), None, StatusCode::OK).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmForm {
    secret: String,
    #[serde(default)]
    next: Option<String>,
}

async fn confirm(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<ConfirmForm>,
) -> AppResult<Response> {
    let next = safe_next(f.next.as_deref());
    match mfa::step_up(&st.app, &u.actor(), u.0.user_id, u.0.session_id, &f.secret).await {
        Ok(()) => Ok(redirect(&next)),
        Err(AuthError::Invalid(m)) => {
            confirm_render(&st, &u, next, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
