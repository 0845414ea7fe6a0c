//! 通知公告: officers write notices with safe formatting to organisations (optionally with
//! their subtrees), publish them now or at a set time, see who has read them and remind the
//! unread; members read them in an inbox with unread counts. The notification centre (the bell)
//! gathers everything addressed to an account; 党务公开 is each organisation's disclosure board.

pub mod api;
pub mod board;
mod board_pages;
mod board_store;
mod centre_pages;
mod centre_store;
pub mod files;
mod files_store;
pub mod groups;
pub mod model;
mod pages;
pub mod reminders;
mod reminders_store;
pub mod sending;
pub mod service;
mod store;

/// Registers the pages.
#[must_use]
pub fn routes(r: crate::web::Reg) -> crate::web::Reg {
    board_pages::routes(centre_pages::routes(pages::routes(r)))
}

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::centre_store::to_user;
    pub use super::store::unread_count;
}
