//! Real-browser journeys in headless Chromium through chromedriver (run with `ZHIBU_E2E=1`):
//! log in on the real login page, open the organisation tree, and check that a branch officer
//! cannot reach a sibling branch; plan a meeting, check in from a member's phone with the code
//! on the meeting-room screen, and submit the minutes.

use serde_json::json;

use crate::e2e_support::start;

#[test]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
fn officer_logs_in_sees_tree_and_cannot_reach_sibling() {
    let env = start();
    let (b, base) = (&env.b, &env.base);

    b.go(&format!("{base}/orgs"));
    assert!(
        b.url().contains("/login"),
        "anonymous users are sent to the login page"
    );
    b.type_into("#username", "jg1shuji");
    b.type_into("#password", zhibu::demo::DEMO_PASSWORD);
    b.click("button[type=submit]");
    // A click does not wait for the navigation it starts.
    assert!(
        b.wait(|b| b.url().ends_with("/orgs")),
        "back to the page asked for: {}",
        b.url()
    );
    let tree = b.source();
    assert!(
        tree.contains("科技局机关第一党支部") && tree.contains("综合科室党小组"),
        "own branch and its groups"
    );
    assert!(
        !tree.contains("科技局机关第二党支部"),
        "no sibling branch in the tree"
    );
    assert!(tree.contains("演示数据"), "demo banner");
    b.click(".tabbar a[href='/']");
    assert!(
        b.wait(|b| b.source().contains("委员会成员")),
        "home page of the branch"
    );
    // The sibling branch (机关二支部, id 4 in the demo) is out of scope: a 404 page.
    b.go(&format!("{base}/orgs/4"));
    let page = b.source();
    assert!(
        page.contains("页面不存在") || page.contains("内容不存在"),
        "sibling branch must answer 404"
    );
    // The roster: own branch only, numbers masked; a record of the sibling branch is out of reach.
    b.go(&format!("{base}/members"));
    let roster = b.source();
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
    b.go(&format!("{base}{first}"));
    assert!(
        b.wait(|b| b.source().contains("党籍与组织关系记录")),
        "a member's page"
    );
    b.go(&format!("{base}/members/31"));
    assert!(
        b.source().contains("内容不存在"),
        "a member of the sibling branch answers 404"
    );
}

#[test]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
fn meeting_is_planned_checked_in_and_recorded() {
    let env = start();
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji");
    // Plan a meeting through the form (times are prefilled for tomorrow afternoon).
    b.go(&format!("{base}/meetings/new"));
    b.click("input[name=kinds][value=theme_day]");
    b.type_into("#m-title", "十二月主题党日");
    b.type_into("#m-place", "二楼会议室");
    b.type_into("#m-host", "刘刚刚");
    b.type_into("#m-agenda", "学习研讨");
    b.press("form.form button[type=submit]");
    assert!(
        b.wait(|b| b.source().contains("会议已安排")),
        "meeting page after planning: {}",
        b.source()
            .split("<main")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(1500)
            .collect::<String>()
    );
    assert!(b.source().contains("十二月主题党日"));
    // The demo meeting under way now: its screen shows the current code.
    b.go(&format!("{base}/meetings?status=planned"));
    let list = b.source();
    let at = list
        .find("主题党日暨专题党课")
        .expect("demo meeting under way");
    let href = list[..at]
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    b.go(&format!("{base}{href}/screen"));
    assert!(
        b.wait(|b| b.source().contains("data-code")),
        "check-in screen"
    );
    let code = b.text_of("[data-code]");
    assert_eq!(code.len(), 8);
    // A member opens the address the QR encodes and confirms.
    env.login("dangyuan");
    b.go(&format!("{base}{href}/checkin?code={code}"));
    b.press("form.form button[type=submit]");
    assert!(
        b.wait(|b| b.source().contains("签到成功")),
        "checked in: {}",
        b.source().chars().take(400).collect::<String>()
    );
    // The officer sees them present and submits the minutes.
    env.login("jg1shuji");
    b.go(&format!("{base}{href}/minutes"));
    b.type_into("#mi-sp", "书记讲授专题党课，党员交流学习体会。");
    b.press("button[name=action][value=submit]");
    let _ = b.wait(|b| !b.cmd("GET", "/alert/text", None).is_object());
    b.cmd("POST", "/alert/accept", Some(json!({})));
    assert!(
        b.wait(|b| b.source().contains("会议记录已提交并锁定")),
        "minutes submitted"
    );
    let page = b.source();
    assert!(page.contains("导出 Word") && page.contains("已召开"));
}
