//! The notice pages on both backends: the officer's form (a bad one comes back with the message
//! and nothing saved), the member's inbox with the unread badge, reading, and the officer's
//! 已读 / 未读 page with the reminder.

use axum::http::StatusCode;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::support::{Backend, get, location, post_form, text};

async fn notices_through_the_pages(b: Backend) {
    let Some(x) = branch(b).await else { return };
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let form = text(x.t.send(get("/notices/new", Some(&ot))).await).await;
    assert!(form.contains("接收范围") && form.contains("第一党支部"));
    let bad = format!("org_id={}&title=&body=x&to={}", x.branch, x.branch);
    let res =
        x.t.send(post_form("/notices", Some(&ot), Some(&oc), &bad))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("请填写标题"));
    assert_eq!(x.t.rows("notices").await, 0);
    let body = format!(
        "org_id={0}&title=%E5%AD%A6%E4%B9%A0%E9%80%9A%E7%9F%A5&body=%E8%AF%B7%E5%87%86%E6%97%B6%E5%8F%82%E5%8A%A0%3Cscript%3Ealert(1)%3C%2Fscript%3E&to={0}&receipt=1",
        x.branch
    );
    let res =
        x.t.send(post_form("/notices", Some(&ot), Some(&oc), &body))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.starts_with("/notices/"), "{to}");
    let inbox = text(x.t.send(get("/notices", Some(&mt))).await).await;
    assert!(inbox.contains("学习通知") && inbox.contains("未读"));
    assert!(
        inbox.contains("class=\"nav-badge\">1<"),
        "the bell counts the new notice"
    );
    let page = text(x.t.send(get(&to, Some(&mt))).await).await;
    assert!(page.contains("请准时参加") && !page.contains("<script>alert"));
    // The bell's line leads to the notice and is then read.
    let centre = text(x.t.send(get("/notifications", Some(&mt))).await).await;
    assert!(centre.contains("新通知：学习通知"));
    let at = centre.find("href=\"/notifications/").unwrap() + "href=\"".len();
    let line: String = centre[at..].chars().take_while(|c| *c != '"').collect();
    let res = x.t.send(get(&line, Some(&mt))).await;
    assert_eq!(location(&res), to);
    let inbox = text(x.t.send(get("/notices", Some(&mt))).await).await;
    assert!(!inbox.contains("class=\"nav-badge\""), "read: no badge");
    assert!(!inbox.contains(">未读<"), "opened: read");
    let receipts = text(x.t.send(get(&format!("{to}/receipts"), Some(&ot))).await).await;
    assert!(receipts.contains("已读 1 人，未读 3 人"));
    let res =
        x.t.send(post_form(&format!("{to}/remind"), Some(&ot), Some(&oc), ""))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let res =
        x.t.send(post_form(&format!("{to}/remind"), Some(&ot), Some(&oc), ""))
            .await;
    assert!(
        flash(&res).starts_with("zhibu_flash=error."),
        "once an hour"
    );
    // The member cannot see the lists.
    assert_eq!(
        x.t.send(get(&format!("{to}/receipts"), Some(&mt)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
db_test!(notices_through_the_pages);
