//! The demo's committee terms and officers, so that term reminders and officer lists have
//! something to show and the 书记 accounts can sign in with their own member record.

use time::{Date, Duration};

use crate::orgs::model::{Org, Post};
use crate::orgs::rows::{self as org_store, NewOfficer};

use super::date;

/// The committees' terms (届), their officers, an earlier 书记 whose term ended, and the
/// 党小组 leaders. Returns each current officer: (organisation, member, post).
pub(super) async fn seed(
    tx: &mut crate::db::Tx,
    orgs: &[Org],
    members: &[(i64, i64, String)],
    today: Date,
    now: time::OffsetDateTime,
) -> anyhow::Result<Vec<(i64, i64, Post)>> {
    let mut officers = Vec::new();
    // (org index, previous term start, current term start, years). 机关一支部's term ends within
    // six months of today so the re-election reminder has something to show.
    let near_end =
        crate::orgs::model::term_end(today - Duration::days(3 * 365), 0) + Duration::days(90);
    let terms: &[(usize, Date, Date, i64)] = &[
        (0, date(2019, 6, 20), date(2024, 6, 20), 5),
        (1, date(2020, 4, 15), date(2023, 4, 15), 3),
        (2, near_end - Duration::days(3 * 365), near_end, 3),
        (3, date(2021, 10, 12), date(2024, 10, 12), 3),
        (4, date(2020, 5, 8), date(2023, 5, 8), 3),
        (5, date(2022, 3, 1), date(2025, 3, 1), 3),
        (6, date(2021, 12, 6), date(2024, 12, 6), 3),
    ];
    for (idx, prev, cur, years) in terms {
        let org = &orgs[*idx];
        org_store::insert_term(&mut tx.exec(), org.id, *prev, *years, Some("上一届"), now).await?;
        let term = org_store::insert_term(&mut tx.exec(), org.id, *cur, *years, None, now).await?;
        // Officers come from the branch itself; committees draw from the first branch below.
        let pool: Vec<&(i64, i64, String)> = members
            .iter()
            .filter(|m| {
                m.1 == org.id
                    || (*idx <= 1
                        && orgs
                            .iter()
                            .any(|o| o.id == m.1 && o.path.starts_with(&org.path)))
            })
            .collect();
        let posts = [
            Post::Secretary,
            Post::OrganizationOfficer,
            Post::PublicityOfficer,
            Post::DisciplineOfficer,
        ];
        for (k, post) in posts.iter().enumerate() {
            let Some(m) = pool.get(k * 3) else { continue };
            let no = NewOfficer {
                term_id: Some(term),
                post: post.code(),
                member_id: Some(m.0),
                person_name: &m.2,
                started_on: *cur,
            };
            org_store::insert_officer(&mut tx.exec(), org.id, &no, now).await?;
            officers.push((org.id, m.0, *post));
        }
        if let Some(m) = pool.get(1) {
            let no = NewOfficer {
                term_id: None,
                post: Post::Secretary.code(),
                member_id: Some(m.0),
                person_name: &m.2,
                started_on: *prev,
            };
            let id = org_store::insert_officer(&mut tx.exec(), org.id, &no, now).await?;
            org_store::end_officer(&mut tx.exec(), org.id, id, *cur).await?;
        }
    }
    for (k, gidx) in [7usize, 8, 9, 10].iter().enumerate() {
        let g = &orgs[*gidx];
        let Some(parent) = g.parent_id else { continue };
        if let Some(m) = members.iter().filter(|m| m.1 == parent).nth(k % 2 + 5) {
            let no = NewOfficer {
                term_id: None,
                post: Post::GroupLeader.code(),
                member_id: Some(m.0),
                person_name: &m.2,
                started_on: date(2023, 3, 1),
            };
            org_store::insert_officer(&mut tx.exec(), g.id, &no, now).await?;
        }
    }
    Ok(officers)
}
