//! Second factor (SEC-08, SEC-10 recovery codes) and step-up re-authentication (SEC-16) over
//! HTTP: enrolment, the login code page, replay, recovery codes, forced enrolment, and the
//! fresh confirmation that unmasking, full exports and 三员 actions need.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use time::Duration;
use zhibu::audit::Actor;
use zhibu::auth::Role;
use zhibu::auth::totp;
use zhibu::auth::users::{self, CreateUser};
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, location, post_form, post_json, text};

const PW: &str = "Lianxi#Mima2468";

async fn account(t: &TestApp, name: &str, role: Role, org: Option<i64>) -> i64 {
    let input = CreateUser {
        username: name.into(),
        display_name: name.into(),
        role,
        org_id: org,
        member_id: None,
        password: Some(PW.into()),
        must_change: false,
    };
    users::create(&t.app, &Actor::cli("test"), users::By::Server, input)
        .await
        .unwrap()
        .id
}

fn code_now(t: &TestApp, secret: &[u8]) -> String {
    totp::code_at(secret, totp::step_of(t.app.now().unix_timestamp()))
}

fn set_cookie(res: &Response<Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned()
        })
}

fn with_cookies(mut req: Request<Body>, cookies: &[(&str, &str)]) -> Request<Body> {
    let v = cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    req.headers_mut().insert(header::COOKIE, v.parse().unwrap());
    req
}

/// The login form with its double-submit cookie; returns the response to the password POST.
async fn password_step(t: &TestApp, user: &str, next: &str) -> Response<Body> {
    let page = t.send(get("/login", None)).await;
    let c = set_cookie(&page, "zhibu_login").unwrap();
    let body = format!("username={user}&password={}&next={next}", enc(PW));
    let req = post_form("/login", None, Some(&c), &body);
    t.send(with_cookies(req, &[("zhibu_login", &c)])).await
}

/// Posts a code on the login code page of a pending login.
async fn code_step(t: &TestApp, ticket: &str, code: &str) -> Response<Body> {
    let page = t
        .send(with_cookies(
            get("/login/verify", None),
            &[("zhibu_mfa", ticket)],
        ))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let c = set_cookie(&page, "zhibu_login").unwrap();
    let req = post_form(
        "/login/verify",
        None,
        Some(&c),
        &format!("code={}", enc(code)),
    );
    t.send(with_cookies(
        req,
        &[("zhibu_login", &c), ("zhibu_mfa", ticket)],
    ))
    .await
}

