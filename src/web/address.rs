//! The address phones and printed slips should open: the configured public address, else the
//! one this request came to (so a demo on a laptop prints the laptop's address).

use axum::http::{HeaderMap, header};

use super::AppState;

/// `https://dangjian.example.cn` or `http://192.168.1.20:8080`, without a trailing slash.
#[must_use]
pub fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    let configured = st.app.config.server.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    // Only a plain host and port: anything else in the header is not echoed into pages.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
