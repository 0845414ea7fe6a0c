//! Organisational life through the JSON API on both backends: planning with the roll taken from
//! the roster, QR check-in (once, in the window, only for the roll), 请假, minutes that lock on
//! submission with audited corrections, published events, and the compliance report.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, post_json, text};

// The fixture is a 支部; tests across the suite read `x.branch` and `x.other_branch`.
#[allow(
    clippy::struct_field_names,
    reason = "fields named as the tests read them"
)]
pub struct Branch {
    pub t: TestApp,
    pub committee: i64,
    pub branch: i64,
    pub other_branch: i64,
    pub officer: String,
    pub outsider_officer: String,
    pub members: Vec<(i64, String)>,
    pub stranger: String,
    pub officer_uid: i64,
    pub member_uids: Vec<i64>,
}

impl Branch {
    /// New sessions after the clock moved past the idle timeout.
    pub async fn relogin(&mut self) {
        self.officer = self.t.session(self.officer_uid).await.0;
        for (i, uid) in self.member_uids.iter().enumerate() {
            self.members[i].1 = self.t.session(*uid).await.0;
        }
    }
}

/// A committee with two branches; branch A has an officer and four members with accounts,
/// branch B an officer and one member with an account.
pub async fn branch(b: Backend) -> Branch {
    branch_with(b, |_| {}).await
}

/// [`branch`] with settings changed from the test defaults.
pub async fn branch_with(b: Backend, tune: impl FnOnce(&mut zhibu::config::Config)) -> Branch {
    let (url, guard) = crate::support::fresh_db(b).await;
    let mut config = crate::support::test_config(&url);
    tune(&mut config);
    let t = TestApp::with_config(config, guard).await;
    let r = t.org(None, OrgKind::Committee, "机关党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "第一党支部").await;
    let bb = t.org(Some(&r), OrgKind::Branch, "第二党支部").await;
    let officer = t.user("shuji", "officer", Some(a.id)).await;
    let outsider = t.user("shuji2", "officer", Some(bb.id)).await;
    let mut members = Vec::new();
    let mut member_uids = Vec::new();
    for i in 0..4 {
        let m = t.member(a.id, None, i).await;
        let u = t
            .linked_user(&format!("dy{i}"), "member", Some(a.id), Some(m))
            .await;
        members.push((m, t.session(u).await.0));
        member_uids.push(u);
    }
    let sm = t.member(bb.id, None, 9).await;
    let su = t.linked_user("dy9", "member", Some(bb.id), Some(sm)).await;
    Branch {
        committee: r.id,
        branch: a.id,
        other_branch: bb.id,
        officer: t.session(officer).await.0,
        officer_uid: officer,
        member_uids,
        outsider_officer: t.session(outsider).await.0,
        stranger: t.session(su).await.0,
        members,
        t,
    }
}

pub async fn json_of(res: axum::http::Response<axum::body::Body>) -> Value {
    serde_json::from_str(&text(res).await).unwrap()
}

pub fn send_json(
    method: Method,
    path: &str,
    bearer: &str,
    body: &Value,
) -> axum::http::Request<axum::body::Body> {
    let mut r = post_json(path, Some(bearer), &body.to_string());
    *r.method_mut() = method;
    r
}

/// Plans a meeting of `kinds` at the test clock's "now" (10:00 China time), two hours long.
pub async fn plan(x: &Branch, kinds: &[&str], start: &str) -> i64 {
    let end = zhibu::shared::text::parse_datetime(start).unwrap() + time::Duration::hours(13);
    let end = end
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({
        "org_id": x.branch, "kinds": kinds, "title": "十一月支部党员大会",
        "starts_at": start, "ends_at": end, "place": "三楼会议室",
        "host_name": "王书记", "recorder_name": "李委员", "agenda": ["学习传达会议精神", "讨论接收预备党员"],
    });
    let res =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/meetings",
            &x.officer,
            &body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    json_of(res).await["id"].as_i64().unwrap()
}

pub async fn code(x: &Branch, id: i64) -> String {
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/checkin-code"),
            &x.officer,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v = json_of(res).await;
    assert!(v["expires_at"].as_str().is_some());
    v["code"].as_str().unwrap().to_owned()
}

pub async fn checkin(x: &Branch, id: i64, who: &str, code: &str) -> (StatusCode, Value) {
    let res =
        x.t.send(send_json(
            Method::POST,
            &format!("/api/v1/meetings/{id}/checkin"),
            who,
            &json!({"code": code}),
        ))
        .await;
    (res.status(), json_of(res).await)
}

async fn checkin_once_in_the_window_and_only_for_the_roll(b: Backend) {
    let mut x = branch(b).await;
    let id = plan(&x, &["branch_general", "lecture"], "2026-11-28T10:00").await;
    let res =
        x.t.send(bearer_get(&format!("/api/v1/meetings/{id}"), &x.officer))
            .await;
    let m = json_of(res).await;
    assert_eq!(m["kinds"], json!(["branch_general", "lecture"]));
    assert_eq!(
        m["attendance"]["expected"], 4,
        "the roll comes from the roster"
    );
    // Members may not read the code off the API.
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/checkin-code"),
            &x.members[0].1,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let c = code(&x, id).await;
    let (s, v) = checkin(&x, id, &x.members[0].1, &c).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("checked_in"))
    );
    let (s, v) = checkin(&x, id, &x.members[0].1, &c).await;
    assert_eq!((s, v["message"].as_str()), (StatusCode::OK, Some("已签到")));
    assert_eq!(
        x.t.audit_count("meeting.checkin").await,
        1,
        "a repeat writes nothing"
    );
    // Forged, and another branch's member with a valid code.
    let (s, v) = checkin(&x, id, &x.members[1].1, "ABCDEFGH").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("checkin_code_invalid")
        )
    );
    let (s, v) = checkin(&x, id, &x.stranger, &c).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_on_roll"))
    );
    // Codes expire as the screen rotates.
    x.t.clock.advance(time::Duration::seconds(61));
    let (s, v) = checkin(&x, id, &x.members[1].1, &c).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("checkin_code_invalid")
        )
    );
    // After the window closes even a fresh code is refused.
    x.t.clock.advance(time::Duration::hours(14));
    x.relogin().await;
    let fresh = code(&x, id).await;
    let (s, v) = checkin(&x, id, &x.members[1].1, &fresh).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("checkin_closed"))
    );
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.officer,
        ))
        .await;
    let a = json_of(res).await;
    assert_eq!(
        (
            a["expected"].as_i64(),
            a["present"].as_i64(),
            a["absent"].as_i64()
        ),
        (Some(4), Some(1), Some(3))
    );
    assert_eq!(a["roll"].as_array().unwrap().len(), 4);
    // A member sees the counts and their own line, not the names of others.
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.members[0].1,
        ))
        .await;
    let a = json_of(res).await;
    assert!(a.get("roll").is_none());
    assert_eq!(a["own"]["status"], "present");
}
db_test!(checkin_once_in_the_window_and_only_for_the_roll);

