//! Appointments checked against the rules, on both backends: a 预备党员 or a member under 留党察看
//! holds no committee post (ROLE-07, RIGHT-01/02), a 书记 with under a year of 党龄 is appointed
//! with a warning (ROLE-03), and committee posts in a branch of fewer than seven 正式党员 are
//! warned (ORG-08).

use axum::http::StatusCode;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::support::{Backend, get, post_form, text};

/// The flash message a redirect carries, decoded.
pub fn flash_text(res: &axum::http::Response<axum::body::Body>) -> String {
    let c = flash(res);
    let v = c
        .split(';')
        .next()
        .unwrap_or("")
        .trim_start_matches("zhibu_flash=");
    let (_, hexed) = v.split_once('.').unwrap_or(("", ""));
    String::from_utf8(hex::decode(hexed).unwrap_or_default()).unwrap_or_default()
}

/// A 党小组 under the branch.
pub(crate) async fn group(x: &crate::meetings::Branch) -> zhibu::orgs::model::Org {
    let branch_org = {
        let mut c = x.t.app.db.conn().await.unwrap();
        zhibu::orgs::service::get_unscoped(&mut c.exec(), x.branch)
            .await
            .unwrap()
    };
    x.t.org(
        Some(&branch_org),
        zhibu::orgs::model::OrgKind::Group,
        "第一党小组",
    )
    .await
}

pub(crate) async fn set(x: &crate::meetings::Branch, sql: &str, id: i64) {
    let mut c = x.t.app.db.conn().await.unwrap();
    let mut ex = c.exec();
    zhibu::on!(&mut ex, c => sqlx::query(sql).bind(id).execute(c).await.unwrap().rows_affected());
}

pub(crate) async fn appoint(
    x: &crate::meetings::Branch,
    post: &str,
    member: i64,
) -> axum::http::Response<axum::body::Body> {
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    x.t.send(post_form(
        &format!("/orgs/{}/officers", x.branch),
        Some(&tok),
        Some(&csrf),
        &format!("post={post}&member_id={member}&started_on=2026-11-01"),
    ))
    .await
}

async fn role_07_a_probationary_member_holds_no_committee_post(b: Backend) {
    let x = branch(b).await;
    let m = x.members[0].0;
    set(
        &x,
        "UPDATE members SET category = 'probationary', converted_on = NULL WHERE id = $1",
        m,
    )
    .await;
    for post in ["secretary", "organization_officer", "committee_member"] {
        let res = appoint(&x, post, m).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let msg = flash_text(&res);
        assert!(
            flash(&res).starts_with("zhibu_flash=error.")
                && msg.contains("预备党员")
                && msg.contains("第五条"),
            "{post}: {msg}"
        );
    }
    let page = text(
        x.t.send(get(&format!("/orgs/{}", x.branch), Some(&x.officer)))
            .await,
    )
    .await;
    assert!(
        !page.contains("组织委员</span><span>党员0"),
        "nothing was recorded"
    );
    assert_eq!(x.t.audit_count("org.officer_add").await, 0);
}
db_test!(role_07_a_probationary_member_holds_no_committee_post);

async fn role_03_a_secretary_under_a_year_of_party_age_is_warned(b: Backend) {
    let x = branch(b).await;
    let m = x.members[1].0;
    set(
        &x,
        "UPDATE members SET converted_on = '2026-05-01' WHERE id = $1",
        m,
    )
    .await;
    let res = appoint(&x, "secretary", m).await;
    assert!(
        flash(&res).starts_with("zhibu_flash=warning."),
        "{}",
        flash_text(&res)
    );
    let msg = flash_text(&res);
    assert!(
        msg.contains("已任命") && msg.contains("党龄不足一年") && msg.contains("第二十三条"),
        "{msg}"
    );
    assert!(!msg.contains("ROLE"), "no rule ids on screen");
    assert_eq!(
        x.t.audit_count("org.officer_add").await,
        1,
        "a warning, not a refusal"
    );
}
db_test!(role_03_a_secretary_under_a_year_of_party_age_is_warned);

