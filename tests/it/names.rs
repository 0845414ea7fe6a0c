//! SEC-53: a login name that is a mobile number never shows where a person is shown. The feed
//! credits posts and comments with the member's name, in the branch's feed and in the
//! committee's (read by other branches); the audit log shows the name, and the masked login
//! only for sign-ins that name no account.

use axum::http::{Method, StatusCode};
use serde_json::json;
use zhibu::auth::rows::{self as auth_store, NewUser};

use crate::db_test;
use crate::meetings::{branch, send_json};
use crate::support::{Backend, bearer_get, get, post_form, post_json, text};

const PHONE: &str = "13800138000";
const MASKED: &str = "138****8000";

/// A member account whose login is the mobile number, as the old default made it.
async fn phone_user(t: &crate::support::TestApp, branch: i64, seq: u32) -> i64 {
    let member = t.member(branch, None, seq).await;
    let mut tx = t.app.db.begin().await.unwrap();
    let nu = NewUser {
        username: PHONE,
        display_name: "张三",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        role: "member",
        org_id: Some(branch),
        member_id: Some(member),
        must_change_password: false,
    };
    let uid = auth_store::insert_user(&mut tx.exec(), &nu, t.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    uid
}

async fn sec_53_mobile_numbers_never_show_as_names(b: Backend) {
    let x = branch(b).await;
    let t = &x.t;
    let uid = phone_user(t, x.branch, 20).await;
    let (tok, csrf) = t.session(uid).await;
    // She posts to her branch and to the committee's feed, and comments.
    for (org, body) in [(x.branch, "支部动态"), (x.committee, "党委动态")] {
        let res = t
            .send(send_json(
                Method::POST,
                "/api/v1/feed",
                &tok,
                &json!({"org_id": org, "body": body}),
            ))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let posts = t.rows("feed_posts").await;
    let res = t
        .send(post_form(
            &format!("/feed/{posts}/comments"),
            Some(&tok),
            Some(&csrf),
            "body=说得好",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The branch feed (a colleague), the committee feed (another branch's member and officer),
    // page and API alike.
    let views = [
        (x.branch, x.members[0].1.clone()),
        (x.committee, x.stranger.clone()),
        (x.committee, x.outsider_officer.clone()),
    ];
    for (org, viewer) in &views {
        let page = text(t.send(get(&format!("/feed?org={org}"), Some(viewer))).await).await;
        assert!(page.contains("张三"), "the name is shown in feed {org}");
        assert!(!page.contains(PHONE), "never the mobile number: {page}");
        let api = text(
            t.send(bearer_get(&format!("/api/v1/feed?org={org}"), viewer))
                .await,
        )
        .await;
        assert!(api.contains("张三") && !api.contains(PHONE), "{api}");
    }
    // A failed login typing the number is audited masked too.
    t.send(post_json(
        "/api/v1/auth/login",
        None,
        &format!(r#"{{"username":"{PHONE}","password":"wrong"}}"#),
    ))
    .await;
    let aud = t.user("aud1", "audit_admin", None).await;
    let (atok, _) = t.session(aud).await;
    let page = text(t.send(get("/audit", Some(&atok))).await).await;
    assert!(
        page.contains("<td data-label=\"用户\">张三</td>"),
        "the person's name: {page}"
    );
    assert!(!page.contains(PHONE), "never the whole number");
    let csv = text(t.send(get("/audit/export", Some(&atok))).await).await;
    assert!(csv.contains(",张三,"), "{csv}");
    assert!(
        !csv.contains(PHONE) && !csv.contains(",member,"),
        "no logins, no role codes"
    );
    // The auditor can still find her rows by name, or by the whole login.
    for q in ["张三", PHONE] {
        let page = text(
            t.send(get(
                &format!("/audit?action=feed.post&actor={q}"),
                Some(&atok),
            ))
            .await,
        )
        .await;
        assert!(page.contains("共 2 条"), "search by {q}");
    }
}
db_test!(sec_53_mobile_numbers_never_show_as_names);

/// Rows written before names were masked hold the bare login; the viewer masks them.
async fn sec_53_old_audit_rows_are_masked_when_shown(b: Backend) {
    let x = branch(b).await;
    let t = &x.t;
    let uid = phone_user(t, x.branch, 21).await;
    // As the old code wrote it: the login as the actor's name.
    let actor = zhibu::audit::Actor {
        user_id: Some(uid),
        name: PHONE.into(),
        login: String::new(),
        role: "member".into(),
        ..zhibu::audit::Actor::default()
    };
    zhibu::audit::record_alone(
        &t.app.db,
        &actor,
        t.app.now(),
        zhibu::audit::AuditEvent::success("feed.post", "feed_post", 1),
    )
    .await
    .unwrap();
    let aud = t.user("aud1", "audit_admin", None).await;
    let (atok, _) = t.session(aud).await;
    let page = text(t.send(get("/audit", Some(&atok))).await).await;
    assert!(
        page.contains("<td data-label=\"用户\">张三</td>")
            && !page.contains(PHONE)
            && !page.contains(MASKED),
        "{page}"
    );
}
db_test!(sec_53_old_audit_rows_are_masked_when_shown);
