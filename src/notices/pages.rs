//! Pages of 通知公告: the inbox (and the officer's sent notices), the form, a notice, its
//! 已读 / 未读 lists and the reminder.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::current_org;
use crate::shared::text::{datetime, parse_datetime};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_form};
use crate::web::{AppState, Reg};

use super::model::Audience;
use super::service::{self, Draft};
use super::store::{InboxLine, Notice};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/notices", inbox)
        .get("/notices/new", form)
        .post_upload("/notices", UPLOAD_LIMIT, create)
        .get("/notices/{id}", show)
        .get("/notices/{id}/files/{fid}", file)
        .get("/notices/{id}/receipts", receipts)
        .post("/notices/{id}/remind", remind)
}

#[derive(Template)]
#[template(path = "notices/inbox.html")]
struct InboxPage {
    page: PageCtx,
    lines: Vec<InboxLine>,
    unread: i64,
    total: i64,
    page_no: i64,
    pages: i64,
    /// (id, title, status, time, recipients, read) of notices sent in the user's reach.
    sent: Vec<(i64, String, String, String, i64, i64)>,
    officer: bool,
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: String,
}

const PER_PAGE: i64 = 20;

async fn inbox(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    if u.0.role.is_admin_triad() {
        return Err(AppError::Forbidden);
    }
    let page_no = q.page.parse::<i64>().unwrap_or(1).max(1);
    let (lines, total, unread) = service::inbox(&st.app, u.scope(), page_no, PER_PAGE).await?;
    let officer = u.scope().has_member_area();
    let sent = match (officer, current_org(&st, &u).await?) {
        (true, Some(org)) => match super::sending::sent(&st.app, u.scope(), &org, 20).await {
            Err(DomainError::Denied(_)) => Vec::new(),
            r => r?,
        }
        .into_iter()
        .map(|(id, t, s, at, n, r)| (id, t, s, datetime(at), n, r))
        .collect(),
        _ => Vec::new(),
    };
    let page = PageCtx::new(&st, &u, "通知公告", "notices")
        .await?
        .crumbs(vec![("通知公告".into(), None)]);
    render(&InboxPage {
        page,
        lines,
        unread,
        total,
        page_no,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        sent,
        officer,
    })
}

#[derive(Template)]
#[template(path = "notices/form.html")]
struct FormPage {
    page: PageCtx,
    org_id: i64,
    /// (id, indented name) of organisations the notice may go to.
    orgs: Vec<(i64, String)>,
    title: String,
    body: String,
    max_mib: u32,
    error: Option<String>,
}

async fn form_page(
    st: &AppState,
    u: &User,
    title: String,
    body: String,
    error: Option<String>,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let org = current_org(st, u).await?.ok_or(AppError::Forbidden)?;
    let orgs = crate::orgs::service::outline(&st.app, u.scope())
        .await?
        .into_iter()
        .filter(|(o, _)| o.path.starts_with(&org.path))
        .map(|(o, level)| (o.id, format!("{}{}", "　".repeat(level.min(6)), o.name)))
        .collect();
    let page = PageCtx::new(st, u, "发布通知", "notices")
        .await?
        .crumbs(vec![
            ("通知公告".into(), Some("/notices".into())),
            ("发布通知".into(), None),
        ]);
    render_form(
        error.is_some(),
        &FormPage {
            page,
            org_id: org.id,
            orgs,
            title,
            body,
            max_mib: st.app.config.meetings.attachment_max_mib,
            error,
        },
    )
}

async fn form(State(st): State<AppState>, u: User) -> AppResult<Response> {
    form_page(&st, &u, String::new(), String::new(), None).await
}

/// Ten attachments of the largest size the setting allows (checked per file while reading),
/// and the text.
const UPLOAD_LIMIT: usize = 10 * 50 * 1024 * 1024 + 1024 * 1024;

/// Reads the notice form, sent as `multipart/form-data` with attachments in `files`, or
/// URL-encoded without them.
async fn read_form(
    st: &AppState,
    req: axum::extract::Request,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), Result<String, AppError>> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if !multipart {
        let ValidForm(f) = ValidForm::<Vec<(String, String)>>::from_request(req, st)
            .await
            .map_err(Err)?;
        return Ok((f, Vec::new()));
    }
    let mut mp = axum::extract::Multipart::from_request(req, st)
        .await
        .map_err(|_| Ok("表单内容不完整，请重试".to_owned()))?;
    let max = super::files::max_bytes(&st.app);
    crate::web::upload::fields_and_files(&mut mp, "files", max, super::files::MAX_FILES)
        .await
        .map_err(|e| {
            e.message(&format!(
                "每个附件不能超过 {} MB，最多 {} 个",
                max / 1024 / 1024,
                super::files::MAX_FILES
            ))
        })
}

