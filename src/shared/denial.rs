//! `Denial`: why a request was refused, as plain data. The permission rules (`auth::scope`)
//! produce it and the web layer answers it (404 or 403), so it lives below both.

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The object is outside the user's scope (answered as 404).
    NotFound,
    /// Visible, but this user may not do this (403).
    Forbidden,
}
