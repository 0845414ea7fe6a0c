//! Import files kept between the check and the commit: the officer checks a workbook, sees the
//! preview, and commits the same bytes without sending them again. A kept file belongs to the
//! account that uploaded it, is sealed at rest, and is removed after the commit or two hours.

use time::Duration;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::db::StoreError;
use crate::orgs::model::Org;
use crate::shared::error::DomainError;

use super::store;

/// How long a checked file waits for its commit.
const KEPT_FOR: Duration = Duration::hours(2);

/// Keeps a checked file for `org`, clearing the account's expired ones, with the check's
/// audit row (what was checked and how many problems were found). Returns the upload id.
///
/// # Errors
/// Storage failures.
pub async fn keep(
    app: &App,
    actor: &Actor,
    org: &Org,
    file_name: &str,
    bytes: &[u8],
    summary: String,
) -> Result<i64, DomainError> {
    let user_id = actor.user_id.ok_or(crate::auth::Denial::Forbidden)?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            store::delete_uploads(&mut w.exec(), None, user_id, now - KEPT_FOR).await?;
            let id = store::insert_upload(
                &mut w.exec(),
                &app.keys,
                user_id,
                org.id,
                file_name,
                bytes,
                now,
            )
            .await?;
            let ev = AuditEvent::success("member.import_check", "org", org.id)
                .org(org.id)
                .detail(summary);
            w.audit(ev).await?;
            Ok::<_, DomainError>(id)
        })
        .await
}

/// The kept file `id` of the account: (organisation id, bytes). Another account's file is
/// not found.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn take(app: &App, user_id: i64, id: i64) -> Result<(i64, Vec<u8>), StoreError> {
    let (org_id, _, bytes) =
        store::get_upload(&mut app.db.conn().await?.exec(), &app.keys, id, user_id).await?;
    Ok((org_id, bytes))
}

/// Removes the kept file `id` of the account, and its expired ones.
///
/// # Errors
/// Storage failures.
pub async fn discard(app: &App, user_id: i64, id: i64) -> Result<(), StoreError> {
    let mut tx = app.db.begin().await?;
    store::delete_uploads(&mut tx.exec(), Some(id), user_id, app.now() - KEPT_FOR).await?;
    tx.commit().await
}
