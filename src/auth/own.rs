//! What a signed-in account reads about itself: its row and its sessions. Nothing here takes
//! another account's id from a request; callers pass the session's own user id.

use crate::app::App;
use crate::db::StoreError;

use super::session_store::SessionListing;
use super::store::{SessionAuth, UserRow};

/// The signed-in account's own row (for "我的账号" and the reasons to change a password).
///
/// # Errors
/// Storage failures.
pub async fn own_account(app: &App, user_id: i64) -> Result<UserRow, StoreError> {
    super::store::get_user(&mut app.db.conn().await?.exec(), user_id).await
}

/// The signed-in account's own sessions, latest first.
///
/// # Errors
/// Storage failures.
pub async fn own_sessions(app: &App, user_id: i64) -> Result<Vec<SessionListing>, StoreError> {
    super::session_store::list_sessions(&mut app.db.conn().await?.exec(), user_id).await
}

/// The session a freshly issued token opens (the API login answers with it).
///
/// # Errors
/// Storage failures.
pub async fn session_of(app: &App, token: &str) -> Result<Option<SessionAuth>, StoreError> {
    super::store::find_session(
        &mut app.db.conn().await?.exec(),
        &super::service::token_hash(token),
    )
    .await
}
