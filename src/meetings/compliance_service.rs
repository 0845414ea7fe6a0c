//! Use cases of the compliance engine: a report for any subtree and period, the year matrix
//! (branches × months, quarters and the year) for higher committees, the "this period" card on a
//! branch's home with its warning before the period ends, and the cadence rules with the
//! overrides an organisation may add to tighten them.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::orgs::model::Org;

use super::compliance::{self, Cell, Status, Summary, Unit, evaluate, rule_for, ruled_kinds};
use super::compliance_inputs::{Inputs, inputs, settled};
use super::model::{Cadence, Granularity, Kind, Period, tightens};
use super::service::{MeetingError, MeetingResult, check_manage, may_view};
use super::store;

async fn visible_org(app: &App, scope: &Scope, org_id: i64) -> MeetingResult<Org> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    if !may_view(scope, &org.path) {
        return Err(Denial::Forbidden.into());
    }
    Ok(org)
}

/// One organisation's line in a report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    /// Organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Its kind code.
    pub org_kind: String,
    /// One cell per kind with a rule.
    pub cells: Vec<Cell>,
    /// Combined.
    pub status: Status,
}

/// What each branch and 党小组 under `org_id` owes in `period`.
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn report(
    app: &App,
    scope: &Scope,
    org_id: i64,
    period: Period,
) -> MeetingResult<(Org, Vec<ReportRow>)> {
    let (org, mut all) = reports(app, scope, org_id, &[period]).await?;
    Ok((org, all.pop().unwrap_or_default()))
}

/// [`report`] for several periods, reading the meetings once (the committee overview asks for
/// this month and this quarter).
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn reports(
    app: &App,
    scope: &Scope,
    org_id: i64,
    periods: &[Period],
) -> MeetingResult<(Org, Vec<Vec<ReportRow>>)> {
    let org = visible_org(app, scope, org_id).await?;
    let today = app.clock.today();
    let (Some(first), Some(last)) = (
        periods.iter().map(|p| p.start().year()).min(),
        periods.iter().map(|p| p.end().year()).max(),
    ) else {
        return Ok((org, Vec::new()));
    };
    let inp = inputs(app, &org.path, first, last).await?;
    let rows = periods
        .iter()
        .map(|&period| {
            inp.units
                .iter()
                .filter(|u| u.dissolved_on.is_none_or(|d| d >= period.start()))
                .map(|u| {
                    let cells: Vec<Cell> = ruled_kinds(&inp.cadences, &u.kind)
                        .into_iter()
                        .map(|k| evaluate(&inp.cadences, &inp.idx, u, k, period, today))
                        .collect();
                    ReportRow {
                        org_id: u.id,
                        org_name: u.name.clone(),
                        org_kind: u.kind.clone(),
                        status: Status::combine(cells.iter().map(|c| c.status)),
                        cells,
                    }
                })
                .collect()
        })
        .collect();
    Ok((org, rows))
}

/// A branch's row in the year matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// Branch id.
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// One summary per column.
    pub cells: Vec<Summary>,
}

/// The year matrix: branches × (12 months, 4 quarters, year), 党小组 folded into their branch.
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn matrix(
    app: &App,
    scope: &Scope,
    org_id: i64,
    year: i32,
) -> MeetingResult<(Org, Vec<Period>, Vec<MatrixRow>)> {
    let org = visible_org(app, scope, org_id).await?;
    let inp = inputs(app, &org.path, year, year).await?;
    Ok((
        org,
        compliance::year_columns(year),
        matrix_rows(&inp, year, app.clock.today()),
    ))
}

fn matrix_rows(inp: &Inputs, year: i32, today: Date) -> Vec<MatrixRow> {
    let columns = compliance::year_columns(year);
    let mut groups: HashMap<i64, Vec<&Unit>> = HashMap::new();
    for u in inp.units.iter().filter(|u| u.kind == "group") {
        if let Some(p) = u.parent_id {
            groups.entry(p).or_default().push(u);
        }
    }
    inp.units
        .iter()
        .filter(|u| u.kind != "group" && u.dissolved_on.is_none_or(|d| d.year() >= year))
        .map(|b| {
            let gs = groups.get(&b.id).map_or(&[][..], Vec::as_slice);
            MatrixRow {
                org_id: b.id,
                name: b.name.clone(),
                cells: columns
                    .iter()
                    .map(|c| compliance::summarise(&inp.cadences, &inp.idx, b, gs, *c, today))
                    .collect(),
            }
        })
        .collect()
}

/// The "this period" card of a branch: what it still owes this month, quarter and year.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodCard {
    /// One line per period: (period label, status, what is open, days left, warn).
    pub lines: Vec<CardLine>,
}

/// One line of the card.
#[derive(Debug, Clone, Serialize)]
pub struct CardLine {
    /// "2026年11月".
    pub period: String,
    /// "2026-11", for links.
    pub code: String,
    /// Combined status.
    pub status: Status,
    /// Kinds still open.
    pub open: Vec<String>,
    /// Days until the period ends.
    pub days_left: i64,
    /// Whether the warning threshold has been reached with something still open.
    pub warn: bool,
}

