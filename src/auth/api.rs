//! JSON API of sign-in: login for a bearer token, logout, the current account and the step-up
//! confirmation that sensitive API calls ask for (SEC-08, SEC-16).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::extract::{AuthCtx, User};
use crate::api_doc::tags;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, ReqCtx};
use crate::web::middleware::{session_cookie_name, set_cookie};
use crate::web::{AppState, Reg};

use super::mfa;
use super::service::{self, AuthError, LoginOutcome, SecondStep};

/// Registers the routes.
pub(super) fn routes(r: Reg) -> Reg {
    r.post("/api/v1/auth/login", api_login)
        .post("/api/v1/auth/logout", api_logout)
        .get("/api/v1/me", api_me)
        .post("/api/v1/auth/confirm", api_confirm)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(api_login, api_logout, api_me, api_confirm))]
struct Doc;

/// This area's part of the document.
#[must_use]
pub fn doc() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub(super) struct ApiLogin {
    /// Login name.
    username: String,
    /// Password.
    password: String,
    /// The second-factor code, for accounts that have one (SEC-08).
    #[serde(default)]
    code: Option<String>,
}

/// The proof a step-up takes: the password, or a current code for accounts with a second factor.
#[derive(Deserialize, ToSchema)]
pub(super) struct ApiConfirm {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// The user's own organisation.
#[derive(Serialize, ToSchema)]
pub(super) struct MeOrg {
    id: i64,
    name: Option<String>,
    /// Kind code.
    kind: String,
    kind_label: String,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub(super) struct Me {
    id: i64,
    username: String,
    display_name: String,
    /// Role code.
    role: String,
    role_label: String,
    org: Option<MeOrg>,
    /// The member record of the account, when it has one.
    member_id: Option<i64>,
    must_change_password: bool,
    /// A second factor is enrolled.
    second_factor: bool,
    /// The role requires a second factor that is not enrolled yet.
    second_factor_enrollment_required: bool,
}

impl Me {
    fn of(a: &AuthCtx) -> Self {
        Self {
            id: a.user_id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role.code().to_owned(),
            role_label: a.role.label().to_owned(),
            org: a.scope.own.as_ref().map(|o| MeOrg {
                id: o.id,
                name: a.org_name.clone(),
                kind: o.kind.code().to_owned(),
                kind_label: o.kind.label().to_owned(),
            }),
            member_id: a.scope.member_id,
            must_change_password: a.must_change_password,
            second_factor: a.second_factor,
            second_factor_enrollment_required: a.must_enrol,
        }
    }
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub(super) struct LoginReply {
    /// Bearer token; also set as the session cookie.
    token: String,
    user: Me,
}

/// The current account.
#[derive(Serialize, ToSchema)]
pub(super) struct MeReply {
    user: Me,
}

/// A successful step-up.
#[derive(Serialize, ToSchema)]
pub(super) struct Confirmed {
    /// Always `true`.
    confirmed: bool,
    /// How long sensitive actions are allowed without asking again.
    valid_minutes: i64,
}

/// `POST /api/v1/auth/login`
#[utoipa::path(post, path = "/api/v1/auth/login", tag = tags::AUTH, security(()),
    summary = "登录，获取 token",
    request_body = ApiLogin,
    responses(
        (status = 200, description = "已登录", body = LoginReply),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "用户名或密码错误，或需要动态验证码", body = ApiError),
        (status = 422, description = "密码正确，但账号已锁定（account_locked）或激活码已过期（activation_expired）", body = ApiError),
        (status = 429, description = "尝试次数过多", body = ApiError),
    ))]
async fn api_login(
    State(st): State<AppState>,
    r: ReqCtx,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ApiLogin>,
) -> AppResult<Response> {
    let step = SecondStep::Code(b.code.as_deref());
    let outcome =
        super::routes::do_login(&st, &r, &headers, &b.username, &b.password, "api", step).await?;
    let token = match outcome {
        LoginOutcome::Session(l) => l.token,
        LoginOutcome::Challenge(_) => return Err(AppError::SecondFactorRequired),
    };
    let s = super::own::session_of(&st.app, &token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let auth = AuthCtx::from_session(s, service::session_tag(&token), true);
    let secure = st.app.config.secure_cookies();
    let c = set_cookie(session_cookie_name(secure), &token, secure, None);
    let body = LoginReply {
        user: Me::of(&auth),
        token,
    };
    Ok((StatusCode::OK, [(header::SET_COOKIE, c)], Json(body)).into_response())
}

/// `POST /api/v1/auth/logout`
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = tags::AUTH, summary = "退出登录",
    responses(
        (status = 204, description = "已退出"),
        (status = 401, description = "未登录", body = ApiError),
    ))]
async fn api_logout(State(st): State<AppState>, u: User) -> AppResult<Response> {
    service::logout(&st.app, &u.actor(), u.0.user_id, u.0.session_id).await?;
    let secure = st.app.config.secure_cookies();
    let c = set_cookie(session_cookie_name(secure), "", secure, Some(0));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, c)]).into_response())
}

/// `GET /api/v1/me`
#[utoipa::path(get, path = "/api/v1/me", tag = tags::AUTH, summary = "当前账号",
    responses(
        (status = 200, description = "当前账号", body = MeReply),
        (status = 401, description = "未登录", body = ApiError),
    ))]
async fn api_me(u: User) -> Json<MeReply> {
    Json(MeReply { user: Me::of(&u.0) })
}

/// `POST /api/v1/auth/confirm`: step-up for API clients, with `password` or `code`.
#[utoipa::path(post, path = "/api/v1/auth/confirm", tag = tags::AUTH,
    summary = "再次验证身份（敏感操作前）",
    request_body = ApiConfirm,
    responses(
        (status = 200, description = "已验证", body = Confirmed),
        (status = 401, description = "未登录", body = ApiError),
        (status = 422, description = "密码或验证码错误", body = ApiError),
        (status = 429, description = "尝试次数过多", body = ApiError),
    ))]
async fn api_confirm(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<ApiConfirm>,
) -> AppResult<Response> {
    let secret = b.code.or(b.password).unwrap_or_default();
    match mfa::step_up(&st.app, &u.actor(), u.0.user_id, u.0.session_id, &secret).await {
        Ok(()) => {
            let valid_minutes = i64::from(st.app.config.auth.step_up_minutes);
            Ok(Json(Confirmed {
                confirmed: true,
                valid_minutes,
            })
            .into_response())
        }
        Err(AuthError::Invalid(m)) => Err(AppError::Refused("step_up_failed", m)),
        Err(e) => Err(e.into()),
    }
}
