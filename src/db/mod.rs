//! Storage: one enum over the two concrete sqlx pools, so one SQL text serves `SQLite` and
//! `PostgreSQL` (architecture.md §2). Stores take an [`Exec`] — a connection or a transaction —
//! and run their statement through [`on!`], which compiles the body once per backend.

pub mod backup_file;
mod connect;
mod error;
pub mod maintenance;
pub mod migrate;

use sqlx::{PgConnection, SqliteConnection};

pub use connect::{Db, DbKind, Tx};
pub use error::{StoreError, StoreResult};

/// A borrowed connection of either backend; stores run their SQL on it.
pub enum Exec<'a> {
    /// `SQLite`.
    Sqlite(&'a mut SqliteConnection),
    /// `PostgreSQL`.
    Pg(&'a mut PgConnection),
}

impl Exec<'_> {
    /// Which backend this is, for the rare statement that must differ.
    #[must_use]
    pub fn kind(&self) -> DbKind {
        match self {
            Exec::Sqlite(_) => DbKind::Sqlite,
            Exec::Pg(_) => DbKind::Postgres,
        }
    }
}

/// Runs the same body against whichever backend `$ex` holds; `$c` is bound to the concrete
/// `&mut Connection`. Statements that must differ match on [`Exec`] themselves instead.
#[macro_export]
macro_rules! on {
    ($ex:expr, $c:ident => $body:expr) => {
        match $ex {
            $crate::db::Exec::Sqlite($c) => {
                let $c = &mut **$c;
                $body
            }
            $crate::db::Exec::Pg($c) => {
                let $c = &mut **$c;
                $body
            }
        }
    };
}
