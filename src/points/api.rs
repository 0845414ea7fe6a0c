//! JSON API of the points area.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::shared::text::parse_date;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, PathId};
use crate::web::{AppState, Reg};

use super::api_types::{
    AwardBody, ClaimBody, ClaimState, Created, DecisionBody, ItemBody, ItemList, ItemOut,
    ItemsParams, Ledger, LedgerParams, OrgQuery, RankingOut, RankingParams,
};
use super::awards::Awarded;
use super::model::RankPeriod;
use super::service::{self, Award, ItemInput};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/points/items", items)
        .post("/api/v1/points/items", define_item)
        .get("/api/v1/points/ledger", ledger)
        .post("/api/v1/points/entries", award)
        .post("/api/v1/points/claims", claim)
        .post("/api/v1/points/claims/{id}/decision", decide)
        .get("/api/v1/points/ranking", ranking)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(items, define_item, ledger, award, claim, decide, ranking))]
pub struct Doc;

fn bad(m: &str) -> AppError {
    AppError::BadRequest("invalid_fields", m.to_owned())
}

fn period_of(st: &AppState, raw: Option<&str>) -> AppResult<RankPeriod> {
    match raw.filter(|s| !s.is_empty()) {
        Some(p) => RankPeriod::parse(p)
            .ok_or_else(|| bad("period 应为 2026-W48、2026-11、2026-Q4 或 2026")),
        None => Ok(RankPeriod::Calendar(
            crate::meetings::model::Period::containing(
                st.app.clock.today(),
                crate::meetings::model::Granularity::Month,
            ),
        )),
    }
}

fn org_of(u: &User, raw: Option<&str>) -> AppResult<i64> {
    match raw.filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map_err(|_| bad("org 应为组织编号")),
        None => u
            .scope()
            .own
            .as_ref()
            .map(|o| o.id)
            .ok_or(AppError::Forbidden),
    }
}

/// `GET /api/v1/points/items?org=`
#[utoipa::path(get, path = "/api/v1/points/items", tag = tags::POINTS, summary = "积分项目",
    params(ItemsParams),
    responses(
        (status = 200, description = "组织适用的积分项目", body = ItemList),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "没有所属组织", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn items(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<ItemList>> {
    let org = org_of(&u, q.org.as_deref())?;
    let items = service::items(&st.app, u.scope(), org).await?;
    let items = items
        .into_iter()
        .map(|item| ItemOut {
            category_label: item.category().label().to_owned(),
            caps_text: item.caps_text(),
            item,
        })
        .collect();
    Ok(Json(ItemList { items }))
}

/// `POST /api/v1/points/items`: a new item for the organisation, or an adjusted inherited one.
#[utoipa::path(post, path = "/api/v1/points/items", tag = tags::POINTS, summary = "新增或调整积分项目",
    request_body = ItemBody,
    responses(
        (status = 201, description = "已保存", body = Created),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权设置", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 409, description = "代码已存在", body = ApiError),
        (status = 422, description = "内容有误", body = ApiError),
    ))]
async fn define_item(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<ItemBody>,
) -> AppResult<Response> {
    let input = ItemInput {
        code: b.code,
        name: b.name,
        category: b.category,
        points: b.points,
        min_points: b.min_points.unwrap_or(b.points),
        max_points: b.max_points.unwrap_or(b.points),
        caps: [b.cap_day, b.cap_week, b.cap_month, b.cap_year],
        needs_approval: b.needs_approval,
        evidence_required: b.evidence_required,
    };
    let id = service::define_item(&st.app, &u.actor(), u.scope(), b.org_id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// `GET /api/v1/points/ledger?member=&period=` (default: the caller's own record, this month).
#[utoipa::path(get, path = "/api/v1/points/ledger", tag = tags::POINTS, summary = "积分明细",
    params(LedgerParams),
    responses(
        (status = 200, description = "党员在期间内的积分明细", body = Ledger),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "账号未关联党员", body = ApiError),
        (status = 404, description = "党员不存在或不可见", body = ApiError),
    ))]
