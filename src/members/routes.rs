//! Pages of the member area: the roster, a member's page, the record forms, events, the audited
//! unmask and the as-of query.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::MemberAction;
use crate::auth::extract::User;
use crate::orgs::model::OrgKind;
use crate::shared::text::{parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};
use crate::web::{AppState, Reg};

use super::model::{Category, EventKind, FieldError, ITEMS, RawFields};
use super::roster_page::org_choices;
use super::service::{self, Entry, Placement};
use super::views::{AsOfPage, FormPage, ShowPage, opts};
use crate::shared::error::DomainError;

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    r.get("/members", super::roster_page::roster)
        .get("/members/new", new_form)
        .post("/members", create)
        .get("/members/as-of", as_of)
        .get("/members/{id}", show)
        .get("/members/{id}/edit", edit_form)
        .post("/members/{id}/edit", update)
        .post("/members/{id}/unmask", unmask)
        .post("/members/{id}/events", record_event)
}

async fn show_page(st: &AppState, u: &User, id: i64, unmasked: bool) -> AppResult<Response> {
    let d = if unmasked {
        service::unmask(&st.app, &u.actor(), u.scope(), id).await?
    } else {
        service::detail(&st.app, u.scope(), id, MemberAction::View).await?
    };
    let scope = u.scope();
    let can_edit = scope
        .check_member(MemberAction::Edit, &d.org.path, id)
        .is_ok();
    let can_unmask = scope
        .check_member(MemberAction::Unmask, &d.org.path, id)
        .is_ok();
    let status = d.member.status();
    let event_kinds = EventKind::RECORDABLE
        .iter()
        .filter(|k| k.transition(status).is_some())
        .filter(|k| {
            let probationary = d.member.category() == Category::Probationary;
            if k.probation_only() {
                probationary
            } else {
                **k != EventKind::Observe || !probationary
            }
        })
        .map(|k| (k.code(), k.label()))
        .collect();
    let today = st.app.clock.today();
    let terms = member_terms(&d.member, today);
    let age_text = match d.member.party_years(today) {
        Some(y) => format!("{} 岁，党龄 {y} 年", d.member.age(today)),
        None => format!("{} 岁", d.member.age(today)),
    };
    // A member opening their own record comes from 我的, not from a roster they cannot open.
    let crumbs = if u.scope().has_member_area() {
        vec![
            ("党员花名册".into(), Some("/members".into())),
            (d.member.name.clone(), None),
        ]
    } else {
        vec![
            ("我的".into(), Some("/account".into())),
            ("我的档案".into(), None),
        ]
    };
    let page = PageCtx::new(st, u, &d.member.name, "members")
        .await?
        .crumbs(crumbs);
    let is_self = u.scope().member_id == Some(id);
    let corrections = if is_self {
        super::corrections_routes::requests_of(st, id).await?
    } else {
        Vec::new()
    };
    let has_photo = super::photo_routes::has_photo(st, id).await?;
    render(&ShowPage {
        page,
        d,
        unmasked,
        can_edit,
        can_unmask,
        event_kinds,
        today: ymd(today),
        age_text,
        is_self,
        corrections,
        has_photo,
        terms,
    })
}

/// What the member page says of probation (DEV-20/22) and 留党察看 (VOTE-01).
fn member_terms(m: &super::model::Member, today: time::Date) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if m.category() == Category::Probationary && m.status().on_books() {
        let end = ymd(m.probation_end());
        let text = match m.probation_extended_until {
            Some(_) => format!("{end}（已延长预备期；期满应讨论转正或取消预备党员资格）"),
            None if today >= m.probation_end() => format!("{end}（已届满，支部应及时讨论转正）"),
            None => end,
        };
        out.push(("预备期至", text));
    }
    if let Some(u) = m.observation_until.filter(|_| m.under_observation(today)) {
        out.push((
            "留党察看",
            format!("至 {}，期间没有表决权、选举权和被选举权", ymd(u)),
        ));
    }
    out
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    show_page(&st, &u, id, false).await
}

