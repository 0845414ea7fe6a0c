//! 通知公告 on both backends: publication fans out to the audience, the inbox counts unread,
//! opening records the read once, the sender sees 已读 / 未读 and may remind once an hour,
//! scripts are stripped, audiences beyond the sender's organisation are refused with nothing
//! written, and a scheduled notice is published once when its time comes.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::db_test;
use crate::meetings::{Branch, branch, json_of, send_json};
use crate::support::{Backend, bearer_get};

async fn send(x: &Branch, token: &str, body: &Value) -> (StatusCode, Value) {
    let res =
        x.t.send(send_json(Method::POST, "/api/v1/notices", token, body))
            .await;
    let status = res.status();
    (status, json_of(res).await)
}

fn notice(x: &Branch, extra: &Value) -> Value {
    let mut v = json!({
        "org_id": x.branch,
        "title": "关于开展十二月主题党日的通知",
        "body": "<p>请全体党员准时参加。</p><script>alert(1)</script><p onclick=\"alert(2)\">地点：二楼会议室</p>",
        "receipt_required": true,
        "audience": {"subtrees": [x.branch]},
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in e {
            o.insert(k.clone(), val.clone());
        }
    }
    v
}

async fn get_json(x: &Branch, path: &str, token: &str) -> (StatusCode, Value) {
    let res = x.t.send(bearer_get(path, token)).await;
    let status = res.status();
    let body = crate::support::text(res).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn notices_reach_their_audience_and_record_reads(b: Backend) {
    let mut x = branch(b).await;
    let (status, v) = send(&x, &x.officer, &notice(&x, &json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["recipients"].as_i64()),
        (Some("published"), Some(4))
    );
    let id = v["id"].as_i64().unwrap();
    let member = &x.members[0].1.clone();
    let (_, inbox) = get_json(&x, "/api/v1/notices", member).await;
    assert_eq!(
        (inbox["total"].as_i64(), inbox["unread"].as_i64()),
        (Some(1), Some(1))
    );
    let (status, n) = get_json(&x, &format!("/api/v1/notices/{id}"), member).await;
    assert_eq!(status, StatusCode::OK);
    let body = n["body"].as_str().unwrap();
    assert!(!body.contains("script") && !body.contains("onclick") && !body.contains("alert"));
    assert!(body.contains("二楼会议室"));
    assert!(n["read_at"].is_string());
    get_json(&x, &format!("/api/v1/notices/{id}"), member).await;
    assert_eq!(
        x.t.audit_count("notice.read").await,
        1,
        "the first read only"
    );
    let (_, inbox) = get_json(&x, "/api/v1/notices", member).await;
    assert_eq!(inbox["unread"], 0);
    // The other branch's member neither receives nor opens it; its officer sees no receipts.
    let (_, other) = get_json(&x, "/api/v1/notices", &x.stranger).await;
    assert_eq!(other["total"], 0);
    let (status, _) = get_json(&x, &format!("/api/v1/notices/{id}"), &x.stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let receipts = format!("/api/v1/notices/{id}/receipts");
    let (status, _) = get_json(&x, &receipts, &x.outsider_officer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, r) = get_json(&x, &receipts, &x.officer).await;
    assert_eq!(
        (
            r["read"].as_array().unwrap().len(),
            r["unread"].as_array().unwrap().len()
        ),
        (1, 3)
    );
    // One reminder an hour.
    let remind = format!("/api/v1/notices/{id}/remind");
    let res =
        x.t.send(send_json(Method::POST, &remind, &x.officer, &json!({})))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["reminded"], 3);
    let res =
        x.t.send(send_json(Method::POST, &remind, &x.officer, &json!({})))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    x.t.clock.advance(Duration::minutes(61));
    x.relogin().await;
    let res =
        x.t.send(send_json(Method::POST, &remind, &x.officer, &json!({})))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Members do not send notices.
    let (status, _) = send(&x, &x.members[0].1, &notice(&x, &json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
db_test!(notices_reach_their_audience_and_record_reads);

async fn bad_notices_write_nothing(b: Backend) {
    let x = branch(b).await;
    for (extra, want) in [
        (json!({"title": "  "}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"body": "<script>alert(1)</script>"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"audience": {}}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"audience": {"orgs": [x.committee]}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"audience": {"orgs": [x.other_branch]}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"publish_at": "2026-11-01T09:00"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"publish_at": "明天"}), StatusCode::BAD_REQUEST),
        (json!({"org_id": x.other_branch}), StatusCode::NOT_FOUND),
        (json!({"title": 5}), StatusCode::BAD_REQUEST),
    ] {
        let (status, v) = send(&x, &x.officer, &notice(&x, &extra)).await;
        assert_eq!(status, want, "{extra} → {v}");
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    assert_eq!(x.t.rows("notices").await, 0);
    assert_eq!(x.t.rows("notice_recipients").await, 0);
}
db_test!(bad_notices_write_nothing);

async fn scheduled_notices_publish_once_when_due(b: Backend) {
    let mut x = branch(b).await;
    // The test clock stands at 2026-11-28 10:00 China time.
    let (status, v) = send(
        &x,
        &x.officer,
        &notice(
            &x,
            &json!({"publish_at": "2026-11-28T12:00", "receipt_required": false}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "scheduled");
    let (_, inbox) = get_json(&x, "/api/v1/notices", &x.members[0].1).await;
    assert_eq!(inbox["total"], 0, "not before its time");
    assert_eq!(
        zhibu::notices::service::publish_due(&x.t.app)
            .await
            .unwrap(),
        0
    );
    x.t.clock.advance(Duration::hours(2));
    x.relogin().await;
    let app = &x.t.app;
    // A member joining before publication is included: the roster is read when it goes out.
    x.t.member(x.branch, None, 30).await;
    let (a, b2) = tokio::join!(
        zhibu::notices::service::publish_due(app),
        zhibu::notices::service::publish_due(app)
    );
    assert_eq!(a.unwrap() + b2.unwrap(), 1, "published once");
    assert_eq!(x.t.rows("notice_recipients").await, 5);
    let (_, inbox) = get_json(&x, "/api/v1/notices", &x.members[0].1).await;
    assert_eq!(inbox["unread"], 1);
}
db_test!(scheduled_notices_publish_once_when_due);
