//! Embedded migrations, one directory per backend with the same versions and names.

use sqlx::migrate::Migrator;

use super::Db;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// One migration and whether it has been applied.
#[derive(Debug, Clone)]
pub struct MigrationStatus {
    /// Version number.
    pub version: i64,
    /// Description from the file name.
    pub description: String,
    /// Applied to this database?
    pub applied: bool,
}

fn migrator(db: &Db) -> &'static Migrator {
    match db {
        Db::Sqlite(_) => &SQLITE,
        Db::Postgres(_) => &POSTGRES,
    }
}

/// Applies every pending migration. Refuses a database that has migrations this binary does
/// not know (a newer schema), so an old binary never writes to a newer database (RES-09).
///
/// # Errors
/// When a migration fails; each runs in its own transaction, so the database is left at the
/// last good version.
pub async fn run(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(p) => SQLITE.run(p).await?,
        Db::Postgres(p) => POSTGRES.run(p).await?,
    }
    Ok(())
}

/// The known migrations with their state on this database.
///
/// # Errors
/// When the database cannot be read.
pub async fn status(db: &Db) -> anyhow::Result<Vec<MigrationStatus>> {
    let applied: Vec<i64> = match db {
        Db::Sqlite(p) => {
            if table_exists(db, "_sqlx_migrations").await? {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(p)
                    .await?
            } else {
                Vec::new()
            }
        }
        Db::Postgres(p) => {
            if table_exists(db, "_sqlx_migrations").await? {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(p)
                    .await?
            } else {
                Vec::new()
            }
        }
    };
    Ok(migrator(db)
        .iter()
        .map(|m| MigrationStatus {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.contains(&m.version),
        })
        .collect())
}

/// Versions known to this binary for the database's backend.
#[must_use]
pub fn known_versions(db: &Db) -> Vec<i64> {
    migrator(db).iter().map(|m| m.version).collect()
}

/// Whether a table exists (used before the schema is known).
///
/// # Errors
/// When the catalogue cannot be read.
pub async fn table_exists(db: &Db, name: &str) -> anyhow::Result<bool> {
    let n: i64 = match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(name)
                .fetch_one(p)
                .await?
        }
        Db::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(name)
            .fetch_one(p)
            .await?
        }
    };
    Ok(n > 0)
}

/// Tables and their columns, sorted, for comparing the two backends' schemas.
///
/// # Errors
/// When the catalogue cannot be read.
pub async fn schema_columns(db: &Db) -> anyhow::Result<Vec<(String, String)>> {
    let mut cols: Vec<(String, String)> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(p)
            .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(p)
            .await?
        }
    };
    cols.sort();
    Ok(cols)
}