async fn unmask(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    // Permission first, so the confirmation is only asked of those who may unmask (SEC-16).
    service::detail(&st.app, u.scope(), id, MemberAction::Unmask).await?;
    u.require_recent_auth(&st).await?;
    crate::limits::account(&st, &u, crate::limits::Kind::Unmask).await?;
    show_page(&st, &u, id, true).await
}

/// Keys a member form may carry; anything else is refused (SEC-20).
fn check_keys(v: &HashMap<String, String>, creating: bool) -> AppResult<()> {
    let extra = ["group_id"];
    let create_only = [
        "org_id",
        "category",
        "entry",
        "entry_on",
        "letter_from",
        "letter_ref",
    ];
    let ok = |k: &str| {
        ITEMS.iter().any(|(i, _)| *i == k && k != "category")
            || extra.contains(&k)
            || (creating && create_only.contains(&k))
    };
    match v.keys().find(|k| !ok(k)) {
        Some(_) => Err(AppError::BadRequest(
            "unexpected_field",
            "表单包含不允许提交的字段".into(),
        )),
        None => Ok(()),
    }
}

async fn form_page(
    st: &AppState,
    u: &User,
    editing: Option<super::model::Member>,
    v: HashMap<String, String>,
    errors: Vec<FieldError>,
    message: Option<String>,
) -> AppResult<FormPage> {
    let codes = service::codes(&st.app).await?;
    let code_opts = |set: &str, key: &str| {
        let names: Vec<(String, String)> = codes
            .names(set)
            .into_iter()
            .filter(|n| n != "无")
            .map(|n| (n.clone(), n))
            .collect();
        opts(&names, v.get(key).map_or("", String::as_str))
    };
    let org_sel = editing.as_ref().map_or_else(
        || v.get("org_id").cloned().unwrap_or_default(),
        |m| m.org_id.to_string(),
    );
    let orgs = org_choices(st, u, &org_sel, true, None).await?;
    let branch = editing
        .as_ref()
        .map(|m| m.org_id)
        .or_else(|| org_sel.parse().ok())
        .or_else(|| orgs.first().and_then(|o| o.value.parse().ok()));
    let groups = match branch {
        Some(b) => {
            let all = crate::orgs::service::outline(&st.app, u.scope()).await?;
            let g: Vec<(String, String)> = all
                .iter()
                .filter(|(o, _)| o.parent_id == Some(b) && o.kind() == OrgKind::Group)
                .map(|(o, _)| (o.id.to_string(), o.name.clone()))
                .collect();
            opts(&g, v.get("group_id").map_or("", String::as_str))
        }
        None => Vec::new(),
    };
    let title = if editing.is_some() {
        "修改党员信息"
    } else {
        "登记党员"
    };
    let page = PageCtx::new(st, u, title, "members").await?.crumbs(vec![
        ("党员花名册".into(), Some("/members".into())),
        (title.into(), None),
    ]);
    Ok(FormPage {
        page,
        editing,
        ethnicities: code_opts("ethnicity", "ethnicity"),
        educations: code_opts("education", "education"),
        degrees: code_opts("degree", "degree"),
        v,
        errors,
        message,
        orgs,
        groups,
    })
}

async fn new_form(State(st): State<AppState>, u: User) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let mut v = HashMap::new();
    v.insert("entry".to_owned(), "register".to_owned());
    v.insert("ethnicity".to_owned(), "汉族".to_owned());
    v.insert("entry_on".to_owned(), ymd(st.app.clock.today()));
    render(&form_page(&st, &u, None, v, Vec::new(), None).await?)
}

/// The letter a transferred-in member brought: (sending organisation, letter number).
fn letter_of(v: &HashMap<String, String>) -> Option<(String, String)> {
    let get = |k: &str| {
        v.get(k)
            .map(|s| s.trim().chars().take(60).collect::<String>())
            .unwrap_or_default()
    };
    let (from, no) = (get("letter_from"), get("letter_ref"));
    (!from.is_empty() || !no.is_empty()).then_some((from, no))
}

