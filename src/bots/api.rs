//! JSON API of group bots. Addresses come back masked and secrets never come back.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, User};
use crate::web::{AppState, Reg};

use super::service::{self, BotForm, TestError};
use super::store::{Bot, Delivery};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/orgs/{id}/bots", list)
        .post("/api/v1/orgs/{id}/bots", create)
        .post("/api/v1/bots/{id}/test", test)
        .get("/api/v1/bots/{id}/deliveries", deliveries)
}

impl From<TestError> for AppError {
    fn from(e: TestError) -> Self {
        match e {
            TestError::Limited => AppError::RateLimited(service::TEST_LIMITED.into()),
            TestError::Other(e) => e.into(),
        }
    }
}

fn bot_json(b: &Bot) -> Value {
    json!({
        "id": b.id,
        "org_id": b.org_id,
        "name": b.name,
        "kind": b.kind,
        "webhook_url": b.masked(),
        "signed": b.signed(),
        "events": b.event_codes(),
        "status": b.status,
        "paused_reason": b.paused_reason,
        "failures": b.failures,
    })
}

fn delivery_json(d: &Delivery) -> Value {
    let t = |x: time::OffsetDateTime| {
        x.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    json!({
        "id": d.id,
        "event": d.event_kind,
        "title": d.title,
        "status": d.status,
        "attempts": d.attempts,
        "response": d.response,
        "created_at": t(d.created_at),
        "finished_at": d.finished_at.map(t),
    })
}

/// `GET /api/v1/orgs/{id}/bots`
async fn list(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let (_, bots) = service::list(&st.app, u.scope(), id).await?;
    Ok(Json(
        json!({"bots": bots.iter().map(bot_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    kind: String,
    webhook_url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /api/v1/orgs/{id}/bots`
async fn create(
    State(st): State<AppState>,
    u: User,
    PathId(org): PathId,
    ApiJson(b): ApiJson<CreateBody>,
) -> AppResult<Response> {
    let f = BotForm {
        name: b.name,
        kind: b.kind,
        url: b.webhook_url,
        secret: b.secret,
        clear_secret: false,
        events: b.events,
    };
    let id = service::create(&st.app, &u.actor(), u.scope(), org, &f).await?;
    let bot = super::store::get(&mut st.app.db.conn().await?.exec(), id).await?;
    Ok((StatusCode::CREATED, Json(bot_json(&bot))).into_response())
}

/// `POST /api/v1/bots/{id}/test`: 202, or 429 `rate_limited` over the limit of test sends.
async fn test(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let did = service::test(&st.app, &u.actor(), u.scope(), id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"bot_id": id, "delivery_id": did, "status": "pending"})),
    )
        .into_response())
}

/// `GET /api/v1/bots/{id}/deliveries`
async fn deliveries(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Value>> {
    let (b, _, log) = service::log(&st.app, u.scope(), id).await?;
    Ok(Json(json!({
        "bot": bot_json(&b),
        "deliveries": log.iter().map(delivery_json).collect::<Vec<_>>(),
    })))
}
