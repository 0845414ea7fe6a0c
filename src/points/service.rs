//! Use cases of the points area that read: ledgers, rankings, items, a member's summary and the
//! claims queue; and defining items. Posting lives in `posting`, awards and claims in `awards`.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, Scope};
use crate::db::StoreError;

use super::model::{Item, RankPeriod};
use super::store::{self, Entry};
use crate::shared::error::DomainError;

pub use super::awards::{Award, Awarded, ClaimInput, award, claim, decide};
pub use super::duplicates::recent_duplicate;
pub use super::posting::{CONSUMER, TOPICS, items_for, sync};
pub use super::ranking::{OrgLine, PER_PAGE, Ranked, Ranking, own_rank, ranking};

/// A member's ledger for a period, as posted (see [`as_of`]).
///
/// # Errors
/// Denied outside scope.
pub async fn ledger(
    app: &App,
    scope: &Scope,
    member_id: i64,
    period: RankPeriod,
) -> Result<Vec<Entry>, DomainError> {
    crate::members::service::detail(app, scope, member_id, MemberAction::View).await?;
    let (from, to) = period.range();
    Ok(store::ledger(&mut app.db.conn().await?.exec(), member_id, from, to).await?)
}

/// When automatic points lag behind the events by more than a few seconds, the time up to which
/// they are posted ("积分截至 hh:mm:ss"); `None` when they are current. Pages show what is
/// posted and never run the consumer themselves: a read does not write.
///
/// # Errors
/// Database failures.
pub async fn as_of(app: &App) -> Result<Option<String>, StoreError> {
    let mut conn = app.db.conn().await?;
    let oldest =
        crate::events::oldest_pending(&mut conn.exec(), CONSUMER, super::posting::TOPICS).await?;
    Ok(oldest
        .filter(|t| app.now() - *t > time::Duration::seconds(LAG_SHOWN_AFTER_SECONDS))
        .map(|t| format!("积分截至 {}", crate::shared::text::hms(t))))
}

/// How far behind automatic points may be before pages say so.
const LAG_SHOWN_AFTER_SECONDS: i64 = 10;

/// Items in force today for the organisation's members.
///
/// # Errors
/// Denied outside scope.
pub async fn items(app: &App, scope: &Scope, org_id: i64) -> Result<Vec<Item>, DomainError> {
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::View).await?;
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    Ok(items_for(&all, &org.path, app.clock.today()))
}

/// Items in force today at `org`, which the caller has in focus (the items are the same for
/// every member of a branch and hold nothing personal).
///
/// # Errors
/// Storage failures.
pub async fn items_in_force(
    app: &App,
    org: &crate::orgs::model::Org,
) -> Result<Vec<Item>, StoreError> {
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    Ok(items_for(&all, &org.path, app.clock.today()))
}

/// What an organisation enters to add an item or adjust an inherited one.
#[derive(Debug, Clone)]
pub struct ItemInput {
    /// Code (an inherited code adjusts that item).
    pub code: String,
    /// Name.
    pub name: String,
    /// `basic`, `reward` or `deduction`.
    pub category: String,
    /// Points.
    pub points: i64,
    /// Lowest value officers may give (new items only).
    pub min_points: i64,
    /// Highest value.
    pub max_points: i64,
    /// Caps: day, week, month, year.
    pub caps: [Option<i64>; 4],
    /// Needs approval.
    pub needs_approval: bool,
    /// Claims need evidence.
    pub evidence_required: bool,
}

