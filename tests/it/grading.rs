//! Annual grade suggestions on both backends (PTS-10, EVAL-03/05): the share of what each
//! member's meetings could bring, so neither the branch's structure nor holding office moves a
//! grade; the third of 优秀 per branch, the same from the committee's page; 预备党员 not graded.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::db_test;
use crate::meetings::{Branch, branch, checkin, code, json_of, plan, send_json};
use crate::regulations::{appoint, flash_text, set};
use crate::support::{Backend, bearer_get, get, post_form, text};

/// A year's points for a member, as the posting would have summed them.
async fn year_total(x: &Branch, member: i64, total: i64) {
    let key =
        zhibu::points::model::RankPeriod::Calendar(zhibu::meetings::model::Period::Year(2026))
            .total_key();
    let mut c = x.t.app.db.conn().await.unwrap();
    let mut ex = c.exec();
    zhibu::on!(&mut ex, c => sqlx::query("INSERT INTO point_totals (period_key, member_id, total) VALUES ($1, $2, $3)")
        .bind(&key).bind(member).bind(total).execute(c).await.unwrap().rows_affected());
}

/// Holds a meeting of `kinds` where `present` (indices into the members) checked in.
async fn hold(x: &Branch, kinds: &[&str], start: &str, present: &[usize]) -> i64 {
    let id = plan(x, kinds, start).await;
    let c = code(x, id).await;
    for i in present {
        let (status, body) = checkin(x, id, &x.members[*i].1, &c).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let res =
        x.t.send(send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &x.officer,
            &json!({"speeches": "发言", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

type Suggested = std::collections::HashMap<i64, (String, i64, Option<String>)>;

async fn suggested(x: &Branch, org: i64) -> Suggested {
    let op = zhibu::auth::Scope::operator();
    zhibu::points::service::suggestions(&x.t.app, &op, org, 2026)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.member_id,
                (s.grade.label().to_owned(), s.basis.score, s.tie),
            )
        })
        .collect()
}

async fn pts_10_office_and_structure_do_not_move_the_suggestion(b: Backend) {
    let x = branch(b).await;
    // 党员0 sits on the committee, so 支委会 adds to what he can collect; the others cannot.
    let res = appoint(&x, "committee_member", x.members[0].0).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", flash_text(&res));
    hold(&x, &["branch_general"], "2026-11-28T10:00", &[0, 1, 2]).await;
    hold(&x, &["branch_committee"], "2026-11-28T10:00", &[0]).await;
    crate::support::settle_points(&x.t.app).await;
    let from_branch = suggested(&x, x.branch).await;
    let officer = &from_branch[&x.members[0].0];
    let plain = &from_branch[&x.members[1].0];
    assert_eq!(
        officer.1, 100,
        "attended all he was expected at: {from_branch:?}"
    );
    assert_eq!(
        plain.1, 100,
        "the same share without office: {from_branch:?}"
    );
    let absent = &from_branch[&x.members[3].0];
    assert!(absent.1 < 0 && absent.0 == "不合格", "{absent:?}");
    // Three equal scores and a third of four 正式党员: one 优秀, and the branch is told to choose.
    let excellent = from_branch.values().filter(|s| s.0 == "优秀").count();
    assert_eq!(excellent, 1, "{from_branch:?}");
    for i in 0..3 {
        let tie = from_branch[&x.members[i].0].2.as_deref().unwrap_or("");
        assert!(
            tie.contains("同分 3 人") && tie.contains("三分之一"),
            "{tie}"
        );
    }
    let from_committee = suggested(&x, x.committee).await;
    for (m, s) in &from_branch {
        assert_eq!(
            from_committee.get(m),
            Some(s),
            "member {m}: the same from the committee"
        );
    }
    // The API gives the basis in numbers and in words.
    let v = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/points/grades?org={}&year=2026", x.branch),
            &x.officer,
        ))
        .await,
    )
    .await;
    let row = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["member_id"] == x.members[0].0)
        .unwrap()
        .clone();
    assert_eq!(row["basis"]["expected"], 2, "{row}");
    assert_eq!(row["basis"]["attended"], 2, "{row}");
    assert_eq!(row["basis"]["earned"], row["basis"]["attainable"], "{row}");
    assert!(
        row["basis_text"]
            .as_str()
            .unwrap()
            .contains("应参加会议 2 次，出席 2 次"),
        "{row}"
    );
    let page = text(
        x.t.send(get(
            &format!("/points/grades?org={}&year=2026", x.branch),
            Some(&x.officer),
        ))
        .await,
    )
    .await;
    assert!(
        page.contains("应参加会议 1 次，出席 0 次") && page.contains("同分 3 人"),
        "{page}"
    );
    assert!(!page.contains("PTS-") && !page.contains("EVAL-"));
}
db_test!(pts_10_office_and_structure_do_not_move_the_suggestion);

