//! The unit of work: [`Db::write`] begins a transaction, runs the change, and commits only when
//! the change recorded its audit row in the same transaction (SEC-28). A change that returns an
//! error, or forgets its audit row, is rolled back, so a write without an audit row cannot land.

use time::OffsetDateTime;

use crate::db::{Db, Exec, StoreError, StoreResult, Tx};

use super::model::{Actor, AuditEvent};

/// One change in progress: its transaction, who makes it and when.
pub struct Work<'a> {
    tx: Tx,
    actor: &'a Actor,
    at: OffsetDateTime,
    audited: bool,
}

impl Work<'_> {
    /// The transaction as an executor for stores.
    pub fn exec(&mut self) -> Exec<'_> {
        self.tx.exec()
    }

    /// The transaction itself, for services that take `&mut Tx` (events, other areas).
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// When the change happens (one instant for the change and its audit row).
    #[must_use]
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// Who makes the change.
    #[must_use]
    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// Appends the change's audit row to the chain, inside the transaction.
    ///
    /// # Errors
    /// Storage failures; the whole change then fails with it.
    pub async fn audit(&mut self, ev: AuditEvent<'_>) -> StoreResult<()> {
        super::chain_store::append(&mut self.tx.exec(), self.at, self.actor, &ev).await?;
        self.audited = true;
        Ok(())
    }
}

impl Db {
    /// Runs `change` as one unit of work by `actor` at `at`: begin, change, audit, commit.
    /// Nothing is written when `change` fails or did not call [`Work::audit`].
    ///
    /// # Errors
    /// The change's own error; storage failures; [`StoreError::Unaudited`] for a change that
    /// wrote no audit row.
    pub async fn write<T, E>(
        &self,
        actor: &Actor,
        at: OffsetDateTime,
        change: impl AsyncFnOnce(&mut Work<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut work = Work {
            tx: self.begin().await?,
            actor,
            at,
            audited: false,
        };
        let out = change(&mut work).await?;
        if !work.audited {
            return Err(StoreError::Unaudited.into());
        }
        work.tx.commit().await?;
        Ok(out)
    }
}
