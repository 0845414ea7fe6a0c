//! Where a redirect may send the browser when the target came from the request (SEC-38): only a
//! path of this site, judged as a browser will read it. Browsers drop tabs and line breaks from
//! a URL and read `\` as `/` (WHATWG URL), so `/\t/evil.example` and `/\evil` lead off-site.

use url::{Position, Url};

/// The base the target is resolved against; only its origin matters.
const BASE: &str = "http://zhibu.invalid/";

/// The target as a same-origin path (with query and fragment), or `/` when it is anything
/// else: not starting with one `/`, containing a control character, whitespace or a
/// backslash (also percent-encoded, in the path, for servers and proxies that decode once
/// more), or resolving to another origin.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

fn local_path(n: &str) -> Option<String> {
    if !n.starts_with('/') || n.starts_with("//") || n.len() > 2048 {
        return None;
    }
    if n.chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let path = n.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if decoded.starts_with("//")
        || decoded
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let joined = base.join(n).ok()?;
    if joined.origin() != base.origin() || !joined.username().is_empty() {
        return None;
    }
    // The serialised form: percent-encoded ASCII, so the Location header carries exactly
    // what was checked.
    Some(joined[Position::BeforePath..].to_owned())
}

/// Decodes `%XX` once; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_38_hostile_targets_go_home() {
        for bad in [
            "//evil.example",
            "///evil.example",
            "/\t/evil.example",
            "/\t\\evil.example",
            "/\n/evil.example",
            "/\r\n/evil",
            "\t//evil",
            " /x",
            "/ /evil",
            "/\u{3000}/evil",
            "/\u{0}/evil",
            "/\\evil",
            "\\/evil",
            "/\\/evil",
            "/%09/evil",
            "/%0a/evil",
            "/%5Cevil",
            "/%5cevil",
            "/%2F/evil",
            "/%2f%2fevil",
            "/%zz",
            "https://evil.example",
            "https:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn sec_38_local_paths_are_kept() {
        for (ok, want) in [
            ("/", "/"),
            ("/orgs/3", "/orgs/3"),
            ("/members?org=3&q=%E5%BC%A0", "/members?org=3&q=%E5%BC%A0"),
            ("/x?u=https://y", "/x?u=https://y"),
            ("/feed?org=2#p5", "/feed?org=2#p5"),
            ("/a/../b", "/b"),
            ("/会议", "/%E4%BC%9A%E8%AE%AE"),
        ] {
            assert_eq!(safe_next(Some(ok)), want, "{ok:?}");
        }
    }
}
