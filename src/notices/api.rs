//! JSON API of 通知公告.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::shared::text::parse_datetime;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, PathId};
use crate::web::{AppState, Reg};

use super::model::Audience;
use super::service::{self, Draft};
use super::store::{InboxLine, Notice};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.post("/api/v1/notices", create)
        .get("/api/v1/notices", inbox)
        .get("/api/v1/notices/{id}", open)
        .get("/api/v1/notices/{id}/receipts", receipts)
        .post("/api/v1/notices/{id}/remind", remind)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(create, inbox, open, receipts, remind))]
pub struct Doc;

/// A new notice.
#[derive(Deserialize, ToSchema)]
#[schema(as = NewNotice)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    /// Sending organisation.
    org_id: i64,
    title: String,
    /// HTML; cleaned before it is stored.
    body: String,
    #[serde(default)]
    receipt_required: bool,
    audience: Audience,
    /// `2026-12-01T09:00` (China time) or RFC 3339; now when absent.
    #[serde(default)]
    publish_at: Option<String>,
}

/// A notice as stored.
#[derive(Serialize, ToSchema)]
#[schema(as = NoticeCreated)]
struct Created {
    id: i64,
    /// `scheduled` or `published`.
    status: String,
    /// Recipients counted at publication (0 while scheduled).
    recipients: i64,
}

/// `POST /api/v1/notices`
#[utoipa::path(post, path = "/api/v1/notices", tag = tags::NOTICES, summary = "发布通知",
    request_body = CreateBody,
    responses(
        (status = 201, description = "已发布或已定时", body = Created),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权发布", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 422, description = "内容有误", body = ApiError),
    ))]
async fn create(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<CreateBody>,
) -> AppResult<Response> {
    let publish_at = match b.publish_at.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(parse_datetime(s).ok_or_else(|| {
            AppError::BadRequest(
                "invalid_fields",
                "publish_at 应为 2026-12-01T09:00 或 RFC 3339 时间".into(),
            )
        })?),
    };
    let d = Draft {
        org_id: b.org_id,
        title: b.title,
        body: b.body,
        receipt_required: b.receipt_required,
        audience: b.audience,
        publish_at,
        bot_event: "notice",
    };
    let id = service::create(&st.app, &u.actor(), u.scope(), &d).await?;
    // Read back as stored: opening it would record the sender's own read when they are in the
    // audience.
    let n = super::sending::as_sent(&st.app, u.scope(), id).await?;
    let body = Created {
        id,
        status: n.status,
        recipients: n.recipients,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Paging; read as text so that nonsense falls back to the defaults.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// From 1.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    page: Option<String>,
    /// 1–100, 20 by default.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    per_page: Option<String>,
}

/// A page of the caller's inbox.
#[derive(Serialize, ToSchema)]
struct Inbox {
    total: i64,
    unread: i64,
    page: i64,
    per_page: i64,
    notices: Vec<InboxLine>,
}

/// `GET /api/v1/notices` — the caller's inbox.
#[utoipa::path(get, path = "/api/v1/notices", tag = tags::NOTICES, summary = "我的通知",
    params(PageQuery),
    responses(
        (status = 200, description = "一页通知", body = Inbox),
        (status = 401, description = "未登录", body = ApiError),
    ))]
async fn inbox(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<Inbox>> {
    let num = |v: Option<&str>, d: i64| v.and_then(|s| s.parse::<i64>().ok()).unwrap_or(d);
    let page = num(q.page.as_deref(), 1).max(1);
    let per_page = num(q.per_page.as_deref(), 20).clamp(1, 100);
    let (notices, total, unread) = service::inbox(&st.app, u.scope(), page, per_page).await?;
    Ok(Json(Inbox {
        total,
        unread,
        page,
        per_page,
        notices,
    }))
}

/// An attachment, downloaded from the page address in `url`.
#[derive(Serialize, ToSchema)]
struct Attachment {
    id: i64,
    filename: String,
    content_type: String,
    size_bytes: i64,
    url: String,
}

/// A notice as its reader sees it.
#[derive(Serialize, ToSchema)]
struct Opened {
    #[serde(flatten)]
    notice: Notice,
    /// When the caller read it (now, if this is the first time).
    #[serde(with = "time::serde::rfc3339::option")]
    read_at: Option<OffsetDateTime>,
    attachments: Vec<Attachment>,
}

/// `GET /api/v1/notices/{id}` — opening records the read.
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = tags::NOTICES, summary = "阅读通知（记录已读）",
    params(("id" = i64, Path, description = "通知编号")),
    responses(
        (status = 200, description = "通知", body = Opened),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn open(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Opened>> {
    let o = service::open(&st.app, &u.actor(), u.scope(), id).await?;
    let attachments = o
        .files
        .into_iter()
        .map(|f| Attachment {
            url: format!("/notices/{id}/files/{}", f.id),
            id: f.id,
            filename: f.filename,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
        })
        .collect();
    Ok(Json(Opened {
        notice: o.notice,
        read_at: o.read_at,
        attachments,
    }))
}

/// One recipient.
#[derive(Serialize, ToSchema)]
struct Recipient {
    member_id: i64,
    name: String,
    org_name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    read_at: Option<OffsetDateTime>,
}

/// Who has read a notice and who has not.
#[derive(Serialize, ToSchema)]
struct Receipts {
    id: i64,
    recipients: usize,
    read: Vec<Recipient>,
    unread: Vec<Recipient>,
}

/// `GET /api/v1/notices/{id}/receipts`
#[utoipa::path(get, path = "/api/v1/notices/{id}/receipts", tag = tags::NOTICES, summary = "阅读回执",
    params(("id" = i64, Path, description = "通知编号")),
    responses(
        (status = 200, description = "已读与未读名单", body = Receipts),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权查看", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn receipts(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Receipts>> {
    let (n, rows) = service::receipts(&st.app, u.scope(), id).await?;
    let recipients = rows.len();
    let (read, unread): (Vec<Recipient>, Vec<Recipient>) = rows
        .into_iter()
        .map(|(member_id, name, org_name, read_at)| Recipient {
            member_id,
            name,
            org_name,
            read_at,
        })
        .partition(|r| r.read_at.is_some());
    Ok(Json(Receipts {
        id: n.id,
        recipients,
        read,
        unread,
    }))
}

/// Reminders sent.
#[derive(Serialize, ToSchema)]
struct Reminded {
    id: i64,
    /// Unread recipients reminded.
    reminded: i64,
}

/// `POST /api/v1/notices/{id}/remind`
#[utoipa::path(post, path = "/api/v1/notices/{id}/remind", tag = tags::NOTICES, summary = "提醒未读",
    params(("id" = i64, Path, description = "通知编号")),
    responses(
        (status = 200, description = "已提醒", body = Reminded),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权提醒", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "提醒过于频繁或未发布", body = ApiError),
        (status = 429, description = "提醒过于频繁", body = ApiError),
    ))]
async fn remind(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Reminded>> {
    let reminded = service::remind(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(Json(Reminded { id, reminded }))
}
