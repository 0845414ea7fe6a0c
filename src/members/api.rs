//! JSON API of the member area. Numbers are masked here; full values only come from the
//! audited unmask, after a step-up.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::MemberAction;
use crate::shared::text::ymd;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, User};
use crate::web::{AppState, Reg};

use super::model::{Category, EventKind, ITEMS, Member, RawFields};
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

/// `POST /api/v1/members/{id}/unmask`: the full numbers, after the permission check and a
/// fresh step-up (SEC-16, `POST /api/v1/auth/confirm`); audited like the page's 查看完整.
async fn unmask(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    service::detail(&st.app, u.scope(), id, MemberAction::Unmask).await?;
    u.require_recent_auth(&st).await?;
    let d = service::unmask(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(Json(json!({
        "id": d.member.id,
        "id_number": d.member.id_number,
        "phone": d.member.phone,
        "address": d.member.address,
    })))
}

/// The JSON shape of a record.
#[must_use]
pub fn member_json(m: &Member, today: time::Date) -> Value {
    json!({
        "id": m.id,
        "org_id": m.org_id,
        "group_id": m.group_id,
        "name": m.name,
        "gender": m.gender,
        // SEC-53/55: the number is masked here, so the birth date it contains is not shown
        // beside it; the age (周岁) is.
        "id_number_masked": m.id_masked(),
        "age": m.age(today),
        "ethnicity": m.ethnicity,
        "native_place": m.native_place,
        "education": m.education,
        "degree": m.degree,
        "category": m.category,
        "membership_status": m.membership_status,
        "joined_on": ymd(m.joined_on),
        "converted_on": m.converted_on.map(ymd),
        "party_years": m.party_years(today),
        "job_title": m.job_title,
        "employer": m.employer,
        "work_started_on": m.work_started_on.map(ymd),
        "phone_masked": m.phone_masked(),
        "party_post": m.party_post,
        "lost_contact": m.lost_contact,
        "lost_contact_on": m.lost_contact_on.map(ymd),
        "mobile": m.mobile,
        "mobile_destination": m.mobile_destination,
    })
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    per_page: Option<String>,
}

/// `GET /api/v1/members` with the roster's filters as query parameters.
async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<RosterQuery>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Value>> {
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
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = member_json(&r.m, today);
            v["org_name"] = json!(r.org_name);
            v["group_name"] = json!(r.group_name);
            v
        })
        .collect();
    Ok(Json(
        json!({"total": total, "page": page, "per_page": per, "members": items}),
    ))
}

/// `GET /api/v1/members/{id}`
async fn get(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    let mut v = member_json(&d.member, st.app.clock.today());
    v["org_name"] = json!(d.org.name);
    v["group_name"] = json!(d.group.map(|g| g.name));
    v["events"] = json!(
        d.events
            .iter()
            .map(|e| json!({
                "kind": e.kind, "kind_label": e.kind_label(), "occurred_on": ymd(e.occurred_on),
                "to_org_id": e.to_org_id, "from_org_id": e.from_org_id, "note": e.note,
                "recorded_by": e.recorded_by_name,
            }))
            .collect::<Vec<_>>()
    );
    Ok(Json(v))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMemberBody {
    org_id: i64,
    #[serde(default)]
    group_id: Option<i64>,
    category: String,
    #[serde(default)]
    entry: Option<String>,
    #[serde(default)]
    entry_on: Option<String>,
    fields: serde_json::Map<String, Value>,
}

/// `POST /api/v1/members`
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
        Json(member_json(&d.member, st.app.clock.today())),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    #[serde(default)]
    group_id: Option<Option<i64>>,
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

/// `PATCH /api/v1/members/{id}`: changes only the fields given.
async fn patch(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<PatchBody>,
) -> AppResult<Json<Value>> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
    let mut raw = d.member.raw_fields();
    raw.extend(raw_from(&b.fields)?);
    let group = b.group_id.unwrap_or(d.member.group_id);
    service::update(&st.app, &u.actor(), u.scope(), id, group, &raw).await?;
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok(Json(member_json(&d.member, st.app.clock.today())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    kind: String,
    occurred_on: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/members/{id}/events`
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
    service::record_event(&st.app, &u.actor(), u.scope(), id, kind, on, &b.note).await?;
    let d = service::detail(&st.app, u.scope(), id, MemberAction::View).await?;
    Ok((
        StatusCode::CREATED,
        Json(member_json(&d.member, st.app.clock.today())),
    )
        .into_response())
}
