//! The 年度评定 page: the grades a year's points suggest, and the form on which the branch
//! records the grades decided at 民主评议.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ValidForm;
use crate::web::layout::{PageCtx, redirect_with, render, year_param};
use crate::web::{AppState, Reg};

use super::service;
use super::views::GradesPage;
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/points/grades", grades)
        .post("/points/grades", record_grades)
}

#[derive(Deserialize)]
struct GradesQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    year: String,
}

async fn grades(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<GradesQuery>,
) -> AppResult<Response> {
    let org = org_param(&st, &u, &q.org).await?;
    let year = year_param(&st, &q.year);
    let rows = service::suggestions(&st.app, u.scope(), org, year).await?;
    let page = PageCtx::new(&st, &u, "年度评定参考", "points")
        .await?
        .crumbs(vec![
            ("积分".into(), Some("/points".into())),
            ("年度评定参考".into(), None),
        ]);
    let decided = rows.iter().filter(|r| r.decided.is_some()).count();
    let basis = rows
        .iter()
        .find_map(|r| r.decided.as_ref().map(|d| d.basis.clone()))
        .unwrap_or_default();
    render(&GradesPage {
        page,
        org_id: org,
        year,
        rows,
        decided,
        basis,
        grades: super::model::Grade::ALL.to_vec(),
        bands: st.app.config.points.grade_bands,
    })
}

/// Saves the grades decided at 民主评议: fields `org`, `year`, `basis` and one `g{member id}`
/// per member.
async fn record_grades(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (Ok(org), Some(year)) = (
        field("org").parse::<i64>(),
        crate::shared::dates::year(&field("year")),
    ) else {
        return Err(AppError::BadRequest(
            "invalid_form",
            "表单内容不完整或格式不正确，请刷新页面后重试".into(),
        ));
    };
    let picks: Vec<(i64, String)> = f
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix('g')?.parse().ok()?;
            (!v.is_empty()).then(|| (id, v.clone()))
        })
        .collect();
    let back = format!("/points/grades?org={org}&year={year}");
    let res = super::grading::record(
        &st.app,
        &u.actor(),
        u.scope(),
        org,
        year,
        &field("basis"),
        &picks,
    )
    .await;
    match res {
        Ok((_, Some(warning))) => Ok(redirect_with(&st, &back, "warning", &warning)),
        Ok((n, None)) => Ok(redirect_with(
            &st,
            &back,
            "success",
            &format!("已保存评定结果（{n} 人有变化）"),
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &back, "error", &m)),
        Err(e) => Err(e.into()),
    }
}