async fn org_08_committee_posts_in_a_small_branch_are_warned(b: Backend) {
    let x = branch(b).await;
    // Four 正式党员: a 书记, and no committee.
    let res = appoint(&x, "secretary", x.members[0].0).await;
    assert!(
        flash(&res).starts_with("zhibu_flash=success."),
        "{}",
        flash_text(&res)
    );
    let res = appoint(&x, "organization_officer", x.members[1].0).await;
    let msg = flash_text(&res);
    assert!(flash(&res).starts_with("zhibu_flash=warning."), "{msg}");
    assert!(
        msg.contains("正式党员 4 人") && msg.contains("第六章"),
        "{msg}"
    );
    // Seven or more: a committee is what the branch should have, no warning.
    for seq in 10..13 {
        x.t.member(x.branch, None, seq).await;
    }
    let res = appoint(&x, "publicity_officer", x.members[2].0).await;
    assert!(
        flash(&res).starts_with("zhibu_flash=success."),
        "{}",
        flash_text(&res)
    );
}
db_test!(org_08_committee_posts_in_a_small_branch_are_warned);

async fn mgmt_a_groups_probationary_members_count_as_probationary(b: Backend) {
    let x = branch(b).await;
    let g = group(&x).await;
    x.t.member(x.branch, Some(g.id), 20).await;
    let p = x.t.member(x.branch, Some(g.id), 21).await;
    set(
        &x,
        "UPDATE members SET category = 'probationary', converted_on = NULL WHERE id = $1",
        p,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(crate::support::bearer_get("/api/v1/orgs", &x.officer))
                .await,
        )
        .await,
    )
    .unwrap();
    let node = v["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == g.id)
        .unwrap()
        .clone();
    assert_eq!(node["members"]["full"], 1, "{node}");
    assert_eq!(node["members"]["probationary"], 1, "{node}");
}
db_test!(mgmt_a_groups_probationary_members_count_as_probationary);

