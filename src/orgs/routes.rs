//! Pages of the organisation area: the home page of the organisation in focus, the tree, one
//! organisation, and the forms that change them.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::OrgAction;
use crate::auth::extract::User;
use crate::auth::scope::Capability;
use crate::members;
use crate::shared::text::ymd;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect, render};
use crate::web::{AppState, Reg};

use super::forms;
use super::model::{Org, OrgKind, Post};
use super::service;
use super::views::{ShowPage, TreePage};

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    r.post("/orgs/switch", switch)
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
    let term_note = service::term_note(&d, st.app.clock.today());
    let committee_note = service::committee_note(&d);
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
        committee_note,
    })
}
