//! The meetings area's pages, registered together, and its error mapping.

use crate::web::Reg;
use crate::web::error::AppError;

use super::service::MeetingError;

impl From<MeetingError> for AppError {
    fn from(e: MeetingError) -> Self {
        match e {
            MeetingError::Denied(d) => AppError::Denied(d),
            MeetingError::Invalid(m) => AppError::Invalid(m),
            MeetingError::Refused(code, m) => AppError::Refused(code, m),
            MeetingError::Store(s) => s.into(),
        }
    }
}

/// Registers every page of the area (the JSON API registers itself in `api`).
#[must_use]
pub fn routes(r: Reg) -> Reg {
    let r = super::pages::routes(r);
    let r = super::plan_pages::routes(r);
    let r = super::room::routes(r);
    let r = super::record_routes::routes(r);
    super::compliance_routes::routes(r)
}
