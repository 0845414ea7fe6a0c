//! What a group bot is and how each platform is spoken to: the kinds of bot and of event, the
//! check of a webhook address, the signatures `DingTalk` and Feishu define in their public
//! documents, and the message body each platform expects.

use base64::Engine as _;

use super::escape;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The platforms.
pub const KINDS: [(&str, &str); 3] = [
    ("wecom", "企业微信"),
    ("dingtalk", "钉钉"),
    ("feishu", "飞书"),
];

/// Event kinds a bot may forward: (code, label).
pub const EVENTS: [(&str, &str); 6] = [
    ("notice", "新通知"),
    ("notice_reminder", "通知提醒"),
    ("meeting_scheduled", "会议安排"),
    ("meeting_soon", "会议即将开始"),
    ("report", "积分通报发布"),
    ("warning", "预警提醒"),
];

/// The label of a platform code.
#[must_use]
pub fn kind_label(code: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == code).map_or("机器人", |k| k.1)
}

/// The label of an event code.
#[must_use]
pub fn event_label(code: &str) -> &'static str {
    EVENTS.iter().find(|k| k.0 == code).map_or("消息", |k| k.1)
}

/// Stored form of a set of event codes: `,notice,report,`, so one `LIKE` finds a code.
#[must_use]
pub fn events_column(codes: &[String]) -> String {
    let kept: Vec<&str> = EVENTS
        .iter()
        .map(|e| e.0)
        .filter(|c| codes.iter().any(|x| x == c))
        .collect();
    format!(",{},", kept.join(","))
}

/// The stored event codes in words, for lists and the audit log.
#[must_use]
pub fn events_text(column: &str) -> String {
    let v: Vec<&str> = column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(event_label)
        .collect();
    if v.is_empty() {
        "不转发任何消息".into()
    } else {
        v.join("、")
    }
}

/// Why a webhook address is refused, in Chinese; `Ok` with the address trimmed.
///
/// # Errors
/// Not http(s), no host, spaces, credentials in it, longer than 1,000 characters, or a host
/// that is an internal address or `localhost` not in `allow` (SEC-38; the address actually
/// connected to is checked again when posting).
pub fn check_url(raw: &str, allow: &super::address::AllowList) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("请填写 Webhook 地址".into());
    }
    if s.len() > 1000 || s.chars().any(char::is_whitespace) {
        return Err("Webhook 地址格式不正确".into());
    }
    let url = reqwest::Url::parse(s).map_err(|_| "Webhook 地址格式不正确".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Webhook 地址只能以 http:// 或 https:// 开头".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("Webhook 地址缺少主机名".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Webhook 地址不能包含用户名或密码".into());
    }
    super::address::check_host(&url, allow)?;
    Ok(s.to_owned())
}

/// The address as shown after saving: the token in it is a credential too, so only the scheme,
/// host and the last four characters remain.
#[must_use]
pub fn masked_url(s: &str) -> String {
    let host = reqwest::Url::parse(s)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
        .unwrap_or_default();
    let tail: String = s
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{host}/…{tail}")
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `DingTalk`'s signature: Base64(HmacSHA256(key = secret, message = "{ms}\n{secret}")), sent
/// URL-encoded as `&timestamp={ms}&sign=…`.
#[must_use]
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_b64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// Feishu's signature: Base64(HmacSHA256(key = "{s}\n{secret}", message = empty)), sent in the
/// body with the timestamp in seconds.
#[must_use]
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    hmac_b64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// One message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// First line, short.
    pub title: String,
    /// A few lines of plain text.
    pub body: String,
    /// Absolute link back, or empty when no public address is set.
    pub link: String,
}

