//! Which meetings count for whom, on both backends: a 党课 a 党委 gives for its subtree counts
//! for each branch whose members were on its roll, unless the setting says otherwise (MEET-04);
//! a 临时党支部 is held only to the kinds its setting lists (ORG-06).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::db_test;
use crate::meetings::{Branch, branch, branch_with, json_of, send_json};
use crate::support::{Backend, bearer_get};

/// The cell of `kind` for organisation `org` in the report of `root` for `period`.
async fn cell(x: &Branch, token: &str, root: i64, period: &str, org: i64, kind: &str) -> Value {
    let v = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/compliance?org={root}&period={period}"),
            token,
        ))
        .await,
    )
    .await;
    v["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .find(|r| r["org_id"] == org)
        .and_then(|r| r["kinds"].as_array())
        .and_then(|ks| ks.iter().find(|k| k["kind"] == kind))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The committee's officer holds a 党课 for the whole subtree, with minutes submitted.
async fn committee_lecture(x: &Branch) -> String {
    let uid = x.t.user("dangwei", "officer", Some(x.committee)).await;
    let tok = x.t.session(uid).await.0;
    let body = json!({
        "org_id": x.committee, "kinds": ["lecture"], "title": "党委书记讲党课",
        "starts_at": "2026-11-28T10:00", "ends_at": "2026-11-28T12:00", "place": "大礼堂",
        "host_name": "党委书记", "recorder_name": "组织委员", "agenda": ["专题党课"],
    });
    let res =
        x.t.send(send_json(Method::POST, "/api/v1/meetings", &tok, &body))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json_of(res).await["id"].as_i64().unwrap();
    let res =
        x.t.send(send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &tok,
            &json!({"speeches": "讲授党课", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    tok
}

async fn meet_04_a_committee_lecture_counts_for_each_branch_on_its_roll(b: Backend) {
    let x = branch(b).await;
    let before = cell(&x, &x.officer, x.branch, "2026-Q4", x.branch, "lecture").await;
    assert_eq!(before["held"], 0, "{before}");
    let tok = committee_lecture(&x).await;
    let mine = cell(&x, &x.officer, x.branch, "2026-Q4", x.branch, "lecture").await;
    assert_eq!(mine["held"], 1, "{mine}");
    assert_eq!(mine["status"], "done", "{mine}");
    // The other branch's members were on the roll too; seen from the committee.
    let other = cell(&x, &tok, x.committee, "2026-Q4", x.other_branch, "lecture").await;
    assert_eq!(other["held"], 1, "{other}");
    // It counts once, not once per member.
    let same = cell(&x, &tok, x.committee, "2026-Q4", x.branch, "lecture").await;
    assert_eq!(same["held"], 1, "{same}");
}
db_test!(meet_04_a_committee_lecture_counts_for_each_branch_on_its_roll);

async fn meet_04_the_setting_keeps_committee_lectures_to_the_committee(b: Backend) {
    let x = branch_with(b, |c| c.meetings.lectures_from_above_count = false).await;
    committee_lecture(&x).await;
    let mine = cell(&x, &x.officer, x.branch, "2026-Q4", x.branch, "lecture").await;
    assert_eq!(mine["held"], 0, "{mine}");
}
db_test!(meet_04_the_setting_keeps_committee_lectures_to_the_committee);

async fn org_06_a_temporary_branch_owes_no_appraisal_by_default(b: Backend) {
    let x = branch(b).await;
    let committee = {
        let mut c = x.t.app.db.conn().await.unwrap();
        zhibu::orgs::service::get_unscoped(&mut c.exec(), x.committee)
            .await
            .unwrap()
    };
    let temp =
        x.t.org(
            Some(&committee),
            zhibu::orgs::model::OrgKind::TemporaryBranch,
            "项目临时党支部",
        )
        .await;
    let uid = x.t.user("dangwei", "officer", Some(x.committee)).await;
    let tok = x.t.session(uid).await.0;
    let appraisal = cell(&x, &tok, x.committee, "2026", temp.id, "appraisal").await;
    assert!(appraisal.is_null(), "{appraisal}");
    let lecture = cell(&x, &tok, x.committee, "2026", temp.id, "lecture").await;
    assert!(!lecture.is_null(), "a 临时党支部 still owes its 党课");
    let ordinary = cell(&x, &tok, x.committee, "2026", x.branch, "appraisal").await;
    assert!(!ordinary.is_null(), "an ordinary branch owes its 民主评议");
}
db_test!(org_06_a_temporary_branch_owes_no_appraisal_by_default);
