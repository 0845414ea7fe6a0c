//! Uploading, showing and removing a member's photo.

use axum::extract::{Multipart, State};
use axum::response::Response;

use crate::auth::MemberAction;
use crate::auth::extract::User;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::PathId;
use crate::web::layout::redirect_with;
use crate::web::upload::single_file;
use crate::web::{AppState, Reg};

use super::photo::{self, MAX_BYTES};
use super::service;
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/{id}/photo", show)
        .post_upload("/members/{id}/photo", MAX_BYTES + 64 * 1024, upload)
        .post("/members/{id}/photo/delete", remove)
}

/// `GET /members/{id}/photo`: only through the member's scope check, never as a static file.
async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    let bytes = photo::get_bytes(&mut st.app.db.conn().await?.exec(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::download::private(
        bytes,
        "image/jpeg",
        "photo.jpg",
    ))
}

async fn upload(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
    let to = format!("/members/{id}");
    let Ok(mut mp) = mp else {
        return Ok(redirect_with(&st, &to, "error", "请选择照片文件"));
    };
    let bytes = match single_file(&mut mp, "photo", MAX_BYTES).await {
        Ok(Some((_, bytes))) => bytes,
        Ok(None) => return Ok(redirect_with(&st, &to, "error", "请选择照片文件")),
        Err(e) => {
            return Ok(redirect_with(
                &st,
                &to,
                "error",
                &e.message("照片不能超过 5 MB")?,
            ));
        }
    };
    match photo::upload(&st.app, &u.actor(), u.scope(), id, bytes).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", "照片已更新")),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn remove(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    photo::remove(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(redirect_with(
        &st,
        &format!("/members/{id}"),
        "success",
        "照片已删除",
    ))
}

/// Whether a member has a photo (for the member page).
///
/// # Errors
/// Storage failures.
pub async fn has_photo(st: &AppState, id: i64) -> AppResult<bool> {
    Ok(photo::get_bytes(&mut st.app.db.conn().await?.exec(), id)
        .await?
        .is_some())
}
