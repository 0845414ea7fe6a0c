//! Real-browser journeys in headless Chromium through chromedriver (run with `ZHIBU_E2E=1`):
//! log in on the real login page, open the organisation tree, and check that a branch officer
//! cannot reach a sibling branch; plan a meeting, check in from a member's phone with the code
//! on the meeting-room screen, and submit the minutes.

use crate::e2e_support::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn officer_logs_in_sees_tree_and_cannot_reach_sibling() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);

    b.go(&format!("{base}/orgs")).await;
    assert!(
        b.url().await.contains("/login"),
        "anonymous users are sent to the login page"
    );
    b.type_into("#username", "jg1shuji").await;
    b.type_into("#password", zhibu::demo::DEMO_PASSWORD).await;
    b.click("button[type=submit]").await;
    // A click does not wait for the navigation it starts.
    assert!(
        b.wait(async |b| b.url().await.ends_with("/orgs")).await,
        "back to the page asked for: {}",
        b.url().await
    );
    let tree = b.source().await;
    assert!(
        tree.contains("科技局机关第一党支部") && tree.contains("综合科室党小组"),
        "own branch and its groups"
    );
    assert!(
        !tree.contains("科技局机关第二党支部"),
        "no sibling branch in the tree"
    );
    assert!(tree.contains("演示数据"), "demo banner");
    b.click(".tabbar a[href='/']").await;
    assert!(
        b.wait(async |b| b.source().await.contains("委员会成员"))
            .await,
        "home page of the branch"
    );
    // The sibling branch (机关二支部, id 4 in the demo) is out of scope: a 404 page.
    b.go(&format!("{base}/orgs/4")).await;
    let page = b.source().await;
    assert!(
        page.contains("页面不存在") || page.contains("内容不存在"),
        "sibling branch must answer 404"
    );
    // The roster: own branch only, numbers masked; a record of the sibling branch is out of reach.
    b.go(&format!("{base}/members")).await;
    let roster = b.source().await;
    assert!(
        roster.contains("党员花名册") && roster.contains("共 30 人"),
        "own branch's 30 members"
    );
    assert!(roster.contains("********"), "id numbers masked");
    let first = roster
        .split("<td data-label=\"姓名\"><a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    b.go(&format!("{base}{first}")).await;
    assert!(
        b.wait(async |b| b.source().await.contains("党籍与组织关系记录"))
            .await,
        "a member's page"
    );
    b.go(&format!("{base}/members/31")).await;
    assert!(
        b.source().await.contains("内容不存在"),
        "a member of the sibling branch answers 404"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn meeting_is_planned_checked_in_and_recorded() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji").await;
    // Plan a meeting through the form (times are prefilled for tomorrow afternoon).
    b.go(&format!("{base}/meetings/new")).await;
    b.click("input[name=kinds][value=theme_day]").await;
    b.type_into("#m-title", "十二月主题党日").await;
    b.type_into("#m-place", "二楼会议室").await;
    b.type_into("#m-host", "刘刚刚").await;
    b.type_into("#m-agenda", "学习研讨").await;
    b.press("form.form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("会议已安排"))
            .await,
        "meeting page after planning: {}",
        b.source()
            .await
            .split("<main")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(1500)
            .collect::<String>()
    );
    assert!(b.source().await.contains("十二月主题党日"));
    // The demo meeting under way now: its screen shows the current code.
    let href = crate::e2e_support::meeting_under_way(b, base).await;
    b.go(&format!("{base}{href}/screen")).await;
    assert!(
        b.wait(async |b| b.source().await.contains("data-code"))
            .await,
        "check-in screen"
    );
    let code = b.text_of("[data-code]").await;
    assert_eq!(code.len(), 8);
    // A member opens the address the QR encodes and confirms.
    env.login("dangyuan").await;
    b.go(&format!("{base}{href}/checkin?code={code}")).await;
    b.press("form.form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("签到成功"))
            .await,
        "checked in: {}",
        b.source().await.chars().take(400).collect::<String>()
    );
    // The officer sees them present and submits the minutes.
    env.login("jg1shuji").await;
    b.go(&format!("{base}{href}/minutes")).await;
    b.type_into("#mi-sp", "书记讲授专题党课，党员交流学习体会。")
        .await;
    b.press("button[name=action][value=submit]").await;
    // The submit asks for confirmation first.
    let _ = b.wait(async |b| b.alert_text().await.is_some()).await;
    b.accept_alert().await;
    assert!(
        b.wait(async |b| b.source().await.contains("会议记录已提交并锁定"))
            .await,
        "minutes submitted"
    );
    let page = b.source().await;
    assert!(page.contains("导出 Word") && page.contains("已召开"));
}
