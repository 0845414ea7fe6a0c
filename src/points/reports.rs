//! Generating, storing and reading 积分通报, by hand or on schedule (PTS-07). One report is kept
//! per organisation and period; generating again replaces it, and the scheduled job regenerates
//! a report made before its period closed, so the stored one ends up with the full figures.

use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreResult;
use crate::meetings::model::{Granularity, Period};

use super::model::RankPeriod;
use super::report::{self, Report};
use super::reports_store::{due, load, of_org, save, stored};
use crate::shared::error::DomainError;

/// A stored report.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Period code.
    pub period: String,
    /// Generated after the period closed.
    pub complete: bool,
    /// When.
    pub generated_at: OffsetDateTime,
    /// The snapshot.
    pub report: Report,
}

/// Builds and stores the report; `complete` when the period has ended.
async fn generate_for(
    app: &App,
    actor: &Actor,
    org: &crate::orgs::model::Org,
    period: RankPeriod,
) -> Result<i64, DomainError> {
    let r = report::build(app, org, period).await?;
    let now = app.now();
    let complete = period.range().1 < app.clock.today();
    let id = app
        .db
        .write(actor, now, async |w| {
            let id = save(&mut w.exec(), &r, complete, now, actor.user_id).await?;
            let ev = AuditEvent::success("points.report", "org", org.id)
                .org(org.id)
                .detail(format!("{} 积分通报", r.period_label));
            w.audit(ev).await?;
            Ok::<_, DomainError>(id)
        })
        .await?;
    Ok(id)
}

/// Generates (or regenerates) the report of an organisation for a period that has begun.
///
/// # Errors
/// Denied unless the caller runs the organisation; a period that has not begun.
pub async fn generate(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    period: RankPeriod,
) -> Result<i64, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::Edit).await?;
    if period.range().0 > app.clock.today() {
        return Err(DomainError::Invalid(format!(
            "{}尚未开始，不能生成通报",
            period.label()
        )));
    }
    generate_for(app, actor, &org, period).await
}

/// A report the caller may see.
///
/// # Errors
/// `NotFound` outside scope.
pub async fn get(app: &App, scope: &Scope, id: i64) -> Result<Stored, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let Some(row) = load(&mut app.db.conn().await?.exec(), id).await? else {
        return Err(Denial::NotFound.into());
    };
    let s = stored(row)?;
    crate::orgs::service::get_checked(app, scope, s.org_id, OrgAction::View).await?;
    Ok(s)
}

/// Records that a report was downloaded as a workbook.
///
/// # Errors
/// Storage failures.
pub async fn exported(app: &App, actor: &Actor, s: &Stored) -> StoreResult<()> {
    let ev = AuditEvent::success("points.report_export", "org", s.org_id)
        .org(s.org_id)
        .detail(format!("{} 积分通报", s.report.period_label));
    audit::record_alone(&app.db, actor, app.now(), ev).await
}

/// The organisation's reports, newest period first: (id, period code, label, complete, when).
///
/// # Errors
/// Denied for members and outside scope.
pub async fn list(
    app: &App,
    scope: &Scope,
    org_id: i64,
) -> Result<Vec<(i64, String, String, bool, OffsetDateTime)>, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    let rows = of_org(&mut app.db.conn().await?.exec(), org_id).await?;
    Ok(rows
        .into_iter()
        .map(|(id, code, complete, at)| {
            let label = RankPeriod::parse(&code).map_or_else(|| code.clone(), RankPeriod::label);
            (id, code, label, complete, at)
        })
        .collect())
}

/// The most recent closed period at the configured cadence, if reports are scheduled.
#[must_use]
pub fn last_closed(every: &str, today: time::Date) -> Option<RankPeriod> {
    let current = match every {
        "week" => RankPeriod::week_of(today),
        "month" => RankPeriod::Calendar(Period::containing(today, Granularity::Month)),
        "quarter" => RankPeriod::Calendar(Period::containing(today, Granularity::Quarter)),
        _ => return None,
    };
    Some(current.previous())
}

/// The scheduled job: for the period that closed last, generates the report of every
/// committee and branch that has no complete one yet. Safe to repeat and to interrupt: each
/// report commits on its own and a finished one is skipped next time.
///
/// # Errors
/// Storage failures (the rest is retried on the next run).
pub async fn scheduled(app: &App) -> Result<usize, DomainError> {
    let Some(period) = last_closed(&app.config.points.report_every, app.clock.today()) else {
        return Ok(0);
    };
    let ids = due(&mut app.db.conn().await?.exec(), &period.code()).await?;
    let actor = Actor::cli("定时任务 积分通报");
    for id in &ids {
        let org = crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), *id).await?;
        generate_for(app, &actor, &org, period).await?;
    }
    Ok(ids.len())
}
