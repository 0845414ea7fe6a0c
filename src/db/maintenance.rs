//! Start-up self-checks, online backups and restores.
//!
//! `SQLite` backups are `VACUUM INTO` snapshots, checked with `integrity_check`; a restore copies
//! every table back inside one `BEGIN IMMEDIATE` transaction, so it is all-or-nothing and safe
//! while the WAL is live. `PostgreSQL` backups use `pg_dump`'s custom format, which is a
//! consistent snapshot, and `pg_restore` in a single transaction. Backup files are private and
//! optionally sealed with a passphrase (RES-05, `backup_file`).

use std::path::Path;

use anyhow::{Context, bail};
use sqlx::{Connection, Row, SqliteConnection, sqlite::SqliteConnectOptions};

use super::Db;
use super::backup_file::{self, WorkDir};

/// Reads the `SQLite` pragmas back and refuses to run with weaker durability than RES-01 asks.
///
/// # Errors
/// When a pragma does not hold its required value.
pub async fn self_check(db: &Db) -> anyhow::Result<()> {
    let Db::Sqlite(pool) = db else { return Ok(()) };
    let mut c = pool.acquire().await?;
    let jm: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await?;
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *c)
        .await?;
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *c)
        .await?;
    let qc: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut *c)
        .await?;
    if !jm.eq_ignore_ascii_case("wal") || sync != 2 || fk != 1 {
        bail!("SQLite 设置不符合要求: journal_mode={jm}, synchronous={sync}, foreign_keys={fk}");
    }
    if qc != "ok" {
        bail!("SQLite 数据库自检失败: {qc}");
    }
    Ok(())
}

/// Keeps `SQLite`'s planner statistics current (`PRAGMA optimize`); `PostgreSQL` has autovacuum,
/// so nothing is done there.
///
/// # Errors
/// Database failures.
pub async fn optimize(db: &Db) -> anyhow::Result<()> {
    if let Db::Sqlite(p) = db {
        sqlx::query("PRAGMA optimize").execute(p).await?;
    }
    Ok(())
}

/// Writes a consistent snapshot of the live database to `dest` (which must not exist), mode
/// 0600, sealed with `passphrase` when one is given (RES-05).
///
/// # Errors
/// When the file exists, the passphrase is too short, the snapshot fails, or the snapshot
/// does not pass its check. No file is left at `dest` then.
pub async fn backup(
    db: &Db,
    url: &str,
    dest: &Path,
    passphrase: Option<&str>,
) -> anyhow::Result<()> {
    if dest.exists() {
        bail!("备份文件 {} 已存在，请换一个文件名", dest.display());
    }
    if let Some(p) = passphrase {
        backup_file::check_new_passphrase(p)?;
    }
    let work = WorkDir::new_in(&backup_file::parent_of(dest))?;
    let snapshot = work.file("snapshot");
    match db {
        Db::Sqlite(pool) => {
            let target = snapshot.to_str().context("备份文件路径必须是 UTF-8")?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await?;
            backup_file::make_private(&snapshot)?;
            let mut c = open_sqlite_file(&snapshot, true).await?;
            let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            if ok != "ok" {
                bail!("备份文件校验失败: {ok}");
            }
        }
        Db::Postgres(_) => {
            let out = tokio::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&snapshot)
                .arg(url)
                .output()
                .await
                .context("无法运行 pg_dump：请安装与服务器版本一致的 postgresql-client")?;
            if !out.status.success() {
                bail!(
                    "pg_dump 失败: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            backup_file::make_private(&snapshot)?;
        }
    }
    let done = match passphrase {
        Some(p) => {
            let sealed = work.file("sealed");
            let p = p.to_owned();
            let (from, to) = (snapshot.clone(), sealed.clone());
            // Key stretching and sealing are deliberately slow: off the async threads.
            tokio::task::spawn_blocking(move || backup_file::seal_file(&from, &to, &p))
                .await
                .context("备份加密失败")??;
            sealed
        }
        None => snapshot,
    };
    backup_file::publish(&done, dest)
}

/// Replaces the database's contents with a backup's. All-or-nothing. A sealed backup needs
/// its passphrase; it is opened into a private temporary file first, so a wrong passphrase
/// changes nothing.
///
/// # Errors
/// When the backup is unreadable, sealed and no or the wrong passphrase is given, fails its
/// integrity check, has a different schema version, or the copy fails (then nothing changed).
pub async fn restore(
    db: &Db,
    url: &str,
    src: &Path,
    passphrase: Option<&str>,
) -> anyhow::Result<()> {
    if !src.is_file() {
        bail!("找不到备份文件 {}", src.display());
    }
    if !backup_file::is_sealed(src)? {
        return restore_plain(db, url, src).await;
    }
    let Some(p) = passphrase else {
        bail!("备份文件已加密，请提供备份口令（the backup is encrypted: a passphrase is needed）");
    };
    let work = WorkDir::new_in(&std::env::temp_dir())?;
    let (from, p) = (src.to_path_buf(), p.to_owned());
    let plain = tokio::task::spawn_blocking(move || {
        backup_file::open_file(&from, &work, &p).map(|f| (work, f))
    })
    .await
    .context("备份解密失败")??;
    let result = restore_plain(db, url, &plain.1).await;
    drop(plain);
    result
}

/// Whether a backup file is sealed with a passphrase.
///
/// # Errors
/// When the file cannot be read.
pub fn is_sealed(src: &Path) -> anyhow::Result<bool> {
    backup_file::is_sealed(src)
}

async fn restore_plain(db: &Db, url: &str, src: &Path) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(_) => restore_sqlite(url, src).await,
        Db::Postgres(_) => {
            let out = tokio::process::Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                ])
                .arg(url)
                .arg(src)
                .output()
                .await
                .context("无法运行 pg_restore：请安装与服务器版本一致的 postgresql-client")?;
            if !out.status.success() {
                bail!(
                    "pg_restore 失败: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(())
        }
    }
}

