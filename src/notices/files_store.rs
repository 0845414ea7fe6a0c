//! Notice attachments in the database.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::meetings::service::FileInfo;
use crate::on;

use super::files::Kept;

/// Stores checked files for a notice.
///
/// # Errors
/// Database failures.
pub async fn insert(
    ex: &mut Exec<'_>,
    notice_id: i64,
    files: &[Kept],
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO notice_files (notice_id, filename, content_type, size_bytes, content,
        uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    for (name, ct, bytes) in files {
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        on!(ex, c => sqlx::query(SQL).bind(notice_id).bind(name).bind(*ct).bind(size).bind(bytes)
            .bind(by).bind(now).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// The attachments of a notice, in upload order.
///
/// # Errors
/// Database failures.
pub async fn list(ex: &mut Exec<'_>, notice_id: i64) -> StoreResult<Vec<FileInfo>> {
    const SQL: &str = "SELECT id, 'attachment' AS kind, filename, content_type, size_bytes
        FROM notice_files WHERE notice_id = $1 ORDER BY id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(notice_id).fetch_all(c).await?))
}

/// One attachment of a notice with its bytes.
///
/// # Errors
/// Database failures.
pub async fn one(
    ex: &mut Exec<'_>,
    notice_id: i64,
    file_id: i64,
) -> StoreResult<Option<(FileInfo, Vec<u8>)>> {
    const SQL: &str = "SELECT id, 'attachment' AS kind, filename, content_type, size_bytes, content
        FROM notice_files WHERE notice_id = $1 AND id = $2";
    let row: Option<(i64, String, String, String, i64, Vec<u8>)> =
        on!(ex, c => sqlx::query_as(SQL).bind(notice_id).bind(file_id).fetch_optional(c).await?);
    Ok(
        row.map(|(id, kind, filename, content_type, size_bytes, bytes)| {
            (
                FileInfo {
                    id,
                    kind,
                    filename,
                    content_type,
                    size_bytes,
                },
                bytes,
            )
        }),
    )
}
