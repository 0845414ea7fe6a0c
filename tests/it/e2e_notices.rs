//! Browser journey of notices (with `ZHIBU_E2E=1`, on the demo database): a branch secretary
//! publishes a notice through the form; a member sees the bell's count, opens the notice from
//! the notification centre, and the secretary's 已读 / 未读 page counts the read.

use crate::e2e_support::start;

#[test]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
fn a_notice_is_published_read_and_counted() {
    let env = start();
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji");
    b.go(&format!("{base}/notices/new"));
    b.type_into("#n-title", "关于周五集中学习的通知");
    b.type_into("#n-body", "请于周五下午三点到三楼会议室参加集中学习。");
    b.press("form.form button[type=submit]");
    assert!(b.wait(|b| b.source().contains("通知已发布")), "published");
    let notice = b.url();
    env.login("dangyuan");
    b.go(&format!("{base}/notifications"));
    assert!(b.source().contains("新通知：关于周五集中学习的通知"));
    assert!(
        b.source().contains("class=\"nav-badge\""),
        "the bell counts it"
    );
    b.press("a[href^='/notifications/']");
    assert!(
        b.wait(|b| b.source().contains("三楼会议室")),
        "the notice opens from the bell"
    );
    env.login("jg1shuji");
    b.go(&format!("{notice}/receipts"));
    assert!(b.wait(|b| b.source().contains("已读 1 人")), "read counted");
}
