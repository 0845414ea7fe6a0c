//! What the system page reads: each job's last run, the events the consumers could not use,
//! and how old the points consumer's oldest pending event is. Only those who may view the
//! platform's operation read it.

use time::OffsetDateTime;

use crate::app::App;
use crate::auth::scope::Capability;
use crate::auth::{Denial, Scope};
use crate::events::failed_store::{self, Failed};
use crate::shared::error::DomainError;

use super::store::{self, LastRun};

/// The state of the background work.
pub struct Health {
    /// The last run of each job that has run.
    pub runs: Vec<LastRun>,
    /// The latest failed events, newest first.
    pub failed: Vec<Failed>,
    /// Failed events in all.
    pub failed_total: i64,
    /// When the oldest event the points consumer has not handled was published.
    pub oldest: Option<OffsetDateTime>,
}

/// Reads the state of the background work, listing up to `shown` failed events.
///
/// # Errors
/// Forbidden without the operations capability; storage failures.
pub async fn health(app: &App, scope: &Scope, shown: i64) -> Result<Health, DomainError> {
    if !scope.can(Capability::ViewOperations) {
        return Err(Denial::Forbidden.into());
    }
    let mut conn = app.db.conn().await?;
    let runs = store::last_runs(&mut conn.exec()).await?;
    let failed = failed_store::recent(&mut conn.exec(), shown).await?;
    let failed_total = failed_store::count(&mut conn.exec()).await?;
    let oldest = crate::events::oldest_pending(
        &mut conn.exec(),
        crate::points::EVENTS_CONSUMER,
        crate::points::EVENT_TOPICS,
    )
    .await?;
    Ok(Health {
        runs,
        failed,
        failed_total,
        oldest,
    })
}
