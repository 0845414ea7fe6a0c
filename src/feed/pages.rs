//! Pages of the 党建群 feed: the feed with its posting form, comments, likes, moderation, and
//! the photos.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render_form};
use crate::web::{AppState, Reg};

use super::service::{self, Access, MAX_PHOTO_BYTES, MAX_PHOTOS, Shown};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/feed", feed)
        .post_upload("/feed", MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024, post)
        .post("/feed/{id}/comments", comment)
        .post("/feed/{id}/like", like)
        .post("/feed/{id}/moderate", moderate)
        .get("/feed/photos/{id}", photo)
}

#[derive(Template)]
#[template(path = "feed/feed.html")]
struct FeedPage {
    page: PageCtx,
    org_id: i64,
    org_name: String,
    access: Access,
    posts: Vec<Shown>,
    more: Option<i64>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    before: String,
}

async fn feed_page(
    st: &AppState,
    u: &User,
    org: i64,
    before: Option<i64>,
    error: Option<String>,
) -> AppResult<Response> {
    let (o, access, posts) = service::page(&st.app, u.scope(), org, before).await?;
    let more = (i64::try_from(posts.len()).unwrap_or(0) >= service::PER_PAGE)
        .then(|| {
            posts
                .iter()
                .filter(|p| !p.post.pinned)
                .map(|p| p.post.id)
                .min()
        })
        .flatten();
    let page = PageCtx::new(st, u, "党建群", "feed")
        .await?
        .crumbs(vec![("党建群".into(), None)]);
    render_form(
        error.is_some(),
        &FeedPage {
            page,
            org_id: o.id,
            org_name: o.name,
            access,
            posts,
            more,
            error,
        },
    )
}

async fn feed(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<FeedQuery>,
) -> AppResult<Response> {
    if u.0.role.is_admin_triad() {
        return Err(AppError::Forbidden);
    }
    let org = org_param(&st, &u, &q.org).await?;
    feed_page(&st, &u, org, q.before.parse().ok(), None).await
}

async fn post(
    State(st): State<AppState>,
    u: User,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::FeedPost).await?;
    let Ok(mut mp) = mp else {
        return Err(AppError::BadRequest(
            "invalid_form",
            "表单内容不完整或格式不正确，请刷新页面后重试".into(),
        ));
    };
    let (mut org, mut body, mut photos) = (String::new(), String::new(), Vec::new());
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(AppError::TooLarge),
        };
        match field.name().unwrap_or("") {
            "org_id" => org = field.text().await.unwrap_or_default(),
            "body" => body = field.text().await.unwrap_or_default(),
            "photos" => {
                let mut bytes = Vec::new();
                while let Ok(Some(chunk)) = field.chunk().await {
                    if bytes.len() + chunk.len() > MAX_PHOTO_BYTES {
                        let m = format!("图片不能超过 {} MB", MAX_PHOTO_BYTES / 1024 / 1024);
                        let o = org.parse().unwrap_or(0);
                        return feed_page(&st, &u, o, None, Some(m)).await;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !bytes.is_empty() {
                    photos.push(bytes);
                }
            }
            _ => {
                return Err(AppError::BadRequest(
                    "unexpected_field",
                    "表单包含不允许提交的字段".into(),
                ));
            }
        }
    }
    let Ok(org) = org.parse::<i64>() else {
        return Err(AppError::BadRequest(
            "invalid_form",
            "表单内容不完整或格式不正确，请刷新页面后重试".into(),
        ));
    };
    match service::post(&st.app, &u.actor(), u.scope(), org, &body, &photos).await {
        Ok(_) => Ok(redirect_with(
            &st,
            &format!("/feed?org={org}"),
            "success",
            "已发布",
        )),
        Err(DomainError::Invalid(m)) => feed_page(&st, &u, org, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// Back to the post in its feed.
async fn back(st: &AppState, u: &User, post_id: i64) -> AppResult<String> {
    let org_id = service::feed_of(&st.app, u.scope(), post_id).await?;
    Ok(format!("/feed?org={org_id}#p{post_id}"))
}

async fn comment(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<TextForm>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::FeedComment).await?;
    let r = service::comment(&st.app, &u.actor(), u.scope(), id, &f.body).await;
    finish(&st, &u, id, r.map(|_| "已评论")).await
}

async fn like(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    service::like(&st.app, u.scope(), id).await?;
    Ok(crate::web::layout::redirect(&back(&st, &u, id).await?))
}

async fn moderate(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<TextForm>,
) -> AppResult<Response> {
    let r = service::moderate(&st.app, &u.actor(), u.scope(), id, &f.action, &f.reason).await;
    finish(&st, &u, id, r.map(|()| "已处理")).await
}

async fn finish(
    st: &AppState,
    u: &User,
    id: i64,
    r: Result<&str, DomainError>,
) -> AppResult<Response> {
    match r {
        Ok(m) => Ok(redirect_with(st, &back(st, u, id).await?, "success", m)),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(st, &back(st, u, id).await?, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn photo(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let bytes = service::photo(&st.app, u.scope(), id).await?;
    Ok(crate::web::download::private(
        bytes,
        "image/jpeg",
        "photo.jpg",
    ))
}
