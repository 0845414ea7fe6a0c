//! Accounts, passwords, sessions and the permission model.
//!
//! `model` holds roles and the password policy, `password` the hashing, `scope` the pure
//! permission rules that every handler goes through, `store` the SQL and `service` the use
//! cases (login with lockout, sessions, account administration) with their audit rows.
//! `extract` is the signed-in `User` extractor, `middleware` resolves the session for every
//! request, and `nav` picks the menu entries a user's capabilities open.

mod account_state;
pub mod admin;
mod admin_form;
mod api;
pub mod duties;
mod duty_store;
pub mod extract;
pub mod mfa;
pub mod mfa_login;
mod mfa_routes;
mod mfa_store;
pub mod middleware;
pub mod model;
pub mod nav;
pub mod own;
pub mod password;
mod password_change;
pub mod routes;
pub mod scope;
pub mod second_factor;
pub mod service;
mod session_store;
pub mod step_up;
mod store;
pub mod totp;
pub mod users;
pub mod views;
pub mod visible;

pub use api::doc as api_doc;
pub use model::Role;
pub use scope::{Denial, MemberAction, OrgAction, Scope, Visible};

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::mfa_store::{confirm_factor, get_factor, insert_pending, set_confirmed};
    pub use super::store::{
        NewSession, NewUser, find_session, get_user, insert_session, insert_user,
    };
}