/// The address and JSON body for one post; `now_ms` is the signing time. Every piece of user
/// text goes through [`escape`] for the platform, so only our own link is a link.
#[must_use]
pub fn request(
    kind: &str,
    url: &str,
    secret: Option<&str>,
    m: &Message,
    now_ms: i64,
) -> (String, serde_json::Value) {
    let secret = secret.filter(|s| !s.is_empty());
    let link = escape::link(&m.link);
    let link_md = link
        .as_ref()
        .map_or(String::new(), |l| format!("\n\n[查看详情]({l})"));
    match kind {
        "dingtalk" => {
            let url = match secret {
                Some(s) => {
                    let sign: String =
                        url::form_urlencoded::byte_serialize(dingtalk_sign(s, now_ms).as_bytes())
                            .collect();
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}timestamp={now_ms}&sign={sign}")
                }
                None => url.to_owned(),
            };
            let text = format!(
                "#### {}\n\n{}{link_md}",
                escape::markdown_line(&m.title),
                escape::markdown(&m.body)
            );
            let body = serde_json::json!({"msgtype": "markdown",
                "markdown": {"title": escape::plain_line(&m.title), "text": text}});
            (url, body)
        }
        "feishu" => {
            let mut lines =
                vec![serde_json::json!([{"tag": "text", "text": escape::plain(&m.body)}])];
            if let Some(l) = link {
                lines.push(serde_json::json!([{"tag": "a", "text": "查看详情", "href": l}]));
            }
            let mut body = serde_json::json!({"msg_type": "post",
                "content": {"post": {"zh_cn": {"title": escape::plain_line(&m.title), "content": lines}}}});
            if let Some(s) = secret {
                let ts = now_ms / 1000;
                body["timestamp"] = ts.to_string().into();
                body["sign"] = feishu_sign(s, ts).into();
            }
            (url.to_owned(), body)
        }
        _ => {
            let text = format!(
                "**{}**\n{}{link_md}",
                escape::markdown_line(&m.title),
                escape::markdown(&m.body)
            );
            let body = serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}});
            (url.to_owned(), body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DINGTALK: &str = "x2eVcsrQCMmuGM5uuFt6lRb6yanlc+zbd5jwmkLloRU=";
    const FEISHU: &str = "ORGgROVTfvbpGaZ9yzghpJov+56x4x08Pe9fU3xdT2s=";

    #[test]
    fn urls_other_than_http_are_refused() {
        let none = super::super::address::AllowList::default();
        for bad in [
            "ftp://x.cn/hook",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "qyapi.weixin.qq.com/send",
            "https://u:p@x.cn/h",
            "https://x.cn/a b",
            "",
        ] {
            assert!(check_url(bad, &none).is_err(), "{bad}");
        }
        assert!(
            check_url(
                " https://oapi.dingtalk.com/robot/send?access_token=abc ",
                &none
            )
            .is_ok()
        );
        assert_eq!(
            check_url("http://10.0.0.8:8080/hook", &none),
            Err(super::super::address::REFUSED.into())
        );
    }

    #[test]
    fn the_token_in_an_address_is_masked() {
        let m = masked_url(
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
        );
        assert_eq!(m, "https://qyapi.weixin.qq.com/…5aaa");
    }

    // Expected values computed independently (Python hmac/hashlib/base64) from the formulas in
    // the platforms' documents.
    #[test]
    fn dingtalk_and_feishu_signatures_follow_their_documents() {
        assert_eq!(
            dingtalk_sign("SEC0123456789abcdef", 1_764_300_000_000),
            DINGTALK
        );
        assert_eq!(feishu_sign("demo-secret", 1_764_300_000), FEISHU);
        let m = Message {
            title: "新通知".into(),
            body: "请按时参加".into(),
            link: "https://dj.example.cn/notices/1".into(),
        };
        let (url, _) = request(
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            Some("SEC0123456789abcdef"),
            &m,
            1_764_300_000_000,
        );
        let sign: String = url::form_urlencoded::byte_serialize(DINGTALK.as_bytes()).collect();
        assert_eq!(
            url,
            format!(
                "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1764300000000&sign={sign}"
            )
        );
        let (_, body) = request(
            "feishu",
            "https://x",
            Some("demo-secret"),
            &m,
            1_764_300_000_123,
        );
        assert_eq!(body["timestamp"], "1764300000");
        assert_eq!(body["sign"], FEISHU);
        let (_, body) = request("wecom", "https://x", None, &m, 0);
        assert!(
            body["markdown"]["content"]
                .as_str()
                .unwrap_or("")
                .contains("[查看详情](https://dj.example.cn/notices/1)")
        );
    }

    #[test]
    fn a_bot_debug_print_leaves_out_address_and_secret() {
        let b = crate::bots::store::Bot {
            id: 1,
            org_id: 2,
            name: "群".into(),
            kind: "dingtalk".into(),
            webhook_url: "https://oapi.dingtalk.com/robot/send?access_token=tok-1234".into(),
            secret: Some("SECsecret".into()),
            events: ",notice,".into(),
            status: "active".into(),
            paused_reason: String::new(),
            failures: 0,
            last_sent_at: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let shown = format!("{b:?}");
        assert!(
            !shown.contains("tok-") && !shown.contains("SECsecret"),
            "{shown}"
        );
        assert!(shown.contains("[REDACTED]"));
    }

    #[test]
    fn events_are_stored_in_catalogue_order() {
        let c = events_column(&["report".into(), "notice".into(), "bogus".into()]);
        assert_eq!(c, ",notice,report,");
    }
}
