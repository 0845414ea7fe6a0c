//! 组织关系转接 end to end on both backends: internal requests accepted by the receiving side,
//! letters out with public verification and 回执, overdue letters, and arrivals.

use axum::http::StatusCode;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, location, post_form, post_json, text};

struct Tree {
    t: TestApp,
    a: i64,
    b: i64,
    alice: (String, String),
    bob: (String, String),
    carol: (String, String),
    member: i64,
    other: i64,
}

async fn tree(backend: Backend) -> Tree {
    let t = TestApp::new(backend).await;
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "甲支部").await;
    let b = t.org(Some(&r), OrgKind::Branch, "乙支部").await;
    let u = t.org(None, OrgKind::Committee, "外单位党委").await;
    let c = t.org(Some(&u), OrgKind::Branch, "丙支部").await;
    let alice = t.user("alice", "officer", Some(a.id)).await;
    let bob = t.user("bob", "officer", Some(b.id)).await;
    let carol = t.user("carol", "officer", Some(c.id)).await;
    let member = t.member(a.id, None, 1).await;
    let other = t.member(a.id, None, 2).await;
    Tree {
        a: a.id,
        b: b.id,
        alice: t.session(alice).await,
        bob: t.session(bob).await,
        carol: t.session(carol).await,
        t,
        member,
        other,
    }
}

