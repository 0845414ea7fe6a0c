//! Error mapping for the meetings area's handlers.

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
