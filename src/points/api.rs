//! JSON API of the points area.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::shared::text::parse_date;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, User};
use crate::web::{AppState, Reg};

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

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    member: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
}

/// `GET /api/v1/points/items?org=`
async fn items(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<Value>> {
    let org = org_of(&u, q.org.as_deref())?;
    let items = service::items(&st.app, u.scope(), org).await?;
    let v: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or_default();
            v["category_label"] = json!(i.category().label());
            v["caps_text"] = json!(i.caps_text());
            v
        })
        .collect();
    Ok(Json(json!({"items": v})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemBody {
    org_id: i64,
    code: String,
    name: String,
    #[serde(default)]
    category: String,
    points: i64,
    #[serde(default)]
    min_points: Option<i64>,
    #[serde(default)]
    max_points: Option<i64>,
    #[serde(default)]
    cap_day: Option<i64>,
    #[serde(default)]
    cap_week: Option<i64>,
    #[serde(default)]
    cap_month: Option<i64>,
    #[serde(default)]
    cap_year: Option<i64>,
    #[serde(default)]
    needs_approval: bool,
    #[serde(default)]
    evidence_required: bool,
}

/// `POST /api/v1/points/items`: a new item for the organisation, or an adjusted inherited one.
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
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// `GET /api/v1/points/ledger?member=&period=` (default: the caller's own record, this month).
async fn ledger(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<Value>> {
    let member = match q.member.as_deref().filter(|s| !s.is_empty()) {
        Some(m) => m.parse::<i64>().map_err(|_| bad("member 应为党员编号"))?,
        None => u.scope().member_id.ok_or(AppError::Forbidden)?,
    };
    let period = period_of(&st, q.period.as_deref())?;
    let entries = service::ledger(&st.app, u.scope(), member, period).await?;
    let total: i64 = entries.iter().map(|e| e.points).sum();
    Ok(Json(
        json!({"member_id": member, "period": period.code(), "period_label": period.label(), "total": total, "entries": entries}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardBody {
    member_id: i64,
    item: String,
    #[serde(default)]
    points: Option<i64>,
    occurred_on: String,
    reason: String,
}

/// `POST /api/v1/points/entries`: an officer's award or deduction.
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
    Ok((StatusCode::CREATED, Json(json!(r))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    item: String,
    #[serde(default)]
    points: Option<i64>,
    occurred_on: String,
    description: String,
    /// Evidence as base64 with its MIME type.
    #[serde(default)]
    evidence_base64: Option<String>,
}

/// `POST /api/v1/points/claims`: a member's own claim (申报).
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
        Json(json!({"id": id, "status": "pending"})),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/points/claims/{id}/decision`
async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<DecisionBody>,
) -> AppResult<Json<Value>> {
    service::decide(&st.app, &u.actor(), u.scope(), id, b.approve, &b.note).await?;
    Ok(Json(
        json!({"id": id, "status": if b.approve { "approved" } else { "rejected" }}),
    ))
}

/// `GET /api/v1/points/ranking?org=&period=`
async fn ranking(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Json<Value>> {
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
    Ok(Json(json!({
        "org_id": org,
        "period": period.code(),
        "period_label": period.label(),
        "members": r.members,
        "without_points": r.without_points,
        "page": r.page,
        "pages": r.pages,
        "per_page": r.per_page,
        "ranking": r.rows,
        "orgs": r.orgs,
    })))
}
