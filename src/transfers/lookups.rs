//! Reads that need no transfer in the caller's scope: the public check of a letter by the token
//! printed on it, and the branches a member may be transferred to.

use crate::app::App;
use crate::shared::error::DomainError;

use super::model::Transfer;
use super::store;

/// The public view of a letter by its QR token: only what the letter itself shows.
///
/// # Errors
/// Storage failures.
pub async fn verify(app: &App, token: &str) -> Result<Option<Transfer>, DomainError> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(store::by_token(&mut app.db.conn().await?.exec(), token).await?)
}

/// Branches that may receive a member, as (id, indented label).
///
/// # Errors
/// Storage failures.
pub async fn destinations(app: &App, except: i64) -> Result<Vec<(i64, String)>, DomainError> {
    let mut conn = app.db.conn().await?;
    let rows = store::branches(&mut conn.exec()).await?;
    // Branches of different committees may share a name ("第一党支部"): the committee above
    // tells them apart.
    let all = crate::orgs::service::list_under(
        &mut conn.exec(),
        &crate::auth::Scope::operator().visible(),
        false,
    )
    .await?;
    let parent = |path: &str| {
        let ids = crate::orgs::model::path_ids(path);
        let above = ids.len().checked_sub(2).and_then(|i| ids.get(i).copied())?;
        all.iter().find(|o| o.id == above).map(|o| o.name.clone())
    };
    Ok(rows
        .into_iter()
        .filter(|(id, ..)| *id != except)
        .map(|(id, name, path)| match parent(&path) {
            Some(p) => (id, format!("{name}（{p}）")),
            None => (id, name),
        })
        .collect())
}
