//! Background work of `serve`: the consumers of the event outbox and the scheduled jobs
//! (housekeeping, 积分通报, warnings, notices set for a time, reminders, group-bot delivery).
//!
//! Every job is a [`Job`] in one [`registry`]. A consumer ([`Schedule::Everywhere`]) runs on
//! every server, because its work is idempotent and its cursor is locked per batch. A scheduled
//! job ([`Schedule::Once`]) runs once per due time across all servers sharing the database: the
//! server holding the job's lease claims the due time's row and runs it, renewing the lease
//! while it works. What a job has done is in the database, so a restart resumes from there.
//! Tests call [`Job::run_once`] (or [`run_now`]) directly instead of waiting for a tick.

mod health;
mod page;
pub mod registry;
mod runtime;
mod store;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::app::App;

pub use health::{Health, health};
pub use page::routes;
pub use runtime::{Runtime, run_now, start};

/// The future a job's run returns: the units of work done.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<usize>> + Send + 'a>>;

/// When a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// On every server, at every tick no sooner than this interval: idempotent consumers.
    Everywhere(Duration),
    /// Once per due time across servers: due times are the multiples of this interval.
    Once(Duration),
}

/// A unit of background work.
pub trait Job: Send + Sync {
    /// Stable name, used for the lease and the run records (ASCII, dotted).
    fn name(&self) -> &'static str;
    /// What the 系统管理员 reads on the system page.
    fn title(&self) -> &'static str;
    /// When it runs.
    fn schedule(&self) -> Schedule;
    /// Does the work that is due now, once. Must be safe to call again after a failure.
    fn run_once<'a>(&'a self, app: &'a App) -> JobFuture<'a>;
}

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::{acquire, last_runs, run_count};
}
