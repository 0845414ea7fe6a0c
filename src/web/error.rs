//! `AppError`: every failure a handler can return, mapped to a status and a stable code.
//! Handlers return it; the outer middleware renders it as a Chinese page or as
//! `{"error": {"code", "message"}}` depending on the request, with the request id.
//! Internal details are logged once here and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::db::StoreError;
use crate::shared::error::{Denial, DomainError};

/// What went wrong, as the client should hear it.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Chinese message.
    pub message: String,
    /// Per-field problems, for forms and imports.
    pub fields: Option<serde_json::Value>,
}

/// The JSON error reply of every `/api/` route: `{"error": {...}}`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": {"code": "not_found", "message": "您访问的内容不存在或已被删除", "request_id": "r-1a2b3c"}}))]
pub struct ApiError {
    /// What went wrong.
    pub error: ApiErrorDetail,
}

/// The inside of [`ApiError`].
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// Stable machine-readable code (`not_found`, `forbidden`, `invalid_fields`, …).
    pub code: String,
    /// Chinese message for people.
    pub message: String,
    /// Id of the request, also in the server log.
    pub request_id: String,
    /// Every problem of a submitted record (`invalid_fields`), listed in full.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldProblem>>)]
    pub fields: Option<serde_json::Value>,
}

/// One problem of a submitted field, as `ApiErrorDetail::fields` lists them. Only describes
/// the shape for the document: the areas build the list (e.g. the member validator's
/// `FieldError`), and `web` imports no area.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only describes the shape
pub struct FieldProblem {
    /// Field key (API name).
    field: String,
    /// The item's Chinese name.
    label: String,
    /// What is wrong.
    message: String,
}

/// Marks a response as a permission denial to be audited by the auth middleware.
#[derive(Debug, Clone)]
pub struct DeniedMark(pub Denial);

