//! The statistics page and its spreadsheet.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

use crate::auth::extract::User;
use crate::shared::text::{ymd, ymd_cn};
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};

use super::roster_page::org_choices;
use super::service;
use super::stats::{Breakdown, breakdowns};
use super::views::Opt;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/stats", page)
        .get("/members/stats/export", export)
}

#[derive(Deserialize)]
struct StatsQuery {
    #[serde(default)]
    org: String,
}

#[derive(Template)]
#[template(path = "members/stats.html")]
struct StatsPage {
    page: PageCtx,
    orgs: Vec<Opt>,
    org_id: i64,
    org_name: String,
    date: String,
    total: i64,
    breakdowns: Vec<Breakdown>,
}

/// The breakdowns of the chosen (or first visible) organisation.
async fn compute(
    st: &AppState,
    u: &User,
    org: &str,
) -> AppResult<(crate::orgs::model::Org, Vec<Breakdown>)> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let id = match org.trim() {
        "" => u
            .scope()
            .own
            .as_ref()
            .map(|o| o.id)
            .ok_or(AppError::Forbidden)?,
        s => s.parse::<i64>().map_err(|_| AppError::NotFound)?,
    };
    let (org, facts) = super::stats::facts(&st.app, u.scope(), id).await?;
    let codes = service::codes(&st.app).await?;
    Ok((
        org,
        breakdowns(&facts, st.app.clock.today(), &codes.names("education")),
    ))
}

async fn page(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    let (org, breakdowns) = compute(&st, &u, &q.org).await?;
    let orgs = org_choices(&st, &u, &org.id.to_string(), false, None).await?;
    let p = PageCtx::new(&st, &u, "党员统计", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("党员统计".into(), None),
        ]);
    let total = breakdowns.first().map_or(0, |b| b.total);
    render(&StatsPage {
        page: p,
        orgs,
        org_id: org.id,
        org_name: org.name,
        date: ymd_cn(st.app.clock.today()),
        total,
        breakdowns,
    })
}

async fn export(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<StatsQuery>,
) -> AppResult<Response> {
    let (org, breakdowns) = compute(&st, &u, &q.org).await?;
    let today = st.app.clock.today();
    let bytes = (|| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("党员统计")?;
        let bold = Format::new().set_bold();
        ws.write_string_with_format(
            0,
            0,
            format!(
                "{} 党员统计（截至 {}，仅含党籍状态正常的党员）",
                org.name,
                ymd(today)
            ),
            &bold,
        )?;
        let mut row = 2u32;
        for b in &breakdowns {
            ws.write_string_with_format(row, 0, b.title, &bold)?;
            ws.write_string_with_format(row, 1, "人数", &bold)?;
            ws.write_string_with_format(row, 2, "占比", &bold)?;
            row += 1;
            for (label, n) in &b.rows {
                ws.write_string(row, 0, label)?;
                #[expect(clippy::cast_precision_loss, reason = "counts are small")]
                ws.write_number(row, 1, *n as f64)?;
                ws.write_string(row, 2, b.percent(n))?;
                row += 1;
            }
            ws.write_string(row, 0, "合计")?;
            #[expect(clippy::cast_precision_loss, reason = "counts are small")]
            ws.write_number(row, 1, b.total as f64)?;
            row += 2;
        }
        ws.set_column_width(0, 24)?;
        wb.save_to_buffer()
    })()
    .map_err(|e| AppError::Internal(e.into()))?;
    let name = format!("党员统计-{}-{}.xlsx", org.name, ymd(today));
    Ok(crate::web::download::private(
        bytes,
        crate::web::download::XLSX,
        &name,
    ))
}
