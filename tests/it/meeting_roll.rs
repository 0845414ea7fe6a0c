//! The roll on the meeting page, on both backends: 代签 for many members at once from a paper
//! sign-in sheet, a reason asked only for absences, the way back to the opened roll, files
//! added after the record as an audited correction, and a page that knows whether the meeting
//! has begun (MEET-02: no quorum verdict before it starts).

use axum::http::StatusCode;
use serde_json::json;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::{branch, json_of, plan, send_json};
use crate::support::{Backend, bearer_get, get, location, post_form, text};

async fn present(x: &crate::meetings::Branch, id: i64) -> i64 {
    let v = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/meetings/{id}/attendance"),
            &x.officer,
        ))
        .await,
    )
    .await;
    v["present"].as_i64().unwrap()
}

async fn audit_details(x: &crate::meetings::Branch, prefix: &str) -> Vec<String> {
    let mut ex = x.t.app.db.conn().await.unwrap();
    let mut ex = ex.exec();
    let pattern = format!("{prefix}%");
    zhibu::on!(&mut ex, c => sqlx::query_scalar::<_, String>(
        "SELECT detail FROM audit_log WHERE detail LIKE $1 ORDER BY id")
        .bind(&pattern).fetch_all(c).await.unwrap())
}

async fn bulk_attendance_marks_everyone_ticked_at_once(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T10:00").await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let url = format!("/meetings/{id}/attendance/bulk");
    let m = |i: usize| x.members[i].0;
    // One id outside the roll refuses the whole mark: nobody is half-marked.
    let body = format!("member_id={}&member_id=999999&note=", m(0));
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    assert_eq!(present(&x, id).await, 0);
    // Three ticked from the paper sheet, no note needed.
    let body = format!(
        "member_id={}&member_id={}&member_id={}&note=",
        m(0),
        m(1),
        m(2)
    );
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert_eq!(location(&res), format!("/meetings/{id}?roll=1#roll"));
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(present(&x, id).await, 3);
    // Ticking everyone again marks only who was missing.
    let all: Vec<String> = (0..4).map(|i| format!("member_id={}", m(i))).collect();
    let body = format!(
        "{}&note=%E7%BA%B8%E8%B4%A8%E7%AD%BE%E5%88%B0%E8%A1%A8",
        all.join("&")
    );
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(present(&x, id).await, 4);
    let rows = audit_details(&x, "代签：").await;
    assert_eq!(rows.len(), 4, "one audit row per member: {rows:?}");
    assert!(rows[3].contains("纸质签到表"), "{rows:?}");
    // The row button marks only its member, whatever else is ticked.
    let id2 = plan(&x, &["theme_day"], "2026-11-28T10:00").await;
    let body = format!("member_id={}&member_id={}&only={}", m(0), m(1), m(3));
    x.t.send(post_form(
        &format!("/meetings/{id2}/attendance/bulk"),
        Some(&tok),
        Some(&csrf),
        &body,
    ))
    .await;
    assert_eq!(present(&x, id2).await, 1);
    // Bad input is a clear refusal, members may not mark others, nothing ticked says so.
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), "member_id=abc"))
            .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), "note=x"))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let body = format!("member_id={}", m(1));
    let res = x.t.send(post_form(&url, Some(&mt), Some(&mc), &body)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The opened roll: boxes, "全部到会", and the way back keeps it open.
    let page = text(
        x.t.send(get(&format!("/meetings/{id2}?roll=1"), Some(&tok)))
            .await,
    )
    .await;
    assert!(page.contains("全部到会") && page.contains("name=\"member_id\""));
    assert!(page.contains("id=\"roll\" open"));
}
db_test!(bulk_attendance_marks_everyone_ticked_at_once);

async fn a_reason_is_needed_only_for_absences(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T10:00").await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let url = format!("/meetings/{id}/attendance");
    let body = format!("member_id={}&present=1&reason=", x.members[0].0);
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(
        flash(&res).starts_with("zhibu_flash=success."),
        "代签 without a reason"
    );
    assert_eq!(present(&x, id).await, 1);
    let body = format!("member_id={}&present=0&reason=", x.members[0].0);
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(
        flash(&res).starts_with("zhibu_flash=error."),
        "absence needs one"
    );
    assert_eq!(present(&x, id).await, 1);
    let body = format!(
        "member_id={}&present=0&reason=%E5%87%BA%E5%B7%AE",
        x.members[0].0
    );
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(present(&x, id).await, 0);
    assert_eq!(audit_details(&x, "记为缺席：").await.len(), 1);
}
db_test!(a_reason_is_needed_only_for_absences);

