//! SEC-18 (三员 separation of duties) and SEC-05 (activation codes expire, privileged passwords
//! age out, recent passwords are not reused), each attack of issue 12 replayed over HTTP.

use axum::http::StatusCode;
use time::Duration;
use zhibu::audit::Actor;
use zhibu::auth::Role;
use zhibu::auth::users::{self, By, CreateUser};
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{
    Backend, TestApp, form_csrf, fresh_db, get, location, post_form, post_json, test_config, text,
};

const PW: &str = "Lianxi#Mima2468";
const PW2: &str = "Xinmima#Shezhi2026";

async fn api_login(t: &TestApp, user: &str, pw: &str) -> (StatusCode, serde_json::Value) {
    let body = serde_json::json!({"username": user, "password": pw}).to_string();
    let res = t.send(post_json("/api/v1/auth/login", None, &body)).await;
    let status = res.status();
    (
        status,
        serde_json::from_str(&text(res).await).unwrap_or_default(),
    )
}

/// The code printed on a slip page.
fn slip_code(html: &str) -> String {
    html.split("<p class=\"onetime\"><code>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no code on the page: {html}"))
        .to_owned()
}

/// An account made on the server with a known password.
async fn server_account(t: &TestApp, username: &str, role: Role, org: Option<i64>) -> i64 {
    let input = CreateUser {
        username: username.into(),
        display_name: format!("{username}姓名"),
        role,
        org_id: org,
        member_id: None,
        password: Some(PW.into()),
        must_change: false,
    };
    users::create(&t.app, &Actor::cli("test"), By::Server, input)
        .await
        .unwrap()
        .id
}

