//! The pages of organisational life on both backends: planning through the form, the meeting
//! page, the check-in landing, uploads checked by their bytes, the .docx and .zip exports, the
//! calendar feed, the higher committee's review, and cadence rules that may only tighten.

use axum::http::{StatusCode, header};

use crate::db_test;
use crate::meetings::{branch, json_of};
use crate::support::{Backend, bearer_get, get, location, post_form, text};

pub fn multipart(
    path: &str,
    tok: &str,
    csrf: &str,
    name: &str,
    bytes: &[u8],
) -> axum::http::Request<axum::body::Body> {
    let boundary = "zhibu-meeting";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    axum::http::Request::post(format!("{path}?_csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, format!("zhibu_session={tok}"))
        .body(axum::body::Body::from(body))
        .unwrap()
}

pub fn flash(res: &axum::http::Response<axum::body::Body>) -> String {
    res.headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn planning_and_checking_in_through_the_pages(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    // Missing kinds: the form comes back with the message, nothing is saved.
    let base = "starts_at=2026-11-28T10%3A00&ends_at=2026-11-28T12%3A00&place=%E4%BC%9A%E8%AE%AE%E5%AE%A4&host_name=%E7%8E%8B";
    let res =
        x.t.send(post_form(
            "/meetings",
            Some(&tok),
            Some(&csrf),
            &format!("org_id={}&{base}", x.branch),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("请选择会议类型"));
    assert_eq!(x.t.rows("meetings").await, 0);
    let body = format!(
        "org_id={}&kinds=theme_day&kinds=lecture&title=%E5%8D%81%E4%B8%80%E6%9C%88%E4%B8%BB%E9%A2%98%E5%85%9A%E6%97%A5&agenda=%E5%AD%A6%E4%B9%A0%0A%E8%AE%A8%E8%AE%BA&{base}",
        x.branch
    );
    let res =
        x.t.send(post_form("/meetings", Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let html = text(x.t.send(get(&page, Some(&tok))).await).await;
    assert!(
        html.contains("十一月主题党日")
            && html.contains("签到大屏")
            && html.contains("党课、主题党日")
    );
    assert!(
        text(x.t.send(get("/meetings", Some(&tok))).await)
            .await
            .contains("十一月主题党日")
    );
    assert!(
        text(
            x.t.send(get("/meetings/calendar?month=2026-11", Some(&tok)))
                .await
        )
        .await
        .contains("十一月主题党日")
    );
    let screen =
        x.t.send(get(&format!("/meetings/{id}/screen"), Some(&tok)))
            .await;
    assert_eq!(screen.status(), StatusCode::OK);
    let qr =
        x.t.send(get(&format!("/meetings/{id}/qr.svg"), Some(&tok)))
            .await;
    assert_eq!(qr.headers()[header::CONTENT_TYPE], "image/svg+xml");
    // A member lands from the QR, confirms, and is checked in once.
    let code = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/checkin-code"),
            &tok,
        ))
        .await,
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let landing = text(
        x.t.send(get(
            &format!("/meetings/{id}/checkin?code={code}"),
            Some(&mt),
        ))
        .await,
    )
    .await;
    assert!(landing.contains("确认签到") && landing.contains(&code));
    let done = text(
        x.t.send(post_form(
            &format!("/meetings/{id}/checkin"),
            Some(&mt),
            Some(&mc),
            &format!("code={code}"),
        ))
        .await,
    )
    .await;
    assert!(done.contains("签到成功"));
    let again = text(
        x.t.send(post_form(
            &format!("/meetings/{id}/checkin"),
            Some(&mt),
            Some(&mc),
            &format!("code={code}"),
        ))
        .await,
    )
    .await;
    assert!(again.contains("已签到"));
    let bad =
        x.t.send(post_form(
            &format!("/meetings/{id}/checkin"),
            Some(&mt),
            Some(&mc),
            "code=ZZZZZZZZ",
        ))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(bad).await.contains("签到码无效或已过期"));
    // A member of another branch scanning is told plainly.
    let res =
        x.t.send(get(
            &format!("/meetings/{id}/checkin?code={code}"),
            Some(&x.stranger),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("不在本次会议的应到人员名单中"));
    // 代签 with a reason; the member page shows their own status.
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/attendance"),
            Some(&tok),
            Some(&csrf),
            &format!(
                "member_id={}&present=1&reason=%E6%89%8B%E6%9C%BA%E6%B2%A1%E7%94%B5",
                x.members[1].0
            ),
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let mine = text(x.t.send(get(&page, Some(&mt))).await).await;
    assert!(mine.contains("我的状态：<strong>已签到"));
    let api = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &tok,
        ))
        .await,
    )
    .await;
    assert_eq!(api["present"], 2);
}
db_test!(planning_and_checking_in_through_the_pages);
