//! What a 组织管理员 and the officers see of their work, on both backends: the committee overview
//! on the home page, the scoped record of unmasked numbers, and 支部记分 that will not let an
//! officer decide their own submission or post the same award twice by accident.

use axum::http::StatusCode;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::support::{Backend, get, post_form, text};

async fn the_committee_home_is_an_overview_of_its_branches(b: Backend) {
    let x = branch(b).await;
    let ua = x.t.user("dwgly", "org_admin", Some(x.committee)).await;
    let (ta, _) = x.t.session(ua).await;
    let home = text(x.t.send(get("/", Some(&ta))).await).await;
    for part in [
        "各支部组织生活（2026年11月）",
        "第一党支部",
        "第二党支部",
        "人均积分",
        "通知阅读情况",
        "组织关系转接",
        "class=\"split-bar\"",
    ] {
        assert!(home.contains(part), "{part} on the overview");
    }
    assert!(home.contains(&format!("/compliance/period?org={}", x.branch)));
    assert!(
        !home.contains("style="),
        "no inline styles: the CSP would drop them"
    );
    // A branch's officer gets the branch's own card instead.
    let branch_home = text(x.t.send(get("/", Some(&x.officer))).await).await;
    assert!(!branch_home.contains("各支部组织生活"));
    assert!(branch_home.contains("本期组织生活"));
}
db_test!(the_committee_home_is_an_overview_of_its_branches);

async fn the_org_admin_sees_who_unmasked_which_number_in_the_subtree(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/members/{}/unmask", x.members[1].0),
            Some(&tok),
            Some(&csrf),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ua = x.t.user("dwgly", "org_admin", Some(x.committee)).await;
    let (ta, _) = x.t.session(ua).await;
    let page = text(x.t.send(get("/members/unmasks", Some(&ta))).await).await;
    assert!(
        page.contains("号码查看记录") && page.contains("共 1 条"),
        "{page}"
    );
    assert!(page.contains("党员1") && page.contains("第一党支部"));
    assert!(page.contains("查看完整身份证号、手机号和住址"));
    assert!(
        page.contains("href=\"/members/unmasks\""),
        "in the navigation"
    );
    assert_eq!(x.t.audit_count("audit.unmasks.view").await, 1);
    let far = text(
        x.t.send(get("/members/unmasks?page=9223372036854775807", Some(&ta)))
            .await,
    )
    .await;
    assert!(
        far.contains("党员1"),
        "a page past the end shows the last one"
    );
    // The organisation admin of another committee sees none of it; officers have no such page.
    let other =
        x.t.org(None, zhibu::orgs::model::OrgKind::Committee, "另一党委")
            .await;
    let uo = x.t.user("dwgly2", "org_admin", Some(other.id)).await;
    let (to, _) = x.t.session(uo).await;
    let page = text(x.t.send(get("/members/unmasks", Some(&to))).await).await;
    assert!(page.contains("共 0 条") && page.contains("还没有人查看过完整号码"));
    let res = x.t.send(get("/members/unmasks", Some(&x.officer))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let officer_home = text(x.t.send(get("/", Some(&x.officer))).await).await;
    assert!(!officer_home.contains("/members/unmasks"));
}
db_test!(the_org_admin_sees_who_unmasked_which_number_in_the_subtree);

async fn pts_officers_see_no_decision_on_what_they_submitted(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    // 参加志愿服务 needs approval: the officer's award waits for another officer.
    let body = format!(
        "member_id={}&item=volunteer&points=&occurred_on=2026-11-20&reason=%E6%9C%8D%E5%8A%A1",
        x.members[0].0
    );
    let res =
        x.t.send(post_form("/points/award", Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let page = text(x.t.send(get("/points/claims", Some(&tok))).await).await;
    assert!(page.contains("由您提交，须由另一名委员审批"));
    assert!(
        !page.contains("value=\"approve\""),
        "no buttons on one's own submission"
    );
    let second = x.t.user("weiyuan", "officer", Some(x.branch)).await;
    let (t2, _) = x.t.session(second).await;
    let page = text(x.t.send(get("/points/claims", Some(&t2))).await).await;
    assert!(
        page.contains("value=\"approve\""),
        "another officer decides"
    );
}
db_test!(pts_officers_see_no_decision_on_what_they_submitted);

async fn pts_an_identical_award_within_minutes_asks_first(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let body = format!(
        "member_id={}&item=special_task&points=&occurred_on=2026-11-20&reason=%E9%98%B2%E6%B1%9B",
        x.members[0].0
    );
    let entries = async || {
        let mut c = x.t.app.db.conn().await.unwrap();
        let mut ex = c.exec();
        zhibu::on!(&mut ex, c => sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM point_entries WHERE source = 'manual'").fetch_one(c).await.unwrap())
    };
    let res =
        x.t.send(post_form("/points/award", Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entries().await, 1);
    // The same again a minute later: a warning, nothing posted.
    x.t.clock.advance(time::Duration::minutes(1));
    let res =
        x.t.send(post_form("/points/award", Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = text(res).await;
    assert!(
        page.contains("可能重复记分") && page.contains("1 分钟前"),
        "{page}"
    );
    assert!(page.contains("党员0") && page.contains("完成急难险重任务"));
    assert_eq!(entries().await, 1);
    // Confirmed, it posts.
    let res =
        x.t.send(post_form(
            "/points/award",
            Some(&tok),
            Some(&csrf),
            &format!("{body}&confirm=1"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(entries().await, 2);
    // Long after, the same award is no longer suspicious.
    x.t.clock.advance(time::Duration::minutes(30));
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form("/points/award", Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        flash(&res).starts_with("zhibu_flash=success."),
        "{}",
        flash(&res)
    );
    assert_eq!(entries().await, 3);
}
db_test!(pts_an_identical_award_within_minutes_asks_first);