/// Adds an item for the organisation's subtree, or adjusts an inherited one within the limits the
/// committee above set (a new version from today; the ledger keeps the version each entry used).
///
/// # Errors
/// Denied unless the caller runs the organisation; invalid values.
pub async fn define_item(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    input: &ItemInput,
) -> Result<i64, DomainError> {
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::Edit).await?;
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let code = input.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(DomainError::Invalid(
            "项目代码须为小写字母、数字或下划线（不超过 40 个字符）".into(),
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(DomainError::Invalid(
            "请填写项目名称（不超过 50 字）".into(),
        ));
    }
    let today = app.clock.today();
    let all = store::items(&mut app.db.conn().await?.exec()).await?;
    let parent_path = org
        .path
        .trim_end_matches('/')
        .rsplit_once('/')
        .map_or("/".to_owned(), |(p, _)| format!("{p}/"));
    let inherited = items_for(&all, &parent_path, today)
        .into_iter()
        .find(|i| i.code == code);
    let version = all
        .iter()
        .filter(|i| i.org_id == Some(org.id) && i.code == code)
        .map(|i| i.version)
        .max()
        .unwrap_or(0)
        + 1;
    let item = if let Some(base) = inherited {
        if input.points < base.min_points || input.points > base.max_points {
            return Err(DomainError::Invalid(format!(
                "上级党组织规定“{}”的分值在 {} 至 {} 分之间",
                base.name, base.min_points, base.max_points
            )));
        }
        Item {
            id: 0,
            org_id: Some(org.id),
            version,
            points: input.points,
            name: name.to_owned(),
            effective_from: today,
            effective_to: None,
            ..base
        }
    } else {
        let Some(cat) = super::model::Category::from_code(&input.category) else {
            return Err(DomainError::Invalid("请选择项目类别".into()));
        };
        let negative = cat == super::model::Category::Deduction;
        let (lo, hi) = (input.min_points, input.max_points);
        if lo > input.points
            || input.points > hi
            || (negative && hi >= 0)
            || (!negative && lo <= 0)
            || lo < -100
            || hi > 100
        {
            return Err(DomainError::Invalid(
                "分值须在上下限之间；扣减项目为负数，其他项目为正数（绝对值不超过 100）".into(),
            ));
        }
        if input.caps.iter().flatten().any(|c| *c <= 0 || *c > 1000) {
            return Err(DomainError::Invalid("上限须为 1 至 1000 之间的整数".into()));
        }
        let [cap_day, cap_week, cap_month, cap_year] = input.caps;
        Item {
            id: 0,
            org_id: Some(org.id),
            code: code.to_owned(),
            version,
            name: name.to_owned(),
            category: cat.code().to_owned(),
            points: input.points,
            min_points: lo,
            max_points: hi,
            trigger_topic: "manual".into(),
            trigger_kinds: String::new(),
            cap_day,
            cap_week,
            cap_month,
            cap_year,
            needs_approval: input.needs_approval,
            evidence_required: input.evidence_required,
            effective_from: today,
            effective_to: None,
        }
    };
    let now = app.now();
    let id = app
        .db
        .write(actor, now, async |w| {
            let id = store::insert_item(&mut w.exec(), &item, actor.user_id, now).await?;
            let ev = AuditEvent::success("points.item", "org", org.id)
                .org(org.id)
                .detail(format!(
                    "{}（{}）第 {version} 版 {:+} 分",
                    item.name, item.code, item.points
                ));
            w.audit(ev).await?;
            Ok::<_, DomainError>(id)
        })
        .await?;
    Ok(id)
}

/// A member's points at a glance.
#[derive(Debug, Clone)]
pub struct Summary {
    /// (label, points) for today, this week, month, quarter and year.
    pub totals: Vec<(String, i64)>,
    /// Items with a yearly cap: (item, points this year, cap).
    pub progress: Vec<(Item, i64, i64)>,
    /// This year's entries, newest first.
    pub entries: Vec<Entry>,
    /// "积分截至 hh:mm:ss" while automatic points lag behind.
    pub as_of: Option<String>,
    /// Own rank in the branch this year and the number ranked.
    pub rank: Option<(i64, i64)>,
}

