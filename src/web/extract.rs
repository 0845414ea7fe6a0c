//! Extractors: the request context, the signed-in user with their `Scope`, and form/JSON
//! bodies whose rejections become stable error codes instead of framework text.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::audit::Actor;
use crate::auth::scope::OwnOrg;
use crate::auth::store::SessionAuth;
use crate::auth::{Role, Scope};
use crate::orgs::model::OrgKind;

use super::error::AppError;
use super::layout::Flash;

/// Per-request facts set by the outer middleware.
#[derive(Debug, Clone)]
pub struct ReqCtx {
    /// Shown on error pages and in the audit log.
    pub request_id: String,
    /// Client address.
    pub ip: Option<IpAddr>,
    /// Under `/api/`.
    pub is_api: bool,
    /// Flash message from the previous redirect.
    pub flash: Option<Flash>,
}

impl ReqCtx {
    /// Address as text for logs.
    #[must_use]
    pub fn ip_string(&self) -> String {
        self.ip
            .map_or_else(|| "unknown".to_owned(), |i| i.to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ReqCtx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<ReqCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no request context")))
    }
}

/// The signed-in user for this request.
#[derive(Debug, Clone)]
pub struct AuthCtx {
    /// Session id.
    pub session_id: i64,
    /// Session-bound CSRF token.
    pub csrf: String,
    /// Authenticated with a bearer token (API client) rather than the cookie.
    pub via_bearer: bool,
    /// Short audit tag of the session.
    pub session_tag: String,
    /// Account id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// What the user may see and do.
    pub scope: Scope,
    /// Forced change pending.
    pub must_change_password: bool,
    /// Organisation chosen in the switcher.
    pub current_org_id: Option<i64>,
    /// Name of the user's own organisation.
    pub org_name: Option<String>,
    /// Last password or code proof in this session, for step-up (SEC-16).
    pub confirmed_at: Option<time::OffsetDateTime>,
    /// The account has a confirmed second factor (SEC-08).
    pub second_factor: bool,
    /// The account's role requires a second factor it does not have yet; set by the auth
    /// middleware, which then allows only the enrolment pages.
    pub must_enrol: bool,
}

impl AuthCtx {
    /// Builds the context from the session row.
    #[must_use]
    pub fn from_session(s: SessionAuth, session_tag: String, via_bearer: bool) -> Self {
        let role = Role::from_code(&s.role).unwrap_or(Role::Member);
        let own = match (
            s.org_id,
            s.org_path,
            s.org_kind.as_deref().and_then(OrgKind::from_code),
        ) {
            (Some(id), Some(path), Some(kind)) => Some(OwnOrg { id, path, kind }),
            _ => None,
        };
        let scope = Scope::new(s.user_id, role, own, s.member_id);
        Self {
            session_id: s.session_id,
            csrf: s.csrf_token,
            via_bearer,
            session_tag,
            user_id: s.user_id,
            username: s.username,
            display_name: s.display_name,
            role,
            scope,
            must_change_password: s.must_change_password,
            current_org_id: s.current_org_id,
            org_name: s.org_name,
            confirmed_at: s.confirmed_at,
            second_factor: s.second_factor_at.is_some(),
            must_enrol: false,
        }
    }
}

/// Extractor for handlers that need a signed-in user.
#[derive(Debug, Clone)]
pub struct User(pub Arc<AuthCtx>, pub ReqCtx);

impl User {
    /// The audit actor.
    #[must_use]
    pub fn actor(&self) -> Actor {
        super::middleware::actor_for(&self.1, Some(&self.0))
    }

    /// The scope.
    #[must_use]
    pub fn scope(&self) -> &Scope {
        &self.0.scope
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, AppError> {
        let r = ReqCtx::from_request_parts(parts, s).await?;
        let a = parts
            .extensions
            .get::<Arc<AuthCtx>>()
            .cloned()
            .ok_or(AppError::Unauthenticated)?;
        Ok(Self(a, r))
    }
}

/// The user if signed in.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Arc<AuthCtx>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Self(parts.extensions.get::<Arc<AuthCtx>>().cloned()))
    }
}

/// A URL-encoded form; malformed or unexpected fields give `invalid_form` (400), never a 500.
#[derive(Debug, Clone)]
pub struct ValidForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, s: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, s).await {
            Ok(axum::Form(v)) => Ok(Self(v)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge)
            }
            Err(_) => Err(AppError::BadRequest(
                "invalid_form",
                "表单内容不完整或格式不正确，请刷新页面后重试".into(),
            )),
        }
    }
}

/// A JSON body; malformed JSON, wrong types and missing fields give stable codes.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, s: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection as J;
        match axum::Json::<T>::from_request(req, s).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(J::MissingJsonContentType(_)) => Err(AppError::BadRequest(
                "unsupported_media_type",
                "请以 application/json 提交".into(),
            )),
            Err(J::JsonSyntaxError(_)) => Err(AppError::BadRequest(
                "invalid_json",
                "请求内容不是有效的 JSON".into(),
            )),
            Err(J::JsonDataError(_)) => Err(AppError::BadRequest(
                "invalid_fields",
                "请求字段缺失或类型不正确".into(),
            )),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge)
            }
            Err(_) => Err(AppError::BadRequest(
                "invalid_json",
                "请求内容不是有效的 JSON".into(),
            )),
        }
    }
}

/// A path id that must be a positive integer; anything else is "not found".
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, AppError> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(|_| AppError::NotFound)?;
        raw.parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Self)
            .ok_or(AppError::NotFound)
    }
}

/// Two path ids (`/orgs/{id}/officers/{oid}/…`).
#[derive(Debug, Clone, Copy)]
pub struct PathIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, AppError> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, s)
                .await
                .map_err(|_| AppError::NotFound)?;
        match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(a), Ok(b)) if a > 0 && b > 0 => Ok(Self(a, b)),
            _ => Err(AppError::NotFound),
        }
    }
}

/// A yes/no decision posted from a review form: `decision` is one of two words, `note` a reason.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionForm {
    /// The button pressed.
    pub decision: String,
    /// Note (required by some decisions).
    #[serde(default)]
    pub note: String,
}

impl DecisionForm {
    /// `true` for `yes`, `false` for `no`; anything else is a bad request.
    ///
    /// # Errors
    /// `invalid_form` when neither word was posted.
    pub fn choice(&self, yes: &str, no: &str) -> Result<bool, AppError> {
        match self.decision.as_str() {
            d if d == yes => Ok(true),
            d if d == no => Ok(false),
            _ => Err(AppError::BadRequest(
                "invalid_form",
                "请选择处理结果".into(),
            )),
        }
    }
}
