//! Accounts and sessions over HTTP: login, lockout, CSRF, forced password change, timeouts.

use axum::http::{StatusCode, header};
use time::Duration;
use zhibu::audit::Actor;
use zhibu::auth::Role;
use zhibu::auth::users::{self, By, CreateUser};

use crate::db_test;
use crate::support::{Backend, TestApp, form_csrf, get, location, post_form, post_json, text};

const PW: &str = "Lianxi#Mima2468";

async fn with_account(b: Backend, must_change: bool) -> (TestApp, i64) {
    let t = TestApp::new(b).await;
    let input = CreateUser {
        username: "Zhangsan".into(),
        display_name: "张三".into(),
        role: Role::SystemAdmin,
        org_id: None,
        member_id: None,
        password: Some(PW.into()),
        must_change,
    };
    let id = users::create(&t.app, &Actor::cli("test"), By::Server, input)
        .await
        .unwrap()
        .id;
    (t, id)
}

async fn api_login(t: &TestApp, user: &str, pw: &str) -> (StatusCode, serde_json::Value) {
    let body = serde_json::json!({"username": user, "password": pw}).to_string();
    let res = t.send(post_json("/api/v1/auth/login", None, &body)).await;
    let status = res.status();
    (
        status,
        serde_json::from_str(&text(res).await).unwrap_or_default(),
    )
}

async fn sec_06_lockout_and_generic_message(b: Backend) {
    let (t, _) = with_account(b, false).await;
    let (s, unknown) = api_login(&t, "nobody", "whatever").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, wrong) = api_login(&t, "zhangsan", "Wrong#Pass1234").await;
    assert_eq!(
        unknown["error"]["message"], wrong["error"]["message"],
        "one message for every refusal"
    );
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
    for _ in 0..4 {
        api_login(&t, "zhangsan", "Wrong#Pass1234").await;
    }
    // Five failures lock the account. A wrong password still gets the one message, so a guesser
    // learns nothing; the right password is refused too, but its owner is told why and until when.
    let (s, still) = api_login(&t, "zhangsan", "Wrong#Pass1234").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(still["error"]["message"], wrong["error"]["message"]);
    let (s, locked) = api_login(&t, "ZHANGSAN", PW).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{locked}");
    assert_eq!(locked["error"]["code"], "account_locked");
    let m = locked["error"]["message"].as_str().unwrap();
    assert!(m.contains("已锁定") && m.contains("后再试"), "{m}");
    assert_eq!(t.audit_count("auth.locked").await, 1);
    t.clock.advance(Duration::minutes(16));
    let (s, ok) = api_login(&t, "zhangsan", PW).await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    assert_eq!(ok["user"]["role"], "system_admin");
    assert_eq!(t.audit_count("auth.login_failed").await, 8);
    assert_eq!(
        t.audit_count("auth.login").await - t.audit_count("auth.login_failed").await,
        1
    );
}
db_test!(sec_06_lockout_and_generic_message);

async fn bearer_token_lifecycle(b: Backend) {
    let (t, _) = with_account(b, false).await;
    let (_, body) = api_login(&t, "zhangsan", PW).await;
    let token = body["token"].as_str().unwrap().to_owned();
    let me = t
        .send(crate::support::bearer_get("/api/v1/me", &token))
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text(me).await).unwrap()["user"]["username"],
        "zhangsan"
    );
    let out = t
        .send(post_json("/api/v1/auth/logout", Some(&token), "{}"))
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let me = t
        .send(crate::support::bearer_get("/api/v1/me", &token))
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&text(me).await).unwrap();
    assert_eq!(v["error"]["code"], "unauthenticated");
}
db_test!(bearer_token_lifecycle);

async fn sec_13_idle_and_absolute_timeouts(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let uid = t.user("officer1", "officer", Some(org.id)).await;
    let (tok, _) = t.session(uid).await;
    assert_eq!(t.send(get("/", Some(&tok))).await.status(), StatusCode::OK);
    t.clock.advance(Duration::minutes(29));
    assert_eq!(t.send(get("/", Some(&tok))).await.status(), StatusCode::OK);
    t.clock.advance(Duration::minutes(31));
    let res = t.send(get("/", Some(&tok))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
    // Absolute limit: active every 20 minutes, still out after 12 hours.
    let (tok, _) = t.session(uid).await;
    for _ in 0..35 {
        t.clock.advance(Duration::minutes(20));
        assert_eq!(t.send(get("/", Some(&tok))).await.status(), StatusCode::OK);
    }
    t.clock.advance(Duration::minutes(21));
    assert_eq!(
        t.send(get("/", Some(&tok))).await.status(),
        StatusCode::SEE_OTHER
    );
}
db_test!(sec_13_idle_and_absolute_timeouts);

async fn sec_40_csrf_and_origin(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let uid = t.user("admin1", "system_admin", None).await;
    let (tok, csrf) = t.session(uid).await;
    let body = "name=%E6%94%B9&short_name=&established_on=&sort_order=0";
    let path = format!("/orgs/{}/edit", org.id);
    let res = t.send(post_form(&path, Some(&tok), None, body)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no token");
    let res = t
        .send(post_form(&path, Some(&tok), Some("forged"), body))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "wrong token");
    let mut req = post_form(&path, Some(&tok), Some(&csrf), body);
    req.headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    req.headers_mut()
        .insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(
        t.send(req).await.status(),
        StatusCode::FORBIDDEN,
        "cross origin"
    );
    let unchanged =
        zhibu::orgs::service::get_unscoped(&mut t.app.db.conn().await.unwrap().exec(), org.id)
            .await
            .unwrap();
    assert_eq!(unchanged.name, "党委", "nothing written");
    let res = t
        .send(post_form(&path, Some(&tok), Some(&csrf), body))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "valid token without Origin passes"
    );
    let changed =
        zhibu::orgs::service::get_unscoped(&mut t.app.db.conn().await.unwrap().exec(), org.id)
            .await
            .unwrap();
    assert_eq!(changed.name, "改");
    assert!(t.audit_count("access.denied").await >= 3);
}
db_test!(sec_40_csrf_and_origin);

