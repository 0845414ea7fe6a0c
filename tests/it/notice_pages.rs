//! The notice pages on both backends: the officer's form (a bad one comes back with the message
//! and nothing saved), the member's inbox with the unread badge, reading, and the officer's
//! 已读 / 未读 page with the reminder.

use axum::http::StatusCode;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::support::{Backend, get, location, multipart, post_form, text};

async fn notices_through_the_pages(b: Backend) {
    let x = branch(b).await;
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

/// Attachments come with the notice form: a file that is not what it claims refuses the whole
/// notice with nothing written; accepted ones are stored with it (a picture re-encoded), served
/// to its recipients and the sender, and to nobody else.
async fn notice_attachments_reach_recipients_only(b: Backend) {
    let x = branch(b).await;
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let org = x.branch.to_string();
    let fields = [
        ("org_id", org.as_str()),
        ("title", "学习材料"),
        ("body", "见附件"),
        ("to", org.as_str()),
    ];
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let png = crate::feed::png();
    let res =
        x.t.send(multipart(
            "/notices",
            &ot,
            &oc,
            &fields,
            &[
                ("files", "材料.pdf", &pdf),
                ("files", "setup.pdf", b"MZ\x90\x00 not a pdf"),
            ],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("setup.pdf"));
    assert_eq!(x.t.rows("notices").await, 0);
    assert_eq!(x.t.rows("notice_files").await, 0);
    let eleven: Vec<(&str, &str, &[u8])> = (0..11)
        .map(|_| ("files", "a.pdf", pdf.as_slice()))
        .collect();
    let res =
        x.t.send(multipart("/notices", &ot, &oc, &fields, &eleven))
            .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most ten"
    );
    assert_eq!(x.t.rows("notices").await, 0);
    let res =
        x.t.send(multipart(
            "/notices",
            &ot,
            &oc,
            &fields,
            &[("files", "材料.pdf", &pdf), ("files", "合影.png", &png)],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let page = text(x.t.send(get(&to, Some(&mt))).await).await;
    assert!(
        page.contains("材料.pdf") && page.contains("合影.jpg"),
        "{page}"
    );
    let at = page.find(&format!("href=\"{to}/files/")).unwrap() + "href=\"".len();
    let link: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let res = x.t.send(get(&link, Some(&mt))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    crate::support::assert_private(&res, false);
    let res = x.t.send(get(&link, Some(&ot))).await;
    assert_eq!(res.status(), StatusCode::OK, "the sender");
    let elsewhere = x.t.member(x.other_branch, None, 77).await;
    let uid =
        x.t.linked_user("elsewhere", "member", Some(x.other_branch), Some(elsewhere))
            .await;
    let (st, _) = x.t.session(uid).await;
    assert_eq!(
        x.t.send(get(&link, Some(&st))).await.status(),
        StatusCode::NOT_FOUND
    );
    let other = format!("{to}/files/999999");
    assert_eq!(
        x.t.send(get(&other, Some(&mt))).await.status(),
        StatusCode::NOT_FOUND
    );
    // The API lists them.
    let id = to.trim_start_matches("/notices/");
    let v = crate::meetings::json_of(
        x.t.send(crate::support::bearer_get(
            &format!("/api/v1/notices/{id}"),
            &x.members[0].1,
        ))
        .await,
    )
    .await;
    assert_eq!(v["attachments"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["attachments"][1]["content_type"], "image/jpeg");
}
db_test!(notice_attachments_reach_recipients_only);
