//! How a platform's answer is read and what of it is kept (SEC-38). Only the platform's own
//! result code and message are stored and shown (`WeCom` and `DingTalk` `errcode` / `errmsg`,
//! Feishu `code` / `msg` or `StatusCode` / `StatusMessage`), shortened and stripped of markup;
//! an HTTP error keeps only its status. A body is never stored: whatever answered could be
//! anything, and its text in the log would hand it to the officer who typed the address.

/// The one message for every post that did not reach a platform: refused address, closed port,
/// DNS failure, TLS failure, timeout.
pub const UNDELIVERED: &str = "无法送达，请检查机器人地址";

/// Characters of a platform's message kept.
const MAX_MESSAGE: usize = 80;

/// The platform's result code and message, if the body is JSON that has them.
fn code_and_message(body: &str) -> Option<(Option<i64>, String)> {
    let v = serde_json::from_str::<serde_json::Value>(body).ok()?;
    let code = ["errcode", "code", "StatusCode"]
        .iter()
        .find_map(|k| v.get(*k))?;
    let msg = ["errmsg", "msg", "StatusMessage"]
        .iter()
        .find_map(|k| v.get(*k).and_then(serde_json::Value::as_str))
        .unwrap_or("");
    Some((code.as_i64(), sanitise(msg)))
}

/// A platform message as kept: one line of letters, digits, spaces and plain punctuation,
/// at most [`MAX_MESSAGE`] characters.
fn sanitise(s: &str) -> String {
    let kept: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| c.is_alphanumeric() || " .,:;!?-_()[]/=#%+@&，。：；！？（）、".contains(*c))
        .collect();
    kept.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_MESSAGE)
        .collect()
}

/// Whether the platform took the message: a 2xx answer whose `errcode` (`WeCom`, `DingTalk`) or
/// `code` / `StatusCode` (Feishu) is 0 or absent.
#[must_use]
pub fn accepted(status: u16, body: &str) -> bool {
    if !(200..300).contains(&status) {
        return false;
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return true;
    };
    ["errcode", "code", "StatusCode"]
        .iter()
        .filter_map(|k| v.get(*k))
        .all(|c| c.as_i64() == Some(0))
}

/// What is recorded for an answer: `Ok` when the platform took the message, `Err` with the
/// reason otherwise.
///
/// # Errors
/// The platform refused the message or answered with an HTTP error.
pub fn read(status: u16, body: &str) -> Result<String, String> {
    if !(200..300).contains(&status) {
        return Err(format!("平台返回错误（HTTP {status}）"));
    }
    if accepted(status, body) {
        return Ok("平台已接收".into());
    }
    match code_and_message(body) {
        Some((Some(code), msg)) if !msg.is_empty() => Err(format!("平台返回错误：{code} {msg}")),
        Some((Some(code), _)) => Err(format!("平台返回错误：{code}")),
        _ => Err("平台返回错误".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_per_platform() {
        assert!(accepted(200, r#"{"errcode":0,"errmsg":"ok"}"#));
        assert!(accepted(200, r#"{"code":0,"msg":"success"}"#));
        assert!(accepted(
            200,
            r#"{"StatusCode":0,"StatusMessage":"success"}"#
        ));
        assert!(!accepted(
            200,
            r#"{"errcode":310000,"errmsg":"sign not match"}"#
        ));
        assert!(!accepted(200, r#"{"code":19021,"msg":"sign match fail"}"#));
        assert!(!accepted(500, "{}"));
        assert!(accepted(204, ""));
    }

    #[test]
    fn sec_38_only_the_platform_code_and_message_are_kept() {
        assert_eq!(
            read(200, r#"{"errcode":0,"errmsg":"ok"}"#),
            Ok("平台已接收".into())
        );
        assert_eq!(read(200, "<html>secret</html>"), Ok("平台已接收".into()));
        assert_eq!(
            read(200, r#"{"errcode":310000,"errmsg":"sign not match"}"#),
            Err("平台返回错误：310000 sign not match".into())
        );
        assert_eq!(
            read(200, r#"{"code":19021,"msg":"sign match fail"}"#),
            Err("平台返回错误：19021 sign match fail".into())
        );
        assert_eq!(
            read(200, r#"{"StatusCode":9499,"StatusMessage":"Bad Request"}"#),
            Err("平台返回错误：9499 Bad Request".into())
        );
        assert_eq!(
            read(500, r#"{"errcode":1,"errmsg":"internal dump MARKER"}"#),
            Err("平台返回错误（HTTP 500）".into())
        );
        assert_eq!(
            read(404, "<h1>MARKER</h1>"),
            Err("平台返回错误（HTTP 404）".into())
        );
        let long = format!(
            r#"{{"errcode":7,"errmsg":"<script>alert(1)</script>\n{}"}}"#,
            "x".repeat(500)
        );
        let why = read(200, &long).unwrap_err();
        assert!(!why.contains('<') && !why.contains('\n'), "{why}");
        assert!(why.chars().count() <= 100, "{why}");
        assert_eq!(
            read(200, r#"{"errcode":"x","errmsg":"bad"}"#),
            Err("平台返回错误".into())
        );
    }
}
