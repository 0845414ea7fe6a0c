//! Group bots as a way into the network, on both backends (SEC-38, SEC-44): internal addresses
//! in every spelling are refused when saved and, for names and for bots saved before the rule,
//! when connecting; `bots.allowed_hosts` is the only way through; the delivery log keeps the
//! platform's code and never a body, and reads the same for a closed port and a refused
//! address; test sends are limited per account and per bot, and the excess is audited.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use zhibu::bots::address::REFUSED;
use zhibu::bots::answer::UNDELIVERED;

use crate::bots_support::{self, MARKER, Mode};
use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::{Branch, branch, branch_with, json_of, send_json};
use crate::support::{Backend, bearer_get, closed_port, get, post_form, text};

async fn api(x: &Branch, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let res = x.t.send(send_json(Method::POST, path, token, body)).await;
    let s = res.status();
    (s, json_of(res).await)
}

/// A bot stored as it was typed, past the save-time check: a bot saved before the rule, or a
/// name whose DNS was pointed inside later.
async fn stored(x: &Branch, url: &str) -> i64 {
    let nb = zhibu::bots::rows::NewBot {
        org_id: x.branch,
        name: "群",
        kind: "wecom",
        url,
        secret: None,
        events: ",notice,",
    };
    let app = &x.t.app;
    zhibu::bots::rows::insert(
        &mut app.db.conn().await.unwrap().exec(),
        &nb,
        None,
        app.now(),
    )
    .await
    .unwrap()
}

async fn send_test(x: &Branch, id: i64) {
    let op = zhibu::auth::Scope::operator();
    zhibu::bots::service::test(&x.t.app, &zhibu::audit::Actor::cli("t"), &op, id)
        .await
        .unwrap();
}

async fn run(x: &Branch) {
    zhibu::bots::deliver::run_once(&x.t.app, &bots_support::hooks(&x.t.app))
        .await
        .unwrap();
}

/// The latest recorded answer of a bot.
async fn answer(x: &Branch, id: i64) -> String {
    let log = zhibu::bots::rows::log(&mut x.t.app.db.conn().await.unwrap().exec(), id, 1)
        .await
        .unwrap();
    log[0].response.clone()
}

const INSIDE: [&str; 22] = [
    "127.0.0.1",
    "localhost",
    "LocalHost.",
    "0.0.0.0",
    "0",
    "2130706433",
    "0x7f000001",
    "127.1",
    "0177.0.0.1",
    "[::ffff:127.0.0.1]",
    "[::1]",
    "[::]",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "[fd00::1]",
    "[fe80::1]",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
];

