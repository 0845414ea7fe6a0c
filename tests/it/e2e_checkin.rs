//! Real-browser journeys of a meeting held in the room (run with `ZHIBU_E2E=1`): a member who
//! has never signed in scans the room's QR code on a phone, signs in with the activation code
//! from the slip the 书记 printed, sets a password and is checked in; and the recorder marks a
//! roll from a paper sign-in sheet in one go.

use crate::e2e_support::{meeting_under_way, start};

fn between<'a>(s: &'a str, before: &str, after: &str) -> &'a str {
    s.split(before)
        .nth(1)
        .and_then(|r| r.split(after).next())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn a_new_member_scans_activates_and_is_checked_in() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    // The 书记 issues accounts: a progress page, then the slips with the address and a QR code.
    env.login("jg1shuji").await;
    b.go(&format!("{base}/members/accounts")).await;
    assert!(
        b.source().await.contains("名党员还没有账号"),
        "members without accounts in the demo"
    );
    b.press("form.actions button[type=submit]").await;
    let _ = b.wait(async |b| b.alert_text().await.is_some()).await;
    b.accept_alert().await;
    assert!(
        b.wait(async |b| b.source().await.contains("党员账号开通通知"))
            .await,
        "slips after the progress page"
    );
    let slips = b.source().await;
    assert!(slips.contains("/account/login-qr.svg") && slips.contains(&format!("{base}/login")));
    let username = between(&slips, "<dt>用户名</dt><dd><code>", "<").to_owned();
    let code = between(&slips, "<dt>激活码</dt><dd><code>", "<").to_owned();
    assert!(
        !username.is_empty() && code.len() == 11,
        "{username} {code}"
    );
    // The room screen's code, scanned on a phone that has never signed in.
    let href = meeting_under_way(b, base).await;
    b.go(&format!("{base}{href}/screen")).await;
    assert!(
        b.wait(async |b| b.source().await.contains("data-code"))
            .await
    );
    let room = b.text_of("[data-code]").await;
    b.delete_cookies().await;
    b.size(375, 812).await;
    b.go(&format!("{base}{href}/checkin?code={room}")).await;
    assert!(
        b.wait(async |b| b.url().await.contains("/login")).await,
        "signed out: to the login page"
    );
    let login = b.source().await;
    assert!(
        login.contains("登录后完成签到：") && login.contains("主题党日暨专题党课"),
        "the login says what it is for"
    );
    assert!(login.contains("密码或激活码"));
    b.type_into("#username", &username).await;
    // Typed as a phone keyboard would: lower case, without the hyphen.
    b.type_into("#password", &code.replace('-', "").to_lowercase())
        .await;
    b.press("button[type=submit]").await;
    assert!(
        b.wait(async |b| b.url().await.contains("/account/password"))
            .await,
        "a new password first"
    );
    b.type_into("#current", &code).await;
    b.type_into("#new_password", "Xin-Mima#2026").await;
    b.type_into("#confirm", "Xin-Mima#2026").await;
    b.press("form.form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("确认后即完成签到"))
            .await,
        "back at the check-in, the scan remembered: {}",
        b.source()
            .await
            .split("<main")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(800)
            .collect::<String>()
    );
    b.press("form.form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("签到成功"))
            .await,
        "checked in"
    );
    // Opening the link again says so instead of offering the form.
    b.go(&format!("{base}{href}/checkin")).await;
    let again = b.source().await;
    assert!(again.contains("您已签到") && !again.contains("确认签到"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn a_paper_roll_is_marked_in_one_go() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji").await;
    b.size(375, 812).await;
    let href = meeting_under_way(b, base).await;
    b.go(&format!("{base}{href}?roll=1")).await;
    let page = b.source().await;
    assert!(page.contains("全部到会"), "the roll opens with its boxes");
    let boxes = b
        .run("return document.querySelectorAll('input[form=bulk][name=member_id]:not([data-leave])').length")
        .await
        .as_u64()
        .unwrap();
    assert!(boxes >= 2, "members to mark: {boxes}");
    // Everyone present, then the one who was not.
    b.press("input[data-check-all]").await;
    let ticked = b
        .run("return document.querySelectorAll('input[form=bulk][name=member_id]:checked').length")
        .await
        .as_u64()
        .unwrap();
    assert_eq!(ticked, boxes);
    b.press("input[form=bulk][name=member_id]:checked").await;
    b.press("form#bulk button[type=submit]").await;
    let want = format!("已代签 {} 人", boxes - 1);
    assert!(
        b.wait(async |b| b.source().await.contains(&want)).await,
        "{want}: {}",
        b.source()
            .await
            .split("<main")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(800)
            .collect::<String>()
    );
    assert!(b.url().await.contains("roll=1"), "the roll stays open");
    assert!(b.source().await.contains("id=\"roll\" open"));
    let left = b
        .run("return document.querySelectorAll('input[form=bulk][name=member_id]:not([data-leave])').length")
        .await
        .as_u64()
        .unwrap();
    assert_eq!(left, 1, "only the unticked member is still to mark");
    let overflow = b
        .run("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(
        overflow,
        serde_json::Value::Bool(true),
        "no sideways scrolling at 375 px"
    );
}
