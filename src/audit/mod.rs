//! The audit log (architecture.md §7): an append-only record of who did what to which object,
//! from where, with what result. Rows are written in the same transaction as the change they
//! describe, so a business write fails when its audit row cannot be written (SEC-28).
//! Denials are recorded by the web layer for every refused request. Every row is linked to the
//! one before by an HMAC-SM3 chain (SEC-26, `chain`), checked by `zhibu admin verify-audit`
//! and on the auditor's page. Writes go through the unit of work [`crate::db::Db::write`]
//! (`work`), which refuses to commit a change that recorded no audit row.

pub mod chain;
mod chain_store;
pub mod model;
pub mod names;
mod names_store;
pub mod routes;
pub mod service;
mod store;
mod views;
pub mod work;

pub use model::{Actor, AuditEvent, Outcome};
pub use service::{record, record_alone};
pub use work::Work;

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::{AuditFilter, count};
}
