//! `admin backup` / `admin restore` give back exactly what was backed up (RES-06); backup
//! files are private and can be sealed with a passphrase (RES-05).

use zhibu::audit::Actor;
use zhibu::orgs::model::OrgKind;

use crate::support::{Backend, TestApp};

async fn dump(t: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    let zhibu::db::Db::Sqlite(p) = &t.app.db else {
        unreachable!()
    };
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").fetch_all(p).await.unwrap();
    for tb in tables {
        let cols: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&tb)
                .fetch_all(p)
                .await
                .unwrap();
        let expr = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {expr} FROM \"{tb}\" ORDER BY 1"))
                .fetch_all(p)
                .await
                .unwrap();
        out.push(format!("{tb}:{}", rows.join(";")));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn res_06_sqlite_backup_restore_round_trip() {
    let t = TestApp::new(Backend::Sqlite).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("zhibu-bak-{}", zhibu::shared::token::request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.db");
    zhibu::db::maintenance::backup(&t.app.db, &t.url, &file, None)
        .await
        .unwrap();
    assert!(
        zhibu::db::maintenance::backup(&t.app.db, &t.url, &file, None)
            .await
            .is_err(),
        "never overwrites"
    );
    let before = counts(&t).await;
    // Change things after the backup.
    let extra = t.org(None, OrgKind::Committee, "备份后新建").await;
    let sys = zhibu::auth::Scope::new(1, zhibu::auth::Role::SystemAdmin, None, None);
    zhibu::orgs::service::dissolve(&t.app, &Actor::cli("t"), &sys, extra.id, "测试")
        .await
        .unwrap();
    assert_ne!(counts(&t).await, before);
    zhibu::db::maintenance::restore(&t.app.db, &t.url, &file, None)
        .await
        .unwrap();
    assert_eq!(counts(&t).await, before);
    // A file that is not a backup changes nothing.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    assert!(
        zhibu::db::maintenance::restore(&t.app.db, &t.url, &junk, None)
            .await
            .is_err()
    );
    assert_eq!(counts(&t).await, before);
    std::fs::remove_dir_all(dir).ok();
}

async fn counts(t: &TestApp) -> Vec<String> {
    dump(t).await
}

/// The `PostgreSQL` path: `pg_dump` snapshot and single-transaction `pg_restore`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
async fn res_06_postgres_backup_restore_round_trip() {
    require_pg_dump();
    let t = TestApp::new(Backend::Postgres).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let dir = std::env::temp_dir().join(format!(
        "zhibu-pgbak-{}",
        zhibu::shared::token::request_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.dump");
    zhibu::db::maintenance::backup(&t.app.db, &t.url, &file, None)
        .await
        .unwrap();
    let count = |t: &TestApp| {
        let zhibu::db::Db::Postgres(p) = &t.app.db else {
            unreachable!()
        };
        let p = p.clone();
        async move {
            let orgs: i64 = sqlx::query_scalar("SELECT count(*) FROM orgs")
                .fetch_one(&p)
                .await
                .unwrap();
            let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
                .fetch_one(&p)
                .await
                .unwrap();
            let names: Vec<String> = sqlx::query_scalar("SELECT name FROM members ORDER BY id")
                .fetch_all(&p)
                .await
                .unwrap();
            (orgs, audit, names)
        }
    };
    let before = count(&t).await;
    t.org(None, OrgKind::Committee, "备份后新建").await;
    assert_ne!(count(&t).await, before);
    zhibu::db::maintenance::restore(&t.app.db, &t.url, &file, None)
        .await
        .unwrap();
    assert_eq!(count(&t).await, before);
    std::fs::remove_dir_all(dir).ok();
}

/// Backups on `PostgreSQL` shell out to `pg_dump`; without it the test fails rather than passing
/// untested.
fn require_pg_dump() {
    assert!(
        std::process::Command::new("pg_dump")
            .arg("--version")
            .output()
            .is_ok(),
        "pg_dump is not installed (apt-get install postgresql-client)"
    );
}

const PASS: &str = "correct horse battery staple";

fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// RES-05: plain and sealed backups are 0600; the sealed one shows nothing of the data, opens
/// only with its passphrase (a wrong one changes nothing) and restores what was backed up.
async fn res_05_backups_are_private_and_sealed(b: Backend) {
    use zhibu::db::maintenance::{backup, restore};
    if b == Backend::Postgres {
        require_pg_dump();
    }
    let t = TestApp::new(b).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let name: String = match &t.app.db {
        zhibu::db::Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT name FROM members ORDER BY id LIMIT 1")
                .fetch_one(p)
                .await
                .unwrap()
        }
        zhibu::db::Db::Postgres(p) => {
            sqlx::query_scalar("SELECT name FROM members ORDER BY id LIMIT 1")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    let dir = std::env::temp_dir().join(format!(
        "zhibu-sealed-{}",
        zhibu::shared::token::request_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("plain.bak");
    let sealed = dir.join("sealed.bak");
    backup(&t.app.db, &t.url, &plain, None).await.unwrap();
    assert!(
        backup(&t.app.db, &t.url, &dir.join("short.bak"), Some("short"))
            .await
            .is_err(),
        "a short passphrase is refused"
    );
    backup(&t.app.db, &t.url, &sealed, Some(PASS))
        .await
        .unwrap();
    assert_eq!(mode(&plain), 0o600, "plain backup is private");
    assert_eq!(mode(&sealed), 0o600, "sealed backup is private");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no working files left: {leftovers:?}");
    let bytes = std::fs::read(&sealed).unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!has(name.as_bytes()), "no member name in the sealed file");
    assert!(!has(b"SQLite format 3") && !has(b"PGDMP") && !has(b"CREATE TABLE"));
    // Change things after the backup.
    let count = |t: &TestApp| {
        let db = t.app.db.clone();
        async move {
            let sql = "SELECT count(*) FROM orgs";
            let n: i64 = match &db {
                zhibu::db::Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
                zhibu::db::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            };
            n
        }
    };
    let before = count(&t).await;
    t.org(None, OrgKind::Committee, "备份后新建").await;
    let after = count(&t).await;
    assert_ne!(after, before);
    let e = restore(&t.app.db, &t.url, &sealed, None).await.unwrap_err();
    assert!(e.to_string().contains("备份文件已加密"), "{e}");
    let e = restore(&t.app.db, &t.url, &sealed, Some("wrong passphrase!"))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("备份口令不正确")
            && e.to_string().contains("wrong backup passphrase"),
        "{e}"
    );
    assert_eq!(count(&t).await, after, "a wrong passphrase changes nothing");
    restore(&t.app.db, &t.url, &sealed, Some(PASS))
        .await
        .unwrap();
    assert_eq!(count(&t).await, before, "restored from the sealed backup");
    std::fs::remove_dir_all(dir).ok();
}
crate::db_test!(res_05_backups_are_private_and_sealed);
