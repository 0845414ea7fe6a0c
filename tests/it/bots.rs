//! Group bots on both backends, against a local stand-in webhook: secrets and tokens never come
//! back, bad addresses are refused, notices / meetings / reminders / 通报 are queued in the
//! transaction that caused them and sent by the job (`DingTalk` signed as documented), failures
//! are retried with back-off, repeated failures pause the bot and warn its officers, and a
//! message caught mid-send by a crash is marked uncertain and never sent twice.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::bots_support::{self, Hook, Mode};
use crate::db_test;
use crate::meetings::{Branch, branch_with, json_of, send_json};
use crate::support::{Backend, bearer_get, post_form};

/// POSTs JSON to the API with a bearer token: (status, body).
async fn post(x: &Branch, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let res = x.t.send(send_json(Method::POST, path, token, body)).await;
    let s = res.status();
    (s, json_of(res).await)
}

async fn add(x: &Branch, body: &Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    post(x, &x.officer, &path, body).await
}

/// (event, status, attempts) of every delivery, oldest first.
async fn deliveries(x: &Branch) -> Vec<(String, String, i64)> {
    const SQL: &str =
        "SELECT event_kind, status, CAST(attempts AS BIGINT) FROM bot_deliveries ORDER BY id";
    match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await.unwrap(),
        zhibu::db::Db::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await.unwrap(),
    }
}

async fn run(x: &Branch) -> usize {
    zhibu::bots::deliver::run_once(&x.t.app, &bots_support::hooks(&x.t.app))
        .await
        .unwrap()
}

async fn local(b: Backend) -> Branch {
    branch_with(b, bots_support::local).await
}

