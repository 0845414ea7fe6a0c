//! Cross-site request forgery defence (SEC-40): a same-origin check on every unsafe request and
//! a session-bound token for cookie-authenticated ones. Old intranet browsers send neither
//! `Origin` nor `Sec-Fetch-Site`, so the token is what really protects them.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, header};

use crate::shared::token::constant_time_eq;

use super::AppState;
use super::error::AppError;
use super::middleware::{LOGIN_COOKIE, cookie};

/// Applies SEC-40: same-origin check on every unsafe request, and the session-bound token for
/// cookie-authenticated ones (header `X-CSRF-Token` or form field `_csrf`, which is removed
/// before the handler sees the form). The login and login-code forms use a double-submit
/// cookie instead. `session_csrf` is the signed-in session's token, if there is a session.
///
/// # Errors
/// [`AppError::Csrf`] when a check fails; [`AppError::TooLarge`] for an oversized form.
pub async fn check(
    st: &AppState,
    req: Request,
    session_csrf: Option<&str>,
    via_bearer: bool,
) -> Result<Request, AppError> {
    if !same_origin(req.headers(), &st.app.config.server.public_url) {
        return Err(AppError::Csrf);
    }
    if via_bearer {
        return Ok(req);
    }
    let expected: Option<String> = match session_csrf {
        Some(t) => Some(t.to_owned()),
        None if matches!(req.uri().path(), "/login" | "/login/verify") => {
            cookie(req.headers(), LOGIN_COOKIE).map(ToOwned::to_owned)
        }
        None => return Ok(req),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return Err(AppError::Csrf);
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(h.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    // Multipart uploads carry the token in the query string of the form's action, since the
    // body is streamed to the handler rather than buffered here.
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if is_multipart {
        let q = req.uri().query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
        let token = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map_or("", |(_, v)| v.as_str());
        return if constant_time_eq(token.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Csrf);
    }
    let limit = st.app.config.server.body_limit_kib as usize * 1024;
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::Csrf)?;
    let token = pairs
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map_or("", |(_, v)| v.as_str());
    if !constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "_csrf").collect();
    let encoded = serde_urlencoded::to_string(rest).map_err(|_| AppError::Csrf)?;
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Request::from_parts(parts, Body::from(encoded)))
}

/// `Origin` (when sent) must name this host; `Sec-Fetch-Site: cross-site` is always refused.
fn same_origin(h: &HeaderMap, public_url: &str) -> bool {
    if h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if !public_url.is_empty() && origin.trim_end_matches('/') == public_url.trim_end_matches('/') {
        return true;
    }
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host == host
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origin_checks() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h, ""));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, ""));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, ""));
        assert!(same_origin(&h, "https://evil.example"));
        let mut h2 = HeaderMap::new();
        h2.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h2, ""));
    }
}
