//! The auth middleware: resolves the session cookie or bearer token into the caller's
//! [`AuthCtx`] (with their `Scope`), enforces the session timeouts, the CSRF check (SEC-40),
//! the forced password change and second-factor enrolment, and audits denials. The router in
//! `crate::app::router` layers it inside the web layer's `outer` middleware.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::web::AppState;
use crate::web::error::{AppError, DeniedMark};
use crate::web::extract::ReqCtx;
use crate::web::middleware::{cookie, session_cookie_name, set_cookie};

use super::extract::{AuthCtx, actor_for};
use super::service::{session_expired, session_tag, token_hash};
use super::store;

/// Paths an account that must enrol a second factor may still reach (SEC-08).
fn allowed_before_enrol(path: &str) -> bool {
    path.starts_with("/account/second-factor") || allowed_before_change(path)
}

/// Paths a user with a pending forced password change may still reach.
fn allowed_before_change(path: &str) -> bool {
    matches!(
        path,
        "/account/password"
            | "/logout"
            | "/api/v1/auth/logout"
            | "/api/v1/me"
            | "/healthz"
            | "/readyz"
    ) || path.starts_with("/assets/")
}

/// Resolves the caller, enforces CSRF and the forced password change, audits denials.
pub async fn auth(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/assets/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let Some(rctx) = req.extensions().get::<ReqCtx>().cloned() else {
        return AppError::Internal(anyhow::anyhow!("request context missing")).into_response();
    };
    let secure = st.app.config.secure_cookies();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let cookie_token = cookie(req.headers(), session_cookie_name(secure)).map(ToOwned::to_owned);
    let via_bearer = bearer.is_some();
    let mut clear_cookie = false;
    let auth = match bearer.or(cookie_token.clone()) {
        Some(tok) => match resolve(&st, &tok, via_bearer).await {
            Ok(Some(a)) => Some(Arc::new(a)),
            Ok(None) => {
                clear_cookie = cookie_token.is_some() && !via_bearer;
                None
            }
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let actor = actor_for(&rctx, auth.as_deref());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        match crate::web::csrf::check(
            &st,
            req,
            auth.as_deref().map(|a| a.csrf.as_str()),
            via_bearer,
        )
        .await
        {
            Ok(r) => req = r,
            Err(e) => {
                audit_denial(&st, &actor, &path, "跨站请求校验失败").await;
                return e.into_response();
            }
        }
    }
    if let Some(a) = &auth
        && a.must_change_password
        && !allowed_before_change(&path)
    {
        return AppError::PasswordChangeRequired.into_response();
    }
    if let Some(a) = &auth
        && a.must_enrol
        && !allowed_before_enrol(&path)
    {
        return AppError::EnrolmentRequired.into_response();
    }
    if let Some(a) = &auth {
        req.extensions_mut().insert(a.clone());
    }
    let mut res = next.run(req).await;
    if res.extensions().get::<DeniedMark>().is_some() {
        audit_denial(&st, &actor, &path, "超出权限范围").await;
    }
    if clear_cookie {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(session_cookie_name(secure), "", secure, Some(0)),
        );
    }
    res
}

async fn audit_denial(st: &AppState, actor: &Actor, path: &str, why: &str) {
    let ev = AuditEvent::success(
        "access.denied",
        "route",
        crate::shared::text::one_line(path),
    )
    .outcome(Outcome::Denied)
    .detail(why);
    if let Err(e) = audit::record_alone(&st.app.db, actor, st.app.now(), ev).await {
        tracing::error!(error = %e, "could not audit a denial");
    }
}

/// Looks the token up and applies the timeouts; expired sessions are removed.
async fn resolve(
    st: &AppState,
    token: &str,
    via_bearer: bool,
) -> Result<Option<AuthCtx>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let app = &st.app;
    let mut conn = app.db.conn().await?;
    let Some(s) = store::find_session(&mut conn.exec(), &token_hash(token)).await? else {
        return Ok(None);
    };
    let now = app.now();
    if s.disabled || session_expired(app, &s, now) {
        drop(conn);
        let mut tx = app.db.begin().await?;
        store::delete_session(&mut tx.exec(), s.user_id, s.session_id).await?;
        tx.commit().await?;
        return Ok(None);
    }
    // Record activity at most once a minute: an idle limit in minutes needs no finer grain,
    // and it keeps most requests free of writes.
    if now - s.last_seen_at >= time::Duration::seconds(60) {
        drop(conn);
        let mut tx = app.db.begin().await?;
        store::touch_session(&mut tx.exec(), s.session_id, now).await?;
        tx.commit().await?;
    }
    let mut a = AuthCtx::from_session(s, session_tag(token), via_bearer);
    a.must_enrol =
        super::second_factor::must_enrol(&app.config.auth, app.is_demo(), a.role, a.second_factor);
    Ok(Some(a))
}
