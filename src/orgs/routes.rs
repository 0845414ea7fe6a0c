//! Pages of the organisation area: the home page of the organisation in focus, the tree, one
//! organisation, and the forms that change them.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::Duration;

use crate::auth::scope::Capability;
use crate::auth::{OrgAction, Role};
use crate::members;
use crate::shared::text::{clean, parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, PathIds, User, ValidForm};
use crate::web::layout::{self, PageCtx, redirect, redirect_with, render, render_status};
use crate::web::{AppState, Reg};

use super::model::{Org, OrgKind, Post, term_end};
use super::service::{self, OrgDetail, OrgError, OrgInput};
use super::views::{FormPage, MovePage, OrgFormValues, ShowPage, TreePage};

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    r.get("/", home)
        .post("/orgs/switch", switch)
        .get("/orgs", tree)
        .get("/orgs/new", new_form)
        .post("/orgs", create)
        .get("/orgs/{id}", show)
        .get("/orgs/{id}/edit", edit_form)
        .post("/orgs/{id}/edit", update)
        .get("/orgs/{id}/move", move_form)
        .post("/orgs/{id}/move", move_org)
        .post("/orgs/{id}/dissolve", dissolve)
        .post("/orgs/{id}/terms", add_term)
        .post("/orgs/{id}/officers", add_officer)
        .post("/orgs/{id}/officers/{oid}/end", end_officer)
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
}

async fn home(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let org = layout::current_org(&st, &u).await?;
    let detail = match &org {
        Some(o) => Some(service::detail(&st.app, u.scope(), o.id).await?),
        None => None,
    };
    let term_note = detail.as_ref().and_then(|d| term_note(&st, d));
    let page = PageCtx::new(&st, &u, "首页", "home").await?;
    let greeting = format!("{}，您好", u.0.display_name);
    render(&HomePage {
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
    crate::auth::store::set_current_org(&mut tx.exec(), u.0.session_id, org.id).await?;
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

fn crumbs_for(d_ancestors: &[Org], org: &Org, last: Option<&str>) -> Vec<(String, Option<String>)> {
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
    let candidates = if can_edit {
        let pool = if d.org.kind() == OrgKind::Group {
            d.org.parent_id.unwrap_or(d.org.id)
        } else {
            d.org.id
        };
        members::store::list_in_org(&mut st.app.db.conn().await?.exec(), pool)
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
        candidates,
        posts,
        today,
        term_note,
    })
}

#[derive(Deserialize)]
struct NewQuery {
    parent: Option<String>,
    kind: Option<String>,
}

async fn form_page(
    st: &AppState,
    u: &User,
    editing: Option<Org>,
    parent: Option<Org>,
    f: OrgFormValues,
    error: Option<String>,
) -> AppResult<FormPage> {
    let kinds: Vec<OrgKind> = match (&editing, &parent) {
        (Some(_), _) => Vec::new(),
        (None, Some(p)) => p
            .kind()
            .child_kinds()
            .into_iter()
            .filter(|k| u.scope().check_org(OrgAction::CreateChild(*k), p).is_ok())
            .collect(),
        (None, None) => vec![OrgKind::Committee, OrgKind::WorkingCommittee],
    };
    let title = if editing.is_some() {
        "修改组织"
    } else {
        "新建党组织"
    };
    let base = editing.as_ref().or(parent.as_ref());
    let crumbs = match base {
        Some(o) => crumbs_for(&[], o, Some(title)),
        None => vec![
            ("组织架构".into(), Some("/orgs".into())),
            (title.into(), None),
        ],
    };
    let page = PageCtx::new(st, u, title, "orgs").await?.crumbs(crumbs);
    Ok(FormPage {
        page,
        editing,
        parent,
        kinds,
        f,
        error,
    })
}

async fn new_form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let parent = match q.parent.as_deref().map(str::parse::<i64>) {
        Some(Ok(p)) => Some(service::get_checked(&st.app, u.scope(), p, OrgAction::View).await?),
        Some(Err(_)) => return Err(AppError::NotFound),
        None if u.scope().can(Capability::CreateRootOrg) => None,
        None => return Err(AppError::Forbidden),
    };
    let f = OrgFormValues {
        parent_id: parent
            .as_ref()
            .map(|p| p.id.to_string())
            .unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        sort_order: "0".into(),
        ..OrgFormValues::default()
    };
    let p = form_page(&st, &u, None, parent, f, None).await?;
    if p.kinds.is_empty() {
        return Err(AppError::Forbidden);
    }
    render(&p)
}

fn parse_input(f: &OrgFormValues, kind: OrgKind) -> Result<OrgInput, String> {
    let established_on = match clean(Some(&f.established_on)) {
        Some(s) => Some(parse_date(&s).ok_or("成立日期格式应为 年-月-日")?),
        None => None,
    };
    let sort_order = match clean(Some(&f.sort_order)) {
        Some(s) => s.parse::<i64>().map_err(|_| "排序号应为整数")?,
        None => 0,
    };
    Ok(OrgInput {
        kind,
        name: f.name.trim().to_owned(),
        short_name: clean(Some(&f.short_name)),
        established_on,
        sort_order,
    })
}

async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<OrgFormValues>,
) -> AppResult<Response> {
    let parent_id = clean(Some(&f.parent_id))
        .map(|p| p.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::NotFound)?;
    let kind = OrgKind::from_code(&f.kind)
        .ok_or_else(|| AppError::BadRequest("invalid_kind", "组织类型无效".into()))?;
    let result = match parse_input(&f, kind) {
        Ok(input) => service::create(&st.app, &u.actor(), u.scope(), parent_id, &input).await,
        Err(m) => Err(OrgError::Invalid(m)),
    };
    match result {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/orgs/{id}"),
            "success",
            "组织已建立",
        )),
        Err(OrgError::Invalid(m)) => {
            let parent = match parent_id {
                Some(p) => {
                    Some(service::get_checked(&st.app, u.scope(), p, OrgAction::View).await?)
                }
                None => None,
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&st, &u, None, parent, f, Some(m)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::Edit).await?;
    let f = OrgFormValues {
        parent_id: String::new(),
        kind: org.kind.clone(),
        name: org.name.clone(),
        short_name: org.short_name.clone().unwrap_or_default(),
        established_on: org.established_on.map(ymd).unwrap_or_default(),
        sort_order: org.sort_order.to_string(),
    };
    render(&form_page(&st, &u, Some(org), None, f, None).await?)
}

