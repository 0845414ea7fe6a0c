//! 党员积分制 (PTS-*): point items as versioned data, automatic points from published events
//! (exactly once per member, item and event; a corrected event reverses and re-posts), manual
//! awards and members' claims with approval, caps applied at posting, and rankings.

pub mod api;
mod api_types;
mod assess;
pub mod awards;
mod duplicates;
pub mod grade_api;
mod grade_pages;
pub mod grading;
mod grading_store;
pub mod model;
mod pages;
mod posting;
mod rank_store;
mod ranking;
pub mod report;
mod report_pages;
mod report_xlsx;
pub mod reports;
mod reports_store;
pub mod service;
pub mod share;
mod store;
mod views;

/// The automatic-points consumer's cursor name and the topics it reads, for the system page.
pub use posting::{CONSUMER as EVENTS_CONSUMER, TOPICS as EVENT_TOPICS};

/// Registers the pages.
#[must_use]
pub fn routes(r: crate::web::Reg) -> crate::web::Reg {
    grade_pages::routes(report_pages::routes(pages::routes(r)))
}

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::items;
}
