//! MEET-02/03: a 支委会's record is for the committee and the committees above, a 党小组's for
//! the group and the branch committee; other members see only that the meeting was held, and any
//! decision the committee published — through the page, the API, the .docx, the attachments and
//! the year zip, on both backends.

use axum::http::{Method, StatusCode};
use serde_json::json;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::meeting_pages::{flash, multipart};
use crate::meetings::{Branch, branch, json_of, send_json};
use crate::support::{Backend, bearer_get, get, post_form, text};

const SECRET: &str = "讨论某同志的问题线索";

/// Plans a meeting of `org` with a title, submits its minutes and returns its id.
async fn held(x: &Branch, org: i64, kinds: &[&str], title: &str, with_file: bool) -> i64 {
    let body = json!({
        "org_id": org, "kinds": kinds, "title": title,
        "starts_at": "2026-11-28T10:00", "ends_at": "2026-11-28T12:00", "place": "会议室",
        "host_name": "王书记", "agenda": [format!("{title}议题：{SECRET}")],
    });
    let res =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/meetings",
            &x.officer,
            &body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json_of(res).await["id"].as_i64().unwrap();
    if with_file {
        let (tok, csrf) = x.t.session(x.officer_uid).await;
        let res =
            x.t.send(multipart(
                &format!("/meetings/{id}/files"),
                &tok,
                &csrf,
                "材料.pdf",
                b"%PDF-1.4 committee only",
            ))
            .await;
        assert!(flash(&res).starts_with("zhibu_flash=success."));
    }
    let minutes =
        json!({"speeches": format!("{title}发言：{SECRET}"), "decisions": "同意", "submit": true});
    let res =
        x.t.send(send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &x.officer,
            &minutes,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

async fn status(x: &Branch, path: &str, tok: &str) -> StatusCode {
    let req = if path.starts_with("/api/") {
        bearer_get(path, tok)
    } else {
        get(path, Some(tok))
    };
    x.t.send(req).await.status()
}

async fn body(x: &Branch, path: &str, tok: &str) -> String {
    let req = if path.starts_with("/api/") {
        bearer_get(path, tok)
    } else {
        get(path, Some(tok))
    };
    let res = x.t.send(req).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    text(res).await
}

async fn zip_of(x: &Branch, tok: &str) -> Vec<u8> {
    let res =
        x.t.send(get(
            &format!("/meetings/export?org={}&year=2026", x.branch),
            Some(tok),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Appoints `member` to a committee post of `org`.
async fn appoint(x: &Branch, org: i64, member: i64) {
    let mut tx = x.t.app.db.begin().await.unwrap();
    let o = zhibu::orgs::rows::NewOfficer {
        term_id: None,
        post: "organization_officer",
        member_id: Some(member),
        person_name: "组织委员",
        started_on: zhibu::shared::text::parse_date("2025-01-01").unwrap(),
    };
    zhibu::orgs::rows::insert_officer(&mut tx.exec(), org, &o, x.t.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn meet_02_committee_records_stay_with_the_committee(b: Backend) {
    let x = branch(b).await;
    let committee = held(&x, x.branch, &["branch_committee"], "支委会", true).await;
    let general = held(&x, x.branch, &["branch_general"], "党员大会", false).await;
    let fid: i64 = {
        let v = json_of(
            x.t.send(bearer_get(
                &format!("/api/v1/meetings/{committee}"),
                &x.officer,
            ))
            .await,
        )
        .await;
        assert_eq!(v["record_access"], "full");
        assert!(
            v["minutes"]["minutes"]["speeches"]
                .as_str()
                .unwrap()
                .contains(SECRET)
        );
        let mut conn = x.t.app.db.conn().await.unwrap();
        zhibu::meetings::rows::files(&mut conn.exec(), committee)
            .await
            .unwrap()[0]
            .id
    };
    let member = &x.members[2].1;
    // A member of the branch: the API says it was held, and nothing of its content.
    let api = body(&x, &format!("/api/v1/meetings/{committee}"), member).await;
    let v: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(v["record_access"], "held_only");
    assert_eq!(
        (v["status"].as_str(), v["kinds"].clone()),
        (Some("held"), json!(["branch_committee"]))
    );
    assert!(
        v.get("minutes").is_none() && v.get("attendance").is_none(),
        "{v}"
    );
    assert!(!api.contains(SECRET), "{api}");
    let list = body(&x, "/api/v1/meetings", member).await;
    assert!(
        list.contains("党员大会议题") && !list.contains("支委会议题"),
        "the list carries no agenda of the 支委会"
    );
    let page = body(&x, &format!("/meetings/{committee}"), member).await;
    assert!(page.contains("支委会") && !page.contains(SECRET), "page");
    assert!(!page.contains(&format!("/meetings/{committee}/files/")));
    for path in [
        format!("/api/v1/meetings/{committee}/attendance"),
        format!("/meetings/{committee}/minutes.docx"),
        format!("/meetings/{committee}/files/{fid}"),
    ] {
        assert_eq!(
            status(&x, &path, member).await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // The 党员大会's record is every member's.
    let g = body(&x, &format!("/api/v1/meetings/{general}"), member).await;
    assert!(g.contains(SECRET) && g.contains("\"record_access\":\"full\""));
    let zip = zip_of(&x, member).await;
    assert!(
        holds(&zip, "党员大会") && !holds(&zip, "支委会"),
        "the member's zip"
    );
    // The branch's officer, a member holding a committee post, and the committee above.
    let zip = zip_of(&x, &x.officer).await;
    assert!(
        holds(&zip, "党员大会") && holds(&zip, "支委会"),
        "the officer's zip"
    );
    appoint(&x, x.branch, x.members[0].0).await;
    let above = x.t.user("dangwei", "org_admin", Some(x.committee)).await;
    let above = x.t.session(above).await.0;
    for tok in [&x.officer, &x.members[0].1, &above] {
        let v = body(&x, &format!("/api/v1/meetings/{committee}"), tok).await;
        assert!(v.contains(SECRET), "{v}");
        for path in [
            format!("/meetings/{committee}/minutes.docx"),
            format!("/meetings/{committee}/files/{fid}"),
            format!("/api/v1/meetings/{committee}/attendance"),
        ] {
            assert_eq!(status(&x, &path, tok).await, StatusCode::OK, "{path}");
        }
        assert!(
            body(&x, &format!("/meetings/{committee}"), tok)
                .await
                .contains(SECRET)
        );
    }
    // Another branch's officer sees nothing at all.
    assert_eq!(
        status(
            &x,
            &format!("/api/v1/meetings/{committee}"),
            &x.outsider_officer
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // The committee publishes a decision; members read it, and only it.
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let path = format!("/meetings/{committee}/decision");
    let res =
        x.t.send(post_form(
            &path,
            Some(&tok),
            Some(&csrf),
            "decision=%E5%90%8C%E6%84%8F%E5%BC%80%E5%B1%95%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(x.t.audit_count("meeting.decision.publish").await, 1);
    let (mtok, mcsrf) = x.t.session(x.member_uids[2]).await;
    let res =
        x.t.send(post_form(&path, Some(&mtok), Some(&mcsrf), "decision=x"))
            .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "members cannot publish"
    );
    let v = json_of(
        x.t.send(bearer_get(&format!("/api/v1/meetings/{committee}"), member))
            .await,
    )
    .await;
    assert_eq!(v["published_decision"], "同意开展志愿服务");
    assert_eq!(v["record_access"], "held_only");
    let page = body(&x, &format!("/meetings/{committee}"), member).await;
    assert!(page.contains("同意开展志愿服务") && !page.contains(SECRET));
}
db_test!(meet_02_committee_records_stay_with_the_committee);

async fn meet_03_group_records_are_for_the_group_and_the_branch_committee(b: Backend) {
    let x = branch(b).await;
    let a = {
        let mut c = x.t.app.db.conn().await.unwrap();
        zhibu::orgs::service::get_unscoped(&mut c.exec(), x.branch)
            .await
            .unwrap()
    };
    let g1 = x.t.org(Some(&a), OrgKind::Group, "第一党小组").await;
    let g2 = x.t.org(Some(&a), OrgKind::Group, "第二党小组").await;
    let mut toks = Vec::new();
    for (i, g) in [(20, g1.id), (21, g2.id)] {
        let m = x.t.member(x.branch, Some(g), i).await;
        let u =
            x.t.linked_user(&format!("zu{i}"), "member", Some(x.branch), Some(m))
                .await;
        toks.push(x.t.session(u).await.0);
    }
    let id = held(&x, g1.id, &["group"], "党小组会", false).await;
    let url = format!("/api/v1/meetings/{id}");
    // The group's own member and the branch committee read it.
    for tok in [&toks[0], &x.officer] {
        assert!(body(&x, &url, tok).await.contains(SECRET));
        assert_eq!(
            status(&x, &format!("/meetings/{id}/minutes.docx"), tok).await,
            StatusCode::OK
        );
    }
    appoint(&x, x.branch, x.members[1].0).await;
    assert!(
        body(&x, &url, &x.members[1].1).await.contains(SECRET),
        "a 支委"
    );
    // Another group's member, and a member in no group, see only that it was held.
    for tok in [&toks[1], &x.members[3].1] {
        let v = body(&x, &url, tok).await;
        assert!(!v.contains(SECRET) && v.contains("held_only"), "{v}");
        assert_eq!(
            status(&x, &format!("/meetings/{id}/minutes.docx"), tok).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(&x, &format!("/api/v1/meetings/{id}/attendance"), tok).await,
            StatusCode::FORBIDDEN
        );
    }
}
db_test!(meet_03_group_records_are_for_the_group_and_the_branch_committee);