/// A handler failure.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Wrong username or password (one message for every cause, SEC-06).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Out of scope or unknown (404).
    #[error("not found")]
    NotFound,
    /// Visible but not permitted (403).
    #[error("forbidden")]
    Forbidden,
    /// Refused by the scope; audited.
    #[error("denied")]
    Denied(Denial),
    /// Bad input, with a stable code.
    #[error("{1}")]
    BadRequest(&'static str, String),
    /// Valid input that cannot be applied in the current state (422).
    #[error("{0}")]
    Invalid(String),
    /// Refused for a reason with its own stable code (422).
    #[error("{1}")]
    Refused(&'static str, String),
    /// Field-by-field problems (422), listed in full.
    #[error("invalid fields")]
    Fields(serde_json::Value),
    /// Conflict with existing data (409).
    #[error("{1}")]
    Conflict(&'static str, String),
    /// The body is over the size limit (413).
    #[error("payload too large")]
    TooLarge,
    /// Too many attempts (429).
    #[error("too many requests")]
    TooMany,
    /// Over a per-account limit (429), with what the user is told.
    #[error("{0}")]
    RateLimited(String),
    /// The CSRF check failed (403).
    #[error("csrf")]
    Csrf,
    /// The password must be changed first (403 for the API).
    #[error("password change required")]
    PasswordChangeRequired,
    /// The role requires a second factor the account has not enrolled yet (403 for the API;
    /// pages go to the enrolment page).
    #[error("second factor enrolment required")]
    EnrolmentRequired,
    /// The password was right but the second-factor code is missing (API login, 401).
    #[error("second factor required")]
    SecondFactorRequired,
    /// The action needs a fresh password or code (SEC-16): 401 for the API, pages go to the
    /// confirmation page and come back.
    #[error("step-up required")]
    StepUpRequired,
    /// The database is unreachable or busy (503).
    #[error("unavailable")]
    Unavailable,
    /// A bug or infrastructure failure (500).
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl AppError {
    /// Status, code and message.
    #[must_use]
    pub fn parts(&self) -> (StatusCode, ErrorBody) {
        let b = |code: &'static str, m: &str| ErrorBody {
            code,
            message: m.to_owned(),
            fields: None,
        };
        match self {
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, b("unauthenticated", "请先登录")),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                b("invalid_credentials", "用户名或密码错误"),
            ),
            Self::NotFound | Self::Denied(Denial::NotFound) => (
                StatusCode::NOT_FOUND,
                b("not_found", "您访问的内容不存在或已被删除"),
            ),
            Self::Forbidden | Self::Denied(Denial::Forbidden) => (
                StatusCode::FORBIDDEN,
                b("forbidden", "您没有权限执行此操作"),
            ),
            Self::BadRequest(code, m) => (StatusCode::BAD_REQUEST, b(code, m)),
            Self::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, b("invalid", m)),
            Self::Refused(code, m) => (StatusCode::UNPROCESSABLE_ENTITY, b(code, m)),
            Self::Fields(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    code: "invalid_fields",
                    message: "提交的内容有误，请按提示修改".into(),
                    fields: Some(f.clone()),
                },
            ),
            Self::Conflict(code, m) => (StatusCode::CONFLICT, b(code, m)),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                b("payload_too_large", "提交的内容过大"),
            ),
            Self::TooMany => (
                StatusCode::TOO_MANY_REQUESTS,
                b("rate_limited", "尝试次数过多，请稍后再试"),
            ),
            Self::RateLimited(m) => (StatusCode::TOO_MANY_REQUESTS, b("rate_limited", m)),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                b(
                    "csrf_failed",
                    "页面已过期或请求来源不正确，请刷新页面后重试",
                ),
            ),
            Self::PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                b("password_change_required", "请先修改初始密码"),
            ),
            Self::EnrolmentRequired => (
                StatusCode::FORBIDDEN,
                b(
                    "second_factor_enrollment_required",
                    "请先在“我的账号”中启用两步验证",
                ),
            ),
            Self::SecondFactorRequired => (
                StatusCode::UNAUTHORIZED,
                b("second_factor_required", "请输入动态验证码"),
            ),
            Self::StepUpRequired => (
                StatusCode::UNAUTHORIZED,
                b("step_up_required", "此操作需要再次验证身份"),
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                b("unavailable", "系统繁忙，请稍后再试"),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                b("internal", "系统出现错误，请稍后再试"),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let (status, body) = self.parts();
        let mut res = status.into_response();
        res.extensions_mut().insert(body);
        match self {
            Self::Denied(d) => {
                res.extensions_mut().insert(DeniedMark(d));
            }
            Self::Forbidden => {
                res.extensions_mut().insert(DeniedMark(Denial::Forbidden));
            }
            _ => {}
        }
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Duplicate => Self::Conflict("duplicate", "该记录已存在".into()),
            StoreError::Constraint => Self::Invalid("数据不符合要求，未保存".into()),
            e if e.is_unavailable() => Self::Unavailable,
            e => Self::Internal(e.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// Shorthand for handler results.
pub type AppResult<T> = Result<T, AppError>;

/// The default message for a status that arrived without our body (framework rejections,
/// unmatched routes, panics, limits).
#[must_use]
pub fn body_for_status(status: StatusCode) -> ErrorBody {
    let (code, message) = match status.as_u16() {
        400 => ("bad_request", "请求格式不正确"),
        401 => ("unauthenticated", "请先登录"),
        403 => ("forbidden", "您没有权限执行此操作"),
        404 => ("not_found", "您访问的页面不存在"),
        405 => ("method_not_allowed", "不支持该请求方式"),
        408 => ("timeout", "请求处理超时，请稍后再试"),
        413 => ("payload_too_large", "提交的内容过大"),
        415 => ("unsupported_media_type", "请求内容类型不正确"),
        422 => ("invalid", "提交的内容不符合要求"),
        429 => ("rate_limited", "尝试次数过多，请稍后再试"),
        503 => ("unavailable", "系统繁忙，请稍后再试"),
        _ => ("internal", "系统出现错误，请稍后再试"),
    };
    ErrorBody {
        code,
        message: message.to_owned(),
        fields: None,
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Denied(d) => Self::Denied(d),
            DomainError::Fields(f) => Self::Fields(serde_json::to_value(f).unwrap_or_default()),
            DomainError::Invalid(m) => Self::Invalid(m),
            DomainError::Store(s) => s.into(),
        }
    }
}
