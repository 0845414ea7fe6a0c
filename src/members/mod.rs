//! Party members. This first part holds what the rest of the platform already needs: the
//! identity-number rules (GB 11643), the basic record, counts per organisation, and the
//! masking of personal numbers. The full roster, imports and transfers build on it.

pub mod accounts;
pub mod accounts_routes;
pub mod api;
mod api_types;
pub mod corrections;
pub mod corrections_routes;
mod corrections_store;
pub mod events;
mod events_store;
mod history;
pub mod idcard;
pub mod import;
pub mod issuing;
pub mod model;
pub mod photo;
pub mod photo_routes;
mod photo_store;
pub mod rekey;
mod rekey_store;
pub mod roster;
pub mod roster_page;
mod roster_store;
pub mod routes;
pub mod sealing;
pub mod service;
pub mod sheet;
pub mod stats;
pub mod stats_routes;
mod status;
mod store;
mod unmask_store;
pub mod unmasks;
mod upload_store;
pub mod uploads;
pub mod validate;
mod views;
pub mod workbook;
pub mod xlsx_routes;

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::{
        MemberRow, RosterFilter, find_by_id_number, get, get_many, insert, insert_upload,
    };
}
