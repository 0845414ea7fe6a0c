//! Pages of group bots: an organisation's bots with the form to add one, and one bot with its
//! settings, test button, pause and resume, removal, and delivery log.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render_form};
use crate::web::{AppState, Reg};

use super::model::{EVENTS, KINDS};
use super::service::{self, BotForm, TestError};
use super::store::{Bot, Delivery};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/bots", list)
        .post("/bots", create)
        .get("/bots/{id}", show)
        .post("/bots/{id}", update)
        .post("/bots/{id}/test", test)
        .post("/bots/{id}/pause", pause)
        .post("/bots/{id}/resume", resume)
        .post("/bots/{id}/delete", delete)
}

/// Events ticked for a new bot.
const DEFAULT_EVENTS: [&str; 5] = [
    "notice",
    "notice_reminder",
    "meeting_scheduled",
    "meeting_soon",
    "report",
];

#[derive(Template)]
#[template(path = "bots/list.html")]
struct ListPage {
    page: PageCtx,
    org_id: i64,
    org_name: String,
    bots: Vec<Bot>,
    kinds: Vec<(&'static str, &'static str)>,
    /// (code, label, ticked)
    events: Vec<(&'static str, &'static str, bool)>,
    form: BotForm,
    no_public_url: bool,
    error: Option<String>,
}

fn event_boxes(chosen: &[String]) -> Vec<(&'static str, &'static str, bool)> {
    EVENTS
        .iter()
        .map(|(c, l)| (*c, *l, chosen.iter().any(|x| x == c)))
        .collect()
}

async fn list_page(
    st: &AppState,
    u: &User,
    org: i64,
    form: BotForm,
    error: Option<String>,
) -> AppResult<Response> {
    let (o, bots) = service::list(&st.app, u.scope(), org).await?;
    let page = PageCtx::new(st, u, "群机器人", "notices")
        .await?
        .crumbs(vec![
            ("通知公告".into(), Some("/notices".into())),
            ("群机器人".into(), None),
        ]);
    let events = if error.is_some() {
        event_boxes(&form.events)
    } else {
        event_boxes(&DEFAULT_EVENTS.map(str::to_owned))
    };
    render_form(
        error.is_some(),
        &ListPage {
            page,
            org_id: o.id,
            org_name: o.name,
            bots,
            kinds: KINDS.to_vec(),
            events,
            form: BotForm {
                secret: String::new(),
                ..form
            },
            no_public_url: st.app.config.server.public_url.is_empty(),
            error,
        },
    )
}

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: String,
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    let org = org_param(&st, &u, &q.org).await?;
    list_page(&st, &u, org, BotForm::default(), None).await
}

/// Reads the form's fields; `events` may repeat.
fn read_form(pairs: &[(String, String)]) -> (BotForm, Option<i64>) {
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = BotForm {
        name: one("name"),
        kind: one("kind"),
        url: one("webhook_url"),
        secret: one("secret"),
        clear_secret: !one("clear_secret").is_empty(),
        events: pairs
            .iter()
            .filter(|(n, _)| n == "events")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    (f, one("org_id").trim().parse().ok())
}

async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (f, org) = read_form(&pairs);
    let org = org.ok_or_else(|| {
        AppError::BadRequest("invalid_form", "表单内容不完整，请刷新页面后重试".into())
    })?;
    match service::create(&st.app, &u.actor(), u.scope(), org, &f).await {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/bots/{id}"),
            "success",
            "已添加群机器人。建议先发送一条测试消息检查配置",
        )),
        Err(DomainError::Invalid(m)) => list_page(&st, &u, org, f, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bots/show.html")]
struct ShowPage {
    page: PageCtx,
    bot: Bot,
    org_name: String,
    events: Vec<(&'static str, &'static str, bool)>,
    log: Vec<Delivery>,
    error: Option<String>,
}

async fn show_page(st: &AppState, u: &User, id: i64, error: Option<String>) -> AppResult<Response> {
    let (bot, org, log) = service::log(&st.app, u.scope(), id).await?;
    let page = PageCtx::new(st, u, &bot.name, "notices")
        .await?
        .crumbs(vec![
            ("群机器人".into(), Some(format!("/bots?org={}", org.id))),
            (bot.name.clone(), None),
        ]);
    let chosen: Vec<String> = bot.event_codes().into_iter().map(str::to_owned).collect();
    render_form(
        error.is_some(),
        &ShowPage {
            page,
            events: event_boxes(&chosen),
            bot,
            org_name: org.name,
            log,
            error,
        },
    )
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    show_page(&st, &u, id, None).await
}

async fn update(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (f, _) = read_form(&pairs);
    match service::update(&st.app, &u.actor(), u.scope(), id, &f).await {
        Ok(()) => Ok(redirect_with(
            &st,
            &format!("/bots/{id}"),
            "success",
            "已保存",
        )),
        Err(DomainError::Invalid(m)) => show_page(&st, &u, id, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn test(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(_): ValidForm<Empty>,
) -> AppResult<Response> {
    let to = format!("/bots/{id}");
    match service::test(&st.app, &u.actor(), u.scope(), id).await {
        Ok(_) => Ok(redirect_with(
            &st,
            &to,
            "success",
            "测试消息已排队，几秒后刷新本页可在发送记录中看到结果",
        )),
        Err(TestError::Limited) => Ok(redirect_with(&st, &to, "error", service::TEST_LIMITED)),
        Err(TestError::Other(e)) => Err(e.into()),
    }
}

async fn toggle(st: &AppState, u: &User, id: i64, pause: bool) -> AppResult<Response> {
    let to = format!("/bots/{id}");
    match service::set_paused(&st.app, &u.actor(), u.scope(), id, pause).await {
        Ok(()) => Ok(redirect_with(
            st,
            &to,
            "success",
            if pause {
                "已暂停"
            } else {
                "已恢复，失败计数已清零"
            },
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn pause(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(_): ValidForm<Empty>,
) -> AppResult<Response> {
    toggle(&st, &u, id, true).await
}

async fn resume(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(_): ValidForm<Empty>,
) -> AppResult<Response> {
    toggle(&st, &u, id, false).await
}

async fn delete(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(_): ValidForm<Empty>,
) -> AppResult<Response> {
    let org = service::delete(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(redirect_with(
        &st,
        &format!("/bots?org={org}"),
        "success",
        "已删除群机器人及其发送记录",
    ))
}