fn enc(s: &str) -> String {
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

/// Enrols through the pages with a bare session; returns (secret, recovery codes, new token).
async fn enrol_by_page(t: &TestApp, uid: i64) -> (Vec<u8>, Vec<String>, String) {
    let (tok, csrf, _) = t.bare_session(uid).await;
    let html = text(t.send(get("/account/second-factor", Some(&tok))).await).await;
    assert!(html.contains("<svg"), "QR code drawn on the server");
    let groups = html
        .split("<code class=\"mfa-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let secret = totp::base32_decode(groups).unwrap();
    let res = t
        .send(post_form(
            "/account/second-factor",
            Some(&tok),
            Some(&csrf),
            &format!("code={}", code_now(t, &secret)),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new_tok = set_cookie(&res, "zhibu_session").expect("rotated session");
    let html = text(res).await;
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes, new_tok)
}

/// SEC-08: a required role is sent to enrolment; the first code confirms it, the session id
/// rotates, ten recovery codes are shown once and the secret is sealed in the database.
async fn sec_08_required_role_enrols_with_a_valid_code(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t.org(None, OrgKind::Committee, "党委").await;
    let uid = account(&t, "orgadmin1", Role::OrgAdmin, Some(org.id)).await;
    let (tok, csrf, _) = t.bare_session(uid).await;
    let res = t.send(get("/orgs", Some(&tok))).await;
    assert_eq!(location(&res), "/account/second-factor", "forced enrolment");
    let api = t.send(bearer_get("/api/v1/orgs", &tok)).await;
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    let v: serde_json::Value = serde_json::from_str(&text(api).await).unwrap();
    assert_eq!(v["error"]["code"], "second_factor_enrollment_required");
    let html = text(t.send(get("/account/second-factor", Some(&tok))).await).await;
    assert!(html.contains("必须启用两步验证"));
    let wrong = t
        .send(post_form(
            "/account/second-factor",
            Some(&tok),
            Some(&csrf),
            "code=000000",
        ))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(wrong).await.contains("验证码不正确"));
    let (secret, codes, new_tok) = enrol_by_page(&t, uid).await;
    assert!(codes.iter().all(|c| c.len() == 11));
    assert_eq!(
        t.send(get("/orgs", Some(&new_tok))).await.status(),
        StatusCode::OK
    );
    // The raw column holds neither the secret nor its base32 form.
    let raw = zhibu::auth::rows::get_factor(&mut t.app.db.conn().await.unwrap().exec(), uid)
        .await
        .unwrap()
        .unwrap()
        .secret;
    assert!(!raw.windows(secret.len()).any(|w| w == secret.as_slice()));
    let b32 = totp::base32(&secret);
    assert!(!String::from_utf8_lossy(&raw).contains(&b32));
    assert_eq!(t.audit_count("auth.second_factor_enrol").await, 2);
    let page = text(t.send(get("/account/second-factor", Some(&new_tok))).await).await;
    assert!(page.contains("已启用") && page.contains("剩余可用恢复码 10 个"));
}
db_test!(sec_08_required_role_enrols_with_a_valid_code);

/// SEC-08: the password alone gives no session; the code completes the login with a new
/// session; the same code is refused the second time; wrong codes count toward the lockout.
async fn sec_08_login_requires_the_code_and_refuses_replay(b: Backend) {
    let t = TestApp::new(b).await;
    let uid = account(&t, "sys1", Role::SystemAdmin, None).await;
    let secret = t.enrol(uid).await;
    let res = password_step(&t, "sys1", "/admin/users").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login/verify");
    assert!(
        set_cookie(&res, "zhibu_session").is_none(),
        "no session yet"
    );
    let ticket = set_cookie(&res, "zhibu_mfa").unwrap();
    let code = code_now(&t, &secret);
    let done = code_step(&t, &ticket, &code).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/admin/users");
    let tok = set_cookie(&done, "zhibu_session").unwrap();
    assert_eq!(
        t.send(get("/admin/users", Some(&tok))).await.status(),
        StatusCode::OK
    );
    // The pending login is spent.
    let again = code_step(&t, &ticket, &code).await;
    assert_eq!(location(&again), "/login");
    // Replay: a new password step, the same code within its window.
    let res = password_step(&t, "sys1", "/").await;
    let ticket = set_cookie(&res, "zhibu_mfa").unwrap();
    let replay = code_step(&t, &ticket, &code).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(text(replay).await.contains("验证码不正确"));
    // API: the code is part of the login request.
    let body = format!(r#"{{"username":"sys1","password":"{PW}"}}"#);
    let res = t.send(post_json("/api/v1/auth/login", None, &body)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["error"]["code"], "second_factor_required");
    t.clock.advance(Duration::seconds(30));
    let body = format!(
        r#"{{"username":"sys1","password":"{PW}","code":"{}"}}"#,
        code_now(&t, &secret)
    );
    let ok = t.send(post_json("/api/v1/auth/login", None, &body)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let replayed = t.send(post_json("/api/v1/auth/login", None, &body)).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    // Wrong codes lock the account like wrong passwords (one failure above, four more here).
    let res = password_step(&t, "sys1", "/").await;
    let ticket = set_cookie(&res, "zhibu_mfa").unwrap();
    for _ in 0..4 {
        code_step(&t, &ticket, "000000").await;
    }
    assert!(t.audit_count("auth.locked").await >= 1);
    t.clock.advance(Duration::seconds(30));
    let res = password_step(&t, "sys1", "/").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "locked");
    assert!(t.audit_count("auth.second_factor_failed").await >= 5);
}
db_test!(sec_08_login_requires_the_code_and_refuses_replay);

/// SEC-10: a recovery code replaces the authenticator once, and only once.
async fn sec_10_recovery_code_works_once(b: Backend) {
    let t = TestApp::new(b).await;
    let uid = account(&t, "aud1", Role::AuditAdmin, None).await;
    let (_, codes, _) = enrol_by_page(&t, uid).await;
    let res = password_step(&t, "aud1", "/audit").await;
    let ticket = set_cookie(&res, "zhibu_mfa").unwrap();
    let done = code_step(&t, &ticket, &codes[3].to_uppercase()).await;
    assert_eq!(location(&done), "/audit");
    assert!(set_cookie(&done, "zhibu_session").is_some());
    assert_eq!(t.audit_count("auth.recovery_code_used").await, 1);
    let res = password_step(&t, "aud1", "/audit").await;
    let ticket = set_cookie(&res, "zhibu_mfa").unwrap();
    let again = code_step(&t, &ticket, &codes[3]).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "spent");
    let other = code_step(&t, &ticket, &codes[4]).await;
    assert_eq!(location(&other), "/audit");
    assert_eq!(t.audit_count("auth.recovery_code_used").await, 2);
}
db_test!(sec_10_recovery_code_works_once);

fn referred(mut req: Request<Body>, from: &str) -> Request<Body> {
    req.headers_mut()
        .insert(header::HOST, "zhibu.test".parse().unwrap());
    req.headers_mut().insert(
        header::REFERER,
        format!("http://zhibu.test{from}").parse().unwrap(),
    );
    req
}

/// SEC-16: unmasking (page and API) and the full export are refused without a fresh
/// confirmation and write no success row; after the password they succeed.
async fn sec_16_unmask_and_export_need_step_up(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t.org(None, OrgKind::Branch, "支部").await;
    let mid = t.member(org.id, None, 1).await;
    let uid = account(&t, "officer1", Role::Officer, Some(org.id)).await;
    let (tok, csrf, _) = t.bare_session(uid).await;
    let from = format!("/members/{mid}");
    let res = t
        .send(referred(
            post_form(
                &format!("/members/{mid}/unmask"),
                Some(&tok),
                Some(&csrf),
                "",
            ),
            &from,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/account/confirm?next=%2Fmembers%2F{mid}")
    );
    let edit = t
        .send(get(&format!("/members/{mid}/edit"), Some(&tok)))
        .await;
    assert_eq!(
        location(&edit),
        format!("/account/confirm?next=%2Fmembers%2F{mid}%2Fedit")
    );
    let export = t.send(get("/members/export?unmask=1", Some(&tok))).await;
    assert!(location(&export).starts_with("/account/confirm?next="));
    let masked = t.send(get("/members/export", Some(&tok))).await;
    assert_eq!(
        masked.status(),
        StatusCode::OK,
        "masked export needs no step-up"
    );
    let api = t
        .send(post_json(
            &format!("/api/v1/members/{mid}/unmask"),
            Some(&tok),
            "{}",
        ))
        .await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&text(api).await).unwrap();
    assert_eq!(v["error"]["code"], "step_up_required");
    assert_eq!(t.audit_count("member.unmask").await, 0, "no success row");
    assert_eq!(
        t.audit_count("member.export").await,
        1,
        "only the masked one"
    );
    assert!(t.audit_count("auth.step_up_required").await >= 4);
    // The confirmation page: a wrong password is refused, the right one returns to the page.
    let page = text(
        t.send(get("/account/confirm?next=/members", Some(&tok)))
            .await,
    )
    .await;
    assert!(page.contains("再次验证身份"));
    let bad = t
        .send(post_form(
            "/account/confirm",
            Some(&tok),
            Some(&csrf),
            "secret=Wrong%23Pass1234&next=%2Fmembers",
        ))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = t
        .send(post_form(
            "/account/confirm",
            Some(&tok),
            Some(&csrf),
            &format!("secret={}&next=%2Fmembers%2F{mid}", enc(PW)),
        ))
        .await;
    assert_eq!(location(&ok), format!("/members/{mid}"));
    let res = t
        .send(post_form(
            &format!("/members/{mid}/unmask"),
            Some(&tok),
            Some(&csrf),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let api = t
        .send(post_json(
            &format!("/api/v1/members/{mid}/unmask"),
            Some(&tok),
            "{}",
        ))
        .await;
    assert_eq!(api.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&text(api).await).unwrap();
    assert_eq!(v["id_number"].as_str().unwrap().len(), 18);
    let export = t.send(get("/members/export?unmask=1", Some(&tok))).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(t.audit_count("member.unmask").await, 2);
    assert_eq!(t.audit_count("member.export").await, 2);
}
db_test!(sec_16_unmask_and_export_need_step_up);

/// SEC-16: 三员 actions (unlock, account changes, audit export) need step-up too; a code
/// works as well as the password, through the API as well.
async fn sec_16_triad_actions_need_step_up(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t.org(None, OrgKind::Committee, "党委").await;
    let target = t.user("m1", "member", Some(org.id)).await;
    let sec = account(&t, "sec1", Role::SecurityAdmin, None).await;
    let sec_secret = t.enrol(sec).await;
    let (tok, csrf, _) = t.bare_session(sec).await;
    let path = format!("/admin/users/{target}/unlock");
    let res = t.send(post_form(&path, Some(&tok), Some(&csrf), "")).await;
    assert!(location(&res).starts_with("/account/confirm"));
    assert_eq!(t.audit_count("user.unlock").await, 0);
    let ok = t
        .send(post_form(
            "/account/confirm",
            Some(&tok),
            Some(&csrf),
            &format!("secret={}&next=%2Fadmin%2Fusers", code_now(&t, &sec_secret)),
        ))
        .await;
    assert_eq!(location(&ok), "/admin/users");
    let res = t.send(post_form(&path, Some(&tok), Some(&csrf), "")).await;
    assert_eq!(location(&res), "/admin/users");
    assert_eq!(t.audit_count("user.unlock").await, 1);
    // The auditor's export, through a bearer token and the API confirmation.
    let aud = account(&t, "aud1", Role::AuditAdmin, None).await;
    let aud_secret = t.enrol(aud).await;
    let (atok, _, _) = t.bare_session(aud).await;
    let res = t.send(bearer_get("/audit/export", &atok)).await;
    assert!(location(&res).starts_with("/account/confirm?next=%2Faudit%2Fexport"));
    assert_eq!(t.audit_count("audit.export").await, 0);
    let bad = t
        .send(post_json(
            "/api/v1/auth/confirm",
            Some(&atok),
            r#"{"code":"000000"}"#,
        ))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = format!(r#"{{"code":"{}"}}"#, code_now(&t, &aud_secret));
    let ok = t
        .send(post_json("/api/v1/auth/confirm", Some(&atok), &body))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let res = t.send(bearer_get("/audit/export", &atok)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(t.audit_count("audit.export").await, 1);
}
db_test!(sec_16_triad_actions_need_step_up);

/// SEC-16: a confirmation lasts five minutes (`auth.step_up_minutes`), then is asked again.
async fn sec_16_step_up_expires_after_five_minutes(b: Backend) {
    let t = TestApp::new(b).await;
    let org = t.org(None, OrgKind::Branch, "支部").await;
    let mid = t.member(org.id, None, 1).await;
    let uid = account(&t, "officer1", Role::Officer, Some(org.id)).await;
    // A real login counts as a confirmation.
    let res = password_step(&t, "officer1", "/").await;
    let tok = set_cookie(&res, "zhibu_session").unwrap();
    let unmask = format!("/api/v1/members/{mid}/unmask");
    let ok = t.send(post_json(&unmask, Some(&tok), "{}")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    t.clock.advance(Duration::seconds(299));
    let ok = t.send(post_json(&unmask, Some(&tok), "{}")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    t.clock.advance(Duration::seconds(1));
    let late = t.send(post_json(&unmask, Some(&tok), "{}")).await;
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    let body = format!(r#"{{"password":"{PW}"}}"#);
    let c = t
        .send(post_json("/api/v1/auth/confirm", Some(&tok), &body))
        .await;
    assert_eq!(c.status(), StatusCode::OK);
    let ok = t.send(post_json(&unmask, Some(&tok), "{}")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(t.audit_count("member.unmask").await, 3);
    let _ = uid;
}
db_test!(sec_16_step_up_expires_after_five_minutes);
