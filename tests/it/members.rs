//! Member records over HTTP on both backends: scoping and masking, the audited unmask, forms
//! that report every problem and refuse fields they may not set, events, the as-of query, the
//! API, and the roster filters checked against the records themselves.

use axum::http::StatusCode;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, location, post_form, post_json, text};

struct Two {
    t: TestApp,
    a: i64,
    b: i64,
    officer: (String, String),
    mine: i64,
    theirs: i64,
}

async fn two_branches(b: Backend) -> Two {
    let t = TestApp::new(b).await;
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "甲支部").await;
    let bb = t.org(Some(&r), OrgKind::Branch, "乙支部").await;
    let uid = t.user("shuji_a", "officer", Some(a.id)).await;
    let officer = t.session(uid).await;
    let mine = t.member(a.id, None, 1).await;
    t.member(a.id, None, 2).await;
    let theirs = t.member(bb.id, None, 3).await;
    Two {
        t,
        a: a.id,
        b: bb.id,
        officer,
        mine,
        theirs,
    }
}

async fn sec_19_roster_is_scoped_and_masked(b: Backend) {
    let x = two_branches(b).await;
    let tok = x.officer.0.as_str();
    let html = text(x.t.send(get("/members", Some(tok))).await).await;
    assert!(html.contains("共 2 人"), "only the officer's branch");
    assert!(!html.contains("党员3"));
    assert!(!html.contains("17000000001"), "phone numbers are masked");
    assert!(html.contains("170****0001"));
    assert!(!html.contains("119901198001010"), "id numbers are masked");
    let api: serde_json::Value =
        serde_json::from_str(&text(x.t.send(bearer_get("/api/v1/members", tok)).await).await)
            .unwrap();
    assert_eq!(api["total"], 2);
    for path in [
        format!("/members/{}", x.theirs),
        format!("/api/v1/members/{}", x.theirs),
        format!("/api/v1/members?org={}", x.b),
        format!("/members?org={}", x.b),
    ] {
        let res = if path.starts_with("/api") {
            x.t.send(bearer_get(&path, tok)).await
        } else {
            x.t.send(get(&path, Some(tok))).await
        };
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        x.t.send(get(&format!("/members/{}", x.mine), Some(tok)))
            .await
            .status(),
        StatusCode::OK
    );
}
db_test!(sec_19_roster_is_scoped_and_masked);

