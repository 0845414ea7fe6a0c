//! The web edge under attack: redirect targets after login (SEC-38), slow headers and
//! connection floods (SEC-44), and per-account business limits with their audit (SEC-44).

use std::time::Duration;

use axum::http::{StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zhibu::audit::Actor;
use zhibu::auth::Role;
use zhibu::auth::users::{self, CreateUser};
use zhibu::config::LimitsConfig;
use zhibu::orgs::model::OrgKind;
use zhibu::web::server::{ServeOptions, serve};

use crate::db_test;
use crate::support::{
    Backend, TestApp, form_csrf, fresh_db, get, location, post_form, post_json, test_config, text,
};

const PW: &str = "Lianxi#Mima2468";
const HOSTILE: [&str; 6] = [
    "%2F%09%2Fevil.example",
    "%2F%09%5Cevil.example",
    "%2F%5Cevil.example",
    "%5C%2Fevil.example",
    "%2F%2Fevil.example",
    "https%3Aevil.example",
];

async fn sec_38_login_never_redirects_off_site(b: Backend) {
    let t = TestApp::new(b).await;
    // An officer, whose login needs no second factor, so the redirect is the login's own.
    let branch = t.org(None, OrgKind::Branch, "第一党支部").await;
    let input = CreateUser {
        username: "zhangsan".into(),
        display_name: "张三".into(),
        role: Role::Officer,
        org_id: Some(branch.id),
        member_id: None,
        password: Some(PW.into()),
        must_change: false,
    };
    users::create(&t.app, &Actor::cli("test"), users::By::Server, input)
        .await
        .unwrap();
    for next in HOSTILE {
        // The form carries only a local target forward.
        let page = t.send(get(&format!("/login?next={next}"), None)).await;
        let cookie = page.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let html = text(page).await;
        assert!(html.contains("name=\"next\" value=\"/\""), "{next}");
        let csrf = form_csrf(&html);
        // A forged form posting the hostile target straight to /login lands at home.
        let mut req = post_form(
            "/login",
            None,
            Some(&csrf),
            &format!("username=zhangsan&password=Lianxi%23Mima2468&next={next}"),
        );
        req.headers_mut()
            .insert(header::COOKIE, cookie.parse().unwrap());
        let res = t.send(req).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&res), "/", "{next}");
        let tok = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("zhibu_session="))
            .unwrap()
            .trim_start_matches("zhibu_session=")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        // Already signed in, /login forwards at once: still only locally.
        let res = t
            .send(get(&format!("/login?next={next}"), Some(&tok)))
            .await;
        assert_eq!(location(&res), "/", "{next}");
        let res = t.send(get("/login?next=%2Forgs%3Fx%3D1", Some(&tok))).await;
        assert_eq!(location(&res), "/orgs?x=1");
    }
}
db_test!(sec_38_login_never_redirects_off_site);

/// Starts the real server loop on a loopback port; dropping the sender stops it.
async fn serve_loop(
    t: &TestApp,
    opts: ServeOptions,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = t.router.clone();
    tokio::spawn(async move {
        serve(listener, router, opts, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

fn opts(header_ms: u64, per_ip: u32) -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_millis(header_ms),
        max_per_ip: per_ip,
        max_total: 1000,
        exempt: Vec::new(),
    }
}

/// Reads until the server closes the socket; `None` if it is still open after `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

async fn healthz(addr: std::net::SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let got = closed_within(&mut s, Duration::from_secs(10))
        .await
        .unwrap();
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_44_a_trickling_header_is_cut_off() {
    let t = TestApp::new(Backend::Sqlite).await;
    let (addr, _stop) = serve_loop(&t, opts(500, 64)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: a")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    assert!(
        closed_within(&mut s, Duration::from_secs(5))
            .await
            .is_some(),
        "the server must close a connection whose headers never end"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    // A silent connection is closed too; a complete request is still answered.
    let mut quiet = TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_within(&mut quiet, Duration::from_secs(5))
            .await
            .is_some()
    );
    assert!(healthz(addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_44_connections_per_address_are_capped() {
    let t = TestApp::new(Backend::Sqlite).await;
    let (addr, _stop) = serve_loop(&t, opts(30_000, 3)).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(addr).await.unwrap();
    let got = closed_within(&mut extra, Duration::from_secs(5))
        .await
        .expect("the fourth connection from one address is closed");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 503"));
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        healthz(addr).await.starts_with("HTTP/1.1 200"),
        "a place was freed"
    );
}

async fn limited(b: Backend) -> TestApp {
    let (url, guard) = fresh_db(b).await;
    let mut c = test_config(&url);
    c.limits = LimitsConfig {
        feed_posts_per_hour: 2,
        feed_comments_per_hour: 2,
        exports_per_hour: 2,
        unmasks_per_hour: 2,
    };
    TestApp::with_config(c, guard).await
}

async fn sec_44_exports_over_the_allowance_are_refused_and_audited(b: Backend) {
    let t = limited(b).await;
    let aud = t.user("shenji", "audit_admin", None).await;
    let (tok, _) = t.session(aud).await;
    for _ in 0..2 {
        let res = t.send(get("/audit/export", Some(&tok))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = t.send(get("/audit/export", Some(&tok))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(text(res).await.contains("操作过于频繁，请稍后再试"));
    assert_eq!(t.audit_count("rate.limited").await, 1);
    assert_eq!(
        t.audit_count("audit.export").await,
        2,
        "the refused one did nothing"
    );
    // Another account has its own allowance.
    let other = t.user("shenji2", "audit_admin", None).await;
    let (ot, _) = t.session(other).await;
    let res = t.send(get("/audit/export", Some(&ot))).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Refusals are not counted: two hours on, the allowance is back.
    t.clock.advance(time::Duration::hours(2));
    let (tok, _) = t.session(aud).await;
    let res = t.send(get("/audit/export", Some(&tok))).await;
    assert_eq!(res.status(), StatusCode::OK);
}
db_test!(sec_44_exports_over_the_allowance_are_refused_and_audited);

async fn sec_44_feed_posts_over_the_allowance_answer_rate_limited(b: Backend) {
    let t = limited(b).await;
    let committee = t.org(None, OrgKind::Committee, "党委").await;
    let branch = t.org(Some(&committee), OrgKind::Branch, "第一支部").await;
    let m = t.member(branch.id, None, 1).await;
    let uid = t
        .linked_user("dy1", "member", Some(branch.id), Some(m))
        .await;
    let (tok, _) = t.session(uid).await;
    for i in 0..2 {
        let body = format!(r#"{{"body":"学习心得{i}"}}"#);
        let res = t.send(post_json("/api/v1/feed", Some(&tok), &body)).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let res = t
        .send(post_json(
            "/api/v1/feed",
            Some(&tok),
            r#"{"body":"又一条"}"#,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    assert_eq!(v["error"]["message"], "操作过于频繁，请稍后再试");
    assert_eq!(t.audit_count("rate.limited").await, 1);
    assert_eq!(t.audit_count("feed.post").await, 2);
}
db_test!(sec_44_feed_posts_over_the_allowance_answer_rate_limited);
