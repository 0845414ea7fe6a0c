//! The group-bot pages on both backends: the list with its form (a bad address comes back with
//! the message and nothing saved), a bot's page with the masked address, changing its events and
//! secret, pausing and resuming, removal; and a 积分通报 published as a notice, which reaches the
//! bots that forward 通报 and not those that forward notices.

use axum::http::StatusCode;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::points::held;
use crate::support::{Backend, get, location, post_form, text};

async fn bots_through_the_pages(b: Backend) {
    let x = branch(b).await;
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let list = format!("/bots?org={}", x.branch);
    let page = text(x.t.send(get(&list, Some(&ot))).await).await;
    assert!(page.contains("还没有群机器人") && page.contains("添加群机器人"));
    let bad = format!(
        "org_id={}&name=%E7%BE%A4&kind=dingtalk&webhook_url=ftp%3A%2F%2Fx.cn%2Fh&events=notice",
        x.branch
    );
    let res =
        x.t.send(post_form("/bots", Some(&ot), Some(&oc), &bad))
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("只能以 http:// 或 https:// 开头"));
    assert_eq!(x.t.rows("bots").await, 0);
    let good = format!(
        "org_id={}&name=%E6%94%AF%E9%83%A8%E7%BE%A4&kind=dingtalk&webhook_url=https%3A%2F%2Foapi.dingtalk.com%2Frobot%2Fsend%3Faccess_token%3Dabc123XYZ9&secret=SECpage&events=notice&events=report",
        x.branch
    );
    let res =
        x.t.send(post_form("/bots", Some(&ot), Some(&oc), &good))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let bot = location(&res);
    let page = text(x.t.send(get(&bot, Some(&ot))).await).await;
    assert!(page.contains("https://oapi.dingtalk.com/…XYZ9") && page.contains("已设置（不显示）"));
    assert!(!page.contains("abc123") && !page.contains("SECpage"));
    assert!(page.contains("新通知、积分通报发布"));
    // Other branches do not see it.
    let (st, _) =
        x.t.session(x.t.user("other", "officer", Some(x.other_branch)).await)
            .await;
    assert_eq!(
        x.t.send(get(&bot, Some(&st))).await.status(),
        StatusCode::NOT_FOUND
    );
    // Change the events and remove the secret; the address stays.
    let res =
        x.t.send(post_form(
            &bot,
            Some(&ot),
            Some(&oc),
            "name=%E6%94%AF%E9%83%A8%E7%BE%A4&events=meeting_soon&clear_secret=1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = text(x.t.send(get(&bot, Some(&ot))).await).await;
    assert!(page.contains("会议即将开始") && page.contains("未设置") && page.contains("…XYZ9"));
    assert_eq!(x.t.audit_count("bot.update").await, 1);
    let res =
        x.t.send(post_form(&format!("{bot}/pause"), Some(&ot), Some(&oc), ""))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let page = text(x.t.send(get(&bot, Some(&ot))).await).await;
    assert!(page.contains("已暂停：由"));
    let res =
        x.t.send(post_form(
            &format!("{bot}/delete"),
            Some(&ot),
            Some(&oc),
            "",
        ))
        .await;
    assert_eq!(location(&res), list);
    assert_eq!(x.t.rows("bots").await, 0);
    assert_eq!(x.t.audit_count("bot.delete").await, 1);
}
db_test!(bots_through_the_pages);

async fn pts_07_report_published_as_a_notice_reaches_report_bots(b: Backend) {
    let x = crate::meetings::branch_with(b, crate::bots_support::local).await;
    held(&x).await;
    let (ot, oc) = x.t.session(x.officer_uid).await;
    for (name, events) in [
        ("%E9%80%9A%E6%8A%A5", "report"),
        ("%E9%80%9A%E7%9F%A5", "notice"),
    ] {
        let body = format!(
            "org_id={}&name={name}&kind=wecom&webhook_url=http%3A%2F%2F127.0.0.1%3A9%2Fh&events={events}",
            x.branch
        );
        let res =
            x.t.send(post_form("/bots", Some(&ot), Some(&oc), &body))
                .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res =
        x.t.send(post_form(
            "/points/reports",
            Some(&ot),
            Some(&oc),
            &format!("org={}&period=2026-11", x.branch),
        ))
        .await;
    let report = location(&res);
    let page = text(x.t.send(get(&report, Some(&ot))).await).await;
    assert!(page.contains("作为通知发布"));
    let res = x
        .t
        .send(post_form(
            &format!("{report}/publish"),
            Some(&ot),
            Some(&oc),
            "title=2026%E5%B9%B411%E6%9C%88%E7%A7%AF%E5%88%86%E9%80%9A%E6%8A%A5&body=%E6%9C%AC%E6%9C%88%E7%A7%AF%E5%88%86%E5%A6%82%E4%B8%8B&receipt=1",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let notice = location(&res);
    assert!(notice.starts_with("/notices/"), "{notice}");
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let page = text(x.t.send(get(&notice, Some(&mt))).await).await;
    assert!(page.contains("2026年11月积分通报") && page.contains("本月积分如下"));
    let sql = "(SELECT d.* FROM bot_deliveries d JOIN bots b ON b.id = d.bot_id
        WHERE d.event_kind = 'report' AND b.events = ',report,') AS d";
    assert_eq!(x.t.rows(sql).await, 1, "the 通报 bot hears of it");
    assert_eq!(
        x.t.rows("bot_deliveries").await,
        1,
        "the notice bot does not"
    );
    // An empty title is refused with nothing published.
    let res =
        x.t.send(post_form(
            &format!("{report}/publish"),
            Some(&ot),
            Some(&oc),
            "title=&body=x",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    assert_eq!(x.t.rows("notices").await, 1);
}
db_test!(pts_07_report_published_as_a_notice_reaches_report_bots);
