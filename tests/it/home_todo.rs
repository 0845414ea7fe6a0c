//! The officer's 待办 on the home page: a leave request to decide, a correction to handle and a
//! meeting that is over without a record each show with a count and a link to the work; a
//! member sees no such card.

use axum::http::StatusCode;
use time::Duration;

use crate::db_test;
use crate::meetings::{branch, plan};
use crate::support::{Backend, get, post_form, text};

async fn officer_home_lists_what_waits(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T15:00").await;
    let home = text(x.t.send(get("/", Some(&x.officer))).await).await;
    assert!(!home.contains("todo-card"), "nothing waits yet");

    let (mt, mc) = x.t.session(x.member_uids[1]).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/leave"),
            Some(&mt),
            Some(&mc),
            "reason=%E5%87%BA%E5%B7%AE",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res =
        x.t.send(post_form(
            &format!("/members/{}/corrections", x.members[1].0),
            Some(&mt),
            Some(&mc),
            "field=phone&new_value=13900001111&reason=%E6%8D%A2%E5%8F%B7",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);

    let home = text(x.t.send(get("/", Some(&x.officer))).await).await;
    assert!(home.contains("todo-card"), "{home}");
    assert!(home.contains("请假申请待审批") && home.contains(&format!("/meetings/{id}#leave")));
    assert!(home.contains("信息更正待处理") && home.contains("/members/corrections"));
    assert!(
        !home.contains("会议已结束待填写记录"),
        "the meeting has not ended"
    );

    // The meeting (15:00, thirteen hours long) ends with no record.
    x.t.clock.advance(Duration::hours(19));
    let (tok, _) = x.t.session(x.officer_uid).await;
    let home = text(x.t.send(get("/", Some(&tok))).await).await;
    assert!(home.contains("会议已结束待填写记录"));
    assert!(home.contains(&format!("/meetings/{id}/minutes")));

    // A member has nothing to run; another branch's officer sees none of it.
    let (mt, _) = x.t.session(x.member_uids[2]).await;
    assert!(
        !text(x.t.send(get("/", Some(&mt))).await)
            .await
            .contains("todo-card")
    );
    assert!(
        !text(x.t.send(get("/", Some(&x.outsider_officer))).await)
            .await
            .contains("请假申请待审批")
    );
}
db_test!(officer_home_lists_what_waits);