async fn update(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<OrgFormValues>,
) -> AppResult<Response> {
    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::Edit).await?;
    let result = match parse_input(&f, org.kind()) {
        Ok(input) => service::update(&st.app, &u.actor(), u.scope(), id, &input).await,
        Err(m) => Err(OrgError::Invalid(m)),
    };
    match result {
        Ok(()) => Ok(redirect_with(
            &st,
            &format!("/orgs/{id}"),
            "success",
            "已保存",
        )),
        Err(OrgError::Invalid(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &u, Some(org), None, f, Some(m)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn move_page(
    st: &AppState,
    u: &User,
    org: Org,
    error: Option<String>,
) -> AppResult<MovePage> {
    let all = service::tree(&st.app, u.scope(), false).await?;
    let targets = all
        .into_iter()
        .filter(|n| n.org.id != org.parent_id.unwrap_or(0) && !n.org.path.starts_with(&org.path))
        .filter(|n| org.kind().may_sit_under(Some(n.org.kind())))
        .filter(|n| {
            u.scope()
                .check_org(OrgAction::CreateChild(org.kind()), &n.org)
                .is_ok()
        })
        .map(|n| {
            (
                n.org.id,
                format!("{}{}", "　".repeat(n.level.min(6)), n.org.name),
            )
        })
        .collect();
    let page = PageCtx::new(st, u, "调整隶属关系", "orgs")
        .await?
        .crumbs(crumbs_for(&[], &org, Some("调整隶属关系")));
    Ok(MovePage {
        page,
        org,
        targets,
        error,
    })
}

async fn move_form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::Restructure).await?;
    render(&move_page(&st, &u, org, None).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveForm {
    new_parent_id: String,
}

async fn move_org(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<MoveForm>,
) -> AppResult<Response> {
    let target = f
        .new_parent_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    match service::move_org(&st.app, &u.actor(), u.scope(), id, target).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &format!("/orgs/{id}"),
            "success",
            "隶属关系已调整",
        )),
        Err(OrgError::Invalid(m)) => {
            let org = service::get_checked(&st.app, u.scope(), id, OrgAction::Restructure).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &move_page(&st, &u, org, Some(m)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs an action from the organisation page; input problems come back as a flash message.
fn back(st: &AppState, id: i64, r: Result<(), OrgError>, ok: &str) -> AppResult<Response> {
    let to = format!("/orgs/{id}");
    match r {
        Ok(()) => Ok(redirect_with(st, &to, "success", ok)),
        Err(OrgError::Invalid(m)) => Ok(redirect_with(st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DissolveForm {
    reason: String,
}

async fn dissolve(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<DissolveForm>,
) -> AppResult<Response> {
    let r = service::dissolve(&st.app, &u.actor(), u.scope(), id, &f.reason).await;
    back(&st, id, r, "组织已撤销")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermForm {
    started_on: String,
    years: String,
    #[serde(default)]
    note: String,
}

async fn add_term(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<TermForm>,
) -> AppResult<Response> {
    let r = match (parse_date(&f.started_on), f.years.trim().parse::<i64>()) {
        (Some(d), Ok(y)) => {
            let note = clean(Some(&f.note)).map(|n| n.chars().take(200).collect::<String>());
            service::add_term(&st.app, &u.actor(), u.scope(), id, d, y, note.as_deref())
                .await
                .map(|_| ())
        }
        _ => Err(OrgError::Invalid("请填写正确的换届日期和届期".into())),
    };
    back(&st, id, r, "换届已登记")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficerForm {
    post: String,
    member_id: String,
    started_on: String,
}

async fn add_officer(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<OfficerForm>,
) -> AppResult<Response> {
    let r = match (
        Post::from_code(&f.post),
        f.member_id.trim().parse::<i64>(),
        parse_date(&f.started_on),
    ) {
        (Some(p), Ok(m), Some(d)) => {
            service::add_officer(&st.app, &u.actor(), u.scope(), id, p, m, d)
                .await
                .map(|_| ())
        }
        _ => Err(OrgError::Invalid("请选择职务、党员并填写任职日期".into())),
    };
    back(&st, id, r, "已任命")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndForm {
    ended_on: String,
}

async fn end_officer(
    State(st): State<AppState>,
    u: User,
    PathIds(id, oid): PathIds,
    ValidForm(f): ValidForm<EndForm>,
) -> AppResult<Response> {
    let r = match parse_date(&f.ended_on) {
        Some(d) => service::end_officer(&st.app, &u.actor(), u.scope(), id, oid, d).await,
        None => Err(OrgError::Invalid("请填写免职日期".into())),
    };
    back(&st, id, r, "已免去职务")
}
