//! The calls of the API contract test (`api_contract.rs`), area by area, on the demo data:
//! the 党委 administrator `dwadmin`, the secretaries of two branches `jg1shuji` and
//! `jg2shuji`, and the member `dangyuan` of the first branch. Objects the demo does not hold
//! (a bot, a transfer, a claim, a leave) are made through the API first.

use axum::http::Method;
use serde_json::{Value, json};

use crate::api_contract::Contract;

/// Who is who in the demo.
struct Cast {
    admin: String,
    officer: String,
    other_officer: String,
    member: String,
    branch: i64,
    other_branch: i64,
    member_id: i64,
}

pub async fn run(c: &mut Contract) {
    let x = auth(c).await;
    orgs(c, &x).await;
    let roster = members(c, &x).await;
    transfers(c, &x, &roster).await;
    meetings(c, &x).await;
    points(c, &x).await;
    notices(c, &x).await;
    feed(c, &x).await;
    bots(c, &x).await;
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn auth(c: &mut Contract) -> Cast {
    c.call(
        Method::GET,
        "/api/v1/openapi.json",
        "/api/v1/openapi.json",
        None,
        None,
        200,
    )
    .await;
    let login = "/api/v1/auth/login";
    let bad = json!({"username": "dangyuan", "password": "wrong"});
    let e = c
        .call(Method::POST, login, login, None, Some(bad), 401)
        .await;
    assert_eq!(e["error"]["code"], "invalid_credentials");
    let good = json!({"username": "dangyuan", "password": zhibu::demo::DEMO_PASSWORD});
    let v = c
        .call(Method::POST, login, login, None, Some(good), 200)
        .await;
    let token = v["token"].as_str().unwrap().to_owned();
    let me = c.get("/api/v1/me", "/api/v1/me", &token, 200).await;
    let member_id = me["user"]["member_id"].as_i64().unwrap();
    let confirm = "/api/v1/auth/confirm";
    let pw = json!({"password": zhibu::demo::DEMO_PASSWORD});
    c.send(Method::POST, confirm, confirm, &token, pw, 200)
        .await;
    let wrong = json!({"password": "wrong"});
    c.send(Method::POST, confirm, confirm, &token, wrong, 422)
        .await;
    let out = "/api/v1/auth/logout";
    c.call(Method::POST, out, out, Some(&token), None, 204)
        .await;
    c.call(
        Method::GET,
        "/api/v1/me",
        "/api/v1/me",
        Some(&token),
        None,
        401,
    )
    .await;
    let officer = c.login("jg1shuji").await;
    let other_officer = c.login("jg2shuji").await;
    let branch = c.get("/api/v1/me", "/api/v1/me", &officer, 200).await["user"]["org"]["id"]
        .as_i64()
        .unwrap();
    let other_branch = c.get("/api/v1/me", "/api/v1/me", &other_officer, 200).await["user"]["org"]
        ["id"]
        .as_i64()
        .unwrap();
    Cast {
        admin: c.login("dwadmin").await,
        member: c.login("dangyuan").await,
        officer,
        other_officer,
        branch,
        other_branch,
        member_id,
    }
}

async fn orgs(c: &mut Contract, x: &Cast) {
    let tree = c.get("/api/v1/orgs", "/api/v1/orgs", &x.admin, 200).await;
    let top = tree["orgs"][0]["id"].as_i64().unwrap();
    let t = "/api/v1/orgs/{id}";
    c.get(t, &format!("/api/v1/orgs/{top}"), &x.admin, 200)
        .await;
    c.get(t, &format!("/api/v1/orgs/{}", x.branch), &x.officer, 200)
        .await;
    c.get(
        t,
        &format!("/api/v1/orgs/{}", x.other_branch),
        &x.officer,
        404,
    )
    .await;
}

/// Returns ids of ordinary demo members of the officer's branch, other than `dangyuan`'s.
async fn members(c: &mut Contract, x: &Cast) -> Vec<i64> {
    let list = format!("/api/v1/members?org={}&per_page=20", x.branch);
    let v = c.get("/api/v1/members", &list, &x.officer, 200).await;
    let roster: Vec<i64> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .filter(|m| *m != x.member_id)
        .collect();
    let one = "/api/v1/members/{id}";
    c.get(
        one,
        &format!("/api/v1/members/{}", x.member_id),
        &x.officer,
        200,
    )
    .await;
    c.get(
        one,
        &format!("/api/v1/members/{}", roster[0]),
        &x.member,
        404,
    )
    .await;
    let body = json!({"org_id": x.branch, "category": "probationary", "entry": "develop",
        "fields": {"name": "预备甲", "id_number": "11010519491231002X", "ethnicity": "汉族",
            "education": "大学本科", "joined_on": "2025-03-01"}});
    let created = c
        .send(
            Method::POST,
            "/api/v1/members",
            "/api/v1/members",
            &x.officer,
            body,
            201,
        )
        .await;
    let new = id(&created);
    let dup = json!({"org_id": x.branch, "category": "full", "fields": {"name": "乙"}});
    let e = c
        .send(
            Method::POST,
            "/api/v1/members",
            "/api/v1/members",
            &x.officer,
            dup,
            422,
        )
        .await;
    assert!(
        e["error"]["fields"].is_array(),
        "every problem is listed: {e}"
    );
    let path = format!("/api/v1/members/{new}");
    let change = json!({"fields": {"job_title": "工程师"}});
    let v = c
        .send(Method::PATCH, one, &path, &x.officer, change, 200)
        .await;
    assert_eq!(v["job_title"], "工程师");
    assert_eq!(v["joined_on"], "2025-03-01", "dates are YYYY-MM-DD");
    let ev = json!({"kind": "convert", "occurred_on": "2026-03-02"});
    let events = "/api/v1/members/{id}/events";
    c.send(
        Method::POST,
        events,
        &format!("{path}/events"),
        &x.officer,
        ev,
        201,
    )
    .await;
    let unmask = "/api/v1/members/{id}/unmask";
    c.call(
        Method::POST,
        unmask,
        &format!("{path}/unmask"),
        Some(&x.officer),
        None,
        200,
    )
    .await;
    roster
}

async fn transfers(c: &mut Contract, x: &Cast, roster: &[i64]) {
    let base = "/api/v1/transfers";
    let internal = json!({"member_id": roster[0], "kind": "internal", "to_org_id": x.other_branch,
        "reason": "工作调动"});
    let t = c
        .send(Method::POST, base, base, &x.officer, internal, 201)
        .await;
    let tid = id(&t);
    c.get(base, base, &x.officer, 200).await;
    let one = "/api/v1/transfers/{id}";
    c.get(one, &format!("{base}/{tid}"), &x.officer, 200).await;
    let dec = "/api/v1/transfers/{id}/decision";
    let accept = json!({"accept": true, "note": "同意接收"});
    c.send(
        Method::POST,
        dec,
        &format!("{base}/{tid}/decision"),
        &x.other_officer,
        accept,
        200,
    )
    .await;
    let letter = json!({"member_id": roster[1], "kind": "outgoing", "destination": "外地党委",
        "valid_days": 30, "dues_paid_to": "2026-11", "reason": "迁居"});
    let l = c
        .send(Method::POST, base, base, &x.officer, letter, 201)
        .await;
    assert_eq!(l["issued_on"], "2026-11-28", "dates are YYYY-MM-DD");
    let receipt = "/api/v1/transfers/{id}/receipt";
    let on = json!({"receipt_on": "2026-11-28"});
    let path = format!("{base}/{}/receipt", id(&l));
    c.send(Method::POST, receipt, &path, &x.officer, on, 200)
        .await;
}

async fn meetings(c: &mut Contract, x: &Cast) {
    let base = "/api/v1/meetings";
    let plan = |start: &str, end: &str| {
        json!({"org_id": x.branch, "kinds": ["branch_general"], "title": "十一月支部党员大会",
            "starts_at": start, "ends_at": end, "place": "三楼会议室", "host_name": "刘书记",
            "recorder_name": "李委员", "agenda": ["学习传达会议精神"]})
    };
    let now = plan("2026-11-28T10:00", "2026-11-28T12:00");
    let m = c.send(Method::POST, base, base, &x.officer, now, 201).await;
    let mid = id(&m);
    let later = plan("2026-11-30T15:00", "2026-11-30T17:00");
    let l = c
        .send(Method::POST, base, base, &x.officer, later, 201)
        .await;
    let lid_meeting = id(&l);
    c.get(
        base,
        &format!("{base}?org={}&from=2026-11-01&to=2026-11-30", x.branch),
        &x.officer,
        200,
    )
    .await;
    let code = "/api/v1/meetings/{id}/checkin-code";
    let cc = c
        .get(code, &format!("{base}/{mid}/checkin-code"), &x.officer, 200)
        .await;
    let checkin = "/api/v1/meetings/{id}/checkin";
    let body = json!({"code": cc["code"]});
    c.send(
        Method::POST,
        checkin,
        &format!("{base}/{mid}/checkin"),
        &x.member,
        body,
        200,
    )
    .await;
    let att = "/api/v1/meetings/{id}/attendance";
    c.get(att, &format!("{base}/{mid}/attendance"), &x.officer, 200)
        .await;
    let own = c
        .get(att, &format!("{base}/{mid}/attendance"), &x.member, 200)
        .await;
    assert!(
        own.get("own").is_some() && own.get("roll").is_none(),
        "{own}"
    );
    let leave = "/api/v1/meetings/{id}/leave";
    let why = json!({"reason": "出差"});
    let lv = c
        .send(
            Method::POST,
            leave,
            &format!("{base}/{lid_meeting}/leave"),
            &x.member,
            why,
            201,
        )
        .await;
    let dec = "/api/v1/meetings/{id}/leaves/{lid}/decision";
    let path = format!("{base}/{lid_meeting}/leaves/{}/decision", id(&lv));
    c.send(
        Method::POST,
        dec,
        &path,
        &x.officer,
        json!({"approve": true}),
        200,
    )
    .await;
    let minutes = "/api/v1/meetings/{id}/minutes";
    let draft = json!({"speeches": "大家发言踊跃", "decisions": "同意"});
    c.send(
        Method::PUT,
        minutes,
        &format!("{base}/{mid}/minutes"),
        &x.officer,
        draft,
        200,
    )
    .await;
    let submit = json!({"speeches": "大家发言踊跃", "decisions": "同意", "submit": true});
    c.send(
        Method::PUT,
        minutes,
        &format!("{base}/{mid}/minutes"),
        &x.officer,
        submit,
        200,
    )
    .await;
    let one = "/api/v1/meetings/{id}";
    c.get(one, &format!("{base}/{mid}"), &x.officer, 200).await;
    c.get(one, &format!("{base}/{mid}"), &x.member, 200).await;
    let comp = "/api/v1/compliance";
    c.get(
        comp,
        &format!("{comp}?org={}&period=2026-Q4", x.branch),
        &x.officer,
        200,
    )
    .await;
    c.get(comp, &format!("{comp}?period=2026-13"), &x.officer, 400)
        .await;
}

async fn points(c: &mut Contract, x: &Cast) {
    let items = "/api/v1/points/items";
    c.get(items, &format!("{items}?org={}", x.branch), &x.officer, 200)
        .await;
    let item = json!({"org_id": x.branch, "code": "contract_help", "name": "结对帮扶",
        "category": "reward", "points": 2, "min_points": 1, "max_points": 3});
    c.send(Method::POST, items, items, &x.officer, item, 201)
        .await;
    let entries = "/api/v1/points/entries";
    let award = json!({"member_id": x.member_id, "item": "contract_help", "points": 2,
        "occurred_on": "2026-11-28", "reason": "结对帮扶困难党员"});
    c.send(Method::POST, entries, entries, &x.officer, award, 201)
        .await;
    let claims = "/api/v1/points/claims";
    let claim = json!({"item": "contract_help", "occurred_on": "2026-11-28",
        "description": "帮扶两户"});
    let cl = c
        .send(Method::POST, claims, claims, &x.member, claim, 201)
        .await;
    let dec = "/api/v1/points/claims/{id}/decision";
    let path = format!("{claims}/{}/decision", id(&cl));
    c.send(
        Method::POST,
        dec,
        &path,
        &x.officer,
        json!({"approve": true}),
        200,
    )
    .await;
    let ledger = "/api/v1/points/ledger";
    let v = c
        .get(ledger, &format!("{ledger}?period=2026-11"), &x.member, 200)
        .await;
    assert!(
        v["entries"][0]["occurred_on"]
            .as_str()
            .is_some_and(|d| d.len() == 10),
        "{v}"
    );
    let rank = "/api/v1/points/ranking";
    c.get(
        rank,
        &format!("{rank}?org={}&period=2026-11", x.branch),
        &x.officer,
        200,
    )
    .await;
    c.get(rank, &format!("{rank}?org=abc"), &x.officer, 400)
        .await;
    let grades = "/api/v1/points/grades";
    let v = c
        .get(
            grades,
            &format!("{grades}?org={}&year=2026", x.branch),
            &x.officer,
            200,
        )
        .await;
    assert!(v["members"][0]["basis_text"].is_string(), "{v}");
    c.get(grades, &format!("{grades}?year=x"), &x.officer, 400)
        .await;
}

async fn notices(c: &mut Contract, x: &Cast) {
    let base = "/api/v1/notices";
    let n = json!({"org_id": x.branch, "title": "关于开展主题党日的通知", "body": "<p>请准时参加。</p>",
        "receipt_required": true, "audience": {"orgs": [x.branch]}});
    let v = c.send(Method::POST, base, base, &x.officer, n, 201).await;
    let nid = id(&v);
    c.get(base, &format!("{base}?page=1&per_page=10"), &x.member, 200)
        .await;
    let one = "/api/v1/notices/{id}";
    c.get(one, &format!("{base}/{nid}"), &x.member, 200).await;
    let receipts = "/api/v1/notices/{id}/receipts";
    c.get(receipts, &format!("{base}/{nid}/receipts"), &x.officer, 200)
        .await;
    let remind = "/api/v1/notices/{id}/remind";
    c.call(
        Method::POST,
        remind,
        &format!("{base}/{nid}/remind"),
        Some(&x.officer),
        None,
        200,
    )
    .await;
}

async fn feed(c: &mut Contract, x: &Cast) {
    let base = "/api/v1/feed";
    c.send(
        Method::POST,
        base,
        base,
        &x.member,
        json!({"body": "今天参加了主题党日"}),
        201,
    )
    .await;
    let v = c.get(base, base, &x.member, 200).await;
    assert_eq!(v["posts"][0]["body"], "今天参加了主题党日");
    c.get(base, &format!("{base}?before=x"), &x.member, 400)
        .await;
}

async fn bots(c: &mut Contract, x: &Cast) {
    let hook = crate::bots_support::start().await;
    let list = "/api/v1/orgs/{id}/bots";
    let path = format!("/api/v1/orgs/{}/bots", x.branch);
    let bot = json!({"name": "支部群", "kind": "wecom", "webhook_url": hook.url,
        "events": ["notice"]});
    let b = c
        .send(Method::POST, list, &path, &x.officer, bot, 201)
        .await;
    let bid = id(&b);
    c.get(list, &path, &x.officer, 200).await;
    let test = "/api/v1/bots/{id}/test";
    c.call(
        Method::POST,
        test,
        &format!("/api/v1/bots/{bid}/test"),
        Some(&x.officer),
        None,
        202,
    )
    .await;
    let log = "/api/v1/bots/{id}/deliveries";
    c.get(
        log,
        &format!("/api/v1/bots/{bid}/deliveries"),
        &x.officer,
        200,
    )
    .await;
}
