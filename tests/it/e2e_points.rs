//! Browser journey of the points area (with `ZHIBU_E2E=1`, on the demo database): a branch
//! secretary opens the ranking, generates a 积分通报 through the form and reads it, then
//! records a member's grade at 民主评议.

use crate::e2e_support::start;

#[test]
#[cfg_attr(
    not(zhibu_e2e),
    ignore = "needs ZHIBU_E2E=1 (Chromium and chromedriver)"
)]
fn secretary_reports_points_and_records_a_grade() {
    let env = start();
    let (b, base) = (&env.b, &env.base);
    env.login("jg1shuji");
    b.go(&format!("{base}/points/ranking"));
    assert!(b.wait(|b| b.source().contains("党员排名")), "ranking page");
    b.go(&format!("{base}/points/reports"));
    assert!(b.source().contains("生成通报"), "report form");
    b.press("form.filters button[type=submit]");
    assert!(
        b.wait(|b| b.source().contains("积分通报已生成")),
        "report generated"
    );
    let page = b.source();
    assert!(page.contains("积分靠前的党员") && page.contains("通报草稿"));
    assert!(b.url().contains("/points/reports/"));
    b.go(&format!("{base}/points/grades"));
    let page = b.source();
    let marker = "<select id=\"g";
    let at = page.find(marker).expect("a member to grade");
    let id: String = page[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    b.cmd(
        "POST",
        "/execute/sync",
        Some(serde_json::json!({
            "script": format!("document.getElementById('g{id}').value = 'qualified'"),
            "args": []
        })),
    );
    b.type_into("#basis", "2026年12月支部党员大会民主评议");
    b.press("#grades-form button[type=submit]");
    assert!(
        b.wait(|b| b.source().contains("已保存评定结果")),
        "grade recorded"
    );
    assert!(b.source().contains("value=\"qualified\" selected"));
}
