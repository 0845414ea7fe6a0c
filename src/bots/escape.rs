//! User text in group messages. Titles, organisation names and summaries are typed by users,
//! and `WeCom` and `DingTalk` render markdown (`DingTalk` also some HTML): a title such as
//! `[x](javascript:…)` or `<a href=…>` would become a link in the group that points somewhere we
//! did not choose. Backslash escapes are not honoured the same way by every client, so each
//! character those renderers give meaning is replaced by its full-width twin, which reads the
//! same in Chinese text and means nothing to a renderer; line starts that make lists, headings
//! or code blocks are neutralised too. The only links in a message are the ones we build from
//! `server.public_url`.

use std::fmt::Write as _;

/// Characters with a meaning in `WeCom` / `DingTalk` markdown or HTML, and their full-width twins.
const MARKUP: [(char, char); 15] = [
    ('[', '［'),
    (']', '］'),
    ('(', '（'),
    (')', '）'),
    ('<', '＜'),
    ('>', '＞'),
    ('*', '＊'),
    ('_', '＿'),
    ('`', '｀'),
    ('#', '＃'),
    ('!', '！'),
    ('~', '～'),
    ('|', '｜'),
    ('\\', '＼'),
    ('&', '＆'),
];

fn twin(c: char) -> char {
    MARKUP.iter().find(|(a, _)| *a == c).map_or(c, |(_, b)| *b)
}

/// One line of markdown-inert text.
fn inert_line(line: &str) -> String {
    // Leading spaces make a code block; a leading -, +, = or "1." a list or a heading rule.
    let line = line.trim_start();
    let mut out: String = line.chars().map(twin).collect();
    if let Some(first) = out.chars().next() {
        let lead = match first {
            '-' => Some('－'),
            '+' => Some('＋'),
            '=' => Some('＝'),
            _ => None,
        };
        if let Some(l) = lead {
            out.replace_range(..first.len_utf8(), &l.to_string());
        }
    }
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && out[digits..].starts_with('.') {
        out.replace_range(digits..=digits, "．");
    }
    // A bare address would be made a link by some clients.
    out.replace("://", "：//")
}

