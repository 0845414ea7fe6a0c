//! The 积分通报 (PTS-07): what a report holds — totals, the top members, 人均积分 per
//! organisation, the biggest movers against the period before, and the members with no points —
//! and the draft notice text written from it. A report is a snapshot: it is stored as it was
//! generated, so what was announced can be shown again unchanged.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::StoreResult;
use crate::shared::text::ymd;

use super::model::RankPeriod;
use super::rank_store::{self, Band, Line};
use super::ranking::{OrgLine, Ranked, page_of};

/// Lines in the top list.
const TOP: i64 = 10;
/// Movers listed each way.
const MOVERS: i64 = 5;
/// Members with no points listed by name (the count covers all).
const NO_POINTS_LISTED: i64 = 200;

/// A member whose points moved against the period before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mover {
    /// Member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// The member's organisation.
    pub org_name: String,
    /// Points this period.
    pub points: i64,
    /// Points the period before.
    pub previous: i64,
}

impl Mover {
    fn of((member_id, name, _, org_name, points): Line, previous: i64) -> Self {
        Self {
            member_id,
            name,
            org_name,
            points,
            previous,
        }
    }

    /// The change, signed.
    #[must_use]
    pub fn change(&self) -> i64 {
        self.points - self.previous
    }
}

/// A 通报 as generated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Period code (`2026-11`).
    pub period: String,
    /// Period label (`2026年11月`).
    pub period_label: String,
    /// Label of the period compared with.
    pub previous_label: String,
    /// First and last day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Day generated.
    pub generated_on: String,
    /// Members on the books.
    pub members: i64,
    /// Their points.
    pub total: i64,
    /// 人均积分, one decimal.
    pub average: f64,
    /// Members at 0 points.
    pub without_points: i64,
    /// The first lines of the ranking.
    pub top: Vec<Ranked>,
    /// Organisations, best average first (only when more than one).
    pub orgs: Vec<OrgLine>,
    /// Largest rises.
    pub risers: Vec<Mover>,
    /// Largest falls.
    pub fallers: Vec<Mover>,
    /// Members with no points this period (the first `NO_POINTS_LISTED`).
    pub no_points: Vec<Ranked>,
}

/// Builds the report for the subtree of an organisation (permission checked by the caller).
///
/// # Errors
/// Storage failures.
pub async fn build(
    app: &App,
    org: &crate::orgs::model::Org,
    period: RankPeriod,
) -> StoreResult<Report> {
    super::posting::sync(app).await?;
    let ranking = page_of(app, &org.path, period, 1, TOP).await?;
    let key = period.total_key();
    let before = period.previous();
    let mut conn = app.db.conn().await?;
    let risers = rank_store::movers(
        &mut conn.exec(),
        &org.path,
        &key,
        &before.total_key(),
        true,
        MOVERS,
    )
    .await?;
    let fallers = rank_store::movers(
        &mut conn.exec(),
        &org.path,
        &key,
        &before.total_key(),
        false,
        MOVERS,
    )
    .await?;
    let zero = rank_store::band_page(
        &mut conn.exec(),
        &org.path,
        &key,
        Band::Zero,
        0,
        NO_POINTS_LISTED,
    )
    .await?;
    let total: i64 = ranking.orgs.iter().map(|o| o.total).sum();
    #[expect(clippy::cast_precision_loss, reason = "display of an average")]
    let average = (total as f64 / ranking.members.max(1) as f64 * 10.0).round() / 10.0;
    let (from, to) = period.range();
    let zero_rank = ranking.members - ranking.without_points;
    Ok(Report {
        org_id: org.id,
        org_name: org.name.clone(),
        period: period.code(),
        period_label: period.label(),
        previous_label: before.label(),
        from: ymd(from),
        to: ymd(to),
        generated_on: ymd(app.clock.today()),
        members: ranking.members,
        total,
        average,
        without_points: ranking.without_points,
        top: ranking.rows,
        orgs: if ranking.orgs.len() > 1 {
            ranking.orgs
        } else {
            Vec::new()
        },
        risers: risers.into_iter().map(|(l, p)| Mover::of(l, p)).collect(),
        fallers: fallers.into_iter().map(|(l, p)| Mover::of(l, p)).collect(),
        no_points: super::ranking::assign(zero, zero_rank, zero_rank + 1),
    })
}

fn names<T>(items: &[T], line: impl Fn(&T) -> String) -> String {
    items.iter().map(line).collect::<Vec<_>>().join("、")
}

/// The draft notice: a title and plain paragraphs, ready for the notices area or a document.
#[must_use]
pub fn draft(r: &Report) -> (String, String) {
    let title = format!("关于{}党员积分情况的通报", r.period_label);
    let mut parts = vec![
        "各党支部、全体党员：".to_owned(),
        format!(
            "根据党员积分管理有关规定，现将{}{}（{}至{}）党员积分情况通报如下。",
            r.org_name, r.period_label, r.from, r.to
        ),
        format!(
            "一、总体情况。本期参加积分的党员 {} 名，累计积分 {} 分，人均 {:.1} 分；{} 名党员本期积分为零。",
            r.members, r.total, r.average, r.without_points
        ),
    ];
    let mut n = 1;
    let mut section = |title: &str, body: String| {
        n += 1;
        let num = ["", "一", "二", "三", "四", "五", "六"][n.min(6)];
        parts.push(format!("{num}、{title}。{body}"));
    };
    if !r.top.is_empty() && r.top.iter().any(|t| t.points > 0) {
        section(
            "积分靠前的党员",
            format!(
                "{}。希望受到通报的同志珍惜荣誉、再接再厉。",
                names(
                    &r.top.iter().filter(|t| t.points > 0).collect::<Vec<_>>(),
                    |t| format!("{}（{}，{} 分）", t.name, t.org_name, t.points)
                )
            ),
        );
    }
    if !r.orgs.is_empty() {
        section(
            "各组织人均积分",
            format!(
                "{}。",
                names(&r.orgs, |o| format!("{} {:.1} 分", o.name, o.average))
            ),
        );
    }
    if !r.risers.is_empty() {
        section(
            "进步较快的党员",
            format!(
                "与{}相比，{}积分提高较多。",
                r.previous_label,
                names(&r.risers, |m| format!(
                    "{}（增加 {} 分）",
                    m.name,
                    m.change()
                ))
            ),
        );
    }
    if r.without_points > 0 {
        section(
            "需要关注的情况",
            format!(
                "本期有 {} 名党员积分为零，请所在党支部及时了解情况，加强提醒和帮助。",
                r.without_points
            ),
        );
    }
    parts.push(
        "希望全体党员以先进为榜样，积极参加组织生活，认真履行党员义务，充分发挥先锋模范作用。"
            .into(),
    );
    parts.push(format!("{}\n{}", r.org_name, r.generated_on));
    (title, parts.join("\n\n"))
}
