//! Organisational life (MEET-*, VOTE-*): 三会一课, 主题党日, 组织生活会 and 民主评议 — planning with
//! the expected attendees taken from the roster, QR check-in with rotating codes, 请假, minutes
//! locked on submission with audited corrections, photos and attachments, .docx export, a
//! personal calendar feed, and the compliance engine that knows what each branch still owes.

pub mod access;
pub mod api;
mod api_attendance;
mod api_types;
mod basis;
pub mod checkin;
pub mod code;
pub mod compliance;
mod compliance_inputs;
mod compliance_routes;
pub mod compliance_service;
pub mod docx;
pub mod elections;
pub mod electorate;
pub mod export;
pub mod files;
pub mod leave;
pub mod minutes;
pub mod model;
mod pages;
pub mod plan;
mod plan_pages;
pub mod proxy;
mod record_routes;
mod records_store;
mod roll_store;
mod room;
pub mod routes;
mod scan;
pub mod service;
mod store;
mod views;
pub mod votes;
pub mod waiting;
mod waiting_store;
pub mod warnings;

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::records_store::{files, occurrences, units};
    pub use super::roll_store::{check_in, roll};
    pub use super::store::{ListFilter, NewMeeting, get, insert, set_status};
}
