//! 党务公开 on both backends: a 发展公示 seen by the branch's members with its remaining days
//! and over after its last day, hidden from another branch and from the committee above unless
//! shared, bad entries refused with nothing written, and withdrawal with a reason, audited.

use axum::http::StatusCode;
use time::Duration;

use crate::db_test;
use crate::meeting_pages::flash;
use crate::meetings::branch;
use crate::support::{Backend, get, location, post_form, text};

fn entry(org: i64, kind: &str, title: &str, dates: (&str, &str), to_parent: bool) -> String {
    format!(
        "org_id={org}&kind={kind}&title={title}&body=%E5%85%AC%E7%A4%BA%E5%86%85%E5%AE%B9%3Cscript%3Ealert(1)%3C%2Fscript%3E&starts_on={}&ends_on={}{}",
        dates.0,
        dates.1,
        if to_parent { "&to_parent=1" } else { "" }
    )
}

async fn board_shows_publicity_to_the_right_people(b: Backend) {
    let mut x = branch(b).await;
    let (ot, oc) = x.t.session(x.officer_uid).await;
    // Refused, nothing written: a last day before the first, a 发展公示 without an end, no title.
    for bad in [
        entry(
            x.branch,
            "development",
            "A",
            ("2026-11-28", "2026-11-20"),
            false,
        ),
        entry(x.branch, "development", "A", ("2026-11-28", ""), false),
        entry(x.branch, "dues", "", ("2026-11-28", ""), false),
        entry(x.branch, "nonsense", "A", ("2026-11-28", ""), false),
    ] {
        let res =
            x.t.send(post_form("/board", Some(&ot), Some(&oc), &bad))
                .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(x.t.rows("disclosures").await, 0);
    let publicity = entry(
        x.branch,
        "development",
        "%E5%8F%91%E5%B1%95%E5%85%AC%E7%A4%BA",
        ("2026-11-28", "2026-12-04"),
        false,
    );
    let res =
        x.t.send(post_form("/board", Some(&ot), Some(&oc), &publicity))
            .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let shared = entry(
        x.branch,
        "dues",
        "%E5%85%9A%E8%B4%B9",
        ("2026-11-28", ""),
        true,
    );
    x.t.send(post_form("/board", Some(&ot), Some(&oc), &shared))
        .await;
    // A member of the branch sees it with its days left; the script is gone.
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let page = text(x.t.send(get(&to, Some(&mt))).await).await;
    assert!(page.contains("公示中，还剩 7 天") && page.contains("公示内容"));
    assert!(!page.contains("<script>alert"));
    // The other branch's member: not found.
    let stranger =
        x.t.linked_user("dy99", "member", Some(x.other_branch), None)
            .await;
    let (st, _) = x.t.session(stranger).await;
    assert_eq!(
        x.t.send(get(&to, Some(&st))).await.status(),
        StatusCode::NOT_FOUND
    );
    // The committee's officer sees only what was shared upwards.
    let uid = x.t.user("dangwei", "officer", Some(x.committee)).await;
    let (ct, _) = x.t.session(uid).await;
    assert_eq!(
        x.t.send(get(&to, Some(&ct))).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = text(
        x.t.send(get(&format!("/board?org={}", x.branch), Some(&ct)))
            .await,
    )
    .await;
    assert!(list.contains("党费") && !list.contains("发展公示"));
    // After the last day the 公示 is over without anyone closing it.
    x.t.clock.advance(Duration::days(7));
    x.relogin().await;
    let (mt, _) = x.t.session(x.member_uids[0]).await;
    let page = text(x.t.send(get(&to, Some(&mt))).await).await;
    assert!(page.contains("公示已结束"));
    // Withdrawal needs a reason, is audited, and only the board's officers may do it.
    let (ot, oc) = x.t.session(x.officer_uid).await;
    let (ct, cc) = x.t.session(uid).await;
    let res =
        x.t.send(post_form(
            &format!("{to}/withdraw"),
            Some(&ct),
            Some(&cc),
            "reason=x",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res =
        x.t.send(post_form(
            &format!("{to}/withdraw"),
            Some(&ot),
            Some(&oc),
            "reason=",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    let res =
        x.t.send(post_form(
            &format!("{to}/withdraw"),
            Some(&ot),
            Some(&oc),
            "reason=%E6%9C%89%E8%AF%AF",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    assert_eq!(x.t.audit_count("disclosure.withdraw").await, 1);
    let page = text(x.t.send(get(&to, Some(&mt))).await).await;
    assert!(page.contains("已撤回：有误"));
}
db_test!(board_shows_publicity_to_the_right_people);
