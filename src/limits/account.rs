//! The one call a handler makes to count a limited action of the signed-in account, and how
//! [`Limited`] answers over HTTP.

use crate::auth::extract::User;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};

use super::{Kind, Limited, hit};

impl From<Limited> for AppError {
    fn from(e: Limited) -> Self {
        match e {
            Limited::Exceeded => AppError::RateLimited("操作过于频繁，请稍后再试".into()),
            Limited::Store(s) => s.into(),
        }
    }
}

/// Counts one `kind` action of the signed-in account; over its hourly allowance the request
/// is answered 429 “操作过于频繁，请稍后再试” (`rate_limited` in the API) and audited.
///
/// # Errors
/// [`AppError::RateLimited`] over the allowance; storage failures.
pub async fn account(st: &AppState, u: &User, kind: Kind) -> AppResult<()> {
    hit(&st.app, &u.actor(), u.0.user_id, kind).await?;
    Ok(())
}
