//! JSON API of organisational life: meetings, check-in, attendance, 请假, minutes and the
//! compliance report. Every handler goes through the same services as the pages.

use crate::auth::Visible;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::shared::dates::{self, INVALID_DATE};
use crate::shared::text::{parse_datetime, ymd};
use crate::web::error::{ApiError, AppError, AppResult};
use crate::web::extract::{ApiJson, PathId};
use crate::web::{AppState, Reg};

use super::access::Standing;
use super::api_attendance;
use super::api_types::{
    AttendanceOut, ComplianceCell, ComplianceQuery, ComplianceReport, ComplianceRow, CreateBody,
    ListQuery, MeetingDetail, MeetingFull, MeetingList, MeetingOut, MinutesBody, MinutesSavedOut,
    ReportOrg,
};
use super::checkin::{self, Attendance};
use super::compliance_service;
use super::minutes::{self, Saved};
use super::model::{Kind, Minutes, Period, RecordAccess};
use super::service::{self, Plan};
use super::store::{ListFilter, Meeting};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/meetings", list)
        .post("/api/v1/meetings", create)
        .get("/api/v1/meetings/{id}", get)
        .get(
            "/api/v1/meetings/{id}/checkin-code",
            api_attendance::checkin_code,
        )
        .post("/api/v1/meetings/{id}/checkin", api_attendance::check_in)
        .get(
            "/api/v1/meetings/{id}/attendance",
            api_attendance::attendance,
        )
        .post("/api/v1/meetings/{id}/leave", api_attendance::leave)
        .post(
            "/api/v1/meetings/{id}/leaves/{lid}/decision",
            api_attendance::decide_leave,
        )
        .put("/api/v1/meetings/{id}/minutes", put_minutes)
        .get("/api/v1/compliance", compliance)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(
    list,
    create,
    get,
    api_attendance::checkin_code,
    api_attendance::check_in,
    api_attendance::attendance,
    api_attendance::leave,
    api_attendance::decide_leave,
    put_minutes,
    compliance
))]
pub struct Doc;

/// A meeting for a caller with `access` to its record (MEET-02/03): a member who may only see
/// that it was held gets no agenda, guests or review comment.
fn json_for(m: &Meeting, access: RecordAccess) -> MeetingOut {
    if access == RecordAccess::Full {
        return MeetingOut::of(m.clone(), access);
    }
    MeetingOut::of(super::access::held_only(m), access)
}

fn bad(msg: &str) -> AppError {
    AppError::BadRequest("invalid_fields", msg.to_owned())
}