async fn forced_password_change_then_web_login(b: Backend) {
    let (t, _) = with_account(b, true).await;
    // The real login form: a double-submit cookie, then the session cookie.
    let page = t.send(get("/login", None)).await;
    let cookie = page
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = text(page).await;
    assert!(
        html.contains("严禁处理、存储、传输涉密信息"),
        "SEC-01 banner"
    );
    let csrf = form_csrf(&html);
    let mut req = post_form(
        "/login",
        None,
        Some(&csrf),
        &format!("username=zhangsan&password={}&next=/orgs", urlenc(PW)),
    );
    req.headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    let res = t.send(req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs");
    let set: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("zhibu_session="))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attr), "{session}");
    }
    let tok = session
        .trim_start_matches("zhibu_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // Until the password is changed every page leads to the change form, which keeps where
    // the user was going.
    let res = t.send(get("/orgs", Some(&tok))).await;
    assert_eq!(location(&res), "/account/password?next=%2Forgs");
    let api = t
        .send(crate::support::bearer_get("/api/v1/orgs", &tok))
        .await;
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    let s = zhibu::auth::rows::find_session(
        &mut t.app.db.conn().await.unwrap().exec(),
        &zhibu::auth::service::token_hash(&tok),
    )
    .await
    .unwrap()
    .unwrap();
    let weak = t
        .send(post_form(
            "/account/password",
            Some(&tok),
            Some(&s.csrf_token),
            &format!("current={}&new_password=abc&confirm=abc", urlenc(PW)),
        ))
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(weak).await.contains("至少需要 12 个字符"));
    let new = "Xin.Mima.Hao#2026";
    let ok = t
        .send(post_form(
            "/account/password",
            Some(&tok),
            Some(&s.csrf_token),
            &format!(
                "current={}&new_password={}&confirm={}&next=%2Forgs",
                urlenc(PW),
                urlenc(new),
                urlenc(new)
            ),
        ))
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/orgs");
    // SEC-08: a 三员 without a second factor is sent to enrolment next.
    let res = t.send(get("/orgs", Some(&tok))).await;
    assert_eq!(location(&res), "/account/second-factor");
    t.enrol(s.user_id).await;
    assert_eq!(
        t.send(get("/orgs", Some(&tok))).await.status(),
        StatusCode::OK
    );
}
db_test!(forced_password_change_then_web_login);

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// SEC-15: a 三员 account holds one session; a new login replaces the old one.
async fn sec_15_admin_triad_single_session(b: Backend) {
    let (t, _) = with_account(b, false).await;
    let (_, first) = api_login(&t, "zhangsan", PW).await;
    let (_, second) = api_login(&t, "zhangsan", PW).await;
    let old = t
        .send(crate::support::bearer_get(
            "/api/v1/me",
            first["token"].as_str().unwrap(),
        ))
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = t
        .send(crate::support::bearer_get(
            "/api/v1/me",
            second["token"].as_str().unwrap(),
        ))
        .await;
    assert_eq!(new.status(), StatusCode::OK);
}
db_test!(sec_15_admin_triad_single_session);

/// SEC-43: when the database is gone the answer is a generic page with the request id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_43_database_failure_is_a_generic_page() {
    let t = TestApp::new(Backend::Sqlite).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let uid = t.user("o1", "officer", Some(org.id)).await;
    let (tok, _) = t.session(uid).await;
    t.app.db.close().await;
    let res = t.send(get("/orgs", Some(&tok))).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let rid = crate::support::request_id(&res);
    let html = text(res).await;
    assert!(html.contains(&rid) && html.contains("系统繁忙"));
    for leak in ["sqlx", "sqlite", "panicked", ".rs:", "SELECT"] {
        assert!(!html.contains(leak), "{leak}");
    }
}
