//! Account administration, the audit viewer and the session list over HTTP.

use axum::http::{StatusCode, header};

use crate::db_test;
use crate::support::{Backend, TestApp, get, location, post_form, post_json, test_config, text};

async fn system_admin_issues_accounts_security_admin_unlocks(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let sys = t.user("sys1", "system_admin", None).await;
    let sec = t.user("sec1", "security_admin", None).await;
    let (st, sc) = t.session(sys).await;
    let (xt, xc) = t.session(sec).await;
    // The system admin defines the account; it waits for the security admin (SEC-18).
    let body = format!(
        "username=Wangwu&display_name=%E7%8E%8B%E4%BA%94&role=member&org_id={}",
        org.id
    );
    let res = t
        .send(post_form("/admin/users", Some(&st), Some(&sc), &body))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let dup = t
        .send(post_form(
            "/admin/users",
            Some(&st),
            Some(&sc),
            &body.replace("Wangwu", "WANGWU"),
        ))
        .await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    assert!(text(dup).await.contains("用户名已被使用"));
    let no_org = t
        .send(post_form(
            "/admin/users",
            Some(&st),
            Some(&sc),
            "username=zhao&display_name=x&role=officer&org_id=",
        ))
        .await;
    assert_eq!(no_org.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let triad_with_org = format!(
        "username=zhao&display_name=x&role=audit_admin&org_id={}",
        org.id
    );
    let r = t
        .send(post_form(
            "/admin/users",
            Some(&xt),
            Some(&xc),
            &triad_with_org,
        ))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the 三员 ignore the organisation field"
    );
    let uid = zhibu::auth::users::id_by_username(&t.app, "wangwu")
        .await
        .unwrap();
    let res = t
        .send(post_form(
            &format!("/admin/users/{uid}/approve"),
            Some(&xt),
            Some(&xc),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = text(res).await;
    let pw = html
        .split("<p class=\"onetime\"><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // Ten unambiguous characters in two groups, accepted in lower case and without the hyphen.
    assert_eq!(pw.len(), 11, "{pw}");
    assert_eq!(pw.as_bytes()[5], b'-');
    let pw = pw.replace('-', "").to_lowercase();
    // Lock the new account with five wrong passwords, then unlock as the security admin.
    for _ in 0..5 {
        t.send(post_json(
            "/api/v1/auth/login",
            None,
            r#"{"username":"wangwu","password":"Wrong#Pass1234"}"#,
        ))
        .await;
    }
    let locked = t
        .send(post_json(
            "/api/v1/auth/login",
            None,
            &format!(r#"{{"username":"wangwu","password":"{pw}"}}"#),
        ))
        .await;
    // The right password learns that the account is locked (a wrong one could not tell).
    assert_eq!(locked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(locked).await.contains("account_locked"));
    let list = text(t.send(get("/admin/users", Some(&xt))).await).await;
    assert!(list.contains("已锁定") && list.contains("解除锁定"));
    let sys_list = text(t.send(get("/admin/users", Some(&st))).await).await;
    assert!(
        !sys_list.contains("重置密码") && !sys_list.contains("解除锁定"),
        "the system admin never issues credentials"
    );
    let r = t
        .send(post_form(
            &format!("/admin/users/{uid}/unlock"),
            Some(&xt),
            Some(&xc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ok = t
        .send(post_json(
            "/api/v1/auth/login",
            None,
            &format!(r#"{{"username":"wangwu","password":"{pw}"}}"#),
        ))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&text(ok).await).unwrap();
    assert_eq!(v["user"]["must_change_password"], true);
    let token = v["token"].as_str().unwrap().to_owned();
    // Disabling ends the account's sessions at once.
    let r = t
        .send(post_form(
            &format!("/admin/users/{uid}/disable"),
            Some(&st),
            Some(&sc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let me = t
        .send(crate::support::bearer_get("/api/v1/me", &token))
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(t.audit_count("user.unlock").await, 1);
    assert_eq!(t.audit_count("user.disable").await, 1);
}
db_test!(system_admin_issues_accounts_security_admin_unlocks);

async fn audit_viewer_filters_and_exports_safely(b: Backend) {
    let t = TestApp::new(b).await;
    let aud = t.user("aud1", "audit_admin", None).await;
    t.send(post_json(
        "/api/v1/auth/login",
        None,
        r#"{"username":"=1+1","password":"x"}"#,
    ))
    .await;
    t.send(post_json(
        "/api/v1/auth/login",
        None,
        r#"{"username":"bad\r\n[FAKE] line","password":"x"}"#,
    ))
    .await;
    let (tok, _) = t.session(aud).await;
    let page = text(
        t.send(get("/audit?action=auth.login_failed", Some(&tok)))
            .await,
    )
    .await;
    assert!(page.contains("共 2 条"), "filtered count");
    assert!(page.contains("登录失败"));
    let csv = t
        .send(get("/audit/export?action=auth.login_failed", Some(&tok)))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    crate::support::assert_private(&csv, false);
    assert!(
        csv.headers()
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body = text(csv).await;
    assert!(
        body.contains(",未知账号（=***）,") && !body.contains(",="),
        "SEC-53: the typed login is masked; no cell is a formula: {body}"
    );
    assert!(!body.contains("\n[FAKE]"), "no forged lines");
    assert_eq!(body.lines().count(), 3);
    assert_eq!(t.audit_count("audit.view").await, 1);
    assert_eq!(t.audit_count("audit.export").await, 1);
}
db_test!(audit_viewer_filters_and_exports_safely);

async fn session_list_and_log_out_elsewhere(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let uid = t.user("m1", "member", Some(org.id)).await;
    let (a, ac) = t.session(uid).await;
    let (bt, _) = t.session(uid).await;
    let page = text(t.send(get("/account", Some(&a))).await).await;
    assert!(page.contains("本设备") && page.contains("注销其他会话"));
    let r = t
        .send(post_form(
            "/account/sessions/revoke-others",
            Some(&a),
            Some(&ac),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&t.send(get("/", Some(&bt))).await), "/login");
    assert_eq!(t.send(get("/", Some(&a))).await.status(), StatusCode::OK);
}
db_test!(session_list_and_log_out_elsewhere);

/// SEC-07 with the default limits: the seventh attempt within a minute is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_07_login_rate_limit_per_address() {
    let (url, guard) = crate::support::fresh_db(Backend::Sqlite).await;
    let mut config = test_config(&url);
    config.auth.login_per_ip_per_minute = 6;
    let t = TestApp::with_config(config, guard).await;
    let body = r#"{"username":"nobody","password":"x"}"#;
    for _ in 0..6 {
        assert_eq!(
            t.send(post_json("/api/v1/auth/login", None, body))
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = t.send(post_json("/api/v1/auth/login", None, body)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    assert_eq!(t.audit_count("auth.rate_limited").await, 1);
    t.clock.advance(time::Duration::minutes(1));
    assert_eq!(
        t.send(post_json("/api/v1/auth/login", None, body))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// SEC-30: names are escaped wherever they are shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_30_markup_in_names_is_escaped() {
    let t = TestApp::new(Backend::Sqlite).await;
    let org = t
        .org(
            None,
            zhibu::orgs::model::OrgKind::Committee,
            "<script>alert(1)</script>",
        )
        .await;
    let uid = t.user("sys2", "system_admin", None).await;
    let (tok, _) = t.session(uid).await;
    for path in [
        "/orgs".to_owned(),
        format!("/orgs/{}", org.id),
        "/".to_owned(),
    ] {
        let html = text(t.send(get(&path, Some(&tok))).await).await;
        assert!(!html.contains("<script>alert"), "{path}");
    }
}

/// A cookie session calling the API must send the CSRF header on writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_writes_with_cookie_need_csrf_header() {
    let t = TestApp::new(Backend::Sqlite).await;
    let uid = t.user("sys3", "system_admin", None).await;
    let (tok, csrf) = t.session(uid).await;
    let mut req = post_json("/api/v1/auth/logout", None, "{}");
    req.headers_mut().insert(
        header::COOKIE,
        format!("zhibu_session={tok}").parse().unwrap(),
    );
    assert_eq!(t.send(req).await.status(), StatusCode::FORBIDDEN);
    let mut req = post_json("/api/v1/auth/logout", None, "{}");
    req.headers_mut().insert(
        header::COOKIE,
        format!("zhibu_session={tok}").parse().unwrap(),
    );
    req.headers_mut()
        .insert("x-csrf-token", csrf.parse().unwrap());
    assert_eq!(t.send(req).await.status(), StatusCode::NO_CONTENT);
}

/// SEC-24: every refusal is audited, including capability checks (403) as well as scope (404).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_24_refusals_are_audited() {
    let t = TestApp::new(Backend::Sqlite).await;
    let org = t
        .org(None, zhibu::orgs::model::OrgKind::Committee, "党委")
        .await;
    let uid = t.user("o2", "officer", Some(org.id)).await;
    let (tok, _) = t.session(uid).await;
    assert_eq!(
        t.send(get("/admin/users", Some(&tok))).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.send(get("/audit", Some(&tok))).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.send(get("/orgs/999", Some(&tok))).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.audit_count("access.denied").await, 3);
}