/// MEET-02: before the start the page shows the planned roll and 请假, no quorum verdict, no
/// 缺席 and no record to fill in; once the meeting is over the record is the main action.
async fn the_meeting_page_knows_whether_the_meeting_has_begun(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-29T14:30").await;
    let (tok, _) = x.t.session(x.officer_uid).await;
    let page = text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await;
    assert!(page.contains("待参加") && page.contains("会前"));
    assert!(
        !page.contains("缺席") && !page.contains("未签到"),
        "nobody is absent yet"
    );
    assert!(
        !page.contains("进行表决"),
        "no quorum verdict before the start"
    );
    assert!(!page.contains("填写会议记录"));
    assert!(page.contains(&format!("btn btn-primary\" href=\"/meetings/{id}/edit")));
    // From a day before, 代签 opens (nobody is absent yet); after the end, the record leads.
    x.t.clock.advance(time::Duration::hours(10));
    let (tok, _) = x.t.session(x.officer_uid).await;
    let page = text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await;
    assert!(page.contains("全部到会") && page.contains("待参加"));
    assert!(!page.contains("进行表决"));
    x.t.clock.advance(time::Duration::hours(34));
    let (tok, _) = x.t.session(x.officer_uid).await;
    let (member, _) = x.t.session(x.member_uids[0]).await;
    let page = text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await;
    assert!(
        page.contains("不能进行表决"),
        "the verdict once it has begun"
    );
    assert!(page.contains(&format!("btn btn-primary\" href=\"/meetings/{id}/minutes")));
    // Members see their own line in the same words.
    let mine = text(
        x.t.send(get(&format!("/meetings/{id}"), Some(&member)))
            .await,
    )
    .await;
    assert!(mine.contains("我的状态：<strong>未签到"));
}
db_test!(the_meeting_page_knows_whether_the_meeting_has_begun);

fn upload(
    path: &str,
    tok: &str,
    csrf: &str,
    reason: Option<&str>,
) -> axum::http::Request<axum::body::Body> {
    let boundary = "zhibu-roll";
    let mut body = Vec::new();
    if let Some(r) = reason {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\n{r}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"补充.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(b"%PDF-1.4\n%test\n");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    axum::http::Request::builder()
        .method("POST")
        .uri(format!("{path}?_csrf={csrf}"))
        .header("cookie", format!("zhibu_session={tok}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}

async fn files_can_be_added_after_the_record_with_a_reason(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["theme_day"], "2026-11-28T10:00").await;
    let res =
        x.t.send(send_json(
            axum::http::Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &x.officer,
            &json!({"speeches": "发言", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let path = format!("/meetings/{id}/files");
    let res = x.t.send(upload(&path, &tok, &csrf, None)).await;
    assert!(
        flash(&res).starts_with("zhibu_flash=error."),
        "a reason is asked"
    );
    let res =
        x.t.send(upload(&path, &tok, &csrf, Some("会后收到的签到表")))
            .await;
    assert!(
        flash(&res).starts_with("zhibu_flash=success."),
        "{}",
        flash(&res)
    );
    let rows = audit_details(&x, "会后补充：").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("会后收到的签到表"), "{rows:?}");
    let page = text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await;
    assert!(page.contains("补充.pdf") && page.contains("补充原因"));
    // 代签 after the record is a correction too: it needs its reason.
    let url = format!("/meetings/{id}/attendance/bulk");
    let body = format!("member_id={}&note=", x.members[2].0);
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    assert_eq!(present(&x, id).await, 0);
    let body = format!("member_id={}&note=%E8%A1%A5%E5%BD%95", x.members[2].0);
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(present(&x, id).await, 1);
    // Marking someone already present changes nothing and records no success.
    let before = audit_details(&x, "代签：").await.len();
    let res =
        x.t.send(post_form(&url, Some(&tok), Some(&csrf), &body))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    assert_eq!(audit_details(&x, "代签：").await.len(), before);
}
db_test!(files_can_be_added_after_the_record_with_a_reason);
