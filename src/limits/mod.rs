//! Per-account rate limits on actions that are cheap to repeat and costly in bulk (SEC-44):
//! 党建群 posts and comments, exports and unmasking. Counts live in the database, so every
//! server sharing one `PostgreSQL` enforces the same allowance, and a restart does not reset it.
//! Handlers count an action with [`account`].

mod account;
pub mod model;
pub mod service;
mod store;

pub use account::account;
pub use model::Kind;
pub use service::{Limited, hit};