async fn concurrent_checkins_are_recorded_exactly_once(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["theme_day"], "2026-11-28T10:00").await;
    let c = code(&x, id).await;
    let mut handles = Vec::new();
    for round in 0..3 {
        for (_, tok) in &x.members {
            let req = send_json(
                Method::POST,
                &format!("/api/v1/meetings/{id}/checkin"),
                tok,
                &json!({"code": c}),
            );
            let router = x.t.router.clone();
            handles.push(tokio::spawn(async move {
                let _ = round;
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .unwrap()
                    .status()
            }));
        }
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(x.t.audit_count("meeting.checkin").await, 4);
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.officer,
        ))
        .await;
    assert_eq!(json_of(res).await["present"], 4);
}
db_test!(concurrent_checkins_are_recorded_exactly_once);

async fn leave_is_asked_before_and_approved_by_an_officer(b: Backend) {
    let mut x = branch(b).await;
    let id = plan(&x, &["branch_committee", "theme_day"], "2026-11-28T15:00").await;
    let url = format!("/api/v1/meetings/{id}/leave");
    let res =
        x.t.send(send_json(
            Method::POST,
            &url,
            &x.members[1].1,
            &json!({"reason": "出差"}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let lid = json_of(res).await["id"].as_i64().unwrap();
    let res =
        x.t.send(send_json(
            Method::POST,
            &url,
            &x.members[1].1,
            &json!({"reason": "出差"}),
        ))
        .await;
    assert_eq!(json_of(res).await["error"]["code"], "leave_exists");
    let res =
        x.t.send(send_json(
            Method::POST,
            &url,
            &x.members[2].1,
            &json!({"reason": "  "}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Members cannot approve; an officer of another branch does not even see it.
    let dec = format!("/api/v1/meetings/{id}/leaves/{lid}/decision");
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.members[0].1,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.outsider_officer,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.officer,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.officer,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "decided once"
    );
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.officer,
        ))
        .await;
    assert_eq!(json_of(res).await["leave"], 1);
    // Too late once the meeting has started.
    x.t.clock.advance(time::Duration::hours(6));
    x.relogin().await;
    let res =
        x.t.send(send_json(
            Method::POST,
            &url,
            &x.members[3].1,
            &json!({"reason": "生病"}),
        ))
        .await;
    assert_eq!(json_of(res).await["error"]["code"], "leave_closed");
}
db_test!(leave_is_asked_before_and_approved_by_an_officer);

async fn members_see_a_committee_meeting_they_are_expected_at(b: Backend) {
    let x = branch(b).await;
    let boss = x.t.user("dw", "org_admin", Some(x.committee)).await;
    let (bt, _) = x.t.session(boss).await;
    let body = json!({"org_id": x.committee, "kinds": ["lecture"], "title": "党委书记讲党课",
        "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T11:00", "place": "礼堂", "host_name": "党委书记"});
    let res =
        x.t.send(send_json(Method::POST, "/api/v1/meetings", &bt, &body))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json_of(res).await["id"].as_i64().unwrap();
    // Everyone on the books below the committee is expected, in both branches.
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}"),
            &x.members[0].1,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["attendance"]["expected"], 5);
    let res =
        x.t.send(bearer_get(&format!("/api/v1/meetings/{id}"), &x.stranger))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A branch officer who is not on the roll does not see the committee's meeting.
    let res =
        x.t.send(bearer_get(&format!("/api/v1/meetings/{id}"), &x.officer))
            .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let mine = text(
        x.t.send(crate::support::get("/my/meetings", Some(&mt)))
            .await,
    )
    .await;
    assert!(mine.contains("党委书记讲党课"));
}
db_test!(members_see_a_committee_meeting_they_are_expected_at);
