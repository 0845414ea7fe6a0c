//! Pages of 党务公开: an organisation's board with the form for officers, one entry, and its
//! withdrawal.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::shared::text::{parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_form};
use crate::web::{AppState, Reg};

use super::board::{self, Disclosure, Entry, KINDS, Stage};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/board", list)
        .post("/board", publish)
        .get("/board/{id}", show)
        .post("/board/{id}/withdraw", withdraw)
}

/// An entry with its stage in words for the list.
pub struct Line {
    /// The entry.
    pub d: Disclosure,
    /// "公示中，还剩 3 天", "已结束" …
    pub stage: String,
    /// Shown as current.
    pub open: bool,
}

fn stage_text(s: Stage) -> (String, bool) {
    match s {
        Stage::Upcoming => ("未开始".into(), false),
        Stage::Open(Some(days)) => (format!("公示中，还剩 {days} 天"), true),
        Stage::Open(None) => ("公开中".into(), true),
        Stage::Over => ("公示已结束".into(), false),
        Stage::Withdrawn => ("已撤回".into(), false),
    }
}

#[derive(Template)]
#[template(path = "notices/board.html")]
struct BoardPage {
    page: PageCtx,
    org_id: i64,
    org_name: String,
    lines: Vec<Line>,
    runs: bool,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: String,
}

async fn board_page(
    st: &AppState,
    u: &User,
    org: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let (o, entries, runs) = board::board(&st.app, u.scope(), org).await?;
    let today = st.app.clock.today();
    let lines = entries
        .into_iter()
        .map(|d| {
            let (stage, open) = stage_text(d.stage(today));
            Line { d, stage, open }
        })
        .collect();
    let page = PageCtx::new(st, u, "党务公开", "notices")
        .await?
        .crumbs(vec![
            ("通知公告".into(), Some("/notices".into())),
            ("党务公开".into(), None),
        ]);
    render_form(
        error.is_some(),
        &BoardPage {
            page,
            org_id: o.id,
            org_name: o.name,
            lines,
            runs,
            kinds: KINDS.to_vec(),
            today: ymd(today),
            error,
        },
    )
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    if u.0.role.is_admin_triad() {
        return Err(AppError::Forbidden);
    }
    let org = org_param(&st, &u, &q.org).await?;
    board_page(&st, &u, org, None).await
}

#[derive(Deserialize)]
struct EntryForm {
    org_id: i64,
    kind: String,
    title: String,
    body: String,
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    to_parent: Option<String>,
}

async fn publish(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<EntryForm>,
) -> AppResult<Response> {
    let Some(starts_on) = parse_date(&f.starts_on) else {
        return board_page(&st, &u, f.org_id, Some("请填写开始日期".into())).await;
    };
    let ends_on = match f.ends_on.trim() {
        "" => None,
        s => match parse_date(s) {
            Some(d) => Some(d),
            None => return board_page(&st, &u, f.org_id, Some("结束日期格式不正确".into())).await,
        },
    };
    let e = Entry {
        org_id: f.org_id,
        kind: f.kind,
        title: f.title,
        body: f.body,
        starts_on,
        ends_on,
        visible_to_parent: f.to_parent.is_some(),
    };
    match board::publish(&st.app, &u.actor(), u.scope(), &e).await {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/board/{id}"),
            "success",
            "已在党务公开栏发布",
        )),
        Err(DomainError::Invalid(m)) => board_page(&st, &u, f.org_id, Some(m)).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "notices/board_entry.html")]
struct EntryPage {
    page: PageCtx,
    line: Line,
    runs: bool,
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (d, runs) = board::entry(&st.app, u.scope(), id).await?;
    let (stage, open) = stage_text(d.stage(st.app.clock.today()));
    let page = PageCtx::new(&st, &u, &d.title, "notices")
        .await?
        .crumbs(vec![
            ("党务公开".into(), Some(format!("/board?org={}", d.org_id))),
            (d.title.clone(), None),
        ]);
    render(&EntryPage {
        page,
        line: Line { d, stage, open },
        runs,
    })
}

#[derive(Deserialize)]
struct WithdrawForm {
    reason: String,
}

async fn withdraw(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<WithdrawForm>,
) -> AppResult<Response> {
    let to = format!("/board/{id}");
    match board::withdraw(&st.app, &u.actor(), u.scope(), id, &f.reason).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", "已撤回")),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}
