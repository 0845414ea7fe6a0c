//! Page structs for login, password change and the account page.

use askama::Template;

use crate::web::layout::{Flash, PageCtx};

/// The login page (standalone, no navigation).
#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    /// Double-submit value.
    pub csrf: String,
    /// Where to go after login.
    pub next: String,
    /// Username to refill.
    pub username: String,
    /// Error message.
    pub error: Option<String>,
    /// Flash (e.g. after logout).
    pub flash: Option<Flash>,
    /// Demo banner.
    pub demo: bool,
    /// Asset version.
    pub v: &'static str,
}

impl LoginPage {
    /// What the login is for, when the link says so: a member who scanned a meeting's QR code
    /// while signed out is told the check-in waits for them.
    #[must_use]
    pub fn purpose(&self) -> Option<&'static str> {
        let rest = self.next.strip_prefix("/meetings/")?;
        let (id, tail) = rest.split_once('/')?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && tail.starts_with("checkin"))
            .then_some("登录后即可完成本次会议签到")
    }
}

/// Change password.
#[derive(Template)]
#[template(path = "auth/password.html")]
pub struct PasswordPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The change is forced.
    pub forced: bool,
    /// Minimum length for this user.
    pub min_len: usize,
    /// Why the change is forced, when it is not a first login (reset by whom, or expired).
    pub notices: Vec<String>,
    /// Error.
    pub error: Option<String>,
    /// Where to go once the password is set (a local path).
    pub next: String,
}

/// A session row.
pub struct SessionView {
    /// Id.
    pub id: i64,
    /// Browser summary.
    pub agent: String,
    /// 网页 / 接口.
    pub kind: &'static str,
    /// Address.
    pub ip: String,
    /// Started.
    pub created: String,
    /// Last activity.
    pub last_seen: String,
    /// This request's session.
    pub current: bool,
}

/// Account and sessions.
#[derive(Template)]
#[template(path = "auth/account.html")]
pub struct AccountPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Login name.
    pub username: String,
    /// Organisation.
    pub org_name: Option<String>,
    /// The last password reset by an administrator, who and when.
    pub last_reset: Option<String>,
    /// Sessions.
    pub sessions: Vec<SessionView>,
    /// The account's own member record (links to 我的档案 and the rest of 我的).
    pub member_id: Option<i64>,
}

/// A short, human description of a User-Agent string.
#[must_use]
pub fn describe_agent(ua: &str) -> String {
    let browser = if ua.contains("MicroMessenger") {
        if ua.contains("wxwork") {
            "企业微信"
        } else {
            "微信"
        }
    } else if ua.contains("DingTalk") {
        "钉钉"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.is_empty() {
        "未知"
    } else {
        "其他客户端"
    };
    let os = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() {
        browser.to_owned()
    } else {
        format!("{browser}（{os}）")
    }
}
