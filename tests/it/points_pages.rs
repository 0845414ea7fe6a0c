//! The points pages on both backends: 我的积分 after a meeting, the ranking for officers only,
//! a member's claim with evidence through the form, and the officer's queue and manual award.

use axum::http::{StatusCode, header};

use crate::db_test;
use crate::meetings::branch;
use crate::support::{Backend, get, location, post_form, text};

fn claim_form(tok: &str, csrf: &str, png: &[u8]) -> axum::http::Request<axum::body::Body> {
    let boundary = "zhibu-claim";
    let mut body = Vec::new();
    for (k, v) in [
        ("item", "volunteer"),
        ("occurred_on", "2026-11-21"),
        ("description", "社区志愿服务"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend_from_slice(png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    axum::http::Request::post(format!("/points/claims?_csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, format!("zhibu_session={tok}"))
        .body(axum::body::Body::from(body))
        .unwrap()
}

async fn points_pages_for_members_and_officers(b: Backend) {
    let x = branch(b).await;
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let html = text(x.t.send(get("/points", Some(&mt))).await).await;
    assert!(html.contains("我的积分") && html.contains("本年还没有积分记录"));
    // Members see their own rank only.
    let res = x.t.send(get("/points/ranking", Some(&mt))).await;
    assert_eq!(
        (res.status(), location(&res)),
        (StatusCode::SEE_OTHER, "/points".to_owned())
    );
    // A claim with a picture as evidence, then the officer's queue and approval.
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([9, 9, 9]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let res = x.t.send(claim_form(&mt, &mc, &png)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = x.t.send(claim_form(&mt, &mc, b"not a picture")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let queue = text(x.t.send(get("/points/claims", Some(&ot))).await).await;
    assert!(queue.contains("社区志愿服务") && queue.contains("查看证明材料"));
    let id: i64 = {
        let at = queue.find("/points/claims/").unwrap();
        queue[at + 15..].split('/').next().unwrap().parse().unwrap()
    };
    let ev =
        x.t.send(get(&format!("/points/claims/{id}/evidence"), Some(&ot)))
            .await;
    assert_eq!(
        ev.headers()[header::CONTENT_TYPE],
        "image/jpeg",
        "re-encoded without metadata"
    );
    crate::support::assert_private(&ev, true);
    // A PDF is a download under its own policy, never a document opened on the site.
    let res =
        x.t.send(claim_form(&mt, &mc, b"%PDF-1.4\n%evidence\n"))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let ev =
        x.t.send(get(
            &format!("/points/claims/{}/evidence", id + 1),
            Some(&ot),
        ))
        .await;
    assert_eq!(ev.headers()[header::CONTENT_TYPE], "application/pdf");
    crate::support::assert_private(&ev, false);
    let res =
        x.t.send(post_form(
            &format!("/points/claims/{id}/decision"),
            Some(&ot),
            Some(&oc),
            "decision=approve&note=",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = format!(
        "member_id={}&item=special_task&points=&occurred_on=2026-11-20&reason=%E9%98%B2%E6%B1%9B",
        x.members[0].0
    );
    let res =
        x.t.send(post_form("/points/award", Some(&ot), Some(&oc), &body))
            .await;
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("zhibu_flash=success.")
    );
    let html = text(x.t.send(get("/points", Some(&mt))).await).await;
    assert!(
        html.contains("参加志愿服务") && html.contains("完成急难险重任务"),
        "both entries listed"
    );
    assert!(
        html.contains("<div class=\"stat-num\">5</div>"),
        "2 + 3 this month"
    );
    let ranking = text(
        x.t.send(get("/points/ranking?period=2026-11", Some(&ot)))
            .await,
    )
    .await;
    assert!(ranking.contains("党员排名") && ranking.contains("2026年11月"));
}
db_test!(points_pages_for_members_and_officers);
