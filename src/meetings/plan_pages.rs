//! The planning form: plan a meeting for the focused organisation or one below it, and change a
//! planned meeting.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Duration;

use crate::auth::extract::User;
use crate::shared::text::{datetime_local, parse_datetime};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render_form};
use crate::web::{AppState, Reg};

use super::model::Kind;
use super::pages::focus;
use super::service::{self, MeetingError, Plan, check_manage};
use super::views::{FormPage, Opt, PlanValues};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/meetings/new", new_form)
        .post("/meetings", create)
        .get("/meetings/{id}/edit", edit_form)
        .post("/meetings/{id}/edit", update)
}

/// Organisations the user may plan meetings for: the focused one and its branches and groups.
async fn plan_orgs(st: &AppState, u: &User, selected: &str) -> AppResult<Vec<Opt>> {
    let org = focus(st, u).await?;
    let all = crate::orgs::service::list_under(
        &mut st.app.db.conn().await?.exec(),
        &u.scope().visible_within(&org).map_err(AppError::Denied)?,
        false,
    )
    .await?;
    Ok(all
        .into_iter()
        .filter(|o| check_manage(u.scope(), o).is_ok())
        .map(|o| Opt {
            selected: o.id.to_string() == selected,
            label: format!(
                "{}{}",
                "　".repeat(usize::try_from(o.depth - org.depth).unwrap_or(0)),
                o.name
            ),
            value: o.id.to_string(),
        })
        .collect())
}

async fn form_page(
    st: &AppState,
    u: &User,
    action: String,
    v: PlanValues,
    error: Option<String>,
    editing: bool,
) -> AppResult<Response> {
    let orgs = if editing {
        Vec::new()
    } else {
        plan_orgs(st, u, &v.org_id).await?
    };
    if !editing && orgs.is_empty() {
        return Err(AppError::Forbidden);
    }
    let title = if editing {
        "修改会议安排"
    } else {
        "安排会议"
    };
    let page = PageCtx::new(st, u, title, "meetings").await?.crumbs(vec![
        ("组织生活".into(), Some("/meetings".into())),
        (title.into(), None),
    ]);
    render_form(
        error.is_some(),
        &FormPage {
            page,
            action,
            orgs,
            all_kinds: Kind::ALL.to_vec(),
            v,
            error,
            editing,
        },
    )
}

#[derive(Deserialize)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

async fn new_form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let org = focus(&st, &u).await?;
    let start = (st.app.now() + Duration::days(1)).to_offset(crate::shared::clock::CHINA);
    let start = start.replace_time(time::Time::from_hms(14, 30, 0).unwrap_or(time::Time::MIDNIGHT));
    let v = PlanValues {
        org_id: org.id.to_string(),
        kinds: Kind::from_code(&q.kind)
            .map(|k| vec![k.code().to_owned()])
            .unwrap_or_default(),
        starts_at: datetime_local(start),
        ends_at: datetime_local(start + Duration::hours(2)),
        ..PlanValues::default()
    };
    form_page(&st, &u, "/meetings".into(), v, None, false).await
}

/// Reads the planning form (kinds are repeated checkboxes).
fn values(pairs: &[(String, String)]) -> PlanValues {
    let mut v = PlanValues::default();
    for (k, val) in pairs {
        match k.as_str() {
            "org_id" => v.org_id.clone_from(val),
            "kinds" => v.kinds.push(val.clone()),
            "title" => v.title.clone_from(val),
            "starts_at" => v.starts_at.clone_from(val),
            "ends_at" => v.ends_at.clone_from(val),
            "place" => v.place.clone_from(val),
            "host_name" => v.host_name.clone_from(val),
            "recorder_name" => v.recorder_name.clone_from(val),
            "agenda" => v.agenda.clone_from(val),
            "guests" => v.guests.clone_from(val),
            _ => {}
        }
    }
    v
}

fn plan_of(v: &PlanValues) -> Result<Plan, String> {
    let mut kinds = Vec::new();
    for k in &v.kinds {
        let k = Kind::from_code(k).ok_or_else(|| "会议类型不正确".to_owned())?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    kinds.sort();
    Ok(Plan {
        org_id: v
            .org_id
            .trim()
            .parse()
            .map_err(|_| "请选择组织".to_owned())?,
        kinds,
        title: v.title.clone(),
        starts_at: parse_datetime(&v.starts_at),
        ends_at: parse_datetime(&v.ends_at),
        place: v.place.clone(),
        host_name: v.host_name.clone(),
        recorder_name: v.recorder_name.clone(),
        agenda: v
            .agenda
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(ToOwned::to_owned)
            .collect(),
        guests: v.guests.clone(),
    })
}

async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let v = values(&pairs);
    let plan = match plan_of(&v) {
        Ok(p) => p,
        Err(e) => return form_page(&st, &u, "/meetings".into(), v, Some(e), false).await,
    };
    match service::schedule(&st.app, &u.actor(), u.scope(), &plan).await {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/meetings/{id}"),
            "success",
            "会议已安排，应到人员已通知",
        )),
        Err(MeetingError::Invalid(e)) => {
            form_page(&st, &u, "/meetings".into(), v, Some(e), false).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (m, _) = service::get_managed(&st.app, u.scope(), id).await?;
    if m.status != "planned" {
        return Ok(redirect_with(
            &st,
            &format!("/meetings/{id}"),
            "error",
            "会议已召开或已取消，不能修改安排",
        ));
    }
    let v = PlanValues {
        org_id: m.org_id.to_string(),
        kinds: m.kinds().iter().map(|k| k.code().to_owned()).collect(),
        title: m.title.clone(),
        starts_at: datetime_local(m.starts_at),
        ends_at: datetime_local(m.ends_at),
        place: m.place.clone(),
        host_name: m.host_name.clone(),
        recorder_name: m.recorder_name.clone(),
        agenda: m.agenda_items().join("\n"),
        guests: m.guests.clone(),
    };
    form_page(&st, &u, format!("/meetings/{id}/edit"), v, None, true).await
}

async fn update(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (m, _) = service::get_managed(&st.app, u.scope(), id).await?;
    let mut v = values(&pairs);
    v.org_id = m.org_id.to_string();
    let action = format!("/meetings/{id}/edit");
    let plan = match plan_of(&v) {
        Ok(p) => p,
        Err(e) => return form_page(&st, &u, action, v, Some(e), true).await,
    };
    match service::update(&st.app, &u.actor(), u.scope(), id, &plan).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &format!("/meetings/{id}"),
            "success",
            "会议安排已修改",
        )),
        Err(MeetingError::Invalid(e)) => form_page(&st, &u, action, v, Some(e), true).await,
        Err(e) => Err(e.into()),
    }
}
