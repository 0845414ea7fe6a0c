//! Issuing accounts to the members of an organisation, with printable slips.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::ValidForm;
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};

use super::accounts::{self, Slip};
use super::roster_page::org_choices;
use super::views::Opt;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/accounts", form)
        .post("/members/accounts", issue)
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
    let slips = accounts::issue(&st.app, &u.actor(), u.scope(), org_or_own(&u, &f.org_id)?).await?;
    let page = PageCtx::new(&st, &u, "账号开通通知", "members").await?;
    let address = if st.app.config.server.public_url.is_empty() {
        "本单位支部系统网址".to_owned()
    } else {
        st.app.config.server.public_url.clone()
    };
    render(&SlipsPage {
        page,
        slips,
        address,
    })
}
