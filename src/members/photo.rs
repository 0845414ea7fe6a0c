//! Member photos (SEC-37): JPEG or PNG only, recognised by their bytes (never by name), at most
//! 5 MiB and 4096 × 4096 pixels (checked before decoding), re-encoded as a small JPEG so that
//! EXIF and GPS data are gone, and served only through the scope-checked member routes.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{MemberAction, Scope};

use super::photo_store::{delete, put};
use super::service::detail;

pub use super::photo_store::{exists, get_bytes};
use crate::shared::error::DomainError;

/// Largest upload.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Largest width or height accepted.
pub const MAX_SIDE: u32 = crate::shared::picture::MAX_SIDE;
/// Longest side of the stored photo.
const STORED_SIDE: u32 = 480;

/// Checks and re-encodes an uploaded photo.
///
/// # Errors
/// A message for the user when the file is not an acceptable photo.
pub fn clean(bytes: &[u8]) -> Result<Vec<u8>, String> {
    crate::shared::picture::reencode(bytes, MAX_BYTES, STORED_SIDE, "照片")
}

/// Stores a photo for a record the caller may edit.
///
/// # Errors
/// Denied, or the file is not an acceptable photo.
pub async fn upload(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
    bytes: Vec<u8>,
) -> Result<(), DomainError> {
    detail(app, scope, member_id, MemberAction::Edit).await?;
    let cleaned = tokio::task::spawn_blocking(move || clean(&bytes))
        .await
        .map_err(|_| DomainError::Invalid("照片处理失败".into()))?
        .map_err(DomainError::Invalid)?;
    write(app, actor, scope, member_id, Some(cleaned)).await
}

/// Removes a photo.
///
/// # Errors
/// Denied.
pub async fn remove(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
) -> Result<(), DomainError> {
    write(app, actor, scope, member_id, None).await
}

/// Replaces (or with `None` removes) the photo, with its audit row.
async fn write(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
    photo: Option<Vec<u8>>,
) -> Result<(), DomainError> {
    let d = detail(app, scope, member_id, MemberAction::Edit).await?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let what = if let Some(p) = &photo {
                put(&mut w.exec(), member_id, p, now).await?;
                "上传照片"
            } else {
                delete(&mut w.exec(), member_id).await?;
                "删除照片"
            };
            let ev = AuditEvent::success("member.photo", "member", member_id)
                .org(d.org.id)
                .detail(what);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
