//! Issuing accounts to the members of an organisation: the page that starts it, the progress
//! page while it runs in the background, and the printable slips with the real address and a
//! QR code to it, shown once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::extract::User;
use crate::shared::error::DomainError;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ValidForm;
use crate::web::layout::{PageCtx, redirect, redirect_with, render};
use crate::web::{AppState, Reg};

use super::accounts::{self, Slip};
use super::issuing::{self, State as Issue};
use super::roster_page::org_choices;
use super::views::Opt;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/accounts", form)
        .post("/members/accounts", issue)
        .get("/members/accounts/tasks/{token}", task)
        .get("/account/login-qr.svg", qr)
}

#[derive(Template)]
#[template(path = "members/accounts.html")]
struct AccountsPage {
    page: PageCtx,
    orgs: Vec<Opt>,
    org_id: i64,
    org_name: String,
    pending: usize,
}

#[derive(Template)]
#[template(path = "members/slips.html")]
struct SlipsPage {
    page: PageCtx,
    slips: Vec<Slip>,
    address: String,
}

#[derive(Template)]
#[template(path = "members/issuing.html")]
struct ProgressPage {
    page: PageCtx,
    done: usize,
    total: usize,
    pct: usize,
}

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: String,
}

fn org_or_own(u: &User, s: &str) -> AppResult<i64> {
    match s.trim() {
        "" => u
            .scope()
            .own
            .as_ref()
            .map(|o| o.id)
            .ok_or(AppError::Forbidden),
        s => s.parse().map_err(|_| AppError::NotFound),
    }
}

async fn form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let (org, pending) = accounts::pending(&st.app, u.scope(), org_or_own(&u, &q.org)?).await?;
    let orgs = org_choices(&st, &u, &org.id.to_string(), false, None).await?;
    let page = PageCtx::new(&st, &u, "开通党员账号", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("开通党员账号".into(), None),
        ]);
    render(&AccountsPage {
        page,
        orgs,
        org_id: org.id,
        org_name: org.name,
        pending,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueForm {
    org_id: String,
}

async fn issue(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<IssueForm>,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let org_id = org_or_own(&u, &f.org_id)?;
    match issuing::start(&st.app, &u.actor(), u.scope(), org_id).await {
        Ok(id) => Ok(redirect(&format!("/members/accounts/tasks/{id}"))),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(
            &st,
            &format!("/members/accounts?org={org_id}"),
            "error",
            &m,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn task(State(st): State<AppState>, u: User, Path(id): Path<String>) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let Some(state) = st.app.issuing.poll(&id, u.scope().user_id, st.app.now()) else {
        // Slips are handed out once: coming back later finds nothing, whoever asks.
        return Ok(redirect_with(
            &st,
            "/members/accounts",
            "error",
            "该开通任务已结束，账号开通通知只显示一次。如有党员未拿到激活码，请在账号管理中为其重置。",
        ));
    };
    match state {
        Issue::Running(done, total) => {
            let page = PageCtx::new(&st, &u, "正在开通账号", "members").await?;
            let mut res = render(&ProgressPage {
                page,
                done,
                total,
                pct: (done * 100).checked_div(total).unwrap_or(0),
            })?;
            // The page polls itself without script; CSP-safe, and works in every browser.
            res.headers_mut()
                .insert("refresh", axum::http::HeaderValue::from_static("1"));
            Ok(res)
        }
        Issue::Failed(m) => Ok(redirect_with(&st, "/members/accounts", "error", &m)),
        Issue::Done(slips) => {
            let page = PageCtx::new(&st, &u, "账号开通通知", "members").await?;
            let mut res = render(&SlipsPage {
                page,
                slips,
                address: crate::web::address::base_url(&st, &u.1),
            })?;
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
    }
}

/// A QR code of the login address, printed on every activation slip (members' and the ones
/// the 系统管理员 prints).
async fn qr(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let url = format!("{}/login", crate::web::address::base_url(&st, &u.1));
    let svg = crate::shared::qr::svg(&url).ok_or(AppError::NotFound)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}
