//! SEC-26: the audit chain on both backends. Valid after a run of writes (and a rolled-back
//! one); a changed detail is reported at exactly that row, a removed middle row at its place,
//! removed rows at the end after the last one left; concurrent writers never fork the chain;
//! the auditor's page shows the result.

use std::time::Instant;

use zhibu::audit::chain::ChainCheck;
use zhibu::audit::service::verify;
use zhibu::audit::{Actor, AuditEvent};

use crate::db_test;
use crate::support::{Backend, TestApp, get, text};

async fn write(t: &TestApp, n: i64) {
    for i in 0..n {
        let ev = AuditEvent::success("org.update", "org", i).detail(format!("第 {i} 次修改"));
        zhibu::audit::record_alone(&t.app.db, &Actor::cli("test"), t.app.now(), ev)
            .await
            .unwrap();
    }
}

/// Runs raw SQL as an attacker with database access would, append-only triggers dropped.
async fn tamper(t: &TestApp, sql: &str) {
    match &t.app.db {
        zhibu::db::Db::Sqlite(p) => {
            for s in [
                "DROP TRIGGER IF EXISTS audit_log_no_update",
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
                sql,
            ] {
                sqlx::query(s).execute(p).await.unwrap();
            }
        }
        zhibu::db::Db::Postgres(p) => {
            for s in [
                "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log",
                sql,
            ] {
                sqlx::query(s).execute(p).await.unwrap();
            }
        }
    }
}

async fn sec_26_chain_is_valid_after_writes(b: Backend) {
    let t = TestApp::new(b).await;
    write(&t, 12).await;
    // A transaction that rolls back takes its row and the chain's head back with it.
    let mut tx = t.app.db.begin().await.unwrap();
    zhibu::audit::record(
        &mut tx,
        &Actor::cli("test"),
        t.app.now(),
        AuditEvent::success("org.create", "org", 99),
    )
    .await
    .unwrap();
    drop(tx);
    write(&t, 3).await;
    assert_eq!(
        verify(&t.app.db).await.unwrap(),
        ChainCheck::Intact { rows: 15 }
    );
}
db_test!(sec_26_chain_is_valid_after_writes);

async fn sec_26_changed_row_is_reported_at_that_row(b: Backend) {
    let t = TestApp::new(b).await;
    write(&t, 8).await;
    let aud = t.user("aud1", "audit_admin", None).await;
    let (tok, _) = t.session(aud).await;
    let page = text(t.send(get("/audit", Some(&tok))).await).await;
    assert!(page.contains("审计日志完整：共 8 条"), "{page}");
    tamper(&t, "UPDATE audit_log SET detail = '无事发生' WHERE id = 5").await;
    assert_eq!(
        verify(&t.app.db).await.unwrap(),
        ChainCheck::Broken { row_id: 5 }
    );
    let page = text(t.send(get("/audit", Some(&tok))).await).await;
    assert!(page.contains("第 5 条记录被篡改或删除"), "{page}");
}
db_test!(sec_26_changed_row_is_reported_at_that_row);

async fn sec_26_removed_rows_are_reported(b: Backend) {
    let t = TestApp::new(b).await;
    write(&t, 8).await;
    tamper(&t, "DELETE FROM audit_log WHERE id = 8").await;
    assert_eq!(
        verify(&t.app.db).await.unwrap(),
        ChainCheck::TailRemoved { last_id: 7 }
    );
    tamper(&t, "DELETE FROM audit_log WHERE id = 4").await;
    assert_eq!(
        verify(&t.app.db).await.unwrap(),
        ChainCheck::Broken { row_id: 4 }
    );
    assert_eq!(
        ChainCheck::Broken { row_id: 4 }.message(),
        "第 4 条记录被篡改或删除"
    );
}
db_test!(sec_26_removed_rows_are_reported);

/// 8 writers × 25 rows at once: the appends queue on the chain's head and link in one line.
async fn sec_26_concurrent_writers_keep_one_chain(b: Backend) {
    let t = TestApp::new(b).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let app = t.app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let ev = AuditEvent::success("org.update", "org", w * 100 + i);
                zhibu::audit::record_alone(&app.db, &Actor::cli("test"), app.now(), ev)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = started.elapsed();
    eprintln!("{b:?}: 200 concurrent audit appends in {took:?}");
    let checked = Instant::now();
    assert_eq!(
        verify(&t.app.db).await.unwrap(),
        ChainCheck::Intact { rows: 200 }
    );
    eprintln!("{b:?}: checked 200 rows in {:?}", checked.elapsed());
}
db_test!(sec_26_concurrent_writers_keep_one_chain);