async fn sec_18_system_admin_cannot_create_or_reset_the_triad(b: Backend) {
    let t = TestApp::new(b).await;
    let committee = t.org(None, OrgKind::Committee, "党委").await;
    let sys = t.user("sys", "system_admin", None).await;
    let sec = t.user("sec", "security_admin", None).await;
    let aud = t.user("aud", "audit_admin", None).await;
    let (st, sc) = t.session(sys).await;
    for role in ["system_admin", "security_admin", "audit_admin"] {
        let body = format!("username=extra{role}&display_name=x&role={role}&org_id=");
        let r = t
            .send(post_form("/admin/users", Some(&st), Some(&sc), &body))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        assert!(text(r).await.contains("三员账号只能由安全管理员创建"));
    }
    // The auditor's password cannot be reset by the system administrator.
    let r = t
        .send(post_form(
            &format!("/admin/users/{aud}/reset-password"),
            Some(&st),
            Some(&sc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An org_admin for the whole committee is defined, but waits and has no credential.
    let body = format!(
        "username=dwadmin&display_name=%E9%99%88%E7%BB%84%E7%BB%87&role=org_admin&org_id={}",
        committee.id
    );
    let r = t
        .send(post_form("/admin/users", Some(&st), Some(&sc), &body))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/users");
    let (s, _) = api_login(&t, "dwadmin", "!pending-approval").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let list = text(t.send(get("/admin/users", Some(&st))).await).await;
    assert!(list.contains("待审核"));
    assert!(!list.contains("审核通过"), "the definer cannot approve");
    assert!(!list.contains("重置密码"), "the definer cannot reset");
    let id = users::id_by_username(&t.app, "dwadmin").await.unwrap();
    let r = t
        .send(post_form(
            &format!("/admin/users/{id}/approve"),
            Some(&st),
            Some(&sc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The security administrator approves it and alone sees the activation code.
    let (xt, xc) = t.session(sec).await;
    let list = text(t.send(get("/admin/users", Some(&xt))).await).await;
    assert!(list.contains("待审核") && list.contains("审核通过"));
    let r = t
        .send(post_form(
            &format!("/admin/users/{id}/approve"),
            Some(&xt),
            Some(&xc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = text(r).await;
    assert!(html.contains("陈组织") && html.contains("有效期至"));
    let (s, v) = api_login(&t, "dwadmin", &slip_code(&html)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["user"]["must_change_password"], true);
    assert_eq!(t.audit_count("user.approve").await, 1);
    // The security administrator cannot define business accounts in turn.
    let r = t
        .send(post_form(
            "/admin/users",
            Some(&xt),
            Some(&xc),
            &body.replace("dwadmin", "other"),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("业务账号由系统管理员建立"));
}
db_test!(sec_18_system_admin_cannot_create_or_reset_the_triad);

async fn sec_18_a_second_triad_account_is_refused(b: Backend) {
    let t = TestApp::new(b).await;
    let sec = t.user("sec", "security_admin", None).await;
    let aud = t.user("aud", "audit_admin", None).await;
    let (xt, xc) = t.session(sec).await;
    let body = "username=aud2&display_name=x&role=audit_admin";
    let r = t
        .send(post_form("/admin/users", Some(&xt), Some(&xc), body))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("已有审计管理员账号"));
    // The command line obeys the same limit.
    let input = CreateUser {
        username: "sec2".into(),
        display_name: "x".into(),
        role: Role::SecurityAdmin,
        org_id: None,
        member_id: None,
        password: Some(PW.into()),
        must_change: true,
    };
    let err = users::create(&t.app, &Actor::cli("test"), By::Server, input)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("已有安全管理员账号"), "{err}");
    // A system administrator is created by the security administrator, with a slip.
    let r = t
        .send(post_form(
            "/admin/users",
            Some(&xt),
            Some(&xc),
            "username=sys1&display_name=%E7%8E%8B%E7%B3%BB%E7%BB%9F&role=system_admin",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(text(r).await.contains("王系统"));
    // Disabling the old auditor frees its place; re-enabling it then is refused.
    let r = t
        .send(post_form(
            &format!("/admin/users/{aud}/disable"),
            Some(&xt),
            Some(&xc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = t
        .send(post_form("/admin/users", Some(&xt), Some(&xc), body))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = t
        .send(post_form(
            &format!("/admin/users/{aud}/enable"),
            Some(&xt),
            Some(&xc),
            "",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let disabled: bool =
        zhibu::auth::rows::get_user(&mut t.app.db.conn().await.unwrap().exec(), aud)
            .await
            .unwrap()
            .disabled;
    assert!(disabled, "the limit keeps the old auditor disabled");
    // The configuration file may allow more.
    let (url, guard) = fresh_db(b).await;
    let mut config = test_config(&url);
    config.auth.max_per_admin_role = 2;
    let t2 = TestApp::with_config(config, guard).await;
    let sec = t2.user("sec", "security_admin", None).await;
    t2.user("aud", "audit_admin", None).await;
    let (xt, xc) = t2.session(sec).await;
    let r = t2
        .send(post_form("/admin/users", Some(&xt), Some(&xc), body))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
db_test!(sec_18_a_second_triad_account_is_refused);

async fn sec_05_reset_gives_an_expiring_code_and_the_auditor_sees_it(b: Backend) {
    let t = TestApp::new(b).await;
    let sec = t.user("sec", "security_admin", None).await;
    let aud = server_account(&t, "auditor", Role::AuditAdmin, None).await;
    let (xt, xc) = t.session(sec).await;
    let reset = || {
        post_form(
            &format!("/admin/users/{aud}/reset-password"),
            Some(&xt),
            Some(&xc),
            "",
        )
    };
    let r = t.send(reset()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = text(r).await;
    assert!(html.contains("auditor姓名") && html.contains("2026-12-05"));
    let code = slip_code(&html);
    let (s, _) = api_login(&t, "auditor", PW).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old password is gone");
    // Eight days later the code is refused with its own message, on the page and the API.
    t.clock.advance(Duration::days(8));
    let (s, v) = api_login(&t, "auditor", &code).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "activation_expired");
    assert_eq!(v["error"]["message"], "激活码已过期，请联系支部重新发放");
    let (s, _) = api_login(&t, "auditor", "Wrong#Guess2468").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a wrong code learns nothing");
    // A fresh reset works within its week; the auditor is told who reset it and when.
    let (xt2, xc2) = t.session(sec).await;
    let r = t
        .send(post_form(
            &format!("/admin/users/{aud}/reset-password"),
            Some(&xt2),
            Some(&xc2),
            "",
        ))
        .await;
    let code = slip_code(&text(r).await);
    t.clock.advance(Duration::days(6));
    let (s, v) = api_login(&t, "auditor", &code).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["user"]["must_change_password"], true);
    let tok = v["token"].as_str().unwrap().to_owned();
    let page = text(t.send(get("/account/password", Some(&tok))).await).await;
    assert!(page.contains("由安全管理员 sec重置"), "{page}");
    assert!(page.contains("2026-12-06"), "{page}");
    // After setting a password the auditor reads the reset in the audit log, and the account
    // page keeps saying who did it.
    zhibu::auth::service::change_password(&t.app, &Actor::cli("test"), aud, 0, &code, PW2)
        .await
        .unwrap();
    assert_eq!(t.audit_count("user.reset_password").await, 2);
    let (at, _) = t.session(aud).await;
    let log = text(t.send(get("/audit", Some(&at))).await).await;
    assert!(log.contains("重置密码"), "{log}");
    let account = text(t.send(get("/account", Some(&at))).await).await;
    assert!(account.contains("最近一次密码重置"), "{account}");
}
db_test!(sec_05_reset_gives_an_expiring_code_and_the_auditor_sees_it);

async fn sec_05_member_activation_codes_expire(b: Backend) {
    let t = TestApp::new(b).await;
    let c = t.org(None, OrgKind::Committee, "党委").await;
    let branch = t.org(Some(&c), OrgKind::Branch, "支部").await;
    t.member(branch.id, None, 1).await;
    let slips = zhibu::members::accounts::issue(
        &t.app,
        &Actor::cli("test"),
        &zhibu::auth::Scope::operator(),
        branch.id,
    )
    .await
    .unwrap();
    assert_eq!(slips.len(), 1);
    assert_eq!(slips[0].valid_until, "2026-12-05");
    t.clock.advance(Duration::days(7));
    let (s, v) = api_login(&t, &slips[0].username, &slips[0].code).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["message"], "激活码已过期，请联系支部重新发放");
    // The login page says the same.
    let page = t.send(get("/login", None)).await;
    let cookie = page
        .headers()
        .get(axum::http::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = text(page).await;
    let csrf = form_csrf(&html);
    let mut req = post_form(
        "/login",
        None,
        Some(&csrf),
        &format!("username={}&password={}", slips[0].username, slips[0].code),
    );
    req.headers_mut()
        .insert(axum::http::header::COOKIE, cookie.parse().unwrap());
    let r = t.send(req).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(text(r).await.contains("激活码已过期，请联系支部重新发放"));
}
db_test!(sec_05_member_activation_codes_expire);

async fn sec_05_privileged_password_expires_at_day_91(b: Backend) {
    let t = TestApp::new(b).await;
    let c = t.org(None, OrgKind::Committee, "党委").await;
    server_account(&t, "shuji", Role::Officer, Some(c.id)).await;
    server_account(&t, "dangyuan", Role::Member, Some(c.id)).await;
    t.clock.advance(Duration::days(90));
    let (s, v) = api_login(&t, "shuji", PW).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["user"]["must_change_password"], false, "day 90 is fine");
    t.clock.advance(Duration::days(1));
    let (_, v) = api_login(&t, "shuji", PW).await;
    assert_eq!(v["user"]["must_change_password"], true, "day 91 forces it");
    let tok = v["token"].as_str().unwrap().to_owned();
    let page = text(t.send(get("/account/password", Some(&tok))).await).await;
    assert!(page.contains("已使用超过 90 天"), "{page}");
    assert_eq!(t.audit_count("auth.password_expired").await, 1);
    t.clock.advance(Duration::days(200));
    let (_, v) = api_login(&t, "dangyuan", PW).await;
    assert_eq!(
        v["user"]["must_change_password"], false,
        "members are not forced"
    );
}
db_test!(sec_05_privileged_password_expires_at_day_91);

async fn sec_05_last_five_passwords_cannot_be_reused(b: Backend) {
    let t = TestApp::new(b).await;
    let id = server_account(&t, "zhangsan", Role::SystemAdmin, None).await;
    let pw = |i: usize| format!("Lianxi#Mima24{i}8");
    let actor = Actor::cli("test");
    let change = |cur: String, new: String| {
        let app = t.app.clone();
        let actor = actor.clone();
        async move { zhibu::auth::service::change_password(&app, &actor, id, 0, &cur, &new).await }
    };
    change(PW.into(), pw(1)).await.unwrap();
    for i in 2..=5 {
        change(pw(i - 1), pw(i)).await.unwrap();
    }
    // Current: 5; the four before it are 4, 3, 2, 1; PW is the sixth and may come back.
    let err = change(pw(5), pw(5)).await.unwrap_err();
    assert!(err.to_string().contains("不能与原密码相同"), "{err}");
    for i in 1..=4 {
        let err = change(pw(5), pw(i)).await.unwrap_err();
        assert!(
            err.to_string().contains("不能与最近 5 次使用过的密码相同"),
            "{i}: {err}"
        );
    }
    change(pw(5), PW.into()).await.unwrap();
}
db_test!(sec_05_last_five_passwords_cannot_be_reused);

async fn sec_18_system_admin_sees_no_names_and_cannot_appoint(b: Backend) {
    let t = TestApp::new(b).await;
    let c = t.org(None, OrgKind::Committee, "党委").await;
    let branch = t.org(Some(&c), OrgKind::Branch, "支部").await;
    let m1 = t.member(branch.id, None, 1).await;
    let m2 = t.member(branch.id, None, 2).await;
    let today = t.app.clock.today();
    zhibu::orgs::service::add_officer(
        &t.app,
        &Actor::cli("test"),
        &zhibu::auth::Scope::operator(),
        branch.id,
        zhibu::orgs::model::Post::Secretary,
        m1,
        today,
    )
    .await
    .unwrap();
    let sys = t.user("sys", "system_admin", None).await;
    let (st, sc) = t.session(sys).await;
    let page = text(
        t.send(get(&format!("/orgs/{}", branch.id), Some(&st)))
            .await,
    )
    .await;
    assert!(page.contains("书记"), "the posts are structure");
    assert!(!page.contains("党员1") && !page.contains("党员2"), "{page}");
    assert!(!page.contains("name=\"member_id\""));
    let api = text(
        t.send(crate::support::bearer_get(
            &format!("/api/v1/orgs/{}", branch.id),
            &st,
        ))
        .await,
    )
    .await;
    assert!(!api.contains("党员1"), "{api}");
    let body = format!("post=deputy_secretary&member_id={m2}&started_on=2026-11-01");
    let r = t
        .send(post_form(
            &format!("/orgs/{}/officers", branch.id),
            Some(&st),
            Some(&sc),
            &body,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The branch's own officer, and the organisation admin above, may appoint.
    let officer = t.user("shuji", "officer", Some(branch.id)).await;
    let (ot, oc) = t.session(officer).await;
    let page = text(
        t.send(get(&format!("/orgs/{}", branch.id), Some(&ot)))
            .await,
    )
    .await;
    assert!(page.contains("党员2") && page.contains("name=\"member_id\""));
    let r = t
        .send(post_form(
            &format!("/orgs/{}/officers", branch.id),
            Some(&ot),
            Some(&oc),
            &body,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count("org.officer_add").await, 2);
}
db_test!(sec_18_system_admin_sees_no_names_and_cannot_appoint);
