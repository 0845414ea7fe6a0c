//! Forms of the organisation area: create, edit, move, dissolve, terms and officers. Input
//! problems come back as the form with a message (422) or as a flash on the organisation page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::OrgAction;
use crate::auth::extract::User;
use crate::auth::scope::Capability;
use crate::shared::text::{clean, parse_date, ymd};
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, PathIds, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};

use super::model::{Org, OrgKind, Post};
use super::routes::crumbs_for;
use super::service::{self, OrgError, OrgInput};
use super::views::{FormPage, MovePage, OrgFormValues};

#[derive(Deserialize)]
pub(super) struct NewQuery {
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

pub(super) async fn new_form(
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

pub(super) async fn create(
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

pub(super) async fn edit_form(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
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

pub(super) async fn update(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<OrgFormValues>,
) -> AppResult<Response> {
    // The shared form carries the parent and kind for creation only; an edit may not set them.
    if !f.parent_id.is_empty() || !f.kind.is_empty() {
        return Err(AppError::BadRequest(
            "unexpected_field",
            "表单包含不允许修改的字段".into(),
        ));
    }
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

pub(super) async fn move_form(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::Restructure).await?;
    render(&move_page(&st, &u, org, None).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MoveForm {
    new_parent_id: String,
}

pub(super) async fn move_org(
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
pub(super) struct DissolveForm {
    reason: String,
}

pub(super) async fn dissolve(
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
pub(super) struct TermForm {
    started_on: String,
    years: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn add_term(
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
pub(super) struct OfficerForm {
    post: String,
    member_id: String,
    started_on: String,
}

pub(super) async fn add_officer(
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
            match service::add_officer(&st.app, &u.actor(), u.scope(), id, p, m, d).await {
                Ok(_) => {
                    let org = service::get_checked(&st.app, u.scope(), id, OrgAction::View).await?;
                    let notes = service::appointment_notes(&st.app, &org, p, m).await?;
                    if !notes.is_empty() {
                        let msg = format!("已任命。请注意：{}。", notes.join("；"));
                        return Ok(redirect_with(&st, &format!("/orgs/{id}"), "warning", &msg));
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        _ => Err(OrgError::Invalid("请选择职务、党员并填写任职日期".into())),
    };
    back(&st, id, r, "已任命")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EndForm {
    ended_on: String,
}

pub(super) async fn end_officer(
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
