//! What every page shares: the `PageCtx` (user, navigation, organisation switcher, CSRF token,
//! flash message, breadcrumbs, demo banner), flash cookies, and the standalone error page.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::error::AppResult;
use super::middleware::{FLASH_COOKIE, set_cookie};

/// A one-shot message shown after a redirect.
#[derive(Debug, Clone)]
pub struct Flash {
    /// `success`, `error` or `info`.
    pub kind: String,
    /// Text.
    pub message: String,
}

impl Flash {
    /// Reads the cookie value `kind|urlencoded-text`.
    #[must_use]
    pub fn decode(v: &str) -> Option<Self> {
        let (kind, msg) = v.split_once('.')?;
        if !matches!(kind, "success" | "error" | "info" | "warning") {
            return None;
        }
        let bytes = hex::decode(msg).ok()?;
        let message: String = String::from_utf8(bytes).ok()?.chars().take(200).collect();
        Some(Self {
            kind: kind.to_owned(),
            message,
        })
    }

    fn encode(kind: &str, msg: &str) -> String {
        format!("{kind}.{}", hex::encode(msg.as_bytes()))
    }
}

/// Redirects (303) with a flash message.
#[must_use]
pub fn redirect_with(st: &AppState, to: &str, kind: &str, msg: &str) -> Response {
    let c = set_cookie(
        FLASH_COOKIE,
        &Flash::encode(kind, msg),
        st.app.config.secure_cookies(),
        Some(60),
    );
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, to.to_owned())],
        [(header::SET_COOKIE, c)],
    )
        .into_response()
}

/// Plain 303 redirect.
#[must_use]
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// Percent-encodes a value for a query string.
#[must_use]
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|v| v[2..].to_owned())
        .unwrap_or_default()
}

pub use super::local_target::safe_next;

/// A breadcrumb; the last one has no link.
#[derive(Debug, Clone)]
pub struct Crumb {
    /// Label.
    pub label: String,
    /// Link.
    pub href: Option<String>,
}

/// An entry of the organisation switcher.
#[derive(Debug, Clone)]
pub struct SwitchOpt {
    /// Organisation id.
    pub id: i64,
    /// Indented label.
    pub label: String,
    /// Current.
    pub selected: bool,
}

/// A navigation entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Target.
    pub href: String,
    /// Label.
    pub label: &'static str,
    /// Icon id in the sprite.
    pub icon: &'static str,
    /// Current area.
    pub active: bool,
    /// Also in the phone tab bar (the drawer holds every entry).
    pub tab: bool,
}

/// Shared page data.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Page title.
    pub title: String,
    /// Demo banner.
    pub demo: bool,
    /// Display name.
    pub user_name: String,
    /// Role label.
    pub role_label: &'static str,
    /// CSRF token for forms.
    pub csrf: String,
    /// Navigation.
    pub nav: Vec<NavItem>,
    /// Unread lines of the notification centre (the bell).
    pub unread_notifications: i64,
    /// Breadcrumbs.
    pub crumbs: Vec<Crumb>,
    /// Flash.
    pub flash: Option<Flash>,
    /// Switcher entries (empty hides it).
    pub switcher: Vec<SwitchOpt>,
    /// Name of the organisation in focus.
    pub current_org: String,
    /// Asset query suffix for cache-busting.
    pub v: &'static str,
    /// The user runs an organisation (reads member data): pages then offer officers' links.
    pub officer: bool,
}

impl PageCtx {
    /// Adds breadcrumbs.
    #[must_use]
    pub fn crumbs(mut self, c: Vec<(String, Option<String>)>) -> Self {
        self.crumbs = c
            .into_iter()
            .map(|(label, href)| Crumb { label, href })
            .collect();
        self
    }
}

/// Renders a template as an HTML response.
///
/// # Errors
/// Template errors (bugs) as internal errors.
pub fn render<T: Template>(t: &T) -> AppResult<Response> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status (e.g. 422 for a form with errors).
///
/// # Errors
/// Template errors.
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> AppResult<Response> {
    Ok((status, Html(t.render()?)).into_response())
}

/// The year a page asks for (`?year=`, 2000–2100), or this year in China time.
#[must_use]
pub fn year_param(st: &AppState, raw: &str) -> i32 {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| st.app.clock.today().year())
}

/// Renders a form page: 422 when it is shown again with a problem, 200 otherwise.
///
/// # Errors
/// Template failures.
pub fn render_form<T: Template>(has_error: bool, t: &T) -> AppResult<Response> {
    let status = if has_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(status, t)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
    demo: bool,
    v: &'static str,
}

/// The standalone error page (it must render even when the database is down).
#[must_use]
pub fn error_page(status: StatusCode, message: &str, request_id: &str, demo: bool) -> Response {
    let title = match status.as_u16() {
        403 => "无权访问",
        404 => "页面不存在",
        429 => "操作过于频繁",
        400..=499 => "请求有误",
        _ => "系统错误",
    };
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        request_id,
        demo,
        v: super::assets::version(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, "error").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trip() {
        let f = Flash::decode(&Flash::encode("success", "已保存；好")).unwrap();
        assert_eq!(f.kind, "success");
        assert_eq!(f.message, "已保存；好");
        assert!(Flash::decode("evil.zz").is_none());
        assert!(Flash::decode("script.00").is_none());
    }
}
