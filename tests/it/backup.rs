//! `admin backup` / `admin restore` give back exactly what was backed up (REL-06).

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
async fn rel_06_sqlite_backup_restore_round_trip() {
    let Some(t) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    zhibu::demo::seed(&t.app).await.unwrap();
    let dir =
        std::env::temp_dir().join(format!("zhibu-bak-{}", zhibu::shared::token::request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.db");
    zhibu::db::maintenance::backup(&t.app.db, &t.url, &file)
        .await
        .unwrap();
    assert!(
        zhibu::db::maintenance::backup(&t.app.db, &t.url, &file)
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
    zhibu::db::maintenance::restore(&t.app.db, &t.url, &file)
        .await
        .unwrap();
    assert_eq!(counts(&t).await, before);
    // A file that is not a backup changes nothing.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    assert!(
        zhibu::db::maintenance::restore(&t.app.db, &t.url, &junk)
            .await
            .is_err()
    );
    assert_eq!(counts(&t).await, before);
    std::fs::remove_dir_all(dir).ok();
}

async fn counts(t: &TestApp) -> Vec<String> {
    dump(t).await
}

/// The PostgreSQL path: `pg_dump` snapshot and single-transaction `pg_restore`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rel_06_postgres_backup_restore_round_trip() {
    if std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let Some(t) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    zhibu::demo::seed(&t.app).await.unwrap();
    let dir = std::env::temp_dir().join(format!(
        "zhibu-pgbak-{}",
        zhibu::shared::token::request_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.dump");
    zhibu::db::maintenance::backup(&t.app.db, &t.url, &file)
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
    zhibu::db::maintenance::restore(&t.app.db, &t.url, &file)
        .await
        .unwrap();
    assert_eq!(count(&t).await, before);
    std::fs::remove_dir_all(dir).ok();
}
