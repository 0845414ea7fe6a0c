//! The outbox under concurrency: events are consumed exactly once even when a transaction
//! holding a lower id commits after a higher one (`PostgreSQL`), a malformed payload is recorded
//! as failed without stopping the consumer, and concurrent awards never pass a cap together.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::json;
use tokio::sync::Barrier;

use crate::db_test;
use crate::meetings::{branch, send_json};
use crate::support::Backend;

async fn entries_for(app: &zhibu::app::App, event_id: i64) -> i64 {
    const SQL: &str = "SELECT COUNT(*) FROM point_entries WHERE source_key LIKE $1";
    let key = format!("evt:{event_id}:%");
    match &app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query_scalar(SQL).bind(key).fetch_one(p).await,
        zhibu::db::Db::Postgres(p) => sqlx::query_scalar(SQL).bind(key).fetch_one(p).await,
    }
    .unwrap()
}

fn attended(member_id: i64) -> serde_json::Value {
    json!({"member_id": member_id, "held_on": "2026-11-20", "kinds": ["theme_day"]})
}

/// Publishes one attendance event in its own transaction, waiting at `hold` (if any) between
/// publishing and committing.
async fn publish(
    app: Arc<zhibu::app::App>,
    subject: String,
    member_id: i64,
    published: Arc<Barrier>,
    release: Option<Arc<Barrier>>,
) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let id = zhibu::events::publish(
        &mut tx.exec(),
        "meeting.attended",
        &subject,
        &attended(member_id),
        app.now(),
    )
    .await
    .unwrap();
    published.wait().await;
    if let Some(r) = release {
        r.wait().await;
    }
    tx.commit().await.unwrap();
    id
}

/// Two publishers; the one that took the lower id commits last, after the consumer has already
/// run past the higher one. The consumer must still post both, every round.
async fn ev_lower_id_committed_last_is_still_consumed(b: Backend) {
    let x = branch(b).await;
    let app = x.t.app.clone();
    let member = x.members[0].0;
    for round in 0..200 {
        let first_published = Arc::new(Barrier::new(2));
        let release = Arc::new(Barrier::new(2));
        let low = tokio::spawn(publish(
            app.clone(),
            format!("meeting:9{round}/member:{member}/low"),
            member,
            first_published.clone(),
            Some(release.clone()),
        ));
        // The lower id is taken; now the higher one is published and committed.
        first_published.wait().await;
        let done = Arc::new(Barrier::new(1));
        let high = publish(
            app.clone(),
            format!("meeting:9{round}/member:{member}/high"),
            member,
            done,
            None,
        )
        .await;
        zhibu::points::service::sync(&app).await.unwrap();
        assert_eq!(
            entries_for(&app, high).await,
            0,
            "round {round}: not before the horizon"
        );
        release.wait().await;
        let low = low.await.unwrap();
        assert!(low < high);
        crate::support::settle_points(&app).await;
        assert_eq!(
            entries_for(&app, low).await,
            1,
            "round {round}: lower id posted"
        );
        assert_eq!(
            entries_for(&app, high).await,
            1,
            "round {round}: higher id posted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
async fn ev_lower_id_committed_last_is_still_consumed_postgres() {
    ev_lower_id_committed_last_is_still_consumed(Backend::Postgres).await;
}

/// A payload the consumer cannot read is recorded with its reason, and the events after it are
/// still posted.
async fn ev_malformed_payload_is_recorded_and_passed(b: Backend) {
    let x = branch(b).await;
    let app = x.t.app.clone();
    let member = x.members[0].0;
    let mut tx = app.db.begin().await.unwrap();
    let mut ex = tx.exec();
    let now = app.now();
    let bad = zhibu::events::publish(
        &mut ex,
        "meeting.attended",
        "meeting:1/member:bad",
        &json!({"member_id": "x"}),
        now,
    )
    .await
    .unwrap();
    let gone = zhibu::events::publish(
        &mut ex,
        "meeting.attended",
        "meeting:1/member:999999",
        &attended(999_999),
        now,
    )
    .await
    .unwrap();
    let good = zhibu::events::publish(
        &mut ex,
        "meeting.attended",
        &format!("meeting:1/member:{member}"),
        &attended(member),
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    crate::support::settle_points(&app).await;
    assert_eq!(entries_for(&app, good).await, 1);
    let failed = zhibu::events::failed_store::recent(&mut app.db.conn().await.unwrap().exec(), 10)
        .await
        .unwrap();
    let ids: Vec<i64> = failed.iter().map(|f| f.event_id).collect();
    assert_eq!(ids.len(), 2, "{failed:?}");
    assert!(ids.contains(&bad) && ids.contains(&gone));
    assert!(failed.iter().any(|f| f.reason.contains("党员编号")));
    assert!(failed.iter().any(|f| f.reason.contains("不存在")));
    // Running again changes nothing.
    assert_eq!(zhibu::points::service::sync(&app).await.unwrap(), 0);
    assert_eq!(x.t.rows("failed_events").await, 2);
    // The 系统管理员 reads them on the system page, with the reason and without the payload;
    // an officer may not open it.
    let sys = x.t.user("sys-events", "system_admin", None).await;
    let (token, _) = x.t.session(sys).await;
    let res =
        x.t.send(crate::support::get("/admin/system", Some(&token)))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = crate::support::text(res).await;
    assert!(
        html.contains("无法处理的事件") && html.contains("共 2 条"),
        "{html}"
    );
    assert!(html.contains(&bad.to_string()) && html.contains("不存在"));
    assert!(html.contains("自动积分") && html.contains("会议出席"));
    assert!(!html.contains("member_id"), "payloads stay off the page");
    let res =
        x.t.send(crate::support::get("/admin/system", Some(&x.officer)))
            .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
db_test!(ev_malformed_payload_is_recorded_and_passed);

/// Fifty awards of 2 points fired at once at an item capped at 10 a year post exactly 10.
async fn pts_cap_holds_under_fifty_concurrent_awards(b: Backend) {
    const SQL: &str = "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE member_id = $1 AND item_code = 'special_task'";
    let x = branch(b).await;
    let body = json!({"member_id": x.members[0].0, "item": "special_task", "points": 2,
        "occurred_on": "2026-11-20", "reason": "防汛值守"});
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let router = x.t.router.clone();
        let req = send_json(Method::POST, "/api/v1/points/entries", &x.officer, &body);
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            router.oneshot(req).await.unwrap().status()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(
            s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY,
            "no 500 under contention: {s}"
        );
        ok += usize::from(s == StatusCode::CREATED);
    }
    let sum: i64 = match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => {
            sqlx::query_scalar(SQL)
                .bind(x.members[0].0)
                .fetch_one(p)
                .await
        }
        zhibu::db::Db::Postgres(p) => {
            sqlx::query_scalar(SQL)
                .bind(x.members[0].0)
                .fetch_one(p)
                .await
        }
    }
    .unwrap();
    assert_eq!(sum, 10, "exactly the cap");
    assert_eq!(ok, 5, "five awards of 2 fill a cap of 10");
}
db_test!(pts_cap_holds_under_fifty_concurrent_awards);
