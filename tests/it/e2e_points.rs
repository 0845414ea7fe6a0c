//! Browser journey of the points area (with `ZHIBU_E2E=1`, on the demo database): a branch
//! secretary opens the ranking, generates a 积分通报 through the form and reads it, then
//! records a member's grade at 民主评议; a deduction is confirmed with the member, the item and
//! the points before it is posted.

use crate::e2e_support::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn secretary_reports_points_and_records_a_grade() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji").await;
    b.go(&format!("{base}/points/ranking")).await;
    assert!(
        b.wait(async |b| b.source().await.contains("党员排名"))
            .await,
        "ranking page"
    );
    b.go(&format!("{base}/points/reports")).await;
    assert!(b.source().await.contains("生成通报"), "report form");
    b.press("form.filters button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("积分通报已生成"))
            .await,
        "report generated"
    );
    let page = b.source().await;
    assert!(page.contains("积分靠前的党员") && page.contains("通报草稿"));
    assert!(b.url().await.contains("/points/reports/"));
    b.go(&format!("{base}/points/grades")).await;
    let page = b.source().await;
    let marker = "<select id=\"g";
    let at = page.find(marker).expect("a member to grade");
    let id: String = page[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    b.run(&format!(
        "document.getElementById('g{id}').value = 'qualified'"
    ))
    .await;
    b.type_into("#basis", "2026年12月支部党员大会民主评议")
        .await;
    b.press("#grades-form button[type=submit]").await;
    assert!(
        b.wait(async |b| b.source().await.contains("已保存评定结果"))
            .await,
        "grade recorded"
    );
    assert!(b.source().await.contains("value=\"qualified\" selected"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
async fn a_deduction_is_confirmed_before_it_is_posted() {
    let env = start().await;
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji").await;
    b.go(&format!("{base}/points/claims")).await;
    // Nothing is chosen for the officer.
    let chosen = b
        .run("return [document.querySelector('#a-m').value, document.querySelector('#a-i').value]")
        .await;
    assert_eq!(chosen, serde_json::json!(["", ""]));
    let who = b
        .run(
            "var m = document.querySelector('#a-m'); m.selectedIndex = 1; \
             var i = document.querySelector('#a-i'); i.value = 'criticised'; \
             i.dispatchEvent(new Event('change')); \
             document.querySelector('#a-r').value = '会议迟到'; \
             return m.options[1].text",
        )
        .await;
    let who = who.as_str().unwrap().to_owned();
    b.press("form[data-award] button[type=submit]").await;
    assert!(b.wait(async |b| b.alert_text().await.is_some()).await);
    let asked = b.alert_text().await.unwrap();
    assert!(
        asked.contains(&who) && asked.contains("受到通报批评") && asked.contains("-2"),
        "{asked}"
    );
    // Cancelled: nothing is posted and the form stays.
    b.dismiss_alert().await;
    assert!(!b.source().await.contains("已记 -2 分"));
    b.press("form[data-award] button[type=submit]").await;
    assert!(b.wait(async |b| b.alert_text().await.is_some()).await);
    b.accept_alert().await;
    assert!(
        b.wait(async |b| b.source().await.contains("已记 -2 分"))
            .await,
        "posted after confirming"
    );
}
