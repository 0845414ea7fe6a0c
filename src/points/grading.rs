//! Annual grading (EVAL-01…03, PTS-10/11): the grade a year's points suggest, with 优秀 capped at
//! a third, and the grade the branch decided at 民主评议, recorded with who decided, when and on
//! what basis. The points only suggest; people decide.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, OrgAction, Scope};
use crate::shared::error::DomainError;

pub use super::grading_store::decisions;
use super::grading_store::upsert;

/// A suggested annual grade (EVAL-02), advisory only (PTS-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 优秀.
    Excellent,
    /// 合格.
    Qualified,
    /// 基本合格.
    BasicallyQualified,
    /// 不合格.
    Unqualified,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Self; 4] = [
        Self::Excellent,
        Self::Qualified,
        Self::BasicallyQualified,
        Self::Unqualified,
    ];

    /// Stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Qualified => "qualified",
            Self::BasicallyQualified => "basically_qualified",
            Self::Unqualified => "unqualified",
        }
    }

    /// From a stored code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }

    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Excellent => "优秀",
            Self::Qualified => "合格",
            Self::BasicallyQualified => "基本合格",
            Self::Unqualified => "不合格",
        }
    }
}

/// PTS-10 bands on a score (the year's share of what the member could attain, see
/// [`super::share`]): ≥ 90 优秀 candidate, ≥ 70 合格, ≥ 60 基本合格, else 不合格 candidate.
/// EVAL-03: at most a third of those rated may be suggested 优秀; the rest of the candidates,
/// lowest first, are suggested 合格. Input is (member, score), output best first; among equal
/// scores the input order decides.
#[must_use]
pub fn suggest<T: Clone>(rows: &[(T, i64)], bands: (i64, i64, i64)) -> Vec<(T, i64, Grade)> {
    let (excellent, qualified, basic) = bands;
    let max_excellent = rows.len() / 3;
    let mut ranked: Vec<(T, i64)> = rows.to_vec();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut given = 0;
    ranked
        .into_iter()
        .map(|(k, p)| {
            let g = if p >= excellent && given < max_excellent {
                given += 1;
                Grade::Excellent
            } else if p >= qualified {
                Grade::Qualified
            } else if p >= basic {
                Grade::BasicallyQualified
            } else {
                Grade::Unqualified
            };
            (k, p, g)
        })
        .collect()
}

/// A decision as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The grade decided.
    pub grade: Grade,
    /// On what basis (the meeting that decided).
    pub basis: String,
    /// Who recorded it.
    pub decided_by: String,
    /// When.
    pub decided_at: OffsetDateTime,
}

/// One member's decision about to be stored.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pick {
    pub(super) member_id: i64,
    pub(super) org_id: i64,
    pub(super) points: i64,
    pub(super) score: i64,
    pub(super) suggested: Grade,
    pub(super) decided: Grade,
}

/// [`suggest`] branch by branch: the third of EVAL-03 is counted over each branch's 正式党员
/// on the books, so a member's suggestion is the same from the branch page and from the
/// committee's. Input is (branch, member, points); output highest points first.
#[must_use]
pub fn suggest_by_branch<T: Clone>(
    rows: &[(i64, T, i64)],
    bands: (i64, i64, i64),
) -> Vec<(T, i64, Grade)> {
    let mut branches: Vec<i64> = rows.iter().map(|r| r.0).collect();
    branches.sort_unstable();
    branches.dedup();
    let mut out: Vec<(T, i64, Grade)> = branches
        .into_iter()
        .flat_map(|b| {
            let one: Vec<(T, i64)> = rows
                .iter()
                .filter(|r| r.0 == b)
                .map(|r| (r.1.clone(), r.2))
                .collect();
            suggest(&one, bands)
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.1));
    out
}

