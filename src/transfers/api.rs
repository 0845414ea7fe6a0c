//! JSON API of transfers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, PathId};
use crate::web::{AppState, Reg};

use super::model::{Kind, Transfer};
use super::service::{self, LetterInput};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/transfers", list)
        .post("/api/v1/transfers", create)
        .get("/api/v1/transfers/{id}", get)
        .post("/api/v1/transfers/{id}/decision", decide)
        .post("/api/v1/transfers/{id}/receipt", receipt)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(list, create, get, decide, receipt))]
pub struct Doc;

/// A transfer with its status in words and whether a letter is overdue.
#[derive(Serialize, ToSchema)]
#[schema(as = Transfer)]
struct TransferOut {
    #[serde(flatten)]
    transfer: Transfer,
    status_label: String,
    /// A letter issued, unanswered and past its validity.
    overdue: bool,
}

fn json_of(t: Transfer, today: time::Date) -> TransferOut {
    TransferOut {
        status_label: t.status_label().to_owned(),
        overdue: t.overdue(today),
        transfer: t,
    }
}

/// Transfers in the caller's scope.
#[derive(Serialize, ToSchema)]
struct TransferList {
    transfers: Vec<TransferOut>,
}

/// `GET /api/v1/transfers`
#[utoipa::path(get, path = "/api/v1/transfers", tag = tags::TRANSFERS, summary = "转接列表",
    responses(
        (status = 200, description = "可见范围内的转接", body = TransferList),
        (status = 401, description = "未登录", body = ApiError),
    ))]
async fn list(State(st): State<AppState>, u: User) -> AppResult<Json<TransferList>> {
    let today = st.app.clock.today();
    let transfers = service::list(&st.app, u.scope())
        .await?
        .into_iter()
        .map(|t| json_of(t, today))
        .collect();
    Ok(Json(TransferList { transfers }))
}

/// `GET /api/v1/transfers/{id}`
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = tags::TRANSFERS, summary = "转接详情",
    params(("id" = i64, Path, description = "转接编号")),
    responses(
        (status = 200, description = "转接", body = TransferOut),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn get(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<TransferOut>> {
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(t, st.app.clock.today())))
}

/// A transfer inside Zhibu (`internal`, with `to_org_id`) or a 介绍信 out (`outgoing`, with
/// `destination`).
#[derive(Deserialize, ToSchema)]
#[schema(as = NewTransfer)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    member_id: i64,
    kind: String,
    #[serde(default)]
    to_org_id: Option<i64>,
    #[serde(default)]
    destination: Option<String>,
    #[serde(default)]
    valid_days: Option<i64>,
    #[serde(default)]
    dues_paid_to: Option<String>,
    reason: String,
}

/// `POST /api/v1/transfers`: an internal request or a 介绍信.
#[utoipa::path(post, path = "/api/v1/transfers", tag = tags::TRANSFERS, summary = "发起转接或开具介绍信",
    request_body = CreateBody,
    responses(
        (status = 201, description = "已发起", body = TransferOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权办理", body = ApiError),
        (status = 404, description = "党员或组织不存在或不可见", body = ApiError),
        (status = 409, description = "已有进行中的转接", body = ApiError),
        (status = 422, description = "内容有误", body = ApiError),
    ))]
async fn create(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<CreateBody>,
) -> AppResult<Response> {
    let id = match Kind::from_code(&b.kind) {
        Some(Kind::Internal) => {
            let to = b
                .to_org_id
                .ok_or_else(|| AppError::BadRequest("invalid_fields", "缺少 to_org_id".into()))?;
            service::request_internal(&st.app, &u.actor(), u.scope(), b.member_id, to, &b.reason)
                .await?
        }
        Some(Kind::Outgoing) => {
            let input = LetterInput {
                destination: b.destination.unwrap_or_default(),
                valid_days: b
                    .valid_days
                    .unwrap_or_else(|| i64::from(st.app.config.members.letter_validity_days)),
                dues_paid_to: b.dues_paid_to.unwrap_or_default(),
                reason: b.reason,
            };
            service::issue_letter(&st.app, &u.actor(), u.scope(), b.member_id, &input).await?
        }
        _ => {
            return Err(AppError::BadRequest(
                "invalid_fields",
                "kind 应为 internal 或 outgoing".into(),
            ));
        }
    };
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok((StatusCode::CREATED, Json(json_of(t, st.app.clock.today()))).into_response())
}

/// The receiving organisation's answer.
#[derive(Deserialize, ToSchema)]
#[schema(as = TransferDecision)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    accept: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/transfers/{id}/decision`
#[utoipa::path(post, path = "/api/v1/transfers/{id}/decision", tag = tags::TRANSFERS, summary = "接收或退回",
    params(("id" = i64, Path, description = "转接编号")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "已处理", body = TransferOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权处理", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "当前状态不能处理", body = ApiError),
    ))]
async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<DecisionBody>,
) -> AppResult<Json<TransferOut>> {
    service::decide(&st.app, &u.actor(), u.scope(), id, b.accept, &b.note).await?;
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(t, st.app.clock.today())))
}

/// The 回执 of a letter out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReceiptBody {
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    receipt_on: String,
}

/// `POST /api/v1/transfers/{id}/receipt`
#[utoipa::path(post, path = "/api/v1/transfers/{id}/receipt", tag = tags::TRANSFERS, summary = "登记回执",
    params(("id" = i64, Path, description = "转接编号")),
    request_body = ReceiptBody,
    responses(
        (status = 200, description = "已登记", body = TransferOut),
        (status = 400, description = "日期格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权登记", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "当前状态不能登记", body = ApiError),
    ))]
async fn receipt(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<ReceiptBody>,
) -> AppResult<Json<TransferOut>> {
    let on = crate::shared::text::parse_date(&b.receipt_on).ok_or_else(|| {
        AppError::BadRequest("invalid_fields", "receipt_on 日期格式不正确".into())
    })?;
    service::record_receipt(&st.app, &u.actor(), u.scope(), id, on).await?;
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(t, st.app.clock.today())))
}
