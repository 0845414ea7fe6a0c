//! 组织关系转接 (REL-*): moving a member between branches inside Zhibu (requested by the sending
//! branch, accepted by the receiving branch or a committee above both), sending a member out of
//! Zhibu with a numbered 介绍信 that anyone can verify by its QR code until the 回执 closes it,
//! and receiving a member who arrives with a letter.

pub mod api;
mod letter_page;
mod lookups;
pub mod model;
pub mod routes;
pub mod service;
mod store;
mod views;