async fn rel_04_dues_cannot_be_paid_to_a_future_month(b: Backend) {
    let x = branch(b).await;
    let body = |month: &str| {
        format!(
            r#"{{"member_id":{},"kind":"outgoing","destination":"外地党委","valid_days":30,"dues_paid_to":"{month}","reason":"迁居"}}"#,
            x.members[0].0
        )
    };
    let res =
        x.t.send(crate::support::post_json(
            "/api/v1/transfers",
            Some(&x.officer),
            &body("2026-12"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("党费交至不能晚于本月"));
    let res =
        x.t.send(crate::support::post_json(
            "/api/v1/transfers",
            Some(&x.officer),
            &body("2026-11"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
db_test!(rel_04_dues_cannot_be_paid_to_a_future_month);

async fn meet_01_03_each_organisation_holds_its_own_meetings(b: Backend) {
    let x = branch(b).await;
    let g = group(&x).await;
    let try_plan = async |org: i64, kind: &str| {
        let body = serde_json::json!({
            "org_id": org, "kinds": [kind], "title": "会议",
            "starts_at": "2026-12-01T14:00", "ends_at": "2026-12-01T16:00", "place": "三楼会议室",
            "host_name": "王书记",
        });
        x.t.send(crate::meetings::send_json(
            axum::http::Method::POST,
            "/api/v1/meetings",
            &x.officer,
            &body,
        ))
        .await
    };
    // A 党小组 holds no 支部党员大会 (so it never votes on 接收预备党员), a branch no 党小组会.
    let res = try_plan(g.id, "branch_general").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = text(res).await;
    assert!(
        msg.contains("只有党支部召开支部党员大会") && msg.contains("第十一条"),
        "{msg}"
    );
    let res = try_plan(x.branch, "group").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("第十三条"));
    assert_eq!(try_plan(g.id, "group").await.status(), StatusCode::CREATED);
    assert_eq!(
        try_plan(x.branch, "branch_general").await.status(),
        StatusCode::CREATED
    );
}
db_test!(meet_01_03_each_organisation_holds_its_own_meetings);

/// The 支委会 cell of the branch for November, from the compliance API.
async fn committee_cell(x: &crate::meetings::Branch) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(crate::support::bearer_get(
                &format!("/api/v1/compliance?org={}&period=2026-11", x.branch),
                &x.officer,
            ))
            .await,
        )
        .await,
    )
    .unwrap();
    let s = v.to_string();
    let at = s
        .find("\"branch_committee\"")
        .unwrap_or_else(|| panic!("{s}"));
    // The cell object around the kind.
    let start = s[..at].rfind('{').unwrap();
    let end = at + s[at..].find('}').unwrap();
    serde_json::from_str(&format!("{}}}", &s[start..end])).unwrap_or(serde_json::Value::Null)
}

async fn org_08_the_committee_duty_follows_the_full_members(b: Backend) {
    let x = branch(b).await;
    // Four 正式党员 and three posts recorded: still no 支委会 owed.
    for (post, i) in [
        ("secretary", 0),
        ("organization_officer", 1),
        ("publicity_officer", 2),
    ] {
        appoint(&x, post, x.members[i].0).await;
    }
    let cell = committee_cell(&x).await;
    assert_eq!(cell["status"], "not_applicable", "{cell}");
    // Nine 正式党员 with the same officers: the branch owes its 支委会 every month.
    for seq in 30..35 {
        x.t.member(x.branch, None, seq).await;
    }
    let cell = committee_cell(&x).await;
    assert_ne!(cell["status"], "not_applicable", "{cell}");
    assert_eq!(cell["required"], 1, "{cell}");
    // With the 组织委员 and 宣传委员 ended, a 书记 alone: the branch page says a committee is due.
    let page = |tok: String| {
        let t = &x.t;
        let url = format!("/orgs/{}", x.branch);
        async move { text(t.send(get(&url, Some(&tok))).await).await }
    };
    assert!(
        !page(x.officer.clone()).await.contains("应当设立支部委员会"),
        "three in office"
    );
    {
        let mut c = x.t.app.db.conn().await.unwrap();
        let mut ex = c.exec();
        zhibu::on!(&mut ex, c => sqlx::query("UPDATE org_officers SET ended_on = '2026-11-20' WHERE post <> 'secretary'")
            .execute(c).await.unwrap().rows_affected());
    }
    let shown = page(x.officer.clone()).await;
    assert!(
        shown.contains("本支部有正式党员 9 人，应当设立支部委员会") && shown.contains("第六章"),
        "{shown}"
    );
    assert!(
        !page(x.members[0].1.clone())
            .await
            .contains("应当设立支部委员会"),
        "officers only"
    );
}
db_test!(org_08_the_committee_duty_follows_the_full_members);

async fn dev_22_a_probation_longer_than_two_years_is_flagged(b: Backend) {
    let x = branch(b).await;
    set(
        &x,
        "UPDATE members SET category = 'probationary', converted_on = NULL, joined_on = '2024-10-01' WHERE id = $1",
        x.members[0].0,
    )
    .await;
    set(
        &x,
        "UPDATE members SET category = 'probationary', converted_on = NULL, joined_on = '2025-06-01' WHERE id = $1",
        x.members[1].0,
    )
    .await;
    let page = text(
        x.t.send(get("/members?flag=probation_overdue", Some(&x.officer)))
            .await,
    )
    .await;
    assert!(
        page.contains(">党员0</a>") && !page.contains(">党员1</a>"),
        "{page}"
    );
    assert!(page.contains("预备期超过两年"));
    let all = text(x.t.send(get("/members", Some(&x.officer))).await).await;
    assert_eq!(
        all.matches("badge-danger\">预备期超过两年").count(),
        1,
        "one badge, on 党员0"
    );
}
db_test!(dev_22_a_probation_longer_than_two_years_is_flagged);

async fn meet_04_the_lecture_default_is_marked_local_and_no_rule_id_shows(b: Backend) {
    let x = branch(b).await;
    let page = text(
        x.t.send(get(
            &format!("/orgs/{}/meeting-rules", x.branch),
            Some(&x.officer),
        ))
        .await,
    )
    .await;
    assert!(
        page.contains("本单位要求") && page.contains("全国要求"),
        "{page}"
    );
    assert!(page.contains("第十一条") && page.contains("未规定次数"));
    assert!(!page.contains("MEET-"), "no rule ids on screen");
}
db_test!(meet_04_the_lecture_default_is_marked_local_and_no_rule_id_shows);

async fn right_02_a_member_under_observation_holds_no_post(b: Backend) {
    let x = branch(b).await;
    let m = x.members[2].0;
    set(
        &x,
        "UPDATE members SET observation_until = '2027-06-01' WHERE id = $1",
        m,
    )
    .await;
    let res = appoint(&x, "committee_member", m).await;
    let msg = flash_text(&res);
    assert!(
        flash(&res).starts_with("zhibu_flash=error.")
            && msg.contains("留党察看")
            && msg.contains("第五条"),
        "{msg}"
    );
    assert_eq!(x.t.audit_count("org.officer_add").await, 0);
    // Once the period is over, the post can be given.
    set(
        &x,
        "UPDATE members SET observation_until = '2026-11-01' WHERE id = $1",
        m,
    )
    .await;
    let res = appoint(&x, "committee_member", m).await;
    assert!(
        !flash(&res).starts_with("zhibu_flash=error."),
        "{}",
        flash_text(&res)
    );
}
db_test!(right_02_a_member_under_observation_holds_no_post);
