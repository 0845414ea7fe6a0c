//! 党员积分 on both backends: automatic points from meeting events exactly once (repeated and
//! concurrent delivery), reversal and re-posting on a corrected attendance, manual awards within
//! limits and caps, claims with evidence and no self-approval, item adjustments within the
//! committee's limits, and rankings with ties.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::db_test;
use crate::meetings::{branch, checkin, code, json_of, plan, send_json};
use crate::support::{Backend, bearer_get};

async fn ledger(x: &crate::meetings::Branch, member: i64) -> Value {
    json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/points/ledger?member={member}&period=2026-11"),
            &x.officer,
        ))
        .await,
    )
    .await
}

/// A held 主题党日暨党课 where the first three members checked in and the fourth did not, with
/// its points posted.
pub(crate) async fn held(x: &crate::meetings::Branch) -> i64 {
    let id = held_unposted(x).await;
    // The consumer runs in the job runtime, not in reads: run it, as its ticks would.
    crate::support::settle_points(&x.t.app).await;
    id
}

/// [`held`] before the points consumer has run.
pub(crate) async fn held_unposted(x: &crate::meetings::Branch) -> i64 {
    let id = plan(x, &["theme_day", "lecture"], "2026-11-28T10:00").await;
    let c = code(x, id).await;
    for (_, tok) in x.members.iter().take(3) {
        assert_eq!(checkin(x, id, tok, &c).await.0, StatusCode::OK);
    }
    let res =
        x.t.send(send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &x.officer,
            &json!({"speeches": "发言", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

async fn meeting_events_post_points_exactly_once(b: Backend) {
    let x = branch(b).await;
    let id = held(&x).await;
    let v = ledger(&x, x.members[0].0).await;
    assert_eq!(v["total"], 4, "主题党日 2 + 党课 2: {v}");
    let absent = ledger(&x, x.members[3].0).await;
    assert_eq!(absent["total"], -3, "unexcused absence");
    let before = x.t.rows("point_entries").await;
    // Delivered again (cursor rewound) and concurrently: nothing new.
    let app = &x.t.app;
    match &app.db {
        zhibu::db::Db::Sqlite(p) => {
            sqlx::query("UPDATE event_cursors SET position = 0, position_tx = 0")
                .execute(p)
                .await
                .unwrap();
        }
        zhibu::db::Db::Postgres(p) => {
            sqlx::query("UPDATE event_cursors SET position = 0, position_tx = 0")
                .execute(p)
                .await
                .unwrap();
        }
    }
    let (a, b2, c) = tokio::join!(
        zhibu::points::service::sync(app),
        zhibu::points::service::sync(app),
        zhibu::points::service::sync(app)
    );
    for r in [a, b2, c] {
        r.unwrap();
    }
    assert_eq!(
        x.t.rows("point_entries").await,
        before,
        "exactly one entry per member, item and event"
    );
    // A late 代签 corrects the absence: the deduction is reversed and attendance posted.
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let body = format!(
        "member_id={}&present=1&reason=%E8%A1%A5%E7%99%BB",
        x.members[3].0
    );
    let res =
        x.t.send(crate::support::post_form(
            &format!("/meetings/{id}/attendance"),
            Some(&tok),
            Some(&csrf),
            &body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    crate::support::settle_points(&x.t.app).await;
    let corrected = ledger(&x, x.members[3].0).await;
    assert_eq!(corrected["total"], 4, "reversed and re-posted: {corrected}");
    let sources: Vec<&str> = corrected["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"reversal"));
    // The ledger cannot be rewritten.
    let err = match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query("UPDATE point_entries SET points = 100")
            .execute(p)
            .await
            .is_err(),
        zhibu::db::Db::Postgres(p) => sqlx::query("UPDATE point_entries SET points = 100")
            .execute(p)
            .await
            .is_err(),
    };
    assert!(err);
}
db_test!(meeting_events_post_points_exactly_once);

async fn manual_awards_respect_limits_caps_and_scope(b: Backend) {
    let x = branch(b).await;
    let post = |body: Value| send_json(Method::POST, "/api/v1/points/entries", &x.officer, &body);
    let award = |pts: i64| {
        json!({"member_id": x.members[0].0, "item": "special_task", "points": pts,
        "occurred_on": "2026-11-20", "reason": "防汛值守"})
    };
    let res = x.t.send(post(award(5))).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside the item's 2–3"
    );
    for _ in 0..3 {
        let v = json_of(x.t.send(post(award(3))).await).await;
        assert_eq!(
            (v["status"].as_str(), v["points"].as_i64()),
            (Some("posted"), Some(3))
        );
    }
    // Yearly cap 10: one point left, then full.
    let v = json_of(x.t.send(post(award(3))).await).await;
    assert_eq!(v["points"], 1);
    assert!(v["note"].as_str().unwrap().contains("已达上限"));
    let res = x.t.send(post(award(3))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json_of(res).await["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已达上限")
    );
    // Another branch's member, a future date, an automatic item, a member awarding.
    let stranger = x.t.member(x.other_branch, None, 40).await;
    let mut other = award(2);
    other["member_id"] = json!(stranger);
    assert_eq!(x.t.send(post(other)).await.status(), StatusCode::NOT_FOUND);
    let mut future = award(2);
    future["occurred_on"] = json!("2027-01-01");
    assert_eq!(
        x.t.send(post(future)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut auto = award(2);
    auto["item"] = json!("attend_theme_day");
    assert_eq!(
        x.t.send(post(auto)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res =
        x.t.send(send_json(
            Method::POST,
            "/api/v1/points/entries",
            &x.members[1].1,
            &award(2),
        ))
        .await;
    // A member cannot even see another member's record.
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(ledger(&x, x.members[0].0).await["total"], 10);
}
db_test!(manual_awards_respect_limits_caps_and_scope);

async fn claims_need_evidence_and_another_officer(b: Backend) {
    use base64::Engine as _;
    let x = branch(b).await;
    let url = "/api/v1/points/claims";
    let body = json!({"item": "volunteer", "occurred_on": "2026-11-21", "description": "社区志愿服务 3 小时"});
    let res =
        x.t.send(send_json(Method::POST, url, &x.members[0].1, &body))
            .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "evidence required"
    );
    let mut with = body.clone();
    with["evidence_base64"] =
        json!(base64::engine::general_purpose::STANDARD.encode(b"not an image"));
    assert_eq!(
        x.t.send(send_json(Method::POST, url, &x.members[0].1, &with))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    with["evidence_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(&png));
    let res =
        x.t.send(send_json(Method::POST, url, &x.members[0].1, &with))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json_of(res).await["id"].as_i64().unwrap();
    let dec = format!("/api/v1/points/claims/{id}/decision");
    // The member cannot decide; an officer who is the claimant cannot either.
    assert_eq!(
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.members[0].1,
            &json!({"approve": true})
        ))
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let self_officer =
        x.t.linked_user(
            "self_officer",
            "officer",
            Some(x.branch),
            Some(x.members[0].0),
        )
        .await;
    let (so, _) = x.t.session(self_officer).await;
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &so,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no self-approval"
    );
    assert_eq!(
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.outsider_officer,
            &json!({"approve": true})
        ))
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.officer,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res =
        x.t.send(send_json(
            Method::POST,
            &dec,
            &x.officer,
            &json!({"approve": true}),
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "decided once"
    );
    assert_eq!(ledger(&x, x.members[0].0).await["total"], 2);
}
db_test!(claims_need_evidence_and_another_officer);

async fn items_adjust_within_limits_and_rankings_tie(b: Backend) {
    let x = branch(b).await;
    let url = "/api/v1/points/items";
    let adjust = |pts: i64| json!({"org_id": x.branch, "code": "attend_theme_day", "name": "参加主题党日", "points": pts});
    assert_eq!(
        x.t.send(send_json(Method::POST, url, &x.officer, &adjust(4)))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        x.t.send(send_json(Method::POST, url, &x.officer, &adjust(3)))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        x.t.send(send_json(Method::POST, url, &x.members[0].1, &adjust(3)))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let v = json_of(
        x.t.send(bearer_get(&format!("{url}?org={}", x.branch), &x.officer))
            .await,
    )
    .await;
    let theme = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "attend_theme_day")
        .unwrap()
        .clone();
    assert_eq!(
        (theme["points"].as_i64(), theme["version"].as_i64()),
        (Some(3), Some(1))
    );
    held(&x).await;
    let r = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/points/ranking?org={}&period=2026-W48", x.branch),
            &x.officer,
        ))
        .await,
    )
    .await;
    let rows = r["ranking"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let ranks: Vec<(i64, i64)> = rows
        .iter()
        .map(|e| (e["points"].as_i64().unwrap(), e["rank"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        ranks,
        vec![(5, 1), (5, 1), (5, 1), (-3, 4)],
        "ties share a rank; the adjusted value applies"
    );
    assert_eq!(
        x.t.send(bearer_get(
            &format!("/api/v1/points/ranking?org={}", x.branch),
            &x.members[0].1
        ))
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        x.t.send(bearer_get(
            "/api/v1/points/ranking?period=2026-W60",
            &x.officer
        ))
        .await
        .status(),
        StatusCode::BAD_REQUEST
    );
}
db_test!(items_adjust_within_limits_and_rankings_tie);
