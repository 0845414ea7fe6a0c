//! Statistics of an organisation's members: totals by 人员类别, 性别, 年龄段, 学历, 民族 and
//! 党龄, drawn as server-side SVG bars (no script, works offline) with the numbers beside them.

use time::Date;

use super::model::whole_years;
use super::roster::{AGE_BANDS, PARTY_AGE_BANDS};

/// One breakdown: a title and (label, count) pairs in display order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Breakdown {
    /// Title, e.g. 按学历.
    pub title: &'static str,
    /// Rows.
    pub rows: Vec<(String, i64)>,
    /// Sum of the rows.
    pub total: i64,
}

impl Breakdown {
    fn new(title: &'static str, rows: Vec<(String, i64)>) -> Self {
        let total = rows.iter().map(|(_, n)| n).sum();
        Self { title, rows, total }
    }

    /// Share of a count in percent, one decimal.
    #[must_use]
    pub fn percent(&self, n: &i64) -> String {
        if self.total == 0 {
            return "0.0%".into();
        }
        #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
        let p = *n as f64 * 100.0 / self.total as f64;
        format!("{p:.1}%")
    }

    /// Bar width in percent of the largest row, for the SVG.
    #[must_use]
    pub fn bar(&self, n: &i64) -> i64 {
        let max = self.rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        n * 100 / max
    }
}

fn band(bands: &[(&'static str, &'static str, i64, i64)], years: i64) -> Option<&'static str> {
    bands
        .iter()
        .find(|(_, _, lo, hi)| years >= *lo && years < *hi)
        .map(|(_, l, ..)| *l)
}

/// Counts in a fixed order (`order`), then any other values by count.
fn tally(values: impl Iterator<Item = String>, order: &[&str]) -> Vec<(String, i64)> {
    let mut counts: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<(String, i64)> = order
        .iter()
        .map(|o| ((*o).to_owned(), counts.remove(*o).unwrap_or(0)))
        .collect();
    let mut rest: Vec<(String, i64)> = counts.into_iter().collect();
    rest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.extend(rest);
    out
}

/// All breakdowns of the given facts on `today`.
#[must_use]
pub fn breakdowns(
    facts: &[super::store::StatFact],
    today: Date,
    education_order: &[String],
) -> Vec<Breakdown> {
    let ages: Vec<&str> = AGE_BANDS.iter().map(|(_, l, ..)| *l).collect();
    let party: Vec<&str> = PARTY_AGE_BANDS.iter().map(|(_, l, ..)| *l).collect();
    let edu: Vec<&str> = education_order.iter().map(String::as_str).collect();
    vec![
        Breakdown::new(
            "按人员类别",
            tally(
                facts.iter().map(|f| {
                    if f.0 == "full" {
                        "正式党员".into()
                    } else {
                        "预备党员".into()
                    }
                }),
                &["正式党员", "预备党员"],
            ),
        ),
        Breakdown::new(
            "按性别",
            tally(
                facts.iter().map(|f| {
                    if f.1 == "male" {
                        "男".into()
                    } else {
                        "女".into()
                    }
                }),
                &["男", "女"],
            ),
        ),
        Breakdown::new(
            "按年龄段",
            tally(
                facts
                    .iter()
                    .filter_map(|f| band(AGE_BANDS, i64::from(whole_years(f.2, today))))
                    .map(ToOwned::to_owned),
                &ages,
            ),
        ),
        Breakdown::new(
            "按学历",
            tally(facts.iter().map(|f| f.3.clone()), &edu)
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
        ),
        Breakdown::new(
            "按民族",
            tally(facts.iter().map(|f| f.4.clone()), &["汉族"])
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
        ),
        Breakdown::new(
            "按党龄（自转正之日起）",
            tally(
                facts.iter().map(|f| {
                    f.5.and_then(|c| band(PARTY_AGE_BANDS, i64::from(whole_years(c, today))))
                        .unwrap_or("预备期（无党龄）")
                        .to_owned()
                }),
                &party,
            ),
        ),
    ]
}

/// One row per member on the books of the subtree, as the breakdowns read it.
pub type Facts = Vec<(String, String, Date, String, String, Option<Date>)>;

/// The facts behind the breakdowns of organisation `org_id`, for callers who may view both it
/// and its members.
///
/// # Errors
/// `NotFound` outside the caller's reach; storage failures.
pub async fn facts(
    app: &crate::app::App,
    scope: &crate::auth::Scope,
    org_id: i64,
) -> Result<(crate::orgs::model::Org, Facts), crate::shared::error::DomainError> {
    use crate::auth::{Denial, MemberAction, OrgAction};
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    if scope.check_member(MemberAction::View, &org.path, 0) == Err(Denial::NotFound) {
        return Err(Denial::NotFound.into());
    }
    let facts = super::store::stat_facts(&mut app.db.conn().await?.exec(), &org.path).await?;
    Ok((org, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn breakdowns_count_everyone_once() {
        let f = |cat: &str, g: &str, b: Date, conv: Option<Date>| {
            (
                cat.to_owned(),
                g.to_owned(),
                b,
                "大学本科".to_owned(),
                "汉族".to_owned(),
                conv,
            )
        };
        let facts = vec![
            f(
                "full",
                "male",
                date!(1990 - 01 - 01),
                Some(date!(2015 - 01 - 01)),
            ),
            f(
                "full",
                "female",
                date!(1950 - 06 - 01),
                Some(date!(1975 - 01 - 01)),
            ),
            f("probationary", "female", date!(2001 - 12 - 01), None),
        ];
        let b = breakdowns(&facts, date!(2026 - 11 - 28), &["大学本科".into()]);
        assert!(b.iter().all(|x| x.total == 3), "{b:?}");
        assert_eq!(
            b[0].rows,
            vec![("正式党员".into(), 2), ("预备党员".into(), 1)]
        );
        let party = &b[5];
        assert!(party.rows.contains(&("10—19年".into(), 1)));
        assert!(party.rows.contains(&("50年及以上".into(), 1)));
        assert!(party.rows.contains(&("预备期（无党龄）".into(), 1)));
        assert_eq!(b[0].percent(&2), "66.7%");
        assert_eq!(b[0].bar(&1), 50);
    }
}
