//! Extractors: the request context, path ids, and form/JSON bodies whose rejections become
//! stable error codes instead of framework text. The signed-in user (`User`, with their
//! `Scope`) is the auth area's extractor (its `extract` module).

use std::net::IpAddr;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

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
    /// The `Host` the request came to, when it is a plain host and port.
    pub host: Option<String>,
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
