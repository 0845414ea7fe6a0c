//! Cross-cutting HTTP behaviour: error formats, security headers, limits, the `OpenAPI` document.

use axum::http::{StatusCode, header};

use crate::db_test;
use crate::support::{Backend, TestApp, get, post_form, post_json, text};

async fn errors_are_stable_json_or_chinese_pages(b: Backend) {
    let t = TestApp::new(b).await;
    let res = t
        .send(post_json("/api/v1/auth/login", None, "{not json"))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["error"]["code"], "invalid_json");
    assert!(v["error"]["request_id"].as_str().is_some());
    let res = t
        .send(post_json("/api/v1/auth/login", None, r#"{"username": 5}"#))
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text(res).await).unwrap()["error"]["code"],
        "invalid_fields"
    );
    let big = format!(
        r#"{{"username":"{}","password":"x"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let res = t.send(post_json("/api/v1/auth/login", None, &big)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = t.send(get("/no/such/page", None)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let rid = crate::support::request_id(&res);
    let html = text(res).await;
    assert!(html.contains("页面不存在") && html.contains(&rid));
    let res = t.send(get("/api/v1/orgs/abc", None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
db_test!(errors_are_stable_json_or_chinese_pages);

async fn sec_41_headers_on_every_response(b: Backend) {
    let t = TestApp::new(b).await;
    for path in [
        "/login",
        "/healthz",
        "/nope",
        "/assets/app.css",
        "/api/v1/me",
        "/orgs",
    ] {
        let res = t.send(get(path, None)).await;
        let h = res.headers();
        assert!(
            h.get(header::CONTENT_SECURITY_POLICY)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY", "{path}");
        assert!(h.get(header::SERVER).is_none());
    }
    let html = text(t.send(get("/login", None)).await).await;
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external resources (SEC-42)"
    );
}
db_test!(sec_41_headers_on_every_response);

#[tokio::test]
async fn openapi_documents_every_api_route() {
    let t = TestApp::new(Backend::Sqlite).await;
    let doc: serde_json::Value =
        serde_json::from_str(&text(t.send(get("/api/v1/openapi.json", None)).await).await).unwrap();
    for r in t.routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
}

/// The reference page works without a network: every operation and schema is on it, nothing
/// is loaded from elsewhere, and no sign-in is needed to read it.
#[tokio::test]
async fn api_reference_page_lists_the_document_offline() {
    let t = TestApp::new(Backend::Sqlite).await;
    let res = t.send(get("/api/docs", None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = text(res).await;
    assert!(html.contains("支部 API") && html.contains("数据结构"));
    for r in t.routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        assert!(
            html.contains(r.path),
            "{} missing from the reference page",
            r.path
        );
    }
    assert!(html.contains("id=\"schema-ApiError\""));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script"), "the page needs no script");
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::new(Backend::Sqlite).await;
    assert_eq!(t.send(get("/healthz", None)).await.status(), StatusCode::OK);
    assert_eq!(t.send(get("/readyz", None)).await.status(), StatusCode::OK);
    t.app.db.close().await;
    assert_eq!(
        t.send(get("/readyz", None)).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// An officer keeps their branch's 党小组 through the pages: create, rename, refuse bad input,
/// and dissolve; terms and appointments are recorded from the organisation page.
async fn officer_manages_groups_terms_and_officers_through_forms(b: Backend) {
    use zhibu::orgs::model::OrgKind;
    let t = TestApp::new(b).await;
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "第一支部").await;
    let uid = t.user("shuji", "officer", Some(a.id)).await;
    let (tok, csrf) = t.session(uid).await;
    let form = |path: &str, body: &str| post_form(path, Some(&tok), Some(&csrf), body);
    let res = t.send(form("/orgs", &format!("parent_id={}&kind=group&name=%E7%AC%AC%E4%B8%80%E5%B0%8F%E7%BB%84&short_name=&established_on=2026-01-05&sort_order=1", a.id))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let group_page = crate::support::location(&res);
    let gid: i64 = group_page.trim_start_matches("/orgs/").parse().unwrap();
    let tree = text(t.send(get("/orgs", Some(&tok))).await).await;
    assert!(tree.contains("第一小组"));
    // A branch is not theirs to create, and a bad date is reported on the form.
    let res = t
        .send(form(
            "/orgs",
            &format!("parent_id={}&kind=branch&name=x", a.id),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = t
        .send(form(
            &format!("/orgs/{gid}/edit"),
            "name=%E6%94%B9%E5%90%8E&short_name=&established_on=2026-13-01&sort_order=1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("成立日期格式"));
    let res = t
        .send(form(
            &format!("/orgs/{gid}/edit"),
            "name=%E6%94%B9%E5%90%8E&short_name=&established_on=&sort_order=1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Unknown fields are refused (mass assignment, SEC-20).
    let res = t
        .send(form(
            &format!("/orgs/{gid}/edit"),
            "name=x&short_name=&established_on=&sort_order=1&parent_id=1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = t
        .send(form(
            &format!("/orgs/{}/terms", a.id),
            "started_on=2024-05-06&years=3&note=",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = text(t.send(get(&format!("/orgs/{}", a.id), Some(&tok))).await).await;
    assert!(
        page.contains("2027-05-06"),
        "planned end of the term is shown"
    );
    let res = t
        .send(form(
            &format!("/orgs/{}/terms", a.id),
            "started_on=2024-05-06&years=4&note=",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let flash = res
        .headers()
        .get(axum::http::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        flash.starts_with("zhibu_flash=error."),
        "the refusal comes back as a message"
    );
    let res = t
        .send(form(
            &format!("/orgs/{gid}/dissolve"),
            "reason=%E5%90%88%E5%B9%B6",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let tree = text(t.send(get("/orgs", Some(&tok))).await).await;
    assert!(!tree.contains("改后"));
    let tree = text(t.send(get("/orgs?dissolved=1", Some(&tok))).await).await;
    assert!(tree.contains("改后") && tree.contains("已撤销"));
}
db_test!(officer_manages_groups_terms_and_officers_through_forms);
