//! Pages of the member area: the roster, a member's page, the record forms, events, the audited
//! unmask and the as-of query.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::auth::MemberAction;
use crate::orgs::model::OrgKind;
use crate::shared::text::{parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, User, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};
use crate::web::{AppState, Reg};

use super::model::{Category, EventKind, FieldError, ITEMS, RawFields, Status};
use super::roster::{AGE_BANDS, PARTY_AGE_BANDS, band_dates};
use super::service::{self, Entry, MemberError, Placement};
use super::store::RosterFilter;
use super::views::{AsOfPage, FormPage, Opt, RosterForm, RosterLine, RosterPage, ShowPage, opts};

/// Registers the routes of this area.
pub fn routes(r: Reg) -> Reg {
    r.get("/members", roster)
        .get("/members/new", new_form)
        .post("/members", create)
        .get("/members/as-of", as_of)
        .get("/members/{id}", show)
        .get("/members/{id}/edit", edit_form)
        .post("/members/{id}/edit", update)
        .post("/members/{id}/unmask", unmask)
        .post("/members/{id}/events", record_event)
}

impl From<MemberError> for AppError {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::Denied(d) => AppError::Denied(d),
            MemberError::Fields(f) => AppError::Fields(serde_json::to_value(f).unwrap_or_default()),
            MemberError::Invalid(m) => AppError::Invalid(m),
            MemberError::Store(s) => s.into(),
        }
    }
}

/// Roster query string; every filter stays in the URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RosterQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    edu: String,
    #[serde(default)]
    eth: String,
    #[serde(default)]
    party_age: String,
    #[serde(default)]
    flag: String,
    #[serde(default)]
    sort: String,
    #[serde(default, skip_serializing)]
    page: Option<String>,
    #[serde(default, skip_serializing)]
    print: Option<String>,
}

impl RosterQuery {
    /// The store filter (roots are set by the service).
    pub fn filter(&self, today: time::Date) -> RosterFilter {
        let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let (born_from, born_to) = band_dates(AGE_BANDS, &self.age, today)
            .map_or((None, None), |(a, b)| (Some(a), Some(b)));
        let (converted_from, converted_to) = band_dates(PARTY_AGE_BANDS, &self.party_age, today)
            .map_or((None, None), |(a, b)| (Some(a), Some(b)));
        let statuses = match self.status.as_str() {
            "all" => Vec::new(),
            s if service::known_status(s) => vec![s.to_owned()],
            _ => vec!["normal".to_owned(), "stopped".to_owned()],
        };
        let (sort, desc) = match self.sort.as_str() {
            "joined" => ("joined", false),
            "joined_desc" => ("joined", true),
            "age" => ("birth", true),
            "age_desc" => ("birth", false),
            "org" => ("org", false),
            _ => ("name", false),
        };
        RosterFilter {
            roots: Vec::new(),
            category: Category::parse(&self.category).map(|c| c.code().to_owned()),
            statuses,
            gender: matches!(self.gender.as_str(), "male" | "female").then(|| self.gender.clone()),
            born_from,
            born_to,
            education: non_empty(&self.edu),
            ethnicity: non_empty(&self.eth),
            converted_from,
            converted_to,
            lost_contact: self.flag == "lost",
            mobile: self.flag == "mobile",
            name: non_empty(&self.q).map(|n| n.chars().take(30).collect()),
            sort: sort.to_owned(),
            desc,
        }
    }

    /// The page asked for (1-based).
    pub fn page_no(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    }

