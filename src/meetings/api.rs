//! JSON API of organisational life: meetings, check-in, attendance, 请假, minutes and the
//! compliance report. Every handler goes through the same services as the pages.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::shared::dates::{self, INVALID_DATE};
use crate::shared::text::parse_datetime;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{ApiJson, PathId, PathIds, User};
use crate::web::{AppState, Reg};

use super::access::Standing;
use super::checkin::{self, Attendance};
use super::compliance_service;
use super::minutes::{self, Saved};
use super::model::{Kind, Minutes, Period, RecordAccess};
use super::service::{self, Plan, check_manage};
use super::store::{ListFilter, Meeting};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/meetings", list)
        .post("/api/v1/meetings", create)
        .get("/api/v1/meetings/{id}", get)
        .get("/api/v1/meetings/{id}/checkin-code", checkin_code)
        .post("/api/v1/meetings/{id}/checkin", check_in)
        .get("/api/v1/meetings/{id}/attendance", attendance)
        .post("/api/v1/meetings/{id}/leave", leave)
        .post("/api/v1/meetings/{id}/leaves/{lid}/decision", decide_leave)
        .put("/api/v1/meetings/{id}/minutes", put_minutes)
        .get("/api/v1/compliance", compliance)
}

/// A meeting as JSON.
#[must_use]
pub fn json_of(m: &Meeting) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    v["kinds"] = json!(m.kinds().iter().map(|k| k.code()).collect::<Vec<_>>());
    v["agenda"] = json!(m.agenda_items());
    v["status_label"] = json!(m.status_label());
    v["record_access"] = json!(RecordAccess::Full);
    v
}

/// A meeting as JSON for a caller with `access` to its record (MEET-02/03): a member who may
/// only see that it was held gets no agenda, guests or review comment.
fn json_for(m: &Meeting, access: RecordAccess) -> Value {
    if access == RecordAccess::Full {
        return json_of(m);
    }
    let mut v = json_of(&super::access::held_only(m));
    v["record_access"] = json!(access);
    v
}

