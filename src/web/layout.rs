//! What every page shares: the `PageCtx` (user, navigation, organisation switcher, CSRF token,
//! flash message, breadcrumbs, demo banner), flash cookies, and the standalone error page.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::orgs::model::OrgKind;

use super::AppState;
use super::error::AppResult;
use super::extract::User;
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

pub use super::nav::NavItem;

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
}

impl PageCtx {
    /// Builds the context for a signed-in page in navigation area `area`.
    ///
    /// # Errors
    /// Storage failures while loading the switcher.
    pub async fn new(st: &AppState, u: &User, title: &str, area: &str) -> AppResult<Self> {
        let a = &u.0;
        let unread =
            crate::notices::centre::unread(&mut st.app.db.conn().await?.exec(), a.user_id).await?;
        let nav = super::nav::items(a, area);
        let (switcher, current_org) = switcher(st, u).await?;
        Ok(Self {
            title: title.to_owned(),
            demo: st.app.is_demo(),
            user_name: a.display_name.clone(),
            role_label: a.role.label(),
            csrf: a.csrf.clone(),
            nav,
            unread_notifications: unread,
            crumbs: Vec::new(),
            flash: u.1.flash.clone(),
            switcher,
            current_org,
            v: super::assets::version(),
        })
    }

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

/// The organisation in focus for this user: the one chosen in the switcher if still visible,
/// otherwise their own.
///
/// # Errors
/// Storage failures.
pub async fn current_org(st: &AppState, u: &User) -> AppResult<Option<crate::orgs::model::Org>> {
    let scope = &u.0.scope;
    let pick = u.0.current_org_id.or(scope.own.as_ref().map(|o| o.id));
    let Some(id) = pick else { return Ok(None) };
    let mut conn = st.app.db.conn().await?;
    match crate::orgs::store::get(&mut conn.exec(), id).await {
        Ok(o) if scope.sees(&o.path) && o.is_active() => Ok(Some(o)),
        Ok(_) | Err(crate::db::StoreError::NotFound) => match scope.own.as_ref() {
            Some(own) if own.id != id => {
                Ok(crate::orgs::store::get(&mut conn.exec(), own.id).await.ok())
            }
            _ => Ok(None),
        },
        Err(e) => Err(e.into()),
    }
}

async fn switcher(st: &AppState, u: &User) -> AppResult<(Vec<SwitchOpt>, String)> {
    let current = current_org(st, u).await?;
    let name = current
        .as_ref()
        .map(|o| o.short_name.clone().unwrap_or_else(|| o.name.clone()))
        .unwrap_or_default();
    let scope = &u.0.scope;
    if !scope.has_org_area() {
        return Ok((Vec::new(), name));
    }
    let mut conn = st.app.db.conn().await?;
    let orgs = crate::orgs::store::list_under(&mut conn.exec(), &scope.visible(), false).await?;
    let mut opts: Vec<(String, SwitchOpt)> = orgs
        .into_iter()
        .filter(|o| o.kind() != OrgKind::Group)
        .take(300)
        .map(|o| {
            let label = format!(
                "{}{}",
                "　".repeat(usize::try_from(o.depth).unwrap_or(0).min(6)),
                o.short_name.as_ref().unwrap_or(&o.name)
            );
            let selected = current.as_ref().is_some_and(|c| c.id == o.id);
            (
                o.path.clone(),
                SwitchOpt {
                    id: o.id,
                    label,
                    selected,
                },
            )
        })
        .collect();
    // Depth-first order so children follow their parent.
    opts.sort_by_key(|a| sort_key(&a.0));
    let opts: Vec<SwitchOpt> = opts.into_iter().map(|(_, o)| o).collect();
    Ok((if opts.len() > 1 { opts } else { Vec::new() }, name))
}

fn sort_key(path: &str) -> Vec<i64> {
    crate::orgs::model::path_ids(path)
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

/// The organisation a page asks for (`?org=`), or the one in focus when none is given.
///
/// # Errors
/// Forbidden for accounts without an organisation.
pub async fn org_param(st: &AppState, u: &User, raw: &str) -> AppResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(o) => Ok(o),
        Err(_) => Ok(current_org(st, u)
            .await?
            .ok_or(super::AppError::Forbidden)?
            .id),
    }
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