fn group_of(v: &HashMap<String, String>) -> AppResult<Option<i64>> {
    match v.get("group_id").map_or("", |s| s.trim()) {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::BadRequest("invalid_form", "党小组选择有误".into())),
    }
}

async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(v): ValidForm<HashMap<String, String>>,
) -> AppResult<Response> {
    check_keys(&v, true)?;
    let org_id = v
        .get("org_id")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    let category =
        Category::parse(v.get("category").map_or("", String::as_str)).unwrap_or(Category::Full);
    let kind = EventKind::from_code(v.get("entry").map_or("", String::as_str))
        .unwrap_or(EventKind::Register);
    let on = v
        .get("entry_on")
        .and_then(|s| super::model::parse_any_date(s));
    let raw: RawFields = v.clone();
    match service::create(
        &st.app,
        &u.actor(),
        u.scope(),
        Placement {
            org_id,
            group_id: group_of(&v)?,
            category,
            entry: Entry { kind, on },
            letter: letter_of(&v),
        },
        &raw,
    )
    .await
    {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/members/{id}"),
            "success",
            "党员信息已登记",
        )),
        Err(DomainError::Fields(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &u, None, v, errors, None).await?,
        ),
        Err(DomainError::Invalid(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &u, None, v, Vec::new(), Some(m)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
    let v = d.member.raw_fields();
    // Editing the form shows the full numbers, so opening it is an audited unmask (SEC-16).
    u.require_recent_auth(&st).await?;
    service::unmask(&st.app, &u.actor(), u.scope(), id).await?;
    render(&form_page(&st, &u, Some(d.member), v, Vec::new(), None).await?)
}

async fn update(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(v): ValidForm<HashMap<String, String>>,
) -> AppResult<Response> {
    check_keys(&v, false)?;
    let raw: RawFields = v.clone();
    match service::update(&st.app, &u.actor(), u.scope(), id, group_of(&v)?, &raw).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &format!("/members/{id}"),
            "success",
            "已保存",
        )),
        Err(DomainError::Fields(errors)) => {
            let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&st, &u, Some(d.member), v, errors, None).await?,
            )
        }
        Err(DomainError::Invalid(m)) => {
            let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&st, &u, Some(d.member), v, Vec::new(), Some(m)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventForm {
    kind: String,
    occurred_on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    months: String,
}

async fn record_event(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<EventForm>,
) -> AppResult<Response> {
    let to = format!("/members/{id}");
    let (Some(kind), Some(on)) = (EventKind::from_code(&f.kind), parse_date(&f.occurred_on)) else {
        return Ok(redirect_with(&st, &to, "error", "请选择事项并填写日期"));
    };
    let months = match f.months.trim() {
        "" => None,
        m => match m.parse::<u8>() {
            Ok(n) => Some(n),
            Err(_) => return Ok(redirect_with(&st, &to, "error", "月数须为整数")),
        },
    };
    let input = service::EventInput {
        kind,
        on,
        note: &f.note,
        months,
    };
    match service::record_event(&st.app, &u.actor(), u.scope(), id, input).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &to,
            "success",
            &format!("已登记“{}”", kind.label()),
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AsOfQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    date: String,
}

async fn as_of(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<AsOfQuery>,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let orgs = org_choices(&st, &u, &q.org, false, None).await?;
    let org_id = q
        .org
        .parse::<i64>()
        .ok()
        .or_else(|| orgs.first().and_then(|o| o.value.parse().ok()));
    let date = parse_date(&q.date);
    let rows = match (org_id, date) {
        (Some(o), Some(d)) => service::on_date(&st.app, u.scope(), o, d)
            .await?
            .into_iter()
            .map(|(m, org)| (m.id, m.name.clone(), org.name, m.category().label()))
            .collect(),
        _ => Vec::new(),
    };
    let page = PageCtx::new(&st, &u, "按日期查询", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("按日期查询".into(), None),
        ]);
    let asked = date.is_some() && org_id.is_some();
    let date = date.map_or_else(|| ymd(st.app.clock.today()), ymd);
    render(&AsOfPage {
        page,
        orgs,
        date,
        rows,
        asked,
    })
}
