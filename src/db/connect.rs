//! Opening the pools with the settings each backend needs (RES-01), and transactions.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    pool::PoolConnection,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{Exec, StoreResult};

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// Embedded `SQLite` file.
    Sqlite,
    /// `PostgreSQL` server.
    Postgres,
}

/// A URL that names no backend we support.
#[derive(Debug, thiserror::Error)]
#[error("数据库地址 {0} 无法识别：请使用 sqlite://文件路径 或 postgres://用户:密码@主机/库名")]
pub struct UnknownScheme(pub String);

impl DbKind {
    /// Picks the backend from the URL scheme; anything else is refused so a typo never
    /// silently creates an empty database somewhere else.
    ///
    /// # Errors
    /// [`UnknownScheme`] for other schemes.
    pub fn from_url(url: &str) -> Result<Self, UnknownScheme> {
        if url.starts_with("sqlite://") || url.starts_with("sqlite:") && url.len() > 7 {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(UnknownScheme(crate::config::redact_url(url)))
        }
    }
}

/// The pools. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    /// `SQLite` pool.
    Sqlite(SqlitePool),
    /// `PostgreSQL` pool.
    Postgres(PgPool),
}

/// A write transaction of either backend.
pub enum Tx {
    /// `SQLite`, begun with `BEGIN IMMEDIATE`.
    Sqlite(Transaction<'static, Sqlite>),
    /// `PostgreSQL`.
    Pg(Transaction<'static, Postgres>),
}

/// A pooled connection of either backend, for reads.
pub enum Conn {
    /// `SQLite`.
    Sqlite(PoolConnection<Sqlite>),
    /// `PostgreSQL`.
    Pg(PoolConnection<Postgres>),
}

impl Db {
    /// Connects (creating the `SQLite` file and its folder when missing).
    ///
    /// # Errors
    /// When the database cannot be reached or the URL is invalid.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        match DbKind::from_url(url)? {
            DbKind::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .pragma("secure_delete", "ON")
                    // 16 MiB of page cache per connection (the default is 2 MiB): rankings and
                    // reports read large ranges, and the memory is only taken as it is used.
                    .pragma("cache_size", "-16384");
                if let Some(parent) = opts.get_filename().parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                Ok(Self::Sqlite(pool))
            }
            DbKind::Postgres => {
                let opts = PgConnectOptions::from_str(url)?.application_name("zhibu");
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Which backend.
    #[must_use]
    pub fn kind(&self) -> DbKind {
        match self {
            Self::Sqlite(_) => DbKind::Sqlite,
            Self::Postgres(_) => DbKind::Postgres,
        }
    }

    /// Begins a write transaction (`BEGIN IMMEDIATE` on `SQLite`, so the write lock is taken up
    /// front and concurrent writers wait instead of failing mid-way).
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(p) => Tx::Pg(p.begin().await?),
        })
    }

    /// A connection for reads.
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn conn(&self) -> StoreResult<Conn> {
        Ok(match self {
            Self::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Self::Postgres(p) => Conn::Pg(p.acquire().await?),
        })
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ping(&self) -> bool {
        match self {
            Self::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
            Self::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
        }
    }

    /// Closes the pool, checkpointing `SQLite`'s WAL first (RES-10).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(p) => {
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(p)
                    .await;
                p.close().await;
            }
            Self::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// The transaction as an executor for stores.
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Self::Sqlite(t) => Exec::Sqlite(&mut *t),
            Self::Pg(t) => Exec::Pg(&mut *t),
        }
    }

    /// Commits.
    ///
    /// # Errors
    /// When the commit fails; nothing was written then.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(t) => t.commit().await?,
            Self::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Conn {
    /// The connection as an executor for stores.
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Self::Sqlite(c) => Exec::Sqlite(&mut *c),
            Self::Pg(c) => Exec::Pg(&mut *c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scheme_picks_backend_and_refuses_typos() {
        assert_eq!(
            DbKind::from_url("sqlite://data/z.db").unwrap(),
            DbKind::Sqlite
        );
        assert_eq!(
            DbKind::from_url("postgres://u@h/d").unwrap(),
            DbKind::Postgres
        );
        assert_eq!(
            DbKind::from_url("postgresql://u@h/d").unwrap(),
            DbKind::Postgres
        );
        assert!(DbKind::from_url("postgress://u@h/d").is_err());
        assert!(DbKind::from_url("data/z.db").is_err());
        assert!(
            DbKind::from_url("mysql://u:pw@h/d")
                .unwrap_err()
                .to_string()
                .contains("[REDACTED]")
        );
    }
}
