//! Probation, voting rights and elections on both backends: 转正日期 is the end of probation
//! (DEV-20/25), 延长预备期 once for 6–12 months and 取消预备党员资格 are events (DEV-22),
//! members under 留党察看 have no vote and recognised absences leave the electorate (VOTE-01,
//! ELEC-08), the quorum reading is a setting shown on the page (VOTE-02), and an election needs
//! four fifths present and is never "通过" (ELEC-07, ELEC-11).

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::db_test;
use crate::meetings::{Branch, branch, branch_with, json_of, plan, send_json};
use crate::support::{Backend, bearer_get, get, post_form, text};

async fn set(x: &Branch, sql: &str, id: i64) {
    let mut c = x.t.app.db.conn().await.unwrap();
    let mut ex = c.exec();
    zhibu::on!(&mut ex, c => sqlx::query(sql).bind(id).execute(c).await.unwrap().rows_affected());
}

async fn event(
    x: &Branch,
    member: i64,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let res =
        x.t.send(send_json(
            Method::POST,
            &format!("/api/v1/members/{member}/events"),
            &x.officer,
            &body,
        ))
        .await;
    let status = res.status();
    (status, json_of(res).await)
}

fn message(v: &serde_json::Value) -> String {
    v["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn probationary(x: &Branch, member: i64, joined: &str) {
    let sql = format!(
        "UPDATE members SET category = 'probationary', converted_on = NULL, joined_on = '{joined}' WHERE id = $1"
    );
    set(x, &sql, member).await;
}

async fn dev_20_25_the_conversion_date_is_the_end_of_probation(b: Backend) {
    let x = branch(b).await;
    let m = x.members[0].0;
    probationary(&x, m, "2025-10-15").await;
    let (s, v) = event(
        &x,
        m,
        json!({"kind": "convert", "occurred_on": "2026-11-20"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["converted_on"], "2025-10-15".replace("2025", "2026"));
    assert_eq!(v["category"], "full");
    assert_eq!(v["party_years"], 0, "党龄 counts from 2026-10-15");
    // A meeting before the year is out cannot convert (DEV-21).
    let early = x.members[1].0;
    probationary(&x, early, "2026-01-10").await;
    let (s, v) = event(
        &x,
        early,
        json!({"kind": "convert", "occurred_on": "2026-11-20"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("2027-01-10"), "{v}");
}
db_test!(dev_20_25_the_conversion_date_is_the_end_of_probation);

async fn dev_22_probation_is_extended_once_by_six_to_twelve_months(b: Backend) {
    let x = branch(b).await;
    let m = x.members[0].0;
    probationary(&x, m, "2025-10-15").await;
    let ext =
        |months: i64| json!({"kind": "extend", "occurred_on": "2026-11-20", "months": months});
    let (s, v) = event(&x, m, ext(5)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("6 至 12"), "{v}");
    let (s, v) = event(&x, m, ext(13)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = event(&x, m, ext(6)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["probation_ends_on"], "2027-04-15");
    assert_eq!(v["category"], "probationary");
    let (s, v) = event(&x, m, ext(6)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("只能延长一次"), "{v}");
    // Converting now would be before the extension ends.
    let (s, v) = event(
        &x,
        m,
        json!({"kind": "convert", "occurred_on": "2026-11-25"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&v).contains("2027-04-15"), "{v}");
    // The member page says when probation ends.
    let page = text(
        x.t.send(get(&format!("/members/{m}"), Some(&x.officer)))
            .await,
    )
    .await;
    assert!(
        page.contains("预备期至") && page.contains("2027-04-15") && page.contains("已延长预备期")
    );
    assert!(!page.contains("DEV-"), "no rule ids on screen");
    // An extension is not for a 正式党员.
    let (s, _) = event(&x, x.members[1].0, ext(6)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
db_test!(dev_22_probation_is_extended_once_by_six_to_twelve_months);

async fn dev_22_cancelling_probationary_membership_takes_the_member_off_the_books(b: Backend) {
    let x = branch(b).await;
    let m = x.members[0].0;
    probationary(&x, m, "2025-10-15").await;
    let (s, v) = event(
        &x,
        m,
        json!({"kind": "cancel", "occurred_on": "2026-11-20", "note": "支部大会决议"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["membership_status"], "cancelled");
    // Off the roster, and the account no longer signs in (SEC-21).
    let roster = text(x.t.send(get("/members", Some(&x.officer))).await).await;
    assert!(!roster.contains(">党员0</a>"), "{roster}");
    let res = x.t.send(get("/account", Some(&x.members[0].1))).await;
    assert_ne!(res.status(), StatusCode::OK);
    assert_eq!(x.t.audit_count("member.event").await, 1);
}
db_test!(dev_22_cancelling_probationary_membership_takes_the_member_off_the_books);

async fn attendance(x: &Branch, id: i64) -> serde_json::Value {
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.officer,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    json_of(res).await
}

async fn vote_01_members_under_observation_have_no_vote(b: Backend) {
    let x = branch(b).await;
    let m = x.members[1].0;
    let (s, v) = event(
        &x,
        m,
        json!({"kind": "observe", "occurred_on": "2026-11-01", "months": 12}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["observation_until"], "2027-11-01");
    let (s, _) = event(
        &x,
        x.members[2].0,
        json!({"kind": "observe", "occurred_on": "2026-11-01", "months": 18}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one or two years only");
    let id = plan(&x, &["branch_general"], "2026-11-28T09:00").await;
    let a = attendance(&x, id).await;
    assert_eq!(a["expected"], 4);
    assert_eq!(a["entitled"], 3, "{a}");
    let page = text(
        x.t.send(get(&format!("/members/{m}"), Some(&x.officer)))
            .await,
    )
    .await;
    assert!(page.contains("留党察看") && page.contains("没有表决权"));
}
db_test!(vote_01_members_under_observation_have_no_vote);

async fn exclude(x: &Branch, id: i64, member: i64, reason: &str) -> String {
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/electorate"),
            Some(&tok),
            Some(&csrf),
            &format!("member_id={member}&reason={reason}"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    crate::regulations::flash_text(&res)
}

async fn vote_01_elec_08_recognised_absences_leave_the_electorate(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T09:00").await;
    let said = exclude(&x, id, x.members[2].0, "abroad").await;
    assert!(said.contains("不计入"), "{said}");
    assert_eq!(attendance(&x, id).await["entitled"], 3);
    assert_eq!(x.t.audit_count("meeting.electorate").await, 1);
    let page = text(
        x.t.send(get(&format!("/meetings/{id}"), Some(&x.officer)))
            .await,
    )
    .await;
    assert!(page.contains("出国（境）半年以上"), "the reason is shown");
    // Unknown reasons are refused and change nothing.
    let said = exclude(&x, id, x.members[3].0, "holiday").await;
    assert!(said.contains("请选择"), "{said}");
    assert_eq!(attendance(&x, id).await["entitled"], 3);
    // Counted again.
    exclude(&x, id, x.members[2].0, "").await;
    assert_eq!(attendance(&x, id).await["entitled"], 4);
    // A member cannot change the electorate.
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/electorate"),
            Some(&mt),
            Some(&mc),
            &format!("member_id={}&reason=abroad", x.members[1].0),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
db_test!(vote_01_elec_08_recognised_absences_leave_the_electorate);

/// A branch of ten 正式党员 and a 党员大会 under way with `present` of them checked in.
async fn general_meeting(x: &Branch, present: usize) -> i64 {
    for seq in 10..16 {
        x.t.member(x.branch, None, seq).await;
    }
    let id = plan(x, &["branch_general"], "2026-11-28T09:00").await;
    let roll = attendance(x, id).await;
    let ids: Vec<i64> = roll["roll"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["member_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 10);
    let body = ids[..present]
        .iter()
        .map(|m| format!("member_id={m}"))
        .collect::<Vec<_>>()
        .join("&");
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/attendance/bulk"),
            Some(&tok),
            Some(&csrf),
            &body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    id
}

async fn submit(x: &Branch, id: i64, votes: &str) -> String {
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/minutes"),
            Some(&tok),
            Some(&csrf),
            &format!("speeches=%E8%AE%A8%E8%AE%BA&{votes}&action=submit"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await
}

fn enc(s: &str) -> String {
    zhibu::web::layout::url_encode(s)
}

fn election() -> String {
    format!(
        "vote_0_topic={}&vote_0_kind=election&vote_0_seats=3&vote_0_candidates={}",
        enc("选举支部委员会委员"),
        enc("张甲 8；李乙 7；王丙 6；赵丁 2")
    )
}

async fn elec_07_an_election_with_eight_of_ten_present_is_void(b: Backend) {
    let x = branch(b).await;
    let id = general_meeting(&x, 8).await;
    let page = submit(&x, id, &election()).await;
    assert!(page.contains("选举无效"), "{page}");
    assert!(page.contains("未超过应到会 10 人的五分之四"), "{page}");
    assert!(!page.contains(">通过<"), "an election never shows 通过");
    assert!(
        !page.contains("<strong>当选"),
        "nobody is elected by a void election"
    );
    assert!(page.contains("基层组织选举工作条例"));
}
db_test!(elec_07_an_election_with_eight_of_ten_present_is_void);

async fn elec_07_11_at_least_four_fifths_elects_those_over_half(b: Backend) {
    let x = branch_with(b, |c| {
        c.meetings.election_quorum = zhibu::config::ElectionQuorum::AtLeast;
    })
    .await;
    let id = general_meeting(&x, 8).await;
    let page = submit(&x, id, &election()).await;
    assert!(page.contains("选举有效"), "{page}");
    for name in [
        "张甲：8 票 · <strong>当选",
        "李乙：7 票 · <strong>当选",
        "王丙：6 票 · <strong>当选",
    ] {
        assert!(page.contains(name), "{name}: {page}");
    }
    assert!(page.contains("赵丁：2 票 · <strong>未当选"));
    assert!(page.contains("不少于应到会人数的五分之四"));
}
db_test!(elec_07_11_at_least_four_fifths_elects_those_over_half);

async fn vote_02_the_page_shows_which_quorum_reading_applied(b: Backend) {
    let x = branch_with(b, |c| {
        c.meetings.quorum_reading = zhibu::config::QuorumReading::Inclusive;
    })
    .await;
    let id = general_meeting(&x, 5).await;
    let votes = format!(
        "vote_0_topic={}&vote_0_yes=5&vote_0_method=show_of_hands&vote_1_topic={}&vote_1_yes=5&vote_1_method=secret",
        enc("通过年度工作计划"),
        enc("接收张三为预备党员"),
    );
    let page = submit(&x, id, &votes).await;
    assert!(
        page.contains("已达到半数"),
        "5 of 10 is 半数以上 read inclusively"
    );
    assert!(page.contains("含半数"), "the page names the reading");
    // Ordinary: quorum met (5 ≥ half) but 5 yes is not more than half of 10: 未通过.
    // Membership: strict quorum, 5 of 10 is not more than half: 未通过, citing the 细则.
    assert_eq!(page.matches(">未通过<").count(), 2, "{page}");
    assert!(page.contains("发展党员工作细则"));
    assert!(!page.contains("VOTE-") && !page.contains("ELEC-"));
}
db_test!(vote_02_the_page_shows_which_quorum_reading_applied);

async fn vote_02_strict_reading_by_default(b: Backend) {
    let x = branch(b).await;
    let id = general_meeting(&x, 5).await;
    let page = text(
        x.t.send(get(&format!("/meetings/{id}"), Some(&x.officer)))
            .await,
    )
    .await;
    assert!(page.contains("未超过半数，不能进行表决"), "{page}");
    let x6 = branch(b).await;
    let id = general_meeting(&x6, 6).await;
    let page = submit(
        &x6,
        id,
        &format!(
            "vote_0_topic={}&vote_0_yes=6&vote_0_method=secret",
            enc("接收张三为预备党员")
        ),
    )
    .await;
    assert!(page.contains(">通过<"), "{page}");
}
db_test!(vote_02_strict_reading_by_default);
