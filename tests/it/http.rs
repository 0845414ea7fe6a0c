//! Cross-cutting HTTP behaviour: error formats, security headers, limits, the OpenAPI document.

use axum::http::{StatusCode, header};

use crate::db_test;
use crate::support::{Backend, TestApp, get, post_json, text};

async fn errors_are_stable_json_or_chinese_pages(b: Backend) {
    let Some(t) = TestApp::new(b).await else {
        return;
    };
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
    let Some(t) = TestApp::new(b).await else {
        return;
    };
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
    let Some(t) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    let doc: serde_json::Value =
        serde_json::from_str(&text(t.send(get("/api/v1/openapi.json", None)).await).await).unwrap();
    for r in t.routes.iter().filter(|r| r.path.starts_with("/api/")) {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let Some(t) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(t.send(get("/healthz", None)).await.status(), StatusCode::OK);
    assert_eq!(t.send(get("/readyz", None)).await.status(), StatusCode::OK);
    t.app.db.close().await;
    assert_eq!(
        t.send(get("/readyz", None)).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
