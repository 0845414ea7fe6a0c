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
    let Some(x) = branch(b).await else { return };
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
