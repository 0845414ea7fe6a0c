//! The roster page and its query string (every filter stays in the URL), shared with the API
//! and the export.

use crate::auth::Visible;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::auth::extract::User;
use crate::orgs::model::OrgKind;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{PageCtx, render};

use super::model::{Category, Status};
use super::roster::{AGE_BANDS, PARTY_AGE_BANDS, band_dates};
use super::service;
use super::store::RosterFilter;
use super::views::{Opt, RosterForm, RosterLine, RosterPage, opts};

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
    #[must_use]
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
            roots: Visible::default(),
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
            probation_started_before: (self.flag == "probation_overdue")
                .then(|| super::views::two_years_before(today)),
            name: non_empty(&self.q).map(|n| n.chars().take(30).collect()),
            // Set by the service when `q` is a whole 身份证号 or 手机号 (SEC-47).
            id_number_bidx: None,
            phone_bidx: None,
            sort: sort.to_owned(),
            desc,
        }
    }

    /// The page asked for (1-based).
    #[must_use]
    pub fn page_no(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    }

    /// The organisation asked for, if any.
    ///
    /// # Errors
    /// `NotFound` when the parameter is not a number.
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
    let nodes = crate::orgs::service::outline(&st.app, u.scope()).await?;
    let mut out: Vec<(String, String)> = all_label
        .map(|l| vec![(String::new(), l.to_owned())])
        .unwrap_or_default();
    for (o, level) in nodes
        .iter()
        .filter(|(o, _)| o.kind() != OrgKind::Group && (!branches_only || o.kind().is_branch()))
    {
        out.push((
            o.id.to_string(),
            format!("{}{}", "　".repeat((*level).min(6)), o.name),
        ));
    }
    Ok(opts(&out, selected))
}

const PAGE_SIZE: i64 = 30;
const PRINT_MAX: i64 = 2000;

pub(super) async fn roster(
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
            &pairs(&[
                ("", "不限"),
                ("mobile", "流动党员"),
                ("lost", "失联党员"),
                ("probation_overdue", "预备期超过两年"),
            ]),
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
    let pending_corrections = super::corrections_routes::pending_count(&st, &u).await?;
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
        pending_corrections,
    };
    render(&page)
}
