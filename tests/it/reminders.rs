//! Reminders from the jobs on both backends: a meeting's attendees the day before and an hour
//! before, each once however often the job runs; a notice's unread once, a day after it went
//! out, and not again.

use axum::http::{Method, StatusCode};
use serde_json::json;
use time::Duration;

use crate::db_test;
use crate::meetings::{branch, plan, send_json};
use crate::support::{Backend, bearer_get};

async fn count(x: &crate::meetings::Branch, kind: &str) -> i64 {
    let sql = format!("(SELECT * FROM notifications WHERE kind = '{kind}') AS n");
    x.t.rows(&sql).await
}

async fn meeting_reminders_go_out_once_per_lead_time(b: Backend) {
    let x = branch(b).await;
    let app = &x.t.app;
    // The test clock stands at 2026-11-28 10:00 China time: this meeting is a day away.
    plan(&x, &["theme_day"], "2026-11-29T10:00").await;
    assert_eq!(zhibu::notices::reminders::meetings(app).await.unwrap(), 1);
    assert_eq!(zhibu::notices::reminders::meetings(app).await.unwrap(), 0);
    assert_eq!(
        count(&x, "meeting_reminder").await,
        4,
        "one line per account expected"
    );
    x.t.clock
        .advance(Duration::hours(23) + Duration::minutes(30));
    let (a, b2) = tokio::join!(
        zhibu::notices::reminders::meetings(app),
        zhibu::notices::reminders::meetings(app)
    );
    assert_eq!(
        a.unwrap() + b2.unwrap(),
        1,
        "the hour-before reminder, once"
    );
    assert_eq!(count(&x, "meeting_reminder").await, 8);
}
db_test!(meeting_reminders_go_out_once_per_lead_time);

async fn a_meeting_at_short_notice_gets_one_reminder(b: Backend) {
    let x = branch(b).await;
    plan(&x, &["theme_day"], "2026-11-28T10:45").await;
    assert_eq!(
        zhibu::notices::reminders::meetings(&x.t.app).await.unwrap(),
        1
    );
    assert_eq!(count(&x, "meeting_reminder").await, 4);
    assert_eq!(
        zhibu::notices::reminders::meetings(&x.t.app).await.unwrap(),
        0
    );
}
db_test!(a_meeting_at_short_notice_gets_one_reminder);

async fn unread_notices_are_reminded_once_after_a_day(b: Backend) {
    let x = branch(b).await;
    let body = json!({"org_id": x.branch, "title": "学习通知", "body": "请学习。",
        "receipt_required": true, "audience": {"orgs": [x.branch]}});
    let res =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/notices",
            &x.officer,
            &body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = crate::meetings::json_of(res).await["id"].as_i64().unwrap();
    let read =
        x.t.send(bearer_get(
            &format!("/api/v1/notices/{id}"),
            &x.members[0].1,
        ))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let app = &x.t.app;
    assert_eq!(
        zhibu::notices::reminders::receipts(app).await.unwrap(),
        0,
        "not yet"
    );
    x.t.clock.advance(Duration::hours(25));
    assert_eq!(zhibu::notices::reminders::receipts(app).await.unwrap(), 1);
    assert_eq!(zhibu::notices::reminders::receipts(app).await.unwrap(), 0);
    assert_eq!(
        count(&x, "notice_reminder").await,
        3,
        "the three unread only"
    );
}
db_test!(unread_notices_are_reminded_once_after_a_day);

/// MEET-02/03/05: two days before November ends with nothing held, each branch's officers are
/// warned once (and a bot that forwards warnings posts it); the sweep runs once a day and never
/// repeats a period's warning.
async fn meet_owed_meetings_are_warned_once_per_period(b: Backend) {
    let x = branch(b).await;
    let app = &x.t.app;
    let nb = zhibu::bots::rows::NewBot {
        org_id: x.branch,
        name: "支部群",
        kind: "wecom",
        url: "http://127.0.0.1:9/h",
        secret: None,
        events: ",warning,",
    };
    zhibu::bots::rows::insert(
        &mut app.db.conn().await.unwrap().exec(),
        &nb,
        None,
        app.now(),
    )
    .await
    .unwrap();
    let sent = zhibu::meetings::warnings::sweep(app).await.unwrap();
    assert!(sent >= 1, "the branch owes this month's meetings");
    let mine = format!(
        "(SELECT * FROM notifications WHERE kind = 'warning' AND user_id = {}) AS n",
        x.officer_uid
    );
    assert_eq!(x.t.rows(&mine).await, 1, "the branch's officer, once");
    let all = count(&x, "warning").await;
    assert_eq!(all, 2, "and the other branch's, which owes them too");
    let sql = "(SELECT * FROM bot_deliveries WHERE event_kind = 'warning') AS d";
    assert_eq!(x.t.rows(sql).await, 1);
    let (tok, _) = x.t.session(x.officer_uid).await;
    let page = crate::support::text(
        x.t.send(crate::support::get("/notifications", Some(&tok)))
            .await,
    )
    .await;
    assert!(
        page.contains("组织生活提醒：第一党支部 2026年11月还差"),
        "{page}"
    );
    assert_eq!(
        zhibu::meetings::warnings::sweep(app).await.unwrap(),
        0,
        "once a day"
    );
    x.t.clock.advance(Duration::days(1));
    assert_eq!(
        zhibu::meetings::warnings::sweep(app).await.unwrap(),
        0,
        "once a period"
    );
    assert_eq!(count(&x, "warning").await, all);
}
db_test!(meet_owed_meetings_are_warned_once_per_period);