/// Fields: `org_id`, `title`, `body`, `receipt`, `publish_at`, per organisation `to` (its own
/// members) or `tree` (with everything below), and attachments in `files`.
async fn create(
    State(st): State<AppState>,
    u: User,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let (f, files) = match read_form(&st, req).await {
        Ok(x) => x,
        Err(Ok(m)) => return form_page(&st, &u, String::new(), String::new(), Some(m)).await,
        Err(Err(e)) => return Err(e),
    };
    let one = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids = |k: &str| -> Vec<i64> {
        f.iter()
            .filter(|(n, _)| n == k)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    let (title, body) = (one("title"), one("body"));
    let Ok(org_id) = one("org_id").parse::<i64>() else {
        return Err(AppError::BadRequest(
            "invalid_form",
            "表单内容不完整或格式不正确，请刷新页面后重试".into(),
        ));
    };
    let when = one("publish_at");
    let publish_at = match when.trim() {
        "" => None,
        s => {
            if let Some(t) = parse_datetime(s) {
                Some(t)
            } else {
                let m = Some("定时发布时间格式不正确".to_owned());
                return form_page(&st, &u, title, body, m).await;
            }
        }
    };
    let subtrees = ids("tree");
    let d = Draft {
        org_id,
        title: title.clone(),
        body: body.clone(),
        receipt_required: one("receipt") == "1",
        audience: Audience {
            orgs: ids("to")
                .into_iter()
                .filter(|i| !subtrees.contains(i))
                .collect(),
            subtrees,
            members: Vec::new(),
        },
        publish_at,
        bot_event: "notice",
    };
    match service::create_with_files(&st.app, &u.actor(), u.scope(), &d, &files).await {
        Ok(id) => {
            let msg = if publish_at.is_some() {
                "通知已保存，将按时发布"
            } else {
                "通知已发布"
            };
            Ok(redirect_with(
                &st,
                &format!("/notices/{id}"),
                "success",
                msg,
            ))
        }
        Err(DomainError::Invalid(m)) => form_page(&st, &u, title, body, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "notices/show.html")]
struct ShowPage {
    page: PageCtx,
    n: Notice,
    read_at: Option<String>,
    manages: bool,
    read_count: i64,
    files: Vec<crate::meetings::service::FileInfo>,
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let o = service::open(&st.app, &u.actor(), u.scope(), id).await?;
    let read_count = o.read_count;
    let page = PageCtx::new(&st, &u, &o.notice.title, "notices")
        .await?
        .crumbs(vec![
            ("通知公告".into(), Some("/notices".into())),
            (o.notice.title.clone(), None),
        ]);
    render(&ShowPage {
        page,
        files: o.files,
        read_at: o.read_at.map(datetime),
        manages: o.manages,
        n: o.notice,
        read_count,
    })
}

#[derive(Template)]
#[template(path = "notices/receipts.html")]
struct ReceiptsPage {
    page: PageCtx,
    n: Notice,
    /// (name, organisation, read time or empty).
    read: Vec<(String, String, String)>,
    unread: Vec<(String, String, String)>,
}

async fn receipts(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (n, rows) = service::receipts(&st.app, u.scope(), id).await?;
    let (mut read, mut unread) = (Vec::new(), Vec::new());
    for (_, name, org, at) in rows {
        match at {
            Some(t) => read.push((name, org, datetime(t))),
            None => unread.push((name, org, String::new())),
        }
    }
    let page = PageCtx::new(&st, &u, "阅读情况", "notices")
        .await?
        .crumbs(vec![
            ("通知公告".into(), Some("/notices".into())),
            (n.title.clone(), Some(format!("/notices/{id}"))),
            ("阅读情况".into(), None),
        ]);
    render(&ReceiptsPage {
        page,
        n,
        read,
        unread,
    })
}

async fn remind(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let to = format!("/notices/{id}/receipts");
    match service::remind(&st.app, &u.actor(), u.scope(), id).await {
        Ok(n) => Ok(redirect_with(
            &st,
            &to,
            "success",
            &format!("已提醒 {n} 名未读党员"),
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn file(
    State(st): State<AppState>,
    u: User,
    crate::web::extract::PathIds(id, fid): crate::web::extract::PathIds,
) -> AppResult<Response> {
    let (info, bytes) = super::files::get(&st.app, u.scope(), id, fid).await?;
    Ok(crate::web::download::private(
        bytes,
        &info.content_type,
        &info.filename,
    ))
}
