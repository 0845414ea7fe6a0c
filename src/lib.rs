//! Zhibu (支部): a self-hosted platform for the daily work of grassroots Party organisations.
//!
//! One package, a library plus a thin binary. Business areas own their model, SQL, use cases,
//! handlers and views; `db`, `web`, `config` and `shared` are the infrastructure they stand on.

pub mod api_doc;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bots;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod events;
pub mod feed;
pub mod jobs;
pub mod limits;
pub mod meetings;
pub mod members;
pub mod notices;
pub mod orgs;
pub mod points;
pub mod shared;
pub mod transfers;
pub mod web;
