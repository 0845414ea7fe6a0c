//! Pages of the 积分通报: the organisation's reports with a form to generate one, a printable
//! report with its draft notice (published as a notice from here), and the workbook download.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::meetings::model::{Granularity, Period};
use crate::orgs::focus::org_param;
use crate::shared::text::{datetime, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render};
use crate::web::{AppState, Reg};

use super::model::RankPeriod;
use super::report::{Report, draft};
use super::reports;
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/points/reports", list)
        .post("/points/reports", generate)
        .get("/points/reports/{id}", show)
        .get("/points/reports/{id}/xlsx", xlsx)
        .post("/points/reports/{id}/publish", publish)
}

#[derive(Template)]
#[template(path = "points/reports.html")]
struct ListPage {
    page: PageCtx,
    org_id: i64,
    /// (id, period label, complete, generated at).
    reports: Vec<(i64, String, bool, String)>,
    /// Periods offered: (code, label).
    choices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "points/report.html")]
struct ShowPage {
    page: PageCtx,
    id: i64,
    r: Report,
    complete: bool,
    generated_at: String,
    title: String,
    body: String,
}

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: String,
}

/// The periods an officer is most likely to report on: the current and last week, month and
/// quarter, and this year.
fn choices(today: time::Date) -> Vec<(String, String)> {
    let week = RankPeriod::week_of(today);
    let month = RankPeriod::Calendar(Period::containing(today, Granularity::Month));
    let quarter = RankPeriod::Calendar(Period::containing(today, Granularity::Quarter));
    [
        month.previous(),
        month,
        quarter.previous(),
        quarter,
        week.previous(),
        week,
        RankPeriod::Calendar(Period::Year(today.year())),
    ]
    .into_iter()
    .map(|p| (p.code(), p.label()))
    .collect()
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    if let Some(r) = super::pages::officers_only(&st, &u, "积分通报由支部委员生成和发布")
    {
        return r;
    }
    let org = org_param(&st, &u, &q.org).await?;
    let reports = reports::list(&st.app, u.scope(), org)
        .await?
        .into_iter()
        .map(|(id, _, label, complete, at)| (id, label, complete, datetime(at)))
        .collect();
    let page = PageCtx::new(&st, &u, "积分通报", "points")
        .await?
        .crumbs(vec![
            ("积分".into(), Some("/points".into())),
            ("积分通报".into(), None),
        ]);
    render(&ListPage {
        page,
        org_id: org,
        reports,
        choices: choices(st.app.clock.today()),
    })
}

#[derive(Deserialize)]
struct GenerateForm {
    org: i64,
    period: String,
}

async fn generate(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<GenerateForm>,
) -> AppResult<Response> {
    let back = format!("/points/reports?org={}", f.org);
    let Some(period) = RankPeriod::parse(&f.period) else {
        return Ok(redirect_with(&st, &back, "error", "请选择通报期间"));
    };
    match reports::generate(&st.app, &u.actor(), u.scope(), f.org, period).await {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/points/reports/{id}"),
            "success",
            "积分通报已生成",
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &back, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let s = reports::get(&st.app, u.scope(), id).await?;
    let (title, body) = draft(&s.report);
    let page = PageCtx::new(&st, &u, &title, "points").await?.crumbs(vec![
        ("积分".into(), Some("/points".into())),
        (
            "积分通报".into(),
            Some(format!("/points/reports?org={}", s.org_id)),
        ),
        (s.report.period_label.clone(), None),
    ]);
    render(&ShowPage {
        page,
        id,
        generated_at: datetime(s.generated_at),
        complete: s.complete,
        r: s.report,
        title,
        body,
    })
}

async fn xlsx(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::Export).await?;
    let s = reports::get(&st.app, u.scope(), id).await?;
    reports::exported(&st.app, &u.actor(), &s).await?;
    let by = format!("{} {}", u.0.display_name, datetime(st.app.now()));
    let bytes =
        super::report_xlsx::workbook(&s.report, &by).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!(
        "积分通报-{}-{}-{}.xlsx",
        s.report.org_name,
        s.report.period,
        ymd(st.app.clock.today())
    );
    Ok(crate::web::download::private(
        bytes,
        crate::web::download::XLSX,
        &name,
    ))
}

#[derive(Deserialize)]
struct PublishForm {
    title: String,
    body: String,
    #[serde(default)]
    receipt: Option<String>,
}

/// Publishes the (edited) draft as a notice to the report's organisation and everything below
/// it; group bots that forward 通报 hear of it.
async fn publish(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<PublishForm>,
) -> AppResult<Response> {
    let s = reports::get(&st.app, u.scope(), id).await?;
    let d = crate::notices::service::Draft {
        org_id: s.org_id,
        title: f.title,
        body: f.body,
        receipt_required: f.receipt.is_some(),
        audience: crate::notices::model::Audience {
            subtrees: vec![s.org_id],
            ..Default::default()
        },
        publish_at: None,
        bot_event: "report",
    };
    match crate::notices::service::create(&st.app, &u.actor(), u.scope(), &d).await {
        Ok(nid) => Ok(redirect_with(
            &st,
            &format!("/notices/{nid}"),
            "success",
            "积分通报已作为通知发布",
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(
            &st,
            &format!("/points/reports/{id}"),
            "error",
            &m,
        )),
        Err(e) => Err(e.into()),
    }
}