/// User text for `WeCom` or `DingTalk` markdown, keeping its line breaks.
#[must_use]
pub fn markdown(s: &str) -> String {
    s.lines()
        .map(|l| inert_line(&without_controls(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// User text for a markdown title: one line.
#[must_use]
pub fn markdown_line(s: &str) -> String {
    inert_line(&one_line(s))
}

/// User text for Feishu's plain-text elements and titles, and for `DingTalk`'s notification
/// title: not rendered, but angle brackets are replaced so nothing reads as an `<at>` mention.
#[must_use]
pub fn plain(s: &str) -> String {
    without_controls(s)
        .chars()
        .map(|c| match c {
            '<' => '＜',
            '>' => '＞',
            c => c,
        })
        .collect()
}

/// [`plain`] on one line.
#[must_use]
pub fn plain_line(s: &str) -> String {
    plain(&one_line(s))
}

fn without_controls(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

fn one_line(s: &str) -> String {
    s.split(char::is_control)
        .filter(|p| !p.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A link of ours, with the characters that could end a markdown link target encoded; `None`
/// for anything that is not an absolute http(s) address.
#[must_use]
pub fn link(s: &str) -> Option<String> {
    if !(s.starts_with("https://") || s.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '<' | '>' | '[' | ']' | '"' | '\'' | '`' | ' ' | '\\' => {
                let _ = write!(out, "%{:02X}", u32::from(c));
            }
            c if c.is_control() || c.is_whitespace() => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_images_and_html_become_plain_text() {
        for raw in [
            "[x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">点我</a>",
            "![img](http://evil)",
            "**粗体** _斜体_ `代码` ~~删除~~ | 表格 |",
            "<font color=\"warning\">红字</font> <@all>",
        ] {
            let s = markdown_line(raw);
            for bad in ['[', ']', '(', ')', '<', '>', '*', '_', '`', '~', '|', '!'] {
                assert!(!s.contains(bad), "{raw} → {s}");
            }
            assert!(!s.contains("://"), "{s}");
        }
        assert_eq!(
            markdown_line("[x](javascript:alert(1))"),
            "［x］（javascript:alert（1））"
        );
    }

    #[test]
    fn line_starts_cannot_make_headings_lists_or_code() {
        assert_eq!(markdown_line("十二月\n# 标题"), "十二月 ＃ 标题");
        let body = markdown("第一行\n# 标题\n> 引用\n- 列表\n1. 第一\n    代码\n===");
        for line in body.lines() {
            assert!(
                !line.starts_with(['#', '>', '-', '+', '=', ' ']),
                "{line:?}"
            );
            assert!(!line.starts_with("1."), "{line:?}");
        }
        assert!(
            body.contains("1． 第一") && body.contains("－ 列表"),
            "{body}"
        );
    }

    #[test]
    fn plain_text_keeps_words_and_loses_mentions() {
        assert_eq!(
            plain_line("会议\n<at user_id=\"all\">所有人</at>"),
            "会议 ＜at user_id=\"all\"＞所有人＜/at＞"
        );
        assert_eq!(plain("第一行\n第二行\u{7}"), "第一行\n第二行");
    }

    /// Every platform's body, for a message whose user text tries links, images, HTML and a
    /// heading: the only link left is ours.
    #[test]
    fn messages_carry_no_link_but_ours_on_every_platform() {
        let m = crate::bots::model::Message {
            title: "[x](javascript:alert(1))\n# 标题 <a href=\"javascript:alert(1)\">点</a>".into(),
            body: "「![img](http://evil)」支部：<a href=\"javascript:alert(2)\">x</a>\n# 假标题\n<at user_id=\"all\">所有人</at>".into(),
            link: "https://dj.example.cn/notices/1".into(),
        };
        for kind in ["wecom", "dingtalk"] {
            let (_, body) = crate::bots::model::request(kind, "https://x", None, &m, 0);
            let field = if kind == "wecom" { "content" } else { "text" };
            let text = body["markdown"][field].as_str().unwrap_or_default();
            assert_eq!(text.matches("](").count(), 1, "{kind}: {text}");
            assert!(
                text.contains("[查看详情](https://dj.example.cn/notices/1)"),
                "{text}"
            );
            assert!(
                !text.contains('<') && !text.contains("!["),
                "{kind}: {text}"
            );
            assert!(!text.contains("http://evil"), "{kind}: {text}");
            let headings = text.lines().filter(|l| l.starts_with('#')).count();
            assert_eq!(headings, usize::from(kind == "dingtalk"), "{kind}: {text}");
            assert!(
                text.contains("假标题") && text.contains("javascript"),
                "words stay"
            );
        }
        let (_, body) = crate::bots::model::request("dingtalk", "https://x", None, &m, 0);
        let title = body["markdown"]["title"].as_str().unwrap_or_default();
        assert!(!title.contains('\n') && !title.contains('<'), "{title}");
        let (_, body) = crate::bots::model::request("feishu", "https://x", None, &m, 0);
        let post = &body["content"]["post"]["zh_cn"];
        assert!(!post["title"].as_str().unwrap_or_default().contains('\n'));
        let content = post["content"].to_string();
        assert!(
            !content.contains("<at") && !content.contains("\"at\""),
            "{content}"
        );
        let links: Vec<&serde_json::Value> = post["content"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|l| l.as_array().into_iter().flatten())
            .filter(|e| e["tag"] != "text")
            .collect();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0]["href"], "https://dj.example.cn/notices/1");
    }

    #[test]
    fn our_links_are_kept_and_made_safe() {
        assert_eq!(
            link("https://dj.example.cn/notices/1").as_deref(),
            Some("https://dj.example.cn/notices/1")
        );
        assert_eq!(
            link("https://x.cn/a)(b").as_deref(),
            Some("https://x.cn/a%29%28b")
        );
        assert_eq!(link("javascript:alert(1)"), None);
        assert_eq!(link("https://x.cn/\nb"), None);
    }
}
