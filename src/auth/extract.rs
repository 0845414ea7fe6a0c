//! The signed-in user as handlers see it: `AuthCtx` (the session resolved by
//! [`super::middleware`], with the caller's `Scope`), the `User` and `MaybeUser` extractors,
//! the audit actor of a request, and how auth failures answer over HTTP.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::audit::Actor;
use crate::orgs::model::OrgKind;
use crate::web::error::AppError;
use crate::web::extract::ReqCtx;

use super::scope::OwnOrg;
use super::service::AuthError;
use super::store::SessionAuth;
use super::{Role, Scope};

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
        actor_for(&self.1, Some(&self.0))
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

/// Builds the audit actor for a request.
#[must_use]
pub fn actor_for(r: &ReqCtx, a: Option<&AuthCtx>) -> Actor {
    Actor {
        user_id: a.map(|a| a.user_id),
        // The person's name, never the login (which may be a mobile number, SEC-53).
        name: a.map_or_else(|| "匿名".to_owned(), |a| a.display_name.clone()),
        login: a.map(|a| a.username.clone()).unwrap_or_default(),
        role: a.map_or_else(|| "anonymous".to_owned(), |a| a.role.code().to_owned()),
        ip: r.ip_string(),
        session_tag: a.map(|a| a.session_tag.clone()).unwrap_or_default(),
        request_id: r.request_id.clone(),
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => Self::InvalidCredentials,
            AuthError::Invalid(m) => Self::Invalid(m),
            AuthError::UsernameTaken => Self::Conflict("username_taken", e.to_string()),
            AuthError::NotFound => Self::NotFound,
            AuthError::ActivationExpired => Self::Refused("activation_expired", e.to_string()),
            AuthError::Locked(_) => Self::Refused("account_locked", e.to_string()),
            AuthError::Denied => Self::Forbidden,
            AuthError::Store(s) => s.into(),
            AuthError::Hash => Self::Internal(anyhow::anyhow!("password hashing failed")),
            AuthError::SecondFactorRequired => Self::SecondFactorRequired,
        }
    }
}