/// The card for a branch (or a 党小组's branch); `None` for organisations that hold no
/// branch meetings themselves.
///
/// # Errors
/// Storage failures.
pub async fn card(app: &App, scope: &Scope, org: &Org) -> MeetingResult<Option<PeriodCard>> {
    if !may_view(scope, &org.path) || !(org.kind().is_branch()) {
        return Ok(None);
    }
    let today = app.clock.today();
    let inp = inputs(app, &org.path, today.year(), today.year()).await?;
    let Some(branch) = inp.units.iter().find(|u| u.id == org.id) else {
        return Ok(None);
    };
    let groups: Vec<&Unit> = inp
        .units
        .iter()
        .filter(|u| u.parent_id == Some(org.id))
        .collect();
    let warn_days = i64::from(app.config.meetings.warn_days_before_period_end);
    let lines = [Granularity::Month, Granularity::Quarter, Granularity::Year]
        .into_iter()
        .map(|g| {
            let p = Period::containing(today, g);
            let s = compliance::summarise(&inp.cadences, &inp.idx, branch, &groups, p, today);
            let days_left = (p.end() - today).whole_days();
            CardLine {
                period: p.label(),
                code: p.code(),
                warn: days_left <= warn_days
                    && matches!(s.status, Status::InProgress | Status::Missed),
                status: s.status,
                open: s.open,
                days_left,
            }
        })
        .filter(|l| l.status != Status::NotApplicable)
        .collect();
    Ok(Some(PeriodCard { lines }))
}

/// A rule as an organisation sees it: the national default, the rule in force here, and whether
/// this organisation set it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    /// Kind.
    pub kind: Kind,
    /// National default text.
    pub national: String,
    /// The regulation and article it rests on.
    pub rule_ref: String,
    /// The default is this system's local choice, not a national requirement (MEET-04).
    pub local: bool,
    /// The rule in force for this organisation's branches.
    pub effective: String,
    /// Id of this organisation's own override, when it has one.
    pub own_override: Option<i64>,
}

/// The rules for the branches under an organisation.
///
/// # Errors
/// Denied when not visible.
pub async fn rules(app: &App, scope: &Scope, org_id: i64) -> MeetingResult<(Org, Vec<RuleLine>)> {
    let org = visible_org(app, scope, org_id).await?;
    let cadences = settled(
        store::cadences(&mut app.db.conn().await?.exec()).await?,
        &app.config.meetings,
    );
    let today = app.clock.today();
    let lines = cadences
        .iter()
        .filter(|c| c.org_id.is_none() && c.in_force(today))
        .map(|n| {
            let probe = probe_unit(&org, n);
            let eff = rule_for(&cadences, &probe, n.kind(), today).unwrap_or(n);
            RuleLine {
                kind: n.kind(),
                national: n.text(),
                rule_ref: super::basis::citation(&n.rule_ref).to_owned(),
                local: super::basis::is_local(&n.rule_ref),
                effective: eff.text(),
                own_override: (eff.org_id == Some(org.id)).then_some(eff.id),
            }
        })
        .collect();
    Ok((org, lines))
}

/// A stand-in for "a branch under this organisation" when resolving rules.
fn probe_unit(org: &Org, rule: &Cadence) -> Unit {
    Unit {
        id: org.id,
        parent_id: org.parent_id,
        name: org.name.clone(),
        kind: rule
            .applies_to
            .split(',')
            .next()
            .unwrap_or("branch")
            .to_owned(),
        path: org.path.clone(),
        established_on: None,
        dissolved_on: None,
        has_committee: true,
    }
}

/// Adds or replaces this organisation's override of a kind's rule, from today. It must be at
/// least as strict as the rule that would apply without it (architecture.md §8).
///
/// # Errors
/// Denied for non-officers; invalid when it would loosen the rule.
pub async fn set_override(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    kind: Kind,
    period: Granularity,
    min_count: i64,
) -> MeetingResult<i64> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    check_manage(scope, &org)?;
    let cadences = store::cadences(&mut app.db.conn().await?.exec()).await?;
    let today = app.clock.today();
    let Some(national) = cadences
        .iter()
        .find(|c| c.org_id.is_none() && c.kind() == kind && c.in_force(today))
    else {
        return Err(MeetingError::Invalid("该会议类型没有全国性频次要求".into()));
    };
    // The rule above this organisation (its own override left out).
    let above: Vec<Cadence> = cadences
        .iter()
        .filter(|c| c.org_id != Some(org.id))
        .cloned()
        .collect();
    let probe = probe_unit(&org, national);
    let base = rule_for(&above, &probe, kind, today)
        .unwrap_or(national)
        .clone();
    if !(1..=31).contains(&min_count) || !tightens(&base, period, min_count) {
        return Err(MeetingError::Refused(
            "rule_loosened",
            format!(
                "只能从严调整：{}的要求不得低于“{}”",
                kind.label(),
                base.text()
            ),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::add_override(
                &mut w.exec(),
                &base,
                org.id,
                (period.code(), min_count),
                today,
                actor.user_id,
                now,
            )
            .await?;
            let ev = AuditEvent::success("meeting.rule.set", "org", org.id)
                .org(org.id)
                .detail(format!(
                    "{}：{}至少 {min_count} 次",
                    kind.label(),
                    period.label()
                ));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Ends this organisation's override; the rule above applies again from today.
///
/// # Errors
/// Denied, or no such override.
pub async fn clear_override(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    rule_id: i64,
) -> MeetingResult<()> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    check_manage(scope, &org)?;
    let today = app.clock.today();
    let last = today.previous_day().unwrap_or(today);
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !store::end_override(&mut w.exec(), rule_id, org.id, last).await? {
                return Err(Denial::NotFound.into());
            }
            let ev = AuditEvent::success("meeting.rule.clear", "org", org.id).org(org.id);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
