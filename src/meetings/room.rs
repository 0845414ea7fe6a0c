//! Pages in and around the meeting room: the full-screen check-in display with its rotating QR
//! code, the page a scanned code opens, 代签 and absence notes, 请假 and its approval, 我的会议
//! and the private calendar feed.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::extract::{MaybeUser, User};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ReqCtx;
use crate::web::extract::{DecisionForm, PathId, PathIds, ValidForm};
use crate::web::layout::{PageCtx, redirect, redirect_with, render, render_form, url_encode};
use crate::web::middleware::{cookie, set_cookie};
use crate::web::{AppState, Reg};

use super::checkin::{self, CheckInOutcome};
use super::export;
use super::proxy;
use super::scan;
use super::service::{self, MeetingError};
use super::views::{CheckinPage, MinePage, ScreenPage};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/meetings/{id}/screen", screen)
        .get("/meetings/{id}/qr.svg", qr)
        .get("/meetings/{id}/checkin", checkin_page)
        .post("/meetings/{id}/checkin", checkin_post)
        .post("/meetings/{id}/attendance", mark)
        .post("/meetings/{id}/attendance/bulk", mark_many)
        .post("/meetings/{id}/leave", leave)
        .post("/meetings/{id}/leaves/{lid}/decision", decide_leave)
        .get("/my/meetings", mine)
        .post("/my/calendar", issue_feed)
        .get("/calendar/{token}", feed)
}

async fn screen(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (m, c) = checkin::current_code(&st.app, u.scope(), id).await?;
    let (_, att) = checkin::attendance(&st.app, u.scope(), id).await?;
    render(&ScreenPage {
        expected: att.expected,
        present: att.present,
        rotate: st.app.config.meetings.checkin_rotate_secs,
        v: crate::web::assets::version(),
        code: c.code,
        m,
    })
}

async fn qr(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (m, c) = checkin::current_code(&st.app, u.scope(), id).await?;
    let url = format!(
        "{}/meetings/{}/checkin?code={}",
        crate::web::address::base_url(&st, &u.1),
        m.id,
        c.code
    );
    let svg = crate::shared::qr::svg(&url).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Deserialize)]
struct CodeQuery {
    #[serde(default)]
    code: String,
}

