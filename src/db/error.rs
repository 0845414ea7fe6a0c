//! The one error type every store returns. Constraint violations are told apart by kind, which
//! both drivers report; constraint names are not used because sqlx-sqlite does not give them.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("unique constraint violated")]
    Duplicate,
    /// A foreign-key or check constraint refused the write.
    #[error("constraint violated")]
    Constraint,
    /// A unit of work tried to commit a change without its audit row (a programming error,
    /// refused so that such a write never lands; SEC-28).
    #[error("change without an audit row")]
    Unaudited,
    /// Anything else from the driver.
    #[error(transparent)]
    Db(sqlx::Error),
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(d) => match d.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Self::Duplicate,
                sqlx::error::ErrorKind::ForeignKeyViolation
                | sqlx::error::ErrorKind::CheckViolation
                | sqlx::error::ErrorKind::NotNullViolation => Self::Constraint,
                _ => Self::Db(e),
            },
            _ => Self::Db(e),
        }
    }
}

impl StoreError {
    /// Whether the database was unreachable or busy rather than the request wrong.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Db(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
        )
    }
}
