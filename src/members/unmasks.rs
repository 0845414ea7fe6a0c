//! 号码查看记录: the 组织管理员 sees who opened the full 身份证号, 手机号 or address of which
//! member in their organisation's subtree — the audit rows of those reads, scoped, without the
//! rest of the audit log (which stays with the 审计管理员). Reading the record is audited too.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::extract::User;
use crate::auth::{Denial, OrgAction, Role, Scope};
use crate::orgs::model::Org;
use crate::shared::error::DomainError;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};

use super::unmask_store::{self, UnmaskRow};

const PER_PAGE: i64 = 50;

/// Registers the page.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/unmasks", page)
}

/// Whether the role keeps this record: the 组织管理员 of the subtree.
#[must_use]
pub fn may_view(scope: &Scope) -> bool {
    scope.role == Role::OrgAdmin && scope.has_member_area()
}

/// A page of the unmasks under `org`: (organisation, rows, total, the page shown — clamped to
/// those that exist).
///
/// # Errors
/// Forbidden for other roles; `NotFound` outside the caller's subtree.
pub async fn list(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    page_no: i64,
) -> Result<(Org, Vec<UnmaskRow>, i64, i64), DomainError> {
    if !may_view(scope) {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    let mut conn = app.db.conn().await?;
    let total = unmask_store::count(&mut conn.exec(), &org.path).await?;
    let last = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page_no = page_no.clamp(1, last);
    let rows = unmask_store::page(
        &mut conn.exec(),
        &org.path,
        PER_PAGE,
        (page_no - 1) * PER_PAGE,
    )
    .await?;
    drop(conn);
    let ev = AuditEvent::success("audit.unmasks.view", "org", org.id)
        .org(org.id)
        .detail(format!("查阅号码查看记录第 {page_no} 页"));
    audit::record_alone(&app.db, actor, app.now(), ev).await?;
    Ok((org, rows, total, page_no))
}

#[derive(Template)]
#[template(path = "members/unmasks.html")]
struct UnmasksPage {
    page: PageCtx,
    org_name: String,
    rows: Vec<UnmaskRow>,
    total: i64,
    page_no: i64,
    pages: i64,
}

impl UnmasksPage {
    fn when(&self, r: &UnmaskRow) -> String {
        crate::shared::text::datetime(r.at)
    }
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: String,
}

async fn page(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    if !may_view(u.scope()) {
        return Err(AppError::Forbidden);
    }
    let org = crate::orgs::focus::current_org(&st, &u)
        .await?
        .ok_or(AppError::Forbidden)?;
    let page_no = q.page.parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1);
    let (org, rows, total, page_no) = list(&st.app, &u.actor(), u.scope(), org.id, page_no).await?;
    let page = PageCtx::new(&st, &u, "号码查看记录", "unmasks")
        .await?
        .crumbs(vec![
            ("党员".into(), Some("/members".into())),
            ("号码查看记录".into(), None),
        ]);
    render(&UnmasksPage {
        page,
        org_name: org.name,
        rows,
        total,
        page_no,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
    })
}
