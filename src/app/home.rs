//! The home page: a greeting, the officers' 待办, a committee's overview of its branches, the meetings the caller is expected at, the
//! period's organisational life, and the organisation in focus. It gathers from several areas,
//! so it lives above them.

use crate::auth::Role;
use crate::auth::extract::User;
use crate::orgs::service::{self, OrgDetail};
use crate::web::error::AppResult;
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// Registers the page.
pub fn routes(r: Reg) -> Reg {
    r.get("/", home)
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
    todo: Vec<super::todo::Todo>,
    overview: Option<super::overview::Overview>,
    meetings_area: bool,
    page_month: String,
}

async fn home(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let org = crate::orgs::focus::current_org(&st, &u).await?;
    let detail = match &org {
        Some(o) => Some(service::detail(&st.app, u.scope(), o.id).await?),
        None => None,
    };
    // What the committee still owes this period, and its term, are for those who run it: a
    // member cannot act on either.
    let runs = u.scope().has_member_area();
    let term_note = detail
        .as_ref()
        .filter(|_| runs)
        .and_then(|d| service::term_note(d, st.app.clock.today()));
    let period_card = match &org {
        Some(o) if runs => crate::meetings::compliance_service::card(&st.app, u.scope(), o).await?,
        _ => None,
    };
    let meetings_area = org.is_some() && runs;
    let todo = match &org {
        Some(o) => super::todo::for_officer(&st.app, u.scope(), o).await?,
        None => Vec::new(),
    };
    let overview = match &org {
        Some(o) => super::overview::of(&st.app, u.scope(), o).await?,
        None => None,
    };
    let upcoming = crate::meetings::export::mine(&st.app, u.scope()).await?;
    let page = PageCtx::new(&st, &u, "首页", "home").await?;
    let greeting = format!("{}，您好", u.0.display_name);
    render(&HomePage {
        period_card,
        todo,
        overview,
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
