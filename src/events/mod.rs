//! Domain events for other areas (architecture.md §9). An area publishes an event in the same
//! transaction as the change it describes, so an event exists exactly when the change does.
//! Consumers (points, notifications, bots) read the outbox in commit-safe order and remember how
//! far they got; each event names its `subject`, and a later event on the same subject supersedes
//! an earlier one (for example a corrected attendance), so consumers can reverse and re-post.
//!
//! Why the order is `(tx_id, id)` below a horizon rather than plain `id`: on `PostgreSQL` an id is
//! taken at insert, and a transaction holding a lower id may commit after a higher one was read.
//! Reading only events of transactions older than every running one (the snapshot's xmin)
//! means nothing can later appear behind the cursor. `SQLite` has one writer at a time, so
//! `tx_id` is 0 there and the order is the id.

pub mod failed_store;
mod store;

pub use store::{advance, after, cursor, lock_cursor, oldest_pending, publish};

use serde::Serialize;
use time::OffsetDateTime;

/// A published event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    /// Position in the outbox.
    pub id: i64,
    /// The transaction that wrote it (0 on `SQLite`).
    pub tx_id: i64,
    /// What happened, e.g. `meeting.attended`.
    pub topic: String,
    /// What it is about, e.g. `meeting:12/member:34`.
    pub subject: String,
    /// Details as JSON.
    pub payload: String,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Whether a later event on the same subject, among the topics read, exists.
    pub superseded: bool,
}

impl Event {
    /// Where a consumer stands after handling this event.
    #[must_use]
    pub fn position(&self) -> Position {
        Position {
            tx_id: self.tx_id,
            id: self.id,
        }
    }
}

/// How far a consumer has read: the last `(tx_id, id)` it handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Transaction id of the last event handled.
    pub tx_id: i64,
    /// Id of the last event handled.
    pub id: i64,
}