fn bad(msg: &str) -> AppError {
    AppError::BadRequest("invalid_fields", msg.to_owned())
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `GET /api/v1/meetings?org=&from=&to=&kind=&status=&page=`
async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    let org = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<i64>().map_err(|_| bad("org 应为组织编号"))?),
        None => None,
    };
    // SEC-43: one bounded parser; `to` is inclusive, so the bound is the next midnight.
    let day = |s: &Option<String>, name: &str, after: bool| -> AppResult<Option<_>> {
        let refuse =
            || AppError::BadRequest(INVALID_DATE, dates::date_message(&format!("{name} ")));
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => {
                let d = dates::date(s).ok_or_else(refuse)?;
                let d = if after {
                    dates::next_day(d).ok_or_else(refuse)?
                } else {
                    d
                };
                Ok(Some(
                    d.midnight().assume_offset(crate::shared::clock::CHINA),
                ))
            }
        }
    };
    let from = day(&q.from, "from", false)?;
    let to = day(&q.to, "to", true)?;
    let kind = match q.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(k) => Some(Kind::from_code(k).ok_or_else(|| bad("kind 不是有效的会议类型"))?),
        None => None,
    };
    let status = q
        .status
        .filter(|s| ["planned", "held", "cancelled"].contains(&s.as_str()));
    let page: i64 = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let f = ListFilter {
        roots: Vec::new(),
        from,
        to,
        kind,
        status,
    };
    let (rows, total) = service::list(&st.app, u.scope(), org, f, 100, (page - 1) * 100).await?;
    let mut conn = st.app.db.conn().await?;
    let standing = Standing::load(&mut conn.exec(), u.scope()).await?;
    let mut meetings = Vec::with_capacity(rows.len());
    for m in &rows {
        let a = standing.access(&mut conn.exec(), u.scope(), m).await?;
        meetings.push(json_for(m, a));
    }
    Ok(Json(
        json!({"meetings": meetings, "total": total, "page": page}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    org_id: i64,
    kinds: Vec<String>,
    #[serde(default)]
    title: String,
    starts_at: String,
    ends_at: String,
    place: String,
    host_name: String,
    #[serde(default)]
    recorder_name: String,
    #[serde(default)]
    agenda: Vec<String>,
    #[serde(default)]
    guests: String,
}

fn plan_of(b: CreateBody) -> AppResult<Plan> {
    let mut kinds = Vec::new();
    for k in &b.kinds {
        let k = Kind::from_code(k).ok_or_else(|| bad(&format!("未知的会议类型 {k}")))?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    Ok(Plan {
        org_id: b.org_id,
        kinds,
        title: b.title,
        starts_at: Some(
            parse_datetime(&b.starts_at).ok_or_else(|| bad("starts_at 时间格式不正确"))?,
        ),
        ends_at: Some(parse_datetime(&b.ends_at).ok_or_else(|| bad("ends_at 时间格式不正确"))?),
        place: b.place,
        host_name: b.host_name,
        recorder_name: b.recorder_name,
        agenda: b
            .agenda
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        guests: b.guests,
    })
}

/// `POST /api/v1/meetings`
async fn create(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<CreateBody>,
) -> AppResult<Response> {
    let plan = plan_of(b)?;
    let id = service::schedule(&st.app, &u.actor(), u.scope(), &plan).await?;
    let m = service::get(&st.app, u.scope(), id).await?;
    Ok((StatusCode::CREATED, Json(json_of(&m))).into_response())
}

/// `GET /api/v1/meetings/{id}`: a 支委会 (or another group's meeting) shows an ordinary member
/// only that it was held, with any decision published to members (MEET-02/03).
async fn get(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let m = service::get(&st.app, u.scope(), id).await?;
    match super::access::access(&st.app, u.scope(), &m).await? {
        RecordAccess::Full => {}
        RecordAccess::HeldOnly => return Ok(Json(json_for(&m, RecordAccess::HeldOnly))),
        RecordAccess::None => return Err(AppError::Denied(crate::auth::Denial::NotFound)),
    }
    let (m, a) = checkin::attendance(&st.app, u.scope(), id).await?;
    let mut v = json_of(&m);
    v["attendance"] = attendance_json(&st, &u, &m, &a).await?;
    let mv = minutes::load(&st.app, u.scope(), id).await?;
    v["minutes"] = json!(mv.current);
    v["revisions"] = json!(mv.revisions.len());
    Ok(Json(v))
}

async fn attendance_json(st: &AppState, u: &User, m: &Meeting, a: &Attendance) -> AppResult<Value> {
    let org = crate::orgs::store::get(&mut st.app.db.conn().await?.exec(), m.org_id).await?;
    let manager = check_manage(u.scope(), &org).is_ok();
    let mut v = json!({
        "expected": a.expected, "present": a.present, "leave": a.leave, "absent": a.absent,
        "entitled": a.entitled, "present_voting": a.present_voting, "quorum": a.quorum,
    });
    if manager {
        v["roll"] = json!(a.roll);
        v["leaves"] = json!(a.leaves);
    } else {
        v["own"] = json!(a.own(u.scope().member_id));
    }
    Ok(v)
}

/// `GET /api/v1/meetings/{id}/checkin-code`
async fn checkin_code(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Value>> {
    let (_, c) = checkin::current_code(&st.app, u.scope(), id).await?;
    Ok(Json(json!(c)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

/// `POST /api/v1/meetings/{id}/checkin`
async fn check_in(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<CodeBody>,
) -> AppResult<Json<Value>> {
    let (_, outcome) = checkin::check_in(&st.app, &u.actor(), u.scope(), id, &b.code).await?;
    let message = match outcome {
        checkin::CheckInOutcome::CheckedIn => "签到成功",
        checkin::CheckInOutcome::AlreadyCheckedIn => "已签到",
    };
    Ok(Json(json!({"status": outcome, "message": message})))
}

/// `GET /api/v1/meetings/{id}/attendance`
async fn attendance(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<Value>> {
    let (m, a) = checkin::attendance(&st.app, u.scope(), id).await?;
    Ok(Json(attendance_json(&st, &u, &m, &a).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaveBody {
    reason: String,
}

/// `POST /api/v1/meetings/{id}/leave`
async fn leave(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<LeaveBody>,
) -> AppResult<Response> {
    let lid = super::leave::request_leave(&st.app, &u.actor(), u.scope(), id, &b.reason).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": lid, "status": "pending"})),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaveDecision {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/meetings/{id}/leaves/{lid}/decision`
async fn decide_leave(
    State(st): State<AppState>,
    u: User,
    PathIds(id, lid): PathIds,
    ApiJson(b): ApiJson<LeaveDecision>,
) -> AppResult<Json<Value>> {
    super::leave::decide_leave(&st.app, &u.actor(), u.scope(), id, lid, b.approve, &b.note).await?;
    Ok(Json(
        json!({"id": lid, "status": if b.approve { "approved" } else { "rejected" }}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinutesBody {
    #[serde(default)]
    speeches: String,
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    absence_notes: String,
    #[serde(default)]
    votes: Vec<super::model::VoteRecord>,
    #[serde(default)]
    submit: bool,
    #[serde(default)]
    reason: String,
}

/// `PUT /api/v1/meetings/{id}/minutes`: saves a draft, submits (`"submit": true`), or after
/// submission appends a correction (`"reason"` required).
async fn put_minutes(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<MinutesBody>,
) -> AppResult<Json<Value>> {
    let m = Minutes {
        speeches: b.speeches,
        decisions: b.decisions,
        absence_notes: b.absence_notes,
        votes: b.votes,
    };
    let saved = minutes::save(&st.app, &u.actor(), u.scope(), id, m, b.submit, &b.reason).await?;
    let v = minutes::load(&st.app, u.scope(), id).await?;
    Ok(Json(json!({
        "saved": saved,
        "revision": if saved == Saved::Draft { None } else { v.revisions.last().map(|r| r.revision) },
        "status": v.meeting.status,
    })))
}

#[derive(Deserialize)]
struct ComplianceQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    period: Option<String>,
}

/// `GET /api/v1/compliance?org=&period=2026-Q4` (also `2026-11`, `2026`).
async fn compliance(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ComplianceQuery>,
) -> AppResult<Json<Value>> {
    let org = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<i64>().map_err(|_| bad("org 应为组织编号"))?,
        None => u
            .scope()
            .own
            .as_ref()
            .map(|o| o.id)
            .ok_or(AppError::Forbidden)?,
    };
    let period = match q.period.as_deref().filter(|s| !s.is_empty()) {
        Some(p) => Period::parse(p)
            .ok_or_else(|| AppError::BadRequest(INVALID_DATE, dates::period_message()))?,
        None => Period::containing(st.app.clock.today(), super::model::Granularity::Month),
    };
    let (o, rows) = compliance_service::report(&st.app, u.scope(), org, period).await?;
    Ok(Json(json!({
        "org": {"id": o.id, "name": o.name},
        "period": period.code(), "period_label": period.label(),
        "from": crate::shared::text::ymd(period.start()), "to": crate::shared::text::ymd(period.end()),
        "rows": rows.iter().map(|r| json!({
            "org_id": r.org_id, "org_name": r.org_name, "org_kind": r.org_kind,
            "status": r.status, "status_label": r.status.label(),
            "kinds": r.cells.iter().map(|c| json!({
                "kind": c.kind, "kind_label": c.kind.label(), "required": c.required, "held": c.held,
                "status": c.status, "status_label": c.status.label(), "rule": c.rule,
                "held_meetings": c.held_ids.iter().map(|(i, _)| format!("/api/v1/meetings/{i}")).collect::<Vec<_>>(),
                "planned_meetings": c.planned_ids.iter().map(|(i, _)| format!("/api/v1/meetings/{i}")).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}
