//! What a notice is made of: its text, cleaned to safe formatting, and its audience.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest body as written, in bytes.
pub const BODY_MAX: usize = 100_000;

/// Cleans a notice body to the formatting a notice needs: paragraphs, line breaks, bold,
/// italic, underline, lists, small headings, quotes and links (http, https, mailto only).
/// Scripts, styles, event handlers and every other tag or attribute are removed, keeping the
/// text inside harmless tags. Text is split into paragraphs at blank lines, also when it holds
/// the tags the editor's toolbar writes (a paragraph with `<strong>` or a link in it); a part
/// that already is a block (a list, a heading, a paragraph) is kept as it is.
#[must_use]
pub fn clean_body(raw: &str) -> String {
    let html = raw
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .fold(String::new(), |mut out, p| {
            if is_block(p) {
                out.push_str(p);
            } else if has_tag(p) {
                let _ = write!(out, "<p>{}</p>", p.replace('\n', "<br>"));
            } else {
                let _ = write!(out, "<p>{}</p>", escape(p).replace('\n', "<br>"));
            }
            out
        });
    ammonia::Builder::default()
        .tags(
            [
                "p",
                "br",
                "strong",
                "b",
                "em",
                "i",
                "u",
                "ul",
                "ol",
                "li",
                "h3",
                "h4",
                "blockquote",
                "a",
            ]
            .into_iter()
            .collect(),
        )
        .clean_content_tags(["script", "style"].into_iter().collect())
        .generic_attributes(std::collections::HashSet::new())
        .tag_attributes(
            [("a", ["href"].into_iter().collect())]
                .into_iter()
                .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of a cleaned body, for previews and bot messages.
#[must_use]
pub fn plain_text(html: &str, max_chars: usize) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if squashed.chars().count() > max_chars {
        format!("{}…", squashed.chars().take(max_chars).collect::<String>())
    } else {
        squashed
    }
}

/// Who a notice is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Audience {
    /// Organisations whose own members receive it.
    #[serde(default)]
    pub orgs: Vec<i64>,
    /// Organisations whose members and every organisation below receive it.
    #[serde(default)]
    pub subtrees: Vec<i64>,
    /// Members chosen by name.
    #[serde(default)]
    pub members: Vec<i64>,
}

impl Audience {
    /// Nobody chosen.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty() && self.subtrees.is_empty() && self.members.is_empty()
    }
}

/// Whether text holds something that looks like a tag (`<b`, `</`, `<!`), not just a `<` sign.
fn has_tag(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!')))
}

/// Whether a part of the text starts with a block of its own.
fn is_block(s: &str) -> bool {
    let lower = s.get(..12).unwrap_or(s).to_ascii_lowercase();
    [
        "<p",
        "<ul",
        "<ol",
        "<li",
        "<h3",
        "<h4",
        "<blockquote",
        "<div",
        "<table",
    ]
    .iter()
    .any(|t| {
        lower.starts_with(t)
            && lower[t.len()..]
                .chars()
                .next()
                .is_none_or(|c| c == '>' || c.is_whitespace())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xss_payloads_are_stripped() {
        for payload in [
            "<script>alert(1)</script>通知",
            "<img src=x onerror=alert(1)>通知",
            "<p onclick=\"alert(1)\">通知</p>",
            "<a href=\"javascript:alert(1)\">通知</a>",
            "<svg onload=alert(1)>通知</svg>",
            "<iframe src=\"http://x\"></iframe>通知",
            "<style>body{display:none}</style>通知",
            "<p style=\"background:url(javascript:alert(1))\">通知</p>",
        ] {
            let out = clean_body(payload);
            let lower = out.to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onclick",
                "onload",
                "javascript:",
                "<iframe",
                "<svg",
                "<img",
                "style",
                "alert(1)",
            ] {
                assert!(!lower.contains(bad), "{payload} → {out}");
            }
            assert!(out.contains("通知"), "{payload} → {out}");
        }
    }

    #[test]
    fn safe_formatting_stays() {
        let out = clean_body(
            "<p><strong>重要</strong><a href=\"https://example.org\">链接</a></p><ul><li>一</li></ul>",
        );
        assert!(out.contains("<strong>重要</strong>"));
        assert!(out.contains("href=\"https://example.org\""));
        assert!(out.contains("rel=\"noopener noreferrer\""));
        assert!(out.contains("<li>一</li>"));
    }

    #[test]
    fn toolbar_markup_keeps_its_paragraphs() {
        let written = "请<strong>准时</strong>参加。\n地点见下。\n\n<h3>议程</h3>\n\n<ul>\n<li>学习</li>\n<li>讨论</li>\n</ul>\n\n详见<a href=\"https://example.org/a\">通知原文</a>";
        assert_eq!(
            clean_body(written),
            "<p>请<strong>准时</strong>参加。<br>地点见下。</p><h3>议程</h3><ul>\n<li>学习</li>\n<li>讨论</li>\n</ul><p>详见<a href=\"https://example.org/a\" rel=\"noopener noreferrer\">通知原文</a></p>"
        );
    }

    #[test]
    fn plain_text_becomes_paragraphs() {
        assert_eq!(
            clean_body("第一段\n第二行\n\n第二段 1 < 2 & 3"),
            "<p>第一段<br>第二行</p><p>第二段 1 &lt; 2 &amp; 3</p>"
        );
        assert_eq!(
            plain_text("<p>第一段<br>第二行</p><p>x &amp; y</p>", 100),
            "第一段第二行x & y"
        );
    }
}
