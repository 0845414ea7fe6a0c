//! Attachments of a notice: up to ten files chosen on the notice form, recognised by their bytes
//! as the meeting files are (pictures re-encoded without metadata, documents limited to PDF and
//! Office formats), stored in the same transaction as the notice, and served only to its
//! recipients and the officers who run the sending organisation. The rows are in
//! [`files_store`].

use crate::app::App;
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;
use crate::meetings::service::FileInfo;

use super::{files_store, store};
use crate::shared::error::DomainError;

/// Attachments per notice.
pub const MAX_FILES: usize = 10;

/// A file ready to store: (name, content type, bytes).
pub type Kept = (String, &'static str, Vec<u8>);

/// The largest file accepted (the meetings' setting `meetings.attachment_max_mib`).
#[must_use]
pub fn max_bytes(app: &App) -> usize {
    usize::try_from(app.config.meetings.attachment_max_mib).unwrap_or(10) * 1024 * 1024
}

/// Checks every file before anything is written.
///
/// # Errors
/// Too many files, or one that is too large or not an accepted kind (named in the message).
pub fn check(app: &App, files: &[(String, Vec<u8>)]) -> Result<Vec<Kept>, String> {
    if files.len() > MAX_FILES {
        return Err(format!("每条通知最多 {MAX_FILES} 个附件"));
    }
    files
        .iter()
        .map(|(name, bytes)| {
            crate::meetings::files::classify(name, bytes, max_bytes(app))
                .map(|(_, ct, content, kept)| (kept, ct, content))
                .map_err(|e| format!("附件“{name}”：{e}"))
        })
        .collect()
}

/// One attachment with its bytes, if the caller may see the notice: a recipient of it once
/// published, or an officer who runs the sending organisation.
///
/// # Errors
/// `NotFound` for anyone else and for files of another notice.
pub async fn get(
    app: &App,
    scope: &Scope,
    notice_id: i64,
    file_id: i64,
) -> Result<(FileInfo, Vec<u8>), DomainError> {
    let mut conn = app.db.conn().await?;
    let n = match store::get(&mut conn.exec(), notice_id).await {
        Ok(n) => n,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let recipient = match scope.member_id {
        Some(m) if n.status == "published" => store::receipt(&mut conn.exec(), notice_id, m)
            .await?
            .is_some(),
        _ => false,
    };
    drop(conn);
    let manages = scope.has_member_area()
        && crate::orgs::service::get_checked(app, scope, n.org_id, OrgAction::Edit)
            .await
            .is_ok();
    if !recipient && !manages {
        return Err(Denial::NotFound.into());
    }
    files_store::one(&mut app.db.conn().await?.exec(), notice_id, file_id)
        .await?
        .ok_or(DomainError::Denied(Denial::NotFound))
}
