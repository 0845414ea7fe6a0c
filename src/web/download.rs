//! Private files: every stored or generated file answered only to a signed-in, scope-checked
//! request goes out through [`private`], which gives it a policy of its own. The file is never
//! run as a page of the site: a sandboxed policy that allows nothing, no type sniffing, no
//! caching, and a download unless it is a raster image (shown inline under a safe name).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The spreadsheet type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The policy of a private file. The outer middleware keeps it instead of the page policy.
pub const PRIVATE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Image types a browser only ever draws; anything else (PDF, SVG, HTML, office files) is a
/// download, so a file cannot open as a document of the site.
const INLINE_IMAGES: [(&str, &str); 4] = [
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

/// Answers a private file: `content_type` as stored (an unparseable one becomes
/// `application/octet-stream`), `name` as the user knows it.
#[must_use]
pub fn private(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    let ctype = HeaderValue::from_str(content_type)
        .ok()
        .filter(|_| !content_type.is_empty())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let image = INLINE_IMAGES.iter().find(|(t, _)| *t == essence);
    let disposition = match image {
        Some((_, ext)) => disposition("inline", &image_name(name, ext)),
        None => disposition("attachment", &safe_name(name)),
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, ctype);
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PRIVATE_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// The last path part of `name` without control characters or quotes; `file` if nothing is
/// left.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "file".to_owned()
    } else {
        clean
    }
}

/// A safe name whose extension matches the image type, so a saved copy opens as an image.
fn image_name(name: &str, ext: &str) -> String {
    let n = safe_name(name);
    let stem = n.rsplit_once('.').map_or(n.as_str(), |(s, _)| s);
    let stem = if stem.is_empty() { "image" } else { stem };
    format!("{stem}.{ext}")
}

/// `Content-Disposition` with a UTF-8 file name (RFC 6266/5987), ASCII fallback first.
fn disposition(kind: &str, name: &str) -> HeaderValue {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(r: &Response, h: header::HeaderName) -> String {
        r.headers()[h].to_str().unwrap().to_owned()
    }

    #[test]
    fn documents_download_and_images_show_inline() {
        for (ct, inline) in [
            ("application/pdf", false),
            ("text/html", false),
            ("image/svg+xml", false),
            ("text/csv; charset=utf-8", false),
            (XLSX, false),
            ("image/jpeg", true),
            ("IMAGE/PNG", true),
        ] {
            let r = private(b"x".to_vec(), ct, "a.bin");
            let d = header_of(&r, header::CONTENT_DISPOSITION);
            assert_eq!(d.starts_with("inline;"), inline, "{ct}: {d}");
            assert_eq!(d.starts_with("attachment;"), !inline, "{ct}: {d}");
            assert_eq!(header_of(&r, header::CONTENT_SECURITY_POLICY), PRIVATE_CSP);
            assert_eq!(header_of(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(header_of(&r, header::CACHE_CONTROL), "private, no-store");
        }
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../材料.pdf"), "材料.pdf");
        assert_eq!(safe_name("a\"b;\r\nc.pdf"), "abc.pdf");
        assert_eq!(safe_name("..\\..\\"), "file");
        assert_eq!(image_name("x.html", "jpg"), "x.jpg");
        assert_eq!(image_name("", "png"), "file.png");
        let r = private(Vec::new(), "image/jpeg", "照片.svg");
        assert!(header_of(&r, header::CONTENT_DISPOSITION).ends_with("''%E7%85%A7%E7%89%87.jpg"));
        let r = private(Vec::new(), "bad\ntype", "x");
        assert_eq!(
            header_of(&r, header::CONTENT_TYPE),
            "application/octet-stream"
        );
    }
}
