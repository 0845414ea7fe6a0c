//! JSON API of the 党建群 feed: reading a page and posting text (photos are posted through the
//! page's upload form).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::ApiJson;
use crate::web::{AppState, Reg};

use super::service;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/feed", page).post("/api/v1/feed", post)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(page, post))]
pub struct Doc;

/// Which feed and where to continue. Both are read as text so that a bad value answers with a
/// Chinese message rather than the framework's.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FeedQuery {
    /// Organisation id; the caller's own branch when absent.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    org: Option<String>,
    /// Show posts older than this post id.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    before: Option<String>,
}

/// One page of a branch's feed.
#[derive(Serialize, ToSchema)]
struct FeedPage {
    org_id: i64,
    /// The caller may post, comment and like.
    can_post: bool,
    /// The caller may pin, hide and delete.
    can_moderate: bool,
    posts: Vec<service::Shown>,
}

/// A new post.
#[derive(Serialize, ToSchema)]
#[schema(as = FeedPostCreated)]
struct Created {
    id: i64,
}

fn own_org(u: &User) -> AppResult<i64> {
    u.scope()
        .own
        .as_ref()
        .map(|o| o.id)
        .ok_or(AppError::Forbidden)
}

/// `GET /api/v1/feed?org=&before=`
#[utoipa::path(get, path = "/api/v1/feed", tag = tags::FEED, summary = "党建群动态",
    params(FeedQuery),
    responses(
        (status = 200, description = "一页动态", body = FeedPage),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "没有所属支部", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn page(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<FeedQuery>,
) -> AppResult<Json<FeedPage>> {
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
    Ok(Json(FeedPage {
        org_id: o.id,
        can_post: a.takes_part,
        can_moderate: a.moderates,
        posts,
    }))
}

/// A text post; photos go through the page's upload form.
#[derive(Deserialize, ToSchema)]
#[schema(as = NewFeedPost)]
#[serde(deny_unknown_fields)]
struct PostBody {
    #[serde(default)]
    org_id: Option<i64>,
    body: String,
}

/// `POST /api/v1/feed`
#[utoipa::path(post, path = "/api/v1/feed", tag = tags::FEED, summary = "发布动态",
    request_body = PostBody,
    responses(
        (status = 201, description = "已发布", body = Created),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权在此发布", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 422, description = "内容不符合要求", body = ApiError),
        (status = 429, description = "发布过于频繁", body = ApiError),
    ))]
async fn post(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<PostBody>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::FeedPost).await?;
    let org = match b.org_id {
        Some(o) => o,
        None => own_org(&u)?,
    };
    let id = service::post(&st.app, &u.actor(), u.scope(), org, &b.body, &[]).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}
