//! The screenshot tour: every demo role signs in and each of its pages is saved at 375 × 812
//! (a phone) and 1280 × 800 into `target/screens/`, to be looked at
//! before a change to the pages is called done. Each page is also held to the phone rule that
//! nothing is wider than the screen.

use crate::e2e_support::start;

/// The pages each role opens from its navigation.
const TOUR: &[(&str, &[&str])] = &[
    (
        "jg1shuji",
        &[
            "/",
            "/orgs",
            "/members",
            "/members/stats",
            "/meetings",
            "/compliance",
            "/my/meetings",
            "/points",
            "/points/claims",
            "/points/grades",
            "/notices",
            "/notices/new",
            "/feed",
            "/board",
            "/transfers",
            "/members/corrections",
            "/notifications",
            "/account",
            "@meeting",
        ],
    ),
    (
        "dangyuan",
        &[
            "/",
            "/my/meetings",
            "/points",
            "/notices",
            "/feed",
            "/notifications",
            "/account",
        ],
    ),
    (
        "dwadmin",
        &[
            "/",
            "/orgs",
            "/compliance",
            "/members",
            "/members/unmasks",
            "/members/accounts",
            "/points/grades",
            "/notices",
        ],
    ),
    ("secadmin", &["/", "/admin/users"]),
    ("sysadmin", &["/", "/admin/users", "/admin/system", "/orgs"]),
    ("auditor", &["/", "/audit"]),
];

const SIZES: [(u32, u32); 2] = [(375, 812), (1280, 800)];

fn slug(path: &str) -> String {
    let s: String = path
        .trim_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if s.is_empty() { "home".into() } else { s }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn screenshot_tour_of_every_role() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screens");
    std::fs::create_dir_all(&out).unwrap();
    let mut wide = Vec::new();
    let mut shots = 0;
    for (user, pages) in TOUR {
        env.login(user).await;
        for page in *pages {
            // `@meeting`: the demo meeting under way, with its roll open.
            let page = if *page == "@meeting" {
                format!(
                    "{}?roll=1",
                    crate::e2e_support::meeting_under_way(b, base).await
                )
            } else {
                (*page).to_owned()
            };
            let page = page.as_str();
            for (w, h) in SIZES {
                b.size(w, h).await;
                b.go(&format!("{base}{page}")).await;
                let png = b.screenshot().await;
                let name = format!("{user}-{}-{w}.png", slug(page));
                std::fs::write(out.join(&name), png).unwrap();
                shots += 1;
                if w == 375 {
                    let fits = b
                        .run("return document.documentElement.scrollWidth <= window.innerWidth")
                        .await;
                    if fits != serde_json::Value::Bool(true) {
                        wide.push(format!("{user} {page}"));
                    }
                }
            }
        }
    }
    eprintln!("{shots} screenshots in {}", out.display());
    assert!(wide.is_empty(), "wider than a 375 px phone: {wide:#?}");
}
