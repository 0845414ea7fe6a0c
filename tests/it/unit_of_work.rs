//! The unit of work (`Db::write`, SEC-28): a change lands with its audit row or not at all.

use zhibu::audit::{Actor, AuditEvent};
use zhibu::db::{Exec, StoreError};

use crate::db_test;
use crate::support::{Backend, TestApp};

async fn probe_rows(ex: &mut Exec<'_>) -> i64 {
    zhibu::on!(ex, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM uow_probe")
        .fetch_one(c)
        .await
        .unwrap())
}

async fn insert_probe(ex: &mut Exec<'_>, n: i64) -> Result<(), StoreError> {
    zhibu::on!(ex, c => sqlx::query("INSERT INTO uow_probe (n) VALUES ($1)")
        .bind(n)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

async fn audit_rows(t: &TestApp, action: &str) -> i64 {
    let mut c = t.app.db.conn().await.unwrap();
    zhibu::on!(&mut c.exec(), c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1",
    )
    .bind(action)
    .fetch_one(c)
    .await
    .unwrap())
}

async fn sec_28_a_write_commits_only_with_its_audit_row(b: Backend) {
    let t = TestApp::new(b).await;
    let actor = Actor::cli("单元测试");
    let now = t.app.now();
    {
        let mut c = t.app.db.conn().await.unwrap();
        zhibu::on!(&mut c.exec(), c => sqlx::query("CREATE TABLE uow_probe (n INTEGER NOT NULL)")
            .execute(c)
            .await
            .map(|_| ())
            .unwrap());
    }

    // Change and audit row: both land.
    let out: Result<i64, StoreError> = t
        .app
        .db
        .write(&actor, now, async |w| {
            insert_probe(&mut w.exec(), 1).await?;
            w.audit(AuditEvent::success("probe.write", "probe", 1))
                .await?;
            Ok(7)
        })
        .await;
    assert_eq!(out.unwrap(), 7);

    // A change that forgets its audit row is refused and rolled back.
    let out: Result<(), StoreError> = t
        .app
        .db
        .write(&actor, now, async |w| insert_probe(&mut w.exec(), 2).await)
        .await;
    assert!(matches!(out, Err(StoreError::Unaudited)), "{out:?}");

    // A change that fails after its audit row leaves neither.
    let out: Result<(), StoreError> = t
        .app
        .db
        .write(&actor, now, async |w| {
            insert_probe(&mut w.exec(), 3).await?;
            w.audit(AuditEvent::success("probe.fail", "probe", 3))
                .await?;
            Err(StoreError::Constraint)
        })
        .await;
    assert!(matches!(out, Err(StoreError::Constraint)));

    let mut c = t.app.db.conn().await.unwrap();
    assert_eq!(probe_rows(&mut c.exec()).await, 1);
    assert_eq!(audit_rows(&t, "probe.write").await, 1);
    assert_eq!(audit_rows(&t, "probe.fail").await, 0);
}
db_test!(sec_28_a_write_commits_only_with_its_audit_row);