/// The caller's (or a visible member's) points this year.
///
/// # Errors
/// Denied outside scope.
pub async fn summary(app: &App, scope: &Scope, member_id: i64) -> Result<Summary, DomainError> {
    let d = crate::members::service::detail(app, scope, member_id, MemberAction::View).await?;
    let today = app.clock.today();
    let year = RankPeriod::Calendar(crate::meetings::model::Period::Year(today.year()));
    let (from, to) = year.range();
    let mut conn = app.db.conn().await?;
    let entries = store::ledger(&mut conn.exec(), member_id, from, to).await?;
    let sum_in = |a: Date, b: Date| {
        entries
            .iter()
            .filter(|e| a <= e.occurred_on && e.occurred_on <= b)
            .map(|e| e.points)
            .sum::<i64>()
    };
    let mut totals = vec![("今日".to_owned(), sum_in(today, today))];
    for (label, span) in [
        ("本周", super::model::Span::Week),
        ("本月", super::model::Span::Month),
    ] {
        let (a, b) = span.range(today);
        totals.push((label.to_owned(), sum_in(a, b)));
    }
    let q = crate::meetings::model::Period::containing(
        today,
        crate::meetings::model::Granularity::Quarter,
    );
    totals.push(("本季度".to_owned(), sum_in(q.start(), q.end())));
    totals.push(("本年".to_owned(), sum_in(from, to)));
    let all = store::items(&mut conn.exec()).await?;
    let progress = items_for(&all, &d.org.path, today)
        .into_iter()
        .filter_map(|i| {
            let cap = i.cap_year?;
            let got = entries
                .iter()
                .filter(|e| e.item_code == i.code)
                .map(|e| e.points)
                .sum();
            Some((i, got, cap))
        })
        .collect();
    drop(conn);
    let rank = own_rank(app, &d.org.path, year, member_id)
        .await?
        .map(|(r, n)| (r.rank, n));
    Ok(Summary {
        totals,
        progress,
        entries,
        rank,
        as_of: as_of(app).await?,
    })
}

/// Pending claims in the subtree of `org_id` (officers).
///
/// # Errors
/// Denied for members and outside scope.
pub async fn queue(
    app: &App,
    scope: &Scope,
    org_id: i64,
) -> Result<Vec<store::ClaimRow>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::View).await?;
    Ok(store::pending_claims(&mut app.db.conn().await?.exec(), &org.path).await?)
}

/// The caller's own claims.
///
/// # Errors
/// Storage failures.
pub async fn my_claims(app: &App, scope: &Scope) -> Result<Vec<store::ClaimRow>, DomainError> {
    match scope.member_id {
        Some(m) => Ok(store::member_claims(&mut app.db.conn().await?.exec(), m).await?),
        None => Ok(Vec::new()),
    }
}

/// The evidence of a claim the caller may see.
///
/// # Errors
/// `NotFound` outside scope or without evidence.
pub async fn evidence(app: &App, scope: &Scope, id: i64) -> Result<(Vec<u8>, String), DomainError> {
    let c = match store::claim(&mut app.db.conn().await?.exec(), id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    crate::members::service::detail(app, scope, c.member_id, MemberAction::View).await?;
    store::evidence(&mut app.db.conn().await?.exec(), id)
        .await?
        .ok_or(DomainError::Denied(Denial::NotFound))
}

/// One member's suggested grade for a year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggestion {
    /// Member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Branch name.
    pub org_name: String,
    /// Points in the year.
    pub points: i64,
    /// What the suggestion rests on: meetings expected and attended, the attendance share, the
    /// other items, and the score the bands are applied to.
    pub basis: super::share::Basis,
    /// [`Self::basis`] in words, as shown beside the suggestion.
    pub basis_text: String,
    /// Suggested grade (advisory only, PTS-11).
    pub grade: super::model::Grade,
    /// Set when members of equal score got different suggestions because of the third.
    pub tie: Option<String>,
    /// What the branch decided, once recorded.
    pub decided: Option<super::grading::Decision>,
}

/// PTS-10 suggestions for the 正式党员 of the subtree of `org_id`: each member's share of what
/// the meetings they were expected at could bring, with the 1/3 cap of EVAL-03 counted per
/// branch. The branch decides; this is an input to 民主评议.
///
/// # Errors
/// Denied for members and outside scope.
pub async fn suggestions(
    app: &App,
    scope: &Scope,
    org_id: i64,
    year: i32,
) -> Result<Vec<Suggestion>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org =
        crate::orgs::service::get_checked(app, scope, org_id, crate::auth::OrgAction::View).await?;
    let rows = super::assess::assess(app, &org.path, year).await?;
    let mut decided =
        super::grading::decisions(&mut app.db.conn().await?.exec(), &org.path, year).await?;
    Ok(rows
        .into_iter()
        .map(|r| Suggestion {
            member_id: r.member_id,
            name: r.name,
            org_name: r.org_name,
            points: r.points,
            basis_text: r.basis.text(),
            basis: r.basis,
            grade: r.grade,
            tie: r.tie,
            decided: decided.remove(&r.member_id),
        })
        .collect())
}
