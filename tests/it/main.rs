//! The one integration-test binary. Store and HTTP tests run on `SQLite` always and on
//! `PostgreSQL` when `ZHIBU_TEST_PG_URL` is set; browser tests run when `ZHIBU_E2E=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly by design"
)]

mod access_log;
mod admin;
mod api_contract;
mod api_contract_calls;
mod audit_chain;
mod auth;
mod backup;
mod board;
mod bot_guard;
mod bot_pages;
mod bots;
mod bots_support;
mod cli;
mod committee_home;
mod compliance_scope;
mod date_bounds;
mod duties;
mod e2e;
mod e2e_bots;
mod e2e_checkin;
mod e2e_crawl;
mod e2e_notices;
mod e2e_points;
mod e2e_screens;
mod e2e_support;
mod events;
mod feed;
mod field_crypto;
mod home_todo;
mod http;
mod jobs;
mod layers;
// `tests/it/matrix.rs` is edited elsewhere; its route tables keep one arm per route.
mod grading;
#[allow(
    clippy::match_same_arms,
    reason = "one arm per route in the matrix tables"
)]
mod matrix;
#[allow(
    clippy::match_same_arms,
    reason = "one arm per route in the matrix tables"
)]
mod matrix_bodies;
mod matrix_objects;
mod meeting_access;
mod meeting_files;
mod meeting_pages;
mod meeting_records;
mod meeting_roll;
mod meetings;
mod members;
mod names;
mod nav;
mod notice_pages;
mod notices;
mod points;
mod points_pages;
mod points_ranking;
mod points_reports;
mod probation_votes;
mod regulations;
mod reminders;
mod scan_pass;
mod second_factor;
mod sheets;
mod sheets_hostile;
mod store;
mod support;
mod transfers;
mod two_servers;
mod two_servers_support;
mod unit_of_work;
mod web_security;
