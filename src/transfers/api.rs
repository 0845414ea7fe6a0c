//! JSON API of transfers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, User};
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

fn json_of(t: &Transfer, today: time::Date) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    v["status_label"] = json!(t.status_label());
    v["overdue"] = json!(t.overdue(today));
    v
}

/// `GET /api/v1/transfers`
async fn list(State(st): State<AppState>, u: User) -> AppResult<Json<Value>> {
    let today = st.app.clock.today();
    let items: Vec<Value> = service::list(&st.app, u.scope())
        .await?
        .iter()
        .map(|t| json_of(t, today))
        .collect();
    Ok(Json(json!({"transfers": items})))
}

/// `GET /api/v1/transfers/{id}`
async fn get(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(&t, st.app.clock.today())))
}

#[derive(Deserialize)]
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
    Ok((StatusCode::CREATED, Json(json_of(&t, st.app.clock.today()))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    accept: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/transfers/{id}/decision`
async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<DecisionBody>,
) -> AppResult<Json<Value>> {
    service::decide(&st.app, &u.actor(), u.scope(), id, b.accept, &b.note).await?;
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(&t, st.app.clock.today())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptBody {
    receipt_on: String,
}

/// `POST /api/v1/transfers/{id}/receipt`
async fn receipt(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<ReceiptBody>,
) -> AppResult<Json<Value>> {
    let on = crate::shared::text::parse_date(&b.receipt_on).ok_or_else(|| {
        AppError::BadRequest("invalid_fields", "receipt_on 日期格式不正确".into())
    })?;
    service::record_receipt(&st.app, &u.actor(), u.scope(), id, on).await?;
    let t = service::get(&st.app, u.scope(), id).await?;
    Ok(Json(json_of(&t, st.app.clock.today())))
}