async fn sec_53_unmask_is_audited(b: Backend) {
    let x = two_branches(b).await;
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    let page = text(
        x.t.send(get(&format!("/members/{}", x.mine), Some(tok)))
            .await,
    )
    .await;
    assert!(!page.contains("17000000001") && page.contains("查看完整号码"));
    assert_eq!(x.t.audit_count("member.unmask").await, 0);
    let res =
        x.t.send(post_form(
            &format!("/members/{}/unmask", x.mine),
            Some(tok),
            Some(csrf),
            "",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let full = text(res).await;
    assert!(full.contains("17000000001") && full.contains("记入审计日志"));
    assert_eq!(x.t.audit_count("member.unmask").await, 1);
}
db_test!(sec_53_unmask_is_audited);

async fn forms_report_every_problem_and_refuse_fields_they_may_not_set(b: Backend) {
    let x = two_branches(b).await;
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    let bad = format!(
        "org_id={}&category=full&entry=register&entry_on=&name=&id_number=110105194912310021&ethnicity=%E7%81%AB%E6%98%9F&education=&joined_on=&converted_on=&phone=123",
        x.a
    );
    let res =
        x.t.send(post_form("/members", Some(tok), Some(csrf), &bad))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(res).await;
    for msg in [
        "请填写姓名",
        "校验位不正确",
        "不是标准民族名称",
        "请选择学历",
        "请填写入党日期",
        "手机号码应为 11 位",
    ] {
        assert!(html.contains(msg), "{msg}");
    }
    let before = x.t.rows("members").await;
    let sneaky = format!(
        "org_id={}&category=full&entry=register&name=x&membership_status=left",
        x.a
    );
    assert_eq!(
        x.t.send(post_form("/members", Some(tok), Some(csrf), &sneaky))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let elsewhere = format!("org_id={}&category=full&entry=register&name=x", x.b);
    assert_eq!(
        x.t.send(post_form("/members", Some(tok), Some(csrf), &elsewhere))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let edit_org = format!("name=x&org_id={}", x.b);
    assert_eq!(
        x.t.send(post_form(
            &format!("/members/{}/edit", x.mine),
            Some(tok),
            Some(csrf),
            &edit_org
        ))
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(x.t.rows("members").await, before, "nothing written");
    let good = format!(
        "org_id={}&category=full&entry=register&entry_on=2020-01-01&name=%E6%96%B0%E4%BA%BA&id_number=11010519491231002X&ethnicity=%E6%B1%89%E6%97%8F&education=%E5%A4%A7%E5%AD%A6%E6%9C%AC%E7%A7%91&joined_on=1975-07-01&converted_on=1976-07-01&phone=13800000000&mobile=%E6%98%AF&mobile_destination=%E5%B9%BF%E5%B7%9E",
        x.a
    );
    let res =
        x.t.send(post_form("/members", Some(tok), Some(csrf), &good))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    assert_eq!(x.t.rows("members").await, before + 1);
    let dup =
        x.t.send(post_form("/members", Some(tok), Some(csrf), &good))
            .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(dup).await.contains("已登记在“甲支部”"),
        "the duplicate is named where the viewer may see it"
    );
    assert_eq!(x.t.audit_count("member.create").await, 1);
}
db_test!(forms_report_every_problem_and_refuse_fields_they_may_not_set);

async fn events_change_status_only_in_order(b: Backend) {
    let x = two_branches(b).await;
    let tok = x.officer.0.as_str();
    let body = format!(
        r#"{{"org_id":{},"category":"probationary","entry":"develop","fields":{{"name":"预备甲","id_number":"11010519491231002X","ethnicity":"汉族","education":"大学本科","joined_on":"2026-03-01"}}}}"#,
        x.a
    );
    let res =
        x.t.send(post_json("/api/v1/members", Some(tok), &body))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = serde_json::from_str::<serde_json::Value>(&text(res).await).unwrap()["id"]
        .as_i64()
        .unwrap();
    let ev = |kind: &str, on: &str| {
        post_json(
            &format!("/api/v1/members/{id}/events"),
            Some(tok),
            &format!(r#"{{"kind":"{kind}","occurred_on":"{on}"}}"#),
        )
    };
    let early = x.t.send(ev("convert", "2026-11-01")).await;
    assert_eq!(
        early.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "DEV-20: a full year of probation"
    );
    assert_eq!(
        x.t.send(ev("restore", "2026-11-01")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing to restore"
    );
    assert_eq!(
        x.t.send(ev("stop", "2026-11-02")).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        x.t.send(ev("stop", "2026-11-03")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        x.t.send(ev("restore", "2026-11-04")).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        x.t.send(ev("leave", "2026-11-01")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before the last event"
    );
    let res = x.t.send(ev("leave", "2026-11-05")).await;
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["membership_status"], "left");
    let detail: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(bearer_get(&format!("/api/v1/members/{id}"), tok))
                .await,
        )
        .await,
    )
    .unwrap();
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["develop", "stop", "restore", "leave"]);
    // Left members drop off the default roster but stay findable.
    let api: serde_json::Value =
        serde_json::from_str(&text(x.t.send(bearer_get("/api/v1/members", tok)).await).await)
            .unwrap();
    assert_eq!(api["total"], 2);
    let all: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(bearer_get("/api/v1/members?status=all", tok))
                .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(all["total"], 3);
}
db_test!(events_change_status_only_in_order);

async fn api_patch_changes_only_given_fields(b: Backend) {
    let x = two_branches(b).await;
    let tok = x.officer.0.as_str();
    let path = format!("/api/v1/members/{}", x.mine);
    let mut req = post_json(
        &path,
        Some(tok),
        r#"{"fields":{"phone":"139 0000 1111","native_place":"湖南长沙"}}"#,
    );
    *req.method_mut() = axum::http::Method::PATCH;
    let res = x.t.send(req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["phone_masked"], "139****1111");
    assert_eq!(v["native_place"], "湖南长沙");
    assert_eq!(v["name"], "党员1");
    let mut req = post_json(
        &path,
        Some(tok),
        r#"{"fields":{"membership_status":"left"}}"#,
    );
    *req.method_mut() = axum::http::Method::PATCH;
    assert_eq!(x.t.send(req).await.status(), StatusCode::BAD_REQUEST);
    let mut req = post_json(
        &path,
        Some(tok),
        r#"{"fields":{"joined_on":"2030-01-01","phone":"1"}}"#,
    );
    *req.method_mut() = axum::http::Method::PATCH;
    let res = x.t.send(req).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["error"]["code"], "invalid_fields");
    assert_eq!(v["error"]["fields"].as_array().unwrap().len(), 2);
    assert_eq!(x.t.audit_count("member.update").await, 1);
}
db_test!(api_patch_changes_only_given_fields);

async fn as_of_answers_from_the_history(b: Backend) {
    let x = two_branches(b).await;
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    // 党员1 and 党员2 were registered in 2006; record 党员2's death in 2020.
    let others: serde_json::Value = serde_json::from_str(
        &text(
            x.t.send(bearer_get("/api/v1/members?q=%E5%85%9A%E5%91%982", tok))
                .await,
        )
        .await,
    )
    .unwrap();
    let second = others["members"][0]["id"].as_i64().unwrap();
    let r =
        x.t.send(post_form(
            &format!("/members/{second}/events"),
            Some(tok),
            Some(csrf),
            "kind=death&occurred_on=2020-05-01&note=",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = |d: &str| get(&format!("/members/as-of?org={}&date={d}", x.a), Some(tok));
    let y2005 = text(x.t.send(at("2005-01-01")).await).await;
    assert!(y2005.contains("该日期没有在册党员"));
    let y2015 = text(x.t.send(at("2015-01-01")).await).await;
    assert!(y2015.contains("共 2 人") && y2015.contains("党员2"));
    let y2021 = text(x.t.send(at("2021-01-01")).await).await;
    assert!(y2021.contains("共 1 人") && !y2021.contains("党员2"));
    assert_eq!(
        location(&x.t.send(get("/members/as-of", None)).await),
        "/login?next=%2Fmembers%2Fas-of"
    );
}
db_test!(as_of_answers_from_the_history);

/// Every roster filter agrees with the records it is applied to (the list and the filter are
/// two ways to ask the same question; SEC-19(b) style consistency).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_filters_agree_with_the_records() {
    let t = TestApp::new(Backend::Sqlite).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let uid = t.user("zuzhi", "org_admin", Some(1)).await;
    let (tok, _) = t.session(uid).await;
    let fetch = |q: String| {
        let req = bearer_get(&format!("/api/v1/members?per_page=500&{q}"), &tok);
        async { serde_json::from_str::<serde_json::Value>(&text(t.send(req).await).await).unwrap() }
    };
    let all = fetch(String::new()).await;
    let members = all["members"].as_array().unwrap().clone();
    assert_eq!(all["total"], 120);
    let count = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        i64::try_from(members.iter().filter(|m| pred(m)).count()).unwrap()
    };
    let checks: Vec<(&str, i64)> = vec![
        (
            "category=probationary",
            count(&|m| m["category"] == "probationary"),
        ),
        ("gender=female", count(&|m| m["gender"] == "female")),
        (
            "age=50s",
            count(&|m| (50..60).contains(&m["age"].as_i64().unwrap())),
        ),
        ("age=70p", count(&|m| m["age"].as_i64().unwrap() >= 70)),
        (
            "party_age=10-19",
            count(&|m| {
                m["party_years"]
                    .as_i64()
                    .is_some_and(|y| (10..20).contains(&y))
            }),
        ),
        ("flag=mobile", count(&|m| m["mobile"] == true)),
        ("flag=lost", count(&|m| m["lost_contact"] == true)),
        (
            "edu=%E7%A1%95%E5%A3%AB%E7%A0%94%E7%A9%B6%E7%94%9F",
            count(&|m| m["education"] == "硕士研究生"),
        ),
        (
            "q=%E7%8E%8B",
            count(&|m| m["name"].as_str().unwrap().contains('王')),
        ),
    ];
    for (q, want) in checks {
        let got = fetch(q.to_owned()).await["total"].as_i64().unwrap();
        assert_eq!(got, want, "{q}");
    }
    assert!(
        count(&|m| m["mobile"] == true) > 0 && count(&|m| m["lost_contact"] == true) > 0,
        "the demo has flagged members"
    );
}

/// Statistics count the same members the roster shows, for the organisation asked, and only
/// within the caller's scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_match_the_roster_and_stay_in_scope() {
    let t = TestApp::new(Backend::Sqlite).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let uid = t.user("zuzhi2", "org_admin", Some(1)).await;
    let (tok, _) = t.session(uid).await;
    let html = text(t.send(get("/members/stats?org=3", Some(&tok))).await).await;
    let roster: serde_json::Value = serde_json::from_str(
        &text(
            t.send(bearer_get("/api/v1/members?org=3&status=normal", &tok))
                .await,
        )
        .await,
    )
    .unwrap();
    assert!(
        html.contains(&format!("共 <strong>{}</strong> 名", roster["total"])),
        "stats total equals the roster"
    );
    let x = t.send(get("/members/stats/export?org=3", Some(&tok))).await;
    assert_eq!(x.status(), StatusCode::OK);
    crate::support::assert_private(&x, false);
    let bytes = http_body_util::BodyExt::collect(x.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(zhibu::members::sheet::read(&bytes).is_ok());
    let officer = t.user("zb2", "officer", Some(4)).await;
    let (otok, _) = t.session(officer).await;
    assert_eq!(
        t.send(get("/members/stats?org=3", Some(&otok)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.send(get("/members/stats", Some(&otok))).await.status(),
        StatusCode::OK,
        "defaults to the officer's own branch"
    );
}

/// Accounts are issued in one step with one-time codes; the member must set a password; a
/// member who leaves the Party can no longer sign in.
async fn issue_accounts_then_sign_in_and_leave(b: Backend) {
    let x = two_branches(b).await;
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    let page = text(x.t.send(get("/members/accounts", Some(tok))).await).await;
    assert!(
        page.contains("<strong>2</strong> 名党员还没有账号"),
        "only the officer's branch"
    );
    let res =
        x.t.send(post_form(
            "/members/accounts",
            Some(tok),
            Some(csrf),
            &format!("org_id={}", x.a),
        ))
        .await;
    // The issue runs in the background: a progress page until the slips are ready, once.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let task = crate::support::location(&res);
    assert!(task.starts_with("/members/accounts/tasks/"), "{task}");
    let mut html = String::new();
    for _ in 0..200 {
        let res = x.t.send(get(&task, Some(tok))).await;
        assert_eq!(res.status(), StatusCode::OK);
        let refresh = res.headers().contains_key("refresh");
        html = text(res).await;
        if !refresh {
            break;
        }
        assert!(html.contains("正在为 2 名党员生成激活码"), "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(html.contains("账号开通通知") && html.contains("/account/login-qr.svg"));
    assert!(
        html.contains("http://127.0.0.1/login</dd>"),
        "the address in use: {html}"
    );
    let qr = x.t.send(get("/account/login-qr.svg", Some(tok))).await;
    assert_eq!(
        qr.headers()[axum::http::header::CONTENT_TYPE],
        "image/svg+xml"
    );
    assert!(text(qr).await.starts_with("<svg"));
    let gone = x.t.send(get(&task, Some(tok))).await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER, "slips are shown once");
    let codes: Vec<&str> = html
        .split("<dt>激活码</dt><dd><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    let users: Vec<&str> = html
        .split("<dt>用户名</dt><dd><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(
        users.iter().all(|u| u.starts_with("dy")) && !users.contains(&"17000000001"),
        "SEC-53: member numbers by default, never the mobile number: {users:?}"
    );
    let login = |u: &str, p: &str| {
        post_json(
            "/api/v1/auth/login",
            None,
            &format!(r#"{{"username":"{u}","password":"{p}"}}"#),
        )
    };
    let res = x.t.send(login(users[0], codes[0])).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&text(res).await).unwrap();
    assert_eq!(v["user"]["must_change_password"], true);
    assert_eq!(v["user"]["role"], "member");
    let member_id = v["user"]["member_id"].as_i64().unwrap();
    let again = text(x.t.send(get("/members/accounts", Some(tok))).await).await;
    assert!(again.contains("都已开通账号"));
    let r =
        x.t.send(post_form(
            &format!("/members/{member_id}/events"),
            Some(tok),
            Some(csrf),
            "kind=leave&occurred_on=2026-11-01&note=",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        x.t.send(login(users[0], codes[0])).await.status(),
        StatusCode::UNAUTHORIZED,
        "SEC-21: leaving disables the account"
    );
    assert_eq!(x.t.audit_count("user.issue").await, 1);
}
db_test!(issue_accounts_then_sign_in_and_leave);

/// PIPL-46: a member asks for a correction; an officer approves (applied, checked) or rejects
/// (with a note); nobody decides on their own request.
async fn corrections_are_requested_and_decided(b: Backend) {
    let x = two_branches(b).await;
    let me =
        x.t.linked_user("dangyuan1", "member", Some(x.a), Some(x.mine))
            .await;
    let (mt, mc) = x.t.session(me).await;
    let page = text(
        x.t.send(get(&format!("/members/{}", x.mine), Some(&mt)))
            .await,
    )
    .await;
    assert!(page.contains("申请更正") && !page.contains("修改信息"));
    assert_eq!(
        x.t.send(get(&format!("/members/{}", x.theirs), Some(&mt)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let ask = |field: &str, value: &str, reason: &str| {
        post_form(
            &format!("/members/{}/corrections", x.mine),
            Some(&mt),
            Some(&mc),
            &format!("field={field}&new_value={value}&reason={reason}"),
        )
    };
    assert_eq!(
        x.t.send(ask("membership_status", "left", "x"))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        x.t.send(ask("native_place", "%E6%B9%96%E5%8D%97", ""))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    assert_eq!(
        x.t.send(ask(
            "native_place",
            "%E6%B9%96%E5%8D%97",
            "%E5%86%99%E9%94%99%E4%BA%86"
        ))
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        x.t.send(ask("joined_on", "2099-01-01", "%E6%97%A5%E6%9C%9F"))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    let queue = text(x.t.send(get("/members/corrections", Some(tok))).await).await;
    assert!(queue.contains("籍贯") && queue.contains("入党日期"));
    let ids: Vec<String> = queue
        .split("/members/corrections/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    let decide = |id: &str, body: &str| {
        post_form(
            &format!("/members/corrections/{id}/decision"),
            Some(tok),
            Some(csrf),
            body,
        )
    };
    assert_eq!(
        x.t.send(decide(&ids[0], "decision=approve&note="))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let bad = x.t.send(decide(&ids[1], "decision=approve&note=")).await;
    assert_eq!(
        bad.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the change must pass the record's rules"
    );
    assert_eq!(
        x.t.send(decide(&ids[1], "decision=reject&note="))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a note"
    );
    assert_eq!(
        x.t.send(decide(
            &ids[1],
            "decision=reject&note=%E6%97%A5%E6%9C%9F%E6%9C%89%E8%AF%AF"
        ))
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        x.t.send(decide(&ids[1], "decision=approve&note="))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "decided once"
    );
    let mine = text(
        x.t.send(get(&format!("/members/{}", x.mine), Some(&mt)))
            .await,
    )
    .await;
    assert!(mine.contains("湖南") && mine.contains("已同意") && mine.contains("未同意"));
    // An officer who is also the member cannot decide on their own request.
    let self_officer =
        x.t.linked_user("zishen", "officer", Some(x.a), Some(x.mine))
            .await;
    let (st, sc) = x.t.session(self_officer).await;
    let r =
        x.t.send(post_form(
            &format!("/members/{}/corrections", x.mine),
            Some(&st),
            Some(&sc),
            "field=party_post&new_value=x&reason=y",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let queue = text(x.t.send(get("/members/corrections", Some(&st))).await).await;
    let id = queue
        .split("/members/corrections/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let own =
        x.t.send(post_form(
            &format!("/members/corrections/{id}/decision"),
            Some(&st),
            Some(&sc),
            "decision=approve&note=",
        ))
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
}
db_test!(corrections_are_requested_and_decided);

/// SEC-37: photos are checked by their bytes and size, re-encoded without metadata, and served
/// only within scope.
async fn photos_are_cleaned_and_scoped(b: Backend) {
    let x = two_branches(b).await;
    let (tok, csrf) = (&x.officer.0, &x.officer.1);
    let upload = |bytes: Vec<u8>| {
        let boundary = "zhibu-photo";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        axum::http::Request::post(format!("/members/{}/photo?_csrf={csrf}", x.mine))
            .header(
                axum::http::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(axum::http::header::COOKIE, format!("zhibu_session={tok}"))
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let flash = |res: &axum::http::Response<axum::body::Body>| {
        res.headers()
            .get(axum::http::header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let svg = upload(b"<svg onload=alert(1)></svg>".to_vec());
    assert!(
        flash(&x.t.send(svg).await).starts_with("zhibu_flash=error."),
        "not an image"
    );
    // A PNG header claiming 20000 × 20000 pixels is refused before decoding.
    let mut huge = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    huge.extend_from_slice(&20_000u32.to_be_bytes());
    huge.extend_from_slice(&20_000u32.to_be_bytes());
    huge.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    assert!(flash(&x.t.send(upload(huge)).await).starts_with("zhibu_flash=error."));
    let mut png = Vec::new();
    let img = image::RgbImage::from_pixel(64, 48, image::Rgb([200, 22, 29]));
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let res = x.t.send(upload(png)).await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let photo =
        x.t.send(get(&format!("/members/{}/photo", x.mine), Some(tok)))
            .await;
    assert_eq!(photo.status(), StatusCode::OK);
    crate::support::assert_private(&photo, true);
    assert_eq!(
        photo
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .unwrap(),
        "image/jpeg"
    );
    let bytes = http_body_util::BodyExt::collect(photo.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "re-encoded as JPEG");
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "no metadata");
    let other = x.t.user("yi", "officer", Some(x.b)).await;
    let (ot, _) = x.t.session(other).await;
    assert_eq!(
        x.t.send(get(&format!("/members/{}/photo", x.mine), Some(&ot)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
db_test!(photos_are_cleaned_and_scoped);
