//! JSON API of the member area. Numbers are masked here; full values only come from the
//! audited unmask, after a step-up.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::OpenApi;

use crate::api_doc::tags;
use crate::auth::MemberAction;
use crate::auth::extract::User;
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, PathId};
use crate::web::{AppState, Reg};

use super::api_types::{
    EventBody, EventOut, MemberDetailOut, MemberList, MemberListed, MemberOut, NewMemberBody,
    PatchBody, RosterParams, Unmasked,
};
use super::model::{Category, EventKind, ITEMS, RawFields};
use super::roster_page::RosterQuery;
use super::service::{self, Entry, Placement};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/members", list)
        .post("/api/v1/members", create)
        .get("/api/v1/members/{id}", get)
        .patch("/api/v1/members/{id}", patch)
        .post("/api/v1/members/{id}/events", add_event)
        .post("/api/v1/members/{id}/unmask", unmask)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(list, create, get, patch, add_event, unmask))]
pub struct Doc;

/// `POST /api/v1/members/{id}/unmask`: the full numbers, after the permission check and a
/// fresh step-up (SEC-16, `POST /api/v1/auth/confirm`); audited like the page's 查看完整.
#[utoipa::path(post, path = "/api/v1/members/{id}/unmask", tag = tags::MEMBERS,
    summary = "查看完整证件号、电话与地址（需再次验证身份）",
    params(("id" = i64, Path, description = "党员编号")),
    responses(
        (status = 200, description = "完整信息（已审计）", body = Unmasked),
        (status = 401, description = "未登录，或需先调用 /api/v1/auth/confirm", body = ApiError),
        (status = 403, description = "无权查看", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn unmask(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Unmasked>> {
    service::detail(&st.app, u.scope(), id, MemberAction::Unmask).await?;
    u.require_recent_auth(&st).await?;
    let d = service::unmask(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(Json(Unmasked {
        id: d.member.id,
        id_number: d.member.id_number,
        phone: d.member.phone,
        address: d.member.address,
    }))
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    per_page: Option<String>,
}

/// `GET /api/v1/members` with the roster's filters as query parameters.
#[utoipa::path(get, path = "/api/v1/members", tag = tags::MEMBERS, summary = "党员名册",
    params(RosterParams),
    responses(
        (status = 200, description = "一页名册", body = MemberList),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权查看", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<RosterQuery>,
    Query(p): Query<Paging>,
) -> AppResult<Json<MemberList>> {
    let today = st.app.clock.today();
    let per = p
        .per_page
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(50)
        .clamp(1, 500);
    let page = q.page_no();
    let (rows, total) = service::roster(
        &st.app,
        u.scope(),
        q.org_id()?,
        q.filter(today),
        per,
        (page - 1) * per,
    )
    .await?;
    let members = rows
        .into_iter()
        .map(|r| MemberListed {
            member: MemberOut::of(&r.m, today),
            org_name: r.org_name,
            group_name: r.group_name,
        })
        .collect();
    Ok(Json(MemberList {
        total,
        page,
        per_page: per,
        members,
    }))
}

/// `GET /api/v1/members/{id}`
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = tags::MEMBERS, summary = "党员详情",
    params(("id" = i64, Path, description = "党员编号")),
    responses(
        (status = 200, description = "党员与其事项记录", body = MemberDetailOut),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn get(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<MemberDetailOut>> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok(Json(MemberDetailOut {
        member: MemberOut::of(&d.member, st.app.clock.today()),
        org_name: d.org.name,
        group_name: d.group.map(|g| g.name),
        events: d.events.iter().map(EventOut::of).collect(),
    }))
}

/// Turns JSON field values into the raw strings the validator reads; only known items.
fn raw_from(obj: &serde_json::Map<String, Value>) -> AppResult<RawFields> {
    let mut raw = HashMap::new();
    for (k, v) in obj {
        if !ITEMS.iter().any(|(i, _)| i == k) || k == "category" {
            return Err(AppError::BadRequest(
                "unexpected_field",
                format!("不能通过此接口设置字段 {k}"),
            ));
        }
        let s = match v {
            Value::Null => String::new(),
            Value::Bool(b) => {
                if *b {
                    "是".into()
                } else {
                    "否".into()
                }
            }
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(AppError::BadRequest(
                    "invalid_fields",
                    format!("字段 {k} 的类型不正确"),
                ));
            }
        };
        raw.insert(k.clone(), s);
    }
    Ok(raw)
}

/// `POST /api/v1/members`
#[utoipa::path(post, path = "/api/v1/members", tag = tags::MEMBERS, summary = "新增党员",
    request_body = NewMemberBody,
    responses(
        (status = 201, description = "已新增", body = MemberOut),
        (status = 400, description = "请求格式不正确或字段不允许", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权新增", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 409, description = "身份证号已存在", body = ApiError),
        (status = 422, description = "字段有误（见 fields）", body = ApiError),
    ))]
async fn create(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<NewMemberBody>,
) -> AppResult<Response> {
    let category = Category::parse(&b.category).ok_or_else(|| {
        AppError::BadRequest(
            "invalid_fields",
            "category 应为 full 或 probationary".into(),
        )
    })?;
    let kind = match b.entry.as_deref() {
        None => EventKind::Register,
        Some(k) => EventKind::from_code(k)
            .filter(|k| k.is_entry())
            .ok_or_else(|| {
                AppError::BadRequest(
                    "invalid_fields",
                    "entry 应为 register、develop 或 transfer_in".into(),
                )
            })?,
    };
    let on = match b.entry_on.as_deref() {
        None | Some("") => None,
        Some(s) => Some(super::model::parse_any_date(s).ok_or_else(|| {
            AppError::BadRequest("invalid_fields", "entry_on 日期格式不正确".into())
        })?),
    };
    let raw = raw_from(&b.fields)?;
    let id = service::create(
        &st.app,
        &u.actor(),
        u.scope(),
        Placement {
            org_id: b.org_id,
            group_id: b.group_id,
            category,
            entry: Entry { kind, on },
            letter: None,
        },
        &raw,
    )
    .await?;
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberOut::of(&d.member, st.app.clock.today())),
    )
        .into_response())
}

