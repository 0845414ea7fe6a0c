//! 党建群: each branch's own feed, where members and officers post text with photos (checked,
//! stripped of metadata and resized for phones), comment and like; officers pin, hide or delete
//! with a reason (audited); posts new since a member last looked are marked.

pub mod api;
mod pages;
pub mod service;
mod store;

/// Registers the pages.
#[must_use]
pub fn routes(r: crate::web::Reg) -> crate::web::Reg {
    pages::routes(r)
}
