//! The meetings part of an officer's 待办: leave requests to decide and records to write.

use crate::app::App;
use crate::auth::Scope;
use crate::orgs::model::Org;

use crate::db::StoreError;

use super::service::check_manage;
use super::waiting_store;

/// One kind of work waiting: how many, and where to start.
pub struct Waiting {
    /// How many.
    pub count: i64,
    /// The page of the first.
    pub link: String,
}

/// Leave requests to decide and meetings to record in `org`'s subtree, for officers who run it;
/// nothing for anyone else.
///
/// # Errors
/// Storage failures.
pub async fn waiting(
    app: &App,
    scope: &Scope,
    org: &Org,
) -> Result<(Option<Waiting>, Option<Waiting>), StoreError> {
    if !scope.has_member_area() || check_manage(scope, org).is_err() {
        return Ok((None, None));
    }
    let mut conn = app.db.conn().await?;
    let (leaves, first_leave) = waiting_store::pending_leaves(&mut conn.exec(), &org.path).await?;
    let (late, first_late) =
        waiting_store::unrecorded(&mut conn.exec(), &org.path, app.now()).await?;
    let leave = first_leave.filter(|_| leaves > 0).map(|id| Waiting {
        count: leaves,
        link: format!("/meetings/{id}#leave"),
    });
    let record = first_late.filter(|_| late > 0).map(|id| Waiting {
        count: late,
        link: format!("/meetings/{id}/minutes"),
    });
    Ok((leave, record))
}
