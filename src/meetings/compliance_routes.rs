//! Pages of the compliance engine: the year matrix for higher committees, one period in detail,
//! and the cadence rules with this organisation's tightening overrides.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, PathIds, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_form, year_param};
use crate::web::{AppState, Reg};

use super::compliance::Status;
use super::compliance_service;
use super::model::{Granularity, Kind, Period};
use super::service::{MeetingError, check_manage};
use super::views::{MatrixPage, PeriodPage, RulesPage};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/compliance", matrix)
        .get("/compliance/period", period)
        .get("/orgs/{id}/meeting-rules", rules)
        .post("/orgs/{id}/meeting-rules", set_rule)
        .post("/orgs/{id}/meeting-rules/{rid}/clear", clear_rule)
}

#[derive(Deserialize)]
struct MatrixQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    period: String,
}

async fn matrix(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<MatrixQuery>,
) -> AppResult<Response> {
    let org = org_param(&st, &u, &q.org).await?;
    let year = year_param(&st, &q.year);
    let (o, columns, rows) = compliance_service::matrix(&st.app, u.scope(), org, year).await?;
    let missed = rows
        .iter()
        .filter(|r| {
            r.cells.last().is_some_and(|c| c.status == Status::Missed)
                || r.cells.iter().any(|c| c.status == Status::Missed)
        })
        .count();
    let page = PageCtx::new(&st, &u, "组织生活完成情况", "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            ("完成情况".into(), None),
        ]);
    render(&MatrixPage {
        page,
        org_id: o.id,
        org_name: o.name,
        year,
        columns,
        rows,
        missed,
    })
}

async fn period(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<MatrixQuery>,
) -> AppResult<Response> {
    let org = org_param(&st, &u, &q.org).await?;
    let p = Period::parse(&q.period).ok_or_else(|| {
        AppError::BadRequest(
            crate::shared::dates::INVALID_DATE,
            crate::shared::dates::period_message(),
        )
    })?;
    let (o, rows) = compliance_service::report(&st.app, u.scope(), org, p).await?;
    let page = PageCtx::new(&st, &u, &format!("{} 完成情况", p.label()), "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            (
                "完成情况".into(),
                Some(format!(
                    "/compliance?org={}&year={}",
                    o.id,
                    p.start().year()
                )),
            ),
            (p.label(), None),
        ]);
    render(&PeriodPage {
        page,
        org_id: o.id,
        label: p.label(),
        rows,
        year: p.start().year(),
    })
}

async fn rules_page(
    st: &AppState,
    u: &User,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let (org, lines) = compliance_service::rules(&st.app, u.scope(), id).await?;
    let can_edit = check_manage(u.scope(), &org).is_ok();
    let page = PageCtx::new(st, u, "会议频次要求", "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            ("会议频次要求".into(), None),
        ]);
    render_form(
        error.is_some(),
        &RulesPage {
            page,
            org_id: org.id,
            org_name: org.name,
            lines,
            can_edit,
            error,
        },
    )
}

async fn rules(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    rules_page(&st, &u, id, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleForm {
    kind: String,
    period: String,
    min_count: String,
}

async fn set_rule(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<RuleForm>,
) -> AppResult<Response> {
    let (Some(kind), Some(g), Ok(n)) = (
        Kind::from_code(&f.kind),
        Granularity::from_code(&f.period),
        f.min_count.trim().parse::<i64>(),
    ) else {
        return rules_page(&st, &u, id, Some("请选择会议类型、周期，并填写次数".into())).await;
    };
    match compliance_service::set_override(&st.app, &u.actor(), u.scope(), id, kind, g, n).await {
        Ok(_) => Ok(redirect_with(
            &st,
            &format!("/orgs/{id}/meeting-rules"),
            "success",
            "频次要求已更新，自今日起执行",
        )),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            rules_page(&st, &u, id, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn clear_rule(
    State(st): State<AppState>,
    u: User,
    PathIds(id, rid): PathIds,
) -> AppResult<Response> {
    compliance_service::clear_override(&st.app, &u.actor(), u.scope(), id, rid).await?;
    Ok(redirect_with(
        &st,
        &format!("/orgs/{id}/meeting-rules"),
        "success",
        "已恢复上级要求",
    ))
}
