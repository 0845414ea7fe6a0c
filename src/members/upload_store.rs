//! SQL of the import files kept between the preview and the confirmation of an import.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::shared::crypto::KeyRing;

/// Keeps an uploaded file until the user confirms or abandons the import.
///
/// # Errors
/// Database failures.
pub async fn insert_upload(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    user_id: i64,
    org_id: i64,
    file_name: &str,
    content: &[u8],
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO uploads (purpose, user_id, org_id, file_name, content, created_at)
        VALUES ('member_import', $1, $2, $3, $4, $5) RETURNING id";
    // The roster file is full of 身份证号: it is kept sealed too (SEC-46), bound to its row.
    let empty: &[u8] = &[];
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(user_id).bind(org_id).bind(file_name).bind(empty).bind(now).fetch_one(c).await?);
    let sealed = keys.seal(
        &crate::shared::crypto::aad("uploads", "content", id),
        content,
    );
    on!(ex, c => sqlx::query("UPDATE uploads SET content = $2 WHERE id = $1").bind(id).bind(sealed).execute(c).await?.rows_affected());
    Ok(id)
}

/// A kept upload of this user: (organisation, file name, content).
///
/// # Errors
/// `NotFound` when it is not this user's or no longer exists.
pub async fn get_upload(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    id: i64,
    user_id: i64,
) -> StoreResult<(i64, String, Vec<u8>)> {
    const SQL: &str = "SELECT org_id, file_name, content FROM uploads WHERE id = $1 AND user_id = $2 AND purpose = 'member_import'";
    let (org, name, sealed): (i64, String, Vec<u8>) =
        on!(ex, c => sqlx::query_as(SQL).bind(id).bind(user_id).fetch_one(c).await?);
    let content = keys
        .open(
            &crate::shared::crypto::aad("uploads", "content", id),
            &sealed,
        )
        .map_err(|e| crate::db::StoreError::Db(sqlx::Error::Decode(Box::new(e))))?;
    Ok((org, name, content))
}

/// Deletes an upload, and this user's uploads older than `before` (abandoned previews).
///
/// # Errors
/// Database failures.
pub async fn delete_uploads(
    ex: &mut Exec<'_>,
    id: Option<i64>,
    user_id: i64,
    before: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM uploads WHERE user_id = $1 AND (id = $2 OR created_at < $3)";
    on!(ex, c => sqlx::query(SQL).bind(user_id).bind(id.unwrap_or(-1)).bind(before).execute(c).await?.rows_affected());
    Ok(())
}
