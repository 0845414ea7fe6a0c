//! Group bots of 企业微信 (`WeCom`), 钉钉 (`DingTalk`) and 飞书 (Feishu): per organisation, each with
//! the kinds of message it forwards to the group members already watch. Messages are queued in
//! the transaction of what caused them and sent by a background job with retries, so a slow or
//! broken webhook never holds up a request.

pub mod address;
pub mod answer;
pub mod api;
pub mod deliver;
mod delivery_store;
pub mod escape;
pub mod model;
pub mod pages;
pub mod service;
mod store;
pub mod webhook;

pub use pages::routes;

/// Rows below the use cases, for bulk loading (the demo, the command line), benchmarks and tests.
/// No area uses another area's `rows`: it goes through that area's `service` (checked by the
/// layering test).
pub mod rows {
    pub use super::store::{NewBot, get, insert, log};
}