async fn pts_10_the_api_refuses_bad_parameters_and_other_branches(b: Backend) {
    let x = branch(b).await;
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/points/grades?org={}&year=2026", x.other_branch),
            &x.officer,
        ))
        .await;
    assert!(
        matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        res.status()
    );
    let res =
        x.t.send(bearer_get(
            "/api/v1/points/grades?org=abc&year=2026",
            &x.officer,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(res).await["error"]["code"], "invalid_fields");
    let res =
        x.t.send(bearer_get("/api/v1/points/grades?year=20x6", &x.officer))
            .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res =
        x.t.send(bearer_get("/api/v1/points/grades", &x.members[0].1))
            .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a member sees no one's grades"
    );
}
db_test!(pts_10_the_api_refuses_bad_parameters_and_other_branches);

async fn eval_03_05_the_third_is_per_branch_and_probationary_members_are_not_graded(b: Backend) {
    let x = branch(b).await;
    for (i, t) in [95, 95, 95, 50].iter().enumerate() {
        year_total(&x, x.members[i].0, *t).await;
    }
    // The other branch's one member has the top score too.
    let other: i64 = {
        let mut c = x.t.app.db.conn().await.unwrap();
        let mut ex = c.exec();
        zhibu::on!(&mut ex, c => sqlx::query_scalar("SELECT id FROM members WHERE org_id = $1")
            .bind(x.other_branch).fetch_one(c).await.unwrap())
    };
    year_total(&x, other, 99).await;
    let op = zhibu::auth::Scope::operator();
    let suggest = async |org: i64| {
        zhibu::points::service::suggestions(&x.t.app, &op, org, 2026)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.member_id, s.grade.label()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let from_branch = suggest(x.branch).await;
    let from_committee = suggest(x.committee).await;
    for (m, g) in &from_branch {
        assert_eq!(
            from_committee.get(m),
            Some(g),
            "member {m}: the same from either level"
        );
    }
    let excellent = from_branch.values().filter(|g| **g == "优秀").count();
    assert_eq!(
        excellent, 1,
        "a third of four 正式党员, rounded down: {from_branch:?}"
    );
    // A 预备党员 takes part in 民主评议 but gets no suggestion and no recorded grade.
    let p = x.members[3].0;
    set(
        &x,
        "UPDATE members SET category = 'probationary', converted_on = NULL WHERE id = $1",
        p,
    )
    .await;
    assert!(!suggest(x.branch).await.contains_key(&p));
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            "/points/grades",
            Some(&tok),
            Some(&csrf),
            &format!(
                "org={}&year=2026&basis=%E6%B0%91%E4%B8%BB%E8%AF%84%E8%AE%AE&g{p}=qualified",
                x.branch
            ),
        ))
        .await;
    assert!(
        flash_text(&res).contains("预备党员，参加民主评议但不评定等次"),
        "{}",
        flash_text(&res)
    );
    assert_eq!(x.t.rows("point_grades").await, 0);
}
db_test!(eval_03_05_the_third_is_per_branch_and_probationary_members_are_not_graded);

async fn eval_03_recording_warns_the_same_from_the_committee(b: Backend) {
    let x = branch(b).await;
    let record = async |uid: i64, org: i64, grade: &str| {
        let (tok, csrf) = x.t.session(uid).await;
        let (a, b) = (x.members[0].0, x.members[1].0);
        let picks = format!("&g{a}={grade}&g{b}={grade}");
        let res =
            x.t.send(post_form(
                "/points/grades",
                Some(&tok),
                Some(&csrf),
                &format!("org={org}&year=2026&basis=%E6%B0%91%E4%B8%BB%E8%AF%84%E8%AE%AE{picks}"),
            ))
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        flash_text(&res)
    };
    // Two 优秀 of four 正式党员 is more than a third.
    let from_branch = record(x.officer_uid, x.branch, "excellent").await;
    assert!(
        from_branch.contains("超过该支部正式党员（4 人）的三分之一"),
        "{from_branch}"
    );
    let upper = x.t.user("dwadmin", "officer", Some(x.committee)).await;
    record(upper, x.committee, "qualified").await;
    let from_committee = record(upper, x.committee, "excellent").await;
    assert_eq!(
        from_committee, from_branch,
        "the same warning from either level"
    );
    assert!(!from_committee.contains("EVAL"));
}
db_test!(eval_03_recording_warns_the_same_from_the_committee);