/// Records the grades the branch decided for a year: `(member id, grade code)` for each
/// member decided. Every member must be on the books of the organisation's subtree and within
/// the caller's reach. Returns how many changed and, when 优秀 exceeds a third of those rated
/// (EVAL-03), a warning to show: the rule is "generally", so it warns rather than refuses.
///
/// # Errors
/// Denied unless the caller runs the organisation; a missing basis, a year not yet begun,
/// unknown grades or members.
pub async fn record(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    year: i32,
    basis: &str,
    picks: &[(i64, String)],
) -> Result<(usize, Option<String>), DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::Edit).await?;
    let basis = basis.trim();
    if basis.is_empty() || basis.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "请填写评定依据，如“2026年12月20日支部党员大会民主评议”（不超过 200 字）".into(),
        ));
    }
    if year > app.clock.today().year() {
        return Err(DomainError::Invalid(format!("{year}年尚未开始，不能评定")));
    }
    let rows = super::assess::assess(app, &org.path, year).await?;
    let before = decisions(&mut app.db.conn().await?.exec(), &org.path, year).await?;
    let suggested: HashMap<i64, &super::assess::Assessed> =
        rows.iter().map(|r| (r.member_id, r)).collect();
    let mut chosen = Vec::new();
    for (member_id, code) in picks {
        let Some(row) = suggested.get(member_id) else {
            // EVAL-05: 预备党员 take part in 民主评议 but are not graded; say so by name.
            if let Ok(d) =
                crate::members::service::detail(app, scope, *member_id, MemberAction::Edit).await
                && d.member.category() == crate::members::model::Category::Probationary
            {
                return Err(DomainError::Invalid(format!(
                    "{}是预备党员，参加民主评议但不评定等次",
                    d.member.name
                )));
            }
            return Err(DomainError::Invalid(
                "所选党员不在该组织的在册党员中，请刷新页面后重试".into(),
            ));
        };
        let Some(grade) = Grade::from_code(code) else {
            return Err(DomainError::Invalid("请为每名党员选择评定等次".into()));
        };
        crate::members::service::detail(app, scope, *member_id, MemberAction::Edit).await?;
        chosen.push(Pick {
            member_id: *member_id,
            org_id: row.org_id,
            points: row.points,
            score: row.basis.score,
            suggested: row.grade,
            decided: grade,
        });
    }
    let now = app.now();
    let by = actor.user_id.ok_or(Denial::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let mut changed = 0;
    for p in chosen {
        let same = before
            .get(&p.member_id)
            .is_some_and(|d| d.grade == p.decided && d.basis == basis);
        if same {
            continue;
        }
        upsert(&mut tx.exec(), p, year, basis, (by, now)).await?;
        let was = before
            .get(&p.member_id)
            .map_or("未评定", |d| d.grade.label());
        let ev = AuditEvent::success("points.grade", "member", p.member_id)
            .org(p.org_id)
            .detail(format!(
                "{year}年度评定：{was} → {}（全年积分 {}，参考分 {}，参考等次 {}；依据：{basis}）",
                p.decided.label(),
                p.points,
                p.score,
                p.suggested.label()
            ));
        audit::record(&mut tx, actor, now, ev).await?;
        changed += 1;
    }
    tx.commit().await?;
    let after = decisions(&mut app.db.conn().await?.exec(), &org.path, year).await?;
    // EVAL-03 per branch, over its 正式党员 on the books: the same warning whichever level the
    // grades were recorded from.
    let mut warnings = Vec::new();
    let mut branches: Vec<(i64, String)> = rows
        .iter()
        .map(|r| (r.org_id, r.org_name.clone()))
        .collect();
    branches.sort_unstable();
    branches.dedup();
    for (branch, name) in branches {
        let on_books = rows.iter().filter(|r| r.org_id == branch).count();
        let excellent = rows
            .iter()
            .filter(|r| r.org_id == branch)
            .filter(|r| {
                after
                    .get(&r.member_id)
                    .is_some_and(|d| d.grade == Grade::Excellent)
            })
            .count();
        if excellent * 3 > on_books {
            warnings.push(format!(
                "{name}评为优秀的 {excellent} 人超过该支部正式党员（{on_books} 人）的三分之一"
            ));
        }
    }
    let warning = (!warnings.is_empty()).then(|| {
        format!(
            "{}。按照中组部《关于民主评议党员的意见》，评为优秀的一般不超过三分之一，请核实。",
            warnings.join("；")
        )
    });
    Ok((changed, warning))
}