async fn checkin_render(
    st: &AppState,
    u: &User,
    id: i64,
    (code, scanned): (String, bool),
    done: Option<String>,
    error: Option<String>,
) -> AppResult<Response> {
    let m = match service::get(&st.app, u.scope(), id).await {
        Ok(m) => m,
        // A member of another branch scanning: say so plainly rather than "not found".
        Err(MeetingError::Denied(_)) => {
            return Err(AppError::Refused(
                "not_on_roll",
                "您不在本次会议的应到人员名单中，无法签到".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let page = PageCtx::new(st, u, "会议签到", "meetings").await?;
    render_form(
        error.is_some(),
        &CheckinPage {
            page,
            m,
            code,
            scanned,
            done,
            error,
        },
    )
}

/// The page a scanned code opens. Signed out, a valid code leaves a pass in the browser
/// (`scan`) and the member signs in first, coming back here; signed in, the code is on the
/// form, and a pass left earlier stands in for it once the screen has moved on.
async fn checkin_page(
    State(st): State<AppState>,
    u: MaybeUser,
    r: ReqCtx,
    headers: HeaderMap,
    PathId(id): PathId,
    Query(q): Query<CodeQuery>,
) -> AppResult<Response> {
    let secure = st.app.config.secure_cookies();
    let fresh = if q.code.is_empty() {
        None
    } else {
        scan::on_scan(&st.app, id, &q.code).await?
    };
    let Some(a) = u.0 else {
        let back = if fresh.is_some() {
            format!("/meetings/{id}/checkin")
        } else {
            format!("/meetings/{id}/checkin?code={}", url_encode(&q.code))
        };
        let to = format!("/login?next={}", url_encode(&back));
        let Some((pass, title)) = fresh else {
            return Ok(redirect(&to));
        };
        // A real scan: the login page names the meeting the check-in waits for.
        let mut res = redirect_with(&st, &to, "info", &format!("登录后完成签到：{title}"));
        let c = set_cookie(scan::COOKIE, &pass, secure, Some(scan::PASS_SECS));
        res.headers_mut().append(header::SET_COOKIE, c);
        return Ok(res);
    };
    let u = User(a, r);
    let scanned = fresh.is_some() || cookie(&headers, scan::COOKIE).is_some();
    // Opening the page again after checking in says so instead of offering the form again.
    let already = match checkin::attendance(&st.app, u.scope(), id).await {
        Ok((_, att)) => att
            .own(u.scope().member_id)
            .filter(|o| o.present())
            .map(|o| format!("您已签到（{}）", o.checked_text())),
        Err(_) => None,
    };
    let mut res = checkin_render(&st, &u, id, (q.code, scanned), already, None).await?;
    if let Some((p, _)) = fresh {
        let c = set_cookie(scan::COOKIE, &p, secure, Some(scan::PASS_SECS));
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn checkin_post(
    State(st): State<AppState>,
    u: User,
    headers: HeaderMap,
    PathId(id): PathId,
    ValidForm(f): ValidForm<CodeForm>,
) -> AppResult<Response> {
    let pass = cookie(&headers, scan::COOKIE);
    let scanned = pass.is_some();
    let outcome = checkin::check_in(&st.app, &u.actor(), u.scope(), id, &f.code, pass).await;
    let mut res = match outcome {
        Ok((_, CheckInOutcome::CheckedIn)) => {
            checkin_render(&st, &u, id, (f.code, false), Some("签到成功".into()), None).await?
        }
        Ok((_, CheckInOutcome::AlreadyCheckedIn)) => {
            checkin_render(&st, &u, id, (f.code, false), Some("已签到".into()), None).await?
        }
        Err(MeetingError::Refused(code, msg)) if code != "not_on_roll" => {
            return checkin_render(&st, &u, id, (f.code, false), None, Some(msg)).await;
        }
        Err(e) => return Err(e.into()),
    };
    // The pass has done its work; a later meeting needs a scan of its own.
    if scanned {
        let c = set_cookie(scan::COOKIE, "", st.app.config.secure_cookies(), Some(0));
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkForm {
    member_id: String,
    present: String,
    #[serde(default)]
    reason: String,
}

/// Back to the roll, opened where it was (the page keeps the scroll position too).
fn roll_url(id: i64) -> String {
    format!("/meetings/{id}?roll=1#roll")
}

async fn mark(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<MarkForm>,
) -> AppResult<Response> {
    let member = f
        .member_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let to = roll_url(id);
    let present = f.present == "1";
    match proxy::mark(
        &st.app,
        &u.actor(),
        u.scope(),
        id,
        member,
        present,
        &f.reason,
    )
    .await
    {
        Ok(()) => Ok(redirect_with(&st, &to, "success", "出席情况已更新")),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            Ok(redirect_with(&st, &to, "error", &m))
        }
        Err(e) => Err(e.into()),
    }
}

/// 代签 for everyone ticked on the roll (`member_id` repeated), or for the one whose row button
/// was pressed (`only`).
async fn mark_many(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (mut ids, mut only, mut note) = (Vec::new(), None, String::new());
    for (k, v) in &pairs {
        match k.as_str() {
            "_csrf" => {}
            "member_id" | "only" => {
                let n = v
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| AppError::BadRequest("invalid_member", "所选人员不正确".into()))?;
                if k == "only" {
                    only = Some(n);
                } else {
                    ids.push(n);
                }
            }
            "note" => note.clone_from(v),
            _ => {
                return Err(AppError::BadRequest(
                    "unexpected_field",
                    "表单包含不允许提交的字段".into(),
                ));
            }
        }
    }
    if let Some(n) = only {
        ids = vec![n];
    }
    let to = roll_url(id);
    match proxy::mark_present(&st.app, &u.actor(), u.scope(), id, &ids, &note).await {
        Ok(0) => Ok(redirect_with(&st, &to, "success", "所选党员均已签到")),
        Ok(n) => Ok(redirect_with(
            &st,
            &to,
            "success",
            &format!("已代签 {n} 人"),
        )),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            Ok(redirect_with(&st, &to, "error", &m))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaveForm {
    #[serde(default)]
    reason: String,
}

async fn leave(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<LeaveForm>,
) -> AppResult<Response> {
    let to = format!("/meetings/{id}");
    match super::leave::request_leave(&st.app, &u.actor(), u.scope(), id, &f.reason).await {
        Ok(_) => Ok(redirect_with(
            &st,
            &to,
            "success",
            "请假申请已提交，等待审批",
        )),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            Ok(redirect_with(&st, &to, "error", &m))
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide_leave(
    State(st): State<AppState>,
    u: User,
    PathIds(id, lid): PathIds,
    ValidForm(f): ValidForm<DecisionForm>,
) -> AppResult<Response> {
    let approve = f.choice("approve", "reject")?;
    let to = format!("/meetings/{id}");
    match super::leave::decide_leave(&st.app, &u.actor(), u.scope(), id, lid, approve, &f.note)
        .await
    {
        Ok(()) => Ok(redirect_with(
            &st,
            &to,
            "success",
            if approve {
                "已批准请假"
            } else {
                "已不批准请假"
            },
        )),
        Err(MeetingError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn mine_page(st: &AppState, u: &User, feed_url: Option<String>) -> AppResult<Response> {
    if u.0.role.is_admin_triad() {
        return Err(AppError::Forbidden);
    }
    let items = export::mine(&st.app, u.scope()).await?;
    let has_feed = export::has_feed(&st.app, u.scope()).await?;
    let page = PageCtx::new(st, u, "我的会议", "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            ("我的会议".into(), None),
        ]);
    render(&MinePage {
        page,
        items,
        feed_url,
        has_feed,
        has_member: u.scope().member_id.is_some(),
    })
}

async fn mine(State(st): State<AppState>, u: User) -> AppResult<Response> {
    mine_page(&st, &u, None).await
}

async fn issue_feed(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let token = export::issue_feed(&st.app, &u.actor(), u.scope()).await?;
    let url = format!(
        "{}/calendar/{token}",
        crate::web::address::base_url(&st, &u.1)
    );
    mine_page(&st, &u, Some(url)).await
}

async fn feed(
    State(st): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> AppResult<Response> {
    let token = token.trim_end_matches(".ics");
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let ics = export::feed(&st.app, token)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        ics,
    )
        .into_response())
}
