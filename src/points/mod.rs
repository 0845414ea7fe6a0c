//! 党员积分制 (PTS-*): point items as versioned data, automatic points from published events
//! (exactly once per member, item and event; a corrected event reverses and re-posts), manual
//! awards and members' claims with approval, caps applied at posting, and rankings.

pub mod api;
pub mod model;
pub mod service;
pub mod store;