async fn open_sqlite_file(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false);
    Ok(SqliteConnection::connect_with(&opts).await?)
}

async fn restore_sqlite(url: &str, src: &Path) -> anyhow::Result<()> {
    {
        let mut b = open_sqlite_file(src, true)
            .await
            .context("备份文件无法打开，可能不是 Zhibu 的备份")?;
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut b)
            .await?;
        if ok != "ok" {
            bail!("备份文件已损坏: {ok}");
        }
        b.close().await?;
    }
    let opts: SqliteConnectOptions = url.parse()?;
    let opts = opts
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(30));
    let mut c = SqliteConnection::connect_with(&opts).await?;
    let src_str = src.to_str().context("备份文件路径必须是 UTF-8")?;
    sqlx::query("ATTACH DATABASE $1 AS bak")
        .bind(src_str)
        .execute(&mut c)
        .await?;
    let result = copy_all(&mut c).await;
    let _ = sqlx::query("DETACH DATABASE bak").execute(&mut c).await;
    if result.is_ok() {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut c)
            .await?;
    }
    c.close().await?;
    result
}

/// Copies every table from `bak` into `main` in one transaction.
async fn copy_all(c: &mut SqliteConnection) -> anyhow::Result<()> {
    let schema = |db: &str| {
        format!(
            "SELECT name, sql FROM {db}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    };
    let main: Vec<(String, String)> = sqlx::query_as(&schema("main")).fetch_all(&mut *c).await?;
    let bak: Vec<(String, String)> = sqlx::query_as(&schema("bak")).fetch_all(&mut *c).await?;
    if main != bak {
        bail!(
            "备份的数据库结构与当前版本不一致：请使用同一版本的 Zhibu 恢复，或先对备份运行 migrate"
        );
    }
    let triggers: Vec<String> =
        sqlx::query_scalar("SELECT sql FROM main.sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut *c)
            .await?;
    let mut tx = c.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *tx)
        .await?;
    let trigger_names: Vec<String> =
        sqlx::query("SELECT name FROM main.sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    for t in &trigger_names {
        // Names come from sqlite_master, not from input; identifiers cannot be bound.
        sqlx::query(&format!("DROP TRIGGER main.\"{t}\""))
            .execute(&mut *tx)
            .await?;
    }
    for (t, _) in &main {
        sqlx::query(&format!("DELETE FROM main.\"{t}\""))
            .execute(&mut *tx)
            .await?;
    }
    for (t, _) in &main {
        sqlx::query(&format!(
            "INSERT INTO main.\"{t}\" SELECT * FROM bak.\"{t}\""
        ))
        .execute(&mut *tx)
        .await?;
    }
    for sql in &triggers {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
