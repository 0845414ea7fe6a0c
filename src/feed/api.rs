//! JSON API of the 党建群 feed: reading a page and posting text (photos are posted through the
//! page's upload form).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, User};
use crate::web::{AppState, Reg};

use super::service;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/feed", page).post("/api/v1/feed", post)
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    before: Option<String>,
}

fn own_org(u: &User) -> AppResult<i64> {
    u.scope()
        .own
        .as_ref()
        .map(|o| o.id)
        .ok_or(AppError::Forbidden)
}

/// `GET /api/v1/feed?org=&before=`
async fn page(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<FeedQuery>,
) -> AppResult<Json<Value>> {
    let bad = |m: &str| AppError::BadRequest("invalid_fields", m.to_owned());
    let org = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map_err(|_| bad("org 应为组织编号"))?,
        None => own_org(&u)?,
    };
    let before = match q.before.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<i64>().map_err(|_| bad("before 应为动态编号"))?),
        None => None,
    };
    let (o, a, posts) = service::page(&st.app, u.scope(), org, before).await?;
    Ok(Json(json!({
        "org_id": o.id,
        "can_post": a.takes_part,
        "can_moderate": a.moderates,
        "posts": posts,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostBody {
    #[serde(default)]
    org_id: Option<i64>,
    body: String,
}

/// `POST /api/v1/feed`
async fn post(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<PostBody>,
) -> AppResult<Response> {
    crate::web::rate::account(&st, &u, crate::limits::Kind::FeedPost).await?;
    let org = match b.org_id {
        Some(o) => o,
        None => own_org(&u)?,
    };
    let id = service::post(&st.app, &u.actor(), u.scope(), org, &b.body, &[]).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}