async fn ledger(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<Ledger>> {
    let member = match q.member.as_deref().filter(|s| !s.is_empty()) {
        Some(m) => m.parse::<i64>().map_err(|_| bad("member 应为党员编号"))?,
        None => u.scope().member_id.ok_or(AppError::Forbidden)?,
    };
    let period = period_of(&st, q.period.as_deref())?;
    let entries = service::ledger(&st.app, u.scope(), member, period).await?;
    let total: i64 = entries.iter().map(|e| e.points).sum();
    Ok(Json(Ledger {
        member_id: member,
        period: period.code(),
        period_label: period.label(),
        total,
        entries,
    }))
}

/// `POST /api/v1/points/entries`: an officer's award or deduction.
#[utoipa::path(post, path = "/api/v1/points/entries", tag = tags::POINTS, summary = "加分或扣分",
    request_body = AwardBody,
    responses(
        (status = 201, description = "已记入明细，或待审核", body = Awarded),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权记分", body = ApiError),
        (status = 404, description = "党员或项目不存在或不可见", body = ApiError),
        (status = 422, description = "分值超出范围或已达上限", body = ApiError),
    ))]
async fn award(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<AwardBody>,
) -> AppResult<Response> {
    let a = Award {
        member_id: b.member_id,
        code: b.item,
        points: b.points,
        occurred_on: parse_date(&b.occurred_on)
            .ok_or_else(|| bad("occurred_on 应为 YYYY-MM-DD"))?,
        reason: b.reason,
    };
    let r = service::award(&st.app, &u.actor(), u.scope(), &a).await?;
    let r: Awarded = r;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// `POST /api/v1/points/claims`: a member's own claim (申报).
#[utoipa::path(post, path = "/api/v1/points/claims", tag = tags::POINTS, summary = "积分申报",
    request_body = ClaimBody,
    responses(
        (status = 201, description = "已提交，待审核", body = ClaimState),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "账号未关联党员", body = ApiError),
        (status = 404, description = "项目不存在", body = ApiError),
        (status = 422, description = "内容有误或证明材料不符合要求", body = ApiError),
    ))]
async fn claim(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<ClaimBody>,
) -> AppResult<Response> {
    use base64::Engine as _;
    let on = parse_date(&b.occurred_on).ok_or_else(|| bad("occurred_on 应为 YYYY-MM-DD"))?;
    let bytes = match b.evidence_base64.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| bad("evidence_base64 不是有效的 Base64"))?,
        ),
        None => None,
    };
    let kept = match &bytes {
        Some(b) => {
            Some(super::awards::evidence_of(b).map_err(|m| AppError::Refused("file_rejected", m))?)
        }
        None => None,
    };
    let evidence = kept.as_ref().map(|(b, ct)| (b.as_slice(), *ct));
    let input = service::ClaimInput {
        code: &b.item,
        points: b.points,
        occurred_on: on,
        description: &b.description,
        evidence,
    };
    let id = service::claim(&st.app, &u.actor(), u.scope(), &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ClaimState {
            id,
            status: "pending".to_owned(),
        }),
    )
        .into_response())
}

/// `POST /api/v1/points/claims/{id}/decision`
#[utoipa::path(post, path = "/api/v1/points/claims/{id}/decision", tag = tags::POINTS, summary = "审核申报",
    params(("id" = i64, Path, description = "申报编号")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "已审核", body = ClaimState),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权审核", body = ApiError),
        (status = 404, description = "申报不存在或不可见", body = ApiError),
        (status = 422, description = "已审核过", body = ApiError),
    ))]
async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<DecisionBody>,
) -> AppResult<Json<ClaimState>> {
    service::decide(&st.app, &u.actor(), u.scope(), id, b.approve, &b.note).await?;
    let status = if b.approve { "approved" } else { "rejected" };
    Ok(Json(ClaimState {
        id,
        status: status.to_owned(),
    }))
}

/// `GET /api/v1/points/ranking?org=&period=`
#[utoipa::path(get, path = "/api/v1/points/ranking", tag = tags::POINTS, summary = "积分排名",
    params(RankingParams),
    responses(
        (status = 200, description = "一页排名", body = RankingOut),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "没有所属组织", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn ranking(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<RankingOut>> {
    let org = org_of(&u, q.org.as_deref())?;
    let period = period_of(&st, q.period.as_deref())?;
    let number = |raw: Option<&str>, default: i64, what: &str| match raw.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad(&format!("{what} 应为正整数"))),
    };
    let page = number(q.page.as_deref(), 1, "page")?;
    let per_page = number(q.per_page.as_deref(), service::PER_PAGE, "per_page")?;
    let r = service::ranking(&st.app, u.scope(), org, period, page, per_page).await?;
    Ok(Json(RankingOut {
        org_id: org,
        period: period.code(),
        period_label: period.label(),
        members: r.members,
        without_points: r.without_points,
        page: r.page,
        pages: r.pages,
        per_page: r.per_page,
        ranking: r.rows,
        orgs: r.orgs,
    }))
}
