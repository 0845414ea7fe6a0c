//! Counting an action against the account's allowance, and auditing the excess.

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::db::StoreError;

use super::model::{Kind, WINDOW_SECS, allows, window_of};
use super::store;

/// Why an action was not counted.
#[derive(Debug, thiserror::Error)]
pub enum Limited {
    /// Over the allowance; the refusal has been audited.
    #[error("rate limited")]
    Exceeded,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// SEC-44: counts one `kind` action of the account and allows it while the account stays
/// within its hourly allowance. An action over the allowance is not counted, and is audited as
/// `rate.limited` with its kind, in the same transaction.
///
/// # Errors
/// [`Limited::Exceeded`] over the allowance; storage failures.
pub async fn hit(app: &App, actor: &Actor, user_id: i64, kind: Kind) -> Result<(), Limited> {
    let now = app.now();
    let ts = now.unix_timestamp();
    let window = window_of(ts);
    let limit = kind.per_hour(&app.config.limits);
    let mut tx = app.db.begin().await?;
    let counted = store::count_one(&mut tx.exec(), user_id, kind.code(), window).await?;
    let previous = store::hits(&mut tx.exec(), user_id, kind.code(), window - WINDOW_SECS).await?;
    if allows(counted - 1, previous, ts - window, limit) {
        store::forget_before(&mut tx.exec(), user_id, kind.code(), window - WINDOW_SECS).await?;
        tx.commit().await?;
        return Ok(());
    }
    store::uncount_one(&mut tx.exec(), user_id, kind.code(), window).await?;
    let ev = AuditEvent::success("rate.limited", kind.code(), user_id)
        .outcome(Outcome::Denied)
        .detail(format!("{}：一小时内超过 {limit} 次", kind.label()));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Err(Limited::Exceeded)
}
