//! One year's assessment of the 正式党员 of a subtree (PTS-10, EVAL-03/05): each member's share
//! of what the meetings they were expected at could bring, the suggestion from it with the third
//! of 优秀 counted per branch, and a note where that third had to choose between equal scores.
//! The branch page and the committee's read the same numbers, so a member's suggestion does not
//! change with the level it is viewed from.

use std::collections::HashMap;

use crate::app::App;
use crate::db::StoreError;

use super::grading::{Grade, suggest_by_branch};
use super::grading_store::{by_code, occasions, year_rows};
use super::model::RankPeriod;
use super::share::{Basis, attainable, is_attendance};

/// One member's assessment for a year.
#[derive(Debug, Clone)]
pub struct Assessed {
    /// Member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Branch.
    pub org_id: i64,
    /// Branch name.
    pub org_name: String,
    /// The year's points.
    pub points: i64,
    /// What the suggestion rests on.
    pub basis: Basis,
    /// Suggested grade (advisory only, PTS-11).
    pub grade: Grade,
    /// Set when members of equal score got different suggestions because of the third.
    pub tie: Option<String>,
}

/// The assessment of every 正式党员 on the books of the subtree at `root`, best score first.
///
/// # Errors
/// Storage failures.
pub(super) async fn assess(app: &App, root: &str, year: i32) -> Result<Vec<Assessed>, StoreError> {
    super::posting::sync(app).await?;
    let key = RankPeriod::Calendar(crate::meetings::model::Period::Year(year)).total_key();
    let mut conn = app.db.conn().await?;
    let mut rows = year_rows(&mut conn.exec(), root, &key).await?;
    let mut occ = occasions(&mut conn.exec(), root, year).await?;
    let codes = by_code(&mut conn.exec(), root, year).await?;
    let items = super::store::items(&mut conn.exec()).await?;
    drop(conn);
    let mut earned: HashMap<i64, i64> = HashMap::new();
    for (member, code, points) in codes {
        if is_attendance(&items, &code) {
            *earned.entry(member).or_insert(0) += points;
        }
    }
    // Among equal scores the earlier on the books comes first to the third, not the one with
    // more raw points (that would reward holding office again); the note tells the branch that
    // the choice is theirs.
    rows.sort_by_key(|r| r.member_id);
    let bases: Vec<Basis> = rows
        .iter()
        .map(|r| {
            let mine = occ.remove(&r.member_id).unwrap_or_default();
            let present = mine.iter().filter(|o| o.present).count();
            let most = attainable(&items, &r.org_path, &mine);
            let got = earned.get(&r.member_id).copied().unwrap_or(0);
            Basis::new(mine.len(), present, most, got, r.total)
        })
        .collect();
    let [a, b, c] = app.config.points.grade_bands;
    let keyed: Vec<(i64, usize, i64)> = rows
        .iter()
        .zip(&bases)
        .enumerate()
        .map(|(i, (r, s))| (r.org_id, i, s.score))
        .collect();
    let graded = suggest_by_branch(&keyed, (a, b, c));
    let mut groups: HashMap<(i64, i64), Vec<Grade>> = HashMap::new();
    for (i, score, g) in &graded {
        groups
            .entry((rows[*i].org_id, *score))
            .or_default()
            .push(*g);
    }
    Ok(graded
        .into_iter()
        .map(|(i, score, grade)| {
            let r = &rows[i];
            let same = &groups[&(r.org_id, score)];
            let tie = same.iter().any(|g| *g != grade).then(|| {
                format!(
                    "同分 {} 人，优秀名额不超过本支部正式党员的三分之一，请在民主评议中确定",
                    same.len()
                )
            });
            Assessed {
                member_id: r.member_id,
                name: r.name.clone(),
                org_id: r.org_id,
                org_name: r.org_name.clone(),
                points: r.total,
                basis: bases[i],
                grade,
                tie,
            }
        })
        .collect())
}