async fn internal_transfer_is_accepted_by_the_receiving_branch(backend: Backend) {
    let x = tree(backend).await;
    let (at, ac) = (&x.alice.0, &x.alice.1);
    let body = format!(
        "member_id={}&kind=internal&to_org_id={}&reason=%E5%B7%A5%E4%BD%9C%E8%B0%83%E5%8A%A8",
        x.member, x.b
    );
    let res =
        x.t.send(post_form("/transfers", Some(at), Some(ac), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let again =
        x.t.send(post_form("/transfers", Some(at), Some(ac), &body))
            .await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "one open transfer at a time"
    );
    assert!(
        text(x.t.send(get("/transfers", Some(&x.bob.0))).await)
            .await
            .contains("待接收"),
        "the receiving side sees it"
    );
    assert_eq!(
        x.t.send(get(&page, Some(&x.carol.0))).await.status(),
        StatusCode::NOT_FOUND,
        "an unrelated branch does not"
    );
    let id = page.trim_start_matches("/transfers/");
    let accept = |tok: &str, csrf: &str| {
        post_form(
            &format!("/transfers/{id}/decision"),
            Some(tok),
            Some(csrf),
            "decision=accept&note=",
        )
    };
    assert_eq!(
        x.t.send(accept(at, ac)).await.status(),
        StatusCode::FORBIDDEN,
        "the sender cannot accept for the receiver"
    );
    let res = x.t.send(accept(&x.bob.0, &x.bob.1)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let v: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(bearer_get(
                &format!("/api/v1/members/{}", x.member),
                &x.bob.0,
            ))
            .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["org_id"], x.b);
    assert_eq!(
        v["events"].as_array().unwrap().last().unwrap()["kind"],
        "move"
    );
    assert_eq!(
        x.t.send(bearer_get(&format!("/api/v1/members/{}", x.member), at))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "no longer the sender's"
    );
    assert_eq!(
        x.t.send(accept(&x.bob.0, &x.bob.1)).await.status(),
        StatusCode::SEE_OTHER,
        "a second decision is refused with a message"
    );
    assert_eq!(x.t.audit_count("transfer.decide").await, 1);
}
db_test!(internal_transfer_is_accepted_by_the_receiving_branch);

async fn letters_out_verify_publicly_and_close_with_a_receipt(backend: Backend) {
    let x = tree(backend).await;
    let (at, ac) = (&x.alice.0, &x.alice.1);
    let body = |m: i64, days: u32| {
        format!(
            "member_id={m}&kind=outgoing&destination=%E5%A4%96%E5%9C%B0%E5%85%9A%E5%A7%94&valid_days={days}&dues_paid_to=2026-11&reason=%E8%BF%81%E5%B1%85"
        )
    };
    let bad =
        x.t.send(post_form(
            "/transfers",
            Some(at),
            Some(ac),
            &body(x.member, 120),
        ))
        .await;
    assert_eq!(
        bad.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "REL-04: at most 90 days"
    );
    let res =
        x.t.send(post_form(
            "/transfers",
            Some(at),
            Some(ac),
            &body(x.member, 30),
        ))
        .await;
    let page = location(&res);
    let id = page.trim_start_matches("/transfers/").to_owned();
    let letter = text(
        x.t.send(get(&format!("/transfers/{id}/letter"), Some(at)))
            .await,
    )
    .await;
    assert!(letter.contains("2026-00001") && letter.contains("党费已交到 2026-11"));
    // REL: the standard form — age, "由…转到…，请接洽", the committee's seal line, the 回执 stub,
    // and the whole 公民身份号码 for the issuing officer, as an audited unmask.
    assert!(
        letter.contains(" 岁，") && letter.contains("转到 外地党委，请接洽"),
        "{letter}"
    );
    assert!(
        letter.contains("（盖章）") && letter.contains("介绍信回执") && letter.contains("此复")
    );
    assert!(
        !letter.contains("********"),
        "the whole number for the issuer"
    );
    assert_eq!(x.t.audit_count("member.unmask").await, 1);
    let qr =
        x.t.send(get(&format!("/transfers/{id}/qr.svg"), Some(at)))
            .await;
    assert_eq!(
        qr.headers().get(axum::http::header::CONTENT_TYPE).unwrap(),
        "image/svg+xml"
    );
    let token = letter
        .split("/verify/")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let public = text(x.t.send(get(&format!("/verify/{token}"), None)).await).await;
    assert!(
        public.contains("真实有效") && public.contains("********"),
        "public, masked"
    );
    assert_eq!(
        x.t.send(get("/verify/00000000000000000000000000000000", None))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // An account of the member stops working once the 回执 is in.
    let acct =
        x.t.linked_user("chuqu", "member", Some(x.a), Some(x.member))
            .await;
    let (mt, _) = x.t.session(acct).await;
    let r =
        x.t.send(post_form(
            &format!("/transfers/{id}/receipt"),
            Some(at),
            Some(ac),
            "receipt_on=2026-11-28",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(bearer_get(&format!("/api/v1/members/{}", x.member), at))
                .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(v["membership_status"], "transferred_out");
    assert_eq!(
        x.t.send(get("/", Some(&mt))).await.status(),
        StatusCode::SEE_OTHER,
        "SEC-21: signed out"
    );
    assert!(
        text(x.t.send(get(&format!("/verify/{token}"), None)).await)
            .await
            .contains("已收到回执")
    );
    // A one-day letter not answered becomes overdue.
    let res = x.t.send(post_json("/api/v1/transfers", Some(at), &format!(r#"{{"member_id":{},"kind":"outgoing","destination":"某地","valid_days":1,"dues_paid_to":"2026-11","reason":"外出"}}"#, x.other))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    x.t.clock.advance(time::Duration::days(3));
    let alice = zhibu::auth::users::id_by_username(&x.t.app, "alice")
        .await
        .unwrap();
    let (at, _) = &x.t.session(alice).await;
    let list: serde_json::Value =
        serde_json::from_str(&text(x.t.send(bearer_get("/api/v1/transfers", at)).await).await)
            .unwrap();
    let overdue: Vec<_> = list["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["overdue"] == true)
        .collect();
    assert_eq!(overdue.len(), 1);
    assert!(
        text(x.t.send(get("/transfers", Some(at))).await)
            .await
            .contains("逾期")
    );
}
db_test!(letters_out_verify_publicly_and_close_with_a_receipt);

async fn arrivals_are_registered_with_their_letter(backend: Backend) {
    let x = tree(backend).await;
    let (bt, bc) = (&x.bob.0, &x.bob.1);
    let form = format!(
        "org_id={}&category=full&entry=transfer_in&entry_on=2026-10-01&letter_from=%E5%A4%96%E7%9C%81%E6%9F%90%E5%85%9A%E5%A7%94&letter_ref=2026-088&name=%E6%96%B0%E6%9D%A5&id_number=11010519491231002X&ethnicity=%E6%B1%89%E6%97%8F&education=%E5%A4%A7%E5%AD%A6%E6%9C%AC%E7%A7%91&joined_on=1975-07-01&converted_on=1976-07-01",
        x.b
    );
    let res =
        x.t.send(post_form("/members", Some(bt), Some(bc), &form))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let all = text(x.t.send(get("/transfers?all=1", Some(bt))).await).await;
    assert!(all.contains("已转入") && all.contains("外省某党委"));
}
db_test!(arrivals_are_registered_with_their_letter);
