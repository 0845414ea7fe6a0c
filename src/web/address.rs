//! The address phones and printed slips should open: the configured public address, else the
//! one this request came to (so a demo on a laptop prints the laptop's address).

use axum::http::{HeaderMap, header};

use super::AppState;
use super::extract::ReqCtx;

/// The `Host` header when it is a plain host and port; anything else is never echoed into
/// pages.
#[must_use]
pub fn plain_host(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map(str::to_owned)
}

/// `https://dangjian.example.cn` or `http://192.168.1.20:8080`, without a trailing slash.
#[must_use]
pub fn base_url(st: &AppState, r: &ReqCtx) -> String {
    let configured = st.app.config.server.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let scheme = if st.app.config.secure_cookies() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}", r.host.as_deref().unwrap_or("127.0.0.1"))
}
