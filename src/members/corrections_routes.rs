//! Pages for correction requests: the member's form and the officers' queue and decisions.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::audit::{self, AuditEvent};
use crate::auth::extract::User;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{DecisionForm, PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};
use crate::web::{AppState, Reg};

use super::corrections::{self, CORRECTABLE, Correction};
use super::model::label_of;
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/{id}/correction", form)
        .post("/members/{id}/corrections", create)
        .get("/members/corrections", queue)
        .get("/members/corrections/{id}", review)
        .post("/members/corrections/{id}/decision", decide)
}

#[derive(Template)]
#[template(path = "members/correction_form.html")]
struct FormPage {
    page: PageCtx,
    member_id: i64,
    fields: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "members/corrections.html")]
struct QueuePage {
    page: PageCtx,
    items: Vec<Correction>,
}

#[derive(Template)]
#[template(path = "members/correction_review.html")]
struct ReviewPage {
    page: PageCtx,
    c: Correction,
    current: String,
    error: Option<String>,
}

async fn form_page(
    st: &AppState,
    u: &User,
    member_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    if u.scope().member_id != Some(member_id) {
        return Err(AppError::NotFound);
    }
    let page = PageCtx::new(st, u, "申请更正信息", "members")
        .await?
        .crumbs(vec![
            ("我的档案".into(), Some(format!("/members/{member_id}"))),
            ("申请更正".into(), None),
        ]);
    let fields = CORRECTABLE.iter().map(|k| (*k, label_of(k))).collect();
    render_status(
        status,
        &FormPage {
            page,
            member_id,
            fields,
            error,
        },
    )
}

async fn form(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    form_page(&st, &u, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestForm {
    field: String,
    new_value: String,
    reason: String,
}

async fn create(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<RequestForm>,
) -> AppResult<Response> {
    match corrections::request(
        &st.app,
        &u.actor(),
        u.scope(),
        id,
        &f.field,
        &f.new_value,
        &f.reason,
    )
    .await
    {
        Ok(_) => Ok(redirect_with(
            &st,
            &format!("/members/{id}"),
            "success",
            "更正申请已提交，支部审核后会更新您的信息",
        )),
        Err(DomainError::Invalid(m)) => {
            form_page(&st, &u, id, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn queue(State(st): State<AppState>, u: User) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let items = corrections::pending_under(
        &mut st.app.db.conn().await?.exec(),
        &st.app.keys,
        &u.scope().visible_members(),
    )
    .await?;
    let page = PageCtx::new(&st, &u, "待审核的更正申请", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("更正申请".into(), None),
        ]);
    render(&QueuePage { page, items })
}

async fn review_page(
    st: &AppState,
    u: &User,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let (c, d) = corrections::for_decision(&st.app, u.scope(), id).await?;
    let current = d
        .member
        .raw_fields()
        .get(&c.field)
        .cloned()
        .unwrap_or_default();
    if matches!(c.field.as_str(), "id_number" | "phone" | "address") {
        // Judging the request needs the full values: that is an unmask, and audited as one
        // after a fresh confirmation (SEC-16).
        u.require_recent_auth(st).await?;
        let ev = AuditEvent::success("member.unmask", "member", c.member_id)
            .org(d.org.id)
            .detail("审核更正申请");
        audit::record_alone(&st.app.db, &u.actor(), st.app.now(), ev).await?;
    }
    let page = PageCtx::new(st, u, "审核更正申请", "members")
        .await?
        .crumbs(vec![
            ("更正申请".into(), Some("/members/corrections".into())),
            (c.member_name.clone(), None),
        ]);
    render_status(
        status,
        &ReviewPage {
            page,
            c,
            current,
            error,
        },
    )
}

async fn review(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    review_page(&st, &u, id, None, StatusCode::OK).await
}

async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<DecisionForm>,
) -> AppResult<Response> {
    let approve = f.choice("approve", "reject")?;
    match corrections::decide(&st.app, &u.actor(), u.scope(), id, approve, &f.note).await {
        Ok(()) => Ok(redirect_with(
            &st,
            "/members/corrections",
            "success",
            if approve {
                "已同意并更新党员信息"
            } else {
                "已退回申请"
            },
        )),
        Err(DomainError::Invalid(m)) => {
            review_page(&st, &u, id, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e @ DomainError::Fields(_)) => {
            review_page(
                &st,
                &u,
                id,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A member's requests, for their page.
///
/// # Errors
/// Storage failures.
pub async fn requests_of(st: &AppState, member_id: i64) -> AppResult<Vec<Correction>> {
    Ok(
        corrections::of_member(&mut st.app.db.conn().await?.exec(), &st.app.keys, member_id)
            .await?,
    )
}

/// Number of pending requests in the caller's area.
///
/// # Errors
/// Storage failures.
pub async fn pending_count(st: &AppState, u: &User) -> AppResult<usize> {
    Ok(corrections::pending_under(
        &mut st.app.db.conn().await?.exec(),
        &st.app.keys,
        &u.scope().visible_members(),
    )
    .await?
    .len())
}
