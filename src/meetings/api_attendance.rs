//! JSON API of attendance: the check-in code for the room screen, check-in, the attendance
//! list, and 请假 with its decision. The meeting itself and its minutes are in `api.rs`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::web::AppState;
use crate::web::error::{ApiError, AppResult};
use crate::web::extract::{ApiJson, PathId, PathIds};

use super::api::attendance_json;
use super::api_types::{AttendanceOut, CheckedIn, CodeBody, LeaveBody, LeaveDecision, LeaveState};
use super::checkin::{self, CurrentCode};

/// `GET /api/v1/meetings/{id}/checkin-code`
#[utoipa::path(get, path = "/api/v1/meetings/{id}/checkin-code", tag = tags::MEETINGS,
    summary = "当前签到码（会场大屏）",
    params(("id" = i64, Path, description = "会议编号")),
    responses(
        (status = 200, description = "签到码与有效期", body = CurrentCode),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权查看", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "会议不在签到时段", body = ApiError),
    ))]
pub(super) async fn checkin_code(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<CurrentCode>> {
    let (_, c) = checkin::current_code(&st.app, u.scope(), id).await?;
    Ok(Json(c))
}

/// `POST /api/v1/meetings/{id}/checkin`
#[utoipa::path(post, path = "/api/v1/meetings/{id}/checkin", tag = tags::MEETINGS, summary = "签到",
    params(("id" = i64, Path, description = "会议编号")),
    request_body = CodeBody,
    responses(
        (status = 200, description = "已签到", body = CheckedIn),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "不在应到名单", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "签到码错误或已过期", body = ApiError),
        (status = 429, description = "尝试次数过多", body = ApiError),
    ))]
pub(super) async fn check_in(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<CodeBody>,
) -> AppResult<Json<CheckedIn>> {
    let (_, outcome) = checkin::check_in(&st.app, &u.actor(), u.scope(), id, &b.code, None).await?;
    let message = match outcome {
        checkin::CheckInOutcome::CheckedIn => "签到成功",
        checkin::CheckInOutcome::AlreadyCheckedIn => "已签到",
    };
    Ok(Json(CheckedIn {
        status: outcome,
        message: message.to_owned(),
    }))
}

/// `GET /api/v1/meetings/{id}/attendance`
#[utoipa::path(get, path = "/api/v1/meetings/{id}/attendance", tag = tags::MEETINGS, summary = "出席情况",
    params(("id" = i64, Path, description = "会议编号")),
    responses(
        (status = 200, description = "出席情况", body = AttendanceOut),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "只能查看会议已召开", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
    ))]
pub(super) async fn attendance(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<AttendanceOut>> {
    let (m, a) = checkin::attendance(&st.app, u.scope(), id).await?;
    Ok(Json(attendance_json(&st, &u, &m, a).await?))
}

/// `POST /api/v1/meetings/{id}/leave`
#[utoipa::path(post, path = "/api/v1/meetings/{id}/leave", tag = tags::MEETINGS, summary = "请假",
    params(("id" = i64, Path, description = "会议编号")),
    request_body = LeaveBody,
    responses(
        (status = 201, description = "已提交", body = LeaveState),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "不在应到名单", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 409, description = "已请过假", body = ApiError),
        (status = 422, description = "会议已开始或已结束", body = ApiError),
    ))]
pub(super) async fn leave(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ApiJson(b): ApiJson<LeaveBody>,
) -> AppResult<Response> {
    let lid = super::leave::request_leave(&st.app, &u.actor(), u.scope(), id, &b.reason).await?;
    Ok((
        StatusCode::CREATED,
        Json(LeaveState {
            id: lid,
            status: "pending".to_owned(),
        }),
    )
        .into_response())
}

/// `POST /api/v1/meetings/{id}/leaves/{lid}/decision`
#[utoipa::path(post, path = "/api/v1/meetings/{id}/leaves/{lid}/decision", tag = tags::MEETINGS,
    summary = "审批请假",
    params(
        ("id" = i64, Path, description = "会议编号"),
        ("lid" = i64, Path, description = "请假编号"),
    ),
    request_body = LeaveDecision,
    responses(
        (status = 200, description = "已审批", body = LeaveState),
        (status = 400, description = "请求格式不正确", body = ApiError),
        (status = 401, description = "未登录", body = ApiError),
        (status = 403, description = "无权审批", body = ApiError),
        (status = 404, description = "不存在或不可见", body = ApiError),
        (status = 422, description = "已审批过", body = ApiError),
    ))]
pub(super) async fn decide_leave(
    State(st): State<AppState>,
    u: User,
    PathIds(id, lid): PathIds,
    ApiJson(b): ApiJson<LeaveDecision>,
) -> AppResult<Json<LeaveState>> {
    super::leave::decide_leave(&st.app, &u.actor(), u.scope(), id, lid, b.approve, &b.note).await?;
    let status = if b.approve { "approved" } else { "rejected" };
    Ok(Json(LeaveState {
        id: lid,
        status: status.to_owned(),
    }))
}
