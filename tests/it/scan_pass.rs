//! A member scans the room QR while signed out, signs in, perhaps sets a new password first,
//! and is still checked in although the code on the screen has rotated meanwhile: the scan left
//! a pass in their browser. The pass is for that meeting and a few minutes only, is not in the
//! link, and goes once it is used.

use axum::http::{StatusCode, header};
use time::Duration;

use crate::db_test;
use crate::meetings::{branch, code, plan};
use crate::support::{Backend, get, location, post_form, text};

fn set_cookie(res: &axum::http::Response<axum::body::Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// A request with the session and the scan pass as cookies.
fn with_pass(
    mut req: axum::http::Request<axum::body::Body>,
    session: &str,
    pass: &str,
) -> axum::http::Request<axum::body::Body> {
    let v = format!("zhibu_session={session}; {pass}");
    req.headers_mut().insert(header::COOKIE, v.parse().unwrap());
    req
}

async fn scan_before_login_survives_rotation_and_password_change(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T10:00").await;
    let c = code(&x, id).await;
    // Signed out, a valid code leaves the pass and sends the member to log in, the way back
    // without the code in it.
    let res =
        x.t.send(get(&format!("/meetings/{id}/checkin?code={c}"), None))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert_eq!(to, format!("/login?next=%2Fmeetings%2F{id}%2Fcheckin"));
    let pass = set_cookie(&res, "zhibu_scan").expect("a pass cookie");
    assert!(
        set_cookie(&res, "zhibu_flash").is_some(),
        "the login page is told which meeting waits"
    );
    let login = text(x.t.send(get(&to, None)).await).await;
    assert!(
        login.contains("登录后即可完成本次会议签到"),
        "the login page says why"
    );
    // A wrong code leaves nothing and keeps the code in the way back.
    let res =
        x.t.send(get(&format!("/meetings/{id}/checkin?code=ZZZZZZZZ"), None))
            .await;
    assert!(set_cookie(&res, "zhibu_scan").is_none());
    assert!(location(&res).contains("code%3DZZZZZZZZ"));

    // The member must set a new password first; where they were going waits.
    let uid = x.member_uids[0];
    {
        let mut conn = x.t.app.db.conn().await.unwrap();
        let mut ex = conn.exec();
        zhibu::on!(&mut ex, c => sqlx::query("UPDATE users SET must_change_password = TRUE WHERE id = $1")
            .bind(uid).execute(c).await.unwrap().rows_affected());
    }
    let (tok, csrf) = x.t.session(uid).await;
    let res =
        x.t.send(get(&format!("/meetings/{id}/checkin"), Some(&tok)))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let change = location(&res);
    assert_eq!(
        change,
        format!("/account/password?next=%2Fmeetings%2F{id}%2Fcheckin")
    );
    let form = text(x.t.send(get(&change, Some(&tok))).await).await;
    assert!(form.contains(&format!("name=\"next\" value=\"/meetings/{id}/checkin\"")));

    // Five minutes later the screen shows another code; the old one alone no longer works,
    // but with the pass the member confirms without typing anything.
    x.t.clock.advance(Duration::minutes(5));
    {
        let mut conn = x.t.app.db.conn().await.unwrap();
        let mut ex = conn.exec();
        zhibu::on!(&mut ex, c => sqlx::query("UPDATE users SET must_change_password = FALSE WHERE id = $1")
            .bind(uid).execute(c).await.unwrap().rows_affected());
    }
    let stale =
        x.t.send(post_form(
            &format!("/meetings/{id}/checkin"),
            Some(&tok),
            Some(&csrf),
            &format!("code={c}"),
        ))
        .await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page =
        x.t.send(with_pass(
            get(&format!("/meetings/{id}/checkin"), None),
            &tok,
            &pass,
        ))
        .await;
    let html = text(page).await;
    assert!(html.contains("您已扫描会场二维码"), "{html}");
    let done =
        x.t.send(with_pass(
            post_form(
                &format!("/meetings/{id}/checkin"),
                None,
                Some(&csrf),
                "code=",
            ),
            &tok,
            &pass,
        ))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let cleared = set_cookie(&done, "zhibu_scan").expect("the pass is cleared");
    assert_eq!(cleared, "zhibu_scan=");
    assert!(text(done).await.contains("签到成功"));

    // The pass was good once: handed to someone who was not in the room, it does nothing.
    let (tok1, csrf1) = x.t.session(x.member_uids[1]).await;
    let res =
        x.t.send(with_pass(
            post_form(
                &format!("/meetings/{id}/checkin"),
                None,
                Some(&csrf1),
                "code=",
            ),
            &tok1,
            &pass,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("已被他人使用"));

    // Another member's pass runs out after ten minutes.
    let res =
        x.t.send(get(
            &format!("/meetings/{id}/checkin?code={}", code(&x, id).await),
            None,
        ))
        .await;
    let late = set_cookie(&res, "zhibu_scan").unwrap();
    x.t.clock.advance(Duration::minutes(11));
    let (tok2, csrf2) = x.t.session(x.member_uids[1]).await;
    let res =
        x.t.send(with_pass(
            post_form(
                &format!("/meetings/{id}/checkin"),
                None,
                Some(&csrf2),
                "code=",
            ),
            &tok2,
            &late,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("签到码无效或已过期"));
    assert_eq!(x.t.audit_count("meeting.checkin").await, 1);
}
db_test!(scan_before_login_survives_rotation_and_password_change);
