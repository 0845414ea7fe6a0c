//! The 党建群 feed on both backends: a member posts text with a photo (re-encoded, metadata
//! gone), scripts are stripped, bad photos refused with nothing written, others see the post as
//! new once, comment and like; another branch sees nothing; an officer hides a post with a
//! reason (audited) and members no longer see it.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::{branch, json_of, send_json};
use crate::support::{Backend, bearer_get, get, post_form, text};

pub(crate) fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 30, 30]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn upload(
    tok: &str,
    csrf: &str,
    org: i64,
    body: &str,
    photo: &[u8],
) -> axum::http::Request<axum::body::Body> {
    let org = org.to_string();
    crate::support::multipart(
        "/feed",
        tok,
        csrf,
        &[("org_id", &org), ("body", body)],
        &[("photos", "a.png", photo)],
    )
}

async fn members_share_and_officers_moderate(b: Backend) {
    let x = branch(b).await;
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    // Not a picture: refused, nothing written.
    let res =
        x.t.send(upload(&mt, &mc, x.branch, "活动", b"GIF89a not really"))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("JPG 或 PNG"));
    assert_eq!(x.t.rows("feed_posts").await, 0);
    let res =
        x.t.send(upload(
            &mt,
            &mc,
            x.branch,
            "主题党日活动<script>alert(1)</script>",
            &png(),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(x.t.rows("feed_photos").await, 1);
    // Another member sees it as new once, with the photo re-encoded as JPEG.
    let (m2, c2) = x.t.session(x.member_uids[1]).await;
    let page = text(
        x.t.send(get(&format!("/feed?org={}", x.branch), Some(&m2)))
            .await,
    )
    .await;
    assert!(page.contains("主题党日活动") && !page.contains("<script>alert"));
    assert!(page.contains(">新<"));
    let page = text(
        x.t.send(get(&format!("/feed?org={}", x.branch), Some(&m2)))
            .await,
    )
    .await;
    assert!(!page.contains(">新<"), "seen");
    let at = page.find("/feed/photos/").unwrap();
    let photo: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let res = x.t.send(get(&photo, Some(&m2))).await;
    assert_eq!(res.status(), StatusCode::OK);
    crate::support::assert_private(&res, true);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "re-encoded as JPEG");
    // Comment and like through the API and pages.
    let (_, v) = {
        let r = x.t.send(bearer_get("/api/v1/feed", &x.members[1].1)).await;
        (r.status(), json_of(r).await)
    };
    let id = v["posts"][0]["id"].as_i64().unwrap();
    let res =
        x.t.send(post_form(
            &format!("/feed/{id}/comments"),
            Some(&m2),
            Some(&c2),
            "body=%E8%B5%9E",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    x.t.send(post_form(
        &format!("/feed/{id}/like"),
        Some(&m2),
        Some(&c2),
        "",
    ))
    .await;
    let r = x.t.send(bearer_get("/api/v1/feed", &x.members[1].1)).await;
    let v = json_of(r).await;
    assert_eq!(
        (
            v["posts"][0]["likes"].as_i64(),
            v["posts"][0]["liked"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(v["posts"][0]["comments"][0]["body"], "赞");
    // Another branch sees nothing; the API refuses a post there.
    let r =
        x.t.send(bearer_get(
            &format!("/api/v1/feed?org={}", x.branch),
            &x.stranger,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/feed",
            &x.stranger,
            &json!({"org_id": x.branch, "body": "x"}),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Members do not moderate; the officer hides it with a reason.
    let res =
        x.t.send(post_form(
            &format!("/feed/{id}/moderate"),
            Some(&m2),
            Some(&c2),
            "action=hide&reason=x",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/feed/{id}/moderate"),
            Some(&ot),
            Some(&oc),
            "action=hide&reason=",
        ))
        .await;
    assert!(
        flash(&res).starts_with("zhibu_flash=error."),
        "a reason is required"
    );
    let res =
        x.t.send(post_form(
            &format!("/feed/{id}/moderate"),
            Some(&ot),
            Some(&oc),
            "action=hide&reason=%E6%97%A0%E5%85%B3",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(x.t.audit_count("feed.moderate").await, 1);
    let page = text(
        x.t.send(get(&format!("/feed?org={}", x.branch), Some(&m2)))
            .await,
    )
    .await;
    assert!(!page.contains("主题党日活动"));
    assert_eq!(
        x.t.send(get(&photo, Some(&m2))).await.status(),
        StatusCode::NOT_FOUND
    );
    let page = text(
        x.t.send(get(&format!("/feed?org={}", x.branch), Some(&ot)))
            .await,
    )
    .await;
    assert!(page.contains("已隐藏：无关"));
}
db_test!(members_share_and_officers_moderate);
