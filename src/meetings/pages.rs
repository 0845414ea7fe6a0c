//! Pages for planning meetings: the list, the planning form, one meeting, editing, cancelling
//! and the month calendar.

use crate::auth::Visible;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Duration;

use crate::auth::OrgAction;
use crate::auth::extract::User;
use crate::orgs::focus::current_org;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render};
use crate::web::{AppState, Reg};

use super::checkin::{self, window};
use super::minutes;
use super::model::{Kind, Period, RecordAccess, china_date};
use super::service::{self, MeetingError, check_manage, may_review};
use super::store::{ListFilter, Meeting};
use super::views::{CalendarPage, Day, ListPage, Opt, ShowPage};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/meetings", list)
        .get("/meetings/calendar", calendar)
        .get("/meetings/{id}", show)
        .post("/meetings/{id}/cancel", cancel)
}

const PER_PAGE: i64 = 30;

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    page: String,
}

/// Midnight China time starting a day.
fn at(d: time::Date) -> time::OffsetDateTime {
    d.midnight().assume_offset(crate::shared::clock::CHINA)
}

/// Midnight after a day (the exclusive end of a range ending on it).
fn after(d: time::Date) -> time::OffsetDateTime {
    at(d)
        .checked_add(Duration::days(1))
        .unwrap_or_else(|| at(d))
}

/// `?month=`: empty means none; anything else must be a month the shared parser accepts
/// (SEC-43), or the page says so.
fn month_param(raw: &str) -> AppResult<Option<Period>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match crate::shared::dates::month(raw) {
        Some((y, m)) => Ok(Some(Period::Month(y, m))),
        None => Err(AppError::BadRequest(
            crate::shared::dates::INVALID_DATE,
            crate::shared::dates::month_message(),
        )),
    }
}

pub(super) async fn focus(st: &AppState, u: &User) -> AppResult<crate::orgs::model::Org> {
    current_org(st, u).await?.ok_or(AppError::Forbidden)
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let org = focus(&st, &u).await?;
    let kind = Kind::from_code(&q.kind);
    let status = ["planned", "held", "cancelled"]
        .iter()
        .find(|s| **s == q.status)
        .map(|s| (*s).to_owned());
    let month = month_param(&q.month)?;
    let f = ListFilter {
        roots: Visible::default(),
        from: month.map(|p| at(p.start())),
        to: month.map(|p| after(p.end())),
        kind,
        status: status.clone(),
    };
    let page_no = q.page.parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1);
    let (rows, total) = service::list(
        &st.app,
        u.scope(),
        Some(org.id),
        f,
        PER_PAGE,
        (page_no - 1) * PER_PAGE,
    )
    .await?;
    let can_plan = check_manage(u.scope(), &org).is_ok();
    let kinds = Kind::ALL
        .iter()
        .map(|k| Opt {
            value: k.code().into(),
            label: k.label().into(),
            selected: Some(*k) == kind,
        })
        .collect();
    let statuses = [
        ("planned", "已安排"),
        ("held", "已召开"),
        ("cancelled", "已取消"),
    ]
    .iter()
    .map(|(c, l)| Opt {
        value: (*c).into(),
        label: (*l).into(),
        selected: status.as_deref() == Some(*c),
    })
    .collect();
    let query = format!("kind={}&status={}&month={}", q.kind, q.status, q.month);
    let page = PageCtx::new(&st, &u, "组织生活", "meetings")
        .await?
        .crumbs(vec![("组织生活".into(), None)]);
    render(&ListPage {
        page,
        rows,
        total,
        kinds,
        statuses,
        month: month.map(Period::code).unwrap_or_default(),
        can_plan,
        org_id: org.id,
        page_no,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        query,
    })
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    #[serde(default)]
    roll: String,
}

