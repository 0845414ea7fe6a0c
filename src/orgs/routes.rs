//! Pages of the organisation area: the home page of the organisation in focus, the tree, one
//! organisation, and the forms that change them.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Duration;

use crate::auth::extract::User;
use crate::auth::scope::Capability;
use crate::auth::{OrgAction, Role};
use crate::members;
use crate::shared::text::ymd;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect, render};
use crate::web::{AppState, Reg};

use super::forms;
use super::model::{Org, OrgKind, Post, term_end};
use super::service::{self, OrgDetail};
use super::views::{ShowPage, TreePage};

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    r.get("/", home)
        .post("/orgs/switch", switch)
        .get("/orgs", tree)
        .get("/orgs/new", forms::new_form)
        .post("/orgs", forms::create)
        .get("/orgs/{id}", show)
        .get("/orgs/{id}/edit", forms::edit_form)
        .post("/orgs/{id}/edit", forms::update)
        .get("/orgs/{id}/move", forms::move_form)
        .post("/orgs/{id}/move", forms::move_org)
        .post("/orgs/{id}/dissolve", forms::dissolve)
        .post("/orgs/{id}/terms", forms::add_term)
        .post("/orgs/{id}/officers", forms::add_officer)
        .post("/orgs/{id}/officers/{oid}/end", forms::end_officer)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    detail: Option<OrgDetail>,
    term_note: Option<(String, bool)>,
    is_triad: bool,
    role: Role,
    greeting: String,
    period_card: Option<crate::meetings::compliance_service::PeriodCard>,
    upcoming: Vec<(crate::meetings::service::Meeting, String)>,
    meetings_area: bool,
    page_month: String,
}

async fn home(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let org = super::focus::current_org(&st, &u).await?;
    let detail = match &org {
        Some(o) => Some(service::detail(&st.app, u.scope(), o.id).await?),
        None => None,
    };
    let term_note = detail.as_ref().and_then(|d| term_note(&st, d));
    let period_card = match &org {
        Some(o) => crate::meetings::compliance_service::card(&st.app, u.scope(), o).await?,
        None => None,
    };
    let meetings_area = org.is_some() && !u.0.role.is_admin_triad();
    let upcoming = crate::meetings::export::mine(&st.app, u.scope()).await?;
    let page = PageCtx::new(&st, &u, "首页", "home").await?;
    let greeting = format!("{}，您好", u.0.display_name);
    render(&HomePage {
        period_card,
        upcoming,
        meetings_area,
        page_month: {
            let t = st.app.clock.today();
            format!("{}-{:02}", t.year(), u8::from(t.month()))
        },
        page,
        detail,
        term_note,
        is_triad: u.0.role.is_admin_triad(),
        role: u.0.role,
        greeting,
    })
}

/// The current term's planned end, and whether it falls within six months (ELEC-03).
fn term_note(st: &AppState, d: &OrgDetail) -> Option<(String, bool)> {
    let t = d.terms.iter().find(|t| t.ended_on.is_none())?;
    let end = term_end(t.started_on, t.years);
    let today = st.app.clock.today();
    Some((
        crate::shared::text::ymd_cn(end),
        end - today <= Duration::days(183),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchForm {
    org_id: String,
}

async fn switch(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<SwitchForm>,
) -> AppResult<Response> {
    let id = f
        .org_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::View).await?;
    let mut tx = st.app.db.begin().await?;
    crate::auth::service::set_current_org(&mut tx.exec(), u.0.session_id, org.id).await?;
    let ev = crate::audit::AuditEvent::success("org.switch", "org", org.id).org(org.id);
    crate::audit::record(&mut tx, &u.actor(), st.app.now(), ev).await?;
    tx.commit().await?;
    Ok(redirect("/"))
}

#[derive(Deserialize)]
struct TreeQuery {
    dissolved: Option<String>,
}

async fn tree(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<TreeQuery>,
) -> AppResult<Response> {
    if !u.scope().has_org_area() {
        return Err(AppError::Forbidden);
    }
    let show_dissolved = q.dissolved.as_deref() == Some("1");
    let nodes = service::tree(&st.app, u.scope(), show_dissolved).await?;
    let total_members = nodes
        .iter()
        .filter(|n| n.level == 0)
        .map(|n| n.full + n.probationary)
        .sum();
    let page = PageCtx::new(&st, &u, "组织架构", "orgs")
        .await?
        .crumbs(vec![("组织架构".into(), None)]);
    let can_create_root = u.scope().can(Capability::CreateRootOrg);
    render(&TreePage {
        page,
        nodes,
        show_dissolved,
        can_create_root,
        total_members,
    })
}

pub(super) fn crumbs_for(
    d_ancestors: &[Org],
    org: &Org,
    last: Option<&str>,
) -> Vec<(String, Option<String>)> {
    let mut c = vec![("组织架构".to_owned(), Some("/orgs".to_owned()))];
    for a in d_ancestors {
        c.push((
            a.short_name.clone().unwrap_or_else(|| a.name.clone()),
            Some(format!("/orgs/{}", a.id)),
        ));
    }
    match last {
        Some(l) => {
            c.push((
                org.short_name.clone().unwrap_or_else(|| org.name.clone()),
                Some(format!("/orgs/{}", org.id)),
            ));
            c.push((l.to_owned(), None));
        }
        None => c.push((
            org.short_name.clone().unwrap_or_else(|| org.name.clone()),
            None,
        )),
    }
    c
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let d = service::detail(&st.app, u.scope(), id).await?;
    let scope = u.scope();
    let can_edit = scope.check_org(OrgAction::Edit, &d.org).is_ok();
    let can_restructure = scope.check_org(OrgAction::Restructure, &d.org).is_ok();
    let child_kinds = d
        .org
        .kind()
        .child_kinds()
        .into_iter()
        .filter(|k| scope.check_org(OrgAction::CreateChild(*k), &d.org).is_ok())
        .collect();
    // Only those who may appoint see the people to choose from (SEC-18: not the 三员).
    let can_appoint = scope.check_org(OrgAction::Appoint, &d.org).is_ok();
    let candidates = if can_appoint {
        let pool = if d.org.kind() == OrgKind::Group {
            d.org.parent_id.unwrap_or(d.org.id)
        } else {
            d.org.id
        };
        members::service::list_in_org(&mut st.app.db.conn().await?.exec(), pool)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect()
    } else {
        Vec::new()
    };
    let posts = Post::ALL
        .into_iter()
        .filter(|p| p.fits(d.org.kind()))
        .collect();
    let term_note = term_note(&st, &d);
    let page = PageCtx::new(&st, &u, &d.org.name, "orgs")
        .await?
        .crumbs(crumbs_for(&d.ancestors, &d.org, None));
    let today = ymd(st.app.clock.today());
    render(&ShowPage {
        page,
        d,
        can_edit,
        can_restructure,
        child_kinds,
        can_appoint,
        candidates,
        posts,
        today,
        term_note,
    })
}
