//! Static assets compiled into the binary (no CDN, SEC-42), served with a content-derived
//! version so browsers may cache them for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "icons.svg",
        "image/svg+xml",
        include_bytes!("../../assets/icons.svg"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/favicon.svg"),
    ),
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut all = Vec::new();
    for (_, _, b) in FILES {
        all.extend_from_slice(b);
    }
    crate::shared::token::sm3_hex(&all)
        .chars()
        .take(10)
        .collect()
});

/// The content version appended to asset URLs (`?v=…`).
#[must_use]
pub fn version() -> &'static str {
    VERSION.as_str()
}

/// `GET /assets/{file}`
///
/// # Errors
/// `NotFound` for a file not built in.
pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let Some((_, ctype, body)) = FILES.iter().find(|(n, _, _)| *n == file) else {
        return Err(AppError::NotFound);
    };
    let mut res = (StatusCode::OK, *body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}
