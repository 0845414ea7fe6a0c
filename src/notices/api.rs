//! JSON API of 通知公告.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::shared::text::parse_datetime;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, User};
use crate::web::{AppState, Reg};

use super::model::Audience;
use super::service::{self, Draft};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.post("/api/v1/notices", create)
        .get("/api/v1/notices", inbox)
        .get("/api/v1/notices/{id}", open)
        .get("/api/v1/notices/{id}/receipts", receipts)
        .post("/api/v1/notices/{id}/remind", remind)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    org_id: i64,
    title: String,
    body: String,
    #[serde(default)]
    receipt_required: bool,
    audience: Audience,
    #[serde(default)]
    publish_at: Option<String>,
}

/// `POST /api/v1/notices`
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
    let n = super::store::get(&mut st.app.db.conn().await?.exec(), id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": n.status, "recipients": n.recipients})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
}

/// `GET /api/v1/notices` — the caller's inbox.
async fn inbox(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<Value>> {
    let num = |v: Option<&str>, d: i64| v.and_then(|s| s.parse::<i64>().ok()).unwrap_or(d);
    let page = num(q.page.as_deref(), 1).max(1);
    let per = num(q.per_page.as_deref(), 20).clamp(1, 100);
    let (lines, total, unread) = service::inbox(&st.app, u.scope(), page, per).await?;
    Ok(Json(
        json!({"total": total, "unread": unread, "page": page, "per_page": per, "notices": lines}),
    ))
}

/// `GET /api/v1/notices/{id}` — opening records the read.
async fn open(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let o = service::open(&st.app, &u.actor(), u.scope(), id).await?;
    let mut v = json!(o.notice);
    v["read_at"] = json!(o.read_at.and_then(|t| t.format(&Rfc3339).ok()));
    let files = super::files::list(&mut st.app.db.conn().await?.exec(), id).await?;
    v["attachments"] = files
        .iter()
        .map(|f| {
            json!({"id": f.id, "filename": f.filename, "content_type": f.content_type,
                "size_bytes": f.size_bytes, "url": format!("/notices/{id}/files/{}", f.id)})
        })
        .collect();
    Ok(Json(v))
}

/// `GET /api/v1/notices/{id}/receipts`
async fn receipts(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Value>> {
    let (n, rows) = service::receipts(&st.app, u.scope(), id).await?;
    let line = |(m, name, org, at): &(i64, String, String, Option<time::OffsetDateTime>)| json!({"member_id": m, "name": name, "org_name": org, "read_at": at});
    let read: Vec<Value> = rows.iter().filter(|r| r.3.is_some()).map(line).collect();
    let unread: Vec<Value> = rows.iter().filter(|r| r.3.is_none()).map(line).collect();
    Ok(Json(json!({
        "id": n.id,
        "recipients": rows.len(),
        "read": read,
        "unread": unread,
    })))
}

/// `POST /api/v1/notices/{id}/remind`
async fn remind(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let unread = service::remind(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(Json(json!({"id": id, "reminded": unread})))
}
