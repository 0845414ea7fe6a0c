//! File responses: private files answered only to a signed-in, scope-checked request, and
//! downloads with a UTF-8 file name.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The spreadsheet type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `Content-Disposition` with a UTF-8 file name (RFC 6266/5987), ASCII fallback first.
#[must_use]
pub fn disposition(kind: &str, name: &str) -> HeaderValue {
    let enc: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"file\"; filename*=UTF-8''{enc}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// A download named `name`, private and not cached.
#[must_use]
pub fn attachment(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    private_file(bytes, content_type, Some(disposition("attachment", name)))
}

/// A stored file answered only to a signed-in, scope-checked request: its type, no caching,
/// and a policy that lets nothing in it run.
#[must_use]
pub fn private_file(
    bytes: Vec<u8>,
    content_type: &str,
    disposition: Option<axum::http::HeaderValue>,
) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(d) = disposition {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}
