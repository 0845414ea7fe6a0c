//! The organisation tree (党委 → 党总支 → 党支部 → 党小组): structure, committee terms (届) and
//! officers. Paths are materialized (`/1/7/23/`) so a subtree is a prefix range. `focus` is the
//! organisation in focus that every page's switcher and `?org=` parameter use.

pub mod api;
mod committee;
pub mod focus;
mod forms;
pub mod model;
pub mod routes;
pub mod service;
mod store;
mod tree;
mod views;

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::{
        NewOfficer, NewOrg, end_officer, get, insert, insert_officer, insert_term,
    };
}
