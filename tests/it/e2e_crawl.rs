//! Every role's pages, found the way a user finds them (run with `ZHIBU_E2E=1`): each demo role
//! signs in on a phone-sized window and follows the links of its pages, breadth first. No link
//! may lead to a refusal or a missing page (the navigation hides what the role may not open),
//! and no page may be wider than the phone's screen.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::e2e_support::start;

const ROLES: &[&str] = &[
    "jg1shuji", "jg2shuji", "dangyuan", "dwadmin", "sysadmin", "secadmin", "auditor",
];

/// Pages per role: enough to reach every kind of page the demo links, bounded for CI.
const MAX_PAGES: usize = 60;

/// Pages of one shape (ids and query values aside) visited per role.
const PER_SHAPE: usize = 2;

/// Links that are not pages to look at: downloads, files, feeds, print views, signing out.
fn is_page(href: &str) -> bool {
    if !href.starts_with('/') || href.starts_with("//") {
        return false;
    }
    let path = href.split(['?', '#']).next().unwrap_or("");
    let skip_ext = [
        ".docx", ".xlsx", ".csv", ".zip", ".ics", ".svg", ".png", ".jpg", ".pdf", ".json",
    ];
    !(skip_ext.iter().any(|e| path.ends_with(e))
        || path.starts_with("/assets")
        || path.starts_with("/calendar/")
        || path.starts_with("/logout")
        || path.contains("/files/")
        || path.ends_with("/evidence")
        || path.ends_with("/export")
        || path.ends_with("/screen")
        || href.contains("print=")
        || path.starts_with("/api/"))
}

/// The page's shape: digits become `N`, query values are dropped.
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: String = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "N"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    format!("{path}?{}", keys.join("&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn no_role_finds_a_dead_link_or_a_page_wider_than_the_phone() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    let mut problems = Vec::new();
    let mut visited_total = 0;
    for role in ROLES {
        env.login(role).await;
        b.size(375, 812).await;
        let mut queue = VecDeque::from([("/".to_owned(), "登录后".to_owned())]);
        let mut seen: HashSet<String> = HashSet::from(["/".to_owned()]);
        let mut shapes: HashMap<String, usize> = HashMap::new();
        let mut visited = 0;
        while let Some((href, from)) = queue.pop_front() {
            if visited == MAX_PAGES {
                break;
            }
            visited += 1;
            b.go(&format!("{base}{href}")).await;
            if b.alert_text().await.is_some() {
                b.dismiss_alert().await;
            }
            let status = b
                .run("var e = document.querySelector('.error-code'); return e ? e.textContent.trim() : ''")
                .await;
            let status = status.as_str().unwrap_or("").to_owned();
            if !status.is_empty() {
                problems.push(format!(
                    "{role}: {href} (linked from {from}) answers {status}"
                ));
                continue;
            }
            let fits = b
                .run("return document.documentElement.scrollWidth <= window.innerWidth")
                .await;
            if fits != serde_json::Value::Bool(true) {
                problems.push(format!("{role}: {href} is wider than 375 px"));
            }
            let links = b
                .run("return Array.from(document.querySelectorAll('a[href]:not([download])')).map(a => a.getAttribute('href'))")
                .await;
            for l in links.as_array().into_iter().flatten() {
                let Some(l) = l.as_str() else { continue };
                let l = l.split('#').next().unwrap_or("").replace("&amp;", "&");
                if !is_page(&l) || seen.contains(&l) {
                    continue;
                }
                let n = shapes.entry(shape(&l)).or_default();
                if *n >= PER_SHAPE {
                    continue;
                }
                *n += 1;
                seen.insert(l.clone());
                queue.push_back((l, href.clone()));
            }
        }
        assert!(visited >= 3, "{role} reached only {visited} pages");
        visited_total += visited;
    }
    assert!(
        problems.is_empty(),
        "{} problems in {visited_total} pages:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn shapes_ignore_ids_and_values() {
    assert_eq!(shape("/meetings/12?roll=1"), "/meetings/N?roll");
    assert_eq!(shape("/meetings/13"), "/meetings/N?");
    assert!(!is_page("/meetings/1/minutes.docx"));
    assert!(!is_page("https://example.com/"));
    assert!(is_page("/members?org=3&page=2"));
}
