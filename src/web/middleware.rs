//! Request middleware. `outer` puts the request's id (assigned by [`super::trace`]) and client
//! address in its context, renders errors as Chinese pages or JSON, and sets the security
//! headers on every response (SEC-41). The cookie helpers live here too. Resolving the
//! session into the caller's `Scope` is the auth area's own middleware, which the router in
//! `crate::app::router` layers inside this one.

use std::fmt::Write as _;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::shared::token::request_id;

use super::AppState;
use super::error::{ErrorBody, body_for_status};
use super::extract::ReqCtx;
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
    let host = super::address::plain_host(req.headers());
    req.extensions_mut().insert(ReqCtx {
        request_id: rid.clone(),
        ip,
        is_api,
        flash,
        host,
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
        // Where the member was going (a scanned check-in) waits until the new password is set.
        let to = match get_path {
            Some(p) if p != "/" => format!("/account/password?next={}", layout::url_encode(p)),
            _ => "/account/password".to_owned(),
        };
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
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
