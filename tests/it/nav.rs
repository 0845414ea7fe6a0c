//! The navigation per role: the phone tab bar holds at most five entries, a member's are 首页,
//! 组织生活 (their own meetings first), 积分, 通知 and 我的, and no entry of any role's side menu
//! or tab bar leads to a page the role may not open.

use axum::http::StatusCode;

use crate::db_test;
use crate::meetings::branch;
use crate::support::{Backend, get, location, text};

fn section<'a>(html: &'a str, open: &str) -> &'a str {
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("{open} in the page"));
    let rest = &html[start..];
    &rest[..rest.find("</nav>").unwrap_or(rest.len())]
}

fn links(nav: &str) -> Vec<(String, String)> {
    nav.split("<a href=\"")
        .skip(1)
        .map(|a| {
            let href = a[..a.find('"').unwrap()].to_owned();
            let label = a
                .split("<span>")
                .nth(1)
                .and_then(|s| s.split("</span>").next())
                .unwrap_or_default()
                .to_owned();
            (href, label)
        })
        .collect()
}

async fn every_role_has_a_short_tab_bar_and_no_dead_link(b: Backend) {
    let x = branch(b).await;
    let admin = x.t.user("zuzhi", "org_admin", Some(x.committee)).await;
    let sys = x.t.user("xitong", "system_admin", None).await;
    let sec = x.t.user("anquan", "security_admin", None).await;
    let aud = x.t.user("shenji", "audit_admin", None).await;
    let mut sessions = vec![
        ("member", x.members[0].1.clone()),
        ("officer", x.officer.clone()),
    ];
    for (role, uid) in [
        ("org_admin", admin),
        ("system_admin", sys),
        ("security_admin", sec),
        ("audit_admin", aud),
    ] {
        sessions.push((role, x.t.session(uid).await.0));
    }
    for (role, tok) in &sessions {
        let home = text(x.t.send(get("/", Some(tok))).await).await;
        let tabs = links(section(&home, "<nav class=\"tabbar\""));
        assert!(
            !tabs.is_empty() && tabs.len() <= 5,
            "{role}: {} tabs {tabs:?}",
            tabs.len()
        );
        assert_eq!(tabs.last().map(|t| t.1.as_str()), Some("我的"), "{role}");
        if *role == "member" {
            let labels: Vec<&str> = tabs.iter().map(|t| t.1.as_str()).collect();
            assert_eq!(labels, ["首页", "组织生活", "积分", "通知", "我的"]);
            assert!(tabs.iter().any(|t| t.0 == "/my/meetings"), "{tabs:?}");
        }
        let menu = links(section(&home, "<nav class=\"sidenav\""));
        if !role.ends_with("_admin") || *role == "org_admin" {
            assert!(
                menu.iter().any(|m| m.0 == "/feed"),
                "{role}: 党建群 in the menu"
            );
        }
        for (href, label) in menu.iter().chain(&tabs) {
            let mut res = x.t.send(get(href, Some(tok))).await;
            // A page may send on to where it starts (the organisation in focus); once.
            if res.status() == StatusCode::SEE_OTHER {
                let to = location(&res);
                assert!(!to.starts_with("/login"), "{role}: {label} ({href}) → {to}");
                res = x.t.send(get(&to, Some(tok))).await;
            }
            assert_eq!(res.status(), StatusCode::OK, "{role}: {label} ({href})");
        }
    }
    // 我的档案 is inside 我的.
    let mine = text(x.t.send(get("/account", Some(&x.members[0].1))).await).await;
    assert!(mine.contains(&format!("/members/{}", x.members[0].0)) && mine.contains("我的档案"));
}
db_test!(every_role_has_a_short_tab_bar_and_no_dead_link);