/// `GET /api/v1/meetings?org=&from=&to=&kind=&status=&page=`
#[utoipa::path(get, path = "/api/v1/meetings", tag = tags::MEETINGS, summary = "会议列表",
    params(ListQuery),
    responses(
        (status = 200, description = "一页会议", body = MeetingList),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<MeetingList>> {
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
        roots: Visible::default(),
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
    Ok(Json(MeetingList {
        meetings,
        total,
        page,
    }))
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
#[utoipa::path(post, path = "/api/v1/meetings", tag = tags::MEETINGS, summary = "安排会议",
    request_body = CreateBody,
    responses(
        (status = 201, description = "已安排", body = MeetingOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权安排", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
        (status = 422, description = "内容有误", body = ApiError),
    ))]
async fn create(
    State(st): State<AppState>,
    u: User,
    ApiJson(b): ApiJson<CreateBody>,
) -> AppResult<Response> {
    let plan = plan_of(b)?;
    let id = service::schedule(&st.app, &u.actor(), u.scope(), &plan).await?;
    let m = service::get(&st.app, u.scope(), id).await?;
    let body = MeetingOut::of(m, RecordAccess::Full);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/meetings/{id}`: a 支委会 (or another group's meeting) shows an ordinary member
/// only that it was held, with any decision published to members (MEET-02/03).
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = tags::MEETINGS, summary = "会议详情",
    params(("id" = i64, Path, description = "会议编号")),
    responses(
        (status = 200, description = "完整记录，或仅“已召开”", body = MeetingDetail),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
async fn get(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<MeetingDetail>> {
    let m = service::get(&st.app, u.scope(), id).await?;
    match super::access::access(&st.app, u.scope(), &m).await? {
        RecordAccess::Full => {}
        RecordAccess::HeldOnly => {
            let held = json_for(&m, RecordAccess::HeldOnly);
            return Ok(Json(MeetingDetail::HeldOnly(held)));
        }
        RecordAccess::None => return Err(AppError::Denied(crate::auth::Denial::NotFound)),
    }
    let (m, a) = checkin::attendance(&st.app, u.scope(), id).await?;
    let attendance = attendance_json(&st, &u, &m, a).await?;
    let mv = minutes::load(&st.app, u.scope(), id).await?;
    Ok(Json(MeetingDetail::Full(MeetingFull {
        base: MeetingOut::of(m, RecordAccess::Full),
        attendance,
        minutes: mv.current,
        revisions: mv.revisions.len(),
    })))
}

pub(super) async fn attendance_json(
    st: &AppState,
    u: &User,
    m: &Meeting,
    a: Attendance,
) -> AppResult<AttendanceOut> {
    let manager = super::service::manages(&st.app, u.scope(), m).await?;
    Ok(AttendanceOut::of(a, manager, u.scope().member_id))
}

/// `PUT /api/v1/meetings/{id}/minutes`: saves a draft, submits (`"submit": true`), or after
/// submission appends a correction (`"reason"` required).
#[utoipa::path(put, path = "/api/v1/meetings/{id}/minutes", tag = tags::MEETINGS,
    summary = "保存、提交或更正会议记录",
    params(("id" = i64, Path, description = "会议编号")),
    request_body = MinutesBody,
    responses(
        (status = 200, description = "已保存", body = MinutesSavedOut),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权记录", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "内容有误或缺少更正原因", body = ApiError),
    ))]
async fn put_minutes(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<MinutesBody>,
) -> AppResult<Json<MinutesSavedOut>> {
    let m = Minutes {
        speeches: b.speeches,
        decisions: b.decisions,
        absence_notes: b.absence_notes,
        votes: b.votes,
    };
    let saved = minutes::save(&st.app, &u.actor(), u.scope(), id, m, b.submit, &b.reason).await?;
    let v = minutes::load(&st.app, u.scope(), id).await?;
    let revision = if saved == Saved::Draft {
        None
    } else {
        v.revisions.last().map(|r| r.revision)
    };
    Ok(Json(MinutesSavedOut {
        saved,
        revision,
        status: v.meeting.status,
    }))
}

/// `GET /api/v1/compliance?org=&period=2026-Q4` (also `2026-11`, `2026`).
#[utoipa::path(get, path = "/api/v1/compliance", tag = tags::MEETINGS, summary = "“三会一课”落实情况",
    params(ComplianceQuery),
    responses(
        (status = 200, description = "各组织各类会议的落实情况", body = ComplianceReport),
        (status = 400, description = "参数不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "没有所属组织或无权查看", body = ApiError),
        (status = 404, description = "组织不存在或不可见", body = ApiError),
    ))]
async fn compliance(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ComplianceQuery>,
) -> AppResult<Json<ComplianceReport>> {
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
    let link = |ids: &[(i64, time::Date)]| -> Vec<String> {
        ids.iter()
            .map(|(i, _)| format!("/api/v1/meetings/{i}"))
            .collect()
    };
    let rows = rows
        .iter()
        .map(|r| ComplianceRow {
            org_id: r.org_id,
            org_name: r.org_name.clone(),
            org_kind: r.org_kind.clone(),
            status: r.status,
            status_label: r.status.label().to_owned(),
            kinds: r
                .cells
                .iter()
                .map(|c| ComplianceCell {
                    kind: c.kind,
                    kind_label: c.kind.label().to_owned(),
                    required: c.required,
                    held: c.held,
                    status: c.status,
                    status_label: c.status.label().to_owned(),
                    rule: c.rule.clone(),
                    held_meetings: link(&c.held_ids),
                    planned_meetings: link(&c.planned_ids),
                })
                .collect(),
        })
        .collect();
    Ok(Json(ComplianceReport {
        org: ReportOrg {
            id: o.id,
            name: o.name,
        },
        period: period.code(),
        period_label: period.label(),
        from: ymd(period.start()),
        to: ymd(period.end()),
        rows,
    }))
}