async fn wecom(x: &Branch, hook: &Hook, events: &[&str]) -> i64 {
    let (s, v) = add(
        x,
        &json!({"name": "支部群", "kind": "wecom", "webhook_url": hook.url, "events": events}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn bots_keep_secrets_and_refuse_bad_addresses(b: Backend) {
    let x = local(b).await;
    let hook = bots_support::start().await;
    for (bad, why) in [
        (
            json!({"name": "群", "kind": "wecom", "webhook_url": "ftp://x.cn/h"}),
            "scheme",
        ),
        (
            json!({"name": "群", "kind": "wecom", "webhook_url": "javascript:alert(1)"}),
            "js",
        ),
        (
            json!({"name": "群", "kind": "qq", "webhook_url": hook.url}),
            "kind",
        ),
        (
            json!({"name": "", "kind": "wecom", "webhook_url": hook.url}),
            "name",
        ),
        (
            json!({"name": "群", "kind": "wecom", "webhook_url": hook.url, "secret": "s"}),
            "wecom secret",
        ),
        (
            json!({"name": "群", "kind": "wecom", "webhook_url": hook.url, "events": ["bogus"]}),
            "event",
        ),
    ] {
        let (s, v) = add(&x, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {v}");
    }
    let (s, _) = add(&x, &json!({"name": 1})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(x.t.rows("bots").await, 0, "nothing written for bad input");
    let (s, v) = add(
        &x,
        &json!({"name": "钉钉群", "kind": "dingtalk", "webhook_url": hook.url,
            "secret": "SECtopsecret", "events": ["notice"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["signed"], true);
    let listed =
        x.t.send(bearer_get(
            &format!("/api/v1/orgs/{}/bots", x.branch),
            &x.officer,
        ))
        .await;
    assert_eq!(listed.status(), StatusCode::OK);
    let text = json_of(listed).await.to_string();
    for shown in [text.as_str(), &v.to_string()] {
        assert!(
            !shown.contains("SECtopsecret") && !shown.contains("tok-secret"),
            "{shown}"
        );
    }
    assert!(
        text.contains("…-123"),
        "the address is shown masked: {text}"
    );
    // Members and other branches' officers neither see nor test it.
    for tok in [&x.members[0].1, &x.outsider_officer] {
        let res =
            x.t.send(bearer_get(&format!("/api/v1/bots/{id}/deliveries"), tok))
                .await;
        assert!(matches!(
            res.status(),
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
        ));
        let (status, _) = post(&x, tok, &format!("/api/v1/bots/{id}/test"), &json!({})).await;
        assert!(matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
        ));
    }
    // The test message goes out signed as DingTalk documents it.
    let (status, _) = post(
        &x,
        &x.officer,
        &format!("/api/v1/bots/{id}/test"),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(run(&x).await, 1);
    let seen = hook.seen();
    assert_eq!(seen.len(), 1);
    let ms = (x.t.app.now().unix_timestamp_nanos() / 1_000_000).to_string();
    let sign: String = url::form_urlencoded::byte_serialize(
        zhibu::bots::model::dingtalk_sign("SECtopsecret", ms.parse().unwrap()).as_bytes(),
    )
    .collect();
    assert_eq!(
        seen[0].0,
        format!("access_token=tok-secret-123&timestamp={ms}&sign={sign}")
    );
    assert_eq!(seen[0].1["msgtype"], "markdown");
    assert_eq!(
        deliveries(&x).await,
        vec![("test".into(), "sent".into(), 1)]
    );
    let log =
        x.t.send(bearer_get(
            &format!("/api/v1/bots/{id}/deliveries"),
            &x.officer,
        ))
        .await;
    let log = json_of(log).await;
    assert_eq!(log["deliveries"][0]["status"], "sent");
    assert_eq!(x.t.audit_count("bot.create").await, 1);
    assert_eq!(x.t.audit_count("bot.test").await, 1);
    // SEC-25: the audit log holds neither the token nor the secret.
    let leaked = "(SELECT * FROM audit_log WHERE detail LIKE '%tok-secret%'
        OR detail LIKE '%SECtopsecret%') AS a";
    assert_eq!(x.t.rows(leaked).await, 0);
}
db_test!(bots_keep_secrets_and_refuse_bad_addresses);

async fn bots_forward_what_they_are_told_and_retry_with_back_off(b: Backend) {
    let x = local(b).await;
    let hook = bots_support::start().await;
    wecom(
        &x,
        &hook,
        &["notice", "meeting_scheduled", "notice_reminder"],
    )
    .await;
    hook.set(Mode::ServerError);
    let body = json!({"org_id": x.branch, "title": "十二月主题党日", "body": "请准时参加",
        "receipt_required": true, "audience": {"subtrees": [x.branch]}});
    let (status, v) = post(&x, &x.officer, "/api/v1/notices", &body).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the request does not wait for the hook"
    );
    let notice = v["id"].as_i64().unwrap();
    // A notice to chosen members stays out of the group.
    let only = json!({"org_id": x.branch, "title": "个别通知", "body": "请来一趟",
        "audience": {"members": [x.members[0].0]}});
    let (status, _) = post(&x, &x.officer, "/api/v1/notices", &only).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        deliveries(&x).await,
        vec![("notice".into(), "pending".into(), 0)]
    );
    assert_eq!(run(&x).await, 1);
    assert_eq!(
        deliveries(&x).await,
        vec![("notice".into(), "pending".into(), 1)]
    );
    assert_eq!(run(&x).await, 0, "waits 30 s before the next attempt");
    hook.set(Mode::Accept);
    x.t.clock.advance(Duration::seconds(31));
    assert_eq!(run(&x).await, 1);
    assert_eq!(
        deliveries(&x).await,
        vec![("notice".into(), "sent".into(), 2)]
    );
    let seen = hook.seen();
    assert_eq!(seen.len(), 2);
    let text = seen[1].1["markdown"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains("十二月主题党日") && text.contains("请准时参加"),
        "{text}"
    );
    // A reminder, and a meeting, each once; meeting reminders are not forwarded by this bot.
    let remind = format!("/api/v1/notices/{notice}/remind");
    let (status, _) = post(&x, &x.officer, &remind, &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    crate::meetings::plan(&x, &["theme_day"], "2026-11-28T11:30").await;
    zhibu::notices::reminders::meetings(&x.t.app).await.unwrap();
    let kinds: Vec<String> = deliveries(&x).await.into_iter().map(|d| d.0).collect();
    assert_eq!(
        kinds,
        vec!["notice", "notice_reminder", "meeting_scheduled"]
    );
    assert_eq!(run(&x).await, 2);
    assert_eq!(hook.seen().len(), 4);
}
db_test!(bots_forward_what_they_are_told_and_retry_with_back_off);

async fn bots_pause_after_repeated_failures_and_warn_officers(b: Backend) {
    let x = local(b).await;
    let hook = bots_support::start().await;
    hook.set(Mode::PlatformError);
    let id = wecom(&x, &hook, &["notice"]).await;
    for _ in 0..5 {
        zhibu::bots::service::test(
            &x.t.app,
            &zhibu::audit::Actor::cli("t"),
            &zhibu::auth::Scope::operator(),
            id,
        )
        .await
        .unwrap();
    }
    assert_eq!(run(&x).await, 5);
    let bot = zhibu::bots::rows::get(&mut x.t.app.db.conn().await.unwrap().exec(), id)
        .await
        .unwrap();
    assert!(bot.paused(), "paused after five failures in a row");
    assert!(
        bot.paused_reason.contains("310000"),
        "{}",
        bot.paused_reason
    );
    assert_eq!(x.t.audit_count("bot.pause").await, 1);
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(crate::support::get("/notifications", Some(&tok)))
            .await;
    let page = crate::support::text(res).await;
    assert!(page.contains("已自动暂停"), "the officers are warned");
    // While paused nothing new is queued for it.
    let body = json!({"org_id": x.branch, "title": "通知", "body": "内容",
        "audience": {"orgs": [x.branch]}});
    let (status, _) = post(&x, &x.officer, "/api/v1/notices", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(deliveries(&x).await.iter().all(|d| d.0 == "test"));
    // Resuming from the page clears the count; a second resume says so.
    let res =
        x.t.send(post_form(
            &format!("/bots/{id}/resume"),
            Some(&tok),
            Some(&csrf),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let bot = zhibu::bots::rows::get(&mut x.t.app.db.conn().await.unwrap().exec(), id)
        .await
        .unwrap();
    assert!(!bot.paused() && bot.failures == 0);
    let res =
        x.t.send(post_form(
            &format!("/bots/{id}/resume"),
            Some(&tok),
            Some(&csrf),
            "",
        ))
        .await;
    let flash = crate::meeting_pages::flash(&res);
    assert!(
        flash.contains(&format!("error.{}", hex::encode("该机器人未暂停"))),
        "{flash}"
    );
}
db_test!(bots_pause_after_repeated_failures_and_warn_officers);

async fn bots_never_send_twice_across_a_crash_and_time_out_slow_hooks(b: Backend) {
    let x = local(b).await;
    let hook = bots_support::start().await;
    let id = wecom(&x, &hook, &["notice"]).await;
    let op = zhibu::auth::Scope::operator();
    let cli = zhibu::audit::Actor::cli("t");
    zhibu::bots::service::test(&x.t.app, &cli, &op, id)
        .await
        .unwrap();
    // A run claimed it and the process died before the answer was recorded.
    let claim =
        "UPDATE bot_deliveries SET status = 'sending', attempts = 1, claimed_at = next_attempt_at";
    match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => drop(sqlx::query(claim).execute(p).await.unwrap()),
        zhibu::db::Db::Postgres(p) => drop(sqlx::query(claim).execute(p).await.unwrap()),
    }
    assert_eq!(run(&x).await, 0, "a fresh claim is left to its worker");
    x.t.clock.advance(Duration::seconds(60));
    assert_eq!(run(&x).await, 0);
    assert_eq!(
        deliveries(&x).await,
        vec![("test".into(), "uncertain".into(), 1)]
    );
    assert!(hook.seen().is_empty(), "not sent again");
    // A hook that hangs costs one timeout, and the message waits for its next attempt.
    hook.set(Mode::Hang);
    zhibu::bots::service::test(&x.t.app, &cli, &op, id)
        .await
        .unwrap();
    let t = std::time::Instant::now();
    assert_eq!(run(&x).await, 1);
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    let d = deliveries(&x).await;
    assert_eq!(d[1], ("test".into(), "pending".into(), 1));
    let log = zhibu::bots::rows::log(&mut x.t.app.db.conn().await.unwrap().exec(), id, 5)
        .await
        .unwrap();
    assert_eq!(log[0].response, zhibu::bots::answer::UNDELIVERED);
    // Given up after a day rather than posted late.
    x.t.clock.advance(Duration::hours(25));
    run(&x).await;
    assert_eq!(deliveries(&x).await[1].1, "failed");
}
db_test!(bots_never_send_twice_across_a_crash_and_time_out_slow_hooks);
