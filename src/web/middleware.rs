//! Request middleware. `outer` puts the request's id (assigned by [`super::trace`]) and client
//! address in its context, renders errors as Chinese pages or JSON, and sets the security
//! headers on every response (SEC-41). `auth` resolves the session or bearer token into the
//! caller's `Scope`, enforces the session timeouts, the CSRF check (SEC-40) and the forced
//! password change, and audits denials.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::auth::service::{session_expired, session_tag, token_hash};
use crate::auth::store;
use crate::shared::token::request_id;

use super::AppState;
use super::error::{AppError, DeniedMark, ErrorBody, body_for_status};
use super::extract::{AuthCtx, ReqCtx};
use super::layout;
use super::trace::RequestId;

/// Name of the session cookie; `__Host-` is only possible over HTTPS.
#[must_use]
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-zhibu_session"
    } else {
        "zhibu_session"
    }
}

/// Cookie carrying the login form's anti-forgery value (double submit, before a session exists).
pub const LOGIN_COOKIE: &str = "zhibu_login";
/// Cookie carrying a one-shot flash message.
pub const FLASH_COOKIE: &str = "zhibu_flash";

/// Reads one cookie from the headers.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Builds a `Set-Cookie` value with the attributes every Zhibu cookie carries (SEC-12).
#[must_use]
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        s.push_str("; Secure");
    }
    if let Some(a) = max_age {
        let _ = write!(s, "; Max-Age={a}");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Outermost layer: request id, client address, error rendering, security headers.
pub async fn outer(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    // The id the access log already carries; a router built without that layer makes one.
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(request_id, |r| r.0.clone());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let xff = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = super::net::client_ip(peer, xff, &st.trusted);
    let path = req.uri().path().to_owned();
    let is_api = path.starts_with("/api/");
    let flash = cookie(req.headers(), FLASH_COOKIE).and_then(layout::Flash::decode);
    let had_flash = flash.is_some();
    let next_target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let is_get = req.method() == Method::GET;
    // A refused POST comes back to the page it was sent from once confirmed (SEC-16).
    let back = if is_get {
        Some(next_target.clone())
    } else {
        referer_path(req.headers())
    };
    req.extensions_mut().insert(ReqCtx {
        request_id: rid.clone(),
        ip,
        is_api,
        flash,
    });
    let mut res = next.run(req).await;
    let status = res.status();
    let ours = res.extensions().get::<ErrorBody>().cloned();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let foreign_error = status.as_u16() >= 400
        && !ctype.starts_with("text/html")
        && !ctype.starts_with("application/json");
    if let Some(body) = ours.or_else(|| foreign_error.then(|| body_for_status(status))) {
        res = render_error(
            &st,
            status,
            &body,
            &rid,
            is_api,
            is_get.then_some(next_target.as_str()),
            back.as_deref(),
        );
    }
    let h = res.headers_mut();
    set_security_headers(
        h,
        path.starts_with("/assets/"),
        st.app.config.secure_cookies(),
    );
    if let Ok(v) = HeaderValue::from_str(&rid) {
        h.insert("x-request-id", v);
    }
    let sets_flash = h
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had_flash && !sets_flash && res.status().is_success() {
        let v = set_cookie(FLASH_COOKIE, "", st.app.config.secure_cookies(), Some(0));
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn render_error(
    st: &AppState,
    status: StatusCode,
    body: &ErrorBody,
    rid: &str,
    is_api: bool,
    get_path: Option<&str>,
    back: Option<&str>,
) -> Response {
    if is_api {
        let error = super::error::ApiErrorDetail {
            code: body.code.to_owned(),
            message: body.message.clone(),
            request_id: rid.to_owned(),
            fields: body.fields.clone(),
        };
        return (status, axum::Json(super::error::ApiError { error })).into_response();
    }
    if body.code == "step_up_required" {
        let to = match back {
            Some(p) => format!("/account/confirm?next={}", layout::url_encode(p)),
            None => "/account/confirm".to_owned(),
        };
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    }
    if body.code == "second_factor_enrollment_required" {
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, "/account/second-factor")],
        )
            .into_response();
    }
    if status == StatusCode::UNAUTHORIZED {
        let to = match get_path {
            Some(p) if p != "/" => format!("/login?next={}", layout::url_encode(p)),
            _ => "/login".to_owned(),
        };
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    }
    if body.code == "password_change_required" {
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, "/account/password")],
        )
            .into_response();
    }
    layout::error_page(status, &body.message, rid, st.app.is_demo())
}

fn set_security_headers(h: &mut HeaderMap, asset: bool, tls: bool) {
    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; \
               frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
    // A handler that set its own policy (private files, see `download`) keeps it: the page
    // policy would let a stored file run as a document of the site.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The local path of a same-site `Referer` (the policy is `same-origin`, so browsers send it
/// only for our own pages); the confirmation page checks it again before redirecting.
fn referer_path(h: &HeaderMap) -> Option<String> {
    let r = h.get(header::REFERER)?.to_str().ok()?;
    let host = h.get(header::HOST)?.to_str().ok()?;
    let rest = r.split_once("://")?.1;
    let path = rest.strip_prefix(host)?;
    path.starts_with('/').then(|| path.to_owned())
}

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
        match super::csrf::check(&st, req, auth.as_deref(), via_bearer).await {
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
    a.must_enrol = crate::auth::second_factor::must_enrol(
        &app.config.auth,
        app.is_demo(),
        a.role,
        a.second_factor,
    );
    Ok(Some(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_and_carry_attributes() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; zhibu_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "zhibu_session"), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let v = set_cookie("__Host-zhibu_session", "x", true, None);
        let s = v.to_str().unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(s.contains(part), "{s}");
        }
    }
}