async fn sec_38_internal_addresses_are_refused_when_saved(b: Backend) {
    let x = branch(b).await;
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    for host in INSIDE {
        let url = format!("http://{host}:8080/robot/send?access_token=t");
        let body = json!({"name": "群", "kind": "wecom", "webhook_url": url});
        let (s, v) = api(&x, &x.officer, &path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{host}: {v}");
        assert_eq!(v["error"]["message"], REFUSED, "{host}");
    }
    // The page says so too, and a bot cannot be re-pointed inside either.
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let form = format!(
        "org_id={}&name=%E7%BE%A4&kind=wecom&webhook_url=http%3A%2F%2F2130706433%2Fh&events=notice",
        x.branch
    );
    let res =
        x.t.send(post_form("/bots", Some(&ot), Some(&oc), &form))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains(REFUSED));
    assert_eq!(x.t.rows("bots").await, 0, "nothing saved");
    let body = json!({"name": "群", "kind": "wecom",
        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"});
    let (s, v) = api(&x, &x.officer, &path, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let res =
        x.t.send(post_form(
            &format!("/bots/{id}"),
            Some(&ot),
            Some(&oc),
            "name=x&events=notice&webhook_url=http%3A%2F%2F%5B%3A%3Affff%3A127.0.0.1%5D%2Fh",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains(REFUSED));
    let bot = zhibu::bots::rows::get(&mut x.t.app.db.conn().await.unwrap().exec(), id)
        .await
        .unwrap();
    assert!(bot.webhook_url.starts_with("https://qyapi"), "unchanged");
}
db_test!(sec_38_internal_addresses_are_refused_when_saved);

async fn sec_38_names_and_spellings_pointing_inside_fail_when_connecting(b: Backend) {
    let x = branch(b).await;
    let hook = bots_support::start().await;
    let port = hook
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let mut ids = Vec::new();
    for host in [
        "localhost",
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "127.1",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::127.0.0.1]",
    ] {
        let id = stored(
            &x,
            &format!("http://{host}:{port}/robot/send?access_token=t"),
        )
        .await;
        send_test(&x, id).await;
        ids.push((host, id));
    }
    run(&x).await;
    assert!(hook.seen().is_empty(), "nothing reached the local service");
    for (host, id) in ids {
        assert_eq!(answer(&x, id).await, UNDELIVERED, "{host}");
    }
}
db_test!(sec_38_names_and_spellings_pointing_inside_fail_when_connecting);

async fn sec_38_allowed_hosts_let_the_stand_in_through_and_failures_read_alike(b: Backend) {
    let x = branch_with(b, bots_support::local).await;
    let hook = bots_support::start().await;
    let port = hook
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    let mut ids = Vec::new();
    let (_held, closed) = closed_port();
    // 127.0.0.1 is allowed, and so is a name resolving to it when connecting.
    for url in [
        hook.url.clone(),
        format!("http://127.0.0.1:{closed}/robot/send"),
    ] {
        let body = json!({"name": "群", "kind": "wecom", "webhook_url": url});
        let (s, v) = api(&x, &x.officer, &path, &body).await;
        assert_eq!(s, StatusCode::CREATED, "{url}: {v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    ids.insert(
        1,
        stored(&x, &format!("http://localhost:{port}/robot/send")).await,
    );
    // ::1 and 10/8 stay refused.
    ids.push(stored(&x, &format!("http://[::1]:{port}/robot/send")).await);
    ids.push(stored(&x, "http://10.255.255.1:9/robot/send").await);
    for id in &ids {
        send_test(&x, *id).await;
    }
    run(&x).await;
    assert_eq!(
        hook.seen().len(),
        2,
        "the allowed ones reached the stand-in"
    );
    assert_eq!(answer(&x, ids[0]).await, "平台已接收");
    assert_eq!(answer(&x, ids[1]).await, "平台已接收");
    // A closed port and a refused address read exactly alike.
    for id in &ids[2..] {
        assert_eq!(answer(&x, *id).await, UNDELIVERED);
    }
}
db_test!(sec_38_allowed_hosts_let_the_stand_in_through_and_failures_read_alike);

async fn sec_38_the_delivery_log_holds_no_body(b: Backend) {
    let x = branch_with(b, bots_support::local).await;
    let hook = bots_support::start().await;
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    let body = json!({"name": "群", "kind": "wecom", "webhook_url": hook.url});
    let (_, v) = api(&x, &x.officer, &path, &body).await;
    let id = v["id"].as_i64().unwrap();
    for (mode, expected) in [
        (Mode::HtmlError, "平台返回错误（HTTP 502）"),
        (Mode::HtmlOk, "平台已接收"),
        (Mode::ServerError, "平台返回错误（HTTP 500）"),
        (Mode::PlatformError, "平台返回错误：310000 sign not match"),
    ] {
        hook.set(mode);
        send_test(&x, id).await;
        run(&x).await;
        assert_eq!(answer(&x, id).await, expected, "{mode:?}");
    }
    let (ot, _) = x.t.session(x.officer_uid).await;
    let page = text(x.t.send(get(&format!("/bots/{id}"), Some(&ot))).await).await;
    assert!(page.contains("平台返回错误（HTTP 502）"));
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/bots/{id}/deliveries"),
            &x.officer,
        ))
        .await;
    let log = json_of(res).await.to_string();
    assert!(log.contains("平台已接收"), "{log}");
    let stored = "(SELECT id FROM bot_deliveries WHERE response LIKE '%MARKER%'
        OR response LIKE '%boom%' OR response LIKE '%<%') AS d";
    assert_eq!(x.t.rows(stored).await, 0);
    for shown in [&page, &log] {
        assert!(
            !shown.contains(MARKER) && !shown.contains("10.0.0.5"),
            "{shown}"
        );
        assert!(!shown.contains("boom"));
    }
}
db_test!(sec_38_the_delivery_log_holds_no_body);

async fn sec_44_test_sends_are_limited_per_account_and_per_bot(b: Backend) {
    let x = branch_with(b, |c| {
        bots_support::local(c);
        c.bots.test_sends_per_10min = 3;
    })
    .await;
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    let body = json!({"name": "群", "kind": "wecom", "webhook_url": "http://127.0.0.1:9/h"});
    let (_, v) = api(&x, &x.officer, &path, &body).await;
    let first = v["id"].as_i64().unwrap();
    let (_, v) = api(&x, &x.officer, &path, &body).await;
    let second = v["id"].as_i64().unwrap();
    let test = |id: i64| format!("/api/v1/bots/{id}/test");
    for _ in 0..3 {
        let (s, v) = api(&x, &x.officer, &test(first), &json!({})).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    }
    let (s, v) = api(&x, &x.officer, &test(first), &json!({})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["error"]["code"], "rate_limited");
    assert_eq!(v["error"]["message"], "发送测试消息过于频繁，请稍后再试");
    // Per account: another bot does not help.
    let (s, _) = api(&x, &x.officer, &test(second), &json!({})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // Per bot: another officer of the branch is refused on the first bot, not on the second.
    let other = x.t.user("weiyuan", "officer", Some(x.branch)).await;
    let (ot, oc) = x.t.session(other).await;
    let res =
        x.t.send(post_form(
            &format!("/bots/{first}/test"),
            Some(&ot),
            Some(&oc),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = flash(&res);
    assert!(
        cookie.contains(&format!(
            "error.{}",
            hex::encode("发送测试消息过于频繁，请稍后再试")
        )),
        "{cookie}"
    );
    let res =
        x.t.send(post_form(
            &format!("/bots/{second}/test"),
            Some(&ot),
            Some(&oc),
            "",
        ))
        .await;
    assert!(flash(&res).contains("zhibu_flash=success."));
    assert_eq!(
        x.t.rows("bot_deliveries").await,
        4,
        "nothing queued for the excess"
    );
    assert_eq!(x.t.audit_count("bot.test").await, 4);
    assert_eq!(x.t.audit_count("bot.rate_limited").await, 3);
    let failures = "(SELECT id FROM audit_log WHERE action = 'bot.rate_limited'
        AND result = 'failure') AS a";
    assert_eq!(x.t.rows(failures).await, 3);
    // Removing and adding the bot again does not reset the account's count; time does.
    let res =
        x.t.send(post_form(
            &format!("/bots/{first}/delete"),
            Some(&ot),
            Some(&oc),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, v) = api(&x, &x.officer, &path, &body).await;
    let third = v["id"].as_i64().unwrap();
    let (s, _) = api(&x, &x.officer, &test(third), &json!({})).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    x.t.clock.advance(Duration::minutes(11));
    let relogin = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/bots/{third}/test"),
            Some(&relogin.0),
            Some(&relogin.1),
            "",
        ))
        .await;
    assert!(
        flash(&res).contains("zhibu_flash=success."),
        "{}",
        flash(&res)
    );
}
db_test!(sec_44_test_sends_are_limited_per_account_and_per_bot);
