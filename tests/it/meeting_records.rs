//! Minutes that lock on submission with audited corrections and published events, the
//! compliance report answered from the meetings held, and bad input refused cleanly — through the
//! JSON API on both backends.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::db_test;
use crate::meetings::{branch, checkin, code, json_of, plan, send_json};
use crate::support::{Backend, bearer_get, post_json};

async fn minutes_lock_on_submission_and_corrections_append(b: Backend) {
    // The events are read from the outbox whole: the consumers' horizon would hide events of
    // transactions that other tests, sharing the PostgreSQL cluster, still hold open.
    const SQL: &str = "SELECT topic FROM outbox ORDER BY id";
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T10:00").await;
    let c = code(&x, id).await;
    for (_, tok) in x.members.iter().take(3) {
        assert_eq!(checkin(&x, id, tok, &c).await.0, StatusCode::OK);
    }
    let url = format!("/api/v1/meetings/{id}/minutes");
    // Another branch's officer cannot write these minutes.
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.outsider_officer,
            &json!({"speeches": "x"}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.officer,
            &json!({"speeches": "草稿"}),
        ))
        .await;
    assert_eq!(json_of(res).await["saved"], "draft");
    let vote =
        json!({"topic": "接收张三为预备党员", "yes": 3, "no": 0, "abstain": 0, "method": "secret"});
    let too_many = json!({"topic": "事项", "yes": 3, "no": 1, "abstain": 0, "method": "secret"});
    let res = x.t.send(send_json(Method::PUT, &url, &x.officer,
        &json!({"speeches": "大家发言", "decisions": "同意", "votes": [too_many], "submit": true}))).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "4 votes from 3 present"
    );
    assert_eq!(x.t.rows("meeting_minutes").await, 0, "nothing half-written");
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.officer,
            &json!({"speeches": "大家发言", "decisions": "同意", "votes": [vote], "submit": true}),
        ))
        .await;
    let v = json_of(res).await;
    assert_eq!(
        (
            v["saved"].as_str(),
            v["revision"].as_i64(),
            v["status"].as_str()
        ),
        (Some("submitted"), Some(1), Some("held")),
        "{v}"
    );
    assert_eq!(
        (
            v["saved"].as_str(),
            v["revision"].as_i64(),
            v["status"].as_str()
        ),
        (Some("submitted"), Some(1), Some("held"))
    );
    // VOTE-03: 3 in favour of 4 entitled passes; the stored record recomputes it.
    let res =
        x.t.send(bearer_get(&format!("/api/v1/meetings/{id}"), &x.officer))
            .await;
    let m = json_of(res).await;
    assert_eq!(m["minutes"]["minutes"]["votes"][0]["entitled"], 4);
    assert_eq!(m["minutes"]["minutes"]["votes"][0]["present"], 3);
    assert_eq!(m["attendance"]["quorum"], true);
    // Locked: a change needs a reason and becomes revision 2.
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.officer,
            &json!({"speeches": "改"}),
        ))
        .await;
    assert_eq!(json_of(res).await["error"]["code"], "minutes_locked");
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.officer,
            &json!({"speeches": "大家发言（补充）", "decisions": "同意", "reason": "补充发言要点"}),
        ))
        .await;
    let v = json_of(res).await;
    assert_eq!(
        (v["saved"].as_str(), v["revision"].as_i64()),
        (Some("corrected"), Some(2))
    );
    assert_eq!(x.t.rows("meeting_minutes").await, 2);
    assert_eq!(x.t.audit_count("meeting.minutes.correct").await, 1);
    // Events: held, three attended and one absent; a late 代签 publishes a correction.
    let topics: Vec<String> = match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query_scalar(SQL).fetch_all(p).await.unwrap(),
        zhibu::db::Db::Postgres(p) => sqlx::query_scalar(SQL).fetch_all(p).await.unwrap(),
    };
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    assert_eq!(
        topics.iter().filter(|t| **t == "meeting.attended").count(),
        3
    );
    assert_eq!(topics.iter().filter(|t| **t == "meeting.absent").count(), 1);
    assert!(topics.contains(&"meeting.held") && topics.contains(&"meeting.scheduled"));
    // Check-in is over once the record is in.
    let (s, v) = checkin(&x, id, &x.members[3].1, &code(&x, id).await).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("checkin_closed"))
    );
}
db_test!(minutes_lock_on_submission_and_corrections_append);