/// `PATCH /api/v1/members/{id}`: changes only the fields given.
#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = tags::MEMBERS, summary = "修改党员信息",
    params(("id" = i64, Path, description = "党员编号")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "修改后的记录", body = MemberOut),
        (status = 400, description = "请求格式不正确或字段不允许", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权修改", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 409, description = "身份证号已存在", body = ApiError),
        (status = 422, description = "字段有误（见 fields）", body = ApiError),
    ))]
async fn patch(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<PatchBody>,
) -> AppResult<Json<MemberOut>> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
    let mut raw = d.member.raw_fields();
    raw.extend(raw_from(&b.fields)?);
    let group = b.group_id.unwrap_or(d.member.group_id);
    service::update(&st.app, &u.actor(), u.scope(), id, group, &raw).await?;
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok(Json(MemberOut::of(&d.member, st.app.clock.today())))
}

/// `POST /api/v1/members/{id}/events`
#[utoipa::path(post, path = "/api/v1/members/{id}/events", tag = tags::MEMBERS, summary = "登记事项",
    params(("id" = i64, Path, description = "党员编号")),
    request_body = EventBody,
    responses(
        (status = 201, description = "已登记，返回更新后的记录", body = MemberOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权登记", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "当前状态不能登记此事项", body = ApiError),
    ))]
async fn add_event(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<EventBody>,
) -> AppResult<Response> {
    let kind = EventKind::from_code(&b.kind)
        .ok_or_else(|| AppError::BadRequest("invalid_fields", "未知的事项类型".into()))?;
    let on = super::model::parse_any_date(&b.occurred_on).ok_or_else(|| {
        AppError::BadRequest("invalid_fields", "occurred_on 日期格式不正确".into())
    })?;
    let input = service::EventInput {
        kind,
        on,
        note: &b.note,
        months: b.months,
    };
    service::record_event(&st.app, &u.actor(), u.scope(), id, input).await?;
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberOut::of(&d.member, st.app.clock.today())),
    )
        .into_response())
}
