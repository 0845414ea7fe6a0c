//! Rankings paged over the three bands (above 0, at 0 with or without entries, below 0) on both
//! backends: every page agrees with the whole list, ties keep their rank across a page break,
//! members without entries rank at 0, and bad page numbers are refused or clamped.

use axum::http::StatusCode;
use serde_json::Value;

use crate::db_test;
use crate::meetings::{Branch, branch, json_of};
use crate::points::held;
use crate::support::{Backend, bearer_get};

async fn ranking(x: &Branch, org: i64, rest: &str) -> Value {
    ranking_as(x, &x.officer, org, rest).await
}

async fn ranking_as(x: &Branch, token: &str, org: i64, rest: &str) -> Value {
    let res =
        x.t.send(bearer_get(
            &format!("/api/v1/points/ranking?org={org}&period=2026-11{rest}"),
            token,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    json_of(res).await
}

fn lines(v: &Value) -> Vec<(i64, i64)> {
    v["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["points"].as_i64().unwrap(), e["rank"].as_i64().unwrap()))
        .collect()
}

async fn pts_ranking_pages_agree_with_the_whole_list(b: Backend) {
    let x = branch(b).await;
    held(&x).await;
    // A member who joined after the meeting has no entries this month: 0 points, not left out.
    x.t.member(x.branch, None, 40).await;
    let all = ranking(&x, x.branch, "").await;
    assert_eq!(all["members"], 5);
    assert_eq!(all["without_points"], 1);
    assert_eq!(all["pages"], 1);
    let whole = lines(&all);
    assert_eq!(whole, vec![(4, 1), (4, 1), (4, 1), (0, 4), (-3, 5)]);
    let mut paged = Vec::new();
    for page in 1..=5 {
        let v = ranking(&x, x.branch, &format!("&per_page=1&page={page}")).await;
        assert_eq!(
            (v["page"].as_i64(), v["pages"].as_i64()),
            (Some(page), Some(5))
        );
        paged.extend(lines(&v));
    }
    assert_eq!(paged, whole, "a tie split by a page break keeps its rank");
    let two = ranking(&x, x.branch, "&per_page=2&page=2").await;
    assert_eq!(lines(&two), vec![(4, 1), (0, 4)]);
    let past_end = ranking(&x, x.branch, "&per_page=2&page=99").await;
    assert_eq!(past_end["page"], 3, "a page past the end shows the last");
    assert_eq!(lines(&past_end), vec![(-3, 5)]);
    // The committee ranks the other branch's member too, at 0, with 人均积分 per organisation.
    let uid = x.t.user("dangwei", "officer", Some(x.committee)).await;
    let committee_officer = x.t.session(uid).await.0;
    let c = ranking_as(&x, &committee_officer, x.committee, "").await;
    assert_eq!(c["members"], 6);
    assert_eq!(
        lines(&c),
        vec![(4, 1), (4, 1), (4, 1), (0, 4), (0, 4), (-3, 6)]
    );
    let orgs = c["orgs"].as_array().unwrap();
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0]["org_id"].as_i64(), Some(x.branch));
    assert_eq!(orgs[0]["total"], 9);
    assert_eq!(orgs[0]["average"], 1.8);
    for bad in ["&page=0", "&page=x", "&per_page=-1"] {
        let res =
            x.t.send(bearer_get(
                &format!("/api/v1/points/ranking?org={}{bad}", x.branch),
                &x.officer,
            ))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
db_test!(pts_ranking_pages_agree_with_the_whole_list);

/// Runs one statement on the test database, as another part of the program would.
async fn exec(x: &Branch, sql: &str) {
    match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => drop(sqlx::query(sql).execute(p).await.unwrap()),
        zhibu::db::Db::Postgres(p) => drop(sqlx::query(sql).execute(p).await.unwrap()),
    }
}

/// The per-organisation aggregates as stored, and as recomputed from the members' totals.
async fn aggregates(
    x: &Branch,
) -> (
    Vec<(String, i64, i64, i64, i64, i64)>,
    Vec<(String, i64, i64, i64, i64, i64)>,
) {
    const STORED: &str =
        "SELECT period_key, org_id, CAST(on_books AS BIGINT), CAST(scored AS BIGINT),
        CAST(total AS BIGINT), CAST(positive AS BIGINT) FROM point_org_totals WHERE scored <> 0
        ORDER BY 1, 2, 3";
    const FRESH: &str = "SELECT t.period_key, m.org_id,
        CAST(CASE WHEN m.membership_status = 'normal' THEN 1 ELSE 0 END AS BIGINT),
        CAST(COUNT(*) AS BIGINT), CAST(SUM(t.total) AS BIGINT),
        CAST(SUM(CASE WHEN t.total > 0 THEN 1 ELSE 0 END) AS BIGINT)
        FROM point_totals t JOIN members m ON m.id = t.member_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => (
            sqlx::query_as(STORED).fetch_all(p).await.unwrap(),
            sqlx::query_as(FRESH).fetch_all(p).await.unwrap(),
        ),
        zhibu::db::Db::Postgres(p) => (
            sqlx::query_as(STORED).fetch_all(p).await.unwrap(),
            sqlx::query_as(FRESH).fetch_all(p).await.unwrap(),
        ),
    }
}

/// PTS-06: each total's organisation and book status, and the per-organisation aggregates, stay
/// exact through postings, a transfer and a change of status, so rankings follow the member.
async fn pts_ranking_aggregates_follow_transfers_and_status(b: Backend) {
    let x = branch(b).await;
    held(&x).await;
    let uid = x.t.user("dangwei", "officer", Some(x.committee)).await;
    let committee = x.t.session(uid).await.0;
    let c = ranking_as(&x, &committee, x.committee, "").await;
    assert_eq!(lines(&c), vec![(4, 1), (4, 1), (4, 1), (0, 4), (-3, 5)]);
    let (stored, fresh) = aggregates(&x).await;
    assert_eq!(stored, fresh);
    // A scored member moves to the other branch: the branch loses a 4, the other gains it.
    let moved = x.members[0].0;
    exec(
        &x,
        &format!(
            "UPDATE members SET org_id = {} WHERE id = {moved}",
            x.other_branch
        ),
    )
    .await;
    let (stored, fresh) = aggregates(&x).await;
    assert_eq!(stored, fresh, "after a transfer");
    let own = ranking(&x, x.branch, "").await;
    assert_eq!(lines(&own), vec![(4, 1), (4, 1), (-3, 3)]);
    assert_eq!(own["orgs"][0]["total"], 5);
    let c = ranking_as(&x, &committee, x.committee, "&per_page=2&page=2").await;
    assert_eq!(lines(&c), vec![(4, 1), (0, 4)]);
    // Leaving the books (转出) keeps the totals but out of every ranking; coming back restores.
    exec(
        &x,
        &format!("UPDATE members SET membership_status = 'transferred_out' WHERE id = {moved}"),
    )
    .await;
    let (stored, fresh) = aggregates(&x).await;
    assert_eq!(stored, fresh, "after a change of status");
    let c = ranking_as(&x, &committee, x.committee, "").await;
    assert_eq!(c["members"], 4);
    assert_eq!(lines(&c), vec![(4, 1), (4, 1), (0, 3), (-3, 4)]);
    // Pages of the branch skip the member off the books.
    let p2 = ranking(&x, x.branch, "&per_page=1&page=2").await;
    assert_eq!(lines(&p2), vec![(4, 1)]);
    exec(
        &x,
        &format!("UPDATE members SET membership_status = 'normal' WHERE id = {moved}"),
    )
    .await;
    let (stored, fresh) = aggregates(&x).await;
    assert_eq!(stored, fresh, "back on the books");
    let c = ranking_as(&x, &committee, x.committee, "").await;
    assert_eq!(lines(&c), vec![(4, 1), (4, 1), (4, 1), (0, 4), (-3, 5)]);
}
db_test!(pts_ranking_aggregates_follow_transfers_and_status);
