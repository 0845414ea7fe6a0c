//! `GET /api/v1/points/grades`: the year's suggested grades with what each rests on, and the
//! grades the branch recorded at 民主评议.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::{AppState, Reg};

use super::share::Basis;

/// Registers the route.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/points/grades", grades)
}

/// The operation, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(grades))]
pub struct Doc;

/// The query.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct GradesParams {
    /// Organisation id; the caller's own when absent.
    #[serde(default)]
    org: Option<String>,
    /// Year; this year when absent.
    #[serde(default)]
    year: Option<String>,
}

/// The grades of a year for the 正式党员 of an organisation's subtree. 预备党员 take part in
/// 民主评议 but are not graded, so they are not listed.
#[derive(Serialize, ToSchema)]
#[schema(as = GradesOut)]
struct GradesOut {
    org_id: i64,
    year: i32,
    /// Scores from which 优秀, 合格 and 基本合格 are suggested, best first.
    bands: [i64; 3],
    members: Vec<GradeOut>,
}

/// One member's suggestion and, once recorded, the decision.
#[derive(Serialize, ToSchema)]
#[schema(as = GradeOut)]
struct GradeOut {
    member_id: i64,
    name: String,
    org_name: String,
    /// The year's points.
    points: i64,
    basis: Basis,
    /// The basis in words, as the page shows it.
    basis_text: String,
    /// `excellent`, `qualified`, `basically_qualified` or `unqualified`; advisory only.
    suggested: String,
    suggested_label: String,
    /// Set when members of equal score got different suggestions because of the third of 优秀.
    tie: Option<String>,
    decided: Option<DecidedOut>,
}

/// A grade the branch recorded.
#[derive(Serialize, ToSchema)]
#[schema(as = GradeDecided)]
struct DecidedOut {
    grade: String,
    grade_label: String,
    basis: String,
    decided_by: String,
    #[serde(with = "time::serde::rfc3339")]
    decided_at: OffsetDateTime,
}

/// `GET /api/v1/points/grades?org=&year=`
#[utoipa::path(get, path = "/api/v1/points/grades", tag = tags::POINTS, summary = "年度评定参考",
    params(GradesParams),
    responses(
        (status = 200, description = "参考等次及依据、已记录的评定结果", body = GradesOut),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权查看", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn grades(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<GradesParams>,
) -> AppResult<Json<GradesOut>> {
    let bad = |m: &str| AppError::BadRequest("invalid_fields", m.to_owned());
    let org = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map_err(|_| bad("org 应为组织编号"))?,
        None => u
            .scope()
            .own
            .as_ref()
            .map(|o| o.id)
            .ok_or(AppError::Forbidden)?,
    };
    let year = match q.year.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => crate::shared::dates::year(s).ok_or_else(|| bad("year 应为年份，如 2026"))?,
        None => st.app.clock.today().year(),
    };
    let rows = super::service::suggestions(&st.app, u.scope(), org, year).await?;
    Ok(Json(GradesOut {
        org_id: org,
        year,
        bands: st.app.config.points.grade_bands,
        members: rows
            .into_iter()
            .map(|r| GradeOut {
                member_id: r.member_id,
                name: r.name,
                org_name: r.org_name,
                points: r.points,
                basis: r.basis,
                basis_text: r.basis_text,
                suggested: r.grade.code().into(),
                suggested_label: r.grade.label().into(),
                tie: r.tie,
                decided: r.decided.map(|d| DecidedOut {
                    grade: d.grade.code().into(),
                    grade_label: d.grade.label().into(),
                    basis: d.basis,
                    decided_by: d.decided_by,
                    decided_at: d.decided_at,
                }),
            })
            .collect(),
    }))
}