    /// The organisation asked for, if any.
    pub fn org_id(&self) -> Result<Option<i64>, AppError> {
        match self.org.trim() {
            "" => Ok(None),
            s => s.parse::<i64>().map(Some).map_err(|_| AppError::NotFound),
        }
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Organisations in scope that hold members (党支部 and above), indented.
pub(super) async fn org_choices(
    st: &AppState,
    u: &User,
    selected: &str,
    branches_only: bool,
    all_label: Option<&str>,
) -> AppResult<Vec<Opt>> {
    let nodes = crate::orgs::service::tree(&st.app, u.scope(), false).await?;
    let mut out: Vec<(String, String)> = all_label
        .map(|l| vec![(String::new(), l.to_owned())])
        .unwrap_or_default();
    for n in nodes
        .iter()
        .filter(|n| n.org.kind() != OrgKind::Group && (!branches_only || n.org.kind().is_branch()))
    {
        out.push((
            n.org.id.to_string(),
            format!("{}{}", "　".repeat(n.level.min(6)), n.org.name),
        ));
    }
    Ok(opts(&out, selected))
}

const PAGE_SIZE: i64 = 30;
const PRINT_MAX: i64 = 2000;

async fn roster(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<RosterQuery>,
) -> AppResult<Response> {
    let today = st.app.clock.today();
    let print = q.print.as_deref() == Some("1");
    let page_no = q.page_no();
    let (limit, offset) = if print {
        (PRINT_MAX, 0)
    } else {
        (PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
    };
    let (rows, total) = service::roster(
        &st.app,
        u.scope(),
        q.org_id()?,
        q.filter(today),
        limit,
        offset,
    )
    .await?;
    let codes = service::codes(&st.app).await?;
    let names = |set: &str, all: &str| {
        let mut v = vec![(String::new(), all.to_owned())];
        v.extend(codes.names(set).into_iter().map(|n| (n.clone(), n)));
        v
    };
    let status_pairs: Vec<(String, String)> =
        std::iter::once((String::new(), "在册（正常和停止党籍）".to_owned()))
            .chain(
                Status::ALL
                    .iter()
                    .map(|s| (s.code().to_owned(), s.label().to_owned())),
            )
            .chain(std::iter::once(("all".to_owned(), "全部".to_owned())))
            .collect();
    let band_pairs = |bands: &[(&str, &str, i64, i64)]| {
        let mut v = vec![(String::new(), "不限".to_owned())];
        v.extend(
            bands
                .iter()
                .map(|(c, l, ..)| ((*c).to_owned(), (*l).to_owned())),
        );
        v
    };
    let f = RosterForm {
        org: org_choices(&st, &u, &q.org, false, Some("全部（我管理的组织）")).await?,
        category: opts(
            &pairs(&[
                ("", "不限"),
                ("full", "正式党员"),
                ("probationary", "预备党员"),
            ]),
            &q.category,
        ),
        status: opts(&status_pairs, &q.status),
        gender: opts(
            &pairs(&[("", "不限"), ("male", "男"), ("female", "女")]),
            &q.gender,
        ),
        age: opts(&band_pairs(AGE_BANDS), &q.age),
        edu: opts(&names("education", "不限"), &q.edu),
        eth: opts(&names("ethnicity", "不限"), &q.eth),
        party_age: opts(&band_pairs(PARTY_AGE_BANDS), &q.party_age),
        flag: opts(
            &pairs(&[("", "不限"), ("mobile", "流动党员"), ("lost", "失联党员")]),
            &q.flag,
        ),
        q: q.q.clone(),
        sort: opts(
            &pairs(&[
                ("", "按姓名"),
                ("joined", "入党日期（早→晚）"),
                ("joined_desc", "入党日期（晚→早）"),
                ("age", "年龄（小→大）"),
                ("age_desc", "年龄（大→小）"),
                ("org", "按组织"),
            ]),
            &q.sort,
        ),
    };
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    let filtered = qs
        .split('&')
        .any(|kv| kv.split_once('=').is_some_and(|(_, v)| !v.is_empty()));
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = PageCtx::new(&st, &u, "党员花名册", "members")
        .await?
        .crumbs(vec![("党员花名册".into(), None)]);
    let rows = rows.iter().map(|r| RosterLine::new(r, today)).collect();
    let page = RosterPage {
        page,
        rows,
        total,
        f,
        page_no: page_no.min(pages),
        pages,
        qs,
        print,
        can_add: u.scope().has_member_area(),
        filtered,
    };
    render(&page)
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
        .filter(|k| **k != EventKind::Convert || d.member.category() == Category::Probationary)
        .map(|k| (k.code(), k.label()))
        .collect();
    let today = st.app.clock.today();
    let age_text = match d.member.party_years(today) {
        Some(y) => format!("{} 岁，党龄 {y} 年", d.member.age(today)),
        None => format!("{} 岁", d.member.age(today)),
    };
    let crumbs = vec![
        ("党员花名册".into(), Some("/members".into())),
        (d.member.name.clone(), None),
    ];
    let page = PageCtx::new(st, u, &d.member.name, "members")
        .await?
        .crumbs(crumbs);
    render(&ShowPage {
        page,
        d,
        unmasked,
        can_edit,
        can_unmask,
        event_kinds,
        today: ymd(today),
        age_text,
    })
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    show_page(&st, &u, id, false).await
}

async fn unmask(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    show_page(&st, &u, id, true).await
}

/// Keys a member form may carry; anything else is refused (SEC-20).
fn check_keys(v: &HashMap<String, String>, creating: bool) -> AppResult<()> {
    let extra = ["group_id"];
    let create_only = ["org_id", "category", "entry", "entry_on"];
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
            let all = crate::orgs::service::tree(&st.app, u.scope(), false).await?;
            let g: Vec<(String, String)> = all
                .iter()
                .filter(|n| n.org.parent_id == Some(b) && n.org.kind() == OrgKind::Group)
                .map(|n| (n.org.id.to_string(), n.org.name.clone()))
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

fn group_of(v: &HashMap<String, String>) -> AppResult<Option<i64>> {
    match v.get("group_id").map(|s| s.trim()).unwrap_or("") {
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
        Err(MemberError::Fields(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &u, None, v, errors, None).await?,
        ),
        Err(MemberError::Invalid(m)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &u, None, v, Vec::new(), Some(m)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
    let v = d.member.raw_fields();
    // Editing the form shows the full numbers, so opening it is an audited unmask.
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
        Err(MemberError::Fields(errors)) => {
            let d = service::detail(&st.app, u.scope(), id, MemberAction::Edit).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&st, &u, Some(d.member), v, errors, None).await?,
            )
        }
        Err(MemberError::Invalid(m)) => {
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
    match service::record_event(&st.app, &u.actor(), u.scope(), id, kind, on, &f.note).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &to,
            "success",
            &format!("已登记“{}”", kind.label()),
        )),
        Err(MemberError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
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