async fn show(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let m = service::get(&st.app, u.scope(), id).await?;
    // MEET-02/03: a member who may only see that the meeting was held gets the page without
    // its agenda, attendance, record or files.
    match super::access::access(&st.app, u.scope(), &m).await? {
        RecordAccess::Full => {}
        RecordAccess::HeldOnly => return show_held_only(&st, &u, &m).await,
        RecordAccess::None => return Err(AppError::Denied(crate::auth::Denial::NotFound)),
    }
    let (m, att) = checkin::attendance(&st.app, u.scope(), id).await?;
    let manage = super::service::manages(&st.app, u.scope(), &m).await?;
    let mv = minutes::load(&st.app, u.scope(), id).await?;
    let files = super::files::files(&st.app, u.scope(), id).await?;
    let own = att.own(u.scope().member_id).cloned();
    let own_leave = own.as_ref().and_then(|o| {
        att.leaves
            .iter()
            .rev()
            .find(|l| l.member_id == o.member_id)
            .cloned()
    });
    let now = st.app.now();
    let (open, close) = window(&st.app, &m);
    let (started, ended) = (now >= m.starts_at, now >= m.ends_at);
    let proxy_open = now >= m.starts_at - Duration::hours(24);
    let page = PageCtx::new(&st, &u, &m.title, "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            (m.title.clone(), None),
        ]);
    render(&ShowPage {
        page,
        review: may_review(u.scope(), &m.org_path),
        checkin_open: !m.is_held() && !m.is_cancelled() && open <= now && now <= close,
        leave_open: !m.is_held() && !m.is_cancelled() && now < m.starts_at,
        manage,
        own,
        own_leave,
        files,
        record: mv.current,
        revisions: mv.revisions,
        att,
        m,
        max_mib: st.app.config.meetings.attachment_max_mib,
        restricted: false,
        started,
        ended,
        proxy_open,
        roll_open: q.roll == "1",
        inclusive: super::model::Readings::of(&st.app.config.meetings).ordinary == "inclusive",
        reasons: &super::electorate::REASONS,
    })
}

async fn show_held_only(st: &AppState, u: &User, m: &Meeting) -> AppResult<Response> {
    let m = super::access::held_only(m);
    let page = PageCtx::new(st, u, &m.title, "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            (m.title.clone(), None),
        ]);
    render(&ShowPage {
        page,
        review: false,
        checkin_open: false,
        leave_open: false,
        manage: false,
        own: None,
        own_leave: None,
        files: Vec::new(),
        record: None,
        revisions: Vec::new(),
        att: checkin::Attendance::new(Vec::new(), Vec::new()),
        m,
        max_mib: st.app.config.meetings.attachment_max_mib,
        restricted: true,
        started: false,
        ended: false,
        proxy_open: false,
        roll_open: false,
        inclusive: false,
        reasons: &super::electorate::REASONS,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelForm {
    #[serde(default)]
    reason: String,
}

async fn cancel(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<CancelForm>,
) -> AppResult<Response> {
    let to = format!("/meetings/{id}");
    match service::cancel(&st.app, &u.actor(), u.scope(), id, &f.reason).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", "会议已取消")),
        Err(MeetingError::Invalid(e)) => Ok(redirect_with(&st, &to, "error", &e)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CalendarQuery {
    #[serde(default)]
    month: String,
}

async fn calendar(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<CalendarQuery>,
) -> AppResult<Response> {
    let org = crate::orgs::service::get_checked(
        &st.app,
        u.scope(),
        focus(&st, &u).await?.id,
        OrgAction::View,
    )
    .await?;
    let today = st.app.clock.today();
    let p = month_param(&q.month)?
        .unwrap_or_else(|| Period::containing(today, super::model::Granularity::Month));
    let f = ListFilter {
        roots: Visible::default(),
        from: Some(at(p.start())),
        to: Some(after(p.end())),
        kind: None,
        status: None,
    };
    let (rows, _) = service::list(&st.app, u.scope(), Some(org.id), f, 500, 0).await?;
    let back = Duration::days(i64::from(p.start().weekday().number_days_from_monday()));
    let first = p.start().checked_sub(back).unwrap_or(p.start());
    let mut weeks = Vec::new();
    let mut d = first;
    while d <= p.end() {
        let week: Vec<Day> = (0..7)
            .filter_map(|i| d.checked_add(Duration::days(i)))
            .map(|date| {
                let mut ms: Vec<_> = rows
                    .iter()
                    .filter(|m| china_date(m.starts_at) == date)
                    .cloned()
                    .collect();
                ms.sort_by_key(|m| m.starts_at);
                Day {
                    date,
                    in_month: p.contains(date),
                    today: date == today,
                    meetings: ms,
                }
            })
            .collect();
        weeks.push(week);
        match d.checked_add(Duration::days(7)) {
            Some(n) => d = n,
            None => break,
        }
    }
    // Links never lead outside the years the parser accepts.
    let inside = |x: Period| Period::parse(&x.code()).is_some();
    let prev = p.previous().filter(|x| inside(*x)).unwrap_or(p);
    let next = p.next().filter(|x| inside(*x)).unwrap_or(p);
    let page = PageCtx::new(&st, &u, "会议日历", "meetings")
        .await?
        .crumbs(vec![
            ("组织生活".into(), Some("/meetings".into())),
            ("会议日历".into(), None),
        ]);
    render(&CalendarPage {
        page,
        label: p.label(),
        weeks,
        prev: prev.code(),
        next: next.code(),
        can_plan: check_manage(u.scope(), &org).is_ok(),
    })
}
