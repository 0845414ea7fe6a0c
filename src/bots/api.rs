//! JSON API of group bots. Addresses come back masked and secrets never come back.

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

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(list, create, test, deliveries))]
pub struct Doc;

/// A group bot; the address is masked and the secret never leaves the server.
#[derive(Serialize, ToSchema)]
#[schema(as = Bot)]
struct BotOut {
    id: i64,
    org_id: i64,
    name: String,
    /// `wecom`, `dingtalk` or `feishu`.
    kind: String,
    /// Masked address.
    webhook_url: String,
    /// A signing secret is set.
    signed: bool,
    /// Event codes it posts.
    events: Vec<String>,
    status: String,
    paused_reason: String,
    /// Failures in a row.
    failures: i64,
}

impl BotOut {
    fn of(b: &Bot) -> Self {
        Self {
            id: b.id,
            org_id: b.org_id,
            name: b.name.clone(),
            kind: b.kind.clone(),
            webhook_url: b.masked(),
            signed: b.signed(),
            events: b.event_codes().into_iter().map(ToOwned::to_owned).collect(),
            status: b.status.clone(),
            paused_reason: b.paused_reason.clone(),
            failures: b.failures,
        }
    }
}

/// One message sent, or being sent, by a bot.
#[derive(Serialize, ToSchema)]
#[schema(as = BotDelivery)]
struct DeliveryOut {
    id: i64,
    /// Event code.
    event: String,
    title: String,
    status: String,
    attempts: i64,
    /// What the webhook answered (shortened).
    response: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    finished_at: Option<time::OffsetDateTime>,
}

impl DeliveryOut {
    fn of(d: &Delivery) -> Self {
        Self {
            id: d.id,
            event: d.event_kind.clone(),
            title: d.title.clone(),
            status: d.status.clone(),
            attempts: d.attempts,
            response: d.response.clone(),
            created_at: d.created_at,
            finished_at: d.finished_at,
        }
    }
}

/// The bots of an organisation.
#[derive(Serialize, ToSchema)]
struct BotList {
    bots: Vec<BotOut>,
}

/// A test message queued.
#[derive(Serialize, ToSchema)]
struct TestQueued {
    bot_id: i64,
    delivery_id: i64,
    /// Always `pending`.
    status: String,
}

/// A bot with its recent deliveries.
#[derive(Serialize, ToSchema)]
struct DeliveryLog {
    bot: BotOut,
    deliveries: Vec<DeliveryOut>,
}

/// `GET /api/v1/orgs/{id}/bots`
#[utoipa::path(get, path = "/api/v1/orgs/{id}/bots", tag = tags::BOTS, summary = "组织的群机器人",
    params(("id" = i64, Path, description = "组织编号")),
    responses(
        (status = 200, description = "机器人列表", body = BotList),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权管理", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn list(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<BotList>> {
    let (_, bots) = service::list(&st.app, u.scope(), id).await?;
    Ok(Json(BotList {
        bots: bots.iter().map(BotOut::of).collect(),
    }))
}

/// A new bot.
#[derive(Deserialize, ToSchema)]
#[schema(as = NewBot)]
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
#[utoipa::path(post, path = "/api/v1/orgs/{id}/bots", tag = tags::BOTS, summary = "添加群机器人",
    params(("id" = i64, Path, description = "组织编号")),
    request_body = CreateBody,
    responses(
        (status = 201, description = "已添加", body = BotOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权管理", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 422, description = "内容有误", body = ApiError),
    ))]
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
    let (bot, _) = service::managed(&st.app, u.scope(), id).await?;
    Ok((StatusCode::CREATED, Json(BotOut::of(&bot))).into_response())
}

/// `POST /api/v1/bots/{id}/test`: 202, or 429 `rate_limited` over the limit of test sends.
#[utoipa::path(post, path = "/api/v1/bots/{id}/test", tag = tags::BOTS, summary = "发送测试消息",
    params(("id" = i64, Path, description = "机器人编号")),
    responses(
        (status = 202, description = "测试消息已排队", body = TestQueued),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权管理", body = ApiError),
        (status = 404, description = "机器人不存在或不可见", body = ApiError),
        (status = 429, description = "测试过于频繁", body = ApiError),
    ))]
async fn test(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let did = service::test(&st.app, &u.actor(), u.scope(), id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TestQueued {
            bot_id: id,
            delivery_id: did,
            status: "pending".to_owned(),
        }),
    )
        .into_response())
}

/// `GET /api/v1/bots/{id}/deliveries`
#[utoipa::path(get, path = "/api/v1/bots/{id}/deliveries", tag = tags::BOTS, summary = "发送记录",
    params(("id" = i64, Path, description = "机器人编号")),
    responses(
        (status = 200, description = "机器人与最近的发送记录", body = DeliveryLog),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权管理", body = ApiError),
        (status = 404, description = "机器人不存在或不可见", body = ApiError),
    ))]
async fn deliveries(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<DeliveryLog>> {
    let (b, _, log) = service::log(&st.app, u.scope(), id).await?;
    Ok(Json(DeliveryLog {
        bot: BotOut::of(&b),
        deliveries: log.iter().map(DeliveryOut::of).collect(),
    }))
}
