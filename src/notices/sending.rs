//! What officers see of the notices their organisations sent: the list on the inbox page and
//! a notice as stored, without recording a read.

use time::OffsetDateTime;

use crate::app::App;
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;
use crate::orgs::model::Org;
use crate::shared::error::DomainError;

use super::store::{self, Notice};

/// A notice as stored, for an officer of the sending organisation (without recording a read).
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn as_sent(app: &App, scope: &Scope, id: i64) -> Result<Notice, DomainError> {
    let notice = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(n) => n,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    if !scope.has_member_area()
        || crate::orgs::service::get_checked(app, scope, notice.org_id, OrgAction::Edit)
            .await
            .is_err()
    {
        return Err(Denial::NotFound.into());
    }
    Ok(notice)
}

/// The latest notices sent by `org` and the organisations under it, for its officers: (id,
/// title, status, publish time, recipients, read).
///
/// # Errors
/// `NotFound` unless the caller may edit `org`.
pub async fn sent(
    app: &App,
    scope: &Scope,
    org: &Org,
    limit: i64,
) -> Result<Vec<(i64, String, String, OffsetDateTime, i64, i64)>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::NotFound.into());
    }
    crate::orgs::service::get_checked(app, scope, org.id, OrgAction::Edit).await?;
    Ok(store::sent(&mut app.db.conn().await?.exec(), &org.path, limit).await?)
}

/// Notices sent in `org`'s subtree whose receipts are overdue (published longer ago than the
/// receipt reminder waits, still unread by someone): (count, the oldest), for its officers.
///
/// # Errors
/// Storage failures.
pub async fn overdue_receipts(
    app: &App,
    scope: &Scope,
    org: &Org,
) -> Result<Option<(i64, i64)>, DomainError> {
    if !scope.has_member_area()
        || crate::orgs::service::get_checked(app, scope, org.id, OrgAction::Edit)
            .await
            .is_err()
    {
        return Ok(None);
    }
    let hours = match app.config.notices.receipt_reminder_hours {
        0 => 24,
        h => i64::from(h),
    };
    let before = app.now() - time::Duration::hours(hours);
    let (n, first) =
        store::overdue_receipts(&mut app.db.conn().await?.exec(), &org.path, before).await?;
    Ok(first.filter(|_| n > 0).map(|id| (n, id)))
}