async fn compliance_answers_from_the_meetings_held(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general", "lecture"], "2026-11-28T10:00").await;
    let get = |p: &str| {
        bearer_get(
            &format!("/api/v1/compliance?org={}&period={p}", x.branch),
            &x.officer,
        )
    };
    let v = json_of(x.t.send(get("2026-Q4")).await).await;
    let kinds = &v["rows"][0]["kinds"];
    let general = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "branch_general")
        .unwrap();
    assert_eq!(
        general["status"], "in_progress",
        "planned, not yet recorded"
    );
    assert_eq!(
        general["planned_meetings"][0],
        format!("/api/v1/meetings/{id}")
    );
    let committee = kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "branch_committee")
        .unwrap();
    assert_eq!(
        committee["status"], "not_applicable",
        "no committee recorded"
    );
    let url = format!("/api/v1/meetings/{id}/minutes");
    let res =
        x.t.send(send_json(
            Method::PUT,
            &url,
            &x.officer,
            &json!({"speeches": "发言", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v = json_of(x.t.send(get("2026-Q4")).await).await;
    let general = v["rows"][0]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "branch_general")
        .unwrap()
        .clone();
    assert_eq!(
        (general["status"].as_str(), general["held"].as_i64()),
        (Some("done"), Some(1))
    );
    let v = json_of(x.t.send(get("2026-Q3")).await).await;
    assert_eq!(v["rows"][0]["status"], "missed");
    for bad in ["2026-Q5", "26", "abc"] {
        assert_eq!(
            x.t.send(get(bad)).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // Another branch's officer: not found; the 党委 above is not visible to a branch member.
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/compliance?org={}&period=2026", x.branch),
            &x.outsider_officer,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let _ = x.other_branch;
}
db_test!(compliance_answers_from_the_meetings_held);

async fn bad_meeting_input_is_refused_cleanly(b: Backend) {
    let x = branch(b).await;
    let post = |body: Value| send_json(Method::POST, "/api/v1/meetings", &x.officer, &body);
    let base = json!({"org_id": x.branch, "kinds": ["theme_day"], "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-01T11:00", "place": "会议室", "host_name": "王书记"});
    let mut unknown = base.clone();
    unknown["kinds"] = json!(["party"]);
    assert_eq!(
        x.t.send(post(unknown)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let mut backwards = base.clone();
    backwards["ends_at"] = json!("2026-12-01T08:00");
    let res = x.t.send(post(backwards)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut wrong_type = base.clone();
    wrong_type["org_id"] = json!("one");
    assert_eq!(
        x.t.send(post(wrong_type)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let mut foreign = base.clone();
    foreign["org_id"] = json!(x.other_branch);
    assert_eq!(
        x.t.send(post(foreign)).await.status(),
        StatusCode::NOT_FOUND
    );
    let res =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/meetings",
            &x.members[0].1,
            &base,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(x.t.rows("meetings").await, 0);
    let res =
        x.t.send(post_json("/api/v1/meetings", Some(&x.officer), "{not json"))
            .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
db_test!(bad_meeting_input_is_refused_cleanly);

/// `SQLite` compares timestamps as text, so instants given with the China offset must be stored
/// and compared in UTC.
async fn instants_with_an_offset_are_compared_correctly(b: Backend) {
    let x = branch(b).await;
    let start = time::macros::datetime!(2026-12-01 07:30 +8);
    let plan = zhibu::meetings::service::Plan {
        org_id: x.branch,
        kinds: vec![zhibu::meetings::model::Kind::ThemeDay],
        title: "十二月主题党日".into(),
        starts_at: Some(start),
        ends_at: Some(start + time::Duration::hours(2)),
        place: "会议室".into(),
        host_name: "书记".into(),
        ..Default::default()
    };
    let actor = zhibu::audit::Actor::cli("test");
    let scope = zhibu::auth::Scope::operator();
    zhibu::meetings::service::schedule(&x.t.app, &actor, &scope, &plan)
        .await
        .unwrap();
    // 23:30 UTC on 30 November: before midnight UTC, on 1 December in China.
    let f = zhibu::meetings::rows::ListFilter {
        to: Some(time::macros::datetime!(2026-12-01 00:00 UTC)),
        ..Default::default()
    };
    let (rows, n) = zhibu::meetings::service::list(&x.t.app, &scope, Some(x.branch), f, 10, 0)
        .await
        .unwrap();
    assert_eq!((rows.len(), n), (1, 1));
    let v = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/compliance?org={}&period=2026-12", x.branch),
            &x.officer,
        ))
        .await,
    )
    .await;
    let theme = v["rows"][0]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "theme_day")
        .unwrap()
        .clone();
    assert_eq!(
        theme["planned_meetings"].as_array().unwrap().len(),
        1,
        "counted in December, China time"
    );
}
db_test!(instants_with_an_offset_are_compared_correctly);
