//! Browser journey of notices (with `ZHIBU_E2E=1`, on the demo database): a branch secretary
//! publishes a notice through the form; a member sees the bell's count, opens the notice from
//! the notification centre, and the secretary's 已读 / 未读 page counts the read.

use crate::e2e_support::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn a_notice_is_published_read_and_counted() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji").await;
    b.go(&format!("{base}/notices/new")).await;
    b.type_into("#n-title", "关于周五集中学习的通知").await;
    b.type_into("#n-body", "请于周五下午三点到三楼会议室参加集中学习。")
        .await;
    // The toolbar's 列表 adds a list after the text; the published notice shows it as one.
    b.press(".editor-toolbar button:nth-child(3)").await;
    assert!(
        b.run("return document.querySelector('#n-body').value")
            .await
            .as_str()
            .is_some_and(|v| v.contains("<ul>\n<li>第一项</li>")),
        "the toolbar writes the list"
    );
    b.press("form.form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("通知已发布"))
            .await,
        "published"
    );
    let notice = b.url().await;
    assert!(
        b.source().await.contains("<li>第一项</li>"),
        "the list is published as a list"
    );
    env.login("dangyuan").await;
    b.go(&format!("{base}/notifications")).await;
    assert!(b.source().await.contains("新通知：关于周五集中学习的通知"));
    assert!(
        b.source().await.contains("class=\"nav-badge\""),
        "the bell counts it"
    );
    b.press("a[href^='/notifications/']").await;
    assert!(
        b.wait(async |b| b.source().await.contains("三楼会议室"))
            .await,
        "the notice opens from the bell"
    );
    env.login("jg1shuji").await;
    b.go(&format!("{notice}/receipts")).await;
    assert!(
        // The 书记 is a member of the branch too, and read it on publishing.
        b.wait(async |b| b.source().await.contains("已读 2 人"))
            .await,
        "read counted"
    );
}
