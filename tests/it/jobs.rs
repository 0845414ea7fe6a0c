//! The job runtime: a scheduled job runs once per due time, a lease held by another server
//! keeps it off this one until it expires, consumers run wherever they are called, and pages
//! only read (they say how far automatic points are posted).

use axum::http::StatusCode;
use time::Duration;

use crate::db_test;
use crate::meetings::branch;
use crate::points::held_unposted;
use crate::support::{Backend, get, text};

async fn runs(app: &zhibu::app::App, name: &str) -> i64 {
    zhibu::jobs::rows::run_count(&mut app.db.conn().await.unwrap().exec(), name)
        .await
        .unwrap()
}

async fn jobs_scheduled_job_runs_once_per_due_time(b: Backend) {
    let x = branch(b).await;
    let app = &x.t.app;
    for job in zhibu::jobs::registry::all(app) {
        let name = job.name();
        let first = zhibu::jobs::run_now(app, name).await.unwrap();
        assert!(first.is_some(), "{name} runs when due");
        let again = zhibu::jobs::run_now(app, name).await.unwrap();
        match job.schedule() {
            zhibu::jobs::Schedule::Once(_) => {
                assert_eq!(again, None, "{name}: the same due time runs once");
                assert_eq!(runs(app, name).await, 1, "{name}");
            }
            zhibu::jobs::Schedule::Everywhere(_) => assert!(again.is_some(), "{name}"),
        }
    }
    // The next due time runs again.
    x.t.clock.advance(Duration::minutes(10));
    assert!(
        zhibu::jobs::run_now(app, "sessions.purge")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(runs(app, "sessions.purge").await, 2);
    assert_eq!(
        zhibu::jobs::run_now(app, "no.such.job").await.unwrap(),
        None
    );
}
db_test!(jobs_scheduled_job_runs_once_per_due_time);

/// Another server holds the lease (it is running the job): this one does not run it until the
/// lease expires, and then takes over the due time that server left unfinished.
async fn jobs_lease_keeps_a_job_on_one_server(b: Backend) {
    let x = branch(b).await;
    let app = &x.t.app;
    let now = app.now();
    let mut ex = app.db.conn().await.unwrap();
    assert!(
        zhibu::jobs::rows::acquire(
            &mut ex.exec(),
            "sessions.purge",
            "other:1:x",
            now,
            now + Duration::seconds(60)
        )
        .await
        .unwrap()
    );
    drop(ex);
    assert_eq!(
        zhibu::jobs::run_now(app, "sessions.purge").await.unwrap(),
        None
    );
    assert_eq!(runs(app, "sessions.purge").await, 0);
    x.t.clock.advance(Duration::seconds(61));
    assert!(
        zhibu::jobs::run_now(app, "sessions.purge")
            .await
            .unwrap()
            .is_some()
    );
    let last = zhibu::jobs::rows::last_runs(&mut app.db.conn().await.unwrap().exec())
        .await
        .unwrap();
    let purge = last.iter().find(|r| r.name == "sessions.purge").unwrap();
    assert!(purge.finished_at.is_some() && purge.error.is_empty());
    assert_ne!(purge.holder, "other:1:x");
}
db_test!(jobs_lease_keeps_a_job_on_one_server);

/// Reads never run the consumer: the ranking shows what is posted and, once the consumer lags,
/// says up to when; the consumer job then posts.
async fn jobs_reads_do_not_post_points(b: Backend) {
    let x = branch(b).await;
    let app = &x.t.app;
    held_unposted(&x).await;
    let before = x.t.rows("point_entries").await;
    let (tok, _) = x.t.session(x.officer_uid).await;
    let page = format!("/points/ranking?org={}", x.branch);
    let res = x.t.send(get(&page, Some(&tok))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        x.t.rows("point_entries").await,
        before,
        "a GET wrote nothing"
    );
    x.t.clock.advance(Duration::minutes(1));
    let (tok, _) = x.t.session(x.officer_uid).await;
    let html = text(x.t.send(get(&page, Some(&tok))).await).await;
    assert!(html.contains("积分截至"), "the lag is shown");
    crate::support::settle_points(app).await;
    assert!(x.t.rows("point_entries").await > before);
    let html = text(x.t.send(get(&page, Some(&tok))).await).await;
    assert!(!html.contains("积分截至"), "current again");
}
db_test!(jobs_reads_do_not_post_points);
